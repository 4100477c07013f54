//! Data layout message (0x0008), versions 1-5: compact, contiguous, chunked (with the chunk
//! index of versions 4/5), virtual (reported unsupported by the model).

use crate::raw::binary::{self, Len, MaybeAddr, Sizes, bytes, uints, uints_w, vec};
use crate::{Error, Result};
use binrw::io::{Read, Seek};
use binrw::{BinRead, BinResult, Endian, binrw, binwrite};

const WHAT: &str = "layout message";

/// Compact storage: the data in the message (size field of 2 bytes from version 3 on).
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CompactStorage {
    #[br(temp)]
    #[bw(calc = data.len() as u16)]
    size: u16,
    #[br(parse_with = bytes, args(size as usize))]
    pub data: Vec<u8>,
}

/// Contiguous storage (versions 3 to 5): address and size.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ContiguousStorage {
    #[brw(args_raw = s)]
    pub address: MaybeAddr,
    #[brw(args_raw = s)]
    pub size: Len,
}

/// Versions 1 and 2: dimensions of 4 bytes, the last being the element size for chunks.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LayoutV1V2 {
    #[br(assert((1..=33).contains(&dimensionality), "dimensionality {}", dimensionality))]
    pub dimensionality: u8,
    #[br(assert(class <= 2, "layout class {}", class))]
    pub class: u8,
    #[br(temp)]
    #[bw(calc = [0; 5])]
    _reserved: [u8; 5],
    #[br(if(class != 0), args_raw = s)]
    #[bw(if(*class != 0), args_raw = s)]
    pub address: Option<MaybeAddr>,
    #[br(parse_with = vec, args(dimensionality as usize, 4, ()))]
    pub dims: Vec<u32>,
    #[br(if(class == 2))]
    #[bw(if(*class == 2))]
    pub element_size: Option<u32>,
    #[br(if(class == 0))]
    #[bw(if(*class == 0))]
    pub compact_size: Option<u32>,
    #[br(parse_with = bytes, args(compact_size.unwrap_or(0) as usize))]
    pub compact_data: Vec<u8>,
}

/// A version 3 chunked layout: the v1 B-tree's address and the chunk dimensions, the last
/// being the element size.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkedV3 {
    #[br(assert(
        (2..=33).contains(&dimensionality),
        "chunk dimensionality {}", dimensionality
    ))]
    pub dimensionality: u8,
    #[brw(args_raw = s)]
    pub address: MaybeAddr,
    #[br(parse_with = vec, args(dimensionality as usize, 4, ()))]
    pub dims: Vec<u32>,
}

/// Version 3: compact, contiguous, chunked with a v1 B-tree, or virtual.
#[binwrite]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LayoutV3 {
    #[brw(magic = 0u8)]
    Compact(CompactStorage),
    #[brw(magic = 1u8)]
    Contiguous(#[brw(args_raw = s)] ContiguousStorage),
    #[brw(magic = 2u8)]
    Chunked(#[brw(args_raw = s)] ChunkedV3),
    #[brw(magic = 3u8)]
    Virtual,
}

/// The chunk index fields of a version 4/5 chunked layout, by index type.
#[binrw]
#[brw(little, import(index_type: u8, flags: u8, s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IndexFields {
    #[br(pre_assert(index_type == 1))]
    Single {
        #[br(if(flags & 2 != 0), args_raw = s)]
        #[bw(if(flags & 2 != 0), args_raw = s)]
        filtered_size: Option<Len>,
        #[br(if(flags & 2 != 0))]
        #[bw(if(flags & 2 != 0))]
        filter_mask: Option<u32>,
    },
    #[br(pre_assert(index_type == 2))]
    Implicit,
    #[br(pre_assert(index_type == 3))]
    FixedArray { page_bits: u8 },
    #[br(pre_assert(index_type == 4))]
    ExtensibleArray {
        max_bits: u8,
        index_elements: u8,
        min_pointers: u8,
        min_elements: u8,
        page_bits: u8,
    },
    #[br(pre_assert(index_type == 5))]
    BTreeV2 { node_size: u32, split: u8, merge: u8 },
}

/// A version 4/5 chunked layout.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkedV4 {
    /// Bit 0: partial edge chunks unfiltered; bit 1: single chunk filtered.
    pub flags: u8,
    #[br(assert(
        (2..=33).contains(&dimensionality),
        "chunk dimensionality {}", dimensionality
    ))]
    pub dimensionality: u8,
    #[br(assert((1..=8).contains(&dim_width), "dimension size width {}", dim_width))]
    pub dim_width: u8,
    #[br(parse_with = uints, args(dimensionality as usize, dim_width))]
    #[bw(write_with = uints_w, args(*dim_width))]
    pub dims: Vec<u64>,
    #[br(assert((1..=5).contains(&index_type), "chunk index type {}", index_type))]
    pub index_type: u8,
    #[br(args(index_type, flags, s))]
    #[bw(args(*index_type, *flags, s))]
    pub index: IndexFields,
    #[brw(args_raw = s)]
    pub address: MaybeAddr,
}

/// Versions 4 and 5: compact and contiguous as in version 3, chunked with any index.
#[binwrite]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LayoutV4 {
    #[brw(magic = 0u8)]
    Compact(CompactStorage),
    #[brw(magic = 1u8)]
    Contiguous(#[brw(args_raw = s)] ContiguousStorage),
    #[brw(magic = 2u8)]
    Chunked(#[brw(args_raw = s)] ChunkedV4),
    #[brw(magic = 3u8)]
    Virtual,
}

/// The stored layout message, one variant per version.
#[binwrite]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LayoutMessage {
    #[brw(magic = 1u8)]
    V1(#[brw(args_raw = s)] LayoutV1V2),
    #[brw(magic = 2u8)]
    V2(#[brw(args_raw = s)] LayoutV1V2),
    #[brw(magic = 3u8)]
    V3(#[brw(args_raw = s)] LayoutV3),
    #[brw(magic = 4u8)]
    V4(#[brw(args_raw = s)] LayoutV4),
    #[brw(magic = 5u8)]
    V5(#[brw(args_raw = s)] LayoutV4),
}

// The tagged enums above are written by binrw from their declarations; they are read by
// hand, the tag byte selecting the variant (binrw's derived enum reading tries each variant
// in turn, allocating an error for every tag that does not match).

impl BinRead for LayoutV3 {
    type Args<'a> = Sizes;
    fn read_options<R: Read + Seek>(r: &mut R, e: Endian, s: Sizes) -> BinResult<Self> {
        let pos = r.stream_position()?;
        Ok(match u8::read_options(r, e, ())? {
            0 => LayoutV3::Compact(CompactStorage::read_options(r, e, ())?),
            1 => LayoutV3::Contiguous(ContiguousStorage::read_options(r, e, s)?),
            2 => LayoutV3::Chunked(ChunkedV3::read_options(r, e, s)?),
            3 => LayoutV3::Virtual,
            class => return Err(binary::malformed(pos, format!("layout class {class}"))),
        })
    }
}

impl BinRead for LayoutV4 {
    type Args<'a> = Sizes;
    fn read_options<R: Read + Seek>(r: &mut R, e: Endian, s: Sizes) -> BinResult<Self> {
        let pos = r.stream_position()?;
        Ok(match u8::read_options(r, e, ())? {
            0 => LayoutV4::Compact(CompactStorage::read_options(r, e, ())?),
            1 => LayoutV4::Contiguous(ContiguousStorage::read_options(r, e, s)?),
            2 => LayoutV4::Chunked(ChunkedV4::read_options(r, e, s)?),
            3 => LayoutV4::Virtual,
            class => return Err(binary::malformed(pos, format!("layout class {class}"))),
        })
    }
}

impl BinRead for LayoutMessage {
    type Args<'a> = Sizes;
    fn read_options<R: Read + Seek>(r: &mut R, e: Endian, s: Sizes) -> BinResult<Self> {
        let pos = r.stream_position()?;
        Ok(match u8::read_options(r, e, ())? {
            1 => LayoutMessage::V1(LayoutV1V2::read_options(r, e, s)?),
            2 => LayoutMessage::V2(LayoutV1V2::read_options(r, e, s)?),
            3 => LayoutMessage::V3(LayoutV3::read_options(r, e, s)?),
            4 => LayoutMessage::V4(LayoutV4::read_options(r, e, s)?),
            5 => LayoutMessage::V5(LayoutV4::read_options(r, e, s)?),
            v => {
                let e = Error::unsupported(format!("layout message version {v}"));
                return Err(binary::fail(pos, e));
            }
        })
    }
}

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
        match data.first() {
            Some(1..=5) => {}
            Some(v) => return Err(Error::unsupported(format!("layout message version {v}"))),
            None => return Err(Error::malformed(WHAT, offset, "empty message")),
        }
        let bad = |detail: String| Error::malformed(WHAT, offset, detail);
        let chunk_of = |dims: &[u64]| -> Result<Vec<u64>> {
            // At least two dimensions (checked by the parse): the last is the element size.
            let chunk = dims[..dims.len() - 1].to_vec();
            if chunk.contains(&0) {
                return Err(bad("chunk dimension of 0".into()));
            }
            Ok(chunk)
        };
        Ok(match binary::parse(data, offset, WHAT, sizes)? {
            LayoutMessage::V1(l) | LayoutMessage::V2(l) => {
                let address = l.address.and_then(|a| a.0);
                let dims: Vec<u64> = l.dims.iter().map(|&d| d as u64).collect();
                match l.class {
                    0 => Layout::Compact { data: l.compact_data },
                    1 => Layout::Contiguous {
                        address,
                        size: dims
                            .iter()
                            .try_fold(1u64, |a, &d| a.checked_mul(d))
                            .ok_or_else(|| bad("size overflow".into()))?,
                    },
                    _ => {
                        // The last dimension is the element size: a chunk needs one more.
                        if dims.len() < 2 {
                            return Err(bad(format!("chunk dimensionality {}", dims.len())));
                        }
                        Layout::Chunked {
                            version: 1,
                            chunk: chunk_of(&dims)?,
                            element_size: l.element_size.unwrap_or(0) as u64,
                            address,
                            index: ChunkIndex::BTreeV1,
                            unfiltered_edges: false,
                        }
                    }
                }
            }
            LayoutMessage::V3(l) => match l {
                LayoutV3::Compact(c) => Layout::Compact { data: c.data },
                LayoutV3::Contiguous(c) => {
                    Layout::Contiguous { address: c.address.0, size: c.size.0 }
                }
                LayoutV3::Chunked(ChunkedV3 { address, dims, .. }) => {
                    let dims: Vec<u64> = dims.iter().map(|&d| d as u64).collect();
                    Layout::Chunked {
                        version: 3,
                        chunk: chunk_of(&dims)?,
                        element_size: dims[dims.len() - 1],
                        address: address.0,
                        index: ChunkIndex::BTreeV1,
                        unfiltered_edges: false,
                    }
                }
                LayoutV3::Virtual => Layout::Virtual,
            },
            LayoutMessage::V4(l) | LayoutMessage::V5(l) => match l {
                LayoutV4::Compact(c) => Layout::Compact { data: c.data },
                LayoutV4::Contiguous(c) => {
                    Layout::Contiguous { address: c.address.0, size: c.size.0 }
                }
                LayoutV4::Chunked(c) => Layout::Chunked {
                    version: data[0],
                    chunk: chunk_of(&c.dims)?,
                    element_size: c.dims[c.dims.len() - 1],
                    address: c.address.0,
                    index: match c.index {
                        IndexFields::Single { filtered_size, filter_mask } => ChunkIndex::Single {
                            filtered_size: filtered_size.map(|l| l.0),
                            filter_mask: filter_mask.unwrap_or(0),
                        },
                        IndexFields::Implicit => ChunkIndex::Implicit,
                        IndexFields::FixedArray { page_bits } => {
                            ChunkIndex::FixedArray { page_bits }
                        }
                        IndexFields::ExtensibleArray {
                            max_bits,
                            index_elements,
                            min_pointers,
                            min_elements,
                            page_bits,
                        } => ChunkIndex::ExtensibleArray {
                            max_bits,
                            index_elements,
                            min_pointers,
                            min_elements,
                            page_bits,
                        },
                        IndexFields::BTreeV2 { node_size, split, merge } => {
                            ChunkIndex::BTreeV2 { node_size, split, merge }
                        }
                    },
                    unfiltered_edges: c.flags & 1 != 0,
                },
                LayoutV4::Virtual => Layout::Virtual,
            },
        })
    }

    /// Encode as version 3 (compact, contiguous, or chunked with a v1 B-tree).
    pub fn encode_v3(&self, sizes: Sizes) -> Vec<u8> {
        let m = match self {
            Layout::Compact { data } => LayoutV3::Compact(CompactStorage { data: data.clone() }),
            Layout::Contiguous { address, size } => LayoutV3::Contiguous(ContiguousStorage {
                address: MaybeAddr(*address),
                size: Len(*size),
            }),
            Layout::Chunked { chunk, element_size, address, .. } => LayoutV3::Chunked(ChunkedV3 {
                dimensionality: chunk.len() as u8 + 1,
                address: MaybeAddr(*address),
                dims: chunk.iter().chain([element_size]).map(|&d| d as u32).collect(),
            }),
            Layout::Virtual => LayoutV3::Virtual,
        };
        binary::encode(&LayoutMessage::V3(m), sizes)
    }
}
