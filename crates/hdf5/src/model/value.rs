//! Decoded values of any datatype, as a tree ([`Value`]), for dumps, attributes and
//! generic inspection. Typed numeric reads go through [`super::convert`] instead.

use super::file::FileInner;
use crate::raw::messages::datatype::{ByteOrder, Charset, Datatype, StrPad};
use crate::{Error, Result};

/// A decoded value. Arrays are nested `List`s in row-major order; compound values of an
/// array become a `Map` of per-field arrays (as the dump format wants).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// No value (null dataspace).
    Null,
    /// h5py bool (enum FALSE/TRUE).
    Bool(bool),
    /// Signed integer.
    Int(i64),
    /// Unsigned integer.
    UInt(u64),
    /// Floating point (f16 and f32 widened exactly).
    Float(f64),
    /// Text (fixed-length padding removed; invalid UTF-8 replaced).
    Str(String),
    /// Opaque or otherwise uninterpreted bytes.
    Bytes(Vec<u8>),
    /// An array.
    List(Vec<Value>),
    /// Compound fields.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A number as f64, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            Value::Float(f) => Some(f),
            Value::Bool(b) => Some(b as u8 as f64),
            _ => None,
        }
    }

    /// Flatten nested lists (row-major).
    pub fn flatten(self) -> Vec<Value> {
        fn push(v: Value, out: &mut Vec<Value>) {
            match v {
                Value::List(items) => items.into_iter().for_each(|x| push(x, out)),
                v => out.push(v),
            }
        }
        match self {
            // The common case (a 1-D array of scalars or compounds) moves the list as is.
            Value::List(items) if !items.iter().any(|x| matches!(x, Value::List(_))) => items,
            v => {
                let mut out = Vec::new();
                push(v, &mut out);
                out
            }
        }
    }
}

/// Decode an unsigned or signed integer of `size` bytes.
pub(crate) fn int_bytes(b: &[u8], order: ByteOrder, signed: bool) -> Value {
    let mut v: u64 = 0;
    let n = b.len().min(8);
    match order {
        ByteOrder::Little => {
            for (i, &x) in b[..n].iter().enumerate() {
                v |= (x as u64) << (8 * i);
            }
        }
        ByteOrder::Big => {
            for &x in &b[b.len() - n..] {
                v = (v << 8) | x as u64;
            }
        }
    }
    if signed {
        let bits = 8 * n as u32;
        let sv = if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
            (v | (!0u64 << bits)) as i64
        } else {
            v as i64
        };
        Value::Int(sv)
    } else {
        Value::UInt(v)
    }
}

/// The integer stored in `raw` for an integer datatype (enum values, for example).
pub fn integer(dtype: &Datatype, raw: &[u8]) -> Option<Value> {
    match dtype {
        Datatype::Integer { signed, order, size, .. } if raw.len() == *size as usize => {
            Some(int_bytes(raw, *order, *signed))
        }
        _ => None,
    }
}

/// IEEE binary16 to f64, exactly (through the `half` crate).
pub fn f16_to_f64(h: u16) -> f64 {
    half::f16::from_bits(h).to_f64()
}

/// Decode a float element of 2, 4 or 8 bytes with IEEE layout.
pub(crate) fn float_bytes(b: &[u8], order: ByteOrder) -> Option<f64> {
    let mut a = [0u8; 8];
    let n = b.len();
    if !matches!(n, 2 | 4 | 8) {
        return None;
    }
    a[..n].copy_from_slice(b);
    if order == ByteOrder::Big {
        a[..n].reverse();
    }
    Some(match n {
        2 => f16_to_f64(u16::from_le_bytes([a[0], a[1]])),
        4 => f32::from_le_bytes([a[0], a[1], a[2], a[3]]) as f64,
        _ => f64::from_le_bytes(a),
    })
}

/// Text of a fixed-length string element, padding removed the way h5py presents it.
pub fn fixed_string(b: &[u8], pad: StrPad, _charset: Charset) -> String {
    let s = match pad {
        StrPad::NullTerm => b.split(|&x| x == 0).next().unwrap_or(&[]),
        StrPad::NullPad => {
            let end = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
            &b[..end]
        }
        StrPad::SpacePad => {
            let end = b.iter().rposition(|&x| x != b' ' && x != 0).map_or(0, |p| p + 1);
            &b[..end]
        }
    };
    String::from_utf8_lossy(s).into_owned()
}

/// Decodes elements of one datatype, resolving variable-length data through the file.
pub(crate) struct ElementDecoder<'a> {
    pub file: &'a FileInner,
}

impl ElementDecoder<'_> {
    /// Decode `count` elements laid out contiguously in `raw`, shaped by `shape`.
    pub fn array(&self, dtype: &Datatype, shape: &[u64], raw: &[u8]) -> Result<Value> {
        match dtype {
            Datatype::Compound { size, members } => {
                let size = *size as usize;
                let count = raw.len() / size.max(1);
                // alloc: members.len(), members already decoded
                let mut fields = Vec::with_capacity(members.len());
                for m in members {
                    let msize = m.dtype.size() as usize;
                    let off = m.offset as usize;
                    // alloc: count * msize <= raw.len(): members lie inside the compound size
                    let mut sub = Vec::with_capacity(count * msize);
                    for i in 0..count {
                        let e =
                            raw.get(i * size + off..i * size + off + msize).ok_or_else(|| {
                                Error::malformed("compound value", 0, "member outside the element")
                            })?;
                        sub.extend_from_slice(e);
                    }
                    fields.push((m.name.clone(), self.array(&m.dtype, shape, &sub)?));
                }
                Ok(Value::Map(fields))
            }
            Datatype::Array { dims, base } => {
                let mut full: Vec<u64> = shape.to_vec();
                full.extend(dims.iter().map(|&d| d as u64));
                self.array(base, &full, raw)
            }
            _ => {
                // The tree holds a list per index prefix besides the elements: with a zero
                // dimension after huge ones it is huge while the data is empty.
                let bytes = tree_nodes(shape).saturating_mul(size_of::<Value>() as u64);
                self.file.src.limits.check_bytes("", "decoded value bytes", bytes)?;
                let es = dtype.size() as usize;
                // alloc: one item per element of raw (caller's data), tree checked by check_bytes above
                let mut items = Vec::with_capacity(raw.len() / es.max(1));
                for e in raw.chunks_exact(es.max(1)) {
                    items.push(self.scalar(dtype, e)?);
                }
                Ok(nest(items, shape))
            }
        }
    }

    /// Decode one element (not compound/array at the top: those go through [`Self::array`]).
    pub fn scalar(&self, dtype: &Datatype, b: &[u8]) -> Result<Value> {
        Ok(match dtype {
            Datatype::Integer { signed, order, .. } => int_bytes(b, *order, *signed),
            Datatype::Float { order, .. } => Value::Float(
                float_bytes(b, *order)
                    .ok_or_else(|| Error::unsupported(format!("{}-byte float", b.len())))?,
            ),
            Datatype::String { pad, charset, .. } => Value::Str(fixed_string(b, *pad, *charset)),
            Datatype::VarString { .. } => {
                let (len, bytes) = self.file.vlen_bytes(b)?;
                let len = len as usize;
                let text = &bytes[..len.min(bytes.len())];
                let text = text.split(|&x| x == 0).next().unwrap_or(&[]);
                Value::Str(String::from_utf8_lossy(text).into_owned())
            }
            Datatype::Enum { base, .. } if dtype.is_bool_enum() => {
                let v = self.scalar(base, b)?;
                Value::Bool(v.as_f64().is_some_and(|x| x != 0.0))
            }
            Datatype::Enum { base, .. } => self.scalar(base, b)?,
            Datatype::Compound { .. } | Datatype::Array { .. } => self.array(dtype, &[], b)?,
            Datatype::VarSequence { base, .. } => {
                let (n, bytes) = self.file.vlen_bytes(b)?;
                let n = n as u64;
                self.array(base, &[n], &bytes)?
            }
            Datatype::Bitfield { order, .. } => int_bytes(b, *order, false),
            Datatype::Opaque { .. }
            | Datatype::Time { .. }
            | Datatype::Reference { .. }
            | Datatype::Complex { .. } => Value::Bytes(b.to_vec()),
        })
    }
}

/// Number of [`Value`]s [`nest`] builds for `shape`: one list per index prefix (the outer
/// list, one per first index, one per pair of leading indices, ...) plus the elements.
pub fn tree_nodes(shape: &[u64]) -> u64 {
    let (mut nodes, mut prefix) = (0u64, 1u64);
    for &d in shape {
        nodes = nodes.saturating_add(prefix);
        prefix = prefix.saturating_mul(d);
    }
    nodes.saturating_add(prefix)
}

/// Shape a flat list into nested lists.
pub fn nest(items: Vec<Value>, shape: &[u64]) -> Value {
    match shape {
        [] => items.into_iter().next().unwrap_or(Value::Null),
        [_] => Value::List(items),
        [_, rest @ ..] => {
            // Saturating: zero iff some dimension is zero, and never an overflow panic.
            let inner = rest.iter().fold(1u64, |a, &d| a.saturating_mul(d));
            if inner == 0 {
                return Value::List((0..shape[0]).map(|_| nest(Vec::new(), rest)).collect());
            }
            let mut out = Vec::new();
            let mut it = items.into_iter();
            loop {
                let part: Vec<Value> = it.by_ref().take(inner as usize).collect();
                if part.is_empty() {
                    break;
                }
                out.push(nest(part, rest));
            }
            Value::List(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_is_row_major_at_any_depth() {
        let l = |v: Vec<Value>| Value::List(v);
        let m = |k: &str, v: i64| Value::Map(vec![(k.into(), Value::Int(v))]);
        // Flat lists of scalars or compounds come back as they are.
        assert_eq!(l(vec![m("a", 1), m("a", 2)]).flatten(), vec![m("a", 1), m("a", 2)]);
        // Nested lists (a 2-D array, then a ragged one) flatten row by row.
        let two_d = l(vec![l(vec![Value::Int(1), Value::Int(2)]), l(vec![Value::Int(3)])]);
        assert_eq!(two_d.flatten(), vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
        let mixed = l(vec![Value::Int(0), l(vec![l(vec![Value::Int(1)]), Value::Int(2)])]);
        assert_eq!(mixed.flatten(), vec![Value::Int(0), Value::Int(1), Value::Int(2)]);
        // A scalar is a list of one.
        assert_eq!(Value::Int(7).flatten(), vec![Value::Int(7)]);
    }

    #[test]
    fn f16_exact() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(f16_to_f64(0xfc00), f64::NEG_INFINITY);
    }

    #[test]
    fn ints_both_orders() {
        assert_eq!(int_bytes(&[0xff, 0xff], ByteOrder::Little, true), Value::Int(-1));
        assert_eq!(int_bytes(&[0x01, 0x00], ByteOrder::Big, false), Value::UInt(256));
        assert_eq!(
            int_bytes(&[0x80, 0, 0, 0, 0, 0, 0, 0], ByteOrder::Big, true),
            Value::Int(i64::MIN)
        );
    }

    #[test]
    fn string_padding() {
        assert_eq!(fixed_string(b"ab\0cd", StrPad::NullTerm, Charset::Ascii), "ab");
        assert_eq!(fixed_string(b"ab\0\0", StrPad::NullPad, Charset::Ascii), "ab");
        assert_eq!(fixed_string(b"ab  ", StrPad::SpacePad, Charset::Ascii), "ab");
    }

    #[test]
    fn nesting() {
        let v = nest((0..6).map(Value::Int).collect(), &[2, 3]);
        assert_eq!(
            v,
            Value::List(vec![
                Value::List(vec![Value::Int(0), Value::Int(1), Value::Int(2)]),
                Value::List(vec![Value::Int(3), Value::Int(4), Value::Int(5)])
            ])
        );
        assert_eq!(nest(vec![], &[3, 0]), Value::List(vec![Value::List(vec![]); 3]));
        assert_eq!(nest(vec![], &[0, 1 << 40, 1 << 40]), Value::List(vec![]));
        assert_eq!(tree_nodes(&[]), 1);
        assert_eq!(tree_nodes(&[2, 3]), 1 + 2 + 6);
        assert_eq!(tree_nodes(&[1 << 40, 0]), 1 + (1 << 40));
    }
}
