//! `loom convert` against the reference stack: 10x (HDF5 v2/v3, MEX v2/v3), h5ad, Matrix
//! Market and dense text conversions checked with loompy (validate=True), anndata and scipy
//! (crates/cli/tests/convert_check.py); option behaviour (--genome, --gex-only like scanpy's
//! read_10x_h5; --chunks/--gzip/--dtype); one-line errors with exit 1 for bad or wrong-kind
//! inputs and 2 for usage; atomic outputs.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn check(args: &[&str]) {
    let script = root().join("crates/cli/tests/convert_check.py");
    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let out = run_python(&script, &refs);
    eprint!("{out}");
}

/// Run `loom --quiet convert ARGS`, expecting success.
fn convert(args: &[&str]) {
    let mut full = vec!["--quiet", "convert"];
    full.extend_from_slice(args);
    let (code, out, err) = run_loom(&full);
    assert_eq!(code, 0, "loom {full:?} failed: {err}");
    assert!(out.is_empty(), "nothing on stdout: {out}");
}

/// Run `loom convert ARGS`, expecting exit `code` with exactly one error line on stderr.
fn convert_fails(args: &[&str], code: i32) -> String {
    let mut full = vec!["--quiet", "convert"];
    full.extend_from_slice(args);
    let (c, out, err) = run_loom(&full);
    assert_eq!(c, code, "loom {full:?}: expected exit {code}, got {c}: {err}");
    assert!(out.is_empty());
    let line = err.trim_end();
    if code == 1 {
        assert_eq!(line.lines().count(), 1, "one error line: {line}");
        assert!(line.starts_with("error: "), "{line}");
    }
    assert!(!line.contains("panicked"), "{line}");
    line.to_string()
}

fn expected() -> String {
    fixture("10x/expected.json").to_string_lossy().into_owned()
}

/// No output and no temporary files left in `dir` besides `keep`.
fn only_files(dir: &Path, keep: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn tenx_h5_v3_and_v2_match_the_truth() {
    let t = tempfile::tempdir().unwrap();
    let v3 = t.path().join("v3.loom");
    let v2 = t.path().join("v2.loom");
    let mm = t.path().join("mm10.loom");
    convert(&[s(&fixture("10x/v3.h5")), s(&v3)]);
    convert(&[s(&fixture("10x/v2.h5")), s(&v2), "--genome", "hg19"]);
    convert(&[s(&fixture("10x/v2.h5")), s(&mm), "--genome", "mm10", "--from", "10x-h5"]);
    check(&["tenx", s(&v3), &expected(), "--feature-types"]);
    check(&["tenx", s(&v2), &expected()]);
    check(&["tenx", s(&mm), &expected(), "--block", "mm10"]);
}

#[test]
fn tenx_genome_and_gex_only_behave_like_scanpy() {
    let t = tempfile::tempdir().unwrap();
    // v2 with several genomes: --genome is required, the error lists them.
    let out = t.path().join("x.loom");
    let e = convert_fails(&[s(&fixture("10x/v2.h5")), s(&out)], 1);
    assert!(e.contains("hg19") && e.contains("mm10") && e.contains("--genome"), "{e}");
    let e = convert_fails(&[s(&fixture("10x/v2.h5")), s(&out), "--genome", "GRCz11"], 1);
    assert!(e.contains("GRCz11") && e.contains("hg19, mm10"), "{e}");
    // v3: --gex-only keeps the 55 'Gene Expression' features; --genome filters features.
    let gex = t.path().join("gex.loom");
    convert(&[s(&fixture("10x/v3.h5")), s(&gex), "--gex-only"]);
    check(&["tenx", s(&gex), &expected(), "--gex-only", "--feature-types"]);
    let g = t.path().join("g.loom");
    convert(&[s(&fixture("10x/v3.h5")), s(&g), "--genome", "GRCh38"]);
    check(&["tenx", s(&g), &expected(), "--feature-types"]);
    let e = convert_fails(&[s(&fixture("10x/v3.h5")), s(&out), "--genome", "mm10"], 1);
    assert!(e.contains("mm10") && e.contains("GRCh38"), "{e}");
    // v2 has no feature types: --gex-only keeps everything (scanpy ignores it there too).
    let v2 = t.path().join("v2.loom");
    convert(&[s(&fixture("10x/v2.h5")), s(&v2), "--genome", "hg19", "--gex-only"]);
    check(&["tenx", s(&v2), &expected()]);
    assert!(!out.exists());
}

#[test]
fn tenx_mex_v2_and_v3_match_the_truth() {
    let t = tempfile::tempdir().unwrap();
    let v3 = t.path().join("v3.loom");
    let v2 = t.path().join("v2.loom");
    convert(&[s(&fixture("10x/v3_mex")), s(&v3)]);
    convert(&[s(&fixture("10x/v2_mex")), s(&v2)]);
    check(&["tenx", s(&v3), &expected(), "--mex", "--feature-types"]);
    check(&["tenx", s(&v2), &expected(), "--mex"]);
    let gex = t.path().join("gex.loom");
    convert(&[s(&fixture("10x/v3_mex")), s(&gex), "--gex-only"]);
    check(&["tenx", s(&gex), &expected(), "--mex", "--gex-only", "--feature-types"]);
}

#[test]
fn h5ad_to_loom_and_back_keeps_x_layers_obs_var() {
    let t = tempfile::tempdir().unwrap();
    for name in ["csr", "csc", "dense"] {
        let src = fixture(&format!("h5ad/{name}.h5ad"));
        let loom = t.path().join(format!("{name}.loom"));
        let back = t.path().join(format!("{name}.h5ad"));
        convert(&[s(&src), s(&loom)]);
        convert(&[s(&loom), s(&back)]);
        check(&["h5ad", s(&src), s(&loom), s(&back)]);
    }
}

#[test]
fn h5ad_naming_rule_and_pandas_dtypes_survive_the_round_trip() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("rich.h5ad");
    check(&["make-rich", s(&src)]);
    let loom = t.path().join("rich.loom");
    let back = t.path().join("back.h5ad");
    let (code, _, err) = run_loom(&["convert", s(&src), s(&loom)]);
    assert_eq!(code, 0, "{err}");
    // Elements without a loom form are named in warnings, not silently dropped.
    assert!(err.contains("warning: /obsm/sparse"), "{err}");
    assert!(err.contains("nested"), "{err}");
    convert(&[s(&loom), s(&back)]);
    // obs has a CellID column: it stays CellID and the (named) index goes to obs_names;
    // var has a Gene column: the index goes to var_names. Frames come back equal.
    check(&["h5ad", s(&src), s(&loom), s(&back)]);
}

#[test]
fn loom_to_mtx_and_back() {
    let t = tempfile::tempdir().unwrap();
    let loom = t.path().join("v3.loom");
    convert(&[s(&fixture("10x/v3.h5")), s(&loom)]);
    for name in ["m.mtx", "m.mtx.gz"] {
        let mtx = t.path().join(name);
        let rows = t.path().join(format!("{name}.rows.tsv"));
        let cols = t.path().join(format!("{name}.cols.tsv"));
        convert(&[s(&loom), s(&mtx), "--row-attrs", s(&rows), "--col-attrs", s(&cols)]);
        let text = std::fs::read_to_string(&rows).unwrap();
        assert!(text.starts_with("Accession\tFeatureType\tGene\tGenome\n"), "{text}");
        assert_eq!(text.lines().count(), 61);
        check(&["mtx", s(&mtx), s(&loom)]);
        let again = t.path().join(format!("{name}.loom"));
        convert(&[s(&mtx), s(&again), "--row-attrs", s(&rows), "--col-attrs", s(&cols)]);
        check(&["same", s(&loom), s(&again)]);
    }
    // A Cell Ranger matrix.mtx with a comment line, straight to loom (no attributes).
    let raw = t.path().join("raw.loom");
    convert(&[s(&fixture("10x/v2_mex/outs/filtered_gene_bc_matrices/hg19/matrix.mtx")), s(&raw)]);
    check(&[
        "mtx",
        s(&fixture("10x/v2_mex/outs/filtered_gene_bc_matrices/hg19/matrix.mtx")),
        s(&raw),
    ]);
    // Float layers are written as `real`.
    let csr = t.path().join("csr.loom");
    convert(&[s(&fixture("h5ad/csr.h5ad")), s(&csr)]);
    let real = t.path().join("csr.mtx");
    convert(&[s(&csr), s(&real)]);
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .starts_with("%%MatrixMarket matrix coordinate real general\n")
    );
    check(&["mtx", s(&real), s(&csr)]);
}

#[test]
fn dense_text_round_trips() {
    let t = tempfile::tempdir().unwrap();
    let loom = t.path().join("v3.loom");
    convert(&[s(&fixture("10x/v3.h5")), s(&loom), "--dtype", "int64"]);
    for name in ["m.tsv", "m.csv", "m.tsv.gz"] {
        let txt = t.path().join(name);
        convert(&[s(&loom), s(&txt)]);
        let back = t.path().join(format!("{name}.loom"));
        convert(&[s(&txt), s(&back), "--dtype", "int64"]);
        // Text carries the matrix, Gene and CellID.
        check(&["matrix", s(&loom), s(&back)]);
    }
    // A header without a corner label (R's write.table) is accepted too.
    let txt = t.path().join("r.tsv");
    std::fs::write(&txt, "c1\tc2\ng1\t1\t0\ng2\t0\t2.5\n").unwrap();
    let back = t.path().join("r.loom");
    convert(&[s(&txt), s(&back)]);
    let (_, j, _) = run_loom(&["info", s(&back), "--json"]);
    let j: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(j["shape"], serde_json::json!([2, 2]));
    assert_eq!(j["layers"][0]["dtype"], "float32");
}

#[test]
fn chunks_gzip_and_dtype_options() {
    let t = tempfile::tempdir().unwrap();
    let info = |p: &Path| -> serde_json::Value {
        let (code, j, e) = run_loom(&["info", s(p), "--json"]);
        assert_eq!(code, 0, "{e}");
        serde_json::from_str(&j).unwrap()
    };
    let d = t.path().join("default.loom");
    convert(&[s(&fixture("10x/v3.h5")), s(&d)]);
    let j = info(&d);
    assert_eq!(j["spec_version"], "3.0.0");
    assert_eq!(j["layers"][0]["chunks"], serde_json::json!([60, 25]));
    assert_eq!(j["layers"][0]["compression"], "gzip:2");
    assert_eq!(j["layers"][0]["dtype"], "int32");
    let o = t.path().join("opts.loom");
    convert(&[
        s(&fixture("10x/v3.h5")),
        s(&o),
        "--chunks",
        "16,8",
        "--gzip",
        "5",
        "--dtype",
        "float32",
    ]);
    let j = info(&o);
    assert_eq!(j["layers"][0]["chunks"], serde_json::json!([16, 8]));
    assert_eq!(j["layers"][0]["compression"], "gzip:5");
    assert_eq!(j["layers"][0]["dtype"], "float32");
    check(&["tenx", s(&o), &expected(), "--feature-types"]);
    let u = t.path().join("plain.loom");
    convert(&[s(&fixture("h5ad/csr.h5ad")), s(&u), "--gzip", "0"]);
    let j = info(&u);
    assert!(j["layers"].as_array().unwrap().iter().all(|l| l["compression"].is_null()));
}

#[test]
fn bad_and_wrong_kind_inputs_give_one_error_line() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out.loom");
    let text = t.path().join("text.mtx");
    std::fs::write(&text, "hello\n").unwrap();
    let bad_tsv = t.path().join("bad.tsv");
    std::fs::write(&bad_tsv, "g\tc1\tc2\nx\t1\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                s(&fixture("h5ad/csr.h5ad")).into(),
                s(&out).into(),
                "--from".into(),
                "10x-h5".into(),
            ],
            "not a 10x",
        ),
        (
            vec![
                s(&fixture("loom/minimal_v3.loom")).into(),
                s(&out).into(),
                "--from".into(),
                "h5ad".into(),
            ],
            "not an h5ad",
        ),
        (
            vec![s(&fixture("10x/v3.h5")).into(), s(&out).into(), "--from".into(), "h5ad".into()],
            "h5ad",
        ),
        (vec![s(&text).into(), s(&out).into()], "Matrix Market"),
        (
            vec![s(&fixture("10x/v3.h5")).into(), s(&out).into(), "--from".into(), "mtx".into()],
            "Matrix Market",
        ),
        (vec![s(&bad_tsv).into(), s(&out).into()], "fields"),
        (
            vec![
                s(&fixture("h5ad/csr.h5ad")).into(),
                t.path().join("x.mtx").to_string_lossy().into(),
                "--from".into(),
                "loom".into(),
            ],
            "not a loom",
        ),
        (
            vec![
                s(&text).into(),
                t.path().join("x.h5ad").to_string_lossy().into(),
                "--from".into(),
                "loom".into(),
            ],
            "HDF5",
        ),
        (
            vec![t.path().join("missing.h5").to_string_lossy().into(), s(&out).into()],
            "no such file",
        ),
        (vec![s(&fixture("10x")).into(), s(&out).into()], "matrix"),
    ];
    for (args, needle) in cases {
        let a: Vec<&str> = args.iter().map(|x| x.as_str()).collect();
        let e = convert_fails(&a, 1);
        assert!(e.to_lowercase().contains(&needle.to_lowercase()), "{args:?}: {e}");
    }
    // Usage errors exit 2.
    let usage: Vec<Vec<String>> = vec![
        vec![s(&fixture("10x/v3.h5")).into(), t.path().join("x.unknown").to_string_lossy().into()],
        vec![s(&fixture("10x/v3.h5")).into(), t.path().join("x.h5ad").to_string_lossy().into()],
        vec![s(&fixture("10x/v3.h5")).into(), s(&out).into(), "--chunks".into(), "64".into()],
        vec![s(&fixture("10x/v3.h5")).into(), s(&out).into(), "--dtype".into(), "complex".into()],
        vec![s(&fixture("10x/v3.h5")).into(), s(&out).into(), "--gzip".into(), "12".into()],
        vec![s(&fixture("h5ad/csr.h5ad")).into(), s(&out).into(), "--genome".into(), "hg19".into()],
        vec![s(&fixture("10x/v3.h5")).into(), s(&out).into(), "--to".into(), "excel".into()],
    ];
    for args in usage {
        let a: Vec<&str> = args.iter().map(|x| x.as_str()).collect();
        convert_fails(&a, 2);
    }
    // Nothing was written, and no temporary file was left behind.
    only_files(t.path(), &["bad.tsv", "text.mtx"]);
}

#[test]
fn outputs_replace_existing_files_atomically() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("x.loom");
    convert(&[s(&fixture("10x/v3.h5")), s(&out)]);
    let before = std::fs::read(&out).unwrap();
    // A failing conversion leaves the existing output untouched.
    convert_fails(&[s(&fixture("10x/v2.h5")), s(&out)], 1);
    assert_eq!(std::fs::read(&out).unwrap(), before);
    let mtx = t.path().join("x.mtx");
    convert(&[s(&out), s(&mtx)]);
    convert(&[s(&out), s(&mtx)]);
    only_files(t.path(), &["x.loom", "x.mtx"]);
}

/// A graph whose vertex indices run past its axis cannot become an obsp/varp matrix:
/// `convert` leaves it out with a warning naming it, and keeps the file's good graphs.
#[test]
fn loom_graph_with_out_of_range_vertices_is_left_out_of_h5ad() {
    use loomfile_hdf5::{DatasetSpec, H5Type, Selection};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("graphs.loom");
    std::fs::copy(fixture("loom/large_values.loom"), &src).unwrap();
    let cols = loomfile::LoomFile::open(&src).unwrap().shape().1;
    let mut w = loomfile_hdf5::Writer::open(&src).unwrap();
    w.require_group("/col_graphs").unwrap();
    for (name, a) in [("good", [0i64, 1, 2]), ("bad", [0, 1, cols as i64 + 5])] {
        let g = format!("/col_graphs/{name}");
        w.create_group(&g).unwrap();
        for (ds, v) in [("a", a), ("b", [1, 2, 0])] {
            let p = format!("{g}/{ds}");
            w.create_dataset(&p, DatasetSpec::contiguous(i64::datatype(), &[3])).unwrap();
            w.write(&p, &[Selection::All], &v).unwrap();
        }
        let p = format!("{g}/w");
        w.create_dataset(&p, DatasetSpec::contiguous(f64::datatype(), &[3])).unwrap();
        w.write(&p, &[Selection::All], &[1.0f64, 0.5, 0.25]).unwrap();
    }
    w.finish().unwrap();
    let out = dir.path().join("graphs.h5ad");
    let (code, _, err) = run_loom(&["convert", s(&src), s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("graph bad") && err.contains("out of range") && err.contains("left out"),
        "{err}"
    );
    assert!(!err.contains("graph good"), "{err}");
    let h = loomfile_hdf5::File::open(&out).unwrap();
    assert!(h.exists("/obsp/good"), "the good graph is kept");
    assert!(!h.exists("/obsp/bad"), "the bad graph is left out");
}
