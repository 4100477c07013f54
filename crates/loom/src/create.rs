//! loompy's `create`: a complete spec-3 file from a main matrix, row and column attributes
//! and global attributes, written to a temporary file and renamed into place.
//!
//! # Examples
//!
//! ```
//! use loomfile::{Axis, Contents, LayerData, LoomFile, Values, ndarray::array};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("created.loom");
//! let counts = array![[0u32, 3], [1, 0], [5, 2]]; // 3 genes x 2 cells
//! let contents = Contents {
//!     row_attrs: vec![("Gene", Values::from(vec!["Actb", "Cd3e", "Sox2"]))],
//!     col_attrs: vec![("CellID", Values::from(vec!["AAAC", "AAAG"]))],
//!     file_attrs: vec![("title", Values::from("tiny"))],
//! };
//! LoomFile::create(&path, LayerData::Dense(counts.view()), &contents)?;
//! let f = LoomFile::open(&path)?;
//! assert_eq!(f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["AAAC", "AAAG"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::layers::LayerData;
use crate::values::Values;
use loomfile_hdf5::H5Type;

/// Everything `create` writes besides the main matrix.
///
/// # Examples
///
/// ```
/// use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("c.loom");
/// let contents = Contents {
///     col_attrs: vec![("CellID", Values::from(vec!["c1", "c2"]))],
///     ..Default::default() // no row or global attributes
/// };
/// let m = Array2::<f32>::zeros((5, 2));
/// LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// // Every attribute's first dimension must match its axis: 3 cells for 2 columns fails.
/// let bad = Contents {
///     col_attrs: vec![("CellID", Values::from(vec!["a", "b", "c"]))],
///     ..Default::default()
/// };
/// assert!(LoomFile::create(&path, LayerData::Dense(m.view()), &bad).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Contents<'a> {
    /// Row attributes (first dimension = rows).
    pub row_attrs: Vec<(&'a str, Values)>,
    /// Column attributes (first dimension = columns).
    pub col_attrs: Vec<(&'a str, Values)>,
    /// Global attributes.
    pub file_attrs: Vec<(&'a str, Values)>,
}

impl LoomFile {
    /// Create a loom file at `path` (replacing it atomically) from a main matrix and attributes.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("new.loom");
    /// let m = Array2::<f32>::eye(3);
    /// let contents = Contents {
    ///     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c"]))],
    ///     ..Default::default()
    /// };
    /// LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// assert_eq!(LoomFile::open(&path)?.shape(), (3, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "fs")]
    pub fn create<T: H5Type>(
        path: impl AsRef<std::path::Path>,
        main: LayerData<'_, T>,
        contents: &Contents<'_>,
    ) -> Result<()> {
        let mut f = LoomFile::new_all_or_nothing(path, &contents.file_attrs)?;
        f.fill(main, contents)?;
        f.close()
    }

    /// Create a loom file with several layers at once (loompy's `create` with a dict of
    /// layers): `layers` must include the main matrix `""`; every layer has its shape and
    /// keeps its own element type. The file appears at `path` complete or not at all.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Block, Contents, LoomFile, NumType, Sel, Values, ndarray::array};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("layers.loom");
    /// let total = array![[3.0f32, 0.0], [1.0, 2.0]];
    /// let spliced = array![[2u32, 0], [1, 1]];
    /// let contents = Contents {
    ///     row_attrs: vec![("Gene", Values::from(vec!["Actb", "Sox2"]))],
    ///     ..Default::default()
    /// };
    /// let layers = [("", Block::from(&total)), ("spliced", Block::from(&spliced))];
    /// LoomFile::create_layers(&path, &layers, &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.layer_names(), ["", "spliced"]);
    /// assert_eq!(f.layer_dtype("spliced")?, NumType::UInt32);
    /// assert_eq!(f.read_layer::<u32>("spliced", &Sel::All, &Sel::All)?, spliced);
    /// // Without the main matrix, or with layers of different shapes: an error, no file.
    /// let other = dir.path().join("bad.loom");
    /// assert!(LoomFile::create_layers(&other, &layers[1..], &contents).is_err());
    /// let wide = array![[1u8, 2, 3], [4, 5, 6]];
    /// let bad = [("", Block::from(&total)), ("wide", Block::from(&wide))];
    /// assert!(LoomFile::create_layers(&other, &bad, &contents).is_err());
    /// assert!(!other.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "fs")]
    pub fn create_layers(
        path: impl AsRef<std::path::Path>,
        layers: &[(&str, crate::Block<'_>)],
        contents: &Contents<'_>,
    ) -> Result<()> {
        let mut f = LoomFile::new_all_or_nothing(path, &contents.file_attrs)?;
        f.fill_layers(layers, contents)?;
        f.close()
    }

    /// [`LoomFile::create`] on any writable storage.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Contents, LayerData, LoomFile, MemStorage, ndarray::array};
    /// use std::sync::Arc;
    /// let storage = Arc::new(MemStorage::default());
    /// let m = array![[1u8, 2], [3, 4]];
    /// let main = LayerData::Dense(m.view());
    /// let f = LoomFile::create_in(storage.clone(), main, &Contents::default())?;
    /// assert_eq!(f.shape(), (2, 2));
    /// f.close()?;
    /// let bytes = storage.to_vec(); // a complete loom file, never on disk
    /// assert_eq!(LoomFile::from_bytes(bytes)?.shape(), (2, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_in<T: H5Type>(
        storage: std::sync::Arc<dyn loomfile_hdf5::storage::WriteAt>,
        main: LayerData<'_, T>,
        contents: &Contents<'_>,
    ) -> Result<LoomFile> {
        let mut f = LoomFile::new_in(storage, &contents.file_attrs)?;
        f.fill(main, contents)?;
        Ok(f)
    }

    /// [`LoomFile::create_layers`] on any writable storage.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Block, Contents, LoomFile, MemStorage, ndarray::array};
    /// use std::sync::Arc;
    /// let storage = Arc::new(MemStorage::default());
    /// let (m, s) = (array![[1.0f64, 2.0]], array![[1i8, 0]]);
    /// let layers = [("", Block::from(&m)), ("spliced", Block::from(&s))];
    /// let f = LoomFile::create_layers_in(storage.clone(), &layers, &Contents::default())?;
    /// assert_eq!(f.layer_names(), ["", "spliced"]);
    /// f.close()?;
    /// assert_eq!(LoomFile::from_bytes(storage.to_vec())?.shape(), (1, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_layers_in(
        storage: std::sync::Arc<dyn loomfile_hdf5::storage::WriteAt>,
        layers: &[(&str, crate::Block<'_>)],
        contents: &Contents<'_>,
    ) -> Result<LoomFile> {
        let mut f = LoomFile::new_in(storage, &contents.file_attrs)?;
        f.fill_layers(layers, contents)?;
        Ok(f)
    }

    fn fill_layers(
        &mut self,
        layers: &[(&str, crate::Block<'_>)],
        contents: &Contents<'_>,
    ) -> Result<()> {
        let Some((_, main)) = layers.iter().find(|(name, _)| name.is_empty()) else {
            return Err(Error::invalid("the layers must include the main matrix \"\""));
        };
        let (r, c) = main.shape();
        if r == 0 || c == 0 {
            return Err(Error::invalid("the main matrix must not be empty"));
        }
        // add_columns on a new file checks every shape, name and attribute length.
        self.add_columns(layers, &contents.col_attrs, &contents.row_attrs, &crate::FillValues::Auto)
    }

    fn fill<T: H5Type>(&mut self, main: LayerData<'_, T>, contents: &Contents<'_>) -> Result<()> {
        let (r, c) = main.shape();
        if r == 0 || c == 0 {
            return Err(Error::invalid("the main matrix must not be empty"));
        }
        for (_axis, list, n) in
            [(Axis::Rows, &contents.row_attrs, r), (Axis::Cols, &contents.col_attrs, c)]
        {
            for (name, v) in list.iter() {
                if v.shape().first().copied().map(|x| x as u64) != Some(n) {
                    return Err(Error::Shape {
                        what: format!("attribute {name:?}"),
                        expected: vec![n],
                        got: v.shape().iter().map(|&d| d as u64).collect(),
                    });
                }
            }
        }
        self.stage_layer("", main)?;
        for (name, v) in &contents.row_attrs {
            self.stage_attr(Axis::Rows, name, v)?;
        }
        for (name, v) in &contents.col_attrs {
            self.stage_attr(Axis::Cols, name, v)?;
        }
        self.commit()
    }
}
