"""Every operation the emulator serves, through the official Python SDK, asserting on the SDK's
parsed response models. Each test owns its functions (the emulator is shared by the session).

The SDK percent-encodes every path parameter (`:` as %3A, `!` as %21) and signs the request
with AK/SK; the emulator runs in auth.mode = "verify", so every call here is also a signature
check.
"""

import json
import re

from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest, CreateFunctionVersionRequestBody, CreateVersionAliasRequest,
    CreateVersionAliasRequestBody, DeleteFunctionRequest, DeleteVersionAliasRequest, FuncCode,
    ListFunctionsRequest, ListFunctionVersionsRequest, ListVersionAliasesRequest,
    ShowFunctionCodeRequest, ShowFunctionConfigRequest, ShowVersionAliasRequest,
    UpdateFunctionCodeRequest, UpdateFunctionCodeRequestBody, UpdateFunctionConfigRequest,
    UpdateFunctionConfigRequestBody, UpdateVersionAliasRequest, UpdateVersionAliasRequestBody)

from helpers import DOMAIN_ID, PROJECT, REGION, b64, create_function, expect_error, sha512, urn

CODE = b"def handler(event, context):\n    return 'v0'\n"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)$")


def update_code(client, function_urn, code):
    return client.update_function_code(UpdateFunctionCodeRequest(
        function_urn=function_urn,
        body=UpdateFunctionCodeRequestBody(code_type="inline", func_code=FuncCode(file=b64(code)))))


def publish(client, function_urn, version=None, description=None):
    body = None
    if version is not None or description is not None:
        body = CreateFunctionVersionRequestBody(version=version, description=description)
    return client.create_function_version(
        CreateFunctionVersionRequest(function_urn=function_urn, body=body))


def publish_new(client, name, version):
    """Change latest's code, then publish it as `version`."""
    update_code(client, urn(name), f"def handler(e, c):\n    return '{version}'\n".encode())
    return publish(client, urn(name), version)


def assert_no_aliases(client, name):
    resp = client.list_version_aliases(ListVersionAliasesRequest(function_urn=urn(name)))
    assert json.loads(resp.raw_content) == []
    # The SDK turns an empty JSON array into body=None, not [] (_extract_kwargs skips falsy data).
    assert resp.body is None


def test_create_function(client, fname):
    resp = create_function(client, fname, CODE, description="made by the python sdk",
                           user_data=json.dumps({"GREETING": "hi"}), code_filename="index.py")
    assert resp.status_code == 200
    assert resp.func_urn == urn(fname)
    assert resp.func_name == fname
    assert resp.package == "default"
    assert resp.version == "latest"
    assert resp.runtime == "Python3.9"
    assert resp.handler == "index.handler"
    assert (resp.memory_size, resp.timeout) == (128, 30)
    assert resp.code_type == "inline"
    assert resp.digest == sha512(CODE)
    assert resp.code_size == len(CODE)
    assert resp.description == "made by the python sdk"
    assert json.loads(resp.user_data) == {"GREETING": "hi"}
    assert resp.namespace == PROJECT
    assert resp.project_name == REGION
    assert resp.domain_id == DOMAIN_ID
    assert isinstance(resp.cpu, int)
    assert resp.func_id and resp.func_id == resp.resource_id
    assert isinstance(resp.strategy_config.concurrency, int)
    # No python-dateutil: the SDK keeps datetime fields as the server's text.
    assert DATE_TIME.match(str(resp.last_modified)), resp.last_modified


def test_show_function_config_and_code(client, fname):
    created = create_function(client, fname, CODE)
    config = client.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert config.status_code == 200
    assert config.func_urn == created.func_urn
    assert config.digest == sha512(CODE)
    assert (config.memory_size, config.timeout, config.handler) == (128, 30, "index.handler")
    assert config.func_id == created.func_id

    code = client.show_function_code(ShowFunctionCodeRequest(function_urn=created.func_urn))
    assert code.status_code == 200
    assert code.func_urn == created.func_urn
    assert code.func_name == fname
    assert code.runtime == "Python3.9"
    assert code.code_type == "inline"
    assert code.func_code.file == b64(CODE)
    assert code.digest == sha512(CODE)
    assert code.code_size == len(CODE)


def test_short_urn_forms_resolve(client, fname):
    create_function(client, fname, CODE)
    for form in (fname, f"default:{fname}", f"{PROJECT}:default:{fname}:latest"):
        config = client.show_function_config(ShowFunctionConfigRequest(function_urn=form))
        assert config.func_urn == urn(fname), form


def test_update_function_code(client, fname):
    created = create_function(client, fname, CODE)
    new = b"def handler(event, context):\n    return 'v1, longer'\n"
    resp = update_code(client, created.func_urn, new)
    assert resp.status_code == 200
    assert resp.func_urn == created.func_urn
    assert resp.digest == sha512(new) != created.digest
    assert resp.code_size == len(new)
    assert DATE_TIME.match(str(resp.last_modified))
    code = client.show_function_code(ShowFunctionCodeRequest(function_urn=created.func_urn))
    assert code.func_code.file == b64(new)
    assert code.digest == sha512(new)


def test_update_function_config(client, fname):
    created = create_function(client, fname, CODE)
    resp = client.update_function_config(UpdateFunctionConfigRequest(
        function_urn=created.func_urn,
        body=UpdateFunctionConfigRequestBody(
            func_name=fname, runtime="Python3.9", handler="main.entry", memory_size=256,
            timeout=60, description="reconfigured", user_data=json.dumps({"STAGE": "dev"}))))
    assert resp.status_code == 200
    assert resp.func_urn == created.func_urn
    assert (resp.memory_size, resp.timeout, resp.handler) == (256, 60, "main.entry")
    assert resp.description == "reconfigured"
    assert json.loads(resp.user_data) == {"STAGE": "dev"}
    assert resp.digest == created.digest, "a config change leaves the code alone"
    config = client.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert (config.memory_size, config.timeout, config.handler) == (256, 60, "main.entry")


def test_update_config_of_a_version(client, fname):
    create_function(client, fname, CODE)
    publish(client, urn(fname), "v1")
    resp = client.update_function_config(UpdateFunctionConfigRequest(
        function_urn=urn(fname, "v1"),
        body=UpdateFunctionConfigRequestBody(func_name=fname, runtime="Python3.9",
                                             handler="index.handler", memory_size=512,
                                             timeout=30)))
    assert resp.func_urn == urn(fname, "v1")
    assert resp.memory_size == 512
    latest = client.show_function_config(ShowFunctionConfigRequest(function_urn=urn(fname)))
    assert latest.memory_size == 128, "latest is untouched"


def test_create_function_version_with_body(client, fname):
    created = create_function(client, fname, CODE, description="the function")
    resp = publish(client, created.func_urn, "v1", "first release")
    assert resp.status_code == 200
    assert resp.func_urn == urn(fname, "v1")
    assert resp.version == "v1"
    assert resp.version_description == "first release"
    assert resp.description == "the function"
    assert resp.digest == sha512(CODE)
    assert resp.code_size == len(CODE)
    v1 = client.show_function_config(ShowFunctionConfigRequest(function_urn=urn(fname, "v1")))
    assert v1.version == "v1"
    assert v1.digest == sha512(CODE)


def test_create_function_version_without_body(client, fname):
    created = create_function(client, fname, CODE)
    # No body attribute: the SDK sends no body at all (Content-Length: 0).
    resp = publish(client, created.func_urn)
    assert resp.status_code == 200
    assert re.fullmatch(r"v\d{8}-\d{6}", resp.version), resp.version
    assert resp.func_urn == urn(fname, resp.version)
    assert resp.digest == sha512(CODE)
    # A digest equal to latest's is accepted (a different one would be 400 FSS.0400).
    update_code(client, created.func_urn, b"x = 1\n")
    resp2 = client.create_function_version(CreateFunctionVersionRequest(
        function_urn=created.func_urn,
        body=CreateFunctionVersionRequestBody(digest=sha512(b"x = 1\n"), version="v2")))
    assert resp2.version == "v2"
    assert resp2.digest == sha512(b"x = 1\n")


def test_publish_unchanged_is_fss_1016(client, fname):
    created = create_function(client, fname, CODE)
    publish(client, created.func_urn, "v1")
    expect_error(lambda: client.create_function_version(CreateFunctionVersionRequest(
        function_urn=created.func_urn, body=CreateFunctionVersionRequestBody())),
        400, "FSS.1016")


def test_list_function_versions_paging(client, fname):
    create_function(client, fname, CODE)
    for v in ("v1", "v2", "v3"):
        publish_new(client, fname, v)
    full = client.list_function_versions(ListFunctionVersionsRequest(function_urn=urn(fname)))
    assert full.status_code == 200
    assert full.count == 4
    assert full.next_marker == full.count  # the last page: count, never 0
    assert [v.version for v in full.versions] == ["latest", "v1", "v2", "v3"]
    assert [v.func_urn for v in full.versions] == [urn(fname, q) for q in
                                                    ("latest", "v1", "v2", "v3")]

    first = client.list_function_versions(ListFunctionVersionsRequest(
        function_urn=urn(fname), marker="0", maxitems="2"))
    assert len(first.versions) == 2
    assert (first.count, first.next_marker) == (4, 2)
    assert isinstance(first.next_marker, int)
    second = client.list_function_versions(ListFunctionVersionsRequest(
        function_urn=urn(fname, "v1"), marker=str(first.next_marker), maxitems="2"))
    assert [v.version for v in second.versions] == ["v2", "v3"]
    assert (second.count, second.next_marker) == (4, 4)


def test_aliases_lifecycle(client, fname):
    create_function(client, fname, CODE)
    publish(client, urn(fname), "v1")
    publish_new(client, fname, "v2")

    created = client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname),
        body=CreateVersionAliasRequestBody(name="prod", version="v2", description="production",
                                           additional_version_weights={"v1": 10})))
    assert created.status_code == 200
    assert created.name == "prod"
    assert created.version == "v2"
    assert created.description == "production"
    assert created.alias_urn == urn(fname, "!prod")
    assert created.alias_urn.endswith(":!prod")
    assert created.additional_version_weights == {"v1": 10}
    assert DATE_TIME.match(str(created.last_modified))

    listed = client.list_version_aliases(ListVersionAliasesRequest(function_urn=urn(fname)))
    assert listed.status_code == 200
    assert [(a.name, a.version, a.alias_urn) for a in listed.body] == \
        [("prod", "v2", urn(fname, "!prod"))]
    assert listed.body[0].additional_version_weights == {"v1": 10}

    shown = client.show_version_alias(ShowVersionAliasRequest(function_urn=urn(fname),
                                                              alias_name="prod"))
    assert (shown.name, shown.version, shown.description) == ("prod", "v2", "production")
    assert shown.alias_urn == urn(fname, "!prod")
    assert shown.additional_version_weights == {"v1": 10}

    # The alias URN works wherever a function URN does (the SDK sends `!` as %21).
    via_alias = client.show_function_config(ShowFunctionConfigRequest(
        function_urn=created.alias_urn))
    assert via_alias.version == "v2"
    code_via_alias = client.show_function_code(ShowFunctionCodeRequest(
        function_urn=created.alias_urn))
    assert code_via_alias.digest == via_alias.digest

    updated = client.update_version_alias(UpdateVersionAliasRequest(
        function_urn=urn(fname), alias_name="prod",
        body=UpdateVersionAliasRequestBody(version="v1", description="rolled back")))
    assert updated.status_code == 200
    assert (updated.name, updated.version, updated.description) == ("prod", "v1", "rolled back")
    assert updated.alias_urn == urn(fname, "!prod")
    assert not updated.additional_version_weights, "an update replaces every field"
    assert client.show_version_alias(ShowVersionAliasRequest(
        function_urn=urn(fname), alias_name="prod")).version == "v1"

    deleted = client.delete_version_alias(DeleteVersionAliasRequest(function_urn=urn(fname),
                                                                   alias_name="prod"))
    assert deleted.status_code == 204
    assert not deleted.raw_content
    assert_no_aliases(client, fname)
    expect_error(lambda: client.show_version_alias(ShowVersionAliasRequest(
        function_urn=urn(fname), alias_name="prod")), 404, "FSS.1053")


def test_alias_with_version_strategy(client, fname):
    from huaweicloudsdkfunctiongraph.v2 import VersionStrategy, VersionStrategyRules
    create_function(client, fname, CODE)
    publish(client, urn(fname), "v1")
    publish_new(client, fname, "v2")
    rule = VersionStrategyRules(rule_type="Header", param="x-user", op="=", value="beta")
    created = client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname),
        body=CreateVersionAliasRequestBody(
            name="canary", version="v1",
            additional_version_strategy={"v2": VersionStrategy(rules=[rule],
                                                               combine_type="and")})))
    strategy = created.additional_version_strategy["v2"]
    assert strategy.combine_type == "and"
    assert [(r.rule_type, r.param, r.op, r.value) for r in strategy.rules] == \
        [("Header", "x-user", "=", "beta")]
    shown = client.show_version_alias(ShowVersionAliasRequest(function_urn=urn(fname),
                                                              alias_name="canary"))
    assert shown.additional_version_strategy["v2"].rules[0].value == "beta"


def test_delete_version_alias_urn_then_function(client, fname):
    create_function(client, fname, CODE)
    publish(client, urn(fname), "v1")
    publish_new(client, fname, "v2")
    client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname), body=CreateVersionAliasRequestBody(name="beta", version="v2")))

    # A version URN deletes that version.
    resp = client.delete_function(DeleteFunctionRequest(function_urn=urn(fname, "v1")))
    assert resp.status_code == 204
    assert not resp.raw_content
    versions = client.list_function_versions(ListFunctionVersionsRequest(function_urn=urn(fname)))
    assert [v.version for v in versions.versions] == ["latest", "v2"]
    expect_error(lambda: client.show_function_config(ShowFunctionConfigRequest(
        function_urn=urn(fname, "v1"))), 404, "FSS.1052")

    # An alias URN deletes the version it points to (and so the alias).
    resp = client.delete_function(DeleteFunctionRequest(function_urn=urn(fname, "!beta")))
    assert resp.status_code == 204
    versions = client.list_function_versions(ListFunctionVersionsRequest(function_urn=urn(fname)))
    assert [v.version for v in versions.versions] == ["latest"]
    assert versions.count == 1
    assert_no_aliases(client, fname)

    # latest cannot be deleted on its own.
    expect_error(lambda: client.delete_function(DeleteFunctionRequest(function_urn=urn(fname))),
                 400, "FSS.0400")

    # The unqualified URN deletes the whole function.
    resp = client.delete_function(DeleteFunctionRequest(function_urn=urn(fname, None)))
    assert resp.status_code == 204
    expect_error(lambda: client.show_function_config(ShowFunctionConfigRequest(
        function_urn=urn(fname))), 404, "FSS.1051")
    expect_error(lambda: client.delete_function(DeleteFunctionRequest(
        function_urn=urn(fname, None))), 404, "FSS.1051")


def test_list_functions_paging_and_filters(client, fname):
    package = f"pkg-{fname}"[:60]
    names = [f"{fname}-a", f"{fname}-b", f"{fname}-c"]
    for name in names:
        create_function(client, name, CODE, package=package)
    create_function(client, f"other-{fname}", CODE, package=package)

    everything = client.list_functions(ListFunctionsRequest())
    assert everything.status_code == 200
    assert everything.count == len(everything.functions) >= 4
    assert everything.next_marker == everything.count

    in_package = client.list_functions(ListFunctionsRequest(package_name=package))
    assert in_package.count == 4
    assert {f.func_name for f in in_package.functions} == set(names) | {f"other-{fname}"}
    assert all(f.package == package for f in in_package.functions)
    assert all(f.func_urn == urn(f.func_name, package=package) for f in in_package.functions)

    page1 = client.list_functions(ListFunctionsRequest(package_name=package, func_name=fname,
                                                       marker="0", maxitems="2"))
    assert [f.func_name for f in page1.functions] == names[:2]
    assert (page1.count, page1.next_marker) == (4, 2)
    page2 = client.list_functions(ListFunctionsRequest(
        package_name=package, func_name=fname, marker=str(page1.next_marker), maxitems="2"))
    assert len(page2.functions) == 2
    assert (page2.count, page2.next_marker) == (4, 4)

    by_name = client.list_functions(ListFunctionsRequest(package_name=package,
                                                         func_name=f"{fname}-b"))
    assert [f.func_name for f in by_name.functions] == [f"{fname}-b"]
    assert by_name.count == 1

    # A space in the query: the SDK sends and signs it as %20.
    none = client.list_functions(ListFunctionsRequest(package_name=package, func_name="no such"))
    assert (none.functions, none.count, none.next_marker) == ([], 0, 0)
