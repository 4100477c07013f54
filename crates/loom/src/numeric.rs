//! Numbers: the element types a loom file stores, and the one conversion policy between them.
//!
//! - [`NumType`]: the eleven numeric element types (int8..uint64, float16/32/64).
//! - [`Encoding`]: a type and a byte order, as found in a file; [`decode`] reads one element
//!   as a [`Scalar`] (an `i128` or an `f64`, wide enough for every type without loss), and
//!   [`encode`] stores one.
//! - [`promote`]: numpy's `result_type` for two types, used wherever values of two files or
//!   two inputs meet.
//! - [`with_num_type!`](crate::with_num_type): run code with a type parameter bound to the
//!   Rust type of a [`NumType`], the one dispatch from a runtime type to generic code.
//!
//! # Conversion policy
//!
//! Every conversion made by this crate and its converters follows one rule:
//!
//! - **into an integer type: exact or an error.** A float with a fraction, NaN, an infinity
//!   or a value outside the target's range is refused ([`not_exact`] builds the error, naming
//!   the data and the value); nothing is truncated, wrapped or saturated silently.
//! - **into a float type: rounded to nearest**, as numpy's `astype` does (int64 values above
//!   2^53 and float64 values stored as float32 round).
//! - Integers travel as `i128`, never through `f64`, so int64 and uint64 keep every value.
//!
//! # Examples
//!
//! ```
//! use loomfile::numeric::{Encoding, NumType, Scalar, decode, encode, promote};
//! let mut out = Vec::new();
//! encode(Encoding::le(NumType::UInt16), Scalar::I(513), &mut out).unwrap();
//! assert_eq!(out, [1, 2]);
//! assert_eq!(decode(Encoding::le(NumType::UInt16), &out), Scalar::I(513));
//! // Exact or refused: 2.5 has no int32 form, 300 does not fit a uint8.
//! assert!(encode(Encoding::le(NumType::Int32), Scalar::F(2.5), &mut out).is_err());
//! assert!(encode(Encoding::le(NumType::UInt8), Scalar::I(300), &mut out).is_err());
//! assert_eq!(promote(NumType::Int32, NumType::Float32), NumType::Float64);
//! ```

use crate::error::{Error, Result};
use crate::values::f32_to_f16;
use loomfile_hdf5::convert::f16_to_f64;
use loomfile_hdf5::{ByteOrder, Datatype};

pub use crate::values::NumType;

/// How numeric elements are stored: type and byte order.
///
/// # Examples
///
/// ```
/// use loomfile::numeric::{Encoding, NumType};
/// let e = Encoding { t: NumType::Int16, be: true }; // a big-endian int16 from a foreign writer
/// assert_eq!(e.size(), 2);
/// assert_eq!(Encoding::le(NumType::Float64), Encoding { t: NumType::Float64, be: false });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoding {
    /// The numeric type.
    pub t: NumType,
    /// Big-endian (foreign writers only; everything written here is little-endian).
    pub be: bool,
}

impl Encoding {
    /// Little-endian `t`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::numeric::{Encoding, NumType};
    /// assert!(!Encoding::le(NumType::UInt8).be);
    /// ```
    pub fn le(t: NumType) -> Encoding {
        Encoding { t, be: false }
    }

    /// The encoding of a numeric HDF5 type.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::H5Type;
    /// use loomfile::numeric::{Encoding, NumType};
    /// assert_eq!(Encoding::of(&f32::datatype()), Some(Encoding::le(NumType::Float32)));
    /// ```
    pub fn of(dt: &Datatype) -> Option<Encoding> {
        let t = NumType::of(dt)?;
        let be = match dt {
            Datatype::Integer { order, .. } | Datatype::Float { order, .. } => {
                *order == ByteOrder::Big
            }
            _ => false,
        };
        Some(Encoding { t, be })
    }

    /// Bytes per element.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::numeric::{Encoding, NumType};
    /// assert_eq!(Encoding::le(NumType::UInt64).size(), 8);
    /// ```
    pub fn size(self) -> usize {
        size_of(self.t)
    }
}

/// Bytes per element of a numeric type.
///
/// # Examples
///
/// ```
/// use loomfile::numeric::{NumType, size_of};
/// assert_eq!(size_of(NumType::Float16), 2);
/// ```
pub fn size_of(t: NumType) -> usize {
    match t {
        NumType::Int8 | NumType::UInt8 => 1,
        NumType::Int16 | NumType::UInt16 | NumType::Float16 => 2,
        NumType::Int32 | NumType::UInt32 | NumType::Float32 => 4,
        NumType::Int64 | NumType::UInt64 | NumType::Float64 => 8,
    }
}

/// One number, wide enough for every stored type.
///
/// # Examples
///
/// ```
/// use loomfile::numeric::Scalar;
/// // u64::MAX stays exact: integers are never carried as f64.
/// assert_eq!(Scalar::I(u64::MAX as i128).to_string(), "18446744073709551615");
/// assert_eq!(Scalar::F(0.5).to_string(), "0.5");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// Any integer.
    I(i128),
    /// Any float.
    F(f64),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::I(i) => write!(f, "{i}"),
            Scalar::F(x) => write!(f, "{x}"),
        }
    }
}

pub(crate) fn int_range(t: NumType) -> Option<(i128, i128)> {
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
///
/// # Examples
///
/// ```
/// use loomfile::numeric::{Encoding, NumType, Scalar, decode};
/// assert_eq!(decode(Encoding::le(NumType::Int16), &[0xFE, 0xFF]), Scalar::I(-2));
/// let be = Encoding { t: NumType::UInt16, be: true };
/// assert_eq!(decode(be, &[0x01, 0x00]), Scalar::I(256));
/// ```
pub fn decode(e: Encoding, b: &[u8]) -> Scalar {
    let n = b.len().min(8);
    let mut a = [0u8; 8];
    a[..n].copy_from_slice(&b[..n]);
    if e.be {
        a[..n].reverse();
    }
    match e.t {
        NumType::Int8 => Scalar::I(a[0] as i8 as i128),
        NumType::Int16 => Scalar::I(i16::from_le_bytes([a[0], a[1]]) as i128),
        NumType::Int32 => Scalar::I(i32::from_le_bytes([a[0], a[1], a[2], a[3]]) as i128),
        NumType::Int64 => Scalar::I(i64::from_le_bytes(a) as i128),
        NumType::UInt8 => Scalar::I(a[0] as i128),
        NumType::UInt16 => Scalar::I(u16::from_le_bytes([a[0], a[1]]) as i128),
        NumType::UInt32 => Scalar::I(u32::from_le_bytes([a[0], a[1], a[2], a[3]]) as i128),
        NumType::UInt64 => Scalar::I(u64::from_le_bytes(a) as i128),
        NumType::Float16 => Scalar::F(f16_to_f64(u16::from_le_bytes([a[0], a[1]]))),
        NumType::Float32 => Scalar::F(f32::from_le_bytes([a[0], a[1], a[2], a[3]]) as f64),
        NumType::Float64 => Scalar::F(f64::from_le_bytes(a)),
    }
}

/// Encode one element; `Err(n)` when `n` cannot be stored exactly in an integer type.
///
/// # Examples
///
/// ```
/// use loomfile::numeric::{Encoding, NumType, Scalar, encode};
/// let mut out = Vec::new();
/// encode(Encoding::le(NumType::Int8), Scalar::F(-3.0), &mut out).unwrap(); // 3.0 is exact
/// assert_eq!(out, [0xFD]);
/// assert_eq!(encode(Encoding::le(NumType::Int8), Scalar::F(f64::NAN), &mut out).is_err(), true);
/// ```
pub fn encode(e: Encoding, n: Scalar, out: &mut Vec<u8>) -> std::result::Result<(), Scalar> {
    let start = out.len();
    if let Some((lo, hi)) = int_range(e.t) {
        let i = match n {
            Scalar::I(i) => i,
            Scalar::F(x) => {
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
            Scalar::I(i) => i as f64,
            Scalar::F(x) => x,
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
///
/// # Examples
///
/// ```
/// use loomfile::numeric::{Encoding, NumType, reencode};
/// let src: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
/// let mut out = Vec::new();
/// reencode(&src, Encoding::le(NumType::Float32), Encoding::le(NumType::UInt8), &mut out, &|| {
///     "layer".to_string()
/// })?;
/// assert_eq!(out, [1, 2]);
/// # Ok::<(), loomfile::Error>(())
/// ```
pub fn reencode(
    src: &[u8],
    from: Encoding,
    to: Encoding,
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
        let n = decode(from, e);
        encode(to, n, out).map_err(|v| not_exact(what(), v, to.t))?;
    }
    Ok(())
}

/// The error for a value that does not fit a type.
///
/// # Examples
///
/// ```
/// use loomfile::numeric::{NumType, Scalar, not_exact};
/// let e = not_exact("layer \"spliced\"".into(), Scalar::F(0.5), NumType::Int32);
/// assert_eq!(e.to_string(), "layer \"spliced\": value 0.5 cannot be stored as int32 without loss");
/// ```
pub fn not_exact(what: String, v: Scalar, t: NumType) -> Error {
    Error::invalid(format!("{what}: value {v} cannot be stored as {} without loss", t.name()))
}

pub(crate) fn int_type(signed: bool, size: usize) -> NumType {
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

pub(crate) fn float_type(size: usize) -> NumType {
    match size {
        2 => NumType::Float16,
        4 => NumType::Float32,
        _ => NumType::Float64,
    }
}

pub(crate) fn signed(t: NumType) -> bool {
    matches!(t, NumType::Int8 | NumType::Int16 | NumType::Int32 | NumType::Int64)
}

/// numpy's `result_type` for two numeric types.
///
/// # Examples
///
/// ```
/// use loomfile::numeric::{NumType, promote};
/// assert_eq!(promote(NumType::UInt8, NumType::Int8), NumType::Int16);
/// assert_eq!(promote(NumType::UInt64, NumType::Int64), NumType::Float64);
/// ```
pub fn promote(a: NumType, b: NumType) -> NumType {
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

/// Run `$body` with the type name `$T` bound to the Rust type of a [`NumType`]: the one
/// dispatch from a runtime element type to generic code. float16 is bound to `f32` (the type
/// it is read as).
///
/// # Examples
///
/// ```
/// use loomfile::{NumType, with_num_type};
/// fn width(t: NumType) -> usize {
///     with_num_type!(t, T => std::mem::size_of::<T>())
/// }
/// assert_eq!(width(NumType::UInt16), 2);
/// assert_eq!(width(NumType::Float16), 4); // read as f32
/// assert_eq!(width(NumType::Int64), 8);
/// ```
#[macro_export]
macro_rules! with_num_type {
    ($t:expr, $T:ident => $body:expr) => {{
        use $crate::values::NumType as N__;
        match $t {
            N__::Int8 => {
                type $T = i8;
                $body
            }
            N__::Int16 => {
                type $T = i16;
                $body
            }
            N__::Int32 => {
                type $T = i32;
                $body
            }
            N__::Int64 => {
                type $T = i64;
                $body
            }
            N__::UInt8 => {
                type $T = u8;
                $body
            }
            N__::UInt16 => {
                type $T = u16;
                $body
            }
            N__::UInt32 => {
                type $T = u32;
                $body
            }
            N__::UInt64 => {
                type $T = u64;
                $body
            }
            N__::Float16 | N__::Float32 => {
                type $T = f32;
                $body
            }
            N__::Float64 => {
                type $T = f64;
                $body
            }
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_promotion() {
        use NumType::*;
        assert_eq!(promote(Int32, Int64), Int64);
        assert_eq!(promote(UInt8, Int8), Int16);
        assert_eq!(promote(UInt32, Int32), Int64);
        assert_eq!(promote(UInt64, Int64), Float64);
        assert_eq!(promote(Int16, Float32), Float32);
        assert_eq!(promote(Int32, Float32), Float64);
        assert_eq!(promote(Int8, Float16), Float16);
        assert_eq!(promote(UInt16, Float16), Float32);
        assert_eq!(promote(Float32, Float64), Float64);
        assert_eq!(promote(Int64, Int64), Int64);
    }

    #[test]
    fn exact_integer_conversion() {
        let mut out = Vec::new();
        let what = || "x".to_string();
        let src: Vec<u8> = [1.0f64, -2.0, 3.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        reencode(
            &src,
            Encoding::le(NumType::Float64),
            Encoding::le(NumType::Int16),
            &mut out,
            &what,
        )
        .unwrap();
        assert_eq!(out, [1i16, -2, 3].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>());
        let bad: Vec<u8> = 0.5f64.to_le_bytes().to_vec();
        assert!(
            reencode(
                &bad,
                Encoding::le(NumType::Float64),
                Encoding::le(NumType::Int32),
                &mut out,
                &what
            )
            .is_err()
        );
        let big: Vec<u8> = 300i32.to_le_bytes().to_vec();
        let e = reencode(
            &big,
            Encoding::le(NumType::Int32),
            Encoding::le(NumType::UInt8),
            &mut out,
            &what,
        )
        .unwrap_err();
        assert!(e.to_string().contains("300"), "{e}");
        // Byte order only.
        out.clear();
        let v = 0x0102_0304i32.to_le_bytes();
        reencode(
            &v,
            Encoding::le(NumType::Int32),
            Encoding { t: NumType::Int32, be: true },
            &mut out,
            &what,
        )
        .unwrap();
        assert_eq!(out, 0x0102_0304i32.to_be_bytes());
        // u64 extremes survive.
        out.clear();
        let m = u64::MAX.to_le_bytes();
        reencode(
            &m,
            Encoding::le(NumType::UInt64),
            Encoding { t: NumType::UInt64, be: true },
            &mut out,
            &what,
        )
        .unwrap();
        assert_eq!(
            decode(Encoding { t: NumType::UInt64, be: true }, &out),
            Scalar::I(u64::MAX as i128)
        );
    }
}
