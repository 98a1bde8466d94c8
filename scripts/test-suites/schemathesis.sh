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
# Creates or refreshes the git-ignored venv .venv-reliability (scripts/lib/venv.sh); the
# emulator is started and stopped by scripts/lib/emulator.sh. Reports (JUnit, NDJSON) and the
# emulator's log go to target/schemathesis/. Exits non-zero on any failure or error, and if
# the emulator dies or stops answering its health check.
#
# Environment: FGS_EMULATOR_BIN (a prebuilt binary), SCHEMATHESIS_MAX_EXAMPLES,
# SCHEMATHESIS_SEED, SCHEMATHESIS_PHASES (default "coverage fuzzing stateful").
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
# shellcheck source=scripts/lib/emulator.sh
source scripts/lib/emulator.sh
# shellcheck source=scripts/lib/venv.sh
source scripts/lib/venv.sh

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
emulator_build debug
venv_ensure "$root/.venv-reliability" reliability/requirements.txt schemathesis

out="$target_dir/schemathesis"
rm -rf "$out"
mkdir -p "$out"
# schemathesis and hypothesis write caches into the working directory: keep them out of the
# tree (the helper's scratch directory, removed on exit with the emulator stopped).
emulator_init
work="$EMULATOR_DIR"
# shellcheck disable=SC2034 # read by emulator_start (NAME_LOG)
emulator_LOG="$out/emulator.log"
emulator_start emulator --config reliability/emulator.toml
# shellcheck disable=SC2154 # set by emulator_start (printf -v)
base="$emulator_URL"

export FGS_RELIABILITY_DIR="$root/reliability"
export PYTHONDONTWRITEBYTECODE=1
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-60}"
seed="${SCHEMATHESIS_SEED:-20261128}"
status=0
for phase in ${SCHEMATHESIS_PHASES:-coverage fuzzing stateful}; do
  echo "==> schemathesis: $phase phase (seed $seed, $max_examples examples per operation)"
  "$VENV_PYTHON" reliability/fixture.py "$base"
  (
    cd "$work"
    # The outer timeout only guards against a hang; a normal run takes well under it.
    timeout 300 "$VENV_BIN/schemathesis" --config-file "$root/reliability/schemathesis.toml" \
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
  if ! emulator_alive emulator; then
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
