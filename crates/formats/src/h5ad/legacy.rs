//! The h5ad layouts of anndata before 0.8, read as anndata 0.12 reads them.
//!
//! **anndata < 0.7** (0.5, 0.6; kb_python, old scvi-tools and cellxgene files):
//! - `obs` and `var` are compound datasets: the first field is the index (`index`), every
//!   other field a column;
//! - a categorical column stores integer codes, its categories in `uns/<column>_categories`
//!   (anndata turns the pair into a pandas Categorical and drops the uns entry);
//! - `obsm` and `varm` are compound datasets with one array field per key (`X_pca (50,)`);
//! - sparse matrices are groups marked `h5sparse_format` / `h5sparse_shape`;
//! - neighbour graphs sit in `uns/neighbors/{connectivities, distances}` (anndata moves them
//!   to `obsp`).
//!
//! **anndata 0.7** keeps a categorical column as its integer codes with an HDF5 attribute
//! `categories`: an object reference to the category strings under `__categories`.

use super::read::{Frame, Kind, categorical, strings_of};
use loomfile::error::{Error, Result};
use loomfile::values::{Values, read_dataset};
use loomfile_hdf5::{Dataset, Datatype, File, Object};

/// True when a frame column carries anndata 0.7's `categories` reference.
pub(super) fn has_reference_categories(d: &Dataset) -> bool {
    matches!(
        d.attribute("categories"),
        Ok(Some(a)) if loomfile_hdf5::convert::is_object_reference(a.dtype())
    )
}

/// The categories a column's `categories` reference points to.
pub(super) fn reference_categories(f: &File, d: &Dataset) -> Result<Values> {
    let a = d
        .attribute("categories")?
        .ok_or_else(|| Error::input(format!("{}: no categories attribute", d.path())))?;
    let target = f
        .dereference(a.raw())?
        .ok_or_else(|| Error::input(format!("{}: the categories reference is null", d.path())))?;
    match target {
        Object::Dataset(c) => read_dataset(&c, false),
        other => Err(Error::input(format!(
            "{}: categories reference points to {}, not a dataset",
            d.path(),
            other.path()
        ))),
    }
}

/// The categories of column `name` kept in `uns/<name>_categories` (anndata < 0.7).
pub(super) fn uns_categories(f: &File, name: &str) -> Option<Values> {
    match f.object(&format!("/uns/{name}_categories")) {
        Ok(Object::Dataset(d)) => read_dataset(&d, false).ok().filter(|v| v.shape().len() == 1),
        _ => None,
    }
}

/// True when the file is in the layout before anndata 0.7 (compound `obs`).
pub(super) fn is_pre_07(f: &File) -> bool {
    matches!(f.object("/obs"), Ok(Object::Dataset(_)))
}

/// A compound `obs` / `var` dataset as a frame.
pub(super) fn compound_frame(f: &File, d: &Dataset) -> Result<Frame> {
    let path = d.path().to_string();
    if !matches!(d.dtype(), Datatype::Compound { .. }) {
        return Err(Error::input(format!("{path}: neither a dataframe group nor records")));
    }
    let Values::Compound(fields) = read_dataset(d, false)? else {
        return Err(Error::input(format!("{path}: records expected")));
    };
    let mut fields = fields.into_iter();
    let (_, index) = fields
        .next()
        .ok_or_else(|| Error::input(format!("{path}: records without an index field")))?;
    let index = strings_of(&index);
    let n = index.len();
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for (name, v) in fields {
        if v.shape() != [n] {
            skipped.push(name);
            continue;
        }
        let col = match (uns_categories(f, &name), v) {
            (Some(cats), codes) if codes.num_type().is_some_and(|t| !t.is_float()) => {
                let codes: Vec<i64> =
                    codes.to_f64().unwrap_or_default().iter().map(|&x| x as i64).collect();
                categorical(&format!("{path}.{name}"), &codes, cats, false)?
            }
            (_, v @ Values::Bool(_)) => (v, Kind::Bool),
            (_, v) if v.num_type().is_some() || matches!(v, Values::String(_)) => (v, Kind::Plain),
            _ => {
                skipped.push(name);
                continue;
            }
        };
        columns.push((name, col.0, col.1));
    }
    Ok(Frame { index_name: None, index, columns, skipped })
}

/// A compound `obsm` / `varm` dataset: one 2-D (or 1-D) array per field.
pub(super) fn compound_multi(d: &Dataset) -> Result<Vec<(String, Values)>> {
    match read_dataset(d, false)? {
        Values::Compound(fields) => Ok(fields),
        _ => Ok(Vec::new()),
    }
}

/// Column names whose categories came from uns (those uns entries are not globals).
pub(super) fn consumed_uns(f: &File) -> Vec<String> {
    let mut out = Vec::new();
    for frame in ["/obs", "/var"] {
        if let Ok(Object::Dataset(d)) = f.object(frame)
            && let Datatype::Compound { members, .. } = d.dtype()
        {
            for m in members.iter().skip(1) {
                let key = format!("{}_categories", m.name);
                if f.exists(&format!("/uns/{key}")) && !out.contains(&key) {
                    out.push(key);
                }
            }
        }
    }
    out
}
