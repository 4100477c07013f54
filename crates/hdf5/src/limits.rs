//! The allocation budget for sizes that come from the file.
//!
//! A hostile file can claim a 2^60-byte dataset or a 4 GiB heap. Nothing is allocated on the
//! strength of such a field alone: metadata blocks must fit in the file, and data reads must
//! fit in the budget below.

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
        }
    }
}

impl Limits {
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
