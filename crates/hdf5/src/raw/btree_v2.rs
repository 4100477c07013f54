//! Version 2 B-trees (spec III.A.2: `BTHD` header, `BTIN` internal nodes, `BTLF` leaf
//! nodes): the index of dense link and attribute storage (record types 5, 6, 8, 9), of huge
//! fractal heap objects (types 1-4) and of layout v4/v5 chunks with more than one unlimited
//! dimension (types 10, 11).
//!
//! Records are returned raw (`record_size` bytes each); their layout belongs to the caller.
//! Nodes are walked iteratively with an explicit stack, a visited set and the depth cap of
//! [`crate::Limits`]; every node's checksum is verified before it is interpreted.
//!
//! The widths of the child pointers' record counts follow libhdf5 (`H5B2__hdr_init`), which
//! the spec only paraphrases: "number of records in child node" takes the bytes needed for
//! the *leaf* capacity at every level, and "total number of records" (absent in the nodes
//! just above the leaves) the bytes needed for the cumulative capacity of the child's level.

use super::binary::{self, Addr, Len, MaybeAddr, Sealed, Sizes, bytes, uint, uint_w, vec};
use super::source::Source;
use crate::{Error, Result};
use binrw::binrw;
use std::cmp::Ordering;
use std::collections::HashSet;

/// B-tree types (the header's "Type" field).
pub mod kind {
    /// Indirectly accessed, non-filtered huge fractal heap objects.
    pub const HUGE: u8 = 1;
    /// Indirectly accessed, filtered huge fractal heap objects.
    pub const HUGE_FILTERED: u8 = 2;
    /// Directly accessed, non-filtered huge fractal heap objects.
    pub const HUGE_DIRECT: u8 = 3;
    /// Directly accessed, filtered huge fractal heap objects.
    pub const HUGE_DIRECT_FILTERED: u8 = 4;
    /// Link names of an indexed group (hash, heap ID).
    pub const LINK_NAME: u8 = 5;
    /// Link creation order of an indexed group (order, heap ID).
    pub const LINK_ORDER: u8 = 6;
    /// Shared object header messages.
    pub const SHARED_MESSAGE: u8 = 7;
    /// Attribute names (heap ID, flags, creation order, hash).
    pub const ATTRIBUTE_NAME: u8 = 8;
    /// Attribute creation order (heap ID, flags, creation order).
    pub const ATTRIBUTE_ORDER: u8 = 9;
    /// Chunks of datasets without filters.
    pub const CHUNK: u8 = 10;
    /// Chunks of datasets with filters.
    pub const CHUNK_FILTERED: u8 = 11;
}

const WHAT_HEADER: &str = "v2 B-tree header";
const WHAT_NODE: &str = "v2 B-tree node";
/// Signature, version and type: the bytes before a node's records.
const NODE_PREFIX: u64 = 6;
/// Prefix plus checksum: the fixed overhead of every node (libhdf5 `H5B2_METADATA_PREFIX_SIZE`).
const NODE_OVERHEAD: u64 = NODE_PREFIX + 4;

/// The stored header (`BTHD`).
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    #[brw(magic = b"BTHD")]
    #[br(assert(version == 0, "version {}", version))]
    pub version: u8,
    pub kind: u8,
    pub node_size: u32,
    pub record_size: u16,
    pub depth: u16,
    pub split_percent: u8,
    pub merge_percent: u8,
    #[brw(args_raw = s)]
    pub root: MaybeAddr,
    pub root_records: u16,
    #[brw(args_raw = s)]
    pub total_records: Len,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// A child pointer of an internal node: address, records in the child, and (above the
/// nodes just over the leaves) records in the child's subtree, in the widths of the tree.
#[binrw]
#[brw(little, import(s: Sizes, count_width: u8, total_width: u8))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChildPointer {
    #[brw(args_raw = s)]
    pub address: Addr,
    #[br(parse_with = uint, args(count_width))]
    #[bw(write_with = uint_w, args(count_width))]
    pub records: u64,
    #[br(parse_with = uint, args(total_width))]
    #[bw(write_with = uint_w, args(total_width))]
    pub total: u64,
}

/// A leaf (`BTLF`) or internal (`BTIN`) node: records, child pointers (internal nodes: one
/// more than records), checksum. The node's allocated size may leave unused bytes after it.
#[binrw]
#[brw(little, import(s: Sizes, internal: bool, record_bytes: usize, children: usize, count_width: u8, total_width: u8))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NodeV2 {
    #[br(assert(
        signature == if internal { *b"BTIN" } else { *b"BTLF" },
        "signature {:?}, expected {}", String::from_utf8_lossy(&signature),
        if internal { "BTIN" } else { "BTLF" }
    ))]
    pub signature: [u8; 4],
    #[br(assert(version == 0, "version {}", version))]
    pub version: u8,
    pub kind: u8,
    #[br(parse_with = bytes, args(record_bytes))]
    pub records: Vec<u8>,
    #[br(parse_with = vec, args(children, s.offset as usize, (s, count_width, total_width)))]
    #[bw(args(s, count_width, total_width))]
    pub children: Vec<ChildPointer>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// Record type 5: a link name's hash and the 7-byte heap ID of its link message.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkNameRecord {
    pub hash: u32,
    pub id: [u8; 7],
}

/// Record type 6: a link's creation order and the heap ID of its link message.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkOrderRecord {
    pub order: u64,
    pub id: [u8; 7],
}

/// Record types 8 (with the name hash) and 9 (without): the 8-byte heap ID of an attribute
/// message, its message flags and creation order.
#[binrw]
#[brw(little, import(with_hash: bool))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AttributeRecord {
    pub id: [u8; 8],
    pub flags: u8,
    pub order: u32,
    #[brw(if(with_hash))]
    pub hash: Option<u32>,
}

/// Record types 10 (unfiltered) and 11 (filtered, `size_width` > 0): a chunk's address,
/// stored size and filter mask, and its scaled offset (chunk index) per dimension.
#[binrw]
#[brw(little, import(s: Sizes, size_width: u8, rank: usize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkRecord {
    #[brw(args_raw = s)]
    pub address: Addr,
    #[br(if(size_width > 0), parse_with = uint_opt, args(size_width))]
    #[bw(if(size_width > 0), write_with = uint_opt_w, args(size_width))]
    pub size: Option<u64>,
    #[brw(if(size_width > 0))]
    pub filter_mask: Option<u32>,
    #[br(parse_with = vec, args(rank, 8, ()))]
    pub scaled: Vec<u64>,
}

fn uint_opt<R: binrw::io::Read + binrw::io::Seek>(
    r: &mut R,
    e: binrw::Endian,
    (width,): (u8,),
) -> binrw::BinResult<Option<u64>> {
    uint(r, e, (width,)).map(Some)
}

fn uint_opt_w<W: binrw::io::Write + binrw::io::Seek>(
    v: &Option<u64>,
    w: &mut W,
    e: binrw::Endian,
    (width,): (u8,),
) -> binrw::BinResult<()> {
    uint_w(&v.unwrap_or(0), w, e, (width,))
}

/// Record types 1 (unfiltered) and 2 (filtered): a huge fractal heap object's address and
/// stored length, (filtered) its filter mask and decoded size, and its ID.
#[binrw]
#[brw(little, import(s: Sizes, filtered: bool))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HugeObjectRecord {
    #[brw(args_raw = s)]
    pub address: Addr,
    #[brw(args_raw = s)]
    pub length: Len,
    #[brw(if(filtered))]
    pub filter_mask: Option<u32>,
    #[br(if(filtered), args_raw = s)]
    #[bw(if(filtered), args_raw = s)]
    pub memory_size: Option<Len>,
    #[brw(args_raw = s)]
    pub id: Len,
}

/// Capacity facts of one level of the tree (0 = leaves), as libhdf5 derives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Level {
    /// Most records a node of this level holds.
    max_records: u64,
    /// Most records a subtree rooted at this level holds.
    cum_max_records: u64,
    /// Bytes of the "total number of records" field of pointers to nodes of this level
    /// (0 for leaves: twig nodes do not store it).
    total_width: u8,
}

/// A decoded v2 B-tree header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BTreeV2 {
    /// Address of the header.
    pub address: u64,
    /// Tree type (see [`kind`]).
    pub kind: u8,
    /// Bytes of every node.
    pub node_size: u32,
    /// Bytes of every record.
    pub record_size: u16,
    /// Depth: 0 when the root is a leaf.
    pub depth: u16,
    /// Root node; `None` for an empty tree.
    pub root: Option<u64>,
    /// Records in the root node.
    pub root_records: u16,
    /// Records in the whole tree.
    pub total_records: u64,
    /// Levels 0 (leaves) ..= depth.
    levels: Vec<Level>,
    /// Bytes of the "number of records in child node" field of internal nodes.
    count_width: u8,
}

/// Bytes needed for `v` (libhdf5 `H5VM_limit_enc_size`: `log2(v) / 8 + 1`).
fn enc_size(v: u64) -> u8 {
    let log2 = if v == 0 { 0 } else { 63 - v.leading_zeros() };
    (log2 / 8 + 1) as u8
}

/// One child pointer of an internal node.
#[derive(Clone, Copy, Debug)]
struct Child {
    address: u64,
    records: u64,
}

/// One decoded node: its records (`records.len() / record_size` of them) and, for internal
/// nodes, one more child than records.
struct Node {
    records: Vec<u8>,
    children: Vec<Child>,
}

/// A step of the in-order walk.
enum Step {
    /// Visit the node at `address` of `level` holding `records` records.
    Node { address: u64, level: u16, records: u64 },
    /// Emit record `index` of an already decoded internal node (kept in `pending`).
    Record { node: usize, index: usize },
}

impl BTreeV2 {
    /// Read and check the header at `address`.
    pub fn read(src: &Source, address: u64) -> Result<BTreeV2> {
        let sizes = src.sizes;
        let len = 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + sizes.offset as u64 + 2 + sizes.length as u64;
        let buf = src.block(address, len + 4, WHAT_HEADER)?;
        let h: Header = binary::parse(&buf, address, WHAT_HEADER, sizes)?;
        let (kind, node_size, record_size, depth) = (h.kind, h.node_size, h.record_size, h.depth);
        let (root, root_records, total_records) = (h.root.0, h.root_records, h.total_records.0);
        if kind == 0 || kind > kind::CHUNK_FILTERED {
            return Err(Error::malformed(WHAT_HEADER, address, format!("tree type {kind}")));
        }
        if record_size == 0 {
            return Err(Error::malformed(WHAT_HEADER, address, "record size 0"));
        }
        if depth as u32 > src.limits.max_depth {
            return Err(Error::limit("v2 B-tree depth", depth as u64, src.limits.max_depth as u64));
        }
        if root.is_none() && (total_records != 0 || root_records != 0) {
            return Err(Error::malformed(
                WHAT_HEADER,
                address,
                format!("{total_records} records but no root node"),
            ));
        }
        let (levels, count_width) =
            Self::levels(node_size, record_size, depth, sizes.offset, address)?;
        Ok(BTreeV2 {
            address,
            kind,
            node_size,
            record_size,
            depth,
            root,
            root_records,
            total_records,
            levels,
            count_width,
        })
    }

    /// Node capacities per level and the width of child record counts (`H5B2__hdr_init`).
    fn levels(
        node_size: u32,
        record_size: u16,
        depth: u16,
        offset_width: u8,
        address: u64,
    ) -> Result<(Vec<Level>, u8)> {
        let bad = |detail: String| Error::malformed(WHAT_HEADER, address, detail);
        let leaf_max = (node_size as u64).saturating_sub(NODE_OVERHEAD) / record_size as u64;
        if leaf_max == 0 {
            return Err(bad(format!(
                "node size {node_size} holds no record of {record_size} bytes"
            )));
        }
        let count_width = enc_size(leaf_max);
        let mut levels =
            vec![Level { max_records: leaf_max, cum_max_records: leaf_max, total_width: 0 }];
        for d in 1..=depth as usize {
            // The loop runs `depth` times and pushes once per iteration; `d - 1` was pushed.
            let below = levels[d - 1];
            let pointer = offset_width as u64 + count_width as u64 + below.total_width as u64;
            let max_records = (node_size as u64)
                .checked_sub(NODE_OVERHEAD + pointer)
                .map(|n| n / (record_size as u64 + pointer))
                .unwrap_or(0);
            if max_records == 0 {
                return Err(bad(format!("node size {node_size} holds no internal record")));
            }
            let cum = (max_records + 1)
                .checked_mul(below.cum_max_records)
                .and_then(|v| v.checked_add(max_records))
                .ok_or_else(|| bad(format!("depth {depth} overflows the record count")))?;
            levels.push(Level { max_records, cum_max_records: cum, total_width: enc_size(cum) });
        }
        Ok((levels, count_width))
    }

    fn level(&self, level: u16) -> Result<Level> {
        self.levels.get(level as usize).copied().ok_or_else(|| {
            Error::malformed(WHAT_NODE, self.address, format!("level {level} beyond the depth"))
        })
    }

    /// Read the node at `address` on `level` holding `count` records.
    fn read_node(&self, src: &Source, address: u64, level: u16, count: u64) -> Result<Node> {
        let info = self.level(level)?;
        if count > info.max_records {
            return Err(Error::malformed(
                WHAT_NODE,
                address,
                format!("{count} records, capacity {} at level {level}", info.max_records),
            ));
        }
        let record_bytes = count * self.record_size as u64;
        let below = if level > 0 { Some(self.level(level - 1)?) } else { None };
        let pointer = below.map_or(0, |b| {
            src.sizes.offset as u64 + self.count_width as u64 + b.total_width as u64
        });
        let pointer_bytes = if level > 0 { (count + 1) * pointer } else { 0 };
        // Bounded by the node size: count <= capacity, which was derived from it.
        let body = NODE_PREFIX + record_bytes + pointer_bytes;
        if body + 4 > self.node_size as u64 {
            return Err(Error::malformed(
                WHAT_NODE,
                address,
                format!("{body} bytes of records and pointers in a node of {}", self.node_size),
            ));
        }
        let buf = src.block(address, body + 4, WHAT_NODE)?;
        let args = (
            src.sizes,
            level > 0,
            record_bytes as usize,
            if level > 0 { count as usize + 1 } else { 0 },
            self.count_width,
            below.map_or(0, |b| b.total_width),
        );
        let n: NodeV2 = binary::parse(&buf, address, WHAT_NODE, args)?;
        if n.kind != self.kind {
            return Err(Error::malformed(
                WHAT_NODE,
                address,
                format!("node type {} in a tree of type {}", n.kind, self.kind),
            ));
        }
        let records = n.records;
        let children =
            n.children.iter().map(|c| Child { address: c.address.0, records: c.records }).collect();
        Ok(Node { records, children })
    }

    /// Every record of the tree in key order, each `record_size` bytes.
    pub fn records(&self, src: &Source) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        self.for_each(src, |r| {
            out.push(r.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    /// Call `f` on every record of the tree in key order.
    pub fn for_each(&self, src: &Source, mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let Some(root) = self.root else {
            return Ok(());
        };
        let rs = self.record_size as usize;
        let mut seen = HashSet::new();
        // Internal nodes whose records are still to be emitted; freed as the walk goes.
        let mut pending: Vec<Option<Vec<u8>>> = Vec::new();
        let mut stack = vec![Step::Node {
            address: root,
            level: self.depth,
            records: self.root_records as u64,
        }];
        let mut emitted: u64 = 0;
        while let Some(step) = stack.pop() {
            match step {
                Step::Record { node, index } => {
                    let Some(Some(records)) = pending.get(node) else {
                        return Err(Error::malformed(WHAT_NODE, root, "walk lost a node"));
                    };
                    let r = records.get(index * rs..(index + 1) * rs).ok_or_else(|| {
                        Error::malformed(WHAT_NODE, root, "record beyond its node")
                    })?;
                    f(r)?;
                    emitted += 1;
                    if (index + 1) * rs == records.len() {
                        // The node's last record: its bytes are no longer needed (`node` is
                        // a valid index: `pending.get(node)` succeeded above).
                        pending[node] = None;
                    }
                }
                Step::Node { address, level, records } => {
                    if !seen.insert(address) {
                        return Err(Error::malformed(
                            WHAT_NODE,
                            address,
                            "node reached twice (cycle or shared child)",
                        ));
                    }
                    let node = self.read_node(src, address, level, records)?;
                    if level == 0 {
                        for r in node.records.chunks_exact(rs) {
                            f(r)?;
                            emitted += 1;
                        }
                        continue;
                    }
                    // In order: child 0, record 0, child 1, ..., record n-1, child n; pushed
                    // in reverse. `children` has `records + 1` entries (read_node).
                    let id = pending.len();
                    let n = records as usize;
                    for i in (0..=n).rev() {
                        let child = node.children[i];
                        stack.push(Step::Node {
                            address: child.address,
                            level: level - 1,
                            records: child.records,
                        });
                        if i > 0 {
                            stack.push(Step::Record { node: id, index: i - 1 });
                        }
                    }
                    pending.push(if n > 0 { Some(node.records) } else { None });
                }
            }
        }
        if emitted != self.total_records {
            return Err(Error::malformed(
                WHAT_HEADER,
                self.address,
                format!("{emitted} records found, the header counts {}", self.total_records),
            ));
        }
        Ok(())
    }

    /// The record for which `cmp(record)` is `Equal`, searching down from the root;
    /// `cmp` orders a record against the key sought (`Less`: the record sorts before it).
    pub fn find(
        &self,
        src: &Source,
        mut cmp: impl FnMut(&[u8]) -> Result<Ordering>,
    ) -> Result<Option<Vec<u8>>> {
        let Some(mut address) = self.root else {
            return Ok(None);
        };
        let rs = self.record_size as usize;
        let mut level = self.depth;
        let mut count = self.root_records as u64;
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(address) {
                return Err(Error::malformed(WHAT_NODE, address, "node reached twice (cycle)"));
            }
            let node = self.read_node(src, address, level, count)?;
            let mut next = node.records.len() / rs;
            for (i, r) in node.records.chunks_exact(rs).enumerate() {
                match cmp(r)? {
                    Ordering::Less => {}
                    Ordering::Equal => return Ok(Some(r.to_vec())),
                    Ordering::Greater => {
                        next = i;
                        break;
                    }
                }
            }
            if level == 0 {
                return Ok(None);
            }
            // Internal nodes have one more child than records (read_node), so `next` is valid.
            let child = node.children[next];
            address = child.address;
            count = child.records;
            level -= 1;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Limits;
    use crate::raw::binary::Sizes;
    use crate::raw::binary::test_bytes::Bytes as Encoder;
    use crate::raw::checksum::lookup3;
    use crate::storage::MemStorage;
    use std::sync::Arc;

    pub(crate) fn source(bytes: Vec<u8>) -> Source {
        let len = bytes.len() as u64;
        Source::new(Arc::new(MemStorage::new(bytes)), 0, len, Sizes::DEFAULT, Limits::strict())
    }

    fn seal(e: &mut Encoder) {
        let sum = lookup3(&e.buf, 0);
        e.u32(sum);
    }

    /// Write `bytes` at `at` in `file`, growing it.
    fn put(file: &mut Vec<u8>, at: usize, bytes: &[u8]) {
        if file.len() < at + bytes.len() {
            file.resize(at + bytes.len(), 0);
        }
        file[at..at + bytes.len()].copy_from_slice(bytes);
    }

    pub(crate) fn header(
        kind: u8,
        node_size: u32,
        record_size: u16,
        depth: u16,
        root: u64,
        root_records: u16,
        total: u64,
    ) -> Vec<u8> {
        let mut h = Encoder::new();
        h.bytes(b"BTHD").u8(0).u8(kind).u32(node_size).u16(record_size).u16(depth);
        h.u8(100).u8(40).u64(root).u16(root_records).u64(total);
        seal(&mut h);
        h.buf
    }

    pub(crate) fn leaf(kind: u8, records: &[Vec<u8>]) -> Vec<u8> {
        let mut e = Encoder::new();
        e.bytes(b"BTLF").u8(0).u8(kind);
        for r in records {
            e.bytes(r);
        }
        seal(&mut e);
        e.buf
    }

    fn internal(kind: u8, records: &[Vec<u8>], children: &[(u64, u64)], width: u8) -> Vec<u8> {
        let mut e = Encoder::new();
        e.bytes(b"BTIN").u8(0).u8(kind);
        for r in records {
            e.bytes(r);
        }
        for &(addr, n) in children {
            e.u64(addr).uint(n, width);
        }
        seal(&mut e);
        e.buf
    }

    fn rec(v: u32) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    /// A depth-1 tree of 4-byte records: leaves [0,1] and [3,4] around the root record 2.
    fn two_level() -> (Vec<u8>, Source) {
        let mut f = Vec::new();
        put(&mut f, 0, &header(kind::LINK_NAME, 64, 4, 1, 100, 1, 5));
        put(&mut f, 100, &internal(kind::LINK_NAME, &[rec(2)], &[(200, 2), (300, 2)], 1));
        put(&mut f, 200, &leaf(kind::LINK_NAME, &[rec(0), rec(1)]));
        put(&mut f, 300, &leaf(kind::LINK_NAME, &[rec(3), rec(4)]));
        f.resize(400, 0);
        (f.clone(), source(f))
    }

    #[cfg(feature = "fs")]
    fn fixture_bytes(name: &str) -> Vec<u8> {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hdf5").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[cfg(feature = "fs")]
    #[test]
    fn fixture_chunk_indexes_match_h5py() {
        // Expected entries from h5py's `DatasetID.get_chunk_info`.
        let f = crate::File::from_bytes(fixture_bytes("chunkidx_btree2_latest.h5")).unwrap();
        let summary = |e: &crate::ChunkEntry| (e.offset.clone(), e.address, e.size, e.filter_mask);
        let d = f.dataset("/bt2").unwrap();
        let map = d.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 400);
        assert_eq!(summary(map.get(&[0, 1]).unwrap().unwrap()), (vec![0, 2], 2056, 8, 0));
        assert_eq!(summary(map.get(&[19, 19]).unwrap().unwrap()), (vec![38, 38], 15480, 8, 0));
        assert_eq!(d.read::<i16>().unwrap(), (0..1600).collect::<Vec<i16>>());
        let gz = f.dataset("/bt2_gzip").unwrap();
        let map = gz.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 16);
        assert_eq!(summary(map.get(&[0, 1]).unwrap().unwrap()), (vec![0, 3], 15521, 36, 0));
        assert_eq!(summary(map.get(&[3, 3]).unwrap().unwrap()), (vec![9, 9], 15977, 18, 0));
        assert_eq!(gz.read::<f64>().unwrap(), (0..100).map(f64::from).collect::<Vec<_>>());
        let sparse = f.dataset("/bt2_sparse").unwrap();
        let map = sparse.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 2);
        assert_eq!(summary(map.get(&[4, 3]).unwrap().unwrap()), (vec![16, 12], 16059, 64, 0));
        assert_eq!(sparse.read::<i32>().unwrap().iter().map(|&v| v as i64).sum::<i64>(), 4168);
    }

    /// Flip bytes of every v2 B-tree and fractal heap structure of the dense-storage and
    /// chunk-index fixtures: reading everything must fail or succeed, never panic.
    #[cfg(feature = "fs")]
    #[test]
    fn corrupting_fixture_trees_and_heaps_never_panics() {
        use crate::Object;
        fn read_all(f: &crate::File) {
            let mut stack = vec!["/".to_string()];
            let mut seen = HashSet::new();
            while let Some(path) = stack.pop() {
                let Ok(obj) = f.object(&path) else { continue };
                if !seen.insert(obj.address()) {
                    continue;
                }
                for a in obj.attributes().unwrap_or_default() {
                    let _ = a.value();
                }
                match obj {
                    Object::Group(g) => {
                        for l in g.links().unwrap_or_default() {
                            stack.push(g.child_path(&l.name));
                        }
                    }
                    Object::Dataset(d) => {
                        let _ = d.read_raw_all();
                    }
                    Object::Datatype(_) => {}
                }
            }
        }
        let sigs: [&[u8; 4]; 6] = [b"BTHD", b"BTIN", b"BTLF", b"FRHP", b"FHIB", b"FHDB"];
        for name in ["groups_latest.h5", "attributes_latest.h5", "chunkidx_btree2_latest.h5"] {
            let bytes = fixture_bytes(name);
            let starts: Vec<usize> = (0..bytes.len().saturating_sub(4))
                .filter(|&i| sigs.iter().any(|s| &bytes[i..i + 4] == *s))
                .collect();
            assert!(!starts.is_empty(), "{name}");
            for &s in starts.iter().take(40) {
                for delta in [4usize, 5, 6, 8, 9, 12, 16, 20, 30] {
                    let mut b = bytes.clone();
                    if let Some(x) = b.get_mut(s + delta) {
                        *x ^= 0x5a;
                    }
                    if let Ok(f) = crate::File::from_bytes(b) {
                        read_all(&f);
                    }
                }
            }
        }
    }

    #[test]
    fn walks_records_in_order_and_finds_keys() {
        let (_, src) = two_level();
        let t = BTreeV2::read(&src, 0).unwrap();
        assert_eq!((t.depth, t.total_records, t.count_width), (1, 5, 1));
        let all: Vec<u32> = t
            .records(&src)
            .unwrap()
            .iter()
            .map(|r| u32::from_le_bytes(r[..4].try_into().unwrap()))
            .collect();
        assert_eq!(all, [0, 1, 2, 3, 4]);
        for key in 0..5u32 {
            let got =
                t.find(&src, |r| Ok(u32::from_le_bytes(r.try_into().unwrap()).cmp(&key))).unwrap();
            assert_eq!(got, Some(rec(key)));
        }
        let none = t.find(&src, |r| Ok(u32::from_le_bytes(r.try_into().unwrap()).cmp(&9)));
        assert_eq!(none.unwrap(), None);
    }

    #[test]
    fn level_capacities_follow_libhdf5() {
        // Type 5 records (11 bytes) in 512-byte nodes with 8-byte addresses: 45 per leaf,
        // one byte per child count; twig pointers of 9 bytes give (512-10-9)/(11+9) = 24.
        let (levels, width) = BTreeV2::levels(512, 11, 2, 8, 0).unwrap();
        assert_eq!(width, 1);
        assert_eq!(levels[0].max_records, 45);
        assert_eq!(levels[1].max_records, 24);
        assert_eq!(levels[1].cum_max_records, 25 * 45 + 24);
        assert_eq!(levels[1].total_width, 2);
        // Level 2 pointers carry the 2-byte totals: (512-10-11)/(11+11) = 22.
        assert_eq!(levels[2].max_records, 22);
    }

    #[test]
    fn empty_tree_has_no_records() {
        let src = source(header(kind::LINK_NAME, 512, 11, 0, u64::MAX, 0, 0));
        let t = BTreeV2::read(&src, 0).unwrap();
        assert!(t.records(&src).unwrap().is_empty());
        assert_eq!(t.find(&src, |_| Ok(Ordering::Equal)).unwrap(), None);
    }

    #[test]
    fn hostile_trees_fail_cleanly() {
        let (good, _) = two_level();
        // Every truncation of the file is an error, never a panic.
        for n in [0, 10, 40, 120, 210, 310] {
            let src = source(good[..n].to_vec());
            let r = BTreeV2::read(&src, 0).and_then(|t| t.records(&src));
            assert!(r.is_err(), "truncated at {n}");
        }
        // A flipped byte in a leaf breaks its checksum.
        let mut bad = good.clone();
        bad[207] ^= 1;
        let src = source(bad);
        let t = BTreeV2::read(&src, 0).unwrap();
        assert!(t.records(&src).unwrap_err().is_corrupt());
        // A child pointing back at the root: the level check or the visited set stops it.
        let mut f = good.clone();
        put(&mut f, 100, &internal(kind::LINK_NAME, &[rec(2)], &[(200, 2), (200, 2)], 1));
        let src = source(f);
        let t = BTreeV2::read(&src, 0).unwrap();
        assert!(t.records(&src).unwrap_err().is_corrupt());
        // A child claiming more records than a leaf holds.
        let mut f = good.clone();
        put(&mut f, 100, &internal(kind::LINK_NAME, &[rec(2)], &[(200, 200), (300, 2)], 1));
        let src = source(f);
        let t = BTreeV2::read(&src, 0).unwrap();
        assert!(t.records(&src).unwrap_err().is_corrupt());
        // A header whose total disagrees with the nodes.
        let mut f = good.clone();
        put(&mut f, 0, &header(kind::LINK_NAME, 64, 4, 1, 100, 1, 6));
        let src = source(f);
        let t = BTreeV2::read(&src, 0).unwrap();
        assert!(t.records(&src).unwrap_err().is_corrupt());
        // Absurd depth: a limit error before any node is read.
        let src = source(header(kind::LINK_NAME, 64, 4, 1000, 100, 1, 5));
        assert!(matches!(BTreeV2::read(&src, 0), Err(Error::Limit { .. })));
        // Node size too small for a record.
        let src = source(header(kind::LINK_NAME, 12, 4, 0, 100, 1, 5));
        assert!(BTreeV2::read(&src, 0).unwrap_err().is_corrupt());
        // Leaf whose type differs from the header's.
        let mut f = good;
        put(&mut f, 200, &leaf(kind::ATTRIBUTE_NAME, &[rec(0), rec(1)]));
        let src = source(f);
        let t = BTreeV2::read(&src, 0).unwrap();
        assert!(t.records(&src).unwrap_err().is_corrupt());
    }
}
