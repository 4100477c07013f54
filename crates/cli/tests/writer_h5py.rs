//! The writer against libhdf5 through h5py (goal D2):
//!
//! 1. random files from the round-trip generators (crates/hdf5/tests/support), written with
//!    `Writer::create` to a temp dir (half of them then edited in place with random edit
//!    sessions through `Writer::open`), are dumped by h5py and by `loom h5 dump --json` and
//!    compared with h5canon's rules (`tests/interop/compare_dumps.py`; some objects have
//!    attributes past 64 KiB, hence dense storage under v2 headers); h5py also checks the
//!    creation properties libhdf5 sees (layout, chunks, maximum shape, filters, fill value);
//! 2. h5py reopens one of our files `r+`, resizes and appends to a chunked dataset with an
//!    unlimited axis, adds attributes, a group and datasets; our reader must see exactly
//!    what h5py wrote; our Writer then edits the h5py-modified file again and h5py must read
//!    the result.
//!
//! Needs the Python stack: LOOMFILE_PYTHON, else target/venv (`cargo xtask venv`); missing is a
//! failure. h5canon comes from LOOMFILE_SHARED or ../shared.

mod common;
#[path = "../../hdf5/tests/support/mod.rs"]
mod support;

use common::{h5canon, loom, python, root, run_python};
use loomfile_hdf5::{AttrValue, DatasetSpec, Datatype, File, Selection, Writer};
use proptest::collection::vec;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::model::{self, Lay, MGroup, MNode};

/// Run an inline Python script with arguments; its stdout, or a panic with its output.
fn python_script(dir: &Path, name: &str, code: &str, args: &[&str]) -> String {
    let script = dir.join(name);
    std::fs::write(&script, code).unwrap();
    let out = Command::new(python()).arg(&script).args(args).output().expect("run python");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{name} failed:\n{text}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn compare_with_h5py(files: &[PathBuf]) -> String {
    let mut args: Vec<PathBuf> = vec![loom(), h5canon()];
    args.extend(files.iter().cloned());
    let refs: Vec<&Path> = args.iter().map(|p| p.as_path()).collect();
    run_python(&root().join("tests/interop/compare_dumps.py"), &refs)
}

/// What libhdf5 must report for each dataset of a model, as JSON for the check script.
fn properties(g: &MGroup, at: &str, out: &mut Vec<serde_json::Value>) {
    for (name, n) in &g.children {
        let p = model::join(at, name);
        match n {
            MNode::Group(sub) => properties(sub, &p, out),
            MNode::Dataset(d) => {
                let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
                out.push(json!({
                    "path": p,
                    "layout": match d.layout { Lay::Contiguous => "contiguous", Lay::Compact => "compact", Lay::Chunked(_) => "chunked" },
                    "chunks": match &d.layout { Lay::Chunked(c) => json!(c), _ => json!(null) },
                    "maxshape": d.max,
                    "gzip": d.gzip,
                    "shuffle": d.shuffle,
                    "fletcher32": d.fletcher,
                    "fill": if d.ty.is_vlen() { json!(null) } else { json!(hex(&d.fill_elem())) },
                }));
            }
            MNode::Soft(_) | MNode::External(..) => {}
        }
    }
}

const CHECK_PROPERTIES: &str = r#"
import json, sys, h5py, numpy as np
bad = checked = 0
for case in json.load(open(sys.argv[1])):
    with h5py.File(case["file"], "r") as f:
        for want in case["datasets"]:
            d = f[want["path"]]
            checked += 1
            layout = {h5py.h5d.CONTIGUOUS: "contiguous", h5py.h5d.COMPACT: "compact",
                      h5py.h5d.CHUNKED: "chunked"}[d.id.get_create_plist().get_layout()]
            got = {
                "layout": layout,
                "chunks": list(d.chunks) if d.chunks else None,
                "maxshape": list(d.maxshape) if d.maxshape is not None else [],
                "gzip": d.compression_opts if d.compression == "gzip" else None,
                "shuffle": bool(d.shuffle),
                "fletcher32": bool(d.fletcher32),
            }
            if want["fill"] is not None:
                got["fill"] = np.array(d.fillvalue, dtype=d.dtype).tobytes().hex()
            diffs = [f"{k}: h5py {got[k]!r} != {want[k]!r}" for k in got if got[k] != want[k]]
            if diffs:
                bad += 1
                print("FAIL", case["file"], want["path"], "; ".join(diffs))
print(f"{checked} datasets checked, {bad} with differing properties")
sys.exit(1 if bad else 0)
"#;

/// Random trees from the round-trip generators, written with `Writer::create` (every other
/// one then edited in place by random edit sessions through `Writer::open`), read by h5py
/// exactly as our reader reads them (structure, types, shapes, attributes, values) and with
/// the creation properties the model asked for.
#[test]
fn random_files_read_identically_by_h5py() {
    let n = support::cases(40) as usize;
    let dir = tempfile::tempdir().unwrap();
    let mut runner = TestRunner::deterministic();
    let strategy = support::strategies::tree();
    let mut files = Vec::new();
    let mut manifest = Vec::new();
    let sessions = vec(vec(support::strategies::edit(), 1..10), 1..4);
    for i in 0..n {
        let mut tree = strategy.new_tree(&mut runner).unwrap().current();
        let path = dir.path().join(format!("case{i:03}.h5"));
        let mut w = Writer::create(&path).unwrap();
        model::write_tree(&mut w, &tree, (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).unwrap();
        w.finish().unwrap();
        let mut log = format!("{tree:#?}");
        // Every other file is then edited in place, in one to three sessions.
        if i % 2 == 1 {
            let edits = sessions.new_tree(&mut runner).unwrap().current();
            log += &format!("\nedits: {edits:#?}");
            for session in &edits {
                let mut w = Writer::open(&path).unwrap();
                for e in session {
                    support::strategies::apply(&mut w, &mut tree, e)
                        .unwrap_or_else(|m| panic!("{}: {e:?}: {m}", path.display()));
                }
                w.finish().unwrap();
            }
        }
        std::fs::write(dir.path().join(format!("case{i:03}.txt")), log).unwrap();
        // Our own reader first: a failure here is not an interop problem.
        model::check(&File::open(&path).unwrap(), &tree)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut props = Vec::new();
        properties(&tree, "/", &mut props);
        manifest.push(json!({"file": path, "datasets": props}));
        files.push(path);
    }
    // Plus the large structures (multi-level B-trees, many heap collections).
    let large = support::strategies::large_tree();
    let path = dir.path().join("large.h5");
    let mut w = Writer::create(&path).unwrap();
    model::write_tree(&mut w, &large, 0).unwrap();
    w.finish().unwrap();
    model::check(&File::open(&path).unwrap(), &large).unwrap();
    let mut props = Vec::new();
    properties(&large, "/", &mut props);
    manifest.push(json!({"file": path, "datasets": props}));
    files.push(path);
    let n = files.len();
    let datasets: usize = manifest.iter().map(|c| c["datasets"].as_array().unwrap().len()).sum();
    assert!(datasets >= n, "only {datasets} datasets in {n} files");
    // Some objects carry an attribute past 64 KiB: dense storage under a v2 header.
    let dense =
        files.iter().filter(|p| std::fs::read(p).unwrap().windows(4).any(|w| w == b"OHDR")).count();
    assert!(dense >= 2, "only {dense} of {n} files have dense attribute storage");
    let result = std::panic::catch_unwind(|| {
        let out = compare_with_h5py(&files);
        let summary = format!("{n}/{n} files identical");
        assert!(out.lines().any(|l| l == summary), "expected {summary:?}:\n{out}");
        eprintln!("{summary}");
        let m = dir.path().join("manifest.json");
        std::fs::write(&m, serde_json::to_vec(&manifest).unwrap()).unwrap();
        let out = python_script(
            dir.path(),
            "check_properties.py",
            CHECK_PROPERTIES,
            &[m.to_str().unwrap()],
        );
        let summary = format!("{datasets} datasets checked, 0 with differing properties");
        assert!(out.lines().any(|l| l == summary), "expected {summary:?}:\n{out}");
        eprintln!("{summary}");
    });
    if let Err(e) = result {
        // Keep the files and their models (caseNNN.txt) for diagnosis.
        eprintln!("h5py disagrees; files kept in {}", dir.keep().display());
        std::panic::resume_unwind(e);
    }
}

const APPEND_WITH_H5PY: &str = r#"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    d = f["grow"]
    assert d.shape == (4, 3) and d.maxshape == (None, 3), (d.shape, d.maxshape)
    assert d.chunks == (2, 3) and d.compression == "gzip" and d.shuffle, d.chunks
    assert np.array_equal(d[...], np.arange(12, dtype="f8").reshape(4, 3) * 0.5), d[...]
    assert [s.decode() if isinstance(s, bytes) else s for s in f["names"][...]] == ["a", "bb", "ccc"]
    d.resize((7, 3))
    d[4:7] = np.arange(9, dtype="f8").reshape(3, 3) + 100.25
    d.attrs["appended_by"] = "h5py"
    d.attrs["rows"] = np.int32(7)
    f.attrs["note"] = "r+ from h5py"
    f.attrs["vec"] = np.array([1.5, -2.0, 3.25])
    f["g"].attrs["a"] = np.int64(-1)
    g = f.create_group("from_h5py")
    g.attrs["flag"] = True
    g.create_dataset("ints", data=np.arange(10, dtype="<i2"), chunks=(4,), maxshape=(None,), compression="gzip")
    g.create_dataset("strs", data=np.array(["x", "yz", ""], dtype=object), dtype=h5py.string_dtype())
    f["names"][1] = "changed by h5py"
print("ok")
"#;

const VERIFY_WITH_H5PY: &str = r#"
import sys, h5py, numpy as np
def s(x): return x.decode() if isinstance(x, bytes) else x
with h5py.File(sys.argv[1], "r") as f:
    d = f["grow"]
    assert d.shape == (9, 3), d.shape
    want = np.concatenate([np.arange(12, dtype="f8").reshape(4, 3) * 0.5,
                           np.arange(9, dtype="f8").reshape(3, 3) + 100.25,
                           np.array([[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]])])
    assert np.array_equal(d[...], want), d[...]
    assert s(d.attrs["appended_by"]) == "loomfile", d.attrs["appended_by"]
    assert d.attrs["rows"] == 7
    assert s(f.attrs["note"]) == "r+ from h5py"
    assert np.array_equal(f.attrs["vec"], [1.5, -2.0, 3.25])
    assert f["g"].attrs["a"] == -1
    g = f["from_h5py"]
    assert g.attrs["flag"] == True and s(g.attrs["edited_by"]) == "loomfile"
    assert list(g["ints"][...]) == [0, 1, -2, -3, -4, -5, 6, 7, 8, 9, 10, 11], g["ints"][...]
    assert [s(x) for x in g["strs"][...]] == ["x", "yz", ""]
    assert [s(x) for x in f["names"][...]] == ["a", "changed by h5py", "ccc"]
    assert "fixed" not in f
    assert list(f["after/v"][...]) == [1, 2, 3]
    assert s(f["after"].attrs["title"]) == "written after h5py"
    # And libhdf5 can still append to what we rewrote.
with h5py.File(sys.argv[1], "r+") as f:
    f["grow"].resize((10, 3))
    f["grow"][9] = [7, 8, 9]
with h5py.File(sys.argv[1], "r") as f:
    assert list(f["grow"][9]) == [7, 8, 9]
print("ok")
"#;

/// Ours → h5py `r+` (resize, append, attributes, a group) → our reader → our Writer → h5py.
#[test]
fn h5py_appends_to_our_file_and_we_edit_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.h5");
    let p = path.to_str().unwrap();
    // 1. Our file.
    let mut w = Writer::create(&path).unwrap();
    let spec = DatasetSpec::chunked(Datatype::float(8), &[4, 3], &[2, 3])
        .max_shape(&[None, Some(3)])
        .shuffle()
        .gzip(3);
    w.create_dataset("/grow", spec).unwrap();
    let v0: Vec<f64> = (0..12).map(|i| i as f64 * 0.5).collect();
    w.write::<f64>("/grow", &[], &v0).unwrap();
    w.create_dataset("/fixed", DatasetSpec::contiguous(Datatype::int(4, true), &[5])).unwrap();
    w.write::<i32>("/fixed", &[], &[1, 2, 3, 4, 5]).unwrap();
    w.create_dataset("/names", DatasetSpec::chunked(Datatype::vlen_utf8(), &[3], &[2])).unwrap();
    w.write_strings("/names", &[], &["a".into(), "bb".into(), "ccc".into()]).unwrap();
    w.create_group("/g").unwrap();
    w.set_attr("/g", "a", AttrValue::scalar(1i64)).unwrap();
    w.finish().unwrap();

    // 2. h5py appends and adds.
    python_script(dir.path(), "append.py", APPEND_WITH_H5PY, &[p]);

    // 3. Our reader sees exactly what h5py wrote.
    {
        let f = File::open(&path).unwrap();
        let d = f.dataset("/grow").unwrap();
        assert_eq!(d.shape(), Some(vec![7, 3]));
        assert_eq!(d.max_shape(), vec![None, Some(3)]);
        let mut want = v0.clone();
        want.extend((0..9).map(|i| i as f64 + 100.25));
        assert_eq!(d.read::<f64>().unwrap(), want);
        let a = d.attribute("appended_by").unwrap().unwrap();
        assert_eq!(a.read_strings().unwrap(), vec!["h5py"]);
        assert_eq!(d.attribute("rows").unwrap().unwrap().read::<i32>().unwrap(), vec![7]);
        let root = f.root().unwrap();
        assert_eq!(
            root.attribute("note").unwrap().unwrap().read_strings().unwrap(),
            vec!["r+ from h5py"]
        );
        assert_eq!(
            root.attribute("vec").unwrap().unwrap().read::<f64>().unwrap(),
            vec![1.5, -2.0, 3.25]
        );
        assert_eq!(
            f.group("/g").unwrap().attribute("a").unwrap().unwrap().read::<i64>().unwrap(),
            vec![-1]
        );
        let g = f.group("/from_h5py").unwrap();
        assert_eq!(
            g.attribute("flag").unwrap().unwrap().value().unwrap(),
            loomfile_hdf5::Value::Bool(true)
        );
        let ints = f.dataset("/from_h5py/ints").unwrap();
        assert_eq!(ints.read::<i16>().unwrap(), (0..10).collect::<Vec<i16>>());
        assert_eq!(ints.chunk_shape(), Some(&[4u64][..]));
        assert_eq!(
            f.dataset("/from_h5py/strs").unwrap().read_strings().unwrap(),
            vec!["x", "yz", ""]
        );
        assert_eq!(
            f.dataset("/names").unwrap().read_strings().unwrap(),
            vec!["a", "changed by h5py", "ccc"]
        );
    }
    let out = compare_with_h5py(std::slice::from_ref(&path));
    assert!(out.contains("1/1 files identical"), "{out}");

    // 4. Our Writer edits the h5py-modified file.
    let mut w = Writer::open(&path).unwrap();
    w.resize("/grow", &[9, 3]).unwrap();
    w.write::<f64>(
        "/grow",
        &[Selection::Range(7, 9), Selection::All],
        &[-1.0, -2.0, -3.0, -4.0, -5.0, -6.0],
    )
    .unwrap();
    w.set_attr("/grow", "appended_by", AttrValue::string("loomfile")).unwrap();
    w.set_attr("/from_h5py", "edited_by", AttrValue::string("loomfile")).unwrap();
    w.resize("/from_h5py/ints", &[12]).unwrap();
    w.write::<i16>(
        "/from_h5py/ints",
        &[Selection::Range(2, 12)],
        &[-2, -3, -4, -5, 6, 7, 8, 9, 10, 11],
    )
    .unwrap();
    w.delete("/fixed").unwrap();
    w.create_group("/after").unwrap();
    w.set_attr("/after", "title", AttrValue::string("written after h5py")).unwrap();
    w.create_dataset("/after/v", DatasetSpec::contiguous(Datatype::int(8, false), &[3])).unwrap();
    w.write::<u64>("/after/v", &[], &[1, 2, 3]).unwrap();
    w.finish().unwrap();

    // 5. h5py reads (and appends again); both readers agree on the whole file.
    python_script(dir.path(), "verify.py", VERIFY_WITH_H5PY, &[p]);
    let out = compare_with_h5py(std::slice::from_ref(&path));
    assert!(out.contains("1/1 files identical"), "{out}");
}
