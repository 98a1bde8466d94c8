"""Resets the emulator and gives the seeded functions a version and an alias, so that the
schemathesis phases start from the same state: `hello` and `world` (seeded by
reliability/emulator.toml), each with version `v1` and alias `prod` -> v1.

Usage: python reliability/fixture.py http://127.0.0.1:PORT
Only the standard library: it runs before anything but schemathesis is installed.
"""

import json
import sys
import urllib.request

PROJECT = "0123456789abcdef0123456789abcdef"
TOKEN = "schemathesis-token"


def call(base: str, method: str, path: str, body=None) -> None:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("X-Auth-Token", TOKEN)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status >= 300:
            raise SystemExit(f"fixture: {method} {path}: {resp.status}")


def main() -> None:
    base = sys.argv[1].rstrip("/")
    call(base, "POST", "/_emulator/reset", {})
    for name in ("hello", "world"):
        call(base, "POST", f"/v2/{PROJECT}/fgs/functions/{name}/versions", {"version": "v1"})
        call(
            base,
            "POST",
            f"/v2/{PROJECT}/fgs/functions/{name}/aliases",
            {"name": "prod", "version": "v1"},
        )


if __name__ == "__main__":
    main()
