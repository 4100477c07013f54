//! Memory-mapped reads (feature `mmap`): reachable only through the `unsafe`
//! `File::open_mmap`, they read the same values as positional reads and take the same
//! shared HDF5 lock.

#![cfg(all(feature = "mmap", not(target_family = "wasm")))]

use loomfile_hdf5::storage::lock::LockPolicy;
use loomfile_hdf5::{AttrValue, DatasetSpec, Datatype, File, OpenOptions, Writer};

#[test]
fn mapped_reads_equal_positional_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.h5");
    let mut w = Writer::create(&path).unwrap();
    w.create_dataset("/big", DatasetSpec::chunked(Datatype::float(8), &[4096], &[512]).gzip(1))
        .unwrap();
    let v: Vec<f64> = (0..4096).map(|i| (i as f64).cos()).collect();
    w.write::<f64>("/big", &[], &v).unwrap();
    w.set_attr("/", "note", AttrValue::string("mapped")).unwrap();
    w.finish().unwrap();

    // SAFETY: the file lives in a private temporary directory; nothing truncates or
    // modifies it until the mapped `File` is dropped at the end of this test.
    let locking = OpenOptions { lock: Some(LockPolicy::Required), ..Default::default() };
    let mapped = unsafe { File::open_mmap(&path, &locking) }.unwrap();
    let plain = File::open(&path).unwrap();
    assert_eq!(mapped.dataset("/big").unwrap().read::<f64>().unwrap(), v);
    assert_eq!(
        mapped.dataset("/big").unwrap().read::<f64>().unwrap(),
        plain.dataset("/big").unwrap().read::<f64>().unwrap()
    );
    let note = mapped.root().unwrap().attribute("note").unwrap().unwrap();
    assert_eq!(note.read_strings().unwrap(), ["mapped"]);

    // The map holds the shared lock like any reader: a writer cannot open the file.
    drop(plain);
    let err = Writer::open_with(&path, &locking).unwrap_err();
    assert!(matches!(err, loomfile_hdf5::Error::Locked(_)), "{err:?}");
    drop((note, mapped));
    Writer::open_with(&path, &locking).unwrap().finish().unwrap();
}

#[test]
fn mapping_a_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the file does not exist, so nothing is mapped.
    let r = unsafe { File::open_mmap(dir.path().join("none.h5"), &OpenOptions::default()) };
    assert!(r.is_err());
}
