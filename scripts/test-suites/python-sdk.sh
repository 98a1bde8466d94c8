#!/usr/bin/env bash
# The official Huawei Cloud Python SDK (pinned in sdk-tests/python/requirements.txt) drives the
# emulator binary in auth.mode = "verify" through every operation it serves, and the SDK's
# response models are walked against the raw JSON (issue 4). Creates or refreshes the
# git-ignored venv .venv-sdk (scripts/lib/venv.sh). Exits non-zero on any failure, and when
# pytest collects no test (exit 5).
#
# The emulator itself is started by sdk-tests/python/conftest.py (port 0 and a port file,
# with the config the tests need), so `pytest` also runs on its own; this script only
# provides the binary (scripts/lib/emulator.sh: $FGS_EMULATOR_BIN, or the debug build).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/emulator.sh
source scripts/lib/emulator.sh
# shellcheck source=scripts/lib/venv.sh
source scripts/lib/venv.sh

emulator_build debug
export FGS_EMULATOR_BIN="$FGS_BIN"
venv_ensure "$PWD/.venv-sdk" sdk-tests/python/requirements.txt python-sdk

# No __pycache__ in the work tree (pytest.ini turns the .pytest_cache off).
export PYTHONDONTWRITEBYTECODE=1
cd sdk-tests/python
status=0
"$VENV_PYTHON" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "python-sdk: pytest collected no tests" >&2
fi
exit "$status"
