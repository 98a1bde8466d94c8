//! Tags (CreateTags, DeleteTags, ListFunctionTags, ShowProjectTagsList,
//! ShowResInstanceInfo), called the way the Terraform provider and the Python SDK call them:
//! paths without `/fgs`, the function's URN as `resource_id`.

use serde_json::{Value, json};

use crate::helpers::{Answer, PROJECT, TestApp, encoded, state_file_config, urn};

/// `/v2/{PROJECT}/functions/{resource_id}` + `rest`.
fn tag_path(resource_id: &str, rest: &str) -> String {
    format!("/v2/{PROJECT}/functions/{resource_id}{rest}")
}

/// A `{"tags": [...]}` body from pairs.
fn tags_body(pairs: &[(&str, &str)]) -> Value {
    let tags: Vec<Value> = pairs
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    json!({ "tags": tags })
}

impl TestApp {
    /// CreateTags on `resource_id`; expects `status` (204: no body at all).
    async fn create_tags(&self, resource_id: &str, body: Value, status: u16) -> Answer {
        let a = self
            .call("POST", &tag_path(resource_id, "/tags/create"), Some(body))
            .await;
        assert_eq!(a.status, status, "create tags on {resource_id}: {}", a.text);
        if status == 204 {
            assert_no_body(&a);
        }
        a
    }

    /// DeleteTags on `resource_id`; expects `status` (204: no body at all).
    async fn delete_tags(&self, resource_id: &str, body: Value, status: u16) -> Answer {
        let a = self
            .call("DELETE", &tag_path(resource_id, "/tags/delete"), Some(body))
            .await;
        assert_eq!(a.status, status, "delete tags on {resource_id}: {}", a.text);
        if status == 204 {
            assert_no_body(&a);
        }
        a
    }

    /// ListFunctionTags; expects `status`.
    async fn list_tags(&self, resource_id: &str, status: u16) -> Answer {
        let a = self
            .call("GET", &tag_path(resource_id, "/tags"), None)
            .await;
        assert_eq!(a.status, status, "list tags of {resource_id}: {}", a.text);
        a
    }

    /// ShowProjectTagsList; expects 200.
    async fn project_tags(&self) -> Value {
        let a = self
            .call("GET", &format!("/v2/{PROJECT}/functions/tags"), None)
            .await;
        assert_eq!(a.status, 200, "project tags: {}", a.text);
        a.body
    }

    /// ShowResInstanceInfo; expects `status`.
    async fn resource_instances(&self, action: &str, body: Value, status: u16) -> Answer {
        let path = format!("/v2/{PROJECT}/functions/resource-instances/{action}");
        let a = self.call("POST", &path, Some(body)).await;
        assert_eq!(a.status, status, "resource-instances/{action}: {}", a.text);
        a
    }
}

/// 204 exactly: no body, so no content type either.
#[track_caller]
fn assert_no_body(a: &Answer) {
    assert_eq!(a.text, "", "204 has no body");
    assert_eq!(a.content_type, None, "204 has no content type");
    assert!(a.request_id.is_some(), "X-Request-Id on every response");
}

/// The unqualified 7-field URN Terraform uses after create.
fn function_urn(name: &str) -> String {
    let latest = urn(name, "latest");
    latest.strip_suffix(":latest").unwrap().to_owned()
}

#[tokio::test]
async fn terraform_tags_a_function_and_reads_them_back() {
    let app = TestApp::spawn().await;
    let created = app.create_function("hello", "print(1)", 200).await;
    let func_urn = created.body["func_urn"].as_str().unwrap().to_owned();
    // Terraform's create: the create response's func_urn, raw, `:latest` included.
    app.create_tags(
        &func_urn,
        tags_body(&[("key", "value"), ("foo", "bar")]),
        204,
    )
    .await;
    let expected = json!({
        "tags": [{"key": "foo", "value": "bar"}, {"key": "key", "value": "value"}],
        "sys_tags": [],
    });
    // In key order, by every name for the function: the 8-field URN (Terraform's
    // resource id), the 7-field one, the Python SDK's percent-encoding, a short form, the
    // func_id.
    let func_id = app.show_config("hello", 200).await.body["func_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in [
        func_urn.clone(),
        function_urn("hello"),
        encoded(&func_urn),
        "hello".into(),
        format!("{PROJECT}:default:hello"),
        func_id,
    ] {
        assert_eq!(app.list_tags(&id, 200).await.body, expected, "{id}");
    }
    // Terraform's update: delete the old tags (with their values), create the new ones.
    app.delete_tags(
        &function_urn("hello"),
        tags_body(&[("key", "value"), ("foo", "bar")]),
        204,
    )
    .await;
    app.create_tags(&function_urn("hello"), tags_body(&[("owner", "me")]), 204)
        .await;
    assert_eq!(
        app.list_tags(&func_urn, 200).await.body,
        json!({"tags": [{"key": "owner", "value": "me"}], "sys_tags": []})
    );
}

#[tokio::test]
async fn the_sdk_body_with_action_and_sys_tags() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let id = encoded(&urn("hello", "latest"));
    app.create_tags(
        &id,
        json!({
            "action": "create",
            "tags": [{"key": "环境", "value": "生产"}, {"key": "v", "value": "1.2.3"}],
            "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
        }),
        204,
    )
    .await;
    assert_eq!(
        app.list_tags(&id, 200).await.body,
        json!({
            "tags": [{"key": "v", "value": "1.2.3"}, {"key": "环境", "value": "生产"}],
            "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
        })
    );
    app.delete_tags(
        &id,
        json!({"action": "delete", "sys_tags": [{"key": "_sys_enterprise_project_id"}]}),
        204,
    )
    .await;
    assert_eq!(app.list_tags(&id, 200).await.body["sys_tags"], json!([]));
}

#[tokio::test]
async fn creating_an_existing_key_overwrites_its_value() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.create_tags("hello", tags_body(&[("env", "dev"), ("team", "a")]), 204)
        .await;
    app.create_tags("hello", tags_body(&[("env", "prod")]), 204)
        .await;
    // A missing value is an empty one.
    app.create_tags("hello", json!({"tags": [{"key": "flag"}]}), 204)
        .await;
    assert_eq!(
        app.list_tags("hello", 200).await.body["tags"],
        json!([
            {"key": "env", "value": "prod"},
            {"key": "flag", "value": ""},
            {"key": "team", "value": "a"},
        ])
    );
}

#[tokio::test]
async fn delete_goes_by_key_or_by_key_and_value() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.create_tags(
        "hello",
        tags_body(&[("a", "1"), ("b", "2"), ("c", "3")]),
        204,
    )
    .await;
    // A wrong value keeps the tag; a key the function does not carry is no error.
    app.delete_tags("hello", tags_body(&[("a", "other"), ("zzz", "")]), 204)
        .await;
    let keys = |v: Value| -> Vec<String> {
        v["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        keys(app.list_tags("hello", 200).await.body),
        ["a", "b", "c"]
    );
    app.delete_tags(
        "hello",
        json!({"tags": [{"key": "a", "value": "1"}, {"key": "b"}]}),
        204,
    )
    .await;
    assert_eq!(keys(app.list_tags("hello", 200).await.body), ["c"]);
    // An absent body changes nothing.
    let a = app
        .call("DELETE", &tag_path("hello", "/tags/delete"), None)
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert_no_body(&a);
    assert_eq!(keys(app.list_tags("hello", 200).await.body), ["c"]);
}

#[tokio::test]
async fn each_broken_rule_is_400_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.create_tags("hello", tags_body(&[("keep", "me")]), 204)
        .await;
    let before = app.list_tags("hello", 200).await.body;
    let k37 = "k".repeat(37);
    let v37 = "v".repeat(37);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("no key", json!({"tags": [{"value": "v"}]}), "tags[0].key"),
        ("empty key", json!({"tags": [{"key": ""}]}), "tags[0].key"),
        (
            "key over 36",
            json!({"tags": [{"key": k37}]}),
            "tags[0].key",
        ),
        (
            "space in key",
            json!({"tags": [{"key": "a b"}]}),
            "tags[0].key",
        ),
        (
            "dot in key",
            json!({"tags": [{"key": "a.b"}]}),
            "tags[0].key",
        ),
        (
            "system prefix",
            json!({"tags": [{"key": "_sys_x"}]}),
            "tags[0].key",
        ),
        (
            "value over 36",
            json!({"tags": [{"key": "k", "value": v37}]}),
            "tags[0].value",
        ),
        (
            "colon in value",
            json!({"tags": [{"key": "ok"}, {"key": "k", "value": "a:b"}]}),
            "tags[1].value",
        ),
        (
            "a key twice",
            json!({"tags": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]}),
            "more than once",
        ),
        (
            "system key without prefix",
            json!({"sys_tags": [{"key": "env"}]}),
            "sys_tags[0].key",
        ),
        ("wrong action", json!({"action": "delete"}), "action"),
        ("tags not a list", json!({"tags": "env=prod"}), "tags"),
        ("key not a string", json!({"tags": [{"key": 1}]}), "key"),
    ];
    for (what, body, field) in cases {
        let a = app.create_tags("hello", body, 400).await;
        a.assert_error(400, "FSS.0400");
        assert!(a.msg().contains(field), "{what}: {}", a.msg());
    }
    // Delete checks the same rules (a value is optional there).
    let a = app
        .delete_tags("hello", json!({"tags": [{"key": "a b"}]}), 400)
        .await;
    a.assert_error(400, "FSS.0400");
    let a = app
        .delete_tags("hello", json!({"action": "create"}), 400)
        .await;
    a.assert_error(400, "FSS.0400");
    // A body that is not a JSON object.
    let a = app
        .raw(
            "POST",
            &tag_path("hello", "/tags/create"),
            &[("X-Auth-Token", "t"), ("Content-Type", "application/json")],
            "[1]",
        )
        .await;
    a.assert_error(400, "FSS.0400");
    assert_eq!(app.list_tags("hello", 200).await.body, before);
}

#[tokio::test]
async fn a_function_carries_at_most_twenty_tags() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let names: Vec<String> = (0..19).map(|i| format!("k{i:02}")).collect();
    let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    app.create_tags("hello", tags_body(&pairs), 204).await;
    // Two more would make 21: refused whole, nothing added.
    let a = app
        .create_tags("hello", tags_body(&[("x", "1"), ("y", "2")]), 400)
        .await;
    a.assert_error(400, "FSS.0400");
    assert!(a.msg().contains("at most 20"), "{}", a.msg());
    let count = |v: Value| v["tags"].as_array().unwrap().len();
    assert_eq!(count(app.list_tags("hello", 200).await.body), 19);
    // The 20th is fine, and so is overwriting at the cap; system tags count apart.
    app.create_tags("hello", tags_body(&[("x", "1")]), 204)
        .await;
    app.create_tags("hello", tags_body(&[("x", "2"), ("k00", "w")]), 204)
        .await;
    app.create_tags(
        "hello",
        json!({"sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}]}),
        204,
    )
    .await;
    assert_eq!(count(app.list_tags("hello", 200).await.body), 20);
    app.create_tags("hello", tags_body(&[("y", "2")]), 400)
        .await
        .assert_error(400, "FSS.0400");
}

#[tokio::test]
async fn unknown_functions_types_and_ids() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let body = tags_body(&[("env", "prod")]);
    // A function that does not exist: 404, by any name, checked before the body.
    for id in [
        "nope".to_owned(),
        urn("nope", "latest"),
        "00000000-0000-0000-0000-000000000000".to_owned(),
    ] {
        app.create_tags(&id, body.clone(), 404)
            .await
            .assert_error(404, "FSS.1051");
        app.create_tags(&id, json!({"tags": [{"key": "a b"}]}), 404)
            .await
            .assert_error(404, "FSS.1051");
        app.delete_tags(&id, body.clone(), 404)
            .await
            .assert_error(404, "FSS.1051");
        app.list_tags(&id, 404).await.assert_error(404, "FSS.1051");
    }
    // An id that is no URN, or a URN of another project: 400.
    let other = urn("hello", "latest").replace(PROJECT, "ffffffffffffffffffffffffffffffff");
    for id in ["1bad", "a:b:c:d:e", other.as_str()] {
        app.list_tags(id, 400).await.assert_error(400, "FSS.0400");
        app.create_tags(id, body.clone(), 400)
            .await
            .assert_error(400, "FSS.0400");
    }
    // Only `functions` is a resource type, on every operation.
    let p = format!("/v2/{PROJECT}/triggers");
    for (method, path, body) in [
        ("POST", format!("{p}/hello/tags/create"), Some(body.clone())),
        (
            "DELETE",
            format!("{p}/hello/tags/delete"),
            Some(body.clone()),
        ),
        ("GET", format!("{p}/hello/tags"), None),
        ("GET", format!("{p}/tags"), None),
        (
            "POST",
            format!("{p}/resource-instances/filter"),
            Some(json!({})),
        ),
    ] {
        let a = app.call(method, &path, body).await;
        a.assert_error(400, "FSS.0400");
        assert!(
            a.msg().contains("resource_type"),
            "{method} {path}: {}",
            a.msg()
        );
    }
    // No tag was made anywhere.
    assert_eq!(
        app.list_tags("hello", 200).await.body,
        json!({"tags": [], "sys_tags": []})
    );
}

#[tokio::test]
async fn tags_belong_to_the_function_and_go_with_it() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.create_tags("hello", tags_body(&[("env", "prod")]), 204)
        .await;
    // Versions and aliases come and go; the function's tags stay, and a version's URN
    // names the function's tags.
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    app.create_alias("hello", json!({"name": "prod", "version": "v1"}), 200)
        .await;
    let by_version = app.list_tags(&urn("hello", "v1"), 200).await.body;
    assert_eq!(by_version["tags"], json!([{"key": "env", "value": "prod"}]));
    app.alias("DELETE", "hello", "prod", None, 204).await;
    app.delete(&urn("hello", "v1"), 204).await;
    assert_eq!(
        app.list_tags("hello", 200).await.body["tags"],
        json!([{"key": "env", "value": "prod"}])
    );
    // Deleting the function deletes its tags: a new function of that name has none.
    app.delete("hello", 204).await;
    app.list_tags("hello", 404).await;
    app.create_function("hello", "print(2)", 200).await;
    assert_eq!(app.list_tags("hello", 200).await.body["tags"], json!([]));
    assert_eq!(app.project_tags().await["tags"], json!([]));
}

#[tokio::test]
async fn the_project_list_gathers_every_key_with_its_values() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.project_tags().await,
        json!({"tags": [], "sys_tags": []})
    );
    app.create_function("one", "print(1)", 200).await;
    app.create_function("two", "print(2)", 200).await;
    app.create_tags("one", tags_body(&[("env", "prod"), ("team", "a")]), 204)
        .await;
    app.create_tags("two", tags_body(&[("env", "dev"), ("team", "a")]), 204)
        .await;
    app.create_tags(
        "two",
        json!({"sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}]}),
        204,
    )
    .await;
    assert_eq!(
        app.project_tags().await,
        json!({
            "tags": [
                {"key": "env", "values": ["dev", "prod"]},
                {"key": "team", "values": ["a"]},
            ],
            "sys_tags": [{"key": "_sys_enterprise_project_id", "values": ["0"]}],
        })
    );
    // Another project sees none of them.
    let a = app
        .call("GET", "/v2/otherproject/functions/tags", None)
        .await;
    assert_eq!(a.body, json!({"tags": [], "sys_tags": []}), "{}", a.text);
}

#[tokio::test]
async fn functions_filtered_and_counted_by_name_and_tags() {
    let app = TestApp::spawn().await;
    let with = app.create_function("fn_with_tags", "print(1)", 200).await;
    let with_urn = with.body["func_urn"].as_str().unwrap().to_owned();
    app.create_function("fn_without_tags", "print(2)", 200)
        .await;
    app.create_function("other", "print(3)", 200).await;
    app.create_tags(
        &with_urn,
        tags_body(&[("foo", "bar"), ("key", "value")]),
        204,
    )
    .await;
    app.create_tags("other", tags_body(&[("foo", "baz")]), 204)
        .await;

    // Terraform's huaweicloud_fgs_resources_filter: numbers for limit and offset.
    let a = app
        .resource_instances(
            "filter",
            json!({"limit": 100, "offset": 0, "action": "filter",
                   "matches": [{"key": "resource_name", "value": "with_tags"}]}),
            200,
        )
        .await;
    assert_eq!(
        a.body,
        json!({
            "resources": [{
                "resource_id": with_urn,
                "resource_detail": {"detailId": with_urn},
                "tags": [{"key": "foo", "value": "bar"}, {"key": "key", "value": "value"}],
                "sys_tags": [],
                "resource_name": "fn_with_tags",
            }],
            "total_count": 1,
        })
    );
    let names = |a: &Answer| -> Vec<String> {
        a.body["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["resource_name"].as_str().unwrap().to_owned())
            .collect()
    };
    // Tags: every key, one of its values; an empty list of values is any value.
    let by = |tags: Value| json!({ "tags": tags });
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!([{"key": "foo", "values": ["bar"]}]),
            vec!["fn_with_tags"],
        ),
        (
            json!([{"key": "foo", "values": ["bar", "baz"]}]),
            vec!["fn_with_tags", "other"],
        ),
        (
            json!([{"key": "foo", "values": []}]),
            vec!["fn_with_tags", "other"],
        ),
        (
            json!([{"key": "foo"}, {"key": "key", "values": ["value"]}]),
            vec!["fn_with_tags"],
        ),
        (json!([{"key": "nope", "values": ["x"]}]), vec![]),
    ];
    for (tags, expected) in cases {
        let a = app
            .resource_instances("filter", by(tags.clone()), 200)
            .await;
        assert_eq!(names(&a), expected, "{tags}");
        assert_eq!(a.body["total_count"], expected.len(), "{tags}");
    }
    // The SDK's strings for limit and offset; paging in creation order.
    let a = app
        .resource_instances("filter", json!({"limit": "1", "offset": "1"}), 200)
        .await;
    assert_eq!(names(&a), ["fn_without_tags"]);
    assert_eq!(a.body["total_count"], 3);
    let a = app
        .resource_instances("filter", json!({"without_any_tag": true}), 200)
        .await;
    assert_eq!(names(&a), ["fn_without_tags"]);
    // Count: the number only.
    let a = app
        .resource_instances("count", json!({"tags": [{"key": "foo"}]}), 200)
        .await;
    assert_eq!(a.body, json!({"resources": null, "total_count": 2}));
    // Bad requests.
    for (action, body) in [
        ("list", json!({})),
        ("filter", json!({"action": "count"})),
        ("filter", json!({"limit": 0})),
        ("filter", json!({"limit": "x"})),
        ("filter", json!({"offset": -1})),
        (
            "filter",
            json!({"matches": [{"key": "name", "value": "x"}]}),
        ),
        ("filter", json!({"tags": [{"values": ["x"]}]})),
    ] {
        app.resource_instances(action, body, 400)
            .await
            .assert_error(400, "FSS.0400");
    }
}

#[tokio::test]
async fn tags_survive_export_and_import() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    app.create_tags("hello", tags_body(&[("env", "prod")]), 204)
        .await;
    app.create_tags(
        "hello",
        json!({"sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}]}),
        204,
    )
    .await;
    let doc = app.call("GET", "/_emulator/state", None).await.body;
    assert_eq!(
        doc["functions"][0]["attachments"]["tags"],
        json!({"tags": {"env": "prod"}, "sys_tags": {"_sys_enterprise_project_id": "0"}})
    );

    let other = TestApp::spawn().await;
    let a = other
        .call("PUT", "/_emulator/state", Some(doc.clone()))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        other.list_tags("hello", 200).await.body,
        app.list_tags("hello", 200).await.body
    );

    // A document the API would refuse is refused, and changes nothing.
    for (what, tags) in [
        ("bad key", json!({"tags": {"a b": "v"}})),
        ("bad value", json!({"tags": {"k": "a b"}})),
        ("system key in tags", json!({"tags": {"_sys_k": "v"}})),
        ("unknown field", json!({"labels": {}})),
    ] {
        let mut bad = doc.clone();
        bad["functions"][0]["attachments"]["tags"] = tags;
        let a = other.call("PUT", "/_emulator/state", Some(bad)).await;
        assert_eq!(a.status, 400, "{what}: {}", a.text);
        a.assert_error(400, "FSS.0400");
    }
    let mut many = doc.clone();
    let over: serde_json::Map<String, Value> =
        (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
    many["functions"][0]["attachments"]["tags"] = json!({ "tags": over });
    let a = other.call("PUT", "/_emulator/state", Some(many)).await;
    a.assert_error(400, "FSS.0400");
    assert_eq!(
        other.list_tags("hello", 200).await.body["tags"],
        json!([{"key": "env", "value": "prod"}])
    );
}

#[tokio::test]
async fn tags_survive_a_restart_with_a_state_file() {
    let (_scratch, config) = state_file_config("fgs-tags-");
    {
        let app = TestApp::spawn_with(config.clone()).await;
        app.create_function("hello", "print(1)", 200).await;
        app.create_tags("hello", tags_body(&[("env", "prod"), ("gone", "x")]), 204)
            .await;
        app.delete_tags("hello", json!({"tags": [{"key": "gone"}]}), 204)
            .await;
        app.emulator.stop().await;
    }
    let app = TestApp::spawn_with(config).await;
    assert_eq!(
        app.list_tags("hello", 200).await.body,
        json!({"tags": [{"key": "env", "value": "prod"}], "sys_tags": []})
    );
    drop(app);
}
