//! Chunk indexes flattened into one list: every allocated chunk's offset, address, stored
//! size and filter mask, whatever index the file uses (v1 B-tree, single chunk, implicit,
//! fixed array, extensible array, v2 B-tree), plus a lookup map from chunk coordinates.

use crate::raw::Source;
use crate::raw::btree_v1;
use crate::raw::messages::layout::ChunkIndex;
use crate::{Error, Result};
use std::collections::HashMap;

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
    for mut e in raw {
        if e.offset.len() != rank {
            return Err(Error::malformed(
                "chunk index",
                e.address,
                "chunk offset of the wrong rank",
            ));
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
            continue;
        }
        let partial = e
            .offset
            .iter()
            .zip(&geo.chunk)
            .zip(&geo.dims)
            .any(|((o, c), d)| o.saturating_add(*c) > *d);
        if geo.unfiltered_edges && partial {
            e.filter_mask = u32::MAX;
        }
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
#[derive(Clone, Debug)]
pub struct ChunkMap {
    grid: Vec<u64>,
    dense: Option<Vec<u32>>,
    sparse: HashMap<Vec<u64>, u32>,
    /// The entries.
    pub entries: Vec<ChunkEntry>,
}

impl ChunkMap {
    /// Index `entries` over the grid covering `dims` with chunks `chunk`.
    pub fn new(entries: Vec<ChunkEntry>, dims: &[u64], chunk: &[u64]) -> ChunkMap {
        let grid: Vec<u64> = dims.iter().zip(chunk).map(|(&d, &c)| d.div_ceil(c)).collect();
        let cells = grid.iter().try_fold(1u64, |a, &g| a.checked_mul(g));
        let dense_ok = cells.is_some_and(|c| c <= (entries.len() as u64 * 4).max(1 << 20));
        let mut map = ChunkMap { grid, dense: None, sparse: HashMap::new(), entries };
        if dense_ok {
            // alloc: cells <= max(4 * entries, 2^20) (dense_ok above)
            let mut d = vec![u32::MAX; cells.unwrap_or(0) as usize];
            for (i, e) in map.entries.iter().enumerate() {
                if let Some(l) =
                    map.linear(&e.offset.iter().zip(chunk).map(|(o, c)| o / c).collect::<Vec<_>>())
                {
                    d[l] = i as u32;
                }
            }
            map.dense = Some(d);
        } else {
            for (i, e) in map.entries.iter().enumerate() {
                let coords = e.offset.iter().zip(chunk).map(|(o, c)| o / c).collect();
                map.sparse.insert(coords, i as u32);
            }
        }
        map
    }

    fn linear(&self, coords: &[u64]) -> Option<usize> {
        let mut l: u64 = 0;
        for (&c, &g) in coords.iter().zip(&self.grid) {
            if c >= g {
                return None;
            }
            l = l * g + c;
        }
        Some(l as usize)
    }

    /// The chunk at grid coordinates `coords`, if allocated.
    pub fn get(&self, coords: &[u64]) -> Option<&ChunkEntry> {
        let i = match &self.dense {
            Some(d) => *d.get(self.linear(coords)?)?,
            None => *self.sparse.get(coords)?,
        };
        self.entries.get(i as usize)
    }

    /// Chunks per dimension.
    pub fn grid(&self) -> &[u64] {
        &self.grid
    }
}
