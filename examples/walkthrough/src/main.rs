//! loompy's API walkthrough as a user writes it in Rust: create, connect, slice, attributes,
//! layers, graphs, views, map, scan, incremental files and combine. Every step checks its
//! outcome; the program exits non-zero if one does not hold.

use loomfile::{
    AddLoomOptions, Axis, Block, CombineOptions, Contents, FillValues, Graph, LayerData, LoomFile,
    ScanOptions, Sel, Values, ViewOptions,
};
use ndarray::Array2;

type R<T> = Result<T, Box<dyn std::error::Error>>;

fn check(cond: bool, what: &str) -> R<()> {
    if cond { Ok(()) } else { Err(format!("walkthrough step failed: {what}").into()) }
}

fn main() -> R<()> {
    let dir = tempfile::tempdir()?;

    // loompy.create(filename, matrix, row_attrs, col_attrs): arrays from the user's own
    // ndarray (the same version loomfile uses).
    let filename = dir.path().join("test.loom");
    let matrix = Array2::from_shape_fn((100, 100), |(i, j)| (i * 100 + j) as f32);
    let genes: Vec<String> = (0..100).map(|i| format!("gene{i}")).collect();
    let cells: Vec<String> = (0..100).map(|j| format!("cell{j}")).collect();
    let contents = Contents {
        row_attrs: vec![("Gene", Values::from(genes.clone()))],
        col_attrs: vec![
            ("CellID", Values::from(cells.clone())),
            ("ClusterID", Values::from((0..100).map(|j| j % 4).collect::<Vec<i64>>())),
        ],
        file_attrs: vec![("title", Values::from("The title of the dataset"))],
    };
    LoomFile::create(&filename, LayerData::Dense(matrix.view()), &contents)?;

    // with loompy.connect(filename) as ds:
    let mut ds = LoomFile::open_rw(&filename)?;
    check(ds.shape() == (100, 100), "shape")?;

    // ds[0:10, 0:10], ds[99, :], ds[[0, 3, 5], :], ds[:, mask]
    let block: Array2<f32> = ds.read_layer("", &Sel::from(0..10), &Sel::from(0..10))?;
    check(block[[2, 3]] == 203.0, "ds[0:10, 0:10]")?;
    let row = ds.read_layer::<f32>("", &Sel::from(99u64), &Sel::All)?;
    check(row.dim() == (1, 100) && row[[0, 1]] == 9901.0, "ds[99, :]")?;
    let rows = ds.read_layer::<f32>("", &Sel::from(vec![0, 3, 5]), &Sel::All)?;
    check(rows[[2, 0]] == 500.0, "ds[[0, 3, 5], :]")?;
    let clusters = ds.attr(Axis::Cols, "ClusterID")?.as_i64s().ok_or("ClusterID is integer")?;
    let mask: Vec<bool> = clusters.iter().map(|&c| c == 2).collect();
    let cols = ds.read_layer::<f32>("", &Sel::All, &Sel::from(mask))?;
    check(cols.dim() == (100, 25), "ds[:, ds.ca.ClusterID == 2]")?;

    // ds.attrs.title, ds.ra.Gene, ds.ca["PCA1", "PCA2"]
    check(ds.global("title")?.as_string() == Some("The title of the dataset"), "attrs.title")?;
    ds.set_global("title", &Values::from("New title"))?;
    check(ds.global("title")?.as_string() == Some("New title"), "set attrs.title")?;
    check(ds.attr(Axis::Rows, "Gene")?.as_strings() == Some(genes.clone()), "ra.Gene")?;
    ds.set_attr(Axis::Cols, "PCA1", &Values::from(vec![0.5f64; 100]))?;
    ds.set_attr(Axis::Cols, "PCA2", &Values::from(vec![1.5f64; 100]))?;
    check(ds.attr_stack(Axis::Cols, &["PCA1", "PCA2"])?.shape() == [100, 2], "ca[PCA1, PCA2]")?;

    // ds.layers["spliced"] = ..., ds["empty_ints"] = "int64", del ds.layers["spliced"]
    let spliced = Array2::from_shape_fn((100, 100), |(i, j)| ((i + j) % 3) as u16);
    ds.set_layer("spliced", LayerData::Dense(spliced.view()))?;
    ds.set_layer_empty("empty_ints", loomfile::NumType::Int64)?;
    check(ds.layer_names() == ["", "empty_ints", "spliced"], "layers.keys()")?;
    let col10 = ds.read_layer::<u16>("spliced", &Sel::All, &Sel::from(10u64))?;
    check(col10[[1, 0]] == 2, "layers[\"spliced\"][:, 10]")?;

    // ds.col_graphs.KNN = ...
    let knn = Graph { a: vec![0, 1, 2], b: vec![1, 2, 0], w: vec![1.0; 3] };
    ds.set_graph(Axis::Cols, "KNN", &knn)?;
    check(ds.graph(Axis::Cols, "KNN")? == knn, "col_graphs.KNN")?;

    // ds.view[:, 0:2]: every layer, attribute and graph sliced.
    let view = ds.view::<f32>(&Sel::All, &Sel::from(0..2), &ViewOptions::default())?;
    check(view.shape() == (100, 2) && view.layers.len() == 3, "view")?;
    check(view.col_graphs[0].1.edges() == 1, "view graph restricted")?;

    // (means,) = ds.map([np.mean], axis=1)
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let means = ds.map("", Axis::Cols, &[&mean], &Sel::All)?;
    check((means[0][0] - 4950.0).abs() < 1e-9, "map mean")?;

    // for (ix, selection, view) in ds.scan(axis=1)
    let mut total = 0;
    for batch in ds.scan::<f32>(Axis::Cols, ScanOptions { batch_size: 30, ..Default::default() })? {
        let batch = batch?;
        total += batch.indexes.len();
    }
    check(total == 100, "scan")?;
    ds.close()?;

    // with loompy.new("outfile.loom") as dsout: dsout.add_columns(...)
    let out = dir.path().join("outfile.loom");
    let mut dsout = LoomFile::new(&out, &[])?;
    for k in 0..2u64 {
        let part = Array2::from_elem((100, 5), k as f32);
        let ids: Vec<String> = (0..5).map(|j| format!("s{k}_{j}")).collect();
        dsout.add_columns(
            &[("", Block::from(&part))],
            &[("CellID", Values::from(ids))],
            &[("Gene", Values::from(genes.clone()))],
            &FillValues::Auto,
        )?;
    }
    dsout.close()?;
    check(LoomFile::open(&out)?.shape() == (100, 10), "new + add_columns")?;

    // loompy.combine(files, output_filename, key="Gene")
    let combined = dir.path().join("combined.loom");
    let opts = CombineOptions::new().add_options(AddLoomOptions::new().key("Gene"));
    let report = loomfile::combine(&[&filename, &out], &combined, &opts)?;
    check(report.shape == (100, 110), "combine")?;

    println!("walkthrough: every step passed");
    Ok(())
}
