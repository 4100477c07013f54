//! The operations (add_columns, add_loom, combine, permute) on copies of the
//! fixtures, checked value by value against what the inputs hold (read back independently,
//! before the operation). No Python needed; the loompy comparisons are in crates/cli/tests.

// Copies fixtures to temp dirs and opens them by path: needs `fs`.
#![cfg(feature = "fs")]

use loomfile::ops::{AddLoomOptions, Block, CombineOptions, FillValues};
use loomfile::{Axis, Coo, Csr, Graph, LoomFile, NumType, Sel, Values};
use ndarray::{Array2, Axis as Ax, concatenate};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/loom").join(name)
}

fn copy(name: &str, dir: &Path, as_name: &str) -> PathBuf {
    let p = dir.join(as_name);
    std::fs::copy(fixture(name), &p).unwrap();
    p
}

fn layer(f: &LoomFile, name: &str) -> Array2<f64> {
    f.read_layer::<f64>(name, &Sel::All, &Sel::All).unwrap()
}

fn strings(f: &LoomFile, axis: Axis, name: &str) -> Vec<String> {
    f.attr(axis, name).unwrap().as_strings().unwrap()
}

fn nums(f: &LoomFile, axis: Axis, name: &str) -> Vec<f64> {
    f.attr(axis, name).unwrap().to_f64().unwrap()
}

fn hash(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn csr_from_dense<T: Copy + Default + PartialEq>(a: &Array2<T>) -> Csr<T> {
    let mut coo = Coo { rows: a.nrows() as u64, cols: a.ncols() as u64, ..Coo::default() };
    for ((i, j), &v) in a.indexed_iter() {
        if v != T::default() {
            coo.row.push(i as u64);
            coo.col.push(j as u64);
            coo.data.push(v);
        }
    }
    coo.to_csr().unwrap()
}

fn as_f64<T: Copy + Into<f64>>(a: &Array2<T>) -> Array2<f64> {
    a.mapv(|x| x.into())
}

// ----- add_columns -----

#[test]
fn add_columns_appends_dense_and_sparse_blocks_and_fills_attributes() {
    let d = tempfile::tempdir().unwrap();
    let p = copy("medium.loom", d.path(), "m.loom");
    let (m0, s0, ids0, cl0) = {
        let f = LoomFile::open(&p).unwrap();
        assert_eq!(f.shape(), (300, 200));
        (
            layer(&f, ""),
            layer(&f, "spliced"),
            strings(&f, Axis::Cols, "CellID"),
            nums(&f, Axis::Cols, "ClusterID"),
        )
    };
    let k = 70;
    let newm = Array2::<f32>::from_shape_fn((300, k), |(i, j)| {
        if (i + 3 * j) % 7 == 0 { (i * j) as f32 + 0.5 } else { 0.0 }
    });
    let news = Array2::<u16>::from_shape_fn((300, k), |(i, j)| ((i * 31 + j * 17) % 11) as u16);
    let csr = csr_from_dense(&news);
    let ids: Vec<String> = (0..k).map(|j| format!("new_{j}")).collect();
    let mut f = LoomFile::open_rw(&p).unwrap();
    f.add_columns(
        &[("", Block::from(&newm)), ("spliced", Block::from(&csr))],
        &[("CellID", Values::strings(&ids)), ("Batch", Values::from_vec(vec![2i64; k]))],
        &[],
        &FillValues::Auto,
    )
    .unwrap();
    assert_eq!(f.shape(), (300, 270));
    f.close().unwrap();

    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.shape(), (300, 270));
    assert_eq!(layer(&f, ""), concatenate![Ax(1), m0, as_f64(&newm)]);
    assert_eq!(layer(&f, "spliced"), concatenate![Ax(1), s0, as_f64(&news)]);
    assert_eq!(f.layer_dtype("").unwrap(), NumType::Float32);
    assert_eq!(f.layer_dtype("spliced").unwrap(), NumType::UInt16);
    assert_eq!(f.layer_info("").unwrap().chunks, Some(vec![64, 64]));
    let mut want_ids = ids0.clone();
    want_ids.extend(ids);
    assert_eq!(strings(&f, Axis::Cols, "CellID"), want_ids);
    let mut want_cl = cl0.clone();
    want_cl.extend(vec![0.0; k]);
    assert_eq!(nums(&f, Axis::Cols, "ClusterID"), want_cl);
    assert_eq!(f.attr(Axis::Cols, "ClusterID").unwrap().dtype_name(), "int64");
    let mut want_b = vec![0.0; 200];
    want_b.extend(vec![2.0; k]);
    assert_eq!(nums(&f, Axis::Cols, "Batch"), want_b);
    assert_eq!(f.attr(Axis::Rows, "Gene").unwrap().len(), 300);
}

#[test]
fn add_columns_drop_and_map_are_explicit() {
    let d = tempfile::tempdir().unwrap();
    let p = copy("minimal_v3.loom", d.path(), "a.loom");
    let block = Array2::<f32>::ones((20, 5));
    let ids = Values::strings(&["a", "b", "c", "d", "e"]);
    let mut f = LoomFile::open_rw(&p).unwrap();
    f.add_columns(
        &[("", Block::from(&block))],
        &[("CellID", ids.clone()), ("Extra", Values::from_vec(vec![1.5f64; 5]))],
        &[],
        &FillValues::Map(vec![
            ("ClusterID".into(), Values::scalar(-1i64)),
            ("Extra".into(), Values::scalar(9.0f64)),
        ]),
    )
    .unwrap();
    let cl = nums(&f, Axis::Cols, "ClusterID");
    assert_eq!(&cl[30..], &[-1.0; 5]);
    let ex = nums(&f, Axis::Cols, "Extra");
    assert_eq!(&ex[..30], &[9.0; 30]);
    assert_eq!(&ex[30..], &[1.5; 5]);

    f.add_columns(&[("", Block::from(&block))], &[("CellID", ids)], &[], &FillValues::Drop)
        .unwrap();
    assert_eq!(f.shape(), (20, 40));
    assert_eq!(f.attr_names(Axis::Cols), vec!["CellID".to_string()]);
}

#[test]
fn add_columns_errors_change_nothing_and_the_handle_stays_usable() {
    let d = tempfile::tempdir().unwrap();
    let p = copy("rich_v3.loom", d.path(), "r.loom");
    let (m0, attrs0) = {
        let f = LoomFile::open(&p).unwrap();
        (layer(&f, "spliced"), f.attr_names(Axis::Cols))
    };
    let mut f = LoomFile::open_rw(&p).unwrap();
    let k = 3;
    let main = Array2::<f32>::zeros((40, k));
    let sp = Array2::<u32>::from_elem((40, k), 70_000); // does not fit uint16
    let un = Array2::<f64>::zeros((40, k));
    let em = Array2::<f32>::zeros((40, k));
    let ids = Values::strings(&["x", "y", "z"]);

    // A value that does not fit: the error names it; nothing is written.
    let e = f
        .add_columns(
            &[
                ("", Block::from(&main)),
                ("spliced", Block::from(&sp)),
                ("unspliced", Block::from(&un)),
                ("empty", Block::from(&em)),
            ],
            &[("CellID", ids.clone())],
            &[],
            &FillValues::Auto,
        )
        .unwrap_err();
    assert!(e.to_string().contains("70000") && e.to_string().contains("uint16"), "{e}");
    assert_eq!(f.shape(), (40, 50));

    // A missing layer, an unknown one, a wrong row count, a trailing-shape mismatch, a type clash.
    let ok_sp = Array2::<u16>::ones((40, k));
    let short = Array2::<f32>::zeros((39, k));
    type Case<'a> = (Vec<(&'a str, Block<'a>)>, Vec<(&'a str, Values)>);
    let cases: Vec<Case<'_>> = vec![
        (vec![("", Block::from(&main))], vec![("CellID", ids.clone())]),
        (
            vec![
                ("", Block::from(&main)),
                ("spliced", Block::from(&ok_sp)),
                ("unspliced", Block::from(&un)),
                ("empty", Block::from(&em)),
                ("nope", Block::from(&em)),
            ],
            vec![("CellID", ids.clone())],
        ),
        (
            vec![
                ("", Block::from(&short)),
                ("spliced", Block::from(&ok_sp)),
                ("unspliced", Block::from(&un)),
                ("empty", Block::from(&em)),
            ],
            vec![("CellID", ids.clone())],
        ),
        (
            vec![
                ("", Block::from(&main)),
                ("spliced", Block::from(&ok_sp)),
                ("unspliced", Block::from(&un)),
                ("empty", Block::from(&em)),
            ],
            vec![
                ("CellID", ids.clone()),
                ("PCA", Values::Float32(ndarray::ArrayD::zeros(vec![3, 4]))),
            ],
        ),
        (
            vec![
                ("", Block::from(&main)),
                ("spliced", Block::from(&ok_sp)),
                ("unspliced", Block::from(&un)),
                ("empty", Block::from(&em)),
            ],
            vec![("CellID", Values::from_vec(vec![1i64, 2, 3]))],
        ),
    ];
    for (layers, attrs) in &cases {
        assert!(f.add_columns(layers, attrs, &[], &FillValues::Auto).is_err());
        assert_eq!(f.shape(), (40, 50));
    }

    // The handle still commits cleanly: only this change lands.
    f.set_global("After", &Values::scalar(1i64)).unwrap();
    f.close().unwrap();
    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.shape(), (40, 50));
    assert_eq!(layer(&f, "spliced"), m0);
    assert_eq!(f.attr_names(Axis::Cols), attrs0);
    assert_eq!(f.global("After").unwrap(), Values::scalar(1i64));
    assert_eq!(f.attr(Axis::Cols, "CellID").unwrap().len(), 50);
}

#[test]
fn add_columns_to_a_new_file_like_loompys_test_new() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("new.loom");
    let genes: Vec<String> = (0..20).map(|i| format!("g{i}")).collect();
    let a = Array2::<f64>::from_shape_fn((20, 100), |(i, j)| (i * 100 + j) as f64);
    let b = a.mapv(|x| x + 0.25);
    let mut f = LoomFile::new(&p, &[]).unwrap();
    let ids =
        |o: usize| Values::strings(&(0..100).map(|j| format!("c{}", j + o)).collect::<Vec<_>>());
    f.add_columns(
        &[("", Block::from(&a))],
        &[("CellID", ids(0))],
        &[("Gene", Values::strings(&genes))],
        &FillValues::Auto,
    )
    .unwrap();
    f.add_columns(
        &[("", Block::from(&b))],
        &[("CellID", ids(100))],
        &[("Gene", Values::strings(&genes))],
        &FillValues::Auto,
    )
    .unwrap();
    // Row attributes that disagree with the file are refused (rows misaligned).
    let mut g2 = genes.clone();
    g2.swap(0, 1);
    assert!(
        f.add_columns(
            &[("", Block::from(&b))],
            &[("CellID", ids(200))],
            &[("Gene", Values::strings(&g2))],
            &FillValues::Auto,
        )
        .is_err()
    );
    f.close().unwrap();
    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.shape(), (20, 200));
    assert_eq!(layer(&f, ""), concatenate![Ax(1), a, b]);
    assert_eq!(f.layer_dtype("").unwrap(), NumType::Float64);
    assert_eq!(strings(&f, Axis::Rows, "Gene"), genes);
    assert_eq!(f.attr(Axis::Cols, "CellID").unwrap().len(), 200);
}

#[test]
fn add_columns_keeps_empty_layers_empty_and_2d_attributes_filled() {
    let d = tempfile::tempdir().unwrap();
    let p = copy("rich_v3.loom", d.path(), "r.loom");
    let (pca0, knn0) = {
        let f = LoomFile::open(&p).unwrap();
        (nums(&f, Axis::Cols, "PCA"), f.graph(Axis::Cols, "KNN").unwrap())
    };
    let k = 100; // past the 64-column chunk: the old edge chunk is merged, new chunks written
    let main = Array2::<f32>::from_shape_fn((40, k), |(i, j)| ((i + j) % 3) as f32);
    let sp = Array2::<u16>::from_shape_fn((40, k), |(i, j)| ((i * j) % 5) as u16);
    let un = Array2::<f64>::from_shape_fn((40, k), |(i, j)| (i as f64) - (j as f64) / 8.0);
    let em = Array2::<f32>::zeros((40, k));
    let mut f = LoomFile::open_rw(&p).unwrap();
    f.add_columns(
        &[
            ("", Block::from(&main)),
            ("spliced", Block::from(&sp)),
            ("unspliced", Block::from(&un)),
            ("empty", Block::from(&em)),
        ],
        &[],
        &[],
        &FillValues::Auto,
    )
    .unwrap();
    f.close().unwrap();
    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.shape(), (40, 150));
    assert_eq!(f.layer_info("empty").unwrap().stored_bytes, 0, "zero chunks are not stored");
    assert_eq!(layer(&f, "empty"), Array2::<f64>::zeros((40, 150)));
    let full = layer(&f, "unspliced");
    assert_eq!(full.slice(ndarray::s![.., 50..]), un);
    let pca = f.attr(Axis::Cols, "PCA").unwrap();
    assert_eq!(pca.shape(), vec![150, 5]);
    let v = pca.to_f64().unwrap();
    assert_eq!(&v[..250], &pca0[..]);
    assert!(v[250..].iter().all(|&x| x == 0.0));
    assert_eq!(f.graph(Axis::Cols, "KNN").unwrap(), knn0);
    assert_eq!(strings(&f, Axis::Cols, "CellID")[60], "");
}

// ----- add_loom -----

#[test]
fn add_loom_aligns_rows_by_key_converts_globals_and_never_writes_the_other_file() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("medium.loom", d.path(), "a.loom");
    let b = copy("medium.loom", d.path(), "b.loom");
    let (m0, s0, ids0, genes0) = {
        let f = LoomFile::open(&a).unwrap();
        (
            layer(&f, ""),
            layer(&f, "spliced"),
            strings(&f, Axis::Cols, "CellID"),
            strings(&f, Axis::Rows, "Gene"),
        )
    };
    {
        let mut f = LoomFile::open_rw(&b).unwrap();
        let rev: Vec<u64> = (0..300).rev().collect();
        f.permute(&rev, Axis::Rows).unwrap();
        f.set_global("Sample", &Values::string("B")).unwrap();
        f.close().unwrap();
        let mut f = LoomFile::open_rw(&a).unwrap();
        f.set_global("Sample", &Values::string("A")).unwrap();
        f.close().unwrap();
    }
    let before = hash(&b);
    let mut f = LoomFile::open_rw(&a).unwrap();
    let other = LoomFile::open(&b).unwrap();
    f.add_loom(
        &other,
        &AddLoomOptions {
            key: Some("Accession"),
            convert_attrs: true,
            batch_size: 100,
            ..Default::default()
        },
    )
    .unwrap();
    drop(other);
    f.close().unwrap();
    assert_eq!(hash(&b), before, "the other file is only read");

    let f = LoomFile::open(&a).unwrap();
    assert_eq!(f.shape(), (300, 400));
    assert_eq!(layer(&f, ""), concatenate![Ax(1), m0, m0]);
    assert_eq!(layer(&f, "spliced"), concatenate![Ax(1), s0, s0]);
    let mut ids = ids0.clone();
    ids.extend(ids0);
    assert_eq!(strings(&f, Axis::Cols, "CellID"), ids);
    assert_eq!(strings(&f, Axis::Rows, "Gene"), genes0);
    let sample = strings(&f, Axis::Cols, "Sample");
    assert!(sample[..200].iter().all(|s| s == "A") && sample[200..].iter().all(|s| s == "B"));
    assert!(!f.global_names().contains(&"Sample".to_string()));
    // CreationDate is identical in both copies: it stays a global.
    assert!(f.global_names().contains(&"CreationDate".to_string()));
}

#[test]
fn add_loom_refuses_unalignable_rows_and_missing_layers() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("minimal_v3.loom", d.path(), "a.loom");
    let b = copy("minimal_v3.loom", d.path(), "b.loom");
    {
        let mut f = LoomFile::open_rw(&b).unwrap();
        let mut acc = strings(&f, Axis::Rows, "Accession");
        acc[3] = "not-in-a".into();
        f.set_attr(Axis::Rows, "Accession", &Values::strings(&acc)).unwrap();
        let m = Array2::<f32>::zeros((20, 30));
        f.set_layer("extra", loomfile::LayerData::Dense(m.view())).unwrap();
        f.close().unwrap();
    }
    let mut f = LoomFile::open_rw(&a).unwrap();
    let other = LoomFile::open(&b).unwrap();
    let e = f
        .add_loom(&other, &AddLoomOptions { key: Some("Accession"), ..Default::default() })
        .unwrap_err();
    assert!(e.to_string().contains("missing from the other file"), "{e}");
    // Without a key the rows are taken as they are; the extra layer of `other` is ignored.
    f.add_loom(&other, &AddLoomOptions::default()).unwrap();
    assert_eq!(f.shape(), (20, 60));
    assert_eq!(f.layer_names(), vec![String::new()]);
    // Now `f` has a layer `other` lacks.
    let m = Array2::<f32>::zeros((20, 60));
    f.set_layer("mine", loomfile::LayerData::Dense(m.view())).unwrap();
    let e = f.add_loom(&other, &AddLoomOptions::default()).unwrap_err();
    assert!(e.to_string().contains("\"mine\""), "{e}");
    assert_eq!(f.shape(), (20, 60));
}

#[test]
fn add_loom_joins_column_graphs() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("rich_v3.loom", d.path(), "a.loom");
    let b = copy("rich_v3.loom", d.path(), "b.loom");
    let (g0, un0) = {
        let f = LoomFile::open(&a).unwrap();
        (f.graph(Axis::Cols, "KNN").unwrap(), layer(&f, "unspliced"))
    };
    let mut f = LoomFile::open_rw(&a).unwrap();
    let other = LoomFile::open(&b).unwrap();
    f.add_loom(&other, &AddLoomOptions { include_graphs: true, ..Default::default() }).unwrap();
    let g = f.graph(Axis::Cols, "KNN").unwrap();
    let mut want = g0.clone();
    want.a.extend(g0.a.iter().map(|x| x + 50));
    want.b.extend(g0.b.iter().map(|x| x + 50));
    want.w.extend(g0.w.iter());
    assert_eq!(g, want);
    assert_eq!(f.graph(Axis::Cols, "empty").unwrap().edges(), 0);
    assert_eq!(layer(&f, "unspliced"), concatenate![Ax(1), un0, un0]);
    assert_eq!(f.layer_info("empty").unwrap().stored_bytes, 0);
    let pca = f.attr(Axis::Cols, "PCA").unwrap();
    assert_eq!(pca.shape(), vec![100, 5]);
}

// ----- combine -----

#[test]
fn combine_aligns_rows_fills_attributes_and_promotes_types() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("minimal_v3.loom", d.path(), "a.loom");
    let b = copy("minimal_v3.loom", d.path(), "b.loom");
    let c = d.path().join("c.loom");
    let (m0, ids0, cl0, acc0) = {
        let f = LoomFile::open(&a).unwrap();
        (
            layer(&f, ""),
            strings(&f, Axis::Cols, "CellID"),
            nums(&f, Axis::Cols, "ClusterID"),
            strings(&f, Axis::Rows, "Accession"),
        )
    };
    {
        let mut f = LoomFile::open_rw(&b).unwrap();
        let ord: Vec<u64> = (0..20).map(|i| (i * 7 + 3) % 20).collect();
        f.permute(&ord, Axis::Rows).unwrap();
        f.set_attr(Axis::Cols, "Extra", &Values::from_vec(vec![0.5f64; 30])).unwrap();
        f.close().unwrap();
        // c: float64 main matrix, no ClusterID.
        let m64 = m0.mapv(|x| x * 2.0);
        let contents = loomfile::Contents {
            row_attrs: vec![("Accession", Values::strings(&acc0))],
            col_attrs: vec![("CellID", Values::strings(&ids0))],
            file_attrs: vec![],
        };
        LoomFile::create(&c, loomfile::LayerData::Dense(m64.view()), &contents).unwrap();
    }
    let out = d.path().join("out.loom");
    let r = loomfile::ops::combine(
        &[&a, &b, &c],
        &out,
        &CombineOptions::new().add_options(AddLoomOptions::new().key("Accession").batch_size(64)),
    )
    .unwrap();
    assert_eq!(r.shape, (20, 90));
    assert_eq!(r.layers, vec![String::new()]);
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(f.layer_dtype("").unwrap(), NumType::Float64, "float32 + float64 -> float64");
    assert_eq!(layer(&f, ""), concatenate![Ax(1), m0, m0, m0.mapv(|x| x * 2.0)]);
    assert_eq!(strings(&f, Axis::Rows, "Accession"), acc0);
    let cl = nums(&f, Axis::Cols, "ClusterID");
    assert_eq!(&cl[..30], &cl0[..]);
    assert_eq!(&cl[30..60], &cl0[..]);
    assert_eq!(&cl[60..], &[0.0; 30]);
    let ex = nums(&f, Axis::Cols, "Extra");
    assert_eq!(&ex[..30], &[0.0; 30]);
    assert_eq!(&ex[30..60], &[0.5; 30]);
    assert_eq!(strings(&f, Axis::Cols, "CellID").len(), 90);
    assert_eq!(f.spec_version().text.as_deref(), Some("3.0.0"));
}

#[test]
fn combine_copies_first_chunks_and_drops_layers_missing_somewhere() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("rich_v3.loom", d.path(), "a.loom");
    let b = copy("rich_v3.loom", d.path(), "b.loom");
    let (m0, un0, title) = {
        let f = LoomFile::open(&a).unwrap();
        (layer(&f, ""), layer(&f, "unspliced"), f.global("Title").unwrap())
    };
    {
        let mut f = LoomFile::open_rw(&b).unwrap();
        f.delete_layer("spliced").unwrap();
        f.close().unwrap();
    }
    let out = d.path().join("out.loom");
    let r = loomfile::ops::combine(
        &[&a, &b],
        &out,
        &CombineOptions {
            add: AddLoomOptions::new().include_graphs(true),
            file_attrs: vec![("Combined", Values::scalar(1i64))],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.layers_dropped, vec!["spliced".to_string()]);
    // rich_v3 is one (40, 50) chunk; the output's chunks are (40, 64): nothing to copy.
    assert_eq!(r.chunks_copied, 0, "{r:?}");
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(f.shape(), (40, 100));
    assert_eq!(layer(&f, ""), concatenate![Ax(1), m0, m0]);
    assert_eq!(layer(&f, "unspliced"), concatenate![Ax(1), un0, un0]);
    assert_eq!(f.global("Title").unwrap(), title, "non-ASCII globals copied verbatim");
    assert_eq!(f.global("Combined").unwrap(), Values::scalar(1i64));
    assert_eq!(
        f.graph(Axis::Cols, "KNN").unwrap().edges(),
        2 * LoomFile::open(&a).unwrap().graph(Axis::Cols, "KNN").unwrap().edges()
    );
    assert_eq!(f.graph_names(Axis::Rows), vec!["coexp".to_string()]);
    assert_eq!(
        f.attr(Axis::Rows, "Gene").unwrap(),
        LoomFile::open(&a).unwrap().attr(Axis::Rows, "Gene").unwrap()
    );
    // Combining into an input is refused.
    assert!(loomfile::ops::combine(&[&a], &a, &CombineOptions::default()).is_err());
}

#[test]
fn combine_copies_the_first_files_chunks_when_layouts_agree() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("medium.loom", d.path(), "a.loom");
    let (m0, s0, n_chunks) = {
        let f = LoomFile::open(&a).unwrap();
        let n = f.layer_dataset("").unwrap().chunks().unwrap().entries().unwrap().len()
            + f.layer_dataset("spliced").unwrap().chunks().unwrap().entries().unwrap().len();
        (layer(&f, ""), layer(&f, "spliced"), n as u64)
    };
    let out = d.path().join("out.loom");
    let r = loomfile::ops::combine(&[&a, &a], &out, &CombineOptions::default()).unwrap();
    assert_eq!(r.chunks_copied, n_chunks);
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(layer(&f, ""), concatenate![Ax(1), m0, m0]);
    assert_eq!(layer(&f, "spliced"), concatenate![Ax(1), s0, s0]);
}

#[test]
fn combine_convert_attrs_turns_differing_globals_into_column_attributes() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("minimal_v3.loom", d.path(), "a.loom");
    let b = copy("minimal_v3.loom", d.path(), "b.loom");
    for (p, s, same) in [(&a, "A", 1i64), (&b, "B", 1)] {
        let mut f = LoomFile::open_rw(p).unwrap();
        f.set_global("Sample", &Values::string(s)).unwrap();
        f.set_global("Same", &Values::scalar(same)).unwrap();
        f.close().unwrap();
    }
    let out = d.path().join("out.loom");
    let r = loomfile::ops::combine(
        &[&a, &b],
        &out,
        &CombineOptions::new().add_options(AddLoomOptions::new().convert_attrs(true)),
    )
    .unwrap();
    assert_eq!(r.converted_globals, vec!["Sample".to_string()]);
    let f = LoomFile::open(&out).unwrap();
    let s = strings(&f, Axis::Cols, "Sample");
    assert!(s[..30].iter().all(|x| x == "A") && s[30..].iter().all(|x| x == "B"));
    assert_eq!(f.global("Same").unwrap(), Values::scalar(1i64));
    assert!(!f.global_names().contains(&"Sample".to_string()));
}

// ----- permute -----

fn perm(n: u64, step: u64, off: u64) -> Vec<u64> {
    (0..n).map(|i| (i * step + off) % n).collect()
}

fn inverse(o: &[u64]) -> Vec<u64> {
    let mut inv = vec![0; o.len()];
    for (i, &x) in o.iter().enumerate() {
        inv[x as usize] = i as u64;
    }
    inv
}

#[test]
fn permute_columns_and_rows_everywhere() {
    let d = tempfile::tempdir().unwrap();
    let p = copy("rich_v3.loom", d.path(), "r.loom");
    {
        let mut w = loomfile_hdf5::Writer::open(&p).unwrap();
        w.create_group("/tiles").unwrap();
        w.finish().unwrap();
    }
    let f0 = LoomFile::open(&p).unwrap();
    let layers: Vec<(String, Array2<f64>)> =
        f0.layer_names().into_iter().map(|l| (l.clone(), layer(&f0, &l))).collect();
    let cols0 = f0.all_col_attrs();
    let rows0 = f0.all_row_attrs();
    let knn0 = f0.graph(Axis::Cols, "KNN").unwrap();
    let coexp0 = f0.graph(Axis::Rows, "coexp").unwrap();
    drop(f0);

    let oc = perm(50, 7, 3);
    let or = perm(40, 3, 1);
    let mut f = LoomFile::open_rw(&p).unwrap();
    f.permute(&oc, Axis::Cols).unwrap();
    f.permute(&or, Axis::Rows).unwrap();
    f.close().unwrap();

    let f = LoomFile::open(&p).unwrap();
    assert!(f.hdf5().object("/tiles").is_err(), "/tiles deleted");
    let ri: Vec<usize> = or.iter().map(|&x| x as usize).collect();
    let ci: Vec<usize> = oc.iter().map(|&x| x as usize).collect();
    for (name, m) in &layers {
        let want = m.select(Ax(0), &ri).select(Ax(1), &ci);
        assert_eq!(&layer(&f, name), &want, "layer {name:?}");
    }
    assert_eq!(f.layer_info("empty").unwrap().stored_bytes, 0);
    assert_eq!(f.layer_dtype("spliced").unwrap(), NumType::UInt16);
    for (name, v) in &cols0 {
        assert_eq!(&f.attr(Axis::Cols, name).unwrap(), &v.select(&ci).unwrap(), "col attr {name}");
    }
    for (name, v) in &rows0 {
        assert_eq!(&f.attr(Axis::Rows, name).unwrap(), &v.select(&ri).unwrap(), "row attr {name}");
    }
    // Non-ASCII text moved verbatim.
    assert!(strings(&f, Axis::Rows, "Gene").iter().any(|g| g.contains('é') || g.contains('日')));
    let (ic, ir) = (inverse(&oc), inverse(&or));
    let knn = f.graph(Axis::Cols, "KNN").unwrap();
    let want = Graph {
        a: knn0.a.iter().map(|&x| ic[x as usize]).collect(),
        b: knn0.b.iter().map(|&x| ic[x as usize]).collect(),
        w: knn0.w.clone(),
    };
    assert_eq!(knn, want);
    let co = f.graph(Axis::Rows, "coexp").unwrap();
    assert_eq!(co.a, coexp0.a.iter().map(|&x| ir[x as usize]).collect::<Vec<_>>());
    assert_eq!(co.w, coexp0.w);
}

#[test]
fn permute_multi_chunk_and_spec2_files_round_trip() {
    let d = tempfile::tempdir().unwrap();
    for (name, n, m) in [("medium.loom", 300u64, 200u64), ("spec2.loom", 80, 100)] {
        let p = copy(name, d.path(), name);
        let f0 = LoomFile::open(&p).unwrap();
        let m0 = layer(&f0, "");
        let genes0 = f0.attr(Axis::Rows, "Gene").unwrap();
        drop(f0);
        let oc = perm(m, 13, 5);
        let or = perm(n, 7, 11);
        let mut f = LoomFile::open_rw(&p).unwrap();
        f.permute(&or, Axis::Rows).unwrap();
        f.permute(&oc, Axis::Cols).unwrap();
        let ri: Vec<usize> = or.iter().map(|&x| x as usize).collect();
        let ci: Vec<usize> = oc.iter().map(|&x| x as usize).collect();
        assert_eq!(layer(&f, ""), m0.select(Ax(0), &ri).select(Ax(1), &ci), "{name}");
        assert_eq!(f.attr(Axis::Rows, "Gene").unwrap(), genes0.select(&ri).unwrap(), "{name}");
        f.permute(&inverse(&oc), Axis::Cols).unwrap();
        f.permute(&inverse(&or), Axis::Rows).unwrap();
        f.close().unwrap();
        let f = LoomFile::open(&p).unwrap();
        assert_eq!(layer(&f, ""), m0, "{name}: round trip");
        assert_eq!(f.attr(Axis::Rows, "Gene").unwrap(), genes0);
    }
}

#[test]
fn permute_refuses_what_is_not_a_permutation() {
    let d = tempfile::tempdir().unwrap();
    let p = copy("minimal_v3.loom", d.path(), "a.loom");
    let mut f = LoomFile::open_rw(&p).unwrap();
    let mut dup: Vec<u64> = (0..30).collect();
    dup[5] = 4;
    let mut out: Vec<u64> = (0..30).collect();
    out[0] = 30;
    for bad in [vec![0u64; 0], (0..29).collect::<Vec<_>>(), dup, out] {
        assert!(f.permute(&bad, Axis::Cols).is_err());
    }
    f.close().unwrap();
    let ro = LoomFile::open(&p).unwrap();
    let mut ro = ro;
    assert!(ro.permute(&(0..30).collect::<Vec<_>>(), Axis::Cols).is_err(), "read-only");
}

// ----- helpers on LoomFile for the tests -----

trait AllAttrs {
    fn all_col_attrs(&self) -> Vec<(String, Values)>;
    fn all_row_attrs(&self) -> Vec<(String, Values)>;
}

impl AllAttrs for LoomFile {
    fn all_col_attrs(&self) -> Vec<(String, Values)> {
        self.attr_names(Axis::Cols)
            .into_iter()
            .map(|n| (n.clone(), self.attr(Axis::Cols, &n).unwrap()))
            .collect()
    }
    fn all_row_attrs(&self) -> Vec<(String, Values)> {
        self.attr_names(Axis::Rows)
            .into_iter()
            .map(|n| (n.clone(), self.attr(Axis::Rows, &n).unwrap()))
            .collect()
    }
}

// ----- files from other writers -----

#[test]
fn operations_on_legacy_and_foreign_layouts() {
    let d = tempfile::tempdir().unwrap();

    // scope_like: (32, 32) chunks, gzip 4, maxshape (None, None), compound column attributes
    // (which cannot be written): extending them is an error unless they are dropped.
    let p = copy("scope_like.loom", d.path(), "s.loom");
    let m0 = layer(&LoomFile::open(&p).unwrap(), "");
    let mut f = LoomFile::open_rw(&p).unwrap();
    let (n, m) = f.shape();
    let add = Array2::<f64>::from_shape_fn((n as usize, 40), |(i, j)| (i * 40 + j) as f64 / 4.0);
    let e = f.add_columns(&[("", Block::from(&add))], &[], &[], &FillValues::Auto).unwrap_err();
    assert!(e.to_string().contains("compound"), "{e}");
    f.add_columns(&[("", Block::from(&add))], &[], &[], &FillValues::Drop).unwrap();
    assert_eq!(layer(&f, ""), concatenate![Ax(1), m0, add]);
    assert_eq!(f.layer_info("").unwrap().chunks, Some(vec![32, 32]));
    assert!(f.attr_names(Axis::Cols).is_empty());
    f.close().unwrap();
    assert_eq!(m, 40);

    // spec2: fixed-length strings with XML references stay spec-2 style, values round-trip.
    let p = copy("spec2.loom", d.path(), "v2.loom");
    let (m0, ids0, genes0) = {
        let f = LoomFile::open(&p).unwrap();
        (layer(&f, ""), strings(&f, Axis::Cols, "CellID"), strings(&f, Axis::Rows, "Gene"))
    };
    let mut f = LoomFile::open_rw(&p).unwrap();
    let names = f.layer_names();
    let k = 10;
    let z32 = Array2::<f32>::zeros((80, k));
    let z_i = Array2::<i32>::ones((80, k));
    let layers: Vec<(&str, Block<'_>)> = names
        .iter()
        .map(|l| (l.as_str(), if l.is_empty() { Block::from(&z32) } else { Block::from(&z_i) }))
        .collect();
    let ids: Vec<String> = (0..k).map(|j| format!("café_{j}")).collect();
    f.add_columns(&layers, &[("CellID", Values::strings(&ids))], &[], &FillValues::Auto).unwrap();
    f.close().unwrap();
    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.spec_version().text.as_deref(), Some("2.0.1"));
    let mut want = ids0.clone();
    want.extend(ids);
    assert_eq!(strings(&f, Axis::Cols, "CellID"), want);
    assert!(matches!(
        f.hdf5().dataset("/col_attrs/CellID").unwrap().dtype(),
        loomfile_hdf5::Datatype::String { .. }
    ));
    assert_eq!(layer(&f, "").slice(ndarray::s![.., ..100]), m0);
    drop(f);

    // combine of a spec-2 file: the output is spec 3 with the decoded text.
    let out = d.path().join("c.loom");
    loomfile::ops::combine(&[&p, &p], &out, &CombineOptions::default()).unwrap();
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(f.spec_version().text.as_deref(), Some("3.0.0"));
    let g = strings(&f, Axis::Rows, "Gene");
    assert_eq!(g, genes0);
    assert!(g.iter().any(|x| x.contains('é')));
    drop(f);

    // legacy_edges: graphs under /col_edges and /row_edges are renumbered where they are.
    let p = copy("legacy_edges.loom", d.path(), "l.loom");
    let (g0, m0) = {
        let f = LoomFile::open(&p).unwrap();
        (f.graph(Axis::Cols, "KNN").unwrap(), layer(&f, ""))
    };
    let o = perm(40, 7, 2);
    let mut f = LoomFile::open_rw(&p).unwrap();
    f.permute(&o, Axis::Cols).unwrap();
    let inv = inverse(&o);
    let g = f.graph(Axis::Cols, "KNN").unwrap();
    assert_eq!(g.a, g0.a.iter().map(|&x| inv[x as usize]).collect::<Vec<_>>());
    assert_eq!(g.b, g0.b.iter().map(|&x| inv[x as usize]).collect::<Vec<_>>());
    assert!(f.hdf5().object("/col_edges/KNN").is_ok());
    let ci: Vec<usize> = o.iter().map(|&x| x as usize).collect();
    assert_eq!(layer(&f, ""), m0.select(Ax(1), &ci));
}

/// One write rule: a block stored into an integer layer is exact or refused (as in
/// `add_columns`), whole i64 values above 2^53 included; a float layer takes any number.
#[test]
fn write_layer_block_stores_exactly_or_refuses() {
    let d = tempfile::tempdir().unwrap();
    let path = copy("medium.loom", d.path(), "w.loom");
    let mut f = LoomFile::open_rw(&path).unwrap();
    let (n, m) = f.shape();
    let big = (1i64 << 53) + 1;
    let ints = Array2::from_shape_fn((n as usize, m as usize), |(i, j)| (i * 7 + j) as i64);
    f.set_layer("ints", loomfile::LayerData::Dense(ints.view())).unwrap();
    f.write_layer_block("ints", (0, 1), (0, 2), ndarray::array![[big, -big]].view()).unwrap();
    let got = f.read_layer::<i64>("ints", &Sel::Range(0, 1), &Sel::Range(0, 2)).unwrap();
    assert_eq!(got, ndarray::array![[big, -big]], "i64 above 2^53 stored exactly");
    for bad in [0.5f64, f64::NAN, 1e300] {
        let e = f
            .write_layer_block("ints", (1, 2), (0, 1), ndarray::array![[bad]].view())
            .expect_err("not an integer");
        assert!(e.to_string().contains("\"ints\""), "{e}");
    }
    let e = f.write_layer_block("ints", (1, 2), (0, 1), ndarray::array![[300i64]].view()).err();
    assert!(e.is_none(), "300 fits int64");
    // Unchanged by the refused writes, the accepted one in place.
    let got = f.read_layer::<i64>("ints", &Sel::Range(1, 2), &Sel::Range(0, 2)).unwrap();
    assert_eq!(got, ndarray::array![[300, 8]]);
    f.write_layer_block("", (0, 1), (0, 1), ndarray::array![[0.5f64]].view()).unwrap();
    let got = f.read_layer::<f32>("", &Sel::Range(0, 1), &Sel::Range(0, 1)).unwrap();
    assert_eq!(got[[0, 0]], 0.5);
    f.close().unwrap();
}

// ----- CSC input -----

/// A matrix given as CSC (rows sorted in every column, and the same entries shuffled within
/// their columns) is written by `create`, `set_layer` and `add_columns` exactly as the dense
/// matrix is; a malformed CSC or CSR is refused with an error, never a panic.
#[test]
fn csc_layers_match_dense_in_every_write_path() {
    use loomfile::{Contents, Csc, LayerData};
    let d = tempfile::tempdir().unwrap();
    // 150 x 70: several 64-row bands and 64-column chunks, about a fifth of the values set.
    let dense = Array2::from_shape_fn((150, 70), |(i, j)| {
        if (i * 7 + j * 3) % 5 == 0 { (i * 70 + j) as f32 + 0.25 } else { 0.0 }
    });
    let sorted: Csc<f32> = csr_from_dense(&dense).to_csc().unwrap();
    assert!(sorted.has_sorted_indices());
    let mut shuffled = sorted.clone();
    for j in 0..70usize {
        let (lo, hi) = (shuffled.indptr[j] as usize, shuffled.indptr[j + 1] as usize);
        shuffled.indices[lo..hi].reverse();
        shuffled.data[lo..hi].reverse();
    }
    assert!(!shuffled.has_sorted_indices());
    for (k, csc) in [&sorted, &shuffled].into_iter().enumerate() {
        let p = d.path().join(format!("csc{k}.loom"));
        LoomFile::create(&p, LayerData::SparseCsc(csc), &Contents::default()).unwrap();
        let mut f = LoomFile::open_rw(&p).unwrap();
        assert_eq!(layer(&f, ""), as_f64(&dense), "create, CSC {k}");
        f.set_layer("spliced", LayerData::SparseCsc(csc)).unwrap();
        assert_eq!(layer(&f, "spliced"), as_f64(&dense), "set_layer, CSC {k}");
        let blocks = [("", Block::from(csc)), ("spliced", Block::from(LayerData::SparseCsc(csc)))];
        f.add_columns(&blocks, &[], &[], &FillValues::Auto).unwrap();
        let twice = concatenate![Ax(1), as_f64(&dense), as_f64(&dense)];
        assert_eq!(layer(&f, ""), twice, "add_columns, CSC {k}");
        assert_eq!(layer(&f, "spliced"), twice, "add_columns, CSC {k}");
        // Round trips between the three sparse forms.
        assert_eq!(csc.to_csr().unwrap(), csr_from_dense(&dense));
        let coo = csc.to_coo().to_csr().unwrap();
        assert_eq!(coo, csr_from_dense(&dense));
    }
    // Malformed input: an error naming the problem, and the file is unchanged.
    let p = d.path().join("csc0.loom");
    let mut f = LoomFile::open_rw(&p).unwrap();
    let mut bad = sorted.clone();
    bad.indices[3] = 150;
    let e = f.set_layer("bad", LayerData::SparseCsc(&bad)).unwrap_err();
    assert!(e.to_string().contains("CSC indices out of range"), "{e}");
    let e = f.add_columns(&[("", Block::from(&bad))], &[], &[], &FillValues::Auto).unwrap_err();
    assert!(e.to_string().contains("CSC indices out of range"), "{e}");
    let mut bad_csr = csr_from_dense(&dense);
    bad_csr.indptr[5] = 1 << 40;
    let e = f.set_layer("bad", LayerData::Sparse(&bad_csr)).unwrap_err();
    assert!(e.to_string().contains("CSR indptr"), "{e}");
    assert_eq!(f.shape(), (150, 140));
    assert!(!f.layer_names().contains(&"bad".to_string()));
}
