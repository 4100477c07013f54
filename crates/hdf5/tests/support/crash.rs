//! Crash-consistency harness: a base file, the editing operations under test, a logical
//! digest of a file, kill-point sampling and replay of an operation on a faulting storage.

use loomfile_hdf5::storage::{FaultPlan, FaultStorage, MemStorage, WriteAt, WriteEvent};
use loomfile_hdf5::{AttrValue, Attribute, DatasetSpec, Datatype, Error, File, Selection, Writer};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};
use std::fmt::Write as _;
use std::sync::Arc;

type R = loomfile_hdf5::Result<()>;

/// The file every operation starts from: nested groups with attributes of several types, a
/// contiguous, a compact and several chunked datasets (gzip, shuffle, fletcher32, a fill
/// value and unallocated chunks, an unlimited axis, variable-length strings), a soft link.
pub fn base() -> Vec<u8> {
    let st = Arc::new(MemStorage::new(Vec::new()));
    let mut w = Writer::create_in(st.clone()).expect("create");
    build_base(&mut w).expect("build base");
    w.commit().expect("commit base");
    st.to_vec()
}

/// [`base`] after a second session that replaced most of it (the whole `/matrix`, the
/// `/names` strings, attributes, a deleted dataset): its end of file is past interior holes,
/// which the writer's next commits reuse.
pub fn base_with_holes() -> Vec<u8> {
    let st = Arc::new(MemStorage::new(base()));
    let dynst: Arc<dyn WriteAt> = st.clone();
    let mut w = Writer::open_in(dynst).expect("open the base");
    let m: Vec<f32> = (0..70).map(|i| i as f32 * -0.25).collect();
    w.write::<f32>("/matrix", &[], &m).expect("rewrite /matrix");
    let names: Vec<String> = ["one", "two", "three", "four", "five"].map(String::from).to_vec();
    w.write_strings("/names", &[], &names).expect("rewrite /names");
    w.set_attr("/", "title", AttrValue::string("the base, edited")).expect("title");
    w.commit().expect("commit the edit");
    // Written and deleted in one transaction: never reachable, a hole from the start.
    w.create_dataset("/scratch", DatasetSpec::contiguous(Datatype::float(8), &[500]))
        .expect("scratch");
    w.write::<f64>("/scratch", &[], &vec![0.5; 500]).expect("scratch data");
    w.delete("/scratch").expect("delete scratch");
    w.set_attr("/grp", "n", AttrValue::scalar(8i32)).expect("n");
    w.commit().expect("commit the second edit");
    w.finish().expect("finish");
    let bytes = st.to_vec();
    let dead = File::from_bytes(bytes.clone()).and_then(|f| f.space_usage()).expect("usage");
    assert!(dead.dead_bytes > 1000, "the edited base has holes: {dead:?}");
    bytes
}

fn build_base(w: &mut Writer) -> R {
    w.set_attr("/", "title", AttrValue::string("base file"))?;
    w.set_attr("/", "version", AttrValue::scalar(3i64))?;
    w.set_attr("/", "scale", AttrValue::array(&[0.5f64, 1.5, -2.0], &[3]))?;
    w.create_group("/grp")?;
    w.set_attr("/grp", "n", AttrValue::scalar(7i32))?;
    w.set_attr("/grp", "kind", AttrValue::fixed_string("cells"))?;
    w.set_attr("/grp", "tags", AttrValue::strings(&["x".into(), "yy".into(), "".into()]))?;
    w.create_group("/grp/sub")?;
    w.create_dataset("/grp/contig", DatasetSpec::contiguous(Datatype::float(8), &[4, 5]))?;
    let v: Vec<f64> = (0..20).map(|i| i as f64 * 0.25 - 1.0).collect();
    w.write::<f64>("/grp/contig", &[], &v)?;
    let spec = DatasetSpec::chunked(Datatype::float(4), &[10, 7], &[4, 3])
        .shuffle()
        .gzip(4)
        .fletcher32()
        .fill((-1.0f32).to_le_bytes().to_vec());
    w.create_dataset("/matrix", spec)?;
    // Rows 8..10 stay unallocated (fill value).
    let m: Vec<f32> = (0..56).map(|i| i as f32 * 1.5).collect();
    w.write::<f32>("/matrix", &[Selection::Range(0, 8), Selection::All], &m)?;
    w.set_attr("/matrix", "units", AttrValue::string("counts"))?;
    let spec = DatasetSpec::chunked(Datatype::int(8, true), &[9, 3], &[4, 2])
        .max_shape(&[None, Some(3)])
        .gzip(1);
    w.create_dataset("/rows", spec)?;
    let r: Vec<i64> = (0..27).map(|i| i * 1000 - 5).collect();
    w.write::<i64>("/rows", &[], &r)?;
    w.create_dataset("/names", DatasetSpec::chunked(Datatype::vlen_utf8(), &[5], &[2]).gzip(2))?;
    let names: Vec<String> = ["alpha", "", "日本語", "delta", "ε"].map(String::from).to_vec();
    w.write_strings("/names", &[], &names)?;
    let spec = DatasetSpec {
        layout: loomfile_hdf5::LayoutSpec::Compact,
        ..DatasetSpec::contiguous(Datatype::int(2, true), &[6])
    };
    w.create_dataset("/compact", spec)?;
    w.write::<i16>("/compact", &[], &[1, -2, 3, -4, 5, -6])?;
    w.create_dataset("/flags", DatasetSpec::contiguous(super::model::bool_type(), &[6]))?;
    w.write_raw("/flags", &[], &[1, 0, 0, 1, 1, 0])?;
    w.link_soft("/link", "/matrix")?;
    Ok(())
}

/// An editing operation (everything but the commit, which the harness runs).
#[derive(Clone, Copy)]
pub struct Op {
    /// Short name for the report.
    pub name: &'static str,
    /// The edit.
    pub run: fn(&mut Writer) -> R,
}

fn set_numeric_attr(w: &mut Writer) -> R {
    w.set_attr("/grp", "n", AttrValue::scalar(-123_456i32))?;
    w.set_attr("/matrix", "gain", AttrValue::array(&[1.25f64, f64::NAN, -0.0], &[3]))
}

fn set_vlen_attr(w: &mut Writer) -> R {
    w.set_attr("/", "title", AttrValue::string("a new title, ünïcödé ✓"))
}

fn set_large_attr(w: &mut Writer) -> R {
    // 72 KB: past a v1 header message, so /matrix gets dense storage and a v2 header.
    let v: Vec<f64> = (0..9000).map(|i| i as f64 * 0.5 - 7.0).collect();
    w.set_attr("/matrix", "big", AttrValue::array(&v, &[9000]))
}

fn delete_attr(w: &mut Writer) -> R {
    w.delete_attr("/grp", "kind")
}

fn create_group(w: &mut Writer) -> R {
    w.create_group("/grp/sub/new")
}

fn delete_link(w: &mut Writer) -> R {
    w.delete("/grp/contig")
}

fn create_chunked_gzip(w: &mut Writer) -> R {
    let spec = DatasetSpec::chunked(Datatype::int(4, true), &[20, 6], &[7, 4]).gzip(6);
    w.create_dataset("/grp/sub/z", spec)?;
    let v: Vec<i32> = (0..120).map(|i| i * i - 50).collect();
    w.write::<i32>("/grp/sub/z", &[], &v)
}

fn write_hyperslab(w: &mut Writer) -> R {
    // Rows 2..9 x cols 1..5 of a [10, 7] dataset in [4, 3] chunks: every touched chunk is
    // partial, one of them (rows 8..) was unallocated.
    let v: Vec<f32> = (0..28).map(|i| 1000.0 + i as f32).collect();
    w.write::<f32>("/matrix", &[Selection::Range(2, 9), Selection::Range(1, 5)], &v)
}

fn resize_extend(w: &mut Writer) -> R {
    w.resize("/rows", &[14, 3])?;
    let v: Vec<i64> = (0..15).map(|i| -i).collect();
    w.write::<i64>("/rows", &[Selection::Range(9, 14), Selection::All], &v)
}

fn create_vlen_dataset(w: &mut Writer) -> R {
    w.create_dataset("/grp/labels", DatasetSpec::contiguous(Datatype::vlen_utf8(), &[7]))?;
    let v: Vec<String> =
        ["a", "bb", "", "ccc", "日本", "long label number six", "z"].map(String::from).to_vec();
    w.write_strings("/grp/labels", &[], &v)
}

fn multi_op(w: &mut Writer) -> R {
    set_vlen_attr(w)?;
    delete_attr(w)?;
    create_group(w)?;
    w.delete("/flags")?;
    write_hyperslab(w)?;
    resize_extend(w)?;
    create_vlen_dataset(w)?;
    w.set_attr("/grp/sub/new", "created", AttrValue::scalar(true as u8))
}

/// Every operation under test.
pub fn ops() -> Vec<Op> {
    vec![
        Op { name: "set numeric attr", run: set_numeric_attr },
        Op { name: "set vlen-string attr", run: set_vlen_attr },
        Op { name: "set large attr (dense storage)", run: set_large_attr },
        Op { name: "delete attr", run: delete_attr },
        Op { name: "create group", run: create_group },
        Op { name: "delete link", run: delete_link },
        Op { name: "create chunked gzip dataset", run: create_chunked_gzip },
        Op { name: "write hyperslab (partial chunks)", run: write_hyperslab },
        Op { name: "resize + extend unlimited axis", run: resize_extend },
        Op { name: "create vlen-string dataset", run: create_vlen_dataset },
        Op { name: "multi-op transaction", run: multi_op },
    ]
}

// ----- digest -----

fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn attrs_digest(out: &mut String, attrs: &[Attribute]) -> loomfile_hdf5::Result<()> {
    let mut v: Vec<&Attribute> = attrs.iter().collect();
    v.sort_by(|a, b| a.name().cmp(b.name()));
    for a in v {
        let _ = writeln!(out, "  @{} {:?} {:?} = {:?}", a.name(), a.dtype(), a.shape(), a.value()?);
    }
    Ok(())
}

fn digest_inner(bytes: &[u8]) -> loomfile_hdf5::Result<String> {
    let f = File::from_bytes(bytes.to_vec())?;
    let mut out = String::new();
    for n in walk(&f, "/", WalkOptions::default())? {
        match &n.kind {
            NodeKind::Group { attrs } => {
                let _ = writeln!(out, "G {}", n.path);
                attrs_digest(&mut out, attrs)?;
            }
            NodeKind::Dataset { dataset: d, attrs, data } => {
                let raw = d.read_raw_all()?;
                let filters: Vec<_> =
                    d.pipeline().filters.iter().map(|f| (f.id, f.params.clone())).collect();
                let _ = writeln!(
                    out,
                    "D {} {:?} {:?} max {:?} chunk {:?} filters {:?} fill {:?} raw {:016x}",
                    n.path,
                    d.dtype(),
                    d.shape(),
                    d.max_shape(),
                    d.chunk_shape(),
                    filters,
                    d.fill_bytes(),
                    if d.dtype().has_vlen() { 0 } else { fnv(&raw) },
                );
                attrs_digest(&mut out, attrs)?;
                let _ = writeln!(out, "  = {data:?}");
            }
            other => {
                let _ = writeln!(out, "L {} {other:?}", n.path);
            }
        }
    }
    Ok(out)
}

/// The logical content of a file: every path with its kind, dtype, shape, maximum shape,
/// chunk shape, filters, fill value, attributes and data. Unreadable files digest to
/// `ERROR ...`.
pub fn digest(bytes: &[u8]) -> String {
    digest_inner(bytes).unwrap_or_else(|e| format!("ERROR {e}"))
}

/// What a crash state holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exactly the old content.
    Old,
    /// Exactly the new content.
    New,
    /// Anything else (mixed, or unreadable), with the digest.
    Other(String),
}

/// Classify `bytes` against the old and new digests.
pub fn classify(bytes: &[u8], old: &str, new: &str) -> Outcome {
    let d = digest(bytes);
    if d == old {
        Outcome::Old
    } else if d == new {
        Outcome::New
    } else {
        Outcome::Other(d)
    }
}

// ----- kill points and replay -----

/// The kill points for an operation of `k` mutating calls: all of them when `k <= 2000`,
/// else the first and last 50 and 450 spread evenly in between (at least 500).
pub fn kill_points(k: u64) -> Vec<u64> {
    if k <= 2000 {
        return (1..=k).collect();
    }
    let mut s: std::collections::BTreeSet<u64> = (1..=50).chain(k - 49..=k).collect();
    let span = k - 100;
    for i in 0..450 {
        s.insert(51 + i * span / 450);
    }
    s.into_iter().collect()
}

/// One run of an operation and its commit on a faulting copy of `base`.
pub struct Replay {
    /// The storage (its inner bytes are what a reader finds afterwards).
    pub storage: Arc<FaultStorage<MemStorage>>,
    /// The writer, for follow-up calls.
    pub writer: Writer,
    /// What the operation and commit returned.
    pub result: Result<(), Error>,
}

impl Replay {
    /// The bytes left on the storage.
    pub fn bytes(&self) -> Vec<u8> {
        self.storage.inner().to_vec()
    }
}

/// Run `op` then commit on a fresh copy of `base` under `plan`.
pub fn replay(base: &[u8], op: &Op, plan: FaultPlan) -> Replay {
    let storage = Arc::new(FaultStorage::new(MemStorage::new(base.to_vec()), plan));
    let dynst: Arc<dyn WriteAt> = storage.clone();
    let mut writer = Writer::open_in(dynst).expect("open the base file for editing");
    let result = (op.run)(&mut writer).and_then(|()| writer.commit());
    Replay { storage, writer, result }
}

/// A recorded, fault-free run: the mutating calls, and the new file.
pub struct Recording {
    /// Every write, set_len and sync, in order.
    pub events: Vec<WriteEvent>,
    /// The file after the commit.
    pub new: Vec<u8>,
}

/// Record `op` on `base`.
pub fn record(base: &[u8], op: &Op) -> Recording {
    let r = replay(base, op, FaultPlan::default());
    if let Err(e) = &r.result {
        panic!("{}: fault-free run failed: {e}", op.name);
    }
    Recording { events: r.storage.events(), new: r.bytes() }
}

/// The bytes a crash at mutating call `k` leaves.
pub fn crash_state(base: &[u8], op: &Op, k: u64) -> (Vec<u8>, Result<(), Error>) {
    let plan = FaultPlan {
        at: Some(k),
        syncs_only: false,
        action: Some(loomfile_hdf5::storage::FaultAction::Crash),
    };
    let r = replay(base, op, plan);
    (r.bytes(), r.result)
}
