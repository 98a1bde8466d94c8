# shellcheck shell=bash
# Shared by scripts/bench-load.sh, scripts/bench-scale.sh and scripts/bench-startup.sh.
# Source it; do not run it.
#
# Servers are started and stopped by scripts/lib/emulator.sh (loopback, --port 0
# --port-file, healthy before use, fail fast if one dies, all stopped on exit), the same
# helper the test suites use; its scratch directory is $BENCH_TMP. Needs only bash: no
# curl, no python.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/emulator.sh
source "$BENCH_ROOT/scripts/lib/emulator.sh"
# BENCH_PROFILE=debug uses (and builds) the debug binaries instead: numbers are meaningless
# then, but CI uses it to run the harness cheaply so it cannot rot. BENCH_PROFILE=dist uses
# Cargo.toml's dist profile (release with fat LTO), the one the Docker image and wheel ship.
BENCH_PROFILE="${BENCH_PROFILE:-release}"
BENCH_TARGET="${CARGO_TARGET_DIR:-$BENCH_ROOT/target}/$BENCH_PROFILE"
# EMULATOR_BIN may be set to measure another build of the emulator (e.g. the previous
# commit's, copied aside) against the same reference.
EMULATOR_BIN="${EMULATOR_BIN:-$BENCH_TARGET/fgs-emulator}"
REFERENCE_BIN="$BENCH_TARGET/examples/reference_server"
LOADGEN_BIN="$BENCH_TARGET/examples/loadgen"
BENCH_TMP=""

bench_log() { printf '[bench] %s\n' "$*" >&2; }
bench_die() {
    printf '[bench] error: %s\n' "$*" >&2
    exit 1
}

bench_init() {
    emulator_init
    # shellcheck disable=SC2034 # used by the scripts that source this
    BENCH_TMP="$EMULATOR_DIR"
}

# The release binaries every benchmark uses (the emulator, the reference, the load
# generator). Cargo makes a second run fast. Two builds, not one: built together with the
# examples, the emulator would get the dev-dependencies' features too (cargo unifies them
# per build) and be another binary than the one users run (13.0 MB instead of 12.1 MB).
bench_build() {
    local profile=(--profile "$BENCH_PROFILE")
    [[ $BENCH_PROFILE == debug ]] && profile=()
    bench_log "building $BENCH_PROFILE binaries (cargo build ${profile[*]} --bin fgs-emulator; cargo build ${profile[*]} --example reference_server --example loadgen)"
    (cd "$BENCH_ROOT" && cargo build "${profile[@]}" --quiet --bin fgs-emulator &&
        cargo build "${profile[@]}" --quiet --example reference_server --example loadgen) ||
        bench_die "build failed"
}

bench_require_binaries() {
    local b
    for b in "$EMULATOR_BIN" "$REFERENCE_BIN" "$LOADGEN_BIN"; do
        [[ -x "$b" ]] || bench_die "$b is missing: run without --no-build"
    done
}

# bench_start NAME BINARY [ARGS...]: starts a server on 127.0.0.1 with a free port, waits
# (at most 30 s) until it answers healthy, and sets NAME_PORT and NAME_PID (e.g.
# emulator_PORT, emulator_PID). Environment for the server is whatever the caller exports
# or prefixes.
bench_start() {
    local name="$1"
    emulator_start "$@" || bench_die "$name did not start"
    local port_var="${name}_PORT" pid_var="${name}_PID"
    bench_log "$name listening on 127.0.0.1:${!port_var} (pid ${!pid_var}): $(head -n 1 "$EMULATOR_DIR/$name.out")"
}

# bench_stop NAME: stops a server bench_start started and forgets it, so its memory and CPU
# are gone before the next part of a run.
bench_stop() {
    local pid_var="${1}_PID"
    local pid="${!pid_var}"
    emulator_stop "$1"
    [[ -z "$pid" ]] || bench_log "$1 stopped (pid $pid)"
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

# The awk functions the reports share; prepend to an awk program ("$BENCH_AWK"'...').
# median(list): the median of space-separated numbers. fields(): the current line's
# `key=value` words into the global array f (a RESULT line: f["rps"], f["p99_us"] ...).
# shellcheck disable=SC2034,SC2016 # used by the scripts that source this; awk's $i, not bash's
BENCH_AWK='
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fields(   i, kv) {
    delete f
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
}
'
