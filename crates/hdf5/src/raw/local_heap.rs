//! Local heap (spec III.D, `HEAP`): the names of an old-style group's links.

use super::cursor::{Cursor, Encoder, Sizes};
use super::source::Source;
use crate::{Error, Result};

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
        let n = header_size(src.sizes) as u64;
        let head = src.block(address, n, "local heap")?;
        let mut c = Cursor::new(&head, address, "local heap");
        c.signature(b"HEAP")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.error(format!("version {version}")));
        }
        c.skip(3)?;
        let size = c.length(src.sizes)?;
        let free = c.length(src.sizes)?;
        let data_address = c.addr_defined(src.sizes, "data segment address")?;
        let data = src.block(data_address, size, "local heap data segment")?;
        let free_list =
            if free == src.sizes.undefined() || free == u64::MAX { None } else { Some(free) };
        Ok(LocalHeap { data_address, data, free_list })
    }

    /// The NUL-terminated string at `offset`.
    pub fn string(&self, offset: u64) -> Result<String> {
        let start =
            usize::try_from(offset).ok().filter(|&s| s < self.data.len()).ok_or_else(|| {
                Error::malformed(
                    "local heap",
                    self.data_address,
                    format!(
                        "name offset {offset} outside the {}-byte data segment",
                        self.data.len()
                    ),
                )
            })?;
        let rest = &self.data[start..];
        let n = rest.iter().position(|&b| b == 0).ok_or_else(|| {
            Error::malformed(
                "local heap",
                self.data_address.saturating_add(offset),
                "unterminated name",
            )
        })?;
        Ok(String::from_utf8_lossy(&rest[..n]).into_owned())
    }

    /// Encode a heap header pointing at a data segment of `data_size` bytes.
    pub fn encode_header(
        sizes: Sizes,
        data_size: u64,
        free_list: Option<u64>,
        data_address: u64,
    ) -> Vec<u8> {
        let mut e = Encoder::new();
        e.bytes(b"HEAP").u8(0).zeros(3);
        e.length(sizes, data_size);
        e.length(sizes, free_list.unwrap_or(sizes.undefined()));
        e.addr(sizes, Some(data_address));
        e.buf
    }
}
