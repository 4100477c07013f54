//! Version 1 B-trees (spec III.A.1, `TREE`): type 0 indexes an old-style group's symbol
//! nodes, type 1 indexes a dataset's raw-data chunks.
//!
//! Walked iteratively with an explicit stack, a visited set and a depth cap; every child's
//! level must be its parent's level minus one.

use super::binary::{self, Addr, Len, MaybeAddr, Sizes, vec};
use super::source::Source;
use crate::{Error, Result};
use binrw::binrw;
use std::collections::HashSet;

const WHAT: &str = "v1 B-tree node";

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

/// A chunk key as stored: size, filter mask, and an 8-byte offset per dataset dimension
/// plus one for the element-size dimension (0, except in the final key of a tree, where
/// libhdf5 stores the element size).
#[binrw]
#[brw(little, import(rank: usize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkKeyV1 {
    pub size: u32,
    pub filter_mask: u32,
    #[br(parse_with = vec, args(rank, 8, ()))]
    pub offset: Vec<u64>,
    pub element_offset: u64,
}

/// The fixed start of every node.
#[binrw]
#[brw(little, magic = b"TREE", import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeHeader {
    pub node_type: u8,
    pub level: u8,
    pub entries_used: u16,
    #[brw(args_raw = s)]
    pub left_sibling: MaybeAddr,
    #[brw(args_raw = s)]
    pub right_sibling: MaybeAddr,
}

/// A key (the heap offset of a name: the last name of the child before it) and a child of a
/// group node.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GroupEntry {
    #[brw(args_raw = s)]
    pub key: Len,
    #[brw(args_raw = s)]
    pub child: Addr,
}

/// A key and a child of a chunk node.
#[binrw]
#[brw(little, import(s: Sizes, rank: usize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkEntry {
    #[brw(args(rank))]
    pub key: ChunkKeyV1,
    #[brw(args_raw = s)]
    pub child: Addr,
}

/// The body of a group node: `entries_used` keys and children, then the last key.
#[binrw]
#[brw(little, import(s: Sizes, entries: usize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupNodeBody {
    #[br(parse_with = vec, args(entries, s.length as usize + s.offset as usize, s))]
    #[bw(args_raw = s)]
    pub entries: Vec<GroupEntry>,
    #[brw(args_raw = s)]
    pub last_key: Len,
}

/// The body of a chunk node: `entries_used` keys and children, then the last key.
#[binrw]
#[brw(little, import(s: Sizes, rank: usize, entries: usize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkNodeBody {
    #[br(parse_with = vec, args(entries, 16 + 8 * rank, (s, rank)))]
    #[bw(args(s, rank))]
    pub entries: Vec<ChunkEntry>,
    #[brw(args(rank))]
    pub last_key: ChunkKeyV1,
}

/// Bytes of a key: a length for group nodes; size, mask and `dims` offsets for chunk nodes.
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

/// Read a node's header and the block of its used entries.
fn read_node(
    src: &Source,
    addr: u64,
    node_type: u8,
    dims: usize,
    max_entries: usize,
) -> Result<(NodeHeader, Vec<u8>, u64)> {
    let sizes = src.sizes;
    let head_len = 8 + 2 * sizes.offset as u64;
    let head = src.block(addr, head_len, WHAT)?;
    let h: NodeHeader = binary::parse(&head, addr, WHAT, sizes)?;
    if h.node_type != node_type {
        return Err(Error::malformed(
            WHAT,
            addr,
            format!("node type {}, expected {node_type}", h.node_type),
        ));
    }
    let n = h.entries_used as usize;
    if n > max_entries {
        return Err(Error::malformed(
            WHAT,
            addr,
            format!("{n} entries used, capacity {max_entries}"),
        ));
    }
    let body_len = (n + 1) * key_size(node_type, sizes, dims) + n * sizes.offset as usize;
    let body_addr = addr + head_len;
    Ok((h, src.block(body_addr, body_len as u64, WHAT)?, body_addr))
}

/// One node's children with the keys before them, decoded.
enum Children {
    Group(Vec<GroupEntry>),
    Chunk(Vec<ChunkEntry>),
}

/// Walk a tree in key order; call `leaf` with every leaf node's entries.
fn walk(
    src: &Source,
    root: u64,
    node_type: u8,
    rank: usize,
    k: u16,
    nodes: &mut Vec<u64>,
    mut leaf: impl FnMut(Children) -> Result<()>,
) -> Result<()> {
    // Accept nodes fuller than K says (other writers use other K), but never absurdly so.
    let max_entries = (2 * k as usize).max(64).min(u16::MAX as usize);
    let dims = if node_type == GROUP { 0 } else { rank + 1 };
    let mut seen = HashSet::new();
    let mut stack: Vec<(u64, Option<u8>)> = vec![(root, None)];
    while let Some((addr, expect_level)) = stack.pop() {
        if !seen.insert(addr) {
            return Err(Error::malformed(WHAT, addr, "node reached twice (cycle or shared child)"));
        }
        let (h, body, body_addr) = read_node(src, addr, node_type, dims, max_entries)?;
        nodes.push(addr);
        if let Some(l) = expect_level {
            if h.level != l {
                return Err(Error::malformed(
                    WHAT,
                    addr,
                    format!("level {} where {} was expected", h.level, l),
                ));
            }
        } else if h.level as u32 > src.limits.max_depth {
            return Err(Error::limit(
                "v1 B-tree depth",
                h.level as u64,
                src.limits.max_depth as u64,
            ));
        }
        let n = h.entries_used as usize;
        let children = if node_type == GROUP {
            let b: GroupNodeBody = binary::parse(&body, body_addr, WHAT, (src.sizes, n))?;
            Children::Group(b.entries)
        } else {
            let b: ChunkNodeBody = binary::parse(&body, body_addr, WHAT, (src.sizes, rank, n))?;
            Children::Chunk(b.entries)
        };
        if h.level == 0 {
            leaf(children)?;
        } else {
            let addrs: Vec<u64> = match &children {
                Children::Group(e) => e.iter().map(|e| e.child.0).collect(),
                Children::Chunk(e) => e.iter().map(|e| e.child.0).collect(),
            };
            for child in addrs.into_iter().rev() {
                stack.push((child, Some(h.level - 1)));
            }
        }
    }
    Ok(())
}

/// Addresses of the symbol table nodes of a group B-tree, in name order.
pub fn group_nodes(src: &Source, root: u64, k: u16) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    walk(src, root, GROUP, 0, k, &mut Vec::new(), |c| {
        if let Children::Group(e) = c {
            out.extend(e.iter().map(|e| e.child.0));
        }
        Ok(())
    })?;
    Ok(out)
}

/// Every chunk of a chunk B-tree: key and address, in tree order. `rank` excludes the
/// element-size dimension.
pub fn chunks(src: &Source, root: u64, rank: usize, k: u16) -> Result<Vec<(ChunkKey, u64)>> {
    let mut out = Vec::new();
    walk(src, root, CHUNK, rank, k, &mut Vec::new(), |c| {
        if let Children::Chunk(e) = c {
            out.extend(e.into_iter().map(|e| {
                let k = e.key;
                (ChunkKey { size: k.size, filter_mask: k.filter_mask, offset: k.offset }, e.child.0)
            }));
        }
        Ok(())
    })?;
    Ok(out)
}

/// One node of a chunk B-tree, decoded for a lookup: its level, and for each child the
/// chunk offset of the key before it (the first chunk of the child's subtree), the child's
/// address, and, in a leaf, the stored size and filter mask of the chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkNode {
    /// 0 for a leaf, whose children are chunks.
    pub level: u8,
    /// Key and child address per entry, in key order.
    pub entries: Vec<(ChunkKey, u64)>,
}

/// Read the chunk node at `addr` alone (lookups descend one path instead of walking the
/// tree). `rank` excludes the element-size dimension.
pub fn chunk_node(src: &Source, addr: u64, rank: usize, k: u16) -> Result<ChunkNode> {
    let max_entries = (2 * k as usize).max(64).min(u16::MAX as usize);
    let (h, body, body_addr) = read_node(src, addr, CHUNK, rank + 1, max_entries)?;
    let n = h.entries_used as usize;
    let b: ChunkNodeBody = binary::parse(&body, body_addr, WHAT, (src.sizes, rank, n))?;
    let entries = b
        .entries
        .into_iter()
        .map(|e| {
            let k = e.key;
            (ChunkKey { size: k.size, filter_mask: k.filter_mask, offset: k.offset }, e.child.0)
        })
        .collect();
    Ok(ChunkNode { level: h.level, entries })
}

/// One pass over a tree for the space map: the extent of every node, and every leaf child
/// with its extent (`node_type` 0: symbol table nodes, whose size the caller knows, so 0;
/// 1: chunks, sized by their keys). `rank` excludes the element-size dimension. A node
/// occupies its full capacity of `2k` entries (libhdf5 allocates nodes that size) or more if
/// it holds more.
#[allow(clippy::type_complexity, reason = "two extent lists, named in the doc")]
pub fn extents(
    src: &Source,
    root: u64,
    node_type: u8,
    rank: usize,
    k: u16,
) -> Result<(Vec<(u64, u64)>, Vec<(u64, u64)>)> {
    let mut nodes = Vec::new();
    let mut children = Vec::new();
    let mut most = 0usize;
    walk(src, root, node_type, rank, k, &mut nodes, |c| {
        match c {
            Children::Group(e) => {
                most = most.max(e.len());
                children.extend(e.iter().map(|e| (e.child.0, 0)));
            }
            Children::Chunk(e) => {
                most = most.max(e.len());
                children.extend(e.iter().map(|e| (e.child.0, u64::from(e.key.size))));
            }
        }
        Ok(())
    })?;
    let dims = if node_type == GROUP { 0 } else { rank + 1 };
    let capacity = (2 * k as usize).max(most).max(1);
    let k_eff = u16::try_from(capacity.div_ceil(2)).unwrap_or(u16::MAX);
    let len = node_size(node_type, src.sizes, k_eff, dims) as u64;
    Ok((nodes.into_iter().map(|a| (a, len)).collect(), children))
}

/// Encode a node header and body, padded to the node's full capacity.
fn encode_node<B: for<'a> binrw::BinWrite<Args<'a> = A>, A: Clone>(
    header: NodeHeader,
    body: &B,
    args: A,
    full: usize,
    sizes: Sizes,
) -> Vec<u8> {
    let mut out = binary::encode(&header, sizes);
    binary::encode_into(body, args, &mut out);
    out.resize(out.len().max(full), 0);
    out
}

/// Encode a group node: children with the heap offsets of the names before and after each
/// (`keys` has one more element than `children`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_group_node(
    level: u8,
    keys: &[u64],
    children: &[u64],
    left: Option<u64>,
    right: Option<u64>,
    sizes: Sizes,
    k: u16,
) -> Vec<u8> {
    let header = NodeHeader {
        node_type: GROUP,
        level,
        entries_used: children.len() as u16,
        left_sibling: MaybeAddr(left),
        right_sibling: MaybeAddr(right),
    };
    let entries =
        children.iter().zip(keys).map(|(&c, &k)| GroupEntry { key: Len(k), child: Addr(c) });
    let body = GroupNodeBody {
        entries: entries.collect(),
        last_key: Len(keys.get(children.len()).copied().unwrap_or(0)),
    };
    encode_node(header, &body, (sizes, 0), node_size(GROUP, sizes, k, 0), sizes)
}

/// Encode a chunk node (`keys` has one more element than `children`; the last key's
/// element-size entry is `element_offset`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_chunk_node(
    level: u8,
    keys: &[ChunkKey],
    element_offset: u64,
    children: &[u64],
    left: Option<u64>,
    right: Option<u64>,
    sizes: Sizes,
    k: u16,
) -> Vec<u8> {
    let raw = |k: &ChunkKey, element_offset: u64| ChunkKeyV1 {
        size: k.size,
        filter_mask: k.filter_mask,
        offset: k.offset.clone(),
        element_offset,
    };
    let rank = keys.first().map_or(0, |k| k.offset.len());
    let header = NodeHeader {
        node_type: CHUNK,
        level,
        entries_used: children.len() as u16,
        left_sibling: MaybeAddr(left),
        right_sibling: MaybeAddr(right),
    };
    let entries =
        children.iter().zip(keys).map(|(&c, k)| ChunkEntry { key: raw(k, 0), child: Addr(c) });
    let last = keys.get(children.len()).map(|k| raw(k, element_offset));
    let body = ChunkNodeBody {
        entries: entries.collect(),
        last_key: last.unwrap_or(ChunkKeyV1 {
            size: 0,
            filter_mask: 0,
            // alloc: rank <= MAX_RANK (32, dataspace decoder)
            offset: vec![0; rank],
            element_offset,
        }),
    };
    encode_node(header, &body, (sizes, rank, 0), node_size(CHUNK, sizes, k, rank + 1), sizes)
}
