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
    let started = Instant::now();
    let mut failed = Vec::new();
    for t in &targets {
        let log = logs.join(format!("{t}.log"));
        let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let t0 = Instant::now();
        let mut c = nightly("cargo");
        c.args(["fuzz", "run", "-a", t, "--"])
            .arg(format!("-max_total_time={}", opts.seconds))
            .args(LIBFUZZER_FLAGS)
            .arg("-print_final_stats=1")
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(file);
        let status = c.status().map_err(|e| format!("cargo fuzz run {t}: {e}"))?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let execs = stat(&text, "stat::number_of_executed_units")
            .map_or_else(|| "?".to_string(), |n| n.to_string());
        if status.success() {
            println!("fuzz-smoke: {t}: ok, {execs} executions in {:.0?}", t0.elapsed());
        } else {
            println!("fuzz-smoke: {t}: FAILED ({status}); log {}:", log.display());
            let lines: Vec<&str> = text.lines().collect();
            for l in &lines[lines.len().saturating_sub(40)..] {
                println!("    {l}");
            }
            failed.push(t.clone());
        }
    }
    println!(
        "fuzz-smoke: {} targets x {} s in {:.0?}",
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
