//! Triggers per version or alias (issue 11; owner: triggers work).
//!
//! Placeholder: the shape and rules are still to be written.

use serde::{Deserialize, Serialize};

/// Triggers per version or alias.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Triggers {}

impl Triggers {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        true
    }
}

impl Triggers {
    /// Drops the triggers of a deleted version or alias.
    pub fn forget(&mut self, _qualifier: &str) {}

    /// FSS.1154 when the alias has triggers.
    pub fn blocks_alias_delete(&self, _alias: &str) -> Option<crate::error::ApiError> {
        None
    }

    /// Checks a state document's triggers against the function's qualifiers.
    pub fn check(&self, _qualifiers: &super::Qualifiers<'_>) -> Result<(), String> {
        Ok(())
    }
}
