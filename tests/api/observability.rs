//! Logs: one span per request (request id, method, route, operation, status, latency) in
//! both log formats, and a panic's message logged inside it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_fgs-emulator");
const P: &str = "0123456789abcdef0123456789abcdef";

/// A binary on a free port with its stderr in a file; killed when dropped.
struct Logged {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn start(format: &str) -> Logged {
    let dir = std::env::temp_dir();
    let tag = format!("{}-{format}", std::process::id());
    let log = dir.join(format!("fgs-obs-{tag}.log"));
    let port_file = dir.join(format!("fgs-obs-{tag}.port"));
    let _ = std::fs::remove_file(&port_file);
    let child = Command::new(BIN)
        .args(["--port", "0", "--log-format", format, "--port-file"])
        .arg(&port_file)
        .env_clear()
        .env("RUST_LOG", "fgs_emulator=debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let port = loop {
        if let Ok(p) = std::fs::read_to_string(&port_file)
            && p.ends_with('\n')
        {
            break p.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "the emulator did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = std::fs::remove_file(&port_file);
    Logged {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
    }
}

/// Sends a request and returns its status and `X-Request-Id`.
async fn send(method: &str, url: &str, body: Option<Value>) -> (u16, String) {
    let client = reqwest::Client::new();
    let mut req = client
        .request(method.parse().unwrap(), url)
        .header("X-Auth-Token", "t");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    (r.status().as_u16(), id)
}

/// The log's lines, waiting briefly for `want` to appear in them.
fn lines_with(log: &std::path::Path, want: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(want) || Instant::now() > deadline {
            return text.lines().map(str::to_owned).collect();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn json_logs_carry_one_span_per_request_and_a_panic_s_message() {
    let e = start("json");
    let create = json!({
        "func_name": "hello", "runtime": "Python3.9", "handler": "index.handler",
        "memory_size": 128, "timeout": 30, "code_type": "inline", "func_code": {"file": ""},
    });
    let (status, _) = send(
        "POST",
        &format!("{}/v2/{P}/fgs/functions", e.base),
        Some(create),
    )
    .await;
    assert_eq!(status, 200);
    let (status, id) = send(
        "GET",
        &format!("{}/v2/{P}/fgs/functions/hello/config", e.base),
        None,
    )
    .await;
    assert_eq!(status, 200);

    let lines = lines_with(&e.log, &id);
    let finished: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["span"]["id"] == id.as_str() && v["fields"]["message"] == "finished")
        .collect();
    assert_eq!(finished.len(), 1, "one finished line for {id}: {lines:#?}");
    let span = &finished[0]["span"];
    assert_eq!(span["name"], "request");
    assert_eq!(span["method"], "GET");
    assert_eq!(span["operation"], "ShowFunctionConfig");
    assert_eq!(
        span["route"],
        "/v2/{project_id}/fgs/functions/{function_urn}/config"
    );
    assert_eq!(span["status"], 200);
    assert!(span["latency_ms"].as_f64().is_some(), "{span}");

    // A panic (injected) is logged with its message, inside the request's span.
    let (status, _) = send(
        "POST",
        &format!("{}/_emulator/faults", e.base),
        Some(json!({"operation": "ListFunctions", "action": {"type": "panic"}, "times": 1})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, id) = send("GET", &format!("{}/v2/{P}/fgs/functions", e.base), None).await;
    assert_eq!(status, 500);
    let lines = lines_with(&e.log, "panicked");
    let panic = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["level"] == "ERROR" && v["span"]["id"] == id.as_str())
        .unwrap_or_else(|| panic!("no panic line for {id}: {lines:#?}"));
    assert_eq!(panic["fields"]["panic"], "injected fault: panic");
    assert_eq!(panic["span"]["route"], "/v2/{project_id}/fgs/functions");
}

#[tokio::test]
async fn pretty_logs_carry_the_request_id_status_and_latency() {
    let e = start("pretty");
    let (status, id) = send(
        "GET",
        &format!("{}/v2/{P}/fgs/functions/missing/config", e.base),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let lines = lines_with(&e.log, &id);
    let line = lines
        .iter()
        .find(|l| l.contains(&id) && l.contains("finished"))
        .unwrap_or_else(|| panic!("no finished line for {id}: {lines:#?}"));
    for want in [
        "status=404",
        "latency_ms=",
        "operation=\"ShowFunctionConfig\"",
    ] {
        assert!(line.contains(want), "{want} in {line}");
    }
}
