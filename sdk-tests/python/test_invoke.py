"""Invocation through the official Python SDK (issue 12): a version and an alias, with
`x_cff_request_version = "v1"` (the SDK's InvokeFunctionResponse is the v1 model), and an
asynchronous invocation followed through ListAsyncInvocations. The handlers run on the
machine's python3 inside the emulator.
"""

import json
import time

from huaweicloudsdkfunctiongraph.v2 import (
    AsyncInvokeFunctionRequest, CreateFunctionVersionRequest, CreateFunctionVersionRequestBody,
    CreateVersionAliasRequest, CreateVersionAliasRequestBody, InvokeFunctionRequest,
    ListAsyncInvocationsRequest, UpdateFunctionCodeRequest, UpdateFunctionCodeRequestBody,
    FuncCode)

from helpers import b64, create_function, expect_error, urn

CODE = (b"def handler(event, context):\n"
        b"    print('seen', event.get('n'))\n"
        b"    return {'n': event.get('n', 0) * 2, 'version': context.getVersion(),\n"
        b"            'alias': context.getAlias()}\n")


def invoke(client, function_urn, body, version="v1", tail="tail"):
    return client.invoke_function(InvokeFunctionRequest(
        function_urn=function_urn, x_cff_request_version=version, x_cff_log_type=tail,
        body=body))


def test_invoke_a_version_and_an_alias_with_the_v1_model(client, fname):
    create_function(client, fname, CODE)
    client.create_function_version(CreateFunctionVersionRequest(
        function_urn=urn(fname), body=CreateFunctionVersionRequestBody(version="v1")))
    resp = invoke(client, urn(fname, "v1"), {"n": 21})
    assert resp.status_code == 200
    assert resp.status == 200
    assert resp.request_id and resp.request_id == resp.x_cff_request_id
    assert json.loads(resp.result) == {"n": 42, "version": "v1", "alias": ""}
    assert "seen 21" in resp.log and f"Start invoke request '{resp.request_id}'" in resp.log

    # An alias sends all of its traffic to its major version when it has no weights.
    client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname), body=CreateVersionAliasRequestBody(name="prod", version="v1")))
    resp = invoke(client, urn(fname, "!prod"), {"n": 1})
    assert json.loads(resp.result) == {"n": 2, "version": "v1", "alias": "prod"}

    # Latest's new code does not change v1 (nor the alias on it).
    client.update_function_code(UpdateFunctionCodeRequest(
        function_urn=urn(fname), body=UpdateFunctionCodeRequestBody(
            code_type="inline", func_code=FuncCode(file=b64(b"def handler(e, c):\n    return 'new'\n")))))
    assert invoke(client, urn(fname), {}).result == "new"
    assert json.loads(invoke(client, urn(fname, "!prod"), {"n": 3}).result)["n"] == 6


def test_invoke_errors_through_the_sdk(client, fname):
    expect_error(lambda: invoke(client, urn(fname), {}), 404, "FSS.1051")
    create_function(client, fname, b"def handler(event, context):\n    raise ValueError('no')\n")
    resp = invoke(client, urn(fname), {})
    assert resp.status == 500
    error = json.loads(resp.result)
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "no"
    expect_error(lambda: invoke(client, urn(fname, "!ghost"), {}), 404, "FSS.1053")


def test_async_invoke_reaches_success(client, fname):
    create_function(client, fname, CODE)
    resp = client.async_invoke_function(AsyncInvokeFunctionRequest(
        function_urn=urn(fname), body={"n": 5}))
    assert resp.status_code == 202
    assert resp.request_id
    for _ in range(100):
        listed = client.list_async_invocations(ListAsyncInvocationsRequest(
            function_urn=urn(fname), request_id=resp.request_id))
        if listed.invocations and listed.invocations[0].status not in ("WAIT", "RUNNING"):
            break
        time.sleep(0.05)
    assert listed.count == 1
    record = listed.invocations[0]
    assert (record.request_id, record.status, record.error_code) == (resp.request_id, "SUCCESS", 0)
    assert record.error_message == ""
    assert record.end_time
