//! A function's tags (issue 11; owner: tags work).
//!
//! Placeholder: the shape and rules are still to be written.

use serde::{Deserialize, Serialize};

/// A function's tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tags {}

impl Tags {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        true
    }
}

impl Tags {
    /// Checks a state document's tags.
    pub fn check(&self) -> Result<(), String> {
        Ok(())
    }
}
