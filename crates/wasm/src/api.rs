//! The JS API: open a loom file over a read function, then ask for its summary, attributes,
//! vectors, statistics and graphs. Errors reach JS as `Error` objects with one-line messages.

use crate::source::JsSource;
use loomfile::info::values_json;
use loomfile::{Axis, LoomFile, Sel};
use serde_json::{Map, Value as J, json};
use std::sync::Arc;
use wasm_bindgen::prelude::*;

/// An open loom file.
#[wasm_bindgen]
pub struct Loom {
    file: LoomFile,
    source: Arc<JsSource>,
}

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn axis(name: &str) -> Result<Axis, JsError> {
    match name {
        "row" | "rows" => Ok(Axis::Rows),
        "col" | "cols" | "column" | "columns" => Ok(Axis::Cols),
        other => Err(JsError::new(&format!("axis must be \"row\" or \"col\", not {other:?}"))),
    }
}

fn num(x: f64) -> J {
    if x.is_finite() { json!(x) } else { J::Null }
}

#[wasm_bindgen]
impl Loom {
    /// Open a file of `size` bytes read through `read(offset, length) -> Uint8Array`.
    pub fn open(size: f64, read: js_sys::Function) -> Result<Loom, JsError> {
        if !(size.is_finite() && size >= 0.0 && size <= 9_007_199_254_740_992.0) {
            return Err(JsError::new("file size out of range"));
        }
        let source = Arc::new(JsSource::new(size as u64, read));
        let file = LoomFile::from_reader_storage(source.clone()).map_err(err)?;
        Ok(Loom { file, source })
    }

    /// The `loom info --json` object, as JSON text, without the two figures that need every
    /// chunk's entry (`stored_bytes` of each layer and `dead_bytes` are null): opening a
    /// large file reads its metadata only. [`Loom::sizes`] measures them.
    pub fn info(&self) -> Result<String, JsError> {
        Ok(self.file.info_json_summary().map_err(err)?.to_string())
    }

    /// The figures [`Loom::info`] leaves out, `{"layers": {name: stored_bytes}, "dead_bytes"}`,
    /// as JSON text: this reads every chunk index of the file whole.
    pub fn sizes(&self) -> Result<String, JsError> {
        let mut layers = Map::new();
        for name in self.file.layer_names() {
            layers.insert(
                name.clone(),
                json!(self.file.layer_info(&name).map_err(err)?.stored_bytes),
            );
        }
        let dead = self.file.hdf5().space_usage().ok().map(|u| u.dead_bytes);
        Ok(json!({"layers": layers, "dead_bytes": dead}).to_string())
    }

    /// `[rows, columns]`.
    pub fn shape(&self) -> Vec<f64> {
        let (n, m) = self.file.shape();
        vec![n as f64, m as f64]
    }

    /// The files's warnings (members skipped, ...), as a JSON array of strings.
    pub fn warnings(&self) -> String {
        J::from(self.file.warnings()).to_string()
    }

    /// Every attribute of `axis` ("row" or "col") as a JSON object `{name: values}`.
    pub fn attributes(&self, axis_name: &str) -> Result<String, JsError> {
        let a = axis(axis_name)?;
        let mut m = Map::new();
        for name in self.file.attr_names(a) {
            let v = self.file.attr(a, &name).map_err(err)?;
            m.insert(name, values_json(&v));
        }
        Ok(J::Object(m).to_string())
    }

    /// One attribute of `axis` as JSON.
    pub fn attribute(&self, axis_name: &str, name: &str) -> Result<String, JsError> {
        let v = self.file.attr(axis(axis_name)?, name).map_err(err)?;
        Ok(values_json(&v).to_string())
    }

    /// One attribute as numbers (strings and compounds are refused).
    pub fn attribute_numbers(&self, axis_name: &str, name: &str) -> Result<Vec<f64>, JsError> {
        let v = self.file.attr(axis(axis_name)?, name).map_err(err)?;
        v.to_f64().ok_or_else(|| JsError::new(&format!("attribute {name} is not numeric")))
    }

    /// Row `i` of `layer` ("" = the main matrix).
    pub fn row(&self, layer: &str, i: f64) -> Result<Vec<f64>, JsError> {
        let i = self.index(i, self.file.shape().0)?;
        let a =
            self.file.read_layer::<f64>(layer, &Sel::Range(i, i + 1), &Sel::All).map_err(err)?;
        Ok(a.iter().copied().collect())
    }

    /// Column `j` of `layer` ("" = the main matrix).
    pub fn column(&self, layer: &str, j: f64) -> Result<Vec<f64>, JsError> {
        let j = self.index(j, self.file.shape().1)?;
        let a =
            self.file.read_layer::<f64>(layer, &Sel::All, &Sel::Range(j, j + 1)).map_err(err)?;
        Ok(a.iter().copied().collect())
    }

    /// The row of the gene named `name` (row attribute `Gene`, else `gene`, `var_names`,
    /// `Accession`), or -1.
    pub fn gene_index(&self, name: &str) -> Result<f64, JsError> {
        for attr in ["Gene", "gene", "var_names", "Accession"] {
            if !self.file.attr_names(Axis::Rows).iter().any(|n| n == attr) {
                continue;
            }
            let v = self.file.attr(Axis::Rows, attr).map_err(err)?;
            if let Some(names) = v.as_strings()
                && let Some(i) = names.iter().position(|g| g == name)
            {
                return Ok(i as f64);
            }
        }
        Ok(-1.0)
    }

    /// One gene's expression vector over the columns (main matrix), by name or row number.
    pub fn gene(&self, name: &str) -> Result<Vec<f64>, JsError> {
        let mut i = self.gene_index(name)?;
        if i < 0.0 {
            i = name
                .trim()
                .parse::<f64>()
                .map_err(|_| JsError::new(&format!("no gene named {name:?}")))?;
        }
        self.row("", i)
    }

    /// Statistics of `layer` along `axis`: `{nnz, sum, mean, sd, min, max}` as JSON.
    pub fn stats(&self, layer: &str, axis_name: &str) -> Result<String, JsError> {
        let s = self.file.stats(layer, axis(axis_name)?).map_err(err)?;
        let v = |x: &[f64]| J::Array(x.iter().map(|&x| num(x)).collect());
        Ok(json!({"nnz": s.nnz, "sum": v(&s.sum), "mean": v(&s.mean), "sd": v(&s.sd), "min": v(&s.min), "max": v(&s.max)}).to_string())
    }

    /// Graph names of `axis`, as a JSON array.
    pub fn graph_names(&self, axis_name: &str) -> Result<String, JsError> {
        Ok(J::from(self.file.graph_names(axis(axis_name)?)).to_string())
    }

    /// One graph: `{a, b, w}` as JSON.
    pub fn graph(&self, axis_name: &str, name: &str) -> Result<String, JsError> {
        let g = self.file.graph(axis(axis_name)?, name).map_err(err)?;
        let w: Vec<J> = g.w.iter().map(|&x| num(x)).collect();
        Ok(json!({"a": g.a, "b": g.b, "w": w}).to_string())
    }

    /// Bytes fetched through the read function so far.
    pub fn bytes_read(&self) -> f64 {
        self.source.fetched().0 as f64
    }

    /// Calls of the read function so far.
    pub fn read_calls(&self) -> f64 {
        self.source.fetched().1 as f64
    }

    fn index(&self, i: f64, n: u64) -> Result<u64, JsError> {
        if i.fract() == 0.0 && i >= 0.0 && i < n as f64 {
            Ok(i as u64)
        } else {
            Err(JsError::new(&format!("index {i} out of range 0..{n}")))
        }
    }
}
