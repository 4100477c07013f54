//! The rivals' side of `cargo xtask bench`: hdf5-reader 0.12.1 and hdf5-pure 0.47.0 (pinned)
//! doing the operations of scan_bench on a loom file's `/matrix` where their APIs can.
//!
//! `rivals-bench FILE --reps N --threads 1,2 --json OUT`: one JSON line per (crate, threads,
//! operation) with the median and best of N timed runs after one warm-up. Operation names
//! are scan_bench's, so the report puts them in the same rows.
//!
//! - hdf5-reader: `Hdf5File::open` (mmap), `read_array_in_pool` for full reads (its rayon
//!   path, in a pool of the given threads), `read_slice` / `read_slice_parallel` for rows,
//!   columns and bands (scans walk bands of 64 rows or columns, the chunk size); its 64 MiB
//!   chunk cache stays on, as shipped.
//! - hdf5-pure: `File::open` (reads the file into memory), `read_f32` for full reads and
//!   `read_f32_rows` for row windows; it has no column or general hyperslab read and no
//!   threads, so it runs with 1 thread and only on row-shaped operations.

#[path = "../../timing.rs"]
mod timing;

use hdf5_reader::{Hdf5File, SliceInfo, SliceInfoElem};
use std::time::Duration;
use timing::time;

struct Args {
    file: String,
    reps: usize,
    threads: Vec<usize>,
    json: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut a = Args { file: String::new(), reps: 3, threads: vec![1, 2], json: None };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--reps" => a.reps = it.next().and_then(|v| v.parse().ok()).ok_or("--reps N")?,
            "--threads" => {
                a.threads = it
                    .next()
                    .ok_or("--threads 1,2")?
                    .split(',')
                    .map(|t| t.parse::<usize>().map_err(|e| e.to_string()))
                    .collect::<Result<_, _>>()?
            }
            "--json" => a.json = Some(it.next().ok_or("--json OUT")?),
            f if a.file.is_empty() => a.file = f.to_string(),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.file.is_empty() {
        return Err("usage: rivals-bench FILE [--reps N] [--threads 1,2] [--json OUT]".into());
    }
    Ok(a)
}


/// `n` distinct indices below `len`, sorted (deterministic for round `k`).
fn picks(len: u64, n: usize, k: u64) -> Vec<u64> {
    let mut s = k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut v: Vec<u64> = Vec::with_capacity(n);
    while v.len() < n.min(len as usize) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let x = s % len;
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v.sort_unstable();
    v
}

fn range(a: u64, b: u64) -> SliceInfoElem {
    SliceInfoElem::Slice { start: a, end: b, step: 1 }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    let mut lines: Vec<String> = Vec::new();
    let mut report = |rival: &str, t: usize, op: &str, how: &str, (med, best): (Duration, Duration)| {
        println!(
            "{rival:<12} {t} thread(s)  {op:<34} {:>9.2} ms / {:>9.2} ms",
            med.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e3
        );
        lines.push(format!(
            "{{\"rival\": \"{rival}\", \"threads\": {t}, \"op\": \"{op}\", \"median_s\": {}, \"best_s\": {}, \"how\": \"{how}\"}}",
            med.as_secs_f64(),
            best.as_secs_f64()
        ));
    };
    let reps = a.reps;

    // ----- hdf5-reader -----
    let f = Hdf5File::open(&a.file)?;
    let ds = f.dataset("/matrix")?;
    let (nr, nc) = (ds.shape()[0], ds.shape()[1]);
    for &t in &a.threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build()?;
        let r = "hdf5-reader";
        report(r, t, "open", "Hdf5File::open + dataset", time(reps.max(20), || {
            let f = Hdf5File::open(&a.file).unwrap();
            std::hint::black_box(f.dataset("/matrix").unwrap());
        }));
        report(r, t, "full read, fresh Vec", "read_array_in_pool", time(reps, || {
            std::hint::black_box(ds.read_array_in_pool::<f32>(&pool).unwrap());
        }));
        for (op, rows) in [("scan axis 0, fresh batches", true), ("scan axis 1, fresh batches", false)] {
            let n = if rows { nr } else { nc };
            report(r, t, op, "read_slice_parallel per 64-band", time(reps, || {
                pool.install(|| {
                    let mut s = 0;
                    while s < n {
                        let e = (s + 64).min(n);
                        let sel = if rows {
                            vec![range(s, e), range(0, nc)]
                        } else {
                            vec![range(0, nr), range(s, e)]
                        };
                        let b = ds.read_slice_parallel::<f32>(&SliceInfo { selections: sel }).unwrap();
                        std::hint::black_box(b);
                        s = e;
                    }
                })
            }));
        }
        let mut k = 0u64;
        report(r, t, "1,000 random columns", "read_slice_parallel per column", time(reps, || {
            k += 1;
            pool.install(|| {
                for c in picks(nc, 1000, k) {
                    let sel = SliceInfo { selections: vec![range(0, nr), range(c, c + 1)] };
                    std::hint::black_box(ds.read_slice_parallel::<f32>(&sel).unwrap());
                }
            })
        }));
        let small = reps.max(20);
        report(r, t, "1 row", "read_slice", time(small, || {
            k += 1;
            let i = (k * 7919) % nr;
            let sel = SliceInfo { selections: vec![range(i, i + 1), range(0, nc)] };
            std::hint::black_box(ds.read_slice::<f32>(&sel).unwrap());
        }));
        report(r, t, "1 column", "read_slice", time(small, || {
            k += 1;
            let j = (k * 7919) % nc;
            let sel = SliceInfo { selections: vec![range(0, nr), range(j, j + 1)] };
            std::hint::black_box(ds.read_slice::<f32>(&sel).unwrap());
        }));
        report(r, t, "64 rows one by one", "read_slice per row", time(reps, || {
            k += 1;
            let r0 = (k * 7919) % (nr - nr.min(64));
            for i in r0..r0 + nr.min(64) {
                let sel = SliceInfo { selections: vec![range(i, i + 1), range(0, nc)] };
                std::hint::black_box(ds.read_slice::<f32>(&sel).unwrap());
            }
        }));
        report(r, t, "10 random rows", "read_slice per row", time(small, || {
            k += 1;
            for i in picks(nr, 10, k) {
                let sel = SliceInfo { selections: vec![range(i, i + 1), range(0, nc)] };
                std::hint::black_box(ds.read_slice::<f32>(&sel).unwrap());
            }
        }));
    }
    drop(ds);
    drop(f);

    // ----- hdf5-pure (no threads, rows only) -----
    let r = "hdf5-pure";
    report(r, 1, "open", "File::open (reads the file) + dataset", time(reps, || {
        let f = hdf5_pure::File::open(&a.file).unwrap();
        std::hint::black_box(f.dataset("/matrix").unwrap());
    }));
    let f = hdf5_pure::File::open(&a.file)?;
    let ds = f.dataset("/matrix")?;
    report(r, 1, "full read, fresh Vec", "read_f32", time(reps, || {
        std::hint::black_box(ds.read_f32().unwrap());
    }));
    report(r, 1, "scan axis 0, fresh batches", "read_f32_rows per 64 rows", time(reps, || {
        let mut s = 0;
        while s < nr {
            let n = 64.min(nr - s);
            std::hint::black_box(ds.read_f32_rows(s, n).unwrap());
            s += n;
        }
    }));
    let mut k = 0u64;
    report(r, 1, "1 row", "read_f32_rows", time(reps.max(20), || {
        k += 1;
        std::hint::black_box(ds.read_f32_rows((k * 7919) % nr, 1).unwrap());
    }));
    report(r, 1, "64 rows one by one", "read_f32_rows per row", time(reps, || {
        k += 1;
        let r0 = (k * 7919) % (nr - nr.min(64));
        for i in r0..r0 + nr.min(64) {
            std::hint::black_box(ds.read_f32_rows(i, 1).unwrap());
        }
    }));
    report(r, 1, "10 random rows", "read_f32_rows per row", time(reps.max(20), || {
        k += 1;
        for i in picks(nr, 10, k) {
            std::hint::black_box(ds.read_f32_rows(i, 1).unwrap());
        }
    }));
    if let Some(p) = &a.json {
        std::fs::write(p, lines.join("\n") + "\n")?;
    }
    Ok(())
}
