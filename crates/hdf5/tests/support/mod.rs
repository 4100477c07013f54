//! Test support shared by the writer tests of this crate and the h5py interop tests of the
//! cli crate (which include this folder with `#[path]`):
//!
//! - [`model`]: an in-memory model of a file (groups, datasets, attributes, soft links), how
//!   to write it with the [`loomfile_hdf5::Writer`], and a checker comparing a reopened file
//!   with the model value by value, bit for bit.
//! - [`strategies`]: proptest strategies for random models and random edit sequences.
//! - [`crash`]: the base file and the editing operations of the crash-consistency tests, the
//!   logical digest of a file, kill-point sampling and crash replay.
//!
//! Engine only: no Python, no processes, no files (everything on `MemStorage`), so it also
//! runs on wasm and under qemu.

#![allow(dead_code)]

pub mod crash;
pub mod model;
pub mod strategies;

/// A small deterministic generator (SplitMix64) for values chosen while interpreting
/// generated edit sequences against the current model.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability 1/`n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// Number of proptest cases: `PROPTEST_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}
