//! The object model: files, groups, datasets, attributes, typed and selection reads.

pub mod attribute;
pub mod chunks;
pub mod convert;
pub mod dataset;
pub(crate) mod dense;
pub mod file;
pub(crate) mod index_v4;
pub mod live;
pub mod object;
pub mod path;
pub mod read;
pub mod reference;
pub mod value;
pub mod walk;
