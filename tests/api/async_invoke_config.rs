//! Async-invocation settings per version (`async-invoke-config`, issue 11): the four
//! operations as the SDKs, Terraform and Cloud Custodian call them, their refusals, their
//! persistence, and async invocations obeying them (retries, event age).

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

const CONFIG: &str = "/async-invoke-config";

async fn put(app: &TestApp, urn_in_path: &str, body: Value, status: u16) -> Answer {
    app.on("PUT", urn_in_path, CONFIG, Some(body), status).await
}

async fn show(app: &TestApp, urn_in_path: &str, status: u16) -> Answer {
    app.on("GET", urn_in_path, CONFIG, None, status).await
}

async fn list(app: &TestApp, urn_in_path: &str, query: &str, status: u16) -> Answer {
    app.on(
        "GET",
        urn_in_path,
        &format!("/async-invoke-configs{query}"),
        None,
        status,
    )
    .await
}

/// A function `hello` with v1 published from different code than latest's.
async fn hello_with_v1(app: &TestApp) {
    app.create_function("hello", "print(1)", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("hello", "print(2)", 200).await;
}

const OBS: &str = r#"{"bucket":"b","prefix":"/success","expires":5}"#;
const SMN: &str = r#"{"topic_urn":"urn:smn:cn-north-4:p:t"}"#;

#[tokio::test]
async fn put_then_show_answers_the_sdk_model_with_every_key() {
    let app = TestApp::spawn().await;
    hello_with_v1(&app).await;
    // Terraform's first step: an unqualified URN is latest.
    let body = json!({
        "max_async_event_age_in_seconds": 3500, "max_async_retry_attempts": 2,
        "enable_async_status_log": true,
        "destination_config": {
            "on_success": {"destination": "OBS", "param": OBS},
            "on_failure": {"destination": "SMN", "param": SMN},
        },
    });
    let a = put(&app, "hello", body, 200).await;
    let expected = json!({
        "func_urn": urn("hello", "latest"),
        "max_async_event_age_in_seconds": 3500,
        "max_async_retry_attempts": 2,
        "destination_config": {
            "on_success": {"destination": "OBS", "param": OBS},
            "on_failure": {"destination": "SMN", "param": SMN},
        },
        "created_time": "2026-11-28T19:30:15+08:00",
        "last_modified": "2026-11-28T19:30:15+08:00",
        "enable_async_status_log": true,
    });
    assert_eq!(a.body, expected);
    assert_eq!(show(&app, "hello", 200).await.body, expected);
    assert_eq!(
        show(&app, &urn("hello", "latest"), 200).await.body,
        expected
    );
    assert_eq!(
        show(&app, &encoded(&urn("hello", "latest")), 200)
            .await
            .body,
        expected
    );

    // The second step replaces everything: omitted destinations are gone, the creation
    // time stays, last_modified moves.
    app.advance(90);
    let a = put(
        &app,
        "hello",
        json!({"max_async_event_age_in_seconds": 4000, "max_async_retry_attempts": 0}),
        200,
    )
    .await;
    assert_eq!(a.body["max_async_retry_attempts"], 0);
    assert_eq!(
        a.body["destination_config"],
        json!({"on_success": null, "on_failure": null})
    );
    assert_eq!(a.body["enable_async_status_log"], false);
    assert_eq!(a.body["created_time"], "2026-11-28T19:30:15+08:00");
    assert_eq!(a.body["last_modified"], "2026-11-28T19:31:45+08:00");

    // gophertelekomcloud sends only the age: the retries default to 1. An empty object
    // for one side (Go clients leave it so) means none.
    let a = put(
        &app,
        "hello",
        json!({"max_async_event_age_in_seconds": 1000,
               "destination_config": {"on_success": {}, "on_failure": {"destination": "FunctionGraph",
                   "param": "{\"func_urn\":\"urn:fss:cn-north-4:p:function:default:other:latest\"}"}}}),
        200,
    )
    .await;
    assert_eq!(a.body["max_async_retry_attempts"], 1);
    assert_eq!(a.body["destination_config"]["on_success"], Value::Null);
    assert_eq!(
        a.body["destination_config"]["on_failure"]["destination"],
        "FunctionGraph"
    );
    let a = put(&app, "hello", json!({}), 200).await;
    assert_eq!(
        (
            &a.body["max_async_event_age_in_seconds"],
            &a.body["max_async_retry_attempts"]
        ),
        (&json!(3600), &json!(1)),
        "the documented defaults"
    );
}

#[tokio::test]
async fn settings_are_per_version_and_an_alias_reads_its_major_version() {
    let app = TestApp::spawn().await;
    hello_with_v1(&app).await;
    let v1 = urn("hello", "v1");
    show(&app, &v1, 404).await.assert_error(404, "FSS.0404");
    let a = put(&app, &v1, json!({"max_async_retry_attempts": 3}), 200).await;
    assert_eq!(a.body["func_urn"], v1);
    show(&app, "hello", 404).await.assert_error(404, "FSS.0404");

    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    let prod = urn("hello", "!prod");
    let via_alias = show(&app, &prod, 200).await;
    assert_eq!(via_alias.body["func_urn"], v1, "the alias's major version");
    assert_eq!(via_alias.body["max_async_retry_attempts"], 3);
    // Changes go through a version: an alias URN is refused and nothing changes.
    put(&app, &prod, json!({"max_async_retry_attempts": 0}), 400)
        .await
        .assert_error(400, "FSS.0400");
    app.on("DELETE", &prod, CONFIG, None, 400)
        .await
        .assert_error(400, "FSS.0400");
    assert_eq!(
        show(&app, &v1, 200).await.body["max_async_retry_attempts"],
        3
    );

    // Missing function, version, alias.
    show(&app, "nope", 404).await.assert_error(404, "FSS.1051");
    put(&app, "nope", json!({}), 404)
        .await
        .assert_error(404, "FSS.1051");
    show(&app, &urn("hello", "v9"), 404)
        .await
        .assert_error(404, "FSS.1052");
    put(&app, &urn("hello", "v9"), json!({}), 404)
        .await
        .assert_error(404, "FSS.1052");
    app.on("DELETE", &urn("hello", "v9"), CONFIG, None, 404)
        .await
        .assert_error(404, "FSS.1052");
    show(&app, &urn("hello", "!nope"), 404)
        .await
        .assert_error(404, "FSS.1053");
    list(&app, "nope", "", 404)
        .await
        .assert_error(404, "FSS.1051");

    // Delete: 204 with no body, then 404; deleting v1 itself drops its settings, so a v1
    // published again starts without any.
    let a = app.on("DELETE", &v1, CONFIG, None, 204).await;
    assert!(a.text.is_empty(), "{}", a.text);
    app.on("DELETE", &v1, CONFIG, None, 404)
        .await
        .assert_error(404, "FSS.0404");
    put(&app, &v1, json!({}), 200).await;
    app.alias("DELETE", "hello", "prod", None, 204).await;
    app.delete(&v1, 204).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    show(&app, &v1, 404).await.assert_error(404, "FSS.0404");
}

#[tokio::test]
async fn every_refused_body_names_its_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    put(&app, "hello", json!({"max_async_retry_attempts": 2}), 200).await;
    let obs = |param: &str| json!({"destination_config": {"on_success": {"destination": "OBS", "param": param}}});
    let cases = [
        (
            json!({"max_async_event_age_in_seconds": 0}),
            "max_async_event_age_in_seconds",
        ),
        (
            json!({"max_async_event_age_in_seconds": 86401}),
            "max_async_event_age_in_seconds",
        ),
        (
            json!({"max_async_event_age_in_seconds": "60"}),
            "max_async_event_age_in_seconds",
        ),
        (
            json!({"max_async_retry_attempts": -1}),
            "max_async_retry_attempts",
        ),
        (
            json!({"max_async_retry_attempts": 4}),
            "max_async_retry_attempts",
        ),
        (
            json!({"max_async_retry_attempts": 1.5}),
            "max_async_retry_attempts",
        ),
        (
            json!({"enable_async_status_log": "yes"}),
            "enable_async_status_log",
        ),
        (
            json!({"destination_config": {"on_failure": {"destination": "S3", "param": "{}"}}}),
            "destination_config.on_failure.destination",
        ),
        (obs("not json"), "destination_config.on_success.param"),
        (
            obs(r#"{"prefix":"/x"}"#),
            "destination_config.on_success.param",
        ),
        (
            obs(r#"{"bucket":"b","expires":400}"#),
            "destination_config.on_success.param.expires",
        ),
        (
            json!({"destination_config": {"on_success": {"destination": "SMN"}}}),
            "destination_config.on_success.param",
        ),
        (json!({"destination_config": "OBS"}), "destination_config"),
    ];
    for (body, field) in cases {
        let a = put(&app, "hello", body.clone(), 400).await;
        a.assert_error(400, "FSS.0400");
        assert!(a.msg().contains(field), "{body}: {}", a.msg());
    }
    // No body at all.
    let a = app
        .call(
            "PUT",
            &TestApp::fgs(&format!("/functions/hello{CONFIG}")),
            None,
        )
        .await;
    a.assert_error(400, "FSS.0400");
    assert_eq!(
        show(&app, "hello", 200).await.body["max_async_retry_attempts"],
        2,
        "unchanged"
    );
}

#[tokio::test]
async fn list_pages_every_version_s_settings_latest_first() {
    let app = TestApp::spawn().await;
    hello_with_v1(&app).await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    let empty = list(&app, "hello", "", 200).await;
    assert_eq!(
        empty.body,
        json!({"async_invoke_configs": [], "count": 0,
               "page_info": {"next_marker": 0, "previous_marker": 0, "current_count": 0}})
    );
    put(
        &app,
        &urn("hello", "v2"),
        json!({"max_async_retry_attempts": 2}),
        200,
    )
    .await;
    put(&app, "hello", json!({"max_async_retry_attempts": 0}), 200).await;
    put(
        &app,
        &urn("hello", "v1"),
        json!({"max_async_retry_attempts": 1}),
        200,
    )
    .await;

    // Any URN of the function lists all of it.
    for form in [
        "hello".to_owned(),
        urn("hello", "v1"),
        urn("hello", "latest"),
    ] {
        let a = list(&app, &form, "", 200).await;
        let urns: Vec<&str> = a.body["async_invoke_configs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["func_urn"].as_str().unwrap())
            .collect();
        let expected = [
            urn("hello", "latest"),
            urn("hello", "v1"),
            urn("hello", "v2"),
        ];
        assert_eq!(urns, expected, "{form}");
        assert_eq!(a.body["count"], 3);
        assert_eq!(
            a.body["page_info"],
            json!({"next_marker": 3, "previous_marker": 0, "current_count": 3})
        );
        assert_eq!(
            a.body["async_invoke_configs"][2],
            show(&app, &urn("hello", "v2"), 200).await.body,
            "items are the Show model"
        );
    }
    // Terraform pages with limit and marker until a page is empty.
    let a = list(&app, "hello", "?marker=1&limit=1", 200).await;
    assert_eq!(
        a.body["async_invoke_configs"][0]["func_urn"],
        urn("hello", "v1")
    );
    assert_eq!(
        a.body["page_info"],
        json!({"next_marker": 2, "previous_marker": 1, "current_count": 1})
    );
    let a = list(&app, "hello", "?marker=3&limit=0", 200).await;
    assert_eq!(a.body["async_invoke_configs"], json!([]));
    assert_eq!(a.body["count"], 3);
    for bad in ["?limit=-1", "?marker=x", "?marker=-2", "?limit="] {
        list(&app, "hello", bad, 400)
            .await
            .assert_error(400, "FSS.0400");
    }
}

#[tokio::test]
async fn settings_survive_a_state_document_round_trip_and_bad_documents_are_refused() {
    let app = TestApp::spawn().await;
    hello_with_v1(&app).await;
    put(
        &app,
        &urn("hello", "v1"),
        json!({"max_async_event_age_in_seconds": 120, "max_async_retry_attempts": 3,
               "destination_config": {"on_failure": {"destination": "SMN", "param": SMN}}}),
        200,
    )
    .await;
    let before = list(&app, "hello", "", 200).await.body;
    let doc = app.call("GET", "/_emulator/state", None).await.body;
    let stored = &doc["functions"][0]["attachments"]["async_configs"]["v1"];
    assert_eq!(stored["max_async_retry_attempts"], 3, "{doc}");

    let other = TestApp::spawn().await;
    let a = other
        .call("PUT", "/_emulator/state", Some(doc.clone()))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(list(&other, "hello", "", 200).await.body, before);

    // A document the API could not have made is refused whole.
    let bad = |path: &str, change: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        change(&mut d["functions"][0]["attachments"]["async_configs"]);
        (path.to_owned(), d)
    };
    for (what, d) in [
        bad("retries", &|c| {
            c["v1"]["max_async_retry_attempts"] = json!(9)
        }),
        bad("age", &|c| {
            c["v1"]["max_async_event_age_in_seconds"] = json!(0)
        }),
        bad("unknown version", &|c| c["v7"] = c["v1"].clone()),
        bad("unknown key", &|c| c["v1"]["surprise"] = json!(1)),
        bad("destination", &|c| {
            c["v1"]["destination_config"]["on_failure"]["destination"] = json!("S3")
        }),
    ] {
        let fresh = TestApp::spawn().await;
        let a = fresh.call("PUT", "/_emulator/state", Some(d)).await;
        a.assert_error(400, "FSS.0400");
        assert!(a.msg().contains("async_configs"), "{what}: {}", a.msg());
        fresh.show_config("hello", 404).await;
    }
}

/// A handler that appends a line to the file its event names, then fails; with
/// `"advance": N` it first moves the emulator's clock N seconds (the event ages).
const FAILING: &str = r#"
import json, urllib.request
def handler(event, context):
    with open(event["file"], "a") as f:
        f.write(context.getVersion() + "\n")
    if event.get("advance"):
        req = urllib.request.Request(event["clock"], method="PUT",
            data=json.dumps({"advance_seconds": event["advance"]}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req).read()
    raise ValueError("always fails")
"#;

/// Invokes `urn_in_path` asynchronously with `event`, waits until its record settles, and
/// returns the record.
async fn run_async(app: &TestApp, urn_in_path: &str, event: Value) -> Value {
    let a = app
        .on("POST", urn_in_path, "/invocations-async", Some(event), 202)
        .await;
    let id = a.body["request_id"].as_str().unwrap().to_owned();
    for _ in 0..200 {
        let a = app
            .on(
                "GET",
                "failing",
                &format!("/async-invocations?request_id={id}"),
                None,
                200,
            )
            .await;
        let record = a.body["invocations"][0].clone();
        if record["status"] != "WAIT" && record["status"] != "RUNNING" {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{id} never settled");
}

#[tokio::test]
async fn async_invocations_retry_as_their_version_s_settings_say() {
    let app = TestApp::spawn().await;
    let created = app
        .call(
            "POST",
            &TestApp::fgs("/functions"),
            Some(create_body("failing", FAILING)),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    app.on(
        "POST",
        "failing",
        "/versions",
        Some(json!({"version": "v1"})),
        200,
    )
    .await;
    let dir = tempfile::Builder::new()
        .prefix("fgs-asynccfg-")
        .tempdir()
        .unwrap();
    let attempts = |label: &str| dir.path().join(label);
    let lines = |path: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let event = |file: &std::path::Path| json!({"file": file.to_str().unwrap()});

    // No settings: the service's default is not to retry a function error.
    let file = attempts("default");
    let record = run_async(&app, "failing", event(&file)).await;
    assert_eq!(record["status"], "FAIL", "{record}");
    assert!(
        record["error_message"]
            .as_str()
            .unwrap()
            .contains("always fails"),
        "{record}"
    );
    assert_eq!(lines(&file), ["latest"]);

    // Retries 0: once. Retries 2: three times, the record FAIL once, with the last error.
    put(&app, "failing", json!({"max_async_retry_attempts": 0}), 200).await;
    let file = attempts("zero");
    run_async(&app, "failing", event(&file)).await;
    assert_eq!(lines(&file).len(), 1);
    put(&app, "failing", json!({"max_async_retry_attempts": 2}), 200).await;
    let file = attempts("two");
    let record = run_async(&app, "failing", event(&file)).await;
    assert_eq!(record["status"], "FAIL", "{record}");
    assert_eq!(lines(&file), ["latest", "latest", "latest"]);

    // Each version its own: v1 has none (once), then 3 (four times), through an alias too.
    let v1 = urn("failing", "v1");
    let file = attempts("v1");
    run_async(&app, &v1, event(&file)).await;
    assert_eq!(lines(&file), ["v1"]);
    put(&app, &v1, json!({"max_async_retry_attempts": 3}), 200).await;
    app.create_alias("failing", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    let file = attempts("alias");
    run_async(&app, &urn("failing", "!prod"), event(&file)).await;
    assert_eq!(lines(&file), ["v1", "v1", "v1", "v1"]);

    // Deleting the settings goes back to the default.
    app.on("DELETE", "failing", CONFIG, None, 204).await;
    let file = attempts("deleted");
    run_async(&app, "failing", event(&file)).await;
    assert_eq!(lines(&file).len(), 1);

    // An event older than its maximum age is not tried again: each attempt here moves the
    // clock two minutes, past a 60-second age.
    let clock = format!("{}/_emulator/clock", app.emulator.base_url());
    put(
        &app,
        "failing",
        json!({"max_async_retry_attempts": 3, "max_async_event_age_in_seconds": 60}),
        200,
    )
    .await;
    let file = attempts("aged");
    let mut aged = event(&file);
    aged["advance"] = json!(120);
    aged["clock"] = json!(clock);
    let record = run_async(&app, "failing", aged.clone()).await;
    assert_eq!(record["status"], "FAIL", "{record}");
    assert_eq!(lines(&file).len(), 1, "stopped by the age");
    // With a day to live, the same event is tried all four times.
    put(
        &app,
        "failing",
        json!({"max_async_retry_attempts": 3, "max_async_event_age_in_seconds": 86400}),
        200,
    )
    .await;
    let file = attempts("young");
    aged["file"] = json!(file.to_str().unwrap());
    run_async(&app, "failing", aged).await;
    assert_eq!(lines(&file).len(), 4);
}
