//! `TestApp`: an emulator on a free port with a frozen clock, and one method per operation.
//! Every call states the status it expects, so a failing test says what came back.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use fgs_emulator::Emulator;
use fgs_emulator::clock::ControlledClock;
use fgs_emulator::config::{Config, ProjectConfig};
use serde_json::{Value, json};

/// The project every test uses (configured, region cn-north-4).
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
/// Its region.
pub const REGION: &str = "cn-north-4";

/// The instant tests freeze the clock at: 19:30:15 at +08:00.
pub fn frozen_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 11, 30, 15).unwrap()
}

/// The full URN of a function's latest (or a qualifier).
pub fn urn(name: &str, qualifier: &str) -> String {
    format!("urn:fss:{REGION}:{PROJECT}:function:default:{name}:{qualifier}")
}

/// Percent-encodes a URN the way the Python SDK does (`quote(safe='')`).
pub fn encoded(urn: &str) -> String {
    urn.replace(':', "%3A").replace('!', "%21")
}

/// A base config with a state file in a scratch directory of its own, for tests that
/// restart the emulator on the same file. The directory (and the file) go when the returned
/// guard drops, also when the test fails.
pub fn state_file_config(prefix: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    let mut config = base_config();
    config.state.file = Some(dir.path().join("state.jsonl"));
    (dir, config)
}

/// A base config: the test project, a fixed seed so image names are reproducible.
pub fn base_config() -> Config {
    let mut c = Config::default();
    c.projects.push(ProjectConfig {
        id: PROJECT.into(),
        region: REGION.into(),
        domain_name: "tester".into(),
        domain_id: Some("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0".into()),
    });
    c.control.seed = Some(42);
    c
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// `error_code` of an error envelope.
    pub fn code(&self) -> &str {
        self.body["error_code"].as_str().unwrap_or("")
    }

    /// `error_msg` of an error envelope.
    pub fn msg(&self) -> &str {
        self.body["error_msg"].as_str().unwrap_or("")
    }

    /// Asserts an error envelope: status, code, both keys, JSON type, request id.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        assert_eq!(self.code(), code, "error_code; body: {}", self.text);
        assert!(
            !self.msg().is_empty(),
            "error_msg must be present: {}",
            self.text
        );
        let keys: Vec<&String> = self.body.as_object().expect("an object").keys().collect();
        assert_eq!(
            keys.len(),
            2,
            "only error_code and error_msg: {}",
            self.text
        );
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "content type"
        );
        assert!(self.request_id.is_some(), "X-Request-Id on every response");
    }
}

/// An emulator for one test.
pub struct TestApp {
    pub emulator: Emulator,
    pub client: reqwest::Client,
}

impl TestApp {
    /// An emulator with [`base_config`] and a clock frozen at [`frozen_at`].
    pub async fn spawn() -> Self {
        Self::spawn_with(base_config()).await
    }

    /// An emulator with `config` and a clock frozen at [`frozen_at`].
    pub async fn spawn_with(config: Config) -> Self {
        let clock = Arc::new(ControlledClock::frozen(frozen_at()));
        let emulator = Emulator::start_with_clock(config, clock)
            .await
            .expect("emulator starts");
        Self {
            emulator,
            client: reqwest::Client::new(),
        }
    }

    /// Moves the frozen clock forward.
    pub fn advance(&self, seconds: i64) {
        self.emulator
            .clock()
            .advance(chrono::Duration::seconds(seconds));
    }

    /// `/v2/{PROJECT}/fgs` + `rest`.
    pub fn fgs(rest: &str) -> String {
        format!("/v2/{PROJECT}/fgs{rest}")
    }

    /// Sends a request with a token; `body` as JSON when given.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let req = self
            .client
            .request(
                method.parse().unwrap(),
                format!("{}{path}", self.emulator.base_url()),
            )
            .header("X-Auth-Token", "test-token");
        let req = match body {
            Some(b) => req
                .header("Content-Type", "application/json")
                .body(b.to_string()),
            None => req,
        };
        Self::read(req.send().await.expect("request sent")).await
    }

    /// Sends raw bytes with the given headers (no token unless given).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> Answer {
        let mut req = self.client.request(
            method.parse().unwrap(),
            format!("{}{path}", self.emulator.base_url()),
        );
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::read(req.body(body).send().await.expect("request sent")).await
    }

    /// Reads a response whole.
    pub async fn read(r: reqwest::Response) -> Answer {
        let status = r.status().as_u16();
        let header = |n: &str| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header("x-request-id");
        let content_type = header("content-type");
        let text = r.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            request_id,
            content_type,
            body,
            text,
        }
    }

    /// CreateFunction with inline Python code; expects `status`.
    pub async fn create_function(&self, name: &str, code: &str, status: u16) -> Answer {
        let a = self
            .call(
                "POST",
                &Self::fgs("/functions"),
                Some(create_body(name, code)),
            )
            .await;
        assert_eq!(a.status, status, "create {name}: {}", a.text);
        a
    }

    /// UpdateFunctionCode on latest with inline code; expects `status`.
    pub async fn update_code(&self, name: &str, code: &str, status: u16) -> Answer {
        let a = self
            .call(
                "PUT",
                &Self::fgs(&format!("/functions/{}/code", urn(name, "latest"))),
                Some(json!({"code_type": "inline", "func_code": {"file": b64(code)}})),
            )
            .await;
        assert_eq!(a.status, status, "update code {name}: {}", a.text);
        a
    }

    /// CreateFunctionVersion on `urn_in_path` with `body` (None: no body); expects `status`.
    pub async fn publish(&self, urn_in_path: &str, body: Option<Value>, status: u16) -> Answer {
        let a = self
            .call(
                "POST",
                &Self::fgs(&format!("/functions/{urn_in_path}/versions")),
                body,
            )
            .await;
        assert_eq!(a.status, status, "publish on {urn_in_path}: {}", a.text);
        a
    }

    /// ShowFunctionConfig; expects `status`.
    pub async fn show_config(&self, urn_in_path: &str, status: u16) -> Answer {
        let a = self
            .call(
                "GET",
                &Self::fgs(&format!("/functions/{urn_in_path}/config")),
                None,
            )
            .await;
        assert_eq!(a.status, status, "show config {urn_in_path}: {}", a.text);
        a
    }
}

impl TestApp {
    /// A GET/PUT/DELETE/POST under `/functions/{urn}` + `rest`; expects `status`.
    pub async fn on(
        &self,
        method: &str,
        urn_in_path: &str,
        rest: &str,
        body: Option<Value>,
        status: u16,
    ) -> Answer {
        let a = self
            .call(
                method,
                &Self::fgs(&format!("/functions/{urn_in_path}{rest}")),
                body,
            )
            .await;
        assert_eq!(a.status, status, "{method} {urn_in_path}{rest}: {}", a.text);
        a
    }

    /// ListFunctions with a query string (without `?`); expects `status`.
    pub async fn list_functions(&self, query: &str, status: u16) -> Answer {
        let a = self
            .call("GET", &Self::fgs(&format!("/functions?{query}")), None)
            .await;
        assert_eq!(a.status, status, "list functions ?{query}: {}", a.text);
        a
    }

    /// ListFunctionVersions; expects `status`.
    pub async fn list_versions(&self, urn_in_path: &str, query: &str, status: u16) -> Answer {
        self.on(
            "GET",
            urn_in_path,
            &format!("/versions?{query}"),
            None,
            status,
        )
        .await
    }

    /// ShowFunctionCode; expects `status`.
    pub async fn show_code(&self, urn_in_path: &str, status: u16) -> Answer {
        self.on("GET", urn_in_path, "/code", None, status).await
    }

    /// UpdateFunctionConfig with `changes` merged over a valid config body; expects `status`.
    pub async fn update_config(&self, urn_in_path: &str, changes: Value, status: u16) -> Answer {
        let mut body = json!({
            "func_name": "hello", "runtime": "Python3.9", "handler": "index.handler",
            "memory_size": 256, "timeout": 30,
        });
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.on("PUT", urn_in_path, "/config", Some(body), status)
            .await
    }

    /// DeleteFunction; expects `status`.
    pub async fn delete(&self, urn_in_path: &str, status: u16) -> Answer {
        self.on("DELETE", urn_in_path, "", None, status).await
    }

    /// CreateVersionAlias; expects `status`.
    pub async fn create_alias(&self, function: &str, body: Value, status: u16) -> Answer {
        self.on("POST", function, "/aliases", Some(body), status)
            .await
    }

    /// PUT, GET or DELETE on one alias; expects `status`.
    pub async fn alias(
        &self,
        method: &str,
        function: &str,
        alias: &str,
        body: Option<Value>,
        status: u16,
    ) -> Answer {
        self.on(method, function, &format!("/aliases/{alias}"), body, status)
            .await
    }
}

/// Base64 of a string.
pub fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A valid CreateFunction body.
pub fn create_body(name: &str, code: &str) -> Value {
    json!({
        "func_name": name,
        "package": "default",
        "runtime": "Python3.9",
        "handler": "index.handler",
        "memory_size": 256,
        "timeout": 30,
        "code_type": "inline",
        "code_filename": "index.py",
        "description": "a test function",
        "func_code": {"file": b64(code)},
    })
}

/// Lowercase hex SHA-512.
pub fn sha512_hex(bytes: &[u8]) -> String {
    fgs_emulator::domain::Digest::of(bytes).as_str().to_owned()
}

/// Writes raw bytes to the server and reads the whole answer (the connection must close).
pub async fn raw_http(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // The server may answer (and close) before it has read everything: ignore write errors.
    let _ = stream.write_all(request).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut out),
    )
    .await;
    String::from_utf8_lossy(&out).into_owned()
}
