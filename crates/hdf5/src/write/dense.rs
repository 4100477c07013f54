//! Dense attribute storage for the writer (spec IV.A.2.v attribute info message): the
//! attribute messages of one object as objects of a fractal heap, indexed by name hash in a
//! version 2 B-tree of type 8, and the attribute info message that points at both.
//!
//! The writer uses it only for an object with an attribute too large for a version 1
//! header message; such an object gets a version 2 header (see [`super::header`]).

use super::btree_v2::write_single_leaf;
use super::fractal_heap::{ID_LEN, write_heap};
use super::header::OutMessage;
use super::space::Space;
use crate::Result;
use crate::raw::Sizes;
use crate::raw::binary;
use crate::raw::btree_v2::AttributeRecord;
use crate::raw::checksum::lookup3;
use crate::raw::messages::attribute_info::AttributeInfo;
use crate::raw::object_header::kind;

/// v2 B-tree record type of the attribute name index.
const NAME_INDEX: u8 = 8;
/// Heap ID, message flags, creation order, name hash.
const RECORD_SIZE: u16 = ID_LEN as u16 + 1 + 4 + 4;

/// One attribute to store: name, message flags and attribute message body.
pub struct DenseAttr<'a> {
    /// Attribute name.
    pub name: &'a str,
    /// Message flags.
    pub flags: u8,
    /// Attribute message body.
    pub body: &'a [u8],
}

/// Write the heap and the name index for `attrs`; returns the attribute info message.
pub fn write_dense_attributes(
    space: &mut Space,
    sizes: Sizes,
    attrs: &[DenseAttr<'_>],
) -> Result<OutMessage> {
    let objects: Vec<&[u8]> = attrs.iter().map(|a| a.body).collect();
    let heap = write_heap(space, sizes, &objects)?;
    // Records sorted by name hash, then by name (libhdf5 compares names on equal hashes).
    let mut keyed: Vec<(u32, &str, Vec<u8>)> = attrs
        .iter()
        .zip(&heap.ids)
        .map(|(a, id)| {
            let hash = lookup3(a.name.as_bytes(), 0);
            let r = AttributeRecord { id: *id, flags: a.flags, order: 0, hash: Some(hash) };
            (hash, a.name, binary::encode(&r, (true,)))
        })
        .collect();
    keyed.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    let records: Vec<Vec<u8>> = keyed.into_iter().map(|(_, _, r)| r).collect();
    let index = write_single_leaf(space, sizes, NAME_INDEX, RECORD_SIZE, &records)?;
    let info = AttributeInfo {
        track_order: false,
        heap: Some(heap.address),
        name_index: Some(index),
        order_index: None,
    };
    Ok(OutMessage::new(kind::ATTRIBUTE_INFO, 0, info.encode(sizes)))
}
