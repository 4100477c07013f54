//! The library as its users meet it: `cargo xtask doc` (rustdoc of the library crates with
//! every warning an error: broken links, missing docs) and `cargo xtask example` (the
//! user-style crate in `examples/walkthrough`, outside the workspace, built against the
//! library by path and run).

use crate::util;

/// The crates users depend on, documented with `-D warnings`.
const LIBRARY_CRATES: [&str; 3] = ["loomfile-hdf5", "loomfile-scan", "loomfile"];

/// `cargo doc --no-deps` of the library crates, warnings denied.
pub fn doc() -> Result<(), String> {
    let mut args = vec!["doc", "--no-deps"];
    for c in LIBRARY_CRATES {
        args.extend(["-p", c]);
    }
    util::cargo_env(&args, &[("RUSTDOCFLAGS", "-D warnings")])
}

/// Build and run `examples/walkthrough` (its own Cargo.toml, not a workspace member) in the
/// workspace's target directory, so the library is not built a second time.
pub fn example() -> Result<(), String> {
    let root = util::root();
    let manifest = root.join("examples/walkthrough/Cargo.toml");
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| root.join("target").to_string_lossy().into_owned());
    let manifest = manifest.to_string_lossy();
    util::cargo_env(
        &["run", "--locked", "--manifest-path", &manifest],
        &[("CARGO_TARGET_DIR", &target)],
    )
}
