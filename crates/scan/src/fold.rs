//! One-pass traversals: every tile of the matrix decoded once, bands in parallel, folded
//! into per-group accumulators that are combined left to right in band order (so results
//! do not depend on the thread count).

use crate::axis::Axis;
use crate::convert::{self, Conv};
use crate::fetch::{View, Worker};
use crate::matrix::{Matrix, Store};
use crate::parallel;
use loomfile_hdf5::{H5Type, Result};
use std::ops::Range;

/// Items (rows or columns) per fold group: groups are fixed by the shape alone.
const GROUP_ITEMS: u64 = 512;

/// One decoded tile (a chunk, clipped to the matrix), handed to [`Matrix::fold_tiles`].
#[derive(Clone, Copy, Debug)]
pub struct Tile<'a, T> {
    /// Matrix row of the tile's first row.
    pub row0: u64,
    /// Matrix column of the tile's first column.
    pub col0: u64,
    /// Rows in the tile.
    pub nrows: usize,
    /// Columns in the tile.
    pub ncols: usize,
    /// The values, row-major (`nrows * ncols`).
    pub data: &'a [T],
    /// True when the tile is not stored (every value is the fill value).
    pub fill: bool,
}

impl<'a, T> Tile<'a, T> {
    /// Row `r` of the tile (`ncols` values).
    pub fn row(&self, r: usize) -> &'a [T] {
        &self.data[r * self.ncols..(r + 1) * self.ncols]
    }
}

/// A tile as stored bytes (decoded), before conversion.
pub(crate) struct RawTile<'a> {
    pub i: u64,
    pub j: u64,
    /// Valid rows and columns.
    pub h: usize,
    pub w: usize,
    /// `None`: unallocated (fill value).
    view: Option<View<'a>>,
    skip: usize,
    es: usize,
}

impl<'a> RawTile<'a> {
    /// The `w * es` bytes of row `r`, or `None` for an unallocated tile.
    #[inline]
    pub(crate) fn row(&self, r: usize) -> Option<&'a [u8]> {
        let v = self.view?;
        let s = self.skip * self.es;
        Some(&v.row(r)[s..s + self.w * self.es])
    }

    /// True when the tile is unallocated.
    pub(crate) fn is_fill(&self) -> bool {
        self.view.is_none()
    }

    /// The tile converted to `T`, row-major, into `out` (resized to `h * w`).
    pub(crate) fn typed<T: H5Type>(&self, conv: &Conv<T>, fill: T, out: &mut Vec<T>) {
        let n = self.h * self.w;
        out.resize(n, T::default());
        match self.view {
            None => out[..n].fill(fill),
            Some(_) => {
                for (r, dst) in out[..n].chunks_exact_mut(self.w.max(1)).enumerate() {
                    if let Some(src) = self.row(r) {
                        conv.run(src, dst);
                    }
                }
            }
        }
    }
}

impl Matrix {
    fn raw_tile<'v>(&self, i: u64, j: u64, view: Option<View<'v>>) -> RawTile<'v> {
        let (h, w) = self.tile_dims(i, j);
        let skip = view.map_or(0, |v| (j * self.tc - v.origin) as usize);
        RawTile { i, j, h, w, view, skip, es: self.es }
    }

    /// Decode every tile of band `b` along `axis` (a tile row for [`Axis::Rows`], a tile
    /// column for [`Axis::Cols`]) and hand each to `f`, in order along the band.
    pub(crate) fn visit_band(
        &self,
        axis: Axis,
        b: u64,
        wk: &mut Worker,
        f: &mut dyn FnMut(&RawTile<'_>) -> Result<()>,
    ) -> Result<()> {
        let es = self.es;
        let tc = self.tc;
        self.budget("tiles of one band", self.grid(axis.other()), 64)?;
        let tiles: Vec<(u64, u64)> = match axis {
            Axis::Rows => (0..self.gc).map(|j| (b, j)).collect(),
            Axis::Cols => (0..self.gr).map(|i| (i, b)).collect(),
        };
        let Worker { dec, raw, chunk, tmp } = wk;
        match &self.store {
            Store::Empty => {
                for &(i, j) in &tiles {
                    f(&self.raw_tile(i, j, None))?;
                }
            }
            Store::Chunked { chunk_bytes, .. } => {
                let cb = *chunk_bytes;
                let stored = self.fetch_chunks(&tiles, raw)?;
                if chunk.len() < cb {
                    chunk.resize(cb, 0);
                }
                for (&(i, j), s) in tiles.iter().zip(&stored) {
                    match s {
                        None => f(&self.raw_tile(i, j, None))?,
                        Some(s) => {
                            self.decode(s, dec, tmp, &mut chunk[..cb])?;
                            let view = View::packed(&chunk[..cb], tc as usize * es, j * tc);
                            f(&self.raw_tile(i, j, Some(view)))?;
                        }
                    }
                }
            }
            _ => match axis {
                Axis::Rows => {
                    let h = self.tile_dims(b, 0).0;
                    let all: Vec<usize> = (0..h).collect();
                    let rows = self.fetch_rows(b, &all, (0, self.ncols), raw)?;
                    for &(i, j) in &tiles {
                        f(&self.raw_tile(i, j, Some(View::rows(&rows))))?;
                    }
                }
                Axis::Cols => {
                    let c0 = b * tc;
                    let c1 = (c0 + tc).min(self.ncols);
                    for &(i, j) in &tiles {
                        let h = self.tile_dims(i, 0).0;
                        let all: Vec<usize> = (0..h).collect();
                        let rows = self.fetch_rows(i, &all, (c0, c1), raw)?;
                        f(&self.raw_tile(i, j, Some(View::rows(&rows))))?;
                    }
                }
            },
        }
        Ok(())
    }

    /// Fold every tile, grouped in fixed groups of bands along `axis`: `init(items)` makes a
    /// group's accumulator (`items`: the rows or columns the group covers), `visit` folds
    /// one tile into it, and the group accumulators are combined left to right with
    /// `reduce`. A window of groups runs in parallel.
    pub(crate) fn fold_raw<S, I, V, R>(&self, axis: Axis, init: I, visit: V, reduce: R) -> Result<S>
    where
        S: Send,
        I: Fn(Range<u64>) -> S + Sync + Send,
        V: Fn(&mut S, &RawTile<'_>) + Sync + Send,
        R: Fn(S, S) -> S,
    {
        let dim = self.len(axis);
        let t = self.tile(axis);
        let nb = self.grid(axis);
        let per = GROUP_ITEMS.div_ceil(t).max(1);
        if self.is_empty() {
            return Ok(init(0..dim));
        }
        // Groups in flight: enough slack that the window barrier costs little. Groups are
        // made window by window (a hostile shape may claim billions of them).
        let window = 8 * parallel::threads() as u64;
        let groups = nb.div_ceil(per);
        let mut acc: Option<S> = None;
        for w0 in (0..groups).step_by(window as usize) {
            let win: Vec<Range<u64>> =
                (w0..(w0 + window).min(groups)).map(|g| g * per..((g + 1) * per).min(nb)).collect();
            let parts = parallel::map(win, |bands| {
                let mut s = init(bands.start * t..(bands.end * t).min(dim));
                let mut lease = self.pool.take();
                for b in bands {
                    self.visit_band(axis, b, &mut lease, &mut |rt| {
                        visit(&mut s, rt);
                        Ok(())
                    })?;
                }
                Ok::<S, crate::Error>(s)
            })?;
            for p in parts {
                acc = Some(match acc {
                    None => p,
                    Some(a) => reduce(a, p),
                });
            }
        }
        Ok(acc.unwrap_or_else(|| init(0..dim)))
    }

    /// One pass over every tile (chunk) of the matrix, without materialising it.
    ///
    /// Tiles are grouped in fixed groups of bands along `axis` (tile rows for
    /// [`Axis::Rows`], tile columns for [`Axis::Cols`]; about 512 rows or columns per
    /// group, from the shape alone). For each group, `init(items)` makes an accumulator
    /// (`items`: the rows, or columns, the group covers) and `fold` receives the group's
    /// tiles in band order, each band in order along it. Groups run in parallel in the
    /// caller's pool; their accumulators are combined left to right with `reduce`. So
    /// with deterministic closures the result does not depend on the thread count, and
    /// equals the serial build's. Memory: a window of a few groups per thread.
    ///
    /// Unallocated chunks are folded as tiles of the fill value (`Tile::fill` set).
    pub fn fold_tiles<T, A, I, F, R>(&self, axis: Axis, init: I, fold: F, reduce: R) -> Result<A>
    where
        T: H5Type,
        A: Send,
        I: Fn(Range<u64>) -> A + Sync + Send,
        F: Fn(&mut A, &Tile<'_, T>) + Sync + Send,
        R: Fn(A, A) -> A,
    {
        let conv = Conv::<T>::new(self.kind);
        let fill: T = convert::one(self.kind, &self.fill);
        let (tr, tc) = (self.tr, self.tc);
        let (a, _) = self.fold_raw(
            axis,
            |items| (init(items), Vec::<T>::new()),
            |(a, scratch), rt| {
                rt.typed(&conv, fill, scratch);
                let tile = Tile {
                    row0: rt.i * tr,
                    col0: rt.j * tc,
                    nrows: rt.h,
                    ncols: rt.w,
                    data: &scratch[..rt.h * rt.w],
                    fill: rt.is_fill(),
                };
                fold(a, &tile);
            },
            |(a, s), (b, _)| (reduce(a, b), s),
        )?;
        Ok(a)
    }
}
