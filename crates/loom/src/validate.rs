//! Validation against the Loom specification and, on request, loompy's conventions.
//!
//! [`validate`] (or [`validate_path`], [`validate_hdf5`]) walks the file at the HDF5 level —
//! it never needs the file to open as a [`LoomFile`], so a file without `/matrix` or with a
//! 3-D `/matrix` gets a report, not a crash — and lists **every** problem found as a
//! [`Problem`]: its object path, severity, the [`Check`] that found it (a stable code) and a
//! message starting with that path.
//!
//! # What "valid" means here
//!
//! A file is valid when [`Report::errors`] is empty. Warnings never make a file invalid.
//!
//! The spec version is read as loompy reads it (`/attrs/LOOM_SPEC_VERSION`, overridden by a
//! root attribute of that name): 3.x is *spec 3*, 2.x is *spec 2*, anything older or absent is
//! *legacy* (pre-2.0).
//!
//! **Spec checks (always):**
//! - Required groups: `/row_attrs`, `/col_attrs`, `/row_graphs`, `/col_graphs` (spec 2 and 3)
//!   and `/attrs` with `/attrs/LOOM_SPEC_VERSION` (spec 3). Missing ones are errors for spec 2/3
//!   files and warnings for legacy files (loompy 1.x wrote no graph groups). A required path
//!   that exists as something other than a group, and a `/layers` that is not a group, are
//!   errors in every version.
//! - `/matrix` exists and is a 2-D dataset of int8–int64, uint8–uint64 or float16/32/64 (any
//!   byte order). When it is missing or malformed, the checks that need its shape (layer shapes,
//!   attribute lengths, vertex ranges) are skipped and a warning says so.
//! - Each `/layers/X` is a dataset of the matrix's shape and an allowed numeric dtype.
//! - Each `/row_attrs/X` (`/col_attrs/X`) is a dataset of rank ≥ 1 whose first dimension is
//!   the row (column) count, with an *attribute dtype*: numeric as above, or a string —
//!   fixed-length or variable-length, ASCII or UTF-8, in **every** spec version (loompy's
//!   validator wants exactly vlen in 3.0.0 and exactly fixed-length otherwise; both kinds are
//!   read correctly by every reader, including ours). Compound (SCope's `Embedding`,
//!   `RegulonsAUC`; loompy's complex numbers), enum (R logicals) and bool attributes are
//!   **valid** too, as long as every compound field is itself numeric, string, enum or an array
//!   of those: real files carry them and our reader returns them. Anything else (opaque,
//!   references, bitfields, vlen sequences, array elements, time, HDF5 2.0 complex, a null
//!   dataspace) is an error.
//! - Global attributes (`/attrs/X` datasets when `/attrs` exists, otherwise root HDF5
//!   attributes) have an attribute dtype (any shape). In spec 3 files, root attributes other
//!   than `last_modified` (which loompy itself stamps there) and `LOOM_SPEC_VERSION` are
//!   warnings: the spec forbids writers to put globals there, and readers ignore them.
//! - Graphs (`/row_graphs/G`, `/col_graphs/G`, and the legacy `/row_edges/G`, `/col_edges/G`,
//!   which are also warned about in spec 2/3 files): a group holding 1-D datasets `a`, `b`
//!   (integer) and `w` (float) of equal length, every vertex in `0..n` (n = rows for row
//!   graphs, columns for column graphs). Float-typed `a`/`b` are errors (the spec says int),
//!   although our reader accepts integral floats.
//! - Datasets whose filters loomfile cannot decode get a warning (their structure is checked,
//!   their values cannot be).
//! - `LOOM_SPEC_VERSION` must be a string (scalar or one-element array), an error otherwise;
//!   an absent version, a version not of the form `N.N.N`, and a root version that overrides a
//!   different `/attrs/LOOM_SPEC_VERSION` are warnings. Nothing else at the root (`/tiles`,
//!   extra groups) is checked: loompy and other writers add their own objects.
//!
//! A file that is not HDF5, or HDF5 without any of `/matrix`, `/layers`, `/row_attrs`,
//! `/col_attrs`, is not validated at all: [`validate_path`] returns that as its one error.
//!
//! **Strict (`strict = true`): the spec's letter plus loompy's conventions**, implemented
//! correctly where loompy's `validate_conventions` is not:
//! - compound, enum and bool row/column/global attributes become errors (the spec allows only
//!   numbers and strings); strings stored the other spec's way (fixed-length in spec 3, vlen or
//!   UTF-8 in spec 2/legacy) are warnings.
//! - warnings for missing globals `Description`, `Journal`, `Authors`, `Title`, `Year`,
//!   `CreationDate`, and for the missing optional attributes `ClusterName`, `Valid`,
//!   `Outliers` (columns), `Valid`, `Selected` (rows).
//! - `ClusterID` (columns, required): 1-D, any integer dtype, values exactly `0..k-1` with
//!   none missing (loompy compares the number of distinct values with the *maximum*, an
//!   off-by-one that rejects every correct file, and accepts only int64).
//! - `ClusterName` (optional): 1-D strings, one-to-one with `ClusterID`.
//! - `CellID` (columns, required): 1-D strings, unique. `Accession` (rows, required): 1-D
//!   strings, unique. `Gene` (rows, required): 1-D strings.
//! - `Valid`, `Outliers` (columns) and `Valid`, `Selected` (rows), optional: 1-D, integer or
//!   bool, values 0/1 only; row ones have the *row* count (loompy compares with the number of
//!   cells, and rejects the uint8 that loompy itself writes for bools).
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
//! use loomfile::validate::validate_path;
//! let report = validate_path(&path, false)?;
//! assert!(report.is_valid(), "{:?}", report.problems);
//! // With loompy's conventions: CellID is there, ClusterID and Accession are not.
//! let strict = validate_path(&path, true)?;
//! assert!(strict.errors().any(|p| p.path == "/col_attrs/ClusterID"));
//! assert!(!strict.errors().any(|p| p.message.contains("CellID")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::file::{Axis, LoomFile};
use crate::spec::SpecVersion;
use crate::values::{NumType, Values, read_dataset};
use loomfile_hdf5::{self as hdf5, Dataset, Datatype, Object, Selection};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// How much a [`Problem`] weighs.
///
/// # Examples
///
/// ```
/// use loomfile::validate::{Check, Problem, Severity};
/// let p = Problem::new(Severity::Warning, Check::Graphs, "/row_edges: legacy graph group");
/// assert_eq!(p.severity, Severity::Warning);
/// assert_eq!(Severity::Error.as_str(), "error");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The file breaks the spec (or, strict, a convention): it is not valid.
    Error,
    /// A remark: the file stays valid.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::validate::Severity::Warning.as_str(), "warning");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The check that found a [`Problem`]: a stable code for scripts to filter on.
///
/// # Examples
///
/// ```
/// use loomfile::validate::Check;
/// assert_eq!(Check::Conventions.as_str(), "conventions");
/// assert_eq!(Check::ALL.len(), 12);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// `LOOM_SPEC_VERSION`: its place, type and form.
    SpecVersion,
    /// The required groups and what they are.
    Groups,
    /// `/matrix`: present, 2-D, a layer dtype.
    Matrix,
    /// `/layers/*`: the matrix's shape, a layer dtype.
    Layers,
    /// Row and column attributes: lengths and dtypes.
    Attributes,
    /// Global attributes.
    Globals,
    /// Row and column graphs: their datasets and vertex ranges.
    Graphs,
    /// Filters this reader cannot decode.
    Filters,
    /// Members beyond the spec (kept, reported).
    BeyondSpec,
    /// loompy's conventions (strict validation only).
    Conventions,
    /// The file lock (another process holds the file).
    Locking,
    /// Stored chunks that do not decode (`loom validate --deep`).
    Chunks,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 12] = [
        Check::SpecVersion,
        Check::Groups,
        Check::Matrix,
        Check::Layers,
        Check::Attributes,
        Check::Globals,
        Check::Graphs,
        Check::Filters,
        Check::BeyondSpec,
        Check::Conventions,
        Check::Locking,
        Check::Chunks,
    ];

    /// The code: `spec-version`, `groups`, `matrix`, `layers`, `attributes`, `globals`,
    /// `graphs`, `filters`, `beyond-spec`, `conventions`, `locking`, `chunks`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(loomfile::validate::Check::SpecVersion.as_str(), "spec-version");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Check::SpecVersion => "spec-version",
            Check::Groups => "groups",
            Check::Matrix => "matrix",
            Check::Layers => "layers",
            Check::Attributes => "attributes",
            Check::Globals => "globals",
            Check::Graphs => "graphs",
            Check::Filters => "filters",
            Check::BeyondSpec => "beyond-spec",
            Check::Conventions => "conventions",
            Check::Locking => "locking",
            Check::Chunks => "chunks",
        }
    }
}

/// One finding of a validation.
///
/// # Examples
///
/// ```
/// use loomfile::validate::{Check, Problem, Severity};
/// let p = Problem::new(Severity::Error, Check::Matrix, "/matrix: rank 3, expected a 2-D dataset");
/// assert_eq!(p.path, "/matrix"); // the object the message starts with
/// assert_eq!(p.to_string(), "/matrix: rank 3, expected a 2-D dataset");
/// let q = Problem::new(Severity::Warning, Check::Conventions, "conventions: no Title");
/// assert_eq!(q.path, ""); // about the file as a whole
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The HDF5 path of the object concerned (`/` for the root), empty when the problem is
    /// about the file as a whole.
    pub path: String,
    /// Error or warning.
    pub severity: Severity,
    /// The check that found it.
    pub code: Check,
    /// The whole message as `loom validate` prints it: the path first, when there is one.
    pub message: String,
}

impl Problem {
    /// A problem from its message, which names the object first (`"/matrix: ..."`, `"/
    /// attribute ..."`); a message that does not start with `/` has no path.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::validate::{Check, Problem, Severity};
    /// let p = Problem::new(Severity::Error, Check::Layers, "/layers/x: is not a dataset");
    /// assert_eq!((p.path.as_str(), p.code.as_str()), ("/layers/x", "layers"));
    /// ```
    pub fn new(severity: Severity, code: Check, message: impl Into<String>) -> Problem {
        let message = message.into();
        let path = if message.starts_with('/') {
            let end = message.find([':', ' ']).unwrap_or(message.len());
            message[..end].to_string()
        } else {
            String::new()
        };
        Problem { path, severity, code, message }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The outcome of a validation: every problem found, each naming the object path.
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
/// use loomfile::validate::Check;
/// let f = LoomFile::open(&path)?;
/// let report = f.validate(false);
/// assert!(report.is_valid(), "{:?}", report.problems);
/// // loompy's conventions require more (Accession, ClusterID, ...):
/// let strict = f.validate(true);
/// let accession = strict.errors().find(|p| p.message.contains("Accession")).unwrap();
/// assert_eq!((accession.code, accession.path.as_str()), (Check::Conventions, "/row_attrs/Accession"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every problem, in the order the checks found them.
    pub problems: Vec<Problem>,
}

impl Report {
    /// True when there are no errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Report;
    /// use loomfile::validate::{Check, Problem, Severity};
    /// let mut r = Report::default();
    /// r.push(Problem::new(Severity::Warning, Check::Groups, "a remark"));
    /// assert!(r.is_valid());
    /// r.push(Problem::new(Severity::Error, Check::Matrix, "/matrix: missing"));
    /// assert!(!r.is_valid());
    /// ```
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The errors: the file is valid only when there are none.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Report;
    /// use loomfile::validate::{Check, Problem, Severity};
    /// let r = Report { problems: vec![Problem::new(Severity::Error, Check::Matrix, "/matrix: missing")] };
    /// assert_eq!(r.errors().count(), 1);
    /// ```
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Error)
    }

    /// The warnings: remarks that do not make the file invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Report;
    /// use loomfile::validate::{Check, Problem, Severity};
    /// let r = Report { problems: vec![Problem::new(Severity::Warning, Check::Graphs, "/row_edges: legacy")] };
    /// assert_eq!(r.warnings().next().unwrap().path, "/row_edges");
    /// ```
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Warning)
    }

    /// Add a problem (e.g. the damaged chunks of a deep check).
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Report;
    /// use loomfile::validate::{Check, Problem, Severity};
    /// let mut r = Report::default();
    /// r.push(Problem::new(Severity::Error, Check::Chunks, "/matrix: chunk [0, 0] does not inflate"));
    /// assert_eq!(r.problems.len(), 1);
    /// ```
    pub fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    /// The messages of the errors and of the warnings, as `loom validate --json` lists them.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::Report;
    /// use loomfile::validate::{Check, Problem, Severity};
    /// let r = Report { problems: vec![Problem::new(Severity::Warning, Check::Groups, "/x: odd")] };
    /// assert_eq!(r.messages(), (vec![], vec!["/x: odd".to_string()]));
    /// ```
    pub fn messages(&self) -> (Vec<String>, Vec<String>) {
        (
            self.errors().map(|p| p.message.clone()).collect(),
            self.warnings().map(|p| p.message.clone()).collect(),
        )
    }
}

impl LoomFile {
    /// Validate this file (see the [`validate`](crate::validate) module for what is checked).
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
    /// assert!(f.validate(false).is_valid());
    /// assert!(f.validate(true).warnings().next().is_some()); // no Authors, Journal, ...
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self, strict: bool) -> Report {
        validate(self, strict)
    }
}

/// Validate an open loom file.
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
/// assert_eq!(loomfile::validate::validate(&f, false), f.validate(false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate(f: &LoomFile, strict: bool) -> Report {
    validate_hdf5(f.hdf5(), strict)
}

/// Open `path` read-only and validate it. Errors only when the file cannot be opened as HDF5
/// ([`Error::Hdf5`]) or is HDF5 but holds none of `/matrix`, `/layers`, `/row_attrs`,
/// `/col_attrs` ([`Error::NotLoom`]); every other problem is in the report.
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
/// use loomfile::validate::validate_path;
/// assert!(validate_path(&path, false)?.is_valid());
/// std::fs::write(dir.path().join("notes.txt"), "not HDF5")?;
/// assert!(validate_path(dir.path().join("notes.txt"), false).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "fs")]
pub fn validate_path(path: impl AsRef<std::path::Path>, strict: bool) -> Result<Report> {
    let f = hdf5::File::open(path)?;
    check_loomish(&f)?;
    let mut r = validate_hdf5(&f, strict);
    if let Some(w) = f.lock_warning() {
        r.push(Problem::new(Severity::Warning, Check::Locking, w.to_string()));
    }
    Ok(r)
}

/// [`validate_path`] for an in-memory image.
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
/// use loomfile::validate::validate_bytes;
/// let report = validate_bytes(std::fs::read(&path)?, false)?;
/// assert!(report.is_valid());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate_bytes(bytes: Vec<u8>, strict: bool) -> Result<Report> {
    let f = hdf5::File::from_bytes(bytes)?;
    check_loomish(&f)?;
    Ok(validate_hdf5(&f, strict))
}

fn check_loomish(f: &hdf5::File) -> Result<()> {
    crate::file::check_loom(f)
}

/// Validate any HDF5 file as a loom file.
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
/// use loomfile::{hdf5, validate::validate_hdf5};
/// let mut w = hdf5::Writer::open(&path)?;
/// w.delete("/row_graphs")?; // a group every spec-3 file must have
/// w.finish()?;
/// let report = validate_hdf5(&hdf5::File::open(&path)?, false);
/// assert!(report.errors().any(|p| p.path == "/row_graphs"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate_hdf5(f: &hdf5::File, strict: bool) -> Report {
    let other = crate::catalog::Catalog::build(f).other;
    let mut v = Validator {
        f,
        strict,
        report: Report::default(),
        era: Era::Legacy,
        shape: None,
        other,
        check: Check::SpecVersion,
    };
    v.run();
    v.report
}

/// Which generation of the spec a file declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Era {
    Legacy,
    V2,
    V3,
}

impl Era {
    fn name(self) -> &'static str {
        match self {
            Era::Legacy => "legacy (pre-2.0)",
            Era::V2 => "spec 2",
            Era::V3 => "spec 3",
        }
    }
}

/// What kind of element an attribute dataset holds.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Numeric(NumType),
    FixedString { utf8: bool },
    VlenString,
    Bool,
    Enum,
    Compound,
    Other(String),
}

fn kind_of(dt: &Datatype) -> Kind {
    if let Some(t) = NumType::of(dt) {
        return Kind::Numeric(t);
    }
    match dt {
        Datatype::String { charset, .. } => {
            Kind::FixedString { utf8: matches!(charset, hdf5::Charset::Utf8) }
        }
        Datatype::VarString { .. } => Kind::VlenString,
        Datatype::Enum { .. } if dt.is_bool_enum() => Kind::Bool,
        Datatype::Enum { .. } => Kind::Enum,
        Datatype::Compound { .. } => {
            if compound_fields_ok(dt) {
                Kind::Compound
            } else {
                Kind::Other("compound with a field that is not numeric, string or enum".into())
            }
        }
        other => Kind::Other(describe(other)),
    }
}

/// Every leaf field of a compound is numeric, string or enum (arrays of those allowed).
fn compound_fields_ok(dt: &Datatype) -> bool {
    match dt {
        Datatype::Compound { members, .. } => {
            !members.is_empty() && members.iter().all(|m| compound_fields_ok(&m.dtype))
        }
        Datatype::Array { base, .. } => compound_fields_ok(base),
        Datatype::String { .. } | Datatype::VarString { .. } | Datatype::Enum { .. } => true,
        other => NumType::of(other).is_some(),
    }
}

/// A dtype in words, for messages.
fn describe(dt: &Datatype) -> String {
    match dt {
        Datatype::String { .. } => "fixed-length string".into(),
        Datatype::VarString { .. } => "variable-length string".into(),
        Datatype::Integer { size, .. } | Datatype::Float { size, .. }
            if NumType::of(dt).is_none() =>
        {
            format!("{}-byte {}", size, hdf5::convert::describe(dt))
        }
        other => hdf5::convert::describe(other),
    }
}

const LAYER_TYPES: &str = "int8-int64, uint8-uint64 or float16/32/64";

/// An HDF5 error as a message about `path` (most already name it).
fn at(path: &str, e: impl std::fmt::Display) -> String {
    let s = e.to_string();
    if s.starts_with(path) { s } else { format!("{path}: {s}") }
}

fn is_vertex_type(dt: &Datatype) -> bool {
    NumType::of(dt).is_some_and(|t| !t.is_float())
}

struct Validator<'a> {
    f: &'a hdf5::File,
    strict: bool,
    report: Report,
    era: Era,
    /// The shape of `/matrix`, when it is a proper 2-D dataset.
    shape: Option<(u64, u64)>,
    /// Members beyond the spec (see [`crate::catalog`]), reported once each.
    other: Vec<crate::catalog::Other>,
    /// The check running: the code of what it finds.
    check: Check,
}

/// How a path looked up.
enum Found {
    Missing,
    Group(hdf5::Group),
    Dataset(Box<Dataset>),
    Other,
    Broken(String),
}

impl Validator<'_> {
    fn error(&mut self, msg: impl Into<String>) {
        self.report.push(Problem::new(Severity::Error, self.check, msg));
    }

    fn warn(&mut self, msg: impl Into<String>) {
        self.report.push(Problem::new(Severity::Warning, self.check, msg));
    }

    /// An error in spec 2/3 files, a warning in legacy files.
    fn required(&mut self, msg: String) {
        if self.era == Era::Legacy { self.warn(msg) } else { self.error(msg) }
    }

    fn find(&self, path: &str) -> Found {
        match self.f.object(path) {
            Ok(Object::Group(g)) => Found::Group(g),
            Ok(Object::Dataset(d)) => Found::Dataset(Box::new(d)),
            Ok(Object::Datatype(_)) => Found::Other,
            Err(hdf5::Error::NotFound { .. }) => Found::Missing,
            Err(e) => Found::Broken(at(path, e)),
        }
    }

    /// Member names of a group (errors reported).
    fn members(&mut self, g: &hdf5::Group) -> Vec<String> {
        match g.member_names() {
            Ok(m) => m,
            Err(e) => {
                self.error(at(g.path(), e));
                Vec::new()
            }
        }
    }

    /// Each member of a group, resolved; unresolvable members are errors.
    fn children(&mut self, g: &hdf5::Group) -> Vec<(String, String, Found)> {
        let mut out = Vec::new();
        for name in self.members(g) {
            let path = g.child_path(&name);
            let found = self.find(&path);
            let found = match found {
                Found::Missing => Found::Broken(format!("{path}: dangling link")),
                other => other,
            };
            if let Found::Broken(msg) = &found {
                self.error(msg.clone());
                continue;
            }
            out.push((name, path, found));
        }
        out
    }

    fn run(&mut self) {
        self.check = Check::SpecVersion;
        self.version();
        self.check = Check::Groups;
        self.groups();
        self.check = Check::Matrix;
        self.matrix();
        self.check = Check::Layers;
        self.layers();
        self.check = Check::Attributes;
        for axis in [Axis::Rows, Axis::Cols] {
            self.attrs(axis);
        }
        self.check = Check::Globals;
        self.globals();
        self.check = Check::Graphs;
        for axis in [Axis::Rows, Axis::Cols] {
            self.graphs(axis);
        }
        self.check = Check::BeyondSpec;
        self.beyond();
        if self.strict {
            self.check = Check::Conventions;
            self.conventions();
        }
    }

    /// True when `path` is a member beyond the spec (reported by [`Self::beyond`]).
    fn is_other(&self, path: &str) -> bool {
        self.other.iter().any(|o| o.path == path)
    }

    /// Members beyond the spec: warnings naming the writer that stores them so (readers skip
    /// them). With `strict`, the ones loompy's validator trips over (a group where it wants
    /// an attribute, layer or global dataset, a dataset where it wants a graph group) are
    /// errors, as loompy rejects those files.
    fn beyond(&mut self) {
        let other = std::mem::take(&mut self.other);
        for o in &other {
            let parent = o.path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            let in_loom_group = matches!(
                parent,
                "/row_attrs"
                    | "/col_attrs"
                    | "/layers"
                    | "/attrs"
                    | "/row_graphs"
                    | "/col_graphs"
                    | "/row_edges"
                    | "/col_edges"
            );
            let kind = o.kind.name();
            let who = match (parent, o.kind) {
                ("/row_attrs" | "/col_attrs", crate::catalog::MemberKind::Group) => {
                    " (LoomExperiment keeps GRanges, GRangesList and reducedDims as groups there)"
                }
                _ => "",
            };
            let msg = format!("{}: a {kind} beyond the loom spec{who}; readers skip it", o.path);
            if self.strict && in_loom_group {
                self.error(format!("{msg} (loompy's validator rejects it)"));
            } else {
                self.warn(msg);
            }
        }
        self.other = other;
    }

    // ----- version -----

    /// A LOOM_SPEC_VERSION value: `Ok(text)` or `Err(problem)`.
    fn version_text(
        dt: &Datatype,
        shape: Option<Vec<u64>>,
        strings: Result<Vec<String>>,
    ) -> Result<String, String> {
        if !matches!(dt, Datatype::String { .. } | Datatype::VarString { .. }) {
            return Err(format!("is {}, not a string", describe(dt)));
        }
        match shape.as_deref() {
            Some([]) | Some([1]) => {}
            Some(s) => return Err(format!("has shape {s:?}; expected a scalar string")),
            None => return Err("has a null dataspace".into()),
        }
        strings.map_err(|e| e.to_string())?.into_iter().next().ok_or_else(|| "is empty".into())
    }

    fn version(&mut self) {
        let mut in_attrs = None;
        let found = self.find("/attrs/LOOM_SPEC_VERSION");
        let declared_in_attrs = !matches!(found, Found::Missing);
        match found {
            Found::Dataset(d) => {
                let s = d.read_strings().map_err(Error::from);
                match Self::version_text(d.dtype(), d.shape(), s) {
                    Ok(t) => in_attrs = Some(t),
                    Err(p) => self.error(format!("/attrs/LOOM_SPEC_VERSION: {p}")),
                }
            }
            Found::Missing => {}
            Found::Group(_) | Found::Other => {
                self.error("/attrs/LOOM_SPEC_VERSION: is not a dataset");
            }
            Found::Broken(m) => self.error(m),
        }
        let mut at_root = None;
        match self.f.root().and_then(|r| r.attribute("LOOM_SPEC_VERSION")) {
            Ok(Some(a)) => {
                let s = a.read_strings().map_err(Error::from);
                match Self::version_text(a.dtype(), a.shape(), s) {
                    Ok(t) => at_root = Some(t),
                    Err(p) => self.error(format!("/ attribute LOOM_SPEC_VERSION: {p}")),
                }
            }
            Ok(None) => {}
            Err(e) => self.error(at("/", e)),
        }
        if let (Some(a), Some(r)) = (&in_attrs, &at_root)
            && a != r
        {
            self.warn(format!(
                "/ attribute LOOM_SPEC_VERSION {r:?} overrides /attrs/LOOM_SPEC_VERSION {a:?} \
                 (loompy's rule; the file declares two versions)"
            ));
        }
        let text = at_root.clone().or(in_attrs.clone());
        let sv = SpecVersion { text: text.clone() };
        self.era = match sv.number() {
            n if n >= 300 => Era::V3,
            n if n >= 200 => Era::V2,
            _ => Era::Legacy,
        };
        match &text {
            None => self.warn(
                "/: no LOOM_SPEC_VERSION (neither /attrs/LOOM_SPEC_VERSION nor a root \
                 attribute): validated as a legacy (pre-2.0) file",
            ),
            Some(t) => {
                let parts: Vec<&str> = t.split('.').collect();
                if parts.len() != 3
                    || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
                {
                    self.warn(format!(
                        "LOOM_SPEC_VERSION {t:?} is not of the form N.N.N: validated as a {} file",
                        self.era.name()
                    ));
                }
            }
        }
        if self.era == Era::V3 && !declared_in_attrs && self.f.exists("/attrs") {
            self.error(
                "/attrs/LOOM_SPEC_VERSION: missing (spec 3 requires it; the version is declared \
                 only as a root attribute)",
            );
        }
    }

    // ----- groups -----

    fn groups(&mut self) {
        let mut required = vec!["/row_attrs", "/col_attrs", "/row_graphs", "/col_graphs"];
        if self.era == Era::V3 {
            required.insert(0, "/attrs");
        }
        for p in required {
            match self.find(p) {
                Found::Group(_) => {}
                Found::Missing => {
                    let msg = match self.era {
                        Era::Legacy => {
                            let legacy = p.replace("_graphs", "_edges");
                            if p.ends_with("_graphs") && self.f.exists(&legacy) {
                                format!(
                                    "{p}: missing (graphs are under the legacy {legacy}, as \
                                     loompy 1.x and SCopeLoomR wrote them; read from there)"
                                )
                            } else {
                                format!("{p}: missing (required since spec 2.0)")
                            }
                        }
                        era => format!("{p}: missing (a required group in {} files)", era.name()),
                    };
                    self.required(msg);
                }
                Found::Dataset(_) | Found::Other => self.error(format!("{p}: is not a group")),
                Found::Broken(m) => self.error(m),
            }
        }
        match self.find("/layers") {
            Found::Group(_) | Found::Missing => {}
            Found::Dataset(_) | Found::Other => self.error("/layers: is not a group"),
            Found::Broken(m) => self.error(m),
        }
        if self.era != Era::Legacy {
            for p in ["/row_edges", "/col_edges"] {
                if self.f.exists(p) {
                    self.warn(format!(
                        "{p}: legacy graph group in a {} file (graphs belong under {}; loompy \
                         1.x and SCopeLoomR wrote them here); read from there",
                        self.era.name(),
                        p.replace("_edges", "_graphs")
                    ));
                }
            }
        }
        // Spec 3: globals live in /attrs; the root keeps only loompy's own timestamp.
        if self.era == Era::V3
            && let Ok(attrs) = self.f.root().and_then(|r| r.attributes())
        {
            let stray: Vec<String> = attrs
                .iter()
                .map(|a| a.name().to_string())
                .filter(|n| n != "last_modified" && n != "LOOM_SPEC_VERSION")
                .collect();
            if !stray.is_empty() {
                self.warn(format!(
                    "/: root attributes {stray:?} in a spec 3 file (globals belong under \
                     /attrs; readers ignore these)"
                ));
            }
        }
    }

    // ----- matrix and layers -----

    fn filters(&mut self, d: &Dataset) {
        if let Err(e) = hdf5::filters::check_pipeline(d.pipeline()) {
            let msg = format!("{} (its values cannot be checked)", at(d.path(), e));
            self.report.push(Problem::new(Severity::Warning, Check::Filters, msg));
        }
    }

    fn matrix(&mut self) {
        match self.find("/matrix") {
            Found::Missing => self.error("/matrix: missing (the main matrix is required)"),
            Found::Group(_) | Found::Other => self.error("/matrix: is not a dataset"),
            Found::Broken(m) => self.error(m),
            Found::Dataset(d) => {
                self.filters(&d);
                match d.shape() {
                    Some(s) if s.len() == 2 => self.shape = Some((s[0], s[1])),
                    Some(s) => {
                        self.error(format!("/matrix: rank {}, expected a 2-D dataset", s.len()))
                    }
                    None => self.error("/matrix: null dataspace, expected a 2-D dataset"),
                }
                if NumType::of(d.dtype()).is_none() {
                    self.error(format!(
                        "/matrix: dtype {} is not allowed ({LAYER_TYPES})",
                        describe(d.dtype())
                    ));
                }
            }
        }
        if self.shape.is_none() {
            self.warn(
                "layer shapes, attribute lengths and graph vertices were not checked against \
                 /matrix (it is missing or not 2-D)",
            );
        }
    }

    fn layers(&mut self) {
        let Found::Group(g) = self.find("/layers") else { return };
        for (_name, path, found) in self.children(&g) {
            let Found::Dataset(d) = found else {
                if !self.is_other(&path) {
                    self.error(format!("{path}: is not a dataset (layers are 2-D datasets)"));
                }
                continue;
            };
            self.filters(&d);
            match (d.shape(), self.shape) {
                (Some(s), Some((n, m))) if s != [n, m] => {
                    self.error(format!("{path}: shape {s:?} does not match /matrix [{n}, {m}]"))
                }
                (Some(s), None) if s.len() != 2 => {
                    self.error(format!("{path}: rank {}, expected a 2-D dataset", s.len()))
                }
                (None, _) => self.error(format!("{path}: null dataspace, expected a 2-D dataset")),
                _ => {}
            }
            if NumType::of(d.dtype()).is_none() {
                self.error(format!(
                    "{path}: dtype {} is not allowed ({LAYER_TYPES})",
                    describe(d.dtype())
                ));
            }
        }
    }

    // ----- attributes -----

    /// Check an element type allowed for attributes and globals; `what` names the object.
    fn attr_dtype(&mut self, what: &str, dt: &Datatype) {
        match kind_of(dt) {
            Kind::Numeric(_) => {}
            Kind::FixedString { utf8 } => {
                if self.strict && self.era == Era::V3 {
                    self.warn(format!(
                        "{what}: fixed-length string; spec 3 stores strings as variable-length \
                         UTF-8"
                    ));
                } else if self.strict && utf8 {
                    self.warn(format!(
                        "{what}: UTF-8 fixed-length string; {} files store ASCII with XML \
                         character references",
                        self.era.name()
                    ));
                }
            }
            Kind::VlenString => {
                if self.strict && self.era != Era::V3 {
                    self.warn(format!(
                        "{what}: variable-length string; {} files store fixed-length ASCII",
                        self.era.name()
                    ));
                }
            }
            Kind::Compound if !self.strict => self.warn(format!(
                "{what}: compound records (SCopeLoomR and SCENIC store embeddings and regulon \
                 scores this way; the spec allows numbers and strings); read as one column per \
                 field"
            )),
            k @ (Kind::Bool | Kind::Enum | Kind::Compound) => {
                if self.strict {
                    let word = match k {
                        Kind::Bool => "bool (enum FALSE/TRUE)",
                        Kind::Enum => "enum",
                        _ => "compound",
                    };
                    self.error(format!(
                        "{what}: dtype {word} is outside the Loom spec (numbers or strings only)"
                    ));
                }
            }
            Kind::Other(d) => self.error(format!(
                "{what}: dtype {d} is not allowed (numbers, strings, and bool/enum/compound \
                 records of those)"
            )),
        }
    }

    fn attrs(&mut self, axis: Axis) {
        let group = axis.attrs_group();
        let Found::Group(g) = self.find(group) else { return };
        let (n, which) = match axis {
            Axis::Rows => (self.shape.map(|s| s.0), "rows"),
            Axis::Cols => (self.shape.map(|s| s.1), "columns"),
        };
        for (_name, path, found) in self.children(&g) {
            let Found::Dataset(d) = found else {
                if !self.is_other(&path) {
                    self.error(format!("{path}: is not a dataset"));
                }
                continue;
            };
            self.filters(&d);
            match d.shape() {
                None => self.error(format!("{path}: null dataspace")),
                Some(s) if s.is_empty() => self.error(format!(
                    "{path}: scalar; an attribute needs a first dimension over the {which}"
                )),
                Some(s) => {
                    if let Some(n) = n
                        && s[0] != n
                    {
                        self.error(format!(
                            "{path}: first dimension {} does not match the {n} {which} of /matrix",
                            s[0]
                        ));
                    }
                }
            }
            self.attr_dtype(&path, d.dtype());
        }
    }

    fn globals(&mut self) {
        if let Found::Group(g) = self.find("/attrs") {
            for (_name, path, found) in self.children(&g) {
                let Found::Dataset(d) = found else {
                    if !self.is_other(&path) {
                        self.error(format!("{path}: is not a dataset"));
                    }
                    continue;
                };
                if d.shape().is_none() {
                    self.warn(format!("{path}: null dataspace (no value)"));
                    continue;
                }
                if path != "/attrs/LOOM_SPEC_VERSION" {
                    self.attr_dtype(&path, d.dtype());
                }
            }
            return;
        }
        let attrs = match self.f.root().and_then(|r| r.attributes()) {
            Ok(a) => a,
            Err(e) => {
                self.error(at("/", e));
                return;
            }
        };
        for a in attrs {
            if a.name() == "LOOM_SPEC_VERSION" {
                continue;
            }
            let what = format!("/ attribute {}", a.name());
            if a.shape().is_none() {
                self.warn(format!("{what}: null dataspace (no value)"));
                continue;
            }
            // loompy stamps `last_modified` as a vlen string in every spec version.
            let stamp = a.name() == "last_modified"
                && matches!(a.dtype(), Datatype::VarString { .. } | Datatype::String { .. });
            if !stamp {
                self.attr_dtype(&what, a.dtype());
            }
        }
    }

    // ----- graphs -----

    fn graphs(&mut self, axis: Axis) {
        let n = self.shape.map(|s| match axis {
            Axis::Rows => s.0,
            Axis::Cols => s.1,
        });
        for group in [axis.graphs_group(), axis.legacy_graphs_group()] {
            let Found::Group(g) = self.find(group) else { continue };
            for (_name, path, found) in self.children(&g) {
                let Found::Group(_) = found else {
                    if !self.is_other(&path) {
                        self.error(format!("{path}: is not a group (a graph holds a, b and w)"));
                    }
                    continue;
                };
                self.graph(axis, &path, n);
            }
        }
    }

    fn graph(&mut self, axis: Axis, path: &str, n: Option<u64>) {
        let mut lens = Vec::new();
        let mut vertex_sets = Vec::new();
        for col in ["a", "b", "w"] {
            let p = format!("{path}/{col}");
            let d = match self.find(&p) {
                Found::Dataset(d) => d,
                Found::Missing => {
                    let role = match col {
                        "a" => "start vertices",
                        "b" => "end vertices",
                        _ => "weights",
                    };
                    self.error(format!("{path}: '{col}' ({role}) is missing"));
                    continue;
                }
                Found::Broken(m) => {
                    self.error(m);
                    continue;
                }
                Found::Group(_) | Found::Other => {
                    self.error(format!("{p}: is not a dataset"));
                    continue;
                }
            };
            self.filters(&d);
            match d.shape() {
                Some(s) if s.len() == 1 => lens.push((col, s[0])),
                Some(s) => self.error(format!("{p}: rank {}, expected 1-D", s.len())),
                None => self.error(format!("{p}: null dataspace, expected 1-D")),
            }
            let dt = d.dtype();
            if col == "w" {
                if !NumType::of(dt).is_some_and(NumType::is_float) {
                    self.error(format!(
                        "{p}: dtype {} is not allowed (weights are float16/32/64)",
                        describe(dt)
                    ));
                }
            } else if NumType::of(dt).is_some_and(NumType::is_float) && !self.strict {
                // LoomExperiment (R) writes a and b as float64: harmless while the values
                // are whole numbers, which every reader (ours included) takes as indices.
                let found = float_vertices(&d);
                let whole = matches!(found, Ok(None));
                match found {
                    Ok(None) => self.warn(format!(
                        "{p}: dtype {} vertex indices (LoomExperiment writes graphs this way; \
                         the spec says integers); the values are whole numbers and read as \
                         indices",
                        describe(dt)
                    )),
                    Ok(Some(bad)) => self.error(format!(
                        "{p}: vertex index {bad} is not a non-negative whole number"
                    )),
                    Err(e) => self.error(at(&p, e)),
                }
                if whole {
                    vertex_sets.push((p, d));
                }
            } else if !is_vertex_type(dt) {
                self.error(format!(
                    "{p}: dtype {} is not allowed (vertex indices are integers)",
                    describe(dt)
                ));
            } else {
                vertex_sets.push((p, d));
            }
        }
        if lens.len() == 3 && (lens[0].1 != lens[1].1 || lens[0].1 != lens[2].1) {
            self.error(format!(
                "{path}: a, b and w have different lengths ({}, {}, {})",
                lens[0].1, lens[1].1, lens[2].1
            ));
        }
        let Some(n) = n else { return };
        let which = match axis {
            Axis::Rows => "rows",
            Axis::Cols => "columns",
        };
        for (p, d) in vertex_sets {
            if d.shape().map(|s| s.len()) != Some(1)
                || hdf5::filters::check_pipeline(d.pipeline()).is_err()
            {
                continue;
            }
            match vertex_range(&d) {
                Ok(None) => {}
                Ok(Some((lo, hi))) => {
                    if lo < 0 {
                        self.error(format!("{p}: negative vertex index {lo}"));
                    }
                    if hi >= n as i128 {
                        self.error(format!(
                            "{p}: vertex index {hi} out of range (the graph has {n} vertices, \
                             the {which} of /matrix)"
                        ));
                    }
                }
                Err(e) => self.error(at(&p, e)),
            }
        }
    }

    // ----- conventions (strict) -----

    fn global_names(&self) -> Vec<String> {
        if let Ok(g) = self.f.group("/attrs") {
            return g.member_names().unwrap_or_default();
        }
        self.f
            .root()
            .and_then(|r| r.attributes())
            .map(|a| a.iter().map(|x| x.name().to_string()).collect())
            .unwrap_or_default()
    }

    /// Read a conventional attribute: `None` when absent (or unreadable, reported).
    fn conv_attr(&mut self, axis: Axis, name: &str) -> Option<(String, Values)> {
        let path = format!("{}/{name}", axis.attrs_group());
        let Found::Dataset(d) = self.find(&path) else { return None };
        if hdf5::filters::check_pipeline(d.pipeline()).is_err() || d.shape().is_none() {
            return None;
        }
        match read_dataset(&d, self.era != Era::V3) {
            Ok(v) => Some((path, v)),
            Err(e) => {
                self.error(at(&path, e));
                None
            }
        }
    }

    fn conventions(&mut self) {
        let globals = self.global_names();
        for g in ["Description", "Journal", "Authors", "Title", "Year", "CreationDate"] {
            if !globals.iter().any(|x| x == g) {
                self.warn(format!("conventions: optional global attribute '{g}' is missing"));
            }
        }
        let cluster_ids = self.cluster_id();
        self.cluster_name(cluster_ids.as_deref());
        self.unique_strings(Axis::Cols, "CellID", true);
        self.unique_strings(Axis::Rows, "Accession", true);
        self.unique_strings(Axis::Rows, "Gene", false);
        self.flags(Axis::Cols, "Valid");
        self.flags(Axis::Cols, "Outliers");
        self.flags(Axis::Rows, "Valid");
        self.flags(Axis::Rows, "Selected");
    }

    fn missing_required(&mut self, axis: Axis, name: &str, what: &str) {
        self.error(format!("{}/{name}: missing (conventions: {what})", axis.attrs_group()));
    }

    fn one_d(&mut self, path: &str, v: &Values) -> bool {
        if v.shape().len() != 1 {
            self.error(format!(
                "{path}: shape {:?}; conventions require a 1-D attribute",
                v.shape()
            ));
            return false;
        }
        true
    }

    /// ClusterID: 1-D integers, exactly 0..k-1. Returns the labels when usable.
    fn cluster_id(&mut self) -> Option<Vec<i64>> {
        let Some((path, v)) = self.conv_attr(Axis::Cols, "ClusterID") else {
            if !self.f.exists("/col_attrs/ClusterID") {
                self.missing_required(Axis::Cols, "ClusterID", "integer cluster labels 0..k-1");
            }
            return None;
        };
        if v.num_type().is_none_or(|t| t.is_float()) {
            self.error(format!(
                "{path}: dtype {} is not an integer type (conventions: cluster labels 0..k-1)",
                v.dtype_name()
            ));
            return None;
        }
        if !self.one_d(&path, &v) {
            return None;
        }
        let ids: Vec<i64> = match &v {
            Values::UInt64(a) => a.iter().map(|&x| x.min(i64::MAX as u64) as i64).collect(),
            other => other.to_f64().unwrap_or_default().iter().map(|&x| x as i64).collect(),
        };
        let distinct: BTreeSet<i64> = ids.iter().copied().collect();
        if let (Some(&lo), Some(&hi)) = (distinct.first(), distinct.last()) {
            if lo < 0 {
                self.error(format!("{path}: negative cluster label {lo} (labels are 0..k-1)"));
            } else if (distinct.len() as i128) != hi as i128 + 1 {
                let missing: Vec<i64> =
                    (0..=hi).filter(|x| !distinct.contains(x)).take(5).collect();
                self.error(format!(
                    "{path}: labels are not 0..{hi} without gaps ({} distinct; missing e.g. \
                     {missing:?})",
                    distinct.len()
                ));
            }
        }
        Some(ids)
    }

    fn cluster_name(&mut self, ids: Option<&[i64]>) {
        let Some((path, v)) = self.conv_attr(Axis::Cols, "ClusterName") else {
            if !self.f.exists("/col_attrs/ClusterName") {
                self.warn("conventions: optional column attribute 'ClusterName' is missing");
            }
            return;
        };
        let Some(names) = v.as_strings() else {
            self.error(format!("{path}: dtype {} is not a string type", v.dtype_name()));
            return;
        };
        if !self.one_d(&path, &v) {
            return;
        }
        let Some(ids) = ids else { return };
        if ids.len() != names.len() {
            return;
        }
        let mut by_id: HashMap<i64, &str> = HashMap::new();
        let mut by_name: HashMap<&str, i64> = HashMap::new();
        let mut bad = None;
        for (&id, name) in ids.iter().zip(&names) {
            if *by_id.entry(id).or_insert(name) != name.as_str() {
                bad = Some(format!("cluster {id} has names {:?} and {name:?}", by_id[&id]));
                break;
            }
            if *by_name.entry(name).or_insert(id) != id {
                bad = Some(format!(
                    "name {name:?} is used by clusters {} and {id}",
                    by_name[name.as_str()]
                ));
                break;
            }
        }
        if let Some(b) = bad {
            self.error(format!("{path}: does not correspond 1:1 with ClusterID ({b})"));
        }
    }

    fn unique_strings(&mut self, axis: Axis, name: &str, unique: bool) {
        let Some((path, v)) = self.conv_attr(axis, name) else {
            if !self.f.exists(&format!("{}/{name}", axis.attrs_group())) {
                let what = match name {
                    "CellID" => "unique string cell identifiers",
                    "Accession" => "unique string gene accessions",
                    _ => "string gene names",
                };
                self.missing_required(axis, name, what);
            }
            return;
        };
        let Some(s) = v.as_strings() else {
            self.error(format!(
                "{path}: dtype {} is not a string type (conventions)",
                v.dtype_name()
            ));
            return;
        };
        if !self.one_d(&path, &v) || !unique {
            return;
        }
        // alloc: s.len(), strings already read
        let mut seen = HashSet::with_capacity(s.len());
        let mut dups = BTreeMap::new();
        for x in &s {
            if !seen.insert(x.as_str()) {
                *dups.entry(x.as_str()).or_insert(1usize) += 1;
            }
        }
        if !dups.is_empty() {
            let examples: Vec<String> =
                dups.iter().take(3).map(|(k, c)| format!("{k:?} x{c}")).collect();
            self.error(format!(
                "{path}: {} duplicated values (conventions: unique), e.g. {}",
                dups.len(),
                examples.join(", ")
            ));
        }
    }

    fn flags(&mut self, axis: Axis, name: &str) {
        let Some((path, v)) = self.conv_attr(axis, name) else {
            if !self.f.exists(&format!("{}/{name}", axis.attrs_group())) {
                let which = match axis {
                    Axis::Rows => "row",
                    Axis::Cols => "column",
                };
                self.warn(format!("conventions: optional {which} attribute '{name}' is missing"));
            }
            return;
        };
        let ok_type = matches!(v, Values::Bool(_)) || v.num_type().is_some_and(|t| !t.is_float());
        if !ok_type {
            self.error(format!(
                "{path}: dtype {} is not an integer or bool type (conventions: 0 or 1)",
                v.dtype_name()
            ));
            return;
        }
        if !self.one_d(&path, &v) {
            return;
        }
        let vals = v.to_f64().unwrap_or_default();
        if let Some(x) = vals.iter().find(|&&x| x != 0.0 && x != 1.0) {
            self.error(format!("{path}: value {x} (conventions: 0 or 1 only)"));
        }
    }
}

/// The first value of a 1-D float dataset that is not a whole number >= 0, if any.
fn float_vertices(d: &Dataset) -> hdf5::Result<Option<f64>> {
    let n = d.shape().and_then(|s| s.first().copied()).unwrap_or(0);
    d.file().source().limits.check_elements(d.path(), "a scan of", n)?;
    const BLOCK: u64 = 1 << 20;
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let v = d.read_selection::<f64>(&[Selection::Range(start, end)])?;
        if let Some(&bad) = v.iter().find(|x| !(**x >= 0.0 && x.fract() == 0.0 && **x < 9.0e15)) {
            return Ok(Some(bad));
        }
        start = end;
    }
    Ok(None)
}

/// (min, max) of a 1-D integer dataset (or whole-number floats), read in blocks; `None`
/// when empty.
fn vertex_range(d: &Dataset) -> hdf5::Result<Option<(i128, i128)>> {
    let n = d.shape().and_then(|s| s.first().copied()).unwrap_or(0);
    d.file().source().limits.check_elements(d.path(), "a scan of", n)?;
    if n == 0 {
        return Ok(None);
    }
    if NumType::of(d.dtype()).is_some_and(NumType::is_float) {
        let (mut lo, mut hi) = (i128::MAX, i128::MIN);
        let mut start = 0;
        while start < n {
            let end = (start + (1 << 20)).min(n);
            for x in d.read_selection::<f64>(&[Selection::Range(start, end)])? {
                lo = lo.min(x as i128);
                hi = hi.max(x as i128);
            }
            start = end;
        }
        return Ok(Some((lo, hi)));
    }
    let signed = matches!(d.dtype(), Datatype::Integer { signed: true, .. });
    const BLOCK: u64 = 1 << 20;
    let (mut lo, mut hi) = (i128::MAX, i128::MIN);
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let sel = [Selection::Range(start, end)];
        if signed {
            for x in d.read_selection::<i64>(&sel)? {
                lo = lo.min(x as i128);
                hi = hi.max(x as i128);
            }
        } else {
            for x in d.read_selection::<u64>(&sel)? {
                lo = lo.min(x as i128);
                hi = hi.max(x as i128);
            }
        }
        start = end;
    }
    Ok(Some((lo, hi)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use loomfile_hdf5::storage::MemStorage;
    use loomfile_hdf5::{DatasetSpec, Writer};
    use std::sync::Arc;

    /// Build a file in memory with the writer; `build` gets the writer after nothing.
    fn image(build: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mem = Arc::new(MemStorage::new(Vec::new()));
        let mut w = Writer::create_in(mem.clone()).unwrap();
        build(&mut w);
        w.finish().unwrap();
        mem.to_vec()
    }

    fn v3_skeleton(w: &mut Writer) {
        for g in ["/attrs", "/layers", "/row_attrs", "/col_attrs", "/row_graphs", "/col_graphs"] {
            w.create_group(g).unwrap();
        }
        let p = "/attrs/LOOM_SPEC_VERSION";
        w.create_dataset(p, DatasetSpec::contiguous(Datatype::vlen_utf8(), &[])).unwrap();
        w.write_strings(p, &[], &["3.0.0".to_string()]).unwrap();
    }

    fn int_dataset(w: &mut Writer, path: &str, v: &[i64]) {
        w.create_dataset(
            path,
            DatasetSpec::contiguous(NumType::Int64.datatype(), &[v.len() as u64]),
        )
        .unwrap();
        w.write::<i64>(path, &[], v).unwrap();
    }

    #[test]
    fn missing_matrix_with_layers_and_attributes_is_reported_not_fatal() {
        let bytes = image(|w| {
            v3_skeleton(w);
            w.create_dataset(
                "/layers/x",
                DatasetSpec::contiguous(NumType::Float32.datatype(), &[3, 4]),
            )
            .unwrap();
            int_dataset(w, "/row_attrs/A", &[1, 2, 3]);
        });
        let r = validate_bytes(bytes, true).unwrap();
        assert!(
            r.messages().0.iter().any(|e| e == "/matrix: missing (the main matrix is required)"),
            "{r:?}"
        );
        assert!(r.messages().1.iter().any(|e| e.contains("not checked against /matrix")), "{r:?}");
        assert!(!r.is_valid());
    }

    #[test]
    fn every_problem_is_listed_with_its_path() {
        let bytes = image(|w| {
            v3_skeleton(w);
            w.delete("/row_graphs").unwrap();
            w.create_dataset(
                "/matrix",
                DatasetSpec::contiguous(NumType::Float32.datatype(), &[3, 4]),
            )
            .unwrap();
            w.create_dataset(
                "/layers/bad",
                DatasetSpec::contiguous(NumType::Int8.datatype(), &[3, 5]),
            )
            .unwrap();
            int_dataset(w, "/row_attrs/Short", &[1, 2]);
            int_dataset(w, "/col_attrs/Ok", &[1, 2, 3, 4]);
            w.create_group("/col_graphs/G").unwrap();
            int_dataset(w, "/col_graphs/G/a", &[0, 4]);
            int_dataset(w, "/col_graphs/G/b", &[-1, 1]);
            w.create_dataset(
                "/col_graphs/G/w",
                DatasetSpec::contiguous(NumType::Int64.datatype(), &[3]),
            )
            .unwrap();
        });
        let r = validate_bytes(bytes, false).unwrap();
        let want = [
            ("/row_graphs", Check::Groups, "/row_graphs: missing"),
            (
                "/layers/bad",
                Check::Layers,
                "/layers/bad: shape [3, 5] does not match /matrix [3, 4]",
            ),
            (
                "/row_attrs/Short",
                Check::Attributes,
                "/row_attrs/Short: first dimension 2 does not match the 3 rows",
            ),
            ("/col_graphs/G/w", Check::Graphs, "/col_graphs/G/w: dtype int64 is not allowed"),
            (
                "/col_graphs/G",
                Check::Graphs,
                "/col_graphs/G: a, b and w have different lengths (2, 2, 3)",
            ),
            ("/col_graphs/G/a", Check::Graphs, "/col_graphs/G/a: vertex index 4 out of range"),
            ("/col_graphs/G/b", Check::Graphs, "/col_graphs/G/b: negative vertex index -1"),
        ];
        for (path, code, msg) in want {
            let found = r.errors().find(|p| p.message.starts_with(msg));
            let p = found.unwrap_or_else(|| panic!("{msg}: {:#?}", r.problems));
            assert_eq!((p.path.as_str(), p.code), (path, code), "{p:?}");
        }
        assert_eq!(r.errors().count(), want.len(), "{:#?}", r.problems);
    }

    #[test]
    fn legacy_files_only_warn_about_missing_groups() {
        let bytes = image(|w| {
            w.create_dataset(
                "/matrix",
                DatasetSpec::contiguous(NumType::Float32.datatype(), &[3, 4]),
            )
            .unwrap();
            w.create_group("/row_attrs").unwrap();
        });
        let r = validate_bytes(bytes, false).unwrap();
        assert!(r.is_valid(), "{r:?}");
        for g in ["/col_attrs: missing", "/row_graphs: missing", "/col_graphs: missing"] {
            assert!(r.messages().1.iter().any(|w| w.starts_with(g)), "{g}: {r:?}");
        }
    }

    #[test]
    fn non_loom_files_are_one_error() {
        assert!(matches!(validate_bytes(b"not hdf5 at all".to_vec(), false), Err(Error::Hdf5(_))));
        let bytes = image(|w| w.create_group("/other").unwrap());
        assert!(matches!(validate_bytes(bytes, false), Err(Error::NotLoom(_))));
    }

    #[test]
    fn conventions_are_checked_correctly() {
        let strs = |w: &mut Writer, p: &str, v: &[&str]| {
            w.create_dataset(p, DatasetSpec::contiguous(Datatype::vlen_utf8(), &[v.len() as u64]))
                .unwrap();
            let v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
            w.write_strings(p, &[], &v).unwrap();
        };
        let good = |ids: &'static [i64], cells: &'static [&'static str]| {
            image(move |w| {
                v3_skeleton(w);
                w.create_dataset(
                    "/matrix",
                    DatasetSpec::contiguous(NumType::Float32.datatype(), &[2, 4]),
                )
                .unwrap();
                strs(w, "/row_attrs/Gene", &["g1", "g2"]);
                strs(w, "/row_attrs/Accession", &["A1", "A2"]);
                // A row Valid of the *row* count, stored as uint8 (loompy's bool).
                w.create_dataset(
                    "/row_attrs/Valid",
                    DatasetSpec::contiguous(NumType::UInt8.datatype(), &[2]),
                )
                .unwrap();
                w.write::<u8>("/row_attrs/Valid", &[], &[1, 0]).unwrap();
                strs(w, "/col_attrs/CellID", cells);
                int_dataset(w, "/col_attrs/ClusterID", ids);
            })
        };
        let r = validate_bytes(good(&[0, 1, 2, 1], &["a", "b", "c", "d"]), true).unwrap();
        assert!(r.is_valid(), "{r:?}");
        let r = validate_bytes(good(&[0, 1, 3, 1], &["a", "b", "c", "a"]), true).unwrap();
        assert_eq!(r.messages().0.len(), 2, "{r:?}");
        assert!(
            r.messages().0[0].starts_with("/col_attrs/ClusterID: labels are not 0..3 without gaps")
        );
        assert!(r.messages().0[1].starts_with("/col_attrs/CellID: 1 duplicated values"));
        // Not strict: conventions are not checked at all.
        assert!(
            validate_bytes(good(&[5, 5, 5, 5], &["a", "a", "a", "a"]), false).unwrap().is_valid()
        );
    }
}
