"""Errors as the official Python SDK surfaces them: ClientRequestException with status_code,
error_code, error_msg and request_id (from the X-Request-Id header), for 401, 403, 404, 409.

The SDK fills error_code/error_msg from the body only when both keys are present, so a
matching error_code here also proves the envelope is complete.
"""

import requests
from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest, CreateFunctionVersionRequestBody, DeleteFunctionRequest,
    DeleteVersionAliasRequest, ListFunctionsRequest, ListFunctionVersionsRequest,
    ShowFunctionCodeRequest, ShowFunctionConfigRequest, ShowVersionAliasRequest,
    UpdateFunctionCodeRequest, UpdateFunctionCodeRequestBody, FuncCode)

from helpers import (AK, MAX_VERSIONS, OTHER_AK, OTHER_PROJECT, OTHER_SK, PROJECT, SK, b64,
                     create_function, expect_error, make_client, urn)


def change_code(client, name, text):
    client.update_function_code(UpdateFunctionCodeRequest(
        function_urn=urn(name),
        body=UpdateFunctionCodeRequestBody(code_type="inline",
                                           func_code=FuncCode(file=b64(text.encode())))))


def publish(client, name, version):
    return client.create_function_version(CreateFunctionVersionRequest(
        function_urn=urn(name), body=CreateFunctionVersionRequestBody(version=version)))


# --- 401 -------------------------------------------------------------------------------------

def test_wrong_secret_key_is_401_apigw_0301(emulator):
    bad = make_client(emulator, sk=SK + "x")
    expect_error(lambda: bad.list_functions(ListFunctionsRequest()), 401, "APIGW.0301")
    # Signed requests with a body and a percent-encoded URN fail the same way.
    expect_error(lambda: bad.create_function_version(CreateFunctionVersionRequest(
        function_urn=urn("anything"), body=CreateFunctionVersionRequestBody(version="v1"))),
        401, "APIGW.0301")


def test_unknown_access_key_is_401_apigw_0301(emulator):
    stranger = make_client(emulator, ak="UNKNOWNAK00000000000", sk=SK)
    expect_error(lambda: stranger.list_functions(ListFunctionsRequest()), 401, "APIGW.0301")


def test_stale_sdk_date_is_401_apigw_0301(emulator):
    # The SDK keeps a preset X-Sdk-Date and signs with it: a correct signature, years old
    # (more than 15 minutes from the emulator's real time).
    stale = make_client(emulator)
    stale.preset_headers = {"X-Sdk-Date": "20200102T030405Z"}
    expect_error(lambda: stale.list_functions(ListFunctionsRequest()), 401, "APIGW.0301",
                 msg="X-Sdk-Date")


def test_no_credentials_is_401_fss_0401(emulator, client):
    # The SDK always signs unless an Authorization header is preset: preset an empty one.
    unsigned = make_client(emulator)
    unsigned.preset_headers = {"Authorization": ""}
    expect_error(lambda: unsigned.list_functions(ListFunctionsRequest()), 401, "FSS.0401")

    # A client with no SDK at all.
    resp = requests.get(f"{emulator}/v2/{PROJECT}/fgs/functions", timeout=10)
    assert resp.status_code == 401
    assert resp.json()["error_code"] == "FSS.0401"
    assert resp.json()["error_msg"]
    assert resp.headers.get("X-Request-Id")


def test_token_not_listed_is_401_fss_0401(emulator):
    # In verify mode tokens must be listed in [[auth.tokens]]; this config lists none.
    resp = requests.get(f"{emulator}/v2/{PROJECT}/fgs/functions",
                        headers={"X-Auth-Token": "local-dev-token"}, timeout=10)
    assert resp.status_code == 401
    assert resp.json()["error_code"] == "FSS.0401"
    assert resp.headers.get("X-Request-Id")


# --- 403 -------------------------------------------------------------------------------------

def test_credential_of_another_project_is_403_fss_0403(emulator):
    # OTHER_AK is limited to OTHER_PROJECT: the signature is valid, the project is not allowed.
    other_on_ours = make_client(emulator, ak=OTHER_AK, sk=OTHER_SK, project_id=PROJECT)
    e = expect_error(lambda: other_on_ours.list_functions(ListFunctionsRequest()),
                     403, "FSS.0403")
    assert OTHER_AK in e.error_msg
    ours_on_other = make_client(emulator, ak=AK, sk=SK, project_id=OTHER_PROJECT)
    expect_error(lambda: ours_on_other.list_functions(ListFunctionsRequest()), 403, "FSS.0403")
    # On its own project the same credential works.
    own = make_client(emulator, ak=OTHER_AK, sk=OTHER_SK, project_id=OTHER_PROJECT)
    assert own.list_functions(ListFunctionsRequest()).status_code == 200


def test_version_cap_is_403_fss_1042(client, fname):
    create_function(client, fname)
    for i in range(1, MAX_VERSIONS + 1):
        change_code(client, fname, f"x = {i}\n")
        assert publish(client, fname, f"v{i}").version == f"v{i}"
    change_code(client, fname, "x = 'one too many'\n")
    expect_error(lambda: publish(client, fname, f"v{MAX_VERSIONS + 1}"), 403, "FSS.1042")
    # Deleting a version frees a slot.
    client.delete_function(DeleteFunctionRequest(function_urn=urn(fname, "v1")))
    assert publish(client, fname, f"v{MAX_VERSIONS + 1}").version == f"v{MAX_VERSIONS + 1}"


# --- 404 -------------------------------------------------------------------------------------

def test_missing_function_is_404_fss_1051(client):
    missing = urn("no-such-function")
    e = expect_error(lambda: client.show_function_config(ShowFunctionConfigRequest(
        function_urn=missing)), 404, "FSS.1051")
    assert "Not found the function" in e.error_msg
    expect_error(lambda: client.show_function_code(ShowFunctionCodeRequest(
        function_urn=missing)), 404, "FSS.1051")
    expect_error(lambda: client.create_function_version(CreateFunctionVersionRequest(
        function_urn=missing)), 404, "FSS.1051")
    expect_error(lambda: client.list_function_versions(ListFunctionVersionsRequest(
        function_urn=missing)), 404, "FSS.1051")
    expect_error(lambda: client.delete_function(DeleteFunctionRequest(
        function_urn=urn("no-such-function", None))), 404, "FSS.1051")


def test_missing_version_is_404_fss_1052(client, fname):
    create_function(client, fname)
    expect_error(lambda: client.show_function_config(ShowFunctionConfigRequest(
        function_urn=urn(fname, "v9"))), 404, "FSS.1052")
    expect_error(lambda: client.delete_function(DeleteFunctionRequest(
        function_urn=urn(fname, "v9"))), 404, "FSS.1052")


def test_missing_alias_is_404_fss_1053(client, fname):
    create_function(client, fname)
    expect_error(lambda: client.show_version_alias(ShowVersionAliasRequest(
        function_urn=urn(fname), alias_name="nope")), 404, "FSS.1053")
    expect_error(lambda: client.delete_version_alias(DeleteVersionAliasRequest(
        function_urn=urn(fname), alias_name="nope")), 404, "FSS.1053")
    expect_error(lambda: client.show_function_config(ShowFunctionConfigRequest(
        function_urn=urn(fname, "!nope"))), 404, "FSS.1053")


# --- 409 -------------------------------------------------------------------------------------

def test_function_exists_is_409_fss_1061(client, fname):
    create_function(client, fname)
    expect_error(lambda: create_function(client, fname), 409, "FSS.1061")


def test_version_exists_is_409_fss_1062(client, fname):
    create_function(client, fname)
    publish(client, fname, "v1")
    change_code(client, fname, "x = 'changed'\n")  # else 400 FSS.1016 (unchanged) comes first
    expect_error(lambda: publish(client, fname, "v1"), 409, "FSS.1062")
    versions = client.list_function_versions(ListFunctionVersionsRequest(function_urn=urn(fname)))
    assert versions.count == 2
