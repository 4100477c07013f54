//! Shared test helpers: locating fixtures and the shared corpora, a peak-tracking allocator,
//! a hang watchdog.

#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `shared/` folder beside the repository (corpora, oracle), if present. When
/// `LOOMFILE_REQUIRE_SHARED=1` (set by `cargo xtask ci`) its absence is a failure.
pub fn shared() -> Option<PathBuf> {
    let p = std::env::var_os("LOOMFILE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    if p.join("corpus").is_dir() {
        return Some(p);
    }
    if std::env::var("LOOMFILE_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("shared corpora not found at {} (LOOMFILE_SHARED)", p.display());
    }
    eprintln!("skipping: shared corpora not found at {}", p.display());
    None
}

/// Sorted files of a directory with a given extension.
pub fn files(dir: &std::path::Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| ext.is_empty() || p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

/// An allocator wrapper that tracks the current and peak heap size.
pub struct PeakAlloc {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl PeakAlloc {
    /// A fresh tracker.
    pub const fn new() -> Self {
        PeakAlloc { current: AtomicUsize::new(0), peak: AtomicUsize::new(0) }
    }
    /// Reset the peak to the current size.
    pub fn reset_peak(&self) {
        self.peak.store(self.current.load(Ordering::SeqCst), Ordering::SeqCst);
    }
    /// Peak since the last reset.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
    /// Current heap size.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::SeqCst)
    }
}

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
                let now = self.current.fetch_add(new_size - layout.size(), Ordering::SeqCst)
                    + new_size
                    - layout.size();
                self.peak.fetch_max(now, Ordering::SeqCst);
            } else {
                self.current.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

/// A hang guard for loops over hostile inputs: [`Watchdog::kick`] names the input about to
/// run and restarts the clock; an input still running after the limit prints its name and
/// aborts the test process. Tests never assert on times (a slow machine is not a failure);
/// only a hang fails them. On wasm (no threads) the guard does nothing.
pub struct Watchdog {
    state: std::sync::Arc<std::sync::Mutex<(String, std::time::Instant, bool)>>,
}

/// Per input: far beyond any real answer (milliseconds), short enough to end a hung CI step.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(60);

impl Watchdog {
    /// Start guarding with the [`HANG`] limit.
    pub fn new() -> Self {
        let state = std::sync::Arc::new(std::sync::Mutex::new((
            String::from("(start)"),
            std::time::Instant::now(),
            false,
        )));
        #[cfg(not(target_family = "wasm"))]
        {
            let watched = state.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    let s = watched.lock().unwrap_or_else(|e| e.into_inner());
                    if s.2 {
                        return;
                    }
                    if s.1.elapsed() > HANG {
                        eprintln!("hang: {} gave no answer within {HANG:?}", s.0);
                        std::process::abort();
                    }
                }
            });
        }
        Watchdog { state }
    }

    /// `what` runs next: restart the clock under its name.
    pub fn kick(&self, what: impl Into<String>) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = what.into();
        s.1 = std::time::Instant::now();
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).2 = true;
    }
}
