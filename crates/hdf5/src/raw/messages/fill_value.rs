//! Fill value messages: the old form (0x0004) and the new one (0x0005, versions 1-3).

use crate::Result;
use crate::raw::binary::{self, bytes, remaining};
use binrw::io::{Read, Seek};
use binrw::{BinRead, BinResult, Endian, binrw};

/// A fill value: its size and bytes.
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Value {
    #[br(temp)]
    #[bw(calc = data.len() as u32)]
    size: u32,
    #[br(parse_with = bytes, args(size as usize))]
    pub data: Vec<u8>,
}

/// Versions 1 and 2 store a value when version 1 or "defined"; some writers leave it out.
fn optional_value<R: Read + Seek>(
    r: &mut R,
    e: Endian,
    (present,): (bool,),
) -> BinResult<Option<Value>> {
    if present && remaining(r)? >= 4 { Value::read_options(r, e, ()).map(Some) } else { Ok(None) }
}

/// The stored fill value message (0x0005), one variant per version layout.
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FillValueMessage {
    /// Versions 1 and 2: allocation time, fill time, "defined", then the value.
    V1V2 {
        #[br(assert(version == 1 || version == 2))]
        version: u8,
        alloc_time: u8,
        fill_time: u8,
        defined: u8,
        #[br(parse_with = optional_value, args(version == 1 || defined != 0))]
        value: Option<Value>,
    },
    /// Version 3: flags (allocation time, fill time, undefined, defined) then the value.
    #[brw(magic = 3u8)]
    V3 {
        flags: u8,
        #[br(if(flags & 0x20 != 0))]
        #[bw(if(flags & 0x20 != 0))]
        value: Option<Value>,
    },
}

/// The old fill value message (0x0004): a size and the value.
#[binrw]
#[brw(little)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FillValueOld {
    pub value: Value,
}

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
        const WHAT: &str = "fill value message";
        if let Some(&v) = data.first().filter(|&&v| !(1..=3).contains(&v)) {
            return Err(crate::Error::unsupported(format!("{WHAT} version {v}")));
        }
        Ok(match binary::parse(data, offset, WHAT, ())? {
            FillValueMessage::V1V2 { version, alloc_time: a, fill_time: f, defined, value } => {
                FillValue {
                    version,
                    alloc: alloc_time(a),
                    fill_time: fill_time(f),
                    value: value.filter(|_| defined != 0).map(|v| v.data),
                }
            }
            FillValueMessage::V3 { flags, value } => FillValue {
                version: 3,
                alloc: alloc_time(flags & 3),
                fill_time: fill_time((flags >> 2) & 3),
                value: value.map(|v| v.data),
            },
        })
    }

    /// Decode the old fill value message (0x0004): a size and the value.
    pub fn decode_old(data: &[u8], offset: u64) -> Result<FillValue> {
        let m: FillValueOld = binary::parse(data, offset, "old fill value message", ())?;
        Ok(FillValue {
            version: 0,
            alloc: AllocTime::Default,
            fill_time: FillTime::IfSet,
            value: Some(m.value.data),
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
        let m = FillValueMessage::V1V2 {
            version: 2,
            alloc_time: alloc,
            fill_time: fill,
            defined: self.value.is_some() as u8,
            value: self.value.clone().map(|data| Value { data }),
        };
        binary::encode(&m, ())
    }
}
