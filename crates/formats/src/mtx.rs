//! Matrix Market coordinate files (`.mtx`, `.mtx.gz`; genes x cells) to and from loom.
//!
//! Reading accepts `%%MatrixMarket matrix coordinate {integer|real|double|pattern}
//! {general|symmetric|skew-symmetric}`, `%` comment lines, entries in any order (duplicates
//! are added up), plain or gzip (`matrix_market`). Entries are sorted into
//! row-major order by an external merge sort (`coo_sort`: a buffer of
//! `sort_memory` bytes, default 64 MiB, with runs spilled next to the output), then written
//! one band of rows at a time: memory is the sort buffer plus one chunk band, whatever the
//! number of non-zeros. The stored type is
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

use crate::coo_sort::{CooSorter, DEFAULT_SORT_MEMORY, merge_duplicates, spill_dir_for};
use crate::matrix_market::{Field, read_coordinates};
use crate::util::{
    AtomicFile, Ctx, Num, TextOut, at_file, for_each_band, io, is_gz, open_text, push_u64,
    read_attr_table, write_attr_table,
};
use crate::{ConvertOptions, Report};
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::layers::Sel;
use loomfile::values::{Element, NumType};
use loomfile_hdf5::H5Type;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// Convert a Matrix Market file (plus optional attribute tables) to a loom file.
///
/// # Examples
///
/// ```
/// use loomfile_formats::{ConvertOptions, mtx};
/// use loomfile::{LoomFile, Sel};
/// # let dir = tempfile::tempdir()?;
/// let (input, out) = (dir.path().join("m.mtx"), dir.path().join("m.loom"));
/// std::fs::write(
///     &input,
///     "%%MatrixMarket matrix coordinate real general\n2 3 2\n1 3 0.5\n2 1 4\n",
/// )?;
/// mtx::to_loom(&input, &out, &ConvertOptions::default())?;
/// let f = LoomFile::open(&out)?;
/// assert_eq!(f.read_row::<f64>("", 0, &Sel::All)?.to_vec(), [0.0, 0.0, 0.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    // Entries are sorted into row-major order in bounded memory, spilling runs next to the
    // output; the layer is then written one band of rows at a time.
    let memory = opts.sort_memory.unwrap_or(DEFAULT_SORT_MEMORY);
    let mut sorter = CooSorter::new(Some(spill_dir_for(output)), memory);
    let summary = {
        let mut r = open_text(input, opts, "reading Matrix Market")?;
        let s = read_coordinates(&mut *r, "", &mut sorter).at(input);
        opts.end();
        s?
    };
    let (rows, cols) = (summary.rows, summary.cols);
    let row_attrs = match &opts.row_attrs {
        Some(p) => read_attr_table(p, rows, "rows", opts)?,
        None => Vec::new(),
    };
    let col_attrs = match &opts.col_attrs {
        Some(p) => read_attr_table(p, cols, "columns", opts)?,
        None => Vec::new(),
    };
    if rows == 0 || cols == 0 {
        return Err(Error::input(format!("the matrix is empty ({rows} x {cols})"))).at(input);
    }
    let t = opts.dtype.unwrap_or(match summary.field {
        Field::Real => NumType::Float32,
        _ if summary.fits_i32() => NumType::Int32,
        _ => NumType::Int64,
    });
    // Duplicates summing past int32 when int32 was chosen here: an error, not a saturation.
    let check_i32 = opts.dtype.is_none() && t == NumType::Int32;
    let mut entries = sorter.finish().at(input)?;
    let mut report =
        Report { dtype: Some(t.name().into()), shape: (rows, cols), ..Report::default() };
    let mut nnz = 0u64;
    loomfile::with_num_type!(t, T => {
        let mut f = LoomFile::new_all_or_nothing(output, &[]).at(output)?;
        let mut b = f.batch().at(output)?;
        let mut band_entries = Vec::new();
        opts.begin("writing matrix", Some(rows));
        let written = b.write_layer_rows::<T>("", rows, cols, &opts.layer_options(), |s, n, band| {
            band.resize((n * cols) as usize, T::default());
            band_entries.clear();
            entries.take_rows_below(s + n, &mut band_entries)?;
            merge_duplicates(&mut band_entries, |a, b| summary.add(a, b));
            for e in &band_entries {
                let v = match summary.field {
                    Field::Real => T::from_f64(f64::from_bits(e.bits)),
                    _ => {
                        let x = e.bits as i64;
                        if check_i32 && (x < i32::MIN as i64 || x > i32::MAX as i64) {
                            return Err(Error::input(format!(
                                "entries at row {}, column {} add up to {x}, beyond int32 \
                                 (use --dtype int64)",
                                e.row as u64 + 1,
                                e.col as u64 + 1
                            )));
                        }
                        T::from_i64(x)
                    }
                };
                if !v.is_zero() {
                    nnz += 1;
                }
                band[((e.row as u64 - s) * cols + e.col as u64) as usize] = v;
            }
            opts.advance(n);
            Ok(())
        });
        opts.end();
        written.at(output)?;
        for (axis, list) in [(Axis::Rows, &row_attrs), (Axis::Cols, &col_attrs)] {
            for (name, v) in list.iter() {
                b.set_attr(axis, name, v).at(output)?;
            }
        }
        b.commit().at(output)?;
        f.close().at(output)?;
    });
    report.nnz = Some(nnz);
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
/// use loomfile::Sel;
/// use loomfile_formats::mtx::write_mtx;
/// let f = LoomFile::open(&path)?;
/// let mut text = Vec::new();
/// let nnz = write_mtx(&f, "", &Sel::from(0..2), &Sel::All, &mut text)?;
/// assert_eq!(nnz, 5); // rows 0 and 1 hold one zero
/// let text = String::from_utf8(text)?;
/// assert!(text.starts_with("%%MatrixMarket matrix coordinate real general\n2 3 5\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_mtx(
    f: &LoomFile,
    layer: &str,
    rows: &Sel,
    cols: &Sel,
    out: &mut dyn Write,
) -> Result<u64> {
    let t = f.layer_dtype(layer)?;
    let (n, m) = f.shape();
    let (nr, nc) = (rows.count(n), cols.count(m));
    f.check_area(&loomfile::layers::layer_path(layer), "an export of", nr, nc)?;
    loomfile::with_num_type!(t, T => {
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
        // Body first into a temporary gzip member (never committed: removed when dropped),
        // then header member + body member.
        let mut body = AtomicFile::create(output.with_extension("body.gz"))?;
        let nnz = {
            let mut w = TextOut::new(body.file_mut(), true);
            let nnz = write_entries::<T>(f, layer, &Sel::All, &Sel::All, &mut w, Some(opts))?;
            w.finish().map_err(io).at(output)?;
            nnz
        };
        let mut head = TextOut::new(af.file_mut(), true);
        head.write_all(header.as_bytes()).map_err(io).at(output)?;
        head.write_all(size_line(nnz).trim_end().as_bytes()).map_err(io).at(output)?;
        head.write_all(b"\n").map_err(io).at(output)?;
        head.finish().map_err(io).at(output)?;
        let b = body.file_mut();
        b.seek(SeekFrom::Start(0)).map_err(io).at(output)?;
        std::io::copy(b, af.file_mut()).map_err(io).at(output)?;
        nnz
    } else {
        let mut w = TextOut::new(af.file_mut(), false);
        w.write_all(header.as_bytes()).map_err(io).at(output)?;
        w.write_all(size_line(0).as_bytes()).map_err(io).at(output)?;
        let nnz = write_entries::<T>(f, layer, &Sel::All, &Sel::All, &mut w, Some(opts))?;
        w.finish().map_err(io).at(output)?;
        let file = af.file_mut();
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
/// use loomfile_formats::{ConvertOptions, mtx};
/// let out = dir.path().join("ds.mtx.gz"); // gzipped by the name
/// let genes = dir.path().join("genes.tsv");
/// let opts = ConvertOptions { row_attrs: Some(genes.clone()), ..Default::default() };
/// let report = mtx::from_loom(&path, &out, &opts)?;
/// assert_eq!((report.shape, report.nnz), ((4, 3), Some(11)));
/// // A header line, then one line per gene:
/// assert_eq!(std::fs::read_to_string(&genes)?.lines().count(), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let f = crate::util::open_loom(input)?;
    let layer = opts.layer.as_deref().unwrap_or("");
    let t = opts.dtype.unwrap_or(f.layer_dtype(layer).at(input)?);
    let mut report = Report { shape: f.shape(), dtype: Some(t.name().into()), ..Report::default() };
    let nnz = loomfile::with_num_type!(t, T => save::<T>(&f, layer, output, opts).map_err(at_file(input))?);
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
