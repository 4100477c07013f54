//! Findings of the `loom_open_validate` fuzz target stay fixed: every committed input under
//! `fuzz/regressions/loom_open_validate/` is replayed through the target's harness
//! (`fuzz/src/loom.rs`, compiled into this test) on stable, together with every loom and
//! HDF5 fixture and a few truncations of each. As in the fuzz runs (`-malloc_limit_mb=256`),
//! a single allocation above 256 MiB is a finding: the allocator below refuses it, which
//! aborts the test.

#[allow(dead_code)]
#[path = "../../../fuzz/src/loom.rs"]
mod harness;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;

/// The system allocator, refusing any single allocation above [`MALLOC_LIMIT`].
struct Limited;

const MALLOC_LIMIT: usize = 256 << 20;

unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MALLOC_LIMIT {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MALLOC_LIMIT {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Limited = Limited;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"));
    v.sort();
    v
}

#[test]
fn regressions_and_fixtures_pass_the_loom_target() {
    let regressions = files("fuzz/regressions/loom_open_validate");
    // The hostile-shape files (2^40-element claims, fixtures/gen_hostile.py) are seeds too.
    let fixtures: Vec<PathBuf> = files("fixtures/loom")
        .into_iter()
        .chain(files("fixtures/hostile"))
        .filter(|p| p.extension().is_some_and(|e| e == "loom"))
        .collect();
    assert!(fixtures.len() >= 5, "loom fixtures missing");
    for p in regressions.iter().chain(&fixtures) {
        let bytes = std::fs::read(p).unwrap();
        harness::loom_open_validate(&bytes);
        for cut in [bytes.len() / 2, bytes.len() * 9 / 10, bytes.len().saturating_sub(1)] {
            harness::loom_open_validate(&bytes[..cut]);
        }
    }
    println!("{} regressions, {} fixtures", regressions.len(), fixtures.len());
}
