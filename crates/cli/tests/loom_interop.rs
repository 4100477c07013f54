//! Loom interop with loompy 3.0.8 and h5py, value by value, both directions:
//!
//! - files written by loompy (the fixtures, the public corpus, and fresh ones written by
//!   `tests/interop/loom_interop.py gen`) read through loomfile give exactly h5py's truth
//!   (`tests/interop/loomtruth.py`): layers, attributes, graphs, globals;
//! - files written by loomfile (`LoomFile::create/new/set_layer/set_attr/set_graph/
//!   set_global/...`) read through h5py give exactly what we wrote, open with
//!   `loompy.connect(path, validate=True)`, and loompy reads the same values — strings
//!   excepted where loompy is known to be lossy (non-ASCII dropped and `html.unescape` applied
//!   by loompy 3.0.8 under h5py >= 3; the script checks loompy returns exactly that lossy
//!   form of the stored bytes, and that h5py's raw bytes decode to our text);
//! - loompy's `add_columns` works on our files, and we read its result exactly as h5py does.

mod common;
mod loomcanon;

use common::*;
use loomfile::{Axis, Contents, Csr, Graph, LayerData, LoomFile, NumType, Values};
use ndarray::{Array2, ArrayD, IxDyn};
use serde_json::Value as J;
use std::path::{Path, PathBuf};

/// One test at a time: HDF5 locks are `flock`s, and a child process forked by the other test
/// (python) briefly holds a copy of every open descriptor, so a file closed and reopened
/// read-write at that moment could report "locked".
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn arr<T: Clone>(shape: &[usize], v: Vec<T>) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

fn counts(rng: &mut Rng, n: usize, m: usize, density: f64) -> Array2<f32> {
    Array2::from_shape_fn((n, m), |_| {
        if rng.unit() < density { (1 + rng.below(40)) as f32 } else { 0.0 }
    })
}

fn csr<T: Copy + Default + PartialEq>(a: &Array2<T>) -> Csr<T> {
    let mut c =
        Csr { rows: a.nrows() as u64, cols: a.ncols() as u64, indptr: vec![0], ..Csr::default() };
    for row in a.outer_iter() {
        for (j, &x) in row.iter().enumerate() {
            if x != T::default() {
                c.indices.push(j as u64);
                c.data.push(x);
            }
        }
        c.indptr.push(c.data.len() as u64);
    }
    c
}

pub const SPECIAL: [&str; 9] =
    ["Ménage", "β-actin", "日本", "&lt;b&gt;", "<b>", "a&b", "emoji 🧬", "", "&#233; literal"];

/// Assert that what loomfile reads back for each written item is exactly what was written.
fn assert_read_back(
    f: &LoomFile,
    rows: &[(&str, Values)],
    cols: &[(&str, Values)],
    globals: &[(&str, Values)],
) {
    for (axis, list) in [(Axis::Rows, rows), (Axis::Cols, cols)] {
        for (name, v) in list {
            let got = loomcanon::entry(&f.attr(axis, name).unwrap());
            assert_eq!(got, loomcanon::stored_entry(v), "{axis:?} attribute {name}");
        }
    }
    for (name, v) in globals {
        let got = loomcanon::entry(&f.global(name).unwrap());
        assert_eq!(got, loomcanon::stored_entry(v), "global {name}");
    }
}

/// Write loomfile's test files into `dir`, each with `X.expect.json` = our canonical read.
fn write_ours(dir: &Path) -> Vec<PathBuf> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();

    // 1. create + every kind of edit, on a spec-3 file
    let (n, m) = (70usize, 130usize);
    let main = counts(&mut rng, n, m, 0.2);
    let genes: Vec<String> = SPECIAL
        .iter()
        .map(|s| s.to_string())
        .chain((SPECIAL.len()..n).map(|i| format!("G{i:03}")))
        .collect();
    let mut gc: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
    gc[1] = f64::NAN;
    gc[2] = f64::INFINITY;
    gc[3] = f64::NEG_INFINITY;
    gc[4] = -0.0;
    gc[5] = 5e-324;
    let rows: Vec<(&str, Values)> = vec![
        ("Gene", Values::strings(&genes)),
        ("Accession", Values::strings(&(0..n).map(|i| format!("ENSG{i:011}")).collect::<Vec<_>>())),
        (
            "Length",
            Values::from_vec((0..n).map(|_| rng.below(20000) as i64 - 5).collect::<Vec<i64>>()),
        ),
        ("GC", Values::from_vec(gc)),
        ("IsMito", Values::Bool(arr(&[n], (0..n).map(|i| i % 7 == 0).collect()))),
        ("Loadings", Values::Float64(arr(&[n, 3], (0..3 * n).map(|_| rng.unit() - 0.5).collect()))),
        ("Pair", Values::String(arr(&[n, 2], (0..2 * n).map(|i| format!("p{i}é")).collect()))),
        ("Small", Values::Int8(arr(&[n], (0..n).map(|i| (i as i64 - 64) as i8).collect()))),
        ("Big", Values::UInt64(arr(&[n], (0..n).map(|i| u64::MAX - i as u64).collect()))),
        ("Half", Values::Float16(arr(&[n], (0..n).map(|i| i as f32 * 0.5 - 3.0).collect()))),
    ];
    let cols: Vec<(&str, Values)> = vec![
        (
            "CellID",
            Values::strings(
                &(0..m)
                    .map(|i| if i == 7 { "Zellé-7".into() } else { format!("cell-{i:03}") })
                    .collect::<Vec<_>>(),
            ),
        ),
        ("ClusterID", Values::from_vec((0..m).map(|i| (i % 6) as i64).collect::<Vec<i64>>())),
        ("TotalUMI", Values::from_vec(main.sum_axis(ndarray::Axis(0)).to_vec())),
        ("Valid", Values::Bool(arr(&[m], (0..m).map(|i| i % 5 != 0).collect()))),
        ("PCA", Values::Float32(arr(&[m, 5], (0..5 * m).map(|_| rng.unit() as f32).collect()))),
    ];
    let globals: Vec<(&str, Values)> = vec![
        ("Title", Values::string("Ours — café ☕ 日本 &amp; <i>")),
        ("Number", Values::scalar(42i64)),
        ("Pi", Values::scalar(std::f64::consts::PI)),
        ("IntList", Values::from_vec(vec![1i64, 2, 3, 5, 8])),
        ("Mat", Values::Float64(arr(&[2, 2], vec![1.5, -2.0, 0.25, 4.0]))),
        ("Tags", Values::strings(&["alpha", "béta", "γ", "&lt;"])),
    ];
    let p = dir.join("ours_dense.loom");
    LoomFile::create(
        &p,
        LayerData::Dense(main.view()),
        &Contents { row_attrs: rows.clone(), col_attrs: cols.clone(), file_attrs: globals.clone() },
    )
    .unwrap();
    let mut f = LoomFile::open_rw(&p).unwrap();
    let spliced = Array2::from_shape_fn((n, m), |(i, j)| ((i * 7 + j * 3) % 300) as u16);
    f.set_layer("spliced", LayerData::Dense(spliced.view())).unwrap();
    let uns =
        Array2::from_shape_fn((n, m), |_| if rng.unit() < 0.08 { rng.unit() * 10.0 } else { 0.0 });
    f.set_layer("unspliced", LayerData::Sparse(&csr(&uns))).unwrap();
    let ints = Array2::from_shape_fn((n, m), |(i, j)| i as i32 * 1000 - j as i32);
    f.set_layer("counts", LayerData::Dense(ints.view())).unwrap();
    let big = Array2::from_shape_fn((n, m), |(i, j)| i64::MIN + (i * m + j) as i64);
    f.set_layer("big", LayerData::Dense(big.view())).unwrap();
    let u = Array2::from_shape_fn((n, m), |(i, j)| u64::MAX - (i * m + j) as u64);
    f.set_layer("u64", LayerData::Dense(u.view())).unwrap();
    f.set_layer_empty("empty", NumType::Float32).unwrap();
    f.set_layer("gone", LayerData::Dense(main.view())).unwrap();
    f.delete_layer("gone").unwrap();
    let block = Array2::from_shape_fn((8, 67), |_| -77i32);
    f.write_layer_block("counts", (2, 10), (3, 70), block.view()).unwrap();
    let knn = Graph {
        a: (0..m as u64).flat_map(|i| [i, i]).collect(),
        b: (0..m as u64).flat_map(|i| [(i + 1) % m as u64, (i + 3) % m as u64]).collect(),
        w: (0..2 * m).map(|_| rng.unit()).collect(),
    };
    f.set_graph(Axis::Cols, "KNN", &knn).unwrap();
    f.set_graph(Axis::Cols, "none", &Graph::default()).unwrap();
    let coexp = Graph {
        a: vec![0, 1, 2, 69, 10],
        b: vec![1, 2, 0, 3, 69],
        w: vec![0.5, -0.25, 1.0, 2.0, 1e-9],
    };
    f.set_graph(Axis::Rows, "coexp", &coexp).unwrap();
    let later = [
        ("Later", Values::string("added later: naïve")),
        ("FloatList", Values::from_vec(vec![0.5f64, -1.5, 1e-300])),
    ];
    for (k, v) in &later {
        f.set_global(k, v).unwrap();
    }
    f.set_attr(Axis::Rows, "Replaced", &Values::from_vec((0..n as i64).collect::<Vec<_>>()))
        .unwrap();
    let replaced =
        ("Replaced", Values::strings(&(0..n).map(|i| format!("r{i}")).collect::<Vec<_>>()));
    f.set_attr(Axis::Rows, replaced.0, &replaced.1).unwrap();
    f.close().unwrap();
    let f = LoomFile::open(&p).unwrap();
    assert_read_back(
        &f,
        &[rows, vec![replaced]].concat(),
        &cols,
        &[globals, later.to_vec()].concat(),
    );
    assert_eq!(loomcanon::layer(&f, "spliced")["dtype"], "uint16");
    let expect_counts: Vec<Vec<i64>> = (0..n)
        .map(|i| {
            (0..m)
                .map(|j| {
                    if (2..10).contains(&i) && (3..70).contains(&j) {
                        -77
                    } else {
                        ints[[i, j]] as i64
                    }
                })
                .collect()
        })
        .collect();
    assert_eq!(loomcanon::layer(&f, "counts")["data"], serde_json::json!(expect_counts));
    assert_eq!(f.graph(Axis::Cols, "KNN").unwrap(), knn);
    assert_eq!(f.graph(Axis::Rows, "coexp").unwrap(), coexp);
    assert!(!f.layer_names().contains(&"gone".to_string()));
    out.push(p);

    // 2. a sparse main matrix through create
    let (n, m) = (200usize, 300usize);
    let dense = Array2::from_shape_fn((n, m), |_| {
        if rng.unit() < 0.03 { 1 + rng.below(100) as i32 } else { 0 }
    });
    let p = dir.join("ours_sparse.loom");
    let rows =
        vec![("Gene", Values::strings(&(0..n).map(|i| format!("g{i}")).collect::<Vec<_>>()))];
    let cols =
        vec![("CellID", Values::strings(&(0..m).map(|i| format!("c{i}")).collect::<Vec<_>>()))];
    LoomFile::create(
        &p,
        LayerData::Sparse(&csr(&dense)),
        &Contents { row_attrs: rows.clone(), col_attrs: cols.clone(), ..Default::default() },
    )
    .unwrap();
    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.read_layer::<i32>("", &loomfile::Sel::All, &loomfile::Sel::All).unwrap(), dense);
    assert_read_back(&f, &rows, &cols, &[]);
    out.push(p);

    // 3. new() then one call at a time
    let p = dir.join("ours_new.loom");
    let mut f = LoomFile::new(&p, &[("Title", Values::string("step by step"))]).unwrap();
    let main = Array2::from_shape_fn((20, 10), |(i, j)| (i * 10 + j) as f64);
    f.set_layer("", LayerData::Dense(main.view())).unwrap();
    let rows =
        vec![("Gene", Values::strings(&(0..20).map(|i| format!("g{i}")).collect::<Vec<_>>()))];
    let cols = vec![
        ("CellID", Values::strings(&(0..10).map(|i| format!("a{i}")).collect::<Vec<_>>())),
        ("Batch", Values::from_vec(vec![0i64; 10])),
    ];
    for (k, v) in &rows {
        f.set_attr(Axis::Rows, k, v).unwrap();
    }
    for (k, v) in &cols {
        f.set_attr(Axis::Cols, k, v).unwrap();
    }
    f.close().unwrap();
    assert_read_back(
        &LoomFile::open(&p).unwrap(),
        &rows,
        &cols,
        &[("Title", Values::string("step by step"))],
    );
    out.push(p);

    // 4. editing a spec 2.0.1 file: strings go in the spec-2 way (fixed ASCII + references)
    let p = dir.join("ours_v2_edit.loom");
    std::fs::copy(root().join("fixtures/loom/spec2.loom"), &p).unwrap();
    let mut f = LoomFile::open_rw(&p).unwrap();
    let (n, m) = f.shape();
    let sym: Vec<&str> = (0..n as usize).map(|i| SPECIAL[i % SPECIAL.len()]).collect();
    let rows = vec![("Symbol", Values::strings(&sym))];
    let cols =
        vec![("Score", Values::from_vec((0..m).map(|i| i as f64 / 3.0).collect::<Vec<_>>()))];
    let globals =
        vec![("Extra", Values::string("naïve &amp; ☕")), ("Tags2", Values::strings(&["x", "ÿ"]))];
    f.set_attr(Axis::Rows, rows[0].0, &rows[0].1).unwrap();
    f.set_attr(Axis::Cols, cols[0].0, &cols[0].1).unwrap();
    for (k, v) in &globals {
        f.set_global(k, v).unwrap();
    }
    f.set_graph(Axis::Rows, "RG", &Graph { a: vec![0, 79], b: vec![79, 0], w: vec![1.0, 2.0] })
        .unwrap();
    f.close().unwrap();
    assert_read_back(&LoomFile::open(&p).unwrap(), &rows, &cols, &globals);
    out.push(p);

    for p in &out {
        let f = LoomFile::open(p).unwrap();
        let expect = loomcanon::file(&f);
        std::fs::write(p.with_extension("expect.json"), expect.to_string()).unwrap();
    }
    out
}

fn truths(files: &[PathBuf], tmp: &Path) -> serde_json::Map<String, J> {
    let script = root().join("tests/interop/loom_interop.py");
    let out = tmp.join("truth.json");
    let mut args: Vec<&Path> = vec![Path::new("truth"), &out];
    args.extend(files.iter().map(|p| p.as_path()));
    run_python(&script, &args);
    let j: J = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    j.as_object().unwrap().clone()
}

fn compare_with_truth(files: &[PathBuf], tmp: &Path) {
    let truth = truths(files, tmp);
    let mut failures = Vec::new();
    for p in files {
        let t = &truth[&p.to_string_lossy().to_string()];
        let f = LoomFile::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let got = loomcanon::file(&f);
        let d = loomcanon::diff(t, &got, 10);
        if d.is_empty() {
            eprintln!("ok   {}", p.display());
        } else {
            failures.push(format!("{}:\n  {}", p.display(), d.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "loomfile's read differs from h5py's truth:\n{}",
        failures.join("\n")
    );
}

#[test]
fn loompy_written_files_read_exactly_as_h5py_reads_them() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let script = root().join("tests/interop/loom_interop.py");
    let gen_dir = tmp.path().join("gen");
    let listing = run_python(&script, &[Path::new("gen"), &gen_dir]);
    let mut files: Vec<PathBuf> =
        listing.lines().filter(|l| l.ends_with(".loom")).map(PathBuf::from).collect();
    assert_eq!(files.len(), 5, "{listing}");
    files.extend(common::files(&root().join("fixtures/loom"), &[".loom"]));
    files.extend(corpus("loom-public", &[".loom"]));
    compare_with_truth(&files, tmp.path());
}

#[test]
fn our_files_are_read_by_h5py_and_loompy_and_extended_by_loompy_add_columns() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let ours = write_ours(tmp.path());
    let script = root().join("tests/interop/loom_interop.py");
    let out = run_python(&script, &[Path::new("check-ours"), tmp.path()]);
    eprintln!("{out}");
    // loompy's add_columns output, read by us, equals h5py's truth of it.
    let added: Vec<PathBuf> = ours.iter().map(|p| p.with_extension("added.loom")).collect();
    for (a, p) in added.iter().zip(&ours) {
        assert!(a.exists(), "{}: loompy add_columns output missing", p.display());
        let truth: J =
            serde_json::from_slice(&std::fs::read(a.with_extension("truth.json")).unwrap())
                .unwrap();
        let f = LoomFile::open(a).unwrap();
        let (n, m) = LoomFile::open(p).unwrap().shape();
        assert_eq!(f.shape(), (n, 2 * m), "{}", a.display());
        let d = loomcanon::diff(&truth, &loomcanon::file(&f), 10);
        assert!(d.is_empty(), "{}: our read differs from h5py:\n{}", a.display(), d.join("\n"));
    }
}
