//! The version 1 B-tree (type 1) chunk index for the writer, with libhdf5's key rules: the
//! key before each child is that chunk's key (size, filter mask, element offsets, and 0 for
//! the element-size dimension); the final key is the last chunk's offsets with the
//! element-size dimension set to the element size, so every chunk sorts strictly below it.

use super::space::Space;
use crate::Result;
use crate::model::chunks::ChunkEntry;
use crate::raw::Sizes;
use crate::raw::btree_v1::{self, CHUNK, ChunkKey};

/// Write the index over `chunks` (any order); returns the root address, or `None` when there
/// are no chunks (the layout then stores the undefined address).
pub fn write_chunk_btree(
    space: &mut Space,
    sizes: Sizes,
    k: u16,
    element_size: u64,
    chunks: &[ChunkEntry],
) -> Result<Option<u64>> {
    if chunks.is_empty() {
        return Ok(None);
    }
    let mut sorted: Vec<&ChunkEntry> = chunks.iter().collect();
    sorted.sort_by(|a, b| a.offset.cmp(&b.offset));
    let rank = sorted[0].offset.len();
    let dims = rank + 1;
    let cap = 2 * k as usize;
    let node_len = btree_v1::node_size(CHUNK, sizes, k, dims) as u64;
    let key_of = |e: &ChunkEntry| ChunkKey {
        size: e.size as u32,
        filter_mask: e.filter_mask,
        offset: e.offset.clone(),
    };
    let last = sorted[sorted.len() - 1];
    // The final key: the last chunk's offsets with the element size in the element-size
    // dimension (size and filter mask 0).
    let right = ChunkKey { size: 0, filter_mask: 0, offset: last.offset.clone() };
    // Items at the current level: (child address, key before it).
    let mut items: Vec<(u64, ChunkKey)> = sorted.iter().map(|e| (e.address, key_of(e))).collect();
    let mut level = 0u8;
    loop {
        let groups: Vec<&[(u64, ChunkKey)]> = items.chunks(cap).collect();
        let addrs: Vec<u64> = groups.iter().map(|_| space.alloc(node_len)).collect();
        // alloc: groups.len() <= items.len(), chunks the writer holds
        let mut next = Vec::with_capacity(groups.len());
        for (i, g) in groups.iter().enumerate() {
            let mut keys: Vec<ChunkKey> = g.iter().map(|c| c.1.clone()).collect();
            // The right key of this node is the left key of the next node, or the final key.
            let (right_key, element_offset) = match groups.get(i + 1) {
                Some(n) => (n[0].1.clone(), 0),
                None => (right.clone(), element_size),
            };
            keys.push(right_key);
            let children: Vec<u64> = g.iter().map(|c| c.0).collect();
            let lsib = i.checked_sub(1).map(|j| addrs[j]);
            let rsib = addrs.get(i + 1).copied();
            let bytes = btree_v1::encode_chunk_node(
                level,
                &keys,
                element_offset,
                &children,
                lsib,
                rsib,
                sizes,
                k,
            );
            space.write(addrs[i], &bytes)?;
            next.push((addrs[i], g[0].1.clone()));
        }
        if next.len() == 1 {
            return Ok(Some(next[0].0));
        }
        items = next;
        level += 1;
    }
}
