#!/usr/bin/env bash
# Cross-check of the in-repo load generator: show config measured with an independent tool
# against both servers. Called by scripts/bench-load.sh --cross-check; not part of --quick.
#
# Usage: scripts/bench/cross-check.sh REF_PORT EMU_PORT PATH DURATION CONNECTIONS
#
# Tool: `oha` if on PATH, else `wrk` (installed with apt-get when missing and we are root:
# a Debian package, seconds to install). `cargo install oha --locked` also works but builds
# for minutes on 2 cores, so it is used only with BENCH_INSTALL_OHA=1.
set -euo pipefail
ref_port="$1" emu_port="$2" path="$3" duration="$4" connections="$5"
secs="${duration%.*}"
[[ "$secs" =~ ^[0-9]+$ && "$secs" -ge 1 ]] || secs=1

tool=""
if command -v oha >/dev/null; then
    tool=oha
elif command -v wrk >/dev/null; then
    tool=wrk
elif [[ "${BENCH_INSTALL_OHA:-0}" == 1 ]]; then
    cargo install oha --locked --quiet && tool=oha
elif [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "[bench] installing wrk (apt-get install -y wrk)" >&2
    { apt-get install -y -qq wrk >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }; } &&
        tool=wrk
fi
[[ -n "$tool" ]] || {
    echo "[bench] cross-check skipped: neither oha nor wrk available" >&2
    exit 0
}

echo
echo "cross-check: show-config with $tool (1 thread, $connections connections, ${secs}s each)"
printf '%-10s %10s %10s %10s\n' server rps p50_ms p99_ms
for server in reference emulator; do
    if [[ $server == reference ]]; then port=$ref_port; else port=$emu_port; fi
    url="http://127.0.0.1:$port$path"
    if [[ $tool == wrk ]]; then
        wrk -t1 -c"$connections" -d"${secs}s" --latency -H 'X-Auth-Token: bench' "$url" |
            awk -v s="$server" '
                function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
                /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
                /Non-2xx/ { bad = $NF }
                END { printf "%-10s %10.0f %10.3f %10.3f%s\n", s, rps, p50, p99, (bad ? "  non-2xx: " bad : "") }'
    else
        oha --no-tui -c "$connections" -z "${secs}s" --output-format json -H 'X-Auth-Token: bench' "$url" |
            python3 -c '
import json, sys
d = json.load(sys.stdin); p = d["latencyPercentiles"]
print("%-10s %10.0f %10.3f %10.3f" % (sys.argv[1], d["summary"]["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000))' "$server"
    fi
done
