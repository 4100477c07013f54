//! # loomfile-formats
//!
//! Format conversions to and from loom, as library code: 10x Genomics HDF5 (v2 and v3+),
//! 10x MEX folders, Matrix Market (with attribute TSVs), dense TSV/CSV and AnnData h5ad, and
//! loompy's `create_from_*` importers. It sits between the `loom` command (and the Python
//! package) and [`loomfile`]: cli -> formats -> loomfile -> loomfile-scan -> loomfile-hdf5.
//! Loom files are written through [`loomfile::Batch`] (several writes, one commit; layers
//! band by band); h5ad and 10x HDF5 files are read and written with `loomfile-hdf5`.
//!
//! Modules: [`tenx_h5`], [`mex`] (10x MEX folders, loompy's `create_from_cellranger`),
//! [`mtx`] (Matrix Market), [`tsv`] (dense text), [`h5ad`], [`create_from`] (loompy's
//! `create_from_tsv` and `create_from_matrix_market`); inside, `matrix_market` parses
//! coordinate files and `coo_sort` sorts their entries in bounded memory.
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
//! dispatches on a pair of [`Format`]s. loompy's importers with their options are
//! [`create_from_tsv`] (a reference loom file for the genes, cell metadata, a sample prefix)
//! and [`create_from_matrix_market`] (several layers, metadata lists, transposed input);
//! 10x folders are [`import_mex`] (loompy's `create_from_cellranger`).
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
//!
//! # Examples
//!
//! ```
//! use loomfile_formats::{ConvertOptions, Format, convert};
//! use loomfile::{Axis, LoomFile};
//! let dir = tempfile::tempdir()?;
//! let (tsv, loom, mtx) =
//!     (dir.path().join("m.tsv"), dir.path().join("m.loom"), dir.path().join("m.mtx"));
//! std::fs::write(&tsv, "gene\tc1\tc2\nActb\t0\t3\nSox2\t1\t0\n")?;
//! let opts = ConvertOptions::default();
//! convert(&tsv, Format::Tsv, &loom, Format::Loom, &opts)?;
//! assert_eq!(
//!     LoomFile::open(&loom)?.attr(Axis::Cols, "CellID")?.as_strings().unwrap(),
//!     ["c1", "c2"]
//! );
//! let report = convert(&loom, Format::Loom, &mtx, Format::Mtx, &opts)?;
//! assert_eq!(report.nnz, Some(2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod coo_sort;
pub mod create_from;
pub mod h5ad;
pub(crate) mod matrix_market;
pub mod mex;
pub mod mtx;
pub(crate) mod stored_sparse;
pub mod tenx_h5;
pub mod tsv;
pub(crate) mod util;

pub use create_from::{MtxImport, TsvImport, create_from_matrix_market, create_from_tsv};
pub use mex::{MexOptions, MexReport, MexVersion, import_mex, import_mex_from};

use loomfile::error::{Error, Result};
use loomfile::layers::LayerOptions;
use loomfile::values::NumType;
use std::path::{Path, PathBuf};

/// A file format `convert` reads or writes.
///
/// # Examples
///
/// ```
/// use loomfile_formats::Format;
/// use std::path::Path;
/// let from = Format::guess(Path::new("sample.mtx.gz")).unwrap();
/// assert_eq!((from, from.name()), (Format::Mtx, "mtx"));
/// assert_eq!(Format::parse("anndata"), Some(Format::H5ad));
/// assert!(Format::supported(from, Format::Loom));
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::Format;
    /// let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    /// assert_eq!(names, ["loom", "10x-mex", "10x-h5", "mtx", "tsv", "csv", "h5ad"]);
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::Format;
    /// assert_eq!(Format::TenxH5.name(), "10x-h5");
    /// assert_eq!(Format::TenxH5.to_string(), "10x-h5"); // Display says the same
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::Format;
    /// assert_eq!(Format::parse("10x-mex"), Some(Format::TenxMex));
    /// assert_eq!(Format::parse("MEX"), Some(Format::TenxMex)); // any case, short names too
    /// assert_eq!(Format::parse("xlsx"), None);
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::Format;
    /// use std::path::Path;
    /// assert_eq!(Format::guess(Path::new("pbmc.h5ad")), Some(Format::H5ad));
    /// assert_eq!(Format::guess(Path::new("counts.csv.gz")), Some(Format::Csv));
    /// assert_eq!(
    ///     Format::guess(Path::new("filtered_feature_bc_matrix.h5")),
    ///     Some(Format::TenxH5)
    /// );
    /// assert_eq!(Format::guess(Path::new("notes")), None);
    /// ```
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
    /// h5ad, or a 10x HDF5 matrix ([`loomfile::sniff`]); `None` for anything else (not HDF5,
    /// MuData, a folder). Content wins over the extension: scanpy's `.h5` may be an h5ad.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::Format;
    /// use loomfile::{Contents, LayerData, LoomFile, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// // A loom file under a misleading name is still found to be loom.
    /// let path = dir.path().join("really_loom.h5");
    /// let zeros = Array2::<f32>::zeros((2, 2));
    /// LoomFile::create(&path, LayerData::Dense(zeros.view()), &Contents::default())?;
    /// assert_eq!(Format::guess(&path), Some(Format::TenxH5)); // by the name
    /// assert_eq!(Format::detect(&path), Some(Format::Loom)); // by the content
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn detect(path: &Path) -> Option<Format> {
        if path.is_dir() {
            return None;
        }
        let f = loomfile_hdf5::File::open(path).ok()?;
        if matches!(f.object("/matrix"), Ok(loomfile_hdf5::Object::Dataset(_))) {
            return Some(Format::Loom);
        }
        match loomfile::sniff::identify(&f)? {
            loomfile::sniff::Foreign::H5ad => Some(Format::H5ad),
            loomfile::sniff::Foreign::TenxH5 { .. } => Some(Format::TenxH5),
            loomfile::sniff::Foreign::MuData => None,
        }
    }

    /// True when [`convert`] handles `from` -> `to`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::Format;
    /// assert!(Format::supported(Format::H5ad, Format::Loom));
    /// assert!(Format::supported(Format::Loom, Format::Csv));
    /// assert!(!Format::supported(Format::Loom, Format::TenxH5)); // 10x formats are read only
    /// assert!(!Format::supported(Format::Mtx, Format::Tsv)); // one side must be loom
    /// ```
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
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, Format, Progress, convert};
/// use std::{cell::Cell, rc::Rc};
/// // Count the units a conversion reports.
/// struct Count(Rc<Cell<u64>>);
/// impl Progress for Count {
///     fn begin(&self, _what: &str, _total: Option<u64>) {}
///     fn advance(&self, n: u64) {
///         self.0.set(self.0.get() + n);
///     }
///     fn end(&self) {}
/// }
/// # let dir = tempfile::tempdir()?;
/// # let (tsv, loom) = (dir.path().join("m.tsv"), dir.path().join("m.loom"));
/// # std::fs::write(&tsv, "gene\tc1\nActb\t1\nSox2\t2\n")?;
/// let done = Rc::new(Cell::new(0));
/// let opts = ConvertOptions {
///     progress: Some(Box::new(Count(done.clone()))),
///     ..Default::default()
/// };
/// convert(&tsv, Format::Tsv, &loom, Format::Loom, &opts)?;
/// assert!(done.get() > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Progress {
    /// A new phase: `what` is a short label, `total` the units to expect when known.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::{ConvertOptions, Format, Progress, convert};
    /// use std::{cell::RefCell, rc::Rc};
    /// struct Phases(Rc<RefCell<Vec<String>>>);
    /// impl Progress for Phases {
    ///     fn begin(&self, what: &str, _total: Option<u64>) {
    ///         self.0.borrow_mut().push(what.to_string());
    ///     }
    /// #     fn advance(&self, _n: u64) {}
    /// #     fn end(&self) {}
    /// }
    /// # let dir = tempfile::tempdir()?;
    /// # let (tsv, loom) = (dir.path().join("m.tsv"), dir.path().join("m.loom"));
    /// # std::fs::write(&tsv, "gene\tc1\nActb\t1\nSox2\t2\n")?;
    /// let phases = Rc::new(RefCell::new(Vec::new()));
    /// let opts = ConvertOptions {
    ///     progress: Some(Box::new(Phases(phases.clone()))),
    ///     ..Default::default()
    /// };
    /// convert(&tsv, Format::Tsv, &loom, Format::Loom, &opts)?;
    /// assert_eq!(*phases.borrow(), ["scanning text", "converting"]); // text is read twice
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn begin(&self, what: &str, total: Option<u64>);
    /// `n` more units done.
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
    /// use loomfile_formats::{ConvertOptions, Format, Progress, convert};
    /// use std::{cell::Cell, rc::Rc};
    /// // Units announced by `begin`, units reported by `advance`.
    /// struct Tally {
    ///     total: Rc<Cell<u64>>,
    ///     done: Rc<Cell<u64>>,
    /// }
    /// impl Progress for Tally {
    ///     fn begin(&self, _what: &str, total: Option<u64>) {
    ///         self.total.set(total.unwrap_or(0));
    ///     }
    ///     fn advance(&self, n: u64) {
    ///         self.done.set(self.done.get() + n);
    ///     }
    /// #     fn end(&self) {}
    /// }
    /// let (total, done) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    /// let tally = Tally { total: total.clone(), done: done.clone() };
    /// let opts = ConvertOptions { progress: Some(Box::new(tally)), ..Default::default() };
    /// convert(&path, Format::Loom, &dir.path().join("ds.tsv"), Format::Tsv, &opts)?;
    /// assert_eq!((total.get(), done.get()), (4, 4)); // the rows of the matrix, all written
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn advance(&self, n: u64);
    /// The phase is over.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::{ConvertOptions, Format, Progress, convert};
    /// use std::{cell::RefCell, rc::Rc};
    /// struct Log(Rc<RefCell<Vec<&'static str>>>);
    /// impl Progress for Log {
    ///     fn begin(&self, _what: &str, _total: Option<u64>) {
    ///         self.0.borrow_mut().push("begin");
    ///     }
    ///     fn advance(&self, _n: u64) {
    ///         let mut log = self.0.borrow_mut();
    ///         if log.last() != Some(&"advance") {
    ///             log.push("advance");
    ///         }
    ///     }
    ///     fn end(&self) {
    ///         self.0.borrow_mut().push("end"); // e.g. clear the bar
    ///     }
    /// }
    /// # let dir = tempfile::tempdir()?;
    /// # let (tsv, loom) = (dir.path().join("m.tsv"), dir.path().join("m.loom"));
    /// # std::fs::write(&tsv, "gene\tc1\nActb\t1\nSox2\t2\n")?;
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let opts =
    ///     ConvertOptions { progress: Some(Box::new(Log(log.clone()))), ..Default::default() };
    /// convert(&tsv, Format::Tsv, &loom, Format::Loom, &opts)?;
    /// // Units come only inside a phase, and every phase is closed.
    /// assert_eq!(*log.borrow(), ["begin", "advance", "end", "begin", "advance", "end"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn end(&self);
}

/// Options of a conversion. `Default` gives loompy's storage (chunks 64x64, gzip 2) and
/// keeps every feature.
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, Format, convert};
/// use loomfile::{LoomFile, NumType};
/// # let dir = tempfile::tempdir()?;
/// # let (csv, loom) = (dir.path().join("m.csv"), dir.path().join("m.loom"));
/// std::fs::write(&csv, "gene,c1,c2\nActb,0,3\nSox2,1,0\n")?;
/// let opts = ConvertOptions {
///     dtype: Some(NumType::UInt16),
///     gzip: Some(0),
///     ..Default::default()
/// };
/// convert(&csv, Format::Csv, &loom, Format::Loom, &opts)?;
/// let f = LoomFile::open(&loom)?;
/// assert_eq!(f.layer_dtype("")?, NumType::UInt16);
/// assert_eq!(f.layer_info("")?.compression, None); // gzip 0: uncompressed
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile_formats::ConvertOptions;
    /// let opts =
    ///     ConvertOptions { chunks: Some((256, 16)), gzip: Some(0), ..Default::default() };
    /// let layer = opts.layer_options();
    /// assert_eq!((layer.chunks, layer.gzip), ((256, 16), None));
    /// assert_eq!(ConvertOptions::default().layer_options().gzip, Some(2)); // loompy's
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// use loomfile_formats::ConvertOptions;
    /// assert!(ConvertOptions::default().check().is_ok());
    /// assert!(ConvertOptions { gzip: Some(12), ..Default::default() }.check().is_err());
    /// let half = ConvertOptions { dtype: Some(NumType::Float16), ..Default::default() };
    /// assert!(half.check().is_err());
    /// ```
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
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, Format, convert};
/// # let dir = tempfile::tempdir()?;
/// # let (tsv, loom) = (dir.path().join("m.tsv"), dir.path().join("m.loom"));
/// std::fs::write(&tsv, "gene\tc1\tc2\tc3\nActb\t0\t3\t1\nSox2\t1\t0\t0\n")?;
/// let report =
///     convert(&tsv, Format::Tsv, &loom, Format::Loom, &ConvertOptions::default())?;
/// assert_eq!(report.shape, (2, 3)); // genes x cells
/// assert_eq!(report.dtype.as_deref(), Some("int32")); // whole numbers
/// assert!(report.warnings.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, Format, convert};
/// use loomfile::{Contents, LayerData, LoomFile, Sel, ndarray::array};
/// # let dir = tempfile::tempdir()?;
/// let loom = dir.path().join("a.loom");
/// let (h5ad, back) = (dir.path().join("a.h5ad"), dir.path().join("b.loom"));
/// let m = array![[1.0f32, 0.0, 2.0], [0.0, 0.0, 3.0]];
/// LoomFile::create(&loom, LayerData::Dense(m.view()), &Contents::default())?;
/// let opts = ConvertOptions::default();
/// convert(&loom, Format::Loom, &h5ad, Format::H5ad, &opts)?; // to AnnData and back
/// convert(&h5ad, Format::H5ad, &back, Format::Loom, &opts)?;
/// assert_eq!(LoomFile::open(&back)?.read_layer::<f32>("", &Sel::All, &Sel::All)?, m);
/// // One side must be loom:
/// assert!(convert(&h5ad, Format::H5ad, &loom, Format::Tsv, &opts).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
