//! `cargo xtask fuzz-smoke [--seconds N] [--target NAME]...`: run every cargo-fuzz target
//! of `fuzz/` briefly with the project's libFuzzer settings and fail on any crash, timeout
//! or out-of-memory. Needs the nightly toolchain; without it, prints why and skips.

use crate::util;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// The cargo-fuzz release installed when missing.
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Seconds per target by default.
const DEFAULT_SECONDS: u64 = 20;
/// libFuzzer settings (shared/reference/reliability.md, goal A2). A fixed seed makes a
/// smoke run repeatable: a finding in CI replays with the same command on any machine
/// (runs differ only in how far they get in the given time).
const LIBFUZZER_FLAGS: &[&str] = &[
    "-timeout=1",
    "-rss_limit_mb=2048",
    "-malloc_limit_mb=256",
    "-max_len=1048576",
    "-seed=20261126",
];

struct Options {
    seconds: u64,
    targets: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options { seconds: DEFAULT_SECONDS, targets: Vec::new() };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seconds" => {
                let v = value("--seconds")?;
                o.seconds = v.parse().map_err(|_| format!("--seconds {v:?}: not a number"))?;
            }
            "--target" => o.targets.push(value("--target")?),
            other => {
                return Err(format!(
                    "fuzz-smoke: unknown argument {other:?} (options: --seconds N, --target NAME)"
                ));
            }
        }
    }
    Ok(o)
}

/// A command run through the nightly toolchain, without the variables the outer (stable)
/// cargo set, which would otherwise pin the inner cargo and rustc to stable.
fn nightly(program: &str) -> Command {
    let mut c = Command::new("rustup");
    c.args(["run", "nightly", program]);
    for var in ["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN", "RUSTC_WRAPPER"] {
        c.env_remove(var);
    }
    c
}

/// Output of a command, or why it could not run.
fn output(c: &mut Command) -> Result<String, String> {
    let out = c.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().lines().last().unwrap_or("").to_string())
    }
}

/// Target names from `fuzz/Cargo.toml` (`[[bin]]` entries).
fn all_targets(fuzz: &Path) -> Result<Vec<String>, String> {
    let toml = std::fs::read_to_string(fuzz.join("Cargo.toml"))
        .map_err(|e| format!("fuzz/Cargo.toml: {e}"))?;
    let mut in_bin = false;
    let mut names = Vec::new();
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin
            && let Some(v) = line.strip_prefix("name").map(str::trim)
            && let Some(v) = v.strip_prefix('=')
        {
            names.push(v.trim().trim_matches('"').to_string());
        }
    }
    Ok(names)
}

/// The value of a libFuzzer final-stats line such as `stat::number_of_executed_units: 123`.
fn stat(log: &str, key: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|l| l.strip_prefix(key)?.trim().trim_start_matches(':').trim().parse().ok())
}

pub fn smoke(args: &[String]) -> Result<(), String> {
    let opts = parse(args)?;
    if let Err(why) = output(nightly("rustc").arg("--version")) {
        let why = if why.is_empty() { "not installed".to_string() } else { why };
        println!(
            "fuzz-smoke: skipped: no nightly toolchain (`rustup run nightly rustc --version`: {why})"
        );
        return Ok(());
    }
    let root = util::root();
    let fuzz = root.join("fuzz");
    let version = output(nightly("cargo").args(["fuzz", "--version"])).unwrap_or_default();
    if !version.ends_with(CARGO_FUZZ_VERSION) {
        util::step(&format!("install cargo-fuzz {CARGO_FUZZ_VERSION}"), || {
            util::cargo(&["install", "cargo-fuzz", "--locked", "--version", CARGO_FUZZ_VERSION])
        })?;
    }
    let targets = if opts.targets.is_empty() { all_targets(&fuzz)? } else { opts.targets };
    let known = all_targets(&fuzz)?;
    if let Some(t) = targets.iter().find(|t| !known.contains(t)) {
        return Err(format!("unknown fuzz target {t:?}; targets: {}", known.join(", ")));
    }
    util::step("seed fuzz corpora", || util::run("bash", &["fuzz/seed_corpora.sh"], &root, &[]))?;
    util::step("build fuzz targets", || {
        let mut c = nightly("cargo");
        c.args(["fuzz", "build", "-a"]).current_dir(&root);
        let status = c.status().map_err(|e| format!("cargo fuzz build: {e}"))?;
        if status.success() { Ok(()) } else { Err(format!("cargo fuzz build failed ({status})")) }
    })?;
    let logs = root.join("target/fuzz-smoke");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let bins = fuzz.join(format!("target/{}/release", host_triple()?));
    // libFuzzer runs one process on one core: run as many targets at once as there are cores.
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get()).min(targets.len());
    let started = Instant::now();
    let next = std::sync::Mutex::new(targets.iter());
    let failed = std::sync::Mutex::new(Vec::new());
    let run_one = |t: &str| -> Result<(), String> {
        let log = logs.join(format!("{t}.log"));
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let (corpus, artifacts) = (fuzz.join("corpus").join(t), fuzz.join("artifacts").join(t));
        for d in [&corpus, &artifacts] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        let t0 = Instant::now();
        // What `cargo fuzz run` runs, without a cargo per target (which would also serialise
        // the targets on the build directory's lock).
        let status = Command::new(bins.join(t))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg(format!("-max_total_time={}", opts.seconds))
            .args(LIBFUZZER_FLAGS)
            .arg("-print_final_stats=1")
            .arg(&corpus)
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(file)
            .status()
            .map_err(|e| format!("{}: {e}", bins.join(t).display()))?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let execs = stat(&text, "stat::number_of_executed_units")
            .map_or_else(|| "?".to_string(), |n| n.to_string());
        if status.success() {
            println!("fuzz-smoke: {t}: ok, {execs} executions in {:.0?}", t0.elapsed());
        } else {
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n    ");
            println!("fuzz-smoke: {t}: FAILED ({status}); log {}:\n    {tail}", log.display());
            failed.lock().map_err(|_| "fuzz-smoke: a worker panicked")?.push(t.to_string());
        }
        Ok(())
    };
    let results: Vec<Result<(), String>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let t = match next.lock() {
                            Ok(mut it) => it.next(),
                            Err(_) => return Err("fuzz-smoke: a worker panicked".to_string()),
                        };
                        match t {
                            Some(t) => run_one(t)?,
                            None => return Ok(()),
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err("fuzz-smoke: a worker panicked".into())))
            .collect()
    });
    results.into_iter().collect::<Result<(), String>>()?;
    let failed = failed.into_inner().map_err(|_| "fuzz-smoke: a worker panicked")?;
    println!(
        "fuzz-smoke: {} targets x {} s, {jobs} at a time, in {:.0?}",
        targets.len(),
        opts.seconds,
        started.elapsed()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz-smoke: findings in {} (inputs in fuzz/artifacts/<target>/)",
            failed.join(", ")
        ))
    }
}

/// The host's target triple (cargo-fuzz builds for it explicitly, so its binaries live
/// under `fuzz/target/<triple>/release`).
fn host_triple() -> Result<String, String> {
    let v = output(nightly("rustc").arg("-vV"))?;
    v.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
        .ok_or_else(|| "fuzz-smoke: `rustc -vV` printed no host line".to_string())
}
