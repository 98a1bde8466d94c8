//! Shared set-up for the criterion benches: a service built through the public API, as
//! `app::AppState::new` builds it, with the publish cap and the unchanged check lifted.

#![allow(dead_code)]

use std::sync::Arc;

use criterion::Criterion;
use fgs_emulator::clock::{Clock, ControlledClock};
use fgs_emulator::config::Config;
use fgs_emulator::domain::encode_code;
use fgs_emulator::domain::{ProjectId, Urn};
use fgs_emulator::random::Rng;
use fgs_emulator::service::input::FunctionBody;
use fgs_emulator::service::{Service, Settings};
use fgs_emulator::store::{FunctionKey, Store};

/// The project every bench uses (the one in config.example.toml).
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// Short runs: these benches guard against regressions and find hot spots; they are not
/// the load benchmark (scripts/bench-load.sh).
pub fn quick() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .configure_from_args()
}

/// A service over an empty store, frozen clock, fixed seed, publish cap and unchanged
/// check lifted.
pub fn service() -> Service {
    let mut config = Config::default();
    config.limits.max_versions = usize::MAX;
    config.limits.max_functions = usize::MAX;
    config.behavior.reject_unchanged_publish = false;
    let clock = Arc::new(ControlledClock::frozen(
        chrono::DateTime::parse_from_rfc3339("2026-11-28T11:30:15Z")
            .unwrap()
            .to_utc(),
    ));
    Service::new(
        Store::new(),
        clock as Arc<dyn Clock>,
        Settings::from_config(&config),
        Arc::new(Rng::seeded(42)),
    )
}

pub fn project() -> ProjectId {
    ProjectId::parse(PROJECT).unwrap()
}

/// A realistic function (inline Python, user data, description), created through the
/// same rules as CreateFunction.
pub fn create_function(service: &Service, name: &str) -> (Urn, FunctionKey) {
    create_function_with_code(
        service,
        name,
        "inline",
        b"def handler(event, context):\n    return 'hello'\n",
    )
}

/// A function whose code is `code` (`inline`, or `zip` for anything over 10 KiB).
pub fn create_function_with_code(
    service: &Service,
    name: &str,
    code_type: &str,
    code: &[u8],
) -> (Urn, FunctionKey) {
    let body: FunctionBody = serde_json::from_value(serde_json::json!({
        "func_name": name,
        "package": "default",
        "runtime": "Python3.9",
        "handler": "index.handler",
        "memory_size": 256,
        "timeout": 30,
        "code_type": code_type,
        "code_filename": if code_type == "zip" { "code.zip" } else { "index.py" },
        "func_code": {"file": encode_code(code)},
        "description": "benchmark function",
        "user_data": r#"{"GREETING":"hello"}"#,
    }))
    .expect("a create body");
    let input = body
        .parse_create(&service.settings().limits)
        .expect("a valid create body");
    service
        .create_function(&project(), input)
        .expect("the function is created");
    let urn = Urn::parse(&format!(
        "urn:fss:cn-north-4:{PROJECT}:function:default:{name}:latest"
    ))
    .unwrap();
    let key = FunctionKey {
        project: project(),
        package: urn.package().clone(),
        name: urn.function().clone(),
    };
    (urn, key)
}

/// The CreateFunction body the load benchmark sends (scripts/bench-load.sh): inline Python,
/// user data, a description.
pub fn create_body_json(name: &str) -> String {
    format!(
        r#"{{"func_name":"{name}","package":"default","runtime":"Python3.9","handler":"index.handler","memory_size":256,"timeout":30,"code_type":"inline","code_filename":"index.py","func_code":{{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJuICdoZWxsbycK"}},"description":"benchmark function","user_data":"{{\"GREETING\":\"hello\"}}"}}"#
    )
}
