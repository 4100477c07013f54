//! A fault-injecting storage for crash and I/O-error tests.
//!
//! Wraps another [`WriteAt`], numbers every mutating call (write, set_len, sync) from 1, records
//! it, and at the planned call either simulates a crash (that call and every later one are
//! dropped and reported as errors, so the bytes on the inner storage are exactly what a killed
//! process would have left) or fails with an I/O error, once or persistently.

use super::{ReadAt, WriteAt};
use std::io;
use std::sync::Mutex;

/// One mutating call, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteEvent {
    /// `write_all_at(offset, len bytes)`.
    Write {
        /// Where.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
    /// `set_len(len)`.
    SetLen(u64),
    /// `sync()`.
    Sync,
}

/// What happens at the planned call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// The process dies: this call and all later calls have no effect.
    Crash,
    /// This call fails with `kind`; later calls succeed.
    FailOnce(io::ErrorKind),
    /// This call and every later mutating call fail with `kind`.
    FailForever(io::ErrorKind),
}

/// Which call to fault (1-based) and how; `None` records only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// The 1-based index of the faulted call, counting writes, set_len and syncs.
    pub at: Option<u64>,
    /// Restrict counting to syncs only (to fault the k-th fsync).
    pub syncs_only: bool,
    /// The action.
    pub action: Option<FaultAction>,
}

#[derive(Debug, Default)]
struct State {
    count: u64,
    events: Vec<WriteEvent>,
    dead: Option<FaultAction>,
}

/// A [`WriteAt`] wrapper that records and faults mutating calls.
#[derive(Debug)]
pub struct FaultStorage<S> {
    inner: S,
    plan: FaultPlan,
    state: Mutex<State>,
}

impl<S: WriteAt> FaultStorage<S> {
    /// Record every call, fault according to `plan`.
    pub fn new(inner: S, plan: FaultPlan) -> Self {
        FaultStorage { inner, plan, state: Mutex::new(State::default()) }
    }

    /// Record only.
    pub fn recording(inner: S) -> Self {
        Self::new(inner, FaultPlan::default())
    }

    /// The calls made so far (the faulted one included).
    pub fn events(&self) -> Vec<WriteEvent> {
        self.state.lock().map(|s| s.events.clone()).unwrap_or_default()
    }

    /// Number of mutating calls counted so far.
    pub fn count(&self) -> u64 {
        self.state.lock().map(|s| s.count).unwrap_or(0)
    }

    /// The wrapped storage.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Unwrap.
    pub fn into_inner(self) -> S {
        self.inner
    }

    fn gate(&self, event: WriteEvent) -> io::Result<()> {
        let mut s = self.state.lock().map_err(|_| io::Error::other("fault state poisoned"))?;
        let is_sync = event == WriteEvent::Sync;
        s.events.push(event);
        if let Some(dead) = s.dead {
            return Err(match dead {
                FaultAction::Crash => io::Error::other("simulated crash"),
                FaultAction::FailForever(k) | FaultAction::FailOnce(k) => io::Error::from(k),
            });
        }
        if self.plan.syncs_only && !is_sync {
            return Ok(());
        }
        s.count += 1;
        if self.plan.at == Some(s.count) {
            match self.plan.action {
                Some(FaultAction::Crash) => {
                    s.dead = Some(FaultAction::Crash);
                    return Err(io::Error::other("simulated crash"));
                }
                Some(FaultAction::FailOnce(k)) => return Err(io::Error::from(k)),
                Some(FaultAction::FailForever(k)) => {
                    s.dead = Some(FaultAction::FailForever(k));
                    return Err(io::Error::from(k));
                }
                None => {}
            }
        }
        Ok(())
    }
}

impl<S: WriteAt> ReadAt for FaultStorage<S> {
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_exact_at(offset, buf)
    }
}

impl<S: WriteAt> WriteAt for FaultStorage<S> {
    fn write_all_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.gate(WriteEvent::Write { offset, len: buf.len() as u64 })?;
        self.inner.write_all_at(offset, buf)
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.gate(WriteEvent::SetLen(len))?;
        self.inner.set_len(len)
    }
    fn sync(&self) -> io::Result<()> {
        self.gate(WriteEvent::Sync)?;
        self.inner.sync()
    }
}
