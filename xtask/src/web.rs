//! `cargo xtask web [--test]`: the browser viewer. Builds `crates/wasm` for
//! wasm32-unknown-unknown (std from source, as `portability` does, through
//! `ci/xbuild/xbuild-wasm.sh`), runs wasm-bindgen (the CLI of the same version as the
//! `wasm-bindgen` crate in Cargo.lock, installed once into `target/tools`) and binaryen's
//! `wasm-opt -Oz` (npm's binaryen, pinned, installed once into `target/tools`), and copies `web/`
//! with the generated package into `target/web/`, ready to serve as static files.
//! `--test` then runs `tests/web/browser.py` in headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed with apt-get if missing; selenium from `tests/web/requirements.txt`
//! in `target/webvenv`): every fixture loom file opened by the page must show what
//! `loom info --json` prints, and a generated 1 GB file (`crates/loom/examples/big_loom.rs`,
//! kept in `target/web-data/` while its generator is unchanged) must open reading under 5 MB;
//! screenshots go to `target/web-shots/`.

use crate::{util, venv};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const TRIPLE: &str = "wasm32-unknown-unknown";

/// Entry point.
pub fn run(args: &[String]) -> Result<(), String> {
    let test = args.iter().any(|a| a == "--test");
    if let Some(a) = args.iter().find(|a| *a != "--test") {
        return Err(format!("web: unknown argument {a:?} (usage: cargo xtask web [--test])"));
    }
    let started = Instant::now();
    util::step("web: build target/web", build)?;
    if test {
        util::step("web: browser tests", browser_tests)?;
    }
    println!("xtask web: done in {:.1?}", started.elapsed());
    Ok(())
}

fn target_dir() -> PathBuf {
    let root = util::root();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => root.join(d),
        None => root.join("target"),
    }
}

fn build() -> Result<(), String> {
    let root = util::root();
    let target = target_dir();
    let xdir = target.join("xbuild");
    let cache = match std::env::var_os("XBUILD_CACHE") {
        Some(d) => root.join(d),
        None => target.join("xbuild-cache"),
    };
    let (xdir_s, cache_s) = (xdir.to_string_lossy(), cache.to_string_lossy());
    util::timed("wasm build (std from source)", || {
        util::run(
            "bash",
            &[
                "ci/xbuild/xbuild-wasm.sh",
                ".",
                TRIPLE,
                "build",
                "-p",
                "loomfile-wasm",
                "--profile",
                "wasm",
            ],
            &root,
            &[
                ("XBUILD_TARGET_DIR", &xdir_s),
                ("XBUILD_CACHE", &cache_s),
                ("DEBIAN_FRONTEND", "noninteractive"),
            ],
        )
    })?;
    let wasm = xdir.join(TRIPLE).join("wasm/loomfile_wasm.wasm");
    let bindgen = util::timed("wasm-bindgen-cli", || wasm_bindgen_cli(&target))?;
    let out = target.join("web");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let pkg = out.join("pkg");
    util::timed("wasm-bindgen", || {
        util::run(
            &bindgen.to_string_lossy(),
            &[
                "--target",
                "web",
                "--no-typescript",
                // The profile keeps the symbol names only so that wasm-bindgen sees the
                // `target_features` section (`strip = true` drops both): drop them here.
                "--remove-name-section",
                "--remove-producers-section",
                "--out-dir",
                &pkg.to_string_lossy(),
                &wasm.to_string_lossy(),
            ],
            &root,
            &[],
        )
    })?;
    copy_dir(&root.join("web"), &out)?;
    let bg = pkg.join("loomfile_wasm_bg.wasm");
    util::timed("wasm-opt -Oz", || wasm_opt(&bg))?;
    let raw = std::fs::metadata(&bg).map_err(|e| format!("{}: {e}", bg.display()))?.len();
    let gz = gzip_size(&bg)?;
    println!(
        "web: {} ready ({}: {:.2} MB, {:.2} MB gzipped)",
        out.display(),
        bg.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        raw as f64 / 1e6,
        gz as f64 / 1e6
    );
    if gz > MAX_WASM_GZIP {
        return Err(format!(
            "web: the wasm module is {:.2} MB gzipped, over the page's budget of {:.1} MB",
            gz as f64 / 1e6,
            MAX_WASM_GZIP as f64 / 1e6
        ));
    }
    println!("web: serve it with `python3 -m http.server -d {} 8000`", out.display());
    Ok(())
}

/// binaryen's npm package, pinned: Debian's `binaryen` (108) is too old for the module
/// wasm-bindgen writes (its output fails in Chromium: "WebAssembly.Table.set(): Argument 1
/// is invalid for table").
const BINARYEN: &str = "binaryen@132.0.0";

/// Shrink the module in place with `wasm-opt -Oz` from [`BINARYEN`], installed with npm into
/// `target/tools/binaryen` once (Debian's `npm` installed with apt-get if missing). The
/// features are the ones rustc's wasm32 target turns on.
fn wasm_opt(wasm: &Path) -> Result<(), String> {
    let root = util::root();
    let prefix = target_dir().join("tools/binaryen");
    let exe = prefix.join("node_modules/.bin/wasm-opt");
    let stamp = prefix.join("installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(BINARYEN) {
        if Command::new("npm").arg("--version").output().is_err() {
            util::timed("apt-get install npm", || {
                let env = [("DEBIAN_FRONTEND", "noninteractive")];
                let args = ["install", "-y", "-qq", "--no-install-recommends", "nodejs", "npm"];
                util::run("apt-get", &args, &root, &env).or_else(|_| {
                    util::run("apt-get", &["update", "-qq"], &root, &env)?;
                    util::run("apt-get", &args, &root, &env)
                })
            })?;
        }
        std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
        let p = prefix.to_string_lossy();
        let args = ["install", "--prefix", &p, "--no-audit", "--no-fund", "--silent", BINARYEN];
        util::timed("npm install binaryen", || util::run("npm", &args, &root, &[]))?;
        std::fs::write(&stamp, BINARYEN).map_err(|e| format!("{}: {e}", stamp.display()))?;
    }
    let before = std::fs::metadata(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?.len();
    let tmp = wasm.with_extension("opt.wasm");
    util::run(
        &exe.to_string_lossy(),
        &[
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-multivalue",
            "--enable-reference-types",
            &wasm.to_string_lossy(),
            "-o",
            &tmp.to_string_lossy(),
        ],
        &root,
        &[],
    )?;
    std::fs::rename(&tmp, wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let after = std::fs::metadata(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?.len();
    println!("web: wasm-opt -Oz: {:.2} MB -> {:.2} MB", before as f64 / 1e6, after as f64 / 1e6);
    Ok(())
}

/// The page's download budget for the wasm module, gzipped (issue 19: 1.5 MB).
const MAX_WASM_GZIP: u64 = 1_500_000;

/// The version of the `wasm-bindgen` crate in Cargo.lock.
fn locked_bindgen_version() -> Result<String, String> {
    let lock = util::root().join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).map_err(|e| format!("{}: {e}", lock.display()))?;
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    Err("no wasm-bindgen in Cargo.lock".into())
}

/// `target/tools/bin/wasm-bindgen` of the locked version, installed with cargo if missing.
fn wasm_bindgen_cli(target: &Path) -> Result<PathBuf, String> {
    let version = locked_bindgen_version()?;
    let tools = target.join("tools");
    let exe = tools.join("bin/wasm-bindgen");
    let have = Command::new(&exe)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref().is_some_and(|v| v.ends_with(&version)) {
        return Ok(exe);
    }
    println!("web: cargo install wasm-bindgen-cli {version} into {} (once)", tools.display());
    let root_s = tools.to_string_lossy();
    // Only the `wasm-bindgen` binary, without the test runner's TLS stack (default features),
    // and unoptimised: 80 s to build instead of 190 s, and it still processes the module in
    // about a second, into the same bytes.
    let base = [
        "install",
        "--version",
        &version,
        "wasm-bindgen-cli",
        "--root",
        &root_s,
        "--bin",
        "wasm-bindgen",
        "--no-default-features",
    ];
    let env = [
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
    ];
    let mut locked = base.to_vec();
    locked.push("--locked");
    // `--locked` can fail when a pinned dependency has left the registry: retry without.
    util::cargo_env(&locked, &env).or_else(|_| util::cargo_env(&base, &env))?;
    Ok(exe)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let err = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    for entry in std::fs::read_dir(from).map_err(|e| err(from, e))? {
        let entry = entry.map_err(|e| err(from, e))?;
        let dst = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&dst).map_err(|e| err(&dst, e))?;
            copy_dir(&entry.path(), &dst)?;
        } else {
            std::fs::copy(entry.path(), &dst).map_err(|e| err(&dst, e))?;
        }
    }
    Ok(())
}

fn gzip_size(path: &Path) -> Result<u64, String> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    Ok(out.stdout.len() as u64)
}

fn browser_tests() -> Result<(), String> {
    let root = util::root();
    let target = target_dir();
    if !Path::new("/usr/bin/chromedriver").exists() || !Path::new("/usr/bin/chromium").exists() {
        util::timed("apt-get install chromium chromium-driver", || {
            let env = [("DEBIAN_FRONTEND", "noninteractive")];
            let args =
                ["install", "-y", "-qq", "--no-install-recommends", "chromium", "chromium-driver"];
            util::run("apt-get", &args, &root, &env).or_else(|_| {
                util::run("apt-get", &["update", "-qq"], &root, &env)?;
                util::run("apt-get", &args, &root, &env)
            })
        })?;
    }
    let py = util::timed("selenium venv", venv::ensure_web)?;
    // The release build of CI's `build release cli` step (the same command, so nothing is
    // rebuilt there). A debug build of this package alone resolves other features than the
    // workspace's debug build and took 95 s in CI.
    util::timed("loom (release build, the reference)", || {
        util::cargo(&["build", "--release", "-p", "loomfile-cli"])
    })?;
    let loom = target.join("release/loom");
    let shots = target.join("web-shots");
    let big =
        util::timed("1 GB loompy-layout file (big_loom example)", || big_file(&root, &target))?;
    util::run(
        &py.to_string_lossy(),
        &[
            "tests/web/browser.py",
            "--web",
            &target.join("web").to_string_lossy(),
            "--loom",
            &loom.to_string_lossy(),
            "--shots",
            &shots.to_string_lossy(),
            "--big",
            &big.to_string_lossy(),
        ],
        &root,
        &[],
    )
}

/// The large file of the browser test, written by the `big_loom` example unless a file from
/// the same generator source is there already.
fn big_file(root: &Path, target: &Path) -> Result<PathBuf, String> {
    use std::hash::{Hash, Hasher};
    let source = std::fs::read(root.join("crates/loom/examples/big_loom.rs"))
        .map_err(|e| format!("big_loom.rs: {e}"))?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut h);
    let dir = target.join("web-data");
    let path = dir.join(format!("big-{:016x}.loom", h.finish()));
    if path.exists() {
        return Ok(path);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let part = dir.join("big.loom.part");
    util::cargo(&[
        "run",
        "--release",
        "-q",
        "-p",
        "loomfile",
        "--example",
        "big_loom",
        "--",
        &part.to_string_lossy(),
        "1000",
    ])?;
    std::fs::rename(&part, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}
