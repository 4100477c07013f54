//! Crash states through libhdf5 (goal B1, the h5py half): every kill point of every editing
//! operation of the engine's crash-consistency test (crates/hdf5/tests/crash_consistency.rs)
//! is written to a file; h5py opens each one and h5canon's dump of it must equal the
//! engine's dump (`loom h5 dump --json`) of either the old or the new file, and agree with
//! the engine's own classification of that state. All files go through one Python process.
//!
//! Needs the Python stack: LOOMFILE_PYTHON, else target/venv (`cargo xtask venv`).

mod common;
#[path = "../../hdf5/tests/support/mod.rs"]
mod support;

use common::{h5canon, python, run_loom};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use support::crash::{self, Outcome};

const CLASSIFY: &str = r#"
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("h5canon", sys.argv[1])
canon = importlib.util.module_from_spec(spec)
spec.loader.exec_module(canon)
import h5py
for case in json.load(open(sys.argv[2])):
    old = json.load(open(case["old"]))
    new = json.load(open(case["new"]))
    try:
        with h5py.File(case["file"], "r") as f:
            ref = json.loads(json.dumps(canon.dump(f)))
    except Exception as e:
        print(json.dumps({"file": case["file"], "h5py": "error", "detail": repr(e)}))
        continue
    d_old, d_new = canon.compare(ref, old), canon.compare(ref, new)
    got = "old" if not d_old else "new" if not d_new else "other"
    print(json.dumps({"file": case["file"], "h5py": got, "detail": (d_old + d_new)[:6]}))
"#;

fn engine_dump(file: &Path, out: &Path) {
    let (code, stdout, stderr) = run_loom(&["h5", "dump", "--json", file.to_str().unwrap()]);
    assert_eq!(code, 0, "loom h5 dump {}: {stderr}", file.display());
    std::fs::write(out, stdout).unwrap();
}

#[test]
fn h5py_reads_every_crash_state_as_old_or_new() {
    h5py_suite(crash::base());
}

/// The same where every commit reuses holes of the base (space the committed state does not
/// use): libhdf5 finds the old or the new file in every crash state.
#[test]
fn h5py_reads_every_crash_state_with_space_reuse_as_old_or_new() {
    h5py_suite(crash::base_with_holes());
}

fn h5py_suite(base: Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let old_digest = crash::digest(&base);
    let old_file = d.join("old.h5");
    std::fs::write(&old_file, &base).unwrap();
    let old_json = d.join("old.json");
    engine_dump(&old_file, &old_json);

    let mut cases = Vec::new();
    let mut engine: BTreeMap<String, (&'static str, &'static str)> = BTreeMap::new();
    for (i, op) in crash::ops().into_iter().enumerate() {
        let rec = crash::record(&base, &op);
        let new_digest = crash::digest(&rec.new);
        let new_file = d.join(format!("op{i}-new.h5"));
        std::fs::write(&new_file, &rec.new).unwrap();
        let new_json = d.join(format!("op{i}-new.json"));
        engine_dump(&new_file, &new_json);
        for k in crash::kill_points(rec.events.len() as u64) {
            let (bytes, _) = crash::crash_state(&base, &op, k);
            let label = match crash::classify(&bytes, &old_digest, &new_digest) {
                Outcome::Old => "old",
                Outcome::New => "new",
                Outcome::Other(_) => "other",
            };
            let f = d.join(format!("op{i}-k{k:04}.h5"));
            std::fs::write(&f, &bytes).unwrap();
            engine.insert(f.to_string_lossy().into_owned(), (op.name, label));
            cases.push(json!({"file": f, "old": old_json, "new": new_json}));
        }
    }
    let manifest = d.join("manifest.json");
    std::fs::write(&manifest, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = d.join("classify.py");
    std::fs::write(&script, CLASSIFY).unwrap();
    let out = Command::new(python()).arg(&script).arg(h5canon()).arg(&manifest).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "classify.py failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Per operation: (states, h5py old, h5py new, h5py other/error, disagreements with the engine).
    let mut table: BTreeMap<&str, [u64; 5]> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut seen = 0;
    for line in stdout.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = r["file"].as_str().unwrap();
        let h5py = r["h5py"].as_str().unwrap();
        let (op, ours) = engine[file];
        let row = table.entry(op).or_default();
        row[0] += 1;
        match h5py {
            "old" => row[1] += 1,
            "new" => row[2] += 1,
            _ => {
                row[3] += 1;
                failures.push(format!("{op}: {file}: h5py reads {h5py}: {}", r["detail"]));
            }
        }
        if h5py != ours {
            row[4] += 1;
            failures.push(format!("{op}: {file}: h5py says {h5py}, the engine {ours}"));
        }
        seen += 1;
    }
    assert_eq!(seen, cases.len(), "classify.py skipped files:\n{stdout}");
    eprintln!("\nB1 crash states read by h5py (h5canon) vs the engine's old/new dumps:");
    eprintln!(
        "{:<34} {:>6} {:>5} {:>5} {:>6} {:>8}",
        "operation", "states", "old", "new", "other", "disagree"
    );
    for op in crash::ops() {
        let r = table.get(op.name).copied().unwrap_or_default();
        eprintln!("{:<34} {:>6} {:>5} {:>5} {:>6} {:>8}", op.name, r[0], r[1], r[2], r[3], r[4]);
    }
    eprintln!("{} states in one Python process", cases.len());
    if !failures.is_empty() {
        eprintln!("files kept in {}", dir.keep().display());
        panic!("{} failures:\n{}", failures.len(), failures.join("\n"));
    }
}
