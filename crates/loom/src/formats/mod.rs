//! Format conversions to and from loom, as library code: 10x Genomics HDF5 (v2 and v3+),
//! 10x MEX folders, Matrix Market (with attribute TSVs), dense TSV/CSV and AnnData h5ad.
//!
//! Every conversion streams, one chunk band of rows or columns at a time: stored compressed
//! matrices (10x HDF5, h5ad csr/csc) are read band by band as hyperslabs of their arrays,
//! coordinate files (Matrix Market, MEX) are sorted into row order by an external merge sort
//! in a fixed buffer (`sort_memory`), dense data is copied band by band, and no matrix is
//! ever densified or held whole. Every output appears atomically: loom and
//! h5ad files through the HDF5 writer (temporary file, then rename), text files through a
//! temporary file in the same folder renamed into place.
//!
//! | from \ to | loom |
//! |---|---|
//! | `10x-h5` | [`tenx_h5::to_loom`] |
//! | `10x-mex` | [`mex::to_loom`] |
//! | `mtx` | [`mtx::to_loom`] |
//! | `tsv`, `csv` | [`tsv::to_loom`] |
//! | `h5ad` | [`h5ad::to_loom`] |
//!
//! and from loom: [`mtx::from_loom`], [`tsv::from_loom`], [`h5ad::from_loom`]. [`convert`]
//! dispatches on a pair of [`Format`]s.
//!
//! ## Names of rows and columns
//!
//! Rows are genes (features), columns are cells (barcodes), named with loompy's
//! conventions: `Gene` (symbol), `Accession` (id), `CellID`.
//! - 10x HDF5: `Accession` = id, `Gene` = name, `FeatureType`, `Genome`; `CellID` = the
//!   barcode as stored.
//! - 10x MEX (loompy's `create_from_cellranger` rule): `CellID` = `"<sample>:<barcode>"`,
//!   the bare barcode in `Barcode`.
//! - Matrix Market: whatever the `--row-attrs` / `--col-attrs` tables name.
//! - Dense text: first column -> `Gene`, header line -> `CellID`.
//! - h5ad: the `obs` index -> `CellID` unless `obs` has a `CellID` column (then the index
//!   -> `obs_names`); the `var` index -> `Gene` unless `var` has a `Gene` column (then
//!   -> `var_names`); a named index keeps its name in the HDF5 attribute `anndata-index`.
//!   Back to h5ad, the index is `obs_names`/`var_names` when present, else
//!   `CellID`/`Gene`. Details in [`h5ad`].

pub mod h5ad;
pub mod mex;
pub mod mtx;
pub(crate) mod stored_sparse;
pub mod tenx_h5;
pub mod tsv;
pub(crate) mod util;

use crate::error::{Error, Result};
use crate::layers::LayerOptions;
use crate::values::NumType;
use std::path::{Path, PathBuf};

/// A file format `convert` reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A loom file.
    Loom,
    /// A Cell Ranger matrix folder (`matrix.mtx[.gz]`, `features.tsv.gz` or `genes.tsv`,
    /// `barcodes.tsv[.gz]`).
    TenxMex,
    /// A Cell Ranger HDF5 matrix (`filtered_feature_bc_matrix.h5`), v2 or v3+.
    TenxH5,
    /// Matrix Market coordinate (`.mtx`, `.mtx.gz`), genes x cells.
    Mtx,
    /// Dense tab-separated text.
    Tsv,
    /// Dense comma-separated text.
    Csv,
    /// AnnData (`.h5ad`).
    H5ad,
}

impl Format {
    /// Every format, in the order of the contract.
    pub const ALL: [Format; 7] = [
        Format::Loom,
        Format::TenxMex,
        Format::TenxH5,
        Format::Mtx,
        Format::Tsv,
        Format::Csv,
        Format::H5ad,
    ];

    /// The contract's name (`loom`, `10x-mex`, `10x-h5`, `mtx`, `tsv`, `csv`, `h5ad`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Loom => "loom",
            Format::TenxMex => "10x-mex",
            Format::TenxH5 => "10x-h5",
            Format::Mtx => "mtx",
            Format::Tsv => "tsv",
            Format::Csv => "csv",
            Format::H5ad => "h5ad",
        }
    }

    /// Parse a format name (the contract's names; `mex` and `h5` are accepted too).
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s.to_ascii_lowercase().as_str() {
            "loom" => Format::Loom,
            "10x-mex" | "mex" | "10x" => Format::TenxMex,
            "10x-h5" | "h5" => Format::TenxH5,
            "mtx" | "matrix-market" => Format::Mtx,
            "tsv" | "tab" => Format::Tsv,
            "csv" => Format::Csv,
            "h5ad" | "anndata" => Format::H5ad,
            _ => return None,
        })
    }

    /// Guess from a path: an existing directory is a 10x MEX folder; otherwise the
    /// extension (`.loom`, `.h5ad`, `.h5`/`.hdf5` (10x), `.mtx[.gz]`, `.tsv[.gz]`/`.txt[.gz]`,
    /// `.csv[.gz]`).
    pub fn guess(path: &Path) -> Option<Format> {
        if path.is_dir() {
            return Some(Format::TenxMex);
        }
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "loom" => Format::Loom,
            "h5ad" => Format::H5ad,
            "h5" | "hdf5" => Format::TenxH5,
            "mtx" => Format::Mtx,
            "tsv" | "txt" | "tab" => Format::Tsv,
            "csv" => Format::Csv,
            _ => return None,
        })
    }

    /// The format of an existing HDF5 file from its content: loom (a `/matrix` dataset),
    /// h5ad, or a 10x HDF5 matrix ([`crate::sniff`]); `None` for anything else (not HDF5,
    /// MuData, a folder). Content wins over the extension: scanpy's `.h5` may be an h5ad.
    pub fn detect(path: &Path) -> Option<Format> {
        if path.is_dir() {
            return None;
        }
        let f = loomfile_hdf5::File::open(path).ok()?;
        if matches!(f.object("/matrix"), Ok(loomfile_hdf5::Object::Dataset(_))) {
            return Some(Format::Loom);
        }
        match crate::sniff::identify(&f)? {
            crate::sniff::Foreign::H5ad => Some(Format::H5ad),
            crate::sniff::Foreign::TenxH5 { .. } => Some(Format::TenxH5),
            crate::sniff::Foreign::MuData => None,
        }
    }

    /// True when [`convert`] handles `from` -> `to`.
    pub fn supported(from: Format, to: Format) -> bool {
        matches!(
            (from, to),
            (
                Format::TenxH5
                    | Format::TenxMex
                    | Format::Mtx
                    | Format::Tsv
                    | Format::Csv
                    | Format::H5ad,
                Format::Loom
            ) | (Format::Loom, Format::Mtx | Format::Tsv | Format::Csv | Format::H5ad)
        )
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Progress reports from a running conversion (the CLI draws a bar; libraries may ignore).
pub trait Progress {
    /// A new phase: `what` is a short label, `total` the units to expect when known.
    fn begin(&self, what: &str, total: Option<u64>);
    /// `n` more units done.
    fn advance(&self, n: u64);
    /// The phase is over.
    fn end(&self);
}

/// Options of a conversion. `Default` gives loompy's storage (chunks 64x64, gzip 2) and
/// keeps every feature.
#[derive(Default)]
pub struct ConvertOptions {
    /// 10x: the genome to read (v2: the group; v3+: features whose `genome` matches).
    pub genome: Option<String>,
    /// 10x: keep only `Gene Expression` features.
    pub gex_only: bool,
    /// Chunk shape of written loom layers (default 64x64).
    pub chunks: Option<(u64, u64)>,
    /// Deflate level of written matrices: loom default 2, h5ad default none; 0 = none.
    pub gzip: Option<u32>,
    /// Element type of written matrices (default: the input's, see each module). Values are
    /// converted as HDF5 does: floats to integers truncate toward zero, out-of-range
    /// integers saturate.
    pub dtype: Option<NumType>,
    /// From loom: the layer to export (`""`, the main matrix, by default; for h5ad it
    /// becomes X). From h5ad: the layer that becomes the loom main matrix (X, when present,
    /// then becomes the layer `X`); required when the file has no X.
    pub layer: Option<String>,
    /// Matrix Market: row attributes TSV (read for mtx -> loom, written for loom -> mtx).
    pub row_attrs: Option<PathBuf>,
    /// Matrix Market: column attributes TSV (read or written, like `row_attrs`).
    pub col_attrs: Option<PathBuf>,
    /// Matrix Market and 10x MEX: bytes of the buffer that sorts coordinate entries (default
    /// 64 MiB); larger inputs are sorted in runs spilled next to the output.
    pub sort_memory: Option<usize>,
    /// Progress sink.
    pub progress: Option<Box<dyn Progress>>,
}

impl std::fmt::Debug for ConvertOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvertOptions")
            .field("genome", &self.genome)
            .field("gex_only", &self.gex_only)
            .field("chunks", &self.chunks)
            .field("gzip", &self.gzip)
            .field("dtype", &self.dtype)
            .field("sort_memory", &self.sort_memory)
            .field("layer", &self.layer)
            .field("row_attrs", &self.row_attrs)
            .field("col_attrs", &self.col_attrs)
            .finish()
    }
}

impl ConvertOptions {
    /// Storage of written loom layers.
    pub fn layer_options(&self) -> LayerOptions {
        let d = LayerOptions::default();
        LayerOptions {
            chunks: self.chunks.unwrap_or(d.chunks),
            gzip: match self.gzip {
                None => d.gzip,
                Some(0) => None,
                Some(l) => Some(l),
            },
        }
    }

    /// Check the options before any file is touched.
    pub fn check(&self) -> Result<()> {
        self.layer_options().check()?;
        if self.dtype == Some(NumType::Float16) {
            return Err(Error::invalid("--dtype float16 is not supported for converted matrices"));
        }
        Ok(())
    }

    pub(crate) fn begin(&self, what: &str, total: Option<u64>) {
        if let Some(p) = &self.progress {
            p.begin(what, total);
        }
    }

    pub(crate) fn advance(&self, n: u64) {
        if let Some(p) = &self.progress {
            p.advance(n);
        }
    }

    pub(crate) fn end(&self) {
        if let Some(p) = &self.progress {
            p.end();
        }
    }
}

/// What a conversion did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Shape of the converted matrix as (genes, cells).
    pub shape: (u64, u64),
    /// Non-zero entries of the main matrix, when counted.
    pub nnz: Option<u64>,
    /// Element type written.
    pub dtype: Option<String>,
    /// Things left out or changed on the way (one line each).
    pub warnings: Vec<String>,
}

/// Convert `input` (format `from`) to `output` (format `to`). One side must be loom.
pub fn convert(
    input: &Path,
    from: Format,
    output: &Path,
    to: Format,
    opts: &ConvertOptions,
) -> Result<Report> {
    opts.check()?;
    match (from, to) {
        (Format::TenxH5, Format::Loom) => tenx_h5::to_loom(input, output, opts),
        (Format::TenxMex, Format::Loom) => mex::to_loom(input, output, opts),
        (Format::Mtx, Format::Loom) => mtx::to_loom(input, output, opts),
        (Format::Tsv, Format::Loom) => tsv::to_loom(input, output, b'\t', opts),
        (Format::Csv, Format::Loom) => tsv::to_loom(input, output, b',', opts),
        (Format::H5ad, Format::Loom) => h5ad::to_loom(input, output, opts),
        (Format::Loom, Format::Mtx) => mtx::from_loom(input, output, opts),
        (Format::Loom, Format::Tsv) => tsv::from_loom(input, output, b'\t', opts),
        (Format::Loom, Format::Csv) => tsv::from_loom(input, output, b',', opts),
        (Format::Loom, Format::H5ad) => h5ad::from_loom(input, output, opts),
        _ => Err(Error::invalid(format!(
            "converting {from} to {to} is not supported (one side must be loom)"
        ))),
    }
}
