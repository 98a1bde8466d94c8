//! Invocation (issue 12): real handlers on `python3` and `node`, alias routing, instance
//! lifecycle, failures, safety. Each test starts its own emulator on a free port.

use std::io::Write as _;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::helpers::{PROJECT, TestApp, b64, base_config, create_body, encoded, urn};

/// An invocation's answer with the headers that matter here.
struct Invoked {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    body: Value,
}

impl Invoked {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[track_caller]
    fn assert_ok(&self) {
        assert_eq!(self.status, 200, "{}", self.text);
        assert_eq!(self.header("x-is-func-err"), "false", "{}", self.text);
        assert_eq!(self.header("x-func-err-code"), "0", "{}", self.text);
    }

    #[track_caller]
    fn assert_func_err(&self, code: &str, error_type: &str) {
        assert_eq!(self.status, 200, "{}", self.text);
        assert_eq!(self.header("x-is-func-err"), "true", "{}", self.text);
        assert_eq!(self.header("x-func-err-code"), code, "{}", self.text);
        assert_eq!(self.body["errorType"], error_type, "{}", self.text);
        assert!(self.body["errorMessage"].is_string(), "{}", self.text);
        assert!(self.body["stackTrace"].is_array(), "{}", self.text);
    }

    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.body["error_code"], code, "{}", self.text);
        assert!(self.body["error_msg"].is_string(), "{}", self.text);
        assert!(self.headers.contains_key("x-request-id"));
    }
}

async fn invoke(app: &TestApp, urn_in_path: &str, headers: &[(&str, &str)], body: &str) -> Invoked {
    let mut req = app
        .client
        .post(format!(
            "{}{}",
            app.emulator.base_url(),
            TestApp::fgs(&format!("/functions/{urn_in_path}/invocations"))
        ))
        .header("X-Auth-Token", "test-token")
        .header("Content-Type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.body(body.to_owned()).send().await.expect("sent");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Invoked {
        status,
        headers,
        text,
        body,
    }
}

/// A function `name` with `runtime`, `code` (bytes, base64'd), `changes` merged in.
async fn create(app: &TestApp, name: &str, runtime: &str, code: &[u8], changes: Value) {
    let mut body = create_body(name, "");
    body["runtime"] = json!(runtime);
    body["func_code"]["file"] = json!(base64::engine::general_purpose::STANDARD.encode(code));
    if runtime.starts_with("Node") {
        body["code_filename"] = json!("index.js");
    }
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    let a = app
        .call("POST", &TestApp::fgs("/functions"), Some(body))
        .await;
    assert_eq!(a.status, 200, "create {name}: {}", a.text);
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

async fn instances(app: &TestApp) -> Value {
    app.call("GET", "/_emulator/instances", None).await.body
}

const PY_CONTEXT: &str = r#"
import os
def handler(event, context):
    print("printed line")
    context.getLogger().info("logged", 42)
    return {
        "event": event,
        "request_id": context.getRequestID(),
        "remaining": context.getRemainingTimeInMilliSeconds(),
        "running": context.getRunningTimeInSeconds(),
        "user": context.getUserData("GREETING"),
        "env": os.environ.get("GREETING"),
        "name": context.getFunctionName(),
        "version": context.getVersion(),
        "memory": context.getMemorySize(),
        "cpu": context.getCPUNumber(),
        "package": context.getPackage(),
        "project": context.getProjectID(),
        "alias": context.getAlias(),
        "pid": os.getpid(),
    }
"#;

#[tokio::test]
async fn a_python_handler_answers_v0_and_v1_with_the_documented_headers() {
    let app = TestApp::spawn().await;
    create(
        &app,
        "py",
        "Python3.9",
        PY_CONTEXT.as_bytes(),
        json!({"user_data": "{\"GREETING\":\"hello\"}", "timeout": 10}),
    )
    .await;
    let a = invoke(
        &app,
        "py",
        &[("X-Cff-Log-Type", "tail")],
        r#"{"k": [1, 2]}"#,
    )
    .await;
    a.assert_ok();
    let rid = a.header("x-request-id").to_owned();
    assert_eq!(a.header("x-cff-request-id"), rid);
    assert_eq!(a.header("x-cff-response-version"), "v0");
    assert_eq!(a.header("content-type"), "application/json");
    let b = &a.body;
    assert_eq!(b["event"], json!({"k": [1, 2]}));
    assert_eq!(b["request_id"], rid.as_str());
    assert!(b["remaining"].as_i64().unwrap() > 9000, "{b}");
    assert_eq!(b["running"], 10);
    assert_eq!(b["user"], "hello");
    assert_eq!(b["env"], "hello");
    assert_eq!(b["name"], "py");
    assert_eq!(b["version"], "latest");
    assert_eq!(b["memory"], 256);
    assert_eq!(b["cpu"], 400);
    assert_eq!(b["package"], "default");
    assert_eq!(b["project"], PROJECT);
    assert_eq!(b["alias"], "");
    let summary: Value = serde_json::from_str(a.header("x-cff-invoke-summary")).unwrap();
    for key in ["duration", "billingDuration", "memorySize", "memoryUsed"] {
        assert!(summary[key].is_number(), "{key} in {summary}");
    }
    assert_eq!(summary["memorySize"], 256);
    assert_eq!(
        a.header("x-cff-billing-duration"),
        summary["billingDuration"].to_string()
    );
    let log = base64::engine::general_purpose::STANDARD
        .decode(a.header("x-cff-function-log"))
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(
        log.contains(&format!("Start invoke request '{rid}', version: latest")),
        "{log}"
    );
    assert!(log.contains("printed line\n"), "{log}");
    assert!(log.contains(&format!("{rid} INFO logged 42")), "{log}");
    assert!(
        log.contains(&format!("Finish invoke request '{rid}', duration: ")),
        "{log}"
    );

    // v1: the SDK's model, `result` the result as text; no tail header without tail.
    let v1 = invoke(&app, "py", &[("X-CFF-Request-Version", "v1")], "{}").await;
    v1.assert_ok();
    assert_eq!(v1.header("x-cff-response-version"), "v1");
    assert!(!v1.headers.contains_key("x-cff-function-log"));
    let keys: Vec<&String> = v1.body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{}", v1.text);
    assert_eq!(v1.body["status"], 200);
    assert_eq!(v1.body["request_id"], v1.header("x-cff-request-id"));
    let result: Value = serde_json::from_str(v1.body["result"].as_str().unwrap()).unwrap();
    assert_eq!(result["event"], json!({}));
    assert!(v1.body["log"].as_str().unwrap().contains("printed line"));
    // Warm: the same process served both.
    assert_eq!(result["pid"], a.body["pid"]);
}

#[tokio::test]
async fn results_keep_their_shape_strings_raw_none_empty() {
    let app = TestApp::spawn().await;
    let code = "def handler(event, context):\n    return event.get('r')\n";
    create(&app, "shape", "Python3.9", code.as_bytes(), json!({})).await;
    let a = invoke(&app, "shape", &[], r#"{"r": "plain text"}"#).await;
    a.assert_ok();
    assert_eq!(a.text, "plain text");
    assert_eq!(a.header("content-type"), "text/plain; charset=utf-8");
    let a = invoke(&app, "shape", &[], r#"{"r": null}"#).await;
    a.assert_ok();
    assert_eq!(a.text, "");
    let a = invoke(
        &app,
        "shape",
        &[("X-CFF-Request-Version", "v1")],
        r#"{"r": {"a": 1}}"#,
    )
    .await;
    assert_eq!(
        a.body["result"], r#"{"a": 1}"#,
        "Python's json.dumps spacing"
    );
    // A body that is not JSON is refused before anything runs.
    invoke(&app, "shape", &[], "not json")
        .await
        .assert_error(406, "FSS.0406");
    // An empty body is the event {}.
    invoke(&app, "shape", &[], "").await.assert_ok();
}

#[tokio::test]
async fn node_handlers_run_async_and_callback_forms() {
    let app = TestApp::spawn().await;
    let asynchronous = r#"
exports.handler = async (event, context) => {
  console.log('from node', event.n);
  context.getLogger().warn('careful');
  return { n: event.n * 2, version: context.getVersion(), user: context.getUserData('K'),
           env: process.env.K, rid: context.getRequestID(), cpu: context.getCPUNumber() };
};
"#;
    create(
        &app,
        "nodeasync",
        "Node.js18.15",
        asynchronous.as_bytes(),
        json!({"user_data": "{\"K\":\"v\"}"}),
    )
    .await;
    let a = invoke(
        &app,
        "nodeasync",
        &[("X-Cff-Log-Type", "tail")],
        r#"{"n": 21}"#,
    )
    .await;
    a.assert_ok();
    assert_eq!(a.body["n"], 42);
    assert_eq!(a.body["version"], "latest");
    assert_eq!(a.body["user"], "v");
    assert_eq!(a.body["env"], "v");
    assert_eq!(a.body["rid"], a.header("x-cff-request-id"));
    let log = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(a.header("x-cff-function-log"))
            .unwrap(),
    )
    .unwrap();
    assert!(log.contains("from node 21\n"), "{log}");
    assert!(log.contains(" WARN careful"), "{log}");

    let callback = r#"
exports.handler = function (event, context, callback) {
  if (event.fail) { callback(new TypeError('bad input')); return; }
  setTimeout(() => callback(null, 'late ' + event.x), 5);
};
"#;
    create(
        &app,
        "nodecb",
        "Node.js16.17",
        callback.as_bytes(),
        json!({}),
    )
    .await;
    let a = invoke(&app, "nodecb", &[], r#"{"x": 7}"#).await;
    a.assert_ok();
    assert_eq!(a.text, "late 7");
    let e = invoke(&app, "nodecb", &[], r#"{"fail": true}"#).await;
    e.assert_func_err("4002", "TypeError");
    assert_eq!(e.body["errorMessage"], "bad input");

    // A throw nobody awaits kills the Node process: a function error, then a fresh instance.
    let crashing = r#"
exports.handler = async (event) => {
  if (event.crash) setImmediate(() => { throw new Error('unawaited'); });
  if (event.crash) await new Promise((r) => setTimeout(r, 1000));
  return process.pid;
};
"#;
    create(
        &app,
        "nodecrash",
        "Node.js18.15",
        crashing.as_bytes(),
        json!({}),
    )
    .await;
    let first = invoke(&app, "nodecrash", &[], "{}").await;
    first.assert_ok();
    let c = invoke(&app, "nodecrash", &[], r#"{"crash": true}"#).await;
    c.assert_func_err("4201", "RuntimeExited");
    assert!(
        c.body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("unawaited"),
        "{}",
        c.text
    );
    let after = invoke(&app, "nodecrash", &[], "{}").await;
    after.assert_ok();
    assert_ne!(after.body, first.body);
}

#[tokio::test]
async fn a_handler_exception_is_a_function_error_and_the_next_call_works() {
    let app = TestApp::spawn().await;
    let code = "def handler(event, context):\n    if event.get('boom'):\n        raise ValueError('it broke')\n    return 'fine'\n";
    create(&app, "raiser", "Python3.9", code.as_bytes(), json!({})).await;
    let e = invoke(&app, "raiser", &[], r#"{"boom": true}"#).await;
    e.assert_func_err("4002", "ValueError");
    assert_eq!(e.body["errorMessage"], "it broke");
    assert!(!e.body["stackTrace"].as_array().unwrap().is_empty());
    let v1 = invoke(
        &app,
        "raiser",
        &[("X-CFF-Request-Version", "v1")],
        r#"{"boom": 1}"#,
    )
    .await;
    assert_eq!(v1.body["status"], 500);
    let inner: Value = serde_json::from_str(v1.body["result"].as_str().unwrap()).unwrap();
    assert_eq!(inner["errorType"], "ValueError");
    assert!(v1.body["log"].as_str().unwrap().contains("(invoke Failed)"));
    let ok = invoke(&app, "raiser", &[], "{}").await;
    ok.assert_ok();
    assert_eq!(ok.text, "fine");
}

#[tokio::test]
async fn a_timeout_kills_the_handler_and_a_crash_or_memory_overrun_is_a_function_error() {
    let app = TestApp::spawn().await;
    let code = r#"
import os, time
def handler(event, context):
    what = event.get("do")
    if what == "sleep":
        time.sleep(30)
    if what == "crash":
        os._exit(3)
    if what == "hog":
        hog = b"x" * (400 * 1024 * 1024)
        return len(hog)
    return os.getpid()
"#;
    create(
        &app,
        "trouble",
        "Python3.9",
        code.as_bytes(),
        json!({"timeout": 3, "memory_size": 128}),
    )
    .await;
    let first = invoke(&app, "trouble", &[], "{}").await;
    first.assert_ok();

    let started = std::time::Instant::now();
    let t = invoke(&app, "trouble", &[], r#"{"do": "sleep"}"#).await;
    t.assert_func_err("4010", "FunctionTimeout");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(8),
        "{took:?}"
    );
    let after = invoke(&app, "trouble", &[], "{}").await;
    after.assert_ok();
    assert_ne!(
        after.body, first.body,
        "the timed-out instance was replaced"
    );

    let c = invoke(&app, "trouble", &[], r#"{"do": "crash"}"#).await;
    c.assert_func_err("4201", "RuntimeExited");
    assert!(
        c.body["errorMessage"].as_str().unwrap().contains("exit"),
        "{}",
        c.text
    );
    invoke(&app, "trouble", &[], "{}").await.assert_ok();

    let m = invoke(&app, "trouble", &[], r#"{"do": "hog"}"#).await;
    m.assert_func_err("4205", "OutOfMemory");
    invoke(&app, "trouble", &[], "{}").await.assert_ok();
}

#[tokio::test]
async fn zip_code_runs_and_archives_that_escape_link_or_inflate_are_refused() {
    let app = TestApp::spawn().await;
    let good = zip_of(&[
        ("index.py", b"from lib.util import twice\ndef handler(event, context):\n    return twice(event['n'])\n"),
        ("lib/__init__.py", b""),
        ("lib/util.py", b"def twice(n):\n    return n * 2\n"),
    ]);
    create(
        &app,
        "zipped",
        "Python3.9",
        &good,
        json!({"code_type": "zip", "code_filename": "code.zip"}),
    )
    .await;
    let a = invoke(&app, "zipped", &[], r#"{"n": 4}"#).await;
    a.assert_ok();
    assert_eq!(a.text, "8");

    let escape = zip_of(&[
        ("index.py", b"def handler(e, c):\n    return 1\n"),
        ("../../escaped.py", b"x"),
    ]);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("index.py", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"def handler(e, c):\n    return 1\n").unwrap();
    w.add_symlink(
        "link.py",
        "/etc/passwd",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    let link = w.finish().unwrap().into_inner();
    let bomb = zip_of(&[("index.py", &vec![b' '; 4 * 1024 * 1024])]);
    let mut config = base_config();
    config.invoke.max_unpacked_bytes = 1024 * 1024;
    let app = TestApp::spawn_with(config).await;
    for (name, code, words) in [
        ("escape", escape, "outside the code directory"),
        ("link", link, "symbolic link"),
        ("bomb", bomb, "exceeds"),
    ] {
        create(
            &app,
            name,
            "Python3.9",
            &code,
            json!({"code_type": "zip", "code_filename": "code.zip"}),
        )
        .await;
        let r = invoke(&app, name, &[], "{}").await;
        r.assert_error(400, "FSS.1011");
        assert!(
            r.body["error_msg"].as_str().unwrap().contains(words),
            "{name}: {}",
            r.text
        );
    }
    let escaped = std::env::temp_dir().join("escaped.py");
    assert!(!escaped.exists(), "nothing was written outside");
}

#[tokio::test]
async fn warm_instances_are_reused_and_retired_when_code_changes() {
    let app = TestApp::spawn().await;
    let v = |tag: &str| {
        format!(
            "import os\ndef handler(event, context):\n    return {{'tag': '{tag}', 'pid': os.getpid(), 'version': context.getVersion()}}\n"
        )
    };
    create(&app, "warm", "Python3.9", v("one").as_bytes(), json!({})).await;
    let a = invoke(&app, "warm", &[], "{}").await;
    let b = invoke(&app, "warm", &[], "{}").await;
    assert_eq!(a.body["pid"], b.body["pid"], "warm reuse");
    assert_eq!(a.body["tag"], "one");
    app.publish(&urn("warm", "latest"), Some(json!({"version": "v1"})), 200)
        .await;
    app.update_code("warm", &v("two"), 200).await;
    let c = invoke(&app, "warm", &[], "{}").await;
    assert_eq!(c.body["tag"], "two", "latest runs its new code");
    assert_ne!(c.body["pid"], a.body["pid"], "in a new instance");
    let old = invoke(&app, &urn("warm", "v1"), &[], "{}").await;
    assert_eq!(
        old.body["tag"], "one",
        "v1 keeps the code it was published with"
    );
    assert_eq!(old.body["version"], "v1");
    // The retired instance's process is gone.
    let pid = a.body["pid"].as_i64().unwrap();
    let gone = || {
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/status"))
                .is_ok_and(|s| s.contains("State:\tZ"))
    };
    for _ in 0..50 {
        if gone() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone(), "process {pid} was stopped");

    // Deleting a version retires its instances (the reaper checks every second).
    app.delete(&urn("warm", "v1"), 204).await;
    let mut listed = Value::Null;
    for _ in 0..40 {
        listed = instances(&app).await;
        if !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["version"] == "v1")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["version"] == "v1"),
        "{listed}"
    );
    // Reset retires everything.
    app.call("POST", "/_emulator/reset", None).await;
    assert_eq!(instances(&app).await, json!([]));
}

#[tokio::test]
async fn idle_instances_stop_after_the_idle_timeout_and_the_initializer_runs_once() {
    let mut config = base_config();
    config.invoke.idle_timeout_seconds = 1;
    let app = TestApp::spawn_with(config).await;
    let code = "count = 0\ninits = 0\ndef init(context):\n    global inits\n    inits += 1\ndef handler(event, context):\n    global count\n    count += 1\n    return {'count': count, 'inits': inits}\n";
    create(
        &app,
        "idle",
        "Python3.9",
        code.as_bytes(),
        json!({"initializer_handler": "index.init", "initializer_timeout": 5}),
    )
    .await;
    invoke(&app, "idle", &[], "{}").await.assert_ok();
    let b = invoke(&app, "idle", &[], "{}").await;
    assert_eq!(b.body, json!({"count": 2, "inits": 1}));
    assert_eq!(
        instances(&app).await[0]["idle_pids"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(instances(&app).await[0]["idle_pids"], json!([]));
    let c = invoke(&app, "idle", &[], "{}").await;
    assert_eq!(
        c.body,
        json!({"count": 1, "inits": 1}),
        "a fresh instance, initialised once"
    );
}

#[tokio::test]
async fn a_failing_initializer_is_tried_three_times_then_is_a_function_error() {
    let app = TestApp::spawn().await;
    // Every instance has its own directory, so the attempts are counted in a file outside.
    let scratch = tempfile::Builder::new()
        .prefix("fgs-init-attempts-")
        .tempdir()
        .unwrap();
    let counter = scratch.path().join("attempts");
    let code = format!(
        "def init(context):\n    open({:?}, 'a').write('x')\n    raise RuntimeError('no db')\ndef handler(event, context):\n    return 1\n",
        counter.display().to_string()
    );
    create(
        &app,
        "badinit",
        "Python3.9",
        code.as_bytes(),
        json!({"initializer_handler": "index.init", "initializer_timeout": 5}),
    )
    .await;
    let e = invoke(&app, "badinit", &[], "{}").await;
    e.assert_func_err("4009", "RuntimeError");
    assert_eq!(e.body["errorMessage"], "no db");
    assert_eq!(
        std::fs::read_to_string(&counter).unwrap(),
        "xxx",
        "three attempts"
    );
}

/// Publishes v1 (tag one) and v2 (tag two) of `name`, each returning its version.
async fn two_versions(app: &TestApp, name: &str) {
    let code = "def handler(event, context):\n    return context.getVersion() + ' ' + context.getAlias()\n";
    create(app, name, "Python3.9", code.as_bytes(), json!({})).await;
    app.publish(&urn(name, "latest"), Some(json!({"version": "v1"})), 200)
        .await;
    app.update_config(
        &urn(name, "latest"),
        json!({"func_name": name, "description": "second"}),
        200,
    )
    .await;
    app.publish(&urn(name, "latest"), Some(json!({"version": "v2"})), 200)
        .await;
}

#[tokio::test]
async fn a_thirty_percent_alias_routes_within_binomial_bounds_repeatably_and_the_journal_says_which()
 {
    let mut counts = Vec::new();
    for _run in 0..2 {
        let mut config = base_config();
        config.control.journal_size = 5000;
        let app = TestApp::spawn_with(config).await;
        two_versions(&app, "split").await;
        app.create_alias(
            "split",
            json!({"name": "prod", "version": "v1", "additional_version_weights": {"v2": 30}}),
            200,
        )
        .await;
        let alias = encoded(&urn("split", "!prod"));
        let mut to_v2 = 0;
        let mut order = String::new();
        for _ in 0..1000 {
            let a = invoke(&app, &alias, &[], "{}").await;
            a.assert_ok();
            match a.text.as_str() {
                "v2 prod" => {
                    to_v2 += 1;
                    order.push('2');
                }
                "v1 prod" => order.push('1'),
                other => panic!("unexpected {other}"),
            }
        }
        // n = 1000, p = 0.3: mean 300, sd 14.5; 5 sd either side.
        assert!((228..=372).contains(&to_v2), "{to_v2} of 1000 went to v2");
        let journal = app
            .call("GET", "/_emulator/requests?operation=InvokeFunction", None)
            .await
            .body;
        let entries = journal
            .as_array()
            .or_else(|| journal["requests"].as_array())
            .unwrap();
        let journaled_v2 = entries.iter().filter(|e| e["version"] == "v2").count();
        assert_eq!(
            journaled_v2, to_v2,
            "the journal records the served version"
        );
        counts.push(order);
    }
    assert_eq!(
        counts[0], counts[1],
        "control.seed makes the routing repeat"
    );
}

#[tokio::test]
async fn header_rules_send_matching_requests_to_the_additional_version() {
    let app = TestApp::spawn().await;
    two_versions(&app, "canary").await;
    app.create_alias(
        "canary",
        json!({"name": "live", "version": "v1", "additional_version_strategy": {"v2": {
        "combine_type": "or",
        "rules": [
            {"rule_type": "Header", "param": "x-user", "op": "in", "value": "alice,bob"},
            {"rule_type": "Header", "param": "x-beta", "op": "=", "value": "yes"}
        ]}}}),
        200,
    )
    .await;
    let alias = urn("canary", "!live");
    for (headers, expected) in [
        (vec![], "v1 live"),
        (vec![("X-User", "bob")], "v2 live"),
        (vec![("x-user", "carol")], "v1 live"),
        (vec![("X-Beta", "yes")], "v2 live"),
    ] {
        let a = invoke(&app, &alias, &headers, "{}").await;
        assert_eq!(a.text, expected, "{headers:?}");
    }
}

#[tokio::test]
async fn missing_targets_and_bad_headers_get_the_documented_errors() {
    let app = TestApp::spawn().await;
    create(
        &app,
        "here",
        "Python3.9",
        b"def handler(e, c):\n    return 1\n",
        json!({}),
    )
    .await;
    invoke(&app, "nothere", &[], "{}")
        .await
        .assert_error(404, "FSS.1051");
    invoke(&app, &urn("here", "v9"), &[], "{}")
        .await
        .assert_error(404, "FSS.1052");
    invoke(&app, &encoded(&urn("here", "!nope")), &[], "{}")
        .await
        .assert_error(404, "FSS.1053");
    invoke(&app, "nothere", &[], "not json")
        .await
        .assert_error(404, "FSS.1051");
    invoke(&app, "here", &[("X-CFF-Request-Version", "v7")], "{}")
        .await
        .assert_error(400, "FSS.0400");
    invoke(&app, "here", &[("X-Cff-Instance-Memory", "")], "{}")
        .await
        .assert_error(400, "FSS.0400");
    invoke(&app, "here", &[("X-Cff-Instance-Memory", "64")], "{}")
        .await
        .assert_error(400, "FSS.0400");
    let a = app
        .raw(
            "POST",
            &TestApp::fgs("/functions/here/invocations"),
            &[],
            "{}",
        )
        .await;
    a.assert_error(401, "FSS.0401");
}

#[tokio::test]
async fn runtimes_that_cannot_run_say_how_to_stub_them_and_canned_results_answer() {
    let app = TestApp::spawn().await;
    let mut body = create_body("javafn", "");
    body["runtime"] = json!("Java11");
    body["handler"] = json!("com.example.Handler::handle");
    body["code_type"] = json!("zip");
    body["func_code"]["file"] = json!(b64("not really a jar"));
    let created = app
        .call("POST", &TestApp::fgs("/functions"), Some(body))
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let r = invoke(&app, "javafn", &[], "{}").await;
    r.assert_error(400, "FSS.0400");
    let msg = r.body["error_msg"].as_str().unwrap();
    assert!(
        msg.contains("Java11") && msg.contains("/_emulator/canned-results"),
        "{msg}"
    );

    let c = app
        .call(
            "POST",
            "/_emulator/canned-results",
            Some(json!({"func_name": "javafn", "result": {"ok": true}, "delay_ms": 5})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    let a = invoke(&app, "javafn", &[], "{}").await;
    a.assert_ok();
    assert_eq!(a.body, json!({"ok": true}));
    let c = app
        .call("POST", "/_emulator/canned-results", Some(json!({"func_name": "javafn", "version": "latest", "error": {"errorMessage": "nope", "errorType": "IllegalStateException"}})))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    invoke(&app, "javafn", &[], "{}")
        .await
        .assert_func_err("4002", "IllegalStateException");
    let listed = app.call("GET", "/_emulator/canned-results", None).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
    assert_eq!(
        app.call("DELETE", "/_emulator/canned-results", None)
            .await
            .status,
        204
    );
    invoke(&app, "javafn", &[], "{}")
        .await
        .assert_error(400, "FSS.0400");
}

#[tokio::test]
async fn a_non_loopback_host_refuses_to_start_unless_allowed() {
    let mut config = base_config();
    config.server.host = "0.0.0.0".into();
    let err = fgs_emulator::Emulator::start(config.clone())
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("invoke.allow_non_loopback"),
        "{err}"
    );
    config.invoke.allow_non_loopback = true;
    let emulator = fgs_emulator::Emulator::start(config)
        .await
        .expect("allowed");
    emulator.stop().await;
}

/// Polls ListFunctionAsyncInvocations until `request_id` is no longer WAIT or RUNNING.
async fn settled(app: &TestApp, function: &str, request_id: &str) -> Value {
    for _ in 0..100 {
        let a = app
            .on(
                "GET",
                function,
                &format!("/async-invocations?request_id={request_id}"),
                None,
                200,
            )
            .await;
        let record = a.body["invocations"][0].clone();
        if record["status"] != "WAIT" && record["status"] != "RUNNING" {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{request_id} never finished");
}

#[tokio::test]
async fn async_invocations_reach_success_and_fail_and_can_be_listed_and_cancelled() {
    let app = TestApp::spawn().await;
    let code = "import time\ndef handler(event, context):\n    if event.get('fail'):\n        raise KeyError('missing')\n    if event.get('sleep'):\n        time.sleep(20)\n    return 'done'\n";
    create(&app, "bg", "Python3.9", code.as_bytes(), json!({})).await;
    let queued = |body: &'static str| {
        let app = &app;
        async move {
            let a = app
                .raw(
                    "POST",
                    &TestApp::fgs("/functions/bg/invocations-async"),
                    &[("X-Auth-Token", "t"), ("Content-Type", "application/json")],
                    body,
                )
                .await;
            assert_eq!(a.status, 202, "{}", a.text);
            assert_eq!(a.body.as_object().unwrap().len(), 1, "{}", a.text);
            a.body["request_id"].as_str().unwrap().to_owned()
        }
    };
    let ok = queued("{}").await;
    let bad = queued(r#"{"fail": true}"#).await;
    let ok_record = settled(&app, "bg", &ok).await;
    assert_eq!(ok_record["status"], "SUCCESS", "{ok_record}");
    assert_eq!(ok_record["error_code"], 0);
    assert_eq!(ok_record["error_message"], "");
    assert_eq!(ok_record["start_time"], "2026-11-28T11:30:15");
    assert_eq!(ok_record["end_time"], "2026-11-28T11:30:15");
    let bad_record = settled(&app, "bg", &bad).await;
    assert_eq!(bad_record["status"], "FAIL", "{bad_record}");
    assert!(
        bad_record["error_message"]
            .as_str()
            .unwrap()
            .contains("KeyError")
    );

    // Cancel a running one: it ends FAIL with 4208 and is no longer active.
    let slow = queued(r#"{"sleep": true}"#).await;
    let mut active = Value::Null;
    for _ in 0..100 {
        active = app
            .on(
                "GET",
                "bg",
                &format!("/active-async-invocations?requests={slow}"),
                None,
                200,
            )
            .await
            .body;
        if active["invocations"][0]["status"] == "RUNNING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(active["invocations"][0]["status"], "RUNNING", "{active}");
    let c = app
        .on(
            "POST",
            "bg",
            "/cancel",
            Some(json!({"request_id": slow})),
            200,
        )
        .await;
    assert_eq!(c.body, json!({}));
    let cancelled = settled(&app, "bg", &slow).await;
    assert_eq!(cancelled["status"], "FAIL");
    assert_eq!(cancelled["error_code"], 4208);
    let active = app
        .on("GET", "bg", "/active-async-invocations", None, 200)
        .await;
    assert_eq!(active.body["count"], 0, "{}", active.text);

    // Listing: filters and paging.
    let all = app.on("GET", "bg", "/async-invocations", None, 200).await;
    assert_eq!(all.body["count"], 3, "{}", all.text);
    let failed = app
        .on(
            "GET",
            "bg",
            "/async-invocations?status=FAIL&limit=1",
            None,
            200,
        )
        .await;
    assert_eq!(failed.body["count"], 2);
    assert_eq!(failed.body["invocations"].as_array().unwrap().len(), 1);
    assert_eq!(failed.body["next_marker"], 1);
    let later = app
        .on("GET", "bg", "/async-invocations?query_begin_time=2026-11-28T12:00:00&query_end_time=2026-11-28T13:00:00", None, 200)
        .await;
    assert_eq!(later.body["count"], 0);
    app.on("GET", "bg", "/async-invocations?status=DONE", None, 400)
        .await;
    app.on(
        "POST",
        "bg",
        "/cancel",
        Some(json!({"request_id": "nope"})),
        400,
    )
    .await;
    app.on("GET", "ghost", "/async-invocations", None, 404)
        .await;
}

#[tokio::test]
async fn past_the_instance_ceiling_invocations_wait_then_get_429() {
    let mut config = base_config();
    config.invoke.max_instances_per_version = 1;
    let app = TestApp::spawn_with(config).await;
    let code = "import os, time\ndef handler(event, context):\n    time.sleep(event['s'])\n    return os.getpid()\n";
    create(
        &app,
        "single",
        "Python3.9",
        code.as_bytes(),
        json!({"timeout": 3}),
    )
    .await;
    invoke(&app, "single", &[], r#"{"s": 0}"#).await.assert_ok();
    // Three at once on one instance: the second waits its turn, the third waits past the
    // function's timeout and is throttled.
    let started = std::time::Instant::now();
    let (a, b, c) = tokio::join!(
        invoke(&app, "single", &[], r#"{"s": 1.6}"#),
        invoke(&app, "single", &[], r#"{"s": 1.6}"#),
        invoke(&app, "single", &[], r#"{"s": 1.6}"#),
    );
    let mut answers = [a, b, c];
    answers.sort_by_key(|x| x.status);
    answers[0].assert_ok();
    answers[1].assert_ok();
    assert_eq!(answers[0].body, answers[1].body, "one instance served both");
    answers[2].assert_error(429, "FSS.0429");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        instances(&app).await[0]["idle_pids"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
