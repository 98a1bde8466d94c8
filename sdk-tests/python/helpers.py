"""Constants and helpers shared by the SDK tests: credentials, URNs, clients, code."""

import base64
import hashlib
from pathlib import Path

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkfunctiongraph.v2 import (CreateFunctionRequest, CreateFunctionRequestBody,
                                            FuncCode, FunctionGraphClient)

REPO = Path(__file__).resolve().parents[2]

AK = "TESTAK0123456789ABCD"
SK = "testSecretKey0123456789abcdefghijklmnopqr"
PROJECT = "0123456789abcdef0123456789abcdef"
REGION = "cn-north-4"
DOMAIN_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

# A second credential, limited to another project: using it on PROJECT is 403 FSS.0403.
OTHER_AK = "OTHERAK0123456789ABC"
OTHER_SK = "otherSecretKey0123456789abcdefghijklmnop"
OTHER_PROJECT = "fedcba9876543210fedcba9876543210"

# Small so that the version cap (403 FSS.1042) is cheap to reach.
MAX_VERSIONS = 4

CONFIG = f"""
[auth]
mode = "verify"

[[auth.credentials]]
ak = "{AK}"
sk = "{SK}"
project_ids = ["{PROJECT}"]

[[auth.credentials]]
ak = "{OTHER_AK}"
sk = "{OTHER_SK}"
project_ids = ["{OTHER_PROJECT}"]

[limits]
max_versions = {MAX_VERSIONS}

[[projects]]
id = "{PROJECT}"
region = "{REGION}"
domain_name = "fgs-emulator"
domain_id = "{DOMAIN_ID}"

[[projects]]
id = "{OTHER_PROJECT}"
region = "{REGION}"
"""


def urn(name, qualifier="latest", package="default"):
    """The function URN the emulator answers, qualified by a version or "!alias"."""
    base = f"urn:fss:{REGION}:{PROJECT}:function:{package}:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def make_client(endpoint, ak=AK, sk=SK, project_id=PROJECT):
    # Always pass project_id: without it the SDK puts a literal "{project_id}" in the path
    # (with_endpoint) or asks IAM for one (with_region).
    return (FunctionGraphClient.new_builder()
            .with_http_config(HttpConfig(timeout=(5, 30)))
            .with_credentials(BasicCredentials(ak, sk, project_id))
            .with_endpoint(endpoint)
            .build())


def b64(code: bytes) -> str:
    return base64.b64encode(code).decode()


def sha512(code: bytes) -> str:
    """The emulator's digest: SHA-512 hex of the decoded code."""
    return hashlib.sha512(code).hexdigest()


def create_function(client, name, code=b"def handler(event, context):\n    return 'v0'\n",
                    **fields):
    """CreateFunction with an inline Python function; `fields` override the body's fields."""
    body = dict(func_name=name, package="default", runtime="Python3.9", handler="index.handler",
                memory_size=128, timeout=30, code_type="inline", func_code=FuncCode(file=b64(code)))
    body.update(fields)
    return client.create_function(CreateFunctionRequest(body=CreateFunctionRequestBody(**body)))


def expect_error(call, status, error_code, msg=None):
    """Run `call`; it must raise the SDK's ClientRequestException with these fields.

    Returns the exception. `request_id` (the X-Request-Id header) must be non-empty and the
    body must have carried both error_code and error_msg (else the SDK would fall back to
    error_code = str(status)).
    """
    with pytest.raises(ClientRequestException) as info:
        call()
    e = info.value
    assert (e.status_code, e.error_code) == (status, error_code), \
        f"got {e.status_code} {e.error_code}: {e.error_msg}"
    assert isinstance(e.error_msg, str) and e.error_msg, "error_msg is empty"
    if msg is not None:
        assert msg in e.error_msg, f"{msg!r} not in {e.error_msg!r}"
    assert isinstance(e.request_id, str) and e.request_id, f"request_id is {e.request_id!r}"
    return e
