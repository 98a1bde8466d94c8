//! The control plane under /_emulator: reset, state, clock, journal, faults, token,
//! and deterministic runs.

use fgs_emulator::config::FunctionSeed;
use serde_json::{Value, json};

use crate::helpers::*;

fn seeded_config() -> fgs_emulator::config::Config {
    let mut c = base_config();
    c.functions.push(FunctionSeed {
        project: None,
        package: "default".into(),
        func_name: "seeded".into(),
        runtime: "Python3.9".into(),
        handler: "index.handler".into(),
        memory_size: 128,
        timeout: 30,
        code_type: "inline".into(),
        code: Some("print('seed')".into()),
        code_file: None,
        code_filename: None,
        description: String::new(),
        user_data: String::new(),
    });
    c
}

impl TestApp {
    async fn control(&self, method: &str, path: &str, body: Option<Value>, status: u16) -> Answer {
        let a = self.call(method, &format!("/_emulator{path}"), body).await;
        assert_eq!(a.status, status, "{method} /_emulator{path}: {}", a.text);
        a
    }
}

#[tokio::test]
async fn reset_goes_back_to_the_seeds() {
    let app = TestApp::spawn_with(seeded_config()).await;
    app.create_function("extra", "x", 200).await;
    app.publish("seeded", Some(json!({"version": "v1"})), 200)
        .await;
    let a = app.control("POST", "/reset", None, 200).await;
    assert_eq!(a.body, json!({"status": "reset", "functions": 1}));
    app.show_config("extra", 404).await;
    let seeded = app.list_versions("seeded", "", 200).await;
    assert_eq!(seeded.body["count"], 1, "versions are gone");
    let fixture_count = app.emulator.reset().unwrap();
    assert_eq!(fixture_count, 1);
}

#[tokio::test]
async fn state_exports_and_imports_into_another_emulator() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('a')", 200).await;
    app.publish(
        "hello",
        Some(json!({"version": "v1", "description": "one"})),
        200,
    )
    .await;
    app.update_code("hello", "print('b')", 200).await;
    app.update_config("hello", json!({"memory_size": 512}), 200)
        .await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    app.create_alias(
        "hello",
        json!({"name": "prod", "version": "v1", "additional_version_weights": {"v2": 20}}),
        200,
    )
    .await;
    let doc = app.control("GET", "/state", None, 200).await.body;
    assert_eq!(doc["format"], "fgs-emulator-state");
    assert_eq!(doc["format_version"], 2);

    let other = TestApp::spawn().await;
    other.create_function("will-be-replaced", "x", 200).await;
    let a = other.control("PUT", "/state", Some(doc.clone()), 200).await;
    assert_eq!(a.body["functions"], 1);
    other.show_config("will-be-replaced", 404).await;
    for v in ["latest", "v1", "v2"] {
        let mine = app.show_code(&urn("hello", v), 200).await.body;
        let theirs = other.show_code(&urn("hello", v), 200).await.body;
        assert_eq!(mine, theirs, "{v} round-trips");
    }
    assert_eq!(
        app.on("GET", "hello", "/aliases", None, 200).await.body,
        other.on("GET", "hello", "/aliases", None, 200).await.body
    );
    // The round trip is exact.
    assert_eq!(other.control("GET", "/state", None, 200).await.body, doc);
    // Rules still hold after an import: v1 is unchanged-check baseline, names are taken.
    other
        .publish("hello", Some(json!({"version": "v2"})), 400)
        .await
        .assert_error(400, "FSS.1016");
}

/// An `image_name` is answered as the state document gives it, whatever its shape: the
/// emulator keeps its own names without the version's name (`model::ImageName`), and any
/// other text whole.
#[tokio::test]
async fn image_names_of_any_shape_survive_an_import_and_an_export() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('a')", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    let mut doc = app.control("GET", "/state", None, 200).await.body;
    let made = doc["functions"][0]["versions"][0]["state"]["image_name"].clone();
    assert!(made.as_str().unwrap().starts_with("v1-"), "{made}");
    let given = [
        ("latest", "an image name from elsewhere, \"quoted\""),
        ("v1", "latest-261128193015@abcde"),
    ];
    doc["functions"][0]["latest"]["image_name"] = json!(given[0].1);
    doc["functions"][0]["versions"][0]["state"]["image_name"] = json!(given[1].1);

    let other = TestApp::spawn().await;
    other.control("PUT", "/state", Some(doc.clone()), 200).await;
    for (version, image_name) in given {
        let f = other.show_config(&urn("hello", version), 200).await.body;
        assert_eq!(f["image_name"], image_name, "{version}");
    }
    let listed = other.list_versions("hello", "", 200).await.body;
    assert_eq!(listed["versions"][0]["image_name"], given[0].1);
    assert_eq!(listed["versions"][1]["image_name"], given[1].1);
    assert_eq!(other.control("GET", "/state", None, 200).await.body, doc);
}

#[tokio::test]
async fn a_bad_state_document_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('a')", 200).await;
    let good = app.control("GET", "/state", None, 200).await.body;
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut d = good.clone();
    d["format_version"] = json!(99);
    cases.push(("future version", d));
    let mut d = good.clone();
    d["code"] = json!({});
    cases.push(("missing code", d));
    let mut d = good.clone();
    d["functions"][0]["latest"]["config"]["runtime"] = json!("Cobol");
    cases.push(("bad runtime", d));
    let mut d = good.clone();
    let f = d["functions"][0].clone();
    d["functions"].as_array_mut().unwrap().push(f);
    cases.push(("duplicate function", d));
    let mut d = good.clone();
    let digest = d["functions"][0]["latest"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    d["code"][&digest] = json!(b64("tampered"));
    cases.push(("code that does not hash to its digest", d));
    let mut d = good.clone();
    d["functions"][0]["aliases"] = json!([{"name": "p", "version": "v9", "description": "",
        "last_modified": "2026-01-01T00:00:00Z", "additional_version": null,
        "additional_weight": null, "additional_strategy": null}]);
    cases.push(("alias to a missing version", d));
    cases.push(("not a document", json!({"functions": []})));
    for (what, doc) in cases {
        let a = app.control("PUT", "/state", Some(doc), 400).await;
        assert_eq!(a.code(), "FSS.0400", "{what}: {}", a.text);
    }
    assert_eq!(app.control("GET", "/state", None, 200).await.body, good);
}

#[tokio::test]
async fn the_clock_can_be_frozen_advanced_offset_and_released() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let a = app.control("GET", "/clock", None, 200).await;
    assert_eq!(a.body["mode"], "frozen");
    assert_eq!(a.body["now"], "2026-11-28T19:30:15+08:00");

    let a = app
        .control(
            "PUT",
            "/clock",
            Some(json!({"frozen_at": "2030-01-02T03:04:05Z"})),
            200,
        )
        .await;
    assert_eq!(a.body["frozen_at"], "2030-01-02T11:04:05+08:00");
    let v = app.publish("hello", None, 200).await;
    assert_eq!(v.body["version"], "v20300102-110405");
    assert_eq!(v.body["last_modified"], "2030-01-02T11:04:05+08:00");
    assert!(
        v.body["image_name"]
            .as_str()
            .unwrap()
            .starts_with("v20300102-110405-300102110405@")
    );

    let a = app
        .control("PUT", "/clock", Some(json!({"advance_seconds": 90})), 200)
        .await;
    assert_eq!(a.body["now"], "2030-01-02T11:05:35+08:00");

    let a = app
        .control(
            "PUT",
            "/clock",
            Some(json!({"offset_seconds": -86400})),
            200,
        )
        .await;
    assert_eq!(a.body["mode"], "offset");
    assert_eq!(a.body["offset_seconds"], -86400);
    let a = app.control("DELETE", "/clock", None, 200).await;
    assert_eq!(a.body["mode"], "system");

    for bad in [
        json!({}),
        json!({"advance_seconds": 1, "offset_seconds": 1}),
        json!({"frozen_at": "yesterday"}),
        json!({"advance_seconds": i64::MAX}),
        json!({"speed": 2}),
        // Instants the emulator could not write as a four-digit-year version name.
        json!({"frozen_at": "9999-12-31T23:00:00Z"}),
        json!({"frozen_at": "1969-12-31T00:00:00Z"}),
    ] {
        app.control("PUT", "/clock", Some(bad), 400)
            .await
            .assert_error(400, "FSS.0400");
    }
}

#[tokio::test]
async fn the_journal_records_requests_before_answering_and_filters() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    let missing = app.show_config("nobody", 404).await;
    let all = app.control("GET", "/requests", None, 200).await.body;
    let entries = all.as_array().unwrap();
    assert_eq!(
        entries.len(),
        3,
        "control-plane calls are not journaled: {all}"
    );
    assert_eq!(entries[0]["operation"], "CreateFunction");
    assert_eq!(entries[1]["operation"], "CreateFunctionVersion");
    assert_eq!(entries[1]["method"], "POST");
    assert_eq!(entries[1]["status"], 200);
    assert_eq!(entries[1]["error_code"], Value::Null);
    assert_eq!(entries[2]["status"], 404);
    assert_eq!(entries[2]["error_code"], "FSS.1051");
    assert_eq!(
        entries[2]["request_id"].as_str(),
        missing.request_id.as_deref()
    );
    assert_eq!(entries[2]["time"], "2026-11-28T19:30:15+08:00");
    assert!(entries[2]["duration_ms"].is_number());
    // Authorization values and tokens are never stored.
    assert!(!all.to_string().contains("test-token"));

    for (query, n) in [
        ("?operation=CreateFunctionVersion", 1),
        ("?method=get", 1),
        ("?status=404", 1),
        ("?path=/versions", 1),
        ("?path=/functions&status=200", 2),
    ] {
        let a = app
            .control("GET", &format!("/requests{query}"), None, 200)
            .await;
        assert_eq!(a.body.as_array().unwrap().len(), n, "{query}");
    }
    app.control("GET", "/requests?status=abc", None, 400).await;
    app.control("DELETE", "/requests", None, 204).await;
    assert_eq!(
        app.control("GET", "/requests", None, 200).await.body,
        json!([])
    );
}

#[tokio::test]
async fn the_journal_is_bounded() {
    let mut config = base_config();
    config.control.journal_size = 3;
    let app = TestApp::spawn_with(config).await;
    for n in ["a", "b", "c", "d", "e"] {
        app.create_function(n, "x", 200).await;
    }
    let entries = app.control("GET", "/requests", None, 200).await.body;
    assert_eq!(entries.as_array().unwrap().len(), 3);
    assert!(entries[0]["path"].as_str().unwrap().ends_with("/functions"));
}

#[tokio::test]
async fn faults_answer_errors_for_the_next_n_matches() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let rule = app
        .control(
            "POST",
            "/faults",
            Some(json!({
                "operation": "CreateFunctionVersion",
                "action": {"type": "error", "status": 503, "error_code": "FSS.0503",
                           "error_msg": "Service unavailable."},
                "times": 2
            })),
            200,
        )
        .await
        .body;
    assert_eq!(rule["fired"], 0);
    for _ in 0..2 {
        app.publish("hello", Some(json!({"version": "v1"})), 503)
            .await
            .assert_error(503, "FSS.0503");
    }
    // Other operations are untouched, and the third publish goes through.
    app.show_config("hello", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    let rules = app.control("GET", "/faults", None, 200).await.body;
    assert_eq!(rules[0]["fired"], 2);
    assert_eq!(rules[0]["remaining"], 0);
    // The journal shows the injected errors.
    let a = app.control("GET", "/requests?status=503", None, 200).await;
    assert_eq!(a.body.as_array().unwrap().len(), 2);
    assert_eq!(a.body[0]["error_code"], "FSS.0503");
}

#[tokio::test]
async fn faults_match_paths_projects_and_methods_and_can_be_removed() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let rule = app
        .control(
            "POST",
            "/faults",
            Some(json!({
                "path": "/v2/*/fgs/functions/*/config",
                "method": "get",
                "project": PROJECT,
                "action": {"type": "error", "status": 429, "error_code": "FSS.0429"}
            })),
            200,
        )
        .await
        .body;
    app.show_config("hello", 429)
        .await
        .assert_error(429, "FSS.0429");
    app.show_config("hello", 429).await;
    // Another project is not matched.
    let a = app
        .call("GET", "/v2/other/fgs/functions/hello/config", None)
        .await;
    assert_eq!(a.status, 404);
    let id = rule["id"].as_u64().unwrap();
    app.control("DELETE", &format!("/faults/{id}"), None, 204)
        .await;
    app.control("DELETE", &format!("/faults/{id}"), None, 404)
        .await;
    app.show_config("hello", 200).await;
    app.control("DELETE", "/faults", None, 204).await;
    for bad in [
        json!({"action": {"type": "error", "status": 200, "error_code": "X"}}),
        json!({"action": {"type": "explode"}}),
        json!({"action": {"type": "drop"}, "probability": 1.5}),
    ] {
        app.control("POST", "/faults", Some(bad), 400).await;
    }
}

#[tokio::test]
async fn faults_delay_and_drop() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    app.control(
        "POST",
        "/faults",
        Some(json!({"operation": "ShowFunctionConfig",
                    "action": {"type": "delay", "delay_ms": 300}, "times": 1})),
        200,
    )
    .await;
    let started = std::time::Instant::now();
    app.show_config("hello", 200).await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    app.control(
        "POST",
        "/faults",
        Some(json!({"operation": "ShowFunctionConfig", "action": {"type": "drop"}, "times": 1})),
        200,
    )
    .await;
    let url = format!(
        "{}{}",
        app.emulator.base_url(),
        TestApp::fgs("/functions/hello/config")
    );
    let dropped = app
        .client
        .get(&url)
        .header("X-Auth-Token", "t")
        .send()
        .await
        .map(|r| r.status());
    match dropped {
        Err(_) => {}
        Ok(status) => {
            // Some clients see the head before the connection dies; the body never comes.
            let body = app
                .client
                .get(&url)
                .header("X-Auth-Token", "t")
                .send()
                .await;
            panic!("expected a dropped connection, got {status} then {body:?}");
        }
    }
    // The server keeps serving.
    app.show_config("hello", 200).await;
}

#[tokio::test]
async fn an_injected_panic_is_a_500_envelope_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    app.control(
        "POST",
        "/faults",
        Some(json!({"operation": "ShowFunctionConfig", "action": {"type": "panic"}, "times": 1})),
        200,
    )
    .await;
    app.show_config("hello", 500)
        .await
        .assert_error(500, "FSS.0500");
    app.show_config("hello", 200).await;
    let a = app.control("GET", "/requests?status=500", None, 200).await;
    assert_eq!(a.body[0]["error_code"], "FSS.0500");
}

#[tokio::test]
async fn a_control_token_guards_everything_but_health() {
    let mut config = base_config();
    config.control.token = Some("s3cret".into());
    let app = TestApp::spawn_with(config).await;
    app.raw("GET", "/_emulator/health", &[], "").await;
    let a = app.raw("GET", "/_emulator/state", &[], "").await;
    a.assert_error(401, "FSS.0401");
    let a = app
        .raw(
            "GET",
            "/_emulator/state",
            &[("Authorization", "Bearer wrong")],
            "",
        )
        .await;
    a.assert_error(401, "FSS.0401");
    let a = app
        .raw(
            "GET",
            "/_emulator/state",
            &[("Authorization", "Bearer s3cret")],
            "",
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

/// The same requests against two fresh emulators with a frozen clock and a seed.
async fn scripted_run() -> Vec<(u16, Option<String>, String)> {
    let app = TestApp::spawn_with(seeded_config()).await;
    let mut out = Vec::new();
    let mut push = |a: Answer| out.push((a.status, a.request_id, a.text));
    push(app.create_function("hello", "x", 200).await);
    push(app.publish("hello", None, 200).await);
    app.advance(1);
    push(app.update_code("hello", "y", 200).await);
    push(app.publish("hello", None, 200).await);
    push(
        app.create_alias("hello", json!({"name": "prod", "version": "latest"}), 200)
            .await,
    );
    push(app.list_versions("hello", "", 200).await);
    push(app.list_functions("", 200).await);
    push(app.show_config("nobody", 404).await);
    out
}

#[tokio::test]
async fn frozen_clock_and_seed_give_byte_identical_runs() {
    let (a, b) = (scripted_run().await, scripted_run().await);
    assert_eq!(a, b);
    assert!(
        a[1].2
            .contains("\"image_name\":\"v20261128-193015-261128193015@")
    );
}

/// Format 1 documents (and state files) kept `strategy_config`'s numbers at the top of each
/// configuration; they still import, and mean the same.
#[tokio::test]
async fn a_format_1_document_still_imports() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('a')", 200).await;
    app.update_config(
        "hello",
        json!({"strategy_config": {"concurrency": 0, "concurrent_num": 7}}),
        200,
    )
    .await;
    let mut doc = app.control("GET", "/state", None, 200).await.body;
    doc["format_version"] = json!(1);
    let config = doc["functions"][0]["latest"]["config"]
        .as_object_mut()
        .unwrap();
    let strategy = config.remove("strategy_config").unwrap();
    config.insert("concurrency".into(), strategy["concurrency"].clone());
    config.insert("concurrent_num".into(), strategy["concurrent_num"].clone());

    let other = TestApp::spawn().await;
    other.control("PUT", "/state", Some(doc), 200).await;
    let f = other.show_config("hello", 200).await.body;
    assert_eq!(
        f["strategy_config"],
        json!({"concurrency": 0, "concurrent_num": 7})
    );
}

/// An import applies exactly the API's rules: every configuration setting the API refuses
/// (on create and on update) is refused inside a state document too, naming the setting,
/// and the import changes nothing.
#[tokio::test]
async fn an_import_refuses_every_setting_the_api_refuses() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('a')", 200).await;
    let good = app.control("GET", "/state", None, 200).await.body;
    let cases: &[(&str, Value)] = &[
        ("runtime", json!("Cobol")),
        ("memory_size", json!(100)),
        ("memory_size", json!("128")),
        ("timeout", json!(2)),
        ("handler", json!("index")),
        ("description", json!("x".repeat(513))),
        ("user_data", json!("[1]")),
        ("user_data", json!("{\"A\":1}")),
        (
            "user_data",
            json!(format!("{{\"A\":\"{}\"}}", "x".repeat(4096))),
        ),
        ("initializer_timeout", json!(301)),
        ("pre_stop_timeout", json!(91)),
        ("type", json!("v3")),
        ("strategy_config", json!({"concurrency": 1001})),
        ("strategy_config", json!({"concurrent_num": 1001})),
        ("func_vpc", json!(1)),
        ("mount_config", json!([])),
        ("custom_image", json!("img")),
        ("xrole", json!(7)),
        ("long_time", json!("yes")),
    ];
    for (field, value) in cases {
        // The API refuses it ...
        let mut body = json!({
            "func_name": "hello", "runtime": "Python3.9", "handler": "index.handler",
            "memory_size": 256, "timeout": 30,
        });
        body[*field] = value.clone();
        let refused = app
            .call("PUT", &TestApp::fgs("/functions/hello/config"), Some(body))
            .await;
        assert!(
            (400..500).contains(&refused.status),
            "{field}={value}: the API took it"
        );
        // ... and so does an import, naming the setting and changing nothing.
        let mut doc = good.clone();
        doc["functions"][0]["latest"]["config"][*field] = value.clone();
        let a = app.control("PUT", "/state", Some(doc), 400).await;
        assert_eq!(a.code(), "FSS.0400");
        assert!(a.msg().contains(field), "{field}: {}", a.msg());
    }
    // An alias strategy the API refuses is refused on import too.
    let mut doc = good.clone();
    doc["functions"][0]["aliases"] = json!([{
        "name": "prod", "version": "latest", "description": "",
        "last_modified": "2026-01-01T00:00:00Z",
        "additional_version": "v9", "additional_weight": null,
        "additional_strategy": {"combine_type": "xor", "rules": []},
    }]);
    app.control("PUT", "/state", Some(doc), 400).await;
    let after = app.control("GET", "/state", None, 200).await.body;
    assert_eq!(after, good, "a refused import changes nothing");
}
