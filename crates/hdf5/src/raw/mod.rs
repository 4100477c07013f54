//! Bytes on disk: one module per HDF5 structure, named as the specification names it, each
//! declaring that structure once with binrw (`BinRead` + `BinWrite`, little-endian): the
//! reader parses it and the writer (`crate::write`) encodes it from the same declaration.
//! Bit-packed datatypes and variable-width heap IDs implement binrw's traits by hand.
//!
//! Field widths travel in a small `Copy` [`Sizes`], passed as binrw arguments; blocks are
//! fetched through [`Source`], which checks every address range against the file and the
//! allocation budget, and are parsed from the slice (the shared field types, bounded counts,
//! checksummed streams and the mapping of binrw errors to [`crate::Error`] live in
//! `binary.rs`).

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
