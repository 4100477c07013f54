//! The read context every raw parser gets: storage, base address, field widths and limits.
//!
//! All structure reads go through [`Source::block`], which checks the address range against
//! the file length and the metadata budget before allocating.

use super::binary::Sizes;
use crate::storage::ReadAt;
use crate::{Error, Limits, Result};
use std::sync::Arc;

/// Storage plus the file-wide facts needed to fetch structures safely.
#[derive(Clone)]
pub struct Source {
    storage: Arc<dyn ReadAt>,
    /// Absolute position of the superblock; file addresses are relative to it.
    pub base: u64,
    /// Physical length of the file when it was opened (or last committed).
    pub len: u64,
    /// Widths of addresses and lengths.
    pub sizes: Sizes,
    /// Allocation budget.
    pub limits: Limits,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("base", &self.base)
            .field("len", &self.len)
            .field("sizes", &self.sizes)
            .finish()
    }
}

impl Source {
    /// A source over `storage`.
    pub fn new(
        storage: Arc<dyn ReadAt>,
        base: u64,
        len: u64,
        sizes: Sizes,
        limits: Limits,
    ) -> Self {
        Source { storage, base, len, sizes, limits }
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn ReadAt> {
        &self.storage
    }

    /// Absolute file position of relative address `addr`, checked to leave `len` bytes.
    pub fn check_range(&self, addr: u64, len: u64, what: &'static str) -> Result<u64> {
        let abs = self
            .base
            .checked_add(addr)
            .filter(|a| a.checked_add(len).is_some_and(|end| end <= self.len))
            .ok_or_else(|| {
                Error::malformed(
                    what,
                    addr,
                    format!(
                        "{len} bytes at address {addr:#x} pass the end of the file ({} bytes)",
                        self.len
                    ),
                )
            })?;
        Ok(abs)
    }

    /// Read one metadata structure of `len` bytes at relative address `addr`.
    pub fn block(&self, addr: u64, len: u64, what: &'static str) -> Result<Vec<u8>> {
        if len > self.limits.max_metadata_block {
            return Err(Error::limit(what, len, self.limits.max_metadata_block));
        }
        let abs = self.check_range(addr, len, what)?;
        // alloc: len <= max_metadata_block and fits in the file (checked above)
        let mut buf = vec![0u8; len as usize];
        self.storage.read_exact_at(abs, &mut buf).map_err(Error::io)?;
        Ok(buf)
    }

    /// Read up to `max` bytes at `addr`, fewer if the file ends first (for structures whose
    /// size is only known after parsing their start).
    pub fn block_upto(&self, addr: u64, max: u64, what: &'static str) -> Result<Vec<u8>> {
        let abs = self.check_range(addr, 0, what)?;
        let n = max.min(self.len - abs);
        self.block(addr, n, what)
    }

    /// Fill `buf` with raw data at relative address `addr` (dataset storage, chunks).
    pub fn read_into(&self, addr: u64, buf: &mut [u8], what: &'static str) -> Result<()> {
        let abs = self.check_range(addr, buf.len() as u64, what)?;
        self.storage.read_exact_at(abs, buf).map_err(Error::io)
    }

    /// Borrow raw data at `addr` without copying, when the storage allows it.
    pub fn bytes_at(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let abs = self.base.checked_add(addr)?;
        self.storage.bytes_at(abs, len)
    }
}
