#!/usr/bin/env bash
# [loomfile ci/xbuild copy of shared/tools/xbuild-static.sh; changed: the private apt lists' 24 h stamp
#  is only set once the lists exist, so an offline run no longer blocks the next online run's
#  apt-get update for a day (it made every later run fail to find rust-src).]
# xbuild-static.sh — build a Rust crate's binaries fully statically linked and verify it:
#   * no crate in the target's dependency graph builds C code (cc, cmake, pkg-config, bindgen, ...)
#   * every produced executable has no ELF interpreter and no NEEDED shared libraries
#   * optionally runs each executable (under qemu-user for a foreign architecture)
#
# TARGET (default x86_64-unknown-linux-gnu, i.e. the host):
#   x86_64-unknown-linux-gnu : host std from rustup + RUSTFLAGS -C target-feature=+crt-static
#                              (glibc's libc.a from libc6-dev; "static-pie"); nothing to download.
#   *-unknown-linux-musl     : std built from Debian's rust-src with -Zbuild-std (see
#                              xbuild-cross.sh), linked by zig (PyPI: ziglang + cargo-zigbuild).
#   other *-linux-gnu        : use `XBUILD_STATIC=1 xbuild-cross.sh CRATE TARGET build`.
#
# Usage: xbuild-static.sh CRATE_DIR [TARGET] [cargo build args...] [-- args to run each binary with]
#   e.g.  xbuild-static.sh . x86_64-unknown-linux-gnu --bins -- --help
# Env: XBUILD_CACHE, XBUILD_TOOLCHAIN, XBUILD_TARGET_DIR (default CRATE_DIR/target/xbuild),
#      XBUILD_ALLOW_C=1 (only warn about C-building crates), XBUILD_PROFILE (default release)
set -euo pipefail

die() { echo "xbuild-static: error: $*" >&2; exit 2; }
log() { echo "xbuild-static: $*" >&2; }

[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
CRATE=$(cd "$1" && pwd) || die "no crate dir $1"; shift
TARGET=x86_64-unknown-linux-gnu
case "${1:-}" in [a-z0-9]*-*-*) TARGET=$1; shift;; esac
CARGO_ARGS=(); RUN_ARGS=(); seen_dd=0; DO_RUN=0
for a in "$@"; do
  if [ $seen_dd = 0 ] && [ "$a" = "--" ]; then seen_dd=1; DO_RUN=1; continue; fi
  if [ $seen_dd = 0 ]; then CARGO_ARGS+=("$a"); else RUN_ARGS+=("$a"); fi
done
CACHE=${XBUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xbuild}
mkdir -p "$CACHE"
TC=(); [ -n "${XBUILD_TOOLCHAIN:-}" ] && TC=("+$XBUILD_TOOLCHAIN")
PROFILE=${XBUILD_PROFILE:-release}

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

TDIR=${XBUILD_TARGET_DIR:-$CRATE/target/xbuild}
TU=$(echo "$TARGET" | tr 'a-z-' 'A-Z_')
add_rustflags() {
  if [ -n "${CARGO_ENCODED_RUSTFLAGS:-}" ]; then export CARGO_ENCODED_RUSTFLAGS="$CARGO_ENCODED_RUSTFLAGS$(printf '\037')${1// /$(printf '\037')}"
  elif [ -n "${RUSTFLAGS:-}" ]; then export RUSTFLAGS="$RUSTFLAGS $1"
  else local v="CARGO_TARGET_${TU}_RUSTFLAGS"; export "$v=${!v:-} $1"; fi
}
cd "$CRATE"

# 1. no C in the dependency graph of this target
C_CRATES='^(cc|cmake|pkg-config|bindgen|vcpkg|system-deps|cxx-build|autotools|openssl-src|zlib-src|libz-sys|libz-ng-sys|cmake-parser) '
TREE=$(cargo "${TC[@]}" tree --workspace --target "$TARGET" -e normal,build --prefix none --format '{p}' | sort -u) || die "cargo tree failed"
BAD=$(printf '%s\n' "$TREE" | grep -E "$C_CRATES" || true)
SYS=$(printf '%s\n' "$TREE" | grep -E '^[a-z0-9_-]+-sys ' | grep -vE '^(linux-raw-sys|windows-sys|js-sys|web-sys|wasi) ' || true)
[ -n "$SYS" ] && log "note: -sys crates in graph (check they are pure Rust): $(echo $SYS)"
if [ -n "$BAD" ]; then
  log "C-building crates in the dependency graph for $TARGET:"; printf '%s\n' "$BAD" | sed 's/^/  /' >&2
  cargo "${TC[@]}" tree --workspace --target "$TARGET" -e normal,build -i "$(echo "$BAD" | head -1 | cut -d' ' -f1)" >&2 || true
  [ -n "${XBUILD_ALLOW_C:-}" ] || die "C dependencies found (set XBUILD_ALLOW_C=1 to continue)"
else
  log "OK: no C-building crates (cc/cmake/pkg-config/bindgen/...) for $TARGET"
fi

# 2. build
HOST=$(rustc "${TC[@]}" -vV | sed -n 's/^host: //p')
QEMU=""
case "$TARGET" in
  *-linux-gnu*)
    [ "$TARGET" = "$HOST" ] || die "non-host gnu target: use XBUILD_STATIC=1 xbuild-cross.sh"
    add_rustflags "-C target-feature=+crt-static"
    BUILD=(cargo "${TC[@]}" build)
    ;;
  *-linux-musl*)
    SRC=$(xb_rust_src)
    log "std sources: $SRC ($(cat "$(dirname "$SRC")/SOURCE"))"
    export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$SRC"
    VENV="$CACHE/venv"
    if [ ! -x "$VENV/bin/cargo-zigbuild" ] || ! "$VENV/bin/python" -c 'import ziglang' 2>/dev/null; then
      log "pip install ziglang cargo-zigbuild (~400 MB)"
      python3 -m venv "$VENV" && "$VENV/bin/pip" install -q ziglang cargo-zigbuild >&2
    fi
    export PATH="$VENV/bin:$PATH" ZIG_GLOBAL_CACHE_DIR="$CACHE/zig"
    [ -n "${XBUILD_TOOLCHAIN:-}" ] && export RUSTUP_TOOLCHAIN="$XBUILD_TOOLCHAIN"
    add_rustflags "-C link-self-contained=no"
    BUILD=(cargo-zigbuild zigbuild -Zbuild-std=std,panic_abort)
    case "${TARGET%%-*}" in
      x86_64) [ "$(uname -m)" = x86_64 ] || QEMU=qemu-x86_64;;
      aarch64) QEMU=qemu-aarch64;; armv7) QEMU=qemu-arm;; riscv64gc) QEMU=qemu-riscv64;;
      s390x) QEMU=qemu-s390x;; powerpc64le) QEMU=qemu-ppc64le;; i686) QEMU=qemu-i386;;
    esac
    ;;
  *) die "unsupported target $TARGET";;
esac
JSON=$(mktemp)
( set -x; "${BUILD[@]}" --profile "$PROFILE" --target "$TARGET" --target-dir "$TDIR" --message-format=json-render-diagnostics "${CARGO_ARGS[@]}" ) > "$JSON"
mapfile -t EXES < <(grep -o '"executable":"[^"]*"' "$JSON" | sed 's/"executable":"//; s/"$//' | sort -u)
rm -f "$JSON"
[ ${#EXES[@]} -gt 0 ] || die "no executables were built (add --bins?)"

# 3. verify + run
fail=0
for e in "${EXES[@]}"; do
  info=$(file -b "$e")
  if readelf -lW "$e" | grep -q 'program interpreter' || readelf -dW "$e" | grep -q '(NEEDED)'; then
    log "NOT STATIC: $e"; readelf -dW "$e" | grep NEEDED >&2 || true; fail=1
  else
    log "STATIC OK: ${e#$CRATE/} ($(du -h "$e" | cut -f1)) — $info"
  fi
  if [ $DO_RUN = 1 ]; then
    if [ -n "$QEMU" ]; then
      command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-user)"
      ( set -x; "$QEMU" "$e" "${RUN_ARGS[@]}" ) || fail=1
    else
      ( set -x; "$e" "${RUN_ARGS[@]}" ) || fail=1
    fi
  fi
done
[ $fail = 0 ] || die "static check failed"
log "all ${#EXES[@]} executable(s) statically linked for $TARGET"
