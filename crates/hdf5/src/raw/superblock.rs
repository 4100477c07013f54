//! Format signature and superblock (spec II.A), versions 0-3, and their encoding (v0 only).
//!
//! The signature is searched at 0, 512, 1024, 2048, ... (a userblock may precede it). All other
//! addresses in the file are relative to the superblock's position; the stored end-of-file
//! address counts from the start of the physical file.

use super::checksum;
use super::cursor::{Cursor, Encoder, Sizes};
use super::symbol_table_entry::SymbolTableEntry;
use crate::storage::ReadAt;
use crate::{Error, Result};

/// The 8-byte HDF5 file signature.
pub const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

/// Encoded size of a v0 superblock with 8-byte offsets and lengths (incl. the root entry).
pub const V0_SIZE: usize = 96;

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
        let mut c = Cursor::new(block, at, "superblock");
        c.skip(8)?;
        let version = c.u8()?;
        match version {
            0 | 1 => Self::decode_v0_v1(&mut c, version, at),
            2 | 3 => Self::decode_v2_v3(&mut c, version, at, block),
            v => Err(Error::unsupported(format!("superblock version {v}"))),
        }
    }

    fn sizes(c: &mut Cursor, offset: u8, length: u8) -> Result<Sizes> {
        for (name, v) in [("size of offsets", offset), ("size of lengths", length)] {
            if !matches!(v, 2 | 4 | 8) {
                return Err(c.error(format!("{name} is {v}; only 2, 4 or 8 are valid")));
            }
        }
        Ok(Sizes { offset, length })
    }

    fn decode_v0_v1(c: &mut Cursor, version: u8, at: u64) -> Result<Superblock> {
        let _free_space_version = c.u8()?;
        let _root_entry_version = c.u8()?;
        c.skip(1)?;
        let _shared_header_version = c.u8()?;
        let (o, l) = (c.u8()?, c.u8()?);
        let sizes = Self::sizes(c, o, l)?;
        c.skip(1)?;
        let group_leaf_k = c.u16()?;
        let group_internal_k = c.u16()?;
        if group_leaf_k == 0 || group_internal_k == 0 {
            return Err(c.error("group B-tree K of zero"));
        }
        let flags = c.u32()?;
        let indexed_storage_k = if version == 1 {
            let k = c.u16()?;
            c.skip(2)?;
            if k == 0 {
                return Err(c.error("indexed storage K of zero"));
            }
            k
        } else {
            32
        };
        let _base = c.addr(sizes)?;
        let _free_space = c.addr(sizes)?;
        let eof = c.addr(sizes)?.ok_or_else(|| c.error("end-of-file address is undefined"))?;
        let driver_info = c.addr(sizes)?;
        let root = SymbolTableEntry::decode(c, sizes)?;
        Ok(Superblock {
            version,
            base: at,
            sizes,
            group_leaf_k,
            group_internal_k,
            indexed_storage_k,
            flags,
            eof,
            extension: None,
            driver_info,
            root: RootGroup::Entry(root),
        })
    }

    fn decode_v2_v3(c: &mut Cursor, version: u8, at: u64, block: &[u8]) -> Result<Superblock> {
        let (o, l) = (c.u8()?, c.u8()?);
        let sizes = Self::sizes(c, o, l)?;
        let flags = c.u8()? as u32;
        let _base = c.addr(sizes)?;
        let extension = c.addr(sizes)?;
        let eof = c.addr(sizes)?.ok_or_else(|| c.error("end-of-file address is undefined"))?;
        let root = c.addr_defined(sizes, "root object header address")?;
        let body = c.pos();
        checksum::verify(block, body, at, "superblock")?;
        Ok(Superblock {
            version,
            base: at,
            sizes,
            group_leaf_k: 4,
            group_internal_k: 16,
            indexed_storage_k: 32,
            flags,
            eof,
            extension,
            driver_info: None,
            root: RootGroup::Header(root),
        })
    }

    /// Encode as a version-0 superblock (the only version this engine writes).
    pub fn encode_v0(&self) -> Vec<u8> {
        let s = self.sizes;
        let mut e = Encoder::new();
        e.bytes(&SIGNATURE);
        e.u8(0).u8(0).u8(0).u8(0).u8(0).u8(s.offset).u8(s.length).u8(0);
        e.u16(self.group_leaf_k).u16(self.group_internal_k).u32(0);
        e.addr(s, Some(self.base)).addr(s, None).addr(s, Some(self.eof)).addr(s, None);
        if let RootGroup::Entry(entry) = &self.root {
            entry.encode(&mut e, s);
        }
        e.buf
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
