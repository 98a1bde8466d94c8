#!/usr/bin/env bash
# Schemathesis (pinned in reliability/requirements.txt) against the emulator's own OpenAPI
# document, /_emulator/openapi.json (issue 7, item 3): every operation, in the coverage,
# fuzzing and stateful phases (links inferred from the responses), each phase starting from
# the same state (reset, then reliability/fixture.py). Bounded for CI: a fixed seed, one
# worker, SCHEMATHESIS_MAX_EXAMPLES (default 60) examples per operation; about a minute.
#
# Checks: `--checks all` minus two that do not apply to this API:
# - positive_data_acceptance: it expects every schema-valid request to be accepted, but the
#   document describes shapes, not the service's value rules (URN grammar, name regexes,
#   runtime list, memory steps, versions that must exist, a URN's project equal to the
#   path's): a schema-valid request is rightly refused with 400 FSS.xxxx, as the real
#   service does. The opposite direction (negative_data_rejection) stays on.
# - unsupported_method: it expects 405 for methods a path does not serve; the emulator
#   answers 404 FSS.0404 on purpose, as the real API gateway does (docs/CONVENTIONS.md).
# Everything else runs: not_a_server_error, status_code_conformance,
# content_type_conformance, response_headers_conformance, response_schema_conformance,
# negative_data_rejection, missing_required_header, allow_header_conformance,
# use_after_free, ensure_resource_availability, ignored_auth (meaningful because the
# emulator runs with auth.mode = "verify" and one listed token, reliability/emulator.toml),
# object_level_authorization.
#
# reliability/schemathesis.toml and reliability/hooks.py steer generation towards the seeded
# functions so that success bodies are checked too (see their comments); they filter nothing.
#
# Creates the git-ignored venv .venv-reliability if needed. Reports (JUnit, NDJSON) and the
# emulator's log go to target/schemathesis/. Exits non-zero on any failure or error, and if
# the emulator dies or stops answering its health check.
#
# Environment: FGS_EMULATOR_BIN (a prebuilt binary), SCHEMATHESIS_MAX_EXAMPLES,
# SCHEMATHESIS_SEED, SCHEMATHESIS_PHASES (default "coverage fuzzing stateful").
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
bin="${FGS_EMULATOR_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet --locked --bin fgs-emulator
  bin="$target_dir/debug/fgs-emulator"
fi
# The emulator refuses unknown FGS_EMULATOR_* variables (exit 2), FGS_EMULATOR_BIN included.
unset FGS_EMULATOR_BIN

venv="$root/.venv-reliability"
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    # Debian's python3 without python3-venv has no ensurepip: make the venv without pip and
    # install into it with the system's pip below.
    echo "schemathesis: retrying without ensurepip" >&2
    rm -rf "$venv"
    python3 -m venv --without-pip "$venv"
  fi
fi
if "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  pip=("$venv/bin/python" -m pip)
else
  pip=(python3 -m pip --python "$venv/bin/python")
fi
"${pip[@]}" install --quiet --disable-pip-version-check -r reliability/requirements.txt

out="$target_dir/schemathesis"
rm -rf "$out"
mkdir -p "$out"
# schemathesis and hypothesis write caches into the working directory: keep them out of the tree.
work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" --config reliability/emulator.toml --port 0 --port-file "$work/port" \
  >"$out/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/port" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { echo "schemathesis: the emulator exited" >&2; cat "$out/emulator.log" >&2; exit 1; }
  sleep 0.1
done
port="$(tr -d '[:space:]' <"$work/port")"
base="http://127.0.0.1:$port"
"$bin" healthcheck --url "$base" >/dev/null

export FGS_RELIABILITY_DIR="$root/reliability"
export PYTHONDONTWRITEBYTECODE=1
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-60}"
seed="${SCHEMATHESIS_SEED:-20261128}"
status=0
for phase in ${SCHEMATHESIS_PHASES:-coverage fuzzing stateful}; do
  echo "==> schemathesis: $phase phase (seed $seed, $max_examples examples per operation)"
  "$venv/bin/python" reliability/fixture.py "$base"
  (
    cd "$work"
    # The outer timeout only guards against a hang; a normal run takes well under it.
    timeout 300 "$venv/bin/schemathesis" --config-file "$root/reliability/schemathesis.toml" \
      run "$base/_emulator/openapi.json" \
      --header 'X-Auth-Token: schemathesis-token' \
      --phases "$phase" \
      --checks all \
      --exclude-checks positive_data_acceptance,unsupported_method \
      --max-examples "$max_examples" \
      --seed "$seed" \
      --workers 1 \
      --request-timeout 10 \
      --generation-database none \
      --no-color \
      --report junit,ndjson \
      --report-junit-path "$out/junit-$phase.xml" \
      --report-ndjson-path "$out/events-$phase.ndjson"
  ) || { rc=$?; echo "schemathesis: the $phase phase failed (exit $rc)" >&2; status=1; }
  if ! kill -0 "$emulator_pid" 2>/dev/null || ! "$bin" healthcheck --url "$base" >/dev/null 2>&1; then
    echo "schemathesis: the emulator died or stopped answering during the $phase phase" >&2
    tail -50 "$out/emulator.log" >&2
    exit 1
  fi
done
if grep -qi 'panick' "$out/emulator.log"; then
  echo "schemathesis: the emulator logged a panic (see $out/emulator.log)" >&2
  status=1
fi
exit "$status"
