//! Link message (0x0006): one link of a new-style group (also the records of dense link storage).

use crate::Result;
use crate::raw::cursor::{Cursor, Sizes};

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
        let mut c = Cursor::new(data, offset, "link message");
        let version = c.u8()?;
        if version != 1 {
            return Err(c.error(format!("unsupported version {version}")));
        }
        let flags = c.u8()?;
        let kind = if flags & 0x08 != 0 { c.u8()? } else { 0 };
        let creation_order = if flags & 0x04 != 0 { Some(c.u64()?) } else { None };
        if flags & 0x10 != 0 {
            let _charset = c.u8()?;
        }
        let name_len = c.uint(1 << (flags & 3))?;
        let name_len = usize::try_from(name_len)
            .ok()
            .filter(|&n| n > 0 && n <= c.remaining())
            .ok_or_else(|| c.error(format!("link name length {name_len}")))?;
        let name = String::from_utf8_lossy(c.bytes(name_len)?).into_owned();
        let target = match kind {
            0 => LinkTarget::Hard(c.addr_defined(sizes, "link target address")?),
            1 => {
                let n = c.u16()? as usize;
                LinkTarget::Soft(String::from_utf8_lossy(c.bytes(n)?).into_owned())
            }
            64 => {
                let n = c.u16()? as usize;
                let body = c.bytes(n)?;
                let mut b = Cursor::new(body, offset, "external link");
                let _version_flags = b.u8()?;
                let file = String::from_utf8_lossy(b.cstr()?).into_owned();
                let path = String::from_utf8_lossy(b.cstr()?).into_owned();
                LinkTarget::External { file, path }
            }
            k => {
                return Err(crate::Error::unsupported(format!(
                    "link type {k} (user-defined link)"
                )));
            }
        };
        Ok(Link { name, creation_order, target })
    }
}
