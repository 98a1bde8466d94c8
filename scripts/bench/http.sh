# shellcheck shell=bash
# One-off HTTP requests for scripts/bench-scale.sh. Source it after
# scripts/bench/lib.sh; do not run it. Bash and coreutils only (no curl, no python), like
# lib.sh: the load itself always goes through examples/loadgen.rs.

# bench_http PORT METHOD PATH [BODY_FILE]: sends one request to 127.0.0.1:PORT over bash's
# /dev/tcp (Connection: close, X-Auth-Token header, the body as application/json from
# BODY_FILE, which may be tens of MB: a command-line argument could not carry it, Linux
# caps one argument at 128 KiB), waits at most 120 s for the whole answer, prints its status
# code and leaves the body in $BENCH_TMP/http.body. Prints 000 when no answer came.
bench_http() {
    local port="$1" method="$2" path="$3" body="${4:-}"
    local raw="$BENCH_TMP/http.raw"
    : >"$raw"
    (
        exec 9<>"/dev/tcp/127.0.0.1/$port" || exit 1
        if [[ -n "$body" ]]; then
            printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nX-Auth-Token: bench\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n' \
                "$method" "$path" "$port" "$(wc -c <"$body" | tr -d ' ')" >&9
            cat "$body" >&9
        else
            printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nX-Auth-Token: bench\r\nConnection: close\r\n\r\n' \
                "$method" "$path" "$port" >&9
        fi
        timeout 120 cat <&9 >"$raw"
    ) 2>/dev/null || true
    # Head: up to the first empty line; body: the rest (the emulator answers JSON with a
    # Content-Length, so no chunk framing to undo).
    awk 'BEGIN { RS = "\r\n\r\n" } NR == 1 { next } { printf "%s%s", sep, $0; sep = RS }' "$raw" >"$BENCH_TMP/http.body"
    local status
    status="$(head -c 12 "$raw" | sed -n 's/^HTTP\/1\.1 \([0-9][0-9][0-9]\).*/\1/p')"
    printf '%s\n' "${status:-000}"
}
