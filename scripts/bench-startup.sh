#!/usr/bin/env bash
# Start-up time (issue 6, item 4): process spawn to the first 200 from GET /_emulator/health,
# median of N runs (default 20), for the release emulator (default config, no config file)
# and for the bare-axum reference server, side by side.
#
# Usage: scripts/bench-startup.sh [--runs N] [--no-build]
#
# The measuring is done by `examples/loadgen.rs startup`: it spawns the server with
# --port 0 --port-file, polls the port file every 0.1 ms, then retries the health check
# until it answers 200, and kills the server. Report only: it never fails on a slow number.
set -euo pipefail
# shellcheck source=scripts/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

RUNS=20
BUILD=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --runs)
        RUNS="$2"
        shift 2
        ;;
    --no-build)
        BUILD=0
        shift
        ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *) bench_die "unknown argument: $1 (see --help)" ;;
    esac
done

bench_init
[[ $BUILD == 1 ]] && bench_build
bench_require_binaries

# Prints `STARTUP label=... runs=... median_ms=... min_ms=... max_ms=...` per server.
for server in reference emulator; do
    if [[ $server == emulator ]]; then bin="$EMULATOR_BIN"; else bin="$REFERENCE_BIN"; fi
    "$LOADGEN_BIN" startup --runs "$RUNS" --label "$server" -- \
        "$bin" --host 127.0.0.1 --port 0 --port-file '{port_file}'
done
