//! The lock matrix against h5py/libhdf5: readers share, writers exclude, a conflict fails
//! (after our short grace period); `HDF5_USE_FILE_LOCKING=FALSE` turns locks off on both sides.

mod common;

use common::*;
use loomfile_hdf5::{File, Writer};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn holder(mode: &str, file: &Path, env_off: bool) -> Child {
    let mut c = Command::new(python());
    c.arg(root().join("tests/interop/lock_holder.py")).args(["hold", mode]).arg(file);
    c.stdin(Stdio::piped()).stdout(Stdio::piped());
    if env_off {
        c.env("HDF5_USE_FILE_LOCKING", "FALSE");
    }
    let mut child = c.spawn().expect("spawn python");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready", "holder did not open {mode}");
    child
}

fn release(mut child: Child) {
    drop(child.stdin.take());
    child.wait().unwrap();
}

fn h5py_try(mode: &str, file: &Path) -> bool {
    let out = Command::new(python())
        .arg(root().join("tests/interop/lock_holder.py"))
        .args(["try", mode])
        .arg(file)
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.starts_with("ok") || s.starts_with("locked"), "{s}");
    s.starts_with("ok")
}

fn ours_try(write: bool, file: &Path) -> bool {
    if write { Writer::open(file).is_ok() } else { File::open(file).is_ok() }
}

#[test]
fn lock_matrix_matches_libhdf5() {
    // The test process must see locks on (a CI environment could export the variable).
    assert!(
        std::env::var("HDF5_USE_FILE_LOCKING").is_err(),
        "unset HDF5_USE_FILE_LOCKING to run this test"
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("x.h5");
    std::fs::copy(root().join("fixtures/hdf5/ints_earliest.h5"), &file).unwrap();
    // libhdf5 2.0: read holders share, a read-write holder excludes everyone.
    let expected = [
        // (holder, our read ok, our write ok)
        ("r", true, false),
        ("r+", false, false),
    ];
    let mut checked = 0;
    for (mode, read_ok, write_ok) in expected {
        let h = holder(mode, &file, false);
        assert_eq!(ours_try(false, &file), read_ok, "our read while h5py holds {mode}");
        assert_eq!(ours_try(true, &file), write_ok, "our write while h5py holds {mode}");
        release(h);
        checked += 2;
    }
    // We hold; h5py tries.
    {
        let r = File::open(&file).unwrap();
        assert!(h5py_try("r", &file), "h5py r while we read");
        assert!(!h5py_try("r+", &file), "h5py r+ while we read");
        drop(r);
        let w = Writer::open(&file).unwrap();
        assert!(!h5py_try("r", &file), "h5py r while we write");
        assert!(!h5py_try("r+", &file), "h5py r+ while we write");
        drop(w);
        checked += 4;
    }
    // Released: everything opens again.
    assert!(h5py_try("r+", &file) && ours_try(true, &file));
    // Locks off on the holder side: libhdf5 takes no lock, so we can open for writing.
    let h = holder("r+", &file, true);
    assert!(ours_try(true, &file), "no lock taken by an HDF5_USE_FILE_LOCKING=FALSE holder");
    release(h);
    // Locks off on our side: the `loom` binary honours the variable too.
    let h = holder("r+", &file, false);
    let f = file.to_str().unwrap();
    let (code, _, err) = run_loom(&["h5", "ls", f]);
    assert_eq!(code, 1, "locked out while h5py writes");
    assert!(err.contains("lock"), "{err}");
    let out = Command::new(loom())
        .args(["h5", "ls", f])
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    release(h);
    eprintln!("lock matrix: {} cases match libhdf5", checked + 2);
    let _ = std::io::stdout().flush();
}
