//! `cargo xtask bench [--reps N] [--threads 1,2] [--skip-python]`: side-by-side timings of
//! the matrix operations, loomfile (crates/scan/examples/scan_bench.rs) against loompy/h5py
//! (bench/loompy_bench.py) on the synthetic `medium` file of perf-baselines.md
//! (bench/gen_data.py: 20,000 x 10,000 float32, 9 % non-zero, written by loompy), with each of
//! our times also as a ratio to the inflate-only limit (every chunk decompressed by zlib-rs
//! from memory, nothing else, same threads, timed in interleaved pairs).
//!
//! Writes `target/bench/report.md` (and the raw JSON lines beside it) and prints the table.
//! A measurement, not a test: nothing here is asserted, and it is not part of `ci`.

use crate::{util, venv};
use std::collections::HashMap;
use std::path::Path;

struct Row {
    op: String,
    median: f64,
    best: f64,
    ratio: Option<f64>,
}

fn parse_lines(path: &Path) -> Result<Vec<HashMap<String, String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Flat JSON objects with string or number values: enough for our own two writers.
    Ok(text
        .lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .map(|l| {
            let body = l.trim().trim_start_matches('{').trim_end_matches('}');
            let mut m = HashMap::new();
            let mut rest = body;
            while let Some(k0) = rest.find('"') {
                let after = &rest[k0 + 1..];
                let Some(k1) = after.find('"') else { break };
                let key = after[..k1].to_string();
                let after = after[k1 + 1..].trim_start().trim_start_matches(':').trim_start();
                let (val, next) = if let Some(s) = after.strip_prefix('"') {
                    let e = s.find('"').unwrap_or(s.len());
                    (s[..e].to_string(), &s[(e + 1).min(s.len())..])
                } else {
                    let e = after.find(',').unwrap_or(after.len());
                    (after[..e].trim().to_string(), &after[e..])
                };
                m.insert(key, val);
                rest = next.trim_start_matches(',');
            }
            m
        })
        .collect())
}

fn num(m: &HashMap<String, String>, k: &str) -> Option<f64> {
    m.get(k).and_then(|v| v.parse().ok())
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut reps = "3".to_string();
    let mut threads = "1,2".to_string();
    let mut skip_python = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reps" => reps = it.next().ok_or("--reps needs a value")?.clone(),
            "--threads" => threads = it.next().ok_or("--threads needs a value")?.clone(),
            "--skip-python" => skip_python = true,
            other => return Err(format!("bench: unknown argument {other:?}")),
        }
    }
    let root = util::root();
    let py = venv::ensure()?;
    let py = py.to_str().ok_or("venv path is not UTF-8")?.to_string();
    let data = root.join("target/bench-data");
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let loom = data.join("medium.loom");
    if !data.join("medium.json").exists() {
        util::step("bench data (bench/gen_data.py medium, ~1 min)", || {
            util::run(&py, &["bench/gen_data.py", "medium", "target/bench-data"], &root, &[])
        })?;
    }
    let loom_s = loom.to_str().ok_or("path is not UTF-8")?;
    let ours_json = out.join("ours.jsonl");
    let theirs_json = out.join("loompy.jsonl");
    util::step("loomfile (scan_bench, release)", || {
        util::cargo(&[
            "run",
            "--release",
            "-q",
            "-p",
            "loomfile-scan",
            "--example",
            "scan_bench",
            "--",
            loom_s,
            "--reps",
            &reps,
            "--threads",
            &threads,
            "--only",
            "full,scan0,scan1,stats,csr,cols1000,small",
            "--json",
            ours_json.to_str().unwrap_or_default(),
        ])
    })?;
    if !skip_python {
        util::step("loompy / h5py (bench/loompy_bench.py)", || {
            util::run(
                &py,
                &[
                    "bench/loompy_bench.py",
                    loom_s,
                    "--reps",
                    &reps,
                    "--json",
                    theirs_json.to_str().unwrap_or_default(),
                ],
                &root,
                &[],
            )
        })?;
    }
    let ours = parse_lines(&ours_json)?;
    let theirs = if theirs_json.exists() { parse_lines(&theirs_json)? } else { Vec::new() };
    let theirs: HashMap<String, (f64, String)> = theirs
        .iter()
        .filter_map(|m| Some((m.get("op")?.clone(), (num(m, "median_s")?, m.get("how")?.clone()))))
        .collect();
    let mut md = String::new();
    md.push_str(&format!(
        "medium.loom (20,000 x 10,000 float32, 64x64 chunks, gzip 2); median of {reps} runs \
         after a warm-up; load average {}\n\n",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    ));
    md.push_str("| threads | operation | loomfile | vs inflate limit | loompy/h5py | speed-up | rival call |\n");
    md.push_str("|---|---|---|---|---|---|---|\n");
    for m in &ours {
        let Some(row) = (|| {
            Some(Row {
                op: m.get("op")?.clone(),
                median: num(m, "median_s")?,
                best: num(m, "best_s")?,
                ratio: num(m, "inflate_ratio"),
            })
        })() else {
            continue;
        };
        let t = m.get("threads").cloned().unwrap_or_default();
        let (theirs_s, speed, how) = match theirs.get(&row.op) {
            Some((s, how)) => {
                (format!("{:.1} ms", s * 1e3), format!("{:.1}x", s / row.median), how.clone())
            }
            None => ("".into(), "".into(), "".into()),
        };
        md.push_str(&format!(
            "| {t} | {} | {:.1} ms (best {:.1}) | {} | {theirs_s} | {speed} | {how} |\n",
            row.op,
            row.median * 1e3,
            row.best * 1e3,
            row.ratio.map_or(String::new(), |r| format!("{r:.2}x")),
        ));
    }
    if let Some((s, how)) = theirs.get("full read (loompy)") {
        md.push_str(&format!("\nloompy's own full read: {:.1} ms ({how})\n", s * 1e3));
    }
    std::fs::write(out.join("report.md"), &md).map_err(|e| e.to_string())?;
    println!("\n{md}\nwritten to target/bench/report.md");
    Ok(())
}
