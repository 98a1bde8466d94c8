#!/usr/bin/env python3
"""Generate SDK-HMAC-SHA256 signing test vectors with the official Python SDK.

The vectors in ``tests/fixtures/sign_vectors.json`` are the contract for the emulator's
``auth.mode = "verify"``: each one is a request exactly as Huawei's own Python SDK
(``huaweicloudsdkfunctiongraph`` + ``huaweicloudsdkcore``, versions pinned in
``sdk-tests/python/requirements.txt``) puts it on the wire, together with the canonical
request, the string to sign and the signature the SDK computed for it.

How to run (from the repository root)::

    python3 -m venv .venv-sdk
    .venv-sdk/bin/pip install -r sdk-tests/python/requirements.txt
    .venv-sdk/bin/python scripts/gen_sign_vectors.py            # writes tests/fixtures/sign_vectors.json
    .venv-sdk/bin/python scripts/gen_sign_vectors.py OUT.json   # or any other path

How the vectors are made (nothing is re-implemented, nothing touches the network):

* A real ``FunctionGraphClient`` is built with ``ClientBuilder`` and each operation is called
  through its public method (``client.create_function_version(request)`` ...), so the SDK's
  own path-parameter quoting, query handling, JSON serialisation, header building,
  ``BasicCredentials.sign_request`` and ``Signer.sign`` all run unchanged.
* The only two substitutions:
  - the signer module's ``datetime.utcnow`` is frozen at ``20240102T030405Z`` so that the
    ``X-Sdk-Date`` header is added by the signer itself, in its usual place;
  - the ``requests`` session of the SDK's ``HttpClient`` gets a transport adapter that records
    the ``PreparedRequest`` (method, request target, headers, body bytes: what ``requests``
    hands to urllib3 to write on the socket) and answers ``200 {}`` instead of connecting.
* ``Signer._process_canonical_request`` and ``Signer._process_string_to_sign`` are wrapped
  (the originals still run) to record their results.

Every vector is then checked twice: against the values published in
``shared/reference/sdk-signing.md`` (V1, V2, V3) and against an independent, server-side
style recomputation from the wire data alone (``verify_from_wire`` below, which follows the
algorithm in that document). The script exits non-zero if either check fails.

Output is deterministic: sorted keys, fixed inputs, and no timestamps or host-specific data,
so running the script twice gives a byte-identical file.
"""

import base64
import datetime as _dt
import hashlib
import hmac
import json
import os
import sys
from importlib.metadata import version as _pkg_version
from urllib.parse import quote, unquote

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

import huaweicloudsdkcore.signer.signer as signer_module
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionRequest,
    CreateFunctionRequestBody,
    CreateFunctionVersionRequest,
    CreateFunctionVersionRequestBody,
    DeleteFunctionRequest,
    FuncCode,
    FunctionGraphClient,
    ListFunctionsRequest,
    ListFunctionVersionsRequest,
    ShowFunctionConfigRequest,
    UpdateFunctionCodeRequest,
    UpdateFunctionCodeRequestBody,
)

AK = "TESTAK0123456789ABCD"
SK = "testSecretKey0123456789abcdefghijklmnopqr"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
ENDPOINT = "http://127.0.0.1:8080"
X_SDK_DATE = "20240102T030405Z"
USER_AGENT = "vector"

URN_BASE = "urn:fss:cn-north-4:%s:function:default:hello" % PROJECT_ID
URN_LATEST = URN_BASE + ":latest"

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                           "tests", "fixtures", "sign_vectors.json")

# Signatures published in shared/reference/sdk-signing.md, section 4 "Test vectors".
PUBLISHED = {
    "create_function_version_json_body":
        "1a1fcfd9495b95c3a4ac89ee86a3966122821750d3b3f9d561f41b38839f69a2",  # V1
    "list_functions_query":
        "14b25772cbb93d540cd8597b87bc59b96bf4dda15f7cff118e04520d5ba58511",  # V2
    "delete_function_version_qualified":
        "2b782fb4fa0f62da302d38f5dda33eb68cff96ff645aae0b7c5ff6dfa9508b61",  # V3
}

# An empty zip archive (end-of-central-directory record only), base64 as the API wants it.
EMPTY_ZIP_B64 = base64.b64encode(b"PK\x05\x06" + b"\x00" * 18).decode("ascii")


def cases():
    """(name, description, client method name, request object, sdk_call text) for each vector."""
    return [
        # --- the cases the emulator must accept (V1..V3 are also in sdk-signing.md) ---
        ("create_function_version_json_body",
         "V1: publish a version, POST with a JSON body, URN (with %3A) in the path",
         "create_function_version",
         CreateFunctionVersionRequest(
             function_urn=URN_LATEST,
             body=CreateFunctionVersionRequestBody(version="v1", description="first")),
         "CreateFunctionVersionRequest(function_urn=URN_LATEST, "
         "body=CreateFunctionVersionRequestBody(version='v1', description='first'))"),
        ("create_function_version_no_body",
         "publish a version with body=None: POST with no body at all (Content-Length: 0, empty payload hash)",
         "create_function_version",
         CreateFunctionVersionRequest(function_urn=URN_LATEST),
         "CreateFunctionVersionRequest(function_urn=URN_LATEST)"),
        ("list_functions_query",
         "V2: GET with a query string; the SDK sends the canonical (sorted, %20-encoded) query",
         "list_functions",
         ListFunctionsRequest(marker="0", maxitems="5", func_name="hello world"),
         "ListFunctionsRequest(marker='0', maxitems='5', func_name='hello world')"),
        ("delete_function_version_qualified",
         "V3: DELETE on a version-qualified URN, no body (Content-Length: 0)",
         "delete_function",
         DeleteFunctionRequest(function_urn=URN_BASE + ":v1"),
         "DeleteFunctionRequest(function_urn=URN_BASE + ':v1')"),
        ("show_function_config_alias",
         "GET on an alias-qualified URN: '!' is sent as %21, Content-Type still sent and signed",
         "show_function_config",
         ShowFunctionConfigRequest(function_urn=URN_BASE + ":!prod"),
         "ShowFunctionConfigRequest(function_urn=URN_BASE + ':!prod')"),
        ("update_function_code_put",
         "PUT with a JSON body carrying base64 code (func_code.file)",
         "update_function_code",
         UpdateFunctionCodeRequest(
             function_urn=URN_LATEST,
             body=UpdateFunctionCodeRequestBody(code_type="zip", code_filename="index.zip",
                                                func_code=FuncCode(file=EMPTY_ZIP_B64))),
         "UpdateFunctionCodeRequest(function_urn=URN_LATEST, body=UpdateFunctionCodeRequestBody("
         "code_type='zip', code_filename='index.zip', func_code=FuncCode(file=EMPTY_ZIP_B64)))"),
        ("list_function_versions_query",
         "GET versions of an unqualified URN with marker/maxitems paging",
         "list_function_versions",
         ListFunctionVersionsRequest(function_urn=URN_BASE, marker="0", maxitems="10"),
         "ListFunctionVersionsRequest(function_urn=URN_BASE, marker='0', maxitems='10')"),
        # --- extra edge cases for the verifier ---
        ("create_function_version_empty_body_object",
         "publish with an empty body object: the SDK sends the 2 bytes '{}' (not an empty body)",
         "create_function_version",
         CreateFunctionVersionRequest(function_urn=URN_LATEST, body=CreateFunctionVersionRequestBody()),
         "CreateFunctionVersionRequest(function_urn=URN_LATEST, body=CreateFunctionVersionRequestBody())"),
        ("list_functions_query_special_chars",
         "query values with '+', '=', '&', '/', '~', space and non-ASCII: percent-encoded UTF-8, '~' kept",
         "list_functions",
         ListFunctionsRequest(maxitems="400", package_name="pkg/x", func_name="a+b=c&d \u00e9~"),
         "ListFunctionsRequest(maxitems='400', package_name='pkg/x', func_name='a+b=c&d \\u00e9~')"),
        ("create_function_non_ascii_body",
         "POST a new function; non-ASCII in the body is sent as \\uXXXX escapes (ensure_ascii) and hashed as sent",
         "create_function",
         CreateFunctionRequest(body=CreateFunctionRequestBody(
             func_name="hello", package="default", runtime="Python3.9", timeout=30,
             handler="index.handler", memory_size=128, code_type="inline",
             func_code=FuncCode(file=base64.b64encode(
                 b"def handler(event, context):\n    return 'ok'\n").decode("ascii")),
             description="h\u00e9llo w\u00f6rld \u2603")),
         "CreateFunctionRequest(body=CreateFunctionRequestBody(func_name='hello', package='default', "
         "runtime='Python3.9', timeout=30, handler='index.handler', memory_size=128, code_type='inline', "
         "func_code=FuncCode(file=<base64 of a 2-line handler>), description='h\\u00e9llo w\\u00f6rld \\u2603'))"),
    ]


# ---------------------------------------------------------------------------------------------
# Instrumentation of the SDK (wrapping, never replacing, its code)
# ---------------------------------------------------------------------------------------------

class _FrozenDatetime(_dt.datetime):
    """The signer's ``datetime`` with ``utcnow`` frozen at X_SDK_DATE."""

    @classmethod
    def utcnow(cls):
        return cls.strptime(X_SDK_DATE, "%Y%m%dT%H%M%SZ")


class _Recorder:
    def __init__(self):
        self.canonical_requests = []
        self.strings_to_sign = []
        self.sdk_uris = []
        self.wire = []

    def reset(self):
        self.__init__()


RECORDER = _Recorder()


def _instrument_signer():
    signer_module.datetime = _FrozenDatetime

    orig_canonical = Signer._process_canonical_request
    orig_sts = Signer._process_string_to_sign
    orig_sign = Signer.sign

    def canonical(self, request, signed_headers):
        value = orig_canonical(self, request, signed_headers)
        RECORDER.canonical_requests.append(value)
        return value

    def string_to_sign(self, canonical_request, t):
        value = orig_sts(self, canonical_request, t)
        RECORDER.strings_to_sign.append(value)
        return value

    def sign(self, request):
        result = orig_sign(self, request)
        RECORDER.sdk_uris.append(result.uri)
        return result

    Signer._process_canonical_request = canonical
    Signer._process_string_to_sign = string_to_sign
    Signer.sign = sign


class _CaptureAdapter(BaseAdapter):
    """Records the PreparedRequest that requests would write to the socket; answers 200 {}."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        RECORDER.wire.append({
            "method": request.method,
            "target": request.path_url,
            "headers": [[k, v] for k, v in request.headers.items()],
            "body": body,
        })
        resp = requests.Response()
        resp.status_code = 200
        resp.reason = "OK"
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        resp._content = b"{}"
        resp.encoding = "utf-8"
        resp.url = request.url
        resp.request = request
        return resp

    def close(self):
        pass


def build_client():
    client = (FunctionGraphClient.new_builder()
              .with_http_config(HttpConfig(user_agent=USER_AGENT))
              .with_credentials(BasicCredentials(AK, SK, PROJECT_ID))
              .with_endpoint(ENDPOINT)
              .build())
    session = client.get_http_client()._session
    session.mount("http://", _CaptureAdapter())
    session.mount("https://", _CaptureAdapter())
    return client


# ---------------------------------------------------------------------------------------------
# Independent server-side recomputation (the algorithm of sdk-signing.md section 4)
# ---------------------------------------------------------------------------------------------

def _enc(s):
    # RFC 3986 unreserved kept, everything else %XX of the UTF-8 bytes, upper-case hex.
    return quote(s, safe="-_.~")


def verify_from_wire(method, target, headers, body, sk):
    """Recompute (canonical_request, string_to_sign, signature) from what a server receives."""
    path, _, query = target.partition("?")
    canonical_uri = "/".join(_enc(seg) for seg in unquote(path).split("/"))
    if not canonical_uri.endswith("/"):
        canonical_uri += "/"
    pairs = []
    if query:
        for item in query.split("&"):
            k, _, v = item.partition("=")
            pairs.append((unquote(k), unquote(v)))
    pairs.sort()
    canonical_query = "&".join("%s=%s" % (_enc(k), _enc(v)) for k, v in pairs)

    by_name = {k.lower(): v for k, v in headers}
    auth = by_name["authorization"]
    prefix = "SDK-HMAC-SHA256 Access="
    assert auth.startswith(prefix), auth
    _access, signed, _sig = auth[len(prefix):].split(", ")
    signed_headers = signed[len("SignedHeaders="):].split(";")
    canonical_headers = "".join("%s:%s\n" % (h, by_name[h].strip()) for h in signed_headers)
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join([method, canonical_uri, canonical_query, canonical_headers,
                                   ";".join(signed_headers), payload_hash])
    string_to_sign = "SDK-HMAC-SHA256\n%s\n%s" % (
        by_name["x-sdk-date"], hashlib.sha256(canonical_request.encode("utf-8")).hexdigest())
    signature = hmac.new(sk.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return canonical_request, string_to_sign, signature


# ---------------------------------------------------------------------------------------------

def make_vector(client, name, description, method_name, request, sdk_call):
    RECORDER.reset()
    getattr(client, method_name)(request)
    if not (len(RECORDER.wire) == len(RECORDER.canonical_requests) == len(RECORDER.strings_to_sign) == 1):
        raise SystemExit("%s: expected exactly one signed request, got %r" % (name, vars(RECORDER)))
    wire = RECORDER.wire[0]
    canonical_request = RECORDER.canonical_requests[0]
    string_to_sign = RECORDER.strings_to_sign[0]
    auth = dict(wire["headers"])["Authorization"]
    signature = auth.rsplit("Signature=", 1)[1]
    signed_headers = auth.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    path, _, query = wire["target"].partition("?")
    sdk_uri = RECORDER.sdk_uris[0]
    if sdk_uri != wire["target"]:
        # requests re-quotes URLs; say so loudly if it ever changes what the SDK signed.
        raise SystemExit("%s: requests changed the target: SDK %r, wire %r" % (name, sdk_uri, wire["target"]))
    return {
        "name": name,
        "description": description,
        "sdk_call": "client.%s(%s)" % (method_name, sdk_call),
        "ak": AK,
        "sk": SK,
        "method": wire["method"],
        "target": wire["target"],
        "path": path,
        "query": query,
        "headers": wire["headers"],
        "signed_headers": signed_headers,
        "body": wire["body"].decode("utf-8"),
        "payload_hash": canonical_request.rsplit("\n", 1)[1],
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "signature": signature,
        "authorization": auth,
    }


def main(argv):
    out = argv[1] if len(argv) > 1 else DEFAULT_OUT
    _instrument_signer()
    client = build_client()

    vectors = [make_vector(client, *case) for case in cases()]

    failures = []
    for v in vectors:
        body = v["body"].encode("utf-8")
        cr, sts, sig = verify_from_wire(v["method"], v["target"], v["headers"], body, v["sk"])
        if (cr, sts, sig) != (v["canonical_request"], v["string_to_sign"], v["signature"]):
            failures.append("%s: server-side recomputation differs from the SDK" % v["name"])
        published = PUBLISHED.get(v["name"])
        if published is not None and published != v["signature"]:
            failures.append("%s: signature %s != published %s" % (v["name"], v["signature"], published))
    if failures:
        sys.stderr.write("\n".join(failures) + "\n")
        return 1

    doc = {
        "_comment": "Generated by scripts/gen_sign_vectors.py with the official Huawei Cloud Python SDK; "
                    "do not edit by hand. 'headers' is every header requests would send, in order; "
                    "only 'signed_headers' take part in the signature. 'body' is the exact body (UTF-8).",
        "generator": {
            "huaweicloudsdkcore": _pkg_version("huaweicloudsdkcore"),
            "huaweicloudsdkfunctiongraph": _pkg_version("huaweicloudsdkfunctiongraph"),
            "requests": _pkg_version("requests"),
        },
        "common": {
            "ak": AK,
            "sk": SK,
            "project_id": PROJECT_ID,
            "endpoint": ENDPOINT,
            "x_sdk_date": X_SDK_DATE,
            "http_config_user_agent": USER_AGENT,
        },
        "published_signatures": PUBLISHED,
        "vectors": vectors,
    }
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote %d vectors to %s (V1-V3 match sdk-signing.md; all re-verified from wire data)"
          % (len(vectors), os.path.normpath(out)))
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
