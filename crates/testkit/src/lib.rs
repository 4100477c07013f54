//! Test support for the loomfile crates (a dev-dependency only, never published): where the
//! fixtures and the shared corpora are ([`paths`]), the Python reference stack
//! ([`python`]), a global allocator that measures peak heap use ([`alloc`]) and a hang guard
//! for loops over hostile inputs ([`watchdog`]).
//!
//! It depends on nothing, so every crate's tests can use it, loomfile-hdf5's included,
//! without a second copy of any library type.

pub mod alloc;
pub mod paths;
pub mod python;
pub mod watchdog;

pub use alloc::PeakAlloc;
pub use paths::{HOSTILE_LOOMS, corpus, files, fixtures, h5canon, hostile, root, shared};
pub use python::{python, run_python};
pub use watchdog::{HANG, Watchdog};
