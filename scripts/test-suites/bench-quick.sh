#!/usr/bin/env bash
# Issue 6 item 6: a quick run of the load benchmark so its harness cannot rot. It uses the
# debug binaries that `cargo test` already built, so it costs seconds, and it only fails
# when the harness breaks (a server that does not start, an answer the case does not
# expect), never on a number. The real measurement is `scripts/bench-load.sh` (release).
# The budget calibration (issue 14, scripts/bench/budget.sh) runs once the same way, on
# the debug binaries the load run just built.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/bench-load.sh --quick --debug --duration 1 --no-startup
BENCH_PROFILE=debug bash scripts/bench/budget.sh --no-build --rounds 1 --duration 0.5 --ns 1000
