//! The Python reference stack (h5py, loompy, numpy, scipy, anndata), pinned in
//! `fixtures/requirements.txt` and installed into `target/venv` from the package registry.

use crate::util;
use std::path::PathBuf;

/// Create or update `target/venv`; returns its python.
pub fn ensure() -> Result<PathBuf, String> {
    let root = util::root();
    let venv = root.join("target/venv");
    let python = venv.join("bin/python");
    let req = root.join("fixtures/requirements.txt");
    let wanted = std::fs::read_to_string(&req).map_err(|e| format!("{}: {e}", req.display()))?;
    let stamp = venv.join(".requirements.installed");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    println!("creating {} (pinned h5py, loompy, numpy, scipy, anndata)", venv.display());
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    util::run(&host, &["-m", "venv", venv.to_str().unwrap_or("target/venv")], &root, &[])?;
    let py = python.to_str().unwrap_or("python");
    util::run(
        py,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "fixtures/requirements.txt",
        ],
        &root,
        &[],
    )?;
    std::fs::write(&stamp, &wanted).map_err(|e| e.to_string())?;
    Ok(python)
}
