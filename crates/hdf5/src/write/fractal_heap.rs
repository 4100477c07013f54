//! Fractal heaps for the writer (spec III.G): a header (`FRHP`) and one root direct block
//! (`FHDB`) holding every object as a managed object, addressed by 8-byte heap IDs.
//!
//! The heap is sized for its contents: the root direct block is the smallest power of two
//! (at least 512 bytes) that holds the block header and all objects, and it is both the
//! starting and the largest direct block size, so no indirect block is needed. The address
//! space is 2^32 bytes, which keeps a managed ID (1 flag byte, 4 offset bytes, up to 3
//! length bytes) within the 8 bytes that dense attribute storage records carry. The
//! bookkeeping fields are those libhdf5 stores for a heap whose root is one direct block,
//! so libhdf5 can later grow the heap (it turns the root into an indirect block).

use super::space::Space;
use crate::raw::Sizes;
use crate::raw::binary::{self, Addr, Len, MaybeAddr};
use crate::raw::fractal_heap::{DirectBlockHeader, Header, HeaderStart, HeapId, IdFormat};
use crate::{Error, Result};

/// Bytes of every heap ID (libhdf5 `H5O_FHEAP_ID_LEN`, what attribute records hold).
pub const ID_LEN: usize = 8;
/// log2 of the heap's address space: offsets take 4 bytes in IDs and block headers.
const HEAP_BITS: u16 = 32;
const OFFSET_WIDTH: u8 = 4;
/// Columns of the doubling table (libhdf5's value for attribute heaps).
const TABLE_WIDTH: u16 = 4;
/// Smallest root block.
const MIN_BLOCK: u64 = 512;
/// Largest root block: a managed length must fit the 3 bytes an 8-byte ID has left.
const MAX_BLOCK: u64 = 1 << 24;

/// A written heap: its header address and the ID of each object, in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenHeap {
    /// Address of the `FRHP` header.
    pub address: u64,
    /// Heap ID of each object.
    pub ids: Vec<[u8; ID_LEN]>,
}

/// The direct block header at the start of the root block (checksum field zeroed).
fn block_header(sizes: Sizes, heap_header: u64) -> Vec<u8> {
    let h = DirectBlockHeader {
        version: 0,
        heap_header: Addr(heap_header),
        block_offset: 0,
        checksum: Some(0),
    };
    binary::encode(&h, (sizes, OFFSET_WIDTH, true))
}

/// Size of the direct block header: signature, version, heap address, block offset,
/// checksum.
fn block_overhead(sizes: Sizes) -> u64 {
    block_header(sizes, 0).len() as u64
}

/// Bytes of the length field of a managed ID (libhdf5: the smaller of the bytes of the
/// largest direct block offset and the encoded size of the largest managed object).
fn length_width(block: u64, max_managed: u64) -> u8 {
    let block_bytes = block.ilog2().div_ceil(8);
    let managed_bytes = max_managed.max(1).ilog2() / 8 + 1;
    block_bytes.min(managed_bytes) as u8
}

/// Write a heap holding `objects` (each non-empty) and return where it is and the IDs.
pub fn write_heap(space: &mut Space, sizes: Sizes, objects: &[&[u8]]) -> Result<WrittenHeap> {
    let overhead = block_overhead(sizes);
    let data: u64 = objects.iter().map(|o| o.len() as u64).sum();
    let block = (overhead + data).max(MIN_BLOCK).next_power_of_two();
    if block > MAX_BLOCK {
        return Err(Error::unsupported(format!(
            "{data} bytes of dense attributes (the writer's heaps hold at most {} bytes)",
            MAX_BLOCK - overhead
        )));
    }
    let max_managed = block - overhead;
    let len_width = length_width(block, max_managed);
    debug_assert!(1 + OFFSET_WIDTH as usize + len_width as usize <= ID_LEN);

    let free = block - overhead - data;
    let mut h = Header {
        start: HeaderStart { version: 0, heap_id_len: ID_LEN as u16, io_filters_len: 0 },
        flags: 0x02, // direct blocks are checksummed
        max_managed_size: max_managed as u32,
        next_huge_id: Len(0),
        huge_btree: MaybeAddr(None),
        free_space: Len(free),
        free_space_manager: MaybeAddr(None),
        managed_space: Len(block),
        allocated_managed_space: Len(block),
        iterator_offset: Len(0), // libhdf5 leaves 0 for a direct root
        managed_objects: Len(objects.len() as u64),
        huge_size: Len(0),
        huge_objects: Len(0),
        tiny_size: Len(0),
        tiny_objects: Len(0),
        table_width: TABLE_WIDTH,
        starting_block_size: Len(block),
        max_direct_block_size: Len(block),
        max_heap_bits: HEAP_BITS,
        starting_root_rows: 1,
        root_block: MaybeAddr(None),
        current_root_rows: 0,
        filtered_root_size: None,
        root_filter_mask: None,
        io_filters: Vec::new(),
    };
    // The header's length does not depend on the root block's address: encode it once to
    // know how much space it takes, and again below with the address.
    let header_at = space.alloc(binary::encode(&h, sizes).len() as u64);
    let block_at = space.alloc(block);
    h.root_block = MaybeAddr(Some(block_at));

    // The root direct block: header, objects back to back, free space zeroed; the checksum
    // covers the whole block with its own field zeroed.
    let mut b = block_header(sizes, header_at);
    let header_len = b.len();
    let format = IdFormat {
        sizes,
        id_len: ID_LEN as u16,
        off_width: OFFSET_WIDTH,
        len_width,
        filtered: false,
    };
    // alloc: caller's data: objects.len()
    let mut ids = Vec::with_capacity(objects.len());
    for o in objects {
        if o.is_empty() {
            return Err(Error::invalid("internal: an empty fractal heap object"));
        }
        let id = HeapId::Managed { offset: b.len() as u64, length: o.len() as u64 };
        let mut fixed = [0u8; ID_LEN];
        fixed.copy_from_slice(&binary::encode(&id, format));
        ids.push(fixed);
        b.extend_from_slice(o);
    }
    b.resize(block as usize, 0);
    let sum = DirectBlockHeader::block_checksum(&mut b, header_len);
    b[header_len - 4..header_len].copy_from_slice(&sum.to_le_bytes());
    let h = binary::encode(&h, sizes);

    space.write(header_at, &h)?;
    space.write(block_at, &b)?;
    Ok(WrittenHeap { address: header_at, ids })
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::btree_v2::tests::source;
    use crate::raw::fractal_heap::FractalHeap;
    use crate::storage::{MemStorage, WriteAt};
    use std::sync::Arc;

    fn written(objects: &[&[u8]]) -> (Vec<u8>, Result<WrittenHeap>) {
        let st = Arc::new(MemStorage::new(Vec::new()));
        let dynst: Arc<dyn WriteAt> = st.clone();
        let mut space = Space::new(dynst, 0, 0);
        let r = write_heap(&mut space, Sizes::DEFAULT, objects);
        (st.to_vec(), r)
    }

    #[test]
    fn objects_read_back_through_the_reader() {
        // Small (a 512-byte block), at a power-of-two boundary, and large (2 MiB blocks).
        let overhead = block_overhead(Sizes::DEFAULT) as usize;
        for sizes in [
            vec![1usize, 7, 100],
            vec![512 - overhead],
            vec![513 - overhead],
            vec![70_000, 3, 1_100_000],
        ] {
            let objects: Vec<Vec<u8>> = sizes
                .iter()
                .enumerate()
                .map(|(k, &n)| (0..n).map(|i| (i * 31 + k) as u8).collect())
                .collect();
            let refs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
            let (bytes, heap) = written(&refs);
            let heap = heap.unwrap();
            let src = source(bytes);
            let h = FractalHeap::read(&src, heap.address).unwrap();
            assert_eq!(h.id_len as usize, ID_LEN);
            assert_eq!(h.root_rows, 0);
            let data = objects.iter().map(Vec::len).sum::<usize>();
            assert_eq!(h.max_direct, ((overhead + data).max(512) as u64).next_power_of_two());
            for (o, id) in objects.iter().zip(&heap.ids) {
                assert_eq!(&h.object(&src, id).unwrap(), o, "{sizes:?}");
            }
        }
    }

    #[test]
    fn too_much_for_one_block_is_unsupported() {
        let (_, r) = written(&[&vec![0u8; (MAX_BLOCK - 10) as usize]]);
        assert!(r.unwrap_err().is_unsupported());
        let (_, r) = written(&[&[]]);
        assert!(r.is_err());
    }
}
