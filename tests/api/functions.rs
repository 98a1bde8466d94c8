//! CreateFunction, ShowFunctionConfig, UpdateFunctionCode: the functions versions come from.

use std::sync::Arc;

use fgs_emulator::model::CodeRef;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn create_answers_the_function_with_a_latest_urn() {
    let app = TestApp::spawn().await;
    let a = app.create_function("hello", "print(1)", 200).await;
    let b = &a.body;
    assert_eq!(b["func_urn"], urn("hello", "latest"));
    assert_eq!(b["version"], "latest");
    assert_eq!(b["func_name"], "hello");
    assert_eq!(b["package"], "default");
    assert_eq!(b["runtime"], "Python3.9");
    assert_eq!(b["handler"], "index.handler");
    assert_eq!(b["code_type"], "inline");
    assert_eq!(b["code_filename"], "index.py");
    assert_eq!(b["digest"], sha512_hex(b"print(1)"));
    assert_eq!(b["code_size"], 8);
    assert_eq!(b["cpu"], 400);
    assert_eq!(b["strategy_config"]["concurrency"], -1);
    assert_eq!(b["last_modified"], "2026-11-28T19:30:15+08:00");
    assert!(
        b["image_name"]
            .as_str()
            .unwrap()
            .starts_with("latest-261128193015@")
    );
}

#[tokio::test]
async fn create_twice_is_409_fss_1061() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    app.create_function("hello", "y", 409)
        .await
        .assert_error(409, "FSS.1061");
    // The same name in another package is another function.
    let mut body = create_body("hello", "x");
    body["package"] = json!("other");
    let a = app
        .call("POST", &TestApp::fgs("/functions"), Some(body))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body["func_urn"],
        format!("urn:fss:{REGION}:{PROJECT}:function:other:hello:latest")
    );
}

#[tokio::test]
async fn create_validates_each_field_with_its_code() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, Value, &str, u16)> = vec![
        ("missing name", json!({"func_name": null}), "FSS.1002", 400),
        ("bad name", json!({"func_name": "9lives"}), "FSS.1002", 400),
        (
            "long name",
            json!({"func_name": format!("a{}", "b".repeat(60))}),
            "FSS.1002",
            400,
        ),
        ("bad package", json!({"package": "a b"}), "FSS.1004", 400),
        (
            "bad runtime",
            json!({"runtime": "Python3.99"}),
            "FSS.1005",
            400,
        ),
        ("missing runtime", json!({"runtime": null}), "FSS.1005", 400),
        ("bad memory", json!({"memory_size": 300}), "FSS.1007", 400),
        (
            "missing memory",
            json!({"memory_size": null}),
            "FSS.1007",
            400,
        ),
        ("short timeout", json!({"timeout": 2}), "FSS.1008", 400),
        ("long timeout", json!({"timeout": 259_201}), "FSS.1008", 400),
        (
            "bad handler",
            json!({"handler": "handler"}),
            "FSS.1003",
            400,
        ),
        (
            "bad code type",
            json!({"code_type": "git"}),
            "FSS.1006",
            400,
        ),
        (
            "missing code type",
            json!({"code_type": null}),
            "FSS.1006",
            400,
        ),
        (
            "bad base64",
            json!({"func_code": {"file": "%%%"}}),
            "FSS.1011",
            400,
        ),
        (
            "zip without code",
            json!({"code_type": "zip", "func_code": null}),
            "FSS.1012",
            400,
        ),
        (
            "obs without url",
            json!({"code_type": "obs"}),
            "FSS.1012",
            400,
        ),
        (
            "inline over 10 KB",
            json!({"func_code": {"file": b64(&"x".repeat(10 * 1024 + 1))}}),
            "FSS.1072",
            413,
        ),
        (
            "long description",
            json!({"description": "d".repeat(513)}),
            "FSS.1019",
            400,
        ),
        (
            "user_data not an object",
            json!({"user_data": "A=1"}),
            "FSS.1009",
            400,
        ),
        (
            "timeout as a string",
            json!({"timeout": "30"}),
            "FSS.0400",
            400,
        ),
        (
            "memory as a float",
            json!({"memory_size": 128.5}),
            "FSS.0400",
            400,
        ),
        ("name as a number", json!({"func_name": 7}), "FSS.0400", 400),
    ];
    for (what, change, code, status) in cases {
        let mut body = create_body("valid", "x");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let a = app
            .call("POST", &TestApp::fgs("/functions"), Some(body))
            .await;
        assert_eq!(a.code(), code, "{what}: {}", a.text);
        a.assert_error(status, code);
    }
    // None of the refused requests created anything.
    app.show_config("valid", 404)
        .await
        .assert_error(404, "FSS.1051");
}

#[tokio::test]
async fn wrong_types_name_the_field() {
    let app = TestApp::spawn().await;
    let mut body = create_body("hello", "x");
    body["timeout"] = json!("thirty");
    let a = app
        .call("POST", &TestApp::fgs("/functions"), Some(body))
        .await;
    a.assert_error(400, "FSS.0400");
    assert!(a.msg().contains("timeout"), "{}", a.msg());
}

#[tokio::test]
async fn obs_and_zip_code_types_are_accepted() {
    let app = TestApp::spawn().await;
    let mut body = create_body("fromobs", "x");
    body["code_type"] = json!("obs");
    body["code_url"] = json!("https://bucket.obs.example.com/code.zip");
    let a = app
        .call("POST", &TestApp::fgs("/functions"), Some(body))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body["code_url"],
        "https://bucket.obs.example.com/code.zip"
    );
    assert_eq!(
        a.body["digest"],
        sha512_hex(b"https://bucket.obs.example.com/code.zip")
    );
    let mut body = create_body("fromzip", "PK\u{3}\u{4}zipbytes");
    body["code_type"] = json!("zip");
    body["code_filename"] = json!("code.zip");
    let a = app
        .call("POST", &TestApp::fgs("/functions"), Some(body))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["code_type"], "zip");
}

#[tokio::test]
async fn show_config_reads_latest_and_versions_and_404s_for_missing_ones() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    for form in [
        "hello".to_owned(),
        urn("hello", "latest"),
        encoded(&urn("hello", "latest")),
    ] {
        let a = app.show_config(&form, 200).await;
        assert_eq!(a.body["func_urn"], urn("hello", "latest"));
    }
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v1"})), 200)
        .await;
    let a = app.show_config(&urn("hello", "v1"), 200).await;
    assert_eq!(a.body["version"], "v1");
    assert_eq!(a.body["func_urn"], urn("hello", "v1"));
    app.show_config(&urn("hello", "v9"), 404)
        .await
        .assert_error(404, "FSS.1052");
    let a = app.show_config(&urn("nobody", "latest"), 404).await;
    a.assert_error(404, "FSS.1051");
}

#[tokio::test]
async fn update_code_changes_digest_size_and_last_modified() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    app.advance(60);
    let a = app.update_code("hello", "print('longer code')", 200).await;
    assert_eq!(a.body["digest"], sha512_hex(b"print('longer code')"));
    assert_eq!(a.body["code_size"], 20);
    assert_eq!(a.body["last_modified"], "2026-11-28T19:31:15+08:00");
    assert_eq!(a.body["func_urn"], urn("hello", "latest"));
    let shown = app.show_config("hello", 200).await;
    assert_eq!(shown.body["digest"], a.body["digest"]);
    // Missing function, and code of a version, are refused.
    app.update_code("nobody", "x", 404)
        .await
        .assert_error(404, "FSS.1051");
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    let a = app
        .call(
            "PUT",
            &TestApp::fgs(&format!("/functions/{}/code", urn("hello", "v1"))),
            Some(json!({"code_type": "inline", "func_code": {"file": b64("y")}})),
        )
        .await;
    a.assert_error(400, "FSS.0400");
}

/// Update code reads its body in place (`CodeBody` borrows from it): strings that carry
/// JSON escapes (`\/` in base64, as some encoders write it; `\u` in a file name) are
/// still read whole, and each field's type is still checked.
#[tokio::test]
async fn update_code_reads_escaped_strings_and_checks_types() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let code = "print('a?b>c')"; // its base64 has a '/': "cHJpbnQoJ2E/Yj5jJyk="
    let escaped = b64(code).replace('/', "\\/");
    assert!(
        escaped.contains("\\/"),
        "the test sends an escape: {escaped}"
    );
    let body = format!(
        r#"{{"code_type":"inl\u0069ne","code_filename":"m\u00e4in.py","func_code":{{"file":"{escaped}"}}}}"#
    );
    let path = TestApp::fgs(&format!("/functions/{}/code", urn("hello", "latest")));
    let headers = [("X-Auth-Token", "t"), ("Content-Type", "application/json")];
    let a = app.raw("PUT", &path, &headers, body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["digest"], sha512_hex(code.as_bytes()));
    assert_eq!(a.body["code_filename"], "m\u{e4}in.py");
    assert_eq!(a.body["code_type"], "inline");
    for (field, value) in [
        ("code_type", json!(5)),
        ("code_filename", json!(["x"])),
        ("func_code", json!({"file": b64("y"), "link": 7})),
    ] {
        let mut body = json!({"code_type": "inline", "func_code": {"file": b64("y")}});
        body[field] = value;
        let a = app.call("PUT", &path, Some(body)).await;
        a.assert_error(400, "FSS.0400");
        assert!(a.msg().contains(field), "{field}: {}", a.msg());
    }
    let shown = app.show_config("hello", 200).await;
    assert_eq!(
        shown.body["digest"],
        sha512_hex(code.as_bytes()),
        "refusals change nothing"
    );
}

#[tokio::test]
async fn code_is_stored_once_and_shared_by_latest_and_its_versions() {
    let mut config = base_config();
    config.behavior.reject_unchanged_publish = false;
    let app = TestApp::spawn_with(config).await;
    // A package of a few kibibytes: code under 1 KiB is shared by latest and its versions
    // only, not pooled between functions (the next test).
    let package = format!("print('shared code')\n#{}", "-".repeat(4096));
    app.create_function("hello", &package, 200).await;
    for v in ["v1", "v2", "v3"] {
        app.publish("hello", Some(json!({"version": v})), 200).await;
    }
    // A second function with the same bytes shares the blob too.
    app.create_function("twin", &package, 200).await;
    let store = app.emulator.state().service().store();
    assert_eq!(store.live_code_blobs(), 1);
    let functions = store.all_functions();
    let latest = &functions[0].latest.code.blob;
    for v in &functions[0].versions {
        assert!(
            Arc::ptr_eq(latest, &v.state.code.blob),
            "{} copied its code",
            v.name
        );
        assert!(
            CodeRef::ptr_eq(&functions[0].latest.code, &v.state.code),
            "{} copied its code's file name and type",
            v.name
        );
    }
    assert!(Arc::ptr_eq(latest, &functions[1].latest.code.blob));
    // New code is a second blob; the versions keep the first.
    app.update_code("hello", &format!("{package}\n# new"), 200)
        .await;
    assert_eq!(store.live_code_blobs(), 2);
}

/// Code under 1 KiB is kept by each function: its versions share it, other functions with
/// the same bytes have their own (pooling small code cost more than it saved), and the
/// answers are the same either way.
#[tokio::test]
async fn small_code_is_shared_by_versions_but_not_pooled_between_functions() {
    let mut config = base_config();
    config.behavior.reject_unchanged_publish = false;
    let app = TestApp::spawn_with(config).await;
    let a = app.create_function("hello", "small code", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    let b = app.create_function("twin", "small code", 200).await;
    assert_eq!(a.body["digest"], b.body["digest"]);
    assert_eq!(a.body["code_size"], b.body["code_size"]);
    let store = app.emulator.state().service().store();
    assert_eq!(store.live_code_blobs(), 0);
    let functions = store.all_functions();
    let hello = &functions[0];
    assert!(Arc::ptr_eq(
        &hello.latest.code.blob,
        &hello.versions.get("v1").unwrap().state.code.blob
    ));
    assert!(!Arc::ptr_eq(
        &hello.latest.code.blob,
        &functions[1].latest.code.blob
    ));
    for name in ["hello", "twin"] {
        let code = app.show_code(name, 200).await;
        assert_eq!(code.body["func_code"]["file"], b64("small code"));
    }
}

/// After a restart from the state file, versions published in a row from the same code
/// share it again (latest and those versions held one copy before the restart).
#[tokio::test]
async fn versions_share_their_code_again_after_a_restart() {
    let (_scratch, mut config) = state_file_config("fgs-shared-code-");
    config.behavior.reject_unchanged_publish = false;
    {
        let app = TestApp::spawn_with(config.clone()).await;
        app.create_function("hello", "shared code", 200).await;
        for v in ["v1", "v2"] {
            app.publish("hello", Some(json!({"version": v})), 200).await;
        }
        app.update_code("hello", "new code", 200).await;
        app.publish("hello", Some(json!({"version": "v3"})), 200)
            .await;
        app.emulator.stop().await;
    }
    let app = TestApp::spawn_with(config).await;
    let store = app.emulator.state().service().store();
    let f = &store.all_functions()[0];
    let code = |i: usize| &f.versions.get_index(i).unwrap().state.code;
    assert!(CodeRef::ptr_eq(code(0), code(1)), "v1 and v2 share");
    assert!(!CodeRef::ptr_eq(code(1), code(2)), "v3 has other code");
    assert_eq!(code(0).blob.bytes.as_ref(), b"shared code");
    assert_eq!(code(2).blob.bytes.as_ref(), b"new code");
    assert_eq!(f.latest.code, *code(2), "latest is v3's code");
}

/// `pre_stop_timeout` is in a response only with a pre-stop hook (Go clients declare it a
/// string: a number breaks their decoder, so the real service leaves the key out).
#[tokio::test]
async fn pre_stop_timeout_appears_only_with_a_pre_stop_hook() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let a = app
        .update_config("hello", json!({"pre_stop_timeout": 30}), 200)
        .await;
    assert!(a.body.get("pre_stop_timeout").is_none(), "{}", a.text);
    let a = app
        .update_config(
            "hello",
            json!({"pre_stop_handler": "index.stop", "pre_stop_timeout": 30}),
            200,
        )
        .await;
    assert_eq!(a.body["pre_stop_timeout"], 30);
    assert_eq!(a.body["pre_stop_handler"], "index.stop");
}

/// Terraform updates the configuration without `func_name`, with keys such as
/// `domain_names`, `peering_cidr`, `enable_lts_log` and `log_config`: they come back as sent
/// (a changed value would be a permanent diff in every plan), from latest and a published
/// version alike.
#[tokio::test]
async fn terraform_s_update_keys_come_back_as_sent() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let sent = json!({
        "runtime": "Python3.9", "handler": "index.handler", "memory_size": 256, "timeout": 60,
        "domain_names": "[{\"domain_name\":\"a.example\"}]", "peering_cidr": "10.0.0.0/24",
        "enable_lts_log": true, "log_config": {"group_id": "g-1", "stream_id": "s-1"},
    });
    let a = app
        .call(
            "PUT",
            &TestApp::fgs("/functions/hello/config"),
            Some(sent.clone()),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    for urn in ["hello".to_owned(), format!("{PROJECT}:default:hello:v1")] {
        let b = app.show_config(&urn, 200).await.body;
        for k in [
            "domain_names",
            "peering_cidr",
            "enable_lts_log",
            "log_config",
        ] {
            assert_eq!(b[k], sent[k], "{urn}: {k}");
        }
    }
}

/// Update config changes latest's configuration in place when nothing else holds it: each
/// answer and read shows the new settings (no kept rendering of the old ones), a body
/// refused half-way leaves every setting as it was, and a version published from latest
/// keeps its own settings through later updates.
#[tokio::test]
async fn update_config_in_place_never_shows_old_settings_or_touches_a_version() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    for _ in 0..3 {
        app.show_config("hello", 200).await;
    }
    for description in ["one", "two"] {
        let a = app
            .update_config("hello", json!({"description": description}), 200)
            .await;
        assert_eq!(a.body["description"], description);
        for _ in 0..2 {
            let a = app.show_config("hello", 200).await;
            assert_eq!(a.body["description"], description);
        }
    }
    // The memory size is read before the handler is refused: it must not stay.
    app.update_config(
        "hello",
        json!({"memory_size": 512, "handler": "nodot"}),
        400,
    )
    .await
    .assert_error(400, "FSS.1003");
    let a = app.show_config("hello", 200).await;
    assert_eq!(a.body["memory_size"], 256);
    assert_eq!(a.body["handler"], "index.handler");
    assert_eq!(a.body["description"], "two");

    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    for description in ["three", "four"] {
        app.update_config("hello", json!({"description": description}), 200)
            .await;
        let a = app.show_config("hello", 200).await;
        assert_eq!(a.body["description"], description);
        let v1 = app.show_config(&urn("hello", "v1"), 200).await;
        assert_eq!(v1.body["description"], "two");
    }
}
