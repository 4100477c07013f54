//! kill -9 soak (reliability goal B6, black box): a child process edits a loom file in a loop,
//! one committed operation per iteration, and the parent SIGKILLs it at random moments.
//! After every kill the file must open, with loomfile and with h5py, as a committed state:
//! the edited object holding exactly the value of the last iteration the child reported, or
//! of the next one (committed but not yet reported), and every other object unchanged.
//!
//! One test per operation: set a column attribute, set a global attribute, add (replace) a
//! layer, add columns (`ops::add_columns`, cumulative), set a column graph. The child is this
//! test binary itself, re-executed with `LOOMFILE_SOAK_WORKER=<op>` to run [`soak_worker`]
//! (which does nothing without it); it reports `soak: ready` once the file is open and
//! `soak: done <i>` after each commit. The parent waits for `ready`, sleeps a random time of
//! up to ~3 iterations (calibrated per operation) and kills it with `Child::kill` (SIGKILL on
//! Unix), so kills land anywhere in an iteration: staging, appending, either fsync, the
//! superblock write. The next child continues on the same (growing) file from the state found.
//!
//! Expected states are built by replaying the operation on an in-memory copy of the base
//! file, and compared as loomfile's canonical form (`loomcanon`), the form
//! `tests/interop/loomtruth.py` produces from h5py; `last_modified` (a timestamp) is left out.
//! Killed states are copied aside (every other one at the default 200 kills: about 100 per
//! operation, as the file grows with every commit) and one Python process checks them all
//! with h5py at the end of each test; its verdict must match loomfile's for each state.
//!
//! Kills per operation: 200, or `LOOMFILE_KILLS`. Run with `--nocapture` for the tables.
//! Needs the Python stack: LOOMFILE_PYTHON, else target/venv (`cargo xtask venv`).

mod common;
mod loomcanon;

use loomfile::ops::{Block, FillValues};
use loomfile::{Axis, Contents, Graph, LayerData, LoomFile, Values};
use loomfile_hdf5::storage::MemStorage;
use ndarray::Array2;
use serde_json::{Value as J, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WORKER: &str = "LOOMFILE_SOAK_WORKER";
/// At most about this many killed states per operation are copied for h5py.
const H5PY_STATES: u64 = 100;
const ROWS: usize = 24;
const COLS: usize = 30;

/// SplitMix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    ColAttr,
    Global,
    Layer,
    AddColumns,
    Graph,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::ColAttr => "set_attr (column)",
            Op::Global => "set_global",
            Op::Layer => "set_layer (add/replace)",
            Op::AddColumns => "add_columns",
            Op::Graph => "set_graph (column)",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Op::ColAttr => "col_attr",
            Op::Global => "global",
            Op::Layer => "layer",
            Op::AddColumns => "add_columns",
            Op::Graph => "graph",
        }
    }
    fn parse(s: &str) -> Op {
        [Op::ColAttr, Op::Global, Op::Layer, Op::AddColumns, Op::Graph]
            .into_iter()
            .find(|o| o.key() == s)
            .unwrap_or_else(|| panic!("unknown soak operation {s:?}"))
    }
    /// Whether iteration i builds on iteration i-1 (otherwise it replaces one object).
    fn cumulative(self) -> bool {
        self == Op::AddColumns
    }
}

/// Iteration `i` (>= 1) of `op`, one atomic commit.
fn apply(f: &mut LoomFile, op: Op, i: u64) -> loomfile::Result<()> {
    let (n, m) = (f.shape().0 as usize, f.shape().1 as usize);
    match op {
        Op::ColAttr => {
            let v: Vec<i64> = (0..m as i64).map(|j| i as i64 * 100_000 + j).collect();
            f.set_attr(Axis::Cols, "soak", &Values::from_vec(v))
        }
        Op::Global => f.set_global(
            "soak",
            &Values::strings(&[format!("iteration {i}"), "é".repeat((i % 5) as usize)]),
        ),
        Op::Layer => {
            let a = Array2::<f32>::from_shape_fn((n, m), |(r, c)| {
                (i as f32) * 0.5 + (r * m + c) as f32 * 0.001
            });
            f.set_layer("soak", LayerData::Dense(a.view()))
        }
        Op::AddColumns => {
            let k = 2;
            let a = Array2::<f32>::from_shape_fn((n, k), |(r, c)| {
                ((i as usize * 7 + r + c) % 50) as f32
            });
            let names = f.layer_names();
            let layers: Vec<(&str, Block<'_>)> =
                names.iter().map(|l| (l.as_str(), Block::from(&a))).collect();
            let ids: Vec<String> = (0..k).map(|j| format!("soak-{i}-{j}")).collect();
            f.add_columns(
                &layers,
                &[
                    ("CellID", Values::strings(&ids)),
                    ("ClusterID", Values::from_vec(vec![i as i64; k])),
                ],
                &[],
                &FillValues::Auto,
            )
        }
        Op::Graph => {
            let e = 1 + (i % 9) as usize;
            let g = Graph {
                a: (0..e).map(|x| ((i as usize + x) % m) as u64).collect(),
                b: (0..e).map(|x| ((i as usize * 3 + 2 * x) % m) as u64).collect(),
                w: (0..e).map(|x| i as f64 + x as f64 / 8.0).collect(),
            };
            f.set_graph(Axis::Cols, "soak", &g)
        }
    }
}

/// The base file: a main matrix, an integer layer, row and column attributes (strings and
/// numbers), a column graph and a global.
fn make_base(path: &Path) {
    let matrix =
        Array2::<f32>::from_shape_fn((ROWS, COLS), |(r, c)| ((r * 31 + c * 17) % 13) as f32);
    let contents = Contents {
        row_attrs: vec![
            ("Gene", Values::strings(&(0..ROWS).map(|r| format!("gene{r}")).collect::<Vec<_>>())),
            ("Chromosome", Values::from_vec((0..ROWS as i64).map(|r| r % 23).collect())),
        ],
        col_attrs: vec![
            ("CellID", Values::strings(&(0..COLS).map(|c| format!("cell{c}")).collect::<Vec<_>>())),
            ("ClusterID", Values::from_vec((0..COLS as i64).map(|c| c % 4).collect())),
        ],
        file_attrs: vec![("title", Values::string("kill soak base"))],
    };
    LoomFile::create(path, LayerData::Dense(matrix.view()), &contents).unwrap();
    let mut f = LoomFile::open_rw(path).unwrap();
    let spliced = Array2::<u16>::from_shape_fn((ROWS, COLS), |(r, c)| ((r + 2 * c) % 7) as u16);
    f.set_layer("spliced", LayerData::Dense(spliced.view())).unwrap();
    let g = Graph { a: vec![0, 1, 2], b: vec![1, 2, 0], w: vec![0.5, 1.0, 2.0] };
    f.set_graph(Axis::Cols, "knn", &g).unwrap();
    f.close().unwrap();
}

/// The canonical content without the `last_modified` timestamp.
fn canon(f: &LoomFile) -> J {
    let mut j = loomcanon::file(f);
    if let Some(g) = j.get_mut("globals").and_then(J::as_object_mut) {
        g.remove("last_modified");
    }
    j
}

/// The canonical content of the file at `path` as loomfile reads it, or why it cannot be read.
fn read_state(path: &Path) -> Result<J, String> {
    // The tests of this binary run in parallel threads and spawn children: a child forked
    // while this thread holds a file open keeps that open file (and its flock) until it
    // execs, so a lock conflict right after our own close is that window, not a holder to
    // report. Retry it briefly; any other error is returned at once.
    let mut tries = 0;
    let f = loop {
        match LoomFile::open(path) {
            Ok(f) => break f,
            Err(loomfile::Error::Hdf5(loomfile_hdf5::Error::Locked(_))) if tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(format!("open: {e}")),
        }
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| canon(&f)))
        .map_err(|p| format!("read: {}", p.downcast_ref::<String>().cloned().unwrap_or_default()))
}

/// Expected canonical states by iteration, replayed on an in-memory copy of the base file.
struct Expected {
    base: Vec<u8>,
    op: Op,
    memo: HashMap<u64, J>,
    /// For cumulative operations: the replay so far and its iteration.
    replay: Option<(u64, LoomFile)>,
}

impl Expected {
    fn open(&self) -> LoomFile {
        LoomFile::from_storage(Arc::new(MemStorage::new(self.base.clone()))).unwrap()
    }

    fn get(&mut self, n: u64) -> J {
        if let Some(j) = self.memo.get(&n) {
            return j.clone();
        }
        let j = if !self.op.cumulative() {
            let mut f = self.open();
            if n > 0 {
                apply(&mut f, self.op, n).unwrap();
            }
            canon(&f)
        } else {
            if self.replay.as_ref().is_none_or(|(m, _)| *m > n) {
                self.replay = Some((0, self.open()));
            }
            let (m, f) = self.replay.as_mut().unwrap();
            while *m < n {
                *m += 1;
                apply(f, self.op, *m).unwrap();
            }
            canon(f)
        };
        self.memo.insert(n, j.clone());
        j
    }
}

fn worker_command(op: Op, file: &Path, start: u64, limit: Option<u64>, stderr: &Path) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["soak_worker", "--exact", "--nocapture", "--test-threads", "1", "-q"])
        .env(WORKER, op.key())
        .env("LOOMFILE_SOAK_FILE", file)
        .env("LOOMFILE_SOAK_START", start.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(stderr).unwrap()));
    if let Some(l) = limit {
        c.env("LOOMFILE_SOAK_LIMIT", l.to_string());
    }
    c
}

/// A running worker and the lines it printed, read on a thread.
struct Worker {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    reader: std::thread::JoinHandle<()>,
}

impl Worker {
    fn spawn(mut cmd: Command) -> Worker {
        let mut child = cmd.spawn().expect("spawn the worker");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("soak: ") && tx.send(line).is_err() {
                    break;
                }
            }
        });
        Worker { child, lines, reader }
    }

    /// Wait for `soak: ready`; `None` if the worker ended first.
    fn ready(&self, timeout: Duration) -> Option<()> {
        match self.lines.recv_timeout(timeout) {
            Ok(l) if l == "soak: ready" => Some(()),
            Ok(l) => panic!("unexpected first line {l:?}"),
            Err(_) => None,
        }
    }

    /// Every `done` iteration printed until the worker's stdout closes.
    fn finish(self) -> (std::process::ExitStatus, Vec<u64>) {
        let mut child = self.child;
        let status = child.wait().unwrap();
        self.reader.join().unwrap();
        let done = self
            .lines
            .try_iter()
            .filter_map(|l| l.strip_prefix("soak: done ").map(|x| x.parse::<u64>().unwrap()))
            .collect();
        (status, done)
    }
}

/// Time per iteration, from a worker run of `n` iterations on a scratch copy of the base.
fn calibrate(op: Op, base: &Path, dir: &Path) -> Duration {
    let scratch = dir.join("calibrate.loom");
    std::fs::copy(base, &scratch).unwrap();
    let n = 8;
    let w = Worker::spawn(worker_command(op, &scratch, 1, Some(n), &dir.join("calibrate.err")));
    w.ready(Duration::from_secs(120)).expect("the calibration worker starts");
    let t = Instant::now();
    let (status, done) = w.finish();
    let el = t.elapsed();
    let err = std::fs::read_to_string(dir.join("calibrate.err")).unwrap_or_default();
    assert!(status.success(), "calibration worker failed: {status}\n{err}");
    assert_eq!(done, (1..=n).collect::<Vec<_>>());
    el / n as u32
}

const CHECK_H5PY: &str = r#"
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("loomtruth", sys.argv[1])
lt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lt)
for case in json.load(open(sys.argv[2])):
    try:
        t = lt.truth(case["file"])
        t["globals"].pop("last_modified", None)
        t = json.loads(json.dumps(t))
    except Exception as e:
        print(json.dumps({"file": case["file"], "h5py": "error", "detail": repr(e)[:300]}), flush=True)
        continue
    old, new = json.load(open(case["old"])), json.load(open(case["new"]))
    got = "old" if t == old else "new" if t == new else "other"
    print(json.dumps({"file": case["file"], "h5py": got}), flush=True)
"#;

#[derive(Default)]
struct Tally {
    kills: u64,
    old: u64,
    new: u64,
    other: u64,
    iterations: u64,
    torn_tail: u64,
    h5py_old: u64,
    h5py_new: u64,
    h5py_other: u64,
}

fn soak(op: Op) {
    let kills: u64 =
        std::env::var("LOOMFILE_KILLS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = d.join("base.loom");
    make_base(&base);
    let file = d.join("soak.loom");
    std::fs::copy(&base, &file).unwrap();
    let states = d.join("states");
    std::fs::create_dir(&states).unwrap();
    let mut expected =
        Expected { base: std::fs::read(&base).unwrap(), op, memo: HashMap::new(), replay: None };
    assert_eq!(read_state(&base).expect("the base reads"), expected.get(0));

    let per_iter = calibrate(op, &base, d);
    let window = (per_iter * 3).max(Duration::from_millis(2));
    let mut rng = Rng(0x50a4 ^ op as u64);
    let mut t = Tally::default();
    let mut cur = 0u64;
    let mut failures = Vec::new();
    let mut manifest = Vec::new();
    let mut expect_files: HashMap<u64, PathBuf> = HashMap::new();
    let mut expect_file = |n: u64, e: &mut Expected| -> PathBuf {
        expect_files
            .entry(n)
            .or_insert_with(|| {
                let p = d.join(format!("expect-{n}.json"));
                std::fs::write(&p, serde_json::to_vec(&e.get(n)).unwrap()).unwrap();
                p
            })
            .clone()
    };
    // The base itself goes through h5py too: both readers agree before any kill.
    let p0 = expect_file(0, &mut expected);
    manifest.push(json!({"file": base, "old": p0, "new": p0, "engine": "old"}));
    let stderr = d.join("worker.err");
    let step = (kills / H5PY_STATES).max(1);
    for k in 0..kills {
        let w = Worker::spawn(worker_command(op, &file, cur + 1, None, &stderr));
        if w.ready(Duration::from_secs(120)).is_none() {
            let (status, _) = w.finish();
            let err = std::fs::read_to_string(&stderr).unwrap_or_default();
            panic!("kill {k}: the worker ended before opening the file: {status}\n{err}");
        }
        let delay = Duration::from_nanos(rng.below(window.as_nanos() as u64));
        std::thread::sleep(delay);
        let mut w = w;
        if let Ok(Some(status)) = w.child.try_wait() {
            let err = std::fs::read_to_string(&stderr).unwrap_or_default();
            panic!("kill {k}: the worker exited by itself: {status}\n{err}");
        }
        w.child.kill().expect("SIGKILL the worker");
        let (_, done) = w.finish();
        if let Some((i, &x)) = done.iter().enumerate().find(|(i, x)| **x != cur + 1 + *i as u64) {
            panic!("kill {k}: iteration {x} reported at position {i} (from {})", cur + 1);
        }
        let last = done.last().copied().unwrap_or(cur);
        t.kills += 1;
        t.iterations += done.len() as u64;
        let old = expected.get(last);
        let new = expected.get(last + 1);
        let engine = match read_state(&file) {
            Ok(j) if j == old => {
                t.old += 1;
                cur = last;
                "old"
            }
            Ok(j) if j == new => {
                t.new += 1;
                cur = last + 1;
                "new"
            }
            Ok(j) => {
                t.other += 1;
                let diff = loomcanon::diff(&new, &j, 6);
                failures.push(format!("kill {k} (after {last}): neither state: {diff:?}"));
                "other"
            }
            Err(e) => {
                t.other += 1;
                failures.push(format!("kill {k} (after {last}): unreadable: {e}"));
                "other"
            }
        };
        // Bytes past the committed end of file: the kill hit a transaction after it had
        // appended, before its superblock write.
        if let Ok(h) = loomfile_hdf5::File::open(&file)
            && std::fs::metadata(&file).unwrap().len() > h.superblock().eof
        {
            t.torn_tail += 1;
        }
        // h5py checks a copy of every state, or of every `step`-th one for long soaks (the
        // file grows with every commit).
        if k % step == 0 || engine == "other" {
            let copy = states.join(format!("k{k:05}.loom"));
            std::fs::copy(&file, &copy).unwrap();
            let po = expect_file(last, &mut expected);
            let pn = expect_file(last + 1, &mut expected);
            manifest.push(json!({"file": copy, "old": po, "new": pn, "engine": engine}));
        }
        if engine == "other" {
            break;
        }
    }
    let soak_time = started.elapsed();

    // h5py over every killed state, in one process.
    let script = d.join("check.py");
    std::fs::write(&script, CHECK_H5PY).unwrap();
    let mpath = d.join("manifest.json");
    std::fs::write(&mpath, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let truth = common::root().join("tests/interop/loomtruth.py");
    let out = Command::new(common::python()).arg(&script).arg(&truth).arg(&mpath).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "h5py check failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<J> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(results.len(), manifest.len(), "h5py checked every state");
    for (i, (r, m)) in results.iter().zip(&manifest).enumerate() {
        let h = r["h5py"].as_str().unwrap();
        match h {
            "old" if i > 0 => t.h5py_old += 1,
            "new" => t.h5py_new += 1,
            "old" => {}
            _ => t.h5py_other += 1,
        }
        if h != m["engine"].as_str().unwrap() {
            failures.push(format!("{}: h5py reads {h}, loomfile {} ({r})", m["file"], m["engine"]));
        }
    }
    eprintln!(
        "\nB6 kill -9 soak, {}: kill window {window:?} (one iteration {per_iter:?}), file {} KiB \
         at the end; soak {:.1}s, with h5py {:.1}s",
        op.name(),
        std::fs::metadata(&file).unwrap().len() >> 10,
        soak_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    eprintln!(
        "{:<24} {:>6} {:>6} {:>6} {:>6} {:>10} {:>9} | {:>6} {:>9} {:>9} {:>10}",
        "operation",
        "kills",
        "old",
        "new",
        "other",
        "iterations",
        "torn tail",
        "h5py n",
        "h5py old",
        "h5py new",
        "h5py other"
    );
    eprintln!(
        "{:<24} {:>6} {:>6} {:>6} {:>6} {:>10} {:>9} | {:>6} {:>9} {:>9} {:>10}",
        op.name(),
        t.kills,
        t.old,
        t.new,
        t.other,
        t.iterations,
        t.torn_tail,
        t.h5py_old + t.h5py_new + t.h5py_other,
        t.h5py_old,
        t.h5py_new,
        t.h5py_other
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(t.kills, kills);
    assert_eq!(t.other + t.h5py_other, 0);
    assert!(t.new > 0 && t.old > 0, "kills landed on both sides of commits");
}

/// The child: LOOMFILE_SOAK_WORKER=<op> runs iterations LOOMFILE_SOAK_START.. on
/// LOOMFILE_SOAK_FILE (LOOMFILE_SOAK_LIMIT of them, or until killed). A no-op otherwise.
#[test]
fn soak_worker() {
    let Ok(op) = std::env::var(WORKER) else { return };
    let op = Op::parse(&op);
    let file = PathBuf::from(std::env::var_os("LOOMFILE_SOAK_FILE").unwrap());
    let start: u64 = std::env::var("LOOMFILE_SOAK_START").unwrap().parse().unwrap();
    let limit: Option<u64> = std::env::var("LOOMFILE_SOAK_LIMIT").ok().map(|s| s.parse().unwrap());
    // Another test's child may hold an inherited copy of a lock for an instant (between fork
    // and exec): retry briefly.
    let mut tries = 0;
    let mut f = loop {
        match LoomFile::open_rw(&file) {
            Ok(f) => break f,
            Err(e) if tries < 100 => {
                tries += 1;
                if tries == 100 {
                    panic!("open_rw {}: {e}", file.display());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("open_rw {}: {e}", file.display()),
        }
    };
    use std::io::Write;
    let mut out = std::io::stdout();
    writeln!(out, "soak: ready").unwrap();
    out.flush().unwrap();
    let mut i = start;
    loop {
        apply(&mut f, op, i).unwrap_or_else(|e| panic!("iteration {i}: {e}"));
        writeln!(out, "soak: done {i}").unwrap();
        out.flush().unwrap();
        if limit.is_some_and(|l| i + 1 - start >= l) {
            break;
        }
        i += 1;
    }
    f.close().unwrap();
}

#[test]
fn kill_soak_set_col_attr() {
    soak(Op::ColAttr);
}

#[test]
fn kill_soak_set_global() {
    soak(Op::Global);
}

#[test]
fn kill_soak_set_layer() {
    soak(Op::Layer);
}

#[test]
fn kill_soak_add_columns() {
    soak(Op::AddColumns);
}

#[test]
fn kill_soak_set_graph() {
    soak(Op::Graph);
}
