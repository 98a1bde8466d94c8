#!/usr/bin/env bash
# Runs the README's curl examples, as pasted, against fresh emulators (on free ports instead
# of 8080) and checks what they print: these examples are documentation that must keep
# working. Blocks are the README's ```sh blocks, counted from the top:
#   3: the curl session (create, update code, publish twice, hit the cap);
#   4: every other endpoint, run after the session with its variables;
#   5: "Run your function" (zip, publish, alias, invoke), run in a scratch directory;
#   6: the control plane, against an emulator started with config.example.toml.
# Blocks tagged ```sh around-NAME ("Around a function") run each against a fresh emulator;
# every `# -> TEXT` comment in one names TEXT its output must contain, and an answer may be an
# error envelope only where such a comment expects one.
# shellcheck disable=SC2154 # NAME_PORT is set by emulator_start (printf -v)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/emulator.sh
source scripts/lib/emulator.sh
emulator_init
emulator_build debug
dir="$EMULATOR_DIR"

block() { # block N PORT: README ```sh block N with 8080 replaced by PORT
  awk -v want="$1" '/^```sh$/{n++; next} /^```$/{if (n==want) exit} n==want{print}' README.md |
    sed "s#127.0.0.1:8080#127.0.0.1:$2#g"
}
named_block() { # named_block NAME PORT: the README block tagged ```sh NAME
  awk -v want="$1" '$0 == "```sh " want {on=1; next} /^```$/{on=0} on{print}' README.md |
    sed "s#127.0.0.1:8080#127.0.0.1:$2#g"
}
fail() { echo "README examples: $1"; head -c 3000 "$2"; exit 1; }
expect() { grep -q -- "$1" "$2" || fail "missing $1" "$2"; }

emulator_start session
port=$session_PORT
block 3 "$port" >"$dir/session.sh"
bash "$dir/session.sh" >"$dir/answers"
expect '"func_urn":"urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:latest"' "$dir/answers"
expect 'function:default:hello:v1"' "$dir/answers"
expect '"error_code":"FSS.1016"' "$dir/answers"
expect 'function:default:hello:v10"' "$dir/answers"
tail -n 1 "$dir/answers" | grep -q '"error_code":"FSS.1042"' || fail "the cap was not hit" "$dir/answers"

# Block 4 reuses the session's variables (P, API, H: the session's first lines).
(grep -E '^(P|API|H)=' "$dir/session.sh"; block 4 "$port") | bash >"$dir/endpoints"
if grep -q '{"error_code":' "$dir/endpoints"; then fail "an endpoint example failed" "$dir/endpoints"; fi
expect '"alias_urn":"urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:!prod"' "$dir/endpoints"

emulator_start invoke
block 5 "$invoke_PORT" >"$dir/invoke.sh"
mkdir "$dir/invoke"
(cd "$dir/invoke" && bash ../invoke.sh) >"$dir/invoked"
if grep -q '{"error_code":' "$dir/invoked"; then fail "an invocation example failed" "$dir/invoked"; fi
expect '{"says": "hello Ada", "version": "v1"}' "$dir/invoked"
expect 'x-is-func-err: false' "$dir/invoked"
expect '"result":"{\\"says\\": \\"hello Grace\\", \\"version\\": \\"v1\\"}","status":200' "$dir/invoked"
tail -n 1 "$dir/invoked" | grep -Eq "^\['v[12]'(, 'v[12]'){10}\]$" || fail "the journal does not name the versions" "$dir/invoked"

emulator_start control --config config.example.toml
port=$control_PORT
block 6 "$port" >"$dir/control.sh"
(cd "$dir" && bash control.sh) >"$dir/control"
if grep -q '{"error_code":' "$dir/control"; then fail "a control-plane example failed" "$dir/control"; fi
expect '"status":"ok"' "$dir/control"
expect '"mode":"offset"' "$dir/control"
expect '"fired":0' "$dir/control"
expect '"status":"imported","functions":1' "$dir/control"
expect '"status":"reset","functions":1' "$dir/control"
expect '"openapi": "3.1.0"' "$dir/control"

# "Around a function": each tagged block against its own emulator.
around=0
for name in $(sed -n 's/^```sh \(around-[a-z0-9-]*\)$/\1/p' README.md); do
  emulator_start "${name//-/_}"
  port_var="${name//-/_}_PORT"
  named_block "$name" "${!port_var}" >"$dir/$name.sh"
  mkdir -p "$dir/$name.d"
  (cd "$dir/$name.d" && bash "../$name.sh") >"$dir/$name.out" 2>&1 || fail "$name exited non-zero" "$dir/$name.out"
  while IFS= read -r want; do
    grep -qF -- "$want" "$dir/$name.out" || fail "$name: missing $want" "$dir/$name.out"
  done < <(sed -n 's/^.*# -> //p' "$dir/$name.sh")
  errors=$( (grep -o '"error_code"' "$dir/$name.out" || true) | wc -l) # no match is 0, not a failure
  expected=$(sed -n 's/^.*# -> //p' "$dir/$name.sh" | grep -c 'error_code' || true)
  [ "$errors" -le "$expected" ] || fail "$name: $errors error answers, $expected expected" "$dir/$name.out"
  around=$((around + 1))
done

echo "README examples: ok (session $(wc -l <"$dir/answers") answers, endpoints, invocation, control plane, $around around-a-function blocks)"
