//! Several writes, one commit: a [`Batch`] stages attribute, global, graph and layer writes
//! on a file open for writing and makes them visible together with [`Batch::commit`], or not
//! at all when it is dropped without one. Layers too large for memory are written band by
//! band ([`Batch::write_layer_rows`], [`Batch::write_layer_cols`]); this is how the
//! converters of `loomfile-formats` build a file from a stream.
//!
//! Each `LoomFile::set_*` call is a batch of one write.

use crate::attrs::check_name;
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::graphs::Graph;
use crate::layers::{LayerData, LayerOptions, layer_path};
use crate::ops::region::{Target, band_cols, write_region, write_region_serial};
use crate::values::{Element, NumType, Values};
use loomfile_hdf5::{AttrValue, H5Type};

/// Writes staged on a [`LoomFile`], committed together. See the [module](self) docs.
///
/// # Examples
///
/// ```
/// use loomfile::{Axis, LayerOptions, LoomFile, Sel, Values};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("b.loom");
/// let mut f = LoomFile::new(&path, &[])?;
/// let mut b = f.batch()?;
/// // A 3 x 4 main matrix written one band of rows at a time: row r holds r, r, r, r.
/// b.write_layer_rows::<u16>("", 3, 4, &LayerOptions::default(), |start, n, out| {
///     for r in start..start + n {
///         out.extend([r as u16; 4]);
///     }
///     Ok(())
/// })?;
/// b.set_attr(Axis::Rows, "Gene", &Values::strings(&["a", "b", "c"]))?;
/// b.set_attr(Axis::Cols, "CellID", &Values::strings(&["w", "x", "y", "z"]))?;
/// b.commit()?;
/// assert_eq!(f.shape(), (3, 4));
/// assert_eq!(f.read_layer::<u16>("", &Sel::Range(2, 3), &Sel::All)?.sum(), 8);
/// f.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a batch writes nothing until it is committed"]
pub struct Batch<'a> {
    file: &'a mut LoomFile,
    committed: bool,
    /// The view before the batch, restored when it is not committed.
    shape: (u64, u64),
    spec: crate::spec::SpecVersion,
}

impl LoomFile {
    /// Start a batch of writes (see [`Batch`]). Fails on a file open read-only.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Axis, LoomFile, Values};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("b.loom");
    /// let mut f = LoomFile::new(&path, &[])?;
    /// f.set_layer("", loomfile::LayerData::Dense(loomfile::ndarray::Array2::<f32>::zeros((2, 2)).view()))?;
    /// {
    ///     let mut b = f.batch()?;
    ///     b.set_attr(Axis::Rows, "Gene", &Values::strings(&["a", "b"]))?;
    ///     // dropped without commit: nothing is written
    /// }
    /// assert!(f.attr(Axis::Rows, "Gene").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        self.writer()?;
        let (shape, spec) = (self.shape, self.spec.clone());
        Ok(Batch { file: self, committed: false, shape, spec })
    }

    /// Drop every staged change: the writer returns to the committed state and the view to
    /// `shape` and `spec` (what it was before the changes were staged). A failed rollback
    /// leaves the writer as it is; the caller reports its own error.
    pub(crate) fn rollback_to(&mut self, shape: (u64, u64), spec: crate::spec::SpecVersion) {
        self.shape = shape;
        self.spec = spec;
        if let Some(w) = self.writer.as_mut() {
            let _ = w.rollback();
        }
    }
}

impl Batch<'_> {
    /// The shape of the main matrix, staged writes included: `(0, 0)` until one is written.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = loomfile::LoomFile::new(dir.path().join("s.loom"), &[])?;
    /// let mut b = f.batch()?;
    /// assert_eq!(b.shape(), (0, 0));
    /// b.write_layer_rows::<f32>("", 2, 5, &Default::default(), |_, n, out| {
    ///     out.resize(out.len() + n as usize * 5, 1.0);
    ///     Ok(())
    /// })?;
    /// assert_eq!(b.shape(), (2, 5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shape(&self) -> (u64, u64) {
        self.file.shape
    }

    /// Stage a row or column attribute (as [`LoomFile::set_attr`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Axis, LayerData, LoomFile, Values};
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = LoomFile::new(dir.path().join("a.loom"), &[])?;
    /// f.set_layer("", LayerData::Dense(loomfile::ndarray::Array2::<u8>::zeros((2, 2)).view()))?;
    /// let mut b = f.batch()?;
    /// b.set_attr(Axis::Rows, "Gene", &Values::strings(&["a", "b"]))?;
    /// b.set_attr(Axis::Rows, "Length", &Values::from(vec![120i64, 80]))?;
    /// // A wrong length is refused at once, naming the attribute.
    /// assert!(b.set_attr(Axis::Cols, "CellID", &Values::strings(&["x"])).is_err());
    /// b.commit()?;
    /// assert_eq!(f.attr_names(Axis::Rows), ["Gene", "Length"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_attr(&mut self, axis: Axis, name: &str, values: &Values) -> Result<()> {
        self.file.stage_attr(axis, name, values)
    }

    /// Stage a global attribute (as [`LoomFile::set_global`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = loomfile::LoomFile::new(dir.path().join("g.loom"), &[])?;
    /// let mut b = f.batch()?;
    /// b.set_global("title", &loomfile::Values::string("pbmc"))?;
    /// b.commit()?;
    /// assert_eq!(f.global("title")?.as_string(), Some("pbmc"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_global(&mut self, name: &str, values: &Values) -> Result<()> {
        self.file.stage_global(name, values)
    }

    /// Stage a graph (as [`LoomFile::set_graph`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{Axis, Graph, LayerData, LoomFile};
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = LoomFile::new(dir.path().join("k.loom"), &[])?;
    /// f.set_layer("", LayerData::Dense(loomfile::ndarray::Array2::<f32>::zeros((2, 3)).view()))?;
    /// let mut b = f.batch()?;
    /// let g = Graph { a: vec![0, 1], b: vec![1, 2], w: vec![1.0, 0.5] };
    /// b.set_graph(Axis::Cols, "knn", &g)?;
    /// b.commit()?;
    /// assert_eq!(f.graph(Axis::Cols, "knn")?.b, vec![1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_graph(&mut self, axis: Axis, name: &str, g: &Graph) -> Result<()> {
        self.file.stage_graph(axis, name, g)
    }

    /// Stage a whole layer held in memory (as [`LoomFile::set_layer_with`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LayerData, LayerOptions, LoomFile, Sel};
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = LoomFile::new(dir.path().join("l.loom"), &[])?;
    /// let m = loomfile::ndarray::array![[1i32, 2], [3, 4]];
    /// let mut b = f.batch()?;
    /// b.set_layer("", LayerData::Dense(m.view()), &LayerOptions::default())?;
    /// b.commit()?;
    /// assert_eq!(f.read_layer::<i32>("", &Sel::All, &Sel::All)?, m);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_layer<T: H5Type>(
        &mut self,
        name: &str,
        data: LayerData<'_, T>,
        opts: &LayerOptions,
    ) -> Result<()> {
        self.file.stage_layer_with(name, data, opts)
    }

    /// Write layer `name` (`rows` x `cols`) band by band of rows: `fill(start, n, out)`
    /// appends rows `start..start + n`, all columns, row-major, to `out` (which it receives
    /// empty). A band is one chunk deep, so memory is one band whatever the layer's size;
    /// the chunks of a band are compressed in parallel, and all-zero chunks are not stored. The first layer written to a new file sets its shape;
    /// later ones must match it.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LayerOptions, LoomFile, Sel};
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = LoomFile::new(dir.path().join("r.loom"), &[])?;
    /// let mut b = f.batch()?;
    /// let mut bands = 0;
    /// // 200 x 3 with 64-row chunks: four bands (64, 64, 64, 8 rows).
    /// let opts = LayerOptions { chunks: (64, 64), ..LayerOptions::default() };
    /// b.write_layer_rows::<f32>("", 200, 3, &opts, |start, n, out| {
    ///     bands += 1;
    ///     out.extend((start..start + n).flat_map(|r| [r as f32; 3]));
    ///     Ok(())
    /// })?;
    /// b.commit()?;
    /// assert_eq!(bands, 4);
    /// assert_eq!(f.read_layer::<f32>("", &Sel::Range(199, 200), &Sel::All)?.sum(), 597.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_layer_rows<T: Element>(
        &mut self,
        name: &str,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
        fill: impl FnMut(u64, u64, &mut Vec<T>) -> Result<()>,
    ) -> Result<()> {
        self.write_bands(name, rows, cols, opts, true, fill)
    }

    /// Write layer `name` band by band of columns: `fill(start, n, out)` appends columns
    /// `start..start + n`, one whole column after the other (element `(r, start + j)` at
    /// `j * rows + r`). Otherwise as [`write_layer_rows`](Self::write_layer_rows).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LayerOptions, LoomFile, Sel};
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = LoomFile::new(dir.path().join("c.loom"), &[])?;
    /// let mut b = f.batch()?;
    /// // 2 x 3, column j holds j+1 in both rows.
    /// b.write_layer_cols::<i64>("", 2, 3, &LayerOptions::default(), |start, n, out| {
    ///     for j in start..start + n {
    ///         out.extend([j as i64 + 1; 2]);
    ///     }
    ///     Ok(())
    /// })?;
    /// b.commit()?;
    /// let m = f.read_layer::<i64>("", &Sel::All, &Sel::All)?;
    /// assert_eq!(m, loomfile::ndarray::array![[1, 2, 3], [1, 2, 3]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_layer_cols<T: Element>(
        &mut self,
        name: &str,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
        fill: impl FnMut(u64, u64, &mut Vec<T>) -> Result<()>,
    ) -> Result<()> {
        self.write_bands(name, rows, cols, opts, false, fill)
    }

    /// Write layer `name` (`rows` x `cols` of `dtype`) tile by tile, as encoded bytes:
    /// `fill(r0, h, c0, w, out)` appends rows `r0..r0 + h` x columns `c0..c0 + w`, row-major,
    /// each element little-endian in `dtype` (`out` holds earlier tiles' bytes: append only).
    /// Tiles are whole chunks deep and walk the layer row band by row band; the next tile
    /// is filled on another thread while the previous one is compressed and written, so
    /// `fill` must be `Send`. For producers that encode values themselves (with
    /// [`crate::numeric::encode`], for example) and want the pipeline; otherwise use
    /// [`write_layer_rows`](Self::write_layer_rows).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LayerOptions, LoomFile, NumType, Sel};
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = LoomFile::new(dir.path().join("t.loom"), &[])?;
    /// let mut b = f.batch()?;
    /// // 3 x 2 of uint16 where element (r, c) is 10 r + c.
    /// b.write_layer_tiles("", NumType::UInt16, 3, 2, &LayerOptions::default(), |r0, h, c0, w, out| {
    ///     for r in r0..r0 + h {
    ///         for c in c0..c0 + w {
    ///             out.extend_from_slice(&((10 * r + c) as u16).to_le_bytes());
    ///         }
    ///     }
    ///     Ok(())
    /// })?;
    /// b.commit()?;
    /// let m = f.read_layer::<u16>("", &Sel::All, &Sel::All)?;
    /// assert_eq!(m, loomfile::ndarray::array![[0, 1], [10, 11], [20, 21]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_layer_tiles(
        &mut self,
        name: &str,
        dtype: NumType,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
        fill: impl FnMut(u64, u64, u64, u64, &mut Vec<u8>) -> Result<()> + Send,
    ) -> Result<()> {
        let t = self.begin_layer(name, dtype, rows, cols, opts)?;
        let tile = (t.chunk.0, band_cols(&t, t.chunk.0));
        write_region(self.file.writer()?, &t, (0, rows), (0, cols), tile, fill)
    }

    /// Stage an HDF5 attribute `name` on the object at `path` (a group or dataset of this
    /// file, staged or committed): for marks other tools read, such as anndata's encoding
    /// attributes. Loom attributes are [`set_attr`](Self::set_attr)'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::hdf5::AttrValue;
    /// # let dir = tempfile::tempdir()?;
    /// let mut f = loomfile::LoomFile::new(dir.path().join("m.loom"), &[])?;
    /// let mut b = f.batch()?;
    /// b.set_object_attr("/", "origin", AttrValue::string("pipeline 2"))?;
    /// b.commit()?;
    /// let attrs = f.hdf5().object("/")?.attributes()?;
    /// let a = attrs.iter().find(|a| a.name() == "origin").unwrap();
    /// assert_eq!(a.read_strings()?, ["pipeline 2"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_object_attr(&mut self, path: &str, name: &str, value: AttrValue) -> Result<()> {
        self.file.writer()?.set_attr(path, name, value)?;
        Ok(())
    }

    /// Make every staged write visible at once (one atomic commit). When the commit fails,
    /// nothing of the batch is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{LoomFile, Values};
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("c.loom");
    /// let mut f = LoomFile::new(&path, &[])?;
    /// let mut b = f.batch()?;
    /// b.set_global("a", &Values::string("1"))?;
    /// b.set_global("b", &Values::string("2"))?;
    /// b.commit()?; // both, or neither
    /// assert_eq!(f.global("b")?.as_string(), Some("2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn commit(mut self) -> Result<()> {
        // A failed commit rolls back too (when `self` drops), leaving the file as it was.
        self.file.commit()?;
        self.committed = true;
        Ok(())
    }

    /// Create the dataset of layer `name` (`rows` x `cols` of `dtype`), replacing it, and
    /// describe it for the region writer.
    fn begin_layer(
        &mut self,
        name: &str,
        dtype: NumType,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
    ) -> Result<Target> {
        opts.check()?;
        if !name.is_empty() {
            check_name(name)?;
        }
        if rows == 0 || cols == 0 {
            return Err(Error::invalid(format!("the matrix is empty ({rows} x {cols})")));
        }
        let f = &mut *self.file;
        let new_file = f.shape == (0, 0) || (name.is_empty() && !f.exists("/matrix"));
        if !new_file && (rows, cols) != f.shape {
            return Err(Error::Shape {
                what: format!("layer {name:?}"),
                expected: vec![f.shape.0, f.shape.1],
                got: vec![rows, cols],
            });
        }
        if !name.is_empty() && !f.exists("/matrix") && f.shape == (0, 0) {
            return Err(Error::invalid("write the main matrix (layer \"\") before other layers"));
        }
        let path = layer_path(name);
        let target = Target::create_with(f.writer()?, &path, opts.spec(dtype, rows, cols))?;
        if name.is_empty() {
            f.shape = (rows, cols);
        }
        Ok(target)
    }

    /// Bands of rows (`by_rows`) or of columns, one chunk deep, filled by `fill` and stored
    /// by the one region writer (`ops::region`: all-zero chunks left unstored).
    fn write_bands<T: Element>(
        &mut self,
        name: &str,
        rows: u64,
        cols: u64,
        opts: &LayerOptions,
        by_rows: bool,
        mut fill: impl FnMut(u64, u64, &mut Vec<T>) -> Result<()>,
    ) -> Result<()> {
        let t = self.begin_layer(name, T::NUM, rows, cols, opts)?;
        let tile = if by_rows { (t.chunk.0, cols) } else { (rows, t.chunk.1) };
        let mut band: Vec<T> = Vec::new();
        let w = self.file.writer()?;
        write_region_serial(w, &t, (0, rows), (0, cols), tile, |r0, h, c0, wd, out| {
            let (start, k, across) = if by_rows { (r0, h, wd) } else { (c0, wd, h) };
            band.clear();
            fill(start, k, &mut band)?;
            if band.len() as u64 != k * across {
                return Err(Error::invalid(format!(
                    "layer {name:?}: the fill gave {} values for a band of {k} x {across}",
                    band.len()
                )));
            }
            out.reserve(band.len() * size_of::<T>());
            if by_rows {
                for &x in &band {
                    x.write_le(out);
                }
            } else {
                // Column-major band to the row-major tile.
                for r in 0..h as usize {
                    for j in 0..wd as usize {
                        band[j * h as usize + r].write_le(out);
                    }
                }
            }
            Ok(())
        })
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing staged reaches the file.
            self.file.rollback_to(self.shape, self.spec.clone());
        }
    }
}
