//! Format signature and superblock (spec II.A), versions 0-3, and their encoding (v0 only).
//!
//! The signature is searched at 0, 512, 1024, 2048, ... (a userblock may precede it). All other
//! addresses in the file are relative to the superblock's position; the stored end-of-file
//! address counts from the start of the physical file.

use super::binary::{self, Addr, MaybeAddr, Sealed, Sizes};
use super::symbol_table_entry::SymbolTableEntry;
use crate::storage::ReadAt;
use crate::{Error, Result};
use binrw::binrw;

/// The 8-byte HDF5 file signature.
pub const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

/// Encoded size of a v0 superblock with 8-byte offsets and lengths (incl. the root entry).
pub const V0_SIZE: usize = 96;

const WHAT: &str = "superblock";

fn valid_width(v: u8) -> bool {
    matches!(v, 2 | 4 | 8)
}

/// Superblock versions 0 and 1 (version 1 adds the indexed storage K).
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SuperblockV0V1 {
    #[brw(magic = b"\x89HDF\r\n\x1a\n")]
    #[br(assert(version <= 1))]
    pub version: u8,
    pub free_space_version: u8,
    pub root_group_entry_version: u8,
    #[br(temp)]
    #[bw(calc = 0)]
    _reserved0: u8,
    pub shared_header_version: u8,
    #[br(assert(
        valid_width(size_of_offsets),
        "size of offsets is {}; only 2, 4 or 8 are valid",
        size_of_offsets
    ))]
    pub size_of_offsets: u8,
    #[br(assert(
        valid_width(size_of_lengths),
        "size of lengths is {}; only 2, 4 or 8 are valid",
        size_of_lengths
    ))]
    pub size_of_lengths: u8,
    #[br(temp)]
    #[bw(calc = 0)]
    _reserved1: u8,
    #[br(assert(group_leaf_k > 0, "group B-tree K of zero"))]
    pub group_leaf_k: u16,
    #[br(assert(group_internal_k > 0, "group B-tree K of zero"))]
    pub group_internal_k: u16,
    pub file_consistency_flags: u32,
    /// Version 1 only: indexed storage internal node K and 2 reserved bytes.
    #[br(if(version == 1), pad_after = 2)]
    #[bw(if(*version == 1), pad_after = 2)]
    #[br(assert(indexed_storage_k != Some(0), "indexed storage K of zero"))]
    pub indexed_storage_k: Option<u16>,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    pub base_address: MaybeAddr,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    pub free_space_info: MaybeAddr,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    #[br(assert(end_of_file.0.is_some(), "end-of-file address is undefined"))]
    pub end_of_file: MaybeAddr,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    pub driver_info: MaybeAddr,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    pub root_group: SymbolTableEntry,
}

/// Superblock versions 2 and 3: the root is an object header address, and a checksum
/// covers everything from the signature on.
#[binrw]
#[brw(little)]
#[br(stream = r, map_stream = Sealed::new)]
#[bw(stream = w, map_stream = Sealed::new)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SuperblockV2V3 {
    #[brw(magic = b"\x89HDF\r\n\x1a\n")]
    #[br(assert(version == 2 || version == 3))]
    pub version: u8,
    #[br(assert(
        valid_width(size_of_offsets),
        "size of offsets is {}; only 2, 4 or 8 are valid",
        size_of_offsets
    ))]
    pub size_of_offsets: u8,
    #[br(assert(
        valid_width(size_of_lengths),
        "size of lengths is {}; only 2, 4 or 8 are valid",
        size_of_lengths
    ))]
    pub size_of_lengths: u8,
    pub file_consistency_flags: u8,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    pub base_address: MaybeAddr,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    pub extension: MaybeAddr,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    #[br(assert(end_of_file.0.is_some(), "end-of-file address is undefined"))]
    pub end_of_file: MaybeAddr,
    #[brw(args_raw = Sizes::new(size_of_offsets, size_of_lengths))]
    pub root_group_header: Addr,
    #[br(temp, parse_with = Sealed::check)]
    #[bw(calc = w.checksum())]
    _checksum: u32,
}

/// Where the root group lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootGroup {
    /// v0/v1: a symbol table entry (its scratch pad may cache the B-tree and heap addresses).
    Entry(SymbolTableEntry),
    /// v2/v3: the root object header's address.
    Header(u64),
}

/// A decoded superblock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Superblock {
    /// 0, 1, 2 or 3.
    pub version: u8,
    /// Absolute position of the signature; every file address is relative to it.
    pub base: u64,
    /// Field widths.
    pub sizes: Sizes,
    /// Group leaf node K (v0/v1).
    pub group_leaf_k: u16,
    /// Group internal node K (v0/v1).
    pub group_internal_k: u16,
    /// Indexed storage internal node K (v1; 32 otherwise).
    pub indexed_storage_k: u16,
    /// File consistency flags.
    pub flags: u32,
    /// Stored end-of-file address (absolute: includes the userblock).
    pub eof: u64,
    /// Superblock extension object header (v2/v3).
    pub extension: Option<u64>,
    /// Driver information block (v0/v1).
    pub driver_info: Option<u64>,
    /// The root group.
    pub root: RootGroup,
}

impl Superblock {
    /// Address of the root group's object header.
    pub fn root_address(&self) -> u64 {
        match &self.root {
            RootGroup::Entry(e) => e.header,
            RootGroup::Header(a) => *a,
        }
    }

    /// Find the signature and decode the superblock.
    pub fn read(storage: &dyn ReadAt) -> Result<Superblock> {
        let len = storage.len()?;
        let mut at = 0u64;
        loop {
            if at.checked_add(8).is_none_or(|end| end > len) {
                return Err(Error::NotHdf5);
            }
            let mut sig = [0u8; 8];
            storage.read_exact_at(at, &mut sig)?;
            if sig == SIGNATURE {
                break;
            }
            at = if at == 0 { 512 } else { at * 2 };
        }
        // The largest superblock (v1, 8-byte fields) is well under 256 bytes.
        let n = (len - at).min(256) as usize;
        // alloc: <= 256 bytes
        let mut block = vec![0u8; n];
        storage.read_exact_at(at, &mut block)?;
        let sb = Self::decode(&block, at)?;
        if len < sb.eof {
            return Err(Error::malformed(
                "superblock",
                at,
                format!("truncated file: {len} bytes, end-of-file address {}", sb.eof),
            ));
        }
        Ok(sb)
    }

    /// Decode from `block`, which starts at the signature found at absolute `at`.
    pub fn decode(block: &[u8], at: u64) -> Result<Superblock> {
        match block.get(8).copied() {
            Some(0 | 1) => {
                let raw: SuperblockV0V1 = binary::parse(block, at, WHAT, ())?;
                let sizes = Sizes { offset: raw.size_of_offsets, length: raw.size_of_lengths };
                Ok(Superblock {
                    version: raw.version,
                    base: at,
                    sizes,
                    group_leaf_k: raw.group_leaf_k,
                    group_internal_k: raw.group_internal_k,
                    indexed_storage_k: raw.indexed_storage_k.unwrap_or(32),
                    flags: raw.file_consistency_flags,
                    eof: raw.end_of_file.0.unwrap_or_default(),
                    extension: None,
                    driver_info: raw.driver_info.0,
                    root: RootGroup::Entry(raw.root_group),
                })
            }
            Some(2 | 3) => {
                let raw: SuperblockV2V3 = binary::parse(block, at, WHAT, ())?;
                Ok(Superblock {
                    version: raw.version,
                    base: at,
                    sizes: Sizes { offset: raw.size_of_offsets, length: raw.size_of_lengths },
                    group_leaf_k: 4,
                    group_internal_k: 16,
                    indexed_storage_k: 32,
                    flags: raw.file_consistency_flags as u32,
                    eof: raw.end_of_file.0.unwrap_or_default(),
                    extension: raw.extension.0,
                    driver_info: None,
                    root: RootGroup::Header(raw.root_group_header.0),
                })
            }
            Some(v) => Err(Error::unsupported(format!("superblock version {v}"))),
            None => Err(Error::malformed(WHAT, at, "truncated before the version")),
        }
    }

    /// Encode as a version-0 superblock (the only version this engine writes). The base
    /// address field holds the superblock's own position; the consistency flags are 0.
    pub fn encode_v0(&self) -> Vec<u8> {
        let root_group = match &self.root {
            RootGroup::Entry(e) => e.clone(),
            RootGroup::Header(a) => SymbolTableEntry {
                name_offset: 0,
                header: *a,
                scratch: super::symbol_table_entry::ScratchPad::None,
            },
        };
        let raw = SuperblockV0V1 {
            version: 0,
            free_space_version: 0,
            root_group_entry_version: 0,
            shared_header_version: 0,
            size_of_offsets: self.sizes.offset,
            size_of_lengths: self.sizes.length,
            group_leaf_k: self.group_leaf_k,
            group_internal_k: self.group_internal_k,
            file_consistency_flags: 0,
            indexed_storage_k: None,
            base_address: MaybeAddr(Some(self.base)),
            free_space_info: MaybeAddr(None),
            end_of_file: MaybeAddr(Some(self.eof)),
            driver_info: MaybeAddr(None),
            root_group,
        };
        binary::encode(&raw, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemStorage;

    #[test]
    fn v0_round_trip() {
        let sb = Superblock {
            version: 0,
            base: 0,
            sizes: Sizes::DEFAULT,
            group_leaf_k: 4,
            group_internal_k: 16,
            indexed_storage_k: 32,
            flags: 0,
            eof: 4096,
            extension: None,
            driver_info: None,
            root: RootGroup::Entry(SymbolTableEntry::group(0, 96, 136, 680)),
        };
        let mut bytes = sb.encode_v0();
        assert_eq!(bytes.len(), V0_SIZE);
        bytes.resize(4096, 0);
        let back = Superblock::read(&MemStorage::new(bytes)).unwrap();
        assert_eq!(back, sb);
    }

    #[test]
    fn not_hdf5_and_truncated() {
        assert!(matches!(
            Superblock::read(&MemStorage::new(b"hello world".to_vec())),
            Err(Error::NotHdf5)
        ));
        let sb = Superblock {
            version: 0,
            base: 0,
            sizes: Sizes::DEFAULT,
            group_leaf_k: 4,
            group_internal_k: 16,
            indexed_storage_k: 32,
            flags: 0,
            eof: 4096,
            extension: None,
            driver_info: None,
            root: RootGroup::Entry(SymbolTableEntry::group(0, 96, 136, 680)),
        };
        let err = Superblock::read(&MemStorage::new(sb.encode_v0())).unwrap_err();
        assert!(err.to_string().contains("truncated file"), "{err}");
    }
}
