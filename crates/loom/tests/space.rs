//! Edited files do not grow without bound: a 200 x 50 float32 file, then 224 `add_columns`
//! of 8 columns (one commit each), ends near the size of the same content compacted and
//! reads back exactly; `File::space_usage` sees the dead bytes.

#![cfg(feature = "fs")]

use loomfile::ndarray::Array2;
use loomfile::{Axis, Block, Contents, FillValues, LayerData, LoomFile, Sel, Values};

fn cell_ids(from: usize, n: usize) -> Values {
    Values::from((from..from + n).map(|i| format!("cell{i}")).collect::<Vec<_>>())
}

#[test]
fn many_small_edits_stay_near_the_compacted_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grow.loom");
    let m = Array2::from_shape_fn((200, 50), |(i, j)| (i * 50 + j) as f32 * 0.5);
    let genes = Values::from((0..200).map(|i| format!("g{i}")).collect::<Vec<_>>());
    let contents = Contents {
        row_attrs: vec![("Gene", genes)],
        col_attrs: vec![("CellID", cell_ids(0, 50))],
        ..Default::default()
    };
    LoomFile::create(&path, LayerData::Dense(m.view()), &contents).unwrap();
    let mut f = LoomFile::open_rw(&path).unwrap();
    let mut sizes = Vec::new();
    for e in 0..224 {
        let add = Array2::from_shape_fn((200, 8), |(i, j)| (i * 8 + j + e) as f32);
        f.add_columns(
            &[("", Block::from(&add))],
            &[("CellID", cell_ids(50 + e * 8, 8))],
            &[],
            &FillValues::Auto,
        )
        .unwrap();
        sizes.push(std::fs::metadata(&path).unwrap().len());
    }
    f.close().unwrap();
    let edited = std::fs::metadata(&path).unwrap().len();
    let usage = loomfile::hdf5::File::open(&path).unwrap().space_usage().unwrap();
    let before = LoomFile::open(&path).unwrap();
    let main = before.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap();
    let ids = before.attr(Axis::Cols, "CellID").unwrap();
    drop(before);
    let copy = dir.path().join("compacted.loom");
    std::fs::copy(&path, &copy).unwrap();
    let r = loomfile::hdf5::compact(&copy).unwrap();
    eprintln!(
        "after 224 edits: {edited} bytes (dead {} of {}), compacted {}; sizes at edits 1, 10, 100, 224: {} {} {} {}",
        usage.dead_bytes,
        usage.end_of_file,
        r.bytes_after,
        sizes[0],
        sizes[9],
        sizes[99],
        sizes[223]
    );
    let after = LoomFile::open(&copy).unwrap();
    assert_eq!(after.shape(), (200, 50 + 224 * 8));
    assert_eq!(after.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap(), main);
    assert_eq!(after.attr(Axis::Cols, "CellID").unwrap(), ids);
    // What stays dead is about one edit's rewrite (the previous state must survive until
    // the commit that replaces it): here the whole CellID attribute, rewritten by every
    // add_columns as loompy does. Appending everything would leave ~20x.
    assert!(
        edited as f64 <= 1.3 * r.bytes_after as f64,
        "{edited} bytes after the edits, {} compacted",
        r.bytes_after
    );
    assert!(usage.dead_bytes * 4 < usage.end_of_file, "{usage:?}");
}
