//! Shared machinery of the converters: error context, gzip-transparent text input, atomic
//! text output, numeric dispatch, compressed sparse matrices with 32-bit indices, streaming
//! layer writers (row bands and column bands) and attribute tables.

use super::ConvertOptions;
use crate::attrs::check_name;
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::layers::{LayerOptions, layer_path};
use crate::ops::region::{Target, write_region_serial};
use crate::values::{NumType, Values};
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
    H5Type + PartialEq + std::ops::Add<Output = Self> + std::fmt::Display
{
    /// The stored type.
    const NUM: NumType;
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
    ($($t:ty => $n:ident),*) => {$(impl Num for $t {
        const NUM: NumType = NumType::$n;
        #[allow(unused_comparisons)]
        fn push_text(&self, out: &mut Vec<u8>) {
            if *self < 0 {
                out.push(b'-');
            }
            push_u64((*self as i128).unsigned_abs() as u64, out);
        }
    })*};
}
num_int!(i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64, u8 => UInt8, u16 => UInt16,
     u32 => UInt32, u64 => UInt64);

macro_rules! num_float {
    ($($t:ty => $n:ident),*) => {$(impl Num for $t {
        const NUM: NumType = NumType::$n;
        fn push_text(&self, out: &mut Vec<u8>) {
            use std::io::Write as _;
            let _ = write!(out, "{self}");
        }
    })*};
}
num_float!(f32 => Float32, f64 => Float64);

/// Run `$body` with `$T` bound to the Rust type of a [`NumType`] (float16 is read as f32).
macro_rules! with_num {
    ($t:expr, $T:ident => $body:expr) => {{
        use $crate::values::NumType as N__;
        match $t {
            N__::Int8 => {
                type $T = i8;
                $body
            }
            N__::Int16 => {
                type $T = i16;
                $body
            }
            N__::Int32 => {
                type $T = i32;
                $body
            }
            N__::Int64 => {
                type $T = i64;
                $body
            }
            N__::UInt8 => {
                type $T = u8;
                $body
            }
            N__::UInt16 => {
                type $T = u16;
                $body
            }
            N__::UInt32 => {
                type $T = u32;
                $body
            }
            N__::UInt64 => {
                type $T = u64;
                $body
            }
            N__::Float16 | N__::Float32 => {
                type $T = f32;
                $body
            }
            N__::Float64 => {
                type $T = f64;
                $body
            }
        }
    }};
}
pub(crate) use with_num;

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
/// [`crate::Csr`]): the in-memory form of h5ad graphs (`obsp`/`varp`).
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

/// Read one line without its end (`\n` or `\r\n`); `false` at the end of input.
pub(crate) fn next_line(r: &mut dyn BufRead, line: &mut String) -> std::io::Result<bool> {
    line.clear();
    if r.read_line(line)? == 0 {
        return Ok(false);
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(true)
}

/// Split a delimited line into `out`, reusing its strings (a wide matrix line has as many
/// fields as cells: one allocation per field and line would dominate the parse). CSV
/// fields may be double-quoted (`""` is a quote inside).
pub(crate) fn split_fields(line: &str, delim: u8, out: &mut Vec<String>) {
    if delim != b',' || !line.contains('"') {
        let mut n = 0;
        for piece in line.split(delim as char) {
            match out.get_mut(n) {
                Some(f) => {
                    f.clear();
                    f.push_str(piece);
                }
                None => out.push(piece.to_string()),
            }
            n += 1;
        }
        out.truncate(n);
        return;
    }
    out.clear();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    out.push(cur);
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

// ----- streaming layer writes -----

impl LoomFile {
    /// Create the dataset of layer `name` (`rows` x `cols` of `dtype`), replacing it, and
    /// describe it for the region writer.
    fn begin_layer(
        &mut self,
        name: &str,
        dtype: NumType,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
    ) -> Result<Target> {
        opts.check()?;
        if !name.is_empty() {
            check_name(name)?;
        }
        if rows == 0 || cols == 0 {
            return Err(Error::invalid(format!("the matrix is empty ({rows} x {cols})")));
        }
        let new_file = self.shape == (0, 0) || (name.is_empty() && !self.exists("/matrix"));
        if !new_file && (rows, cols) != self.shape {
            return Err(Error::Shape {
                what: format!("layer {name:?}"),
                expected: vec![self.shape.0, self.shape.1],
                got: vec![rows, cols],
            });
        }
        if !name.is_empty() && !self.exists("/matrix") && self.shape == (0, 0) {
            return Err(Error::invalid("write the main matrix (layer \"\") before other layers"));
        }
        let path = layer_path(name);
        let w = self.writer()?;
        let target = Target::create_with(w, &path, opts.spec(dtype, rows, cols))?;
        if name.is_empty() {
            self.shape = (rows, cols);
        }
        Ok(target)
    }

    /// Write layer `name` band by band of rows: `fill(start, n, out)` puts rows
    /// `start..start+n` (all columns, row-major) into `out`. Memory: one band (chunk rows).
    pub(crate) fn stage_layer_rows<T: Num>(
        &mut self,
        name: &str,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
        fill: impl FnMut(u64, u64, &mut Vec<T>) -> Result<()>,
    ) -> Result<()> {
        self.stage_layer_bands(name, rows, cols, opts, true, fill)
    }

    /// Write layer `name` band by band of columns: `fill(start, n, out)` puts columns
    /// `start..start+n` into `out`, one whole column after the other (column-major: element
    /// (r, start + j) at `j * rows + r`). Memory: one band (chunk columns).
    pub(crate) fn stage_layer_cols<T: Num>(
        &mut self,
        name: &str,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
        fill: impl FnMut(u64, u64, &mut Vec<T>) -> Result<()>,
    ) -> Result<()> {
        self.stage_layer_bands(name, rows, cols, opts, false, fill)
    }

    /// Bands of rows (`by_rows`) or of columns, one chunk deep, filled by `fill` and stored
    /// by the one region writer (`ops::region`: chunks encoded in parallel, all-zero chunks
    /// left unstored).
    fn stage_layer_bands<T: Num>(
        &mut self,
        name: &str,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
        by_rows: bool,
        mut fill: impl FnMut(u64, u64, &mut Vec<T>) -> Result<()>,
    ) -> Result<()> {
        let t = self.begin_layer(name, T::NUM, rows, cols, opts)?;
        let tile = if by_rows { (t.chunk.0, cols) } else { (rows, t.chunk.1) };
        let mut band: Vec<T> = Vec::new();
        let w = self.writer()?;
        write_region_serial(w, &t, (0, rows), (0, cols), tile, |r0, h, c0, wd, out| {
            let (start, k, across) = if by_rows { (r0, h, wd) } else { (c0, wd, h) };
            band.clear();
            fill(start, k, &mut band)?;
            if band.len() as u64 != k * across {
                return Err(Error::invalid("internal: band of the wrong size"));
            }
            out.reserve(band.len() * size_of::<T>());
            if by_rows {
                for &x in &band {
                    x.write_le(out);
                }
            } else {
                // Column-major band to the row-major tile.
                for r in 0..h as usize {
                    for j in 0..wd as usize {
                        band[j * h as usize + r].write_le(out);
                    }
                }
            }
            Ok(())
        })
    }
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
    let mut line = String::new();
    let mut fields = Vec::new();
    if !next_line(&mut *r, &mut line).map_err(io).at(path)? {
        return Err(Error::input("empty file: expected a header line of attribute names")).at(path);
    }
    let header_line = line.strip_prefix('\u{feff}').unwrap_or(&line).to_string();
    split_fields(&header_line, delim, &mut fields);
    let names = fields.clone();
    for n in &names {
        check_name(n).map_err(|e| Error::input(format!("header: {e}"))).at(path)?;
    }
    // alloc: names.len(), header fields already read
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    let mut lineno = 1;
    while next_line(&mut *r, &mut line).map_err(io).at(path)? {
        lineno += 1;
        if line.is_empty() {
            continue;
        }
        split_fields(&line, delim, &mut fields);
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
    rows: &crate::layers::Sel,
    cols: &crate::layers::Sel,
    mut each: impl FnMut(&[u64], ndarray::ArrayView2<'_, T>) -> Result<()>,
) -> Result<()> {
    use crate::layers::Sel;
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
        let mut v = Vec::new();
        split_fields(r#"a,"b,c","d""e",,f"#, b',', &mut v);
        assert_eq!(v, vec!["a", "b,c", "d\"e", "", "f"]);
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
