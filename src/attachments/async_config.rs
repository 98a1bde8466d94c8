//! Async-invocation settings per version (issue 11; owner: async-invoke-config work).
//!
//! Placeholder: the shape and rules are still to be written.

use serde::{Deserialize, Serialize};

/// Async-invocation settings per version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AsyncConfigs {}

impl AsyncConfigs {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        true
    }
}

impl AsyncConfigs {
    /// Drops the settings of a deleted version.
    pub fn forget(&mut self, _version: &str) {}

    /// Checks a state document's settings against the function's versions.
    pub fn check(&self, _qualifiers: &super::Qualifiers<'_>) -> Result<(), String> {
        Ok(())
    }
}
