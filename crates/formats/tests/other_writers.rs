//! Files other tools wrote (`fixtures/writers/`), read and converted without Python: every
//! anndata generation's h5ad to loom (the values anndata 0.12 reads, pinned here from it),
//! 10x layouts to loom, and LoomExperiment's groups inside `/col_attrs` skipped with one
//! warning. The full comparison against h5py, anndata and scanpy is
//! `crates/cli/tests/real_world.rs`.

use loomfile::{Axis, LoomFile, Values};
use loomfile_formats::{ConvertOptions, Format, convert};
use std::path::PathBuf;

fn writers(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/writers").join(name)
}

fn strings(v: &Values) -> Vec<String> {
    v.as_strings().expect("strings")
}

/// anndata 0.6 (compound frames, categories in uns), 0.7 (reference categoricals) and 0.8
/// (categorical groups, nullable columns) all give anndata 0.12's values.
#[test]
fn every_anndata_generation_converts_to_the_same_loom() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "anndata-0.6.22-csr.h5ad",
        "anndata-0.6.22-dense-lzf.h5ad",
        "anndata-0.7.8-csc.h5ad",
        "anndata-0.8.0-nullable.h5ad",
        "anndata-0.10.9-dense-gzip.h5ad",
    ] {
        let out = tmp.path().join(format!("{name}.loom"));
        let r =
            convert(&writers(name), Format::H5ad, &out, Format::Loom, &ConvertOptions::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.shape, (9, 12), "{name}");
        let f = LoomFile::open(&out).unwrap();
        let cells = strings(&f.attr(Axis::Cols, "CellID").unwrap());
        assert_eq!(&cells[..2], ["AAAC0000-1", "AAAC0001-1"], "{name}");
        let ct = strings(&f.attr(Axis::Cols, "cell_type").unwrap());
        assert_eq!(&ct[..4], ["T", "B", "NK", "T"], "{name}: categorical as strings");
        let batch = strings(&f.attr(Axis::Cols, "batch").unwrap());
        assert_eq!((batch[0].as_str(), batch[11].as_str()), ("b1", "b2"), "{name}");
        let genes = strings(&f.attr(Axis::Rows, "Gene").unwrap());
        assert_eq!(genes[0], "GENE0", "{name}");
        assert_eq!(strings(&f.attr(Axis::Rows, "gene_ids").unwrap())[8], "ENSG00008", "{name}");
        let doublet = f.attr(Axis::Cols, "is_doublet").unwrap().to_f64().unwrap();
        assert_eq!(&doublet[..3], [0.0, 1.0, 0.0], "{name}: bools as 0/1");
    }
    // Nullable columns: missing values as NaN, complete ones in their own type.
    let out = tmp.path().join("anndata-0.8.0-nullable.h5ad.loom");
    let f = LoomFile::open(&out).unwrap();
    let umi = f.attr(Axis::Cols, "n_umi").unwrap().to_f64().unwrap();
    assert_eq!(umi[0], 1.0);
    assert!(umi[1].is_nan());
    assert!(matches!(f.attr(Axis::Cols, "n_full").unwrap(), Values::Int32(_)));
}

/// anndata 0.8+ may write no X: the conversion says how to go on, and `layer` does.
#[test]
fn h5ad_without_x_needs_a_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.loom");
    let input = writers("anndata-0.8.0-no-x.h5ad");
    let e = convert(&input, Format::H5ad, &out, Format::Loom, &ConvertOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("X is absent") && e.contains("--layer") && e.contains("counts"), "{e}");
    assert!(e.starts_with(&input.display().to_string()), "names the input: {e}");
    let opts = ConvertOptions { layer: Some("counts".into()), ..Default::default() };
    let r = convert(&input, Format::H5ad, &out, Format::Loom, &opts).unwrap();
    assert_eq!(r.shape, (9, 12));
    let f = LoomFile::open(&out).unwrap();
    assert_eq!(f.layer_names(), ["", "dense"]);
}

/// Cell Ranger 2 (PyTables, two genomes) needs a genome; Space Ranger's per-barcode
/// `filtered_barcodes` and probe ids are kept.
#[test]
fn tenx_layouts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.loom");
    let two = writers("cellranger-2-pytables-two-genomes.h5");
    let e = convert(&two, Format::TenxH5, &out, Format::Loom, &ConvertOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("--genome") && e.contains("hg19") && e.contains("mm10"), "{e}");
    let opts = ConvertOptions { genome: Some("mm10".into()), ..Default::default() };
    assert_eq!(convert(&two, Format::TenxH5, &out, Format::Loom, &opts).unwrap().shape, (3, 4));
    let probe = writers("spaceranger-probe-style.h5");
    convert(&probe, Format::TenxH5, &out, Format::Loom, &ConvertOptions::default()).unwrap();
    let f = LoomFile::open(&out).unwrap();
    let kept = f.attr(Axis::Cols, "filtered_barcodes").unwrap().to_f64().unwrap();
    assert_eq!(kept, [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    assert_eq!(strings(&f.attr(Axis::Rows, "Accession").unwrap()), ["ENSG01", "ENSG01", "ENSG02"]);
    assert_eq!(strings(&f.attr(Axis::Rows, "ProbeID").unwrap())[1], "ENSG01|A1BG|probe2");
}

/// LoomExperiment's groups inside the attribute groups: skipped, listed, one warning; the
/// file converts to h5ad.
#[test]
fn loomexperiment_groups_are_skipped_with_one_warning() {
    let p = writers("loomexperiment-1.x-style.loom");
    let f = LoomFile::open(&p).unwrap();
    assert_eq!(f.attr_names(Axis::Rows), ["rownames"]);
    assert_eq!(f.attr_names(Axis::Cols), ["Cluster", "colnames"]);
    let other: Vec<String> = f.other_members().into_iter().map(|o| o.path).collect();
    assert_eq!(other, ["/col_attrs/reducedDims", "/row_attrs/GRanges"]);
    let w = f.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("2 members beyond the loom spec"), "{w:?}");
    assert_eq!(f.spec_version().text.as_deref(), Some("2.0.1"), "a (1,) array version");
    assert_eq!(f.graph(Axis::Cols, "KNN").unwrap().b, [1, 2, 3, 4], "float64 indices");
    let report = f.validate(false);
    assert!(report.is_valid(), "{report:?}");
    // LoomExperiment's float64 vertex indices: a warning of the graph check, at the dataset.
    let graph = report.warnings().find(|w| w.message.contains("LoomExperiment"));
    let graph = graph.unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(graph.code, loomfile::validate::Check::Graphs);
    assert!(graph.path.starts_with("/col_graphs/KNN/"), "{graph:?}");
    assert!(!f.validate(true).is_valid(), "--strict keeps loompy's rules");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.h5ad");
    convert(&p, Format::Loom, &out, Format::H5ad, &ConvertOptions::default()).unwrap();
}
