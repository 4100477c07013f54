//! Storage: positional reads and writes, with no seek state.
//!
//! Readers see a [`ReadAt`]: `read_exact_at(offset, buf)` from any thread, plus an optional
//! zero-copy [`ReadAt::bytes_at`]. Writers see a [`WriteAt`]. Backends:
//! [`MemStorage`] (bytes in memory, always available, the wasm32 path),
//! [`FileStorage`] (pread/pwrite, feature `fs`), `MmapStorage` (feature `mmap`, opt-in, its
//! constructor `unsafe`), and `FaultStorage` (unstable feature `_fault`: a test backend that
//! records every write and fails or stops at a chosen one). [`AtomicFile`] (feature `fs`)
//! writes a whole new file beside its path and renames it over.

#[cfg(feature = "fs")]
mod atomic;
#[cfg(feature = "_fault")]
mod fault;
#[cfg(feature = "fs")]
mod file;
#[cfg(feature = "fs")]
pub mod lock;
mod memory;
#[cfg(feature = "mmap")]
mod mmap;

#[cfg(feature = "fs")]
pub use atomic::AtomicFile;
#[cfg(feature = "_fault")]
pub use fault::{FaultAction, FaultPlan, FaultStorage, WriteEvent};
#[cfg(feature = "fs")]
pub use file::FileStorage;
pub use memory::MemStorage;
#[cfg(feature = "mmap")]
pub use mmap::MmapStorage;

use std::io;

/// Positional reads from an immutable-looking byte source.
pub trait ReadAt: Send + Sync {
    /// Current length of the source in bytes.
    fn len(&self) -> io::Result<u64>;

    /// True when the source holds no bytes.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Fill `buf` from `offset`; an error if the source ends first.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;

    /// Borrow `len` bytes at `offset` without copying, when the backend holds them in memory.
    fn bytes_at(&self, _offset: u64, _len: usize) -> Option<&[u8]> {
        None
    }

    /// True when each read is costly (a file in a web page read through JS, a range request
    /// over the network): the engine then reads a chunk index on demand, one path per chunk
    /// asked for, instead of whole when a dataset is first read. False by default.
    fn is_remote(&self) -> bool {
        false
    }
}

/// Positional writes, for the writer and the editor.
pub trait WriteAt: ReadAt {
    /// Write all of `buf` at `offset`, extending the source if needed.
    fn write_all_at(&self, offset: u64, buf: &[u8]) -> io::Result<()>;
    /// Truncate or extend to `len` bytes.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Make everything written so far durable (fdatasync).
    fn sync(&self) -> io::Result<()>;
}

impl<T: ReadAt + ?Sized> ReadAt for std::sync::Arc<T> {
    fn len(&self) -> io::Result<u64> {
        (**self).len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_exact_at(offset, buf)
    }
    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        (**self).bytes_at(offset, len)
    }
    fn is_remote(&self) -> bool {
        (**self).is_remote()
    }
}

impl<T: WriteAt + ?Sized> WriteAt for std::sync::Arc<T> {
    fn write_all_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        (**self).write_all_at(offset, buf)
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        (**self).set_len(len)
    }
    fn sync(&self) -> io::Result<()> {
        (**self).sync()
    }
}

pub(crate) fn eof_error(offset: u64, len: usize, size: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("read of {len} bytes at {offset:#x} passes the end of the file ({size} bytes)"),
    )
}
