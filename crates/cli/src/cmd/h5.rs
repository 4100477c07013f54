//! `loom h5 ls`, `loom h5 dump` and `loom h5 repack`: any HDF5 file, not only loom.

use crate::json;
use crate::{CliError, CliResult};
use loomfile_hdf5::Layout;
use loomfile_hdf5::{Dataset, File};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};
use serde_json::{Value as J, json};
use std::io::Write;

/// `loom h5 dump FILE [PATH] [--json] [--no-data]`.
pub fn dump(file: &str, path: Option<&str>, as_json: bool, no_data: bool) -> CliResult {
    let f = crate::open_h5(file)?;
    let start = path.unwrap_or("/");
    let opts = WalkOptions { data: !no_data, ..WalkOptions::default() };
    let nodes = walk(&f, start, opts).map_err(|e| CliError::h5(file, e))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if as_json {
        // alloc: nodes.len(), nodes already walked
        let mut arr = Vec::with_capacity(nodes.len());
        for n in &nodes {
            arr.push(node_json(&f, &n.path, &n.kind, !no_data).map_err(|e| CliError::h5(file, e))?);
        }
        serde_json::to_writer(&mut out, &J::Array(arr)).map_err(CliError::io)?;
        writeln!(out).map_err(CliError::io_std)?;
    } else {
        for n in &nodes {
            match &n.kind {
                NodeKind::Group { attrs } => {
                    writeln!(out, "GROUP {}", n.path).map_err(CliError::io_std)?;
                    print_attrs(&mut out, attrs, &f).map_err(|e| CliError::h5(file, e))?;
                }
                NodeKind::Dataset { dataset, attrs, data } => {
                    writeln!(out, "DATASET {} {}", n.path, describe(dataset))
                        .map_err(CliError::io_std)?;
                    print_attrs(&mut out, attrs, &f).map_err(|e| CliError::h5(file, e))?;
                    if let Some(d) = data {
                        writeln!(out, "    DATA {}", json::typed_value(d, dataset.dtype(), &f))
                            .map_err(CliError::io_std)?;
                    }
                }
                NodeKind::Datatype(t) => writeln!(out, "DATATYPE {} {}", n.path, json::dtype(t))
                    .map_err(CliError::io_std)?,
                NodeKind::SoftLink(t) => {
                    writeln!(out, "SOFTLINK {} -> {t}", n.path).map_err(CliError::io_std)?
                }
                NodeKind::External { file: ef, path: p } => {
                    writeln!(out, "EXTERNAL {} -> {ef}:{p}", n.path).map_err(CliError::io_std)?
                }
                NodeKind::Cycle(t) => {
                    writeln!(out, "CYCLE {} -> {t}", n.path).map_err(CliError::io_std)?
                }
            }
        }
    }
    out.flush().map_err(CliError::io_std)?;
    Ok(())
}

fn print_attrs(
    out: &mut impl Write,
    attrs: &[loomfile_hdf5::Attribute],
    f: &File,
) -> loomfile_hdf5::Result<()> {
    for a in attrs {
        let v = a.value()?;
        let _ = writeln!(
            out,
            "    ATTRIBUTE {} {} = {}",
            a.name(),
            json::dtype(a.dtype()),
            json::typed_value(&v, a.dtype(), f)
        );
    }
    Ok(())
}

fn node_json(f: &File, path: &str, kind: &NodeKind, with_data: bool) -> loomfile_hdf5::Result<J> {
    Ok(match kind {
        NodeKind::Group { attrs } => {
            json!({"path": path, "type": "group", "attrs": json::attrs(attrs, f)?})
        }
        NodeKind::Dataset { dataset, attrs, data } => {
            let shape = match dataset.shape() {
                Some(s) => json!(s),
                None => J::Null,
            };
            let mut o = json!({"path": path, "type": "dataset", "dtype": json::dtype(dataset.dtype()),
                               "shape": shape, "attrs": json::attrs(attrs, f)?});
            if with_data {
                o["data"] = data
                    .as_ref()
                    .map(|d| json::typed_value(d, dataset.dtype(), f))
                    .unwrap_or(J::Null);
            }
            o
        }
        NodeKind::Datatype(_) => json!({"path": path, "type": "datatype", "attrs": {}}),
        NodeKind::SoftLink(t) => json!({"path": path, "type": "softlink", "target": t}),
        NodeKind::External { file, path: p } => {
            json!({"path": path, "type": "external", "file": file, "target": p})
        }
        NodeKind::Cycle(t) => json!({"path": path, "type": "cycle", "target": t}),
    })
}

/// One-line description of a dataset: shape/maxshape, dtype, layout, filters.
pub fn describe(d: &Dataset) -> String {
    let shape = match d.shape() {
        None => "NULL".to_string(),
        Some(s) if s.is_empty() => "SCALAR".to_string(),
        Some(s) => {
            let max = d.max_shape();
            let parts: Vec<String> = s
                .iter()
                .zip(max.iter())
                .map(|(c, m)| match m {
                    Some(m) if m == c => c.to_string(),
                    Some(m) => format!("{c}/{m}"),
                    None => format!("{c}/Inf"),
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    };
    let layout = match d.layout() {
        Layout::Compact { .. } => "compact".to_string(),
        Layout::Contiguous { .. } => "contiguous".to_string(),
        Layout::Chunked { chunk, .. } => format!("chunks {chunk:?}"),
        Layout::Virtual => "virtual".to_string(),
    };
    let filters: Vec<String> =
        d.pipeline()
            .filters
            .iter()
            .map(|f| {
                if f.params.is_empty() { f.label() } else { format!("{}{:?}", f.label(), f.params) }
            })
            .collect();
    let mut s = format!("{shape} {} {layout}", loomfile_hdf5::convert::describe(d.dtype()));
    if !filters.is_empty() {
        s.push_str(&format!(" filters {}", filters.join(",")));
    }
    s
}

/// `loom h5 ls FILE [-r] [-v]`.
pub fn ls(file: &str, recursive: bool, verbose: bool) -> CliResult {
    let f: File = crate::open_h5(file)?;
    let opts = WalkOptions { data: false, attrs: verbose, ..WalkOptions::default() };
    let nodes = walk(&f, "/", opts).map_err(|e| CliError::h5(file, e))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for n in &nodes {
        if !recursive && n.path != "/" && n.path[1..].contains('/') {
            continue;
        }
        let what = match &n.kind {
            NodeKind::Group { .. } => "Group".to_string(),
            NodeKind::Dataset { dataset, .. } => format!("Dataset {}", describe(dataset)),
            NodeKind::Datatype(_) => "Type".to_string(),
            NodeKind::SoftLink(t) => format!("Soft Link {{{t}}}"),
            NodeKind::External { file, path } => format!("External Link {{{file}/{path}}}"),
            NodeKind::Cycle(t) => format!("Group, same as {t}"),
        };
        writeln!(out, "{:<32} {what}", n.path).map_err(CliError::io_std)?;
        if verbose {
            match &n.kind {
                NodeKind::Group { attrs } | NodeKind::Dataset { attrs, .. } => {
                    for a in attrs {
                        writeln!(
                            out,
                            "    @{} {}",
                            a.name(),
                            loomfile_hdf5::convert::describe(a.dtype())
                        )
                        .map_err(CliError::io_std)?;
                    }
                }
                _ => {}
            }
            if let NodeKind::Dataset { dataset, .. } = &n.kind
                && let Ok(stored) = dataset.storage_size()
            {
                writeln!(out, "    storage: {stored} bytes").map_err(CliError::io_std)?;
            }
        }
    }
    out.flush().map_err(CliError::io_std)?;
    Ok(())
}

/// `loom h5 repack IN OUT [--gzip LEVEL]`.
pub fn repack(input: &str, output: &str, gzip: Option<u32>, quiet: bool) -> CliResult {
    use loomfile_hdf5::{RepackOptions, repack};
    let src = crate::open_h5(input)?;
    if gzip.is_some_and(|l| l > 9) {
        return Err(CliError::usage("--gzip takes a level from 0 to 9"));
    }
    let mut w = loomfile_hdf5::Writer::create(output).map_err(|e| CliError::h5(output, e))?;
    let spin = crate::progress::Progress::spinner("repacking", quiet);
    let report =
        repack(&src, &mut w, RepackOptions { gzip }).map_err(|e| CliError::h5(input, e))?;
    w.finish().map_err(|e| CliError::h5(output, e))?;
    drop(spin);
    if !quiet {
        eprintln!(
            "repacked {input} -> {output}: {} groups, {} datasets, {} chunks copied, {} re-encoded",
            report.groups, report.datasets, report.chunks_copied, report.chunks_recoded
        );
        for n in &report.notes {
            eprintln!("note: {n}");
        }
    }
    Ok(())
}

/// `loom compact FILE`: repack in place (a temporary file renamed over FILE), under an
/// exclusive lock; prints the sizes before and after.
pub fn compact(file: &str, quiet: bool) -> CliResult {
    let spin = crate::progress::Progress::spinner("compacting", quiet);
    let r = loomfile_hdf5::compact(file).map_err(|e| CliError::h5(file, e))?;
    drop(spin);
    if !quiet {
        let saved = r.bytes_before.saturating_sub(r.bytes_after);
        eprintln!(
            "compacted {file}: {} -> {} bytes ({saved} bytes of dead space dropped)",
            r.bytes_before, r.bytes_after
        );
        for n in &r.repack.notes {
            eprintln!("note: {n}");
        }
    }
    Ok(())
}
