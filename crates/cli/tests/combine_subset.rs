//! `loom combine` and `loom subset` end to end: the binary's outputs checked against loompy
//! 3.0.8's `combine` and against h5py + numpy indexing of the input
//! (`tests/interop/ops_check.py`), and refusals that must leave nothing behind.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/loom").join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ops_check(args: &[&str]) {
    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let out = run_python(&root().join("tests/interop/ops_check.py"), &refs);
    eprintln!("{}", out.trim());
}

#[test]
fn combine_matches_loompy_combine() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.loom");
    let b = d.path().join("b.loom");
    std::fs::copy(fixture("medium.loom"), &a).unwrap();
    std::fs::copy(fixture("medium.loom"), &b).unwrap();
    let out = d.path().join("out.loom");
    let (code, _, err) =
        run_loom(&["combine", s(&a), s(&b), "-o", s(&out), "--key", "Accession", "--quiet"]);
    assert_eq!(code, 0, "{err}");
    ops_check(&["combine", s(&out), "Accession", s(d.path()), s(&a), s(&b)]);
    let (code, json, _) = run_loom(&["info", s(&out), "--json"]);
    assert_eq!(code, 0);
    assert!(
        json.contains("\"shape\": [300, 400]") || json.contains("\"shape\":[300,400]"),
        "{json}"
    );
}

#[test]
fn combine_refuses_mismatched_rows_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out.loom");
    let (code, _, err) = run_loom(&[
        "combine",
        s(&fixture("medium.loom")),
        s(&fixture("rich_v3.loom")),
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("error: ") && err.lines().count() == 1, "{err}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0, "temporary files left behind");
}

#[test]
fn subset_slices_layers_attributes_and_graphs() {
    let d = tempfile::tempdir().unwrap();
    let input = fixture("rich_v3.loom");
    let cases: [(&str, Option<&str>, Option<&str>); 3] = [
        // caller's order with repeats on both axes
        ("a.loom", Some("5,3,3,10,0,39"), Some("49,1,2,2,30,7,8")),
        ("b.loom", Some("10:30"), None),
        ("c.loom", None, Some("0:25")),
    ];
    for (name, rows, cols) in cases {
        let out = d.path().join(name);
        let mut args = vec!["subset", s(&input), "-o", s(&out), "--quiet"];

        if let Some(r) = rows {
            args.extend(["--rows", r]);
        }
        if let Some(c) = cols {
            args.extend(["--cols", c]);
        }
        let (code, _, err) = run_loom(&args);
        assert_eq!(code, 0, "{err}");
        let expand = |spec: Option<&str>| match spec {
            None => "-".to_string(),
            Some(t) => match t.split_once(':') {
                Some((a, b)) => {
                    let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
                    (a..b).map(|x| x.to_string()).collect::<Vec<_>>().join(",")
                }
                None => t.to_string(),
            },
        };
        let rr = expand(rows);
        let cc = expand(cols);
        ops_check(&["subset", s(&input), s(&out), &rr, &cc]);
    }
}

#[test]
fn subset_by_name_file_and_bad_selections() {
    let d = tempfile::tempdir().unwrap();
    let input = fixture("medium.loom");
    let (_, tsv, _) = run_loom(&["attrs", s(&input), "--axis", "col", "--names", "CellID"]);
    let ids: Vec<&str> = tsv.lines().skip(1).collect();
    let list = d.path().join("cells.txt");
    std::fs::write(&list, format!("{}\n{}\n{}\n", ids[7], ids[2], ids[150])).unwrap();
    let out = d.path().join("named.loom");
    let sel = format!("@{}", s(&list));
    let (code, _, err) = run_loom(&["subset", s(&input), "-o", s(&out), "--cols", &sel, "-q"]);
    assert_eq!(code, 0, "{err}");
    ops_check(&["subset", s(&input), s(&out), "-", "7,2,150"]);

    let bad = d.path().join("bad.loom");
    for (flag, spec, want) in [("--rows", "0:999", 2), ("--cols", "x,y", 2), ("--rows", "3:3", 1)] {
        let (code, _, err) = run_loom(&["subset", s(&input), "-o", s(&bad), flag, spec]);
        assert_eq!(code, want, "{flag} {spec}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(!bad.exists());
    }
    let (code, _, err) = run_loom(&["subset", s(&input), "-o", s(&input)]);
    assert_eq!(code, 2, "{err}");
}
