//! Per-row or per-column summary statistics of a layer (non-zero count, sum, mean,
//! population standard deviation, min, max), in f64: a view of the scan core's single
//! statistics engine ([`loomfile_scan::Matrix::stats`]: one parallel pass over the chunks,
//! per-tile moments merged with Chan's formula, so it agrees with numpy to ~1e-12 even for
//! large values close together).
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
//! use loomfile::Axis;
//! let f = LoomFile::open(&path)?;
//! let genes = f.stats("", Axis::Rows)?;
//! // Genes detected in at least 3 of the 3 cells:
//! let everywhere: Vec<usize> =
//!     (0..genes.nnz.len()).filter(|&i| genes.nnz[i] >= 3).collect();
//! assert_eq!(everywhere, [1, 2, 3]); // gene 0 has a zero
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::Result;
use crate::file::{Axis, LoomFile};

/// Statistics along one axis; vectors have one entry per row (or column).
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
/// use loomfile::Axis;
/// let f = LoomFile::open(&path)?;
/// let cells = f.stats("", Axis::Cols)?; // one entry per column
/// assert_eq!(cells.mean, [4.5, 5.5, 6.5]);
/// assert_eq!((cells.min[0], cells.max[0]), (0.0, 9.0));
/// assert!((cells.sd[0] - 11.25f64.sqrt()).abs() < 1e-12); // population sd of 0, 3, 6, 9
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisStats {
    /// Non-zero values.
    pub nnz: Vec<u64>,
    /// Sum.
    pub sum: Vec<f64>,
    /// Mean (NaN when the other axis is empty).
    pub mean: Vec<f64>,
    /// Population standard deviation (NaN when the other axis is empty).
    pub sd: Vec<f64>,
    /// Minimum (NaN when the other axis is empty).
    pub min: Vec<f64>,
    /// Maximum.
    pub max: Vec<f64>,
}

impl From<loomfile_scan::Stats> for AxisStats {
    fn from(s: loomfile_scan::Stats) -> AxisStats {
        AxisStats { mean: s.mean(), sd: s.sd(), nnz: s.nnz, sum: s.sum, min: s.min, max: s.max }
    }
}

impl LoomFile {
    /// Statistics of `layer` along `axis` (one entry per row for `Axis::Rows`), in one
    /// parallel pass over the layer's chunks in the caller's rayon pool.
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
    /// use loomfile::Axis;
    /// let f = LoomFile::open(&path)?;
    /// let s = f.stats("", Axis::Rows)?;
    /// assert_eq!(s.sum, [3.0, 12.0, 21.0, 30.0]);
    /// assert_eq!(s.max[3], 11.0);
    /// assert_eq!(f.stats("", Axis::Cols)?.nnz, [3, 4, 4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self, layer: &str, axis: Axis) -> Result<AxisStats> {
        let m = self.matrix(layer)?;
        let (rows, cols) = m.shape();
        self.check_area(&crate::layers::layer_path(layer), "statistics over", rows, cols)?;
        Ok(m.stats(axis)?.into())
    }
}
