//! Element and attribute conversions shared by the operations.
//!
//! - [`Enc`]: a numeric element encoding (type and byte order) and [`convert`], which re-encodes
//!   raw element bytes. Conversions into integer types are exact or fail (a float with a
//!   fraction, NaN, or a value out of range is an error, never a silent truncation); into
//!   float types they round as numpy does.
//! - [`Kind`], [`promote`], [`cast`]: numpy-like type promotion for attribute values that
//!   are concatenated across files (int32 + int64 -> int64, int + float32 -> float32 or
//!   float64, bool + number -> number); strings only combine with strings.
//! - [`fill`], [`repeat`], [`concat_all`]: fill values for missing attributes, globals
//!   broadcast to column attributes, and concatenation along the first axis.

use crate::error::{Error, Result};
use crate::values::{NumType, Values, f32_to_f16};
use loomfile_hdf5::convert::f16_to_f64;
use loomfile_hdf5::{ByteOrder, Datatype};
use ndarray::{ArrayD, IxDyn};

/// How numeric elements are stored: type and byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Enc {
    /// The numeric type.
    pub t: NumType,
    /// Big-endian (foreign writers only; everything written here is little-endian).
    pub be: bool,
}

impl Enc {
    /// Little-endian `t`.
    pub fn le(t: NumType) -> Enc {
        Enc { t, be: false }
    }

    /// The encoding of a numeric HDF5 type.
    pub fn of(dt: &Datatype) -> Option<Enc> {
        let t = NumType::of(dt)?;
        let be = match dt {
            Datatype::Integer { order, .. } | Datatype::Float { order, .. } => {
                *order == ByteOrder::Big
            }
            _ => false,
        };
        Some(Enc { t, be })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        size_of(self.t)
    }
}

/// Bytes per element of a numeric type.
pub(crate) fn size_of(t: NumType) -> usize {
    match t {
        NumType::Int8 | NumType::UInt8 => 1,
        NumType::Int16 | NumType::UInt16 | NumType::Float16 => 2,
        NumType::Int32 | NumType::UInt32 | NumType::Float32 => 4,
        NumType::Int64 | NumType::UInt64 | NumType::Float64 => 8,
    }
}

/// One number, wide enough for every stored type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    /// Any integer.
    I(i128),
    /// Any float.
    F(f64),
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::I(i) => write!(f, "{i}"),
            Num::F(x) => write!(f, "{x}"),
        }
    }
}

fn int_range(t: NumType) -> Option<(i128, i128)> {
    Some(match t {
        NumType::Int8 => (i8::MIN as i128, i8::MAX as i128),
        NumType::Int16 => (i16::MIN as i128, i16::MAX as i128),
        NumType::Int32 => (i32::MIN as i128, i32::MAX as i128),
        NumType::Int64 => (i64::MIN as i128, i64::MAX as i128),
        NumType::UInt8 => (0, u8::MAX as i128),
        NumType::UInt16 => (0, u16::MAX as i128),
        NumType::UInt32 => (0, u32::MAX as i128),
        NumType::UInt64 => (0, u64::MAX as i128),
        _ => return None,
    })
}

/// Decode one element (`b` holds exactly one element).
pub(crate) fn get(e: Enc, b: &[u8]) -> Num {
    let n = b.len().min(8);
    let mut a = [0u8; 8];
    a[..n].copy_from_slice(&b[..n]);
    if e.be {
        a[..n].reverse();
    }
    match e.t {
        NumType::Int8 => Num::I(a[0] as i8 as i128),
        NumType::Int16 => Num::I(i16::from_le_bytes([a[0], a[1]]) as i128),
        NumType::Int32 => Num::I(i32::from_le_bytes([a[0], a[1], a[2], a[3]]) as i128),
        NumType::Int64 => Num::I(i64::from_le_bytes(a) as i128),
        NumType::UInt8 => Num::I(a[0] as i128),
        NumType::UInt16 => Num::I(u16::from_le_bytes([a[0], a[1]]) as i128),
        NumType::UInt32 => Num::I(u32::from_le_bytes([a[0], a[1], a[2], a[3]]) as i128),
        NumType::UInt64 => Num::I(u64::from_le_bytes(a) as i128),
        NumType::Float16 => Num::F(f16_to_f64(u16::from_le_bytes([a[0], a[1]]))),
        NumType::Float32 => Num::F(f32::from_le_bytes([a[0], a[1], a[2], a[3]]) as f64),
        NumType::Float64 => Num::F(f64::from_le_bytes(a)),
    }
}

/// Encode one element; `Err(n)` when `n` cannot be stored exactly in an integer type.
pub(crate) fn put(e: Enc, n: Num, out: &mut Vec<u8>) -> std::result::Result<(), Num> {
    let start = out.len();
    if let Some((lo, hi)) = int_range(e.t) {
        let i = match n {
            Num::I(i) => i,
            Num::F(x) => {
                if !x.is_finite() || x.fract() != 0.0 || x.abs() > 1.8e19 {
                    return Err(n);
                }
                x as i128
            }
        };
        if i < lo || i > hi {
            return Err(n);
        }
        let le = (i as i64).to_le_bytes();
        let le_u = (i as u64).to_le_bytes();
        match e.t {
            NumType::UInt64 => out.extend_from_slice(&le_u),
            _ => out.extend_from_slice(&le[..size_of(e.t)]),
        }
    } else {
        let x = match n {
            Num::I(i) => i as f64,
            Num::F(x) => x,
        };
        match e.t {
            NumType::Float16 => out.extend_from_slice(&f32_to_f16(x as f32).to_le_bytes()),
            NumType::Float32 => out.extend_from_slice(&(x as f32).to_le_bytes()),
            _ => out.extend_from_slice(&x.to_le_bytes()),
        }
    }
    if e.be {
        out[start..].reverse();
    }
    Ok(())
}

/// Re-encode raw elements `src` (encoding `from`) as `to`, appending to `out`. `what` names
/// the data in the error for a value that does not fit.
pub(crate) fn convert(
    src: &[u8],
    from: Enc,
    to: Enc,
    out: &mut Vec<u8>,
    what: &dyn Fn() -> String,
) -> Result<()> {
    if from == to {
        out.extend_from_slice(src);
        return Ok(());
    }
    let (fs, ts) = (from.size(), to.size());
    if from.t == to.t {
        out.reserve(src.len());
        for e in src.chunks_exact(fs) {
            out.extend(e.iter().rev());
        }
        return Ok(());
    }
    out.reserve(src.len() / fs * ts);
    for e in src.chunks_exact(fs) {
        let n = get(from, e);
        put(to, n, out).map_err(|v| lossy(what(), v, to.t))?;
    }
    Ok(())
}

/// The error for a value that does not fit a type.
pub(crate) fn lossy(what: String, v: Num, t: NumType) -> Error {
    Error::invalid(format!("{what}: value {v} cannot be stored as {} without loss", t.name()))
}

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

fn int_type(signed: bool, size: usize) -> NumType {
    match (signed, size) {
        (true, 1) => NumType::Int8,
        (true, 2) => NumType::Int16,
        (true, 4) => NumType::Int32,
        (true, _) => NumType::Int64,
        (false, 1) => NumType::UInt8,
        (false, 2) => NumType::UInt16,
        (false, 4) => NumType::UInt32,
        (false, _) => NumType::UInt64,
    }
}

fn float_type(size: usize) -> NumType {
    match size {
        2 => NumType::Float16,
        4 => NumType::Float32,
        _ => NumType::Float64,
    }
}

fn signed(t: NumType) -> bool {
    matches!(t, NumType::Int8 | NumType::Int16 | NumType::Int32 | NumType::Int64)
}

/// numpy's `result_type` for two numeric types.
pub(crate) fn promote_num(a: NumType, b: NumType) -> NumType {
    if a == b {
        return a;
    }
    let (sa, sb) = (size_of(a), size_of(b));
    match (a.is_float(), b.is_float()) {
        (true, true) => float_type(sa.max(sb)),
        (true, false) | (false, true) => {
            let (f, i) = if a.is_float() { (sa, sb) } else { (sb, sa) };
            // The float must hold every value of the integer type exactly (as numpy decides).
            let need = match i {
                1 => 2,
                2 => 4,
                _ => 8,
            };
            float_type(f.max(need))
        }
        (false, false) => {
            if signed(a) == signed(b) {
                return int_type(signed(a), sa.max(sb));
            }
            let (s, u) = if signed(a) { (sa, sb) } else { (sb, sa) };
            if s > u {
                int_type(true, s)
            } else if u < 8 {
                int_type(true, u * 2)
            } else {
                NumType::Float64
            }
        }
    }
}

/// The common kind of two kinds, if they can be combined.
pub(crate) fn promote(a: &Kind, b: &Kind) -> Option<Kind> {
    Some(match (a, b) {
        (x, y) if x == y => x.clone(),
        (Kind::Num(x), Kind::Num(y)) => Kind::Num(promote_num(*x, *y)),
        (Kind::Num(x), Kind::Bool) | (Kind::Bool, Kind::Num(x)) => Kind::Num(*x),
        _ => return None,
    })
}

/// Numbers of numeric or bool values, row-major.
pub(crate) fn nums(v: &Values) -> Option<Vec<Num>> {
    macro_rules! ints {
        ($a:expr) => {
            $a.iter().map(|&x| Num::I(x as i128)).collect()
        };
    }
    macro_rules! floats {
        ($a:expr) => {
            $a.iter().map(|&x| Num::F(x as f64)).collect()
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
        Values::Bool(a) => a.iter().map(|&b| Num::I(b as i128)).collect(),
        _ => return None,
    })
}

/// Numbers as values of type `t` with `shape` (exact for integer types, else an error).
pub(crate) fn from_nums(t: NumType, shape: &[usize], v: &[Num], what: &str) -> Result<Values> {
    let sh = IxDyn(shape);
    let bad = |n: Num| lossy(what.to_string(), n, t);
    macro_rules! int {
        ($ty:ty, $var:ident) => {{
            let (lo, hi) = int_range(t).expect("integer type");
            // alloc: v.len(), values already in memory
            let mut out = Vec::with_capacity(v.len());
            for &n in v {
                let i = match n {
                    Num::I(i) => i,
                    Num::F(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1.8e19 => x as i128,
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
    let f = |n: &Num| match *n {
        Num::I(i) => i as f64,
        Num::F(x) => x,
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
                Num::I(i) => i != 0,
                Num::F(f) => f != 0.0,
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
    fn numpy_promotion() {
        use NumType::*;
        assert_eq!(promote_num(Int32, Int64), Int64);
        assert_eq!(promote_num(UInt8, Int8), Int16);
        assert_eq!(promote_num(UInt32, Int32), Int64);
        assert_eq!(promote_num(UInt64, Int64), Float64);
        assert_eq!(promote_num(Int16, Float32), Float32);
        assert_eq!(promote_num(Int32, Float32), Float64);
        assert_eq!(promote_num(Int8, Float16), Float16);
        assert_eq!(promote_num(UInt16, Float16), Float32);
        assert_eq!(promote_num(Float32, Float64), Float64);
        assert_eq!(promote_num(Int64, Int64), Int64);
    }

    #[test]
    fn exact_integer_conversion() {
        let mut out = Vec::new();
        let what = || "x".to_string();
        let src: Vec<u8> = [1.0f64, -2.0, 3.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        convert(&src, Enc::le(NumType::Float64), Enc::le(NumType::Int16), &mut out, &what).unwrap();
        assert_eq!(out, [1i16, -2, 3].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>());
        let bad: Vec<u8> = 0.5f64.to_le_bytes().to_vec();
        assert!(
            convert(&bad, Enc::le(NumType::Float64), Enc::le(NumType::Int32), &mut out, &what)
                .is_err()
        );
        let big: Vec<u8> = 300i32.to_le_bytes().to_vec();
        let e = convert(&big, Enc::le(NumType::Int32), Enc::le(NumType::UInt8), &mut out, &what)
            .unwrap_err();
        assert!(e.to_string().contains("300"), "{e}");
        // Byte order only.
        out.clear();
        let v = 0x0102_0304i32.to_le_bytes();
        convert(&v, Enc::le(NumType::Int32), Enc { t: NumType::Int32, be: true }, &mut out, &what)
            .unwrap();
        assert_eq!(out, 0x0102_0304i32.to_be_bytes());
        // u64 extremes survive.
        out.clear();
        let m = u64::MAX.to_le_bytes();
        convert(
            &m,
            Enc::le(NumType::UInt64),
            Enc { t: NumType::UInt64, be: true },
            &mut out,
            &what,
        )
        .unwrap();
        assert_eq!(get(Enc { t: NumType::UInt64, be: true }, &out), Num::I(u64::MAX as i128));
    }

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
