//! The library as its users meet it: `cargo xtask doc` (rustdoc of the library crates with
//! every warning an error: broken links, missing docs; then the share of the public items of
//! `loomfile` and `loomfile-formats` whose documentation carries a runnable example, which must stay above a floor) and
//! `cargo xtask example` (the user-style crate in `examples/walkthrough`, outside the
//! workspace, built against the library by path and run).

use crate::util;
use std::process::{Command, Stdio};

/// The crates users depend on, documented with `-D warnings`.
const LIBRARY_CRATES: [&str; 4] =
    ["loomfile-hdf5", "loomfile-scan", "loomfile", "loomfile-formats"];

/// The crates whose public items must carry doc examples (`# Examples` doctests): the
/// library and its format conversions, the two crates users program against.
const EXAMPLES_CRATES: [&str; 2] = ["loomfile", "loomfile-formats"];

/// The lowest share of each crate's public items with a doc example that passes (for
/// `loomfile`). It was
/// 273 of 273 when the gate was added; the floor is the 5% step below: a few items added
/// without an example pass (up to 14 today), a module's worth does not.
const MIN_EXAMPLE_SHARE: f64 = 0.95;

/// `cargo doc --no-deps` of the library crates, warnings denied, then the doc example
/// coverage of `loomfile`.
pub fn doc() -> Result<(), String> {
    let mut args = vec!["doc", "--no-deps"];
    for c in LIBRARY_CRATES {
        args.extend(["-p", c]);
    }
    util::cargo_env(&args, &[("RUSTDOCFLAGS", "-D warnings")])?;
    EXAMPLES_CRATES.iter().try_for_each(|c| example_coverage(c))
}

/// A command run through the nightly toolchain, without the variables the outer (stable)
/// cargo set, which would otherwise pin the inner cargo and rustdoc to stable.
fn nightly(program: &str) -> Command {
    let mut c = Command::new("rustup");
    c.args(["run", "nightly", program]);
    for var in ["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN", "RUSTC_WRAPPER"] {
        c.env_remove(var);
    }
    c
}

/// rustdoc's coverage report of `krate` (nightly only: `--show-coverage`): how many of
/// its public items have an example, against the floor [`MIN_EXAMPLE_SHARE`]. Without a
/// nightly toolchain the check is skipped with a message (CI has one).
fn example_coverage(krate: &str) -> Result<(), String> {
    let probe =
        nightly("rustc").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !probe.is_ok_and(|s| s.success()) {
        println!(
            "doc examples: skipped: no nightly toolchain (`rustup run nightly rustc --version` failed)"
        );
        return Ok(());
    }
    let out = nightly("cargo")
        .args(["rustdoc", "--quiet", "-p", krate, "--lib", "--"])
        .args(["-Z", "unstable-options", "--show-coverage", "--output-format", "json"])
        .current_dir(util::root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run nightly cargo rustdoc: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo +nightly rustdoc --show-coverage failed ({})", out.status));
    }
    let json = String::from_utf8_lossy(&out.stdout);
    // One object per source file: {"total":N,"with_docs":N,"total_examples":N,"with_examples":N}.
    // `total_examples` counts the items rustdoc expects an example on (functions, methods,
    // types, traits; fields, variants, constants and modules only when they have one);
    // `total` also counts every field and variant, which never take an example.
    let with = sum_field(&json, "with_examples")?;
    let items = sum_field(&json, "total_examples")?;
    let share = if items == 0 { 0.0 } else { with as f64 / items as f64 };
    println!(
        "doc examples: {with} of {items} public items of {krate} ({:.1}%, floor {:.0}%)",
        share * 100.0,
        MIN_EXAMPLE_SHARE * 100.0
    );
    if share < MIN_EXAMPLE_SHARE {
        return Err(format!(
            "only {with} of {items} public items of {krate} have a doc example ({:.1}%, \
             below the floor of {:.0}%): add an `# Examples` doctest to the new items (list them with \
             `cargo +nightly rustdoc -p {krate} --lib -- -Z unstable-options --show-coverage`)",
            share * 100.0,
            MIN_EXAMPLE_SHARE * 100.0
        ));
    }
    Ok(())
}

/// The sum of every `"key": N` in `json` (rustdoc's coverage object has no nesting beyond
/// one object per file, so plain scanning suffices).
fn sum_field(json: &str, key: &str) -> Result<u64, String> {
    let pattern = format!("\"{key}\":");
    let mut sum = 0u64;
    let mut found = false;
    for (at, _) in json.match_indices(&pattern) {
        let rest = json[at + pattern.len()..].trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        sum += digits
            .parse::<u64>()
            .map_err(|_| format!("coverage report: bad number after {pattern}"))?;
        found = true;
    }
    if found { Ok(sum) } else { Err(format!("coverage report: no {key:?} in {json:.200}")) }
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
