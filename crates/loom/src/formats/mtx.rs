//! Matrix Market coordinate files (`.mtx`, `.mtx.gz`; genes x cells) to and from loom.
//!
//! Reading accepts `%%MatrixMarket matrix coordinate {integer|real|double|pattern}
//! {general|symmetric|skew-symmetric}`, `%` comment lines, entries in any order (duplicates
//! are added up), plain or gzip. The triplets are held once and turned into rows-compressed
//! data (memory bounded by the non-zeros), then written band by band. The stored type is
//! `dtype` when given, else int32 for integer data (int64 when a value needs it) and
//! pattern matrices, float32 for real data. Attributes come from `--row-attrs` /
//! `--col-attrs` tables: a header line of attribute names, then one line per row/column
//! (tab-separated; comma for `.csv` names); columns of integers become int64, of numbers
//! float64, anything else strings (`Gene`, `Accession`, `CellID` always strings).
//!
//! Writing (loom -> mtx) streams the layer band by band: 1-based coordinates, `integer` for
//! integer layers and `real` otherwise, genes as rows, entries in row-major order. A plain
//! `.mtx` gets its size line (padded with spaces) patched once the count is known; a
//! `.mtx.gz` is written as two gzip members (header, then body). Attribute tables are
//! written when `--row-attrs` / `--col-attrs` name files (1-D attributes only).

use super::util::{
    AtomicFile, Compressed, Ctx, Num, TextOut, at_file, for_each_band, io, is_gz, open_text,
    push_u64, read_attr_table, stage_compressed, with_num, write_attr_table,
};
use super::{ConvertOptions, Report};
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::layers::Sel;
use crate::values::NumType;
use std::io::{BufRead, Seek, SeekFrom, Write};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Integer,
    Real,
    Pattern,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symmetry {
    General,
    Symmetric,
    Skew,
}

enum Vals {
    Int(Vec<i64>),
    Real(Vec<f64>),
    Pattern,
}

/// Parsed triplets (0-based).
struct Triplets {
    rows: u64,
    cols: u64,
    r: Vec<u32>,
    c: Vec<u32>,
    v: Vals,
}

fn bad(lineno: u64, msg: impl std::fmt::Display) -> Error {
    Error::invalid(format!("line {lineno}: {msg}"))
}

fn parse(r: &mut dyn BufRead) -> Result<Triplets> {
    let mut line = Vec::new();
    let mut lineno = 0u64;
    let mut next = |line: &mut Vec<u8>| -> Result<bool> {
        line.clear();
        let n = r.read_until(b'\n', line).map_err(io)?;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(n > 0)
    };
    if !next(&mut line)? || !line.to_ascii_lowercase().starts_with(b"%%matrixmarket") {
        return Err(Error::invalid("not a Matrix Market file (no %%MatrixMarket header line)"));
    }
    lineno += 1;
    let header = String::from_utf8_lossy(&line).to_ascii_lowercase();
    let t: Vec<&str> = header.split_ascii_whitespace().collect();
    if t.len() < 5 || t[1] != "matrix" {
        return Err(bad(lineno, format!("unsupported header {header:?}")));
    }
    if t[2] != "coordinate" {
        return Err(bad(
            lineno,
            format!("{} Matrix Market files are not supported (only coordinate)", t[2]),
        ));
    }
    let field = match t[3] {
        "integer" => Field::Integer,
        "real" | "double" => Field::Real,
        "pattern" => Field::Pattern,
        other => return Err(bad(lineno, format!("{other} values are not supported"))),
    };
    let sym = match t[4] {
        "general" => Symmetry::General,
        "symmetric" => Symmetry::Symmetric,
        "skew-symmetric" => Symmetry::Skew,
        other => return Err(bad(lineno, format!("{other} matrices are not supported"))),
    };
    // Size line.
    let (rows, cols, nnz) = loop {
        if !next(&mut line)? {
            return Err(Error::invalid("no size line"));
        }
        lineno += 1;
        let s = String::from_utf8_lossy(&line);
        let s = s.trim();
        if s.is_empty() || s.starts_with('%') {
            continue;
        }
        let v: Vec<u64> = s
            .split_ascii_whitespace()
            .map(|x| x.parse::<u64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad(lineno, format!("bad size line {s:?}")))?;
        if v.len() != 3 {
            return Err(bad(lineno, format!("bad size line {s:?} (expected rows cols entries)")));
        }
        break (v[0], v[1], v[2]);
    };
    if rows > u32::MAX as u64 || cols > u32::MAX as u64 {
        return Err(Error::invalid(format!(
            "{rows} x {cols} is too large (at most 2^32 per side)"
        )));
    }
    let cap = (nnz as usize).min(1 << 28);
    let mut tr = Triplets {
        rows,
        cols,
        r: Vec::with_capacity(cap),
        c: Vec::with_capacity(cap),
        v: match field {
            Field::Integer => Vals::Int(Vec::with_capacity(cap)),
            Field::Real => Vals::Real(Vec::with_capacity(cap)),
            Field::Pattern => Vals::Pattern,
        },
    };
    let mut seen = 0u64;
    while next(&mut line)? {
        lineno += 1;
        let s = std::str::from_utf8(&line).map_err(|_| bad(lineno, "not UTF-8 text"))?;
        let mut it = s.split_ascii_whitespace();
        let Some(a) = it.next() else { continue };
        if a.starts_with('%') {
            continue;
        }
        seen += 1;
        if seen > nnz {
            return Err(bad(lineno, format!("more entries than the {nnz} declared")));
        }
        let idx = |x: Option<&str>, n: u64, what: &str| -> Result<u32> {
            let v: u64 = x
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| bad(lineno, format!("bad {what} index")))?;
            if v == 0 || v > n {
                return Err(bad(lineno, format!("{what} {v} outside 1..{n}")));
            }
            Ok((v - 1) as u32)
        };
        let i = idx(Some(a), rows, "row")?;
        let j = idx(it.next(), cols, "column")?;
        let mirror = sym != Symmetry::General && i != j;
        tr.r.push(i);
        tr.c.push(j);
        if mirror {
            tr.r.push(j);
            tr.c.push(i);
        }
        match &mut tr.v {
            Vals::Int(v) => {
                let x: i64 = it
                    .next()
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(|| bad(lineno, "bad integer value"))?;
                v.push(x);
                if mirror {
                    v.push(if sym == Symmetry::Skew { -x } else { x });
                }
            }
            Vals::Real(v) => {
                let x: f64 = it
                    .next()
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(|| bad(lineno, "bad real value"))?;
                v.push(x);
                if mirror {
                    v.push(if sym == Symmetry::Skew { -x } else { x });
                }
            }
            Vals::Pattern => {}
        }
    }
    if seen != nnz {
        return Err(Error::invalid(format!("{seen} entries, the size line declares {nnz}")));
    }
    Ok(tr)
}

/// Triplets as rows-compressed data of `T`.
fn compress<T: Num>(tr: Triplets) -> Compressed<T> {
    let Triplets { rows, cols, r, c, v } = tr;
    let mut counts = vec![0u64; rows as usize + 1];
    for &i in &r {
        counts[i as usize + 1] += 1;
    }
    for i in 0..rows as usize {
        counts[i + 1] += counts[i];
    }
    let mut next: Vec<u64> = counts[..rows as usize].to_vec();
    let n = r.len();
    let mut indices = vec![0u32; n];
    let mut data = vec![T::default(); n];
    let one = T::from_i64(1);
    for k in 0..n {
        let at = next[r[k] as usize] as usize;
        next[r[k] as usize] += 1;
        indices[at] = c[k];
        data[at] = match &v {
            Vals::Int(x) => T::from_i64(x[k]),
            Vals::Real(x) => T::from_f64(x[k]),
            Vals::Pattern => one,
        };
    }
    let mut m = Compressed { rows, cols, indptr: counts, indices, data };
    m.canonicalize();
    m
}

/// Convert a Matrix Market file (plus optional attribute tables) to a loom file.
pub fn to_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let tr = {
        let (mut r, size) = open_text(input, opts)?;
        opts.begin("reading Matrix Market", Some(size));
        let tr = parse(&mut *r).at(input);
        opts.end();
        tr?
    };
    let row_attrs = match &opts.row_attrs {
        Some(p) => read_attr_table(p, tr.rows, "rows", opts)?,
        None => Vec::new(),
    };
    let col_attrs = match &opts.col_attrs {
        Some(p) => read_attr_table(p, tr.cols, "columns", opts)?,
        None => Vec::new(),
    };
    if tr.rows == 0 || tr.cols == 0 {
        return Err(Error::invalid(format!("the matrix is empty ({} x {})", tr.rows, tr.cols)))
            .at(input);
    }
    let t = opts.dtype.unwrap_or(match &tr.v {
        Vals::Int(v) if v.iter().any(|&x| x < i32::MIN as i64 || x > i32::MAX as i64) => {
            NumType::Int64
        }
        Vals::Int(_) | Vals::Pattern => NumType::Int32,
        Vals::Real(_) => NumType::Float32,
    });
    let mut report = Report { dtype: Some(t.name().into()), ..Report::default() };
    with_num!(t, T => {
        let m = compress::<T>(tr);
        report.shape = (m.rows, m.cols);
        report.nnz = Some(m.nnz());
        let mut f = LoomFile::new(output, &[]).at(output)?;
        stage_compressed(&mut f, "", &m, opts).at(output)?;
        drop(m);
        for (axis, list) in [(Axis::Rows, &row_attrs), (Axis::Cols, &col_attrs)] {
            for (name, v) in list.iter() {
                f.stage_attr(axis, name, v).at(output)?;
            }
        }
        f.commit().at(output)?;
        f.close().at(output)?;
    });
    Ok(report)
}

fn field_word(t: NumType) -> &'static str {
    if t.is_float() { "real" } else { "integer" }
}

/// Count the non-zeros of a selection (one pass over the data).
fn count_nnz<T: Num>(f: &LoomFile, layer: &str, rows: &Sel, cols: &Sel) -> Result<u64> {
    let mut n = 0u64;
    for_each_band::<T>(f, layer, rows, cols, |_, band| {
        n += band.iter().filter(|x| !x.is_zero()).count() as u64;
        Ok(())
    })?;
    Ok(n)
}

/// Write the entries of a selection (1-based, row-major); returns the count.
fn write_entries<T: Num>(
    f: &LoomFile,
    layer: &str,
    rows: &Sel,
    cols: &Sel,
    out: &mut dyn Write,
    opts: Option<&ConvertOptions>,
) -> Result<u64> {
    let mut n = 0u64;
    let mut row0 = 0u64;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    for_each_band::<T>(f, layer, rows, cols, |idx, band| {
        for (i, row) in band.outer_iter().enumerate() {
            let r = row0 + i as u64 + 1;
            for (j, x) in row.iter().enumerate() {
                if !x.is_zero() {
                    push_u64(r, &mut buf);
                    buf.push(b' ');
                    push_u64(j as u64 + 1, &mut buf);
                    buf.push(b' ');
                    x.push_text(&mut buf);
                    buf.push(b'\n');
                    n += 1;
                }
            }
            if buf.len() >= 1 << 15 {
                out.write_all(&buf).map_err(io)?;
                buf.clear();
            }
        }
        out.write_all(&buf).map_err(io)?;
        buf.clear();
        row0 += idx.len() as u64;
        if let Some(o) = opts {
            o.advance(idx.len() as u64);
        }
        Ok(())
    })?;
    Ok(n)
}

/// Write a selection of a layer as Matrix Market to any writer (two passes over the data:
/// the entry count comes first in the format). Returns the number of entries.
pub fn write_mtx(
    f: &LoomFile,
    layer: &str,
    rows: &Sel,
    cols: &Sel,
    out: &mut dyn Write,
) -> Result<u64> {
    let t = f.layer_dtype(layer)?;
    let (n, m) = f.shape();
    let (nr, nc) = (rows.indices(n)?.len(), cols.indices(m)?.len());
    with_num!(t, T => {
        let nnz = count_nnz::<T>(f, layer, rows, cols)?;
        writeln!(out, "%%MatrixMarket matrix coordinate {} general", field_word(T::NUM))
            .map_err(io)?;
        writeln!(out, "{nr} {nc} {nnz}").map_err(io)?;
        let w = write_entries::<T>(f, layer, rows, cols, out, None)?;
        debug_assert_eq!(w, nnz);
        Ok(nnz)
    })
}

/// Write `layer` of an open loom file to `output` (`.mtx` or `.mtx.gz`) in one pass, as `T`.
fn save<T: Num>(f: &LoomFile, layer: &str, output: &Path, opts: &ConvertOptions) -> Result<u64> {
    let (n, m) = f.shape();
    let header = format!("%%MatrixMarket matrix coordinate {} general\n", field_word(T::NUM));
    let width = format!("{n} {m} ").len() + 20;
    let size_line = |nnz: u64| format!("{:<width$}\n", format!("{n} {m} {nnz}"));
    opts.begin("writing Matrix Market", Some(n));
    let mut af = AtomicFile::create(output)?;
    let nnz = if is_gz(output) {
        // Body first into a temporary gzip member, then header member + body member.
        let mut body = AtomicFile::create(&output.with_extension("body.gz"))?;
        let nnz = {
            let mut w = TextOut::new(body.file(), true);
            let nnz = write_entries::<T>(f, layer, &Sel::All, &Sel::All, &mut w, Some(opts))?;
            w.finish().map_err(io).at(output)?;
            nnz
        };
        let mut head = TextOut::new(af.file(), true);
        head.write_all(header.as_bytes()).map_err(io).at(output)?;
        head.write_all(size_line(nnz).trim_end().as_bytes()).map_err(io).at(output)?;
        head.write_all(b"\n").map_err(io).at(output)?;
        head.finish().map_err(io).at(output)?;
        let b = body.file();
        b.seek(SeekFrom::Start(0)).map_err(io).at(output)?;
        std::io::copy(b, af.file()).map_err(io).at(output)?;
        nnz
    } else {
        let mut w = TextOut::new(af.file(), false);
        w.write_all(header.as_bytes()).map_err(io).at(output)?;
        w.write_all(size_line(0).as_bytes()).map_err(io).at(output)?;
        let nnz = write_entries::<T>(f, layer, &Sel::All, &Sel::All, &mut w, Some(opts))?;
        w.finish().map_err(io).at(output)?;
        let file = af.file();
        file.seek(SeekFrom::Start(header.len() as u64)).map_err(io).at(output)?;
        file.write_all(size_line(nnz).as_bytes()).map_err(io).at(output)?;
        nnz
    };
    opts.end();
    af.commit()?;
    Ok(nnz)
}

/// Convert a loom layer (`opts.layer`, default the main matrix) to a Matrix Market file, and
/// its 1-D attributes to the `row_attrs` / `col_attrs` tables when given.
pub fn from_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let f = super::util::open_loom(input)?;
    let layer = opts.layer.as_deref().unwrap_or("");
    let t = opts.dtype.unwrap_or(f.layer_dtype(layer).at(input)?);
    let mut report = Report { shape: f.shape(), dtype: Some(t.name().into()), ..Report::default() };
    let nnz = with_num!(t, T => save::<T>(&f, layer, output, opts).map_err(at_file(input))?);
    report.nnz = Some(nnz);
    for (axis, p) in [(Axis::Rows, &opts.row_attrs), (Axis::Cols, &opts.col_attrs)] {
        if let Some(p) = p {
            for s in write_attr_table(&f, axis, p)? {
                report
                    .warnings
                    .push(format!("attribute {s} is not 1-D: left out of {}", p.display()));
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_symmetric_and_pattern() {
        let text = "%%MatrixMarket matrix coordinate real symmetric\n% c\n3 3 2\n2 1 1.5\n3 3 2\n";
        let tr = parse(&mut text.as_bytes()).unwrap();
        let m = compress::<f64>(tr);
        assert_eq!(m.indptr, vec![0, 1, 2, 3]);
        assert_eq!(m.indices, vec![1, 0, 2]);
        assert_eq!(m.data, vec![1.5, 1.5, 2.0]);
        let p = "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n1 2\n";
        let m = compress::<i32>(parse(&mut p.as_bytes()).unwrap());
        assert_eq!((m.indices.clone(), m.data.clone()), (vec![1], vec![2]));
    }

    #[test]
    fn rejects_bad_input() {
        for t in [
            "hello\n",
            "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n",
            "%%MatrixMarket matrix coordinate integer general\n2 2 1\n3 1 1\n",
            "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n",
            "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 x\n",
        ] {
            assert!(parse(&mut t.as_bytes()).is_err(), "{t}");
        }
    }
}
