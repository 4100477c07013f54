//! Object header continuation message (0x0010): where the next block of a header's messages
//! lives.

use crate::raw::binary::{Addr, Len, Sizes};
use binrw::binrw;

/// The stored continuation message.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Continuation {
    /// Address of the continuation block.
    #[brw(args_raw = s)]
    pub offset: Addr,
    /// Its length in bytes.
    #[brw(args_raw = s)]
    #[br(assert(length.0 != 0, "continuation block of length 0"))]
    pub length: Len,
}
