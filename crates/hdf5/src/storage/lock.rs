//! HDF5-compatible file locking, and what to do where the file system cannot lock.
//!
//! libhdf5 (1.10+) takes `flock(LOCK_SH|LOCK_NB)` for read-only opens and
//! `flock(LOCK_EX|LOCK_NB)` for read-write opens, fails at once on a conflict, and reads the
//! environment variable `HDF5_USE_FILE_LOCKING` (`FALSE`/`0`: no locks; `TRUE`/`1`: locks;
//! `BEST_EFFORT`: locks, but proceed where the file system cannot lock). We do the same, so
//! h5py and this engine exclude each other. The lock lives as long as the `File`.
//!
//! Network and parallel file systems (NFS without a lock daemon, Lustre mounted without
//! `flock`) answer `flock` with `ENOLCK`, `ENOSYS` or `EOPNOTSUPP`. There:
//! - **reading** never fails for lack of a lock and never writes: the file opens unlocked
//!   and [`Acquired::Skipped`] carries one warning line (libhdf5's `BEST_EFFORT` behaviour,
//!   whatever the policy, since a reader cannot corrupt anything);
//! - **writing** refuses under the default policy ([`LockPolicy::Required`]), with an error
//!   that says how to proceed: `HDF5_USE_FILE_LOCKING=BEST_EFFORT` (write unlocked, with a
//!   warning) or `FALSE` (no locks at all).
//!
//! A conflicting lock fails in every mode but `Off`, after a short grace period
//! ([`CONFLICT_GRACE`]): libhdf5 fails at once, but a program that spawns child processes
//! while it closes a file can see its own lock for a moment, since the child holds a copy of
//! the descriptor (and with it the `flock`) between `fork` and `exec`. A lock held by another
//! program is still reported, a fraction of a second later.
//! The locking call itself goes through a [`LockLayer`] ([`SystemLocks`] by default), so
//! tests can stand in a file system that cannot lock.
//!
//! On WebAssembly (WASI) there is no locking call at all: files open unlocked there, as
//! libhdf5 builds without `flock` do.

use crate::{Error, Result};
use std::fs::{File, TryLockError};
use std::io;

/// How locks are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockPolicy {
    /// Take the lock; fail on conflict; writers also fail when the file system cannot lock.
    Required,
    /// Take the lock; fail on conflict, proceed (with a warning) when the file system cannot lock.
    BestEffort,
    /// Take no lock.
    Off,
}

impl LockPolicy {
    /// The policy `HDF5_USE_FILE_LOCKING` asks for (libhdf5's default when unset: required).
    pub fn from_env() -> Self {
        match std::env::var("HDF5_USE_FILE_LOCKING") {
            Ok(v) => match v.trim().to_ascii_uppercase().as_str() {
                "FALSE" | "0" => LockPolicy::Off,
                "BEST_EFFORT" => LockPolicy::BestEffort,
                _ => LockPolicy::Required,
            },
            Err(_) => LockPolicy::Required,
        }
    }
}

/// The kind of lock a mode needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    /// Readers: shared.
    Shared,
    /// Writers: exclusive.
    Exclusive,
}

/// The call that takes a lock: `flock` through the standard library ([`SystemLocks`]), or a
/// stand-in for tests.
pub trait LockLayer: Send + Sync + std::fmt::Debug {
    /// Try to take `kind` on `file` without blocking.
    fn try_lock(&self, file: &File, kind: LockKind) -> std::result::Result<(), TryLockError>;
}

/// The operating system's `flock` (what libhdf5 uses).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemLocks;

impl LockLayer for SystemLocks {
    fn try_lock(&self, file: &File, kind: LockKind) -> std::result::Result<(), TryLockError> {
        match kind {
            LockKind::Shared => file.try_lock_shared(),
            LockKind::Exclusive => file.try_lock(),
        }
    }
}

/// How long [`acquire`] retries a lock that another descriptor holds before it reports the
/// conflict: long enough for a spawned child to reach `exec` (which closes the descriptors it
/// inherited), short enough that nobody waits on a real conflict.
pub const CONFLICT_GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// Try `kind` on `file` through `layer`, retrying a conflict (with doubling pauses from 1 ms)
/// until [`CONFLICT_GRACE`] has passed.
fn try_with_grace(
    file: &File,
    kind: LockKind,
    layer: &dyn LockLayer,
) -> std::result::Result<(), TryLockError> {
    let start = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(1);
    loop {
        match layer.try_lock(file, kind) {
            Err(TryLockError::WouldBlock) if start.elapsed() < CONFLICT_GRACE => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(32));
            }
            other => return other,
        }
    }
}

/// What [`acquire`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// The lock is held (until the file is closed).
    Held,
    /// No lock was asked for (policy `Off`, or a platform without locks).
    Off,
    /// The file system cannot lock; the file is used unlocked. The text is the one warning
    /// to show.
    Skipped(String),
}

impl Acquired {
    /// The warning to show, if any.
    pub fn warning(&self) -> Option<&str> {
        match self {
            Acquired::Skipped(w) => Some(w),
            _ => None,
        }
    }
}

/// The errno name of a failed lock, for messages.
fn errno_name(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(37) => "ENOLCK".into(),
        Some(38) => "ENOSYS".into(),
        Some(95) => "EOPNOTSUPP".into(),
        Some(524) => "ENOTSUPP".into(),
        Some(n) => format!("errno {n}"),
        None => format!("{:?}", e.kind()),
    }
}

/// True when the error says the file system cannot lock at all (rather than a conflict).
pub fn cannot_lock(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::Unsupported)
        || matches!(e.raw_os_error(), Some(37) | Some(38) | Some(95) | Some(524))
}

/// Take the lock `kind` on `file` under `policy` through `layer`; it does not wait for the
/// lock beyond [`CONFLICT_GRACE`]. `what` names the file in messages.
pub fn acquire(
    file: &File,
    kind: LockKind,
    policy: LockPolicy,
    layer: &dyn LockLayer,
    what: &str,
) -> Result<Acquired> {
    if policy == LockPolicy::Off || cfg!(target_family = "wasm") {
        return Ok(Acquired::Off);
    }
    let e = match try_with_grace(file, kind, layer) {
        Ok(()) => return Ok(Acquired::Held),
        Err(TryLockError::WouldBlock) => {
            return Err(Error::Locked(format!(
                "{what}: another process (or another handle in this one) holds a conflicting lock \
                 (errno 11); \
                 set HDF5_USE_FILE_LOCKING=FALSE to bypass"
            )));
        }
        Err(TryLockError::Error(e)) => e,
    };
    let name = errno_name(&e);
    match kind {
        // A reader never fails for lack of a lock: it cannot damage the file.
        LockKind::Shared => Ok(Acquired::Skipped(format!(
            "{what}: the file system cannot lock files ({name}: {e}); reading without a lock \
             (as HDF5_USE_FILE_LOCKING=BEST_EFFORT does)"
        ))),
        LockKind::Exclusive if policy == LockPolicy::BestEffort && cannot_lock(&e) => {
            Ok(Acquired::Skipped(format!(
                "{what}: the file system cannot lock files ({name}); writing without a lock \
                 (HDF5_USE_FILE_LOCKING=BEST_EFFORT): no other process may use the file meanwhile"
            )))
        }
        LockKind::Exclusive if cannot_lock(&e) => Err(Error::Locked(format!(
            "{what}: the file system cannot lock files ({name}: {e}); refusing to write without \
             a lock. Set HDF5_USE_FILE_LOCKING=BEST_EFFORT to write anyway (no other process \
             may use the file meanwhile)"
        ))),
        LockKind::Exclusive => Err(Error::Locked(format!("{what}: {e}"))),
    }
}

/// Take the lock `kind` on `file` under `policy` with the system's locks.
pub fn lock(file: &File, kind: LockKind, policy: LockPolicy) -> Result<Acquired> {
    acquire(file, kind, policy, &SystemLocks, "file")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file system whose `flock` fails with one errno.
    #[derive(Debug)]
    struct Failing(i32);

    impl LockLayer for Failing {
        fn try_lock(&self, _: &File, _: LockKind) -> std::result::Result<(), TryLockError> {
            Err(TryLockError::Error(io::Error::from_raw_os_error(self.0)))
        }
    }

    #[derive(Debug)]
    struct Busy;

    /// A lock that is busy for the first `n` tries (a child between `fork` and `exec`).
    #[derive(Debug)]
    struct BusyFor(std::sync::atomic::AtomicU32);

    impl LockLayer for BusyFor {
        fn try_lock(&self, _: &File, _: LockKind) -> std::result::Result<(), TryLockError> {
            use std::sync::atomic::Ordering;
            match self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)) {
                Ok(_) => Err(TryLockError::WouldBlock),
                Err(_) => Ok(()),
            }
        }
    }

    impl LockLayer for Busy {
        fn try_lock(&self, _: &File, _: LockKind) -> std::result::Result<(), TryLockError> {
            Err(TryLockError::WouldBlock)
        }
    }

    // wasm has no advisory locks (`acquire` returns `Off` there): nothing to test.
    #[test]
    #[cfg(not(target_family = "wasm"))]
    fn readers_proceed_writers_refuse_unless_best_effort() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let f = tmp.as_file();
        for errno in [37, 38, 95] {
            let layer = Failing(errno);
            for policy in [LockPolicy::Required, LockPolicy::BestEffort] {
                let r = acquire(f, LockKind::Shared, policy, &layer, "x.h5").unwrap();
                let w = r.warning().expect("a warning");
                assert!(w.starts_with("x.h5: the file system cannot lock"), "{w}");
            }
            let e = acquire(f, LockKind::Exclusive, LockPolicy::Required, &layer, "x.h5")
                .unwrap_err()
                .to_string();
            assert!(e.contains("refusing to write") && e.contains("BEST_EFFORT"), "{e}");
            let r = acquire(f, LockKind::Exclusive, LockPolicy::BestEffort, &layer, "x.h5");
            assert!(r.unwrap().warning().unwrap().contains("writing without a lock"));
            assert_eq!(
                acquire(f, LockKind::Exclusive, LockPolicy::Off, &layer, "x.h5").unwrap(),
                Acquired::Off
            );
        }
        // Other failures of a writer's lock are errors under every policy but Off.
        let e = acquire(f, LockKind::Exclusive, LockPolicy::BestEffort, &Failing(13), "x.h5");
        assert!(e.is_err());
        // A conflict fails for readers and writers alike, after the grace period.
        for kind in [LockKind::Shared, LockKind::Exclusive] {
            let start = std::time::Instant::now();
            let e = acquire(f, kind, LockPolicy::BestEffort, &Busy, "x.h5").unwrap_err();
            assert!(e.to_string().contains("conflicting lock"), "{e}");
            assert!(start.elapsed() >= CONFLICT_GRACE);
        }
    }

    #[test]
    #[cfg(not(target_family = "wasm"))]
    fn a_lock_released_within_the_grace_period_is_taken() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        for kind in [LockKind::Shared, LockKind::Exclusive] {
            let layer = BusyFor(std::sync::atomic::AtomicU32::new(3));
            let got = acquire(tmp.as_file(), kind, LockPolicy::Required, &layer, "x.h5").unwrap();
            assert_eq!(got, Acquired::Held);
            assert_eq!(layer.0.load(std::sync::atomic::Ordering::SeqCst), 0, "retried 3 times");
        }
    }
}
