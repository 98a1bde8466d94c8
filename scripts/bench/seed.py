#!/usr/bin/env python3
"""Seeds an emulator for scripts/bench-scale.sh: COUNT functions scale-0000000001 ..,
each with its own 4 KiB zip package (a random prefix shared by all + the function's number,
so every package is distinct), then VERSIONS publishes (v1..vV) into each, so the versions
share their function's code.

Usage: seed.py PORT COUNT VERSIONS

One keep-alive HTTP/1.1 connection to 127.0.0.1 (standard library only), requests in
order; stops at the first non-2xx answer (exit 1, with the answer). Prints one line:
`SEED functions=.. versions=.. requests=.. seconds=.. rps=..`.

Why not examples/loadgen.rs: `run --max-requests` stops sending at the count but still waits
for the end of `--duration` (its CPU probe sleeps until the window's end), so a bulk seed
with a generous duration would sit idle for minutes.
"""

import base64
import http.client
import json
import os
import sys
import time

PROJECT = "0123456789abcdef0123456789abcdef"
FUNCTIONS = f"/v2/{PROJECT}/fgs/functions"
HEADERS = {"X-Auth-Token": "bench", "Content-Type": "application/json"}


def main() -> int:
    port, count, versions = (int(a) for a in sys.argv[1:4])
    prefix = os.urandom(4086)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    requests = 0

    def send(method: str, path: str, body: dict) -> None:
        nonlocal conn, requests
        data = json.dumps(body, separators=(",", ":")).encode()
        conn.request(method, path, body=data, headers=HEADERS)
        resp = conn.getresponse()
        answer = resp.read()
        requests += 1
        if not 200 <= resp.status < 300:
            sys.stderr.write(f"seed: {method} {path}: {resp.status} {answer[:300]!r}\n")
            sys.exit(1)
        if resp.will_close:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    started = time.monotonic()
    for n in range(1, count + 1):
        name = f"scale-{n:010d}"
        code = prefix + f"{n:010d}".encode()  # 4096 bytes, distinct per function
        send(
            "POST",
            FUNCTIONS,
            {
                "func_name": name,
                "package": "default",
                "runtime": "Python3.9",
                "handler": "index.handler",
                "memory_size": 256,
                "timeout": 30,
                "code_type": "zip",
                "code_filename": "code.zip",
                "func_code": {"file": base64.b64encode(code).decode()},
                "description": "scale benchmark function",
            },
        )
        urn = f"urn:fss:cn-north-4:{PROJECT}:function:default:{name}:latest"
        for v in range(1, versions + 1):
            send("POST", f"{FUNCTIONS}/{urn}/versions", {"version": f"v{v}", "description": "benchmark"})
    secs = time.monotonic() - started
    print(
        f"SEED functions={count} versions={versions} requests={requests} "
        f"seconds={secs:.1f} rps={requests / max(secs, 1e-9):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
