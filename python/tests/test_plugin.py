"""The pytest plugin, through the installed wheel: fixtures, reset, options.

Run by scripts/test-suites/pytest-plugin.sh in a fresh venv holding only the wheel, pytest
and the official SDK. Inner sessions run in subprocesses (pytester.runpytest_subprocess), as
a user's would, each with its own emulator.
"""

import shutil
import sysconfig
from pathlib import Path

from huaweicloudsdkfunctiongraph.v2 import (CreateFunctionRequest, CreateFunctionRequestBody,
                                            FuncCode, ListFunctionsRequest,
                                            ShowFunctionConfigRequest)

import fgs_emulator


def _create(client, name):
    client.create_function(CreateFunctionRequest(body=CreateFunctionRequestBody(
        func_name=name, package="default", runtime="Python3.9", handler="index.handler",
        memory_size=128, timeout=30, code_type="inline", func_code=FuncCode(file="cHJpbnQoMSk="))))


def test_the_binary_is_the_one_the_wheel_installed():
    path = fgs_emulator.find_binary()
    assert path.parent == Path(sysconfig.get_path("scripts")), path
    assert shutil.which("fgs-emulator") is not None


def test_reset_before_each_test_part_1(fgs_client):
    _create(fgs_client, "left-behind")


def test_reset_before_each_test_part_2(fgs_client):
    # part 1's function is gone: the emulator was reset before this test.
    assert fgs_client.list_functions(ListFunctionsRequest()).count == 0


def test_the_session_fixture_is_not_reset(fgs_emulator_session, fgs_emulator):
    assert fgs_emulator_session is fgs_emulator
    assert fgs_emulator.url.startswith("http://127.0.0.1:")
    assert fgs_emulator.control("GET", "health")["status"] == "ok"


def test_verify_mode_rejects_a_wrong_secret(fgs_emulator):
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    fgs_emulator.sk = "not-the-secret"  # this instance only; the class keeps the right one
    try:
        client = fgs_emulator.client()
    finally:
        del fgs_emulator.sk
    try:
        client.list_functions(ListFunctionsRequest())
    except ClientRequestException as e:
        assert (e.status_code, e.error_code) == (401, "APIGW.0301")
    else:
        raise AssertionError("a wrong SK was accepted")


INNER = '''
from huaweicloudsdkfunctiongraph.v2 import *

def test_seeded_and_frozen(fgs_client, fgs_emulator):
    # --fgs-config seeded "hello"; --fgs-frozen-clock names versions after the frozen time.
    urn = fgs_emulator.urn("hello")
    assert fgs_client.show_function_config(ShowFunctionConfigRequest(function_urn=urn)).func_name == "hello"
    v = fgs_client.create_function_version(CreateFunctionVersionRequest(function_urn=urn))
    assert v.version == "v20261128-193015", v.version
    print("IMAGE", v.image_name)

def test_frozen_again_after_reset(fgs_client, fgs_emulator):
    fgs_emulator.control("PUT", "clock", {"advance_seconds": 3600})
    fgs_emulator.reset()
    assert fgs_emulator.control("GET", "clock")["now"].startswith("2026-11-28T19:30:15")
'''


def _run_inner(pytester, *args):
    pytester.makepyfile(test_inner=INNER)
    pytester.path.joinpath("seeds.toml").write_text(
        '[[functions]]\nfunc_name = "hello"\nruntime = "Python3.9"\n'
        'handler = "index.handler"\ncode = "print(1)"\n')
    return pytester.runpytest_subprocess(
        "-s", "--fgs-config", "seeds.toml",
        "--fgs-frozen-clock", "2026-11-28T19:30:15+08:00", *args)


def _image(result):
    """The image_name the inner test printed (its random tail comes from the seed)."""
    lines = [line for line in result.outlines if "IMAGE " in line]
    assert len(lines) == 1, result.outlines
    return lines[0].split("IMAGE ", 1)[1]


def test_config_seeds_frozen_clock_and_seed_options(pytester):
    first = _run_inner(pytester, "--fgs-seed", "42")
    first.assert_outcomes(passed=2)
    again = _run_inner(pytester, "--fgs-seed", "42")
    again.assert_outcomes(passed=2)
    other = _run_inner(pytester, "--fgs-seed", "43")
    other.assert_outcomes(passed=2)
    # Same seed and frozen clock: the same image name; another seed: another one.
    assert _image(first) == _image(again)
    assert _image(first) != _image(other)


def test_options_from_the_ini_file(pytester):
    pytester.makeini("[pytest]\nfgs_seed = 7\nfgs_config = seeds.toml\n"
                     "fgs_frozen_clock = 2026-11-28T19:30:15+08:00\n")
    pytester.makepyfile(test_inner=INNER)
    pytester.path.joinpath("seeds.toml").write_text(
        '[[functions]]\nfunc_name = "hello"\nruntime = "Python3.9"\n'
        'handler = "index.handler"\ncode = "print(1)"\n')
    pytester.runpytest_subprocess().assert_outcomes(passed=2)


def test_state_file_keeps_functions_across_sessions(pytester):
    pytester.makepyfile(test_state='''
from huaweicloudsdkfunctiongraph.v2 import *

def test_create_or_find(fgs_emulator_session):
    client = fgs_emulator_session.client()
    names = [f.func_name for f in client.list_functions(ListFunctionsRequest()).functions or []]
    print("FOUND", names)
    if not names:
        client.create_function(CreateFunctionRequest(body=CreateFunctionRequestBody(
            func_name="kept", package="default", runtime="Python3.9", handler="index.handler",
            memory_size=128, timeout=30, code_type="inline", func_code=FuncCode(file="cHJpbnQoMSk="))))
''')
    state = pytester.path / "state.jsonl"
    pytester.runpytest_subprocess("-s", "--fgs-state-file", str(state)).assert_outcomes(passed=1)
    second = pytester.runpytest_subprocess("-s", "--fgs-state-file", str(state))
    second.assert_outcomes(passed=1)
    second.stdout.re_match_lines([r".*FOUND \['kept'\]"])


def test_a_missing_binary_fails_the_test_with_a_message(pytester):
    pytester.makepyfile(test_x="def test_x(fgs_emulator):\n    pass\n")
    result = pytester.runpytest_subprocess("--fgs-binary", "/nonexistent/fgs-emulator")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no fgs-emulator binary at /nonexistent/fgs-emulator*"])


def test_the_callers_fgs_emulator_variables_do_not_reach_the_emulator(pytester, monkeypatch):
    # The binary refuses unknown FGS_EMULATOR_* variables; the plugin must not pass them on.
    monkeypatch.setenv("FGS_EMULATOR_NOT_A_KEY", "1")
    monkeypatch.setenv("FGS_EMULATOR_PORT", "1")
    pytester.makepyfile(test_x="def test_x(fgs_emulator):\n    assert fgs_emulator.port != 1\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_show_config_of_a_missing_function_is_the_services_404(fgs_client, fgs_emulator):
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    try:
        fgs_client.show_function_config(
            ShowFunctionConfigRequest(function_urn=fgs_emulator.urn("nope")))
    except ClientRequestException as e:
        assert (e.status_code, e.error_code) == (404, "FSS.1051")
        assert e.request_id
    else:
        raise AssertionError("no error")
