//! Every 2-D numeric dataset of the committed fixtures (`fixtures/loom/*.loom`,
//! `fixtures/hdf5/*.h5`, which cover every chunk index, the filters, big-endian types,
//! float16, compact, contiguous, never-written and zero-sized data) read through the scan
//! crate and compared with the reader's own `Dataset::read_selection`, through both storage
//! paths (lent bytes and copied reads) and a real file, with 1 and 2 threads.

mod common;

use loomfile_hdf5::{Dataset, File, NumKind};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};
use loomfile_scan::{Axis, Matrix, ScanOptions, Selection};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (dir, ext) in [("loom", "loom"), ("hdf5", "h5")] {
        let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
            .expect("fixture folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        v.sort();
        out.extend(v);
    }
    assert!(out.len() > 20, "fixtures not found");
    out
}

/// The 2-D numeric datasets of a file.
fn matrices(file: &File) -> Vec<Dataset> {
    let opts = WalkOptions { data: false, attrs: false, ..WalkOptions::default() };
    walk(file, "/", opts)
        .expect("walk")
        .into_iter()
        .filter_map(|n| match n.kind {
            NodeKind::Dataset { dataset, .. } => Some(dataset),
            _ => None,
        })
        .filter(|d| d.shape().is_some_and(|s| s.len() == 2) && NumKind::of(d.dtype()).is_ok())
        .collect()
}

/// Deterministic pseudo-random index lists (with repeats, any order).
fn picks(dim: u64, n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % dim.max(1)
        })
        .filter(|_| dim > 0)
        .collect()
}

fn check(ds: &Dataset, what: &str) -> usize {
    let m = match Matrix::new(ds) {
        Ok(m) => m,
        Err(e) => {
            // Only what the reader itself cannot read may be refused.
            assert!(ds.read::<f64>().is_err(), "{what}: Matrix::new failed: {e}");
            return 0;
        }
    };
    let (r, c) = m.shape();
    let sels = [
        (Selection::All, Selection::All),
        (Selection::Index(picks(r, 9, 1)), Selection::All),
        (Selection::All, Selection::Index(picks(c, 11, 2))),
        (Selection::Index(picks(r, 5, 3)), Selection::Index(picks(c, 7, 4))),
        (Selection::Range(r / 3, r), Selection::Range(c / 4, (c / 2 + 1).min(c))),
    ];
    for threads in [1, 2] {
        for (rs, cs) in &sels {
            let want: Vec<f64> = ds.read_selection(&[rs.clone(), cs.clone()]).expect("oracle");
            let got: Vec<f64> =
                common::with_threads(threads, || m.read(rs, cs)).expect("scan read");
            assert_eq!(got, want, "{what}: {rs:?} x {cs:?}, {threads} threads");
            let got: Vec<i64> = common::with_threads(threads, || m.read(rs, cs)).expect("read");
            let want: Vec<i64> = ds.read_selection(&[rs.clone(), cs.clone()]).expect("oracle");
            assert_eq!(got, want, "{what}: as i64");
        }
        let all: Vec<f64> = ds.read().expect("oracle");
        for axis in [Axis::Rows, Axis::Cols] {
            let opts = ScanOptions {
                items: Some(picks(m.len(axis), 13, 5)),
                batch_size: 4,
                other: Selection::Index(picks(m.len(axis.other()), 6, 6)),
                ..ScanOptions::default()
            };
            let batches: Vec<_> = common::with_threads(threads, || {
                m.scan::<f64>(axis, opts.clone()).collect::<Result<Vec<_>, _>>()
            })
            .expect("scan");
            for b in batches {
                let sel = match axis {
                    Axis::Rows => [Selection::Index(b.items.clone()), opts.other.clone()],
                    Axis::Cols => [opts.other.clone(), Selection::Index(b.items.clone())],
                };
                let want: Vec<f64> = ds.read_selection(&sel).expect("oracle");
                assert_eq!(b.data, want, "{what}: scan {axis:?}");
            }
            let st = common::with_threads(threads, || m.stats(axis)).expect("stats");
            let naive = common::naive_stats(&all, r, c, axis.index());
            for (k, n) in naive.iter().enumerate() {
                assert_eq!(st.nnz[k], n.0, "{what}: nnz");
                assert!(common::close(st.sum[k], n.1), "{what}: sum {} vs {}", st.sum[k], n.1);
                assert!(common::close(st.min[k], n.3) || n.3.is_nan(), "{what}: min");
                assert!(common::close(st.max[k], n.4) || n.4.is_nan(), "{what}: max");
            }
        }
        let csr = common::with_threads(threads, || m.to_csr::<f64>()).expect("csr");
        let mut dense = vec![0.0; all.len()];
        for row in 0..r as usize {
            for k in csr.indptr[row] as usize..csr.indptr[row + 1] as usize {
                dense[row * c as usize + csr.indices[k] as usize] = csr.values[k];
            }
        }
        let zeroed: Vec<f64> = all.iter().map(|&x| if x == 0.0 { 0.0 } else { x }).collect();
        let dense_cmp: Vec<u64> = dense.iter().map(|x| x.to_bits()).collect();
        let want_cmp: Vec<u64> = zeroed.iter().map(|x| x.to_bits()).collect();
        if all.iter().all(|x| !x.is_nan()) {
            assert_eq!(dense_cmp, want_cmp, "{what}: csr");
        }
    }
    1
}

#[test]
fn every_fixture_matrix_reads_like_the_reader() {
    let mut n = 0;
    for path in files() {
        let bytes = std::fs::read(&path).expect("read fixture");
        for lend in [true, false] {
            let file = common::open(bytes.clone(), lend);
            for ds in matrices(&file) {
                n += check(&ds, &format!("{}:{} (lend {lend})", path.display(), ds.path()));
            }
        }
    }
    println!("{n} matrix reads checked");
    assert!(n > 100, "only {n} matrices checked");
}

#[test]
fn loom_fixtures_through_a_real_file() {
    for path in files().into_iter().filter(|p| p.extension().is_some_and(|e| e == "loom")) {
        let file = File::open(&path).expect("open");
        let ds = file.dataset("/matrix").expect("matrix");
        assert_eq!(check(&ds, &path.display().to_string()), 1);
        let m = Matrix::new(&ds).expect("matrix");
        let (both_r, both_c) = m.stats_both().expect("stats");
        assert_eq!(both_r, m.stats(Axis::Rows).expect("rows"));
        assert_eq!(both_c, m.stats(Axis::Cols).expect("cols"));
    }
}
