//! Row and column attributes, and global attributes.
//!
//! Spec-3 strings are returned verbatim (loompy drops non-ASCII characters); spec-2 and older
//! strings have XML character references and entities decoded. Writes follow the file's spec:
//! variable-length UTF-8 in spec-3 files, fixed-length ASCII with references in older ones.
//! Attribute datasets are written as loompy 3.0.8 writes them: chunked as h5py guesses,
//! gzip 2, maxshape `(n,)` or `(n, unlimited, ...)`, each stamped with `last_modified`.
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
//! let mut f = LoomFile::open_rw(&path)?;
//! f.set_attr(Axis::Rows, "Total", &Values::from(vec![3.0f64, 12.0, 21.0, 30.0]))?;
//! f.set_global("Author", &Values::from("Ada"))?;
//! assert_eq!(f.attr_names(Axis::Rows), ["Gene", "Total"]);
//! assert_eq!(f.attr(Axis::Rows, "Total")?.as_f64s().unwrap()[1], 12.0);
//! assert_eq!(f.global("Author")?.as_string(), Some("Ada"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::spec::guess_chunk;
use crate::text::xml_escape;
use crate::timestamp;
use crate::values::{Values, read_attribute, read_dataset, to_storage};
use loomfile_hdf5::Data;
use loomfile_hdf5::{AttrValue, DatasetSpec, Dataspace, Datatype, Object};
use ndarray::{ArrayD, IxDyn};

impl LoomFile {
    /// Names of the row or column attributes (the datasets of `/row_attrs` or `/col_attrs`),
    /// sorted. Members beyond the spec (groups) are not attributes: see
    /// [`LoomFile::other_members`].
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
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_attr(Axis::Cols, "Batch", &Values::from(vec![1i64, 1, 2]))?;
    /// assert_eq!(f.attr_names(Axis::Cols), ["Batch", "CellID"]); // sorted
    /// assert_eq!(f.attr_names(Axis::Rows), ["Gene"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attr_names(&self, axis: Axis) -> Vec<String> {
        self.catalog().attrs(axis).to_vec()
    }

    /// Whether the row or column attribute `name` exists (loompy's `name in ds.ra`).
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
    /// assert!(f.has_attr(Axis::Rows, "Gene"));
    /// assert!(!f.has_attr(Axis::Cols, "Gene")); // a row attribute, not a column one
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_attr(&self, axis: Axis, name: &str) -> bool {
        self.catalog().attrs(axis).iter().any(|n| n == name)
    }

    /// Every row or column attribute, by name (loompy's `ds.ra.items()`, or `ds.ca` passed
    /// whole to `add_columns`). Each is checked against the work budget like
    /// [`LoomFile::attr`].
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
    /// assert!(f.has_attr(Axis::Cols, "CellID") && !f.has_attr(Axis::Rows, "CellID"));
    /// let cols = f.attrs(Axis::Cols)?;
    /// assert_eq!(cols[0].0, "CellID");
    /// assert_eq!(cols[0].1.as_strings().unwrap(), ["x", "y", "z"]);
    /// // Borrowed as add_columns and Contents take them:
    /// let named: Vec<(&str, Values)> =
    ///     cols.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    /// # assert_eq!(named.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attrs(&self, axis: Axis) -> Result<Vec<(String, Values)>> {
        self.attr_names(axis).into_iter().map(|n| Ok((n.clone(), self.attr(axis, &n)?))).collect()
    }

    /// One row or column attribute.
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
    /// assert_eq!(f.attr_names(Axis::Rows), ["Gene"]);
    /// assert_eq!(f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["x", "y", "z"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attr(&self, axis: Axis, name: &str) -> Result<Values> {
        let path = format!("{}/{name}", axis.attrs_group());
        if !self.has_attr(axis, name) {
            return Err(Error::Missing { kind: attr_kind(axis), name: name.to_string() });
        }
        read_dataset(&self.dataset(&path)?, self.legacy_strings())
    }

    /// The first of `names` that exists (loompy's alternative names), with its name.
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
    /// // Whichever name this writer used for the gene symbols:
    /// let (name, genes) = f.attr_first(Axis::Rows, &["Symbol", "Gene", "gene_name"])?;
    /// assert_eq!((name.as_str(), genes.len()), ("Gene", 4));
    /// assert!(f.attr_first(Axis::Rows, &["Symbol"]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attr_first(&self, axis: Axis, names: &[&str]) -> Result<(String, Values)> {
        for n in names {
            if self.has_attr(axis, n) {
                return Ok((n.to_string(), self.attr(axis, n)?));
            }
        }
        Err(Error::Missing { kind: attr_kind(axis), name: names.join("|") })
    }

    /// loompy's multi-name lookup `ds.ca["A", "B", ...]`: missing names are skipped; one
    /// existing name gives its values; several are stacked column-wise into an (n, k) array
    /// (they must be 1-D of the same type) — for any number of names, unlike loompy.
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
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_attr(Axis::Cols, "X", &Values::from(vec![0.0f32, 1.0, 2.0]))?;
    /// f.set_attr(Axis::Cols, "Y", &Values::from(vec![5.0f32, 6.0, 7.0]))?;
    /// let xy = f.attr_stack(Axis::Cols, &["X", "Y", "Z"])?; // no Z: skipped
    /// assert_eq!(xy.shape(), [3, 2]);
    /// assert_eq!(xy.as_f64s().unwrap(), [0.0, 5.0, 1.0, 6.0, 2.0, 7.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attr_stack(&self, axis: Axis, names: &[&str]) -> Result<Values> {
        let present: Vec<Values> = names
            .iter()
            .filter(|n| self.has_attr(axis, n))
            .map(|n| self.attr(axis, n))
            .collect::<Result<_>>()?;
        match present.len() {
            0 => Err(Error::Missing { kind: attr_kind(axis), name: names.join("|") }),
            1 => Ok(present.into_iter().next().expect("one")),
            _ => stack_columns(&present),
        }
    }

    /// Set (create or replace) a row or column attribute. Its first dimension must be the
    /// axis length (any length while the matrix does not exist yet).
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
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_attr(Axis::Cols, "Cluster", &Values::from(vec![0i64, 1, 1]))?;
    /// assert_eq!(f.attr(Axis::Cols, "Cluster")?.as_i64s(), Some(vec![0, 1, 1]));
    /// assert!(f.set_attr(Axis::Cols, "Bad", &Values::from(vec![0i64])).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_attr(&mut self, axis: Axis, name: &str, values: &Values) -> Result<()> {
        self.stage_attr(axis, name, values)?;
        self.commit()
    }

    /// Stage an attribute write without committing (several writes, one commit).
    pub(crate) fn stage_attr(&mut self, axis: Axis, name: &str, values: &Values) -> Result<()> {
        check_name(name)?;
        let n = self.len(axis);
        let shape = values.shape();
        if shape.is_empty() {
            return Err(Error::invalid(format!(
                "{} {name:?} must be an array, not a scalar",
                attr_kind(axis)
            )));
        }
        if self.shape != (0, 0) && shape[0] as u64 != n {
            return Err(Error::Shape {
                what: format!("{} {name:?}", attr_kind(axis)),
                expected: vec![n],
                got: shape.iter().map(|&d| d as u64).collect(),
            });
        }
        let path = format!("{}/{name}", axis.attrs_group());
        let legacy = self.legacy_strings();
        let (dtype, data) = storage_for(values, legacy)?;
        let dims: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        let typesize = if matches!(dtype, Datatype::VarString { .. }) { 8 } else { dtype.size() };
        let chunks: Vec<u64> = guess_chunk(&dims, typesize).into_iter().map(|c| c.max(1)).collect();
        // alloc: rank of the caller's values
        let mut max: Vec<Option<u64>> = vec![None; dims.len()];
        max[0] = Some(dims[0]);
        let spec = DatasetSpec::chunked(dtype, &dims, &chunks).max_shape(&max).gzip(2);
        let ts = timestamp::now();
        let w = self.writer()?;
        w.require_group(axis.attrs_group())?;
        if w.exists(&path) {
            w.delete(&path)?;
        }
        w.create_dataset(&path, spec)?;
        match data {
            Data::Raw(raw) => w.write_raw(&path, &[], &raw)?,
            Data::Strings(s) => w.write_strings(&path, &[], &s)?,
        }
        self.stamp(&path, &ts)?;
        self.stamp(axis.attrs_group(), &ts)?;
        self.stamp("/", &ts)?;
        Ok(())
    }

    /// Delete a row or column attribute.
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
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.delete_attr(Axis::Cols, "CellID")?;
    /// assert!(!f.has_attr(Axis::Cols, "CellID"));
    /// assert!(f.delete_attr(Axis::Cols, "CellID").is_err()); // gone already
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_attr(&mut self, axis: Axis, name: &str) -> Result<()> {
        let path = format!("{}/{name}", axis.attrs_group());
        if !self.exists(&path) {
            return Err(Error::Missing { kind: attr_kind(axis), name: name.to_string() });
        }
        let ts = timestamp::now();
        self.writer()?.delete(&path)?;
        self.stamp(axis.attrs_group(), &ts)?;
        self.stamp("/", &ts)?;
        self.commit()
    }

    // ----- globals -----

    fn globals_in_group(&self) -> bool {
        self.exists("/attrs")
    }

    /// Names of the global attributes: datasets under `/attrs` when that group exists,
    /// otherwise the HDF5 attributes of the root group (loompy's rule).
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
    /// // `title` from the caller, the others written by every new file:
    /// assert_eq!(f.global_names(), ["CreationDate", "LOOM_SPEC_VERSION", "title"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn global_names(&self) -> Vec<String> {
        if let Some(g) = &self.catalog().globals {
            return g.clone();
        }
        self.reader
            .root()
            .and_then(|r| r.attributes())
            .map(|a| a.iter().map(|x| x.name().to_string()).collect())
            .unwrap_or_default()
    }

    /// Whether the global attribute `name` exists (loompy's `name in ds.attrs`).
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
    /// assert!(f.has_global("CreationDate"));
    /// assert!(!f.has_global("Title")); // names are case-sensitive
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_global(&self, name: &str) -> bool {
        self.global_names().iter().any(|n| n == name)
    }

    /// Every global attribute, by name (loompy's `ds.attrs.items()`).
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
    /// assert!(f.has_global("title") && !f.has_global("Title"));
    /// let globals = f.globals()?;
    /// let title = globals.iter().find(|(n, _)| n == "title").map(|(_, v)| v.as_string());
    /// assert_eq!(title, Some(Some("demo")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn globals(&self) -> Result<Vec<(String, Values)>> {
        self.global_names().into_iter().map(|n| Ok((n.clone(), self.global(&n)?))).collect()
    }

    /// One global attribute.
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
    /// assert_eq!(f.global("title")?.as_string(), Some("demo"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn global(&self, name: &str) -> Result<Values> {
        let legacy = self.legacy_strings();
        if self.globals_in_group() {
            let path = format!("/attrs/{name}");
            return match self.reader.object(&path) {
                Ok(Object::Dataset(d)) => read_dataset(&d, legacy),
                _ => Err(Error::Missing { kind: "global attribute", name: name.to_string() }),
            };
        }
        let root = self.reader.root()?;
        match root.attribute(name)? {
            Some(a) => read_attribute(&a, legacy),
            None => Err(Error::Missing { kind: "global attribute", name: name.to_string() }),
        }
    }

    /// Set a global attribute: a dataset under `/attrs` in spec-3 files (any size, string
    /// arrays included), a root HDF5 attribute in older files without `/attrs`.
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
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.set_global("Year", &Values::from(2024i64))?;
    /// f.set_global("Authors", &Values::from(vec!["Ada", "Grace"]))?;
    /// assert_eq!(f.global("Year")?.as_i64(), Some(2024));
    /// assert_eq!(f.global("Authors")?.as_strings().unwrap(), ["Ada", "Grace"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_global(&mut self, name: &str, values: &Values) -> Result<()> {
        self.stage_global(name, values)?;
        let ts = timestamp::now();
        self.stamp("/", &ts)?;
        self.commit()
    }

    pub(crate) fn stage_global(&mut self, name: &str, values: &Values) -> Result<()> {
        check_name(name)?;
        let legacy = self.legacy_strings() && !self.globals_in_group();
        let (dtype, data) = storage_for(values, legacy)?;
        let shape: Vec<u64> = values.shape().iter().map(|&d| d as u64).collect();
        if legacy {
            let space = if shape.is_empty() {
                Dataspace::Scalar
            } else {
                Dataspace::Simple { dims: shape.clone(), max: shape }
            };
            self.writer()?.set_attr("/", name, AttrValue { dtype, space, data })?;
            return Ok(());
        }
        let path = format!("/attrs/{name}");
        let w = self.writer()?;
        w.require_group("/attrs")?;
        if w.exists(&path) {
            w.delete(&path)?;
        }
        w.create_dataset(&path, DatasetSpec::contiguous(dtype, &shape))?;
        match data {
            Data::Raw(raw) => w.write_raw(&path, &[], &raw)?,
            Data::Strings(s) => w.write_strings(&path, &[], &s)?,
        }
        Ok(())
    }

    /// Delete a global attribute.
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
    /// let mut f = LoomFile::open_rw(&path)?;
    /// f.delete_global("title")?;
    /// assert!(!f.has_global("title"));
    /// assert!(f.global("title").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_global(&mut self, name: &str) -> Result<()> {
        if !self.global_names().iter().any(|n| n == name) {
            return Err(Error::Missing { kind: "global attribute", name: name.to_string() });
        }
        if self.globals_in_group() {
            self.writer()?.delete(&format!("/attrs/{name}"))?;
        } else {
            self.writer()?.delete_attr("/", name)?;
        }
        self.commit()
    }
}

fn attr_kind(axis: Axis) -> &'static str {
    match axis {
        Axis::Rows => "row attribute",
        Axis::Cols => "column attribute",
    }
}

/// Check that `name` can name a layer, attribute or graph: names become HDF5 link names, so
/// not empty, not `.` or `..`, and no `/`.
///
/// # Examples
///
/// ```
/// use loomfile::attrs::check_name;
/// assert!(check_name("Gene").is_ok());
/// assert!(check_name("a/b").is_err());
/// assert!(check_name("").is_err());
/// ```
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(Error::invalid(format!(
            "invalid name {name:?} (empty, '.', '..' or containing '/')"
        )));
    }
    Ok(())
}

/// The HDF5 type and data for `values` under the string rules of the file.
pub(crate) fn storage_for(values: &Values, legacy: bool) -> Result<(Datatype, Data)> {
    match values {
        Values::String(a) if legacy => {
            let enc: Vec<String> = a.iter().map(|s| xml_escape(s)).collect();
            let v = AttrValue::fixed_strings(&enc);
            Ok((v.dtype, v.data))
        }
        other => to_storage(other),
    }
}

/// Stack 1-D attributes column-wise into (n, k).
fn stack_columns(cols: &[Values]) -> Result<Values> {
    let n = cols[0].len();
    if cols.iter().any(|c| c.shape().len() != 1 || c.len() != n) {
        return Err(Error::invalid("only 1-D attributes of the same length can be stacked"));
    }
    let k = cols.len();
    macro_rules! stack {
        ($variant:ident) => {{
            // alloc: caller's data: n * k values already in memory
            let mut out = Vec::with_capacity(n * k);
            let parts: Vec<&ArrayD<_>> = cols
                .iter()
                .map(|c| match c {
                    Values::$variant(a) => Ok(a),
                    _ => Err(Error::invalid("cannot stack attributes of different types")),
                })
                .collect::<Result<_>>()?;
            for i in 0..n {
                for p in &parts {
                    out.push(p[[i]].clone());
                }
            }
            Values::$variant(ArrayD::from_shape_vec(IxDyn(&[n, k]), out).expect("n*k"))
        }};
    }
    Ok(match &cols[0] {
        Values::Int8(_) => stack!(Int8),
        Values::Int16(_) => stack!(Int16),
        Values::Int32(_) => stack!(Int32),
        Values::Int64(_) => stack!(Int64),
        Values::UInt8(_) => stack!(UInt8),
        Values::UInt16(_) => stack!(UInt16),
        Values::UInt32(_) => stack!(UInt32),
        Values::UInt64(_) => stack!(UInt64),
        Values::Float16(_) => stack!(Float16),
        Values::Float32(_) => stack!(Float32),
        Values::Float64(_) => stack!(Float64),
        Values::Bool(_) => stack!(Bool),
        Values::String(_) => stack!(String),
        _ => return Err(Error::invalid("only numeric, bool or string attributes can be stacked")),
    })
}
