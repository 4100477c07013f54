//! Bytes on disk: one module per HDF5 structure, named as the specification names it, each
//! parsing (and, where the writer needs it, encoding) that structure from a bounded block.
//!
//! Field widths travel in a small `Copy` [`Sizes`]; blocks are fetched through [`Source`],
//! which checks every address range against the file and the allocation budget.

pub(crate) mod binary;
pub mod btree_v1;
pub mod btree_v2;
pub mod checksum;
pub mod extensible_array;
pub mod fixed_array;
pub mod fractal_heap;
pub mod global_heap;
pub mod local_heap;
pub mod messages;
pub mod object_header;
pub mod source;
pub mod superblock;
pub mod symbol_table_entry;
pub mod symbol_table_node;

pub use binary::Sizes;
pub use source::Source;
