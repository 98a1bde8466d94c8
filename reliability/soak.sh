#!/usr/bin/env bash
# Soak test (issue 7, item 7): at least a million mixed requests on loopback against a
# release build, with the emulator's resident memory (VmRSS) sampled throughout. The state
# the mix leaves behind is bounded (every pass deletes the alias and the version it made) and
# so is the request journal (control.journal_size, 1000), so RSS must plateau: the script
# fails if RSS at the end is more than SOAK_MAX_GROWTH_PCT (10) percent above RSS after the
# warm-up, if any request fails at the transport level, or if more requests than the mix's
# one deliberate 404 per pass answer non-2xx.
#
# Usage:  reliability/soak.sh            (builds target/release; ~2-5 minutes on 2 cores)
# Environment (defaults):
#   SOAK_REQUESTS=1000000      requests after the warm-up (the warm-up's are extra)
#   SOAK_WARMUP_SECONDS=30     warm-up load before the baseline RSS sample
#   SOAK_CONNECTIONS=32        keep-alive connections of the load generator
#   SOAK_MAX_SECONDS=540       cap on the measured runs
#   SOAK_SAMPLE_SECONDS=5      RSS sampling period
#   SOAK_MAX_GROWTH_PCT=10     allowed RSS growth, end vs after warm-up
#   SOAK_NO_BUILD=1            use the binaries already in target/release
#
# The load generator is examples/loadgen.rs (bounded, loopback only, unique {n} per pass).
# Each connection owns one function and repeats this pass (13 requests, one {n} each):
#   update code (new digest), update config, publish v{n}, show config of v{n}, create alias
#   a{n} -> v{n}, list aliases, update alias, list versions, show code, delete alias a{n},
#   delete version v{n}, list functions, and show config of a function that does not exist
#   (404 FSS.1051: the error path, once per pass).
# Output: RSS samples (KiB) as they are taken, then one SOAK line (requests and non2xx count
# the warm-up too; seconds is the measured runs' wall time, load_seconds and rps their time
# under load; rss_end is sampled as the load ends):
#   SOAK requests=.. seconds=.. load_seconds=.. rps=.. non2xx=.. errors=.. rss_warm_kib=.. rss_end_kib=..
#        rss_max_kib=.. growth_pct=.. journal_entries=..
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

requests="${SOAK_REQUESTS:-1000000}"
warmup="${SOAK_WARMUP_SECONDS:-30}"
connections="${SOAK_CONNECTIONS:-32}"
max_seconds="${SOAK_MAX_SECONDS:-540}"
period="${SOAK_SAMPLE_SECONDS:-5}"
max_growth="${SOAK_MAX_GROWTH_PCT:-10}"

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
if [ -z "${SOAK_NO_BUILD:-}" ]; then
  cargo build --quiet --release --locked --bin fgs-emulator --example loadgen
fi
emulator="$target_dir/release/fgs-emulator"
loadgen="$target_dir/release/examples/loadgen"

work="$(mktemp -d)"
pid=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The emulator as a user runs it: default configuration (journal of 1000, version cap 10).
"$emulator" --port 0 --port-file "$work/port" >"$work/emulator.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.1
done
port="$(tr -d '[:space:]' <"$work/port")"
"$emulator" healthcheck --url "http://127.0.0.1:$port" >/dev/null

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }

P=0123456789abcdef0123456789abcdef
F="/v2/$P/fgs/functions"
fn='soak-{tag}-{c}'
create='{"func_name":"'$fn'","package":"default","runtime":"Python3.9","handler":"index.handler","memory_size":256,"timeout":30,"code_type":"inline","code_filename":"index.py","func_code":{"file":"cHJpbnQoMSkK"},"description":"soak","user_data":"{\"STAGE\":\"soak\"}"}'
# A base64 prefix (length divisible by 4) + 10 digits + 2 characters: valid base64, new each pass.
code='{"code_type":"inline","code_filename":"index.py","func_code":{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJu{n}AA"}}'
config='{"func_name":"'$fn'","runtime":"Python3.9","handler":"index.handler","memory_size":512,"timeout":60,"description":"pass {n}","user_data":"{\"PASS\":\"{n}\"}"}'
version="$P:default:$fn:v{n}"
mix=(
  --setup "POST $F $create"
  --step "PUT $F/$fn/code $code"
  --step "PUT $F/$fn/config $config"
  --step "POST $F/$fn/versions {\"version\":\"v{n}\",\"description\":\"soak {n}\"}"
  --step "GET $F/$version/config"
  --step "POST $F/$fn/aliases {\"name\":\"a{n}\",\"version\":\"v{n}\",\"description\":\"soak\"}"
  --step "GET $F/$fn/aliases"
  --step "PUT $F/$fn/aliases/a{n} {\"version\":\"v{n}\",\"description\":\"moved\"}"
  --step "GET $F/$fn/versions?maxitems=5"
  --step "GET $F/$fn/code"
  --step "DELETE $F/$fn/aliases/a{n}"
  --step "DELETE $F/$version"
  --step "GET $F?maxitems=10"
  --step "GET $F/soak-missing-{c}/config"
)
steps=13

run() { # tag duration max_requests
  "$loadgen" run --addr "127.0.0.1:$port" --connections "$connections" --warmup 0 \
    --duration "$2" --max-requests "$3" --tag "$1" --label "soak-$1" \
    --header 'X-Auth-Token: soak' "${mix[@]}" | grep '^RESULT'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

echo "soak: emulator pid $pid on port $port; RSS at start $(rss_kib) KiB"
echo "soak: warm-up ${warmup}s ($connections connections)"
warm_line="$(run w "$warmup" 100000000)"
echo "  $warm_line"
sleep 1
rss_warm="$(rss_kib)"
echo "soak: RSS after warm-up $rss_warm KiB"

(
  t=0
  while sleep "$period"; do
    t=$((t + period))
    printf '  t=%4ss RSS %s KiB\n' "$t" "$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")" | tee -a "$work/samples"
  done
) &
sampler=$!

# The generator runs for a fixed time (it always waits out its window), so the measured run
# is sized from the warm-up's rate, with top-up runs (new tags, so new functions) until the
# count is reached.
warm_rps="$(field rps "$warm_line")"
echo "soak: $requests requests (at most ${max_seconds}s in all), RSS every ${period}s"
start=$(date +%s.%N)
main_n=0 main_non2xx=0 main_errors=0 round=0 main_line="" active=0
while [ "$main_n" -lt "$requests" ]; do
  elapsed="$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print int(b - a)}')"
  left=$((max_seconds - elapsed))
  [ "$left" -ge 1 ] || break
  want="$(awk -v n=$((requests - main_n)) -v r="${warm_rps:-1000}" -v l="$left" \
    'BEGIN {d = n / (r > 0 ? r : 1000) * 1.1 + 1; if (d > l) d = l; printf "%d", d}')"
  round=$((round + 1))
  main_line="$(run "s$round" "$want" $((requests - main_n)))"
  echo "  $main_line"
  main_n=$((main_n + $(field requests "$main_line")))
  main_non2xx=$((main_non2xx + $(field non2xx "$main_line")))
  main_errors=$((main_errors + $(field errors "$main_line")))
  # Seconds under load (the generator idles out its window once --max-requests is reached).
  active="$(awk -v a="$active" -v n="$(field requests "$main_line")" -v r="$(field rps "$main_line")" \
    'BEGIN {printf "%.1f", a + (r > 0 ? n / r : 0)}')"
done
end=$(date +%s.%N)
rss_end="$(rss_kib)"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
"$emulator" healthcheck --url "http://127.0.0.1:$port" >/dev/null

warm_n="$(field requests "$warm_line")"
non2xx=$(($(field non2xx "$warm_line") + main_non2xx))
errors=$(($(field errors "$warm_line") + main_errors))
total=$((warm_n + main_n))
rss_max="$(awk '{print $4}' "$work/samples" 2>/dev/null | sort -n | tail -1)"
rss_max="${rss_max:-$rss_end}"
[ "$rss_end" -gt "$rss_max" ] && rss_max="$rss_end"
seconds="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')"
growth="$(awk -v w="$rss_warm" -v e="$rss_end" 'BEGIN {printf "%.1f", (e - w) * 100 / w}')"
journal="$(python3 -c 'import json, sys, urllib.request
print(len(json.load(urllib.request.urlopen(sys.argv[1], timeout=10))))' \
  "http://127.0.0.1:$port/_emulator/requests" 2>/dev/null || echo '?')"
echo "SOAK requests=$total seconds=$seconds load_seconds=$active rps=$(awk -v n="$main_n" -v s="$active" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}') non2xx=$non2xx errors=$errors rss_warm_kib=$rss_warm rss_end_kib=$rss_end rss_max_kib=$rss_max growth_pct=$growth journal_entries=$journal"

fail=0
if [ "$main_n" -lt "$requests" ]; then
  echo "soak: only $main_n of $requests requests in ${max_seconds}s" >&2; fail=1
fi
if [ "$errors" -ne 0 ]; then
  echo "soak: $errors transport errors" >&2; fail=1
fi
# One 404 per pass is the mix's own; allow one partial pass per connection and run.
if [ "$non2xx" -gt $((total / steps + (round + 1) * connections)) ]; then
  echo "soak: $non2xx non-2xx answers; the mix expects about $((total / steps))" >&2; fail=1
fi
if awk -v g="$growth" -v m="$max_growth" 'BEGIN {exit !(g > m)}'; then
  echo "soak: RSS grew $growth% (limit $max_growth%)" >&2; fail=1
fi
exit "$fail"
