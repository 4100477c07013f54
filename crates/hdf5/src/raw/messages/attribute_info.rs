//! Attribute info message (0x0015): where an object keeps dense attributes.

use crate::Result;
use crate::raw::cursor::{Cursor, Sizes};

/// A decoded attribute info message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttributeInfo {
    /// Attributes are tracked in creation order.
    pub track_order: bool,
    /// Fractal heap of dense attributes (None: all attributes are in the header).
    pub heap: Option<u64>,
    /// v2 B-tree indexing names.
    pub name_index: Option<u64>,
    /// v2 B-tree indexing creation order.
    pub order_index: Option<u64>,
}

impl AttributeInfo {
    /// Decode.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<AttributeInfo> {
        let mut c = Cursor::new(data, offset, "attribute info message");
        let version = c.u8()?;
        if version != 0 {
            return Err(c.error(format!("unsupported version {version}")));
        }
        let flags = c.u8()?;
        if flags & 1 != 0 {
            c.skip(2)?;
        }
        let heap = c.addr(sizes)?;
        let name_index = c.addr(sizes)?;
        let order_index = if flags & 2 != 0 { c.addr(sizes)? } else { None };
        Ok(AttributeInfo { track_order: flags & 1 != 0, heap, name_index, order_index })
    }
}
