//! Link info message (0x0002): where a new-style group keeps dense links.

use crate::Result;
use crate::raw::cursor::{Cursor, Sizes};

/// A decoded link info message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// Links are tracked in creation order.
    pub track_order: bool,
    /// Fractal heap of dense links (None: links are compact, in link messages).
    pub heap: Option<u64>,
    /// v2 B-tree indexing names.
    pub name_index: Option<u64>,
    /// v2 B-tree indexing creation order.
    pub order_index: Option<u64>,
}

impl LinkInfo {
    /// Decode.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<LinkInfo> {
        let mut c = Cursor::new(data, offset, "link info message");
        let version = c.u8()?;
        if version != 0 {
            return Err(c.error(format!("unsupported version {version}")));
        }
        let flags = c.u8()?;
        if flags & 1 != 0 {
            c.skip(8)?;
        }
        let heap = c.addr(sizes)?;
        let name_index = c.addr(sizes)?;
        let order_index = if flags & 2 != 0 { c.addr(sizes)? } else { None };
        Ok(LinkInfo { track_order: flags & 1 != 0, heap, name_index, order_index })
    }
}
