//! Aliases: create, list, show, update, delete, and every rule with its code.

use serde_json::{Value, json};

use crate::helpers::*;

/// `hello` with versions v1, v2, v3 published.
async fn app_with_versions() -> TestApp {
    let mut config = base_config();
    config.behavior.reject_unchanged_publish = false;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    for v in ["v1", "v2", "v3"] {
        app.publish("hello", Some(json!({"version": v})), 200).await;
    }
    app
}

#[tokio::test]
async fn create_show_list_update_delete() {
    let app = app_with_versions().await;
    let a = app
        .create_alias(
            "hello",
            json!({"name": "prod", "version": "v1", "description": "live",
                   "additional_version_weights": {"v2": 10}}),
            200,
        )
        .await;
    let expected = json!({
        "name": "prod",
        "version": "v1",
        "description": "live",
        "last_modified": "2026-11-28T19:30:15+08:00",
        "alias_urn": urn("hello", "!prod"),
        "additional_version_weights": {"v2": 10},
        "additional_version_strategy": null,
    });
    assert_eq!(a.body, expected);
    assert_eq!(
        app.alias("GET", "hello", "prod", None, 200).await.body,
        expected
    );
    let list = app.on("GET", "hello", "/aliases", None, 200).await;
    assert_eq!(list.body, json!([expected]), "a bare array");

    // PUT replaces: omitted weights are cleared.
    app.advance(1);
    let a = app
        .alias(
            "PUT",
            "hello",
            "prod",
            Some(json!({"version": "v2", "description": "moved"})),
            200,
        )
        .await;
    assert_eq!(a.body["version"], "v2");
    assert_eq!(a.body["description"], "moved");
    assert_eq!(a.body["additional_version_weights"], Value::Null);
    assert_eq!(a.body["last_modified"], "2026-11-28T19:30:16+08:00");

    let a = app.alias("DELETE", "hello", "prod", None, 204).await;
    assert_eq!(a.text, "");
    app.alias("GET", "hello", "prod", None, 404)
        .await
        .assert_error(404, "FSS.1053");
    app.alias("DELETE", "hello", "prod", None, 404)
        .await
        .assert_error(404, "FSS.1053");
    app.alias("PUT", "hello", "prod", Some(json!({"version": "v1"})), 404)
        .await
        .assert_error(404, "FSS.1053");
    assert_eq!(
        app.on("GET", "hello", "/aliases", None, 200).await.body,
        json!([])
    );
}

#[tokio::test]
async fn alias_urns_read_config_and_code_raw_and_encoded() {
    let app = app_with_versions().await;
    app.create_alias("hello", json!({"name": "prod", "version": "v2"}), 200)
        .await;
    for form in [
        urn("hello", "!prod"),
        encoded(&urn("hello", "!prod")),
        format!("{PROJECT}:default:hello:!prod"),
        format!("{PROJECT}%3Adefault%3Ahello%3A%21prod"),
    ] {
        let a = app.show_config(&form, 200).await;
        assert_eq!(a.body["version"], "v2", "{form}");
        assert_eq!(a.body["func_urn"], urn("hello", "v2"), "{form}");
        app.show_code(&form, 200).await;
    }
    app.show_config(&urn("hello", "!nope"), 404)
        .await
        .assert_error(404, "FSS.1053");
    // An alias on latest reads latest.
    app.create_alias("hello", json!({"name": "edge", "version": "latest"}), 200)
        .await;
    let a = app.show_config(&urn("hello", "!edge"), 200).await;
    assert_eq!(a.body["version"], "latest");
}

#[tokio::test]
async fn alias_rules_answer_with_their_codes() {
    let app = app_with_versions().await;
    app.create_alias("hello", json!({"name": "taken", "version": "v3"}), 200)
        .await;
    let cases = [
        ("no name", json!({"version": "v1"}), 400, "FSS.1014"),
        (
            "bad name",
            json!({"name": "1prod", "version": "v1"}),
            400,
            "FSS.1014",
        ),
        (
            "name with !",
            json!({"name": "!prod", "version": "v1"}),
            400,
            "FSS.1014",
        ),
        (
            "long name",
            json!({"name": format!("a{}", "b".repeat(64)), "version": "v1"}),
            400,
            "FSS.1014",
        ),
        ("no version", json!({"name": "p"}), 400, "FSS.1015"),
        (
            "missing major",
            json!({"name": "p", "version": "v9"}),
            400,
            "FSS.1015",
        ),
        (
            "long description",
            json!({"name": "p", "version": "v1", "description": "d".repeat(513)}),
            400,
            "FSS.1019",
        ),
        (
            "duplicate name",
            json!({"name": "taken", "version": "v1"}),
            409,
            "FSS.1063",
        ),
        (
            "version has an alias",
            json!({"name": "p", "version": "v3"}),
            409,
            "FSS.1066",
        ),
        (
            "two additional versions",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"v2": 10, "v3": 10}}),
            400,
            "FSS.1091",
        ),
        (
            "additional latest",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"latest": 10}}),
            400,
            "FSS.1091",
        ),
        (
            "additional missing",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"v9": 10}}),
            400,
            "FSS.1091",
        ),
        (
            "weight over 100",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"v2": 101}}),
            400,
            "FSS.1092",
        ),
        (
            "negative weight",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"v2": -1}}),
            400,
            "FSS.1092",
        ),
        (
            "fractional weight",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"v2": 10.5}}),
            400,
            "FSS.1092",
        ),
        (
            "string weight",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"v2": "10"}}),
            400,
            "FSS.1092",
        ),
        (
            "weights as a list",
            json!({"name": "p", "version": "v1", "additional_version_weights": [10]}),
            400,
            "FSS.1092",
        ),
        (
            "additional is major",
            json!({"name": "p", "version": "v1", "additional_version_weights": {"v1": 10}}),
            400,
            "FSS.1093",
        ),
        (
            "strategy and weights disagree",
            json!({"name": "p", "version": "v1",
            "additional_version_weights": {"v2": 10},
            "additional_version_strategy": {"v3": {"combine_type": "and", "rules": [{"rule_type": "Header", "param": "x", "op": "=", "value": "1"}]}}}),
            400,
            "FSS.1091",
        ),
        (
            "strategy on major",
            json!({"name": "p", "version": "v1",
            "additional_version_strategy": {"v1": {"combine_type": "and", "rules": [{"rule_type": "Header", "param": "x", "op": "=", "value": "1"}]}}}),
            400,
            "FSS.1093",
        ),
        (
            "strategy bad combine",
            json!({"name": "p", "version": "v1",
            "additional_version_strategy": {"v2": {"combine_type": "xor", "rules": [{"rule_type": "Header", "param": "x", "op": "=", "value": "1"}]}}}),
            400,
            "FSS.0400",
        ),
        (
            "strategy no rules",
            json!({"name": "p", "version": "v1",
            "additional_version_strategy": {"v2": {"combine_type": "or", "rules": []}}}),
            400,
            "FSS.0400",
        ),
        (
            "strategy bad op",
            json!({"name": "p", "version": "v1",
            "additional_version_strategy": {"v2": {"combine_type": "or", "rules": [{"rule_type": "Header", "param": "x", "op": "~", "value": "1"}]}}}),
            400,
            "FSS.0400",
        ),
    ];
    for (what, body, status, code) in cases {
        let a = app
            .on("POST", "hello", "/aliases", Some(body), status)
            .await;
        assert_eq!(a.code(), code, "{what}: {}", a.text);
        a.assert_error(status, code);
    }
    // None of them created anything.
    let list = app.on("GET", "hello", "/aliases", None, 200).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_valid_strategy_is_kept() {
    let app = app_with_versions().await;
    let strategy = json!({"v2": {"combine_type": "or", "rules": [
        {"rule_type": "Header", "param": "x-user", "op": "in", "value": "alice,bob"}]}});
    let a = app
        .create_alias(
            "hello",
            json!({"name": "canary", "version": "v1", "additional_version_strategy": strategy}),
            200,
        )
        .await;
    assert_eq!(a.body["additional_version_strategy"], strategy);
    assert_eq!(a.body["additional_version_weights"], Value::Null);
    // A weight of 0 and of 100 are both allowed.
    for w in [0, 100] {
        let a = app
            .alias(
                "PUT",
                "hello",
                "canary",
                Some(json!({"version": "v1", "additional_version_weights": {"v3": w}})),
                200,
            )
            .await;
        assert_eq!(a.body["additional_version_weights"], json!({"v3": w}));
    }
}

#[tokio::test]
async fn the_alias_cap_is_403_fss_1043() {
    let mut config = base_config();
    config.behavior.reject_unchanged_publish = false;
    config.limits.max_aliases = 2;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    for v in ["v1", "v2", "v3"] {
        app.publish("hello", Some(json!({"version": v})), 200).await;
    }
    app.create_alias("hello", json!({"name": "a", "version": "v1"}), 200)
        .await;
    app.create_alias("hello", json!({"name": "b", "version": "v2"}), 200)
        .await;
    app.create_alias("hello", json!({"name": "c", "version": "v3"}), 403)
        .await
        .assert_error(403, "FSS.1043");
}

#[tokio::test]
async fn one_alias_per_version_also_on_update_and_for_latest() {
    let app = app_with_versions().await;
    app.create_alias("hello", json!({"name": "a", "version": "v1"}), 200)
        .await;
    app.create_alias("hello", json!({"name": "b", "version": "v2"}), 200)
        .await;
    app.alias("PUT", "hello", "b", Some(json!({"version": "v1"})), 409)
        .await
        .assert_error(409, "FSS.1066");
    // Updating an alias to its own version is fine.
    app.alias("PUT", "hello", "b", Some(json!({"version": "v2"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "c", "version": "latest"}), 200)
        .await;
    app.create_alias("hello", json!({"name": "d", "version": "latest"}), 409)
        .await
        .assert_error(409, "FSS.1066");
    // Aliases of a missing function.
    app.create_alias("nobody", json!({"name": "a", "version": "v1"}), 404)
        .await
        .assert_error(404, "FSS.1051");
}
