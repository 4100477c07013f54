//! Targets for the raw structure parsers: each decodes one structure, and where the writer
//! encodes that structure too, checks that encoding the decoded value decodes to the same.

use super::{Prefix, sizes};
use loomfile_hdf5::Limits;
use loomfile_hdf5::raw::global_heap::Collection;
use loomfile_hdf5::raw::local_heap::LocalHeap;
use loomfile_hdf5::raw::messages::attribute::{AttrType, AttributeMessage};
use loomfile_hdf5::raw::messages::attribute_info::AttributeInfo;
use loomfile_hdf5::raw::messages::dataspace::Dataspace;
use loomfile_hdf5::raw::messages::datatype::Datatype;
use loomfile_hdf5::raw::messages::fill_value::FillValue;
use loomfile_hdf5::raw::messages::filter_pipeline::FilterPipeline;
use loomfile_hdf5::raw::messages::layout::{ChunkIndex, Layout};
use loomfile_hdf5::raw::messages::link::Link;
use loomfile_hdf5::raw::messages::link_info::LinkInfo;
use loomfile_hdf5::raw::messages::shared::SharedRef;
use loomfile_hdf5::raw::messages::symbol_table::SymbolTable;
use loomfile_hdf5::raw::object_header::{ObjectHeader, kind};
use loomfile_hdf5::raw::superblock::Superblock;
use loomfile_hdf5::raw::{Sizes, Source, btree_v1, symbol_table_node};
use loomfile_hdf5::storage::MemStorage;
use std::sync::Arc;

/// A source over `file` with strict limits.
fn source(file: &[u8], sizes: Sizes) -> Source {
    let len = file.len() as u64;
    Source::new(Arc::new(MemStorage::frozen(file.to_vec())), 0, len, sizes, Limits::strict())
}

/// Superblock: the signature search and decode over a file image, and decode at offset 0.
pub fn superblock(data: &[u8]) {
    if let Ok(sb) = Superblock::read(&MemStorage::frozen(data.to_vec())) {
        let _ = sb.root_address();
        // The writer's encoding of a v0 superblock decodes back to the same value.
        if sb.version == 0 && sb.driver_info.is_none() {
            let enc = sb.encode_v0();
            let back = Superblock::decode(&enc, sb.base).expect("encoded v0 superblock decodes");
            assert_eq!(back, Superblock { flags: 0, ..sb }, "v0 superblock round trip");
        }
    }
    let _ = Superblock::decode(data, 0);
}

/// Object header at the prefix address; every message it holds is then decoded by type.
pub fn object_header(data: &[u8]) {
    let Some((p, file)) = Prefix::split(data) else { return };
    let s = sizes(p.cfg);
    let src = source(file, s);
    let Ok(h) = ObjectHeader::read(&src, p.addr) else { return };
    for m in &h.messages {
        decode_message(m.kind, &m.data, m.offset, s);
    }
}

/// Decode one header message body by type (results ignored: only panics matter here).
fn decode_message(k: u16, data: &[u8], offset: u64, s: Sizes) {
    match k {
        kind::DATASPACE => drop(Dataspace::decode(data, offset, s)),
        kind::LINK_INFO => drop(LinkInfo::decode(data, offset, s)),
        kind::DATATYPE => drop(Datatype::decode(data, offset)),
        kind::FILL_VALUE_OLD => drop(FillValue::decode_old(data, offset)),
        kind::FILL_VALUE => drop(FillValue::decode(data, offset)),
        kind::LINK => drop(Link::decode(data, offset, s)),
        kind::LAYOUT => drop(Layout::decode(data, offset, s)),
        kind::FILTER_PIPELINE => drop(FilterPipeline::decode(data, offset)),
        kind::ATTRIBUTE => drop(AttributeMessage::decode(data, offset, s)),
        kind::SYMBOL_TABLE => drop(SymbolTable::decode(data, offset, s)),
        kind::ATTRIBUTE_INFO => drop(AttributeInfo::decode(data, offset, s)),
        _ => drop(SharedRef::decode(data, offset, s)),
    }
}

/// The types the writer encodes (the classes of its round-trip unit test).
fn writer_type(t: &Datatype) -> bool {
    match t {
        Datatype::Integer { .. }
        | Datatype::Float { .. }
        | Datatype::String { .. }
        | Datatype::VarString { .. } => true,
        Datatype::Enum { base, .. }
        | Datatype::Array { base, .. }
        | Datatype::VarSequence { base, .. } => writer_type(base),
        Datatype::Compound { members, .. } => members.iter().all(|m| writer_type(&m.dtype)),
        _ => false,
    }
}

/// Datatype message: decode; writer-encodable types round-trip.
pub fn datatype(data: &[u8]) {
    let Ok(t) = Datatype::decode(data, 0) else { return };
    let _ = (t.size(), t.has_vlen(), t.is_bool_enum());
    if writer_type(&t) {
        let enc = t.encode();
        let back = Datatype::decode(&enc, 0)
            .unwrap_or_else(|e| panic!("encoding of {t:?} does not decode: {e}"));
        assert_eq!(back, t, "datatype round trip");
    }
}

/// Dataspace message (config byte, body): decode; the encoding round-trips.
pub fn dataspace(data: &[u8]) {
    let Some((&cfg, body)) = data.split_first() else { return };
    let s = sizes(cfg);
    let Ok(d) = Dataspace::decode(body, 0, s) else { return };
    let _ = (d.element_count(), d.max_dims());
    let back = Dataspace::decode(&d.encode(s), 0, s).expect("encoded dataspace decodes");
    assert_eq!(back, d, "dataspace round trip");
}

/// Layout message (config byte, body): decode; layouts version 3 can express round-trip.
pub fn layout(data: &[u8]) {
    let Some((&cfg, body)) = data.split_first() else { return };
    let s = sizes(cfg);
    let Ok(l) = Layout::decode(body, 0, s) else { return };
    let v3 = match &l {
        Layout::Compact { data } => data.len() <= u16::MAX as usize,
        // Versions 1 and 2 derive the size from u32 dimensions: it may not fit the width.
        Layout::Contiguous { size, .. } => s.length == 8 || *size < 1 << (8 * s.length),
        Layout::Virtual => true,
        Layout::Chunked { chunk, element_size, index, .. } => {
            *index == ChunkIndex::BTreeV1
                && chunk.iter().chain([element_size]).all(|&d| d <= u32::MAX as u64)
        }
    };
    if v3 {
        let back = Layout::decode(&l.encode_v3(s), 0, s).expect("encoded layout decodes");
        let same = match (&back, &l) {
            (
                Layout::Chunked { chunk: c1, element_size: e1, address: a1, .. },
                Layout::Chunked { chunk: c2, element_size: e2, address: a2, .. },
            ) => (c1, e1, a1) == (c2, e2, a2),
            _ => back == l,
        };
        assert!(same, "layout round trip: {l:?} came back as {back:?}");
    }
}

/// Filter pipeline message: decode, check support; the v1 encoding keeps ids, flags and
/// client values.
pub fn filter_pipeline(data: &[u8]) {
    let Ok(p) = FilterPipeline::decode(data, 0) else { return };
    let _ = loomfile_hdf5::filters::check_pipeline(&p);
    for f in &p.filters {
        let _ = f.label();
    }
    // Version 1 stores the padded name length in a u16.
    if p.filters.iter().any(|f| f.name.as_ref().is_some_and(|n| n.len() >= 0xfff0)) {
        return;
    }
    let back = FilterPipeline::decode(&p.encode_v1(), 0).expect("encoded pipeline decodes");
    let key = |p: &FilterPipeline| -> Vec<(u16, u16, Vec<u32>)> {
        p.filters.iter().map(|f| (f.id, f.flags, f.params.clone())).collect()
    };
    assert_eq!(key(&back), key(&p), "filter pipeline round trip");
}

/// Attribute message (config byte, body): decode; inline writer types round-trip through the
/// writer's version 1 encoding.
pub fn attribute(data: &[u8]) {
    let Some((&cfg, body)) = data.split_first() else { return };
    let s = sizes(cfg);
    let Ok(a) = AttributeMessage::decode(body, 0, s) else { return };
    let _ = a.space.element_count();
    let AttrType::Inline(t) = &a.dtype else { return };
    // Version 1 stores the name length (with its NUL) and the encoded type and space sizes
    // in u16 fields.
    let fits = |n: usize| n < u16::MAX as usize;
    if writer_type(t)
        && fits(a.name.len() + 1)
        && fits(t.encode().len())
        && fits(a.space.encode(s).len())
    {
        let enc = AttributeMessage::encode_v1(&a.name, t, &a.space, &a.data, s);
        let back = AttributeMessage::decode(&enc, 0, s).expect("encoded attribute decodes");
        assert_eq!(back, a, "attribute round trip");
    }
}

/// Link message (config byte, body).
pub fn link(data: &[u8]) {
    let Some((&cfg, body)) = data.split_first() else { return };
    let _ = Link::decode(body, 0, sizes(cfg));
}

/// Fill value messages, new and old form; the version 2 encoding round-trips.
pub fn fill_value(data: &[u8]) {
    let _ = FillValue::decode_old(data, 0);
    let Ok(f) = FillValue::decode(data, 0) else { return };
    if f.value.as_ref().is_none_or(|v| v.len() <= u32::MAX as usize) {
        let back = FillValue::decode(&f.encode_v2(), 0).expect("encoded fill value decodes");
        assert_eq!(back, FillValue { version: 2, ..f }, "fill value round trip");
    }
}

/// Version 1 B-tree at the prefix address: config bit 4 selects chunk (1) or group (0)
/// nodes, bits 5-7 the dataset rank; the parameter is K.
pub fn btree_v1(data: &[u8]) {
    let Some((p, file)) = Prefix::split(data) else { return };
    let src = source(file, sizes(p.cfg));
    if p.cfg & 0x10 != 0 {
        let rank = (p.cfg >> 5) as usize;
        let _ = btree_v1::chunks(&src, p.addr, rank, p.param);
    } else {
        let _ = btree_v1::group_nodes(&src, p.addr, p.param);
    }
}

/// Symbol table node at the prefix address; the parameter is the group leaf K.
pub fn symbol_node(data: &[u8]) {
    let Some((p, file)) = Prefix::split(data) else { return };
    let src = source(file, sizes(p.cfg));
    let _ = symbol_table_node::read(&src, p.addr, p.param);
}

/// Local heap at the prefix address; then names at the first offsets and at the parameter.
pub fn local_heap(data: &[u8]) {
    let Some((p, file)) = Prefix::split(data) else { return };
    let src = source(file, sizes(p.cfg));
    let Ok(heap) = LocalHeap::read(&src, p.addr) else { return };
    for off in (0..64).chain([p.param as u64, heap.free_list.unwrap_or(0), u64::MAX]) {
        let _ = heap.string(off);
    }
}

/// Global heap collection at the prefix address; then its first objects and the parameter.
pub fn global_heap(data: &[u8]) {
    let Some((p, file)) = Prefix::split(data) else { return };
    let src = source(file, sizes(p.cfg));
    let Ok(col) = Collection::read(&src, p.addr) else { return };
    let _ = col.byte_len();
    for i in (0..64).chain([p.param as u32, u16::MAX as u32, u32::MAX]) {
        let _ = col.object(i);
    }
}
