//! Compact a file in place: its reachable content repacked (see [`super::repack()`]) into a
//! temporary file beside it, renamed over it once complete. The file is held under an
//! exclusive lock meanwhile, so no HDF5-compatible writer edits it half-way; a failure or a
//! kill at any point leaves the original as it was.

use super::Writer;
use super::repack::{RepackOptions, RepackReport, repack};
use crate::storage::lock::{LockKind, LockPolicy, SystemLocks, acquire};
use crate::{Error, File, Limits, Result, ResultExt};
use std::path::Path;
use std::sync::Arc;

/// What [`compact`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactReport {
    /// File size before.
    pub bytes_before: u64,
    /// File size after.
    pub bytes_after: u64,
    /// What the repack copied.
    pub repack: RepackReport,
}

/// Rewrite `path` without its dead space (bytes left behind by earlier commits), atomically.
///
/// ```no_run
/// let r = loomfile_hdf5::compact("cells.loom")?;
/// println!("{} -> {} bytes", r.bytes_before, r.bytes_after);
/// # Ok::<(), loomfile_hdf5::Error>(())
/// ```
pub fn compact(path: impl AsRef<Path>) -> Result<CompactReport> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io(e).at(&what))?;
    // An exclusive lock like a writer's: readers and writers of other processes are refused
    // while the copy is made (the rename then gives new openers the compacted file).
    let _lock = acquire(&f, LockKind::Exclusive, LockPolicy::from_env(), &SystemLocks, &what)?;
    let bytes_before = f.metadata().map_err(|e| Error::io(e).at(&what))?.len();
    let storage = Arc::new(crate::storage::FileStorage::new(f.try_clone().map_err(Error::io)?));
    let src = File::from_storage(storage, Limits::default()).at(&what)?;
    let mut w = Writer::create(path)?;
    let repack = repack(&src, &mut w, RepackOptions::default()).at(&what)?;
    // The new file keeps the original's permissions from the moment it appears.
    if let (Ok(meta), Some(super::Finish::Rename(tmp))) = (f.metadata(), &w.finish) {
        tmp.set_permissions(meta.permissions())?;
    }
    w.finish()?;
    let bytes_after = std::fs::metadata(path).map_err(|e| Error::io(e).at(&what))?.len();
    Ok(CompactReport { bytes_before, bytes_after, repack })
}

// Compacting takes a file lock, which WASI cannot give (the lock call traps there).
#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    use super::*;
    use crate::write::{AttrValue, DatasetSpec};
    use crate::{H5Type, Selection};

    /// A file edited in many commits shrinks to about its content and reads the same.
    #[test]
    fn edits_leave_dead_space_and_compact_drops_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.h5");
        let mut w = Writer::create(&path).unwrap();
        let values: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        w.create_dataset("/d", DatasetSpec::contiguous(f32::datatype(), &[1000])).unwrap();
        w.write("/d", &[Selection::All], &values).unwrap();
        w.finish().unwrap();
        for i in 0..40 {
            let mut w = Writer::open(&path).unwrap();
            w.set_attr("/d", "step", AttrValue::scalar(i as i64)).unwrap();
            w.set_attr("/", &format!("a{i}"), AttrValue::string(&"x".repeat(200))).unwrap();
            w.finish().unwrap();
        }
        let dump = |p: &Path| {
            let f = File::open(p).unwrap();
            let d = f.dataset("/d").unwrap();
            let root = f.root().unwrap().attributes().unwrap();
            let attrs: Vec<_> =
                root.iter().map(|a| (a.name().to_string(), a.value().unwrap())).collect();
            let step = d.attribute("step").unwrap().unwrap().value().unwrap();
            (d.read::<f32>().unwrap(), step, attrs)
        };
        let before = dump(&path);
        let r = compact(&path).unwrap();
        assert!(r.bytes_after * 3 < r.bytes_before, "{r:?}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), r.bytes_after);
        assert_eq!(dump(&path), before);
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A file another handle holds for writing is refused, and stays as it was.
    #[test]
    fn a_locked_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.h5");
        let mut w = Writer::create(&path).unwrap();
        w.create_group("/g").unwrap();
        w.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let held = Writer::open(&path).unwrap();
        if held.lock_warning().is_none() {
            let e = compact(&path).unwrap_err().to_string();
            assert!(e.contains("lock"), "{e}");
        }
        drop(held);
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}
