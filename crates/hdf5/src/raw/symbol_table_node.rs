//! Group symbol table node (spec III.B, `SNOD`): a leaf of an old-style group's B-tree,
//! holding up to 2K symbol table entries. The writer allocates every node at its full
//! capacity (unused entries zeroed), as libhdf5 does.

use super::binary::{self, Sizes, vec};
use super::source::Source;
use super::symbol_table_entry::{SymbolTableEntry, entry_size};
use crate::Result;
use binrw::binrw;

const WHAT: &str = "symbol table node";

/// A symbol table node; `capacity` (2K) bounds the entry count when reading.
#[binrw]
#[brw(little, magic = b"SNOD", import(s: Sizes, capacity: usize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SymbolTableNode {
    #[br(temp, assert(version == 1, "version {}", version))]
    #[bw(calc = 1)]
    version: u8,
    #[br(temp)]
    #[bw(calc = 0)]
    _reserved: u8,
    #[br(temp, assert(
        symbols as usize <= capacity,
        "{} symbols in a node of capacity {}", symbols, capacity
    ))]
    #[bw(calc = entries.len() as u16)]
    symbols: u16,
    #[br(parse_with = vec, args(symbols as usize, entry_size(s), s))]
    #[bw(args_raw = s)]
    pub entries: Vec<SymbolTableEntry>,
}

/// Read the entries of the node at `address`; `leaf_k` bounds the entry count (2K).
pub fn read(src: &Source, address: u64, leaf_k: u16) -> Result<Vec<SymbolTableEntry>> {
    let cap = 2 * leaf_k as usize;
    let block = src.block_upto(address, node_size(src.sizes, leaf_k) as u64, WHAT)?;
    let node: SymbolTableNode = binary::parse(&block, address, WHAT, (src.sizes, cap))?;
    Ok(node.entries)
}

/// Encode a node holding `entries`, padded to the full capacity of `2 * leaf_k` entries.
pub fn encode(entries: &[SymbolTableEntry], sizes: Sizes, leaf_k: u16) -> Vec<u8> {
    let node = SymbolTableNode { entries: entries.to_vec() };
    let mut bytes = binary::encode(&node, (sizes, entries.len()));
    bytes.resize(bytes.len().max(node_size(sizes, leaf_k)), 0);
    bytes
}

/// Size of an encoded node.
pub fn node_size(sizes: Sizes, leaf_k: u16) -> usize {
    8 + 2 * leaf_k as usize * entry_size(sizes)
}
