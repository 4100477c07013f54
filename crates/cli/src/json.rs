//! JSON forms of HDF5 types and values, exactly as `spec/cli.md` and `h5canon.py` define them.

use loomfile_hdf5::{Attribute, Charset, Datatype, File, Value};
use serde_json::{Map, Value as J, json};

/// The dtype object of the dump format.
pub fn dtype(t: &Datatype) -> J {
    match t {
        Datatype::Integer { size, signed, .. } => {
            json!({"kind": if *signed {"int"} else {"uint"}, "size": size})
        }
        Datatype::Float { size, .. } => json!({"kind": "float", "size": size}),
        Datatype::String { charset, .. } => {
            json!({"kind": "string", "vlen": false, "encoding": encoding(*charset)})
        }
        Datatype::VarString { charset, .. } => {
            json!({"kind": "string", "vlen": true, "encoding": encoding(*charset)})
        }
        Datatype::Enum { .. } if t.is_bool_enum() => json!({"kind": "bool"}),
        Datatype::Enum { base, members } => {
            let mut m = Map::new();
            for (name, raw) in members {
                let v = match loomfile_hdf5::convert::integer(base, raw) {
                    Some(Value::Int(i)) => json!(i),
                    Some(Value::UInt(u)) => json!(u),
                    _ => J::Null,
                };
                m.insert(name.clone(), v);
            }
            json!({"kind": "enum", "base": dtype(base), "members": m})
        }
        Datatype::Compound { members, .. } => {
            let mut f = Map::new();
            for m in members {
                f.insert(m.name.clone(), dtype(&m.dtype));
            }
            json!({"kind": "compound", "fields": f})
        }
        Datatype::Reference { kind, .. } => {
            json!({"kind": "reference", "to": if *kind == 1 { "region" } else { "object" }})
        }
        other => json!({"kind": "other", "str": loomfile_hdf5::convert::describe(other)}),
    }
}

/// A value of type `t` in the dump format, with object references as the paths of the
/// objects they point to (`null` for a null reference), as `h5canon.py` prints them.
pub fn typed_value(v: &Value, t: &Datatype, f: &File) -> J {
    if !loomfile_hdf5::convert::is_object_reference(t) {
        return value(v);
    }
    fn rec(v: &Value, f: &File) -> J {
        match v {
            Value::List(items) => J::Array(items.iter().map(|x| rec(x, f)).collect()),
            Value::Bytes(b) => match f.reference_address(b) {
                Some(addr) => f.path_of(addr).map(J::String).unwrap_or(J::Null),
                None => J::Null,
            },
            other => value(other),
        }
    }
    rec(v, f)
}

fn encoding(c: Charset) -> &'static str {
    match c {
        Charset::Ascii => "ascii",
        Charset::Utf8 => "utf-8",
    }
}

/// A value in the dump format: NaN and infinities as strings, bytes as hex text.
pub fn value(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => json!(i),
        Value::UInt(u) => json!(u),
        Value::Float(f) => float(*f),
        Value::Str(s) => J::String(s.clone()),
        Value::Bytes(b) => J::String(b.iter().map(|x| format!("{x:02x}")).collect()),
        Value::List(items) => J::Array(items.iter().map(value).collect()),
        Value::Map(fields) => {
            let mut m = Map::new();
            for (k, v) in fields {
                m.insert(k.clone(), value(v));
            }
            J::Object(m)
        }
    }
}

/// A float: shortest round-trip decimal, or "NaN"/"Infinity"/"-Infinity".
pub fn float(f: f64) -> J {
    if f.is_nan() {
        J::String("NaN".into())
    } else if f.is_infinite() {
        J::String(if f > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        json!(f)
    }
}

/// The attrs object of a node (object references resolved in `f`).
pub fn attrs(list: &[Attribute], f: &File) -> Result<J, loomfile_hdf5::Error> {
    let mut m = Map::new();
    for a in list {
        // numpy expands array-typed elements into trailing dimensions of the value.
        let shape = match (a.shape(), a.dtype()) {
            (Some(mut s), Datatype::Array { dims, .. }) => {
                s.extend(dims.iter().map(|&d| d as u64));
                json!(s)
            }
            (Some(s), _) => json!(s),
            (None, _) => J::Null,
        };
        m.insert(
            a.name().to_string(),
            json!({"dtype": dtype(a.dtype()), "shape": shape, "value": typed_value(&a.value()?, a.dtype(), f)}),
        );
    }
    Ok(J::Object(m))
}

/// A loom attribute or global value as JSON: N-d arrays nested, compounds as objects of
/// field arrays, NaN/Infinity as null (the library's form, shared with `info --json`).
pub fn loom_values(v: &loomfile::Values) -> J {
    loomfile::info::values_json(v)
}
