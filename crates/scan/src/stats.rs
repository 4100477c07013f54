//! Per-row and per-column statistics (non-zero count, sum, mean, population variance and
//! standard deviation, min, max) in one parallel pass, either axis or both at once, without
//! materialising the matrix.
//!
//! Values are read in their stored type and widened to f64 exactly. Only non-zero values
//! are visited (a 64-value block with no non-zero value costs one comparison pass), since
//! zeros add nothing to sums and only matter to min/max, which are fixed up from the
//! non-zero count at the end. The variance is numerically stable: each tile's row and
//! column segments get their moments in two passes over the segment while it is in cache
//! (mean, then squared deviations), and segments, groups and finally the item's zeros are
//! merged with Chan's pairwise formula, which never subtracts two large sums.

use crate::axis::Axis;
use crate::convert::{self, Conv};
use crate::fold::RawTile;
use crate::matrix::Matrix;
use loomfile_hdf5::{H5Type, NumKind, Result};
use std::ops::Range;

/// Statistics of every row (or every column) of a matrix.
///
/// The spread is kept as `m2`, the sum of squared deviations from the mean, built from
/// per-tile moments merged with Chan et al.'s pairwise formula, so the variance does not
/// cancel when values are large and close together (a mean of 1e3 with a spread of 1e-2
/// keeps about 14 significant digits, where `sum_sq / n - mean²` keeps 6).
///
/// NaN values count as non-zero and make `sum`/`m2` NaN; `min`/`max` skip them.
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
    /// Sum of squared deviations from the item's mean (`var * n`).
    pub m2: Vec<f64>,
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

    /// Population variance per item (`m2 / n`; NaN when `n` is 0).
    pub fn var(&self) -> Vec<f64> {
        let n = self.n as f64;
        self.m2.iter().map(|q| if self.n == 0 { f64::NAN } else { q / n }).collect()
    }

    /// Population standard deviation per item (numpy's `std` with `ddof=0`).
    pub fn sd(&self) -> Vec<f64> {
        self.var().into_iter().map(f64::sqrt).collect()
    }

    fn from_accs(axis: Axis, n: u64, accs: Vec<Acc>) -> Stats {
        let mut s = Stats {
            axis,
            n,
            // alloc: accs.len(), accumulators already built
            nnz: Vec::with_capacity(accs.len()),
            // alloc: accs.len(), accumulators already built
            sum: Vec::with_capacity(accs.len()),
            // alloc: accs.len(), accumulators already built
            m2: Vec::with_capacity(accs.len()),
            // alloc: accs.len(), accumulators already built
            min: Vec::with_capacity(accs.len()),
            // alloc: accs.len(), accumulators already built
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
            // The zeros are one more group of moments (mean 0, no spread) merged last.
            let zeros = (n - a.nnz.min(n)) as f64;
            let m2 = if a.nnz == 0 {
                0.0
            } else {
                let k = a.nnz as f64;
                a.m2 + a.mean * a.mean * (k * zeros / (k + zeros))
            };
            s.nnz.push(a.nnz);
            s.sum.push(a.sum);
            s.m2.push(m2);
            s.min.push(mn);
            s.max.push(mx);
        }
        s
    }
}

/// Moments of the non-zero values of one item, or of one segment of it (a tile's row or
/// column): count, sum, mean, sum of squared deviations, min and max.
#[derive(Clone, Copy, Debug)]
struct Acc {
    nnz: u64,
    sum: f64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Default for Acc {
    fn default() -> Self {
        Acc { nnz: 0, sum: 0.0, mean: 0.0, m2: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }
}

impl Acc {
    /// First pass over a segment: add a value to the sum, min and max (not to the count:
    /// see `nnz`), branch-free.
    #[inline(always)]
    fn add(&mut self, x: f64) {
        self.sum += x;
        self.min = if x < self.min { x } else { self.min };
        self.max = if x > self.max { x } else { self.max };
    }

    /// Between the passes: the segment's mean.
    #[inline(always)]
    fn settle(&mut self) {
        self.mean = self.sum / self.nnz as f64;
    }

    /// Second pass: a value's squared deviation from the segment's mean.
    #[inline(always)]
    fn spread(&mut self, x: f64) {
        let d = x - self.mean;
        self.m2 += d * d;
    }

    /// Merge the moments of another group of values (Chan, Golub and LeVeque's pairwise
    /// update): no cancellation, whatever the magnitude of the values.
    #[inline]
    fn merge(&mut self, o: &Acc) {
        if o.nnz == 0 {
            return;
        }
        if self.nnz == 0 {
            *self = *o;
            return;
        }
        let (na, nb) = (self.nnz as f64, o.nnz as f64);
        let n = na + nb;
        let delta = o.mean - self.mean;
        self.mean += delta * (nb / n);
        self.m2 += o.m2 + delta * delta * (na * nb / n);
        self.nnz += o.nnz;
        self.sum += o.sum;
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

/// A group's accumulators: its own rows, and partial moments of every column.
struct Part {
    rows: Vec<Acc>,
    cols: Vec<Acc>,
    /// First row of the group.
    row0: u64,
}

/// Per-task scratch of the statistics pass.
#[derive(Default)]
struct Scratch<V> {
    /// Converted tile (kinds stored differently from little-endian `V`).
    typed: Vec<V>,
    /// The same as little-endian bytes.
    bytes: Vec<u8>,
    /// Non-zero masks of the tile's 64-value blocks, row by row.
    masks: Vec<u64>,
    /// Moments of the tile's columns.
    cols: Vec<Acc>,
}

/// The values of `row` (little-endian `V`s) that `masks` marks, one 64-value block per
/// mask, with their column within the row.
#[inline(always)]
fn each_marked<V: Elem>(row: &[u8], masks: &[u64], mut f: impl FnMut(usize, f64)) {
    for (b, &mask) in masks.iter().enumerate() {
        let mut m = mask;
        let base = b * 64;
        while m != 0 {
            let k = m.trailing_zeros() as usize;
            m &= m - 1;
            f(base + k, V::get(&row[(base + k) * V::SIZE..]).to_f64());
        }
    }
}

/// Mark the non-zero values of `row` (little-endian `V`s) in `masks` (one per 64-value
/// block); returns their count.
#[inline(always)]
fn mark_row<V: Elem>(row: &[u8], masks: &mut [u64]) -> u64 {
    let mut count = 0;
    for (blk, mask) in row.chunks(64 * V::SIZE).zip(masks.iter_mut()) {
        *mask = if all_zero_bytes(blk) { 0 } else { nonzero_mask_le::<V>(blk) };
        count += u64::from(mask.count_ones());
    }
    count
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
    let row_of = |r: usize| -> &[u8] {
        match rt.row(r) {
            Some(b) if !converted => b,
            _ => &sc.bytes[r * row_bytes..(r + 1) * row_bytes],
        }
    };
    let (rows, cols) = (!p.rows.is_empty(), !p.cols.is_empty());
    let blocks = w.div_ceil(64);
    // Column moments need the masks of every row for their second pass; row moments only
    // the current row's.
    sc.masks.clear();
    sc.masks.resize(if cols { h * blocks } else { blocks }, 0);
    if cols {
        sc.cols.clear();
        sc.cols.resize(w, Acc::default());
    }
    for r in 0..h {
        let row = row_of(r);
        let masks =
            if cols { &mut sc.masks[r * blocks..(r + 1) * blocks] } else { &mut sc.masks[..] };
        let count = mark_row::<V>(row, masks);
        if count == 0 {
            continue;
        }
        let masks = &*masks;
        if cols {
            let tile_cols = &mut sc.cols;
            each_marked::<V>(row, masks, |c, x| {
                tile_cols[c].nnz += 1;
                tile_cols[c].add(x);
            });
        }
        if rows {
            // Two passes over the row segment, which is in L1: its mean, then the
            // deviations from it.
            let mut seg = Acc { nnz: count, ..Acc::default() };
            each_marked::<V>(row, masks, |_, x| seg.add(x));
            seg.settle();
            each_marked::<V>(row, masks, |_, x| seg.spread(x));
            p.rows[r0 + r].merge(&seg);
        }
    }
    if cols {
        for a in sc.cols.iter_mut().filter(|a| a.nnz > 0) {
            a.settle();
        }
        for r in 0..h {
            let tile_cols = &mut sc.cols;
            each_marked::<V>(row_of(r), &sc.masks[r * blocks..(r + 1) * blocks], |c, x| {
                tile_cols[c].spread(x)
            });
        }
        for (acc, seg) in p.cols[c0..c0 + w].iter_mut().zip(&sc.cols) {
            acc.merge(seg);
        }
    }
}

impl Matrix {
    fn stats_pass(&self, rows: bool, cols: bool) -> Result<(Stats, Stats)> {
        // Column accumulators are held by every group in flight (fold_raw's window of 8 per
        // thread) and by the merged result; row accumulators once.
        let parts = 8 * crate::parallel::threads() as u64 + 1;
        let row_items = if rows { self.nrows } else { 0 };
        let col_items = if cols { self.ncols.saturating_mul(parts) } else { 0 };
        let items = row_items.saturating_add(col_items);
        self.budget("statistics", items, 2 * size_of::<Acc>())?;
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
                    // alloc: items <= nrows, under the read budget (stats_pass budget)
                    vec![Acc::default(); (items.end - items.start) as usize]
                } else {
                    Vec::new()
                },
                // alloc: ncols per group in flight, under the read budget (stats_pass budget)
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
