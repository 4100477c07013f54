//! Layer reads without choosing an element type or an array library: a layer in its own
//! stored dtype ([`LayerArray`], no conversion at all), one row or one column as a 1-D array
//! (loompy's `ds[99, :]` and `ds[:, 99]`), and a plain `Vec<T>` with its shape for callers
//! that do not use ndarray.
//!
//! ```
//! use loomfile::{
//!     Contents, LayerArray, LayerData, LoomFile, NumType, Sel, ndarray::Array2,
//! };
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("typed.loom");
//! let m = Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as u16);
//! LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
//! let f = LoomFile::open(&path)?;
//! match f.read_layer_native("", &Sel::All, &Sel::All)? {
//!     LayerArray::UInt16(a) => assert_eq!(a, m),
//!     other => panic!("stored as uint16, got {:?}", other.dtype()),
//! }
//! assert_eq!(f.read_row::<u16>("", 2, &Sel::All)?.to_vec(), [4, 5]);
//! assert_eq!(f.read_col::<u16>("", 1, &Sel::All)?.to_vec(), [1, 3, 5]);
//! let (data, shape) = f.read_layer_vec::<f64>("", &Sel::from(1..3), &Sel::All)?;
//! assert_eq!((data, shape), (vec![2.0, 3.0, 4.0, 5.0], (2, 2)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::file::LoomFile;
use crate::layers::Sel;
use crate::values::NumType;
use loomfile_hdf5::H5Type;
use ndarray::{Array1, Array2, Axis as NdAxis};

/// A layer (or a selection of one) in the dtype it is stored in.
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
/// use loomfile::{LayerArray, Sel};
/// let f = LoomFile::open(&path)?;
/// let total = match f.read_layer_native("", &Sel::All, &Sel::All)? {
///     LayerArray::Float32(a) => a.sum() as f64,
///     LayerArray::UInt16(a) => a.mapv(f64::from).sum(),
///     other => other.to_f64().sum(),
/// };
/// assert_eq!(total, 66.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum LayerArray {
    /// int8.
    Int8(Array2<i8>),
    /// int16.
    Int16(Array2<i16>),
    /// int32.
    Int32(Array2<i32>),
    /// int64.
    Int64(Array2<i64>),
    /// uint8.
    UInt8(Array2<u8>),
    /// uint16.
    UInt16(Array2<u16>),
    /// uint32.
    UInt32(Array2<u32>),
    /// uint64.
    UInt64(Array2<u64>),
    /// float16, widened exactly to f32.
    Float16(Array2<f32>),
    /// float32.
    Float32(Array2<f32>),
    /// float64.
    Float64(Array2<f64>),
}

macro_rules! each_layer {
    ($v:expr, $a:ident => $e:expr) => {
        match $v {
            LayerArray::Int8($a) => $e,
            LayerArray::Int16($a) => $e,
            LayerArray::Int32($a) => $e,
            LayerArray::Int64($a) => $e,
            LayerArray::UInt8($a) => $e,
            LayerArray::UInt16($a) => $e,
            LayerArray::UInt32($a) => $e,
            LayerArray::UInt64($a) => $e,
            LayerArray::Float16($a) => $e,
            LayerArray::Float32($a) => $e,
            LayerArray::Float64($a) => $e,
        }
    };
}

impl LayerArray {
    /// The stored element type.
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
    /// let f = LoomFile::open(&path)?;
    /// let a = f.read_layer_native("", &Sel::All, &Sel::All)?;
    /// assert_eq!(a.dtype(), NumType::Float32);
    /// assert_eq!(a.dtype(), f.layer_dtype("")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dtype(&self) -> NumType {
        match self {
            LayerArray::Int8(_) => NumType::Int8,
            LayerArray::Int16(_) => NumType::Int16,
            LayerArray::Int32(_) => NumType::Int32,
            LayerArray::Int64(_) => NumType::Int64,
            LayerArray::UInt8(_) => NumType::UInt8,
            LayerArray::UInt16(_) => NumType::UInt16,
            LayerArray::UInt32(_) => NumType::UInt32,
            LayerArray::UInt64(_) => NumType::UInt64,
            LayerArray::Float16(_) => NumType::Float16,
            LayerArray::Float32(_) => NumType::Float32,
            LayerArray::Float64(_) => NumType::Float64,
        }
    }

    /// (rows, columns).
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
    /// assert_eq!(f.read_layer_native("", &Sel::from(1..3), &Sel::All)?.dim(), (2, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dim(&self) -> (usize, usize) {
        each_layer!(self, a => a.dim())
    }

    /// The values as f64 (exact except for 64-bit integers beyond 2^53, which round).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LayerArray, ndarray::array};
    /// let counts = LayerArray::UInt16(array![[1, 0], [0, 65535]]);
    /// assert_eq!(counts.to_f64(), array![[1.0, 0.0], [0.0, 65535.0]]);
    /// ```
    #[allow(clippy::unnecessary_cast, reason = "one arm per element type, f64 included")]
    pub fn to_f64(&self) -> Array2<f64> {
        each_layer!(self, a => a.mapv(|x| x as f64))
    }

    /// Each value as text, row by row (Rust's shortest round-trip form: `3`, `0.25`).
    pub(crate) fn texts(&self) -> Vec<Vec<String>> {
        each_layer!(self, a => a.rows().into_iter().map(|r| r.iter().map(|x| x.to_string()).collect()).collect())
    }
}

impl LoomFile {
    /// Read a selection of a layer in its stored dtype: nothing is converted, so nothing
    /// can be lost (unlike [`LoomFile::read_layer`] with a narrower `T`).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Contents, LayerArray, LayerData, LoomFile, Sel, ndarray::array};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("big.loom");
    /// let m = array![[16_777_217i64, 1]]; // 2^24 + 1: not a float32
    /// LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.read_layer_native("", &Sel::All, &Sel::All)?, LayerArray::Int64(m));
    /// assert_eq!(f.read_layer::<f32>("", &Sel::All, &Sel::All)?[[0, 0]], 16_777_216.0); // rounded
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_layer_native(&self, name: &str, rows: &Sel, cols: &Sel) -> Result<LayerArray> {
        Ok(match self.layer_dtype(name)? {
            NumType::Int8 => LayerArray::Int8(self.read_layer(name, rows, cols)?),
            NumType::Int16 => LayerArray::Int16(self.read_layer(name, rows, cols)?),
            NumType::Int32 => LayerArray::Int32(self.read_layer(name, rows, cols)?),
            NumType::Int64 => LayerArray::Int64(self.read_layer(name, rows, cols)?),
            NumType::UInt8 => LayerArray::UInt8(self.read_layer(name, rows, cols)?),
            NumType::UInt16 => LayerArray::UInt16(self.read_layer(name, rows, cols)?),
            NumType::UInt32 => LayerArray::UInt32(self.read_layer(name, rows, cols)?),
            NumType::UInt64 => LayerArray::UInt64(self.read_layer(name, rows, cols)?),
            NumType::Float16 => LayerArray::Float16(self.read_layer(name, rows, cols)?),
            NumType::Float32 => LayerArray::Float32(self.read_layer(name, rows, cols)?),
            NumType::Float64 => LayerArray::Float64(self.read_layer(name, rows, cols)?),
        })
    }

    /// Every layer (the main matrix `""` first, then `/layers` sorted), each in its stored
    /// dtype, for one selection: loompy's `ds.layers[:, cols]` as a collection. With
    /// [`LoomFile::attrs`] it is what another file's
    /// [`add_columns`](LoomFile::add_columns) or [`LoomFile::create_layers`] takes (through
    /// [`Block::from`](crate::Block)). Each layer is checked against the work budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Axis, Block, Contents, FillValues, LayerData, LoomFile, NumType, Sel, Values};
    /// use loomfile::ndarray::array;
    /// let dir = tempfile::tempdir()?;
    /// let (src, dst) = (dir.path().join("in.loom"), dir.path().join("out.loom"));
    /// let m = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    /// let contents = Contents {
    ///     row_attrs: vec![("Gene", Values::from(vec!["g1", "g2"]))],
    ///     col_attrs: vec![("CellID", Values::from(vec!["a", "b", "c"]))],
    ///     ..Default::default()
    /// };
    /// LoomFile::create(&src, LayerData::Dense(m.view()), &contents)?;
    /// let mut f = LoomFile::open_rw(&src)?;
    /// f.set_layer("spliced", LayerData::Dense(array![[1u16, 0, 2], [0, 3, 0]].view()))?;
    ///
    /// // The walkthrough's `dsout.add_columns(dsin.layers, col_attrs=dsin.col_attrs,
    /// // row_attrs=dsin.row_attrs)` for the cells of one selection:
    /// let cells = [0usize, 2];
    /// let layers = f.read_layers(&Sel::All, &Sel::from(vec![0u64, 2]))?;
    /// let blocks: Vec<(&str, Block)> =
    ///     layers.iter().map(|(name, a)| (name.as_str(), Block::from(a))).collect();
    /// let mut col_attrs = f.attrs(Axis::Cols)?;
    /// for (_, v) in &mut col_attrs {
    ///     *v = v.select(&cells)?;
    /// }
    /// let row_attrs = f.attrs(Axis::Rows)?;
    /// fn borrow(v: &[(String, Values)]) -> Vec<(&str, Values)> {
    ///     v.iter().map(|(n, x)| (n.as_str(), x.clone())).collect()
    /// }
    /// let mut out = LoomFile::new(&dst, &[])?;
    /// out.add_columns(&blocks, &borrow(&col_attrs), &borrow(&row_attrs), &FillValues::Auto)?;
    /// out.close()?;
    ///
    /// let out = LoomFile::open(&dst)?;
    /// assert_eq!(out.layer_names(), ["", "spliced"]);
    /// assert_eq!(out.layer_dtype("spliced")?, NumType::UInt16);
    /// assert_eq!(out.read_layer::<u16>("spliced", &Sel::All, &Sel::All)?, array![[1, 2], [0, 0]]);
    /// assert_eq!(out.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["a", "c"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_layers(&self, rows: &Sel, cols: &Sel) -> Result<Vec<(String, LayerArray)>> {
        self.layer_names()
            .into_iter()
            .map(|name| {
                let a = self.read_layer_native(&name, rows, cols)?;
                Ok((name, a))
            })
            .collect()
    }

    /// One row of a layer as a 1-D array (loompy's `ds[row, cols]`), converted to `T`.
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
    /// assert_eq!(f.read_row::<f32>("", 2, &Sel::All)?.to_vec(), [6.0, 7.0, 8.0]); // ds[2, :]
    /// assert_eq!(f.read_row::<u8>("", 2, &Sel::from(vec![2, 0]))?.to_vec(), [8, 6]);
    /// assert!(f.read_row::<f32>("", 4, &Sel::All).is_err()); // 4 rows: 0..4
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_row<T: H5Type>(&self, name: &str, row: u64, cols: &Sel) -> Result<Array1<T>> {
        self.check_index(row, self.shape().0, "row")?;
        let a = self.read_layer::<T>(name, &Sel::Range(row, row + 1), cols)?;
        Ok(a.index_axis_move(NdAxis(0), 0))
    }

    /// One column of a layer as a 1-D array (loompy's `ds[rows, col]`), converted to `T`.
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
    /// let col = f.read_col::<f64>("", 1, &Sel::All)?; // ds[:, 1]
    /// assert_eq!(col.to_vec(), [1.0, 4.0, 7.0, 10.0]);
    /// assert_eq!(f.read_col::<f64>("", 1, &Sel::from(2..4))?.to_vec(), [7.0, 10.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_col<T: H5Type>(&self, name: &str, col: u64, rows: &Sel) -> Result<Array1<T>> {
        self.check_index(col, self.shape().1, "column")?;
        let a = self.read_layer::<T>(name, rows, &Sel::Range(col, col + 1))?;
        Ok(a.index_axis_move(NdAxis(1), 0))
    }

    /// A selection of a layer as a row-major `Vec<T>` and its (rows, columns), for callers
    /// without ndarray.
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
    /// let (values, (rows, cols)) =
    ///     f.read_layer_vec::<f32>("", &Sel::from(3u64), &Sel::All)?;
    /// assert_eq!((rows, cols), (1, 3));
    /// assert_eq!(values, [9.0, 10.0, 11.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_layer_vec<T: H5Type>(
        &self,
        name: &str,
        rows: &Sel,
        cols: &Sel,
    ) -> Result<(Vec<T>, (usize, usize))> {
        let a = self.read_layer::<T>(name, rows, cols)?;
        let dim = a.dim();
        let (v, offset) = a.into_raw_vec_and_offset();
        debug_assert!(offset.unwrap_or(0) == 0, "a fresh standard-layout array");
        Ok((v, dim))
    }

    fn check_index(&self, i: u64, n: u64, what: &str) -> Result<()> {
        if i >= n {
            return Err(Error::invalid(format!("{what} {i} is out of range for {n} {what}s")));
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "fs"))]
mod tests {
    use super::*;
    use crate::{Contents, LayerData};

    fn file(m: &Array2<f32>) -> (tempfile::TempDir, LoomFile) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.loom");
        LoomFile::create(&p, LayerData::Dense(m.view()), &Contents::default()).unwrap();
        let f = LoomFile::open(&p).unwrap();
        (dir, f)
    }

    #[test]
    fn native_reads_keep_the_stored_dtype_and_values() {
        let m = Array2::from_shape_fn((5, 4), |(i, j)| i as f32 + j as f32 / 2.0);
        let (_d, f) = file(&m);
        let a = f.read_layer_native("", &Sel::All, &Sel::All).unwrap();
        assert_eq!(a.dtype(), NumType::Float32);
        assert_eq!(a.dim(), (5, 4));
        assert_eq!(a, LayerArray::Float32(m.clone()));
        assert_eq!(a.to_f64()[[3, 1]], 3.5);
        let sub = f.read_layer_native("", &Sel::from(vec![4, 0]), &Sel::from(1..2)).unwrap();
        assert_eq!(sub, LayerArray::Float32(ndarray::array![[4.5], [0.5]]));
    }

    #[test]
    fn rows_and_columns_are_1d_and_checked() {
        let m = Array2::from_shape_fn((5, 4), |(i, j)| (i * 4 + j) as f32);
        let (_d, f) = file(&m);
        assert_eq!(f.read_row::<f32>("", 4, &Sel::All).unwrap(), m.row(4));
        assert_eq!(f.read_col::<f64>("", 3, &Sel::from(vec![1, 0])).unwrap().to_vec(), [7.0, 3.0]);
        assert!(f.read_row::<f32>("", 5, &Sel::All).unwrap_err().to_string().contains("row 5"));
        assert!(f.read_col::<f32>("", 4, &Sel::All).is_err());
        let (v, dim) = f.read_layer_vec::<f32>("", &Sel::All, &Sel::from(2..4)).unwrap();
        assert_eq!(dim, (5, 2));
        let want: Vec<f32> = (0..5).flat_map(|i| [m[[i, 2]], m[[i, 3]]]).collect();
        assert_eq!(v, want);
    }
}
