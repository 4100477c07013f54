//! loompy's `combine`: a new spec-3 file holding the columns of several loom files in order,
//! written to a temporary file and renamed into place (atomically).
//!
//! - rows follow the first file; the others are aligned to it by `key` (unique values, the
//!   same set in every file) or must already be in the same order;
//! - layers are those present in every input, each with the numpy-promoted type of its
//!   inputs (loompy copies the first file, so later files must fit its types);
//! - column attributes are concatenated, attributes missing from a file filled (never
//!   dropped, unless [`FillValues::Drop`](super::FillValues::Drop) asks for it);
//! - row attributes, row graphs and global attributes come from the first file (the output
//!   gets a new `CreationDate`); column graphs of the first file are kept, or joined
//!   block-diagonally across files with `include_graphs`;
//! - memory: one batch of columns (all rows x `batch_size`) of one layer at a time, plus
//!   the column attributes. The first file's chunks are copied byte for byte when the
//!   layouts agree (loompy-written files do).
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
//! use loomfile::{Axis, CombineOptions, combine};
//! let copy = dir.path().join("copy.loom");
//! std::fs::copy(&path, &copy)?;
//! let out = dir.path().join("both.loom");
//! let report = combine(&[&path, &copy], &out, &CombineOptions::default())?;
//! assert_eq!(report.shape, (4, 6));
//! assert_eq!(LoomFile::open(&out)?.attr(Axis::Cols, "CellID")?.len(), 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::add_loom::{AddLoomOptions, Append};
use crate::error::{Error, Result};
use crate::file::LoomFile;
use crate::layers::Sel;
use crate::values::Values;

/// Options of [`combine`].
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
/// use loomfile::{AddLoomOptions, CombineOptions, combine};
/// let copy = dir.path().join("copy.loom");
/// std::fs::copy(&path, &copy)?;
/// let opts = CombineOptions {
///     add: AddLoomOptions { key: Some("Gene"), ..Default::default() }, // align rows by gene
///     file_attrs: vec![("title", Values::from("combined"))],
///     ..Default::default()
/// };
/// let out = dir.path().join("out.loom");
/// combine(&[&path, &copy], &out, &opts)?;
/// assert_eq!(LoomFile::open(&out)?.global("title")?.as_string(), Some("combined"));
///
/// // loompy's combine_faster: some columns of each file, one attribute left out.
/// use loomfile::{Axis, Sel};
/// let opts = CombineOptions {
///     selections: vec![Sel::from(vec![true, false, true]), Sel::from(vec![1u64])],
///     skip_attrs: vec!["CellID"],
///     ..Default::default()
/// };
/// let picked = dir.path().join("picked.loom");
/// combine(&[&path, &copy], &picked, &opts)?;
/// let f = LoomFile::open(&picked)?;
/// assert_eq!(f.shape(), (4, 3));
/// assert_eq!(f.read_row::<f32>("", 1, &Sel::All)?.to_vec(), [3.0, 5.0, 4.0]);
/// assert!(!f.has_attr(Axis::Cols, "CellID"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct CombineOptions<'a> {
    /// How each file is added to the first: the row key, fill values of missing column
    /// attributes, batch size, attribute conversion and graphs ([`AddLoomOptions`], what
    /// [`LoomFile::add_loom`] takes: combining is adding every file to an empty one).
    pub add: AddLoomOptions<'a>,
    /// Global attributes of the output (override those copied from the first file).
    pub file_attrs: Vec<(&'a str, Values)>,
    /// The columns to take from each file (loompy's `combine_faster` `selections`): empty
    /// for all columns of every file, or one [`Sel`] per file ([`Sel::All`] for all of
    /// that file's columns; a mask, a range or indices in any order otherwise). Column
    /// attributes and graphs follow the selection.
    pub selections: Vec<Sel>,
    /// Column attributes of the inputs left out of the output (loompy's `combine_faster`
    /// `skip_attrs`).
    pub skip_attrs: Vec<&'a str>,
}

impl<'a> CombineOptions<'a> {
    /// The defaults: all columns of every file, rows in the same order, 512-column batches.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{AddLoomOptions, CombineOptions, FillValues, Sel};
    /// let opts = CombineOptions::new()
    ///     .add_options(AddLoomOptions::new().key("Accession").batch_size(1024).fill_values(FillValues::Drop))
    ///     .select(Sel::All)
    ///     .select(Sel::from(vec![true, false]))
    ///     .skip_attr("Barcode");
    /// assert_eq!(opts.add.key, Some("Accession"));
    /// assert_eq!((opts.add.batch_size, opts.selections.len()), (1024, 2));
    /// assert_eq!(opts.skip_attrs, ["Barcode"]);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// How each file is added: row key, fill values, batch size, attribute conversion,
    /// graphs.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{AddLoomOptions, CombineOptions};
    /// let opts = CombineOptions::new().add_options(AddLoomOptions::new().key("Gene").include_graphs(true));
    /// assert_eq!((opts.add.key, opts.add.include_graphs), (Some("Gene"), true));
    /// ```
    pub fn add_options(mut self, add: AddLoomOptions<'a>) -> Self {
        self.add = add;
        self
    }

    /// Add one global attribute of the output.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{CombineOptions, Values};
    /// let opts = CombineOptions::new().file_attr("title", Values::from("pooled"));
    /// assert_eq!(opts.file_attrs[0].0, "title");
    /// ```
    pub fn file_attr(mut self, name: &'a str, value: Values) -> Self {
        self.file_attrs.push((name, value));
        self
    }

    /// The columns of the next file (call once per file, in file order).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{CombineOptions, Sel};
    /// let opts = CombineOptions::new().select(Sel::from(0..10)).select(Sel::All);
    /// assert_eq!(opts.selections, [Sel::Range(0, 10), Sel::All]);
    /// ```
    pub fn select(mut self, columns: Sel) -> Self {
        self.selections.push(columns);
        self
    }

    /// Leave this column attribute of the inputs out of the output.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = loomfile::CombineOptions::new().skip_attr("_X").skip_attr("_Y");
    /// assert_eq!(opts.skip_attrs, ["_X", "_Y"]);
    /// ```
    pub fn skip_attr(mut self, name: &'a str) -> Self {
        self.skip_attrs.push(name);
        self
    }
}

/// What [`combine`] wrote.
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
/// use loomfile::{CombineOptions, NumType, combine};
/// let other = dir.path().join("other.loom");
/// std::fs::copy(&path, &other)?;
/// LoomFile::open_rw(&other)?.set_layer_empty("spliced", NumType::UInt16)?;
/// let out = dir.path().join("out.loom");
/// let report = combine(&[&path, &other], &out, &CombineOptions::default())?;
/// assert_eq!(report.layers, [""]);
/// assert_eq!(report.layers_dropped, ["spliced"]); // not in every input
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CombineReport {
    /// Shape of the output.
    pub shape: (u64, u64),
    /// Layers written (`""` first).
    pub layers: Vec<String>,
    /// Layers present in some inputs only, hence not written.
    pub layers_dropped: Vec<String>,
    /// Chunks of the first file copied without decoding.
    pub chunks_copied: u64,
    /// Global attributes turned into column attributes (`convert_attrs`).
    pub converted_globals: Vec<String>,
}

/// Combine loom files column-wise into a new file at `out` (loompy's `combine`). The inputs
/// are opened read-only; `out` appears only when everything is written.
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
/// use loomfile::{CombineOptions, combine};
/// let out = dir.path().join("twice.loom");
/// let report = combine(&[&path, &path], &out, &CombineOptions::default())?;
/// assert_eq!(report.shape, (4, 6));
/// assert!(combine(&[&path], &path, &CombineOptions::default()).is_err()); // input = output
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "fs")]
pub fn combine<P: AsRef<std::path::Path>>(
    files: &[P],
    out: impl AsRef<std::path::Path>,
    opts: &CombineOptions<'_>,
) -> Result<CombineReport> {
    if files.is_empty() {
        return Err(Error::invalid("combine needs at least one input file"));
    }
    let out = out.as_ref();
    let inputs = super::open_inputs(files, out)?;
    let refs: Vec<&LoomFile> = inputs.iter().collect();
    combine_opened(&refs, out, opts)
}

/// [`combine`] of files the caller has opened (it checks that none of them is `out`): a new
/// file at `out`, appearing only when everything is written.
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
/// use loomfile::{CombineOptions, combine_opened};
/// let a = LoomFile::open(&path)?;
/// let out = dir.path().join("twice.loom");
/// let report = combine_opened(&[&a, &a], &out, &CombineOptions::default())?;
/// assert_eq!(report.shape, (4, 6));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "fs")]
pub fn combine_opened(
    inputs: &[&LoomFile],
    out: impl AsRef<std::path::Path>,
    opts: &CombineOptions<'_>,
) -> Result<CombineReport> {
    let mut f = LoomFile::new_all_or_nothing(out, &opts.file_attrs)?;
    let report = combine_into(&mut f, inputs, opts)?;
    f.close()?;
    Ok(report)
}

/// [`combine`] into an empty file from [`LoomFile::new`] or [`LoomFile::new_in`] (committed,
/// not closed).
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
/// use loomfile::{CombineOptions, MemStorage, combine_into};
/// use std::sync::Arc;
/// let a = LoomFile::open(&path)?;
/// let mut out = LoomFile::new_in(Arc::new(MemStorage::default()), &[])?;
/// combine_into(&mut out, &[&a, &a, &a], &CombineOptions::default())?;
/// assert_eq!(out.shape(), (4, 9));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn combine_into(
    out: &mut LoomFile,
    inputs: &[&LoomFile],
    opts: &CombineOptions<'_>,
) -> Result<CombineReport> {
    if out.shape() != (0, 0) || out.exists("/matrix") {
        return Err(Error::invalid("combine writes into an empty file only"));
    }
    let r = out.append_looms(
        inputs,
        &Append {
            key: opts.add.key,
            fill_values: &opts.add.fill_values,
            batch_size: opts.add.batch_size,
            convert_attrs: opts.add.convert_attrs,
            include_graphs: opts.add.include_graphs,
            selections: &opts.selections,
            skip_attrs: &opts.skip_attrs,
        },
    )?;
    Ok(CombineReport {
        shape: out.shape(),
        layers: r.layers,
        layers_dropped: r.layers_dropped,
        chunks_copied: r.chunks_copied,
        converted_globals: r.converted_globals,
    })
}
