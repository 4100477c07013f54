//! Selection plans: which tiles an axis selection touches and where each selected index goes
//! in the output, grouped by tile so every tile is decoded once.

use loomfile_hdf5::{Error, Result, Selection};

/// A run of output positions `out..out + len` taking tile indices `within..within + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub out: usize,
    pub within: usize,
    pub len: usize,
}

/// The selected indices that fall in one tile.
#[derive(Clone, Debug)]
pub(crate) struct TileGroup {
    /// Tile index along the axis.
    pub tile: u64,
    /// Output runs, in output order.
    pub runs: Vec<Run>,
    /// Smallest and one past the largest selected source index in the tile.
    pub lo: u64,
    pub hi: u64,
}

/// A selection along one axis, grouped by tile.
#[derive(Clone, Debug)]
pub(crate) struct AxisPlan {
    /// Number of output positions.
    pub len: usize,
    /// Touched tiles in increasing order.
    pub groups: Vec<TileGroup>,
    /// Per output position: (group number, index within the tile).
    pub pos: Vec<(u32, u32)>,
    /// When the groups own consecutive, increasing output ranges (tile numbers never
    /// decrease along the selection): the first output position of each group, plus `len`.
    pub bounds: Option<Vec<usize>>,
}

/// Check `sel` against an axis of length `dim` without building anything.
pub(crate) fn validate(sel: &Selection, dim: u64) -> Result<()> {
    match sel {
        Selection::All => Ok(()),
        Selection::Range(a, b) if a > b || *b > dim => {
            Err(Error::invalid(format!("range {a}:{b} outside 0:{dim}")))
        }
        Selection::Range(..) => Ok(()),
        Selection::Index(v) => match v.iter().find(|&&i| i >= dim) {
            Some(bad) => {
                Err(Error::invalid(format!("index {bad} out of range for axis of length {dim}")))
            }
            None => Ok(()),
        },
    }
}

impl AxisPlan {
    /// Plan `sel` over an axis of length `dim` cut into tiles of `tile`.
    pub(crate) fn new(sel: &Selection, dim: u64, tile: u64) -> Result<AxisPlan> {
        let tile = tile.max(1);
        match sel {
            Selection::All => Ok(Self::range(0, dim, tile)),
            Selection::Range(a, b) => {
                if a > b || *b > dim {
                    return Err(Error::invalid(format!("range {a}:{b} outside 0:{dim}")));
                }
                Ok(Self::range(*a, *b, tile))
            }
            Selection::Index(v) => {
                if let Some(&bad) = v.iter().find(|&&i| i >= dim) {
                    return Err(Error::invalid(format!(
                        "index {bad} out of range for axis of length {dim}"
                    )));
                }
                Self::index(v, tile)
            }
        }
    }

    fn range(a: u64, b: u64, tile: u64) -> AxisPlan {
        let mut groups = Vec::new();
        // alloc: b - a <= selected length: callers check the read budget (or the caller's buffer) first
        let mut pos = Vec::with_capacity((b - a) as usize);
        let mut bounds = vec![0usize];
        let mut s = a;
        while s < b {
            let t = s / tile;
            let e = ((t + 1) * tile).min(b);
            let out = (s - a) as usize;
            let n = (e - s) as usize;
            let g = groups.len() as u32;
            let w0 = (s - t * tile) as u32;
            pos.extend((0..n as u32).map(|k| (g, w0 + k)));
            groups.push(TileGroup {
                tile: t,
                runs: vec![Run { out, within: w0 as usize, len: n }],
                lo: s,
                hi: e,
            });
            bounds.push(out + n);
            s = e;
        }
        AxisPlan { len: (b - a) as usize, groups, pos, bounds: Some(bounds) }
    }

    fn index(v: &[u64], tile: u64) -> Result<AxisPlan> {
        if u32::try_from(v.len()).is_err() {
            return Err(Error::invalid(format!("{} indices in one selection", v.len())));
        }
        let monotone = v.windows(2).all(|p| p[0] / tile <= p[1] / tile);
        let mut order: Vec<u32> = (0..v.len() as u32).collect();
        if !monotone {
            // Stable: positions stay in output order within a tile.
            order.sort_by_key(|&p| v[p as usize] / tile);
        }
        let mut groups: Vec<TileGroup> = Vec::new();
        // alloc: caller's data: v.len()
        let mut pos = vec![(0u32, 0u32); v.len()];
        for &p in &order {
            let i = v[p as usize];
            let t = i / tile;
            let w = (i - t * tile) as usize;
            if groups.last().is_none_or(|g| g.tile != t) {
                groups.push(TileGroup { tile: t, runs: Vec::new(), lo: i, hi: i + 1 });
            }
            let g = groups.len() - 1;
            let grp = &mut groups[g];
            grp.lo = grp.lo.min(i);
            grp.hi = grp.hi.max(i + 1);
            pos[p as usize] = (g as u32, w as u32);
            let out = p as usize;
            match grp.runs.last_mut() {
                Some(r) if r.out + r.len == out && r.within + r.len == w => r.len += 1,
                _ => grp.runs.push(Run { out, within: w, len: 1 }),
            }
        }
        let bounds = monotone.then(|| {
            let mut b: Vec<usize> = groups.iter().map(|g| g.runs[0].out).collect();
            b.push(v.len());
            b
        });
        Ok(AxisPlan { len: v.len(), groups, pos, bounds })
    }

    /// Split the groups into at most `pieces` consecutive ranges of nearly equal size (only
    /// when the groups own consecutive output ranges; otherwise one range).
    pub(crate) fn pieces(&self, pieces: usize) -> Vec<std::ops::Range<usize>> {
        let n = self.groups.len();
        let k = if self.bounds.is_some() { pieces.clamp(1, n.max(1)) } else { 1 };
        (0..k).map(|p| p * n / k..(p + 1) * n / k).filter(|r| !r.is_empty() || n == 0).collect()
    }

    /// First output position owned by group range `r` (monotone plans), else 0.
    pub(crate) fn out_start(&self, r: &std::ops::Range<usize>) -> usize {
        match &self.bounds {
            Some(b) => b[r.start],
            None => 0,
        }
    }

    /// One past the last output position owned by group range `r`.
    pub(crate) fn out_end(&self, r: &std::ops::Range<usize>) -> usize {
        match &self.bounds {
            Some(b) => b[r.end],
            None => self.len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_plan_groups_and_runs() {
        let p = AxisPlan::new(&Selection::Index(vec![5, 6, 70, 1, 6, 7]), 100, 64).unwrap();
        assert_eq!(p.groups.len(), 2);
        assert_eq!(p.groups[0].tile, 0);
        assert_eq!(
            p.groups[0].runs,
            vec![
                Run { out: 0, within: 5, len: 2 },
                Run { out: 3, within: 1, len: 1 },
                Run { out: 4, within: 6, len: 2 }
            ]
        );
        assert_eq!((p.groups[0].lo, p.groups[0].hi), (1, 8));
        assert_eq!(p.groups[1].runs, vec![Run { out: 2, within: 6, len: 1 }]);
        assert!(p.bounds.is_none());
        assert_eq!(p.pos[2], (1, 6));
        let q = AxisPlan::new(&Selection::Index(vec![3, 1, 64, 64, 200]), 300, 64).unwrap();
        assert_eq!(q.bounds, Some(vec![0, 2, 4, 5]));
        assert_eq!(q.pieces(2), vec![0..1, 1..3]);
    }

    #[test]
    fn range_plan() {
        let p = AxisPlan::new(&Selection::Range(60, 130), 200, 64).unwrap();
        assert_eq!(p.groups.iter().map(|g| g.tile).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(p.bounds, Some(vec![0, 4, 68, 70]));
        assert!(AxisPlan::new(&Selection::Range(5, 201), 200, 64).is_err());
        assert!(AxisPlan::new(&Selection::Index(vec![200]), 200, 64).is_err());
    }
}
