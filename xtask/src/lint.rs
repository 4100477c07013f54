//! `cargo xtask lint`: the lint gates of CI. Clippy with `-D warnings` over every target of
//! the workspace (the lint levels live in the root `[workspace.lints]` table), then the
//! library crates' feature matrix: no default features, and each feature alone, so a feature
//! that only compiles beside another is caught.

use crate::util;

/// Each library crate with the features to try one at a time (`""` is none at all).
const MATRIX: &[(&str, &[&str])] = &[
    ("loomfile-hdf5", &["", "fs", "mmap", "ndarray"]),
    ("loomfile-scan", &["", "parallel"]),
    ("loomfile", &["", "fs", "parallel", "json"]),
];

pub fn run() -> Result<(), String> {
    util::cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    for (krate, features) in MATRIX {
        for feature in *features {
            let mut args = vec!["clippy", "-q", "-p", krate, "--lib", "--no-default-features"];
            if !feature.is_empty() {
                args.extend(["--features", feature]);
            }
            args.extend(["--", "-D", "warnings"]);
            println!("lint: {krate} features [{feature}]");
            util::cargo(&args)?;
        }
    }
    Ok(())
}
