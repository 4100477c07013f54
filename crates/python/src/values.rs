//! Attribute and global values between the engine's [`Values`] and Python.
//!
//! To Python: numbers and bools as numpy arrays of their stored type (the engine's buffer,
//! no copy), strings as numpy object arrays of `str` (a 0-d string as a plain `str`), enums
//! as their integer codes, compound records as a list of `(field, array)` pairs (the Python
//! layer builds a structured array). From Python: a numpy array of a numeric or bool dtype,
//! or `("str", [flat list of str], shape)` for text.

use crate::typed::{num_type, with_type};
use loomfile::values::Element;
use loomfile::{NumType, Values};
use ndarray::{ArrayD, IxDyn};
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

/// Values as Python objects.
pub fn to_py(py: Python<'_>, v: Values) -> PyResult<Bound<'_, PyAny>> {
    Ok(match v {
        Values::Int8(a) => a.into_pyarray(py).into_any(),
        Values::Int16(a) => a.into_pyarray(py).into_any(),
        Values::Int32(a) => a.into_pyarray(py).into_any(),
        Values::Int64(a) => a.into_pyarray(py).into_any(),
        Values::UInt8(a) => a.into_pyarray(py).into_any(),
        Values::UInt16(a) => a.into_pyarray(py).into_any(),
        Values::UInt32(a) => a.into_pyarray(py).into_any(),
        Values::UInt64(a) => a.into_pyarray(py).into_any(),
        Values::Float16(a) => a.into_pyarray(py).call_method1("astype", ("float16",))?,
        Values::Float32(a) => a.into_pyarray(py).into_any(),
        Values::Float64(a) => a.into_pyarray(py).into_any(),
        Values::Bool(a) => a.into_pyarray(py).into_any(),
        Values::String(a) => {
            if a.ndim() == 0 {
                let s = a.iter().next().cloned().unwrap_or_default();
                return Ok(PyString::new(py, &s).into_any());
            }
            let shape: Vec<usize> = a.shape().to_vec();
            let list = PyList::new(py, a.iter().map(|s| s.as_str()))?;
            let np = py.import("numpy")?;
            let kw = pyo3::types::PyDict::new(py);
            kw.set_item("dtype", "object")?;
            let flat = np.call_method("array", (list,), Some(&kw))?;
            flat.call_method1("reshape", (PyTuple::new(py, shape)?,))?
        }
        Values::Enum { values, .. } => values.into_pyarray(py).into_any(),
        Values::Compound(fields) => {
            let list = PyList::empty(py);
            for (name, v) in fields {
                list.append((name, to_py(py, v)?))?;
            }
            list.into_any()
        }
    })
}

/// Values from what the Python layer passes (see the module docs).
pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Values> {
    if let Ok((tag, list, shape)) = obj.extract::<(String, Vec<String>, Vec<usize>)>() {
        if tag != "str" {
            return Err(PyValueError::new_err(format!("unknown value tag {tag:?}")));
        }
        let a = ArrayD::from_shape_vec(IxDyn(&shape), list)
            .map_err(|e| PyValueError::new_err(format!("string values: {e}")))?;
        return Ok(Values::String(a));
    }
    let dtype: String = obj.getattr("dtype")?.getattr("name")?.extract()?;
    if dtype == "bool" {
        let a: PyReadonlyArrayDyn<'_, bool> = obj.extract()?;
        return Ok(Values::Bool(a.as_array().to_owned()));
    }
    let t = num_type(obj)?;
    if t == NumType::Float16 {
        let a: PyReadonlyArrayDyn<'_, f32> = obj.call_method1("astype", ("float32",))?.extract()?;
        return Ok(Values::Float16(a.as_array().to_owned()));
    }
    with_type!(t, T => {
        let a: PyReadonlyArrayDyn<'_, T> = obj.extract()?;
        Ok(<T as Element>::wrap(a.as_array().to_owned()))
    })
}
