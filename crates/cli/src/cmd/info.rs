//! `loom info` and `loom attrs`: what a loom file holds, as a table or the JSON of the contract.

use crate::json::loom_values;
use crate::{CliError, CliResult};
use loomfile::{Axis, LoomFile, Values};
use serde_json::{Map, Value as J};
use std::io::Write;

/// Open a loom file read-only, mapping errors to one line; the file's warnings (members
/// beyond the spec that readers skip, a lock the file system could not take) go to stderr
/// once.
pub fn open_loom(file: &str) -> Result<LoomFile, CliError> {
    let f = LoomFile::open(file).map_err(|e| CliError::loom(file, e))?;
    for w in f.warnings() {
        let w = if w.starts_with(file) { w } else { format!("{file}: {w}") };
        eprintln!("warning: {w}");
    }
    Ok(f)
}

/// The `loom info --json` object (built by the library, shared with the browser package).
pub fn info_json(f: &LoomFile, file: &str) -> Result<J, CliError> {
    f.info_json().map_err(|e| CliError::loom(file, e))
}

/// `loom info FILE [--json]`.
pub fn info(file: &str, as_json: bool) -> CliResult {
    let f = open_loom(file)?;
    let j = info_json(&f, file)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(out, "{j}").map_err(CliError::io_std)?;
        return Ok(());
    }
    let (n, m) = f.shape();
    let w =
        |out: &mut std::io::StdoutLock, s: String| writeln!(out, "{s}").map_err(CliError::io_std);
    w(
        &mut out,
        format!("{file}: loom spec {}", f.spec_version().text.as_deref().unwrap_or("(none)")),
    )?;
    w(&mut out, format!("shape: {n} rows x {m} columns"))?;
    w(&mut out, "layers:".into())?;
    for l in j["layers"].as_array().into_iter().flatten() {
        let name = l["name"].as_str().unwrap_or("");
        w(
            &mut out,
            format!(
                "  {:<20} {:<8} chunks {} {} {} bytes",
                if name.is_empty() { "(main matrix)" } else { name },
                l["dtype"].as_str().unwrap_or(""),
                l["chunks"],
                l["compression"].as_str().unwrap_or("uncompressed"),
                l["stored_bytes"]
            ),
        )?;
    }
    for (title, key) in [("row attributes", "row_attrs"), ("column attributes", "col_attrs")] {
        w(&mut out, format!("{title}:"))?;
        for a in j[key].as_array().into_iter().flatten() {
            w(
                &mut out,
                format!(
                    "  {:<20} {:<8} {}",
                    a["name"].as_str().unwrap_or(""),
                    a["dtype"].as_str().unwrap_or(""),
                    a["shape"]
                ),
            )?;
        }
    }
    for (title, key) in [("row graphs", "row_graphs"), ("column graphs", "col_graphs")] {
        w(&mut out, format!("{title}:"))?;
        for g in j[key].as_array().into_iter().flatten() {
            w(
                &mut out,
                format!("  {:<20} {} edges", g["name"].as_str().unwrap_or(""), g["edges"]),
            )?;
        }
    }
    if let Some(other) = j["other"].as_array().filter(|o| !o.is_empty()) {
        w(&mut out, "beyond the loom spec (skipped by readers):".into())?;
        for o in other {
            w(
                &mut out,
                format!(
                    "  {:<20} {}",
                    o["path"].as_str().unwrap_or(""),
                    o["type"].as_str().unwrap_or("")
                ),
            )?;
        }
    }
    if let Some(dead) = j["dead_bytes"].as_u64().filter(|&d| d > 0) {
        w(&mut out, format!("dead space: {dead} bytes (`loom compact {file}` drops it)"))?;
    }
    w(&mut out, "global attributes:".into())?;
    for (k, v) in j["global_attrs"].as_object().into_iter().flatten() {
        let mut s = v.to_string();
        if s.len() > 100 {
            s.truncate(97);
            s.push_str("...");
        }
        w(&mut out, format!("  {k:<20} {s}"))?;
    }
    Ok(())
}

/// TSV cells of one attribute at row `i`, with header names.
fn tsv_columns(name: &str, v: &Values) -> (Vec<String>, Vec<Vec<String>>) {
    fn cells(v: &Values) -> Vec<Vec<String>> {
        let shape = v.shape();
        let n = shape.first().copied().unwrap_or(1);
        let per: usize = shape.iter().skip(1).product();
        fn ints<T: ToString>(a: &ndarray::ArrayD<T>) -> Vec<String> {
            a.iter().map(|x| x.to_string()).collect()
        }
        let flat: Vec<String> = match v {
            Values::String(a) => a.iter().cloned().collect(),
            Values::Bool(a) => a.iter().map(|b| b.to_string()).collect(),
            // Integers exactly (through f64, 64-bit values above 2^53 would be rounded).
            Values::Int8(a) => ints(a),
            Values::Int16(a) => ints(a),
            Values::Int32(a) => ints(a),
            Values::Int64(a) => ints(a),
            Values::UInt8(a) => ints(a),
            Values::UInt16(a) => ints(a),
            Values::UInt32(a) => ints(a),
            Values::UInt64(a) => ints(a),
            Values::Enum { values, .. } => ints(values),
            other => {
                other.to_f64().unwrap_or_default().iter().map(|x| fmt_num(*x, other)).collect()
            }
        };
        (0..n).map(|i| flat[i * per..(i + 1) * per].to_vec()).collect()
    }
    match v {
        Values::Compound(fields) => {
            let mut names = Vec::new();
            let mut rows: Vec<Vec<String>> = Vec::new();
            for (k, f) in fields {
                let (hn, hr) = tsv_columns(&format!("{name}.{k}"), f);
                names.extend(hn);
                if rows.is_empty() {
                    rows = hr;
                } else {
                    for (r, extra) in rows.iter_mut().zip(hr) {
                        r.extend(extra);
                    }
                }
            }
            (names, rows)
        }
        _ => {
            let shape = v.shape();
            let per: usize = shape.iter().skip(1).product();
            let names = if shape.len() <= 1 {
                vec![name.to_string()]
            } else {
                (0..per).map(|k| format!("{name}[{k}]")).collect()
            };
            (names, cells(v))
        }
    }
}

fn fmt_num(x: f64, v: &Values) -> String {
    match v.num_type() {
        Some(t) if !t.is_float() => format!("{}", x as i128),
        _ => {
            if x.is_nan() {
                "NaN".into()
            } else if x.is_infinite() {
                if x > 0.0 { "Infinity".into() } else { "-Infinity".into() }
            } else {
                format!("{x}")
            }
        }
    }
}

/// `loom attrs FILE --axis row|col [--names A,B] [--json]`.
pub fn attrs(file: &str, axis: Axis, names: Option<&str>, as_json: bool) -> CliResult {
    let f = open_loom(file)?;
    let list: Vec<String> = match names {
        Some(n) => n.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        None => f.attr_names(axis),
    };
    // alloc: list.len(), names already listed
    let mut values = Vec::with_capacity(list.len());
    for n in &list {
        values.push(f.attr(axis, n).map_err(|e| CliError::loom(file, e))?);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if as_json {
        let mut m = Map::new();
        for (n, v) in list.iter().zip(&values) {
            m.insert(n.clone(), loom_values(v));
        }
        writeln!(out, "{}", J::Object(m)).map_err(CliError::io_std)?;
    } else {
        let mut header = Vec::new();
        let mut cols: Vec<Vec<Vec<String>>> = Vec::new();
        for (n, v) in list.iter().zip(&values) {
            let (h, rows) = tsv_columns(n, v);
            header.extend(h);
            cols.push(rows);
        }
        writeln!(out, "{}", header.join("\t")).map_err(CliError::io_std)?;
        let nrows = f.len(axis) as usize;
        for i in 0..nrows {
            // alloc: header.len(), columns already built
            let mut line: Vec<String> = Vec::with_capacity(header.len());
            for c in &cols {
                if let Some(r) = c.get(i) {
                    line.extend(r.iter().map(|s| s.replace(['\t', '\n'], " ")));
                }
            }
            writeln!(out, "{}", line.join("\t")).map_err(CliError::io_std)?;
        }
    }
    out.flush().map_err(CliError::io_std)
}
