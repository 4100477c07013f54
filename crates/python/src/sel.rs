//! A selection along one axis, as the Python layer passes it: `None` (everything), a
//! `(start, stop)` pair (a range), or a 1-D array of indices (any order, repeats allowed).
//! Masks, negative indices and slices with steps are resolved in Python first.

use loomfile::Sel;
use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// Read a selection.
pub fn from_py(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Sel> {
    let Some(obj) = obj else { return Ok(Sel::All) };
    if obj.is_none() {
        return Ok(Sel::All);
    }
    if let Ok((a, b)) = obj.extract::<(u64, u64)>() {
        return Ok(Sel::Range(a, b));
    }
    if let Ok(a) = obj.extract::<PyReadonlyArray1<'_, u64>>() {
        let v = match a.as_slice() {
            Ok(s) => s.to_vec(),
            Err(_) => a.as_array().to_vec(),
        };
        let _ = a.len();
        return Ok(Sel::Index(v));
    }
    Err(PyTypeError::new_err("a selection is None, (start, stop) or a uint64 index array"))
}
