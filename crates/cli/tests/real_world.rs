//! The real-world corpus: files other tools wrote, read and converted as h5py, anndata and
//! scanpy read them (`tests/interop/real_world.py` does the comparing; see its docstring).
//!
//! The corpus is every HDF5 file of `fixtures/writers/` (written by anndata 0.6-0.10, loompy
//! 2, PyTables and the 10x / LoomExperiment layouts: `fixtures/gen_writers.py`), the other
//! fixture folders (anndata 0.12 h5ad, 10x v2/v3, loompy/SCope-style loom),
//! `fixtures/real-world/` (public test files of scanpy, anndata, squidpy, scvi-tools, scvelo,
//! cellxgene, kb_python, loompy, LoomExperiment, SCopeLoomR, zellkonverter, TENxIO and mudata,
//! listed in `fixtures/real-world.tsv`; it holds copies of the three files of
//! `../shared/corpus/loom-public/`), and the folder `LOOMFILE_REAL_WORLD` names, if set.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const EXTS: [&str; 5] = [".loom", ".h5ad", ".h5", ".h5mu", ".hdf5"];

/// Every corpus file under `dir`, recursively, sorted.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if EXTS.iter().any(|x| p.to_string_lossy().ends_with(x)) {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for d in [
        "fixtures/writers",
        "fixtures/h5ad",
        "fixtures/10x",
        "fixtures/loom",
        "fixtures/real-world",
    ] {
        walk(&root().join(d), &mut v);
    }
    if let Some(d) = std::env::var_os("LOOMFILE_REAL_WORLD") {
        walk(Path::new(&d), &mut v);
    }
    v
}

#[test]
fn real_world_files_read_and_convert_as_h5py_anndata_and_scanpy_say() {
    let files = corpus();
    assert!(files.len() >= 25, "corpus too small: {files:?}");
    let tmp = tempfile::tempdir().unwrap();
    let (bin, canon) = (loom(), h5canon());
    let mut args: Vec<&Path> = vec![&bin, tmp.path(), &canon];
    args.extend(files.iter().map(PathBuf::as_path));
    let out = run_python(&root().join("tests/interop/real_world.py"), &args);
    // The per-category counts close the output; CI logs show them.
    let tail: Vec<&str> = out.lines().rev().take(9).collect();
    eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

/// The manifest lists exactly the files of `fixtures/writers/` (a file without its record,
/// or a record without its file, is a defect).
#[test]
fn writers_manifest_and_folder_agree() {
    let dir = root().join("fixtures/writers");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut listed: Vec<String> =
        manifest.lines().skip(1).filter_map(|l| l.split('\t').next()).map(String::from).collect();
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "MANIFEST.tsv")
        .collect();
    present.sort();
    assert_eq!(listed, present);
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 6, "{line}");
        assert!(cols.iter().all(|c| !c.is_empty()), "empty field: {line}");
    }
}

/// `fixtures/real-world.tsv` lists exactly the files of `fixtures/real-world/` (besides its
/// `README.md` and `LICENSES/`), each with its recorded size, and every source repository's
/// licence sits in `LICENSES/<owner>_<name>.txt`. (SHA-256 is recorded but not recomputed
/// here: the workspace has no SHA-256 implementation.)
#[test]
fn real_world_manifest_and_folder_agree() {
    let root = root();
    let dir = root.join("fixtures/real-world");
    let manifest = std::fs::read_to_string(root.join("fixtures/real-world.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    assert_eq!(
        header,
        [
            "file",
            "source_repository",
            "commit",
            "path_in_repository",
            "writer",
            "writer_version",
            "license",
            "bytes",
            "sha256",
            "hdf5_features"
        ]
    );
    let mut listed = Vec::new();
    let mut problems = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), header.len(), "{line}");
        assert!(cols.iter().all(|c| !c.is_empty()), "empty field: {line}");
        let (file, repo, bytes, sha) = (cols[0], cols[1], cols[7], cols[8]);
        assert!(
            sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "bad sha256: {line}"
        );
        let want: u64 = bytes.parse().unwrap_or_else(|_| panic!("bad byte count: {line}"));
        match std::fs::metadata(dir.join(file)) {
            Ok(m) if m.len() == want => {}
            Ok(m) => problems.push(format!("{file}: {} bytes, manifest says {want}", m.len())),
            Err(e) => problems.push(format!("{file}: {e}")),
        }
        let licence = format!("LICENSES/{}.txt", repo.replace('/', "_"));
        if !dir.join(&licence).is_file() {
            problems.push(format!("{file}: no {licence} for {repo}"));
        }
        listed.push(file.to_string());
    }
    assert!(problems.is_empty(), "{problems:#?}");
    listed.sort();
    let n = listed.len();
    listed.dedup();
    assert_eq!(listed.len(), n, "a file is listed twice");

    fn all_files(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                all_files(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut present = Vec::new();
    all_files(&dir, &dir, &mut present);
    present.retain(|f| f != "README.md" && !f.starts_with("LICENSES/"));
    let unlisted: Vec<&String> = present.iter().filter(|f| !listed.contains(f)).collect();
    assert!(
        unlisted.is_empty(),
        "files in fixtures/real-world/ without a manifest row: {unlisted:?}"
    );
}
