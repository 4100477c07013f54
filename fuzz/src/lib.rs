//! Fuzz harnesses for loomfile-hdf5, one function per cargo-fuzz target.
//!
//! The same functions run the committed regression inputs on stable: the test
//! `crates/hdf5/tests/fuzz_regressions.rs` includes this file with `#[path]` and replays every
//! file of `fuzz/regressions/<target>/` through [`run`]. A harness panics only on a real
//! finding: a panic inside the library, or a broken round-trip / model invariant. Errors
//! returned by the library are the expected outcome for hostile input.
//!
//! Input layouts (shared with the seed extractor in `examples/seed_corpora.rs`):
//! - whole-file targets (`open_walk_read`, `superblock`): the file bytes;
//! - message targets: one config byte (field widths, see [`sizes`]) then the message body;
//! - structure targets (`object_header`, `btree_v1`, `symbol_node`, `local_heap`,
//!   `global_heap`): [`PREFIX_LEN`] bytes (config byte, u16 parameter, u64 address; see
//!   [`Prefix`]) then a file image the structure is read from at that address;
//! - `filters`: a few pipeline bytes then the stored chunk (see [`filters`]);
//! - `writer_ops`: `arbitrary` bytes for a sequence of writer operations.

#![forbid(unsafe_code)]

#[path = "filters.rs"]
mod filters_target;
#[path = "raw.rs"]
mod raw_targets;
#[path = "writer_ops.rs"]
mod writer_ops_target;

pub use filters_target::{filters, kind_of};
pub use raw_targets::{
    attribute, btree_v1, dataspace, datatype, fill_value, filter_pipeline, global_heap, layout,
    link, local_heap, object_header, superblock, symbol_node,
};
pub use writer_ops_target::writer_ops;

use loomfile_hdf5::raw::Sizes;
use loomfile_hdf5::storage::MemStorage;
use loomfile_hdf5::{File, Limits, LinkTarget, Object, Selection};
use loomfile_hdf5::{WalkOptions, walk};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Every target name, as in `fuzz/Cargo.toml` and `fuzz/regressions/`.
pub const TARGETS: &[&str] = &[
    "open_walk_read",
    "superblock",
    "object_header",
    "datatype",
    "dataspace",
    "layout",
    "filter_pipeline",
    "attribute",
    "link",
    "fill_value",
    "btree_v1",
    "symbol_node",
    "local_heap",
    "global_heap",
    "filters",
    "writer_ops",
];

/// Targets whose harness lives outside this file (it needs another crate), with the test
/// that replays their regressions: `loom_open_validate` (src/loom.rs,
/// crates/loom/tests/fuzz_regressions.rs).
pub const OTHER_TARGETS: &[&str] = &["loom_open_validate"];

/// Run the harness of `target` on `data`; false for an unknown target name.
pub fn run(target: &str, data: &[u8]) -> bool {
    let f: fn(&[u8]) = match target {
        "open_walk_read" => open_walk_read,
        "superblock" => superblock,
        "object_header" => object_header,
        "datatype" => datatype,
        "dataspace" => dataspace,
        "layout" => layout,
        "filter_pipeline" => filter_pipeline,
        "attribute" => attribute,
        "link" => link,
        "fill_value" => fill_value,
        "btree_v1" => btree_v1,
        "symbol_node" => symbol_node,
        "local_heap" => local_heap,
        "global_heap" => global_heap,
        "filters" => filters,
        "writer_ops" => writer_ops,
        _ => return false,
    };
    f(data);
    true
}

/// Field widths from the low four bits of a config byte: bits 0-1 size of offsets, bits 2-3
/// size of lengths, each 0 → 8, 1 → 4, 2 → 2, 3 → 8.
pub fn sizes(cfg: u8) -> Sizes {
    const W: [u8; 4] = [8, 4, 2, 8];
    Sizes { offset: W[(cfg & 3) as usize], length: W[((cfg >> 2) & 3) as usize] }
}

/// The config bits [`sizes`] decodes back to `s`.
pub fn sizes_cfg(s: Sizes) -> u8 {
    let w = |v: u8| match v {
        4 => 1,
        2 => 2,
        _ => 0,
    };
    w(s.offset) | (w(s.length) << 2)
}

/// Length of the prefix of structure-target inputs.
pub const PREFIX_LEN: usize = 11;

/// The prefix of structure-target inputs: config byte, a u16 parameter (B-tree K, leaf K),
/// and the address of the structure in the file image that follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// Config byte: field widths (bits 0-3) and target-specific bits.
    pub cfg: u8,
    /// Target-specific parameter.
    pub param: u16,
    /// Address of the structure in the file image.
    pub addr: u64,
}

impl Prefix {
    /// Split an input into its prefix and file image (`None` when too short).
    pub fn split(data: &[u8]) -> Option<(Prefix, &[u8])> {
        let (head, file) = data.split_at_checked(PREFIX_LEN)?;
        let mut addr = [0u8; 8];
        addr.copy_from_slice(&head[3..11]);
        Some((
            Prefix {
                cfg: head[0],
                param: u16::from_le_bytes([head[1], head[2]]),
                addr: u64::from_le_bytes(addr),
            },
            file,
        ))
    }

    /// Encode, followed by `file`.
    pub fn encode(&self, file: &[u8]) -> Vec<u8> {
        let mut v = Vec::with_capacity(PREFIX_LEN + file.len());
        v.push(self.cfg);
        v.extend_from_slice(&self.param.to_le_bytes());
        v.extend_from_slice(&self.addr.to_le_bytes());
        v.extend_from_slice(file);
        v
    }
}

/// Most elements decoded into [`loomfile_hdf5::Value`] trees per input by
/// [`open_walk_read`], and most bytes read raw: together they keep every input under the
/// 1 s bound (a 1 MiB file can declare thousands of datasets, each up to the read limit).
const VALUE_BUDGET: u64 = 1 << 16;
const RAW_BUDGET: u64 = 16 << 20;
/// Files with at most this many elements in all are also dumped by the library's walk.
const DUMP_ELEMENTS: u64 = 1 << 14;
/// Most objects visited per input.
const MAX_OBJECTS: usize = 10_000;

/// Take `n` from `budget` if it fits.
fn spend(budget: &mut u64, n: Option<u64>) -> bool {
    match n {
        Some(n) if n <= *budget => {
            *budget -= n;
            true
        }
        _ => false,
    }
}

/// In-memory bytes that call themselves remote: chunk indexes are then read on demand.
struct Remote(MemStorage);

impl loomfile_hdf5::storage::ReadAt for Remote {
    fn len(&self) -> std::io::Result<u64> {
        self.0.len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.0.read_exact_at(offset, buf)
    }
    fn is_remote(&self) -> bool {
        true
    }
}

/// Open raw bytes with strict limits; visit every object reachable through hard links (by
/// header address, each once) and read every dataset and every attribute value; resolve
/// some paths; then run the library's walk, with data and attributes when the file is small.
/// Inputs of odd length are read as remote storage, so v1 B-tree chunk indexes go through
/// the lookups that read them on demand.
pub fn open_walk_read(data: &[u8]) {
    let mem = MemStorage::frozen(data.to_vec());
    let storage: Arc<dyn loomfile_hdf5::storage::ReadAt> =
        if data.len() % 2 == 1 { Arc::new(Remote(mem)) } else { Arc::new(mem) };
    let Ok(file) = File::from_storage(storage, Limits::strict()) else { return };
    let Ok(root) = file.root() else { return };
    // Object-reference resolution walks every path once (h5 dump's reference printing).
    let _ = file.path_of(root.address());
    let (mut values, mut raw, mut total) = (VALUE_BUDGET, RAW_BUDGET, 0u64);
    let mut queue = VecDeque::from([(root.address(), "/".to_string())]);
    let mut seen = HashSet::new();
    let mut paths = Vec::new();
    while let Some((addr, path)) = queue.pop_front() {
        if seen.len() >= MAX_OBJECTS || !seen.insert(addr) {
            continue;
        }
        let Ok(obj) = Object::open(file.clone(), path.clone(), addr) else { continue };
        for a in obj.attributes().into_iter().flatten() {
            let n = a.space().element_count();
            total = total.saturating_add(n.unwrap_or(u64::MAX));
            if spend(&mut values, n) {
                let _ = a.value();
            }
        }
        match &obj {
            Object::Group(g) => {
                for l in g.links().into_iter().flatten() {
                    if let LinkTarget::Hard(a) = l.target {
                        queue.push_back((a, g.child_path(&l.name)));
                    }
                }
            }
            Object::Dataset(d) => {
                let _ = d.chunks();
                let _ = d.storage_size();
                let n = d.space().element_count();
                total = total.saturating_add(n.unwrap_or(u64::MAX));
                if spend(&mut values, n) {
                    let _ = d.value();
                } else if spend(&mut raw, n.and_then(|n| n.checked_mul(d.dtype().size()))) {
                    let _ = d.read_raw_all();
                }
                // Selections: the first element, and the last index of every axis.
                if let Some(shape) = d.shape().filter(|s| !s.is_empty() && !s.contains(&0)) {
                    let _ = d.read_raw(&vec![Selection::Range(0, 1); shape.len()]);
                    let last: Vec<Selection> =
                        shape.iter().map(|&n| Selection::Index(vec![n - 1])).collect();
                    let _ = d.read_raw(&last);
                }
            }
            Object::Datatype(_) => {}
        }
        paths.push(path);
    }
    for p in paths.iter().take(32) {
        let _ = file.object(p);
    }
    let structure = WalkOptions { data: false, attrs: false, max_nodes: 10_000, max_depth: 256 };
    let _ = walk(&file, "/", structure);
    // The dump path, when the file is small enough to read twice within the time bound.
    if total <= DUMP_ELEMENTS {
        let full = WalkOptions { max_nodes: 10_000, max_depth: 256, ..WalkOptions::default() };
        let _ = walk(&file, "/", full);
    }
}
