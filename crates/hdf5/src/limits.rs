//! The allocation budget for sizes that come from the file.
//!
//! A hostile file can claim a 2^60-byte dataset or a 4 GiB heap. Nothing is allocated on the
//! strength of such a field alone: metadata blocks must fit in the file, and data reads must
//! fit in the budget below. Beside these memory bounds, a work budget (`max_elements`) caps
//! the number of elements one operation may visit or produce for one object, so a tiny file
//! claiming a 2^40-element shape is refused before any work starts.

use crate::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};

/// The default work budget: 2^34 elements (64 GiB of float32), generous for real data.
pub const DEFAULT_MAX_ELEMENTS: u64 = 1 << 34;

/// The process-wide default of [`Limits::max_elements`] (see [`set_default_max_elements`]).
static DEFAULT_ELEMENTS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_ELEMENTS);

/// Set the `max_elements` that [`Limits::default`] (and so every file opened without explicit
/// limits) uses from now on in this process: the `loom --max-elements` flag calls it once at
/// start-up.
pub fn set_default_max_elements(n: u64) {
    DEFAULT_ELEMENTS.store(n, Ordering::Relaxed);
}

/// Upper bounds on allocations and work driven by file fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest single metadata structure read as one block (object header chunk, heap, B-tree node).
    pub max_metadata_block: u64,
    /// Largest decoded dataset or attribute value produced by one read call.
    pub max_read_bytes: u64,
    /// Largest single chunk (decoded), as HDF5 itself caps chunks below 4 GiB.
    pub max_chunk_bytes: u64,
    /// Most messages in one object header, across all its continuation blocks.
    pub max_header_messages: u32,
    /// Most continuation blocks in one object header.
    pub max_header_blocks: u32,
    /// Deepest B-tree, fractal-heap indirection or datatype nesting accepted.
    pub max_depth: u32,
    /// Most links followed in a soft-link chain.
    pub max_soft_link_hops: u32,
    /// Most elements one operation may visit or produce for one object (a read, an export,
    /// per-row statistics, an attribute listing); a claim beyond it is an
    /// [`Error::Budget`] before any work starts. Default [`DEFAULT_MAX_ELEMENTS`] (2^34).
    pub max_elements: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_metadata_block: 64 << 20,
            max_read_bytes: 16 << 30,
            max_chunk_bytes: u32::MAX as u64,
            max_header_messages: 65_536,
            max_header_blocks: 1_024,
            max_depth: 32,
            max_soft_link_hops: 16,
            max_elements: DEFAULT_ELEMENTS.load(Ordering::Relaxed),
        }
    }
}

impl Limits {
    /// Refuse `count` elements of `what` at `path` past [`Limits::max_elements`].
    pub fn check_elements(&self, path: &str, what: &'static str, count: u64) -> Result<()> {
        if count > self.max_elements {
            return Err(Error::budget(what, count, self.max_elements).at(path));
        }
        Ok(())
    }

    /// [`Limits::check_elements`] for a product of dimensions (an overflow is over budget).
    pub fn check_shape(&self, path: &str, what: &'static str, dims: &[u64]) -> Result<u64> {
        let count = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).unwrap_or(u64::MAX);
        self.check_elements(path, what, count)?;
        Ok(count)
    }

    /// Refuse `bytes` of decoded output (`what`, at `path`; `path` may be empty) past
    /// [`Limits::max_read_bytes`]: the memory twin of [`Limits::check_elements`].
    pub fn check_bytes(&self, path: &str, what: &'static str, bytes: u64) -> Result<()> {
        if bytes > self.max_read_bytes {
            return Err(Error::limit(what, bytes, self.max_read_bytes).at(path));
        }
        Ok(())
    }

    /// Strict limits for walking untrusted files in tests and fuzzing: reads above 16 MiB refused.
    pub fn strict() -> Self {
        Limits {
            max_read_bytes: 16 << 20,
            max_chunk_bytes: 16 << 20,
            max_metadata_block: 16 << 20,
            ..Limits::default()
        }
    }
}
