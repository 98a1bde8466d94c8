//! Errors from every layer are the FSS envelope with an X-Request-Id; nothing is a 5xx.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn unknown_routes_are_404_fss_0404() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        ("GET", "/".to_owned()),
        ("GET", "/v2".to_owned()),
        ("GET", TestApp::fgs("/nothing")),
        ("POST", TestApp::fgs("/functions/hello/versions/extra")),
        ("GET", format!("/v3/{PROJECT}/fgs/functions")),
    ] {
        app.raw(method, &path, &[], "")
            .await
            .assert_error(404, "FSS.0404");
    }
}

#[tokio::test]
async fn a_wrong_method_is_404_fss_0404_like_the_gateway() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        ("DELETE", TestApp::fgs("/functions/hello/versions")),
        ("PATCH", TestApp::fgs("/functions")),
        ("POST", TestApp::fgs("/functions/hello/config")),
    ] {
        app.raw(method, &path, &[("X-Auth-Token", "t")], "")
            .await
            .assert_error(404, "FSS.0404");
    }
}

/// Authentication covers exactly the FunctionGraph operations: a `HEAD` answered by a
/// `GET` route is refused without credentials like the `GET`, and a method no route answers
/// is 404 with or without them (the edge, not the router, decides what it checks).
#[tokio::test]
async fn authentication_covers_the_operations_a_head_included_and_nothing_else() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "print(1)", 200).await;
    let config = TestApp::fgs(&format!("/functions/{}/config", urn("hello", "latest")));
    let refused = app.raw("HEAD", &config, &[], "").await;
    assert_eq!(refused.status, 401);
    assert!(refused.request_id.is_some());
    let head = app.raw("HEAD", &config, &[("X-Auth-Token", "t")], "").await;
    assert_eq!(head.status, 200);
    app.raw("GET", &config, &[], "")
        .await
        .assert_error(401, "FSS.0401");
    app.raw("POST", &config, &[], "")
        .await
        .assert_error(404, "FSS.0404");
}

#[tokio::test]
async fn malformed_bodies_are_400_fss_0400() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let publish = TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest")));
    let create = TestApp::fgs("/functions");
    let json_headers = [("X-Auth-Token", "t"), ("Content-Type", "application/json")];
    for (what, path, body) in [
        ("truncated", &publish, "{\"version\": \"v1\""),
        ("not json", &publish, "version=v1"),
        ("array", &publish, "[{\"version\": \"v1\"}]"),
        ("string", &publish, "\"v1\""),
        ("number", &publish, "42"),
        ("null", &publish, "null"),
        ("trailing garbage", &publish, "{} {}"),
        ("wrong type", &publish, "{\"version\": 1}"),
        (
            "nested wrong type",
            &create,
            "{\"func_code\": {\"file\": 5}}",
        ),
        ("empty create", &create, ""),
    ] {
        let a = app.raw("POST", path, &json_headers, body.to_owned()).await;
        assert_eq!(a.status, 400, "{what}: {}", a.text);
        a.assert_error(400, "FSS.0400");
    }
    let a = app
        .raw("POST", &publish, &json_headers, "{\"version\": 1}")
        .await;
    assert!(a.msg().contains("version"), "names the field: {}", a.msg());
}

#[tokio::test]
async fn invalid_utf8_and_bad_percent_encoding_are_400() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let publish = TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest")));
    let a = app
        .raw(
            "POST",
            &publish,
            &[("X-Auth-Token", "t"), ("Content-Type", "application/json")],
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
        )
        .await;
    a.assert_error(400, "FSS.0400");
    for bad in ["hel%FFlo", "hel%zzlo", "%00hello", "hello%00"] {
        let a = app
            .raw(
                "POST",
                &TestApp::fgs(&format!("/functions/{bad}/versions")),
                &[("X-Auth-Token", "t")],
                "",
            )
            .await;
        a.assert_error(400, "FSS.0400");
    }
}

#[tokio::test]
async fn a_non_json_content_type_is_refused() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let publish = TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest")));
    let a = app
        .raw(
            "POST",
            &publish,
            &[("X-Auth-Token", "t"), ("Content-Type", "text/plain")],
            "{}",
        )
        .await;
    a.assert_error(400, "FSS.0400");
    // A charset parameter is fine.
    let a = app
        .raw(
            "POST",
            &publish,
            &[
                ("X-Auth-Token", "t"),
                ("Content-Type", "application/json; charset=utf-8"),
            ],
            "{}",
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn bodies_over_max_body_bytes_are_413_fss_0413() {
    let mut config = base_config();
    config.server.max_body_bytes = 1024;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    let publish = TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest")));
    let big = json!({"description": "x".repeat(4096)}).to_string();
    let a = app
        .raw(
            "POST",
            &publish,
            &[("X-Auth-Token", "t"), ("Content-Type", "application/json")],
            big.clone(),
        )
        .await;
    a.assert_error(413, "FSS.0413");
    // Without a Content-Length (chunked), the limit still holds.
    let mut request = format!(
        "POST {publish} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in big.as_bytes().chunks(256) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_http(app.emulator.addr(), &request).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"error_code\":\"FSS.0413\""), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id:"),
        "{answer}"
    );
    // The server keeps serving, and nothing was published.
    let a = app.show_config("hello", 200).await;
    assert_eq!(a.body["version"], "latest");
}

#[tokio::test]
async fn every_response_carries_a_distinct_request_id() {
    let app = TestApp::spawn().await;
    let a = app.create_function("hello", "x", 200).await;
    let b = app.show_config("hello", 200).await;
    let c = app.raw("GET", "/nowhere", &[], "").await;
    let ids = [a.request_id, b.request_id, c.request_id];
    for id in &ids {
        let id = id.as_ref().expect("X-Request-Id");
        assert_eq!(id.len(), 32);
    }
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
}

#[tokio::test]
async fn hostile_inputs_never_produce_a_5xx() {
    let app = TestApp::spawn().await;
    app.create_function("hello", "x", 200).await;
    let long_urn = "a".repeat(5000);
    let paths = [
        TestApp::fgs("/functions/hello/versions"),
        TestApp::fgs(&format!("/functions/{long_urn}/versions")),
        TestApp::fgs("/functions/%ff%fe/config"),
        TestApp::fgs("/functions"),
        "/v2/%00/fgs/functions".to_owned(),
        "/v2/a%2Fb/fgs/functions".to_owned(),
    ];
    let bodies = [
        "".to_owned(),
        "{".to_owned(),
        "{\"version\":\"".to_owned() + &"x".repeat(100_000) + "\"}",
        "{\"func_name\":{\"a\":[1,2,{\"b\":null}]}}".to_owned(),
        "\u{0}".to_owned(),
        "{\"memory_size\": 1e400}".to_owned(),
        "{\"timeout\": -99999999999999999999}".to_owned(),
        format!("{{\"x\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("{{\"version\":{}", "{\"a\":".repeat(50_000)),
    ];
    for path in &paths {
        for body in &bodies {
            for method in ["POST", "PUT", "GET"] {
                let a = app
                    .raw(
                        method,
                        path,
                        &[("X-Auth-Token", "t"), ("Content-Type", "application/json")],
                        body.clone(),
                    )
                    .await;
                assert!(
                    (400..500).contains(&a.status) || a.status == 200,
                    "{method} {path}: {} {}",
                    a.status,
                    a.text
                );
                if a.status >= 400 {
                    assert!(a.code().starts_with("FSS."), "{}", a.text);
                    assert!(a.request_id.is_some());
                }
            }
        }
    }
    // Still serving.
    app.show_config("hello", 200).await;
}
