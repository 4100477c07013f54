//! `LoomFile::summary` on every loom file in the fixtures, the ones other tools wrote
//! (`fixtures/real-world/`: loompy, SCopeLoomR, LoomExperiment, kb_python, ...) included: the
//! corner equals a direct read, every attribute and graph is listed, and the HTML table has
//! one row per column attribute, the row-attribute header and the corner.

#![cfg(feature = "fs")]

use loomfile::{Axis, LoomFile, NumType, Sel};
use std::path::{Path, PathBuf};

fn looms(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            looms(&p, out);
        } else if p.extension().is_some_and(|x| x == "loom") {
            out.push(p);
        }
    }
}

#[test]
fn summary_of_every_fixture_matches_direct_reads() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut files = Vec::new();
    looms(&root.join("loom"), &mut files);
    looms(&root.join("real-world"), &mut files);
    assert!(files.len() >= 10, "{files:?}");
    let mut with_corner = 0;
    for p in &files {
        let Ok(f) = LoomFile::open(p) else { continue }; // damaged ones are other tests' subject
        let s = f.summary().unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(s.shape, f.shape(), "{}", p.display());
        assert_eq!(s.layers.len(), f.layer_names().len());
        assert_eq!(s.row_attrs.len(), f.attr_names(Axis::Rows).len());
        assert_eq!(s.col_attrs.len(), f.attr_names(Axis::Cols).len());
        assert_eq!(s.col_graphs.len(), f.graph_names(Axis::Cols).len());
        let (n, m) = f.shape();
        let (r, c) = (n.min(10) as usize, m.min(10) as usize);
        if r > 0 && c > 0 && f.layer_names().iter().any(String::is_empty) {
            with_corner += 1;
            let direct = f.read_layer::<f64>("", &Sel::from(0..r as u64), &Sel::from(0..c as u64));
            let direct = direct.unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert_eq!(s.corner.len(), r);
            for (i, row) in s.corner.iter().enumerate() {
                assert_eq!(row.len(), c);
                for (j, text) in row.iter().enumerate() {
                    let v: f64 = text.parse().unwrap_or_else(|_| panic!("{text:?}"));
                    // float32 values print in their own shortest form: compare as float32.
                    let (v, want) = match f.layer_dtype("").unwrap() {
                        NumType::Float32 | NumType::Float16 => {
                            (f64::from(v as f32), f64::from(direct[[i, j]] as f32))
                        }
                        _ => (v, direct[[i, j]]),
                    };
                    assert_eq!(v, want, "{} [{i}, {j}]", p.display());
                }
            }
        }
        let html = s.to_html();
        let one_d =
            |list: &[loomfile::AttrSummary]| list.iter().filter(|a| !a.head.is_empty()).count();
        let header = usize::from(one_d(&s.row_attrs) > 0);
        let more_rows = usize::from((s.corner.len() as u64) < n);
        assert_eq!(
            html.matches("<tr>").count(),
            one_d(&s.col_attrs) + header + s.corner.len() + more_rows,
            "{}",
            p.display()
        );
        assert!(s.to_string().starts_with(&format!("{n} rows x {m} columns")));
    }
    assert!(with_corner >= 8, "{with_corner} files had a main-matrix corner");
}
