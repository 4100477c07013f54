//! `loom h5 dump --json` against h5py (the h5canon oracle) on every HDF5 fixture and the
//! public loom corpus; `loom h5 repack` output identical to its input and editable by h5py.

mod common;

use common::*;
use std::path::PathBuf;

fn hdf5_fixtures() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let all = files(&root().join("fixtures/hdf5"), &[".h5"]);
    all.into_iter().partition(|p| !p.to_string_lossy().contains("unsupported_"))
}

#[test]
fn dump_matches_h5py_on_every_fixture() {
    let (files, _) = hdf5_fixtures();
    assert!(files.len() >= 40, "fixtures missing: {}", files.len());
    let mut args: Vec<PathBuf> = vec![loom(), h5canon()];
    args.extend(files);
    args.extend(files_in("fixtures/loom", &[".loom"]));
    args.extend(files_in("fixtures/h5ad", &[".h5ad"]));
    args.extend(files_in("fixtures/10x", &[".h5"]));
    let refs: Vec<&std::path::Path> = args.iter().map(|p| p.as_path()).collect();
    let out = run_python(&root().join("tests/interop/compare_dumps.py"), &refs);
    eprintln!("{}", out.lines().last().unwrap_or(""));
}

fn files_in(rel: &str, exts: &[&str]) -> Vec<PathBuf> {
    files(&root().join(rel), exts)
}

#[test]
fn dump_matches_h5py_on_the_public_loom_corpus() {
    let corpus = corpus("loom-public", &[".loom"]);
    assert!(corpus.len() >= 3, "public loom corpus missing");
    let mut args: Vec<PathBuf> = vec![loom(), h5canon()];
    args.extend(corpus);
    let refs: Vec<&std::path::Path> = args.iter().map(|p| p.as_path()).collect();
    run_python(&root().join("tests/interop/compare_dumps.py"), &refs);
}

#[test]
fn unsupported_filters_are_typed_errors_naming_filter_and_path() {
    let (_, unsupported) = hdf5_fixtures();
    assert!(!unsupported.is_empty());
    for f in unsupported {
        let (code, stdout, stderr) = run_loom(&["h5", "dump", "--json", f.to_str().unwrap()]);
        assert_eq!(code, 1, "{}: {stderr}", f.display());
        assert!(stdout.is_empty());
        let line = stderr.trim();
        assert_eq!(line.lines().count(), 1, "one error line: {line}");
        assert!(line.contains("unsupported filter"), "{line}");
        assert!(line.contains(": /"), "names the object path: {line}");
    }
}

#[test]
fn repack_output_is_identical_and_editable_by_h5py() {
    let (files, _) = hdf5_fixtures();
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<PathBuf> = vec![loom(), h5canon(), tmp.path().to_path_buf()];
    args.extend(files);
    args.extend(files_in("fixtures/loom", &[".loom"]));
    let refs: Vec<&std::path::Path> = args.iter().map(|p| p.as_path()).collect();
    let out = run_python(&root().join("tests/interop/repack_check.py"), &refs);
    eprintln!("{}", out.lines().last().unwrap_or(""));
}

/// A loom file edited in many commits: appending every change (reuse off, as libhdf5
/// does) leaves dead space that `loom info` reports and `loom compact` drops; with reuse
/// (the default) under a tenth of the file is dead. h5py and loompy read every result
/// exactly as before.
#[test]
fn compact_drops_dead_space_and_readers_see_the_same_file() {
    use loomfile_hdf5::{AttrValue, Writer};
    let tmp = tempfile::tempdir().unwrap();
    let dead = |p: &std::path::Path| {
        let (code, out, err) = run_loom(&["info", "--json", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let j: serde_json::Value = serde_json::from_str(&out).unwrap();
        j["dead_bytes"].as_u64().expect("dead_bytes is a number for a loom file")
    };
    for reuse in [false, true] {
        let f = tmp.path().join(format!("edited-{reuse}.loom"));
        std::fs::copy(root().join("fixtures/loom/medium.loom"), &f).unwrap();
        for i in 0..30 {
            let mut w = Writer::open(&f).unwrap();
            w.set_space_reuse(reuse);
            w.set_attr(
                "/",
                &format!("note{}", i % 5),
                AttrValue::string(&format!("{i}").repeat(300)),
            )
            .unwrap();
            w.set_attr("/col_attrs", "edit", AttrValue::scalar(i as i64)).unwrap();
            w.finish().unwrap();
        }
        let copy = tmp.path().join(format!("before-{reuse}.loom"));
        std::fs::copy(&f, &copy).unwrap();
        let dump = |p: &std::path::Path| run_loom(&["h5", "dump", "--json", p.to_str().unwrap()]).1;
        let before = dump(&f);
        let size_before = std::fs::metadata(&f).unwrap().len();
        let dead_before = dead(&f);
        let (code, _, stderr) = run_loom(&["compact", f.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("compacted"), "{stderr}");
        let size_after = std::fs::metadata(&f).unwrap().len();
        eprintln!(
            "reuse {reuse}: {size_before} bytes ({dead_before} dead) -> compacted {size_after}"
        );
        if reuse {
            // What is left is mostly live: the notes sit in one 4 KiB global heap collection
            // per commit, which the repack packs into one.
            assert!(dead_before * 10 < size_before, "{dead_before} dead of {size_before}");
            assert!(size_before < 2 * size_after, "{size_before} -> {size_after}");
        } else {
            assert!(size_after * 2 < size_before, "{size_before} -> {size_after}");
            assert!(dead_before * 2 > size_before, "{dead_before} dead of {size_before}");
        }
        assert_eq!(dead(&f), 0, "a compacted file has no dead space");
        assert_eq!(dump(&f), before);
        run_python(&root().join("tests/interop/compact_check.py"), &[&h5canon(), &copy, &f]);
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 4, "no temporary file left");
    // A missing file is one error line.
    let (code, _, stderr) = run_loom(&["compact", tmp.path().join("nope.loom").to_str().unwrap()]);
    assert_eq!((code, stderr.trim().lines().count()), (1, 1), "{stderr}");
}

/// The writer reuses what its space map calls dead, so the map must never leave out a live
/// byte. Oracle: every fixture and public loom file with its gaps overwritten by garbage
/// must dump with h5py exactly as the original; files the map does not cover are skipped
/// (the writer appends to those). Also checks that the map covers the loom files.
#[test]
fn space_map_gaps_are_dead_for_h5py() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs = hdf5_fixtures().0;
    inputs.extend(files_in("fixtures/loom", &[".loom"]));
    inputs.extend(files_in("fixtures/h5ad", &[".h5ad"]));
    inputs.extend(files_in("fixtures/10x", &[".h5"]));
    inputs.extend(corpus("loom-public", &[".loom"]));
    let mut args: Vec<PathBuf> = vec![h5canon()];
    let (mut mapped, mut unmapped, mut dead_total) = (0, Vec::new(), 0u64);
    for (i, p) in inputs.iter().enumerate() {
        let mut bytes = std::fs::read(p).unwrap();
        let Ok(f) = loomfile_hdf5::File::from_bytes(bytes.clone()) else { continue };
        let base = f.superblock().base;
        let eof = (f.superblock().eof - base).min(bytes.len() as u64 - base);
        let ranges = match f.live_ranges() {
            Ok(r) => r,
            Err(e) => {
                unmapped.push(format!("{}: {e}", p.display()));
                continue;
            }
        };
        mapped += 1;
        let mut at = 0;
        for (s, e) in ranges.into_iter().chain([(eof, eof)]) {
            for b in &mut bytes[(base + at) as usize..(base + s.max(at)) as usize] {
                *b = 0xA5;
            }
            dead_total += s.saturating_sub(at);
            at = at.max(e);
        }
        let out = tmp.path().join(format!("{i}-scrambled"));
        std::fs::write(&out, &bytes).unwrap();
        args.push(p.clone());
        args.push(out);
    }
    eprintln!(
        "space map: {mapped} files mapped ({dead_total} dead bytes scrambled), {} not covered:\n  {}",
        unmapped.len(),
        unmapped.join("\n  ")
    );
    let loom_unmapped = unmapped.iter().filter(|u| u.contains(".loom:")).count();
    assert_eq!(loom_unmapped, 0, "loom files the space map does not cover");
    assert!(mapped >= 30, "{mapped} files mapped");
    let refs: Vec<&std::path::Path> = args.iter().map(|p| p.as_path()).collect();
    let out = run_python(&root().join("tests/interop/gaps_check.py"), &refs);
    eprintln!("{}", out.lines().last().unwrap_or(""));
}
