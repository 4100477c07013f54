//! The commit protocol.
//!
//! 1. Datasets whose data changed get a new chunk index (or block) and layout message.
//! 2. Attribute values are encoded (variable-length bodies into new heap collections); an
//!    object with an attribute too large for a v1 header message gets dense attribute
//!    storage (fractal heap, name index) and a v2 header.
//! 3. Every dirty object gets a header address reserved past the end of file (sizes are
//!    known before child addresses, so hard-link cycles are fine).
//! 4. Dirty groups get new symbol tables (heap, nodes, B-tree), children before parents.
//! 5. Headers are written into their reserved slots; the open heap collection is flushed.
//! 6. sync; the superblock (root entry, end of file) is rewritten — the only write below the
//!    old end of file; sync.
//!
//! Until step 6 nothing reachable from the committed superblock has changed.

use super::chunk_btree::write_chunk_btree;
use super::dense::{DenseAttr, write_dense_attributes};
use super::group::{StLink, WrittenTable, write_symbol_table};
use super::header::{self, OutMessage};
use super::tree::{AttrEntry, Child, NodeId, NodeKind, Storage};
use super::{Error, Result, Writer};
use crate::File;
use crate::model::live::live_map;
use crate::raw::messages::group_info::GroupInfo;
use crate::raw::messages::layout::Layout;
use crate::raw::messages::link::{Link, LinkTarget};
use crate::raw::messages::link_info::LinkInfo;
use crate::raw::messages::symbol_table::SymbolTable;
use crate::raw::object_header::kind;
use crate::raw::superblock::RootGroup;
use crate::raw::symbol_table_entry::SymbolTableEntry;
use crate::storage::ReadAt;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Run one commit.
pub(super) fn run(w: &mut Writer) -> Result<()> {
    let sizes = w.sizes;
    let dirty: Vec<NodeId> =
        (0..w.nodes.len()).filter(|&i| w.nodes[i].dirty && reachable(w, i)).collect();

    // 1-2. Per-node message lists (without symbol tables, which need child addresses).
    let mut messages: HashMap<NodeId, Vec<OutMessage>> = HashMap::new();
    // Objects with dense attributes, which get version 2 headers.
    let mut v2: HashSet<NodeId> = HashSet::new();
    for &id in &dirty {
        let mut msgs = Vec::new();
        if let NodeKind::Dataset(d) = &w.nodes[id].kind {
            let d = d.clone();
            msgs.push(OutMessage::new(kind::DATASPACE, 0, d.space.encode(sizes)));
            msgs.push(d.dtype_msg.clone());
            msgs.extend(d.fill_msgs.iter().cloned());
            msgs.extend(d.pipeline_msg.iter().cloned());
            let layout = match &d.layout_raw {
                Some(raw) => raw.clone(),
                None => {
                    let l = match &d.storage {
                        Storage::Compact(data) => Layout::Compact { data: data.clone() },
                        Storage::Contiguous { address, size } => {
                            Layout::Contiguous { address: *address, size: *size }
                        }
                        Storage::Chunked { chunk, entries } => {
                            let list: Vec<_> = entries.values().cloned().collect();
                            let k = w.superblock.indexed_storage_k;
                            let root =
                                write_chunk_btree(&mut w.space, sizes, k, d.dtype.size(), &list)?;
                            Layout::Chunked {
                                version: 3,
                                chunk: chunk.clone(),
                                element_size: d.dtype.size(),
                                address: root,
                                index: crate::raw::messages::layout::ChunkIndex::BTreeV1,
                                unfiltered_edges: false,
                            }
                        }
                    };
                    OutMessage::new(kind::LAYOUT, 0, l.encode_v3(sizes))
                }
            };
            msgs.push(layout);
            msgs.extend(d.other_msgs.iter().cloned());
        }
        let attrs = w.nodes[id].attrs.clone();
        // alloc: attrs.len(), attributes the writer holds
        let mut encoded = Vec::with_capacity(attrs.len());
        for a in &attrs {
            let (flags, body) = match a {
                AttrEntry::Raw { flags, body, .. } => (*flags, body.clone()),
                AttrEntry::New { name, value } => (
                    0,
                    value
                        .encode_message(name, &mut w.space, &mut w.heap, sizes)
                        .map_err(|e| e.at(&w.nodes[id].path))?,
                ),
            };
            encoded.push(OutMessage::new(kind::ATTRIBUTE, flags, body));
        }
        // Keep encoded attribute bodies so a later commit does not re-encode them.
        w.nodes[id].attrs = attrs
            .iter()
            .zip(&encoded)
            .map(|(a, m)| AttrEntry::Raw {
                name: a.name().to_string(),
                flags: m.flags,
                body: m.body.clone(),
            })
            .collect();
        if encoded.iter().any(|m| m.body.len() > header::V1_MAX_BODY) {
            // Too large for a v1 header: dense storage and a v2 header for this object.
            let dense: Vec<DenseAttr<'_>> = attrs
                .iter()
                .zip(&encoded)
                .map(|(a, m)| DenseAttr { name: a.name(), flags: m.flags, body: &m.body })
                .collect();
            let info = write_dense_attributes(&mut w.space, sizes, &dense)
                .map_err(|e| e.at(&w.nodes[id].path))?;
            msgs.push(info);
            v2.insert(id);
        } else {
            msgs.extend(encoded);
        }
        messages.insert(id, msgs);
    }

    // 3. Reserve headers. Groups get one more message: the symbol table (or link messages).
    let mut reserved: HashMap<NodeId, u64> = HashMap::new();
    let mut group_msgs: HashMap<NodeId, Vec<OutMessage>> = HashMap::new();
    for &id in &dirty {
        let extra = match &w.nodes[id].kind {
            NodeKind::Group(g) => group_link_messages(w, id, g.links.len())?,
            NodeKind::Dataset(_) => Vec::new(),
        };
        let mut all = extra.clone();
        all.extend(messages[&id].iter().cloned());
        let size = if v2.contains(&id) {
            header::header_size_v2(&all, w.nodes[id].refcount)
        } else {
            header::header_size(&all)
        } as u64;
        reserved.insert(id, w.space.alloc(size));
        group_msgs.insert(id, extra);
    }

    // 4. Symbol tables, children before parents where possible.
    let mut tables: HashMap<NodeId, WrittenTable> = HashMap::new();
    let mut order: Vec<NodeId> =
        dirty.iter().copied().filter(|&i| matches!(w.nodes[i].kind, NodeKind::Group(_))).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(depth(w, i)));
    for id in order {
        let links = match &w.nodes[id].kind {
            NodeKind::Group(g) => g.links.clone(),
            NodeKind::Dataset(_) => unreachable!(),
        };
        let new_style = links.values().any(|c| matches!(c, Child::External { .. }));
        if new_style {
            let mut msgs = Vec::new();
            for (name, child) in &links {
                msgs.push(OutMessage::new(kind::LINK, 0, encode_link(w, name, child, &reserved)?));
            }
            let mut all = link_info_and_group_info(w);
            all.extend(msgs);
            group_msgs.insert(id, all);
            continue;
        }
        // alloc: links.len(), links the writer holds
        let mut st_links = Vec::with_capacity(links.len());
        for (name, child) in &links {
            let link = match child {
                Child::Soft(t) => StLink::Soft(t.clone()),
                Child::External { .. } => unreachable!("handled above"),
                Child::Node(c) => {
                    let header = target_address(w, *c, &reserved)?;
                    StLink::Hard {
                        header,
                        cache: tables
                            .get(c)
                            .map(|t| (t.btree, t.heap))
                            .or_else(|| cached_table(w, *c)),
                    }
                }
                Child::Existing(addr) => {
                    StLink::Hard { header: *addr, cache: existing_table(w, *addr) }
                }
            };
            st_links.push((name.clone(), link));
        }
        let sb = &w.superblock;
        let (leaf_k, internal_k) = (sb.group_leaf_k, sb.group_internal_k);
        let t = write_symbol_table(&mut w.space, sizes, leaf_k, internal_k, &st_links)?;
        tables.insert(id, t);
        group_msgs.insert(
            id,
            vec![OutMessage::new(
                kind::SYMBOL_TABLE,
                0,
                SymbolTable { btree: t.btree, heap: t.heap }.encode(sizes),
            )],
        );
    }

    // 5. Headers.
    for &id in &dirty {
        let mut all = group_msgs.remove(&id).unwrap_or_default();
        all.extend(messages.remove(&id).unwrap_or_default());
        let refcount = w.nodes[id].refcount;
        let bytes = if v2.contains(&id) {
            header::encode_v2(&all, refcount)
        } else {
            header::encode(&all, refcount)
        }
        .map_err(|e| e.at(&w.nodes[id].path))?;
        let at = reserved[&id];
        w.space.write(at, &bytes)?;
    }
    w.heap.flush(&mut w.space, sizes)?;

    // 6. Sync, superblock, sync.
    let root = w.root;
    let root_addr = reserved
        .get(&root)
        .copied()
        .or(w.nodes[root].existing)
        .ok_or_else(|| Error::invalid("no root"))?;
    let (btree, heap) = tables
        .get(&root)
        .map(|t| (t.btree, t.heap))
        .or_else(|| cached_table(w, root))
        .unwrap_or((sizes.undefined(), sizes.undefined()));
    let end = w.space.end();
    let storage = w.space.storage().clone();
    // Grow now; shrink only once the new superblock is durable (the old one must find every
    // byte up to its end of file if a crash comes first).
    let len_before = storage.len().map_err(Error::io)?;
    if w.space.base + end > len_before {
        storage.set_len(w.space.base + end).map_err(Error::io)?;
    }
    storage.sync().map_err(Error::io)?;
    let mut sb = w.superblock.clone();
    sb.eof = w.space.base + end;
    sb.root = RootGroup::Entry(SymbolTableEntry::group(0, root_addr, btree, heap));
    let bytes = sb.encode_v0();
    // The committed superblock, to put back if the new one cannot be made durable: a commit
    // that returns an error must leave the old file (a kill here leaves it too).
    // alloc: bytes.len() of the encoded superblock
    let mut previous = vec![0u8; bytes.len()];
    let restorable = storage.read_exact_at(w.space.base, &mut previous).is_ok();
    if let Err(e) = storage.write_all_at(w.space.base, &bytes).and_then(|()| storage.sync()) {
        if restorable {
            let _ = storage.write_all_at(w.space.base, &previous).and_then(|()| storage.sync());
        }
        return Err(Error::io(e));
    }
    if w.space.base + end < len_before {
        // Dead bytes at the tail. Failing to cut them leaves a longer file, nothing worse.
        let _ = storage.set_len(w.space.base + end).and_then(|()| storage.sync());
    }

    // The new state is committed: refresh the view.
    w.superblock = sb;
    for &id in &dirty {
        let n = &mut w.nodes[id];
        n.existing = reserved.get(&id).copied();
        n.dirty = false;
        if let NodeKind::Dataset(d) = &mut n.kind {
            d.layout_raw = None;
        }
    }
    let view: Arc<dyn ReadAt> = Arc::new(super::ReadView(storage));
    let reader = File::from_storage(view, w.limits)?;
    let map = w.space.reuse().then(|| live_map(&reader).ok()).flatten();
    w.packed_estimate = map.as_ref().map(|m| m.extents.bytes().saturating_sub(m.heap_slack));
    let live = map.map(|m| m.extents);
    let old = w.reader.replace(reader);
    w.space.committed(end, live, old.as_ref());
    // Cached table addresses of committed groups.
    w.tables.extend(tables.iter().map(|(k, v)| (*k, (v.btree, v.heap))));
    // Raw layout messages are regenerated next time only if data changes again.
    for &id in &dirty {
        if let Some(addr) = w.nodes[id].existing
            && let NodeKind::Dataset(_) = w.nodes[id].kind
        {
            let reader = w.reader.as_ref().expect("set above").clone();
            let h = reader.inner.header(addr)?;
            if let (NodeKind::Dataset(d), Some(m)) = (&mut w.nodes[id].kind, h.first(kind::LAYOUT))
            {
                d.layout_raw = Some(OutMessage::new(kind::LAYOUT, m.flags, m.data.to_vec()));
            }
        }
    }
    Ok(())
}

fn reachable(w: &Writer, id: NodeId) -> bool {
    // A dirty node is written if it is still linked from the root (deleted ones are not).
    let mut cur = id;
    for _ in 0..=w.nodes.len() {
        if cur == w.root {
            return true;
        }
        let Some(p) = w.nodes[cur].parent else { return false };
        let linked = matches!(&w.nodes[p].kind, NodeKind::Group(g) if g.links.values().any(|c| *c == Child::Node(cur)));
        if !linked {
            return false;
        }
        cur = p;
    }
    false
}

fn depth(w: &Writer, id: NodeId) -> usize {
    let mut d = 0;
    let mut cur = w.nodes[id].parent;
    while let Some(p) = cur {
        d += 1;
        if d > w.nodes.len() {
            break;
        }
        cur = w.nodes[p].parent;
    }
    d
}

fn target_address(w: &Writer, id: NodeId, reserved: &HashMap<NodeId, u64>) -> Result<u64> {
    reserved
        .get(&id)
        .copied()
        .or(w.nodes[id].existing)
        .ok_or_else(|| Error::invalid(format!("internal: {} has no address", w.nodes[id].path)))
}

/// The symbol table of a committed group node that did not change.
fn cached_table(w: &Writer, id: NodeId) -> Option<(u64, u64)> {
    if let Some(t) = w.tables.get(&id) {
        return Some(*t);
    }
    w.nodes[id].existing.and_then(|a| existing_table(w, a))
}

/// The symbol table of a committed object, if it is an old-style group.
fn existing_table(w: &Writer, addr: u64) -> Option<(u64, u64)> {
    let reader = w.reader.as_ref()?;
    let h = reader.inner.header(addr).ok()?;
    let m = h.first(kind::SYMBOL_TABLE)?;
    let st = SymbolTable::decode(&m.data, m.offset, w.sizes).ok()?;
    Some((st.btree, st.heap))
}

/// Placeholder messages of the right size for a group's link storage (symbol table).
fn group_link_messages(w: &Writer, id: NodeId, _n: usize) -> Result<Vec<OutMessage>> {
    let links = match &w.nodes[id].kind {
        NodeKind::Group(g) => &g.links,
        NodeKind::Dataset(_) => unreachable!(),
    };
    if links.values().any(|c| matches!(c, Child::External { .. })) {
        let mut msgs = link_info_and_group_info(w);
        for (name, child) in links {
            // Sized with a dummy address; the real one has the same width.
            let body = encode_link_with(w, name, child, 0);
            msgs.push(OutMessage::new(kind::LINK, 0, body));
        }
        return Ok(msgs);
    }
    let st = SymbolTable { btree: 0, heap: 0 }.encode(w.sizes);
    Ok(vec![OutMessage::new(kind::SYMBOL_TABLE, 0, st)])
}

fn link_info_and_group_info(w: &Writer) -> Vec<OutMessage> {
    let li = LinkInfo { track_order: false, heap: None, name_index: None, order_index: None };
    vec![
        OutMessage::new(kind::LINK_INFO, 0, li.encode(w.sizes)),
        OutMessage::new(kind::GROUP_INFO, 0, GroupInfo::default().encode()),
    ]
}

fn encode_link(
    w: &Writer,
    name: &str,
    child: &Child,
    reserved: &HashMap<NodeId, u64>,
) -> Result<Vec<u8>> {
    let addr = match child {
        Child::Node(c) => target_address(w, *c, reserved)?,
        Child::Existing(a) => *a,
        _ => 0,
    };
    Ok(encode_link_with(w, name, child, addr))
}

/// A link message (version 1) with a UTF-8 name.
fn encode_link_with(w: &Writer, name: &str, child: &Child, addr: u64) -> Vec<u8> {
    let target = match child {
        Child::Soft(t) => LinkTarget::Soft(t.clone()),
        Child::External { file, path } => {
            LinkTarget::External { file: file.clone(), path: path.clone() }
        }
        _ => LinkTarget::Hard(addr),
    };
    Link { name: name.to_string(), creation_order: None, target }.encode(w.sizes)
}
