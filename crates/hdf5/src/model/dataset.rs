//! Datasets: type, shape, layout, filters and fill value, and reads of the whole dataset or a
//! selection (ranges or index lists on each axis) into raw bytes, typed vectors, ndarray or
//! [`Value`] trees.

use super::attribute::{Attribute, resolve_type};
use super::chunks::{self, ChunkEntry, ChunkGeometry, ChunkMap};
use super::convert::{H5Type, NumKind, convert};
use super::file::File;
use super::object::attributes_of;
use super::read::{self, Selection};
use super::value::{ElementDecoder, Value};
use crate::filters::{ChunkDecoder, check_pipeline};
use crate::raw::messages::dataspace::Dataspace;
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::fill_value::FillValue;
use crate::raw::messages::filter_pipeline::FilterPipeline;
use crate::raw::messages::layout::{ChunkIndex, Layout};
use crate::raw::messages::shared::SharedRef;
use crate::raw::object_header::{ObjectHeader, flag, kind};
use crate::{Error, Result, ResultExt};
use std::sync::{Arc, OnceLock};

/// A dataset.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub(crate) file: File,
    pub(crate) path: String,
    pub(crate) addr: u64,
    pub(crate) header: Arc<ObjectHeader>,
    dtype: Datatype,
    space: Dataspace,
    layout: Layout,
    pipeline: FilterPipeline,
    fill: Option<FillValue>,
    chunk_map: Arc<OnceLock<Arc<ChunkMap>>>,
}

impl Dataset {
    pub(crate) fn from_header(
        file: File,
        path: String,
        addr: u64,
        header: Arc<ObjectHeader>,
    ) -> Result<Dataset> {
        let sizes = file.inner.src.sizes;
        let p = path.as_str();
        let need = |k: u16, what: &str| {
            header.first(k).ok_or_else(|| {
                Error::malformed("dataset", addr, format!("no {what} message")).at(p)
            })
        };
        let tm = need(kind::DATATYPE, "datatype")?;
        let dtype = if tm.flags & flag::SHARED != 0 {
            resolve_type(&file, &SharedRef::decode(&tm.data, tm.offset, sizes).at(p)?).at(p)?
        } else {
            Datatype::decode(&tm.data, tm.offset).at(p)?
        };
        // The element size is a claim of the file (up to 4 GiB, more for arrays): the fill
        // element and every read allocate at least one element.
        file.inner.src.limits.check_bytes(p, "element bytes", dtype.size())?;
        let sm = need(kind::DATASPACE, "dataspace")?;
        if sm.flags & flag::SHARED != 0 {
            return Err(Error::unsupported("shared dataspace message").at(p));
        }
        let space = Dataspace::decode(&sm.data, sm.offset, sizes).at(p)?;
        let layout = match header.first(kind::LAYOUT) {
            Some(m) => Layout::decode(&m.data, m.offset, sizes).at(p)?,
            None => Layout::Contiguous { address: None, size: 0 },
        };
        let pipeline = match header.first(kind::FILTER_PIPELINE) {
            Some(m) => FilterPipeline::decode(&m.data, m.offset).at(p)?,
            None => FilterPipeline::default(),
        };
        let fill = match (header.first(kind::FILL_VALUE), header.first(kind::FILL_VALUE_OLD)) {
            (Some(m), _) => Some(FillValue::decode(&m.data, m.offset).at(p)?),
            (None, Some(m)) => Some(FillValue::decode_old(&m.data, m.offset).at(p)?),
            _ => None,
        };
        Ok(Dataset {
            file,
            path,
            addr,
            header,
            dtype,
            space,
            layout,
            pipeline,
            fill,
            chunk_map: Arc::default(),
        })
    }

    /// Path it was reached by.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Header address.
    pub fn address(&self) -> u64 {
        self.addr
    }

    /// The file.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The object header.
    pub fn header(&self) -> &ObjectHeader {
        &self.header
    }

    /// Element type.
    pub fn dtype(&self) -> &Datatype {
        &self.dtype
    }

    /// Dataspace.
    pub fn space(&self) -> &Dataspace {
        &self.space
    }

    /// Layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Filter pipeline (empty when unfiltered).
    pub fn pipeline(&self) -> &FilterPipeline {
        &self.pipeline
    }

    /// Fill value message, if any.
    pub fn fill_value(&self) -> Option<&FillValue> {
        self.fill.as_ref()
    }

    /// Current shape (empty for scalars; `None` for a null dataspace).
    pub fn shape(&self) -> Option<Vec<u64>> {
        match &self.space {
            Dataspace::Null => None,
            s => Some(s.dims().to_vec()),
        }
    }

    /// Maximum shape (`None` entries unlimited).
    pub fn max_shape(&self) -> Vec<Option<u64>> {
        self.space.max_dims()
    }

    /// Chunk shape, for chunked datasets.
    pub fn chunk_shape(&self) -> Option<&[u64]> {
        match &self.layout {
            Layout::Chunked { chunk, .. } => Some(chunk),
            _ => None,
        }
    }

    /// Attributes.
    pub fn attributes(&self) -> Result<Vec<Attribute>> {
        attributes_of(&self.file, &self.header, &self.path)
    }

    /// One attribute by name.
    pub fn attribute(&self, name: &str) -> Result<Option<Attribute>> {
        Ok(self.attributes()?.into_iter().find(|a| a.name() == name))
    }

    /// The fill value bytes of one element (zeros unless defined).
    pub fn fill_bytes(&self) -> Vec<u8> {
        let n = self.dtype.size() as usize;
        match self.fill.as_ref().and_then(|f| f.value.as_ref()) {
            Some(v) if v.len() == n && !self.dtype.has_vlen() => v.clone(),
            // alloc: element size, under max_read_bytes (checked in from_header)
            _ => vec![0; n],
        }
    }

    /// Chunk geometry (chunked datasets).
    pub fn geometry(&self) -> Option<ChunkGeometry> {
        let Layout::Chunked { chunk, unfiltered_edges, .. } = &self.layout else {
            return None;
        };
        let dims = self.space.dims().to_vec();
        let max_dims = match &self.space {
            Dataspace::Simple { max, .. } => max.clone(),
            _ => dims.clone(),
        };
        let elems = chunk.iter().try_fold(1u64, |a, &c| a.checked_mul(c))?;
        Some(ChunkGeometry {
            dims,
            max_dims,
            chunk: chunk.clone(),
            chunk_bytes: elems.checked_mul(self.dtype.size())?,
            filtered: !self.pipeline.filters.is_empty(),
            unfiltered_edges: *unfiltered_edges,
        })
    }

    fn check_readable(&self) -> Result<()> {
        if let Some(m) = self.header.first(kind::EXTERNAL_FILES) {
            let _ = m;
            return Err(Error::unsupported("external data files").at(&self.path));
        }
        if matches!(self.layout, Layout::Virtual) {
            return Err(Error::unsupported("virtual dataset layout").at(&self.path));
        }
        check_pipeline(&self.pipeline).at(&self.path)?;
        if let Layout::Chunked { chunk, element_size, .. } = &self.layout {
            let rank = self.space.dims().len();
            if chunk.len() != rank {
                return Err(Error::malformed(
                    "layout message",
                    self.addr,
                    format!("chunk rank {} for a dataset of rank {rank}", chunk.len()),
                )
                .at(&self.path));
            }
            if *element_size != self.dtype.size() && rank > 0 {
                return Err(Error::malformed(
                    "layout message",
                    self.addr,
                    format!(
                        "element size {element_size} differs from the datatype size {}",
                        self.dtype.size()
                    ),
                )
                .at(&self.path));
            }
            let geo = self.geometry().ok_or_else(|| {
                Error::malformed("layout message", self.addr, "chunk size overflows").at(&self.path)
            })?;
            let limit = self.file.inner.src.limits.max_chunk_bytes;
            if geo.chunk_bytes > limit {
                return Err(Error::limit("chunk bytes", geo.chunk_bytes, limit).at(&self.path));
            }
        }
        Ok(())
    }

    /// The allocated chunks (chunked datasets; none otherwise): a lookup by grid
    /// coordinates and the list in index order. Over storage whose reads are costly
    /// ([`ReadAt::is_remote`](crate::storage::ReadAt::is_remote)) a v1 B-tree index is read
    /// on demand by [`ChunkMap::get`], and whole only when [`ChunkMap::entries`] is asked.
    pub fn chunks(&self) -> Result<Arc<ChunkMap>> {
        if let Some(m) = self.chunk_map.get() {
            return Ok(m.clone());
        }
        self.check_readable()?;
        let src = &self.file.inner.src;
        let k = self.file.inner.superblock.indexed_storage_k;
        let entries: Vec<ChunkEntry> = match (&self.layout, self.geometry()) {
            // Costly reads: a v1 B-tree is descended per lookup, not read whole.
            (
                Layout::Chunked { index: ChunkIndex::BTreeV1, address: Some(root), .. },
                Some(geo),
            ) if src.storage().is_remote() => {
                let map = Arc::new(ChunkMap::lazy(src.clone(), *root, geo, k));
                let _ = self.chunk_map.set(map.clone());
                return Ok(map);
            }
            (Layout::Chunked { index, address, .. }, Some(geo)) => {
                chunks::entries(src, index, *address, &geo, k).at(&self.path)?
            }
            _ => Vec::new(),
        };
        let chunk = self.chunk_shape().map(|c| c.to_vec()).unwrap_or_default();
        let map = Arc::new(ChunkMap::new(entries, self.space.dims(), &chunk));
        let _ = self.chunk_map.set(map.clone());
        Ok(map)
    }

    /// Bytes used by the stored data (chunk sizes summed; contiguous or compact size).
    pub fn storage_size(&self) -> Result<u64> {
        Ok(match &self.layout {
            Layout::Compact { data } => data.len() as u64,
            Layout::Contiguous { address: Some(_), size } => *size,
            Layout::Contiguous { address: None, .. } => 0,
            Layout::Chunked { .. } => {
                self.chunks()?.entries().at(&self.path)?.iter().map(|e| e.size).sum()
            }
            Layout::Virtual => 0,
        })
    }

    /// Decode one stored chunk into `out` (exactly the chunk size).
    pub fn decode_chunk(
        &self,
        entry: &ChunkEntry,
        decoder: &mut ChunkDecoder,
        raw: &mut Vec<u8>,
        out: &mut [u8],
    ) -> Result<()> {
        let src = &self.file.inner.src;
        let n = usize::try_from(entry.size)
            .map_err(|_| Error::limit("stored chunk bytes", entry.size, u32::MAX as u64))?;
        if entry.size > src.limits.max_chunk_bytes.saturating_mul(2).saturating_add(1 << 16) {
            return Err(Error::limit("stored chunk bytes", entry.size, src.limits.max_chunk_bytes)
                .at(&self.path));
        }
        let limit = src.limits.max_chunk_bytes;
        if let Some(b) = src.bytes_at(entry.address, n) {
            return decoder
                .decode(&self.pipeline, entry.filter_mask, b, out, limit)
                .map_err(|e| chunk_error(e, entry, &self.path));
        }
        // A chunk past the end of the file is an error before anything is allocated for it.
        src.check_range(entry.address, entry.size, "chunk").at(&self.path)?;
        raw.clear();
        raw.resize(n, 0);
        src.read_into(entry.address, raw, "chunk").at(&self.path)?;
        decoder
            .decode(&self.pipeline, entry.filter_mask, raw, out, limit)
            .map_err(|e| chunk_error(e, entry, &self.path))
    }

    /// Raw element bytes (file byte order) of a selection, row-major, and the result shape.
    pub fn read_raw(&self, sel: &[Selection]) -> Result<(Vec<u8>, Vec<u64>)> {
        self.check_readable()?;
        read::read_selection(self, sel).at(&self.path)
    }

    /// Raw bytes of the whole dataset.
    pub fn read_raw_all(&self) -> Result<Vec<u8>> {
        Ok(self.read_raw(&[])?.0)
    }

    /// The whole dataset converted to `T`, row-major.
    pub fn read<T: H5Type>(&self) -> Result<Vec<T>> {
        self.read_selection(&[])
    }

    /// A selection converted to `T`, row-major.
    pub fn read_selection<T: H5Type>(&self, sel: &[Selection]) -> Result<Vec<T>> {
        let k = NumKind::of(&self.dtype).at(&self.path)?;
        let (raw, _) = self.read_raw(sel)?;
        Ok(convert(k, &raw))
    }

    /// The whole dataset as an ndarray.
    #[cfg(feature = "ndarray")]
    pub fn read_array<T: H5Type>(&self) -> Result<ndarray::ArrayD<T>> {
        self.read_array_selection(&[])
    }

    /// A selection as an ndarray.
    #[cfg(feature = "ndarray")]
    pub fn read_array_selection<T: H5Type>(&self, sel: &[Selection]) -> Result<ndarray::ArrayD<T>> {
        let k = NumKind::of(&self.dtype).at(&self.path)?;
        let (raw, shape) = self.read_raw(sel)?;
        let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
        ndarray::ArrayD::from_shape_vec(shape, convert(k, &raw))
            .map_err(|e| Error::invalid(format!("shape mismatch: {e}")).at(&self.path))
    }

    /// String elements (fixed or variable length) of the whole dataset, row-major.
    pub fn read_strings(&self) -> Result<Vec<String>> {
        self.read_strings_selection(&[])
    }

    /// String elements of a selection.
    pub fn read_strings_selection(&self, sel: &[Selection]) -> Result<Vec<String>> {
        if !matches!(self.dtype, Datatype::String { .. } | Datatype::VarString { .. }) {
            return Err(Error::invalid("not a string dataset").at(&self.path));
        }
        let (raw, _) = self.read_raw(sel)?;
        let dec = ElementDecoder { file: &self.file.inner };
        let es = self.dtype.size() as usize;
        raw.chunks_exact(es.max(1))
            .map(|b| match dec.scalar(&self.dtype, b)? {
                Value::Str(s) => Ok(s),
                _ => Err(Error::invalid("not a string")),
            })
            .collect::<Result<Vec<_>>>()
            .at(&self.path)
    }

    /// The whole dataset as a [`Value`] tree (`Value::Null` for a null dataspace).
    pub fn value(&self) -> Result<Value> {
        let Some(shape) = self.shape() else {
            return Ok(Value::Null);
        };
        // A decoded tree costs about one `Value` per element: budget that, not just the bytes.
        let count = self.space.element_count().unwrap_or(u64::MAX);
        self.file.inner.src.limits.check_elements(&self.path, "a decoded value of", count)?;
        let tree = count.saturating_mul(size_of::<Value>() as u64);
        self.file.inner.src.limits.check_bytes(&self.path, "decoded value bytes", tree)?;
        let raw = self.read_raw_all()?;
        ElementDecoder { file: &self.file.inner }.array(&self.dtype, &shape, &raw).at(&self.path)
    }
}

fn chunk_error(e: Error, entry: &ChunkEntry, path: &str) -> Error {
    match e {
        Error::Malformed { what, detail, .. } => Error::Malformed {
            path: path.to_string(),
            what,
            offset: entry.address,
            detail: format!("chunk at {:?}: {detail}", entry.offset),
        },
        other => other.at(path),
    }
}
