//! The matrix: a 2-D numeric dataset with its storage resolved once into a tile grid (the
//! chunk grid, or virtual tiles for contiguous, compact and never-written data).

use crate::axis::Axis;
use crate::cache::{ChunkCache, DEFAULT_CACHE_BYTES};
use crate::fetch::Pool;
use loomfile_hdf5::ChunkEntry;
use loomfile_hdf5::Layout;
use loomfile_hdf5::{ChunkMap, Dataset, Datatype, Error, NumKind, Result, ResultExt, Selection};
use std::sync::Arc;

/// Where the elements live.
#[derive(Debug)]
pub(crate) enum Store {
    /// Chunks (any index); missing chunks read as the fill value.
    Chunked {
        /// Chunk lookup by grid coordinates.
        map: Arc<ChunkMap>,
        /// Decoded bytes of one chunk.
        chunk_bytes: usize,
    },
    /// One row-major block at this relative file address.
    Contiguous { addr: u64 },
    /// Row-major bytes held in the object header.
    Compact { data: Vec<u8> },
    /// Never written: every element is the fill value.
    Empty,
}

/// Rows of a virtual tile (contiguous, compact, never written): 64 like loom chunks, fewer
/// when rows are long, so a band stays within about 4 MiB.
const VIRTUAL_BAND_BYTES: u64 = 4 << 20;
/// Columns of a virtual tile.
const VIRTUAL_TILE_COLS: u64 = 1024;

/// A 2-D numeric dataset prepared for parallel reads, scans and reductions.
///
/// Cheap to share across threads (`Send + Sync`); every method takes `&self`.
#[derive(Debug)]
pub struct Matrix {
    pub(crate) ds: Dataset,
    pub(crate) dtype: Datatype,
    pub(crate) kind: NumKind,
    /// Bytes per stored element.
    pub(crate) es: usize,
    pub(crate) nrows: u64,
    pub(crate) ncols: u64,
    /// Tile (chunk) rows and columns.
    pub(crate) tr: u64,
    pub(crate) tc: u64,
    /// Tiles per column and per row of the grid.
    pub(crate) gr: u64,
    pub(crate) gc: u64,
    pub(crate) store: Store,
    /// One fill element, file byte order.
    pub(crate) fill: Vec<u8>,
    /// Largest decoded chunk accepted.
    pub(crate) max_chunk: u64,
    /// Largest result of one read.
    pub(crate) max_read: u64,
    pub(crate) pool: Arc<Pool>,
    /// Decoded chunks of small reads.
    pub(crate) cache: Arc<ChunkCache>,
}

impl Matrix {
    /// Prepare a 2-D numeric dataset: chunked (any chunk index, any supported filters),
    /// contiguous, compact, or never written. Reads the chunk index once.
    ///
    /// Errors: `Invalid` for a dataset that is not 2-D or not numeric, `Unsupported` for
    /// filters, layouts or external storage the reader does not handle, `Malformed` for
    /// inconsistent layouts.
    pub fn new(ds: &Dataset) -> Result<Matrix> {
        let path = ds.path().to_string();
        let shape = ds.shape().ok_or_else(|| Error::invalid("a null dataspace").at(&path))?;
        let [nrows, ncols] = shape[..] else {
            return Err(
                Error::invalid(format!("a {}-D dataset is not a matrix", shape.len())).at(&path)
            );
        };
        let dtype = ds.dtype().clone();
        let kind = NumKind::of(&dtype).at(&path)?;
        let es = kind.size();
        // The reader's own checks (unsupported filters, external storage, virtual layout),
        // through an empty selection that reads nothing.
        ds.read_raw(&[Selection::Range(0, 0), Selection::Range(0, 0)])?;
        let limits = ds.file().source().limits;
        let need = nrows
            .checked_mul(ncols)
            .and_then(|n| n.checked_mul(es as u64))
            .ok_or_else(|| Error::malformed("dataspace", ds.address(), "size overflows"))
            .at(&path)?;
        let (store, tr, tc) = match ds.layout() {
            Layout::Chunked { .. } => {
                let geo = ds.geometry().ok_or_else(|| {
                    Error::malformed("layout message", ds.address(), "chunk size overflows")
                        .at(&path)
                })?;
                let (tr, tc) = match geo.chunk[..] {
                    [a, b] if a > 0 && b > 0 => (a, b),
                    _ => {
                        return Err(Error::malformed(
                            "layout message",
                            ds.address(),
                            format!("chunk dimensions {:?}", geo.chunk),
                        )
                        .at(&path));
                    }
                };
                let chunk_bytes = usize::try_from(geo.chunk_bytes)
                    .ok()
                    .filter(|&b| (b as u64) <= limits.max_chunk_bytes)
                    .ok_or_else(|| {
                        Error::limit("chunk bytes", geo.chunk_bytes, limits.max_chunk_bytes)
                            .at(&path)
                    })?;
                (Store::Chunked { map: ds.chunks()?, chunk_bytes }, tr, tc)
            }
            layout => {
                let store = match layout {
                    Layout::Contiguous { address: Some(addr), size } if need > 0 => {
                        if *size < need {
                            return Err(Error::malformed(
                                "layout message",
                                ds.address(),
                                format!("contiguous storage of {size} bytes, {need} needed"),
                            )
                            .at(&path));
                        }
                        ds.file().source().check_range(*addr, need, "contiguous data").at(&path)?;
                        Store::Contiguous { addr: *addr }
                    }
                    Layout::Compact { data } if need > 0 => {
                        if (data.len() as u64) < need {
                            return Err(Error::malformed(
                                "layout message",
                                ds.address(),
                                format!("compact data of {} bytes, {need} needed", data.len()),
                            )
                            .at(&path));
                        }
                        Store::Compact { data: data[..need as usize].to_vec() }
                    }
                    Layout::Virtual => {
                        return Err(Error::unsupported("virtual dataset layout").at(&path));
                    }
                    _ => Store::Empty,
                };
                let row_bytes = (ncols * es as u64).max(1);
                let tr = (VIRTUAL_BAND_BYTES / row_bytes).clamp(1, 64).min(nrows.max(1));
                let tc = VIRTUAL_TILE_COLS.min(ncols.max(1));
                (store, tr, tc)
            }
        };
        Ok(Matrix {
            fill: ds.fill_bytes(),
            ds: ds.clone(),
            dtype,
            kind,
            es,
            nrows,
            ncols,
            tr,
            tc,
            gr: nrows.div_ceil(tr),
            gc: ncols.div_ceil(tc),
            store,
            max_chunk: limits.max_chunk_bytes,
            max_read: limits.max_read_bytes,
            pool: Arc::default(),
            cache: Arc::new(ChunkCache::new(DEFAULT_CACHE_BYTES)),
        })
    }

    /// (rows, columns).
    pub fn shape(&self) -> (u64, u64) {
        (self.nrows, self.ncols)
    }

    /// Length of an axis.
    pub fn len(&self, axis: Axis) -> u64 {
        match axis {
            Axis::Rows => self.nrows,
            Axis::Cols => self.ncols,
        }
    }

    /// True when the matrix holds no element.
    pub fn is_empty(&self) -> bool {
        self.nrows == 0 || self.ncols == 0
    }

    /// The stored element type.
    pub fn dtype(&self) -> &Datatype {
        &self.dtype
    }

    /// The stored numeric kind (size, signedness, byte order).
    pub fn kind(&self) -> NumKind {
        self.kind
    }

    /// The dataset this matrix reads.
    pub fn dataset(&self) -> &Dataset {
        &self.ds
    }

    /// Tile dimensions used for planning: the chunk shape of chunked data, virtual tiles
    /// otherwise (for contiguous data: up to 64 rows by up to 1024 columns).
    pub fn tile_shape(&self) -> (u64, u64) {
        (self.tr, self.tc)
    }

    /// Tile extent along `axis`.
    pub(crate) fn tile(&self, axis: Axis) -> u64 {
        match axis {
            Axis::Rows => self.tr,
            Axis::Cols => self.tc,
        }
    }

    /// Number of tiles along `axis`.
    pub(crate) fn grid(&self, axis: Axis) -> u64 {
        match axis {
            Axis::Rows => self.gr,
            Axis::Cols => self.gc,
        }
    }

    /// Valid rows and columns of tile (i, j) (edge tiles are clipped).
    pub(crate) fn tile_dims(&self, i: u64, j: u64) -> (usize, usize) {
        let h = self.tr.min(self.nrows.saturating_sub(i * self.tr));
        let w = self.tc.min(self.ncols.saturating_sub(j * self.tc));
        (h as usize, w as usize)
    }

    /// Refuse to allocate `count` items of `size` bytes past the read budget (`Limits`): a
    /// hostile shape must not drive an allocation.
    pub(crate) fn budget(&self, what: &'static str, count: u64, size: usize) -> Result<()> {
        let bytes = count.saturating_mul(size as u64);
        if bytes > self.max_read || usize::try_from(bytes).is_err() {
            return Err(Error::limit(what, bytes, self.max_read).at(self.ds.path()));
        }
        Ok(())
    }

    /// The stored chunk at tile (i, j), if allocated (chunked data only); an error when the
    /// index is read on demand and its part on the way is damaged.
    pub(crate) fn entry(&self, i: u64, j: u64) -> Result<Option<&ChunkEntry>> {
        match &self.store {
            Store::Chunked { map, .. } => map.get(&[i, j]).at(self.ds.path()),
            _ => Ok(None),
        }
    }
}

impl Matrix {
    /// Bound the cache of decoded chunks that small reads use to `bytes` (0 turns it off;
    /// default [`DEFAULT_CACHE_BYTES`]). Drops what is cached.
    pub fn set_cache_bytes(&mut self, bytes: usize) {
        self.cache = Arc::new(ChunkCache::new(bytes));
    }
}
