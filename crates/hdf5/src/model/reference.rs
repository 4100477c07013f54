//! Object references: an element of an HDF5 reference type (class 7, kind 0) holds the
//! address of an object header. anndata 0.7 keeps a categorical column's `categories` this
//! way; `h5 dump` prints a reference as the path of the object it points to, as h5py's
//! `f[ref].name` does.
//!
//! Paths are found by one walk of the file in name order (depth first, each group once),
//! cached with the file: the first path that reaches an object is its name.

use super::file::File;
use super::object::{LinkEntry, Object, ObjectKind, classify, links_of};
use crate::raw::messages::datatype::Datatype;
use crate::raw::messages::link::LinkTarget;
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};

/// Most objects the path walk visits (hostile files can hold many links).
const MAX_WALK: usize = 1_000_000;

/// True for an object reference type (the kind `h5 dump` prints as paths).
pub fn is_object_reference(dt: &Datatype) -> bool {
    matches!(dt, Datatype::Reference { kind: 0, .. })
}

impl File {
    /// The header address an object reference element holds; `None` for a null reference
    /// (address 0 or undefined).
    pub fn reference_address(&self, raw: &[u8]) -> Option<u64> {
        let n = (self.inner.src.sizes.offset as usize).min(8).min(raw.len());
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&raw[..n]);
        let a = u64::from_le_bytes(b);
        let undefined = if n >= 8 { u64::MAX } else { (1u64 << (8 * n)) - 1 };
        (a != 0 && a != undefined).then_some(a)
    }

    /// The object a reference element points to, opened under its path (or `<address>` when
    /// no path reaches it); `None` for a null reference.
    pub fn dereference(&self, raw: &[u8]) -> Result<Option<Object>> {
        let Some(addr) = self.reference_address(raw) else { return Ok(None) };
        let path = self.path_of(addr).unwrap_or_else(|| format!("<object at {addr:#x}>"));
        Object::open(self.clone(), path, addr).map(Some)
    }

    /// The first path (in name order) that reaches the object whose header is at `addr`.
    pub fn path_of(&self, addr: u64) -> Option<String> {
        let map = self.inner.paths.get_or_init(|| object_paths(self).unwrap_or_default());
        map.get(&addr).cloned()
    }
}

/// Address -> first path, for every object reachable from the root through hard links, in
/// the order HDF5's own name lookup visits them: depth first, links in name order, each
/// group entered once.
fn object_paths(file: &File) -> Result<HashMap<u64, String>> {
    let root = file.inner.superblock.root_address();
    let mut map = HashMap::from([(root, "/".to_string())]);
    let mut entered = HashSet::from([root]);
    let links = |addr: u64| -> Result<Vec<LinkEntry>> {
        let mut l = links_of(file, &*file.inner.header(addr)?)?;
        l.sort_by(|a, b| b.name.cmp(&a.name));
        Ok(l)
    };
    // Each frame: a group's path and its links not yet visited, last name on top.
    let mut stack = vec![("/".to_string(), links(root)?)];
    while let Some((path, rest)) = stack.last_mut() {
        let Some(link) = rest.pop() else {
            stack.pop();
            continue;
        };
        let LinkTarget::Hard(child) = link.target else { continue };
        if map.len() >= MAX_WALK {
            return Err(Error::limit("reference path walk", map.len() as u64, MAX_WALK as u64));
        }
        let p =
            if path == "/" { format!("/{}", link.name) } else { format!("{path}/{}", link.name) };
        map.entry(child).or_insert_with(|| p.clone());
        let is_group = file.inner.header(child).is_ok_and(|h| classify(&h) == ObjectKind::Group);
        if is_group && entered.insert(child) {
            let l = links(child)?;
            stack.push((p, l));
        }
    }
    Ok(map)
}
