#!/usr/bin/env bash
# Load benchmark (issue 6): the emulator against a bare axum server answering the same
# routes with a fixed body of the same size (examples/reference_server.rs), in one run,
# interleaved A/B, on loopback. Prints rps, p50 and p99 per case and server, and the ratios
# emulator/reference (medians over rounds), then each round's own ratio as a mean, sd,
# range and rounds at target (with --fresh, how a target is read). Report only: noisy
# numbers never fail it; a broken harness does (a server that does not start, non-2xx
# answers the case does not expect).
#
# Usage: scripts/bench-load.sh [--quick] [options]
#   --quick            CI mode: 1 round of 1 s per case and server (~30 s after the build)
#   (default: full)    3 rounds of 8 s (+1 s warm-up) per case and server (~8 minutes)
#   --rounds N --duration S --warmup S --connections C   override the mode's values
#   --cases a,b        only these cases (names below)
#   --no-build         use the binaries already in target/release (target/dist with --dist)
#   --debug            use debug binaries (CI: keeps the harness from rotting; numbers meaningless)
#   --dist             use Cargo.toml's dist profile (release with fat LTO: what the Docker
#                      image and the wheel ship) for every binary, the reference's too, so
#                      the ratios still compare like with like (target/dist; ~6 min to build)
#   --no-startup       skip the start-up measurement (scripts/bench-startup.sh)
#   --cross-check      also measure show-config with wrk (apt) or oha if on PATH, to check
#                      the in-repo load generator against an independent one
#   --out FILE         also write the raw RESULT lines to FILE
#   --no-durable       skip the state-file part (below)
#   --baseline BIN     also run another build of the emulator (e.g. the previous commit's
#                      binary, copied aside) in the same rounds, interleaved, and print it
#                      beside the emulator: how one change is measured side by side
#   --fresh            start every server afresh for each round (and stop it after). Two
#                      processes of one build can differ by up to 8% for their whole life
#                      (docs/PERFORMANCE.md, "Issue 14, thirteenth step"), so rounds against
#                      one process are not independent samples; with --fresh they are, and
#                      every round starts from an empty store. Use it with --baseline and
#                      5 or more rounds to read differences of a few percent.
#
# The state-file part (issue 14): a third server, the emulator with --state-file in the
# scratch directory, answers `durable-publish-10` (every request a durable write: fsync per
# acknowledged change), and in the same round `loadgen fsync` measures the disk's own rate
# (one writer: append + fdatasync, in a loop) on the same filesystem. Printed side by side:
# acknowledged writes per second against syncs per second the disk allows.
#
# The load generator is examples/loadgen.rs (ordered steps per connection with unique
# names, which wrk on one thread and oha cannot run: docs/PERFORMANCE.md, "Why our own load
# generator"); it drives both servers, so its own cost is on both sides.
set -euo pipefail
# --debug: the debug binaries (CI runs the harness this way; the numbers mean nothing).
# --dist: the dist profile's, every one of them.
for arg in "$@"; do
    [[ $arg == --debug ]] && export BENCH_PROFILE=debug
    [[ $arg == --dist ]] && export BENCH_PROFILE=dist
done
# shellcheck source=scripts/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

MODE=full
ROUNDS="" DURATION="" WARMUP="" CONNECTIONS=32
ONLY="" BUILD=1 STARTUP=1 CROSS=0 OUT="" DURABLE=1 BASELINE="" FRESH=0
while [[ $# -gt 0 ]]; do
    case "$1" in
    --quick) MODE=quick; shift ;;
    --debug | --dist) shift ;;
    --full) MODE=full; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --cases) ONLY="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-startup) STARTUP=0; shift ;;
    --cross-check) CROSS=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --no-durable) DURABLE=0; shift ;;
    --baseline) BASELINE="$2"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) bench_die "unknown argument: $1 (see --help)" ;;
    esac
done
if [[ $MODE == quick ]]; then
    : "${ROUNDS:=1}" "${DURATION:=1}" "${WARMUP:=0.25}"
else
    : "${ROUNDS:=3}" "${DURATION:=8}" "${WARMUP:=1}"
fi

# --- the cases --------------------------------------------------------------------------
# One line per case: add_case NAME [--setup 'REQUEST']... --step 'REQUEST'...
# A REQUEST is `METHOD PATH [JSON BODY]`; {c} = connection, {n} = unique number (10 digits),
# {tag} = this run (round and server), so names never collide across runs. --setup runs once
# per connection before the clock starts; the --steps repeat in order, one {n} per pass.
PRJ=0123456789abcdef0123456789abcdef
FNS="/v2/$PRJ/fgs/functions"
urn() { printf 'urn:fss:cn-north-4:%s:function:default:%s:latest' "$PRJ" "$1"; }
# A realistic create body: inline Python, user_data, a description.
create() {
    printf '{"func_name":"%s","package":"default","runtime":"Python3.9","handler":"index.handler","memory_size":256,"timeout":30,"code_type":"inline","code_filename":"index.py","func_code":{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJuICdoZWxsbycK"},"description":"benchmark function","user_data":"{\\"GREETING\\":\\"hello\\"}"}' "$1"
}
# New code every pass: a base64 prefix (length divisible by 4) + 10 digits + 2 = valid base64.
CODE='{"code_type":"inline","code_filename":"index.py","func_code":{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJu{n}AA"}}'

CASE_NAMES=()
declare -A CASE_ARGS=()
add_case() {
    local name="$1"
    shift
    CASE_NAMES+=("$name")
    CASE_ARGS[$name]="$(printf '%q ' "$@")"
}
add_case show-config --setup "POST $FNS $(create 'cfg-{tag}-{c}')" --step "GET $FNS/$(urn 'cfg-{tag}-{c}')/config"
add_case show-code --setup "POST $FNS $(create 'sc-{tag}-{c}')" --step "GET $FNS/$(urn 'sc-{tag}-{c}')/code"
# latest only: one item, the same size as the reference's body.
add_case list-versions --setup "POST $FNS $(create 'lv-{tag}-{c}')" --step "GET $FNS/$(urn 'lv-{tag}-{c}')/versions"
add_case list-aliases --setup "POST $FNS $(create 'la-{tag}-{c}')" \
    --setup "POST $FNS/$(urn 'la-{tag}-{c}')/versions {\"version\":\"v1\"}" \
    --setup "POST $FNS/$(urn 'la-{tag}-{c}')/aliases {\"name\":\"live\",\"version\":\"v1\"}" \
    --step "GET $FNS/$(urn 'la-{tag}-{c}')/aliases"
add_case update-code --setup "POST $FNS $(create 'uc-{tag}-{c}')" --step "PUT $FNS/$(urn 'uc-{tag}-{c}')/code $CODE"
add_case update-config --setup "POST $FNS $(create 'ug-{tag}-{c}')" \
    --step "PUT $FNS/$(urn 'ug-{tag}-{c}')/config {\"runtime\":\"Python3.9\",\"handler\":\"index.handler\",\"memory_size\":256,\"timeout\":30,\"description\":\"d{n}\"}"
add_case publish --setup "POST $FNS $(create 'pub-{tag}-{c}')" --step "POST $FNS/$(urn 'pub-{tag}-{c}')/versions {\"version\":\"v{n}\",\"description\":\"benchmark\"}"
add_case create-code-publish --step "POST $FNS $(create 'mix-{tag}-{n}')" --step "PUT $FNS/$(urn 'mix-{tag}-{n}')/code $CODE" --step "POST $FNS/$(urn 'mix-{tag}-{n}')/versions {\"version\":\"v{n}\"}"
# Publish as users with the default cap do: a fresh function, then 10 publishes into it.
TEN=()
for i in $(seq 10); do TEN+=(--step "POST $FNS/$(urn 'p10-{tag}-{n}')/versions {\"version\":\"v$i\"}"); done
add_case publish-10 --step "POST $FNS $(create 'p10-{tag}-{n}')" "${TEN[@]}"
# The state-file part's case (not in --cases): the same life cycle, every request durable.
DTEN=()
for i in $(seq 10); do DTEN+=(--step "POST $FNS/$(urn 'd10-{tag}-{n}')/versions {\"version\":\"v$i\"}"); done
DURABLE_ARGS=(--step "POST $FNS $(create 'd10-{tag}-{n}')" "${DTEN[@]}")
# Later (issue 6 item 5, scale): add cases here, e.g. list functions once it is served:
# add_case list-functions --setup "POST $FNS $(create 'lst-{tag}-{c}')" --step "GET $FNS?maxitems=400"
# --------------------------------------------------------------------------------------------

# bench_start sets these (NAME_PORT, NAME_PID) through printf -v.
emulator_PORT="" emulator_PID="" reference_PORT="" reference_PID="" baseline_PORT="" baseline_PID=""
args=()
SELECTED=()
for name in "${CASE_NAMES[@]}"; do
    if [[ -z "$ONLY" || ",$ONLY," == *",$name,"* ]]; then SELECTED+=("$name"); fi
done
[[ ${#SELECTED[@]} -gt 0 ]] || bench_die "no case matches --cases $ONLY (cases: ${CASE_NAMES[*]})"

bench_init
[[ $BUILD == 1 ]] && bench_build
bench_require_binaries
bench_machine
# Which binaries ran: `cargo bench` and `cargo test --release` rebuild target/release's
# emulator with the dev-dependencies' features, and a build of another commit with the same
# target directory leaves that commit's binary there (docs/PERFORMANCE.md, "Issue 14,
# fourteenth step"); with --no-build, this line is how to tell.
for bin in "$EMULATOR_BIN" "$REFERENCE_BIN" ${BASELINE:+"$BASELINE"}; do
    printf 'binary: %s, %s bytes, built %s, sha256 %.12s\n' "$bin" "$(stat -c %s "$bin")" \
        "$(date -u -r "$bin" '+%Y-%m-%d %H:%M:%S UTC')" "$(sha256sum "$bin" | cut -d' ' -f1)"
done

# The emulator as a user runs it (default log level), with the publish cap and the
# unchanged check lifted and room for the functions the cases create.
start_emulator() { # NAME BIN [ARGS...]
    FGS_EMULATOR_LIMITS_MAX_VERSIONS=1000000 \
        FGS_EMULATOR_LIMITS_MAX_FUNCTIONS=1000000 \
        FGS_EMULATOR_BEHAVIOR_REJECT_UNCHANGED_PUBLISH=false \
        bench_start "$@"
}
SERVERS=(reference emulator)
if [[ -n "$BASELINE" ]]; then
    [[ -x "$BASELINE" ]] || bench_die "--baseline $BASELINE is not an executable"
    SERVERS+=(baseline)
fi
start_servers() { # [SERVER...]: in this order (--fresh starts them in the round's order)
    local server list=("$@")
    [[ $# -gt 0 ]] || list=("${SERVERS[@]}")
    for server in "${list[@]}"; do
        case $server in
        emulator) start_emulator emulator "$EMULATOR_BIN" ;;
        reference) bench_start reference "$REFERENCE_BIN" ;;
        baseline) start_emulator baseline "$BASELINE" ;;
        esac
    done
    [[ $DURABLE == 0 ]] || start_emulator durable "$EMULATOR_BIN" --state-file "$BENCH_TMP/state.jsonl"
}
stop_servers() {
    local server
    for server in "${SERVERS[@]}"; do bench_stop "$server"; done
    [[ $DURABLE == 0 ]] || bench_stop durable
    rm -f "$BENCH_TMP/state.jsonl"
}
start_servers

RESULTS="$BENCH_TMP/results.txt"
: >"$RESULTS"
bench_log "mode $MODE: ${#SELECTED[@]} cases x ${#SERVERS[@]} servers x $ROUNDS rounds x (${WARMUP}s warm-up + ${DURATION}s), $CONNECTIONS connections$([[ $FRESH == 0 ]] || echo ', fresh servers every round')"
FAILED=0
for ((round = 1; round <= ROUNDS; round++)); do
    # Each round moves every server one place on (a rotation), so that over rounds each
    # runs in every place: slow drift (heat, page cache) hits all. With two servers, who
    # goes first alternates. (With a baseline, the old order A,B,C then C,B,A kept the
    # emulator in the middle; no bias from that was measured, but now there is none to
    # measure: docs/PERFORMANCE.md, "Issue 14, fourteenth step".)
    order=()
    for ((i = 0; i < ${#SERVERS[@]}; i++)); do
        order+=("${SERVERS[(i + round - 1) % ${#SERVERS[@]}]}")
    done
    if [[ $FRESH == 1 ]] && ((round > 1)); then
        stop_servers
        start_servers "${order[@]}"
    fi
    for name in "${SELECTED[@]}"; do
        eval "args=(${CASE_ARGS[$name]})"
        for server in "${order[@]}"; do
            port_var="${server}_PORT" pid_var="${server}_PID"
            line="$("$LOADGEN_BIN" run --addr "127.0.0.1:${!port_var}" --server-pid "${!pid_var}" \
                --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
                --tag "r${round}${server:0:1}" --label "$name" \
                --header 'X-Auth-Token: bench' "${args[@]}" | grep '^RESULT')" ||
                bench_die "load generator failed on $name/$server"
            echo "$line server=$server round=$round" | tee -a "$RESULTS" >&2
            if [[ "$line" =~ non2xx=([0-9]+)\ errors=([0-9]+)\ setup_failures=([0-9]+) ]]; then
                if ((BASH_REMATCH[1] + BASH_REMATCH[3] > 0)); then
                    bench_log "error: $name/$server answered non-2xx (see the first problem above)"
                    FAILED=1
                fi
            fi
        done
    done
    if [[ $DURABLE == 1 ]]; then
        # The disk's rate and the emulator's, back to back in the same round.
        "$LOADGEN_BIN" fsync --dir "$BENCH_TMP" --duration "$DURATION" --label "disk round=$round" |
            grep '^FSYNC' | tee -a "$BENCH_TMP/fsync.txt" >&2 || bench_die "fsync probe failed"
        line="$("$LOADGEN_BIN" run --addr "127.0.0.1:$durable_PORT" --server-pid "$durable_PID" \
            --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
            --tag "r${round}d" --label durable-publish-10 \
            --header 'X-Auth-Token: bench' "${DURABLE_ARGS[@]}" | grep '^RESULT')" ||
            bench_die "load generator failed on durable-publish-10"
        echo "$line round=$round" | tee -a "$BENCH_TMP/durable.txt" >&2
        if [[ "$line" =~ non2xx=([0-9]+)\ errors=([0-9]+)\ setup_failures=([0-9]+) ]]; then
            if ((BASH_REMATCH[1] + BASH_REMATCH[3] > 0)); then
                bench_log "error: durable-publish-10 answered non-2xx"
                FAILED=1
            fi
        fi
    fi
done

# Median over rounds per case and server; ratios emulator/reference.
echo
printf 'load: %s mode, %s rounds x %ss, %s connections, loopback, generator 1 thread%s\n' \
    "$MODE" "$ROUNDS" "$DURATION" "$CONNECTIONS" "$([[ $FRESH == 0 ]] || echo ', fresh servers every round')"
awk -v cases="${SELECTED[*]}" "$BENCH_AWK"'
{
    fields()
    k = f["label"] SUBSEP f["server"]
    rps[k] = rps[k] " " f["rps"]; p50[k] = p50[k] " " f["p50_us"]; p99[k] = p99[k] " " f["p99_us"]
    cpu[k] = cpu[k] " " f["server_cpu_us"]
}
END {
    printf "%-20s %-9s %8s %8s %8s %8s %7s %7s %7s\n", "case", "server", "rps", "p50_ms", "p99_ms", "cpu_us", "rps_x", "p99_x", "cpu_x"
    n = split(cases, cs, " ")
    for (c = 1; c <= n; c++) {
        r = cs[c] SUBSEP "reference"; e = cs[c] SUBSEP "emulator"
        if (!(r in rps) || !(e in rps)) continue
        rr = median(rps[r]); rp50 = median(p50[r]); rp99 = median(p99[r]); rc = median(cpu[r])
        er = median(rps[e]); ep50 = median(p50[e]); ep99 = median(p99[e]); ec = median(cpu[e])
        printf "%-20s %-9s %8.0f %8.3f %8.3f %8.1f %7s %7s %7s\n", cs[c], "reference", rr, rp50 / 1000, rp99 / 1000, rc, "1.00", "1.00", "1.00"
        printf "%-20s %-9s %8.0f %8.3f %8.3f %8.1f %7.2f %7.2f %7.2f\n", cs[c], "emulator", er, ep50 / 1000, ep99 / 1000, ec, (rr > 0 ? er / rr : 0), (rp99 > 0 ? ep99 / rp99 : 0), (rc > 0 ? ec / rc : 0)
        b = cs[c] SUBSEP "baseline"
        if (b in rps) {
            br = median(rps[b]); bp50 = median(p50[b]); bp99 = median(p99[b]); bc = median(cpu[b])
            printf "%-20s %-9s %8.0f %8.3f %8.3f %8.1f %7.2f %7.2f %7.2f\n", cs[c], "baseline", br, bp50 / 1000, bp99 / 1000, bc, (rr > 0 ? br / rr : 0), (rp99 > 0 ? bp99 / rp99 : 0), (rc > 0 ? bc / rc : 0)
        }
    }
    print "cpu_us: server CPU time per request (user+system, all threads, from /proc); _x: emulator / reference"
    print "targets (issue 14): reads (show-config, show-code, list-versions, list-aliases) rps_x >= 0.90 and p99_x <= 1.30;"
    print "  writes (publish, update-code, update-config) rps_x >= 0.80 and p99_x <= 1.50 (reported, not asserted)"
}' "$RESULTS"

# Each round's own ratio (the emulator's rps over the reference's in the same round), then
# their mean and spread: the statistic the medians above blur. The machine's speed drifts
# by more than a change of a few percent (docs/PERFORMANCE.md, "Issue 14, sixteenth step"),
# and a round's two figures share its drift, so with --fresh (independent rounds) the mean
# of these ratios is how a target is read.
echo
echo "rps_x per round (each round's rps over the same round's reference; mean, sample sd, range):"
awk -v cases="${SELECTED[*]}" "$BENCH_AWK"'
{
    fields()
    rps[f["label"], f["server"], f["round"]] = f["rps"]
    rounds[f["round"]] = 1
}
END {
    printf "%-20s %-9s %6s %6s %6s %6s %9s\n", "case", "server", "mean", "sd", "min", "max", "at_target"
    n = split(cases, cs, " ")
    split("emulator baseline", servers, " ")
    for (c = 1; c <= n; c++) {
        target = (cs[c] ~ /^(show-config|show-code|list-versions|list-aliases)$/) ? 0.90 \
            : (cs[c] ~ /^(publish|update-code|update-config)$/) ? 0.80 : 0
        for (s = 1; s <= 2; s++) {
            k = 0; sum = 0; sq = 0; lo = 0; hi = 0; met = 0
            for (r in rounds) {
                if (!((cs[c], "reference", r) in rps) || !((cs[c], servers[s], r) in rps)) continue
                ref = rps[cs[c], "reference", r] + 0
                if (ref <= 0) continue
                x = rps[cs[c], servers[s], r] / ref
                k++; sum += x; sq += x * x
                if (k == 1 || x < lo) lo = x
                if (k == 1 || x > hi) hi = x
                if (x >= target) met++
            }
            if (k == 0) continue
            mean = sum / k
            sd = (k > 1) ? sqrt((sq - k * mean * mean) / (k - 1) > 0 ? (sq - k * mean * mean) / (k - 1) : 0) : -1
            printf "%-20s %-9s %6.3f %6s %6.3f %6.3f %9s\n", cs[c], servers[s], mean, (sd < 0 ? "-" : sprintf("%.3f", sd)), lo, hi,
                (target > 0 ? met "/" k : "-")
        }
    }
    print "at_target: rounds at or above the rps_x target of the case (0.90 reads, 0.80 writes; - for information-only cases)"
}' "$RESULTS"

if [[ $DURABLE == 1 ]]; then
    echo
    printf 'state file (%s, fsync per acknowledged write), %s connections, medians of %s rounds:\n' \
        "$(findmnt -n -o FSTYPE -T "$BENCH_TMP" 2>/dev/null || echo '?') on $(findmnt -n -o SOURCE -T "$BENCH_TMP" 2>/dev/null || echo '?')" \
        "$CONNECTIONS" "$ROUNDS"
    awk "$BENCH_AWK"'
    FNR == 1 { file++ }
    {
        fields()
        if (file == 1) { disk = disk " " f["per_s"]; dp50 = dp50 " " f["p50_us"] }
        else { rps = rps " " f["rps"]; p50 = p50 " " f["p50_us"]; p99 = p99 " " f["p99_us"] }
    }
    END {
        d = median(disk); r = median(rps)
        printf "disk (1 writer, append + fdatasync): %8.0f syncs/s, p50 %.3f ms\n", d, median(dp50) / 1000
        printf "durable-publish-10 (emulator):       %8.0f acknowledged writes/s, p50 %.3f ms, p99 %.3f ms\n", r, median(p50) / 1000, median(p99) / 1000
        printf "writes / disk syncs: %.2f (target, issue 14: >= 0.80)\n", (d > 0 ? r / d : 0)
    }' "$BENCH_TMP/fsync.txt" "$BENCH_TMP/durable.txt"
fi

printf 'rss after the load: emulator %s KiB, reference %s KiB (every function and version the cases made %s is still held)\n' \
    "$(bench_rss_kb "$emulator_PID")" "$(bench_rss_kb "$reference_PID")" "$([[ $FRESH == 1 ]] && echo 'in the last round' || echo 'in all rounds')"

if [[ -n "$OUT" ]]; then
    cp "$RESULTS" "$OUT"
fi

if [[ $CROSS == 1 ]]; then
    bash "$BENCH_ROOT/scripts/bench/cross-check.sh" "$reference_PORT" "$emulator_PORT" \
        "$FNS/$(urn "cfg-r${ROUNDS}e-0")/config" "$DURATION" "$CONNECTIONS" || bench_log "cross-check failed (ignored)"
fi

if [[ $STARTUP == 1 ]]; then
    echo
    bash "$BENCH_ROOT/scripts/bench-startup.sh" --no-build --runs 20
fi

if [[ $FAILED == 1 ]]; then
    bench_die "some requests were answered non-2xx: the benchmark no longer matches the API"
fi
