//! Chunk indexes flattened into one list: every allocated chunk's offset, address, stored
//! size and filter mask, whatever index the file uses (v1 B-tree, single chunk, implicit,
//! fixed array, extensible array, v2 B-tree), plus a lookup map from chunk coordinates.
//! Over storage whose reads are costly ([`ReadAt::is_remote`](crate::storage::ReadAt)), a
//! v1 B-tree is not flattened: each lookup descends the one path to its chunk, reading and
//! keeping only the nodes on it.

use crate::raw::Source;
use crate::raw::btree_v1;
use crate::raw::messages::layout::ChunkIndex;
use crate::{Error, Result};
use elsa::sync::FrozenMap;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One allocated chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkEntry {
    /// Offset of the chunk's first element, per dimension.
    pub offset: Vec<u64>,
    /// File address of the stored chunk.
    pub address: u64,
    /// Stored (filtered) size in bytes.
    pub size: u64,
    /// Filters skipped for this chunk.
    pub filter_mask: u32,
}

/// What the index readers need to know about the dataset.
#[derive(Clone, Debug)]
pub struct ChunkGeometry {
    /// Dataset dimensions.
    pub dims: Vec<u64>,
    /// Maximum dimensions (`u64::MAX` unlimited).
    pub max_dims: Vec<u64>,
    /// Chunk dimensions.
    pub chunk: Vec<u64>,
    /// Uncompressed chunk size in bytes.
    pub chunk_bytes: u64,
    /// Whether the dataset has a filter pipeline.
    pub filtered: bool,
    /// Layout v4 option: partial edge chunks are stored unfiltered (libhdf5 leaves their
    /// filter mask at 0 and decides from this flag and the current shape).
    pub unfiltered_edges: bool,
}

impl ChunkGeometry {
    /// Number of chunks along each dimension covering `dims`.
    pub fn grid(&self, dims: &[u64]) -> Vec<u64> {
        dims.iter().zip(&self.chunk).map(|(&d, &c)| d.div_ceil(c)).collect()
    }
}

/// All chunks of a dataset, validated: offsets are multiples of the chunk dimensions and
/// unique. Chunks beyond the current extent (left by a shrink) are dropped.
pub fn entries(
    src: &Source,
    index: &ChunkIndex,
    root: Option<u64>,
    geo: &ChunkGeometry,
    btree_k: u16,
) -> Result<Vec<ChunkEntry>> {
    let Some(root) = root else {
        return Ok(Vec::new());
    };
    let rank = geo.chunk.len();
    let raw: Vec<ChunkEntry> = match index {
        ChunkIndex::BTreeV1 => btree_v1::chunks(src, root, rank, btree_k)?
            .into_iter()
            .map(|(k, addr)| ChunkEntry {
                offset: k.offset,
                address: addr,
                size: k.size as u64,
                filter_mask: k.filter_mask,
            })
            .collect(),
        // alloc: one entry; rank <= MAX_RANK (32, dataspace decoder)
        ChunkIndex::Single { filtered_size, filter_mask } => vec![ChunkEntry {
            // alloc: rank <= MAX_RANK (32, dataspace decoder)
            offset: vec![0; rank],
            address: root,
            size: filtered_size.unwrap_or(geo.chunk_bytes),
            filter_mask: *filter_mask,
        }],
        ChunkIndex::Implicit => {
            let grid = geo.grid(
                &geo.max_dims
                    .iter()
                    .zip(&geo.dims)
                    .map(|(&m, &d)| if m == u64::MAX { d } else { m })
                    .collect::<Vec<_>>(),
            );
            let n = grid.iter().try_fold(1u64, |a, &g| a.checked_mul(g)).ok_or_else(|| {
                Error::malformed("implicit chunk index", root, "chunk count overflows")
            })?;
            let total = n
                .checked_mul(geo.chunk_bytes)
                .ok_or_else(|| Error::malformed("implicit chunk index", root, "size overflows"))?;
            if geo.chunk_bytes == 0 {
                return Err(Error::malformed("implicit chunk index", root, "chunks of 0 bytes"));
            }
            src.check_range(root, total, "implicit chunk index")?;
            // The entries themselves: far more bytes than the chunks they describe when
            // chunks are small (and a file cut short claims any length).
            let per = size_of::<ChunkEntry>() as u64 + 8 * grid.len() as u64;
            src.limits.check_elements("", "chunk entries", n)?;
            src.limits.check_bytes("", "chunk index bytes", n.saturating_mul(per))?;
            // alloc: n entries under max_elements and their bytes under max_read_bytes (checked above)
            let mut out = Vec::with_capacity(n as usize);
            for i in 0..n {
                out.push(ChunkEntry {
                    offset: unravel(i, &grid).iter().zip(&geo.chunk).map(|(g, c)| g * c).collect(),
                    address: root + i * geo.chunk_bytes,
                    size: geo.chunk_bytes,
                    filter_mask: 0,
                });
            }
            out
        }
        ChunkIndex::FixedArray { .. } => super::index_v4::fixed_array(src, root, geo)?,
        ChunkIndex::ExtensibleArray { .. } => super::index_v4::extensible_array(src, root, geo)?,
        ChunkIndex::BTreeV2 { .. } => super::index_v4::btree_v2(src, root, geo)?,
    };
    // alloc: raw.len(), entries already read (each checked against the file)
    let mut seen = HashMap::with_capacity(raw.len());
    // alloc: raw.len(), entries already read (each checked against the file)
    let mut out = Vec::with_capacity(raw.len());
    for e in raw {
        let Some(e) = checked(e, geo)? else { continue };
        if seen.insert(e.offset.clone(), ()).is_some() {
            return Err(Error::malformed(
                "chunk index",
                e.address,
                format!("chunk {:?} listed twice", e.offset),
            ));
        }
        out.push(e);
    }
    Ok(out)
}

/// One entry checked against the dataset: the offset's rank and its alignment to the chunk
/// grid (errors), chunks beyond the current extent dropped (`None`), and the filter mask of
/// a partial edge chunk stored unfiltered.
fn checked(mut e: ChunkEntry, geo: &ChunkGeometry) -> Result<Option<ChunkEntry>> {
    if e.offset.len() != geo.chunk.len() {
        return Err(Error::malformed("chunk index", e.address, "chunk offset of the wrong rank"));
    }
    for (o, c) in e.offset.iter().zip(&geo.chunk) {
        if o % c != 0 {
            return Err(Error::malformed(
                "chunk index",
                e.address,
                format!("chunk offset {o} is not a multiple of the chunk size {c}"),
            ));
        }
    }
    if e.offset.iter().zip(&geo.dims).any(|(o, d)| o >= d) {
        return Ok(None);
    }
    let partial =
        e.offset.iter().zip(&geo.chunk).zip(&geo.dims).any(|((o, c), d)| o.saturating_add(*c) > *d);
    if geo.unfiltered_edges && partial {
        e.filter_mask = u32::MAX;
    }
    Ok(Some(e))
}

/// Row-major coordinates of linear index `i` in a grid.
pub fn unravel(mut i: u64, grid: &[u64]) -> Vec<u64> {
    // alloc: grid.len() is a rank, <= MAX_RANK (32)
    let mut out = vec![0; grid.len()];
    for (k, &g) in grid.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        out[k] = i % g;
        i /= g;
    }
    out
}

/// Lookup from chunk grid coordinates to an entry.
pub struct ChunkMap {
    grid: Vec<u64>,
    index: Index,
}

enum Index {
    /// Every entry, read at once, with a dense table or a hash map from coordinates.
    Eager { dense: Option<Vec<u32>>, sparse: HashMap<Vec<u64>, u32>, entries: Vec<ChunkEntry> },
    /// A v1 B-tree read on demand.
    Lazy(Box<LazyTree>),
}

/// A v1 chunk B-tree whose nodes are read when a lookup first passes through them, then
/// kept (a node's entries never move, so lookups hand out references into them).
struct LazyTree {
    src: Source,
    root: u64,
    geo: ChunkGeometry,
    k: u16,
    nodes: FrozenMap<u64, Box<Node>>,
    /// Every entry, once [`ChunkMap::entries`] has asked for them.
    all: OnceLock<Vec<ChunkEntry>>,
}

/// A node of a [`LazyTree`]: the first chunk offset under each child and the children's
/// addresses; a leaf's children are chunks, checked like the entries of [`entries`] (those
/// beyond the current extent left out) and sorted by offset for binary search.
struct Node {
    level: u8,
    keys: Vec<Vec<u64>>,
    children: Vec<u64>,
    chunks: Vec<ChunkEntry>,
}

impl std::fmt::Debug for ChunkMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ChunkMap");
        d.field("grid", &self.grid);
        match &self.index {
            Index::Eager { entries, .. } => d.field("entries", &entries.len()),
            Index::Lazy(t) => d.field("lazy_nodes_read", &t.nodes.len()),
        };
        d.finish()
    }
}

impl ChunkMap {
    /// Index `entries` over the grid covering `dims` with chunks `chunk`.
    pub fn new(entries: Vec<ChunkEntry>, dims: &[u64], chunk: &[u64]) -> ChunkMap {
        let grid: Vec<u64> = dims.iter().zip(chunk).map(|(&d, &c)| d.div_ceil(c)).collect();
        let cells = grid.iter().try_fold(1u64, |a, &g| a.checked_mul(g));
        let dense_ok = cells.is_some_and(|c| c <= (entries.len() as u64 * 4).max(1 << 20));
        let mut dense = None;
        let mut sparse = HashMap::new();
        if dense_ok {
            // alloc: cells <= max(4 * entries, 2^20) (dense_ok above)
            let mut d = vec![u32::MAX; cells.unwrap_or(0) as usize];
            for (i, e) in entries.iter().enumerate() {
                let coords: Vec<u64> = e.offset.iter().zip(chunk).map(|(o, c)| o / c).collect();
                if let Some(l) = linear(&grid, &coords) {
                    d[l] = i as u32;
                }
            }
            dense = Some(d);
        } else {
            for (i, e) in entries.iter().enumerate() {
                let coords = e.offset.iter().zip(chunk).map(|(o, c)| o / c).collect();
                sparse.insert(coords, i as u32);
            }
        }
        ChunkMap { grid, index: Index::Eager { dense, sparse, entries } }
    }

    /// A map over the v1 chunk B-tree at `root` that reads nodes only as lookups reach them.
    pub(crate) fn lazy(src: Source, root: u64, geo: ChunkGeometry, k: u16) -> ChunkMap {
        let grid = geo.grid(&geo.dims);
        let tree = LazyTree { src, root, geo, k, nodes: FrozenMap::new(), all: OnceLock::new() };
        ChunkMap { grid, index: Index::Lazy(Box::new(tree)) }
    }

    /// The chunk at grid coordinates `coords`, if allocated. An error only when the index
    /// is read on demand and the part of it on the way is damaged.
    pub fn get(&self, coords: &[u64]) -> Result<Option<&ChunkEntry>> {
        match &self.index {
            Index::Eager { dense, sparse, entries } => {
                let i = match dense {
                    Some(d) => linear(&self.grid, coords).and_then(|l| d.get(l)).copied(),
                    None => sparse.get(coords).copied(),
                };
                Ok(i.and_then(|i| entries.get(i as usize)))
            }
            Index::Lazy(t) => {
                if coords.len() != self.grid.len()
                    || coords.iter().zip(&self.grid).any(|(c, g)| c >= g)
                {
                    return Ok(None);
                }
                t.find(coords)
            }
        }
    }

    /// Every allocated chunk, in index order (read whole on first call when the map is
    /// lazy).
    pub fn entries(&self) -> Result<&[ChunkEntry]> {
        match &self.index {
            Index::Eager { entries, .. } => Ok(entries),
            Index::Lazy(t) => {
                if let Some(all) = t.all.get() {
                    return Ok(all);
                }
                let index = ChunkIndex::BTreeV1;
                let all = entries(&t.src, &index, Some(t.root), &t.geo, t.k)?;
                Ok(t.all.get_or_init(|| all))
            }
        }
    }

    /// Whether lookups read the index on demand.
    pub fn is_lazy(&self) -> bool {
        matches!(self.index, Index::Lazy(_))
    }

    /// Chunks per dimension.
    pub fn grid(&self) -> &[u64] {
        &self.grid
    }
}

fn linear(grid: &[u64], coords: &[u64]) -> Option<usize> {
    if coords.len() != grid.len() {
        return None;
    }
    let mut l: u64 = 0;
    for (&c, &g) in coords.iter().zip(grid) {
        if c >= g {
            return None;
        }
        l = l * g + c;
    }
    usize::try_from(l).ok()
}

impl LazyTree {
    /// Descend from the root to the leaf that would hold the chunk at `coords`: at each
    /// node, the last child whose first key is not past the chunk's offset. Levels must
    /// fall by one per step, so a damaged tree cannot loop.
    fn find(&self, coords: &[u64]) -> Result<Option<&ChunkEntry>> {
        let offset: Vec<u64> =
            coords.iter().zip(&self.geo.chunk).map(|(c, k)| c.saturating_mul(*k)).collect();
        let mut addr = self.root;
        let mut expect: Option<u8> = None;
        loop {
            let node = self.node(addr)?;
            if let Some(l) = expect
                && node.level != l
            {
                return Err(Error::malformed(
                    "v1 B-tree node",
                    addr,
                    format!("level {} where {l} was expected", node.level),
                ));
            }
            if node.level == 0 {
                let hit = node.chunks.binary_search_by(|e| e.offset.cmp(&offset)).ok();
                return Ok(hit.and_then(|i| node.chunks.get(i)));
            }
            let after = node.keys.partition_point(|k| *k <= offset);
            let Some(i) = after.checked_sub(1) else { return Ok(None) };
            addr = node.children[i];
            expect = Some(node.level - 1);
        }
    }

    /// The node at `addr`, read and checked on first use.
    fn node(&self, addr: u64) -> Result<&Node> {
        if let Some(n) = self.nodes.get(&addr) {
            return Ok(n);
        }
        let rank = self.geo.chunk.len();
        let raw = btree_v1::chunk_node(&self.src, addr, rank, self.k)?;
        if raw.level as u32 > self.src.limits.max_depth {
            return Err(Error::limit(
                "v1 B-tree depth",
                raw.level as u64,
                self.src.limits.max_depth as u64,
            ));
        }
        let mut node = Node {
            level: raw.level,
            // alloc: entries of one node, under its capacity (chunk_node checks)
            keys: Vec::with_capacity(raw.entries.len()),
            // alloc: as above
            children: Vec::with_capacity(raw.entries.len()),
            chunks: Vec::new(),
        };
        for (key, child) in raw.entries {
            if key.offset.len() != rank {
                return Err(Error::malformed("v1 B-tree node", addr, "key of the wrong rank"));
            }
            if raw.level == 0 {
                let e = ChunkEntry {
                    offset: key.offset.clone(),
                    address: child,
                    size: key.size as u64,
                    filter_mask: key.filter_mask,
                };
                if let Some(e) = checked(e, &self.geo)? {
                    node.chunks.push(e);
                }
            }
            node.keys.push(key.offset);
            node.children.push(child);
        }
        node.chunks.sort_unstable_by(|a, b| a.offset.cmp(&b.offset));
        if let Some(w) = node.chunks.windows(2).find(|w| w[0].offset == w[1].offset) {
            return Err(Error::malformed(
                "chunk index",
                w[1].address,
                format!("chunk {:?} listed twice", w[1].offset),
            ));
        }
        Ok(self.nodes.insert(addr, Box::new(node)))
    }
}
