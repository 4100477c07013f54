//! Attributes: name, type, shape and value of an attribute message.

use super::convert::{H5Type, NumKind, convert};
use super::file::File;
use super::value::{ElementDecoder, Value};
use crate::raw::messages::attribute::{AttrType, AttributeMessage};
use crate::raw::messages::dataspace::Dataspace;
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::shared::SharedRef;
use crate::raw::object_header::kind;
use crate::{Error, Result, ResultExt};

/// An attribute of a group, dataset or committed datatype.
#[derive(Clone, Debug)]
pub struct Attribute {
    file: File,
    path: String,
    name: String,
    dtype: Datatype,
    space: Dataspace,
    raw: Vec<u8>,
    creation_order: Option<u64>,
}

/// Resolve a possibly shared (committed) datatype.
pub(crate) fn resolve_type(file: &File, r: &SharedRef) -> Result<Datatype> {
    match r {
        SharedRef::Header(addr) => {
            let h = file.inner.header(*addr)?;
            let m = h.first(kind::DATATYPE).ok_or_else(|| {
                Error::malformed("committed datatype", *addr, "no datatype message")
            })?;
            Datatype::decode(&m.data, m.offset)
        }
        SharedRef::Heap(_) => Err(Error::unsupported("shared object header messages (SOHM heap)")),
    }
}

impl Attribute {
    pub(crate) fn new(file: File, path: &str, m: AttributeMessage) -> Result<Attribute> {
        let full = format!("{path}@{}", m.name);
        let dtype = match m.dtype {
            AttrType::Inline(t) => t,
            AttrType::Shared(r) => resolve_type(&file, &r).at(&full)?,
        };
        let n = m
            .space
            .element_count()
            .ok_or_else(|| Error::malformed("attribute", 0, "element count overflows").at(&full))?;
        let need = n
            .checked_mul(dtype.size())
            .ok_or_else(|| Error::malformed("attribute", 0, "size overflows").at(&full))?;
        if (m.data.len() as u64) < need {
            return Err(Error::malformed(
                "attribute message",
                0,
                format!("value holds {} bytes, its type and shape need {need}", m.data.len()),
            )
            .at(&full));
        }
        let mut raw = m.data;
        raw.truncate(need as usize);
        Ok(Attribute {
            file,
            path: path.to_string(),
            name: m.name,
            dtype,
            space: m.space,
            raw,
            creation_order: m.creation_order,
        })
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Element type.
    pub fn dtype(&self) -> &Datatype {
        &self.dtype
    }

    /// Dataspace.
    pub fn space(&self) -> &Dataspace {
        &self.space
    }

    /// Shape (`None` for a null dataspace, empty for a scalar).
    pub fn shape(&self) -> Option<Vec<u64>> {
        match &self.space {
            Dataspace::Null => None,
            s => Some(s.dims().to_vec()),
        }
    }

    /// Creation order, when tracked.
    pub fn creation_order(&self) -> Option<u64> {
        self.creation_order
    }

    /// Raw value bytes as stored.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    fn where_(&self) -> String {
        format!("{}@{}", self.path, self.name)
    }

    /// The decoded value (`Value::Null` for a null dataspace; a bare value for scalars).
    pub fn value(&self) -> Result<Value> {
        let Some(shape) = self.shape() else {
            return Ok(Value::Null);
        };
        ElementDecoder { file: &self.file.inner }
            .array(&self.dtype, &shape, &self.raw)
            .at(&self.where_())
    }

    /// Numeric elements converted to `T` (row-major).
    pub fn read<T: H5Type>(&self) -> Result<Vec<T>> {
        let k = NumKind::of(&self.dtype).at(&self.where_())?;
        Ok(convert(k, &self.raw))
    }

    /// String elements (fixed or variable length), row-major.
    pub fn read_strings(&self) -> Result<Vec<String>> {
        match &self.dtype {
            Datatype::String { .. } | Datatype::VarString { .. } => {}
            _ => return Err(Error::invalid("not a string attribute").at(&self.where_())),
        }
        let dec = ElementDecoder { file: &self.file.inner };
        let es = self.dtype.size() as usize;
        self.raw
            .chunks_exact(es.max(1))
            .map(|b| match dec.scalar(&self.dtype, b)? {
                Value::Str(s) => Ok(s),
                _ => Err(Error::invalid("not a string")),
            })
            .collect::<Result<Vec<_>>>()
            .at(&self.where_())
    }
}
