//! `LoomFile::aggregate` against a direct computation, and `LoomFile::chunk_refs` against
//! the file's own chunk index and values.

// Creates files and opens fixtures by path: needs `fs`.
#![cfg(feature = "fs")]

use loomfile::ops::Aggregation;
use loomfile::refs::{ChunkRef, Codec};
use loomfile::{Contents, LayerData, LoomFile, Sel, Values};
use ndarray::Array2;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/loom").join(name)
}

fn small(dir: &std::path::Path) -> (PathBuf, Array2<f32>) {
    let m = Array2::from_shape_fn((130, 70), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 2.0);
    let p = dir.join("a.loom");
    let contents = Contents {
        col_attrs: vec![("CellID", Values::from_vec((0..70i64).collect()))],
        ..Contents::default()
    };
    LoomFile::create(&p, LayerData::Dense(m.view()), &contents).unwrap();
    (p, m)
}

#[test]
fn aggregate_matches_a_direct_computation() {
    let d = tempfile::tempdir().unwrap();
    let (p, m) = small(d.path());
    let f = LoomFile::open(&p).unwrap();
    let groups: Vec<u32> = (0..70u32).map(|j| (j * 5 + 1) % 4).collect();
    for (name, how) in [
        ("sum", Aggregation::Sum),
        ("mean", Aggregation::Mean),
        ("max", Aggregation::Max),
        ("min", Aggregation::Min),
        ("first", Aggregation::First),
        ("last", Aggregation::Last),
        ("len", Aggregation::Len),
        ("median", Aggregation::Median),
        ("std", Aggregation::Std),
    ] {
        assert_eq!(Aggregation::parse(name), Some(how));
        let got = f.aggregate("", &groups, how).unwrap();
        assert_eq!(got.dim(), (130, 4));
        for i in 0..130 {
            for g in 0..4u32 {
                let mut v: Vec<f64> =
                    (0..70).filter(|&j| groups[j] == g).map(|j| m[[i, j]] as f64).collect();
                let n = v.len() as f64;
                let mean = v.iter().sum::<f64>() / n;
                let want = match how {
                    Aggregation::Sum => v.iter().sum(),
                    Aggregation::Mean => mean,
                    Aggregation::Max => v.iter().copied().fold(f64::MIN, f64::max),
                    Aggregation::Min => v.iter().copied().fold(f64::MAX, f64::min),
                    Aggregation::First => v[0],
                    Aggregation::Last => v[v.len() - 1],
                    Aggregation::Len => n,
                    Aggregation::Median => {
                        v.sort_by(f64::total_cmp);
                        let k = v.len() / 2;
                        if v.len() % 2 == 1 { v[k] } else { (v[k - 1] + v[k]) / 2.0 }
                    }
                    _ => (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt(),
                };
                assert!((got[[i, g as usize]] - want).abs() < 1e-9, "{name} row {i} group {g}");
            }
        }
    }
    assert!(f.aggregate("", &groups[..69], Aggregation::Sum).is_err());
    let holes: Vec<u32> = (0..70u32).map(|j| if j < 35 { 0 } else { 2 }).collect();
    assert!(f.aggregate("", &holes, Aggregation::Sum).is_err());
    assert_eq!(Aggregation::parse("mode"), None);
}

#[test]
fn refs_point_at_every_stored_chunk() {
    let f = LoomFile::open(fixture("medium.loom")).unwrap();
    let r = f.chunk_refs().unwrap();
    let matrix = r.arrays.iter().find(|a| a.path == "matrix").unwrap();
    let ds = f.layer_dataset("").unwrap();
    let chunks = ds.chunks().unwrap();
    assert_eq!(matrix.shape, vec![300, 200]);
    assert_eq!(matrix.chunks, ds.chunk_shape().unwrap()[..2].to_vec());
    assert_eq!(matrix.dtype, "<f4");
    assert_eq!(matrix.compressor, Some(Codec::Zlib { level: 2 }));
    assert_eq!(matrix.chunk_refs.len(), chunks.entries().unwrap().len());
    for e in chunks.entries().unwrap() {
        let key = format!("{}.{}", e.offset[0] / matrix.chunks[0], e.offset[1] / matrix.chunks[1]);
        let want = ChunkRef::Range { key, offset: e.address, size: e.size };
        assert!(matrix.chunk_refs.contains(&want), "{want:?}");
    }
    // Text is inlined, every value as stored.
    for name in f.attr_names(loomfile::Axis::Rows) {
        let v = f.attr(loomfile::Axis::Rows, &name).unwrap();
        let a = r.arrays.iter().find(|a| a.path == format!("row_attrs/{name}")).unwrap();
        if let Some(s) = v.as_strings() {
            assert_eq!(a.filters, vec![Codec::VlenUtf8]);
            let ChunkRef::Inline { bytes, .. } = &a.chunk_refs[0] else { panic!("inline") };
            assert_eq!(bytes, &loomfile::refs::vlen_utf8(&s));
        }
    }
    let _ = f.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap();
}

#[test]
fn stamps_and_changes_since() {
    let d = tempfile::tempdir().unwrap();
    let (p, _) = small(d.path());
    let mut f = LoomFile::open_rw(&p).unwrap();
    let before = loomfile::timestamp::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    f.set_attr(loomfile::Axis::Cols, "New", &Values::from_vec(vec![1.5f64; 70])).unwrap();
    let g = loomfile::Graph { a: vec![0, 1], b: vec![1, 2], w: vec![1.0, 2.0] };
    f.set_graph(loomfile::Axis::Cols, "KNN", &g).unwrap();
    let stamp = f.attr_last_modified(loomfile::Axis::Cols, Some("New")).unwrap();
    assert!(stamp.as_str() > before.as_str());
    assert!(f.graph_last_modified(loomfile::Axis::Cols, Some("KNN")).is_some());
    let c = f.changes_since(&before);
    assert!(c.col_attrs.contains(&"New".to_string()), "{c:?}");
    assert!(!c.col_attrs.contains(&"CellID".to_string()), "{c:?}");
    assert_eq!(c.col_graphs, vec!["KNN".to_string()]);
    // The main matrix was written by create without a stamp (as loompy): counted as changed.
    assert_eq!(c.layers, vec![String::new()]);
    let later = f.changes_since("99991231T000000.000000Z");
    assert!(later.col_attrs.is_empty() && later.col_graphs.is_empty());
}
