"""Fixtures: a real fgs-emulator binary in auth.mode = "verify", and official-SDK clients for it.

The binary is $FGS_EMULATOR_BIN (default <repo>/target/debug/fgs-emulator). It is started once
per test session on a free port (--port 0 --port-file) with a config file written to a temp
dir, and stopped with SIGTERM at the end. Its stderr is kept in that dir and printed if it
fails to start.
"""

import itertools
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from helpers import (AK, CONFIG, REPO, make_client)


def _emulator_binary():
    path = Path(os.environ.get("FGS_EMULATOR_BIN", REPO / "target" / "debug" / "fgs-emulator"))
    return path if path.is_absolute() else (Path.cwd() / path)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """Base URL (no trailing slash) of a running emulator in verify mode."""
    binary = _emulator_binary()
    if not binary.is_file():
        pytest.fail(f"no emulator binary at {binary}: run `cargo build --bin fgs-emulator` "
                    "or set FGS_EMULATOR_BIN", pytrace=False)
    work = tmp_path_factory.mktemp("emulator")
    config = work / "config.toml"
    config.write_text(CONFIG)
    port_file = work / "port"
    stderr_path = work / "stderr.log"
    # The emulator reads every FGS_EMULATOR_* variable as configuration and exits 2 on one it
    # does not know (FGS_EMULATOR_BIN included); none may change the config under test anyway.
    env = {k: v for k, v in os.environ.items() if not k.startswith("FGS_EMULATOR_")}
    env["RUST_LOG"] = os.environ.get("RUST_LOG", "warn")
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [str(binary), "--config", str(config), "--port", "0", "--port-file", str(port_file)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                pytest.fail(f"fgs-emulator exited with {proc.returncode}:\n"
                            f"{stderr_path.read_text(errors='replace')}", pytrace=False)
            text = port_file.read_text() if port_file.exists() else ""
            if text.endswith("\n"):
                port = int(text)
                break
            if time.monotonic() > deadline:
                pytest.fail("fgs-emulator did not write its port within 15 s:\n"
                            f"{stderr_path.read_text(errors='replace')}", pytrace=False)
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def client(emulator):
    """The official SDK client with the credential of PROJECT."""
    return make_client(emulator)


_counter = itertools.count(1)


@pytest.fixture
def fname(request):
    """A function name of its own for each test (the emulator is shared by the session)."""
    base = request.node.name.replace("test_", "", 1).replace("_", "-")
    base = "".join(ch for ch in base if ch.isalnum() or ch == "-")[:30].strip("-")
    return f"{base}-{next(_counter)}"
