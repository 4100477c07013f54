//! Attribute info message (0x0015): where an object keeps dense attributes.

use crate::Result;
use crate::raw::binary::{self, MaybeAddr, Sizes};
use binrw::binrw;

/// The stored attribute info message.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AttributeInfoMessage {
    #[br(temp, assert(version == 0, "unsupported version {}", version))]
    #[bw(calc = 0)]
    version: u8,
    /// Bit 0: creation order tracked; bit 1: creation order indexed.
    pub flags: u8,
    /// Maximum creation index (present when creation order is tracked).
    #[br(if(flags & 1 != 0))]
    #[bw(if(flags & 1 != 0))]
    pub max_creation_index: Option<u16>,
    /// Fractal heap address.
    #[brw(args_raw = s)]
    pub heap: MaybeAddr,
    /// Name index v2 B-tree address.
    #[brw(args_raw = s)]
    pub name_index: MaybeAddr,
    /// Creation order index v2 B-tree address (present when the order is indexed).
    #[br(if(flags & 2 != 0), args_raw = s)]
    #[bw(if(flags & 2 != 0), args_raw = s)]
    pub order_index: Option<MaybeAddr>,
}

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
        let m: AttributeInfoMessage = binary::parse(data, offset, "attribute info message", sizes)?;
        Ok(AttributeInfo {
            track_order: m.flags & 1 != 0,
            heap: m.heap.0,
            name_index: m.name_index.0,
            order_index: m.order_index.and_then(|a| a.0),
        })
    }

    /// Encode (creation order neither tracked nor indexed: what the writer stores).
    pub(crate) fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let m = AttributeInfoMessage {
            flags: 0,
            max_creation_index: None,
            heap: MaybeAddr(self.heap),
            name_index: MaybeAddr(self.name_index),
            order_index: None,
        };
        binary::encode(&m, sizes)
    }
}
