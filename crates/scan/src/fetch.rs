//! Getting stored bytes: the compressed bytes of a set of chunks (borrowed from storage that
//! holds them in memory, or read with one read per run of chunks that are adjacent or near in
//! the file), row segments of contiguous and compact data, decoding a chunk, and the small
//! pool of per-worker state (inflater and buffers) that tasks borrow.

use crate::matrix::{Matrix, Store};
use loomfile_hdf5::ChunkEntry;
use loomfile_hdf5::filters::ChunkDecoder;
use loomfile_hdf5::{Error, Result, ResultExt};
use std::sync::Mutex;

/// Two stored ranges closer than this are read as one (a read costs about as much as
/// copying a few KiB).
const GAP: u64 = 8 << 10;
/// Coalesced compressed bytes of one task above this are read chunk by chunk instead.
const COALESCE_MAX: u64 = 32 << 20;
/// Workers kept for reuse.
const POOL_MAX: usize = 256;

/// The state one task needs: an inflater and reusable buffers.
#[derive(Default)]
pub(crate) struct Worker {
    /// Filter pipeline state (inflater, scratch).
    pub dec: ChunkDecoder,
    /// Coalesced stored bytes of the current task.
    pub raw: Vec<u8>,
    /// One decoded chunk.
    pub chunk: Vec<u8>,
    /// One stored chunk read on its own.
    pub tmp: Vec<u8>,
}

/// Free workers, shared by the tasks of a [`Matrix`].
#[derive(Default)]
pub(crate) struct Pool {
    free: Mutex<Vec<Worker>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool")
    }
}

impl Pool {
    /// Borrow a worker (a fresh one if none is free); it returns to the pool when dropped.
    pub(crate) fn take(&self) -> Lease<'_> {
        let w = self.free.lock().ok().and_then(|mut v| v.pop()).unwrap_or_default();
        Lease { pool: self, worker: Some(w) }
    }
}

/// A borrowed worker.
pub(crate) struct Lease<'p> {
    pool: &'p Pool,
    worker: Option<Worker>,
}

impl std::ops::Deref for Lease<'_> {
    type Target = Worker;
    fn deref(&self) -> &Worker {
        // Always Some until drop.
        self.worker.as_ref().expect("lease holds a worker")
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Worker {
        self.worker.as_mut().expect("lease holds a worker")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let (Some(w), Ok(mut free)) = (self.worker.take(), self.pool.free.lock())
            && free.len() < POOL_MAX
        {
            free.push(w);
        }
    }
}

/// The stored bytes of one allocated chunk.
pub(crate) struct Stored<'a> {
    pub entry: &'a ChunkEntry,
    /// `None`: read it on its own when decoding.
    pub bytes: Option<&'a [u8]>,
}

/// Row segments of contiguous or compact data: row `w` of the tile row starts at
/// `data[starts[w]]`, which holds the element of column `origin`.
pub(crate) struct Rows<'a> {
    pub data: &'a [u8],
    pub starts: Vec<usize>,
    pub origin: u64,
}

/// A decoded tile, row by row: row `w` starts at `row(w)`, which holds the element of
/// column `origin`.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [u8],
    stride: usize,
    starts: &'a [usize],
    pub origin: u64,
}

impl<'a> View<'a> {
    /// A packed tile: rows `stride` bytes apart.
    pub(crate) fn packed(data: &'a [u8], stride: usize, origin: u64) -> Self {
        View { data, stride, starts: &[], origin }
    }

    /// Row segments.
    pub(crate) fn rows(rows: &'a Rows<'a>) -> Self {
        View { data: rows.data, stride: 0, starts: &rows.starts, origin: rows.origin }
    }

    /// Bytes of row `w` from column `origin` on (to the end of the buffer).
    #[inline]
    pub(crate) fn row(&self, w: usize) -> &'a [u8] {
        let s = if self.starts.is_empty() { w * self.stride } else { self.starts[w] };
        &self.data[s..]
    }
}

/// Merge sorted (address, length) ranges closer than [`GAP`]: (start, end) runs.
fn runs(ranges: impl Iterator<Item = (u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (a, n) in ranges {
        let end = a + n;
        match out.last_mut() {
            Some((_, e)) if a <= e.saturating_add(GAP) => *e = (*e).max(end),
            _ => out.push((a, end)),
        }
    }
    out
}

impl Matrix {
    fn chunk_error(&self, e: Error, entry: &ChunkEntry) -> Error {
        match e {
            Error::Malformed { what, detail, .. } => Error::Malformed {
                path: self.ds.path().to_string(),
                what,
                offset: entry.address,
                detail: format!("chunk at {:?}: {detail}", entry.offset),
            },
            other => other.at(self.ds.path()),
        }
    }

    /// The stored bytes of tiles `tiles` (chunked data): borrowed when the storage holds
    /// them in memory, else read into `buf` with one read per run of near chunks.
    pub(crate) fn fetch_chunks<'a>(
        &'a self,
        tiles: &[(u64, u64)],
        buf: &'a mut Vec<u8>,
    ) -> Result<Vec<Option<Stored<'a>>>> {
        let src = self.ds.file().source();
        let path = self.ds.path();
        let limit = self.max_chunk.saturating_mul(2).saturating_add(1 << 16);
        // alloc: tiles.len(), caller's list of tiles
        let mut out: Vec<Option<Stored<'a>>> = Vec::with_capacity(tiles.len());
        let mut zero_copy = None;
        for &(i, j) in tiles {
            let Some(entry) = self.entry(i, j)? else {
                out.push(None);
                continue;
            };
            if entry.size > limit {
                return Err(Error::limit("stored chunk bytes", entry.size, limit).at(path));
            }
            src.check_range(entry.address, entry.size, "chunk").at(path)?;
            // Storage that lends bytes (memory, mmap) lends all of them: ask once.
            let z = *zero_copy
                .get_or_insert_with(|| src.bytes_at(entry.address, entry.size as usize).is_some());
            let bytes = if z { src.bytes_at(entry.address, entry.size as usize) } else { None };
            out.push(Some(Stored { entry, bytes }));
        }
        if zero_copy != Some(false) {
            return Ok(out);
        }
        let mut order: Vec<(u64, u64, usize)> = out
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.as_ref().map(|s| (s.entry.address, s.entry.size, k)))
            .collect();
        order.sort_unstable();
        let runs = runs(order.iter().map(|&(a, n, _)| (a, n)));
        let total: u64 = runs.iter().map(|(a, e)| e - a).sum();
        if total > COALESCE_MAX {
            return Ok(out);
        }
        let total = total as usize;
        if buf.len() < total {
            buf.resize(total, 0);
        }
        // alloc: runs.len() <= tiles.len()
        let mut pos = Vec::with_capacity(runs.len());
        let mut off = 0usize;
        for &(a, e) in &runs {
            let n = (e - a) as usize;
            src.read_into(a, &mut buf[off..off + n], "chunk").at(path)?;
            pos.push(off);
            off += n;
        }
        let buf: &'a Vec<u8> = buf;
        let mut r = 0;
        for &(a, n, k) in &order {
            while runs[r].1 < a + n {
                r += 1;
            }
            let start = pos[r] + (a - runs[r].0) as usize;
            if let Some(s) = out[k].as_mut() {
                s.bytes = Some(&buf[start..start + n as usize]);
            }
        }
        Ok(out)
    }

    /// Decode a stored chunk into `out` (exactly one chunk of bytes).
    pub(crate) fn decode(
        &self,
        s: &Stored<'_>,
        dec: &mut ChunkDecoder,
        tmp: &mut Vec<u8>,
        out: &mut [u8],
    ) -> Result<()> {
        let bytes = match s.bytes {
            Some(b) => b,
            None => {
                tmp.clear();
                tmp.resize(s.entry.size as usize, 0);
                let src = self.ds.file().source();
                src.read_into(s.entry.address, tmp, "chunk").at(self.ds.path())?;
                &tmp[..]
            }
        };
        dec.decode(self.ds.pipeline(), s.entry.filter_mask, bytes, out, self.max_chunk)
            .map_err(|e| self.chunk_error(e, s.entry))
    }

    /// Row segments `rows` (sorted, unique, relative to tile row `i`) of contiguous or
    /// compact data, columns `span.0..span.1`: borrowed when possible, else read into `buf`
    /// with one read per run of near segments.
    pub(crate) fn fetch_rows<'a>(
        &'a self,
        i: u64,
        rows: &[usize],
        span: (u64, u64),
        buf: &'a mut Vec<u8>,
    ) -> Result<Rows<'a>> {
        let es = self.es as u64;
        let r0 = i * self.tr;
        let h = self.tile_dims(i, 0).0;
        let seg = |w: usize| ((r0 + w as u64) * self.ncols + span.0) * es;
        let len = (span.1 - span.0) * es;
        self.budget("row starts of a tile", h as u64, size_of::<usize>())?;
        // alloc: h <= tile rows, under the read budget (checked above)
        let mut starts = vec![usize::MAX; h];
        let (Some(&first), Some(&last)) = (rows.first(), rows.last()) else {
            return Ok(Rows { data: &[], starts, origin: span.0 });
        };
        match &self.store {
            Store::Compact { data } => {
                for &w in rows {
                    starts[w] = seg(w) as usize;
                }
                Ok(Rows { data, starts, origin: span.0 })
            }
            Store::Contiguous { addr } => {
                let src = self.ds.file().source();
                let path = self.ds.path();
                let lo = seg(first);
                let hi = seg(last) + len;
                // Matrix::new checked that the whole matrix lies inside the file.
                if let Some(d) = src.bytes_at(addr + lo, (hi - lo) as usize) {
                    for &w in rows {
                        starts[w] = (seg(w) - lo) as usize;
                    }
                    return Ok(Rows { data: d, starts, origin: span.0 });
                }
                let runs = runs(rows.iter().map(|&w| (seg(w), len)));
                let total: u64 = runs.iter().map(|(a, e)| e - a).sum();
                let total = total as usize;
                if buf.len() < total {
                    buf.resize(total, 0);
                }
                let mut off = 0usize;
                let mut r = 0usize;
                // alloc: runs.len() <= rows.len(), caller's rows
                let mut pos = Vec::with_capacity(runs.len());
                for &(a, e) in &runs {
                    let n = (e - a) as usize;
                    src.read_into(addr + a, &mut buf[off..off + n], "contiguous data").at(path)?;
                    pos.push(off);
                    off += n;
                }
                for &w in rows {
                    let a = seg(w);
                    while runs[r].1 < a + len {
                        r += 1;
                    }
                    starts[w] = pos[r] + (a - runs[r].0) as usize;
                }
                let buf: &'a Vec<u8> = buf;
                Ok(Rows { data: &buf[..], starts, origin: span.0 })
            }
            _ => Ok(Rows { data: &[], starts, origin: span.0 }),
        }
    }
}
