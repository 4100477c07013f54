//! `loom validate FILE [--strict] [--deep] [--json]`: the Loom spec (and with `--strict`
//! loompy's conventions) checked by `loomfile::validate`; every problem listed, each naming its
//! path. `--deep` also decodes every chunk of every dataset (`loomfile::deep`) and lists each
//! damaged chunk with its dataset and chunk coordinates.
//!
//! Exit 0 when valid, 1 otherwise. A file that is not HDF5 or not a loom file at all is one
//! error: one `error:` line on stderr, or with `--json` the object with that single error.

use crate::{CliError, CliResult};
use loomfile::validate::{Check, Problem, Report, Severity, validate_path};
use serde_json::json;
use std::io::Write;

/// `loom validate`.
pub fn validate(file: &str, strict: bool, deep: bool, as_json: bool) -> CliResult {
    let report = match validate_path(file, strict) {
        Ok(r) => r,
        // A truncated file: the deep check lists what was lost, chunk by chunk.
        Err(e) if deep && e.to_string().contains("truncated file") => Report::default(),
        Err(e) => {
            let message = format!("{file}: {e}");
            if as_json {
                let j = json!({"valid": false, "errors": [message], "warnings": []});
                println!("{j}");
                return Err(CliError::silent(1));
            }
            return Err(CliError::fail(message));
        }
    };
    let mut report = report;
    if deep {
        // Every chunk of every dataset decoded (fletcher32 verified where present).
        let d = loomfile::deep::deep_check_path(file).map_err(|e| CliError::h5(file, e))?;
        for damaged in &d.damaged {
            report.push(Problem::new(Severity::Error, Check::Chunks, damaged.to_string()));
        }
    }
    let mut out = std::io::stdout().lock();
    if as_json {
        let (errors, warnings) = report.messages();
        let j = json!({"valid": report.is_valid(), "errors": errors, "warnings": warnings});
        writeln!(out, "{j}").map_err(CliError::io_std)?;
    } else {
        human(&mut out, file, &report, strict).map_err(CliError::io_std)?;
    }
    if report.is_valid() { Ok(()) } else { Err(CliError::silent(1)) }
}

fn human(out: &mut impl Write, file: &str, r: &Report, strict: bool) -> std::io::Result<()> {
    for p in r.errors().chain(r.warnings()) {
        writeln!(out, "{}: {p}", p.severity.as_str())?;
    }
    let what = if strict { "Loom spec and conventions" } else { "Loom spec" };
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if r.is_valid() {
        writeln!(out, "{file}: valid ({what}; {})", plural(r.warnings().count(), "warning"))
    } else {
        writeln!(
            out,
            "{file}: INVALID ({what}; {}, {})",
            plural(r.errors().count(), "error"),
            plural(r.warnings().count(), "warning")
        )
    }
}
