//! Group symbol table node (spec III.B, `SNOD`): a leaf of an old-style group's B-tree.

use super::cursor::{Cursor, Encoder, Sizes};
use super::source::Source;
use super::symbol_table_entry::{SymbolTableEntry, entry_size};
use crate::Result;

/// Read the entries of the node at `address`; `leaf_k` bounds the entry count (2K).
pub fn read(src: &Source, address: u64, leaf_k: u16) -> Result<Vec<SymbolTableEntry>> {
    let cap = 2 * leaf_k as usize;
    let len = 8 + cap * entry_size(src.sizes);
    let block = src.block_upto(address, len as u64, "symbol table node")?;
    let mut c = Cursor::new(&block, address, "symbol table node");
    c.signature(b"SNOD")?;
    let version = c.u8()?;
    if version != 1 {
        return Err(c.error(format!("version {version}")));
    }
    c.skip(1)?;
    let n = c.u16()? as usize;
    if n > cap {
        return Err(c.error(format!("{n} symbols in a node of capacity {cap}")));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(SymbolTableEntry::decode(&mut c, src.sizes)?);
    }
    Ok(out)
}

/// Encode a node holding `entries`, padded to the full capacity of `2 * leaf_k` entries.
pub fn encode(entries: &[SymbolTableEntry], sizes: Sizes, leaf_k: u16) -> Vec<u8> {
    let mut e = Encoder::new();
    e.bytes(b"SNOD").u8(1).u8(0).u16(entries.len() as u16);
    for entry in entries {
        entry.encode(&mut e, sizes);
    }
    let cap = 2 * leaf_k as usize;
    e.zeros(cap.saturating_sub(entries.len()) * entry_size(sizes));
    e.buf
}

/// Size of an encoded node.
pub fn node_size(sizes: Sizes, leaf_k: u16) -> usize {
    8 + 2 * leaf_k as usize * entry_size(sizes)
}
