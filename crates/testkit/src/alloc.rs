//! A global allocator that tracks the bytes live on the heap and their peak, for tests that
//! bound memory. Install it in a test binary of its own (no other test's allocations are
//! then counted):
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: loomfile_testkit::PeakAlloc = loomfile_testkit::PeakAlloc::new();
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting.
pub struct PeakAlloc {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl Default for PeakAlloc {
    fn default() -> Self {
        Self::new()
    }
}

impl PeakAlloc {
    /// A fresh tracker.
    pub const fn new() -> Self {
        PeakAlloc { current: AtomicUsize::new(0), peak: AtomicUsize::new(0) }
    }

    /// Restart the peak from the bytes live now.
    pub fn reset_peak(&self) {
        self.peak.store(self.current.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// Most bytes live at once since the last reset.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Bytes live now.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::SeqCst)
    }

    /// The peak of `f`'s allocations above what was live when it started, and its result.
    pub fn measure<R>(&self, f: impl FnOnce() -> R) -> (usize, R) {
        let base = self.current();
        self.reset_peak();
        let r = f();
        (self.peak().saturating_sub(base), r)
    }
}

// SAFETY: every call forwards to the system allocator unchanged; the counters are atomics.
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = self.current.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            self.peak.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        self.current.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let grow = new_size - layout.size();
                let now = self.current.fetch_add(grow, Ordering::SeqCst) + grow;
                self.peak.fetch_max(now, Ordering::SeqCst);
            } else {
                self.current.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}
