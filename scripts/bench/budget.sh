#!/usr/bin/env bash
# What a throughput ratio allows (issue 14): the reference server made to spin N ns of pure
# CPU per request (`reference_server --work-ns N`) against the same server with none, on
# loopback, interleaved. The rps ratio each N gives is what N ns of the emulator's own
# user-space work per request would cost against the bare stack on this machine, so the
# targets (reads >= 0.9x, writes >= 0.8x) become budgets in ns, to hold against
# `cargo bench --bench stack` (the emulator minus bare axum, in-process). Report only,
# bounded: (1 + count of N) servers x ROUNDS x (0.5 s warm-up + DURATION).
# Results and their reading: docs/PERFORMANCE.md, "Issue 14, sixth step".
#
# Usage: scripts/bench/budget.sh [--case read|write] [--ns "500 1000 2000 4000"]
#                                [--duration S] [--rounds N] [--no-build]
#   read:  GET .../config (a read's request, no body)
#   write: PUT .../config with a JSON body (an update config's request)
set -euo pipefail
# shellcheck source=scripts/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CASE=read NS="500 1000 2000 3000 4000" DURATION=3 ROUNDS=3 BUILD=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --case) CASE="$2"; shift 2 ;;
    --ns) NS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) bench_die "unknown argument: $1 (see --help)" ;;
    esac
done
PRJ=0123456789abcdef0123456789abcdef
PATH_CONFIG="/v2/$PRJ/fgs/functions/urn:fss:cn-north-4:$PRJ:function:default:f-{c}:latest/config"
case "$CASE" in
read) STEP="GET $PATH_CONFIG" ;;
write) STEP="PUT $PATH_CONFIG {\"runtime\":\"Python3.9\",\"handler\":\"index.handler\",\"memory_size\":256,\"timeout\":30,\"description\":\"d{n}\"}" ;;
*) bench_die "--case is read or write" ;;
esac
LEVELS=(0)
for n in $NS; do
    [[ $n =~ ^[0-9]+$ ]] || bench_die "--ns takes whole nanoseconds: $n"
    LEVELS+=("$n")
done

bench_init
[[ $BUILD == 1 ]] && bench_build
bench_require_binaries
bench_machine
for n in "${LEVELS[@]}"; do
    bench_start "work$n" "$REFERENCE_BIN" --work-ns "$n"
done

RESULTS="$BENCH_TMP/budget.txt"
: >"$RESULTS"
for ((round = 1; round <= ROUNDS; round++)); do
    # Alternate the order, so slow drift hits every level alike.
    order=("${LEVELS[@]}")
    if ((round % 2 == 0)); then
        order=()
        for ((i = ${#LEVELS[@]} - 1; i >= 0; i--)); do order+=("${LEVELS[$i]}"); done
    fi
    for n in "${order[@]}"; do
        port_var="work${n}_PORT" pid_var="work${n}_PID"
        line="$("$LOADGEN_BIN" run --addr "127.0.0.1:${!port_var}" --server-pid "${!pid_var}" \
            --duration "$DURATION" --warmup 0.5 --tag "r$round" --label "$n" \
            --step "$STEP" | grep '^RESULT')" || bench_die "load generator failed at --work-ns $n"
        echo "$line" | tee -a "$RESULTS" >&2
        [[ "$line" =~ non2xx=0\ errors=0\  ]] || bench_die "--work-ns $n answered errors (see above)"
    done
done

echo
printf 'budget: %s case, %s rounds x %ss, 32 connections, loopback; medians\n' "$CASE" "$ROUNDS" "$DURATION"
awk -v levels="${LEVELS[*]}" "$BENCH_AWK"'
{
    fields()
    rps[f["label"]] = rps[f["label"]] " " f["rps"]
    p99[f["label"]] = p99[f["label"]] " " f["p99_us"]
    cpu[f["label"]] = cpu[f["label"]] " " f["server_cpu_us"]
}
END {
    printf "%10s %9s %7s %8s %7s %8s\n", "work_ns", "rps", "rps_x", "p99_ms", "p99_x", "cpu_us"
    n = split(levels, ls, " ")
    r0 = median(rps[0]); q0 = median(p99[0])
    for (i = 1; i <= n; i++) {
        l = ls[i]; r = median(rps[l]); q = median(p99[l])
        printf "%10s %9.0f %7.2f %8.3f %7.2f %8.1f\n", l, r, (r0 > 0 ? r / r0 : 0), q / 1000, (q0 > 0 ? q / q0 : 0), median(cpu[l])
    }
    print "_x: against work_ns 0 (the reference itself); cpu_us: server CPU per request (/proc)"
}' "$RESULTS"
