//! What the types cannot check: offsets, limits, names, credentials, seeds.

use super::{AuthConfig, AuthMode, Config, ConfigError};
use crate::clock::parse_offset;
use crate::domain::{ProjectId, Region};

impl Config {
    /// Checks what types cannot: offsets, limits, names.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.into(),
            message,
        };
        if parse_offset(&self.clock.utc_offset).is_none() {
            return Err(invalid(
                "clock.utc_offset",
                format!("'{}' is not an offset like +08:00", self.clock.utc_offset),
            ));
        }
        let positive = [
            (
                "limits.max_concurrent_requests",
                self.limits.max_concurrent_requests,
            ),
            ("control.journal_size", self.control.journal_size),
            ("server.max_body_bytes", self.server.max_body_bytes as usize),
            (
                "server.header_timeout_seconds",
                self.server.header_timeout_seconds as usize,
            ),
            (
                "server.body_timeout_seconds",
                self.server.body_timeout_seconds as usize,
            ),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(invalid(key, "must be at least 1".into()));
            }
        }
        if self.auth.mode == AuthMode::Verify {
            validate_verify_auth(&self.auth)?;
        }
        for (i, p) in self.projects.iter().enumerate() {
            ProjectId::parse(&p.id)
                .map_err(|e| invalid(&format!("projects[{i}].id"), e.to_string()))?;
            Region::parse(&p.region)
                .map_err(|e| invalid(&format!("projects[{i}].region"), e.to_string()))?;
        }
        for (i, f) in self.functions.iter().enumerate() {
            if f.project.is_none() && self.projects.is_empty() {
                return Err(invalid(
                    &format!("functions[{i}].project"),
                    "no project given and no [[projects]] to default to".into(),
                ));
            }
            if f.code.is_some() && f.code_file.is_some() {
                return Err(invalid(
                    &format!("functions[{i}]"),
                    "give either code or code_file, not both".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Checks the `[[auth.tokens]]` and `[[auth.credentials]]` that `auth.mode = "verify"`
/// relies on: each must be usable on the wire, none listed twice (which entry's
/// `project_ids` would apply?), and at least one present, or every request would fail.
fn validate_verify_auth(auth: &AuthConfig) -> Result<(), ConfigError> {
    let invalid = |key: String, message: &str| ConfigError::Invalid {
        key,
        message: message.into(),
    };
    if auth.tokens.is_empty() && auth.credentials.is_empty() {
        return Err(invalid(
            "auth.mode".into(),
            "'verify' needs at least one [[auth.tokens]] or [[auth.credentials]] entry",
        ));
    }
    let project_ids = |key: String, ids: &[String]| {
        ids.iter().enumerate().try_for_each(|(j, id)| {
            ProjectId::parse(id)
                .map(drop)
                .map_err(|e| invalid(format!("{key}.project_ids[{j}]"), &e.to_string()))
        })
    };
    for (i, t) in auth.tokens.iter().enumerate() {
        let key = format!("auth.tokens[{i}]");
        // Header values arrive trimmed, so a token with outer blanks could never match.
        if !is_header_text(&t.value) || t.value.trim() != t.value {
            return Err(invalid(
                format!("{key}.value"),
                "must be non-empty printable ASCII without leading or trailing spaces",
            ));
        }
        if auth.tokens[..i].iter().any(|o| o.value == t.value) {
            return Err(invalid(
                format!("{key}.value"),
                "this token is listed twice",
            ));
        }
        project_ids(key, &t.project_ids)?;
    }
    for (i, c) in auth.credentials.iter().enumerate() {
        let key = format!("auth.credentials[{i}]");
        // The AK travels inside `Access=<AK>, SignedHeaders=...`: no ',' or blanks.
        if !is_header_text(&c.ak) || c.ak.contains([',', ' ']) {
            return Err(invalid(
                format!("{key}.ak"),
                "must be non-empty printable ASCII without ',' or spaces",
            ));
        }
        if c.sk.is_empty() {
            return Err(invalid(format!("{key}.sk"), "must not be empty"));
        }
        if auth.credentials[..i].iter().any(|o| o.ak == c.ak) {
            return Err(invalid(
                format!("{key}.ak"),
                "this access key is listed twice",
            ));
        }
        project_ids(key, &c.project_ids)?;
    }
    Ok(())
}

/// Non-empty, and only printable ASCII (space to `~`): what a header value can carry as text.
fn is_header_text(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}
