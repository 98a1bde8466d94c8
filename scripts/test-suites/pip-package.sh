#!/usr/bin/env bash
# issue 13: the pip package. Runs the README's "Use it from pytest" install block in a fresh
# venv (maturin pinned, builds the wheel with Cargo.toml's dist profile: the same
# target/dist/fgs-emulator the Docker image copies), checks the wheel's contents, then
# runs the plugin's own tests (python/tests) and the README's example test through the
# installed plugin, with no Rust toolchain on PATH. Prints the wheel's size.
#
# Needs python3 and cargo; pip's cache makes reruns on the same machine fast, nothing else is
# kept (the venv is made and removed in a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
t0=$SECONDS
step() { printf 'pip-package: [%4ss] %s\n' "$((SECONDS - t0))" "$*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

readme_block() { # readme_block HEADING FENCE: the first FENCE block under ### HEADING
  awk -v h="### $1" -v f="\`\`\`$2" '$0==h{s=1} s&&$0==f{n=1; next} n&&/^```$/{exit} n{print}' README.md
}

venv="$work/venv"
if ! python3 -m venv "$venv" 2>/dev/null; then
  # Debian's python3 without python3-venv: a venv without pip, and pip from outside.
  rm -rf "$venv"
  python3 -m venv --without-pip "$venv"
  python3 -m pip install -q --disable-pip-version-check --python "$venv/bin/python" pip
fi
step "fresh venv ($("$venv/bin/python" --version))"

# The wheel lands in target/wheels; an older one of another version would match the glob.
rm -f "${CARGO_TARGET_DIR:-target}"/wheels/fgs_emulator-*.whl
readme_block "Use it from pytest" sh >"$work/install.sh"
grep -q 'maturin build' "$work/install.sh" || { echo "pip-package: no README install block" >&2; exit 1; }
if [ -n "${CARGO_TARGET_DIR:-}" ]; then sed -i "s#target/wheels#$CARGO_TARGET_DIR/wheels#" "$work/install.sh"; fi
(
  # shellcheck disable=SC1091
  source "$venv/bin/activate"
  export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_QUIET=1
  bash -e "$work/install.sh"
) >"$work/install.out" 2>&1 || { cat "$work/install.out"; exit 1; }
wheel=$(ls "${CARGO_TARGET_DIR:-target}"/wheels/fgs_emulator-*.whl)
size=$(stat -c %s "$wheel")
step "built and installed $(basename "$wheel"): wheel size $((size / 1000)) kB ($size bytes)"

# What the wheel must hold: the binary as a script, the module, the pytest11 entry point.
"$venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
want = ["fgs_emulator/__init__.py", "fgs_emulator/pytest_plugin.py"]
missing = [n for n in want if n not in names]
assert not missing, f"missing {missing} in {names}"
assert any(n.endswith(".data/scripts/fgs-emulator") for n in names), names
entry = [n for n in names if n.endswith("entry_points.txt")]
text = zipfile.ZipFile(sys.argv[1]).read(entry[0]).decode()
assert "[pytest11]" in text and "fgs_emulator.pytest_plugin" in text, text
PY

# The tests run outside the repo, so `import fgs_emulator` is the installed one, and with a
# PATH that has the venv and the system but no cargo: nothing needs a Rust toolchain.
mkdir "$work/tests"
cp python/tests/*.py "$work/tests/"
readme_block "Use it from pytest" python >"$work/tests/test_readme_example.py"
grep -q 'def test_' "$work/tests/test_readme_example.py" || { echo "pip-package: no README test" >&2; exit 1; }
path="$venv/bin:/usr/local/bin:/usr/bin:/bin"
if PATH=$path command -v cargo >/dev/null; then path="$venv/bin:/usr/bin:/bin"; fi
status=0
(cd "$work/tests" && env -u VIRTUAL_ENV PATH="$path" PYTHONDONTWRITEBYTECODE=1 \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider -W error::pytest.PytestUnraisableExceptionWarning \
  --rootdir "$work/tests" .) || status=$?
[ "$status" -ne 5 ] || echo "pip-package: pytest collected no tests" >&2
[ "$status" -eq 0 ] || exit "$status"
step "plugin tests and the README example passed through the installed plugin"
step "summary: wheel $((size / 1000)) kB"
