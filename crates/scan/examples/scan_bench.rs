//! Timing of the scan crate on one loom file, next to an inflate-only loop over the same
//! chunks (the decompression limit). A measurement, not a test.
//!
//! ```sh
//! target/venv/bin/python crates/scan/examples/gen_medium.py target/bench-data/medium.loom
//! cargo run --release -p loomfile-scan --example scan_bench -- target/bench-data/medium.loom
//! ```
//!
//! Options: `--dataset PATH` (default `/matrix`), `--reps N` (default 5), `--threads 1,2`,
//! `--mem` (load the file into memory: zero-copy chunk access, instead of pread),
//! `--only NAME[,NAME]` (run only these operations), `--json PATH` (also write every figure
//! as JSON lines `{"threads", "op", "median_s", "best_s", "inflate_ratio", "peak_kib",
//! "base_kib"}`, read by `cargo xtask bench`). The resident-memory peak is reset before each
//! operation's runs (Linux): `peak_kib - base_kib` is what the operation added on top of
//! what the process already held (the file's bytes, the full-read buffer once touched).
//! Prints the median and best of N runs per operation and the load average before and after.

#[path = "../../../bench/rss.rs"]
mod rss;
#[path = "../../../bench/timing.rs"]
mod timing;

use flate2::{Decompress, FlushDecompress};
use loomfile_hdf5::File;
use loomfile_scan::{Axis, Matrix, ScanOptions, Selection};
use rayon::prelude::*;
use std::time::{Duration, Instant};
use timing::time;

struct Args {
    path: String,
    dataset: String,
    reps: usize,
    threads: Vec<usize>,
    mem: bool,
    only: Option<Vec<String>>,
    json: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        path: String::new(),
        dataset: "/matrix".into(),
        reps: 5,
        threads: vec![1, 2],
        mem: false,
        only: None,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut val = || it.next().ok_or(format!("{x} needs a value"));
        match x.as_str() {
            "--dataset" => a.dataset = val()?,
            "--reps" => a.reps = val()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--threads" => {
                a.threads = val()?
                    .split(',')
                    .map(|t| t.parse().map_err(|e| format!("--threads: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--mem" => a.mem = true,
            "--json" => a.json = Some(val()?),
            "--only" => a.only = Some(val()?.split(',').map(String::from).collect()),
            p if a.path.is_empty() => a.path = p.to_string(),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if a.path.is_empty() {
        return Err("usage: scan_bench FILE.loom [--dataset P] [--reps N] [--threads 1,2] [--mem] [--only a,b]".into());
    }
    Ok(a)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string()
}

/// Interleaved pairs (inflate-only run, operation run), after one warm-up of each: the
/// median and best operation time, and the median of the per-pair ratios (robust to the
/// load of a shared machine drifting between runs).
fn paired(
    reps: usize,
    inflate: &mut dyn FnMut(),
    mut f: impl FnMut(),
) -> (Duration, Duration, f64) {
    inflate();
    f();
    let mut times = Vec::new();
    let mut ratios = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        inflate();
        let base = t.elapsed();
        let t = Instant::now();
        f();
        let op = t.elapsed();
        times.push(op);
        ratios.push(op.as_secs_f64() / base.as_secs_f64());
    }
    times.sort();
    ratios.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0], ratios[ratios.len() / 2])
}

/// Small deterministic generator for random picks.
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    let bytes = std::fs::read(&a.path)?;
    let file = if a.mem { File::from_bytes(bytes.clone())? } else { File::open(&a.path)? };
    let ds = file.dataset(&a.dataset)?;
    let m = Matrix::new(&ds)?;
    let (nr, nc) = m.shape();
    let chunks = ds.chunks()?;
    let base = file.source().base as usize;
    let chunk_bytes = ds.geometry().map(|g| g.chunk_bytes as usize).unwrap_or(0);
    let stored: Vec<&[u8]> = chunks
        .entries()?
        .iter()
        .map(|e| &bytes[base + e.address as usize..base + (e.address + e.size) as usize])
        .collect();
    let comp: usize = stored.iter().map(|s| s.len()).sum();
    println!(
        "{}:{} {nr} x {nc} {:?}, tiles {:?}, {} chunks, {:.1} MB stored, {:.1} MB decoded; {}",
        a.path,
        a.dataset,
        m.kind(),
        m.tile_shape(),
        stored.len(),
        comp as f64 / 1e6,
        (stored.len() * chunk_bytes) as f64 / 1e6,
        if a.mem { "in memory (zero-copy)" } else { "pread" }
    );
    println!("load average before: {}", loadavg());
    let want = |name: &str| a.only.as_ref().is_none_or(|o| o.iter().any(|x| x == name));
    let mut full = vec![0f32; (nr * nc) as usize];
    let lines = std::sync::Mutex::new(Vec::<String>::new());
    for &t in &a.threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build()?;
        println!("\n== {t} thread(s) ==   [median / best of {}]", a.reps);
        // Resident size when the current operation's peak was reset.
        let base = std::sync::atomic::AtomicU64::new(rss::reset_peak());
        let report = |name: &str, (med, best): (Duration, Duration), ratio: Option<f64>| {
            let (peak, b) = (rss::peak_kib(), base.load(std::sync::atomic::Ordering::Relaxed));
            if let Ok(mut l) = lines.lock() {
                l.push(format!(
                    "{{\"threads\": {t}, \"op\": \"{name}\", \"median_s\": {}, \"best_s\": {}, \"inflate_ratio\": {}, \"peak_kib\": {peak}, \"base_kib\": {b}}}",
                    med.as_secs_f64(),
                    best.as_secs_f64(),
                    ratio.map_or("null".to_string(), |r| format!("{r}"))
                ));
            }
            base.store(rss::reset_peak(), std::sync::atomic::Ordering::Relaxed);
            let ratio = ratio.map(|r| format!("  {r:.2}x inflate (paired median)"));
            println!(
                "{name:<34} {:>9.2} ms / {:>9.2} ms{}",
                med.as_secs_f64() * 1e3,
                best.as_secs_f64() * 1e3,
                ratio.unwrap_or_default()
            );
        };
        pool.install(|| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            let mut inflate_once = || {
                stored.par_iter().for_each_init(
                    || (Decompress::new(true), vec![0u8; chunk_bytes]),
                    |(d, out), src| {
                        d.reset(true);
                        let st = d.decompress(src, out, FlushDecompress::Finish);
                        assert!(matches!(st, Ok(flate2::Status::StreamEnd)));
                    },
                )
            };
            report("inflate only (zlib-rs, in memory)", time(a.reps, &mut inflate_once), None);
            let reps = a.reps;
            // An operation timed in pairs with the inflate-only loop.
            let mut pair = |name: &str, f: &mut dyn FnMut()| {
                let (med, best, ratio) = paired(reps, &mut inflate_once, f);
                report(name, (med, best), Some(ratio));
            };
            if want("open") {
                let open = || {
                    if a.mem {
                        File::from_bytes(bytes.clone()).unwrap()
                    } else {
                        File::open(&a.path).unwrap()
                    }
                };
                report(
                    "open",
                    time(reps.max(20), || {
                        let f = open();
                        std::hint::black_box(f.dataset(&a.dataset).unwrap());
                    }),
                    None,
                );
                // What the first read adds: the chunk index, read and planned.
                report(
                    "open + chunk index",
                    time(reps.max(20), || {
                        let f = open();
                        let ds = f.dataset(&a.dataset).unwrap();
                        std::hint::black_box(Matrix::new(&ds).unwrap());
                    }),
                    None,
                );
            }
            if want("full") {
                pair("full read, fresh Vec", &mut || {
                    let v: Vec<f32> = m.read(&Selection::All, &Selection::All).unwrap();
                    std::hint::black_box(v);
                });
                pair("full read, reused buffer", &mut || {
                    m.read_into(&Selection::All, &Selection::All, &mut full).unwrap()
                });
            }
            for (name, axis) in [("scan axis 0", Axis::Rows), ("scan axis 1", Axis::Cols)] {
                if !want(if axis == Axis::Rows { "scan0" } else { "scan1" }) {
                    continue;
                }
                pair(&format!("{name}, batches recycled"), &mut || {
                    let mut s = m.scan::<f32>(axis, ScanOptions::default());
                    while let Some(batch) = s.next() {
                        s.recycle(batch.unwrap());
                    }
                });
                pair(&format!("{name}, fresh batches"), &mut || {
                    for batch in m.scan::<f32>(axis, ScanOptions::default()) {
                        std::hint::black_box(batch.unwrap());
                    }
                });
            }
            if want("stats") {
                pair("stats both axes (one pass)", &mut || {
                    m.stats_both().unwrap();
                });
                pair("stats axis 0", &mut || {
                    m.stats(Axis::Rows).unwrap();
                });
                pair("stats axis 1", &mut || {
                    m.stats(Axis::Cols).unwrap();
                });
            }
            if want("csr") {
                pair("to_csr", &mut || {
                    m.to_csr::<f32>().unwrap();
                });
            }
            if want("cols1000") {
                let mut k = 0u64;
                pair("1,000 random columns", &mut || {
                    k += 1;
                    let cols = Selection::Index(picks(nc, 1000, k));
                    let v: Vec<f32> = m.read(&Selection::All, &cols).unwrap();
                    std::hint::black_box(v);
                });
            }
            if want("small") {
                let reps = a.reps.max(20);
                let mut k = 0u64;
                report(
                    "1 row",
                    time(reps, || {
                        k += 1;
                        let r = (k * 7919) % nr;
                        let v: Vec<f32> =
                            m.read(&Selection::Range(r, r + 1), &Selection::All).unwrap();
                        std::hint::black_box(v);
                    }),
                    None,
                );
                report(
                    "1 column",
                    time(reps, || {
                        k += 1;
                        let c = (k * 7919) % nc;
                        let v: Vec<f32> =
                            m.read(&Selection::All, &Selection::Range(c, c + 1)).unwrap();
                        std::hint::black_box(v);
                    }),
                    None,
                );
                report(
                    "64 rows one by one",
                    time(reps, || {
                        k += 1;
                        let r0 = (k * 7919) % (nr - nr.min(64));
                        for r in r0..r0 + nr.min(64) {
                            let v: Vec<f32> =
                                m.read(&Selection::Range(r, r + 1), &Selection::All).unwrap();
                            std::hint::black_box(v);
                        }
                    }),
                    None,
                );
                report(
                    "10 random rows",
                    time(reps, || {
                        k += 1;
                        let rows = Selection::Index(picks(nr, 10, k));
                        let v: Vec<f32> = m.read(&rows, &Selection::All).unwrap();
                        std::hint::black_box(v);
                    }),
                    None,
                );
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    }
    println!("\nload average after: {}", loadavg());
    if let Some(p) = &a.json {
        let l = lines.lock().map_err(|_| "poisoned")?;
        std::fs::write(p, l.join("\n") + "\n")?;
    }
    Ok(())
}
