//! Async-invocation settings per version (issue 11): what `PUT .../async-invoke-config`
//! stores for `latest` or a published version, and what async invocations of that version
//! obey (`invoke::async_queue`).
//!
//! The ranges are the request body's (the SDK's UpdateFunctionAsyncInvokeConfigRequestBody
//! and the OTC API reference, "Configuring Asynchronous Execution Notification"):
//! `max_async_event_age_in_seconds` 1..=86400 (default 3600), `max_async_retry_attempts`
//! 0..=3 (default 1). The response models' "60-86,400" and "0-8, default 3" describe a
//! wider service-side range that the request never reaches. Destinations are `OBS`, `SMN`,
//! `DIS` and `FunctionGraph` (the SDK's FuncDestinationConfig), each with a `param` that is
//! a JSON object in a string naming its target (`bucket`, `topic_urn`, `stream_name`,
//! `func_urn`).
//!
//! The serde form below is the state document's (`attachments.async_configs`), keyed by
//! `latest` or the version's name; [`AsyncConfigs::check`] holds a document to the same
//! rules as the API.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The event age used when a version has no settings (the service's default).
pub const DEFAULT_MAX_EVENT_AGE_SECONDS: u32 = 3600;
/// The retries of a version with settings that did not name them (the request body's
/// default). A version without settings is not retried at all ("By default, FunctionGraph
/// does not retry if a function fails due to a code error", the user guide).
pub const DEFAULT_RETRY_ATTEMPTS: u32 = 1;
/// The event age range, in seconds.
pub const EVENT_AGE_RANGE: std::ops::RangeInclusive<i64> = 1..=86_400;
/// The retry range.
pub const RETRY_RANGE: std::ops::RangeInclusive<i64> = 0..=3;

/// Async-invocation settings per version: `latest` or a published version's name -> its
/// settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AsyncConfigs(BTreeMap<String, AsyncConfig>);

/// One version's settings, as stored and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsyncConfig {
    /// How long an event may wait before it runs, in seconds (1..=86400).
    pub max_async_event_age_in_seconds: u32,
    /// How often a failed invocation is tried again (0..=3).
    pub max_async_retry_attempts: u32,
    /// Where results are sent (the emulator stores them and sends nothing).
    #[serde(default)]
    pub destination_config: DestinationConfig,
    /// Whether invocation states are persisted to LTS (stored only).
    #[serde(default)]
    pub enable_async_status_log: bool,
    /// When these settings were first made.
    pub created_time: DateTime<Utc>,
    /// When they were last replaced.
    pub last_modified: DateTime<Utc>,
}

/// `destination_config`: the targets on success and on failure, each optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationConfig {
    /// Where a successful invocation's result goes.
    #[serde(default)]
    pub on_success: Option<Destination>,
    /// Where a failed invocation's result goes.
    #[serde(default)]
    pub on_failure: Option<Destination>,
}

/// One target: its service and the JSON string of its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// `OBS`, `SMN`, `DIS` or `FunctionGraph`.
    pub destination: String,
    /// A JSON object, as a string, naming the target.
    pub param: String,
}

/// What an async invocation of one version obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsyncPolicy {
    /// Further attempts after a failed one.
    pub retries: u32,
    /// Events older than this (seconds since accepted) are not run.
    pub max_age_seconds: u32,
}

impl Default for AsyncPolicy {
    /// A version without settings: no retry, an hour.
    fn default() -> Self {
        Self {
            retries: 0,
            max_age_seconds: DEFAULT_MAX_EVENT_AGE_SECONDS,
        }
    }
}

impl AsyncConfigs {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The settings of `version` (`latest` or a version's name).
    pub fn get(&self, version: &str) -> Option<&AsyncConfig> {
        self.0.get(version)
    }

    /// Stores `config` for `version`, replacing what was there.
    pub fn set(&mut self, version: &str, config: AsyncConfig) {
        self.0.insert(version.to_owned(), config);
    }

    /// Removes the settings of `version`; whether there were any.
    pub fn remove(&mut self, version: &str) -> bool {
        self.0.remove(version).is_some()
    }

    /// What an async invocation of `version` obeys: its settings, else the defaults.
    pub fn policy(&self, version: &str) -> AsyncPolicy {
        self.get(version)
            .map(|c| AsyncPolicy {
                retries: c.max_async_retry_attempts,
                max_age_seconds: c.max_async_event_age_in_seconds,
            })
            .unwrap_or_default()
    }

    /// Drops the settings of a deleted version.
    pub fn forget(&mut self, version: &str) {
        self.0.remove(version);
    }

    /// Checks a state document's settings against the function's versions: each key is
    /// `latest` or a published version, and each value keeps the API's rules.
    pub fn check(&self, qualifiers: &super::Qualifiers<'_>) -> Result<(), String> {
        for (version, config) in &self.0 {
            if !qualifiers.is_version(version) {
                return Err(format!(
                    "async_configs names '{version}', which is neither latest nor a version of the function"
                ));
            }
            config
                .check()
                .map_err(|e| format!("async_configs.{version}: {e}"))?;
        }
        Ok(())
    }
}

impl AsyncConfig {
    /// Checks the ranges and the destinations (the rules the API applies).
    pub fn check(&self) -> Result<(), String> {
        let age = i64::from(self.max_async_event_age_in_seconds);
        if !EVENT_AGE_RANGE.contains(&age) {
            return Err(format!(
                "max_async_event_age_in_seconds must be from 1 to 86400, not {age}"
            ));
        }
        let retries = i64::from(self.max_async_retry_attempts);
        if !RETRY_RANGE.contains(&retries) {
            return Err(format!(
                "max_async_retry_attempts must be from 0 to 3, not {retries}"
            ));
        }
        for (name, d) in [
            ("on_success", &self.destination_config.on_success),
            ("on_failure", &self.destination_config.on_failure),
        ] {
            if let Some(d) = d {
                d.check()
                    .map_err(|e| format!("destination_config.{name}.{e}"))?;
            }
        }
        if self.last_modified < self.created_time {
            return Err("last_modified is before created_time".into());
        }
        Ok(())
    }
}

impl Destination {
    /// The destination services and the key each one's `param` must name.
    const KINDS: [(&'static str, &'static str); 4] = [
        ("OBS", "bucket"),
        ("SMN", "topic_urn"),
        ("DIS", "stream_name"),
        ("FunctionGraph", "func_urn"),
    ];

    /// Checks the service name and its parameters; the error starts with the field name.
    pub fn check(&self) -> Result<(), String> {
        let Some((_, key)) = Self::KINDS
            .iter()
            .find(|(kind, _)| *kind == self.destination)
        else {
            return Err(format!(
                "destination must be one of OBS, SMN, DIS, FunctionGraph, not '{}'",
                self.destination.chars().take(32).collect::<String>()
            ));
        };
        let param: Value = serde_json::from_str(&self.param)
            .map_err(|_| "param must be a JSON object in a string".to_owned())?;
        let Some(param) = param.as_object() else {
            return Err("param must be a JSON object in a string".into());
        };
        match param.get(*key) {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => {
                return Err(format!(
                    "param must name the {} target's {key} (a non-empty string)",
                    self.destination
                ));
            }
        }
        if self.destination == "OBS"
            && let Some(expires) = param.get("expires")
            && !expires.as_i64().is_some_and(|d| (0..=365).contains(&d))
        {
            return Err("param.expires must be a whole number of days from 0 to 365".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AsyncConfig {
        let at = DateTime::parse_from_rfc3339("2026-11-28T19:30:15+08:00")
            .unwrap()
            .to_utc();
        AsyncConfig {
            max_async_event_age_in_seconds: 60,
            max_async_retry_attempts: 2,
            destination_config: DestinationConfig::default(),
            enable_async_status_log: false,
            created_time: at,
            last_modified: at,
        }
    }

    fn dest(destination: &str, param: &str) -> Destination {
        Destination {
            destination: destination.into(),
            param: param.into(),
        }
    }

    #[test]
    fn ranges_are_the_request_body_s() {
        assert!(config().check().is_ok());
        for (age, retries, ok) in [
            (1, 0, true),
            (86_400, 3, true),
            (0, 0, false),
            (86_401, 0, false),
            (60, 4, false),
        ] {
            let c = AsyncConfig {
                max_async_event_age_in_seconds: age,
                max_async_retry_attempts: retries,
                ..config()
            };
            assert_eq!(c.check().is_ok(), ok, "{age} {retries}");
        }
    }

    #[test]
    fn destinations_name_their_target() {
        assert!(
            dest("OBS", r#"{"bucket":"b","prefix":"/x","expires":5}"#)
                .check()
                .is_ok()
        );
        assert!(dest("SMN", r#"{"topic_urn":"urn:smn:x"}"#).check().is_ok());
        assert!(dest("DIS", r#"{"stream_name":"s"}"#).check().is_ok());
        assert!(
            dest("FunctionGraph", r#"{"func_urn":"urn:fss:x"}"#)
                .check()
                .is_ok()
        );
        for (d, p) in [
            ("S3", r#"{"bucket":"b"}"#),
            ("OBS", "not json"),
            ("OBS", r#"["bucket"]"#),
            ("OBS", r#"{"prefix":"x"}"#),
            ("OBS", r#"{"bucket":"b","expires":366}"#),
            ("SMN", r#"{"topic_urn":""}"#),
            ("FunctionGraph", r#"{"func_urn":1}"#),
        ] {
            assert!(dest(d, p).check().is_err(), "{d} {p}");
        }
    }

    #[test]
    fn a_version_without_settings_is_not_retried_and_waits_an_hour() {
        let mut all = AsyncConfigs::default();
        assert_eq!(
            all.policy("latest"),
            AsyncPolicy {
                retries: 0,
                max_age_seconds: 3600
            }
        );
        all.set("v1", config());
        assert_eq!(
            all.policy("v1"),
            AsyncPolicy {
                retries: 2,
                max_age_seconds: 60
            }
        );
        all.forget("v1");
        assert!(all.is_empty());
    }

    #[test]
    fn the_document_form_is_strict() {
        let json = serde_json::json!({"latest": {
            "max_async_event_age_in_seconds": 60, "max_async_retry_attempts": 1,
            "created_time": "2026-11-28T11:30:15Z", "last_modified": "2026-11-28T11:30:15Z",
            "surprise": true}});
        assert!(serde_json::from_value::<AsyncConfigs>(json).is_err());
    }
}
