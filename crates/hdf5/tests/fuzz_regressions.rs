//! Fuzz findings stay fixed: every committed input under `fuzz/regressions/<target>/` is
//! replayed through the same harness function its cargo-fuzz target runs (the harness
//! source `fuzz/src/lib.rs` is compiled into this test), on stable, in every CI run. A
//! harness panics on a finding; a watchdog fails the run if an input hangs (times are not
//! asserted: libFuzzer's own 1 s bound is enforced by `cargo xtask fuzz-smoke`).

#[allow(dead_code, unused_imports)]
#[path = "../../../fuzz/src/lib.rs"]
mod harness;

mod common;

use std::path::PathBuf;

fn regressions() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

#[test]
fn every_regression_input_passes_its_target() {
    let dog = common::Watchdog::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(regressions())
        .expect("fuzz/regressions exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut count = 0;
    for dir in dirs {
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        if harness::OTHER_TARGETS.contains(&target.as_str()) {
            continue;
        }
        assert!(
            harness::TARGETS.contains(&target.as_str()),
            "fuzz/regressions/{target} does not name a fuzz target"
        );
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            dog.kick(file.display().to_string());
            assert!(harness::run(&target, &bytes));
            count += 1;
        }
    }
    println!("replayed {count} regression inputs");
}

#[test]
fn every_target_accepts_empty_and_tiny_inputs() {
    for target in harness::TARGETS {
        for input in [&[][..], &[0], &[0xff; 16], b"\x89HDF\r\n\x1a\n"] {
            assert!(harness::run(target, input));
        }
    }
}
