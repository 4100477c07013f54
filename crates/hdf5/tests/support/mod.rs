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
pub mod rng;
pub mod strategies;

pub use rng::Rng;

/// Number of proptest cases: `PROPTEST_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}
