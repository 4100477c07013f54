//! Single-bit flips through both readers (reliability goal D3): the same 1,000 fixed-seed
//! flips of each of the two loom seed files as `crates/hdf5/tests/reader_limits.rs` (shared
//! code: `crates/hdf5/tests/robust`) are written to files; loomfile classifies each in
//! process (identical content, error, silently different), and h5py (through
//! `bitflips_h5py.py` and the h5canon oracle, one Python process per core) does the same, so both
//! silent-difference rates come from one run. The reference measurement of h5py/libhdf5 on a
//! loom file is 8.5 % (reliability.md section 1).
//!
//! Beyond the rates, the differential check of D3: wherever both readers read a flipped file
//! without an error, h5py's content is compared with loomfile's (`loom h5 dump --json`);
//! every disagreement is listed.
//!
//! Needs the Python stack: LOOMFILE_PYTHON, else target/venv (`cargo xtask venv`).

mod common;
#[path = "../../hdf5/tests/robust/mod.rs"]
mod robust;

use common::{h5canon, python, run_loom};
use robust::Verdict;
use serde_json::{Value as J, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Silently-different flips allowed for loomfile, percent per seed (as in reader_limits.rs).
const MAX_SILENT_PERCENT: f64 = 10.0;

/// A flipped file that h5py has not finished within this time counts as a hang.
const H5PY_HANG: Duration = Duration::from_secs(30);

fn engine_dump(file: &Path, out: &Path) -> bool {
    let (code, stdout, _) = run_loom(&["h5", "dump", "--json", file.to_str().unwrap()]);
    code == 0 && std::fs::write(out, stdout).is_ok()
}

/// Run the h5py script over the manifest, one process per core, each over its own range of
/// cases; one result per case, in order.
fn h5py_results(script: &Path, manifest: &Path, n: usize) -> Vec<J> {
    let jobs = std::thread::available_parallelism().map_or(1, |j| j.get()).clamp(1, 4);
    let per = n.div_ceil(jobs).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = (0..n)
            .step_by(per)
            .map(|lo| s.spawn(move || h5py_range(script, manifest, lo, (lo + per).min(n))))
            .collect();
        parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
    })
}

/// Cases `lo..hi` through the h5py script, restarting after a crash or a hang (crashes and
/// hangs are recorded as such).
fn h5py_range(script: &Path, manifest: &Path, lo: usize, hi: usize) -> Vec<J> {
    let mut results: Vec<J> = Vec::with_capacity(hi - lo);
    while lo + results.len() < hi {
        let start = lo + results.len();
        let mut child = Command::new(python())
            .arg(script)
            .arg(h5canon())
            .arg(manifest)
            .arg(start.to_string())
            .arg(hi.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run python");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut hung = false;
        loop {
            match rx.recv_timeout(H5PY_HANG) {
                Ok(line) => {
                    let r: J = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("bad line from the h5py script: {e}: {line}"));
                    assert_eq!(r["i"].as_u64(), Some((lo + results.len()) as u64));
                    results.push(r);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    let _ = child.kill();
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait().unwrap();
        reader.join().unwrap();
        if lo + results.len() < hi {
            let i = lo + results.len();
            assert!(
                hung || !status.success(),
                "the h5py script stopped at case {i} of {hi} without an error"
            );
            if !hung {
                assert!(
                    i > start,
                    "the h5py script fails before its first case ({status}); is h5py installed?"
                );
            }
            let what = if hung { "hang" } else { "crash" };
            eprintln!("h5py: case {i}: {what} ({status})");
            results.push(json!({"i": i, "h5py": what}));
        }
    }
    results
}

#[test]
fn loomfile_and_h5py_on_the_same_single_bit_flips() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut manifest = Vec::new();
    let mut ours: Vec<(usize, Verdict, usize)> = Vec::new();
    for (si, rel) in robust::FLIP_SEEDS.iter().enumerate() {
        let bytes = robust::seed(rel);
        let original = robust::root().join(rel).canonicalize().unwrap();
        let digest = robust::digest(bytes.clone(), loomfile_hdf5::Limits::strict())
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        let orig_json = d.join(format!("seed{si}.json"));
        assert!(engine_dump(&original, &orig_json), "loom h5 dump {rel}");
        let flips: Vec<_> = robust::flips(si, bytes.len()).into_iter().enumerate().collect();
        // One worker per core, each over its own slice of the flips; results in flip order.
        let jobs = std::thread::available_parallelism().map_or(1, |j| j.get()).clamp(1, 4);
        let done: Vec<(Verdict, usize, J)> = std::thread::scope(|s| {
            let parts: Vec<_> = flips
                .chunks(flips.len().div_ceil(jobs).max(1))
                .map(|part| {
                    let (bytes, digest, orig_json, original) =
                        (&bytes, &digest, &orig_json, &original);
                    s.spawn(move || {
                        part.iter()
                            .map(|(fi, flip)| {
                                let b = flip.apply(bytes);
                                let file = d.join(format!("s{si}-{fi:04}.h5"));
                                std::fs::write(&file, &b).unwrap();
                                let v = robust::verdict(b, digest);
                                let engine = match v {
                                    Verdict::Identical => Some(orig_json.clone()),
                                    Verdict::Different => {
                                        let p = d.join(format!("s{si}-{fi:04}.json"));
                                        engine_dump(&file, &p).then_some(p)
                                    }
                                    Verdict::Error => None,
                                };
                                let entry =
                                    json!({"file": file, "original": original, "engine": engine});
                                (v, flip.pos, entry)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
        });
        for (v, pos, entry) in done {
            ours.push((si, v, pos));
            manifest.push(entry);
        }
    }
    let script = common::root().join("crates/cli/tests/bitflips_h5py.py");
    let mpath = d.join("manifest.json");
    std::fs::write(&mpath, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let results = h5py_results(&script, &mpath, manifest.len());

    // Tally per seed: ours, h5py's, and the cross table.
    let n = robust::FLIPS_PER_SEED as f64;
    let pct = |k: usize| 100.0 * k as f64 / n;
    let mut failures = Vec::new();
    eprintln!(
        "\nD3 single-bit flips, {} per seed, the same files through both readers",
        robust::FLIPS_PER_SEED
    );
    eprintln!(
        "{:<30} {:<9} {:>15} {:>15} {:>19} {:>6}",
        "seed", "reader", "identical", "error", "silently different", "other"
    );
    let mut disagreements = Vec::new();
    for (si, rel) in robust::FLIP_SEEDS.iter().enumerate() {
        let mut mine: BTreeMap<&str, usize> = BTreeMap::new();
        let mut theirs: BTreeMap<String, usize> = BTreeMap::new();
        let mut cross: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, ((s, v, pos), r)) in ours.iter().zip(&results).enumerate() {
            if *s != si {
                continue;
            }
            let h = r["h5py"].as_str().unwrap().to_string();
            *mine.entry(v.label()).or_default() += 1;
            *theirs.entry(h.clone()).or_default() += 1;
            *cross.entry((v.label().to_string(), h.clone())).or_default() += 1;
            if r["agree"] == json!(false) {
                disagreements.push(format!(
                    "{rel} flip {} (byte {pos}): loomfile {}, h5py {h}: {}",
                    i % robust::FLIPS_PER_SEED,
                    v.label(),
                    r["diff"]
                ));
            }
        }
        let g = |m: &BTreeMap<&str, usize>, k: &str| m.get(k).copied().unwrap_or(0);
        let h = |k: &str| theirs.get(k).copied().unwrap_or(0);
        let row = |reader: &str, id: usize, er: usize, df: usize, other: usize| {
            eprintln!(
                "{rel:<30} {reader:<9} {id:>8} {:>5.1}% {er:>8} {:>5.1}% {df:>12} {:>5.1}% {other:>6}",
                pct(id),
                pct(er),
                pct(df)
            )
        };
        row("loomfile", g(&mine, "identical"), g(&mine, "error"), g(&mine, "different"), 0);
        row(
            "h5py",
            h("identical"),
            h("error"),
            h("different"),
            robust::FLIPS_PER_SEED - h("identical") - h("error") - h("different"),
        );
        eprintln!("  loomfile x h5py: {cross:?}");
        if pct(g(&mine, "different")) > MAX_SILENT_PERCENT {
            failures
                .push(format!("{rel}: loomfile silently different above {MAX_SILENT_PERCENT}%"));
        }
    }
    eprintln!(
        "read by both without an error but with different content (D3 disagreements): {}",
        disagreements.len()
    );
    for x in &disagreements {
        eprintln!("  {x}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
