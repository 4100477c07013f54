//! Project tasks, one entry point: `cargo xtask <task>`.
//!
//! | task | what it does |
//! |---|---|
//! | `ci` | everything CI runs: venv, build, all tests (unit, interop with h5py/loompy, robustness), portability, fuzz smoke |
//! | `venv` | create `target/venv` with the pinned Python stack (h5py, loompy, numpy, scipy, anndata) |
//! | `fixtures` | regenerate the committed fixture files with the venv |
//! | `lockfiles` | every committed `Cargo.lock` outside the workspace (example, fuzz, rivals) is current |
//! | `lint` | the allocation gate (`with_capacity`/`vec![x; n]` sites sized by a variable carry a `// alloc:` reason), clippy with `-D warnings` over all targets, then the library crates' feature matrix (no default features; each feature alone) |
//! | `test` | build and run the workspace tests with the venv wired in (the test binaries side by side, one per core; with arguments, plain `cargo test ARGS`) |
//! | `python` | build the `loomfile` wheel (maturin), install it into `target/pyvenv`, run its pytest suite |
//! | `bench` | the public entry points (LoomFile calls, the `loom` binary) beside the scan core and loompy/h5py/scanpy, one table; `--details`: the core against the inflate limit and the HDF5 rivals |
//! | `callgrind` | instruction counts of the metadata parser (open + walk, chunk planning) against an earlier revision (`--base REV`; default the hand-written parser) |
//! | `portability` | static binaries, wasm32 and foreign-architecture builds and tests |
//! | `doc` | rustdoc of the library crates (loomfile, loomfile-formats, loomfile-hdf5, loomfile-scan) with warnings denied, then the share of the public items of loomfile and loomfile-formats with a doc example, against a floor (nightly rustdoc; skipped without it) |
//! | `example` | build and run `examples/walkthrough`, a user-style crate outside the workspace |
//! | `web` | the browser viewer in `target/web/` (wasm + wasm-bindgen + `web/`); `--test`: open every fixture in headless Chromium |
//! | `fuzz-smoke` | run every fuzz target briefly (nightly toolchain; `--seconds N`, `--target NAME`) |

mod bench;
mod bench_public;
mod callgrind;
mod docs;
mod fuzz;
mod lint;
mod portability;
mod python;
mod testrun;
mod util;
mod venv;
mod web;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <ci|venv|fixtures|lockfiles|lint|test|doc|example|python|bench|callgrind|portability|web|fuzz-smoke> [args]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(task) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match task.as_str() {
        "ci" => ci(rest),
        "venv" => venv::ensure().map(|_| ()),
        "fixtures" => fixtures(),
        "test" => test(rest),
        "lint" => lint::run(),
        "doc" => docs::doc(),
        "example" => docs::example(),
        "lockfiles" => lockfiles(),
        "python" => python::run(rest),
        "fuzz-smoke" => fuzz::smoke(rest),
        "bench" => bench::run(rest),
        "portability" => portability::run(rest),
        "callgrind" => callgrind::run(rest),
        "web" => web::run(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn ci(_args: &[String]) -> Result<(), String> {
    let started = std::time::Instant::now();
    // CI builds everything once from scratch: incremental caches and full debug info only
    // cost disk (a CI run once died of a full disk in the test build) and time there.
    // SAFETY: set before any thread of this process is started.
    unsafe {
        std::env::set_var("CARGO_INCREMENTAL", "0");
        std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "line-tables-only");
        std::env::set_var("CARGO_PROFILE_TEST_DEBUG", "line-tables-only");
    }
    util::step("venv", || venv::ensure().map(|_| ()))?;
    util::step("format", || util::cargo(&["fmt", "--all", "--", "--check"]))?;
    util::step("lockfiles", lockfiles)?;
    // The packages the test step tests (the Python extension is built by maturin): with
    // `loomfile-python` in, its numpy crate changes the shared dependencies' features and the
    // test step would compile everything a second time.
    util::step("build", || {
        util::cargo(&["build", "--workspace", "--exclude", "loomfile-python", "--all-targets"])
    })?;
    util::step("lint", lint::run)?;
    util::step("doc", docs::doc)?;
    util::step("example", docs::example)?;
    util::step("build release cli", || util::cargo(&["build", "--release", "-p", "loomfile-cli"]))?;
    // In CI the shared corpora (CVE reproducers, public loom files) must be there.
    util::step("test", || test_with(&[], true))?;
    util::step("python", || python::run(&[]))?;
    util::step("web", || web::run(&["--test".to_string()]))?;
    util::step("portability", || portability::run(&[]))?;
    // 4 s per target in CI (17 targets, one per core at a time; `cargo xtask fuzz-smoke`
    // alone runs 20 s each): the whole CI run reached 83 minutes on this machine, against a
    // 75-minute budget.
    let smoke = ["--seconds".to_string(), "4".to_string()];
    util::step("fuzz smoke", || fuzz::smoke(&smoke))?;
    println!("xtask ci: all steps passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Crates outside the workspace that keep their own committed `Cargo.lock`.
const SEPARATE_LOCKFILES: [&str; 3] =
    ["examples/walkthrough/Cargo.toml", "fuzz/Cargo.toml", "bench/rivals/Cargo.toml"];

/// Every committed lock file is current: a stale one (a dependency added to a library crate
/// without refreshing `examples/walkthrough/Cargo.lock`) fails `--locked` builds much later.
fn lockfiles() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for manifest in SEPARATE_LOCKFILES {
        let status = std::process::Command::new(&cargo)
            .args(["metadata", "--locked", "--format-version", "1", "--manifest-path", manifest])
            .current_dir(util::root())
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!(
                "{manifest}: its Cargo.lock is out of date (run `cargo update --workspace --manifest-path {manifest}` and commit it)"
            ));
        }
        println!("lockfiles: {manifest} current");
    }
    Ok(())
}

fn test(extra: &[String]) -> Result<(), String> {
    test_with(extra, false)
}

fn test_with(extra: &[String], require_shared: bool) -> Result<(), String> {
    let py = venv::ensure()?;
    // The Python extension is tested from Python (`cargo xtask python`).
    let mut args: Vec<&str> = vec!["test", "--workspace", "--exclude", "loomfile-python"];
    args.extend(extra.iter().map(String::as_str));
    let py = py.to_string_lossy();
    let mut env = vec![("LOOMFILE_PYTHON", py.as_ref())];
    if require_shared {
        env.push(("LOOMFILE_REQUIRE_SHARED", "1"));
    }
    if extra.is_empty() {
        // The whole workspace: test binaries side by side.
        return testrun::run(&args[1..], &env);
    }
    util::cargo_env(&args, &env)
}

/// Every fixture generator with the directory it writes (see fixtures/README.md).
const FIXTURE_GENERATORS: &[(&str, &str)] = &[
    ("fixtures/gen_hdf5.py", "fixtures/hdf5"),
    ("fixtures/gen_chunk_indexes.py", "fixtures/hdf5"),
    ("fixtures/gen_loom.py", "fixtures/loom"),
    ("fixtures/gen_h5ad.py", "fixtures/h5ad"),
    ("fixtures/gen_10x.py", "fixtures/10x"),
    ("fixtures/gen_writers.py", "fixtures/writers"),
    ("fixtures/gen_hostile.py", "fixtures/hostile"),
    ("fixtures/gen_damaged.py", "fixtures/damaged"),
];

/// Regenerate every committed fixture with the pinned venv.
fn fixtures() -> Result<(), String> {
    let py = venv::ensure()?;
    let py = py.to_str().unwrap_or("python3");
    let root = util::root();
    for (script, out) in FIXTURE_GENERATORS {
        println!("fixtures: {script} -> {out}");
        util::run(py, &[script, out], &root, &[])?;
    }
    Ok(())
}
