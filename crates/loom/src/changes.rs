//! What changed since a time: the `last_modified` stamps loompy writes on layers,
//! attributes, graphs and their groups, read back (loompy's `last_modified(name)` on each
//! manager and `get_changes_since`). Reading never writes a stamp (loompy writes one when
//! asked in r+ mode); an object without a stamp counts as changed, since nothing says when
//! it last did. Graph stamps are found (loompy's path for them lacks a slash, so its
//! `get_changes_since` raises on any file with graphs).
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
//! use loomfile::Axis;
//! let before = loomfile::timestamp::now();
//! # std::thread::sleep(std::time::Duration::from_millis(2));
//! let mut f = LoomFile::open_rw(&path)?;
//! f.set_attr(Axis::Cols, "Cluster", &Values::from(vec![0i64, 1, 0]))?;
//! let changed = f.changes_since(&before);
//! assert_eq!(changed.col_attrs, ["Cluster"]);
//! assert!(changed.row_attrs.is_empty()); // Gene was written before
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::file::{Axis, LoomFile};
use crate::layers::layer_path;
use loomfile_hdf5::Object;

/// Names changed since a time, by kind.
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
/// use loomfile::Changes;
/// let f = LoomFile::open(&path)?;
/// let later = "99991231T000000.000000Z";
/// // Nothing stamped after that; the main matrix has no stamp at all, so it counts.
/// assert_eq!(
///     f.changes_since(later),
///     Changes { layers: vec![String::new()], ..Default::default() }
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Layers (`""` is the main matrix).
    pub layers: Vec<String>,
    /// Row attributes.
    pub row_attrs: Vec<String>,
    /// Column attributes.
    pub col_attrs: Vec<String>,
    /// Row graphs.
    pub row_graphs: Vec<String>,
    /// Column graphs.
    pub col_graphs: Vec<String>,
}

impl LoomFile {
    /// The `last_modified` stamp of the object at `path` (a group or a dataset), if any.
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
    /// let stamp = f.stamp_of("/row_attrs/Gene").expect("attribute writes are stamped");
    /// assert!(stamp.ends_with('Z'));
    /// assert_eq!(f.stamp_of("/no/such/object"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stamp_of(&self, path: &str) -> Option<String> {
        let a = match self.reader.object(path).ok()? {
            Object::Dataset(d) => d.attribute("last_modified").ok()??,
            Object::Group(g) => g.attribute("last_modified").ok()??,
            _ => return None,
        };
        a.read_strings().ok()?.into_iter().next()
    }

    /// When a layer was last written (`None`: never stamped).
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
    /// use loomfile::ndarray::array;
    /// let mut f = LoomFile::open_rw(&path)?;
    /// assert_eq!(f.layer_last_modified(""), None); // written whole: no stamp
    /// f.write_layer_block("", (0, 1), (0, 1), array![[1.0f32]].view())?;
    /// assert!(f.layer_last_modified("").is_some()); // block writes stamp it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn layer_last_modified(&self, name: &str) -> Option<String> {
        self.stamp_of(&layer_path(name))
    }

    /// When a row or column attribute (or, with `None`, the attribute group) was last
    /// written.
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
    /// use loomfile::Axis;
    /// let f = LoomFile::open(&path)?;
    /// let gene = f.attr_last_modified(Axis::Rows, Some("Gene")).unwrap();
    /// let group = f.attr_last_modified(Axis::Rows, None).unwrap();
    /// assert!(group >= gene); // the group is stamped with each of its attributes
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attr_last_modified(&self, axis: Axis, name: Option<&str>) -> Option<String> {
        match name {
            Some(n) => self.stamp_of(&format!("{}/{n}", axis.attrs_group())),
            None => self.stamp_of(axis.attrs_group()),
        }
    }

    /// When a graph (or, with `None`, the graph group) was last written.
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
    /// use loomfile::{Axis, Graph};
    /// let mut f = LoomFile::open_rw(&path)?;
    /// assert_eq!(f.graph_last_modified(Axis::Cols, None), None);
    /// f.set_graph(Axis::Cols, "KNN", &Graph { a: vec![0], b: vec![1], w: vec![1.0] })?;
    /// assert!(f.graph_last_modified(Axis::Cols, Some("KNN")).is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn graph_last_modified(&self, axis: Axis, name: Option<&str>) -> Option<String> {
        match name {
            Some(n) => self
                .stamp_of(&format!("{}/{n}", axis.graphs_group()))
                .or_else(|| self.stamp_of(&format!("{}/{n}", axis.legacy_graphs_group()))),
            None => self.stamp_of(axis.graphs_group()),
        }
    }

    /// Everything stamped after `timestamp` (loompy's format compares as text), or not
    /// stamped at all.
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
    /// use loomfile::{Axis, Graph};
    /// let mut f = LoomFile::open_rw(&path)?;
    /// let checkpoint = f.last_modified().unwrap();
    /// # std::thread::sleep(std::time::Duration::from_millis(2));
    /// f.set_graph(Axis::Cols, "KNN", &Graph { a: vec![0], b: vec![2], w: vec![1.0] })?;
    /// let changed = f.changes_since(&checkpoint);
    /// assert_eq!(changed.col_graphs, ["KNN"]);
    /// assert!(changed.col_attrs.is_empty() && changed.row_graphs.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn changes_since(&self, timestamp: &str) -> Changes {
        let newer = |s: Option<String>| s.is_none_or(|s| s.as_str() > timestamp);
        let pick = |names: Vec<String>, f: &dyn Fn(&str) -> Option<String>| -> Vec<String> {
            names.into_iter().filter(|n| newer(f(n))).collect()
        };
        Changes {
            layers: pick(self.layer_names(), &|n| self.layer_last_modified(n)),
            row_attrs: pick(self.attr_names(Axis::Rows), &|n| {
                self.attr_last_modified(Axis::Rows, Some(n))
            }),
            col_attrs: pick(self.attr_names(Axis::Cols), &|n| {
                self.attr_last_modified(Axis::Cols, Some(n))
            }),
            row_graphs: pick(self.graph_names(Axis::Rows), &|n| {
                self.graph_last_modified(Axis::Rows, Some(n))
            }),
            col_graphs: pick(self.graph_names(Axis::Cols), &|n| {
                self.graph_last_modified(Axis::Cols, Some(n))
            }),
        }
    }
}
