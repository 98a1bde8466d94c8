#!/usr/bin/env bash
# Runs every test suite of fgs-emulator. This is the README's test command and what CI runs.
# It installs what it needs (a Python venv for the SDK suite) and needs only cargo, python3
# and the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo test (unit, black-box HTTP, binary, concurrency)"
cargo test --all-targets --locked

for suite in scripts/test-suites/*.sh; do
  [ -e "$suite" ] || continue
  step "$suite"
  bash "$suite"
done

step "all suites passed"
