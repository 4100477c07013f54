//! Attribute values for the writer: numbers, strings (fixed or variable length) and arrays,
//! and their encoding into attribute messages (variable-length bodies go to the global heap).

use super::global_heap::HeapWriter;
use super::space::Space;
use crate::raw::Sizes;
use crate::raw::messages::attribute::AttributeMessage;
use crate::raw::messages::dataspace::Dataspace;
use crate::raw::messages::datatype::{Charset, Datatype, StrPad};
use crate::{H5Type, Result};

/// The data of an attribute or dataset value.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// Fixed-size elements, already in the datatype's little-endian encoding.
    Raw(Vec<u8>),
    /// Variable-length strings (the datatype is a vlen string).
    Strings(Vec<String>),
}

/// A value to store: type, shape and data.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrValue {
    /// Element type.
    pub dtype: Datatype,
    /// Shape.
    pub space: Dataspace,
    /// Data.
    pub data: Data,
}

impl AttrValue {
    /// A scalar variable-length UTF-8 string (what h5py writes for a Python `str`).
    pub fn string(s: &str) -> AttrValue {
        AttrValue {
            dtype: Datatype::vlen_utf8(),
            space: Dataspace::Scalar,
            data: Data::Strings(vec![s.to_string()]),
        }
    }

    /// A 1-D array of variable-length UTF-8 strings.
    pub fn strings(v: &[String]) -> AttrValue {
        AttrValue {
            dtype: Datatype::vlen_utf8(),
            space: Dataspace::Simple { dims: vec![v.len() as u64], max: vec![v.len() as u64] },
            data: Data::Strings(v.to_vec()),
        }
    }

    /// A scalar fixed-length ASCII string, NUL-padded to its length (spec 2 style).
    pub fn fixed_string(s: &str) -> AttrValue {
        let b = s.as_bytes();
        AttrValue {
            dtype: Datatype::String {
                size: b.len().max(1) as u32,
                pad: StrPad::NullPad,
                charset: Charset::Ascii,
            },
            space: Dataspace::Scalar,
            data: Data::Raw(if b.is_empty() { vec![0] } else { b.to_vec() }),
        }
    }

    /// A 1-D array of fixed-length ASCII strings padded to the longest.
    pub fn fixed_strings(v: &[String]) -> AttrValue {
        let n = v.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
        // alloc: caller's data
        let mut raw = Vec::with_capacity(n * v.len());
        for s in v {
            raw.extend_from_slice(s.as_bytes());
            raw.resize(raw.len() + n - s.len(), 0);
        }
        AttrValue {
            dtype: Datatype::String {
                size: n as u32,
                pad: StrPad::NullPad,
                charset: Charset::Ascii,
            },
            space: Dataspace::Simple { dims: vec![v.len() as u64], max: vec![v.len() as u64] },
            data: Data::Raw(raw),
        }
    }

    /// A numeric scalar.
    pub fn scalar<T: H5Type>(v: T) -> AttrValue {
        let mut raw = Vec::new();
        v.write_le(&mut raw);
        AttrValue { dtype: T::datatype(), space: Dataspace::Scalar, data: Data::Raw(raw) }
    }

    /// A numeric array of `shape`.
    pub fn array<T: H5Type>(v: &[T], shape: &[u64]) -> AttrValue {
        // alloc: caller's data
        let mut raw = Vec::with_capacity(v.len() * T::datatype().size() as usize);
        for &x in v {
            x.write_le(&mut raw);
        }
        AttrValue {
            dtype: T::datatype(),
            space: Dataspace::Simple { dims: shape.to_vec(), max: shape.to_vec() },
            data: Data::Raw(raw),
        }
    }

    /// Encode `data` as the raw element bytes of the value, storing vlen bodies in the heap.
    pub fn encode_data(
        dtype: &Datatype,
        data: &Data,
        space: &mut Space,
        heap: &mut HeapWriter,
        sizes: Sizes,
    ) -> Result<Vec<u8>> {
        match data {
            Data::Raw(r) => Ok(r.clone()),
            Data::Strings(v) => {
                if !matches!(dtype, Datatype::VarString { .. }) {
                    return Err(crate::Error::invalid("string data for a non-vlen-string type"));
                }
                // alloc: caller's data
                let mut out = Vec::with_capacity(v.len() * (8 + sizes.offset as usize));
                for s in v {
                    out.extend_from_slice(&heap.descriptor(
                        space,
                        sizes,
                        s.len() as u32,
                        s.as_bytes(),
                    )?);
                }
                Ok(out)
            }
        }
    }

    /// Encode the attribute message body for `name`.
    pub fn encode_message(
        &self,
        name: &str,
        space: &mut Space,
        heap: &mut HeapWriter,
        sizes: Sizes,
    ) -> Result<Vec<u8>> {
        let raw = Self::encode_data(&self.dtype, &self.data, space, heap, sizes)?;
        let n = self.space.element_count().unwrap_or(0);
        if raw.len() as u64 != n * self.dtype.size() {
            return Err(crate::Error::invalid(format!(
                "attribute {name}: {} bytes of data for {n} elements of {} bytes",
                raw.len(),
                self.dtype.size()
            )));
        }
        Ok(AttributeMessage::encode_v1(name, &self.dtype, &self.space, &raw, sizes))
    }
}
