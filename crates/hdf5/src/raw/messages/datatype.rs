//! Datatype message (0x0003), versions 1-5: every class HDF5 defines, decoded into
//! [`Datatype`], and encoded back (versions 1-3) for the writer.

use crate::raw::binary::{self, fail, malformed, read_uint, remaining};
use crate::{Error, Result};
use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};

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
        binary::parse(data, offset, "datatype message", 0)
    }

    /// Encode as a datatype message body (version 1 where possible, 2 for arrays, 3 never).
    pub fn encode(&self) -> Vec<u8> {
        binary::encode(self, ())
    }

    fn needs_v2(&self) -> bool {
        match self {
            Datatype::Array { .. } => true,
            Datatype::Compound { members, .. } => members.iter().any(|m| m.dtype.needs_v2()),
            Datatype::Enum { base, .. } | Datatype::VarSequence { base, .. } => base.needs_v2(),
            _ => false,
        }
    }
}

/// The 8 bytes every datatype starts with: class and version (4 bits each), 24 bits of
/// class-specific flags, and the element size.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DatatypeHeader {
    pub class_and_version: u8,
    #[br(map = |b: [u8; 3]| u32::from_le_bytes([b[0], b[1], b[2], 0]))]
    #[bw(map = |v: &u32| { let b = v.to_le_bytes(); [b[0], b[1], b[2]] })]
    pub class_bits: u32,
    pub size: u32,
}

/// Properties of fixed-point numbers (class 0) and bit fields (class 4).
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BitRange {
    pub offset: u16,
    pub precision: u16,
}

/// Properties of floating-point numbers (class 1); sign position and normalization are
/// class bits.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FloatProperties {
    pub offset: u16,
    pub precision: u16,
    pub exp_pos: u8,
    pub exp_size: u8,
    pub mant_pos: u8,
    pub mant_size: u8,
    pub bias: u32,
}

/// The first properties of an array (class 10): rank and dimensions, with reserved bytes
/// and an unused permutation before version 3. The base type follows.
#[binrw]
#[brw(little, import(version: u8))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArrayProperties {
    #[br(assert((1..=32).contains(&rank), "array of rank {}", rank))]
    pub rank: u8,
    #[brw(if(version < 3))]
    pub reserved: Option<[u8; 3]>,
    #[br(parse_with = binary::vec, args(rank as usize, 4, ()))]
    pub dims: Vec<u32>,
    #[br(if(version < 3), parse_with = binary::vec_if, args(true, rank as usize, 4, ()))]
    #[bw(if(version < 3))]
    pub permutation: Option<Vec<u32>>,
}

/// The fixed part of a version 1 compound member after its name and offset: the member's
/// own array dimensionality (4 dimension sizes, unused permutation).
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MemberV1 {
    pub rank: u8,
    pub reserved: [u8; 3],
    pub permutation: u32,
    pub reserved2: u32,
    pub dims: [u32; 4],
}

fn strpad(v: u32) -> StrPad {
    match v {
        0 => StrPad::NullTerm,
        2 => StrPad::SpacePad,
        _ => StrPad::NullPad,
    }
}

fn charset(pos: u64, v: u32) -> BinResult<Charset> {
    match v {
        0 => Ok(Charset::Ascii),
        1 => Ok(Charset::Utf8),
        v => Err(malformed(pos, format!("unknown character set {v}"))),
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

/// A NUL-terminated name; before version 3, padded so that name and NUL fill a multiple of
/// 8 bytes.
fn read_name<R: Read + Seek>(r: &mut R, version: u8) -> BinResult<String> {
    let name = binary::cstr(r, Endian::Little, ())?;
    if version < 3 {
        let used = name.len() + 1;
        let pad = (8 - used % 8) % 8;
        if remaining(r)? < pad as u64 {
            return Err(malformed(r.stream_position()?, "name padding runs past the message"));
        }
        r.seek(binrw::io::SeekFrom::Current(pad as i64))?;
    }
    Ok(String::from_utf8_lossy(&name).into_owned())
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    let used = name.len() + 1;
    out.resize(out.len() + (8 - used % 8) % 8, 0);
}

/// Datatypes are bit-packed and nest (compound members, enum and array bases, vlen element
/// types), so their binrw traits are implemented by hand; the argument is the nesting depth.
impl BinRead for Datatype {
    type Args<'a> = u32;

    fn read_options<R: Read + Seek>(r: &mut R, e: Endian, depth: u32) -> BinResult<Self> {
        let start = r.stream_position()?;
        if depth > MAX_NESTING {
            return Err(malformed(start, format!("datatype nested deeper than {MAX_NESTING}")));
        }
        let h = DatatypeHeader::read_options(r, e, ())?;
        let class = h.class_and_version & 0x0f;
        let version = h.class_and_version >> 4;
        if !(1..=5).contains(&version) {
            let e = Error::unsupported(format!("datatype message version {version}"));
            return Err(fail(start, e));
        }
        let (bits, size) = (h.class_bits, h.size);
        let order = if bits & 1 != 0 { ByteOrder::Big } else { ByteOrder::Little };
        let here = |r: &mut R| r.stream_position();
        let zero_size = |pos: u64| malformed(pos, "datatype of size 0");
        let dt = match class {
            0 => {
                let p = BitRange::read_options(r, e, ())?;
                if size == 0 || size > 16 {
                    return Err(malformed(here(r)?, format!("integer of size {size}")));
                }
                Datatype::Integer {
                    size,
                    signed: bits & 0x08 != 0,
                    order,
                    offset: p.offset,
                    precision: p.precision,
                }
            }
            1 => {
                if bits & 0x40 != 0 {
                    return Err(fail(start, Error::unsupported("VAX-order floating point")));
                }
                let p = FloatProperties::read_options(r, e, ())?;
                if size == 0 || size > 16 {
                    return Err(malformed(here(r)?, format!("float of size {size}")));
                }
                let layout = FloatLayout {
                    offset: p.offset,
                    precision: p.precision,
                    exp_pos: p.exp_pos,
                    exp_size: p.exp_size,
                    mant_pos: p.mant_pos,
                    mant_size: p.mant_size,
                    bias: p.bias,
                    sign: ((bits >> 8) & 0xff) as u8,
                    norm: ((bits >> 4) & 3) as u8,
                };
                Datatype::Float { size, order, layout }
            }
            2 => {
                let _precision = u16::read_options(r, e, ())?;
                Datatype::Time { size }
            }
            3 => {
                if size == 0 {
                    return Err(zero_size(here(r)?));
                }
                Datatype::String {
                    size,
                    pad: strpad(bits & 0x0f),
                    charset: charset(here(r)?, (bits >> 4) & 0x0f)?,
                }
            }
            4 => {
                let _ = BitRange::read_options(r, e, ())?;
                if size == 0 {
                    return Err(zero_size(here(r)?));
                }
                Datatype::Bitfield { size, order }
            }
            5 => {
                let tag = binary::bytes(r, e, ((bits & 0xff) as usize,))?;
                let tag = String::from_utf8_lossy(tag.split(|&x| x == 0).next().unwrap_or(&[]))
                    .into_owned();
                if size == 0 {
                    return Err(zero_size(here(r)?));
                }
                Datatype::Opaque { size, tag }
            }
            6 => read_compound(r, e, version, bits, size, depth)?,
            7 => {
                if version >= 4 && remaining(r)? > 0 {
                    // Revised references (HDF5 1.12): a version byte, nothing else we need.
                    let _ = u8::read_options(r, e, ())?;
                }
                Datatype::Reference { size, kind: (bits & 0x0f) as u8 }
            }
            8 => {
                let n = (bits & 0xffff) as usize;
                let base = Datatype::read_options(r, e, depth + 1)?;
                if !matches!(base, Datatype::Integer { .. }) {
                    return Err(malformed(here(r)?, "enumeration over a non-integer base"));
                }
                // alloc: n <= bytes remaining in the block
                let mut names = Vec::with_capacity(n.min(remaining(r)? as usize));
                for _ in 0..n {
                    names.push(read_name(r, version)?);
                }
                let vsize = base.size() as usize;
                // alloc: names.len(), names already read
                let mut members = Vec::with_capacity(names.len());
                for name in names {
                    members.push((name, binary::bytes(r, e, (vsize,))?));
                }
                Datatype::Enum { base: Box::new(base), members }
            }
            9 => {
                let kind = bits & 0x0f;
                let base = Datatype::read_options(r, e, depth + 1)?;
                if kind == 1 {
                    Datatype::VarString {
                        size,
                        pad: strpad((bits >> 4) & 0x0f),
                        charset: charset(here(r)?, (bits >> 8) & 0x0f)?,
                    }
                } else {
                    Datatype::VarSequence { size, base: Box::new(base) }
                }
            }
            10 => {
                let p = ArrayProperties::read_options(r, e, (version,))?;
                let base = Datatype::read_options(r, e, depth + 1)?;
                let dt = Datatype::Array { dims: p.dims, base: Box::new(base) };
                if dt.size() != size as u64 {
                    return Err(malformed(
                        start,
                        format!("array size {} disagrees with its elements ({})", size, dt.size()),
                    ));
                }
                dt
            }
            11 => Datatype::Complex { size },
            k => return Err(malformed(start, format!("unknown datatype class {k}"))),
        };
        // Every class needs a size (time, reference, complex and vlen sizes are not checked
        // above; an array may have a zero dimension): zero-size elements would make chunks of
        // zero bytes, whose index entries no file-size check bounds.
        if dt.size() == 0 {
            return Err(zero_size(here(r)?));
        }
        Ok(dt)
    }
}

fn read_compound<R: Read + Seek>(
    r: &mut R,
    e: Endian,
    version: u8,
    bits: u32,
    size: u32,
    depth: u32,
) -> BinResult<Datatype> {
    let n = (bits & 0xffff) as usize;
    if size == 0 {
        return Err(malformed(r.stream_position()?, "compound of size 0"));
    }
    let offset_width = match size {
        0..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xff_ffff => 3,
        _ => 4,
    };
    // alloc: n <= bytes remaining in the block
    let mut members = Vec::with_capacity(n.min(remaining(r)? as usize));
    for _ in 0..n {
        let name = read_name(r, version)?;
        let offset = if version >= 3 {
            read_uint(r, offset_width)? as u32
        } else {
            u32::read_options(r, e, ())?
        };
        let mut dtype;
        if version == 1 {
            let m = MemberV1::read_options(r, e, ())?;
            let rank = m.rank as usize;
            let dims: Vec<u32> = m.dims.iter().take(rank).copied().collect();
            dtype = Datatype::read_options(r, e, depth + 1)?;
            if rank > 0 {
                dtype = Datatype::Array { dims, base: Box::new(dtype) };
                if dtype.size() == 0 {
                    return Err(malformed(
                        r.stream_position()?,
                        format!("member {name:?}: array with a zero dimension"),
                    ));
                }
            }
        } else {
            dtype = Datatype::read_options(r, e, depth + 1)?;
        }
        let end = (offset as u64).checked_add(dtype.size());
        if end.is_none_or(|end| end > size as u64) {
            return Err(malformed(
                r.stream_position()?,
                format!(
                    "member {name:?} at offset {offset} of size {} overruns the compound size {size}",
                    dtype.size()
                ),
            ));
        }
        members.push(Member { name, offset, dtype });
    }
    Ok(Datatype::Compound { size, members })
}

impl BinWrite for Datatype {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(&self, w: &mut W, e: Endian, _: ()) -> BinResult<()> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        let _ = e;
        w.write_all(&out)?;
        Ok(())
    }
}

impl Datatype {
    fn header(out: &mut Vec<u8>, class: u8, version: u8, bits: u32, size: u32) {
        let h =
            DatatypeHeader { class_and_version: class | (version << 4), class_bits: bits, size };
        binary::encode_into(&h, (), out);
    }

    /// Append the encoding of this type.
    fn encode_into(&self, out: &mut Vec<u8>) {
        let ord = |o: &ByteOrder| if *o == ByteOrder::Big { 1u32 } else { 0 };
        match self {
            Datatype::Integer { size, signed, order, offset, precision } => {
                Self::header(out, 0, 1, ord(order) | if *signed { 0x08 } else { 0 }, *size);
                let p = BitRange { offset: *offset, precision: *precision };
                binary::encode_into(&p, (), out);
            }
            Datatype::Float { size, order, layout } => {
                let bits = ord(order) | ((layout.norm as u32) << 4) | ((layout.sign as u32) << 8);
                Self::header(out, 1, 1, bits, *size);
                let p = FloatProperties {
                    offset: layout.offset,
                    precision: layout.precision,
                    exp_pos: layout.exp_pos,
                    exp_size: layout.exp_size,
                    mant_pos: layout.mant_pos,
                    mant_size: layout.mant_size,
                    bias: layout.bias,
                };
                binary::encode_into(&p, (), out);
            }
            Datatype::Time { size } => {
                Self::header(out, 2, 1, 0, *size);
                out.extend_from_slice(&((*size * 8) as u16).to_le_bytes());
            }
            Datatype::String { size, pad, charset } => {
                Self::header(out, 3, 1, pad_bits(*pad) | (cset_bits(*charset) << 4), *size);
            }
            Datatype::Bitfield { size, order } => {
                Self::header(out, 4, 1, ord(order), *size);
                binary::encode_into(
                    &BitRange { offset: 0, precision: (*size * 8) as u16 },
                    (),
                    out,
                );
            }
            Datatype::Opaque { size, tag } => {
                let mut t = tag.as_bytes().to_vec();
                t.push(0);
                t.resize(t.len().div_ceil(8) * 8, 0);
                Self::header(out, 5, 1, t.len() as u32, *size);
                out.extend_from_slice(&t);
            }
            Datatype::Compound { size, members } => {
                let v = if self.needs_v2() { 2 } else { 1 };
                Self::header(out, 6, v, members.len() as u32, *size);
                for m in members {
                    write_name(out, &m.name);
                    out.extend_from_slice(&m.offset.to_le_bytes());
                    if v == 1 {
                        binary::encode_into(&MemberV1::default(), (), out);
                    }
                    m.dtype.encode_into(out);
                }
            }
            Datatype::Reference { size, kind } => {
                Self::header(out, 7, 1, *kind as u32, *size);
            }
            Datatype::Enum { base, members } => {
                let v = if self.needs_v2() { 2 } else { 1 };
                Self::header(out, 8, v, members.len() as u32, base.size() as u32);
                base.encode_into(out);
                for (name, _) in members {
                    write_name(out, name);
                }
                for (_, value) in members {
                    out.extend_from_slice(value);
                }
            }
            Datatype::VarString { size, pad, charset } => {
                let bits = 1 | (pad_bits(*pad) << 4) | (cset_bits(*charset) << 8);
                Self::header(out, 9, 1, bits, *size);
                Datatype::Integer {
                    size: 1,
                    signed: false,
                    order: ByteOrder::Little,
                    offset: 0,
                    precision: 8,
                }
                .encode_into(out);
            }
            Datatype::VarSequence { size, base } => {
                Self::header(out, 9, if base.needs_v2() { 2 } else { 1 }, 0, *size);
                base.encode_into(out);
            }
            Datatype::Array { dims, base } => {
                Self::header(out, 10, 2, 0, self.size() as u32);
                let p = ArrayProperties {
                    rank: dims.len() as u8,
                    reserved: Some([0; 3]),
                    dims: dims.clone(),
                    permutation: Some((0..dims.len() as u32).collect()),
                };
                binary::encode_into(&p, (2,), out);
                base.encode_into(out);
            }
            Datatype::Complex { size } => {
                // Not written by this engine's writer (repack refuses it earlier).
                Self::header(out, 11, 5, 0, *size);
            }
        }
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
