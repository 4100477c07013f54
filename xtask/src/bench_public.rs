//! `cargo xtask bench` (the default table): the entry points users run, each beside the scan
//! core doing the same work and beside loompy/h5py (scanpy for `convert`), all in one run.
//!
//! - the public `LoomFile` calls (crates/loom/examples/api_bench.rs: product and core timed
//!   in interleaved pairs, so their ratio is robust to the load of a shared machine);
//! - the `loom` binary as a whole process (start-up, open, output included): `stats` on
//!   both axes, `export --format npy`, `subset` of 2,000 random columns, `convert` of a Cell
//!   Ranger HDF5 file; each run is followed by a run of its core counterpart (api_bench
//!   `--only GROUP --reps 1`), and the ratio is the median of the per-pair ratios;
//! - the reference: bench/loompy_bench.py in-process times (`reads`, `export`, `subset`;
//!   `convert` with scanpy from target/bench-venv, which bench/requirements.txt adds to the
//!   pinned stack).
//!
//! - the Python package (bench/python_bench.py): loomfile-python and loompy for the same
//!   calls, beside the `LoomFile` call doing the same work (its own table).
//!
//! One table: product time, core time, product/core, reference time, speed-up; plus the
//! inflate-only time of the layer's chunks (scan_bench) as the floor. Written to
//! `target/bench/public.md`.

use crate::bench::{num, parse_lines, secs};
use crate::{util, venv};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Columns picked for `loom subset` (api_bench and loompy_bench.py use the same picks).
const SUBSET_COLUMNS: usize = 2000;

/// The same generator as api_bench's and loompy_bench.py's `picks`.
fn picks(dim: u64, n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed;
    let mut out: Vec<u64> = (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % dim
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The bench venv: the pinned stack plus bench/requirements.txt (scanpy), in
/// target/bench-venv; returns its python.
fn bench_venv(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target/bench-venv");
    let python = venv.join("bin/python");
    let wanted = format!(
        "{}\n{}",
        std::fs::read_to_string(root.join("fixtures/requirements.txt"))
            .map_err(|e| e.to_string())?,
        std::fs::read_to_string(root.join("bench/requirements.txt")).map_err(|e| e.to_string())?
    );
    let stamp = venv.join(".requirements.installed");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    util::run(&host, &["-m", "venv", venv.to_str().unwrap_or("target/bench-venv")], root, &[])?;
    let py = python.to_str().unwrap_or("python").to_string();
    util::run(
        &py,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "fixtures/requirements.txt",
            "-r",
            "bench/requirements.txt",
        ],
        root,
        &[],
    )?;
    std::fs::write(&stamp, &wanted).map_err(|e| e.to_string())?;
    Ok(python)
}

/// Wall time of one run of a command, output discarded.
fn time_process(bin: &Path, args: &[String]) -> Result<f64, String> {
    let t = Instant::now();
    let out = Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let dt = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "loom {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(dt)
}

/// A `loom` row: label, median process time, reference op, and the paired core
/// (median core time, median per-pair ratio) when it has one.
type CliTime = (String, f64, String, Option<(f64, f64)>);

struct Line {
    entry: String,
    product: Option<f64>,
    core: Option<f64>,
    ratio: Option<f64>,
    core_how: String,
    reference: Option<(f64, String)>,
    added_mib: Option<f64>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut reps = "3".to_string();
    let mut threads = "2".to_string();
    let mut skip_python = false;
    let mut check = false;
    let mut name = "medium".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reps" => reps = it.next().ok_or("--reps needs a value")?.clone(),
            "--threads" => threads = it.next().ok_or("--threads needs a value")?.clone(),
            "--skip-python" => skip_python = true,
            "--check" => check = true,
            "--data" => name = it.next().ok_or("--data needs a name")?.clone(),
            other => return Err(format!("bench: unknown argument {other:?}")),
        }
    }
    if !["medium", "large", "create5k"].contains(&name.as_str()) {
        return Err(format!("--data {name:?}: medium, large or create5k"));
    }
    let nreps: usize = reps.parse().map_err(|e| format!("--reps: {e}"))?;
    let root = util::root();
    let py = venv::ensure()?;
    let py = py.to_str().ok_or("venv path is not UTF-8")?.to_string();
    let data = root.join("target/bench-data");
    let out = root.join("target/bench");
    let work = data.join("work");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    for d in [name.as_str(), "tenx"] {
        if !data.join(format!("{d}.json")).exists() {
            util::step(&format!("bench data (bench/gen_data.py {d}; minutes)"), || {
                util::run(&py, &["bench/gen_data.py", d, "target/bench-data"], &root, &[])
            })?;
        }
    }
    let loom = data.join(format!("{name}.loom"));
    let loom_s = loom.to_str().ok_or("path is not UTF-8")?.to_string();
    let tenx = data.join("medium-10x.h5");
    let tenx_s = tenx.to_str().ok_or("path is not UTF-8")?.to_string();
    let work_s = work.to_str().ok_or("path is not UTF-8")?.to_string();
    let api_json = out.join("api.jsonl");
    let floor_json = out.join("inflate.jsonl");
    let ref_json = out.join("reference.jsonl");
    for p in [&api_json, &floor_json, &ref_json] {
        let _ = std::fs::remove_file(p);
    }
    util::step("build (release): loom, api_bench, scan_bench", || {
        util::cargo(&["build", "--release", "-q", "-p", "loomfile-cli"])?;
        util::cargo(&["build", "--release", "-q", "-p", "loomfile", "--example", "api_bench"])?;
        util::cargo(&["build", "--release", "-q", "-p", "loomfile-scan", "--example", "scan_bench"])
    })?;
    let bin = root.join("target/release/loom");
    let examples = root.join("target/release/examples");
    util::step("inflate-only floor (scan_bench)", || {
        let b = examples.join("scan_bench");
        let c = [
            loom_s.as_str(),
            "--reps",
            &reps,
            "--threads",
            &threads,
            "--only",
            "none",
            "--json",
            floor_json.to_str().unwrap_or_default(),
        ];
        util::run(b.to_str().unwrap_or_default(), &c, &root, &[])
    })?;
    util::step("LoomFile calls beside the core (api_bench)", || {
        let b = examples.join("api_bench");
        let args = [
            loom_s.as_str(),
            "--reps",
            &reps,
            "--threads",
            &threads,
            "--work",
            &work_s,
            "--json",
            api_json.to_str().unwrap_or_default(),
        ];
        util::run(b.to_str().unwrap_or_default(), &args, &root, &[])
    })?;
    // The `loom` binary as a whole process.
    let nc = {
        let meta = std::fs::read_to_string(data.join(format!("{name}.json")))
            .map_err(|e| e.to_string())?;
        let shape = meta.split("\"shape\":").nth(1).unwrap_or("[0, 0]");
        let nums: Vec<u64> = shape
            .trim_start()
            .trim_start_matches('[')
            .split([',', ']'])
            .take(2)
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        nums.get(1).copied().unwrap_or(0)
    };
    let picked = picks(nc, SUBSET_COLUMNS, 1);
    let subset_label = format!("loom subset --cols ({} random columns)", picked.len());
    let cols = picked.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let cli: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "loom stats --axis row",
            s(&["-q", "stats", &loom_s, "--axis", "row", "--threads", &threads]),
            "stats axis 0",
        ),
        (
            "loom stats --axis col",
            s(&["-q", "stats", &loom_s, "--axis", "col", "--threads", &threads]),
            "stats axis 1",
        ),
        (
            "loom export --format npy",
            s(&[
                "-q",
                "export",
                &loom_s,
                "--format",
                "npy",
                "-o",
                &format!("{work_s}/loom_export.npy"),
                "--threads",
                &threads,
            ]),
            "export npy",
        ),
        (
            subset_label.as_str(),
            s(&[
                "-q",
                "subset",
                &loom_s,
                "-o",
                &format!("{work_s}/loom_subset.loom"),
                "--cols",
                &cols,
            ]),
            "subset",
        ),
        (
            "loom convert (10x HDF5 -> loom)",
            s(&[
                "-q",
                "convert",
                &tenx_s,
                &format!("{work_s}/loom_convert.loom"),
                "--threads",
                &threads,
            ]),
            "convert 10x h5",
        ),
    ];
    // The core counterpart of a `loom` row: api_bench's group and op.
    let core_op = |reference: &str| match reference {
        "stats axis 0" => Some(("stats", "LoomFile::stats axis 0")),
        "stats axis 1" => Some(("stats", "LoomFile::stats axis 1")),
        "export npy" => Some(("export", "core export npy")),
        "subset" => Some(("subset", "core subset")),
        _ => None,
    };
    // One core time, measured right after a process run (api_bench `--only GROUP --reps 1`):
    // this machine's speed drifts from minute to minute, so the process and the core are
    // compared run by run, as the LoomFile rows are, not against api_bench's earlier medians.
    let paired_json = out.join("paired.jsonl");
    let core_once = |group: &str, op: &str| -> Result<f64, String> {
        let b = examples.join("api_bench");
        let args = [
            loom_s.as_str(),
            "--reps",
            "1",
            "--threads",
            &threads,
            "--work",
            &work_s,
            "--only",
            group,
            "--json",
            paired_json.to_str().unwrap_or_default(),
        ];
        let quiet = Command::new(&b)
            .args(args)
            .current_dir(&root)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run api_bench: {e}"))?;
        if !quiet.success() {
            return Err(format!("api_bench --only {group} failed ({quiet})"));
        }
        parse_lines(&paired_json)?
            .iter()
            .find(|m| m.get("op").map(String::as_str) == Some(op))
            .and_then(|m| num(m, "core_s"))
            .ok_or_else(|| format!("api_bench --only {group}: no {op:?} line"))
    };
    let mut cli_times: Vec<CliTime> = Vec::new();
    util::step("loom binary, whole process (each run paired with a core run)", || {
        for (label, args, reference) in &cli {
            let (mut ts, mut cores, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for k in 0..=nreps.max(1) {
                // Every writing command starts from no output file and no dirty pages: the
                // previous run's output is removed and written back first (`sync`, untimed),
                // so neither a truncation nor another run's writeback lands inside this run.
                // api_bench does the same before each core run.
                for f in ["loom_export.npy", "loom_subset.loom", "loom_convert.loom"] {
                    let _ = std::fs::remove_file(work.join(f));
                }
                let _ = Command::new("sync").status();
                let t = time_process(&bin, args)?;
                if k == 0 {
                    continue; // warm-up
                }
                ts.push(t);
                if let Some((group, op)) = core_op(reference) {
                    let c = core_once(group, op)?;
                    cores.push(c);
                    ratios.push(t / c);
                }
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let t = median(&mut ts);
            let paired = (!cores.is_empty()).then(|| (median(&mut cores), median(&mut ratios)));
            match paired {
                Some((c, r)) => {
                    println!("{label:<40} {:>9.1} ms  core {:>9.1} ms  {r:>5.2}x", t * 1e3, c * 1e3)
                }
                None => println!("{label:<40} {:>9.1} ms", t * 1e3),
            }
            cli_times.push((label.to_string(), t, reference.to_string(), paired));
        }
        Ok(())
    })?;
    let _ = std::fs::remove_file(&paired_json);
    for f in ["loom_export.npy", "loom_subset.loom", "loom_convert.loom"] {
        let _ = std::fs::remove_file(work.join(f));
    }
    if !skip_python {
        let run_py = |python: &str, file: &str, group: &str| {
            util::run(
                python,
                &[
                    "bench/loompy_bench.py",
                    file,
                    "--group",
                    group,
                    "--reps",
                    &reps,
                    "--work",
                    &work_s,
                    "--json",
                    ref_json.to_str().unwrap_or_default(),
                ],
                &root,
                &[],
            )
        };
        util::step("loompy / h5py (bench/loompy_bench.py)", || {
            for group in ["reads", "export", "subset"] {
                run_py(&py, &loom_s, group)?;
            }
            Ok(())
        })?;
        util::step("scanpy (bench venv)", || {
            let bpy = bench_venv(&root)?;
            run_py(bpy.to_str().unwrap_or_default(), &tenx_s, "convert")
        })?;
    }
    // The table.
    let api = parse_lines(&api_json)?;
    let refs = if ref_json.exists() { parse_lines(&ref_json)? } else { Vec::new() };
    let reference = |op: &str| -> Option<(f64, String)> {
        refs.iter()
            .find(|m| m.get("op").map(String::as_str) == Some(op))
            .and_then(|m| Some((num(m, "median_s")?, m.get("how")?.clone())))
    };
    let core_of = |op: &str| -> Option<(f64, String)> {
        api.iter()
            .find(|m| m.get("op").map(String::as_str) == Some(op))
            .and_then(|m| Some((num(m, "core_s")?, m.get("core_how")?.clone())))
    };
    let mut lines = Vec::new();
    for m in &api {
        let Some(op) = m.get("op") else { continue };
        if num(m, "product_s").is_none() {
            continue;
        }
        lines.push(Line {
            entry: op.clone(),
            product: num(m, "product_s"),
            core: num(m, "core_s"),
            ratio: num(m, "ratio"),
            core_how: m.get("core_how").cloned().unwrap_or_default(),
            reference: m.get("ref").and_then(|r| reference(r)),
            added_mib: num(m, "added_kib").map(|k| k / 1024.0),
        });
    }
    for (label, t, r, paired) in &cli_times {
        // The core's description from api_bench's line; its time and the ratio from the pairs.
        let core = core_op(r).and_then(|(_, op)| core_of(op));
        lines.push(Line {
            entry: label.clone(),
            product: Some(*t),
            core: paired.map(|p| p.0),
            ratio: paired.map(|p| p.1),
            core_how: core.map_or("no core counterpart (10x CSC -> loom chunks)".into(), |c| c.1),
            reference: reference(r),
            added_mib: None,
        });
    }
    let floor = parse_lines(&floor_json)?
        .iter()
        .find(|m| m.get("op").is_some_and(|o| o.starts_with("inflate only")))
        .and_then(|m| num(m, "median_s"));
    let mut md = format!(
        "{name}.loom, {threads} thread(s), median of {reps} runs after a warm-up; load average \
         {}\n\nInflate-only floor (every chunk of /matrix inflated from memory, nothing else): {}\n\n",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        floor.map_or("-".into(), secs)
    );
    md.push_str(
        "| entry point | loomfile | core, same work | product/core | loompy/h5py/scanpy | speed-up \
         | memory added | core does | reference does |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let opt = |x: Option<f64>| x.map_or("-".to_string(), secs);
    for l in &lines {
        let (rt, speed, rhow) = match (&l.reference, l.product) {
            (Some((r, how)), Some(p)) => (secs(*r), format!("{:.1}x", r / p), how.clone()),
            _ => ("-".into(), "-".into(), String::new()),
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {rt} | {speed} | {} | {} | {rhow} |\n",
            l.entry,
            opt(l.product),
            opt(l.core),
            l.ratio.map_or("-".into(), |r| format!("{r:.2}")),
            l.added_mib.map_or(String::new(), |m| format!("{m:.0} MiB")),
            l.core_how,
        ));
    }
    md.push_str(
        "\n`LoomFile` rows: product and core in interleaved pairs, product/core the median of \
         the per-pair ratios. `loom` rows: the binary as a whole process (start-up, open and \
         output included), each run followed by one in-process run of the core, product/core the \
         median of the per-pair ratios. The \
         reference is in-process (interpreter start-up and imports excluded).\n",
    );
    if !skip_python {
        md.push_str(&python_side(&root, &loom_s, &reps, &threads, &out)?);
    }
    std::fs::write(out.join("public.md"), &md).map_err(|e| e.to_string())?;
    println!("\n{md}\nwritten to target/bench/public.md");
    if check {
        let missed = missed_targets(&lines);
        if !missed.is_empty() {
            return Err(format!("targets missed:\n  {}", missed.join("\n  ")));
        }
        println!("every product/core and memory target met");
    }
    Ok(())
}

/// Issue 12's required targets, row by row: product/core <= 1.15 for the same work, the
/// `loom stats` process within 1.2x of the core's in-process statistics, and scans and
/// statistics adding under 200 MiB. The fresh-against-reused-buffer row is information (the
/// cost of first-touch page faults), not a same-work comparison, and is not checked.
fn missed_targets(lines: &[Line]) -> Vec<String> {
    let mut missed = Vec::new();
    for l in lines {
        if l.entry.contains("vs reused") {
            continue;
        }
        let bound = if l.entry.starts_with("loom stats") { 1.2 } else { 1.15 };
        if let Some(r) = l.ratio.filter(|&r| r > bound) {
            missed.push(format!("{}: product/core {r:.2} > {bound}", l.entry));
        }
        let scan_or_stats = l.entry.contains("scan") || l.entry.contains("stats");
        if let Some(m) = l.added_mib.filter(|&m| scan_or_stats && m >= 200.0) {
            missed.push(format!("{}: adds {m:.0} MiB >= 200 MiB", l.entry));
        }
    }
    missed
}

/// The Python package beside loompy for the same calls (bench/python_bench.py, one process
/// per thread count), and beside the Rust API for the same work when
/// `target/bench/api.jsonl` (crates/loom/examples/api_bench.rs) holds it.
pub fn python_side(
    root: &Path,
    loom: &str,
    reps: &str,
    threads: &str,
    out: &Path,
) -> Result<String, String> {
    let py = venv::ensure_python_tests()?;
    let wheel = crate::python::build_wheel(&py)?;
    let pys = py.to_str().ok_or("venv path is not UTF-8")?.to_string();
    util::run(
        &pys,
        &[
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--force-reinstall",
            wheel.to_str().unwrap_or(""),
        ],
        root,
        &[],
    )?;
    let json = out.join("python.jsonl");
    let _ = std::fs::remove_file(&json);
    for t in threads.split(',') {
        util::step(&format!("loomfile-python / loompy ({t} threads)"), || {
            util::run(
                &pys,
                &[
                    "bench/python_bench.py",
                    loom,
                    "--reps",
                    reps,
                    "--threads",
                    t,
                    "--json",
                    json.to_str().unwrap_or(""),
                ],
                root,
                &[],
            )
        })?;
    }
    // Rust API times of the same work, by our op name -> api_bench's op name.
    let api = out.join("api.jsonl");
    let api = if api.exists() { parse_lines(&api)? } else { Vec::new() };
    // numpy's mean and std in `map` are answered by LoomFile::stats.
    let same_work = |op: &str| -> Option<&'static str> {
        Some(match op {
            "full read" => "LoomFile::read_layer::<f32> (all)",
            "scan axis 0" => "LoomFile::scan axis 0, batch 512, main layer",
            "scan axis 1" => "LoomFile::scan axis 1, batch 512, main layer",
            "scan axis 0, attributes" => {
                "LoomFile::scan axis 0, batch 512, main layer + attributes"
            }
            "stats axis 0" => "LoomFile::stats axis 0",
            "stats axis 1" => "LoomFile::stats axis 1",
            "sparse" => "LoomFile::sparse::<f32> (all, COO)",
            "1,000 random columns" => "LoomFile::read_layer 1,000 random columns",
            _ => return None,
        })
    };
    let mut md = String::from(
        "\nPython: loomfile (the wheel, imported as loompy) and loompy 3.0.8, the same calls in one \
         process, interleaved; Rust API = the same work through `LoomFile` (api_bench), when \
         measured.\n\n| threads | operation | loomfile-python | Rust API | python/Rust | loompy | \
         speed-up | call |\n|---|---|---|---|---|---|---|---|\n",
    );
    for m in parse_lines(&json)? {
        let (Some(op), Some(ours)) = (m.get("op"), num(&m, "loomfile_s")) else { continue };
        let t = m.get("threads").cloned().unwrap_or_default();
        let rust = same_work(op).and_then(|name| {
            api.iter()
                .find(|a| {
                    a.get("op").map(String::as_str) == Some(name) && a.get("threads") == Some(&t)
                })
                .and_then(|a| num(a, "product_s"))
        });
        let theirs = num(&m, "loompy_s");
        md.push_str(&format!(
            "| {t} | {op} | {} | {} | {} | {} | {} | `{}` |\n",
            secs(ours),
            rust.map_or(String::new(), secs),
            rust.map_or(String::new(), |r| format!("{:.2}x", ours / r)),
            theirs.map_or(String::new(), secs),
            theirs.map_or(String::new(), |s| format!("{:.1}x", s / ours)),
            m.get("call").cloned().unwrap_or_default(),
        ));
    }
    Ok(md)
}
