//! Hostile input: every public HDF5 CVE reproducer (shared/corpus/hdf5-cve) is opened,
//! walked and fully dumped. Each must give Ok or a typed error — no panic, no hang (a
//! watchdog) — with peak heap under 64 MiB + 4 x the file size.

mod common;

use common::{PeakAlloc, Watchdog};
use loomfile_hdf5::storage::MemStorage;
use loomfile_hdf5::{Error, File, Limits};
use loomfile_hdf5::{WalkOptions, walk};
use std::sync::Arc;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc::new();

/// Open, walk and read everything; the outcome as a short label.
fn exercise(bytes: Vec<u8>) -> Result<usize, Error> {
    let file = File::from_storage(Arc::new(MemStorage::frozen(bytes)), Limits::strict())?;
    let nodes = walk(&file, "/", WalkOptions { max_nodes: 100_000, ..WalkOptions::default() })?;
    Ok(nodes.len())
}

#[test]
fn every_cve_reproducer_gives_ok_or_a_typed_error() {
    let Some(shared) = common::shared() else { return };
    let dir = shared.join("corpus/hdf5-cve");
    let files = common::files(&dir, &[]);
    assert!(files.len() >= 140, "expected the 145-file corpus in {}", dir.display());
    let dog = Watchdog::new();
    let (mut ok, mut err) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let size = bytes.len();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        dog.kick(&name);
        ALLOC.reset_peak();
        let base = ALLOC.current();
        let outcome = std::panic::catch_unwind(|| exercise(bytes));
        let peak = ALLOC.peak().saturating_sub(base);
        match outcome {
            Err(_) => panic!("{name}: panicked"),
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                // Typed: it says what kind of failure it is and prints one line.
                assert!(
                    !e.to_string().is_empty() && !e.to_string().contains('\n'),
                    "{name}: {e:?}"
                );
                err += 1;
            }
        }
        let budget = (64 << 20) + 4 * size;
        assert!(peak <= budget, "{name}: peak heap {peak} bytes over the budget {budget}");
    }
    eprintln!("hdf5-cve corpus: {} files, {ok} ok, {err} typed errors, 0 panics", files.len());
}
