//! Symbol table entry (spec III.C): one link of an old-style group, also the root entry of a
//! v0/v1 superblock.

use super::cursor::{Cursor, Encoder, Sizes};
use crate::Result;

/// What the 16-byte scratch pad caches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScratchPad {
    /// Cache type 0: nothing.
    None,
    /// Cache type 1: the object is a group; addresses of its B-tree and local heap.
    Group {
        /// v1 B-tree (type 0) address.
        btree: u64,
        /// Local heap address.
        heap: u64,
    },
    /// Cache type 2: the entry is a soft link; offset of its value in the group's local heap.
    SoftLink {
        /// Offset of the NUL-terminated target path in the local heap.
        value_offset: u32,
    },
}

/// A decoded symbol table entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolTableEntry {
    /// Offset of the link name in the group's local heap.
    pub name_offset: u64,
    /// Object header address (undefined for soft links: stored as all ones).
    pub header: u64,
    /// Scratch-pad content.
    pub scratch: ScratchPad,
}

/// Encoded size of an entry for `sizes`.
pub fn entry_size(sizes: Sizes) -> usize {
    2 * sizes.offset as usize + 8 + 16
}

impl SymbolTableEntry {
    /// An entry for a group object with cached B-tree and heap addresses.
    pub fn group(name_offset: u64, header: u64, btree: u64, heap: u64) -> Self {
        SymbolTableEntry { name_offset, header, scratch: ScratchPad::Group { btree, heap } }
    }

    /// Decode one entry.
    pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<Self> {
        let name_offset = c.uint(sizes.offset)?;
        let header = c.uint(sizes.offset)?;
        let cache_type = c.u32()?;
        c.skip(4)?;
        let scratch = c.bytes(16)?;
        let mut s = Cursor::new(scratch, c.offset().saturating_sub(16), "symbol table entry");
        let scratch = match cache_type {
            0 => ScratchPad::None,
            1 => ScratchPad::Group { btree: s.uint(sizes.offset)?, heap: s.uint(sizes.offset)? },
            2 => ScratchPad::SoftLink { value_offset: s.u32()? },
            t => return Err(c.error(format!("unknown cache type {t}"))),
        };
        Ok(SymbolTableEntry { name_offset, header, scratch })
    }

    /// Encode one entry (always `entry_size(sizes)` bytes).
    pub fn encode(&self, e: &mut Encoder, sizes: Sizes) {
        e.uint(self.name_offset, sizes.offset).uint(self.header, sizes.offset);
        let start = e.len();
        match &self.scratch {
            ScratchPad::None => {
                e.u32(0).u32(0);
            }
            ScratchPad::Group { btree, heap } => {
                e.u32(1).u32(0).uint(*btree, sizes.offset).uint(*heap, sizes.offset);
            }
            ScratchPad::SoftLink { value_offset } => {
                e.u32(2).u32(0).u32(*value_offset);
            }
        }
        let used = e.len() - start;
        e.zeros(24 - used);
    }
}
