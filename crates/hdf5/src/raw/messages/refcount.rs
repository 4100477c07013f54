//! Object reference count message (0x0016): the hard-link count of an object with a version 2
//! header (version 1 headers keep it in their prefix).

use crate::raw::binary;
use binrw::binrw;

/// The stored reference count message.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RefCount {
    #[br(temp)]
    #[bw(calc = 0)]
    _version: u8,
    /// Number of hard links to the object.
    pub count: u32,
}

impl RefCount {
    /// Encode.
    pub(crate) fn encode(&self) -> Vec<u8> {
        binary::encode(self, ())
    }
}
