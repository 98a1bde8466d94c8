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
//! **Adding a setting** touches this file only: a field with its wire name (and a type with
//! its rule, if it has one), a default, and a case in the tests below. Create, update,
//! responses, the state document, the OpenAPI schema and import validation follow.
//!
//! Updates are overlays: the current configuration, serialised, with the body's keys laid
//! over it, parsed again. So an omitted key keeps its value, and `null` in a body counts as
//! omitted (the SDKs send `null` for unset optional fields).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use utoipa::ToSchema;

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
            if !v.is_null() {
                merged.insert(k.clone(), v.clone());
            }
        }
        Self::from_map(merged)
    }

    /// Reads a whole configuration (the state document's form) with every rule.
    pub fn from_map(map: Map<String, Value>) -> Result<Self, ApiError> {
        // The service checks runtime, memory, timeout and handler first, in that order, and
        // answers the first that fails; serde would visit the keys alphabetically.
        check_first::<Runtime>(&map, "runtime")?;
        check_first::<MemorySize>(&map, "memory_size")?;
        check_first::<Timeout>(&map, "timeout")?;
        check_first::<Handler>(&map, "handler")?;
        let mut config: Self = serde_path_to_error::deserialize(Value::Object(map))
            .map_err(|e| setting_error(&e.path().to_string(), &e.inner().to_string()))?;
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
        if Handler::parse(self.handler.as_str(), self.runtime).is_none() {
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

/// Serde for the domain types whose rule is a `parse` on a string or a number: read the raw
/// value (a wrong JSON type stays serde's own "invalid type" error), then apply the rule.
macro_rules! serde_via {
    ($ty:ty, $raw:ty, |$p:ident| $parse:expr, |$w:ident| $write:expr, |$e:ident| $why:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let $p = <$raw>::deserialize(d)?;
                match $parse {
                    Some(v) => Ok(v),
                    None => {
                        let $e = &$p;
                        Err(serde::de::Error::custom($why))
                    }
                }
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let $w = self;
                ($write).serialize(s)
            }
        }
    };
}

fn shown(s: &str) -> String {
    s.chars().take(64).collect()
}

serde_via!(
    Runtime,
    String,
    |s| Runtime::parse(&s),
    |r| r.as_str(),
    |s| format!("'{}' is not a runtime the service offers", shown(s))
);
serde_via!(
    MemorySize,
    i64,
    |n| MemorySize::new(n),
    |m| m.mb(),
    |n| format!(
        "{n} is not one of {:?}",
        crate::domain::function::MEMORY_SIZES
    )
);
serde_via!(
    Timeout,
    i64,
    |n| Timeout::new(n),
    |t| t.seconds(),
    |n| format!(
        "{n} is not between {} and {} seconds",
        Timeout::MIN,
        Timeout::MAX
    )
);
serde_via!(
    Description,
    String,
    |s| Description::parse(&s),
    |d| d.as_str(),
    |s| format!(
        "{} characters, at most {}",
        s.chars().count(),
        Description::MAX_CHARS
    )
);
serde_via!(
    Handler,
    String,
    // The shape every runtime accepts; the runtime's own rule is checked in
    // FunctionConfig::check, which sees both.
    |s| Handler::parse(&s, Runtime::parse("Custom").expect("Custom is a runtime")),
    |h| h.as_str(),
    |_raw| "expected file.function (at most 128 characters)".to_owned()
);

/// Environment variables: empty, or a JSON object whose values are strings, at most 4 KB,
/// kept as the string the client sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserData(String);

impl UserData {
    /// The longest `user_data` the service takes, in bytes.
    pub const MAX_BYTES: usize = 4096;

    /// Parses `user_data`.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() {
            return Some(Self::default());
        }
        let object_of_strings = matches!(
            serde_json::from_str::<Value>(s),
            Ok(Value::Object(map)) if map.values().all(Value::is_string)
        );
        (s.len() <= Self::MAX_BYTES && object_of_strings).then(|| Self(s.to_owned()))
    }

    /// The text as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The variables, in the order the object lists them (empty when unset).
    pub fn vars(&self) -> Map<String, Value> {
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

serde_via!(
    UserData,
    String,
    |s| UserData::parse(&s),
    |u| u.as_str(),
    |s| if s.len() > UserData::MAX_BYTES {
        format!("{} bytes; at most {}", s.len(), UserData::MAX_BYTES)
    } else {
        "must be a JSON object whose values are strings, e.g. {\"KEY\":\"value\"}".to_owned()
    }
);

/// A function's type: `v1` or `v2` (what the service creates by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FuncType {
    /// The first generation.
    V1,
    /// The current generation.
    #[default]
    V2,
}

impl FuncType {
    /// `v1` or `v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }
}

serde_via!(
    FuncType,
    String,
    |s| match s.as_str() {
        "v1" => Some(FuncType::V1),
        "v2" => Some(FuncType::V2),
        _ => None,
    },
    |t| t.as_str(),
    |s| format!("must be v1 or v2, got '{}'", shown(s))
);

/// A timeout in seconds that may be unset (0), else `1..=MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seconds<const MAX: i64>(i64);

impl<const MAX: i64> Seconds<MAX> {
    /// Parses 0 (unset) or `1..=MAX`.
    pub fn new(n: i64) -> Option<Self> {
        (0..=MAX).contains(&n).then_some(Self(n))
    }

    /// The seconds; 0 when unset.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Whether it is unset (0).
    pub fn is_unset(&self) -> bool {
        self.0 == 0
    }
}

impl<'de, const MAX: i64> Deserialize<'de> for Seconds<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        Self::new(n).ok_or_else(|| {
            serde::de::Error::custom(format!("must be between 1 and {MAX}, got {n}"))
        })
    }
}

impl<const MAX: i64> Serialize for Seconds<MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// `strategy_config`: `concurrency` the most instances (-1 = no limit, the default; 0
/// disables the function; up to 1000; a `v1` function takes only -1 or 0, checked in
/// [`FunctionConfig::parse`]); `concurrent_num` requests per instance, 1 to 1000 (0 = unset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = StrategyConfig)]
pub struct StrategyConfig {
    /// The most instances: -1 no limit, 0 disabled, else 1-1000.
    pub concurrency: i64,
    /// Concurrent requests per instance.
    pub concurrent_num: i64,
}

impl Default for StrategyConfig {
    fn default() -> Self {
        Self {
            concurrency: -1,
            concurrent_num: 0,
        }
    }
}

impl<'de> Deserialize<'de> for StrategyConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            concurrency: Option<i64>,
            concurrent_num: Option<i64>,
        }
        let w = Wire::deserialize(d)?;
        let concurrency = w.concurrency.unwrap_or(-1);
        if !(-1..=1000).contains(&concurrency) {
            return Err(serde::de::Error::custom(
                "concurrency must be -1 (no limit), 0 (disabled) or up to 1000",
            ));
        }
        let concurrent_num = w.concurrent_num.unwrap_or(0);
        if !(0..=1000).contains(&concurrent_num) {
            return Err(serde::de::Error::custom(
                "concurrent_num must be between 0 and 1000",
            ));
        }
        Ok(Self {
            concurrency,
            concurrent_num,
        })
    }
}

/// A setting kept as the client gave it: a JSON object, or nothing (`null`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct JsonObject(Option<Map<String, Value>>);

impl JsonObject {
    /// The object, if set.
    pub fn get(&self) -> Option<&Map<String, Value>> {
        self.0.as_ref()
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Self(None)),
            Value::Object(map) => Ok(Self(Some(map))),
            _ => Err(serde::de::Error::custom("must be a JSON object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn minimal() -> Map<String, Value> {
        body(json!({"runtime": "Python3.9", "handler": "index.handler",
                    "memory_size": 128, "timeout": 30}))
    }

    fn code(r: Result<FunctionConfig, ApiError>) -> &'static str {
        r.map(|_| "ok").unwrap_or_else(|e| e.code().code())
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
