//! The Python reference stack (h5py, loompy, numpy, scipy, anndata), the oracle of the
//! interop tests. Its absence is a failure, never a skip: `cargo xtask venv` creates it
//! (`cargo xtask test` and `cargo xtask ci` do so first).

use crate::paths::root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv's interpreter: `LOOMFILE_PYTHON`, else `target/venv/bin/python`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LOOMFILE_PYTHON") {
        return PathBuf::from(p);
    }
    let p = root().join("target/venv/bin/python");
    assert!(
        p.exists(),
        "no Python reference stack at {}: run `cargo xtask venv` (or set LOOMFILE_PYTHON)",
        p.display()
    );
    p
}

/// Run a Python script with arguments; panics with its output unless it exits 0, returns
/// stdout and stderr.
pub fn run_python(script: &Path, args: &[&Path]) -> String {
    let out = Command::new(python()).arg(script).args(args).output().expect("run python");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{} failed:\n{text}", script.display());
    text
}
