//! # loomfile-scan
//!
//! Fast reads, scans and one-pass reductions over the 2-D numeric matrices of Loom files
//! (genes x cells, typically float32 in 64x64 deflate chunks), on top of `loomfile-hdf5`.
//!
//! How it works (see `ARCHITECTURE.md`, "Parallel decoding"):
//!
//! 1. **Plan once.** [`Matrix::new`] flattens the chunk index (any index type) into a grid
//!    lookup. Contiguous, compact and never-written datasets are cut into *virtual tiles* on
//!    the same grid model, so every operation below works on every layout.
//! 2. **Bands of tiles, decoded in parallel.** Work is split into tasks, each one chunk row
//!    (a *band*) restricted to the chunk columns the selection touches, optionally split
//!    further by chunk columns when there are few bands. Each task writes a disjoint part of
//!    the output (whole output rows, or disjoint column segments of them), so tasks need no
//!    locks. A task reads the compressed bytes of all its chunks with as few reads as
//!    possible (chunks that are adjacent or near in the file are coalesced into one read;
//!    storage that can lend its bytes, memory or mmap, is read without copying), then
//!    inflates each chunk once into a reused buffer and scatters (and converts) it straight
//!    into the output. Outputs of 16 MiB and more, stored exactly as the output type, are
//!    written with streaming stores on x86-64, so they do not evict the inflater's working
//!    set from the caches (`stream.rs`, the crate's only `unsafe` code).
//! 3. **Caller's pool, bounded memory.** With the `parallel` feature (default) tasks run on
//!    the rayon pool the call is made from (`rayon::ThreadPool::install` picks it); the
//!    library never builds a pool and has no thread-count setting. Without the feature
//!    everything runs serially, with identical results. Scans produce one batch at a time;
//!    reductions and sparse extraction keep a window of bands in flight: memory is bounded by
//!    the batch plus a few bands, never by the file.
//! 4. **Reuse.** Inflaters and buffers live in a small pool per [`Matrix`]: a task borrows
//!    one worker state (one [`ChunkDecoder`](loomfile_hdf5::filters::ChunkDecoder) and its
//!    buffers) and returns it. Small reads (at most half the cache's worth of
//!    chunks) go through a bounded cache of decoded chunks ([`DEFAULT_CACHE_BYTES`],
//!    [`Matrix::set_cache_bytes`]), so reading row after row of one band decodes its chunks
//!    once; large reads and scans bypass it.
//!
//! Selections read only the chunks they touch, each chunk once per call. Results never
//! depend on the number of threads: reads and scans place every value exactly once, and
//! reductions fold fixed groups of bands and combine them left to right in band order.
//!
//! Performance notes: inflating the chunks is most of the work (`examples/scan_bench.rs`
//! times every operation against an inflate-only loop over the same chunks). The next cost
//! is the output itself: page-faulting a fresh result costs about as much as inflating it,
//! so reuse buffers where it matters ([`Matrix::read_into`], [`Scan::recycle`]; or let the
//! allocator use transparent huge pages, e.g. glibc's `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`).
//! Storage that lends its bytes (in-memory files, mmap) saves the reads of compressed
//! bytes, which matters most for scattered small selections (one column).
//!
//! ```no_run
//! # fn main() -> loomfile_hdf5::Result<()> {
//! use loomfile_scan::{Axis, Matrix, ScanOptions, Selection};
//! let file = loomfile_hdf5::File::from_bytes(std::fs::read("x.loom")?)?;
//! let m = Matrix::new(&file.dataset("/matrix")?)?;
//! let cells: Vec<f32> = m.read(&Selection::All, &Selection::Index(vec![7, 3, 7]))?;
//! for batch in m.scan::<f32>(Axis::Cols, ScanOptions::default()) {
//!     let batch = batch?;
//!     // batch.data: rows x batch.items.len(), row-major
//! }
//! let (per_gene, per_cell) = m.stats_both()?;
//! # Ok(()) }
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod axis;
mod cache;
mod convert;
mod fetch;
mod fold;
mod matrix;
pub mod parallel;
mod plan;
mod read;
mod scan;
mod sparse;
mod stats;
mod stream;

pub use axis::Axis;
pub use cache::DEFAULT_CACHE_BYTES;
pub use fold::Tile;
pub use loomfile_hdf5::{Error, H5Type, Result, Selection};
pub use matrix::Matrix;
pub use scan::{Batch, DEFAULT_MAX_BATCH_BYTES, Scan, ScanOptions};
pub use sparse::{Coo, Csr, Nonzeros};
pub use stats::Stats;
