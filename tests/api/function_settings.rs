//! UpdateFunctionMaxInstanceConfig (`config-max-instance`) and ShowLtsLogDetails
//! (`lts-log-detail`), as Terraform calls them after every create and update.

use serde_json::{Value, json};

use crate::helpers::*;

async fn max_instances(app: &TestApp, urn: &str, body: Value) -> Answer {
    app.call(
        "PUT",
        &TestApp::fgs(&format!("/functions/{urn}/config-max-instance")),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn max_instances_set_strategy_concurrency_by_the_configuration_s_rules() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.update_config(
        "hello",
        json!({"strategy_config": {"concurrency": -1, "concurrent_num": 7}}),
        200,
    )
    .await;
    let a = max_instances(&app, "hello", json!({"max_instance_num": 100})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body["strategy_config"],
        json!({"concurrency": 100, "concurrent_num": 7}),
        "concurrent_num is kept"
    );
    assert_eq!(a.body["func_urn"], urn("hello", "latest"));
    let shown = app.show_config("hello", 200).await.body;
    assert_eq!(shown["strategy_config"]["concurrency"], 100);

    // Each refusal: status, code, and nothing changed.
    for (body, code) in [
        (json!({"max_instance_num": 1001}), "FSS.0400"),
        (json!({"max_instance_num": -2}), "FSS.0400"),
        (json!({}), "FSS.0400"),
        (json!({"max_instance_num": "ten"}), "FSS.0400"),
    ] {
        let a = max_instances(&app, "hello", body.clone()).await;
        a.assert_error(400, code);
        assert!(a.msg().contains("max_instance_num"), "{body}: {}", a.msg());
    }
    assert_eq!(
        app.show_config("hello", 200).await.body["strategy_config"]["concurrency"],
        100
    );
    max_instances(&app, "nope", json!({"max_instance_num": 1}))
        .await
        .assert_error(404, "FSS.1051");
}

#[tokio::test]
async fn max_instances_on_versions_v1_functions_and_aliases() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    let v1 = format!("{PROJECT}:default:hello:v1");
    let a = max_instances(&app, &v1, json!({"max_instance_num": 3})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["func_urn"], urn("hello", "v1"));
    assert_eq!(
        app.show_config("hello", 200).await.body["strategy_config"]["concurrency"],
        -1,
        "latest is untouched"
    );
    max_instances(
        &app,
        &format!("{PROJECT}:default:hello:v9"),
        json!({"max_instance_num": 3}),
    )
    .await
    .assert_error(404, "FSS.1052");
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    max_instances(
        &app,
        &format!("{PROJECT}:default:hello:!prod"),
        json!({"max_instance_num": 3}),
    )
    .await
    .assert_error(400, "FSS.0400");

    app.update_config("hello", json!({"type": "v1"}), 200).await;
    max_instances(&app, "hello", json!({"max_instance_num": 5}))
        .await
        .assert_error(400, "FSS.0400");
    let a = max_instances(&app, "hello", json!({"max_instance_num": 0})).await;
    assert_eq!(a.status, 200, "a v1 function takes 0: {}", a.text);
}

async fn lts(app: &TestApp, urn: &str) -> Answer {
    app.call(
        "GET",
        &TestApp::fgs(&format!("/functions/{urn}/lts-log-detail")),
        None,
    )
    .await
}

#[tokio::test]
async fn lts_log_detail_is_stable_and_follows_log_config() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let a = lts(&app, "hello").await;
    assert_eq!(a.status, 200, "{}", a.text);
    for k in ["group_name", "group_id", "stream_id", "stream_name"] {
        assert!(
            a.body[k].as_str().is_some_and(|s| !s.is_empty()),
            "{k}: {}",
            a.body
        );
    }
    let uuid = regex_like_uuid;
    assert!(uuid(a.body["group_id"].as_str().unwrap()), "{}", a.body);
    assert!(uuid(a.body["stream_id"].as_str().unwrap()), "{}", a.body);
    assert_eq!(
        lts(&app, "hello").await.body,
        a.body,
        "the same on every call"
    );
    // Another emulator (a restart) gives the same made-up ids.
    let other = TestApp::spawn().await;
    other.create_function("hello", "print(1)", 200).await;
    assert_eq!(lts(&other, "hello").await.body, a.body);

    app.update_config(
        "hello",
        json!({"log_config": {"group_id": "g-1", "group_name": "mine", "stream_id": "s-1"}}),
        200,
    )
    .await;
    let b = lts(&app, "hello").await.body;
    assert_eq!(
        (&b["group_id"], &b["group_name"], &b["stream_id"]),
        (&json!("g-1"), &json!("mine"), &json!("s-1"))
    );
    lts(&app, "nope").await.assert_error(404, "FSS.1051");
}

fn regex_like_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}
