//! A bounded cache of decoded chunks, for the small reads that come back to the same chunks:
//! row after row of one band, a column next to the last one, repeated lookups of a few
//! cells. Reads that touch more chunks than half the cache (full reads, scans, reductions)
//! bypass it, so they neither pay for copies nor evict what small reads use.
//!
//! A chunk is admitted on its second miss: the first one only records its key (a bounded
//! list of recent keys), so reads that never come back (random rows of a big file) cost
//! nothing extra, while row after row of one band hits from its third read on.
//!
//! Entries are whole decoded chunks keyed by grid position. Eviction is CLOCK (second
//! chance): entries wait in insertion order, an entry used since it was last passed over
//! goes round again, the first one that was not is dropped; constant time per insert. The
//! cache lives with its [`Matrix`](crate::Matrix), guarded by a mutex held only to look up,
//! insert or evict.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Default capacity: 64 MiB of decoded chunks (4,096 loompy chunks of 64 x 64 float32:
/// two bands of rows of a 64,000-cell file, or one of a 128,000-cell file).
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// A decoded chunk.
pub(crate) type Decoded = Arc<Vec<u8>>;

#[derive(Default)]
struct Inner {
    /// Chunk and its "used since passed over" bit.
    map: HashMap<(u64, u64), (Decoded, bool)>,
    /// Keys in clock order.
    ring: VecDeque<(u64, u64)>,
    bytes: usize,
    /// Keys missed once, oldest first (at most `GHOSTS`).
    ghosts: VecDeque<(u64, u64)>,
    ghost_set: std::collections::HashSet<(u64, u64)>,
}

/// Keys remembered for admission.
const GHOSTS: usize = 8192;

/// Decoded chunks by (tile row, tile column).
pub(crate) struct ChunkCache {
    cap: usize,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for ChunkCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkCache").field("cap", &self.cap).finish()
    }
}

impl ChunkCache {
    /// A cache of at most `cap` bytes of decoded chunks (0: off).
    pub(crate) fn new(cap: usize) -> Self {
        ChunkCache { cap, inner: Mutex::new(Inner::default()) }
    }

    /// True when a read of `chunks` chunks of `chunk_bytes` should use the cache.
    pub(crate) fn worth(&self, chunks: usize, chunk_bytes: usize) -> bool {
        chunk_bytes > 0 && chunks.saturating_mul(chunk_bytes) <= self.cap / 2
    }

    /// The decoded chunk at `key`, if cached.
    pub(crate) fn get(&self, key: (u64, u64)) -> Option<Decoded> {
        let mut g = self.inner.lock().ok()?;
        g.map.get_mut(&key).map(|(data, used)| {
            *used = true;
            data.clone()
        })
    }

    /// A miss at `key`: true when it was missed before (admit it now), else remember it.
    pub(crate) fn admit(&self, key: (u64, u64)) -> bool {
        let Ok(mut g) = self.inner.lock() else { return false };
        if g.ghost_set.remove(&key) {
            return true;
        }
        if g.ghosts.len() >= GHOSTS {
            // Stale keys (already admitted or forgotten) fall out of the queue too.
            while let Some(old) = g.ghosts.pop_front() {
                if g.ghost_set.remove(&old) {
                    break;
                }
            }
        }
        g.ghosts.push_back(key);
        g.ghost_set.insert(key);
        false
    }

    /// Keep the decoded chunk at `key`, evicting as needed.
    pub(crate) fn put(&self, key: (u64, u64), data: Decoded) {
        if data.len() > self.cap {
            return;
        }
        let Ok(mut g) = self.inner.lock() else { return };
        if g.map.contains_key(&key) {
            return;
        }
        // Each entry is passed over at most once before one is dropped: bounded work.
        let mut budget = 2 * g.ring.len() + 1;
        while g.bytes + data.len() > self.cap && budget > 0 {
            budget -= 1;
            let Some(old) = g.ring.pop_front() else { break };
            match g.map.get_mut(&old) {
                Some((_, used)) if *used => {
                    *used = false;
                    g.ring.push_back(old);
                }
                Some(_) => {
                    if let Some((d, _)) = g.map.remove(&old) {
                        g.bytes -= d.len();
                    }
                }
                None => {}
            }
        }
        if g.bytes + data.len() > self.cap {
            return;
        }
        g.bytes += data.len();
        g.ring.push_back(key);
        g.map.insert(key, (data, false));
    }

    /// Cached bytes and entries.
    #[cfg(test)]
    pub(crate) fn usage(&self) -> (usize, usize) {
        self.inner.lock().map(|g| (g.bytes, g.map.len())).unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_unused_entries_first_within_the_cap() {
        let c = ChunkCache::new(3 * 100);
        let chunk = |v: u8, n: usize| Arc::new(vec![v; n]);
        for k in 0..3u64 {
            c.put((0, k), chunk(k as u8, 100));
        }
        assert_eq!(c.usage(), (300, 3));
        assert!(c.get((0, 0)).is_some()); // (0, 0) gets a second chance, (0, 1) goes
        c.put((0, 3), chunk(3, 100));
        assert_eq!(c.usage(), (300, 3));
        assert!(c.get((0, 1)).is_none());
        assert_eq!(&**c.get((0, 0)).unwrap(), &[0u8; 100][..]);
        assert_eq!(&**c.get((0, 3)).unwrap(), &[3u8; 100][..]);
        // Many more inserts than fit: the size bound holds throughout.
        for k in 10..1000u64 {
            c.put((1, k), chunk(1, 60 + (k % 50) as usize));
            assert!(c.usage().0 <= 300);
        }
        c.put((9, 9), chunk(0, 301)); // larger than the cache: not kept
        // Admission: the first miss is only remembered, the second admits.
        assert!(!c.admit((5, 5)) && c.admit((5, 5)) && !c.admit((5, 5)));
        for k in 0..(GHOSTS as u64 + 10) {
            assert!(!c.admit((6, k)));
        }
        assert!(!c.admit((6, 0)), "the oldest keys are forgotten");
        assert!(c.admit((6, GHOSTS as u64 + 9)));
        assert!(c.get((9, 9)).is_none());
        assert!(c.worth(1, 150) && !c.worth(1, 151) && !ChunkCache::new(0).worth(1, 1));
    }
}
