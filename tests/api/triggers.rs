//! Triggers per version or alias (issue 11): `/v2/{project_id}/fgs/triggers/{function_urn}`
//! and `.../{trigger_type_code}/{trigger_id}`, with the real service's shapes and codes.

use serde_json::{Value, json};

use crate::helpers::*;

/// `/v2/{PROJECT}/fgs/triggers/{urn}` + `rest`.
fn triggers(urn: &str, rest: &str) -> String {
    TestApp::fgs(&format!("/triggers/{urn}{rest}"))
}

async fn create(app: &TestApp, urn: &str, body: Value, status: u16) -> Answer {
    let a = app.call("POST", &triggers(urn, ""), Some(body)).await;
    assert_eq!(a.status, status, "create on {urn}: {}", a.text);
    a
}

async fn list(app: &TestApp, urn: &str) -> Vec<Value> {
    let a = app.call("GET", &triggers(urn, ""), None).await;
    assert_eq!(a.status, 200, "list {urn}: {}", a.text);
    a.body.as_array().expect("a bare array").clone()
}

fn timer(name: &str) -> Value {
    json!({
        "trigger_type_code": "TIMER",
        "trigger_status": "ACTIVE",
        "event_data": {"name": name, "schedule_type": "Rate", "schedule": "3m"},
    })
}

/// A function `hello` with version v1 and alias `prod` -> v1.
async fn app_with_version_and_alias() -> TestApp {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    app
}

#[tokio::test]
async fn a_timer_trigger_is_created_shown_listed_updated_and_deleted() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    // Terraform's acceptance test: a Cron schedule as `@every 1h30m`, a user_event.
    let body = json!({
        "trigger_type_code": "TIMER",
        "event_data": {"name": "tf_cron", "schedule_type": "Cron",
                       "user_event": "Created by acc test", "schedule": "@every 1h30m"},
    });
    let a = create(&app, "hello", body, 201).await;
    let t = a.body;
    let mut keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = [
        "trigger_id",
        "trigger_type_code",
        "trigger_status",
        "event_data",
        "last_updated_time",
        "created_time",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected, "the SDK model's keys, no more");
    assert_eq!(t["trigger_type_code"], "TIMER");
    assert_eq!(
        t["trigger_status"], "ACTIVE",
        "a timer is ACTIVE by default"
    );
    assert_eq!(
        t["event_data"],
        json!({"name": "tf_cron", "schedule_type": "Cron",
               "user_event": "Created by acc test", "schedule": "@every 1h30m"}),
        "event_data comes back as given (Terraform compares it)"
    );
    // The frozen clock, 19:30:15 at +08:00, written as the service writes it.
    assert_eq!(t["created_time"], "2026-11-28 19:30:15");
    assert_eq!(t["last_updated_time"], "2026-11-28 19:30:15");
    let id = t["trigger_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    // Every form of the URN names the same function's latest.
    for u in [
        "hello".to_owned(),
        urn("hello", "latest"),
        encoded(&urn("hello", "latest")),
        format!("urn:fss:{REGION}:{PROJECT}:function:default:hello"),
    ] {
        let shown = app
            .call("GET", &triggers(&u, &format!("/TIMER/{id}")), None)
            .await;
        assert_eq!(shown.status, 200, "{u}: {}", shown.text);
        assert_eq!(shown.body, t);
        assert_eq!(list(&app, &u).await, vec![t.clone()]);
    }

    // Disable it later: the status and last_updated_time change, created_time does not.
    app.advance(60);
    let one = triggers("hello", &format!("/TIMER/{id}"));
    let a = app
        .call("PUT", &one, Some(json!({"trigger_status": "DISABLED"})))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["trigger_status"], "DISABLED");
    assert_eq!(a.body["last_updated_time"], "2026-11-28 19:31:15");
    assert_eq!(a.body["created_time"], "2026-11-28 19:30:15");
    assert_eq!(a.body["event_data"], t["event_data"]);
    // Terraform sends the whole event_data back with the status: unchanged fields pass.
    let a = app
        .call(
            "PUT",
            &one,
            Some(json!({"trigger_status": "ACTIVE", "event_data": t["event_data"]})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["trigger_status"], "ACTIVE");

    let a = app.call("DELETE", &one, None).await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert!(a.text.is_empty());
    app.call("GET", &one, None)
        .await
        .assert_error(404, "FSS.1131");
    app.call("DELETE", &one, None)
        .await
        .assert_error(404, "FSS.1131");
    assert!(list(&app, "hello").await.is_empty());
}

#[tokio::test]
async fn each_type_s_event_data_is_checked_with_its_code() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let apig = json!({
        "name": "API_hello", "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID", "env_name": "RELEASE",
        "protocol": "HTTPS", "auth": "IAM", "group_id": "g1", "match_mode": "SWA",
        "req_method": "ANY", "backend_type": "FUNCTION", "type": 1, "path": "/hello",
        "func_info": {"timeout": 5000},
    });
    let with = |base: &Value, key: &str, value: Value| {
        let mut v = base.clone();
        if value.is_null() {
            v.as_object_mut().unwrap().remove(key);
        } else {
            v[key] = value;
        }
        v
    };
    let kafka = json!({"instance_id": "k1", "topic_ids": ["t1"], "batch_size": 100});
    let obs = json!({"bucket": "input-picture2", "events": ["s3:ObjectCreated:*"], "name": "obs-event-1ec7"});
    let timer = json!({"name": "Timer-l8v2", "schedule": "3m", "schedule_type": "Rate"});
    let cases: Vec<(&str, Value, u16, &str, &str)> = vec![
        ("NOPE", json!({}), 400, "FSS.1101", "unknown type"),
        (
            "timer",
            timer.clone(),
            400,
            "FSS.1101",
            "codes are upper case",
        ),
        (
            "TIMER",
            with(&timer, "name", Value::Null),
            400,
            "FSS.1109",
            "timer without a name",
        ),
        (
            "TIMER",
            with(&timer, "name", json!("1abc")),
            400,
            "FSS.1109",
            "timer name starts with a digit",
        ),
        (
            "TIMER",
            with(&timer, "name", json!("a".repeat(65))),
            400,
            "FSS.1109",
            "timer name over 64",
        ),
        (
            "TIMER",
            with(&timer, "schedule_type", json!("Every")),
            400,
            "FSS.1109",
            "bad schedule_type",
        ),
        (
            "TIMER",
            with(&timer, "schedule", json!("61m")),
            400,
            "FSS.1109",
            "a rate over 60 minutes",
        ),
        (
            "TIMER",
            with(&timer, "schedule", json!("3s")),
            400,
            "FSS.1109",
            "a rate in seconds",
        ),
        (
            "TIMER",
            with(&timer, "schedule", Value::Null),
            400,
            "FSS.1109",
            "no schedule",
        ),
        (
            "TIMER",
            with(&timer, "schedule", json!(3)),
            400,
            "FSS.1109",
            "a numeric schedule",
        ),
        (
            "APIG",
            with(&apig, "group_id", Value::Null),
            400,
            "FSS.1107",
            "APIG without group",
        ),
        (
            "APIG",
            with(&apig, "auth", json!("OPEN")),
            400,
            "FSS.1107",
            "APIG bad auth",
        ),
        (
            "APIG",
            with(&apig, "path", json!("hello")),
            400,
            "FSS.1107",
            "APIG path without /",
        ),
        (
            "APIG",
            with(&apig, "func_info", json!({"timeout": 0})),
            400,
            "FSS.1107",
            "APIG timeout 0",
        ),
        (
            "APIG",
            with(&apig, "type", json!(3)),
            400,
            "FSS.1107",
            "APIG type 3",
        ),
        (
            "DEDICATEDGATEWAY",
            with(&apig, "req_method", json!("FETCH")),
            400,
            "FSS.1417",
            "dedicated bad method",
        ),
        (
            "OBS",
            with(&obs, "bucket", Value::Null),
            400,
            "FSS.1106",
            "OBS without bucket",
        ),
        (
            "OBS",
            with(&obs, "events", json!([])),
            400,
            "FSS.1106",
            "OBS without events",
        ),
        (
            "OBS",
            with(&obs, "events", json!(["s3:ObjectTouched"])),
            400,
            "FSS.1106",
            "OBS unknown event",
        ),
        (
            "OBS",
            with(&obs, "bucket", json!("b".repeat(65))),
            400,
            "FSS.1106",
            "OBS bucket over 64",
        ),
        ("SMN", json!({}), 400, "FSS.1102", "SMN without topic"),
        (
            "LTS",
            json!({"log_group_id": "g"}),
            400,
            "FSS.0400",
            "LTS without topic id",
        ),
        (
            "KAFKA",
            with(&kafka, "topic_ids", Value::Null),
            400,
            "FSS.1112",
            "Kafka without topics",
        ),
        (
            "KAFKA",
            with(&kafka, "batch_size", json!(1001)),
            400,
            "FSS.1112",
            "Kafka batch over 1000",
        ),
        (
            "KAFKA",
            with(&kafka, "kafka_ssl_enable", json!(true)),
            400,
            "FSS.1113",
            "Kafka SSL without user",
        ),
        (
            "DDS",
            json!({"instance_id": "i", "collection_name": "c", "db_name": "d", "db_password": "p", "batch_size": 10001}),
            400,
            "FSS.0400",
            "DDS batch over 10000",
        ),
        (
            "DIS",
            json!({"stream_name": "s", "sharditerator_type": "OLDEST", "polling_interval": 30, "polling_unit": "s", "is_serial": "true"}),
            400,
            "FSS.0400",
            "DIS bad start",
        ),
        (
            "CTS",
            json!({"operations": ["ECS:ecs:createServer"]}),
            400,
            "FSS.1312",
            "CTS without name",
        ),
        (
            "CTS",
            json!({"name": "n"}),
            400,
            "FSS.1314",
            "CTS without operations",
        ),
        (
            "CTS",
            json!({"name": "n", "operations": (0..101).map(|i| format!("S:r:op{i}")).collect::<Vec<_>>()}),
            400,
            "FSS.1313",
            "CTS over 100",
        ),
        (
            "CTS",
            json!({"name": "n", "operations": ["S:r:a", "S:r:a"]}),
            400,
            "FSS.1316",
            "CTS twice",
        ),
        (
            "SMN",
            json!({"topic_urn": "urn:smn:x"}),
            400,
            "FSS.1318",
            "SMN cannot be disabled",
        ),
    ];
    for (kind, data, status, code, why) in cases {
        let mut body = json!({"trigger_type_code": kind, "event_data": data});
        if why == "SMN cannot be disabled" {
            body["trigger_status"] = json!("DISABLED");
        }
        let a = app.call("POST", &triggers("hello", ""), Some(body)).await;
        assert_eq!((a.status, a.code()), (status, code), "{why}: {}", a.text);
        a.assert_error(status, code);
    }
    // The body's own shape.
    for (body, why) in [
        (json!({"event_data": timer.clone()}), "no type"),
        (json!({"trigger_type_code": "TIMER"}), "no event_data"),
        (
            json!({"trigger_type_code": "TIMER", "event_data": "x"}),
            "event_data a string",
        ),
        (
            json!({"trigger_type_code": "TIMER", "event_data": timer.clone(), "trigger_status": "ON"}),
            "bad status",
        ),
        (
            json!({"trigger_type_code": 1, "event_data": timer.clone()}),
            "a numeric type",
        ),
    ] {
        let a = app.call("POST", &triggers("hello", ""), Some(body)).await;
        a.assert_error(400, "FSS.0400");
        assert!(!a.msg().is_empty(), "{why}");
    }
    assert!(list(&app, "hello").await.is_empty(), "nothing was made");

    // Each valid one is made, with the documented default status.
    for (kind, data, status) in [
        ("TIMER", timer.clone(), "ACTIVE"),
        ("APIG", apig.clone(), "ACTIVE"),
        ("OBS", obs.clone(), "ACTIVE"),
        (
            "SMN",
            json!({"topic_urn": "urn:smn:cn-north-4:p:topic"}),
            "ACTIVE",
        ),
        (
            "LTS",
            json!({"log_group_id": "g", "log_topic_id": "t"}),
            "ACTIVE",
        ),
        ("KAFKA", kafka.clone(), "DISABLED"),
        (
            "DDS",
            json!({"instance_id": "i", "collection_name": "c", "db_name": "d", "db_password": "p", "batch_size": 100}),
            "DISABLED",
        ),
        (
            "CTS",
            json!({"name": "n", "operations": ["ECS:ecs:createServer"]}),
            "ACTIVE",
        ),
        (
            "DIS",
            json!({"stream_name": "s", "sharditerator_type": "LATEST", "polling_interval": 30, "polling_unit": "s", "is_serial": "true"}),
            "ACTIVE",
        ),
        ("OPENSOURCEKAFKA", json!({}), "DISABLED"),
    ] {
        let a = create(
            &app,
            "hello",
            json!({"trigger_type_code": kind, "event_data": data}),
            201,
        )
        .await;
        assert_eq!(a.body["trigger_status"], status, "{kind}");
    }
    assert_eq!(list(&app, "hello").await.len(), 10);
}

#[tokio::test]
async fn duplicates_and_the_pull_trigger_limit_are_refused() {
    let app = app_with_version_and_alias().await;
    create(&app, "hello", timer("daily"), 201).await;
    // A timer name is unique on the function, across versions and aliases.
    create(&app, "hello", timer("daily"), 409)
        .await
        .assert_error(409, "FSS.1148");
    let prod = format!("{PROJECT}:default:hello:!prod");
    create(&app, &prod, timer("daily"), 409)
        .await
        .assert_error(409, "FSS.1148");

    let smn = json!({"trigger_type_code": "SMN", "event_data": {"topic_urn": "urn:smn:t"}});
    create(&app, "hello", smn.clone(), 201).await;
    create(&app, "hello", smn.clone(), 409)
        .await
        .assert_error(409, "FSS.1141");
    create(&app, &prod, smn, 201).await; // another qualifier

    let kafka = |topics: Value| {
        json!({"trigger_type_code": "KAFKA", "event_data":
            {"instance_id": "k1", "topic_ids": topics, "batch_size": 10}})
    };
    create(&app, "hello", kafka(json!(["a", "b"])), 201).await;
    create(&app, "hello", kafka(json!(["b"])), 409)
        .await
        .assert_error(409, "FSS.1150");
    create(&app, "hello", kafka(json!(["c"])), 201).await;

    let obs = |events: Value, prefix: &str| {
        json!({"trigger_type_code": "OBS", "event_data":
            {"bucket": "b1", "events": events, "prefix": prefix}})
    };
    let a = create(
        &app,
        "hello",
        obs(json!(["s3:ObjectCreated:*"]), "in/"),
        201,
    )
    .await;
    assert_eq!(
        a.body["event_data"]["name"], a.body["trigger_id"],
        "OBS name defaults to the id"
    );
    create(&app, &prod, obs(json!(["Put"]), "in/"), 403)
        .await
        .assert_error(403, "FSS.1108");
    create(
        &app,
        "hello",
        obs(json!(["s3:ObjectRemoved:*"]), "in/"),
        201,
    )
    .await;
    create(&app, "hello", obs(json!(["Put"]), "out/"), 201).await;

    let apig = |method: &str| {
        json!({"trigger_type_code": "APIG", "event_data": {
            "name": "a", "env_id": "e", "env_name": "RELEASE", "protocol": "HTTPS",
            "auth": "NONE", "group_id": "g", "match_mode": "NORMAL", "req_method": method,
            "type": 1, "path": "/p", "func_info": {"timeout": 100}}})
    };
    create(&app, "hello", apig("GET"), 201).await;
    create(&app, "hello", apig("POST"), 201).await;
    create(&app, &prod, apig("ANY"), 409)
        .await
        .assert_error(409, "FSS.1147");

    // Pull-mode triggers (TIMER, DDS, DIS, LTS, KAFKA): 10 per version or alias. `latest`
    // has a timer and two Kafka triggers: seven more fit.
    for i in 0..7 {
        create(&app, "hello", timer(&format!("t{i}")), 201).await;
    }
    let lts = json!({"trigger_type_code": "LTS", "event_data": {"log_group_id": "g", "log_topic_id": "t"}});
    create(&app, "hello", lts.clone(), 403)
        .await
        .assert_error(403, "FSS.1123");
    create(&app, "hello", timer("t7"), 403)
        .await
        .assert_error(403, "FSS.1123");
    // Push triggers still fit, and the version has room of its own.
    create(
        &app,
        "hello",
        json!({"trigger_type_code": "SMN", "event_data": {"topic_urn": "urn:smn:u"}}),
        201,
    )
    .await;
    let v1 = format!("{PROJECT}:default:hello:v1");
    create(&app, &v1, lts, 201).await;
}

#[tokio::test]
async fn updates_change_the_status_and_only_the_updatable_fields() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let dis = json!({"stream_name": "s", "sharditerator_type": "LATEST", "polling_interval": 30,
                     "polling_unit": "s", "is_serial": "true", "max_fetch_bytes": 1024});
    let a = create(
        &app,
        "hello",
        json!({"trigger_type_code": "DIS", "event_data": dis}),
        201,
    )
    .await;
    let id = a.body["trigger_id"].as_str().unwrap().to_owned();
    let one = triggers("hello", &format!("/DIS/{id}"));
    let put = |body: Value| app.call("PUT", &one, Some(body));

    // The SDK's form: an array of UpdateriggerEventData.
    let a = put(
        json!({"event_data": [{"polling_interval": 60, "polling_unit": "ms", "is_serial": false}]}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["event_data"]["polling_interval"], 60);
    assert_eq!(a.body["event_data"]["polling_unit"], "ms");
    assert_eq!(a.body["event_data"]["is_serial"], false);
    assert_eq!(a.body["event_data"]["stream_name"], "s");
    // Terraform's form: the whole object; an unchanged field passes, an updatable one changes.
    let mut whole = a.body["event_data"].clone();
    whole["max_fetch_bytes"] = json!(2048);
    let a = put(json!({"event_data": whole})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["event_data"]["max_fetch_bytes"], 2048);
    let before = a.body.clone();

    for (body, code, why) in [
        (
            json!({"event_data": {"stream_name": "other"}}),
            "FSS.0400",
            "a fixed field",
        ),
        (
            json!({"event_data": [{"stream_name": "s"}]}),
            "FSS.0400",
            "a fixed field in the array form",
        ),
        (
            json!({"event_data": [{"polling_unit": "h"}]}),
            "FSS.0400",
            "a bad unit",
        ),
        (
            json!({"event_data": [{"polling_interval": 0}]}),
            "FSS.0400",
            "a zero interval",
        ),
        (
            json!({"event_data": [1]}),
            "FSS.0400",
            "an array of numbers",
        ),
        (json!({"event_data": "x"}), "FSS.0400", "a string"),
        (
            json!({"trigger_status": "PAUSED"}),
            "FSS.0400",
            "a bad status",
        ),
    ] {
        let a = put(body).await;
        a.assert_error(400, code);
        assert!(!why.is_empty());
    }
    let shown = app.call("GET", &one, None).await;
    assert_eq!(shown.body, before, "the refusals changed nothing");

    // A push trigger cannot be disabled (FSS.1318); a wrong type in the path is 404.
    let a = create(
        &app,
        "hello",
        json!({"trigger_type_code": "SMN", "event_data": {"topic_urn": "urn:smn:t"}}),
        201,
    )
    .await;
    let smn = a.body["trigger_id"].as_str().unwrap().to_owned();
    app.call(
        "PUT",
        &triggers("hello", &format!("/SMN/{smn}")),
        Some(json!({"trigger_status": "DISABLED"})),
    )
    .await
    .assert_error(400, "FSS.1318");
    app.call("GET", &triggers("hello", &format!("/TIMER/{smn}")), None)
        .await
        .assert_error(404, "FSS.1131");
    app.call("GET", &triggers("hello", &format!("/BOGUS/{smn}")), None)
        .await
        .assert_error(404, "FSS.1137");
    // An empty body changes nothing.
    let a = app
        .call("PUT", &triggers("hello", &format!("/SMN/{smn}")), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["trigger_status"], "ACTIVE");
}

#[tokio::test]
async fn triggers_belong_to_a_version_or_alias_and_404s_name_what_is_missing() {
    let app = app_with_version_and_alias().await;
    let v1 = format!("{PROJECT}:default:hello:v1");
    let prod = format!("{PROJECT}:default:hello:!prod");
    let on_latest = create(&app, "hello", timer("a"), 201).await.body;
    let on_v1 = create(&app, &v1, timer("b"), 201).await.body;
    let on_prod = create(&app, &encoded(&urn("hello", "!prod")), timer("c"), 201)
        .await
        .body;
    assert_eq!(list(&app, "hello").await, vec![on_latest.clone()]);
    assert_eq!(list(&app, &v1).await, vec![on_v1.clone()]);
    assert_eq!(list(&app, &prod).await, vec![on_prod.clone()]);
    // A trigger is found only through its own qualifier.
    let id = on_v1["trigger_id"].as_str().unwrap();
    app.call("GET", &triggers("hello", &format!("/TIMER/{id}")), None)
        .await
        .assert_error(404, "FSS.1131");
    let a = app
        .call("GET", &triggers(&v1, &format!("/TIMER/{id}")), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.text);

    let v9 = format!("{PROJECT}:default:hello:v9");
    let gone = format!("{PROJECT}:default:hello:!gone");
    for (u, status, code) in [
        ("nope".to_owned(), 404, "FSS.1051"),
        (v9, 404, "FSS.1052"),
        (gone, 404, "FSS.1053"),
        ("urn:fss:x".to_owned(), 400, "FSS.0400"),
        (
            "ffffffffffffffffffffffffffffffff:default:hello".to_owned(),
            400,
            "FSS.0400",
        ),
    ] {
        app.call("POST", &triggers(&u, ""), Some(timer("z")))
            .await
            .assert_error(status, code);
        app.call("GET", &triggers(&u, ""), None)
            .await
            .assert_error(status, code);
        app.call("DELETE", &triggers(&u, ""), None)
            .await
            .assert_error(status, code);
        for method in ["GET", "PUT", "DELETE"] {
            app.call(method, &triggers(&u, "/TIMER/x"), None)
                .await
                .assert_error(status, code);
        }
    }
}

#[tokio::test]
async fn an_alias_with_triggers_cannot_be_deleted_and_deleting_a_version_drops_its_triggers() {
    let app = app_with_version_and_alias().await;
    let v1 = format!("{PROJECT}:default:hello:v1");
    let prod = format!("{PROJECT}:default:hello:!prod");
    let t = create(&app, &prod, timer("nightly"), 201).await.body;

    // FSS.1154, from DeleteVersionAlias and from deleting the version the alias points to.
    let a = app
        .call(
            "DELETE",
            &TestApp::fgs("/functions/hello/aliases/prod"),
            None,
        )
        .await;
    a.assert_error(403, "FSS.1154");
    assert!(a.msg().contains("prod"), "{}", a.msg());
    app.delete(&v1, 403).await.assert_error(403, "FSS.1154");
    app.delete(&prod, 403).await.assert_error(403, "FSS.1154");
    assert_eq!(list(&app, &prod).await, vec![t.clone()]);

    // Once its triggers are gone the alias goes.
    let id = t["trigger_id"].as_str().unwrap();
    let a = app
        .call("DELETE", &triggers(&prod, &format!("/TIMER/{id}")), None)
        .await;
    assert_eq!(a.status, 204);
    let a = app
        .call(
            "DELETE",
            &TestApp::fgs("/functions/hello/aliases/prod"),
            None,
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);

    // Deleting a version deletes its triggers: a new v1 starts with none.
    create(&app, &v1, timer("v1-timer"), 201).await;
    app.delete(&v1, 204).await;
    app.call("GET", &triggers(&v1, ""), None)
        .await
        .assert_error(404, "FSS.1052");
    app.update_code("hello", "print(2)", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    assert!(list(&app, &v1).await.is_empty());
    // ... and its name is free again.
    create(&app, "hello", timer("v1-timer"), 201).await;
}

#[tokio::test]
async fn batch_delete_takes_a_qualifier_s_triggers_or_all_of_them() {
    let app = app_with_version_and_alias().await;
    let v1 = format!("{PROJECT}:default:hello:v1");
    let prod = format!("{PROJECT}:default:hello:!prod");
    for (u, name) in [
        ("hello", "a"),
        (v1.as_str(), "b"),
        (prod.as_str(), "c"),
        (v1.as_str(), "d"),
    ] {
        create(&app, u, timer(name), 201).await;
    }
    let a = app.call("DELETE", &triggers(&v1, ""), None).await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert!(list(&app, &v1).await.is_empty());
    assert_eq!(list(&app, "hello").await.len(), 1);
    assert_eq!(list(&app, &prod).await.len(), 1);
    // `latest` (or no qualifier) means every trigger of the function.
    let a = app
        .call("DELETE", &triggers(&urn("hello", "latest"), ""), None)
        .await;
    assert_eq!(a.status, 204);
    assert!(list(&app, "hello").await.is_empty());
    assert!(list(&app, &prod).await.is_empty());
    // The alias can go now.
    let a = app
        .call(
            "DELETE",
            &TestApp::fgs("/functions/hello/aliases/prod"),
            None,
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
}

#[tokio::test]
async fn triggers_survive_a_state_document_round_trip_and_bad_ones_are_refused() {
    let app = app_with_version_and_alias().await;
    let prod = format!("{PROJECT}:default:hello:!prod");
    let made = create(&app, &prod, timer("nightly"), 201).await.body;
    let doc = app.call("GET", "/_emulator/state", None).await.body;
    let stored = &doc["functions"][0]["attachments"]["triggers"][0];
    assert_eq!(stored["qualifier"], "!prod");
    assert_eq!(stored["trigger_type_code"], "TIMER");

    let a = app.call("POST", "/_emulator/reset", None).await;
    assert_eq!(a.status, 200);
    app.call("GET", &triggers("hello", ""), None)
        .await
        .assert_error(404, "FSS.1051");
    let a = app.call("PUT", "/_emulator/state", Some(doc.clone())).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(list(&app, &prod).await, vec![made]);

    // A document whose trigger breaks a rule is refused whole.
    for (pointer, value, why) in [
        (
            "/qualifier",
            json!("!nobody"),
            "an alias that does not exist",
        ),
        ("/qualifier", json!("v9"), "a version that does not exist"),
        ("/trigger_type_code", json!("NOPE"), "an unknown type"),
        ("/trigger_status", json!("ON"), "an unknown status"),
        ("/event_data/schedule", json!("99m"), "a bad schedule"),
        ("/extra", json!(1), "an unknown field"),
    ] {
        let mut bad = doc.clone();
        let t = &mut bad["functions"][0]["attachments"]["triggers"][0];
        if pointer == "/extra" {
            t["extra"] = value;
        } else {
            *t.pointer_mut(pointer).unwrap() = value;
        }
        let a = app.call("PUT", "/_emulator/state", Some(bad)).await;
        assert_eq!(a.status, 400, "{why}: {}", a.text);
    }
    assert_eq!(
        list(&app, &prod).await.len(),
        1,
        "the refusals changed nothing"
    );
}

#[tokio::test]
async fn triggers_survive_a_restart_from_the_state_file() {
    let (_scratch, config) = state_file_config("fgs-triggers-");
    let made = {
        let app = TestApp::spawn_with(config.clone()).await;
        app.create_function("hello", "print(1)", 200).await;
        let t = create(&app, "hello", timer("nightly"), 201).await.body;
        let id = t["trigger_id"].as_str().unwrap().to_owned();
        app.advance(5);
        let a = app
            .call(
                "PUT",
                &triggers("hello", &format!("/TIMER/{id}")),
                Some(json!({"trigger_status": "DISABLED"})),
            )
            .await;
        assert_eq!(a.status, 200);
        a.body
    };
    let app = TestApp::spawn_with(config).await;
    assert_eq!(list(&app, "hello").await, vec![made]);
}
