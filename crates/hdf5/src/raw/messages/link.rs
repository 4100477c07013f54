//! Link message (0x0006): one link of a new-style group (also the records of dense link
//! storage).

use crate::raw::binary::{self, Addr, Sizes, bytes, cstr, uint, uint_w};
use crate::{Error, Result};
use binrw::binrw;

const WHAT: &str = "link message";

/// Where a link points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkTarget {
    /// An object header address.
    Hard(u64),
    /// A path in the same file.
    Soft(String),
    /// A path in another file.
    External {
        /// The other file's name.
        file: String,
        /// The object path in it.
        path: String,
    },
}

/// The value of an external link: flags, then the file name and the object path.
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExternalValue {
    pub version_and_flags: u8,
    #[br(parse_with = cstr)]
    #[bw(pad_after = 1)]
    pub file: Vec<u8>,
    #[br(parse_with = cstr)]
    #[bw(pad_after = 1)]
    pub path: Vec<u8>,
}

/// A link's value, by link type.
#[binrw]
#[brw(little, import(link_type: u8, s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LinkValue {
    /// Type 0: the object header address.
    #[br(pre_assert(link_type == 0))]
    Hard(#[brw(args_raw = s)] Addr),
    /// Type 1: a soft link's path (length, bytes).
    #[br(pre_assert(link_type == 1))]
    Soft {
        #[br(temp)]
        #[bw(calc = path.len() as u16)]
        len: u16,
        #[br(parse_with = bytes, args(len as usize))]
        path: Vec<u8>,
    },
    /// Type 64: an external link's value (length, bytes).
    #[br(pre_assert(link_type == 64))]
    External {
        #[br(temp)]
        #[bw(calc = value.len() as u16)]
        len: u16,
        #[br(parse_with = bytes, args(len as usize))]
        value: Vec<u8>,
    },
    /// Any other type (user-defined links): not read.
    UserDefined,
}

/// The stored link message.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkMessage {
    #[br(temp, assert(version == 1, "unsupported version {}", version))]
    #[bw(calc = 1)]
    version: u8,
    /// Bits 0-1: width of the name length; 2: creation order present; 3: link type present;
    /// 4: character set present.
    pub flags: u8,
    #[br(if(flags & 0x08 != 0))]
    #[bw(if(flags & 0x08 != 0))]
    pub link_type: Option<u8>,
    #[br(if(flags & 0x04 != 0))]
    #[bw(if(flags & 0x04 != 0))]
    pub creation_order: Option<u64>,
    #[br(if(flags & 0x10 != 0))]
    #[bw(if(flags & 0x10 != 0))]
    pub charset: Option<u8>,
    /// Length of the name (in `1 << (flags & 3)` bytes).
    #[br(parse_with = uint, args(1 << (flags & 3)))]
    #[bw(write_with = uint_w, args(1 << (*flags & 3)))]
    pub name_length: u64,
    #[br(assert(!name.is_empty(), "link name length 0"))]
    #[br(parse_with = bytes, args(usize::try_from(name_length).unwrap_or(usize::MAX)))]
    pub name: Vec<u8>,
    #[br(args(link_type.unwrap_or(0), s))]
    #[bw(args(link_type.unwrap_or(0), s))]
    pub value: LinkValue,
}

/// A decoded link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Link name (UTF-8 or ASCII as stored).
    pub name: String,
    /// Creation order, when tracked.
    pub creation_order: Option<u64>,
    /// Target.
    pub target: LinkTarget,
}

impl Link {
    /// Decode a link message body.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<Link> {
        let m: LinkMessage = binary::parse(data, offset, WHAT, sizes)?;
        let target = match m.value {
            LinkValue::Hard(a) => LinkTarget::Hard(a.0),
            LinkValue::Soft { path } => {
                LinkTarget::Soft(String::from_utf8_lossy(&path).into_owned())
            }
            LinkValue::External { value } => {
                let v: ExternalValue = binary::parse(&value, offset, "external link", ())?;
                LinkTarget::External {
                    file: String::from_utf8_lossy(&v.file).into_owned(),
                    path: String::from_utf8_lossy(&v.path).into_owned(),
                }
            }
            LinkValue::UserDefined => {
                return Err(Error::unsupported(format!(
                    "link type {} (user-defined link)",
                    m.link_type.unwrap_or(0)
                )));
            }
        };
        Ok(Link {
            name: String::from_utf8_lossy(&m.name).into_owned(),
            creation_order: m.creation_order,
            target,
        })
    }

    /// Encode as the writer stores links: a UTF-8 name, no creation order.
    pub(crate) fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let n = self.name.len();
        let width_bits = if n < 256 {
            0
        } else if n < 65_536 {
            1
        } else {
            2
        };
        let (link_type, value) = match &self.target {
            LinkTarget::Hard(a) => (None, LinkValue::Hard(Addr(*a))),
            LinkTarget::Soft(t) => (Some(1), LinkValue::Soft { path: t.as_bytes().to_vec() }),
            LinkTarget::External { file, path } => {
                let v = ExternalValue {
                    version_and_flags: 0,
                    file: file.as_bytes().to_vec(),
                    path: path.as_bytes().to_vec(),
                };
                (Some(64), LinkValue::External { value: binary::encode(&v, ()) })
            }
        };
        let m = LinkMessage {
            flags: width_bits | if link_type.is_some() { 0x08 } else { 0 } | 0x10,
            link_type,
            creation_order: None,
            charset: Some(1),
            name_length: n as u64,
            name: self.name.as_bytes().to_vec(),
            value,
        };
        binary::encode(&m, sizes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_round_trips() {
        for target in [
            LinkTarget::Hard(0x800),
            LinkTarget::Soft("/a/b".into()),
            LinkTarget::External { file: "other.h5".into(), path: "/x".into() },
        ] {
            let l = Link { name: "name".into(), creation_order: None, target };
            assert_eq!(Link::decode(&l.encode(Sizes::DEFAULT), 0, Sizes::DEFAULT).unwrap(), l);
        }
        let long =
            Link { name: "n".repeat(300), creation_order: None, target: LinkTarget::Hard(8) };
        assert_eq!(Link::decode(&long.encode(Sizes::DEFAULT), 0, Sizes::DEFAULT).unwrap(), long);
    }
}
