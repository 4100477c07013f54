//! `cargo xtask python [pytest args]`: build the `loomfile` wheel with maturin (release, in
//! the workspace's target dir, so the engine crates compiled for the release `loom` binary
//! are reused), install it into the test venv `target/pyvenv` (fresh on a clean checkout)
//! and run the pytest suite in `crates/python/tests` against it: loompy equivalence of the
//! walkthrough, hypothesis properties, threads, locks with h5py, the Dask cluster and the
//! kerchunk references (which need the release `loom` binary: built here if missing).

use crate::{util, venv};
use std::path::PathBuf;

/// The wheel built by the last `build_wheel`.
fn find_wheel(dir: &std::path::Path) -> Result<PathBuf, String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.extension().is_some_and(|x| x == "whl") {
            found.push(p);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(format!("expected one wheel in {}, found {n}", dir.display())),
    }
}

/// Build the wheel into `target/wheels` (emptied first); returns its path.
pub fn build_wheel(py: &std::path::Path) -> Result<PathBuf, String> {
    let root = util::root();
    let out = root.join("target/wheels");
    let _ = std::fs::remove_dir_all(&out);
    let maturin = py.with_file_name("maturin");
    util::run(
        maturin.to_str().ok_or("venv path is not UTF-8")?,
        &[
            "build",
            "--release",
            "--quiet",
            "-m",
            "crates/python/Cargo.toml",
            "--out",
            out.to_str().ok_or("path is not UTF-8")?,
        ],
        &root,
        &[],
    )?;
    find_wheel(&out)
}

pub fn run(pytest_args: &[String]) -> Result<(), String> {
    let root = util::root();
    let py = venv::ensure_python_tests()?;
    let pys = py.to_str().ok_or("venv path is not UTF-8")?.to_string();
    let wheel = util::timed("python: maturin build (release wheel)", || build_wheel(&py))?;
    let wheel_s = wheel.to_str().ok_or("path is not UTF-8")?.to_string();
    util::timed("python: install the wheel", || {
        util::run(
            &pys,
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--force-reinstall",
                &wheel_s,
            ],
            &root,
            &[],
        )
    })?;
    let loom = root.join("target/release/loom");
    if !loom.exists() {
        util::cargo(&["build", "--release", "-p", "loomfile-cli"])?;
    }
    let mut args: Vec<&str> =
        vec!["-m", "pytest", "crates/python/tests", "-q", "-p", "no:cacheprovider"];
    args.extend(pytest_args.iter().map(String::as_str));
    let loom_s = loom.to_str().ok_or("path is not UTF-8")?;
    util::timed("python: pytest", || {
        util::run(&pys, &args, &root, &[("LOOMFILE_WHEEL", &wheel_s), ("LOOM_BIN", loom_s)])
    })
}
