//! Old-style (symbol table) groups for the writer: a local heap of names, symbol table nodes
//! of up to 2K entries sorted by name, and a version 1 B-tree (type 0) over them, with the
//! keys libhdf5 expects: key 0 is the empty name, key i+1 the last name of child i.

use super::space::{Space, align8};
use crate::Result;
use crate::raw::btree_v1::{self, GROUP};
use crate::raw::local_heap::{LocalHeap, header_size};
use crate::raw::symbol_table_entry::{ScratchPad, SymbolTableEntry};
use crate::raw::{Sizes, symbol_table_node};

/// One link of a symbol-table group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StLink {
    /// A hard link to an object header; for groups, their B-tree and heap are cached.
    Hard {
        /// Header address.
        header: u64,
        /// Cached (B-tree, heap) when the target is a symbol-table group.
        cache: Option<(u64, u64)>,
    },
    /// A soft link.
    Soft(String),
}

/// Addresses of a written symbol table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrittenTable {
    /// B-tree root.
    pub btree: u64,
    /// Local heap header.
    pub heap: u64,
}

/// Write the symbol table of a group holding `links` (sorted by name here).
pub fn write_symbol_table(
    space: &mut Space,
    sizes: Sizes,
    leaf_k: u16,
    internal_k: u16,
    links: &[(String, StLink)],
) -> Result<WrittenTable> {
    let mut links: Vec<&(String, StLink)> = links.iter().collect();
    links.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    // Local heap: offset 0 is the empty name; then names and soft-link values, 8-aligned.
    let mut data = vec![0u8; 8];
    let mut put = |s: &str| -> u64 {
        let at = data.len() as u64;
        data.extend_from_slice(s.as_bytes());
        data.push(0);
        data.resize(align8(data.len() as u64) as usize, 0);
        at
    };
    // alloc: links.len(), links the writer holds
    let mut entries = Vec::with_capacity(links.len());
    for (name, link) in &links {
        let name_offset = put(name);
        let entry = match link {
            StLink::Hard { header, cache: Some((btree, heap)) } => SymbolTableEntry {
                name_offset,
                header: *header,
                scratch: ScratchPad::Group { btree: *btree, heap: *heap },
            },
            StLink::Hard { header, cache: None } => {
                SymbolTableEntry { name_offset, header: *header, scratch: ScratchPad::None }
            }
            StLink::Soft(target) => {
                let value_offset = put(target) as u32;
                SymbolTableEntry {
                    name_offset,
                    header: sizes.undefined(),
                    scratch: ScratchPad::SoftLink { value_offset },
                }
            }
        };
        entries.push(entry);
    }
    // A trailing free block (next = 1, libhdf5's "no next block"), as libhdf5 always keeps one.
    let used = data.len() as u64;
    let total = align8((used + 16).max(88));
    data.extend_from_slice(&LocalHeap::encode_free_block(sizes, 1, total - used));
    data.resize(total as usize, 0);
    let heap_header = space.alloc(header_size(sizes) as u64);
    let data_at = space.append(&data)?;
    space.write(heap_header, &LocalHeap::encode_header(sizes, total, Some(used), data_at))?;

    // Symbol table nodes of at most 2K entries.
    let cap = 2 * leaf_k as usize;
    let node_len = symbol_table_node::node_size(sizes, leaf_k) as u64;
    let mut children: Vec<(u64, u64)> = Vec::new(); // (node address, heap offset of its last name)
    for chunk in entries.chunks(cap) {
        let bytes = symbol_table_node::encode(chunk, sizes, leaf_k);
        let at = space.alloc(node_len);
        space.write(at, &bytes)?;
        children.push((at, chunk.last().map_or(0, |e| e.name_offset)));
    }
    let btree = write_group_btree(space, sizes, internal_k, &children)?;
    Ok(WrittenTable { btree, heap: heap_header })
}

/// Build the type-0 B-tree over symbol table nodes; returns the root address.
fn write_group_btree(
    space: &mut Space,
    sizes: Sizes,
    k: u16,
    leaves: &[(u64, u64)],
) -> Result<u64> {
    let cap = 2 * k as usize;
    let node_len = btree_v1::node_size(GROUP, sizes, k, 0) as u64;
    // (child address, left key offset, right key offset) at the current level.
    let mut level_items: Vec<(u64, u64, u64)> = Vec::new();
    let mut left = 0u64;
    for &(addr, last) in leaves {
        level_items.push((addr, left, last));
        left = last;
    }
    let mut level = 0u8;
    loop {
        let groups: Vec<&[(u64, u64, u64)]> =
            if level_items.is_empty() { vec![&[][..]] } else { level_items.chunks(cap).collect() };
        let addrs: Vec<u64> = groups.iter().map(|_| space.alloc(node_len)).collect();
        // alloc: groups.len() <= items the writer holds
        let mut next = Vec::with_capacity(groups.len());
        for (i, g) in groups.iter().enumerate() {
            // alloc: a B-tree node's capacity + 1
            let mut keys = Vec::with_capacity(g.len() + 1);
            keys.push(g.first().map_or(0, |c| c.1));
            keys.extend(g.iter().map(|c| c.2));
            let children: Vec<u64> = g.iter().map(|c| c.0).collect();
            let lsib = i.checked_sub(1).map(|j| addrs[j]);
            let rsib = addrs.get(i + 1).copied();
            let bytes = btree_v1::encode_group_node(level, &keys, &children, lsib, rsib, sizes, k);
            space.write(addrs[i], &bytes)?;
            let lo = g.first().map_or(0, |c| c.1);
            let hi = g.last().map_or(0, |c| c.2);
            next.push((addrs[i], lo, hi));
        }
        if next.len() == 1 {
            return Ok(next[0].0);
        }
        level_items = next;
        level += 1;
    }
}
