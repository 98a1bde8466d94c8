"""The official Python SDK against the Docker image (scripts/test-suites/docker-image.sh).

    python container_scenario.py create URL   # create, publish v1, alias prod -> v1, read
                                              # back, invoke through the alias
    python container_scenario.py check URL    # after a restart on the same volume: all there

Credentials are helpers.AK/SK in auth.mode = "verify" (the suite mounts helpers.CONFIG).
Not a pytest module (no test_ prefix): the suite runs it between container restarts.
The invocation runs the handler on the image's own python3 (the container is the boundary,
so the image allows invocation on 0.0.0.0).
"""

import sys

from huaweicloudsdkfunctiongraph.v2 import (CreateFunctionVersionRequest,
                                            CreateFunctionVersionRequestBody,
                                            CreateVersionAliasRequest,
                                            CreateVersionAliasRequestBody, InvokeFunctionRequest,
                                            ShowFunctionCodeRequest, ShowFunctionConfigRequest,
                                            ShowVersionAliasRequest)

from helpers import b64, create_function, make_client, sha512, urn

NAME = "in-a-container"
CODE = b"def handler(event, context):\n    return 'from the container'\n"


def read_back(client):
    latest = client.show_function_config(ShowFunctionConfigRequest(function_urn=urn(NAME)))
    assert latest.func_urn == urn(NAME), latest.func_urn
    assert latest.digest == sha512(CODE), latest.digest
    v1 = client.show_function_config(ShowFunctionConfigRequest(function_urn=urn(NAME, "v1")))
    assert v1.version == "v1", v1.version
    code = client.show_function_code(ShowFunctionCodeRequest(function_urn=urn(NAME, "v1")))
    assert code.func_code.file == b64(CODE)
    alias = client.show_version_alias(ShowVersionAliasRequest(function_urn=urn(NAME),
                                                              alias_name="prod"))
    assert alias.version == "v1" and alias.alias_urn == urn(NAME, "!prod"), alias
    via_alias = client.show_function_config(
        ShowFunctionConfigRequest(function_urn=urn(NAME, "!prod")))
    assert via_alias.version == "v1", via_alias.version
    invoked = client.invoke_function(InvokeFunctionRequest(
        function_urn=urn(NAME, "!prod"), x_cff_request_version="v1", body={}))
    assert invoked.status == 200 and invoked.result == "from the container", invoked


def main(mode, url):
    client = make_client(url)
    if mode == "create":
        create_function(client, NAME, code=CODE)
        v1 = client.create_function_version(CreateFunctionVersionRequest(
            function_urn=urn(NAME),
            body=CreateFunctionVersionRequestBody(version="v1", description="shipped")))
        assert v1.func_urn == urn(NAME, "v1"), v1.func_urn
        assert v1.version_description == "shipped", v1.version_description
        client.create_version_alias(CreateVersionAliasRequest(
            function_urn=urn(NAME), body=CreateVersionAliasRequestBody(name="prod", version="v1")))
    elif mode != "check":
        sys.exit(f"unknown mode {mode!r}")
    read_back(client)
    print(f"container scenario ({mode}): create/publish/alias read back and invoked through the SDK")


if __name__ == "__main__":
    main(*sys.argv[1:])
