//! Local heap (spec III.D, `HEAP`): the names of an old-style group's links. The header
//! points at a separately allocated data segment.

use super::binary::{self, Addr, Len, Sizes};
use super::source::Source;
use crate::{Error, Result};
use binrw::binrw;

const WHAT: &str = "local heap";

/// The local heap header.
#[binrw]
#[brw(little, magic = b"HEAP", import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LocalHeapHeader {
    #[br(temp, assert(version == 0, "version {}", version))]
    #[bw(calc = 0)]
    version: u8,
    #[br(temp)]
    #[bw(calc = [0; 3])]
    _reserved: [u8; 3],
    /// Size of the data segment.
    #[brw(args_raw = s)]
    pub data_segment_size: Len,
    /// Offset of the head of the free list (the undefined address when there is none).
    #[brw(args_raw = s)]
    pub free_list_head: Len,
    /// Address of the data segment.
    #[brw(args_raw = s)]
    pub data_segment: Addr,
}

/// A block of the free list in the data segment: the offset of the next free block (1 when
/// none, as libhdf5 writes it) and this block's size.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FreeBlock {
    #[brw(args_raw = s)]
    pub next: Len,
    #[brw(args_raw = s)]
    pub size: Len,
}

/// A loaded local heap: its data segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalHeap {
    /// Address of the data segment.
    pub data_address: u64,
    /// The data segment.
    pub data: Vec<u8>,
    /// Offset of the free list head (`None`: no free block).
    pub free_list: Option<u64>,
}

/// Size of the heap header for `sizes`.
pub fn header_size(sizes: Sizes) -> usize {
    4 + 4 + 2 * sizes.length as usize + sizes.offset as usize
}

impl LocalHeap {
    /// Read the heap whose header is at `address`.
    pub fn read(src: &Source, address: u64) -> Result<LocalHeap> {
        let head = src.block(address, header_size(src.sizes) as u64, WHAT)?;
        let h: LocalHeapHeader = binary::parse(&head, address, WHAT, src.sizes)?;
        let data_address = h.data_segment.0;
        let data = src.block(data_address, h.data_segment_size.0, "local heap data segment")?;
        let free = h.free_list_head.0;
        let free_list =
            if free == src.sizes.undefined() || free == u64::MAX { None } else { Some(free) };
        Ok(LocalHeap { data_address, data, free_list })
    }

    /// The NUL-terminated string at `offset`.
    pub fn string(&self, offset: u64) -> Result<String> {
        let start =
            usize::try_from(offset).ok().filter(|&s| s < self.data.len()).ok_or_else(|| {
                Error::malformed(
                    WHAT,
                    self.data_address,
                    format!(
                        "name offset {offset} outside the {}-byte data segment",
                        self.data.len()
                    ),
                )
            })?;
        let rest = &self.data[start..];
        let n = rest.iter().position(|&b| b == 0).ok_or_else(|| {
            Error::malformed(WHAT, self.data_address.saturating_add(offset), "unterminated name")
        })?;
        Ok(String::from_utf8_lossy(&rest[..n]).into_owned())
    }

    /// Encode a free-list block (`next` is 1 for the last block).
    pub(crate) fn encode_free_block(sizes: Sizes, next: u64, size: u64) -> Vec<u8> {
        binary::encode(&FreeBlock { next: Len(next), size: Len(size) }, sizes)
    }

    /// Encode a heap header pointing at a data segment of `data_size` bytes.
    pub fn encode_header(
        sizes: Sizes,
        data_size: u64,
        free_list: Option<u64>,
        data_address: u64,
    ) -> Vec<u8> {
        let h = LocalHeapHeader {
            data_segment_size: Len(data_size),
            free_list_head: Len(free_list.unwrap_or(sizes.undefined())),
            data_segment: Addr(data_address),
        };
        binary::encode(&h, sizes)
    }
}
