//! The writer's view of the object tree: nodes loaded from the committed file on demand (or
//! created new), edited in memory, and marked dirty up to the root so that commit rewrites
//! exactly the changed objects and their ancestors.

use super::attr::AttrValue;
use super::header::OutMessage;
use crate::model::chunks::ChunkEntry;
use crate::raw::messages::dataspace::Dataspace;
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::filter_pipeline::FilterPipeline;
use std::collections::BTreeMap;

/// Index of a node in the writer's arena.
pub type NodeId = usize;

/// A link target as the writer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Child {
    /// A node loaded or created in this writer.
    Node(NodeId),
    /// A committed object not loaded (its header address).
    Existing(u64),
    /// A soft link.
    Soft(String),
    /// An external link.
    External {
        /// Target file.
        file: String,
        /// Target path.
        path: String,
    },
}

/// One attribute of a node.
#[derive(Clone, Debug)]
pub enum AttrEntry {
    /// An attribute message body copied from the committed file (any version).
    Raw {
        /// Attribute name.
        name: String,
        /// Message flags.
        flags: u8,
        /// Message body.
        body: Vec<u8>,
    },
    /// A new value, encoded at commit.
    New {
        /// Attribute name.
        name: String,
        /// The value.
        value: AttrValue,
    },
}

impl AttrEntry {
    /// The attribute's name.
    pub fn name(&self) -> &str {
        match self {
            AttrEntry::Raw { name, .. } | AttrEntry::New { name, .. } => name,
        }
    }
}

/// Storage state of a dataset.
#[derive(Clone, Debug)]
pub enum Storage {
    /// Data inside the layout message.
    Compact(Vec<u8>),
    /// One block (`None`: never written).
    Contiguous {
        /// Address.
        address: Option<u64>,
        /// Size in bytes.
        size: u64,
    },
    /// Chunks by offset.
    Chunked {
        /// Chunk dimensions.
        chunk: Vec<u64>,
        /// Allocated chunks, keyed by element offset.
        entries: BTreeMap<Vec<u64>, ChunkEntry>,
    },
}

/// A dataset node.
#[derive(Clone, Debug)]
pub struct DatasetNode {
    /// Element type.
    pub dtype: Datatype,
    /// Datatype message as it will be written (copied raw for existing datasets).
    pub dtype_msg: OutMessage,
    /// Shape.
    pub space: Dataspace,
    /// Filters.
    pub pipeline: FilterPipeline,
    /// Filter pipeline message (raw for existing datasets).
    pub pipeline_msg: Option<OutMessage>,
    /// Fill value messages.
    pub fill_msgs: Vec<OutMessage>,
    /// One element of fill (for read-modify-write of partial chunks).
    pub fill: Vec<u8>,
    /// Other messages carried over unchanged (comments, ...).
    pub other_msgs: Vec<OutMessage>,
    /// Data.
    pub storage: Storage,
    /// Layout message copied from the file while the data has not changed.
    pub layout_raw: Option<OutMessage>,
}

/// A group node.
#[derive(Clone, Debug, Default)]
pub struct GroupNode {
    /// Links by name.
    pub links: BTreeMap<String, Child>,
}

/// What a node is.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A group.
    Group(GroupNode),
    /// A dataset.
    Dataset(Box<DatasetNode>),
}

/// One object in the writer.
#[derive(Clone, Debug)]
pub struct Node {
    /// Path it was reached by.
    pub path: String,
    /// The group it was reached from.
    pub parent: Option<NodeId>,
    /// Committed header address, if any.
    pub existing: Option<u64>,
    /// Reference count in the committed file.
    pub refcount: u32,
    /// Changed since the last commit (itself or a descendant).
    pub dirty: bool,
    /// Attributes in order.
    pub attrs: Vec<AttrEntry>,
    /// Group or dataset.
    pub kind: NodeKind,
}
