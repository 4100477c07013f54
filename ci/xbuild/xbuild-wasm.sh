#!/usr/bin/env bash
# [loomfile ci/xbuild copy of shared/tools/xbuild-wasm.sh; changed: the private apt lists' 24 h stamp
#  is only set once the lists exist, so an offline run no longer blocks the next online run's
#  apt-get update for a day (it made every later run fail to find rust-src).]
# xbuild-wasm.sh — build / test / run a Rust crate for wasm32-wasip1 or wasm32-unknown-unknown
# on a machine where rustup cannot download target std libraries (only the host std installed).
#
# How: the std for the wasm target is compiled from source with cargo's -Zbuild-std, using the
# library sources of Debian's `rust-src` package of the SAME version as the active rustc
# (fetched with apt-get from the Debian suites, e.g. trixie-backports has 1.95.0), enabled on a
# stable toolchain with RUSTC_BOOTSTRAP=1. wasm32-wasip1 additionally needs wasi-libc
# (crt1-command.o, libc.a) from Debian's `wasi-libc` package (a recent one: the std needs its
# pthread stubs). Programs/tests run under node's built-in WASI (default) or the wasmtime
# runtime from the PyPI wheel `wasmtime`. wasm32-unknown-unknown tests that use
# wasm-bindgen-test run with wasm-bindgen-test-runner (cargo install wasm-bindgen-cli, same
# version as the wasm-bindgen crate in Cargo.lock).
#
# Usage: xbuild-wasm.sh CRATE_DIR TARGET [check|build|test|run] [cargo args...] [-- program/harness args...]
#   TARGET: wasm32-wasip1 | wasm32-unknown-unknown
#   default mode: test
# Env:
#   XBUILD_CACHE        cache dir (default ~/.cache/xbuild): rust-src, wasi-libc, tools
#   XBUILD_TOOLCHAIN    rustup toolchain to use (default: the directory's default, e.g. stable)
#   XBUILD_TARGET_DIR   cargo target dir (default CRATE_DIR/target/xbuild)
#   XBUILD_WASI_RUNNER  node (default) | wasmtime   (wasmtime = PyPI wheel, installed in a venv)
#   XBUILD_WASI_DIRS    extra ':'-separated host dirs visible to the wasm at their own absolute
#                       paths (the workspace root, the temp dir and the cwd always are)
# wasip1 test notes: tests run in-process with panic=abort, so the first failing test ends the
# test binary (message shown with `-- --nocapture`); #[should_panic] tests are reported ignored;
# std::env::temp_dir() panics on wasm (pass a dir to tempfile: Builder::new().tempdir_in(..));
# no process spawning (gate CLI-spawning tests with #[cfg(not(target_family = "wasm"))]).
# Needs: apt-get (Debian), dpkg-deb, node >= 20 (or python3 for the wasmtime runner),
#        network access to the Debian archive, the Rust crate registry (std's deps) and PyPI (if wasmtime).
set -euo pipefail

die() { echo "xbuild-wasm: error: $*" >&2; exit 2; }
log() { echo "xbuild-wasm: $*" >&2; }

[ $# -ge 2 ] || { sed -n '2,33p' "$0"; exit 2; }
CRATE=$(cd "$1" && pwd) || die "no crate dir $1"; TARGET=$2; shift 2
MODE=test
case "${1:-}" in check|build|test|run) MODE=$1; shift;; esac
CARGO_ARGS=(); HARNESS_ARGS=(); seen_dd=0
for a in "$@"; do
  if [ $seen_dd = 0 ] && [ "$a" = "--" ]; then seen_dd=1; continue; fi
  if [ $seen_dd = 0 ]; then CARGO_ARGS+=("$a"); else HARNESS_ARGS+=("$a"); fi
done
case "$TARGET" in wasm32-wasip1|wasm32-unknown-unknown) ;; *) die "unsupported target $TARGET";; esac

CACHE=${XBUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xbuild}
mkdir -p "$CACHE"
TC=(); [ -n "${XBUILD_TOOLCHAIN:-}" ] && TC=("+$XBUILD_TOOLCHAIN")

# ---------- private apt configuration (does not touch the system's sources) ----------
APT_OPTS=()
xb_apt_setup() {
  [ ${#APT_OPTS[@]} -gt 0 ] && return 0
  local d="$CACHE/apt" uris main sec s
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  # Reuse the Debian mirror URIs configured on this machine (deb822 .sources or one-line .list).
  uris=$( { grep -hE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -E 's/^[[:space:]]*URIs:[[:space:]]*//' | tr ' ' '\n'
            grep -hE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -E 's/\[[^]]*\]//' | awk '{print $2}'; } \
          | grep -E '/debian(-security)?/?$' | sort -u || true)
  main=$(printf '%s\n' "$uris" | grep -v -- '-security' | head -1 || true)
  sec=$(printf '%s\n' "$uris" | grep -- '-security' | head -1 || true)
  [ -n "$main" ] || die "no Debian mirror found in /etc/apt/sources*"
  local kr=/usr/share/keyrings/debian-archive-keyring.gpg
  {
    for s in bookworm bookworm-updates bookworm-backports trixie trixie-updates trixie-backports forky sid experimental; do
      echo "deb [signed-by=$kr] $main $s main"
    done
    if [ -n "$sec" ]; then for s in bookworm-security trixie-security; do echo "deb [signed-by=$kr] $sec $s main"; done; fi
  } > "$d/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/none" -o "Dir::State::Lists=$d/lists"
            -o "Dir::Cache=$d/cache" -o APT::Sandbox::User=root -o Acquire::Languages=none)
  if [ ! -e "$d/stamp" ] || [ -n "$(find "$d/stamp" -mmin +1440 2>/dev/null)" ]; then
    log "apt-get update (private lists in $d; some suites may not exist, that is fine)"
    apt-get "${APT_OPTS[@]}" -qq update >"$d/update.log" 2>&1 || true
    if compgen -G "$d/lists/*_Packages*" >/dev/null; then touch "$d/stamp"; fi
  fi
}
# print "version" of the best candidate of package $1 whose version starts with $2 (regex), highest first
xb_apt_versions() { apt-cache "${APT_OPTS[@]}" madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -E "^$2" | sort -V -r | uniq; }
xb_apt_fetch_extract() { # pkg version destdir [tar wildcard]
  local tmp; tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
  (cd "$tmp" && apt-get "${APT_OPTS[@]}" -qq download "$1=$2" >/dev/null) || { rm -rf "$tmp"; return 1; }
  mkdir -p "$3"
  if [ -n "${4:-}" ]; then dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$3" --wildcards "$4"
  else dpkg-deb -x "$tmp"/*.deb "$3"; fi
  rm -rf "$tmp"
}

# ---------- std sources matching the active rustc ----------
xb_rust_src() { # prints the path of the `library` dir
  local rel ver mm dest pkg v=""
  rel=$(rustc "${TC[@]}" -vV | sed -n 's/^release: //p'); ver=${rel%%-*}; mm=${ver%.*}
  dest="$CACHE/rust-src/$rel"
  if [ -f "$dest/library/Cargo.lock" ]; then echo "$dest/library"; return; fi
  xb_apt_setup
  for pkg in rust-src rust-web-src; do
    v=$(xb_apt_versions $pkg "${ver//./\\.}\\+" | head -1); [ -n "$v" ] && break
  done
  if [ -z "$v" ]; then
    for pkg in rust-src rust-web-src; do
      if [ "$rel" != "$ver" ]; then v=$(xb_apt_versions $pkg "${mm//./\\.}\\." | tail -1)   # nightly/beta: lowest X.Y.z
      else v=$(xb_apt_versions $pkg "${mm//./\\.}\\." | head -1); fi                        # stable: highest X.Y.z
      [ -n "$v" ] && break
    done
    [ -n "$v" ] || die "no Debian rust-src/rust-web-src for rustc $rel (need $ver or at least $mm.x)"
    log "WARNING: no Debian source for exactly $rel; trying $pkg $v (may fail to compile)"
  fi
  log "fetching $pkg=$v (std sources for rustc $rel)"
  local tmp="$dest.tmp"; rm -rf "$tmp"
  xb_apt_fetch_extract "$pkg" "$v" "$tmp" './usr/src/rustc-*/library/*' || die "download of $pkg=$v failed"
  mkdir -p "$dest"; rm -rf "$dest/library"; mv "$tmp"/usr/src/rustc-*/library "$dest/library"; rm -rf "$tmp"
  echo "$pkg=$v" > "$dest/SOURCE"
  echo "$dest/library"
}

# ---------- wasi-libc (wasm32-wasip1 only) ----------
xb_wasi_libc() { # prints the dir with crt1-command.o and libc.a
  local dest="$CACHE/wasi-libc" v d
  if [ -f "$dest/lib/libc.a" ]; then echo "$dest/lib"; return; fi
  xb_apt_setup
  v=$(xb_apt_versions wasi-libc '' | head -1); [ -n "$v" ] || die "no wasi-libc package found"
  log "fetching wasi-libc=$v"
  rm -rf "$dest.tmp"; xb_apt_fetch_extract wasi-libc "$v" "$dest.tmp" || die "wasi-libc download failed"
  for d in wasm32-wasip1 wasm32-wasi; do [ -f "$dest.tmp/usr/lib/$d/libc.a" ] && break; done
  [ -f "$dest.tmp/usr/lib/$d/libc.a" ] || die "wasi-libc package has no libc.a"
  grep -q pthread_create "$dest.tmp/usr/lib/$d/libc.a" || log "WARNING: wasi-libc $v has no pthread stubs; std will import env.pthread_* and fail to instantiate"
  d=$(readlink -f "$dest.tmp/usr/lib/$d")   # wasm32-wasip1 may be a symlink to wasm32-wasi
  rm -rf "$dest"; mkdir -p "$dest"; mv "$d" "$dest/lib"; rm -rf "$dest.tmp"
  echo "$v" > "$dest/VERSION"
  echo "$dest/lib"
}

# ---------- runners ----------
xb_node_wasi_runner() {
  local f="$CACHE/bin/wasi-run.mjs"; mkdir -p "$CACHE/bin"
  cat > "$f" <<'EOF'
// Run a wasm32-wasip1 command module under node's built-in WASI (node >= 20).
// Usage: node wasi-run.mjs prog.wasm [args...]
// wasi-libc's cwd is always "/", so relative paths resolve under the "/" preopen, which is mapped
// to the host cwd (cargo runs tests in the package dir). Absolute paths work for the host cwd,
// the OS temp dir and every dir in XBUILD_WASI_DIRS (':'-separated; xbuild-wasm.sh adds the
// workspace root), each preopened at its own path (longest prefix wins), so
// env!("CARGO_MANIFEST_DIR")-based fixture paths work too ('..' must stay inside a preopen).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { tmpdir } from 'node:os';
import process from 'node:process';
const [wasmPath, ...args] = process.argv.slice(2);
const cwd = process.cwd();
const preopens = { '/': cwd, '.': cwd, [tmpdir()]: tmpdir() };
const dirs = (process.env.XBUILD_WASI_DIRS || '').split(':').filter(d => d.startsWith('/'));
for (const d of dirs) preopens[d] = d;
// cwd at its own path only if no listed dir contains it ('..' may not climb above a preopen)
if (!dirs.some(d => cwd === d || cwd.startsWith(d.replace(/\/$/, '') + '/'))) preopens[cwd] = cwd;
const wasi = new WASI({ version: 'preview1', args: [wasmPath, ...args], env: process.env, preopens, returnOnExit: true });
const mod = await WebAssembly.compile(await readFile(wasmPath));
const missing = WebAssembly.Module.imports(mod).filter(i => i.module !== 'wasi_snapshot_preview1');
if (missing.length) { console.error('wasi-run: unsupported imports:', missing); process.exit(70); }
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
try { process.exitCode = wasi.start(inst); }
catch (e) { console.error(`wasi-run: wasm trapped: ${e.message}`); process.exitCode = 134; }
EOF
  echo "node --no-warnings $f"
}
xb_wasmtime_runner() {
  local venv="$CACHE/venv" f="$CACHE/bin/wasmtime-run.py"; mkdir -p "$CACHE/bin"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import wasmtime' 2>/dev/null; then
    log "pip install wasmtime (PyPI wheel carries the runtime)"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q wasmtime >&2
  fi
  cat > "$f" <<'EOF'
"""Run a wasm32-wasip1 command module with the wasmtime runtime from the PyPI wheel.
Usage: python wasmtime-run.py prog.wasm [args...]
Preopens as in wasi-run.mjs: "/" and "." = host cwd; cwd, the temp dir and XBUILD_WASI_DIRS at their own paths."""
import os, sys, tempfile
from wasmtime import Engine, Store, Module, Linker, WasiConfig, ExitTrap, Trap
wasm, args = sys.argv[1], sys.argv[2:]
engine = Engine(); store = Store(engine); cfg = WasiConfig()
cfg.argv = [wasm] + args
cfg.inherit_stdout(); cfg.inherit_stderr(); cfg.inherit_stdin()
cfg.env = list(os.environ.items())
cwd = os.getcwd()
pre = {"/": cwd, ".": cwd, tempfile.gettempdir(): tempfile.gettempdir()}
dirs = [d for d in os.environ.get("XBUILD_WASI_DIRS", "").split(":") if d.startswith("/")]
for d in dirs: pre[d] = d
if not any(cwd == d or cwd.startswith(d.rstrip("/") + "/") for d in dirs): pre[cwd] = cwd
for guest, host in pre.items(): cfg.preopen_dir(host, guest)
store.set_wasi(cfg)
linker = Linker(engine); linker.define_wasi()
inst = linker.instantiate(store, Module.from_file(engine, wasm))
try:
    inst.exports(store)["_start"](store); code = 0
except ExitTrap as e:
    code = e.code
except Trap as e:
    print(f"wasmtime-run: wasm trapped: {e}", file=sys.stderr); code = 134
sys.exit(code)
EOF
  echo "$venv/bin/python $f"
}
xb_unknown_runner() { # plain libtest binaries on wasm32-unknown-unknown: pass/fail only (stdout is discarded there)
  local f="$CACHE/bin/wasm-unknown-run.mjs"; mkdir -p "$CACHE/bin"
  cat > "$f" <<'EOF'
// Run a wasm32-unknown-unknown test/bin module that has no imports by calling main(0,0).
// libtest's output goes nowhere on this target: only pass (exit 0) / fail (trap -> exit 1) is visible.
import { readFile } from 'node:fs/promises';
const p = process.argv[2];
const mod = await WebAssembly.compile(await readFile(p));
const imps = WebAssembly.Module.imports(mod);
if (imps.length) { console.error(`wasm-unknown-run: ${p} has imports (wasm-bindgen?); use wasm-bindgen-test-runner`, imps.slice(0, 5)); process.exit(70); }
const inst = await WebAssembly.instantiate(mod, {});
try { const r = inst.exports.main(0, 0); console.log(`wasm-unknown-run: ${p.split('/').pop()} returned ${r} (no per-test output on wasm32-unknown-unknown)`); process.exitCode = r; }
catch (e) { console.error(`wasm-unknown-run: ${p.split('/').pop()} FAILED: trap: ${e.message}`); process.exitCode = 1; }
EOF
  echo "node --no-warnings $f"
}

# ---------- main ----------
command -v dpkg-deb >/dev/null || die "needs dpkg-deb (Debian)"
SRC=$(xb_rust_src)
log "std sources: $SRC ($(cat "$(dirname "$SRC")/SOURCE"))"
export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$SRC"
TDIR=${XBUILD_TARGET_DIR:-$CRATE/target/xbuild}
TU=$(echo "$TARGET" | tr 'a-z-' 'A-Z_')
add_rustflags() { # append to whichever rustflags variable cargo will actually use
  if [ -n "${CARGO_ENCODED_RUSTFLAGS:-}" ]; then export CARGO_ENCODED_RUSTFLAGS="$CARGO_ENCODED_RUSTFLAGS$(printf '\037')${1// /$(printf '\037')}"
  elif [ -n "${RUSTFLAGS:-}" ]; then export RUSTFLAGS="$RUSTFLAGS $1"
  else local v="CARGO_TARGET_${TU}_RUSTFLAGS"; export "$v=${!v:-} $1"; fi
}
BUILD_STD=(-Zbuild-std=std,panic_abort)
case "$TARGET" in
  wasm32-wasip1)
    WASI_LIB=$(xb_wasi_libc)
    add_rustflags "-L native=$WASI_LIB"
    case "${XBUILD_WASI_RUNNER:-node}" in
      node) command -v node >/dev/null || die "node not found (apt-get install nodejs, need >= 20)"; RUNNER=$(xb_node_wasi_runner);;
      wasmtime) RUNNER=$(xb_wasmtime_runner);;
      *) die "XBUILD_WASI_RUNNER must be node or wasmtime";;
    esac
    export CARGO_TARGET_WASM32_WASIP1_RUNNER="$RUNNER"
    WS_ROOT=$(dirname "$(cd "$CRATE" && cargo "${TC[@]}" locate-project --workspace --message-format plain)")
    export XBUILD_WASI_DIRS="${XBUILD_WASI_DIRS:+$XBUILD_WASI_DIRS:}$WS_ROOT"
    ;;
  wasm32-unknown-unknown)
    LOCK="$(dirname "$(cd "$CRATE" && cargo "${TC[@]}" locate-project --workspace --message-format plain)")/Cargo.lock"
    [ -f "$LOCK" ] || (cd "$CRATE" && cargo "${TC[@]}" generate-lockfile -q)
    if [ "$MODE" = test ] && grep -q '^name = "wasm-bindgen-test"' "$LOCK"; then
      WBV=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$LOCK")
      WBR="$CACHE/wasm-bindgen-cli-$WBV"
      if [ ! -x "$WBR/bin/wasm-bindgen-test-runner" ]; then
        log "cargo install wasm-bindgen-cli@$WBV (one-off, several minutes)"
        cargo "${TC[@]}" install --locked --root "$WBR" "wasm-bindgen-cli@$WBV" >&2 || \
          cargo "${TC[@]}" install --root "$WBR" "wasm-bindgen-cli@$WBV" >&2
      fi
      export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$WBR/bin/wasm-bindgen-test-runner"
      UNKNOWN_BINDGEN=1
    else
      export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$(xb_unknown_runner)"
      UNKNOWN_BINDGEN=0
    fi
    ;;
esac

cd "$CRATE"
set -x
case "$MODE" in
  check) cargo "${TC[@]}" check "${BUILD_STD[@]}" --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" ;;
  build) cargo "${TC[@]}" build "${BUILD_STD[@]}" --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" ;;
  test)
    if [ "$TARGET" = wasm32-wasip1 ]; then
      # wasm cannot unwind nor spawn processes: build tests with panic=abort and run them in-process
      # (a failing test aborts the test binary: its message is printed with --nocapture).
      cargo "${TC[@]}" test "${BUILD_STD[@]}" -Zpanic-abort-tests --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" \
        -- -Zunstable-options --force-run-in-process "${HARNESS_ARGS[@]}"
    else
      cargo "${TC[@]}" test "${BUILD_STD[@]}" -Zpanic-abort-tests --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" \
        ${HARNESS_ARGS[@]+-- "${HARNESS_ARGS[@]}"}
    fi ;;
  run)
    [ "$TARGET" = wasm32-wasip1 ] || die "run: only wasm32-wasip1 programs can be run (unknown-unknown has no I/O)"
    cargo "${TC[@]}" run "${BUILD_STD[@]}" --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" -- "${HARNESS_ARGS[@]}" ;;
esac
