//! Test matrices written with `loomfile_hdf5::Writer` into memory, and naive oracles.

#![allow(dead_code)]

use loomfile_hdf5::storage::MemStorage;
use loomfile_hdf5::{DatasetSpec, Datatype, File, LayoutSpec, Limits, Selection, Writer};
use std::ops::Range;
use std::sync::Arc;

/// Stored element types under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    F32,
    F64,
    U16,
    I32,
}

impl Ty {
    pub fn datatype(self) -> Datatype {
        match self {
            Ty::F32 => Datatype::float(4),
            Ty::F64 => Datatype::float(8),
            Ty::U16 => Datatype::int(2, false),
            Ty::I32 => Datatype::int(4, true),
        }
    }

    /// Little-endian bytes of `v` in this type.
    pub fn encode(self, v: f64, out: &mut Vec<u8>) {
        match self {
            Ty::F32 => out.extend_from_slice(&(v as f32).to_le_bytes()),
            Ty::F64 => out.extend_from_slice(&v.to_le_bytes()),
            Ty::U16 => out.extend_from_slice(&(v as u16).to_le_bytes()),
            Ty::I32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
        }
    }
}

/// How the matrix is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Store {
    /// Chunks (rows, cols), with gzip, shuffle + gzip, or no filter.
    Chunked {
        chunk: (u64, u64),
        gzip: bool,
        shuffle: bool,
    },
    Contiguous,
    Compact,
}

/// A test matrix.
#[derive(Clone, Debug)]
pub struct Spec {
    pub ty: Ty,
    pub rows: u64,
    pub cols: u64,
    pub store: Store,
    /// Fill value (stored type), if not 0.
    pub fill: Option<f64>,
    /// Boxes written; `None` writes everything. Elsewhere: the fill value.
    pub boxes: Option<Vec<(Range<u64>, Range<u64>)>>,
    pub seed: u64,
}

/// The value written at (r, c): count-like, about half zeros, some fractions for floats.
pub fn value(spec: &Spec, r: u64, c: u64) -> f64 {
    let mut x = (r.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ c.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_add(spec.seed.wrapping_mul(0x1656_67B1_9E37_79F9));
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 32;
    if x % 100 < 55 {
        return 0.0;
    }
    let v = ((x >> 8) % 500) as f64;
    match spec.ty {
        Ty::F32 | Ty::F64 if x.is_multiple_of(7) => v / 4.0 - 30.0,
        Ty::I32 if x.is_multiple_of(5) => -v,
        _ => v,
    }
}

/// The dense model of the matrix (row-major, f64), fill included.
pub fn model(spec: &Spec) -> Vec<f64> {
    let fill = spec.fill.unwrap_or(0.0);
    let mut m = vec![fill; (spec.rows * spec.cols) as usize];
    let all = vec![(0..spec.rows, 0..spec.cols)];
    for (rr, cc) in spec.boxes.as_ref().unwrap_or(&all) {
        for r in rr.clone() {
            for c in cc.clone() {
                m[(r * spec.cols + c) as usize] = value(spec, r, c);
            }
        }
    }
    m
}

/// Write the matrix as `/m` into an in-memory file; returns the file bytes.
pub fn write(spec: &Spec) -> Vec<u8> {
    let shape = [spec.rows, spec.cols];
    let dt = spec.ty.datatype();
    let mut ds = match &spec.store {
        Store::Chunked { chunk, gzip, shuffle } => {
            let mut d = DatasetSpec::chunked(dt, &shape, &[chunk.0, chunk.1])
                .max_shape(&[Some(spec.rows), None]);
            if *shuffle {
                d = d.shuffle();
            }
            if *gzip {
                d = d.gzip(2);
            }
            d
        }
        Store::Contiguous => DatasetSpec::contiguous(dt, &shape),
        Store::Compact => {
            let mut d = DatasetSpec::contiguous(dt, &shape);
            d.layout = LayoutSpec::Compact;
            d
        }
    };
    if let Some(f) = spec.fill {
        let mut b = Vec::new();
        spec.ty.encode(f, &mut b);
        ds = ds.fill(b);
    }
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).expect("create");
    w.create_dataset("/m", ds).expect("create dataset");
    let all = vec![(0..spec.rows, 0..spec.cols)];
    for (rr, cc) in spec.boxes.as_ref().unwrap_or(&all) {
        if rr.is_empty() || cc.is_empty() {
            continue;
        }
        let mut raw = Vec::new();
        for r in rr.clone() {
            for c in cc.clone() {
                spec.ty.encode(value(spec, r, c), &mut raw);
            }
        }
        let sel = [Selection::Range(rr.start, rr.end), Selection::Range(cc.start, cc.end)];
        w.write_raw("/m", &sel, &raw).expect("write");
    }
    w.commit().expect("commit");
    st.to_vec()
}

/// Open file bytes: `lend` true gives storage that lends its bytes (zero-copy path), false
/// storage that only copies (coalesced-read path).
pub fn open(bytes: Vec<u8>, lend: bool) -> File {
    if lend {
        File::from_bytes(bytes).expect("open")
    } else {
        File::from_storage(Arc::new(MemStorage::new(bytes)), Limits::default()).expect("open")
    }
}

/// The indices a selection takes along an axis of length `dim`.
pub fn indices(sel: &Selection, dim: u64) -> Vec<u64> {
    sel.indices(dim).expect("valid selection")
}

/// Naive per-item statistics from the dense model: (nnz, sum, m2, min, max) per row
/// (`axis` 0) or column; `m2` (squared deviations from the mean) in two passes.
pub fn naive_stats(m: &[f64], rows: u64, cols: u64, axis: usize) -> Vec<(u64, f64, f64, f64, f64)> {
    let (n_items, n_other) = if axis == 0 { (rows, cols) } else { (cols, rows) };
    (0..n_items)
        .map(|i| {
            let at = |o: u64| {
                if axis == 0 { m[(i * cols + o) as usize] } else { m[(o * cols + i) as usize] }
            };
            let mut a = (0u64, 0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY);
            for o in 0..n_other {
                let x = at(o);
                if x != 0.0 {
                    a.0 += 1;
                }
                a.1 += x;
                a.3 = a.3.min(x);
                a.4 = a.4.max(x);
            }
            let mean = a.1 / n_other as f64;
            a.2 = (0..n_other).map(|o| (at(o) - mean) * (at(o) - mean)).sum();
            if n_other == 0 {
                a.2 = 0.0;
                a.3 = f64::NAN;
                a.4 = f64::NAN;
            }
            a
        })
        .collect()
}

/// Relative closeness for sums computed in different orders.
pub fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// Run `f` on a fresh rayon pool of `n` threads.
/// (WebAssembly has no threads: `f` runs on the calling thread.)
pub fn with_threads<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    if cfg!(target_family = "wasm") {
        return f();
    }
    rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("pool").install(f)
}
