//! Validated names: each type can only hold a string that passes its rule.
//!
//! The rules are the real service's (SPEC section 4, `reference/functiongraph-api.md` 2.3),
//! written as small character checks instead of regexes so the parser needs no regex engine
//! and cannot backtrack on hostile input.

use std::fmt;

/// Why a name was refused; the caller turns it into the right FSS code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    /// What kind of name ("function name", "version", ...).
    pub kind: &'static str,
    /// The refused value, cut to a readable length.
    pub value: String,
    /// The rule it broke, in words.
    pub rule: &'static str,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} '{}': {}", self.kind, self.value, self.rule)
    }
}

impl std::error::Error for NameError {}

fn name_error(kind: &'static str, value: &str, rule: &'static str) -> NameError {
    // Error messages echo the value; cap it so a 1 MB name does not come back whole.
    let value: String = value.chars().take(80).collect();
    NameError { kind, value, rule }
}

/// `first`, then `middle*`, then `last`, with `1..=max` characters in all (a single
/// character must satisfy both `first` and `last`). This is the shape of every FunctionGraph
/// name rule.
fn shaped(
    s: &str,
    max: usize,
    first: impl Fn(u8) -> bool,
    middle: impl Fn(u8) -> bool,
    last: impl Fn(u8) -> bool,
) -> bool {
    let b = s.as_bytes();
    // All allowed characters are ASCII, so byte length is character length.
    if b.is_empty() || b.len() > max {
        return false;
    }
    if !first(b[0]) || !last(b[b.len() - 1]) {
        return false;
    }
    b.len() < 3 || b[1..b.len() - 1].iter().all(|&c| middle(c))
}

fn alpha(c: u8) -> bool {
    c.is_ascii_alphabetic()
}
fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
fn alnum_dash_underscore(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}
fn alnum_dash_underscore_dot(c: u8) -> bool {
    alnum_dash_underscore(c) || c == b'.'
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Hash and Eq are those of the inner String, so maps keyed by the name can be
        // looked up with a plain `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// A function name: `^[A-Za-z]([A-Za-z0-9_-]{0,58}[A-Za-z0-9])?$` (1 to 60 characters).
    FunctionName
);
name_type!(
    /// A published version's name: `^[A-Za-z0-9]([A-Za-z0-9._-]{0,40}[A-Za-z0-9])?$`, never
    /// `latest` (which names the function's working copy, not a published version).
    VersionName
);
name_type!(
    /// An alias name: `^[A-Za-z]([A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$` (1 to 64 characters).
    AliasName
);
name_type!(
    /// A package (application) name. The real service documents no rule; the emulator takes
    /// 1 to 64 letters, digits, `_` and `-`, which covers `default` and every name in the
    /// docs and keeps `:` (the URN separator) out.
    PackageName
);
name_type!(
    /// A project id. The real ones are 32 letters and digits; the emulator also takes `_` and
    /// `-`, up to 64 characters, so `curl` users can name a project `demo`.
    ProjectId
);
name_type!(
    /// A region name such as `cn-north-4`: 1 to 64 letters, digits, `_` and `-`.
    Region
);

impl FunctionName {
    /// Parses a function name.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if shaped(s, 60, alpha, alnum_dash_underscore, alnum) {
            Ok(Self(s.to_owned()))
        } else {
            Err(name_error(
                "function name",
                s,
                "1 to 60 letters, digits, '_' or '-', starting with a letter and ending with a letter or digit",
            ))
        }
    }
}

impl VersionName {
    /// Parses a version name; `latest` is refused because it is reserved.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if s == "latest" {
            return Err(name_error(
                "version",
                s,
                "'latest' is reserved for the function's unpublished code",
            ));
        }
        if shaped(s, 42, alnum, alnum_dash_underscore_dot, alnum) {
            Ok(Self(s.to_owned()))
        } else {
            Err(name_error(
                "version",
                s,
                "1 to 42 letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
            ))
        }
    }
}

impl AliasName {
    /// Parses an alias name (without the `!` it carries inside a URN).
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if shaped(s, 64, alpha, alnum_dash_underscore, alnum) {
            Ok(Self(s.to_owned()))
        } else {
            Err(name_error(
                "alias name",
                s,
                "1 to 64 letters, digits, '_' or '-', starting with a letter and ending with a letter or digit",
            ))
        }
    }
}

fn simple_token(kind: &'static str, s: &str) -> Result<String, NameError> {
    if !s.is_empty() && s.len() <= 64 && s.bytes().all(alnum_dash_underscore) {
        Ok(s.to_owned())
    } else {
        Err(name_error(kind, s, "1 to 64 letters, digits, '_' or '-'"))
    }
}

impl PackageName {
    /// Parses a package name.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        simple_token("package", s).map(Self)
    }

    /// The package a function is in when none is named: `default`.
    pub fn default_package() -> Self {
        Self("default".to_owned())
    }
}

impl ProjectId {
    /// Parses a project id.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        simple_token("project id", s).map(Self)
    }
}

impl Region {
    /// Parses a region name.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        simple_token("region", s).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_follow_the_rule() {
        for ok in [
            "a",
            "ab",
            "hello",
            "Hello_World-2",
            &format!("a{}", "b".repeat(59)),
        ] {
            assert!(FunctionName::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "",
            "1abc",
            "_abc",
            "abc-",
            "abc_",
            "a.b",
            "a b",
            "a:b",
            &format!("a{}", "b".repeat(60)),
            "é",
        ] {
            assert!(FunctionName::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn version_names_follow_the_rule_and_reserve_latest() {
        for ok in [
            "1",
            "v1",
            "v1.0.2",
            "1-2_3.4",
            "v20261128-193015",
            &"a".repeat(42),
        ] {
            assert!(VersionName::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "",
            "latest",
            ".v1",
            "v1.",
            "-v",
            "v!",
            "v 1",
            &"a".repeat(43),
        ] {
            assert!(VersionName::parse(bad).is_err(), "{bad} should be refused");
        }
        // Only the exact reserved word is refused; other spellings are ordinary names.
        assert!(VersionName::parse("Latest").is_ok());
    }

    #[test]
    fn alias_names_follow_the_rule() {
        for ok in ["p", "prod", "Prod_2-x", &format!("a{}", "b".repeat(63))] {
            assert!(AliasName::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "",
            "1prod",
            "prod-",
            "pr.od",
            "!prod",
            &format!("a{}", "b".repeat(64)),
        ] {
            assert!(AliasName::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn tokens_refuse_separators_and_empty() {
        assert!(PackageName::parse("default").is_ok());
        assert!(PackageName::parse("").is_err());
        assert!(PackageName::parse("a:b").is_err());
        assert!(ProjectId::parse("0123456789abcdef0123456789abcdef").is_ok());
        assert!(ProjectId::parse("a/b").is_err());
        assert!(Region::parse("cn-north-4").is_ok());
        assert!(Region::parse("cn north").is_err());
    }

    #[test]
    fn error_messages_cap_the_echoed_value() {
        let err = FunctionName::parse(&"!".repeat(10_000)).unwrap_err();
        assert!(err.to_string().len() < 300);
    }
}
