//! Where things are: the workspace root, its `fixtures/`, and the project's `shared/`
//! folder (corpora, the h5py oracle) beside the repository.
//!
//! One rule for `shared/`, in every crate: `LOOMFILE_SHARED` names it, else `../shared`
//! beside the repository. When it is missing, [`shared`] returns `None` and prints one
//! line (the test skips what needs it) on a developer's machine, and fails the test when
//! `LOOMFILE_REQUIRE_SHARED=1` (set by `cargo xtask test` and `cargo xtask ci`).

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// The checked-in fixtures (`fixtures/`).
pub fn fixtures() -> PathBuf {
    root().join("fixtures")
}

/// A hostile-shape file (`fixtures/hostile/`, from `fixtures/gen_hostile.py`: a few KB each,
/// claiming 2^40-element shapes with no chunk stored).
pub fn hostile(name: &str) -> PathBuf {
    fixtures().join("hostile").join(name)
}

/// The hostile-shape loom files, each claiming a huge shape somewhere else.
pub const HOSTILE_LOOMS: [&str; 8] = [
    "rows.loom",
    "cols.loom",
    "col_attr.loom",
    "graph.loom",
    "layer.loom",
    "layer_only.loom",
    "rows_empty.loom",
    "cols_empty.loom",
];

/// The `shared/` folder, or `None` (after one line on stderr) where it may be missing.
pub fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("LOOMFILE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    if p.join("corpus").is_dir() {
        return Some(p);
    }
    if std::env::var("LOOMFILE_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("the shared folder is not at {} (set LOOMFILE_SHARED)", p.display());
    }
    eprintln!("skipping: the shared folder is not at {} (set LOOMFILE_SHARED)", p.display());
    None
}

/// Sorted files of `dir` whose names end with one of `suffixes` (all files for none).
pub fn files(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            suffixes.is_empty() || suffixes.iter().any(|x| p.to_string_lossy().ends_with(x))
        })
        .collect();
    v.sort();
    v
}

/// The files of `shared/corpus/<name>` ending with one of `suffixes`; none (after the one
/// line of [`shared`]) where the shared folder may be missing.
pub fn corpus(name: &str, suffixes: &[&str]) -> Vec<PathBuf> {
    shared().map(|s| files(&s.join("corpus").join(name), suffixes)).unwrap_or_default()
}

/// The h5py oracle (`shared/tools/h5canon.py`): like the Python stack, required by the
/// tests that use it (a missing oracle fails them, whatever the environment).
pub fn h5canon() -> PathBuf {
    let p = std::env::var_os("LOOMFILE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
        .join("tools/h5canon.py");
    assert!(p.exists(), "the h5py oracle is not at {} (set LOOMFILE_SHARED)", p.display());
    p
}
