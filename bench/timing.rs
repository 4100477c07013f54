//! The timing loop shared by the Rust benchmark binaries (`crates/scan/examples/scan_bench.rs`,
//! `bench/rivals`; included with `#[path]`).

use std::time::{Duration, Instant};

/// Median and best of `reps` runs (at least one), after one warm-up run.
pub fn time(reps: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f();
    let mut v: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    (v[v.len() / 2], v[0])
}
