//! Filter pipeline message (0x000B), versions 1 and 2: the filters applied to chunks, in
//! the order they are applied when writing.

use crate::Result;
use crate::raw::cursor::{Cursor, Encoder};

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

/// A decoded pipeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterPipeline {
    /// Filters in application (write) order.
    pub filters: Vec<Filter>,
}

impl FilterPipeline {
    /// Decode.
    pub fn decode(data: &[u8], offset: u64) -> Result<FilterPipeline> {
        let mut c = Cursor::new(data, offset, "filter pipeline message");
        let version = c.u8()?;
        let n = c.u8()? as usize;
        if version == 1 {
            c.skip(6)?;
        } else if version != 2 {
            return Err(c.error(format!("unsupported version {version}")));
        }
        if n > 32 {
            return Err(c.error(format!("{n} filters (at most 32)")));
        }
        let mut filters = Vec::with_capacity(n);
        for _ in 0..n {
            let id = c.u16()?;
            let name_len = if version == 1 || id >= 256 { c.u16()? as usize } else { 0 };
            let flags = c.u16()?;
            let nparams = c.u16()? as usize;
            let name = if name_len > 0 {
                let raw = c.bytes(name_len)?;
                if version == 1 {
                    c.skip((8 - name_len % 8) % 8)?;
                }
                Some(
                    String::from_utf8_lossy(raw.split(|&b| b == 0).next().unwrap_or(&[]))
                        .into_owned(),
                )
            } else {
                None
            };
            if nparams * 4 > c.remaining() {
                return Err(c.error(format!("{nparams} client values overrun the message")));
            }
            let mut params = Vec::with_capacity(nparams);
            for _ in 0..nparams {
                params.push(c.u32()?);
            }
            if version == 1 && nparams % 2 == 1 {
                c.skip(4)?;
            }
            filters.push(Filter { id, name, flags, params });
        }
        Ok(FilterPipeline { filters })
    }

    /// Encode as version 1 (names padded to 8 bytes, as libhdf5's earliest format does).
    pub fn encode_v1(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        e.u8(1).u8(self.filters.len() as u8).zeros(6);
        for f in &self.filters {
            let name: &[u8] = match f.id {
                id::DEFLATE => b"deflate",
                id::SHUFFLE => b"shuffle",
                id::FLETCHER32 => b"fletcher32",
                _ => f.name.as_deref().unwrap_or("").as_bytes(),
            };
            let padded = if name.is_empty() { 0 } else { (name.len() + 1).div_ceil(8) * 8 };
            e.u16(f.id).u16(padded as u16).u16(f.flags).u16(f.params.len() as u16);
            if padded > 0 {
                e.bytes(name).zeros(padded - name.len());
            }
            for &p in &f.params {
                e.u32(p);
            }
            if f.params.len() % 2 == 1 {
                e.u32(0);
            }
        }
        e.buf
    }
}
