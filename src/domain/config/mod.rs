//! A function's configuration: every setting of a function that is not its code, in one
//! shape.
//!
//! [`FunctionConfig`] is that shape. Its serde form *is* the wire form: responses flatten it
//! into the function object (`api::view`), the state document stores it as it is
//! (`state.rs`), and request bodies are read into it. Each setting's own rule lives in its
//! type's `Deserialize` (a [`Runtime`], a [`MemorySize`], a [`UserData`] ... cannot hold a
//! bad value), and the rules between settings in [`FunctionConfig::parse`], which is the way
//! in for the API and the state document alike, so an import applies exactly the API's rules.
//!
//! **Adding a setting** touches this module only: a field with its wire name (and a type
//! with its rule, if it has one), a default, a case in the tests below, and in `setters.rs`
//! its line in `every_setting!` (a test fails until it is there) and its empty value in
//! `FunctionConfig::holder` (the build fails until it is there). Create, update,
//! responses, the state document, the OpenAPI schema and import validation follow.
//!
//! Updates are overlays: the current configuration, serialised, with the body's keys laid
//! over it, parsed again. So an omitted key keeps its value, and `null` in a body counts as
//! omitted (the SDKs send `null` for unset optional fields). A good update gets the same
//! result field by field (`FunctionConfig::patched`, issue 14: the round trip was most of
//! an update's cost); the overlay stays the definition, and answers every error.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

mod setters;
mod settings;

pub use settings::{FuncType, JsonObject, Seconds, StrategyConfig, UserData};

use super::{Description, Handler, MemorySize, Runtime, Timeout};
use crate::error::{ApiError, ErrorCode};

/// Everything about a function that is not code: what `PUT .../config` edits, and what
/// the unchanged-publish check (FSS.1016) compares.
///
/// `Deserialize` applies each field's rule; [`FunctionConfig::parse`] adds the rules
/// between fields and is how every path builds one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = FunctionConfig)]
pub struct FunctionConfig {
    /// One of the service's runtimes (`Python3.9`, `Node.js18.15`, ...).
    #[schema(value_type = String)]
    pub runtime: Runtime,
    /// Entry point: `file.function` (any text for Custom, http and Custom Image).
    #[schema(value_type = String)]
    pub handler: Handler,
    /// MB, one of the sizes the service offers.
    #[schema(value_type = u32)]
    pub memory_size: MemorySize,
    /// Seconds.
    #[schema(value_type = u32)]
    pub timeout: Timeout,
    /// The function's own description, at most 512 characters.
    #[serde(default)]
    #[schema(value_type = String)]
    pub description: Description,
    /// Environment variables: a JSON object of strings, as a string (or empty).
    #[serde(default)]
    #[schema(value_type = String)]
    pub user_data: UserData,
    /// Encrypted environment variables, opaque.
    #[serde(default)]
    pub encrypted_user_data: String,
    /// Agency name.
    #[serde(default)]
    pub xrole: String,
    /// App agency name.
    #[serde(default)]
    pub app_xrole: String,
    /// Initializer entry point.
    #[serde(default)]
    pub initializer_handler: String,
    /// Initializer timeout in seconds, 1-300 (0 = unset).
    #[serde(default)]
    #[schema(value_type = i64)]
    pub initializer_timeout: Seconds<300>,
    /// Pre-stop entry point.
    #[serde(default)]
    pub pre_stop_handler: String,
    /// Pre-stop timeout in seconds, 1-90. Left out when no pre-stop hook is set, as the real
    /// service does: Go clients (gophertelekomcloud) declare it a string, and a number there
    /// breaks their decoder. Without a `pre_stop_handler` it is unset (0).
    #[serde(default, skip_serializing_if = "Seconds::is_unset")]
    #[schema(value_type = Option<i64>)]
    pub pre_stop_timeout: Seconds<90>,
    /// Enterprise project (`"0"`, the default project, unless given).
    #[serde(default = "default_enterprise_project")]
    pub enterprise_project_id: String,
    /// `v1` or `v2` (the default).
    #[serde(rename = "type", default)]
    #[schema(value_type = String)]
    pub func_type: FuncType,
    /// Dynamic memory switch.
    #[serde(default)]
    pub enable_dynamic_memory: bool,
    /// Concurrency settings.
    #[serde(default)]
    pub strategy_config: StrategyConfig,
    /// VPC settings, kept as given (an object, or null).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub func_vpc: JsonObject,
    /// Disk mounts, kept as given (an object, or null).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub mount_config: JsonObject,
    /// Custom image settings, kept as given (an object, or null).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_image: JsonObject,
    /// Extended configuration, a string.
    #[serde(default)]
    pub extend_config: String,
    /// Long-running function switch.
    #[serde(default)]
    pub long_time: bool,
    /// LTS log group.
    #[serde(default)]
    pub log_group_id: String,
    /// LTS log stream.
    #[serde(default)]
    pub log_stream_id: String,
    /// Whether logs go to LTS.
    #[serde(default)]
    pub enable_lts_log: bool,
    /// LTS log settings (`group_id`, `stream_id`, ...), kept as given (an object, or null).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub log_config: JsonObject,
    /// Custom domain names the function may reach, kept as given (a string).
    #[serde(default)]
    pub domain_names: String,
    /// The peered VPC's CIDR, kept as given.
    #[serde(default)]
    pub peering_cidr: String,
    // Settings the emulator does not act on, kept as given and read back, so a client that
    // sets one (Terraform sends them all) sees no difference on its next read.
    /// GPU memory in MB (0: no GPU).
    #[serde(default)]
    pub gpu_memory: i64,
    /// GPU type.
    #[serde(default)]
    pub gpu_type: String,
    /// Stateful function switch.
    #[serde(default)]
    pub is_stateful_function: bool,
    /// Heartbeat entry point.
    #[serde(default)]
    pub heartbeat_handler: String,
    /// Class isolation switch (Java).
    #[serde(default)]
    pub enable_class_isolation: bool,
    /// Temporary disk in MB (0: the default).
    #[serde(default)]
    pub ephemeral_storage: i64,
    /// Network access rules, kept as given (an object, or null).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub network_controller: JsonObject,
    /// Whether auth details go in a header.
    #[serde(default)]
    pub enable_auth_in_header: bool,
    /// Custom LTS tags, kept as given (an object, or null).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub lts_custom_tag: JsonObject,
    /// KMS key for `encrypted_user_data`.
    #[serde(default)]
    pub user_data_encrypt_kms_key_id: String,
    /// KMS key for the code.
    #[serde(default)]
    pub code_encrypt_kms_key_id: String,
    /// Snapshot-restore hook entry point; left out when unset, as the real service does.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub restore_hook_handler: String,
    /// Snapshot-restore hook timeout in seconds; left out when unset (0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub restore_hook_timeout: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

fn default_enterprise_project() -> String {
    "0".to_owned()
}

/// The settings a body must give when there is no current configuration (create), in the
/// order they are checked, with the code a missing one answers.
const REQUIRED: &[(&str, ErrorCode)] = &[
    ("runtime", ErrorCode::InvalidRuntime),
    ("memory_size", ErrorCode::InvalidMemorySize),
    ("timeout", ErrorCode::InvalidTimeout),
    ("handler", ErrorCode::InvalidHandler),
];

/// The FSS code a setting's rule answers with; FSS.0400 for settings without their own.
fn code_of(field: &str) -> ErrorCode {
    match field {
        "runtime" => ErrorCode::InvalidRuntime,
        "handler" => ErrorCode::InvalidHandler,
        "memory_size" => ErrorCode::InvalidMemorySize,
        "timeout" => ErrorCode::InvalidTimeout,
        "description" => ErrorCode::DescriptionTooLong,
        "user_data" => ErrorCode::InvalidUserData,
        _ => ErrorCode::InvalidParameter,
    }
}

impl FunctionConfig {
    /// Builds a configuration from the settings in `body`, laid over `current` (an update:
    /// omitted settings keep their values) or over nothing (a create: omitted optional
    /// settings take the service's defaults, and the required ones must be there). Keys
    /// that are not settings are ignored, and a `null` counts as omitted.
    ///
    /// Errors name the setting, with its own FSS code (FSS.1005 for `runtime` ...), or
    /// FSS.0400 for a value of the wrong JSON type.
    pub fn parse(body: &Map<String, Value>, current: Option<&Self>) -> Result<Self, ApiError> {
        if let Some(updated) = current.and_then(|c| c.patched(body)) {
            return Ok(updated);
        }
        Self::parse_by_overlay(body, current)
    }

    /// [`FunctionConfig::parse`] as the module docs describe it: `current` serialised, the
    /// body's keys laid over it, the whole parsed again with every rule. Every create and
    /// every update that fails goes this way; a good update takes [`Self::patched`].
    fn parse_by_overlay(
        body: &Map<String, Value>,
        current: Option<&Self>,
    ) -> Result<Self, ApiError> {
        let mut merged = match current {
            Some(c) => match serde_json::to_value(c) {
                Ok(Value::Object(map)) => map,
                _ => return Err(ApiError::internal("a configuration did not serialise")),
            },
            None => {
                for (field, code) in REQUIRED {
                    if body.get(*field).is_none_or(Value::is_null) {
                        return Err(ApiError::detailed(
                            *code,
                            format_args!("{field} is required"),
                        ));
                    }
                }
                Map::new()
            }
        };
        for (k, v) in body {
            if v.is_null() {
                continue;
            }
            // A partial `strategy_config` changes only the keys it gives: Terraform sends
            // `{"concurrent_num": n}` alone on every config update, and the most instances
            // it set through config-max-instance (`concurrency`) must survive that.
            if let (Some(Value::Object(current)), Value::Object(given)) = (
                merged
                    .get_mut(k.as_str())
                    .filter(|_| k == "strategy_config"),
                v,
            ) {
                for (key, value) in given.iter().filter(|(_, value)| !value.is_null()) {
                    current.insert(key.clone(), value.clone());
                }
                continue;
            }
            merged.insert(k.clone(), v.clone());
        }
        Self::from_map(merged)
    }

    /// An update without the round trip through JSON: a copy of `self` with each setting
    /// in `body` read into its field, then the rules between settings. The same result as
    /// the overlay (`tests::patching_agrees_with_the_overlay`), at a fifth of the cost:
    /// serialising the whole configuration and reading it back was most of an update.
    ///
    /// `None` when any setting fails: the caller then takes the overlay, whose error names
    /// the setting with its FSS code, in the service's order of checks. So errors come from
    /// one place only, and this path never has to agree with it on them.
    fn patched(&self, body: &Map<String, Value>) -> Option<Self> {
        let mut config = self.clone();
        for (key, value) in body.iter().filter(|(_, v)| !v.is_null()) {
            config.set(key, value).ok()?;
        }
        config.finish_patch()
    }

    /// Reads one setting from its wire value into its field, with the setting's own rule.
    /// `Ok(false)` for a key that is not a setting (ignored, as the overlay ignores it).
    /// A partial `strategy_config` changes only the keys it gives, as in the overlay.
    fn set(&mut self, key: &str, value: &Value) -> Result<bool, serde_json::Error> {
        if let ("strategy_config", Value::Object(given)) = (key, value) {
            let mut merged = serde_json::to_value(self.strategy_config)?;
            if let Value::Object(current) = &mut merged {
                for (k, v) in given.iter().filter(|(_, v)| !v.is_null()) {
                    current.insert(k.clone(), v.clone());
                }
            }
            self.strategy_config = Deserialize::deserialize(&merged)?;
            return Ok(true);
        }
        self.set_from(key, value)
    }

    /// A configuration whose settings were just read into it one by one ([`Self::set_from`]),
    /// finished as the map path's patch finishes one: `None` when the rules between settings
    /// refuse it.
    pub fn finish_patch(mut self) -> Option<Self> {
        self.finish_patch_in_place().then_some(self)
    }

    /// [`Self::finish_patch`] on a configuration changed in place: `false`, and nothing
    /// changed by it, when the rules between settings refuse it.
    pub fn finish_patch_in_place(&mut self) -> bool {
        if self.check().is_err() {
            return false;
        }
        if self.pre_stop_handler.is_empty() {
            self.pre_stop_timeout = Seconds::default();
        }
        true
    }

    /// Reads a whole configuration (the state document's form) with every rule.
    pub fn from_map(map: Map<String, Value>) -> Result<Self, ApiError> {
        // The service checks runtime, memory, timeout and handler first, in that order, and
        // answers the first that fails; serde would visit the keys alphabetically.
        check_first::<Runtime>(&map, "runtime")?;
        check_first::<MemorySize>(&map, "memory_size")?;
        check_first::<Timeout>(&map, "timeout")?;
        check_first::<Handler>(&map, "handler")?;
        let map = Value::Object(map);
        // Tracking the path costs on every key; it is only needed to name a bad setting,
        // so a configuration that fails is read a second time with it.
        let mut config = match Self::deserialize(&map) {
            Ok(config) => config,
            Err(plain) => {
                return Err(match serde_path_to_error::deserialize::<_, Self>(&map) {
                    Err(e) => setting_error(&e.path().to_string(), &e.inner().to_string()),
                    // Cannot happen (the same input); answer the untracked error.
                    Ok(_) => setting_error("", &plain.to_string()),
                });
            }
        };
        config.check()?;
        if config.pre_stop_handler.is_empty() {
            // No hook, no hook timeout: what responses show (the key is left out).
            config.pre_stop_timeout = Seconds::default();
        }
        Ok(config)
    }

    /// The rules between settings.
    fn check(&self) -> Result<(), ApiError> {
        if self.func_type == FuncType::V1 && self.strategy_config.concurrency > 0 {
            return Err(ApiError::invalid_field(
                "strategy_config.concurrency",
                "must be -1 (enabled) or 0 (disabled) for a v1 function",
            ));
        }
        if !Handler::is_valid(self.handler.as_str(), self.runtime) {
            return Err(ApiError::detailed(
                ErrorCode::InvalidHandler,
                "expected file.function (at most 128 characters)",
            ));
        }
        Ok(())
    }
}

/// The error for a setting (`path` names it, e.g. `strategy_config.concurrency`): its own
/// FSS code, or FSS.0400 for a value of the wrong JSON type.
fn setting_error(path: &str, why: &str) -> ApiError {
    let field = path.split('.').next().unwrap_or(path);
    // serde's own words for a value of the wrong JSON type; our rules never start so. A
    // wrong type is a malformed body (FSS.0400), as it was when bodies had typed fields.
    if why.starts_with("invalid type") || field.is_empty() || field == "." {
        ApiError::invalid_field(path, why)
    } else {
        ApiError::detailed(code_of(field), format_args!("{path}: {why}"))
    }
}

/// Checks one setting on its own, when present.
fn check_first<T: serde::de::DeserializeOwned>(
    map: &Map<String, Value>,
    field: &str,
) -> Result<(), ApiError> {
    match map.get(field) {
        Some(v) => T::deserialize(v)
            .map(drop)
            .map_err(|e| setting_error(field, &e.to_string())),
        None => Ok(()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    pub(crate) fn minimal() -> Map<String, Value> {
        body(json!({"runtime": "Python3.9", "handler": "index.handler",
                    "memory_size": 128, "timeout": 30}))
    }

    fn code(r: Result<FunctionConfig, ApiError>) -> &'static str {
        r.map(|_| "ok").unwrap_or_else(|e| e.code().code())
    }

    #[test]
    fn string_settings_of_the_wrong_type_are_malformed_bodies() {
        // The string settings are read as borrowed text (`settings::StrRule`); a value of
        // another JSON type must still be serde's "invalid type" (FSS.0400, naming the
        // setting), at create and at update, and a bad string still the setting's own code.
        let current = FunctionConfig::parse(&minimal(), None).unwrap();
        for field in ["runtime", "handler", "description"] {
            for wrong in [json!(5), json!(true), json!(["a"]), json!({"a": 1})] {
                let mut create = minimal();
                create.insert(field.into(), wrong.clone());
                let update = body(json!({ field: wrong }));
                for (what, r) in [
                    ("create", FunctionConfig::parse(&create, None)),
                    ("update", FunctionConfig::parse(&update, Some(&current))),
                ] {
                    let e = r.expect_err(what);
                    assert_eq!(e.code().code(), "FSS.0400", "{field} = {wrong} at {what}");
                    assert!(e.message().contains(field), "{}", e.message());
                    assert!(e.message().contains("expected a string"), "{}", e.message());
                }
            }
        }
        let bad_runtime = body(json!({"runtime": "Cobol"}));
        assert_ne!(
            code(FunctionConfig::parse(&bad_runtime, Some(&current))),
            "FSS.0400"
        );
    }

    /// Values for every setting, good and bad, and keys that are not settings: the
    /// candidates `patching_agrees_with_the_overlay` combines (and the function object's
    /// writer renders one by one: `api::view::json`).
    pub(crate) fn candidates() -> Vec<(&'static str, Value)> {
        vec![
            ("runtime", json!("Node.js18.15")),
            ("runtime", json!("Cobol")),
            ("handler", json!("main.handler")),
            ("handler", json!("index")),
            ("memory_size", json!(512)),
            ("memory_size", json!(100)),
            ("memory_size", json!("128")),
            ("timeout", json!(60)),
            ("timeout", json!(2)),
            ("description", json!("new")),
            ("description", json!("x".repeat(513))),
            ("user_data", json!("{\"K\":\"v\"}")),
            ("user_data", json!("[1]")),
            ("encrypted_user_data", json!("opaque")),
            ("xrole", json!("agency")),
            ("app_xrole", json!(7)),
            ("initializer_handler", json!("init.handler")),
            ("initializer_timeout", json!(30)),
            ("initializer_timeout", json!(301)),
            ("pre_stop_handler", json!("stop.handler")),
            ("pre_stop_handler", json!("")),
            ("pre_stop_timeout", json!(10)),
            ("pre_stop_timeout", json!(91)),
            ("enterprise_project_id", json!("ep-1")),
            ("type", json!("v1")),
            ("type", json!("v2")),
            ("type", json!("v3")),
            ("enable_dynamic_memory", json!(true)),
            ("strategy_config", json!({"concurrent_num": 5})),
            ("strategy_config", json!({"concurrency": 10})),
            (
                "strategy_config",
                json!({"concurrency": null, "concurrent_num": 2}),
            ),
            ("strategy_config", json!({"concurrency": 5000})),
            ("strategy_config", json!(5)),
            (
                "func_vpc",
                json!({"vpc_id": "vpc-1", "subnet_id": "subnet-1"}),
            ),
            ("func_vpc", json!("vpc-1")),
            ("mount_config", json!({"mount_user": {"user_id": 1}})),
            ("custom_image", json!({"enabled": true, "image": "swr/x:1"})),
            ("extend_config", json!("{}")),
            ("long_time", json!(true)),
            ("log_group_id", json!("group-1")),
            ("log_stream_id", json!("stream-1")),
            ("enable_lts_log", json!(true)),
            ("log_config", json!({"group_id": "g", "stream_id": "s"})),
            ("domain_names", json!("example.com")),
            ("peering_cidr", json!("10.0.0.0/8")),
            ("gpu_memory", json!(1024)),
            ("gpu_type", json!("nvidia")),
            ("is_stateful_function", json!(true)),
            ("heartbeat_handler", json!("beat.handler")),
            ("enable_class_isolation", json!(true)),
            ("ephemeral_storage", json!(512)),
            (
                "network_controller",
                json!({"disable_public_network": true}),
            ),
            ("enable_auth_in_header", json!(true)),
            ("lts_custom_tag", json!({"team": "a"})),
            ("user_data_encrypt_kms_key_id", json!("kms-1")),
            ("code_encrypt_kms_key_id", json!("kms-2")),
            ("restore_hook_handler", json!("restore.handler")),
            ("restore_hook_timeout", json!(10)),
            ("func_name", json!("ignored")),
            ("package", json!(3)),
            ("description", Value::Null),
            ("timeout", Value::Null),
        ]
    }

    /// The field-by-field update gives what the overlay gives, for every body of one or two
    /// candidate settings over two different current configurations; and it declines
    /// exactly when the overlay fails (so errors still come from the overlay).
    #[test]
    fn patching_agrees_with_the_overlay() {
        let mut rich = minimal();
        rich.extend(body(
            json!({"pre_stop_handler": "stop.handler", "pre_stop_timeout": 20,
            "strategy_config": {"concurrency": 50, "concurrent_num": 3},
            "restore_hook_handler": "r.handler", "restore_hook_timeout": 5,
            "user_data": "{\"A\":\"b\"}", "type": "v2"}),
        ));
        let mut v1 = minimal();
        v1.insert("type".into(), json!("v1"));
        let currents = [
            FunctionConfig::parse(&rich, None).unwrap(),
            FunctionConfig::parse(&v1, None).unwrap(),
        ];
        let candidates = candidates();
        let mut bodies: Vec<Map<String, Value>> = vec![Map::new()];
        for (i, (k1, v1)) in candidates.iter().enumerate() {
            bodies.push(body(json!({ *k1: v1 })));
            for (k2, v2) in &candidates[i + 1..] {
                bodies.push(body(json!({ *k1: v1, *k2: v2 })));
            }
        }
        let mut patched_count = 0;
        for current in &currents {
            for b in &bodies {
                let overlay = FunctionConfig::parse_by_overlay(b, Some(current));
                let patched = current.patched(b);
                match (&overlay, &patched) {
                    (Ok(o), Some(p)) => {
                        assert_eq!(o, p, "body {b:?}");
                        patched_count += 1;
                    }
                    (Err(_), None) => {}
                    _ => panic!("overlay {overlay:?} but patched {patched:?} for {b:?}"),
                }
                assert_eq!(
                    FunctionConfig::parse(b, Some(current)).map_err(|e| e.message().to_owned()),
                    overlay.map_err(|e| e.message().to_owned()),
                );
            }
        }
        // The comparison is not vacuous: most bodies are good ones.
        assert!(
            patched_count > bodies.len(),
            "{patched_count} of {}",
            bodies.len() * 2
        );
    }

    /// `set` knows every key the configuration is written with (with every optional key
    /// present), and ignores others.
    #[test]
    fn every_setting_can_be_patched() {
        let mut full = minimal();
        full.extend(body(
            json!({"pre_stop_handler": "stop.handler", "pre_stop_timeout": 20,
            "restore_hook_handler": "r.handler", "restore_hook_timeout": 5}),
        ));
        let config = FunctionConfig::parse(&full, None).unwrap();
        let Value::Object(written) = serde_json::to_value(&config).unwrap() else {
            panic!("a configuration is written as an object");
        };
        assert!(written.contains_key("restore_hook_timeout"));
        for (key, value) in &written {
            let mut c = config.clone();
            assert_eq!(
                c.set(key, value).ok(),
                Some(true),
                "{key} is not in FunctionConfig::set"
            );
            assert_eq!(c, config, "{key} read back differs");
        }
        assert_eq!(
            config.clone().set("func_name", &json!("x")).ok(),
            Some(false)
        );
    }

    #[test]
    fn defaults_at_create() {
        let c = FunctionConfig::parse(&minimal(), None).unwrap();
        assert_eq!(c.func_type, FuncType::V2);
        assert_eq!(c.strategy_config.concurrency, -1);
        assert_eq!(c.enterprise_project_id, "0");
        assert_eq!(c.func_vpc.get(), None);
    }

    /// Every setting with a rule, one bad value each, and the code it answers. A new
    /// setting with a rule adds its case here.
    #[test]
    fn each_rule_answers_its_code_and_names_the_setting() {
        let cases: &[(&str, Value, &str)] = &[
            ("runtime", json!("Cobol"), "FSS.1005"),
            ("memory_size", json!(100), "FSS.1007"),
            ("timeout", json!(2), "FSS.1008"),
            ("handler", json!("index"), "FSS.1003"),
            ("description", json!("x".repeat(513)), "FSS.1019"),
            ("user_data", json!("[1]"), "FSS.1009"),
            ("user_data", json!("{\"A\":1}"), "FSS.1009"),
            ("initializer_timeout", json!(301), "FSS.0400"),
            ("pre_stop_timeout", json!(91), "FSS.0400"),
            ("type", json!("v3"), "FSS.0400"),
            ("strategy_config", json!({"concurrency": 1001}), "FSS.0400"),
            (
                "strategy_config",
                json!({"concurrent_num": 1001}),
                "FSS.0400",
            ),
            ("func_vpc", json!(1), "FSS.0400"),
            ("mount_config", json!("x"), "FSS.0400"),
            ("memory_size", json!("128"), "FSS.0400"),
            ("xrole", json!(7), "FSS.0400"),
        ];
        for (field, value, expected) in cases {
            let mut b = minimal();
            b.insert((*field).to_owned(), value.clone());
            let r = FunctionConfig::parse(&b, None);
            assert_eq!(code(r.clone()), *expected, "{field} = {value}");
            let msg = r.unwrap_err().message().to_owned();
            assert!(msg.contains(field), "{field}: names the setting: {msg}");
        }
    }

    #[test]
    fn required_settings_at_create() {
        for (field, expected) in REQUIRED {
            let mut b = minimal();
            b.remove(*field);
            assert_eq!(code(FunctionConfig::parse(&b, None)), expected.code());
            b.insert((*field).to_owned(), Value::Null);
            assert_eq!(code(FunctionConfig::parse(&b, None)), expected.code());
        }
    }

    #[test]
    fn an_update_keeps_what_it_omits_and_null_is_omitted() {
        let mut b = minimal();
        b.insert("xrole".into(), json!("agency"));
        b.insert("func_vpc".into(), json!({"vpc_id": "v"}));
        let current = FunctionConfig::parse(&b, None).unwrap();
        let updated = FunctionConfig::parse(
            &body(json!({"timeout": 60, "xrole": null, "description": "d"})),
            Some(&current),
        )
        .unwrap();
        assert_eq!(updated.timeout.seconds(), 60);
        assert_eq!(updated.xrole, "agency");
        assert_eq!(updated.func_vpc, current.func_vpc);
        assert_eq!(updated.description.as_str(), "d");
    }

    /// The settings Terraform sends that the emulator does not act on come back as sent,
    /// and the restore hook's keys stay out of the wire form until set.
    #[test]
    fn settings_kept_as_given_read_back_as_sent() {
        let sent = json!({
            "gpu_memory": 1024, "gpu_type": "nvidia-t4", "is_stateful_function": true,
            "heartbeat_handler": "index.beat", "enable_class_isolation": true,
            "ephemeral_storage": 1024, "network_controller": {"disable_public_network": true},
            "enable_auth_in_header": true, "lts_custom_tag": {"team": "a"},
            "user_data_encrypt_kms_key_id": "k1", "code_encrypt_kms_key_id": "k2",
            "restore_hook_handler": "index.restore", "restore_hook_timeout": 10,
        });
        let mut b = minimal();
        b.extend(body(sent.clone()));
        let wire = serde_json::to_value(FunctionConfig::parse(&b, None).unwrap()).unwrap();
        for (key, value) in sent.as_object().unwrap() {
            assert_eq!(&wire[key], value, "{key}");
        }
        let plain = serde_json::to_value(FunctionConfig::parse(&minimal(), None).unwrap()).unwrap();
        assert!(plain.get("restore_hook_handler").is_none());
        assert!(plain.get("restore_hook_timeout").is_none());
        assert_eq!(plain["network_controller"], Value::Null);
        assert_eq!(plain["gpu_memory"], 0);
    }

    #[test]
    fn the_serde_form_round_trips() {
        let mut b = minimal();
        b.insert("user_data".into(), json!("{\"K\":\"v\"}"));
        b.insert(
            "strategy_config".into(),
            json!({"concurrency": 0, "concurrent_num": 5}),
        );
        b.insert("initializer_timeout".into(), json!(30));
        b.insert("type".into(), json!("v1"));
        let c = FunctionConfig::parse(&b, None).unwrap();
        let Value::Object(map) = serde_json::to_value(&c).unwrap() else {
            panic!("an object")
        };
        assert_eq!(FunctionConfig::from_map(map).unwrap(), c);
    }

    /// An update's `strategy_config` without `concurrency` keeps the most instances
    /// (Terraform's config update sends `{"concurrent_num": n}` alone).
    #[test]
    fn a_partial_strategy_config_keeps_the_other_key() {
        let mut b = minimal();
        b.insert(
            "strategy_config".into(),
            json!({"concurrency": 10, "concurrent_num": 2}),
        );
        let current = FunctionConfig::parse(&b, None).unwrap();
        let updated = FunctionConfig::parse(
            &body(json!({"strategy_config": {"concurrent_num": 5}})),
            Some(&current),
        )
        .unwrap();
        assert_eq!(updated.strategy_config.concurrency, 10);
        assert_eq!(updated.strategy_config.concurrent_num, 5);
        let updated = FunctionConfig::parse(
            &body(json!({"strategy_config": {"concurrency": -1, "concurrent_num": null}})),
            Some(&updated),
        )
        .unwrap();
        assert_eq!(updated.strategy_config.concurrency, -1);
        assert_eq!(updated.strategy_config.concurrent_num, 5);
        // At create there is nothing to keep: the defaults fill in.
        let mut b = minimal();
        b.insert("strategy_config".into(), json!({"concurrent_num": 5}));
        let created = FunctionConfig::parse(&b, None).unwrap();
        assert_eq!(created.strategy_config.concurrency, -1);
    }

    /// `v2` functions take up to 1000 instances; `v1` only -1 or 0 (real-clients.md).
    #[test]
    fn concurrency_ranges_depend_on_the_type() {
        let with = |t: &str, c: i64| {
            let mut b = minimal();
            b.insert("type".into(), json!(t));
            b.insert(
                "strategy_config".into(),
                json!({"concurrency": c, "concurrent_num": 10}),
            );
            code(FunctionConfig::parse(&b, None))
        };
        assert_eq!(with("v2", 1000), "ok");
        assert_eq!(with("v2", -1), "ok");
        assert_eq!(with("v2", 1001), "FSS.0400");
        assert_eq!(with("v2", -2), "FSS.0400");
        assert_eq!(with("v1", 0), "ok");
        assert_eq!(with("v1", 5), "FSS.0400");
    }

    /// Go clients declare `pre_stop_timeout` a string: the key is left out without a hook.
    #[test]
    fn pre_stop_timeout_is_left_out_without_a_pre_stop_hook() {
        let mut b = minimal();
        b.insert("pre_stop_timeout".into(), json!(30));
        let c = FunctionConfig::parse(&b, None).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert!(v.get("pre_stop_timeout").is_none(), "{v}");
        b.insert("pre_stop_handler".into(), json!("index.stop"));
        let c = FunctionConfig::parse(&b, None).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["pre_stop_timeout"], 30);
    }

    /// Keys Terraform sends on update come back as sent (real-clients.md).
    #[test]
    fn terraform_s_log_and_network_settings_are_kept() {
        let mut b = minimal();
        b.insert("enable_lts_log".into(), json!(true));
        b.insert(
            "log_config".into(),
            json!({"group_id": "g", "stream_id": "s"}),
        );
        b.insert(
            "domain_names".into(),
            json!("[{\"domain_name\":\"a.example\"}]"),
        );
        b.insert("peering_cidr".into(), json!("10.0.0.0/24"));
        let c = FunctionConfig::parse(&b, None).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        for k in [
            "enable_lts_log",
            "log_config",
            "domain_names",
            "peering_cidr",
        ] {
            assert_eq!(v[k], b[k], "{k}");
        }
        b.insert("log_config".into(), json!("g"));
        assert_eq!(code(FunctionConfig::parse(&b, None)), "FSS.0400");
    }

    #[test]
    fn a_handler_is_checked_against_its_runtime() {
        let mut b = minimal();
        b.insert("runtime".into(), json!("Custom"));
        b.insert("handler".into(), json!("bootstrap"));
        assert_eq!(code(FunctionConfig::parse(&b, None)), "ok");
        b.insert("runtime".into(), json!("Python3.9"));
        assert_eq!(code(FunctionConfig::parse(&b, None)), "FSS.1003");
    }
}
