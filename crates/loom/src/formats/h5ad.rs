//! AnnData `.h5ad` files to and from loom.
//!
//! AnnData is cells x genes (`obs` x `var`); loom is genes x cells. Matrices are transposed
//! one chunk band at a time, never densified or held whole: a CSR `X` (rows = cells) fills
//! bands of loom columns, a CSC `X` bands of loom rows ([`super::stored_sparse`]), and a
//! dense `X` is copied one band of cells at a time straight into the loom chunk grid.
//!
//! ## h5ad -> loom
//!
//! | h5ad | loom |
//! |---|---|
//! | `X` (csr, csc or dense) | main matrix (type kept, or `dtype`) |
//! | `layers/NAME` | layer `NAME` |
//! | `obs` columns / `var` columns | column / row attributes of the same names |
//! | `obsm/K`, `varm/K` (dense arrays) | multi-column (2-D) column / row attributes `K` |
//! | `obsp/K`, `varp/K` (sparse) | column / row graphs `K` |
//! | `uns` strings and numeric scalars | global attributes |
//!
//! **Naming rule (index -> `CellID` / `Gene`).** The `obs` index becomes the column attribute
//! `CellID`, unless `obs` already has a column named `CellID`: then that column is `CellID`
//! and the index is stored as `obs_names` (the name `anndata.write_loom` uses). Likewise the
//! `var` index becomes `Gene`, unless `var` has a `Gene` column, in which case the index is
//! stored as `var_names`. The name of a named index (an `_index` attribute other than
//! `"_index"`, e.g. `barcode`) is kept in the HDF5 attribute `anndata-index` of the loom
//! attribute that holds the index.
//!
//! Column types: string arrays -> strings; numeric arrays -> the same type; booleans ->
//! uint8 (loom has no bool type) marked `anndata-dtype = "bool"`; categoricals -> their
//! values as strings (missing -> `""`), marked `anndata-dtype = "category"` with the
//! category list (`anndata-categories`, up to 2000) and order flag (`anndata-ordered`);
//! nullable integers/booleans -> the plain type when nothing is missing, float64 with NaN
//! otherwise; nullable strings -> strings with `""` for missing. The frame's column order
//! is kept in `anndata-column-order` on `/row_attrs` / `/col_attrs`. These HDF5 attributes
//! are invisible to loompy and let loom -> h5ad restore the exact frames. Other elements
//! (sparse or dataframe `obsm`, nested `uns`, ...) are left out with a warning.
//!
//! ## loom -> h5ad
//!
//! An anndata 0.12 file written like `anndata.write_h5ad` (encoding-type/-version attributes
//! as anndata writes them): `X` is the main matrix (or `layer`) transposed, as
//! `csr_matrix` (data in the layer's type, int32 indices, indptr int32 or int64), streamed
//! one band of cells at a time; other layers go to `layers` (with `layer`, the main matrix
//! becomes `layers/matrix`, as `anndata.read_loom` names it). Column attributes become
//! `obs`, row attributes `var`: the index is `obs_names` if present, else `CellID`, else
//! `0..n` (`var_names`, else `Gene`), named by `anndata-index` when present; the marks above
//! restore booleans and categoricals; 2-D attributes go to `obsm`/`varm`, graphs to
//! `obsp`/`varp` (csr, float64), globals (except `LOOM_SPEC_VERSION`, `CreationDate`,
//! `last_modified`) to `uns`. Chunks are uncompressed unless `gzip` is set.

use super::stored_sparse::StoredSparse;
use super::util::{Compressed, Ctx, Num, check_indptr, num_type, read_1d, transpose, with_num};
use super::{ConvertOptions, Report};
use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::graphs::Graph;
use crate::layers::Sel;
use crate::values::{NumType, Values, read_dataset, to_storage};
use loomfile_hdf5::raw::messages::dataspace::Dataspace;
use loomfile_hdf5::write::Data;
use loomfile_hdf5::{AttrValue, Attribute, DatasetSpec, Datatype, File, Object, Selection, Writer};
use std::path::Path;

/// HDF5 attribute marking a loom attribute that held a frame's index (value: index name).
pub const INDEX_MARK: &str = "anndata-index";
/// HDF5 attribute marking the pandas dtype of a column (`bool`, `category`).
pub const DTYPE_MARK: &str = "anndata-dtype";
/// HDF5 attribute with the categories of a categorical column.
pub const CATEGORIES_MARK: &str = "anndata-categories";
/// HDF5 attribute with the ordered flag of a categorical column (uint8 1 when ordered).
pub const ORDERED_MARK: &str = "anndata-ordered";
/// HDF5 attribute on `/row_attrs` / `/col_attrs` with the frame's column order.
pub const ORDER_MARK: &str = "anndata-column-order";

const MAX_CATEGORIES: usize = 2000;

// ======================================================================================
// h5ad -> loom
// ======================================================================================

fn attr_of(o: &Object, name: &str) -> Option<Attribute> {
    o.attributes().ok()?.into_iter().find(|a| a.name() == name)
}

fn attr_str(o: &Object, name: &str) -> Option<String> {
    attr_of(o, name)?.read_strings().ok()?.into_iter().next()
}

fn enc_type(o: &Object) -> String {
    attr_str(o, "encoding-type").unwrap_or_default()
}

fn object(f: &File, path: &str) -> Option<Object> {
    f.object(path).ok()
}

/// Where a matrix element is and how it is stored.
enum Matrix {
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

fn matrix(f: &File, path: &str) -> Result<Option<Matrix>> {
    let Some(o) = object(f, path) else { return Ok(None) };
    match &o {
        Object::Dataset(d) => {
            let s = d.shape().unwrap_or_default();
            if s.len() != 2 {
                return Err(Error::invalid(format!("{path}: a {}-D array, not a matrix", s.len())));
            }
            Ok(Some(Matrix::Dense { path: path.into(), shape: (s[0], s[1]), dtype: num_type(d)? }))
        }
        Object::Group(_) => {
            let enc = enc_type(&o);
            let (csr, shape) = match enc.as_str() {
                "csr_matrix" | "csc_matrix" => {
                    let a = attr_of(&o, "shape")
                        .ok_or_else(|| Error::invalid(format!("{path}: no shape attribute")))?;
                    (enc == "csr_matrix", a.read::<u64>()?)
                }
                _ => match attr_str(&o, "h5sparse_format").as_deref() {
                    // anndata < 0.7
                    Some(fmt @ ("csr" | "csc")) => {
                        let a = attr_of(&o, "h5sparse_shape")
                            .ok_or_else(|| Error::invalid(format!("{path}: no shape")))?;
                        (fmt == "csr", a.read::<u64>()?)
                    }
                    _ => {
                        return Err(Error::invalid(format!(
                            "{path}: encoding {enc:?} is not a matrix anndata writes"
                        )));
                    }
                },
            };
            if shape.len() != 2 {
                return Err(Error::invalid(format!("{path}: shape {shape:?} is not 2-D")));
            }
            let d = f.dataset(&format!("{path}/data"))?;
            Ok(Some(Matrix::Sparse {
                group: path.into(),
                csr,
                shape: (shape[0], shape[1]),
                dtype: num_type(&d)?,
            }))
        }
        Object::Datatype(_) => Err(Error::invalid(format!("{path} is a committed datatype"))),
    }
}

/// Read a sparse element as rows-compressed genes x cells (the transpose of anndata's).
fn read_transposed<T: Num>(
    f: &File,
    group: &str,
    csr: bool,
    shape: (u64, u64),
) -> Result<Compressed<T>> {
    let (n_obs, n_var) = shape;
    let indptr: Vec<u64> = read_1d(&f.dataset(&format!("{group}/indptr"))?)?;
    let indices: Vec<u32> = read_1d(&f.dataset(&format!("{group}/indices"))?)?;
    let data: Vec<T> = read_1d(&f.dataset(&format!("{group}/data"))?)?;
    if csr {
        transpose(n_obs, n_var, &indptr, &indices, &data, None, group)
    } else {
        // csc of cells x genes = rows-compressed genes x cells.
        check_indptr(&indptr, n_var, indices.len() as u64, group)?;
        if indices.len() != data.len() {
            return Err(Error::invalid(format!("{group}: indices and data differ in length")));
        }
        if let Some(&bad) = indices.iter().find(|&&i| i as u64 >= n_obs) {
            return Err(Error::invalid(format!("{group}: index {bad} outside 0..{n_obs}")));
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
    out: &mut LoomFile,
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
            let r = out.stage_layer_cols::<T>(
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
enum Kind {
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
fn nullable_name(t: NumType) -> Option<&'static str> {
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

struct Frame {
    index_name: Option<String>,
    index: Vec<String>,
    columns: Vec<(String, Values, Kind)>,
    skipped: Vec<String>,
}

fn strings_of(v: &Values) -> Vec<String> {
    match v {
        Values::String(a) => a.iter().cloned().collect(),
        other => super::util::text_cells(other).unwrap_or_default(),
    }
}

fn read_column(f: &File, path: &str, n: u64) -> Result<Option<(Values, Kind)>> {
    let Some(o) = object(f, path) else { return Ok(None) };
    let enc = enc_type(&o);
    let col = match (&o, enc.as_str()) {
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
            let k = cats.len() as i64;
            match &cats {
                Values::String(c) => {
                    let c: Vec<String> = c.iter().cloned().collect();
                    let vals: Vec<String> =
                        codes
                            .iter()
                            .map(|&i| {
                                if i >= 0 && i < k { c[i as usize].clone() } else { String::new() }
                            })
                            .collect();
                    (Values::strings(&vals), Kind::Category { categories: cats.clone(), ordered })
                }
                other => {
                    let c = other.to_f64().ok_or_else(|| {
                        Error::invalid(format!(
                            "{path}: categories are neither strings nor numbers"
                        ))
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
            }
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
                        v => v.to_f64().ok_or_else(|| Error::invalid(format!("{path}: values")))?,
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
    let o = object(f, path).ok_or_else(|| Error::invalid(format!("no {path} dataframe")))?;
    let enc = enc_type(&o);
    if !matches!(o, Object::Group(_)) || (!enc.is_empty() && enc != "dataframe") {
        return Err(Error::invalid(format!("{path}: encoding {enc:?} is not a dataframe")));
    }
    let index_key = attr_str(&o, "_index").unwrap_or_else(|| "_index".into());
    let ds = f
        .dataset(&format!("{path}/{index_key}"))
        .map_err(|_| Error::invalid(format!("{path}: no index dataset {index_key:?}")))?;
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
    out: &mut LoomFile,
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
    out.stage_attr(axis, &index_attr, &Values::strings(&frame.index))?;
    let group = axis.attrs_group();
    let index_path = format!("{group}/{index_attr}");
    if let Some(name) = &frame.index_name {
        out.writer()?.set_attr(&index_path, INDEX_MARK, AttrValue::string(name))?;
    }
    let mut names = vec![index_attr.clone()];
    let mut order = Vec::new();
    for (name, v, kind) in &frame.columns {
        if name == &index_attr || crate::attrs::check_name(name).is_err() {
            report
                .warnings
                .push(format!("{what} column {name:?}: not a usable attribute name, left out"));
            continue;
        }
        out.stage_attr(axis, name, v)?;
        let p = format!("{group}/{name}");
        let w = out.writer()?;
        match kind {
            Kind::Plain => {}
            Kind::Bool => w.set_attr(&p, DTYPE_MARK, AttrValue::string("bool"))?,
            Kind::Nullable(n) => w.set_attr(&p, DTYPE_MARK, AttrValue::string(n))?,
            Kind::Category { categories, ordered } => {
                w.set_attr(&p, DTYPE_MARK, AttrValue::string("category"))?;
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
                        w.set_attr(&p, CATEGORIES_MARK, a)?;
                    }
                }
                if *ordered {
                    w.set_attr(&p, ORDERED_MARK, AttrValue::scalar(1u8))?;
                }
            }
        }
        names.push(name.clone());
        order.push(name.clone());
    }
    if !order.is_empty() && order.len() <= MAX_CATEGORIES {
        out.writer()?.set_attr(group, ORDER_MARK, vlen_strings_attr(&order))?;
    }
    for s in &frame.skipped {
        report.warnings.push(format!("{what} column {s:?}: unsupported encoding, left out"));
    }
    Ok(names)
}

/// Dense 2-D `obsm`/`varm` arrays as multi-column attributes.
fn stage_multi(
    f: &File,
    out: &mut LoomFile,
    axis: Axis,
    group: &str,
    n: u64,
    taken: &mut Vec<String>,
    report: &mut Report,
) -> Result<()> {
    let Some(Object::Group(g)) = object(f, group) else { return Ok(()) };
    for name in g.member_names()? {
        let p = format!("{group}/{name}");
        let ok = match object(f, &p) {
            Some(Object::Dataset(d)) if d.shape().is_some_and(|s| s.len() == 2 && s[0] == n) => {
                if taken.contains(&name) || crate::attrs::check_name(&name).is_err() {
                    report.warnings.push(format!("{p}: name clashes with a column, left out"));
                    continue;
                }
                match read_dataset(&d, false) {
                    Ok(v) if v.num_type().is_some() || matches!(v, Values::String(_)) => {
                        out.stage_attr(axis, &name, &v)?;
                        taken.push(name.clone());
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !ok {
            report.warnings.push(format!("{p}: only dense 2-D arrays become attributes, left out"));
        }
    }
    Ok(())
}

/// Sparse `obsp`/`varp` matrices as graphs.
fn stage_graphs(
    f: &File,
    out: &mut LoomFile,
    axis: Axis,
    group: &str,
    n: u64,
    report: &mut Report,
) -> Result<()> {
    let Some(Object::Group(g)) = object(f, group) else { return Ok(()) };
    for name in g.member_names()? {
        let p = format!("{group}/{name}");
        match matrix(f, &p) {
            Ok(Some(Matrix::Sparse { group: sg, csr, shape, .. }))
                if shape == (n, n) && crate::attrs::check_name(&name).is_ok() =>
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
                out.stage_graph(axis, &name, &gr)?;
            }
            _ => report
                .warnings
                .push(format!("{p}: only sparse n x n matrices become graphs, left out")),
        }
    }
    Ok(())
}

/// Scalars of `uns` as global attributes.
fn stage_uns(f: &File, out: &mut LoomFile, report: &mut Report) -> Result<()> {
    let Some(Object::Group(g)) = object(f, "/uns") else { return Ok(()) };
    let mut skipped = Vec::new();
    for name in g.member_names()? {
        let p = format!("/uns/{name}");
        let reserved =
            matches!(name.as_str(), "LOOM_SPEC_VERSION" | "CreationDate" | "last_modified");
        let v = match object(f, &p) {
            Some(o @ Object::Dataset(_)) if !reserved => {
                let enc = enc_type(&o);
                let Object::Dataset(d) = o else { unreachable!() };
                if matches!(enc.as_str(), "string" | "numeric-scalar" | "")
                    && d.shape().is_some_and(|s| s.is_empty())
                {
                    read_dataset(&d, false).ok()
                } else {
                    None
                }
            }
            _ => None,
        };
        match v {
            Some(
                v @ (Values::String(_)
                | Values::Float64(_)
                | Values::Float32(_)
                | Values::Int64(_)
                | Values::Int32(_)
                | Values::Int16(_)
                | Values::Int8(_)
                | Values::UInt8(_)
                | Values::UInt16(_)
                | Values::UInt32(_)
                | Values::UInt64(_)),
            ) if crate::attrs::check_name(&name).is_ok() => out.stage_global(&name, &v)?,
            _ => skipped.push(name),
        }
    }
    if !skipped.is_empty() {
        report.warnings.push(format!(
            "uns entries left out (only string and numeric scalars become globals): {}",
            skipped.join(", ")
        ));
    }
    Ok(())
}

/// Convert an h5ad file to a loom file (see the module documentation).
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
        return Err(Error::invalid("not an h5ad file (no anndata encoding, no /obs)")).at(input);
    }
    let x =
        matrix(&f, "/X").at(input)?.ok_or_else(|| Error::invalid("the file has no X")).at(input)?;
    let (n_obs, n_var) = x.shape();
    let obs = read_frame(&f, "/obs").at(input)?;
    let var = read_frame(&f, "/var").at(input)?;
    if obs.index.len() as u64 != n_obs || var.index.len() as u64 != n_var {
        return Err(Error::invalid(format!(
            "X is {n_obs} x {n_var} but obs has {} rows and var {}",
            obs.index.len(),
            var.index.len()
        )))
        .at(input);
    }
    let t = opts.dtype.unwrap_or(x.dtype());
    let mut report =
        Report { shape: (n_var, n_obs), dtype: Some(t.name().into()), ..Report::default() };
    let mut out = LoomFile::new(output, &[]).at(output)?;
    report.nnz = with_num!(t, T => write_layer::<T>(&f, &x, &mut out, "", opts)).at(input)?;
    // Layers.
    if let Some(Object::Group(g)) = object(&f, "/layers") {
        for name in g.member_names().at(input)? {
            let p = format!("/layers/{name}");
            match matrix(&f, &p).at(input)? {
                Some(m)
                    if m.shape() == (n_obs, n_var) && crate::attrs::check_name(&name).is_ok() =>
                {
                    let lt = opts.dtype.unwrap_or(m.dtype());
                    with_num!(lt, T => write_layer::<T>(&f, &m, &mut out, &name, opts))
                        .at(input)?;
                }
                _ => report.warnings.push(format!("{p}: not a matrix of X's shape, left out")),
            }
        }
    }
    let mut col_names =
        stage_frame(&mut out, Axis::Cols, &obs, "CellID", "obs_names", &mut report, "obs")
            .at(output)?;
    let mut row_names =
        stage_frame(&mut out, Axis::Rows, &var, "Gene", "var_names", &mut report, "var")
            .at(output)?;
    stage_multi(&f, &mut out, Axis::Cols, "/obsm", n_obs, &mut col_names, &mut report).at(input)?;
    stage_multi(&f, &mut out, Axis::Rows, "/varm", n_var, &mut row_names, &mut report).at(input)?;
    stage_graphs(&f, &mut out, Axis::Cols, "/obsp", n_obs, &mut report).at(input)?;
    stage_graphs(&f, &mut out, Axis::Rows, "/varp", n_var, &mut report).at(input)?;
    stage_uns(&f, &mut out, &mut report).at(input)?;
    out.commit().at(output)?;
    out.close().at(output)?;
    Ok(report)
}

// ======================================================================================
// loom -> h5ad
// ======================================================================================

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
        let mut raw = Vec::with_capacity(ints.len() * 8);
        for &i in &ints {
            crate::reader::write_as(t, i as f64, &mut raw);
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
fn write_frame(
    f: &LoomFile,
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
        let v = f.attr(axis, &name)?;
        match v.shape().len() {
            1 => columns.push((name, v)),
            2 => multis.push((name, v)),
            _ => report
                .warnings
                .push(format!("{} {name}: more than 2-D, left out", axis.attrs_group())),
        }
    }
    let index: Vec<String> = match &index_attr {
        Some(a) => strings_of(&f.attr(axis, a)?),
        None => (0..n).map(|i| i.to_string()).collect(),
    };
    let mut index_key = index_attr
        .as_ref()
        .and_then(|a| mark_str(f, axis, a, INDEX_MARK))
        .unwrap_or_else(|| "_index".into());
    if columns.iter().any(|(c, _)| c == &index_key) || crate::attrs::check_name(&index_key).is_err()
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
                    .and_then(|a| crate::values::read_attribute(&a, false).ok());
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
    let mut indptr: Vec<u64> = Vec::with_capacity(n_obs as usize + 1);
    indptr.push(0);
    let band_w = f.layer_info(layer)?.chunks.and_then(|c| c.get(1).copied()).unwrap_or(64).max(1);
    let mut nnz = 0u64;
    let mut c0 = 0;
    opts.begin(if layer.is_empty() { "writing X" } else { "writing layer" }, Some(n_obs));
    while c0 < n_obs {
        let c1 = (c0 + band_w).min(n_obs);
        let band = f.read_layer::<T>(layer, &Sel::All, &Sel::Range(c0, c1))?;
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
fn write_graph(w: &mut Writer, path: &str, g: &Graph, n: u64) -> Result<()> {
    let mut order: Vec<usize> = (0..g.edges()).collect();
    order.sort_by_key(|&k| (g.a[k], g.b[k]));
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
    let t = opts.dtype.unwrap_or(f.layer_dtype(&x_layer)?);
    report.dtype = Some(t.name().into());
    report.nnz = Some(with_num!(t, T => write_csr::<T>(f, &x_layer, &mut w, "/X", opts))?);
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
        let lt = opts.dtype.unwrap_or(f.layer_dtype(name)?);
        with_num!(lt, T => write_csr::<T>(f, name, &mut w, &format!("/layers/{out_name}"), opts))?;
    }
    write_frame(f, &mut w, Axis::Cols, "/obs", "/obsm", ["obs_names", "CellID"], report)?;
    write_frame(f, &mut w, Axis::Rows, "/var", "/varm", ["var_names", "Gene"], report)?;
    for (axis, group) in [(Axis::Cols, "/obsp"), (Axis::Rows, "/varp")] {
        dict_group(&mut w, group)?;
        for name in f.graph_names(axis) {
            let g = f.graph(axis, &name)?;
            write_graph(&mut w, &format!("{group}/{name}"), &g, f.len(axis))?;
        }
    }
    write_uns(f, &mut w, report)?;
    w.finish()?;
    Ok(())
}

/// Convert a loom file to an h5ad file (see the module documentation).
pub fn from_loom(input: &Path, output: &Path, opts: &ConvertOptions) -> Result<Report> {
    let f = super::util::open_loom(input)?;
    let (n, m) = f.shape();
    if n == 0 || m == 0 {
        return Err(Error::invalid("the loom file has no main matrix")).at(input);
    }
    let mut report = Report { shape: (n, m), ..Report::default() };
    write_h5ad(&f, output, opts, &mut report).at(output)?;
    Ok(report)
}
