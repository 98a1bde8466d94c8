# shellcheck shell=bash
# Shared by scripts/bench-load.sh and scripts/bench-startup.sh. Source it; do not run it.
#
# Servers are started on loopback with --port 0 --port-file and remembered in BENCH_PIDS;
# bench_cleanup (installed as an EXIT trap by bench_init) kills exactly those pids and
# removes the scratch directory. Needs only bash: no curl, no python.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# BENCH_PROFILE=debug uses (and builds) the debug binaries instead: numbers are meaningless
# then, but CI uses it to run the harness cheaply so it cannot rot.
BENCH_PROFILE="${BENCH_PROFILE:-release}"
BENCH_TARGET="${CARGO_TARGET_DIR:-$BENCH_ROOT/target}/$BENCH_PROFILE"
EMULATOR_BIN="$BENCH_TARGET/fgs-emulator"
REFERENCE_BIN="$BENCH_TARGET/examples/reference_server"
LOADGEN_BIN="$BENCH_TARGET/examples/loadgen"
BENCH_PIDS=()
BENCH_TMP=""

bench_log() { printf '[bench] %s\n' "$*" >&2; }
bench_die() {
    printf '[bench] error: %s\n' "$*" >&2
    exit 1
}

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    BENCH_PIDS=()
    if [[ -n "$BENCH_TMP" && -d "$BENCH_TMP" ]]; then
        rm -rf "$BENCH_TMP"
    fi
}

bench_init() {
    BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/fgs-bench.XXXXXX")"
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# The release binaries every benchmark uses (the emulator, the reference, the load
# generator). Cargo makes a second run fast.
bench_build() {
    local profile=(--release)
    [[ $BENCH_PROFILE == debug ]] && profile=()
    bench_log "building $BENCH_PROFILE binaries (cargo build ${profile[*]} --bin fgs-emulator --example reference_server --example loadgen)"
    (cd "$BENCH_ROOT" && cargo build "${profile[@]}" --quiet --bin fgs-emulator \
        --example reference_server --example loadgen) || bench_die "build failed"
}

bench_require_binaries() {
    local b
    for b in "$EMULATOR_BIN" "$REFERENCE_BIN" "$LOADGEN_BIN"; do
        [[ -x "$b" ]] || bench_die "$b is missing: run without --no-build"
    done
}

# GET /_emulator/health over bash's /dev/tcp (in a subshell, so a refused connection
# cannot end the caller); succeeds on a 200.
bench_healthy() (
    port="$1"
    exec 9<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&9
    IFS= read -r -t 5 line <&9 || line=""
    [[ "$line" == "HTTP/1.1 200"* ]]
) 2>/dev/null

# bench_start NAME BINARY [ARGS...]: starts a server on 127.0.0.1 with a free port, waits
# (at most 30 s) until it answers healthy, and sets NAME_PORT and NAME_PID (e.g.
# emulator_PORT, emulator_PID).
# Environment for the server is whatever the caller exports or prefixes.
bench_start() {
    local name="$1" bin="$2"
    shift 2
    local port_file="$BENCH_TMP/$name.port" log="$BENCH_TMP/$name.log"
    rm -f "$port_file"
    "$bin" --host 127.0.0.1 --port 0 --port-file "$port_file" "$@" >"$log.out" 2>"$log" &
    local pid=$!
    BENCH_PIDS+=("$pid")
    local i port=""
    for ((i = 0; i < 600; i++)); do
        if [[ -s "$port_file" ]]; then
            port="$(tr -dc '0-9' <"$port_file")"
            [[ -n "$port" ]] && bench_healthy "$port" && break
        fi
        kill -0 "$pid" 2>/dev/null || {
            tail -n 20 "$log" >&2
            bench_die "$name exited during start-up"
        }
        sleep 0.05
    done
    bench_healthy "$port" || {
        tail -n 20 "$log" >&2
        bench_die "$name did not become healthy in 30 s"
    }
    printf -v "${name}_PORT" '%s' "$port"
    printf -v "${name}_PID" '%s' "$pid"
    bench_log "$name listening on 127.0.0.1:$port (pid $pid): $(head -n 1 "$log.out")"
}

# The machine, for the report; warns when something else is using the CPU (numbers from a
# busy machine are not comparable with other runs, though the A/B ratios still are roughly).
bench_machine() {
    local model load
    model="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
    load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
    printf 'machine: %s cores, %s, %s, load average %s\n' "$(nproc)" "${model:-unknown CPU}" "$(uname -sr)" "$load"
    if awk -v l="$load" 'BEGIN { exit !(l + 0 > 0.7) }'; then
        bench_log "warning: load average $load before the run: another process is using the CPU"
    fi
}

# Resident set size of a process in KiB (VmRSS), for the scale measurements.
bench_rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
