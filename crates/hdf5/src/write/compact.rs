//! Compact a file in place: its reachable content repacked (see [`super::repack()`]) into a
//! temporary file beside it, renamed over it once complete. The file is held under an
//! exclusive lock meanwhile, so no HDF5-compatible writer edits it half-way; a failure or a
//! kill at any point leaves the original as it was.
//!
//! A writer does the same by itself after a commit that leaves the file well above the size
//! of its content ([`super::Writer::set_auto_compact`]): there the copy takes over the
//! writer's lock before the rename, and the writer goes on editing the copy.

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

/// After a successful commit: compact in place if the writer's policy asks for it (see
/// [`Writer::set_auto_compact`]). Any failure leaves the committed file as it was and turns
/// the policy off for this writer.
pub(super) fn after_commit(w: &mut Writer) {
    let Some(ratio) = w.auto_compact else { return };
    let Some(super::Finish::InPlace { path, auto_compact: true, .. }) = &w.finish else {
        return;
    };
    let (eof, Some(estimate)) = (w.superblock.eof, w.packed_estimate) else { return };
    if !w.space.reuse()
        || w.superblock.base != 0
        || eof < super::AUTO_COMPACT_MIN_BYTES
        || eof as f64 <= ratio * estimate as f64
    {
        return;
    }
    let path = path.clone();
    if !renaming_keeps_the_file(&path) {
        return;
    }
    match compact_open(w, &path) {
        Ok(next) => *w = next,
        Err(_) => w.auto_compact = None,
    }
}

/// Renaming a copy over `path` replaces what users reach by that name: not so for a symbolic
/// link (the link itself would be replaced) or a file with other hard links (they would keep
/// the old file).
fn renaming_keeps_the_file(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return false;
        }
    }
    meta.file_type().is_file()
}

/// Repack the writer's committed state into a temporary file beside `path`, lock it, open a
/// writer on it, then rename it over `path`. An error means nothing was renamed: the
/// temporary file is removed and the original is untouched.
fn compact_open(w: &Writer, path: &Path) -> Result<Writer> {
    let src = w.reader.clone().ok_or_else(|| Error::invalid("no committed state"))?;
    let what = path.display().to_string();
    // The copy goes to a temporary file beside `path`, locked before anyone can open it by
    // its name, and is renamed over `path` once committed.
    let tmp = crate::storage::AtomicFile::create(path)?;
    let lock = tmp.file().try_clone().map_err(|e| Error::io(e).at(&what))?;
    acquire(&lock, LockKind::Exclusive, LockPolicy::Required, &SystemLocks, &what)?;
    let copy = lock.try_clone().map_err(|e| Error::io(e).at(&what))?;
    let mut out = Writer::create_in(Arc::new(crate::storage::FileStorage::new(copy)))?;
    repack(&src, &mut out, RepackOptions::default()).at(&what)?;
    out.commit()?;
    drop(out);
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.set_permissions(meta.permissions())?;
    }
    let storage = lock.try_clone().map_err(|e| Error::io(e).at(&what))?;
    let mut next =
        Writer::open_in_reusing(Arc::new(crate::storage::FileStorage::new(storage)), true)?;
    next.limits = w.limits;
    next.auto_compact = w.auto_compact;
    next.lock_warning = w.lock_warning.clone();
    next.finish =
        Some(super::Finish::InPlace { _lock: lock, path: path.to_path_buf(), auto_compact: true });
    tmp.commit()?;
    Ok(next)
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
            // Left to itself the writer compacts past 1.2x; here the dead space is the point.
            w.set_auto_compact(None);
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

    /// The same edits with the writer's own compaction on (the default): the file stays
    /// within the ratio of its content after every edit once past the minimum size, and
    /// `space_usage` sees the heap collections' free space where compaction is off.
    #[test]
    fn a_writer_compacts_itself_past_the_ratio() {
        let dir = tempfile::tempdir().unwrap();
        let mut sizes = Vec::new();
        for auto in [true, false] {
            let path = dir.path().join(format!("{auto}.h5"));
            let mut w = Writer::create(&path).unwrap();
            w.create_dataset("/d", DatasetSpec::contiguous(f32::datatype(), &[1000])).unwrap();
            w.finish().unwrap();
            for i in 0..60 {
                let mut w = Writer::open(&path).unwrap();
                if !auto {
                    w.set_auto_compact(None);
                }
                w.set_attr("/", &format!("a{i}"), AttrValue::string(&"x".repeat(200))).unwrap();
                w.commit().unwrap();
                let usage = w.committed().unwrap().space_usage().unwrap();
                let size = std::fs::metadata(&path).unwrap().len();
                if auto && size >= super::super::AUTO_COMPACT_MIN_BYTES {
                    let ratio = size as f64 / usage.packed_estimate() as f64;
                    assert!(ratio <= super::super::DEFAULT_AUTO_COMPACT, "edit {i}: {usage:?}");
                }
                if !auto && i == 59 {
                    // 60 commits, each a 4 KiB collection holding one 200-byte string.
                    assert!(usage.heap_slack_bytes > 50 * 3800, "{usage:?}");
                }
                w.finish().unwrap();
            }
            sizes.push(std::fs::metadata(&path).unwrap().len());
        }
        assert!(sizes[0] * 4 < sizes[1], "{sizes:?}");
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
