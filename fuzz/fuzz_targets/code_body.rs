//! The code body (`PUT .../code`): arbitrary bytes through serde_json into `CodeBody`, then
//! `CodeBody::parse` with the default limits. Never panics; errors are 4xx; accepted code
//! is within its limit and its digest is the SHA-512 of what it holds.
#![no_main]

use fgs_emulator::config::LimitsConfig;
use fgs_emulator::domain::{CodeType, Digest};
use fgs_emulator::service::input::CodeBody;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<CodeBody>(data) else {
        return;
    };
    let limits = LimitsConfig::default();
    match body.parse(&limits) {
        Ok(code) => match code.code_type {
            CodeType::Inline => {
                assert!(code.bytes.len() <= limits.max_inline_code_bytes);
                assert_eq!(code.digest, Digest::of(&code.bytes));
            }
            CodeType::Zip | CodeType::Jar => {
                assert!(code.bytes.len() <= limits.max_code_bytes);
                assert_eq!(code.digest, Digest::of(&code.bytes));
            }
            CodeType::Obs => assert_eq!(code.digest, Digest::of(code.code_url.as_bytes())),
            CodeType::CustomImageSwr => assert!(code.bytes.is_empty()),
        },
        Err(e) => assert!(e.code().status().is_client_error(), "{e:?}"),
    }
});
