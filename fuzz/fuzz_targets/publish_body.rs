//! The publish body (`POST .../versions`): arbitrary bytes through serde_json into
//! `PublishBody`, then `PublishBody::parse` (SPEC section 2, rule 4). Never panics; an error
//! is a 4xx; an accepted version name and description are the ones sent.
#![no_main]

use fgs_emulator::service::input::PublishBody;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<PublishBody>(data) else {
        return;
    };
    let sent = body.clone();
    match body.parse() {
        Ok(input) => {
            if let Some(v) = &input.version {
                assert_eq!(Some(v.as_str()), sent.version.as_deref());
                assert_ne!(v.as_str(), "latest");
            }
            assert!(input.description.as_str().chars().count() <= 512);
            assert_eq!(
                input.description.as_str(),
                sent.description.as_deref().unwrap_or("")
            );
            assert!(input.digest.as_deref().is_none_or(|d| !d.is_empty()));
        }
        Err(e) => assert!(e.code().status().is_client_error(), "{e:?}"),
    }
});
