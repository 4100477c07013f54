//! The `loom info --json` object of a file (feature `json`): built here so the `loom` binary
//! and the browser package (`loomfile-wasm`) print the same thing.

use crate::{Axis, Error, LoomFile, NumType, Result, Values};
use loomfile_hdf5::{Datatype, Object};
use serde_json::{Map, Value as J, json};

/// The dtype word of the contract for an HDF5 type (`float32`, `string`, `bool`, ...).
pub fn dtype_word(t: &Datatype) -> String {
    match t {
        Datatype::String { .. } | Datatype::VarString { .. } => "string".into(),
        Datatype::Enum { .. } if t.is_bool_enum() => "bool".into(),
        Datatype::Enum { .. } => "enum".into(),
        Datatype::Compound { .. } => "compound".into(),
        other => NumType::of(other).map(|n| n.name().to_string()).unwrap_or_else(|| "other".into()),
    }
}

/// A loom attribute or global value as JSON: N-d arrays nested, compounds as objects of
/// field arrays, NaN/Infinity as null.
pub fn values_json(v: &Values) -> J {
    use Values as V;
    fn arr<T: Clone>(a: &ndarray::ArrayD<T>, f: &dyn Fn(&T) -> J) -> J {
        fn rec<T>(view: ndarray::ArrayViewD<'_, T>, f: &dyn Fn(&T) -> J) -> J {
            if view.ndim() == 0 {
                return view.iter().next().map(f).unwrap_or(J::Null);
            }
            J::Array(view.outer_iter().map(|sub| rec(sub, f)).collect())
        }
        rec(a.view(), f)
    }
    let num = |x: f64| if x.is_finite() { json!(x) } else { J::Null };
    match v {
        V::Int8(a) => arr(a, &|x| json!(x)),
        V::Int16(a) => arr(a, &|x| json!(x)),
        V::Int32(a) => arr(a, &|x| json!(x)),
        V::Int64(a) => arr(a, &|x| json!(x)),
        V::UInt8(a) => arr(a, &|x| json!(x)),
        V::UInt16(a) => arr(a, &|x| json!(x)),
        V::UInt32(a) => arr(a, &|x| json!(x)),
        V::UInt64(a) => arr(a, &|x| json!(x)),
        V::Float16(a) | V::Float32(a) => arr(a, &|x| num(*x as f64)),
        V::Float64(a) => arr(a, &|x| num(*x)),
        V::Bool(a) => arr(a, &|x| json!(x)),
        V::String(a) => arr(a, &|x| json!(x)),
        V::Enum { values, .. } => arr(values, &|x| json!(x)),
        V::Compound(fields) => {
            let mut m = Map::new();
            for (k, f) in fields {
                m.insert(k.clone(), values_json(f));
            }
            J::Object(m)
        }
    }
}

impl LoomFile {
    /// The `loom info --json` object: spec version, shape, layers, attributes, graphs,
    /// global attributes, the members beyond the spec and the dead bytes.
    pub fn info_json(&self) -> Result<J> {
        self.info_object(true)
    }

    /// The same object from the file's metadata alone: `stored_bytes` of every layer and
    /// `dead_bytes` are null, since they sum every chunk's entry of every index. What a
    /// viewer shows first for a large file read through a slow source (the browser
    /// package does).
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
    /// #     file_attrs: vec![],
    /// # };
    /// # LoomFile::create(&path, LayerData::Dense(m.view()), &contents)?;
    /// let f = LoomFile::open(&path)?;
    /// let (full, summary) = (f.info_json()?, f.info_json_summary()?);
    /// assert!(full["layers"][0]["stored_bytes"].as_u64().unwrap() > 0);
    /// assert!(summary["layers"][0]["stored_bytes"].is_null());
    /// assert_eq!(full["shape"], summary["shape"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn info_json_summary(&self) -> Result<J> {
        self.info_object(false)
    }

    fn info_object(&self, sizes: bool) -> Result<J> {
        let mut layers = Vec::new();
        for name in self.layer_names() {
            let m = self.layer_meta(&name)?;
            let stored = if sizes { json!(m.dataset.storage_size()?) } else { J::Null };
            layers.push(json!({"name": name, "dtype": m.dtype, "chunks": m.chunks, "compression": m.compression, "stored_bytes": stored}));
        }
        let mut globals = Map::new();
        for name in self.global_names() {
            let v = self.global(&name)?;
            globals.insert(name, values_json(&v));
        }
        let (n, m) = self.shape();
        Ok(json!({
            "spec_version": self.spec_version().text,
            "shape": [n, m],
            "layers": layers,
            "row_attrs": self.attr_list_json(Axis::Rows)?,
            "col_attrs": self.attr_list_json(Axis::Cols)?,
            "row_graphs": self.graph_list_json(Axis::Rows)?,
            "col_graphs": self.graph_list_json(Axis::Cols)?,
            "global_attrs": globals,
            "other": self.other_members().iter().map(|o| json!({"path": o.path, "type": o.kind.name()})).collect::<Vec<_>>(),
            // Bytes no committed structure uses (`loom compact` drops them); null when the
            // space map does not cover the file (see `File::space_usage`).
            "dead_bytes": if sizes { self.hdf5().space_usage().ok().map(|u| u.dead_bytes) } else { None },
        }))
    }

    fn attr_list_json(&self, axis: Axis) -> Result<Vec<J>> {
        let mut out = Vec::new();
        for name in self.attr_names(axis) {
            let path = format!("{}/{name}", axis.attrs_group());
            match self.hdf5().object(&path) {
                Ok(Object::Dataset(d)) => out.push(
                    json!({"name": name, "dtype": dtype_word(d.dtype()), "shape": d.shape().unwrap_or_default()}),
                ),
                Ok(_) => {}
                Err(e) => return Err(Error::Invalid(format!("{path}: {e}"))),
            }
        }
        Ok(out)
    }

    fn graph_list_json(&self, axis: Axis) -> Result<Vec<J>> {
        let mut out = Vec::new();
        for name in self.graph_names(axis) {
            let edges = self
                .graph_edges(axis, &name)
                .map_err(|e| Error::Invalid(format!("graph {name}: {e}")))?;
            out.push(json!({"name": name, "edges": edges}));
        }
        Ok(out)
    }
}
