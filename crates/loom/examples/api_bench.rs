//! Timing of the public `LoomFile` entry points beside the scan core doing the same work
//! (`loomfile_scan::Matrix`, opened on its own), in interleaved pairs on one loom file. A
//! measurement, not a test; `cargo xtask bench` runs it and joins its figures with loompy's.
//!
//! ```sh
//! cargo run --release -p loomfile --example api_bench -- target/bench-data/medium.loom
//! ```
//!
//! Options: `--reps N` (default 5), `--threads 2` (one pool size), `--only NAME[,NAME]`,
//! `--json PATH` (JSON lines `{"op", "threads", "product_s", "core_s", "ratio", "core_how",
//! "ref", "added_kib"}`: `ratio` is the median of the per-pair product/core ratios, `ref`
//! names the loompy/h5py operation of bench/loompy_bench.py doing the same thing),
//! `--work DIR` (scratch files of the export operation; default the system's temp dir).
//! Operations: `stats`, `map`, `full`, `scan`, `sparse`, `cols1000`, and the core side of
//! two `loom` commands whose product side xtask times as whole processes: `export` (every
//! row band written to a .npy file) and `subset` (2,000 random columns of every layer read,
//! chunked and deflated).

#[path = "../../../bench/rss.rs"]
mod rss;

use loomfile::view::{ScanOptions, ViewOptions};
use loomfile::{Axis, LoomFile, Sel};
use loomfile_scan::{Axis as CoreAxis, Matrix, ScanOptions as CoreScan, Selection};
use rayon::prelude::*;
use std::io::Write;
use std::time::{Duration, Instant};

struct Args {
    path: String,
    reps: usize,
    threads: usize,
    only: Option<Vec<String>>,
    json: Option<String>,
    work: std::path::PathBuf,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        path: String::new(),
        reps: 5,
        threads: 2,
        only: None,
        json: None,
        work: std::env::temp_dir(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut val = || it.next().ok_or(format!("{x} needs a value"));
        match x.as_str() {
            "--reps" => a.reps = val()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--threads" => a.threads = val()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--json" => a.json = Some(val()?),
            "--work" => a.work = val()?.into(),
            "--only" => a.only = Some(val()?.split(',').map(String::from).collect()),
            p if a.path.is_empty() => a.path = p.to_string(),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if a.path.is_empty() {
        return Err(
            "usage: api_bench FILE.loom [--reps N] [--threads N] [--only a,b] [--json P]".into()
        );
    }
    Ok(a)
}

/// Interleaved pairs (product run, core run) after one warm-up of each: the median product
/// and core times and the median of the per-pair ratios.
fn paired(reps: usize, product: &mut dyn FnMut(), core: &mut dyn FnMut()) -> (f64, f64, f64) {
    product();
    core();
    let (mut p, mut c, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        product();
        let tp = t.elapsed().as_secs_f64();
        let t = Instant::now();
        core();
        let tc = t.elapsed().as_secs_f64();
        p.push(tp);
        c.push(tc);
        r.push(tp / tc);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (med(&mut p), med(&mut c), med(&mut r))
}

/// Small deterministic generator for random picks (the same as scan_bench and
/// loompy_bench.py).
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

/// Sum of `f(x)` over `v` in eight interleaved accumulators (as numpy's pairwise sum
/// unrolls: a plain `iter().sum()` waits for each addition and runs about 8x slower).
fn sum8(v: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let (blocks, rest) = v.as_chunks::<8>();
    let mut acc = [0.0f64; 8];
    for b in blocks {
        for k in 0..8 {
            acc[k] += f(b[k]);
        }
    }
    acc.iter().sum::<f64>() + rest.iter().map(|&x| f(x)).sum::<f64>()
}

/// numpy's `mean`, as a user of `map` would write it.
fn mean(v: &[f64]) -> f64 {
    sum8(v, |x| x) / v.len() as f64
}

/// numpy's `std` (population), two passes.
fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (sum8(v, |x| (x - m) * (x - m)) / v.len() as f64).sqrt()
}

/// The core doing `map([mean, sd])`'s work: a scan of f32 batches, each item's values
/// gathered as f64 and both functions applied, items in parallel.
fn core_map(m: &Matrix, axis: CoreAxis) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(m.len(axis) as usize);
    // The batches LoomFile::map scans: along columns one chunk column, 64 to 512 items (a
    // short gather stride down the rows; view.rs MAP_COLUMN_BATCH).
    let opts = match axis {
        CoreAxis::Rows => CoreScan::default(),
        CoreAxis::Cols => CoreScan::default().batch_size(m.tile_shape().1.clamp(64, 512) as usize),
    };
    let mut scan = m.scan::<f32>(axis, opts);
    while let Some(b) = scan.next() {
        let b = b.unwrap();
        let (k, len) = (b.items.len(), b.other_len);
        let data = &b.data;
        let res: Vec<[f64; 2]> = (0..k)
            .into_par_iter()
            .map_init(Vec::new, |buf: &mut Vec<f64>, i| {
                buf.clear();
                match axis {
                    CoreAxis::Rows => {
                        buf.extend(data[i * len..(i + 1) * len].iter().map(|&x| f64::from(x)))
                    }
                    CoreAxis::Cols => buf.extend((0..len).map(|r| f64::from(data[r * k + i]))),
                }
                [mean(buf), sd(buf)]
            })
            .collect();
        out.extend(res);
        scan.recycle(b);
    }
    out
}

/// The core doing `loom export --format npy`'s work: row bands of the whole layer, in the
/// stored type, appended to a .npy file.
fn core_export(m: &Matrix, path: &std::path::Path) {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    w.write_all(&[0u8; 128]).unwrap();
    let mut scan = m.scan::<f32>(CoreAxis::Rows, CoreScan::default().batch_size(256));
    while let Some(b) = scan.next() {
        let b = b.unwrap();
        let bytes: Vec<u8> = b.data.iter().flat_map(|x| x.to_le_bytes()).collect();
        w.write_all(&bytes).unwrap();
        scan.recycle(b);
    }
    w.flush().unwrap();
}

/// Random columns of the `subset` benchmark (the same picks as `loom subset --cols` in xtask
/// and bench/loompy_bench.py).
const SUBSET_COLUMNS: usize = 2000;

/// The core doing `loom subset --cols PICKS`'s work: every layer's selected columns read,
/// cut into 64x64 chunks and deflated at level 2 (in parallel), the output dropped.
fn core_subset(layers: &[Matrix], cols: &[u64]) {
    use loomfile_hdf5::filters::ChunkEncoder;
    for m in layers {
        let (nr, _) = m.shape();
        let nc = cols.len();
        let v: Vec<f32> = m.read(&Selection::All, &Selection::Index(cols.to_vec())).unwrap();
        let pipeline = m.dataset().pipeline().clone();
        let grid: Vec<(usize, usize)> = (0..(nr as usize).div_ceil(64))
            .flat_map(|i| (0..nc.div_ceil(64)).map(move |j| (i, j)))
            .collect();
        let bytes: usize = grid
            .par_iter()
            .map_init(
                || (ChunkEncoder::new(&pipeline).unwrap(), vec![0u8; 64 * 64 * 4], Vec::new()),
                |(enc, chunk, out), &(i, j)| {
                    chunk.fill(0);
                    for r in i * 64..((i + 1) * 64).min(nr as usize) {
                        for c in j * 64..((j + 1) * 64).min(nc) {
                            let at = ((r - i * 64) * 64 + (c - j * 64)) * 4;
                            chunk[at..at + 4].copy_from_slice(&v[r * nc + c].to_le_bytes());
                        }
                    }
                    out.clear();
                    enc.encode(&pipeline, chunk, out);
                    out.len()
                },
            )
            .sum();
        std::hint::black_box(bytes);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    let file = LoomFile::open(&a.path)?;
    let h5 = loomfile_hdf5::File::open(&a.path)?;
    let m = Matrix::new(&h5.dataset("/matrix")?)?;
    let (nr, nc) = m.shape();
    let want = |name: &str| a.only.as_ref().is_none_or(|o| o.iter().any(|x| x == name));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(a.threads).build()?;
    println!("{}: {nr} x {nc}, {} thread(s), median of {} pairs", a.path, a.threads, a.reps);
    let mut lines = Vec::new();
    let reps = a.reps;
    let threads = a.threads;
    pool.install(|| {
        let mut row = |op: &str, how: &str, reference: &str, p: &mut dyn FnMut(), c: &mut dyn FnMut()| {
            let base = rss::reset_peak();
            let (tp, tc, ratio) = paired(reps, p, c);
            let added = rss::peak_kib().saturating_sub(base);
            println!(
                "{op:<40} product {:>9.1} ms  core {:>9.1} ms  {ratio:>5.2}x   (core: {how})",
                tp * 1e3,
                tc * 1e3
            );
            lines.push(format!(
                "{{\"op\": \"{op}\", \"threads\": {threads}, \"product_s\": {tp}, \"core_s\": {tc}, \"ratio\": {ratio}, \"core_how\": \"{how}\", \"ref\": \"{reference}\", \"added_kib\": {added}}}"
            ));
        };
        if want("stats") {
            for (ax, core_ax, name) in [(Axis::Rows, CoreAxis::Rows, "0"), (Axis::Cols, CoreAxis::Cols, "1")] {
                row(
                    &format!("LoomFile::stats axis {name}"),
                    &format!("Matrix::stats(Axis::{core_ax:?})"),
                    &format!("stats axis {name}"),
                    &mut || drop(std::hint::black_box(file.stats("", ax).unwrap())),
                    &mut || drop(std::hint::black_box(m.stats(core_ax).unwrap())),
                );
            }
        }
        if want("map") {
            let fs: [&loomfile::MapFn; 2] = [&mean, &sd];
            for (ax, core_ax, name) in [(Axis::Rows, CoreAxis::Rows, "0"), (Axis::Cols, CoreAxis::Cols, "1")] {
                row(
                    &format!("LoomFile::map([mean, sd]) axis {name}"),
                    "Matrix::scan f32 + both functions per item, items in parallel",
                    &format!("stats axis {name}"),
                    &mut || drop(std::hint::black_box(file.map("", ax, &fs, &Sel::All).unwrap())),
                    &mut || drop(std::hint::black_box(core_map(&m, core_ax))),
                );
            }
        }
        if want("full") {
            row(
                "LoomFile::read_layer::<f32> (all)",
                "Matrix::read, fresh Vec",
                "full read (loompy)",
                &mut || {
                    drop(std::hint::black_box(
                        file.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap(),
                    ))
                },
                &mut || {
                    let v: Vec<f32> = m.read(&Selection::All, &Selection::All).unwrap();
                    drop(std::hint::black_box(v));
                },
            );
            let mut buf = vec![0f32; (nr * nc) as usize];
            row(
                "LoomFile::read_layer::<f32> (all) vs reused",
                "Matrix::read_into a reused buffer",
                "full read (loompy)",
                &mut || {
                    drop(std::hint::black_box(
                        file.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap(),
                    ))
                },
                &mut || m.read_into(&Selection::All, &Selection::All, &mut buf).unwrap(),
            );
        }
        if want("scan") {
            // The main layer only (the core's work), then with the attributes every batch
            // view carries by default (loompy's scan loads them too).
            let runs = [
                (Axis::Rows, CoreAxis::Rows, "0", false),
                (Axis::Cols, CoreAxis::Cols, "1", false),
                (Axis::Rows, CoreAxis::Rows, "0", true),
            ];
            for (ax, core_ax, name, attrs) in runs {
                let opts = ScanOptions {
                    batch_size: 512,
                    view: ViewOptions {
                        layers: Some(vec![String::new()]),
                        attrs,
                        graphs: attrs,
                    },
                    ..ScanOptions::default()
                };
                let what = if attrs { "main layer + attributes" } else { "main layer" };
                row(
                    &format!("LoomFile::scan axis {name}, batch 512, {what}"),
                    "Matrix::scan, the same 512-item batches, fresh",
                    &format!("scan axis {name}, fresh batches"),
                    &mut || {
                        for b in file.scan::<f32>(ax, opts.clone()).unwrap() {
                            drop(std::hint::black_box(b.unwrap()));
                        }
                    },
                    &mut || {
                        let o = CoreScan::default().batch_size(512).max_batch_bytes(0);
                        for b in m.scan::<f32>(core_ax, o) {
                            drop(std::hint::black_box(b.unwrap()));
                        }
                    },
                );
            }
            // Batches handed back once used (Scan::recycle on both sides): no fresh arrays.
            for (ax, core_ax, name) in [(Axis::Rows, CoreAxis::Rows, "0"), (Axis::Cols, CoreAxis::Cols, "1")] {
                let opts = ScanOptions {
                    batch_size: 512,
                    view: ViewOptions { layers: Some(vec![String::new()]), attrs: false, graphs: false },
                    ..ScanOptions::default()
                };
                row(
                    &format!("LoomFile::scan axis {name}, batch 512, recycled"),
                    "Matrix::scan, the same 512-item batches, recycled",
                    // The same task as loompy's scan (which allocates every batch).
                    &format!("scan axis {name}, fresh batches"),
                    &mut || {
                        let mut scan = file.scan::<f32>(ax, opts.clone()).unwrap();
                        while let Some(b) = scan.next() {
                            let b = std::hint::black_box(b.unwrap());
                            scan.recycle(b);
                        }
                    },
                    &mut || {
                        let o = CoreScan::default().batch_size(512).max_batch_bytes(0);
                        let mut scan = m.scan::<f32>(core_ax, o);
                        while let Some(b) = scan.next() {
                            let b = std::hint::black_box(b.unwrap());
                            scan.recycle(b);
                        }
                    },
                );
            }
        }
        if want("sparse") {
            row(
                "LoomFile::sparse::<f32> (all, COO)",
                "Matrix::to_csr::<f32>",
                "to_csr",
                &mut || drop(std::hint::black_box(file.sparse::<f32>("", &Sel::All, &Sel::All).unwrap())),
                &mut || drop(std::hint::black_box(m.to_csr::<f32>().unwrap())),
            );
        }
        if want("cols1000") {
            let mut k = 0u64;
            let mut j = 0u64;
            row(
                "LoomFile::read_layer 1,000 random columns",
                "Matrix::read of the same columns",
                "1,000 random columns",
                &mut || {
                    k += 1;
                    let cols = Sel::Index(picks(nc, 1000, k));
                    drop(std::hint::black_box(file.read_layer::<f32>("", &Sel::All, &cols).unwrap()));
                },
                &mut || {
                    j += 1;
                    let cols = Selection::Index(picks(nc, 1000, j));
                    let v: Vec<f32> = m.read(&Selection::All, &cols).unwrap();
                    drop(std::hint::black_box(v));
                },
            );
        }
        if want("export") {
            // Core only: the product side is `loom export` as a whole process (xtask).
            let out = a.work.join("api_bench_core_export.npy");
            let mut ts: Vec<Duration> = Vec::new();
            for k in 0..=reps {
                // No output file and no dirty pages left from an earlier run (as xtask does
                // before each `loom export`): the timed run pays for its own writes only.
                let _ = std::fs::remove_file(&out);
                let _ = std::process::Command::new("sync").status();
                let t = Instant::now();
                core_export(&m, &out);
                if k > 0 {
                    ts.push(t.elapsed());
                }
            }
            ts.sort();
            let tc = ts[ts.len() / 2].as_secs_f64();
            let _ = std::fs::remove_file(&out);
            println!("{:<40} core {:>9.1} ms", "core export npy", tc * 1e3);
            lines.push(format!(
                "{{\"op\": \"core export npy\", \"threads\": {threads}, \"core_s\": {tc}, \"core_how\": \"Matrix::scan row bands written to a .npy file\"}}"
            ));
        }
        if want("subset") {
            // Core only: the product side is `loom subset` as a whole process (xtask).
            let layers: Vec<Matrix> = file
                .layer_names()
                .iter()
                .map(|l| Matrix::new(&file.layer_dataset(l).unwrap()).unwrap())
                .collect();
            let cols = picks(nc, SUBSET_COLUMNS, 1);
            let mut ts: Vec<Duration> = Vec::new();
            for k in 0..=reps {
                let _ = std::process::Command::new("sync").status(); // as before `loom subset`
                let t = Instant::now();
                core_subset(&layers, &cols);
                if k > 0 {
                    ts.push(t.elapsed());
                }
            }
            ts.sort();
            let tc = ts[ts.len() / 2].as_secs_f64();
            println!("{:<40} core {:>9.1} ms", "core subset", tc * 1e3);
            lines.push(format!(
                "{{\"op\": \"core subset\", \"threads\": {threads}, \"core_s\": {tc}, \"core_how\": \"Matrix::read of the columns, 64x64 chunks deflated in parallel, every layer\"}}"
            ));
        }
    });
    if let Some(p) = &a.json {
        std::fs::write(p, lines.join("\n") + "\n")?;
    }
    Ok(())
}
