"""schemathesis hooks for scripts/test-suites/schemathesis.sh (loaded through the `hooks` key of
reliability/schemathesis.toml).

Why: the OpenAPI document describes the shapes of requests (types), not the service's value
rules (the URN grammar, the name regexes, the runtime list, memory steps, handler forms,
user_data as a JSON object of strings, versions that must exist...). Purely random but
schema-valid bodies are therefore almost always refused with 400, and the success bodies of
the write operations (create, update, publish, alias create/update) would never be checked
against the document.

What: `map_case` rewrites *positive* cases only (negative cases are left exactly as generated,
so `negative_data_rejection` keeps its meaning), for about two cases in three, into requests
that satisfy those value rules: the seeded project, a URN of a seeded function, and body
fields drawn from valid values. Every value written is schema-valid, so a positive case stays
positive (schemathesis re-validates changed cases). The choice is derived from the case's
own generated data, so a run with a fixed --seed repeats.

Checks are not changed here: nothing is filtered, no failure is dropped.
"""

from __future__ import annotations

import hashlib
import json
import random

import schemathesis
from schemathesis import GenerationMode

PROJECT = "0123456789abcdef0123456789abcdef"
REGION = "cn-north-4"
FUNCTIONS = ["hello", "world"]
# Created on the fly by CreateFunction below; short names so they collide (409) now and then.
NEW_FUNCTIONS = ["fa", "fb", "fc", "fd"]
VERSIONS = ["v1", "v2", "v3", "1.0.0", "rc-1"]
ALIASES = ["prod", "staging", "canary"]
RUNTIMES = ["Python3.9", "Node.js18.15", "Java17", "Go1.x", "Custom", "http", "PHP8.3"]
HANDLERS = {"Java17": "com.example.Handler::handle", "Go1.x": "handler"}
MEMORY = [128, 256, 512, 1024, 4096]
TIMEOUTS = [3, 30, 900]
CODES = ["cHJpbnQoMSk=", "ZXhwb3J0cy5oYW5kbGVyPTE=", "cHJpbnQoMik="]

WRITE_OPERATIONS = {
    "CreateFunction",
    "UpdateFunctionConfig",
    "UpdateFunctionCode",
    "CreateFunctionVersion",
    "CreateVersionAlias",
    "UpdateVersionAlias",
    "CreateFunctionTrigger",
    "UpdateFunctionTrigger",
    "CreateEvent",
    "UpdateEvent",
}
# Valid `event_data` per trigger type (a few names, so duplicates answer 409 now and then).
TRIGGER_TYPES = ["TIMER", "SMN", "LTS", "OBS"]
# base64 of '{"k":"v"}' and of '{}'
EVENT_CONTENTS = ["eyJrIjoidiJ9", "e30="]


def _event_data(rng: random.Random, kind: str) -> dict:
    if kind == "TIMER":
        return {"name": rng.choice(["t1", "t2", "nightly"]), "schedule_type": "Rate",
                "schedule": rng.choice(["3m", "1h", "30d"])}
    if kind == "SMN":
        return {"topic_urn": f"urn:smn:{REGION}:{PROJECT}:" + rng.choice(["a", "b"])}
    if kind == "LTS":
        return {"log_group_id": "g1", "log_topic_id": rng.choice(["t1", "t2"])}
    return {"bucket": rng.choice(["b1", "b2"]), "events": ["s3:ObjectCreated:*"]}


def _rng(case) -> random.Random:
    """A generator seeded by the case's generated data: same seed, same rewrite."""
    try:
        blob = json.dumps(
            [case.operation.label, case.path_parameters, case.query, case.body],
            sort_keys=True,
            default=repr,
        )
    except Exception:  # pragma: no cover - exotic bodies
        blob = repr((case.operation.label, case.path_parameters))
    return random.Random(hashlib.sha256(blob.encode()).digest())


def _urn(rng: random.Random, name: str, qualifier: str | None) -> str:
    forms = [
        name,
        f"default:{name}",
        f"{PROJECT}:default:{name}",
        f"urn:fss:{REGION}:{PROJECT}:function:default:{name}",
    ]
    if qualifier is None:
        return rng.choice(forms)
    return rng.choice(
        [
            f"{PROJECT}:default:{name}:{qualifier}",
            f"urn:fss:{REGION}:{PROJECT}:function:default:{name}:{qualifier}",
        ]
    )


def _function_body(rng: random.Random, body: dict, create: bool) -> dict:
    runtime = rng.choice(RUNTIMES)
    out = {
        "runtime": runtime,
        "handler": HANDLERS.get(runtime, "index.handler"),
        "memory_size": rng.choice(MEMORY),
        "timeout": rng.choice(TIMEOUTS),
    }
    if create or rng.random() < 0.5:
        out["func_name"] = rng.choice(NEW_FUNCTIONS + FUNCTIONS)
    if create:
        out["package"] = "default"
        out["code_type"] = "inline"
        out["func_code"] = {"file": rng.choice(CODES)}
    if rng.random() < 0.5:
        out["description"] = str(body.get("description") or "")[:512]
    if rng.random() < 0.5:
        out["user_data"] = json.dumps({"STAGE": rng.choice(["dev", "prod"])})
    return out


@schemathesis.hook
def map_case(context, case):
    meta = getattr(case, "meta", None) or getattr(case, "_meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    if mode is not GenerationMode.POSITIVE:
        return case
    rng = _rng(case)
    if rng.random() < 1 / 3:
        return case  # leave a third of the positive cases as generated
    op = case.operation.definition.raw.get("operationId", "")
    params = dict(case.path_parameters or {})
    if "project_id" in params:
        params["project_id"] = PROJECT
    if "function_urn" in params:
        name = rng.choice(FUNCTIONS + NEW_FUNCTIONS[:1])
        qualifier = None
        if op in {
            "ShowFunctionConfig",
            "ShowFunctionCode",
            "UpdateFunctionConfig",
            "DeleteFunction",
        } and rng.random() < 0.5:
            qualifier = rng.choice(VERSIONS[:2] + ["latest", "!" + ALIASES[0]])
        params["function_urn"] = _urn(rng, name, qualifier)
    if "alias_name" in params:
        params["alias_name"] = rng.choice(ALIASES)
    if "trigger_type_code" in params:
        params["trigger_type_code"] = rng.choice(TRIGGER_TYPES)
    case.path_parameters = params

    if op in WRITE_OPERATIONS:
        body = case.body if isinstance(case.body, dict) else {}
        if op in ("CreateFunction", "UpdateFunctionConfig"):
            case.body = _function_body(rng, body, create=op == "CreateFunction")
        elif op == "UpdateFunctionCode":
            case.body = {"code_type": "inline", "func_code": {"file": rng.choice(CODES)}}
        elif op == "CreateFunctionVersion":
            new = {"version": rng.choice(VERSIONS + [""])}
            if rng.random() < 0.3:
                new["description"] = "published by schemathesis"
            case.body = new
        elif op == "CreateFunctionTrigger":
            kind = rng.choice(TRIGGER_TYPES)
            case.body = {"trigger_type_code": kind, "event_data": _event_data(rng, kind)}
        elif op == "UpdateFunctionTrigger":
            case.body = {"trigger_status": rng.choice(["ACTIVE", "DISABLED"])}
        elif op == "CreateEvent":
            case.body = {"name": rng.choice(["e1", "e2", "event-xx"]),
                         "content": rng.choice(EVENT_CONTENTS)}
        elif op == "UpdateEvent":
            case.body = {"content": rng.choice(EVENT_CONTENTS)}
        else:  # CreateVersionAlias, UpdateVersionAlias
            major = rng.choice(VERSIONS[:3] + ["latest"])
            new = {"version": major}
            if op == "CreateVersionAlias":
                new["name"] = rng.choice(ALIASES)
            if rng.random() < 0.3:
                extra = rng.choice([v for v in VERSIONS[:3] if v != major])
                new["additional_version_weights"] = {extra: rng.choice([0, 10, 100])}
            case.body = new
    return case
