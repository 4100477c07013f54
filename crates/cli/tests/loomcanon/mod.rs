//! The canonical JSON form of a loom file's content, as read by loomfile — the same form
//! `tests/interop/loomtruth.py` produces from h5py — so both sides can be compared value by
//! value (see that script for the form: floats as `"f:<f64 bits hex>"`, NaN as `"f:nan"`).

#![allow(dead_code)]

use loomfile::{Axis, Graph, LoomFile, NumType, Sel, Values};
use ndarray::ArrayD;
use serde_json::{Map, Value as J, json};

/// A float as its exact f64 bit pattern.
pub fn fbits(x: f64) -> J {
    if x.is_nan() {
        J::String("f:nan".into())
    } else {
        J::String(format!("f:{:016x}", x.to_bits()))
    }
}

fn nested<T>(a: &ArrayD<T>, f: &dyn Fn(&T) -> J) -> J {
    fn rec<T>(v: ndarray::ArrayViewD<'_, T>, f: &dyn Fn(&T) -> J) -> J {
        if v.ndim() == 0 {
            return v.iter().next().map(f).unwrap_or(J::Null);
        }
        J::Array(v.outer_iter().map(|s| rec(s, f)).collect())
    }
    rec(a.view(), f)
}

/// Canonical nested values.
pub fn values(v: &Values) -> J {
    match v {
        Values::Int8(a) => nested(a, &|x| json!(x)),
        Values::Int16(a) => nested(a, &|x| json!(x)),
        Values::Int32(a) => nested(a, &|x| json!(x)),
        Values::Int64(a) => nested(a, &|x| json!(x)),
        Values::UInt8(a) => nested(a, &|x| json!(x)),
        Values::UInt16(a) => nested(a, &|x| json!(x)),
        Values::UInt32(a) => nested(a, &|x| json!(x)),
        Values::UInt64(a) => nested(a, &|x| json!(x)),
        Values::Float16(a) | Values::Float32(a) => nested(a, &|x| fbits(*x as f64)),
        Values::Float64(a) => nested(a, &|x| fbits(*x)),
        Values::Bool(a) => nested(a, &|x| json!(x)),
        Values::String(a) => nested(a, &|x| json!(x)),
        Values::Enum { values, .. } => nested(values, &|x| json!(x)),
        Values::Compound(fields) => {
            let mut m = Map::new();
            for (k, f) in fields {
                m.insert(k.clone(), values(f));
            }
            J::Object(m)
        }
    }
}

/// `{"dtype", "shape", "values"}` of an attribute or global.
pub fn entry(v: &Values) -> J {
    json!({"dtype": v.dtype_name(), "shape": v.shape(), "values": values(v)})
}

/// How loomfile stores `v` (bools become uint8, as loompy does), in canonical form.
pub fn stored_entry(v: &Values) -> J {
    match v {
        Values::Bool(a) => entry(&Values::UInt8(a.mapv(|b| b as u8))),
        other => entry(other),
    }
}

/// Canonical graph.
pub fn graph(g: &Graph) -> J {
    json!({"a": g.a, "b": g.b, "w": g.w.iter().map(|&x| fbits(x)).collect::<Vec<_>>()})
}

/// Canonical layer `{"dtype", "data"}` read through `read_layer` in the stored type.
pub fn layer(f: &LoomFile, name: &str) -> J {
    let t = f.layer_dtype(name).unwrap_or_else(|e| panic!("layer {name:?}: {e}"));
    macro_rules! rd {
        ($ty:ty, $conv:expr) => {{
            let a = f.read_layer::<$ty>(name, &Sel::All, &Sel::All).expect("read layer");
            J::Array(a.outer_iter().map(|r| J::Array(r.iter().map($conv).collect())).collect())
        }};
    }
    let data = match t {
        NumType::Int8 => rd!(i8, |x| json!(x)),
        NumType::Int16 => rd!(i16, |x| json!(x)),
        NumType::Int32 => rd!(i32, |x| json!(x)),
        NumType::Int64 => rd!(i64, |x| json!(x)),
        NumType::UInt8 => rd!(u8, |x| json!(x)),
        NumType::UInt16 => rd!(u16, |x| json!(x)),
        NumType::UInt32 => rd!(u32, |x| json!(x)),
        NumType::UInt64 => rd!(u64, |x| json!(x)),
        NumType::Float16 | NumType::Float32 => rd!(f32, |x| fbits(*x as f64)),
        NumType::Float64 => rd!(f64, |x| fbits(*x)),
    };
    json!({"dtype": t.name(), "data": data})
}

/// Everything loomfile reads from a loom file, in canonical form.
pub fn file(f: &LoomFile) -> J {
    let mut layers = Map::new();
    for name in f.layer_names() {
        layers.insert(name.clone(), layer(f, &name));
    }
    let mut out = Map::new();
    out.insert("spec".into(), json!(f.spec_version().text));
    let (n, m) = f.shape();
    out.insert("shape".into(), json!([n, m]));
    out.insert("layers".into(), J::Object(layers));
    for (axis, a, g) in
        [(Axis::Rows, "row_attrs", "row_graphs"), (Axis::Cols, "col_attrs", "col_graphs")]
    {
        let mut attrs = Map::new();
        for name in f.attr_names(axis) {
            let v = f.attr(axis, &name).unwrap_or_else(|e| panic!("{a}/{name}: {e}"));
            attrs.insert(name, entry(&v));
        }
        out.insert(a.into(), J::Object(attrs));
        let mut graphs = Map::new();
        for name in f.graph_names(axis) {
            let gr = f.graph(axis, &name).unwrap_or_else(|e| panic!("{g}/{name}: {e}"));
            graphs.insert(name, graph(&gr));
        }
        out.insert(g.into(), J::Object(graphs));
    }
    let mut globals = Map::new();
    for name in f.global_names() {
        let v = f.global(&name).unwrap_or_else(|e| panic!("global {name}: {e}"));
        globals.insert(name, entry(&v));
    }
    out.insert("globals".into(), J::Object(globals));
    J::Object(out)
}

/// Differences between two canonical documents (paths into the JSON), at most `limit`.
pub fn diff(expected: &J, got: &J, limit: usize) -> Vec<String> {
    fn rec(e: &J, g: &J, path: &str, out: &mut Vec<String>, limit: usize) {
        if out.len() >= limit {
            return;
        }
        match (e, g) {
            (J::Object(a), J::Object(b)) => {
                for k in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                    let p = format!("{path}/{k}");
                    match (a.get(k), b.get(k)) {
                        (Some(x), Some(y)) => rec(x, y, &p, out, limit),
                        (Some(_), None) => out.push(format!("{p}: missing from loomfile's read")),
                        (None, Some(_)) => out.push(format!("{p}: only in loomfile's read")),
                        (None, None) => {}
                    }
                }
            }
            (J::Array(a), J::Array(b)) if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    rec(x, y, &format!("{path}[{i}]"), out, limit);
                }
            }
            _ if e == g => {}
            _ => {
                let short = |v: &J| {
                    let s = v.to_string();
                    if s.chars().count() > 200 {
                        format!("{}...", s.chars().take(200).collect::<String>())
                    } else {
                        s
                    }
                };
                out.push(format!("{path}: expected {} got {}", short(e), short(g)));
            }
        }
    }
    let mut out = Vec::new();
    rec(expected, got, "", &mut out, limit);
    out
}
