//! Variable-length data for the writer: objects packed into global heap collections of at
//! least 4 KiB, each collection written once and never modified afterwards.

use super::space::{Space, align8};
use crate::Result;
use crate::raw::Sizes;
use crate::raw::global_heap::{MIN_COLLECTION, encode_collection};

#[derive(Debug)]
struct Open {
    address: u64,
    capacity: u64,
    used: u64,
    objects: Vec<Vec<u8>>,
}

/// Packs heap objects into collections.
#[derive(Debug, Default)]
pub struct HeapWriter {
    open: Option<Open>,
}

fn object_len(sizes: Sizes, n: usize) -> u64 {
    8 + sizes.length as u64 + align8(n as u64)
}

impl HeapWriter {
    /// Store `bytes`; returns (collection address, object index).
    pub fn add(&mut self, space: &mut Space, sizes: Sizes, bytes: &[u8]) -> Result<(u64, u32)> {
        let need = object_len(sizes, bytes.len());
        let header = 8 + sizes.length as u64;
        // Room for the object plus the free-space object's header that closes the collection.
        let fits = |o: &Open| o.used + need + header <= o.capacity && o.objects.len() < 65_535;
        if !self.open.as_ref().is_some_and(fits) {
            self.flush(space, sizes)?;
            let capacity = align8((header + need + header).max(MIN_COLLECTION));
            let address = space.alloc(capacity);
            self.open = Some(Open { address, capacity, used: header, objects: Vec::new() });
        }
        let open = self.open.as_mut().expect("opened above");
        open.objects.push(bytes.to_vec());
        open.used += need;
        Ok((open.address, open.objects.len() as u32))
    }

    /// Write the open collection, if any.
    pub fn flush(&mut self, space: &mut Space, sizes: Sizes) -> Result<()> {
        if let Some(open) = self.open.take() {
            let refs: Vec<&[u8]> = open.objects.iter().map(Vec::as_slice).collect();
            let mut bytes = encode_collection(&refs, sizes);
            // The collection fills exactly the reserved capacity.
            if (bytes.len() as u64) < open.capacity {
                let extra = open.capacity - bytes.len() as u64;
                grow_free_space(&mut bytes, extra, sizes);
            }
            space.write(open.address, &bytes)?;
        }
        Ok(())
    }

    /// Encode a variable-length descriptor (length, collection, index) for `bytes`.
    pub fn descriptor(
        &mut self,
        space: &mut Space,
        sizes: Sizes,
        len: u32,
        bytes: &[u8],
    ) -> Result<Vec<u8>> {
        let (addr, index) = self.add(space, sizes, bytes)?;
        let mut d = Vec::with_capacity(8 + sizes.offset as usize);
        d.extend_from_slice(&len.to_le_bytes());
        d.extend_from_slice(&addr.to_le_bytes()[..sizes.offset as usize]);
        d.extend_from_slice(&index.to_le_bytes());
        Ok(d)
    }
}

/// Enlarge an encoded collection by `extra` bytes of free space.
fn grow_free_space(bytes: &mut Vec<u8>, extra: u64, sizes: Sizes) {
    let l = sizes.length as usize;
    let total = bytes.len() as u64 + extra;
    bytes[8..8 + l].copy_from_slice(&total.to_le_bytes()[..l]);
    // The free-space object is the last object header: index 0 ... its size field follows
    // 8 bytes of index/refcount/reserved. Find it by walking the objects.
    let mut pos = 8 + l;
    loop {
        let index = u16::from_le_bytes([bytes[pos], bytes[pos + 1]]);
        let size_at = pos + 8;
        let mut raw = [0u8; 8];
        raw[..l].copy_from_slice(&bytes[size_at..size_at + l]);
        let size = u64::from_le_bytes(raw);
        if index == 0 {
            let new = size + extra;
            bytes[size_at..size_at + l].copy_from_slice(&new.to_le_bytes()[..l]);
            break;
        }
        pos += 8 + l + align8(size) as usize;
    }
    bytes.resize(total as usize, 0);
}
