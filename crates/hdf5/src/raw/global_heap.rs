//! Global heap collections (spec III.E, `GCOL`): the bodies of variable-length data.
//!
//! A vlen element stores (length, collection address, object index); the collection is
//! parsed once into an index of objects, walking with a strictly increasing cursor.

use super::cursor::{Cursor, Encoder, Sizes};
use super::source::Source;
use crate::{Error, Result};
use std::collections::HashMap;

/// Smallest collection libhdf5 creates.
pub const MIN_COLLECTION: u64 = 4096;

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
        let head = src.block(address, hl, "global heap collection")?;
        let mut c = Cursor::new(&head, address, "global heap collection");
        c.signature(b"GCOL")?;
        let version = c.u8()?;
        if version != 1 {
            return Err(c.error(format!("version {version}")));
        }
        c.skip(3)?;
        let size = c.length(src.sizes)?;
        if size < hl {
            return Err(c.error(format!("collection size {size} smaller than its header")));
        }
        let bytes = src.block(address, size, "global heap collection")?;
        let mut c = Cursor::new(&bytes, address, "global heap collection");
        c.seek(hl as usize)?;
        let mut objects = HashMap::new();
        let obj_head = 8 + src.sizes.length as usize;
        while c.remaining() >= obj_head {
            let index = c.u16()?;
            let _refcount = c.u16()?;
            c.skip(4)?;
            let n = c.length(src.sizes)?;
            if index == 0 {
                break; // free space runs to the end of the collection
            }
            let n = usize::try_from(n).ok().filter(|&n| n <= c.remaining()).ok_or_else(|| {
                c.error(format!("object {index} of size {n} overruns the collection"))
            })?;
            let start = c.pos();
            c.skip(n)?;
            c.align(8).or_else(|_| c.seek(bytes.len()))?;
            objects.insert(index, (start, n));
        }
        Ok(Collection { address, bytes, objects })
    }

    /// Size of the collection in bytes.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes of object `index`.
    pub fn object(&self, index: u32) -> Result<&[u8]> {
        let idx = u16::try_from(index).ok();
        let (start, n) = idx.and_then(|i| self.objects.get(&i)).copied().ok_or_else(|| {
            Error::malformed("global heap collection", self.address, format!("no object {index}"))
        })?;
        Ok(&self.bytes[start..start + n])
    }
}

/// Encode a collection holding `objects` (indices 1..), padded to at least [`MIN_COLLECTION`].
pub fn encode_collection(objects: &[&[u8]], sizes: Sizes) -> Vec<u8> {
    let mut e = Encoder::new();
    e.bytes(b"GCOL").u8(1).zeros(3).length(sizes, 0);
    for (i, obj) in objects.iter().enumerate() {
        e.u16(i as u16 + 1).u16(1).zeros(4).length(sizes, obj.len() as u64).bytes(obj).align(8);
    }
    let used = e.len() as u64 + 8 + sizes.length as u64;
    let total = used.max(MIN_COLLECTION).div_ceil(8) * 8;
    let free = total - e.len() as u64;
    // Free-space object: index 0, its size counting its own header.
    e.u16(0).u16(0).zeros(4).length(sizes, free);
    e.zeros((total as usize).saturating_sub(e.len()));
    let size_at = 8;
    let mut buf = e.buf;
    buf[size_at..size_at + sizes.length as usize]
        .copy_from_slice(&total.to_le_bytes()[..sizes.length as usize]);
    buf
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
        let bytes = encode_collection(&objs, Sizes::DEFAULT);
        assert_eq!(
            bytes.len() as u64,
            collection_size(objs.iter().map(|o| o.len()), Sizes::DEFAULT)
        );
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
