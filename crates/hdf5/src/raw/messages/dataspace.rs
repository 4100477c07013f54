//! Dataspace message (0x0001), versions 1 and 2: rank, current and maximum dimensions.

use crate::Result;
use crate::raw::binary::{self, Len, Sizes, all_ones, vec, vec_if};
use binrw::io::{Read, Seek};
use binrw::{BinRead, BinResult, Endian, binrw, binwrite};

/// Largest rank HDF5 allows (H5S_MAX_RANK).
pub const MAX_RANK: usize = 32;

/// Marker for an unlimited maximum dimension.
pub const UNLIMITED: u64 = u64::MAX;

/// Version 1: rank, flags, 5 reserved bytes, dimensions, optional maxima; rank 0 is a scalar.
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DataspaceV1 {
    #[br(assert(rank as usize <= MAX_RANK, "rank {} exceeds {}", rank, MAX_RANK))]
    pub rank: u8,
    #[brw(pad_after = 5)]
    pub flags: u8,
    #[br(parse_with = vec, args(rank as usize, s.length as usize, s))]
    #[bw(args_raw = s)]
    pub dims: Vec<Len>,
    #[br(parse_with = vec_if, args(flags & 1 != 0, rank as usize, s.length as usize, s))]
    #[bw(args_raw = s)]
    pub max: Option<Vec<Len>>,
}

/// Version 2: rank, flags and the dataspace type (0 scalar, 1 simple, 2 null).
#[binrw]
#[brw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DataspaceV2 {
    #[br(assert(rank as usize <= MAX_RANK, "rank {} exceeds {}", rank, MAX_RANK))]
    pub rank: u8,
    pub flags: u8,
    #[br(assert(kind <= 2, "unknown dataspace type {}", kind))]
    pub kind: u8,
    #[br(parse_with = vec_if, args(kind == 1, rank as usize, s.length as usize, s))]
    #[bw(args_raw = s)]
    pub dims: Option<Vec<Len>>,
    #[br(parse_with = vec_if, args(kind == 1 && flags & 1 != 0, rank as usize, s.length as usize, s))]
    #[bw(args_raw = s)]
    pub max: Option<Vec<Len>>,
}

/// The stored message, one variant per version: written from this declaration, read by the
/// version byte (binrw's derived enum reading would try each version in turn).
#[binwrite]
#[bw(little, import_raw(s: Sizes))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DataspaceMessage {
    #[bw(magic = 1u8)]
    V1(#[bw(args_raw = s)] DataspaceV1),
    #[bw(magic = 2u8)]
    V2(#[bw(args_raw = s)] DataspaceV2),
}

impl BinRead for DataspaceMessage {
    type Args<'a> = Sizes;
    fn read_options<R: Read + Seek>(r: &mut R, e: Endian, s: Sizes) -> BinResult<Self> {
        let pos = r.stream_position()?;
        Ok(match u8::read_options(r, e, ())? {
            1 => DataspaceMessage::V1(DataspaceV1::read_options(r, e, s)?),
            2 => DataspaceMessage::V2(DataspaceV2::read_options(r, e, s)?),
            v => {
                let e = crate::Error::unsupported(format!("dataspace message version {v}"));
                return Err(binary::fail(pos, e));
            }
        })
    }
}

/// A decoded dataspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dataspace {
    /// One element, rank 0.
    Scalar,
    /// No elements and no shape (h5py `Empty`).
    Null,
    /// An N-dimensional array.
    Simple {
        /// Current dimensions.
        dims: Vec<u64>,
        /// Maximum dimensions ([`UNLIMITED`] for unlimited); equal to `dims` when not stored.
        max: Vec<u64>,
    },
}

impl Dataspace {
    /// Current shape (empty for scalar and null).
    pub fn dims(&self) -> &[u64] {
        match self {
            Dataspace::Simple { dims, .. } => dims,
            _ => &[],
        }
    }

    /// Maximum shape, `None` entries for unlimited dimensions.
    pub fn max_dims(&self) -> Vec<Option<u64>> {
        match self {
            Dataspace::Simple { max, .. } => {
                max.iter().map(|&m| if m == UNLIMITED { None } else { Some(m) }).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Number of elements (checked; `None` on overflow).
    pub fn element_count(&self) -> Option<u64> {
        match self {
            Dataspace::Scalar => Some(1),
            Dataspace::Null => Some(0),
            Dataspace::Simple { dims, .. } => {
                dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
            }
        }
    }

    /// Decode a message body.
    pub fn decode(data: &[u8], offset: u64, sizes: Sizes) -> Result<Dataspace> {
        const WHAT: &str = "dataspace message";
        if let Some(&v) = data.first().filter(|&&v| v != 1 && v != 2) {
            return Err(crate::Error::unsupported(format!("{WHAT} version {v}")));
        }
        let (dims, max) = match binary::parse(data, offset, WHAT, sizes)? {
            DataspaceMessage::V1(DataspaceV1 { dims, max, .. }) if !dims.is_empty() => (dims, max),
            DataspaceMessage::V1(_) => return Ok(Dataspace::Scalar),
            DataspaceMessage::V2(DataspaceV2 { kind: 0, .. }) => return Ok(Dataspace::Scalar),
            DataspaceMessage::V2(DataspaceV2 { kind: 2, .. }) => return Ok(Dataspace::Null),
            DataspaceMessage::V2(DataspaceV2 { dims, max, .. }) => match dims {
                Some(d) if !d.is_empty() => (d, max),
                _ => return Ok(Dataspace::Scalar),
            },
        };
        let dims: Vec<u64> = dims.into_iter().map(|d| d.0).collect();
        let max = match max {
            Some(max) => {
                let unlimited = all_ones(sizes.length);
                // alloc: max.len() is the rank, <= MAX_RANK (32)
                let mut out = Vec::with_capacity(max.len());
                for (&d, m) in dims.iter().zip(max) {
                    let m = if m.0 == unlimited { UNLIMITED } else { m.0 };
                    if m < d {
                        return Err(crate::Error::malformed(
                            WHAT,
                            offset,
                            format!("maximum dimension {m} below current {d}"),
                        ));
                    }
                    out.push(m);
                }
                out
            }
            None => dims.clone(),
        };
        Ok(Dataspace::Simple { dims, max })
    }

    /// Encode as version 1 (scalar as rank 0) or version 2 (needed for null).
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let m = match self {
            Dataspace::Null => DataspaceMessage::V2(DataspaceV2 {
                rank: 0,
                flags: 0,
                kind: 2,
                dims: None,
                max: None,
            }),
            Dataspace::Scalar => {
                DataspaceMessage::V1(DataspaceV1 { rank: 0, flags: 0, dims: Vec::new(), max: None })
            }
            Dataspace::Simple { dims, max } => {
                let has_max = max != dims;
                let unlimited = all_ones(sizes.length);
                DataspaceMessage::V1(DataspaceV1 {
                    rank: dims.len() as u8,
                    flags: has_max as u8,
                    dims: dims.iter().map(|&d| Len(d)).collect(),
                    max: has_max.then(|| {
                        max.iter()
                            .map(|&m| Len(if m == UNLIMITED { unlimited } else { m }))
                            .collect()
                    }),
                })
            }
        };
        binary::encode(&m, sizes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for ds in [
            Dataspace::Scalar,
            Dataspace::Null,
            Dataspace::Simple { dims: vec![3, 4], max: vec![3, UNLIMITED] },
            Dataspace::Simple { dims: vec![0], max: vec![0] },
        ] {
            let bytes = ds.encode(Sizes::DEFAULT);
            assert_eq!(Dataspace::decode(&bytes, 0, Sizes::DEFAULT).unwrap(), ds);
        }
    }

    #[test]
    fn rejects_absurd_rank_and_max_below_dim() {
        let mut bytes = Dataspace::Simple { dims: vec![3], max: vec![3] }.encode(Sizes::DEFAULT);
        bytes[1] = 200;
        assert!(Dataspace::decode(&bytes, 0, Sizes::DEFAULT).is_err());
        let mut bytes = vec![1, 1, 1, 0, 0, 0, 0, 0];
        bytes.extend_from_slice(&5u64.to_le_bytes());
        bytes.extend_from_slice(&2u64.to_le_bytes());
        assert!(Dataspace::decode(&bytes, 0, Sizes::DEFAULT).is_err());
    }
}
