"""Every response parses cleanly into the SDK's models (issue 4, item 4).

The SDK's deserialiser is lenient: a wrong-typed nested object silently becomes an empty model,
a string in a list field becomes a one-item list, "false" in a bool field becomes True, and a
non-numeric string in an int field raises ValueError out of the call. So each operation's raw
JSON (`resp.raw_content`) is walked against the response model's `openapi_types` (JSON key
names from `attribute_map`), recursively: every key the model declares must be present, with a
JSON type the SDK accepts for the declared type:

    str      -> JSON string            int  -> JSON integer (not a boolean, not a float)
    bool     -> JSON boolean           datetime -> JSON string (RFC 3339 here)
    list[X]  -> array or null (items walked as X)
    dict(str, X) -> object or null (values walked as X)
    a model  -> object or null (walked when an object)

ListVersionAliasesResponse declares `body: list[ListVersionAliasResult]`: the JSON is a bare
array and each item is walked as ListVersionAliasResult. All violations of all operations are
reported in one assertion message.
"""

import datetime
import json
import re

import huaweicloudsdkfunctiongraph.v2.model as models
from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest, CreateFunctionVersionRequestBody, CreateVersionAliasRequest,
    CreateVersionAliasRequestBody, DeleteFunctionRequest, DeleteVersionAliasRequest, FuncCode,
    ListFunctionsRequest, ListFunctionVersionsRequest, ListVersionAliasesRequest,
    ShowFunctionCodeRequest, ShowFunctionConfigRequest, ShowVersionAliasRequest,
    UpdateFunctionCodeRequest, UpdateFunctionCodeRequestBody, UpdateFunctionConfigRequest,
    UpdateFunctionConfigRequestBody, UpdateVersionAliasRequest, UpdateVersionAliasRequestBody,
    VersionStrategy, VersionStrategyRules)

from helpers import b64, create_function, urn

_LIST = re.compile(r"^list\[(.*)\]$")
_DICT = re.compile(r"^dict\(([^,]*), (.*)\)$")


def _json_type(value):
    return {type(None): "null", bool: "boolean", int: "integer", float: "number",
            str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def walk(value, declared, path, errors):
    """Check one JSON value against an SDK type string; append violations to `errors`."""
    m = _LIST.match(declared)
    if m:
        if value is None:
            return
        if not isinstance(value, list):
            errors.append(f"{path}: {declared} needs an array or null, got {_json_type(value)}")
            return
        for i, item in enumerate(value):
            walk(item, m.group(1), f"{path}[{i}]", errors)
        return
    m = _DICT.match(declared)
    if m:
        if value is None:
            return
        if not isinstance(value, dict):
            errors.append(f"{path}: {declared} needs an object or null, got {_json_type(value)}")
            return
        for k, v in value.items():
            walk(v, m.group(2), f"{path}[{k!r}]", errors)
        return
    if declared == "str":
        if not isinstance(value, str):
            errors.append(f"{path}: str needs a string, got {_json_type(value)} {value!r}")
    elif declared == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{path}: int needs an integer, got {_json_type(value)} {value!r}")
    elif declared == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: bool needs a boolean, got {_json_type(value)} {value!r}")
    elif declared == "datetime":
        if not isinstance(value, str):
            errors.append(f"{path}: datetime needs a string, got {_json_type(value)} {value!r}")
        else:
            try:
                datetime.datetime.fromisoformat(value)
            except ValueError:
                errors.append(f"{path}: datetime {value!r} is not RFC 3339")
    elif declared in ("float", "object", "date"):
        errors.append(f"{path}: the walker does not know SDK type {declared!r}")
    else:
        klass = getattr(models, declared, None)
        if klass is None:
            errors.append(f"{path}: unknown SDK model {declared!r}")
            return
        if value is None:
            return
        if not isinstance(value, dict):
            errors.append(f"{path}: model {declared} needs an object or null, "
                          f"got {_json_type(value)}")
            return
        walk_model(value, klass, path, errors)


# Keys the real service leaves out in some states, so a response may lack them although the
# model declares them: `pre_stop_timeout` without a pre-stop hook (Go clients declare it a
# string and a number breaks their decoder; SPEC 3).
LEFT_OUT_WHEN_UNSET = {"pre_stop_timeout"}


def walk_model(obj, klass, path, errors):
    for attr, declared in klass.openapi_types.items():
        key = klass.attribute_map.get(attr, attr)
        if key not in obj and key in LEFT_OUT_WHEN_UNSET:
            continue
        if key not in obj:
            errors.append(f"{path}.{key}: missing ({klass.__name__}.{attr}: {declared})")
            continue
        walk(obj[key], declared, f"{path}.{key}", errors)


def check_response(label, resp, errors):
    """Walk one SDK call's raw JSON against the class of the response object it returned."""
    klass = type(resp)
    raw = resp.raw_content
    if not klass.openapi_types:  # DeleteFunctionResponse, DeleteVersionAliasResponse
        if raw:
            errors.append(f"{label}: {klass.__name__} declares no field but the body is {raw!r}")
        return
    try:
        data = json.loads(raw)
    except ValueError as e:
        errors.append(f"{label}: the body is not JSON ({e}): {raw[:200]!r}")
        return
    if list(klass.openapi_types) == ["body"]:  # a bare-array response
        walk(data, klass.openapi_types["body"], f"{label}<{klass.__name__}.body>", errors)
        if not isinstance(data, list):
            errors.append(f"{label}: {klass.__name__} needs a bare JSON array")
        return
    if not isinstance(data, dict):
        errors.append(f"{label}: {klass.__name__} needs a JSON object, got {_json_type(data)}")
        return
    walk_model(data, klass, f"{label}<{klass.__name__}>", errors)


def test_walker_catches_what_the_sdk_would_mangle():
    """The walker itself: each mistake a server could make is reported."""
    errors = []
    walk_model({"name": 1, "version": "v1", "description": None, "last_modified": 17,
                "alias_urn": "u", "additional_version_weights": [],
                "additional_version_strategy": {"v2": {"rules": "x", "combine_type": "and"}}},
               models.CreateVersionAliasResponse, "alias", errors)
    walk_model({"functions": [{"timeout": "30"}], "next_marker": True},
               models.ListFunctionsResponse, "list", errors)
    text = "\n".join(errors)
    for expected in ("alias.name: str needs a string", "alias.description: str needs a string",
                     "alias.last_modified: datetime needs a string",
                     "alias.additional_version_weights: dict(str, int) needs an object",
                     "alias.additional_version_strategy['v2'].rules: list[VersionStrategyRules]",
                     "list.functions[0].timeout: int needs an integer",
                     "list.functions[0].func_urn: missing", "list.count: missing",
                     "list.next_marker: int needs an integer, got boolean",
                     "list.functions[0].bind_bridge_funcUrns: missing"):
        assert expected in text, f"{expected!r} not reported:\n{text}"


def test_every_response_walks_cleanly_against_the_sdk_models(client, fname):
    errors = []
    calls = []

    walked = set()

    def call(label, resp):
        calls.append(label)
        walked.add(type(resp).__name__)
        check_response(label, resp, errors)
        return resp

    # Set as many fields as the operations take, so that fewer of them are empty.
    call("CreateFunction", create_function(
        client, fname, b"def handler(event, context):\n    return 0\n",
        description="walked", user_data=json.dumps({"K": "V"}), code_filename="index.py"))
    call("ShowFunctionConfig(latest)", client.show_function_config(
        ShowFunctionConfigRequest(function_urn=urn(fname))))
    call("ShowFunctionCode(latest)", client.show_function_code(
        ShowFunctionCodeRequest(function_urn=urn(fname))))
    call("UpdateFunctionConfig(latest)", client.update_function_config(
        UpdateFunctionConfigRequest(function_urn=urn(fname), body=UpdateFunctionConfigRequestBody(
            func_name=fname, runtime="Python3.9", handler="index.handler", memory_size=256,
            timeout=60, description="walked again", user_data=json.dumps({"K": "W"})))))
    call("CreateFunctionVersion(body)", client.create_function_version(
        CreateFunctionVersionRequest(function_urn=urn(fname), body=CreateFunctionVersionRequestBody(
            version="v1", description="first"))))
    call("UpdateFunctionCode", client.update_function_code(UpdateFunctionCodeRequest(
        function_urn=urn(fname), body=UpdateFunctionCodeRequestBody(
            code_type="inline", func_code=FuncCode(file=b64(b"x = 2\n"))))))
    v2 = call("CreateFunctionVersion(no body)", client.create_function_version(
        CreateFunctionVersionRequest(function_urn=urn(fname))))
    call("ShowFunctionConfig(version)", client.show_function_config(
        ShowFunctionConfigRequest(function_urn=urn(fname, "v1"))))
    call("ShowFunctionCode(version)", client.show_function_code(
        ShowFunctionCodeRequest(function_urn=urn(fname, "v1"))))
    call("UpdateFunctionConfig(version)", client.update_function_config(
        UpdateFunctionConfigRequest(function_urn=urn(fname, "v1"),
                                    body=UpdateFunctionConfigRequestBody(
                                        func_name=fname, runtime="Python3.9",
                                        handler="index.handler", memory_size=512, timeout=30))))
    call("ListFunctionVersions", client.list_function_versions(
        ListFunctionVersionsRequest(function_urn=urn(fname))))
    call("ListFunctionVersions(page)", client.list_function_versions(
        ListFunctionVersionsRequest(function_urn=urn(fname), marker="1", maxitems="1")))
    call("ListFunctions", client.list_functions(ListFunctionsRequest()))
    call("ListFunctions(filtered)", client.list_functions(
        ListFunctionsRequest(func_name=fname, maxitems="5")))
    call("CreateVersionAlias(weights)", client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname), body=CreateVersionAliasRequestBody(
            name="prod", version="v1", description="p",
            additional_version_weights={v2.version: 20}))))
    call("CreateVersionAlias(strategy)", client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname), body=CreateVersionAliasRequestBody(
            name="canary", version=v2.version,
            additional_version_strategy={"v1": VersionStrategy(
                combine_type="or", rules=[VersionStrategyRules(
                    rule_type="Header", param="x-user", op="in", value="a,b")])}))))
    call("CreateVersionAlias(plain)", client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname), body=CreateVersionAliasRequestBody(name="plain",
                                                                     version="latest"))))
    call("ListVersionAliases", client.list_version_aliases(
        ListVersionAliasesRequest(function_urn=urn(fname))))
    for alias in ("prod", "canary", "plain"):
        call(f"ShowVersionAlias({alias})", client.show_version_alias(
            ShowVersionAliasRequest(function_urn=urn(fname), alias_name=alias)))
    call("ShowFunctionConfig(alias)", client.show_function_config(
        ShowFunctionConfigRequest(function_urn=urn(fname, "!prod"))))
    call("ShowFunctionCode(alias)", client.show_function_code(
        ShowFunctionCodeRequest(function_urn=urn(fname, "!prod"))))
    call("UpdateVersionAlias", client.update_version_alias(UpdateVersionAliasRequest(
        function_urn=urn(fname), alias_name="prod", body=UpdateVersionAliasRequestBody(
            version="v1", description="moved", additional_version_weights={v2.version: 5}))))
    call("UpdateVersionAlias(cleared)", client.update_version_alias(UpdateVersionAliasRequest(
        function_urn=urn(fname), alias_name="plain", body=UpdateVersionAliasRequestBody(
            version="latest"))))
    call("DeleteVersionAlias", client.delete_version_alias(
        DeleteVersionAliasRequest(function_urn=urn(fname), alias_name="plain")))
    call("ListVersionAliases(after delete)", client.list_version_aliases(
        ListVersionAliasesRequest(function_urn=urn(fname))))
    call("DeleteFunction", client.delete_function(
        DeleteFunctionRequest(function_urn=urn(fname, None))))

    every_operation = {
        "CreateFunctionResponse", "ShowFunctionConfigResponse", "ShowFunctionCodeResponse",
        "UpdateFunctionCodeResponse", "UpdateFunctionConfigResponse",
        "CreateFunctionVersionResponse", "ListFunctionVersionsResponse", "ListFunctionsResponse",
        "CreateVersionAliasResponse", "ListVersionAliasesResponse", "ShowVersionAliasResponse",
        "UpdateVersionAliasResponse", "DeleteVersionAliasResponse", "DeleteFunctionResponse"}
    assert walked == every_operation, f"not walked: {every_operation - walked}"
    assert not errors, (f"{len(errors)} response field(s) the SDK models would not accept "
                        f"(over {len(calls)} calls):\n" + "\n".join(errors))
