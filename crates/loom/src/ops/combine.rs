//! loompy's `combine`: a new spec-3 file holding the columns of several loom files in order,
//! written to a temporary file and renamed into place (atomically).
//!
//! - rows follow the first file; the others are aligned to it by `key` (unique values, the
//!   same set in every file) or must already be in the same order;
//! - layers are those present in every input, each with the numpy-promoted type of its
//!   inputs (loompy copies the first file, so later files must fit its types);
//! - column attributes are concatenated, attributes missing from a file filled (never
//!   dropped, unless [`FillValues::Drop`] asks for it);
//! - row attributes, row graphs and global attributes come from the first file (the output
//!   gets a new `CreationDate`); column graphs of the first file are kept, or joined
//!   block-diagonally across files with `include_graphs`;
//! - memory: one batch of columns (all rows x `batch_size`) of one layer at a time, plus
//!   the column attributes. The first file's chunks are copied byte for byte when the
//!   layouts agree (loompy-written files do).

use super::FillValues;
use super::add_loom::Append;
use crate::error::{Error, Result};
use crate::file::LoomFile;
use crate::values::Values;

/// Options of [`combine`].
#[derive(Clone, Debug)]
pub struct CombineOptions<'a> {
    /// Row attribute aligning the rows of every file with the first one.
    pub key: Option<&'a str>,
    /// Global attributes of the output (override those copied from the first file).
    pub file_attrs: Vec<(&'a str, Values)>,
    /// Columns per batch (rounded up to whole chunks).
    pub batch_size: usize,
    /// Global attributes that differ between the files become column attributes.
    pub convert_attrs: bool,
    /// Column attributes missing from some files (default: filled).
    pub fill_values: FillValues,
    /// Join column graphs present in every file block-diagonally (otherwise the first
    /// file's column graphs are kept as they are).
    pub include_graphs: bool,
}

impl Default for CombineOptions<'_> {
    fn default() -> Self {
        CombineOptions {
            key: None,
            file_attrs: Vec::new(),
            batch_size: 512,
            convert_attrs: false,
            fill_values: FillValues::Auto,
            include_graphs: false,
        }
    }
}

/// What [`combine`] wrote.
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
    let inputs: Vec<LoomFile> = files
        .iter()
        .map(|p| {
            if same_file(p.as_ref(), out) {
                return Err(Error::invalid(format!(
                    "{} is both an input and the output",
                    out.display()
                )));
            }
            LoomFile::open(p)
        })
        .collect::<Result<_>>()?;
    let refs: Vec<&LoomFile> = inputs.iter().collect();
    combine_opened(&refs, out, opts)
}

/// [`combine`] of files the caller has opened (it checks that none of them is `out`): a new
/// file at `out`, appearing only when everything is written.
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

#[cfg(feature = "fs")]
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// [`combine`] into an empty file from [`LoomFile::new`] or [`LoomFile::new_in`] (committed,
/// not closed).
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
            key: opts.key,
            fill_values: &opts.fill_values,
            batch_size: opts.batch_size,
            convert_attrs: opts.convert_attrs,
            include_graphs: opts.include_graphs,
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
