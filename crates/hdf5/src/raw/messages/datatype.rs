//! Datatype message (0x0003), versions 1-5: every class HDF5 defines, decoded into
//! [`Datatype`], and encoded back (versions 1-3) for the writer.

use crate::raw::cursor::{Cursor, Encoder};
use crate::{Error, Result};

/// Byte order of a numeric type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Little-endian.
    Little,
    /// Big-endian.
    Big,
}

/// How a fixed-length string is padded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrPad {
    /// Terminated by a NUL when shorter than the size.
    NullTerm,
    /// Padded with NULs.
    NullPad,
    /// Padded with spaces.
    SpacePad,
}

/// Character set of a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Charset {
    /// 7-bit ASCII.
    Ascii,
    /// UTF-8.
    Utf8,
}

/// Bit layout of a floating-point type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FloatLayout {
    /// Bit offset of the first significant bit.
    pub offset: u16,
    /// Number of significant bits.
    pub precision: u16,
    /// Sign bit position.
    pub sign: u8,
    /// Exponent position.
    pub exp_pos: u8,
    /// Exponent size in bits.
    pub exp_size: u8,
    /// Mantissa position.
    pub mant_pos: u8,
    /// Mantissa size in bits.
    pub mant_size: u8,
    /// Exponent bias.
    pub bias: u32,
    /// Mantissa normalization (0 none, 1 MSB set, 2 implied).
    pub norm: u8,
}

impl FloatLayout {
    /// IEEE 754 layout for a 2-, 4- or 8-byte float.
    pub fn ieee(size: u32) -> Option<FloatLayout> {
        let (prec, exp_pos, exp_size, mant_size, bias, sign) = match size {
            2 => (16, 10, 5, 10, 15, 15),
            4 => (32, 23, 8, 23, 127, 31),
            8 => (64, 52, 11, 52, 1023, 63),
            _ => return None,
        };
        Some(FloatLayout {
            offset: 0,
            precision: prec,
            sign,
            exp_pos,
            exp_size,
            mant_pos: 0,
            mant_size,
            bias,
            norm: 2,
        })
    }
}

/// One member of a compound type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    /// Member name.
    pub name: String,
    /// Byte offset within the compound element.
    pub offset: u32,
    /// Member type.
    pub dtype: Datatype,
}

/// A decoded HDF5 datatype.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Datatype {
    /// Fixed-point integer.
    Integer {
        /// Size in bytes.
        size: u32,
        /// Two's complement signed.
        signed: bool,
        /// Byte order.
        order: ByteOrder,
        /// Bit offset.
        offset: u16,
        /// Bit precision.
        precision: u16,
    },
    /// Floating point.
    Float {
        /// Size in bytes.
        size: u32,
        /// Byte order.
        order: ByteOrder,
        /// Bit layout.
        layout: FloatLayout,
    },
    /// Date and time (class 2).
    Time {
        /// Size in bytes.
        size: u32,
    },
    /// Fixed-length string.
    String {
        /// Size in bytes.
        size: u32,
        /// Padding.
        pad: StrPad,
        /// Character set.
        charset: Charset,
    },
    /// Bit field.
    Bitfield {
        /// Size in bytes.
        size: u32,
        /// Byte order.
        order: ByteOrder,
    },
    /// Opaque bytes with a tag.
    Opaque {
        /// Size in bytes.
        size: u32,
        /// Tag.
        tag: String,
    },
    /// Compound (struct).
    Compound {
        /// Size in bytes.
        size: u32,
        /// Members in declaration order.
        members: Vec<Member>,
    },
    /// Object or region reference.
    Reference {
        /// Size in bytes.
        size: u32,
        /// 0 object, 1 region, 2+ revised references.
        kind: u8,
    },
    /// Enumeration over an integer base type.
    Enum {
        /// Base type.
        base: Box<Datatype>,
        /// Member names and their values (encoded in the base type).
        members: Vec<(String, Vec<u8>)>,
    },
    /// Variable-length string.
    VarString {
        /// Size of the stored descriptor (length + heap id).
        size: u32,
        /// Padding.
        pad: StrPad,
        /// Character set.
        charset: Charset,
    },
    /// Variable-length sequence.
    VarSequence {
        /// Size of the stored descriptor.
        size: u32,
        /// Element type.
        base: Box<Datatype>,
    },
    /// Fixed-size array of a base type.
    Array {
        /// Dimensions.
        dims: Vec<u32>,
        /// Element type.
        base: Box<Datatype>,
    },
    /// Complex number (class 11, HDF5 2.0).
    Complex {
        /// Size in bytes.
        size: u32,
    },
}

const MAX_NESTING: u32 = 16;

impl Datatype {
    /// Size of one element in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Datatype::Integer { size, .. }
            | Datatype::Float { size, .. }
            | Datatype::Time { size }
            | Datatype::String { size, .. }
            | Datatype::Bitfield { size, .. }
            | Datatype::Opaque { size, .. }
            | Datatype::Compound { size, .. }
            | Datatype::Reference { size, .. }
            | Datatype::VarString { size, .. }
            | Datatype::VarSequence { size, .. }
            | Datatype::Complex { size } => *size as u64,
            Datatype::Enum { base, .. } => base.size(),
            Datatype::Array { dims, base } => {
                dims.iter().fold(base.size(), |acc, &d| acc.saturating_mul(d as u64))
            }
        }
    }

    /// A little-endian integer type.
    pub fn int(size: u32, signed: bool) -> Datatype {
        Datatype::Integer {
            size,
            signed,
            order: ByteOrder::Little,
            offset: 0,
            precision: (size * 8) as u16,
        }
    }

    /// A little-endian IEEE float type (2, 4 or 8 bytes).
    pub fn float(size: u32) -> Datatype {
        Datatype::Float {
            size,
            order: ByteOrder::Little,
            layout: FloatLayout::ieee(size).unwrap_or(FloatLayout::ieee(8).expect("8 is IEEE")),
        }
    }

    /// A variable-length UTF-8 string (what h5py and loompy write).
    pub fn vlen_utf8() -> Datatype {
        Datatype::VarString { size: 16, pad: StrPad::NullTerm, charset: Charset::Utf8 }
    }

    /// True for an enum with exactly the members FALSE/TRUE (h5py's bool).
    pub fn is_bool_enum(&self) -> bool {
        match self {
            Datatype::Enum { members, .. } if members.len() == 2 => {
                let mut names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
                names.sort_unstable();
                names == ["FALSE", "TRUE"] || names == ["false", "true"]
            }
            _ => false,
        }
    }

    /// True if values of this type reference the global heap.
    pub fn has_vlen(&self) -> bool {
        match self {
            Datatype::VarString { .. } | Datatype::VarSequence { .. } => true,
            Datatype::Compound { members, .. } => members.iter().any(|m| m.dtype.has_vlen()),
            Datatype::Array { base, .. } | Datatype::Enum { base, .. } => base.has_vlen(),
            _ => false,
        }
    }

    /// Decode a datatype message body (the whole message).
    pub fn decode(data: &[u8], offset: u64) -> Result<Datatype> {
        let mut c = Cursor::new(data, offset, "datatype message");
        Self::decode_from(&mut c, 0)
    }

    /// Decode one datatype from a cursor (datatypes nest inside compound, enum, array, vlen).
    pub fn decode_from(c: &mut Cursor, depth: u32) -> Result<Datatype> {
        if depth > MAX_NESTING {
            return Err(c.error(format!("datatype nested deeper than {MAX_NESTING}")));
        }
        let start = c.offset();
        let cv = c.u8()?;
        let class = cv & 0x0f;
        let version = cv >> 4;
        if !(1..=5).contains(&version) {
            return Err(c.error(format!("datatype version {version}")));
        }
        let b = c.array::<3>()?;
        let bits = u32::from_le_bytes([b[0], b[1], b[2], 0]);
        let size = c.u32()?;
        let order = if bits & 1 != 0 { ByteOrder::Big } else { ByteOrder::Little };
        let zero_size = |c: &Cursor| c.error("datatype of size 0");
        let dt = match class {
            0 => {
                let offset = c.u16()?;
                let precision = c.u16()?;
                if size == 0 || size > 16 {
                    return Err(c.error(format!("integer of size {size}")));
                }
                Datatype::Integer { size, signed: bits & 0x08 != 0, order, offset, precision }
            }
            1 => {
                if bits & 0x40 != 0 {
                    return Err(Error::unsupported("VAX-order floating point"));
                }
                let layout = FloatLayout {
                    offset: c.u16()?,
                    precision: c.u16()?,
                    exp_pos: c.u8()?,
                    exp_size: c.u8()?,
                    mant_pos: c.u8()?,
                    mant_size: c.u8()?,
                    bias: c.u32()?,
                    sign: ((bits >> 8) & 0xff) as u8,
                    norm: ((bits >> 4) & 3) as u8,
                };
                if size == 0 || size > 16 {
                    return Err(c.error(format!("float of size {size}")));
                }
                Datatype::Float { size, order, layout }
            }
            2 => {
                c.skip(2)?;
                Datatype::Time { size }
            }
            3 => {
                if size == 0 {
                    return Err(zero_size(c));
                }
                Datatype::String {
                    size,
                    pad: strpad(bits & 0x0f),
                    charset: charset(c, (bits >> 4) & 0x0f)?,
                }
            }
            4 => {
                c.skip(4)?;
                if size == 0 {
                    return Err(zero_size(c));
                }
                Datatype::Bitfield { size, order }
            }
            5 => {
                let tag_len = (bits & 0xff) as usize;
                let tag = c.bytes(tag_len)?;
                let tag = String::from_utf8_lossy(tag.split(|&x| x == 0).next().unwrap_or(&[]))
                    .into_owned();
                if size == 0 {
                    return Err(zero_size(c));
                }
                Datatype::Opaque { size, tag }
            }
            6 => Self::decode_compound(c, version, bits, size, depth)?,
            7 => {
                if version >= 4 {
                    // Revised references (HDF5 1.12): version, then nothing else we need.
                    c.skip(c.remaining().min(1))?;
                }
                Datatype::Reference { size, kind: (bits & 0x0f) as u8 }
            }
            8 => {
                let n = (bits & 0xffff) as usize;
                let base = Self::decode_from(c, depth + 1)?;
                if !matches!(base, Datatype::Integer { .. }) {
                    return Err(c.error("enumeration over a non-integer base"));
                }
                let mut names = Vec::with_capacity(n.min(c.remaining()));
                for _ in 0..n {
                    let at = c.pos();
                    let name = String::from_utf8_lossy(c.cstr()?).into_owned();
                    if version < 3 {
                        let used = c.pos() - at;
                        c.skip((8 - used % 8) % 8)?;
                    }
                    names.push(name);
                }
                let vsize = base.size() as usize;
                let mut members = Vec::with_capacity(names.len());
                for name in names {
                    members.push((name, c.bytes(vsize)?.to_vec()));
                }
                Datatype::Enum { base: Box::new(base), members }
            }
            9 => {
                let kind = bits & 0x0f;
                let base = Self::decode_from(c, depth + 1)?;
                if kind == 1 {
                    Datatype::VarString {
                        size,
                        pad: strpad((bits >> 4) & 0x0f),
                        charset: charset(c, (bits >> 8) & 0x0f)?,
                    }
                } else {
                    Datatype::VarSequence { size, base: Box::new(base) }
                }
            }
            10 => {
                let rank = c.u8()? as usize;
                if rank == 0 || rank > 32 {
                    return Err(c.error(format!("array of rank {rank}")));
                }
                if version < 3 {
                    c.skip(3)?;
                }
                let mut dims = Vec::with_capacity(rank);
                for _ in 0..rank {
                    dims.push(c.u32()?);
                }
                if version < 3 {
                    c.skip(4 * rank)?;
                }
                let base = Self::decode_from(c, depth + 1)?;
                let dt = Datatype::Array { dims, base: Box::new(base) };
                if dt.size() != size as u64 {
                    return Err(Error::malformed(
                        "datatype message",
                        start,
                        format!("array size {} disagrees with its elements ({})", size, dt.size()),
                    ));
                }
                dt
            }
            11 => Datatype::Complex { size },
            k => return Err(c.error(format!("unknown datatype class {k}"))),
        };
        // Every class needs a size (time, reference, complex and vlen sizes are not checked
        // above; an array may have a zero dimension): zero-size elements would make chunks of
        // zero bytes, whose index entries no file-size check bounds.
        if dt.size() == 0 {
            return Err(zero_size(c));
        }
        Ok(dt)
    }

    fn decode_compound(
        c: &mut Cursor,
        version: u8,
        bits: u32,
        size: u32,
        depth: u32,
    ) -> Result<Datatype> {
        let n = (bits & 0xffff) as usize;
        if size == 0 {
            return Err(c.error("compound of size 0"));
        }
        let offset_width = match size {
            0..=0xff => 1,
            0x100..=0xffff => 2,
            0x1_0000..=0xff_ffff => 3,
            _ => 4,
        };
        let mut members = Vec::with_capacity(n.min(c.remaining()));
        for _ in 0..n {
            let at = c.pos();
            let name = String::from_utf8_lossy(c.cstr()?).into_owned();
            if version < 3 {
                let used = c.pos() - at;
                c.skip((8 - used % 8) % 8)?;
            }
            let offset = if version >= 3 { c.uint(offset_width)? as u32 } else { c.u32()? };
            let mut dtype;
            if version == 1 {
                let rank = c.u8()? as usize;
                c.skip(3 + 4 + 4)?;
                let mut dims = Vec::new();
                for i in 0..4 {
                    let d = c.u32()?;
                    if i < rank {
                        dims.push(d);
                    }
                }
                dtype = Self::decode_from(c, depth + 1)?;
                if rank > 0 {
                    dtype = Datatype::Array { dims, base: Box::new(dtype) };
                    if dtype.size() == 0 {
                        return Err(
                            c.error(format!("member {name:?}: array with a zero dimension"))
                        );
                    }
                }
            } else {
                dtype = Self::decode_from(c, depth + 1)?;
            }
            let end = (offset as u64).checked_add(dtype.size());
            if end.is_none_or(|e| e > size as u64) {
                return Err(c.error(format!(
                    "member {name:?} at offset {offset} of size {} overruns the compound size {size}",
                    dtype.size()
                )));
            }
            members.push(Member { name, offset, dtype });
        }
        Ok(Datatype::Compound { size, members })
    }

    /// Encode as a datatype message body (version 1 where possible, 2 for arrays, 3 never).
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        self.encode_into(&mut e);
        e.buf
    }

    fn needs_v2(&self) -> bool {
        match self {
            Datatype::Array { .. } => true,
            Datatype::Compound { members, .. } => members.iter().any(|m| m.dtype.needs_v2()),
            Datatype::Enum { base, .. } | Datatype::VarSequence { base, .. } => base.needs_v2(),
            _ => false,
        }
    }

    fn header(e: &mut Encoder, class: u8, version: u8, bits: u32, size: u32) {
        e.u8(class | (version << 4));
        e.bytes(&bits.to_le_bytes()[..3]);
        e.u32(size);
    }

    /// Append the encoding of this type.
    pub fn encode_into(&self, e: &mut Encoder) {
        let ord = |o: &ByteOrder| if *o == ByteOrder::Big { 1u32 } else { 0 };
        match self {
            Datatype::Integer { size, signed, order, offset, precision } => {
                Self::header(e, 0, 1, ord(order) | if *signed { 0x08 } else { 0 }, *size);
                e.u16(*offset).u16(*precision);
            }
            Datatype::Float { size, order, layout } => {
                let bits = ord(order) | ((layout.norm as u32) << 4) | ((layout.sign as u32) << 8);
                Self::header(e, 1, 1, bits, *size);
                e.u16(layout.offset).u16(layout.precision);
                e.u8(layout.exp_pos).u8(layout.exp_size).u8(layout.mant_pos).u8(layout.mant_size);
                e.u32(layout.bias);
            }
            Datatype::Time { size } => {
                Self::header(e, 2, 1, 0, *size);
                e.u16((*size * 8) as u16);
            }
            Datatype::String { size, pad, charset } => {
                Self::header(e, 3, 1, pad_bits(*pad) | (cset_bits(*charset) << 4), *size);
            }
            Datatype::Bitfield { size, order } => {
                Self::header(e, 4, 1, ord(order), *size);
                e.u16(0).u16((*size * 8) as u16);
            }
            Datatype::Opaque { size, tag } => {
                let mut t = tag.as_bytes().to_vec();
                t.push(0);
                while t.len() % 8 != 0 {
                    t.push(0);
                }
                Self::header(e, 5, 1, t.len() as u32, *size);
                e.bytes(&t);
            }
            Datatype::Compound { size, members } => {
                let v = if self.needs_v2() { 2 } else { 1 };
                Self::header(e, 6, v, members.len() as u32, *size);
                for m in members {
                    let start = e.len();
                    e.bytes(m.name.as_bytes()).u8(0);
                    let used = e.len() - start;
                    e.zeros((8 - used % 8) % 8);
                    e.u32(m.offset);
                    if v == 1 {
                        e.zeros(4 + 4 + 4 + 16);
                    }
                    m.dtype.encode_into(e);
                }
            }
            Datatype::Reference { size, kind } => {
                Self::header(e, 7, 1, *kind as u32, *size);
            }
            Datatype::Enum { base, members } => {
                let v = if self.needs_v2() { 2 } else { 1 };
                Self::header(e, 8, v, members.len() as u32, base.size() as u32);
                base.encode_into(e);
                for (name, _) in members {
                    let start = e.len();
                    e.bytes(name.as_bytes()).u8(0);
                    let used = e.len() - start;
                    e.zeros((8 - used % 8) % 8);
                }
                for (_, value) in members {
                    e.bytes(value);
                }
            }
            Datatype::VarString { size, pad, charset } => {
                let bits = 1 | (pad_bits(*pad) << 4) | (cset_bits(*charset) << 8);
                Self::header(e, 9, 1, bits, *size);
                Datatype::Integer {
                    size: 1,
                    signed: false,
                    order: ByteOrder::Little,
                    offset: 0,
                    precision: 8,
                }
                .encode_into(e);
            }
            Datatype::VarSequence { size, base } => {
                Self::header(e, 9, if base.needs_v2() { 2 } else { 1 }, 0, *size);
                base.encode_into(e);
            }
            Datatype::Array { dims, base } => {
                Self::header(e, 10, 2, 0, self.size() as u32);
                e.u8(dims.len() as u8).zeros(3);
                for &d in dims {
                    e.u32(d);
                }
                for i in 0..dims.len() {
                    e.u32(i as u32);
                }
                base.encode_into(e);
            }
            Datatype::Complex { size } => {
                // Not written by this engine's writer (repack refuses it earlier).
                Self::header(e, 11, 5, 0, *size);
            }
        }
    }
}

fn strpad(v: u32) -> StrPad {
    match v {
        0 => StrPad::NullTerm,
        2 => StrPad::SpacePad,
        _ => StrPad::NullPad,
    }
}

fn charset(c: &Cursor, v: u32) -> Result<Charset> {
    match v {
        0 => Ok(Charset::Ascii),
        1 => Ok(Charset::Utf8),
        v => Err(c.error(format!("unknown character set {v}"))),
    }
}

fn pad_bits(p: StrPad) -> u32 {
    match p {
        StrPad::NullTerm => 0,
        StrPad::NullPad => 1,
        StrPad::SpacePad => 2,
    }
}

fn cset_bits(c: Charset) -> u32 {
    match c {
        Charset::Ascii => 0,
        Charset::Utf8 => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_class_we_write() {
        let types = vec![
            Datatype::int(4, true),
            Datatype::Integer {
                size: 2,
                signed: false,
                order: ByteOrder::Big,
                offset: 0,
                precision: 16,
            },
            Datatype::float(2),
            Datatype::float(8),
            Datatype::String { size: 7, pad: StrPad::SpacePad, charset: Charset::Utf8 },
            Datatype::vlen_utf8(),
            Datatype::Enum {
                base: Box::new(Datatype::int(1, true)),
                members: vec![("FALSE".into(), vec![0]), ("TRUE".into(), vec![1])],
            },
            Datatype::Compound {
                size: 24,
                members: vec![
                    Member { name: "a".into(), offset: 0, dtype: Datatype::int(4, true) },
                    Member {
                        name: "arr".into(),
                        offset: 4,
                        dtype: Datatype::Array {
                            dims: vec![2],
                            base: Box::new(Datatype::float(4)),
                        },
                    },
                    Member { name: "x".into(), offset: 16, dtype: Datatype::float(8) },
                ],
            },
            Datatype::Array { dims: vec![2, 3], base: Box::new(Datatype::int(8, false)) },
        ];
        for t in types {
            let bytes = t.encode();
            assert_eq!(Datatype::decode(&bytes, 0).unwrap(), t, "{t:?}");
        }
        assert!(
            Datatype::Enum {
                base: Box::new(Datatype::int(1, true)),
                members: vec![("TRUE".into(), vec![1]), ("FALSE".into(), vec![0])],
            }
            .is_bool_enum()
        );
    }

    #[test]
    fn rejects_zero_size_types() {
        for t in [
            Datatype::Time { size: 0 },
            Datatype::Reference { size: 0, kind: 0 },
            Datatype::Array { dims: vec![0], base: Box::new(Datatype::int(4, true)) },
        ] {
            assert!(Datatype::decode(&t.encode(), 0).is_err(), "{t:?}");
        }
    }

    #[test]
    fn rejects_member_outside_compound() {
        let t = Datatype::Compound {
            size: 4,
            members: vec![Member { name: "a".into(), offset: 2, dtype: Datatype::int(4, true) }],
        };
        assert!(Datatype::decode(&t.encode(), 0).is_err());
    }
}
