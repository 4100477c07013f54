//! Helpers for tests that drive the `loom` binary and the Python reference stack.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// The `loom` binary under test.
pub fn loom() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_loom"))
}

/// The venv python (LOOMFILE_PYTHON or target/venv). Missing: a failure, not a skip.
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

/// The shared folder (corpora and the h5canon oracle).
pub fn shared() -> PathBuf {
    let p = std::env::var_os("LOOMFILE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    assert!(
        p.join("tools/h5canon.py").exists(),
        "shared folder not found at {} (set LOOMFILE_SHARED)",
        p.display()
    );
    p
}

/// The h5py oracle script.
pub fn h5canon() -> PathBuf {
    shared().join("tools/h5canon.py")
}

/// Sorted files under `dir` whose names end with one of `exts`.
pub fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| exts.iter().any(|x| p.to_string_lossy().ends_with(x)))
        .collect();
    v.sort();
    v
}

/// Run a python script with arguments; panics with its output unless it exits 0.
pub fn run_python(script: &Path, args: &[&Path]) -> String {
    let out = Command::new(python()).arg(script).args(args).output().expect("run python");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{} failed:\n{text}", script.display());
    text
}

/// Run `loom` with arguments; returns (exit code, stdout, stderr).
pub fn run_loom(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(loom()).args(args).output().expect("run loom");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
