"""Tags through the official Python SDK: CreateTags, DeleteTags, ListFunctionTags,
ShowProjectTagsList and ShowResInstanceInfo. Their paths have no /fgs; the SDK percent-encodes
the function URN given as resource_id, and signs every request (auth.mode = "verify").
"""

import json

from huaweicloudsdkfunctiongraph.v2 import (
    CreateTagsRequest, DeleteTagsRequest, KvItem, ListEnterpriseResourceRequestBody,
    ListFunctionTagsRequest, ShowProjectTagsListRequest, ShowResInstanceInfoRequest, TagItem,
    UpdateFunctionTagsRequestBody)

from helpers import create_function, expect_error, urn


def tags_of(client, resource_id):
    resp = client.list_function_tags(
        ListFunctionTagsRequest(resource_type="functions", resource_id=resource_id))
    assert resp.status_code == 200
    return [(t.key, t.value) for t in resp.tags], [(t.key, t.value) for t in resp.sys_tags]


def test_tag_a_function_and_read_the_tags_back(client, fname):
    create_function(client, fname)
    rid = urn(fname)
    resp = client.create_tags(CreateTagsRequest(
        resource_type="functions", resource_id=rid,
        body=UpdateFunctionTagsRequestBody(action="create", tags=[
            KvItem(key="team", value="a"), KvItem(key="env", value="dev")])))
    assert resp.status_code == 204
    assert resp.raw_content in (b"", None)
    # The same key again takes the new value; lists come in key order.
    client.create_tags(CreateTagsRequest(
        resource_type="functions", resource_id=urn(fname, None),
        body=UpdateFunctionTagsRequestBody(tags=[KvItem(key="env", value="prod")])))
    assert tags_of(client, rid) == ([("env", "prod"), ("team", "a")], [])

    resp = client.delete_tags(DeleteTagsRequest(
        resource_type="functions", resource_id=rid,
        body=UpdateFunctionTagsRequestBody(action="delete", tags=[KvItem(key="team")])))
    assert resp.status_code == 204
    assert tags_of(client, rid) == ([("env", "prod")], [])


def test_project_tags_and_filtering(client, fname):
    create_function(client, fname)
    client.create_tags(CreateTagsRequest(
        resource_type="functions", resource_id=urn(fname),
        body=UpdateFunctionTagsRequestBody(tags=[KvItem(key="sdkfilter", value=fname)])))
    resp = client.show_project_tags_list(ShowProjectTagsListRequest(resource_type="functions"))
    mine = [t for t in resp.tags if t.key == "sdkfilter"]
    assert len(mine) == 1 and fname in mine[0].values

    resp = client.show_res_instance_info(ShowResInstanceInfoRequest(
        resource_type="functions", action="filter",
        body=ListEnterpriseResourceRequestBody(
            limit="10", offset="0",
            matches=[KvItem(key="resource_name", value=fname)])))
    assert resp.total_count == 1
    [found] = resp.resources
    assert found.resource_id == urn(fname)
    assert found.resource_name == fname
    assert found.resource_detail.detail_id == urn(fname)
    assert [(t.key, t.value) for t in found.tags] == [("sdkfilter", fname)]

    resp = client.show_res_instance_info(ShowResInstanceInfoRequest(
        resource_type="functions", action="count",
        body=ListEnterpriseResourceRequestBody(
            matches=[KvItem(key="resource_name", value=fname)],
            sys_tags=[TagItem(key="_sys_none", values=["x"])])))
    assert resp.total_count == 0
    assert json.loads(resp.raw_content)["resources"] is None


def test_tag_errors(client, fname):
    create_function(client, fname)
    expect_error(lambda: client.create_tags(CreateTagsRequest(
        resource_type="functions", resource_id=urn(fname),
        body=UpdateFunctionTagsRequestBody(tags=[KvItem(key="bad key", value="v")]))),
        400, "FSS.0400", "tags[0].key")
    expect_error(lambda: client.list_function_tags(ListFunctionTagsRequest(
        resource_type="functions", resource_id=urn(fname + "-nope"))), 404, "FSS.1051")
    expect_error(lambda: client.list_function_tags(ListFunctionTagsRequest(
        resource_type="triggers", resource_id=urn(fname))), 400, "FSS.0400", "resource_type")


def test_tag_responses_parse_into_the_sdk_models(client, fname):
    """Each tag operation's raw JSON against its response model (see test_models.py)."""
    from test_models import check_response

    create_function(client, fname)
    rid = urn(fname)
    tags = UpdateFunctionTagsRequestBody(
        tags=[KvItem(key="env", value="prod")],
        sys_tags=[KvItem(key="_sys_enterprise_project_id", value="0")])
    calls = {
        "create": lambda: client.create_tags(
            CreateTagsRequest(resource_type="functions", resource_id=rid, body=tags)),
        "list": lambda: client.list_function_tags(
            ListFunctionTagsRequest(resource_type="functions", resource_id=rid)),
        "project": lambda: client.show_project_tags_list(
            ShowProjectTagsListRequest(resource_type="functions")),
        "filter": lambda: client.show_res_instance_info(ShowResInstanceInfoRequest(
            resource_type="functions", action="filter",
            body=ListEnterpriseResourceRequestBody(
                matches=[KvItem(key="resource_name", value=fname)]))),
        "count": lambda: client.show_res_instance_info(ShowResInstanceInfoRequest(
            resource_type="functions", action="count",
            body=ListEnterpriseResourceRequestBody(without_any_tag=True))),
        "delete": lambda: client.delete_tags(
            DeleteTagsRequest(resource_type="functions", resource_id=rid, body=tags)),
    }
    errors = []
    for label, call in calls.items():
        check_response(label, call(), errors)
    assert not errors, "\n".join(errors)
