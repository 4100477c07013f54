//! Object references (anndata 0.7 keeps categoricals' categories this way): dereferenced to
//! the object and its path, as h5py's `f[ref].name` gives it.

use loomfile_hdf5::convert::is_object_reference;
use loomfile_hdf5::{File, Object};
use std::path::PathBuf;

#[test]
fn anndata_07_categories_resolve_to_their_paths() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/writers/anndata-0.7.8-csc.h5ad");
    let f = File::open(p).unwrap();
    for (column, target) in [
        ("/obs/cell_type", "/obs/__categories/cell_type"),
        ("/obs/batch", "/obs/__categories/batch"),
    ] {
        let d = f.dataset(column).unwrap();
        let a = d.attribute("categories").unwrap().expect("a categories attribute");
        assert!(is_object_reference(a.dtype()));
        let addr = f.reference_address(a.raw()).expect("not null");
        assert_eq!(f.path_of(addr).as_deref(), Some(target));
        match f.dereference(a.raw()).unwrap() {
            Some(Object::Dataset(c)) => {
                assert_eq!(c.path(), target);
                assert!(!c.read_strings().unwrap().is_empty());
            }
            other => panic!("{column}: {other:?}"),
        }
    }
    assert!(f.dereference(&[0u8; 8]).unwrap().is_none(), "a null reference");
    assert!(f.reference_address(&[0xff; 8]).is_none(), "an undefined address");
}
