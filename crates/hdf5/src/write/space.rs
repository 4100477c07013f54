//! The append allocator and the write log: every structure of a transaction is placed past
//! the committed end of file, 8-byte aligned, and written through one [`WriteAt`].

use crate::storage::WriteAt;
use crate::{Error, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where new bytes go, and the storage they go to.
pub struct Space {
    storage: Arc<dyn WriteAt>,
    /// Absolute position of the superblock (addresses are relative to it).
    pub base: u64,
    /// Next free relative address.
    next: u64,
    /// The committed end of file (relative): nothing below it may be written before commit.
    fence: u64,
    /// A write failed: the staged structures past the fence are incomplete.
    failed: AtomicBool,
}

impl std::fmt::Debug for Space {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Space")
            .field("base", &self.base)
            .field("next", &self.next)
            .field("fence", &self.fence)
            .finish()
    }
}

/// Round up to a multiple of 8.
pub fn align8(n: u64) -> u64 {
    n.div_ceil(8) * 8
}

impl Space {
    /// Allocate from relative address `start` (the committed end of file) onwards.
    pub fn new(storage: Arc<dyn WriteAt>, base: u64, start: u64) -> Self {
        let start = align8(start);
        Space { storage, base, next: start, fence: start, failed: AtomicBool::new(false) }
    }

    /// Reserve `len` bytes; returns their relative address.
    pub fn alloc(&mut self, len: u64) -> u64 {
        let at = self.next;
        self.next = align8(self.next + len.max(1));
        at
    }

    /// Reserve and write `bytes`; returns their address.
    pub fn append(&mut self, bytes: &[u8]) -> Result<u64> {
        let at = self.alloc(bytes.len() as u64);
        self.write(at, bytes)?;
        Ok(at)
    }

    /// Write `bytes` at relative address `at`, which must be at or past the fence.
    pub fn write(&self, at: u64, bytes: &[u8]) -> Result<()> {
        if at < self.fence {
            return Err(Error::invalid(format!(
                "internal: write at {at:#x} below the committed end of file {:#x}",
                self.fence
            )));
        }
        self.storage.write_all_at(self.base + at, bytes).map_err(|e| {
            self.failed.store(true, Ordering::Relaxed);
            Error::io(e)
        })
    }

    /// True once a write has failed (the writer must not commit what was staged).
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// The next free address (the end of file once everything is written).
    pub fn end(&self) -> u64 {
        self.next
    }

    /// The committed end of file this transaction started from.
    pub fn fence(&self) -> u64 {
        self.fence
    }

    /// Start a new transaction from the current end.
    pub fn advance_fence(&mut self) {
        self.fence = self.next;
    }

    /// Forget everything allocated since the fence (an abandoned transaction).
    pub fn rewind(&mut self) {
        self.next = self.fence;
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn WriteAt> {
        &self.storage
    }
}
