//! In-memory storage: a byte vector behind a lock. The backend for wasm32, tests and fuzzing.

use super::{ReadAt, WriteAt, eof_error};
use std::io;
use std::sync::RwLock;

/// Bytes in memory. Reads borrow nothing (the buffer may grow under a writer), so
/// [`ReadAt::bytes_at`] is only offered by the immutable [`MemStorage::frozen`] form.
#[derive(Debug, Default)]
pub struct MemStorage {
    bytes: RwLock<Vec<u8>>,
    frozen: Option<Box<[u8]>>,
}

impl MemStorage {
    /// Growable storage holding `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        MemStorage { bytes: RwLock::new(bytes), frozen: None }
    }

    /// Read-only storage over `bytes`, with zero-copy reads.
    pub fn frozen(bytes: impl Into<Box<[u8]>>) -> Self {
        MemStorage { bytes: RwLock::new(Vec::new()), frozen: Some(bytes.into()) }
    }

    /// A copy of the current contents.
    pub fn to_vec(&self) -> Vec<u8> {
        match &self.frozen {
            Some(b) => b.to_vec(),
            None => self.bytes.read().map(|b| b.clone()).unwrap_or_default(),
        }
    }

    fn poisoned() -> io::Error {
        io::Error::other("memory storage lock poisoned")
    }
}

impl ReadAt for MemStorage {
    fn len(&self) -> io::Result<u64> {
        match &self.frozen {
            Some(b) => Ok(b.len() as u64),
            None => Ok(self.bytes.read().map_err(|_| Self::poisoned())?.len() as u64),
        }
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut copy = |src: &[u8]| -> io::Result<()> {
            let start = usize::try_from(offset).ok().filter(|&s| s <= src.len());
            let slice = start
                .and_then(|s| src.get(s..s.checked_add(buf.len())?))
                .ok_or_else(|| eof_error(offset, buf.len(), src.len() as u64))?;
            buf.copy_from_slice(slice);
            Ok(())
        };
        match &self.frozen {
            Some(b) => copy(b),
            None => copy(&self.bytes.read().map_err(|_| Self::poisoned())?),
        }
    }

    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        let b = self.frozen.as_ref()?;
        let start = usize::try_from(offset).ok()?;
        b.get(start..start.checked_add(len)?)
    }
}

impl WriteAt for MemStorage {
    fn write_all_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        if self.frozen.is_some() {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "frozen storage"));
        }
        let mut v = self.bytes.write().map_err(|_| Self::poisoned())?;
        let start = usize::try_from(offset).map_err(io::Error::other)?;
        let end =
            start.checked_add(buf.len()).ok_or_else(|| io::Error::other("offset overflow"))?;
        if v.len() < end {
            v.resize(end, 0);
        }
        v[start..end].copy_from_slice(buf);
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        if self.frozen.is_some() {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "frozen storage"));
        }
        let len = usize::try_from(len).map_err(io::Error::other)?;
        self.bytes.write().map_err(|_| Self::poisoned())?.resize(len, 0);
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        Ok(())
    }
}
