//! Shared by the reader-robustness test of this crate (`tests/reader_limits.rs`) and the h5py
//! comparison of the cli crate (`crates/cli/tests/bitflips_h5py.rs`, which includes this
//! folder with `#[path]`): the seed files, the fixed-seed single-bit flips, and the logical
//! digest of a file as the engine reads it. Both tests must flip exactly the same bits, so
//! the flips are generated here and nowhere else.
//!
//! Engine only (no Python, no processes), so it also runs on wasm and under qemu.

#![allow(dead_code)]

use loomfile_hdf5::storage::MemStorage;
use loomfile_hdf5::{Attribute, Datatype, File, Limits};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The three truncation seeds (goal A3), relative to the workspace root.
pub const TRUNCATION_SEEDS: [&str; 3] = [
    "fixtures/hdf5/loompy_small.h5",
    "fixtures/loom/rich_v3.loom",
    "fixtures/hdf5/attributes_latest.h5",
];

/// The two bit-flip seeds (goal D3): loom files, as in the h5py baseline (8.5 %).
pub const FLIP_SEEDS: [&str; 2] = ["fixtures/hdf5/loompy_small.h5", "fixtures/loom/rich_v3.loom"];

/// Flips per seed file.
pub const FLIPS_PER_SEED: usize = 1_000;

/// Read a seed file.
pub fn seed(rel: &str) -> Vec<u8> {
    let p = root().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[path = "../support/rng.rs"]
mod rng;
pub use rng::Rng;

/// One single-bit flip: byte offset and bit number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flip {
    /// Byte offset in the file.
    pub pos: usize,
    /// Bit within the byte (0 = least significant).
    pub bit: u8,
}

impl Flip {
    /// `bytes` with this bit flipped.
    pub fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        let mut v = bytes.to_vec();
        v[self.pos] ^= 1 << self.bit;
        v
    }
}

/// The fixed-seed flips of seed number `i` (of [`FLIP_SEEDS`]) for a file of `len` bytes.
pub fn flips(i: usize, len: usize) -> Vec<Flip> {
    let mut rng = Rng(0x5eed_f11b_0000_0000 + i as u64);
    (0..FLIPS_PER_SEED)
        .map(|_| Flip { pos: rng.below(len as u64) as usize, bit: rng.below(8) as u8 })
        .collect()
}

fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

const FNV0: u64 = 0xcbf2_9ce4_8422_2325;

/// Numbers are compared by their exact bytes; everything else (strings, compounds, enums)
/// by decoded value, so that bytes a reader ignores (after a string's terminator, vlen heap
/// addresses) do not count as a difference.
fn exact_bytes(dt: &Datatype) -> bool {
    matches!(dt, Datatype::Integer { .. } | Datatype::Float { .. })
}

fn attrs(out: &mut String, attrs: &[Attribute]) -> loomfile_hdf5::Result<()> {
    let mut v: Vec<&Attribute> = attrs.iter().collect();
    v.sort_by(|a, b| a.name().cmp(b.name()));
    for a in v {
        let _ = write!(out, "  @{} {:?} {:?} = ", a.name(), a.dtype(), a.shape());
        if exact_bytes(a.dtype()) {
            // Decode too: a value the reader cannot produce is an error, as for datasets.
            a.value()?;
            let _ = writeln!(out, "{:016x}", fnv(FNV0, a.raw()));
        } else {
            let _ = writeln!(out, "{:?}", a.value()?);
        }
    }
    Ok(())
}

/// The logical content of a file, as the engine reads it under `limits`: every path with its
/// kind, datatype, shape, attributes (names, types, shapes, values) and data (numbers by their
/// exact bytes), plus soft/external links and cycles. Storage details (chunking, filters,
/// addresses) are not content. Any read failure is an `Err`.
pub fn digest(bytes: Vec<u8>, limits: Limits) -> loomfile_hdf5::Result<String> {
    let f = File::from_storage(Arc::new(MemStorage::frozen(bytes)), limits)?;
    let nodes = walk(&f, "/", WalkOptions { max_nodes: 100_000, ..WalkOptions::default() })?;
    let mut out = String::new();
    for n in nodes {
        match &n.kind {
            NodeKind::Group { attrs: a } => {
                let _ = writeln!(out, "G {}", n.path);
                attrs(&mut out, a)?;
            }
            NodeKind::Dataset { dataset: d, attrs: a, data } => {
                let _ = write!(out, "D {} {:?} {:?} = ", n.path, d.dtype(), d.shape());
                if exact_bytes(d.dtype()) {
                    let _ = writeln!(out, "{:016x}", fnv(FNV0, &d.read_raw_all()?));
                } else {
                    let _ = writeln!(out, "{data:?}");
                }
                attrs(&mut out, a)?;
            }
            other => {
                let _ = writeln!(out, "L {} {other:?}", n.path);
            }
        }
    }
    Ok(out)
}

/// How a mutated file reads compared with the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// The same logical content.
    Identical,
    /// A typed error.
    Error,
    /// Read without an error, but with other content.
    Different,
}

impl Verdict {
    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::Error => "error",
            Verdict::Different => "different",
        }
    }
}

/// Classify a mutated file against the original's digest.
pub fn verdict(bytes: Vec<u8>, original: &str) -> Verdict {
    match digest(bytes, Limits::strict()) {
        Ok(d) if d == original => Verdict::Identical,
        Ok(_) => Verdict::Different,
        Err(_) => Verdict::Error,
    }
}
