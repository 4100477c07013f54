//! What happens to a handle's work when it ends: a file from `LoomFile::new` dropped without
//! `close()` is written (not silently lost), `discard` and `new_all_or_nothing` leave
//! nothing, the library's own writers leave nothing on error, and errors of
//! `open`/`open_rw` (including a lock held by another handle) name the file.

// Files by path: needs `fs`.
#![cfg(feature = "fs")]

use loomfile::ndarray::Array2;
use loomfile::{Block, Contents, FillValues, LayerData, LoomFile, Sel, Values};

#[test]
fn new_dropped_without_close_keeps_everything_added() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.loom");
    {
        let mut f = LoomFile::new(&path, &[("title", Values::from("kept"))]).unwrap();
        let m = Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f32);
        f.add_columns(
            &[("", Block::from(&m))],
            &[("CellID", Values::from(vec!["a", "b"]))],
            &[("Gene", Values::from(vec!["x", "y", "z"]))],
            &FillValues::Auto,
        )
        .unwrap();
        // No close(): the handle goes out of scope here.
    }
    let f = LoomFile::open(&path).unwrap();
    assert_eq!(f.shape(), (3, 2));
    assert_eq!(f.global("title").unwrap().as_string(), Some("kept"));
    let m = f.read_layer::<f32>("", &Sel::All, &Sel::All).unwrap();
    assert_eq!(m[[2, 1]], 5.0);
    assert_eq!(f.attr(loomfile::Axis::Cols, "CellID").unwrap().as_strings().unwrap(), ["a", "b"]);
    // No temporary file is left beside it.
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["dropped.loom"]);
}

#[test]
fn discard_and_all_or_nothing_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("discarded.loom");
    let mut f = LoomFile::new(&a, &[]).unwrap();
    f.set_global("x", &Values::from(1i64)).unwrap();
    f.discard();
    assert!(!a.exists());
    let b = dir.path().join("atomic.loom");
    drop(LoomFile::new_all_or_nothing(&b, &[]).unwrap());
    assert!(!b.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary files left");
}

#[test]
fn a_failed_create_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.loom");
    let m = Array2::<f32>::zeros((3, 2));
    // A row attribute of the wrong length: create fails, and nothing appears.
    let contents =
        Contents { row_attrs: vec![("Gene", Values::from(vec!["a"]))], ..Default::default() };
    assert!(LoomFile::create(&path, LayerData::Dense(m.view()), &contents).is_err());
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn open_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.loom");
    for e in [LoomFile::open(&missing).unwrap_err(), LoomFile::open_rw(&missing).unwrap_err()] {
        assert!(e.to_string().contains("missing.loom"), "{e}");
    }
    let text = dir.path().join("notes.loom");
    std::fs::write(&text, b"not hdf5 at all").unwrap();
    let e = LoomFile::open(&text).unwrap_err();
    assert!(e.to_string().contains("notes.loom"), "{e}");
}

#[test]
fn lock_conflict_in_one_process_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.loom");
    let m = Array2::<f32>::zeros((2, 2));
    LoomFile::create(&path, LayerData::Dense(m.view()), &Contents::default()).unwrap();
    let reader = LoomFile::open(&path).unwrap();
    match LoomFile::open_rw(&path) {
        // File systems without locks (and HDF5_USE_FILE_LOCKING=FALSE) let it through.
        Ok(_) => {}
        Err(e) => {
            let s = e.to_string();
            assert!(s.contains("locked.loom"), "{s}");
            assert!(s.contains("conflicting lock"), "{s}");
            // The message says exactly once which file it is.
            assert_eq!(s.matches("locked.loom").count(), 1, "{s}");
        }
    }
    drop(reader);
    LoomFile::open_rw(&path).unwrap().close().unwrap();
}
