//! `auth.mode = "verify"` end to end (SPEC section 6): an emulator in this process, real
//! HTTP requests, signed here by a small signer written from the documented algorithm
//! (`reference/sdk-signing.md` section 4), not by the server's own module.

use chrono::{TimeDelta, Utc};
use fgs_emulator::Emulator;
use fgs_emulator::config::{AuthMode, Config, CredentialConfig, TokenConfig};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

const PROJECT_A: &str = "0123456789abcdef0123456789abcdef";
const PROJECT_B: &str = "fedcba9876543210fedcba9876543210";
const AK: &str = "TESTAK0123456789ABCD";
const SK: &str = "testSecretKey0123456789abcdefghijklmnopqr";
/// A credential limited to project A.
const AK_A: &str = "ONLYPROJECTA";
const SK_A: &str = "secret-for-project-a";
const TOKEN: &str = "local-dev-token";

const CREATE_BODY: &str = r#"{"func_name":"hello","package":"default","runtime":"Python3.9","handler":"index.handler","memory_size":128,"timeout":30,"code_type":"inline","func_code":{"file":"cHJpbnQoMSk="}}"#;

fn verify_config() -> Config {
    let mut config = Config::default();
    config.auth.mode = AuthMode::Verify;
    config.auth.credentials = vec![
        CredentialConfig {
            ak: AK.into(),
            sk: SK.into(),
            project_ids: vec![],
        },
        CredentialConfig {
            ak: AK_A.into(),
            sk: SK_A.into(),
            project_ids: vec![PROJECT_A.into()],
        },
    ];
    config.auth.tokens = vec![TokenConfig {
        value: TOKEN.into(),
        project_ids: vec![],
    }];
    config.validate().expect("the test config is valid");
    config
}

// ---------------------------------------------------------------------------------------
// A test-side signer, from the documented algorithm.

/// RFC 3986 unreserved characters stay; everything else is `%XX` (upper-case hex).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// How the client builds the canonical URI from the path it sends.
#[derive(Clone, Copy)]
enum Sdk {
    /// Python: decode the (already quoted) path, then encode each segment.
    Python,
    /// Node.js: encode each segment of the raw, undecoded path.
    Node,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn canonical_uri(sdk: Sdk, path: &str) -> String {
    let mut uri = path
        .split('/')
        .map(|segment| match sdk {
            Sdk::Python => {
                let decoded = percent_decode_str(segment).decode_utf8().unwrap();
                utf8_percent_encode(&decoded, UNRESERVED).to_string()
            }
            Sdk::Node => utf8_percent_encode(segment, UNRESERVED).to_string(),
        })
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The query's pairs, sorted and encoded (the test's queries are plain text).
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|item| item.split_once('=').unwrap_or((item, "")))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, UNRESERVED),
                utf8_percent_encode(v, UNRESERVED)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs and returns the Authorization header value. `headers` are the signed headers,
/// lower-case names, sorted.
#[allow(clippy::too_many_arguments)]
fn authorization(
    sdk: Sdk,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, String)],
    body: &[u8],
    ak: &str,
    sk: &str,
) -> String {
    let date = &headers.iter().find(|(n, _)| *n == "x-sdk-date").unwrap().1;
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    let payload = hex(&Sha256::digest(body));
    let canonical = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{}\n{payload}",
        canonical_uri(sdk, path),
        canonical_query(query),
        signed.join(";")
    );
    let to_sign = format!(
        "SDK-HMAC-SHA256\n{date}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(sk.as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    format!(
        "SDK-HMAC-SHA256 Access={ak}, SignedHeaders={}, Signature={}",
        signed.join(";"),
        hex(&mac.finalize().into_bytes())
    )
}

// ---------------------------------------------------------------------------------------
// The app under test.

struct TestApp {
    emulator: Emulator,
    http: reqwest::Client,
}

/// One request to send; defaults are those of a Python-SDK-signed request with [`AK`].
struct Call<'a> {
    sdk: Sdk,
    method: Method,
    project: &'a str,
    /// The path after `/v2/{project}/fgs/`, as it goes on the wire.
    rest: String,
    query: &'a str,
    body: &'a [u8],
    ak: &'a str,
    sk: &'a str,
    /// How long ago the request was signed.
    age: TimeDelta,
}

impl<'a> Call<'a> {
    fn new(method: Method, project: &'a str, rest: impl Into<String>) -> Self {
        Self {
            sdk: Sdk::Python,
            method,
            project,
            rest: rest.into(),
            query: "",
            body: b"",
            ak: AK,
            sk: SK,
            age: TimeDelta::zero(),
        }
    }

    fn create(project: &'a str) -> Self {
        Self {
            body: CREATE_BODY.as_bytes(),
            ..Self::new(Method::POST, project, "functions")
        }
    }

    fn path(&self) -> String {
        format!("/v2/{}/fgs/{}", self.project, self.rest)
    }
}

impl TestApp {
    async fn start() -> Self {
        let emulator = Emulator::start(verify_config()).await.unwrap();
        Self {
            emulator,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str, query: &str) -> String {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!("{}{path}{q}", self.emulator.base_url())
    }

    /// Sends `call`, signed as its SDK would sign it.
    async fn signed(&self, call: &Call<'_>) -> reqwest::Response {
        let path = call.path();
        let date = (Utc::now() - call.age).format("%Y%m%dT%H%M%SZ").to_string();
        let mut headers = vec![
            ("content-type", "application/json".to_owned()),
            // reqwest sends `Host: 127.0.0.1:PORT`, as the SDKs do.
            ("host", self.emulator.addr().to_string()),
        ];
        if let Sdk::Python = call.sdk {
            headers.push(("user-agent", "huaweicloud-usdk-python/3.0; test".to_owned()));
        }
        headers.push(("x-project-id", call.project.to_owned()));
        headers.push(("x-sdk-date", date));
        let auth = authorization(
            call.sdk,
            call.method.as_str(),
            &path,
            call.query,
            &headers,
            call.body,
            call.ak,
            call.sk,
        );
        let mut request = self
            .http
            .request(call.method.clone(), self.url(&path, call.query))
            .header("authorization", auth)
            .body(call.body.to_vec());
        for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
            request = request.header(*name, value);
        }
        request.send().await.unwrap()
    }

    /// Sends a create with only an `X-Auth-Token` (or nothing, for `None`).
    async fn create_with_token(&self, project: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url(&format!("/v2/{project}/fgs/functions"), ""))
            .header("content-type", "application/json")
            .body(CREATE_BODY);
        if let Some(token) = token {
            request = request.header("x-auth-token", token);
        }
        request.send().await.unwrap()
    }
}

/// Asserts the status and the error envelope, and returns the `error_msg`.
async fn expect_error(response: reqwest::Response, status: StatusCode, code: &str) -> String {
    assert_eq!(response.status(), status);
    assert!(
        response.headers().contains_key("x-request-id"),
        "every error carries X-Request-Id"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], code, "{body}");
    body["error_msg"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_correctly_signed_create_succeeds() {
    let app = TestApp::start().await;
    let response = app.signed(&Call::create(PROJECT_A)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["func_name"], "hello");
}

#[tokio::test]
async fn a_wrong_sk_is_401_apigw_0301() {
    let app = TestApp::start().await;
    let call = Call {
        sk: "not-the-secret",
        ..Call::create(PROJECT_A)
    };
    let msg = expect_error(
        app.signed(&call).await,
        StatusCode::UNAUTHORIZED,
        "APIGW.0301",
    )
    .await;
    assert!(msg.contains("signature does not match"), "{msg}");
}

#[tokio::test]
async fn an_unknown_ak_is_401_apigw_0301() {
    let app = TestApp::start().await;
    let call = Call {
        ak: "NOBODYSAK",
        ..Call::create(PROJECT_A)
    };
    let msg = expect_error(
        app.signed(&call).await,
        StatusCode::UNAUTHORIZED,
        "APIGW.0301",
    )
    .await;
    assert!(msg.contains("unknown access key 'NOBODYSAK'"), "{msg}");
}

#[tokio::test]
async fn no_credentials_is_401_fss_0401() {
    let app = TestApp::start().await;
    expect_error(
        app.create_with_token(PROJECT_A, None).await,
        StatusCode::UNAUTHORIZED,
        "FSS.0401",
    )
    .await;
}

#[tokio::test]
async fn a_listed_token_works_and_an_unlisted_one_is_401_fss_0401() {
    let app = TestApp::start().await;
    let response = app.create_with_token(PROJECT_A, Some(TOKEN)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let msg = expect_error(
        app.create_with_token(PROJECT_A, Some("some-other-token"))
            .await,
        StatusCode::UNAUTHORIZED,
        "FSS.0401",
    )
    .await;
    assert!(msg.contains("X-Auth-Token"), "{msg}");
}

#[tokio::test]
async fn a_credential_limited_to_project_a_is_403_on_project_b() {
    let app = TestApp::start().await;
    let on = |project| Call {
        ak: AK_A,
        sk: SK_A,
        ..Call::create(project)
    };
    assert_eq!(app.signed(&on(PROJECT_A)).await.status(), StatusCode::OK);
    let msg = expect_error(
        app.signed(&on(PROJECT_B)).await,
        StatusCode::FORBIDDEN,
        "FSS.0403",
    )
    .await;
    assert!(msg.contains(PROJECT_B), "{msg}");
}

#[tokio::test]
async fn a_stale_date_is_401_apigw_0301() {
    let app = TestApp::start().await;
    let call = Call {
        age: TimeDelta::try_minutes(20).unwrap(),
        ..Call::create(PROJECT_A)
    };
    let msg = expect_error(
        app.signed(&call).await,
        StatusCode::UNAUTHORIZED,
        "APIGW.0301",
    )
    .await;
    assert!(msg.contains("X-Sdk-Date"), "{msg}");
}

#[tokio::test]
async fn a_changed_body_is_401_apigw_0301() {
    let app = TestApp::start().await;
    // Signed over one body, sent with another: sign, then swap the body.
    let path = format!("/v2/{PROJECT_A}/fgs/functions");
    let date = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let headers = vec![
        ("content-type", "application/json".to_owned()),
        ("host", app.emulator.addr().to_string()),
        ("x-sdk-date", date.clone()),
    ];
    let auth = authorization(
        Sdk::Python,
        "POST",
        &path,
        "",
        &headers,
        CREATE_BODY.as_bytes(),
        AK,
        SK,
    );
    let response = app
        .http
        .post(app.url(&path, ""))
        .header("content-type", "application/json")
        .header("x-sdk-date", date)
        .header("authorization", auth)
        .body(CREATE_BODY.replace("hello", "hellp"))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::UNAUTHORIZED, "APIGW.0301").await;
}

#[tokio::test]
async fn a_missing_signed_header_is_401_apigw_0301() {
    let app = TestApp::start().await;
    let path = format!("/v2/{PROJECT_A}/fgs/functions");
    let date = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let headers = vec![
        ("content-type", "application/json".to_owned()),
        ("host", app.emulator.addr().to_string()),
        ("x-project-id", PROJECT_A.to_owned()),
        ("x-sdk-date", date.clone()),
    ];
    let auth = authorization(
        Sdk::Python,
        "POST",
        &path,
        "",
        &headers,
        CREATE_BODY.as_bytes(),
        AK,
        SK,
    );
    // X-Project-Id is signed but not sent.
    let response = app
        .http
        .post(app.url(&path, ""))
        .header("content-type", "application/json")
        .header("x-sdk-date", date)
        .header("authorization", auth)
        .body(CREATE_BODY)
        .send()
        .await
        .unwrap();
    let msg = expect_error(response, StatusCode::UNAUTHORIZED, "APIGW.0301").await;
    assert!(msg.contains("x-project-id"), "{msg}");
}

#[tokio::test]
async fn a_urn_verifies_percent_encoded_and_raw() {
    let app = TestApp::start().await;
    assert_eq!(
        app.signed(&Call::create(PROJECT_A)).await.status(),
        StatusCode::OK
    );
    let urn = format!("urn:fss:cn-north-4:{PROJECT_A}:function:default:hello:latest");
    // Python SDK: `quote(urn, safe='')`, so `%3A` on the wire.
    let python = Call {
        query: "b=2&a=1",
        ..Call::new(
            Method::GET,
            PROJECT_A,
            format!("functions/{}/config", urn.replace(':', "%3A")),
        )
    };
    // Node.js SDK: the URN raw, `user-agent` not signed, the query unsorted.
    let node = Call {
        sdk: Sdk::Node,
        query: "b=2&a=1",
        ..Call::new(Method::GET, PROJECT_A, format!("functions/{urn}/config"))
    };
    for (name, call) in [("%3A", python), ("raw ':'", node)] {
        let response = app.signed(&call).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["func_urn"], urn, "{name}");
    }
}

#[tokio::test]
async fn the_window_is_real_time_not_the_emulators_clock() {
    // A frozen emulator clock (years in the past) does not make fresh signatures stale.
    let clock = fgs_emulator::clock::ControlledClock::frozen(
        chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let emulator = Emulator::start_with_clock(verify_config(), std::sync::Arc::new(clock))
        .await
        .unwrap();
    let app = TestApp {
        emulator,
        http: reqwest::Client::new(),
    };
    assert_eq!(
        app.signed(&Call::create(PROJECT_A)).await.status(),
        StatusCode::OK
    );
}

#[test]
fn verify_mode_settings_are_validated() {
    let with = |edit: fn(&mut Config)| {
        let mut c = verify_config();
        edit(&mut c);
        c.validate().map(drop).map_err(|e| e.to_string())
    };
    assert_eq!(with(|_| {}), Ok(()));
    /// Why the config is wrong, how to make it so, the key the error must name.
    type Case = (&'static str, fn(&mut Config), &'static str);
    let cases: [Case; 7] = [
        (
            "nothing to accept",
            |c| {
                c.auth.tokens.clear();
                c.auth.credentials.clear();
            },
            "auth.mode",
        ),
        (
            "empty ak",
            |c| c.auth.credentials[0].ak.clear(),
            "auth.credentials[0].ak",
        ),
        (
            "ak with a comma",
            |c| c.auth.credentials[0].ak = "A,B".into(),
            "auth.credentials[0].ak",
        ),
        (
            "empty sk",
            |c| c.auth.credentials[1].sk.clear(),
            "auth.credentials[1].sk",
        ),
        (
            "ak twice",
            |c| c.auth.credentials[1].ak = AK.into(),
            "auth.credentials[1].ak",
        ),
        (
            "bad project id",
            |c| c.auth.credentials[1].project_ids = vec!["a/b".into()],
            "auth.credentials[1].project_ids[0]",
        ),
        (
            "blank token",
            |c| c.auth.tokens[0].value = " ".into(),
            "auth.tokens[0].value",
        ),
    ];
    for (why, edit, key) in cases {
        let err = with(edit).expect_err(why);
        assert!(err.contains(key), "{why}: {err}");
    }
}
