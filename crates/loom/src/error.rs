//! Errors of the loom layer: HDF5 errors pass through (with their object paths); loom-level
//! problems say which attribute, layer or graph is wrong and why.

use loomfile_hdf5 as hdf5;

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A loom-level error.
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
    /// The request is not valid (bad name, bad dtype, read-only file, ...).
    #[error("{0}")]
    Invalid(String),
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
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    /// The error about `file` (unchanged when it already names a file).
    pub fn in_file(self, file: impl std::fmt::Display) -> Self {
        match self {
            e @ Error::InFile { .. } => e,
            e => Error::InFile { file: file.to_string(), source: Box::new(e) },
        }
    }

    /// The error itself, without the file it is about.
    pub fn cause(&self) -> &Error {
        match self {
            Error::InFile { source, .. } => source.cause(),
            e => e,
        }
    }
}
