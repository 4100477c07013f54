//! Errors, grouped by cause: the file is malformed, the feature is unsupported, a limit was
//! exceeded, I/O failed, or the caller asked for something impossible.
//!
//! Every variant carries the object path it concerns (empty while a low-level parser has not
//! yet been told where it is; the model layer fills it in with [`Error::at`]).

use std::io;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from reading or writing an HDF5 file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No HDF5 signature at 0, 512, 1024, 2048, ... .
    #[error("not an HDF5 file (no signature found)")]
    NotHdf5,
    /// The bytes contradict the format: truncated, out of range, inconsistent, bad checksum.
    #[error("{}malformed {what} at offset {offset:#x}: {detail}", prefix(path))]
    Malformed {
        /// Object path, when known.
        path: String,
        /// The structure being decoded (e.g. "object header").
        what: &'static str,
        /// File offset of the structure or field.
        offset: u64,
        /// What was wrong.
        detail: String,
    },
    /// A valid HDF5 feature this engine does not implement.
    #[error("{}unsupported {feature}", prefix(path))]
    Unsupported {
        /// Object path, when known.
        path: String,
        /// The feature, named as HDF5 names it (e.g. "filter 32004 (lz4)").
        feature: String,
    },
    /// A size driven by the file exceeds the configured [`crate::Limits`].
    #[error("{}{what} needs {needed} bytes, over the limit of {limit}", prefix(path))]
    Limit {
        /// Object path, when known.
        path: String,
        /// What would have been allocated or read.
        what: &'static str,
        /// The size the file asks for.
        needed: u64,
        /// The configured limit.
        limit: u64,
    },
    /// An object claims more elements than the work budget ([`crate::Limits::max_elements`])
    /// lets one operation visit or produce; raised before any work or allocation.
    #[error(
        "{}{what} {count} elements is over the budget of {limit} elements (raise it with \
         --max-elements, or Limits::max_elements in the library)",
        prefix(path)
    )]
    Budget {
        /// Object path, when known.
        path: String,
        /// What would have been visited or produced, worded to precede "N elements" (e.g.
        /// "a read of", "statistics over").
        what: &'static str,
        /// The number of elements the file claims.
        count: u64,
        /// The configured budget.
        limit: u64,
    },
    /// The operating system failed a read, write or sync.
    #[error("{}I/O error: {source}", prefix(path))]
    Io {
        /// Object path, when known.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The caller asked for something the file cannot give (wrong type, out-of-range selection,
    /// missing object).
    #[error("{}{detail}", prefix(path))]
    Invalid {
        /// Object path, when known.
        path: String,
        /// What was asked and why it cannot be done.
        detail: String,
    },
    /// No object at this path.
    #[error("{path}: no such object")]
    NotFound {
        /// The path that was looked up.
        path: String,
    },
    /// Another process holds a conflicting HDF5 file lock, or a writer could not lock a file
    /// on a file system without locks (see [`crate::storage::lock`]).
    #[error("unable to lock file: {0}")]
    Locked(String),
    /// A write was attempted on a handle opened read-only, or on a format we only read.
    #[error("{}{detail}", prefix(path))]
    ReadOnly {
        /// Object path, when known.
        path: String,
        /// Why the write is refused.
        detail: String,
    },
    /// An earlier write or sync failed; the handle refuses further commits (the state on disk
    /// is unknown, or the staged changes are incomplete).
    #[error("an earlier write or sync failed; this handle accepts no further commits")]
    Poisoned,
}

fn prefix(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("{path}: ") }
}

impl Error {
    /// A malformed-structure error with no path yet.
    pub fn malformed(what: &'static str, offset: u64, detail: impl Into<String>) -> Self {
        Error::Malformed { path: String::new(), what, offset, detail: detail.into() }
    }

    /// An unsupported-feature error with no path yet.
    pub fn unsupported(feature: impl Into<String>) -> Self {
        Error::Unsupported { path: String::new(), feature: feature.into() }
    }

    /// An invalid-request error with no path yet.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Error::Invalid { path: String::new(), detail: detail.into() }
    }

    /// A limit error with no path yet.
    pub fn limit(what: &'static str, needed: u64, limit: u64) -> Self {
        Error::Limit { path: String::new(), what, needed, limit }
    }

    /// A work-budget error with no path yet.
    pub fn budget(what: &'static str, count: u64, limit: u64) -> Self {
        Error::Budget { path: String::new(), what, count, limit }
    }

    /// An I/O error with no path yet.
    pub fn io(source: io::Error) -> Self {
        Error::Io { path: String::new(), source }
    }

    /// Attach an object path, unless a more specific one is already set.
    pub fn at(mut self, object_path: &str) -> Self {
        match &mut self {
            Error::Malformed { path, .. }
            | Error::Unsupported { path, .. }
            | Error::Limit { path, .. }
            | Error::Budget { path, .. }
            | Error::Io { path, .. }
            | Error::Invalid { path, .. }
            | Error::ReadOnly { path, .. }
                if path.is_empty() =>
            {
                *path = object_path.to_string();
            }
            _ => {}
        }
        self
    }

    /// The object path this error concerns, if any.
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Malformed { path, .. }
            | Error::Unsupported { path, .. }
            | Error::Limit { path, .. }
            | Error::Budget { path, .. }
            | Error::Io { path, .. }
            | Error::Invalid { path, .. }
            | Error::ReadOnly { path, .. }
            | Error::NotFound { path } => Some(path),
            _ => None,
        }
    }

    /// True for errors that say the file is corrupt (as opposed to unsupported or a caller error).
    pub fn is_corrupt(&self) -> bool {
        matches!(self, Error::Malformed { .. } | Error::NotHdf5)
    }

    /// True for valid-but-unimplemented features.
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Error::Unsupported { .. })
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::io(e)
    }
}

/// Extension to attach a path to any `Result`.
pub trait ResultExt<T> {
    /// Attach `path` to the error, unless one is set.
    fn at(self, path: &str) -> Result<T>;
}

impl<T> ResultExt<T> for Result<T> {
    fn at(self, path: &str) -> Result<T> {
        self.map_err(|e| e.at(path))
    }
}
