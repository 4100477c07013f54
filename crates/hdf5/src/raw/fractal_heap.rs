//! Fractal heaps (spec III.G: `FRHP` header, `FHDB` direct blocks, `FHIB` indirect blocks),
//! the object store of dense link and attribute storage, addressed by heap IDs.
//!
//! A heap ID names one of three kinds of object: *tiny* objects live in the ID itself,
//! *huge* objects are stored on their own and found through the ID (directly) or through a
//! version 2 B-tree of type 1 or 2 (indirectly), and *managed* objects sit at an offset in
//! the heap's linear address space, which a doubling table of direct blocks (holding the
//! bytes) and indirect blocks (holding block addresses, possibly nested) maps onto the file.
//!
//! Where the spec is terse the arithmetic follows libhdf5 (`H5HFdtable.c`, `H5HFhdr.c`):
//! rows 0 and 1 hold blocks of the starting size and each later row doubles it; an
//! indirect block in row `r` spans `row_block_size(r)` bytes and has
//! `log2(span) - log2(start * width) + 1` rows; the ID length field takes
//! `min(bytes(max direct block offset), log2(max managed size) / 8 + 1)` bytes; and direct
//! block checksums cover the whole block with the checksum field zeroed. Filtered heaps
//! (an I/O filter pipeline in the header) are decoded through [`crate::filters`].
//!
//! Every lookup descends iteratively from the root with a visited set and the depth cap of
//! [`crate::Limits`]; blocks are read with [`Source::block`] and checksummed before use.

use super::binary::{self, Addr, Len, MaybeAddr, Sealed, Sizes, bytes, malformed, read_uint};
use super::binary::{uint, uint_w, vec, write_uint};
use super::btree_v2::{self, BTreeV2, HugeObjectRecord};
use super::checksum;
use super::messages::filter_pipeline::FilterPipeline;
use super::source::Source;
use crate::filters::ChunkDecoder;
use crate::{Error, Result};
use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};
use std::collections::{HashMap, HashSet};

const WHAT_HEADER: &str = "fractal heap header";
const WHAT_DIRECT: &str = "fractal heap direct block";
const WHAT_INDIRECT: &str = "fractal heap indirect block";
const WHAT_ID: &str = "fractal heap ID";
const WHAT_HUGE: &str = "fractal heap huge object";

/// Heap ID types (bits 4-5 of the first byte).
const ID_MANAGED: u8 = 0;
const ID_HUGE: u8 = 1;
const ID_TINY: u8 = 2;

/// The first fields of the header, which size the rest (the I/O filter information).
#[binrw]
#[brw(little, magic = b"FRHP")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeaderStart {
    #[br(assert(version == 0, "version {}", version))]
    pub version: u8,
    pub heap_id_len: u16,
    pub io_filters_len: u16,
}

/// The stored header (`FRHP`).
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub start: HeaderStart,
    /// Bit 0: huge object IDs wrapped; bit 1: direct blocks checksummed.
    pub flags: u8,
    pub max_managed_size: u32,
    #[brw(args_raw = s)]
    pub next_huge_id: Len,
    #[brw(args_raw = s)]
    pub huge_btree: MaybeAddr,
    #[brw(args_raw = s)]
    pub free_space: Len,
    #[brw(args_raw = s)]
    pub free_space_manager: MaybeAddr,
    #[brw(args_raw = s)]
    pub managed_space: Len,
    #[brw(args_raw = s)]
    pub allocated_managed_space: Len,
    #[brw(args_raw = s)]
    pub iterator_offset: Len,
    #[brw(args_raw = s)]
    pub managed_objects: Len,
    #[brw(args_raw = s)]
    pub huge_size: Len,
    #[brw(args_raw = s)]
    pub huge_objects: Len,
    #[brw(args_raw = s)]
    pub tiny_size: Len,
    #[brw(args_raw = s)]
    pub tiny_objects: Len,
    pub table_width: u16,
    #[brw(args_raw = s)]
    pub starting_block_size: Len,
    #[brw(args_raw = s)]
    pub max_direct_block_size: Len,
    pub max_heap_bits: u16,
    pub starting_root_rows: u16,
    #[brw(args_raw = s)]
    pub root_block: MaybeAddr,
    pub current_root_rows: u16,
    /// Filtered heaps: stored size and filter mask of a root direct block, and the pipeline.
    #[br(if(start.io_filters_len > 0), args_raw = s)]
    #[bw(if(start.io_filters_len > 0), args_raw = s)]
    pub filtered_root_size: Option<Len>,
    #[brw(if(start.io_filters_len > 0))]
    pub root_filter_mask: Option<u32>,
    #[br(parse_with = bytes, args(start.io_filters_len as usize))]
    pub io_filters: Vec<u8>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// The start of a direct block (`FHDB`); its checksum (when the heap has them) covers the
/// whole block with the checksum field zeroed. The objects follow.
#[binrw]
#[brw(little, magic = b"FHDB", import(s: Sizes, offset_width: u8, checksummed: bool))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DirectBlockHeader {
    #[br(assert(version == 0, "version {}", version))]
    pub version: u8,
    #[brw(args_raw = s)]
    pub heap_header: Addr,
    #[br(parse_with = uint, args(offset_width))]
    #[bw(write_with = uint_w, args(offset_width))]
    pub block_offset: u64,
    #[brw(if(checksummed))]
    pub checksum: Option<u32>,
}

impl DirectBlockHeader {
    /// The checksum of a whole direct `block` whose header ends at `header_len` (its last 4
    /// bytes are the checksum field): lookup3 over the block with that field zeroed, as the
    /// field is left when the reader compares and the writer fills it in. binrw's checksummed
    /// streams hash what comes before a field; this one also covers the objects after it.
    pub(crate) fn block_checksum(block: &mut [u8], header_len: usize) -> u32 {
        block[header_len - 4..header_len].fill(0);
        checksum::lookup3(block, 0)
    }
}

/// An indirect block's entry for a direct block: its address and, in a filtered heap, its
/// stored size and filter mask.
#[binrw]
#[brw(little, import(s: Sizes, filtered: bool))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DirectEntry {
    #[brw(args_raw = s)]
    pub address: MaybeAddr,
    #[br(if(filtered), args_raw = s)]
    #[bw(if(filtered), args_raw = s)]
    pub filtered_size: Option<Len>,
    #[brw(if(filtered))]
    pub filter_mask: Option<u32>,
}

/// An indirect block (`FHIB`): entries for its direct-block rows, then addresses of the
/// indirect blocks of its remaining rows, then a checksum.
#[binrw]
#[brw(little, import(s: Sizes, offset_width: u8, filtered: bool, direct: usize, indirect: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IndirectBlock {
    #[brw(magic = b"FHIB")]
    #[br(assert(version == 0, "version {}", version))]
    pub version: u8,
    #[brw(args_raw = s)]
    pub heap_header: Addr,
    #[br(parse_with = uint, args(offset_width))]
    #[bw(write_with = uint_w, args(offset_width))]
    pub block_offset: u64,
    #[br(parse_with = vec, args(direct, s.offset as usize, (s, filtered)))]
    #[bw(args(s, filtered))]
    pub direct_entries: Vec<DirectEntry>,
    #[br(parse_with = vec, args(indirect, s.offset as usize, s))]
    #[bw(args_raw = s)]
    pub indirect_entries: Vec<MaybeAddr>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// How a heap's IDs are laid out (from its header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IdFormat {
    pub sizes: Sizes,
    pub id_len: u16,
    pub off_width: u8,
    pub len_width: u8,
    pub filtered: bool,
}

/// A heap ID. Its first byte holds the version (bits 6-7) and type (bits 4-5); the rest has
/// widths set by the heap, so its binrw traits are implemented by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeapId {
    /// An object at `offset` of the heap's address space.
    Managed { offset: u64, length: u64 },
    /// A huge object's address and length (and, filtered, mask and decoded size).
    HugeDirect { address: u64, length: u64, filter: Option<(u32, u64)> },
    /// A huge object's key in the heap's huge object B-tree.
    HugeKey(u64),
    /// A tiny object: its bytes.
    Tiny(Vec<u8>),
}

impl BinRead for HeapId {
    type Args<'a> = IdFormat;

    fn read_options<R: Read + Seek>(r: &mut R, e: Endian, f: IdFormat) -> BinResult<Self> {
        let pos = r.stream_position()?;
        let first = u8::read_options(r, e, ())?;
        if first >> 6 != 0 {
            let v = first >> 6;
            return Err(binary::fail(
                pos,
                Error::unsupported(format!("fractal heap ID version {v}")),
            ));
        }
        let (o, l) = (f.sizes.offset as usize, f.sizes.length as usize);
        match (first >> 4) & 3 {
            ID_MANAGED => Ok(HeapId::Managed {
                offset: read_uint(r, f.off_width)?,
                length: read_uint(r, f.len_width)?,
            }),
            ID_HUGE => {
                // IDs large enough to hold the object's address and length (and, when
                // filtered, its mask and decoded size) hold them; others hold a B-tree key.
                let room = (f.id_len as usize).saturating_sub(1);
                let direct = if f.filtered { room >= o + l + 4 + l } else { room >= o + l };
                if !direct {
                    return Ok(HeapId::HugeKey(read_uint(r, room.min(8) as u8)?));
                }
                let address = Addr::read_options(r, e, f.sizes)?.0;
                let length = Len::read_options(r, e, f.sizes)?.0;
                let filter = if f.filtered {
                    Some((u32::read_options(r, e, ())?, Len::read_options(r, e, f.sizes)?.0))
                } else {
                    None
                };
                Ok(HeapId::HugeDirect { address, length, filter })
            }
            ID_TINY => {
                // "Extended" tiny IDs (longer than 18 bytes) keep 12 bits of length.
                let len = if f.id_len > 18 {
                    (((first & 0x0f) as usize) << 8 | u8::read_options(r, e, ())? as usize) + 1
                } else {
                    (first & 0x0f) as usize + 1
                };
                Ok(HeapId::Tiny(bytes(r, e, (len,))?))
            }
            t => Err(malformed(pos, format!("ID type {t}"))),
        }
    }
}

impl BinWrite for HeapId {
    type Args<'a> = IdFormat;

    /// Managed IDs, as the writer stores them, padded with zeros to the heap's ID length.
    fn write_options<W: Write + Seek>(&self, w: &mut W, _: Endian, f: IdFormat) -> BinResult<()> {
        let HeapId::Managed { offset, length } = self else {
            return Err(binrw::Error::AssertFail {
                pos: 0,
                message: "only managed heap IDs are written".into(),
            });
        };
        let used = 1 + f.off_width as usize + f.len_width as usize;
        w.write_all(&[ID_MANAGED << 4])?;
        write_uint(w, *offset, f.off_width)?;
        write_uint(w, *length, f.len_width)?;
        // alloc: id_len is a u16 (write side)
        w.write_all(&vec![0; (f.id_len as usize).saturating_sub(used)])?;
        Ok(())
    }
}

/// The I/O filters of a filtered heap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapFilters {
    /// The pipeline (encoded in the header as a filter pipeline message).
    pub pipeline: FilterPipeline,
    /// Stored size of the root direct block (when the root is a direct block).
    pub root_size: u64,
    /// Filter mask of the root direct block.
    pub root_mask: u32,
}

/// A decoded fractal heap header with the doubling-table facts derived from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FractalHeap {
    /// Address of the header.
    pub address: u64,
    /// Bytes of every heap ID.
    pub id_len: u16,
    /// Direct blocks carry a checksum (flags bit 1).
    pub checksummed: bool,
    /// Largest managed object; larger ones are huge.
    pub max_managed: u32,
    /// v2 B-tree of huge objects.
    pub huge_btree: Option<u64>,
    /// Columns of the doubling table.
    pub width: u64,
    /// Size of the blocks of rows 0 and 1.
    pub start_block: u64,
    /// Largest direct block.
    pub max_direct: u64,
    /// log2 of the heap's address space.
    pub max_heap_bits: u16,
    /// Root block: a direct block when `root_rows` is 0, else an indirect block.
    pub root: Option<u64>,
    /// Rows of the root indirect block (0: the root is a direct block).
    pub root_rows: u64,
    /// I/O filters, for a filtered heap.
    pub filters: Option<HeapFilters>,
    /// Bytes of block offsets and of the offset in managed IDs.
    off_width: u8,
    /// Bytes of the length in managed IDs.
    len_width: u8,
    /// log2 of the starting block size.
    start_bits: u32,
    /// log2 of (starting block size x width).
    first_row_bits: u32,
    /// Rows of an indirect block that hold direct blocks.
    max_direct_rows: u64,
    /// Most rows of the root indirect block.
    max_root_rows: u64,
    sizes: Sizes,
}

/// One child entry of an indirect block.
#[derive(Clone, Copy, Debug)]
struct Entry {
    address: Option<u64>,
    /// Stored size of a filtered direct block (0 when unfiltered).
    filtered_size: u64,
    filter_mask: u32,
}

/// Where a direct block is and what it must contain.
#[derive(Clone, Copy, Debug)]
struct DirectRef {
    address: u64,
    /// Offset of the block in the heap's address space.
    offset: u64,
    /// Size of the (decoded) block.
    size: u64,
    /// Stored size and filter mask, for a filtered heap.
    filtered: Option<(u64, u32)>,
}

fn is_pow2(v: u64) -> bool {
    v != 0 && v & (v - 1) == 0
}

fn log2(v: u64) -> u32 {
    63 - v.leading_zeros().min(63)
}

/// Bytes needed for `v` (libhdf5 `H5VM_limit_enc_size`).
fn enc_size(v: u64) -> u8 {
    (log2(v) / 8 + 1) as u8
}

impl FractalHeap {
    /// Read and check the header at `address`.
    pub fn read(src: &Source, address: u64) -> Result<FractalHeap> {
        let sizes = src.sizes;
        let (o, l) = (sizes.offset as u64, sizes.length as u64);
        // Everything but the optional filter fields, checksum included.
        let base_len = 26 + 3 * o + 12 * l;
        let mut buf = src.block(address, base_len, WHAT_HEADER)?;
        let (start, _): (HeaderStart, _) = binary::parse_prefix(&buf, address, WHAT_HEADER, ())?;
        let filter_len = start.io_filters_len as u64;
        if filter_len > 0 {
            buf = src.block(address, base_len + l + 4 + filter_len, WHAT_HEADER)?;
        }
        let h: Header = binary::parse(&buf, address, WHAT_HEADER, sizes)?;
        let id_len = h.start.heap_id_len;
        let flags = h.flags;
        let max_managed = h.max_managed_size;
        let huge_btree = h.huge_btree.0;
        let width = h.table_width as u64;
        let start_block = h.starting_block_size.0;
        let max_direct = h.max_direct_block_size.0;
        let max_heap_bits = h.max_heap_bits;
        let root = h.root_block.0;
        let root_rows = h.current_root_rows as u64;
        let filters = if filter_len > 0 {
            let at = address + buf.len() as u64 - 4 - filter_len;
            let pipeline = FilterPipeline::decode(&h.io_filters, at)?;
            Some(HeapFilters {
                pipeline,
                root_size: h.filtered_root_size.map_or(0, |l| l.0),
                root_mask: h.root_filter_mask.unwrap_or(0),
            })
        } else {
            None
        };
        let bad = |detail: String| Error::malformed(WHAT_HEADER, address, detail);
        if !is_pow2(width) {
            return Err(bad(format!("table width {width} is not a power of two")));
        }
        if !is_pow2(start_block) || !is_pow2(max_direct) || max_direct < start_block {
            return Err(bad(format!(
                "starting block size {start_block} and maximum direct block size {max_direct}"
            )));
        }
        let start_bits = log2(start_block);
        let first_row_bits = start_bits + log2(width);
        if max_heap_bits > 64 || first_row_bits >= 64 || (max_heap_bits as u32) < first_row_bits {
            return Err(bad(format!(
                "maximum heap size of 2^{max_heap_bits} bytes for a first row of 2^{first_row_bits}"
            )));
        }
        let max_root_rows = (max_heap_bits as u32 - first_row_bits) as u64 + 1;
        let max_direct_rows = (log2(max_direct) - start_bits) as u64 + 2;
        if root_rows > max_root_rows {
            return Err(bad(format!("{root_rows} root rows, at most {max_root_rows}")));
        }
        let off_width = (max_heap_bits as u32).div_ceil(8) as u8;
        let len_width =
            max_direct.ilog2().div_ceil(8).min(enc_size(max_managed as u64) as u32) as u8;
        Ok(FractalHeap {
            address,
            id_len,
            checksummed: flags & 0x02 != 0,
            max_managed,
            huge_btree,
            width,
            start_block,
            max_direct,
            max_heap_bits,
            root,
            root_rows,
            filters,
            off_width,
            len_width,
            start_bits,
            first_row_bits,
            max_direct_rows,
            max_root_rows,
            sizes,
        })
    }

    /// The object named by heap ID `id`.
    pub fn object(&self, src: &Source, id: &[u8]) -> Result<Vec<u8>> {
        self.reader().object(src, id)
    }

    /// A reader for many objects, which keeps the blocks it reads (within the metadata
    /// budget) for the objects that follow.
    pub fn reader(&self) -> HeapReader<'_> {
        HeapReader {
            heap: self,
            indirect: HashMap::new(),
            direct: HashMap::new(),
            cached: 0,
            decoder: None,
        }
    }

    /// Size of the blocks in row `row` of the doubling table.
    fn row_block_size(&self, row: u64) -> Result<u64> {
        let shift = row.saturating_sub(1);
        u32::try_from(shift)
            .ok()
            .and_then(|s| self.start_block.checked_shl(s))
            .filter(|&v| v >> shift == self.start_block)
            .ok_or_else(|| self.bad_row(row))
    }

    /// Offset of row `row` within its indirect block.
    fn row_offset(&self, row: u64) -> Result<u64> {
        if row == 0 {
            return Ok(0);
        }
        let first = self.start_block * self.width; // Both powers of two below 2^first_row_bits.
        let shift = row - 1;
        u32::try_from(shift)
            .ok()
            .and_then(|s| first.checked_shl(s))
            .filter(|&v| v >> shift == first)
            .ok_or_else(|| self.bad_row(row))
    }

    fn bad_row(&self, row: u64) -> Error {
        Error::malformed(WHAT_HEADER, self.address, format!("row {row} overflows the heap"))
    }

    /// Row and column of relative offset `off` in an indirect block (`H5HF__dtable_lookup`).
    fn lookup(&self, off: u64) -> Result<(u64, u64)> {
        if off < self.start_block * self.width {
            return Ok((0, off / self.start_block));
        }
        let high = log2(off);
        // off >= start * width = 2^first_row_bits, so high >= first_row_bits.
        let row = (high - self.first_row_bits) as u64 + 1;
        let col = (off - (1u64 << high)) / self.row_block_size(row)?;
        Ok((row, col))
    }

    /// How this heap's IDs are laid out.
    pub(crate) fn id_format(&self) -> IdFormat {
        IdFormat {
            sizes: self.sizes,
            id_len: self.id_len,
            off_width: self.off_width,
            len_width: self.len_width,
            filtered: self.filters.is_some(),
        }
    }

    /// Bytes of the direct block header (signature .. checksum).
    fn direct_overhead(&self) -> u64 {
        5 + self.sizes.offset as u64 + self.off_width as u64 + if self.checksummed { 4 } else { 0 }
    }

    /// Bytes of an indirect block with `rows` rows.
    fn indirect_size(&self, rows: u64) -> Result<u64> {
        let o = self.sizes.offset as u64;
        let direct_entry =
            o + if self.filters.is_some() { self.sizes.length as u64 + 4 } else { 0 };
        let direct = rows.min(self.max_direct_rows) * self.width;
        let indirect = rows.saturating_sub(self.max_direct_rows) * self.width;
        direct
            .checked_mul(direct_entry)
            .and_then(|d| indirect.checked_mul(o).and_then(|i| d.checked_add(i)))
            .and_then(|e| e.checked_add(5 + o + self.off_width as u64 + 4))
            .ok_or_else(|| {
                Error::malformed(WHAT_HEADER, self.address, "indirect block size overflows")
            })
    }
}

/// Reads objects of one heap, caching the blocks it has read.
pub struct HeapReader<'h> {
    heap: &'h FractalHeap,
    /// Indirect block entries by (address, heap offset, rows).
    indirect: HashMap<(u64, u64, u64), Vec<Entry>>,
    /// Decoded direct blocks by (address, heap offset).
    direct: HashMap<(u64, u64), Vec<u8>>,
    /// Bytes held by the caches.
    cached: u64,
    decoder: Option<ChunkDecoder>,
}

impl std::fmt::Debug for HeapReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeapReader").field("heap", &self.heap.address).finish()
    }
}

impl HeapReader<'_> {
    /// The object named by heap ID `id`.
    pub fn object(&mut self, src: &Source, id: &[u8]) -> Result<Vec<u8>> {
        let heap = self.heap;
        if id.len() != heap.id_len as usize {
            return Err(Error::malformed(
                WHAT_ID,
                heap.address,
                format!("{}-byte ID for a heap of {}-byte IDs", id.len(), heap.id_len),
            ));
        }
        match binary::parse(id, heap.address, WHAT_ID, heap.id_format())? {
            HeapId::Managed { offset, length } => self.managed(src, offset, length),
            HeapId::Tiny(bytes) => Ok(bytes),
            HeapId::HugeDirect { address, length, filter } => {
                self.huge_object(src, address, length, filter)
            }
            HeapId::HugeKey(key) => self.huge_by_key(src, key),
        }
    }

    fn managed(&mut self, src: &Source, off: u64, len: u64) -> Result<Vec<u8>> {
        let heap = self.heap;
        if len == 0 || len > heap.max_direct {
            return Err(Error::malformed(
                WHAT_ID,
                heap.address,
                format!("managed object of {len} bytes"),
            ));
        }
        let r = self.locate(src, off)?;
        let block = self.direct_block(src, r)?;
        // `locate` guarantees r.offset <= off < r.offset + r.size.
        let start = off - r.offset;
        let end = start.checked_add(len).filter(|&e| e <= block.len() as u64);
        match end {
            Some(end) if start >= heap.direct_overhead() => {
                Ok(block[start as usize..end as usize].to_vec())
            }
            _ => Err(Error::malformed(
                WHAT_DIRECT,
                r.address,
                format!(
                    "object of {len} bytes at heap offset {off} outside the block at {} of {} bytes",
                    r.offset, r.size
                ),
            )),
        }
    }

    /// The direct block holding heap offset `off`, descending from the root.
    fn locate(&mut self, src: &Source, off: u64) -> Result<DirectRef> {
        let heap = self.heap;
        let Some(root) = heap.root else {
            return Err(Error::malformed(
                WHAT_HEADER,
                heap.address,
                format!("object at offset {off} in an empty heap"),
            ));
        };
        if heap.max_heap_bits < 64 && off >> heap.max_heap_bits != 0 {
            return Err(Error::malformed(
                WHAT_ID,
                heap.address,
                format!("offset {off} beyond the heap's 2^{} bytes", heap.max_heap_bits),
            ));
        }
        if heap.root_rows == 0 {
            if off >= heap.start_block {
                return Err(Error::malformed(
                    WHAT_ID,
                    heap.address,
                    format!("offset {off} beyond the root direct block of {}", heap.start_block),
                ));
            }
            let filtered = heap.filters.as_ref().map(|f| (f.root_size, f.root_mask));
            return Ok(DirectRef { address: root, offset: 0, size: heap.start_block, filtered });
        }
        let (mut address, mut rows, mut block_off) = (root, heap.root_rows, 0u64);
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(address) {
                return Err(Error::malformed(
                    WHAT_INDIRECT,
                    address,
                    "indirect block reached twice (cycle)",
                ));
            }
            if seen.len() as u64 > src.limits.max_depth as u64 {
                return Err(Error::limit(
                    "fractal heap indirection depth",
                    seen.len() as u64,
                    src.limits.max_depth as u64,
                ));
            }
            // `block_off` is 0 for the root and, for a child, the start of the entry whose
            // span `lookup` found to hold `off`, so it never exceeds `off`.
            let (row, col) = heap.lookup(off - block_off)?;
            if row >= rows || col >= heap.width {
                return Err(Error::malformed(
                    WHAT_INDIRECT,
                    address,
                    format!("heap offset {off} beyond the block's {rows} rows"),
                ));
            }
            let entry =
                self.indirect_entry(src, address, block_off, rows, row * heap.width + col)?;
            let size = heap.row_block_size(row)?;
            let child_off = heap
                .row_offset(row)?
                .checked_add(col * size)
                .and_then(|v| v.checked_add(block_off))
                .ok_or_else(|| heap.bad_row(row))?;
            let Some(child) = entry.address else {
                return Err(Error::malformed(
                    WHAT_INDIRECT,
                    address,
                    format!("heap offset {off} lies in an unallocated block"),
                ));
            };
            if row < heap.max_direct_rows {
                let filtered =
                    heap.filters.as_ref().map(|_| (entry.filtered_size, entry.filter_mask));
                return Ok(DirectRef { address: child, offset: child_off, size, filtered });
            }
            // A nested indirect block spanning `size` bytes: log2(size) - first_row_bits + 1
            // rows, fewer than this block's (its row is below `rows`).
            let child_rows = (log2(size) + 1).saturating_sub(heap.first_row_bits) as u64;
            if child_rows == 0 || child_rows >= rows {
                return Err(Error::malformed(
                    WHAT_INDIRECT,
                    address,
                    format!("row {row} child of {child_rows} rows"),
                ));
            }
            (address, rows, block_off) = (child, child_rows, child_off);
        }
    }

    /// Entry `index` of the indirect block at `address`.
    fn indirect_entry(
        &mut self,
        src: &Source,
        address: u64,
        block_off: u64,
        rows: u64,
        index: u64,
    ) -> Result<Entry> {
        let key = (address, block_off, rows);
        if !self.indirect.contains_key(&key) {
            let entries = self.read_indirect(src, address, block_off, rows)?;
            let bytes = entries.len() as u64 * size_of::<Entry>() as u64;
            self.make_room(src, bytes);
            self.cached += bytes;
            self.indirect.insert(key, entries);
        }
        let entries = self.indirect.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        usize::try_from(index).ok().and_then(|i| entries.get(i)).copied().ok_or_else(|| {
            Error::malformed(WHAT_INDIRECT, address, format!("entry {index} beyond the block"))
        })
    }

    fn read_indirect(
        &self,
        src: &Source,
        address: u64,
        block_off: u64,
        rows: u64,
    ) -> Result<Vec<Entry>> {
        let heap = self.heap;
        let sizes = src.sizes;
        let size = heap.indirect_size(rows)?;
        let buf = src.block(address, size, WHAT_INDIRECT)?;
        // The block fits in the metadata budget, so its entry counts are bounded.
        let direct = rows.min(heap.max_direct_rows) * heap.width;
        let indirect = rows * heap.width - direct;
        let args =
            (sizes, heap.off_width, heap.filters.is_some(), direct as usize, indirect as usize);
        let b: IndirectBlock = binary::parse(&buf, address, WHAT_INDIRECT, args)?;
        let bad = |detail: String| Error::malformed(WHAT_INDIRECT, address, detail);
        if b.heap_header.0 != heap.address {
            return Err(bad(format!("belongs to the heap at {:#x}", b.heap_header.0)));
        }
        if b.block_offset != block_off {
            return Err(bad(format!("block offset {}, expected {block_off}", b.block_offset)));
        }
        let direct = b.direct_entries.iter().map(|e| Entry {
            address: e.address.0,
            filtered_size: e.filtered_size.map_or(0, |l| l.0),
            filter_mask: e.filter_mask.unwrap_or(0),
        });
        let indirect = b.indirect_entries.iter().map(|a| Entry {
            address: a.0,
            filtered_size: 0,
            filter_mask: 0,
        });
        Ok(direct.chain(indirect).collect())
    }

    /// Drop the caches if `bytes` more would pass the metadata budget.
    fn make_room(&mut self, src: &Source, bytes: u64) {
        if self.cached.saturating_add(bytes) > src.limits.max_metadata_block {
            self.indirect.clear();
            self.direct.clear();
            self.cached = 0;
        }
    }

    /// The decoded, checked bytes of a direct block.
    fn direct_block(&mut self, src: &Source, r: DirectRef) -> Result<&[u8]> {
        let key = (r.address, r.offset);
        if !self.direct.contains_key(&key) {
            let block = self.read_direct(src, r)?;
            self.make_room(src, block.len() as u64);
            self.cached += block.len() as u64;
            self.direct.insert(key, block);
        }
        Ok(self.direct.get(&key).map(Vec::as_slice).unwrap_or(&[]))
    }

    fn read_direct(&mut self, src: &Source, r: DirectRef) -> Result<Vec<u8>> {
        let heap = self.heap;
        let sizes = src.sizes;
        if r.size < heap.direct_overhead() {
            return Err(Error::malformed(
                WHAT_DIRECT,
                r.address,
                format!("block of {} bytes is smaller than its header", r.size),
            ));
        }
        let mut block = match (&heap.filters, r.filtered) {
            (Some(f), Some((stored, mask))) => {
                if r.size > src.limits.max_metadata_block {
                    return Err(Error::limit(WHAT_DIRECT, r.size, src.limits.max_metadata_block));
                }
                let raw = src.block(r.address, stored, WHAT_DIRECT)?;
                // alloc: r.size <= max_metadata_block (checked above)
                let mut out = vec![0u8; r.size as usize];
                let decoder = self.decoder.get_or_insert_with(ChunkDecoder::new);
                decoder
                    .decode(&f.pipeline, mask, &raw, &mut out, r.size)
                    .map_err(|e| rebrand(e, WHAT_DIRECT, r.address))?;
                out
            }
            _ => src.block(r.address, r.size, WHAT_DIRECT)?,
        };
        let args = (sizes, heap.off_width, heap.checksummed);
        let (h, len): (DirectBlockHeader, usize) =
            binary::parse_prefix(&block, r.address, WHAT_DIRECT, args)?;
        let bad = |detail: String| Error::malformed(WHAT_DIRECT, r.address, detail);
        if h.heap_header.0 != heap.address {
            return Err(bad(format!("belongs to the heap at {:#x}", h.heap_header.0)));
        }
        if h.block_offset != r.offset {
            return Err(bad(format!("block offset {}, expected {}", h.block_offset, r.offset)));
        }
        if let Some(stored) = h.checksum {
            let computed = DirectBlockHeader::block_checksum(&mut block, len);
            if stored != computed {
                return Err(bad(format!(
                    "checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
                )));
            }
        }
        Ok(block)
    }

    /// A huge object found through the heap's huge object B-tree.
    fn huge_by_key(&mut self, src: &Source, key: u64) -> Result<Vec<u8>> {
        let heap = self.heap;
        let sizes = src.sizes;
        let (o, l) = (sizes.offset as usize, sizes.length as usize);
        let filtered = heap.filters.is_some();
        let Some(bt) = heap.huge_btree else {
            return Err(Error::malformed(
                WHAT_ID,
                heap.address,
                "huge object ID in a heap without a huge object B-tree",
            ));
        };
        let tree = BTreeV2::read(src, bt)?;
        let want = if filtered { btree_v2::kind::HUGE_FILTERED } else { btree_v2::kind::HUGE };
        let rec_len = if filtered { o + 2 * l + 4 + l } else { o + 2 * l };
        if tree.kind != want || tree.record_size as usize != rec_len {
            return Err(Error::malformed(
                WHAT_HUGE,
                bt,
                format!(
                    "B-tree of type {} with {}-byte records for huge objects",
                    tree.kind, tree.record_size
                ),
            ));
        }
        // Records sort by ID; every record is `rec_len` bytes (checked above).
        let rec = |r: &[u8]| -> Result<HugeObjectRecord> {
            binary::parse(r, bt, WHAT_HUGE, (sizes, filtered))
        };
        let found = tree.find(src, |r| Ok(rec(r)?.id.0.cmp(&key)))?.ok_or_else(|| {
            Error::malformed(WHAT_HUGE, bt, format!("no huge object with ID {key}"))
        })?;
        let r = rec(&found)?;
        let filter = r.filter_mask.zip(r.memory_size.map(|m| m.0));
        self.huge_object(src, r.address.0, r.length.0, filter)
    }

    /// The huge object of `length` stored bytes at `address`, decoded when `filter` (mask,
    /// decoded size) says it was filtered.
    fn huge_object(
        &mut self,
        src: &Source,
        address: u64,
        length: u64,
        filter: Option<(u32, u64)>,
    ) -> Result<Vec<u8>> {
        let heap = self.heap;
        let max = src.limits.max_read_bytes;
        if length > max {
            return Err(Error::limit(WHAT_HUGE, length, max));
        }
        src.check_range(address, length, WHAT_HUGE)?;
        // alloc: length <= max_read_bytes and fits in the file (checked above)
        let mut raw = vec![0u8; length as usize];
        src.read_into(address, &mut raw, WHAT_HUGE)?;
        match (filter, &heap.filters) {
            (Some((mask, size)), Some(f)) => {
                if size > max {
                    return Err(Error::limit(WHAT_HUGE, size, max));
                }
                // alloc: size <= max_read_bytes (checked above)
                let mut out = vec![0u8; size as usize];
                let decoder = self.decoder.get_or_insert_with(ChunkDecoder::new);
                decoder
                    .decode(&f.pipeline, mask, &raw, &mut out, size)
                    .map_err(|e| rebrand(e, WHAT_HUGE, address))?;
                Ok(out)
            }
            _ => Ok(raw),
        }
    }
}

/// Name the heap structure in a filter decoding error (the pipeline reports "chunk").
fn rebrand(e: Error, what: &'static str, address: u64) -> Error {
    match e {
        Error::Malformed { detail, .. } => Error::malformed(what, address, detail),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::ChunkEncoder;
    use crate::raw::binary::test_bytes::Bytes as Encoder;
    use crate::raw::btree_v2::tests::{header as bt_header, leaf as bt_leaf, source};
    use crate::raw::checksum::lookup3;
    use crate::raw::messages::filter_pipeline::{Filter, id};

    const HEAP: u64 = 0;

    /// Heap parameters of the hand-built heaps: 8-byte IDs, width 2, 256-byte starting
    /// blocks, 512-byte largest direct blocks, 16-bit address space.
    struct Params {
        root: u64,
        root_rows: u16,
        checksummed: bool,
        huge_btree: u64,
        filters: Option<(FilterPipeline, u64, u32)>,
        max_direct: u64,
    }

    fn heap_header(p: &Params) -> Vec<u8> {
        let mut h = Encoder::new();
        let pline = p.filters.as_ref().map(|(pl, ..)| pl.encode_v1()).unwrap_or_default();
        h.bytes(b"FRHP").u8(0).u16(8).u16(pline.len() as u16);
        h.u8(if p.checksummed { 2 } else { 0 });
        h.u32(1000).u64(1).u64(p.huge_btree).u64(0).u64(u64::MAX);
        h.u64(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0);
        h.u16(2).u64(256).u64(p.max_direct).u16(16).u16(1).u64(p.root).u16(p.root_rows);
        if let Some((_, size, mask)) = &p.filters {
            h.u64(*size).u32(*mask).bytes(&pline);
        }
        let sum = lookup3(&h.buf, 0);
        h.u32(sum);
        h.buf
    }

    /// A direct block of `size` bytes at heap offset `off` whose data area starts with
    /// `data` (offset width 2 bytes: the header is 4 + 1 + 8 + 2 (+ 4) bytes).
    fn direct(off: u64, size: usize, checksummed: bool, data: &[u8]) -> Vec<u8> {
        let mut e = Encoder::new();
        e.bytes(b"FHDB").u8(0).u64(HEAP).uint(off, 2);
        let sum_at = e.len();
        if checksummed {
            e.u32(0);
        }
        e.bytes(data);
        e.zeros(size - e.len());
        if checksummed {
            let sum = lookup3(&e.buf, 0);
            e.buf[sum_at..sum_at + 4].copy_from_slice(&sum.to_le_bytes());
        }
        e.buf
    }

    fn indirect(off: u64, entries: &[(u64, Option<(u64, u32)>)]) -> Vec<u8> {
        let mut e = Encoder::new();
        e.bytes(b"FHIB").u8(0).u64(HEAP).uint(off, 2);
        for &(addr, filt) in entries {
            e.u64(addr);
            if let Some((size, mask)) = filt {
                e.u64(size).u32(mask);
            }
        }
        let sum = lookup3(&e.buf, 0);
        e.u32(sum);
        e.buf
    }

    fn put(file: &mut Vec<u8>, at: usize, bytes: &[u8]) {
        if file.len() < at + bytes.len() {
            file.resize(at + bytes.len(), 0);
        }
        file[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// A managed ID: offset in 2 bytes (16-bit heap), length in 2 bytes, padded to 8.
    fn managed_id(off: u64, len: u64) -> Vec<u8> {
        let mut e = Encoder::new();
        e.u8(0).uint(off, 2).uint(len, 2).zeros(3);
        e.buf
    }

    fn params(root: u64, root_rows: u16) -> Params {
        Params {
            root,
            root_rows,
            checksummed: true,
            huge_btree: u64::MAX,
            filters: None,
            max_direct: 512,
        }
    }

    #[test]
    fn derives_the_doubling_table() {
        let src = source(heap_header(&params(u64::MAX, 0)));
        let h = FractalHeap::read(&src, 0).unwrap();
        assert_eq!((h.off_width, h.len_width), (2, 2)); // min(bytes(512 offsets), enc(1000))
        assert_eq!((h.start_bits, h.first_row_bits), (8, 9));
        assert_eq!((h.max_direct_rows, h.max_root_rows), (3, 8));
        assert_eq!(h.row_block_size(0).unwrap(), 256);
        assert_eq!(h.row_block_size(1).unwrap(), 256);
        assert_eq!(h.row_block_size(3).unwrap(), 1024);
        assert_eq!(h.row_offset(1).unwrap(), 512);
        assert_eq!(h.row_offset(3).unwrap(), 2048);
        assert_eq!(h.lookup(300).unwrap(), (0, 1));
        assert_eq!(h.lookup(600).unwrap(), (1, 0));
        assert_eq!(h.lookup(1100).unwrap(), (2, 0));
        assert_eq!(h.lookup(1600).unwrap(), (2, 1));
        assert_eq!(h.lookup(2048).unwrap(), (3, 0));
    }

    #[test]
    fn tiny_objects_live_in_the_id() {
        let src = source(heap_header(&params(u64::MAX, 0)));
        let h = FractalHeap::read(&src, 0).unwrap();
        let id = [0x20 | 2, b'a', b'b', b'c', 0, 0, 0, 0];
        assert_eq!(h.object(&src, &id).unwrap(), b"abc");
        // Longer than the ID: an error.
        let id = [0x20 | 9, 0, 0, 0, 0, 0, 0, 0];
        assert!(h.object(&src, &id).unwrap_err().is_corrupt());
        // Wrong ID length, version and type.
        assert!(h.object(&src, &[0x20, 1]).is_err());
        assert!(h.object(&src, &[0x60, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(h.object(&src, &[0x40, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn managed_objects_in_a_root_direct_block() {
        let mut f = heap_header(&params(512, 0));
        // Data starts after 4+1+8+2+4 = 19 header bytes.
        put(&mut f, 512, &direct(0, 256, true, b"hello world"));
        let src = source(f.clone());
        let h = FractalHeap::read(&src, 0).unwrap();
        assert_eq!(h.object(&src, &managed_id(19, 5)).unwrap(), b"hello");
        assert_eq!(h.object(&src, &managed_id(25, 5)).unwrap(), b"world");
        // Inside the block header, past the block, or past the root block: errors.
        assert!(h.object(&src, &managed_id(2, 5)).unwrap_err().is_corrupt());
        assert!(h.object(&src, &managed_id(250, 10)).unwrap_err().is_corrupt());
        assert!(h.object(&src, &managed_id(300, 5)).unwrap_err().is_corrupt());
        assert!(h.object(&src, &managed_id(19, 0)).unwrap_err().is_corrupt());
        // A corrupted data byte breaks the block checksum.
        let mut bad = f.clone();
        bad[512 + 30] ^= 1;
        let src = source(bad);
        assert!(h.object(&src, &managed_id(19, 5)).unwrap_err().is_corrupt());
        // A block claiming another heap offset.
        let mut bad = f;
        put(&mut bad, 512, &direct(256, 256, true, b"hello world"));
        let src = source(bad);
        assert!(h.object(&src, &managed_id(19, 5)).unwrap_err().is_corrupt());
    }

    /// A root indirect block of 4 rows at 1024: rows 0-2 direct (256, 256, 512 bytes,
    /// two columns each), row 3 a nested indirect block spanning 1024 bytes (2 rows).
    fn nested() -> Vec<u8> {
        let mut f = heap_header(&params(1024, 4));
        let mut root = vec![(u64::MAX, None); 8];
        root[0] = (2048, None); // row 0 col 0: offset 0
        root[5] = (3072, None); // row 2 col 1: offset 1536, 512 bytes
        root[6] = (4096, None); // row 3 col 0: nested, offset 2048
        put(&mut f, 1024, &indirect(0, &root));
        put(&mut f, 2048, &direct(0, 256, true, b"first"));
        put(&mut f, 3072, &direct(1536, 512, true, b"second"));
        // The nested block: 2 rows x 2 columns, all direct; row 1 col 1 at offset 2048+768.
        let mut child = vec![(u64::MAX, None); 4];
        child[3] = (5120, None);
        put(&mut f, 4096, &indirect(2048, &child));
        put(&mut f, 5120, &direct(2048 + 768, 256, true, b"third"));
        f
    }

    #[test]
    fn managed_objects_through_nested_indirect_blocks() {
        let f = nested();
        let src = source(f.clone());
        let h = FractalHeap::read(&src, 0).unwrap();
        let mut r = h.reader();
        assert_eq!(r.object(&src, &managed_id(19, 5)).unwrap(), b"first");
        assert_eq!(r.object(&src, &managed_id(1536 + 19, 6)).unwrap(), b"second");
        assert_eq!(r.object(&src, &managed_id(2048 + 768 + 19, 5)).unwrap(), b"third");
        // Offsets in unallocated blocks.
        assert!(r.object(&src, &managed_id(300, 5)).unwrap_err().is_corrupt());
        assert!(r.object(&src, &managed_id(2048 + 19, 5)).unwrap_err().is_corrupt());
        // Beyond the root's 4 rows.
        assert!(r.object(&src, &managed_id(4096 + 19, 5)).unwrap_err().is_corrupt());
    }

    #[test]
    fn hostile_heaps_fail_cleanly() {
        let good = nested();
        let id = managed_id(2048 + 768 + 19, 5);
        // Every truncation: an error, never a panic.
        for n in [0, 50, 150, 1030, 1100, 2100, 4100, 5150] {
            let src = source(good[..n].to_vec());
            let r = FractalHeap::read(&src, 0).and_then(|h| h.object(&src, &id));
            assert!(r.is_err(), "truncated at {n}");
        }
        // A nested indirect block pointing back at the root.
        let mut f = good.clone();
        let mut root = vec![(u64::MAX, None); 8];
        root[6] = (1024, None);
        put(&mut f, 1024, &indirect(0, &root));
        let src = source(f);
        let h = FractalHeap::read(&src, 0).unwrap();
        assert!(h.object(&src, &id).unwrap_err().is_corrupt());
        // A header with a bad table width, heap size or root row count.
        for (w, bits, rows) in [(3u16, 16u16, 4u16), (2, 70, 4), (2, 4, 0), (2, 16, 60)] {
            let mut buf = heap_header(&params(1024, rows))[..142].to_vec();
            buf[110..112].copy_from_slice(&w.to_le_bytes());
            buf[128..130].copy_from_slice(&bits.to_le_bytes());
            let sum = lookup3(&buf, 0);
            buf.extend_from_slice(&sum.to_le_bytes());
            let src = source(buf);
            assert!(FractalHeap::read(&src, 0).unwrap_err().is_corrupt(), "{w} {bits} {rows}");
        }
        // A bad header checksum.
        let mut f = good;
        f[20] ^= 1;
        assert!(FractalHeap::read(&source(f), 0).unwrap_err().is_corrupt());
    }

    #[test]
    fn huge_objects_direct_and_through_the_btree() {
        // IDs of 17 bytes hold address and length directly.
        let mut p = params(u64::MAX, 0);
        let mut f = heap_header(&p);
        f[5..7].copy_from_slice(&17u16.to_le_bytes());
        let n = f.len() - 4;
        let sum = lookup3(&f[..n], 0);
        f[n..].copy_from_slice(&sum.to_le_bytes());
        put(&mut f, 600, b"a huge object");
        let src = source(f);
        let h = FractalHeap::read(&src, 0).unwrap();
        let mut id = Encoder::new();
        id.u8(0x10).u64(600).u64(13);
        assert_eq!(h.object(&src, &id.buf).unwrap(), b"a huge object");
        let mut id = Encoder::new();
        id.u8(0x10).u64(600).u64(1 << 40);
        assert!(h.object(&src, &id.buf).is_err());

        // 8-byte IDs hold a 7-byte key into a type 1 B-tree: (address, length, ID).
        p.huge_btree = 300;
        let mut f = heap_header(&p);
        let recs: Vec<Vec<u8>> = [(1u64, 700u64, 4u64), (2, 800, 6)]
            .iter()
            .map(|&(key, addr, len)| {
                let mut e = Encoder::new();
                e.u64(addr).u64(len).u64(key);
                e.buf
            })
            .collect();
        put(&mut f, 300, &bt_header(btree_v2::kind::HUGE, 512, 24, 0, 400, 2, 2));
        put(&mut f, 400, &bt_leaf(btree_v2::kind::HUGE, &recs));
        put(&mut f, 700, b"four");
        put(&mut f, 800, b"sixsix");
        let src = source(f);
        let h = FractalHeap::read(&src, 0).unwrap();
        let key = |k: u64| {
            let mut e = Encoder::new();
            e.u8(0x10).uint(k, 7);
            e.buf
        };
        assert_eq!(h.object(&src, &key(1)).unwrap(), b"four");
        assert_eq!(h.object(&src, &key(2)).unwrap(), b"sixsix");
        assert!(h.object(&src, &key(3)).unwrap_err().is_corrupt());
    }

    #[test]
    fn filtered_direct_blocks_are_inflated() {
        let pipeline = FilterPipeline {
            filters: vec![Filter { id: id::DEFLATE, name: None, flags: 0, params: vec![6] }],
        };
        let plain = direct(0, 256, true, b"compressed hello");
        let mut packed = Vec::new();
        ChunkEncoder::new(&pipeline).unwrap().encode(&pipeline, &plain, &mut packed);
        let mut p = params(512, 0);
        p.filters = Some((pipeline, packed.len() as u64, 0));
        let mut f = heap_header(&p);
        put(&mut f, 512, &packed);
        let src = source(f.clone());
        let h = FractalHeap::read(&src, 0).unwrap();
        assert!(h.filters.is_some());
        assert_eq!(h.object(&src, &managed_id(19, 10)).unwrap(), b"compressed");
        // A corrupt stream is an error.
        let mut bad = f;
        let n = bad.len();
        bad[n - 3] ^= 0xff;
        let src = source(bad);
        assert!(h.object(&src, &managed_id(19, 10)).is_err());
    }
}
