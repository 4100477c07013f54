//! The `loom_open_validate` fuzz target: a whole file opened as a loom file, validated
//! (strict), and everything a reader touches read: layer descriptions, small layers in full
//! (larger ones by a corner), stats, row/column/global attributes and graphs. Only a panic
//! is a finding; errors are the expected outcome.
//!
//! Kept apart from the HDF5 harnesses (`lib.rs`) because it needs the `loomfile` crate: its
//! committed regressions are replayed by `crates/loom/tests/fuzz_regressions.rs`, which
//! includes this file alone.

use loomfile::{Axis, LoomFile, Sel};
use loomfile_hdf5::storage::MemStorage;
use loomfile_hdf5::{File, Limits};
use std::sync::Arc;

/// Elements read in full at most (larger layers: a corner only).
const FULL_READ: u64 = 1 << 18;

/// Open, validate and read everything of a loom image.
pub fn loom_open_validate(data: &[u8]) {
    // Strict limits (reads above 16 MiB refused), as in the HDF5 harnesses: the default
    // budget lets a small file ask for gigabytes of legitimate work, which is not a finding.
    let storage = Arc::new(MemStorage::frozen(data.to_vec()));
    let Ok(h5) = File::from_storage(storage, Limits::strict()) else { return };
    let _ = loomfile::validate::validate_hdf5(&h5, true);
    let Ok(f) = LoomFile::from_hdf5(h5) else { return };
    let _ = f.validate(false);
    let _ = (f.other_members(), f.warnings());
    let _ = loomfile::sniff::identify(f.hdf5());
    let (n, m) = f.shape();
    for axis in [Axis::Rows, Axis::Cols] {
        for name in f.attr_names(axis) {
            let _ = f.attr(axis, &name);
        }
        for name in f.graph_names(axis) {
            let _ = f.graph(axis, &name);
            let _ = f.graph_edges(axis, &name);
        }
    }
    for name in f.global_names() {
        let _ = f.global(&name);
    }
    for name in f.layer_names() {
        let _ = f.layer_info(&name);
        if n.saturating_mul(m) <= FULL_READ {
            let _ = f.read_layer::<f64>(&name, &Sel::All, &Sel::All);
            let _ = f.stats(&name, Axis::Rows);
            let _ = f.stats(&name, Axis::Cols);
        } else {
            let _ = f.read_layer::<f32>(&name, &Sel::Range(0, n.min(2)), &Sel::Range(0, m.min(64)));
        }
    }
}
