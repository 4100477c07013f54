//! The seam between loom semantics and matrix decoding: every layer read goes through a
//! `loomfile_scan::Matrix` (chunk index planned once per layer and cached until the next
//! commit; chunks decoded in parallel), plus non-zero extraction and element re-typing.
//!
//! # Examples
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
//! # let contents = Contents {
//! #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
//! #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
//! #     file_attrs: vec![("title", Values::from("demo"))],
//! # };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! let f = LoomFile::open(&path)?;
//! let a = f.matrix("")?;
//! let b = f.matrix("")?; // planned once, shared until the next commit
//! assert!(std::sync::Arc::ptr_eq(&a, &b));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::Result;
use crate::file::LoomFile;
use crate::sparse::Coo;
use loomfile_hdf5::{H5Type, Selection};
use loomfile_scan::Matrix;
use std::sync::Arc;

impl LoomFile {
    /// The planned matrix of a layer (cached until the next commit).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// use loomfile::Selection;
    /// let f = LoomFile::open(&path)?;
    /// let m = f.matrix("")?;
    /// assert_eq!(m.shape(), (4, 3));
    /// assert_eq!(m.read::<f32>(&Selection::Range(1, 2), &Selection::All)?, [3.0, 4.0, 5.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matrix(&self, name: &str) -> Result<Arc<Matrix>> {
        if let Ok(cache) = self.matrices.lock()
            && let Some(m) = cache.get(name)
        {
            return Ok(m.clone());
        }
        let d = self.layer_dataset(name)?;
        let m = Arc::new(Matrix::new(&d)?);
        if let Ok(mut cache) = self.matrices.lock() {
            cache.insert(name.to_string(), m.clone());
        }
        Ok(m)
    }
}

/// The non-zero entries of a selection, as COO relative to the selection (row-major order).
/// The whole matrix goes through the scan core's CSR extraction (bands decoded in
/// parallel), then the CSR rows are spread into row indices in parallel; selections are
/// read band by band.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::{Selection, reader::nonzeros};
/// let f = LoomFile::open(&path)?;
/// let m = f.matrix("")?;
/// let first_col = nonzeros::<f32>(&m, &Selection::All, &Selection::Range(0, 1))?;
/// assert_eq!((first_col.row, first_col.data), (vec![1, 2, 3], vec![3.0, 6.0, 9.0]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn nonzeros<T: H5Type + PartialEq>(
    m: &Matrix,
    rows: &Selection,
    cols: &Selection,
) -> Result<Coo<T>> {
    let (n, ncols) = m.shape();
    if *rows == Selection::All && *cols == Selection::All {
        let coo = m.to_coo::<T>()?;
        return Ok(Coo { rows: n, cols: ncols, row: coo.rows, col: coo.cols, data: coo.values });
    }
    let ri = rows.indices_within(n, &m.dataset().file().source().limits)?;
    let nc = cols.len(ncols);
    let zero = T::default();
    let mut coo = Coo { rows: ri.len() as u64, cols: nc, ..Coo::default() };
    // One band of rows at a time keeps memory at band x columns.
    for (b, band) in ri.chunks(256).enumerate() {
        let v = m.read::<T>(&crate::view::compact(band, n), cols)?;
        for (i, row) in v.chunks(nc.max(1) as usize).enumerate() {
            for (j, &x) in row.iter().enumerate() {
                if x != zero {
                    coo.row.push((b * 256 + i) as u64);
                    coo.col.push(j as u64);
                    coo.data.push(x);
                }
            }
        }
    }
    Ok(coo)
}
