//! The Python reference stack (h5py, loompy, numpy, scipy, anndata), pinned in
//! `fixtures/requirements.txt` and installed into `target/venv` from the package registry.

use crate::util;
use std::path::PathBuf;

/// Create or update `target/venv`; returns its python.
pub fn ensure() -> Result<PathBuf, String> {
    ensure_at(
        "target/venv",
        &["fixtures/requirements.txt"],
        "pinned h5py, loompy, numpy, scipy, anndata",
    )
}

/// Create or update `target/pyvenv`, the Python package's test environment (the reference
/// stack plus maturin, pytest, hypothesis, dask.distributed, kerchunk); returns its python.
pub fn ensure_python_tests() -> Result<PathBuf, String> {
    ensure_at(
        "target/pyvenv",
        &["crates/python/requirements-test.txt", "fixtures/requirements.txt"],
        "pinned reference stack, maturin, pytest, hypothesis, dask, kerchunk",
    )
}

/// Create or update `target/webvenv`, the browser tests' environment (selenium, pinned in
/// `tests/web/requirements.txt`); returns its python.
pub fn ensure_web() -> Result<PathBuf, String> {
    ensure_at("target/webvenv", &["tests/web/requirements.txt"], "pinned selenium")
}

/// A venv at `dir` (relative to the workspace root) with `reqs[0]` installed (the others
/// are files it includes: they count for the up-to-date check).
fn ensure_at(dir: &str, reqs: &[&str], what: &str) -> Result<PathBuf, String> {
    let root = util::root();
    let venv = root.join(dir);
    let python = venv.join("bin/python");
    let mut wanted = String::new();
    for r in reqs {
        let req = root.join(r);
        wanted += &std::fs::read_to_string(&req).map_err(|e| format!("{}: {e}", req.display()))?;
    }
    let stamp = venv.join(".requirements.installed");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    println!("creating {} ({what})", venv.display());
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    util::run(&host, &["-m", "venv", venv.to_str().unwrap_or(dir)], &root, &[])?;
    let py = python.to_str().unwrap_or("python");
    util::run(
        py,
        &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", reqs[0]],
        &root,
        &[],
    )?;
    std::fs::write(&stamp, &wanted).map_err(|e| e.to_string())?;
    Ok(python)
}
