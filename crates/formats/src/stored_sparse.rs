//! Compressed sparse matrices stored in HDF5 (`indptr`, `indices`, `data` datasets: the
//! matrices of 10x HDF5 files and AnnData's csr/csc elements), streamed into a loom layer
//! one chunk band at a time.
//!
//! Only the pointer array is held whole (one entry per compressed row or column). A band
//! of the layer (one chunk of rows or of columns) takes its entries from one contiguous
//! range of `indices` and `data`, read as hyperslabs when the band is written: memory is
//! one dense band plus that band's entries, never the non-zeros of the whole matrix.
//! Duplicate entries are added up; indices are checked against the inner axis.

use crate::ConvertOptions;
use crate::util::{Num, check_indptr, read_1d};
use loomfile::Batch;
use loomfile::error::{Error, Result};
use loomfile_hdf5::{Dataset, File, Selection};

/// A stored compressed matrix: `n_outer` compressed rows (or columns) of `n_inner` entries.
pub(crate) struct StoredSparse {
    group: String,
    indptr: Vec<u64>,
    indices: Dataset,
    data: Dataset,
    n_outer: u64,
    n_inner: u64,
}

impl StoredSparse {
    /// Open the matrix of `group` and check its pointer array and array lengths.
    pub fn open(f: &File, group: &str, n_outer: u64, n_inner: u64) -> Result<StoredSparse> {
        let ds = |m: &str| f.dataset(&format!("{group}/{m}"));
        let raw: Vec<i64> = read_1d(&ds("indptr")?)?;
        if raw.iter().any(|&p| p < 0) {
            return Err(Error::input(format!("{group}: negative entries in indptr")));
        }
        let indptr: Vec<u64> = raw.into_iter().map(|p| p as u64).collect();
        let (indices, data) = (ds("indices")?, ds("data")?);
        let len = |d: &Dataset| -> Result<u64> {
            match d.shape().as_deref() {
                Some([n]) => Ok(*n),
                s => Err(Error::input(format!("{}: expected 1-D, shape {s:?}", d.path()))),
            }
        };
        let (ni, nd) = (len(&indices)?, len(&data)?);
        if ni != nd {
            return Err(Error::input(format!("{group}: {ni} indices for {nd} values")));
        }
        check_indptr(&indptr, n_outer, ni, group)?;
        Ok(StoredSparse { group: group.to_string(), indptr, indices, data, n_outer, n_inner })
    }

    /// Write the matrix as layer `name` of `out`. `outer_is_cols`: the compressed axis is
    /// the loom columns (10x CSC, AnnData csr), else the rows (AnnData csc). `keep` renumbers
    /// the inner axis (old index -> new, `u64::MAX` = dropped). Returns the non-zeros written.
    pub fn stage<T: Num>(
        &self,
        out: &mut Batch<'_>,
        name: &str,
        outer_is_cols: bool,
        keep: Option<&[u64]>,
        opts: &ConvertOptions,
    ) -> Result<u64> {
        if let Some(k) = keep
            && k.len() as u64 != self.n_inner
        {
            return Err(Error::invalid("internal: keep map of the wrong length"));
        }
        let across =
            keep.map_or(self.n_inner, |k| k.iter().filter(|&&r| r != u64::MAX).count() as u64);
        let (rows, cols) =
            if outer_is_cols { (across, self.n_outer) } else { (self.n_outer, across) };
        let mut nnz = 0u64;
        let mut win = Window::new(&self.indices, &self.data);
        let fill = |s: u64, n: u64, band: &mut Vec<T>| -> Result<()> {
            band.resize((n * across) as usize, T::default());
            let (lo, hi) = (self.indptr[s as usize], self.indptr[(s + n) as usize]);
            let (idx, val) = win.range(lo, hi)?;
            for j in 0..n as usize {
                let a = (self.indptr[s as usize + j] - lo) as usize;
                let b = (self.indptr[s as usize + j + 1] - lo) as usize;
                let line = &mut band[j * across as usize..(j + 1) * across as usize];
                for k in a..b {
                    let i = idx[k];
                    if i < 0 || i as u64 >= self.n_inner {
                        return Err(Error::input(format!(
                            "{}: index {i} outside 0..{}",
                            self.group, self.n_inner
                        )));
                    }
                    let r = keep.map_or(i as u64, |m| m[i as usize]);
                    if r != u64::MAX {
                        line[r as usize] = line[r as usize] + val[k];
                    }
                }
            }
            nnz += band.iter().filter(|x| !x.is_zero()).count() as u64;
            opts.advance(n);
            Ok(())
        };
        let what = if name.is_empty() { "writing matrix" } else { "writing layer" };
        opts.begin(what, Some(self.n_outer));
        let lo = opts.layer_options();
        let r = if outer_is_cols {
            out.write_layer_cols::<T>(name, rows, cols, &lo, fill)
        } else {
            out.write_layer_rows::<T>(name, rows, cols, &lo, fill)
        };
        opts.end();
        r.map(|()| nnz)
    }
}

/// A sliding window over `indices` and `data`: the bands ask for consecutive ranges, and the
/// window reads past each range's end up to a chunk boundary of the arrays, keeping the part
/// the next band needs, so that every stored chunk is decoded once.
struct Window<'a, T> {
    indices: &'a Dataset,
    data: &'a Dataset,
    /// Element that `idx[0]` and `val[0]` hold.
    start: u64,
    idx: Vec<i64>,
    val: Vec<T>,
    /// Read ends are rounded up to a multiple of this (the arrays' common chunk length).
    align: u64,
    len: u64,
}

impl<'a, T: Num> Window<'a, T> {
    fn new(indices: &'a Dataset, data: &'a Dataset) -> Self {
        let chunk = |d: &Dataset| d.chunk_shape().and_then(|c| c.first().copied()).unwrap_or(1);
        let (a, b) = (chunk(indices).max(1), chunk(data).max(1));
        // Their least common multiple when modest, else the larger (a few chunks of the
        // other array then decode twice).
        let (mut x, mut y) = (a, b);
        while y != 0 {
            (x, y) = (y, x % y);
        }
        let lcm = a / x * b;
        let align = if lcm <= 1 << 22 { lcm } else { a.max(b) };
        let len = indices.shape().and_then(|s| s.first().copied()).unwrap_or(0);
        Window { indices, data, start: 0, idx: Vec::new(), val: Vec::new(), align, len }
    }

    /// Entries `lo..hi` (`lo` never goes back).
    fn range(&mut self, lo: u64, hi: u64) -> Result<(&[i64], &[T])> {
        let end = self.start + self.idx.len() as u64;
        if lo < self.start || lo > end {
            // Not contiguous with what is held: start over at `lo`.
            self.start = lo;
            self.idx.clear();
            self.val.clear();
        } else {
            let drop = (lo - self.start) as usize;
            self.idx.drain(..drop);
            self.val.drain(..drop);
            self.start = lo;
        }
        let end = self.start + self.idx.len() as u64;
        if hi > end {
            let to = hi.div_ceil(self.align).saturating_mul(self.align).min(self.len).max(hi);
            let sel = [Selection::Range(end, to)];
            self.idx.extend(self.indices.read_selection::<i64>(&sel)?);
            self.val.extend(self.data.read_selection::<T>(&sel)?);
        }
        let n = (hi - lo) as usize;
        Ok((&self.idx[..n], &self.val[..n]))
    }
}
