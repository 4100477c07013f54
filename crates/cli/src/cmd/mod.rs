//! One module per command family.

pub mod export;
pub mod h5;
pub mod info;
pub mod stats;
