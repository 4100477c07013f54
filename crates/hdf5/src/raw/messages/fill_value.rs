//! Fill value messages: the old form (0x0004) and the new one (0x0005, versions 1-3).

use crate::Result;
use crate::raw::cursor::{Cursor, Encoder};

/// When space is allocated for a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocTime {
    /// Library default for the layout.
    Default,
    /// When the dataset is created.
    Early,
    /// When data is first written.
    Late,
    /// Chunk by chunk, as written.
    Incremental,
}

/// When the fill value is written into newly allocated space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FillTime {
    /// On allocation.
    Alloc,
    /// Never.
    Never,
    /// Only if the user set a fill value.
    IfSet,
}

/// A decoded fill value message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FillValue {
    /// Message version (1-3; 0 for the old message).
    pub version: u8,
    /// Allocation time.
    pub alloc: AllocTime,
    /// Fill time.
    pub fill_time: FillTime,
    /// The fill value bytes, if one is defined (empty = the default, zeros).
    pub value: Option<Vec<u8>>,
}

fn alloc_time(v: u8) -> AllocTime {
    match v {
        1 => AllocTime::Early,
        2 => AllocTime::Late,
        3 => AllocTime::Incremental,
        _ => AllocTime::Default,
    }
}

fn fill_time(v: u8) -> FillTime {
    match v {
        0 => FillTime::Alloc,
        1 => FillTime::Never,
        _ => FillTime::IfSet,
    }
}

impl FillValue {
    /// Decode the new fill value message (0x0005).
    pub fn decode(data: &[u8], offset: u64) -> Result<FillValue> {
        let mut c = Cursor::new(data, offset, "fill value message");
        let version = c.u8()?;
        match version {
            1 | 2 => {
                let alloc = alloc_time(c.u8()?);
                let fill = fill_time(c.u8()?);
                let defined = c.u8()? != 0;
                let value = if version == 1 || defined {
                    if c.remaining() >= 4 {
                        let n = c.u32()? as usize;
                        Some(c.bytes(n)?.to_vec())
                    } else {
                        None
                    }
                } else {
                    None
                };
                let value = if defined { value } else { None };
                Ok(FillValue { version, alloc, fill_time: fill, value })
            }
            3 => {
                let flags = c.u8()?;
                let value = if flags & 0x20 != 0 {
                    let n = c.u32()? as usize;
                    Some(c.bytes(n)?.to_vec())
                } else {
                    None
                };
                Ok(FillValue {
                    version,
                    alloc: alloc_time(flags & 3),
                    fill_time: fill_time((flags >> 2) & 3),
                    value,
                })
            }
            v => Err(c.error(format!("unsupported version {v}"))),
        }
    }

    /// Decode the old fill value message (0x0004): a size and the value.
    pub fn decode_old(data: &[u8], offset: u64) -> Result<FillValue> {
        let mut c = Cursor::new(data, offset, "old fill value message");
        let n = c.u32()? as usize;
        let value = c.bytes(n)?.to_vec();
        Ok(FillValue {
            version: 0,
            alloc: AllocTime::Default,
            fill_time: FillTime::IfSet,
            value: Some(value),
        })
    }

    /// Encode as version 2 (what libhdf5 writes with the earliest format).
    pub fn encode_v2(&self) -> Vec<u8> {
        let alloc = match self.alloc {
            AllocTime::Default => 0,
            AllocTime::Early => 1,
            AllocTime::Late => 2,
            AllocTime::Incremental => 3,
        };
        let fill = match self.fill_time {
            FillTime::Alloc => 0,
            FillTime::Never => 1,
            FillTime::IfSet => 2,
        };
        let mut e = Encoder::new();
        e.u8(2).u8(alloc).u8(fill);
        match &self.value {
            Some(v) => {
                e.u8(1).u32(v.len() as u32).bytes(v);
            }
            None => {
                e.u8(0);
            }
        }
        e.buf
    }
}
