//! loom -> h5ad: an anndata 0.12 file as `anndata.write_h5ad` lays it out (see the
//! [module documentation](super)). Errors reading the loom file name the loom file; errors
//! writing name the h5ad file.

use super::read::{nullable_name, strings_of};
use super::{CATEGORIES_MARK, DTYPE_MARK, INDEX_MARK, ORDER_MARK, ORDERED_MARK};
use crate::util::{Ctx, Num};
use crate::{ConvertOptions, Report};
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::graphs::Graph;
use loomfile::layers::Sel;
use loomfile::values::{NumType, Values, to_storage};
use loomfile_hdf5::Data;
use loomfile_hdf5::Dataspace;
use loomfile_hdf5::{AttrValue, Attribute, DatasetSpec, Datatype, Limits, Selection, Writer};
use std::path::Path;

fn set_enc(w: &mut Writer, path: &str, kind: &str, version: &str) -> Result<()> {
    w.set_attr(path, "encoding-type", AttrValue::string(kind))?;
    w.set_attr(path, "encoding-version", AttrValue::string(version))?;
    Ok(())
}

fn dict_group(w: &mut Writer, path: &str) -> Result<()> {
    w.create_group(path)?;
    set_enc(w, path, "dict", "0.1.0")
}

/// h5py's bool: an enum FALSE=0 / TRUE=1 over int8.
fn bool_type() -> Datatype {
    Datatype::Enum {
        base: Box::new(Datatype::int(1, true)),
        members: vec![("FALSE".into(), vec![0]), ("TRUE".into(), vec![1])],
    }
}

/// Write a dataset holding `v` (contiguous, or chunked + gzip when `gzip` is set).
fn write_values(
    w: &mut Writer,
    path: &str,
    dtype: Datatype,
    shape: &[u64],
    data: Data,
) -> Result<()> {
    w.create_dataset(path, DatasetSpec::contiguous(dtype, shape))?;
    match data {
        Data::Raw(r) => w.write_raw(path, &[], &r)?,
        Data::Strings(s) => w.write_strings(path, &[], &s)?,
    }
    Ok(())
}

fn write_string_array(w: &mut Writer, path: &str, v: &[String]) -> Result<()> {
    write_values(w, path, Datatype::vlen_utf8(), &[v.len() as u64], Data::Strings(v.to_vec()))?;
    set_enc(w, path, "string-array", "0.2.0")
}

fn write_bool_array(w: &mut Writer, path: &str, v: &[bool]) -> Result<()> {
    let raw = v.iter().map(|&b| b as u8).collect();
    write_values(w, path, bool_type(), &[v.len() as u64], Data::Raw(raw))?;
    set_enc(w, path, "array", "0.2.0")
}

fn write_array(w: &mut Writer, path: &str, v: &Values) -> Result<()> {
    let (dt, data) = to_storage(v)?;
    let shape: Vec<u64> = v.shape().iter().map(|&d| d as u64).collect();
    write_values(w, path, dt, &shape, data)?;
    set_enc(w, path, "array", "0.2.0")
}

fn write_categorical(
    w: &mut Writer,
    path: &str,
    values: &Values,
    categories: Option<Values>,
    ordered: bool,
) -> Result<()> {
    // Codes by lookup key: the string, or the bits of the number.
    let key_of = |v: &Values| -> Vec<Option<String>> {
        match v {
            Values::String(a) => a.iter().map(|s| (!s.is_empty()).then(|| s.clone())).collect(),
            other => other
                .to_f64()
                .unwrap_or_default()
                .iter()
                .map(|x| (!x.is_nan()).then(|| format!("{:x}", (x + 0.0).to_bits())))
                .collect(),
        }
    };
    let keys = key_of(values);
    let numeric = !matches!(values, Values::String(_));
    let cats: Values = match categories {
        Some(c) if matches!(c, Values::String(_)) != numeric => c,
        _ => {
            // Sorted distinct values (pandas' default order).
            if numeric {
                let mut x: Vec<f64> = values
                    .to_f64()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|x| !x.is_nan())
                    .collect();
                x.sort_by(|a, b| a.total_cmp(b));
                x.dedup();
                Values::from_vec(x)
            } else {
                let mut c: Vec<String> = keys.iter().flatten().cloned().collect();
                c.sort();
                c.dedup();
                Values::strings(&c)
            }
        }
    };
    let mut cat_keys: Vec<String> =
        key_of(&cats).into_iter().map(|k| k.unwrap_or_default()).collect();
    let mut cats = cats;
    // Values outside the stored categories (edited by another tool) become categories too.
    let mut extra: Vec<usize> = Vec::new();
    {
        let known: std::collections::HashSet<&str> = cat_keys.iter().map(|s| s.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        for (i, k) in keys.iter().enumerate() {
            if let Some(k) = k
                && !known.contains(k.as_str())
                && seen.insert(k.clone())
            {
                extra.push(i);
            }
        }
    }
    if !extra.is_empty() {
        let add = values.select(&extra)?;
        let add = if numeric { Values::from_vec(add.to_f64().unwrap_or_default()) } else { add };
        let base = if numeric { Values::from_vec(cats.to_f64().unwrap_or_default()) } else { cats };
        cats = base.concat(&add)?;
        cat_keys = key_of(&cats).into_iter().map(|k| k.unwrap_or_default()).collect();
    }
    let pos: std::collections::HashMap<&str, i64> =
        cat_keys.iter().enumerate().map(|(i, c)| (c.as_str(), i as i64)).collect();
    let codes: Vec<i64> =
        keys.iter().map(|k| k.as_deref().and_then(|k| pos.get(k).copied()).unwrap_or(-1)).collect();
    w.create_group(path)?;
    set_enc(w, path, "categorical", "0.2.0")?;
    w.set_attr(
        path,
        "ordered",
        AttrValue {
            dtype: bool_type(),
            space: Dataspace::Scalar,
            data: Data::Raw(vec![ordered as u8]),
        },
    )?;
    let n = cats.len();
    let codes_v = if n < 128 {
        Values::from_vec(codes.iter().map(|&c| c as i8).collect())
    } else if n < 32768 {
        Values::from_vec(codes.iter().map(|&c| c as i16).collect())
    } else {
        Values::from_vec(codes.iter().map(|&c| c as i32).collect())
    };
    write_array(w, &format!("{path}/codes"), &codes_v)?;
    match &cats {
        Values::String(c) => write_string_array(
            w,
            &format!("{path}/categories"),
            &c.iter().cloned().collect::<Vec<_>>(),
        ),
        c => write_array(w, &format!("{path}/categories"), c),
    }
}

/// A pandas nullable column (`Int64`, ..., `boolean`): NaN marks a missing value.
fn write_nullable(w: &mut Writer, path: &str, v: &Values, name: &str) -> Result<()> {
    let x = v.to_f64().unwrap_or_default();
    let mask: Vec<bool> = x.iter().map(|x| x.is_nan()).collect();
    w.create_group(path)?;
    let vp = format!("{path}/values");
    if name == "boolean" {
        set_enc(w, path, "nullable-boolean", "0.1.0")?;
        write_bool_array(w, &vp, &x.iter().map(|&x| !x.is_nan() && x != 0.0).collect::<Vec<_>>())?;
    } else {
        set_enc(w, path, "nullable-integer", "0.1.0")?;
        let t = [
            NumType::Int8,
            NumType::Int16,
            NumType::Int32,
            NumType::Int64,
            NumType::UInt8,
            NumType::UInt16,
            NumType::UInt32,
            NumType::UInt64,
        ]
        .into_iter()
        .find(|&t| nullable_name(t) == Some(name))
        .unwrap_or(NumType::Int64);
        let ints: Vec<i64> = match v {
            Values::Int64(a) => a.iter().copied().collect(),
            _ => x.iter().map(|&x| if x.is_nan() { 0 } else { x as i64 }).collect(),
        };
        // alloc: ints.len(), values already in memory
        let mut raw = Vec::with_capacity(ints.len() * 8);
        for &i in &ints {
            use loomfile::numeric::{Encoding, Scalar, encode, not_exact};
            encode(Encoding::le(t), Scalar::I(i as i128), &mut raw)
                .map_err(|v| not_exact(path.into(), v, t))?;
        }
        if matches!(v, Values::Int64(_) | Values::UInt64(_)) && t == NumType::Int64 {
            raw.clear();
            for &i in &ints {
                raw.extend_from_slice(&i.to_le_bytes());
            }
        }
        write_values(w, &vp, t.datatype(), &[ints.len() as u64], Data::Raw(raw))?;
        set_enc(w, &vp, "array", "0.2.0")?;
    }
    write_bool_array(w, &format!("{path}/mask"), &mask)
}

fn mark(f: &LoomFile, axis: Axis, name: &str, key: &str) -> Option<Attribute> {
    let d = f.hdf5().dataset(&format!("{}/{name}", axis.attrs_group())).ok()?;
    d.attribute(key).ok().flatten()
}

fn mark_str(f: &LoomFile, axis: Axis, name: &str, key: &str) -> Option<String> {
    mark(f, axis, name, key)?.read_strings().ok()?.into_iter().next()
}

/// Write the attributes of `axis` as an anndata dataframe at `path`; 2-D ones go to `multi`.
#[allow(clippy::too_many_arguments, reason = "one call site per axis; a struct adds nothing")]
fn write_frame(
    f: &LoomFile,
    input: &Path,
    w: &mut Writer,
    axis: Axis,
    path: &str,
    multi: &str,
    index_names: [&str; 2],
    report: &mut Report,
) -> Result<()> {
    let n = f.len(axis) as usize;
    let names = f.attr_names(axis);
    let index_attr =
        index_names.iter().find(|c| names.iter().any(|n| n == *c)).map(|s| s.to_string());
    // Column order: the recorded order first, then the rest by name.
    let recorded: Vec<String> = f
        .hdf5()
        .group(axis.attrs_group())
        .ok()
        .and_then(|g| g.attribute(ORDER_MARK).ok().flatten())
        .and_then(|a| a.read_strings().ok())
        .unwrap_or_default();
    let mut order: Vec<String> = recorded.into_iter().filter(|c| names.contains(c)).collect();
    for c in &names {
        if !order.contains(c) {
            order.push(c.clone());
        }
    }
    let mut columns = Vec::new();
    let mut multis = Vec::new();
    for name in order {
        if Some(&name) == index_attr.as_ref() {
            continue;
        }
        let v = f.attr(axis, &name).at(input)?;
        // All-numeric records (SCopeLoomR's Embedding {_X, _Y}) go to obsm/varm as (n, k).
        let v = match numeric_records(&v) {
            Some(m) => {
                multis.push((name, m));
                continue;
            }
            None => v,
        };
        match v.shape().len() {
            1 => columns.push((name, v)),
            2 => multis.push((name, v)),
            _ => report
                .warnings
                .push(format!("{} {name}: more than 2-D, left out", axis.attrs_group())),
        }
    }
    let index: Vec<String> = match &index_attr {
        Some(a) => strings_of(&f.attr(axis, a).at(input)?),
        None => (0..n).map(|i| i.to_string()).collect(),
    };
    let mut index_key = index_attr
        .as_ref()
        .and_then(|a| mark_str(f, axis, a, INDEX_MARK))
        .unwrap_or_else(|| "_index".into());
    if columns.iter().any(|(c, _)| c == &index_key)
        || loomfile::attrs::check_name(&index_key).is_err()
    {
        index_key = "_index".into();
    }
    w.create_group(path)?;
    set_enc(w, path, "dataframe", "0.2.0")?;
    w.set_attr(path, "_index", AttrValue::string(&index_key))?;
    write_string_array(w, &format!("{path}/{index_key}"), &index)?;
    let mut written = Vec::new();
    for (name, v) in &columns {
        if name == &index_key {
            report.warnings.push(format!(
                "{} {name}: the name of the index dataset, left out",
                axis.attrs_group()
            ));
            continue;
        }
        let p = format!("{path}/{name}");
        let dtype_mark = mark_str(f, axis, name, DTYPE_MARK);
        match (v, dtype_mark.as_deref()) {
            (v, Some("category")) if matches!(v, Values::String(_)) || v.num_type().is_some() => {
                let cats = mark(f, axis, name, CATEGORIES_MARK)
                    .and_then(|a| loomfile::values::read_attribute(&a, false).ok());
                let ordered = mark(f, axis, name, ORDERED_MARK)
                    .and_then(|a| a.read::<u8>().ok())
                    .is_some_and(|v| v.first() == Some(&1));
                write_categorical(w, &p, v, cats, ordered)?;
            }
            (Values::String(a), _) => {
                write_string_array(w, &p, &a.iter().cloned().collect::<Vec<_>>())?
            }
            (Values::Bool(a), _) => {
                write_bool_array(w, &p, &a.iter().copied().collect::<Vec<_>>())?
            }
            (v, Some(n))
                if v.num_type().is_some()
                    && (n == "boolean" || n.starts_with("Int") || n.starts_with("UInt")) =>
            {
                write_nullable(w, &p, v, n)?
            }
            (v, Some("bool")) if v.num_type().is_some() => {
                let x = v.to_f64().unwrap_or_default();
                write_bool_array(w, &p, &x.iter().map(|&x| x != 0.0).collect::<Vec<_>>())?
            }
            (v, _) if v.num_type().is_some() => write_array(w, &p, v)?,
            _ => {
                report.warnings.push(format!(
                    "{} {name}: {} attributes have no h5ad column form, left out",
                    axis.attrs_group(),
                    v.dtype_name()
                ));
                continue;
            }
        }
        written.push(name.clone());
    }
    let order_attr = if written.is_empty() {
        AttrValue::array::<f64>(&[], &[0])
    } else {
        AttrValue::strings(&written)
    };
    w.set_attr(path, "column-order", order_attr)?;
    dict_group(w, multi)?;
    for (name, v) in &multis {
        if v.num_type().is_some() {
            write_array(w, &format!("{multi}/{name}"), v)?;
        } else {
            report.warnings.push(format!(
                "{} {name}: a 2-D {} attribute has no {multi} form, left out",
                axis.attrs_group(),
                v.dtype_name()
            ));
        }
    }
    Ok(())
}

/// 1-D records whose fields are all numbers as an (n, fields) float64 array.
fn numeric_records(v: &Values) -> Option<Values> {
    let Values::Compound(fields) = v else { return None };
    let n = v.len();
    let cols: Vec<Vec<f64>> = fields
        .iter()
        .map(|(_, f)| (f.shape() == [n] && f.num_type().is_some()).then(|| f.to_f64()).flatten())
        .collect::<Option<_>>()?;
    if cols.is_empty() {
        return None;
    }
    let k = cols.len();
    let data: Vec<f64> = (0..n).flat_map(|i| cols.iter().map(move |c| c[i])).collect();
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n, k]), data).ok().map(Values::Float64)
}

/// A growing 1-D chunked dataset written one full chunk at a time.
struct Appender {
    path: String,
    chunk: u64,
    es: usize,
    buf: Vec<u8>,
    len: u64,
}

impl Appender {
    fn new(
        w: &mut Writer,
        path: &str,
        dtype: Datatype,
        chunk: u64,
        gzip: Option<u32>,
    ) -> Result<Appender> {
        let es = dtype.size() as usize;
        let mut spec = DatasetSpec::chunked(dtype, &[0], &[chunk]).max_shape(&[None]);
        if let Some(l) = gzip {
            spec = spec.gzip(l);
        }
        w.create_dataset(path, spec)?;
        Ok(Appender { path: path.into(), chunk, es, buf: Vec::new(), len: 0 })
    }

    fn flush_full(&mut self, w: &mut Writer) -> Result<()> {
        let cb = self.chunk as usize * self.es;
        while self.buf.len() >= cb {
            let end = self.len + self.chunk;
            w.resize(&self.path, &[end])?;
            w.write_raw(&self.path, &[Selection::Range(self.len, end)], &self.buf[..cb])?;
            self.buf.drain(..cb);
            self.len = end;
        }
        Ok(())
    }

    fn finish(mut self, w: &mut Writer) -> Result<u64> {
        self.flush_full(w)?;
        if !self.buf.is_empty() {
            let end = self.len + (self.buf.len() / self.es) as u64;
            w.resize(&self.path, &[end])?;
            w.write_raw(&self.path, &[Selection::Range(self.len, end)], &self.buf)?;
            self.len = end;
        }
        Ok(self.len)
    }
}

/// Write loom layer `layer` as an anndata `csr_matrix` (cells x genes) at `path`, one band
/// of cells (chunk columns) at a time. Returns the non-zeros.
fn write_csr<T: Num>(
    f: &LoomFile,
    input: &Path,
    layer: &str,
    w: &mut Writer,
    path: &str,
    opts: &ConvertOptions,
) -> Result<u64> {
    let (n_var, n_obs) = f.shape();
    let gzip = opts.gzip.filter(|&l| l > 0);
    w.create_group(path)?;
    set_enc(w, path, "csr_matrix", "0.1.0")?;
    w.set_attr(path, "shape", AttrValue::array::<i64>(&[n_obs as i64, n_var as i64], &[2]))?;
    let chunk = (n_obs.saturating_mul(n_var)).clamp(1, 1 << 16);
    let wide_idx = n_var > i32::MAX as u64;
    let idx_type = if wide_idx { Datatype::int(8, true) } else { Datatype::int(4, true) };
    let mut data = Appender::new(w, &format!("{path}/data"), T::NUM.datatype(), chunk, gzip)?;
    let mut indices = Appender::new(w, &format!("{path}/indices"), idx_type, chunk, gzip)?;
    let bytes = n_obs.saturating_add(1).saturating_mul(8);
    f.limits().check_bytes(&loomfile::layers::layer_path(layer), "indptr bytes", bytes)?;
    // alloc: n_obs + 1, under max_read_bytes (checked above)
    let mut indptr: Vec<u64> = Vec::with_capacity(n_obs as usize + 1);
    indptr.push(0);
    let band_w =
        f.layer_info(layer).at(input)?.chunks.and_then(|c| c.get(1).copied()).unwrap_or(64).max(1);
    let mut nnz = 0u64;
    let mut c0 = 0;
    opts.begin(if layer.is_empty() { "writing X" } else { "writing layer" }, Some(n_obs));
    while c0 < n_obs {
        let c1 = (c0 + band_w).min(n_obs);
        let band = f.read_layer::<T>(layer, &Sel::All, &Sel::Range(c0, c1)).at(input)?;
        for j in 0..(c1 - c0) as usize {
            for (g, x) in band.column(j).iter().enumerate() {
                if !x.is_zero() {
                    x.write_le(&mut data.buf);
                    if wide_idx {
                        indices.buf.extend_from_slice(&(g as i64).to_le_bytes());
                    } else {
                        indices.buf.extend_from_slice(&(g as i32).to_le_bytes());
                    }
                    nnz += 1;
                }
            }
            indptr.push(nnz);
        }
        data.flush_full(w)?;
        indices.flush_full(w)?;
        opts.advance(c1 - c0);
        c0 = c1;
    }
    opts.end();
    data.finish(w)?;
    indices.finish(w)?;
    let p = format!("{path}/indptr");
    let n = indptr.len() as u64;
    let ic = n.clamp(1, 1 << 16);
    let mut spec = if nnz > i32::MAX as u64 {
        DatasetSpec::chunked(Datatype::int(8, true), &[n], &[ic])
    } else {
        DatasetSpec::chunked(Datatype::int(4, true), &[n], &[ic])
    }
    .max_shape(&[None]);
    if let Some(l) = gzip {
        spec = spec.gzip(l);
    }
    w.create_dataset(&p, spec)?;
    if nnz > i32::MAX as u64 {
        w.write::<i64>(&p, &[], &indptr.iter().map(|&x| x as i64).collect::<Vec<_>>())?;
    } else {
        w.write::<i32>(&p, &[], &indptr.iter().map(|&x| x as i32).collect::<Vec<_>>())?;
    }
    Ok(nnz)
}

/// A graph as an anndata `csr_matrix` (n x n, float64 weights).
fn write_graph(w: &mut Writer, path: &str, g: &Graph, n: u64, limits: Limits) -> Result<()> {
    limits.check_bytes(path, "indptr bytes", n.saturating_add(1).saturating_mul(8))?;
    let mut order: Vec<usize> = (0..g.edges()).collect();
    order.sort_by_key(|&k| (g.a[k], g.b[k]));
    // alloc: n + 1 (an axis length), under max_read_bytes (checked above)
    let mut indptr = vec![0i64; n as usize + 1];
    for &a in &g.a {
        indptr[a as usize + 1] += 1;
    }
    for i in 0..n as usize {
        indptr[i + 1] += indptr[i];
    }
    w.create_group(path)?;
    set_enc(w, path, "csr_matrix", "0.1.0")?;
    w.set_attr(path, "shape", AttrValue::array::<i64>(&[n as i64, n as i64], &[2]))?;
    let e = g.edges() as u64;
    let put = |w: &mut Writer, name: &str, v: Values| -> Result<()> {
        let (dt, data) = to_storage(&v)?;
        write_values(w, &format!("{path}/{name}"), dt, &[v.len() as u64], data)
    };
    put(w, "data", Values::from_vec(order.iter().map(|&k| g.w[k]).collect::<Vec<f64>>()))?;
    if n > i32::MAX as u64 || e > i32::MAX as u64 {
        put(
            w,
            "indices",
            Values::from_vec(order.iter().map(|&k| g.b[k] as i64).collect::<Vec<_>>()),
        )?;
        put(w, "indptr", Values::from_vec(indptr))?;
    } else {
        put(
            w,
            "indices",
            Values::from_vec(order.iter().map(|&k| g.b[k] as i32).collect::<Vec<_>>()),
        )?;
        put(w, "indptr", Values::from_vec(indptr.iter().map(|&x| x as i32).collect::<Vec<_>>()))?;
    }
    Ok(())
}

fn write_uns(f: &LoomFile, w: &mut Writer, report: &mut Report) -> Result<()> {
    dict_group(w, "/uns")?;
    for name in f.global_names() {
        if matches!(name.as_str(), "LOOM_SPEC_VERSION" | "CreationDate" | "last_modified") {
            continue;
        }
        let Ok(v) = f.global(&name) else { continue };
        let p = format!("/uns/{name}");
        let scalar = v.shape().is_empty();
        match &v {
            Values::String(a) if scalar => {
                let s = a.iter().next().cloned().unwrap_or_default();
                write_values(w, &p, Datatype::vlen_utf8(), &[], Data::Strings(vec![s]))?;
                set_enc(w, &p, "string", "0.2.0")?;
            }
            Values::String(a) if v.shape().len() == 1 => {
                write_string_array(w, &p, &a.iter().cloned().collect::<Vec<_>>())?
            }
            v if v.num_type().is_some() && scalar => {
                let (dt, data) = to_storage(v)?;
                write_values(w, &p, dt, &[], data)?;
                set_enc(w, &p, "numeric-scalar", "0.2.0")?;
            }
            v if v.num_type().is_some() => write_array(w, &p, v)?,
            _ => report.warnings.push(format!("global {name}: no uns form, left out")),
        }
    }
    Ok(())
}

fn write_h5ad(
    f: &LoomFile,
    input: &Path,
    output: &Path,
    opts: &ConvertOptions,
    report: &mut Report,
) -> Result<()> {
    let x_layer = opts.layer.clone().unwrap_or_default();
    let layers = f.layer_names();
    if !layers.contains(&x_layer) {
        return Err(Error::Missing { kind: "layer", name: x_layer });
    }
    let mut w = Writer::create(output)?;
    set_enc(&mut w, "/", "anndata", "0.1.0")?;
    let t = opts.dtype.unwrap_or(f.layer_dtype(&x_layer).at(input)?);
    report.dtype = Some(t.name().into());
    report.nnz = Some(
        loomfile::with_num_type!(t, T => write_csr::<T>(f, input, &x_layer, &mut w, "/X", opts))?,
    );
    dict_group(&mut w, "/layers")?;
    for name in &layers {
        if name == &x_layer {
            continue;
        }
        let out_name = if name.is_empty() { "matrix" } else { name.as_str() };
        if !x_layer.is_empty() && !name.is_empty() && name == "matrix" {
            report.warnings.push("layer \"matrix\" clashes with the main matrix, left out".into());
            continue;
        }
        let lt = opts.dtype.unwrap_or(f.layer_dtype(name).at(input)?);
        loomfile::with_num_type!(lt, T => write_csr::<T>(f, input, name, &mut w, &format!("/layers/{out_name}"), opts))?;
    }
    write_frame(f, input, &mut w, Axis::Cols, "/obs", "/obsm", ["obs_names", "CellID"], report)?;
    write_frame(f, input, &mut w, Axis::Rows, "/var", "/varm", ["var_names", "Gene"], report)?;
    for (axis, group) in [(Axis::Cols, "/obsp"), (Axis::Rows, "/varp")] {
        dict_group(&mut w, group)?;
        for name in f.graph_names(axis) {
            match f.graph(axis, &name) {
                Ok(g) => {
                    write_graph(&mut w, &format!("{group}/{name}"), &g, f.len(axis), f.limits())?
                }
                Err(e) => report.warnings.push(format!("graph {name}: {e}; left out")),
            }
        }
    }
    write_uns(f, &mut w, report)?;
    w.finish()?;
    Ok(())
}

/// Convert a loom file to an h5ad file (see the module documentation).
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
/// use loomfile_formats::{ConvertOptions, h5ad};
/// use loomfile::hdf5;
/// let out = dir.path().join("ds.h5ad");
/// h5ad::from_loom(&path, &out, &ConvertOptions::default())?;
/// let a = hdf5::File::open(&out)?;
/// // AnnData is cells x genes: X is the matrix transposed, stored as CSR (one row a cell).
/// assert_eq!(a.dataset("/X/indptr")?.shape(), Some(vec![3 + 1]));
/// assert!(a.exists("/obs") && a.exists("/var"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let f = crate::util::open_loom(input)?;
    let (n, m) = f.shape();
    if n == 0 || m == 0 {
        return Err(Error::input("the loom file has no main matrix")).at(input);
    }
    let mut report = Report { shape: (n, m), ..Report::default() };
    report.warnings.extend(f.warnings().into_iter().map(|w| format!("{}: {w}", input.display())));
    write_h5ad(&f, input, output, opts, &mut report).at(output)?;
    Ok(report)
}
