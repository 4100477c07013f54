//! Dataspace message (0x0001), versions 1 and 2: rank, current and maximum dimensions.

use crate::Result;
use crate::raw::cursor::{Cursor, Encoder, Sizes};

/// Largest rank HDF5 allows (H5S_MAX_RANK).
pub const MAX_RANK: usize = 32;

/// Marker for an unlimited maximum dimension.
pub const UNLIMITED: u64 = u64::MAX;

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
        let mut c = Cursor::new(data, offset, "dataspace message");
        let version = c.u8()?;
        let rank = c.u8()? as usize;
        let flags = c.u8()?;
        let kind = match version {
            1 => {
                c.skip(5)?;
                if rank == 0 { 0 } else { 1 }
            }
            2 => c.u8()?,
            v => return Err(c.error(format!("unsupported version {v}"))),
        };
        if rank > MAX_RANK {
            return Err(c.error(format!("rank {rank} exceeds {MAX_RANK}")));
        }
        match kind {
            0 => return Ok(Dataspace::Scalar),
            2 => return Ok(Dataspace::Null),
            1 => {}
            k => return Err(c.error(format!("unknown dataspace type {k}"))),
        }
        if rank == 0 {
            return Ok(Dataspace::Scalar);
        }
        let mut dims = Vec::with_capacity(rank);
        for _ in 0..rank {
            dims.push(c.length(sizes)?);
        }
        let max = if flags & 1 != 0 {
            let mut max = Vec::with_capacity(rank);
            for &d in &dims {
                let m = c.length(sizes)?;
                let m = if m == sizes_all_ones(sizes) { UNLIMITED } else { m };
                if m < d {
                    return Err(c.error(format!("maximum dimension {m} below current {d}")));
                }
                max.push(m);
            }
            max
        } else {
            dims.clone()
        };
        Ok(Dataspace::Simple { dims, max })
    }

    /// Encode as version 1 (scalar as rank 0) or version 2 (needed for null).
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let mut e = Encoder::new();
        match self {
            Dataspace::Null => {
                e.u8(2).u8(0).u8(0).u8(2);
            }
            Dataspace::Scalar => {
                e.u8(1).u8(0).u8(0).zeros(5);
            }
            Dataspace::Simple { dims, max } => {
                let has_max = max != dims;
                e.u8(1).u8(dims.len() as u8).u8(has_max as u8).zeros(5);
                for &d in dims {
                    e.length(sizes, d);
                }
                if has_max {
                    for &m in max {
                        e.length(sizes, if m == UNLIMITED { sizes_all_ones(sizes) } else { m });
                    }
                }
            }
        }
        e.buf
    }
}

fn sizes_all_ones(sizes: Sizes) -> u64 {
    if sizes.length >= 8 { u64::MAX } else { (1u64 << (8 * sizes.length as u32)) - 1 }
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
        let mut e = Encoder::new();
        e.u8(1).u8(1).u8(1).zeros(5).u64(5).u64(2);
        assert!(Dataspace::decode(&e.buf, 0, Sizes::DEFAULT).is_err());
    }
}
