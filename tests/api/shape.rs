//! One shape: a function's configuration is written once (`domain::config`), and the
//! function object flattens it. These tests keep that honest on the wire: no key is written
//! twice (a setting added to the configuration that the view also writes by hand would be),
//! and the configuration's keys are exactly those the state document stores.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::helpers::*;

/// The top-level keys of a JSON object in the order written, duplicates kept.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

#[tokio::test]
async fn the_function_object_writes_each_key_once_and_every_setting() {
    let app = TestApp::spawn().await;
    let created = app.create_function("hello", "print(1)", 200).await;
    let Keys(keys) = serde_json::from_str(&created.text).unwrap();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), keys.len(), "a key written twice: {keys:?}");
    assert_eq!(keys[0], "func_urn", "func_urn leads");

    // The state document stores the configuration in its own form: every one of its keys
    // is in the function object, with the same value.
    let doc = app.call("GET", "/_emulator/state", None).await.body;
    let config = doc["functions"][0]["latest"]["config"].as_object().unwrap();
    assert!(config.len() >= 23, "{config:?}");
    for (k, v) in config {
        assert_eq!(&created.body[k], v, "setting {k}");
    }
    assert!(matches!(created.body["strategy_config"], Value::Object(_)));
}

/// ShowFunctionCode answers the SDK's narrow ShowFunctionCodeResponse: exactly its keys, in
/// its order, with the code itself (base64) in `func_code.file` and the same values the
/// function object has for them.
#[tokio::test]
async fn show_function_code_writes_exactly_the_sdk_code_model() {
    let app = TestApp::spawn().await;
    let created = app.create_function("hello", "print(1)", 200).await.body;
    let a = app.show_code("hello", 200).await;
    let Keys(keys) = serde_json::from_str(&a.text).unwrap();
    assert_eq!(
        keys,
        [
            "func_urn",
            "func_name",
            "domain_id",
            "runtime",
            "code_type",
            "code_url",
            "code_filename",
            "code_size",
            "digest",
            "last_modified",
            "func_code",
            "depend_list",
            "depend_version_list",
            "strategy_config",
            "dependencies",
        ]
    );
    for k in &keys {
        if k != "func_code" {
            assert_eq!(a.body[k], created[k], "{k}");
        }
    }
    assert_eq!(
        a.body["func_code"],
        serde_json::json!({"file": b64("print(1)"), "link": ""})
    );
}
