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
//! Modules: [`file`](mod@file) (open/create, spec version, timestamps), [`catalog`] (what the groups
//! hold, and the members beyond the spec every reader skips), [`layers`], [`attrs`] (row,
//! column and global attributes), [`graphs`], [`values`] (typed attribute values),
//! [`sparse`] (COO/CSR), [`numeric`] (element types and the one conversion policy),
//! [`batch`] (several writes, one commit; layers written band by band), [`text`] (spec-2
//! string escaping), [`spec`] (what loompy writes), [`validate`] (the spec and loompy's
//! conventions, checked correctly), [`ops`] (loom-to-loom operations: add_columns, add_loom,
//! combine, permute, subset: bounded memory, one atomic commit each).
//!
//! Conversions from and to other formats (10x HDF5 and MEX, Matrix Market, TSV/CSV, h5ad) and
//! loompy's `create_from_*` importers are the `loomfile-formats` crate, built on this one.
//!
//! ## Quick start
//!
//! The [`guide`] translates loompy's API walkthrough step by step. In short:
//!
//! ```
//! use loomfile::ndarray::Array2; // the ndarray this crate uses: one version, no mismatch
//! use loomfile::{Axis, Contents, LayerData, LoomFile, Sel, Values};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("quick.loom");
//! let m = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32);
//! let contents = Contents {
//!     row_attrs: vec![("Gene", Values::from(vec!["Actb", "Gapdh", "Sox2"]))],
//!     col_attrs: vec![("CellID", Values::from(vec!["c0", "c1", "c2", "c3"]))],
//!     file_attrs: vec![("title", Values::from("quick start"))],
//! };
//! LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//!
//! let ds = LoomFile::open(&path)?;
//! assert_eq!(ds.shape(), (3, 4));
//! let row = ds.read_layer::<f32>("", &Sel::from(1u64), &Sel::All)?; // ds[1, :]
//! assert_eq!(row.row(0).to_vec(), [4.0, 5.0, 6.0, 7.0]);
//! assert_eq!(ds.attr(Axis::Rows, "Gene")?.as_strings().unwrap()[2], "Sox2");
//! assert_eq!(ds.global("title")?.as_string(), Some("quick start"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

// The crate README's example compiles as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

pub mod attrs;
pub mod batch;
pub mod catalog;
pub mod changes;
pub mod convenience;
pub mod create;
pub mod deep;
pub mod error;
pub mod file;
pub mod graphs;
pub mod guide;
#[cfg(feature = "json")]
pub mod info;
pub mod layers;
pub mod numeric;
pub mod ops;
use loomfile_scan::parallel;
pub mod reader;
pub mod refs;
pub mod sniff;
pub mod sparse;
pub mod spec;
pub mod stats;
pub mod summary;
pub mod text;
pub mod timestamp;
pub mod typed;
pub mod validate;
pub mod values;
pub mod view;

pub use batch::Batch;
pub use create::Contents;
pub use error::{Error, Result};
pub use file::{Axis, LoomFile};
pub use graphs::Graph;
pub use layers::{LayerData, LayerInfo, LayerOptions, Sel, layer_path};
pub use sparse::{Coo, Csc, Csr};
pub use values::{Element, NumType, Values};

// Everything a user names when calling the public API, at the root.
pub use catalog::{MemberKind, Other};
pub use changes::Changes;
pub use ops::{
    AddLoomOptions, Aggregation, Block, CombineOptions, CombineReport, CombineRowsOptions,
    FillValues, SubsetReport, combine_into, combine_rows_into, subset_into,
};
#[cfg(feature = "fs")]
pub use ops::{combine, combine_opened, combine_rows, subset};
pub use refs::Refs;
pub use spec::SpecVersion;
pub use stats::AxisStats;
pub use summary::{AttrSummary, Summary};
pub use typed::LayerArray;
pub use validate::{Problem, Report};
pub use view::{MapFn, Scan, ScanBatch, ScanOptions, View, ViewOptions};

/// The HDF5 engine underneath (`loomfile-hdf5`): its types appear in some signatures
/// ([`LoomFile::from_hdf5`], [`LoomFile::layer_dataset`], [`LayerOptions::spec`]).
pub use loomfile_hdf5 as hdf5;
pub use loomfile_hdf5::storage::{MemStorage, ReadAt, WriteAt};
pub use loomfile_hdf5::{DatasetSpec, H5Type, Limits, Selection};
/// The scan core underneath (`loomfile-scan`), returned by [`LoomFile::matrix`].
pub use loomfile_scan as scan;

/// The ndarray version this crate's arrays come from: use `loomfile::ndarray` (or the same
/// version in your Cargo.toml) so that [`LayerData::Dense`] and [`LoomFile::read_layer`]
/// type-check against your arrays.
pub use ndarray;
