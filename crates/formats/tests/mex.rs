//! 10x MEX folders imported (`import_mex`, loompy's `create_from_cellranger`): Cell Ranger 2
//! and 3+ layouts against the fixtures' dense truth (`fixtures/10x/expected.json`), gzip found
//! by content, duplicates summed, the analysis files matched by barcode. No Python needed.

use loomfile::ndarray::{Array2, Axis as Ax};
use loomfile::{Axis, LoomFile, NumType, Sel, Values};
use loomfile_formats::{MexOptions, MexVersion, import_mex};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
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

struct Truth {
    ids: Vec<String>,
    names: Vec<String>,
    types: Vec<String>,
    barcodes: Vec<String>,
    matrix: Array2<f64>,
    genome_v2: String,
}

fn truth() -> Truth {
    let j: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/10x/expected.json")).unwrap(),
    )
    .unwrap();
    let strs = |k: &str| -> Vec<String> {
        j[k].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
    };
    let rows = j["matrix"].as_array().unwrap();
    let n = rows.len();
    let m = rows[0].as_array().unwrap().len();
    let matrix = Array2::from_shape_fn((n, m), |(i, k)| rows[i][k].as_f64().unwrap());
    Truth {
        ids: strs("feature_ids"),
        names: strs("feature_names"),
        types: strs("feature_types"),
        barcodes: strs("barcodes"),
        matrix,
        genome_v2: j["genome_v2"].as_str().unwrap().to_string(),
    }
}

#[test]
fn import_mex_v2_and_v3_match_the_truth() {
    let t = truth();
    let d = tempfile::tempdir().unwrap();
    for (dir, version) in [("v2_mex", MexVersion::V2), ("v3_mex", MexVersion::V3)] {
        let out = d.path().join(format!("{dir}.loom"));
        let r = import_mex(root().join("fixtures/10x").join(dir), &out, &MexOptions::default())
            .unwrap();
        assert_eq!(r.version, version);
        assert_eq!(r.shape, (60, 25));
        assert_eq!(r.nnz, 201);
        assert_eq!(r.dtype, NumType::Int32);
        assert_eq!(r.sample_id, dir);
        let f = LoomFile::open(&out).unwrap();
        assert_eq!(layer(&f, ""), t.matrix, "{dir}");
        assert_eq!(f.layer_dtype("").unwrap(), NumType::Int32);
        assert_eq!(strings(&f, Axis::Rows, "Accession"), t.ids);
        assert_eq!(strings(&f, Axis::Rows, "Gene"), t.names);
        let cellids: Vec<String> = t.barcodes.iter().map(|b| format!("{dir}:{b}")).collect();
        assert_eq!(strings(&f, Axis::Cols, "CellID"), cellids);
        assert_eq!(strings(&f, Axis::Cols, "Barcode"), t.barcodes);
        match version {
            MexVersion::V2 => {
                assert_eq!(r.genome.as_deref(), Some(t.genome_v2.as_str()));
                assert_eq!(f.global("Genome").unwrap(), Values::string(&t.genome_v2));
                assert!(!f.attr_names(Axis::Rows).contains(&"FeatureType".to_string()));
            }
            MexVersion::V3 => {
                assert_eq!(r.genome, None);
                assert!(f.global("Genome").is_err());
                assert_eq!(strings(&f, Axis::Rows, "FeatureType"), t.types);
            }
        }
    }
}

#[test]
fn import_mex_finds_the_matrix_folder_and_filters_features() {
    let t = truth();
    let d = tempfile::tempdir().unwrap();
    // The genome folder itself: sample and genome come from the path.
    let out = d.path().join("a.loom");
    let r = import_mex(
        root().join("fixtures/10x/v2_mex/outs/filtered_gene_bc_matrices/hg19"),
        &out,
        &MexOptions::default(),
    )
    .unwrap();
    assert_eq!((r.sample_id.as_str(), r.genome.as_deref()), ("v2_mex", Some("hg19")));
    // The v3 matrix folder, gene expression only, another sample id.
    let out = d.path().join("b.loom");
    let r = import_mex(
        root().join("fixtures/10x/v3_mex/outs/filtered_feature_bc_matrix"),
        &out,
        &MexOptions { gex_only: true, sample_id: Some("S1"), ..Default::default() },
    )
    .unwrap();
    let keep: Vec<usize> = (0..60).filter(|&i| t.types[i] == "Gene Expression").collect();
    assert_eq!(r.shape, (keep.len() as u64, 25));
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(layer(&f, ""), t.matrix.select(Ax(0), &keep));
    assert!(strings(&f, Axis::Cols, "CellID")[0].starts_with("S1:"));
    // A type that does not hold the values: an error, and no output.
    let out = d.path().join("c.loom");
    let e = import_mex(
        root().join("fixtures/10x/v3_mex"),
        &out,
        &MexOptions { dtype: Some(NumType::UInt16), ..Default::default() },
    )
    .unwrap_err();
    assert!(e.to_string().contains("123456"), "{e}");
    assert!(!out.exists());
    assert!(import_mex(d.path(), d.path().join("x.loom"), &MexOptions::default()).is_err());
}

#[test]
fn import_mex_handles_gzip_by_content_duplicates_symmetry_and_analysis_files() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("sampleX");
    let m = s.join("outs/filtered_feature_bc_matrix");
    std::fs::create_dir_all(&m).unwrap();
    let gz = |p: &Path, text: &str| {
        use std::io::Write;
        let f = std::fs::File::create(p).unwrap();
        let mut e = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap();
    };
    // A symmetric real matrix with a duplicate entry, plain text under a .gz-less name.
    std::fs::write(
        m.join("matrix.mtx"),
        "%%MatrixMarket matrix coordinate real symmetric\n% c\n3 3 4\n1 1 1.5\n2 1 2\n2 1 0.25\n3 3 -1\n",
    )
    .unwrap();
    gz(
        &m.join("features.tsv.gz"),
        "f1\tA\tGene Expression\nf2\tB\tGene Expression\nf3\tC\tPeaks\n",
    );
    gz(&m.join("barcodes.tsv.gz"), "b1\nb2\nb3\n");
    let an = s.join("outs/analysis/tsne/2_components");
    std::fs::create_dir_all(&an).unwrap();
    std::fs::write(an.join("projection.csv"), "Barcode,TSNE-1,TSNE-2\nb3,3,30\nb1,1,10\nb2,2,20\n")
        .unwrap();
    let cl = s.join("outs/analysis/clustering/graphclust");
    std::fs::create_dir_all(&cl).unwrap();
    std::fs::write(cl.join("clusters.csv"), "Barcode,Cluster\nb1,2\nb2,1\nb3,2\n").unwrap();
    std::fs::write(s.join("_versions"), "a\nb\n").unwrap();
    let out = d.path().join("x.loom");
    let r = import_mex(&s, &out, &MexOptions::default()).unwrap();
    assert_eq!(r.dtype, NumType::Float64);
    assert_eq!(r.nnz, 4);
    let f = LoomFile::open(&out).unwrap();
    let want = loomfile::ndarray::array![[1.5, 2.25, 0.0], [2.25, 0.0, 0.0], [0.0, 0.0, -1.0]];
    assert_eq!(layer(&f, ""), want);
    assert_eq!(nums(&f, Axis::Cols, "X"), vec![1.0, 2.0, 3.0]);
    assert_eq!(nums(&f, Axis::Cols, "Y"), vec![10.0, 20.0, 30.0]);
    assert_eq!(nums(&f, Axis::Cols, "ClusterID"), vec![1.0, 0.0, 1.0]);
    assert_eq!(f.global("Versions").unwrap(), Values::string("a b"));
    assert_eq!(strings(&f, Axis::Cols, "CellID")[0], "sampleX:b1");
}
