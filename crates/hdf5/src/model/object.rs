//! Objects: what an object header describes (group, dataset, committed datatype), group
//! links (symbol tables, compact link messages, dense storage) and attributes.

use super::attribute::Attribute;
use super::dataset::Dataset;
use super::file::File;
use crate::raw::local_heap::LocalHeap;
use crate::raw::messages::attribute::AttributeMessage;
use crate::raw::messages::attribute_info::AttributeInfo;
use crate::raw::messages::link::{Link, LinkTarget};
use crate::raw::messages::link_info::LinkInfo;
use crate::raw::messages::symbol_table::SymbolTable;
use crate::raw::object_header::{ObjectHeader, kind};
use crate::raw::symbol_table_entry::ScratchPad;
use crate::raw::{btree_v1, symbol_table_node};
use crate::{Error, Result, ResultExt};
use std::sync::Arc;

/// What an object header holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
    /// A committed (named) datatype.
    Datatype,
}

/// Classify a header by its messages.
pub fn classify(h: &ObjectHeader) -> ObjectKind {
    if h.first(kind::LAYOUT).is_some() {
        ObjectKind::Dataset
    } else if h.first(kind::DATATYPE).is_some() && h.first(kind::DATASPACE).is_none() {
        ObjectKind::Datatype
    } else if h.first(kind::DATASPACE).is_some() && h.first(kind::DATATYPE).is_some() {
        ObjectKind::Dataset
    } else {
        ObjectKind::Group
    }
}

/// An object reached by a path.
#[allow(clippy::large_enum_variant, reason = "a handle opened once per path lookup")]
#[derive(Clone, Debug)]
pub enum Object {
    /// A group.
    Group(Group),
    /// A dataset.
    Dataset(Dataset),
    /// A committed datatype.
    Datatype(Committed),
}

impl Object {
    /// Open the object whose header is at `addr`, reached as `path`.
    pub fn open(file: File, path: String, addr: u64) -> Result<Object> {
        let header = file.inner.header(addr).at(&path)?;
        Ok(match classify(&header) {
            ObjectKind::Group => Object::Group(Group { file, path, addr, header }),
            ObjectKind::Dataset => Object::Dataset(Dataset::from_header(file, path, addr, header)?),
            ObjectKind::Datatype => Object::Datatype(Committed { file, path, addr, header }),
        })
    }

    /// The path it was reached by.
    pub fn path(&self) -> &str {
        match self {
            Object::Group(g) => &g.path,
            Object::Dataset(d) => d.path(),
            Object::Datatype(t) => &t.path,
        }
    }

    /// Header address (object identity).
    pub fn address(&self) -> u64 {
        match self {
            Object::Group(g) => g.addr,
            Object::Dataset(d) => d.address(),
            Object::Datatype(t) => t.addr,
        }
    }

    /// Attributes of the object.
    pub fn attributes(&self) -> Result<Vec<Attribute>> {
        match self {
            Object::Group(g) => g.attributes(),
            Object::Dataset(d) => d.attributes(),
            Object::Datatype(t) => attributes_of(&t.file, &t.header, &t.path),
        }
    }
}

/// A committed datatype object.
#[derive(Clone, Debug)]
pub struct Committed {
    pub(crate) file: File,
    pub(crate) path: String,
    pub(crate) addr: u64,
    pub(crate) header: Arc<ObjectHeader>,
}

/// A link of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkEntry {
    /// Link name.
    pub name: String,
    /// Target.
    pub target: LinkTarget,
    /// Creation order, when tracked.
    pub creation_order: Option<u64>,
}

/// A group.
#[derive(Clone, Debug)]
pub struct Group {
    pub(crate) file: File,
    pub(crate) path: String,
    pub(crate) addr: u64,
    pub(crate) header: Arc<ObjectHeader>,
}

impl Group {
    /// Open the group at header `addr`.
    pub fn open(file: File, path: String, addr: u64) -> Result<Group> {
        let header = file.inner.header(addr).at(&path)?;
        Ok(Group { file, path, addr, header })
    }

    /// The path it was reached by.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Header address.
    pub fn address(&self) -> u64 {
        self.addr
    }

    /// The object header.
    pub fn header(&self) -> &ObjectHeader {
        &self.header
    }

    /// The file.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Links, sorted by name.
    pub fn links(&self) -> Result<Vec<LinkEntry>> {
        let mut out = links_of(&self.file, &self.header).at(&self.path)?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Names of the members, sorted.
    pub fn member_names(&self) -> Result<Vec<String>> {
        Ok(self.links()?.into_iter().map(|l| l.name).collect())
    }

    /// The link called `name`.
    pub fn link(&self, name: &str) -> Result<Option<LinkEntry>> {
        Ok(self.links()?.into_iter().find(|l| l.name == name))
    }

    /// Path of a child.
    pub fn child_path(&self, name: &str) -> String {
        if self.path == "/" { format!("/{name}") } else { format!("{}/{name}", self.path) }
    }

    /// The member `name` (soft links followed).
    pub fn get(&self, name: &str) -> Result<Object> {
        self.file.object(&self.child_path(name))
    }

    /// Attributes of the group.
    pub fn attributes(&self) -> Result<Vec<Attribute>> {
        attributes_of(&self.file, &self.header, &self.path)
    }

    /// One attribute by name.
    pub fn attribute(&self, name: &str) -> Result<Option<Attribute>> {
        Ok(self.attributes()?.into_iter().find(|a| a.name() == name))
    }
}

/// Links of a group header in storage order (symbol table, compact, or dense).
pub(crate) fn links_of(file: &File, h: &ObjectHeader) -> Result<Vec<LinkEntry>> {
    let src = &file.inner.src;
    let mut out = Vec::new();
    if let Some(m) = h.first(kind::SYMBOL_TABLE) {
        let st = SymbolTable::decode(&m.data, m.offset, src.sizes)?;
        let heap = LocalHeap::read(src, st.heap)?;
        let sb = &file.inner.superblock;
        for node in btree_v1::group_nodes(src, st.btree, sb.group_internal_k)? {
            for e in symbol_table_node::read(src, node, sb.group_leaf_k)? {
                let name = heap.string(e.name_offset)?;
                let target = match e.scratch {
                    ScratchPad::SoftLink { value_offset } => {
                        LinkTarget::Soft(heap.string(value_offset as u64)?)
                    }
                    _ => LinkTarget::Hard(e.header),
                };
                out.push(LinkEntry { name, target, creation_order: None });
            }
        }
        return Ok(out);
    }
    for m in h.all(kind::LINK) {
        let l = Link::decode(&m.data, m.offset, src.sizes)?;
        out.push(LinkEntry { name: l.name, target: l.target, creation_order: l.creation_order });
    }
    if let Some(m) = h.first(kind::LINK_INFO) {
        let info = LinkInfo::decode(&m.data, m.offset, src.sizes)?;
        if info.heap.is_some() {
            for l in super::dense::links(src, &info)? {
                out.push(LinkEntry {
                    name: l.name,
                    target: l.target,
                    creation_order: l.creation_order,
                });
            }
        }
    }
    Ok(out)
}

/// Attributes of an object header: compact messages plus dense storage.
pub(crate) fn attributes_of(file: &File, h: &ObjectHeader, path: &str) -> Result<Vec<Attribute>> {
    let src = &file.inner.src;
    let mut msgs = Vec::new();
    for m in h.all(kind::ATTRIBUTE) {
        let mut a = AttributeMessage::decode(&m.data, m.offset, src.sizes).at(path)?;
        a.creation_order = m.creation_order.map(u64::from);
        msgs.push(a);
    }
    if let Some(m) = h.first(kind::ATTRIBUTE_INFO) {
        let info = AttributeInfo::decode(&m.data, m.offset, src.sizes).at(path)?;
        if info.heap.is_some() {
            msgs.extend(super::dense::attributes(src, &info).at(path)?);
        }
    }
    // alloc: msgs.len(), attribute messages already decoded
    let mut out = Vec::with_capacity(msgs.len());
    for m in msgs {
        out.push(Attribute::new(file.clone(), path, m)?);
    }
    out.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(out)
}

impl From<Group> for Object {
    fn from(g: Group) -> Self {
        Object::Group(g)
    }
}

/// Error for a missing member.
pub(crate) fn not_found(path: &str) -> Error {
    Error::NotFound { path: path.to_string() }
}
