//! `loom convert IN OUT`: 10x HDF5 and MEX, Matrix Market, dense TSV/CSV and h5ad to loom,
//! and loom to Matrix Market, TSV/CSV and h5ad (the `loomfile-formats` crate).
//!
//! Formats come from `--from`/`--to` or the paths (`.loom`, `.h5ad`, `.h5` (10x), `.mtx`
//! and `.mtx.gz`, `.tsv`/`.txt`/`.csv` (optionally `.gz`), a directory = 10x MEX).
//! Usage problems (unknown or unguessable format, unsupported pair, bad option values,
//! options that do not apply) exit 2; a bad or wrong-kind input, or a failed write, exits 1
//! with one error line. Warnings (things left out) go to stderr; so does a one-line summary
//! and, on a terminal, a progress bar (both silenced by `--quiet`).

use crate::{CliError, CliResult};
use loomfile::NumType;
use loomfile_formats::{self as formats, ConvertOptions, Format, Progress};
use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The arguments of `loom convert`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConvertArgs {
    /// Input file or folder (a directory is a 10x MEX folder).
    pub input: PathBuf,
    /// Output file (written atomically: temporary file, then rename).
    pub output: PathBuf,
    /// Input format: loom, 10x-mex, 10x-h5, mtx, tsv, csv, h5ad (default: from the path).
    #[arg(long)]
    pub from: Option<String>,
    /// Output format: loom, mtx, tsv, csv, h5ad (default: from the path).
    #[arg(long)]
    pub to: Option<String>,
    /// 10x: the genome to read (needed for v2 files with several genomes).
    #[arg(long)]
    pub genome: Option<String>,
    /// 10x: keep only 'Gene Expression' features.
    #[arg(long)]
    pub gex_only: bool,
    /// Loom output: chunk shape ROWS,COLS (default 64,64).
    #[arg(long, value_name = "R,C")]
    pub chunks: Option<String>,
    /// Deflate level 1-9 of written matrices, 0 for none (loom default 2, h5ad default none).
    #[arg(long, value_name = "LEVEL")]
    pub gzip: Option<u32>,
    /// Element type of written matrices (int8 ... uint64, float32, float64).
    #[arg(long, value_name = "T")]
    pub dtype: Option<String>,
    /// Loom input: the layer to export (default: the main matrix; for h5ad it becomes X).
    /// h5ad input: the layer that becomes the main matrix (X, if any, becomes layer "X");
    /// needed when the file has no X.
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,
    /// Matrix Market: row attributes table (read for mtx -> loom, written for loom -> mtx).
    #[arg(long, value_name = "TSV")]
    pub row_attrs: Option<PathBuf>,
    /// Matrix Market: column attributes table (read or written, like --row-attrs).
    #[arg(long, value_name = "TSV")]
    pub col_attrs: Option<PathBuf>,
    /// Encoding and decoding threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The library's progress hooks shown on stderr (only installed when stderr is a terminal and
/// not `--quiet`).
struct Bar {
    bar: RefCell<Option<crate::progress::Progress>>,
}

impl Progress for Bar {
    fn begin(&self, what: &str, total: Option<u64>) {
        // The previous phase's indicator clears itself when replaced.
        self.bar.replace(Some(crate::progress::Progress::new(what, total, false)));
    }
    fn advance(&self, n: u64) {
        if let Some(b) = self.bar.borrow().as_ref() {
            b.inc(n);
        }
    }
    fn end(&self) {
        self.bar.take();
    }
}

fn format_of(flag: &Option<String>, path: &Path, side: &str) -> Result<Format, CliError> {
    match flag {
        Some(s) => Format::parse(s).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            CliError::usage(format!("--{side} {s:?}: unknown format (one of {})", names.join(", ")))
        }),
        None => Format::guess(path).ok_or_else(|| {
            CliError::usage(format!(
                "{}: cannot tell the format from the name; give --{side}",
                path.display()
            ))
        }),
    }
}

fn parse_chunks(s: &str) -> Result<(u64, u64), CliError> {
    let bad = || CliError::usage(format!("--chunks {s:?}: expected ROWS,COLS (e.g. 64,64)"));
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || b == 0 {
        return Err(bad());
    }
    Ok((a, b))
}

/// Build the library options from the flags, checking what applies to which formats.
fn options(a: &ConvertArgs, from: Format, to: Format) -> Result<ConvertOptions, CliError> {
    let tenx = matches!(from, Format::TenxH5 | Format::TenxMex);
    if (a.genome.is_some() || a.gex_only) && !tenx {
        return Err(CliError::usage("--genome and --gex-only apply to 10x inputs"));
    }
    if (a.chunks.is_some()) && to != Format::Loom {
        return Err(CliError::usage("--chunks applies to loom outputs"));
    }
    if a.layer.is_some() && !matches!(from, Format::Loom | Format::H5ad) {
        return Err(CliError::usage("--layer applies to loom and h5ad inputs"));
    }
    if (a.row_attrs.is_some() || a.col_attrs.is_some()) && from != Format::Mtx && to != Format::Mtx
    {
        return Err(CliError::usage("--row-attrs and --col-attrs apply to Matrix Market"));
    }
    if let Some(l) = a.gzip
        && l > 9
    {
        return Err(CliError::usage(format!("--gzip {l}: the level is 0-9")));
    }
    let dtype = match &a.dtype {
        None => None,
        Some(s) => match NumType::parse(s) {
            Some(NumType::Float16) | None => {
                return Err(CliError::usage(format!(
                    "--dtype {s:?}: one of int8, int16, int32, int64, uint8, uint16, uint32, \
                     uint64, float32, float64"
                )));
            }
            t => t,
        },
    };
    Ok(ConvertOptions {
        genome: a.genome.clone(),
        gex_only: a.gex_only,
        chunks: a.chunks.as_deref().map(parse_chunks).transpose()?,
        gzip: a.gzip,
        dtype,
        layer: a.layer.clone(),
        row_attrs: a.row_attrs.clone(),
        col_attrs: a.col_attrs.clone(),
        sort_memory: None,
        progress: None,
    })
}

/// `loom convert IN OUT [--from F] [--to F] [options]`.
pub fn convert(a: &ConvertArgs, quiet: bool) -> CliResult {
    // The input's content decides over its name (an h5ad saved as `.h5`, a 10x `.h5` ...).
    let from = match (&a.from, Format::detect(&a.input)) {
        (None, Some(f)) => f,
        _ => format_of(&a.from, &a.input, "from")?,
    };
    let to = format_of(&a.to, &a.output, "to")?;
    if !Format::supported(from, to) {
        return Err(CliError::usage(format!(
            "converting {from} to {to} is not supported: convert goes from \
             10x-h5/10x-mex/mtx/tsv/csv/h5ad to loom, or from loom to mtx/tsv/csv/h5ad"
        )));
    }
    let mut opts = options(a, from, to)?;
    if a.input == a.output || super::same_file(&a.input, &a.output) {
        return Err(CliError::usage("the input and the output are the same file"));
    }
    if !a.input.exists() {
        return Err(CliError::fail(format!("{}: no such file or folder", a.input.display())));
    }
    if from != Format::TenxMex && a.input.is_dir() {
        return Err(CliError::fail(format!("{}: a folder, not a {from} file", a.input.display())));
    }
    if a.output.is_dir() {
        return Err(CliError::fail(format!("{}: is a folder", a.output.display())));
    }
    if !quiet && std::io::stderr().is_terminal() {
        opts.progress = Some(Box::new(Bar { bar: RefCell::new(None) }));
    }
    let report = formats::convert(&a.input, from, &a.output, to, &opts)
        .map_err(|e| CliError::fail(e.to_string()))?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if !quiet {
        let (r, c) = report.shape;
        let nnz = report.nnz.map(|n| format!(", {n} non-zeros")).unwrap_or_default();
        eprintln!(
            "{} -> {}: {r} rows x {c} columns, {}{nnz}",
            a.input.display(),
            a.output.display(),
            report.dtype.as_deref().unwrap_or("?"),
        );
    }
    Ok(())
}
