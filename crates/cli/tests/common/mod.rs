//! Helpers for tests that drive the `loom` binary, on top of the workspace's test kit (the
//! shared corpora, the Python reference stack and its h5py oracle).

#![allow(dead_code, unused_imports)]

pub use loomfile_testkit::{corpus, files, h5canon, python, root, run_python, shared};
use std::path::PathBuf;
use std::process::Command;

/// The `loom` binary under test.
pub fn loom() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_loom"))
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
