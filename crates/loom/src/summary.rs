//! A file described for people ([`LoomFile::summary`]): shape, layers, attributes, graphs,
//! global attributes and the top-left corner of the main matrix. As text through `Display`,
//! or as an HTML table ([`Summary::to_html`]: loompy's `to_html` and a notebook's display of
//! a connection, the column attributes above the corner and the row attributes beside it).
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
//! let s = f.summary()?;
//! assert_eq!(s.shape, (4, 3));
//! assert_eq!(s.corner[1], ["3", "4", "5"]);
//! let text = s.to_string();
//! assert!(text.contains("4 rows x 3 columns") && text.contains("CellID"));
//! assert!(s.to_html().contains("<td>x</td><td>y</td><td>z</td>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::Result;
use crate::file::{Axis, LoomFile};
use crate::layers::Sel;
use crate::values::{NumType, Values};
use std::fmt;

/// Rows and columns of the main matrix shown, and items of each attribute.
pub const CORNER: u64 = 10;

/// What [`LoomFile::summary`] found (see the [module](self) documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Rows x columns.
    pub shape: (u64, u64),
    /// The declared `LOOM_SPEC_VERSION`, if any.
    pub spec_version: Option<String>,
    /// Each layer and its stored element type (`""` is the main matrix).
    pub layers: Vec<(String, NumType)>,
    /// Row attributes.
    pub row_attrs: Vec<AttrSummary>,
    /// Column attributes.
    pub col_attrs: Vec<AttrSummary>,
    /// Row graphs and their edge counts.
    pub row_graphs: Vec<(String, u64)>,
    /// Column graphs and their edge counts.
    pub col_graphs: Vec<(String, u64)>,
    /// Global attributes, each value as short text.
    pub globals: Vec<(String, String)>,
    /// The main matrix's first [`CORNER`] rows and columns, each value as text.
    pub corner: Vec<Vec<String>>,
}

/// One attribute in a [`Summary`].
#[derive(Clone, Debug, PartialEq)]
pub struct AttrSummary {
    /// Its name.
    pub name: String,
    /// Its type (`float32`, `string`, ...).
    pub dtype: &'static str,
    /// Its shape (the axis length first).
    pub shape: Vec<usize>,
    /// Its first [`CORNER`] items as text (empty for attributes of more than one dimension
    /// and for compound records).
    pub head: Vec<String>,
}

impl LoomFile {
    /// Describe the file: shape, layers, attributes, graphs, globals and the main matrix's
    /// top-left corner ([`Summary`]; print it, or [`Summary::to_html`]).
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
    /// let s = LoomFile::open(&path)?.summary()?;
    /// assert_eq!(s.row_attrs[0].head, ["a", "b", "c", "d"]);
    /// let title = s.globals.iter().find(|(k, _)| k == "title").map(|(_, v)| v.as_str());
    /// assert_eq!(title, Some("demo"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summary(&self) -> Result<Summary> {
        let (n, m) = self.shape();
        let mut layers = Vec::new();
        for name in self.layer_names() {
            let t = self.layer_dtype(&name)?;
            layers.push((name, t));
        }
        let attrs = |axis: Axis| -> Result<Vec<AttrSummary>> {
            Ok(self.attrs(axis)?.iter().map(|(name, v)| attr_summary(name, v)).collect())
        };
        let graphs = |axis: Axis| -> Result<Vec<(String, u64)>> {
            self.graph_names(axis)
                .into_iter()
                .map(|g| Ok((g.clone(), self.graph_edges(axis, &g)?)))
                .collect()
        };
        let globals = self.globals()?.iter().map(|(k, v)| (k.clone(), short(v))).collect();
        let corner = if n > 0 && m > 0 && layers.iter().any(|(l, _)| l.is_empty()) {
            let (r, c) = (Sel::from(0..n.min(CORNER)), Sel::from(0..m.min(CORNER)));
            self.read_layer_native("", &r, &c)?.texts()
        } else {
            Vec::new()
        };
        Ok(Summary {
            shape: (n, m),
            spec_version: self.spec_version().text.clone(),
            layers,
            row_attrs: attrs(Axis::Rows)?,
            col_attrs: attrs(Axis::Cols)?,
            row_graphs: graphs(Axis::Rows)?,
            col_graphs: graphs(Axis::Cols)?,
            globals,
            corner,
        })
    }
}

fn attr_summary(name: &str, v: &Values) -> AttrSummary {
    let shape = v.shape();
    let head = if shape.len() == 1 { items(v, CORNER as usize) } else { Vec::new() };
    AttrSummary { name: name.to_string(), dtype: v.dtype_name(), shape, head }
}

/// The first `k` items of a 1-D value as text.
fn items(v: &Values, k: usize) -> Vec<String> {
    let idx: Vec<usize> = (0..v.len().min(k)).collect();
    let Ok(first) = v.select(&idx) else { return Vec::new() };
    if let Some(s) = first.as_strings() {
        return s;
    }
    // Compounds and other records: listed by type and shape only.
    first.to_f64().map(|x| x.iter().map(|x| x.to_string()).collect()).unwrap_or_default()
}

/// A global attribute's value in a few words: a scalar as itself, an array by its first
/// items and its length.
fn short(v: &Values) -> String {
    let shape = v.shape();
    let scalar = || match v.as_string() {
        Some(s) => Some(s.to_string()),
        None => v.to_f64().and_then(|x| x.first().map(f64::to_string)),
    };
    let flat = if shape.len() == 1 { items(v, 4) } else { Vec::new() };
    let text = match (shape.len(), flat.as_slice()) {
        (0, _) => scalar().unwrap_or_else(|| format!("({})", v.dtype_name())),
        (1, first) if v.len() <= 4 => format!("[{}]", first.join(", ")),
        (1, first) => format!("[{}, ... ({} items)]", first.join(", "), v.len()),
        _ => format!("({} {:?})", v.dtype_name(), shape),
    };
    // Long texts (an embedded JSON, a whole pipeline description) cut to one line.
    let one_line = text.replace('\n', " ");
    match one_line.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &one_line[..at]),
        None => one_line,
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, m) = self.shape;
        let spec = self.spec_version.as_deref().unwrap_or("undeclared");
        writeln!(f, "{n} rows x {m} columns (loom spec {spec})")?;
        for (name, t) in &self.layers {
            let shown = if name.is_empty() { "(main matrix)" } else { name };
            writeln!(f, "  layer {shown}: {}", t.name())?;
        }
        for (axis, list) in [("row", &self.row_attrs), ("column", &self.col_attrs)] {
            for a in list {
                let head = if a.head.is_empty() { String::new() } else { a.head.join(", ") };
                writeln!(f, "  {axis} attribute {} ({} {:?}): {head}", a.name, a.dtype, a.shape)?;
            }
        }
        for (axis, list) in [("row", &self.row_graphs), ("column", &self.col_graphs)] {
            for (g, e) in list {
                writeln!(f, "  {axis} graph {g}: {e} edges")?;
            }
        }
        for (k, v) in &self.globals {
            writeln!(f, "  global {k}: {v}")?;
        }
        for row in &self.corner {
            writeln!(f, "  {}", row.join("\t"))?;
        }
        Ok(())
    }
}

impl Summary {
    /// An HTML fragment: a caption with the shape and layers, then a table of the main
    /// matrix's corner with each column attribute as a header row above it and each row
    /// attribute as a column beside it (text escaped; `...` marks what is cut).
    ///
    /// # Examples
    ///
    /// ```
    /// # use loomfile::{Contents, LayerData, LoomFile, Values, ndarray::Array2};
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("ds.loom");
    /// # let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
    /// # let contents = Contents {
    /// #     row_attrs: vec![("Gene", Values::from(vec!["<a>", "b", "c", "d"]))],
    /// #     col_attrs: vec![("CellID", Values::from(vec!["x", "y", "z"]))],
    /// #     file_attrs: vec![],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let html = LoomFile::open(&path)?.summary()?.to_html();
    /// assert!(html.contains("<td>&lt;a&gt;</td><td>0</td><td>1</td><td>2</td>"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_html(&self) -> String {
        let (n, m) = self.shape;
        let cell = |s: &str| format!("<td>{}</td>", escape(s));
        let head = |s: &str| format!("<th>{}</th>", escape(s));
        let row_attrs: Vec<&AttrSummary> =
            self.row_attrs.iter().filter(|a| !a.head.is_empty()).collect();
        let shown_cols = self.corner.first().map_or(0, Vec::len);
        let more_cols = (shown_cols as u64) < m;
        let layers: Vec<String> = self
            .layers
            .iter()
            .map(|(l, t)| format!("{} {}", if l.is_empty() { "main" } else { l }, t.name()))
            .collect();
        let mut out =
            format!("<p>{n} rows x {m} columns; layers: {}</p><table>", escape(&layers.join(", ")));
        // One header row per column attribute: its name under the row attributes' columns.
        for a in self.col_attrs.iter().filter(|a| !a.head.is_empty()) {
            out.push_str("<tr>");
            for _ in 1..row_attrs.len() {
                out.push_str("<td></td>");
            }
            out.push_str(&head(&a.name));
            for v in a.head.iter().take(shown_cols) {
                out.push_str(&cell(v));
            }
            if more_cols {
                out.push_str("<td>...</td>");
            }
            out.push_str("</tr>");
        }
        // The row attributes' names, then the corner, each row led by its attribute values.
        if !row_attrs.is_empty() {
            out.push_str("<tr>");
            for a in &row_attrs {
                out.push_str(&head(&a.name));
            }
            out.push_str("</tr>");
        }
        for (i, values) in self.corner.iter().enumerate() {
            out.push_str("<tr>");
            for a in &row_attrs {
                out.push_str(&cell(a.head.get(i).map_or("", String::as_str)));
            }
            for v in values {
                out.push_str(&cell(v));
            }
            if more_cols {
                out.push_str("<td>...</td>");
            }
            out.push_str("</tr>");
        }
        if (self.corner.len() as u64) < n {
            out.push_str("<tr><td>...</td></tr>");
        }
        out.push_str("</table>");
        out
    }
}

/// Text for an HTML text node or attribute value.
fn escape(s: &str) -> String {
    // alloc: the length of a string already in memory
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
