//! `loom info --json` / `loom attrs --json` against h5py-level truth, `loom validate` against
//! loompy's LoomValidator (agreeing where loompy is right, differing — with the reason in
//! `tests/interop/validate_check.py`'s table — where it is wrong), and the `loom validate`
//! contract itself (exit codes, JSON form, one error line for files that are not loom files).

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn loom_fixtures() -> Vec<PathBuf> {
    files(&root().join("fixtures/loom"), &[".loom"])
}

fn public_corpus() -> Vec<PathBuf> {
    let c = corpus("loom-public", &[".loom"]);
    assert!(c.len() >= 3 || shared().is_none(), "public loom corpus missing");
    c
}

#[test]
fn info_and_attrs_json_agree_with_h5py_on_fixtures_corpus_and_fresh_loompy_files() {
    let tmp = tempfile::tempdir().unwrap();
    let gen_dir = tmp.path().join("gen");
    let listing =
        run_python(&root().join("tests/interop/loom_interop.py"), &[Path::new("gen"), &gen_dir]);
    let mut args: Vec<PathBuf> = vec![loom()];
    args.extend(loom_fixtures());
    args.extend(public_corpus());
    args.extend(listing.lines().filter(|l| l.ends_with(".loom")).map(PathBuf::from));
    let refs: Vec<&Path> = args.iter().map(|p| p.as_path()).collect();
    let out = run_python(&root().join("tests/interop/info_check.py"), &refs);
    eprintln!("{out}");
}

#[test]
fn validate_agrees_with_loompy_where_loompy_is_right() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_python(&root().join("tests/interop/validate_check.py"), &[&loom(), tmp.path()]);
    eprintln!("{out}");
}

fn validate_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["validate", "--json"];
    all.extend_from_slice(args);
    let (code, out, err) = run_loom(&all);
    let j: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out:?} {err}"));
    (code, j, err)
}

#[test]
fn validate_exit_codes_and_json_form() {
    for f in loom_fixtures().iter().chain(&public_corpus()) {
        let p = f.to_str().unwrap();
        let (code, j, err) = validate_json(&[p]);
        let obj = j.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["errors", "valid", "warnings"], "{p}");
        let valid = j["valid"].as_bool().unwrap();
        assert_eq!(code, if valid { 0 } else { 1 }, "{p}: {err}");
        assert_eq!(valid, j["errors"].as_array().unwrap().is_empty(), "{p}");
        assert!(err.is_empty(), "{p}: nothing on stderr with --json: {err}");
        // The human form exits the same way and lists every error.
        let (hcode, out, _) = run_loom(&["validate", p]);
        assert_eq!(hcode, code);
        for e in j["errors"].as_array().unwrap() {
            assert!(out.contains(&format!("error: {}", e.as_str().unwrap())), "{p}: {out}");
        }
        assert!(out.lines().last().unwrap().starts_with(&format!("{p}: ")), "{out}");
    }
    // LoomExperiment's float64 vertex indices: a warning naming the writer; with --strict
    // (loompy's rules) errors.
    let Some(shared) = shared() else { return };
    let lx = shared.join("corpus/loom-public/loomexperiment-L1_DRG_20_example.loom");
    let (code, j, _) = validate_json(&[lx.to_str().unwrap()]);
    assert_eq!(code, 0, "{j}");
    let warned: Vec<&str> =
        j["warnings"].as_array().unwrap().iter().filter_map(|w| w.as_str()).collect();
    assert_eq!(warned.iter().filter(|w| w.contains("LoomExperiment writes graphs")).count(), 4);
    let (code, j, _) = validate_json(&["--strict", lx.to_str().unwrap()]);
    assert_eq!(code, 1);
    let errors: Vec<&str> =
        j["errors"].as_array().unwrap().iter().filter_map(|e| e.as_str()).collect();
    assert_eq!(errors.iter().filter(|e| e.contains("vertex indices are integers")).count(), 4);
    // --strict adds the conventions: the SCope-style fixture's compound attributes are errors.
    let scope = root().join("fixtures/loom/scope_like.loom");
    let (code, _, _) = validate_json(&[scope.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (code, j, _) = validate_json(&["--strict", scope.to_str().unwrap()]);
    assert_eq!(code, 1);
    let errors: Vec<&str> =
        j["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(errors.contains(&"/col_attrs/Embedding: dtype compound is outside the Loom spec (numbers or strings only)"), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("/row_attrs/Accession: missing")), "{errors:?}");
    let warnings = j["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("'Title' is missing")));
}

#[test]
fn validate_non_hdf5_and_non_loom_files_are_one_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = tmp.path().join("notes.loom");
    std::fs::write(&text, "just text\n").unwrap();
    let h5 = root().join("fixtures/hdf5/groups_earliest.h5");
    let missing = tmp.path().join("missing.loom");
    for (f, what) in [(&text, "not an HDF5 file"), (&h5, "not a loom file"), (&missing, "")] {
        let p = f.to_str().unwrap();
        let (code, out, err) = run_loom(&["validate", p]);
        assert_eq!(code, 1, "{p}");
        assert!(out.is_empty(), "{p}: {out}");
        assert_eq!(err.lines().count(), 1, "{p}: one line: {err}");
        assert!(err.starts_with(&format!("error: {p}: ")) && err.contains(what), "{err}");
        let (code, j, err) = validate_json(&[p]);
        assert_eq!(code, 1);
        assert!(err.is_empty(), "{err}");
        assert_eq!(j["valid"], false);
        assert_eq!(j["errors"].as_array().unwrap().len(), 1, "{j}");
        assert!(j["errors"][0].as_str().unwrap().contains(what));
    }
    let (code, _, _) = run_loom(&["validate"]);
    assert_eq!(code, 2, "usage error");
}

/// A 10x or h5ad file given to a loom command: one error line naming the file once, the
/// format it is, and the `loom convert` that turns it into a loom file.
#[test]
fn other_formats_name_the_file_once_and_point_to_convert() {
    let w = root().join("fixtures/writers");
    for (name, format, from) in [
        ("cellranger-3-style.h5", "10x Genomics HDF5 matrix", "10x-h5"),
        ("cellranger-2-pytables.h5", "10x Genomics HDF5 matrix", "10x-h5"),
        ("anndata-0.8.0-no-x.h5ad", "AnnData (h5ad)", "h5ad"),
        ("anndata-0.6.22-csr.h5ad", "AnnData (h5ad)", "h5ad"),
    ] {
        let p = w.join(name);
        let p = p.to_str().unwrap();
        for cmd in [&["info", p][..], &["info", "--json", p], &["stats", "--axis", "row", p]] {
            let (code, out, err) = run_loom(cmd);
            assert_eq!(code, 1, "{cmd:?}");
            assert!(out.is_empty(), "{cmd:?}: {out}");
            assert_eq!(err.lines().count(), 1, "{cmd:?}: one line: {err}");
            assert_eq!(err.matches(p).count(), 1, "{cmd:?}: the path once: {err}");
            assert!(err.starts_with(&format!("error: {p}: not a loom file")), "{err}");
            assert!(err.contains(format), "{err}");
            assert!(err.contains(&format!("`loom convert` ({from} to loom)")), "{err}");
        }
    }
}
