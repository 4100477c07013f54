//! Walk every path reachable from a group through hard links (a hard-linked object once per
//! path), listing soft and external links and cutting cycles, iteratively and within a node
//! budget. This is the engine behind `loom h5 dump` and `loom h5 ls`.

use super::attribute::Attribute;
use super::file::File;
use super::object::{Object, ObjectKind, classify, links_of};
use super::value::Value;
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::link::LinkTarget;
use crate::{Error, Result, ResultExt};

/// One reachable path.
#[derive(Clone, Debug)]
pub struct Node {
    /// Absolute path.
    pub path: String,
    /// What is there.
    pub kind: NodeKind,
}

/// What a path leads to.
#[allow(clippy::large_enum_variant, reason = "built once per node of a walk; boxing buys nothing")]
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A group and its attributes.
    Group {
        /// Attributes.
        attrs: Vec<Attribute>,
    },
    /// A dataset.
    Dataset {
        /// The dataset.
        dataset: super::dataset::Dataset,
        /// Attributes.
        attrs: Vec<Attribute>,
        /// Its value, when data was requested.
        data: Option<Value>,
    },
    /// A committed datatype.
    Datatype(Datatype),
    /// A soft link (not followed).
    SoftLink(String),
    /// An external link (not followed).
    External {
        /// Target file.
        file: String,
        /// Target path.
        path: String,
    },
    /// A group that is one of its own ancestors.
    Cycle(String),
}

/// Walk options.
#[derive(Clone, Copy, Debug)]
pub struct WalkOptions {
    /// Read every dataset's data.
    pub data: bool,
    /// Read attributes.
    pub attrs: bool,
    /// Most nodes listed before giving up (hostile DAGs can reach exponentially many paths).
    pub max_nodes: usize,
    /// Deepest group nesting followed.
    pub max_depth: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions { data: true, attrs: true, max_nodes: 1_000_000, max_depth: 1024 }
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix == "/" { format!("/{name}") } else { format!("{prefix}/{name}") }
}

/// Every node reachable from `start` (an absolute path), sorted by path.
pub fn walk(file: &File, start: &str, opts: WalkOptions) -> Result<Vec<Node>> {
    let root = file.object(start)?;
    let mut nodes = Vec::new();
    // (header address, path, the groups above it as (address, path): cycle detection).
    type Pending = (u64, String, Vec<(u64, String)>);
    let mut stack: Vec<Pending> = Vec::new();
    let attrs = |o: &Object| -> Result<Vec<Attribute>> {
        if opts.attrs { o.attributes() } else { Ok(Vec::new()) }
    };
    match &root {
        Object::Group(g) => {
            nodes.push(Node {
                path: g.path.clone(),
                kind: NodeKind::Group { attrs: attrs(&root)? },
            });
            stack.push((g.addr, g.path.clone(), vec![(g.addr, g.path.clone())]));
        }
        other => nodes.push(leaf(other, attrs(other)?, opts)?),
    }
    while let Some((addr, path, ancestors)) = stack.pop() {
        if ancestors.len() > opts.max_depth {
            return Err(Error::limit(
                "group nesting",
                ancestors.len() as u64,
                opts.max_depth as u64,
            )
            .at(&path));
        }
        let header = file.inner.header(addr).at(&path)?;
        let mut links = links_of(file, &header).at(&path)?;
        links.sort_by(|a, b| a.name.cmp(&b.name));
        for link in links.into_iter().rev() {
            if nodes.len() >= opts.max_nodes {
                return Err(Error::limit(
                    "dump nodes",
                    nodes.len() as u64 + 1,
                    opts.max_nodes as u64,
                )
                .at(&path));
            }
            let p = join(&path, &link.name);
            match link.target {
                LinkTarget::Soft(t) => nodes.push(Node { path: p, kind: NodeKind::SoftLink(t) }),
                LinkTarget::External { file: f, path: t } => {
                    nodes.push(Node { path: p, kind: NodeKind::External { file: f, path: t } })
                }
                LinkTarget::Hard(child) => {
                    let h = file.inner.header(child).at(&p)?;
                    if classify(&h) == ObjectKind::Group {
                        if let Some((_, anc)) = ancestors.iter().find(|(a, _)| *a == child) {
                            nodes.push(Node { path: p, kind: NodeKind::Cycle(anc.clone()) });
                            continue;
                        }
                        let obj = Object::open(file.clone(), p.clone(), child)?;
                        nodes.push(Node {
                            path: p.clone(),
                            kind: NodeKind::Group { attrs: attrs(&obj)? },
                        });
                        let mut anc = ancestors.clone();
                        anc.push((child, p.clone()));
                        stack.push((child, p, anc));
                    } else {
                        let obj = Object::open(file.clone(), p.clone(), child)?;
                        nodes.push(leaf(&obj, attrs(&obj)?, opts)?);
                    }
                }
            }
        }
    }
    nodes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(nodes)
}

fn leaf(obj: &Object, attrs: Vec<Attribute>, opts: WalkOptions) -> Result<Node> {
    Ok(match obj {
        Object::Dataset(d) => {
            let data = if opts.data { Some(d.value()?) } else { None };
            Node {
                path: d.path().to_string(),
                kind: NodeKind::Dataset { dataset: d.clone(), attrs, data },
            }
        }
        Object::Datatype(t) => {
            let m = t.header.first(crate::raw::object_header::kind::DATATYPE);
            let dt = match m {
                Some(m) => Datatype::decode(&m.data, m.offset).at(&t.path)?,
                None => {
                    return Err(Error::malformed(
                        "committed datatype",
                        t.addr,
                        "no datatype message",
                    )
                    .at(&t.path));
                }
            };
            Node { path: t.path.clone(), kind: NodeKind::Datatype(dt) }
        }
        Object::Group(g) => Node { path: g.path.clone(), kind: NodeKind::Group { attrs } },
    })
}
