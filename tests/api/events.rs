//! A function's test events (issue 11): `/v2/{project_id}/fgs/functions/{function_urn}/events`
//! and `.../events/{event_id}`, with the real service's shapes, limits and codes.

use serde_json::{Value, json};

use crate::helpers::*;

fn events(urn: &str, rest: &str) -> String {
    TestApp::fgs(&format!("/functions/{urn}/events{rest}"))
}

async fn create(app: &TestApp, urn: &str, name: &str, content: &str, status: u16) -> Answer {
    let a = app
        .call(
            "POST",
            &events(urn, ""),
            Some(json!({"name": name, "content": content})),
        )
        .await;
    assert_eq!(a.status, status, "create {name}: {}", a.text);
    a
}

#[tokio::test]
async fn an_event_is_created_listed_shown_updated_and_deleted() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let content = b64(r#"{"k":"v"}"#);
    let a = create(&app, "hello", "event-xx", &content, 200).await;
    let id = a.body["id"].as_str().unwrap().to_owned();
    assert_eq!(a.body, json!({"id": id, "name": "event-xx"}));
    assert_eq!(id.len(), 36, "a UUID");

    // Right after create there is no last_modified (Terraform's acceptance test reads "").
    let one = events("hello", &format!("/{id}"));
    let shown = app.call("GET", &one, None).await;
    assert_eq!(shown.status, 200);
    assert_eq!(
        shown.body,
        json!({"id": id, "name": "event-xx", "content": content})
    );
    let listed = app.call("GET", &events("hello", ""), None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.body,
        json!({"events": [{"id": id, "name": "event-xx"}], "next_marker": 1, "count": 1})
    );

    // An update stamps last_modified, in seconds since the epoch.
    app.advance(60);
    let new_content = b64(r#"{"key": "value"}"#);
    let a = app
        .call("PUT", &one, Some(json!({"content": new_content})))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body, json!({"id": id, "name": "event-xx"}));
    let stamp = frozen_at().timestamp() + 60;
    let shown = app.call("GET", &one, None).await;
    assert_eq!(
        shown.body,
        json!({"id": id, "name": "event-xx", "content": new_content, "last_modified": stamp})
    );
    let listed = app.call("GET", &events("hello", ""), None).await;
    assert_eq!(listed.body["events"][0]["last_modified"], stamp);
    // Terraform sends the name with every update; a new one renames the event.
    let a = app
        .call(
            "PUT",
            &one,
            Some(json!({"name": "renamed", "content": new_content})),
        )
        .await;
    assert_eq!(a.body["name"], "renamed");

    // Events belong to the function: a version URN sees the same ones.
    app.publish("hello", Some(json!({"version": "v1"})), 200)
        .await;
    let v1 = format!("{PROJECT}:default:hello:v1");
    let a = app.call("GET", &events(&v1, ""), None).await;
    assert_eq!(a.body["count"], 1);
    let a = app
        .call("GET", &events(&encoded(&urn("hello", "latest")), ""), None)
        .await;
    assert_eq!(a.body["count"], 1);

    let a = app.call("DELETE", &one, None).await;
    assert_eq!(a.status, 204);
    assert!(a.text.is_empty());
    for method in ["GET", "DELETE"] {
        app.call(method, &one, None)
            .await
            .assert_error(404, "FSS.1070");
    }
    app.call("PUT", &one, Some(json!({"content": new_content})))
        .await
        .assert_error(404, "FSS.1070");
    let listed = app.call("GET", &events("hello", ""), None).await;
    assert_eq!(
        listed.body,
        json!({"events": [], "next_marker": 0, "count": 0})
    );
}

#[tokio::test]
async fn names_contents_and_the_limit_are_checked() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let ok = b64("{}");
    let big = b64(&format!("\"{}\"", "x".repeat(4096)));
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            json!({"name": "1st", "content": ok}),
            400,
            "FSS.1074",
            "a name starting with a digit",
        ),
        (
            json!({"name": "a-", "content": ok}),
            400,
            "FSS.1074",
            "a name ending with '-'",
        ),
        (
            json!({"name": "a".repeat(26), "content": ok}),
            400,
            "FSS.1074",
            "26 characters",
        ),
        (
            json!({"name": "a b", "content": ok}),
            400,
            "FSS.1074",
            "a space",
        ),
        (
            json!({"name": "", "content": ok}),
            400,
            "FSS.1074",
            "an empty name",
        ),
        (json!({"content": ok}), 400, "FSS.1074", "no name"),
        (json!({"name": "e"}), 400, "FSS.1074", "no content"),
        (
            json!({"name": "e", "content": "not base64!"}),
            400,
            "FSS.1074",
            "not base64",
        ),
        (
            json!({"name": "e", "content": b64("{oops")}),
            400,
            "FSS.1074",
            "not JSON",
        ),
        (
            json!({"name": "e", "content": big}),
            403,
            "FSS.1069",
            "over 4 KB",
        ),
        (
            json!({"name": 5, "content": ok}),
            400,
            "FSS.0400",
            "a numeric name",
        ),
    ];
    for (body, status, code, why) in cases {
        let a = app.call("POST", &events("hello", ""), Some(body)).await;
        assert_eq!((a.status, a.code()), (status, code), "{why}: {}", a.text);
        a.assert_error(status, code);
    }
    let just_fits = b64(&format!("\"{}\"", "x".repeat(4094)));
    create(&app, "hello", "e0", &just_fits, 200).await;
    create(&app, "hello", "e0", &ok, 403)
        .await
        .assert_error(403, "FSS.1073");
    for i in 1..10 {
        create(&app, "hello", &format!("e{i}"), &ok, 200).await;
    }
    create(&app, "hello", "e10", &ok, 403)
        .await
        .assert_error(403, "FSS.1068");
    let listed = app.call("GET", &events("hello", ""), None).await;
    assert_eq!(listed.body["count"], 10);
    assert_eq!(listed.body["next_marker"], 10);
    let names: Vec<&str> = listed.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[..3], ["e0", "e1", "e2"], "creation order");

    // Updates are checked the same way, and a rename may not take another's name.
    let id = listed.body["events"][1]["id"].as_str().unwrap().to_owned();
    let one = events("hello", &format!("/{id}"));
    for (body, status, code) in [
        (json!({"content": "%%"}), 400, "FSS.1074"),
        (json!({}), 400, "FSS.1074"),
        (json!({"content": big}), 403, "FSS.1069"),
        (json!({"content": ok, "name": "e2"}), 403, "FSS.1073"),
        (json!({"content": ok, "name": "-x"}), 400, "FSS.1074"),
    ] {
        app.call("PUT", &one, Some(body))
            .await
            .assert_error(status, code);
    }
    let shown = app.call("GET", &one, None).await;
    assert_eq!(shown.body["name"], "e1");
    assert!(shown.body.get("last_modified").is_none(), "nothing changed");
}

#[tokio::test]
async fn unknown_functions_versions_and_aliases_are_404() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let ok = b64("{}");
    for (u, status, code) in [
        ("nope".to_owned(), 404, "FSS.1051"),
        (format!("{PROJECT}:default:hello:v9"), 404, "FSS.1052"),
        (format!("{PROJECT}:default:hello:!gone"), 404, "FSS.1053"),
        ("urn:fss:x".to_owned(), 400, "FSS.0400"),
    ] {
        app.call(
            "POST",
            &events(&u, ""),
            Some(json!({"name": "e", "content": ok})),
        )
        .await
        .assert_error(status, code);
        app.call("GET", &events(&u, ""), None)
            .await
            .assert_error(status, code);
        for method in ["GET", "DELETE"] {
            app.call(method, &events(&u, "/x"), None)
                .await
                .assert_error(status, code);
        }
        app.call("PUT", &events(&u, "/x"), Some(json!({"content": ok})))
            .await
            .assert_error(status, code);
    }
}

#[tokio::test]
async fn events_survive_a_state_document_round_trip_and_go_with_their_function() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let a = create(&app, "hello", "e1", &b64(r#"{"a":1}"#), 200).await;
    let id = a.body["id"].as_str().unwrap().to_owned();
    app.advance(1);
    app.call(
        "PUT",
        &events("hello", &format!("/{id}")),
        Some(json!({"content": b64(r#"{"a":2}"#)})),
    )
    .await;
    let shown = app
        .call("GET", &events("hello", &format!("/{id}")), None)
        .await
        .body;
    let doc = app.call("GET", "/_emulator/state", None).await.body;
    assert_eq!(
        doc["functions"][0]["attachments"]["events"][0]["name"],
        "e1"
    );

    app.call("POST", "/_emulator/reset", None).await;
    let a = app.call("PUT", "/_emulator/state", Some(doc.clone())).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let again = app
        .call("GET", &events("hello", &format!("/{id}")), None)
        .await
        .body;
    assert_eq!(again, shown);

    for (key, value, why) in [
        ("name", json!("9bad"), "a bad name"),
        ("content", json!("!!"), "bad content"),
        ("id", json!(""), "an empty id"),
        ("extra", json!(true), "an unknown field"),
    ] {
        let mut bad = doc.clone();
        bad["functions"][0]["attachments"]["events"][0][key] = value;
        let a = app.call("PUT", "/_emulator/state", Some(bad)).await;
        assert_eq!(a.status, 400, "{why}: {}", a.text);
    }

    // Deleting the function deletes its events; a new one of that name has none.
    app.delete("hello", 204).await;
    app.create_function("hello", "print(1)", 200).await;
    let listed = app.call("GET", &events("hello", ""), None).await;
    assert_eq!(listed.body["count"], 0);
}
