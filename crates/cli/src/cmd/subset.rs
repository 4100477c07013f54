//! `loom subset`: a new loom file from a selection of rows and columns, with every layer,
//! attribute and graph sliced the same way.

use crate::select;
use crate::{CliError, CliResult};
use loomfile::Axis;

/// `loom subset IN -o OUT [--rows SEL] [--cols SEL] [--key ATTR]`.
pub fn subset(
    input: &str,
    output: &str,
    rows: Option<&str>,
    cols: Option<&str>,
    key: Option<&str>,
    quiet: bool,
) -> CliResult {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        if a == b {
            return Err(CliError::usage(format!("{input} is both the input and the output")));
        }
    }
    let f = crate::cmd::info::open_loom(input)?;
    let rsel = select::parse(&f, Axis::Rows, rows, key)?;
    let csel = select::parse(&f, Axis::Cols, cols, key)?;
    let spin = crate::progress::Progress::spinner("writing subset", quiet);
    let r = loomfile::ops::subset(&f, output, &rsel, &csel)
        .map_err(|e| CliError::fail(format!("{output}: {e}")))?;
    drop(spin);
    if !quiet {
        eprintln!(
            "{output}: {} x {}, {} layers, {} graph edges",
            r.shape.0,
            r.shape.1,
            r.layers.len(),
            r.edges
        );
    }
    Ok(())
}
