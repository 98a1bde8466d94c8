# shellcheck shell=bash
# Start servers on a free loopback port and stop them, for every script that needs a
# running emulator: the test suites (scripts/test-suites/*.sh) and the benchmarks
# (scripts/bench/lib.sh). Source it; do not run it. Needs bash and coreutils only (the
# health check goes over bash's /dev/tcp, so it also works for the bench's reference
# server and before anything is installed).
#
#   emulator_init               scratch dir $EMULATOR_DIR; EXIT trap that stops every server
#   emulator_on_exit CMD...     one more command for that trap (e.g. removing a temp dir)
#   emulator_build [release]    sets FGS_BIN: $FGS_EMULATOR_BIN if set, else builds the debug
#                               (or release) binary with cargo and uses it
#   emulator_start NAME [BIN] [ARGS...]
#                               BIN (default $FGS_BIN) --host 127.0.0.1 --port 0 --port-file
#                               ARGS; waits until it answers GET /_emulator/health with 200;
#                               sets NAME_PORT, NAME_PID, NAME_URL; fails at once (with the
#                               end of its log) if the process exits, after
#                               $EMULATOR_START_TIMEOUT seconds (default 30) if it never answers
#   emulator_healthy PORT       succeeds on a 200 from GET /_emulator/health
#   emulator_alive NAME         succeeds while NAME's process runs and answers healthy
#   emulator_stop NAME          SIGTERM, wait, forget
#
# Logs: stdout (the listening line) in $EMULATOR_DIR/NAME.out, stderr in
# $EMULATOR_DIR/NAME.log, unless NAME_LOG names another file before the start. Why one
# helper: "start on port 0, wait for the port file" was written four times and one copy
# never noticed an emulator that died at start-up; a fixed port would collide with the
# emulator a user keeps running on 8080 (the README's first command).
#
# emulator_start must not run in a $(...) subshell: its pid would not reach the EXIT trap.

EMULATOR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EMULATOR_DIR="${EMULATOR_DIR:-}"
EMULATOR_PIDS=()
EMULATOR_EXIT_CMDS=()
FGS_BIN="${FGS_BIN:-}"

emulator_init() {
    if [[ -z "$EMULATOR_DIR" ]]; then
        EMULATOR_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fgs-emulator.XXXXXX")"
        emulator_on_exit rm -rf "$EMULATOR_DIR"
    fi
    trap emulator_cleanup EXIT
    # The EXIT trap also runs on Ctrl-C and SIGTERM (bash runs it on `exit` only).
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

emulator_on_exit() {
    EMULATOR_EXIT_CMDS+=("$(printf '%q ' "$@")")
}

emulator_cleanup() {
    local pid cmd
    for pid in "${EMULATOR_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${EMULATOR_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    EMULATOR_PIDS=()
    for cmd in "${EMULATOR_EXIT_CMDS[@]}"; do
        eval "$cmd" || true
    done
    EMULATOR_EXIT_CMDS=()
}

emulator_build() {
    if [[ -n "${FGS_EMULATOR_BIN:-}" ]]; then
        FGS_BIN="$FGS_EMULATOR_BIN"
    else
        local profile=debug flags=()
        if [[ "${1:-debug}" == release ]]; then profile=release flags=(--release); fi
        (cd "$EMULATOR_ROOT" && cargo build --quiet --locked "${flags[@]}" --bin fgs-emulator) || {
            echo "emulator: cargo build failed" >&2
            return 1
        }
        local target="${CARGO_TARGET_DIR:-target}"
        [[ "$target" == /* ]] || target="$EMULATOR_ROOT/$target"
        FGS_BIN="$target/$profile/fgs-emulator"
    fi
    [[ "$FGS_BIN" == /* ]] || FGS_BIN="$PWD/$FGS_BIN"
    [[ -x "$FGS_BIN" ]] || {
        echo "emulator: no binary at $FGS_BIN" >&2
        return 1
    }
}

# In a subshell, so a refused connection cannot end the caller.
emulator_healthy() (
    exec 9<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1" >&9
    IFS= read -r -t 5 line <&9 || line=""
    [[ "$line" == "HTTP/1.1 200"* ]]
) 2>/dev/null

# Written without `set -e` in mind: callers often call it as `emulator_start ... || die`,
# where bash ignores errexit inside the function, so every failure returns explicitly.
emulator_start() {
    local name="$1" bin="$FGS_BIN"
    shift
    if [[ $# -gt 0 && "$1" != -* ]]; then
        bin="$1"
        shift
    fi
    [[ -n "$EMULATOR_DIR" ]] || {
        echo "emulator: call emulator_init first" >&2
        return 1
    }
    [[ -n "$bin" ]] || {
        echo "emulator: no binary (call emulator_build first)" >&2
        return 1
    }
    local log_var="${name}_LOG"
    local port_file="$EMULATOR_DIR/$name.port" log="${!log_var:-$EMULATOR_DIR/$name.log}"
    rm -f "$port_file"
    # The emulator refuses unknown FGS_EMULATOR_* variables (exit 2), FGS_EMULATOR_BIN too.
    env -u FGS_EMULATOR_BIN "$bin" --host 127.0.0.1 --port 0 --port-file "$port_file" "$@" \
        >"$EMULATOR_DIR/$name.out" 2>"$log" &
    local pid=$!
    EMULATOR_PIDS+=("$pid")
    local deadline=$((SECONDS + ${EMULATOR_START_TIMEOUT:-30})) port=""
    while true; do
        if [[ -s "$port_file" ]]; then
            port="$(tr -dc '0-9' <"$port_file")"
            [[ -n "$port" ]] && emulator_healthy "$port" && break
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            local status=0
            wait "$pid" 2>/dev/null || status=$?
            echo "emulator: $name exited during start-up (exit $status); the end of $log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "emulator: $name did not answer healthy within ${EMULATOR_START_TIMEOUT:-30} s; the end of $log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        sleep 0.02
    done
    printf -v "${name}_PORT" '%s' "$port"
    printf -v "${name}_PID" '%s' "$pid"
    printf -v "${name}_URL" 'http://127.0.0.1:%s' "$port"
}

emulator_alive() {
    local pid_var="${1}_PID" port_var="${1}_PORT"
    [[ -n "${!pid_var:-}" ]] && kill -0 "${!pid_var}" 2>/dev/null && emulator_healthy "${!port_var}"
}

emulator_stop() {
    local pid_var="${1}_PID" kept=() p
    local pid="${!pid_var:-}"
    [[ -n "$pid" ]] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${EMULATOR_PIDS[@]}"; do
        [[ "$p" == "$pid" ]] || kept+=("$p")
    done
    EMULATOR_PIDS=("${kept[@]}")
    printf -v "$pid_var" '%s' ""
}
