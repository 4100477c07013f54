//! Writing a rectangular region of a chunked 2-D layer tile by tile, with memory bounded by
//! two tiles (the next one is read while the last one is written): tiles are aligned to the
//! chunk grid, chunks the region covers completely are encoded in parallel and appended as
//! they are, chunks it covers partly (the old edge chunk when columns are appended) go
//! through the writer's read-merge-rewrite path. All-zero
//! chunks are not stored at all where no chunk exists yet (they read as the fill value 0,
//! as HDF5 specifies), which keeps sparse data small.

use crate::error::{Error, Result};
use crate::file::LoomFile;
use crate::layers::layer_spec;
use crate::numeric::{Encoding, reencode};
use crate::values::NumType;
use loomfile_hdf5::FilterPipeline;
use loomfile_hdf5::Layout;
use loomfile_hdf5::filters::ChunkEncoder;
use loomfile_hdf5::{Dataset, DatasetSpec, H5Type, Selection, Writer};
use loomfile_scan::Matrix;
use std::collections::HashSet;

/// A chunked 2-D dataset being written.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// Dataset path.
    pub path: String,
    /// Element encoding of the dataset.
    pub enc: Encoding,
    /// Current (writer-side) shape.
    pub dims: (u64, u64),
    /// Chunk shape.
    pub chunk: (u64, u64),
    /// The dataset's filters.
    pub pipeline: FilterPipeline,
    /// The fill value is zero (unwritten chunks read as 0), so all-zero chunks may be skipped.
    pub fill_zero: bool,
    /// Chunk offsets that exist and must be overwritten even with zeros.
    pub existing: HashSet<(u64, u64)>,
}

impl Target {
    /// Describe the dataset at `path` as the writer currently sees it.
    pub fn of(w: &mut Writer, path: &str, fill_zero: bool) -> Result<Target> {
        let shape = w.shape(path)?;
        let chunk =
            w.chunk_shape(path)?.ok_or_else(|| Error::invalid(format!("{path} is not chunked")))?;
        if shape.len() != 2 || chunk.len() != 2 {
            return Err(Error::invalid(format!("{path} is not a 2-D layer")));
        }
        let dt = w.dtype(path)?;
        let enc =
            Encoding::of(&dt).ok_or_else(|| Error::invalid(format!("{path} is not numeric")))?;
        let pipeline = w.pipeline(path)?;
        ChunkEncoder::check(&pipeline)?;
        Ok(Target {
            path: path.to_string(),
            enc,
            dims: (shape[0], shape[1]),
            chunk: (chunk[0], chunk[1]),
            pipeline,
            fill_zero,
            existing: HashSet::new(),
        })
    }

    /// Create a layer dataset laid out as loompy does (64x64 chunks, gzip 2, maxshape
    /// (rows, unlimited)) and describe it.
    pub fn create(w: &mut Writer, path: &str, t: NumType, rows: u64, cols: u64) -> Result<Target> {
        Target::create_with(w, path, layer_spec(t, rows, cols))
    }

    /// Create a layer dataset from `spec` (fill 0) and describe it.
    pub fn create_with(w: &mut Writer, path: &str, spec: DatasetSpec) -> Result<Target> {
        w.require_group("/layers")?;
        if w.exists(path) {
            w.delete(path)?;
        }
        w.create_dataset(path, spec)?;
        Target::of(w, path, true)
    }
}

/// Preferred tile width in columns for band-shaped tiles: about 32 MiB of elements per
/// band of `rows` rows, at least one chunk.
pub(crate) fn band_cols(t: &Target, rows: u64) -> u64 {
    let per_col = rows.max(1) * t.enc.size() as u64;
    ((32u64 << 20) / per_col).max(t.chunk.1)
}

/// One tile: rows `.0.0..0.1` x columns `.1.0..1.1`.
type Tile = ((u64, u64), (u64, u64));

/// The tiles of a region in writing order (row by row of tiles), aligned to the chunk grid.
struct Tiles {
    rows: (u64, u64),
    cols: (u64, u64),
    /// Tile shape, whole chunks.
    shape: (u64, u64),
}

impl Tiles {
    /// The tiles of `rows` x `cols` in `t` for the preferred `tile` shape (rounded up to
    /// whole chunks); `None` for an empty region.
    fn new(
        t: &Target,
        rows: (u64, u64),
        cols: (u64, u64),
        tile: (u64, u64),
    ) -> Result<Option<Tiles>> {
        if rows.0 >= rows.1 || cols.0 >= cols.1 {
            return Ok(None);
        }
        let (n, m) = t.dims;
        if rows.1 > n || cols.1 > m {
            return Err(Error::invalid(format!(
                "{}: region {rows:?} x {cols:?} outside {n} x {m}",
                t.path
            )));
        }
        let (cr, cc) = t.chunk;
        let shape = (tile.0.max(1).div_ceil(cr) * cr, tile.1.max(1).div_ceil(cc) * cc);
        Ok(Some(Tiles { rows, cols, shape }))
    }

    fn first_cols(&self) -> (u64, u64) {
        (self.cols.0, self.cols.1.min((self.cols.0 / self.shape.1 + 1) * self.shape.1))
    }

    fn first(&self) -> Tile {
        let (r0, r1) = self.rows;
        ((r0, r1.min((r0 / self.shape.0 + 1) * self.shape.0)), self.first_cols())
    }

    fn after(&self, ((ta, tb), (_, cb)): Tile) -> Option<Tile> {
        let (tr, tc) = self.shape;
        if cb < self.cols.1 {
            Some(((ta, tb), (cb, self.cols.1.min((cb / tc + 1) * tc))))
        } else if tb < self.rows.1 {
            Some(((tb, self.rows.1.min((tb / tr + 1) * tr)), self.first_cols()))
        } else {
            None
        }
    }
}

/// Fill one tile's buffer with `fill` and check its size.
fn fill_one(
    t: &Target,
    fill: &mut impl FnMut(u64, u64, u64, u64, &mut Vec<u8>) -> Result<()>,
    ((ta, tb), (ca, cb)): Tile,
    buf: &mut Vec<u8>,
) -> Result<()> {
    buf.clear();
    fill(ta, tb - ta, ca, cb - ca, buf)?;
    let (h, wd) = ((tb - ta) as usize, (cb - ca) as usize);
    if buf.len() != h * wd * t.enc.size() {
        return Err(Error::invalid(format!(
            "internal: tile of {} bytes for {h} x {wd} elements",
            buf.len()
        )));
    }
    Ok(())
}

/// Write rows `rows.0..rows.1` x columns `cols.0..cols.1` of `t`. `tile` is the preferred
/// tile shape (rounded up to whole chunks). `fill(r0, h, c0, w, out)` appends the `h x w`
/// elements of a tile, row-major, in the dataset's encoding `t.enc`.
pub(crate) fn write_region(
    w: &mut Writer,
    t: &Target,
    rows: (u64, u64),
    cols: (u64, u64),
    tile: (u64, u64),
    mut fill: impl FnMut(u64, u64, u64, u64, &mut Vec<u8>) -> Result<()> + Send,
) -> Result<()> {
    let Some(tiles) = Tiles::new(t, rows, cols, tile)? else { return Ok(()) };
    // Tile k+1 is filled (its chunks read and decoded) while tile k is encoded and written,
    // so neither half waits for the other's slowest chunk: two tiles in memory at a time.
    let (mut buf, mut next) = (Vec::new(), Vec::new());
    let first = tiles.first();
    fill_one(t, &mut fill, first, &mut buf)?;
    let mut tile = Some(first);
    while let Some((rows, cols)) = tile {
        let ahead = tiles.after((rows, cols));
        let (filled, written) = crate::parallel::join(
            || ahead.map_or(Ok(()), |a| fill_one(t, &mut fill, a, &mut next)),
            || write_tile(w, t, rows, cols, &buf),
        );
        written?;
        filled?;
        std::mem::swap(&mut buf, &mut next);
        tile = ahead;
    }
    Ok(())
}

/// [`write_region`] for a `fill` that cannot move to another thread (it reads a text stream
/// or reports progress): each tile is filled, then written; one tile in memory. Used by
/// [`Batch`](crate::batch::Batch)'s band writes.
pub(crate) fn write_region_serial(
    w: &mut Writer,
    t: &Target,
    rows: (u64, u64),
    cols: (u64, u64),
    tile: (u64, u64),
    mut fill: impl FnMut(u64, u64, u64, u64, &mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    let Some(tiles) = Tiles::new(t, rows, cols, tile)? else { return Ok(()) };
    let mut buf = Vec::new();
    let mut tile = Some(tiles.first());
    while let Some(now) = tile {
        fill_one(t, &mut fill, now, &mut buf)?;
        write_tile(w, t, now.0, now.1, &buf)?;
        tile = tiles.after(now);
    }
    Ok(())
}

/// Store one tile (already filled).
fn write_tile(
    w: &mut Writer,
    t: &Target,
    (ta, tb): (u64, u64),
    (ca, cb): (u64, u64),
    buf: &[u8],
) -> Result<()> {
    let (n, m) = t.dims;
    let (cr, cc) = t.chunk;
    let es = t.enc.size();
    let wd = (cb - ca) as usize;
    let mut full = Vec::new();
    let mut partial = Vec::new();
    for i in ta / cr..=(tb - 1) / cr {
        for j in ca / cc..=(cb - 1) / cc {
            let (rlo, rhi) = (i * cr, ((i + 1) * cr).min(n));
            let (clo, chi) = (j * cc, ((j + 1) * cc).min(m));
            if ta <= rlo && tb >= rhi && ca <= clo && cb >= chi {
                full.push((i, j));
            } else {
                partial.push((rlo.max(ta), rhi.min(tb), clo.max(ca), chi.min(cb)));
            }
        }
    }
    let pipeline = &t.pipeline;
    let encode =
        |enc: &mut Option<ChunkEncoder>, &(i, j): &(u64, u64)| -> Result<Option<Vec<u8>>> {
            let enc = enc.as_mut().ok_or_else(|| Error::invalid("unsupported filter pipeline"))?;
            let (rlo, rhi) = (i * cr, ((i + 1) * cr).min(n));
            let (clo, chi) = (j * cc, ((j + 1) * cc).min(m));
            let run = (chi - clo) as usize * es;
            // alloc: one chunk of the layer: under max_chunk_bytes (checked when the writer loaded it) or created by us
            let mut chunk = vec![0u8; (cr * cc) as usize * es];
            for r in rlo..rhi {
                let src = ((r - ta) as usize * wd + (clo - ca) as usize) * es;
                let dst = (r - rlo) as usize * cc as usize * es;
                chunk[dst..dst + run].copy_from_slice(&buf[src..src + run]);
            }
            if t.fill_zero && !t.existing.contains(&(rlo, clo)) && chunk.iter().all(|&b| b == 0) {
                return Ok(None);
            }
            let mut out = Vec::new();
            enc.encode(pipeline, &chunk, &mut out);
            Ok(Some(out))
        };
    let encoded = crate::parallel::map_init(&full, || ChunkEncoder::new(pipeline).ok(), encode);
    for (&(i, j), bytes) in full.iter().zip(encoded) {
        if let Some(bytes) = bytes? {
            w.write_encoded_chunk(&t.path, &[i * cr, j * cc], &bytes, 0)?;
        }
    }
    for (rlo, rhi, clo, chi) in partial {
        let run = (chi - clo) as usize * es;
        // alloc: part of one chunk
        let mut sub = Vec::with_capacity((rhi - rlo) as usize * run);
        for r in rlo..rhi {
            let src = ((r - ta) as usize * wd + (clo - ca) as usize) * es;
            sub.extend_from_slice(&buf[src..src + run]);
        }
        w.write_raw(&t.path, &[Selection::Range(rlo, rhi), Selection::Range(clo, chi)], &sub)?;
    }
    Ok(())
}

/// Rows of a source layer, in destination order.
#[derive(Clone, Debug)]
pub(crate) enum RowMap {
    /// The same rows.
    Same,
    /// Destination row `i` is source row `v[i]`.
    Order(Vec<u64>),
}

impl RowMap {
    /// The source selection for destination rows `r0..r0+h`.
    pub fn select(&self, r0: u64, h: u64) -> Selection {
        match self {
            RowMap::Same => Selection::Range(r0, r0 + h),
            RowMap::Order(v) => Selection::Index(v[r0 as usize..(r0 + h) as usize].to_vec()),
        }
    }
}

/// Read rows (mapped by `rows`) `r0..r0+h` and source columns `sc0..sc0+w` of the planned
/// layer `src` (chunks decoded in parallel by loomfile-scan), in its own element type, then
/// converted exactly to `to` and appended to `out`.
pub(crate) fn read_tile(
    src: &Matrix,
    rows: &RowMap,
    (r0, h): (u64, u64),
    (sc0, w): (u64, u64),
    to: Encoding,
    out: &mut Vec<u8>,
) -> Result<()> {
    read_sel(src, &rows.select(r0, h), &Selection::Range(sc0, sc0 + w), to, out)
}

/// Read a selection of `src` exactly (as its own type), converted to `to`, appended to `out`.
pub(crate) fn read_sel(
    src: &Matrix,
    rows: &Selection,
    cols: &Selection,
    to: Encoding,
    out: &mut Vec<u8>,
) -> Result<()> {
    let path = src.dataset().path().to_string();
    let from = Encoding::of(src.dtype())
        .ok_or_else(|| Error::invalid(format!("{path} is not a numeric layer")))?;
    macro_rules! rd {
        ($t:ty, $nt:ident) => {{
            let v = src.read::<$t>(rows, cols)?;
            let native = Encoding::le(NumType::$nt);
            if native == to {
                // One resize, then fixed-size copies the compiler vectorizes.
                let (at, size) = (out.len(), size_of::<$t>());
                out.resize(at + v.len() * size, 0);
                for (d, x) in out[at..].chunks_exact_mut(size).zip(v) {
                    d.copy_from_slice(&x.to_le_bytes());
                }
                return Ok(());
            }
            // alloc: v.len(), values already read
            let mut raw = Vec::with_capacity(v.len() * native.size());
            for x in v {
                x.write_le(&mut raw);
            }
            reencode(&raw, native, to, out, &|| format!("layer {path}"))
        }};
    }
    match from.t {
        NumType::Int8 => rd!(i8, Int8),
        NumType::Int16 => rd!(i16, Int16),
        NumType::Int32 => rd!(i32, Int32),
        NumType::Int64 => rd!(i64, Int64),
        NumType::UInt8 => rd!(u8, UInt8),
        NumType::UInt16 => rd!(u16, UInt16),
        NumType::UInt32 => rd!(u32, UInt32),
        NumType::UInt64 => rd!(u64, UInt64),
        // float16 widens to float32 exactly.
        NumType::Float16 | NumType::Float32 => rd!(f32, Float32),
        NumType::Float64 => rd!(f64, Float64),
    }
}

/// True if the dataset stores no chunk at all (an empty layer: everything is the fill value).
pub(crate) fn no_chunks(ds: &Dataset) -> Result<bool> {
    Ok(match ds.layout() {
        Layout::Chunked { .. } => ds.chunks()?.entries()?.is_empty(),
        Layout::Contiguous { address: None, .. } => true,
        _ => false,
    })
}

/// True if every byte of the dataset's fill value is zero.
pub(crate) fn fill_is_zero(ds: &Dataset) -> bool {
    ds.fill_bytes().iter().all(|&b| b == 0)
}

impl LoomFile {
    /// Stamp `last_modified` on a layer and the root (what loompy does on layer writes).
    pub(crate) fn stamp_layer(&mut self, path: &str, ts: &str) -> Result<()> {
        self.stamp(path, ts)?;
        self.stamp("/", ts)
    }
}
