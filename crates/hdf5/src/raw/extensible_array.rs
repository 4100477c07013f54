//! Extensible arrays (spec Appendix C, VII.D: `EAHD` header, `EAIB` index block, `EASB`
//! secondary blocks, `EADB` data blocks, data block pages), the chunk index of layout v4/v5
//! datasets with exactly one unlimited dimension.
//!
//! Element `i` lives in the index block when `i` is below "Index Blk Elmts"; the rest are
//! grouped into "super blocks" `u = 0, 1, ..` of `2^(u/2)` data blocks holding
//! `2^((u+1)/2) * Data Blk Min Elmts` elements each. The data blocks of the first
//! `2 * log2(Secondary Blk Min Data Ptrs)` super blocks are pointed to by the index block
//! directly; later super blocks are secondary blocks listing their data blocks. Data blocks with
//! more than 2^page_bits elements are paged: the pages follow the data block, each with its own
//! checksum, and the secondary block keeps a bitmap of the initialized ones. This layout
//! (implicit in the spec) is the one libhdf5's `H5EA` code writes; the stored block offsets
//! are checked against it. (libhdf5 records the offset of a data block the index block points
//! to as `super block start + index-block-wide data block number * block elements`, not the
//! block's true first element; both values are accepted.)
//!
//! Elements past "Max Index Set" are never read; every block is read at most once.

use super::binary::{self, Len, MaybeAddr, Sealed, Sizes, bytes, uint, uint_w, vec};
use super::fixed_array::{ArrayElement, ChunkElement, ElementFormat, bit, block_len};
use super::source::Source;
use crate::{Error, Result};
use binrw::binrw;
use std::collections::HashSet;

/// The stored header (`EAHD`).
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// Checked after the checksum: an unknown version is unsupported, not corrupt.
    #[brw(magic = b"EAHD")]
    pub version: u8,
    pub client_id: u8,
    pub element_size: u8,
    pub max_nelmts_bits: u8,
    pub index_block_elements: u8,
    pub data_block_min_elements: u8,
    pub secondary_block_min_pointers: u8,
    pub page_bits: u8,
    #[brw(args_raw = s)]
    pub secondary_blocks: Len,
    #[brw(args_raw = s)]
    pub secondary_blocks_size: Len,
    #[brw(args_raw = s)]
    pub data_blocks: Len,
    #[brw(args_raw = s)]
    pub data_blocks_size: Len,
    #[brw(args_raw = s)]
    pub max_index_set: Len,
    #[brw(args_raw = s)]
    pub realized_elements: Len,
    #[brw(args_raw = s)]
    pub index_block: MaybeAddr,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// What every block after the header starts with (after its signature): version, client
/// ID and the header's address.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockPrefix {
    #[br(assert(version == 0, "version {}", version))]
    pub version: u8,
    pub client_id: u8,
    #[brw(args_raw = s)]
    pub header: MaybeAddr,
}

/// The index block (`EAIB`): the first elements, then data block and secondary block
/// addresses.
#[binrw]
#[brw(little, import(s: Sizes, size_width: u8, entry_size: usize, elements: usize, data_blocks: usize, secondary_blocks: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IndexBlock {
    #[brw(magic = b"EAIB", args_raw = s)]
    pub prefix: BlockPrefix,
    #[br(parse_with = vec, args(elements, entry_size, (s, size_width)))]
    #[bw(args(s, size_width))]
    pub elements: Vec<ArrayElement>,
    #[br(parse_with = vec, args(data_blocks, s.offset as usize, s))]
    #[bw(args_raw = s)]
    pub data_blocks: Vec<MaybeAddr>,
    #[br(parse_with = vec, args(secondary_blocks, s.offset as usize, s))]
    #[bw(args_raw = s)]
    pub secondary_blocks: Vec<MaybeAddr>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// A secondary block (`EASB`): its super block's first element, the page bitmap of its
/// data blocks (when paged), and their addresses.
#[binrw]
#[brw(little, import(s: Sizes, offset_width: u8, bitmap: usize, data_blocks: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecondaryBlock {
    #[brw(magic = b"EASB", args_raw = s)]
    pub prefix: BlockPrefix,
    #[br(parse_with = uint, args(offset_width))]
    #[bw(write_with = uint_w, args(offset_width))]
    pub block_offset: u64,
    #[br(parse_with = bytes, args(bitmap))]
    pub page_bitmap: Vec<u8>,
    #[br(parse_with = vec, args(data_blocks, s.offset as usize, s))]
    #[bw(args_raw = s)]
    pub data_blocks: Vec<MaybeAddr>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// A data block (`EADB`): its first element's index and, unless paged, its elements (pages
/// follow the block, each a [`super::fixed_array::Page`]).
#[binrw]
#[brw(little, import(s: Sizes, offset_width: u8, size_width: u8, entry_size: usize, elements: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DataBlockEa {
    #[brw(magic = b"EADB", args_raw = s)]
    pub prefix: BlockPrefix,
    #[br(parse_with = uint, args(offset_width))]
    #[bw(write_with = uint_w, args(offset_width))]
    pub block_offset: u64,
    #[br(parse_with = vec, args(elements, entry_size, (s, size_width)))]
    #[bw(args(s, size_width))]
    pub elements: Vec<ArrayElement>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

const HEADER: &str = "extensible array header";
const INDEX_BLOCK: &str = "extensible array index block";
const SECONDARY_BLOCK: &str = "extensible array secondary block";
const DATA_BLOCK: &str = "extensible array data block";
const PAGE: &str = "extensible array data block page";

/// An extensible array header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensibleArray {
    /// Address of the header.
    pub addr: u64,
    /// Element encoding.
    pub format: ElementFormat,
    /// Bits needed to store the maximum number of elements (1..=64).
    pub max_nelmts_bits: u8,
    /// Elements stored in the index block.
    pub index_block_elements: u8,
    /// Elements in the data blocks of super block 0 (a power of two).
    pub data_block_min_elements: u8,
    /// Data block pointers of the first secondary block (a power of two).
    pub secondary_block_min_pointers: u8,
    /// log2 of the elements per data block page (below 64).
    pub page_bits: u8,
    /// One more than the highest element index ever set.
    pub max_index_set: u64,
    /// Address of the index block (`None`: no elements).
    pub index_block: Option<u64>,
}

/// Geometry of super block `u`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SuperBlock {
    /// Data blocks in it.
    data_blocks: u64,
    /// Elements per data block.
    block_elements: u64,
    /// Index of its first element, counted after the index block's elements.
    start: u128,
    /// Index of its first data block over all super blocks.
    first_block: u64,
}

/// The data blocks of one super block.
struct DataBlocks {
    /// Their addresses (`None`: not allocated).
    addrs: Vec<Option<u64>>,
    /// The secondary block's bitmap of initialized pages, when the data blocks are paged.
    bitmap: Option<Vec<u8>>,
}

/// A data block to read.
struct DataBlock {
    /// Its address.
    addr: u64,
    /// Index of its first element, counted after the index block's elements.
    offset: u64,
    /// Another block offset value to accept (libhdf5's for the index block's data blocks).
    quirk: Option<u64>,
    /// Elements it holds.
    elements: u64,
    /// Elements below the maximum index set.
    used: u64,
}

/// The index block, decoded.
struct IndexBlockEntries {
    elements: Vec<ArrayElement>,
    data_blocks: Vec<Option<u64>>,
    secondary_blocks: Vec<Option<u64>>,
}

impl ExtensibleArray {
    /// Read and verify the header at `addr`.
    pub fn read(src: &Source, addr: u64) -> Result<ExtensibleArray> {
        let sizes = src.sizes;
        // 12 one-byte fields (signature included), 6 lengths, the index block address.
        let body = 12 + 6 * sizes.length as usize + sizes.offset as usize;
        let buf = src.block(addr, body as u64 + 4, HEADER)?;
        let h: Header = binary::parse(&buf, addr, HEADER, sizes)?;
        if h.version != 0 {
            return Err(Error::unsupported(format!("extensible array version {}", h.version)));
        }
        let format = ElementFormat::new(h.client_id, h.element_size, sizes, HEADER, addr + 6)?;
        let max_nelmts_bits = h.max_nelmts_bits;
        let index_block_elements = h.index_block_elements;
        let data_block_min_elements = h.data_block_min_elements;
        let secondary_block_min_pointers = h.secondary_block_min_pointers;
        let page_bits = h.page_bits;
        let bad = |detail: String| Error::malformed(HEADER, addr, detail);
        if !(1..=64).contains(&max_nelmts_bits) {
            return Err(bad(format!("{max_nelmts_bits} bits for the element count")));
        }
        if !data_block_min_elements.is_power_of_two()
            || data_block_min_elements.trailing_zeros() > max_nelmts_bits as u32
        {
            return Err(bad(format!("{data_block_min_elements} minimum data block elements")));
        }
        if !secondary_block_min_pointers.is_power_of_two() {
            return Err(bad(format!(
                "{secondary_block_min_pointers} minimum secondary block pointers"
            )));
        }
        if page_bits >= 64 {
            return Err(bad(format!("{page_bits} page bits")));
        }
        let max_index_set = h.max_index_set.0;
        let index_block = h.index_block.0;
        let ea = ExtensibleArray {
            addr,
            format,
            max_nelmts_bits,
            index_block_elements,
            data_block_min_elements,
            secondary_block_min_pointers,
            page_bits,
            max_index_set,
            index_block,
        };
        if ea.super_block_count() < ea.index_super_blocks() {
            return Err(bad(format!(
                "{} super blocks, fewer than the {} the index block covers",
                ea.super_block_count(),
                ea.index_super_blocks()
            )));
        }
        Ok(ea)
    }

    /// Elements per data block page.
    fn page_elements(&self) -> u64 {
        // `page_bits < 64` was checked by `read`.
        1u64 << self.page_bits
    }

    /// Bytes of a block offset field.
    fn offset_width(&self) -> u8 {
        self.max_nelmts_bits.div_ceil(8)
    }

    /// Number of super blocks: `1 + max_nelmts_bits - log2(data_block_min_elements)`, at most 65.
    fn super_block_count(&self) -> u32 {
        // `read` checked log2(min elements) <= max_nelmts_bits.
        1 + self.max_nelmts_bits as u32 - self.data_block_min_elements.trailing_zeros()
    }

    /// Super blocks whose data blocks the index block points to directly.
    fn index_super_blocks(&self) -> u32 {
        2 * self.secondary_block_min_pointers.trailing_zeros()
    }

    /// Data block addresses in the index block: `2 * (min pointers - 1)`.
    fn index_data_blocks(&self) -> u64 {
        2 * (self.secondary_block_min_pointers as u64 - 1)
    }

    fn super_blocks(&self) -> Vec<SuperBlock> {
        let min = self.data_block_min_elements as u64;
        // alloc: super_block_count <= 1 + 255 (max_nelmts_bits is one byte)
        let mut out = Vec::with_capacity(self.super_block_count() as usize);
        let (mut start, mut first_block) = (0u128, 0u64);
        for u in 0..self.super_block_count() {
            // u <= 64: at most 2^32 blocks of 2^32 * 128 elements each, no overflow.
            let data_blocks = 1u64 << (u / 2);
            let block_elements = (1u64 << u.div_ceil(2)) * min;
            out.push(SuperBlock { data_blocks, block_elements, start, first_block });
            start += data_blocks as u128 * block_elements as u128;
            first_block = first_block.saturating_add(data_blocks);
        }
        out
    }

    /// Call `f(index, entry)` for every element with a defined address below the maximum
    /// index set, in index order.
    pub fn for_each(
        &self,
        src: &Source,
        mut f: impl FnMut(u64, ChunkElement) -> Result<()>,
    ) -> Result<()> {
        let Some(ib_addr) = self.index_block else {
            return Ok(());
        };
        let limit = self.max_index_set;
        let mut seen = HashSet::new();
        seen.insert(self.addr);
        visit(&mut seen, ib_addr, INDEX_BLOCK)?;
        let ib = self.read_index_block(src, ib_addr)?;
        let in_ib = (self.index_block_elements as u64).min(limit);
        let used = &ib.elements[..(in_ib as usize).min(ib.elements.len())];
        self.format.each(used, 0, INDEX_BLOCK, ib_addr, &mut f)?;
        let base = self.index_block_elements as u128;
        for (u, sb) in self.super_blocks().iter().enumerate() {
            let sb_start = base + sb.start;
            if sb_start >= limit as u128 {
                break;
            }
            let in_index_block = (u as u32) < self.index_super_blocks();
            let DataBlocks { addrs, bitmap } = if in_index_block {
                // `first_block + data_blocks <= index_data_blocks` for these super blocks.
                let lo = sb.first_block as usize;
                let hi = lo + sb.data_blocks as usize;
                let addrs = ib.data_blocks.get(lo..hi).ok_or_else(|| {
                    Error::malformed(INDEX_BLOCK, ib_addr, "too few data block addresses")
                })?;
                DataBlocks { addrs: addrs.to_vec(), bitmap: None }
            } else {
                let slot = u - self.index_super_blocks() as usize;
                let Some(&sb_addr) = ib.secondary_blocks.get(slot) else {
                    return Err(Error::malformed(INDEX_BLOCK, ib_addr, "too few secondary blocks"));
                };
                let Some(sb_addr) = sb_addr else { continue };
                visit(&mut seen, sb_addr, SECONDARY_BLOCK)?;
                self.read_secondary_block(src, sb_addr, sb, limit - base as u64)?
            };
            for (j, addr) in addrs.iter().enumerate() {
                let offset = sb.start + j as u128 * sb.block_elements as u128;
                if base + offset >= limit as u128 {
                    break;
                }
                let Some(addr) = *addr else { continue };
                visit(&mut seen, addr, DATA_BLOCK)?;
                // `base + offset < limit <= u64::MAX`.
                let offset = offset as u64;
                let n = sb.block_elements.min(limit - base as u64 - offset);
                let pages = bitmap.as_deref().map(|b| (b, j as u64));
                // libhdf5's stored offset for data blocks of the index block (see the module doc).
                let quirk = (sb.first_block + j as u64)
                    .checked_mul(sb.block_elements)
                    .and_then(|o| o.checked_add(sb.start as u64))
                    .filter(|_| in_index_block);
                let block = DataBlock { addr, offset, quirk, elements: sb.block_elements, used: n };
                self.read_data_block(src, &block, pages, &mut f)?;
            }
        }
        Ok(())
    }

    fn check_prefix(&self, p: &BlockPrefix, what: &'static str, addr: u64) -> Result<()> {
        if p.client_id != self.format.filtered as u8 {
            return Err(Error::malformed(
                what,
                addr,
                format!("client ID {} differs from the header's", p.client_id),
            ));
        }
        if p.header.0 != Some(self.addr) {
            return Err(Error::malformed(
                what,
                addr,
                format!("header address {:?}, expected {:#x}", p.header.0, self.addr),
            ));
        }
        Ok(())
    }

    fn check_offset(
        &self,
        got: u64,
        expected: u64,
        alternative: Option<u64>,
        what: &'static str,
        addr: u64,
    ) -> Result<()> {
        if got != expected && Some(got) != alternative {
            return Err(Error::malformed(
                what,
                addr,
                format!("block offset {got}, expected {expected}"),
            ));
        }
        Ok(())
    }

    fn read_index_block(&self, src: &Source, addr: u64) -> Result<IndexBlockEntries> {
        let sizes = src.sizes;
        let o = sizes.offset as u64;
        let n_data = self.index_data_blocks();
        let n_secondary = (self.super_block_count() - self.index_super_blocks()) as u64;
        let es = self.format.entry_size as u64;
        let n_elements = self.index_block_elements as u64;
        let elements_len = block_len(n_elements, es, 0, INDEX_BLOCK, addr)?;
        // At most 255 elements and 65 + 508 addresses: no overflow.
        let body = 6 + o + elements_len + (n_data + n_secondary) * o;
        let buf = src.block(addr, body + 4, INDEX_BLOCK)?;
        let args = (
            sizes,
            self.format.size_width(),
            es as usize,
            n_elements as usize,
            n_data as usize,
            n_secondary as usize,
        );
        let ib: IndexBlock = binary::parse(&buf, addr, INDEX_BLOCK, args)?;
        self.check_prefix(&ib.prefix, INDEX_BLOCK, addr)?;
        Ok(IndexBlockEntries {
            elements: ib.elements,
            data_blocks: ib.data_blocks.iter().map(|a| a.0).collect(),
            secondary_blocks: ib.secondary_blocks.iter().map(|a| a.0).collect(),
        })
    }

    /// Data block addresses of a secondary block, and its page bitmap when its data blocks
    /// are paged. Only the addresses of blocks starting below `limit` (an index counted after
    /// the index block's elements) are decoded.
    fn read_secondary_block(
        &self,
        src: &Source,
        addr: u64,
        sb: &SuperBlock,
        limit: u64,
    ) -> Result<DataBlocks> {
        let sizes = src.sizes;
        let o = sizes.offset as u64;
        let page = self.page_elements();
        let bitmap_len = if sb.block_elements > page {
            // Both are powers of two, so pages divide the block exactly.
            let pages = sb.block_elements / page;
            block_len(sb.data_blocks, pages.div_ceil(8), 0, SECONDARY_BLOCK, addr)?
        } else {
            0
        };
        let fixed = 6 + o + self.offset_width() as u64;
        let body = block_len(sb.data_blocks, o, fixed + bitmap_len, SECONDARY_BLOCK, addr)?;
        let buf = src.block(addr, body + 4, SECONDARY_BLOCK)?;
        // `body + 4` bytes were read, so every length below fits in usize.
        let args = (sizes, self.offset_width(), bitmap_len as usize, sb.data_blocks as usize);
        let b: SecondaryBlock = binary::parse(&buf, addr, SECONDARY_BLOCK, args)?;
        self.check_prefix(&b.prefix, SECONDARY_BLOCK, addr)?;
        // `sb.start < limit <= u64::MAX` for every super block visited.
        self.check_offset(b.block_offset, sb.start as u64, None, SECONDARY_BLOCK, addr)?;
        let bitmap = (bitmap_len > 0).then_some(b.page_bitmap);
        // Blocks past `limit` are never visited; `used <= data_blocks`.
        let wanted = (limit as u128 - sb.start).div_ceil(sb.block_elements as u128);
        let used = (sb.data_blocks as u128).min(wanted) as usize;
        let addrs = b.data_blocks[..used].iter().map(|a| a.0).collect();
        Ok(DataBlocks { addrs, bitmap })
    }

    /// Decode the used elements of a data block. `pages` is the secondary block's page bitmap
    /// and this block's position in it, when the block is paged.
    fn read_data_block(
        &self,
        src: &Source,
        block: &DataBlock,
        pages: Option<(&[u8], u64)>,
        f: &mut dyn FnMut(u64, ChunkElement) -> Result<()>,
    ) -> Result<()> {
        let &DataBlock { addr, offset, quirk, elements: block_elements, used: n } = block;
        let sizes = src.sizes;
        let es = self.format.entry_size as u64;
        let prefix = 6 + sizes.offset as u64 + self.offset_width() as u64;
        let first = offset
            .checked_add(self.index_block_elements as u64)
            .ok_or_else(|| Error::malformed(DATA_BLOCK, addr, "element index overflows"))?;
        let page = self.page_elements();
        let paged = block_elements > page;
        let body =
            if paged { prefix } else { block_len(block_elements, es, prefix, DATA_BLOCK, addr)? };
        let buf = src.block(addr, body + 4, DATA_BLOCK)?;
        // `body + 4` bytes were read, so the element count fits in usize.
        let count = if paged { 0 } else { block_elements as usize };
        let args = (sizes, self.offset_width(), self.format.size_width(), es as usize, count);
        let b: DataBlockEa = binary::parse(&buf, addr, DATA_BLOCK, args)?;
        self.check_prefix(&b.prefix, DATA_BLOCK, addr)?;
        self.check_offset(b.block_offset, offset, quirk, DATA_BLOCK, addr)?;
        if !paged {
            // `n <= block_elements`.
            return self.format.each(&b.elements[..n as usize], first, DATA_BLOCK, addr, f);
        }
        let Some((bitmap, block)) = pages else {
            // libhdf5 never pages the data blocks the index block points to.
            return Err(Error::malformed(
                DATA_BLOCK,
                addr,
                "paged data block without a page bitmap",
            ));
        };
        let npages = block_elements / page;
        let page_len = block_len(page, es, 4, PAGE, addr)?;
        for p in 0..n.div_ceil(page) {
            // `block < 2^32` and `npages, p < 2^39`: the bit index cannot overflow.
            if !bit(bitmap, block * npages + p) {
                continue;
            }
            let page_addr =
                p.checked_mul(page_len).and_then(|o| o.checked_add(addr + body + 4)).ok_or_else(
                    || Error::malformed(PAGE, addr, format!("page {p} address overflows")),
                )?;
            let buf = src.block(page_addr, page_len, PAGE)?;
            let elements = self.format.page(&buf, sizes, page, PAGE, page_addr)?;
            // `p * page < n`.
            let count = page.min(n - p * page) as usize;
            self.format.each(&elements[..count], first + p * page, PAGE, page_addr, f)?;
        }
        Ok(())
    }
}

fn visit(seen: &mut HashSet<u64>, addr: u64, what: &'static str) -> Result<()> {
    if !seen.insert(addr) {
        return Err(Error::malformed(what, addr, "block reached twice (shared or cyclic)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::raw::binary::test_bytes::Bytes as Encoder;
    use crate::raw::checksum::lookup3;
    use crate::storage::MemStorage;
    use std::sync::Arc;

    fn source(bytes: Vec<u8>) -> Source {
        let len = bytes.len() as u64;
        Source::new(Arc::new(MemStorage::new(bytes)), 0, len, Sizes::DEFAULT, Limits::strict())
    }

    fn seal(e: &mut Encoder) {
        let sum = lookup3(&e.buf, 0);
        e.u32(sum);
    }

    /// Header at 0 (max bits 32, 4 index-block elements, min 16 elements, min 4 pointers,
    /// page bits 10), index block at 0x100, data block of super block 0 at 0x400.
    fn array(max_index_set: u64, dblock_at: u64, sblock0: Option<u64>) -> Vec<u8> {
        let mut e = Encoder::new();
        e.bytes(b"EAHD").u8(0).u8(0).u8(8).u8(32).u8(4).u8(16).u8(4).u8(10);
        e.u64(0).u64(0).u64(1).u64(0).u64(max_index_set).u64(0).u64(0x100);
        seal(&mut e);
        e.zeros(0x100 - e.len());
        let mut ib = Encoder::new();
        ib.bytes(b"EAIB").u8(0).u8(0).u64(0);
        for i in 0..4u64 {
            ib.u64(0x2000 + i);
        }
        ib.addr(Sizes::DEFAULT, Some(dblock_at));
        for _ in 1..6 {
            ib.addr(Sizes::DEFAULT, None);
        }
        ib.addr(Sizes::DEFAULT, sblock0);
        for _ in 1..25 {
            ib.addr(Sizes::DEFAULT, None);
        }
        seal(&mut ib);
        e.bytes(&ib.buf);
        e.zeros(0x400 - e.len());
        let mut db = Encoder::new();
        db.bytes(b"EADB").u8(0).u8(0).u64(0).u32(0);
        for i in 0..16u64 {
            db.u64(if i % 2 == 0 { 0x3000 + i } else { u64::MAX });
        }
        seal(&mut db);
        e.bytes(&db.buf);
        e.buf
    }

    fn collect(src: &Source) -> Result<Vec<(u64, u64)>> {
        let ea = ExtensibleArray::read(src, 0)?;
        let mut out = Vec::new();
        ea.for_each(src, |i, e| {
            out.push((i, e.address));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_index_block_and_data_block_elements_up_to_the_max_index_set() {
        let got = collect(&source(array(9, 0x400, None))).unwrap();
        assert_eq!(
            got,
            vec![
                (0, 0x2000),
                (1, 0x2001),
                (2, 0x2002),
                (3, 0x2003),
                (4, 0x3000),
                (6, 0x3002),
                (8, 0x3004)
            ]
        );
    }

    #[test]
    fn hostile_arrays_are_errors() {
        // Bad index block checksum.
        let mut b = array(9, 0x400, None);
        b[0x100 + 20] ^= 1;
        assert!(collect(&source(b)).unwrap_err().is_corrupt());
        // Data block pointing at the header / index block (reached twice).
        assert!(collect(&source(array(40, 0x100, None))).is_err());
        // Truncated data block.
        let mut b = array(40, 0x400, None);
        b.truncate(0x400 + 30);
        assert!(collect(&source(b)).unwrap_err().is_corrupt());
        // A secondary block far outside the file, claimed to be needed.
        assert!(collect(&source(array(u64::MAX, 0x400, Some(1 << 40)))).unwrap_err().is_corrupt());
        // A secondary block pointing at the header.
        assert!(collect(&source(array(u64::MAX, 0x400, Some(0)))).is_err());
        // Absurd parameters.
        let mut b = array(9, 0x400, None);
        b[7] = 0; // 0 bits for the element count
        let sum = lookup3(&b[..12 + 48 + 8], 0);
        b[68..72].copy_from_slice(&sum.to_le_bytes());
        assert!(collect(&source(b)).unwrap_err().is_corrupt());
    }

    /// A header with max bits 64 and 1-element minimum data blocks (65 super blocks) whose
    /// only allocated structure is the secondary block of super block `u` at `sb_addr`.
    fn sparse_array(u: usize, sb_addr: u64) -> Vec<u8> {
        let mut e = Encoder::new();
        e.bytes(b"EAHD").u8(0).u8(0).u8(8).u8(64).u8(0).u8(1).u8(4).u8(10);
        e.u64(0).u64(0).u64(0).u64(0).u64(u64::MAX).u64(0).u64(0x100);
        seal(&mut e);
        e.zeros(0x100 - e.len());
        let mut ib = Encoder::new();
        ib.bytes(b"EAIB").u8(0).u8(0).u64(0);
        for _ in 0..6 {
            ib.addr(Sizes::DEFAULT, None);
        }
        for k in 4..65 {
            ib.addr(Sizes::DEFAULT, if k == u { Some(sb_addr) } else { None });
        }
        seal(&mut ib);
        e.bytes(&ib.buf);
        e.buf
    }

    #[test]
    fn huge_secondary_blocks_are_limit_errors() {
        // Super block 60 would list 2^30 data blocks (8 GiB): refused before allocating.
        let err = collect(&source(sparse_array(60, 0x40))).unwrap_err();
        assert!(matches!(err, Error::Limit { .. }), "{err:?}");
        // Super block 10 (32 data blocks) at an address past the end of the file.
        assert!(collect(&source(sparse_array(10, 1 << 20))).unwrap_err().is_corrupt());
        // Nothing allocated: no entries, no error.
        let mut b = sparse_array(10, 0);
        let at = 0x100 + 14 + 6 * 8 + 6 * 8;
        b[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        let body = b.len() - 0x100 - 4;
        let sum = lookup3(&b[0x100..0x100 + body], 0);
        let end = b.len();
        b[end - 4..].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(collect(&source(b)).unwrap(), vec![]);
    }

    #[cfg(feature = "fs")]
    fn fixture(name: &str) -> crate::File {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hdf5").join(name);
        crate::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[cfg(feature = "fs")]
    #[test]
    fn fixture_extensible_arrays_match_h5py() {
        // Expected entries from h5py's `DatasetID.get_chunk_info`.
        let f = fixture("chunkidx_extensible_array_latest.h5");
        let summary = |e: &crate::ChunkEntry| (e.offset.clone(), e.address, e.size, e.filter_mask);
        let d = f.dataset("/ea_1d").unwrap();
        let map = d.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 1250);
        assert_eq!(summary(map.get(&[1249]).unwrap().unwrap()), (vec![4996], 15478, 4, 0));
        let want: Vec<u8> = (0..5000).map(|i| (i % 251) as u8).collect();
        assert_eq!(d.read::<u8>().unwrap(), want);
        let d = f.dataset("/ea_2d").unwrap();
        let map = d.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 30);
        assert_eq!(summary(map.get(&[14, 1]).unwrap().unwrap()), (vec![28, 3], 21524, 24, 0));
        assert_eq!(d.read::<f32>().unwrap(), (0..180).map(|i| i as f32).collect::<Vec<_>>());
        let d = f.dataset("/ea_sparse").unwrap();
        let got: Vec<_> = d.chunks().unwrap().entries().unwrap().iter().map(summary).collect();
        assert_eq!(
            got,
            vec![(vec![0], 25774, 20, 0), (vec![100], 25794, 20, 0), (vec![195], 25814, 20, 0)]
        );
        let v = d.read::<i32>().unwrap();
        assert_eq!((v[0], v[5], v[102], v[103], v[199]), (1, -3, 2, -3, 3));
        let d = f.dataset("/ea_grown").unwrap();
        assert_eq!(d.read::<i32>().unwrap(), (0..370).collect::<Vec<i32>>());
        let d = f.dataset("/ea_gzip").unwrap();
        assert_eq!(d.chunks().unwrap().entries().unwrap().len(), 100);
        assert_eq!(d.read::<i16>().unwrap(), (0..400).collect::<Vec<i16>>());
    }

    #[cfg(feature = "fs")]
    #[test]
    fn corrupting_fixture_array_blocks_never_panics() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/hdf5/chunkidx_extensible_array_latest.h5");
        let bytes = std::fs::read(path).unwrap();
        let starts: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| [&b"EAHD"[..], b"EAIB", b"EASB", b"EADB"].contains(w))
            .map(|(i, _)| i)
            .collect();
        assert!(starts.len() > 30);
        let names = ["/ea_1d", "/ea_2d", "/ea_grown", "/ea_gzip", "/ea_sparse"];
        for &s in &starts {
            for i in (s..s + 40).step_by(3) {
                let mut b = bytes.clone();
                b[i] ^= 0xa5;
                let f = crate::File::from_bytes(b).unwrap();
                for name in names {
                    if let Ok(d) = f.dataset(name) {
                        let _ = d.read_raw_all();
                    }
                }
            }
        }
    }
}
