"""fgs-emulator from Python: find the binary this package installed, start it, drive it.

The pip package puts the `fgs-emulator` binary on PATH (the venv's scripts directory) and
ships this module with it. `Emulator` starts one on a free loopback port, in
`auth.mode = "verify"` with one known AK/SK credential, so the official SDK signs requests
exactly as it does against the cloud. The pytest plugin (`fgs_emulator.pytest_plugin`,
loaded automatically through the `pytest11` entry point) builds its fixtures on it.

    from fgs_emulator import Emulator

    with Emulator() as emu:
        client = emu.client()          # the official FunctionGraphClient, signed with emu.ak/sk
        print(emu.url)                 # http://127.0.0.1:PORT
        emu.reset()                    # POST /_emulator/reset

Only the standard library is used here; `client()` imports the SDK when called.
"""

import json
import os
import shutil
import signal
import subprocess
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["Emulator", "EmulatorError", "find_binary", "AK", "SK", "PROJECT_ID", "REGION"]

# The credential and project every Emulator knows (the same values as config.example.toml,
# so snippets from the README work unchanged). Not secrets: the emulator is local.
AK = "TESTAK0123456789ABCD"
SK = "testSecretKey0123456789abcdefghijklmnopqr"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
REGION = "cn-north-4"

_BINARY = "fgs-emulator"
# The binary treats every FGS_EMULATOR_* variable as configuration and refuses unknown ones,
# so none of the caller's leaks into the child: its configuration is what Emulator says.
_ENV_PREFIX = "FGS_EMULATOR_"


class EmulatorError(RuntimeError):
    """The emulator could not be started, or a control-plane call failed."""


def find_binary(explicit=None):
    """The fgs-emulator binary: `explicit` if given, else the one this package installed
    (next to this interpreter's scripts), else the first on PATH."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise EmulatorError(f"no fgs-emulator binary at {path}")
        return path.resolve()
    name = _BINARY + (".exe" if os.name == "nt" else "")
    scripts = sysconfig.get_path("scripts")
    if scripts and (Path(scripts) / name).is_file():
        return Path(scripts) / name
    found = shutil.which(_BINARY)
    if found:
        return Path(found)
    raise EmulatorError("fgs-emulator is not installed: `pip install fgs-emulator` puts it "
                        "on PATH (or pass the binary's path)")


def _toml_str(value):
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


class Emulator:
    """One fgs-emulator process on 127.0.0.1 and a free port.

    config:      extra TOML appended to the generated config (e.g. `[[functions]]` seeds,
                 `[limits]`); it must not repeat `[auth]`. `code_file` paths in it must be
                 absolute (the combined file lives in a temporary directory).
    state_file:  keep state in this file (`--state-file`) across restarts.
    frozen_at:   freeze the emulator's clock at this RFC 3339 instant, at start and after
                 every reset (signatures are still checked against real time).
    seed:        `control.seed`, for reproducible image names, func_ids and request ids.
    binary:      the fgs-emulator binary (default: find_binary()).
    """

    ak = AK
    sk = SK
    project_id = PROJECT_ID
    region = REGION

    def __init__(self, config="", state_file=None, frozen_at=None, seed=None, binary=None,
                 startup_timeout=15.0):
        self.extra_config = config or ""
        self.state_file = Path(state_file) if state_file else None
        self.frozen_at = frozen_at
        self.seed = None if seed is None else int(seed)
        self.binary = find_binary(binary)
        self.startup_timeout = startup_timeout
        self.port = None
        self.url = None
        self.log_path = None
        self._proc = None
        self._dir = None

    # -- lifecycle ---------------------------------------------------------------------

    def config_text(self):
        """The TOML the emulator is started with."""
        return (
            "[auth]\n"
            'mode = "verify"\n\n'
            "[[auth.credentials]]\n"
            f"ak = {_toml_str(self.ak)}\n"
            f"sk = {_toml_str(self.sk)}\n\n"
            "[[projects]]\n"
            f"id = {_toml_str(self.project_id)}\n"
            f"region = {_toml_str(self.region)}\n\n"
            + self.extra_config
            + "\n"
        )

    def start(self):
        """Starts the process and waits until it listens; returns self."""
        if self._proc is not None:
            return self
        self._dir = tempfile.TemporaryDirectory(prefix="fgs-emulator-")
        work = Path(self._dir.name)
        config = work / "config.toml"
        config.write_text(self.config_text())
        port_file = work / "port"
        self.log_path = work / "emulator.log"
        args = [str(self.binary), "--config", str(config), "--port", "0",
                "--host", "127.0.0.1", "--port-file", str(port_file)]
        if self.state_file is not None:
            args += ["--state-file", str(self.state_file)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_PREFIX)}
        env.setdefault("RUST_LOG", "warn")
        if self.seed is not None:
            env[_ENV_PREFIX + "CONTROL_SEED"] = str(self.seed)
        with open(self.log_path, "wb") as log:
            self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=log, env=env)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise EmulatorError(f"fgs-emulator exited with {code}:\n{self.log()}")
            text = port_file.read_text() if port_file.exists() else ""
            if text.endswith("\n"):  # written whole, once listening
                self.port = int(text)
                break
            if time.monotonic() > deadline:
                self.stop()
                raise EmulatorError(f"fgs-emulator did not start within "
                                    f"{self.startup_timeout}s:\n{self.log()}")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"
        self._freeze()
        return self

    def stop(self):
        """SIGTERM (in-flight requests finish), then SIGKILL after 10 s."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        """What the emulator wrote to stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return ""

    # -- the control plane ---------------------------------------------------------------

    def control(self, method, path, body=None):
        """Calls /_emulator/<path>; returns the decoded JSON answer (None for no body)."""
        if self.url is None:
            raise EmulatorError("the emulator is not running")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/{path.lstrip('/')}",
                                         data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            raise EmulatorError(f"{method} /_emulator/{path}: {e.code} "
                                f"{e.read().decode(errors='replace')}") from None
        return json.loads(raw) if raw else None

    def reset(self):
        """Back to the seeded state (config `[[functions]]`); re-freezes the clock if
        frozen_at was given. Returns the number of seeded functions."""
        done = self.control("POST", "reset")
        self._freeze()
        return done["functions"]

    def _freeze(self):
        if self.frozen_at:
            self.control("PUT", "clock", {"frozen_at": self.frozen_at})

    # -- clients -------------------------------------------------------------------------

    def client(self, timeout=(5, 30)):
        """The official SDK's FunctionGraphClient for this emulator, signing with ak/sk."""
        try:
            from huaweicloudsdkcore.auth.credentials import BasicCredentials
            from huaweicloudsdkcore.http.http_config import HttpConfig
            from huaweicloudsdkfunctiongraph.v2 import FunctionGraphClient
        except ImportError as e:
            raise EmulatorError("the FunctionGraph SDK is not installed: "
                                "pip install 'fgs-emulator[pytest]' "
                                "(or huaweicloudsdkfunctiongraph)") from e
        if self.url is None:
            raise EmulatorError("the emulator is not running")
        # project_id is always given: without it the SDK asks IAM for one.
        return (FunctionGraphClient.new_builder()
                .with_http_config(HttpConfig(timeout=timeout))
                .with_credentials(BasicCredentials(self.ak, self.sk, self.project_id))
                .with_endpoint(self.url)
                .build())

    def urn(self, name, qualifier="latest", package="default"):
        """A function URN as this emulator writes it (qualifier: a version or "!alias")."""
        base = f"urn:fss:{self.region}:{self.project_id}:function:{package}:{name}"
        return f"{base}:{qualifier}" if qualifier else base
