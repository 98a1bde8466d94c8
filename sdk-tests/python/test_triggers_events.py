"""Triggers and test events (issue 11) through the official Python SDK's request and response
models: CreateFunctionTrigger (201), ListFunctionTriggers (a bare array), Show/Update/Delete,
BatchDeleteFunctionTriggers; CreateEvent, ListEvents, ShowEvent, UpdateEvent, DeleteEvent."""

import json

from huaweicloudsdkfunctiongraph.v2 import (
    BatchDeleteFunctionTriggersRequest, CreateEventRequest, CreateEventRequestBody,
    CreateFunctionTriggerRequest, CreateFunctionTriggerRequestBody, CreateFunctionVersionRequest,
    CreateFunctionVersionRequestBody, CreateVersionAliasRequest, CreateVersionAliasRequestBody,
    DeleteEventRequest, DeleteFunctionTriggerRequest, DeleteVersionAliasRequest,
    ListEventsRequest, ListFunctionTriggersRequest, ShowEventRequest, ShowFunctionTriggerRequest,
    TriggerEventDataRequestBody, UpdateEventRequest, UpdateEventRequestBody, UpdateTriggerRequest,
    UpdateTriggerRequestBody, UpdateriggerEventData)

from helpers import b64, create_function, expect_error, urn

CODE = b"def handler(event, context):\n    return event\n"


def test_trigger_lifecycle_on_an_alias(client, fname):
    create_function(client, fname, CODE)
    client.create_function_version(CreateFunctionVersionRequest(
        function_urn=urn(fname), body=CreateFunctionVersionRequestBody(version="v1")))
    client.create_version_alias(CreateVersionAliasRequest(
        function_urn=urn(fname), body=CreateVersionAliasRequestBody(name="prod", version="v1")))
    prod = urn(fname, "!prod")

    created = client.create_function_trigger(CreateFunctionTriggerRequest(
        function_urn=prod, body=CreateFunctionTriggerRequestBody(
            trigger_type_code="TIMER", trigger_status="ACTIVE",
            event_data=TriggerEventDataRequestBody(
                name="every-3m", schedule_type="Rate", schedule="3m"))))
    assert created.status_code == 201
    assert created.trigger_type_code == "TIMER"
    assert created.trigger_status == "ACTIVE"
    assert created.event_data.name == "every-3m"
    assert created.event_data.schedule == "3m"
    tid = created.trigger_id

    listed = client.list_function_triggers(ListFunctionTriggersRequest(function_urn=prod))
    assert [t.trigger_id for t in listed.body] == [tid]
    assert client.list_function_triggers(
        ListFunctionTriggersRequest(function_urn=urn(fname))).body is None, "latest has none"

    shown = client.show_function_trigger(ShowFunctionTriggerRequest(
        function_urn=prod, trigger_type_code="TIMER", trigger_id=tid))
    assert (shown.trigger_id, shown.event_data.schedule_type) == (tid, "Rate")

    updated = client.update_trigger(UpdateTriggerRequest(
        function_urn=prod, trigger_type_code="TIMER", trigger_id=tid,
        body=UpdateTriggerRequestBody(trigger_status="DISABLED")))
    assert updated.status_code == 200
    assert updated.trigger_status == "DISABLED"

    expect_error(lambda: client.delete_version_alias(DeleteVersionAliasRequest(
        function_urn=urn(fname), alias_name="prod")), 403, "FSS.1154")

    deleted = client.delete_function_trigger(DeleteFunctionTriggerRequest(
        function_urn=prod, trigger_type_code="TIMER", trigger_id=tid))
    assert deleted.status_code == 204
    expect_error(lambda: client.show_function_trigger(ShowFunctionTriggerRequest(
        function_urn=prod, trigger_type_code="TIMER", trigger_id=tid)), 404, "FSS.1131")
    assert client.delete_version_alias(DeleteVersionAliasRequest(
        function_urn=urn(fname), alias_name="prod")).status_code == 204


def test_dis_trigger_update_and_batch_delete(client, fname):
    create_function(client, fname, CODE)
    created = client.create_function_trigger(CreateFunctionTriggerRequest(
        function_urn=urn(fname), body=CreateFunctionTriggerRequestBody(
            trigger_type_code="DIS", event_data=TriggerEventDataRequestBody(
                stream_name="s", sharditerator_type="LATEST", polling_interval=30,
                polling_unit="s", is_serial="true"))))
    updated = client.update_trigger(UpdateTriggerRequest(
        function_urn=urn(fname), trigger_type_code="DIS", trigger_id=created.trigger_id,
        body=UpdateTriggerRequestBody(event_data=[
            UpdateriggerEventData(polling_interval=60, polling_unit="ms")])))
    assert (updated.event_data.polling_interval, updated.event_data.polling_unit) == (60, "ms")
    assert updated.event_data.stream_name == "s"

    expect_error(lambda: client.create_function_trigger(CreateFunctionTriggerRequest(
        function_urn=urn(fname), body=CreateFunctionTriggerRequestBody(
            trigger_type_code="TIMER", event_data=TriggerEventDataRequestBody(
                name="t", schedule_type="Rate", schedule="61m")))), 400, "FSS.1109")

    gone = client.batch_delete_function_triggers(
        BatchDeleteFunctionTriggersRequest(function_urn=urn(fname)))
    assert gone.status_code == 204
    listed = client.list_function_triggers(ListFunctionTriggersRequest(function_urn=urn(fname)))
    assert json.loads(listed.raw_content) == []


def test_test_event_lifecycle(client, fname):
    create_function(client, fname, CODE)
    created = client.create_event(CreateEventRequest(
        function_urn=urn(fname),
        body=CreateEventRequestBody(name="event-xx", content=b64(b'{"k":"v"}'))))
    assert created.status_code == 200
    assert created.name == "event-xx"
    eid = created.id

    listed = client.list_events(ListEventsRequest(function_urn=urn(fname)))
    assert (listed.count, listed.next_marker) == (1, 1)
    assert [(e.id, e.name, e.last_modified) for e in listed.events] == [(eid, "event-xx", None)]

    updated = client.update_event(UpdateEventRequest(
        function_urn=urn(fname), event_id=eid,
        body=UpdateEventRequestBody(content=b64(b'{"k":"w"}'))))
    assert (updated.id, updated.name) == (eid, "event-xx")
    shown = client.show_event(ShowEventRequest(function_urn=urn(fname), event_id=eid))
    assert shown.content == b64(b'{"k":"w"}')
    assert isinstance(shown.last_modified, float) and shown.last_modified > 1_500_000_000

    expect_error(lambda: client.create_event(CreateEventRequest(
        function_urn=urn(fname),
        body=CreateEventRequestBody(name="event-xx", content=b64(b"{}")))), 403, "FSS.1073")

    deleted = client.delete_event(DeleteEventRequest(function_urn=urn(fname), event_id=eid))
    assert deleted.status_code == 204
    expect_error(lambda: client.show_event(ShowEventRequest(
        function_urn=urn(fname), event_id=eid)), 404, "FSS.1070")
