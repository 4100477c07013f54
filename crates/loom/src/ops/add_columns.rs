//! loompy's `add_columns`: append columns to every layer and extend the column attributes,
//! in one atomic commit.
//!
//! Layers grow along their unlimited column axis (`Writer::resize`) and only the new block is
//! written: whole new chunks are encoded in parallel, the old partial edge chunk is merged.
//! A layer that cannot grow (fixed maximum shape, contiguous storage, a filter we cannot
//! write) is rewritten band by band with loompy's layout instead. Column attributes are
//! rewritten whole (concatenated), as loompy does.
//!
//! Unlike loompy, no column attribute is ever deleted silently (see [`FillValues`]), a
//! trailing-shape mismatch is an error, and values must fit the layer's stored type exactly.
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
//! use loomfile::{Axis, Block, Coo, FillValues};
//! let mut f = LoomFile::open_rw(&path)?;
//! // New columns may come sparse: one non-zero in a 4 x 2 block.
//! let coo = Coo { rows: 4, cols: 2, row: vec![2], col: vec![1], data: vec![5.0f32] };
//! let block = coo.to_csr()?;
//! let ids = [("CellID", Values::from(vec!["p", "q"]))];
//! f.add_columns(&[("", Block::from(&block))], &ids, &[], &FillValues::Auto)?;
//! let new_col = f.read_col::<f32>("", 4, &loomfile::Sel::All)?;
//! assert_eq!(new_col.to_vec(), [0.0, 0.0, 5.0, 0.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::region::{RowMap, Target, band_cols, fill_is_zero, read_tile, write_region};
use super::{FillValues, Side, merge_attrs};
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::layers::{LayerData, layer_path};
use crate::numeric::{Encoding, reencode};
use crate::sparse::{Csc, Csr};
use crate::timestamp;
use crate::values::{Element, NumType, Values};
use loomfile_hdf5::Layout;
use loomfile_hdf5::filters::ChunkEncoder;
use ndarray::{Array2, ArrayView2};

/// A block of new columns for one layer: a dense matrix or a sparse one (CSR), of any
/// numeric element type. Made with `From`: `Block::from(array.view())`, `Block::from(&csr)`,
/// `Block::from(LayerData::Dense(view))`.
///
/// # Examples
///
/// ```
/// use loomfile::{Block, Coo, LayerData, NumType, ndarray::array};
/// let dense = array![[1.0f32], [2.0], [3.0]];
/// let b = Block::from(&dense); // or Block::from(dense.view())
/// assert_eq!((b.shape(), b.dtype()), ((3, 1), NumType::Float32));
/// let csr =
///     Coo { rows: 3, cols: 2, row: vec![0], col: vec![1], data: vec![9u16] }.to_csr()?;
/// assert_eq!(Block::from(&csr).dtype(), NumType::UInt16);
/// assert_eq!(Block::from(LayerData::Sparse(&csr)).shape(), (3, 2));
/// # Ok::<(), loomfile::Error>(())
/// ```
pub struct Block<'a> {
    inner: Box<dyn Source + 'a>,
}

impl std::fmt::Debug for Block<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block")
            .field("shape", &self.inner.shape())
            .field("dtype", &self.inner.dtype())
            .finish()
    }
}

impl Block<'_> {
    /// (rows, columns).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Block, ndarray::Array2};
    /// let m = Array2::<u32>::zeros((100, 8));
    /// assert_eq!(Block::from(&m).shape(), (100, 8));
    /// ```
    pub fn shape(&self) -> (u64, u64) {
        self.inner.shape()
    }

    /// Element type (the type a new layer gets).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Block, NumType, ndarray::Array2};
    /// let m = Array2::<i64>::zeros((2, 2));
    /// assert_eq!(Block::from(m.view()).dtype(), NumType::Int64);
    /// ```
    pub fn dtype(&self) -> NumType {
        self.inner.dtype()
    }

    pub(crate) fn tile(
        &self,
        r0: u64,
        h: u64,
        c0: u64,
        w: u64,
        to: Encoding,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.inner.tile(r0, h, c0, w, to, out)
    }
}

/// Something that yields tiles of a matrix in a requested encoding.
trait Source: Sync {
    fn shape(&self) -> (u64, u64);
    fn dtype(&self) -> NumType;
    fn tile(&self, r0: u64, h: u64, c0: u64, w: u64, to: Encoding, out: &mut Vec<u8>)
    -> Result<()>;
    /// Check the structure once, before any tile is asked for (sparse pointers and bounds).
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

struct Dense<'a, T>(ArrayView2<'a, T>);

impl<T: Element> Source for Dense<'_, T> {
    fn shape(&self) -> (u64, u64) {
        (self.0.nrows() as u64, self.0.ncols() as u64)
    }
    fn dtype(&self) -> NumType {
        T::NUM
    }
    fn tile(
        &self,
        r0: u64,
        h: u64,
        c0: u64,
        w: u64,
        to: Encoding,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let from = Encoding::le(T::NUM);
        // alloc: w <= tile width over the caller's matrix
        let mut tmp = Vec::with_capacity(w as usize * from.size());
        for i in r0..r0 + h {
            let row = self.0.row(i as usize);
            tmp.clear();
            for j in c0..c0 + w {
                row[j as usize].write_le(&mut tmp);
            }
            reencode(&tmp, from, to, out, &|| "new columns".to_string())?;
        }
        Ok(())
    }
}

struct Sparse<'a, T>(&'a Csr<T>);

impl<T: Element> Source for Sparse<'_, T> {
    fn shape(&self) -> (u64, u64) {
        (self.0.rows, self.0.cols)
    }
    fn dtype(&self) -> NumType {
        T::NUM
    }
    fn check(&self) -> Result<()> {
        self.0.check()
    }
    fn tile(
        &self,
        r0: u64,
        h: u64,
        c0: u64,
        w: u64,
        to: Encoding,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let s = self.0;
        let from = Encoding::le(T::NUM);
        let es = to.size();
        let base = out.len();
        out.resize(base + (h * w) as usize * es, 0);
        let (mut tmp, mut one) = (Vec::new(), Vec::new());
        for i in 0..h {
            let row = (r0 + i) as usize;
            for k in s.indptr[row] as usize..s.indptr[row + 1] as usize {
                let j = s.indices[k];
                if j < c0 || j >= c0 + w {
                    continue;
                }
                tmp.clear();
                one.clear();
                s.data[k].write_le(&mut tmp);
                reencode(&tmp, from, to, &mut one, &|| "new columns".to_string())?;
                let at = base + ((i * w + j - c0) as usize) * es;
                out[at..at + es].copy_from_slice(&one);
            }
        }
        Ok(())
    }
}

/// Columns compressed; `sorted`: the rows of every column are in order (a binary search
/// finds a tile's rows), otherwise each tile filters its columns' entries.
struct SparseCsc<'a, T> {
    m: &'a Csc<T>,
    sorted: bool,
}

impl<T: Element> Source for SparseCsc<'_, T> {
    fn shape(&self) -> (u64, u64) {
        (self.m.rows, self.m.cols)
    }
    fn dtype(&self) -> NumType {
        T::NUM
    }
    fn check(&self) -> Result<()> {
        self.m.check()
    }
    fn tile(
        &self,
        r0: u64,
        h: u64,
        c0: u64,
        w: u64,
        to: Encoding,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let s = self.m;
        let from = Encoding::le(T::NUM);
        let es = to.size();
        let base = out.len();
        out.resize(base + (h * w) as usize * es, 0);
        let (mut tmp, mut one) = (Vec::new(), Vec::new());
        for j in c0..c0 + w {
            let put = |k: usize, tmp: &mut Vec<u8>, one: &mut Vec<u8>, out: &mut Vec<u8>| {
                tmp.clear();
                one.clear();
                s.data[k].write_le(tmp);
                reencode(tmp, from, to, one, &|| "new columns".to_string())?;
                let at = base + (((s.indices[k] - r0) * w + j - c0) as usize) * es;
                out[at..at + es].copy_from_slice(one);
                Ok::<(), Error>(())
            };
            if self.sorted {
                for k in s.sorted_rows_in(j as usize, (r0, r0 + h)) {
                    put(k, &mut tmp, &mut one, out)?;
                }
            } else {
                for k in s.indptr[j as usize] as usize..s.indptr[j as usize + 1] as usize {
                    if (r0..r0 + h).contains(&s.indices[k]) {
                        put(k, &mut tmp, &mut one, out)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl<'a, T: Element> From<&'a Csc<T>> for Block<'a> {
    fn from(m: &'a Csc<T>) -> Self {
        Block { inner: Box::new(SparseCsc { m, sorted: m.has_sorted_indices() }) }
    }
}

impl<'a, T: Element> From<ArrayView2<'a, T>> for Block<'a> {
    fn from(a: ArrayView2<'a, T>) -> Self {
        Block { inner: Box::new(Dense(a)) }
    }
}

impl<'a, T: Element> From<&'a Array2<T>> for Block<'a> {
    fn from(a: &'a Array2<T>) -> Self {
        Block { inner: Box::new(Dense(a.view())) }
    }
}

impl<'a, T: Element> From<&'a Csr<T>> for Block<'a> {
    fn from(s: &'a Csr<T>) -> Self {
        Block { inner: Box::new(Sparse(s)) }
    }
}

impl<'a, T: Element> From<LayerData<'a, T>> for Block<'a> {
    fn from(d: LayerData<'a, T>) -> Self {
        match d {
            LayerData::Dense(a) => a.into(),
            LayerData::Sparse(s) => s.into(),
            LayerData::SparseCsc(s) => s.into(),
        }
    }
}

/// A layer read in its own type ([`LoomFile::read_layers`]) as a block: the collections
/// one file hands out go straight into another file's `add_columns` or
/// [`LoomFile::create_layers`]. float16 layers come out widened to f32 and go in as float32.
///
/// # Examples
///
/// ```
/// use loomfile::{Block, LayerArray, NumType, ndarray::array};
/// let a = LayerArray::UInt16(array![[1u16, 2], [3, 4]]);
/// let b = Block::from(&a);
/// assert_eq!((b.shape(), b.dtype()), ((2, 2), NumType::UInt16));
/// ```
impl<'a> From<&'a crate::typed::LayerArray> for Block<'a> {
    fn from(a: &'a crate::typed::LayerArray) -> Self {
        use crate::typed::LayerArray as L;
        match a {
            L::Int8(x) => x.into(),
            L::Int16(x) => x.into(),
            L::Int32(x) => x.into(),
            L::Int64(x) => x.into(),
            L::UInt8(x) => x.into(),
            L::UInt16(x) => x.into(),
            L::UInt32(x) => x.into(),
            L::UInt64(x) => x.into(),
            L::Float16(x) | L::Float32(x) => x.into(),
            L::Float64(x) => x.into(),
        }
    }
}

/// True when two attribute values hold the same values (types may differ).
fn same_values(a: &Values, b: &Values) -> bool {
    if a.shape() != b.shape() {
        return false;
    }
    match (a.as_strings(), b.as_strings()) {
        (Some(x), Some(y)) => x == y,
        (None, None) => match (super::convert::nums(a), super::convert::nums(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        _ => false,
    }
}

impl LoomFile {
    /// Append columns (loompy's `add_columns`), in one atomic commit.
    ///
    /// - `layers`: a block of new columns for **every** layer of the file (an unknown or a
    ///   missing layer is an error); all blocks have the file's row count and the same
    ///   number of columns. Values are converted to each layer's stored type exactly (a
    ///   value that does not fit is an error).
    /// - `col_attrs`: column attributes of the new columns. Attributes on one side only are
    ///   completed per `fill_values` (filled by default, never deleted silently); numeric
    ///   types are promoted as numpy would; a trailing-shape mismatch is an error.
    /// - `row_attrs`: for an empty file (from [`LoomFile::new`]) they set the row count (or,
    ///   without any, the blocks do), and `layers` must include the main matrix `""`. For a
    ///   file with data, row attributes that exist must equal the file's (a guard against
    ///   misaligned rows) and new ones are added.
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
    /// use loomfile::{Axis, Block, FillValues, Sel, ndarray::array};
    /// let mut f = LoomFile::open_rw(&path)?;
    /// let new = array![[0.5f32], [1.5], [2.5], [3.5]]; // one more cell
    /// let cols = [("CellID", Values::from(vec!["w"]))];
    /// f.add_columns(&[("", Block::from(&new))], &cols, &[], &FillValues::Auto)?;
    /// assert_eq!(f.shape(), (4, 4));
    /// assert_eq!(f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["x", "y", "z", "w"]);
    /// assert_eq!(f.read_col::<f32>("", 3, &Sel::All)?.to_vec(), [0.5, 1.5, 2.5, 3.5]);
    /// // A block for a layer the file does not have is refused, and nothing changes.
    /// let blocks = [("", Block::from(&new)), ("spliced", Block::from(&new))];
    /// assert!(f.add_columns(&blocks, &[], &[], &FillValues::Auto).is_err());
    /// assert_eq!(f.shape(), (4, 4));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_columns(
        &mut self,
        layers: &[(&str, Block<'_>)],
        col_attrs: &[(&str, Values)],
        row_attrs: &[(&str, Values)],
        fill_values: &FillValues,
    ) -> Result<()> {
        self.writer()?;
        let is_new = self.shape == (0, 0) || !self.exists("/matrix");
        if layers.is_empty() {
            return Err(Error::invalid("add_columns needs at least the main matrix \"\""));
        }
        for (i, (name, _)) in layers.iter().enumerate() {
            if layers[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::invalid(format!("layer {name:?} given twice")));
            }
        }
        let k = layers[0].1.shape().1;
        let n = if is_new {
            match row_attrs.first() {
                Some((_, v)) => v.len() as u64,
                None => match self.attr_names(Axis::Rows).first() {
                    Some(a) => self.attr(Axis::Rows, a)?.len() as u64,
                    // No row attributes anywhere: the blocks' own row count.
                    None => layers[0].1.shape().0,
                },
            }
        } else {
            self.shape.0
        };
        for (name, b) in layers {
            b.inner
                .check()
                .map_err(|e| Error::invalid(format!("new columns of layer {name:?}: {e}")))?;
            let (r, c) = b.shape();
            if r != n || c != k {
                return Err(Error::Shape {
                    what: format!("new columns of layer {name:?}"),
                    expected: vec![n, k],
                    got: vec![r, c],
                });
            }
        }
        for (name, v) in row_attrs {
            if v.shape().is_empty() || v.len() as u64 != n {
                return Err(Error::Shape {
                    what: format!("row attribute {name:?}"),
                    expected: vec![n],
                    got: v.shape().iter().map(|&d| d as u64).collect(),
                });
            }
        }
        if is_new {
            if !layers.iter().any(|(l, _)| l.is_empty()) {
                return Err(Error::invalid(
                    "the main matrix \"\" must be among the layers of an empty file",
                ));
            }
        } else {
            let have = self.layer_names();
            let missing: Vec<&String> =
                have.iter().filter(|h| !layers.iter().any(|(l, _)| l == h)).collect();
            if !missing.is_empty() {
                return Err(Error::invalid(format!(
                    "every layer needs new columns; missing: {missing:?}"
                )));
            }
            if let Some((l, _)) = layers.iter().find(|(l, _)| !have.iter().any(|h| h == l)) {
                return Err(Error::invalid(format!("layer {l:?} does not exist in the file")));
            }
            for (name, v) in row_attrs {
                if self.attr_names(Axis::Rows).iter().any(|x| x == name)
                    && !same_values(&self.attr(Axis::Rows, name)?, v)
                {
                    return Err(Error::invalid(format!(
                        "row attribute {name:?} differs from the file's (are the rows aligned?)"
                    )));
                }
            }
        }
        if k == 0 {
            if is_new {
                return Err(Error::invalid("no columns to add to an empty file"));
            }
            return Ok(());
        }
        let m = if is_new { 0 } else { self.shape.1 };
        let sides = [
            Side { items: m as usize, attrs: self.all_attrs(Axis::Cols)? },
            Side {
                items: k as usize,
                attrs: col_attrs.iter().map(|(a, v)| (a.to_string(), v.clone())).collect(),
            },
        ];
        let merged = merge_attrs(Axis::Cols, &sides, fill_values)?;
        let ts = timestamp::now();
        self.atomically(|f| {
            if is_new {
                for (name, v) in row_attrs {
                    f.stage_attr(Axis::Rows, name, v)?;
                }
                let mut order: Vec<&(&str, Block<'_>)> = layers.iter().collect();
                order.sort_by_key(|(l, _)| !l.is_empty());
                for (name, b) in order {
                    let w = f.writer()?;
                    let t = Target::create(w, &layer_path(name), b.dtype(), n, k)?;
                    let tile = (t.chunk.0, band_cols(&t, t.chunk.0));
                    write_region(w, &t, (0, n), (0, k), tile, |r0, h, c0, wd, out| {
                        b.tile(r0, h, c0, wd, t.enc, out)
                    })?;
                }
            } else {
                for (name, b) in layers {
                    let t = f.grow_layer(name, m + k)?;
                    let tile = (t.chunk.0, band_cols(&t, t.chunk.0));
                    let w = f.writer()?;
                    write_region(w, &t, (0, n), (m, m + k), tile, |r0, h, c0, wd, out| {
                        b.tile(r0, h, c0 - m, wd, t.enc, out)
                    })?;
                    f.stamp_layer(&t.path, &ts)?;
                }
                for (name, v) in row_attrs {
                    if !f.attr_names(Axis::Rows).iter().any(|x| x == name) {
                        f.stage_attr(Axis::Rows, name, v)?;
                    }
                }
            }
            f.shape = (n, m + k);
            f.stage_col_attrs(&merged)?;
            Ok(())
        })
    }

    /// Stage the column attributes `merged` and delete the ones not in it.
    pub(crate) fn stage_col_attrs(&mut self, merged: &[(String, Values)]) -> Result<()> {
        let ts = timestamp::now();
        for name in self.attr_names(Axis::Cols) {
            if !merged.iter().any(|(k, _)| *k == name) {
                self.writer()?.delete(&format!("/col_attrs/{name}"))?;
                self.stamp("/col_attrs", &ts)?;
            }
        }
        for (name, v) in merged {
            self.stage_attr(Axis::Cols, name, v)?;
        }
        Ok(())
    }

    /// Grow layer `name` to `m_new` columns (staged) and describe it for writing the new
    /// columns. A layer that cannot grow in place is rewritten with loompy's layout, its
    /// old columns copied band by band.
    pub(crate) fn grow_layer(&mut self, name: &str, m_new: u64) -> Result<Target> {
        let ds = self.layer_dataset(name)?;
        let path = layer_path(name);
        let shape = ds.shape().unwrap_or_default();
        let (n, m_old) = match shape.as_slice() {
            [a, b] => (*a, *b),
            _ => return Err(Error::invalid(format!("layer {name:?} is not 2-D"))),
        };
        let enc = Encoding::of(ds.dtype())
            .ok_or_else(|| Error::invalid(format!("layer {name:?} is not numeric")))?;
        let growable = matches!(ds.layout(), Layout::Chunked { .. })
            && ds.max_shape().get(1).copied().flatten().is_none_or(|mx| mx >= m_new)
            && ChunkEncoder::check(ds.pipeline()).is_ok();
        if growable {
            let w = self.writer()?;
            w.resize(&path, &[n, m_new])?;
            return Target::of(w, &path, fill_is_zero(&ds));
        }
        let src = self.matrix(name)?;
        let w = self.writer()?;
        let t = Target::create(w, &path, enc.t, n, m_new)?;
        let tile = (t.chunk.0, band_cols(&t, t.chunk.0));
        write_region(w, &t, (0, n), (0, m_old), tile, |r0, h, c0, wd, out| {
            read_tile(&src, &RowMap::Same, (r0, h), (c0, wd), t.enc, out)
        })?;
        Ok(t)
    }
}
