//! A bounded cache of decoded chunks, for the small reads that come back to the same chunks:
//! row after row of one band, a column next to the last one, repeated lookups of a few
//! cells. Reads that touch more chunks than a quarter of the cache (full reads, scans,
//! reductions) bypass it, so they neither pay for copies nor evict what small reads use.
//!
//! Entries are whole decoded chunks keyed by grid position, evicted least recently used
//! first; the cache lives with its [`Matrix`](crate::Matrix) (shared by its clones' reads,
//! guarded by a mutex held only to look up, insert or evict).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Default capacity: 32 MiB of decoded chunks (2,048 loompy chunks of 64 x 64 float32).
pub const DEFAULT_CACHE_BYTES: usize = 32 << 20;

#[derive(Default)]
struct Inner {
    map: HashMap<(u64, u64), (Arc<[u8]>, u64)>,
    bytes: usize,
    tick: u64,
}

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
        chunk_bytes > 0 && chunks.saturating_mul(chunk_bytes) <= self.cap / 4
    }

    /// The decoded chunk at `key`, if cached.
    pub(crate) fn get(&self, key: (u64, u64)) -> Option<Arc<[u8]>> {
        let mut g = self.inner.lock().ok()?;
        g.tick += 1;
        let t = g.tick;
        g.map.get_mut(&key).map(|(data, used)| {
            *used = t;
            data.clone()
        })
    }

    /// Keep a copy of the decoded chunk at `key`, evicting the least recently used.
    pub(crate) fn put(&self, key: (u64, u64), data: &[u8]) {
        if data.len() > self.cap {
            return;
        }
        let Ok(mut g) = self.inner.lock() else { return };
        if g.map.contains_key(&key) {
            return;
        }
        while g.bytes + data.len() > self.cap {
            let Some((&old, _)) = g.map.iter().min_by_key(|(_, (_, used))| *used) else { break };
            if let Some((d, _)) = g.map.remove(&old) {
                g.bytes -= d.len();
            }
        }
        g.tick += 1;
        let t = g.tick;
        g.bytes += data.len();
        g.map.insert(key, (Arc::from(data), t));
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
    fn evicts_least_recently_used_within_the_cap() {
        let c = ChunkCache::new(3 * 100);
        for k in 0..3u64 {
            c.put((0, k), &[k as u8; 100]);
        }
        assert_eq!(c.usage(), (300, 3));
        assert!(c.get((0, 0)).is_some()); // (0, 1) is now the oldest
        c.put((0, 3), &[3; 100]);
        assert_eq!(c.usage(), (300, 3));
        assert!(c.get((0, 1)).is_none());
        assert_eq!(&*c.get((0, 0)).unwrap(), &[0u8; 100][..]);
        assert_eq!(&*c.get((0, 3)).unwrap(), &[3u8; 100][..]);
        c.put((9, 9), &[0; 301]); // larger than the cache: not kept
        assert!(c.get((9, 9)).is_none());
        assert!(c.worth(0, 100) && !c.worth(1, 100) && !ChunkCache::new(0).worth(1, 1));
    }
}
