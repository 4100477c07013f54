//! Per-row and per-column statistics (non-zero count, sum, sum of squares, min, max; mean
//! and population standard deviation derived in f64) in one parallel pass, either axis or
//! both at once, without materialising the matrix.
//!
//! Values are read in their stored type and widened to f64 exactly. Only non-zero values
//! are visited (a 64-value block with no non-zero value costs one comparison pass), since
//! zeros add nothing to sums and only matter to min/max, which are fixed up from the
//! non-zero count at the end.

use crate::convert::{self, Conv};
use crate::fold::RawTile;
use crate::matrix::{Axis, Matrix};
use loomfile_hdf5::{H5Type, NumKind, Result};
use std::ops::Range;

/// Statistics of every row (or every column) of a matrix.
///
/// NaN values count as non-zero and make `sum`/`sum_sq` NaN; `min`/`max` skip them.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// Which items these are: rows or columns.
    pub axis: Axis,
    /// Values per item (the length of the other axis).
    pub n: u64,
    /// Non-zero values per item.
    pub nnz: Vec<u64>,
    /// Sum per item.
    pub sum: Vec<f64>,
    /// Sum of squares per item.
    pub sum_sq: Vec<f64>,
    /// Minimum per item (NaN when `n` is 0).
    pub min: Vec<f64>,
    /// Maximum per item (NaN when `n` is 0).
    pub max: Vec<f64>,
}

impl Stats {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.nnz.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.nnz.is_empty()
    }

    /// Mean per item (`sum / n`; NaN when `n` is 0).
    pub fn mean(&self) -> Vec<f64> {
        let n = self.n as f64;
        self.sum.iter().map(|s| if self.n == 0 { f64::NAN } else { s / n }).collect()
    }

    /// Population variance per item (`sum_sq / n - mean²`, clamped at 0).
    pub fn var(&self) -> Vec<f64> {
        let n = self.n as f64;
        self.sum
            .iter()
            .zip(&self.sum_sq)
            .map(|(s, q)| {
                if self.n == 0 {
                    return f64::NAN;
                }
                let m = s / n;
                (q / n - m * m).max(0.0)
            })
            .collect()
    }

    /// Population standard deviation per item (numpy's `std` with `ddof=0`).
    pub fn sd(&self) -> Vec<f64> {
        self.var().into_iter().map(f64::sqrt).collect()
    }

    fn from_accs(axis: Axis, n: u64, accs: Vec<Acc>) -> Stats {
        let mut s = Stats {
            axis,
            n,
            nnz: Vec::with_capacity(accs.len()),
            sum: Vec::with_capacity(accs.len()),
            sum_sq: Vec::with_capacity(accs.len()),
            min: Vec::with_capacity(accs.len()),
            max: Vec::with_capacity(accs.len()),
        };
        for a in accs {
            let (mut mn, mut mx) = (a.min, a.max);
            if n == 0 {
                mn = f64::NAN;
                mx = f64::NAN;
            } else if a.nnz < n {
                mn = mn.min(0.0);
                mx = mx.max(0.0);
            }
            s.nnz.push(a.nnz);
            s.sum.push(a.sum);
            s.sum_sq.push(a.sq);
            s.min.push(mn);
            s.max.push(mx);
        }
        s
    }
}

/// The second factor of a square. On s390x, LLVM turns `f64::from(a) * f64::from(a)` for an
/// `f32` `a` into MDEBR (multiply short to long), which QEMU before 8.0 emulates wrongly (it
/// takes one operand as long); our s390x tests run under Debian's QEMU 7.2. Hiding one factor
/// keeps the plain long multiply, correct everywhere, at the cost of one register spill on
/// that architecture only.
#[inline(always)]
fn square_operand(x: f64) -> f64 {
    if cfg!(target_arch = "s390x") { std::hint::black_box(x) } else { x }
}

/// Running statistics of the non-zero values of one item.
#[derive(Clone, Copy, Debug)]
struct Acc {
    nnz: u64,
    sum: f64,
    sq: f64,
    min: f64,
    max: f64,
}

impl Default for Acc {
    fn default() -> Self {
        Acc { nnz: 0, sum: 0.0, sq: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }
}

impl Acc {
    /// Add a value (not its count: see `nnz`), branch-free.
    #[inline(always)]
    fn add(&mut self, x: f64) {
        self.sum += x;
        self.sq += x * square_operand(x);
        self.min = if x < self.min { x } else { self.min };
        self.max = if x > self.max { x } else { self.max };
    }

    fn merge(&mut self, o: &Acc) {
        self.nnz += o.nnz;
        self.sum += o.sum;
        self.sq += o.sq;
        self.min = if o.min < self.min { o.min } else { self.min };
        self.max = if o.max > self.max { o.max } else { self.max };
    }
}

/// Stored element types, read exactly (little-endian) and widened to f64.
trait Elem: H5Type + PartialEq {
    const ZERO: Self;
    const SIZE: usize;
    fn get(b: &[u8]) -> Self;
    fn to_f64(self) -> f64;
}

macro_rules! elem {
    ($($t:ty: $z:expr),*) => {$(
        impl Elem for $t {
            const ZERO: Self = $z;
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn get(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(&b[..std::mem::size_of::<$t>()]);
                <$t>::from_le_bytes(a)
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
elem!(f32: 0.0, f64: 0.0, i8: 0, i16: 0, i32: 0, i64: 0, u8: 0, u16: 0, u32: 0, u64: 0);

/// Pack 64 flags (0 or 1) into a bit mask: bit k = flags[k].
#[inline(always)]
pub(crate) fn pack_flags(flags: &[u8; 64]) -> u64 {
    let (words, _) = flags.as_chunks::<8>();
    let mut m = 0u64;
    for (k, w) in words.iter().enumerate() {
        // Moves byte i's low bit to bit 56 + i (no carries: every byte is 0 or 1).
        m |= (u64::from_le_bytes(*w).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    m
}

/// Bit k set when value k of `blk` (at most 64 values) is not zero.
#[inline(always)]
pub(crate) fn nonzero_mask<V: PartialEq + Copy>(blk: &[V], zero: V) -> u64 {
    let mut flags = [0u8; 64];
    for (f, v) in flags.iter_mut().zip(blk) {
        *f = (*v != zero) as u8;
    }
    pack_flags(&flags)
}

/// True when every byte is 0 (a cheap first test: most blocks of sparse data are empty;
/// `-0.0` is left to the exact test).
#[inline(always)]
fn all_zero_bytes(blk: &[u8]) -> bool {
    let (words, rest) = blk.as_chunks::<8>();
    words.iter().fold(0u64, |a, w| a | u64::from_le_bytes(*w)) == 0 && rest.iter().all(|&b| b == 0)
}

/// Bit k set when stored value k of `blk` (little-endian `V`s, at most 64) is not zero.
#[inline(always)]
fn nonzero_mask_le<V: Elem>(blk: &[u8]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, e) in flags.iter_mut().zip(blk.chunks_exact(V::SIZE)) {
        *f = (V::get(e) != V::ZERO) as u8;
    }
    pack_flags(&flags)
}

/// A group's accumulators: its own rows, and partial sums of every column.
struct Part {
    rows: Vec<Acc>,
    cols: Vec<Acc>,
    /// First row of the group.
    row0: u64,
}

/// Fold one row of a tile (`row`: little-endian `V`s) into `ra` and, if given, the
/// accumulators of its columns.
#[inline(always)]
fn fold_row<V: Elem>(row: &[u8], ra: &mut Acc, mut cols: Option<&mut [Acc]>) {
    for (b, blk) in row.chunks(64 * V::SIZE).enumerate() {
        if all_zero_bytes(blk) {
            continue;
        }
        let mut m = nonzero_mask_le::<V>(blk);
        if m == 0 {
            continue;
        }
        ra.nnz += u64::from(m.count_ones());
        match cols.as_deref_mut() {
            Some(cols) => {
                let cols = &mut cols[b * 64..];
                while m != 0 {
                    let k = m.trailing_zeros() as usize;
                    m &= m - 1;
                    let x = V::get(&blk[k * V::SIZE..]).to_f64();
                    ra.add(x);
                    cols[k].nnz += 1;
                    cols[k].add(x);
                }
            }
            None => {
                while m != 0 {
                    let k = m.trailing_zeros() as usize;
                    m &= m - 1;
                    ra.add(V::get(&blk[k * V::SIZE..]).to_f64());
                }
            }
        }
    }
}

/// Per-task scratch of the statistics pass.
#[derive(Default)]
struct Scratch<V> {
    /// Converted tile (kinds stored differently from little-endian `V`).
    typed: Vec<V>,
    /// The same as little-endian bytes.
    bytes: Vec<u8>,
}

#[allow(clippy::too_many_arguments)]
fn visit<V: Elem>(
    p: &mut Part,
    sc: &mut Scratch<V>,
    rt: &RawTile<'_>,
    conv: &Conv<V>,
    fill: V,
    native: bool,
    tr: u64,
    tc: u64,
) {
    let (h, w) = (rt.h, rt.w);
    if rt.is_fill() && fill == V::ZERO {
        return;
    }
    let r0 = (rt.i * tr - p.row0) as usize;
    let c0 = (rt.j * tc) as usize;
    let converted = !native || rt.is_fill();
    if converted {
        rt.typed(conv, fill, &mut sc.typed);
        sc.bytes.clear();
        for v in &sc.typed[..h * w] {
            v.write_le(&mut sc.bytes);
        }
    }
    let row_bytes = w * V::SIZE;
    for r in 0..h {
        let row = match rt.row(r) {
            Some(b) if !converted => b,
            _ => &sc.bytes[r * row_bytes..(r + 1) * row_bytes],
        };
        let mut ra = Acc::default();
        let cols = if p.cols.is_empty() { None } else { Some(&mut p.cols[c0..c0 + w]) };
        fold_row::<V>(row, &mut ra, cols);
        if !p.rows.is_empty() && ra.nnz > 0 {
            p.rows[r0 + r].merge(&ra);
        }
    }
}

impl Matrix {
    fn stats_pass(&self, rows: bool, cols: bool) -> Result<(Stats, Stats)> {
        let items = if rows { self.nrows } else { 0 } + if cols { self.ncols } else { 0 };
        self.budget("statistics", items, 2 * std::mem::size_of::<Acc>())?;
        match self.kind {
            NumKind::Float(2 | 4, _) => self.stats_as::<f32>(rows, cols),
            NumKind::Float(_, _) => self.stats_as::<f64>(rows, cols),
            NumKind::Int(1, _) => self.stats_as::<i8>(rows, cols),
            NumKind::Int(2, _) => self.stats_as::<i16>(rows, cols),
            NumKind::Int(3 | 4, _) => self.stats_as::<i32>(rows, cols),
            NumKind::Int(_, _) => self.stats_as::<i64>(rows, cols),
            NumKind::UInt(1, _) => self.stats_as::<u8>(rows, cols),
            NumKind::UInt(2, _) => self.stats_as::<u16>(rows, cols),
            NumKind::UInt(3 | 4, _) => self.stats_as::<u32>(rows, cols),
            NumKind::UInt(_, _) => self.stats_as::<u64>(rows, cols),
        }
    }

    fn stats_as<V: Elem>(&self, rows: bool, cols: bool) -> Result<(Stats, Stats)> {
        let conv = Conv::<V>::new(self.kind);
        let fill: V = convert::one(self.kind, &self.fill);
        // Stored exactly as little-endian `V`: read in place, no conversion pass.
        let native = self.kind.is_native_le::<V>();
        let (tr, tc) = (self.tr, self.tc);
        let ncols = self.ncols as usize;
        let init = |items: Range<u64>| {
            let part = Part {
                rows: if rows {
                    vec![Acc::default(); (items.end - items.start) as usize]
                } else {
                    Vec::new()
                },
                cols: if cols { vec![Acc::default(); ncols] } else { Vec::new() },
                row0: items.start,
            };
            (part, Scratch::<V>::default())
        };
        let (part, _) = self.fold_raw(
            Axis::Rows,
            init,
            |(p, sc), rt| visit(p, sc, rt, &conv, fill, native, tr, tc),
            |(mut a, s), (b, _)| {
                a.rows.extend(b.rows);
                for (x, y) in a.cols.iter_mut().zip(&b.cols) {
                    x.merge(y);
                }
                (a, s)
            },
        )?;
        let mut row_accs = part.rows;
        let mut col_accs = part.cols;
        // An empty matrix folds no group: give every item its (empty) statistics.
        if rows {
            row_accs.resize(self.nrows as usize, Acc::default());
        }
        if cols {
            col_accs.resize(ncols, Acc::default());
        }
        Ok((
            Stats::from_accs(Axis::Rows, self.ncols, row_accs),
            Stats::from_accs(Axis::Cols, self.nrows, col_accs),
        ))
    }

    /// Statistics of every row ([`Axis::Rows`]) or every column ([`Axis::Cols`]) in one
    /// parallel pass over the chunks. Results do not depend on the thread count.
    pub fn stats(&self, axis: Axis) -> Result<Stats> {
        let (r, c) = self.stats_pass(axis == Axis::Rows, axis == Axis::Cols)?;
        Ok(if axis == Axis::Rows { r } else { c })
    }

    /// Statistics of every row and every column, in one pass: (rows, columns).
    pub fn stats_both(&self) -> Result<(Stats, Stats)> {
        self.stats_pass(true, true)
    }
}
