//! Group info message (0x000A): a new-style group's link storage thresholds. The writer's
//! new-style groups store none (libhdf5's defaults apply).

use crate::raw::binary;
use binrw::binrw;

/// The stored group info message.
#[binrw]
#[brw(little)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct GroupInfo {
    #[br(temp, assert(version == 0, "unsupported version {}", version))]
    #[bw(calc = 0)]
    version: u8,
    /// Bit 0: link phase change values stored; bit 1: estimated entry values stored.
    pub flags: u8,
    /// Maximum compact links and minimum dense links.
    #[br(if(flags & 1 != 0))]
    #[bw(if(flags & 1 != 0))]
    pub link_phase_change: Option<(u16, u16)>,
    /// Estimated number of entries and estimated link name length.
    #[br(if(flags & 2 != 0))]
    #[bw(if(flags & 2 != 0))]
    pub estimated_entries: Option<(u16, u16)>,
}

impl GroupInfo {
    /// Encode.
    pub(crate) fn encode(&self) -> Vec<u8> {
        binary::encode(self, ())
    }
}
