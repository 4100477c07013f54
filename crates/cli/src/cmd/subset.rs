//! `loom subset`: a new loom file from a selection of rows and columns, with every layer,
//! attribute and graph sliced the same way.

use crate::select;
use crate::{CliError, CliResult};

/// `loom subset IN -o OUT [--rows SEL] [--cols SEL] [--key ATTR]`.
pub fn subset(input: &str, output: &str, select: &select::SelectArgs, quiet: bool) -> CliResult {
    if super::same_file(input, output) {
        return Err(CliError::usage(format!("{input} is both the input and the output")));
    }
    let f = crate::cmd::info::open_loom(input)?;
    let (rsel, csel) = select.parse(&f)?;
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
