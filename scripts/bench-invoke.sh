#!/usr/bin/env bash
# Invocation performance (issue 12): in one run, on one release emulator,
#   1. the start-up of `python3 -c pass` (the cost a warm invocation must stay far below),
#   2. warm invocations of a trivial Python handler over one keep-alive connection (p50/p99),
#   3. cold starts: the first invocation after the version's instances were retired,
#   4. throughput of one alias (30% to a second version) under wrk, 64 connections, bounded.
#
# Usage: scripts/bench-invoke.sh [--warm N] [--cold N] [--seconds S] [--no-build]
# Needs python3 and wrk (apt-get install wrk). Traffic goes to 127.0.0.1 only. Report only:
# it never fails on a slow number. The emulator it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

WARM=2000
COLD=10
SECONDS_WRK=10
BUILD=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --warm) WARM="$2"; shift 2 ;;
    --cold) COLD="$2"; shift 2 ;;
    --seconds) SECONDS_WRK="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

[[ $BUILD == 1 ]] && cargo build --release --locked --quiet --bin fgs-emulator
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 2; }

dir=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
FGS_EMULATOR_CONTROL_SEED=42 FGS_EMULATOR_BEHAVIOR_REJECT_UNCHANGED_PUBLISH=false \
    target/release/fgs-emulator --port 0 --port-file "$dir/port" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 200); do [[ -s $dir/port ]] && break; sleep 0.05; done
port=$(cat "$dir/port")

python3 - "$port" "$WARM" "$COLD" "$dir" <<'PY'
import base64, http.client, json, statistics, subprocess, sys, time

port, warm, cold, scratch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
P = "0123456789abcdef0123456789abcdef"
conn = http.client.HTTPConnection("127.0.0.1", port)
H = {"X-Auth-Token": "bench", "Content-Type": "application/json"}

def call(method, path, body=None, headers=None):
    conn.request(method, f"/v2/{P}/fgs{path}", body=json.dumps(body) if body is not None else None,
                 headers={**H, **(headers or {})})
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
    return r, data

code = base64.b64encode(b"def handler(event, context):\n    return 1\n").decode()
call("POST", "/functions", {"func_name": "trivial", "package": "default", "runtime": "Python3.9",
     "handler": "index.handler", "memory_size": 128, "timeout": 30, "code_type": "inline",
     "func_code": {"file": code}})
call("POST", "/functions/trivial/versions", {"version": "v1"})
call("PUT", f"/functions/{P}:default:trivial:latest/config", {"func_name": "trivial",
     "runtime": "Python3.9", "handler": "index.handler", "memory_size": 128, "timeout": 30,
     "description": "second"})
call("POST", "/functions/trivial/versions", {"version": "v2"})
call("POST", "/functions/trivial/aliases", {"name": "prod", "version": "v1",
     "additional_version_weights": {"v2": 30}})

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

# 1. python3 -c pass, 20 runs.
starts = []
for _ in range(20):
    t = time.perf_counter()
    subprocess.run(["python3", "-c", "pass"], check=True)
    starts.append((time.perf_counter() - t) * 1000)
py = statistics.median(starts)
print(f"PYTHON_STARTUP runs=20 median_ms={py:.2f} min_ms={min(starts):.2f}")

# 2. Warm: one connection, sequential, after a first (cold) call.
call("POST", "/functions/trivial/invocations", {})
lat = []
for _ in range(warm):
    t = time.perf_counter()
    call("POST", "/functions/trivial/invocations", {"k": 1})
    lat.append((time.perf_counter() - t) * 1000)
p50, p99 = pct(lat, 50), pct(lat, 99)
print(f"WARM n={warm} p50_ms={p50:.3f} p99_ms={p99:.3f} mean_ms={statistics.mean(lat):.3f} "
      f"p50_over_python_startup={p50 / py:.3f}")

# 3. Cold: a config change retires the pool; the next call starts a new instance.
colds = []
for i in range(cold):
    call("PUT", f"/functions/{P}:default:trivial:latest/config", {"func_name": "trivial",
         "runtime": "Python3.9", "handler": "index.handler", "memory_size": 128, "timeout": 30,
         "description": f"cold {i}"})
    t = time.perf_counter()
    call("POST", "/functions/trivial/invocations", {})
    colds.append((time.perf_counter() - t) * 1000)
print(f"COLD n={cold} median_ms={statistics.median(colds):.2f} min_ms={min(colds):.2f} "
      f"max_ms={max(colds):.2f}")

# Warm the alias's two versions before wrk.
for _ in range(50):
    call("POST", f"/functions/{P}:default:trivial:!prod/invocations", {})
with open(f"{scratch}/alias.lua", "w") as f:
    f.write('wrk.method = "POST"\nwrk.body = "{\\"k\\": 1}"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            'wrk.headers["X-Auth-Token"] = "bench"\n')
PY

echo "WRK alias prod (30% v2), 64 connections, 2 threads, ${SECONDS_WRK}s:"
wrk -t2 -c64 -d"${SECONDS_WRK}s" --latency -s "$dir/alias.lua" \
    "http://127.0.0.1:$port/v2/0123456789abcdef0123456789abcdef/fgs/functions/0123456789abcdef0123456789abcdef:default:trivial:!prod/invocations"
curl -s "http://127.0.0.1:$port/_emulator/instances"
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), nproc $(nproc)"
