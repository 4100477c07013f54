//! The converters on the hostile-shape files (`fixtures/hostile/`, from
//! `fixtures/gen_hostile.py`: a few KB each, claiming 2^40-element shapes with no chunk
//! stored): every hostile loom file converted to h5ad, mtx and tsv, and 10x HDF5 and h5ad
//! inputs with huge claims converted to loom. Every call returns promptly with a value or a
//! typed error and leaves no output behind when it fails. A call that allocated from a claim
//! would abort this test process (or raise its heap peak past [`PEAK`]); one that iterated
//! over a claim would trip the hang watchdog.

use loomfile::{Error, LoomFile};
use loomfile_formats::{self as formats, ConvertOptions, Format};
use loomfile_testkit as common;

#[global_allocator]
static HEAP: common::PeakAlloc = common::PeakAlloc::new();

/// Heap peak allowed while exercising one hostile file (the files are a few KB).
const PEAK: usize = 256 << 20;

fn is_budget(e: &Error) -> bool {
    matches!(e.cause(), Error::Hdf5(loomfile::hdf5::Error::Budget { .. }))
}

#[test]
fn every_hostile_loom_file_converted_to_every_format() {
    let mut refused = 0;
    let watchdog = common::Watchdog::new();
    for name in common::HOSTILE_LOOMS {
        watchdog.kick(name);
        HEAP.reset_peak();
        let d = tempfile::tempdir().expect("tempdir");
        for (ext, to) in [("h5ad", Format::H5ad), ("mtx", Format::Mtx), ("tsv", Format::Tsv)] {
            let out = d.path().join(format!("o.{ext}"));
            let r = formats::convert(
                &common::hostile(name),
                Format::Loom,
                &out,
                to,
                &ConvertOptions::default(),
            );
            if let Err(e) = r {
                refused += is_budget(&e) as usize;
                assert!(!out.exists(), "{name} -> {ext}: output left behind");
            }
        }
        let peak = HEAP.peak();
        assert!(peak < PEAK, "{name}: heap peak {} MiB", peak >> 20);
    }
    drop(watchdog);
    assert!(refused >= 1, "only {refused} conversions were refused by the work budget");
}

#[test]
fn foreign_inputs_with_huge_claims_fail_cleanly() {
    let d = tempfile::tempdir().expect("tempdir");
    for (name, from) in [
        ("tenx_shape.h5", Format::TenxH5),
        ("tenx_indptr.h5", Format::TenxH5),
        ("h5ad_shape.h5ad", Format::H5ad),
        ("h5ad_indptr.h5ad", Format::H5ad),
    ] {
        let out = d.path().join(format!("{name}.loom"));
        let r = formats::convert(
            &common::hostile(name),
            from,
            &out,
            Format::Loom,
            &ConvertOptions::default(),
        );
        let e = r.expect_err(name);
        assert!(!e.to_string().is_empty());
        assert!(!out.exists(), "{name}: output left behind");
        assert!(LoomFile::open(common::hostile(name)).is_err(), "{name} opened as loom");
    }
}
