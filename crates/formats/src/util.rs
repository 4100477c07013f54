//! Shared machinery of the converters: error context, gzip-transparent text input read as
//! delimited records (the `csv` crate), atomic text output, the converters' element trait,
//! compressed sparse matrices with 32-bit indices and attribute tables. Loom layers are
//! written through [`loomfile::Batch`]'s band writers.

use crate::ConvertOptions;
use loomfile::attrs::check_name;
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::values::{Element, NumType, Values};
use loomfile_hdf5::{Dataset, H5Type, Selection};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

// ----- errors -----

/// Attribute an error to the file it concerns: the first file named wins, so a read error
/// of the input stays the input's even when the whole conversion is wrapped for the output.
pub(crate) fn at_file(path: &Path) -> impl Fn(Error) -> Error + '_ {
    move |e| e.in_file(path.display())
}

/// Extension: `.at(path)` on results.
pub(crate) trait Ctx<T> {
    /// Prefix the error with `path`.
    fn at(self, path: &Path) -> Result<T>;
}

impl<T, E: Into<Error>> Ctx<T> for std::result::Result<T, E> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| at_file(path)(e.into()))
    }
}

/// An I/O error as a loom error.
pub(crate) fn io(e: std::io::Error) -> Error {
    Error::Hdf5(loomfile_hdf5::Error::io(e))
}

// ----- numbers -----

/// Element types of converted matrices.
pub(crate) trait Num:
    Element + PartialEq + std::ops::Add<Output = Self> + std::fmt::Display
{
    /// Zero test.
    fn is_zero(&self) -> bool {
        *self == Self::default()
    }
    /// Append the decimal text (integers exactly; floats as the shortest round-trip text).
    fn push_text(&self, out: &mut Vec<u8>);
}

/// Append the decimal digits of `v`.
pub(crate) fn push_u64(mut v: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

macro_rules! num_int {
    ($($t:ty),*) => {$(impl Num for $t {
        #[allow(unused_comparisons)]
        fn push_text(&self, out: &mut Vec<u8>) {
            if *self < 0 {
                out.push(b'-');
            }
            push_u64((*self as i128).unsigned_abs() as u64, out);
        }
    })*};
}
num_int!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! num_float {
    ($($t:ty),*) => {$(impl Num for $t {
        fn push_text(&self, out: &mut Vec<u8>) {
            use std::io::Write as _;
            let _ = write!(out, "{self}");
        }
    })*};
}
num_float!(f32, f64);

/// The numeric type of a dataset, or an error naming it.
pub(crate) fn num_type(ds: &Dataset) -> Result<NumType> {
    NumType::of(ds.dtype()).ok_or_else(|| {
        Error::input(format!(
            "{}: {} is not numeric",
            ds.path(),
            loomfile_hdf5::convert::describe(ds.dtype())
        ))
    })
}

/// A 1-D dataset converted to `T`, read in slices (the temporary raw buffer stays small).
pub(crate) fn read_1d<T: H5Type>(ds: &Dataset) -> Result<Vec<T>> {
    let shape = ds.shape().unwrap_or_default();
    if shape.len() != 1 {
        return Err(Error::input(format!("{}: expected 1-D, shape {shape:?}", ds.path())));
    }
    let n = shape[0];
    const STEP: u64 = 1 << 22;
    if n <= STEP {
        return Ok(ds.read::<T>()?);
    }
    // The length is the file's claim: the whole result must fit the read budget before
    // room for it is taken (each slice read below checks only itself).
    let limits = ds.file().source().limits;
    limits.check_elements(ds.path(), "a read of", n)?;
    limits.check_bytes(ds.path(), "bytes to read", n.saturating_mul(size_of::<T>() as u64))?;
    // alloc: n under max_elements and n * size_of::<T>() under max_read_bytes (checked above)
    let mut out = Vec::with_capacity(n as usize);
    let mut a = 0;
    while a < n {
        let b = (a + STEP).min(n);
        out.extend(ds.read_selection::<T>(&[Selection::Range(a, b)])?);
        a = b;
    }
    Ok(out)
}

// ----- compressed sparse -----

/// A sparse matrix with rows compressed and 32-bit column indices (half the memory of
/// [`loomfile::Csr`]): the in-memory form of h5ad graphs (`obsp`/`varp`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Compressed<T> {
    pub rows: u64,
    pub cols: u64,
    pub indptr: Vec<u64>,
    pub indices: Vec<u32>,
    pub data: Vec<T>,
}

impl<T: Num> Compressed<T> {
    /// Sort each row by column and add up duplicates (only rows that need it).
    pub fn canonicalize(&mut self) {
        let needs = (0..self.rows as usize).any(|r| {
            let (lo, hi) = (self.indptr[r] as usize, self.indptr[r + 1] as usize);
            self.indices[lo..hi].windows(2).any(|w| w[0] >= w[1])
        });
        if !needs {
            return;
        }
        // alloc: self.indptr.len(), already in memory
        let mut indptr = Vec::with_capacity(self.indptr.len());
        indptr.push(0u64);
        let mut w = 0usize;
        let mut row: Vec<(u32, T)> = Vec::new();
        for r in 0..self.rows as usize {
            let (lo, hi) = (self.indptr[r] as usize, self.indptr[r + 1] as usize);
            row.clear();
            row.extend((lo..hi).map(|k| (self.indices[k], self.data[k])));
            row.sort_by_key(|e| e.0);
            let start = w;
            for &(c, v) in &row {
                if w > start && self.indices[w - 1] == c {
                    self.data[w - 1] = self.data[w - 1] + v;
                } else {
                    self.indices[w] = c;
                    self.data[w] = v;
                    w += 1;
                }
            }
            indptr.push(w as u64);
        }
        self.indices.truncate(w);
        self.data.truncate(w);
        self.indptr = indptr;
    }
}

/// Check a pointer array of a compressed axis: `n + 1` entries, non-decreasing, within `nnz`.
pub(crate) fn check_indptr(indptr: &[u64], n: u64, nnz: u64, what: &str) -> Result<()> {
    if indptr.len() as u64 != n + 1 {
        return Err(Error::input(format!(
            "{what}: indptr has {} entries, expected {}",
            indptr.len(),
            n + 1
        )));
    }
    if indptr.windows(2).any(|w| w[0] > w[1]) || indptr.last().is_some_and(|&l| l > nnz) {
        return Err(Error::input(format!(
            "{what}: indptr is not non-decreasing within the {nnz} stored entries"
        )));
    }
    Ok(())
}

/// Transpose a compressed matrix: `indptr` compresses the outer axis (`n_outer` entries plus
/// one), `indices` run over the inner axis (`< n_inner`). The result has the inner axis as
/// rows — renumbered by `keep` (inner index -> new row, `u64::MAX` = dropped) when given —
/// and the outer axis as columns. Duplicates are added up.
pub(crate) fn transpose<T: Num>(
    n_outer: u64,
    n_inner: u64,
    indptr: &[u64],
    indices: &[u32],
    data: &[T],
    keep: Option<&[u64]>,
    what: &str,
) -> Result<Compressed<T>> {
    check_indptr(indptr, n_outer, indices.len() as u64, what)?;
    if indices.len() != data.len() {
        return Err(Error::input(format!(
            "{what}: {} indices for {} values",
            indices.len(),
            data.len()
        )));
    }
    if n_outer > u32::MAX as u64 {
        return Err(Error::input(format!("{what}: more than 2^32 columns")));
    }
    let new_rows = match keep {
        Some(k) => k.iter().filter(|&&r| r != u64::MAX).count() as u64,
        None => n_inner,
    };
    let map = |i: u32| -> Result<u64> {
        if i as u64 >= n_inner {
            return Err(Error::input(format!("{what}: index {i} outside 0..{n_inner}")));
        }
        Ok(keep.map_or(i as u64, |k| k[i as usize]))
    };
    // alloc: new_rows <= keep.len() or n_inner, under max_read_bytes (read_transposed)
    let mut counts = vec![0u64; new_rows as usize + 1];
    for j in 0..n_outer as usize {
        for &i in &indices[indptr[j] as usize..indptr[j + 1] as usize] {
            let r = map(i)?;
            if r != u64::MAX {
                counts[r as usize + 1] += 1;
            }
        }
    }
    for i in 0..new_rows as usize {
        counts[i + 1] += counts[i];
    }
    let nnz = counts[new_rows as usize] as usize;
    let mut next: Vec<u64> = counts[..new_rows as usize].to_vec();
    // alloc: nnz = entries already in memory
    let mut out_idx = vec![0u32; nnz];
    // alloc: nnz = entries already in memory
    let mut out_data = vec![T::default(); nnz];
    for j in 0..n_outer as usize {
        for k in indptr[j] as usize..indptr[j + 1] as usize {
            let r = map(indices[k])?;
            if r != u64::MAX {
                let at = next[r as usize] as usize;
                out_idx[at] = j as u32;
                out_data[at] = data[k];
                next[r as usize] += 1;
            }
        }
    }
    let mut m = Compressed {
        rows: new_rows,
        cols: n_outer,
        indptr: counts,
        indices: out_idx,
        data: out_data,
    };
    m.canonicalize();
    Ok(m)
}

// ----- text input -----

/// Counts bytes read from the underlying file into the progress sink.
struct Counting<'a, R> {
    inner: R,
    opts: &'a ConvertOptions,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.opts.advance(n as u64);
        Ok(n)
    }
}

/// Open a text file, gunzipping it when it starts with the gzip magic, and begin the
/// progress phase `phase` over its size (progress counts file bytes, from the first read
/// on); the caller ends the phase (this function ends it itself when it fails).
pub(crate) fn open_text<'a>(
    path: &Path,
    opts: &'a ConvertOptions,
    phase: &str,
) -> Result<Box<dyn BufRead + 'a>> {
    let f = std::fs::File::open(path).map_err(io).at(path)?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    opts.begin(phase, Some(size));
    let mut raw = BufReader::with_capacity(1 << 16, Counting { inner: f, opts });
    let gz = match raw.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(e) => {
            // The phase begun above ends with the error, so every begin has its end.
            opts.end();
            return Err(io(e)).at(path);
        }
    };
    Ok(if gz {
        Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    })
}

/// Delimited text read record by record with the `csv` crate: fields may be double-quoted
/// (as R's `write.table` and pandas write them), a quoted field may hold the delimiter, a
/// quote (`""`) or a line break, blank lines are skipped, a leading UTF-8 byte-order mark is
/// dropped, and lines may have any number of fields (the callers check the counts). Each
/// record comes with the line it starts on, for error messages.
pub(crate) struct Records<'a> {
    reader: csv::Reader<Breaks<Box<dyn BufRead + 'a>>>,
    record: csv::StringRecord,
    /// Line breaks before the reader's position, and the offset of the last of them.
    passed: u64,
    last_break: Option<u64>,
    first: bool,
}

/// The input of [`Records`], noting where its line breaks are: csv's own line count is off
/// after blank lines and on CRLF text. It holds the breaks of the bytes csv has buffered
/// but not parsed yet (one buffer at most).
struct Breaks<R> {
    inner: R,
    offset: u64,
    ahead: std::collections::VecDeque<u64>,
}

impl<R: Read> Read for Breaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let at = self.offset;
        self.ahead.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| at + i as u64));
        self.offset += n as u64;
        Ok(n)
    }
}

impl<'a> Records<'a> {
    /// Records of `input`, fields separated by `delim`.
    pub(crate) fn new(input: Box<dyn BufRead + 'a>, delim: u8) -> Self {
        let breaks = Breaks { inner: input, offset: 0, ahead: Default::default() };
        let reader = csv::ReaderBuilder::new()
            .delimiter(delim)
            .has_headers(false)
            .flexible(true)
            .from_reader(breaks);
        Records {
            reader,
            record: csv::StringRecord::new(),
            passed: 0,
            last_break: None,
            first: true,
        }
    }

    /// The line the record just read starts on (1-based).
    fn start_line(&mut self) -> u64 {
        // The reader stands just past the record and its terminator (`\n`, or the `\r` of
        // `\r\n`, or the end of the input).
        let end = self.reader.position().byte();
        let breaks = &mut self.reader.get_mut().ahead;
        while let Some(&b) = breaks.front().filter(|&&b| b < end) {
            breaks.pop_front();
            self.passed += 1;
            self.last_break = Some(b);
        }
        let ends_with_break = end > 0 && self.last_break == Some(end - 1);
        let end_line = 1 + self.passed - ends_with_break as u64;
        let inner = self.record.iter().map(|f| f.matches('\n').count() as u64).sum::<u64>();
        end_line.saturating_sub(inner).max(1)
    }

    /// Read the next record (see [`Records::record`]); returns the line it starts on
    /// (1-based), or `None` at the end of the input.
    pub(crate) fn next(&mut self) -> Result<Option<u64>> {
        let more = self.reader.read_record(&mut self.record).map_err(|e| {
            let line = e.position().map_or(String::new(), |p| format!("line {}: ", p.line()));
            match e.into_kind() {
                csv::ErrorKind::Io(e) => io(e),
                csv::ErrorKind::Utf8 { .. } => Error::input(format!("{line}not UTF-8 text")),
                other => Error::input(format!("{line}{other:?}")),
            }
        })?;
        if !more {
            return Ok(None);
        }
        if std::mem::take(&mut self.first)
            && let Some(f) = self.record.get(0).and_then(|f| f.strip_prefix('\u{feff}'))
        {
            let mut rest: Vec<String> = self.record.iter().map(str::to_string).collect();
            rest[0] = f.to_string();
            self.record = csv::StringRecord::from(rest);
        }
        Ok(Some(self.start_line()))
    }

    /// The fields of the record [`Records::next`] read last.
    pub(crate) fn record(&self) -> &csv::StringRecord {
        &self.record
    }

    /// The next record's fields into `out`, reusing its strings (a wide matrix line has as
    /// many fields as cells: one allocation per field and line would dominate the parse).
    /// Returns the line the record starts on (1-based), or `None` at the end of the input.
    pub(crate) fn next_into(&mut self, out: &mut Vec<String>) -> Result<Option<u64>> {
        let Some(line) = self.next()? else { return Ok(None) };
        let mut n = 0;
        for field in self.record.iter() {
            match out.get_mut(n) {
                Some(f) => {
                    f.clear();
                    f.push_str(field);
                }
                None => out.push(field.to_string()),
            }
            n += 1;
        }
        out.truncate(n);
        Ok(Some(line))
    }
}

/// One text field for a delimited output: tabs/newlines become spaces in TSV; CSV quotes
/// fields that need it.
pub(crate) fn text_field(s: &str, delim: u8) -> std::borrow::Cow<'_, str> {
    if delim == b',' {
        if s.contains([',', '"', '\n', '\r']) {
            return format!("\"{}\"", s.replace('"', "\"\"")).into();
        }
        return s.into();
    }
    if s.contains(['\t', '\n', '\r']) {
        s.replace(['\t', '\n', '\r'], " ").into()
    } else {
        s.into()
    }
}

// ----- text output -----

/// Whole output files are written atomically by loomfile-hdf5's one helper.
pub(crate) use loomfile_hdf5::storage::AtomicFile;

/// A buffered text writer, gzip-compressed when the output name ends in `.gz`.
pub(crate) enum TextOut<W: Write> {
    Plain(std::io::BufWriter<W>),
    Gz(Box<std::io::BufWriter<flate2::write::GzEncoder<std::io::BufWriter<W>>>>),
}

impl<W: Write> TextOut<W> {
    pub fn new(w: W, gz: bool) -> Self {
        let b = std::io::BufWriter::with_capacity(1 << 16, w);
        if gz {
            // Buffer before the encoder too: small writes straight into deflate are slow.
            TextOut::Gz(Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                flate2::write::GzEncoder::new(b, flate2::Compression::new(6)),
            )))
        } else {
            TextOut::Plain(b)
        }
    }

    pub fn finish(self) -> std::io::Result<()> {
        match self {
            TextOut::Plain(mut b) => b.flush(),
            TextOut::Gz(g) => g.into_inner().map_err(|e| e.into_error())?.finish()?.flush(),
        }
    }
}

impl<W: Write> Write for TextOut<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            TextOut::Plain(b) => b.write(buf),
            TextOut::Gz(g) => g.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            TextOut::Plain(b) => b.write_all(buf),
            TextOut::Gz(g) => g.write_all(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            TextOut::Plain(b) => b.flush(),
            TextOut::Gz(g) => g.flush(),
        }
    }
}

/// True when the path ends in `.gz`.
pub(crate) fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

// ----- attributes -----

/// Values from text: all integers -> int64, all numbers -> float64, otherwise strings.
/// `Gene`, `Accession` and `CellID` are always strings.
pub(crate) fn infer_values(name: &str, v: Vec<String>) -> Values {
    let force_str = matches!(name, "Gene" | "Accession" | "CellID" | "obs_names" | "var_names");
    if !force_str && !v.is_empty() {
        if let Some(ints) =
            v.iter().map(|s| s.trim().parse::<i64>().ok()).collect::<Option<Vec<_>>>()
        {
            return Values::from_vec(ints);
        }
        if let Some(fl) = v
            .iter()
            .map(|s| {
                let t = s.trim();
                if t.is_empty() || t.eq_ignore_ascii_case("na") {
                    Some(f64::NAN)
                } else {
                    t.parse::<f64>().ok()
                }
            })
            .collect::<Option<Vec<_>>>()
            && v.iter().any(|s| !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("na"))
        {
            return Values::from_vec(fl);
        }
    }
    Values::strings(&v)
}

/// Read an attribute table: a header line of names, then one line per row or column,
/// tab-separated (comma for `.csv`). Returns the attributes in header order.
pub(crate) fn read_attr_table(
    path: &Path,
    expected: u64,
    what: &str,
    opts: &ConvertOptions,
) -> Result<Vec<(String, Values)>> {
    let delim =
        if path.to_string_lossy().to_ascii_lowercase().contains(".csv") { b',' } else { b'\t' };
    let mut r = open_text(path, opts, &format!("reading {what} attributes"))?;
    let table = attr_table(&mut *r, path, delim, expected, what);
    opts.end();
    table
}

/// [`read_attr_table`] once the file is open.
fn attr_table(
    r: &mut dyn BufRead,
    path: &Path,
    delim: u8,
    expected: u64,
    what: &str,
) -> Result<Vec<(String, Values)>> {
    let mut r = Records::new(Box::new(r), delim);
    let mut fields = Vec::new();
    if r.next_into(&mut fields).at(path)?.is_none() {
        return Err(Error::input("empty file: expected a header line of attribute names")).at(path);
    }
    let names = fields.clone();
    for n in &names {
        check_name(n).map_err(|e| Error::input(format!("header: {e}"))).at(path)?;
    }
    // alloc: names.len(), header fields already read
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    while let Some(lineno) = r.next_into(&mut fields).at(path)? {
        if fields.len() != names.len() {
            return Err(Error::input(format!(
                "line {lineno}: {} fields, the header has {}",
                fields.len(),
                names.len()
            )))
            .at(path);
        }
        for (c, v) in cols.iter_mut().zip(fields.drain(..)) {
            c.push(v);
        }
    }
    let n = cols.first().map_or(0, |c| c.len()) as u64;
    if n != expected {
        return Err(Error::input(format!("{n} {what} listed, the matrix has {expected}"))).at(path);
    }
    Ok(names
        .into_iter()
        .zip(cols)
        .map(|(n, c)| {
            let v = infer_values(&n, c);
            (n, v)
        })
        .collect())
}

/// One text cell per element of a 1-D attribute.
pub(crate) fn text_cells(v: &Values) -> Option<Vec<String>> {
    if v.shape().len() != 1 {
        return None;
    }
    Some(match v {
        Values::String(a) => a.iter().cloned().collect(),
        Values::Bool(a) => a.iter().map(|b| (*b as u8).to_string()).collect(),
        Values::Float16(a) | Values::Float32(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::Float64(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::Int8(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::Int16(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::Int32(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::Int64(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::UInt8(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::UInt16(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::UInt32(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::UInt64(a) => a.iter().map(|x| x.to_string()).collect(),
        Values::Enum { values, .. } => values.iter().map(|x| x.to_string()).collect(),
        Values::Compound(_) => return None,
    })
}

/// Write the 1-D attributes of an axis as a table (header of names, one line per entry);
/// returns the names of attributes left out (not 1-D).
pub(crate) fn write_attr_table(f: &LoomFile, axis: Axis, path: &Path) -> Result<Vec<String>> {
    let delim =
        if path.to_string_lossy().to_ascii_lowercase().contains(".csv") { b',' } else { b'\t' };
    let mut names = Vec::new();
    let mut cols = Vec::new();
    let mut skipped = Vec::new();
    for n in f.attr_names(axis) {
        let v = f.attr(axis, &n)?;
        match text_cells(&v) {
            Some(c) => {
                names.push(n);
                cols.push(c);
            }
            None => skipped.push(n),
        }
    }
    let mut af = AtomicFile::create(path)?;
    let mut out = TextOut::new(af.file_mut(), is_gz(path));
    let sep = [delim];
    let write = |out: &mut TextOut<&mut std::fs::File>| -> std::io::Result<()> {
        let header: Vec<_> = names.iter().map(|n| text_field(n, delim)).collect();
        writeln!(out, "{}", header.join(std::str::from_utf8(&sep).unwrap_or("\t")))?;
        for i in 0..f.len(axis) as usize {
            for (k, c) in cols.iter().enumerate() {
                if k > 0 {
                    out.write_all(&sep)?;
                }
                out.write_all(text_field(&c[i], delim).as_bytes())?;
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    };
    write(&mut out).map_err(io).at(path)?;
    out.finish().map_err(io).at(path)?;
    af.commit()?;
    Ok(skipped)
}

// ----- reading loom layers in bands -----

/// Visit a selection of a layer one band of rows at a time (the layer's chunk height), as
/// `T`: `each(row_indices, band)` with `band` of shape (band rows, selected columns).
pub(crate) fn for_each_band<T: Num>(
    f: &LoomFile,
    layer: &str,
    rows: &loomfile::layers::Sel,
    cols: &loomfile::layers::Sel,
    mut each: impl FnMut(&[u64], ndarray::ArrayView2<'_, T>) -> Result<()>,
) -> Result<()> {
    use loomfile::layers::Sel;
    let (n, _) = f.shape();
    let h =
        f.layer_info(layer)?.chunks.and_then(|c| c.first().copied()).unwrap_or(64).max(1) as usize;
    let idx = rows.indices_within(n, &f.limits())?;
    for band in idx.chunks(h) {
        let contiguous = band.windows(2).all(|w| w[1] == w[0] + 1);
        let sel = if contiguous {
            Sel::Range(band[0], band[band.len() - 1] + 1)
        } else {
            Sel::Index(band.to_vec())
        };
        let a = f.read_layer::<T>(layer, &sel, cols)?;
        each(band, a.view())?;
    }
    Ok(())
}

/// Open a loom file to convert from: it must have a main matrix.
pub(crate) fn open_loom(path: &Path) -> Result<LoomFile> {
    let f = LoomFile::open(path).at(path)?;
    if !f.layer_names().iter().any(|n| n.is_empty()) {
        return Err(Error::NotLoom("no /matrix (main matrix)".into())).at(path);
    }
    let (n, m) = f.shape();
    f.check_area("/matrix", "a conversion of", n, m).at(path)?;
    if n == 0 || m == 0 {
        return Err(Error::input(format!("/matrix is empty ({n} x {m}): nothing to convert")))
            .at(path);
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_filters_and_merges() {
        // 2 outer (columns) x 3 inner (rows): col 0 has rows 0, 2; col 1 has rows 2, 2 (dup).
        let m =
            transpose::<i32>(2, 3, &[0, 2, 4], &[0, 2, 2, 2], &[1, 2, 3, 4], None, "t").unwrap();
        assert_eq!(m.rows, 3);
        assert_eq!(m.indptr, vec![0, 1, 1, 3]);
        assert_eq!(m.indices, vec![0, 0, 1]);
        assert_eq!(m.data, vec![1, 2, 7]);
        let keep = [u64::MAX, u64::MAX, 0];
        let k = transpose::<i32>(2, 3, &[0, 2, 4], &[0, 2, 2, 2], &[1, 2, 3, 4], Some(&keep), "t")
            .unwrap();
        assert_eq!(
            (k.rows, k.indptr.clone(), k.indices.clone(), k.data.clone()),
            (1, vec![0, 2], vec![0, 1], vec![2, 7])
        );
        assert!(transpose::<i32>(1, 2, &[0, 1], &[5], &[1], None, "t").is_err());
    }

    #[test]
    fn csv_quotes() {
        let text = "\u{feff}a,\"b,c\",\"d\"\"e\",,f\n\n\"two\nlines\",x\r\nlast\n";
        let mut r = Records::new(Box::new(text.as_bytes()), b',');
        let mut v = Vec::new();
        assert_eq!(r.next_into(&mut v).unwrap(), Some(1));
        assert_eq!(v, vec!["a", "b,c", "d\"e", "", "f"]);
        // The blank line is skipped; a quoted field holds a line break.
        assert_eq!(r.next_into(&mut v).unwrap(), Some(3));
        assert_eq!(v, vec!["two\nlines", "x"]);
        assert_eq!(r.next_into(&mut v).unwrap(), Some(5));
        assert_eq!(v, vec!["last"]);
        assert_eq!(r.next_into(&mut v).unwrap(), None);
        // CRLF lines, blank lines, and a last line without a break.
        let mut r = Records::new(Box::new("a\r\nb\r\n\r\nc\r\n\n\nd".as_bytes()), b',');
        let lines: Vec<_> = std::iter::from_fn(|| r.next_into(&mut v).unwrap()).collect();
        assert_eq!(lines, [1, 2, 4, 7]);
        assert_eq!(r.next_into(&mut v).unwrap(), None);
        // Tab-separated with R's quoting.
        let mut r = Records::new(Box::new("\"gene\"\t\"c 1\"\n".as_bytes()), b'\t');
        r.next_into(&mut v).unwrap();
        assert_eq!(v, vec!["gene", "c 1"]);
        // Not UTF-8: an input error naming the line.
        let mut r = Records::new(Box::new(&b"ok\n\xff\xfe\n"[..]), b'\t');
        r.next_into(&mut v).unwrap();
        let e = r.next_into(&mut v).unwrap_err();
        assert!(matches!(&e, Error::Input(m) if m.starts_with("line 2")), "{e}");
        assert_eq!(text_field("x,y", b','), "\"x,y\"");
        assert_eq!(text_field("x\ty", b'\t'), "x y");
    }

    #[test]
    fn inference() {
        assert_eq!(
            infer_values("n", vec!["1".into(), "-2".into()]),
            Values::from_vec(vec![1i64, -2])
        );
        assert!(matches!(infer_values("x", vec!["1.5".into(), "".into()]), Values::Float64(_)));
        assert!(matches!(infer_values("Gene", vec!["1".into()]), Values::String(_)));
        assert!(matches!(infer_values("x", vec!["a".into()]), Values::String(_)));
    }
}
