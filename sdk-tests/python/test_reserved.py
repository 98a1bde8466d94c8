"""Reserved instances and quotas through the official Python SDK: its request models build the
bodies and query strings, its response models must parse the answers."""

from huaweicloudsdkfunctiongraph.v2 import (
    CronConfig, ListFunctionReservedInstancesRequest, ListQuotasRequest,
    ListReservedInstanceConfigsRequest, MetricConfig, TacticsConfig,
    UpdateFunctionReservedInstancesCountRequest, UpdateFunctionReservedInstancesCountRequestBody)

from helpers import create_function, expect_error, urn

CODE = b"def handler(event, context):\n    return 'v0'\n"


def set_policy(client, function_urn, count, idle_mode=None, tactics=None):
    return client.update_function_reserved_instances_count(
        UpdateFunctionReservedInstancesCountRequest(
            function_urn=function_urn,
            body=UpdateFunctionReservedInstancesCountRequestBody(
                count=count, idle_mode=idle_mode, tactics_config=tactics)))


def test_reserved_instances_round_trip(client, fname):
    create_function(client, fname, CODE)
    tactics = TacticsConfig(
        cron_configs=[CronConfig(name="day", cron="0 0 8 * * ?", count=2,
                                 start_time=1767225600, expired_time=1798761600)],
        metric_configs=[MetricConfig(name="busy", type="Concurrency", threshold=80, min=1)])
    resp = set_policy(client, urn(fname), 1, True, tactics)
    assert resp.status_code == 200
    assert resp.count == 1 and resp.idle_mode is True
    assert resp.tactics_config.cron_configs[0].cron == "0 0 8 * * ?"
    assert resp.tactics_config.metric_configs[0].threshold == 80

    listed = client.list_reserved_instance_configs(
        ListReservedInstanceConfigsRequest(function_urn=urn(fname), marker="0", limit="100"))
    assert listed.count == 1
    item = listed.reserved_instances[0]
    assert (item.function_urn, item.qualifier_type, item.qualifier_name, item.min_count) == (
        urn(fname), "version", "latest", 1)
    assert item.tactics_config.cron_configs[0].expired_time == 1798761600
    assert (listed.page_info.next_marker, listed.page_info.current_count) == (1, 1)

    counts = client.list_function_reserved_instances(
        ListFunctionReservedInstancesRequest(urn=urn(fname)))
    assert [(r.func_urn, r.count) for r in counts.reservedinstances] == [(urn(fname), 1)]
    assert counts.page_info.next_marker == 1

    removed = set_policy(client, urn(fname), 0)
    assert removed.count == 0 and removed.tactics_config is None
    listed = client.list_reserved_instance_configs(
        ListReservedInstanceConfigsRequest(function_urn=urn(fname)))
    assert listed.count == 0


def test_reserved_instances_errors(client, fname):
    create_function(client, fname, CODE)
    expect_error(lambda: set_policy(client, urn(fname, "v9"), 1), 404, "FSS.1052")
    expect_error(lambda: set_policy(client, urn(fname, "!nope"), 1), 404, "FSS.1053")
    expect_error(lambda: set_policy(client, urn(fname), -1), 400, "FSS.0400")


def test_quotas(client, fname):
    create_function(client, fname, CODE)
    resp = client.list_quotas(ListQuotasRequest())
    by_type = {r.type: r for r in resp.quotas.resources}
    assert by_type["fgs_func_num"].used >= 1
    assert by_type["fgs_func_code_size"].unit == "MB"
    assert all(r.unit is None for t, r in by_type.items() if t != "fgs_func_code_size")
