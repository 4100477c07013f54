//! Structure-aware writer target: a sequence of writer operations (from `arbitrary`) is
//! applied both to a [`Writer`] over memory and to a small in-memory model. The model also
//! predicts which operations must fail. After every commit, after reopening for editing, and
//! at the end, the committed bytes are opened with [`File::from_bytes`] and must show exactly
//! the model: paths, kinds, shapes, types, chunking, filters, data and attributes. Before the
//! final commit, the bytes must still show the previous commit (uncommitted edits invisible).

use arbitrary::{Arbitrary, Unstructured};
use loomfile_hdf5::Data;
use loomfile_hdf5::Datatype;
use loomfile_hdf5::storage::{MemStorage, WriteAt};
use loomfile_hdf5::{AttrValue, Attribute, Dataset, DatasetSpec, File, LayoutSpec, Selection};
use loomfile_hdf5::{Dataspace, UNLIMITED};
use loomfile_hdf5::{NodeKind, WalkOptions, walk};
use loomfile_hdf5::{Value, Writer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most operations taken from one input (bounds the time per input).
const MAX_OPS: usize = 48;
/// Link names: short, long and non-ASCII, few enough to collide often.
const NAMES: &[&str] = &["a", "b", "c", "data", "ü", "a_rather_long_group_or_dataset_name"];
/// Attribute names.
const ATTR_NAMES: &[&str] = &["x", "y", "CreationDate", "ν"];
/// String fragments: ASCII, multi-byte UTF-8, no NUL (the reader stops strings at a NUL).
const FRAGMENTS: &[&str] = &["a", "b", "loom", "é", "漢字", " ", "\u{1F600}", "0123456789"];
/// Length of the occasional long string (past one 4 KiB global heap collection).
const LONG: usize = 4500;

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Dt {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    VlenStr,
}

impl Dt {
    fn datatype(self) -> Datatype {
        match self {
            Dt::I8 => Datatype::int(1, true),
            Dt::U8 => Datatype::int(1, false),
            Dt::I16 => Datatype::int(2, true),
            Dt::U16 => Datatype::int(2, false),
            Dt::I32 => Datatype::int(4, true),
            Dt::U32 => Datatype::int(4, false),
            Dt::I64 => Datatype::int(8, true),
            Dt::U64 => Datatype::int(8, false),
            Dt::F32 => Datatype::float(4),
            Dt::F64 => Datatype::float(8),
            Dt::VlenStr => Datatype::vlen_utf8(),
        }
    }

    fn size(self) -> usize {
        self.datatype().size() as usize
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum LayoutSel {
    Contiguous,
    Compact,
    Chunked,
    Null,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum MaxSel {
    Same,
    Plus(u8),
    Unlimited,
}

#[derive(Arbitrary, Debug)]
struct DsGen {
    dt: Dt,
    dims: Vec<u8>,
    layout: LayoutSel,
    chunk: [u8; 3],
    max: [MaxSel; 3],
    gzip: Option<u8>,
    shuffle: bool,
    fletcher: bool,
    fill: Option<u64>,
}

/// A string: fragments by index; a first byte of 255 makes it long.
#[derive(Arbitrary, Debug)]
struct StrGen(Vec<u8>);

impl StrGen {
    fn make(&self) -> String {
        if self.0.first() == Some(&255) {
            return "long-".repeat(LONG / 5);
        }
        self.0.iter().take(6).map(|&b| FRAGMENTS[b as usize % FRAGMENTS.len()]).collect()
    }
}

#[derive(Arbitrary, Debug)]
enum AttrGen {
    Int(i32),
    Float(f64),
    Bytes(Vec<u8>),
    Matrix { cols: u8, vals: Vec<i64> },
    Str(StrGen),
    Strs(Vec<StrGen>),
    Fixed(StrGen),
    Fixeds(Vec<StrGen>),
}

#[derive(Arbitrary, Debug)]
enum Op {
    CreateGroup { parent: u8, name: u8 },
    CreateDataset { parent: u8, name: u8, spec: DsGen },
    Write { ds: u8, whole: bool, sel: [(u8, u8); 3], seed: u64 },
    SetAttr { obj: u8, name: u8, value: AttrGen },
    DeleteAttr { obj: u8, name: u8 },
    Delete { obj: u8 },
    Resize { ds: u8, dims: [u8; 3] },
    Commit,
    Reopen,
}

/// Element values in row-major order.
#[derive(Clone, Debug, PartialEq)]
enum Vals {
    Raw(Vec<u8>),
    Strs(Vec<String>),
}

#[derive(Clone, Debug)]
struct MAttr {
    dtype: Datatype,
    shape: Vec<u64>,
    vals: Vals,
}

#[derive(Clone, Debug)]
struct MDs {
    dt: Dt,
    null: bool,
    dims: Vec<u64>,
    max: Vec<u64>,
    chunk: Option<Vec<u64>>,
    filters: Vec<u16>,
    fill: Vec<u8>,
    vals: Vals,
}

#[derive(Clone, Debug)]
struct MObj {
    ds: Option<MDs>,
    attrs: BTreeMap<String, MAttr>,
}

type Model = BTreeMap<String, MObj>;

fn join(parent: &str, name: &str) -> String {
    if parent == "/" { format!("/{name}") } else { format!("{parent}/{name}") }
}

fn pick<T: Clone>(v: &[T], i: u8) -> Option<T> {
    if v.is_empty() { None } else { Some(v[i as usize % v.len()].clone()) }
}

/// splitmix64: data from a seed, so that inputs stay small.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn string(&mut self) -> String {
        let r = self.next();
        if r.is_multiple_of(64) {
            return "long-".repeat(LONG / 5);
        }
        (0..(r >> 8) % 5)
            .map(|_| FRAGMENTS[(self.next() % FRAGMENTS.len() as u64) as usize])
            .collect()
    }
}

fn product(dims: &[u64]) -> u64 {
    dims.iter().product()
}

/// Row-major linear index of `coords` in `dims`.
fn linear(coords: &[u64], dims: &[u64]) -> usize {
    coords.iter().zip(dims).fold(0u64, |acc, (&c, &d)| acc * d + c) as usize
}

/// Every coordinate of a box `start + [0, count)`, row-major.
fn box_coords(start: &[u64], count: &[u64]) -> Vec<Vec<u64>> {
    let n = product(count);
    let mut out = Vec::with_capacity(n as usize);
    for mut i in 0..n {
        let mut c = vec![0u64; count.len()];
        for d in (0..count.len()).rev() {
            c[d] = start[d] + i % count[d];
            i /= count[d];
        }
        out.push(c);
    }
    out
}

struct Harness {
    storage: Arc<MemStorage>,
    writer: Writer,
    model: Model,
    committed: Model,
}

fn new_group() -> MObj {
    MObj { ds: None, attrs: BTreeMap::new() }
}

impl Harness {
    fn paths(&self, want: impl Fn(&MObj) -> bool) -> Vec<String> {
        self.model.iter().filter(|(_, o)| want(o)).map(|(p, _)| p.clone()).collect()
    }

    fn expect<T: std::fmt::Debug>(
        &self,
        op: &str,
        res: loomfile_hdf5::Result<T>,
        ok: bool,
    ) -> bool {
        match (&res, ok) {
            (Ok(_), true) | (Err(_), false) => {}
            _ => panic!("{op}: the model expected ok={ok}, the writer returned {res:?}"),
        }
        ok
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::CreateGroup { parent, name } => {
                let Some(parent) = pick(&self.paths(|o| o.ds.is_none()), *parent) else { return };
                let path = join(&parent, NAMES[*name as usize % NAMES.len()]);
                let ok = !self.model.contains_key(&path);
                let res = self.writer.create_group(&path);
                if self.expect(&format!("create_group {path}"), res, ok) {
                    self.model.insert(path, new_group());
                }
            }
            Op::CreateDataset { parent, name, spec } => {
                let Some(parent) = pick(&self.paths(|o| o.ds.is_none()), *parent) else { return };
                let path = join(&parent, NAMES[*name as usize % NAMES.len()]);
                self.create_dataset(&path, spec);
            }
            Op::Write { ds, whole, sel, seed } => {
                let Some(path) = pick(&self.paths(|o| o.ds.is_some()), *ds) else { return };
                self.write(&path, *whole, sel, *seed);
            }
            Op::SetAttr { obj, name, value } => {
                let Some(path) = pick(&self.paths(|_| true), *obj) else { return };
                let name = ATTR_NAMES[*name as usize % ATTR_NAMES.len()];
                let (value, m) = attr_value(value);
                let res = self.writer.set_attr(&path, name, value);
                if self.expect(&format!("set_attr {path}@{name}"), res, true) {
                    self.obj(&path).attrs.insert(name.to_string(), m);
                }
            }
            Op::DeleteAttr { obj, name } => {
                let Some(path) = pick(&self.paths(|_| true), *obj) else { return };
                let name = ATTR_NAMES[*name as usize % ATTR_NAMES.len()];
                let ok = self.model[&path].attrs.contains_key(name);
                let res = self.writer.delete_attr(&path, name);
                if self.expect(&format!("delete_attr {path}@{name}"), res, ok) {
                    self.obj(&path).attrs.remove(name);
                }
            }
            Op::Delete { obj } => {
                let Some(path) = pick(&self.paths(|_| true), *obj) else { return };
                if path == "/" {
                    return;
                }
                let res = self.writer.delete(&path);
                if self.expect(&format!("delete {path}"), res, true) {
                    let prefix = format!("{path}/");
                    self.model.retain(|p, _| *p != path && !p.starts_with(&prefix));
                }
            }
            Op::Resize { ds, dims } => {
                let Some(path) = pick(&self.paths(|o| o.ds.is_some()), *ds) else { return };
                self.resize(&path, dims);
            }
            Op::Commit => self.commit(),
            Op::Reopen => {
                self.commit();
                let storage: Arc<dyn WriteAt> = self.storage.clone();
                self.writer = Writer::open_in(storage)
                    .unwrap_or_else(|e| panic!("reopening the committed file: {e}"));
                self.check_members();
            }
        }
    }

    fn obj(&mut self, path: &str) -> &mut MObj {
        self.model.get_mut(path).expect("path from the model")
    }

    fn ds(&mut self, path: &str) -> &mut MDs {
        self.obj(path).ds.as_mut().expect("dataset path from the model")
    }

    fn create_dataset(&mut self, path: &str, g: &DsGen) {
        let es = g.dt.size();
        let rank = g.dims.len().min(3);
        let dims: Vec<u64> = g.dims[..rank].iter().map(|&d| u64::from(d % 6)).collect();
        let max: Vec<u64> = dims
            .iter()
            .zip(g.max)
            .map(|(&d, m)| match m {
                MaxSel::Same => d,
                MaxSel::Plus(k) => d + u64::from(k % 4),
                MaxSel::Unlimited => UNLIMITED,
            })
            .collect();
        let chunk: Vec<u64> = g.chunk[..rank].iter().map(|&c| 1 + u64::from(c % 4)).collect();
        let dtype = g.dt.datatype();
        let null = matches!(g.layout, LayoutSel::Null);
        let mut spec = match g.layout {
            LayoutSel::Null => DatasetSpec::null(dtype),
            LayoutSel::Chunked => DatasetSpec::chunked(dtype, &dims, &chunk),
            LayoutSel::Contiguous => DatasetSpec::contiguous(dtype, &dims),
            LayoutSel::Compact => {
                DatasetSpec { layout: LayoutSpec::Compact, ..DatasetSpec::contiguous(dtype, &dims) }
            }
        };
        if !null && max != dims {
            spec = spec
                .max_shape(&max.iter().map(|&m| (m != UNLIMITED).then_some(m)).collect::<Vec<_>>());
        }
        if g.shuffle {
            spec = spec.shuffle();
        }
        if let Some(level) = g.gzip {
            spec = spec.gzip(u32::from(level % 10));
        }
        if g.fletcher {
            spec = spec.fletcher32();
        }
        let fill = match g.fill {
            Some(v) if g.dt != Dt::VlenStr => {
                let f = v.to_le_bytes()[..es].to_vec();
                spec = spec.fill(f.clone());
                f
            }
            _ => vec![0; es],
        };
        let chunked = matches!(g.layout, LayoutSel::Chunked);
        let ok = !self.model.contains_key(path)
            && (spec.filters.is_empty() || chunked)
            && match g.layout {
                LayoutSel::Null => true,
                LayoutSel::Chunked => rank > 0,
                // libhdf5 refuses extendible contiguous and compact datasets.
                LayoutSel::Contiguous | LayoutSel::Compact => max == dims,
            };
        let filters = spec.filters.iter().map(|f| f.id).collect();
        let res = self.writer.create_dataset(path, spec);
        if !self.expect(&format!("create_dataset {path} {g:?}"), res, ok) {
            return;
        }
        let n = if null { 0 } else { product(&dims) as usize };
        let vals = match g.dt {
            Dt::VlenStr => Vals::Strs(vec![String::new(); n]),
            _ => Vals::Raw(fill.iter().copied().cycle().take(n * es).collect()),
        };
        let ds = MDs {
            dt: g.dt,
            null,
            dims: if null { Vec::new() } else { dims },
            max: if null { Vec::new() } else { max },
            chunk: chunked.then_some(chunk),
            filters,
            fill,
            vals,
        };
        self.model.insert(path.to_string(), MObj { ds: Some(ds), attrs: BTreeMap::new() });
    }

    fn write(&mut self, path: &str, whole: bool, sel: &[(u8, u8); 3], seed: u64) {
        let m = self.ds(path).clone();
        let rank = m.dims.len();
        let mut ok = !m.null;
        let (start, count, selection) = if whole {
            (vec![0; rank], m.dims.clone(), Vec::new())
        } else {
            let mut start = Vec::new();
            let mut count = Vec::new();
            let mut s = Vec::new();
            for (&d, &(a, b)) in m.dims.iter().zip(sel) {
                let lo = u64::from(a) % (d + 1);
                // 255 asks for a range past the end: the write must fail.
                let hi = if b == 255 { d + 1 } else { lo + u64::from(b) % (d - lo + 1) };
                ok &= hi <= d;
                start.push(lo);
                count.push(hi.saturating_sub(lo));
                s.push(Selection::Range(lo, hi));
            }
            (start, count, s)
        };
        let n = product(&count) as usize;
        let mut rng = Rng(seed);
        let res = match m.dt {
            Dt::VlenStr => {
                let v: Vec<String> = (0..n).map(|_| rng.string()).collect();
                let res = self.writer.write_strings(path, &selection, &v);
                (res, Vals::Strs(v))
            }
            dt => {
                let raw: Vec<u8> = (0..n * dt.size()).map(|_| rng.next() as u8).collect();
                let res = self.writer.write_raw(path, &selection, &raw);
                (res, Vals::Raw(raw))
            }
        };
        let (res, data) = res;
        if !self.expect(&format!("write {path} {selection:?}"), res, ok) {
            return;
        }
        let dims = m.dims.clone();
        let es = m.dt.size();
        let target = &mut self.ds(path).vals;
        for (k, c) in box_coords(&start, &count).iter().enumerate() {
            let i = linear(c, &dims);
            match (&mut *target, &data) {
                (Vals::Raw(t), Vals::Raw(d)) => {
                    t[i * es..(i + 1) * es].copy_from_slice(&d[k * es..(k + 1) * es])
                }
                (Vals::Strs(t), Vals::Strs(d)) => t[i] = d[k].clone(),
                _ => unreachable!("values match the dataset type"),
            }
        }
    }

    fn resize(&mut self, path: &str, dims: &[u8; 3]) {
        let m = self.ds(path).clone();
        let rank = m.dims.len();
        let new: Vec<u64> = dims[..rank].iter().map(|&d| u64::from(d % 8)).collect();
        let ok = !m.null
            && rank > 0
            && new.iter().zip(&m.max).all(|(n, x)| n <= x)
            && (m.chunk.is_some() || new == m.dims);
        let res = self.writer.resize(path, &new);
        if !self.expect(&format!("resize {path} to {new:?}"), res, ok) {
            return;
        }
        let es = m.dt.size();
        let coords = box_coords(&vec![0; rank], &new);
        let inside = |c: &[u64]| c.iter().zip(&m.dims).all(|(c, d)| c < d);
        let vals = match &m.vals {
            Vals::Raw(old) => Vals::Raw(
                coords
                    .iter()
                    .flat_map(|c| {
                        if inside(c) {
                            let i = linear(c, &m.dims);
                            old[i * es..(i + 1) * es].to_vec()
                        } else {
                            m.fill.clone()
                        }
                    })
                    .collect(),
            ),
            Vals::Strs(old) => Vals::Strs(
                coords
                    .iter()
                    .map(
                        |c| if inside(c) { old[linear(c, &m.dims)].clone() } else { String::new() },
                    )
                    .collect(),
            ),
        };
        let d = self.ds(path);
        d.dims = new;
        d.vals = vals;
    }

    fn commit(&mut self) {
        if let Err(e) = self.writer.commit() {
            panic!("commit failed: {e}");
        }
        check(&self.storage.to_vec(), &self.model);
        self.committed = self.model.clone();
        self.check_members();
    }

    /// The writer's own view of group members matches the model.
    fn check_members(&mut self) {
        for path in self.paths(|o| o.ds.is_none()) {
            let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
            let expect: Vec<String> = self
                .model
                .keys()
                .filter_map(|p| p.strip_prefix(&prefix))
                .filter(|rest| !rest.is_empty() && !rest.contains('/'))
                .map(str::to_string)
                .collect();
            let got = self.writer.members(&path).unwrap_or_else(|e| panic!("members {path}: {e}"));
            assert_eq!(got, expect, "writer members of {path}");
        }
    }
}

/// The writer's value and the model's view of an attribute.
fn attr_value(g: &AttrGen) -> (AttrValue, MAttr) {
    let strs = |v: &[StrGen]| v.iter().take(8).map(StrGen::make).collect::<Vec<_>>();
    let value = match g {
        AttrGen::Int(v) => AttrValue::scalar(*v),
        AttrGen::Float(v) => AttrValue::scalar(*v),
        AttrGen::Bytes(v) => {
            let v = &v[..v.len().min(256)];
            AttrValue::array(v, &[v.len() as u64])
        }
        AttrGen::Matrix { cols, vals } => {
            let cols = 1 + usize::from(cols % 4);
            let rows = vals.len().min(64) / cols;
            AttrValue::array(&vals[..rows * cols], &[rows as u64, cols as u64])
        }
        AttrGen::Str(s) => AttrValue::string(&s.make()),
        AttrGen::Strs(v) => AttrValue::strings(&strs(v)),
        AttrGen::Fixed(s) => AttrValue::fixed_string(&s.make()),
        AttrGen::Fixeds(v) => AttrValue::fixed_strings(&strs(v)),
    };
    let shape = value.space.dims().to_vec();
    let vals = match g {
        AttrGen::Str(s) => Vals::Strs(vec![s.make()]),
        AttrGen::Strs(v) => Vals::Strs(strs(v)),
        AttrGen::Fixed(s) => Vals::Strs(vec![s.make()]),
        AttrGen::Fixeds(v) => Vals::Strs(strs(v)),
        _ => match &value.data {
            Data::Raw(r) => Vals::Raw(r.clone()),
            Data::Strings(s) => Vals::Strs(s.clone()),
        },
    };
    let m = MAttr { dtype: value.dtype.clone(), shape, vals };
    (value, m)
}

fn check_attrs(path: &str, got: &[Attribute], want: &BTreeMap<String, MAttr>) {
    let names: Vec<&str> = got.iter().map(|a| a.name()).collect();
    let expect: Vec<&str> = want.keys().map(String::as_str).collect();
    assert_eq!(names, expect, "attribute names of {path}");
    for a in got {
        let m = &want[a.name()];
        let at = format!("{path}@{}", a.name());
        assert_eq!(a.dtype(), &m.dtype, "type of {at}");
        assert_eq!(a.shape(), Some(m.shape.clone()), "shape of {at}");
        match &m.vals {
            Vals::Raw(r) => assert_eq!(a.raw(), &r[..], "value of {at}"),
            Vals::Strs(s) => {
                let got = a.read_strings().unwrap_or_else(|e| panic!("reading {at}: {e}"));
                assert_eq!(&got, s, "strings of {at}");
            }
        }
        if let Err(e) = a.value() {
            panic!("decoding {at}: {e}");
        }
    }
}

fn check_dataset(path: &str, d: &Dataset, m: &MDs) {
    assert_eq!(d.dtype(), &m.dt.datatype(), "type of {path}");
    assert_eq!(d.chunk_shape(), m.chunk.as_deref(), "chunk shape of {path}");
    let filters: Vec<u16> = d.pipeline().filters.iter().map(|f| f.id).collect();
    assert_eq!(filters, m.filters, "filters of {path}");
    if m.null {
        assert_eq!(d.space(), &Dataspace::Null, "dataspace of {path}");
        assert_eq!(d.value().ok(), Some(Value::Null), "value of {path}");
        return;
    }
    assert_eq!(d.shape(), Some(m.dims.clone()), "shape of {path}");
    let max: Vec<Option<u64>> =
        m.max.iter().map(|&x| (x != UNLIMITED).then_some(x)).collect::<Vec<_>>();
    if !m.dims.is_empty() {
        assert_eq!(d.max_shape(), max, "max shape of {path}");
    }
    match &m.vals {
        Vals::Raw(r) => {
            let got = d.read_raw_all().unwrap_or_else(|e| panic!("reading {path}: {e}"));
            assert!(got == *r, "data of {path}: read {got:?}, model {r:?}");
        }
        Vals::Strs(s) => {
            let got = d.read_strings().unwrap_or_else(|e| panic!("reading {path}: {e}"));
            assert_eq!(&got, s, "strings of {path}");
        }
    }
    if let Err(e) = d.value() {
        panic!("decoding {path}: {e}");
    }
}

/// The file in `bytes` shows exactly `model`.
fn check(bytes: &[u8], model: &Model) {
    let file = File::from_bytes(bytes.to_vec()).unwrap_or_else(|e| panic!("opening: {e}"));
    let opts = WalkOptions { data: false, ..WalkOptions::default() };
    let nodes = walk(&file, "/", opts).unwrap_or_else(|e| panic!("walking: {e}"));
    let paths: Vec<&str> = nodes.iter().map(|n| n.path.as_str()).collect();
    let expect: Vec<&str> = model.keys().map(String::as_str).collect();
    assert_eq!(paths, expect, "paths in the committed file");
    for node in &nodes {
        let m = &model[&node.path];
        match (&node.kind, &m.ds) {
            (NodeKind::Group { attrs }, None) => check_attrs(&node.path, attrs, &m.attrs),
            (NodeKind::Dataset { dataset, attrs, .. }, Some(ds)) => {
                check_dataset(&node.path, dataset, ds);
                check_attrs(&node.path, attrs, &m.attrs);
            }
            (kind, _) => panic!("{}: found {kind:?}, model has {m:?}", node.path),
        }
    }
}

/// The writer_ops target.
pub fn writer_ops(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut ops = Vec::new();
    while ops.len() < MAX_OPS && !u.is_empty() {
        match Op::arbitrary(&mut u) {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    let storage = Arc::new(MemStorage::new(Vec::new()));
    let ws: Arc<dyn WriteAt> = storage.clone();
    let writer = Writer::create_in(ws).unwrap_or_else(|e| panic!("create_in: {e}"));
    let mut model = Model::new();
    model.insert("/".to_string(), new_group());
    let mut h = Harness { storage, writer, model: model.clone(), committed: model };
    // The empty file: the writer's first commit creates it.
    h.commit();
    for op in &ops {
        h.apply(op);
    }
    // Uncommitted edits are invisible; then the final commit shows them all.
    check(&h.storage.to_vec(), &h.committed);
    h.commit();
}
