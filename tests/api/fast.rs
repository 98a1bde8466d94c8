//! The fast lane (`app::fast`): the reads it answers before the router and the writes it
//! routes itself get the same answers and journal entries as through the router, and
//! everything the edge applies still applies.

use serde_json::{Value, json};

use crate::helpers::*;

/// Two emulators in the same state: the fast lane on (the default), and off.
async fn on_and_off() -> (TestApp, TestApp) {
    let on = TestApp::spawn().await;
    let mut config = base_config();
    config.server.fast_lane = false;
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
    sent(app, method, path, token, None).await
}

/// [`whole`], with a body.
async fn sent(
    app: &TestApp,
    method: &str,
    path: &str,
    token: bool,
    body: Option<&str>,
) -> (u16, Vec<String>, String) {
    let mut req = app.client.request(
        method.parse().unwrap(),
        format!("{}{path}", app.emulator.base_url()),
    );
    if token {
        req = req.header("X-Auth-Token", "test-token");
    }
    if let Some(body) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(body.to_owned());
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

/// A fault rule: the next request for `operation` is answered `status` and `code`.
async fn inject_error(app: &TestApp, operation: &str, status: u16, code: &str) {
    let rule = json!({"operation": operation, "times": 1,
                      "action": {"type": "error", "status": status, "error_code": code,
                                 "error_msg": "injected"}});
    let a = app.call("POST", "/_emulator/faults", Some(rule)).await;
    assert!(a.status < 300, "{}", a.text);
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
    inject_error(&on, "ShowFunctionConfig", 503, "FSS.0503").await;
    on.show_config(&urn("f", "latest"), 503)
        .await
        .assert_error(503, "FSS.0503");
    on.show_config(&urn("f", "latest"), 200).await;
}

#[tokio::test]
async fn the_lanes_writes_answer_exactly_as_the_router_does() {
    let (on, off) = on_and_off().await;
    let latest = TestApp::fgs(&format!("/functions/{}", urn("f", "latest")));
    let v1 = TestApp::fgs(&format!("/functions/{}", urn("f", "v1")));
    let missing = TestApp::fgs(&format!("/functions/{}", urn("missing", "latest")));
    let config =
        r#"{"handler":"index.handler","memory_size":512,"timeout":30,"runtime":"Python3.9"}"#;
    let code = format!(
        r#"{{"code_type":"inline","func_code":{{"file":"{}"}}}}"#,
        b64("print(3)")
    );
    let writes: Vec<(&str, String, bool, Option<&str>)> = vec![
        ("PUT", format!("{latest}/config"), true, Some(config)),
        (
            "PUT",
            format!("{latest}/config"),
            true,
            Some(r#"{"memory_size":7}"#),
        ),
        ("PUT", format!("{latest}/config"), true, Some("{")),
        ("PUT", format!("{latest}/config"), true, Some("")),
        ("PUT", format!("{latest}/config"), true, None),
        ("PUT", format!("{latest}/config"), false, Some(config)),
        ("PUT", format!("{v1}/config"), true, Some(config)),
        ("PUT", format!("{missing}/config"), true, Some(config)),
        ("PUT", format!("{latest}/code"), true, Some(&code)),
        (
            "PUT",
            format!("{latest}/code"),
            true,
            Some(r#"{"code_type":"inline","func_code":{"file":"%%%"}}"#),
        ),
        ("PUT", format!("{v1}/code"), true, Some(&code)),
        (
            "POST",
            format!("{latest}/versions"),
            true,
            Some(r#"{"version":"v2","description":"d"}"#),
        ),
        ("POST", format!("{latest}/versions"), true, None),
        (
            "POST",
            format!("{latest}/versions"),
            true,
            Some("{not json"),
        ),
        (
            "POST",
            format!("{latest}/versions"),
            true,
            Some(r#"{"version":"v2"}"#),
        ),
        (
            "POST",
            format!("{missing}/versions"),
            true,
            Some(r#"{"version":"v9"}"#),
        ),
        (
            "POST",
            format!("{latest}/versions?x=1"),
            true,
            Some(r#"{"version":"v3"}"#),
        ),
        (
            "PUT",
            TestApp::fgs(&format!(
                "/functions/{}/config",
                encoded(&urn("f", "latest"))
            )),
            true,
            Some(config),
        ),
        (
            "PUT",
            TestApp::fgs("/functions/not-a-urn/code"),
            true,
            Some(&code),
        ),
    ];
    for (method, path, token, body) in &writes {
        let a = sent(&on, method, path, *token, *body).await;
        let b = sent(&off, method, path, *token, *body).await;
        assert_eq!(a, b, "{method} {path} (token: {token}) {body:?}");
    }
    // What the edge applies to the lane's writes: fault rules.
    for app in [&on, &off] {
        inject_error(app, "CreateFunctionVersion", 500, "FSS.0500").await;
    }
    let path = format!("{latest}/versions");
    let a = sent(&on, "POST", &path, true, Some(r#"{"version":"v4"}"#)).await;
    assert_eq!(a.0, 500, "{}", a.2);
    assert_eq!(
        a,
        sent(&off, "POST", &path, true, Some(r#"{"version":"v4"}"#)).await
    );
    // The state both came to, and the journals.
    assert_eq!(
        whole(&on, "GET", &format!("{latest}/versions"), true).await,
        whole(&off, "GET", &format!("{latest}/versions"), true).await
    );
    let (on_journal, off_journal) = (journal(&on).await, journal(&off).await);
    assert_eq!(on_journal, off_journal);
    let statuses: Vec<&Value> = on_journal.iter().map(|e| &e["status"]).collect();
    assert!(statuses.contains(&&json!(200)) && statuses.contains(&&json!(400)));
}

/// A write the lane answers itself leaves a body declared too long to the edge (413 before
/// anything is read), and answers a body it reads and refuses (a wrong content type, one
/// too long after all) as the router does, with the same journal.
#[tokio::test]
async fn the_lanes_writes_refuse_bodies_as_the_edge_does() {
    let mut apps = Vec::new();
    for fast_lane in [true, false] {
        let mut config = base_config();
        config.server.fast_lane = fast_lane;
        config.server.max_body_bytes = 300;
        let app = TestApp::spawn_with(config).await;
        app.create_function("f", "print(1)", 200).await;
        apps.push(app);
    }
    let latest = TestApp::fgs(&format!("/functions/{}", urn("f", "latest")));
    let long = format!(r#"{{"description":"{}"}}"#, "x".repeat(400));
    let mut answers = Vec::new();
    for app in &apps {
        let url = format!("{}{latest}/config", app.emulator.base_url());
        let send = |content_type: &'static str, body: String| {
            app.client
                .put(&url)
                .header("X-Auth-Token", "test-token")
                .header("Content-Type", content_type)
                .body(body)
                .send()
        };
        let mut got = Vec::new();
        for (content_type, body) in [
            ("application/json", long.clone()),
            ("text/plain", r#"{"memory_size":512}"#.to_owned()),
            ("application/json", r#"{"memory_size":512}"#.to_owned()),
        ] {
            let r = send(content_type, body).await.expect("sent");
            let status = r.status().as_u16();
            let has_id = r.headers().contains_key("x-request-id");
            got.push((status, has_id, r.text().await.unwrap()));
        }
        answers.push((got, journal(app).await));
    }
    let statuses: Vec<u16> = answers[0].0.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(statuses, [413, 400, 200], "{:?}", answers[0].0);
    assert!(answers[0].0.iter().all(|(_, id, _)| *id));
    assert!(
        answers[0].0[0].2.contains("FSS.0413"),
        "{}",
        answers[0].0[0].2
    );
    assert_eq!(answers[0], answers[1]);
}
