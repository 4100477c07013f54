//! The workspace tests with the test binaries run side by side, as many at a time as there
//! are cores (`cargo test` runs one binary after the other; most of the loom command's
//! tests wait on single-threaded Python oracles, so one binary leaves cores idle).
//!
//! Steps: `cargo test --no-run --message-format=json` builds every test binary and names
//! them; the binaries then run from a shared queue, longest-known first, each in its
//! package's directory (as cargo runs them) with the caller's environment; each binary's
//! output is printed whole when it ends, and a failing binary fails the run after the rest
//! have finished. The doc tests run last, through cargo (rustdoc builds them).

use crate::util;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

/// Binaries known to run longest, started first so that no long one is left for the end.
const LONGEST_FIRST: &[&str] = &[
    "bitflips_h5py",
    "convert_memory",
    "convert",
    "real_world",
    "ops_interop",
    "kill_soak",
    "combine_subset",
    "h5_interop",
    "loom_interop",
    "loom_validate_info",
];

/// One test binary.
struct Binary {
    /// Target name (`convert`, or the crate name for unit tests).
    name: String,
    /// Package directory: where cargo runs the binary.
    dir: PathBuf,
    exe: PathBuf,
}

/// Build the test binaries of `cargo test <args>` and run them side by side, then the doc
/// tests. `args` selects packages only (`--workspace`, `--exclude`, `-p`).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let binaries = util::timed("build test binaries", || build(args, env))?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let mut queue: Vec<Binary> = binaries;
    queue.sort_by_key(|b| {
        LONGEST_FIRST.iter().position(|n| *n == b.name).unwrap_or(LONGEST_FIRST.len())
    });
    let total = queue.len();
    let queue = Mutex::new(VecDeque::from(queue));
    let failed = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let Some(b) = queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                        return;
                    };
                    if let Err(e) = run_one(&b, env) {
                        println!("{e}");
                        if let Ok(mut f) = failed.lock() {
                            f.push(b.name.clone());
                        }
                    }
                }
            });
        }
    });
    let failed = failed.into_inner().map_err(|_| "test: a worker panicked".to_string())?;
    println!(
        "test: {total} test binaries, {jobs} at a time, in {:.1?}; {} failed",
        started.elapsed(),
        failed.len()
    );
    if !failed.is_empty() {
        return Err(format!("test binaries failed: {}", failed.join(", ")));
    }
    let mut doc: Vec<&str> = vec!["test", "--doc"];
    doc.extend(args);
    util::timed("doc tests", || util::cargo_env(&doc, env))
}

fn run_one(b: &Binary, env: &[(&str, &str)]) -> Result<(), String> {
    let t = Instant::now();
    let mut c = Command::new(&b.exe);
    c.current_dir(&b.dir).stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out =
        c.output().map_err(|e| format!("test {}: cannot run {}: {e}", b.name, b.exe.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout.lines().rev().find(|l| l.starts_with("test result:")).unwrap_or("");
    if out.status.success() {
        println!("test {}: {summary} ({:.1?})", b.name, t.elapsed());
        Ok(())
    } else {
        Err(format!(
            "test {} FAILED ({}), {:.1?}:\n{stdout}\n{}",
            b.name,
            out.status,
            t.elapsed(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `cargo test --no-run` with JSON messages: the test binaries it built.
fn build(args: &[&str], env: &[(&str, &str)]) -> Result<Vec<Binary>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut c = Command::new(&cargo);
    c.args(["test", "--no-run", "--message-format=json-render-diagnostics"])
        .args(args)
        .current_dir(util::root())
        .stdout(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo test --no-run failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut bins = Vec::new();
    for line in text.lines() {
        if !line.starts_with("{\"reason\":\"compiler-artifact\"") || !test_profile(line) {
            continue;
        }
        let (Some(exe), Some(manifest), Some(name)) = (
            string_field(line, "executable"),
            string_field(line, "manifest_path"),
            target_name(line),
        ) else {
            continue;
        };
        let dir = PathBuf::from(manifest).parent().map(PathBuf::from).unwrap_or_default();
        bins.push(Binary { name, dir, exe: PathBuf::from(exe) });
    }
    if bins.is_empty() {
        return Err("cargo test --no-run named no test binaries".into());
    }
    Ok(bins)
}

/// The string value of the first `"key":"..."` in a JSON line (paths and names carry no
/// escaped quotes here; a value with escapes is refused rather than misread).
fn string_field(line: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":\"");
    let start = line.find(&pat)? + pat.len();
    let len = line[start..].find('"')?;
    let v = &line[start..start + len];
    (!v.contains('\\')).then(|| v.to_string())
}

/// Built with the test harness: `"profile":{..."test":true...}` (the `loom` binary that
/// integration tests call is an executable too, built without it).
fn test_profile(line: &str) -> bool {
    let Some(at) = line.find("\"profile\":{") else { return false };
    let rest = &line[at..];
    let end = rest.find('}').unwrap_or(rest.len());
    rest[..end].contains("\"test\":true")
}

/// The target's name: `"target":{..."name":"..."`.
fn target_name(line: &str) -> Option<String> {
    let at = line.find("\"target\":{")?;
    string_field(&line[at..], "name")
}
