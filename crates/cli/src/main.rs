//! `loom`: inspect, export, validate, convert and scan loom files; inspect any HDF5 file.
//!
//! The command contract (names, flags, JSON forms, exit codes) is `spec/cli.md`: data to
//! stdout, logs and progress to stderr, exit 0 on success, 1 when the file is invalid or the
//! operation failed, 2 on usage errors, one clear error line and never a panic trace.

mod cmd;
mod json;
mod progress;
mod select;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A failed command: the one line printed, and the exit code.
#[derive(Debug)]
pub struct CliError {
    message: String,
    code: u8,
}

/// Result of a command.
pub type CliResult = Result<(), CliError>;

impl CliError {
    /// An engine error on `file`.
    pub fn h5(file: &str, e: loomfile_hdf5::Error) -> Self {
        CliError { message: format!("{file}: {e}"), code: 1 }
    }
    /// A library error about `file`, named once: the library names the file itself in
    /// errors about opening it.
    pub fn loom(file: &str, e: loomfile::Error) -> Self {
        let message = match &e {
            loomfile::Error::InFile { file: named, .. } if named == file => e.to_string(),
            _ => format!("{file}: {e}"),
        };
        CliError { message, code: 1 }
    }
    /// An output error.
    pub fn io(e: serde_json::Error) -> Self {
        CliError { message: format!("writing output: {e}"), code: 1 }
    }
    /// An output error.
    pub fn io_std(e: std::io::Error) -> Self {
        CliError { message: format!("writing output: {e}"), code: 1 }
    }
    /// A failure with a message.
    pub fn fail(message: impl Into<String>) -> Self {
        CliError { message: message.into(), code: 1 }
    }
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { message: message.into(), code: 2 }
    }
    /// Exit with `code` without printing anything more (the output already said why).
    pub fn silent(code: u8) -> Self {
        CliError { message: String::new(), code }
    }
}

/// Open an HDF5 file read-only, mapping errors to one line (a lock the file system could
/// not take is one warning on stderr).
pub fn open_h5(file: &str) -> Result<loomfile_hdf5::File, CliError> {
    let f = loomfile_hdf5::File::open(file).map_err(|e| CliError::h5(file, e))?;
    if let Some(w) = f.lock_warning() {
        eprintln!("warning: {w}");
    }
    Ok(f)
}

#[derive(Parser)]
#[command(
    name = "loom",
    version,
    about = "Inspect, convert, validate and scan Loom files (pure Rust, no libhdf5)"
)]
struct Cli {
    /// Silence progress bars.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Work budget: the most elements one command may visit or produce for one object
    /// (a layer, an attribute, a graph). A file claiming more is refused before any work.
    #[arg(long, global = true, value_name = "N", default_value_t = loomfile_hdf5::DEFAULT_MAX_ELEMENTS)]
    max_elements: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise a loom file: shape, layers, attributes, graphs, globals.
    Info {
        /// The loom file.
        file: String,
        /// One JSON object (the contract's form).
        #[arg(long)]
        json: bool,
    },
    /// Print row or column attributes (TSV with a header, or JSON).
    Attrs {
        /// The loom file.
        file: String,
        /// Which axis.
        #[arg(long, value_enum)]
        axis: AxisArg,
        /// Comma-separated attribute names (default: all).
        #[arg(long)]
        names: Option<String>,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Write a layer (or a selection) as .npy, Matrix Market or dense TSV.
    Export {
        /// The loom file.
        file: String,
        /// Layer ("" = main matrix).
        #[arg(long, default_value = "")]
        layer: String,
        #[command(flatten)]
        select: select::SelectArgs,
        /// npy, mtx or tsv.
        #[arg(long)]
        format: String,
        /// Output file (default: stdout).
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// Decoding threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Per-row or per-column nnz, sum, mean, sd, min, max (TSV).
    Stats {
        /// The loom file.
        file: String,
        /// Which axis.
        #[arg(long, value_enum, default_value = "row")]
        axis: AxisArg,
        /// Layer ("" = main matrix).
        #[arg(long, default_value = "")]
        layer: String,
        /// Decoding threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Check the Loom spec (and with --strict loompy's conventions); exit 1 when invalid.
    Validate {
        /// The loom file.
        file: String,
        /// Also check loompy's conventions (CellID, Gene, ClusterID, ...) and the spec's letter.
        #[arg(long)]
        strict: bool,
        /// Also decode every chunk of every dataset (fletcher32 verified where present) and
        /// report each damaged chunk with its dataset and chunk coordinates.
        #[arg(long)]
        deep: bool,
        /// One JSON object {"valid", "errors", "warnings"}.
        #[arg(long)]
        json: bool,
    },
    /// Convert 10x (HDF5, MEX), Matrix Market, TSV/CSV and h5ad to loom, and loom back.
    Convert(cmd::convert::ConvertArgs),
    /// Combine loom files column-wise into a new file (rows aligned by --key).
    Combine {
        /// Input loom files, in column order.
        #[arg(required = true)]
        inputs: Vec<String>,
        /// Output loom file (written atomically).
        #[arg(short = 'o', long = "output")]
        output: String,
        /// Row attribute aligning the rows of every file with the first (e.g. Accession).
        #[arg(long)]
        key: Option<String>,
        /// Join column graphs present in every file block-diagonally.
        #[arg(long)]
        include_graphs: bool,
        /// Global attributes that differ between files become column attributes.
        #[arg(long)]
        convert_attrs: bool,
        /// Drop column attributes missing from some files (default: fill them).
        #[arg(long)]
        drop_missing: bool,
        /// Columns per batch (memory: rows x batch of one layer).
        #[arg(long, default_value_t = 512)]
        batch_size: usize,
        /// Decoding threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// A new loom file from a selection of rows and columns (everything sliced alike).
    Subset {
        /// The loom file.
        input: String,
        /// Output loom file (written atomically).
        #[arg(short = 'o', long = "output")]
        output: String,
        #[command(flatten)]
        select: select::SelectArgs,
        /// Decoding threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// kerchunk/fsspec reference JSON: zarr, xarray and dask read the file without loomfile.
    Refs {
        /// The loom file.
        file: String,
        /// Output file (default: stdout).
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// Where readers find the loom file (default: its absolute path).
        #[arg(long)]
        url: Option<String>,
    },
    /// Rewrite a file in place without the dead space its edits left behind (atomic).
    Compact {
        /// The loom (or any HDF5) file.
        file: String,
    },
    /// HDF5-level tools for any HDF5 file.
    H5 {
        #[command(subcommand)]
        command: H5Command,
    },
}

#[derive(Subcommand)]
enum H5Command {
    /// List objects like h5ls.
    Ls {
        /// The file.
        file: String,
        /// Recurse into groups.
        #[arg(short, long)]
        recursive: bool,
        /// Verbose: attributes and storage.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Dump objects, attributes and data.
    Dump {
        /// The file.
        file: String,
        /// Start at this path.
        path: Option<String>,
        /// Canonical JSON (the h5canon form).
        #[arg(long)]
        json: bool,
        /// Omit dataset data.
        #[arg(long)]
        no_data: bool,
    },
    /// Rewrite a file with the engine's writer (earliest format), dropping dead space.
    Repack {
        /// Input file.
        input: String,
        /// Output file (written atomically).
        output: String,
        /// Recompress chunked datasets with deflate at this level (0-9).
        #[arg(long)]
        gzip: Option<u32>,
    },
}

/// Run `f` in a rayon pool of `threads` workers (default: the global pool, all cores).
fn with_threads(threads: Option<usize>, f: impl FnOnce() -> CliResult + Send) -> CliResult {
    match threads {
        None => f(),
        Some(0) => Err(CliError::usage("--threads must be at least 1")),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| CliError::fail(format!("thread pool: {e}")))?
            .install(f),
    }
}

/// `row` or `col`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum AxisArg {
    /// Rows (genes).
    Row,
    /// Columns (cells).
    Col,
}

impl From<AxisArg> for loomfile::Axis {
    fn from(a: AxisArg) -> Self {
        match a {
            AxisArg::Row => loomfile::Axis::Rows,
            AxisArg::Col => loomfile::Axis::Cols,
        }
    }
}

fn run(cli: Cli) -> CliResult {
    // Every file this process opens takes the budget from `Limits::default()`.
    loomfile_hdf5::set_default_max_elements(cli.max_elements);
    match cli.command {
        Command::Info { file, json } => cmd::info::info(&file, json),
        Command::Export { file, layer, select, format, output, threads } => {
            with_threads(threads, || {
                cmd::export::export(&file, &layer, &select, &format, output.as_deref(), cli.quiet)
            })
        }
        Command::Stats { file, axis, layer, threads } => {
            with_threads(threads, || cmd::stats::stats(&file, axis.into(), &layer, cli.quiet))
        }
        Command::Attrs { file, axis, names, json } => {
            cmd::info::attrs(&file, axis.into(), names.as_deref(), json)
        }
        Command::Validate { file, strict, deep, json } => {
            cmd::validate::validate(&file, strict, deep, json)
        }
        Command::Convert(args) => {
            with_threads(args.threads, || cmd::convert::convert(&args, cli.quiet))
        }
        Command::Combine {
            inputs,
            output,
            key,
            include_graphs,
            convert_attrs,
            drop_missing,
            batch_size,
            threads,
        } => with_threads(threads, || {
            let args = cmd::combine::CombineArgs {
                key: key.as_deref(),
                include_graphs,
                convert_attrs,
                drop_missing,
                batch_size,
            };
            cmd::combine::combine(&inputs, &output, &args, cli.quiet)
        }),
        Command::Subset { input, output, select, threads } => {
            with_threads(threads, || cmd::subset::subset(&input, &output, &select, cli.quiet))
        }
        Command::Refs { file, output, url } => {
            cmd::refs::refs(&file, output.as_deref(), url.as_deref())
        }
        Command::Compact { file } => cmd::h5::compact(&file, cli.quiet),
        Command::H5 { command } => match command {
            H5Command::Ls { file, recursive, verbose } => cmd::h5::ls(&file, recursive, verbose),
            H5Command::Dump { file, path, json, no_data } => {
                cmd::h5::dump(&file, path.as_deref(), json, no_data)
            }
            H5Command::Repack { input, output, gzip } => {
                cmd::h5::repack(&input, &output, gzip, cli.quiet)
            }
        },
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("error: {}", e.message);
            }
            ExitCode::from(e.code)
        }
    }
}
