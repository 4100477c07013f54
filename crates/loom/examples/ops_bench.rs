//! Timing of loomfile's whole-file operations, one operation per process so that the
//! process's peak RSS (VmHWM) belongs to that operation. The loompy side is
//! `bench/loompy_bench.py --only OP`; `cargo xtask bench` runs both. A measurement, not a test.
//!
//! ```sh
//! cargo run --release -p loomfile --example ops_bench -- OP FILE.loom WORKDIR [--reps N] [--auto-compact RATIO|off]
//! ```
//!
//! Operations (the same work loompy does in perf-baselines.md):
//! - `create`: a new file from the main matrix and the `unspliced` layer as CSR (read from
//!   FILE beforehand, not timed) with the four string attributes;
//! - `add_columns`: 1,000 columns (the first 1,000 of the file, dense) x every layer, plus
//!   `CellID`/`ClusterName`, appended to a fresh copy of FILE (the copy is not timed);
//! - `combine`: FILE twice, column-wise, into a new file;
//! - `permute`: a random column permutation of every layer, attribute and graph of a copy;
//! - `edits`: 224 `add_columns` of 8 columns (the first 8 of every layer, new `CellID`s), one
//!   commit each, on a copy: what many small edits leave on disk (`--auto-compact` sets the
//!   writer's self-compaction ratio, or turns it off).
//!
//! Prints one JSON line `{"op", "median_s", "best_s", "peak_kib", "base_kib", "bytes",
//! "repacked_bytes"}` (median and best of N runs after one warm-up; the size of the file the
//! last run left, and of the same file after `compact`). The peak is reset after the set-up (Linux
//! `/proc/self/clear_refs`), so `peak_kib` covers the runs only; `base_kib` is what was
//! resident then (the inputs the set-up holds).

#[path = "../../../bench/rss.rs"]
mod rss;

use loomfile::ops::{Block, CombineOptions, FillValues};
use loomfile::{Axis, Contents, LayerData, LoomFile, Sel, Values};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Edits of the `edits` operation.
const EDITS: usize = 224;

/// A random permutation (64-bit LCG + Fisher-Yates), the same for every run.
fn permutation(n: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..n).collect();
    let mut x = 42u64;
    for i in (1..v.len()).rev() {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        v.swap(i, ((x >> 33) % (i as u64 + 1)) as usize);
    }
    v
}

fn copy_to(src: &Path, work: &Path, name: &str) -> PathBuf {
    let p = work.join(name);
    std::fs::copy(src, &p).expect("copy the input");
    p
}

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err(
            "usage: ops_bench OP FILE.loom WORKDIR [--reps N] [--auto-compact RATIO|off]".into()
        );
    }
    let (op, file, work) = (args[0].as_str(), PathBuf::from(&args[1]), PathBuf::from(&args[2]));
    let reps: usize = match args.iter().position(|a| a == "--reps") {
        Some(i) => args.get(i + 1).ok_or("--reps needs a value")?.parse()?,
        None => 3,
    };
    // `edits` only: the writer's self-compaction threshold (default: the library's).
    let auto_compact: Option<Option<f64>> = match args.iter().position(|a| a == "--auto-compact") {
        Some(i) => match args.get(i + 1).map(String::as_str) {
            Some("off") => Some(None),
            Some(r) => Some(Some(r.parse()?)),
            None => return Err("--auto-compact needs a ratio or off".into()),
        },
        None => None,
    };
    std::fs::create_dir_all(&work)?;
    let src = LoomFile::open(&file)?;
    let (n, m) = src.shape();
    let layers = src.layer_names();
    let attr = |axis, name: &str| src.attr(axis, name);

    // Set-up outside the timed runs.
    // Each run returns its own timing (after any input copy, which is not timed).
    let mut run: Box<dyn FnMut() -> Res<Duration>> = match op {
        "create" => {
            let csr: Vec<(String, loomfile::Csr<f32>)> = layers
                .iter()
                .map(|l| Ok((l.clone(), src.sparse::<f32>(l, &Sel::All, &Sel::All)?.to_csr()?)))
                .collect::<loomfile::Result<_>>()?;
            let row_attrs = vec![
                ("Gene", attr(Axis::Rows, "Gene")?),
                ("Accession", attr(Axis::Rows, "Accession")?),
            ];
            let col_attrs = vec![
                ("CellID", attr(Axis::Cols, "CellID")?),
                ("ClusterName", attr(Axis::Cols, "ClusterName")?),
            ];
            let out = work.join("ours_create.loom");
            Box::new(move || {
                let t = Instant::now();
                let contents = Contents {
                    row_attrs: row_attrs.clone(),
                    col_attrs: col_attrs.clone(),
                    file_attrs: Vec::new(),
                };
                LoomFile::create(&out, LayerData::Sparse(&csr[0].1), &contents)?;
                let mut f = LoomFile::open_rw(&out)?;
                for (name, c) in &csr[1..] {
                    f.set_layer(name, LayerData::Sparse(c))?;
                }
                f.close()?;
                Ok(t.elapsed())
            })
        }
        "add_columns" => {
            let k = 1000.min(m);
            let blocks: Vec<(String, ndarray::Array2<f32>)> = layers
                .iter()
                .map(|l| Ok((l.clone(), src.read_layer::<f32>(l, &Sel::All, &Sel::Range(0, k))?)))
                .collect::<loomfile::Result<_>>()?;
            let ids: Vec<String> = (0..k).map(|j| format!("new_{j}")).collect();
            let clusters: Vec<String> = (0..k).map(|j| format!("cluster_{}", j % 17)).collect();
            let (file, work) = (file.clone(), work.clone());
            Box::new(move || {
                let path = copy_to(&file, &work, "ours_add_columns.loom");
                let t = Instant::now();
                let mut f = LoomFile::open_rw(&path)?;
                let bl: Vec<(&str, Block<'_>)> =
                    blocks.iter().map(|(l, a)| (l.as_str(), Block::from(a))).collect();
                f.add_columns(
                    &bl,
                    &[
                        ("CellID", Values::strings(&ids)),
                        ("ClusterName", Values::strings(&clusters)),
                    ],
                    &[],
                    &FillValues::Auto,
                )?;
                f.close()?;
                Ok(t.elapsed())
            })
        }
        "combine" => {
            let (file, out) = (file.clone(), work.join("ours_combine.loom"));
            Box::new(move || {
                let t = Instant::now();
                loomfile::ops::combine(&[&file, &file], &out, &CombineOptions::default())?;
                Ok(t.elapsed())
            })
        }
        "permute" => {
            let perm = permutation(m);
            let (file, work) = (file.clone(), work.clone());
            Box::new(move || {
                let path = copy_to(&file, &work, "ours_permute.loom");
                let t = Instant::now();
                let mut f = LoomFile::open_rw(&path)?;
                f.permute(&perm, Axis::Cols)?;
                f.close()?;
                Ok(t.elapsed())
            })
        }
        "edits" => {
            // 224 add_columns of 8 columns, one commit each (other column attributes are filled).
            let blocks: Vec<(String, ndarray::Array2<f32>)> = layers
                .iter()
                .map(|l| Ok((l.clone(), src.read_layer::<f32>(l, &Sel::All, &Sel::Range(0, 8))?)))
                .collect::<loomfile::Result<_>>()?;
            let (file, work) = (file.clone(), work.clone());
            Box::new(move || {
                let path = copy_to(&file, &work, "ours_edits.loom");
                let t = Instant::now();
                let mut f = LoomFile::open_rw(&path)?;
                if let Some(ratio) = auto_compact {
                    f.set_auto_compact(ratio)?;
                }
                for e in 0..EDITS {
                    let bl: Vec<(&str, Block<'_>)> =
                        blocks.iter().map(|(l, a)| (l.as_str(), Block::from(a))).collect();
                    let ids: Vec<String> = (0..8).map(|j| format!("edit{e}_{j}")).collect();
                    f.add_columns(
                        &bl,
                        &[("CellID", Values::strings(&ids))],
                        &[],
                        &FillValues::Auto,
                    )?;
                }
                f.close()?;
                Ok(t.elapsed())
            })
        }
        other => return Err(format!("unknown operation {other:?}").into()),
    };
    let _ = n;
    // Forget the set-up's peak: from here VmHWM counts the operation's runs.
    let base = rss::reset_peak();
    let mut times: Vec<Duration> = Vec::new();
    for i in 0..=reps.max(1) {
        let took = run()?;
        if i > 0 {
            times.push(took);
        }
    }
    times.sort();
    let peak = rss::peak_kib();
    // The file the last run left, and the same content compacted.
    let output = work.join(format!("ours_{op}.loom"));
    let bytes = std::fs::metadata(&output)?.len();
    let packed = copy_to(&output, &work, "ours_repacked.loom");
    let repacked = loomfile::hdf5::compact(&packed)?.bytes_after;
    std::fs::remove_file(&packed)?;
    println!(
        "{{\"op\": \"{op}\", \"median_s\": {}, \"best_s\": {}, \"peak_kib\": {peak}, \"base_kib\": {base}, \"bytes\": {bytes}, \"repacked_bytes\": {repacked}}}",
        times[times.len() / 2].as_secs_f64(),
        times[0].as_secs_f64(),
    );
    Ok(())
}
