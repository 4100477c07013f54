//! `cargo xtask callgrind [--base REV] [FILE...]`: the metadata parser's instruction counts
//! against an earlier revision, the paired measurement issue 17 asks for (wall time on a
//! 2-core machine is noisier than the 5% it has to resolve; callgrind's counts repeat).
//!
//! The workload is `crates/hdf5/examples/probe_meta.rs` (open + walk with attributes; and with
//! every chunked dataset's chunk index planned), built in release mode here and, copied into
//! an export of REV (default: the last revision with the hand-written parser), there. Both
//! run under `valgrind --tool=callgrind` on every fixture, each fixture folder, and the files
//! named on the command line; the table gives both counts and the change.

use crate::util;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The last revision whose `raw/` parsed by hand (before the binrw declarations).
const HAND_PARSER: &str = "8d951af";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut base = HAND_PARSER.to_string();
    let mut extra = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--base" => base = it.next().ok_or("--base needs a revision")?.clone(),
            f => extra.push(PathBuf::from(f)),
        }
    }
    let root = util::root();
    let work = root.join("target/callgrind");
    let head = build_head(&root)?;
    let base_bin = build_base(&root, &work, &base)?;
    let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
    let all = fixtures(&root.join("fixtures"));
    let mut folders: Vec<PathBuf> =
        all.iter().filter_map(|f| f.parent().map(Path::to_path_buf)).collect();
    folders.sort();
    folders.dedup();
    groups.push(("every fixture".into(), all.clone()));
    for d in folders {
        let files: Vec<PathBuf> = all.iter().filter(|f| f.parent() == Some(&d)).cloned().collect();
        let name = d.strip_prefix(&root).unwrap_or(&d).display().to_string();
        groups.push((name, files));
    }
    for f in extra {
        groups.push((f.display().to_string(), vec![f]));
    }
    println!("{:<28} {:<7} {:>14} {:>14} {:>8}", "files", "probe", base, "HEAD", "change");
    for (name, files) in &groups {
        for probe in ["walk", "chunks"] {
            let a = count(&base_bin, probe, files)?;
            let b = count(&head, probe, files)?;
            let change = 100.0 * (b as f64 - a as f64) / a.max(1) as f64;
            println!("{name:<28} {probe:<7} {a:>14} {b:>14} {change:>+7.2}%");
        }
    }
    Ok(())
}

/// HDF5 and loom fixture files under `dir`, sorted.
fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("h5" | "loom" | "h5ad"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn build_head(root: &Path) -> Result<PathBuf, String> {
    util::cargo(&["build", "--release", "-p", "loomfile-hdf5", "--example", "probe_meta"])?;
    Ok(root.join("target/release/examples/probe_meta"))
}

/// Export `rev` into `work/src`, add today's probe, build it into `work/target`.
fn build_base(root: &Path, work: &Path, rev: &str) -> Result<PathBuf, String> {
    let src = work.join("src");
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    let archive = Command::new("git")
        .args(["archive", "--format=tar", rev])
        .current_dir(root)
        .output()
        .map_err(|e| format!("git archive: {e}"))?;
    if !archive.status.success() {
        return Err(format!("git archive {rev}: {}", String::from_utf8_lossy(&archive.stderr)));
    }
    let tar = work.join("src.tar");
    std::fs::write(&tar, &archive.stdout).map_err(|e| e.to_string())?;
    util::run("tar", &["-xf", tar.to_str().unwrap_or("src.tar")], &src, &[])?;
    let probe = "crates/hdf5/examples/probe_meta.rs";
    std::fs::create_dir_all(src.join("crates/hdf5/examples")).map_err(|e| e.to_string())?;
    // The walk moved to the crate root after the hand parser (a0190fc): the probe names it
    // where the revision keeps it.
    let text = std::fs::read_to_string(root.join(probe)).map_err(|e| e.to_string())?;
    let at_root = "use loomfile_hdf5::{NodeKind, WalkOptions, walk};";
    let text = if src.join("crates/hdf5/src/model/walk.rs").exists() {
        text.replace(at_root, "use loomfile_hdf5::model::walk::{NodeKind, WalkOptions, walk};")
    } else {
        text
    };
    std::fs::write(src.join(probe), text).map_err(|e| e.to_string())?;
    let target = work.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    util::run(
        &cargo,
        &["build", "--release", "-p", "loomfile-hdf5", "--example", "probe_meta"],
        &src,
        &[("CARGO_TARGET_DIR", target.to_str().unwrap_or("target"))],
    )?;
    Ok(target.join("release/examples/probe_meta"))
}

/// Instructions executed by `bin` with `PROBE=probe` over `files`.
fn count(bin: &Path, probe: &str, files: &[PathBuf]) -> Result<u64, String> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(bin)
        .args(files)
        .env("PROBE", probe)
        .output()
        .map_err(|e| format!("valgrind (Debian package valgrind): {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| l.split("Collected : ").nth(1))
        .and_then(|n| n.trim().replace(',', "").parse().ok())
        .ok_or_else(|| format!("no instruction count from valgrind: {}", text.trim()))
}
