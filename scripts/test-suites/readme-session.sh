#!/usr/bin/env bash
# Runs the README's curl session, as pasted, against a fresh emulator (on a free port instead
# of 8080) and checks what it prints: the session is documentation that must keep working.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet --locked --bin fgs-emulator
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
target/debug/fgs-emulator --port 0 --port-file "$dir/port" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
port=$(cat "$dir/port")
# The third ```sh block of the README is the session.
awk '/^```sh$/{n++; next} /^```$/{if (n==3) exit} n==3{print}' README.md |
  sed "s#127.0.0.1:8080#127.0.0.1:$port#g" >"$dir/session.sh"
bash "$dir/session.sh" >"$dir/answers"
# The fourth block shows every other endpoint; it runs after the session, in the same shell.
awk '/^```sh$/{n++; next} /^```$/{if (n==4) exit} n==4{print}' README.md |
  sed "s#127.0.0.1:8080#127.0.0.1:$port#g" >"$dir/endpoints.sh"
# It reuses the session's variables (P, API, H: the session's first lines).
(grep -E '^(P|API|H)=' "$dir/session.sh"; cat "$dir/endpoints.sh") | bash >"$dir/endpoint-answers"
expect() { grep -q -- "$1" "$dir/answers" || { echo "README session: missing $1"; cat "$dir/answers"; exit 1; }; }
expect '"func_urn":"urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:latest"'
expect 'function:default:hello:v1"'
expect '"error_code":"FSS.1016"'
expect 'function:default:hello:v10"'
tail -n 1 "$dir/answers" | grep -q '"error_code":"FSS.1042"' || { echo "README session: the cap was not hit"; cat "$dir/answers"; exit 1; }
if grep -q '"error_code"' "$dir/endpoint-answers"; then
  echo "README endpoint examples: an example failed"; cat "$dir/endpoint-answers"; exit 1
fi
grep -q '"alias_urn":"urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:!prod"' "$dir/endpoint-answers" ||
  { echo "README endpoint examples: no alias created"; cat "$dir/endpoint-answers"; exit 1; }
echo "README curl session: ok ($(wc -l <"$dir/answers") answers)"
