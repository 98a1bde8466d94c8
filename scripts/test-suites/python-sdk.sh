#!/usr/bin/env bash
# The official Huawei Cloud Python SDK (pinned in sdk-tests/python/requirements.txt) drives the
# emulator binary in auth.mode = "verify" through every operation it serves, and the SDK's
# response models are walked against the raw JSON (issue 4). Creates the git-ignored venv
# .venv-sdk if needed. Exits non-zero on any failure, and when pytest collects no test (exit 5).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${FGS_EMULATOR_BIN:-}" ]; then
  cargo build --quiet --locked --bin fgs-emulator
  FGS_EMULATOR_BIN="$PWD/${CARGO_TARGET_DIR:-target}/debug/fgs-emulator"
fi
export FGS_EMULATOR_BIN

venv="$PWD/.venv-sdk"
# A venv left by another machine (or a broken one) is rebuilt.
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    # Debian's python3 without python3-venv has no ensurepip: make the venv without pip and
    # install into it with the system's pip below.
    echo "python-sdk: retrying without ensurepip" >&2
    rm -rf "$venv"
    python3 -m venv --without-pip "$venv"
  fi
fi
if "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  pip=("$venv/bin/python" -m pip)
else
  pip=(python3 -m pip --python "$venv/bin/python")
fi
"${pip[@]}" install --quiet --disable-pip-version-check -r sdk-tests/python/requirements.txt

# No __pycache__ in the work tree (pytest.ini turns the .pytest_cache off).
export PYTHONDONTWRITEBYTECODE=1
cd sdk-tests/python
status=0
"$venv/bin/python" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "python-sdk: pytest collected no tests" >&2
fi
exit "$status"
