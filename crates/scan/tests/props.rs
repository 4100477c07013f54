//! Property tests: random matrices (shapes, chunk shapes with non-dividing edges, layouts,
//! filters, dtypes f32/f64/u16/i32, fill values, unallocated chunks) written with the
//! engine's own Writer, read back through every entry point under rayon pools of 1 to 4
//! threads, and compared with `Dataset::read_selection` (the reader's own oracle), with the
//! dense model, and with the 1-thread run (results must be identical, bit for bit). Each
//! selection is read several times, so the chunk cache (off, tiny or default) serves the
//! later reads.
//!
//! Without the `parallel` feature the pools change nothing and the same assertions hold.
//! 48 cases per property by default; `PROPTEST_CASES=N` changes it.

mod common;

use common::{Spec, Store, Ty};
use loomfile_hdf5::{Dataset, H5Type};
use loomfile_scan::{Axis, Matrix, ScanOptions, Selection};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use std::fmt::Debug;

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(48);
    Config { cases, failure_persistence: None, ..Config::default() }
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn ty() -> impl Strategy<Value = Ty> {
    prop_oneof![Just(Ty::F32), Just(Ty::F64), Just(Ty::U16), Just(Ty::I32)]
}

fn store() -> impl Strategy<Value = Store> {
    prop_oneof![
        6 => ((1u64..=70, 1u64..=70), any::<bool>(), prop::bool::weighted(0.2))
            .prop_map(|(chunk, gzip, shuffle)| Store::Chunked { chunk, gzip, shuffle }),
        1 => Just(Store::Contiguous),
        1 => Just(Store::Compact),
    ]
}

fn range_in(dim: u64) -> impl Strategy<Value = std::ops::Range<u64>> {
    (0..=dim, 0..=dim).prop_map(|(a, b)| a.min(b)..a.max(b))
}

fn spec() -> impl Strategy<Value = Spec> {
    (ty(), 1u64..=140, 1u64..=140, store(), prop::option::weighted(0.3, -3i32..50), any::<u64>())
        .prop_flat_map(|(ty, rows, cols, store, fill, seed)| {
            let boxes = prop::option::weighted(
                0.3,
                prop::collection::vec((range_in(rows), range_in(cols)), 0..4),
            );
            (Just((ty, rows, cols, store, fill, seed)), boxes)
        })
        .prop_map(|((ty, rows, cols, mut store, fill, seed), boxes)| {
            // The writer keeps compact data in the object header: small matrices only.
            if store == Store::Compact && rows * cols * 8 > 12_000 {
                store = Store::Contiguous;
            }
            let fill = fill.map(|f| if ty == Ty::U16 { f.unsigned_abs() as f64 } else { f as f64 });
            Spec { ty, rows, cols, store, fill, boxes, seed }
        })
}

fn selection(dim: u64) -> impl Strategy<Value = Selection> {
    prop_oneof![
        1 => Just(Selection::All),
        2 => range_in(dim).prop_map(|r| Selection::Range(r.start, r.end)),
        3 => prop::collection::vec(0..dim, 0..40).prop_map(Selection::Index),
    ]
}

/// A spec plus everything a case varies: selections, scan items, batch size, threads,
/// whether storage lends its bytes.
#[derive(Clone, Debug)]
struct Case {
    spec: Spec,
    rows: Selection,
    cols: Selection,
    items: Option<Vec<u64>>,
    batch: usize,
    threads: usize,
    lend: bool,
    /// Bytes of the matrix's chunk cache (0: off; small: evicting all the time).
    cache: usize,
    /// Cap on the bytes of a scan batch (0: none; small: fewer items than `batch`).
    batch_cap: usize,
}

fn case() -> impl Strategy<Value = Case> {
    spec().prop_flat_map(|spec| {
        let (r, c) = (spec.rows, spec.cols);
        (
            Just(spec),
            selection(r),
            selection(c),
            prop::option::of(prop::collection::vec(0..r.max(c), 0..50)),
            1usize..80,
            1usize..=4,
            any::<bool>(),
            prop_oneof![Just(0usize), 1usize..200_000, Just(loomfile_scan::DEFAULT_CACHE_BYTES)],
            prop_oneof![Just(0usize), 1usize..20_000, Just(loomfile_scan::DEFAULT_MAX_BATCH_BYTES)],
        )
            .prop_map(
                |(spec, rows, cols, items, batch, threads, lend, cache, batch_cap)| Case {
                    spec,
                    rows,
                    cols,
                    items,
                    batch,
                    threads,
                    lend,
                    cache,
                    batch_cap,
                },
            )
    })
}

fn setup(spec: &Spec, lend: bool) -> Result<(Dataset, Matrix), TestCaseError> {
    let file = common::open(common::write(spec), lend);
    let ds = file.dataset("/m").map_err(fail)?;
    let m = Matrix::new(&ds).map_err(fail)?;
    Ok((ds, m))
}

/// Reads in the stored type: equal to the oracle, identical across thread counts.
fn typed_reads<T: H5Type + PartialEq + Debug>(
    ds: &Dataset,
    m: &Matrix,
    c: &Case,
) -> Result<(), TestCaseError> {
    let sel = [c.rows.clone(), c.cols.clone()];
    let want: Vec<T> = ds.read_selection(&sel).map_err(fail)?;
    let got: Vec<T> = common::with_threads(c.threads, || m.read(&c.rows, &c.cols)).map_err(fail)?;
    prop_assert_eq!(&got, &want);
    let serial: Vec<T> = common::with_threads(1, || m.read(&c.rows, &c.cols)).map_err(fail)?;
    prop_assert_eq!(&serial, &want);
    // A dirty reused buffer is overwritten entirely.
    let mut buf = vec![T::from_f64(77.0); want.len()];
    common::with_threads(c.threads, || m.read_into(&c.rows, &c.cols, &mut buf)).map_err(fail)?;
    prop_assert_eq!(&buf, &want);
    Ok(())
}

fn check_scan(ds: &Dataset, m: &Matrix, c: &Case, axis: Axis) -> Result<(), TestCaseError> {
    let dim = m.len(axis);
    let other = if axis == Axis::Rows { c.cols.clone() } else { c.rows.clone() };
    let items: Option<Vec<u64>> =
        c.items.as_ref().map(|v| v.iter().copied().filter(|&i| i < dim).collect());
    let opts = ScanOptions {
        items: items.clone(),
        batch_size: c.batch,
        other: other.clone(),
        max_batch_bytes: c.batch_cap,
    };
    let expected_items: Vec<u64> = items.clone().unwrap_or_else(|| (0..dim).collect());
    let run = |threads: usize| {
        common::with_threads(threads, || {
            let mut scan = m.scan::<f64>(axis, opts.clone());
            let mut out = Vec::new();
            while let Some(b) = scan.next() {
                let b = b.map_err(fail)?;
                out.push(b.clone());
                scan.recycle(b);
            }
            Ok::<_, TestCaseError>(out)
        })
    };
    let batches = run(c.threads)?;
    prop_assert_eq!(&batches, &run(1)?);
    let mut seen = Vec::new();
    let item_bytes = other.len(m.len(axis.other())) as usize * 8;
    for (k, b) in batches.iter().enumerate() {
        // Equal batches of at most `batch` items (the last may be shorter), within the byte
        // cap unless a single item exceeds it.
        prop_assert_eq!(b.offset, k * batches[0].items.len());
        prop_assert!(!b.items.is_empty() && b.items.len() <= c.batch);
        prop_assert!(k + 1 == batches.len() || b.items.len() == batches[0].items.len());
        prop_assert!(
            c.batch_cap == 0 || b.items.len() == 1 || b.items.len() * item_bytes <= c.batch_cap
        );
        let sel = match axis {
            Axis::Rows => [Selection::Index(b.items.clone()), other.clone()],
            Axis::Cols => [other.clone(), Selection::Index(b.items.clone())],
        };
        let want: Vec<f64> = ds.read_selection(&sel).map_err(fail)?;
        prop_assert_eq!(&b.data, &want);
        let (nr, nc) = b.shape();
        prop_assert_eq!(nr * nc, b.data.len());
        seen.extend_from_slice(&b.items);
    }
    prop_assert_eq!(seen, expected_items);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Reads (stored type and f64), scans along both axes, with any selection, equal the
    /// reader's oracle and do not depend on the thread count.
    #[test]
    fn reads_and_scans_match_the_oracle(c in case()) {
        let (ds, mut m) = setup(&c.spec, c.lend)?;
        m.set_cache_bytes(c.cache);
        prop_assert_eq!(m.shape(), (c.spec.rows, c.spec.cols));
        match c.spec.ty {
            Ty::F32 => typed_reads::<f32>(&ds, &m, &c)?,
            Ty::F64 => typed_reads::<f64>(&ds, &m, &c)?,
            Ty::U16 => typed_reads::<u16>(&ds, &m, &c)?,
            Ty::I32 => typed_reads::<i32>(&ds, &m, &c)?,
        }
        // Conversions to another type follow the reader's.
        typed_reads::<f64>(&ds, &m, &c)?;
        typed_reads::<u8>(&ds, &m, &c)?;
        let arr = m.read_array::<f64>(&c.rows, &c.cols).map_err(fail)?;
        let want: Vec<f64> = ds.read_selection(&[c.rows.clone(), c.cols.clone()]).map_err(fail)?;
        prop_assert_eq!(arr.shape(), &[c.rows.len(c.spec.rows) as usize, c.cols.len(c.spec.cols) as usize]);
        prop_assert_eq!(arr.iter().copied().collect::<Vec<_>>(), want);
        check_scan(&ds, &m, &c, Axis::Rows)?;
        check_scan(&ds, &m, &c, Axis::Cols)?;
    }

    /// Statistics, non-zeros, CSR and tile folds match naive computations on the dense
    /// model (fill values and unallocated chunks included) and are identical across
    /// thread counts.
    #[test]
    fn reductions_match_naive(spec in spec(), threads in 1usize..=4, lend in any::<bool>()) {
        let (_, m) = setup(&spec, lend)?;
        let model = common::model(&spec);
        let (rows, cols) = (spec.rows, spec.cols);

        let both = common::with_threads(threads, || m.stats_both()).map_err(fail)?;
        prop_assert_eq!(&both, &common::with_threads(1, || m.stats_both()).map_err(fail)?);
        let row_only = common::with_threads(threads, || m.stats(Axis::Rows)).map_err(fail)?;
        let col_only = common::with_threads(threads, || m.stats(Axis::Cols)).map_err(fail)?;
        prop_assert_eq!(&row_only, &both.0);
        prop_assert_eq!(&col_only, &both.1);
        for (axis, st) in [(0usize, &both.0), (1, &both.1)] {
            let naive = common::naive_stats(&model, rows, cols, axis);
            prop_assert_eq!(st.len(), naive.len());
            prop_assert_eq!(st.n, if axis == 0 { cols } else { rows });
            let mean = st.mean();
            let sd = st.sd();
            for (k, (nnz, sum, sq, mn, mx)) in naive.iter().enumerate() {
                prop_assert_eq!(st.nnz[k], *nnz, "nnz of item {} axis {}", k, axis);
                prop_assert!(common::close(st.sum[k], *sum), "sum {} vs {}", st.sum[k], sum);
                prop_assert!(common::close(st.m2[k], *sq), "m2 {} vs {} (item {} axis {}, model {:?})", st.m2[k], sq, k, axis, model);
                prop_assert!(common::close(st.min[k], *mn), "min {} vs {}", st.min[k], mn);
                prop_assert!(common::close(st.max[k], *mx), "max {} vs {}", st.max[k], mx);
                let n = st.n as f64;
                let m0 = sum / n;
                prop_assert!(common::close(mean[k], m0));
                let var = (0..st.n).map(|o| {
                    let x = if axis == 0 { model[(k as u64 * cols + o) as usize] } else { model[(o * cols + k as u64) as usize] };
                    (x - m0) * (x - m0)
                }).sum::<f64>() / n;
                prop_assert!((sd[k] - var.sqrt()).abs() <= 1e-9 * (1.0 + var.sqrt()), "sd {} vs {}", sd[k], var.sqrt());
            }
        }

        for axis in [Axis::Rows, Axis::Cols] {
            let blocks = common::with_threads(threads, || {
                m.nonzeros::<f64>(axis).collect::<Result<Vec<_>, _>>()
            }).map_err(fail)?;
            let mut got = Vec::new();
            let mut next_item = 0;
            for b in &blocks {
                prop_assert_eq!(b.items.start, next_item);
                next_item = b.items.end;
                for k in 0..b.len() {
                    got.push((b.rows[k], b.cols[k], b.values[k]));
                    let item = if axis == Axis::Rows { b.rows[k] } else { b.cols[k] };
                    prop_assert!(b.items.contains(&item));
                }
            }
            prop_assert_eq!(next_item, m.len(axis));
            let mut want = Vec::new();
            match axis {
                Axis::Rows => for r in 0..rows { for c in 0..cols {
                    let x = model[(r * cols + c) as usize];
                    if x != 0.0 { want.push((r, c, x)); }
                }},
                Axis::Cols => for c in 0..cols { for r in 0..rows {
                    let x = model[(r * cols + c) as usize];
                    if x != 0.0 { want.push((r, c, x)); }
                }},
            }
            prop_assert_eq!(got, want);
        }

        let csr = common::with_threads(threads, || m.to_csr::<f64>()).map_err(fail)?;
        prop_assert_eq!(csr.indptr.len() as u64, rows + 1);
        let mut dense = vec![0.0; (rows * cols) as usize];
        for r in 0..rows as usize {
            let (a, b) = (csr.indptr[r] as usize, csr.indptr[r + 1] as usize);
            prop_assert!(csr.indices[a..b].windows(2).all(|w| w[0] < w[1]));
            for k in a..b {
                dense[r * cols as usize + csr.indices[k] as usize] = csr.values[k];
            }
        }
        prop_assert_eq!(&dense, &model.iter().map(|&x| if x == 0.0 { 0.0 } else { x }).collect::<Vec<_>>());

        // Every tile is folded exactly once, at the right place, in both band orders.
        for axis in [Axis::Rows, Axis::Cols] {
            let fold = || m.fold_tiles::<f64, _, _, _, _>(
                axis,
                |_| (vec![0.0f64; (rows * cols) as usize], vec![0u32; (rows * cols) as usize]),
                |(d, n), t| {
                    for r in 0..t.nrows {
                        for (c, &x) in t.row(r).iter().enumerate() {
                            let at = ((t.row0 + r as u64) * cols + t.col0 + c as u64) as usize;
                            d[at] += x;
                            n[at] += 1;
                        }
                    }
                },
                |(mut d, mut n), (d2, n2)| {
                    for (a, b) in d.iter_mut().zip(d2) { *a += b; }
                    for (a, b) in n.iter_mut().zip(n2) { *a += b; }
                    (d, n)
                },
            );
            let (d, n) = common::with_threads(threads, fold).map_err(fail)?;
            prop_assert!(n.iter().all(|&k| k == 1));
            prop_assert_eq!(&d, &model);
        }
    }
}
