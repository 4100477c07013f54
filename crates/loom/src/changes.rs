//! What changed since a time: the `last_modified` stamps loompy writes on layers,
//! attributes, graphs and their groups, read back (loompy's `last_modified(name)` on each
//! manager and `get_changes_since`). Reading never writes a stamp (loompy writes one when
//! asked in r+ mode); an object without a stamp counts as changed, since nothing says when
//! it last did. Graph stamps are found (loompy's path for them lacks a slash, so its
//! `get_changes_since` raises on any file with graphs).

use crate::file::{Axis, LoomFile};
use crate::layers::layer_path;
use loomfile_hdf5::Object;

/// Names changed since a time, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Layers (`""` is the main matrix).
    pub layers: Vec<String>,
    /// Row attributes.
    pub row_attrs: Vec<String>,
    /// Column attributes.
    pub col_attrs: Vec<String>,
    /// Row graphs.
    pub row_graphs: Vec<String>,
    /// Column graphs.
    pub col_graphs: Vec<String>,
}

impl LoomFile {
    /// The `last_modified` stamp of the object at `path` (a group or a dataset), if any.
    pub fn stamp_of(&self, path: &str) -> Option<String> {
        let a = match self.reader.object(path).ok()? {
            Object::Dataset(d) => d.attribute("last_modified").ok()??,
            Object::Group(g) => g.attribute("last_modified").ok()??,
            _ => return None,
        };
        a.read_strings().ok()?.into_iter().next()
    }

    /// When a layer was last written (`None`: never stamped).
    pub fn layer_last_modified(&self, name: &str) -> Option<String> {
        self.stamp_of(&layer_path(name))
    }

    /// When a row or column attribute (or, with `None`, the attribute group) was last
    /// written.
    pub fn attr_last_modified(&self, axis: Axis, name: Option<&str>) -> Option<String> {
        match name {
            Some(n) => self.stamp_of(&format!("{}/{n}", axis.attrs_group())),
            None => self.stamp_of(axis.attrs_group()),
        }
    }

    /// When a graph (or, with `None`, the graph group) was last written.
    pub fn graph_last_modified(&self, axis: Axis, name: Option<&str>) -> Option<String> {
        match name {
            Some(n) => self
                .stamp_of(&format!("{}/{n}", axis.graphs_group()))
                .or_else(|| self.stamp_of(&format!("{}/{n}", axis.legacy_graphs_group()))),
            None => self.stamp_of(axis.graphs_group()),
        }
    }

    /// Everything stamped after `timestamp` (loompy's format compares as text), or not
    /// stamped at all.
    pub fn changes_since(&self, timestamp: &str) -> Changes {
        let newer = |s: Option<String>| s.is_none_or(|s| s.as_str() > timestamp);
        let pick = |names: Vec<String>, f: &dyn Fn(&str) -> Option<String>| -> Vec<String> {
            names.into_iter().filter(|n| newer(f(n))).collect()
        };
        Changes {
            layers: pick(self.layer_names(), &|n| self.layer_last_modified(n)),
            row_attrs: pick(self.attr_names(Axis::Rows), &|n| {
                self.attr_last_modified(Axis::Rows, Some(n))
            }),
            col_attrs: pick(self.attr_names(Axis::Cols), &|n| {
                self.attr_last_modified(Axis::Cols, Some(n))
            }),
            row_graphs: pick(self.graph_names(Axis::Rows), &|n| {
                self.graph_last_modified(Axis::Rows, Some(n))
            }),
            col_graphs: pick(self.graph_names(Axis::Cols), &|n| {
                self.graph_last_modified(Axis::Cols, Some(n))
            }),
        }
    }
}
