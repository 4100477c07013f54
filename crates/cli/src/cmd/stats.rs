//! `loom stats`: per-row or per-column nnz, sum, mean, sd (population), min, max as TSV.

use crate::cmd::export::ids;
use crate::{CliError, CliResult};
use loomfile::Axis;
use std::io::Write;

fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        format!("{x}")
    }
}

/// `loom stats FILE [--axis row|col] [--layer NAME]`.
pub fn stats(file: &str, axis: Axis, layer: &str, quiet: bool) -> CliResult {
    let f = crate::cmd::info::open_loom(file)?;
    let spin = crate::progress::Progress::spinner("computing stats", quiet);
    let st = f.stats(layer, axis).map_err(|e| CliError::loom(file, e))?;
    drop(spin);
    let names: &[&str] = if axis == Axis::Rows { &["Gene", "Accession"] } else { &["CellID"] };
    let id = ids(&f, axis, names);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let io = |e: std::io::Error| CliError::fail(format!("writing output: {e}"));
    let mut header = Vec::new();
    if let Some((name, _)) = &id {
        header.push(name.clone());
    }
    header.extend(["index", "nnz", "sum", "mean", "sd", "min", "max"].map(String::from));
    writeln!(out, "{}", header.join("\t")).map_err(io)?;
    for i in 0..st.sum.len() {
        let mut cells = Vec::with_capacity(8);
        if let Some((_, v)) = &id {
            cells.push(v[i].replace(['\t', '\n'], " "));
        }
        cells.push(i.to_string());
        cells.push(st.nnz[i].to_string());
        for x in [st.sum[i], st.mean[i], st.sd[i], st.min[i], st.max[i]] {
            cells.push(num(x));
        }
        writeln!(out, "{}", cells.join("\t")).map_err(io)?;
    }
    out.flush().map_err(io)
}
