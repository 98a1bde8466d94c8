#!/usr/bin/env bash
# Issue 15: Debian's chromium, headless, drives the dashboard at /_emulator/ui through
# playwright-core (pinned, with its lock file, in tests/browser; it never downloads a
# browser) against the emulator binary on 127.0.0.1, port 0: a canary session (create,
# publish, alias with weights and rules, faults) appears live, the buttons disarm, clear
# and reset, the keyboard reaches every control, control.token is asked for, and 1,000
# functions stay usable (the numbers are printed as "# ui scale: {...}", not asserted
# tightly). The browser may reach nothing but the emulator.
#
# Installs chromium with apt-get when it is missing (about a minute on a fresh machine).
# The screenshot goes to target/ui.png; `--update-screenshot` writes docs/ui.png, the one
# the README shows (not by default, so that a test run leaves the work tree clean).
set -euo pipefail
cd "$(dirname "$0")/../.."

screenshot="$PWD/${CARGO_TARGET_DIR:-target}/ui.png"
if [ "${1:-}" = "--update-screenshot" ]; then
  screenshot="$PWD/docs/ui.png"
fi

if [ -z "${FGS_EMULATOR_BIN:-}" ]; then
  cargo build --quiet --locked --bin fgs-emulator
  FGS_EMULATOR_BIN="$PWD/${CARGO_TARGET_DIR:-target}/debug/fgs-emulator"
fi
export FGS_EMULATOR_BIN

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "ui: installing Debian's chromium" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
fi
export CHROMIUM

mkdir -p "$(dirname "$screenshot")"
export UI_SCREENSHOT="$screenshot"

cd tests/browser
npm ci --no-audit --no-fund --loglevel=error
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
node --test ui.test.js 2>&1 | tee "$out" || status=$?
if [ "$status" -eq 0 ] && ! grep -Eq '^# pass [1-9]' "$out"; then
  echo "ui: no test passed (none ran?)" >&2
  status=1
fi
[ "$status" -ne 0 ] || echo "ui: screenshot in $screenshot"
exit "$status"
