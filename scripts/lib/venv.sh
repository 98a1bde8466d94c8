# shellcheck shell=bash
# A git-ignored Python venv with pinned requirements, for the suites that run Python tools
# (scripts/test-suites/python-sdk.sh, schemathesis.sh). Source it; do not run it.
#
#   venv_ensure DIR REQUIREMENTS LABEL
#       Creates DIR if it is missing or broken (a venv copied from another machine, or one
#       whose python is gone), installs REQUIREMENTS into it, and sets VENV_PYTHON and
#       VENV_BIN. The install is skipped when the venv already holds exactly this
#       requirements file (its sha256 and the python version are stamped in DIR), so a
#       second run costs nothing and needs no network; editing the file refreshes it.
#       LABEL prefixes its messages.
#
# Works with Debian's python3 without python3-venv (no ensurepip): the venv is then made
# without pip and the system's pip installs into it (pip >= 22.3, `--python`).

venv_ensure() {
    local dir="$1" requirements="$2" label="$3"
    if ! "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
        rm -rf "$dir"
        if ! python3 -m venv "$dir"; then
            echo "$label: retrying without ensurepip" >&2
            rm -rf "$dir"
            python3 -m venv --without-pip "$dir" || return 1
        fi
    fi
    VENV_PYTHON="$dir/bin/python"
    # shellcheck disable=SC2034 # for the caller
    VENV_BIN="$dir/bin"
    local stamp="$dir/.requirements.sha256" want
    want="$(sha256sum <"$requirements" | cut -d' ' -f1) $("$VENV_PYTHON" -c 'import sys; print(sys.version.split()[0])')"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    local pip
    if "$VENV_PYTHON" -m pip --version >/dev/null 2>&1; then
        pip=("$VENV_PYTHON" -m pip)
    else
        pip=(python3 -m pip --python "$VENV_PYTHON")
    fi
    "${pip[@]}" install --quiet --disable-pip-version-check -r "$requirements" || {
        echo "$label: pip install -r $requirements failed" >&2
        return 1
    }
    printf '%s\n' "$want" >"$stamp"
}
