//! The lifecycle around versions: list functions, list versions, show code, update config,
//! delete; and the immutability of published versions.

use serde_json::{Value, json};

use crate::helpers::*;

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is a list: {list}"))
        .iter()
        .map(|f| f[field].as_str().unwrap().to_owned())
        .collect()
}

fn unchecked() -> fgs_emulator::config::Config {
    let mut c = base_config();
    c.behavior.reject_unchanged_publish = false;
    c
}

#[tokio::test]
async fn list_functions_pages_by_offset_in_creation_order() {
    let app = TestApp::spawn().await;
    for n in ["f1", "f2", "f3", "f4", "f5"] {
        app.create_function(n, n, 200).await;
    }
    let all = app.list_functions("", 200).await;
    assert_eq!(
        names(&all.body, "functions", "func_name"),
        ["f1", "f2", "f3", "f4", "f5"]
    );
    assert_eq!(all.body["count"], 5);
    // The last page's next_marker is the offset after it: count (never 0).
    assert_eq!(all.body["next_marker"], 5);
    assert_eq!(all.body["functions"][0]["func_urn"], urn("f1", "latest"));
    assert_eq!(all.body["functions"][0]["digest"], sha512_hex(b"f1"));

    let pages = [
        ("maxitems=2", vec!["f1", "f2"], 2),
        ("marker=2&maxitems=2", vec!["f3", "f4"], 4),
        ("marker=4&maxitems=2", vec!["f5"], 5),
        ("marker=10", vec![], 5),
        ("maxitems=0", vec!["f1", "f2", "f3", "f4", "f5"], 5),
        ("maxitems=1000", vec!["f1", "f2", "f3", "f4", "f5"], 5),
    ];
    for (query, expected, next) in pages {
        let a = app.list_functions(query, 200).await;
        assert_eq!(
            names(&a.body, "functions", "func_name"),
            expected,
            "{query}"
        );
        assert_eq!(a.body["next_marker"], next, "{query}");
        assert_eq!(a.body["count"], 5, "{query}");
    }
    for bad in [
        "maxitems=-1",
        "marker=-1",
        "maxitems=abc",
        "marker=1.5",
        "marker=",
        "maxitems= 5",
        "maxitems=9223372036854775808",
    ] {
        app.list_functions(bad, 400)
            .await
            .assert_error(400, "FSS.0400");
    }
}

#[tokio::test]
async fn list_functions_filters_by_package_and_name() {
    let app = TestApp::spawn().await;
    app.create_function("orders-api", "x", 200).await;
    app.create_function("orders-worker", "x", 200).await;
    app.create_function("billing", "x", 200).await;
    let mut body = create_body("orders-api", "x");
    body["package"] = json!("shop");
    app.call("POST", &TestApp::fgs("/functions"), Some(body))
        .await;

    let a = app.list_functions("package_name=shop", 200).await;
    assert_eq!(
        names(&a.body, "functions", "func_urn"),
        [format!(
            "urn:fss:{REGION}:{PROJECT}:function:shop:orders-api:latest"
        )]
    );
    assert_eq!(a.body["count"], 1);
    let a = app.list_functions("func_name=orders", 200).await;
    assert_eq!(a.body["count"], 3);
    let a = app
        .list_functions("func_name=orders&package_name=default&maxitems=1", 200)
        .await;
    assert_eq!(names(&a.body, "functions", "func_name"), ["orders-api"]);
    assert_eq!(a.body["count"], 2);
    assert_eq!(a.body["next_marker"], 1);
    // Another project sees none of them.
    let other = app
        .call("GET", "/v2/another-project/fgs/functions", None)
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["count"], 0);
    assert_eq!(other.body["functions"], json!([]));
}

#[tokio::test]
async fn the_function_limit_is_403_fss_1041_and_a_delete_frees_a_slot() {
    let mut config = base_config();
    config.limits.max_functions = 2;
    let app = TestApp::spawn_with(config).await;
    app.create_function("a", "x", 200).await;
    app.create_function("b", "x", 200).await;
    app.create_function("c", "x", 403)
        .await
        .assert_error(403, "FSS.1041");
    // The limit is per project.
    let a = app
        .call(
            "POST",
            "/v2/other/fgs/functions",
            Some(create_body("c", "x")),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    app.delete("a", 204).await;
    app.create_function("c", "x", 200).await;
}

#[tokio::test]
async fn list_versions_puts_latest_first_and_pages() {
    let app = TestApp::spawn_with(unchecked()).await;
    app.create_function("hello", "x", 200).await;
    for v in ["v1", "v2", "v3"] {
        app.publish("hello", Some(json!({"version": v})), 200).await;
    }
    app.create_alias("hello", json!({"name": "prod", "version": "v2"}), 200)
        .await;
    // Any URN of the function lists all of it: unqualified, latest, a version, an alias.
    for form in [
        "hello".to_owned(),
        urn("hello", "latest"),
        encoded(&urn("hello", "latest")),
        urn("hello", "v1"),
        urn("hello", "!prod"),
    ] {
        let a = app.list_versions(&form, "", 200).await;
        assert_eq!(
            names(&a.body, "versions", "version"),
            ["latest", "v1", "v2", "v3"],
            "{form}"
        );
        assert_eq!(a.body["count"], 4);
        assert_eq!(a.body["next_marker"], 4);
    }
    let a = app.list_versions("hello", "marker=1&maxitems=2", 200).await;
    assert_eq!(names(&a.body, "versions", "version"), ["v1", "v2"]);
    assert_eq!(a.body["next_marker"], 3);
    assert_eq!(a.body["versions"][0]["func_urn"], urn("hello", "v1"));
    let a = app.list_versions("hello", "marker=3&maxitems=2", 200).await;
    assert_eq!(names(&a.body, "versions", "version"), ["v3"]);
    assert_eq!(a.body["next_marker"], 4);
    app.list_versions("hello", "maxitems=-2", 400)
        .await
        .assert_error(400, "FSS.0400");
    app.list_versions("nobody", "", 404)
        .await
        .assert_error(404, "FSS.1051");
}

#[tokio::test]
async fn show_code_returns_each_versions_own_code() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('one')", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("hello", "print('two')", 200).await;
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    let cases = [
        (urn("hello", "latest"), "print('two')"),
        ("hello".to_owned(), "print('two')"),
        (urn("hello", "v1"), "print('one')"),
        (urn("hello", "!prod"), "print('one')"),
        (encoded(&urn("hello", "!prod")), "print('one')"),
    ];
    for (form, code) in cases {
        let a = app.show_code(&form, 200).await;
        assert_eq!(a.body["func_code"]["file"], b64(code), "{form}");
        assert_eq!(a.body["digest"], sha512_hex(code.as_bytes()), "{form}");
        assert_eq!(a.body["code_size"], code.len(), "{form}");
    }
    app.show_code(&urn("hello", "v9"), 404)
        .await
        .assert_error(404, "FSS.1052");
    app.show_code(&urn("hello", "!nope"), 404)
        .await
        .assert_error(404, "FSS.1053");
    // Show config leaves the code out.
    let a = app.show_config("hello", 200).await;
    assert_eq!(a.body["func_code"]["file"], "");
}

#[tokio::test]
async fn update_config_on_latest_changes_the_function_and_counts_as_a_change() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.publish("hello", Some(json!({"version": "v2"})), 400)
        .await
        .assert_error(400, "FSS.1016");
    app.advance(5);
    let a = app
        .update_config(
            "hello",
            json!({"memory_size": 512, "timeout": 60, "description": "bigger",
                   "user_data": "{\"A\":\"1\"}"}),
            200,
        )
        .await;
    assert_eq!(a.body["memory_size"], 512);
    assert_eq!(a.body["cpu"], 600);
    assert_eq!(a.body["timeout"], 60);
    assert_eq!(a.body["description"], "bigger");
    assert_eq!(a.body["last_modified"], "2026-11-28T19:30:20+08:00");
    let shown = app.show_config("hello", 200).await;
    assert_eq!(shown.body["memory_size"], 512);
    assert_eq!(shown.body["user_data"], "{\"A\":\"1\"}");
    // A config-only change is a change: the publish now succeeds.
    let v2 = app
        .publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    assert_eq!(v2.body["memory_size"], 512);
    // Omitted optional fields keep their values.
    let a = app
        .update_config("hello", json!({"timeout": 61}), 200)
        .await;
    assert_eq!(a.body["user_data"], "{\"A\":\"1\"}");
    assert_eq!(a.body["description"], "bigger");
}

#[tokio::test]
async fn update_config_validates_like_create() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let cases = [
        (json!({"runtime": "Cobol"}), "FSS.1005"),
        (json!({"memory_size": 100}), "FSS.1007"),
        (json!({"timeout": 0}), "FSS.1008"),
        (json!({"handler": "nodot"}), "FSS.1003"),
        (json!({"description": "x".repeat(513)}), "FSS.1019"),
        (json!({"user_data": "[]"}), "FSS.1009"),
        (json!({"func_name": "renamed"}), "FSS.0400"),
        (json!({"timeout": "30"}), "FSS.0400"),
    ];
    for (change, code) in cases {
        app.update_config("hello", change.clone(), 400)
            .await
            .assert_error(400, code);
    }
    // Nothing changed.
    let a = app.show_config("hello", 200).await;
    assert_eq!(a.body["memory_size"], 256);
    app.update_config("nobody", json!({"func_name": "nobody"}), 404)
        .await
        .assert_error(404, "FSS.1051");
}

#[tokio::test]
async fn update_config_on_a_version_changes_its_config_never_its_code() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('v1')", 200).await;
    app.publish(
        "hello",
        Some(json!({"version": "v1", "description": "release one"})),
        200,
    )
    .await;
    let a = app
        .update_config(&urn("hello", "v1"), json!({"memory_size": 1024}), 200)
        .await;
    assert_eq!(a.body["func_urn"], urn("hello", "v1"));
    assert_eq!(a.body["memory_size"], 1024);
    assert_eq!(a.body["digest"], sha512_hex(b"print('v1')"));
    assert_eq!(a.body["version_description"], "release one");
    assert_eq!(
        app.show_config(&urn("hello", "v1"), 200).await.body["memory_size"],
        1024
    );
    assert_eq!(app.show_config("hello", 200).await.body["memory_size"], 256);
    app.update_config(&urn("hello", "v9"), json!({}), 404)
        .await
        .assert_error(404, "FSS.1052");
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    app.update_config(&urn("hello", "!prod"), json!({}), 400)
        .await
        .assert_error(400, "FSS.0400");
}

#[tokio::test]
async fn delete_unqualified_removes_the_function_with_its_versions_and_aliases() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    let a = app
        .delete(&urn("hello", "latest").replace(":latest", ""), 204)
        .await;
    assert_eq!(a.text, "", "204 has no body");
    assert!(a.request_id.is_some());
    app.show_config("hello", 404)
        .await
        .assert_error(404, "FSS.1051");
    app.show_config(&urn("hello", "v1"), 404)
        .await
        .assert_error(404, "FSS.1051");
    app.delete("hello", 404).await.assert_error(404, "FSS.1051");
    // A new function of the same name starts empty.
    app.create_function("hello", "x", 200).await;
    let a = app.list_versions("hello", "", 200).await;
    assert_eq!(a.body["count"], 1);
    let a = app.on("GET", "hello", "/aliases", None, 200).await;
    assert_eq!(a.body, json!([]));
}

#[tokio::test]
async fn delete_a_version_removes_its_aliases_and_frees_a_slot() {
    let mut config = unchecked();
    config.limits.max_versions = 2;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    app.publish("hello", Some(json!({"version": "v3"})), 403)
        .await
        .assert_error(403, "FSS.1042");
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    app.create_alias("hello", json!({"name": "dev", "version": "v2"}), 200)
        .await;
    app.delete(&urn("hello", "v1"), 204).await;
    let a = app.list_versions("hello", "", 200).await;
    assert_eq!(names(&a.body, "versions", "version"), ["latest", "v2"]);
    let aliases = app.on("GET", "hello", "/aliases", None, 200).await;
    assert_eq!(aliases.body.as_array().unwrap().len(), 1);
    assert_eq!(aliases.body[0]["name"], "dev");
    app.publish("hello", Some(json!({"version": "v3"})), 200)
        .await;
    app.delete(&urn("hello", "v1"), 404)
        .await
        .assert_error(404, "FSS.1052");
}

#[tokio::test]
async fn delete_through_an_alias_removes_the_version_it_points_to() {
    let app = TestApp::spawn_with(unchecked()).await;
    app.create_function("hello", "x", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    app.delete(&encoded(&urn("hello", "!prod")), 204).await;
    app.show_config(&urn("hello", "v1"), 404)
        .await
        .assert_error(404, "FSS.1052");
    app.alias("GET", "hello", "prod", None, 404)
        .await
        .assert_error(404, "FSS.1053");
    app.delete(&urn("hello", "!prod"), 404)
        .await
        .assert_error(404, "FSS.1053");
    // An alias on latest cannot delete latest.
    app.create_alias("hello", json!({"name": "edge", "version": "latest"}), 200)
        .await;
    app.delete(&urn("hello", "!edge"), 400)
        .await
        .assert_error(400, "FSS.0400");
}

#[tokio::test]
async fn latest_cannot_be_deleted_and_additional_versions_are_protected() {
    let app = TestApp::spawn_with(unchecked()).await;
    app.create_function("hello", "x", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    for form in [
        urn("hello", "latest"),
        format!("{PROJECT}:default:hello:latest"),
    ] {
        let a = app.delete(&form, 400).await;
        a.assert_error(400, "FSS.0400");
        assert!(a.msg().contains("latest"), "{}", a.msg());
    }
    app.create_alias(
        "hello",
        json!({"name": "prod", "version": "v1", "additional_version_weights": {"v2": 10}}),
        200,
    )
    .await;
    app.delete(&urn("hello", "v2"), 403)
        .await
        .assert_error(403, "FSS.1094");
    // Still there.
    app.show_config(&urn("hello", "v2"), 200).await;
    // Once the alias stops routing to v2, it can go.
    app.alias("PUT", "hello", "prod", Some(json!({"version": "v1"})), 200)
        .await;
    app.delete(&urn("hello", "v2"), 204).await;
}

#[tokio::test]
async fn after_deleting_the_newest_version_its_code_can_be_published_again() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('a')", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("hello", "print('b')", 200).await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    app.publish("hello", Some(json!({"version": "v3"})), 400)
        .await
        .assert_error(400, "FSS.1016");
    app.delete(&urn("hello", "v2"), 204).await;
    // The newest existing version is v1 (code a); latest (code b) is a change again.
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
}

#[tokio::test]
async fn published_versions_are_immutable() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print('one')", 200).await;
    app.publish(
        "hello",
        Some(json!({"version": "v1", "description": "first"})),
        200,
    )
    .await;
    app.update_code("hello", "print('two')", 200).await;
    app.publish(
        "hello",
        Some(json!({"version": "v2", "description": "second"})),
        200,
    )
    .await;
    let before: Vec<(Value, Value)> = futures_join(&app, &["v1", "v2"]).await;

    // Change latest's code and config, and v1's config.
    app.update_code("hello", "print('three')", 200).await;
    app.update_config(
        "hello",
        json!({"memory_size": 2048, "description": "changed"}),
        200,
    )
    .await;
    app.update_config(&urn("hello", "v1"), json!({"timeout": 99}), 200)
        .await;

    let after = futures_join(&app, &["v1", "v2"]).await;
    for ((config_before, code_before), (config_after, code_after)) in before.iter().zip(&after) {
        for key in ["digest", "code_size", "version_description", "func_urn"] {
            assert_eq!(config_before[key], config_after[key], "{key}");
        }
        assert_eq!(
            code_before["func_code"]["file"],
            code_after["func_code"]["file"]
        );
    }
    assert_eq!(after[0].0["digest"], sha512_hex(b"print('one')"));
    assert_eq!(after[0].0["version_description"], "first");
    assert_eq!(after[1].0["digest"], sha512_hex(b"print('two')"));
    assert_eq!(after[1].0["memory_size"], 256, "v2 keeps its config");
    assert_eq!(after[0].0["timeout"], 99, "v1's config was edited");
}

async fn futures_join(app: &TestApp, versions: &[&str]) -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    for v in versions {
        let config = app.show_config(&urn("hello", v), 200).await.body;
        let code = app.show_code(&urn("hello", v), 200).await.body;
        out.push((config, code));
    }
    out
}
