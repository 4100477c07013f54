//! Attribute message (0x000C), versions 1-3: name, datatype, dataspace and raw value.

use super::dataspace::Dataspace;
use super::datatype::Datatype;
use super::shared::SharedRef;
use crate::raw::cursor::{Cursor, Encoder, Sizes};
use crate::{Error, Result};

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
        let mut c = Cursor::new(data, offset, "attribute message");
        let version = c.u8()?;
        let flags = match version {
            1 => {
                c.skip(1)?;
                0
            }
            2 | 3 => c.u8()?,
            v => return Err(c.error(format!("unsupported version {v}"))),
        };
        let name_len = c.u16()? as usize;
        let type_len = c.u16()? as usize;
        let space_len = c.u16()? as usize;
        if version == 3 {
            let _charset = c.u8()?;
        }
        let pad = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
        let name_raw = c.bytes(pad(name_len))?;
        let name_raw = &name_raw[..name_len.min(name_raw.len())];
        let name =
            String::from_utf8_lossy(name_raw.split(|&b| b == 0).next().unwrap_or(&[])).into_owned();
        let type_at = c.offset();
        let type_bytes = c.bytes(pad(type_len))?;
        let dtype = if flags & 0x01 != 0 {
            AttrType::Shared(SharedRef::decode(type_bytes, type_at, sizes)?)
        } else {
            AttrType::Inline(Datatype::decode(type_bytes, type_at)?)
        };
        let space_at = c.offset();
        let space_bytes = c.bytes(pad(space_len))?;
        if flags & 0x02 != 0 {
            return Err(Error::unsupported("shared dataspace in an attribute"));
        }
        let space = Dataspace::decode(space_bytes, space_at, sizes)?;
        let rest = c.rest();
        Ok(AttributeMessage { name, dtype, space, data: rest.to_vec(), creation_order: None })
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
        let mut e = Encoder::new();
        e.u8(1).u8(0).u16(name.len() as u16 + 1).u16(t.len() as u16).u16(s.len() as u16);
        e.bytes(name.as_bytes()).u8(0).align(8);
        e.bytes(&t).align(8);
        e.bytes(&s).align(8);
        e.bytes(value);
        e.buf
    }
}
