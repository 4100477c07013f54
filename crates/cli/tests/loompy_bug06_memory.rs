//! loom-spec.md 3.15 #6: loompy's sparse layer write computes its column window as
//! `max(1, 1024**3 // 8 * n_rows)` (an operator-precedence bug), so any scipy sparse matrix is
//! densified whole — anndata's `write_loom` of a big sparse X needs the dense matrix in RAM.
//!
//! loomfile writes sparse layers one band of rows at a time. This test writes a 8192 x 30000
//! float32 sparse layer (dense: 983 MB) and measures the peak heap of the whole process with a
//! counting allocator: it must stay far below the dense size. (Its own test binary, so that no
//! other test's allocations are counted.)

use loomfile::{Contents, Csr, LayerData, LoomFile, Sel};

#[global_allocator]
static HEAP: loomfile_testkit::PeakAlloc = loomfile_testkit::PeakAlloc::new();

#[test]
fn bug06_sparse_layers_are_written_without_densifying() {
    let (n, m) = (8192u64, 30000u64);
    let dense_bytes = (n * m * 4) as usize;
    // ~4 non-zeros per row, deterministic.
    let mut csr = Csr::<f32> { rows: n, cols: m, indptr: vec![0], ..Csr::default() };
    for i in 0..n {
        for k in 0..4u64 {
            csr.indices.push((i * 7919 + k * 7001) % m);
        }
        // (k * 7001) % m differs for k < 4: four distinct columns, sorted within the row.
        let row = csr.indices.len() - 4..csr.indices.len();
        csr.indices[row].sort_unstable();
        for k in 0..4u64 {
            csr.data.push((i % 97) as f32 + k as f32 + 1.0);
        }
        csr.indptr.push(csr.indices.len() as u64);
    }
    csr.check().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("big_sparse.loom");
    let (peak, created) =
        HEAP.measure(|| LoomFile::create(&p, LayerData::Sparse(&csr), &Contents::default()));
    created.unwrap();
    eprintln!(
        "peak heap while writing: {:.1} MB (dense would be {:.0} MB)",
        peak as f64 / 1e6,
        dense_bytes as f64 / 1e6
    );
    assert!(peak < dense_bytes / 8, "peak {peak} bytes vs dense {dense_bytes}");
    // What was written is the sparse matrix.
    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.shape(), (n, m));
    let back = f.sparse::<f32>("", &Sel::Range(0, 200), &Sel::All).unwrap();
    let want = Csr { rows: 200, cols: m, indptr: csr.indptr[..201].to_vec(), ..csr.clone() };
    let want = want.to_coo();
    let mut got: Vec<(u64, u64, f32)> =
        (0..back.nnz()).map(|k| (back.row[k], back.col[k], back.data[k])).collect();
    got.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let nnz = csr.indptr[200] as usize;
    let mut exp: Vec<(u64, u64, f32)> =
        (0..nnz).map(|k| (want.row[k], want.col[k], want.data[k])).collect();
    exp.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(got, exp);
}
