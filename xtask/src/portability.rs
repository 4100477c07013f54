//! `cargo xtask portability [TARGET...]`: prove the engine builds and runs beyond x86_64 glibc.
//!
//! | target | what runs |
//! |---|---|
//! | `static-gnu` | `loom` linked with `+crt-static` (x86_64 glibc); no interpreter, no NEEDED; output == native |
//! | `static-musl` | `loom` for x86_64 musl, linked by zig; no interpreter, no NEEDED; output == native |
//! | `wasip1` | library tests under node's WASI: the three crates `--no-default-features`, then loomfile-hdf5 with its default features (file storage through WASI preopens) |
//! | `wasm-unknown` | `cargo build` of the three library crates `--no-default-features` for wasm32-unknown-unknown, beside the browser package in its profile (so the web step's build is reused) |
//! | `aarch64` | library tests on aarch64-unknown-linux-gnu under qemu-user, without the randomised robustness sweeps and the every-fixture pass (`AARCH64_SKIP`: they run natively, the parser sweeps also on s390x) |
//! | `s390x` | library tests on big-endian s390x under qemu-user but the commit-protocol and nesting sweeps (`S390X_SKIP`), and `loom h5 ls`/`dump --json` of every fixture compared with the native binary |
//!
//! The work is done by `ci/xbuild/*.sh` (std compiled from Debian's `rust-src` with
//! `-Zbuild-std`, cross gcc and qemu-user from apt, zig from PyPI, node's WASI; see their
//! headers). Their cache lives in `target/xbuild-cache` (override: `XBUILD_CACHE`) and their
//! builds in `target/xbuild` (static glibc: `target/xbuild-static`). When a download step fails
//! (no network, package gone) the target is skipped with one line saying why on a developer's
//! machine, and fails the task when the `CI` environment variable is set (a CI run must not
//! pass by testing less); any build, test or comparison failure fails the task. Wall times are printed as a table at the end.

use crate::util;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The library crates built and tested on the foreign targets.
const LIBS: [&str; 6] = ["-p", "loomfile-hdf5", "-p", "loomfile-scan", "-p", "loomfile"];

/// On the qemu targets, the format conversions too (files by path: not under WASI, whose
/// tests run without a file system).
const CROSS_LIBS: [&str; 2] = ["-p", "loomfile-formats"];

struct Target {
    name: &'static str,
    triple: &'static str,
    run: fn(&Ctx, &mut Times) -> Result<(), Fail>,
}

const TARGETS: &[Target] = &[
    Target { name: "static-gnu", triple: "x86_64-unknown-linux-gnu", run: static_gnu },
    Target { name: "wasip1", triple: "wasm32-wasip1", run: wasip1 },
    Target { name: "wasm-unknown", triple: "wasm32-unknown-unknown", run: wasm_unknown },
    Target { name: "aarch64", triple: "aarch64-unknown-linux-gnu", run: aarch64 },
    Target { name: "s390x", triple: "s390x-unknown-linux-gnu", run: s390x },
    Target { name: "static-musl", triple: "x86_64-unknown-linux-musl", run: static_musl },
];

/// Why a target did not pass.
enum Fail {
    /// A registry or download step failed: the target is skipped.
    Download(String),
    /// A build, test or check failed.
    Error(String),
}

impl From<String> for Fail {
    fn from(e: String) -> Self {
        Fail::Error(e)
    }
}

#[derive(Default)]
struct Times {
    build: Duration,
    test: Duration,
}

impl Times {
    fn build<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.build += t.elapsed();
        r
    }
    fn test<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.test += t.elapsed();
        r
    }
}

struct Ctx {
    root: PathBuf,
    cache: PathBuf,
    /// Target dir for the `-Zbuild-std` builds (wasm, cross, musl).
    xbuild_dir: PathBuf,
    /// Target dir for the host-std static build (kept apart: no RUSTC_BOOTSTRAP there, so
    /// sharing would make build scripts that watch it rebuild on every run).
    static_dir: PathBuf,
    /// The native release `loom`, the reference for output comparisons.
    native_loom: PathBuf,
    /// Extra environment for every script.
    env: Vec<(String, String)>,
    /// Extra environment for the wasip1 runs (corpora preopened, WASI runner).
    wasi_env: Vec<(String, String)>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help" || a == "--list") {
        println!("usage: cargo xtask portability [TARGET...]\ntargets:");
        for t in TARGETS {
            println!("  {:<14} {}", t.name, t.triple);
        }
        return Ok(());
    }
    for a in args {
        if !TARGETS.iter().any(|t| t.name == a) {
            return Err(format!("unknown portability target {a:?} (see --list)"));
        }
    }
    let selected: Vec<&Target> =
        TARGETS.iter().filter(|t| args.is_empty() || args.iter().any(|a| a == t.name)).collect();

    let started = Instant::now();
    let ctx = context()?;
    println!("portability: cache {}, builds in {}", ctx.cache.display(), ctx.xbuild_dir.display());
    if selected.iter().any(|t| t.name.starts_with("static") || t.name == "s390x") {
        util::step("native reference loom (release)", || {
            util::cargo(&["build", "--release", "-p", "loomfile-cli"])
        })?;
    }

    let mut rows = Vec::new();
    for t in selected {
        println!("==> portability: {} ({})", t.name, t.triple);
        let mut times = Times::default();
        let status = match (t.run)(&ctx, &mut times) {
            Ok(()) => Status::Ok,
            Err(Fail::Download(why)) => Status::Skipped(why),
            Err(Fail::Error(e)) => Status::Failed(e),
        };
        let took = secs(times.build + times.test);
        match &status {
            Status::Ok => println!("<== portability: {}: ok ({took})", t.name),
            Status::Skipped(why) => println!(
                "<== portability: {}: SKIPPED {} (a download step failed: {why})",
                t.name, t.triple
            ),
            Status::Failed(e) => println!("<== portability: {}: FAILED ({took}): {e}", t.name),
        }
        rows.push((t, times, status));
    }

    println!("\nportability: wall times (build includes one-off downloads and the std build)");
    println!(
        "{:<14} {:<27} {:>8} {:>8} {:>8}  result",
        "target", "triple", "build", "test", "total"
    );
    for (t, times, status) in &rows {
        let s = match status {
            Status::Ok => "ok".to_string(),
            Status::Skipped(why) => format!("skipped: {why}"),
            Status::Failed(_) => "FAILED".to_string(),
        };
        println!(
            "{:<14} {:<27} {:>8} {:>8} {:>8}  {s}",
            t.name,
            t.triple,
            secs(times.build),
            secs(times.test),
            secs(times.build + times.test)
        );
    }
    println!("portability: {} in total", secs(started.elapsed()));
    let strict = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    let failed: Vec<String> = rows
        .iter()
        .filter_map(|(t, _, s)| match s {
            Status::Failed(e) => Some(format!("{}: {e}", t.name)),
            Status::Skipped(why) if strict => Some(format!("{}: skipped under CI: {why}", t.name)),
            _ => None,
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("portability failed: {}", failed.join("; ")))
    }
}

enum Status {
    Ok,
    Skipped(String),
    Failed(String),
}

fn secs(d: Duration) -> String {
    if d.is_zero() { "-".into() } else { format!("{:.1}s", d.as_secs_f64()) }
}

fn context() -> Result<Ctx, String> {
    let root = util::root();
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => root.join(d),
        None => root.join("target"),
    };
    let cache = match std::env::var_os("XBUILD_CACHE") {
        Some(d) => root.join(d),
        None => target.join("xbuild-cache"),
    };
    let mut env = vec![("XBUILD_CACHE".to_string(), cache.to_string_lossy().into_owned())];
    // Scripts fetch with apt/pip/cargo; keep their progress output quiet and non-interactive.
    env.push(("DEBIAN_FRONTEND".into(), "noninteractive".into()));

    let mut wasi_env = Vec::new();
    // node >= 20 has `node:wasi` built in; otherwise use the wasmtime wheel from PyPI.
    if !node_is_at_least(20) {
        println!(
            "portability: node >= 20 not found; wasip1 tests run under the wasmtime PyPI wheel"
        );
        wasi_env.push(("XBUILD_WASI_RUNNER".into(), "wasmtime".into()));
    }
    // The CVE corpus test reads `shared/corpus` beside the repository (LOOMFILE_SHARED):
    // preopen it for WASI, at its canonical path ('..' may not climb out of a preopen).
    let shared = std::env::var_os("LOOMFILE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    if let Ok(shared) = shared.canonicalize() {
        let s = shared.to_string_lossy().into_owned();
        let dirs = match std::env::var("XBUILD_WASI_DIRS") {
            Ok(d) if !d.is_empty() => format!("{d}:{s}"),
            _ => s.clone(),
        };
        wasi_env.push(("LOOMFILE_SHARED".into(), s));
        wasi_env.push(("XBUILD_WASI_DIRS".into(), dirs));
    }
    Ok(Ctx {
        native_loom: target.join("release/loom"),
        xbuild_dir: target.join("xbuild"),
        static_dir: target.join("xbuild-static"),
        root,
        cache,
        env,
        wasi_env,
    })
}

fn node_is_at_least(major: u32) -> bool {
    let Ok(out) = Command::new("node").arg("--version").output() else { return false };
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim().trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok())
        >= Some(major)
}

/// Run `ci/xbuild/<script> args` in the workspace root, streaming its output; a failure is
/// classified as a download failure (skip) or a real one from what the output says.
fn xbuild(
    ctx: &Ctx,
    script: &str,
    target_dir: &Path,
    args: &[&str],
    env: &[(String, String)],
) -> Result<(), Fail> {
    let path = ctx.root.join("ci/xbuild").join(script);
    println!("+ {script} {}", args.join(" "));
    let mut cmd = Command::new("bash");
    cmd.arg(&path).args(args).current_dir(&ctx.root);
    cmd.env("XBUILD_TARGET_DIR", target_dir);
    for (k, v) in ctx.env.iter().chain(env) {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {script}: {e}"))?;
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    let t_out = std::thread::spawn(move || tee(out, false));
    let t_err = std::thread::spawn(move || tee(err, true));
    let status = child.wait().map_err(|e| format!("{script}: {e}"))?;
    let mut log = t_out.join().unwrap_or_default();
    log.extend(t_err.join().unwrap_or_default());
    if status.success() {
        return Ok(());
    }
    match download_failure(&log) {
        Some(line) => Err(Fail::Download(line)),
        None => Err(Fail::Error(format!("{script} {} failed ({status})", args.join(" ")))),
    }
}

/// Copy a child's output to ours line by line, keeping the lines.
fn tee(src: impl Read, to_stderr: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for line in BufReader::new(src).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line).into_owned();
        if to_stderr {
            let _ = writeln!(std::io::stderr(), "{line}");
        } else {
            let _ = writeln!(std::io::stdout(), "{line}");
        }
        lines.push(line);
    }
    lines
}

/// What the scripts, apt, pip and cargo print when a registry or download step fails.
const DOWNLOAD_ERRORS: &[&str] = &[
    // the scripts' own messages
    "error: no Debian rust-src",
    "error: download of ",
    "error: wasi-libc download failed",
    "error: no wasi-libc package found",
    "error: no Debian mirror found",
    // apt
    "Temporary failure resolving",
    "Unable to locate package",
    "Unable to fetch some archives",
    "Failed to fetch http",
    "Could not connect to",
    // pip
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Max retries exceeded",
    // cargo (std's own dependencies come from the crate registry)
    "failed to download",
    "Unable to update registry",
    "failed to query replaced source registry",
    "download of config.json failed",
    "spurious network error",
    "Couldn't resolve host name",
    "failed to get `",
];

fn download_failure(log: &[String]) -> Option<String> {
    log.iter().find(|l| DOWNLOAD_ERRORS.iter().any(|p| l.contains(p))).map(|l| {
        let l = l.trim();
        if l.chars().count() > 160 {
            format!("{}...", l.chars().take(160).collect::<String>())
        } else {
            l.to_string()
        }
    })
}

// ---------- targets ----------

fn static_gnu(ctx: &Ctx, times: &mut Times) -> Result<(), Fail> {
    static_loom(ctx, times, "x86_64-unknown-linux-gnu", &ctx.static_dir)
}

fn static_musl(ctx: &Ctx, times: &mut Times) -> Result<(), Fail> {
    static_loom(ctx, times, "x86_64-unknown-linux-musl", &ctx.xbuild_dir)
}

/// Build `loom` statically (the script also rejects C-building crates in the graph and checks
/// the executables), check it again here, and compare its output with the native build's.
fn static_loom(ctx: &Ctx, times: &mut Times, triple: &str, dir: &Path) -> Result<(), Fail> {
    times.build(|| {
        xbuild(ctx, "xbuild-static.sh", dir, &[".", triple, "-p", "loomfile-cli", "--bins"], &[])
    })?;
    let exe = dir.join(triple).join("release/loom");
    times.test(|| -> Result<(), Fail> {
        check_static(&exe)?;
        let n = compare_with_native(ctx, &[], &exe)?;
        println!("portability: {triple}: static, output identical to native on {n} runs");
        Ok(())
    })
}

fn wasip1(ctx: &Ctx, times: &mut Times) -> Result<(), Fail> {
    let t = "wasm32-wasip1";
    let dir = &ctx.xbuild_dir;
    // 1. The portable core: no fs, no rayon, no mmap.
    let mut core = vec![".", t, "test"];
    core.extend(LIBS);
    // Library and integration tests; the doctests show file paths (feature `fs`) and run
    // natively in the test step.
    core.extend(["--no-default-features", "--lib", "--tests"]);
    times.build(|| xbuild(ctx, "xbuild-wasm.sh", dir, &with(&core, "--no-run"), &ctx.wasi_env))?;
    times.test(|| xbuild(ctx, "xbuild-wasm.sh", dir, &core, &ctx.wasi_env))?;
    // 2. loomfile-hdf5 with its default features: files by path through WASI preopens.
    // WASI has no file locks: libhdf5's BEST_EFFORT policy proceeds without them.
    let mut env = ctx.wasi_env.clone();
    env.push(("HDF5_USE_FILE_LOCKING".into(), "BEST_EFFORT".into()));
    let fs = [".", t, "test", "-p", "loomfile-hdf5"];
    times.build(|| xbuild(ctx, "xbuild-wasm.sh", dir, &with(&fs, "--no-run"), &env))?;
    times.test(|| xbuild(ctx, "xbuild-wasm.sh", dir, &fs, &env))
}

fn wasm_unknown(ctx: &Ctx, times: &mut Times) -> Result<(), Fail> {
    let mut args = vec![".", "wasm32-unknown-unknown", "build"];
    args.extend(LIBS);
    // Built beside the browser package, in its profile: the std and the library crates that
    // `cargo xtask web` built (same target directory, profile and LTO mode) are reused
    // instead of built a second time.
    args.extend(["-p", "loomfile-wasm", "--no-default-features", "--profile", "wasm"]);
    times.build(|| xbuild(ctx, "xbuild-wasm.sh", &ctx.xbuild_dir, &args, &[]))
}

/// Randomised robustness sweeps (corruptions, kill points, edit sequences, nesting and
/// decompression bombs) and the scan core's pass over every fixture (64 s under qemu): half
/// the library tests' time, ten times that under qemu. They run natively, the parser sweeps
/// also on s390x (big-endian; see [`S390X_SKIP`]), and are left out on aarch64 (64-bit
/// little-endian like the host) to keep CI in its budget.
const AARCH64_SKIP: &[&str] = &[
    "every_fixture_matrix_reads_like_the_reader",
    "corrupting_fixture_trees_and_heaps_never_panics",
    "a_kill_at_any_moment_leaves_a_committed_state",
    "a_random_edit_sequence_reads_the_same_with_reuse_and_stays_small",
    "deep_group_nesting_is_bounded_and_walked_without_recursion",
    "many_small_edits_stay_near_the_compacted_size",
    "decompression_bombs_fail_within_the_chunk_budget",
    "single_bit_flips_read_identical_or_fail_mostly",
    "every_truncation_is_an_error_or_the_full_content",
];

/// On s390x, the sweeps of the commit protocol and of group nesting: their decisions are made
/// on integers in memory, and the bytes they write go through the encoders the round-trip
/// tests cover big-endian. The parser sweeps (corruptions, truncations, bit flips, bombs) and
/// the every-fixture pass stay: they read bytes.
const S390X_SKIP: &[&str] = &[
    "a_kill_at_any_moment_leaves_a_committed_state",
    "a_random_edit_sequence_reads_the_same_with_reuse_and_stays_small",
    "many_small_edits_stay_near_the_compacted_size",
    "deep_group_nesting_is_bounded_and_walked_without_recursion",
];

fn aarch64(ctx: &Ctx, times: &mut Times) -> Result<(), Fail> {
    cross_tests(ctx, times, "aarch64-unknown-linux-gnu", AARCH64_SKIP)
}

fn s390x(ctx: &Ctx, times: &mut Times) -> Result<(), Fail> {
    let t = "s390x-unknown-linux-gnu";
    cross_tests(ctx, times, t, S390X_SKIP)?;
    // Big-endian: every fixture listed and dumped (data included) exactly as on the host.
    let dir = &ctx.xbuild_dir;
    times.build(|| {
        xbuild(ctx, "xbuild-cross.sh", dir, &[".", t, "build", "-p", "loomfile-cli"], &[])
    })?;
    let exe = dir.join(t).join("debug/loom");
    times.test(|| -> Result<(), Fail> {
        // The runner xbuild-cross.sh uses for dynamically linked gnu targets.
        let n = compare_with_native(ctx, &["qemu-s390x", "-L", "/usr/s390x-linux-gnu"], &exe)?;
        println!("portability: {t}: output identical to native on {n} runs");
        Ok(())
    })
}

/// The library crates' tests (default features) under qemu-user, but the tests named in
/// `skip`.
fn cross_tests(ctx: &Ctx, times: &mut Times, triple: &str, skip: &[&str]) -> Result<(), Fail> {
    let mut args = vec![".", triple, "test"];
    args.extend(LIBS);
    args.extend(CROSS_LIBS);
    let dir = &ctx.xbuild_dir;
    times.build(|| xbuild(ctx, "xbuild-cross.sh", dir, &with(&args, "--no-run"), &[]))?;
    if !skip.is_empty() {
        args.push("--");
        for name in skip {
            args.extend(["--skip", name]);
        }
    }
    times.test(|| xbuild(ctx, "xbuild-cross.sh", dir, &args, &[]))
}

fn with<'a>(args: &[&'a str], extra: &'a str) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.push(extra);
    v
}

// ---------- checks ----------

/// No ELF interpreter and no NEEDED shared libraries.
fn check_static(exe: &Path) -> Result<(), String> {
    let readelf = |flag: &str| -> Result<String, String> {
        let out = Command::new("readelf")
            .args([flag, "-W"])
            .arg(exe)
            .output()
            .map_err(|e| format!("readelf: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "readelf {flag} {}: {}",
                exe.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    if readelf("-l")?.contains("program interpreter") {
        return Err(format!("{} has an ELF interpreter", exe.display()));
    }
    let needed: Vec<String> = readelf("-d")?
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .map(|l| l.trim().to_string())
        .collect();
    if !needed.is_empty() {
        return Err(format!("{} needs shared libraries: {}", exe.display(), needed.join(", ")));
    }
    Ok(())
}

/// The HDF5 fixtures the output comparisons run on.
fn fixtures(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for dir in ["fixtures/hdf5", "fixtures/loom", "fixtures/10x", "fixtures/h5ad"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "h5" || x == "loom" || x == "h5ad") {
                files.push(p.strip_prefix(root).unwrap_or(&p).to_path_buf());
            }
        }
    }
    files.sort();
    if !files.iter().any(|f| f.ends_with("loompy_small.h5")) {
        return Err("fixtures/hdf5/loompy_small.h5 is missing".into());
    }
    Ok(files)
}

/// Run `loom h5 ls -r -v` and `loom h5 dump --json` on every fixture with `exe` (through
/// `runner`, e.g. qemu) and with the native build; stdout, stderr and exit status must match.
/// Returns the number of runs compared.
fn compare_with_native(ctx: &Ctx, runner: &[&str], exe: &Path) -> Result<usize, String> {
    let files = fixtures(&ctx.root)?;
    let mut runs = 0;
    let mut diffs = Vec::new();
    for f in &files {
        let f = f.to_string_lossy();
        for cmd in [&["h5", "ls", "-r", "-v", &f][..], &["h5", "dump", "--json", &f][..]] {
            let want = output(&[], &ctx.native_loom, cmd, &ctx.root)?;
            let got = output(runner, exe, cmd, &ctx.root)?;
            runs += 1;
            if got != want {
                diffs.push(format!("`loom {}`", cmd.join(" ")));
            }
        }
    }
    if runs == 0 || !diffs.is_empty() {
        return Err(format!(
            "{}: output differs from the native build for {}",
            exe.display(),
            diffs.join(", ")
        ));
    }
    Ok(runs)
}

fn output(
    runner: &[&str],
    exe: &Path,
    args: &[&str],
    dir: &Path,
) -> Result<(String, String, Option<i32>), String> {
    let mut c = match runner.split_first() {
        Some((prog, rest)) => {
            let mut c = Command::new(prog);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    let out = c
        .args(args)
        .current_dir(dir)
        .env_remove("QEMU_LD_PREFIX")
        .output()
        .map_err(|e| format!("cannot run {} {}: {e}", runner.join(" "), exe.display()))?;
    Ok((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    ))
}
