//! Symbol table message (0x0011): an old-style group's v1 B-tree and local heap.

use crate::Result;
use crate::raw::cursor::{Cursor, Encoder, Sizes};

/// Addresses of a symbol-table group's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymbolTable {
    /// v1 B-tree (type 0) root.
    pub btree: u64,
    /// Local heap holding the link names.
    pub heap: u64,
}

impl SymbolTable {
    /// Decode.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<SymbolTable> {
        let mut c = Cursor::new(data, offset, "symbol table message");
        Ok(SymbolTable {
            btree: c.addr_defined(sizes, "B-tree address")?,
            heap: c.addr_defined(sizes, "local heap address")?,
        })
    }

    /// Encode.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let mut e = Encoder::new();
        e.addr(sizes, Some(self.btree)).addr(sizes, Some(self.heap));
        e.buf
    }
}
