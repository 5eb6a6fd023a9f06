#!/usr/bin/env bash
# PostToolUse hook: format files Claude edited.
set -euo pipefail
npx prettier --write $CLAUDE_FILE_PATHS >/dev/null 2>&1 || true
