//! [`File`]: one open loom file, shared by the Python threads that use it.
//!
//! The [`LoomFile`] sits behind a read-write lock: reads from several threads run at the
//! same time (each decoding in parallel on the engine's pool), a write waits for them. Each
//! method releases the GIL first, takes the lock, calls the engine and returns owned data,
//! which becomes numpy arrays after the GIL is back (no copy: numpy takes the buffers).

use crate::error::{IntoPy, closed};
use crate::sel;
use crate::typed::{self, Wrap, vec_to_py, with_type};
use crate::values;
use loomfile::ops::{AddLoomOptions, Block, FillValues};
use loomfile::{Axis, Csr, LayerData, LoomFile, NumType, Sel, Values};
use ndarray::ArrayView2;
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// An open loom file (`loomfile._core.File`).
#[pyclass(module = "loomfile._core", frozen)]
pub struct File {
    path: PathBuf,
    inner: RwLock<Option<LoomFile>>,
}

pub(crate) fn axis(a: usize) -> PyResult<Axis> {
    match a {
        0 => Ok(Axis::Rows),
        1 => Ok(Axis::Cols),
        _ => Err(PyValueError::new_err(format!("axis must be 0 or 1, not {a}"))),
    }
}

impl File {
    fn lock_read(&self) -> PyResult<RwLockReadGuard<'_, Option<LoomFile>>> {
        self.inner.read().map_err(|_| PyValueError::new_err("the file's lock is poisoned"))
    }

    fn lock_write(&self) -> PyResult<RwLockWriteGuard<'_, Option<LoomFile>>> {
        self.inner.write().map_err(|_| PyValueError::new_err("the file's lock is poisoned"))
    }

    /// Run `f` on the open file with the GIL released.
    fn with<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&LoomFile) -> loomfile::Result<R> + Send,
    ) -> PyResult<R> {
        py.detach(|| {
            let g = self.lock_read()?;
            let file = g.as_ref().ok_or_else(closed)?;
            f(file).py()
        })
    }

    /// Run `f` on the open file, writable, with the GIL released.
    fn with_mut<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut LoomFile) -> loomfile::Result<R> + Send,
    ) -> PyResult<R> {
        py.detach(|| {
            let mut g = self.lock_write()?;
            let file = g.as_mut().ok_or_else(closed)?;
            f(file).py()
        })
    }
}

/// A numpy array borrowed as a typed 2-D view (for writes).
enum View2<'a> {
    I8(ArrayView2<'a, i8>),
    I16(ArrayView2<'a, i16>),
    I32(ArrayView2<'a, i32>),
    I64(ArrayView2<'a, i64>),
    U8(ArrayView2<'a, u8>),
    U16(ArrayView2<'a, u16>),
    U32(ArrayView2<'a, u32>),
    U64(ArrayView2<'a, u64>),
    F32(ArrayView2<'a, f32>),
    F64(ArrayView2<'a, f64>),
}

/// Apply `$body` to the typed view inside a [`View2`] (bound as `$v`).
macro_rules! on_view {
    ($view:expr, $v:ident => $body:expr) => {
        match $view {
            View2::I8($v) => $body,
            View2::I16($v) => $body,
            View2::I32($v) => $body,
            View2::I64($v) => $body,
            View2::U8($v) => $body,
            View2::U16($v) => $body,
            View2::U32($v) => $body,
            View2::U64($v) => $body,
            View2::F32($v) => $body,
            View2::F64($v) => $body,
        }
    };
}

macro_rules! typed_views {
    ($arr:expr, $readonly:ident) => {{
        let arr: &Bound<'_, PyAny> = $arr;
        match typed::num_type(arr)? {
            NumType::Int8 => {
                $readonly = Ro::I8(arr.extract()?);
            }
            NumType::Int16 => {
                $readonly = Ro::I16(arr.extract()?);
            }
            NumType::Int32 => {
                $readonly = Ro::I32(arr.extract()?);
            }
            NumType::Int64 => {
                $readonly = Ro::I64(arr.extract()?);
            }
            NumType::UInt8 => {
                $readonly = Ro::U8(arr.extract()?);
            }
            NumType::UInt16 => {
                $readonly = Ro::U16(arr.extract()?);
            }
            NumType::UInt32 => {
                $readonly = Ro::U32(arr.extract()?);
            }
            NumType::UInt64 => {
                $readonly = Ro::U64(arr.extract()?);
            }
            NumType::Float16 | NumType::Float32 => {
                $readonly = Ro::F32(arr.extract()?);
            }
            NumType::Float64 => {
                $readonly = Ro::F64(arr.extract()?);
            }
        }
    }};
}

/// A read-only numpy borrow of one of the matrix dtypes.
enum Ro<'py> {
    I8(PyReadonlyArray2<'py, i8>),
    I16(PyReadonlyArray2<'py, i16>),
    I32(PyReadonlyArray2<'py, i32>),
    I64(PyReadonlyArray2<'py, i64>),
    U8(PyReadonlyArray2<'py, u8>),
    U16(PyReadonlyArray2<'py, u16>),
    U32(PyReadonlyArray2<'py, u32>),
    U64(PyReadonlyArray2<'py, u64>),
    F32(PyReadonlyArray2<'py, f32>),
    F64(PyReadonlyArray2<'py, f64>),
}

impl<'py> Ro<'py> {
    fn of(arr: &Bound<'py, PyAny>) -> PyResult<Ro<'py>> {
        let ro;
        typed_views!(arr, ro);
        Ok(ro)
    }

    fn view(&self) -> View2<'_> {
        match self {
            Ro::I8(a) => View2::I8(a.as_array()),
            Ro::I16(a) => View2::I16(a.as_array()),
            Ro::I32(a) => View2::I32(a.as_array()),
            Ro::I64(a) => View2::I64(a.as_array()),
            Ro::U8(a) => View2::U8(a.as_array()),
            Ro::U16(a) => View2::U16(a.as_array()),
            Ro::U32(a) => View2::U32(a.as_array()),
            Ro::U64(a) => View2::U64(a.as_array()),
            Ro::F32(a) => View2::F32(a.as_array()),
            Ro::F64(a) => View2::F64(a.as_array()),
        }
    }
}

/// A CSR matrix from scipy's arrays, in the element type of `data`.
enum CsrAny {
    I8(Csr<i8>),
    I16(Csr<i16>),
    I32(Csr<i32>),
    I64(Csr<i64>),
    U8(Csr<u8>),
    U16(Csr<u16>),
    U32(Csr<u32>),
    U64(Csr<u64>),
    F32(Csr<f32>),
    F64(Csr<f64>),
}

macro_rules! on_csr {
    ($csr:expr, $c:ident => $body:expr) => {
        match $csr {
            CsrAny::I8($c) => $body,
            CsrAny::I16($c) => $body,
            CsrAny::I32($c) => $body,
            CsrAny::I64($c) => $body,
            CsrAny::U8($c) => $body,
            CsrAny::U16($c) => $body,
            CsrAny::U32($c) => $body,
            CsrAny::U64($c) => $body,
            CsrAny::F32($c) => $body,
            CsrAny::F64($c) => $body,
        }
    };
}

trait WrapCsr: Sized {
    fn wrap_csr(c: Csr<Self>) -> CsrAny;
}
macro_rules! wrap_csr {
    ($($t:ty => $v:ident),*) => {$(
        impl WrapCsr for $t { fn wrap_csr(c: Csr<$t>) -> CsrAny { CsrAny::$v(c) } }
    )*};
}
wrap_csr!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32,
          u64 => U64, f32 => F32, f64 => F64);

/// The tuple form of a CSR matrix the Python layer passes: `("csr", (rows, cols), indptr,
/// indices, data)`.
type CsrTuple<'py> =
    (String, (u64, u64), PyReadonlyArray1<'py, u64>, PyReadonlyArray1<'py, u64>, Bound<'py, PyAny>);

/// `("csr", (rows, cols), indptr, indices, data)` from the Python layer as a [`CsrAny`].
fn csr_from_py(obj: &Bound<'_, PyAny>) -> PyResult<CsrAny> {
    let (tag, (rows, cols), indptr, indices, data): CsrTuple<'_> = obj.extract()?;
    if tag != "csr" {
        return Err(PyValueError::new_err("expected a ('csr', shape, indptr, indices, data)"));
    }
    let indptr = indptr.as_array().to_vec();
    let indices = indices.as_array().to_vec();
    let t = typed::num_type(&data)?;
    let data =
        if t == NumType::Float16 { data.call_method1("astype", ("float32",))? } else { data };
    with_type!(t, T => {
        let d: PyReadonlyArray1<'_, T> = data.extract()?;
        let csr = Csr { rows, cols, indptr, indices, data: d.as_array().to_vec() };
        csr.check().py()?;
        Ok(T::wrap_csr(csr))
    })
}

/// A layer given to `add_columns`: dense (a numpy borrow) or sparse.
enum LayerIn<'py> {
    Dense(Ro<'py>),
    Sparse(CsrAny),
}

fn layer_in<'py>(obj: &Bound<'py, PyAny>) -> PyResult<LayerIn<'py>> {
    if obj.is_instance_of::<pyo3::types::PyTuple>() {
        Ok(LayerIn::Sparse(csr_from_py(obj)?))
    } else {
        Ok(LayerIn::Dense(Ro::of(obj)?))
    }
}

pub(crate) fn fill_values_from(obj: Option<&Bound<'_, PyAny>>) -> PyResult<FillValues> {
    let Some(obj) = obj else { return Ok(FillValues::Auto) };
    if obj.is_none() {
        return Ok(FillValues::Auto);
    }
    if let Ok(s) = obj.extract::<String>() {
        return match s.as_str() {
            "auto" => Ok(FillValues::Auto),
            "drop" => Ok(FillValues::Drop),
            other => Err(PyValueError::new_err(format!(
                "fill_values must be 'auto', 'drop', a dict or None, not {other:?}"
            ))),
        };
    }
    let map: Vec<(String, Bound<'_, PyAny>)> = obj.extract()?;
    // alloc: map.len(), caller's dict
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        out.push((k, values::from_py(&v)?));
    }
    Ok(FillValues::Map(out))
}

fn values_list(list: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<Vec<(String, Values)>> {
    list.into_iter().map(|(k, v)| Ok((k, values::from_py(&v)?))).collect()
}

fn borrow_names(list: &[(String, Values)]) -> Vec<(&str, Values)> {
    list.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
}

#[pymethods]
impl File {
    /// Open `path` read-only (`writable=False`, a shared lock) or read-write (an exclusive
    /// lock; every change commits atomically).
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf, writable: bool) -> PyResult<File> {
        let f = py.detach(|| {
            if writable { LoomFile::open_rw(&path) } else { LoomFile::open(&path) }.py()
        })?;
        Ok(File { path, inner: RwLock::new(Some(f)) })
    }

    /// Start an empty loom file at `path` (loompy's `new`); it appears there at `close()`, or
    /// when the object is dropped unclosed (as loompy's file would stay); `discard()` throws
    /// it away.
    #[staticmethod]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        file_attrs: Vec<(String, Bound<'_, PyAny>)>,
    ) -> PyResult<File> {
        let attrs = values_list(file_attrs)?;
        let f = py.detach(|| LoomFile::new(&path, &borrow_names(&attrs)).py())?;
        Ok(File { path, inner: RwLock::new(Some(f)) })
    }

    /// Commit and close (idempotent).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            let f = self.lock_write()?.take();
            match f {
                Some(f) => f.close().py(),
                None => Ok(()),
            }
        })
    }

    /// Drop the file without committing: for a file from `new`, nothing appears at its
    /// path; for an opened file, nothing is pending anyway (every change is committed).
    fn discard(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            if let Some(f) = self.lock_write()?.take() {
                f.discard();
            }
            Ok(())
        })
    }

    #[getter]
    fn closed(&self) -> PyResult<bool> {
        Ok(self.lock_read()?.is_none())
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    #[getter]
    fn shape(&self, py: Python<'_>) -> PyResult<(u64, u64)> {
        self.with(py, |f| Ok(f.shape()))
    }

    #[getter]
    fn writable(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |f| Ok(f.is_writable()))
    }

    /// The declared `LOOM_SPEC_VERSION` (None when the file declares none).
    #[getter]
    fn spec_version(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |f| Ok(f.spec_version().text.clone()))
    }

    // ----- layers -----

    fn layer_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.with(py, |f| Ok(f.layer_names()))
    }

    fn layer_dtype(&self, py: Python<'_>, name: &str) -> PyResult<&'static str> {
        self.with(py, |f| Ok(f.layer_dtype(name)?.name()))
    }

    /// The chunk shape of a layer (rows, columns); the whole layer for unchunked storage.
    fn layer_chunks(&self, py: Python<'_>, name: &str) -> PyResult<(u64, u64)> {
        self.with(py, |f| {
            let info = f.layer_info(name)?;
            let (n, m) = f.shape();
            Ok(match info.chunks.as_deref() {
                Some([r, c, ..]) => (*r, *c),
                _ => (n.max(1), m.max(1)),
            })
        })
    }

    /// A selection of a layer as a 2-D array of the layer's dtype.
    #[pyo3(signature = (name, rows=None, cols=None))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        rows: Option<&Bound<'py, PyAny>>,
        cols: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (rows, cols) = (sel::from_py(rows)?, sel::from_py(cols)?);
        let a = self.with(py, |f| {
            let t = f.layer_dtype(name)?;
            with_type!(t, T => Ok(T::wrap(f.read_layer::<T>(name, &rows, &cols)?, t)))
        })?;
        a.into_py(py)
    }

    /// Read a selection of a layer into `out`: a writable, C-ordered 2-D array of the
    /// layer's dtype (float16 layers excepted) and of the selection's shape. The decoders
    /// write straight into it: a scan reuses the arrays its caller has let go of instead of
    /// page-faulting a new one per batch.
    #[pyo3(signature = (name, rows, cols, out))]
    fn read_into<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        rows: Option<&Bound<'py, PyAny>>,
        cols: Option<&Bound<'py, PyAny>>,
        out: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let (rows, cols) = (sel::from_py(rows)?, sel::from_py(cols)?);
        let t = self.with(py, |f| f.layer_dtype(name))?;
        if t == NumType::Float16 {
            return Err(PyValueError::new_err(format!(
                "layer {name:?} is float16: read it with read(), which converts"
            )));
        }
        with_type!(t, T => {
            let mut arr: numpy::PyReadwriteArray2<'py, T> = out.extract().map_err(|_| {
                PyValueError::new_err(format!(
                    "out must be a writable 2-D array of the layer's dtype ({})",
                    t.name()
                ))
            })?;
            let mut view = arr.as_array_mut();
            self.with(py, move |f| f.read_layer_into::<T>(name, &rows, &cols, &mut view))
        })
    }

    /// The file described for people (`LoomFile::summary`): its text and its HTML table.
    fn summary(&self, py: Python<'_>) -> PyResult<(String, String)> {
        self.with(py, |f| {
            let s = f.summary()?;
            Ok((s.to_string(), s.to_html()))
        })
    }

    /// Store a dense 2-D array as layer `name` (in the array's dtype).
    fn set_layer(&self, py: Python<'_>, name: &str, array: &Bound<'_, PyAny>) -> PyResult<()> {
        let arr = prepare(array)?;
        let ro = Ro::of(&arr)?;
        let v = ro.view();
        self.with_mut(py, move |f| on_view!(v, a => f.set_layer(name, LayerData::Dense(a))))
    }

    /// Store a sparse matrix, `("csr", shape, indptr, indices, data)`, as layer `name`.
    fn set_layer_sparse(&self, py: Python<'_>, name: &str, csr: &Bound<'_, PyAny>) -> PyResult<()> {
        let c = csr_from_py(csr)?;
        self.with_mut(py, move |f| on_csr!(c, c => f.set_layer(name, LayerData::Sparse(&c))))
    }

    /// An empty layer of `dtype` (reads as zeros; no chunk stored).
    fn set_layer_empty(&self, py: Python<'_>, name: &str, dtype: &str) -> PyResult<()> {
        let t = typed::parse(dtype)?;
        self.with_mut(py, |f| f.set_layer_empty(name, t))
    }

    fn delete_layer(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.with_mut(py, |f| f.delete_layer(name))
    }

    /// Assign a 2-D block (rows `r0..r1`, columns `c0..c1`) of a layer; the array must have
    /// the layer's dtype.
    fn write_block(
        &self,
        py: Python<'_>,
        name: &str,
        rows: (u64, u64),
        cols: (u64, u64),
        array: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let arr = prepare(array)?;
        let ro = Ro::of(&arr)?;
        let v = ro.view();
        self.with_mut(py, move |f| on_view!(v, a => f.write_layer_block(name, rows, cols, a)))
    }

    /// The non-zero entries of a selection of a layer: `(row, col, data, shape)` with int32
    /// indices (int64 for more than 2^31 - 1 rows or columns) and data in the layer's dtype.
    #[pyo3(signature = (name, rows=None, cols=None))]
    fn sparse<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        rows: Option<&Bound<'py, PyAny>>,
        cols: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (rows, cols) = (sel::from_py(rows)?, sel::from_py(cols)?);
        let (t, parts) = self.with(py, |f| {
            let t = f.layer_dtype(name)?;
            let all = rows == Sel::All && cols == Sel::All;
            let parts = with_type!(t, T => if all {
                crate::ops::SparseParts::of_csr(f.matrix(name)?.to_csr::<T>()?)
            } else {
                crate::ops::SparseParts::of(f.sparse::<T>(name, &rows, &cols)?)
            });
            Ok((t, parts))
        })?;
        parts.into_py(py, t)
    }

    /// Per-row (axis 0) or per-column statistics of a layer: a dict of float64 arrays
    /// `nnz`, `sum`, `mean`, `sd` (population), `min`, `max`.
    fn stats<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        axis_: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let ax = axis(axis_)?;
        let s = self.with(py, |f| f.stats(name, ax))?;
        let d = PyDict::new(py);
        d.set_item("nnz", vec_to_py(py, s.nnz))?;
        d.set_item("sum", vec_to_py(py, s.sum))?;
        d.set_item("mean", vec_to_py(py, s.mean))?;
        d.set_item("sd", vec_to_py(py, s.sd))?;
        d.set_item("min", vec_to_py(py, s.min))?;
        d.set_item("max", vec_to_py(py, s.max))?;
        Ok(d)
    }

    /// One value per row and group of columns: `groups[j]` is column j's group (0..k);
    /// `how` is a numpy-groupies name (`mean`, `sum`, `max`, `median`, ...). rows x k float64.
    fn aggregate<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        groups: PyReadonlyArray1<'py, u32>,
        how: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let how = loomfile::ops::Aggregation::parse(how).ok_or_else(|| {
            PyValueError::new_err(format!("aggregation {how:?} is not supported"))
        })?;
        let g = groups.as_array().to_vec();
        let a = self.with(py, |f| f.aggregate(name, &g, how))?;
        Ok(numpy::IntoPyArray::into_pyarray(a, py).into_any())
    }

    // ----- row and column attributes -----

    fn attr_names(&self, py: Python<'_>, axis_: usize) -> PyResult<Vec<String>> {
        let ax = axis(axis_)?;
        self.with(py, |f| Ok(f.attr_names(ax)))
    }

    fn attr<'py>(&self, py: Python<'py>, axis_: usize, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let ax = axis(axis_)?;
        let v = self.with(py, |f| f.attr(ax, name))?;
        values::to_py(py, v)
    }

    fn set_attr(
        &self,
        py: Python<'_>,
        axis_: usize,
        name: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ax = axis(axis_)?;
        let v = values::from_py(value)?;
        self.with_mut(py, |f| f.set_attr(ax, name, &v))
    }

    fn delete_attr(&self, py: Python<'_>, axis_: usize, name: &str) -> PyResult<()> {
        let ax = axis(axis_)?;
        self.with_mut(py, |f| f.delete_attr(ax, name))
    }

    // ----- global attributes -----

    fn global_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.with(py, |f| Ok(f.global_names()))
    }

    fn global_value<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let v = self.with(py, |f| f.global(name))?;
        values::to_py(py, v)
    }

    fn set_global(&self, py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = values::from_py(value)?;
        self.with_mut(py, |f| f.set_global(name, &v))
    }

    fn delete_global(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.with_mut(py, |f| f.delete_global(name))
    }

    // ----- graphs -----

    fn graph_names(&self, py: Python<'_>, axis_: usize) -> PyResult<Vec<String>> {
        let ax = axis(axis_)?;
        self.with(py, |f| Ok(f.graph_names(ax)))
    }

    /// A graph as `(a, b, w)`: int64 vertex arrays and float64 weights.
    fn graph<'py>(
        &self,
        py: Python<'py>,
        axis_: usize,
        name: &str,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let ax = axis(axis_)?;
        let g = self.with(py, |f| f.graph(ax, name))?;
        let a: Vec<i64> = g.a.into_iter().map(|x| x as i64).collect();
        let b: Vec<i64> = g.b.into_iter().map(|x| x as i64).collect();
        Ok((vec_to_py(py, a), vec_to_py(py, b), vec_to_py(py, g.w)))
    }

    fn set_graph(
        &self,
        py: Python<'_>,
        axis_: usize,
        name: &str,
        a: PyReadonlyArray1<'_, u64>,
        b: PyReadonlyArray1<'_, u64>,
        w: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let ax = axis(axis_)?;
        let g = loomfile::Graph {
            a: a.as_array().to_vec(),
            b: b.as_array().to_vec(),
            w: w.as_array().to_vec(),
        };
        self.with_mut(py, |f| f.set_graph(ax, name, &g))
    }

    fn delete_graph(&self, py: Python<'_>, axis_: usize, name: &str) -> PyResult<()> {
        let ax = axis(axis_)?;
        self.with_mut(py, |f| f.delete_graph(ax, name))
    }

    // ----- whole-file operations -----

    /// Reorder rows (axis 0) or columns: position i gets what was at `ordering[i]`.
    fn permute(
        &self,
        py: Python<'_>,
        ordering: PyReadonlyArray1<'_, u64>,
        axis_: usize,
    ) -> PyResult<()> {
        let ax = axis(axis_)?;
        let o = ordering.as_array().to_vec();
        self.with_mut(py, |f| f.permute(&o, ax))
    }

    /// Append columns: `layers` is a list of `(name, 2-D array or csr tuple)`.
    #[pyo3(signature = (layers, col_attrs, row_attrs, fill_values=None))]
    fn add_columns(
        &self,
        py: Python<'_>,
        layers: Vec<(String, Bound<'_, PyAny>)>,
        col_attrs: Vec<(String, Bound<'_, PyAny>)>,
        row_attrs: Vec<(String, Bound<'_, PyAny>)>,
        fill_values: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let names: Vec<String> = layers.iter().map(|(n, _)| n.clone()).collect();
        let prepared: Vec<Bound<'_, PyAny>> =
            layers.iter().map(|(_, obj)| prepare(obj)).collect::<PyResult<_>>()?;
        let inputs: Vec<LayerIn<'_>> = prepared.iter().map(layer_in).collect::<PyResult<_>>()?;
        let views: Vec<Either<'_>> = inputs
            .iter()
            .map(|l| match l {
                LayerIn::Dense(r) => Either::View(r.view()),
                LayerIn::Sparse(c) => Either::Csr(c),
            })
            .collect();
        let ca = values_list(col_attrs)?;
        let ra = values_list(row_attrs)?;
        let fv = fill_values_from(fill_values)?;
        self.with_mut(py, move |f| {
            let blocks: Vec<(&str, Block<'_>)> = names
                .iter()
                .zip(views)
                .map(|(n, e)| {
                    let b = match e {
                        Either::View(v) => on_view!(v, a => Block::from(a)),
                        Either::Csr(c) => on_csr!(c, c => Block::from(c)),
                    };
                    (n.as_str(), b)
                })
                .collect();
            f.add_columns(&blocks, &borrow_names(&ca), &borrow_names(&ra), &fv)
        })
    }

    /// Append the columns of the loom file at `other` (opened read-only).
    #[pyo3(signature = (other, key=None, fill_values=None, batch_size=512, convert_attrs=false, include_graphs=false))]
    #[allow(clippy::too_many_arguments)]
    fn add_loom(
        &self,
        py: Python<'_>,
        other: PathBuf,
        key: Option<String>,
        fill_values: Option<&Bound<'_, PyAny>>,
        batch_size: usize,
        convert_attrs: bool,
        include_graphs: bool,
    ) -> PyResult<()> {
        let fv = fill_values_from(fill_values)?;
        self.with_mut(py, move |f| {
            let o = LoomFile::open(&other)?;
            let opts = AddLoomOptions {
                key: key.as_deref(),
                fill_values: fv,
                batch_size,
                convert_attrs,
                include_graphs,
            };
            f.add_loom(&o, &opts)
        })
    }

    /// The file-level `last_modified` timestamp, if the file records one.
    fn last_modified(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |f| Ok(f.last_modified()))
    }

    /// The `last_modified` stamp of a layer (`kind="layer"`), an attribute
    /// (`"row_attrs"`/`"col_attrs"`) or a graph (`"row_graphs"`/`"col_graphs"`); `name=None`
    /// for the group. None when never stamped.
    #[pyo3(signature = (kind, name=None))]
    fn stamp(&self, py: Python<'_>, kind: &str, name: Option<&str>) -> PyResult<Option<String>> {
        let kind = kind.to_string();
        self.with(py, move |f| {
            Ok(match kind.as_str() {
                "layer" => name.and_then(|n| f.layer_last_modified(n)),
                "row_attrs" => f.attr_last_modified(Axis::Rows, name),
                "col_attrs" => f.attr_last_modified(Axis::Cols, name),
                "row_graphs" => f.graph_last_modified(Axis::Rows, name),
                "col_graphs" => f.graph_last_modified(Axis::Cols, name),
                _ => None,
            })
        })
    }

    /// Names stamped after `timestamp` (or never stamped), by kind.
    fn changes_since<'py>(&self, py: Python<'py>, timestamp: &str) -> PyResult<Bound<'py, PyDict>> {
        let c = self.with(py, |f| Ok(f.changes_since(timestamp)))?;
        let d = PyDict::new(py);
        d.set_item("layers", c.layers)?;
        d.set_item("row_attrs", c.row_attrs)?;
        d.set_item("col_attrs", c.col_attrs)?;
        d.set_item("row_graphs", c.row_graphs)?;
        d.set_item("col_graphs", c.col_graphs)?;
        Ok(d)
    }

    /// Check the file against the loom spec (and loompy's conventions when `strict`):
    /// `(errors, warnings)`.
    #[pyo3(signature = (strict=false))]
    fn validate(&self, py: Python<'_>, strict: bool) -> PyResult<(Vec<String>, Vec<String>)> {
        self.with(py, |f| {
            let r = loomfile::validate::validate(f, strict);
            Ok(r.messages())
        })
    }
}

impl Drop for File {
    /// A file the program forgot to close is committed and closed (as h5py flushes on
    /// garbage collection); errors cannot be reported here.
    fn drop(&mut self) {
        if let Ok(mut g) = self.inner.write()
            && let Some(f) = g.take()
        {
            let _ = f.close();
        }
    }
}

enum Either<'a> {
    View(View2<'a>),
    Csr(&'a CsrAny),
}

/// A 2-D array ready to borrow: float16 converted to float32 (the engine has no f16
/// element type); anything else as it is.
fn prepare<'py>(arr: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if arr.is_instance_of::<pyo3::types::PyTuple>() {
        return Ok(arr.clone());
    }
    if typed::num_type(arr)? == NumType::Float16 {
        arr.call_method1("astype", ("float32",))
    } else {
        Ok(arr.clone())
    }
}
