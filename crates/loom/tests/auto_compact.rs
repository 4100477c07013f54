//! The writer compacts itself: after a commit that leaves the file above 1.2x its content, the
//! content is repacked into a copy beside it that takes over the lock and is renamed over the
//! path. The copy holds the lock from before anyone can open it, older snapshots keep reading
//! the file they opened, and a process killed at any moment of an edit session (compactions
//! included) leaves a file that holds one of the committed states, whole.

#![cfg(all(feature = "fs", unix))]

use loomfile::ndarray::Array2;
use loomfile::{Axis, Block, Contents, FillValues, LayerData, LoomFile, Sel, Values};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const ROWS: usize = 200;

/// The main layer's value at (row, column), whatever the number of columns.
fn main_value(i: usize, j: usize) -> f32 {
    (i * 131 + j) as f32
}

/// The `spliced` layer's value at (row, column).
fn spliced_value(i: usize, j: usize) -> f32 {
    (i * 7 + j) as f32 * 0.25
}

fn cell_ids(from: usize, n: usize) -> Values {
    Values::from((from..from + n).map(|j| format!("cell{j}")).collect::<Vec<_>>())
}

fn create(path: &Path) {
    let m = Array2::from_shape_fn((ROWS, 50), |(i, j)| main_value(i, j));
    let contents = Contents {
        row_attrs: vec![(
            "Gene",
            Values::from((0..ROWS).map(|i| format!("g{i}")).collect::<Vec<_>>()),
        )],
        col_attrs: vec![("CellID", cell_ids(0, 50))],
        ..Default::default()
    };
    LoomFile::create(path, LayerData::Dense(m.view()), &contents).unwrap();
}

/// One round of the session: 8 columns added (one commit), the `spliced` layer rewritten
/// whole with the same values (one commit: a layer's worth of dead space), a column
/// attribute rewritten (one commit).
fn round(f: &mut LoomFile) {
    let (_, m) = f.shape();
    let m = m as usize;
    let add = Array2::from_shape_fn((ROWS, 8), |(i, j)| main_value(i, m + j));
    let spl = Array2::from_shape_fn((ROWS, 8), |(i, j)| spliced_value(i, m + j));
    let mut layers = vec![("", Block::from(&add))];
    if f.layer_names().iter().any(|l| l == "spliced") {
        layers.push(("spliced", Block::from(&spl)));
    }
    f.add_columns(&layers, &[("CellID", cell_ids(m, 8))], &[], &FillValues::Auto).unwrap();
    let all = Array2::from_shape_fn((ROWS, m + 8), |(i, j)| spliced_value(i, j));
    f.set_layer("spliced", LayerData::Dense(all.view())).unwrap();
    let score: Vec<f64> = (0..m + 8).map(|j| j as f64 * 0.5).collect();
    f.set_attr(Axis::Cols, "score", &Values::from(score)).unwrap();
}

/// Check that `path` holds a state the session commits: its layers and attributes agree
/// with the formulas for its number of columns. Returns that number.
fn check_state(path: &Path) -> usize {
    let f = LoomFile::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (n, m) = f.shape();
    let (n, m) = (n as usize, m as usize);
    assert_eq!(n, ROWS);
    assert!(m >= 50 && (m - 50) % 8 == 0, "{m} columns");
    let main = f.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap();
    assert_eq!(main, Array2::from_shape_fn((n, m), |(i, j)| main_value(i, j)));
    assert_eq!(f.attr(Axis::Cols, "CellID").unwrap(), cell_ids(0, m));
    if f.layer_names().iter().any(|l| l == "spliced") {
        let s = f.read_layer::<f32>("spliced", &Sel::All, &Sel::All).unwrap();
        assert_eq!(s, Array2::from_shape_fn((n, m), |(i, j)| spliced_value(i, j)));
    }
    if let Ok(score) = f.attr(Axis::Cols, "score") {
        // Between a round's add_columns and its set_attr, the new columns hold the fill.
        let got = score.to_f64().unwrap();
        let want: Vec<f64> = (0..m).map(|j| j as f64 * 0.5).collect();
        let filled: Vec<f64> =
            (0..m).map(|j| if j + 8 >= m { 0.0 } else { j as f64 * 0.5 }).collect();
        assert!(got.to_vec() == want || got.to_vec() == filled, "score {got:?}");
    }
    m
}

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().ino()
}

/// Compaction happens (the path gets a new file), the content is unchanged, the lock stays
/// held throughout, an older snapshot still reads its state, and nothing is left beside it.
#[test]
fn the_writer_compacts_itself_keeping_the_lock_and_older_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.loom");
    create(&path);
    let mut f = LoomFile::open_rw(&path).unwrap();
    let first = inode(&path);
    let snapshot = f.matrix("").unwrap();
    let mut rounds = 0;
    while inode(&path) == first {
        round(&mut f);
        rounds += 1;
        assert!(rounds < 20, "no compaction after {rounds} rounds");
    }
    // The snapshot taken before reads the state it was taken of.
    let mut old = vec![0f32; ROWS * 50];
    snapshot.read_into(&loomfile::Selection::All, &loomfile::Selection::All, &mut old).unwrap();
    let want: Vec<f32> = (0..ROWS * 50).map(|k| main_value(k / 50, k % 50)).collect();
    assert_eq!(old, want);
    // The lock moved with the file: another writer is refused (where locks work at all).
    let locks_work = {
        let probe = dir.path().join("probe.h5");
        loomfile::hdf5::Writer::create(&probe).unwrap().finish().unwrap();
        let w = loomfile::hdf5::Writer::open(&probe).unwrap();
        w.lock_warning().is_none()
    };
    if locks_work {
        let e = LoomFile::open_rw(&path).expect_err("the compacted file is locked");
        assert!(e.to_string().contains("lock"), "{e}");
    }
    // Edits go on in the compacted file.
    round(&mut f);
    let m = f.shape().1 as usize;
    f.close().unwrap();
    assert_eq!(check_state(&path), m);
    assert_eq!(m, 50 + 8 * (rounds + 1));
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["probe.h5", "session.loom"]);
}

/// With compaction off the file only grows by reuse, and the path keeps its file.
#[test]
fn compaction_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.loom");
    create(&path);
    let mut f = LoomFile::open_rw(&path).unwrap();
    f.set_auto_compact(None).unwrap();
    let first = inode(&path);
    for _ in 0..6 {
        round(&mut f);
    }
    assert_eq!(inode(&path), first);
    f.close().unwrap();
    check_state(&path);
}

/// The child side of the kill test: edit rounds until killed.
#[test]
#[ignore = "run by a_kill_at_any_moment_leaves_a_committed_state"]
fn child_edit_session() {
    let Some(path) = std::env::var_os("LOOMFILE_AUTO_COMPACT_CHILD") else { return };
    let progress = std::env::var_os("LOOMFILE_AUTO_COMPACT_PROGRESS").unwrap();
    let mut f = LoomFile::open_rw(&path).unwrap();
    // Compact after nearly every commit, so that kills often land inside a compaction.
    f.set_auto_compact(Some(1.01)).unwrap();
    for rounds in 1.. {
        round(&mut f);
        // Tell the parent this session got somewhere (outside the edited file's folder).
        std::fs::write(&progress, rounds.to_string()).unwrap();
    }
}

/// A process editing in rounds (compacting after nearly every commit) is
/// killed at pseudo-random moments, 16 times in a row on the same file: every time, the file
/// at the path holds a committed state, whole, and the next session opens and edits it.
/// Each kill comes 0-600 ms after the session's first round is done, so every session makes
/// progress however slowly the machine runs (an emulated target starts a process slowly).
#[test]
fn a_kill_at_any_moment_leaves_a_committed_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.loom");
    create(&path);
    let exe = std::env::current_exe().unwrap();
    // Under user-mode emulation (the aarch64 and s390x portability runs) this binary runs
    // through qemu, and cannot start itself as a process: nothing to test there.
    let probe = std::process::Command::new(&exe)
        .args(["--list", "--ignored"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !probe.as_ref().is_ok_and(|s| s.success()) {
        eprintln!("skipping: this test binary cannot start itself here ({probe:?})");
        return;
    }
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let side = tempfile::tempdir().unwrap();
    let progress = side.path().join("rounds");
    let (mut compactions, mut last_inode, mut columns) = (0, inode(&path), 50);
    for kill in 0..16 {
        let _ = std::fs::remove_file(&progress);
        let mut child = std::process::Command::new(&exe)
            .args(["child_edit_session", "--exact", "--ignored", "--test-threads=1"])
            .env("LOOMFILE_AUTO_COMPACT_CHILD", &path)
            .env("LOOMFILE_AUTO_COMPACT_PROGRESS", &progress)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the first round (a hang guard, not a timing assertion).
        let start = std::time::Instant::now();
        while !progress.exists() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("kill {kill}: the editing session ended by itself: {status}");
            }
            assert!(start.elapsed().as_secs() < 600, "kill {kill}: no round done in 10 minutes");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let ms = (rng >> 33) % 600;
        std::thread::sleep(std::time::Duration::from_millis(ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let m = check_state(&path);
        assert!(m >= columns, "kill {kill}: {m} columns after {columns}");
        columns = m;
        let now = inode(&path);
        compactions += usize::from(now != last_inode);
        last_inode = now;
    }
    // The sessions made progress and compacted along the way.
    let left = std::fs::read_dir(dir.path()).unwrap().count() - 1;
    eprintln!(
        "16 kills: {columns} columns, the path got a new file {compactions} times, \
         {left} temporary files of killed compactions left beside it"
    );
    assert!(columns > 50 && compactions > 0, "{columns} columns, {compactions} compactions");
}

/// A file reached through a symbolic link, or with a second hard link, is not compacted: a
/// rename would replace the link, or leave the other name on the old file.
#[test]
fn links_are_not_split() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.loom");
    create(&real);
    let link = dir.path().join("link.loom");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let hard = dir.path().join("hard.loom");
    let other = dir.path().join("other.loom");
    create(&hard);
    std::fs::hard_link(&hard, &other).unwrap();
    for path in [&link, &hard] {
        let first = inode(path);
        let mut f = LoomFile::open_rw(path).unwrap();
        f.set_auto_compact(Some(1.01)).unwrap();
        for _ in 0..3 {
            round(&mut f);
        }
        f.close().unwrap();
        assert_eq!(inode(path), first, "{}", path.display());
        check_state(path);
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(inode(&hard), inode(&other));
}
