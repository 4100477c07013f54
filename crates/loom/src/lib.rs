//! # loomfile
//!
//! Loom files — loompy's single-cell expression format on HDF5 — in pure Rust: the loompy API,
//! read and write, correct where loompy is not (see the crate README for the list).
//!
//! A loom file holds a main matrix (genes x cells) and named layers of the same shape, row
//! and column attributes (arrays whose first axis runs over rows or columns), row and column
//! graphs (COO edge lists) and global attributes. [`LoomFile`] opens one read-only by
//! default or read-write on request; every mutating call is one atomic commit.
//!
//! Modules: [`file`] (open/create, spec version, timestamps), [`catalog`] (what the groups
//! hold, and the members beyond the spec every reader skips), [`layers`], [`attrs`] (row,
//! column and global attributes), [`graphs`], [`values`] (typed attribute values),
//! [`sparse`] (COO/CSR), [`text`] (spec-2 string escaping), [`spec`] (what loompy writes),
//! [`validate`] (the spec and loompy's conventions, checked correctly), [`ops`] (add_columns,
//! add_loom, combine, permute, 10x MEX import: bounded memory, one atomic commit each).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attrs;
pub mod catalog;
pub mod changes;
pub mod create;
pub mod error;
pub mod file;
#[cfg(feature = "fs")]
pub mod formats;
pub mod graphs;
#[cfg(feature = "json")]
pub mod info;
pub mod layers;
pub mod ops;
mod parallel;
pub mod reader;
pub mod refs;
pub mod sniff;
pub mod sparse;
pub mod spec;
pub mod stats;
pub mod text;
pub mod timestamp;
pub mod validate;
pub mod values;
pub mod view;

pub use create::Contents;
pub use error::{Error, Result};
pub use file::{Axis, LoomFile};
pub use graphs::Graph;
pub use layers::{LayerData, LayerInfo, LayerOptions, Sel};
pub use sparse::{Coo, Csr};
pub use values::{NumType, Values};
