//! Every command on malformed and wrong-kind inputs: exit code 1, exactly one line on stderr
//! starting with `error: ` and naming the file, never a panic, and no output file left behind.
//! Inputs: a text file, an empty file, truncated loom files, a valid HDF5 file that is not a
//! loom file, a missing path, and a sample of the public HDF5 CVE reproducers.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn bad_inputs(dir: &Path) -> Vec<(String, PathBuf, bool)> {
    // (label, path, is_hdf5_readable) — the last flag marks files the h5 commands may accept.
    let mut v = Vec::new();
    let text = dir.join("notes.loom");
    std::fs::write(&text, "gene\tcell\tcount\nA\tc1\t3\n").unwrap();
    v.push(("text file".to_string(), text, false));
    let empty = dir.join("empty.loom");
    std::fs::write(&empty, b"").unwrap();
    v.push(("empty file".to_string(), empty, false));
    let medium = std::fs::read(root().join("fixtures/loom/medium.loom")).unwrap();
    for (k, frac) in [(1, 0.05), (2, 0.5), (3, 0.9)] {
        let p = dir.join(format!("truncated{k}.loom"));
        std::fs::write(&p, &medium[..(medium.len() as f64 * frac) as usize]).unwrap();
        v.push((format!("medium.loom cut at {:.0} %", frac * 100.0), p, false));
    }
    v.push(("HDF5, not loom".to_string(), root().join("fixtures/hdf5/compound_earliest.h5"), true));
    v.push(("missing".to_string(), dir.join("no/such/file.loom"), false));
    let cve = corpus("hdf5-cve", &[]);
    assert!(cve.len() > 100, "CVE corpus missing");
    for p in cve.iter().step_by(12) {
        v.push((format!("CVE {}", p.file_name().unwrap().to_string_lossy()), p.clone(), true));
    }
    v
}

#[test]
fn every_command_gives_one_error_line_and_exit_1() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let mut checked = 0;
    for (label, input, h5_ok) in bad_inputs(d.path()) {
        let f = input.to_str().unwrap();
        let o = out.to_str().unwrap();
        let loom_cmds: Vec<Vec<&str>> = vec![
            vec!["info", f],
            vec!["info", f, "--json"],
            vec!["attrs", f, "--axis", "row"],
            vec!["attrs", f, "--axis", "col", "--json"],
            vec!["export", f, "--format", "npy", "-o", o],
            vec!["export", f, "--format", "mtx", "-o", o],
            vec!["stats", f],
            vec!["stats", f, "--axis", "col"],
            vec!["validate", f],
            vec!["validate", f, "--json"],
            vec!["subset", f, "-o", o, "--rows", "0:1"],
            vec!["combine", f, f, "-o", o],
            vec!["convert", f, o, "--from", "loom", "--to", "mtx"],
        ];
        let h5_cmds: Vec<Vec<&str>> = vec![
            vec!["h5", "ls", f, "-r"],
            vec!["h5", "dump", f, "--json"],
            vec!["h5", "repack", f, o],
        ];
        for args in loom_cmds.iter().chain(if h5_ok { [].iter() } else { h5_cmds.iter() }) {
            let (code, stdout, err) = run_loom(args);
            let what = format!("{label}: loom {}", args.join(" "));
            assert_eq!(code, 1, "{what}: exit {code}, stderr:\n{err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            if args[0] == "validate" && args.contains(&"--json") {
                // The machine-readable form: the verdict and the error on stdout, as one object.
                let j: serde_json::Value = serde_json::from_str(&stdout).expect("JSON verdict");
                assert_eq!(j["valid"], false, "{what}: {stdout}");
                assert!(j["errors"].as_array().is_some_and(|e| !e.is_empty()), "{what}: {stdout}");
                assert!(err.is_empty(), "{what}: {err}");
                checked += 1;
                continue;
            }
            let lines: Vec<&str> = err.lines().collect();
            assert_eq!(lines.len(), 1, "{what}: stderr is not one line:\n{err}");
            assert!(lines[0].starts_with("error: "), "{what}: {err}");
            let name = input.file_name().unwrap().to_string_lossy();
            assert!(
                lines[0].contains(name.as_ref()),
                "{what}: the line does not name the file: {err}"
            );
            assert!(!out.exists(), "{what}: output left behind");
            checked += 1;
        }
        // The h5 commands read whatever HDF5 they can: on the readable files they may
        // succeed, but a failure must still be one line and exit 1.
        if h5_ok {
            for args in &h5_cmds {
                let (code, _, err) = run_loom(args);
                let what = format!("{label}: loom {}", args.join(" "));
                assert!(code == 0 || code == 1, "{what}: exit {code}");
                assert!(!err.contains("panicked"), "{what}: {err}");
                if code == 1 {
                    assert_eq!(err.lines().count(), 1, "{what}: {err}");
                }
                let _ = std::fs::remove_file(&out);
            }
        }
    }
    eprintln!("{checked} command x input pairs refused with one line");
}
