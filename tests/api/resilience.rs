//! Overload and slow clients: a fast 429 past the in-flight limit, stalled connections that
//! never delay anyone else and are closed, a stalled body that gets 408.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

/// Arms a fault rule: the next `times` ShowFunctionConfig requests wait `delay_ms` first.
async fn delay_show_config(app: &TestApp, times: u32, delay_ms: u64) {
    app.call(
        "POST",
        "/_emulator/faults",
        Some(json!({"operation": "ShowFunctionConfig", "times": times,
                    "action": {"type": "delay", "delay_ms": delay_ms}})),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_the_in_flight_limit_requests_get_a_fast_429() {
    let mut config = base_config();
    config.limits.max_concurrent_requests = 2;
    let app = std::sync::Arc::new(TestApp::spawn_with(config).await);
    app.create_function("hello", "x", 200).await;
    // Two slow requests hold both slots.
    delay_show_config(&app, 2, 1500).await;
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.show_config("hello", 200).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let a = app.show_config("hello", 429).await;
    a.assert_error(429, "FSS.0429");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "answered without queueing"
    );
    for s in slow {
        s.await.unwrap();
    }
    // Slots are free again.
    app.show_config("hello", 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_stalled_connections_do_not_delay_a_normal_request() {
    let mut config = base_config();
    config.server.header_timeout_seconds = 1;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    let mut stalled = Vec::new();
    for _ in 0..100 {
        let mut s = tokio::net::TcpStream::connect(app.emulator.addr())
            .await
            .unwrap();
        s.write_all(b"GET /v2/p/fgs/functions HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(s);
    }
    // A fresh client: the server also closes idle keep-alive connections after the header
    // timeout, so a pooled connection from before the stalls may be gone.
    let url = format!(
        "{}{}",
        app.emulator.base_url(),
        TestApp::fgs("/functions/hello/config")
    );
    let fresh = || async {
        reqwest::Client::new()
            .get(&url)
            .header("X-Auth-Token", "t")
            .send()
            .await
            .expect("sent")
            .status()
            .as_u16()
    };
    let started = Instant::now();
    assert_eq!(fresh().await, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "not delayed by stalled clients"
    );
    // The server closes a connection whose headers do not arrive in time.
    let mut s = stalled.pop().unwrap();
    let mut buf = [0u8; 512];
    let closed = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
    match closed {
        Ok(Ok(_)) | Ok(Err(_)) => {} // EOF, a 408 head or a reset: closed either way
        Err(_) => panic!("a stalled connection was still open after 5 s"),
    }
    assert_eq!(fresh().await, 200);
}

/// Reads one whole answer (head and a `Content-Length` body) from a raw connection; `None`
/// if the connection closes first.
async fn read_answer(s: &mut tokio::net::TcpStream) -> Option<String> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                return Some(text);
            }
        }
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_timeout_runs_from_the_last_answer_and_spares_a_request_being_answered() {
    let mut config = base_config();
    config.server.header_timeout_seconds = 1;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    // The next request is delayed 1.5 s: longer than the header timeout, while answering.
    delay_show_config(&app, 1, 1500).await;
    let mut s = tokio::net::TcpStream::connect(app.emulator.addr())
        .await
        .unwrap();
    let request = format!(
        "GET /v2/{PROJECT}/fgs/functions/hello/config HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\n\r\n"
    );
    let started = Instant::now();
    let mut sent = started;
    // Five requests on one connection over about 3 s: the slow one, then one every 0.4 s.
    // Each arrives within the timeout of the answer before it, so none is refused,
    // though the connection lives three times the timeout.
    for i in 0..5 {
        sent = Instant::now();
        s.write_all(request.as_bytes()).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut s))
            .await
            .expect("answered")
            .unwrap_or_else(|| panic!("request {i} found the connection closed"));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert!(started.elapsed() > Duration::from_millis(3000));
    // Then idle: closed, and not before the timeout since the last answer (which came
    // after its request was sent).
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "an idle connection was not closed: {closed:?}"
    );
    assert!(
        sent.elapsed() >= Duration::from_secs(1),
        "closed {:?} after the last request",
        sent.elapsed()
    );
}

#[tokio::test]
async fn a_body_that_stalls_gets_408_fss_0408() {
    let mut config = base_config();
    config.server.body_timeout_seconds = 1;
    let app = TestApp::spawn_with(config).await;
    app.create_function("hello", "x", 200).await;
    let mut s = tokio::net::TcpStream::connect(app.emulator.addr())
        .await
        .unwrap();
    let head = format!(
        "POST /v2/{PROJECT}/fgs/functions/hello/versions HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"version\""
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"error_code\":\"FSS.0408\""), "{text}");
    assert!(text.to_ascii_lowercase().contains("x-request-id"), "{text}");
    // Nothing was published.
    let a = app.list_versions("hello", "", 200).await;
    assert_eq!(a.body["count"], 1);
}
