#!/usr/bin/env bash
# Why examples/loadgen.rs is kept (issue 10): the same cases measured with wrk (Lua
# scripts in scripts/bench/wrk/) and with loadgen, against the release emulator and the
# reference server, on loopback. Report only, bounded: 8 runs of DURATION seconds (default 3).
# Results and their reading: docs/PERFORMANCE.md, "Why our own load generator".
#
# Usage: scripts/bench/wrk-vs-loadgen.sh [--duration S] [--no-build]
# Needs wrk (apt-get install -y wrk; installed when missing and we are root).
set -euo pipefail
# shellcheck source=scripts/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/bench/http.sh
source "$(dirname "${BASH_SOURCE[0]}")/http.sh"

DURATION=3 BUILD=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) bench_die "unknown argument: $1 (see --help)" ;;
    esac
done
if ! command -v wrk >/dev/null; then
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
        bench_die "wrk is needed (apt-get install -y wrk)"
    fi
    bench_log "installing wrk (apt-get install -y wrk)"
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; } ||
        bench_die "cannot install wrk"
fi

bench_init
[[ $BUILD == 1 ]] && bench_build
bench_require_binaries
bench_machine
WRK_DIR="$BENCH_ROOT/scripts/bench/wrk"
# shellcheck disable=SC2034 # set by bench_start (printf -v), read through ${!name}
emulator_PORT="" emulator_PID="" reference_PORT="" reference_PID=""
FGS_EMULATOR_LIMITS_MAX_VERSIONS=1000000 \
    FGS_EMULATOR_LIMITS_MAX_FUNCTIONS=1000000 \
    FGS_EMULATOR_BEHAVIOR_REJECT_UNCHANGED_PUBLISH=false \
    bench_start emulator "$EMULATOR_BIN"
bench_start reference "$REFERENCE_BIN"

PRJ=0123456789abcdef0123456789abcdef
FNS="/v2/$PRJ/fgs/functions"
urn() { printf 'urn:fss:cn-north-4:%s:function:default:%s:latest' "$PRJ" "$1"; }
create() {
    printf '{"func_name":"%s","package":"default","runtime":"Python3.9","handler":"index.handler","memory_size":256,"timeout":30,"code_type":"inline","code_filename":"index.py","func_code":{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJuICdoZWxsbycK"}}' "$1"
}
make_function() { # SERVER NAME
    local port_var="${1}_PORT"
    create "$2" >"$BENCH_TMP/create.json"
    local status
    status="$(bench_http "${!port_var}" POST "$FNS" "$BENCH_TMP/create.json")"
    [[ $status == 201 || $status == 200 ]] || bench_die "creating $2 on $1 answered $status"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# wrk_run LABEL SERVER THREADS [WRK ARGS...]: one wrk run of 32 connections; prints rps,
# CPU us per request of wrk itself (getrusage through /usr/bin/time, else blank) and of the
# server (/proc, over the whole run), the non-2xx count and the first error.
wrk_run() {
    local label="$1" server="$2" threads="$3"
    shift 3
    local port_var="${server}_PORT" pid_var="${server}_PID"
    local c0 c1 out timer=()
    [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f 'WRKCPU %U %S')
    c0="$(cpu_ticks "${!pid_var}")"
    # A leading URL in an argument stands for the server's base URL.
    local args=("${@/#URL/http://127.0.0.1:${!port_var}}")
    out="$(cd "$WRK_DIR" && "${timer[@]}" wrk -t"$threads" -c32 -d"${DURATION}s" "${args[@]}" 2>&1)" ||
        bench_die "wrk failed: $out"
    c1="$(cpu_ticks "${!pid_var}")"
    echo "$out" | awk -v label="$label" -v server="$server" -v t="$threads" -v c0="$c0" -v c1="$c1" \
        -v hz="$(getconf CLK_TCK)" '
        /requests in/ { n = $1 } /^Requests\/sec/ { rps = $2 } /Non-2xx/ { bad = $NF }
        /^WRKCPU/ { cu = $2 + $3 } /^FIRST-ERROR/ { if (!err) { err = $0; sub(/^FIRST-ERROR thread [0-9]+: /, "", err) } }
        END {
            printf "%-20s %-9s %-10s %8.0f %9s %9.1f %7d  %s\n", label, server, "wrk -t" t, rps,
                (cu ? sprintf("%.1f", cu * 1e6 / n) : "-"), (c1 - c0) * 1e6 / hz / n, bad + 0, substr(err, 1, 60)
        }'
}
# loadgen_run LABEL SERVER LOADGEN ARGS...: the same columns from loadgen's RESULT line.
loadgen_run() {
    local label="$1" server="$2"
    shift 2
    local port_var="${server}_PORT" pid_var="${server}_PID"
    "$LOADGEN_BIN" run --addr "127.0.0.1:${!port_var}" --server-pid "${!pid_var}" --connections 32 \
        --duration "$DURATION" --warmup 0.5 --tag "lg$RANDOM" --label "$label" \
        --header 'X-Auth-Token: bench' "$@" | grep '^RESULT' | awk -v label="$label" -v server="$server" '{
            for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            printf "%-20s %-9s %-10s %8.0f %9.1f %9.1f %7d\n", label, server, "loadgen", f["rps"],
                f["client_cpu_us"], f["server_cpu_us"], f["non2xx"]
        }'
}

printf '%-20s %-9s %-10s %8s %9s %9s %7s  %s\n' case server generator rps gen_cpu_us srv_cpu_us non2xx "first error"
for server in reference emulator; do
    make_function "$server" cfg-wrk
    for t in 1 32; do
        wrk_run show-config "$server" "$t" -H 'X-Auth-Token: bench' "URL$FNS/$(urn cfg-wrk)/config"
    done
    loadgen_run show-config "$server" --setup "POST $FNS $(create 'cfg-{tag}-{c}')" \
        --step "GET $FNS/$(urn 'cfg-{tag}-{c}')/config"
done
make_function emulator pub-wrk-1
TAG=wrk wrk_run publish emulator 1 -s publish.lua URL
CODE='{"code_type":"inline","code_filename":"index.py","func_code":{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJu{n}AA"}}'
for t in 1 32; do
    TAG="t$t$RANDOM" wrk_run create-code-publish emulator "$t" -s create-code-publish.lua URL
done
loadgen_run create-code-publish emulator --step "POST $FNS $(create 'mix-{tag}-{n}')" \
    --step "PUT $FNS/$(urn 'mix-{tag}-{n}')/code $CODE" \
    --step "POST $FNS/$(urn 'mix-{tag}-{n}')/versions {\"version\":\"v{n}\"}"
echo "gen_cpu_us / srv_cpu_us: CPU microseconds per request of the generator / the server (wrk: whole run; loadgen: measured window)"
