//! Data layout message (0x0008), versions 1-5: compact, contiguous, chunked (with the chunk
//! index of versions 4/5), virtual (reported unsupported by the model).

use crate::raw::cursor::{Cursor, Encoder, Sizes};
use crate::{Error, Result};

/// The chunk index of a layout v4/v5 chunked dataset (spec Appendix C).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkIndex {
    /// Version 1 B-tree (type 1), layouts v1-v3.
    BTreeV1,
    /// One chunk covering the dataset; filtered chunks carry their size and mask here.
    Single {
        /// Stored size of the filtered chunk (None when unfiltered).
        filtered_size: Option<u64>,
        /// Filter mask of the filtered chunk.
        filter_mask: u32,
    },
    /// Chunks at computed addresses, no index structure.
    Implicit,
    /// Fixed array.
    FixedArray {
        /// log2 of the maximum number of entries in a data block page.
        page_bits: u8,
    },
    /// Extensible array.
    ExtensibleArray {
        /// Bits to store the maximum number of elements.
        max_bits: u8,
        /// Elements in the index block.
        index_elements: u8,
        /// Minimum elements per data block pointer... (spec: min # of data block pointers).
        min_pointers: u8,
        /// Minimum elements in a data block.
        min_elements: u8,
        /// log2 of the page size.
        page_bits: u8,
    },
    /// Version 2 B-tree (record type 10 or 11).
    BTreeV2 {
        /// Node size.
        node_size: u32,
        /// Split percent.
        split: u8,
        /// Merge percent.
        merge: u8,
    },
}

/// A decoded layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Data stored in the message.
    Compact {
        /// The raw data.
        data: Vec<u8>,
    },
    /// One contiguous block (address `None`: never written).
    Contiguous {
        /// Address of the data.
        address: Option<u64>,
        /// Size in bytes.
        size: u64,
    },
    /// Chunked storage.
    Chunked {
        /// Message version.
        version: u8,
        /// Chunk dimensions in elements (dataset rank entries; the element-size entry removed).
        chunk: Vec<u64>,
        /// Element size as recorded in the layout.
        element_size: u64,
        /// Index root address (`None`: no chunk written yet).
        address: Option<u64>,
        /// Which index.
        index: ChunkIndex,
        /// Layout v4 flag: partial edge chunks are stored unfiltered.
        unfiltered_edges: bool,
    },
    /// Virtual dataset (unsupported).
    Virtual,
}

impl Layout {
    /// Decode.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<Layout> {
        let mut c = Cursor::new(data, offset, "layout message");
        let version = c.u8()?;
        match version {
            1 | 2 => Self::decode_v1_v2(&mut c, sizes),
            3..=5 => Self::decode_v3_plus(&mut c, version, sizes),
            v => Err(Error::unsupported(format!("layout message version {v}"))),
        }
    }

    fn decode_v1_v2(c: &mut Cursor, sizes: Sizes) -> Result<Layout> {
        let rank = c.u8()? as usize;
        let class = c.u8()?;
        c.skip(5)?;
        if rank == 0 || rank > 33 {
            return Err(c.error(format!("dimensionality {rank}")));
        }
        let address = if class != 0 { c.addr(sizes)? } else { None };
        let mut dims = Vec::with_capacity(rank);
        for _ in 0..rank {
            dims.push(c.u32()? as u64);
        }
        match class {
            0 => {
                let n = c.u32()? as usize;
                Ok(Layout::Compact { data: c.bytes(n)?.to_vec() })
            }
            1 => {
                let size = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
                Ok(Layout::Contiguous {
                    address,
                    size: size.ok_or_else(|| c.error("size overflow"))?,
                })
            }
            2 => {
                // The last dimension is the element size: a chunk needs at least one more.
                if rank < 2 {
                    return Err(c.error(format!("chunk dimensionality {rank}")));
                }
                let element_size = c.u32()? as u64;
                let chunk = dims[..rank - 1].to_vec();
                check_chunk(c, &chunk)?;
                Ok(Layout::Chunked {
                    version: 1,
                    chunk,
                    element_size,
                    address,
                    index: ChunkIndex::BTreeV1,
                    unfiltered_edges: false,
                })
            }
            k => Err(c.error(format!("layout class {k}"))),
        }
    }

    fn decode_v3_plus(c: &mut Cursor, version: u8, sizes: Sizes) -> Result<Layout> {
        let class = c.u8()?;
        match class {
            0 => {
                let n = c.u16()? as usize;
                Ok(Layout::Compact { data: c.bytes(n)?.to_vec() })
            }
            1 => Ok(Layout::Contiguous { address: c.addr(sizes)?, size: c.length(sizes)? }),
            2 if version == 3 => {
                let rank = c.u8()? as usize;
                if !(2..=33).contains(&rank) {
                    return Err(c.error(format!("chunk dimensionality {rank}")));
                }
                let address = c.addr(sizes)?;
                let mut dims = Vec::with_capacity(rank);
                for _ in 0..rank {
                    dims.push(c.u32()? as u64);
                }
                let element_size = dims[rank - 1];
                let chunk = dims[..rank - 1].to_vec();
                check_chunk(c, &chunk)?;
                Ok(Layout::Chunked {
                    version,
                    chunk,
                    element_size,
                    address,
                    index: ChunkIndex::BTreeV1,
                    unfiltered_edges: false,
                })
            }
            2 => {
                let flags = c.u8()?;
                let rank = c.u8()? as usize;
                if !(2..=33).contains(&rank) {
                    return Err(c.error(format!("chunk dimensionality {rank}")));
                }
                let width = c.u8()?;
                if !(1..=8).contains(&width) {
                    return Err(c.error(format!("dimension size width {width}")));
                }
                let mut dims = Vec::with_capacity(rank);
                for _ in 0..rank {
                    dims.push(c.uint(width)?);
                }
                let index_type = c.u8()?;
                let index = match index_type {
                    1 => {
                        if flags & 2 != 0 {
                            ChunkIndex::Single {
                                filtered_size: Some(c.length(sizes)?),
                                filter_mask: c.u32()?,
                            }
                        } else {
                            ChunkIndex::Single { filtered_size: None, filter_mask: 0 }
                        }
                    }
                    2 => ChunkIndex::Implicit,
                    3 => ChunkIndex::FixedArray { page_bits: c.u8()? },
                    4 => ChunkIndex::ExtensibleArray {
                        max_bits: c.u8()?,
                        index_elements: c.u8()?,
                        min_pointers: c.u8()?,
                        min_elements: c.u8()?,
                        page_bits: c.u8()?,
                    },
                    5 => {
                        ChunkIndex::BTreeV2 { node_size: c.u32()?, split: c.u8()?, merge: c.u8()? }
                    }
                    t => return Err(c.error(format!("chunk index type {t}"))),
                };
                let address = c.addr(sizes)?;
                let element_size = dims[rank - 1];
                let chunk = dims[..rank - 1].to_vec();
                check_chunk(c, &chunk)?;
                Ok(Layout::Chunked {
                    version,
                    chunk,
                    element_size,
                    address,
                    index,
                    unfiltered_edges: flags & 1 != 0,
                })
            }
            3 => Ok(Layout::Virtual),
            k => Err(c.error(format!("layout class {k}"))),
        }
    }

    /// Encode as version 3 (compact, contiguous, or chunked with a v1 B-tree).
    pub fn encode_v3(&self, sizes: Sizes) -> Vec<u8> {
        let mut e = Encoder::new();
        e.u8(3);
        match self {
            Layout::Compact { data } => {
                e.u8(0).u16(data.len() as u16).bytes(data);
            }
            Layout::Contiguous { address, size } => {
                e.u8(1).addr(sizes, *address).length(sizes, *size);
            }
            Layout::Chunked { chunk, element_size, address, .. } => {
                e.u8(2).u8(chunk.len() as u8 + 1).addr(sizes, *address);
                for &d in chunk {
                    e.u32(d as u32);
                }
                e.u32(*element_size as u32);
            }
            Layout::Virtual => {
                e.u8(3);
            }
        }
        e.buf
    }
}

fn check_chunk(c: &Cursor, chunk: &[u64]) -> Result<()> {
    if chunk.contains(&0) {
        return Err(c.error("chunk dimension of 0"));
    }
    Ok(())
}
