//! Memory-mapped reads (feature `mmap`, opt-in).
//!
//! Zero-copy and fast, but a file truncated or rewritten by another process while mapped
//! makes the process receive SIGBUS, and in-place changes violate Rust's aliasing rules.
//! Use it only for files nobody else modifies; the default is [`super::FileStorage`].

use super::{ReadAt, eof_error};
use std::fs::File;
use std::io;

/// A read-only memory map of a whole file.
#[derive(Debug)]
pub struct MmapStorage {
    map: memmap2::Mmap,
}

impl MmapStorage {
    /// Map `file` read-only.
    ///
    /// # Safety
    /// The caller guarantees that no process truncates or modifies the file while the map lives.
    #[allow(unsafe_code)]
    pub unsafe fn map(file: &File) -> io::Result<Self> {
        // SAFETY: the caller upholds the no-modification contract documented above.
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(MmapStorage { map })
    }
}

impl ReadAt for MmapStorage {
    fn len(&self) -> io::Result<u64> {
        Ok(self.map.len() as u64)
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let src = self
            .bytes_at(offset, buf.len())
            .ok_or_else(|| eof_error(offset, buf.len(), self.map.len() as u64))?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        let start = usize::try_from(offset).ok()?;
        self.map.get(start..start.checked_add(len)?)
    }
}
