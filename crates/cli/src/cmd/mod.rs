//! One module per command family.

pub mod h5;
pub mod info;
