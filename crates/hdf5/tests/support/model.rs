//! An in-memory model of a file, written with the Writer and checked against the reader.
//!
//! Values are kept as the datatype's raw little-endian element bytes (or Rust strings for
//! variable-length strings), so every comparison is bit-exact. The expected [`Value`] tree is
//! decoded here independently of the engine's own decoder.

use loomfile_hdf5::Data;
use loomfile_hdf5::Dataspace;
use loomfile_hdf5::Layout;
use loomfile_hdf5::raw::messages::filter_pipeline::id;
use loomfile_hdf5::{
    AttrValue, Attribute, Charset, Dataset, DatasetSpec, Datatype, File, LayoutSpec, Selection,
    StrPad, Value, Writer,
};
use loomfile_hdf5::{NodeKind as WalkKind, WalkOptions, walk};
use std::collections::BTreeMap;

/// Element types the generators use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Little-endian integer of 1, 2, 4 or 8 bytes.
    Int { size: u32, signed: bool },
    /// Little-endian IEEE float of 2, 4 or 8 bytes.
    Float { size: u32 },
    /// Fixed-length, NUL-padded ASCII string.
    FixedStr { size: u32 },
    /// Variable-length UTF-8 string (h5py's `str`).
    VlenStr,
    /// h5py's bool: an enum FALSE=0/TRUE=1 over int8.
    Bool,
}

/// h5py's bool type.
pub fn bool_type() -> Datatype {
    Datatype::Enum {
        base: Box::new(Datatype::int(1, true)),
        members: vec![("FALSE".into(), vec![0]), ("TRUE".into(), vec![1])],
    }
}

impl Ty {
    /// The HDF5 datatype.
    pub fn datatype(&self) -> Datatype {
        match *self {
            Ty::Int { size, signed } => Datatype::int(size, signed),
            Ty::Float { size } => Datatype::float(size),
            Ty::FixedStr { size } => {
                Datatype::String { size, pad: StrPad::NullPad, charset: Charset::Ascii }
            }
            Ty::VlenStr => Datatype::vlen_utf8(),
            Ty::Bool => bool_type(),
        }
    }

    /// Element size in bytes (16 for a vlen descriptor).
    pub fn size(&self) -> usize {
        match *self {
            Ty::Int { size, .. } | Ty::Float { size } | Ty::FixedStr { size } => size as usize,
            Ty::VlenStr => 16,
            Ty::Bool => 1,
        }
    }

    /// True for variable-length strings.
    pub fn is_vlen(&self) -> bool {
        *self == Ty::VlenStr
    }
}

/// Elements in row-major order.
#[derive(Clone, PartialEq)]
pub enum Elems {
    /// Raw little-endian element bytes.
    Raw(Vec<u8>),
    /// Variable-length strings.
    Str(Vec<String>),
}

impl std::fmt::Debug for Elems {
    /// One line (hex bytes or strings), to keep shrunk proptest cases readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Elems::Raw(r) => {
                write!(f, "Raw(")?;
                for b in r {
                    write!(f, "{b:02x}")?;
                }
                write!(f, ")")
            }
            Elems::Str(v) => write!(f, "Str({v:?})"),
        }
    }
}

impl Elems {
    /// `n` copies of the fill value (`fill` or zeros; empty strings for vlen).
    pub fn filled(ty: &Ty, fill: Option<&[u8]>, n: usize) -> Elems {
        if ty.is_vlen() {
            return Elems::Str(vec![String::new(); n]);
        }
        let zeros = vec![0u8; ty.size()];
        let one = fill.unwrap_or(&zeros);
        Elems::Raw(one.iter().copied().cycle().take(n * ty.size()).collect())
    }

    /// Number of elements.
    pub fn len(&self, ty: &Ty) -> usize {
        match self {
            Elems::Raw(r) => r.len() / ty.size(),
            Elems::Str(v) => v.len(),
        }
    }

    /// The elements at flat indices `idx`, in that order.
    pub fn gather(&self, ty: &Ty, idx: &[usize]) -> Elems {
        match self {
            Elems::Raw(r) => {
                let es = ty.size();
                let mut out = Vec::with_capacity(idx.len() * es);
                for &i in idx {
                    out.extend_from_slice(&r[i * es..(i + 1) * es]);
                }
                Elems::Raw(out)
            }
            Elems::Str(v) => Elems::Str(idx.iter().map(|&i| v[i].clone()).collect()),
        }
    }

    /// Store `src` (in order) at flat indices `idx`.
    pub fn scatter(&mut self, ty: &Ty, idx: &[usize], src: &Elems) {
        match (self, src) {
            (Elems::Raw(r), Elems::Raw(s)) => {
                let es = ty.size();
                for (k, &i) in idx.iter().enumerate() {
                    r[i * es..(i + 1) * es].copy_from_slice(&s[k * es..(k + 1) * es]);
                }
            }
            (Elems::Str(v), Elems::Str(s)) => {
                for (k, &i) in idx.iter().enumerate() {
                    v[i] = s[k].clone();
                }
            }
            _ => panic!("element kinds differ"),
        }
    }

    /// Data for the writer.
    pub fn data(&self) -> Data {
        match self {
            Elems::Raw(r) => Data::Raw(r.clone()),
            Elems::Str(v) => Data::Strings(v.clone()),
        }
    }
}

/// Elements of a shape (1 for a scalar).
pub fn numel(shape: &[u64]) -> usize {
    shape.iter().product::<u64>() as usize
}

/// Row-major flat indices of the box `start..start+count` in an array of `shape`.
pub fn box_indices(shape: &[u64], start: &[u64], count: &[u64]) -> Vec<usize> {
    let rank = shape.len();
    if count.contains(&0) {
        return Vec::new();
    }
    if rank == 0 {
        return vec![0];
    }
    let mut out = Vec::with_capacity(numel(count));
    let mut pos = start.to_vec();
    loop {
        let mut flat = 0u64;
        for d in 0..rank {
            flat = flat * shape[d] + pos[d];
        }
        out.push(flat as usize);
        let mut d = rank;
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            pos[d] += 1;
            if pos[d] < start[d] + count[d] {
                break;
            }
            pos[d] = start[d];
        }
    }
}

/// A write of a box of a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Boxw {
    /// Origin.
    pub start: Vec<u64>,
    /// Extent.
    pub count: Vec<u64>,
    /// Write with an empty selection (whole dataset; then start is 0 and count the shape).
    pub whole: bool,
    /// Use the typed `write::<T>` where a Rust type exists.
    pub typed: bool,
}

impl Boxw {
    /// The selection the writer gets.
    pub fn selection(&self) -> Vec<Selection> {
        if self.whole {
            return Vec::new();
        }
        self.start.iter().zip(&self.count).map(|(&s, &c)| Selection::Range(s, s + c)).collect()
    }
}

/// An attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct MAttr {
    /// Element type.
    pub ty: Ty,
    /// Shape (empty: scalar).
    pub shape: Vec<u64>,
    /// Values.
    pub data: Elems,
}

impl MAttr {
    /// The writer's value.
    pub fn value(&self) -> AttrValue {
        AttrValue {
            dtype: self.ty.datatype(),
            space: space_of(&self.shape),
            data: self.data.data(),
        }
    }
}

fn space_of(shape: &[u64]) -> Dataspace {
    if shape.is_empty() {
        Dataspace::Scalar
    } else {
        Dataspace::Simple { dims: shape.to_vec(), max: shape.to_vec() }
    }
}

/// Storage layout.
#[derive(Clone, Debug, PartialEq)]
pub enum Lay {
    /// One block.
    Contiguous,
    /// In the header.
    Compact,
    /// Chunks of these dimensions.
    Chunked(Vec<u64>),
}

/// A dataset: its creation properties, its expected data, and how it is first written.
#[derive(Clone, Debug, PartialEq)]
pub struct MDataset {
    /// Element type.
    pub ty: Ty,
    /// Current shape (empty: scalar).
    pub shape: Vec<u64>,
    /// Maximum shape (`None`: unlimited).
    pub max: Vec<Option<u64>>,
    /// Layout.
    pub layout: Lay,
    /// Deflate level.
    pub gzip: Option<u32>,
    /// Shuffle filter.
    pub shuffle: bool,
    /// Fletcher-32 filter.
    pub fletcher: bool,
    /// Fill value (one element; not for vlen).
    pub fill: Option<Vec<u8>>,
    /// The expected current data.
    pub data: Elems,
    /// Attributes in storage order.
    pub attrs: Vec<(String, MAttr)>,
    /// Boxes written at creation, each taking its values from `source`.
    pub init: Vec<Boxw>,
    /// Full-shape source of the values written at creation.
    pub source: Elems,
}

impl MDataset {
    /// The creation spec.
    pub fn spec(&self) -> DatasetSpec {
        let layout = match &self.layout {
            Lay::Contiguous => LayoutSpec::Contiguous,
            Lay::Compact => LayoutSpec::Compact,
            Lay::Chunked(c) => LayoutSpec::Chunked(c.clone()),
        };
        let mut s = DatasetSpec {
            max_shape: matches!(self.layout, Lay::Chunked(_)).then(|| self.max.clone()),
            layout,
            fill: self.fill.clone(),
            ..DatasetSpec::contiguous(self.ty.datatype(), &self.shape)
        };
        if self.shuffle {
            s = s.shuffle();
        }
        if let Some(level) = self.gzip {
            s = s.gzip(level);
        }
        if self.fletcher {
            s = s.fletcher32();
        }
        s
    }

    /// One element of fill.
    pub fn fill_elem(&self) -> Vec<u8> {
        self.fill.clone().unwrap_or_else(|| vec![0; self.ty.size()])
    }

    /// Apply the creation writes to the fill-initialised data.
    pub fn settle_init(&mut self) {
        let n = numel(&self.shape);
        self.data = Elems::filled(&self.ty, self.fill.as_deref(), n);
        for b in self.init.clone() {
            let idx = box_indices(&self.shape, &b.start, &b.count);
            let vals = self.source.gather(&self.ty, &idx);
            self.data.scatter(&self.ty, &idx, &vals);
        }
    }

    /// Store box-shaped `values` at `start..start+count`.
    pub fn write_box(&mut self, start: &[u64], count: &[u64], values: &Elems) {
        let idx = box_indices(&self.shape, start, count);
        self.data.scatter(&self.ty, &idx, values);
    }

    /// Change the shape: elements inside both shapes keep their values, the rest are fill.
    pub fn resize(&mut self, new: &[u64]) {
        let mut out = Elems::filled(&self.ty, self.fill.as_deref(), numel(new));
        let common: Vec<u64> = self.shape.iter().zip(new).map(|(a, b)| *a.min(b)).collect();
        let zero = vec![0u64; new.len()];
        let from = box_indices(&self.shape, &zero, &common);
        let to = box_indices(new, &zero, &common);
        let vals = self.data.gather(&self.ty, &from);
        out.scatter(&self.ty, &to, &vals);
        self.data = out;
        self.shape = new.to_vec();
    }

    /// Expected filters as (id, params), in pipeline order.
    pub fn filters(&self) -> Vec<(u16, Vec<u32>)> {
        let mut f = Vec::new();
        if self.shuffle {
            f.push((id::SHUFFLE, vec![self.ty.size() as u32]));
        }
        if let Some(l) = self.gzip {
            f.push((id::DEFLATE, vec![l]));
        }
        if self.fletcher {
            f.push((id::FLETCHER32, vec![]));
        }
        f
    }
}

/// A link target in a group.
#[derive(Clone, Debug, PartialEq)]
pub enum MNode {
    /// A group.
    Group(MGroup),
    /// A dataset.
    Dataset(MDataset),
    /// A soft link (not followed).
    Soft(String),
    /// An external link (file, path; not followed).
    External(String, String),
}

/// A group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MGroup {
    /// Attributes in storage order.
    pub attrs: Vec<(String, MAttr)>,
    /// Links by name.
    pub children: BTreeMap<String, MNode>,
}

/// `parent/name`.
pub fn join(parent: &str, name: &str) -> String {
    if parent == "/" { format!("/{name}") } else { format!("{parent}/{name}") }
}

fn parts(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|p| !p.is_empty())
}

/// What a path holds, for picking edit targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A group (the root included).
    Group,
    /// A dataset.
    Dataset,
    /// A soft or external link.
    Soft,
}

impl MGroup {
    /// The node at `path` (not the root).
    pub fn node(&self, path: &str) -> Option<&MNode> {
        let mut g = self;
        let mut it = parts(path).peekable();
        while let Some(name) = it.next() {
            let n = g.children.get(name)?;
            if it.peek().is_none() {
                return Some(n);
            }
            match n {
                MNode::Group(sub) => g = sub,
                _ => return None,
            }
        }
        None
    }

    /// The group at `path` (the root for "/").
    pub fn group_mut(&mut self, path: &str) -> Option<&mut MGroup> {
        let mut g = self;
        for name in parts(path) {
            match g.children.get_mut(name)? {
                MNode::Group(sub) => g = sub,
                _ => return None,
            }
        }
        Some(g)
    }

    /// The dataset at `path`.
    pub fn dataset_mut(&mut self, path: &str) -> Option<&mut MDataset> {
        let (parent, name) = path.rsplit_once('/')?;
        match self
            .group_mut(if parent.is_empty() { "/" } else { parent })?
            .children
            .get_mut(name)?
        {
            MNode::Dataset(d) => Some(d),
            _ => None,
        }
    }

    /// The attributes of the group or dataset at `path`.
    pub fn attrs_mut(&mut self, path: &str) -> Option<&mut Vec<(String, MAttr)>> {
        if path == "/" {
            return Some(&mut self.attrs);
        }
        let (parent, name) = path.rsplit_once('/')?;
        match self
            .group_mut(if parent.is_empty() { "/" } else { parent })?
            .children
            .get_mut(name)?
        {
            MNode::Group(g) => Some(&mut g.attrs),
            MNode::Dataset(d) => Some(&mut d.attrs),
            MNode::Soft(_) | MNode::External(..) => None,
        }
    }

    /// Remove the link at `path`.
    pub fn remove(&mut self, path: &str) -> Option<MNode> {
        let (parent, name) = path.rsplit_once('/')?;
        self.group_mut(if parent.is_empty() { "/" } else { parent })?.children.remove(name)
    }

    /// Every path (the root "/" first), with its kind, sorted.
    pub fn paths(&self) -> Vec<(String, Kind)> {
        let mut out = vec![("/".to_string(), Kind::Group)];
        fn rec(g: &MGroup, at: &str, out: &mut Vec<(String, Kind)>) {
            for (name, n) in &g.children {
                let p = join(at, name);
                match n {
                    MNode::Group(sub) => {
                        out.push((p.clone(), Kind::Group));
                        rec(sub, &p, out);
                    }
                    MNode::Dataset(_) => out.push((p, Kind::Dataset)),
                    MNode::Soft(_) | MNode::External(..) => out.push((p, Kind::Soft)),
                }
            }
        }
        rec(self, "/", &mut out);
        out.sort();
        out
    }

    /// Paths of one kind.
    pub fn paths_of(&self, kind: Kind) -> Vec<String> {
        self.paths().into_iter().filter(|(_, k)| *k == kind).map(|(p, _)| p).collect()
    }

    /// Number of datasets.
    pub fn dataset_count(&self) -> usize {
        self.paths_of(Kind::Dataset).len()
    }
}

// ----- writing -----

type WResult = loomfile_hdf5::Result<()>;

/// Set an attribute.
pub fn write_attr(w: &mut Writer, path: &str, name: &str, a: &MAttr) -> WResult {
    w.set_attr(path, name, a.value())
}

/// Write box-shaped `values` into the dataset at `path`.
pub fn write_box(w: &mut Writer, path: &str, ty: &Ty, b: &Boxw, values: &Elems) -> WResult {
    let sel = b.selection();
    match values {
        Elems::Str(v) => w.write_strings(path, &sel, v),
        Elems::Raw(raw) if b.typed => write_typed(w, path, &sel, ty, raw),
        Elems::Raw(raw) => w.write_raw(path, &sel, raw),
    }
}

fn write_typed(w: &mut Writer, path: &str, sel: &[Selection], ty: &Ty, raw: &[u8]) -> WResult {
    macro_rules! typed {
        ($t:ty) => {{
            let n = std::mem::size_of::<$t>();
            let v: Vec<$t> =
                raw.chunks_exact(n).map(|c| <$t>::from_le_bytes(c.try_into().unwrap())).collect();
            w.write::<$t>(path, sel, &v)
        }};
    }
    match *ty {
        Ty::Int { size: 1, signed: true } => typed!(i8),
        Ty::Int { size: 2, signed: true } => typed!(i16),
        Ty::Int { size: 4, signed: true } => typed!(i32),
        Ty::Int { size: 8, signed: true } => typed!(i64),
        Ty::Int { size: 1, signed: false } => typed!(u8),
        Ty::Int { size: 2, signed: false } => typed!(u16),
        Ty::Int { size: 4, signed: false } => typed!(u32),
        Ty::Int { size: 8, signed: false } => typed!(u64),
        Ty::Float { size: 4 } => typed!(f32),
        Ty::Float { size: 8 } => typed!(f64),
        _ => w.write_raw(path, sel, raw),
    }
}

/// Create a dataset, write its creation boxes, set its attributes.
pub fn create_dataset(w: &mut Writer, path: &str, d: &MDataset) -> WResult {
    w.create_dataset(path, d.spec())?;
    for b in &d.init {
        let idx = box_indices(&d.shape, &b.start, &b.count);
        write_box(w, path, &d.ty, b, &d.source.gather(&d.ty, &idx))?;
    }
    for (name, a) in &d.attrs {
        write_attr(w, path, name, a)?;
    }
    Ok(())
}

/// Write a whole model into a fresh writer, committing after node `i` when bit `i % 64` of
/// `commit_mask` is set (the caller commits at the end).
pub fn write_tree(w: &mut Writer, root: &MGroup, commit_mask: u64) -> WResult {
    for (name, a) in &root.attrs {
        write_attr(w, "/", name, a)?;
    }
    let mut i = 0;
    write_children(w, "/", root, commit_mask, &mut i)
}

fn write_children(w: &mut Writer, at: &str, g: &MGroup, mask: u64, i: &mut u32) -> WResult {
    for (name, node) in &g.children {
        let p = join(at, name);
        match node {
            MNode::Group(sub) => {
                w.create_group(&p)?;
                for (an, a) in &sub.attrs {
                    write_attr(w, &p, an, a)?;
                }
            }
            MNode::Dataset(d) => create_dataset(w, &p, d)?,
            MNode::Soft(t) => w.link_soft(&p, t)?,
            MNode::External(f, t) => w.link_external(&p, f, t)?,
        }
        if (mask >> (*i % 64)) & 1 == 1 {
            w.commit()?;
        }
        *i += 1;
        if let MNode::Group(sub) = node {
            write_children(w, &p, sub, mask, i)?;
        }
    }
    Ok(())
}

// ----- expected values -----

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let mant = f64::from(h & 0x3ff);
    match exp {
        0 => sign * mant * (2f64).powi(-24),
        31 if mant == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1024.0 + mant) * (2f64).powi(e - 25),
    }
}

/// One element as a [`Value`].
pub fn elem_value(ty: &Ty, b: &[u8]) -> Value {
    match *ty {
        Ty::Int { signed, .. } => {
            let mut a = [0u8; 8];
            a[..b.len()].copy_from_slice(b);
            let u = u64::from_le_bytes(a);
            if signed {
                let shift = 64 - 8 * b.len() as u32;
                Value::Int(((u << shift) as i64) >> shift)
            } else {
                Value::UInt(u)
            }
        }
        Ty::Float { size: 2 } => Value::Float(f16_to_f64(u16::from_le_bytes([b[0], b[1]]))),
        Ty::Float { size: 4 } => Value::Float(f64::from(f32::from_le_bytes(b.try_into().unwrap()))),
        Ty::Float { .. } => Value::Float(f64::from_le_bytes(b.try_into().unwrap())),
        Ty::FixedStr { .. } => {
            let end = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
            Value::Str(String::from_utf8_lossy(&b[..end]).into_owned())
        }
        Ty::Bool => Value::Bool(b[0] != 0),
        Ty::VlenStr => unreachable!("vlen elements are strings"),
    }
}

fn nest(items: &[Value], shape: &[u64]) -> Value {
    match shape {
        [] => items[0].clone(),
        [d, rest @ ..] => {
            let inner = numel(rest);
            Value::List(
                (0..*d as usize).map(|i| nest(&items[i * inner..(i + 1) * inner], rest)).collect(),
            )
        }
    }
}

/// The expected value tree of elements of `shape`.
pub fn expected_value(ty: &Ty, shape: &[u64], data: &Elems) -> Value {
    let items: Vec<Value> = match data {
        Elems::Raw(r) => r.chunks_exact(ty.size()).map(|b| elem_value(ty, b)).collect(),
        Elems::Str(v) => v.iter().map(|s| Value::Str(s.clone())).collect(),
    };
    nest(&items, shape)
}

/// Equality of value trees with floats compared bit for bit (every NaN equal).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.0 == q.0 && same(&p.1, &q.1))
        }
        _ => a == b,
    }
}

// ----- checking -----

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}

fn flatten<'a>(g: &'a MGroup, at: &str, out: &mut Vec<(String, Expect<'a>)>) {
    for (name, n) in &g.children {
        let p = join(at, name);
        match n {
            MNode::Group(sub) => {
                out.push((p.clone(), Expect::Group(sub)));
                flatten(sub, &p, out);
            }
            MNode::Dataset(d) => out.push((p, Expect::Dataset(d))),
            MNode::Soft(t) => out.push((p, Expect::Soft(t))),
            MNode::External(f, t) => out.push((p, Expect::External(f, t))),
        }
    }
}

enum Expect<'a> {
    Group(&'a MGroup),
    Dataset(&'a MDataset),
    Soft(&'a str),
    External(&'a str, &'a str),
}

/// Compare a file with the model: the same paths, kinds, link targets, attributes (names in
/// order, types, shapes, bytes, values) and datasets (type, shape, maximum shape, layout,
/// chunk shape, filters, fill value, bytes, values).
pub fn check(file: &File, root: &MGroup) -> Result<(), String> {
    let nodes = walk(file, "/", WalkOptions::default()).map_err(|e| format!("walk: {e}"))?;
    let mut want = vec![("/".to_string(), Expect::Group(root))];
    flatten(root, "/", &mut want);
    want.sort_by(|a, b| a.0.cmp(&b.0));
    let got_paths: Vec<&str> = nodes.iter().map(|n| n.path.as_str()).collect();
    let want_paths: Vec<&str> = want.iter().map(|w| w.0.as_str()).collect();
    ensure!(got_paths == want_paths, "paths differ:\n got  {got_paths:?}\n want {want_paths:?}");
    for (node, (path, exp)) in nodes.iter().zip(&want) {
        match (&node.kind, exp) {
            (WalkKind::Group { attrs }, Expect::Group(g)) => check_attrs(path, attrs, &g.attrs)?,
            (WalkKind::Dataset { dataset, attrs, data }, Expect::Dataset(d)) => {
                check_attrs(path, attrs, &d.attrs)?;
                check_dataset(path, dataset, d)?;
                let v = data.as_ref().ok_or_else(|| format!("{path}: walk gave no data"))?;
                ensure!(same(v, &expected_value(&d.ty, &d.shape, &d.data)), "{path}: walk value");
            }
            (WalkKind::SoftLink(t), Expect::Soft(want)) => {
                ensure!(t == want, "{path}: soft link to {t:?}, want {want:?}")
            }
            (WalkKind::External { file, path: t }, Expect::External(wf, wt)) => {
                ensure!(file == wf && t == wt, "{path}: external link to {file:?}:{t:?}")
            }
            (k, _) => return Err(format!("{path}: wrong kind {k:?}")),
        }
    }
    Ok(())
}

/// Attributes are compared in name order (the reader's order, as h5py's).
fn check_attrs(path: &str, got: &[Attribute], want: &[(String, MAttr)]) -> Result<(), String> {
    let mut want: Vec<&(String, MAttr)> = want.iter().collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    let gn: Vec<&str> = got.iter().map(|a| a.name()).collect();
    let wn: Vec<&str> = want.iter().map(|a| a.0.as_str()).collect();
    ensure!(gn == wn, "{path}: attribute names {gn:?}, want {wn:?}");
    for (a, (name, m)) in got.iter().zip(want.iter().copied()) {
        let at = format!("{path}@{name}");
        ensure!(*a.dtype() == m.ty.datatype(), "{at}: dtype {:?}, want {:?}", a.dtype(), m.ty);
        ensure!(
            a.shape() == Some(m.shape.clone()),
            "{at}: shape {:?} want {:?}",
            a.shape(),
            m.shape
        );
        match &m.data {
            Elems::Raw(r) => ensure!(a.raw() == r.as_slice(), "{at}: bytes differ"),
            Elems::Str(v) => {
                let s = a.read_strings().map_err(|e| format!("{at}: {e}"))?;
                ensure!(&s == v, "{at}: strings {s:?}, want {v:?}");
            }
        }
        let v = a.value().map_err(|e| format!("{at}: {e}"))?;
        ensure!(same(&v, &expected_value(&m.ty, &m.shape, &m.data)), "{at}: value {v:?}");
    }
    Ok(())
}

fn check_dataset(path: &str, d: &Dataset, m: &MDataset) -> Result<(), String> {
    ensure!(*d.dtype() == m.ty.datatype(), "{path}: dtype {:?}, want {:?}", d.dtype(), m.ty);
    ensure!(
        d.shape() == Some(m.shape.clone()),
        "{path}: shape {:?}, want {:?}",
        d.shape(),
        m.shape
    );
    ensure!(d.max_shape() == m.max, "{path}: max shape {:?}, want {:?}", d.max_shape(), m.max);
    match (d.layout(), &m.layout) {
        (Layout::Compact { .. }, Lay::Compact) | (Layout::Contiguous { .. }, Lay::Contiguous) => {}
        (Layout::Chunked { chunk, .. }, Lay::Chunked(c)) if chunk == c => {}
        (l, _) => return Err(format!("{path}: layout {l:?}, want {:?}", m.layout)),
    }
    let filters: Vec<(u16, Vec<u32>)> =
        d.pipeline().filters.iter().map(|f| (f.id, f.params.clone())).collect();
    ensure!(filters == m.filters(), "{path}: filters {filters:?}, want {:?}", m.filters());
    if !m.ty.is_vlen() {
        ensure!(d.fill_bytes() == m.fill_elem(), "{path}: fill {:?}", d.fill_bytes());
    }
    match &m.data {
        Elems::Raw(r) => {
            let got = d.read_raw_all().map_err(|e| format!("{path}: {e}"))?;
            ensure!(got == *r, "{path}: bytes differ:\n got  {got:?}\n want {r:?}");
        }
        Elems::Str(v) => {
            let got = d.read_strings().map_err(|e| format!("{path}: {e}"))?;
            ensure!(got == *v, "{path}: strings {got:?}, want {v:?}");
        }
    }
    let v = d.value().map_err(|e| format!("{path}: {e}"))?;
    ensure!(same(&v, &expected_value(&m.ty, &m.shape, &m.data)), "{path}: value {v:?}");
    Ok(())
}
