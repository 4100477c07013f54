//! Symbol table message (0x0011): an old-style group's v1 B-tree and local heap.

use crate::Result;
use crate::raw::binary::{self, Sizes, addr, addr_w};
use binrw::binrw;

/// Addresses of a symbol-table group's index.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymbolTable {
    /// v1 B-tree (type 0) root.
    #[br(parse_with = addr, args(s))]
    #[bw(write_with = addr_w, args(s))]
    pub btree: u64,
    /// Local heap holding the link names.
    #[br(parse_with = addr, args(s))]
    #[bw(write_with = addr_w, args(s))]
    pub heap: u64,
}

impl SymbolTable {
    /// Decode.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<SymbolTable> {
        binary::parse(data, offset, "symbol table message", sizes)
    }

    /// Encode.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        binary::encode(self, sizes)
    }
}
