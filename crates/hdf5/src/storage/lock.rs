//! HDF5-compatible file locking.
//!
//! libhdf5 (1.10+) takes `flock(LOCK_SH|LOCK_NB)` for read-only opens and
//! `flock(LOCK_EX|LOCK_NB)` for read-write opens, fails at once on a conflict, and reads the
//! environment variable `HDF5_USE_FILE_LOCKING` (`FALSE`/`0`: no locks; `TRUE`/`1`: locks;
//! `BEST_EFFORT`: locks, but proceed where the file system cannot lock). We do the same, so
//! h5py and this engine exclude each other. The lock lives as long as the `File`.
//!
//! On WebAssembly (WASI) there is no locking call at all: files open unlocked there, as
//! libhdf5 builds without `flock` do.

use crate::{Error, Result};
use std::fs::{File, TryLockError};
use std::io;

/// How locks are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockPolicy {
    /// Take the lock; fail on conflict or when the file system cannot lock.
    Required,
    /// Take the lock; fail on conflict, proceed when the file system cannot lock.
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

fn unsupported_by_fs(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::Unsupported)
        || matches!(e.raw_os_error(), Some(37) | Some(38) | Some(95) | Some(524))
}

/// Take the lock `kind` on `file` under `policy`; non-blocking, like libhdf5.
pub fn lock(file: &File, kind: LockKind, policy: LockPolicy) -> Result<()> {
    if policy == LockPolicy::Off || cfg!(target_family = "wasm") {
        return Ok(());
    }
    let r = match kind {
        LockKind::Shared => file.try_lock_shared(),
        LockKind::Exclusive => file.try_lock(),
    };
    match r {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(Error::Locked(
            "another process holds a conflicting lock (errno 11); \
             set HDF5_USE_FILE_LOCKING=FALSE to bypass"
                .into(),
        )),
        Err(TryLockError::Error(e))
            if policy == LockPolicy::BestEffort && unsupported_by_fs(&e) =>
        {
            Ok(())
        }
        Err(TryLockError::Error(e)) => Err(Error::Locked(e.to_string())),
    }
}
