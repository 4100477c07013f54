//! The allocator and the write log: where every structure of a transaction goes, 8-byte
//! aligned, and the one [`WriteAt`] it is written through.
//!
//! New bytes never touch a byte the committed state uses, so a crash before the superblock
//! write leaves the old file. With reuse on, they go first into the holes of the committed
//! state (first fit): ranges below the end of file that no reachable structure uses, as the
//! space map ([`crate::model::live`]) of the committed state proves, and that no older state
//! still readable in this process (a [`crate::File`] snapshot somebody holds) uses either.
//! Everything else is appended past the last protected byte. With reuse off (the space map
//! is unknown, or the file is edited without a lock, so another process may be reading it)
//! everything is appended past the committed end of file, as libhdf5 does.

use crate::model::file::FileInner;
use crate::model::live::Extents;
use crate::storage::WriteAt;
use crate::{Error, File, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

/// Where new bytes go, and the storage they go to.
pub struct Space {
    storage: Arc<dyn WriteAt>,
    /// Absolute position of the superblock (addresses are relative to it).
    pub base: u64,
    /// Next free relative address past every protected byte (the append point).
    next: u64,
    /// The committed end of file (relative).
    fence: u64,
    /// A write failed: the staged structures are incomplete.
    failed: AtomicBool,
    /// Reuse holes (off: append past the fence only).
    reuse: bool,
    /// Space map of the committed state (`None`: unknown, nothing is reused).
    live: Option<Arc<Extents>>,
    /// Older committed states and their space maps, while somebody may still read them.
    pins: Vec<(Weak<FileInner>, Arc<Extents>)>,
    /// What this transaction must not write (computed at its first allocation); `None`:
    /// everything below the fence.
    protected: Option<Extents>,
    /// Holes left for this transaction, sorted.
    holes: Vec<(u64, u64)>,
    /// The holes and the append point have to be computed again (a new transaction).
    stale: bool,
    /// One past the last byte allocated by this transaction.
    alloc_end: u64,
}

impl std::fmt::Debug for Space {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Space")
            .field("base", &self.base)
            .field("next", &self.next)
            .field("fence", &self.fence)
            .field("reuse", &self.reuse)
            .field("holes", &self.holes.len())
            .finish()
    }
}

/// Round up to a multiple of 8.
pub fn align8(n: u64) -> u64 {
    n.div_ceil(8) * 8
}

impl Space {
    /// Allocate from relative address `start` (the committed end of file) onwards; nothing
    /// is reused until [`Space::set_live`] gives the committed state's space map.
    pub fn new(storage: Arc<dyn WriteAt>, base: u64, start: u64) -> Self {
        let start = align8(start);
        Space {
            storage,
            base,
            next: start,
            fence: start,
            failed: AtomicBool::new(false),
            reuse: true,
            live: None,
            pins: Vec::new(),
            protected: None,
            holes: Vec::new(),
            stale: false,
            alloc_end: 0,
        }
    }

    /// Turn reuse of dead space on or off (from the next transaction on).
    pub fn set_reuse(&mut self, on: bool) {
        self.reuse = on;
        self.stale = true;
    }

    /// True when dead space is reused.
    pub fn reuse(&self) -> bool {
        self.reuse
    }

    /// The space map of the committed state (`None`: unknown).
    pub fn set_live(&mut self, live: Option<Extents>) {
        self.live = live.map(Arc::new);
        self.stale = true;
    }

    /// Compute this transaction's holes and append point, once, before its first allocation.
    fn refresh(&mut self) {
        if !self.stale {
            return;
        }
        self.stale = false;
        self.alloc_end = 0;
        self.pins.retain(|(w, _)| w.strong_count() > 0);
        match (&self.live, self.reuse) {
            (Some(live), true) => {
                let protected =
                    Extents::union(std::iter::once(&**live).chain(self.pins.iter().map(|p| &*p.1)));
                let end = protected.end();
                self.holes = protected
                    .gaps(0, end)
                    .into_iter()
                    .filter_map(|(s, e)| {
                        let s = align8(s);
                        (e > s).then_some((s, e))
                    })
                    .collect();
                self.next = align8(end);
                self.protected = Some(protected);
            }
            _ => {
                self.holes.clear();
                self.protected = None;
                self.next = align8(self.fence);
            }
        }
    }

    /// Reserve `len` bytes; returns their relative address.
    pub fn alloc(&mut self, len: u64) -> u64 {
        self.refresh();
        let len = align8(len.max(1));
        let at = match self.holes.iter().position(|&(s, e)| e - s >= len) {
            Some(i) => {
                let (s, e) = self.holes[i];
                let start = s;
                let rest = align8(s + len);
                if rest >= e {
                    self.holes.remove(i);
                } else {
                    self.holes[i].0 = rest;
                }
                start
            }
            None => {
                let at = self.next;
                self.next = at + len;
                at
            }
        };
        self.alloc_end = self.alloc_end.max(at + len);
        at
    }

    /// Reserve and write `bytes`; returns their address.
    pub fn append(&mut self, bytes: &[u8]) -> Result<u64> {
        let at = self.alloc(bytes.len() as u64);
        self.write(at, bytes)?;
        Ok(at)
    }

    /// Write `bytes` at relative address `at`, which no committed structure may use.
    pub fn write(&self, at: u64, bytes: &[u8]) -> Result<()> {
        let end = at.saturating_add(bytes.len() as u64);
        let clash = match (&self.protected, self.stale) {
            (Some(p), false) => p.overlaps(at, end),
            _ => at < self.fence,
        };
        if clash {
            return Err(Error::invalid(format!(
                "internal: write at {at:#x}..{end:#x} over bytes the committed file uses (end of file {:#x})",
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

    /// The end of file of the state being committed: past everything this transaction
    /// allocated and everything still protected (the committed state must stay whole until
    /// the superblock flips, older snapshots until they are dropped).
    pub fn end(&mut self) -> u64 {
        self.refresh();
        match &self.protected {
            Some(p) => self.alloc_end.max(p.end()),
            None => self.next.max(self.fence),
        }
    }

    /// The committed end of file this transaction started from.
    pub fn fence(&self) -> u64 {
        self.fence
    }

    /// The transaction committed with end of file `eof` and space map `live`; `old` is the
    /// reader of the state it replaced, protected while anyone still holds it.
    pub fn committed(&mut self, eof: u64, live: Option<Extents>, old: Option<&File>) {
        if let Some(old) = old {
            let map = self
                .live
                .take()
                .unwrap_or_else(|| Arc::new(Extents::from_ranges(vec![(0, self.fence)])));
            self.pins.push((Arc::downgrade(&old.inner), map));
        }
        self.fence = eof;
        self.live = live.map(Arc::new);
        self.stale = true;
    }

    /// Forget everything allocated since the last commit (an abandoned transaction).
    pub fn rewind(&mut self) {
        self.stale = true;
    }

    /// Where the file could end with no dead space at its tail: past the committed state and
    /// every pinned older state (`None`: unknown, or reuse is off).
    pub fn live_end(&mut self) -> Option<u64> {
        self.stale = true;
        self.refresh();
        self.protected.as_ref().map(|p| align8(p.end()))
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn WriteAt> {
        &self.storage
    }
}
