//! Behaviour of the public API on hand-made cases: fill values of unallocated chunks,
//! errors for what cannot be read, empty selections and scans, batch shapes.

mod common;

use common::{Spec, Store, Ty};
use loomfile_hdf5::storage::MemStorage;
use loomfile_hdf5::{DatasetSpec, Datatype, File, Writer};
use loomfile_scan::{Axis, Matrix, ScanOptions, Selection};
use std::sync::Arc;

fn matrix(spec: &Spec, lend: bool) -> (File, Matrix) {
    let file = common::open(common::write(spec), lend);
    let m = Matrix::new(&file.dataset("/m").expect("dataset")).expect("matrix");
    (file, m)
}

fn spec(store: Store) -> Spec {
    Spec { ty: Ty::F32, rows: 100, cols: 90, store, fill: None, boxes: None, seed: 3 }
}

fn chunked() -> Store {
    Store::Chunked { chunk: (16, 20), gzip: true, shuffle: false }
}

#[test]
fn unallocated_chunks_read_as_the_fill_value() {
    let mut s = spec(chunked());
    s.fill = Some(7.0);
    // One box, covering some chunks fully and some partly; the rest is never written.
    s.boxes = Some(vec![(10..40, 25..61)]);
    for lend in [false, true] {
        let (file, m) = matrix(&s, lend);
        let ds = file.dataset("/m").expect("dataset");
        let stored = ds.chunks().expect("chunks").entries().unwrap().len();
        assert!(stored > 0 && stored < 5 * 5, "some chunks are unallocated: {stored}");
        let model = common::model(&s);
        for threads in [1, 3] {
            let all: Vec<f64> =
                common::with_threads(threads, || m.read(&Selection::All, &Selection::All))
                    .expect("read");
            assert_eq!(all, model);
            assert_eq!(all[0], 7.0);
            let (rows, cols) = common::with_threads(threads, || m.stats_both()).expect("stats");
            assert_eq!(rows.nnz[0], 90);
            assert_eq!(rows.min[0], 7.0);
            assert_eq!(rows.sum[0], 7.0 * 90.0);
            assert_eq!(cols.max[0], 7.0);
            let csr = m.to_csr::<f32>().expect("csr");
            assert_eq!(csr.indptr[1], 90);
        }
    }
}

#[test]
fn never_written_datasets_are_all_fill() {
    for store in [chunked(), Store::Contiguous] {
        let mut s = spec(store);
        s.fill = Some(-2.0);
        s.boxes = Some(vec![]);
        let (_, m) = matrix(&s, true);
        let v: Vec<i32> = m.read(&Selection::Index(vec![99, 0]), &Selection::Range(3, 6)).unwrap();
        assert_eq!(v, vec![-2; 6]);
        let st = m.stats(Axis::Cols).unwrap();
        assert_eq!(st.nnz, vec![100; 90]);
        assert_eq!(st.mean()[5], -2.0);
        assert_eq!(st.sd()[5], 0.0);
        assert_eq!(m.nonzeros::<f32>(Axis::Rows).map(|b| b.unwrap().len()).sum::<usize>(), 9000);
    }
}

#[test]
fn every_layout_gives_the_same_answers() {
    let base: Vec<f32> =
        matrix(&spec(chunked()), true).1.read(&Selection::All, &Selection::All).unwrap();
    let mut small = spec(Store::Compact);
    small.rows = 20;
    small.cols = 30;
    let small_base: Vec<f32> = {
        let mut s = small.clone();
        s.store = chunked();
        matrix(&s, true).1.read(&Selection::All, &Selection::All).unwrap()
    };
    for (s, want) in [
        (spec(Store::Contiguous), &base),
        (spec(Store::Chunked { chunk: (100, 90), gzip: false, shuffle: false }), &base),
        (spec(Store::Chunked { chunk: (1, 1), gzip: true, shuffle: true }), &base),
        (small.clone(), &small_base),
    ] {
        for lend in [false, true] {
            let (_, m) = matrix(&s, lend);
            let got: Vec<f32> = m.read(&Selection::All, &Selection::All).unwrap();
            assert_eq!(&got, want, "{:?}", s.store);
        }
    }
}

#[test]
fn errors_name_the_problem() {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    w.create_dataset("/v", DatasetSpec::contiguous(Datatype::float(4), &[10])).unwrap();
    w.create_dataset("/s", DatasetSpec::contiguous(Datatype::vlen_utf8(), &[2, 2])).unwrap();
    w.create_dataset("/m", DatasetSpec::chunked(Datatype::int(2, false), &[5, 7], &[2, 3]).gzip(2))
        .unwrap();
    w.write::<u16>("/m", &[], &(0..35).collect::<Vec<u16>>()).unwrap();
    w.commit().unwrap();
    let file = File::from_bytes(st.to_vec()).unwrap();
    let e = Matrix::new(&file.dataset("/v").unwrap()).unwrap_err();
    assert!(e.to_string().contains("1-D"), "{e}");
    assert!(Matrix::new(&file.dataset("/s").unwrap()).is_err());
    let m = Matrix::new(&file.dataset("/m").unwrap()).unwrap();
    assert_eq!(m.shape(), (5, 7));
    assert_eq!(m.dtype(), &Datatype::int(2, false));
    let e = m.read::<f32>(&Selection::Index(vec![5]), &Selection::All).unwrap_err();
    assert!(e.to_string().contains("out of range"), "{e}");
    assert!(m.read::<f32>(&Selection::All, &Selection::Range(3, 8)).is_err());
    let mut small = vec![0f32; 3];
    assert!(m.read_into(&Selection::All, &Selection::All, &mut small).is_err());
    let mut scan = m.scan::<f32>(Axis::Rows, ScanOptions::default().items(vec![1, 9]));
    assert!(scan.next().unwrap().is_err());
    assert!(scan.next().is_none());
    let mut scan = m.scan::<f32>(Axis::Cols, ScanOptions::default().other(Selection::Range(0, 6)));
    assert!(scan.next().unwrap().is_err());
    assert!(Axis::from_index(2).is_err());
    assert_eq!(Axis::from_index(1).unwrap(), Axis::Cols);
}

#[test]
fn empty_selections_scans_and_batches() {
    let (_, m) = matrix(&spec(chunked()), false);
    let v: Vec<f32> = m.read(&Selection::Index(vec![]), &Selection::All).unwrap();
    assert!(v.is_empty());
    let v: Vec<f32> = m.read(&Selection::All, &Selection::Range(4, 4)).unwrap();
    assert!(v.is_empty());
    assert_eq!(m.scan::<f32>(Axis::Rows, ScanOptions::default().items(vec![])).count(), 0);
    // Other axis empty: batches of empty rows, one per batch of items.
    let b: Vec<_> = m
        .scan::<f32>(
            Axis::Rows,
            ScanOptions::default().batch_size(40).other(Selection::Index(vec![])),
        )
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(b.len(), 3);
    assert_eq!(b[2].shape(), (20, 0));
    // Axis 1 batches are other x items; item k is a column.
    let scan = m.scan::<f64>(Axis::Cols, ScanOptions::default().batch_size(7).items(vec![5, 2, 5]));
    assert_eq!(scan.size_hint(), (1, Some(1)));
    let batch = scan.into_iter().next().unwrap().unwrap();
    assert_eq!(batch.shape(), (100, 3));
    let col2: Vec<f64> = m.read(&Selection::All, &Selection::Index(vec![2])).unwrap();
    assert_eq!(batch.item(1), col2);
    assert_eq!(batch.item(0), batch.item(2));
    let arr = batch.into_array();
    assert_eq!(arr.dim(), (100, 3));
}

#[test]
fn zero_sized_matrices() {
    let s = Spec {
        ty: Ty::F64,
        rows: 0,
        cols: 5,
        store: Store::Contiguous,
        fill: None,
        boxes: None,
        seed: 1,
    };
    let (_, m) = matrix(&s, true);
    assert!(m.is_empty());
    assert!(m.read::<f64>(&Selection::All, &Selection::All).unwrap().is_empty());
    let (r, c) = m.stats_both().unwrap();
    assert!(r.is_empty());
    assert_eq!(c.len(), 5);
    assert!(c.min[0].is_nan());
    assert_eq!(m.to_csr::<f64>().unwrap().indptr, vec![0]);
    assert_eq!(m.scan::<f64>(Axis::Cols, ScanOptions::default()).count(), 1);
}

#[test]
fn tall_matrices_fold_in_several_groups() {
    // 2,000 rows: several fold groups (about 512 rows each) combined left to right.
    let s = Spec {
        ty: Ty::F64,
        rows: 2000,
        cols: 37,
        store: Store::Chunked { chunk: (7, 11), gzip: true, shuffle: false },
        fill: Some(1.5),
        boxes: Some(vec![(0..900, 0..37), (1000..2000, 5..30)]),
        seed: 9,
    };
    let model = common::model(&s);
    let (_, m) = matrix(&s, false);
    let one = common::with_threads(1, || m.stats_both()).unwrap();
    for threads in [2, 3] {
        assert_eq!(common::with_threads(threads, || m.stats_both()).unwrap(), one);
    }
    for (axis, st) in [(0usize, &one.0), (1, &one.1)] {
        for (k, n) in common::naive_stats(&model, 2000, 37, axis).iter().enumerate() {
            assert_eq!(st.nnz[k], n.0);
            assert!(common::close(st.sum[k], n.1) && common::close(st.m2[k], n.2));
            assert_eq!((st.min[k], st.max[k]), (n.3, n.4));
        }
    }
    for axis in [Axis::Rows, Axis::Cols] {
        let total = common::with_threads(3, || {
            m.fold_tiles::<f64, _, _, _, _>(
                axis,
                |items| (items, 0.0f64, 0usize),
                |(_, s, n), t| {
                    *s += t.data.iter().sum::<f64>();
                    *n += t.data.len();
                },
                |a, b| {
                    assert_eq!(a.0.end, b.0.start, "groups combine in order");
                    (a.0.start..b.0.end, a.1 + b.1, a.2 + b.2)
                },
            )
        })
        .unwrap();
        assert_eq!(total.0, 0..m.len(axis));
        assert_eq!(total.2, 2000 * 37);
        assert!(common::close(total.1, model.iter().sum()));
    }
    let csr = common::with_threads(2, || m.to_csr::<f64>()).unwrap();
    assert_eq!(csr.nnz(), model.iter().filter(|&&x| x != 0.0).count());
    // COO straight from the bands: the same entries as the CSR, row by row.
    for threads in [1, 3] {
        let coo = common::with_threads(threads, || m.to_coo::<f64>()).unwrap();
        let mut rows = Vec::new();
        for i in 0..csr.nrows as usize {
            rows.extend(std::iter::repeat_n(
                i as u64,
                (csr.indptr[i + 1] - csr.indptr[i]) as usize,
            ));
        }
        assert_eq!(coo.rows, rows);
        assert_eq!(coo.cols, csr.indices.iter().map(|&c| u64::from(c)).collect::<Vec<_>>());
        assert_eq!(coo.values, csr.values);
    }
}

#[test]
fn matrices_and_scans_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Matrix>();
    send::<loomfile_scan::Scan<'static, f32>>();
    send::<loomfile_scan::Nonzeros<'static, f32>>();
    // WebAssembly (wasip1) has no threads to spawn: the bounds above are the whole check.
    if cfg!(target_family = "wasm") {
        return;
    }
    let (_, m) = matrix(&spec(chunked()), true);
    let m = Arc::new(m);
    let handles: Vec<_> = (0..3)
        .map(|k| {
            let m = m.clone();
            std::thread::spawn(move || {
                m.read::<f32>(&Selection::Index(vec![k, 99 - k]), &Selection::All)
            })
        })
        .collect();
    for (k, h) in handles.into_iter().enumerate() {
        let got = h.join().unwrap().unwrap();
        let want: Vec<f32> =
            m.read(&Selection::Index(vec![k as u64, 99 - k as u64]), &Selection::All).unwrap();
        assert_eq!(got, want);
    }
}

// x86-64 only, where streaming stores exist. (Under node's WASI the test passes, but node
// 22 then crashes with SIGSEGV while tearing down the ~200 MB wasm memory it grew.)
#[test]
#[cfg(target_arch = "x86_64")]
fn large_outputs_stream_bit_exact() {
    // Outputs of 16 MiB and more are written with streaming stores (x86-64): a full read,
    // a column subset and both scans of a 2,100 x 2,050 float32 matrix (edge chunks, rows
    // not a multiple of 16 bytes, unallocated chunks as the fill value) match the model,
    // on one thread and on three. A float64 read of the same matrix converts instead.
    let s = Spec {
        ty: Ty::F32,
        rows: 2100,
        cols: 2050,
        store: Store::Chunked { chunk: (64, 64), gzip: true, shuffle: false },
        fill: Some(2.5),
        boxes: Some(vec![(0..2100, 0..1000), (0..1500, 1000..2050)]),
        seed: 5,
    };
    let model = common::model(&s);
    let (_, m) = matrix(&s, false);
    let f32s: Vec<f32> = model.iter().map(|&x| x as f32).collect();
    for threads in [1, 3] {
        let all: Vec<f32> =
            common::with_threads(threads, || m.read(&Selection::All, &Selection::All)).unwrap();
        assert!(all.len() * 4 >= 16 << 20);
        assert!(all.iter().zip(&f32s).all(|(a, b)| a.to_bits() == b.to_bits()), "full read");
        // Every column but a few, so the output row segments are not 16-byte multiples.
        let cols: Vec<u64> = (0..2050).filter(|c| c % 97 != 3).collect();
        let sub: Vec<f32> = common::with_threads(threads, || {
            m.read(&Selection::All, &Selection::Index(cols.clone()))
        })
        .unwrap();
        for (r, row) in sub.chunks(cols.len()).enumerate() {
            for (k, &c) in cols.iter().enumerate() {
                assert_eq!(row[k], f32s[r * 2050 + c as usize], "({r}, {c})");
            }
        }
        for axis in [Axis::Rows, Axis::Cols] {
            let opts = ScanOptions { batch_size: 2048, ..ScanOptions::default() };
            let mut seen = 0;
            for b in common::with_threads(threads, || m.scan::<f32>(axis, opts).collect::<Vec<_>>())
            {
                let b = b.unwrap();
                for (k, &item) in b.items.iter().enumerate() {
                    for o in 0..b.other_len {
                        let item = item as usize;
                        let (r, c) = if axis == Axis::Rows { (item, o) } else { (o, item) };
                        let got = if axis == Axis::Rows {
                            b.data[k * b.other_len + o]
                        } else {
                            b.data[o * b.items.len() + k]
                        };
                        assert_eq!(got, f32s[r * 2050 + c], "{axis:?} ({r}, {c})");
                    }
                }
                seen += b.items.len();
            }
            assert_eq!(seen as u64, m.len(axis));
        }
    }
    let wide: Vec<f64> = m.read(&Selection::All, &Selection::All).unwrap();
    assert!(wide.iter().zip(&model).all(|(a, b)| *a == (*b as f32) as f64));
}

#[test]
fn batches_are_capped_in_bytes_in_whole_chunk_rows() {
    // 100 x 90 float32 in 16 x 20 chunks: a row is 360 bytes, a column 400.
    let (_, m) = matrix(&spec(chunked()), false);
    let sizes = |axis, opts: ScanOptions| -> Vec<usize> {
        m.scan::<f32>(axis, opts).map(|b| b.unwrap().items.len()).collect()
    };
    let d = ScanOptions::default;
    assert_eq!(sizes(Axis::Rows, d()), vec![100], "the default cap is far above this matrix");
    // 40 rows fit: two whole chunk rows (32) per batch.
    assert_eq!(sizes(Axis::Rows, d().max_batch_bytes(360 * 40)), vec![32, 32, 32, 4]);
    // Less than one chunk row fits: as many rows as fit.
    assert_eq!(sizes(Axis::Rows, d().max_batch_bytes(360 * 5 + 1)), [5; 20].to_vec());
    assert_eq!(sizes(Axis::Rows, d().max_batch_bytes(1)), [1; 100].to_vec());
    // Columns: chunk columns of 20; the requested batch size still bounds the batch.
    assert_eq!(sizes(Axis::Cols, d().max_batch_bytes(400 * 45)), vec![40, 40, 10]);
    assert_eq!(sizes(Axis::Cols, d().max_batch_bytes(400 * 45).batch_size(30)), vec![30, 30, 30]);
    // No cap.
    assert_eq!(sizes(Axis::Cols, d().max_batch_bytes(0).batch_size(64)), vec![64, 26]);
    // f64 items are twice as large: half as many fit.
    let n: Vec<usize> = m
        .scan::<f64>(Axis::Rows, d().max_batch_bytes(360 * 40))
        .map(|b| b.unwrap().items.len())
        .collect();
    assert_eq!(n, vec![16; 6].into_iter().chain([4]).collect::<Vec<_>>());
}

/// Large values close together (mean about 1e3, spread 1e-3): `sum_sq / n - mean²` would
/// lose about 12 of the 16 digits of the variance; the merged per-tile moments keep it to
/// 1e-9 of a two-pass reference, for rows and columns, with or without zeros mixed in.
#[test]
fn variance_is_stable_for_large_close_values() {
    let (rows, cols) = (150u64, 130u64);
    let value = |r: u64, c: u64| -> f64 {
        if r.is_multiple_of(5) && c.is_multiple_of(2) {
            return 0.0;
        }
        1000.0 + (((r * 31 + c * 17) % 97) as f64 - 48.0) * 1e-5
    };
    let mut raw = Vec::new();
    let mut model = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let x = value(r, c);
            raw.extend_from_slice(&x.to_le_bytes());
            model.push(x);
        }
    }
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    w.create_dataset(
        "/m",
        DatasetSpec::chunked(Datatype::float(8), &[rows, cols], &[16, 20]).gzip(2),
    )
    .unwrap();
    w.write_raw("/m", &[Selection::All, Selection::All], &raw).unwrap();
    w.commit().unwrap();
    let file = common::open(st.to_vec(), true);
    let m = Matrix::new(&file.dataset("/m").unwrap()).unwrap();
    for threads in [1, 3] {
        let (r, c) = common::with_threads(threads, || m.stats_both()).unwrap();
        for (axis, s) in [(0, &r), (1, &c)] {
            let sd = s.sd();
            for (k, n) in common::naive_stats(&model, rows, cols, axis).iter().enumerate() {
                let want = (n.2 / s.n as f64).sqrt();
                assert!(
                    (sd[k] - want).abs() <= 1e-9 * want,
                    "axis {axis} item {k}: sd {} vs {want}",
                    sd[k]
                );
            }
        }
    }
}
