//! Scans: batches of rows or columns in the caller's order, each batch decoded in parallel
//! from the chunks it touches, one batch in memory at a time.

use crate::axis::Axis;
use crate::matrix::Matrix;
use crate::plan::AxisPlan;
use loomfile_hdf5::{Error, H5Type, Result, ResultExt, Selection};

/// What a scan visits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    /// Items (rows for [`Axis::Rows`], columns for [`Axis::Cols`]) to visit, yielded in this
    /// order, repeats allowed; `None` visits every item in order.
    pub items: Option<Vec<u64>>,
    /// Items per batch (at least 1; default 512, like loompy).
    pub batch_size: usize,
    /// Subset or reordering of the other axis (e.g. loompy's key order); default all.
    pub other: Selection,
    /// Largest batch in bytes (default [`DEFAULT_MAX_BATCH_BYTES`]; 0: no cap). A batch
    /// of `batch_size` items that would be larger holds fewer items, a whole number of
    /// chunk rows (columns) when possible so no chunk is decoded twice.
    pub max_batch_bytes: usize,
}

/// The default cap on one scan batch: 32 MiB. Wide matrices would otherwise make a batch of
/// 512 rows hundreds of MiB; at or below this size a batch the caller drops is recycled by
/// the allocator instead of being page-faulted afresh (glibc keeps freed blocks up to
/// 32 MiB on its heap), and scan memory stays bounded whatever the matrix's width.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 32 << 20;

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            items: None,
            batch_size: 512,
            other: Selection::All,
            max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
        }
    }
}

impl ScanOptions {
    /// Visit these items, in this order.
    pub fn items(mut self, items: Vec<u64>) -> Self {
        self.items = Some(items);
        self
    }

    /// Items per batch.
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }

    /// Select or reorder the other axis.
    pub fn other(mut self, sel: Selection) -> Self {
        self.other = sel;
        self
    }

    /// Cap a batch at this many bytes (0: no cap).
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.max_batch_bytes = bytes;
        self
    }
}

/// Items per batch: `want`, or fewer when `want` items of `item_bytes` each exceed `cap`
/// bytes (a multiple of `tile` items when at least one tile fits; at least one item).
fn batch_items(want: usize, item_bytes: usize, cap: usize, tile: usize) -> usize {
    let want = want.max(1);
    if cap == 0 || item_bytes == 0 || want.saturating_mul(item_bytes) <= cap {
        return want;
    }
    let fit = (cap / item_bytes).max(1);
    let tile = tile.max(1);
    if fit >= tile { fit / tile * tile } else { fit }
}

/// One batch of a scan.
///
/// `data` is row-major. Along [`Axis::Rows`] it is `items.len()` rows by `other` columns
/// (one row per item); along [`Axis::Cols`] it is `other` rows by `items.len()` columns (one
/// column per item), the orientation of `matrix[:, items]` in loompy.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch<T> {
    /// The scan axis.
    pub axis: Axis,
    /// Position of the batch's first item in the scan's item sequence.
    pub offset: usize,
    /// The items of this batch (row or column indices), in scan order.
    pub items: Vec<u64>,
    /// The values, row-major, shape [`Batch::shape`].
    pub data: Vec<T>,
    /// Length of the other axis selection.
    pub other_len: usize,
}

impl<T: H5Type> Batch<T> {
    /// (rows, columns) of `data`.
    pub fn shape(&self) -> (usize, usize) {
        match self.axis {
            Axis::Rows => (self.items.len(), self.other_len),
            Axis::Cols => (self.other_len, self.items.len()),
        }
    }

    /// The values of the `k`-th item of the batch, in `other` order.
    pub fn item(&self, k: usize) -> Vec<T> {
        match self.axis {
            Axis::Rows => self.data[k * self.other_len..(k + 1) * self.other_len].to_vec(),
            Axis::Cols => self.data.iter().skip(k).step_by(self.items.len()).copied().collect(),
        }
    }

    /// The data as a 2-D array of [`Batch::shape`].
    pub fn into_array(self) -> ndarray::Array2<T> {
        let shape = self.shape();
        // The shape is the data's by construction.
        ndarray::Array2::from_shape_vec(shape, self.data).expect("batch data matches its shape")
    }
}

/// A scan: an iterator of [`Batch`]es. Built by [`Matrix::scan`].
///
/// Each `next()` decodes one batch in parallel (in the calling thread's rayon pool) from the
/// chunks that batch touches, each chunk once per batch. Memory: the batch plus one worker
/// buffer set per thread, whatever the file size. Give batches back with
/// [`Scan::recycle`] to reuse their buffers.
pub struct Scan<'m, T> {
    m: &'m Matrix,
    axis: Axis,
    items: Option<Vec<u64>>,
    n_items: usize,
    batch: usize,
    next: usize,
    other: Option<AxisPlan>,
    error: Option<Error>,
    spare: Option<Vec<T>>,
}

impl<T> std::fmt::Debug for Scan<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("axis", &self.axis)
            .field("items", &self.n_items)
            .field("batch", &self.batch)
            .field("next", &self.next)
            .finish()
    }
}

impl Matrix {
    /// Scan along `axis` in batches (see [`ScanOptions`], [`Batch`]). An invalid option
    /// (item or `other` index out of range) is reported by the first `next()`.
    pub fn scan<T: H5Type>(&self, axis: Axis, opts: ScanOptions) -> Scan<'_, T> {
        let path = self.ds.path();
        let dim = self.len(axis);
        let mut error = None;
        let other_axis = axis.other();
        let other_len = opts.other.len(self.len(other_axis));
        let other = self
            .budget("bytes of one scan item", other_len, size_of::<T>())
            .and_then(|()| {
                AxisPlan::new(&opts.other, self.len(other_axis), self.tile(other_axis)).at(path)
            })
            .map_err(|e| error = Some(e))
            .ok();
        if let Some(bad) = opts.items.as_ref().and_then(|v| v.iter().find(|&&i| i >= dim)) {
            error.get_or_insert(
                Error::invalid(format!("item {bad} out of range for axis of length {dim}"))
                    .at(path),
            );
        }
        let n_items = match &opts.items {
            Some(v) => v.len(),
            None => usize::try_from(dim).unwrap_or(usize::MAX),
        };
        Scan {
            m: self,
            axis,
            items: opts.items,
            n_items,
            batch: batch_items(
                opts.batch_size,
                usize::try_from(other_len).unwrap_or(usize::MAX).saturating_mul(size_of::<T>()),
                opts.max_batch_bytes,
                usize::try_from(self.tile(axis)).unwrap_or(1),
            ),
            next: 0,
            other,
            error,
            spare: None,
        }
    }
}

impl<T: H5Type> Scan<'_, T> {
    /// Give a batch back: its buffer is reused for the next batch (saves allocating and
    /// page-faulting a fresh one per batch).
    pub fn recycle(&mut self, batch: Batch<T>) {
        if self.spare.as_ref().is_none_or(|s| s.capacity() < batch.data.capacity()) {
            self.spare = Some(batch.data);
        }
    }

    /// Number of batches not yet yielded.
    pub fn remaining(&self) -> usize {
        (self.n_items - self.next).div_ceil(self.batch)
    }

    fn produce(&mut self, other: &AxisPlan) -> Result<Batch<T>> {
        let m = self.m;
        let start = self.next;
        let end = (start + self.batch).min(self.n_items);
        self.next = end;
        let (items, sel) = match &self.items {
            Some(v) => (v[start..end].to_vec(), Selection::Index(v[start..end].to_vec())),
            None => {
                ((start as u64..end as u64).collect(), Selection::Range(start as u64, end as u64))
            }
        };
        let plan = AxisPlan::new(&sel, m.len(self.axis), m.tile(self.axis)).at(m.ds.path())?;
        let n = items.len() * other.len;
        let bytes = (n as u64).saturating_mul(size_of::<T>() as u64);
        if bytes > m.max_read {
            return Err(Error::limit("bytes to read", bytes, m.max_read).at(m.ds.path()));
        }
        // Every element is overwritten, so a recycled buffer needs no clearing (and a fresh
        // one comes zeroed from the allocator, unwritten).
        let mut data = match self.spare.take() {
            Some(mut d) => {
                d.resize(n, T::default());
                d
            }
            // alloc: n * size_of::<T>() <= max_read (checked above)
            None => vec![T::default(); n],
        };
        match self.axis {
            Axis::Rows => m.read_planned(&plan, other, &mut data, false)?,
            Axis::Cols => m.read_planned(other, &plan, &mut data, false)?,
        }
        Ok(Batch { axis: self.axis, offset: start, items, data, other_len: other.len })
    }
}

impl<T: H5Type> Iterator for Scan<'_, T> {
    type Item = Result<Batch<T>>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            self.next = self.n_items;
            return Some(Err(e));
        }
        if self.next >= self.n_items {
            return None;
        }
        let other = self.other.take()?;
        let r = self.produce(&other);
        self.other = Some(other);
        if r.is_err() {
            self.next = self.n_items;
        }
        Some(r)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.error.is_some() { 1 } else { self.remaining() };
        (n, Some(n))
    }
}
