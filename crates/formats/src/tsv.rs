//! Dense delimited text (TSV, CSV; plain or gzip) to and from loom.
//!
//! Reading: the first line holds the column (cell) ids — either one per data column, or
//! preceded by a corner label (R's `write.table` leaves it out, pandas writes it); every
//! other line is a row (gene) id followed by one value per column. Row ids become `Gene`,
//! column ids `CellID`. Two passes over the text (count and type the values, then parse
//! them band by band), so memory holds one band of rows, never the matrix. Values are
//! int32 when every value is an integer (int64 when needed), float32 otherwise; `dtype`
//! overrides. Empty fields, `NA` and `nan` read as NaN (float types only). Fields may be
//! double-quoted (R and pandas quote names), quoted fields may hold the delimiter or a line
//! break, and blank lines are skipped.
//!
//! Writing: a header line of a corner label (the row-id attribute name) and the column ids
//! (`CellID`, else 0-based indices), then one line per row: the row id (`Gene`, else
//! `Accession`, else the index) and the values, streamed band by band.

use crate::util::{
    AtomicFile, Ctx, Num, Records, TextOut, at_file, for_each_band, io, is_gz, open_text,
    text_cells, text_field,
};
use crate::{ConvertOptions, Report};
use loomfile::Batch;
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::layers::Sel;
use loomfile::values::{NumType, Values};
use std::io::Write;
use std::path::Path;

fn is_missing(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan")
}

/// What the first pass over the text found.
pub(super) struct Scan {
    /// The header line's fields.
    pub(super) header: Vec<String>,
    /// The header starts with a corner label (as many fields as the data lines).
    pub(super) corner: bool,
    /// The row id (first field) of every data line.
    pub(super) ids: Vec<String>,
    pub(super) rows: u64,
    pub(super) cols: u64,
    /// Every value is an integer.
    pub(super) ints: bool,
    /// Some integer needs 64 bits.
    pub(super) wide: bool,
}

impl Scan {
    /// The column ids: the header without its corner label.
    pub(super) fn cells(&self) -> &[String] {
        if self.corner { &self.header[1..] } else { &self.header }
    }
}

/// The first pass: count, type and check the values, keep the row ids.
pub(super) fn scan(input: &Path, delim: u8, opts: &ConvertOptions) -> Result<Scan> {
    let mut r = Records::new(open_text(input, opts, "scanning text")?, delim);
    let mut fields = Vec::new();
    let err = |m: String| Error::input(m);
    if r.next_into(&mut fields)?.is_none() {
        return Err(err("empty file".into()));
    }
    let header = fields.clone();
    let (mut rows, mut width) = (0u64, None::<usize>);
    let (mut ints, mut wide) = (true, false);
    let mut ids = Vec::new();
    while let Some(lineno) = r.next()? {
        let fields = r.record();
        match width {
            None => width = Some(fields.len()),
            Some(w) if w != fields.len() => {
                return Err(err(format!(
                    "line {lineno}: {} fields, earlier lines have {w}",
                    fields.len()
                )));
            }
            _ => {}
        }
        for v in fields.iter().skip(1) {
            let t = v.trim();
            if ints {
                match t.parse::<i64>() {
                    Ok(x) => wide |= x < i32::MIN as i64 || x > i32::MAX as i64,
                    Err(_) => ints = false,
                }
            }
            if !ints && !is_missing(t) && t.parse::<f64>().is_err() {
                return Err(err(format!("line {lineno}: {t:?} is not a number")));
            }
        }
        ids.push(fields[0].to_string());
        rows += 1;
    }
    opts.end();
    let Some(width) = width else {
        return Err(err("no data lines after the header".into()));
    };
    if width < 2 {
        return Err(err("expected a row id and at least one value per line".into()));
    }
    let cols = (width - 1) as u64;
    let corner = match header.len() {
        h if h == width => true,
        h if h + 1 == width => false,
        h => {
            return Err(err(format!(
                "the header has {h} fields, data lines have {width} (expected {} or {width})",
                width - 1
            )));
        }
    };
    Ok(Scan { header, corner, ids, rows, cols, ints, wide })
}

/// A value of the text: exact for integer text, through f64 otherwise (missing: NaN).
pub(super) fn parse_value<T: Num>(s: &str, ints: bool) -> Option<T> {
    let t = s.trim();
    if ints {
        t.parse::<i64>().ok().map(T::from_i64)
    } else if is_missing(t) {
        Some(T::from_f64(f64::NAN))
    } else {
        t.parse::<f64>().ok().map(T::from_f64)
    }
}

/// The second pass: stage the text's values as layer `""` of `f`, one band of rows at a
/// time, in the order of the text.
pub(super) fn stage_matrix<T: Num>(
    f: &mut Batch<'_>,
    input: &Path,
    delim: u8,
    s: &Scan,
    opts: &ConvertOptions,
) -> Result<()> {
    let mut r = Records::new(open_text(input, opts, "converting")?, delim);
    r.next().at(input)?;
    let res = f.write_layer_rows::<T>("", s.rows, s.cols, &opts.layer_options(), |_, n, out| {
        let mut got = 0;
        while got < n {
            let Some(lineno) = r.next().at(input)? else {
                return Err(Error::input("the file changed while reading")).at(input);
            };
            let fields = r.record();
            if fields.len() as u64 != s.cols + 1 {
                return Err(Error::input(format!("line {lineno}: field count changed"))).at(input);
            }
            for v in fields.iter().skip(1) {
                out.push(parse_value::<T>(v, s.ints).ok_or_else(|| {
                    at_file(input)(Error::input(format!("line {lineno}: bad value {v:?}")))
                })?);
            }
            got += 1;
        }
        Ok(())
    });
    opts.end();
    res
}

fn write_loom<T: Num>(
    input: &Path,
    output: &Path,
    delim: u8,
    s: &Scan,
    opts: &ConvertOptions,
) -> Result<()> {
    let mut f = LoomFile::new_all_or_nothing(output, &[]).at(output)?;
    let mut b = f.batch().at(output)?;
    stage_matrix::<T>(&mut b, input, delim, s, opts).map_err(at_file(output))?;
    b.set_attr(Axis::Rows, "Gene", &Values::strings(&s.ids)).at(output)?;
    b.set_attr(Axis::Cols, "CellID", &Values::strings(s.cells())).at(output)?;
    b.commit().at(output)?;
    f.close().at(output)
}

/// Convert dense delimited text (`delim` `\t` or `,`) to a loom file.
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, tsv};
/// use loomfile::{Axis, LoomFile};
/// # let dir = tempfile::tempdir()?;
/// let (input, out) = (dir.path().join("m.csv"), dir.path().join("m.loom"));
/// std::fs::write(&input, "gene,c1,c2\nActb,0.5,3\nSox2,1,0\n")?;
/// let report = tsv::to_loom(&input, &out, b',', &ConvertOptions::default())?;
/// assert_eq!(report.dtype.as_deref(), Some("float32")); // not all whole numbers
/// let f = LoomFile::open(&out)?;
/// assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap(), ["Actb", "Sox2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_loom(input: &Path, output: &Path, delim: u8, opts: &ConvertOptions) -> Result<Report> {
    let s = scan(input, delim, opts).at(input)?;
    let t = opts.dtype.unwrap_or(match (s.ints, s.wide) {
        (true, false) => NumType::Int32,
        (true, true) => NumType::Int64,
        _ => NumType::Float32,
    });
    if s.ints || opts.dtype.is_some_and(|d| !d.is_float()) {
        // Integer output from text with missing values would silently turn NaN into 0.
        if !s.ints && !t.is_float() {
            return Err(Error::invalid(format!(
                "--dtype {}: the text has non-integer values",
                t.name()
            )))
            .at(input);
        }
    }
    loomfile::with_num_type!(t, T => write_loom::<T>(input, output, delim, &s, opts)?);
    Ok(Report { shape: (s.rows, s.cols), dtype: Some(t.name().into()), ..Report::default() })
}

fn ids(f: &LoomFile, axis: Axis, names: &[&str]) -> (String, Vec<String>) {
    for n in names {
        if let Ok(v) = f.attr(axis, n)
            && let Some(c) = text_cells(&v)
        {
            return (n.to_string(), c);
        }
    }
    (String::new(), (0..f.len(axis)).map(|i| i.to_string()).collect())
}

/// Convert a loom layer (`opts.layer`, default the main matrix) to dense delimited text.
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
/// use loomfile_formats::{ConvertOptions, tsv};
/// let out = dir.path().join("ds.tsv");
/// tsv::from_loom(&path, &out, b'\t', &ConvertOptions::default())?;
/// let text = std::fs::read_to_string(&out)?;
/// let mut lines = text.lines();
/// assert_eq!(lines.next(), Some("Gene\tx\ty\tz")); // the gene column, then one per cell
/// assert_eq!(lines.next(), Some("a\t0\t1\t2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_loom(input: &Path, output: &Path, delim: u8, opts: &ConvertOptions) -> Result<Report> {
    let f = crate::util::open_loom(input)?;
    let layer = opts.layer.as_deref().unwrap_or("");
    let t = opts.dtype.unwrap_or(f.layer_dtype(layer).at(input)?);
    let (corner, rows) = ids(&f, Axis::Rows, &["Gene", "Accession"]);
    let (_, cols) = ids(&f, Axis::Cols, &["CellID"]);
    let mut af = AtomicFile::create(output)?;
    let mut w = TextOut::new(af.file_mut(), is_gz(output));
    let sep = delim as char;
    let mut header = String::from(text_field(&corner, delim));
    for c in &cols {
        header.push(sep);
        header.push_str(&text_field(c, delim));
    }
    header.push('\n');
    w.write_all(header.as_bytes()).map_err(io).at(output)?;
    opts.begin("writing text", Some(f.shape().0));
    let mut buf: Vec<u8> = Vec::new();
    loomfile::with_num_type!(t, T => {
        for_each_band::<T>(&f, layer, &Sel::All, &Sel::All, |idx, band| {
            for (i, row) in band.outer_iter().enumerate() {
                buf.clear();
                buf.extend_from_slice(text_field(&rows[idx[i] as usize], delim).as_bytes());
                for x in row.iter() {
                    buf.push(delim);
                    x.push_text(&mut buf);
                }
                buf.push(b'\n');
                w.write_all(&buf).map_err(io)?;
            }
            opts.advance(idx.len() as u64);
            Ok(())
        })
        .map_err(at_file(input))?;
    });
    opts.end();
    w.finish().map_err(io).at(output)?;
    af.commit()?;
    Ok(Report { shape: f.shape(), dtype: Some(t.name().into()), ..Report::default() })
}
