//! [`LoomFile`]: one open loom file — read-only by default, read-write on request — with its
//! spec version, shape, and the transaction plumbing every mutating call goes through (each
//! call commits atomically and stamps `last_modified` the way loompy does).
//!
//! # Examples
//!
//! ```
//! use loomfile::{Axis, LoomFile, Values};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("session.loom");
//! let mut f = LoomFile::new(&path, &[("title", Values::from("session"))])?;
//! f.set_global("stage", &Values::from("draft"))?; // committed at once
//! f.close()?;
//! let f = LoomFile::open(&path)?; // read-only
//! assert!(f.spec_version().is_v3());
//! assert_eq!((f.len(Axis::Rows), f.len(Axis::Cols)), (0, 0)); // no matrix yet
//! assert!(f.last_modified().is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::spec::{SPEC_VERSION, SpecVersion};
use crate::timestamp;
use crate::values::Values;
use loomfile_hdf5::storage::{ReadAt, WriteAt};
use loomfile_hdf5::{self as hdf5, AttrValue, File, Object, Writer};
use std::sync::Arc;

/// The row axis (genes) or the column axis (cells): the scan core's, one type for both
/// crates.
pub use loomfile_scan::Axis;

/// An open loom file.
///
/// Opened read-only with [`LoomFile::open`], read-write with [`LoomFile::open_rw`], or
/// started empty with [`LoomFile::new`]; every mutating call commits atomically, and
/// [`LoomFile::close`] (or dropping the handle) ends the session.
///
/// **Dropping a handle without `close`** keeps everything: a file from [`LoomFile::new`] is
/// committed and appears at its path on drop (best effort: an error then can only be printed
/// to stderr, so call `close` to see it). To throw such a file away, call
/// [`LoomFile::discard`]; [`LoomFile::new_all_or_nothing`] starts a file that appears only
/// through `close`.
///
/// # Examples
///
/// ```
/// use loomfile::{LoomFile, Values};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("kept.loom");
/// {
///     let mut f = LoomFile::new(&path, &[("title", Values::from("draft"))])?;
///     f.set_global("note", &Values::from("added before the handle went away"))?;
/// } // dropped without close(): the file is written anyway
/// let f = LoomFile::open(&path)?;
/// assert_eq!(f.global("note")?.as_string(), Some("added before the handle went away"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LoomFile {
    pub(crate) reader: File,
    pub(crate) writer: Option<Writer>,
    pub(crate) spec: SpecVersion,
    pub(crate) shape: (u64, u64),
    /// Planned layer matrices, valid until the next commit.
    pub(crate) matrices:
        std::sync::Mutex<std::collections::HashMap<String, Arc<loomfile_scan::Matrix>>>,
    /// The members of the loom groups by kind, built on first use after each commit.
    pub(crate) catalog: std::sync::OnceLock<Catalog>,
    /// Finish the writer when the handle is dropped unclosed (files from [`LoomFile::new`]);
    /// the path names the file in the message if that fails.
    pub(crate) finish_on_drop: Option<String>,
}

impl Drop for LoomFile {
    fn drop(&mut self) {
        if let (Some(path), Some(w)) = (self.finish_on_drop.take(), self.writer.take())
            && let Err(e) = w.finish()
        {
            eprintln!(
                "loomfile: {path}: the file was dropped without close() and could not be written: {e}"
            );
        }
    }
}

impl std::fmt::Debug for LoomFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoomFile")
            .field("shape", &self.shape)
            .field("spec", &self.spec.text)
            .field("writable", &self.writer.is_some())
            .finish()
    }
}

/// Read `LOOM_SPEC_VERSION` as loompy does: `/attrs/LOOM_SPEC_VERSION` (scalar or first
/// element), overridden by a root attribute of that name.
fn spec_version(f: &File) -> SpecVersion {
    let mut text = None;
    if let Ok(Object::Dataset(d)) = f.object("/attrs/LOOM_SPEC_VERSION")
        && let Ok(s) = d.read_strings()
    {
        text = s.into_iter().next();
    }
    if let Ok(root) = f.root()
        && let Ok(Some(a)) = root.attribute("LOOM_SPEC_VERSION")
        && let Ok(s) = a.read_strings()
        && let Some(s) = s.into_iter().next()
    {
        text = Some(s);
    }
    SpecVersion { text }
}

/// The error, naming `path` unless its message already does.
#[cfg(feature = "fs")]
fn name_file(e: Error, path: &std::path::Path) -> Error {
    let p = path.display().to_string();
    if e.to_string().contains(&p) { e } else { e.in_file(p) }
}

fn matrix_shape(f: &File) -> Result<(u64, u64)> {
    match f.object("/matrix") {
        Ok(Object::Dataset(d)) => {
            let s = d.shape().unwrap_or_default();
            if s.len() != 2 {
                return Err(Error::NotLoom(format!("/matrix has rank {}, not 2", s.len())));
            }
            Ok((s[0], s[1]))
        }
        Ok(_) => Err(Error::NotLoom("/matrix is not a dataset".into())),
        Err(hdf5::Error::NotFound { .. }) => Ok((0, 0)),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn check_loom(f: &File) -> Result<()> {
    // Another single-cell format (h5ad has `/layers`, 10x v3 a `/matrix` group): say which.
    if !matches!(f.object("/matrix"), Ok(Object::Dataset(_)))
        && let Some(foreign) = crate::sniff::identify(f)
    {
        let hint = match foreign.convert_name() {
            Some(name) => format!("; `loom convert` ({name} to loom) turns it into a loom file"),
            None => String::new(),
        };
        return Err(Error::NotLoom(format!("it is {foreign}{hint}")));
    }
    let has = |p: &str| f.object(p).is_ok();
    if has("/matrix") || has("/row_attrs") || has("/col_attrs") || has("/layers") {
        Ok(())
    } else {
        Err(Error::NotLoom("no /matrix, /layers, /row_attrs or /col_attrs".into()))
    }
}

impl LoomFile {
    fn from_reader(reader: File, writer: Option<Writer>) -> Result<LoomFile> {
        check_loom(&reader)?;
        let spec = spec_version(&reader);
        let shape = matrix_shape(&reader)?;
        Ok(LoomFile {
            reader,
            writer,
            spec,
            shape,
            matrices: Default::default(),
            catalog: Default::default(),
            finish_on_drop: None,
        })
    }

    /// Open read-only (shared HDF5 lock), loompy's `connect(path, "r")`. Errors name the
    /// file.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.loom");
    /// # LoomFile::create(&path, LayerData::Dense(Array2::<f32>::zeros((3, 2)).view()), &Contents::default())?;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.shape(), (3, 2));
    /// assert!(!f.is_writable());
    /// let missing = LoomFile::open(dir.path().join("missing.loom")).unwrap_err();
    /// assert!(missing.to_string().contains("missing.loom"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "fs")]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<LoomFile> {
        let path = path.as_ref();
        (|| Self::from_reader(File::open(path)?, None))().map_err(|e| name_file(e, path))
    }

    /// Open read-write (exclusive HDF5 lock), loompy's `connect(path, "r+")`. Every mutating
    /// call commits atomically. Errors name the file (including a lock held by another
    /// handle, in this process or another).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.loom");
    /// # LoomFile::create(&path, LayerData::Dense(Array2::<f32>::zeros((3, 2)).view()), &Contents::default())?;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_global("title", &Values::from("edited"))?;
    /// f.close()?;
    /// assert_eq!(LoomFile::open(&path)?.global("title")?.as_string(), Some("edited"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "fs")]
    pub fn open_rw(path: impl AsRef<std::path::Path>) -> Result<LoomFile> {
        let path = path.as_ref();
        (|| {
            let w = Writer::open(path)?;
            let reader =
                w.committed().cloned().ok_or_else(|| Error::invalid("no committed state"))?;
            Self::from_reader(reader, Some(w))
        })()
        .map_err(|e| name_file(e, path))
    }

    /// Open an in-memory image read-only.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let bytes = std::fs::read(&path)?; // or a download, a browser upload, ...
    /// let f = LoomFile::from_bytes(bytes)?;
    /// assert_eq!(f.shape(), (4, 3));
    /// assert!(!f.is_writable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: Vec<u8>) -> Result<LoomFile> {
        Self::from_reader(File::from_bytes(bytes)?, None)
    }

    /// Read-only over an HDF5 file the caller opened: any storage and any
    /// [`hdf5::Limits`] (strict ones for untrusted input, as the fuzz harness uses).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// use loomfile::{Limits, MemStorage, Sel, hdf5};
    /// use std::sync::Arc;
    /// let storage = Arc::new(MemStorage::new(std::fs::read(&path)?));
    /// let tight = Limits { max_elements: 10, ..Limits::default() };
    /// let f = LoomFile::from_hdf5(hdf5::File::from_storage(storage, tight)?)?;
    /// assert_eq!(f.limits().max_elements, 10);
    /// // The 4 x 3 matrix is over the budget of 10 elements: refused before any work.
    /// assert!(f.read_layer::<f32>("", &Sel::All, &Sel::All).is_err());
    /// assert!(f.read_layer::<f32>("", &Sel::from(0..3), &Sel::All).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_hdf5(file: File) -> Result<LoomFile> {
        Self::from_reader(file, None)
    }

    /// Open over any positional reader, read-only.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// use loomfile::{Axis, MemStorage};
    /// use std::sync::Arc;
    /// let storage = Arc::new(MemStorage::frozen(std::fs::read(&path)?));
    /// let f = LoomFile::from_reader_storage(storage)?;
    /// assert_eq!(f.attr(Axis::Rows, "Gene")?.as_strings().unwrap()[0], "a");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_reader_storage(storage: Arc<dyn ReadAt>) -> Result<LoomFile> {
        Self::from_reader(File::from_storage(storage, hdf5::Limits::default())?, None)
    }

    /// Open over a writable storage, read-write.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// use loomfile::MemStorage;
    /// use std::sync::Arc;
    /// let storage = Arc::new(MemStorage::new(std::fs::read(&path)?));
    /// let mut f = LoomFile::from_storage(storage.clone())?;
    /// f.set_global("note", &Values::from("edited in memory"))?;
    /// f.close()?;
    /// let again = LoomFile::from_bytes(storage.to_vec())?;
    /// assert_eq!(again.global("note")?.as_string(), Some("edited in memory"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_storage(storage: Arc<dyn WriteAt>) -> Result<LoomFile> {
        let w = Writer::open_in(storage)?;
        let reader = w.committed().cloned().ok_or_else(|| Error::invalid("no committed state"))?;
        Self::from_reader(reader, Some(w))
    }

    /// Start an empty spec-3 loom file (loompy's `new`): the six groups, `CreationDate` and
    /// `LOOM_SPEC_VERSION`, plus `file_attrs` as globals. The file appears at `path`
    /// atomically when [`LoomFile::close`] is called, or when the handle is dropped
    /// (see [`LoomFile`]); [`LoomFile::discard`] throws it away.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LoomFile, Values};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("new.loom");
    /// let f = LoomFile::new(&path, &[("title", Values::from("empty so far"))])?;
    /// assert_eq!(f.shape(), (0, 0));
    /// f.close()?;
    /// assert_eq!(LoomFile::open(&path)?.global("title")?.as_string(), Some("empty so far"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "fs")]
    pub fn new(
        path: impl AsRef<std::path::Path>,
        file_attrs: &[(&str, Values)],
    ) -> Result<LoomFile> {
        let mut f = Self::new_all_or_nothing(&path, file_attrs)?;
        f.finish_on_drop = Some(path.as_ref().display().to_string());
        Ok(f)
    }

    /// [`LoomFile::new`] for a file that must appear whole or not at all: it appears at
    /// `path` only through [`LoomFile::close`]; dropping the handle unclosed (e.g. on an
    /// error path) removes it. The library's own writers (`create`, `combine`, `subset`,
    /// conversions) work this way.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::LoomFile;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("atomic.loom");
    /// drop(LoomFile::new_all_or_nothing(&path, &[])?);
    /// assert!(!path.exists());
    /// LoomFile::new_all_or_nothing(&path, &[])?.close()?;
    /// assert!(path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "fs")]
    pub fn new_all_or_nothing(
        path: impl AsRef<std::path::Path>,
        file_attrs: &[(&str, Values)],
    ) -> Result<LoomFile> {
        let path = path.as_ref();
        Self::new_with(Writer::create(path).map_err(|e| name_file(e.into(), path))?, file_attrs)
    }

    /// Throw away a file from [`LoomFile::new`] that has not been closed: nothing appears
    /// at its path. For a file opened with [`LoomFile::open_rw`], every call has already
    /// committed; this closes it without further changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::LoomFile;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("scratch.loom");
    /// LoomFile::new(&path, &[])?.discard();
    /// assert!(!path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn discard(mut self) {
        self.finish_on_drop = None;
    }

    /// [`LoomFile::new`] on any writable storage (truncated).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LoomFile, MemStorage, Values};
    /// use std::sync::Arc;
    /// let storage = Arc::new(MemStorage::default());
    /// let f = LoomFile::new_in(storage.clone(), &[("title", Values::from("scratch"))])?;
    /// f.close()?;
    /// let f = LoomFile::from_bytes(storage.to_vec())?;
    /// assert_eq!(f.global("title")?.as_string(), Some("scratch"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new_in(storage: Arc<dyn WriteAt>, file_attrs: &[(&str, Values)]) -> Result<LoomFile> {
        Self::new_with(Writer::create_in(storage)?, file_attrs)
    }

    fn new_with(mut w: Writer, file_attrs: &[(&str, Values)]) -> Result<LoomFile> {
        for g in ["/attrs", "/layers", "/row_attrs", "/col_attrs", "/row_graphs", "/col_graphs"] {
            w.create_group(g)?;
        }
        w.commit()?;
        let reader = w.committed().cloned().ok_or_else(|| Error::invalid("no committed state"))?;
        let mut f = LoomFile {
            reader,
            writer: Some(w),
            spec: SpecVersion { text: Some(SPEC_VERSION.into()) },
            shape: (0, 0),
            matrices: Default::default(),
            catalog: Default::default(),
            finish_on_drop: None,
        };
        for (k, v) in file_attrs {
            f.stage_global(k, v)?;
        }
        f.stage_global("CreationDate", &Values::string(&timestamp::now()))?;
        f.stage_global("LOOM_SPEC_VERSION", &Values::string(SPEC_VERSION))?;
        f.commit()?;
        Ok(f)
    }

    /// Commit pending changes and close (for files from [`LoomFile::new`], this is when the
    /// file appears at its path), reporting any error of that last step.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::LoomFile;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("c.loom");
    /// LoomFile::new(&path, &[])?.close()?;
    /// assert!(path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(mut self) -> Result<()> {
        let path = self.finish_on_drop.take();
        if let Some(w) = self.writer.take() {
            w.finish().map_err(|e| match path {
                Some(p) => Error::from(e).in_file(p),
                None => e.into(),
            })?;
        }
        Ok(())
    }

    /// (rows, columns) of the main matrix; (0, 0) before it exists.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.shape(), (4, 3)); // 4 genes x 3 cells
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shape(&self) -> (u64, u64) {
        self.shape
    }

    /// Length of an axis.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// use loomfile::Axis;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.len(Axis::Rows), 4);
    /// assert_eq!(f.len(Axis::Cols), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self, axis: Axis) -> u64 {
        match axis {
            Axis::Rows => self.shape.0,
            Axis::Cols => self.shape.1,
        }
    }

    /// The declared spec version.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.spec_version().text.as_deref(), Some("3.0.0"));
    /// assert!(f.spec_version().is_v3());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spec_version(&self) -> &SpecVersion {
        &self.spec
    }

    /// True when opened read-write.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// assert!(!LoomFile::open(&path)?.is_writable());
    /// assert!(LoomFile::open_rw(&path)?.is_writable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_writable(&self) -> bool {
        self.writer.is_some()
    }

    /// Reuse space no committed structure uses for new data (on by default for files opened
    /// read-write with a lock; see `docs/writer.md`). Off, every change is appended, as
    /// libhdf5 does, until `loom compact`. An error for a read-only file.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_space_reuse(false)?; // from now on every change is appended
    /// f.set_global("note", &Values::from("appended"))?;
    /// f.close()?;
    /// let mut f = LoomFile::open(&path)?;
    /// assert!(f.set_space_reuse(true).is_err()); // read-only
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_space_reuse(&mut self, on: bool) -> Result<()> {
        self.writer()?.set_space_reuse(on);
        Ok(())
    }

    /// Compact the file in place after a commit that leaves it above `ratio` times the size
    /// of its content repacked, so long edit sessions stay near the size of what they hold
    /// (default [`hdf5::DEFAULT_AUTO_COMPACT`], 1.2; `None` turns it off). It needs space
    /// reuse on and the system's file lock; the copy takes over the lock before it is renamed
    /// over the path, so a kill at any point leaves one complete file, and
    /// [`LoomFile::matrix`] snapshots of earlier states keep reading the file they
    /// opened. See [`hdf5::Writer::set_auto_compact`]. An error for a read-only file.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_auto_compact(Some(2.0))?; // tolerate twice the content before compacting
    /// f.set_global("note", &Values::from("kept"))?;
    /// f.set_auto_compact(None)?; // never compact in this session
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_auto_compact(&mut self, ratio: Option<f64>) -> Result<()> {
        self.writer()?.set_auto_compact(ratio);
        Ok(())
    }

    /// The underlying HDF5 file (committed state).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// let matrix = f.hdf5().dataset("/matrix")?;
    /// assert_eq!(matrix.shape(), Some(vec![4, 3]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hdf5(&self) -> &File {
        &self.reader
    }

    /// The allocation and work budgets this file was opened with (see [`hdf5::Limits`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// use loomfile::Limits;
    /// let f = LoomFile::open(&path)?;
    /// assert_eq!(f.limits(), Limits::default());
    /// assert_eq!(f.limits().max_elements, 1 << 34);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn limits(&self) -> hdf5::Limits {
        self.reader.source().limits
    }

    /// Refuse an operation over `count` elements of the object at `path` past the work budget
    /// ([`hdf5::Limits::max_elements`]), before any work or allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// f.check_elements("/matrix", "a copy of", 12)?;
    /// let err = f.check_elements("/matrix", "a copy of", u64::MAX).unwrap_err();
    /// assert!(err.to_string().contains("/matrix"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_elements(&self, path: &str, what: &'static str, count: u64) -> Result<()> {
        Ok(self.limits().check_elements(path, what, count)?)
    }

    /// [`LoomFile::check_elements`] for `rows x cols` (an overflow is over budget). Each row
    /// and column counts as visited once even when the other axis is empty: a 2^40 x 0 layer
    /// holds no value, but a pass over its rows is 2^40 steps, and a per-row result 2^40 long.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// f.check_area("/matrix", "a pass over", 4, 3)?;
    /// // No values at all, but 2^40 rows to visit: over the default budget of 2^34.
    /// assert!(f.check_area("/matrix", "a pass over", 1 << 40, 0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_area(&self, path: &str, what: &'static str, rows: u64, cols: u64) -> Result<()> {
        let area = rows.saturating_mul(cols);
        let visits = area.max(rows.saturating_add(cols));
        self.check_elements(path, what, visits)
    }

    /// Strings in this file are spec-2 style (XML references decoded on read, escaped on write).
    pub(crate) fn legacy_strings(&self) -> bool {
        !self.spec.is_v3()
    }

    pub(crate) fn writer(&mut self) -> Result<&mut Writer> {
        self.writer.as_mut().ok_or_else(|| {
            Error::invalid("the file is open read-only (open it read-write to modify it)")
        })
    }

    /// Commit staged changes and refresh the view.
    pub(crate) fn commit(&mut self) -> Result<()> {
        let w = self.writer()?;
        w.commit()?;
        let reader = w.committed().cloned().ok_or_else(|| Error::invalid("no committed state"))?;
        self.spec = spec_version(&reader);
        self.shape = matrix_shape(&reader)?;
        self.reader = reader;
        if let Ok(mut m) = self.matrices.lock() {
            m.clear();
        }
        self.catalog = Default::default();
        Ok(())
    }

    /// Stamp `last_modified` on `path` (an HDF5 attribute, vlen UTF-8, as loompy writes).
    pub(crate) fn stamp(&mut self, path: &str, ts: &str) -> Result<()> {
        self.writer()?.set_attr(path, "last_modified", AttrValue::string(ts))?;
        Ok(())
    }

    /// True if `path` exists in the committed file.
    pub(crate) fn exists(&self, path: &str) -> bool {
        self.reader.object(path).is_ok()
    }

    /// The dataset at `path` in the committed file.
    pub(crate) fn dataset(&self, path: &str) -> Result<hdf5::Dataset> {
        Ok(self.reader.dataset(path)?)
    }

    /// The members of the loom groups by kind (see [`crate::catalog`]).
    pub(crate) fn catalog(&self) -> &Catalog {
        self.catalog.get_or_init(|| Catalog::build(&self.reader))
    }

    /// The file-level `last_modified` (loompy's `ds.last_modified()`): `/attrs/last_modified`
    /// or the root attribute; `None` if the file records none.
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// let stamp = f.last_modified().expect("every write stamps the file");
    /// assert_eq!(stamp.len(), "20190918T054530.815648Z".len());
    /// assert!(stamp.ends_with('Z'));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn last_modified(&self) -> Option<String> {
        if let Ok(v) = self.global("last_modified")
            && let Some(s) = v.as_strings().and_then(|s| s.into_iter().next())
        {
            return Some(s);
        }
        let root = self.reader.root().ok()?;
        let a = root.attribute("last_modified").ok()??;
        a.read_strings().ok()?.into_iter().next()
    }
}
