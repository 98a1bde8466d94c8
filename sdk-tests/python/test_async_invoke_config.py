"""Async-invocation settings per version (issue 11) through the official Python SDK: the four
operations, their answers walked against the SDK's response models, and the 404 without
settings."""

from huaweicloudsdkfunctiongraph.v2 import (
    DeleteFunctionAsyncInvokeConfigRequest, FuncAsyncDestinationConfig, FuncDestinationConfig,
    ListFunctionAsyncInvokeConfigRequest, ShowFunctionAsyncInvokeConfigRequest,
    UpdateFunctionAsyncInvokeConfigRequest, UpdateFunctionAsyncInvokeConfigRequestBody)

from helpers import create_function, expect_error, urn
from test_models import check_response

CODE = b"def handler(event, context):\n    return 'v0'\n"
SMN = '{"topic_urn": "urn:smn:cn-north-4:p:alerts"}'


def test_async_invoke_config_through_the_sdk(client, fname):
    create_function(client, fname, CODE)
    errors = []
    body = UpdateFunctionAsyncInvokeConfigRequestBody(
        max_async_event_age_in_seconds=600, max_async_retry_attempts=2,
        enable_async_status_log=True,
        destination_config=FuncAsyncDestinationConfig(
            on_failure=FuncDestinationConfig(destination="SMN", param=SMN)))
    put = client.update_function_async_invoke_config(UpdateFunctionAsyncInvokeConfigRequest(
        function_urn=urn(fname), body=body))
    check_response("UpdateFunctionAsyncInvokeConfig", put, errors)
    assert put.status_code == 200
    assert put.func_urn == urn(fname)
    assert (put.max_async_event_age_in_seconds, put.max_async_retry_attempts) == (600, 2)
    assert put.destination_config.on_failure.destination == "SMN"
    assert put.destination_config.on_success is None
    assert put.enable_async_status_log is True

    shown = client.show_function_async_invoke_config(
        ShowFunctionAsyncInvokeConfigRequest(function_urn=urn(fname)))
    check_response("ShowFunctionAsyncInvokeConfig", shown, errors)
    assert shown.created_time == put.created_time

    listed = client.list_function_async_invoke_config(
        ListFunctionAsyncInvokeConfigRequest(function_urn=urn(fname), marker="0", limit="10"))
    check_response("ListFunctionAsyncInvokeConfig", listed, errors)
    assert listed.count == 1
    assert listed.async_invoke_configs[0].func_urn == urn(fname)
    assert listed.page_info.next_marker == 1

    deleted = client.delete_function_async_invoke_config(
        DeleteFunctionAsyncInvokeConfigRequest(function_urn=urn(fname)))
    check_response("DeleteFunctionAsyncInvokeConfig", deleted, errors)
    assert deleted.status_code == 204
    assert not errors, "\n".join(errors)

    expect_error(lambda: client.show_function_async_invoke_config(
        ShowFunctionAsyncInvokeConfigRequest(function_urn=urn(fname))), 404, "FSS.0404")
