//! Whole-dataset operations of loompy, done in bounded memory and atomically:
//!
//! - [`LoomFile::add_columns`] (module [`add_columns`]): append columns to every layer and
//!   extend the column attributes;
//! - [`LoomFile::add_loom`] (module [`add_loom`]): append the columns of another loom file,
//!   rows aligned by a key, in column batches; the other file is only read;
//! - [`combine()`]: a new file from the columns of several files;
//! - [`LoomFile::aggregate`] (module [`aggregate`]): one value per row and group of columns;
//! - [`LoomFile::permute`] (module [`permute`]): reorder rows or columns everywhere;
//! - [`subset()`]: a new file from a selection of rows and columns, everything sliced.
//!
//! Imports from other formats (10x MEX folders among them) are the `loomfile-formats` crate.
//!
//! Where these differ from loompy 3.0.8 on purpose:
//! - column attributes are never silently deleted: attributes missing on one side are filled
//!   ([`FillValues::Auto`], the default, or [`FillValues::Map`]); dropping them is the
//!   explicit [`FillValues::Drop`]; attributes whose trailing shapes differ are an error;
//! - numbers are converted exactly or not at all: a value that does not fit the stored
//!   integer type of a layer (0.5 into int32, 70000 into uint16) is an error, and attribute
//!   types are promoted as numpy would (int32 + int64 -> int64);
//! - every call is one atomic commit: on any error nothing changes, in the file or in the
//!   open [`LoomFile`] (staged changes are rolled back);
//! - `add_loom` never writes to the other file (loompy opens it r+ and, with
//!   `convert_attrs`, writes column attributes into it).
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
//! use loomfile::{Axis, Block, FillValues, Sel, ndarray::array};
//! let mut f = LoomFile::open_rw(&path)?;
//! // Two more cells, then the cells in reverse order: each call is one commit.
//! let more = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]];
//! let ids = Values::from(vec!["v", "w"]);
//! f.add_columns(&[("", Block::from(&more))], &[("CellID", ids)], &[], &FillValues::Auto)?;
//! f.permute(&[4, 3, 2, 1, 0], Axis::Cols)?;
//! assert_eq!(
//!     f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(),
//!     ["w", "v", "z", "y", "x"]
//! );
//! assert_eq!(f.read_row::<f32>("", 0, &Sel::All)?.to_vec(), [2.0, 1.0, 2.0, 1.0, 0.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod add_columns;
pub mod add_loom;
pub mod aggregate;
pub mod combine;
pub mod combine_rows;
pub(crate) mod convert;
pub mod permute;
pub(crate) mod region;
pub mod subset;

pub use add_columns::Block;
pub use add_loom::AddLoomOptions;
pub use aggregate::Aggregation;
pub use combine::{CombineOptions, CombineReport, combine_into};
#[cfg(feature = "fs")]
pub use combine::{combine, combine_opened};
#[cfg(feature = "fs")]
pub use combine_rows::combine_rows;
pub use combine_rows::{CombineRowsOptions, combine_rows_into};
#[cfg(feature = "fs")]
pub use subset::subset;
pub use subset::{SubsetReport, subset_into};

use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::values::Values;
use convert::{Kind, cast, concat_all, fill, kind_of, promote};
use std::collections::HashMap;

/// What to do with a column attribute that exists on one side of an append only.
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
/// use loomfile::{Axis, Block, FillValues};
/// let mut f = LoomFile::open_rw(&path)?;
/// let new = Array2::<f32>::zeros((4, 1));
/// // The new column comes without a CellID: fill it with a chosen value.
/// let fill = FillValues::Map(vec![("CellID".into(), Values::from("unknown"))]);
/// f.add_columns(&[("", Block::from(&new))], &[], &[], &fill)?;
/// assert_eq!(
///     f.attr(Axis::Cols, "CellID")?.as_strings().unwrap(),
///     ["x", "y", "z", "unknown"]
/// );
/// // With Drop, an attribute the new columns lack is deleted instead.
/// f.add_columns(&[("", Block::from(&new))], &[], &[], &FillValues::Drop)?;
/// assert!(!f.has_attr(Axis::Cols, "CellID"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FillValues {
    /// Fill the missing values with zeros, empty strings or `false` (loompy's `"auto"`).
    /// The default: unlike loompy's `fill_values=None`, nothing is ever deleted.
    #[default]
    Auto,
    /// Fill with these values (one scalar per attribute name, converted to the attribute's
    /// type); attributes not listed are filled as with [`FillValues::Auto`].
    Map(Vec<(String, Values)>),
    /// Drop every column attribute that is not present on all sides, explicitly (what
    /// loompy does silently when `fill_values` is `None`).
    Drop,
}

impl FillValues {
    fn scalar(&self, name: &str) -> Option<&Values> {
        match self {
            FillValues::Map(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// One side of a concatenation along an axis: its number of items and its attributes of
/// that axis.
pub(crate) struct Side {
    pub items: usize,
    pub attrs: Vec<(String, Values)>,
}

/// "row" or "column".
fn item_word(axis: Axis) -> &'static str {
    match axis {
        Axis::Rows => "row",
        Axis::Cols => "column",
    }
}

/// The attributes of `axis` after concatenating `sides` in order along it: every name that
/// appears on any side (or on all sides with [`FillValues::Drop`]), promoted to a common
/// type, with fill values where a side lacks it. Trailing shapes must agree.
pub(crate) fn merge_attrs(
    axis: Axis,
    sides: &[Side],
    fv: &FillValues,
) -> Result<Vec<(String, Values)>> {
    let mut names: Vec<String> = Vec::new();
    for s in sides {
        for (k, v) in &s.attrs {
            if v.shape().is_empty() || v.len() != s.items {
                return Err(Error::Shape {
                    what: format!("{} attribute {k:?}", item_word(axis)),
                    expected: vec![s.items as u64],
                    got: v.shape().iter().map(|&d| d as u64).collect(),
                });
            }
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let lookup: Vec<HashMap<&str, &Values>> =
        sides.iter().map(|s| s.attrs.iter().map(|(k, v)| (k.as_str(), v)).collect()).collect();
    let mut out = Vec::new();
    for name in names {
        let present: Vec<&Values> =
            lookup.iter().filter_map(|m| m.get(name.as_str())).copied().collect();
        if *fv == FillValues::Drop && present.len() < sides.len() {
            continue;
        }
        let what = format!("{} attribute {name:?}", item_word(axis));
        let first = present[0];
        let trailing = &first.shape()[1..];
        let mut kind: Kind = kind_of(first);
        for v in &present[1..] {
            if &v.shape()[1..] != trailing {
                return Err(Error::invalid(format!(
                    "{what}: shape {:?} and {:?} differ beyond the first axis",
                    first.shape(),
                    v.shape()
                )));
            }
            let k = kind_of(v);
            kind = promote(&kind, &k).ok_or_else(|| {
                Error::invalid(format!("{what}: cannot combine {} with {}", kind.name(), k.name()))
            })?;
        }
        let template = cast(first, &kind, &what)?;
        // alloc: sides.len(), caller's list of files
        let mut parts = Vec::with_capacity(sides.len());
        for (s, m) in sides.iter().zip(&lookup) {
            parts.push(match m.get(name.as_str()) {
                Some(v) => cast(v, &kind, &what)?,
                None => fill(&template, s.items, fv.scalar(&name), &what)?,
            });
        }
        out.push((name, concat_all(&parts)?));
    }
    Ok(out)
}

/// A hashable form of key values (strings; integers, with integral floats as integers;
/// other floats by their bits).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum KeyVal {
    S(String),
    I(i128),
    F(u64),
}

impl std::fmt::Display for KeyVal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyVal::S(s) => write!(f, "{s:?}"),
            KeyVal::I(i) => write!(f, "{i}"),
            KeyVal::F(b) => write!(f, "{}", f64::from_bits(*b)),
        }
    }
}

fn key_values(f: &LoomFile, axis: Axis, key: &str, which: &str) -> Result<Vec<KeyVal>> {
    let v = f.attr(axis, key)?;
    if v.shape().len() != 1 {
        return Err(Error::invalid(format!(
            "key {key:?} in {which} must be a 1-D {} attribute, not of shape {:?}",
            item_word(axis),
            v.shape()
        )));
    }
    if let Some(s) = v.as_strings() {
        return Ok(s.into_iter().map(KeyVal::S).collect());
    }
    let n = convert::nums(&v).ok_or_else(|| {
        Error::invalid(format!("key {key:?} in {which} is {}, not text or numbers", v.dtype_name()))
    })?;
    Ok(n.into_iter()
        .map(|x| match x {
            crate::numeric::Scalar::I(i) => KeyVal::I(i),
            crate::numeric::Scalar::F(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e30 => {
                KeyVal::I(x as i128)
            }
            crate::numeric::Scalar::F(x) => KeyVal::F(if x == 0.0 { 0 } else { x.to_bits() }),
        })
        .collect())
}

/// Alignment of `other`'s items of `axis` to `base`'s by the attribute `key`: `Some(v)`
/// with `v[i]` = the item of `other` holding `base`'s key of item `i`; `None` when the items
/// are already in the same order. Keys must be unique and the same set in both files.
pub(crate) fn align(
    base: &LoomFile,
    other: &LoomFile,
    axis: Axis,
    key: Option<&str>,
) -> Result<Option<Vec<u64>>> {
    let word = item_word(axis);
    let len = |f: &LoomFile| if axis == Axis::Rows { f.shape().0 } else { f.shape().1 };
    let (n, n2) = (len(base), len(other));
    let Some(key) = key else {
        if n != n2 {
            return Err(Error::invalid(format!(
                "the files have {n} and {n2} {word}s (give a key to align {word}s)"
            )));
        }
        return Ok(None);
    };
    let a = key_values(base, axis, key, "this file")?;
    let b = key_values(other, axis, key, "the other file")?;
    if a.len() != b.len() {
        return Err(Error::invalid(format!(
            "key {key:?}: the files have {} and {} {word}s",
            a.len(),
            b.len()
        )));
    }
    // alloc: b.len(), key values already read
    let mut pos: HashMap<&KeyVal, u64> = HashMap::with_capacity(b.len());
    for (j, k) in b.iter().enumerate() {
        if pos.insert(k, j as u64).is_some() {
            return Err(Error::invalid(format!(
                "key {key:?}: value {k} appears more than once in the other file (use a unique key)"
            )));
        }
    }
    // alloc: a.len(), key values already read
    let mut seen = std::collections::HashSet::with_capacity(a.len());
    // alloc: a.len(), key values already read
    let mut order = Vec::with_capacity(a.len());
    for k in &a {
        if !seen.insert(k) {
            return Err(Error::invalid(format!(
                "key {key:?}: value {k} appears more than once in this file (use a unique key)"
            )));
        }
        match pos.get(k) {
            Some(&j) => order.push(j),
            None => {
                return Err(Error::invalid(format!(
                    "key {key:?}: value {k} is missing from the other file (the {word} keys must be the same set)"
                )));
            }
        }
    }
    if order.iter().enumerate().all(|(i, &j)| i as u64 == j) {
        return Ok(None);
    }
    Ok(Some(order))
}

/// Global attribute names that are bookkeeping, never converted or copied.
/// Open the input files of an operation that writes a new file at `out`, refusing an input
/// that is `out` itself (the output would replace what is being read).
#[cfg(feature = "fs")]
pub(crate) fn open_inputs<P: AsRef<std::path::Path>>(
    files: &[P],
    out: &std::path::Path,
) -> Result<Vec<LoomFile>> {
    let out_real = out.canonicalize().ok();
    files
        .iter()
        .map(|p| {
            if out_real.is_some() && p.as_ref().canonicalize().ok() == out_real {
                return Err(Error::invalid(format!(
                    "{} is both an input and the output",
                    out.display()
                )));
            }
            LoomFile::open(p)
        })
        .collect()
}

pub(crate) fn is_bookkeeping_global(name: &str) -> bool {
    matches!(name, "LOOM_SPEC_VERSION" | "last_modified")
}

impl LoomFile {
    /// Run `f`, then commit; on any error roll every staged change back (file and view).
    pub(crate) fn atomically<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        self.writer()?;
        let shape = self.shape;
        let spec = self.spec.clone();
        match f(self).and_then(|r| self.commit().map(|_| r)) {
            Ok(r) => Ok(r),
            Err(e) => {
                self.rollback_to(shape, spec);
                Err(e)
            }
        }
    }

    /// Every column attribute, read whole.
    pub(crate) fn all_attrs(&self, axis: Axis) -> Result<Vec<(String, Values)>> {
        self.attr_names(axis).into_iter().map(|n| Ok((n.clone(), self.attr(axis, &n)?))).collect()
    }

    /// Stage the deletion of a global attribute (dataset under `/attrs`, or root attribute).
    pub(crate) fn stage_delete_global(&mut self, name: &str) -> Result<()> {
        if self.exists("/attrs") {
            self.writer()?.delete(&format!("/attrs/{name}"))?;
        } else {
            self.writer()?.delete_attr("/", name)?;
        }
        Ok(())
    }
}
