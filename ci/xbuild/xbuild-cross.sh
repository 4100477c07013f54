#!/usr/bin/env bash
# [loomfile ci/xbuild copy of shared/tools/xbuild-cross.sh; changed: the private apt lists' 24 h stamp
#  is only set once the lists exist, so an offline run no longer blocks the next online run's
#  apt-get update for a day (it made every later run fail to find rust-src).]
# xbuild-cross.sh — cross-compile a Rust crate for another Linux architecture and build / test /
# run it under qemu user-mode emulation, on a machine where rustup cannot download target std
# libraries (only the host std is installed).
#
# How: the target's std is compiled from source with cargo's -Zbuild-std, using the library
# sources of Debian's `rust-src` package of the SAME version as the active rustc (fetched with
# apt-get from the Debian suites; e.g. trixie-backports has 1.95.0), enabled on a stable
# toolchain with RUSTC_BOOTSTRAP=1.
#   *-linux-gnu*  : linker = Debian's gcc-<triple> cross compiler + libc6-dev-<arch>-cross,
#                   run with `qemu-<arch> -L /usr/<triple>` (Debian qemu-user).
#                   XBUILD_STATIC=1 links glibc statically (+crt-static) and runs with plain qemu.
#   *-linux-musl* : linker = zig (PyPI wheels `ziglang` + `cargo-zigbuild`, in a venv), fully
#                   static binaries, run with plain `qemu-<arch>`. Works for x86_64 musl too.
#
# Usage: xbuild-cross.sh CRATE_DIR TARGET [check|build|test|run] [cargo args...] [-- program/harness args...]
#   TARGET e.g. aarch64-unknown-linux-gnu, aarch64-unknown-linux-musl, s390x-unknown-linux-gnu
#   (big-endian!), riscv64gc-unknown-linux-gnu, armv7-unknown-linux-gnueabihf,
#   powerpc64le-unknown-linux-gnu, i686-unknown-linux-gnu, x86_64-unknown-linux-musl
#   default mode: test
# Env:
#   XBUILD_CACHE       cache dir (default ~/.cache/xbuild)
#   XBUILD_TOOLCHAIN   rustup toolchain (default: the directory's default, e.g. stable)
#   XBUILD_TARGET_DIR  cargo target dir (default CRATE_DIR/target/xbuild)
#   XBUILD_STATIC=1    gnu targets: link statically
#   XBUILD_NO_APT=1    do not apt-get install the cross gcc / qemu packages (already there)
# Needs: Debian with apt-get (run as root, or have the packages installed), network access to the
# Debian archive, the Rust crate registry (std's own dependencies) and PyPI (musl targets only).
set -euo pipefail

die() { echo "xbuild-cross: error: $*" >&2; exit 2; }
log() { echo "xbuild-cross: $*" >&2; }

[ $# -ge 2 ] || { sed -n '2,31p' "$0"; exit 2; }
CRATE=$(cd "$1" && pwd) || die "no crate dir $1"; TARGET=$2; shift 2
MODE=test
case "${1:-}" in check|build|test|run) MODE=$1; shift;; esac
CARGO_ARGS=(); HARNESS_ARGS=(); seen_dd=0
for a in "$@"; do
  if [ $seen_dd = 0 ] && [ "$a" = "--" ]; then seen_dd=1; continue; fi
  if [ $seen_dd = 0 ]; then CARGO_ARGS+=("$a"); else HARNESS_ARGS+=("$a"); fi
done

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

# ---------- target table ----------
ARCH=${TARGET%%-*}
case "$ARCH" in
  aarch64)     GTRIPLE=aarch64-linux-gnu;      DEBARCH=arm64;   QEMU=qemu-aarch64;;
  armv7)       GTRIPLE=arm-linux-gnueabihf;    DEBARCH=armhf;   QEMU=qemu-arm;;
  riscv64gc)   GTRIPLE=riscv64-linux-gnu;      DEBARCH=riscv64; QEMU=qemu-riscv64;;
  s390x)       GTRIPLE=s390x-linux-gnu;        DEBARCH=s390x;   QEMU=qemu-s390x;;
  powerpc64le) GTRIPLE=powerpc64le-linux-gnu;  DEBARCH=ppc64el; QEMU=qemu-ppc64le;;
  i686)        GTRIPLE=i686-linux-gnu;         DEBARCH=i386;    QEMU=qemu-i386;;
  x86_64)      GTRIPLE=x86_64-linux-gnu;       DEBARCH=amd64;   QEMU="";;
  *) die "unknown architecture in $TARGET (extend the table)";;
esac
case "$TARGET" in *-linux-gnu*) KIND=gnu;; *-linux-musl*) KIND=musl;; *) die "only *-linux-gnu* and *-linux-musl* targets";; esac
[ "$(uname -m)" = x86_64 ] && [ "$ARCH" = x86_64 ] && QEMU=""

apt_need() { # install Debian packages if their binaries are missing
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ -n "${XBUILD_NO_APT:-}" ] && die "missing packages: ${missing[*]}"
  log "apt-get install ${missing[*]}"
  local SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || \
    { "${SUDO[@]}" apt-get update -qq >&2; "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
}

SRC=$(xb_rust_src)
log "std sources: $SRC ($(cat "$(dirname "$SRC")/SOURCE"))"
export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$SRC"
TDIR=${XBUILD_TARGET_DIR:-$CRATE/target/xbuild}
TU=$(echo "$TARGET" | tr 'a-z-' 'A-Z_')
add_rustflags() {
  if [ -n "${CARGO_ENCODED_RUSTFLAGS:-}" ]; then export CARGO_ENCODED_RUSTFLAGS="$CARGO_ENCODED_RUSTFLAGS$(printf '\037')${1// /$(printf '\037')}"
  elif [ -n "${RUSTFLAGS:-}" ]; then export RUSTFLAGS="$RUSTFLAGS $1"
  else local v="CARGO_TARGET_${TU}_RUSTFLAGS"; export "$v=${!v:-} $1"; fi
}
[ -n "$QEMU" ] && apt_need qemu-user

CARGO=(cargo "${TC[@]}")
if [ $KIND = gnu ]; then
  if [ "$ARCH" != x86_64 ]; then
    apt_need "gcc-$GTRIPLE" "libc6-dev-$DEBARCH-cross"
    export "CARGO_TARGET_${TU}_LINKER=$GTRIPLE-gcc"
  fi
  if [ -n "${XBUILD_STATIC:-}" ]; then
    add_rustflags "-C target-feature=+crt-static"
    [ -n "$QEMU" ] && export "CARGO_TARGET_${TU}_RUNNER=$QEMU"
  else
    [ -n "$QEMU" ] && export "CARGO_TARGET_${TU}_RUNNER=$QEMU -L /usr/$GTRIPLE"
  fi
  BUILD=("${CARGO[@]}" build); TEST=("${CARGO[@]}" test); RUN=("${CARGO[@]}" run)
else
  VENV="$CACHE/venv"
  if [ ! -x "$VENV/bin/cargo-zigbuild" ] || ! "$VENV/bin/python" -c 'import ziglang' 2>/dev/null; then
    log "pip install ziglang cargo-zigbuild (zig is the musl cross linker; ~400 MB)"
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q ziglang cargo-zigbuild >&2
  fi
  export PATH="$VENV/bin:$PATH" ZIG_GLOBAL_CACHE_DIR="$CACHE/zig"
  [ -n "${XBUILD_TOOLCHAIN:-}" ] && export RUSTUP_TOOLCHAIN="$XBUILD_TOOLCHAIN"
  # rustc would otherwise look for musl crt objects in the (absent) rustup target dir
  add_rustflags "-C link-self-contained=no"
  [ -n "$QEMU" ] && export "CARGO_TARGET_${TU}_RUNNER=$QEMU"
  BUILD=(cargo-zigbuild zigbuild); TEST=(cargo-zigbuild test); RUN=(cargo-zigbuild run)
fi

BUILD_STD=(-Zbuild-std=std,panic_abort)
cd "$CRATE"
set -x
case "$MODE" in
  check) cargo "${TC[@]}" check "${BUILD_STD[@]}" --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" ;;
  build) "${BUILD[@]}" "${BUILD_STD[@]}" --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" ;;
  test)  "${TEST[@]}" "${BUILD_STD[@]}" --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" \
           ${HARNESS_ARGS[@]+-- "${HARNESS_ARGS[@]}"} ;;
  run)   "${RUN[@]}" "${BUILD_STD[@]}" --target "$TARGET" --target-dir "$TDIR" "${CARGO_ARGS[@]}" -- "${HARNESS_ARGS[@]}" ;;
esac
