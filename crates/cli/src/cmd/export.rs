//! `loom export`: a layer (or a selection of it) as NumPy .npy, Matrix Market or dense TSV,
//! streamed band by band so memory stays at one band whatever the layer size (.npy through
//! the scan core's row scan, each chunk decoded once).

use crate::select;
use crate::{CliError, CliResult};
use loomfile::values::f32_to_f16;
use loomfile::{Axis, LoomFile, NumType, Sel};
use loomfile_scan::ScanOptions;
use std::io::Write;

/// Rows per band when streaming.
const BAND: usize = 256;

fn out_writer(out: Option<&str>) -> Result<Box<dyn Write>, CliError> {
    match out {
        None | Some("-") => Ok(Box::new(std::io::BufWriter::new(std::io::stdout().lock()))),
        Some(p) => Ok(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| CliError::fail(format!("{p}: {e}")))?,
        ))),
    }
}

fn npy_descr(t: NumType) -> &'static str {
    match t {
        NumType::Int8 => "|i1",
        NumType::Int16 => "<i2",
        NumType::Int32 => "<i4",
        NumType::Int64 => "<i8",
        NumType::UInt8 => "|u1",
        NumType::UInt16 => "<u2",
        NumType::UInt32 => "<u4",
        NumType::UInt64 => "<u8",
        NumType::Float16 => "<f2",
        NumType::Float32 => "<f4",
        NumType::Float64 => "<f8",
    }
}

/// The .npy v1.0 header for a C-order array.
pub fn npy_header(t: NumType, rows: u64, cols: u64) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}",
        npy_descr(t)
    );
    let mut h = Vec::new();
    h.extend_from_slice(b"\x93NUMPY\x01\x00");
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    h.extend_from_slice(&((dict.len() + pad + 1) as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.extend(std::iter::repeat_n(b' ', pad));
    h.push(b'\n');
    h
}

/// Append the selection of the layer to `w` as little-endian values of its own dtype, row
/// band by row band through the scan core (one pass, buffers recycled, no chunk cache:
/// every chunk is decoded once).
fn write_npy_body(
    f: &LoomFile,
    layer: &str,
    t: NumType,
    rows: &Sel,
    cols: &Sel,
    w: &mut dyn Write,
    bar: &crate::progress::Progress,
) -> Result<(), CliError> {
    let err = |e: loomfile::Error| CliError::fail(e.to_string());
    let io = |e: std::io::Error| CliError::fail(format!("writing output: {e}"));
    let m = f.matrix(layer).map_err(err)?;
    let (n, ncols) = f.shape();
    let items = match rows {
        Sel::All => None,
        r => Some(r.indices(n).map_err(err)?),
    };
    let opts = ScanOptions {
        items,
        batch_size: BAND,
        other: cols.to_hdf5(ncols).map_err(err)?,
        ..ScanOptions::default()
    };
    // Decoding runs on a thread of its own, one band ahead of the writer: the output's write
    // (page-cache copies, disk) overlaps the next band's inflate instead of following it.
    macro_rules! body {
        ($ty:ty, $enc:expr) => {{
            std::thread::scope(|s| -> Result<(), CliError> {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(Vec<u8>, usize), String>>(1);
                let (back, spare) = std::sync::mpsc::channel::<Vec<u8>>();
                let m = &*m;
                s.spawn(move || {
                    let mut scan = m.scan::<$ty>(Axis::Rows, opts);
                    while let Some(b) = scan.next() {
                        let b = match b {
                            Ok(b) => b,
                            Err(e) => return drop(tx.send(Err(e.to_string()))),
                        };
                        let enc = $enc;
                        let size = std::mem::size_of_val(&enc(<$ty>::default()));
                        // A buffer the writer is done with, when there is one.
                        let mut bytes = spare.try_recv().unwrap_or_default();
                        bytes.clear();
                        bytes.resize(b.data.len() * size, 0);
                        for (d, &x) in bytes.chunks_exact_mut(size).zip(&b.data) {
                            d.copy_from_slice(&enc(x));
                        }
                        let k = b.items.len();
                        scan.recycle(b);
                        // The writer stopped (an output error): stop decoding too.
                        if tx.send(Ok((bytes, k))).is_err() {
                            return;
                        }
                    }
                });
                for msg in rx {
                    let (bytes, k) = msg.map_err(CliError::fail)?;
                    w.write_all(&bytes).map_err(io)?;
                    bar.inc(k as u64);
                    let _ = back.send(bytes);
                }
                Ok(())
            })?
        }};
    }
    match t {
        NumType::Int8 => body!(i8, |x: i8| x.to_le_bytes()),
        NumType::Int16 => body!(i16, |x: i16| x.to_le_bytes()),
        NumType::Int32 => body!(i32, |x: i32| x.to_le_bytes()),
        NumType::Int64 => body!(i64, |x: i64| x.to_le_bytes()),
        NumType::UInt8 => body!(u8, |x: u8| x.to_le_bytes()),
        NumType::UInt16 => body!(u16, |x: u16| x.to_le_bytes()),
        NumType::UInt32 => body!(u32, |x: u32| x.to_le_bytes()),
        NumType::UInt64 => body!(u64, |x: u64| x.to_le_bytes()),
        // float16 widens to float32 exactly and narrows back exactly.
        NumType::Float16 => body!(f32, |x: f32| f32_to_f16(x).to_le_bytes()),
        NumType::Float32 => body!(f32, |x: f32| x.to_le_bytes()),
        NumType::Float64 => body!(f64, |x: f64| x.to_le_bytes()),
    }
    Ok(())
}

/// The row indices of a selection, split into bands of selections (ranges where the rows
/// are consecutive, so the reads take the scan core's range path).
fn bands(sel: &Sel, n: u64) -> Result<Vec<Sel>, CliError> {
    let idx = sel.indices(n).map_err(|e| CliError::fail(e.to_string()))?;
    Ok(idx
        .chunks(BAND)
        .map(|c| {
            let consecutive = c.windows(2).all(|w| w[0] + 1 == w[1]);
            match (c.first(), consecutive) {
                (Some(&a), true) => Sel::Range(a, a + c.len() as u64),
                _ => Sel::Index(c.to_vec()),
            }
        })
        .collect())
}

/// `loom export FILE [--layer NAME] [--rows SEL] [--cols SEL] --format npy|mtx|tsv [-o OUT]`.
#[allow(clippy::too_many_arguments)]
pub fn export(
    file: &str,
    layer: &str,
    select: &select::SelectArgs,
    format: &str,
    out: Option<&str>,
    quiet: bool,
) -> CliResult {
    let f = crate::cmd::info::open_loom(file)?;
    let err = |e: loomfile::Error| CliError::loom(file, e);
    let t = f.layer_dtype(layer).map_err(err)?;
    let (rsel, csel) = select.parse(&f)?;
    let (n, m) = f.shape();
    // The work budget first: no index list or buffer is sized from a shape past it.
    let nr = rsel.count(n);
    f.check_area(&loomfile::layer_path(layer), "an export of", nr, csel.count(m)).map_err(err)?;
    let ncol_idx = csel.indices(m).map_err(err)?;
    let nc = ncol_idx.len() as u64;
    let mut w = out_writer(out)?;
    let io = |e: std::io::Error| CliError::fail(format!("writing output: {e}"));
    let bar = crate::progress::Progress::new("exporting rows", Some(nr), quiet);
    match format {
        "npy" => {
            w.write_all(&npy_header(t, nr, nc)).map_err(io)?;
            write_npy_body(&f, layer, t, &rsel, &csel, &mut w, &bar)?;
        }
        "tsv" => {
            let row_ids = ids(&f, Axis::Rows, &["Gene", "Accession"]);
            let col_ids = ids(&f, Axis::Cols, &["CellID"]);
            let mut header =
                vec![row_ids.as_ref().map(|(name, _)| name.clone()).unwrap_or_default()];
            for &j in &ncol_idx {
                header.push(
                    col_ids
                        .as_ref()
                        .map(|(_, v)| v[j as usize].clone())
                        .unwrap_or_else(|| j.to_string()),
                );
            }
            writeln!(w, "{}", header.join("\t")).map_err(io)?;
            let ridx = rsel.indices(n).map_err(err)?;
            for (bi, b) in bands(&rsel, n)?.iter().enumerate() {
                let a = f.read_layer::<f64>(layer, b, &csel).map_err(err)?;
                for (i, row) in a.outer_iter().enumerate() {
                    let r = ridx[bi * BAND + i];
                    let id = row_ids
                        .as_ref()
                        .map(|(_, v)| v[r as usize].clone())
                        .unwrap_or_else(|| r.to_string());
                    let cells: Vec<String> = row.iter().map(|&x| fmt_value(x, t)).collect();
                    writeln!(w, "{id}\t{}", cells.join("\t")).map_err(io)?;
                }
                bar.inc(BAND as u64);
            }
        }
        "mtx" => {
            loomfile_formats::mtx::write_mtx(&f, layer, &rsel, &csel, &mut w).map_err(err)?;
        }
        other => {
            return Err(CliError::usage(format!(
                "unknown export format {other:?} (npy, mtx or tsv)"
            )));
        }
    }
    drop(bar);
    w.flush().map_err(io)
}

/// A value as text: integers without a decimal point, floats in shortest round-trip form.
pub fn fmt_value(x: f64, t: NumType) -> String {
    if !t.is_float() {
        format!("{}", x as i128)
    } else if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        format!("{x}")
    }
}

/// The first string attribute among `names`, with its values.
pub fn ids(f: &LoomFile, axis: Axis, names: &[&str]) -> Option<(String, Vec<String>)> {
    for n in names {
        if let Ok(v) = f.attr(axis, n)
            && let Some(s) = v.as_strings()
        {
            return Some((n.to_string(), s));
        }
    }
    None
}
