//! `Writer::rollback`: staged changes (new objects, chunk writes, resizes, attributes,
//! deletions, heap strings) are discarded; the writer continues from the committed state and
//! the next commit holds only what was staged after the rollback.

use loomfile_hdf5::storage::{MemStorage, WriteAt};
use loomfile_hdf5::{AttrValue, DatasetSpec, Datatype, File, Selection, Writer};
use std::sync::Arc;

fn spec() -> DatasetSpec {
    DatasetSpec::chunked(Datatype::int(4, true), &[4, 6], &[2, 4])
        .max_shape(&[Some(4), None])
        .gzip(2)
}

#[test]
fn rollback_discards_staged_changes_and_later_commits_are_clean() {
    let mem = Arc::new(MemStorage::new(Vec::new()));
    let storage: Arc<dyn WriteAt> = mem.clone();
    let mut w = Writer::create_in(storage.clone()).unwrap();
    w.create_group("/g").unwrap();
    w.create_dataset("/g/d", spec()).unwrap();
    let v: Vec<i32> = (0..24).collect();
    w.write::<i32>("/g/d", &[], &v).unwrap();
    w.create_dataset("/s", DatasetSpec::contiguous(Datatype::vlen_utf8(), &[2])).unwrap();
    w.write_strings("/s", &[], &["a".into(), "b".into()]).unwrap();
    w.commit().unwrap();

    // Stage a bit of everything, then abandon it.
    w.resize("/g/d", &[4, 9]).unwrap();
    w.write::<i32>("/g/d", &[Selection::Range(0, 4), Selection::Range(5, 9)], &[7; 16]).unwrap();
    w.set_attr("/g/d", "x", AttrValue::string("staged")).unwrap();
    w.create_dataset("/new", spec()).unwrap();
    w.write_strings("/s", &[], &["changed".into(), "too".into()]).unwrap();
    w.delete("/g").unwrap_or(());
    w.rollback().unwrap();

    // The writer sees the committed state again.
    assert!(w.exists("/g/d"));
    assert!(!w.exists("/new"));
    assert_eq!(w.shape("/g/d").unwrap(), vec![4, 6]);
    assert!(w.attr_names("/g/d").unwrap().is_empty());

    // A later change commits alone.
    w.set_attr("/", "after", AttrValue::string("yes")).unwrap();
    w.commit().unwrap();
    let f = File::from_bytes(mem.to_vec()).unwrap();
    let d = f.dataset("/g/d").unwrap();
    assert_eq!(d.shape(), Some(vec![4, 6]));
    assert_eq!(d.read::<i32>().unwrap(), v);
    assert!(d.attribute("x").unwrap().is_none());
    assert!(!f.exists("/new"));
    assert_eq!(f.dataset("/s").unwrap().read_strings().unwrap(), vec!["a", "b"]);
    let a = f.root().unwrap().attribute("after").unwrap().unwrap();
    assert_eq!(a.read_strings().unwrap(), vec!["yes"]);

    // And the file keeps working for edits reopened from storage.
    let mut w = Writer::open_in(storage).unwrap();
    w.write::<i32>("/g/d", &[Selection::Range(0, 1), Selection::Range(0, 6)], &[1; 6]).unwrap();
    w.commit().unwrap();
    let f = File::from_bytes(mem.to_vec()).unwrap();
    assert_eq!(&f.dataset("/g/d").unwrap().read::<i32>().unwrap()[..6], &[1; 6]);
}
