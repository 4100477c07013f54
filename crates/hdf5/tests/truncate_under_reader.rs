//! A file truncated under an open reader gives an error on the next read — never SIGBUS (the
//! default storage reads by position; memory maps are opt-in).

// Not on wasm: tempfile::tempdir() needs std::env::temp_dir(), which panics there.
#![cfg(all(feature = "fs", not(target_family = "wasm")))]

use loomfile_hdf5::{AttrValue, DatasetSpec, Datatype, File, Writer};

#[test]
fn truncation_under_an_open_reader_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.h5");
    let mut w = Writer::create(&path).unwrap();
    w.create_dataset("/big", DatasetSpec::chunked(Datatype::float(8), &[4096], &[512]).gzip(1))
        .unwrap();
    let v: Vec<f64> = (0..4096).map(|i| (i as f64).sin()).collect();
    w.write::<f64>("/big", &[], &v).unwrap();
    w.set_attr("/", "note", AttrValue::string("x")).unwrap();
    w.finish().unwrap();

    let f = File::open(&path).unwrap();
    let d = f.dataset("/big").unwrap();
    assert_eq!(d.read::<f64>().unwrap(), v);
    // Another program truncates the file to a tenth while we hold it open.
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(len / 10).unwrap();
    let err = d.read::<f64>().unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("/big"), "names the object: {msg}");
    assert!(
        matches!(err, loomfile_hdf5::Error::Io { .. } | loomfile_hdf5::Error::Malformed { .. }),
        "{err:?}"
    );
}
