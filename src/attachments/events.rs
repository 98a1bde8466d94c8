//! A function's test events (issue 11; owner: triggers work).
//!
//! Placeholder: the shape and rules are still to be written.

use serde::{Deserialize, Serialize};

/// A function's test events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestEvents {}

impl TestEvents {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        true
    }
}

impl TestEvents {
    /// Checks a state document's test events.
    pub fn check(&self) -> Result<(), String> {
        Ok(())
    }
}
