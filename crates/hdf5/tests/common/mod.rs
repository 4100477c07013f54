//! Shared test helpers: the workspace's test kit (fixtures, the shared corpora, a
//! peak-tracking allocator, a hang watchdog).

#![allow(unused_imports)]

pub use loomfile_testkit::{HANG, PeakAlloc, Watchdog, files, root, shared};
