//! Resident memory of the running process (Linux `/proc/self`), for the benchmark examples
//! (`crates/scan/examples/scan_bench.rs`, `crates/loom/examples/ops_bench.rs`; included with
//! `#[path]`). Elsewhere every figure reads 0.

/// A `kB` field of `/proc/self/status` (`VmRSS:`, `VmHWM:`), in KiB.
pub fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Peak resident memory since the last [`reset_peak`], in KiB.
pub fn peak_kib() -> u64 {
    status_kib("VmHWM:")
}

/// Forget the peak so far (it restarts at the current resident size); returns that size.
pub fn reset_peak() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_kib("VmRSS:")
}
