//! `cargo xtask bench [--data medium|large|create5k] [--reps N] [--threads N]
//! [--skip-python]`: the entry points users run, beside the core and loompy, in one table
//! (`bench_public.rs`).
//!
//! `cargo xtask bench --details [--data medium|large] [--reps N] [--threads 1,2]
//! [--skip-python] [--skip-ops] [--skip-rivals]`: the scan core's own side-by-side timings,
//! against loompy/h5py and the pure-Rust HDF5 crates on the synthetic files of
//! perf-baselines.md (bench/gen_data.py: `medium` 20,000 x 10,000 float32, 9 % non-zero,
//! written by loompy; `large` 30,000 x 50,000 on request):
//!
//! - matrix reads, scans, stats and sparse export: crates/scan/examples/scan_bench.rs against
//!   bench/loompy_bench.py's `reads` group, each of our times also as a ratio to the
//!   inflate-only limit (every chunk decompressed by zlib-rs from memory, nothing else, same
//!   threads, timed in interleaved pairs), with the resident memory each operation adds;
//! - the same reads through hdf5-reader and hdf5-pure where their APIs can do them
//!   (bench/rivals, a workspace of its own so that their dependencies stay out of ours);
//! - whole-file operations (create from sparse, add_columns, combine, permute): one process
//!   per operation and side (crates/loom/examples/ops_bench.rs, loompy_bench.py `--group OP`),
//!   with each process's peak RSS.
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

pub(crate) fn parse_lines(path: &Path) -> Result<Vec<HashMap<String, String>>, String> {
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

/// A duration for the tables: milliseconds, or microseconds below one millisecond (an
/// `open` takes a few).
pub(crate) fn secs(s: f64) -> String {
    if s < 1e-3 { format!("{:.1} µs", s * 1e6) } else { format!("{:.1} ms", s * 1e3) }
}

pub(crate) fn num(m: &HashMap<String, String>, k: &str) -> Option<f64> {
    m.get(k).and_then(|v| v.parse().ok())
}

pub fn run(args: &[String]) -> Result<(), String> {
    if !args.iter().any(|a| a == "--details") {
        return crate::bench_public::run(args);
    }
    let args: Vec<String> = args.iter().filter(|a| *a != "--details").cloned().collect();
    let args = &args[..];
    let mut reps = "3".to_string();
    let mut threads = "1,2".to_string();
    let mut skip_python = false;
    let mut skip_ops = false;
    let mut skip_rivals = false;
    let mut name = "medium".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reps" => reps = it.next().ok_or("--reps needs a value")?.clone(),
            "--threads" => threads = it.next().ok_or("--threads needs a value")?.clone(),
            "--skip-python" => skip_python = true,
            "--skip-ops" => skip_ops = true,
            "--skip-rivals" => skip_rivals = true,
            "--data" => name = it.next().ok_or("--data needs medium or large")?.clone(),
            other => return Err(format!("bench: unknown argument {other:?}")),
        }
    }
    let root = util::root();
    let py = venv::ensure()?;
    let py = py.to_str().ok_or("venv path is not UTF-8")?.to_string();
    let data = root.join("target/bench-data");
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    if name != "medium" && name != "large" {
        return Err(format!("--data {name:?}: medium or large"));
    }
    let loom = data.join(format!("{name}.loom"));
    if !data.join(format!("{name}.json")).exists() {
        util::step(&format!("bench data (bench/gen_data.py {name}; minutes)"), || {
            util::run(&py, &["bench/gen_data.py", &name, "target/bench-data"], &root, &[])
        })?;
    }
    let loom_s = loom.to_str().ok_or("path is not UTF-8")?;
    let ours_json = out.join("ours.jsonl");
    let theirs_json = out.join("loompy.jsonl");
    let ours_ops = out.join("ours_ops.jsonl");
    let rivals_json = out.join("rivals.jsonl");
    for p in [&ours_json, &theirs_json, &ours_ops, &rivals_json] {
        let _ = std::fs::remove_file(p);
    }
    // A Rust timing binary (`cargo run --release` with `target`), over the file, writing JSON.
    let timed = |target: &[&str], extra: &[&str], json: &Path| {
        let mut args = vec!["run", "--release", "-q"];
        args.extend_from_slice(target);
        args.extend_from_slice(&["--", loom_s, "--reps", &reps, "--threads", &threads]);
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--json", json.to_str().unwrap_or_default()]);
        util::cargo(&args)
    };
    util::step("loomfile (scan_bench, release)", || {
        timed(
            &["-p", "loomfile-scan", "--example", "scan_bench"],
            &["--only", "open,full,scan0,scan1,stats,csr,cols1000,small"],
            &ours_json,
        )
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
    if !skip_rivals {
        util::step("hdf5-reader / hdf5-pure (bench/rivals, release)", || {
            let target =
                ["--manifest-path", "bench/rivals/Cargo.toml", "--target-dir", "target/rivals"];
            timed(&target, &[], &rivals_json)
        })?;
    }
    if !skip_ops {
        run_ops(&root, &py, loom_s, &reps, &ours_ops, &theirs_json, skip_python)?;
    }
    let rivals = if rivals_json.exists() { parse_lines(&rivals_json)? } else { Vec::new() };
    let rival = |name: &str, t: &str, op: &str| -> String {
        rivals
            .iter()
            .find(|m| {
                m.get("rival").map(String::as_str) == Some(name)
                    && m.get("threads").map(String::as_str) == Some(t)
                    && m.get("op").map(String::as_str) == Some(op)
            })
            .and_then(|m| num(m, "median_s"))
            .map_or(String::new(), secs)
    };
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
    md = md.replacen("medium.loom (20,000 x 10,000", &format!("{name}.loom ({}", dims(&name)), 1);
    md.push_str(
        "| threads | operation | loomfile | vs inflate limit | memory added | loompy/h5py | \
         speed-up | loompy/h5py call | hdf5-reader | hdf5-pure |\n",
    );
    md.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
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
            Some((s, how)) => (secs(*s), format!("{:.1}x", s / row.median), how.clone()),
            None => ("".into(), "".into(), "".into()),
        };
        let added = match (num(m, "peak_kib"), num(m, "base_kib")) {
            (Some(p), Some(b)) if p > 0.0 => format!("{:.0} MiB", (p - b).max(0.0) / 1024.0),
            _ => String::new(),
        };
        md.push_str(&format!(
            "| {t} | {} | {} (best {}) | {} | {added} | {theirs_s} | {speed} | {how} | {} | {} |\n",
            row.op,
            secs(row.median),
            secs(row.best),
            row.ratio.map_or(String::new(), |r| format!("{r:.2}x")),
            rival("hdf5-reader", &t, &row.op),
            rival("hdf5-pure", &t, &row.op),
        ));
    }
    if let Some((s, how)) = theirs.get("full read (loompy)") {
        md.push_str(&format!("\nloompy's own full read: {:.1} ms ({how})\n", s * 1e3));
    }
    if ours_ops.exists() {
        md.push_str(
            "\nPeak RSS of the operation's runs (reset after the set-up); in parentheses the part \
             the set-up's inputs already held.\n",
        );
        md.push_str(
            "File sizes: what the last run left, and loomfile's output after `loom compact` \
             (repacked). `edits` is 224 `add_columns` of 8 columns, one commit each.\n",
        );
        md.push_str(
            "\n| operation | loomfile | peak RSS | loompy | peak RSS | speed-up | file, loomfile | file, loompy | repacked | loompy call |\n",
        );
        md.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        let all_theirs = if theirs_json.exists() { parse_lines(&theirs_json)? } else { Vec::new() };
        for m in parse_lines(&ours_ops)? {
            let (Some(op), Some(med)) = (m.get("op"), num(&m, "median_s")) else { continue };
            let mib = |m: &HashMap<String, String>| {
                format!(
                    "{:.0} MiB ({:.0})",
                    num(m, "peak_kib").unwrap_or(0.0) / 1024.0,
                    num(m, "base_kib").unwrap_or(0.0) / 1024.0
                )
            };
            let peak = mib(&m);
            let t = all_theirs.iter().find(|t| t.get("op") == Some(op));
            let (ts, tpeak, speed, how) = match t.and_then(|t| Some((t, num(t, "median_s")?))) {
                Some((t, s)) => (
                    format!("{:.2} s", s),
                    mib(t),
                    format!("{:.1}x", s / med),
                    t.get("how").cloned().unwrap_or_default(),
                ),
                None => Default::default(),
            };
            let size = |m: Option<&HashMap<String, String>>, key: &str| {
                m.and_then(|m| num(m, key))
                    .map_or("-".to_string(), |b| format!("{:.2} MB", b / 1e6))
            };
            let (ours_b, theirs_b, packed) =
                (size(Some(&m), "bytes"), size(t, "bytes"), size(Some(&m), "repacked_bytes"));
            md.push_str(&format!(
                "| {op} | {med:.2} s | {peak} | {ts} | {tpeak} | {speed} | {ours_b} | {theirs_b} | {packed} | {how} |\n"
            ));
        }
    }
    std::fs::write(out.join("report.md"), &md).map_err(|e| e.to_string())?;
    println!("\n{md}\nwritten to target/bench/report.md");
    Ok(())
}

fn dims(name: &str) -> &'static str {
    if name == "large" { "30,000 x 50,000" } else { "20,000 x 10,000" }
}

/// The whole-file operations, each side in its own process per operation.
fn run_ops(
    root: &Path,
    py: &str,
    loom: &str,
    reps: &str,
    ours: &Path,
    theirs: &Path,
    skip_python: bool,
) -> Result<(), String> {
    util::step("build ops_bench (release)", || {
        util::cargo(&["build", "--release", "-q", "-p", "loomfile", "--example", "ops_bench"])
    })?;
    let bin = root.join("target/release/examples/ops_bench");
    let work = root.join("target/bench-data/work");
    let work_s = work.to_str().ok_or("path is not UTF-8")?;
    let mut lines = String::new();
    for op in ["create", "add_columns", "combine", "permute", "edits"] {
        util::step(&format!("loomfile {op}"), || {
            let out = std::process::Command::new(&bin)
                .args([op, loom, work_s, "--reps", reps])
                .output()
                .map_err(|e| format!("{}: {e}", bin.display()))?;
            if !out.status.success() {
                return Err(format!(
                    "ops_bench {op}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            let text = String::from_utf8_lossy(&out.stdout);
            print!("{text}");
            lines.push_str(&text);
            Ok(())
        })?;
        if !skip_python {
            util::step(&format!("loompy {op}"), || {
                util::run(
                    py,
                    &[
                        "bench/loompy_bench.py",
                        loom,
                        "--group",
                        op,
                        "--reps",
                        reps,
                        "--work",
                        work_s,
                        "--json",
                        theirs.to_str().unwrap_or_default(),
                    ],
                    root,
                    &[],
                )
            })?;
        }
    }
    std::fs::write(ours, lines).map_err(|e| e.to_string())
}
