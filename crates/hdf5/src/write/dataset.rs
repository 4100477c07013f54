//! Datasets in the writer: creation from a [`DatasetSpec`], whole and partial writes
//! (partial chunks are read, merged and rewritten at a new address), pre-encoded chunk
//! writes for parallel encoders, variable-length strings, and resizing along unlimited axes.

use super::attr::{AttrValue, Data};
use super::header::OutMessage;
use super::tree::{DatasetNode, Node, NodeKind, Storage};
use super::{Writer, tree::NodeId};
use crate::File;
use crate::filters::ChunkEncoder;
use crate::model::chunks::ChunkEntry;
use crate::raw::messages::dataspace::{Dataspace, UNLIMITED};
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::fill_value::{AllocTime, FillTime, FillValue};
use crate::raw::messages::filter_pipeline::{Filter, FilterPipeline, id};
use crate::raw::messages::layout::Layout;
use crate::raw::object_header::{ObjectHeader, flag, kind};
use crate::{Error, H5Type, Result, ResultExt, Selection};
use std::collections::BTreeMap;

/// How a new dataset stores its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutSpec {
    /// One block, allocated when written.
    Contiguous,
    /// In the object header (small data only).
    Compact,
    /// Chunks of these dimensions.
    Chunked(Vec<u64>),
}

/// Everything needed to create a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetSpec {
    /// Element type.
    pub dtype: Datatype,
    /// Shape (empty for a scalar).
    pub shape: Vec<u64>,
    /// Maximum shape (`None` = unlimited); defaults to the shape.
    pub max_shape: Option<Vec<Option<u64>>>,
    /// Layout.
    pub layout: LayoutSpec,
    /// Filters in application order (deflate, shuffle, fletcher32).
    pub filters: Vec<Filter>,
    /// Fill value (one element), if not the default zeros.
    pub fill: Option<Vec<u8>>,
    /// A null dataspace (no elements, no shape; `shape` must be empty).
    pub null_space: bool,
}

impl DatasetSpec {
    /// A contiguous, unfiltered dataset.
    pub fn contiguous(dtype: Datatype, shape: &[u64]) -> Self {
        DatasetSpec {
            dtype,
            shape: shape.to_vec(),
            max_shape: None,
            layout: LayoutSpec::Contiguous,
            filters: vec![],
            fill: None,
            null_space: false,
        }
    }

    /// A dataset with a null dataspace (h5py's `Empty`).
    pub fn null(dtype: Datatype) -> Self {
        DatasetSpec { null_space: true, ..DatasetSpec::contiguous(dtype, &[]) }
    }

    /// A chunked dataset.
    pub fn chunked(dtype: Datatype, shape: &[u64], chunk: &[u64]) -> Self {
        DatasetSpec {
            dtype,
            shape: shape.to_vec(),
            max_shape: None,
            layout: LayoutSpec::Chunked(chunk.to_vec()),
            filters: vec![],
            fill: None,
            null_space: false,
        }
    }

    /// Set the maximum shape.
    pub fn max_shape(mut self, max: &[Option<u64>]) -> Self {
        self.max_shape = Some(max.to_vec());
        self
    }

    /// Add deflate at `level` (after shuffle, if any).
    pub fn gzip(mut self, level: u32) -> Self {
        self.filters.push(Filter { id: id::DEFLATE, name: None, flags: 1, params: vec![level] });
        self
    }

    /// Add shuffle (must come before deflate).
    pub fn shuffle(mut self) -> Self {
        let es = self.dtype.size() as u32;
        self.filters.insert(0, Filter { id: id::SHUFFLE, name: None, flags: 1, params: vec![es] });
        self
    }

    /// Add fletcher32 (last).
    pub fn fletcher32(mut self) -> Self {
        self.filters.push(Filter { id: id::FLETCHER32, name: None, flags: 0, params: vec![] });
        self
    }

    /// Set the fill value.
    pub fn fill(mut self, one_element: Vec<u8>) -> Self {
        self.fill = Some(one_element);
        self
    }
}

/// Build the writer's node for an existing dataset.
pub(super) fn load(file: &File, header: &ObjectHeader, path: &str) -> Result<DatasetNode> {
    let ds = match crate::Object::open(file.clone(), path.to_string(), header.address)? {
        crate::Object::Dataset(d) => d,
        _ => return Err(Error::invalid("not a dataset").at(path)),
    };
    let copy = |k: u16| header.first(k).map(|m| OutMessage::new(k, m.flags, m.data.to_vec()));
    let dtype_msg = copy(kind::DATATYPE)
        .ok_or_else(|| Error::malformed("dataset", header.address, "no datatype").at(path))?;
    let mut fill_msgs = Vec::new();
    fill_msgs.extend(copy(kind::FILL_VALUE));
    fill_msgs.extend(copy(kind::FILL_VALUE_OLD));
    let skip = [
        kind::NIL,
        kind::DATASPACE,
        kind::DATATYPE,
        kind::FILL_VALUE,
        kind::FILL_VALUE_OLD,
        kind::LAYOUT,
        kind::FILTER_PIPELINE,
        kind::ATTRIBUTE,
        kind::ATTRIBUTE_INFO,
        kind::CONTINUATION,
        kind::REFCOUNT,
        kind::MTIME,
        kind::MTIME_OLD,
    ];
    let other_msgs = header
        .messages
        .iter()
        .filter(|m| !skip.contains(&m.kind))
        .map(|m| OutMessage::new(m.kind, m.flags, m.data.to_vec()))
        .collect();
    let storage = match ds.layout() {
        Layout::Compact { data } => Storage::Compact(data.clone()),
        Layout::Contiguous { address, size } => {
            Storage::Contiguous { address: *address, size: *size }
        }
        Layout::Chunked { chunk, .. } => {
            let map = ds.chunks()?;
            let entries = map.entries()?.iter().map(|e| (e.offset.clone(), e.clone())).collect();
            Storage::Chunked { chunk: chunk.clone(), entries }
        }
        Layout::Virtual => return Err(Error::unsupported("editing a virtual dataset").at(path)),
    };
    Ok(DatasetNode {
        dtype: ds.dtype().clone(),
        dtype_msg,
        space: ds.space().clone(),
        pipeline: ds.pipeline().clone(),
        pipeline_msg: copy(kind::FILTER_PIPELINE),
        fill_msgs,
        fill: ds.fill_bytes(),
        other_msgs,
        storage,
        layout_raw: copy(kind::LAYOUT),
    })
}

fn row_major_strides(shape: &[u64]) -> Vec<u64> {
    // alloc: rank <= MAX_RANK (32, dataspace decoder or caller's shape)
    let mut s = vec![1u64; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

impl Writer {
    /// Create a dataset (its data is written with the `write*` calls; unwritten parts read as
    /// the fill value).
    pub fn create_dataset(&mut self, path: &str, spec: DatasetSpec) -> Result<()> {
        let es = spec.dtype.size();
        if es == 0 {
            return Err(Error::invalid("datatype of size 0").at(path));
        }
        let max: Vec<u64> = match &spec.max_shape {
            Some(m) => {
                if m.len() != spec.shape.len() {
                    return Err(Error::invalid("max_shape rank differs from shape").at(path));
                }
                m.iter().map(|x| x.unwrap_or(UNLIMITED)).collect()
            }
            None => spec.shape.clone(),
        };
        if spec.shape.iter().zip(&max).any(|(d, m)| d > m) {
            return Err(Error::invalid("shape exceeds max_shape").at(path));
        }
        let space = if spec.null_space {
            Dataspace::Null
        } else if spec.shape.is_empty() {
            Dataspace::Scalar
        } else {
            Dataspace::Simple { dims: spec.shape.clone(), max: max.clone() }
        };
        let total = if spec.null_space { 0 } else { spec.shape.iter().product::<u64>() * es };
        let storage = match &spec.layout {
            // libhdf5 refuses these ("extendible contiguous/compact dataset not allowed").
            LayoutSpec::Contiguous | LayoutSpec::Compact if max != spec.shape => {
                return Err(Error::invalid(
                    "a maximum shape beyond the shape (extendible) needs a chunked layout",
                )
                .at(path));
            }
            LayoutSpec::Contiguous => Storage::Contiguous { address: None, size: total },
            LayoutSpec::Compact => {
                if total > 60_000 {
                    return Err(Error::invalid("compact datasets must be under 64 KiB").at(path));
                }
                // alloc: element size: compact total <= 60_000 (checked above)
                let fill = spec.fill.clone().unwrap_or_else(|| vec![0; es as usize]);
                Storage::Compact(fill.iter().copied().cycle().take(total as usize).collect())
            }
            LayoutSpec::Chunked(chunk) => {
                if chunk.len() != spec.shape.len() || chunk.contains(&0) || spec.shape.is_empty() {
                    return Err(Error::invalid(format!(
                        "chunk shape {chunk:?} for shape {:?}",
                        spec.shape
                    ))
                    .at(path));
                }
                let bytes = chunk.iter().try_fold(es, |a, &c| a.checked_mul(c));
                if bytes.is_none_or(|b| b >= 1 << 32) {
                    return Err(Error::invalid("chunks must be under 4 GiB").at(path));
                }
                Storage::Chunked { chunk: chunk.clone(), entries: BTreeMap::new() }
            }
        };
        if !spec.filters.is_empty() && !matches!(spec.layout, LayoutSpec::Chunked(_)) {
            return Err(Error::invalid("filters need a chunked layout").at(path));
        }
        let pipeline = FilterPipeline { filters: spec.filters.clone() };
        ChunkEncoder::check(&pipeline).at(path)?;
        let alloc = match spec.layout {
            LayoutSpec::Contiguous => AllocTime::Late,
            LayoutSpec::Compact => AllocTime::Early,
            LayoutSpec::Chunked(_) => AllocTime::Incremental,
        };
        let fv = FillValue {
            version: 2,
            alloc,
            fill_time: FillTime::IfSet,
            value: Some(if spec.dtype.has_vlen() {
                Vec::new()
            } else {
                spec.fill.clone().unwrap_or_default()
            }),
        };
        let fill = spec
            .fill
            .clone()
            .filter(|f| f.len() as u64 == es)
            // alloc: element size: opened datasets pass check_bytes in from_header; else caller's type
            .unwrap_or_else(|| vec![0; es as usize]);
        let node = DatasetNode {
            dtype_msg: OutMessage::new(kind::DATATYPE, flag::CONSTANT, spec.dtype.encode()),
            dtype: spec.dtype,
            space,
            pipeline_msg: (!pipeline.filters.is_empty()).then(|| {
                OutMessage::new(kind::FILTER_PIPELINE, flag::CONSTANT, pipeline.encode_v1())
            }),
            pipeline,
            fill_msgs: vec![OutMessage::new(kind::FILL_VALUE, flag::CONSTANT, fv.encode_v2())],
            fill,
            other_msgs: Vec::new(),
            storage,
            layout_raw: None,
        };
        let placeholder = Node {
            path: path.to_string(),
            parent: None,
            existing: None,
            refcount: 1,
            dirty: true,
            attrs: Vec::new(),
            kind: NodeKind::Dataset(Box::new(node)),
        };
        self.add_child(path, placeholder).map(|_| ())
    }

    fn dataset_id(&mut self, path: &str) -> Result<NodeId> {
        let id = self.resolve(path)?;
        match &self.nodes[id].kind {
            NodeKind::Dataset(_) => Ok(id),
            NodeKind::Group(_) => Err(Error::invalid("not a dataset").at(path)),
        }
    }

    fn ds(&self, id: NodeId) -> &DatasetNode {
        match &self.nodes[id].kind {
            NodeKind::Dataset(d) => d,
            NodeKind::Group(_) => unreachable!("dataset_id checked the kind"),
        }
    }

    fn ds_mut(&mut self, id: NodeId) -> &mut DatasetNode {
        match &mut self.nodes[id].kind {
            NodeKind::Dataset(d) => d,
            NodeKind::Group(_) => unreachable!("dataset_id checked the kind"),
        }
    }

    /// Shape of a dataset as the writer currently sees it.
    pub fn shape(&mut self, path: &str) -> Result<Vec<u64>> {
        let id = self.dataset_id(path)?;
        Ok(self.ds(id).space.dims().to_vec())
    }

    /// Element type of a dataset.
    pub fn dtype(&mut self, path: &str) -> Result<Datatype> {
        let id = self.dataset_id(path)?;
        Ok(self.ds(id).dtype.clone())
    }

    /// Filter pipeline of a dataset (for callers that encode chunks themselves).
    pub fn pipeline(&mut self, path: &str) -> Result<FilterPipeline> {
        let id = self.dataset_id(path)?;
        Ok(self.ds(id).pipeline.clone())
    }

    /// Chunk shape of a chunked dataset.
    pub fn chunk_shape(&mut self, path: &str) -> Result<Option<Vec<u64>>> {
        let id = self.dataset_id(path)?;
        Ok(match &self.ds(id).storage {
            Storage::Chunked { chunk, .. } => Some(chunk.clone()),
            _ => None,
        })
    }

    /// Change the shape of a chunked dataset within its maximum shape. Chunks entirely
    /// outside a smaller shape are dropped; partially outside ones are refilled beyond it.
    pub fn resize(&mut self, path: &str, new: &[u64]) -> Result<()> {
        let id = self.dataset_id(path)?;
        let d = self.ds(id);
        let Dataspace::Simple { dims, max } = &d.space else {
            return Err(Error::invalid("only simple dataspaces can be resized").at(path));
        };
        if new.len() != dims.len() || new.iter().zip(max).any(|(n, m)| n > m) {
            return Err(
                Error::invalid(format!("cannot resize {dims:?} to {new:?} (max {max:?})")).at(path)
            );
        }
        if !matches!(d.storage, Storage::Chunked { .. }) {
            if new != dims.as_slice() {
                return Err(Error::invalid("only chunked datasets can be resized").at(path));
            }
            return Ok(());
        }
        let old = dims.clone();
        let max = max.clone();
        let shrunk: Vec<usize> = (0..new.len()).filter(|&i| new[i] < old[i]).collect();
        if !shrunk.is_empty() {
            // Drop chunks now fully outside; clear the outside part of straddling chunks.
            let (chunk, entries): (Vec<u64>, Vec<ChunkEntry>) = match &self.ds(id).storage {
                Storage::Chunked { chunk, entries } => {
                    (chunk.clone(), entries.values().cloned().collect())
                }
                _ => unreachable!(),
            };
            for e in entries {
                let outside = e.offset.iter().zip(new).any(|(o, n)| o >= n);
                let straddles =
                    e.offset.iter().zip(&chunk).zip(new).any(|((o, c), n)| o < n && o + c > *n);
                if outside {
                    if let Storage::Chunked { entries, .. } = &mut self.ds_mut(id).storage {
                        entries.remove(&e.offset);
                    }
                    // The committed chunk index still lists the dropped chunk: write a new one.
                    self.ds_mut(id).layout_raw = None;
                } else if straddles {
                    let mut buf = self.read_chunk(id, &e.offset)?;
                    clear_outside(&mut buf, &e.offset, &chunk, new, &self.ds(id).fill);
                    self.put_chunk(id, &e.offset, &buf)?;
                }
            }
        }
        let d = self.ds_mut(id);
        d.space = Dataspace::Simple { dims: new.to_vec(), max };
        self.touch(id)
    }

    /// The decoded bytes of one chunk (fill value where unallocated).
    fn read_chunk(&mut self, id: NodeId, offset: &[u64]) -> Result<Vec<u8>> {
        let (chunk, entry) = match &self.ds(id).storage {
            Storage::Chunked { chunk, entries } => (chunk.clone(), entries.get(offset).cloned()),
            _ => return Err(Error::invalid("not chunked")),
        };
        let es = self.ds(id).dtype.size() as usize;
        let n = chunk.iter().product::<u64>() as usize * es;
        let Some(entry) = entry else {
            return Ok(self.ds(id).fill.iter().copied().cycle().take(n).collect());
        };
        // The stored size is a claim of the file: the reader's bound on stored chunks.
        let stored_max = self.limits.max_chunk_bytes.saturating_mul(2).saturating_add(1 << 16);
        if entry.size > stored_max {
            return Err(Error::limit(
                "stored chunk bytes",
                entry.size,
                self.limits.max_chunk_bytes,
            )
            .at(&self.nodes[id].path));
        }
        let end = entry.address.saturating_add(entry.size).saturating_add(self.space.base);
        if end > self.space.storage().len().map_err(Error::io)? {
            return Err(Error::malformed("chunk", entry.address, "past the end of the file")
                .at(&self.nodes[id].path));
        }
        // alloc: stored chunk size, under 2 * max_chunk_bytes and in the file (checked above)
        let mut raw = vec![0u8; entry.size as usize];
        self.space
            .storage()
            .read_exact_at(self.space.base + entry.address, &mut raw)
            .map_err(Error::io)?;
        // alloc: chunk size, under max_chunk_bytes (check_readable on open, or under 4 GiB at create)
        let mut out = vec![0u8; n];
        let pipeline = self.ds(id).pipeline.clone();
        self.decoder
            .decode(&pipeline, entry.filter_mask, &raw, &mut out, self.limits.max_chunk_bytes)
            .at(&self.nodes[id].path)?;
        Ok(out)
    }

    /// Encode and append one full chunk of decoded bytes at element offset `offset`.
    fn put_chunk(&mut self, id: NodeId, offset: &[u64], decoded: &[u8]) -> Result<()> {
        let pipeline = self.ds(id).pipeline.clone();
        let enc = match self.encoders.entry(ChunkEncoder::level(&pipeline)) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(ChunkEncoder::new(&pipeline)?),
        };
        let mut out = Vec::new();
        enc.encode(&pipeline, decoded, &mut out);
        self.write_encoded_chunk_id(id, offset, &out, 0)
    }

    fn write_encoded_chunk_id(
        &mut self,
        id: NodeId,
        offset: &[u64],
        bytes: &[u8],
        mask: u32,
    ) -> Result<()> {
        let address = self.space.append(bytes)?;
        let entry = ChunkEntry {
            offset: offset.to_vec(),
            address,
            size: bytes.len() as u64,
            filter_mask: mask,
        };
        match &mut self.ds_mut(id).storage {
            Storage::Chunked { entries, .. } => {
                entries.insert(offset.to_vec(), entry);
            }
            _ => return Err(Error::invalid("not chunked")),
        }
        self.ds_mut(id).layout_raw = None;
        self.touch(id)
    }

    /// Append an already-encoded chunk (encoded through this dataset's pipeline by the
    /// caller, e.g. in parallel) at element offset `offset`.
    pub fn write_encoded_chunk(
        &mut self,
        path: &str,
        offset: &[u64],
        bytes: &[u8],
        filter_mask: u32,
    ) -> Result<()> {
        let id = self.dataset_id(path)?;
        let chunk = match &self.ds(id).storage {
            Storage::Chunked { chunk, .. } => chunk.clone(),
            _ => return Err(Error::invalid("not a chunked dataset").at(path)),
        };
        if offset.len() != chunk.len() || offset.iter().zip(&chunk).any(|(o, c)| o % c != 0) {
            return Err(Error::invalid(format!(
                "{offset:?} is not a chunk offset for chunks {chunk:?}"
            ))
            .at(path));
        }
        self.write_encoded_chunk_id(id, offset, bytes, filter_mask)
    }

    /// Write raw element bytes (the datatype's encoding, row-major) into a box selection
    /// given as `Selection::All` or `Selection::Range` per axis.
    pub fn write_raw(&mut self, path: &str, sel: &[Selection], data: &[u8]) -> Result<()> {
        let id = self.dataset_id(path)?;
        if self.ds(id).space == Dataspace::Null {
            return Err(Error::invalid("a null dataspace holds no data").at(path));
        }
        let dims = self.ds(id).space.dims().to_vec();
        let es = self.ds(id).dtype.size() as usize;
        let rank = dims.len();
        if !sel.is_empty() && sel.len() != rank {
            return Err(Error::invalid("selection rank differs from the dataset rank").at(path));
        }
        // alloc: rank <= MAX_RANK (32)
        let mut start = vec![0u64; rank];
        let mut count = dims.clone();
        for (d, s) in sel.iter().enumerate() {
            match s {
                Selection::All => {}
                Selection::Range(a, b) if a <= b && *b <= dims[d] => {
                    start[d] = *a;
                    count[d] = b - a;
                }
                other => {
                    return Err(
                        Error::invalid(format!("write selection {other:?} on axis {d}")).at(path)
                    );
                }
            }
        }
        let n: u64 = count.iter().product::<u64>() * es as u64;
        if data.len() as u64 != n {
            return Err(
                Error::invalid(format!("{} bytes for a selection of {n}", data.len())).at(path)
            );
        }
        if n == 0 {
            return Ok(());
        }
        let path_s = path.to_string();
        // Only the chunk shape of a chunked dataset is needed: cloning its whole chunk map
        // here would make every partial write cost O(chunks in the dataset).
        let storage = match &self.ds(id).storage {
            Storage::Chunked { chunk, .. } => {
                Storage::Chunked { chunk: chunk.clone(), entries: BTreeMap::new() }
            }
            other => other.clone(),
        };
        match storage {
            Storage::Compact(mut buf) => {
                scatter_box(&mut buf, &dims, &start, &count, data, es);
                self.ds_mut(id).storage = Storage::Compact(buf);
                self.ds_mut(id).layout_raw = None;
                self.touch(id)
            }
            Storage::Contiguous { address, size } => {
                // Copy-on-write: the whole block is rewritten at a new address.
                let mut buf = match address {
                    Some(a) => {
                        // The stored size of an opened file is a claim of the file.
                        self.limits.check_bytes(&path_s, "contiguous data bytes", size)?;
                        // alloc: stored size, under max_read_bytes (checked above)
                        let mut b = vec![0u8; size as usize];
                        self.space
                            .storage()
                            .read_exact_at(self.space.base + a, &mut b)
                            .map_err(Error::io)?;
                        b
                    }
                    None => self.ds(id).fill.iter().copied().cycle().take(size as usize).collect(),
                };
                if rank == 0 {
                    buf.copy_from_slice(data);
                } else {
                    scatter_box(&mut buf, &dims, &start, &count, data, es);
                }
                let at = self.space.append(&buf).at(&path_s)?;
                self.ds_mut(id).storage = Storage::Contiguous { address: Some(at), size };
                self.ds_mut(id).layout_raw = None;
                self.touch(id)
            }
            Storage::Chunked { chunk, .. } => {
                let first: Vec<u64> = start.iter().zip(&chunk).map(|(s, c)| s / c).collect();
                let last: Vec<u64> = start
                    .iter()
                    .zip(&count)
                    .zip(&chunk)
                    .map(|((s, n), c)| (s + n - 1) / c)
                    .collect();
                let mut idx = first.clone();
                loop {
                    let offset: Vec<u64> = idx.iter().zip(&chunk).map(|(i, c)| i * c).collect();
                    // Intersection of the box with this chunk (clipped to the dataset).
                    let lo: Vec<u64> = (0..rank).map(|d| start[d].max(offset[d])).collect();
                    let hi: Vec<u64> = (0..rank)
                        .map(|d| (start[d] + count[d]).min(offset[d] + chunk[d]).min(dims[d]))
                        .collect();
                    let full = (0..rank).all(|d| {
                        lo[d] == offset[d] && hi[d] == (offset[d] + chunk[d]).min(dims[d])
                    });
                    let mut buf = if full {
                        self.ds(id)
                            .fill
                            .iter()
                            .copied()
                            .cycle()
                            .take(chunk.iter().product::<u64>() as usize * es)
                            .collect()
                    } else {
                        self.read_chunk(id, &offset).at(&path_s)?
                    };
                    copy_box(&mut buf, &chunk, &offset, data, &count, &start, &lo, &hi, es);
                    self.put_chunk(id, &offset, &buf).at(&path_s)?;
                    // Next chunk index (row-major).
                    let mut d = rank;
                    loop {
                        if d == 0 {
                            return Ok(());
                        }
                        d -= 1;
                        idx[d] += 1;
                        if idx[d] <= last[d] {
                            break;
                        }
                        idx[d] = first[d];
                    }
                }
            }
        }
    }

    /// Write the whole dataset from raw element bytes.
    pub fn write_raw_all(&mut self, path: &str, data: &[u8]) -> Result<()> {
        self.write_raw(path, &[], data)
    }

    /// Write numbers (converted to the dataset's type must match exactly: `T` must be the
    /// stored type) into a box selection.
    pub fn write<T: H5Type>(&mut self, path: &str, sel: &[Selection], values: &[T]) -> Result<()> {
        let dt = self.dtype(path)?;
        if dt != T::datatype() {
            return Err(Error::invalid(format!(
                "writing {} values into a {} dataset",
                crate::model::convert::describe(&T::datatype()),
                crate::model::convert::describe(&dt)
            ))
            .at(path));
        }
        // alloc: caller's data
        let mut raw = Vec::with_capacity(values.len() * dt.size() as usize);
        for &v in values {
            v.write_le(&mut raw);
        }
        self.write_raw(path, sel, &raw)
    }

    /// Write strings into a variable-length string dataset (box selection).
    pub fn write_strings(
        &mut self,
        path: &str,
        sel: &[Selection],
        values: &[String],
    ) -> Result<()> {
        let dt = self.dtype(path)?;
        let sizes = self.sizes;
        let raw = AttrValue::encode_data(
            &dt,
            &Data::Strings(values.to_vec()),
            &mut self.space,
            &mut self.heap,
            sizes,
        )
        .at(path)?;
        self.write_raw(path, sel, &raw)
    }
}

/// Copy the part of a row-major `data` box (origin `start`, extent `count`) that falls in
/// `[lo, hi)` into a chunk buffer whose origin is `offset`.
#[allow(clippy::too_many_arguments)]
fn copy_box(
    chunk_buf: &mut [u8],
    chunk: &[u64],
    offset: &[u64],
    data: &[u8],
    count: &[u64],
    start: &[u64],
    lo: &[u64],
    hi: &[u64],
    es: usize,
) {
    let rank = chunk.len();
    if rank == 0 {
        // A scalar: one element (compact scalars come through here).
        chunk_buf[..es].copy_from_slice(&data[..es]);
        return;
    }
    if (0..rank).any(|d| lo[d] >= hi[d]) {
        return;
    }
    let cs = row_major_strides(chunk);
    let ds = row_major_strides(count);
    let run = (hi[rank - 1] - lo[rank - 1]) as usize * es;
    let mut pos = lo.to_vec();
    loop {
        let c: u64 = (0..rank).map(|d| (pos[d] - offset[d]) * cs[d]).sum();
        let s: u64 = (0..rank).map(|d| (pos[d] - start[d]) * ds[d]).sum();
        let (c, s) = (c as usize * es, s as usize * es);
        chunk_buf[c..c + run].copy_from_slice(&data[s..s + run]);
        let mut d = rank - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            pos[d] += 1;
            if pos[d] < hi[d] {
                break;
            }
            pos[d] = lo[d];
        }
    }
}

/// Write a data box into a whole-dataset buffer.
fn scatter_box(buf: &mut [u8], dims: &[u64], start: &[u64], count: &[u64], data: &[u8], es: usize) {
    // alloc: rank <= MAX_RANK (32)
    let offset = vec![0u64; dims.len()];
    let hi: Vec<u64> = start.iter().zip(count).map(|(s, c)| s + c).collect();
    copy_box(buf, dims, &offset, data, count, start, start, &hi, es);
}

/// Reset the elements of a chunk that lie beyond `dims` to the fill value.
fn clear_outside(buf: &mut [u8], offset: &[u64], chunk: &[u64], dims: &[u64], fill: &[u8]) {
    let es = fill.len();
    let rank = chunk.len();
    let strides = row_major_strides(chunk);
    let n: u64 = chunk.iter().product();
    for i in 0..n {
        let mut rem = i;
        let mut outside = false;
        for d in 0..rank {
            let c = rem / strides[d];
            rem %= strides[d];
            if offset[d] + c >= dims[d] {
                outside = true;
            }
        }
        if outside {
            let at = i as usize * es;
            buf[at..at + es].copy_from_slice(fill);
        }
    }
}
