//! Import of 10x Genomics Matrix Market ("MEX") folders (loompy's `create_from_cellranger`),
//! streaming and sparse (loompy calls `mmread(...).todense()`): the entries are sorted into
//! row order by an external merge sort in a fixed buffer ([`MexOptions::sort_memory`],
//! runs spilled next to the output), then written one band of rows at a time. Memory is the
//! sort buffer plus one chunk band, whatever the number of non-zeros ([`import_mex_from`],
//! reading from streams rather than files, sorts in memory: 16 bytes an entry).
//!
//! Layouts found (in this order) from the folder given:
//! - `outs/filtered_gene_bc_matrices/<genome>/` (Cell Ranger 2: `matrix.mtx`, `genes.tsv`
//!   with 2 columns, `barcodes.tsv`);
//! - `outs/filtered_feature_bc_matrix/` (Cell Ranger 3+: `matrix.mtx.gz`, `features.tsv.gz`
//!   with 3 columns, `barcodes.tsv.gz`);
//! - the folder itself, or a folder of genome folders. Every file may be gzipped or not
//!   (detected from its bytes, not its name).
//!
//! What is written (spec 3, loompy's layout):
//! - `/matrix` = features x barcodes. Element type: `int32` for an `integer` matrix whose
//!   values fit (Cell Ranger's own type), `int64` when one does not, `float64` for `real`,
//!   `int32` ones for `pattern`; [`MexOptions::dtype`] overrides (values must fit exactly).
//!   Duplicate entries are summed, as scipy does. All-zero 64x64 chunks are not stored.
//! - row attributes `Accession` (feature id), `Gene` (feature name) and, when the features
//!   file has a third column, `FeatureType` (loompy drops it);
//! - column attributes `CellID` = `"<sample>:<barcode>"` (as loompy) and `Barcode`; with a
//!   Cell Ranger `outs/analysis` folder, `X`/`Y` (t-SNE, float32) and `ClusterID`
//!   (graph-based clusters, 0-based int64), matched by barcode (loompy assumes the order);
//! - globals `Genome` when known (the Cell Ranger 2 genome folder, or the option), `Cmdline`
//!   and `Versions` from the sample folder's `_cmdline`/`_versions` files, like loompy.
//!
//! The sample id defaults to the name of the folder that holds `outs` (loompy: the folder
//! given), or the folder's own name.
//!
//! # Examples
//!
//! ```
//! use loomfile::{Axis, LoomFile};
//! use loomfile_formats::{MexOptions, import_mex};
//! let dir = tempfile::tempdir()?;
//! let mex = dir.path().join("filtered_feature_bc_matrix");
//! std::fs::create_dir(&mex)?;
//! // 3 features x 2 barcodes, 1-based coordinates.
//! std::fs::write(
//!     mex.join("matrix.mtx"),
//!     "%%MatrixMarket matrix coordinate integer general\n3 2 3\n1 1 5\n3 1 1\n2 2 7\n",
//! )?;
//! std::fs::write(
//!     mex.join("features.tsv"),
//!     "G1\tActb\tGene Expression\nG2\tCd3e\tGene Expression\nG3\tSox2\tGene Expression\n",
//! )?;
//! std::fs::write(mex.join("barcodes.tsv"), "AAAC-1\nAAAG-1\n")?;
//! let out = dir.path().join("s1.loom");
//! import_mex(&mex, &out, &MexOptions { sample_id: Some("s1"), ..Default::default() })?;
//! let f = LoomFile::open(&out)?;
//! assert_eq!(
//!     f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(),
//!     ["s1:AAAC-1", "s1:AAAG-1"]
//! );
//! assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["Actb", "Cd3e", "Sox2"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::coo_sort::{
    CooSorter, DEFAULT_SORT_MEMORY, Entry, SortedEntries, merge_duplicates, spill_dir_for,
};
use crate::matrix_market::{Field, Summary, read_coordinates};
use crate::util::Ctx;
use crate::{ConvertOptions, Report};
use loomfile::Batch;
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::layers::LayerOptions;
use loomfile::numeric::{Encoding, Scalar, encode};
use loomfile::values::{NumType, Values};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Which Cell Ranger generation wrote the folder (from its file names).
///
/// # Examples
///
/// ```
/// use loomfile_formats::{MexOptions, MexVersion, import_mex};
/// # let dir = tempfile::tempdir()?;
/// # let mex = dir.path().join("mex");
/// # std::fs::create_dir(&mex)?;
/// # std::fs::write(
/// #     mex.join("matrix.mtx"),
/// #     "%%MatrixMarket matrix coordinate integer general\n2 1 1\n1 1 4\n",
/// # )?;
/// # std::fs::write(mex.join("barcodes.tsv"), "AAAC-1\n")?;
/// // Cell Ranger 2 named its feature list genes.tsv (id and name, no type).
/// std::fs::write(mex.join("genes.tsv"), "G1\tActb\nG2\tCd3e\n")?;
/// let report = import_mex(&mex, dir.path().join("v2.loom"), &MexOptions::default())?;
/// assert_eq!(report.version, MexVersion::V2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MexVersion {
    /// `genes.tsv` (Cell Ranger 1-2).
    V2,
    /// `features.tsv` (Cell Ranger 3 and later).
    V3,
}

/// Options of [`import_mex`].
///
/// # Examples
///
/// ```
/// use loomfile::{Axis, LoomFile, NumType, Values};
/// use loomfile_formats::{MexOptions, import_mex};
/// # let dir = tempfile::tempdir()?;
/// # let mex = dir.path().join("mex");
/// # std::fs::create_dir(&mex)?;
/// # std::fs::write(
/// #     mex.join("matrix.mtx"),
/// #     "%%MatrixMarket matrix coordinate integer general\n2 1 2\n1 1 4\n2 1 9\n",
/// # )?;
/// # std::fs::write(
/// #     mex.join("features.tsv"),
/// #     "G1\tActb\tGene Expression\nP1\tCD3\tAntibody Capture\n",
/// # )?;
/// # std::fs::write(mex.join("barcodes.tsv"), "AAAC-1\n")?;
/// let opts = MexOptions {
///     gex_only: true, // drop the antibody feature
///     dtype: Some(NumType::UInt16),
///     file_attrs: vec![("title", Values::from("sample 1"))],
///     ..Default::default()
/// };
/// let out = dir.path().join("gex.loom");
/// import_mex(&mex, &out, &opts)?;
/// let f = LoomFile::open(&out)?;
/// assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["Actb"]);
/// assert_eq!(f.layer_dtype("")?, NumType::UInt16);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MexOptions<'a> {
    /// Sample id used in `CellID` (default: see the module documentation).
    pub sample_id: Option<&'a str>,
    /// Genome folder to read in a Cell Ranger 2 layout with several (required then); also
    /// stored as the `Genome` global.
    pub genome: Option<&'a str>,
    /// Element type of the main matrix (default: see the module documentation).
    pub dtype: Option<NumType>,
    /// Extra global attributes.
    pub file_attrs: Vec<(&'a str, Values)>,
    /// Keep only features of type `Gene Expression` (files with a feature-type column).
    pub gex_only: bool,
    /// Storage of the main matrix (default: loompy's 64x64 chunks, gzip 2).
    pub layer: LayerOptions,
    /// Bytes of the buffer that sorts the matrix entries (default 64 MiB); larger matrices
    /// are sorted in runs spilled next to the output.
    pub sort_memory: Option<usize>,
}

impl<'a> MexOptions<'a> {
    /// Loompy's defaults, to change with the setters.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// use loomfile_formats::MexOptions;
    /// let opts = MexOptions::new().sample_id("s1").dtype(NumType::Int32).gex_only(true);
    /// assert_eq!((opts.sample_id, opts.dtype, opts.gex_only), (Some("s1"), Some(NumType::Int32), true));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The sample id of `CellID` (`<sample>:<barcode>`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile_formats::MexOptions::new().sample_id("pbmc").sample_id, Some("pbmc"));
    /// ```
    pub fn sample_id(mut self, id: &'a str) -> Self {
        self.sample_id = Some(id);
        self
    }

    /// The genome folder to read (Cell Ranger 2 layouts with several).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile_formats::MexOptions::new().genome("GRCh38").genome, Some("GRCh38"));
    /// ```
    pub fn genome(mut self, genome: &'a str) -> Self {
        self.genome = Some(genome);
        self
    }

    /// The main matrix's element type.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// use loomfile_formats::MexOptions;
    /// assert_eq!(MexOptions::new().dtype(NumType::UInt16).dtype, Some(NumType::UInt16));
    /// ```
    pub fn dtype(mut self, t: NumType) -> Self {
        self.dtype = Some(t);
        self
    }

    /// One more global attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// use loomfile_formats::MexOptions;
    /// let opts = MexOptions::new().file_attr("title", Values::from("run 7"));
    /// assert_eq!(opts.file_attrs[0].0, "title");
    /// ```
    pub fn file_attr(mut self, name: &'a str, value: Values) -> Self {
        self.file_attrs.push((name, value));
        self
    }

    /// Keep only `Gene Expression` features.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(loomfile_formats::MexOptions::new().gex_only(true).gex_only);
    /// ```
    pub fn gex_only(mut self, only: bool) -> Self {
        self.gex_only = only;
        self
    }

    /// Chunks and compression of the main matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::LayerOptions;
    /// use loomfile_formats::MexOptions;
    /// let opts = MexOptions::new().layer(LayerOptions { chunks: (128, 128), gzip: Some(4) });
    /// assert_eq!(opts.layer.chunks, (128, 128));
    /// ```
    pub fn layer(mut self, layer: LayerOptions) -> Self {
        self.layer = layer;
        self
    }

    /// Bytes of the buffer that sorts the matrix entries.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile_formats::MexOptions::new().sort_memory(1 << 20).sort_memory, Some(1 << 20));
    /// ```
    pub fn sort_memory(mut self, bytes: usize) -> Self {
        self.sort_memory = Some(bytes);
        self
    }
}

/// What [`import_mex`] read and wrote.
///
/// # Examples
///
/// ```
/// use loomfile::NumType;
/// use loomfile_formats::{MexOptions, MexVersion, import_mex};
/// # let dir = tempfile::tempdir()?;
/// # let mex = dir.path().join("mex");
/// # std::fs::create_dir(&mex)?;
/// # std::fs::write(
/// #     mex.join("matrix.mtx"),
/// #     "%%MatrixMarket matrix coordinate integer general\n3 2 4\n1 1 5\n3 1 1\n2 2 7\n2 2 1\n",
/// # )?;
/// # std::fs::write(
/// #     mex.join("features.tsv"),
/// #     "G1\tActb\tGene Expression\nG2\tCd3e\tGene Expression\nG3\tSox2\tGene Expression\n",
/// # )?;
/// # std::fs::write(mex.join("barcodes.tsv"), "AAAC-1\nAAAG-1\n")?;
/// let report = import_mex(&mex, dir.path().join("out.loom"), &MexOptions::default())?;
/// assert_eq!((report.shape, report.version), ((3, 2), MexVersion::V3));
/// assert_eq!(report.nnz, 3); // the two entries at (2, 2) are summed into one
/// assert_eq!((report.dtype, report.sample_id.as_str()), (NumType::Int32, "mex"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MexReport {
    /// The folder holding the matrix.
    pub folder: std::path::PathBuf,
    /// Cell Ranger generation.
    pub version: MexVersion,
    /// Sample id used in `CellID`.
    pub sample_id: String,
    /// Genome, when known.
    pub genome: Option<String>,
    /// (features, barcodes).
    pub shape: (u64, u64),
    /// Stored non-zero entries (duplicates summed, explicit zeros dropped).
    pub nnz: u64,
    /// Element type of the main matrix.
    pub dtype: NumType,
}

/// Wrap a reader, gunzipping it when its bytes start with the gzip magic.
fn maybe_gz<'a>(r: impl Read + 'a) -> Result<Box<dyn BufRead + 'a>> {
    let mut b = BufReader::with_capacity(1 << 16, r);
    let head = b.fill_buf().map_err(io)?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        Ok(Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(b))))
    } else {
        Ok(Box::new(b))
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Hdf5(loomfile_hdf5::Error::io(e))
}

/// Lines of a TSV file split on tabs (trailing line ends removed, empty lines skipped).
fn read_tsv(r: &mut dyn BufRead, what: &str) -> Result<Vec<Vec<String>>> {
    let mut out = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).map_err(|e| Error::Hdf5(loomfile_hdf5::Error::io(e).at(what)))?
            == 0
        {
            break;
        }
        let t = line.trim_end_matches(['\n', '\r']);
        if t.trim().is_empty() {
            continue;
        }
        out.push(t.split('\t').map(|s| s.trim().to_string()).collect());
    }
    Ok(out)
}

/// The contents of a MEX folder, parsed: the matrix as entries sorted into row order.
struct Mex {
    summary: Summary,
    entries: SortedEntries,
    /// Features kept (`--gex-only`): new row -> old row; `None` keeps every row.
    kept: Option<Vec<u32>>,
    ids: Vec<String>,
    names: Vec<String>,
    types: Option<Vec<String>>,
    barcodes: Vec<String>,
}

impl Mex {
    /// (rows, columns) of the matrix written.
    fn shape(&self) -> (u64, u64) {
        let rows = self.kept.as_ref().map_or(self.summary.rows, |k| k.len() as u64);
        (rows, self.summary.cols)
    }
}

fn parse(
    matrix: &mut dyn BufRead,
    features: &mut dyn BufRead,
    barcodes: &mut dyn BufRead,
    mut sorter: CooSorter,
) -> Result<Mex> {
    let feats = read_tsv(features, "features")?;
    let bcs: Vec<String> =
        read_tsv(barcodes, "barcodes")?.into_iter().map(|mut v| v.swap_remove(0)).collect();
    let summary = read_coordinates(matrix, "matrix", &mut sorter)?;
    if feats.len() as u64 != summary.rows {
        return Err(Error::input(format!(
            "the matrix has {} rows but the features file lists {} features",
            summary.rows,
            feats.len()
        )));
    }
    if bcs.len() as u64 != summary.cols {
        return Err(Error::input(format!(
            "the matrix has {} columns but the barcodes file lists {} barcodes",
            summary.cols,
            bcs.len()
        )));
    }
    let ids: Vec<String> = feats.iter().map(|f| f[0].clone()).collect();
    let names: Vec<String> =
        feats.iter().map(|f| f.get(1).cloned().unwrap_or_else(|| f[0].clone())).collect();
    let types = if feats.iter().any(|f| f.len() >= 3) {
        Some(feats.iter().map(|f| f.get(2).cloned().unwrap_or_default()).collect())
    } else {
        None
    };
    let entries = sorter.finish()?;
    Ok(Mex { summary, entries, kept: None, ids, names, types, barcodes: bcs })
}

/// Keep only `Gene Expression` features (when the features have types).
fn keep_gene_expression(mex: &mut Mex) {
    let Some(types) = &mex.types else { return };
    let keep: Vec<bool> = types.iter().map(|t| t == "Gene Expression").collect();
    if keep.iter().all(|&k| k) {
        return;
    }
    mex.kept = Some((0..keep.len() as u32).filter(|&r| keep[r as usize]).collect());
    let pick = |v: &[String]| -> Vec<String> {
        v.iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| x.clone()).collect()
    };
    mex.ids = pick(&mex.ids);
    mex.names = pick(&mex.names);
    mex.types = Some(pick(types));
}

/// Choose the stored type.
fn pick_dtype(m: &Summary, want: Option<NumType>) -> NumType {
    if let Some(t) = want {
        return t;
    }
    match m.field {
        Field::Real => NumType::Float64,
        _ if m.fits_i32() => NumType::Int32,
        _ => NumType::Int64,
    }
}

/// Write the main matrix of `mex` into the empty file `f` as `dtype`, one band of rows at a
/// time from the sorted entries; returns the non-zeros written.
fn write_matrix(
    f: &mut Batch<'_>,
    mex: &mut Mex,
    dtype: NumType,
    layer: &LayerOptions,
) -> Result<u64> {
    let (n, c) = mex.shape();
    let enc = Encoding::le(dtype);
    let es = enc.size();
    let summary = mex.summary;
    let old_rows = summary.rows;
    // The current band of rows: its first new row, and its entries as per-row ranges.
    let mut band_start = u64::MAX;
    let mut band: Vec<Entry> = Vec::new();
    let mut row_ptr: Vec<usize> = Vec::new();
    let mut nnz = 0u64;
    let (entries, kept) = (&mut mex.entries, &mex.kept);
    f.write_layer_tiles("", dtype, n, c, layer, |r0, h, c0, wd, out| {
        if r0 != band_start {
            // Entries of new rows r0..r0+h: old rows up to the first old row of the next band.
            band_start = r0;
            let old_end = match kept {
                Some(k) => k.get((r0 + h) as usize).map_or(old_rows, |&o| o as u64),
                None => r0 + h,
            };
            band.clear();
            entries.take_rows_below(old_end, &mut band)?;
            if let Some(k) = kept {
                // Renumber kept rows (the map is increasing, so the order holds); drop others.
                band.retain_mut(|e| match k.binary_search(&e.row) {
                    Ok(new) => {
                        e.row = new as u32;
                        true
                    }
                    Err(_) => false,
                });
            }
            merge_duplicates(&mut band, |a, b| summary.add(a, b));
            row_ptr.clear();
            let mut k = 0;
            for i in 0..=h {
                while k < band.len() && (band[k].row as u64) < r0 + i {
                    k += 1;
                }
                row_ptr.push(k);
            }
        }
        let base = out.len();
        out.resize(base + (h * wd) as usize * es, 0);
        let mut one = Vec::with_capacity(8);
        for i in 0..h as usize {
            let row = &band[row_ptr[i]..row_ptr[i + 1]];
            let a = row.partition_point(|e| (e.col as u64) < c0);
            let b = row.partition_point(|e| (e.col as u64) < c0 + wd);
            for e in &row[a..b] {
                let v = match summary.field {
                    Field::Real => Scalar::F(f64::from_bits(e.bits)),
                    Field::Integer | Field::Pattern => Scalar::I(e.bits as i64 as i128),
                };
                if !matches!(v, Scalar::I(0)) && !matches!(v, Scalar::F(x) if x == 0.0) {
                    nnz += 1;
                }
                one.clear();
                encode(enc, v, &mut one)
                    .map_err(|x| loomfile::numeric::not_exact("matrix".into(), x, dtype))?;
                let at = base + (i as u64 * wd + e.col as u64 - c0) as usize * es;
                out[at..at + es].copy_from_slice(&one);
            }
        }
        Ok(())
    })?;
    Ok(nnz)
}

/// Optional Cell Ranger analysis results, per barcode.
#[derive(Default)]
struct Extras {
    tsne: Option<std::collections::HashMap<String, (f32, f32)>>,
    clusters: Option<std::collections::HashMap<String, i64>>,
    globals: Vec<(String, Values)>,
}

/// Import parsed MEX contents into `f`, an empty file from [`LoomFile::new`] (or
/// [`LoomFile::new_in`]); the caller closes it.
fn write_mex(
    f: &mut LoomFile,
    mex: &mut Mex,
    sample: &str,
    genome: Option<&str>,
    dtype: Option<NumType>,
    layer: &LayerOptions,
    extras: &Extras,
) -> Result<(NumType, u64)> {
    if f.shape() != (0, 0) || f.hdf5().object("/matrix").is_ok() {
        return Err(Error::invalid("MEX import writes into an empty file only"));
    }
    let dtype = pick_dtype(&mex.summary, dtype);
    let cellids: Vec<String> = mex.barcodes.iter().map(|b| format!("{sample}:{b}")).collect();
    let mut col: Vec<(&str, Values)> =
        vec![("CellID", Values::strings(&cellids)), ("Barcode", Values::strings(&mex.barcodes))];
    if let Some(t) = &extras.tsne {
        // alloc: barcodes.len(), barcodes already read
        let mut x = Vec::with_capacity(mex.barcodes.len());
        // alloc: barcodes.len(), barcodes already read
        let mut y = Vec::with_capacity(mex.barcodes.len());
        for b in &mex.barcodes {
            let (a, c) = t.get(b).ok_or_else(|| {
                Error::input(format!("barcode {b} is missing from the t-SNE projection"))
            })?;
            x.push(*a);
            y.push(*c);
        }
        col.push(("X", Values::from_vec(x)));
        col.push(("Y", Values::from_vec(y)));
    }
    if let Some(c) = &extras.clusters {
        let v = mex
            .barcodes
            .iter()
            .map(|b| {
                c.get(b).copied().ok_or_else(|| {
                    Error::input(format!("barcode {b} is missing from the clusters file"))
                })
            })
            .collect::<Result<Vec<i64>>>()?;
        col.push(("ClusterID", Values::from_vec(v)));
    }
    let barcodes = std::mem::take(&mut mex.barcodes);
    let have = f.global_names();
    // One commit: a failure anywhere leaves the file as it was (the batch rolls back).
    let mut b = f.batch()?;
    let nnz = write_matrix(&mut b, mex, dtype, layer)?;
    b.set_attr(Axis::Rows, "Accession", &Values::strings(&mex.ids))?;
    b.set_attr(Axis::Rows, "Gene", &Values::strings(&mex.names))?;
    if let Some(t) = &mex.types {
        b.set_attr(Axis::Rows, "FeatureType", &Values::strings(t))?;
    }
    for (k, v) in &col {
        b.set_attr(Axis::Cols, k, v)?;
    }
    if let Some(g) = genome
        && !have.iter().any(|h| h == "Genome")
    {
        b.set_global("Genome", &Values::string(g))?;
    }
    for (k, v) in &extras.globals {
        if !have.iter().any(|h| h == k) {
            b.set_global(k, v)?;
        }
    }
    b.commit()?;
    mex.barcodes = barcodes;
    Ok((dtype, nnz))
}

/// Import a MEX matrix from readers (each gzipped or plain) into `out`, an empty file from
/// [`LoomFile::new`] or [`LoomFile::new_in`] (committed, not closed). Returns the matrix
/// element type and the number of entries stored. For folders, use [`import_mex`].
///
/// # Examples
///
/// ```
/// use loomfile::{Axis, LoomFile, MemStorage, NumType};
/// use loomfile_formats::import_mex_from;
/// use std::sync::Arc;
/// let matrix = "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 2 0.5\n2 1 1.5\n";
/// let features = "G1\tActb\tGene Expression\nG2\tCd3e\tGene Expression\n";
/// let barcodes = "AAAC-1\nAAAG-1\n";
/// let mut f = LoomFile::new_in(Arc::new(MemStorage::default()), &[])?;
/// let (dtype, nnz) = import_mex_from(
///     &mut f,
///     matrix.as_bytes(),
///     features.as_bytes(),
///     barcodes.as_bytes(),
///     "s1",
///     None,
///     None,
/// )?;
/// assert_eq!((dtype, nnz), (NumType::Float64, 2)); // `real` matrices are float64
/// assert_eq!(f.attr(Axis::Cols, "Barcode")?.as_strings().unwrap(), ["AAAC-1", "AAAG-1"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn import_mex_from(
    out: &mut LoomFile,
    matrix: impl Read,
    features: impl Read,
    barcodes: impl Read,
    sample_id: &str,
    genome: Option<&str>,
    dtype: Option<NumType>,
) -> Result<(NumType, u64)> {
    // Readers are not files: the entries are sorted in memory (16 bytes each).
    let sorter = CooSorter::new(None, DEFAULT_SORT_MEMORY);
    let mut mex = parse(
        &mut *maybe_gz(matrix)?,
        &mut *maybe_gz(features)?,
        &mut *maybe_gz(barcodes)?,
        sorter,
    )?;
    write_mex(out, &mut mex, sample_id, genome, dtype, &LayerOptions::default(), &Extras::default())
}

mod folder {
    use super::*;
    use std::path::{Path, PathBuf};

    fn has_matrix(d: &Path) -> bool {
        d.join("matrix.mtx").is_file() || d.join("matrix.mtx.gz").is_file()
    }

    fn subdirs(d: &Path) -> Result<Vec<String>> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map_err(io)?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        Ok(v)
    }

    /// Pick the genome folder of a Cell Ranger 2 `filtered_gene_bc_matrices` folder.
    fn pick_genome(d: &Path, genome: Option<&str>) -> Result<(PathBuf, String)> {
        let subs: Vec<String> =
            subdirs(d)?.into_iter().filter(|s| has_matrix(&d.join(s))).collect();
        let g = match genome {
            Some(g) if subs.iter().any(|s| s == g) => g.to_string(),
            Some(g) => {
                return Err(Error::invalid(format!(
                    "genome {g:?} not found in {} (found {subs:?})",
                    d.display()
                )));
            }
            None => match subs.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(Error::input(format!(
                        "no genome folder with a matrix in {}",
                        d.display()
                    )));
                }
                many => {
                    return Err(Error::invalid(format!(
                        "{} holds several genomes {many:?}: choose one",
                        d.display()
                    )));
                }
            },
        };
        Ok((d.join(&g), g))
    }

    /// (matrix folder, genome from the layout, sample folder holding `outs`).
    pub(super) fn locate(
        dir: &Path,
        genome: Option<&str>,
    ) -> Result<(PathBuf, Option<String>, Option<PathBuf>)> {
        let v2 = dir.join("outs/filtered_gene_bc_matrices");
        if v2.is_dir() {
            let (d, g) = pick_genome(&v2, genome)?;
            return Ok((d, Some(g), Some(dir.to_path_buf())));
        }
        let v3 = dir.join("outs/filtered_feature_bc_matrix");
        if has_matrix(&v3) {
            return Ok((v3, None, Some(dir.to_path_buf())));
        }
        let canon = dir.canonicalize().map_err(io)?;
        let sample_dir = canon
            .ancestors()
            .skip(1)
            .find(|a| a.file_name().is_some_and(|n| n == "outs"))
            .and_then(|o| o.parent())
            .map(Path::to_path_buf);
        if has_matrix(dir) {
            let parent_is_v2 = canon
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|n| n == "filtered_gene_bc_matrices");
            let g = if parent_is_v2 {
                canon.file_name().map(|n| n.to_string_lossy().into_owned())
            } else {
                None
            };
            return Ok((dir.to_path_buf(), g, sample_dir));
        }
        if dir.is_dir()
            && !subdirs(dir)?.is_empty()
            && let Ok((d, g)) = pick_genome(dir, genome)
        {
            return Ok((d, Some(g), sample_dir));
        }
        Err(Error::input(format!(
            "no 10x matrix found in {} (looked for outs/filtered_gene_bc_matrices/<genome>, \
             outs/filtered_feature_bc_matrix and matrix.mtx[.gz])",
            dir.display()
        )))
    }

    pub(super) fn find(d: &Path, names: &[&str]) -> Option<PathBuf> {
        names.iter().map(|n| d.join(n)).find(|p| p.is_file())
    }

    pub(super) fn open(p: &Path) -> Result<Box<dyn BufRead>> {
        let f = std::fs::File::open(p)
            .map_err(|e| Error::Hdf5(loomfile_hdf5::Error::io(e).at(&p.display().to_string())))?;
        maybe_gz(f)
    }

    /// Read a Cell Ranger CSV (`Barcode,...` header) into barcode -> fields.
    fn csv(p: &Path) -> Result<Vec<(String, Vec<String>)>> {
        let mut r = open(p)?;
        let mut out = Vec::new();
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            if r.read_line(&mut line).map_err(io)? == 0 {
                break;
            }
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            if first {
                first = false;
                continue;
            }
            let mut it = t.split(',').map(|s| s.trim().to_string());
            let b = it.next().unwrap_or_default();
            out.push((b, it.collect()));
        }
        Ok(out)
    }

    pub(super) fn extras(sample: &Path) -> Result<Extras> {
        let mut x = Extras::default();
        let tsne =
            ["outs/analysis/tsne/projection.csv", "outs/analysis/tsne/2_components/projection.csv"]
                .iter()
                .map(|p| sample.join(p))
                .find(|p| p.is_file());
        if let Some(p) = tsne {
            let mut m = std::collections::HashMap::new();
            for (b, f) in csv(&p)? {
                let num = |i: usize| -> Result<f32> {
                    f.get(i).and_then(|s| s.parse::<f32>().ok()).ok_or_else(|| {
                        Error::input(format!("{}: bad row for barcode {b}", p.display()))
                    })
                };
                let xy = (num(0)?, num(1)?);
                m.insert(b, xy);
            }
            x.tsne = Some(m);
        }
        let cl = sample.join("outs/analysis/clustering/graphclust/clusters.csv");
        if cl.is_file() {
            let mut m = std::collections::HashMap::new();
            for (b, f) in csv(&cl)? {
                let v: i64 = f.first().and_then(|s| s.parse().ok()).ok_or_else(|| {
                    Error::input(format!("{}: bad row for barcode {b}", cl.display()))
                })?;
                m.insert(b, v - 1);
            }
            x.clusters = Some(m);
        }
        for (file, name) in [("_cmdline", "Cmdline"), ("_versions", "Versions")] {
            let p = sample.join(file);
            if p.is_file() {
                let s = std::fs::read_to_string(&p).map_err(io)?;
                let v = if name == "Versions" {
                    s.trim().replace('\n', " ")
                } else {
                    s.trim().to_string()
                };
                x.globals.push((name.to_string(), Values::string(&v)));
            }
        }
        Ok(x)
    }
}

/// Import a 10x Genomics MEX folder into a new loom file at `out` (loompy's
/// `create_from_cellranger`, streaming). `out` appears only when it is complete.
///
/// # Examples
///
/// ```
/// use loomfile::{LoomFile, Sel};
/// use loomfile_formats::{MexOptions, import_mex};
/// # let dir = tempfile::tempdir()?;
/// # let mex = dir.path().join("mex");
/// # std::fs::create_dir(&mex)?;
/// # std::fs::write(
/// #     mex.join("matrix.mtx"),
/// #     "%%MatrixMarket matrix coordinate integer general\n3 2 3\n1 1 5\n3 1 1\n2 2 7\n",
/// # )?;
/// # std::fs::write(
/// #     mex.join("features.tsv"),
/// #     "G1\tActb\tGene Expression\nG2\tCd3e\tGene Expression\nG3\tSox2\tGene Expression\n",
/// # )?;
/// # std::fs::write(mex.join("barcodes.tsv"), "AAAC-1\nAAAG-1\n")?;
/// // `mex` holds matrix.mtx, features.tsv and barcodes.tsv (each may be gzipped).
/// let out = dir.path().join("sample.loom");
/// let report = import_mex(&mex, &out, &MexOptions::default())?;
/// let f = LoomFile::open(&out)?;
/// assert_eq!(f.shape(), report.shape);
/// assert_eq!(f.read_col::<i32>("", 0, &Sel::All)?.to_vec(), [5, 0, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn import_mex(
    dir: impl AsRef<Path>,
    out: impl AsRef<Path>,
    opts: &MexOptions<'_>,
) -> Result<MexReport> {
    let dir = dir.as_ref();
    let (folder, layout_genome, sample_dir) = folder::locate(dir, opts.genome)?;
    let matrix = folder::find(&folder, &["matrix.mtx", "matrix.mtx.gz"])
        .ok_or_else(|| Error::input(format!("no matrix.mtx in {}", folder.display())))?;
    let (features, version) = match folder::find(&folder, &["features.tsv.gz", "features.tsv"]) {
        Some(p) => (p, MexVersion::V3),
        None => (
            folder::find(&folder, &["genes.tsv", "genes.tsv.gz"]).ok_or_else(|| {
                Error::input(format!("no features.tsv or genes.tsv in {}", folder.display()))
            })?,
            MexVersion::V2,
        ),
    };
    let barcodes = folder::find(&folder, &["barcodes.tsv", "barcodes.tsv.gz"])
        .ok_or_else(|| Error::input(format!("no barcodes.tsv in {}", folder.display())))?;
    let sample = match opts.sample_id {
        Some(s) => s.to_string(),
        None => {
            let d = sample_dir.clone().unwrap_or_else(|| dir.to_path_buf());
            let d = d.canonicalize().unwrap_or(d);
            d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        }
    };
    let genome = opts.genome.map(str::to_string).or(layout_genome);
    let extras = match &sample_dir {
        Some(s) => folder::extras(s)?,
        None => Extras::default(),
    };
    // Sorting runs spill next to the output.
    let out = out.as_ref();
    let memory = opts.sort_memory.unwrap_or(DEFAULT_SORT_MEMORY);
    let sorter = CooSorter::new(Some(spill_dir_for(out)), memory);
    let mut mex = parse(
        &mut *folder::open(&matrix)?,
        &mut *folder::open(&features)?,
        &mut *folder::open(&barcodes)?,
        sorter,
    )?;
    if opts.gex_only {
        keep_gene_expression(&mut mex);
    }
    let mut f = LoomFile::new_all_or_nothing(out, &opts.file_attrs)?;
    let (dtype, nnz) =
        write_mex(&mut f, &mut mex, &sample, genome.as_deref(), opts.dtype, &opts.layer, &extras)?;
    f.close()?;
    Ok(MexReport { folder, version, sample_id: sample, genome, shape: mex.shape(), nnz, dtype })
}

// ----- the `convert` entry point -----

/// Convert a 10x MEX folder to a loom file.
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, mex};
/// use loomfile::{Axis, LoomFile};
/// # let dir = tempfile::tempdir()?;
/// # let folder = dir.path().join("filtered_feature_bc_matrix");
/// # std::fs::create_dir(&folder)?;
/// # std::fs::write(
/// #     folder.join("matrix.mtx"),
/// #     "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 5\n2 2 7\n",
/// # )?;
/// # std::fs::write(
/// #     folder.join("features.tsv"),
/// #     "G1\tActb\tGene Expression\nG2\tCd3e\tGene Expression\n",
/// # )?;
/// # std::fs::write(folder.join("barcodes.tsv"), "AAAC-1\nAAAG-1\n")?;
/// // `folder` holds matrix.mtx, features.tsv and barcodes.tsv, as Cell Ranger writes them.
/// let out = dir.path().join("sample.loom");
/// let report = mex::to_loom(&folder, &out, &ConvertOptions::default())?;
/// assert_eq!((report.shape, report.nnz), ((2, 2), Some(2)));
/// let f = LoomFile::open(&out)?;
/// assert_eq!(f.attr(Axis::Cols, "Barcode")?.as_strings().unwrap(), ["AAAC-1", "AAAG-1"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let mo = MexOptions {
        sample_id: None,
        genome: opts.genome.as_deref(),
        dtype: opts.dtype,
        file_attrs: Vec::new(),
        gex_only: opts.gex_only,
        layer: opts.layer_options(),
        sort_memory: opts.sort_memory,
    };
    opts.begin("importing 10x MEX", None);
    let r = import_mex(input, output, &mo).at(input);
    opts.end();
    let r = r?;
    Ok(Report {
        shape: r.shape,
        nnz: Some(r.nnz),
        dtype: Some(r.dtype.name().into()),
        warnings: Vec::new(),
    })
}
