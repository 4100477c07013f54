//! Reads of any row and column selection: tasks are (tile row, range of touched tile columns)
//! pairs owning disjoint parts of the output; each decodes its chunks once and scatters them
//! (converted) straight into the output. Small reads take decoded chunks from, and leave them
//! in, the matrix's chunk cache.

use crate::cache::Decoded;
use crate::convert::{self, Conv};
use crate::fetch::{View, Worker};
use crate::matrix::{Matrix, Store};
use crate::parallel;
use crate::plan::{self, AxisPlan, Run, TileGroup};
use crate::stream;
use loomfile_hdf5::{Error, H5Type, Result, ResultExt, Selection};
use std::sync::Arc;

/// One task: output rows (all in tile row `i`) restricted to the columns of `cols`.
struct Task<'p, 'o, T> {
    i: u64,
    /// Go through the chunk cache (a small read).
    cached: bool,
    cols: &'p [TileGroup],
    /// Output column of the first element of each row segment.
    col_base: usize,
    /// (index within the tile row, output row segment).
    rows: Vec<(usize, &'o mut [T])>,
}

/// Copy `runs` of one decoded tile (first column `tile_col0`) into every task row.
#[inline]
fn scatter<T: H5Type>(
    view: View<'_>,
    tile_col0: u64,
    runs: &[Run],
    rows: &mut [(usize, &mut [T])],
    col_base: usize,
    es: usize,
    conv: &Conv<T>,
) {
    // Every selected column of the tile lies inside the fetched span (it starts at or
    // before the smallest selected column), so these offsets are in bounds.
    let skip = (tile_col0 as usize).wrapping_sub(view.origin as usize);
    for (w, dst) in rows.iter_mut() {
        let src = view.row(*w);
        for r in runs {
            let s = skip.wrapping_add(r.within) * es;
            conv.run(&src[s..s + r.len * es], &mut dst[r.out - col_base..r.out - col_base + r.len]);
        }
    }
}

/// Write the fill value over `runs` of every task row.
fn fill_runs<T: H5Type>(rows: &mut [(usize, &mut [T])], runs: &[Run], col_base: usize, fill: T) {
    for (_, dst) in rows.iter_mut() {
        for r in runs {
            dst[r.out - col_base..r.out - col_base + r.len].fill(fill);
        }
    }
}

impl Matrix {
    /// Elements `rows` x `cols` as `T`, row-major (shape `(rows.len, cols.len)`).
    ///
    /// Each axis takes all indices, a range, or an index list in any order with repeats
    /// (the output follows the given order). Only the chunks holding selected elements are
    /// read, each once; unallocated chunks read as the fill value. Conversion follows HDF5
    /// (integers saturate, floats truncate toward zero, NaN to 0).
    pub fn read<T: H5Type>(&self, rows: &Selection, cols: &Selection) -> Result<Vec<T>> {
        let nr = rows.len(self.nrows);
        let nc = cols.len(self.ncols);
        let count = nr.checked_mul(nc).ok_or_else(|| Error::invalid("selection too large"))?;
        let bytes = count.saturating_mul(size_of::<T>() as u64);
        if bytes > self.max_read || usize::try_from(bytes).is_err() {
            return Err(Error::limit("bytes to read", bytes, self.max_read).at(self.ds.path()));
        }
        // alloc: count * size_of::<T>() <= max_read (checked above)
        let mut out = vec![T::default(); count as usize];
        self.read_into(rows, cols, &mut out)?;
        Ok(out)
    }

    /// Like [`Matrix::read`], into a caller buffer of exactly `rows.len * cols.len`
    /// elements (reusing a buffer avoids page-faulting a fresh one). Every element of `out`
    /// is overwritten.
    pub fn read_into<T: H5Type>(
        &self,
        rows: &Selection,
        cols: &Selection,
        out: &mut [T],
    ) -> Result<()> {
        let path = self.ds.path();
        plan::validate(rows, self.nrows).at(path)?;
        plan::validate(cols, self.ncols).at(path)?;
        let (nr, nc) = (rows.len(self.nrows), cols.len(self.ncols));
        if nr.checked_mul(nc) != Some(out.len() as u64) {
            return Err(Error::invalid(format!(
                "output of {} elements for a {nr} x {nc} selection",
                out.len()
            ))
            .at(path));
        }
        if out.is_empty() {
            return Ok(());
        }
        let rp = AxisPlan::new(rows, self.nrows, self.tr).at(path)?;
        let cp = AxisPlan::new(cols, self.ncols, self.tc).at(path)?;
        self.read_planned(&rp, &cp, out, true)
    }

    /// Like [`Matrix::read`], as a 2-D array.
    pub fn read_array<T: H5Type>(
        &self,
        rows: &Selection,
        cols: &Selection,
    ) -> Result<ndarray::Array2<T>> {
        let nr = rows.len(self.nrows) as usize;
        let nc = cols.len(self.ncols) as usize;
        let v = self.read(rows, cols)?;
        ndarray::Array2::from_shape_vec((nr, nc), v)
            .map_err(|e| Error::invalid(format!("shape mismatch: {e}")).at(self.ds.path()))
    }

    /// Read planned selections into `out` (`rp.len * cp.len` elements). `may_cache`: a
    /// small read may go through the chunk cache (scans pass false: a single pass over
    /// every chunk gains nothing from it and would only churn it).
    pub(crate) fn read_planned<T: H5Type>(
        &self,
        rp: &AxisPlan,
        cp: &AxisPlan,
        out: &mut [T],
        may_cache: bool,
    ) -> Result<()> {
        let nc = cp.len;
        if out.len() != rp.len * nc {
            return Err(Error::invalid(format!(
                "output of {} elements for a {} x {} selection",
                out.len(),
                rp.len,
                nc
            ))
            .at(self.ds.path()));
        }
        if out.is_empty() {
            return Ok(());
        }
        let conv = Conv::<T>::for_output(self.kind, size_of_val(out));
        let fill: T = convert::one(self.kind, &self.fill);
        // Few bands (one row, a few rows): split them by tile columns too, so every thread
        // gets work. Never when serial: one task per band reads its chunks in one go.
        let threads = parallel::threads();
        let want = if threads > 1 { 4 * threads } else { 1 };
        let np = if rp.groups.len() >= want { 1 } else { want.div_ceil(rp.groups.len()) };
        let pieces = cp.pieces(np);
        // Small reads (few chunks) go through the chunk cache.
        let cached = match &self.store {
            Store::Chunked { chunk_bytes, .. } if may_cache => {
                self.cache.worth(rp.groups.len().saturating_mul(cp.groups.len()), *chunk_bytes)
            }
            _ => false,
        };
        let npc = pieces.len();
        // alloc: tiles of a selection already under the read budget, times pieces
        let mut tasks: Vec<Task<'_, '_, T>> = Vec::with_capacity(rp.groups.len() * npc);
        for g in &rp.groups {
            for pc in &pieces {
                tasks.push(Task {
                    i: g.tile,
                    cached,
                    cols: &cp.groups[pc.clone()],
                    col_base: cp.out_start(pc),
                    rows: Vec::new(),
                });
            }
        }
        let cuts: Vec<usize> = pieces.iter().map(|pc| cp.out_end(pc)).collect();
        for (p, row) in out.chunks_mut(nc).enumerate() {
            let (g, w) = rp.pos[p];
            let base = g as usize * npc;
            if npc == 1 {
                tasks[base].rows.push((w as usize, row));
                continue;
            }
            let mut rest = row;
            let mut at = 0;
            for (k, &cut) in cuts.iter().enumerate() {
                let (a, b) = rest.split_at_mut(cut - at);
                at = cut;
                tasks[base + k].rows.push((w as usize, a));
                rest = b;
            }
        }
        parallel::run(tasks, |t| self.read_task(t, &conv, fill))
    }

    fn read_task<T: H5Type>(&self, mut t: Task<'_, '_, T>, conv: &Conv<T>, fill: T) -> Result<()> {
        let es = self.es;
        let tc = self.tc;
        if t.rows.is_empty() || t.cols.is_empty() {
            return Ok(());
        }
        if matches!(self.store, Store::Empty) {
            for g in t.cols {
                fill_runs(&mut t.rows, &g.runs, t.col_base, fill);
            }
            return Ok(());
        }
        // Streamed stores are fenced before the task ends, on every path.
        let _fence = stream::Fence::new(conv.streams());
        let mut lease = self.pool.take();
        let Worker { dec, raw, chunk, tmp } = &mut *lease;
        match &self.store {
            Store::Chunked { chunk_bytes, .. } => {
                let cb = *chunk_bytes;
                let hits: Vec<Option<Decoded>> = if t.cached {
                    t.cols.iter().map(|g| self.cache.get((t.i, g.tile))).collect()
                } else {
                    // alloc: t.cols.len(), column groups of one task
                    vec![None; t.cols.len()]
                };
                let tiles: Vec<(u64, u64)> = t
                    .cols
                    .iter()
                    .zip(&hits)
                    .filter(|(_, h)| h.is_none())
                    .map(|(g, _)| (t.i, g.tile))
                    .collect();
                let stored = self.fetch_chunks(&tiles, raw)?;
                let mut stored = stored.iter();
                if chunk.len() < cb {
                    chunk.resize(cb, 0);
                }
                for (g, hit) in t.cols.iter().zip(&hits) {
                    let data: &[u8] = match hit {
                        Some(d) => &d[..],
                        None => match stored.next() {
                            Some(Some(s)) => {
                                self.decode(s, dec, tmp, &mut chunk[..cb])?;
                                if t.cached && self.cache.admit((t.i, g.tile)) {
                                    self.cache.put((t.i, g.tile), Arc::new(chunk[..cb].to_vec()));
                                }
                                &chunk[..cb]
                            }
                            _ => {
                                fill_runs(&mut t.rows, &g.runs, t.col_base, fill);
                                continue;
                            }
                        },
                    };
                    let view = View::packed(data, tc as usize * es, g.tile * tc);
                    scatter(view, g.tile * tc, &g.runs, &mut t.rows, t.col_base, es, conv);
                }
            }
            _ => {
                let mut ws: Vec<usize> = t.rows.iter().map(|r| r.0).collect();
                ws.sort_unstable();
                ws.dedup();
                let lo = t.cols.iter().map(|g| g.lo).min().unwrap_or(0);
                let hi = t.cols.iter().map(|g| g.hi).max().unwrap_or(0);
                let rows = self.fetch_rows(t.i, &ws, (lo, hi), raw)?;
                let view = View::rows(&rows);
                for g in t.cols {
                    scatter(view, g.tile * tc, &g.runs, &mut t.rows, t.col_base, es, conv);
                }
            }
        }
        Ok(())
    }
}
