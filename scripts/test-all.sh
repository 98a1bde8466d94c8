#!/usr/bin/env bash
# Runs every test suite of fgs-emulator. This is the README's test command and what CI runs.
# It installs what it needs (a Python venv and npm packages for the SDK suites) and needs
# only cargo, python3, node/npm and the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
step() { printf '\n==> [%ss] %s\n' "$((SECONDS - start))" "$*"; }

step "cargo test (unit, black-box HTTP, binary, concurrency)"
# Benches are compiled by clippy in .ci/run and run by scripts/bench-load.sh, not here.
cargo test --locked

for suite in scripts/test-suites/*.sh; do
  [ -e "$suite" ] || continue
  step "$suite"
  bash "$suite"
done

step "all suites passed"
