//! Typed numeric reads: converting stored integers and floats (any size, either byte order,
//! float16 included) into native Rust numbers, the way HDF5's hard conversions do
//! (integers saturate, floats to integers truncate toward zero, NaN to 0).

use crate::raw::messages::datatype::{ByteOrder, Datatype};
use crate::{Error, Result};

/// Native element types a dataset can be read into.
pub trait H5Type: Copy + Default + Send + Sync + 'static {
    /// The HDF5 type this Rust type is written as.
    fn datatype() -> Datatype;
    /// From an i64 (saturating).
    fn from_i64(v: i64) -> Self;
    /// From a u64 (saturating).
    fn from_u64(v: u64) -> Self;
    /// From an f64 (truncating toward zero for integers).
    fn from_f64(v: f64) -> Self;
    /// Little-endian bytes of this value (for the writer).
    fn write_le(self, out: &mut Vec<u8>);
    /// Whether the type is a float.
    const FLOAT: bool;
}

macro_rules! int_type {
    ($t:ty, $size:expr, $signed:expr) => {
        impl H5Type for $t {
            fn datatype() -> Datatype {
                Datatype::int($size, $signed)
            }
            fn from_i64(v: i64) -> Self {
                (v as i128).clamp(<$t>::MIN as i128, <$t>::MAX as i128) as $t
            }
            fn from_u64(v: u64) -> Self {
                if (v as u128) > <$t>::MAX as u128 { <$t>::MAX } else { v as $t }
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            const FLOAT: bool = false;
        }
    };
}

int_type!(i8, 1, true);
int_type!(i16, 2, true);
int_type!(i32, 4, true);
int_type!(i64, 8, true);
int_type!(u8, 1, false);
int_type!(u16, 2, false);
int_type!(u32, 4, false);
int_type!(u64, 8, false);

impl H5Type for f32 {
    fn datatype() -> Datatype {
        Datatype::float(4)
    }
    fn from_i64(v: i64) -> Self {
        v as f32
    }
    fn from_u64(v: u64) -> Self {
        v as f32
    }
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    const FLOAT: bool = true;
}

impl H5Type for f64 {
    fn datatype() -> Datatype {
        Datatype::float(8)
    }
    fn from_i64(v: i64) -> Self {
        v as f64
    }
    fn from_u64(v: u64) -> Self {
        v as f64
    }
    fn from_f64(v: f64) -> Self {
        v
    }
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    const FLOAT: bool = true;
}

/// The stored numeric kind of a datatype, resolved once per read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumKind {
    /// Signed integer of this many bytes.
    Int(usize, ByteOrder),
    /// Unsigned integer of this many bytes.
    UInt(usize, ByteOrder),
    /// IEEE float of 2, 4 or 8 bytes.
    Float(usize, ByteOrder),
}

impl NumKind {
    /// The numeric kind of `dtype`, or an error naming what it is instead.
    pub fn of(dtype: &Datatype) -> Result<NumKind> {
        match dtype {
            Datatype::Integer { size, signed, order, .. } if *size <= 8 => {
                let n = *size as usize;
                Ok(if *signed { NumKind::Int(n, *order) } else { NumKind::UInt(n, *order) })
            }
            Datatype::Float { size, order, layout } if matches!(size, 2 | 4 | 8) => {
                if crate::raw::messages::datatype::FloatLayout::ieee(*size).is_some_and(|l| {
                    l.exp_pos == layout.exp_pos
                        && l.exp_size == layout.exp_size
                        && l.mant_size == layout.mant_size
                }) {
                    Ok(NumKind::Float(*size as usize, *order))
                } else {
                    Err(Error::unsupported(format!("non-IEEE {size}-byte float layout")))
                }
            }
            Datatype::Enum { base, .. } => NumKind::of(base),
            other => Err(Error::invalid(format!("not a numeric type: {}", describe(other)))),
        }
    }

    /// Bytes per element.
    pub fn size(&self) -> usize {
        match *self {
            NumKind::Int(n, _) | NumKind::UInt(n, _) | NumKind::Float(n, _) => n,
        }
    }

    /// True when values of this kind are stored exactly as `T` in little-endian order, so a
    /// byte copy converts.
    pub fn is_native_le<T: H5Type>(&self) -> bool {
        let dt = T::datatype();
        matches!((self, &dt),
            (NumKind::Int(n, ByteOrder::Little), Datatype::Integer { size, signed: true, .. }) if *n == *size as usize)
            || matches!((self, &dt),
            (NumKind::UInt(n, ByteOrder::Little), Datatype::Integer { size, signed: false, .. }) if *n == *size as usize)
            || matches!((self, &dt),
            (NumKind::Float(n, ByteOrder::Little), Datatype::Float { size, .. }) if *n == *size as usize)
    }
}

fn load(b: &[u8], order: ByteOrder) -> u64 {
    let mut v = 0u64;
    match order {
        ByteOrder::Little => {
            for (i, &x) in b.iter().enumerate() {
                v |= (x as u64) << (8 * i);
            }
        }
        ByteOrder::Big => {
            for &x in b {
                v = (v << 8) | x as u64;
            }
        }
    }
    v
}

/// Convert one stored element.
#[inline]
pub fn element<T: H5Type>(kind: NumKind, b: &[u8]) -> T {
    match kind {
        NumKind::Int(n, o) => {
            let v = load(b, o);
            let bits = 8 * n as u32;
            let sv = if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
                (v | (!0u64 << bits)) as i64
            } else {
                v as i64
            };
            T::from_i64(sv)
        }
        NumKind::UInt(_, o) => T::from_u64(load(b, o)),
        NumKind::Float(2, o) => T::from_f64(super::value::f16_to_f64(load(b, o) as u16)),
        NumKind::Float(4, o) => T::from_f64(f32::from_bits(load(b, o) as u32) as f64),
        NumKind::Float(_, o) => T::from_f64(f64::from_bits(load(b, o))),
    }
}

/// Convert a run of stored elements into `out` (same count).
pub fn convert_into<T: H5Type>(kind: NumKind, raw: &[u8], out: &mut [T]) {
    let n = kind.size();
    for (o, b) in out.iter_mut().zip(raw.chunks_exact(n)) {
        *o = element(kind, b);
    }
}

/// Convert stored elements into a new vector.
pub fn convert<T: H5Type>(kind: NumKind, raw: &[u8]) -> Vec<T> {
    // alloc: caller's data: one element per element of raw
    let mut out = vec![T::default(); raw.len() / kind.size()];
    convert_into(kind, raw, &mut out);
    out
}

/// A short human description of a datatype ("float32", "vlen string", "compound", ...).
pub fn describe(dtype: &Datatype) -> String {
    match dtype {
        Datatype::Integer { size, signed, .. } => {
            format!("{}int{}", if *signed { "" } else { "u" }, size * 8)
        }
        Datatype::Float { size, .. } => format!("float{}", size * 8),
        Datatype::String { .. } | Datatype::VarString { .. } => "string".into(),
        Datatype::Enum { .. } if dtype.is_bool_enum() => "bool".into(),
        Datatype::Enum { .. } => "enum".into(),
        Datatype::Compound { .. } => "compound".into(),
        Datatype::Array { .. } => "array".into(),
        Datatype::VarSequence { .. } => "vlen sequence".into(),
        Datatype::Opaque { .. } => "opaque".into(),
        Datatype::Reference { .. } => "reference".into(),
        Datatype::Bitfield { .. } => "bitfield".into(),
        Datatype::Time { .. } => "time".into(),
        Datatype::Complex { .. } => "complex".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_saturate_and_truncate() {
        assert_eq!(element::<u8>(NumKind::Int(2, ByteOrder::Little), &(-5i16).to_le_bytes()), 0);
        assert_eq!(element::<i8>(NumKind::UInt(4, ByteOrder::Little), &1000u32.to_le_bytes()), 127);
        assert_eq!(
            element::<i32>(NumKind::Float(8, ByteOrder::Little), &(-2.7f64).to_le_bytes()),
            -2
        );
        assert_eq!(element::<f32>(NumKind::Int(4, ByteOrder::Big), &7i32.to_be_bytes()), 7.0);
        assert_eq!(
            element::<f64>(NumKind::Float(2, ByteOrder::Little), &0x3c00u16.to_le_bytes()),
            1.0
        );
        assert_eq!(
            element::<u64>(NumKind::UInt(8, ByteOrder::Little), &u64::MAX.to_le_bytes()),
            u64::MAX
        );
    }
}
