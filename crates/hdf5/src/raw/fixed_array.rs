//! Fixed arrays (spec Appendix C, VII.C: `FAHD` header, `FADB` data block, data block pages),
//! the chunk index of layout v4/v5 datasets whose maximum dimensions are all fixed: one entry
//! per chunk of the maximum-dimension chunk grid, in row-major order.
//!
//! The data block holds the entries itself, or, when there are more than 2^page_bits of them,
//! a bitmap of initialized pages; the pages follow the data block contiguously, each with its
//! own checksum. The entry encoding ([`ElementFormat`], [`ChunkElement`]) is shared with the
//! extensible array.

use super::binary::{self, Len, MaybeAddr, Sealed, Sizes, bytes, uint, uint_w, vec};
use super::source::Source;
use crate::{Error, Result};
use binrw::binrw;

/// Client ID 0: entries are the addresses of unfiltered chunks.
pub const CLIENT_CHUNKS: u8 = 0;
/// Client ID 1: entries are address, stored size and filter mask of filtered chunks.
pub const CLIENT_FILTERED_CHUNKS: u8 = 1;

/// One entry of a fixed or extensible array chunk index whose address is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkElement {
    /// File address of the stored chunk.
    pub address: u64,
    /// Stored (filtered) size; `None` for unfiltered entries, whose size is the chunk size.
    pub size: Option<u64>,
    /// Filters skipped for this chunk (0 for unfiltered entries).
    pub filter_mask: u32,
}

/// One stored entry of a fixed or extensible array chunk index: an address, and for
/// filtered chunks (`size_width` > 0) the stored size and filter mask.
#[binrw]
#[brw(little, import(s: Sizes, size_width: u8))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArrayElement {
    #[brw(args_raw = s)]
    pub address: MaybeAddr,
    #[br(if(size_width > 0), parse_with = uint_some, args(size_width))]
    #[bw(if(size_width > 0), write_with = uint_some_w, args(size_width))]
    pub size: Option<u64>,
    #[brw(if(size_width > 0))]
    pub filter_mask: Option<u32>,
}

fn uint_some<R: binrw::io::Read + binrw::io::Seek>(
    r: &mut R,
    e: binrw::Endian,
    (w,): (u8,),
) -> binrw::BinResult<Option<u64>> {
    uint(r, e, (w,)).map(Some)
}

fn uint_some_w<W: binrw::io::Write + binrw::io::Seek>(
    v: &Option<u64>,
    w: &mut W,
    e: binrw::Endian,
    (width,): (u8,),
) -> binrw::BinResult<()> {
    uint_w(&v.unwrap_or(0), w, e, (width,))
}

/// A run of entries followed by a checksum: a data block page, or the entries of an
/// unpaged data block after its prefix.
#[binrw]
#[brw(little, import(s: Sizes, size_width: u8, count: usize, entry_size: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    #[br(parse_with = vec, args(count, entry_size, (s, size_width)))]
    #[bw(args(s, size_width))]
    pub elements: Vec<ArrayElement>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// How the entries of a fixed or extensible array are encoded: an address (client 0), or an
/// address, a chunk size of `size_width` bytes and a 4-byte filter mask (client 1).
///
/// The spec gives the size width as "one more than the bytes needed for the unfiltered chunk
/// size, at most 8" for layout v4 and as "Size of Offsets" for v5; HDF5 2.0 actually writes
/// "Size of Lengths" for v5 (checked with files written with 4-byte offsets and 8-byte
/// lengths and vice versa). The width is therefore taken from the array's entry size and
/// checked against both rules by [`ElementFormat::check_size_width`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElementFormat {
    /// Client ID 1: filtered chunks.
    pub filtered: bool,
    /// Bytes of one entry.
    pub entry_size: u8,
    /// Width of the chunk size field (0 when unfiltered).
    pub size_width: u8,
}

impl ElementFormat {
    /// The format of a client ID and entry size read at `at` in structure `what`.
    pub fn new(
        client: u8,
        entry_size: u8,
        sizes: Sizes,
        what: &'static str,
        at: u64,
    ) -> Result<ElementFormat> {
        let addr = sizes.offset;
        match client {
            CLIENT_CHUNKS if entry_size == addr => {
                Ok(ElementFormat { filtered: false, entry_size, size_width: 0 })
            }
            CLIENT_FILTERED_CHUNKS => {
                // Address, then the size field, then the 4-byte filter mask.
                let width = entry_size.checked_sub(addr).and_then(|w| w.checked_sub(4));
                match width {
                    Some(w @ 1..=8) => {
                        Ok(ElementFormat { filtered: true, entry_size, size_width: w })
                    }
                    _ => Err(Error::malformed(
                        what,
                        at,
                        format!(
                            "entry size {entry_size} for filtered chunks with {addr}-byte addresses"
                        ),
                    )),
                }
            }
            CLIENT_CHUNKS => Err(Error::malformed(
                what,
                at,
                format!("entry size {entry_size} for chunk addresses of {addr} bytes"),
            )),
            c => Err(Error::malformed(what, at, format!("client ID {c}"))),
        }
    }

    /// Check the chunk size width against the layout v4 rule (derived from the unfiltered
    /// chunk size `chunk_bytes`) or the layout v5 rule ("Size of Lengths").
    pub fn check_size_width(
        &self,
        chunk_bytes: u64,
        sizes: Sizes,
        what: &'static str,
        at: u64,
    ) -> Result<()> {
        if !self.filtered {
            return Ok(());
        }
        let v4 = v4_size_width(chunk_bytes);
        if self.size_width != v4 && self.size_width != sizes.length {
            return Err(Error::malformed(
                what,
                at,
                format!(
                    "chunk size field of {} bytes; {v4} (layout v4) or {} (layout v5) expected",
                    self.size_width, sizes.length
                ),
            ));
        }
        Ok(())
    }

    /// Call `f(first_index + i, entry)` for each entry `i` with a defined address.
    pub(crate) fn each(
        &self,
        elements: &[ArrayElement],
        first_index: u64,
        what: &'static str,
        at: u64,
        f: &mut dyn FnMut(u64, ChunkElement) -> Result<()>,
    ) -> Result<()> {
        for (i, e) in elements.iter().enumerate() {
            if let Some(address) = e.address.0 {
                let index = first_index
                    .checked_add(i as u64)
                    .ok_or_else(|| Error::malformed(what, at, "entry index overflows"))?;
                let size = if self.filtered { e.size } else { None };
                f(index, ChunkElement { address, size, filter_mask: e.filter_mask.unwrap_or(0) })?;
            }
        }
        Ok(())
    }

    /// The width argument of [`ArrayElement`] (0 when unfiltered).
    pub(crate) fn size_width(&self) -> u8 {
        if self.filtered { self.size_width } else { 0 }
    }

    /// Parse `count` entries and their checksum from `block` (read at `at`).
    pub(crate) fn page(
        &self,
        block: &[u8],
        sizes: Sizes,
        count: u64,
        what: &'static str,
        at: u64,
    ) -> Result<Vec<ArrayElement>> {
        let args = (sizes, self.size_width(), count as usize, self.entry_size as usize);
        Ok(binary::parse::<Page>(block, at, what, args)?.elements)
    }
}

/// The chunk size width of a layout v4 filtered entry: one more than the bytes needed to
/// encode `chunk_bytes`, at most 8 (HDF5: `1 + (log2(chunk_bytes) + 8) / 8`).
pub fn v4_size_width(chunk_bytes: u64) -> u8 {
    let log2 = if chunk_bytes == 0 { 0 } else { 63 - chunk_bytes.leading_zeros() };
    (1 + (log2 + 8) / 8).min(8) as u8
}

/// Whether bit `i` of an HDF5 bitmap is set (most significant bit of each byte first);
/// bits past the end read as unset.
pub fn bit(bitmap: &[u8], i: u64) -> bool {
    let byte = usize::try_from(i / 8).ok().and_then(|b| bitmap.get(b));
    byte.is_some_and(|&b| b & (0x80 >> (i % 8)) != 0)
}

/// Bytes of a block made of `n` items of `size` bytes plus `extra`, with overflow reported.
pub(crate) fn block_len(n: u64, size: u64, extra: u64, what: &'static str, at: u64) -> Result<u64> {
    n.checked_mul(size)
        .and_then(|b| b.checked_add(extra))
        .ok_or_else(|| Error::malformed(what, at, format!("{n} entries of {size} bytes overflow")))
}

/// The stored header (`FAHD`).
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// Checked after the checksum: an unknown version is unsupported, not corrupt.
    #[brw(magic = b"FAHD")]
    pub version: u8,
    pub client_id: u8,
    pub entry_size: u8,
    #[br(assert(page_bits < 64, "{} page bits", page_bits))]
    pub page_bits: u8,
    #[brw(args_raw = s)]
    pub max_entries: Len,
    #[brw(args_raw = s)]
    pub data_block: MaybeAddr,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// The start of the data block (`FADB`): the entries (unpaged) or the bitmap of initialized
/// pages (paged) follow, then a checksum; pages follow the block.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DataBlockPrefix {
    /// Checked after the checksum: an unknown version is unsupported, not corrupt.
    #[brw(magic = b"FADB")]
    pub version: u8,
    pub client_id: u8,
    #[brw(args_raw = s)]
    pub header: MaybeAddr,
}

/// A paged data block: its prefix and page bitmap, checksummed.
#[binrw]
#[brw(little, import(s: Sizes, bitmap: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PagedDataBlock {
    #[brw(args_raw = s)]
    pub prefix: DataBlockPrefix,
    #[br(parse_with = bytes, args(bitmap))]
    pub page_bitmap: Vec<u8>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// An unpaged data block: its prefix and entries, checksummed.
#[binrw]
#[brw(little, import(s: Sizes, size_width: u8, count: usize, entry_size: usize))]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DataBlock {
    #[brw(args_raw = s)]
    pub prefix: DataBlockPrefix,
    #[br(parse_with = vec, args(count, entry_size, (s, size_width)))]
    #[bw(args(s, size_width))]
    pub elements: Vec<ArrayElement>,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

const HEADER: &str = "fixed array header";
const DATA_BLOCK: &str = "fixed array data block";
const PAGE: &str = "fixed array data block page";

/// A fixed array header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedArray {
    /// Address of the header.
    pub addr: u64,
    /// Entry encoding.
    pub format: ElementFormat,
    /// log2 of the entries per data block page.
    pub page_bits: u8,
    /// Number of entries.
    pub max_entries: u64,
    /// Address of the data block (`None`: not allocated, no entries).
    pub data_block: Option<u64>,
}

impl FixedArray {
    /// Read and verify the header at `addr`.
    pub fn read(src: &Source, addr: u64) -> Result<FixedArray> {
        let sizes = src.sizes;
        // Signature, version, client ID, entry size, page bits; entries; data block; checksum.
        let body = 8 + sizes.length as usize + sizes.offset as usize;
        let buf = src.block(addr, body as u64 + 4, HEADER)?;
        let h: Header = binary::parse(&buf, addr, HEADER, sizes)?;
        if h.version != 0 {
            return Err(Error::unsupported(format!("fixed array version {}", h.version)));
        }
        let format = ElementFormat::new(h.client_id, h.entry_size, sizes, HEADER, addr + 6)?;
        Ok(FixedArray {
            addr,
            format,
            page_bits: h.page_bits,
            max_entries: h.max_entries.0,
            data_block: h.data_block.0,
        })
    }

    /// Entries per data block page.
    pub fn page_entries(&self) -> u64 {
        // `page_bits < 64` was checked by `read`.
        1u64 << self.page_bits
    }

    /// Call `f(index, entry)` for every entry with a defined address, in index order.
    pub fn for_each(
        &self,
        src: &Source,
        mut f: impl FnMut(u64, ChunkElement) -> Result<()>,
    ) -> Result<()> {
        let Some(addr) = self.data_block else {
            return Ok(());
        };
        let sizes = src.sizes;
        let es = self.format.entry_size as u64;
        // Signature, version, client ID, header address.
        let prefix = 6 + sizes.offset as u64;
        let page = self.page_entries();
        let format = &self.format;
        if self.max_entries <= page {
            let body = block_len(self.max_entries, es, prefix, DATA_BLOCK, addr)?;
            let buf = src.block(addr, body + 4, DATA_BLOCK)?;
            // `body + 4` bytes were read, so the count fits in usize.
            let args = (sizes, format.size_width(), self.max_entries as usize, es as usize);
            let b: DataBlock = binary::parse(&buf, addr, DATA_BLOCK, args)?;
            self.check_prefix(&b.prefix, addr)?;
            return format.each(&b.elements, 0, DATA_BLOCK, addr, &mut f);
        }
        let pages = self.max_entries.div_ceil(page);
        let bitmap_len = pages.div_ceil(8);
        let body = prefix + bitmap_len;
        let buf = src.block(addr, body + 4, DATA_BLOCK)?;
        let b: PagedDataBlock =
            binary::parse(&buf, addr, DATA_BLOCK, (sizes, bitmap_len as usize))?;
        self.check_prefix(&b.prefix, addr)?;
        let bitmap = &b.page_bitmap;
        let page_len = block_len(page, es, 4, PAGE, addr)?;
        let first_page = addr + body + 4;
        for p in 0..pages {
            if !bit(bitmap, p) {
                continue;
            }
            // `p < pages = ceil(max_entries / page)`, so `p * page < max_entries`.
            let first = p * page;
            let n = page.min(self.max_entries - first);
            let page_addr =
                p.checked_mul(page_len).and_then(|o| o.checked_add(first_page)).ok_or_else(
                    || Error::malformed(PAGE, addr, format!("page {p} address overflows")),
                )?;
            let len = block_len(n, es, 0, PAGE, page_addr)?;
            let buf = src.block(page_addr, len + 4, PAGE)?;
            let elements = format.page(&buf, sizes, n, PAGE, page_addr)?;
            format.each(&elements, first, PAGE, page_addr, &mut f)?;
        }
        Ok(())
    }

    fn check_prefix(&self, p: &DataBlockPrefix, addr: u64) -> Result<()> {
        if p.version != 0 {
            return Err(Error::unsupported(format!(
                "fixed array data block version {}",
                p.version
            )));
        }
        if p.client_id != self.format.filtered as u8 {
            return Err(Error::malformed(
                DATA_BLOCK,
                addr,
                format!("client ID {} differs from the header's", p.client_id),
            ));
        }
        if p.header.0 != Some(self.addr) {
            return Err(Error::malformed(
                DATA_BLOCK,
                addr,
                format!("header address {:?}, expected {:#x}", p.header.0, self.addr),
            ));
        }
        Ok(())
    }
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

    /// A header at 0 and an unpaged data block at 64 with `n` unfiltered entries.
    fn small_array(client: u8, entry_size: u8, max: u64, page_bits: u8) -> Vec<u8> {
        let mut h = Encoder::new();
        h.bytes(b"FAHD").u8(0).u8(client).u8(entry_size).u8(page_bits).u64(max).u64(64);
        seal(&mut h);
        h.zeros(64 - h.len());
        let mut d = Encoder::new();
        d.bytes(b"FADB").u8(0).u8(client).u64(0);
        for i in 0..max.min(1000) {
            d.u64(if i == 1 { u64::MAX } else { 0x1000 + i });
        }
        seal(&mut d);
        h.bytes(&d.buf);
        h.buf
    }

    fn collect(src: &Source) -> Result<Vec<(u64, u64)>> {
        let fa = FixedArray::read(src, 0)?;
        let mut out = Vec::new();
        fa.for_each(src, |i, e| {
            out.push((i, e.address));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_an_unpaged_array_skipping_undefined_entries() {
        let src = source(small_array(0, 8, 3, 10));
        assert_eq!(collect(&src).unwrap(), vec![(0, 0x1000), (2, 0x1002)]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        // Bad header checksum.
        let mut b = small_array(0, 8, 3, 10);
        b[10] ^= 1;
        assert!(collect(&source(b)).unwrap_err().is_corrupt());
        // Bad data block checksum.
        let mut b = small_array(0, 8, 3, 10);
        b[64 + 20] ^= 1;
        assert!(collect(&source(b)).unwrap_err().is_corrupt());
        // Truncated data block.
        let mut b = small_array(0, 8, 3, 10);
        b.truncate(64 + 20);
        assert!(collect(&source(b)).unwrap_err().is_corrupt());
        // Wrong entry size for the client.
        assert!(collect(&source(small_array(0, 9, 3, 10))).is_err());
        assert!(collect(&source(small_array(1, 12, 3, 10))).is_err());
        assert!(collect(&source(small_array(7, 8, 3, 10))).is_err());
        // Absurd entry counts: unpaged (a 2^62-entry block) and paged (a huge bitmap).
        assert!(collect(&source(small_array(0, 8, 1 << 62, 63))).is_err());
        assert!(collect(&source(small_array(0, 8, u64::MAX, 63))).is_err());
        assert!(collect(&source(small_array(0, 8, u64::MAX, 0))).is_err());
        assert!(collect(&source(small_array(0, 8, 5, 64))).is_err());
    }

    /// A paged array of `max` unfiltered entries, 4 per page, with `bitmap` and only the pages
    /// whose bit is set written out (entry `i` = address `0x1000 + i`).
    fn paged_array(max: u64, bitmap: &[u8], write_pages: bool) -> Vec<u8> {
        let mut h = Encoder::new();
        h.bytes(b"FAHD").u8(0).u8(0).u8(8).u8(2).u64(max).u64(64);
        seal(&mut h);
        h.zeros(64 - h.len());
        let mut d = Encoder::new();
        d.bytes(b"FADB").u8(0).u8(0).u64(0).bytes(bitmap);
        seal(&mut d);
        h.bytes(&d.buf);
        if write_pages {
            for p in 0..max.div_ceil(4) {
                let mut page = Encoder::new();
                for i in p * 4..(p * 4 + 4).min(max) {
                    page.u64(0x1000 + i);
                }
                seal(&mut page);
                if !bit(bitmap, p) {
                    page.buf.iter_mut().for_each(|b| *b = 0xee);
                }
                h.bytes(&page.buf);
                // Pages are allocated at full size; the last one holds fewer entries.
                h.zeros(36 - page.len());
            }
        }
        h.buf
    }

    #[test]
    fn reads_only_initialized_pages_including_a_short_last_page() {
        // 10 entries in 3 pages (4, 4, 2); pages 0 and 2 initialized.
        let got = collect(&source(paged_array(10, &[0xa0], true))).unwrap();
        assert_eq!(
            got,
            vec![(0, 0x1000), (1, 0x1001), (2, 0x1002), (3, 0x1003), (8, 0x1008), (9, 0x1009)]
        );
        // A corrupt initialized page is an error.
        let mut b = paged_array(10, &[0xa0], true);
        let last = b.len() - 20;
        b[last] ^= 1;
        assert!(collect(&source(b)).unwrap_err().is_corrupt());
    }

    #[test]
    fn absent_pages_are_errors_not_allocations() {
        // 2^40 entries, every page claimed initialized, none present.
        let bitmap = vec![0xff; (1u64 << 38).div_ceil(8).min(1 << 12) as usize];
        assert!(collect(&source(paged_array(1 << 40, &bitmap, false))).is_err());
        assert!(collect(&source(paged_array(40, &[0xff, 0xc0], false))).unwrap_err().is_corrupt());
    }

    #[cfg(feature = "fs")]
    fn fixture(name: &str) -> crate::File {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hdf5").join(name);
        crate::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[cfg(feature = "fs")]
    fn summary(e: &crate::ChunkEntry) -> (Vec<u64>, u64, u64, u32) {
        (e.offset.clone(), e.address, e.size, e.filter_mask)
    }

    #[cfg(feature = "fs")]
    #[test]
    fn fixture_fixed_arrays_match_h5py() {
        // Expected entries from h5py's `DatasetID.get_chunk_info`.
        let f = fixture("chunkidx_fixed_array_latest.h5");
        let fa = f.dataset("/fa").unwrap();
        let map = fa.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 16);
        assert_eq!(summary(&map.entries().unwrap()[1]), (vec![0, 5], 2148, 100, 0));
        assert_eq!(fa.read::<i32>().unwrap(), (0..400).collect::<Vec<i32>>());
        let gz = f.dataset("/fa_gzip").unwrap();
        assert_eq!(summary(&gz.chunks().unwrap().entries().unwrap()[0]), (vec![0, 0], 3648, 70, 0));
        assert_eq!(gz.read::<f32>().unwrap(), (0..400).map(|i| i as f32).collect::<Vec<_>>());
        let partial = f.dataset("/fa_partial").unwrap();
        let map = partial.chunks().unwrap();
        let got: Vec<_> = map.entries().unwrap().iter().map(summary).collect();
        assert_eq!(got, vec![(vec![0, 0], 4668, 32, 0), (vec![8, 4], 4700, 32, 0)]);
        let v = partial.read::<i16>().unwrap();
        assert_eq!((v[0], v[4], v[8 * 12 + 5], v[8 * 12 + 6], v[143]), (1, -1, 2, -1, -1));
        let gzp = f.dataset("/fa_gzip_partial").unwrap();
        assert_eq!(gzp.chunks().unwrap().entries().unwrap().len(), 2);
        assert_eq!(gzp.read::<f64>().unwrap()[4..10], [0.5, 1.0, 2.0, 3.0, 4.0, 0.5]);

        let f = fixture("chunkidx_paged_fixed_array_latest.h5");
        let paged = f.dataset("/paged").unwrap();
        let map = paged.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 601);
        assert_eq!(summary(map.get(&[39, 29]).unwrap().unwrap()), (vec![39, 29], 2648, 1, 0));
        assert!(map.get(&[20, 0]).unwrap().is_none());
        let v = paged.read::<i8>().unwrap();
        assert_eq!((v[0], v[599], v[600], v[1199]), (0, (599 % 127) as i8, -1, 7));
        let pgz = f.dataset("/paged_gzip").unwrap();
        let map = pgz.chunks().unwrap();
        assert_eq!(map.entries().unwrap().len(), 1100);
        assert_eq!(summary(&map.entries().unwrap()[1099]), (vec![1099], 45300, 10, 0));
        assert_eq!(pgz.read::<u16>().unwrap(), (0..1100).collect::<Vec<u16>>());
    }

    #[cfg(feature = "fs")]
    #[test]
    fn corrupting_any_fixture_array_byte_never_panics() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/hdf5/chunkidx_paged_fixed_array_latest.h5");
        let bytes = std::fs::read(path).unwrap();
        let starts: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == b"FAHD" || *w == b"FADB")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(starts.len(), 4);
        for &s in &starts {
            for i in s..s + 48 {
                let mut b = bytes.clone();
                b[i] ^= 0x5a;
                let f = crate::File::from_bytes(b).unwrap();
                for name in ["/paged", "/paged_gzip"] {
                    if let Ok(d) = f.dataset(name) {
                        let _ = d.read_raw_all();
                    }
                }
            }
        }
    }

    #[test]
    fn v4_width_follows_the_library_rule() {
        assert_eq!(v4_size_width(100), 2);
        assert_eq!(v4_size_width(255), 2);
        assert_eq!(v4_size_width(256), 3);
        assert_eq!(v4_size_width(65536), 4);
        assert_eq!(v4_size_width(u32::MAX as u64), 5);
        assert_eq!(v4_size_width(u64::MAX), 8);
    }

    #[test]
    fn bitmap_is_msb_first() {
        assert!(bit(&[0x80], 0));
        assert!(!bit(&[0x80], 1));
        assert!(bit(&[0x00, 0x01], 15));
        assert!(!bit(&[0xff], 8));
    }
}
