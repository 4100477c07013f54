//! An open HDF5 file: superblock, storage, caches, and path lookup.

use super::object::{Group, Object};
use crate::raw::Source;
use crate::raw::global_heap::{Collection, VlenRef};
use crate::raw::object_header::ObjectHeader;
use crate::raw::superblock::Superblock;
use crate::storage::{MemStorage, ReadAt};
use crate::{Error, Limits, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Options for opening a file.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Allocation budget (default: [`Limits::default`]).
    pub limits: Limits,
    /// Lock policy; `None` reads `HDF5_USE_FILE_LOCKING` like libhdf5.
    #[cfg(feature = "fs")]
    pub lock: Option<crate::storage::lock::LockPolicy>,
    /// The locking call; `None` is the system's `flock` (tests stand in file systems that
    /// cannot lock).
    #[cfg(feature = "fs")]
    pub lock_layer: Option<Arc<dyn crate::storage::lock::LockLayer>>,
}

const HEADER_CACHE_MAX: usize = 4096;
const HEAP_CACHE_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Caches {
    headers: HashMap<u64, Arc<ObjectHeader>>,
    heaps: HashMap<u64, Arc<Collection>>,
    heap_bytes: usize,
}

/// Shared state of an open file.
pub struct FileInner {
    pub(crate) src: Source,
    pub(crate) superblock: Superblock,
    caches: Mutex<Caches>,
    #[cfg(feature = "fs")]
    _lock: Option<std::fs::File>,
    /// Why the file is read without a lock, when the file system could not lock it.
    lock_warning: Option<String>,
    /// Object header address -> first path (built when a reference is first resolved).
    pub(crate) paths: std::sync::OnceLock<HashMap<u64, String>>,
}

impl std::fmt::Debug for FileInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("superblock", &self.superblock.version)
            .field("src", &self.src)
            .finish()
    }
}

/// An HDF5 file opened for reading. Cheap to clone; `Send + Sync`.
#[derive(Clone, Debug)]
pub struct File {
    pub(crate) inner: Arc<FileInner>,
}

impl File {
    /// Open `path` read-only with a shared HDF5 lock (honouring `HDF5_USE_FILE_LOCKING`).
    #[cfg(feature = "fs")]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<File> {
        Self::open_with(path, &OpenOptions::default())
    }

    /// Open `path` read-only with options.
    #[cfg(feature = "fs")]
    pub fn open_with(path: impl AsRef<std::path::Path>, opts: &OpenOptions) -> Result<File> {
        Self::open_locked(path.as_ref(), opts, false)
    }

    /// Open `path` read-only through a memory map instead of positional reads (feature
    /// `mmap`), with the same shared HDF5 lock as [`File::open_with`].
    ///
    /// Zero-copy, but the map aliases the file: the bytes can change under a `&[u8]`.
    ///
    /// # Safety
    ///
    /// The file must not be truncated or modified, by this process or any other, while the
    /// returned `File` (or any clone of it, or anything read from it without copying) lives.
    /// A file truncated under the map makes the process receive SIGBUS; one modified in place
    /// breaks Rust's aliasing rules. The shared lock only keeps out writers that honour HDF5
    /// locking (libhdf5, this crate's [`Writer`](crate::Writer)); it is advisory, may be
    /// disabled by `HDF5_USE_FILE_LOCKING` or the lock policy, and does not stop `truncate`.
    ///
    /// ```no_run
    /// # fn main() -> loomfile_hdf5::Result<()> {
    /// use loomfile_hdf5::{File, OpenOptions};
    /// // SAFETY: the file is private to this program and nothing rewrites it while mapped.
    /// let f = unsafe { File::open_mmap("x.loom", &OpenOptions::default())? };
    /// # let _ = f; Ok(()) }
    /// ```
    #[cfg(feature = "mmap")]
    #[allow(unsafe_code)]
    pub unsafe fn open_mmap(path: impl AsRef<std::path::Path>, opts: &OpenOptions) -> Result<File> {
        Self::open_locked(path.as_ref(), opts, true)
    }

    /// Lock `path` shared and open it over `FileStorage`, or a memory map when `mmap` is set
    /// (only [`File::open_mmap`], which carries the safety contract, sets it).
    #[cfg(feature = "fs")]
    fn open_locked(path: &std::path::Path, opts: &OpenOptions, mmap: bool) -> Result<File> {
        use crate::storage::lock::{LockKind, LockPolicy, SystemLocks, acquire};
        let f = std::fs::File::open(path).map_err(Error::io)?;
        let policy = opts.lock.unwrap_or_else(LockPolicy::from_env);
        let what = path.display().to_string();
        let acquired = match &opts.lock_layer {
            Some(layer) => acquire(&f, LockKind::Shared, policy, layer.as_ref(), &what)?,
            None => acquire(&f, LockKind::Shared, policy, &SystemLocks, &what)?,
        };
        let warning = acquired.warning().map(str::to_string);
        // WASI has no `dup` (try_clone fails with Unsupported) and no locks to keep alive;
        // the storage below owns `f`, so no second handle is needed there.
        #[cfg(not(target_os = "wasi"))]
        let lock_handle = Some(f.try_clone().map_err(Error::io)?);
        #[cfg(target_os = "wasi")]
        let lock_handle = None;
        #[cfg(feature = "mmap")]
        if mmap {
            // SAFETY: `mmap` is only set by `File::open_mmap`, whose caller guarantees that
            // nobody truncates or modifies the file while it is mapped.
            #[allow(unsafe_code)]
            let map = unsafe { crate::storage::MmapStorage::map(&f).map_err(Error::io)? };
            return Self::build(Arc::new(map), opts.limits, lock_handle, warning);
        }
        #[cfg(not(feature = "mmap"))]
        let _ = mmap;
        Self::build(
            Arc::new(crate::storage::FileStorage::new(f)),
            opts.limits,
            lock_handle,
            warning,
        )
    }

    /// Open an in-memory image.
    pub fn from_bytes(bytes: impl Into<Box<[u8]>>) -> Result<File> {
        Self::from_storage(Arc::new(MemStorage::frozen(bytes)), Limits::default())
    }

    /// Open over any positional reader (a browser `File`, a network range reader, ...).
    pub fn from_storage(storage: Arc<dyn ReadAt>, limits: Limits) -> Result<File> {
        #[cfg(feature = "fs")]
        return Self::build(storage, limits, None, None);
        #[cfg(not(feature = "fs"))]
        Self::build(storage, limits, None)
    }

    fn build(
        storage: Arc<dyn ReadAt>,
        limits: Limits,
        #[cfg(feature = "fs")] lock: Option<std::fs::File>,
        lock_warning: Option<String>,
    ) -> Result<File> {
        let superblock = Superblock::read(storage.as_ref())?;
        let len = storage.len().map_err(Error::io)?;
        let src = Source::new(storage, superblock.base, len, superblock.sizes, limits);
        Ok(File {
            inner: Arc::new(FileInner {
                src,
                superblock,
                caches: Mutex::new(Caches::default()),
                #[cfg(feature = "fs")]
                _lock: lock,
                lock_warning,
                paths: Default::default(),
            }),
        })
    }

    /// Why the file is open without a lock, when the file system could not take one (one
    /// line naming the file; tools print it once). `None` when locked or locks are off.
    pub fn lock_warning(&self) -> Option<&str> {
        self.inner.lock_warning.as_deref()
    }

    /// The superblock.
    pub fn superblock(&self) -> &Superblock {
        &self.inner.superblock
    }

    /// The read context (for the scan crate and tools working on raw structures).
    pub fn source(&self) -> &Source {
        &self.inner.src
    }

    /// The root group.
    pub fn root(&self) -> Result<Group> {
        let addr = self.inner.superblock.root_address();
        Group::open(self.clone(), "/".to_string(), addr)
    }

    /// The object at an absolute path (soft links followed).
    pub fn object(&self, path: &str) -> Result<Object> {
        super::path::resolve(self, path)
    }

    /// The group at `path`.
    pub fn group(&self, path: &str) -> Result<Group> {
        match self.object(path)? {
            Object::Group(g) => Ok(g),
            _ => Err(Error::invalid("not a group").at(path)),
        }
    }

    /// The dataset at `path`.
    pub fn dataset(&self, path: &str) -> Result<super::dataset::Dataset> {
        match self.object(path)? {
            Object::Dataset(d) => Ok(d),
            _ => Err(Error::invalid("not a dataset").at(path)),
        }
    }

    /// True if `path` resolves to an object.
    pub fn exists(&self, path: &str) -> bool {
        self.object(path).is_ok()
    }
}

impl FileInner {
    /// The object header at `addr`, cached.
    pub(crate) fn header(&self, addr: u64) -> Result<Arc<ObjectHeader>> {
        if let Ok(c) = self.caches.lock()
            && let Some(h) = c.headers.get(&addr)
        {
            return Ok(h.clone());
        }
        let h = Arc::new(ObjectHeader::read(&self.src, addr)?);
        if let Ok(mut c) = self.caches.lock() {
            if c.headers.len() >= HEADER_CACHE_MAX {
                c.headers.clear();
            }
            c.headers.insert(addr, h.clone());
        }
        Ok(h)
    }

    /// The global heap collection at `addr`, cached.
    pub(crate) fn collection(&self, addr: u64) -> Result<Arc<Collection>> {
        if let Ok(c) = self.caches.lock()
            && let Some(h) = c.heaps.get(&addr)
        {
            return Ok(h.clone());
        }
        let col = Arc::new(Collection::read(&self.src, addr)?);
        if let Ok(mut c) = self.caches.lock() {
            let n = col.byte_len();
            if c.heap_bytes + n > HEAP_CACHE_BYTES {
                c.heaps.clear();
                c.heap_bytes = 0;
            }
            c.heap_bytes += n;
            c.heaps.insert(addr, col.clone());
        }
        Ok(col)
    }

    /// The length a variable-length element (length, collection, index) records and the
    /// bytes it points at.
    pub(crate) fn vlen_bytes(&self, desc: &[u8]) -> Result<(u32, Vec<u8>)> {
        let r = VlenRef::decode(desc, self.src.sizes)?;
        if r.len == 0 {
            return Ok((0, Vec::new()));
        }
        let addr = r.collection.ok_or_else(|| {
            Error::malformed(
                "variable-length element",
                0,
                "non-empty element with an undefined heap address",
            )
        })?;
        let col = self.collection(addr)?;
        Ok((r.len, col.object(r.index)?.to_vec()))
    }
}
