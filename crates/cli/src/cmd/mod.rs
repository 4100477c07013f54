//! One module per command family.

pub mod combine;
pub mod convert;
pub mod export;
pub mod h5;
pub mod info;
pub mod stats;
pub mod subset;
pub mod validate;
