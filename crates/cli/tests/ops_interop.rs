//! loomfile's operations against loompy 3.0.8 and scipy (`tests/interop/ops_check.py`):
//! `add_columns`, `combine` and `permute` run by both on copies of the same inputs and
//! compared value by value (h5py reads both outputs; strings that loompy rewrites are
//! compared in loompy's lossy form); MEX import against `scipy.io.mmread` and loompy's
//! `create_from_cellranger`; `combine_rows`, which loompy lacks, against numpy over loompy's
//! reads of the inputs; `create_from_tsv` and `create_from_matrix_market` against loompy's
//! importers of the same text; every file we write opens with `loompy.connect(validate=True)`;
//! loompy's `add_columns` works on a file we wrote, and we read its result.

mod common;

use common::*;
use loomfile::ops::{AddLoomOptions, Block, CombineOptions, FillValues};
use loomfile::{Axis, Contents, LoomFile, Sel, Values};
use loomfile_formats::MexOptions;
use ndarray::{Array2, Axis as Ax, concatenate};
use std::path::{Path, PathBuf};

fn script() -> PathBuf {
    root().join("tests/interop/ops_check.py")
}

fn check(args: &[&str]) {
    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let out = run_python(&script(), &refs);
    eprintln!("{}", out.trim());
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/loom").join(name)
}

fn copy(name: &str, dir: &Path, to: &str) -> PathBuf {
    let p = dir.join(to);
    std::fs::copy(fixture(name), &p).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The block ops_check.py's `block(n, k, o)` builds: main float32, spliced uint16, CellIDs.
fn block(n: usize, k: usize, o: usize) -> (Array2<f32>, Array2<u16>, Vec<String>) {
    let main = Array2::from_shape_fn((n, k), |(i, j)| ((i * 7 + (j + o) * 3) % 11) as f32 * 0.5);
    let sp = Array2::from_shape_fn((n, k), |(i, j)| ((i + 2 * (j + o)) % 5) as u16);
    (main, sp, (o..o + k).map(|x| format!("new_{x}")).collect())
}

fn layer(f: &LoomFile, name: &str) -> Array2<f64> {
    f.read_layer::<f64>(name, &Sel::All, &Sel::All).unwrap()
}

#[test]
fn add_columns_matches_loompy() {
    let d = tempfile::tempdir().unwrap();
    for (name, k) in [("medium.loom", 70usize), ("minimal_v3.loom", 100)] {
        let input = copy(name, d.path(), &format!("in_{name}"));
        let ours = copy(name, d.path(), &format!("ours_{name}"));
        let mut f = LoomFile::open_rw(&ours).unwrap();
        let n = f.shape().0 as usize;
        let (main, sp, ids) = block(n, k, 0);
        let mut layers = vec![("", Block::from(&main))];
        if f.layer_names().iter().any(|l| l == "spliced") {
            layers.push(("spliced", Block::from(&sp)));
        }
        f.add_columns(&layers, &[("CellID", Values::strings(&ids))], &[], &FillValues::Auto)
            .unwrap();
        f.close().unwrap();
        check(&["add_columns", s(&input), s(&ours), &k.to_string(), s(d.path())]);
    }
}

#[test]
fn create_with_several_layers_matches_loompy() {
    let d = tempfile::tempdir().unwrap();
    let (n, k) = (130usize, 70usize);
    let (main, sp, ids) = block(n, k, 0);
    let genes: Vec<String> = (0..n).map(|i| format!("g{i}")).collect();
    let ours = d.path().join("ours_create.loom");
    let contents = Contents {
        row_attrs: vec![("Gene", Values::strings(&genes))],
        col_attrs: vec![("CellID", Values::strings(&ids))],
        ..Default::default()
    };
    let layers = [("", Block::from(&main)), ("spliced", Block::from(&sp))];
    LoomFile::create_layers(&ours, &layers, &contents).unwrap();
    check(&["create", s(&ours), &n.to_string(), &k.to_string(), s(d.path())]);
}

#[test]
fn combine_matches_loompy_and_loompy_can_extend_our_output() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("medium.loom", d.path(), "a.loom");
    let b = copy("medium.loom", d.path(), "b.loom");
    let c = copy("medium.loom", d.path(), "c.loom");
    {
        // b: rows in another order and other cell ids; c: other cluster ids.
        let mut f = LoomFile::open_rw(&b).unwrap();
        let ord: Vec<u64> = (0..300).map(|i| (i * 7 + 11) % 300).collect();
        f.permute(&ord, Axis::Rows).unwrap();
        let ids: Vec<String> = (0..200).map(|j| format!("b_{j}")).collect();
        f.set_attr(Axis::Cols, "CellID", &Values::strings(&ids)).unwrap();
        f.close().unwrap();
        let mut f = LoomFile::open_rw(&c).unwrap();
        f.set_attr(Axis::Cols, "ClusterID", &Values::from_vec(vec![7i64; 200])).unwrap();
        f.close().unwrap();
    }
    let ours = d.path().join("ours.loom");
    let r = loomfile::ops::combine(
        &[&a, &b, &c],
        &ours,
        &CombineOptions::new().add_options(AddLoomOptions::new().key("Accession").batch_size(100)),
    )
    .unwrap();
    assert_eq!(r.shape, (300, 600));
    assert!(r.chunks_copied > 0);
    check(&["combine", s(&ours), "Accession", s(d.path()), s(&a), s(&b), s(&c)]);

    // loompy's add_columns on our file; we read its result.
    let x = d.path().join("x.loom");
    std::fs::copy(&ours, &x).unwrap();
    check(&["loompy_add", s(&x), "30"]);
    let before = LoomFile::open(&ours).unwrap();
    let after = LoomFile::open(&x).unwrap();
    assert_eq!(after.shape(), (300, 630));
    let (main, sp, ids) = block(300, 30, 600);
    assert_eq!(layer(&after, ""), concatenate![Ax(1), layer(&before, ""), main.mapv(f64::from)]);
    assert_eq!(
        layer(&after, "spliced"),
        concatenate![Ax(1), layer(&before, "spliced"), sp.mapv(f64::from)]
    );
    let mut want = before.attr(Axis::Cols, "CellID").unwrap().as_strings().unwrap();
    want.extend(ids);
    assert_eq!(after.attr(Axis::Cols, "CellID").unwrap().as_strings().unwrap(), want);
    let cl = after.attr(Axis::Cols, "ClusterID").unwrap().to_f64().unwrap();
    assert!(cl[600..].iter().all(|&x| x == 0.0));
    assert_eq!(after.attr(Axis::Rows, "Gene").unwrap(), before.attr(Axis::Rows, "Gene").unwrap());
}

/// loompy's `combine_faster`: some columns of each file (a mask, or all), one column
/// attribute left out; the same layers and attributes as ours, value by value.
#[test]
fn combine_with_selections_matches_loompy_combine_faster() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("medium.loom", d.path(), "a.loom");
    let b = copy("medium.loom", d.path(), "b.loom");
    {
        let mut f = LoomFile::open_rw(&b).unwrap();
        let ids: Vec<String> = (0..200).map(|j| format!("b_{j}")).collect();
        f.set_attr(Axis::Cols, "CellID", &Values::strings(&ids)).unwrap();
        f.close().unwrap();
    }
    let picks: Vec<u64> = (0..200).filter(|j| j % 3 == 1 || *j > 190).collect();
    let ours = d.path().join("ours.loom");
    let r = loomfile::ops::combine(
        &[&a, &b],
        &ours,
        &CombineOptions {
            selections: vec![Sel::Index(picks.clone()), Sel::All],
            skip_attrs: vec!["ClusterID"],
            add: AddLoomOptions::new().batch_size(64),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.shape, (300, picks.len() as u64 + 200));
    assert_eq!(r.chunks_copied, 0, "a selection is never copied chunk by chunk");
    let f = LoomFile::open(&ours).unwrap();
    assert!(!f.has_attr(Axis::Cols, "ClusterID"));
    let src = LoomFile::open(&a).unwrap();
    let want = src.read_layer::<f32>("", &Sel::All, &Sel::Index(picks.clone())).unwrap();
    let got = f.read_layer::<f32>("", &Sel::All, &Sel::Range(0, picks.len() as u64)).unwrap();
    assert_eq!(got, want);
    let join = picks.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
    check(&["combine_faster", s(&ours), "ClusterID", s(d.path()), &join, s(&a), "-", s(&b)]);
    // A selection per file, or none: two for three files is refused.
    let e = loomfile::ops::combine(
        &[&a, &b, &a],
        d.path().join("bad.loom"),
        &CombineOptions { selections: vec![Sel::All, Sel::All], ..Default::default() },
    )
    .unwrap_err();
    assert!(e.to_string().contains("2 column selections for 3 input files"), "{e}");
}

#[test]
fn combine_rows_matches_loompy_reads() {
    let d = tempfile::tempdir().unwrap();
    let a = copy("medium.loom", d.path(), "a.loom");
    // The same cells in another order, and a layer of its own (left out of the output).
    let b = copy("medium.loom", d.path(), "b.loom");
    {
        let mut f = LoomFile::open_rw(&b).unwrap();
        let m = f.shape().1;
        let cols: Vec<u64> = (0..m).map(|j| (j * 7 + 3) % m).collect();
        f.permute(&cols, Axis::Cols).unwrap();
        let extra = Array2::<f32>::ones((f.shape().0 as usize, m as usize));
        f.set_layer("extra", loomfile::LayerData::Dense(extra.view())).unwrap();
        f.close().unwrap();
    }
    let ours = d.path().join("rows.loom");
    let opts = loomfile::CombineRowsOptions::new().key("CellID");
    let r = loomfile::combine_rows(&[&a, &b, &a], &ours, &opts).unwrap();
    assert_eq!(r.shape, (900, 200));
    assert_eq!(r.layers_dropped, ["extra"]);
    // Rows 300..600 are b's, in a's column order: a's rows again.
    let f = LoomFile::open(&ours).unwrap();
    let top = f.read_layer::<f32>("", &Sel::Range(0, 300), &Sel::All).unwrap();
    let mid = f.read_layer::<f32>("", &Sel::Range(300, 600), &Sel::All).unwrap();
    assert_eq!(top, mid);
    check(&["combine_rows", s(&ours), "CellID", s(&a), s(&b), s(&a)]);
    // Without a key the columns must already be in the same order: b's are not, and its
    // values land as they are, so rows 300..600 differ from a's.
    let plain = d.path().join("plain.loom");
    loomfile::combine_rows(&[&a, &b], &plain, &loomfile::CombineRowsOptions::new()).unwrap();
    let f = LoomFile::open(&plain).unwrap();
    assert_ne!(f.read_layer::<f32>("", &Sel::Range(300, 600), &Sel::All).unwrap(), top);
    check(&["combine_rows", s(&plain), "-", s(&a), s(&b)]);
    // Files with other cells are refused, naming the key value.
    let other = copy("rich_v3.loom", d.path(), "other.loom");
    let e = loomfile::combine_rows(&[&a, &other], d.path().join("bad.loom"), &opts).unwrap_err();
    assert!(e.to_string().contains("CellID"), "{e}");
}

#[test]
fn permute_matches_loompy() {
    let d = tempfile::tempdir().unwrap();
    for (name, n, m) in [("rich_v3.loom", 40u64, 50u64), ("medium.loom", 300, 200)] {
        let input = copy(name, d.path(), &format!("in_{name}"));
        let ours = copy(name, d.path(), &format!("ours_{name}"));
        {
            let mut w = loomfile_hdf5::Writer::open(&ours).unwrap();
            w.create_group("/tiles").unwrap();
            w.finish().unwrap();
        }
        let cols: Vec<u64> = (0..m).map(|j| (j * 7 + 3) % m).collect();
        let rows: Vec<u64> = (0..n).map(|i| (i * 7 + 1) % n).collect();
        let mut f = LoomFile::open_rw(&ours).unwrap();
        f.permute(&cols, Axis::Cols).unwrap();
        f.permute(&rows, Axis::Rows).unwrap();
        f.close().unwrap();
        let join = |v: &[u64]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
        check(&["permute", s(&input), s(&ours), &join(&cols), &join(&rows), s(d.path())]);
    }
}

#[test]
fn mex_import_matches_scipy_and_loompy() {
    let d = tempfile::tempdir().unwrap();
    for dir in ["v2_mex", "v3_mex"] {
        let src = root().join("fixtures/10x").join(dir);
        let ours = d.path().join(format!("{dir}.loom"));
        loomfile_formats::import_mex(&src, &ours, &MexOptions::default()).unwrap();
        check(&["mex", s(&src), s(&ours), s(d.path())]);
    }
}

#[test]
fn every_output_validates_with_loompy() {
    let d = tempfile::tempdir().unwrap();
    // add_loom with key, convert_attrs and graphs; add_columns into a new file.
    let a = copy("rich_v3.loom", d.path(), "a.loom");
    let b = copy("rich_v3.loom", d.path(), "b.loom");
    {
        let mut f = LoomFile::open_rw(&b).unwrap();
        f.set_global("Sample", &Values::string("B")).unwrap();
        f.close().unwrap();
    }
    let mut f = LoomFile::open_rw(&a).unwrap();
    let other = LoomFile::open(&b).unwrap();
    f.add_loom(
        &other,
        &AddLoomOptions {
            key: Some("Accession"),
            convert_attrs: true,
            include_graphs: true,
            ..Default::default()
        },
    )
    .unwrap();
    f.close().unwrap();
    let n = d.path().join("new.loom");
    let mut f = LoomFile::new(&n, &[]).unwrap();
    let (main, _, ids) = block(20, 10, 0);
    let genes: Vec<String> = (0..20).map(|i| format!("g{i}")).collect();
    f.add_columns(
        &[("", Block::from(&main))],
        &[("CellID", Values::strings(&ids))],
        &[("Gene", Values::strings(&genes))],
        &FillValues::Auto,
    )
    .unwrap();
    f.close().unwrap();
    check(&["validate", s(&a), s(&n)]);
}

/// Write `text` to `dir/name`, returning the path.
fn put(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn create_from_tsv_matches_loompy() {
    use loomfile_formats::{TsvImport, create_from_tsv};
    let d = tempfile::tempdir().unwrap();
    // A reference loom file: its genes in their order, loompy's five row attributes.
    let reference = d.path().join("ref.loom");
    let acc = ["E1", "E2", "E3", "E4", "E5"];
    let contents = Contents {
        row_attrs: vec![
            ("Accession", Values::from(acc.to_vec())),
            ("Gene", Values::from(vec!["Actb", "Gapdh", "Sox2", "Nes", "Xist"])),
            ("Chromosome", Values::from(vec!["7", "6", "3", "3", "X"])),
            ("Start", Values::from(vec![10i64, 20, 30, 40, 50])),
        ],
        col_attrs: vec![("CellID", Values::from(vec!["a", "b"]))],
        file_attrs: vec![],
    };
    let zeros = Array2::<f32>::zeros((5, 2));
    LoomFile::create(&reference, loomfile::LayerData::Dense(zeros.view()), &contents).unwrap();
    // R's write.table layout (no corner label, quoted names); E9 has no match, E2 is given
    // twice (the last line wins, its zeros included), E4 and E5 are missing (zeros).
    let tsv = put(
        d.path(),
        "m.tsv",
        "\"c1\"\t\"c2\"\t\"c3\"\n\"E3\"\t1\t0\t2.5\n\"E2\"\t4\t4\t4\nE9\t7\t7\t7\n\"E2\"\t0\t5\t0\nE1\t0.25\t0\t9\n",
    );
    let meta = put(
        d.path(),
        "cells.tsv",
        "CellID\tnGenes\tpercent\tbatch\nS_c1\t10\t0.5\tx\nS_c2\t20\t0.25\ty\nS_c3\t30\t1\tx\n",
    );
    let ours = d.path().join("ours_ref.loom");
    let opts = TsvImport::new()
        .sample_id("S_")
        .row_metadata(&reference, "Accession")
        .col_metadata(&meta, b'\t')
        .file_attr("title", Values::from("tsv import"));
    let report = create_from_tsv(&ours, &tsv, &opts).unwrap();
    assert_eq!(report.shape, (5, 3));
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].starts_with("no match for 1 of 5"), "{:?}", report.warnings);
    let f = LoomFile::open(&ours).unwrap();
    let m = f.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap();
    let want = ndarray::array![
        [0.25f32, 0.0, 9.0],
        [0.0, 5.0, 0.0],
        [1.0, 0.0, 2.5],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]
    ];
    assert_eq!(m, want);
    assert_eq!(f.attr(Axis::Cols, "nGenes").unwrap(), Values::from_vec(vec![10i64, 20, 30]));
    check(&["create_from_tsv", s(&ours), s(&tsv), s(&reference), s(&meta), "S_", s(d.path())]);
    // Without a reference: the text's genes in its order; a header with a corner label.
    let plain = put(d.path(), "p.tsv", "gene\tc1\tc2\nActb\t1\t0\nSox2\t0\t3\n");
    let ours = d.path().join("ours_plain.loom");
    let opts = TsvImport::new().file_attr("title", Values::from("tsv import"));
    create_from_tsv(&ours, &plain, &opts).unwrap();
    check(&["create_from_tsv", s(&ours), s(&plain), "-", "-", "", s(d.path())]);
    // A metadata table that does not follow the matrix fails, naming the file and line.
    let bad = put(d.path(), "bad.tsv", "CellID\tn\nS_c1\t1\nS_c3\t2\nS_c2\t3\n");
    let e = create_from_tsv(
        d.path().join("bad.loom"),
        &tsv,
        &TsvImport::new().sample_id("S_").col_metadata(&bad, b'\t'),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("bad.tsv") && e.contains("line 3"), "{e}");
    assert!(!d.path().join("bad.loom").exists());
}

#[test]
fn create_from_matrix_market_matches_loompy() {
    use loomfile_formats::{MtxImport, create_from_matrix_market};
    let d = tempfile::tempdir().unwrap();
    let head = "%%MatrixMarket matrix coordinate integer general\n";
    // Cells x genes (transposed): 4 cells, 3 genes; a duplicate entry adds up.
    let sp = put(d.path(), "s.mtx", &format!("{head}4 3 4\n1 1 4\n4 3 2\n2 2 1\n2 2 6\n"));
    let un = put(d.path(), "u.mtx", &format!("{head}4 3 2\n1 1 1\n3 2 9\n"));
    let genes = put(d.path(), "genes.tsv", "ENSG1\tActb\nENSG2\tGapdh\nENSG3\tSox2\n");
    let bcs = put(d.path(), "barcodes.tsv", "AAAC\nAAAG\nAAAT\nAACC\n");
    let ours = d.path().join("ours_sum.loom");
    let layers = [("spliced", &sp), ("unspliced", &un)];
    let opts = MtxImport::new().transposed(true).file_attr("title", Values::from("mtx import"));
    let report = create_from_matrix_market(&ours, "s1", &layers, &genes, &bcs, &opts).unwrap();
    assert_eq!((report.shape, report.nnz), ((3, 4), Some(4)));
    let f = LoomFile::open(&ours).unwrap();
    let main = f.read_layer::<i64>("", &Sel::All, &Sel::All).unwrap();
    assert_eq!(main, ndarray::array![[5i64, 0, 0, 0], [0, 7, 9, 0], [0, 0, 0, 2]]);
    let (gs, bs, ss, us) = (s(&genes), s(&bcs), s(&sp), s(&un));
    check(&[
        "create_from_mtx",
        s(&ours),
        "s1",
        gs,
        bs,
        "1",
        s(d.path()),
        "spliced",
        ss,
        "unspliced",
        us,
    ]);
    // A main matrix given, a real layer beside it, genes x cells as stored.
    let real = put(
        d.path(),
        "r.mtx",
        "%%MatrixMarket matrix coordinate real general\n3 4 2\n1 2 0.5\n3 4 1.25\n",
    );
    let main = put(d.path(), "m.mtx", &format!("{head}3 4 2\n2 1 3\n1 4 8\n"));
    let ours = d.path().join("ours_main.loom");
    let layers = [("ratio", &real), ("", &main)];
    let opts = MtxImport::new().file_attr("title", Values::from("mtx import"));
    create_from_matrix_market(&ours, "s2", &layers, &genes, &bcs, &opts).unwrap();
    let (rs, ms) = (s(&real), s(&main));
    check(&["create_from_mtx", s(&ours), "s2", gs, bs, "0", s(d.path()), "ratio", rs, "main", ms]);
    // Lists that do not match the matrix are refused, naming the file.
    let short = put(d.path(), "short.tsv", "ENSG1\tActb\n");
    let e = create_from_matrix_market(d.path().join("x.loom"), "s", &layers, &short, &bcs, &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("the gene and barcode lists give 1 x 4"), "{e}");
}
