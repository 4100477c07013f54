//! Combining loom files along rows: files that hold different genes (rows) of the same
//! cells (columns), stacked in order into a new spec-3 file that appears atomically. loompy
//! has no counterpart; it is the column-wise [`combine`](mod@super::combine) turned on its side:
//!
//! - columns follow the first file; the others are aligned to it by the column attribute
//!   `key` (unique values, the same set in every file) or must already be in the same order;
//! - layers are those present in every input, each with the numpy-promoted type of its
//!   inputs;
//! - row attributes are concatenated, attributes missing from a file filled as
//!   [`FillValues`] says; row graphs present in every file are joined block-diagonally;
//! - column attributes, column graphs and global attributes come from the first file
//!   (`file_attrs` add to and override the globals);
//! - memory: one tile of one layer at a time (1,024 rows by a band of columns), read from
//!   the inputs it spans, plus the row attributes.
//!
//! # Examples
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
//! # let dir = tempfile::tempdir()?;
//! let cells = Values::from(vec!["x", "y", "z"]);
//! let a = dir.path().join("a.loom");
//! let m = Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f32);
//! let contents = Contents {
//!     row_attrs: vec![("Gene", Values::from(vec!["g1", "g2"]))],
//!     col_attrs: vec![("CellID", cells)],
//!     file_attrs: vec![],
//! };
//! LoomFile::create(&a, LayerData::Dense(m.view()), &contents)?;
//! // The same cells in another order, with one more gene.
//! let b = dir.path().join("b.loom");
//! let m = Array2::from_shape_vec((1, 3), vec![30.0f32, 10.0, 20.0])?;
//! let contents = Contents {
//!     row_attrs: vec![("Gene", Values::from(vec!["g3"]))],
//!     col_attrs: vec![("CellID", Values::from(vec!["z", "x", "y"]))],
//!     file_attrs: vec![],
//! };
//! LoomFile::create(&b, LayerData::Dense(m.view()), &contents)?;
//!
//! use loomfile::{Axis, CombineRowsOptions, Sel, combine_rows};
//! let out = dir.path().join("genes.loom");
//! let report = combine_rows(&[&a, &b], &out, &CombineRowsOptions::new().key("CellID"))?;
//! assert_eq!(report.shape, (3, 3));
//! let f = LoomFile::open(&out)?;
//! assert_eq!(f.read_row::<f32>("", 2, &Sel::All)?.to_vec(), [10.0, 20.0, 30.0]);
//! assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["g1", "g2", "g3"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::region::{Target, band_cols, read_sel, write_region};
use super::{FillValues, Side, align, merge_attrs};
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::graphs::Graph;
use crate::layers::{layer_path, layer_spec};
use crate::numeric::promote as promote_num;
use crate::values::Values;
use crate::view::compact;
use loomfile_hdf5::Selection;

/// Options of [`combine_rows`].
///
/// # Examples
///
/// ```
/// use loomfile::{CombineRowsOptions, FillValues, Values};
/// let opts = CombineRowsOptions::new()
///     .key("CellID")
///     .file_attr("title", Values::from("all genes"))
///     .fill_values(FillValues::Drop);
/// assert_eq!(opts.key, Some("CellID"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct CombineRowsOptions<'a> {
    /// Column attribute aligning the columns of every file with the first one.
    pub key: Option<&'a str>,
    /// Global attributes of the output (override those copied from the first file).
    pub file_attrs: Vec<(&'a str, Values)>,
    /// Row attributes missing from some files (default: filled).
    pub fill_values: FillValues,
}

impl<'a> CombineRowsOptions<'a> {
    /// No key (columns already in the same order), no extra globals, missing row
    /// attributes filled.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(loomfile::CombineRowsOptions::new().key.is_none());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Align the columns of every file with the first file's by this column attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::CombineRowsOptions::new().key("CellID").key, Some("CellID"));
    /// ```
    pub fn key(mut self, name: &'a str) -> Self {
        self.key = Some(name);
        self
    }

    /// One more global attribute of the output.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{CombineRowsOptions, Values};
    /// let opts = CombineRowsOptions::new().file_attr("title", Values::from("t"));
    /// assert_eq!(opts.file_attrs.len(), 1);
    /// ```
    pub fn file_attr(mut self, name: &'a str, value: Values) -> Self {
        self.file_attrs.push((name, value));
        self
    }

    /// What to do with row attributes present in some files only.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{CombineRowsOptions, FillValues};
    /// let opts = CombineRowsOptions::new().fill_values(FillValues::Drop);
    /// assert_eq!(opts.fill_values, FillValues::Drop);
    /// ```
    pub fn fill_values(mut self, fill: FillValues) -> Self {
        self.fill_values = fill;
        self
    }
}

/// Rows per tile when copying a layer.
const TILE_ROWS: u64 = 1024;

/// Combine loom files row-wise into a new file at `out` (see the [module](self)). The
/// inputs are opened read-only; `out` appears only when everything is written.
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
/// use loomfile::{CombineRowsOptions, combine_rows};
/// let out = dir.path().join("twice.loom");
/// let report = combine_rows(&[&path, &path], &out, &CombineRowsOptions::new())?;
/// assert_eq!((report.shape, report.layers.as_slice()), ((8, 3), &[String::new()][..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "fs")]
pub fn combine_rows<P: AsRef<std::path::Path>>(
    files: &[P],
    out: impl AsRef<std::path::Path>,
    opts: &CombineRowsOptions<'_>,
) -> Result<super::CombineReport> {
    let out = out.as_ref();
    let inputs = super::open_inputs(files, out)?;
    let first = inputs.first().ok_or_else(|| Error::invalid("combine_rows needs an input file"))?;
    let mut globals = super::add_loom::globals_of(first)?;
    for (k, v) in &opts.file_attrs {
        globals.retain(|(g, _)| g != k);
        globals.push((k.to_string(), v.clone()));
    }
    let globals: Vec<(&str, Values)> =
        globals.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let mut f = LoomFile::new_all_or_nothing(out, &globals)?;
    let refs: Vec<&LoomFile> = inputs.iter().collect();
    let report = combine_rows_into(&mut f, &refs, opts)?;
    f.close()?;
    Ok(report)
}

/// Stack `inputs` row-wise into the new, empty file `out` (one commit); `out` comes from
/// [`LoomFile::new`] or [`LoomFile::new_in`] (any storage, wasm too). Global attributes
/// are the caller's to set.
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
/// use loomfile::{CombineRowsOptions, MemStorage, Sel, combine_rows_into};
/// use std::sync::Arc;
/// let src = LoomFile::open(&path)?;
/// let mut out = LoomFile::new_in(Arc::new(MemStorage::default()), &[])?;
/// combine_rows_into(&mut out, &[&src, &src], &CombineRowsOptions::new().key("CellID"))?;
/// assert_eq!(out.read_col::<f32>("", 0, &Sel::All)?.to_vec(), [0.0, 3.0, 6.0, 9.0, 0.0, 3.0, 6.0, 9.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn combine_rows_into(
    out: &mut LoomFile,
    inputs: &[&LoomFile],
    opts: &CombineRowsOptions<'_>,
) -> Result<super::CombineReport> {
    if out.shape() != (0, 0) || out.exists("/matrix") {
        return Err(Error::invalid("combine_rows writes into an empty file only"));
    }
    let Some(first) = inputs.first() else {
        return Err(Error::invalid("combine_rows needs an input file"));
    };
    let nc = first.shape().1;
    // Column of each input for every output column (None: the same order).
    let perms: Vec<Option<Vec<u64>>> =
        inputs.iter().map(|f| align(first, f, Axis::Cols, opts.key)).collect::<Result<_>>()?;
    // First output row of each input, and the total.
    let mut starts = vec![0u64];
    for f in inputs {
        let end = starts[starts.len() - 1].checked_add(f.shape().0);
        starts.push(end.ok_or_else(|| Error::invalid("the row counts overflow"))?);
    }
    let total = starts[inputs.len()];
    first.check_area("/matrix", "the combined", total, nc)?;
    let mut names = first.layer_names();
    names.sort_by_key(|l| !l.is_empty());
    let (kept, dropped): (Vec<String>, Vec<String>) =
        names.into_iter().partition(|n| inputs.iter().all(|f| f.layer_names().contains(n)));
    let mut dropped = dropped;
    for f in &inputs[1..] {
        for n in f.layer_names() {
            if !kept.contains(&n) && !dropped.contains(&n) {
                dropped.push(n);
            }
        }
    }
    out.atomically(|f| {
        for name in &kept {
            let mut t = first.layer_dtype(name)?;
            for g in &inputs[1..] {
                t = promote_num(t, g.layer_dtype(name)?);
            }
            let sources = inputs.iter().map(|g| g.matrix(name)).collect::<Result<Vec<_>>>()?;
            let w = f.writer()?;
            let target = Target::create_with(w, &layer_path(name), layer_spec(t, total, nc))?;
            let tile = (TILE_ROWS, band_cols(&target, TILE_ROWS));
            write_region(w, &target, (0, total), (0, nc), tile, |r0, h, c0, wd, buf| {
                // The inputs this tile's rows span, each read in the first file's column order.
                for (k, src) in sources.iter().enumerate() {
                    let (a, b) = (r0.max(starts[k]), (r0 + h).min(starts[k + 1]));
                    if a >= b {
                        continue;
                    }
                    let rows = Selection::Range(a - starts[k], b - starts[k]);
                    let cols = match &perms[k] {
                        None => Selection::Range(c0, c0 + wd),
                        Some(p) => compact(&p[c0 as usize..(c0 + wd) as usize], nc),
                    };
                    read_sel(src, &rows, &cols, target.enc, buf)?;
                }
                Ok(())
            })?;
        }
        f.shape = (total, nc);
        let sides = inputs
            .iter()
            .map(|g| Ok(Side { items: g.shape().0 as usize, attrs: g.all_attrs(Axis::Rows)? }))
            .collect::<Result<Vec<_>>>()?;
        for (name, v) in merge_attrs(Axis::Rows, &sides, &opts.fill_values)? {
            f.stage_attr(Axis::Rows, &name, &v)?;
        }
        for (name, v) in first.all_attrs(Axis::Cols)? {
            f.stage_attr(Axis::Cols, &name, &v)?;
        }
        for name in first.graph_names(Axis::Cols) {
            f.stage_graph(Axis::Cols, &name, &first.graph(Axis::Cols, &name)?)?;
        }
        for name in first.graph_names(Axis::Rows) {
            if !inputs.iter().all(|g| g.graph_names(Axis::Rows).contains(&name)) {
                continue;
            }
            let mut joined = Graph::default();
            for (g, &shift) in inputs.iter().zip(&starts) {
                let part = g.graph(Axis::Rows, &name)?;
                let n = g.shape().0;
                if part.a.iter().chain(&part.b).any(|&v| v >= n) {
                    return Err(Error::invalid(format!(
                        "row graph {name:?}: a vertex past the {n} rows of its file"
                    )));
                }
                joined.a.extend(part.a.iter().map(|&v| v + shift));
                joined.b.extend(part.b.iter().map(|&v| v + shift));
                joined.w.extend(part.w);
            }
            f.stage_graph(Axis::Rows, &name, &joined)?;
        }
        Ok(())
    })?;
    Ok(super::CombineReport {
        shape: out.shape(),
        layers: kept,
        layers_dropped: dropped,
        ..Default::default()
    })
}
