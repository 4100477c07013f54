//! Typed values of attributes and globals: N-dimensional arrays of one element type
//! (numbers, bools, strings), plus the compound and enum attributes SCope/R writers produce.
//! Conversion from what the HDF5 layer decodes, and to what the writer stores.
//!
//! # Examples
//!
//! ```
//! use loomfile::{NumType, Values};
//! let v = Values::from(vec![1.5f32, 2.5]);
//! assert_eq!(v.num_type(), Some(NumType::Float32));
//! // Each variant holds an ndarray of its element type:
//! match &v {
//!     Values::Float32(a) => assert_eq!(a.sum(), 4.0),
//!     other => panic!("unexpected {}", other.dtype_name()),
//! }
//! ```

use crate::error::{Error, Result};
use loomfile_hdf5::{self as hdf5, H5Type, Value};
use loomfile_hdf5::{ByteOrder, Datatype};
use ndarray::{ArrayD, IxDyn};

/// The numeric element types of layers, attributes and globals.
///
/// # Examples
///
/// ```
/// use loomfile::NumType;
/// let t = NumType::parse("uint16").unwrap();
/// assert_eq!(t, NumType::UInt16);
/// assert_eq!(t.name(), "uint16");
/// assert!(!t.is_float() && t.fits_f32());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumType {
    /// int8.
    Int8,
    /// int16.
    Int16,
    /// int32.
    Int32,
    /// int64.
    Int64,
    /// uint8.
    UInt8,
    /// uint16.
    UInt16,
    /// uint32.
    UInt32,
    /// uint64.
    UInt64,
    /// float16.
    Float16,
    /// float32.
    Float32,
    /// float64.
    Float64,
}

impl NumType {
    /// The word used in `loom info` and by numpy ("float32", ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// assert_eq!(NumType::Float32.name(), "float32");
    /// assert_eq!(NumType::UInt8.name(), "uint8");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            NumType::Int8 => "int8",
            NumType::Int16 => "int16",
            NumType::Int32 => "int32",
            NumType::Int64 => "int64",
            NumType::UInt8 => "uint8",
            NumType::UInt16 => "uint16",
            NumType::UInt32 => "uint32",
            NumType::UInt64 => "uint64",
            NumType::Float16 => "float16",
            NumType::Float32 => "float32",
            NumType::Float64 => "float64",
        }
    }

    /// Parse a dtype word ("float32", "uint16", ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// assert_eq!(NumType::parse("int64"), Some(NumType::Int64));
    /// assert_eq!(NumType::parse("f32"), None); // numpy's words only
    /// for t in [NumType::Int8, NumType::Float16, NumType::UInt64] {
    ///     assert_eq!(NumType::parse(t.name()), Some(t));
    /// }
    /// ```
    pub fn parse(s: &str) -> Option<NumType> {
        Some(match s {
            "int8" => NumType::Int8,
            "int16" => NumType::Int16,
            "int32" => NumType::Int32,
            "int64" => NumType::Int64,
            "uint8" => NumType::UInt8,
            "uint16" => NumType::UInt16,
            "uint32" => NumType::UInt32,
            "uint64" => NumType::UInt64,
            "float16" => NumType::Float16,
            "float32" => NumType::Float32,
            "float64" => NumType::Float64,
            _ => return None,
        })
    }

    /// The HDF5 type (little-endian).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// let dt = NumType::Int16.datatype();
    /// assert_eq!(dt.size(), 2);
    /// assert_eq!(NumType::of(&dt), Some(NumType::Int16));
    /// ```
    pub fn datatype(self) -> Datatype {
        match self {
            NumType::Int8 => Datatype::int(1, true),
            NumType::Int16 => Datatype::int(2, true),
            NumType::Int32 => Datatype::int(4, true),
            NumType::Int64 => Datatype::int(8, true),
            NumType::UInt8 => Datatype::int(1, false),
            NumType::UInt16 => Datatype::int(2, false),
            NumType::UInt32 => Datatype::int(4, false),
            NumType::UInt64 => Datatype::int(8, false),
            NumType::Float16 => Datatype::float(2),
            NumType::Float32 => Datatype::float(4),
            NumType::Float64 => Datatype::float(8),
        }
    }

    /// The numeric type of an HDF5 datatype, if it is one.
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
    /// assert_eq!(NumType::of(f.layer_dataset("")?.dtype()), Some(NumType::Float32));
    /// let genes = f.hdf5().dataset("/row_attrs/Gene")?;
    /// assert_eq!(NumType::of(genes.dtype()), None); // text
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of(dt: &Datatype) -> Option<NumType> {
        Some(match dt {
            Datatype::Integer { size: 1, signed: true, .. } => NumType::Int8,
            Datatype::Integer { size: 2, signed: true, .. } => NumType::Int16,
            Datatype::Integer { size: 4, signed: true, .. } => NumType::Int32,
            Datatype::Integer { size: 8, signed: true, .. } => NumType::Int64,
            Datatype::Integer { size: 1, signed: false, .. } => NumType::UInt8,
            Datatype::Integer { size: 2, signed: false, .. } => NumType::UInt16,
            Datatype::Integer { size: 4, signed: false, .. } => NumType::UInt32,
            Datatype::Integer { size: 8, signed: false, .. } => NumType::UInt64,
            Datatype::Float { size: 2, .. } => NumType::Float16,
            Datatype::Float { size: 4, .. } => NumType::Float32,
            Datatype::Float { size: 8, .. } => NumType::Float64,
            _ => return None,
        })
    }

    /// True for float16/32/64.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// assert!(NumType::Float16.is_float());
    /// assert!(!NumType::Int64.is_float());
    /// ```
    pub fn is_float(self) -> bool {
        matches!(self, NumType::Float16 | NumType::Float32 | NumType::Float64)
    }

    /// True when every value of this type is exactly a float32 (float16/32 and integers of
    /// up to 16 bits).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// assert!(NumType::UInt16.fits_f32());
    /// assert!(!NumType::Int32.fits_f32()); // 16_777_217 has no float32
    /// assert!(!NumType::Float64.fits_f32());
    /// ```
    pub fn fits_f32(self) -> bool {
        use NumType::*;
        matches!(self, Float16 | Float32 | Int8 | Int16 | UInt8 | UInt16)
    }
}

/// An N-d array of attribute or global values; the first axis runs over rows or columns for
/// row and column attributes.
///
/// # Examples
///
/// ```
/// use loomfile::Values;
/// use loomfile::ndarray::{ArrayD, IxDyn};
/// // A 2-D column attribute: 3 cells x 2 embedding coordinates.
/// let xy = ArrayD::from_shape_vec(IxDyn(&[3, 2]), vec![0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0])?;
/// let emb = Values::from(xy);
/// assert_eq!((emb.shape(), emb.len()), (vec![3, 2], 3));
/// let Values::Float32(a) = &emb else { panic!("float32 in, float32 out") };
/// assert_eq!(a[[2, 1]], 5.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// int8.
    Int8(ArrayD<i8>),
    /// int16.
    Int16(ArrayD<i16>),
    /// int32.
    Int32(ArrayD<i32>),
    /// int64.
    Int64(ArrayD<i64>),
    /// uint8.
    UInt8(ArrayD<u8>),
    /// uint16.
    UInt16(ArrayD<u16>),
    /// uint32.
    UInt32(ArrayD<u32>),
    /// uint64.
    UInt64(ArrayD<u64>),
    /// float16, widened exactly to f32 (written back as float16).
    Float16(ArrayD<f32>),
    /// float32.
    Float32(ArrayD<f32>),
    /// float64.
    Float64(ArrayD<f64>),
    /// Booleans (HDF5 enum FALSE/TRUE).
    Bool(ArrayD<bool>),
    /// Text.
    String(ArrayD<String>),
    /// Enumeration values with their member names.
    Enum {
        /// The stored integers.
        values: ArrayD<i64>,
        /// Member names and values.
        members: Vec<(String, i64)>,
    },
    /// Compound records, split into one array per field (all with the same shape).
    Compound(Vec<(String, Values)>),
}

macro_rules! each_numeric {
    ($v:expr, $a:ident => $e:expr) => {
        match $v {
            Values::Int8($a) => Some($e),
            Values::Int16($a) => Some($e),
            Values::Int32($a) => Some($e),
            Values::Int64($a) => Some($e),
            Values::UInt8($a) => Some($e),
            Values::UInt16($a) => Some($e),
            Values::UInt32($a) => Some($e),
            Values::UInt64($a) => Some($e),
            Values::Float16($a) => Some($e),
            Values::Float32($a) => Some($e),
            Values::Float64($a) => Some($e),
            _ => None,
        }
    };
}

impl Values {
    /// A 1-D string array.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// let owned: Vec<String> = vec!["Actb".into(), "Gapdh".into()];
    /// assert_eq!(Values::strings(&owned), Values::strings(&["Actb", "Gapdh"]));
    /// assert_eq!(Values::strings(&owned).shape(), [2]);
    /// ```
    pub fn strings<S: AsRef<str>>(v: &[S]) -> Values {
        Values::String(
            ArrayD::from_shape_vec(
                IxDyn(&[v.len()]),
                v.iter().map(|s| s.as_ref().to_string()).collect(),
            )
            .expect("1-D shape matches"),
        )
    }

    /// A scalar string.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// let v = Values::string("3.0.0");
    /// assert!(v.shape().is_empty()); // a scalar, not a one-element array
    /// assert_eq!(v.as_string(), Some("3.0.0"));
    /// ```
    pub fn string(s: &str) -> Values {
        Values::String(ArrayD::from_elem(IxDyn(&[]), s.to_string()))
    }

    /// A 1-D numeric array.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// let v = Values::from_vec(vec![1u8, 0, 1]);
    /// assert_eq!(v.dtype_name(), "uint8");
    /// assert_eq!(v, Values::from(vec![1u8, 0, 1]));
    /// ```
    pub fn from_vec<T: Element>(v: Vec<T>) -> Values {
        let n = v.len();
        T::wrap(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("1-D shape matches"))
    }

    /// A numeric scalar.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// let v = Values::scalar(2.5f64);
    /// assert!(v.shape().is_empty());
    /// assert_eq!(v.as_f64(), Some(2.5));
    /// ```
    pub fn scalar<T: Element>(v: T) -> Values {
        T::wrap(ArrayD::from_elem(IxDyn(&[]), v))
    }

    /// Shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec![1i32, 2, 3]).shape(), [3]);
    /// assert_eq!(Values::from(7i32).shape(), Vec::<usize>::new()); // scalar
    /// ```
    pub fn shape(&self) -> Vec<usize> {
        if let Some(s) = each_numeric!(self, a => a.shape().to_vec()) {
            return s;
        }
        match self {
            Values::Bool(a) => a.shape().to_vec(),
            Values::String(a) => a.shape().to_vec(),
            Values::Enum { values, .. } => values.shape().to_vec(),
            Values::Compound(f) => f.first().map(|(_, v)| v.shape()).unwrap_or_default(),
            _ => unreachable!("numeric handled above"),
        }
    }

    /// Length of the first axis (1 for scalars).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec!["a", "b"]).len(), 2);
    /// assert_eq!(Values::from("a").len(), 1); // a scalar counts as one
    /// ```
    pub fn len(&self) -> usize {
        self.shape().first().copied().unwrap_or(1)
    }

    /// True when the first axis is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert!(Values::from(Vec::<f64>::new()).is_empty());
    /// assert!(!Values::from(0.0f64).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The dtype word of `loom info`: numeric names, `string`, `bool`, `enum`, `compound`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec![1i64]).dtype_name(), "int64");
    /// assert_eq!(Values::from(vec![true]).dtype_name(), "bool");
    /// assert_eq!(Values::from("x").dtype_name(), "string");
    /// ```
    pub fn dtype_name(&self) -> &'static str {
        if let Some(t) = self.num_type() {
            return t.name();
        }
        match self {
            Values::Bool(_) => "bool",
            Values::String(_) => "string",
            Values::Enum { .. } => "enum",
            _ => "compound",
        }
    }

    /// The numeric type, for numeric values.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{NumType, Values};
    /// assert_eq!(Values::from(vec![1u32]).num_type(), Some(NumType::UInt32));
    /// assert_eq!(Values::from(vec![true]).num_type(), None); // bool is not a number type
    /// ```
    pub fn num_type(&self) -> Option<NumType> {
        Some(match self {
            Values::Int8(_) => NumType::Int8,
            Values::Int16(_) => NumType::Int16,
            Values::Int32(_) => NumType::Int32,
            Values::Int64(_) => NumType::Int64,
            Values::UInt8(_) => NumType::UInt8,
            Values::UInt16(_) => NumType::UInt16,
            Values::UInt32(_) => NumType::UInt32,
            Values::UInt64(_) => NumType::UInt64,
            Values::Float16(_) => NumType::Float16,
            Values::Float32(_) => NumType::Float32,
            Values::Float64(_) => NumType::Float64,
            _ => return None,
        })
    }

    /// Numbers as f64 (row-major), for numeric and bool values.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec![1u8, 2]).to_f64(), Some(vec![1.0, 2.0]));
    /// assert_eq!(Values::from(vec![true, false]).to_f64(), Some(vec![1.0, 0.0]));
    /// assert_eq!(Values::from("x").to_f64(), None);
    /// ```
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        #[allow(clippy::unnecessary_cast, reason = "one arm per element type, f64 included")]
        let v = each_numeric!(self, a => a.iter().map(|&x| x as f64).collect());
        if let Some(v) = v {
            return Some(v);
        }
        match self {
            Values::Bool(a) => Some(a.iter().map(|&b| b as u8 as f64).collect()),
            Values::Enum { values, .. } => Some(values.iter().map(|&x| x as f64).collect()),
            _ => None,
        }
    }

    /// The strings, for string values (row-major).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec!["a", "b"]).as_strings().unwrap(), ["a", "b"]);
    /// assert_eq!(Values::from(vec![1i64]).as_strings(), None); // numbers are not converted
    /// ```
    pub fn as_strings(&self) -> Option<Vec<String>> {
        match self {
            Values::String(a) => Some(a.iter().cloned().collect()),
            _ => None,
        }
    }

    /// The elements at positions `idx` along the first axis (any order, repeats allowed).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// let v = Values::from(vec!["a", "b", "c"]);
    /// assert_eq!(v.select(&[2, 0, 2])?, Values::from(vec!["c", "a", "c"]));
    /// assert!(v.select(&[3]).is_err());
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn select(&self, idx: &[usize]) -> Result<Values> {
        let n = self.len();
        if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
            return Err(Error::invalid(format!("index {bad} out of range for {n} values")));
        }
        if self.shape().is_empty() {
            return Err(Error::invalid("cannot index a scalar"));
        }
        let ax = ndarray::Axis(0);
        if let Some(v) = each_numeric_map!(self, a => a.select(ax, idx)) {
            return Ok(v);
        }
        Ok(match self {
            Values::Bool(a) => Values::Bool(a.select(ax, idx)),
            Values::String(a) => Values::String(a.select(ax, idx)),
            Values::Enum { values, members } => {
                Values::Enum { values: values.select(ax, idx), members: members.clone() }
            }
            Values::Compound(f) => Values::Compound(
                f.iter().map(|(k, v)| Ok((k.clone(), v.select(idx)?))).collect::<Result<_>>()?,
            ),
            _ => unreachable!("numeric handled above"),
        })
    }

    /// Concatenate along the first axis (types must match).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// let v = Values::from(vec![1i64, 2]).concat(&Values::from(vec![3i64]))?;
    /// assert_eq!(v, Values::from(vec![1i64, 2, 3]));
    /// assert!(v.concat(&Values::from(vec!["x"])).is_err()); // int64 and string
    /// # Ok::<(), loomfile::Error>(())
    /// ```
    pub fn concat(&self, other: &Values) -> Result<Values> {
        let ax = ndarray::Axis(0);
        let err = || {
            Error::invalid(format!(
                "cannot concatenate {} with {}",
                self.dtype_name(),
                other.dtype_name()
            ))
        };
        macro_rules! cat {
            ($a:expr, $b:expr, $w:path) => {
                ndarray::concatenate(ax, &[$a.view(), $b.view()]).map($w).map_err(|_| err())
            };
        }
        match (self, other) {
            (Values::Int8(a), Values::Int8(b)) => cat!(a, b, Values::Int8),
            (Values::Int16(a), Values::Int16(b)) => cat!(a, b, Values::Int16),
            (Values::Int32(a), Values::Int32(b)) => cat!(a, b, Values::Int32),
            (Values::Int64(a), Values::Int64(b)) => cat!(a, b, Values::Int64),
            (Values::UInt8(a), Values::UInt8(b)) => cat!(a, b, Values::UInt8),
            (Values::UInt16(a), Values::UInt16(b)) => cat!(a, b, Values::UInt16),
            (Values::UInt32(a), Values::UInt32(b)) => cat!(a, b, Values::UInt32),
            (Values::UInt64(a), Values::UInt64(b)) => cat!(a, b, Values::UInt64),
            (Values::Float16(a), Values::Float16(b)) => cat!(a, b, Values::Float16),
            (Values::Float32(a), Values::Float32(b)) => cat!(a, b, Values::Float32),
            (Values::Float64(a), Values::Float64(b)) => cat!(a, b, Values::Float64),
            (Values::Bool(a), Values::Bool(b)) => cat!(a, b, Values::Bool),
            (Values::String(a), Values::String(b)) => cat!(a, b, Values::String),
            (Values::Enum { values: a, members }, Values::Enum { values: b, .. }) => {
                let v = ndarray::concatenate(ax, &[a.view(), b.view()]).map_err(|_| err())?;
                Ok(Values::Enum { values: v, members: members.clone() })
            }
            (Values::Compound(a), Values::Compound(b)) if a.len() == b.len() => {
                Ok(Values::Compound(
                    a.iter()
                        .zip(b)
                        .map(|((k, x), (_, y))| Ok((k.clone(), x.concat(y)?)))
                        .collect::<Result<_>>()?,
                ))
            }
            _ => Err(err()),
        }
    }

    /// `n` fill elements shaped like `self` along the trailing axes: zeros, `false` or "".
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// assert_eq!(Values::from(vec!["a"]).fill_like(2), Values::from(vec!["", ""]));
    /// assert_eq!(Values::from(vec![1.5f32]).fill_like(3), Values::from(vec![0.0f32; 3]));
    /// ```
    pub fn fill_like(&self, n: usize) -> Values {
        let mut shape = self.shape();
        if shape.is_empty() {
            shape.push(n);
        } else {
            shape[0] = n;
        }
        let sh = IxDyn(&shape);
        if let Some(v) = each_numeric_map!(self, _a => ArrayD::zeros(sh.clone())) {
            return v;
        }
        match self {
            Values::Bool(_) => Values::Bool(ArrayD::from_elem(sh, false)),
            Values::String(_) => Values::String(ArrayD::from_elem(sh, String::new())),
            Values::Enum { members, .. } => {
                Values::Enum { values: ArrayD::zeros(sh), members: members.clone() }
            }
            Values::Compound(f) => {
                Values::Compound(f.iter().map(|(k, v)| (k.clone(), v.fill_like(n))).collect())
            }
            _ => unreachable!("numeric handled above"),
        }
    }
}

/// `each_numeric!` producing a `Values` of the same variant.
macro_rules! each_numeric_map {
    ($v:expr, $a:ident => $e:expr) => {
        match $v {
            Values::Int8($a) => Some(Values::Int8($e)),
            Values::Int16($a) => Some(Values::Int16($e)),
            Values::Int32($a) => Some(Values::Int32($e)),
            Values::Int64($a) => Some(Values::Int64($e)),
            Values::UInt8($a) => Some(Values::UInt8($e)),
            Values::UInt16($a) => Some(Values::UInt16($e)),
            Values::UInt32($a) => Some(Values::UInt32($e)),
            Values::UInt64($a) => Some(Values::UInt64($e)),
            Values::Float16($a) => Some(Values::Float16($e)),
            Values::Float32($a) => Some(Values::Float32($e)),
            Values::Float64($a) => Some(Values::Float64($e)),
            _ => None,
        }
    };
}
use each_numeric_map;

/// Native element types that map to a [`Values`] variant.
///
/// # Examples
///
/// ```
/// use loomfile::{Element, NumType, Values};
/// // Generic code over every numeric element type:
/// fn column<T: Element>(v: Vec<T>) -> (NumType, Values) {
///     (T::NUM, Values::from_vec(v))
/// }
/// let (t, v) = column(vec![1u16, 2]);
/// assert_eq!((t, v.num_type()), (NumType::UInt16, Some(NumType::UInt16)));
/// ```
pub trait Element: H5Type + Clone {
    /// Wrap an array.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::ndarray::{ArrayD, IxDyn};
    /// use loomfile::{Element, Values};
    /// let v = <i32 as Element>::wrap(ArrayD::zeros(IxDyn(&[2, 2])));
    /// assert!(matches!(v, Values::Int32(_)));
    /// assert_eq!(v.shape(), [2, 2]);
    /// ```
    fn wrap(a: ArrayD<Self>) -> Values;
    /// The numeric type.
    const NUM: NumType;
}

macro_rules! element {
    ($t:ty, $v:ident, $n:ident) => {
        impl Element for $t {
            fn wrap(a: ArrayD<Self>) -> Values {
                Values::$v(a)
            }
            const NUM: NumType = NumType::$n;
        }
    };
}
element!(i8, Int8, Int8);
element!(i16, Int16, Int16);
element!(i32, Int32, Int32);
element!(i64, Int64, Int64);
element!(u8, UInt8, UInt8);
element!(u16, UInt16, UInt16);
element!(u32, UInt32, UInt32);
element!(u64, UInt64, UInt64);
element!(f32, Float32, Float32);
element!(f64, Float64, Float64);

fn shaped<T: Clone>(v: Vec<T>, shape: &[u64]) -> Result<ArrayD<T>> {
    let sh: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    ArrayD::from_shape_vec(IxDyn(&sh), v)
        .map_err(|e| Error::invalid(format!("shape mismatch: {e}")))
}

fn typed<T: H5Type + Clone>(ds: &hdf5::Dataset, shape: &[u64]) -> Result<ArrayD<T>> {
    shaped(ds.read::<T>()?, shape)
}

/// Read a dataset (attribute or global) as values; `unescape` applies spec-2 string decoding.
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
/// use loomfile::values::read_dataset;
/// let f = LoomFile::open(&path)?;
/// let genes = f.hdf5().dataset("/row_attrs/Gene")?;
/// assert_eq!(read_dataset(&genes, false)?.as_strings().unwrap(), ["a", "b", "c", "d"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_dataset(ds: &hdf5::Dataset, unescape: bool) -> Result<Values> {
    let shape =
        ds.shape().ok_or_else(|| Error::invalid(format!("{}: null dataspace", ds.path())))?;
    let dt = ds.dtype().clone();
    let v = match NumType::of(&dt) {
        Some(NumType::Int8) => Values::Int8(typed(ds, &shape)?),
        Some(NumType::Int16) => Values::Int16(typed(ds, &shape)?),
        Some(NumType::Int32) => Values::Int32(typed(ds, &shape)?),
        Some(NumType::Int64) => Values::Int64(typed(ds, &shape)?),
        Some(NumType::UInt8) => Values::UInt8(typed(ds, &shape)?),
        Some(NumType::UInt16) => Values::UInt16(typed(ds, &shape)?),
        Some(NumType::UInt32) => Values::UInt32(typed(ds, &shape)?),
        Some(NumType::UInt64) => Values::UInt64(typed(ds, &shape)?),
        Some(NumType::Float16) => Values::Float16(typed(ds, &shape)?),
        Some(NumType::Float32) => Values::Float32(typed(ds, &shape)?),
        Some(NumType::Float64) => Values::Float64(typed(ds, &shape)?),
        None => match &dt {
            Datatype::String { .. } | Datatype::VarString { .. } => {
                let s = ds.read_strings()?;
                let s = if unescape {
                    s.iter().map(|x| crate::text::xml_unescape(x)).collect()
                } else {
                    s
                };
                Values::String(shaped(s, &shape)?)
            }
            Datatype::Compound { size, members }
                if members.iter().all(|m| NumType::of(&m.dtype).is_some()) =>
            {
                numeric_compound(*size as usize, members, &shape, &ds.read_raw_all()?, ds.path())?
            }
            _ => from_value(&dt, &shape, ds.value()?, unescape)?,
        },
    };
    Ok(v)
}

/// Records whose fields are all plain numbers (SCENIC's `RegulonsAUC`, embeddings): each
/// field converted straight from the stored records into its typed column, without a
/// decoded value per element.
fn numeric_compound(
    size: usize,
    members: &[hdf5::Member],
    shape: &[u64],
    raw: &[u8],
    path: &str,
) -> Result<Values> {
    use hdf5::convert::element;
    // alloc: members.len(), members already decoded
    let mut fields = Vec::with_capacity(members.len());
    for m in members {
        let kind = hdf5::NumKind::of(&m.dtype).map_err(|e| e.at(path))?;
        let (off, n) = (m.offset as usize, kind.size());
        if size == 0 || off + n > size {
            let e = hdf5::Error::malformed("compound datatype", 0, "member outside the record");
            return Err(e.at(path).into());
        }
        let records = raw.chunks_exact(size);
        macro_rules! column {
            ($t:ty, $variant:ident) => {{
                let v: Vec<$t> = records.map(|r| element::<$t>(kind, &r[off..off + n])).collect();
                Values::$variant(shaped(v, shape)?)
            }};
        }
        let col = match NumType::of(&m.dtype) {
            Some(NumType::Int8) => column!(i8, Int8),
            Some(NumType::Int16) => column!(i16, Int16),
            Some(NumType::Int32) => column!(i32, Int32),
            Some(NumType::Int64) => column!(i64, Int64),
            Some(NumType::UInt8) => column!(u8, UInt8),
            Some(NumType::UInt16) => column!(u16, UInt16),
            Some(NumType::UInt32) => column!(u32, UInt32),
            Some(NumType::UInt64) => column!(u64, UInt64),
            Some(NumType::Float16) => column!(f32, Float16),
            Some(NumType::Float32) => column!(f32, Float32),
            Some(NumType::Float64) | None => column!(f64, Float64),
        };
        fields.push((m.name.clone(), col));
    }
    Ok(Values::Compound(fields))
}

/// Read an HDF5 attribute as values.
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
/// use loomfile::values::read_attribute;
/// let f = LoomFile::open(&path)?;
/// let root = f.hdf5().root()?;
/// let stamp = root.attribute("last_modified")?.expect("stamped on every write");
/// assert!(read_attribute(&stamp, false)?.as_string().unwrap().ends_with('Z'));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_attribute(a: &hdf5::Attribute, unescape: bool) -> Result<Values> {
    let shape = a
        .shape()
        .ok_or_else(|| Error::invalid(format!("attribute {}: null dataspace", a.name())))?;
    let dt = a.dtype().clone();
    if let Some(t) = NumType::of(&dt) {
        macro_rules! rd {
            ($ty:ty, $v:ident) => {
                Values::$v(shaped(a.read::<$ty>()?, &shape)?)
            };
        }
        return Ok(match t {
            NumType::Int8 => rd!(i8, Int8),
            NumType::Int16 => rd!(i16, Int16),
            NumType::Int32 => rd!(i32, Int32),
            NumType::Int64 => rd!(i64, Int64),
            NumType::UInt8 => rd!(u8, UInt8),
            NumType::UInt16 => rd!(u16, UInt16),
            NumType::UInt32 => rd!(u32, UInt32),
            NumType::UInt64 => rd!(u64, UInt64),
            NumType::Float16 => rd!(f32, Float16),
            NumType::Float32 => rd!(f32, Float32),
            NumType::Float64 => rd!(f64, Float64),
        });
    }
    from_value(&dt, &shape, a.value()?, unescape)
}

/// Convert a decoded value tree of type `dt` and `shape`.
fn from_value(dt: &Datatype, shape: &[u64], v: Value, unescape: bool) -> Result<Values> {
    match dt {
        Datatype::Compound { members, .. } => {
            let Value::Map(fields) = v else {
                return Err(Error::invalid("compound value expected"));
            };
            // alloc: members.len(), members already decoded
            let mut out = Vec::with_capacity(members.len());
            for (m, (name, fv)) in members.iter().zip(fields) {
                let mut sh = shape.to_vec();
                if let Datatype::Array { dims, .. } = &m.dtype {
                    sh.extend(dims.iter().map(|&d| d as u64));
                }
                let inner = match &m.dtype {
                    Datatype::Array { base, .. } => base.as_ref(),
                    t => t,
                };
                out.push((name, from_value(inner, &sh, fv, unescape)?));
            }
            Ok(Values::Compound(out))
        }
        Datatype::Array { dims, base } => {
            let mut sh = shape.to_vec();
            sh.extend(dims.iter().map(|&d| d as u64));
            from_value(base, &sh, v, unescape)
        }
        _ => {
            let flat = if shape.is_empty() { vec![v] } else { v.flatten() };
            from_flat(dt, shape, flat, unescape)
        }
    }
}

fn from_flat(dt: &Datatype, shape: &[u64], flat: Vec<Value>, unescape: bool) -> Result<Values> {
    let bad = || Error::invalid(format!("unexpected value for {}", hdf5::convert::describe(dt)));
    match dt {
        Datatype::Enum { .. } if dt.is_bool_enum() => Ok(Values::Bool(shaped(
            flat.into_iter().map(|x| matches!(x, Value::Bool(true))).collect(),
            shape,
        )?)),
        Datatype::Enum { base, members } => {
            let members = members
                .iter()
                .map(|(n, raw)| {
                    let v = hdf5::convert::integer(base, raw)
                        .and_then(|v| v.as_f64())
                        .unwrap_or(0.0) as i64;
                    (n.clone(), v)
                })
                .collect();
            let vals = flat
                .iter()
                .map(|x| x.as_f64().map(|f| f as i64).ok_or_else(bad))
                .collect::<Result<_>>()?;
            Ok(Values::Enum { values: shaped(vals, shape)?, members })
        }
        Datatype::String { .. } | Datatype::VarString { .. } => {
            let s: Vec<String> = flat
                .into_iter()
                .map(|x| match x {
                    Value::Str(s) => Ok(if unescape { crate::text::xml_unescape(&s) } else { s }),
                    _ => Err(bad()),
                })
                .collect::<Result<_>>()?;
            Ok(Values::String(shaped(s, shape)?))
        }
        _ => match NumType::of(dt) {
            Some(NumType::Float64) | Some(NumType::Float32) | Some(NumType::Float16) => {
                let v: Vec<f64> =
                    flat.iter().map(|x| x.as_f64().ok_or_else(bad)).collect::<Result<_>>()?;
                Ok(match NumType::of(dt) {
                    Some(NumType::Float64) => Values::Float64(shaped(v, shape)?),
                    Some(NumType::Float16) => {
                        Values::Float16(shaped(v.iter().map(|&x| x as f32).collect(), shape)?)
                    }
                    _ => Values::Float32(shaped(v.iter().map(|&x| x as f32).collect(), shape)?),
                })
            }
            // Integers keep their stored type (compound fields): an int64 for everything
            // would wrap uint64 values above i64::MAX into negative numbers.
            Some(t) => {
                macro_rules! ints {
                    ($ty:ty, $variant:ident) => {{
                        let v: Vec<$ty> = flat
                            .iter()
                            .map(|x| match *x {
                                Value::Int(i) => <$ty>::try_from(i).map_err(|_| bad()),
                                Value::UInt(u) => <$ty>::try_from(u).map_err(|_| bad()),
                                _ => Err(bad()),
                            })
                            .collect::<Result<_>>()?;
                        Values::$variant(shaped(v, shape)?)
                    }};
                }
                Ok(match t {
                    NumType::Int8 => ints!(i8, Int8),
                    NumType::Int16 => ints!(i16, Int16),
                    NumType::Int32 => ints!(i32, Int32),
                    NumType::UInt8 => ints!(u8, UInt8),
                    NumType::UInt16 => ints!(u16, UInt16),
                    NumType::UInt32 => ints!(u32, UInt32),
                    NumType::UInt64 => ints!(u64, UInt64),
                    _ => ints!(i64, Int64),
                })
            }
            None => Err(Error::invalid(format!(
                "{} values are not supported as loom attributes",
                hdf5::convert::describe(dt)
            ))),
        },
    }
}

/// Float32 to IEEE binary16 bits (round to nearest even, through the `half` crate).
///
/// # Examples
///
/// ```
/// use loomfile::values::f32_to_f16;
/// assert_eq!(f32_to_f16(1.0), 0x3C00);
/// assert_eq!(f32_to_f16(-2.0), 0xC000);
/// assert_eq!(f32_to_f16(1e6), 0x7C00); // past float16's range: infinity
/// ```
pub fn f32_to_f16(x: f32) -> u16 {
    half::f16::from_f32(x).to_bits()
}

/// The HDF5 type and data the writer stores for `v`, or an error for unsupported kinds.
///
/// # Examples
///
/// ```
/// use loomfile::{NumType, Values, values::to_storage};
/// let (dtype, _data) = to_storage(&Values::from(vec![1i16, 2]))?;
/// assert_eq!(NumType::of(&dtype), Some(NumType::Int16));
/// # Ok::<(), loomfile::Error>(())
/// ```
pub fn to_storage(v: &Values) -> Result<(Datatype, loomfile_hdf5::Data)> {
    use loomfile_hdf5::Data;
    fn raw<T: H5Type>(a: &ArrayD<T>) -> Vec<u8> {
        // alloc: caller's data: a.len()
        let mut out = Vec::with_capacity(a.len() * T::datatype().size() as usize);
        for &x in a.iter() {
            x.write_le(&mut out);
        }
        out
    }
    Ok(match v {
        Values::Int8(a) => (NumType::Int8.datatype(), Data::Raw(raw(a))),
        Values::Int16(a) => (NumType::Int16.datatype(), Data::Raw(raw(a))),
        Values::Int32(a) => (NumType::Int32.datatype(), Data::Raw(raw(a))),
        Values::Int64(a) => (NumType::Int64.datatype(), Data::Raw(raw(a))),
        Values::UInt8(a) => (NumType::UInt8.datatype(), Data::Raw(raw(a))),
        Values::UInt16(a) => (NumType::UInt16.datatype(), Data::Raw(raw(a))),
        Values::UInt32(a) => (NumType::UInt32.datatype(), Data::Raw(raw(a))),
        Values::UInt64(a) => (NumType::UInt64.datatype(), Data::Raw(raw(a))),
        Values::Float16(a) => (
            NumType::Float16.datatype(),
            Data::Raw(a.iter().flat_map(|&x| f32_to_f16(x).to_le_bytes()).collect()),
        ),
        Values::Float32(a) => (NumType::Float32.datatype(), Data::Raw(raw(a))),
        Values::Float64(a) => (NumType::Float64.datatype(), Data::Raw(raw(a))),
        // loompy stores bools as uint8; so do we (readers everywhere understand it).
        Values::Bool(a) => {
            (NumType::UInt8.datatype(), Data::Raw(a.iter().map(|&b| b as u8).collect()))
        }
        Values::String(a) => (Datatype::vlen_utf8(), Data::Strings(a.iter().cloned().collect())),
        Values::Enum { values, members } => {
            let base = Datatype::Integer {
                size: 8,
                signed: true,
                order: ByteOrder::Little,
                offset: 0,
                precision: 64,
            };
            let members =
                members.iter().map(|(n, x)| (n.clone(), x.to_le_bytes().to_vec())).collect();
            (Datatype::Enum { base: Box::new(base), members }, Data::Raw(raw(values)))
        }
        Values::Compound(_) => {
            return Err(Error::invalid("writing compound attributes is not supported"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_conversion_exact_for_representable() {
        for (x, h) in
            [(1.0f32, 0x3c00u16), (-2.0, 0xc000), (65504.0, 0x7bff), (0.0, 0), (5.960_464_5e-8, 1)]
        {
            assert_eq!(f32_to_f16(x), h, "{x}");
        }
        assert_eq!(f32_to_f16(f32::INFINITY), 0x7c00);
        assert_eq!(f32_to_f16(1e6), 0x7c00);
    }

    /// The typed path for all-numeric records gives what the general decoded-value path
    /// gives, for every numeric member kind, either byte order, float16 and padding.
    #[test]
    fn numeric_compound_matches_the_value_path() {
        use hdf5::Member;
        use hdf5::storage::MemStorage;
        use hdf5::{DatasetSpec, Writer};
        use std::sync::Arc;
        let big = |d: Datatype| match d {
            Datatype::Integer { size, signed, offset, precision, .. } => {
                Datatype::Integer { size, signed, order: ByteOrder::Big, offset, precision }
            }
            Datatype::Float { size, layout, .. } => {
                Datatype::Float { size, order: ByteOrder::Big, layout }
            }
            other => other,
        };
        let kinds = [
            Datatype::int(1, true),
            big(Datatype::int(2, false)),
            Datatype::int(4, true),
            Datatype::int(8, false),
            big(Datatype::int(8, true)),
            Datatype::float(2),
            big(Datatype::float(4)),
            Datatype::float(8),
        ];
        // Members 3 bytes apart from each other's ends (padding), in a 1-D and a 2-D dataset.
        let mut members = Vec::new();
        let mut off = 1u32;
        for (i, dt) in kinds.iter().enumerate() {
            members.push(Member { name: format!("f{i}"), offset: off, dtype: dt.clone() });
            off += dt.size() as u32 + 3;
        }
        let dt = Datatype::Compound { size: off, members };
        let mem = Arc::new(MemStorage::new(Vec::new()));
        let mut w = Writer::create_in(mem.clone()).unwrap();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for (path, shape) in [("/one", vec![37u64]), ("/two", vec![5, 7])] {
            let n: u64 = shape.iter().product();
            let raw: Vec<u8> = (0..n * off as u64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            w.create_dataset(path, DatasetSpec::contiguous(dt.clone(), &shape)).unwrap();
            w.write_raw_all(path, &raw).unwrap();
        }
        w.finish().unwrap();
        let f = hdf5::File::from_bytes(mem.to_vec()).unwrap();
        for path in ["/one", "/two"] {
            let ds = f.dataset(path).unwrap();
            let shape = ds.shape().unwrap();
            let fast = read_dataset(&ds, false).unwrap();
            assert!(matches!(&fast, Values::Compound(c) if c.len() == kinds.len()));
            let slow = from_value(ds.dtype(), &shape, ds.value().unwrap(), false).unwrap();
            // NaN != NaN: compare the bits of float columns.
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{path}");
        }
    }

    #[test]
    fn select_concat_fill() {
        let v = Values::strings(&["a", "b", "c"]);
        assert_eq!(v.select(&[2, 0, 2]).unwrap(), Values::strings(&["c", "a", "c"]));
        assert_eq!(v.concat(&v.fill_like(2)).unwrap(), Values::strings(&["a", "b", "c", "", ""]));
        let n = Values::from_vec(vec![1i64, 2]);
        assert!(n.concat(&v).is_err());
        assert_eq!(n.fill_like(1), Values::from_vec(vec![0i64]));
    }
}
