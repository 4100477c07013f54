//! The writer: creates files and edits existing ones with atomic commits.
//!
//! It emits what libhdf5 writes with the earliest format (what loompy's files hold):
//! superblock v0, version 1 object headers, symbol-table groups, contiguous/compact/chunked
//! datasets with a version 1 B-tree chunk index, deflate/shuffle/fletcher32, fill values,
//! variable-length strings in global heap collections. The one exception: an object with an
//! attribute too large for a header message keeps its attributes in dense storage, which
//! needs a version 2 object header.
//!
//! Nothing reachable from the committed superblock is ever overwritten. A transaction
//! appends every new or changed structure past the committed end of file (changed objects
//! get new headers, and so do their ancestors up to the root), syncs, rewrites the superblock
//! (root and end of file) as the single commit write, and syncs again. A crash at any point
//! leaves exactly the old or the new file. Whole-file outputs ([`Writer::create`]) are
//! written to a temporary file in the same folder and renamed into place.

mod attr;
mod btree_v2;
mod chunk_btree;
mod commit;
#[cfg(feature = "fs")]
mod compact;
mod dataset;
mod dense;
mod fractal_heap;
mod global_heap;
mod group;
mod header;
mod repack;
mod space;
pub(crate) mod tree;

pub use attr::{AttrValue, Data};
#[cfg(feature = "fs")]
pub use compact::{CompactReport, compact};
pub use dataset::{DatasetSpec, LayoutSpec};
pub use repack::{RepackOptions, RepackReport, repack};

/// The default of [`Writer::set_auto_compact`]: compact once the file is 1.2 times the size
/// of its content repacked.
pub const DEFAULT_AUTO_COMPACT: f64 = 1.2;

/// Files smaller than this are never compacted automatically.
pub const AUTO_COMPACT_MIN_BYTES: u64 = 32 * 1024;

use crate::filters::{ChunkDecoder, ChunkEncoder};
use crate::model::live::live_extents;
use crate::model::object::{ObjectKind, classify, links_of};
use crate::raw::messages::attribute::{AttrType, AttributeMessage};
use crate::raw::messages::attribute_info::AttributeInfo;
use crate::raw::messages::link::LinkTarget;
use crate::raw::object_header::kind;
use crate::raw::superblock::{RootGroup, Superblock};
use crate::raw::symbol_table_entry::SymbolTableEntry;
use crate::raw::{Sizes, superblock};
use crate::storage::{ReadAt, WriteAt};
use crate::{Error, File, Limits, Result, ResultExt};
use global_heap::HeapWriter;
use space::Space;
use std::collections::HashMap;
use std::sync::Arc;
use tree::{AttrEntry, Child, GroupNode, Node, NodeId, NodeKind};

/// Adapts a shared `WriteAt` to `ReadAt` for the reader of the committed state.
struct ReadView(Arc<dyn WriteAt>);

impl ReadAt for ReadView {
    fn len(&self) -> std::io::Result<u64> {
        self.0.len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.0.read_exact_at(offset, buf)
    }
}

#[cfg(feature = "fs")]
#[derive(Debug)]
enum Finish {
    /// Edited in place at `path`, under the exclusive lock `_lock` holds; `auto_compact` when
    /// that is the system's lock, so a compacted copy can take it over.
    InPlace {
        _lock: std::fs::File,
        path: std::path::PathBuf,
        auto_compact: bool,
    },
    Rename(crate::storage::AtomicFile),
}

/// Creates or edits one HDF5 file. Changes become visible atomically at [`Writer::commit`].
pub struct Writer {
    space: Space,
    sizes: Sizes,
    superblock: Superblock,
    reader: Option<File>,
    nodes: Vec<Node>,
    root: NodeId,
    heap: HeapWriter,
    poisoned: bool,
    limits: Limits,
    /// One encoder per deflate level (a compressor's state is a few hundred KiB to set up).
    encoders: HashMap<Option<u32>, ChunkEncoder>,
    decoder: ChunkDecoder,
    /// Symbol-table addresses of groups written by earlier commits of this writer.
    tables: HashMap<NodeId, (u64, u64)>,
    #[cfg(feature = "fs")]
    finish: Option<Finish>,
    lock_warning: Option<String>,
    /// Compact in place after a commit that leaves the file above this multiple of its
    /// content's size (see [`Writer::set_auto_compact`]).
    auto_compact: Option<f64>,
    /// The committed state's [`crate::SpaceUsage::packed_estimate`], when mapped.
    packed_estimate: Option<u64>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("space", &self.space)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

fn new_group(path: &str, parent: Option<NodeId>) -> Node {
    Node {
        path: path.to_string(),
        parent,
        existing: None,
        refcount: 1,
        dirty: true,
        attrs: Vec::new(),
        kind: NodeKind::Group(GroupNode::default()),
    }
}

/// Split `/a/b/c` into (`/a/b`, `c`).
pub(crate) fn split_path(path: &str) -> Result<(String, String)> {
    let p = path.trim_end_matches('/');
    let i =
        p.rfind('/').ok_or_else(|| Error::invalid(format!("{path:?} is not an absolute path")))?;
    let name = &p[i + 1..];
    if name.is_empty() || name == "." || name == ".." {
        return Err(Error::invalid(format!("{path:?} has no final name")));
    }
    let parent = if i == 0 { "/".to_string() } else { p[..i].to_string() };
    Ok((parent, name.to_string()))
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" { format!("/{name}") } else { format!("{parent}/{name}") }
}

impl Writer {
    /// Start a new, empty file on `storage` (truncated).
    pub fn create_in(storage: Arc<dyn WriteAt>) -> Result<Writer> {
        storage.set_len(0).map_err(Error::io)?;
        let sizes = Sizes::DEFAULT;
        let superblock = Superblock {
            version: 0,
            base: 0,
            sizes,
            group_leaf_k: 4,
            group_internal_k: 16,
            indexed_storage_k: 32,
            flags: 0,
            eof: superblock::V0_SIZE as u64,
            extension: None,
            driver_info: None,
            root: RootGroup::Entry(SymbolTableEntry::group(0, 0, 0, 0)),
        };
        let space = Space::new(storage, 0, superblock::V0_SIZE as u64);
        Ok(Writer {
            space,
            sizes,
            superblock,
            reader: None,
            nodes: vec![new_group("/", None)],
            root: 0,
            heap: HeapWriter::default(),
            poisoned: false,
            limits: Limits::default(),
            encoders: HashMap::new(),
            decoder: ChunkDecoder::new(),
            tables: HashMap::new(),
            #[cfg(feature = "fs")]
            finish: None,
            lock_warning: None,
            auto_compact: Some(DEFAULT_AUTO_COMPACT),
            packed_estimate: None,
        })
    }

    /// Edit the file on `storage` in place.
    pub fn open_in(storage: Arc<dyn WriteAt>) -> Result<Writer> {
        Self::open_in_reusing(storage, true)
    }

    /// [`Writer::open_in`]; the space map is only built when dead space may be reused.
    fn open_in_reusing(storage: Arc<dyn WriteAt>, reuse: bool) -> Result<Writer> {
        let view: Arc<dyn ReadAt> = Arc::new(ReadView(storage.clone()));
        let reader = File::from_storage(view, Limits::default())?;
        let sb = reader.superblock().clone();
        if sb.version > 1 {
            return Err(Error::ReadOnly {
                path: String::new(),
                detail: format!(
                    "superblock version {} (the newer format) is read-only here; `loom h5 repack` converts it",
                    sb.version
                ),
            });
        }
        let root_addr = sb.root_address();
        let mut space = Space::new(storage, sb.base, sb.eof - sb.base);
        space.set_reuse(reuse);
        if reuse {
            space.set_live(live_extents(&reader).ok());
        }
        let mut w = Writer {
            space,
            sizes: sb.sizes,
            superblock: sb,
            reader: Some(reader),
            nodes: Vec::new(),
            root: 0,
            heap: HeapWriter::default(),
            poisoned: false,
            limits: Limits::default(),
            encoders: HashMap::new(),
            decoder: ChunkDecoder::new(),
            tables: HashMap::new(),
            #[cfg(feature = "fs")]
            finish: None,
            lock_warning: None,
            auto_compact: Some(DEFAULT_AUTO_COMPACT),
            packed_estimate: None,
        };
        w.root = w.load(root_addr, "/".to_string(), None)?;
        Ok(w)
    }

    /// Create `path` atomically: everything goes to a temporary file in the same folder,
    /// renamed over `path` by [`Writer::finish`]. Dropping the writer unfinished deletes it.
    #[cfg(feature = "fs")]
    pub fn create(path: impl AsRef<std::path::Path>) -> Result<Writer> {
        let tmp = crate::storage::AtomicFile::create(path.as_ref())?;
        let f = tmp.file().try_clone().map_err(|e| Error::io(e).at(&path_str(tmp.dest())))?;
        let mut w = Self::create_in(Arc::new(crate::storage::FileStorage::new(f)))?;
        w.finish = Some(Finish::Rename(tmp));
        Ok(w)
    }

    /// Open `path` for editing, with an exclusive HDF5-compatible lock. On a file system
    /// that cannot lock, this refuses unless `HDF5_USE_FILE_LOCKING` is `BEST_EFFORT` or
    /// `FALSE` (see [`crate::storage::lock`]).
    #[cfg(feature = "fs")]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Writer> {
        Self::open_with(path, &crate::OpenOptions::default())
    }

    /// [`Writer::open`] with options (lock policy and lock layer; the limits apply to reads).
    #[cfg(feature = "fs")]
    pub fn open_with(
        path: impl AsRef<std::path::Path>,
        opts: &crate::OpenOptions,
    ) -> Result<Writer> {
        use crate::storage::lock::{LockKind, LockPolicy, SystemLocks, acquire};
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path.as_ref())
            .map_err(Error::io)?;
        let policy = opts.lock.unwrap_or_else(LockPolicy::from_env);
        let what = path.as_ref().display().to_string();
        let acquired = match &opts.lock_layer {
            Some(layer) => acquire(&f, LockKind::Exclusive, policy, layer.as_ref(), &what)?,
            None => acquire(&f, LockKind::Exclusive, policy, &SystemLocks, &what)?,
        };
        let lock_handle = f.try_clone().map_err(Error::io)?;
        // Without the lock another process may be reading the file: never reuse its space.
        let reuse = matches!(acquired, crate::storage::lock::Acquired::Held);
        let mut w = Self::open_in_reusing(Arc::new(crate::storage::FileStorage::new(f)), reuse)?;
        w.finish = Some(Finish::InPlace {
            _lock: lock_handle,
            path: path.as_ref().to_path_buf(),
            auto_compact: reuse && opts.lock_layer.is_none(),
        });
        w.lock_warning = acquired.warning().map(str::to_string);
        Ok(w)
    }

    /// Why the file is edited without a lock (`BEST_EFFORT` on a file system that cannot
    /// lock), if so.
    pub fn lock_warning(&self) -> Option<&str> {
        self.lock_warning.as_deref()
    }

    /// Commit, cut dead space at the end of the file, and for [`Writer::create`] sync and
    /// rename the temporary file into place.
    pub fn finish(mut self) -> Result<()> {
        self.commit()?;
        self.truncate_dead_tail()?;
        #[cfg(feature = "fs")]
        if let Some(Finish::Rename(tmp)) = self.finish.take() {
            tmp.commit()?;
        }
        Ok(())
    }

    /// Reuse space no committed structure uses (on by default; off for files edited without
    /// a lock). Off, every change is appended past the end of file, as libhdf5 does, and the
    /// file only shrinks through [`crate::compact`].
    pub fn set_space_reuse(&mut self, on: bool) {
        if on
            && !self.space.reuse()
            && let Some(r) = &self.reader
        {
            self.space.set_live(live_extents(r).ok());
        }
        self.space.set_reuse(on);
    }

    /// Compact the file in place after a commit that leaves it above `ratio` times the size
    /// of its content repacked (dead space left by edits, half-empty heap collections), so
    /// an edit session cannot grow it without bound. `None` turns it off. The default is
    /// [`DEFAULT_AUTO_COMPACT`].
    ///
    /// It applies to files opened with [`Writer::open`] under the system's lock, with space
    /// reuse on, of at least [`AUTO_COMPACT_MIN_BYTES`]. The content is repacked into a
    /// temporary file beside the original, which takes over the lock before it is renamed
    /// over the path (as [`crate::compact`] does): a kill at any point leaves one complete
    /// file. The cost is a copy of the file's content (chunks are copied compressed),
    /// amortized over the edits that left the dead space behind. Readers of older states
    /// in this process keep reading the file they opened.
    pub fn set_auto_compact(&mut self, ratio: Option<f64>) {
        self.auto_compact = ratio;
    }

    /// Cut the dead bytes at the tail of the committed file: the superblock gets the end of
    /// the last structure still in use as its end of file (one write, synced), then the file
    /// is truncated. Nothing happens with reuse off, changes staged, or nothing to cut. The
    /// last step of [`Writer::finish`].
    fn truncate_dead_tail(&mut self) -> Result<()> {
        if self.poisoned || self.nodes[self.root].dirty || !self.space.reuse() {
            return Ok(());
        }
        let Some(end) = self.space.live_end() else { return Ok(()) };
        let base = self.space.base;
        if base + end >= self.superblock.eof {
            return Ok(());
        }
        let storage = self.space.storage().clone();
        let mut sb = self.superblock.clone();
        sb.eof = base + end;
        let bytes = sb.encode_v0();
        let written = storage.write_all_at(base, &bytes).and_then(|()| storage.sync());
        if let Err(e) = written {
            self.poisoned = true;
            return Err(Error::io(e));
        }
        let _ = storage.set_len(base + end).and_then(|()| storage.sync());
        // Only `finish` calls this, and the writer ends with it: no new view to build.
        self.superblock = sb;
        Ok(())
    }

    /// A reader of the last committed state.
    pub fn committed(&self) -> Option<&File> {
        self.reader.as_ref()
    }

    /// Set the allocation budget used when reading existing data.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Field widths of the file.
    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    // ----- loading -----

    fn reader(&self) -> Result<&File> {
        self.reader
            .as_ref()
            .ok_or_else(|| Error::invalid("internal: no committed file to load from"))
    }

    fn load(&mut self, addr: u64, path: String, parent: Option<NodeId>) -> Result<NodeId> {
        let file = self.reader()?.clone();
        let header = file.inner.header(addr).at(&path)?;
        let sizes = self.sizes;
        let mut attrs = Vec::new();
        for m in header.all(kind::ATTRIBUTE) {
            let a = AttributeMessage::decode(&m.data, m.offset, sizes).at(&path)?;
            attrs.push(AttrEntry::Raw { name: a.name, flags: m.flags, body: m.data.to_vec() });
        }
        if let Some(m) = header.first(kind::ATTRIBUTE_INFO) {
            let info = AttributeInfo::decode(&m.data, m.offset, sizes).at(&path)?;
            if info.heap.is_some() {
                for a in crate::model::dense::attributes(&file.inner.src, &info).at(&path)? {
                    let AttrType::Inline(dtype) = &a.dtype else {
                        return Err(Error::unsupported(
                            "editing an object whose dense attributes use committed types",
                        )
                        .at(&path));
                    };
                    let body =
                        AttributeMessage::encode_v1(&a.name, dtype, &a.space, &a.data, sizes);
                    attrs.push(AttrEntry::Raw { name: a.name.clone(), flags: 0, body });
                }
            }
        }
        let kind = match classify(&header) {
            ObjectKind::Group => {
                let mut g = GroupNode::default();
                for l in links_of(&file, &header).at(&path)? {
                    let child = match l.target {
                        LinkTarget::Hard(a) => Child::Existing(a),
                        LinkTarget::Soft(t) => Child::Soft(t),
                        LinkTarget::External { file, path } => Child::External { file, path },
                    };
                    g.links.insert(l.name, child);
                }
                NodeKind::Group(g)
            }
            ObjectKind::Dataset => {
                NodeKind::Dataset(Box::new(dataset::load(&file, &header, &path)?))
            }
            ObjectKind::Datatype => {
                return Err(Error::unsupported("editing a committed datatype").at(&path));
            }
        };
        self.nodes.push(Node {
            path,
            parent,
            existing: Some(addr),
            refcount: header.refcount,
            dirty: false,
            attrs,
            kind,
        });
        Ok(self.nodes.len() - 1)
    }

    /// The node at `path`, loading groups along the way.
    fn resolve(&mut self, path: &str) -> Result<NodeId> {
        let mut cur = self.root;
        let mut here = "/".to_string();
        for name in path.split('/').filter(|p| !p.is_empty()) {
            let child = match &self.nodes[cur].kind {
                NodeKind::Group(g) => g.links.get(name).cloned(),
                NodeKind::Dataset(_) => {
                    return Err(Error::invalid(format!("{here} is a dataset, not a group")));
                }
            };
            let next = join(&here, name);
            cur = match child {
                None => return Err(Error::NotFound { path: next }),
                Some(Child::Node(id)) => id,
                Some(Child::Existing(addr)) => {
                    let id = self.load(addr, next.clone(), Some(cur))?;
                    if let NodeKind::Group(g) = &mut self.nodes[cur].kind {
                        g.links.insert(name.to_string(), Child::Node(id));
                    }
                    id
                }
                Some(Child::Soft(_)) | Some(Child::External { .. }) => {
                    return Err(Error::invalid(format!(
                        "{next} is a link; edit its target path instead"
                    )));
                }
            };
            here = next;
        }
        Ok(cur)
    }

    /// Mark a node and its ancestors changed.
    fn touch(&mut self, id: NodeId) -> Result<()> {
        let mut cur = Some(id);
        while let Some(i) = cur {
            let n = &mut self.nodes[i];
            if n.existing.is_some() && n.refcount > 1 {
                return Err(Error::unsupported(format!(
                    "editing an object reachable through {} hard links",
                    n.refcount
                ))
                .at(&n.path));
            }
            n.dirty = true;
            cur = n.parent;
        }
        Ok(())
    }

    fn group_mut(&mut self, id: NodeId) -> Result<&mut GroupNode> {
        let path = self.nodes[id].path.clone();
        match &mut self.nodes[id].kind {
            NodeKind::Group(g) => Ok(g),
            NodeKind::Dataset(_) => Err(Error::invalid("not a group").at(&path)),
        }
    }

    // ----- structure -----

    /// True if `path` exists (links are not followed).
    pub fn exists(&mut self, path: &str) -> bool {
        if path == "/" {
            return true;
        }
        let Ok((parent, name)) = split_path(path) else { return false };
        match self.resolve(&parent) {
            Ok(p) => {
                matches!(&self.nodes[p].kind, NodeKind::Group(g) if g.links.contains_key(&name))
            }
            Err(_) => false,
        }
    }

    /// Names of the members of a group, sorted.
    pub fn members(&mut self, path: &str) -> Result<Vec<String>> {
        let id = self.resolve(path)?;
        Ok(self.group_mut(id)?.links.keys().cloned().collect())
    }

    fn add_child(&mut self, path: &str, node: Node) -> Result<NodeId> {
        let (parent, name) = split_path(path)?;
        let pid = self.resolve(&parent)?;
        if self.group_mut(pid)?.links.contains_key(&name) {
            return Err(Error::invalid(format!("{path} already exists")));
        }
        self.nodes.push(Node { parent: Some(pid), path: path.to_string(), ..node });
        let id = self.nodes.len() - 1;
        self.group_mut(pid)?.links.insert(name, Child::Node(id));
        self.touch(id)?;
        Ok(id)
    }

    /// Create a group (its parent must exist).
    pub fn create_group(&mut self, path: &str) -> Result<()> {
        self.add_child(path, new_group(path, None)).map(|_| ())
    }

    /// Create a group and any missing parents; fine if it exists.
    pub fn require_group(&mut self, path: &str) -> Result<()> {
        let mut here = String::from("/");
        for name in path.split('/').filter(|p| !p.is_empty()) {
            let next = join(&here, name);
            if !self.exists(&next) {
                self.create_group(&next)?;
            }
            here = next;
        }
        Ok(())
    }

    /// Remove the link at `path` (the object's space is not reclaimed until a repack).
    pub fn delete(&mut self, path: &str) -> Result<()> {
        let (parent, name) = split_path(path)?;
        let pid = self.resolve(&parent)?;
        if self.group_mut(pid)?.links.remove(&name).is_none() {
            return Err(Error::NotFound { path: path.to_string() });
        }
        self.touch(pid)
    }

    /// Create a soft link at `path` pointing to `target`.
    pub fn link_soft(&mut self, path: &str, target: &str) -> Result<()> {
        let (parent, name) = split_path(path)?;
        let pid = self.resolve(&parent)?;
        let g = self.group_mut(pid)?;
        if g.links.contains_key(&name) {
            return Err(Error::invalid(format!("{path} already exists")));
        }
        g.links.insert(name, Child::Soft(target.to_string()));
        self.touch(pid)
    }

    /// Create an external link at `path` to `target` in `file`.
    pub fn link_external(&mut self, path: &str, file: &str, target: &str) -> Result<()> {
        let (parent, name) = split_path(path)?;
        let pid = self.resolve(&parent)?;
        let g = self.group_mut(pid)?;
        if g.links.contains_key(&name) {
            return Err(Error::invalid(format!("{path} already exists")));
        }
        g.links.insert(name, Child::External { file: file.to_string(), path: target.to_string() });
        self.touch(pid)
    }

    /// Hard-link the object at `existing` under the new name `path` as well.
    pub fn link_hard(&mut self, path: &str, existing: &str) -> Result<()> {
        let target = self.resolve(existing)?;
        let (parent, name) = split_path(path)?;
        let pid = self.resolve(&parent)?;
        let g = self.group_mut(pid)?;
        if g.links.contains_key(&name) {
            return Err(Error::invalid(format!("{path} already exists")));
        }
        g.links.insert(name, Child::Node(target));
        self.nodes[target].refcount += 1;
        self.touch(pid)
    }

    // ----- attributes -----

    /// Set (create or replace) attribute `name` of the object at `path`.
    pub fn set_attr(&mut self, path: &str, name: &str, value: AttrValue) -> Result<()> {
        let id = self.resolve(path)?;
        let attrs = &mut self.nodes[id].attrs;
        let entry = AttrEntry::New { name: name.to_string(), value };
        match attrs.iter().position(|a| a.name() == name) {
            Some(i) => attrs[i] = entry,
            None => attrs.push(entry),
        }
        self.touch(id)
    }

    /// Delete attribute `name`; an error if it does not exist.
    pub fn delete_attr(&mut self, path: &str, name: &str) -> Result<()> {
        let id = self.resolve(path)?;
        let attrs = &mut self.nodes[id].attrs;
        let before = attrs.len();
        attrs.retain(|a| a.name() != name);
        if attrs.len() == before {
            return Err(Error::NotFound { path: format!("{path}@{name}") });
        }
        self.touch(id)
    }

    /// Names of the attributes of `path`, in storage order.
    pub fn attr_names(&mut self, path: &str) -> Result<Vec<String>> {
        let id = self.resolve(path)?;
        Ok(self.nodes[id].attrs.iter().map(|a| a.name().to_string()).collect())
    }

    /// Discard every change staged since the last commit: the writer returns to the
    /// committed state (which the file on disk still holds) and the space the abandoned
    /// changes used is reused by the next transaction.
    pub fn rollback(&mut self) -> Result<()> {
        self.space.rewind();
        self.heap = HeapWriter::default();
        self.encoders.clear();
        self.tables.clear();
        self.nodes.clear();
        match self.reader.clone() {
            Some(r) => {
                let addr = r.superblock().root_address();
                self.root = self.load(addr, "/".to_string(), None)?;
            }
            None => {
                self.nodes.push(new_group("/", None));
                self.root = 0;
            }
        }
        Ok(())
    }

    // ----- commit -----

    /// Make every change since the last commit durable and visible, atomically.
    pub fn commit(&mut self) -> Result<()> {
        // A write that failed during an operation (a chunk, a heap collection) left the staged
        // state incomplete: committing it would publish a torn change.
        if self.poisoned || self.space.failed() {
            self.poisoned = true;
            return Err(Error::Poisoned);
        }
        if !self.nodes[self.root].dirty {
            return Ok(());
        }
        match commit::run(self) {
            Ok(()) => {
                #[cfg(feature = "fs")]
                compact::after_commit(self);
                Ok(())
            }
            Err(e) => {
                // After a failed write or sync the on-disk state beyond the fence is unknown;
                // the committed state is intact, but this handle takes no more commits.
                self.poisoned = true;
                Err(e)
            }
        }
    }
}

#[cfg(feature = "fs")]
fn path_str(p: &std::path::Path) -> String {
    p.display().to_string()
}
