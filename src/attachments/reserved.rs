//! Reserved-instance policies per version or alias (issue 11; owner: reserved-instances work).
//!
//! Placeholder: the shape and rules are still to be written.

use serde::{Deserialize, Serialize};

/// Reserved-instance policies per version or alias.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReservedPolicies {}

impl ReservedPolicies {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        true
    }
}

impl ReservedPolicies {
    /// Drops the policy of a deleted version or alias.
    pub fn forget(&mut self, _qualifier: &str) {}

    /// Checks a state document's policies against the function's qualifiers.
    pub fn check(&self, _qualifiers: &super::Qualifiers<'_>) -> Result<(), String> {
        Ok(())
    }
}
