//! Reuse of dead space (issue: edited files must not grow without bound): the space map of a
//! committed state, first-fit reuse of its holes, snapshots that pin what they read, and the
//! dead tail cut at `finish`.

mod support;

use loomfile_hdf5::storage::{MemStorage, WriteAt};
use loomfile_hdf5::{File, Writer};
use std::sync::Arc;
use support::crash;

#[test]
fn a_fresh_file_has_no_dead_space() {
    let base = crash::base();
    let f = File::from_bytes(base.clone()).unwrap();
    let u = f.space_usage().unwrap();
    eprintln!("{u:?}");
    assert_eq!(u.end_of_file, base.len() as u64);
    assert_eq!(u.dead_bytes, 0, "{u:?}");
    // What the space map leaves out is only the padding to 8-byte alignment.
    let mut at = 0;
    for (s, e) in f.live_ranges().unwrap() {
        assert!(s - at < 8, "a gap of {} bytes at {at} in a fresh file", s - at);
        at = e;
    }
    assert_eq!(at, base.len() as u64);
}

fn digest(st: &MemStorage) -> String {
    crash::digest(&st.to_vec())
}

/// Run every crash-suite operation in turn, one commit each, on one writer; returns the
/// file after each commit.
fn edit_sequence(reuse: bool, sessions: bool) -> Vec<Vec<u8>> {
    let st = Arc::new(MemStorage::new(crash::base()));
    let open = || {
        let dynst: Arc<dyn WriteAt> = st.clone();
        let mut w = Writer::open_in(dynst).unwrap();
        w.set_space_reuse(reuse);
        w
    };
    let mut w = open();
    let mut states = Vec::new();
    for round in 0..6 {
        for op in crash::ops() {
            if op.name.contains("dense") || (round > 0 && op.name.starts_with("create")) {
                continue; // dense storage turns the space map off; creates only once
            }
            if (op.run)(&mut w).is_err() {
                w.rollback().unwrap();
                continue;
            }
            w.commit().unwrap();
            states.push(st.to_vec());
            if sessions {
                w.finish().unwrap();
                w = open();
            }
        }
    }
    w.finish().unwrap();
    states.push(st.to_vec());
    states
}

#[test]
fn edits_reuse_dead_space_and_keep_the_content() {
    for sessions in [false, true] {
        let with = edit_sequence(true, sessions);
        let without = edit_sequence(false, sessions);
        assert_eq!(with.len(), without.len());
        for (i, (a, b)) in with.iter().zip(&without).enumerate() {
            let (da, db) = (crash::digest(a), crash::digest(b));
            assert!(!da.starts_with("ERROR"), "state {i} with reuse: {da}");
            assert_eq!(da, db, "state {i}: content differs with reuse");
        }
        let (a, b) = (with.last().unwrap(), without.last().unwrap());
        let u = File::from_bytes(a.clone()).unwrap().space_usage().unwrap();
        eprintln!(
            "sessions {sessions}: {} commits; size with reuse {} (dead {}), without {}",
            with.len(),
            a.len(),
            u.dead_bytes,
            b.len()
        );
        assert!(a.len() * 2 < b.len(), "reuse did not keep the file small");
        assert!(
            (a.len() as f64) <= 1.6 * u.live_bytes as f64,
            "{} bytes for {} live",
            a.len(),
            u.live_bytes
        );
    }
}

/// A reader of an older state keeps reading it while a writer rewrites the data it reads,
/// and its space is reused once it is dropped.
#[test]
fn a_held_snapshot_pins_its_space() {
    let st = Arc::new(MemStorage::new(crash::base()));
    let dynst: Arc<dyn WriteAt> = st.clone();
    let mut w = Writer::open_in(dynst).unwrap();
    let snapshot = w.committed().unwrap().clone();
    let before = snapshot.dataset("/matrix").unwrap().read::<f32>().unwrap();
    let ops = crash::ops();
    let hyperslab = ops.iter().find(|o| o.name.starts_with("write hyperslab")).unwrap();
    let mut sizes = Vec::new();
    for _ in 0..4 {
        (hyperslab.run)(&mut w).unwrap();
        w.commit().unwrap();
        // Replace the data again so the next commit frees what this one wrote.
        let v: Vec<f32> = (0..70).map(|i| i as f32 * -0.5).collect();
        w.write::<f32>("/matrix", &[], &v).unwrap();
        w.commit().unwrap();
        sizes.push(st.to_vec().len());
        assert_eq!(snapshot.dataset("/matrix").unwrap().read::<f32>().unwrap(), before);
    }
    drop(snapshot);
    for _ in 0..4 {
        (hyperslab.run)(&mut w).unwrap();
        w.commit().unwrap();
        sizes.push(st.to_vec().len());
    }
    eprintln!("sizes {sizes:?}");
    assert!(sizes[7] <= sizes[3], "space was not reused after the snapshot went: {sizes:?}");
    assert!(!digest(&st).starts_with("ERROR"));
}
