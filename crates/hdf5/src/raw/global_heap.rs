//! Global heap collections (spec III.E, `GCOL`): the bodies of variable-length data, and the
//! references to them that variable-length elements store (`VlenRef`).
//!
//! A collection is parsed once into an index of objects, walking object headers with a
//! strictly increasing position; object bodies stay in the collection's block.

use super::binary::{self, Len, Sizes, maybe_addr, maybe_addr_w};
use super::source::Source;
use crate::{Error, Result};
use binrw::binrw;
use std::collections::HashMap;

const WHAT: &str = "global heap collection";

/// Smallest collection libhdf5 creates.
pub const MIN_COLLECTION: u64 = 4096;

/// The collection header.
#[binrw]
#[brw(little, magic = b"GCOL", import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CollectionHeader {
    #[br(temp, assert(version == 1, "version {}", version))]
    #[bw(calc = 1)]
    version: u8,
    #[br(temp)]
    #[bw(calc = [0; 3])]
    _reserved: [u8; 3],
    /// Bytes of the whole collection, this header included.
    #[brw(args_raw = s)]
    pub collection_size: Len,
}

/// The header of one heap object; its body (`size` bytes, padded to 8) follows. Index 0 is
/// the free space at the end of the collection, its size counting its own header.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeapObjectHeader {
    /// Object index (1..); 0 for the free space.
    pub index: u16,
    /// Reference count.
    pub refcount: u16,
    #[br(temp)]
    #[bw(calc = 0)]
    _reserved: u32,
    /// Size of the body.
    #[brw(args_raw = s)]
    pub size: Len,
}

/// What a variable-length element stores: its length (in base-type elements or string
/// bytes) and the global heap object holding its body.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VlenRef {
    /// Elements (or bytes, for strings) of the value.
    pub len: u32,
    /// Address of the collection (undefined for an empty value written so).
    #[br(parse_with = maybe_addr, args(s))]
    #[bw(write_with = maybe_addr_w, args(s))]
    pub collection: Option<u64>,
    /// Object index in the collection.
    pub index: u32,
}

impl VlenRef {
    /// Decode an element of `4 + size of offsets + 4` bytes.
    pub(crate) fn decode(bytes: &[u8], sizes: Sizes) -> Result<VlenRef> {
        binary::parse(bytes, 0, "variable-length element", sizes)
    }

    /// Encode.
    pub(crate) fn encode(&self, sizes: Sizes) -> Vec<u8> {
        binary::encode(self, sizes)
    }
}

/// A parsed collection.
#[derive(Clone, Debug)]
pub struct Collection {
    /// Address of the collection.
    pub address: u64,
    bytes: Vec<u8>,
    objects: HashMap<u16, (usize, usize)>,
}

impl Collection {
    /// Read the collection at `address`.
    pub fn read(src: &Source, address: u64) -> Result<Collection> {
        let hl = 8 + src.sizes.length as u64;
        let head = src.block(address, hl, WHAT)?;
        let h: CollectionHeader = binary::parse(&head, address, WHAT, src.sizes)?;
        let size = h.collection_size.0;
        if size < hl {
            return Err(Error::malformed(
                WHAT,
                address,
                format!("collection size {size} smaller than its header"),
            ));
        }
        let bytes = src.block(address, size, WHAT)?;
        let mut objects = HashMap::new();
        let obj_head = hl as usize;
        let mut pos = hl as usize;
        while bytes.len() - pos >= obj_head {
            let at = address + pos as u64;
            let o: HeapObjectHeader = binary::parse(&bytes[pos..], at, WHAT, src.sizes)?;
            if o.index == 0 {
                break; // free space runs to the end of the collection
            }
            let start = pos + obj_head;
            let n = usize::try_from(o.size.0)
                .ok()
                .filter(|&n| n <= bytes.len() - start)
                .ok_or_else(|| {
                    Error::malformed(
                        WHAT,
                        at,
                        format!("object {} of size {} overruns the collection", o.index, o.size.0),
                    )
                })?;
            // Bodies are padded to 8 bytes; a last body may end the block unpadded.
            pos = (start + n).div_ceil(8).saturating_mul(8).min(bytes.len());
            objects.insert(o.index, (start, n));
        }
        Ok(Collection { address, bytes, objects })
    }

    /// Size of the collection in bytes.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes the collection's header and objects take (the rest is its free space).
    pub fn used_len(&self, sizes: Sizes) -> u64 {
        let head = 8 + sizes.length as u64;
        head + self.objects.values().map(|&(_, n)| head + (n as u64).div_ceil(8) * 8).sum::<u64>()
    }

    /// The bytes of object `index`.
    pub fn object(&self, index: u32) -> Result<&[u8]> {
        let idx = u16::try_from(index).ok();
        let (start, n) = idx
            .and_then(|i| self.objects.get(&i))
            .copied()
            .ok_or_else(|| Error::malformed(WHAT, self.address, format!("no object {index}")))?;
        Ok(&self.bytes[start..start + n])
    }
}

/// Encode a collection holding `objects` (indices 1..), padded with free space to at least
/// [`MIN_COLLECTION`] and `min_size` bytes.
pub fn encode_collection(objects: &[&[u8]], sizes: Sizes, min_size: u64) -> Vec<u8> {
    let total =
        collection_size(objects.iter().map(|o| o.len()), sizes).max(min_size.div_ceil(8) * 8);
    let header = CollectionHeader { collection_size: Len(total) };
    let mut out = binary::encode(&header, sizes);
    for (i, obj) in objects.iter().enumerate() {
        let h = HeapObjectHeader { index: i as u16 + 1, refcount: 1, size: Len(obj.len() as u64) };
        binary::encode_into(&h, sizes, &mut out);
        out.extend_from_slice(obj);
        out.resize(out.len().div_ceil(8) * 8, 0);
    }
    // The free space: index 0, its size counting its own header.
    let free = HeapObjectHeader { index: 0, refcount: 0, size: Len(total - out.len() as u64) };
    binary::encode_into(&free, sizes, &mut out);
    out.resize(total as usize, 0);
    out
}

/// Encoded size of a collection holding objects of these lengths.
pub fn collection_size(lengths: impl Iterator<Item = usize>, sizes: Sizes) -> u64 {
    let head = 8 + sizes.length as u64;
    let obj_head = 8 + sizes.length as u64;
    let used: u64 =
        head + lengths.map(|n| obj_head + (n as u64).div_ceil(8) * 8).sum::<u64>() + obj_head;
    used.max(MIN_COLLECTION).div_ceil(8) * 8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::storage::MemStorage;
    use std::sync::Arc;

    #[test]
    fn encode_then_read_objects() {
        let objs: Vec<&[u8]> = vec![b"hello", b"", b"caf\xc3\xa9 and more than eight bytes"];
        for min in [0, 5000] {
            let bytes = encode_collection(&objs, Sizes::DEFAULT, min);
            let want = collection_size(objs.iter().map(|o| o.len()), Sizes::DEFAULT).max(min);
            assert_eq!(bytes.len() as u64, want.div_ceil(8) * 8);
            let len = bytes.len() as u64;
            let src = Source::new(
                Arc::new(MemStorage::new(bytes)),
                0,
                len,
                Sizes::DEFAULT,
                Limits::default(),
            );
            let col = Collection::read(&src, 0).unwrap();
            for (i, o) in objs.iter().enumerate() {
                assert_eq!(col.object(i as u32 + 1).unwrap(), *o);
            }
            assert!(col.object(9).is_err());
        }
    }

    #[test]
    fn vlen_references_round_trip() {
        for s in [Sizes::DEFAULT, Sizes { offset: 4, length: 4 }] {
            let r = VlenRef { len: 5, collection: Some(0x1000), index: 3 };
            let bytes = r.encode(s);
            assert_eq!(bytes.len(), 8 + s.offset as usize);
            assert_eq!(VlenRef::decode(&bytes, s).unwrap(), r);
        }
    }
}
