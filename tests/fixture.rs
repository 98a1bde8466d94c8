//! The in-process fixture, used the way a downstream crate would: only the public API,
//! a client of our own choosing, and no knowledge of the emulator's internals.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use fgs_emulator::Emulator;
use fgs_emulator::clock::ControlledClock;
use fgs_emulator::config::{Config, FunctionSeed, ProjectConfig};
use serde_json::{Value, json};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn config() -> Config {
    let mut config = Config::default();
    config.projects.push(ProjectConfig {
        id: PROJECT.into(),
        region: "cn-north-4".into(),
        domain_name: "downstream".into(),
        domain_id: None,
    });
    config.functions.push(FunctionSeed {
        project: None,
        package: "default".into(),
        func_name: "checkout".into(),
        runtime: "Node.js18.15".into(),
        handler: "index.handler".into(),
        memory_size: 256,
        timeout: 10,
        code_type: "inline".into(),
        code: Some("exports.handler = async () => 'ok'".into()),
        code_file: None,
        code_filename: Some("index.js".into()),
        description: String::new(),
        user_data: String::new(),
    });
    config
}

async fn publish(client: &reqwest::Client, base: &str) -> Value {
    client
        .post(format!(
            "{base}/v2/{PROJECT}/fgs/functions/checkout/versions"
        ))
        .header("X-Auth-Token", "ci")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_downstream_test_drives_the_fixture() {
    let at: DateTime<Utc> = "2026-11-28T11:30:15Z".parse().unwrap();
    let emulator = Emulator::start_with_clock(config(), Arc::new(ControlledClock::frozen(at)))
        .await
        .expect("starts");
    let base = emulator.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let client = reqwest::Client::new();

    // The seeded function is there; version names follow the frozen clock.
    let v = publish(&client, &base).await;
    assert_eq!(v["version"], "v20261128-193015");

    // Advance the clock instead of sleeping.
    emulator.clock().advance(chrono::Duration::seconds(60));
    client
        .put(format!("{base}/v2/{PROJECT}/fgs/functions/checkout/code"))
        .header("X-Auth-Token", "ci")
        .json(&json!({"code_type": "inline", "func_code": {"file": "Y2hhbmdlZA=="}}))
        .send()
        .await
        .unwrap();
    let v = publish(&client, &base).await;
    assert_eq!(v["version"], "v20261128-193115");

    // Reset between tests without a restart.
    assert_eq!(emulator.reset().unwrap(), 1);
    let versions: Value = client
        .get(format!(
            "{base}/v2/{PROJECT}/fgs/functions/checkout/versions"
        ))
        .header("X-Auth-Token", "ci")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(versions["count"], 1);

    // Dropped: the port stops answering.
    let addr = emulator.addr();
    drop(emulator);
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refused, "the emulator stops when dropped");
}

/// The fixture refuses what the binary refuses, with the same words: a Config built in code
/// is validated like one read from a file or the environment.
#[tokio::test]
async fn the_fixture_refuses_what_the_binary_refuses() {
    type Change = Box<dyn Fn(&mut Config)>;
    let cases: Vec<(&str, &str, Change)> = vec![
        (
            "FGS_EMULATOR_LIMITS_MAX_CONCURRENT_REQUESTS",
            "0",
            Box::new(|c| c.limits.max_concurrent_requests = 0),
        ),
        (
            "FGS_EMULATOR_CLOCK_UTC_OFFSET",
            "eight",
            Box::new(|c| c.clock.utc_offset = "eight".into()),
        ),
    ];
    for (var, value, change) in cases {
        let mut config = Config::default();
        change(&mut config);
        let Err(e) = Emulator::start(config).await else {
            panic!("{var}={value}: the fixture started");
        };
        let from_fixture = e.to_string();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fgs-emulator"))
            .args(["--port", "0"])
            .env(var, value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value}: the binary started");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&from_fixture),
            "{var}: the binary says {stderr:?}, the fixture {from_fixture:?}"
        );
    }
    // A [[projects]] entry the binary refuses is no longer dropped silently.
    let mut config = Config::default();
    config.projects.push(ProjectConfig {
        id: "no spaces allowed".into(),
        region: "cn-north-4".into(),
        domain_name: "x".into(),
        domain_id: None,
    });
    let Err(e) = Emulator::start(config).await else {
        panic!("a bad project id started");
    };
    assert!(e.to_string().contains("projects[0].id"), "{e}");
}
