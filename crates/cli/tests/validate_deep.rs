//! `loom validate --deep` on the damaged fixtures (`fixtures/damaged/`, from
//! `fixtures/gen_damaged.py`): every damaged chunk listed in `expected.json` is reported with
//! its dataset and chunk coordinates, nothing else is, and the intact file stays valid.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};

type Chunks = BTreeMap<String, BTreeSet<Vec<u64>>>;

/// The (dataset, chunk coordinates) of every "chunk [i, j] is damaged" error in a JSON report.
fn damaged_chunks(report: &serde_json::Value) -> Chunks {
    let mut out = Chunks::new();
    for e in report["errors"].as_array().into_iter().flatten().filter_map(|e| e.as_str()) {
        let Some((path, rest)) = e.split_once(": chunk [") else { continue };
        let Some((coords, _)) = rest.split_once("] is damaged") else { continue };
        let c: Vec<u64> = coords.split(", ").map(|x| x.parse().expect("coordinate")).collect();
        out.entry(path.to_string()).or_default().insert(c);
    }
    out
}

fn json_run(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, out, err) = run_loom(args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out:?} {err:?}"));
    (code, v)
}

#[test]
fn deep_finds_every_damaged_chunk_and_nothing_else() {
    let dir = root().join("fixtures/damaged");
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let expected: BTreeMap<String, BTreeMap<String, Vec<Vec<u64>>>> =
        serde_json::from_str(&text).expect("expected.json parses");
    assert_eq!(expected.len(), 2);
    for (name, want) in &expected {
        let f = dir.join(name);
        let (code, report) = json_run(&["validate", "--deep", "--json", &f.to_string_lossy()]);
        assert_eq!(code, 1, "{name}: {report}");
        assert_eq!(report["valid"], false);
        let want: Chunks =
            want.iter().map(|(k, v)| (k.clone(), v.iter().cloned().collect())).collect();
        assert!(!want.is_empty());
        assert_eq!(damaged_chunks(&report), want, "{name}: {report}");
    }
    let (code, report) =
        json_run(&["validate", "--deep", "--json", &dir.join("truncated.loom").to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(report["errors"][0].as_str().is_some_and(|e| e.contains("truncated file")), "{report}");
}

#[test]
fn intact_file_passes_and_bit_flips_need_deep() {
    let dir = root().join("fixtures/damaged");
    let good = dir.join("good.loom");
    let (code, out, err) = run_loom(&["validate", "--deep", &good.to_string_lossy()]);
    assert_eq!(code, 0, "{out} {err}");
    assert!(out.contains("valid"), "{out}");
    // The flipped bytes sit inside chunk data: only decoding them shows the damage.
    let flipped = dir.join("bitflip.loom");
    let (code, _, _) = run_loom(&["validate", &flipped.to_string_lossy()]);
    assert_eq!(code, 0);
    let (code, out, _) = run_loom(&["validate", "--deep", &flipped.to_string_lossy()]);
    assert_eq!(code, 1);
    // Two chunks of /matrix, one of /col_attrs/Score, one of /col_graphs/KNN/w.
    assert_eq!(out.matches("fletcher32 checksum mismatch").count(), 4, "{out}");
}
