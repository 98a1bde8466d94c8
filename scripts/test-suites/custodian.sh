#!/usr/bin/env bash
# Cloud Custodian in CI (issue 11): the real `custodian run` command, with c7n and
# c7n-huaweicloud pinned (with every dependency) in scripts/test-suites/custodian/requirements.txt,
# runs policies against resource huaweicloud.functiongraph on the emulator binary in
# auth.mode = "verify": list and filter by runtime across two ListFunctions pages,
# trim-versions (plain and older-than), and the reserved-concurrency filter. The checks, and
# the API calls each policy made (from the request journal), are printed by
# scripts/test-suites/custodian/check.py (`PASS:`/`FAIL:` lines); then the README's
# "Cloud Custodian" block runs. The last line is `custodian: PASS (all checks)` or
# `custodian: FAIL`. About a minute with a warm build and venv.
#
# Creates or refreshes the git-ignored venv .venv-custodian (scripts/lib/venv.sh); the binary
# is $FGS_EMULATOR_BIN, or the debug build (scripts/lib/emulator.sh), which also stops the
# emulator on exit.
# shellcheck disable=SC2154 # NAME_URL and NAME_PORT are set by emulator_start (printf -v)
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
FGS_URL="$fgs_URL" CUSTODIAN_OUT="$EMULATOR_DIR/custodian" \
  "$VENV_PYTHON" "$dir/check.py" || status=$?
if [[ "$status" -ne 0 ]]; then
  echo "custodian: the end of the emulator's log:" >&2
  tail -n 20 "$EMULATOR_DIR/fgs.log" >&2
fi
emulator_stop fgs

# The README's "### Cloud Custodian" block, as pasted (8080 replaced by a free port, its two
# install lines left out: this venv is the one they make), against config.example.toml in
# verify mode with one Node.js function seeded, in a scratch directory.
FGS_EMULATOR_AUTH_MODE=verify emulator_start readme --config config.example.toml
curl -sSf -o /dev/null -X POST "$readme_URL/v2/0123456789abcdef0123456789abcdef/fgs/functions" \
  -H 'X-Auth-Token: local-dev-token' -H 'Content-Type: application/json' -d '{
  "func_name": "readme-node", "runtime": "Node.js18.15", "handler": "index.handler",
  "memory_size": 128, "timeout": 30, "code_type": "inline", "func_code": {"file": "MQ=="}}'
scratch="$EMULATOR_DIR/readme-block"
mkdir -p "$scratch"
ln -s "$PWD/scripts" "$PWD/.venv-custodian" "$scratch/"
awk '/^### Cloud Custodian$/{s=1} s&&/^```sh$/{n=1; next} n&&/^```$/{exit} n{print}' README.md |
  grep -v -e '^python3 -m venv' -e '/bin/pip install' | sed "s/8080/$readme_PORT/g" >"$EMULATOR_DIR/readme.sh"
if grep -q custodian_cli.py "$EMULATOR_DIR/readme.sh" &&
  (cd "$scratch" && bash -e "$EMULATOR_DIR/readme.sh") >"$EMULATOR_DIR/readme.out" 2>&1 &&
  grep -q '"func_name": "readme-node"' "$EMULATOR_DIR/readme.out"; then
  echo 'PASS: README "Cloud Custodian" block lists the seeded Node.js function'
else
  echo 'FAIL: README "Cloud Custodian" block; it printed:'
  cat "$EMULATOR_DIR/readme.out"
  status=1
fi
if [[ "$status" -eq 0 ]]; then echo "custodian: PASS (all checks)"; else echo "custodian: FAIL"; fi
exit "$status"
