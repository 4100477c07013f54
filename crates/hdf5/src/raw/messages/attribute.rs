//! Attribute message (0x000C), versions 1-3: name, datatype, dataspace and raw value.

use super::dataspace::Dataspace;
use super::datatype::Datatype;
use super::shared::SharedRef;
use crate::raw::binary::{self, Sizes, bytes, remaining};
use crate::{Error, Result};
use binrw::io::{Read, Seek};
use binrw::{BinResult, Endian, binrw};

/// Length of a field padded to 8 bytes in version 1.
fn padded(version: u8, n: u16) -> usize {
    if version == 1 { (n as usize).div_ceil(8) * 8 } else { n as usize }
}

/// Everything left in the block (the raw value).
fn rest<R: Read + Seek>(r: &mut R, e: Endian, _: ()) -> BinResult<Vec<u8>> {
    let n = remaining(r)? as usize;
    bytes(r, e, (n,))
}

/// The fixed fields of an attribute message: version, flags, the three field sizes and (in
/// version 3) the name's character set.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AttributeHead {
    #[br(assert((1..=3).contains(&version), "unsupported version {}", version))]
    pub version: u8,
    /// Version 1: reserved; 2 and 3: bit 0 shared datatype, bit 1 shared dataspace.
    pub flags: u8,
    /// Name length including the NUL terminator.
    pub name_size: u16,
    pub datatype_size: u16,
    pub dataspace_size: u16,
    #[br(if(version == 3))]
    #[bw(if(*version == 3))]
    pub charset: Option<u8>,
}

impl AttributeHead {
    /// Stored lengths of the name, datatype and dataspace fields (padded in version 1).
    fn field_lengths(&self) -> [usize; 3] {
        [self.name_size, self.datatype_size, self.dataspace_size].map(|n| padded(self.version, n))
    }
}

/// The stored attribute message: version 1 pads name, datatype and dataspace to 8 bytes;
/// version 3 adds the name's character set. Written from this declaration; read as its
/// [`AttributeHead`] with the three fields and the value borrowed from the message body.
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AttributeMessageRaw {
    pub head: AttributeHead,
    /// The name field (padded in version 1).
    #[br(parse_with = bytes, args(padded(head.version, head.name_size)))]
    pub name: Vec<u8>,
    #[br(parse_with = bytes, args(padded(head.version, head.datatype_size)))]
    pub datatype: Vec<u8>,
    #[br(parse_with = bytes, args(padded(head.version, head.dataspace_size)))]
    pub dataspace: Vec<u8>,
    #[br(parse_with = rest)]
    pub data: Vec<u8>,
}

/// A decoded attribute (value still raw: vlen elements are heap references).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeMessage {
    /// Name.
    pub name: String,
    /// Element type (a shared type is reported as [`AttrType::Shared`]).
    pub dtype: AttrType,
    /// Shape.
    pub space: Dataspace,
    /// Raw value bytes (element count x type size).
    pub data: Vec<u8>,
    /// Creation order from the header, if tracked.
    pub creation_order: Option<u64>,
}

/// The datatype of an attribute: inline, or a committed datatype elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrType {
    /// Stored in the message.
    Inline(Datatype),
    /// Stored in another object header (committed datatype).
    Shared(SharedRef),
}

impl AttributeMessage {
    /// Decode an attribute message body.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<AttributeMessage> {
        const WHAT: &str = "attribute message";
        let (h, mut at): (AttributeHead, usize) = binary::parse_prefix(data, offset, WHAT, ())?;
        let mut fields = [&data[..0]; 3];
        for (field, len) in fields.iter_mut().zip(h.field_lengths()) {
            *field = at.checked_add(len).and_then(|end| data.get(at..end)).ok_or_else(|| {
                Error::malformed(
                    WHAT,
                    offset + at as u64,
                    format!("{len} bytes needed, {} left in the block", data.len() - at),
                )
            })?;
            at += len;
        }
        let [name_field, type_field, space_field] = fields;
        let flags = if h.version == 1 { 0 } else { h.flags };
        let name_raw = &name_field[..(h.name_size as usize).min(name_field.len())];
        let name =
            String::from_utf8_lossy(name_raw.split(|&b| b == 0).next().unwrap_or(&[])).into_owned();
        let charset = h.charset.is_some() as u64;
        let type_at = offset + 8 + charset + name_field.len() as u64;
        let dtype = if flags & 0x01 != 0 {
            AttrType::Shared(SharedRef::decode(type_field, type_at, sizes)?)
        } else {
            AttrType::Inline(Datatype::decode(type_field, type_at)?)
        };
        if flags & 0x02 != 0 {
            return Err(Error::unsupported("shared dataspace in an attribute"));
        }
        let space_at = type_at + type_field.len() as u64;
        let space = Dataspace::decode(space_field, space_at, sizes)?;
        let value = data[at..].to_vec();
        Ok(AttributeMessage { name, dtype, space, data: value, creation_order: None })
    }

    /// Encode as version 1 (name, type and space padded to 8 bytes).
    pub fn encode_v1(
        name: &str,
        dtype: &Datatype,
        space: &Dataspace,
        value: &[u8],
        sizes: Sizes,
    ) -> Vec<u8> {
        let t = dtype.encode();
        let s = space.encode(sizes);
        let pad = |mut v: Vec<u8>| {
            v.resize(v.len().div_ceil(8) * 8, 0);
            v
        };
        let mut n = name.as_bytes().to_vec();
        n.push(0);
        let m = AttributeMessageRaw {
            head: AttributeHead {
                version: 1,
                flags: 0,
                name_size: n.len() as u16,
                datatype_size: t.len() as u16,
                dataspace_size: s.len() as u16,
                charset: None,
            },
            name: pad(n),
            datatype: pad(t),
            dataspace: pad(s),
            data: value.to_vec(),
        };
        binary::encode(&m, ())
    }
}
