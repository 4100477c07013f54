//! Variable-length data for the writer: objects packed into global heap collections of at
//! least 4 KiB, each collection written once and never modified afterwards.

use super::space::{Space, align8};
use crate::Result;
use crate::raw::Sizes;
use crate::raw::global_heap::{MIN_COLLECTION, VlenRef, encode_collection};

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
            // The collection fills exactly the reserved capacity.
            let bytes = encode_collection(&refs, sizes, open.capacity);
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
        Ok(VlenRef { len, collection: Some(addr), index }.encode(sizes))
    }
}
