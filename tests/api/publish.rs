//! CreateFunctionVersion (publish), rule by rule in SPEC section 2's order, over HTTP.

use serde_json::{Value, json};

use crate::helpers::*;

async fn app_with_hello() -> TestApp {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('v1')", 200).await;
    app
}

fn no_unchanged_check() -> fgs_emulator::config::Config {
    let mut c = base_config();
    c.behavior.reject_unchanged_publish = false;
    c
}

// Rule 1: authentication.

#[tokio::test]
async fn publish_without_credentials_is_401_fss_0401() {
    let app = app_with_hello().await;
    let path = TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest")));
    for (what, headers) in [
        ("no headers", vec![]),
        ("empty token", vec![("X-Auth-Token", "")]),
        ("blank token", vec![("X-Auth-Token", "   ")]),
        ("bearer", vec![("Authorization", "Bearer abc")]),
        (
            "bare SDK prefix",
            vec![("Authorization", "SDK-HMAC-SHA256")],
        ),
    ] {
        let a = app.raw("POST", &path, &headers, "").await;
        a.assert_error(401, "FSS.0401");
        assert!(!what.is_empty());
    }
    // Nothing was published by the refused calls.
    app.publish(&urn("hello", "latest"), None, 200).await;
}

#[tokio::test]
async fn publish_accepts_a_token_or_an_aksk_signature_header() {
    let app = TestApp::spawn_with(no_unchanged_check()).await;
    app.create_function("hello", "x", 200).await;
    let path = TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest")));
    let a = app
        .raw("POST", &path, &[("X-Auth-Token", "anything")], "")
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    app.advance(1);
    let sig = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00";
    let a = app.raw("POST", &path, &[("Authorization", sig)], "").await;
    assert_eq!(a.status, 200, "{}", a.text);
}

// Rule 2: the URN.

#[tokio::test]
async fn publish_accepts_every_urn_form_raw_and_percent_encoded() {
    let mut config = no_unchanged_check();
    config.limits.max_versions = 20;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    let forms = [
        "hello".to_owned(),
        "default:hello".to_owned(),
        format!("{PROJECT}:default:hello"),
        format!("{PROJECT}:default:hello:latest"),
        format!("urn:fss:{REGION}:{PROJECT}:function:default:hello"),
        urn("hello", "latest"),
    ];
    let mut n = 0;
    for form in &forms {
        for in_path in [form.clone(), encoded(form)] {
            n += 1;
            let a = app
                .publish(&in_path, Some(json!({"version": format!("v{n}")})), 200)
                .await;
            assert_eq!(
                a.body["func_urn"],
                urn("hello", &format!("v{n}")),
                "{in_path}"
            );
        }
    }
    // Lower-case percent-encoding is decoded too.
    let lower = urn("hello", "latest").replace(':', "%3a");
    app.publish(&lower, Some(json!({"version": "lower"})), 200)
        .await;
}

#[tokio::test]
async fn publish_refuses_malformed_urns_with_fss_0400() {
    let app = app_with_hello().await;
    let cases = [
        ("five fields", "a:b:c:d:e".to_owned()),
        ("six fields", "a:b:c:d:e:f".to_owned()),
        ("nine fields", format!("{}:x", urn("hello", "latest"))),
        (
            "wrong prefix",
            format!("urn:xyz:{REGION}:{PROJECT}:function:default:hello"),
        ),
        (
            "not function",
            format!("urn:fss:{REGION}:{PROJECT}:functions:default:hello"),
        ),
        (
            "empty field",
            format!("urn:fss::{PROJECT}:function:default:hello"),
        ),
        ("bad function name", "1hello".to_owned()),
        ("bad package", "pa.ck:hello".to_owned()),
        ("trailing colon", "hello:".to_owned()),
        ("bad qualifier", format!("{PROJECT}:default:hello:-v")),
        ("double-encoded", "urn%253Afss".to_owned()),
        ("space", "hel%20lo".to_owned()),
    ];
    for (what, in_path) in cases {
        let a = app
            .call(
                "POST",
                &TestApp::fgs(&format!("/functions/{in_path}/versions")),
                None,
            )
            .await;
        a.assert_error(400, "FSS.0400");
        assert!(!what.is_empty());
    }
}

#[tokio::test]
async fn publish_refuses_another_project_or_region_in_the_urn() {
    let app = app_with_hello().await;
    let other = "ffffffffffffffffffffffffffffffff";
    for in_path in [
        format!("urn:fss:{REGION}:{other}:function:default:hello:latest"),
        format!("{other}:default:hello"),
        format!("urn:fss:eu-de:{PROJECT}:function:default:hello:latest"),
    ] {
        let a = app.publish(&in_path, None, 400).await;
        a.assert_error(400, "FSS.0400");
        assert!(
            a.msg().contains("project") || a.msg().contains("region"),
            "{}",
            a.msg()
        );
    }
}

#[tokio::test]
async fn publish_refuses_a_urn_naming_a_version_or_an_alias() {
    let app = app_with_hello().await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v1"})), 200)
        .await;
    for in_path in [
        urn("hello", "v1"),
        urn("hello", "!prod"),
        encoded(&urn("hello", "!prod")),
        format!("{PROJECT}:default:hello:v1"),
    ] {
        app.publish(&in_path, None, 400)
            .await
            .assert_error(400, "FSS.0400");
    }
}

// Rule 3: the function exists.

#[tokio::test]
async fn publish_on_a_missing_function_is_404_fss_1051_even_with_a_bad_body() {
    let app = app_with_hello().await;
    let a = app.publish(&urn("nobody", "latest"), None, 404).await;
    a.assert_error(404, "FSS.1051");
    assert_eq!(a.msg(), "Not found the function");
    // The function check comes before the body check (rule 3 before rule 4).
    app.publish(
        &urn("nobody", "latest"),
        Some(json!({"version": "latest"})),
        404,
    )
    .await
    .assert_error(404, "FSS.1051");
    // Another package is another function.
    app.publish(&format!("{PROJECT}:other:hello"), None, 404)
        .await
        .assert_error(404, "FSS.1051");
}

// Rule 4: version name and description.

#[tokio::test]
async fn publish_refuses_bad_version_names_with_fss_1015() {
    let app = app_with_hello().await;
    let long = "a".repeat(43);
    for bad in [
        "latest", "-v1", "v1-", ".v1", "v1.", "v 1", "v/1", "v:1", "v!1", "é", &long,
    ] {
        app.publish(&urn("hello", "latest"), Some(json!({"version": bad})), 400)
            .await
            .assert_error(400, "FSS.1015");
    }
    // The longest allowed name, and dots/underscores inside, are fine.
    let longest = format!("v{}", "a".repeat(41));
    let a = app
        .publish(
            &urn("hello", "latest"),
            Some(json!({"version": longest})),
            200,
        )
        .await;
    assert_eq!(a.body["version"], longest);
}

#[tokio::test]
async fn publish_refuses_a_description_over_512_characters_with_fss_1019() {
    let app = app_with_hello().await;
    app.publish(
        &urn("hello", "latest"),
        Some(json!({"version": "v1", "description": "x".repeat(513)})),
        400,
    )
    .await
    .assert_error(400, "FSS.1019");
    // 512 characters (multi-byte ones too) are accepted.
    let a = app
        .publish(
            &urn("hello", "latest"),
            Some(json!({"version": "v1", "description": "é".repeat(512)})),
            200,
        )
        .await;
    assert_eq!(a.body["version_description"], "é".repeat(512));
}

// Rule 5: digest.

#[tokio::test]
async fn publish_with_a_wrong_digest_is_fss_0400_naming_both_digests() {
    let app = app_with_hello().await;
    let latest = sha512_hex(b"print('v1')");
    let wrong = sha512_hex(b"something else");
    let a = app
        .publish(&urn("hello", "latest"), Some(json!({"digest": wrong})), 400)
        .await;
    a.assert_error(400, "FSS.0400");
    assert!(
        a.msg().contains(&wrong) && a.msg().contains(&latest),
        "{}",
        a.msg()
    );
    // The right digest (any case) publishes.
    let a = app
        .publish(
            &urn("hello", "latest"),
            Some(json!({"digest": latest.to_uppercase()})),
            200,
        )
        .await;
    assert_eq!(a.body["digest"], latest);
}

#[tokio::test]
async fn absent_body_empty_object_and_empty_digest_all_publish_latest() {
    let app = TestApp::spawn_with(no_unchanged_check()).await;
    app.create_function("hello", "code", 200).await;
    let bodies: [Option<Value>; 4] = [
        None,
        Some(json!({})),
        Some(json!({"digest": ""})),
        Some(json!({"digest": null, "version": null, "description": null})),
    ];
    for body in bodies {
        let a = app.publish(&urn("hello", "latest"), body, 200).await;
        assert_eq!(a.body["digest"], sha512_hex(b"code"));
        app.advance(1);
    }
    // A body of whitespace is an absent body.
    let path = TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest")));
    let a = app
        .raw(
            "POST",
            &path,
            &[("X-Auth-Token", "t"), ("Content-Type", "application/json")],
            "  \n",
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

// Rule 6: unchanged since the newest version.

#[tokio::test]
async fn publishing_unchanged_latest_is_fss_1016_until_the_code_changes() {
    let app = app_with_hello().await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v1"})), 200)
        .await;
    let a = app
        .publish(&urn("hello", "latest"), Some(json!({"version": "v2"})), 400)
        .await;
    a.assert_error(400, "FSS.1016");
    assert!(a.msg().starts_with(
        "The function cannot be published because no changes have been made since last publication."
    ));
    app.update_code("hello", "print('v2')", 200).await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v2"})), 200)
        .await;
    // Going back to v1's code is a change relative to the newest version (v2).
    app.update_code("hello", "print('v1')", 200).await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v3"})), 200)
        .await;
}

#[tokio::test]
async fn the_unchanged_check_can_be_switched_off() {
    let app = TestApp::spawn_with(no_unchanged_check()).await;
    app.create_function("hello", "x", 200).await;
    for v in ["v1", "v2", "v3"] {
        app.publish(&urn("hello", "latest"), Some(json!({"version": v})), 200)
            .await;
    }
}

// Rule 7: name taken.

#[tokio::test]
async fn a_taken_version_name_is_409_fss_1062() {
    let app = app_with_hello().await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("hello", "changed", 200).await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v1"})), 409)
        .await
        .assert_error(409, "FSS.1062");
}

#[tokio::test]
async fn two_default_names_in_the_same_second_collide_with_fss_1062() {
    let app = TestApp::spawn_with(no_unchanged_check()).await;
    app.create_function("hello", "x", 200).await;
    app.publish(&urn("hello", "latest"), None, 200).await;
    app.publish(&urn("hello", "latest"), None, 409)
        .await
        .assert_error(409, "FSS.1062");
    app.advance(1);
    let a = app.publish(&urn("hello", "latest"), None, 200).await;
    assert_eq!(a.body["version"], "v20261128-193016");
}

// Rule 8: the cap.

#[tokio::test]
async fn the_eleventh_version_is_403_fss_1042_and_latest_does_not_count() {
    let app = TestApp::spawn_with(no_unchanged_check()).await;
    app.create_function("hello", "x", 200).await;
    for i in 1..=10 {
        app.publish(
            &urn("hello", "latest"),
            Some(json!({"version": format!("v{i}")})),
            200,
        )
        .await;
    }
    let a = app
        .publish(
            &urn("hello", "latest"),
            Some(json!({"version": "v11"})),
            403,
        )
        .await;
    a.assert_error(403, "FSS.1042");
    assert!(
        a.msg()
            .starts_with("The number of versions exceeds the maximum allowed limit.")
    );
    // The cap is checked after the name: a taken name is still 409.
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v1"})), 409)
        .await;
}

#[tokio::test]
async fn the_cap_follows_limits_max_versions() {
    let mut config = no_unchanged_check();
    config.limits.max_versions = 2;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "a"})), 200)
        .await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "b"})), 200)
        .await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "c"})), 403)
        .await
        .assert_error(403, "FSS.1042");
}

// Rule 9: the answer.

#[tokio::test]
async fn a_publish_answers_the_full_version_object() {
    let app = app_with_hello().await;
    let a = app
        .publish(
            &urn("hello", "latest"),
            Some(json!({"version": "v1", "description": "first release"})),
            200,
        )
        .await;
    assert_eq!(a.content_type.as_deref(), Some("application/json"));
    assert!(a.request_id.is_some());
    let b = &a.body;
    // Every key of SPEC section 3, with its JSON type.
    let strings = [
        "func_urn",
        "func_name",
        "domain_id",
        "user_domain",
        "namespace",
        "project_name",
        "package",
        "runtime",
        "handler",
        "code_type",
        "code_url",
        "code_filename",
        "user_data",
        "encrypted_user_data",
        "digest",
        "version",
        "image_name",
        "xrole",
        "app_xrole",
        "dependency_pkg",
        "description",
        "version_description",
        "last_modified",
        "extend_config",
        "initializer_handler",
        "pre_stop_handler",
        "enterprise_project_id",
        "log_group_id",
        "log_stream_id",
        "type",
    ];
    for k in strings {
        assert!(b[k].is_string(), "{k} should be a string: {}", b[k]);
    }
    let ints = [
        "timeout",
        "memory_size",
        "cpu",
        "code_size",
        "initializer_timeout",
    ];
    for k in ints {
        assert!(b[k].is_i64(), "{k} should be an integer: {}", b[k]);
    }
    // Left out without a pre-stop hook, as the real service does (Go clients declare it a
    // string and fail on a number).
    assert!(
        b.get("pre_stop_timeout").is_none(),
        "pre_stop_timeout without a hook"
    );
    for k in ["long_time", "enable_dynamic_memory"] {
        assert!(b[k].is_boolean(), "{k} should be a boolean");
    }
    for k in [
        "func_vpc",
        "mount_config",
        "depend_list",
        "dependencies",
        "function_async_config",
    ] {
        assert!(b.get(k).is_some(), "{k} must be present");
        assert!(b[k].is_null() || b[k].is_object() || b[k].is_array(), "{k}");
    }
    assert!(b["func_code"]["file"].is_string() && b["func_code"]["link"].is_string());
    assert!(b["strategy_config"]["concurrency"].is_i64());
    assert!(b["strategy_config"]["concurrent_num"].is_i64());

    // The values.
    assert_eq!(b["func_urn"], urn("hello", "v1"));
    assert_eq!(b["version"], "v1");
    assert_eq!(b["version_description"], "first release");
    assert_eq!(b["description"], "a test function");
    assert_eq!(b["digest"], sha512_hex(b"print('v1')"));
    assert_eq!(b["code_size"], "print('v1')".len());
    assert_eq!(b["memory_size"], 256);
    assert_eq!(b["cpu"], 256 / 128 * 100 + 200);
    assert_eq!(b["namespace"], PROJECT);
    assert_eq!(b["project_name"], REGION);
    assert_eq!(b["domain_id"], "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0");
    assert_eq!(b["user_domain"], "tester");
    assert_eq!(b["last_modified"], "2026-11-28T19:30:15+08:00");
    let image = b["image_name"].as_str().unwrap();
    let (head, tail) = image.split_once('@').expect("image_name has an @");
    assert_eq!(head, "v1-261128193015");
    assert!(
        tail.len() == 5
            && tail
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
}

#[tokio::test]
async fn the_publish_response_matches_its_snapshot() {
    let app = app_with_hello().await;
    let a = app
        .publish(
            &urn("hello", "latest"),
            Some(json!({"description": "snap"})),
            200,
        )
        .await;
    insta::assert_json_snapshot!("publish_response", a.body);
}

#[tokio::test]
async fn default_version_names_come_from_the_clock_at_the_configured_offset() {
    let app = app_with_hello().await;
    let a = app.publish(&urn("hello", "latest"), None, 200).await;
    assert_eq!(a.body["version"], "v20261128-193015");
    assert_eq!(a.body["func_urn"], urn("hello", "v20261128-193015"));

    let mut config = base_config();
    config.clock.utc_offset = "-05:00".into();
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    let a = app.publish(&urn("hello", "latest"), None, 200).await;
    assert_eq!(a.body["version"], "v20261128-063015");
    assert_eq!(a.body["last_modified"], "2026-11-28T06:30:15-05:00");
}

#[tokio::test]
async fn a_version_keeps_the_code_it_was_published_with() {
    let app = app_with_hello().await;
    app.publish(&urn("hello", "latest"), Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("hello", "print('v2')", 200).await;
    let v1 = app.show_config(&urn("hello", "v1"), 200).await;
    assert_eq!(v1.body["digest"], sha512_hex(b"print('v1')"));
    let latest = app.show_config(&urn("hello", "latest"), 200).await;
    assert_eq!(latest.body["digest"], sha512_hex(b"print('v2')"));
}
