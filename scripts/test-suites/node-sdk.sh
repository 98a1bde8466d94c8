#!/usr/bin/env bash
# The official Huawei Cloud Node.js SDK (pinned, with its lock file, in sdk-tests/node) drives
# the emulator binary in auth.mode = "verify": create, update code, publish, list versions, an
# alias, show config through the alias URN, delete; and a 404 and a 401 as the SDK throws them
# (issue 4). Exits non-zero on any failure, and when no test ran.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${FGS_EMULATOR_BIN:-}" ]; then
  cargo build --quiet --locked --bin fgs-emulator
  FGS_EMULATOR_BIN="$PWD/${CARGO_TARGET_DIR:-target}/debug/fgs-emulator"
fi
export FGS_EMULATOR_BIN

cd sdk-tests/node
npm ci --no-audit --no-fund --loglevel=error
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
# Files, not a directory: node 20 searches a directory, node 22 takes only files and globs.
node --test test/*.test.js 2>&1 | tee "$out" || status=$?
if [ "$status" -eq 0 ] && ! grep -Eq '^# pass [1-9]' "$out"; then
  echo "node-sdk: no test passed (none ran?)" >&2
  status=1
fi
exit "$status"
