#!/usr/bin/env bash
# Cloud Custodian in CI (issue 11): the real `custodian run` command, with c7n and
# c7n-huaweicloud pinned (with every dependency) in scripts/test-suites/custodian/requirements.txt,
# runs policies against resource huaweicloud.functiongraph on the emulator binary in
# auth.mode = "verify": list and filter by runtime across two ListFunctions pages,
# trim-versions (plain and older-than), and the reserved-concurrency filter. The checks, and
# the API calls each policy made (from the request journal), are printed by
# scripts/test-suites/custodian/check.py; the last line is `custodian: PASS` or
# `custodian: FAIL (...)`. About a minute with a warm build and venv.
#
# Creates or refreshes the git-ignored venv .venv-custodian (scripts/lib/venv.sh); the binary
# is $FGS_EMULATOR_BIN, or the debug build (scripts/lib/emulator.sh), which also stops the
# emulator on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/emulator.sh
source scripts/lib/emulator.sh
# shellcheck source=scripts/lib/venv.sh
source scripts/lib/venv.sh

dir=scripts/test-suites/custodian
emulator_init
emulator_build debug
venv_ensure "$PWD/.venv-custodian" "$dir/requirements.txt" custodian

RUST_LOG=warn emulator_start fgs --config "$dir/emulator.toml"

# No __pycache__ in the work tree; c7n's own run output goes to the scratch dir.
export PYTHONDONTWRITEBYTECODE=1
status=0
# shellcheck disable=SC2154 # set by emulator_start (printf -v)
FGS_URL="$fgs_URL" CUSTODIAN_OUT="$EMULATOR_DIR/custodian" \
  "$VENV_PYTHON" "$dir/check.py" || status=$?
if [[ "$status" -ne 0 ]]; then
  echo "custodian: the end of the emulator's log:" >&2
  tail -n 20 "$EMULATOR_DIR/fgs.log" >&2
fi
exit "$status"
