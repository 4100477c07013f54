//! Every `loom` command on every hostile-shape file (`fixtures/hostile/`, from
//! `fixtures/gen_hostile.py`: a few KB each, claiming 2^40-element rows, columns, attributes,
//! graphs, layers and 10x/h5ad indptr arrays with no chunk stored). Each run must end with exit
//! 0 or 1 and, on exit 1, exactly one error line on stderr (warnings aside; `validate` reports
//! on stdout). The child runs under a 1 GiB address-space cap (RLIMIT_AS, so an allocation
//! sized from a claim fails instead of succeeding lazily), its peak RSS must stay under
//! 100 MiB, and a run still going after 30 s is killed and fails the test (a hang guard, not a
//! timing assertion).

#![cfg(unix)]

mod common;

use common::*;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HANG_GUARD: Duration = Duration::from_secs(30);
const ADDRESS_SPACE: u64 = 1 << 30;
const PEAK_RSS: u64 = 100 << 20;

/// One finished run: exit code, stdout, stderr, peak RSS in bytes, wall time.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    peak_rss: u64,
    wall: Duration,
}

/// Run `loom args` under the address-space cap; `None` when it outlived the hang guard (it is
/// then killed and reaped).
fn run_capped(args: &[&str]) -> Option<Run> {
    let d = tempfile::tempdir().expect("tempdir");
    let (out, err) = (d.path().join("stdout"), d.path().join("stderr"));
    let mut cmd = Command::new(loom());
    cmd.args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"));
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: ADDRESS_SPACE, rlim_max: ADDRESS_SPACE };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    #[allow(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which also gives its rusage"
    )]
    let child = cmd.spawn().expect("spawn loom");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our child, not yet reaped; status and usage are valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if start.elapsed() > HANG_GUARD {
            // SAFETY: signalling and reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut usage);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = start.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Some(Run {
        code,
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
        peak_rss: usage.ru_maxrss as u64 * 1024,
        wall,
    })
}

/// Lines of stderr that are not warnings or progress notes.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| !l.starts_with("warning") && !l.starts_with("loom refs:"))
        .collect()
}

/// The commands run on each file (`{f}` is the file, `{o}` an output path prefix).
fn commands(file: &str, out: &str, loom_input: bool) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.replace("{f}", file).replace("{o}", out)).collect();
    let mut v: Vec<Vec<String>> = vec![
        s(&["info", "{f}"]),
        s(&["info", "--json", "{f}"]),
        s(&["attrs", "--axis", "row", "{f}"]),
        s(&["attrs", "--axis", "col", "{f}"]),
        s(&["export", "--format", "npy", "-o", "{o}.npy", "{f}"]),
        s(&["export", "--format", "mtx", "-o", "{o}.mtx", "{f}"]),
        s(&["export", "--format", "tsv", "-o", "{o}.tsv", "{f}"]),
        s(&["export", "--format", "npy", "--rows", "0:1", "-o", "{o}.1.npy", "{f}"]),
        s(&["stats", "--axis", "row", "{f}"]),
        s(&["stats", "--axis", "col", "{f}"]),
        s(&["validate", "{f}"]),
        s(&["validate", "--json", "{f}"]),
        s(&["validate", "--deep", "{f}"]),
        s(&["combine", "-o", "{o}.combined.loom", "{f}", "{f}"]),
        s(&["subset", "--rows", "0:1", "--cols", "0:1", "-o", "{o}.subset.loom", "{f}"]),
        s(&["subset", "-o", "{o}.subset_all.loom", "{f}"]),
        s(&["refs", "{f}"]),
        s(&["h5", "ls", "-r", "-v", "{f}"]),
        s(&["h5", "dump", "--json", "{f}"]),
        s(&["h5", "dump", "--no-data", "{f}"]),
    ];
    if loom_input {
        v.push(s(&["convert", "{f}", "{o}.h5ad"]));
        v.push(s(&["convert", "{f}", "{o}.mtx"]));
        v.push(s(&["convert", "{f}", "{o}.tsv"]));
    } else {
        v.push(s(&["convert", "{f}", "{o}.loom"]));
    }
    v
}

fn hostile_files() -> Vec<std::path::PathBuf> {
    let v = files(&root().join("fixtures/hostile"), &[".loom", ".h5", ".h5ad"]);
    assert!(v.len() >= 10, "fixtures/hostile holds {} files", v.len());
    v
}

#[test]
fn every_command_on_every_hostile_file_ends_cleanly_and_small() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let (mut runs, mut max_rss, mut max_wall, mut budget_errors) = (0, 0u64, Duration::ZERO, 0);
    for path in hostile_files() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let file = path.to_string_lossy().into_owned();
        let out = d.path().join(&name).to_string_lossy().into_owned();
        for args in commands(&file, &out, name.ends_with(".loom")) {
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let label = format!("{name}: loom {}", argv.join(" ").replace(&file, "FILE"));
            let Some(r) = run_capped(&argv) else {
                failures.push(format!("{label}: still running after {HANG_GUARD:?} (killed)"));
                continue;
            };
            runs += 1;
            max_rss = max_rss.max(r.peak_rss);
            max_wall = max_wall.max(r.wall);
            let errs = error_lines(&r.stderr);
            if r.stderr.contains("over the budget") || r.stdout.contains("over the budget") {
                budget_errors += 1;
            }
            // A row or column range past an empty axis is the caller's mistake (usage, exit 2).
            let range_past_empty_axis = r.code == 2
                && errs.len() == 1
                && errs[0].contains("outside 0:0")
                && name.ends_with("_empty.loom");
            if r.code != 0 && r.code != 1 && !range_past_empty_axis {
                failures.push(format!("{label}: exit {} ({})", r.code, r.stderr.trim()));
            } else if r.code == 1 && argv[0] != "validate" && errs.len() != 1 {
                failures.push(format!("{label}: exit 1 with {} error lines: {errs:?}", errs.len()));
            } else if r.code == 1 && argv[0] != "validate" && !errs[0].starts_with("error: ") {
                failures.push(format!("{label}: error line {:?}", errs[0]));
            } else if argv[0] == "validate" && errs.len() > 1 {
                failures.push(format!("{label}: {} error lines: {errs:?}", errs.len()));
            } else if argv[0] == "validate"
                && r.code == 1
                && r.stdout.trim().is_empty()
                && errs.len() != 1
            {
                // Invalid: a report on stdout, or (not a loom file) one error line.
                failures.push(format!("{label}: invalid without a report or an error line"));
            }
            if r.code == 0 && r.stderr.contains("panicked") {
                failures.push(format!("{label}: panic on stderr"));
            }
            if r.peak_rss > PEAK_RSS {
                failures.push(format!("{label}: peak RSS {} MiB", r.peak_rss >> 20));
            }
        }
    }
    eprintln!(
        "hostile shapes: {runs} runs, peak RSS at most {:.1} MiB, longest run {:.2} s, \
         {budget_errors} refused by the work budget",
        max_rss as f64 / (1 << 20) as f64,
        max_wall.as_secs_f64()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    // The budget, not some other accident, refuses the claims.
    assert!(budget_errors >= 20, "only {budget_errors} runs were refused by the budget");
}

/// The claims that are refused name the object, the size, the budget and the flag.
#[test]
fn budget_errors_name_object_size_limit_and_flag() {
    let f = root().join("fixtures/hostile/rows.loom");
    let f = f.to_string_lossy();
    let r = run_capped(&["stats", "--axis", "col", &f]).expect("stats finished");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errs = error_lines(&r.stderr);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = errs[0];
    for want in ["/matrix", &(2u64 << 40).to_string(), &(1u64 << 34).to_string(), "--max-elements"]
    {
        assert!(e.contains(want), "{e:?} lacks {want:?}");
    }
    let r = run_capped(&[
        "attrs",
        "--axis",
        "col",
        &root().join("fixtures/hostile/col_attr.loom").to_string_lossy(),
    ])
    .expect("attrs finished");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("/col_attrs/Huge") && r.stderr.contains("1099511627776"),
        "{}",
        r.stderr
    );
}

/// `--max-elements` moves the budget both ways: a small budget refuses a small real file,
/// and the default lets the same command through.
#[test]
fn max_elements_flag_sets_the_budget() {
    let f = root().join("fixtures/loom/medium.loom");
    let f = f.to_string_lossy();
    let ok = run_capped(&["stats", "--axis", "row", &f]).expect("finished");
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.lines().count() > 1);
    let refused =
        run_capped(&["--max-elements", "10", "stats", "--axis", "row", &f]).expect("finished");
    assert_eq!(refused.code, 1);
    let errs = error_lines(&refused.stderr);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("over the budget of 10 elements"), "{}", errs[0]);
    // Global: accepted after the subcommand too.
    let after =
        run_capped(&["attrs", "--axis", "row", &f, "--max-elements", "1"]).expect("finished");
    assert_eq!(after.code, 1, "{}", after.stderr);
    assert!(after.stderr.contains("--max-elements"), "{}", after.stderr);
}

#[test]
fn hostile_files_are_small() {
    for p in hostile_files() {
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(u64::MAX);
        assert!(len < 64 << 10, "{}: {len} bytes", p.display());
        assert!(Path::new(&p).exists());
    }
}
