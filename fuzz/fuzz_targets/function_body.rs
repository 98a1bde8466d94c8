//! The function body (`POST /functions` and `PUT .../config`): arbitrary bytes through
//! serde_json into `FunctionBody`, then `FunctionBody::parse_create` with the default limits
//! and `parse_config` as an update of a valid configuration. Never panics; errors are 4xx.
#![no_main]

use std::sync::LazyLock;

use fgs_emulator::config::LimitsConfig;
use fgs_emulator::model::FunctionConfig;
use fgs_emulator::service::input::FunctionBody;
use libfuzzer_sys::fuzz_target;

static LIMITS: LazyLock<LimitsConfig> = LazyLock::new(LimitsConfig::default);

/// A valid configuration to update.
static CURRENT: LazyLock<FunctionConfig> = LazyLock::new(|| {
    let body: FunctionBody = serde_json::from_str(
        r#"{"func_name":"hello","runtime":"Python3.9","handler":"index.handler",
            "memory_size":128,"timeout":30,"code_type":"inline","func_code":{"file":"cHJpbnQoMSk="},
            "description":"d","user_data":"{\"K\":\"v\"}","initializer_timeout":10}"#,
    )
    .unwrap();
    body.parse_create(&LIMITS)
        .expect("a valid create body")
        .config
});

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<FunctionBody>(data) else {
        return;
    };
    if let Err(e) = body.clone().parse_config(Some(&CURRENT)) {
        assert!(e.code().status().is_client_error(), "{e:?}");
    }
    let name = body.func_name.clone();
    match body.parse_create(&LIMITS) {
        Ok(input) => {
            assert_eq!(Some(input.name.as_str()), name.as_deref());
            assert!(input.code.bytes.len() <= LIMITS.max_code_bytes);
        }
        Err(e) => assert!(e.code().status().is_client_error(), "{e:?}"),
    }
});
