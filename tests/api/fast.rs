//! The fast lane (`app::fast`): the reads it answers before the router get the same answers
//! and journal entries as through the router, and everything the edge applies still applies.

use serde_json::{Value, json};

use crate::helpers::*;

/// Two emulators in the same state: the fast lane on (the default), and off.
async fn on_and_off() -> (TestApp, TestApp) {
    let on = TestApp::spawn().await;
    let mut config = base_config();
    config.server.fast_reads = false;
    let off = TestApp::spawn_with(config).await;
    for app in [&on, &off] {
        app.create_function("f", "print(1)", 200).await;
        app.publish(&urn("f", "latest"), Some(json!({"version": "v1"})), 200)
            .await;
        app.create_alias("f", json!({"name": "live", "version": "v1"}), 200)
            .await;
        app.update_code("f", "print(2)", 200).await;
    }
    (on, off)
}

/// Everything of an answer but its `Date`: status, every other header, the body's bytes.
async fn whole(app: &TestApp, method: &str, path: &str, token: bool) -> (u16, Vec<String>, String) {
    let mut req = app.client.request(
        method.parse().unwrap(),
        format!("{}{path}", app.emulator.base_url()),
    );
    if token {
        req = req.header("X-Auth-Token", "test-token");
    }
    let r = req.send().await.expect("request sent");
    let mut headers: Vec<String> = r
        .headers()
        .iter()
        .filter(|(k, _)| *k != "date")
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?")))
        .collect();
    headers.sort();
    (r.status().as_u16(), headers, r.text().await.unwrap())
}

/// The journal without durations (the one thing two runs cannot share).
async fn journal(app: &TestApp) -> Vec<Value> {
    let a = app.call("GET", "/_emulator/requests", None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let mut entries = a.body.as_array().expect("a list of entries").clone();
    for e in &mut entries {
        e.as_object_mut().unwrap().remove("duration_ms");
    }
    entries
}

#[tokio::test]
async fn the_lane_answers_exactly_as_the_router_does() {
    let (on, off) = on_and_off().await;
    let mut paths = Vec::new();
    for function in [
        urn("f", "latest"),
        urn("f", "v1"),
        urn("f", "live"),
        "f".to_owned(),
        "f:v1".to_owned(),
        // Not the lane's (percent-encoded, or an error): the router's on both.
        encoded(&urn("f", "latest")),
        urn("missing", "latest"),
        format!("urn:fss:{REGION}:ffffffffffffffffffffffffffffffff:function:default:f:latest"),
        "not a urn".replace(' ', "-"),
    ] {
        for tail in ["config", "code", "versions", "aliases"] {
            paths.push(TestApp::fgs(&format!("/functions/{function}/{tail}")));
        }
    }
    paths.push(TestApp::fgs(&format!(
        "/functions/{}/versions?maxitems=1",
        urn("f", "latest")
    )));
    paths.push(format!(
        "/v2/not-a-project/fgs/functions/{}/config",
        urn("f", "latest")
    ));
    let mut compared = 0;
    // Twice: the first read of a view renders it, the second is served from the cache.
    for _ in 0..2 {
        for path in &paths {
            for (method, token) in [("GET", true), ("GET", false), ("HEAD", true)] {
                let a = whole(&on, method, path, token).await;
                let b = whole(&off, method, path, token).await;
                assert_eq!(a, b, "{method} {path} (token: {token})");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 2 * paths.len() * 3);
    // Successes among them (the lane's), or the comparison says little.
    for app in [&on, &off] {
        let (status, _, _) = whole(app, "GET", &paths[0], true).await;
        assert_eq!(status, 200);
    }
    let (on_journal, off_journal) = (journal(&on).await, journal(&off).await);
    assert_eq!(on_journal.len(), off_journal.len());
    assert_eq!(on_journal, off_journal);
    assert!(
        on_journal
            .iter()
            .any(|e| e["operation"] == "ListVersionAliases" && e["status"] == 200),
        "the journal names the lane's operations"
    );
}

#[tokio::test]
async fn fault_rules_apply_to_the_lanes_reads() {
    let (on, _) = on_and_off().await;
    on.call(
        "POST",
        "/_emulator/faults",
        Some(json!({"operation": "ShowFunctionConfig", "times": 1,
                    "action": {"type": "error", "status": 503, "error_code": "FSS.0503",
                               "error_msg": "injected"}})),
    )
    .await;
    on.show_config(&urn("f", "latest"), 503)
        .await
        .assert_error(503, "FSS.0503");
    on.show_config(&urn("f", "latest"), 200).await;
}
