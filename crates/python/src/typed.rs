//! Numeric element types: a dtype name to [`NumType`], dispatch from a [`NumType`] to a Rust
//! type ([`with_type!`]), and [`Array2Any`], a 2-D array in a layer's own element type that
//! becomes a numpy array without a copy (numpy takes over the engine's buffer).

use loomfile::NumType;
use ndarray::Array2;
use numpy::IntoPyArray;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// `$body` with `$T` bound to the Rust type that holds elements of a [`NumType`]
/// (float16 as f32: numpy converts it back): loomfile's one dispatch macro.
pub(crate) use loomfile::with_num_type as with_type;

/// The element type of a numpy array (its dtype name), or a `TypeError`.
pub fn num_type(array: &Bound<'_, PyAny>) -> PyResult<NumType> {
    let name: String = array.getattr("dtype")?.getattr("name")?.extract()?;
    NumType::parse(&name).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "dtype {name} is not a loom matrix type (int8-64, uint8-64, float16-64)"
        ))
    })
}

/// A dtype name as a [`NumType`].
pub fn parse(name: &str) -> PyResult<NumType> {
    NumType::parse(name).ok_or_else(|| PyTypeError::new_err(format!("unknown dtype {name:?}")))
}

/// A 2-D array of one of the numeric element types.
pub struct Array2Any {
    /// The element type it was read as (float16 is held as f32).
    pub dtype: NumType,
    data: Data,
}

enum Data {
    I8(Array2<i8>),
    I16(Array2<i16>),
    I32(Array2<i32>),
    I64(Array2<i64>),
    U8(Array2<u8>),
    U16(Array2<u16>),
    U32(Array2<u32>),
    U64(Array2<u64>),
    F32(Array2<f32>),
    F64(Array2<f64>),
}

/// Typed arrays that can become an [`Array2Any`].
pub trait Wrap: Sized {
    /// Wrap.
    fn wrap(a: Array2<Self>, dtype: NumType) -> Array2Any;
}

macro_rules! wrap {
    ($($t:ty => $v:ident),*) => {$(
        impl Wrap for $t {
            fn wrap(a: Array2<$t>, dtype: NumType) -> Array2Any {
                Array2Any { dtype, data: Data::$v(a) }
            }
        }
    )*};
}
wrap!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32,
      u64 => U64, f32 => F32, f64 => F64);

impl Array2Any {
    /// The numpy array (owning the engine's buffer; float16 converted by numpy).
    pub fn into_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let a = match self.data {
            Data::I8(a) => a.into_pyarray(py).into_any(),
            Data::I16(a) => a.into_pyarray(py).into_any(),
            Data::I32(a) => a.into_pyarray(py).into_any(),
            Data::I64(a) => a.into_pyarray(py).into_any(),
            Data::U8(a) => a.into_pyarray(py).into_any(),
            Data::U16(a) => a.into_pyarray(py).into_any(),
            Data::U32(a) => a.into_pyarray(py).into_any(),
            Data::U64(a) => a.into_pyarray(py).into_any(),
            Data::F32(a) => a.into_pyarray(py).into_any(),
            Data::F64(a) => a.into_pyarray(py).into_any(),
        };
        if self.dtype == NumType::Float16 { a.call_method1("astype", ("float16",)) } else { Ok(a) }
    }
}

/// A vector handed to numpy without a copy.
pub fn vec_to_py<T: numpy::Element>(py: Python<'_>, v: Vec<T>) -> Bound<'_, PyAny> {
    v.into_pyarray(py).into_any()
}
