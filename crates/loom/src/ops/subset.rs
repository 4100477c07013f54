//! A new loom file holding a selection of rows and columns of another (`loom subset`):
//! every layer in its own type, row and column attributes and graphs sliced the same way,
//! global attributes copied. Selections keep the caller's order and may repeat items (a
//! repeated vertex repeats its graph edges). Memory is one tile of one layer at a time; the
//! output appears atomically when everything is written.
//!
//! # Examples
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
//! # let contents = Contents {
//! #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
//! #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
//! #     file_attrs: vec![("title", Values::from("demo"))],
//! # };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! use loomfile::{Axis, Sel, subset};
//! let src = LoomFile::open(&path)?;
//! let out = dir.path().join("subset.loom");
//! // Cells in a new order, one of them twice.
//! subset(&src, &out, &Sel::All, &Sel::from(vec![2, 0, 2]))?;
//! let small = LoomFile::open(&out)?;
//! assert_eq!(small.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["z", "x", "z"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::region::{Target, band_cols, read_sel, write_region};
use crate::error::Result;
use crate::file::{Axis, LoomFile};
use crate::layers::{layer_path, layer_spec};
use crate::view::slice_graph;

/// What [`subset`] wrote.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::{Axis, Graph, Sel, subset};
/// let mut src = LoomFile::open_rw(&path)?;
/// let chain = Graph { a: vec![0, 1], b: vec![1, 2], w: vec![1.0, 1.0] };
/// src.set_graph(Axis::Cols, "KNN", &chain)?;
/// let report = subset(&src, dir.path().join("xy.loom"), &Sel::All, &Sel::from(0..2))?;
/// assert_eq!((report.shape, report.layers.as_slice()), ((4, 2), &[String::new()][..]));
/// assert_eq!(report.edges, 1); // x -> y kept, y -> z dropped
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
const TILE_ROWS: u64 = 1024;

/// Write rows `rows` and columns `cols` of `src` as a new spec-3 loom file at `out`.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::{Axis, Sel, subset};
/// let src = LoomFile::open(&path)?;
/// let out = dir.path().join("small.loom");
/// let report = subset(&src, &out, &Sel::from(vec![3, 1]), &Sel::from(0..2))?;
/// assert_eq!(report.shape, (2, 2));
/// let small = LoomFile::open(&out)?;
/// assert_eq!(small.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["d", "b"]);
/// assert_eq!(small.global("title")?.as_string(), Some("demo")); // globals copied
/// assert!(subset(&src, &out, &Sel::from(0..0), &Sel::All).is_err()); // empty selection
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::{MemStorage, Sel, subset_into};
/// use std::sync::Arc;
/// let src = LoomFile::open(&path)?;
/// let mut out = LoomFile::new_in(Arc::new(MemStorage::default()), &[])?;
/// let report = subset_into(&src, &mut out, &[0, 3], &[1])?;
/// assert_eq!(report.shape, (2, 1));
/// assert_eq!(out.read_col::<f32>("", 0, &Sel::All)?.to_vec(), [1.0, 10.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn subset_into(
    src: &LoomFile,
    f: &mut LoomFile,
    ridx: &[u64],
    cidx: &[u64],
) -> Result<SubsetReport> {
    let (nr, nc) = (ridx.len() as u64, cidx.len() as u64);
    let (src_n, src_m) = src.shape();
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
                // Runs of consecutive indices read as ranges (the scan core's fast path).
                let rs = crate::view::compact(&ridx[r0 as usize..(r0 + h) as usize], src_n);
                let cs = crate::view::compact(&cidx[c0 as usize..(c0 + wd) as usize], src_m);
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
