//! `--state-file`: state survives restarts, and `kill -9` loses no acknowledged change.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_fgs-emulator");

struct Proc {
    child: Child,
    base: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(state_file: &Path, extra_env: &[(&str, &str)]) -> Result<Proc, String> {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(["--port", "0", "--state-file"])
        .arg(state_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    match line.trim().strip_prefix("fgs-emulator listening on ") {
        Some(base) => Ok(Proc {
            base: base.to_owned(),
            child,
        }),
        None => {
            let out = child.wait_with_output().map_err(|e| e.to_string())?;
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

/// A state file's path in a scratch directory; the directory goes when the guard drops.
fn temp_file(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("fgs-dur-{name}-"))
        .tempdir()
        .unwrap();
    let file = dir.path().join("state.jsonl");
    (dir, file)
}

async fn send(
    client: &reqwest::Client,
    method: &str,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client
        .request(method.parse().unwrap(), url)
        .header("X-Auth-Token", "t");
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    match req.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

#[tokio::test]
async fn state_survives_a_restart() {
    let (_scratch, file) = temp_file("restart");
    let client = reqwest::Client::new();
    let api = |p: &Proc, rest: &str| format!("{}/v2/{PROJECT}/fgs{rest}", p.base);
    {
        let p = start(&file, &[]).unwrap();
        send(
            &client,
            "POST",
            api(&p, "/functions"),
            Some(create_body("hello", "print(1)")),
        )
        .await;
        let (s, _) = send(
            &client,
            "POST",
            api(&p, "/functions/hello/versions"),
            Some(json!({"version": "v1", "description": "one"})),
        )
        .await;
        assert_eq!(s, 200);
        send(
            &client,
            "PUT",
            api(&p, "/functions/hello/code"),
            Some(json!({"code_type": "inline", "func_code": {"file": b64("print(2)")}})),
        )
        .await;
        let (s, _) = send(
            &client,
            "POST",
            api(&p, "/functions/hello/aliases"),
            Some(json!({"name": "prod", "version": "v1"})),
        )
        .await;
        assert_eq!(s, 200);
        send(
            &client,
            "POST",
            api(&p, "/functions"),
            Some(create_body("gone", "x")),
        )
        .await;
        let (s, _) = send(&client, "DELETE", api(&p, "/functions/gone"), None).await;
        assert_eq!(s, 204);
    } // killed here
    let p = start(&file, &[]).unwrap();
    let (s, v1) = send(
        &client,
        "GET",
        api(&p, &format!("/functions/{}/config", urn("hello", "v1"))),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v1["digest"], sha512_hex(b"print(1)"));
    assert_eq!(v1["version_description"], "one");
    let (_, latest) = send(&client, "GET", api(&p, "/functions/hello/code"), None).await;
    assert_eq!(latest["func_code"]["file"], b64("print(2)"));
    let (_, alias) = send(
        &client,
        "GET",
        api(&p, "/functions/hello/aliases/prod"),
        None,
    )
    .await;
    assert_eq!(alias["version"], "v1");
    let (s, _) = send(&client, "GET", api(&p, "/functions/gone/config"), None).await;
    assert_eq!(s, 404);
    // The rules still know v1: publishing v1's name again is taken.
    let (s, body) = send(
        &client,
        "POST",
        api(&p, "/functions/hello/versions"),
        Some(json!({"version": "v1"})),
    )
    .await;
    assert_eq!((s, body["error_code"].clone()), (409, json!("FSS.1062")));
}

#[tokio::test]
async fn kill_9_in_a_burst_of_publishes_loses_no_acknowledged_version() {
    let (_scratch, file) = temp_file("kill9");
    let env = [
        ("FGS_EMULATOR_LIMITS_MAX_VERSIONS", "100000"),
        ("FGS_EMULATOR_BEHAVIOR_REJECT_UNCHANGED_PUBLISH", "false"),
    ];
    let client = reqwest::Client::new();
    let mut p = start(&file, &env).unwrap();
    let base = p.base.clone();
    let (s, _) = send(
        &client,
        "POST",
        format!("{base}/v2/{PROJECT}/fgs/functions"),
        Some(create_body("hello", "x")),
    )
    .await;
    assert_eq!(s, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
            let acks = acks.clone();
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let name = format!("t{t}-{i}");
                    let (s, _) = send(
                        &client,
                        "POST",
                        format!("{base}/v2/{PROJECT}/fgs/functions/hello/versions"),
                        Some(json!({"version": name})),
                    )
                    .await;
                    match s {
                        200 => {
                            acked.push(name);
                            acks.fetch_add(1, Ordering::Relaxed);
                        }
                        0 => break, // the server is gone
                        other => panic!("unexpected {other}"),
                    }
                }
                acked
            })
        })
        .collect();
    // Kill mid-burst once enough versions are acknowledged: counted, not timed, so a slow
    // or busy machine (a debug build beside other builds) cannot make the burst too short.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while acks.load(Ordering::Relaxed) < 40 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL: no chance to flush anything.
    p.child.kill().unwrap();
    p.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut acked = HashSet::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    assert!(
        acked.len() > 10,
        "the burst published something: {}",
        acked.len()
    );

    let p = start(&file, &env).unwrap_or_else(|e| panic!("the state file must load: {e}"));
    let (s, list) = send(
        &client,
        "GET",
        format!(
            "{}/v2/{PROJECT}/fgs/functions/hello/versions?maxitems=400",
            p.base
        ),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let mut stored: HashSet<String> = HashSet::new();
    let count = list["count"].as_u64().unwrap() as usize;
    let mut marker = 0;
    while marker < count {
        let (_, page) = send(
            &client,
            "GET",
            format!(
                "{}/v2/{PROJECT}/fgs/functions/hello/versions?marker={marker}&maxitems=400",
                p.base
            ),
            None,
        )
        .await;
        let items = page["versions"].as_array().unwrap();
        stored.extend(
            items
                .iter()
                .map(|v| v["version"].as_str().unwrap().to_owned()),
        );
        marker += items.len();
    }
    let lost: Vec<&String> = acked.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost after kill -9: {lost:?}"
    );
}

#[tokio::test]
async fn a_torn_last_line_is_ignored_and_a_corrupt_one_is_reported() {
    let (_scratch, file) = temp_file("torn");
    let client = reqwest::Client::new();
    {
        let p = start(&file, &[]).unwrap();
        send(
            &client,
            "POST",
            format!("{}/v2/{PROJECT}/fgs/functions", p.base),
            Some(create_body("hello", "x")),
        )
        .await;
    }
    // A crash mid-append leaves a partial line without its newline.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"{\"put\":{\"project\":\"012");
    std::fs::write(&file, &bytes).unwrap();
    {
        let p = start(&file, &[]).unwrap();
        let (s, _) = send(
            &client,
            "GET",
            format!("{}/v2/{PROJECT}/fgs/functions/hello/config", p.base),
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
    // A damaged complete line is corruption: refuse to start, naming the line.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("not json\n");
    std::fs::write(&file, text).unwrap();
    let err = start(&file, &[]).err().expect("refuses to start");
    assert!(err.contains("line"), "{err}");
}
