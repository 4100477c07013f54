//! Errors of the loom layer: HDF5 errors pass through (with their object paths); loom-level
//! problems say which attribute, layer or graph is wrong and why.
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
//! use loomfile::{Axis, Error};
//! let f = LoomFile::open(&path)?;
//! let e = f.attr(Axis::Rows, "Symbol").unwrap_err();
//! assert_eq!(e.to_string(), "row attribute \"Symbol\" not found");
//! assert!(matches!(e, Error::Missing { kind: "row attribute", .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use loomfile_hdf5 as hdf5;

/// Result alias.
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
/// fn total(f: &LoomFile) -> loomfile::Result<f64> {
///     Ok(f.read_layer::<f64>("", &Sel::All, &Sel::All)?.sum())
/// }
/// assert_eq!(total(&LoomFile::open(&path)?)?, 66.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A loom-level error.
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
/// use loomfile::{Error, Sel};
/// let mut f = LoomFile::open_rw(&path)?;
/// let wrong = Array2::<f32>::zeros((2, 2));
/// match f.set_layer("spliced", LayerData::Dense(wrong.view())) {
///     Err(Error::Shape { expected, got, .. }) => {
///         assert_eq!((expected, got), (vec![4, 3], vec![2, 2]))
///     }
///     other => panic!("expected a shape error, got {other:?}"),
/// }
/// match f.read_layer::<f32>("spliced", &Sel::All, &Sel::All) {
///     Err(Error::Missing { kind, name }) => {
///         assert_eq!((kind, name.as_str()), ("layer", "spliced"))
///     }
///     other => panic!("expected a missing layer, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HDF5 layer failed (malformed, unsupported, I/O, limit, ...).
    #[error(transparent)]
    Hdf5(#[from] hdf5::Error),
    /// The file is HDF5 but not a loom file (e.g. no `/matrix` and no layers).
    #[error("not a loom file: {0}")]
    NotLoom(String),
    /// Shapes or lengths disagree.
    #[error("{what}: shape {got:?} does not match {expected:?}")]
    Shape {
        /// What was being written or read.
        what: String,
        /// The expected shape.
        expected: Vec<u64>,
        /// The shape given.
        got: Vec<u64>,
    },
    /// No such layer, attribute or graph.
    #[error("{kind} {name:?} not found")]
    Missing {
        /// "layer", "row attribute", ...
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// The request is not valid (bad name, bad dtype, read-only file, ...): the caller's
    /// arguments, not the files, are wrong.
    #[error("{0}")]
    Invalid(String),
    /// An input of another format (dense text, Matrix Market, a 10x folder or HDF5 matrix, an
    /// h5ad file) does not hold what that format requires: a bad line, a missing file of a
    /// folder, inconsistent lengths. [`Error::InFile`] says which file.
    #[error("{0}")]
    Input(String),
    /// An error about one file of several (a conversion's input or output): the file it
    /// concerns, then the error.
    #[error("{file}: {source}")]
    InFile {
        /// The file, as the caller named it.
        file: String,
        /// What went wrong there.
        source: Box<Error>,
    },
}

impl Error {
    /// An invalid-request error.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Error;
    /// let e = Error::invalid("batch size must be at least 1");
    /// assert!(matches!(&e, Error::Invalid(m) if m.starts_with("batch size")));
    /// assert_eq!(e.to_string(), "batch size must be at least 1");
    /// ```
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    /// An input-format error.
    ///
    /// # Examples
    ///
    /// The converters of `loomfile-formats` return it for a text line, a Matrix Market
    /// entry or an h5ad array that breaks its format, wrapped by [`Error::in_file`].
    ///
    /// ```
    /// use loomfile::Error;
    /// let e = Error::input("line 2: bad value \"lots\"").in_file("m.tsv");
    /// assert!(matches!(e.cause(), Error::Input(m) if m.contains("line 2")));
    /// assert_eq!(e.to_string(), "m.tsv: line 2: bad value \"lots\"");
    /// ```
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }

    /// The error about `file` (unchanged when it already names a file).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Error;
    /// let e = Error::invalid("bad header").in_file("a.mtx");
    /// assert_eq!(e.to_string(), "a.mtx: bad header");
    /// let e = e.in_file("b.mtx"); // the first file named stays
    /// assert_eq!(e.to_string(), "a.mtx: bad header");
    /// ```
    pub fn in_file(self, file: impl std::fmt::Display) -> Self {
        match self {
            e @ Error::InFile { .. } => e,
            e => Error::InFile { file: file.to_string(), source: Box::new(e) },
        }
    }

    /// The error itself, without the file it is about.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Error;
    /// let e = Error::invalid("bad header").in_file("a.mtx");
    /// assert!(matches!(e, Error::InFile { .. }));
    /// assert!(matches!(e.cause(), Error::Invalid(m) if m == "bad header"));
    /// ```
    pub fn cause(&self) -> &Error {
        match self {
            Error::InFile { source, .. } => source.cause(),
            e => e,
        }
    }
}
