//! loompy's text importers with their options: [`create_from_tsv`] (a dense matrix with an
//! optional reference loom file for the genes and a cell metadata table) and
//! [`create_from_matrix_market`] (one or more `.mtx` layers, the main one the sum of the
//! others when not given, with gene and barcode lists).
//!
//! Both stream like the rest of [this crate](crate): dense text band by band, coordinate
//! files through the external merge sort, so memory does not grow with the matrix (loompy
//! builds the whole matrix in memory). Where loompy is wrong, these are not:
//! - `create_from_matrix_market` honours `delim` and the header-skipping flags, which
//!   loompy accepts and ignores;
//! - a gene listed twice in a TSV with a reference file takes its last line, zeros
//!   included (loompy's rule), but a TSV value that is not a number, or a metadata table
//!   with the wrong number of lines, is an error naming the file and line;
//! - metadata columns of numbers are stored as numbers (int64 or float64), not strings.

use crate::coo_sort::{
    CooSorter, DEFAULT_SORT_MEMORY, Entry, SortedEntries, merge_duplicates, spill_dir_for,
};
use crate::matrix_market::{Field, Summary, read_coordinates};
use crate::tsv::{Scan, parse_value, scan};
use crate::util::{Ctx, Num, Records, at_file, infer_values, open_text};
use crate::{ConvertOptions, Report};
use loomfile::Batch;
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::layers::LayerOptions;
use loomfile::numeric::promote as promote_num;
use loomfile::values::{NumType, Values};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// loompy's quoting rule for TSV names: one pair of surrounding double quotes is dropped.
fn unquote(s: &str) -> String {
    match s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if !inner.is_empty() => inner.to_string(),
        _ => s.to_string(),
    }
}

/// Options of [`create_from_tsv`]: loompy's keyword arguments, with loompy's defaults.
///
/// # Examples
///
/// ```
/// use loomfile::NumType;
/// use loomfile_formats::TsvImport;
/// let opts = TsvImport::new().sample_id("s1_").dtype(NumType::UInt16);
/// assert_eq!((opts.delim, opts.row_metadata_attr.as_str()), (b'\t', "Accession"));
/// assert_eq!(opts.dtype, NumType::UInt16);
/// ```
#[derive(Clone, Debug)]
pub struct TsvImport {
    /// Field separator of the matrix (default tab).
    pub delim: u8,
    /// Element type of the main matrix (default float32, as loompy's).
    pub dtype: NumType,
    /// Prefix of every cell id (no separator is added, as in loompy).
    pub sample_id: String,
    /// A loom file whose genes (and their order) the output takes: its `Accession`, `Gene`,
    /// `Chromosome`, `Start` and `End` row attributes are copied, TSV lines whose id is not
    /// in its `row_metadata_attr` are skipped, and its genes missing from the TSV are zeros.
    pub row_metadata_loom: Option<PathBuf>,
    /// The row attribute of `row_metadata_loom` that the TSV's gene ids match (default
    /// `Accession`).
    pub row_metadata_attr: String,
    /// A cell metadata table: a header of attribute names, then one line per cell, in the
    /// matrix's order, the cell id first (it must equal the header's, prefix included).
    pub col_metadata: Option<PathBuf>,
    /// Field separator of `col_metadata` (default tab).
    pub metadata_delim: u8,
    /// Global attributes of the new file.
    pub file_attrs: Vec<(String, Values)>,
    /// Chunks and compression of the main matrix (loompy's by default).
    pub layer: LayerOptions,
}

impl Default for TsvImport {
    fn default() -> Self {
        TsvImport {
            delim: b'\t',
            dtype: NumType::Float32,
            sample_id: String::new(),
            row_metadata_loom: None,
            row_metadata_attr: "Accession".into(),
            col_metadata: None,
            metadata_delim: b'\t',
            file_attrs: Vec::new(),
            layer: LayerOptions::default(),
        }
    }
}

impl TsvImport {
    /// loompy's defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = loomfile_formats::TsvImport::new();
    /// assert_eq!(opts.dtype, loomfile::NumType::Float32);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Set [`TsvImport::delim`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile_formats::TsvImport::new().delim(b',').delim, b',');
    /// ```
    pub fn delim(mut self, delim: u8) -> Self {
        self.delim = delim;
        self
    }

    /// Set [`TsvImport::dtype`].
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// use loomfile_formats::TsvImport;
    /// assert_eq!(TsvImport::new().dtype(NumType::Int32).dtype, NumType::Int32);
    /// ```
    pub fn dtype(mut self, t: NumType) -> Self {
        self.dtype = t;
        self
    }

    /// Set [`TsvImport::sample_id`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile_formats::TsvImport::new().sample_id("s1_").sample_id, "s1_");
    /// ```
    pub fn sample_id(mut self, prefix: &str) -> Self {
        self.sample_id = prefix.into();
        self
    }

    /// Take the genes from a loom file, matched by its row attribute `attr`.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = loomfile_formats::TsvImport::new().row_metadata("ref.loom", "Gene");
    /// assert_eq!(opts.row_metadata_attr, "Gene");
    /// ```
    pub fn row_metadata(mut self, loom: impl Into<PathBuf>, attr: &str) -> Self {
        self.row_metadata_loom = Some(loom.into());
        self.row_metadata_attr = attr.into();
        self
    }

    /// Read cell attributes from a table separated by `delim`.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = loomfile_formats::TsvImport::new().col_metadata("cells.csv", b',');
    /// assert_eq!(opts.metadata_delim, b',');
    /// ```
    pub fn col_metadata(mut self, table: impl Into<PathBuf>, delim: u8) -> Self {
        self.col_metadata = Some(table.into());
        self.metadata_delim = delim;
        self
    }

    /// Add a global attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// use loomfile_formats::TsvImport;
    /// let opts = TsvImport::new().file_attr("title", Values::from("run 7"));
    /// assert_eq!(opts.file_attrs[0].0, "title");
    /// ```
    pub fn file_attr(mut self, name: &str, value: Values) -> Self {
        self.file_attrs.push((name.into(), value));
        self
    }

    /// Set the storage of the main matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::LayerOptions;
    /// use loomfile_formats::TsvImport;
    /// let opts = TsvImport::new().layer(LayerOptions { chunks: (16, 16), gzip: None });
    /// assert_eq!(opts.layer.chunks, (16, 16));
    /// ```
    pub fn layer(mut self, layer: LayerOptions) -> Self {
        self.layer = layer;
        self
    }
}

/// The conversion options the shared readers and writers take.
fn convert_options(layer: &LayerOptions, sort_memory: Option<usize>) -> ConvertOptions {
    ConvertOptions {
        chunks: Some(layer.chunks),
        gzip: Some(layer.gzip.unwrap_or(0)),
        sort_memory,
        ..ConvertOptions::default()
    }
}

/// Global attributes as the writer takes them.
fn globals(list: &[(String, Values)]) -> Vec<(&str, Values)> {
    list.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
}

/// loompy's `create_from_tsv`: a loom file at `out` from a dense matrix in delimited text
/// (`.gz` read too): a header line of cell ids (with or without a corner label), then one
/// line per gene, its id first. Cells are `CellID` (prefixed by `sample_id`), genes `Gene`
/// unless a reference loom file gives them ([`TsvImport::row_metadata`]). The report's
/// warnings say how many TSV genes had no match in the reference.
///
/// # Examples
///
/// ```
/// use loomfile_formats::{TsvImport, create_from_tsv};
/// use loomfile::{Axis, LoomFile, Sel};
/// # let dir = tempfile::tempdir()?;
/// let (tsv, out) = (dir.path().join("m.tsv"), dir.path().join("m.loom"));
/// std::fs::write(&tsv, "\"c1\"\t\"c2\"\n\"Actb\"\t0\t3\nSox2\t1.5\t0\n")?; // R's quoting
/// create_from_tsv(&out, &tsv, &TsvImport::new().sample_id("s1_"))?;
/// let f = LoomFile::open(&out)?;
/// assert_eq!(f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["s1_c1", "s1_c2"]);
/// assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["Actb", "Sox2"]);
/// assert_eq!(f.read_row::<f32>("", 1, &Sel::All)?.to_vec(), [1.5, 0.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_from_tsv(
    out: impl AsRef<Path>,
    tsv: impl AsRef<Path>,
    opts: &TsvImport,
) -> Result<Report> {
    let (out, input) = (out.as_ref(), tsv.as_ref());
    let copts = convert_options(&opts.layer, None);
    copts.check()?;
    if opts.dtype == NumType::Float16 {
        return Err(Error::invalid("dtype float16 is not supported for imported matrices"));
    }
    // The reference genes first: a missing attribute fails before the text is read.
    let reference = match &opts.row_metadata_loom {
        Some(p) => Some(Reference::read(p, &opts.row_metadata_attr)?),
        None => None,
    };
    let s = scan(input, opts.delim, &copts).at(input)?;
    if !s.ints && !opts.dtype.is_float() {
        return Err(Error::invalid(format!(
            "dtype {}: the text has values that are not integers",
            opts.dtype.name()
        )))
        .at(input);
    }
    let cells: Vec<String> =
        s.cells().iter().map(|c| format!("{}{}", opts.sample_id, unquote(c))).collect();
    let col_attrs = match &opts.col_metadata {
        Some(p) => cell_table(p, opts.metadata_delim, &cells)?,
        None => Vec::new(),
    };
    let genes: Vec<String> = s.ids.iter().map(|g| unquote(g)).collect();
    let mut f = LoomFile::new_all_or_nothing(out, &globals(&opts.file_attrs)).at(out)?;
    let mut b = f.batch().at(out)?;
    let mut report = Report {
        dtype: Some(opts.dtype.name().into()),
        shape: (s.rows, s.cols),
        ..Report::default()
    };
    match &reference {
        None => {
            loomfile::with_num_type!(opts.dtype, T => crate::tsv::stage_matrix::<T>(
                &mut b, input, opts.delim, &s, &copts,
            ))
            .map_err(at_file(out))?;
            b.set_attr(Axis::Rows, "Gene", &Values::strings(&genes)).at(out)?;
        }
        Some(r) => {
            let rows = r.rows;
            // Each reference row takes the last TSV line naming it.
            let mut line_for_row = vec![None::<u64>; rows as usize]; // alloc: the reference's rows, read from its attribute
            let mut unmatched = 0u64;
            for (i, g) in genes.iter().enumerate() {
                match r.index.get(g.as_str()) {
                    Some(&row) => line_for_row[row as usize] = Some(i as u64),
                    None => unmatched += 1,
                }
            }
            let mut keep = vec![None::<u32>; s.rows as usize]; // alloc: lines counted by the first pass
            for (row, line) in line_for_row.iter().enumerate() {
                if let Some(l) = line {
                    keep[*l as usize] = Some(row as u32);
                }
            }
            report.shape = (rows, s.cols);
            report.warnings.push(format!(
                "no match for {unmatched} of {} genes of the text in {}",
                s.rows,
                r.path.display()
            ));
            let entries = sort_text(input, out, opts.delim, &s, &keep, &copts)?;
            let summary = Summary {
                rows,
                cols: s.cols,
                field: if s.ints { Field::Integer } else { Field::Real },
                int_range: (i64::MIN, i64::MAX),
            };
            let mut streams = [(entries, summary)];
            let nnz = loomfile::with_num_type!(opts.dtype, T => stage_sorted::<T>(
                &mut b, "", (rows, s.cols), &mut streams, false, &copts,
            ))
            .map_err(at_file(out))?;
            report.nnz = Some(nnz);
            for (name, v) in &r.attrs {
                b.set_attr(Axis::Rows, name, v).at(out)?;
            }
        }
    }
    b.set_attr(Axis::Cols, "CellID", &Values::strings(&cells)).at(out)?;
    // A `CellID` column of the table equals the ids (checked line by line).
    for (name, v) in col_attrs.iter().filter(|(n, _)| n != "CellID") {
        b.set_attr(Axis::Cols, name, v).at(out)?;
    }
    b.commit().at(out)?;
    f.close().at(out)?;
    Ok(report)
}

/// The genes of a reference loom file.
struct Reference {
    path: PathBuf,
    rows: u64,
    /// Row of each id of the matching attribute (the first row, for an id listed twice).
    index: HashMap<String, u64>,
    /// The row attributes copied (loompy's five, those present).
    attrs: Vec<(String, Values)>,
}

impl Reference {
    fn read(path: &Path, key: &str) -> Result<Reference> {
        let f = LoomFile::open(path)?;
        let rows = f.shape().0;
        if rows > u32::MAX as u64 {
            return Err(Error::input(format!("{rows} genes are too many (at most 2^32)"))).at(path);
        }
        let names = f.attr_names(Axis::Rows);
        let mut attrs = Vec::new();
        for a in ["Accession", "Gene", "Chromosome", "Start", "End"] {
            if names.iter().any(|n| n == a) {
                attrs.push((a.to_string(), f.attr(Axis::Rows, a)?));
            }
        }
        let ids = f.attr(Axis::Rows, key).at(path)?.as_strings().ok_or_else(|| {
            at_file(path)(Error::input(format!("row attribute {key:?} is not text")))
        })?;
        if ids.len() as u64 != rows {
            return Err(Error::input(format!(
                "row attribute {key:?} has {} values for {rows} genes",
                ids.len()
            )))
            .at(path);
        }
        let mut index = HashMap::with_capacity(ids.len()); // alloc: the attribute just read
        for (i, id) in ids.into_iter().enumerate() {
            index.entry(id).or_insert(i as u64);
        }
        Ok(Reference { path: path.to_path_buf(), rows, index, attrs })
    }
}

/// Sort the non-zero values of the kept TSV lines (`keep[line]` is the output row) into
/// row order: i64 bits for integer text, f64 bits otherwise.
fn sort_text(
    input: &Path,
    out: &Path,
    delim: u8,
    s: &Scan,
    keep: &[Option<u32>],
    opts: &ConvertOptions,
) -> Result<SortedEntries> {
    if s.cols > u32::MAX as u64 {
        return Err(Error::input("more than 2^32 cells")).at(input);
    }
    let mut sorter =
        CooSorter::new(Some(spill_dir_for(out)), opts.sort_memory.unwrap_or(DEFAULT_SORT_MEMORY));
    let mut r = Records::new(open_text(input, opts, "sorting")?, delim);
    let mut data = 0usize;
    let res = (|| {
        r.next()?;
        while let Some(lineno) = r.next()? {
            let Some(row) = keep.get(data).copied() else {
                return Err(Error::input("the file changed while reading"));
            };
            data += 1;
            let Some(row) = row else { continue };
            let fields = r.record();
            if fields.len() as u64 != s.cols + 1 {
                return Err(Error::input(format!("line {lineno}: field count changed")));
            }
            for (j, v) in fields.iter().skip(1).enumerate() {
                let bits = if s.ints {
                    parse_value::<i64>(v, true).map(|x| x as u64)
                } else {
                    parse_value::<f64>(v, false).map(f64::to_bits)
                }
                .ok_or_else(|| Error::input(format!("line {lineno}: bad value {v:?}")))?;
                if bits != 0 {
                    sorter.push(Entry { row, col: j as u32, bits })?;
                }
            }
        }
        Ok(())
    })();
    opts.end();
    res.at(input)?;
    sorter.finish().at(input)
}

/// Stage layer `name` of `shape` from sorted coordinate streams, adding them up (one
/// stream: the layer itself; several: their sum). `check_i32` refuses sums beyond int32
/// (a type chosen from the values, not asked for). Returns the non-zeros written.
fn stage_sorted<T: Num>(
    f: &mut Batch<'_>,
    name: &str,
    shape: (u64, u64),
    streams: &mut [(SortedEntries, Summary)],
    check_i32: bool,
    opts: &ConvertOptions,
) -> Result<u64> {
    let (rows, cols) = shape;
    let real = streams.iter().any(|(_, s)| s.field == Field::Real);
    let (mut ints, mut reals) = (Vec::<i64>::new(), Vec::<f64>::new());
    let mut got = Vec::new();
    let mut nnz = 0u64;
    opts.begin("writing matrix", Some(rows));
    let res = f.write_layer_rows::<T>(name, rows, cols, &opts.layer_options(), |s, n, band| {
        let len = (n * cols) as usize;
        ints.clear();
        reals.clear();
        if real {
            reals.resize(len, 0.0);
        } else {
            ints.resize(len, 0);
        }
        for (entries, summary) in streams.iter_mut() {
            got.clear();
            entries.take_rows_below(s + n, &mut got)?;
            merge_duplicates(&mut got, |a, b| summary.add(a, b));
            for e in &got {
                let at = ((e.row as u64 - s) * cols + e.col as u64) as usize;
                match (real, summary.field) {
                    (true, Field::Real) => reals[at] += f64::from_bits(e.bits),
                    (true, _) => reals[at] += e.bits as i64 as f64,
                    (false, _) => ints[at] = ints[at].saturating_add(e.bits as i64),
                }
            }
        }
        if real {
            band.extend(reals.iter().map(|&x| T::from_f64(x)));
        } else {
            for (at, &x) in ints.iter().enumerate() {
                if check_i32 && (x < i32::MIN as i64 || x > i32::MAX as i64) {
                    return Err(Error::input(format!(
                        "values at row {}, column {} add up to {x}, beyond int32 (ask for \
                         int64)",
                        s + at as u64 / cols + 1,
                        at as u64 % cols + 1
                    )));
                }
                band.push(T::from_i64(x));
            }
        }
        nnz += band.iter().filter(|v| !v.is_zero()).count() as u64;
        opts.advance(n);
        Ok(())
    });
    opts.end();
    res.map(|()| nnz)
}

/// Cell attributes from a metadata table, checked against the cell ids: a header of names,
/// then one line per cell whose first field is its id; a line holds one field per name
/// (the id column is then an attribute too) or one more (the header has no label for it).
fn cell_table(path: &Path, delim: u8, cells: &[String]) -> Result<Vec<(String, Values)>> {
    let copts = ConvertOptions::default();
    let mut r = Records::new(open_text(path, &copts, "reading cell metadata")?, delim);
    let res = (|| {
        let mut fields = Vec::new();
        if r.next_into(&mut fields)?.is_none() {
            return Err(Error::input("empty file: expected a header line of attribute names"));
        }
        let names: Vec<String> = fields.iter().map(|n| unquote(n)).collect();
        for n in &names {
            loomfile::attrs::check_name(n).map_err(|e| Error::input(format!("header: {e}")))?;
        }
        let mut columns: Vec<Vec<String>> = vec![Vec::new(); names.len()]; // alloc: header fields already read
        let mut i = 0usize;
        while let Some(lineno) = r.next_into(&mut fields)? {
            let values: Vec<String> = fields.iter().map(|v| unquote(v)).collect();
            let Some(cell) = cells.get(i) else {
                return Err(Error::input(format!(
                    "line {lineno}: more lines than the matrix's {} cells",
                    cells.len()
                )));
            };
            if values[0] != *cell {
                return Err(Error::input(format!(
                    "line {lineno}: cell id {:?} does not match column {} of the matrix, {cell:?}",
                    values[0],
                    i + 1
                )));
            }
            let skip = match values.len() {
                k if k == names.len() => 0,
                k if k == names.len() + 1 => 1,
                k => {
                    return Err(Error::input(format!(
                        "line {lineno}: {k} fields, the header names {}",
                        names.len()
                    )));
                }
            };
            for (c, v) in columns.iter_mut().zip(values.into_iter().skip(skip)) {
                c.push(v);
            }
            i += 1;
        }
        if i != cells.len() {
            return Err(Error::input(format!("{i} cells listed, the matrix has {}", cells.len())));
        }
        Ok(names
            .into_iter()
            .zip(columns)
            .map(|(n, c)| {
                let v = infer_values(&n, c);
                (n, v)
            })
            .collect())
    })();
    copts.end();
    res.at(path)
}

/// Options of [`create_from_matrix_market`]: loompy's keyword arguments, and the storage.
///
/// # Examples
///
/// ```
/// use loomfile_formats::MtxImport;
/// let opts = MtxImport::new().transposed(true).skip_headers(true, false);
/// assert!(opts.matrix_transposed && opts.skip_row_header && !opts.skip_col_header);
/// ```
#[derive(Clone, Debug)]
pub struct MtxImport {
    /// Field separator of the gene and barcode lists (default tab).
    pub delim: u8,
    /// The gene list's first line is a header.
    pub skip_row_header: bool,
    /// The barcode list's first line is a header.
    pub skip_col_header: bool,
    /// The `.mtx` files hold cells x genes.
    pub matrix_transposed: bool,
    /// Element type of every layer (default: int32 for integer files, int64 when a value
    /// needs it, float32 for real ones; the summed main layer: int64 or the widest float).
    pub dtype: Option<NumType>,
    /// Global attributes of the new file.
    pub file_attrs: Vec<(String, Values)>,
    /// Chunks and compression of the layers (loompy's by default).
    pub layer: LayerOptions,
    /// Bytes of the buffer sorting each file's entries (default 64 MiB).
    pub sort_memory: Option<usize>,
}

impl Default for MtxImport {
    fn default() -> Self {
        MtxImport {
            delim: b'\t',
            skip_row_header: false,
            skip_col_header: false,
            matrix_transposed: false,
            dtype: None,
            file_attrs: Vec::new(),
            layer: LayerOptions::default(),
            sort_memory: None,
        }
    }
}

impl MtxImport {
    /// loompy's defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!loomfile_formats::MtxImport::new().matrix_transposed);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Set [`MtxImport::delim`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile_formats::MtxImport::new().delim(b',').delim, b',');
    /// ```
    pub fn delim(mut self, delim: u8) -> Self {
        self.delim = delim;
        self
    }

    /// Skip a header line in the gene list (`rows`) and the barcode list (`cols`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(loomfile_formats::MtxImport::new().skip_headers(false, true).skip_col_header);
    /// ```
    pub fn skip_headers(mut self, rows: bool, cols: bool) -> Self {
        self.skip_row_header = rows;
        self.skip_col_header = cols;
        self
    }

    /// Set [`MtxImport::matrix_transposed`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(loomfile_formats::MtxImport::new().transposed(true).matrix_transposed);
    /// ```
    pub fn transposed(mut self, yes: bool) -> Self {
        self.matrix_transposed = yes;
        self
    }

    /// Set [`MtxImport::dtype`].
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::NumType;
    /// use loomfile_formats::MtxImport;
    /// assert_eq!(MtxImport::new().dtype(NumType::UInt16).dtype, Some(NumType::UInt16));
    /// ```
    pub fn dtype(mut self, t: NumType) -> Self {
        self.dtype = Some(t);
        self
    }

    /// Add a global attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Values;
    /// use loomfile_formats::MtxImport;
    /// let opts = MtxImport::new().file_attr("title", Values::from("run 7"));
    /// assert_eq!(opts.file_attrs.len(), 1);
    /// ```
    pub fn file_attr(mut self, name: &str, value: Values) -> Self {
        self.file_attrs.push((name.into(), value));
        self
    }

    /// Set the storage of the layers.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::LayerOptions;
    /// use loomfile_formats::MtxImport;
    /// let opts = MtxImport::new().layer(LayerOptions { chunks: (32, 32), gzip: Some(4) });
    /// assert_eq!(opts.layer.gzip, Some(4));
    /// ```
    pub fn layer(mut self, layer: LayerOptions) -> Self {
        self.layer = layer;
        self
    }

    /// Set [`MtxImport::sort_memory`].
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = loomfile_formats::MtxImport::new().sort_memory(1 << 20);
    /// assert_eq!(opts.sort_memory, Some(1 << 20));
    /// ```
    pub fn sort_memory(mut self, bytes: usize) -> Self {
        self.sort_memory = Some(bytes);
        self
    }
}

/// One `.mtx` file read and sorted (transposed when asked).
fn sort_mtx(
    path: &Path,
    out: &Path,
    opts: &MtxImport,
    memory: usize,
    copts: &ConvertOptions,
) -> Result<(SortedEntries, Summary)> {
    let mut sorter = CooSorter::new(Some(spill_dir_for(out)), memory);
    if opts.matrix_transposed {
        sorter = sorter.transposed();
    }
    let mut summary = {
        let mut r = open_text(path, copts, "reading Matrix Market")?;
        let s = read_coordinates(&mut *r, "", &mut sorter).at(path);
        copts.end();
        s?
    };
    if opts.matrix_transposed {
        std::mem::swap(&mut summary.rows, &mut summary.cols);
    }
    Ok((sorter.finish().at(path)?, summary))
}

/// The type a file's values are stored as, and whether it was chosen from the values
/// (then sums beyond int32 are refused rather than saturated).
fn layer_type(summary: &Summary, asked: Option<NumType>) -> (NumType, bool) {
    match (asked, summary.field) {
        (Some(t), _) => (t, false),
        (None, Field::Real) => (NumType::Float32, false),
        (None, _) if summary.fits_i32() => (NumType::Int32, true),
        (None, _) => (NumType::Int64, false),
    }
}

/// The lines of a gene or barcode list: the fields of each non-empty line.
fn list_lines(path: &Path, delim: u8, skip_header: bool) -> Result<Vec<Vec<String>>> {
    let copts = ConvertOptions::default();
    let mut r = Records::new(open_text(path, &copts, "reading a list")?, delim);
    let res: Result<Vec<Vec<String>>> = (|| {
        let (mut fields, mut out) = (Vec::new(), Vec::new());
        let mut first = true;
        while r.next_into(&mut fields)?.is_some() {
            if std::mem::take(&mut first) && skip_header {
                continue;
            }
            if fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            out.push(fields.iter().map(|f| f.trim().to_string()).collect());
        }
        Ok(out)
    })();
    copts.end();
    res.at(path)
}

/// loompy's `create_from_matrix_market`: a loom file at `out` from Matrix Market files, one
/// per layer (`(name, path)`; `""` is the main matrix, and when it is missing the main
/// matrix is the sum of the others), genes x cells unless
/// [`MtxImport::transposed`]. The gene list gives `Accession` (first field) and `Gene`
/// (second field, when the first line has one); the barcode list gives `CellID` as
/// `"<sample_id>:<barcode>"` (the barcode is the line's first field).
///
/// # Examples
///
/// ```
/// use loomfile_formats::{MtxImport, create_from_matrix_market};
/// use loomfile::{Axis, LoomFile, Sel};
/// # let dir = tempfile::tempdir()?;
/// let p = |n: &str| dir.path().join(n);
/// let head = "%%MatrixMarket matrix coordinate integer general\n";
/// std::fs::write(p("s.mtx"), format!("{head}2 3 2\n1 1 4\n2 3 1\n"))?;
/// std::fs::write(p("u.mtx"), format!("{head}2 3 1\n1 1 1\n"))?;
/// std::fs::write(p("genes.tsv"), "ENSG1\tActb\nENSG2\tSox2\n")?;
/// std::fs::write(p("barcodes.tsv"), "AAAC\nAAAG\nAAAT\n")?;
/// let layers = [("spliced", p("s.mtx")), ("unspliced", p("u.mtx"))];
/// let opts = MtxImport::new();
/// create_from_matrix_market(p("x.loom"), "s1", &layers, p("genes.tsv"), p("barcodes.tsv"), &opts)?;
/// let f = LoomFile::open(p("x.loom"))?;
/// assert_eq!(f.read_row::<i64>("", 0, &Sel::All)?.to_vec(), [5, 0, 0]); // the sum
/// assert_eq!(f.attr(Axis::Cols, "CellID")?.as_strings().unwrap()[0], "s1:AAAC");
/// assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["Actb", "Sox2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_from_matrix_market<P: AsRef<Path>>(
    out: impl AsRef<Path>,
    sample_id: &str,
    layers: &[(&str, P)],
    row_metadata: impl AsRef<Path>,
    col_metadata: impl AsRef<Path>,
    opts: &MtxImport,
) -> Result<Report> {
    let out = out.as_ref();
    let copts = convert_options(&opts.layer, opts.sort_memory);
    copts.check()?;
    if opts.dtype == Some(NumType::Float16) {
        return Err(Error::invalid("dtype float16 is not supported for imported matrices"));
    }
    if layers.is_empty() {
        return Err(Error::invalid("no layers given"));
    }
    for (i, (name, _)) in layers.iter().enumerate() {
        if !name.is_empty() {
            loomfile::attrs::check_name(name)?;
        }
        if layers[..i].iter().any(|(n, _)| n == name) {
            return Err(Error::invalid(format!("layer {name:?} is given twice")));
        }
    }
    let (row_path, col_path) = (row_metadata.as_ref(), col_metadata.as_ref());
    let genes = list_lines(row_path, opts.delim, opts.skip_row_header)?;
    let barcodes = list_lines(col_path, opts.delim, opts.skip_col_header)?;
    let shape = (genes.len() as u64, barcodes.len() as u64);
    let accession: Vec<&str> = genes.iter().map(|g| g[0].as_str()).collect();
    let mut row_attrs = vec![("Accession", Values::strings(&accession))];
    if genes.first().is_some_and(|g| g.len() > 1) {
        let names: Vec<&str> = genes.iter().map(|g| g.get(1).map_or("", |s| s.as_str())).collect();
        row_attrs.push(("Gene", Values::strings(&names)));
    }
    let cells: Vec<String> = barcodes.iter().map(|b| format!("{sample_id}:{}", b[0])).collect();
    let memory = opts.sort_memory.unwrap_or(DEFAULT_SORT_MEMORY);
    let check_shape = |path: &Path, s: &Summary| {
        if (s.rows, s.cols) == shape {
            Ok(())
        } else {
            Err(Error::input(format!(
                "the matrix is {} x {}{}, the gene and barcode lists give {} x {}",
                s.rows,
                s.cols,
                if opts.matrix_transposed { " (transposed)" } else { "" },
                shape.0,
                shape.1
            )))
            .at(path)
        }
    };
    // The main matrix first: it sets the file's shape.
    let mut layers: Vec<&(&str, P)> = layers.iter().collect();
    layers.sort_by_key(|(n, _)| !n.is_empty());
    let mut f = LoomFile::new_all_or_nothing(out, &globals(&opts.file_attrs)).at(out)?;
    let mut b = f.batch().at(out)?;
    let mut report = Report { shape, ..Report::default() };
    if !layers.iter().any(|(n, _)| n.is_empty()) {
        // The main matrix is the sum: every file sorted at once, each in its share of memory.
        let share = memory / layers.len();
        let mut streams = Vec::new();
        for (_, p) in &layers {
            let (entries, summary) = sort_mtx(p.as_ref(), out, opts, share, &copts)?;
            check_shape(p.as_ref(), &summary)?;
            streams.push((entries, summary));
        }
        let t = opts.dtype.unwrap_or_else(|| {
            let t = streams
                .iter()
                .map(|(_, s)| layer_type(s, None).0)
                .reduce(promote_num)
                .unwrap_or(NumType::Int64);
            if t.is_float() { t } else { NumType::Int64 }
        });
        report.dtype = Some(t.name().into());
        report.nnz = Some(
            loomfile::with_num_type!(t, T => stage_sorted::<T>(&mut b, "", shape, &mut streams, false, &copts))
                .map_err(at_file(out))?,
        );
        report.warnings.push(format!(
            "the main matrix is the sum of the layers {}",
            layers.iter().map(|(n, _)| format!("{n:?}")).collect::<Vec<_>>().join(", ")
        ));
    }
    for (name, p) in layers {
        let (entries, summary) = sort_mtx(p.as_ref(), out, opts, memory, &copts)?;
        check_shape(p.as_ref(), &summary)?;
        let (t, check) = layer_type(&summary, opts.dtype);
        let mut streams = [(entries, summary)];
        let nnz =
            loomfile::with_num_type!(t, T => stage_sorted::<T>(&mut b, name, shape, &mut streams, check, &copts))
                .map_err(at_file(p.as_ref()))?;
        if name.is_empty() {
            report.dtype = Some(t.name().into());
            report.nnz = Some(nnz);
        }
    }
    for (name, v) in &row_attrs {
        b.set_attr(Axis::Rows, name, v).at(out)?;
    }
    b.set_attr(Axis::Cols, "CellID", &Values::strings(&cells)).at(out)?;
    b.commit().at(out)?;
    f.close().at(out)?;
    Ok(report)
}
