//! Every converter without Python: the 10x fixtures (HDF5 v2 and v3, a MEX folder) against
//! their dense truth (`fixtures/10x/expected.json`), the three h5ad fixtures (CSR, CSC and
//! dense X of the same counts) against each other, and loom -> {mtx, tsv, csv, h5ad} -> loom
//! round trips that must give back the layer and the names. The interop tests compare the
//! same conversions with scanpy, scipy and loompy.

use loomfile::ndarray::Array2;
use loomfile::{Axis, Contents, LayerData, LoomFile, Sel, Values};
use loomfile_formats::{ConvertOptions, Format, convert};
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    loomfile_testkit::fixtures().join(rel)
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// The dense truth of the 10x fixtures: (matrix, feature ids, names, barcodes).
fn truth() -> (Array2<f64>, Vec<String>, Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(fixture("10x/expected.json")).unwrap();
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows: Vec<Vec<f64>> = j["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
        .collect();
    let (n, m) = (rows.len(), rows[0].len());
    let flat: Vec<f64> = rows.into_iter().flatten().collect();
    let matrix = Array2::from_shape_vec((n, m), flat).unwrap();
    (matrix, strings(&j["feature_ids"]), strings(&j["feature_names"]), strings(&j["barcodes"]))
}

fn layer(f: &LoomFile, name: &str) -> Array2<f64> {
    f.read_layer::<f64>(name, &Sel::All, &Sel::All).unwrap()
}

fn text(f: &LoomFile, axis: Axis, name: &str) -> Vec<String> {
    f.attr(axis, name).unwrap().as_strings().unwrap()
}

#[test]
fn tenx_inputs_equal_their_dense_truth() {
    let (m, ids, names, barcodes) = truth();
    let d = tempfile::tempdir().unwrap();
    for (input, from) in [
        ("10x/v2.h5", Format::TenxH5),
        ("10x/v3.h5", Format::TenxH5),
        ("10x/v2_mex", Format::TenxMex),
    ] {
        // The v2 file holds two genomes (hg19 is the truth's): one must be chosen.
        let genome = (input == "10x/v2.h5").then(|| "hg19".to_string());
        let opts = ConvertOptions { genome, ..ConvertOptions::default() };
        let out = d.path().join(format!("{}.loom", input.replace('/', "_")));
        let r = convert(&fixture(input), from, &out, Format::Loom, &opts)
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(r.shape, (m.nrows() as u64, m.ncols() as u64), "{input}");
        let f = LoomFile::open(&out).unwrap();
        assert_eq!(layer(&f, ""), m, "{input}");
        assert_eq!(text(&f, Axis::Rows, "Accession"), ids, "{input}");
        assert_eq!(text(&f, Axis::Rows, "Gene"), names, "{input}");
        let cells = text(&f, Axis::Cols, "CellID");
        // The MEX rule (loompy's create_from_cellranger) prefixes the sample name.
        let bare: Vec<String> =
            cells.iter().map(|c| c.rsplit_once(':').map_or(c.clone(), |x| x.1.into())).collect();
        assert_eq!(bare, barcodes, "{input}");
    }
}

#[test]
fn h5ad_fixtures_of_the_same_counts_agree() {
    let d = tempfile::tempdir().unwrap();
    let opts = ConvertOptions::default();
    let mut mats = Vec::new();
    for name in ["csr", "csc", "dense"] {
        let out = d.path().join(format!("{name}.loom"));
        convert(&fixture(&format!("h5ad/{name}.h5ad")), Format::H5ad, &out, Format::Loom, &opts)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let f = LoomFile::open(&out).unwrap();
        // h5ad holds cells x genes; loom genes x cells.
        assert_eq!(f.shape(), (60, 25), "{name}");
        mats.push((
            name,
            layer(&f, ""),
            text(&f, Axis::Cols, "CellID"),
            text(&f, Axis::Rows, "Gene"),
        ));
    }
    let (_, m0, c0, g0) = &mats[0];
    assert!(m0.iter().any(|&x| x != 0.0));
    for (name, m, c, g) in &mats[1..] {
        assert_eq!(m, m0, "{name}: X");
        assert_eq!((c, g), (c0, g0), "{name}: names");
    }
}

/// A loom file with awkward names (a comma, a quote, non-ASCII) and values (negative,
/// fractional, zeros).
fn source(dir: &Path) -> (PathBuf, Array2<f32>) {
    let m = Array2::from_shape_fn((7, 5), |(i, j)| {
        if (i + j) % 3 == 0 { 0.0 } else { (i as f32 - 2.5) * 0.5 + j as f32 }
    });
    let genes = ["Actb", "Gapdh", "Sox2", "a,b", "q\"uote", "Nes", "Gène"];
    let cells = ["c1", "c2", "c3", "c 4", "c5"];
    let contents = Contents {
        row_attrs: vec![("Gene", Values::from(genes.to_vec()))],
        col_attrs: vec![("CellID", Values::from(cells.to_vec()))],
        file_attrs: vec![],
    };
    let p = dir.join("source.loom");
    LoomFile::create(&p, LayerData::Dense(m.view()), &contents).unwrap();
    (p, m)
}

#[test]
fn loom_round_trips_through_every_output_format() {
    let d = tempfile::tempdir().unwrap();
    let (src, m) = source(d.path());
    let want = m.mapv(f64::from);
    let f = LoomFile::open(&src).unwrap();
    let (genes, cells) = (text(&f, Axis::Rows, "Gene"), text(&f, Axis::Cols, "CellID"));
    for (ext, fmt) in [
        ("mtx", Format::Mtx),
        ("mtx.gz", Format::Mtx),
        ("tsv", Format::Tsv),
        ("csv", Format::Csv),
        ("tsv.gz", Format::Tsv),
        ("h5ad", Format::H5ad),
    ] {
        let mid = d.path().join(format!("mid.{ext}"));
        let back = d.path().join(format!("back_{}.loom", ext.replace('.', "_")));
        let mut opts = ConvertOptions::default();
        if fmt == Format::Mtx {
            // Matrix Market carries no names: they travel in the attribute tables.
            opts.row_attrs = Some(d.path().join(format!("rows_{ext}.tsv")));
            opts.col_attrs = Some(d.path().join(format!("cols_{ext}.tsv")));
        }
        convert(&src, Format::Loom, &mid, fmt, &opts).unwrap_or_else(|e| panic!("{ext}: {e}"));
        convert(&mid, fmt, &back, Format::Loom, &opts).unwrap_or_else(|e| panic!("{ext}: {e}"));
        let g = LoomFile::open(&back).unwrap();
        assert_eq!(layer(&g, ""), want, "{ext}: values");
        assert_eq!(text(&g, Axis::Rows, "Gene"), genes, "{ext}: genes");
        assert_eq!(text(&g, Axis::Cols, "CellID"), cells, "{ext}: cells");
    }
}
