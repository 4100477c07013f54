//! The library's entry points on the hostile-shape files (`fixtures/hostile/`, from
//! `fixtures/gen_hostile.py`: a few KB each, claiming 2^40-element shapes with no chunk
//! stored). Every call returns promptly with a value or a typed error; claims past the work
//! budget are `Budget` errors naming the object, and a raised or lowered
//! `Limits::max_elements` moves the line. A call that allocated from a claim would abort this
//! test process (or raise its heap peak past [`PEAK`]); one that iterated over a claim would
//! trip the hang watchdog. The converters on the same files: `crates/formats/tests/hostile_shapes.rs`.

#![cfg(feature = "fs")]

use loomfile_testkit as common;

use loomfile::ops::{Aggregation, CombineOptions};
use loomfile::{Axis, Error, LoomFile, Sel};
use loomfile_hdf5::{self as hdf5, Limits};
use std::path::Path;

#[global_allocator]
static HEAP: common::PeakAlloc = common::PeakAlloc::new();

/// Heap peak allowed while exercising one hostile file (the files are a few KB).
const PEAK: usize = 256 << 20;

fn is_budget(e: &Error) -> bool {
    matches!(e.cause(), Error::Hdf5(hdf5::Error::Budget { .. }))
}

/// Every read-only entry point of an open file; returns how many were refused by the budget.
fn exercise(f: &LoomFile) -> usize {
    let mut refused = 0;
    let mut note = |r: Result<(), Error>| {
        if let Err(e) = r {
            assert!(!e.to_string().is_empty());
            refused += is_budget(&e) as usize;
        }
    };
    let (n, m) = f.shape();
    let _ = (f.spec_version(), f.last_modified(), f.global_names(), f.warnings());
    for layer in f.layer_names() {
        note(f.layer_info(&layer).map(|_| ()));
        note(f.stats(&layer, Axis::Rows).map(|_| ()));
        note(f.stats(&layer, Axis::Cols).map(|_| ()));
        note(f.read_layer::<f32>(&layer, &Sel::All, &Sel::All).map(|_| ()));
        note(f.read_layer::<f64>(&layer, &Sel::Range(0, n.min(2)), &Sel::All).map(|_| ()));
        note(f.read_layer::<f32>(&layer, &Sel::All, &Sel::Range(0, m.min(2))).map(|_| ()));
        note(f.read_layer_native(&layer, &Sel::All, &Sel::All).map(|_| ()));
        note(f.read_layer_vec::<f32>(&layer, &Sel::All, &Sel::All).map(|_| ()));
        if n > 0 {
            note(f.read_row::<f32>(&layer, 0, &Sel::All).map(|_| ()));
        }
        if m > 0 {
            note(f.read_col::<f32>(&layer, 0, &Sel::All).map(|_| ()));
        }
        note(f.sparse::<f32>(&layer, &Sel::All, &Sel::All).map(|_| ()));
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len().max(1) as f64;
        for axis in [Axis::Rows, Axis::Cols] {
            note(f.map(&layer, axis, &[&mean], &Sel::All).map(|_| ()));
        }
        // One group per column where the claim is small enough to list them.
        let groups: Vec<u32> = (0..m.min(8) as u32).map(|j| j % 2).collect();
        note(f.aggregate(&layer, &groups, Aggregation::Mean).map(|_| ()));
    }
    for axis in [Axis::Rows, Axis::Cols] {
        for name in f.attr_names(axis) {
            note(f.attr(axis, &name).map(|_| ()));
        }
        for name in f.graph_names(axis) {
            note(f.graph(axis, &name).map(|_| ()));
            note(f.graph_edges(axis, &name).map(|_| ()));
        }
        note(f.scan::<f32>(axis, Default::default()).map(|_| ()));
    }
    note(f.view::<f32>(&Sel::All, &Sel::All, &Default::default()).map(|_| ()));
    note(
        f.view::<f32>(&Sel::Range(0, n.min(1)), &Sel::Range(0, m.min(1)), &Default::default())
            .map(|_| ()),
    );
    note(f.chunk_refs().map(|_| ()));
    note(f.summary().map(|s| drop(s.to_html())));
    note(loomfile::deep::deep_check(f.hdf5()).map(|_| ()).map_err(Error::from));
    let _ = f.validate(false);
    let _ = f.validate(true);
    refused
}

#[test]
fn every_entry_point_on_every_hostile_loom_file() {
    let mut refused = 0;
    let watchdog = common::Watchdog::new();
    for name in common::HOSTILE_LOOMS {
        watchdog.kick(name);
        HEAP.reset_peak();
        let f = LoomFile::open(common::hostile(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        refused += exercise(&f);
        let r = loomfile::validate::validate_path(common::hostile(name), false);
        assert!(r.is_ok(), "{name}: validate_path failed: {r:?}");
        let d = tempfile::tempdir().expect("tempdir");
        if let Err(e) = loomfile::ops::subset(&f, d.path().join("s.loom"), &Sel::All, &Sel::All) {
            refused += is_budget(&e) as usize;
        }
        let out = d.path().join("c.loom");
        if let Err(e) = loomfile::ops::combine_opened(&[&f, &f], &out, &CombineOptions::default()) {
            refused += is_budget(&e) as usize;
        }
        let peak = HEAP.peak();
        assert!(peak < PEAK, "{name}: heap peak {} MiB", peak >> 20);
    }
    drop(watchdog);
    assert!(refused >= 20, "only {refused} calls were refused by the work budget");
}

#[test]
fn budget_errors_name_the_object_and_the_sizes() {
    let f = LoomFile::open(common::hostile("rows.loom")).expect("open");
    let e = f.stats("", Axis::Cols).expect_err("2^41 elements are over the default budget");
    assert!(is_budget(&e), "{e}");
    let msg = e.to_string();
    for want in ["/matrix", "2199023255552", "17179869184", "--max-elements"] {
        assert!(msg.contains(want), "{msg:?} lacks {want:?}");
    }
    let f = LoomFile::open(common::hostile("col_attr.loom")).expect("open");
    let e = f.attr(Axis::Cols, "Huge").expect_err("2^40 strings");
    assert!(is_budget(&e) && e.to_string().contains("/col_attrs/Huge"), "{e}");
    // The small attributes of the same file still read.
    assert_eq!(f.attr(Axis::Cols, "CellID").expect("CellID").len(), 3);
    let g = LoomFile::open(common::hostile("graph.loom")).expect("open");
    let e = g.graph(Axis::Cols, "KNN").expect_err("2^40 edges");
    assert!(is_budget(&e) && e.to_string().contains("/col_graphs/KNN"), "{e}");
}

/// The budget is the file's `Limits`: lowering it refuses a small real file, and the hostile
/// claims stay refused however the default moves.
#[test]
fn limits_max_elements_moves_the_line() {
    let medium = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/loom/medium.loom");
    let bytes = std::fs::read(&medium).expect("medium.loom");
    let open = |max_elements: u64| {
        let limits = Limits { max_elements, ..Limits::default() };
        let storage = std::sync::Arc::new(hdf5::storage::MemStorage::frozen(bytes.clone()));
        LoomFile::from_hdf5(hdf5::File::from_storage(storage, limits).expect("hdf5")).expect("loom")
    };
    let f = open(Limits::default().max_elements);
    assert!(f.stats("", Axis::Rows).is_ok());
    let (n, m) = f.shape();
    let f = open(n * m - 1);
    let e = f.stats("", Axis::Rows).expect_err("one element short");
    assert!(is_budget(&e), "{e}");
    let f = open(n * m);
    assert!(f.stats("", Axis::Rows).is_ok());
}
