//! # loomfile-hdf5
//!
//! The HDF5 subset behind Loom files, in pure Rust: a reader for everything libhdf5 writes
//! with its common settings, and a writer that emits the structures loompy's files use and
//! commits edits atomically.
//!
//! Layers, bottom up (each a module):
//! - [`storage`]: positional reads and writes (`ReadAt`, `WriteAt`) over memory, files
//!   (pread), or memory maps (feature `mmap`, opened only by the `unsafe`
//!   `File::open_mmap`), plus a fault-injecting backend for crash tests and HDF5-compatible
//!   file locking.
//! - [`raw`]: bytes on disk, one module per HDF5 structure (superblock, object header and its
//!   messages, B-trees, heaps, chunk indexes), each declared once with binrw for reading and
//!   writing, parsed from bounded blocks.
//! - [`filters`]: the chunk filter pipeline (deflate via zlib-rs, shuffle, fletcher32, lzf).
//! - [`model`]: files, groups, datasets, attributes; typed, selection and ndarray reads.
//! - [`write`](mod@write): the writer (earliest-format structures) and the atomic commit protocol.
//!
//! Every file is treated as hostile: all sizes and offsets are checked, allocations driven by
//! file fields are bounded by [`Limits`], cycles are detected, and failures are typed
//! [`Error`]s naming the object path — malformed, unsupported, over a limit, I/O, or invalid
//! request. No unsafe code outside the opt-in memory map, which safe code cannot reach.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod filters;
pub mod limits;
pub mod model;
pub mod raw;
pub mod storage;
pub mod write;

pub use error::{Error, Result, ResultExt};
pub use limits::{DEFAULT_MAX_ELEMENTS, Limits, set_default_max_elements};
pub use model::attribute::Attribute;
pub use model::chunks::{ChunkEntry, ChunkMap};
pub use model::convert::{H5Type, NumKind};
pub use model::dataset::Dataset;
pub use model::file::{File, OpenOptions};
pub use model::object::{Group, LinkEntry, Object};
pub use model::read::Selection;
pub use model::value::Value;
pub use raw::messages::dataspace::Dataspace;
pub use raw::messages::datatype::{ByteOrder, Charset, Datatype, StrPad};
pub use raw::messages::link::LinkTarget;
pub use write::{AttrValue, DatasetSpec, LayoutSpec, Writer};
