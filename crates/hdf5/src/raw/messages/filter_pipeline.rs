//! Filter pipeline message (0x000B), versions 1 and 2: the filters applied to chunks, in
//! the order they are applied when writing.

use crate::Result;
use crate::raw::binary::{self, bytes, vec};
use binrw::binrw;

/// Well-known filter identifiers.
pub mod id {
    /// zlib deflate.
    pub const DEFLATE: u16 = 1;
    /// Byte shuffle.
    pub const SHUFFLE: u16 = 2;
    /// Fletcher-32 checksum.
    pub const FLETCHER32: u16 = 3;
    /// SZIP.
    pub const SZIP: u16 = 4;
    /// N-bit packing.
    pub const NBIT: u16 = 5;
    /// Scale + offset.
    pub const SCALEOFFSET: u16 = 6;
    /// LZF (h5py).
    pub const LZF: u16 = 32000;
}

/// One filter of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Filter identifier.
    pub id: u16,
    /// Name, when stored.
    pub name: Option<String>,
    /// Bit 0: optional (a failing optional filter is skipped when writing).
    pub flags: u16,
    /// Client data values.
    pub params: Vec<u32>,
}

impl Filter {
    /// A human name for messages: the stored name or the registered one.
    pub fn label(&self) -> String {
        let known = match self.id {
            id::DEFLATE => "deflate",
            id::SHUFFLE => "shuffle",
            id::FLETCHER32 => "fletcher32",
            id::SZIP => "szip",
            id::NBIT => "nbit",
            id::SCALEOFFSET => "scaleoffset",
            id::LZF => "lzf",
            32001 => "blosc",
            32004 => "lz4",
            32008 => "bitshuffle",
            32015 => "zstd",
            _ => "",
        };
        match (&self.name, known) {
            (_, k) if !k.is_empty() => k.to_string(),
            (Some(n), _) if !n.is_empty() => n.clone(),
            _ => "unregistered".to_string(),
        }
    }
}

/// One stored filter description; `version` is the message's (1 pads names and client data).
#[binrw]
#[brw(little, import(version: u8))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FilterDescription {
    pub id: u16,
    /// Length of the name field (in version 1 padded to 8 bytes); absent in version 2 for
    /// the library's own filters (IDs below 256).
    #[br(if(version == 1 || id >= 256))]
    #[bw(if(version == 1 || *id >= 256))]
    pub name_length: Option<u16>,
    pub flags: u16,
    #[br(temp)]
    #[bw(calc = client_data.len() as u16)]
    client_values: u16,
    #[br(parse_with = bytes, args(name_length.unwrap_or(0) as usize))]
    pub name: Vec<u8>,
    #[br(parse_with = vec, args(client_values as usize, 4, ()))]
    pub client_data: Vec<u32>,
    /// Version 1 pads an odd number of client values with 4 bytes.
    #[br(if(version == 1 && client_values % 2 == 1))]
    #[bw(if(version == 1 && client_data.len() % 2 == 1))]
    pub padding: Option<u32>,
}

/// The stored message: version 1 (6 reserved bytes) or 2.
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FilterPipelineMessage {
    #[br(assert(version == 1 || version == 2, "unsupported version {}", version))]
    pub version: u8,
    #[br(temp, assert(filters <= 32, "{} filters (at most 32)", filters))]
    #[bw(calc = descriptions.len() as u8)]
    filters: u8,
    #[br(if(version == 1))]
    #[bw(if(*version == 1))]
    pub reserved: Option<[u8; 6]>,
    // A description takes at least 6 bytes (version 2, a library filter, no client data).
    #[br(parse_with = vec, args(filters as usize, 6, (version,)))]
    #[bw(args(*version))]
    pub descriptions: Vec<FilterDescription>,
}

/// A decoded pipeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterPipeline {
    /// Filters in application (write) order.
    pub filters: Vec<Filter>,
}

impl FilterPipeline {
    /// Decode.
    pub fn decode(data: &[u8], offset: u64) -> Result<FilterPipeline> {
        let m: FilterPipelineMessage = binary::parse(data, offset, "filter pipeline message", ())?;
        let filters = m
            .descriptions
            .into_iter()
            .map(|d| Filter {
                id: d.id,
                name: (!d.name.is_empty()).then(|| {
                    String::from_utf8_lossy(d.name.split(|&b| b == 0).next().unwrap_or(&[]))
                        .into_owned()
                }),
                flags: d.flags,
                params: d.client_data,
            })
            .collect();
        Ok(FilterPipeline { filters })
    }

    /// Encode as version 1 (names padded to 8 bytes, as libhdf5's earliest format does).
    pub fn encode_v1(&self) -> Vec<u8> {
        let descriptions = self
            .filters
            .iter()
            .map(|f| {
                let name: &[u8] = match f.id {
                    id::DEFLATE => b"deflate",
                    id::SHUFFLE => b"shuffle",
                    id::FLETCHER32 => b"fletcher32",
                    _ => f.name.as_deref().unwrap_or("").as_bytes(),
                };
                let padded = if name.is_empty() { 0 } else { (name.len() + 1).div_ceil(8) * 8 };
                let mut name = name.to_vec();
                name.resize(padded, 0);
                FilterDescription {
                    id: f.id,
                    name_length: Some(padded as u16),
                    flags: f.flags,
                    name,
                    client_data: f.params.clone(),
                    padding: (f.params.len() % 2 == 1).then_some(0),
                }
            })
            .collect();
        let m = FilterPipelineMessage { version: 1, reserved: Some([0; 6]), descriptions };
        binary::encode(&m, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_2_library_filters_take_six_bytes() {
        // Version 2, one filter: fletcher32 (ID 3 < 256: no name length), flags 0, no values.
        let p = FilterPipeline::decode(&[2, 1, 3, 0, 0, 0, 0, 0], 0).unwrap();
        assert_eq!(p.filters, vec![Filter { id: 3, name: None, flags: 0, params: vec![] }]);
        // Version 1 round trip, with a name and an odd number of client values.
        let p = FilterPipeline {
            filters: vec![
                Filter { id: id::DEFLATE, name: None, flags: 0, params: vec![6] },
                Filter { id: 32001, name: Some("blosc".into()), flags: 1, params: vec![1, 2] },
            ],
        };
        let back = FilterPipeline::decode(&p.encode_v1(), 0).unwrap();
        assert_eq!(back.filters[1], p.filters[1]);
        assert_eq!(back.filters[0].params, vec![6]);
        // A count the message cannot hold is an error, not an allocation.
        assert!(FilterPipeline::decode(&[2, 32, 3, 0], 0).is_err());
    }
}
