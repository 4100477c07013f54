//! Running commands and timing steps.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Run a named step, printing its duration.
pub fn step(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    println!("==> {name}");
    let t = Instant::now();
    let r = f();
    match &r {
        Ok(()) => println!("<== {name}: ok ({:.1?})", t.elapsed()),
        Err(e) => println!("<== {name}: FAILED ({:.1?}): {e}", t.elapsed()),
    }
    r
}

/// Run `f`, printing how long it took (a sub-step inside a step).
pub fn timed<T>(name: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let t = Instant::now();
    let r = f();
    println!("    {name}: {:.1?}", t.elapsed());
    r
}

/// Run `program args` in `dir` with extra environment.
pub fn run(program: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Result<(), String> {
    let mut c = Command::new(program);
    c.args(args).current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    let status = c.status().map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed ({status})", args.join(" ")))
    }
}

/// Run cargo in the workspace root.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_env(args, &[])
}

/// Run cargo in the workspace root with extra environment.
pub fn cargo_env(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(&cargo, args, &root(), env)
}
