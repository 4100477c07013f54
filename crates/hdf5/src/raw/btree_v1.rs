//! Version 1 B-trees (spec III.A.1, `TREE`): type 0 indexes an old-style group's symbol
//! nodes, type 1 indexes a dataset's raw-data chunks.
//!
//! Walked iteratively with an explicit stack, a visited set and a depth cap; every child's
//! level must be its parent's level minus one.

use super::cursor::{Cursor, Encoder, Sizes};
use super::source::Source;
use crate::{Error, Result};
use std::collections::HashSet;

/// Node type 0: group nodes.
pub const GROUP: u8 = 0;
/// Node type 1: raw data chunks.
pub const CHUNK: u8 = 1;

/// The key of a chunk B-tree entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChunkKey {
    /// Size of the stored (filtered) chunk in bytes.
    pub size: u32,
    /// Filters skipped for this chunk (bit i = filter i).
    pub filter_mask: u32,
    /// Chunk offset in elements, per dimension (the trailing element-size entry dropped).
    pub offset: Vec<u64>,
}

/// One decoded node.
#[derive(Clone, Debug)]
struct Node {
    level: u8,
    keys: Vec<Vec<u8>>,
    children: Vec<u64>,
}

fn key_size(node_type: u8, sizes: Sizes, dims: usize) -> usize {
    if node_type == GROUP { sizes.length as usize } else { 8 + 8 * dims }
}

/// Encoded size of a full node (capacity `2k` children).
pub fn node_size(node_type: u8, sizes: Sizes, k: u16, dims: usize) -> usize {
    let n = 2 * k as usize;
    8 + 2 * sizes.offset as usize
        + (n + 1) * key_size(node_type, sizes, dims)
        + n * sizes.offset as usize
}

fn read_node(
    src: &Source,
    addr: u64,
    node_type: u8,
    dims: usize,
    max_entries: usize,
) -> Result<Node> {
    let sizes = src.sizes;
    let ks = key_size(node_type, sizes, dims);
    let head_len = 8 + 2 * sizes.offset as usize;
    let head = src.block(addr, head_len as u64, "v1 B-tree node")?;
    let mut c = Cursor::new(&head, addr, "v1 B-tree node");
    c.signature(b"TREE")?;
    let t = c.u8()?;
    if t != node_type {
        return Err(c.error(format!("node type {t}, expected {node_type}")));
    }
    let level = c.u8()?;
    let n = c.u16()? as usize;
    if n > max_entries {
        return Err(c.error(format!("{n} entries used, capacity {max_entries}")));
    }
    let body_len = (n + 1) * ks + n * sizes.offset as usize;
    let body_addr = addr + head_len as u64;
    let body = src.block(body_addr, body_len as u64, "v1 B-tree node")?;
    let mut c = Cursor::new(&body, body_addr, "v1 B-tree node");
    let mut keys = Vec::with_capacity(n + 1);
    let mut children = Vec::with_capacity(n);
    for i in 0..=n {
        keys.push(c.bytes(ks)?.to_vec());
        if i < n {
            children.push(c.addr_defined(sizes, "B-tree child")?);
        }
    }
    Ok(Node { level, keys, children })
}

/// Walk a tree in key order; call `leaf(key_before, child, key_after)` for every leaf entry.
fn walk(
    src: &Source,
    root: u64,
    node_type: u8,
    dims: usize,
    k: u16,
    mut leaf: impl FnMut(&[u8], u64) -> Result<()>,
) -> Result<()> {
    // Accept nodes fuller than K says (other writers use other K), but never absurdly so.
    let max_entries = (2 * k as usize).max(64).min(u16::MAX as usize);
    let mut seen = HashSet::new();
    let mut stack: Vec<(u64, Option<u8>)> = vec![(root, None)];
    while let Some((addr, expect_level)) = stack.pop() {
        if !seen.insert(addr) {
            return Err(Error::malformed(
                "v1 B-tree node",
                addr,
                "node reached twice (cycle or shared child)",
            ));
        }
        let node = read_node(src, addr, node_type, dims, max_entries)?;
        if let Some(l) = expect_level {
            if node.level != l {
                return Err(Error::malformed(
                    "v1 B-tree node",
                    addr,
                    format!("level {} where {} was expected", node.level, l),
                ));
            }
        } else if node.level as u32 > src.limits.max_depth {
            return Err(Error::limit(
                "v1 B-tree depth",
                node.level as u64,
                src.limits.max_depth as u64,
            ));
        }
        if node.level == 0 {
            for (i, &child) in node.children.iter().enumerate() {
                leaf(&node.keys[i], child)?;
            }
        } else {
            for &child in node.children.iter().rev() {
                stack.push((child, Some(node.level - 1)));
            }
        }
    }
    Ok(())
}

/// Addresses of the symbol table nodes of a group B-tree, in name order.
pub fn group_nodes(src: &Source, root: u64, k: u16) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    walk(src, root, GROUP, 0, k, |_, child| {
        out.push(child);
        Ok(())
    })?;
    Ok(out)
}

/// Every chunk of a chunk B-tree: key and address, in tree order. `rank` excludes the
/// element-size dimension.
pub fn chunks(src: &Source, root: u64, rank: usize, k: u16) -> Result<Vec<(ChunkKey, u64)>> {
    let mut out = Vec::new();
    let dims = rank + 1;
    walk(src, root, CHUNK, dims, k, |key, child| {
        let mut c = Cursor::new(key, 0, "v1 B-tree chunk key");
        let size = c.u32()?;
        let filter_mask = c.u32()?;
        let mut offset = Vec::with_capacity(rank);
        for _ in 0..rank {
            offset.push(c.u64()?);
        }
        out.push((ChunkKey { size, filter_mask, offset }, child));
        Ok(())
    })?;
    Ok(out)
}

/// Encode one node. `keys` has one more element than `children`; each key is pre-encoded.
#[allow(clippy::too_many_arguments)]
pub fn encode_node(
    node_type: u8,
    level: u8,
    keys: &[Vec<u8>],
    children: &[u64],
    left: Option<u64>,
    right: Option<u64>,
    sizes: Sizes,
    k: u16,
    dims: usize,
) -> Vec<u8> {
    let mut e = Encoder::new();
    e.bytes(b"TREE").u8(node_type).u8(level).u16(children.len() as u16);
    e.addr(sizes, left).addr(sizes, right);
    for (i, key) in keys.iter().enumerate() {
        e.bytes(key);
        if let Some(&c) = children.get(i) {
            e.addr(sizes, Some(c));
        }
    }
    let full = node_size(node_type, sizes, k, dims);
    if e.len() < full {
        e.zeros(full - e.len());
    }
    e.buf
}

/// Encode a chunk key.
pub fn encode_chunk_key(key: &ChunkKey) -> Vec<u8> {
    let mut e = Encoder::new();
    e.u32(key.size).u32(key.filter_mask);
    for &o in &key.offset {
        e.u64(o);
    }
    e.u64(0);
    e.buf
}
