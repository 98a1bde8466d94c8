//! ListQuotas (`GET /v2/{project_id}/fgs/quotas`): the project's `[limits]` with what it
//! uses, in the SDK's `{quotas: {resources: [{quota, used, type, unit}]}}` shape.

use serde_json::{Value, json};

use crate::helpers::*;

async fn quotas(app: &TestApp, project: &str) -> Value {
    let a = app
        .call("GET", &format!("/v2/{project}/fgs/quotas"), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.body
}

/// The resource of one type.
fn of<'a>(body: &'a Value, kind: &str) -> &'a Value {
    body["quotas"]["resources"]
        .as_array()
        .expect("resources is a list")
        .iter()
        .find(|r| r["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {body}"))
}

#[tokio::test]
async fn quotas_are_the_limits_with_what_the_project_uses() {
    let mut config = base_config();
    config.limits.max_functions = 7;
    config.limits.max_versions = 4;
    config.limits.max_aliases = 3;
    config.limits.max_code_bytes = 2 * 1024 * 1024;
    config.limits.max_reserved_instances = 9;
    let app = TestApp::spawn_with(config).await;

    // An empty project uses nothing.
    let empty = quotas(&app, PROJECT).await;
    assert_eq!(
        empty,
        json!({"quotas": {"resources": [
            {"quota": 9, "used": 0, "type": "fgs_func_occurs"},
            {"quota": 7, "used": 0, "type": "fgs_func_num"},
            {"quota": 14, "used": 0, "type": "fgs_func_code_size", "unit": "MB"},
            {"quota": 4, "used": 0, "type": "fgs_func_version_num"},
            {"quota": 3, "used": 0, "type": "fgs_func_alias_num"},
        ]}})
    );

    app.create_function("hello", "print(1)", 200).await;
    app.create_function("other", "print(2)", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("hello", "print(3)", 200).await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    app.publish("other", Some(json!({"version": "v1"})), 200)
        .await;
    for (urn_in_path, count) in [("hello", 2), ("other", 3)] {
        let a = app
            .call(
                "PUT",
                &TestApp::fgs(&format!("/functions/{urn_in_path}/reservedinstances")),
                Some(json!({"count": count})),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
    }
    let body = quotas(&app, PROJECT).await;
    assert_eq!(of(&body, "fgs_func_num")["used"], 2);
    assert_eq!(of(&body, "fgs_func_occurs")["used"], 5);
    // A few bytes of code round up to 1 MB.
    assert_eq!(of(&body, "fgs_func_code_size")["used"], 1);
    // Per-function limits: the busiest function's use.
    assert_eq!(of(&body, "fgs_func_version_num")["used"], 2);
    assert_eq!(of(&body, "fgs_func_alias_num")["used"], 1);
    // Terraform's fgs_quotas test: only fgs_func_code_size carries a unit, and it is MB.
    let with_unit: Vec<&Value> = body["quotas"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("unit").is_some())
        .collect();
    assert_eq!(with_unit.len(), 1);
    assert_eq!(with_unit[0]["type"], "fgs_func_code_size");

    // Per project: another project uses nothing.
    let elsewhere = quotas(&app, "fedcba9876543210fedcba9876543210").await;
    assert_eq!(of(&elsewhere, "fgs_func_num")["used"], 0);
    assert_eq!(of(&elsewhere, "fgs_func_occurs")["used"], 0);

    // Deleting gives the quota back.
    app.delete("other", 204).await;
    let body = quotas(&app, PROJECT).await;
    assert_eq!(of(&body, "fgs_func_num")["used"], 1);
    assert_eq!(of(&body, "fgs_func_occurs")["used"], 2);
}

#[tokio::test]
async fn huge_limits_read_as_the_largest_32_bit_number_and_bad_projects_are_400() {
    let mut config = base_config();
    config.limits.max_functions = usize::MAX;
    let app = TestApp::spawn_with(config).await;
    let body = quotas(&app, PROJECT).await;
    assert_eq!(of(&body, "fgs_func_num")["quota"], i32::MAX);
    assert_eq!(of(&body, "fgs_func_code_size")["quota"], i32::MAX);

    let a = app.call("GET", "/v2/not-a-project!/fgs/quotas", None).await;
    a.assert_error(400, "FSS.0400");
    let a = app.raw("GET", &TestApp::fgs("/quotas"), &[], "").await;
    a.assert_error(401, "FSS.0401");
}
