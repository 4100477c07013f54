//! Layers: the main matrix (named `""`, stored at `/matrix`) and named layers under
//! `/layers`. Reads take any selection on both axes at once (ranges, index lists in any order
//! with repeats, boolean masks); writes take dense arrays, sparse matrices (never densified
//! as a whole: two bands of one chunk row, at most ~32 MiB each, at a time) or a dtype for
//! an empty layer. Layers are written as loompy 3.0.8 writes them: chunks
//! `(min(64, N), min(64, M))`, gzip 2, maxshape `(N, unlimited)`, fill 0, except that
//! all-zero chunks are not stored (they read as the fill value, 0, in every HDF5 reader).
//!
//! # Examples
//!
//! ```
//! use loomfile::{Contents, LayerData, LoomFile, Sel, ndarray::array};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("layers.loom");
//! let main = array![[1.0f32, 0.0], [0.0, 2.0]];
//! LoomFile::create(&path, LayerData::Dense(main.view()), &Contents::default())?;
//! let mut f = LoomFile::open_rw(&path)?;
//! f.set_layer("spliced", LayerData::Dense(array![[1u16, 0], [0, 1]].view()))?;
//! assert_eq!(f.layer_names(), ["", "spliced"]);
//! let col = f.read_layer::<f64>("", &Sel::All, &Sel::from(1u64))?; // ds[:, 1:2]
//! assert_eq!(col, array![[0.0], [2.0]]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::attrs::check_name;
use crate::error::{Error, Result};
use crate::file::LoomFile;
use crate::ops::region::{Target, band_cols, write_region};
use crate::sparse::{Coo, Csc, Csr};
use crate::spec::layer_chunks;
use crate::timestamp;
use crate::values::NumType;
use loomfile_hdf5::Layout;
use loomfile_hdf5::{DatasetSpec, H5Type, Selection};
use ndarray::{Array2, ArrayView2};

/// A selection along one axis.
///
/// # Examples
///
/// ```
/// use loomfile::Sel;
/// // Each variant, and the `From` conversion that builds it:
/// assert_eq!(Sel::from(..), Sel::All);
/// assert_eq!(Sel::from(2..5), Sel::Range(2, 5));
/// assert_eq!(Sel::from(7u64), Sel::Range(7, 8)); // one index
/// assert_eq!(Sel::from(vec![4, 0, 4]), Sel::Index(vec![4, 0, 4]));
/// assert_eq!(Sel::from(vec![true, false, true]), Sel::Mask(vec![true, false, true]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Sel {
    /// Everything.
    #[default]
    All,
    /// `start..end`.
    Range(u64, u64),
    /// These indices, in this order (repeats allowed).
    Index(Vec<u64>),
    /// A boolean mask over the axis.
    Mask(Vec<bool>),
}

impl Sel {
    /// As an HDF5 selection along an axis of length `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Sel, Selection};
    /// assert_eq!(Sel::from(vec![false, true]).to_hdf5(2)?, Selection::Index(vec![1]));
    /// assert_eq!(Sel::from(1..2).to_hdf5(2)?, Selection::Range(1, 2));
    /// assert!(Sel::from(vec![true]).to_hdf5(2).is_err()); // a mask must cover the axis
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn to_hdf5(&self, n: u64) -> Result<Selection> {
        Ok(match self {
            Sel::All => Selection::All,
            Sel::Range(a, b) => Selection::Range(*a, *b),
            Sel::Index(v) => Selection::Index(v.clone()),
            Sel::Mask(m) => {
                if m.len() as u64 != n {
                    return Err(Error::invalid(format!(
                        "mask of length {} for an axis of length {n}",
                        m.len()
                    )));
                }
                Selection::Index(
                    m.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i as u64).collect(),
                )
            }
        })
    }

    /// How many indices the selection picks along an axis of length `n` (no allocation).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Sel;
    /// assert_eq!(Sel::All.count(10), 10);
    /// assert_eq!(Sel::from(2..5).count(10), 3);
    /// assert_eq!(Sel::from(vec![9, 9]).count(10), 2);
    /// assert_eq!(Sel::from(vec![true, false, true]).count(3), 2);
    /// ```
    pub fn count(&self, n: u64) -> u64 {
        match self {
            Sel::All => n,
            Sel::Range(a, b) => b.saturating_sub(*a),
            Sel::Index(v) => v.len() as u64,
            Sel::Mask(m) => m.iter().filter(|b| **b).count() as u64,
        }
    }

    /// The selected indices along an axis of length `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Sel;
    /// assert_eq!(Sel::All.indices(3)?, [0, 1, 2]);
    /// assert_eq!(Sel::from(vec![false, true, true]).indices(3)?, [1, 2]);
    /// assert!(Sel::from(vec![5]).indices(3).is_err()); // out of range
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn indices(&self, n: u64) -> Result<Vec<u64>> {
        Ok(self.to_hdf5(n)?.indices(n)?)
    }

    /// [`Sel::indices`] against a file's own limits (its work budget, [`LoomFile::limits`])
    /// rather than the process-wide default.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Limits, Sel};
    /// let tight = Limits { max_elements: 2, ..Limits::default() };
    /// assert_eq!(Sel::Range(1, 3).indices_within(5, &tight)?, [1, 2]);
    /// assert!(Sel::All.indices_within(5, &tight).is_err()); // 5 indices, over the budget
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn indices_within(&self, n: u64, limits: &crate::hdf5::Limits) -> Result<Vec<u64>> {
        Ok(self.to_hdf5(n)?.indices_within(n, limits)?)
    }
}

/// Facts about one layer, for `loom info`.
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
/// let f = LoomFile::open(&path)?;
/// let info = f.layer_info("")?;
/// assert_eq!((info.name.as_str(), info.dtype.as_str()), ("", "float32"));
/// assert!(info.stored_bytes > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerInfo {
    /// Layer name (`""` for the main matrix).
    pub name: String,
    /// Element type word ("float32", ...).
    pub dtype: String,
    /// Chunk shape, if chunked.
    pub chunks: Option<Vec<u64>>,
    /// `gzip:LEVEL`, `lzf`, ..., or `None` when unfiltered.
    pub compression: Option<String>,
    /// Bytes stored.
    pub stored_bytes: u64,
}

/// A layer's metadata: [`LayerInfo`] without the size, and the dataset to measure it.
pub(crate) struct LayerMeta {
    pub(crate) dtype: String,
    pub(crate) chunks: Option<Vec<u64>>,
    pub(crate) compression: Option<String>,
    pub(crate) dataset: loomfile_hdf5::Dataset,
}

/// How a layer is stored: chunk shape (clipped to the matrix) and gzip level. The default is
/// what loompy writes: chunks `(64, 64)`, gzip 2.
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
/// use loomfile::LayerOptions;
/// let mut f = LoomFile::open_rw(&path)?;
/// let opts = LayerOptions { chunks: (2, 2), gzip: None };
/// f.set_layer_with("raw", LayerData::Dense(m.view()), &opts)?;
/// let info = f.layer_info("raw")?;
/// assert_eq!((info.chunks, info.compression), (Some(vec![2, 2]), None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerOptions {
    /// Chunk shape (rows, columns); each side is clipped to the matrix (at least 1).
    pub chunks: (u64, u64),
    /// Deflate level 1-9, or `None` for uncompressed chunks.
    pub gzip: Option<u32>,
}

impl Default for LayerOptions {
    fn default() -> Self {
        LayerOptions { chunks: (64, 64), gzip: Some(2) }
    }
}

impl LayerOptions {
    /// Check the values (non-zero chunk sides, level 1-9).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::LayerOptions;
    /// assert!(LayerOptions::default().check().is_ok());
    /// assert!(LayerOptions { gzip: Some(10), ..Default::default() }.check().is_err());
    /// assert!(LayerOptions { chunks: (0, 64), gzip: None }.check().is_err());
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.chunks.0 == 0 || self.chunks.1 == 0 {
            return Err(Error::invalid("chunk sides must be at least 1"));
        }
        if let Some(l) = self.gzip
            && !(1..=9).contains(&l)
        {
            return Err(Error::invalid(format!("gzip level {l} is not in 1..9")));
        }
        Ok(())
    }

    /// The dataset spec of a layer of `rows` x `cols` elements of `dtype`: maxshape
    /// `(rows, unlimited)`, fill 0, as loompy writes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LayerOptions, NumType, hdf5::LayoutSpec};
    /// let spec = LayerOptions::default().spec(NumType::Float32, 100, 10);
    /// assert_eq!(spec.shape, [100, 10]);
    /// assert_eq!(spec.layout, LayoutSpec::Chunked(vec![64, 10])); // clipped to the matrix
    /// assert_eq!(spec.max_shape, Some(vec![Some(100), None])); // columns can grow
    /// ```
    pub fn spec(&self, dtype: NumType, rows: u64, cols: u64) -> DatasetSpec {
        let (cr, cc) = self.chunks;
        let spec = DatasetSpec::chunked(
            dtype.datatype(),
            &[rows, cols],
            &[rows.clamp(1, cr.max(1)), cols.clamp(1, cc.max(1))],
        )
        .max_shape(&[Some(rows), None]);
        match self.gzip {
            Some(l) => spec.gzip(l),
            None => spec,
        }
    }
}

/// Data to store as a layer.
///
/// # Examples
///
/// ```
/// use loomfile::{Contents, Coo, LayerData, LoomFile, Sel, ndarray::array};
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("dense.loom"), dir.path().join("sparse.loom"));
/// let dense = array![[0.0f32, 1.5], [2.0, 0.0]];
/// let coo =
///     Coo { rows: 2, cols: 2, row: vec![0, 1], col: vec![1, 0], data: vec![1.5f32, 2.0] };
/// LoomFile::create(&a, LayerData::Dense(dense.view()), &Contents::default())?;
/// LoomFile::create(&b, LayerData::Sparse(&coo.to_csr()?), &Contents::default())?;
/// let read = |p| LoomFile::open(p)?.read_layer::<f32>("", &Sel::All, &Sel::All);
/// assert_eq!(read(&a)?, read(&b)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub enum LayerData<'a, T> {
    /// A dense matrix.
    Dense(ArrayView2<'a, T>),
    /// A sparse matrix (rows compressed).
    Sparse(&'a Csr<T>),
    /// A sparse matrix (columns compressed: scipy's `csc_matrix`, 10x Genomics' HDF5
    /// matrices). Written band by band as it is when the rows of every column are sorted
    /// ([`Csc::has_sorted_indices`]); otherwise converted to CSR first (one copy).
    SparseCsc(&'a Csc<T>),
}

impl<T> LayerData<'_, T> {
    /// The matrix's shape (rows, columns).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Csc, LayerData, ndarray::Array2};
    /// let dense = Array2::<f32>::zeros((3, 2));
    /// assert_eq!(LayerData::Dense(dense.view()).shape(), (3, 2));
    /// let csc = Csc::<f32> { rows: 4, cols: 1, indptr: vec![0, 0], ..Default::default() };
    /// assert_eq!(LayerData::SparseCsc(&csc).shape(), (4, 1));
    /// ```
    pub fn shape(&self) -> (u64, u64) {
        match self {
            LayerData::Dense(a) => (a.nrows() as u64, a.ncols() as u64),
            LayerData::Sparse(s) => (s.rows, s.cols),
            LayerData::SparseCsc(s) => (s.rows, s.cols),
        }
    }
}

/// The HDF5 path of a layer (`""` is the main matrix, `/matrix`).
///
/// # Examples
///
/// ```
/// use loomfile::layer_path;
/// assert_eq!(layer_path(""), "/matrix");
/// assert_eq!(layer_path("spliced"), "/layers/spliced");
/// ```
pub fn layer_path(name: &str) -> String {
    if name.is_empty() { "/matrix".to_string() } else { format!("/layers/{name}") }
}

impl LoomFile {
    /// Layer names: `""` (the main matrix) first when it exists, then `/layers` sorted.
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
    /// use loomfile::NumType;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_layer_empty("unspliced", NumType::UInt32)?;
    /// f.set_layer_empty("spliced", NumType::UInt32)?;
    /// assert_eq!(f.layer_names(), ["", "spliced", "unspliced"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layer_names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.exists("/matrix") {
            v.push(String::new());
        }
        v.extend(self.catalog().layers.iter().cloned());
        v
    }

    /// The HDF5 dataset of a layer.
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
    /// let f = LoomFile::open(&path)?;
    /// let d = f.layer_dataset("")?;
    /// assert_eq!((d.path(), d.shape()), ("/matrix", Some(vec![4, 3])));
    /// assert!(f.layer_dataset("spliced").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layer_dataset(&self, name: &str) -> Result<loomfile_hdf5::Dataset> {
        let p = layer_path(name);
        if !self.exists(&p) {
            return Err(Error::Missing { kind: "layer", name: name.to_string() });
        }
        self.dataset(&p)
    }

    /// Element type of a layer.
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
    /// use loomfile::NumType;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.layer_dtype("")?, NumType::Float32);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layer_dtype(&self, name: &str) -> Result<NumType> {
        let d = self.layer_dataset(name)?;
        NumType::of(d.dtype())
            .ok_or_else(|| Error::invalid(format!("layer {name:?} is not numeric")))
    }

    /// Facts about a layer.
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
    /// let f = LoomFile::open(&path)?;
    /// let info = f.layer_info("")?;
    /// assert_eq!(info.dtype, "float32");
    /// assert_eq!(info.chunks, Some(vec![4, 3])); // loompy's 64 x 64, clipped to 4 x 3
    /// assert_eq!(info.compression.as_deref(), Some("gzip:2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layer_info(&self, name: &str) -> Result<LayerInfo> {
        let m = self.layer_meta(name)?;
        Ok(LayerInfo {
            name: name.to_string(),
            stored_bytes: m.dataset.storage_size()?,
            dtype: m.dtype,
            chunks: m.chunks,
            compression: m.compression,
        })
    }

    /// What [`LoomFile::layer_info`] tells from the layer's metadata alone (its size sums
    /// every chunk's entry, so it is left to the caller).
    pub(crate) fn layer_meta(&self, name: &str) -> Result<LayerMeta> {
        let d = self.layer_dataset(name)?;
        let chunks = match d.layout() {
            Layout::Chunked { chunk, .. } => Some(chunk.clone()),
            _ => None,
        };
        let compression = d.pipeline().filters.iter().find_map(|f| match f.id {
            1 => Some(format!("gzip:{}", f.params.first().copied().unwrap_or(0))),
            2 | 3 => None,
            _ => Some(f.label()),
        });
        Ok(LayerMeta {
            dtype: NumType::of(d.dtype())
                .map(|t| t.name().to_string())
                .unwrap_or_else(|| "other".into()),
            chunks,
            compression,
            dataset: d,
        })
    }

    /// Read a selection of a layer, converted to `T`.
    ///
    /// The conversion is HDF5's (what h5py's `ds.astype(...)` does): integers saturate,
    /// floats read as integers truncate toward zero (NaN reads as 0). A float layer read as
    /// integers therefore loses its fractions silently; [`LoomFile::read_layer_native`]
    /// reads in the stored type, and [`LoomFile::layer_dtype`] tells which `T` is exact.
    /// Writes follow the stricter rule of [`LoomFile::write_layer_block`].
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
    /// use loomfile::Sel;
    /// let f = LoomFile::open(&path)?;
    /// let block = f.read_layer::<f32>("", &Sel::from(1..3), &Sel::from(vec![2, 0]))?;
    /// assert_eq!(block, loomfile::ndarray::array![[5.0, 3.0], [8.0, 6.0]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_layer<T: H5Type>(&self, name: &str, rows: &Sel, cols: &Sel) -> Result<Array2<T>> {
        let matrix = self.matrix(name)?;
        let (n, m) = self.shape;
        let r = rows.to_hdf5(n)?;
        let c = cols.to_hdf5(m)?;
        let (nr, nc) = (r.len(n), c.len(m));
        self.check_area(&layer_path(name), "a read of", nr, nc)?;
        let v = matrix.read::<T>(&r, &c)?;
        Array2::from_shape_vec((nr as usize, nc as usize), v)
            .map_err(|e| Error::invalid(e.to_string()))
    }

    /// Read a selection of a layer into `out` (exactly the selection's shape, standard
    /// layout), converted to `T`: decoding straight into the caller's memory. Reusing
    /// `out` saves page-faulting a fresh result, which costs about as much as inflating
    /// it; every element is overwritten.
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
    /// use loomfile::Sel;
    /// let f = LoomFile::open(&path)?;
    /// let mut band = Array2::<f64>::zeros((2, 3));
    /// let mut totals = Vec::new();
    /// for start in [0, 2] {
    ///     // Two rows at a time, decoded into the same memory.
    ///     let rows = Sel::from(start..start + 2);
    ///     f.read_layer_into("", &rows, &Sel::All, &mut band.view_mut())?;
    ///     totals.push(band.sum());
    /// }
    /// assert_eq!(totals, [15.0, 51.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_layer_into<T: H5Type>(
        &self,
        name: &str,
        rows: &Sel,
        cols: &Sel,
        out: &mut ndarray::ArrayViewMut2<'_, T>,
    ) -> Result<()> {
        let matrix = self.matrix(name)?;
        let (n, m) = self.shape;
        let r = rows.to_hdf5(n)?;
        let c = cols.to_hdf5(m)?;
        self.check_area(&layer_path(name), "a read of", r.len(n), c.len(m))?;
        let want = (r.len(n) as usize, c.len(m) as usize);
        if out.dim() != want {
            return Err(Error::Shape {
                what: format!("output for a selection of layer {name:?}"),
                expected: vec![want.0 as u64, want.1 as u64],
                got: vec![out.nrows() as u64, out.ncols() as u64],
            });
        }
        let slice = out
            .as_slice_mut()
            .ok_or_else(|| Error::invalid("the output array must be in standard (C) layout"))?;
        matrix.read_into::<T>(&r, &c, slice)?;
        Ok(())
    }

    /// Store a whole layer (replacing it). Name `""` is the main matrix: it may set the
    /// shape of a new file; otherwise the shape must equal the file's shape.
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
    /// use loomfile::Sel;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// let counts = Array2::from_shape_fn((4, 3), |(i, j)| (i + j) as u32);
    /// f.set_layer("counts", LayerData::Dense(counts.view()))?;
    /// assert_eq!(f.read_layer::<u32>("counts", &Sel::All, &Sel::All)?, counts);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_layer<T: H5Type>(&mut self, name: &str, data: LayerData<'_, T>) -> Result<()> {
        self.stage_layer(name, data)?;
        self.commit()
    }

    /// [`LoomFile::set_layer`] with a chunk shape and compression other than loompy's.
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
    /// use loomfile::{LayerOptions, Sel};
    /// let mut f = LoomFile::open_rw(&path)?;
    /// // Whole rows per chunk, strongest compression.
    /// let opts = LayerOptions { chunks: (1, 1024), gzip: Some(9) };
    /// f.set_layer_with("rowwise", LayerData::Dense(m.view()), &opts)?;
    /// assert_eq!(f.layer_info("rowwise")?.chunks, Some(vec![1, 3]));
    /// assert_eq!(f.read_layer::<f32>("rowwise", &Sel::All, &Sel::All)?, m);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_layer_with<T: H5Type>(
        &mut self,
        name: &str,
        data: LayerData<'_, T>,
        opts: &LayerOptions,
    ) -> Result<()> {
        opts.check()?;
        self.stage_layer_with(name, data, opts)?;
        self.commit()
    }

    /// Store an empty layer of `dtype` (no chunks written; reads as zeros).
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
    /// use loomfile::{NumType, Sel};
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_layer_empty("pending", NumType::UInt16)?;
    /// assert_eq!(f.layer_dtype("pending")?, NumType::UInt16);
    /// assert_eq!(f.read_layer::<u16>("pending", &Sel::All, &Sel::All)?.sum(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_layer_empty(&mut self, name: &str, dtype: NumType) -> Result<()> {
        if !name.is_empty() {
            check_name(name)?;
        }
        let (n, m) = self.shape;
        if n == 0 && m == 0 {
            return Err(Error::invalid(
                "an empty layer needs the main matrix first (the shape is unknown)",
            ));
        }
        let path = layer_path(name);
        let w = self.writer()?;
        w.require_group("/layers")?;
        if w.exists(&path) {
            w.delete(&path)?;
        }
        w.create_dataset(&path, layer_spec(dtype, n, m))?;
        self.commit()
    }

    pub(crate) fn stage_layer<T: H5Type>(
        &mut self,
        name: &str,
        data: LayerData<'_, T>,
    ) -> Result<()> {
        self.stage_layer_with(name, data, &LayerOptions::default())
    }

    pub(crate) fn stage_layer_with<T: H5Type>(
        &mut self,
        name: &str,
        data: LayerData<'_, T>,
        opts: &LayerOptions,
    ) -> Result<()> {
        if !name.is_empty() {
            check_name(name)?;
        }
        if let LayerData::Sparse(s) = &data {
            s.check()?;
        }
        if let LayerData::SparseCsc(s) = &data {
            s.check()?;
            if !s.has_sorted_indices() {
                return self.stage_layer_with(name, LayerData::Sparse(&s.to_csr()?), opts);
            }
        }
        let (r, c) = data.shape();
        let new_file = self.shape == (0, 0) || (name.is_empty() && !self.exists("/matrix"));
        if !new_file && (r, c) != self.shape {
            return Err(Error::Shape {
                what: format!("layer {name:?}"),
                expected: vec![self.shape.0, self.shape.1],
                got: vec![r, c],
            });
        }
        if !name.is_empty() && !self.exists("/matrix") {
            return Err(Error::invalid("write the main matrix (layer \"\") before other layers"));
        }
        // loompy refuses NaN/Inf in dense layers; we store them faithfully (HDF5 can).
        let dtype =
            NumType::of(&T::datatype()).ok_or_else(|| Error::invalid("layers must be numeric"))?;
        let path = layer_path(name);
        let w = self.writer()?;
        w.require_group("/layers")?;
        if w.exists(&path) {
            w.delete(&path)?;
        }
        w.create_dataset(&path, opts.spec(dtype, r, c))?;
        // Bands of one chunk row (split into about 32 MiB pieces when very wide), the next
        // filled while the last one is encoded; all-zero chunks are left unstored (they read
        // as the fill value 0).
        let t = Target::of(w, &path, true)?;
        let es = t.enc.size();
        let band = (t.chunk.0, band_cols(&t, t.chunk.0));
        match data {
            LayerData::Dense(a) => {
                write_region(w, &t, (0, r), (0, c), band, |r0, h, c0, wd, out| {
                    for i in r0..r0 + h {
                        let row = a.row(i as usize);
                        for j in c0..c0 + wd {
                            row[j as usize].write_le(out);
                        }
                    }
                    Ok(())
                })?
            }
            LayerData::Sparse(s) => {
                write_region(w, &t, (0, r), (0, c), band, |r0, h, c0, wd, out| {
                    let base = out.len();
                    out.resize(base + (h * wd) as usize * es, 0);
                    // alloc: es <= 16, a number type's size
                    let mut one = Vec::with_capacity(es);
                    for i in 0..h {
                        let row = (r0 + i) as usize;
                        for k in s.indptr[row] as usize..s.indptr[row + 1] as usize {
                            let j = s.indices[k];
                            if (c0..c0 + wd).contains(&j) {
                                one.clear();
                                s.data[k].write_le(&mut one);
                                let at = base + ((i * wd + j - c0) as usize) * es;
                                out[at..at + es].copy_from_slice(&one);
                            }
                        }
                    }
                    Ok(())
                })?
            }
            // Rows sorted in every column (checked above): a binary search per column.
            LayerData::SparseCsc(s) => {
                write_region(w, &t, (0, r), (0, c), band, |r0, h, c0, wd, out| {
                    let base = out.len();
                    out.resize(base + (h * wd) as usize * es, 0);
                    // alloc: es <= 16, a number type's size
                    let mut one = Vec::with_capacity(es);
                    for j in c0..c0 + wd {
                        for k in s.sorted_rows_in(j as usize, (r0, r0 + h)) {
                            one.clear();
                            s.data[k].write_le(&mut one);
                            let at = base + (((s.indices[k] - r0) * wd + j - c0) as usize) * es;
                            out[at..at + es].copy_from_slice(&one);
                        }
                    }
                    Ok(())
                })?
            }
        }
        if name.is_empty() {
            self.shape = (r, c);
        }
        Ok(())
    }

    /// Assign to a block of a layer (rows `r0..r1`, columns `c0..c1`); stamps
    /// `last_modified` on the layer and the root like loompy.
    ///
    /// Values are stored in the layer's own type by the rule every write follows: into an
    /// integer layer exactly or not at all (0.5, NaN or a value out of range is an error
    /// naming the layer, and nothing is written); into a float layer rounded as numpy does.
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
    /// use loomfile::{NumType, Sel, ndarray::array};
    /// let mut f = LoomFile::open_rw(&path)?;
    /// // Rows 0..2, columns 1..3.
    /// f.write_layer_block("", (0, 2), (1, 3), array![[-1.0f32, -2.0], [-3.0, -4.0]].view())?;
    /// assert_eq!(f.read_row::<f32>("", 1, &Sel::All)?.to_vec(), [3.0, -3.0, -4.0]);
    /// // An integer layer takes integers exactly, or nothing:
    /// f.set_layer_empty("counts", NumType::Int32)?;
    /// let half = array![[0.5f64]];
    /// assert!(f.write_layer_block("counts", (0, 1), (0, 1), half.view()).is_err());
    /// f.write_layer_block("counts", (0, 1), (0, 1), array![[7.0f64]].view())?;
    /// assert_eq!(f.read_row::<i32>("counts", 0, &Sel::All)?.to_vec(), [7, 0, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_layer_block<T: H5Type>(
        &mut self,
        name: &str,
        rows: (u64, u64),
        cols: (u64, u64),
        data: ArrayView2<'_, T>,
    ) -> Result<()> {
        let path = layer_path(name);
        if !self.exists(&path) {
            return Err(Error::Missing { kind: "layer", name: name.to_string() });
        }
        let (n, m) = self.shape;
        if rows.0 > rows.1 || rows.1 > n || cols.0 > cols.1 || cols.1 > m {
            return Err(Error::invalid(format!(
                "block {rows:?} x {cols:?} outside the {n} x {m} matrix"
            )));
        }
        if (data.nrows() as u64, data.ncols() as u64) != (rows.1 - rows.0, cols.1 - cols.0) {
            return Err(Error::Shape {
                what: format!("block of layer {name:?}"),
                expected: vec![rows.1 - rows.0, cols.1 - cols.0],
                got: vec![data.nrows() as u64, data.ncols() as u64],
            });
        }
        use crate::numeric::{Encoding, reencode};
        let stored = self.layer_dtype(name)?;
        let from = Encoding::of(&T::datatype())
            .ok_or_else(|| Error::invalid(format!("block of layer {name:?}: not a number type")))?;
        // alloc: caller's data: data.len()
        let mut src = Vec::with_capacity(data.len() * from.size());
        for &x in data.iter() {
            x.write_le(&mut src);
        }
        let mut raw = Vec::new();
        reencode(&src, from, Encoding::le(stored), &mut raw, &|| {
            format!("block of layer {name:?}")
        })?;
        let ts = timestamp::now();
        let w = self.writer()?;
        w.write_raw(
            &path,
            &[Selection::Range(rows.0, rows.1), Selection::Range(cols.0, cols.1)],
            &raw,
        )?;
        self.stamp(&path, &ts)?;
        self.stamp("/", &ts)?;
        self.commit()
    }

    /// Delete a layer (not the main matrix).
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
    /// use loomfile::NumType;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_layer_empty("scratch", NumType::Float32)?;
    /// f.delete_layer("scratch")?;
    /// assert_eq!(f.layer_names(), [""]);
    /// assert!(f.delete_layer("").is_err()); // the main matrix stays
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_layer(&mut self, name: &str) -> Result<()> {
        if name.is_empty() {
            return Err(Error::invalid("the main matrix cannot be deleted"));
        }
        let p = layer_path(name);
        if !self.exists(&p) {
            return Err(Error::Missing { kind: "layer", name: name.to_string() });
        }
        self.writer()?.delete(&p)?;
        self.commit()
    }

    /// The non-zero entries of a selection of a layer as COO (indices relative to the
    /// selection, in the selection's order), without densifying the layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Contents, LayerData, LoomFile, Sel, ndarray::array};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("sparse.loom");
    /// let m = array![[0.0f32, 1.0, 0.0], [2.0, 0.0, 3.0]];
    /// LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
    /// let f = LoomFile::open(&path)?;
    /// let all = f.sparse::<f32>("", &Sel::All, &Sel::All)?;
    /// assert_eq!(
    ///     (all.row, all.col, all.data),
    ///     (vec![0, 1, 1], vec![1, 0, 2], vec![1.0, 2.0, 3.0])
    /// );
    /// // Indices count within the selection: column 2 comes first here.
    /// let some = f.sparse::<f32>("", &Sel::All, &Sel::from(vec![2, 1]))?;
    /// assert_eq!((some.col, some.data), (vec![1, 0], vec![1.0, 3.0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sparse<T: H5Type + PartialEq>(
        &self,
        name: &str,
        rows: &Sel,
        cols: &Sel,
    ) -> Result<Coo<T>> {
        let (n, m) = self.shape;
        crate::reader::nonzeros::<T>(&*self.matrix(name)?, &rows.to_hdf5(n)?, &cols.to_hdf5(m)?)
    }
}

/// The dataset spec of a loompy layer.
pub(crate) fn layer_spec(dtype: NumType, rows: u64, cols: u64) -> DatasetSpec {
    let [cr, cc] = layer_chunks(rows, cols);
    DatasetSpec::chunked(dtype.datatype(), &[rows, cols], &[cr, cc])
        .max_shape(&[Some(rows), None])
        .gzip(2)
}
