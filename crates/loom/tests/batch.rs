//! `LoomFile::batch`: several writes in one commit. What a batch stages is visible only after
//! its commit, and nothing of a batch that is dropped or fails (a fill error, a wrong band, a
//! wrong shape) is kept: the file reads as before and takes the next batch. Band, column and
//! tile writes of the same matrix read back equal. In memory only (runs under WASI too).

use loomfile::ndarray::Array2;
use loomfile::{Axis, Error, LayerOptions, LoomFile, MemStorage, NumType, Sel, Values};
use std::sync::Arc;

fn new_file() -> LoomFile {
    LoomFile::new_in(Arc::new(MemStorage::default()), &[]).expect("new file")
}

/// 16 x 16 chunks, so the 100 x 10 matrices below take several bands.
fn small_chunks() -> LayerOptions {
    LayerOptions { chunks: (16, 16), ..LayerOptions::default() }
}

/// Element (r, c) of the test matrix.
fn value(r: u64, c: u64) -> i32 {
    (r * 10 + c) as i32 * if (r + c).is_multiple_of(3) { 0 } else { 1 }
}

fn expected(rows: u64, cols: u64) -> Array2<i32> {
    Array2::from_shape_fn((rows as usize, cols as usize), |(r, c)| value(r as u64, c as u64))
}

fn main_matrix(f: &mut LoomFile) {
    let mut b = f.batch().expect("batch");
    b.write_layer_rows::<i32>("", 100, 10, &small_chunks(), |start, n, out| {
        out.extend((start..start + n).flat_map(|r| (0..10).map(move |c| value(r, c))));
        Ok(())
    })
    .expect("rows");
    let genes: Vec<String> = (0..100).map(|i| format!("g{i}")).collect();
    b.set_attr(Axis::Rows, "Gene", &Values::strings(&genes)).expect("Gene");
    assert_eq!(b.shape(), (100, 10));
    b.commit().expect("commit");
}

#[test]
fn a_dropped_or_failed_batch_keeps_nothing() {
    let mut f = new_file();
    main_matrix(&mut f);
    assert_eq!(f.read_layer::<i32>("", &Sel::All, &Sel::All).expect("read"), expected(100, 10));

    // Staged writes, then a fill that fails two bands in: the batch is dropped with the error.
    {
        let mut b = f.batch().expect("batch");
        let cells: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
        b.set_attr(Axis::Cols, "CellID", &Values::strings(&cells)).expect("CellID");
        b.set_global("title", &Values::string("half done")).expect("global");
        let e = b
            .write_layer_rows::<f32>("spliced", 100, 10, &small_chunks(), |start, n, out| {
                if start >= 32 {
                    return Err(Error::invalid("the source went away"));
                }
                out.resize((n * 10) as usize, 1.5);
                Ok(())
            })
            .expect_err("the fill fails");
        assert!(e.to_string().contains("the source went away"), "{e}");
    }
    assert_eq!(f.layer_names(), [""]);
    assert!(f.attr(Axis::Cols, "CellID").is_err(), "a dropped batch's attribute was kept");
    assert!(f.global("title").is_err(), "a dropped batch's global was kept");
    assert_eq!(f.shape(), (100, 10));

    // A wrong band size and a wrong shape are refused the same way.
    {
        let mut b = f.batch().expect("batch");
        let e = b
            .write_layer_rows::<u8>("short", 100, 10, &small_chunks(), |_, _, out| {
                out.push(1);
                Ok(())
            })
            .expect_err("one value for a band");
        assert!(e.to_string().contains("layer \"short\""), "{e}");
        let e = b
            .write_layer_cols::<u8>("wide", 100, 11, &small_chunks(), |_, _, _| Ok(()))
            .expect_err("11 columns in a 100 x 10 file");
        assert!(matches!(e, Error::Shape { .. }), "{e}");
    }

    // The file takes the next batch, and nothing dropped comes back with it.
    let mut b = f.batch().expect("batch");
    b.set_global("title", &Values::string("done")).expect("global");
    b.commit().expect("commit");
    assert_eq!(f.global("title").expect("title").as_string(), Some("done"));
    assert_eq!(f.layer_names(), [""]);
    assert!(f.attr(Axis::Cols, "CellID").is_err());
    assert_eq!(f.read_layer::<i32>("", &Sel::All, &Sel::All).expect("read"), expected(100, 10));
}

#[test]
fn rows_columns_and_tiles_write_the_same_layer() {
    let mut f = new_file();
    main_matrix(&mut f);
    let mut b = f.batch().expect("batch");
    b.write_layer_cols::<i32>("by_cols", 100, 10, &small_chunks(), |start, n, out| {
        out.extend((start..start + n).flat_map(|c| (0..100).map(move |r| value(r, c))));
        Ok(())
    })
    .expect("cols");
    let mut tiles = 0;
    b.write_layer_tiles(
        "by_tiles",
        NumType::Int32,
        100,
        10,
        &small_chunks(),
        |r0, h, c0, w, out| {
            tiles += 1;
            for r in r0..r0 + h {
                for c in c0..c0 + w {
                    out.extend_from_slice(&value(r, c).to_le_bytes());
                }
            }
            Ok(())
        },
    )
    .expect("tiles");
    b.commit().expect("commit");
    assert!(tiles >= 7, "{tiles} tiles for 100 rows of 16-row chunks");
    for name in ["", "by_cols", "by_tiles"] {
        let m = f.read_layer::<i32>(name, &Sel::All, &Sel::All).expect("read");
        assert_eq!(m, expected(100, 10), "layer {name:?}");
        assert_eq!(f.layer_dtype(name).expect("dtype"), NumType::Int32);
    }
}

#[test]
fn a_batch_dropped_without_commit_writes_nothing() {
    let mut f = new_file();
    main_matrix(&mut f);
    let mut b = f.batch().expect("batch");
    b.set_attr(Axis::Rows, "Length", &Values::from(vec![7i64; 100])).expect("Length");
    drop(b);
    assert!(f.attr(Axis::Rows, "Length").is_err());
    let mut b = f.batch().expect("batch");
    b.set_attr(Axis::Rows, "Length", &Values::from(vec![7i64; 100])).expect("Length");
    b.commit().expect("commit");
    assert_eq!(f.attr(Axis::Rows, "Length").expect("Length").len(), 100);
}
