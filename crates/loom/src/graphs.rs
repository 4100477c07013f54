//! Row and column graphs: COO edge lists `a`, `b` (vertex indices) and `w` (weights) under
//! `/row_graphs/NAME` and `/col_graphs/NAME`. Legacy files keep them under `/row_edges` and
//! `/col_edges`; those are listed and read too, without needing write access.
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
//! use loomfile::{Axis, Graph};
//! let mut f = LoomFile::open_rw(&path)?;
//! // A chain over the three cells: x - y - z.
//! let chain = Graph { a: vec![0, 1], b: vec![1, 2], w: vec![1.0, 1.0] };
//! f.set_graph(Axis::Cols, "KNN", &chain)?;
//! assert_eq!(f.graph_names(Axis::Cols), ["KNN"]);
//! assert_eq!(f.graph(Axis::Cols, "KNN")?.b, [1, 2]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::attrs::check_name;
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::timestamp;
use crate::values::{NumType, Values, read_dataset};
use loomfile_hdf5::{DatasetSpec, Object};

/// A graph over rows or columns.
///
/// # Examples
///
/// ```
/// use loomfile::Graph;
/// // Edges 0 -> 1 (weight 0.9) and 1 -> 2 (weight 0.4).
/// let g = Graph { a: vec![0, 1], b: vec![1, 2], w: vec![0.9, 0.4] };
/// assert_eq!(g.edges(), 2);
/// assert_eq!(Graph::default().edges(), 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// Source vertices.
    pub a: Vec<u64>,
    /// Target vertices.
    pub b: Vec<u64>,
    /// Weights.
    pub w: Vec<f64>,
}

impl Graph {
    /// Number of edges.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Graph;
    /// let g = Graph { a: vec![0, 0, 1], b: vec![1, 2, 2], w: vec![1.0; 3] };
    /// assert_eq!(g.edges(), 3);
    /// ```
    pub fn edges(&self) -> usize {
        self.a.len()
    }
}

impl LoomFile {
    fn graph_group(&self, axis: Axis, name: &str) -> Option<String> {
        for g in [axis.graphs_group(), axis.legacy_graphs_group()] {
            let p = format!("{g}/{name}");
            if matches!(self.reader.object(&p), Ok(Object::Group(_))) {
                return Some(p);
            }
        }
        None
    }

    /// Graph names (current and legacy groups), sorted, without duplicates.
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
    /// let g = Graph { a: vec![0], b: vec![1], w: vec![1.0] };
    /// f.set_graph(Axis::Cols, "MKNN", &g)?;
    /// f.set_graph(Axis::Cols, "KNN", &g)?;
    /// assert_eq!(f.graph_names(Axis::Cols), ["KNN", "MKNN"]);
    /// assert!(f.graph_names(Axis::Rows).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn graph_names(&self, axis: Axis) -> Vec<String> {
        self.catalog().graphs(axis).to_vec()
    }

    /// Read a graph.
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
    /// let g = Graph { a: vec![0, 1], b: vec![1, 2], w: vec![1.0, 0.5] };
    /// f.set_graph(Axis::Cols, "KNN", &g)?;
    /// assert_eq!(f.graph(Axis::Cols, "KNN")?, g);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn graph(&self, axis: Axis, name: &str) -> Result<Graph> {
        let g = self
            .graph_group(axis, name)
            .ok_or_else(|| Error::Missing { kind: "graph", name: name.to_string() })?;
        let col = |c: &str| -> Result<Vec<f64>> {
            let v = read_dataset(&self.dataset(&format!("{g}/{c}"))?, false)?;
            v.to_f64().ok_or_else(|| Error::invalid(format!("{g}/{c} is not numeric")))
        };
        let (a, b, w) = (col("a")?, col("b")?, col("w")?);
        if a.len() != b.len() || a.len() != w.len() {
            return Err(Error::invalid(format!("{g}: a, b and w have different lengths")));
        }
        let idx = |v: Vec<f64>| -> Result<Vec<u64>> {
            v.into_iter()
                .map(|x| {
                    if x >= 0.0 && x.fract() == 0.0 {
                        Ok(x as u64)
                    } else {
                        Err(Error::invalid(format!(
                            "{g}: vertex {x} is not a non-negative integer"
                        )))
                    }
                })
                .collect()
        };
        let (a, b) = (idx(a)?, idx(b)?);
        // Vertices index the axis: out-of-range ones (LoomExperiment before 1.0 wrote 1-based
        // indices) would index past every per-vertex array.
        let n = self.len(axis);
        if self.shape != (0, 0)
            && let Some(&bad) = a.iter().chain(&b).find(|&&v| v >= n)
        {
            return Err(Error::invalid(format!(
                "{g}: vertex {bad} out of range (the graph has {n} vertices{})",
                if a.iter().chain(&b).all(|&v| v >= 1 && v <= n) {
                    "; the indices look 1-based"
                } else {
                    ""
                }
            )));
        }
        Ok(Graph { a, b, w })
    }

    /// Number of edges of a graph (the length of its `a`), without reading it.
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
    /// let pairs = Graph { a: vec![0, 3], b: vec![3, 0], w: vec![0.8, 0.8] };
    /// f.set_graph(Axis::Rows, "coexpr", &pairs)?;
    /// assert_eq!(f.graph_edges(Axis::Rows, "coexpr")?, 2);
    /// assert!(f.graph_edges(Axis::Rows, "missing").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn graph_edges(&self, axis: Axis, name: &str) -> Result<u64> {
        let g = self
            .graph_group(axis, name)
            .ok_or_else(|| Error::Missing { kind: "graph", name: name.to_string() })?;
        let d = self.dataset(&format!("{g}/a"))?;
        Ok(d.shape().and_then(|s| s.first().copied()).unwrap_or(0))
    }

    /// Store a graph (replacing it): `a`, `b` as int32 (int64 when needed), `w` as float64,
    /// contiguous, as loompy writes them.
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
    /// f.set_graph(Axis::Cols, "KNN", &Graph { a: vec![0], b: vec![2], w: vec![1.0] })?;
    /// // Vertices index the axis: the file has 3 columns, so 3 is out of range.
    /// let bad = Graph { a: vec![0], b: vec![3], w: vec![1.0] };
    /// assert!(f.set_graph(Axis::Cols, "KNN", &bad).is_err());
    /// assert_eq!(f.graph(Axis::Cols, "KNN")?.b, [2]); // unchanged
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_graph(&mut self, axis: Axis, name: &str, g: &Graph) -> Result<()> {
        self.stage_graph(axis, name, g)?;
        self.commit()
    }

    pub(crate) fn stage_graph(&mut self, axis: Axis, name: &str, g: &Graph) -> Result<()> {
        check_name(name)?;
        let n = self.len(axis);
        if g.a.len() != g.b.len() || g.a.len() != g.w.len() {
            return Err(Error::invalid("graph a, b and w must have the same length"));
        }
        if let Some(&v) = g.a.iter().chain(&g.b).find(|&&v| v >= n) {
            return Err(Error::invalid(format!("graph vertex {v} outside 0..{n}")));
        }
        let big = n > i32::MAX as u64;
        let group = format!("{}/{name}", axis.graphs_group());
        let ts = timestamp::now();
        let w = self.writer()?;
        w.require_group(axis.graphs_group())?;
        if w.exists(&group) {
            w.delete(&group)?;
        }
        w.create_group(&group)?;
        let e = g.a.len() as u64;
        for (col, data) in [("a", &g.a), ("b", &g.b)] {
            let p = format!("{group}/{col}");
            if big {
                w.create_dataset(&p, DatasetSpec::contiguous(NumType::Int64.datatype(), &[e]))?;
                w.write::<i64>(&p, &[], &data.iter().map(|&x| x as i64).collect::<Vec<_>>())?;
            } else {
                w.create_dataset(&p, DatasetSpec::contiguous(NumType::Int32.datatype(), &[e]))?;
                w.write::<i32>(&p, &[], &data.iter().map(|&x| x as i32).collect::<Vec<_>>())?;
            }
        }
        let p = format!("{group}/w");
        w.create_dataset(&p, DatasetSpec::contiguous(NumType::Float64.datatype(), &[e]))?;
        w.write::<f64>(&p, &[], &g.w)?;
        self.stamp(&group, &ts)?;
        self.stamp(axis.graphs_group(), &ts)?;
        self.stamp("/", &ts)?;
        Ok(())
    }

    /// Delete a graph (from the current or the legacy group).
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
    /// f.set_graph(Axis::Cols, "KNN", &Graph { a: vec![0], b: vec![1], w: vec![1.0] })?;
    /// f.delete_graph(Axis::Cols, "KNN")?;
    /// assert!(f.graph_names(Axis::Cols).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_graph(&mut self, axis: Axis, name: &str) -> Result<()> {
        let g = self
            .graph_group(axis, name)
            .ok_or_else(|| Error::Missing { kind: "graph", name: name.to_string() })?;
        self.writer()?.delete(&g)?;
        self.commit()
    }
}

/// Weights of a graph as values (for views and exports).
///
/// # Examples
///
/// ```
/// use loomfile::{Graph, graphs::weights};
/// let g = Graph { a: vec![0, 1], b: vec![1, 0], w: vec![1.0, 0.5] };
/// assert_eq!(weights(&g).as_f64s(), Some(vec![1.0, 0.5]));
/// ```
pub fn weights(g: &Graph) -> Values {
    Values::from_vec(g.w.clone())
}
