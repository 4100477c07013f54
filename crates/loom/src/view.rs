//! Views, scans and maps: selections of a loom file with everything sliced consistently.
//!
//! A [`View`] holds the selected block of each chosen layer, the row and column attributes
//! sliced the same way, and the graphs restricted to edges whose both ends are selected,
//! renumbered in the *selection's* order (loompy renumbers by sorted index and loses the
//! order, and its graph slicing needs a numpy function removed in numpy 2.4).
//!
//! [`LoomFile::scan`] walks an axis in batches, items in the caller's order (loompy returns
//! them in file order), each batch a [`View`]; decoding goes through `loomfile-scan` one
//! batch at a time, so memory is bounded by a batch. [`LoomFile::map`] applies several
//! functions to every row or column in one pass.
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
//! use loomfile::{Axis, Graph, Sel, ViewOptions};
//! let mut f = LoomFile::open_rw(&path)?;
//! let knn = Graph { a: vec![0, 2], b: vec![2, 1], w: vec![1.0, 0.5] };
//! f.set_graph(Axis::Cols, "KNN", &knn)?;
//! // Columns z then x: the edge x -> z is kept, renumbered in the view's order.
//! let v = f.view::<f32>(&Sel::All, &Sel::from(vec![2, 0]), &ViewOptions::default())?;
//! assert_eq!(v.col_attr("CellID").unwrap().as_strings().unwrap(), ["z", "x"]);
//! assert_eq!(v.col_graphs[0].1, Graph { a: vec![1], b: vec![0], w: vec![1.0] });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::graphs::Graph;
use crate::layers::Sel;
use crate::values::Values;
use loomfile_hdf5::{H5Type, Selection};
use loomfile_scan::{Matrix, ScanOptions as MatrixScan};
use ndarray::Array2;
use std::collections::HashMap;
use std::sync::Arc;

/// A selection of a loom file held in memory.
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
/// use loomfile::{Sel, ViewOptions};
/// let f = LoomFile::open(&path)?;
/// let v = f.view::<f32>(&Sel::from(0..2), &Sel::All, &ViewOptions::default())?;
/// assert_eq!((v.rows.as_slice(), v.cols.as_slice()), (&[0, 1][..], &[0, 1, 2][..]));
/// assert_eq!(v.layers[0].0, ""); // the main matrix
/// assert_eq!(v.global("title").and_then(|t| t.as_string()), Some("demo"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct View<T> {
    /// Indices of the selected rows, in view order.
    pub rows: Vec<u64>,
    /// Indices of the selected columns, in view order.
    pub cols: Vec<u64>,
    /// Layers (`""` = main matrix), each rows x cols.
    pub layers: Vec<(String, Array2<T>)>,
    /// Row attributes, sliced. In a scan along columns every batch shares one copy (sliced
    /// once), as it shares the globals.
    pub row_attrs: Arc<Vec<(String, Values)>>,
    /// Column attributes, sliced (shared by every batch of a scan along rows).
    pub col_attrs: Arc<Vec<(String, Values)>>,
    /// Row graphs restricted to the selected rows, renumbered in view order (shared by every
    /// batch of a scan along columns).
    pub row_graphs: Arc<Vec<(String, Graph)>>,
    /// Column graphs restricted to the selected columns, renumbered in view order (shared by
    /// every batch of a scan along rows).
    pub col_graphs: Arc<Vec<(String, Graph)>>,
    /// The file's global attributes (loompy's `view.attrs`), loaded with the attributes;
    /// shared by every batch of a scan.
    pub globals: Arc<Vec<(String, Values)>>,
}

impl<T> View<T> {
    /// (rows, columns) of the view.
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
    /// use loomfile::{Sel, ViewOptions};
    /// let f = LoomFile::open(&path)?;
    /// let v = f.view::<f32>(
    ///     &Sel::from(vec![true, false, true, true]),
    ///     &Sel::from(1u64),
    ///     &ViewOptions::default(),
    /// )?;
    /// assert_eq!(v.shape(), (3, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows.len(), self.cols.len())
    }

    /// A layer by name.
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
    /// use loomfile::{Sel, ViewOptions};
    /// let f = LoomFile::open(&path)?;
    /// let v = f.view::<u32>(&Sel::from(3u64), &Sel::All, &ViewOptions::default())?;
    /// assert_eq!(v.layer("").unwrap().row(0).to_vec(), [9, 10, 11]);
    /// assert!(v.layer("spliced").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layer(&self, name: &str) -> Option<&Array2<T>> {
        self.layers.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// A row attribute by name.
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
    /// use loomfile::{Sel, ViewOptions};
    /// let f = LoomFile::open(&path)?;
    /// let v = f.view::<f32>(&Sel::from(vec![3, 0]), &Sel::All, &ViewOptions::default())?;
    /// assert_eq!(v.row_attr("Gene").unwrap().as_strings().unwrap(), ["d", "a"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn row_attr(&self, name: &str) -> Option<&Values> {
        self.row_attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A column attribute by name.
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
    /// use loomfile::{Sel, ViewOptions};
    /// let f = LoomFile::open(&path)?;
    /// let v = f.view::<f32>(&Sel::All, &Sel::from(1..3), &ViewOptions::default())?;
    /// assert_eq!(v.col_attr("CellID").unwrap().as_strings().unwrap(), ["y", "z"]);
    /// assert!(v.col_attr("Gene").is_none()); // a row attribute
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn col_attr(&self, name: &str) -> Option<&Values> {
        self.col_attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A global attribute by name.
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
    /// use loomfile::{Sel, ViewOptions};
    /// let f = LoomFile::open(&path)?;
    /// let v = f.view::<f32>(&Sel::from(0..1), &Sel::from(0..1), &ViewOptions::default())?;
    /// assert_eq!(v.global("title").unwrap().as_string(), Some("demo"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn global(&self, name: &str) -> Option<&Values> {
        self.globals.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// What to include in views and scans.
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
/// use loomfile::{Sel, ViewOptions};
/// let f = LoomFile::open(&path)?;
/// // The main matrix alone: no attributes, no graphs.
/// let opts =
///     ViewOptions { layers: Some(vec![String::new()]), attrs: false, graphs: false };
/// let v = f.view::<f32>(&Sel::All, &Sel::from(vec![2]), &opts)?;
/// assert_eq!(v.layers.len(), 1);
/// assert!(v.col_attrs.is_empty() && v.globals.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ViewOptions {
    /// Layers to load (`None`: all; `Some(vec![""])`: the main matrix only).
    pub layers: Option<Vec<String>>,
    /// Load row, column and global attributes.
    pub attrs: bool,
    /// Load graphs.
    pub graphs: bool,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions { layers: None, attrs: true, graphs: true }
    }
}

impl ViewOptions {
    /// Every layer, the attributes and the graphs (the default), to narrow with the setters.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = loomfile::ViewOptions::new().layers(&[""]).graphs(false);
    /// assert_eq!(opts.layers, Some(vec![String::new()]));
    /// assert!(opts.attrs && !opts.graphs);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Load only these layers (`""` is the main matrix).
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = loomfile::ViewOptions::new().layers(&["", "spliced"]);
    /// assert_eq!(opts.layers.unwrap(), ["", "spliced"]);
    /// ```
    pub fn layers<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.layers = Some(names.iter().map(|s| s.as_ref().to_string()).collect());
        self
    }

    /// Load the row, column and global attributes, or not.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!loomfile::ViewOptions::new().attrs(false).attrs);
    /// ```
    pub fn attrs(mut self, load: bool) -> Self {
        self.attrs = load;
        self
    }

    /// Load the graphs, or not.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!loomfile::ViewOptions::new().graphs(false).graphs);
    /// ```
    pub fn graphs(mut self, load: bool) -> Self {
        self.graphs = load;
        self
    }
}

/// Options of [`LoomFile::scan`].
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
/// use loomfile::{Axis, ScanOptions};
/// let mut f = LoomFile::open_rw(&path)?;
/// f.set_attr(Axis::Cols, "Order", &Values::from(vec![2i64, 0, 1]))?;
/// let opts = ScanOptions {
///     items: Some(vec![3, 0]), // rows 3 then 0
///     batch_size: 1,
///     key: Some("Order".into()), // columns sorted by this attribute
///     ..Default::default()
/// };
/// let batches = f.scan::<f32>(Axis::Rows, opts)?.collect::<Result<Vec<_>, _>>()?;
/// assert_eq!(
///     (batches[0].indexes.as_slice(), batches[1].indexes.as_slice()),
///     (&[3][..], &[0][..])
/// );
/// assert_eq!(batches[1].view.cols, [1, 2, 0]);
/// assert_eq!(batches[1].view.layer("").unwrap().row(0).to_vec(), [1.0, 2.0, 0.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Items of the scanned axis to visit, in this order (repeats allowed); `None`: all.
    pub items: Option<Vec<u64>>,
    /// Items per batch (default 512).
    pub batch_size: usize,
    /// Reorder the other axis by this attribute (loompy's `key`: `argsort(attr)`).
    pub key: Option<String>,
    /// What each batch view holds.
    pub view: ViewOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { items: None, batch_size: 512, key: None, view: ViewOptions::default() }
    }
}

impl ScanOptions {
    /// Every item, 512 per batch, no key, whole views (the default), to change with the
    /// setters.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{ScanOptions, ViewOptions};
    /// let opts = ScanOptions::new().batch_size(64).key("CellID").view(ViewOptions::new().layers(&[""]));
    /// assert_eq!((opts.batch_size, opts.key.as_deref()), (64, Some("CellID")));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Visit these items of the scanned axis, in this order.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::ScanOptions::new().items(vec![3, 1]).items, Some(vec![3, 1]));
    /// ```
    pub fn items(mut self, items: Vec<u64>) -> Self {
        self.items = Some(items);
        self
    }

    /// Items per batch.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::ScanOptions::new().batch_size(100).batch_size, 100);
    /// ```
    pub fn batch_size(mut self, items: usize) -> Self {
        self.batch_size = items;
        self
    }

    /// Order the other axis by this attribute (loompy's `key`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::ScanOptions::new().key("Gene").key.as_deref(), Some("Gene"));
    /// ```
    pub fn key(mut self, attr: &str) -> Self {
        self.key = Some(attr.to_string());
        self
    }

    /// What each batch's view holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::{ScanOptions, ViewOptions};
    /// assert!(!ScanOptions::new().view(ViewOptions::new().attrs(false)).view.attrs);
    /// ```
    pub fn view(mut self, view: ViewOptions) -> Self {
        self.view = view;
        self
    }
}

/// Restrict a graph to selected vertices, renumbered by their position in `sel`.
///
/// # Examples
///
/// ```
/// use loomfile::{Graph, view::slice_graph};
/// let g = Graph { a: vec![0, 1, 2], b: vec![1, 2, 0], w: vec![1.0, 2.0, 3.0] };
/// // Keep vertices 2 and 0, which become 0 and 1: only the edge 2 -> 0 survives.
/// assert_eq!(slice_graph(&g, &[2, 0]), Graph { a: vec![0], b: vec![1], w: vec![3.0] });
/// ```
pub fn slice_graph(g: &Graph, sel: &[u64]) -> Graph {
    let mut pos: HashMap<u64, Vec<u64>> = HashMap::new();
    for (i, &v) in sel.iter().enumerate() {
        pos.entry(v).or_default().push(i as u64);
    }
    let mut out = Graph::default();
    for k in 0..g.a.len() {
        if let (Some(pa), Some(pb)) = (pos.get(&g.a[k]), pos.get(&g.b[k])) {
            for &x in pa {
                for &y in pb {
                    out.a.push(x);
                    out.b.push(y);
                    out.w.push(g.w[k]);
                }
            }
        }
    }
    out
}

/// Positions that sort `v` (stable; numbers numerically, strings bytewise).
fn argsort(v: &Values) -> Result<Vec<u64>> {
    let n = v.len();
    let mut idx: Vec<usize> = (0..n).collect();
    if let Some(s) = v.as_strings() {
        idx.sort_by(|&a, &b| s[a].cmp(&s[b]));
    } else if let Some(x) = v.to_f64() {
        if v.shape().len() != 1 {
            return Err(Error::invalid("a key attribute must be 1-D"));
        }
        idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    } else {
        return Err(Error::invalid("a key attribute must be numeric or text"));
    }
    Ok(idx.into_iter().map(|i| i as u64).collect())
}

/// The selection `idx` (indices along an axis of length `n`) in its cheapest form for the
/// scan core: everything, a range when the indices are consecutive, else the index list.
pub(crate) fn compact(idx: &[u64], n: u64) -> Selection {
    let consecutive = idx.windows(2).all(|w| w[0].checked_add(1) == Some(w[1]));
    match idx.first() {
        Some(&a) if consecutive => {
            let b = a + idx.len() as u64;
            if a == 0 && b == n { Selection::All } else { Selection::Range(a, b) }
        }
        None => Selection::Range(0, 0),
        _ => Selection::Index(idx.to_vec()),
    }
}

/// Attributes restricted to the items `idx`, in that order.
fn slice_attrs(list: &[(String, Values)], idx: &[u64]) -> Result<Vec<(String, Values)>> {
    let idx: Vec<usize> = idx.iter().map(|&i| i as usize).collect();
    list.iter().map(|(n, v)| Ok((n.clone(), v.select(&idx)?))).collect()
}

/// Graphs restricted to the items `idx` and renumbered in that order.
fn slice_graphs(list: &[(String, Graph)], idx: &[u64]) -> Vec<(String, Graph)> {
    list.iter().map(|(n, g)| (n.clone(), slice_graph(g, idx))).collect()
}

impl LoomFile {
    fn chosen_layers(&self, opts: &ViewOptions) -> Result<Vec<String>> {
        let all = self.layer_names();
        match &opts.layers {
            None => Ok(all),
            Some(list) => {
                for l in list {
                    if !all.contains(l) {
                        return Err(Error::Missing { kind: "layer", name: l.clone() });
                    }
                }
                Ok(list.clone())
            }
        }
    }

    fn preload(&self, opts: &ViewOptions) -> Result<Preloaded> {
        let attrs = |axis: Axis| -> Result<Vec<(String, Values)>> {
            if !opts.attrs {
                return Ok(Vec::new());
            }
            self.attrs(axis)
        };
        let graphs = |axis: Axis| -> Result<Vec<(String, Graph)>> {
            if !opts.graphs {
                return Ok(Vec::new());
            }
            self.graph_names(axis)
                .into_iter()
                .map(|n| Ok((n.clone(), self.graph(axis, &n)?)))
                .collect()
        };
        Ok(Preloaded {
            layers: self.chosen_layers(opts)?,
            row_attrs: Arc::new(attrs(Axis::Rows)?),
            col_attrs: Arc::new(attrs(Axis::Cols)?),
            row_graphs: Arc::new(graphs(Axis::Rows)?),
            col_graphs: Arc::new(graphs(Axis::Cols)?),
            globals: Arc::new(if opts.attrs { self.globals()? } else { Vec::new() }),
            in_order: None,
        })
    }

    /// The view of `rows` x `cols`; a layer is decoded into a buffer from `spare` when one
    /// of exactly its size is there (a recycled batch), into a fresh array otherwise.
    fn view_parts<T: H5Type>(
        &self,
        rows: Vec<u64>,
        cols: Vec<u64>,
        pre: &Preloaded,
        spare: &mut Vec<Vec<T>>,
    ) -> Result<View<T>> {
        let (n, m) = self.shape();
        let rs = compact(&rows, n);
        let cs = compact(&cols, m);
        let shape = (rows.len(), cols.len());
        let mut layers = Vec::new();
        for name in &pre.layers {
            let matrix = self.matrix(name)?;
            let a = match spare.iter().position(|b| Some(b.len()) == shape.0.checked_mul(shape.1)) {
                Some(at) => {
                    let mut buf = spare.swap_remove(at);
                    matrix.read_into(&rs, &cs, &mut buf)?;
                    Array2::from_shape_vec(shape, buf)
                        .map_err(|e| Error::invalid(format!("internal: batch shape: {e}")))?
                }
                None => matrix.read_array::<T>(&rs, &cs)?,
            };
            layers.push((name.clone(), a));
        }
        // An axis already in view order, or selected whole and in order, shares the
        // preloaded lists; any other selection slices them.
        let attrs_of = |axis: Axis, list: &Arc<Vec<(String, Values)>>, sel: &Selection, idx| {
            if pre.in_order == Some(axis) || *sel == Selection::All {
                Ok(Arc::clone(list))
            } else {
                slice_attrs(list, idx).map(Arc::new)
            }
        };
        let graphs_of = |axis: Axis, list: &Arc<Vec<(String, Graph)>>, sel: &Selection, idx| {
            if pre.in_order == Some(axis) || *sel == Selection::All {
                Arc::clone(list)
            } else {
                Arc::new(slice_graphs(list, idx))
            }
        };
        Ok(View {
            row_attrs: attrs_of(Axis::Rows, &pre.row_attrs, &rs, &rows)?,
            col_attrs: attrs_of(Axis::Cols, &pre.col_attrs, &cs, &cols)?,
            row_graphs: graphs_of(Axis::Rows, &pre.row_graphs, &rs, &rows),
            col_graphs: graphs_of(Axis::Cols, &pre.col_graphs, &cs, &cols),
            globals: Arc::clone(&pre.globals),
            rows,
            cols,
            layers,
        })
    }

    /// Load a selection of rows and columns (both may be index lists or masks at once).
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
    /// use loomfile::{Sel, ViewOptions};
    /// let f = LoomFile::open(&path)?;
    /// let v =
    ///     f.view::<f32>(&Sel::from(vec![3, 1]), &Sel::from(1..3), &ViewOptions::default())?;
    /// assert_eq!(v.layer("").unwrap(), loomfile::ndarray::array![[10.0, 11.0], [4.0, 5.0]]);
    /// assert_eq!(v.row_attr("Gene").unwrap().as_strings().unwrap(), ["d", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn view<T: H5Type>(&self, rows: &Sel, cols: &Sel, opts: &ViewOptions) -> Result<View<T>> {
        let (n, m) = self.shape();
        self.check_area("/matrix", "a view of", rows.count(n), cols.count(m))?;
        let pre = self.preload(opts)?;
        let limits = self.limits();
        self.view_parts(
            rows.indices_within(n, &limits)?,
            cols.indices_within(m, &limits)?,
            &pre,
            &mut Vec::new(),
        )
    }

    /// Walk `axis` in batches; each batch is a view of `batch_size` items (in the order given
    /// by `opts.items`) by the whole other axis (reordered by `opts.key` when given).
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
    /// use loomfile::{Axis, ScanOptions};
    /// let f = LoomFile::open(&path)?;
    /// let opts = ScanOptions { batch_size: 2, ..Default::default() };
    /// let mut sums = Vec::new();
    /// for batch in f.scan::<f32>(Axis::Rows, opts)? {
    ///     let batch = batch?;
    ///     let m = batch.view.layer("").unwrap();
    ///     sums.extend(m.rows().into_iter().map(|r| r.sum()));
    /// }
    /// assert_eq!(sums, [3.0, 12.0, 21.0, 30.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scan<T: H5Type>(&self, axis: Axis, opts: ScanOptions) -> Result<Scan<'_, T>> {
        let n = self.len(axis);
        let walked = opts.items.as_ref().map_or(n, |v| v.len() as u64);
        self.check_area("/matrix", "a scan of", walked, self.len(axis.other()))?;
        let items = match &opts.items {
            Some(v) => {
                if let Some(&bad) = v.iter().find(|&&i| i >= n) {
                    return Err(Error::invalid(format!(
                        "item {bad} out of range (axis length {n})"
                    )));
                }
                v.clone()
            }
            None => (0..n).collect(),
        };
        let other = match &opts.key {
            Some(k) => argsort(&self.attr(axis.other(), k)?)?,
            None => (0..self.len(axis.other())).collect(),
        };
        if opts.batch_size == 0 {
            return Err(Error::invalid("batch size must be at least 1"));
        }
        let mut pre = self.preload(&opts.view)?;
        // The other axis is the same in every batch: its attributes and graphs are put in
        // scan order once and shared by every batch's view.
        let o = axis.other();
        let (attrs, graphs) = match o {
            Axis::Rows => (&mut pre.row_attrs, &mut pre.row_graphs),
            Axis::Cols => (&mut pre.col_attrs, &mut pre.col_graphs),
        };
        if compact(&other, self.len(o)) != Selection::All {
            *attrs = Arc::new(slice_attrs(attrs, &other)?);
            *graphs = Arc::new(slice_graphs(graphs, &other));
        }
        pre.in_order = Some(o);
        Ok(Scan {
            file: self,
            axis,
            items,
            other,
            pos: 0,
            batch_size: opts.batch_size,
            pre,
            spare: Vec::new(),
        })
    }

    /// Apply every function of `fs` to every row (`Axis::Rows`) or column of `layer` (as
    /// f64), in one pass; `selection` restricts the other axis. Returns one vector per
    /// function, in item order.
    ///
    /// Batches of items are decoded in parallel by the scan core, then the functions run in
    /// parallel over the items of each batch (in the caller's rayon pool), so they must be
    /// `Sync`; results do not depend on the thread count.
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
    /// use loomfile::{Axis, Sel};
    /// let f = LoomFile::open(&path)?;
    /// let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    /// let max = |x: &[f64]| x.iter().cloned().fold(f64::MIN, f64::max);
    /// let out = f.map("", Axis::Rows, &[&mean, &max], &Sel::All)?;
    /// assert_eq!(out, [vec![1.0, 4.0, 7.0, 10.0], vec![2.0, 5.0, 8.0, 11.0]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn map(
        &self,
        layer: &str,
        axis: Axis,
        fs: &[&MapFn],
        selection: &Sel,
    ) -> Result<Vec<Vec<f64>>> {
        let m = self.matrix(layer)?;
        let (rows, cols) = m.shape();
        let path = crate::layers::layer_path(layer);
        self.check_area(&path, "a map over", rows, cols)?;
        // The results, one f64 per item and function, within the memory budget.
        let items = if axis == Axis::Rows { rows } else { cols };
        let bytes = items.saturating_mul(fs.len() as u64).saturating_mul(8);
        self.limits().check_bytes(&path, "the results of a map", bytes)?;
        let other = selection.to_hdf5(self.len(axis.other()))?;
        // Decode in a type that holds every stored value exactly and is as small as
        // possible: half the memory traffic of f64 for the usual float32 counts.
        if self.layer_dtype(layer)?.fits_f32() {
            map_items::<f32>(&m, axis, fs, other)
        } else {
            map_items::<f64>(&m, axis, fs, other)
        }
    }
}

/// A function [`LoomFile::map`] applies to each row or column (its values as f64), such as a
/// mean or a standard deviation; `Sync` because items are mapped in parallel.
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
/// use loomfile::{Axis, MapFn, Sel};
/// let f = LoomFile::open(&path)?;
/// let nnz: &MapFn = &|x| x.iter().filter(|&&v| v != 0.0).count() as f64;
/// let out = f.map("", Axis::Cols, &[nnz], &Sel::All)?;
/// assert_eq!(out[0], [3.0, 4.0, 4.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type MapFn = dyn Fn(&[f64]) -> f64 + Sync;

/// Most columns gathered together by one task of [`LoomFile::map`] along columns: a block
/// of rows of that many values is two cache lines of f32.
const MAP_COLUMN_GROUP: usize = 32;

/// Columns per batch of [`LoomFile::map`] along columns: one chunk column, within these
/// bounds. Each column's values are gathered down the batch's rows, one value per row, so a
/// narrow batch keeps that stride short (64 float32 = 256 bytes, against 2 KiB for the
/// scan's usual 512): on 64 x 64 chunks, 20,000 x 10,000, the map took 0.94 s instead of
/// 1.17 s at 2 threads.
const MAP_COLUMN_BATCH: (u64, u64) = (64, 512);

/// The scan options of [`LoomFile::map`] (the benchmark's core, api_bench's `core_map`,
/// picks the same batches).
fn map_scan_options(m: &Matrix, axis: Axis, other: Selection) -> MatrixScan {
    let opts = MatrixScan::default().other(other);
    match axis {
        Axis::Rows => opts,
        Axis::Cols => {
            let (lo, hi) = MAP_COLUMN_BATCH;
            opts.batch_size(m.tile_shape().1.clamp(lo, hi) as usize)
        }
    }
}

/// [`LoomFile::map`] over values decoded as `T`.
fn map_items<T: H5Type + Into<f64>>(
    m: &Matrix,
    axis: Axis,
    fs: &[&MapFn],
    other: Selection,
) -> Result<Vec<Vec<f64>>> {
    let nf = fs.len();
    let mut out: Vec<Vec<f64>> =
        // alloc: items x functions under max_read_bytes (checked in map above)
        fs.iter().map(|_| Vec::with_capacity(m.len(axis) as usize)).collect();
    let mut scan = m.scan::<T>(axis, map_scan_options(m, axis, other));
    while let Some(batch) = scan.next() {
        let b = batch?;
        let (k, len) = (b.items.len(), b.other_len);
        // Groups of items, each task's results item-major (nf per item), in item order;
        // along columns at least one group per thread (a batch may be 64 columns).
        let threads = crate::parallel::threads().max(1);
        let group = match axis {
            Axis::Rows => 1,
            Axis::Cols => (k / threads).clamp(1, MAP_COLUMN_GROUP),
        };
        let starts: Vec<usize> = (0..k).step_by(group).collect();
        let data = &b.data;
        let results: Vec<Vec<f64>> =
            crate::parallel::map_init(&starts, Vec::<f64>::new, |buf, &g0| {
                let w = group.min(k - g0);
                // alloc: w x functions, w <= one group of columns
                let mut res = Vec::with_capacity(w * nf);
                for c in g0..g0 + w {
                    // One item's values as f64, gathered while the functions run on it hot;
                    // a column's values are one per row of the batch, and the group's columns
                    // share those rows' cache lines.
                    buf.clear();
                    if axis == Axis::Rows {
                        buf.extend(data[c * len..(c + 1) * len].iter().map(|&x| x.into()));
                    } else {
                        buf.extend((0..len).map(|r| data[r * k + c].into()));
                    }
                    res.extend(fs.iter().map(|f| f(buf)));
                }
                res
            });
        for res in results {
            for item in res.chunks_exact(nf.max(1)) {
                for (o, &v) in out.iter_mut().zip(item) {
                    o.push(v);
                }
            }
        }
        scan.recycle(b);
    }
    Ok(out)
}

/// Batches of a [`LoomFile::scan`].
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
/// use loomfile::{Axis, ScanOptions};
/// let f = LoomFile::open(&path)?;
/// let mut scan =
///     f.scan::<f32>(Axis::Cols, ScanOptions { batch_size: 2, ..Default::default() })?;
/// assert_eq!(scan.next().unwrap()?.indexes, [0, 1]);
/// assert_eq!(scan.next().unwrap()?.indexes, [2]); // the last batch may be shorter
/// assert!(scan.next().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Scan<'a, T> {
    file: &'a LoomFile,
    axis: Axis,
    items: Vec<u64>,
    other: Vec<u64>,
    pos: usize,
    batch_size: usize,
    pre: Preloaded,
    /// Layer buffers of batches handed back with [`Scan::recycle`].
    spare: Vec<Vec<T>>,
}

/// Attributes and graphs loaded once per view or scan.
struct Preloaded {
    layers: Vec<String>,
    row_attrs: Arc<Vec<(String, Values)>>,
    col_attrs: Arc<Vec<(String, Values)>>,
    row_graphs: Arc<Vec<(String, Graph)>>,
    col_graphs: Arc<Vec<(String, Graph)>>,
    globals: Arc<Vec<(String, Values)>>,
    /// The axis whose attributes and graphs above are already in view order (a scan's other
    /// axis, sliced once): every view shares them instead of slicing them again.
    in_order: Option<Axis>,
}

/// One batch: the item indices and their view.
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
/// use loomfile::{Axis, ScanOptions};
/// let f = LoomFile::open(&path)?;
/// let opts =
///     ScanOptions { items: Some(vec![2, 1, 0]), batch_size: 2, ..Default::default() };
/// let mut offsets = Vec::new();
/// for batch in f.scan::<f32>(Axis::Cols, opts)? {
///     let batch = batch?;
///     offsets.push(batch.offset);
///     // View column k is file column indexes[k]; file column c holds c, c+3, c+6, c+9.
///     let c = batch.indexes[0] as f32;
///     assert_eq!(
///         batch.view.layer("").unwrap().column(0).to_vec(),
///         [c, c + 3.0, c + 6.0, c + 9.0]
///     );
/// }
/// assert_eq!(offsets, [0, 2]); // items 2, 1 then item 0
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScanBatch<T> {
    /// Position of the batch's first item in the scan order.
    pub offset: usize,
    /// The items of this batch (indices along the scanned axis).
    pub indexes: Vec<u64>,
    /// The view: the items by the (possibly reordered) other axis.
    pub view: View<T>,
}

impl<T: H5Type> Scan<'_, T> {
    /// Hand a batch back once done with it: the next batches of the same size decode into
    /// its layer arrays instead of fresh ones (a fresh array costs a page fault per 4 KiB
    /// page on first write, about as much as decoding it).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default())?;
    /// use loomfile::{Axis, ScanOptions};
    /// let f = LoomFile::open(&path)?;
    /// let mut scan = f.scan::<f32>(Axis::Rows, ScanOptions { batch_size: 2, ..Default::default() })?;
    /// let mut sums = Vec::new();
    /// let mut buffers = Vec::new();
    /// while let Some(batch) = scan.next() {
    ///     let batch = batch?;
    ///     let layer = batch.view.layer("").unwrap();
    ///     sums.extend(layer.rows().into_iter().map(|r| r.sum()));
    ///     buffers.push(layer.as_ptr());
    ///     scan.recycle(batch);
    /// }
    /// assert_eq!(sums, [3.0, 12.0, 21.0, 30.0]);
    /// assert_eq!(buffers[0], buffers[1]); // the second batch reused the first one's array
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recycle(&mut self, batch: ScanBatch<T>) {
        let keep = self.pre.layers.len();
        for (_, a) in batch.view.layers {
            if self.spare.len() < keep {
                let (v, _) = a.into_raw_vec_and_offset();
                self.spare.push(v);
            }
        }
    }
}

impl<T: H5Type> Iterator for Scan<'_, T> {
    type Item = Result<ScanBatch<T>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.items.len() {
            return None;
        }
        let end = (self.pos + self.batch_size).min(self.items.len());
        let batch: Vec<u64> = self.items[self.pos..end].to_vec();
        let offset = self.pos;
        self.pos = end;
        let (rows, cols) = match self.axis {
            Axis::Rows => (batch.clone(), self.other.clone()),
            Axis::Cols => (self.other.clone(), batch.clone()),
        };
        Some(self.file.view_parts(rows, cols, &self.pre, &mut self.spare).map(|view| ScanBatch {
            offset,
            indexes: batch,
            view,
        }))
    }
}
