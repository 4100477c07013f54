//! Chunk references: where each stored chunk of a loom file's arrays is, and how it is
//! encoded, in the terms zarr v2 uses (numcodecs' `zlib` for HDF5 deflate, `shuffle` for
//! HDF5 shuffle). With them, kerchunk/fsspec's "reference" file system lets zarr, xarray and
//! dask read the matrix, the layers, the attributes and the graphs straight from the loom
//! file, without this library or libhdf5 (`loom refs` writes the JSON).
//!
//! What cannot be referenced as bytes is either inlined (text: decoded here, encoded with
//! numcodecs' `vlen-utf8`) or listed in [`Refs::skipped`] with the reason (compound and
//! enum attributes, filters zarr has no codec for, chunks stored with a filter skipped).
//! HDF5 edge chunks are stored whole, as zarr v2 expects; chunks never written are left
//! out, so readers see the fill value, as HDF5 readers do.
//!
//! # Examples
//!
//! ```
//! # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ds.loom");
//! # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
//! # let contents = Contents {
//! #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
//! #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
//! #     file_attrs: vec![("title", Values::from("demo"))],
//! # };
//! # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
//! let f = LoomFile::open(&path)?;
//! let refs = f.chunk_refs()?;
//! let matrix = refs.arrays.iter().find(|a| a.path == "matrix").unwrap();
//! assert_eq!((matrix.shape.as_slice(), matrix.dtype.as_str()), (&[4, 3][..], "<f4"));
//! assert!(refs.groups.contains(&"row_attrs".to_string()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::Result;
use crate::file::{Axis, LoomFile};
use crate::layers::layer_path;
use crate::values::{NumType, Values};
use loomfile_hdf5::Layout;
use loomfile_hdf5::{ByteOrder, Datatype};
use loomfile_hdf5::{Dataset, Object};

/// A zarr v2 codec.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::refs::Codec;
/// let refs = LoomFile::open(&path)?.chunk_refs()?;
/// let matrix = refs.arrays.iter().find(|a| a.path == "matrix").unwrap();
/// assert_eq!(matrix.compressor, Some(Codec::Zlib { level: 2 })); // loompy's gzip 2
/// assert!(matrix.filters.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Codec {
    /// numcodecs `zlib` (HDF5's deflate filter is zlib).
    Zlib {
        /// Compression level (informational when reading).
        level: u32,
    },
    /// numcodecs `shuffle` (HDF5's byte shuffle).
    Shuffle {
        /// Bytes per element.
        elementsize: u32,
    },
    /// numcodecs `vlen-utf8` (inlined text).
    VlenUtf8,
}

/// Where one chunk's bytes are.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// use loomfile::refs::ChunkRef;
/// let refs = LoomFile::open(&path)?.chunk_refs()?;
/// let matrix = refs.arrays.iter().find(|a| a.path == "matrix").unwrap();
/// match &matrix.chunk_refs[..] {
///     [ChunkRef::Range { key, size, .. }] => assert!(key == "0.0" && *size > 0),
///     other => panic!("one stored chunk expected, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkRef {
    /// `size` bytes at `offset` of the loom file.
    Range {
        /// zarr chunk key (`"0.3"`).
        key: String,
        /// File offset.
        offset: u64,
        /// Stored bytes.
        size: u64,
    },
    /// The encoded chunk itself.
    Inline {
        /// zarr chunk key.
        key: String,
        /// Encoded bytes.
        bytes: Vec<u8>,
    },
}

/// One array of the loom file as zarr v2 sees it.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// let refs = LoomFile::open(&path)?.chunk_refs()?;
/// let genes = refs.arrays.iter().find(|a| a.path == "row_attrs/Gene").unwrap();
/// assert_eq!((genes.dtype.as_str(), genes.fill_value), ("|O", None)); // text, inlined
/// assert_eq!(genes.dims, ["row"]); // the dimension it shares with the matrix rows
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayRef {
    /// zarr path (`matrix`, `layers/spliced`, `row_attrs/Gene`, `row_graphs/KNN/a`).
    pub path: String,
    /// Shape.
    pub shape: Vec<u64>,
    /// Chunk shape.
    pub chunks: Vec<u64>,
    /// numpy type string (`<f4`, `>i8`, `|O`).
    pub dtype: String,
    /// The last codec applied when writing (zarr's `compressor`).
    pub compressor: Option<Codec>,
    /// Codecs applied before it, in write order (zarr's `filters`).
    pub filters: Vec<Codec>,
    /// Fill value of chunks not stored: `None` for text, and for arrays with every chunk
    /// stored and a zero fill (xarray would mask every 0 as missing otherwise).
    pub fill_value: Option<f64>,
    /// Names of the dimensions (xarray's `_ARRAY_DIMENSIONS`).
    pub dims: Vec<String>,
    /// The stored chunks.
    pub chunk_refs: Vec<ChunkRef>,
}

/// Every array of a loom file that zarr can read, and what was left out.
///
/// # Examples
///
/// ```
/// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("ds.loom");
/// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
/// # let contents = Contents {
/// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
/// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
/// #     file_attrs: vec![("title", Values::from("demo"))],
/// # };
/// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
/// let refs = LoomFile::open(&path)?.chunk_refs()?;
/// assert_eq!(refs.groups[0], ""); // the root first
/// assert!(refs.arrays.iter().any(|a| a.path == "col_attrs/CellID"));
/// assert!(refs.skipped.is_empty()); // nothing zarr cannot read
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refs {
    /// zarr groups (`""` is the root), parents first.
    pub groups: Vec<String>,
    /// Arrays.
    pub arrays: Vec<ArrayRef>,
    /// (HDF5 path, reason) of objects not referenced.
    pub skipped: Vec<(String, String)>,
}

/// numpy's type string of a numeric HDF5 type.
fn typestr(dt: &Datatype) -> Option<String> {
    let t = NumType::of(dt)?;
    let (kind, order) = match dt {
        Datatype::Integer { signed, order, .. } => (if *signed { 'i' } else { 'u' }, *order),
        Datatype::Float { order, .. } => ('f', *order),
        _ => return None,
    };
    let size = t.datatype().size();
    let o = if size == 1 {
        '|'
    } else if order == ByteOrder::Big {
        '>'
    } else {
        '<'
    };
    Some(format!("{o}{kind}{size}"))
}

/// The fill value of a numeric dataset as a number.
fn fill_number(d: &Dataset) -> f64 {
    let b = d.fill_bytes();
    let t = match NumType::of(d.dtype()) {
        Some(t) => t,
        None => return 0.0,
    };
    let big = matches!(
        d.dtype(),
        Datatype::Integer { order: ByteOrder::Big, .. }
            | Datatype::Float { order: ByteOrder::Big, .. }
    );
    let n = t.datatype().size() as usize;
    if b.len() < n || b.iter().all(|&x| x == 0) {
        return 0.0;
    }
    let mut raw = [0u8; 8];
    raw[..n].copy_from_slice(&b[..n]);
    if big {
        raw[..n].reverse();
    }
    let u = u64::from_le_bytes(raw);
    match t {
        NumType::Float32 => f32::from_bits(u as u32) as f64,
        NumType::Float64 => f64::from_bits(u),
        NumType::Float16 => 0.0,
        NumType::Int8 => u as u8 as i8 as f64,
        NumType::Int16 => u as u16 as i16 as f64,
        NumType::Int32 => u as u32 as i32 as f64,
        NumType::Int64 => u as i64 as f64,
        _ => u as f64,
    }
}

/// numcodecs' `vlen-utf8` encoding: item count, then each item's length and bytes (u32 LE).
///
/// # Examples
///
/// ```
/// use loomfile::refs::vlen_utf8;
/// let bytes = vlen_utf8(&["ab".to_string()]);
/// assert_eq!(bytes, [1, 0, 0, 0, 2, 0, 0, 0, b'a', b'b']); // count, then length and bytes
/// ```
pub fn vlen_utf8(items: &[String]) -> Vec<u8> {
    // alloc: caller's data
    let mut out = Vec::with_capacity(4 + items.iter().map(|s| 4 + s.len()).sum::<usize>());
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for s in items {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    out
}

/// The references of a numeric dataset, or why there are none.
fn numeric(d: &Dataset, path: &str, dims: Vec<String>) -> std::result::Result<ArrayRef, String> {
    let dtype = typestr(d.dtype()).ok_or_else(|| {
        format!("{} values have no zarr dtype", loomfile_hdf5::convert::describe(d.dtype()))
    })?;
    let shape = d.shape().ok_or("null dataspace")?;
    let mut a = ArrayRef {
        path: path.to_string(),
        shape: shape.clone(),
        chunks: shape.iter().map(|&s| s.max(1)).collect(),
        dtype,
        compressor: None,
        filters: Vec::new(),
        fill_value: Some(fill_number(d)),
        dims,
        chunk_refs: Vec::new(),
    };
    // alloc: rank, <= MAX_RANK (32)
    let key0 = if shape.is_empty() { "0".to_string() } else { vec!["0"; shape.len()].join(".") };
    match d.layout() {
        Layout::Compact { data } => {
            a.chunk_refs.push(ChunkRef::Inline { key: key0, bytes: data.clone() });
        }
        Layout::Contiguous { address, size } => {
            if let Some(address) = *address
                && *size > 0
            {
                a.chunk_refs.push(ChunkRef::Range { key: key0, offset: address, size: *size });
            }
        }
        Layout::Virtual => return Err("virtual datasets are not referenced".into()),
        Layout::Chunked { chunk, .. } => {
            let rank = shape.len();
            a.chunks = chunk.iter().take(rank).copied().collect();
            let es = d.dtype().size() as u32;
            let filters = &d.pipeline().filters;
            for (i, f) in filters.iter().enumerate() {
                let last = i + 1 == filters.len();
                match f.id {
                    1 if last => {
                        a.compressor =
                            Some(Codec::Zlib { level: f.params.first().copied().unwrap_or(4) })
                    }
                    2 => a.filters.push(Codec::Shuffle { elementsize: es }),
                    _ => return Err(format!("filter {} has no zarr codec here", f.label())),
                }
            }
            let map = d.chunks().map_err(|e| e.to_string())?;
            for e in map.entries().map_err(|e| e.to_string())? {
                if e.filter_mask != 0 {
                    return Err("a chunk is stored with a filter skipped".into());
                }
                let key: Vec<String> = e
                    .offset
                    .iter()
                    .zip(&a.chunks)
                    .map(|(o, c)| (o / c.max(&1)).to_string())
                    .collect();
                a.chunk_refs.push(ChunkRef::Range {
                    key: key.join("."),
                    offset: e.address,
                    size: e.size,
                });
            }
        }
    }
    // xarray takes a zarr v2 `fill_value` for a missing-value marker: a fill value of 0 would
    // turn every zero of a count matrix into NaN. With every chunk stored the fill value is
    // never used, so it is left out; with chunks missing it must stay (they read as it).
    let stored_all = shape
        .iter()
        .zip(&a.chunks)
        .map(|(&s, &c)| s.div_ceil(c.max(1)))
        .try_fold(1u64, u64::checked_mul)
        .is_some_and(|expected| expected == a.chunk_refs.len() as u64);
    if stored_all {
        a.fill_value = None;
    }
    Ok(a)
}

/// Text values inlined as one `vlen-utf8` chunk.
fn text(path: &str, v: &Values, dims: Vec<String>) -> Option<ArrayRef> {
    let items = v.as_strings()?;
    let shape: Vec<u64> = v.shape().iter().map(|&d| d as u64).collect();
    // alloc: rank of values already in memory
    let key = if shape.is_empty() { "0".to_string() } else { vec!["0"; shape.len()].join(".") };
    Some(ArrayRef {
        path: path.to_string(),
        chunks: shape.iter().map(|&s| s.max(1)).collect(),
        shape,
        dtype: "|O".into(),
        compressor: None,
        filters: vec![Codec::VlenUtf8],
        fill_value: None,
        dims,
        chunk_refs: vec![ChunkRef::Inline { key, bytes: vlen_utf8(&items) }],
    })
}

impl LoomFile {
    /// The chunk references of every layer, attribute, global and graph (see the module
    /// documentation).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["a", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![("title", Values::from("demo"))],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// let refs = f.chunk_refs()?;
    /// let paths: Vec<&str> = refs.arrays.iter().map(|a| a.path.as_str()).collect();
    /// assert!(paths.contains(&"matrix") && paths.contains(&"attrs/title"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn chunk_refs(&self) -> Result<Refs> {
        let mut r = Refs { groups: vec![String::new()], ..Refs::default() };
        let add = |r: &mut Refs,
                   h5: &str,
                   zpath: &str,
                   dims: Vec<String>,
                   value: Option<Values>| {
            let d = match self.reader.object(h5) {
                Ok(Object::Dataset(d)) => d,
                _ => return,
            };
            let is_text = matches!(d.dtype(), Datatype::String { .. } | Datatype::VarString { .. });
            if is_text {
                match value.as_ref().and_then(|v| text(zpath, v, dims)) {
                    Some(a) => r.arrays.push(a),
                    None => r.skipped.push((h5.to_string(), "text could not be decoded".into())),
                }
                return;
            }
            match numeric(&d, zpath, dims) {
                Ok(a) => r.arrays.push(a),
                Err(why) => r.skipped.push((h5.to_string(), why)),
            }
        };
        let two = || vec!["row".to_string(), "col".to_string()];
        let mut layer_group = false;
        for name in self.layer_names() {
            let zpath =
                if name.is_empty() { "matrix".to_string() } else { format!("layers/{name}") };
            if !name.is_empty() && !layer_group {
                r.groups.push("layers".into());
                layer_group = true;
            }
            add(&mut r, &layer_path(&name), &zpath, two(), None);
        }
        for axis in [Axis::Rows, Axis::Cols] {
            let (group, dim) = match axis {
                Axis::Rows => ("row_attrs", "row"),
                Axis::Cols => ("col_attrs", "col"),
            };
            r.groups.push(group.into());
            for name in self.attr_names(axis) {
                let h5 = format!("/{group}/{name}");
                let v = self.attr(axis, &name).ok();
                let rank = v.as_ref().map(|v| v.shape().len()).unwrap_or(1);
                let mut dims = vec![dim.to_string()];
                dims.extend((1..rank).map(|i| format!("{group}_{name}_{i}")));
                let is_text = v.as_ref().is_some_and(|v| v.as_strings().is_some());
                if v.is_none() || (!is_text && v.as_ref().is_some_and(|v| v.num_type().is_none())) {
                    if let Some(v) = &v {
                        r.skipped.push((
                            h5,
                            format!("{} values have no zarr form here", v.dtype_name()),
                        ));
                    } else {
                        r.skipped.push((h5, "not readable as a loom attribute".into()));
                    }
                    continue;
                }
                add(&mut r, &h5, &format!("{group}/{name}"), dims, if is_text { v } else { None });
            }
            let ggroup = match axis {
                Axis::Rows => "row_graphs",
                Axis::Cols => "col_graphs",
            };
            r.groups.push(ggroup.into());
            for name in self.graph_names(axis) {
                let base = [axis.graphs_group(), axis.legacy_graphs_group()]
                    .into_iter()
                    .map(|g| format!("{g}/{name}"))
                    .find(|p| matches!(self.reader.object(p), Ok(Object::Group(_))));
                let Some(base) = base else { continue };
                r.groups.push(format!("{ggroup}/{name}"));
                for c in ["a", "b", "w"] {
                    add(
                        &mut r,
                        &format!("{base}/{c}"),
                        &format!("{ggroup}/{name}/{c}"),
                        vec![format!("{ggroup}_{name}_edge")],
                        None,
                    );
                }
            }
        }
        if self.exists("/attrs") {
            r.groups.push("attrs".into());
            for name in self.global_names() {
                let h5 = format!("/attrs/{name}");
                let v = self.global(&name).ok();
                let rank = v.as_ref().map(|v| v.shape().len()).unwrap_or(0);
                let dims = (0..rank).map(|i| format!("attrs_{name}_{i}")).collect();
                let is_text = v.as_ref().is_some_and(|v| v.as_strings().is_some());
                add(&mut r, &h5, &format!("attrs/{name}"), dims, if is_text { v } else { None });
            }
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlen_utf8_layout() {
        let b = vlen_utf8(&["ab".into(), "é".into()]);
        assert_eq!(b, [2, 0, 0, 0, 2, 0, 0, 0, b'a', b'b', 2, 0, 0, 0, 0xc3, 0xa9]);
    }

    #[test]
    fn typestrings() {
        assert_eq!(typestr(&NumType::Float32.datatype()).as_deref(), Some("<f4"));
        assert_eq!(typestr(&NumType::UInt8.datatype()).as_deref(), Some("|u1"));
        assert_eq!(typestr(&NumType::Int64.datatype()).as_deref(), Some("<i8"));
    }
}
