//! Symbol table entry (spec III.C): one link of an old-style group, also the root entry of a
//! v0/v1 superblock. Always `2 * size of offsets + 24` bytes: the 16-byte scratch pad is
//! padded whatever it caches.

use super::binary::{Sizes, malformed, uint, uint_w};
use binrw::io::{Read, Seek};
use binrw::{BinRead, BinResult, Endian, binrw, binwrite};

/// What the 16-byte scratch pad caches (the entry's "cache type" selects the variant).
/// Written from this declaration; read by [`BinRead`] below, the cache type choosing the
/// variant directly (binrw's derived enum reading would try each variant in turn, and every
/// entry of an old-style group goes through here).
#[binwrite]
#[brw(little, import(cache_type: u32, s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScratchPad {
    /// Cache type 0: nothing.
    None,
    /// Cache type 1: the object is a group; addresses of its B-tree and local heap.
    Group {
        /// v1 B-tree (type 0) address.
        #[bw(write_with = uint_w, args(s.offset))]
        btree: u64,
        /// Local heap address.
        #[bw(write_with = uint_w, args(s.offset))]
        heap: u64,
    },
    /// Cache type 2: the entry is a soft link; offset of its value in the group's local heap.
    SoftLink {
        /// Offset of the NUL-terminated target path in the local heap.
        value_offset: u32,
    },
}

impl BinRead for ScratchPad {
    type Args<'a> = (u32, Sizes);

    fn read_options<R: Read + Seek>(
        r: &mut R,
        e: Endian,
        (cache_type, s): (u32, Sizes),
    ) -> BinResult<Self> {
        Ok(match cache_type {
            0 => ScratchPad::None,
            1 => ScratchPad::Group {
                btree: uint(r, e, (s.offset,))?,
                heap: uint(r, e, (s.offset,))?,
            },
            2 => ScratchPad::SoftLink { value_offset: u32::read_options(r, e, ())? },
            t => {
                let pos = r.stream_position()?;
                return Err(malformed(pos, format!("unknown cache type {t}")));
            }
        })
    }
}

impl ScratchPad {
    fn cache_type(&self) -> u32 {
        match self {
            ScratchPad::None => 0,
            ScratchPad::Group { .. } => 1,
            ScratchPad::SoftLink { .. } => 2,
        }
    }
}

/// A symbol table entry.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolTableEntry {
    /// Offset of the link name in the group's local heap.
    #[br(parse_with = uint, args(s.offset))]
    #[bw(write_with = uint_w, args(s.offset))]
    pub name_offset: u64,
    /// Object header address (undefined for soft links: stored as all ones).
    #[br(parse_with = uint, args(s.offset))]
    #[bw(write_with = uint_w, args(s.offset))]
    pub header: u64,
    #[br(temp, assert(cache_type <= 2, "unknown cache type {}", cache_type))]
    #[bw(calc = scratch.cache_type())]
    cache_type: u32,
    #[br(temp)]
    #[bw(calc = 0)]
    _reserved: u32,
    /// Scratch-pad content.
    #[brw(args(cache_type, s), pad_size_to = 16)]
    pub scratch: ScratchPad,
}

/// Encoded size of an entry for `sizes`.
pub fn entry_size(sizes: Sizes) -> usize {
    2 * sizes.offset as usize + 8 + 16
}

impl SymbolTableEntry {
    /// An entry for a group object with cached B-tree and heap addresses.
    pub fn group(name_offset: u64, header: u64, btree: u64, heap: u64) -> Self {
        SymbolTableEntry { name_offset, header, scratch: ScratchPad::Group { btree, heap } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::binary::{encode, parse};

    #[test]
    fn every_cache_type_round_trips_in_fixed_size() {
        for s in [Sizes::DEFAULT, Sizes { offset: 4, length: 2 }] {
            for scratch in [
                ScratchPad::None,
                ScratchPad::Group { btree: 0x1234, heap: 0x5678 },
                ScratchPad::SoftLink { value_offset: 24 },
            ] {
                let e = SymbolTableEntry { name_offset: 8, header: 0x99, scratch };
                let bytes = encode(&e, s);
                assert_eq!(bytes.len(), entry_size(s));
                assert_eq!(parse::<SymbolTableEntry>(&bytes, 0, "entry", s).unwrap(), e);
            }
        }
        let mut bad = encode(&SymbolTableEntry::group(0, 1, 2, 3), Sizes::DEFAULT);
        bad[16] = 7;
        let err = parse::<SymbolTableEntry>(&bad, 0, "entry", Sizes::DEFAULT).unwrap_err();
        assert!(err.to_string().contains("unknown cache type 7"), "{err}");
    }
}
