//! The alias body (`POST .../aliases`, `PUT .../aliases/{name}`): arbitrary bytes through
//! serde_json into `AliasBody`, then `AliasBody::parse_name` and `AliasBody::parse`. Never
//! panics; errors are 4xx; an accepted alias never has `latest` or its major version as
//! additional version, and its weight is 0 to 100.
#![no_main]

use fgs_emulator::service::input::AliasBody;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<AliasBody>(data) else {
        return;
    };
    match body.parse_name() {
        Ok(name) => assert_eq!(Some(name.as_str()), body.name.as_deref()),
        Err(e) => assert!(e.code().status().is_client_error(), "{e:?}"),
    }
    match body.parse() {
        Ok(input) => {
            assert!(input.description.as_str().chars().count() <= 512);
            if let Some(extra) = &input.additional {
                assert_ne!(extra.version.as_str(), "latest");
                assert_ne!(extra.version.as_str(), input.version);
                assert!(extra.weight.is_none_or(|w| (0..=100).contains(&w)));
            }
        }
        Err(e) => assert!(e.code().status().is_client_error(), "{e:?}"),
    }
});
