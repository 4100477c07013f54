//! Library errors as Python exceptions.
//!
//! - a missing layer, attribute or graph: `KeyError` (the Python layer turns attribute
//!   access into `AttributeError`, as loompy does);
//! - a bad request (shape, name, dtype, read-only file) or a malformed input of another
//!   format (a text line, a Matrix Market entry): `ValueError`;
//! - a file that cannot be opened, read, locked or written (malformed, unsupported, I/O):
//!   `OSError`, with the file and object path in the message.

use loomfile::Error;
use loomfile::error::Error as E;
use loomfile_hdf5::Error as H5;
use pyo3::PyErr;
use pyo3::exceptions::{PyKeyError, PyOSError, PyValueError};

/// Convert a library error.
pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    // An error about one file of several (a conversion's input): the kind of its cause.
    match e.cause() {
        E::Missing { .. } => PyKeyError::new_err(msg),
        E::Shape { .. } | E::Invalid(_) | E::Input(_) => PyValueError::new_err(msg),
        E::NotLoom(_) => PyOSError::new_err(msg),
        E::Hdf5(h) => match h {
            H5::Invalid { .. } | H5::ReadOnly { .. } => PyValueError::new_err(msg),
            H5::NotFound { .. } => PyKeyError::new_err(msg),
            _ => PyOSError::new_err(msg),
        },
        _ => PyOSError::new_err(msg),
    }
}

/// `map_err` helper.
pub trait IntoPy<T> {
    /// The result with a Python exception.
    fn py(self) -> pyo3::PyResult<T>;
}

impl<T> IntoPy<T> for loomfile::Result<T> {
    fn py(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}

/// A closed-file error.
pub fn closed() -> PyErr {
    PyValueError::new_err("the loom file is closed")
}
