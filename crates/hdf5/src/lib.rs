//! # loomfile-hdf5
//!
//! The HDF5 subset behind Loom files, in pure Rust: a reader for everything libhdf5 writes
//! with its common settings, and a writer that emits the structures loompy's files use and
//! commits edits atomically.
//!
//! Start at [`File`] (reading) or [`Writer`] (creating and editing); everything they take or
//! return is re-exported at the crate root. Three public modules hold the rest of the stable
//! surface:
//! - [`storage`]: positional reads and writes ([`storage::ReadAt`], [`storage::WriteAt`]) over
//!   memory, files (pread), or memory maps (feature `mmap`, opened only by the `unsafe`
//!   `File::open_mmap`), and HDF5-compatible file locking.
//! - [`filters`]: the chunk filter pipeline (deflate via zlib-rs, shuffle, fletcher32, lzf),
//!   for callers that decode or encode raw chunks themselves (with [`Dataset::chunks`]).
//! - [`convert`]: element conversions and datatype helpers for such callers.
//!
//! Inside, layers bottom up: storage; `raw`, bytes on disk, one module per HDF5 structure
//! (superblock, object header and its messages, B-trees, heaps, chunk indexes), each declared
//! once with binrw for reading and writing, parsed from bounded blocks; filters; `model`,
//! files, groups, datasets, attributes, typed, selection and ndarray reads; `write`, the
//! writer (earliest-format structures) and the atomic commit protocol.
//!
//! Unstable features, for this workspace's fuzz harnesses and tests only (not covered by
//! semver, may change in any release): `_internals` makes `raw` public; `_fault` adds
//! `storage::FaultStorage`, a backend that records writes and fails or stops at a chosen one.
//!
//! Every file is treated as hostile: all sizes and offsets are checked, allocations driven by
//! file fields are bounded by [`Limits`], cycles are detected, and failures are typed
//! [`Error`]s naming the object path — malformed, unsupported, over a limit, I/O, or invalid
//! request. No unsafe code outside the opt-in memory map, which safe code cannot reach.

#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod error;
pub mod filters;
mod limits;
mod model;
/// The on-disk structures (unstable, feature `_internals`: for the fuzz harnesses).
#[cfg(feature = "_internals")]
pub mod raw;
#[cfg(not(feature = "_internals"))]
#[allow(dead_code)] // parsers the fuzz harnesses reach through `_internals`
mod raw;
pub mod storage;
mod write;

/// Element conversions and datatype helpers, for code that decodes raw chunks itself (see
/// [`Dataset::chunks`] and [`filters::ChunkDecoder`]).
pub mod convert {
    pub use crate::model::convert::{convert, convert_into, describe, element};
    pub use crate::model::reference::is_object_reference;
    pub use crate::model::value::{f16_to_f64, integer};
}

pub use error::{Error, Result, ResultExt};
pub use limits::{DEFAULT_MAX_ELEMENTS, Limits, set_default_max_elements};
pub use model::attribute::Attribute;
pub use model::chunks::{ChunkEntry, ChunkGeometry, ChunkMap};
pub use model::convert::{H5Type, NumKind};
pub use model::dataset::Dataset;
pub use model::file::{File, OpenOptions};
pub use model::live::SpaceUsage;
pub use model::object::{Committed, Group, LinkEntry, Object};
pub use model::read::Selection;
pub use model::value::Value;
pub use model::walk::{Node, NodeKind, WalkOptions, walk};
pub use raw::messages::dataspace::{Dataspace, UNLIMITED};
pub use raw::messages::datatype::{ByteOrder, Charset, Datatype, FloatLayout, Member, StrPad};
pub use raw::messages::filter_pipeline::{Filter, FilterPipeline};
pub use raw::messages::layout::{ChunkIndex, Layout};
pub use raw::messages::link::LinkTarget;
pub use write::{
    AUTO_COMPACT_MIN_BYTES, AttrValue, DEFAULT_AUTO_COMPACT, Data, DatasetSpec, LayoutSpec,
    RepackOptions, RepackReport, Writer, repack,
};
#[cfg(feature = "fs")]
pub use write::{CompactReport, compact};
