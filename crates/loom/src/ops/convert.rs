//! Attribute conversions shared by the operations.
//!
//! - Numbers follow [`crate::numeric`]'s one policy (into integers exact or an error, into
//!   floats rounded); this module applies it to whole attribute values.
//! - [`Kind`], [`promote`], [`cast`]: numpy-like type promotion for attribute values that
//!   are concatenated across files (int32 + int64 -> int64, int + float32 -> float32 or
//!   float64, bool + number -> number); strings only combine with strings.
//! - [`fill`], [`repeat`], [`concat_all`]: fill values for missing attributes, globals
//!   broadcast to column attributes, and concatenation along the first axis.

use crate::error::{Error, Result};
use crate::numeric::{self, Scalar, int_range, not_exact};
use crate::values::{NumType, Values};
use ndarray::{ArrayD, IxDyn};

// ----- attribute values -----

/// What an attribute holds, for promotion across files.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    /// Numbers of this type.
    Num(NumType),
    /// Booleans.
    Bool,
    /// Text.
    Str,
    /// An enumeration with these members.
    Enum(Vec<(String, i64)>),
    /// Compound records with these field names.
    Compound(Vec<String>),
}

impl Kind {
    /// A word for error messages.
    pub fn name(&self) -> String {
        match self {
            Kind::Num(t) => t.name().to_string(),
            Kind::Bool => "bool".into(),
            Kind::Str => "string".into(),
            Kind::Enum(_) => "enum".into(),
            Kind::Compound(_) => "compound".into(),
        }
    }
}

/// The kind of `v`.
pub(crate) fn kind_of(v: &Values) -> Kind {
    if let Some(t) = v.num_type() {
        return Kind::Num(t);
    }
    match v {
        Values::Bool(_) => Kind::Bool,
        Values::String(_) => Kind::Str,
        Values::Enum { members, .. } => Kind::Enum(members.clone()),
        Values::Compound(f) => Kind::Compound(f.iter().map(|(k, _)| k.clone()).collect()),
        _ => unreachable!("numeric handled above"),
    }
}

/// The common kind of two kinds, if they can be combined.
pub(crate) fn promote(a: &Kind, b: &Kind) -> Option<Kind> {
    Some(match (a, b) {
        (x, y) if x == y => x.clone(),
        (Kind::Num(x), Kind::Num(y)) => Kind::Num(numeric::promote(*x, *y)),
        (Kind::Num(x), Kind::Bool) | (Kind::Bool, Kind::Num(x)) => Kind::Num(*x),
        _ => return None,
    })
}

/// Numbers of numeric or bool values, row-major.
pub(crate) fn nums(v: &Values) -> Option<Vec<Scalar>> {
    macro_rules! ints {
        ($a:expr) => {
            $a.iter().map(|&x| Scalar::I(x as i128)).collect()
        };
    }
    macro_rules! floats {
        ($a:expr) => {
            $a.iter().map(|&x| Scalar::F(x as f64)).collect()
        };
    }
    Some(match v {
        Values::Int8(a) => ints!(a),
        Values::Int16(a) => ints!(a),
        Values::Int32(a) => ints!(a),
        Values::Int64(a) => ints!(a),
        Values::UInt8(a) => ints!(a),
        Values::UInt16(a) => ints!(a),
        Values::UInt32(a) => ints!(a),
        Values::UInt64(a) => ints!(a),
        Values::Float16(a) => floats!(a),
        Values::Float32(a) => floats!(a),
        Values::Float64(a) => floats!(a),
        Values::Bool(a) => a.iter().map(|&b| Scalar::I(b as i128)).collect(),
        _ => return None,
    })
}

/// Numbers as values of type `t` with `shape` (exact for integer types, else an error).
pub(crate) fn from_nums(t: NumType, shape: &[usize], v: &[Scalar], what: &str) -> Result<Values> {
    let sh = IxDyn(shape);
    let bad = |n: Scalar| not_exact(what.to_string(), n, t);
    macro_rules! int {
        ($ty:ty, $var:ident) => {{
            let (lo, hi) = int_range(t).expect("integer type");
            // alloc: v.len(), values already in memory
            let mut out = Vec::with_capacity(v.len());
            for &n in v {
                let i = match n {
                    Scalar::I(i) => i,
                    Scalar::F(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1.8e19 => {
                        x as i128
                    }
                    _ => return Err(bad(n)),
                };
                if i < lo || i > hi {
                    return Err(bad(n));
                }
                out.push(i as $ty);
            }
            Values::$var(
                ArrayD::from_shape_vec(sh, out).map_err(|e| Error::invalid(e.to_string()))?,
            )
        }};
    }
    let f = |n: &Scalar| match *n {
        Scalar::I(i) => i as f64,
        Scalar::F(x) => x,
    };
    let shaped = |x: Vec<f64>| {
        ArrayD::from_shape_vec(sh.clone(), x).map_err(|e| Error::invalid(e.to_string()))
    };
    Ok(match t {
        NumType::Int8 => int!(i8, Int8),
        NumType::Int16 => int!(i16, Int16),
        NumType::Int32 => int!(i32, Int32),
        NumType::Int64 => int!(i64, Int64),
        NumType::UInt8 => int!(u8, UInt8),
        NumType::UInt16 => int!(u16, UInt16),
        NumType::UInt32 => int!(u32, UInt32),
        NumType::UInt64 => int!(u64, UInt64),
        NumType::Float16 => Values::Float16(shaped(v.iter().map(f).collect())?.mapv(|x| x as f32)),
        NumType::Float32 => Values::Float32(shaped(v.iter().map(f).collect())?.mapv(|x| x as f32)),
        NumType::Float64 => Values::Float64(shaped(v.iter().map(f).collect())?),
    })
}

/// `v` converted to kind `k` (numbers widen; anything else must already be of kind `k`).
pub(crate) fn cast(v: &Values, k: &Kind, what: &str) -> Result<Values> {
    let have = kind_of(v);
    if &have == k {
        return Ok(v.clone());
    }
    match k {
        Kind::Num(t) => {
            let n = nums(v).ok_or_else(|| {
                Error::invalid(format!("{what}: cannot convert {} to {}", have.name(), k.name()))
            })?;
            from_nums(*t, &v.shape(), &n, what)
        }
        _ => {
            Err(Error::invalid(format!("{what}: cannot combine {} with {}", have.name(), k.name())))
        }
    }
}

/// `n` rows of fill shaped like `template` (same kind, same trailing shape): zeros, "", false,
/// or `scalar` converted to the template's kind.
pub(crate) fn fill(
    template: &Values,
    n: usize,
    scalar: Option<&Values>,
    what: &str,
) -> Result<Values> {
    let mut shape = template.shape();
    if shape.is_empty() {
        shape.push(n);
    } else {
        shape[0] = n;
    }
    // n is an axis length of another file: its claim passes the work budget (with bytes of
    // 8 per value, the widest fill) before any room is taken.
    let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let limits = loomfile_hdf5::Limits::default();
    let count = limits.check_shape(what, "fill values", &dims)?;
    limits.check_bytes(what, "fill bytes", count.saturating_mul(8))?;
    let Some(s) = scalar else {
        return Ok(template.fill_like(n));
    };
    let total: usize = shape.iter().product();
    if s.shape().iter().product::<usize>() != 1 {
        return Err(Error::invalid(format!("{what}: the fill value must be a single value")));
    }
    let bad = || {
        Error::invalid(format!(
            "{what}: a {} fill value for a {} attribute",
            s.dtype_name(),
            template.dtype_name()
        ))
    };
    match kind_of(template) {
        Kind::Num(t) => {
            let x = nums(s).ok_or_else(bad)?[0];
            // alloc: total under max_elements and 8 x total under max_read_bytes (checked above)
            from_nums(t, &shape, &vec![x; total], what)
        }
        Kind::Str => {
            let x = s.as_strings().ok_or_else(bad)?.remove(0);
            Ok(Values::String(ArrayD::from_elem(IxDyn(&shape), x)))
        }
        Kind::Bool => {
            let x = match nums(s).ok_or_else(bad)?[0] {
                Scalar::I(i) => i != 0,
                Scalar::F(f) => f != 0.0,
            };
            Ok(Values::Bool(ArrayD::from_elem(IxDyn(&shape), x)))
        }
        _ => Err(Error::invalid(format!(
            "{what}: fill values for {} attributes are not supported",
            template.dtype_name()
        ))),
    }
}

/// `v` repeated `n` times along a new first axis (a scalar becomes `n` values).
pub(crate) fn repeat(v: &Values, n: usize) -> Values {
    let mut shape = vec![n];
    shape.extend(v.shape());
    let sh = IxDyn(&shape);
    macro_rules! rep {
        ($a:expr, $var:ident) => {{
            let k = $a.len();
            let data: Vec<_> = $a.iter().cloned().cycle().take(k * n).collect();
            Values::$var(ArrayD::from_shape_vec(sh, data).expect("n copies"))
        }};
    }
    match v {
        Values::Int8(a) => rep!(a, Int8),
        Values::Int16(a) => rep!(a, Int16),
        Values::Int32(a) => rep!(a, Int32),
        Values::Int64(a) => rep!(a, Int64),
        Values::UInt8(a) => rep!(a, UInt8),
        Values::UInt16(a) => rep!(a, UInt16),
        Values::UInt32(a) => rep!(a, UInt32),
        Values::UInt64(a) => rep!(a, UInt64),
        Values::Float16(a) => rep!(a, Float16),
        Values::Float32(a) => rep!(a, Float32),
        Values::Float64(a) => rep!(a, Float64),
        Values::Bool(a) => rep!(a, Bool),
        Values::String(a) => rep!(a, String),
        Values::Enum { values, members } => {
            let k = values.len();
            let data: Vec<i64> = values.iter().cloned().cycle().take(k * n).collect();
            Values::Enum {
                values: ArrayD::from_shape_vec(sh, data).expect("n copies"),
                members: members.clone(),
            }
        }
        Values::Compound(f) => {
            Values::Compound(f.iter().map(|(k, x)| (k.clone(), repeat(x, n))).collect())
        }
    }
}

/// Concatenate values of one kind along the first axis.
pub(crate) fn concat_all(parts: &[Values]) -> Result<Values> {
    let Some(first) = parts.first() else {
        return Err(Error::invalid("nothing to concatenate"));
    };
    if parts.len() == 1 {
        return Ok(first.clone());
    }
    let ax = ndarray::Axis(0);
    let err = || Error::invalid("cannot concatenate values of different kinds or shapes");
    macro_rules! cat {
        ($var:ident) => {{
            let views = parts
                .iter()
                .map(|p| match p {
                    Values::$var(a) => Ok(a.view()),
                    _ => Err(err()),
                })
                .collect::<Result<Vec<_>>>()?;
            Values::$var(ndarray::concatenate(ax, &views).map_err(|_| err())?)
        }};
    }
    Ok(match first {
        Values::Int8(_) => cat!(Int8),
        Values::Int16(_) => cat!(Int16),
        Values::Int32(_) => cat!(Int32),
        Values::Int64(_) => cat!(Int64),
        Values::UInt8(_) => cat!(UInt8),
        Values::UInt16(_) => cat!(UInt16),
        Values::UInt32(_) => cat!(UInt32),
        Values::UInt64(_) => cat!(UInt64),
        Values::Float16(_) => cat!(Float16),
        Values::Float32(_) => cat!(Float32),
        Values::Float64(_) => cat!(Float64),
        Values::Bool(_) => cat!(Bool),
        Values::String(_) => cat!(String),
        _ => {
            let mut acc = first.clone();
            for p in &parts[1..] {
                acc = acc.concat(p)?;
            }
            acc
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_helpers() {
        let a = Values::from_vec(vec![1i32, 2]);
        let b = Values::from_vec(vec![3i64]);
        let k = promote(&kind_of(&a), &kind_of(&b)).unwrap();
        let parts = [cast(&a, &k, "a").unwrap(), cast(&b, &k, "b").unwrap()];
        assert_eq!(concat_all(&parts).unwrap(), Values::from_vec(vec![1i64, 2, 3]));
        assert!(promote(&Kind::Str, &Kind::Num(NumType::Int8)).is_none());
        let r = repeat(&Values::string("x"), 3);
        assert_eq!(r, Values::strings(&["x", "x", "x"]));
        let f = fill(&a, 2, Some(&Values::scalar(-1i64)), "a").unwrap();
        assert_eq!(f, Values::from_vec(vec![-1i32, -1]));
        assert!(fill(&a, 2, Some(&Values::scalar(0.5f64)), "a").is_err());
    }
}
