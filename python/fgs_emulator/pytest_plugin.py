"""pytest plugin: a FunctionGraph emulator per test session, clean for every test.

Loaded automatically once `fgs-emulator` is installed (entry point `pytest11`); disable it
with `-p no:fgs_emulator`. Nothing starts until a test asks for a fixture:

- `fgs_client`: the official SDK's `FunctionGraphClient`, signed with the emulator's AK/SK
  (`auth.mode = "verify"`, so a signing mistake fails as it would in the cloud), against an
  emulator reset just before the test.
- `fgs_emulator`: that `fgs_emulator.Emulator`, reset before the test (`url`, `project_id`,
  `ak`, `sk`, `region`, `urn()`, `control()`, `reset()`).
- `fgs_emulator_session`: the same emulator without the reset, for tests that build on each
  other's state (e.g. with a state file).
- `fgs_emulator_config`: extra TOML for the emulator's config (`[[functions]]` seeds,
  `[limits]` ...); defaults to the file named by `--fgs-config`. Override this session
  fixture in a conftest.py to seed from code.

Options (command line, or the same names without dashes in the ini file, e.g.
`fgs_frozen_clock = 2026-11-28T19:30:15+08:00`): `--fgs-config FILE`, `--fgs-state-file FILE`,
`--fgs-frozen-clock RFC3339`, `--fgs-seed N`, `--fgs-binary PATH`.

One emulator serves the whole session (it starts in milliseconds, but a reset is cheaper
still); reset restores the `[[functions]]` seeds, restarts the seeded sequences and, with
`--fgs-frozen-clock`, freezes the clock again.
"""

from pathlib import Path

import pytest

from fgs_emulator import Emulator, EmulatorError

_OPTIONS = {
    # name: (help, metavar)
    "fgs_config": ("extra TOML for the emulator ([[functions]] seeds, [limits] ...)", "FILE"),
    "fgs_state_file": ("keep the emulator's state in this file (--state-file)", "FILE"),
    "fgs_frozen_clock": ("freeze the emulator's clock at this RFC 3339 instant, "
                         "again after each reset", "RFC3339"),
    "fgs_seed": ("control.seed: reproducible image names, func_ids, request ids", "N"),
    "fgs_binary": ("the fgs-emulator binary (default: the one installed with the plugin)",
                   "PATH"),
}


def pytest_addoption(parser):
    group = parser.getgroup("fgs-emulator", "FunctionGraph emulator (fgs-emulator)")
    for name, (help_text, metavar) in _OPTIONS.items():
        group.addoption("--" + name.replace("_", "-"), dest=name, metavar=metavar,
                        default=None, help=help_text)
        parser.addini(name, help_text)


def _option(config, name):
    """The command line wins over the ini file; paths in the ini file are relative to it."""
    value = config.getoption(name)
    if value:
        return value
    value = config.getini(name)
    if value and name in ("fgs_config", "fgs_state_file", "fgs_binary") and config.inipath:
        value = str(Path(config.inipath).parent / value)
    return value or None


@pytest.fixture(scope="session")
def fgs_emulator_config(pytestconfig):
    """Extra TOML appended to the emulator's config; default: the --fgs-config file."""
    path = _option(pytestconfig, "fgs_config")
    return Path(path).read_text() if path else ""


@pytest.fixture(scope="session")
def fgs_emulator_session(pytestconfig, fgs_emulator_config):
    """The session's emulator, started on 127.0.0.1 and a free port; not reset."""
    seed = _option(pytestconfig, "fgs_seed")
    try:
        emulator = Emulator(config=fgs_emulator_config,
                            state_file=_option(pytestconfig, "fgs_state_file"),
                            frozen_at=_option(pytestconfig, "fgs_frozen_clock"),
                            seed=None if seed is None else int(seed),
                            binary=_option(pytestconfig, "fgs_binary"))
        emulator.start()
    except EmulatorError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def fgs_emulator(fgs_emulator_session):
    """The session's emulator, reset (POST /_emulator/reset) just before this test."""
    fgs_emulator_session.reset()
    return fgs_emulator_session


@pytest.fixture
def fgs_client(fgs_emulator):
    """The official FunctionGraphClient for a freshly reset emulator."""
    try:
        return fgs_emulator.client()
    except EmulatorError as e:
        pytest.fail(str(e), pytrace=False)
