//! The space map of a committed state: every byte range a structure reachable from the
//! superblock occupies (headers and their continuation blocks, group B-trees, symbol table
//! nodes and local heaps, chunk B-trees and chunks, contiguous data, global heap collections
//! that variable-length values point into). The rest of the file up to its end is dead: the
//! writer reuses it, `loom info` reports it.
//!
//! The walk is all or nothing. A structure whose extent it cannot establish (dense attribute
//! or link storage, the newer chunk indexes, references, external data, shared-message heaps,
//! nested variable-length data) makes it fail with [`Error::Unsupported`], and the writer then
//! keeps to appending: a byte is only ever reused when the walk proved no structure uses it.

use super::dataset::Dataset;
use super::file::File;
use super::object::{ObjectKind, classify};
use crate::raw::btree_v1;
use crate::raw::global_heap::VlenRef;
use crate::raw::local_heap::{self, LocalHeap};
use crate::raw::messages::attribute::{AttrType, AttributeMessage};
use crate::raw::messages::attribute_info::AttributeInfo;
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::layout::{ChunkIndex, Layout};
use crate::raw::messages::link::{Link, LinkTarget};
use crate::raw::messages::link_info::LinkInfo;
use crate::raw::messages::shared::SharedRef;
use crate::raw::messages::symbol_table::SymbolTable;
use crate::raw::object_header::{flag, kind};
use crate::raw::symbol_table_entry::ScratchPad;
use crate::raw::{Sizes, symbol_table_node};
use crate::{Error, Result, ResultExt};
use std::collections::{BTreeSet, HashSet};

/// Sorted, disjoint, non-adjacent half-open byte ranges `[start, end)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extents {
    ranges: Vec<(u64, u64)>,
}

impl Extents {
    /// Build from any ranges (overlapping, unsorted, empty ones dropped).
    pub fn from_ranges(mut v: Vec<(u64, u64)>) -> Extents {
        v.retain(|r| r.1 > r.0);
        v.sort_unstable();
        // alloc: caller's data: v.len()
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
        for (s, e) in v {
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        Extents { ranges: out }
    }

    /// The union of several sets.
    pub fn union<'a>(sets: impl IntoIterator<Item = &'a Extents>) -> Extents {
        Extents::from_ranges(sets.into_iter().flat_map(|s| s.ranges.iter().copied()).collect())
    }

    /// The ranges, sorted.
    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.ranges
    }

    /// Bytes covered.
    pub fn bytes(&self) -> u64 {
        self.ranges.iter().map(|(s, e)| e - s).sum()
    }

    /// One past the last byte covered (0 when empty).
    pub fn end(&self) -> u64 {
        self.ranges.last().map_or(0, |r| r.1)
    }

    /// True if any byte of `[start, end)` is covered.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        if end <= start {
            return false;
        }
        // The first range ending after `start`.
        let i = self.ranges.partition_point(|r| r.1 <= start);
        self.ranges.get(i).is_some_and(|r| r.0 < end)
    }

    /// The gaps between the ranges inside `[from, to)`.
    pub fn gaps(&self, from: u64, to: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut at = from;
        for &(s, e) in &self.ranges {
            if e <= at {
                continue;
            }
            if s >= to {
                break;
            }
            if s > at {
                out.push((at, s.min(to)));
            }
            at = at.max(e);
        }
        if at < to {
            out.push((at, to));
        }
        out
    }
}

/// How the bytes of a file up to its end of file are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpaceUsage {
    /// End of file as the superblock records it (relative to the superblock).
    pub end_of_file: u64,
    /// Bytes occupied by reachable structures.
    pub live_bytes: u64,
    /// Bytes below the end of file no reachable structure uses (left by edits).
    pub dead_bytes: u64,
    /// Free bytes inside the global heap collections in use: each commit that writes
    /// variable-length values starts a collection of at least 4 KiB, which a repack shares.
    pub heap_slack_bytes: u64,
}

impl SpaceUsage {
    /// About the size of the same content repacked (`loom compact`): the live bytes
    /// without the heap collections' free space, one shared collection kept.
    pub fn packed_estimate(&self) -> u64 {
        self.live_bytes.saturating_sub(self.heap_slack_bytes)
    }
}

impl File {
    /// How much of the file the committed state uses and how much is dead space left by
    /// edits (what `loom compact` would drop). [`Error::Unsupported`] for files with
    /// structures the space map does not cover (dense attribute or link storage, the newer
    /// chunk indexes, references).
    pub fn space_usage(&self) -> Result<SpaceUsage> {
        let map = live_map(self)?;
        let live = map.extents;
        let sb = self.superblock();
        let end_of_file = sb.eof.saturating_sub(sb.base);
        // A gap of under 8 bytes ending on an 8-byte boundary pads a structure to alignment.
        let dead_bytes = live
            .gaps(0, end_of_file)
            .iter()
            .filter(|&&(s, e)| e - s >= 8 || e % 8 != 0)
            .map(|(s, e)| e - s)
            .sum();
        Ok(SpaceUsage {
            end_of_file,
            live_bytes: live.bytes(),
            dead_bytes,
            heap_slack_bytes: map.heap_slack,
        })
    }
}

impl File {
    /// The byte ranges (relative addresses, sorted, merged) the committed state uses.
    /// Unstable: for this workspace's tests.
    #[cfg(feature = "_internals")]
    pub fn live_ranges(&self) -> Result<Vec<(u64, u64)>> {
        Ok(live_extents(self)?.ranges().to_vec())
    }
}

/// Every byte range (relative addresses) a structure reachable from the superblock uses.
pub(crate) fn live_extents(file: &File) -> Result<Extents> {
    Ok(live_map(file)?.extents)
}

/// The space map of a committed state with what a repack would save inside it.
pub(crate) struct LiveMap {
    /// The ranges reachable structures use.
    pub extents: Extents,
    /// Free bytes of the heap collections in use, beyond what one shared collection of at
    /// least the minimum size would leave free.
    pub heap_slack: u64,
}

pub(crate) fn live_map(file: &File) -> Result<LiveMap> {
    let sizes = file.inner.src.sizes;
    let mut walk = Walk { file, sizes, ranges: Vec::new(), collections: BTreeSet::new() };
    walk.run()?;
    let (mut total, mut used) = (0u64, 0u64);
    for &a in &walk.collections {
        let c = file.inner.collection(a)?;
        total += c.byte_len() as u64;
        used += c.used_len(sizes);
    }
    // One collection of at least the minimum size (and its free-space object) would hold
    // everything.
    let shared = (used + 8 + sizes.length as u64).max(crate::raw::global_heap::MIN_COLLECTION);
    Ok(LiveMap {
        extents: Extents::from_ranges(walk.ranges),
        heap_slack: total.saturating_sub(shared),
    })
}

/// Most objects mapped (a hostile file can make a huge graph of tiny headers).
const MAX_OBJECTS: usize = 1_000_000;

struct Walk<'a> {
    file: &'a File,
    sizes: Sizes,
    ranges: Vec<(u64, u64)>,
    /// Every heap collection mapped.
    collections: BTreeSet<u64>,
}

fn unsupported(what: &str) -> Error {
    Error::unsupported(format!("space map: {what}"))
}

impl Walk<'_> {
    fn add(&mut self, at: u64, len: u64) -> Result<()> {
        let end = at.checked_add(len).ok_or_else(|| {
            Error::malformed("space map", at, format!("extent of {len} bytes overflows"))
        })?;
        self.ranges.push((at, end));
        Ok(())
    }

    fn run(&mut self) -> Result<()> {
        let sb = self.file.superblock().clone();
        if sb.version > 1 {
            return Err(unsupported("superblock version 2 or 3"));
        }
        // Signature, versions, Ks and flags (24 bytes), four addresses, the root symbol
        // table entry; version 1 adds the indexed-storage K and 2 reserved bytes.
        let o = self.sizes.offset as u64;
        let sb_len = 24 + 4 * o + (2 * o + 24) + if sb.version == 1 { 4 } else { 0 };
        self.add(0, sb_len)?;
        if sb.driver_info.is_some() {
            return Err(unsupported("driver information block"));
        }
        let mut seen: HashSet<u64> = HashSet::new();
        let mut pending = vec![(sb.root_address(), "/".to_string())];
        while let Some((addr, path)) = pending.pop() {
            if !seen.insert(addr) {
                continue;
            }
            if seen.len() > MAX_OBJECTS {
                return Err(unsupported("more than a million objects"));
            }
            self.object(addr, &path, &mut pending).at(&path)?;
        }
        Ok(())
    }

    /// One object header: its blocks, what its messages point to, its data.
    fn object(&mut self, addr: u64, path: &str, pending: &mut Vec<(u64, String)>) -> Result<()> {
        let inner = self.file.inner.clone();
        let h = inner.header(addr)?;
        if h.version == 1 {
            // The 16-byte prefix sits before the first block.
            self.add(addr, 16)?;
        }
        for b in &h.blocks {
            self.add(b.address, b.length)?;
        }
        let sizes = self.sizes;
        let child = |name: &str| {
            if path == "/" { format!("/{name}") } else { format!("{path}/{name}") }
        };
        for m in &h.messages {
            if m.flags & flag::SHARED != 0 {
                match SharedRef::decode(&m.data, m.offset, sizes)? {
                    SharedRef::Header(a) => pending.push((a, format!("{path} (shared message)"))),
                    SharedRef::Heap(_) => {
                        return Err(unsupported("shared object header message heap"));
                    }
                }
                // The message lives in that header; the dataset reads it from there.
                continue;
            }
            match m.kind {
                kind::NIL
                | kind::DATASPACE
                | kind::DATATYPE
                | kind::FILL_VALUE_OLD
                | kind::FILL_VALUE
                | kind::BOGUS
                | kind::GROUP_INFO
                | kind::FILTER_PIPELINE
                | kind::COMMENT
                | kind::MTIME_OLD
                | kind::CONTINUATION
                | kind::MTIME
                | kind::BTREE_K
                | kind::REFCOUNT
                | kind::LAYOUT => {}
                kind::SYMBOL_TABLE => {
                    let st = SymbolTable::decode(&m.data, m.offset, sizes)?;
                    self.symbol_table(st, &child, pending)?;
                }
                kind::LINK => {
                    let l = Link::decode(&m.data, m.offset, sizes)?;
                    if let LinkTarget::Hard(a) = l.target {
                        pending.push((a, child(&l.name)));
                    }
                }
                kind::LINK_INFO => {
                    if LinkInfo::decode(&m.data, m.offset, sizes)?.heap.is_some() {
                        return Err(unsupported("dense link storage"));
                    }
                }
                kind::ATTRIBUTE_INFO => {
                    if AttributeInfo::decode(&m.data, m.offset, sizes)?.heap.is_some() {
                        return Err(unsupported("dense attribute storage"));
                    }
                }
                kind::ATTRIBUTE => {
                    let a = AttributeMessage::decode(&m.data, m.offset, sizes)?;
                    let dtype = match a.dtype {
                        AttrType::Inline(t) => t,
                        AttrType::Shared(r) => super::attribute::resolve_type(self.file, &r)?,
                    };
                    self.values(&dtype, &a.data)?;
                }
                kind::EXTERNAL_FILES => return Err(unsupported("external data files")),
                other => {
                    return Err(unsupported(&format!("header message type {other:#x}")));
                }
            }
        }
        if classify(&h) == ObjectKind::Dataset {
            let ds = Dataset::from_header(self.file.clone(), path.to_string(), addr, h.clone())?;
            self.dataset(&ds)?;
        }
        Ok(())
    }

    fn symbol_table(
        &mut self,
        st: SymbolTable,
        child: &dyn Fn(&str) -> String,
        pending: &mut Vec<(u64, String)>,
    ) -> Result<()> {
        let src = &self.file.inner.src;
        let sb = self.file.superblock();
        let (leaf_k, internal_k) = (sb.group_leaf_k, sb.group_internal_k);
        let heap = LocalHeap::read(src, st.heap)?;
        self.add(st.heap, local_heap::header_size(self.sizes) as u64)?;
        self.add(heap.data_address, heap.data.len() as u64)?;
        let (nodes, snods) = btree_v1::extents(src, st.btree, btree_v1::GROUP, 0, internal_k)?;
        for (a, len) in nodes {
            self.add(a, len)?;
        }
        let snod_len = symbol_table_node::node_size(self.sizes, leaf_k) as u64;
        for (a, _) in snods {
            self.add(a, snod_len)?;
            for e in symbol_table_node::read(src, a, leaf_k)? {
                if matches!(e.scratch, ScratchPad::SoftLink { .. }) {
                    continue; // its target path is in the local heap
                }
                let name = heap.string(e.name_offset).unwrap_or_default();
                pending.push((e.header, child(&name)));
            }
        }
        Ok(())
    }

    fn dataset(&mut self, ds: &Dataset) -> Result<()> {
        match ds.layout() {
            Layout::Compact { .. } | Layout::Contiguous { address: None, .. } => {}
            Layout::Contiguous { address: Some(a), size } => self.add(*a, *size)?,
            Layout::Chunked { address, index, .. } => {
                match (index, address) {
                    (_, None) => {}
                    (ChunkIndex::BTreeV1, Some(root)) => {
                        // Nodes and chunks in one pass over the tree.
                        let rank = ds.space().dims().len();
                        let k = self.file.superblock().indexed_storage_k;
                        let src = &self.file.inner.src;
                        let (nodes, chunks) =
                            btree_v1::extents(src, *root, btree_v1::CHUNK, rank, k)?;
                        for (a, len) in nodes.into_iter().chain(chunks) {
                            self.add(a, len)?;
                        }
                    }
                    (ChunkIndex::Single { .. } | ChunkIndex::Implicit, Some(_)) => {
                        for c in ds.chunks()?.entries()? {
                            self.add(c.address, c.size)?;
                        }
                    }
                    _ => return Err(unsupported("chunk index other than a version 1 B-tree")),
                }
            }
            Layout::Virtual => return Err(unsupported("virtual dataset")),
        }
        let dtype = ds.dtype().clone();
        if let Some(v) = ds.fill_value().and_then(|f| f.value.clone()) {
            self.values(&dtype, &v)?;
        }
        if dtype.has_vlen() {
            let raw = ds.read_raw_all()?;
            self.values(&dtype, &raw)?;
        } else {
            reject_references(&dtype)?;
        }
        Ok(())
    }

    /// The global heap collections variable-length values in `raw` (elements of `dtype`)
    /// point into.
    fn values(&mut self, dtype: &Datatype, raw: &[u8]) -> Result<()> {
        reject_references(dtype)?;
        if !dtype.has_vlen() {
            return Ok(());
        }
        let size = usize::try_from(dtype.size()).unwrap_or(usize::MAX);
        if size == 0 {
            return Ok(());
        }
        let mut collections = BTreeSet::new();
        for el in raw.chunks_exact(size) {
            vlen_collections(dtype, el, self.sizes, &mut collections)?;
        }
        for a in collections {
            let len = self.file.inner.collection(a)?.byte_len() as u64;
            self.add(a, len)?;
            self.collections.insert(a);
        }
        Ok(())
    }
}

fn reject_references(dtype: &Datatype) -> Result<()> {
    match dtype {
        Datatype::Reference { .. } => Err(unsupported("references")),
        Datatype::Compound { members, .. } => {
            members.iter().try_for_each(|m| reject_references(&m.dtype))
        }
        Datatype::Array { base, .. }
        | Datatype::Enum { base, .. }
        | Datatype::VarSequence { base, .. } => reject_references(base),
        _ => Ok(()),
    }
}

/// Collection addresses of the variable-length descriptors in one element `el` of `dtype`.
fn vlen_collections(
    dtype: &Datatype,
    el: &[u8],
    sizes: Sizes,
    out: &mut BTreeSet<u64>,
) -> Result<()> {
    match dtype {
        Datatype::VarString { .. } | Datatype::VarSequence { .. } => {
            if let Datatype::VarSequence { base, .. } = dtype
                && base.has_vlen()
            {
                return Err(unsupported("nested variable-length data"));
            }
            // An empty value may have no collection: undefined or 0.
            if let Some(addr) = VlenRef::decode(el, sizes)?.collection
                && addr != 0
            {
                out.insert(addr);
            }
        }
        Datatype::Compound { members, .. } => {
            for m in members {
                let start = m.offset as usize;
                let len = usize::try_from(m.dtype.size()).unwrap_or(usize::MAX);
                let part = start.checked_add(len).and_then(|end| el.get(start..end));
                let part = part.ok_or_else(|| {
                    Error::malformed("compound element", 0, "member outside the element")
                })?;
                vlen_collections(&m.dtype, part, sizes, out)?;
            }
        }
        Datatype::Array { base, .. } => {
            let n = usize::try_from(base.size()).unwrap_or(usize::MAX);
            if n > 0 {
                for part in el.chunks_exact(n) {
                    vlen_collections(base, part, sizes, out)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Extents;

    #[test]
    fn extents_merge_and_find_gaps() {
        let e = Extents::from_ranges(vec![(10, 20), (0, 4), (18, 30), (30, 32), (40, 40)]);
        assert_eq!(e.ranges(), &[(0, 4), (10, 32)]);
        assert_eq!(e.bytes(), 26);
        assert_eq!(e.end(), 32);
        assert!(e.overlaps(3, 5));
        assert!(!e.overlaps(4, 10));
        assert!(e.overlaps(31, 100));
        assert!(!e.overlaps(32, 100));
        assert_eq!(e.gaps(0, 50), vec![(4, 10), (32, 50)]);
        assert_eq!(e.gaps(12, 20), vec![]);
        assert_eq!(e.gaps(2, 12), vec![(4, 10)]);
    }
}
