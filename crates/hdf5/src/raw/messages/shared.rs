//! Shared message references: a message stored in another object header (committed
//! datatypes) or in the shared-message heap (SOHM, unsupported).

use crate::raw::cursor::{Cursor, Sizes};
use crate::{Error, Result};

/// Where a shared message's body lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedRef {
    /// In the object header at this address (a committed datatype, typically).
    Header(u64),
    /// In the shared object header message heap.
    Heap([u8; 8]),
}

impl SharedRef {
    /// Decode a shared message reference.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<SharedRef> {
        let mut c = Cursor::new(data, offset, "shared message");
        let version = c.u8()?;
        let kind = c.u8()?;
        match version {
            1 => {
                c.skip(6)?;
                Ok(SharedRef::Header(c.addr_defined(sizes, "shared message address")?))
            }
            2 => Ok(SharedRef::Header(c.addr_defined(sizes, "shared message address")?)),
            3 => match kind {
                1 => Ok(SharedRef::Heap(c.array()?)),
                2 => Ok(SharedRef::Header(c.addr_defined(sizes, "shared message address")?)),
                k => Err(c.error(format!("shared message type {k}"))),
            },
            v => Err(Error::unsupported(format!("shared message version {v}"))),
        }
    }
}
