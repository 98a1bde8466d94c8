//! A function's test events (issue 11): named, base64-encoded JSON payloads the console
//! keeps for trying a function out. They belong to the function, not to a version.
//!
//! Rules, from the API reference (OTC `api-ref/source/api/test_events/*.rst`), the user
//! guide ("Each function can have a maximum of 10 test events") and the error catalogue
//! (FSS.1068-1074): a name of 1 to 25 letters, digits, `-` and `_`, starting with a letter
//! and ending with a letter or digit, unique on the function; content that is base64 of a
//! JSON document of at most 4 KB.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

/// At most this many test events per function (403 FSS.1068).
pub const MAX_EVENTS: usize = 10;
/// At most this many bytes of decoded content (403 FSS.1069 "exceeds 4 KB").
pub const MAX_CONTENT_BYTES: usize = 4096;

/// One test event. The serde form is the state document's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestEvent {
    /// Its id, shaped like a UUID.
    pub id: String,
    /// Its name, unique on the function.
    pub name: String,
    /// The content as given: base64 of a JSON document.
    pub content: String,
    /// When it was last updated; `None` until the first update (Terraform's acceptance
    /// test reads no `last_modified` right after create, and one after an update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime<Utc>>,
}

/// A function's test events, in creation order. The serde form is a plain array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TestEvents(Vec<TestEvent>);

/// Checks a test event's name (400 FSS.1074).
pub fn check_name(name: &str) -> Result<(), ApiError> {
    let mut chars = name.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let body = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let ends = name
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if starts && body && ends && name.len() <= 25 {
        Ok(())
    } else {
        Err(ApiError::detailed(
            ErrorCode::InvalidEvent,
            format_args!(
                "name '{}' must be 1 to 25 letters, digits, '-' or '_', start with a letter and end with a letter or digit",
                name.chars().take(64).collect::<String>()
            ),
        ))
    }
}

/// Checks a test event's content: base64 (400 FSS.1074) of at most 4 KB (403 FSS.1069)
/// of JSON (400 FSS.1074).
pub fn check_content(content: &str) -> Result<(), ApiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|e| {
            ApiError::detailed(
                ErrorCode::InvalidEvent,
                format_args!("content is not base64: {e}"),
            )
        })?;
    if bytes.len() > MAX_CONTENT_BYTES {
        return Err(ApiError::detailed(
            ErrorCode::EventTooLarge,
            format_args!("{} bytes decoded, at most {MAX_CONTENT_BYTES}", bytes.len()),
        ));
    }
    serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| {
        ApiError::detailed(
            ErrorCode::InvalidEvent,
            format_args!("content is not base64 of a JSON document: {e}"),
        )
    })?;
    Ok(())
}

fn not_found(id: &str) -> ApiError {
    ApiError::detailed(
        ErrorCode::EventNotFound,
        format_args!(
            "no test event '{}' on this function",
            id.chars().take(64).collect::<String>()
        ),
    )
}

impl TestEvents {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every event, in creation order.
    pub fn all(&self) -> &[TestEvent] {
        &self.0
    }

    /// The event with this id (404 FSS.1070).
    pub fn get(&self, id: &str) -> Result<&TestEvent, ApiError> {
        self.0
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| not_found(id))
    }

    /// Adds an event whose name and content are already checked: the name must be free
    /// (403 FSS.1073) and the function below [`MAX_EVENTS`] (403 FSS.1068).
    pub fn add(
        &mut self,
        id: String,
        name: String,
        content: String,
    ) -> Result<TestEvent, ApiError> {
        self.name_is_free(&name, None)?;
        if self.0.len() >= MAX_EVENTS {
            return Err(ApiError::detailed(
                ErrorCode::EventLimit,
                format_args!("at most {MAX_EVENTS} test events per function"),
            ));
        }
        let event = TestEvent {
            id,
            name,
            content,
            last_modified: None,
        };
        self.0.push(event.clone());
        Ok(event)
    }

    fn name_is_free(&self, name: &str, except: Option<&str>) -> Result<(), ApiError> {
        if self
            .0
            .iter()
            .any(|e| e.name == name && Some(e.id.as_str()) != except)
        {
            return Err(ApiError::detailed(
                ErrorCode::EventExists,
                format_args!("'{name}'"),
            ));
        }
        Ok(())
    }

    /// Replaces an event's content (and its name, when one is given: Terraform sends it
    /// on every update), checked already; stamps `last_modified`.
    pub fn update(
        &mut self,
        id: &str,
        name: Option<String>,
        content: String,
        now: DateTime<Utc>,
    ) -> Result<TestEvent, ApiError> {
        self.get(id)?;
        if let Some(name) = &name {
            self.name_is_free(name, Some(id))?;
        }
        let e = self
            .0
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| not_found(id))?;
        if let Some(name) = name {
            e.name = name;
        }
        e.content = content;
        e.last_modified = Some(now);
        Ok(e.clone())
    }

    /// Removes the event with this id (404 FSS.1070).
    pub fn remove(&mut self, id: &str) -> Result<(), ApiError> {
        let before = self.0.len();
        self.0.retain(|e| e.id != id);
        if self.0.len() == before {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// Checks a state document's test events: valid names and content, unique ids and
    /// names, at most [`MAX_EVENTS`].
    pub fn check(&self) -> Result<(), String> {
        if self.0.len() > MAX_EVENTS {
            return Err(format!(
                "events: {} events, at most {MAX_EVENTS}",
                self.0.len()
            ));
        }
        let mut ids = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for (i, e) in self.0.iter().enumerate() {
            let at = format!("events[{i}]");
            check_name(&e.name)
                .and_then(|()| check_content(&e.content))
                .map_err(|err| format!("{at}: {}", err.message()))?;
            if e.id.is_empty() || !ids.insert(e.id.as_str()) {
                return Err(format!("{at}: id '{}' is empty or repeated", e.id));
            }
            if !names.insert(e.name.as_str()) {
                return Err(format!("{at}: name '{}' is repeated", e.name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "event-xx", "E_1", "abcdefghijklmnopqrstuvwxy"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1a", "a-", "a b", "abcdefghijklmnopqrstuvwxyz", "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn content() {
        assert!(check_content("eyJrIjoidiJ9").is_ok());
        let e = check_content("not base64!").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidEvent);
        let not_json = base64::engine::general_purpose::STANDARD.encode("{oops");
        assert_eq!(
            check_content(&not_json).unwrap_err().code(),
            ErrorCode::InvalidEvent
        );
        let big = format!("\"{}\"", "x".repeat(MAX_CONTENT_BYTES));
        let big = base64::engine::general_purpose::STANDARD.encode(big);
        assert_eq!(
            check_content(&big).unwrap_err().code(),
            ErrorCode::EventTooLarge
        );
    }
}
