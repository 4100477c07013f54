//! One module per command family.

pub mod combine;
pub mod convert;
pub mod export;
pub mod h5;
pub mod info;
pub mod refs;
pub mod stats;
pub mod subset;
pub mod validate;

/// True when both paths name the same existing file.
pub fn same_file(a: impl AsRef<std::path::Path>, b: impl AsRef<std::path::Path>) -> bool {
    matches!((a.as_ref().canonicalize(), b.as_ref().canonicalize()), (Ok(x), Ok(y)) if x == y)
}
