//! `loom combine`: a new loom file holding the columns of several, in order (loompy's
//! `combine`, without its silent drops: column attributes missing from a file are filled).

use crate::{CliError, CliResult};
use loomfile::ops::{AddLoomOptions, CombineOptions, FillValues, combine_opened};

/// Options of `loom combine` beyond the inputs and the output.
pub struct CombineArgs<'a> {
    /// Row attribute aligning the rows of every file with the first one.
    pub key: Option<&'a str>,
    /// Join column graphs block-diagonally.
    pub include_graphs: bool,
    /// Global attributes that differ between files become column attributes.
    pub convert_attrs: bool,
    /// Drop column attributes missing from some files instead of filling them.
    pub drop_missing: bool,
    /// Columns per batch.
    pub batch_size: usize,
}

/// `loom combine IN... -o OUT [--key ATTR]`.
pub fn combine(inputs: &[String], output: &str, args: &CombineArgs<'_>, quiet: bool) -> CliResult {
    if inputs.is_empty() {
        return Err(CliError::usage("combine needs at least one input file"));
    }
    // Opened here, so that an unreadable input is named in the error.
    let files = inputs
        .iter()
        .map(|p| {
            if super::same_file(p, output) {
                return Err(CliError::fail(format!(
                    "{output}: {output} is both an input and the output"
                )));
            }
            crate::cmd::info::open_loom(p)
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let refs: Vec<&loomfile::LoomFile> = files.iter().collect();
    let opts = CombineOptions::new().add_options(AddLoomOptions {
        key: args.key,
        batch_size: args.batch_size.max(1),
        convert_attrs: args.convert_attrs,
        include_graphs: args.include_graphs,
        fill_values: if args.drop_missing { FillValues::Drop } else { FillValues::Auto },
    });
    let spin = crate::progress::Progress::spinner("combining", quiet);
    let r = combine_opened(&refs, output, &opts)
        .map_err(|e| CliError::fail(format!("{output}: {e}")))?;
    drop(spin);
    if !quiet {
        eprintln!(
            "{output}: {} x {} from {} files; layers {:?}{}",
            r.shape.0,
            r.shape.1,
            inputs.len(),
            r.layers,
            if r.layers_dropped.is_empty() {
                String::new()
            } else {
                format!(" (not in every input, left out: {:?})", r.layers_dropped)
            }
        );
    }
    Ok(())
}
