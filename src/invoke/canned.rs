//! Canned results: answers registered through `/_emulator/canned-results` for a function
//! (or one version of it), served instead of running code, for any runtime.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;

impl Invoker {
    /// Registers a canned answer (replacing one for the same function and version).
    pub fn add_canned(&self, c: Canned) {
        let mut canned = lock(&self.inner.canned);
        canned.retain(|x| !(x.func_name == c.func_name && x.version == c.version));
        canned.push(c);
    }

    /// The canned answers.
    pub fn canned(&self) -> Vec<Canned> {
        lock(&self.inner.canned).clone()
    }

    /// Forgets every canned answer.
    pub fn clear_canned(&self) {
        lock(&self.inner.canned).clear();
    }

    pub(super) fn canned_for(&self, target: &Target) -> Option<Canned> {
        let canned = lock(&self.inner.canned);
        let name = target.key.name.as_str();
        canned
            .iter()
            .find(|c| c.func_name == name && c.version.as_deref() == Some(&target.version))
            .or_else(|| {
                canned
                    .iter()
                    .find(|c| c.func_name == name && c.version.is_none())
            })
            .cloned()
    }
}

/// A canned answer registered through the control plane.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canned {
    /// The function's name.
    pub func_name: String,
    /// The version (`latest`, a version name); absent means every version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The handler's result (a string is answered as-is, anything else as JSON).
    #[serde(default)]
    pub result: Value,
    /// A function error to answer instead of a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<FunctionError>,
    /// How long the "handler" takes, ms (counted against the function's timeout).
    #[serde(default)]
    pub delay_ms: u64,
}

pub(super) async fn run_canned(c: Canned, timeout: Duration) -> instance::Ran {
    let delay = Duration::from_millis(c.delay_ms);
    if delay > timeout {
        tokio::time::sleep(timeout).await;
        return instance::Ran {
            outcome: Outcome::TimedOut,
            log: String::new(),
            memory_used_mb: 0.0,
            reusable: true,
        };
    }
    tokio::time::sleep(delay).await;
    let outcome = match c.error {
        Some(e) => Outcome::Raised(e),
        None => match c.result {
            Value::Null => Outcome::Returned {
                kind: "none".into(),
                body: String::new(),
            },
            Value::String(s) => Outcome::Returned {
                kind: "str".into(),
                body: s,
            },
            other => Outcome::Returned {
                kind: "json".into(),
                body: other.to_string(),
            },
        },
    };
    instance::Ran {
        outcome,
        log: "(canned result: no code ran)\n".into(),
        memory_used_mb: 0.0,
        reusable: true,
    }
}
