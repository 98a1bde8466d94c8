//! Reserved instances: UpdateFunctionReservedInstancesCount (`PUT {urn}/reservedinstances`),
//! ListReservedInstanceConfigs (`GET /functions/reservedinstanceconfigs`) and
//! ListFunctionReservedInstances (`GET /functions/reservedinstances`), as Terraform's
//! `huaweicloud_fgs_function` uses them: a policy per version (`latest` included) or alias,
//! read back with the function's `latest` URN.

use serde_json::{Value, json};

use crate::helpers::*;

/// `PUT {urn}/reservedinstances`.
async fn put(app: &TestApp, urn: &str, body: Value) -> Answer {
    app.call(
        "PUT",
        &TestApp::fgs(&format!("/functions/{urn}/reservedinstances")),
        Some(body),
    )
    .await
}

/// `GET /functions/reservedinstanceconfigs?{query}`; expects `status`.
async fn configs(app: &TestApp, query: &str, status: u16) -> Answer {
    let a = app
        .call(
            "GET",
            &TestApp::fgs(&format!("/functions/reservedinstanceconfigs?{query}")),
            None,
        )
        .await;
    assert_eq!(a.status, status, "configs?{query}: {}", a.text);
    a
}

/// `GET /functions/reservedinstances?{query}`; expects `status`.
async fn counts(app: &TestApp, query: &str, status: u16) -> Answer {
    let a = app
        .call(
            "GET",
            &TestApp::fgs(&format!("/functions/reservedinstances?{query}")),
            None,
        )
        .await;
    assert_eq!(a.status, status, "reservedinstances?{query}: {}", a.text);
    a
}

/// `qualifier_name`s of a configs answer, in order.
fn names(a: &Answer) -> Vec<String> {
    a.body["reserved_instances"]
        .as_array()
        .expect("reserved_instances is a list")
        .iter()
        .map(|p| p["qualifier_name"].as_str().unwrap().to_owned())
        .collect()
}

/// `hello` with version `v1` and alias `prod` -> v1.
async fn hello_with_v1_and_prod(app: &TestApp) {
    app.create_function("hello", "print(1)", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
}

fn cron_policy() -> Value {
    json!({
        "count": 1,
        "idle_mode": true,
        "tactics_config": {"cron_configs": [{
            "name": "scheme-waekcy", "cron": "0 */10 * * * ?", "count": 2,
            "start_time": 1708342889, "expired_time": 1739878889
        }]}
    })
}

#[tokio::test]
async fn terraform_sets_a_policy_on_latest_and_reads_it_back_with_the_latest_urn() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    // The provider's acceptance test: qualifier_type version, qualifier_name latest, with
    // a cron tactic; it PUTs on the URN the versions list gives for latest.
    let a = put(&app, &urn("hello", "latest"), cron_policy()).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"count": 1, "idle_mode": true, "tactics_config": {
            "cron_configs": [{"name": "scheme-waekcy", "cron": "0 */10 * * * ?", "count": 2,
                "start_time": 1708342889, "expired_time": 1739878889}],
            "metric_configs": null}})
    );
    let listed = configs(
        &app,
        &format!("function_urn={}", urn("hello", "latest")),
        200,
    )
    .await;
    assert_eq!(
        listed.body,
        json!({
            "reserved_instances": [{
                "function_urn": urn("hello", "latest"),
                "qualifier_type": "version",
                "qualifier_name": "latest",
                "min_count": 1,
                "idle_mode": true,
                "tactics_config": {
                    "cron_configs": [{"name": "scheme-waekcy", "cron": "0 */10 * * * ?",
                        "count": 2, "start_time": 1708342889, "expired_time": 1739878889}],
                    "metric_configs": null
                }
            }],
            "page_info": {"next_marker": 1, "previous_marker": 0, "current_count": 1},
            "count": 1
        })
    );
    // Step 2 of the provider's test: remove (count 0, idle off), then set count 2 without
    // tactics; the list then shows no tactics.
    let a = put(
        &app,
        &urn("hello", "latest"),
        json!({"count": 0, "idle_mode": false}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"count": 0, "idle_mode": false, "tactics_config": null})
    );
    assert_eq!(
        configs(
            &app,
            &format!("function_urn={}", urn("hello", "latest")),
            200
        )
        .await
        .body["count"],
        0,
        "count 0 removed the policy"
    );
    let a = put(
        &app,
        &urn("hello", "latest"),
        json!({"count": 2, "idle_mode": false}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    // The Go client pages with the next marker until a page comes back empty.
    let page2 = configs(
        &app,
        &format!("function_urn={}&marker=1", urn("hello", "latest")),
        200,
    )
    .await;
    assert_eq!(page2.body["reserved_instances"], json!([]));
    assert_eq!(page2.body["page_info"]["current_count"], 0);
    let page1 = configs(
        &app,
        &format!("function_urn={}", urn("hello", "latest")),
        200,
    )
    .await;
    assert_eq!(page1.body["reserved_instances"][0]["min_count"], 2);
    assert_eq!(page1.body["reserved_instances"][0]["idle_mode"], false);
    assert_eq!(
        page1.body["reserved_instances"][0]["tactics_config"],
        Value::Null
    );
}

#[tokio::test]
async fn policies_belong_to_versions_and_aliases_and_the_latest_urn_lists_them_all() {
    let app = TestApp::spawn().await;
    hello_with_v1_and_prod(&app).await;
    app.create_function("other", "print(2)", 200).await;
    // The unqualified URN means latest; raw and percent-encoded URNs both work.
    assert_eq!(put(&app, "hello", json!({"count": 1})).await.status, 200);
    let v1 = put(&app, &encoded(&urn("hello", "v1")), json!({"count": 2})).await;
    assert_eq!(v1.status, 200, "{}", v1.text);
    let prod = put(
        &app,
        &urn("hello", "!prod"),
        json!({"count": 3, "tactics_config": {"metric_configs": [
            {"name": "m1", "type": "Concurrency", "threshold": 60, "min": 1}]}}),
    )
    .await;
    assert_eq!(prod.status, 200, "{}", prod.text);
    assert_eq!(
        prod.body["tactics_config"],
        json!({"cron_configs": null, "metric_configs": [
            {"name": "m1", "type": "Concurrency", "threshold": 60, "min": 1}]})
    );
    assert_eq!(put(&app, "other", json!({"count": 4})).await.status, 200);

    // The function's latest URN (or its bare name): every version and alias of it.
    for filter in [
        urn("hello", "latest"),
        "hello".into(),
        format!("{PROJECT}:default:hello"),
    ] {
        let a = configs(&app, &format!("function_urn={filter}"), 200).await;
        assert_eq!(names(&a), ["latest", "v1", "prod"], "{filter}");
        assert_eq!(a.body["count"], 3);
    }
    let a = configs(
        &app,
        &format!("function_urn={}", urn("hello", "latest")),
        200,
    )
    .await;
    let items = a.body["reserved_instances"].as_array().unwrap();
    assert_eq!(items[1]["function_urn"], urn("hello", "v1"));
    assert_eq!(items[1]["qualifier_type"], "version");
    assert_eq!(items[2]["function_urn"], urn("hello", "!prod"));
    assert_eq!(items[2]["qualifier_type"], "alias");
    assert_eq!(items[2]["min_count"], 3);
    // One version or alias.
    let a = configs(
        &app,
        &format!("function_urn={}", encoded(&urn("hello", "v1"))),
        200,
    )
    .await;
    assert_eq!(names(&a), ["v1"]);
    let a = configs(
        &app,
        &format!("function_urn={}", encoded(&urn("hello", "!prod"))),
        200,
    )
    .await;
    assert_eq!(names(&a), ["prod"]);
    // No filter: the whole project, functions in creation order.
    let a = configs(&app, "", 200).await;
    assert_eq!(names(&a), ["latest", "v1", "prod", "latest"]);
    assert_eq!(
        a.body["reserved_instances"][3]["function_urn"],
        urn("other", "latest")
    );

    // Setting a policy again replaces it in place.
    assert_eq!(
        put(
            &app,
            &urn("hello", "v1"),
            json!({"count": 5, "idle_mode": true})
        )
        .await
        .status,
        200
    );
    let a = configs(&app, "function_urn=hello", 200).await;
    assert_eq!(names(&a), ["latest", "v1", "prod"]);
    assert_eq!(a.body["reserved_instances"][1]["min_count"], 5);
    assert_eq!(a.body["reserved_instances"][1]["idle_mode"], true);

    // ListFunctionReservedInstances: `reservedinstances`, one word, as the SDK's model.
    let a = counts(&app, &format!("urn={}", urn("hello", "latest")), 200).await;
    assert_eq!(
        a.body,
        json!({
            "reservedinstances": [
                {"func_urn": urn("hello", "latest"), "count": 1},
                {"func_urn": urn("hello", "v1"), "count": 5},
                {"func_urn": urn("hello", "!prod"), "count": 3},
            ],
            "page_info": {"next_marker": 3, "previous_marker": 0, "current_count": 3},
            "count": 3
        })
    );
    let a = counts(
        &app,
        &format!("urn={}", encoded(&urn("hello", "!prod"))),
        200,
    )
    .await;
    assert_eq!(
        a.body["reservedinstances"],
        json!([{"func_urn": urn("hello", "!prod"), "count": 3}])
    );
    assert_eq!(counts(&app, "", 200).await.body["count"], 4);

    // count 0 removes just that one; count 0 where there is none is a no-op.
    let a = put(&app, &urn("hello", "v1"), json!({"count": 0})).await;
    assert_eq!(
        a.body,
        json!({"count": 0, "idle_mode": false, "tactics_config": null})
    );
    let a = put(&app, &urn("hello", "v1"), json!({"count": 0})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        names(&configs(&app, "function_urn=hello", 200).await),
        ["latest", "prod"]
    );
}

#[tokio::test]
async fn each_invalid_body_is_refused_naming_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    assert_eq!(put(&app, "hello", cron_policy()).await.status, 200);
    let before = configs(&app, "", 200).await.body;
    let cron = |change: Value| {
        let mut c = json!({"name": "c", "cron": "0 */10 * * * ?", "count": 2,
            "start_time": 100, "expired_time": 200});
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        json!({"count": 1, "tactics_config": {"cron_configs": [c]}})
    };
    let metric = |m: Value| json!({"count": 1, "tactics_config": {"metric_configs": [m]}});
    let cases = [
        (json!({}), "count", "count is required"),
        (json!({"count": null}), "count", "count null"),
        (json!({"count": -1}), "count", "negative count"),
        (json!({"count": "two"}), "count", "count a string"),
        (json!({"count": 1.5}), "count", "count a fraction"),
        (
            json!({"count": 1, "idle_mode": "yes"}),
            "idle_mode",
            "idle_mode not a bool",
        ),
        (
            json!({"count": 1, "tactics_config": []}),
            "tactics_config",
            "tactics not an object",
        ),
        (
            json!({"count": 1, "tactics_config": {"cron_configs": {}}}),
            "cron_configs",
            "cron_configs not a list",
        ),
        (
            cron(json!({"name": null})),
            "cron_configs[0].name",
            "cron without a name",
        ),
        (
            cron(json!({"name": ""})),
            "cron_configs[0].name",
            "cron with an empty name",
        ),
        (
            cron(json!({"name": "x".repeat(65)})),
            "cron_configs[0].name",
            "cron name too long",
        ),
        (
            cron(json!({"cron": null})),
            "cron_configs[0].cron",
            "cron without an expression",
        ),
        (
            cron(json!({"cron": "every minute"})),
            "cron_configs[0].cron",
            "cron not an expression",
        ),
        (
            cron(json!({"cron": "* * * * *"})),
            "cron_configs[0].cron",
            "cron of five fields",
        ),
        (
            cron(json!({"count": null})),
            "cron_configs[0].count",
            "cron without a count",
        ),
        (
            cron(json!({"count": -1})),
            "cron_configs[0].count",
            "cron with a negative count",
        ),
        (
            cron(json!({"count": 101})),
            "cron_configs[0].count",
            "cron count over the quota",
        ),
        (
            cron(json!({"start_time": null})),
            "cron_configs[0].start_time",
            "cron without a start",
        ),
        (
            cron(json!({"start_time": -5})),
            "cron_configs[0].start_time",
            "cron start negative",
        ),
        (
            cron(json!({"expired_time": null})),
            "cron_configs[0].expired_time",
            "cron without an expiry",
        ),
        (
            cron(json!({"expired_time": 100})),
            "cron_configs[0].expired_time",
            "expiry not after start",
        ),
        (
            cron(json!({"start_time": "soon"})),
            "cron_configs[0].start_time",
            "start a string",
        ),
        (
            json!({"count": 1, "tactics_config": {"cron_configs": [
                {"name": "c", "cron": "0 0 * * * ?", "count": 1, "start_time": 1, "expired_time": 2},
                {"name": "c", "cron": "0 0 * * * ?", "count": 1, "start_time": 1, "expired_time": 2}]}}),
            "cron_configs[1].name",
            "two cron rules with one name",
        ),
        (
            metric(json!({"type": "Concurrency", "threshold": 50, "min": 1})),
            "metric_configs[0].name",
            "metric without a name",
        ),
        (
            metric(json!({"name": "m", "threshold": 50, "min": 1})),
            "metric_configs[0].type",
            "metric without a type",
        ),
        (
            metric(json!({"name": "m", "type": "CPU", "threshold": 50, "min": 1})),
            "metric_configs[0].type",
            "metric of an unknown type",
        ),
        (
            metric(json!({"name": "m", "type": "Concurrency", "min": 1})),
            "metric_configs[0].threshold",
            "metric without a threshold",
        ),
        (
            metric(json!({"name": "m", "type": "Concurrency", "threshold": 0, "min": 1})),
            "metric_configs[0].threshold",
            "threshold 0",
        ),
        (
            metric(json!({"name": "m", "type": "Concurrency", "threshold": 101, "min": 1})),
            "metric_configs[0].threshold",
            "threshold over 100",
        ),
        (
            metric(json!({"name": "m", "type": "Concurrency", "threshold": 50})),
            "metric_configs[0].min",
            "metric without a min",
        ),
        (
            metric(json!({"name": "m", "type": "Concurrency", "threshold": 50, "min": -1})),
            "metric_configs[0].min",
            "negative min",
        ),
    ];
    for (body, field, what) in cases {
        let a = put(&app, "hello", body).await;
        a.assert_error(400, "FSS.0400");
        assert!(a.msg().contains(field), "{what}: {}", a.msg());
    }
    // Not a JSON object at all.
    let a = app
        .raw(
            "PUT",
            &TestApp::fgs("/functions/hello/reservedinstances"),
            &[("X-Auth-Token", "t"), ("Content-Type", "application/json")],
            "[1]",
        )
        .await;
    a.assert_error(400, "FSS.0400");
    let a = app
        .raw(
            "PUT",
            &TestApp::fgs("/functions/hello/reservedinstances"),
            &[("X-Auth-Token", "t")],
            "",
        )
        .await;
    a.assert_error(400, "FSS.0400");
    assert_eq!(configs(&app, "", 200).await.body, before, "nothing changed");
}

#[tokio::test]
async fn unknown_functions_versions_and_aliases_are_404_and_bad_urns_400() {
    let app = TestApp::spawn().await;
    hello_with_v1_and_prod(&app).await;
    let body = json!({"count": 1});
    put(&app, "nobody", body.clone())
        .await
        .assert_error(404, "FSS.1051");
    put(&app, &urn("hello", "v9"), body.clone())
        .await
        .assert_error(404, "FSS.1052");
    put(&app, &urn("hello", "!nope"), body.clone())
        .await
        .assert_error(404, "FSS.1053");
    // 404 comes before the body's checks, as the other per-function operations do.
    put(&app, &urn("hello", "v9"), json!({"count": -1}))
        .await
        .assert_error(404, "FSS.1052");
    // A URN of another project or region.
    let foreign =
        "urn:fss:cn-north-4:ffffffffffffffffffffffffffffffff:function:default:hello:latest";
    put(&app, foreign, body.clone())
        .await
        .assert_error(400, "FSS.0400");

    for list in [
        "reservedinstanceconfigs?function_urn",
        "reservedinstances?urn",
    ] {
        let get = |q: String| {
            let path = TestApp::fgs(&format!("/functions/{list}={q}"));
            let app = &app;
            async move { app.call("GET", &path, None).await }
        };
        get("nobody".into()).await.assert_error(404, "FSS.1051");
        get(urn("hello", "v9")).await.assert_error(404, "FSS.1052");
        get(encoded(&urn("hello", "!nope")))
            .await
            .assert_error(404, "FSS.1053");
        let a = get("1bad".into()).await;
        a.assert_error(400, "FSS.0400");
        let param = list.split('?').nth(1).unwrap();
        assert!(a.msg().contains(param), "{}", a.msg());
        get(foreign.into()).await.assert_error(400, "FSS.0400");
        // Empty means no filter.
        assert_eq!(get(String::new()).await.status, 200);
    }
}

#[tokio::test]
async fn the_project_s_reserved_instances_stay_within_max_reserved_instances() {
    let mut config = base_config();
    config.limits.max_reserved_instances = 5;
    let app = TestApp::spawn_with(config).await;
    hello_with_v1_and_prod(&app).await;
    app.create_function("other", "print(2)", 200).await;
    assert_eq!(put(&app, "hello", json!({"count": 2})).await.status, 200);
    assert_eq!(
        put(&app, &urn("hello", "!prod"), json!({"count": 2}))
            .await
            .status,
        200
    );
    // 2 + 2 + 2 > 5, across functions too.
    let a = put(&app, "other", json!({"count": 2})).await;
    a.assert_error(400, "FSS.1076");
    assert!(a.msg().contains("max_reserved_instances"), "{}", a.msg());
    put(&app, &urn("hello", "v1"), json!({"count": 6}))
        .await
        .assert_error(400, "FSS.1076");
    // Replacing a policy counts its new size, not both.
    assert_eq!(put(&app, "hello", json!({"count": 3})).await.status, 200);
    assert_eq!(put(&app, "hello", json!({"count": 0})).await.status, 200);
    assert_eq!(put(&app, "other", json!({"count": 3})).await.status, 200);
    let a = counts(&app, "", 200).await;
    assert_eq!(
        a.body["reservedinstances"],
        json!([{"func_urn": urn("hello", "!prod"), "count": 2},
               {"func_urn": urn("other", "latest"), "count": 3}])
    );
}

#[tokio::test]
async fn deleting_a_version_alias_or_function_removes_its_policies() {
    let app = TestApp::spawn().await;
    hello_with_v1_and_prod(&app).await;
    app.publish("hello", Some(json!({"version": "v2"})), 400)
        .await; // unchanged: FSS.1016
    app.update_code("hello", "print(3)", 200).await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "beta", "version": "v2"}), 200)
        .await;
    for q in ["latest", "v1", "!prod", "v2", "!beta"] {
        assert_eq!(
            put(&app, &urn("hello", q), json!({"count": 1}))
                .await
                .status,
            200,
            "{q}"
        );
    }
    // A new version carries no policy (the service's docs: none is configured in it).
    app.update_code("hello", "print(4)", 200).await;
    app.publish("hello", Some(json!({"version": "v3"})), 200)
        .await;
    assert_eq!(
        names(&configs(&app, "function_urn=hello", 200).await),
        ["latest", "v1", "prod", "v2", "beta"]
    );

    // Deleting an alias drops its policy only.
    app.alias("DELETE", "hello", "beta", None, 204).await;
    assert_eq!(
        names(&configs(&app, "function_urn=hello", 200).await),
        ["latest", "v1", "prod", "v2"]
    );
    // Re-creating it does not bring the policy back.
    app.create_alias("hello", json!({"name": "beta", "version": "v2"}), 200)
        .await;
    assert_eq!(
        names(&configs(&app, "function_urn=hello", 200).await),
        ["latest", "v1", "prod", "v2"]
    );
    // Deleting a version drops its policy and those of the aliases that went with it.
    app.delete(&urn("hello", "v1"), 204).await;
    assert_eq!(
        names(&configs(&app, "function_urn=hello", 200).await),
        ["latest", "v2"]
    );
    // Deleting the function drops the rest.
    app.create_function("other", "print(2)", 200).await;
    assert_eq!(put(&app, "other", json!({"count": 1})).await.status, 200);
    app.delete("hello", 204).await;
    let a = configs(&app, "", 200).await;
    assert_eq!(names(&a), ["latest"]);
    assert_eq!(
        a.body["reserved_instances"][0]["function_urn"],
        urn("other", "latest")
    );
}

#[tokio::test]
async fn both_lists_page_by_marker_and_limit() {
    let app = TestApp::spawn().await;
    for name in ["f1", "f2", "f3", "f4", "f5"] {
        app.create_function(name, "print(1)", 200).await;
        assert_eq!(put(&app, name, json!({"count": 1})).await.status, 200);
    }
    let urns = |a: &Answer, list: &str, key: &str| -> Vec<String> {
        a.body[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p[key]
                    .as_str()
                    .unwrap()
                    .rsplit(':')
                    .nth(1)
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    // Follow next_marker until a page comes back empty, as the Go client does.
    let mut seen = Vec::new();
    let mut marker = 0;
    loop {
        let a = configs(&app, &format!("limit=2&marker={marker}"), 200).await;
        assert_eq!(a.body["count"], 5);
        assert_eq!(a.body["page_info"]["previous_marker"], marker);
        let page = urns(&a, "reserved_instances", "function_urn");
        assert_eq!(a.body["page_info"]["current_count"], page.len());
        if page.is_empty() {
            assert_eq!(
                a.body["page_info"]["next_marker"], 5,
                "past the end: the count"
            );
            break;
        }
        marker = a.body["page_info"]["next_marker"].as_u64().unwrap();
        assert_eq!(
            marker as usize,
            seen.len() + page.len(),
            "next_marker: after the last item"
        );
        seen.extend(page);
    }
    assert_eq!(seen, ["f1", "f2", "f3", "f4", "f5"]);
    // The last page's next_marker is the count (Cloud Custodian stops there).
    let a = configs(&app, "limit=2&marker=4", 200).await;
    assert_eq!(
        a.body["page_info"],
        json!({"next_marker": 5, "previous_marker": 4, "current_count": 1})
    );
    // Absent or 0: the default (100); over 500: 500.
    for q in ["", "limit=0", "limit=501", "marker=0&limit=100000"] {
        assert_eq!(
            configs(&app, q, 200).await.body["page_info"]["current_count"],
            5,
            "{q}"
        );
    }
    for q in ["marker=-1", "marker=x", "limit=-1", "limit=1.5", "marker="] {
        let a = configs(&app, q, 400).await;
        a.assert_error(400, "FSS.0400");
        let param = q.split('=').next().unwrap();
        assert!(a.msg().contains(param), "{q}: {}", a.msg());
    }

    let a = counts(&app, "limit=3&marker=1", 200).await;
    assert_eq!(
        urns(&a, "reservedinstances", "func_urn"),
        ["f2", "f3", "f4"]
    );
    assert_eq!(
        a.body["page_info"],
        json!({"next_marker": 4, "previous_marker": 1, "current_count": 3})
    );
    assert_eq!(a.body["count"], 5);
    for q in ["limit=0", "limit=401", ""] {
        assert_eq!(
            counts(&app, q, 200).await.body["page_info"]["current_count"],
            5,
            "{q}"
        );
    }
    counts(&app, "limit=-1", 400)
        .await
        .assert_error(400, "FSS.0400");
    counts(&app, "marker=abc", 400)
        .await
        .assert_error(400, "FSS.0400");
}

#[tokio::test]
async fn functions_named_like_the_list_paths_cannot_shadow_them() {
    let app = TestApp::spawn().await;
    app.create_function("reservedinstanceconfigs", "print(1)", 200)
        .await;
    app.create_function("reservedinstances", "print(1)", 200)
        .await;
    app.create_function("quotas", "print(1)", 200).await;
    // The functions work through their policies' own route and longer URN forms...
    assert_eq!(
        put(&app, "reservedinstances", json!({"count": 1}))
            .await
            .status,
        200
    );
    assert_eq!(
        put(&app, "default:reservedinstanceconfigs", json!({"count": 2}))
            .await
            .status,
        200
    );
    // ...but the bare names are the list routes.
    let a = configs(&app, "", 200).await;
    assert_eq!(a.body["count"], 2);
    let a = counts(&app, "", 200).await;
    assert_eq!(a.body["count"], 2);
    // Other methods on the list paths get the envelope (404 FSS.0404), and do not reach
    // DeleteFunction.
    for path in ["reservedinstanceconfigs", "reservedinstances"] {
        for method in ["DELETE", "POST", "PUT"] {
            let a = app
                .call(
                    method,
                    &TestApp::fgs(&format!("/functions/{path}")),
                    Some(json!({})),
                )
                .await;
            a.assert_error(404, "FSS.0404");
        }
        app.show_config(path, 200).await;
    }
    for method in ["POST", "PUT", "DELETE"] {
        app.call(method, &TestApp::fgs("/quotas"), Some(json!({})))
            .await
            .assert_error(404, "FSS.0404");
    }
    app.show_config("quotas", 200).await;
    assert!(app.call("GET", &TestApp::fgs("/quotas"), None).await.body["quotas"].is_object());
}

#[tokio::test]
async fn policies_round_trip_through_the_state_document_and_are_checked_on_import() {
    let app = TestApp::spawn().await;
    hello_with_v1_and_prod(&app).await;
    assert_eq!(put(&app, "hello", cron_policy()).await.status, 200);
    assert_eq!(
        put(
            &app,
            &urn("hello", "!prod"),
            json!({"count": 2, "tactics_config": {"metric_configs": [
                {"name": "m", "type": "Concurrency", "threshold": 70, "min": 1}]}})
        )
        .await
        .status,
        200
    );
    let doc = app.call("GET", "/_emulator/state", None).await.body;
    assert_eq!(
        doc["functions"][0]["attachments"]["reserved"],
        json!([
            {"qualifier_type": "version", "qualifier_name": "latest", "min_count": 1,
             "idle_mode": true, "tactics_config": {"cron_configs": [{"name": "scheme-waekcy",
                "cron": "0 */10 * * * ?", "count": 2, "start_time": 1708342889,
                "expired_time": 1739878889}]}},
            {"qualifier_type": "alias", "qualifier_name": "prod", "min_count": 2,
             "idle_mode": false, "tactics_config": {"metric_configs": [
                {"name": "m", "type": "Concurrency", "threshold": 70, "min": 1}]}}
        ])
    );
    let other = TestApp::spawn().await;
    let a = other
        .call("PUT", "/_emulator/state", Some(doc.clone()))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        configs(&other, "", 200).await.body,
        configs(&app, "", 200).await.body
    );

    // Each bad policy is refused, naming where, and nothing is imported.
    let with = |policies: Value| {
        let mut d = doc.clone();
        d["functions"][0]["attachments"]["reserved"] = policies;
        d
    };
    let cases = [
        (
            json!([{"qualifier_type": "version", "qualifier_name": "v9", "min_count": 1, "idle_mode": false}]),
            "a missing version",
        ),
        (
            json!([{"qualifier_type": "alias", "qualifier_name": "v1", "min_count": 1, "idle_mode": false}]),
            "a version as an alias",
        ),
        (
            json!([{"qualifier_type": "alias", "qualifier_name": "nope", "min_count": 1, "idle_mode": false}]),
            "a missing alias",
        ),
        (
            json!([{"qualifier_type": "version", "qualifier_name": "latest", "min_count": 0, "idle_mode": false}]),
            "count 0",
        ),
        (
            json!([{"qualifier_type": "version", "qualifier_name": "latest", "min_count": 1, "idle_mode": false},
                {"qualifier_type": "version", "qualifier_name": "latest", "min_count": 2, "idle_mode": false}]),
            "two policies for latest",
        ),
        (
            json!([{"qualifier_type": "function", "qualifier_name": "latest", "min_count": 1, "idle_mode": false}]),
            "an unknown qualifier type",
        ),
        (
            json!([{"qualifier_type": "version", "qualifier_name": "latest", "min_count": 1, "idle_mode": false, "extra": 1}]),
            "an unknown key",
        ),
        (
            json!([{"qualifier_type": "version", "qualifier_name": "latest", "min_count": 1, "idle_mode": false,
                 "tactics_config": {"cron_configs": [{"name": "c", "cron": "nope", "count": 1, "start_time": 1, "expired_time": 2}]}}]),
            "a bad cron",
        ),
        (
            json!([{"qualifier_type": "version", "qualifier_name": "latest", "min_count": 1, "idle_mode": false,
                 "tactics_config": {"metric_configs": [{"name": "m", "type": "CPU", "threshold": 1, "min": 1}]}}]),
            "a bad metric type",
        ),
        (json!({"latest": 1}), "not a list"),
    ];
    let fresh = TestApp::spawn().await;
    for (policies, what) in cases {
        let a = fresh
            .call("PUT", "/_emulator/state", Some(with(policies)))
            .await;
        a.assert_error(400, "FSS.0400");
        assert!(
            a.msg().contains("reserved") || a.msg().contains("attachments"),
            "{what}: {}",
            a.msg()
        );
    }
    assert_eq!(
        configs(&fresh, "", 200).await.body["count"],
        0,
        "nothing imported"
    );
}

#[tokio::test]
async fn policies_survive_a_restart_with_a_state_file() {
    let (_scratch, config) = state_file_config("fgs-reserved-");
    let before = {
        let app = TestApp::spawn_with(config.clone()).await;
        hello_with_v1_and_prod(&app).await;
        assert_eq!(
            put(&app, &urn("hello", "v1"), cron_policy()).await.status,
            200
        );
        assert_eq!(
            put(&app, &urn("hello", "!prod"), json!({"count": 2}))
                .await
                .status,
            200
        );
        assert_eq!(
            put(&app, &urn("hello", "!prod"), json!({"count": 0}))
                .await
                .status,
            200
        );
        assert_eq!(put(&app, "hello", json!({"count": 3})).await.status, 200);
        configs(&app, "", 200).await.body
    };
    assert_eq!(before["count"], 2);
    let app = TestApp::spawn_with(config).await;
    assert_eq!(configs(&app, "", 200).await.body, before);
}

/// A version and an alias may share a name (`v1`); deleting the alias drops its own policy
/// and trigger, never the version's.
#[tokio::test]
async fn deleting_an_alias_keeps_the_policy_and_triggers_of_a_version_of_the_same_name() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("hello", "print(2)", 200).await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "v1", "version": "v2"}), 200)
        .await;
    let hello = urn("hello", "latest");
    let version = urn("hello", "v1");
    let alias = urn("hello", "!v1");
    for u in [&version, &alias] {
        let a = put(&app, u, json!({"count": 1})).await;
        assert_eq!(a.status, 200, "{u}: {}", a.text);
    }
    let timer = |name: &str| {
        json!({"trigger_type_code": "TIMER", "trigger_status": "ACTIVE",
               "event_data": {"name": name, "schedule_type": "Rate", "schedule": "3m"}})
    };
    for (u, name) in [(&version, "on-version"), (&alias, "on-alias")] {
        let a = app
            .call(
                "POST",
                &TestApp::fgs(&format!("/triggers/{u}")),
                Some(timer(name)),
            )
            .await;
        assert_eq!(a.status, 201, "{u}: {}", a.text);
    }
    let a = configs(&app, &format!("function_urn={hello}"), 200).await;
    assert_eq!(names(&a).len(), 2, "{}", a.text);

    // The alias's trigger holds it (FSS.1154); once that goes, the alias can.
    app.call("DELETE", &TestApp::fgs("/functions/hello/aliases/v1"), None)
        .await
        .assert_error(403, "FSS.1154");
    let a = app
        .call("DELETE", &TestApp::fgs(&format!("/triggers/{alias}")), None)
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    let a = app
        .call("DELETE", &TestApp::fgs("/functions/hello/aliases/v1"), None)
        .await;
    assert_eq!(a.status, 204, "{}", a.text);

    let a = configs(&app, &format!("function_urn={hello}"), 200).await;
    assert_eq!(names(&a), ["v1"], "{}", a.text);
    assert_eq!(a.body["reserved_instances"][0]["qualifier_type"], "version");
    let a = app
        .call("GET", &TestApp::fgs(&format!("/triggers/{version}")), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body.as_array().map(Vec::len), Some(1), "{}", a.text);
}
