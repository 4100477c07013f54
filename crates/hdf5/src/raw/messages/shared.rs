//! Shared message references: a message stored in another object header (committed
//! datatypes) or in the shared-message heap (SOHM, unsupported).

use crate::raw::binary::{self, Addr, Sizes};
use crate::{Error, Result};
use binrw::binrw;

const WHAT: &str = "shared message";

/// The stored reference, one variant per version.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SharedMessage {
    /// Version 1: type, 6 reserved bytes, header address.
    #[brw(magic = 1u8)]
    V1 {
        #[brw(pad_after = 6)]
        kind: u8,
        #[brw(args_raw = s)]
        address: Addr,
    },
    /// Version 2: type, header address.
    #[brw(magic = 2u8)]
    V2 {
        kind: u8,
        #[brw(args_raw = s)]
        address: Addr,
    },
    /// Version 3, type 1: an 8-byte heap ID in the shared message heap.
    #[brw(magic = 3u8)]
    V3Heap {
        #[br(temp, assert(kind == 1))]
        #[bw(calc = 1)]
        kind: u8,
        id: [u8; 8],
    },
    /// Version 3, type 2: header address.
    #[brw(magic = 3u8)]
    V3Header {
        #[br(temp, assert(kind == 2, "shared message type {}", kind))]
        #[bw(calc = 2)]
        kind: u8,
        #[brw(args_raw = s)]
        address: Addr,
    },
}

/// Where a shared message's body lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedRef {
    /// In the object header at this address (a committed datatype, typically).
    Header(u64),
    /// In the shared object header message heap.
    Heap([u8; 8]),
}

impl SharedRef {
    /// Decode a shared message reference.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<SharedRef> {
        match data.first() {
            Some(1..=3) => {}
            Some(v) => return Err(Error::unsupported(format!("shared message version {v}"))),
            None => return Err(Error::malformed(WHAT, offset, "empty message")),
        }
        Ok(match binary::parse(data, offset, WHAT, sizes)? {
            SharedMessage::V1 { address, .. }
            | SharedMessage::V2 { address, .. }
            | SharedMessage::V3Header { address } => SharedRef::Header(address.0),
            SharedMessage::V3Heap { id } => SharedRef::Heap(id),
        })
    }
}
