//! What the loom groups of a file hold, sorted by kind: attributes (datasets in `/row_attrs`,
//! `/col_attrs`), layers (datasets in `/layers`), graphs (groups in `/row_graphs`,
//! `/col_graphs` and the legacy `/row_edges`, `/col_edges`), globals (datasets in `/attrs`),
//! and everything else other writers put there.
//!
//! Other writers store more than the spec allows: LoomExperiment (R) keeps `GRanges`,
//! `GRangesList` and `reducedDims` as *groups* inside `/row_attrs` and `/col_attrs`; some
//! tools add their own groups or datasets at the root. Such members are not attributes,
//! layers or graphs: the catalog lists them as [`Other`] members, every reader skips them
//! (one warning, [`LoomFile::warnings`]), `loom info` lists them under `"other"` and
//! `validate` reports each as a warning. A file is never refused for what it has beyond the
//! spec.
//!
//! A member that cannot be resolved at all (a damaged object header) stays in its kind's
//! list, so reading it reports the damage instead of silently hiding it.
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
//! use loomfile::{MemberKind, Other};
//! // Another writer's extra group inside /col_attrs (as LoomExperiment stores reducedDims):
//! let mut w = loomfile::hdf5::Writer::open(&path)?;
//! w.create_group("/col_attrs/reducedDims")?;
//! w.finish()?;
//! let f = LoomFile::open(&path)?;
//! let extra = Other { path: "/col_attrs/reducedDims".into(), kind: MemberKind::Group };
//! assert_eq!(f.other_members(), [extra]);
//! assert_eq!(f.attr_names(loomfile::Axis::Cols), ["CellID"]); // not an attribute
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::file::{Axis, LoomFile};
use loomfile_hdf5::LinkTarget;
use loomfile_hdf5::{self as hdf5, Object};

/// Members of the root group the loom spec names (current and legacy layouts).
///
/// # Examples
///
/// ```
/// use loomfile::catalog::ROOT_MEMBERS;
/// assert!(ROOT_MEMBERS.contains(&"matrix") && ROOT_MEMBERS.contains(&"row_edges"));
/// assert!(!ROOT_MEMBERS.contains(&"tiles")); // loom-viewer's cache is beyond the spec
/// ```
pub const ROOT_MEMBERS: [&str; 9] = [
    "matrix",
    "layers",
    "row_attrs",
    "col_attrs",
    "row_graphs",
    "col_graphs",
    "row_edges",
    "col_edges",
    "attrs",
];

/// What an out-of-spec member is, in `loom info`'s words.
///
/// # Examples
///
/// ```
/// use loomfile::MemberKind;
/// let kinds = [MemberKind::Group, MemberKind::Dataset, MemberKind::SoftLink];
/// assert_eq!(kinds.map(MemberKind::name), ["group", "dataset", "softlink"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// An HDF5 group.
    Group,
    /// An HDF5 dataset.
    Dataset,
    /// A committed datatype.
    Datatype,
    /// A soft link that leads nowhere.
    SoftLink,
    /// A link to another file.
    External,
}

impl MemberKind {
    /// `"group"`, `"dataset"`, `"datatype"`, `"softlink"` or `"external"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use loomfile::MemberKind;
    /// assert_eq!(MemberKind::External.name(), "external");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            MemberKind::Group => "group",
            MemberKind::Dataset => "dataset",
            MemberKind::Datatype => "datatype",
            MemberKind::SoftLink => "softlink",
            MemberKind::External => "external",
        }
    }
}

/// A member beyond the spec: skipped by every reader.
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
/// use loomfile::MemberKind;
/// let mut w = loomfile::hdf5::Writer::open(&path)?;
/// w.create_group("/extras")?; // a group at the root the spec does not name
/// w.finish()?;
/// let f = LoomFile::open(&path)?;
/// let other = &f.other_members()[0];
/// assert_eq!((other.path.as_str(), other.kind), ("/extras", MemberKind::Group));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Other {
    /// Its path (`/col_attrs/reducedDims`).
    pub path: String,
    /// What it is.
    pub kind: MemberKind,
}

/// The members of the loom groups by kind (names sorted).
#[derive(Clone, Debug, Default)]
pub(crate) struct Catalog {
    pub row_attrs: Vec<String>,
    pub col_attrs: Vec<String>,
    /// `/layers` datasets (the main matrix is not listed here).
    pub layers: Vec<String>,
    pub row_graphs: Vec<String>,
    pub col_graphs: Vec<String>,
    /// `/attrs` datasets, when that group exists.
    pub globals: Option<Vec<String>>,
    /// Everything else, sorted by path.
    pub other: Vec<Other>,
}

/// How one member resolves.
enum Resolved {
    Kind(MemberKind),
    /// It could not be read: keep it where it was expected, so reading it reports why.
    Broken,
}

fn resolve(f: &hdf5::File, g: &hdf5::Group, link: &hdf5::LinkEntry) -> Resolved {
    let path = g.child_path(&link.name);
    match &link.target {
        LinkTarget::External { .. } => return Resolved::Kind(MemberKind::External),
        LinkTarget::Soft(_) if !f.exists(&path) => return Resolved::Kind(MemberKind::SoftLink),
        _ => {}
    }
    match f.object(&path) {
        Ok(Object::Group(_)) => Resolved::Kind(MemberKind::Group),
        Ok(Object::Dataset(_)) => Resolved::Kind(MemberKind::Dataset),
        Ok(Object::Datatype(_)) => Resolved::Kind(MemberKind::Datatype),
        Err(_) => Resolved::Broken,
    }
}

/// The links of `path` when it is a group; `None` when it is missing or not a group.
fn links(f: &hdf5::File, path: &str) -> Option<(hdf5::Group, Vec<hdf5::LinkEntry>)> {
    match f.object(path) {
        Ok(Object::Group(g)) => {
            let l = g.links().unwrap_or_default();
            Some((g, l))
        }
        _ => None,
    }
}

impl Catalog {
    pub(crate) fn build(f: &hdf5::File) -> Catalog {
        let mut c = Catalog::default();
        // Members that must be of `want`: the rest go to `other`.
        let sort = |path: &str, want: MemberKind, other: &mut Vec<Other>| -> Vec<String> {
            let Some((g, links)) = links(f, path) else { return Vec::new() };
            let mut keep = Vec::new();
            for l in links {
                match resolve(f, &g, &l) {
                    Resolved::Kind(k) if k == want => keep.push(l.name),
                    Resolved::Broken => keep.push(l.name),
                    Resolved::Kind(kind) => other.push(Other { path: g.child_path(&l.name), kind }),
                }
            }
            keep
        };
        let mut other = Vec::new();
        c.row_attrs = sort("/row_attrs", MemberKind::Dataset, &mut other);
        c.col_attrs = sort("/col_attrs", MemberKind::Dataset, &mut other);
        c.layers = sort("/layers", MemberKind::Dataset, &mut other);
        if f.exists("/attrs") {
            c.globals = Some(sort("/attrs", MemberKind::Dataset, &mut other));
        }
        for axis in [Axis::Rows, Axis::Cols] {
            let mut names = Vec::new();
            for group in [axis.graphs_group(), axis.legacy_graphs_group()] {
                for name in sort(group, MemberKind::Group, &mut other) {
                    // Inside a graph: a, b and w; anything more is beyond the spec.
                    let gp = format!("{group}/{name}");
                    if let Some((g, links)) = links(f, &gp) {
                        for l in
                            links.iter().filter(|l| !matches!(l.name.as_str(), "a" | "b" | "w"))
                        {
                            if let Resolved::Kind(kind) = resolve(f, &g, l) {
                                other.push(Other { path: g.child_path(&l.name), kind });
                            }
                        }
                    }
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            names.sort();
            match axis {
                Axis::Rows => c.row_graphs = names,
                Axis::Cols => c.col_graphs = names,
            }
        }
        // The root: the spec's names, plus whatever else is there.
        if let Some((g, links)) = links(f, "/") {
            for l in links {
                let known = ROOT_MEMBERS.contains(&l.name.as_str());
                match resolve(f, &g, &l) {
                    // The spec's groups as something else (a `/layers` dataset, ...).
                    Resolved::Kind(MemberKind::Dataset) if l.name == "matrix" => {}
                    Resolved::Kind(MemberKind::Group) if known && l.name != "matrix" => {}
                    Resolved::Broken => {}
                    Resolved::Kind(kind) => other.push(Other { path: g.child_path(&l.name), kind }),
                }
            }
        }
        other.sort_by(|a, b| a.path.cmp(&b.path));
        other.dedup();
        c.other = other;
        c
    }

    pub(crate) fn attrs(&self, axis: Axis) -> &[String] {
        match axis {
            Axis::Rows => &self.row_attrs,
            Axis::Cols => &self.col_attrs,
        }
    }

    pub(crate) fn graphs(&self, axis: Axis) -> &[String] {
        match axis {
            Axis::Rows => &self.row_graphs,
            Axis::Cols => &self.col_graphs,
        }
    }
}

impl LoomFile {
    /// Members beyond the loom spec (groups inside `/row_attrs`, datasets inside
    /// `/col_graphs`, extra objects at the root, ...), sorted by path. Every reader skips
    /// them; see the [`catalog`](crate::catalog) module.
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
    /// let mut w = loomfile::hdf5::Writer::open(&path)?;
    /// w.create_group("/row_attrs/GRanges")?;
    /// w.create_group("/tiles")?;
    /// w.finish()?;
    /// let f = LoomFile::open(&path)?;
    /// let paths: Vec<String> = f.other_members().into_iter().map(|o| o.path).collect();
    /// assert_eq!(paths, ["/row_attrs/GRanges", "/tiles"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn other_members(&self) -> Vec<Other> {
        self.catalog().other.clone()
    }

    /// Warnings about how this file was read: the members beyond the spec that readers skip
    /// (one line for all of them), and a lock the file system could not take. Empty for a
    /// file written to the spec on a file system with working locks. Tools print these once.
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
    /// assert!(LoomFile::open(&path)?.warnings().is_empty());
    /// let mut w = loomfile::hdf5::Writer::open(&path)?;
    /// w.create_group("/col_attrs/reducedDims")?;
    /// w.finish()?;
    /// let warnings = LoomFile::open(&path)?.warnings();
    /// assert_eq!(
    ///     warnings,
    ///     ["1 member beyond the loom spec skipped: /col_attrs/reducedDims (group)"]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(w) = self.reader.lock_warning() {
            out.push(w.to_string());
        }
        let other = &self.catalog().other;
        if !other.is_empty() {
            const SHOWN: usize = 6;
            let mut list: Vec<String> = other
                .iter()
                .take(SHOWN)
                .map(|o| format!("{} ({})", o.path, o.kind.name()))
                .collect();
            if other.len() > SHOWN {
                list.push(format!("and {} more", other.len() - SHOWN));
            }
            out.push(format!(
                "{} member{} beyond the loom spec skipped: {}",
                other.len(),
                if other.len() == 1 { "" } else { "s" },
                list.join(", ")
            ));
        }
        out
    }
}
