//! A new loom file holding a selection of rows and columns of another (`loom subset`):
//! every layer in its own type, row and column attributes and graphs sliced the same way,
//! global attributes copied. Selections keep the caller's order and may repeat items (a
//! repeated vertex repeats its graph edges). Memory is one tile of one layer at a time; the
//! output appears atomically when everything is written.

use super::region::{Target, band_cols, read_sel, write_region};
use crate::error::Result;
use crate::file::{Axis, LoomFile};
use crate::layers::{layer_path, layer_spec};
use crate::view::slice_graph;
use loomfile_hdf5::Selection;

/// What [`subset`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubsetReport {
    /// Shape of the output.
    pub shape: (u64, u64),
    /// Layers written (`""` first).
    pub layers: Vec<String>,
    /// Graph edges kept, row graphs then column graphs.
    pub edges: u64,
}

/// Rows per tile when copying a layer.
const TILE_ROWS: u64 = 256;

/// Write rows `rows` and columns `cols` of `src` as a new spec-3 loom file at `out`.
#[cfg(feature = "fs")]
pub fn subset(
    src: &LoomFile,
    out: impl AsRef<std::path::Path>,
    rows: &crate::layers::Sel,
    cols: &crate::layers::Sel,
) -> Result<SubsetReport> {
    let (n, m) = src.shape();
    src.check_area("/matrix", "a subset of", rows.count(n), cols.count(m))?;
    let limits = src.limits();
    let ridx = rows.indices_within(n, &limits)?;
    let cidx = cols.indices_within(m, &limits)?;
    if ridx.is_empty() || cidx.is_empty() {
        return Err(crate::error::Error::invalid(format!(
            "the selection is empty ({} rows x {} columns): a loom file needs both",
            ridx.len(),
            cidx.len()
        )));
    }
    let globals = super::add_loom::globals_of(src)?;
    let globals: Vec<(&str, crate::values::Values)> =
        globals.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let mut f = LoomFile::new_all_or_nothing(out, &globals)?;
    let report = subset_into(src, &mut f, &ridx, &cidx)?;
    f.close()?;
    Ok(report)
}

/// Copy the selection `ridx` x `cidx` of `src` into the new, empty file `f` (one commit);
/// `f` comes from [`LoomFile::new`] or [`LoomFile::new_in`] (any storage, wasm too).
pub fn subset_into(
    src: &LoomFile,
    f: &mut LoomFile,
    ridx: &[u64],
    cidx: &[u64],
) -> Result<SubsetReport> {
    let (nr, nc) = (ridx.len() as u64, cidx.len() as u64);
    let mut names = src.layer_names();
    names.sort_by_key(|l| !l.is_empty());
    let mut report = SubsetReport { shape: (nr, nc), layers: names.clone(), edges: 0 };
    f.atomically(|f| {
        for name in &names {
            let t = src.layer_dtype(name)?;
            let planned = src.matrix(name)?;
            let w = f.writer()?;
            let target = Target::create_with(w, &layer_path(name), layer_spec(t, nr, nc))?;
            let tile = (TILE_ROWS, band_cols(&target, TILE_ROWS));
            write_region(w, &target, (0, nr), (0, nc), tile, |r0, h, c0, wd, out| {
                let rs = Selection::Index(ridx[r0 as usize..(r0 + h) as usize].to_vec());
                let cs = Selection::Index(cidx[c0 as usize..(c0 + wd) as usize].to_vec());
                read_sel(&planned, &rs, &cs, target.enc, out)
            })?;
        }
        f.shape = (nr, nc);
        for (axis, idx) in [(Axis::Rows, ridx), (Axis::Cols, cidx)] {
            let pos: Vec<usize> = idx.iter().map(|&i| i as usize).collect();
            for (name, v) in src.all_attrs(axis)? {
                f.stage_attr(axis, &name, &v.select(&pos)?)?;
            }
            for name in src.graph_names(axis) {
                let g = slice_graph(&src.graph(axis, &name)?, idx);
                report.edges += g.edges() as u64;
                f.stage_graph(axis, &name, &g)?;
            }
        }
        Ok(())
    })?;
    Ok(report)
}
