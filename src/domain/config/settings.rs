//! The types of the settings that have a rule of their own, and the serde of the domain
//! types the configuration holds (`Runtime`, `MemorySize`, ...): each reads the raw JSON value
//! and applies its rule, so a `FunctionConfig` cannot hold a bad value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::{Description, Handler, MemorySize, Runtime, Timeout};

/// Serde for the domain types whose rule is a `parse` on a string or a number: read the raw
/// value (a wrong JSON type stays serde's own "invalid type" error), then apply the rule.
///
/// A string is read as `&str` (`StrRule`): an update reads each setting from the body's
/// `Value`, which lends its text, so the rule sees it without a copy; the type keeps one
/// copy if it wants one. Numbers are read as `i64`.
macro_rules! serde_via {
    ($ty:ty, str, |$p:ident| $parse:expr, |$w:ident| $write:expr, |$e:ident| $why:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(StrRule(|$p: &str| match $parse {
                    Some(v) => Ok(v),
                    None => {
                        let $e = $p;
                        Err($why)
                    }
                }))
            }
        }
        serde_via!(@serialize $ty, |$w| $write);
    };
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
        serde_via!(@serialize $ty, |$w| $write);
    };
    (@serialize $ty:ty, |$w:ident| $write:expr) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let $w = self;
                ($write).serialize(s)
            }
        }
    };
}

/// A string setting's visitor: the text, borrowed when the input lends it, given to a rule
/// that answers the value or why not. Expects what `String`'s visitor expects, so a value
/// of the wrong type is refused in the same words.
struct StrRule<F>(F);

impl<T, F: FnOnce(&str) -> Result<T, String>> serde::de::Visitor<'_> for StrRule<F> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        (self.0)(s).map_err(E::custom)
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<T, E> {
        // As `String`'s visitor: UTF-8 bytes are a string, others the wrong type.
        match std::str::from_utf8(bytes) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(bytes), &self)),
        }
    }
}

fn shown(s: &str) -> String {
    s.chars().take(64).collect()
}

serde_via!(
    Runtime,
    str,
    |s| Runtime::parse(s),
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
    str,
    |s| Description::parse(s),
    |d| d.as_str(),
    |s| format!(
        "{} characters, at most {}",
        s.chars().count(),
        Description::MAX_CHARS
    )
);
serde_via!(
    Handler,
    str,
    // The shape every runtime accepts; the runtime's own rule is checked in
    // FunctionConfig::check, which sees both.
    |s| Handler::parse(s, Runtime::parse("Custom").expect("Custom is a runtime")),
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
/// [`FunctionConfig::parse`](super::FunctionConfig::parse)); `concurrent_num` requests per instance, 1 to 1000 (0 = unset).
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
