#!/usr/bin/env bash
# The official Huawei Cloud Node.js SDK (pinned, with its lock file, in sdk-tests/node) drives
# the emulator binary in auth.mode = "verify": create, update code, publish, list versions, an
# alias, show config through the alias URN, delete; and a 404 and a 401 as the SDK throws them
# (issue 4). Exits non-zero on any failure, and when no test ran.
#
# The emulator itself is started by sdk-tests/node/test/roundtrip.test.js (port 0 and a port
# file, with the config the tests need), so `npm test` also runs on its own; this script only
# provides the binary (scripts/lib/emulator.sh: $FGS_EMULATOR_BIN, or the debug build).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/emulator.sh
source scripts/lib/emulator.sh

emulator_build debug
export FGS_EMULATOR_BIN="$FGS_BIN"

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
