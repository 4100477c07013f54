//! Writer → reader round trips (goal D4), engine only.
//!
//! - `random_trees_round_trip`: random trees (nested groups; datasets of every integer and
//!   float size, fixed and vlen strings, bools; scalar, 0-length and 1-3-D shapes;
//!   contiguous, compact and chunked layouts with random, non-dividing chunk shapes; gzip
//!   0-9, shuffle, fletcher32; fixed, larger and unlimited maximum shapes; fill values;
//!   partial and overlapping writes, typed and raw; attributes of those types, some past
//!   64 KiB so that they go to dense storage; soft and external links) are written to memory with the Writer, committing at random points,
//!   reopened with `File::from_bytes`, and every path, type, shape, layout, chunk shape,
//!   filter, fill value, attribute and element is compared bit for bit with the model.
//! - `random_edits_match_the_model`: random edit sequences (set/replace/delete attributes,
//!   create/delete groups, datasets and links, box writes, resizes, pre-encoded chunks,
//!   commits) in one to three `Writer::open_in` sessions on an existing file; the writer's
//!   committed view is checked at every commit and the reopened file after every session.
//! - deterministic cases: large structures (multi-level B-trees, many heap collections),
//!   hard links, scalar/compact/empty corners, regressions.
//!
//! No Python, no processes, no files: runs on wasm and under qemu. 64 cases per property by
//! default; `PROPTEST_CASES=N` raises it.

mod support;

use loomfile_hdf5::storage::{MemStorage, WriteAt};
use loomfile_hdf5::{AttrValue, DatasetSpec, Datatype, File, LayoutSpec, Selection, Writer};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use std::sync::Arc;
use support::model::{self, MGroup};
use support::strategies::{self as strat, Edit};

fn config() -> Config {
    Config { cases: support::cases(64), failure_persistence: None, ..Config::default() }
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Write `tree` to memory (committing where `mask` says, and at the end).
fn write(tree: &MGroup, mask: u64) -> Result<Vec<u8>, TestCaseError> {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).map_err(fail)?;
    model::write_tree(&mut w, tree, mask).map_err(|e| fail(format!("write: {e}")))?;
    w.commit().map_err(|e| fail(format!("commit: {e}")))?;
    Ok(st.to_vec())
}

proptest! {
    #![proptest_config(config())]

    /// A random tree written in one or several commits reads back identically.
    #[test]
    fn random_trees_round_trip(tree in strat::tree(), mask in prop_oneof![Just(0u64), any::<u64>()]) {
        let bytes = write(&tree, mask)?;
        let file = File::from_bytes(bytes).map_err(fail)?;
        model::check(&file, &tree).map_err(fail)?;
    }

    /// Random edit sequences, in one to three editing sessions on the same file, each
    /// committing at random points, match the model after every commit and on reopening.
    #[test]
    fn random_edits_match_the_model(
        base in strat::tree(),
        sessions in prop::collection::vec(prop::collection::vec(strat::edit(), 1..10), 1..4),
    ) {
        let mut bytes = write(&base, 0)?;
        let mut model = base;
        for (s, edits) in sessions.iter().enumerate() {
            let st = Arc::new(MemStorage::new(bytes));
            let dynst: Arc<dyn WriteAt> = st.clone();
            let mut w = Writer::open_in(dynst).map_err(|e| fail(format!("open_in: {e}")))?;
            for (i, e) in edits.iter().enumerate() {
                strat::apply(&mut w, &mut model, e)
                    .map_err(|m| fail(format!("session {s} edit {i} {e:?}: {m}")))?;
            }
            w.commit().map_err(|e| fail(format!("session {s} commit: {e}")))?;
            bytes = st.to_vec();
            let file = File::from_bytes(bytes.clone()).map_err(fail)?;
            model::check(&file, &model).map_err(|m| fail(format!("after session {s}: {m}")))?;
        }
    }
}

/// Edits that touch nothing leave the file byte for byte unchanged (no commit happens).
#[test]
fn commit_without_changes_writes_nothing() {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    w.create_group("/g").unwrap();
    w.commit().unwrap();
    let before = st.to_vec();
    let dynst: Arc<dyn WriteAt> = st.clone();
    let mut w = Writer::open_in(dynst).unwrap();
    assert!(w.exists("/g"));
    w.commit().unwrap();
    assert_eq!(st.to_vec(), before);
}

/// Deterministic corner cases the generators reach only sometimes, kept as named tests.
#[test]
fn corner_cases_round_trip() {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    // Scalars in each layout that allows them.
    for (name, layout) in [("cs", LayoutSpec::Contiguous), ("ks", LayoutSpec::Compact)] {
        let spec = DatasetSpec { layout, ..DatasetSpec::contiguous(Datatype::float(8), &[]) };
        let p = format!("/{name}");
        w.create_dataset(&p, spec).unwrap();
        w.write::<f64>(&p, &[], &[2.5]).unwrap();
    }
    // Zero-length axes, chunked with an unlimited axis.
    let spec = DatasetSpec::chunked(Datatype::int(4, true), &[0, 3], &[2, 2])
        .max_shape(&[None, Some(3)])
        .gzip(9);
    w.create_dataset("/empty", spec).unwrap();
    w.write::<i32>("/empty", &[], &[]).unwrap();
    // Chunks that do not divide the shape, written in two overlapping boxes.
    let spec =
        DatasetSpec::chunked(Datatype::int(2, false), &[5, 7], &[2, 3]).shuffle().fletcher32();
    w.create_dataset("/edges", spec).unwrap();
    w.write::<u16>("/edges", &[Selection::Range(0, 5), Selection::Range(0, 7)], &[7; 35]).unwrap();
    w.write::<u16>("/edges", &[Selection::Range(1, 4), Selection::Range(2, 7)], &[9; 15]).unwrap();
    w.set_attr("/edges", "empty", AttrValue::array::<f32>(&[], &[0])).unwrap();
    w.commit().unwrap();
    let f = File::from_bytes(st.to_vec()).unwrap();
    assert_eq!(f.dataset("/cs").unwrap().read::<f64>().unwrap(), vec![2.5]);
    assert_eq!(f.dataset("/ks").unwrap().read::<f64>().unwrap(), vec![2.5]);
    let e = f.dataset("/empty").unwrap();
    assert_eq!(e.shape(), Some(vec![0, 3]));
    assert_eq!(e.max_shape(), vec![None, Some(3)]);
    assert!(e.read::<i32>().unwrap().is_empty());
    let mut want = vec![7u16; 35];
    for r in 1..4 {
        for c in 2..7 {
            want[r * 7 + c] = 9;
        }
    }
    assert_eq!(f.dataset("/edges").unwrap().read::<u16>().unwrap(), want);
    let a = f.dataset("/edges").unwrap().attribute("empty").unwrap().unwrap();
    assert_eq!(a.shape(), Some(vec![0]));
}

/// The edit interpreter skips edits with no target instead of failing: an empty file takes
/// any sequence.
#[test]
fn edits_on_an_empty_file() {
    let mut model = MGroup::default();
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    for e in [
        Edit::Delete { which: 3 },
        Edit::WriteBox { which: 1, seed: 2, typed: true },
        Edit::Resize { which: 0, seed: 9, write: true },
        Edit::DeleteAttr { target: 0, which: 0 },
        Edit::Commit,
    ] {
        strat::apply(&mut w, &mut model, &e).unwrap();
    }
    w.commit().unwrap();
    model::check(&File::from_bytes(st.to_vec()).unwrap(), &model).unwrap();
}

/// Regression: shrinking a chunked dataset so that whole chunks fall outside, committing,
/// then growing it again must show the fill value, not the dropped chunks' old data (the
/// writer used to keep the committed chunk index after dropping chunks from it).
#[test]
fn shrink_commit_regrow_shows_fill() {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    let spec = DatasetSpec::chunked(Datatype::int(1, false), &[1, 1], &[1, 3])
        .max_shape(&[Some(1), Some(4)]);
    w.create_dataset("/d", spec).unwrap();
    w.write::<u8>("/d", &[], &[0xf0]).unwrap();
    w.commit().unwrap();
    for shape in [[1, 0], [1, 2]] {
        let dynst: Arc<dyn WriteAt> = st.clone();
        let mut w = Writer::open_in(dynst).unwrap();
        w.resize("/d", &shape).unwrap();
        w.commit().unwrap();
    }
    let f = File::from_bytes(st.to_vec()).unwrap();
    assert_eq!(f.dataset("/d").unwrap().read::<u8>().unwrap(), vec![0, 0]);
}

/// The generators reach every feature the round-trip properties claim to cover: a
/// degenerate generator would let them pass vacuously.
#[test]
fn generators_cover_the_space() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;
    use support::model::{Lay, MNode, Ty};
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let (mut trees, mut datasets, mut elements, mut chunks) = (0usize, 0usize, 0usize, 0u64);
    fn visit(
        g: &MGroup,
        depth: usize,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<model::MDataset>,
    ) {
        if depth >= 2 {
            seen.insert("nested group".into());
        }
        for a in &g.attrs {
            // Elements of 8 bytes or more (vlen descriptors are 16): past 64 KiB, dense.
            let wide = match a.1.ty {
                Ty::Int { size, .. } | Ty::Float { size } | Ty::FixedStr { size } => size >= 8,
                Ty::VlenStr => true,
                Ty::Bool => false,
            };
            if wide && model::numel(&a.1.shape) >= 8200 {
                seen.insert("dense attributes".into());
            }
            seen.insert(format!(
                "attr {:?} rank {}",
                std::mem::discriminant(&a.1.ty),
                a.1.shape.len()
            ));
        }
        for n in g.children.values() {
            match n {
                MNode::Group(s) => visit(s, depth + 1, seen, out),
                MNode::Dataset(d) => out.push(d.clone()),
                MNode::Soft(_) => {
                    seen.insert("soft link".into());
                }
                MNode::External(..) => {
                    seen.insert("external link".into());
                }
            }
        }
    }
    for _ in 0..300 {
        let tree = strat::tree().new_tree(&mut runner).unwrap().current();
        trees += 1;
        let mut ds = Vec::new();
        visit(&tree, 0, &mut seen, &mut ds);
        for d in ds {
            datasets += 1;
            elements += model::numel(&d.shape);
            let t = match d.ty {
                Ty::Int { size, signed } => format!("int{size}{}", if signed { "s" } else { "u" }),
                Ty::Float { size } => format!("float{size}"),
                ref other => format!("{other:?}").split([' ', '{']).next().unwrap().to_string(),
            };
            seen.insert(t);
            seen.insert(format!("rank {}", d.shape.len()));
            if d.shape.contains(&0) {
                seen.insert("zero-length axis".into());
            }
            if d.fill.is_some() {
                seen.insert("fill".into());
            }
            if d.init.iter().any(|b| !b.whole) {
                seen.insert("partial write".into());
            }
            if d.init.is_empty() {
                seen.insert("never written".into());
            }
            if d.max.contains(&None) {
                seen.insert("unlimited".into());
            }
            match &d.layout {
                Lay::Contiguous => {
                    seen.insert("contiguous".into());
                }
                Lay::Compact => {
                    seen.insert("compact".into());
                }
                Lay::Chunked(c) => {
                    seen.insert("chunked".into());
                    if d.shape.iter().zip(c).any(|(s, c)| s % c != 0) {
                        seen.insert("non-dividing chunks".into());
                    }
                    chunks += d.shape.iter().zip(c).map(|(s, c)| s.div_ceil(*c)).product::<u64>();
                }
            }
            if let Some(l) = d.gzip {
                seen.insert(format!("gzip{l}"));
            }
            if d.shuffle {
                seen.insert("shuffle".into());
            }
            if d.fletcher {
                seen.insert("fletcher32".into());
            }
        }
    }
    eprintln!(
        "{trees} trees: {datasets} datasets, {elements} elements, {chunks} chunks; {} features",
        seen.len()
    );
    let mut want: Vec<String> = [
        "nested group",
        "soft link",
        "external link",
        "rank 0",
        "rank 1",
        "rank 2",
        "rank 3",
        "zero-length axis",
        "fill",
        "partial write",
        "never written",
        "unlimited",
        "contiguous",
        "compact",
        "chunked",
        "non-dividing chunks",
        "shuffle",
        "fletcher32",
        "float2",
        "float4",
        "float8",
        "VlenStr",
        "FixedStr",
        "Bool",
        "dense attributes",
    ]
    .map(String::from)
    .to_vec();
    for size in [1, 2, 4, 8] {
        want.push(format!("int{size}s"));
        want.push(format!("int{size}u"));
    }
    want.extend((0..=9).map(|l| format!("gzip{l}")));
    let missing: Vec<&String> = want.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "generators never produced {missing:?}");
    assert!(seen.iter().filter(|s| s.starts_with("attr ")).count() >= 10, "{seen:?}");
    assert!(
        datasets >= 900 && elements >= 30_000,
        "trees too small: {datasets} datasets, {elements} elements"
    );
}

/// Multi-level B-trees and many heap collections, written, reopened, edited in place (links
/// deleted and added in the big group, boxes rewritten, the chunked dataset resized), and
/// reopened again.
#[test]
fn large_structures_round_trip_and_edit() {
    let mut model = strat::large_tree();
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    model::write_tree(&mut w, &model, 0).unwrap();
    w.commit().unwrap();
    model::check(&File::from_bytes(st.to_vec()).unwrap(), &model).unwrap();
    let f = File::from_bytes(st.to_vec()).unwrap();
    assert_eq!(f.dataset("/chunks").unwrap().chunks().unwrap().entries().unwrap().len(), 5200);

    let dynst: Arc<dyn WriteAt> = st.clone();
    let mut w = Writer::open_in(dynst).unwrap();
    let mut rng = support::Rng(7);
    for i in (0..300).step_by(4) {
        let p = format!("/big/n{i:03}");
        w.delete(&p).unwrap();
        model.remove(&p).unwrap();
    }
    for i in 0..60 {
        let p = format!("/big/m{i:02}");
        w.create_group(&p).unwrap();
        model
            .group_mut("/big")
            .unwrap()
            .children
            .insert(format!("m{i:02}"), model::MNode::Group(MGroup::default()));
    }
    // Datasets in path order: /big/n001, /big/n004, ..., /chunks, /strings; chunked ones:
    // /chunks, /strings.
    let n = model.dataset_count() as u64;
    let (chunks, strings) = (n - 2, n - 1);
    for e in [
        Edit::WriteBox { which: chunks, seed: rng.next(), typed: false },
        Edit::WriteBox { which: strings, seed: rng.next(), typed: false },
        Edit::Resize { which: 0, seed: rng.next(), write: true },
        Edit::Commit,
        Edit::WriteBox { which: strings, seed: rng.next(), typed: true },
        Edit::Resize { which: 1, seed: rng.next(), write: true },
    ] {
        assert!(strat::apply(&mut w, &mut model, &e).unwrap(), "{e:?} found no target");
    }
    w.commit().unwrap();
    model::check(&File::from_bytes(st.to_vec()).unwrap(), &model).unwrap();
}

/// Hard links: both paths read the same object; the writer refuses to edit an object reachable
/// through several links (documented: its other paths would keep the old version) but edits
/// everything else in the file, and keeps both links.
#[test]
fn hard_links_round_trip() {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).unwrap();
    w.create_group("/g").unwrap();
    w.create_dataset("/d", DatasetSpec::chunked(Datatype::int(2, true), &[5], &[2])).unwrap();
    w.write::<i16>("/d", &[], &[1, -2, 3, -4, 5]).unwrap();
    w.set_attr("/d", "a", AttrValue::scalar(1.5f32)).unwrap();
    w.link_hard("/g/alias", "/d").unwrap();
    w.commit().unwrap();
    let f = File::from_bytes(st.to_vec()).unwrap();
    let a = f.dataset("/d").unwrap();
    let b = f.dataset("/g/alias").unwrap();
    assert_eq!(a.address(), b.address());
    assert_eq!(b.read::<i16>().unwrap(), vec![1, -2, 3, -4, 5]);
    assert_eq!(a.header().refcount, 2);
    let walked = loomfile_hdf5::walk(&f, "/", Default::default()).unwrap();
    let paths: Vec<&str> = walked.iter().map(|n| n.path.as_str()).collect();
    assert_eq!(paths, ["/", "/d", "/g", "/g/alias"]);

    let dynst: Arc<dyn WriteAt> = st.clone();
    let mut w = Writer::open_in(dynst).unwrap();
    let e = w.set_attr("/d", "b", AttrValue::scalar(2u8)).unwrap_err();
    assert!(matches!(e, loomfile_hdf5::Error::Unsupported { .. }), "{e}");
    let mut w = Writer::open_in(st.clone()).unwrap();
    w.set_attr("/", "top", AttrValue::string("edited")).unwrap();
    w.create_group("/g/new").unwrap();
    w.commit().unwrap();
    let f = File::from_bytes(st.to_vec()).unwrap();
    assert_eq!(f.dataset("/g/alias").unwrap().read::<i16>().unwrap(), vec![1, -2, 3, -4, 5]);
    assert_eq!(f.dataset("/d").unwrap().address(), f.dataset("/g/alias").unwrap().address());
    assert!(f.exists("/g/new"));
}
