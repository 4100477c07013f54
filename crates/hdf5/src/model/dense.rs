//! Dense link and attribute storage (spec IV.A.2.c link info and IV.A.2.v attribute info
//! messages): the messages live as objects of a fractal heap, indexed by a version 2 B-tree
//! on name hash (record types 5 and 8) and optionally on creation order (types 6 and 9).
//!
//! Each heap object is a link message body or an attribute message body. The name index is
//! walked when present, the creation-order index otherwise; records arrive in hash (or
//! order) order and the callers sort by name.

use crate::raw::Source;
use crate::raw::binary;
use crate::raw::btree_v2::{AttributeRecord, BTreeV2, LinkNameRecord, LinkOrderRecord, kind};
use crate::raw::fractal_heap::FractalHeap;
use crate::raw::messages::attribute::AttributeMessage;
use crate::raw::messages::attribute_info::AttributeInfo;
use crate::raw::messages::link::Link;
use crate::raw::messages::link_info::LinkInfo;
use crate::raw::object_header::flag;
use crate::{Error, Result};

/// Heap IDs of dense link storage (libhdf5 `H5G_DENSE_FHEAP_ID_LEN`).
const LINK_ID_LEN: usize = 7;
/// Heap IDs of dense attribute storage (libhdf5 `H5O_FHEAP_ID_LEN`).
const ATTRIBUTE_ID_LEN: usize = 8;

/// The index to walk: the name index, else the creation-order index, with the record type
/// each must have.
fn pick_index(
    name: Option<u64>,
    order: Option<u64>,
    name_kind: u8,
    order_kind: u8,
    heap: u64,
    what: &'static str,
) -> Result<(u64, u8)> {
    match (name, order) {
        (Some(a), _) => Ok((a, name_kind)),
        (None, Some(a)) => Ok((a, order_kind)),
        (None, None) => Err(Error::malformed(what, heap, "dense storage without an index")),
    }
}

/// Read the heap and the index tree, checking the tree type, record size and heap ID length.
fn open(
    src: &Source,
    heap_addr: u64,
    (tree_addr, want): (u64, u8),
    record_size: usize,
    id_len: usize,
    what: &'static str,
) -> Result<(FractalHeap, BTreeV2)> {
    let heap = FractalHeap::read(src, heap_addr)?;
    if heap.id_len as usize != id_len {
        return Err(Error::malformed(
            what,
            heap_addr,
            format!("heap IDs of {} bytes, {id_len} expected", heap.id_len),
        ));
    }
    let tree = BTreeV2::read(src, tree_addr)?;
    if tree.kind != want || tree.record_size as usize != record_size {
        return Err(Error::malformed(
            what,
            tree_addr,
            format!(
                "index B-tree of type {} with {}-byte records; type {want} with {record_size} expected",
                tree.kind, tree.record_size
            ),
        ));
    }
    Ok((heap, tree))
}

/// All links of a group stored densely.
pub fn links(src: &Source, info: &LinkInfo) -> Result<Vec<Link>> {
    const WHAT: &str = "dense link storage";
    let Some(heap_addr) = info.heap else {
        return Ok(Vec::new());
    };
    let index = pick_index(
        info.name_index,
        info.order_index,
        kind::LINK_NAME,
        kind::LINK_ORDER,
        heap_addr,
        WHAT,
    )?;
    // Type 5: 4-byte name hash, heap ID. Type 6: 8-byte creation order, heap ID.
    let id_at = if index.1 == kind::LINK_NAME { 4 } else { 8 };
    let (heap, tree) = open(src, heap_addr, index, id_at + LINK_ID_LEN, LINK_ID_LEN, WHAT)?;
    let mut reader = heap.reader();
    let mut out = Vec::new();
    let by_name = index.1 == kind::LINK_NAME;
    tree.for_each(src, |r| {
        let id = if by_name {
            binary::parse::<LinkNameRecord>(r, tree.address, WHAT, ())?.id
        } else {
            binary::parse::<LinkOrderRecord>(r, tree.address, WHAT, ())?.id
        };
        let body = reader.object(src, &id)?;
        out.push(Link::decode(&body, heap_addr, src.sizes)?);
        Ok(())
    })?;
    Ok(out)
}

/// All attributes of an object stored densely.
pub fn attributes(src: &Source, info: &AttributeInfo) -> Result<Vec<AttributeMessage>> {
    const WHAT: &str = "dense attribute storage";
    let Some(heap_addr) = info.heap else {
        return Ok(Vec::new());
    };
    let index = pick_index(
        info.name_index,
        info.order_index,
        kind::ATTRIBUTE_NAME,
        kind::ATTRIBUTE_ORDER,
        heap_addr,
        WHAT,
    )?;
    // Type 8: heap ID, message flags, 4-byte creation order, 4-byte name hash.
    // Type 9: the same without the hash.
    let record_size =
        ATTRIBUTE_ID_LEN + 1 + 4 + if index.1 == kind::ATTRIBUTE_NAME { 4 } else { 0 };
    let (heap, tree) = open(src, heap_addr, index, record_size, ATTRIBUTE_ID_LEN, WHAT)?;
    let mut reader = heap.reader();
    let mut out = Vec::new();
    tree.for_each(src, |r| {
        let rec: AttributeRecord =
            binary::parse(r, tree.address, WHAT, (index.1 == kind::ATTRIBUTE_NAME,))?;
        let (id, flags, order) = (&rec.id[..], rec.flags, rec.order);
        if flags & flag::SHARED != 0 {
            return Err(Error::unsupported("shared attribute message in dense attribute storage"));
        }
        let body = reader.object(src, id)?;
        let mut a = AttributeMessage::decode(&body, heap_addr, src.sizes)?;
        a.creation_order = info.track_order.then_some(order as u64);
        out.push(a);
        Ok(())
    })?;
    Ok(out)
}

// Fixtures are opened by path: needs `fs`.
#[cfg(all(test, feature = "fs"))]
mod tests {
    use crate::raw::messages::link::LinkTarget;
    use crate::{File, Object};

    #[cfg(feature = "fs")]
    fn fixture(name: &str) -> File {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hdf5").join(name);
        File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[cfg(feature = "fs")]
    #[test]
    fn dense_links_of_the_fixtures() {
        let f = fixture("groups_latest.h5");
        let mut dense = 0;
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec!["/".to_string()];
        while let Some(path) = stack.pop() {
            let Object::Group(g) = f.object(&path).unwrap() else { continue };
            if !seen.insert(g.address()) {
                continue; // Hard links may loop back to an ancestor.
            }
            let links = g.links().unwrap();
            dense = dense.max(links.len());
            for l in links {
                if let LinkTarget::Hard(_) = l.target {
                    stack.push(g.child_path(&l.name));
                }
            }
        }
        assert!(dense >= 100, "largest group has {dense} links");
    }

    #[cfg(feature = "fs")]
    #[test]
    fn dense_attributes_of_the_fixtures() {
        let f = fixture("attributes_latest.h5");
        let mut most = 0;
        let mut largest = 0;
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec!["/".to_string()];
        while let Some(path) = stack.pop() {
            let obj = f.object(&path).unwrap();
            if !seen.insert(obj.address()) {
                continue;
            }
            let attrs = obj.attributes().unwrap();
            most = most.max(attrs.len());
            for a in &attrs {
                largest = largest.max(a.raw().len());
            }
            if let Object::Group(g) = obj {
                for l in g.links().unwrap() {
                    if let LinkTarget::Hard(_) = l.target {
                        stack.push(g.child_path(&l.name));
                    }
                }
            }
        }
        assert!(most > 8, "at most {most} attributes on one object");
        assert!(largest >= 100 << 10, "largest attribute value {largest} bytes");
    }
}
