//! h5ad -> loom: X (or a chosen layer), layers, obs/var frames, obsm/varm, obsp/varp and
//! uns scalars and arrays, from every anndata version (see the [module documentation](super);
//! the layouts before 0.7 and 0.7's reference categoricals are read by [`super::legacy`]).

use super::legacy;
use super::{CATEGORIES_MARK, DTYPE_MARK, INDEX_MARK, MAX_CATEGORIES, ORDER_MARK, ORDERED_MARK};
use crate::stored_sparse::StoredSparse;
use crate::util::{Compressed, Ctx, Num, check_indptr, num_type, read_1d, transpose};
use crate::{ConvertOptions, Report};
use loomfile::Batch;
use loomfile::error::{Error, Result};
use loomfile::file::{Axis, LoomFile};
use loomfile::graphs::Graph;
use loomfile::values::{NumType, Values, read_dataset, to_storage};
use loomfile_hdf5::Dataspace;
use loomfile_hdf5::{AttrValue, Attribute, File, Object, Selection};
use std::path::Path;

pub(super) fn attr_of(o: &Object, name: &str) -> Option<Attribute> {
    o.attributes().ok()?.into_iter().find(|a| a.name() == name)
}

pub(super) fn attr_str(o: &Object, name: &str) -> Option<String> {
    attr_of(o, name)?.read_strings().ok()?.into_iter().next()
}

pub(super) fn enc_type(o: &Object) -> String {
    attr_str(o, "encoding-type").unwrap_or_default()
}

pub(super) fn object(f: &File, path: &str) -> Option<Object> {
    f.object(path).ok()
}

/// Where a matrix element is and how it is stored.
pub(super) enum Matrix {
    /// `csr` (rows compressed) or csc, shape (n_obs, n_var) as anndata gives it.
    Sparse { group: String, csr: bool, shape: (u64, u64), dtype: NumType },
    /// A 2-D dataset.
    Dense { path: String, shape: (u64, u64), dtype: NumType },
}

impl Matrix {
    fn shape(&self) -> (u64, u64) {
        match self {
            Matrix::Sparse { shape, .. } | Matrix::Dense { shape, .. } => *shape,
        }
    }
    fn dtype(&self) -> NumType {
        match self {
            Matrix::Sparse { dtype, .. } | Matrix::Dense { dtype, .. } => *dtype,
        }
    }
}

pub(super) fn matrix(f: &File, path: &str) -> Result<Option<Matrix>> {
    let Some(o) = object(f, path) else { return Ok(None) };
    match &o {
        Object::Dataset(d) => {
            let s = d.shape().unwrap_or_default();
            if s.len() != 2 {
                return Err(Error::input(format!("{path}: a {}-D array, not a matrix", s.len())));
            }
            Ok(Some(Matrix::Dense { path: path.into(), shape: (s[0], s[1]), dtype: num_type(d)? }))
        }
        Object::Group(_) => {
            let enc = enc_type(&o);
            let (csr, shape) = match enc.as_str() {
                "csr_matrix" | "csc_matrix" => {
                    let a = attr_of(&o, "shape")
                        .ok_or_else(|| Error::input(format!("{path}: no shape attribute")))?;
                    (enc == "csr_matrix", a.read::<u64>()?)
                }
                _ => match attr_str(&o, "h5sparse_format").as_deref() {
                    // anndata < 0.7
                    Some(fmt @ ("csr" | "csc")) => {
                        let a = attr_of(&o, "h5sparse_shape")
                            .ok_or_else(|| Error::input(format!("{path}: no shape")))?;
                        (fmt == "csr", a.read::<u64>()?)
                    }
                    _ => {
                        return Err(Error::input(format!(
                            "{path}: encoding {enc:?} is not a matrix anndata writes"
                        )));
                    }
                },
            };
            if shape.len() != 2 {
                return Err(Error::input(format!("{path}: shape {shape:?} is not 2-D")));
            }
            let d = f.dataset(&format!("{path}/data"))?;
            Ok(Some(Matrix::Sparse {
                group: path.into(),
                csr,
                shape: (shape[0], shape[1]),
                dtype: num_type(&d)?,
            }))
        }
        Object::Datatype(_) => Err(Error::input(format!("{path} is a committed datatype"))),
    }
}

/// Read a sparse element as rows-compressed genes x cells (the transpose of anndata's).
pub(super) fn read_transposed<T: Num>(
    f: &File,
    group: &str,
    csr: bool,
    shape: (u64, u64),
) -> Result<Compressed<T>> {
    let (n_obs, n_var) = shape;
    // The shape attribute is the file's claim: the csr transpose takes a row count per gene
    // before any entry is looked at (csc is already gene-major and is not transposed).
    if csr {
        let counts = n_var.saturating_add(1).saturating_mul(size_of::<u64>() as u64);
        f.source().limits.check_bytes(group, "row counts of a transpose", counts)?;
    }
    let indptr: Vec<u64> = read_1d(&f.dataset(&format!("{group}/indptr"))?)?;
    let indices: Vec<u32> = read_1d(&f.dataset(&format!("{group}/indices"))?)?;
    let data: Vec<T> = read_1d(&f.dataset(&format!("{group}/data"))?)?;
    if csr {
        transpose(n_obs, n_var, &indptr, &indices, &data, None, group)
    } else {
        // csc of cells x genes = rows-compressed genes x cells.
        check_indptr(&indptr, n_var, indices.len() as u64, group)?;
        if indices.len() != data.len() {
            return Err(Error::input(format!("{group}: indices and data differ in length")));
        }
        if let Some(&bad) = indices.iter().find(|&&i| i as u64 >= n_obs) {
            return Err(Error::input(format!("{group}: index {bad} outside 0..{n_obs}")));
        }
        let nnz = indptr[n_var as usize] as usize;
        let mut indices = indices;
        let mut data = data;
        indices.truncate(nnz);
        data.truncate(nnz);
        let mut m = Compressed { rows: n_var, cols: n_obs, indptr, indices, data };
        m.canonicalize();
        Ok(m)
    }
}

/// Write an anndata matrix as loom layer `name` (transposed); returns the non-zeros when
/// counted (sparse sources).
fn write_layer<T: Num>(
    f: &File,
    m: &Matrix,
    out: &mut Batch<'_>,
    name: &str,
    opts: &ConvertOptions,
) -> Result<Option<u64>> {
    match m {
        Matrix::Sparse { group, csr, shape, .. } => {
            // csr: compressed cells, the loom columns; csc: compressed genes, the loom rows.
            let (n_obs, n_var) = *shape;
            let (n_outer, n_inner) = if *csr { (n_obs, n_var) } else { (n_var, n_obs) };
            let m = StoredSparse::open(f, group, n_outer, n_inner)?;
            Ok(Some(m.stage::<T>(out, name, *csr, None, opts)?))
        }
        Matrix::Dense { path, shape, .. } => {
            let d = f.dataset(path)?;
            let (n_obs, n_var) = *shape;
            opts.begin(
                if name.is_empty() { "writing matrix" } else { "writing layer" },
                Some(n_obs),
            );
            let r = out.write_layer_cols::<T>(
                name,
                n_var,
                n_obs,
                &opts.layer_options(),
                |c0, w, band| {
                    // Cells c0..c0+w of X are rows: row-major cells x genes is column-major loom.
                    let v =
                        d.read_selection::<T>(&[Selection::Range(c0, c0 + w), Selection::All])?;
                    band.extend_from_slice(&v);
                    opts.advance(w);
                    Ok(())
                },
            );
            opts.end();
            r?;
            Ok(None)
        }
    }
}

/// How a frame column maps to pandas, for the marks.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Plain,
    Bool,
    Category {
        categories: Values,
        ordered: bool,
    },
    /// A pandas nullable dtype (`Int64`, `UInt8`, ..., `boolean`).
    Nullable(String),
}

/// pandas' name of a nullable integer type.
pub(super) fn nullable_name(t: NumType) -> Option<&'static str> {
    Some(match t {
        NumType::Int8 => "Int8",
        NumType::Int16 => "Int16",
        NumType::Int32 => "Int32",
        NumType::Int64 => "Int64",
        NumType::UInt8 => "UInt8",
        NumType::UInt16 => "UInt16",
        NumType::UInt32 => "UInt32",
        NumType::UInt64 => "UInt64",
        _ => return None,
    })
}

/// A dataframe (obs or var) read into loom attribute values.
pub(super) struct Frame {
    pub index_name: Option<String>,
    pub index: Vec<String>,
    pub columns: Vec<(String, Values, Kind)>,
    pub skipped: Vec<String>,
}

/// A categorical column's values (strings, or numbers for numeric categories; missing codes
/// give `""` or NaN) and its kind.
pub(super) fn categorical(
    path: &str,
    codes: &[i64],
    cats: Values,
    ordered: bool,
) -> Result<(Values, Kind)> {
    let k = cats.len() as i64;
    if cats.shape().len() != 1 {
        return Err(Error::input(format!("{path}: categories are not a 1-D array")));
    }
    Ok(match &cats {
        Values::String(c) => {
            let c: Vec<String> = c.iter().cloned().collect();
            let vals: Vec<String> = codes
                .iter()
                .map(|&i| if i >= 0 && i < k { c[i as usize].clone() } else { String::new() })
                .collect();
            (Values::strings(&vals), Kind::Category { categories: cats.clone(), ordered })
        }
        other => {
            let c = other.to_f64().ok_or_else(|| {
                Error::input(format!("{path}: categories are neither strings nor numbers"))
            })?;
            let kind = Kind::Category { categories: other.clone(), ordered };
            if codes.iter().all(|&i| i >= 0 && i < k) {
                let idx: Vec<usize> = codes.iter().map(|&i| i as usize).collect();
                (other.select(&idx)?, kind)
            } else {
                let vals: Vec<f64> = codes
                    .iter()
                    .map(|&i| if i >= 0 && i < k { c[i as usize] } else { f64::NAN })
                    .collect();
                (Values::from_vec(vals), kind)
            }
        }
    })
}

pub(super) fn strings_of(v: &Values) -> Vec<String> {
    match v {
        Values::String(a) => a.iter().cloned().collect(),
        other => crate::util::text_cells(other).unwrap_or_default(),
    }
}

fn read_column(f: &File, path: &str, n: u64) -> Result<Option<(Values, Kind)>> {
    let Some(o) = object(f, path) else { return Ok(None) };
    let enc = enc_type(&o);
    let col = match (&o, enc.as_str()) {
        (Object::Dataset(d), _) if legacy::has_reference_categories(d) => {
            // anndata 0.7: integer codes, categories behind an object reference.
            let codes: Vec<i64> = d.read()?;
            let cats = legacy::reference_categories(f, d)?;
            let ordered = d
                .attribute("ordered")
                .ok()
                .flatten()
                .and_then(|a| a.read::<u8>().ok())
                .is_some_and(|v| v.first() == Some(&1));
            categorical(path, &codes, cats, ordered)?
        }
        (Object::Dataset(d), _) => {
            let v = read_dataset(d, false)?;
            match v {
                Values::Bool(_) => (v, Kind::Bool),
                Values::Compound(_) | Values::Enum { .. } => return Ok(None),
                v => (v, Kind::Plain),
            }
        }
        (Object::Group(_), "categorical") => {
            let codes: Vec<i64> = f.dataset(&format!("{path}/codes"))?.read()?;
            let cats = read_dataset(&f.dataset(&format!("{path}/categories"))?, false)?;
            let ordered = attr_of(&o, "ordered")
                .and_then(|a| a.read::<u8>().ok())
                .and_then(|v| v.first().copied())
                .unwrap_or(0)
                != 0;
            categorical(path, &codes, cats, ordered)?
        }
        (Object::Group(_), "nullable-integer" | "nullable-boolean" | "nullable-string-array") => {
            let vals = read_dataset(&f.dataset(&format!("{path}/values"))?, false)?;
            let mask: Vec<bool> = match object(f, &format!("{path}/mask")) {
                Some(Object::Dataset(m)) => match read_dataset(&m, false)? {
                    Values::Bool(b) => b.iter().copied().collect(),
                    other => other.to_f64().unwrap_or_default().iter().map(|&x| x != 0.0).collect(),
                },
                _ => Vec::new(),
            };
            let any = mask.iter().any(|&m| m);
            let kind = match (&vals, enc.as_str()) {
                (_, "nullable-boolean") => Kind::Nullable("boolean".into()),
                (v, "nullable-integer") => match v.num_type().and_then(nullable_name) {
                    Some(n) => Kind::Nullable(n.into()),
                    None => Kind::Plain,
                },
                _ => Kind::Plain,
            };
            match vals {
                Values::String(s) => {
                    let v: Vec<String> = s
                        .iter()
                        .zip(mask.iter().chain(std::iter::repeat(&false)))
                        .map(|(x, &m)| if m { String::new() } else { x.clone() })
                        .collect();
                    (Values::strings(&v), Kind::Plain)
                }
                Values::Bool(b) if !any => (Values::Bool(b), kind),
                v if !any => (v, kind),
                v => {
                    let x = match &v {
                        Values::Bool(b) => b.iter().map(|&b| b as u8 as f64).collect(),
                        v => v.to_f64().ok_or_else(|| Error::input(format!("{path}: values")))?,
                    };
                    let y: Vec<f64> =
                        x.iter().zip(&mask).map(|(&x, &m)| if m { f64::NAN } else { x }).collect();
                    (Values::from_vec(y), kind)
                }
            }
        }
        _ => return Ok(None),
    };
    if col.0.shape().first().copied() != Some(n as usize) || col.0.shape().len() != 1 {
        return Ok(None);
    }
    Ok(Some(col))
}

fn read_frame(f: &File, path: &str) -> Result<Frame> {
    let o = object(f, path).ok_or_else(|| Error::input(format!("no {path} dataframe")))?;
    if let Object::Dataset(d) = &o {
        // anndata < 0.7: a compound dataset, categories in uns.
        return legacy::compound_frame(f, d);
    }
    let enc = enc_type(&o);
    if !matches!(o, Object::Group(_)) || (!enc.is_empty() && enc != "dataframe") {
        return Err(Error::input(format!("{path}: encoding {enc:?} is not a dataframe")));
    }
    let index_key = attr_str(&o, "_index").unwrap_or_else(|| "_index".into());
    let ds = f
        .dataset(&format!("{path}/{index_key}"))
        .map_err(|_| Error::input(format!("{path}: no index dataset {index_key:?}")))?;
    let index = strings_of(&read_dataset(&ds, false)?);
    let n = index.len() as u64;
    let order: Vec<String> = match attr_of(&o, "column-order") {
        Some(a) => a.read_strings().unwrap_or_default(),
        None => Vec::new(),
    };
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for name in order {
        if name == index_key {
            continue;
        }
        match read_column(f, &format!("{path}/{name}"), n)? {
            Some((v, k)) => columns.push((name, v, k)),
            None => skipped.push(name),
        }
    }
    Ok(Frame { index_name: (index_key != "_index").then_some(index_key), index, columns, skipped })
}

fn vlen_strings_attr(v: &[String]) -> AttrValue {
    AttrValue::strings(v)
}

/// Write a frame as loom attributes of `axis`; the index goes to `primary` (`CellID` /
/// `Gene`) unless a column has that name, then to `fallback`.
fn stage_frame(
    out: &mut Batch<'_>,
    axis: Axis,
    frame: &Frame,
    primary: &str,
    fallback: &str,
    report: &mut Report,
    what: &str,
) -> Result<Vec<String>> {
    let taken = |n: &str| frame.columns.iter().any(|(c, _, _)| c == n);
    let index_attr = [primary, fallback, &format!("{fallback}_index")]
        .into_iter()
        .find(|n| !taken(n))
        .unwrap_or(primary)
        .to_string();
    out.set_attr(axis, &index_attr, &Values::strings(&frame.index))?;
    let group = axis.attrs_group();
    let index_path = format!("{group}/{index_attr}");
    if let Some(name) = &frame.index_name {
        out.set_object_attr(&index_path, INDEX_MARK, AttrValue::string(name))?;
    }
    let mut names = vec![index_attr.clone()];
    let mut order = Vec::new();
    for (name, v, kind) in &frame.columns {
        if name == &index_attr || loomfile::attrs::check_name(name).is_err() {
            report
                .warnings
                .push(format!("{what} column {name:?}: not a usable attribute name, left out"));
            continue;
        }
        out.set_attr(axis, name, v)?;
        let p = format!("{group}/{name}");
        match kind {
            Kind::Plain => {}
            Kind::Bool => out.set_object_attr(&p, DTYPE_MARK, AttrValue::string("bool"))?,
            Kind::Nullable(n) => out.set_object_attr(&p, DTYPE_MARK, AttrValue::string(n))?,
            Kind::Category { categories, ordered } => {
                out.set_object_attr(&p, DTYPE_MARK, AttrValue::string("category"))?;
                if categories.len() <= MAX_CATEGORIES && categories.shape().len() == 1 {
                    let a = match categories {
                        Values::String(c) => {
                            Some(vlen_strings_attr(&c.iter().cloned().collect::<Vec<_>>()))
                        }
                        v => to_storage(v).ok().map(|(dtype, data)| {
                            let n = v.len() as u64;
                            AttrValue {
                                dtype,
                                space: Dataspace::Simple { dims: vec![n], max: vec![n] },
                                data,
                            }
                        }),
                    };
                    if let Some(a) = a {
                        out.set_object_attr(&p, CATEGORIES_MARK, a)?;
                    }
                }
                if *ordered {
                    out.set_object_attr(&p, ORDERED_MARK, AttrValue::scalar(1u8))?;
                }
            }
        }
        names.push(name.clone());
        order.push(name.clone());
    }
    if !order.is_empty() && order.len() <= MAX_CATEGORIES {
        out.set_object_attr(group, ORDER_MARK, vlen_strings_attr(&order))?;
    }
    for s in &frame.skipped {
        report.warnings.push(format!("{what} column {s:?}: unsupported encoding, left out"));
    }
    Ok(names)
}

/// Stage one `obsm`/`varm` entry as a multi-column attribute; false when it has no loom
/// form (not an array over the axis, or not numbers or strings).
fn stage_one_multi(
    out: &mut Batch<'_>,
    axis: Axis,
    name: &str,
    v: &Values,
    n: u64,
    taken: &mut Vec<String>,
) -> Result<bool> {
    let shape = v.shape();
    if shape.first() != Some(&(n as usize)) || shape.len() > 2 {
        return Ok(false);
    }
    if !(v.num_type().is_some() || matches!(v, Values::String(_))) {
        return Ok(false);
    }
    out.set_attr(axis, name, v)?;
    taken.push(name.to_string());
    Ok(true)
}

/// Dense `obsm`/`varm` arrays as multi-column attributes (a group of datasets, or before
/// anndata 0.7 one compound dataset with a field per key).
fn stage_multi(
    f: &File,
    out: &mut Batch<'_>,
    axis: Axis,
    group: &str,
    n: u64,
    taken: &mut Vec<String>,
    report: &mut Report,
) -> Result<()> {
    let entries: Vec<(String, Option<Values>)> = match object(f, group) {
        Some(Object::Group(g)) => {
            let mut v = Vec::new();
            for name in g.member_names()? {
                let value = match object(f, &format!("{group}/{name}")) {
                    Some(Object::Dataset(d))
                        if d.shape().is_some_and(|s| s.first() == Some(&n)) =>
                    {
                        read_dataset(&d, false).ok()
                    }
                    _ => None,
                };
                v.push((name, value));
            }
            v
        }
        Some(Object::Dataset(d)) => {
            legacy::compound_multi(&d)?.into_iter().map(|(k, v)| (k, Some(v))).collect()
        }
        _ => return Ok(()),
    };
    for (name, value) in entries {
        let p = format!("{group}/{name}");
        if taken.contains(&name) || loomfile::attrs::check_name(&name).is_err() {
            report.warnings.push(format!("{p}: name clashes with a column, left out"));
            continue;
        }
        let staged = match &value {
            Some(v) => stage_one_multi(out, axis, &name, v, n, taken)?,
            None => false,
        };
        if !staged {
            report.warnings.push(format!(
                "{p}: only dense arrays of numbers or strings become attributes, left out"
            ));
        }
    }
    Ok(())
}

/// Sparse n x n matrices as graphs: `obsp`/`varp` members, or the legacy
/// `uns/neighbors/{connectivities, distances}` (anndata moves those to `obsp` on read).
fn stage_graphs(
    f: &File,
    out: &mut Batch<'_>,
    axis: Axis,
    group: &str,
    n: u64,
    report: &mut Report,
) -> Result<()> {
    let members: Vec<(String, String)> = match object(f, group) {
        Some(Object::Group(g)) => {
            g.member_names()?.into_iter().map(|m| (format!("{group}/{m}"), m)).collect()
        }
        _ => Vec::new(),
    };
    let mut members = members;
    if axis == Axis::Cols && legacy::is_pre_07(f) {
        for m in ["connectivities", "distances"] {
            let p = format!("/uns/neighbors/{m}");
            if f.exists(&p) && !members.iter().any(|(_, n)| n == m) {
                members.push((p, m.to_string()));
            }
        }
    }
    for (p, name) in members {
        match matrix(f, &p) {
            Ok(Some(Matrix::Sparse { group: sg, csr, shape, .. }))
                if shape == (n, n) && loomfile::attrs::check_name(&name).is_ok() =>
            {
                // Rows compressed over the transposed axis: edges (b, a) of the stored matrix.
                let m = read_transposed::<f64>(f, &sg, csr, shape)?;
                let mut gr = Graph::default();
                for r in 0..m.rows as usize {
                    for k in m.indptr[r] as usize..m.indptr[r + 1] as usize {
                        gr.a.push(m.indices[k] as u64);
                        gr.b.push(r as u64);
                        gr.w.push(m.data[k]);
                    }
                }
                out.set_graph(axis, &name, &gr)?;
            }
            _ => report
                .warnings
                .push(format!("{p}: only sparse n x n matrices become graphs, left out")),
        }
    }
    Ok(())
}

/// Scalars and 1-D arrays of numbers or strings in `uns` as global attributes.
fn stage_uns(f: &File, out: &mut Batch<'_>, report: &mut Report) -> Result<()> {
    let Some(Object::Group(g)) = object(f, "/uns") else { return Ok(()) };
    let consumed = legacy::consumed_uns(f);
    let mut skipped = Vec::new();
    for name in g.member_names()? {
        let p = format!("/uns/{name}");
        if consumed.contains(&name) || (legacy::is_pre_07(f) && name == "neighbors") {
            continue;
        }
        let reserved =
            matches!(name.as_str(), "LOOM_SPEC_VERSION" | "CreationDate" | "last_modified");
        let v = match object(f, &p) {
            Some(o @ Object::Dataset(_)) if !reserved => {
                let enc = enc_type(&o);
                let Object::Dataset(d) = o else { unreachable!("matched a dataset") };
                if matches!(
                    enc.as_str(),
                    "string" | "numeric-scalar" | "array" | "string-array" | ""
                ) && d.shape().is_some_and(|s| s.len() <= 1)
                {
                    read_dataset(&d, false).ok()
                } else {
                    None
                }
            }
            _ => None,
        };
        match v {
            Some(v)
                if (v.num_type().is_some_and(|t| t != NumType::Float16)
                    || matches!(v, Values::String(_)))
                    && loomfile::attrs::check_name(&name).is_ok() =>
            {
                out.set_global(&name, &v)?
            }
            _ => skipped.push(name),
        }
    }
    if !skipped.is_empty() {
        report.warnings.push(format!(
            "uns entries left out (only numbers and strings, scalar or 1-D, become globals): {}",
            skipped.join(", ")
        ));
    }
    Ok(())
}

/// The matrix that becomes the loom main matrix: `X`, or the layer `opts.layer` names.
/// anndata 0.8+ may write no X at all; then the error says how to go on.
fn main_matrix(f: &File, opts: &ConvertOptions) -> Result<(Matrix, Option<Matrix>)> {
    let x = matrix(f, "/X")?;
    let layers: Vec<String> = match object(f, "/layers") {
        Some(Object::Group(g)) => g.member_names()?,
        _ => Vec::new(),
    };
    match (&opts.layer, x) {
        (Some(name), x) => {
            let m = matrix(f, &format!("/layers/{name}"))?.ok_or_else(|| {
                Error::invalid(format!(
                    "no layer {name:?} (layers: {})",
                    if layers.is_empty() { "none".to_string() } else { layers.join(", ") }
                ))
            })?;
            Ok((m, x))
        }
        (None, Some(x)) => Ok((x, None)),
        (None, None) if layers.is_empty() => Err(Error::invalid(
            "X is absent (anndata 0.8 and later allow that) and there are no layers: the file \
             has no matrix to convert",
        )),
        (None, None) => Err(Error::invalid(format!(
            "X is absent (anndata 0.8 and later allow that): choose the layer that becomes the \
             main matrix with --layer NAME (layers: {})",
            layers.join(", ")
        ))),
    }
}

/// Convert an h5ad file to a loom file (see the module documentation).
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
/// use loomfile::{Axis, Sel};
/// let (anndata, back) = (dir.path().join("ds.h5ad"), dir.path().join("back.loom"));
/// h5ad::from_loom(&path, &anndata, &ConvertOptions::default())?;
/// let report = h5ad::to_loom(&anndata, &back, &ConvertOptions::default())?;
/// assert_eq!(report.shape, (4, 3)); // genes x cells again
/// let f = LoomFile::open(&back)?;
/// assert_eq!(f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(), ["x", "y", "z"]);
/// assert_eq!(f.read_layer::<f32>("", &Sel::All, &Sel::All)?, m);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let f = File::open(input).at(input)?;
    let root = f.root().at(input)?;
    let root_enc = root
        .attribute("encoding-type")
        .ok()
        .flatten()
        .and_then(|a| a.read_strings().ok())
        .and_then(|s| s.into_iter().next());
    if root_enc.as_deref() != Some("anndata") && object(&f, "/obs").is_none() {
        return Err(Error::input("not an h5ad file (no anndata encoding, no /obs)")).at(input);
    }
    let (x, x_as_layer) = main_matrix(&f, opts).at(input)?;
    let (n_obs, n_var) = x.shape();
    let obs = read_frame(&f, "/obs").at(input)?;
    let var = read_frame(&f, "/var").at(input)?;
    if obs.index.len() as u64 != n_obs || var.index.len() as u64 != n_var {
        return Err(Error::input(format!(
            "the matrix is {n_obs} x {n_var} but obs has {} rows and var {}",
            obs.index.len(),
            var.index.len()
        )))
        .at(input);
    }
    let t = opts.dtype.unwrap_or(x.dtype());
    let mut report =
        Report { shape: (n_var, n_obs), dtype: Some(t.name().into()), ..Report::default() };
    let mut out = LoomFile::new_all_or_nothing(output, &[]).at(output)?;
    let mut b = out.batch().at(output)?;
    report.nnz =
        loomfile::with_num_type!(t, T => write_layer::<T>(&f, &x, &mut b, "", opts)).at(input)?;
    // X itself becomes the layer `X` when another layer is the main matrix.
    if let Some(m) = &x_as_layer {
        if m.shape() == (n_obs, n_var) {
            let lt = opts.dtype.unwrap_or(m.dtype());
            loomfile::with_num_type!(lt, T => write_layer::<T>(&f, m, &mut b, "X", opts))
                .at(input)?;
        } else {
            report.warnings.push("/X: not of the chosen layer's shape, left out".into());
        }
    }
    // Layers.
    if let Some(Object::Group(g)) = object(&f, "/layers") {
        for name in g.member_names().at(input)? {
            if opts.layer.as_deref() == Some(name.as_str()) {
                continue;
            }
            let p = format!("/layers/{name}");
            if x_as_layer.is_some() && name == "X" {
                report.warnings.push(format!("{p}: clashes with X as a layer, left out"));
                continue;
            }
            match matrix(&f, &p).at(input)? {
                Some(m)
                    if m.shape() == (n_obs, n_var)
                        && loomfile::attrs::check_name(&name).is_ok() =>
                {
                    let lt = opts.dtype.unwrap_or(m.dtype());
                    loomfile::with_num_type!(lt, T => write_layer::<T>(&f, &m, &mut b, &name, opts))
                        .at(input)?;
                }
                _ => report.warnings.push(format!("{p}: not a matrix of X's shape, left out")),
            }
        }
    }
    let mut col_names =
        stage_frame(&mut b, Axis::Cols, &obs, "CellID", "obs_names", &mut report, "obs")
            .at(output)?;
    let mut row_names =
        stage_frame(&mut b, Axis::Rows, &var, "Gene", "var_names", &mut report, "var")
            .at(output)?;
    stage_multi(&f, &mut b, Axis::Cols, "/obsm", n_obs, &mut col_names, &mut report).at(input)?;
    stage_multi(&f, &mut b, Axis::Rows, "/varm", n_var, &mut row_names, &mut report).at(input)?;
    stage_graphs(&f, &mut b, Axis::Cols, "/obsp", n_obs, &mut report).at(input)?;
    stage_graphs(&f, &mut b, Axis::Rows, "/varp", n_var, &mut report).at(input)?;
    stage_uns(&f, &mut b, &mut report).at(input)?;
    b.commit().at(output)?;
    out.close().at(output)?;
    Ok(report)
}
