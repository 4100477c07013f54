//! Non-zero entries, streamed band by band in bounded memory (COO blocks sorted by row then
//! column, or by column then row), and a CSR matrix built from them.

use crate::axis::Axis;
use crate::convert::{self, Conv};
use crate::fetch::Worker;
use crate::matrix::Matrix;
use crate::parallel;
use crate::stats::nonzero_mask;
use loomfile_hdf5::{Error, H5Type, Result};
use std::collections::VecDeque;
use std::ops::Range;

/// The non-zero entries of a band of consecutive rows ([`Axis::Rows`]) or columns
/// ([`Axis::Cols`]), as (row, column, value) triplets.
///
/// Along rows the entries are sorted by row, then column (CSR order); along columns by
/// column, then row (CSC order). Zero is `T::default()`; `-0.0` counts as zero, NaN as
/// non-zero. Values are converted to `T` first (so 0.4 stored and read as an integer is 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Coo<T> {
    /// The band's axis.
    pub axis: Axis,
    /// The rows (or columns) this block covers.
    pub items: Range<u64>,
    /// Row of each entry.
    pub rows: Vec<u64>,
    /// Column of each entry.
    pub cols: Vec<u64>,
    /// Value of each entry.
    pub values: Vec<T>,
}

impl<T> Coo<T> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the band holds no non-zero entry.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A compressed sparse row matrix (scipy's `csr_matrix` layout).
#[derive(Clone, Debug, PartialEq)]
pub struct Csr<T> {
    /// Rows.
    pub nrows: u64,
    /// Columns.
    pub ncols: u64,
    /// Entries of row `r` are `indptr[r]..indptr[r + 1]` (`nrows + 1` offsets).
    pub indptr: Vec<u64>,
    /// Column of each entry, increasing within a row.
    pub indices: Vec<u32>,
    /// Value of each entry.
    pub values: Vec<T>,
}

impl<T> Csr<T> {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
}

/// One band's non-zeros, compressed by item.
struct Block<T> {
    items: Range<u64>,
    /// Entries per item.
    counts: Vec<u64>,
    /// Other-axis index of each entry.
    other: Vec<u64>,
    values: Vec<T>,
}

impl<T: H5Type> Block<T> {
    fn into_coo(self, axis: Axis) -> Coo<T> {
        // alloc: self.other.len(), entries already read
        let mut items = Vec::with_capacity(self.other.len());
        for (k, &n) in self.counts.iter().enumerate() {
            items.extend(std::iter::repeat_n(self.items.start + k as u64, n as usize));
        }
        let (rows, cols) = match axis {
            Axis::Rows => (items, self.other),
            Axis::Cols => (self.other, items),
        };
        Coo { axis, items: self.items, rows, cols, values: self.values }
    }
}

/// The non-zero entries of a matrix, band by band: an iterator of [`Coo`] blocks in order.
/// Built by [`Matrix::nonzeros`].
///
/// A window of a few bands per thread is decoded in parallel (in the calling thread's rayon
/// pool); memory stays within that window, whatever the file size.
pub struct Nonzeros<'m, T> {
    m: &'m Matrix,
    axis: Axis,
    next: u64,
    queue: VecDeque<Block<T>>,
    failed: bool,
}

impl<T> std::fmt::Debug for Nonzeros<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nonzeros").field("axis", &self.axis).field("next", &self.next).finish()
    }
}

impl Matrix {
    /// The non-zero entries as COO blocks, one per band of rows ([`Axis::Rows`], sorted by
    /// row then column) or of columns ([`Axis::Cols`], sorted by column then row).
    pub fn nonzeros<T: H5Type + PartialEq>(&self, axis: Axis) -> Nonzeros<'_, T> {
        Nonzeros { m: self, axis, next: 0, queue: VecDeque::new(), failed: false }
    }

    /// The whole matrix as CSR (indices as u32: fails with `Invalid` for more than 2^32
    /// columns). Peak memory: the result plus a window of bands.
    pub fn to_csr<T: H5Type + PartialEq>(&self) -> Result<Csr<T>> {
        if self.ncols > u64::from(u32::MAX) + 1 {
            return Err(Error::invalid(format!(
                "{} columns do not fit CSR indices of 32 bits",
                self.ncols
            ))
            .at(self.ds.path()));
        }
        self.budget("CSR row offsets", self.nrows + 1, 8)?;
        let limits = self.ds.file().source().limits;
        limits.check_shape(self.ds.path(), "the non-zeros of", &[self.nrows, self.ncols])?;
        let mut csr = Csr {
            nrows: self.nrows,
            ncols: self.ncols,
            // alloc: nrows + 1 under the read budget (self.budget above)
            indptr: Vec::with_capacity(self.nrows as usize + 1),
            indices: Vec::new(),
            values: Vec::new(),
        };
        csr.indptr.push(0);
        let mut it = self.nonzeros::<T>(Axis::Rows);
        let mut total = 0u64;
        let mut reserved = false;
        while let Some(b) = it.next_block() {
            let b = b?;
            for &n in &b.counts {
                total += n;
                csr.indptr.push(total);
            }
            if !reserved && it.queue.is_empty() {
                reserved = true;
                let cap = self.expected_entries(total, b.items.end, 4 + size_of::<T>());
                csr.indices.reserve(cap);
                csr.values.reserve(cap);
            }
            // Columns are below 2^32 (checked above).
            csr.indices.extend(b.other.iter().map(|&c| c as u32));
            csr.values.extend_from_slice(&b.values);
        }
        csr.indptr.resize(self.nrows as usize + 1, total);
        Ok(csr)
    }

    /// The whole matrix as one COO block sorted by row then column (row and column indices
    /// as u64, as scipy's `coo_matrix` and loompy's `sparse()` hand them out), built from the
    /// bands without an intermediate CSR. Peak memory: the result plus a window of bands.
    pub fn to_coo<T: H5Type + PartialEq>(&self) -> Result<Coo<T>> {
        // Every element is visited: a claimed shape past the work budget is refused up front.
        let limits = self.ds.file().source().limits;
        limits.check_shape(self.ds.path(), "the non-zeros of", &[self.nrows, self.ncols])?;
        let (mut rows, mut cols, mut values) = (Vec::new(), Vec::new(), Vec::<T>::new());
        // Entries placed so far; the vectors are sized ahead (zeroed pages, touched only when
        // written) and cut to this length at the end.
        let mut len = 0usize;
        let mut sized = false;
        let mut window: Vec<Block<T>> = Vec::new();
        let mut it = self.nonzeros::<T>(Axis::Rows);
        while let Some(b) = it.next_block() {
            window.push(b?);
            if !it.queue.is_empty() {
                continue;
            }
            // A whole window of bands is in: each block fills its own part of the outputs,
            // in parallel (the copies and first touches of fresh memory are most of the cost
            // beyond finding the entries).
            let end = len + window.iter().map(|b| b.values.len()).sum::<usize>();
            if !sized {
                sized = true;
                let done = window.last().map_or(0, |b| b.items.end);
                let cap = end + self.expected_entries(end as u64, done, 16 + size_of::<T>());
                // alloc: entries found plus the expected rest, under the read budget
                // (expected_entries gives 0 past it)
                (rows, cols, values) = (vec![0u64; cap], vec![0u64; cap], vec![T::default(); cap]);
            }
            if end > rows.len() {
                rows.resize(end, 0);
                cols.resize(end, 0);
                values.resize(end, T::default());
            }
            let (mut r, mut c, mut v) =
                (&mut rows[len..end], &mut cols[len..end], &mut values[len..end]);
            // alloc: one job per band of the window (4 x threads)
            let mut jobs = Vec::with_capacity(window.len());
            for b in window.drain(..) {
                let n = b.values.len();
                let (r1, r2) = std::mem::take(&mut r).split_at_mut(n);
                let (c1, c2) = std::mem::take(&mut c).split_at_mut(n);
                let (v1, v2) = std::mem::take(&mut v).split_at_mut(n);
                jobs.push((b, r1, c1, v1));
                (r, c, v) = (r2, c2, v2);
            }
            parallel::for_each(jobs, |(b, r, c, v)| {
                let mut k = 0;
                for (i, &n) in b.counts.iter().enumerate() {
                    r[k..k + n as usize].fill(b.items.start + i as u64);
                    k += n as usize;
                }
                c.copy_from_slice(&b.other);
                v.copy_from_slice(&b.values);
            });
            len = end;
        }
        rows.truncate(len);
        cols.truncate(len);
        values.truncate(len);
        Ok(Coo { axis: Axis::Rows, items: 0..self.nrows, rows, cols, values })
    }

    /// Entries still to come when `seen` were found in the first `rows_done` rows: the
    /// density so far over the remaining rows, plus 5 %, or 0 when those entries, of
    /// `entry_bytes` each, would pass the read budget (reserving once saves most of the
    /// doubling copies on large matrices).
    fn expected_entries(&self, seen: u64, rows_done: u64, entry_bytes: usize) -> usize {
        if rows_done == 0 || rows_done >= self.nrows {
            return 0;
        }
        let guess = (seen as f64 * self.nrows as f64 / rows_done as f64 * 1.05) as u64;
        let rest = guess.saturating_sub(seen);
        if rest.saturating_mul(entry_bytes as u64) < self.max_read {
            usize::try_from(rest).unwrap_or(0)
        } else {
            0
        }
    }

    /// The non-zeros of band `b` along `axis`.
    fn nonzero_band<T: H5Type + PartialEq>(
        &self,
        axis: Axis,
        b: u64,
        conv: &Conv<T>,
        fill: T,
    ) -> Result<Block<T>> {
        let t = self.tile(axis);
        let start = b * t;
        let n = t.min(self.len(axis) - start) as usize;
        // Entries in tile order (item within the band, other index, value), then placed in
        // item order by a counting sort: stable, so other indices stay increasing.
        self.budget("item counts of a band", n as u64, size_of::<u64>())?;
        // alloc: n <= one tile along the axis, under the read budget (checked above)
        let mut counts = vec![0u64; n];
        let mut ent_item: Vec<u32> = Vec::new();
        let mut ent_other: Vec<u64> = Vec::new();
        let mut ent_val: Vec<T> = Vec::new();
        let mut scratch: Vec<T> = Vec::new();
        let zero = T::default();
        let (tr, tc) = (self.tr, self.tc);
        let mut lease = self.pool.take();
        let wk: &mut Worker = &mut lease;
        self.visit_band(axis, b, wk, &mut |rt| {
            rt.typed(conv, fill, &mut scratch);
            let (h, w) = (rt.h, rt.w);
            for r in 0..h {
                let row = &scratch[r * w..(r + 1) * w];
                for (bk, blk) in row.chunks(64).enumerate() {
                    // Cheap test first (vectorizes): most blocks of sparse data are empty.
                    if !blk.iter().fold(false, |a, v| a | (*v != zero)) {
                        continue;
                    }
                    let mut m = nonzero_mask(blk, zero);
                    let c0 = bk * 64;
                    while m != 0 {
                        let k = m.trailing_zeros() as usize;
                        m &= m - 1;
                        let (item, other) = match axis {
                            Axis::Rows => (r, rt.j * tc + (c0 + k) as u64),
                            Axis::Cols => (c0 + k, rt.i * tr + r as u64),
                        };
                        counts[item] += 1;
                        ent_item.push(item as u32);
                        ent_other.push(other);
                        ent_val.push(blk[k]);
                    }
                }
            }
            Ok(())
        })?;
        let total = ent_val.len();
        // alloc: n <= one tile along the axis (a chunk dimension)
        let mut at: Vec<usize> = Vec::with_capacity(n);
        let mut sum = 0usize;
        for &c in &counts {
            at.push(sum);
            sum += c as usize;
        }
        // alloc: total = entries already collected
        let mut other = vec![0u64; total];
        // alloc: total = entries already collected
        let mut values = vec![T::default(); total];
        for ((&i, &o), &v) in ent_item.iter().zip(&ent_other).zip(&ent_val) {
            let p = &mut at[i as usize];
            other[*p] = o;
            values[*p] = v;
            *p += 1;
        }
        let block = Block { items: start..start + n as u64, counts, other, values };
        Ok(block)
    }
}

impl<T: H5Type + PartialEq> Nonzeros<'_, T> {
    fn next_block(&mut self) -> Option<Result<Block<T>>> {
        if self.failed {
            return None;
        }
        if self.queue.is_empty() {
            let nb = self.m.grid(self.axis);
            if self.next >= nb || self.m.is_empty() {
                return None;
            }
            let end = (self.next + 4 * parallel::threads() as u64).min(nb);
            let bands: Vec<u64> = (self.next..end).collect();
            self.next = end;
            let conv = Conv::<T>::new(self.m.kind);
            let fill: T = convert::one(self.m.kind, &self.m.fill);
            let (m, axis) = (self.m, self.axis);
            match parallel::map(bands, |b| m.nonzero_band(axis, b, &conv, fill)) {
                Ok(blocks) => self.queue.extend(blocks),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        self.queue.pop_front().map(Ok)
    }
}

impl<T: H5Type + PartialEq> Iterator for Nonzeros<'_, T> {
    type Item = Result<Coo<T>>;

    fn next(&mut self) -> Option<Result<Coo<T>>> {
        let axis = self.axis;
        self.next_block().map(|r| r.map(|b| b.into_coo(axis)))
    }
}
