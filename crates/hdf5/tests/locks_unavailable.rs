//! File systems without working locks (NFS without a lock daemon, Lustre without `flock`):
//! a lock layer that fails the way they do (ENOLCK, ENOSYS, EOPNOTSUPP) stands in for
//! `flock`. Read-only opens succeed with one warning, read the data and never write a byte;
//! writers refuse unless the policy is best effort (or off), and then edit normally.
//! Not on wasm, which has no advisory locks at all (every open is unlocked there).
#![cfg(not(target_family = "wasm"))]

use loomfile_hdf5::storage::lock::{LockKind, LockLayer, LockPolicy};
use loomfile_hdf5::{AttrValue, File, OpenOptions, Writer};
use std::fs::TryLockError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `flock` answering one errno, counting its calls.
#[derive(Debug)]
struct NoLocks {
    errno: i32,
    calls: std::sync::atomic::AtomicUsize,
}

impl LockLayer for NoLocks {
    fn try_lock(&self, _: &std::fs::File, _: LockKind) -> Result<(), TryLockError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Err(TryLockError::Error(std::io::Error::from_raw_os_error(self.errno)))
    }
}

fn fixture(dir: &Path) -> PathBuf {
    let src =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hdf5/ints_earliest.h5");
    let p = dir.join("x.h5");
    std::fs::copy(src, &p).unwrap();
    p
}

fn opts(errno: i32, policy: LockPolicy) -> (OpenOptions, Arc<NoLocks>) {
    let layer = Arc::new(NoLocks { errno, calls: Default::default() });
    let o =
        OpenOptions { lock: Some(policy), lock_layer: Some(layer.clone()), ..Default::default() };
    (o, layer)
}

#[test]
fn readers_open_unlocked_with_one_warning_and_never_write() {
    let tmp = tempfile::tempdir().unwrap();
    let p = fixture(tmp.path());
    let before = std::fs::read(&p).unwrap();
    let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
    for errno in [37, 38, 95] {
        // The default policy (libhdf5's TRUE) too: a reader cannot damage the file.
        for policy in [LockPolicy::Required, LockPolicy::BestEffort] {
            let (o, layer) = opts(errno, policy);
            let f = File::open_with(&p, &o).unwrap();
            assert_eq!(layer.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
            let w = f.lock_warning().expect("one warning");
            assert!(w.contains("x.h5") && w.contains("cannot lock"), "{w}");
            let v: Vec<i32> = f.dataset("/int32_le").unwrap().read().unwrap();
            assert!(!v.is_empty());
        }
        // Off: no lock call, no warning.
        let (o, layer) = opts(errno, LockPolicy::Off);
        let f = File::open_with(&p, &o).unwrap();
        assert_eq!(layer.calls.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert!(f.lock_warning().is_none());
    }
    assert_eq!(std::fs::read(&p).unwrap(), before, "a read-only open changed the file");
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), modified);
    // A file the process may not write to opens as well.
    let mut perm = std::fs::metadata(&p).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&p, perm).unwrap();
    let (o, _) = opts(37, LockPolicy::Required);
    assert!(File::open_with(&p, &o).is_ok());
}

#[test]
fn writers_refuse_unless_told_to_proceed_unlocked() {
    let tmp = tempfile::tempdir().unwrap();
    let p = fixture(tmp.path());
    let before = std::fs::read(&p).unwrap();
    for errno in [37, 38, 95] {
        let (o, _) = opts(errno, LockPolicy::Required);
        let e = Writer::open_with(&p, &o).unwrap_err().to_string();
        assert!(e.contains("refusing to write") && e.contains("HDF5_USE_FILE_LOCKING"), "{e}");
        assert!(e.contains("x.h5"), "the error names the file: {e}");
    }
    assert_eq!(std::fs::read(&p).unwrap(), before, "a refused writer changed the file");
    // Told to proceed (BEST_EFFORT): a warning, then a normal committed edit.
    let (o, _) = opts(37, LockPolicy::BestEffort);
    let mut w = Writer::open_with(&p, &o).unwrap();
    assert!(w.lock_warning().unwrap().contains("writing without a lock"));
    w.set_attr("/", "edited", AttrValue::scalar(1i64)).unwrap();
    w.finish().unwrap();
    let f = File::open(&p).unwrap();
    assert!(f.root().unwrap().attribute("edited").unwrap().is_some());
}
