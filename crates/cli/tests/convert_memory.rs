//! `convert` streams: the peak heap of each sparse conversion is a few chunk bands (plus the
//! sort buffer for coordinate files), not the non-zeros. A 2000 x 12000 int32 matrix with
//! 7.2 million non-zeros (`convert_memory.py gen`: 10x HDF5 v3, h5ad csr and csc, a
//! shuffled `.mtx.gz` with duplicates, a shuffled MEX folder) is converted in this process
//! with a counting allocator; one compressed copy of the matrix alone would be 58 MB (8
//! bytes a non-zero), a band of 64 rows is 3 MB. The coordinate formats sort in a 4 MiB
//! buffer here, so they spill and merge runs. Every output must then hold exactly the
//! matrix (`convert_memory.py check`, through loompy).
//! (Its own test binary, so that no other test's allocations are counted.)

mod common;

use common::{root, run_python};
use loomfile_formats::{ConvertOptions, Format, convert};
use std::path::Path;

#[global_allocator]
static HEAP: loomfile_testkit::PeakAlloc = loomfile_testkit::PeakAlloc::new();

#[test]
fn sparse_conversions_hold_a_band_not_the_non_zeros() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let script = root().join("crates/cli/tests/convert_memory.py");
    run_python(&script, &[Path::new("gen"), d]);
    let nnz_bytes = 7_200_000usize * 8;
    let sort_memory = 4usize << 20;
    let row_band = 64 * 12_000 * 4;
    let bound = 8 * row_band + sort_memory;
    assert!(bound < nnz_bytes / 2);
    let cases = [
        ("tenx.h5", Format::TenxH5),
        ("csr.h5ad", Format::H5ad),
        ("csc.h5ad", Format::H5ad),
        ("shuffled.mtx.gz", Format::Mtx),
        ("mex", Format::TenxMex),
    ];
    let mut report = Vec::new();
    for (name, from) in cases {
        let out = d.join(format!("out_{}.loom", name.replace('.', "_")));
        let opts = ConvertOptions { sort_memory: Some(sort_memory), ..ConvertOptions::default() };
        let (peak, r) = HEAP.measure(|| convert(&d.join(name), from, &out, Format::Loom, &opts));
        let r = r.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.shape, (2000, 12000), "{name}");
        report.push(format!("{name}: peak heap {:.1} MB", peak as f64 / 1e6));
        assert!(
            peak < bound,
            "{name}: peak heap {peak} bytes, more than 8 row bands and the sort buffer ({bound}); \
             the non-zeros alone take {nnz_bytes}"
        );
    }
    eprintln!("{}", report.join("\n"));
    // No run files are left behind.
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".loomfile-sort"))
        .collect();
    assert!(left.is_empty(), "run files left: {left:?}");
    let out = run_python(&script, &[Path::new("check"), d]);
    assert_eq!(out.lines().filter(|l| l.starts_with("ok ")).count(), 5, "{out}");
}
