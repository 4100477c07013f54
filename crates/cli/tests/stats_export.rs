//! `loom stats` agrees with numpy (1e-9 relative) and `loom export` (npy, tsv, selections)
//! with h5py on every loom fixture and the public loom corpus.

mod common;

use common::*;
use std::path::PathBuf;

#[test]
fn stats_and_export_agree_with_numpy() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<PathBuf> = vec![loom(), tmp.path().to_path_buf()];
    args.extend(files(&root().join("fixtures/loom"), &[".loom"]));
    args.extend(corpus("loom-public", &[".loom"]));
    let refs: Vec<&std::path::Path> = args.iter().map(|p| p.as_path()).collect();
    let out = run_python(&root().join("tests/interop/check_stats_export.py"), &refs);
    eprintln!("{}", out.lines().last().unwrap_or(""));
}

#[test]
fn selections_by_name_file_and_errors() {
    let f = root().join("fixtures/loom/medium.loom");
    let f = f.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let names = tmp.path().join("cells.txt");
    std::fs::write(&names, "cell_003\ncell_000\ncell_003\n").unwrap();
    let sel = format!("@{}", names.display());
    let (code, out, err) =
        run_loom(&["export", f, "--format", "tsv", "--rows", "0:2", "--cols", &sel]);
    assert_eq!(code, 0, "{err}");
    let header: Vec<&str> = out.lines().next().unwrap().split('\t').collect();
    assert_eq!(header, ["Gene", "cell_003", "cell_000", "cell_003"]);
    assert_eq!(out.lines().count(), 3);
    // Out-of-range index: usage error (2), one line.
    let (code, _, err) = run_loom(&["export", f, "--format", "npy", "--rows", "0,100000"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim().lines().count(), 1);
    // Unknown name: failure (1).
    std::fs::write(&names, "no_such_cell\n").unwrap();
    let (code, _, err) = run_loom(&["export", f, "--format", "npy", "--cols", &sel]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no_such_cell"));
    // Not a loom file: one error line, exit 1.
    let (code, _, err) =
        run_loom(&["stats", root().join("fixtures/hdf5/ints_earliest.h5").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
