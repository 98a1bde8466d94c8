#!/usr/bin/env bash
# Runs every test suite of fgs-emulator. This is the README's test command and what CI runs.
# It installs what it needs (a Python venv and npm packages for the SDK suites) and needs
# only cargo, python3, node/npm and the package registries.
#
# Every suite runs, even after one fails, so one failure never hides another: first
# `cargo test`, then each scripts/test-suites/*.sh. At the end it prints one line per suite,
# `SUITE name PASS|FAIL seconds`, and a last plain line `N passed, N failed` (suites, not
# tests), and exits 1 if any suite failed. CI reads those last lines.
#
# It passes while an emulator already serves on 127.0.0.1:8080 (the README's first command
# in another terminal): every test and suite starts its own emulators on free ports.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

start=$SECONDS
step() { printf '\n==> [%ss] %s\n' "$((SECONDS - start))" "$*"; }

names=() results=() times=()
# run NAME COMMAND...: runs one suite, records PASS or FAIL and its wall-clock seconds.
run() {
  local name="$1" t0=$SECONDS status=0
  shift
  step "$name: $*"
  "$@" || status=$?
  names+=("$name")
  times+=("$((SECONDS - t0))")
  if [ "$status" -eq 0 ]; then
    results+=(PASS)
  else
    results+=(FAIL)
    step "$name FAILED (exit $status); going on with the other suites"
  fi
}

# Benches are compiled by clippy in .ci/run and run by scripts/bench-load.sh, not here.
run cargo-test cargo test --locked

for suite in scripts/test-suites/*.sh; do
  [ -e "$suite" ] || continue
  run "$(basename "$suite" .sh)" bash "$suite"
done

passed=0 failed=0
echo
echo "==> [$((SECONDS - start))s] summary"
for i in "${!names[@]}"; do
  printf 'SUITE %-16s %s %5ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
  if [ "${results[$i]}" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
