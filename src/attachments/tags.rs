//! A function's tags (CreateTags, DeleteTags, ListFunctionTags, ShowProjectTagsList,
//! ShowResInstanceInfo): the rules for one tag's key and value, and the tags one function
//! carries.
//!
//! Tags belong to the function, not to a version: publishing copies none, deleting a
//! version or alias leaves them, and they go with the function when it is deleted (its
//! record, and so its attachments, is gone).
//!
//! The rules are the FunctionGraph API reference's for `KvItem` in CreateTags (CN,
//! `functiongraph_06_1023`, updated 2025-10-31): a key is 1 to 36 characters of
//! `A-Z a-z 0-9 - _` and CJK ideographs (U+4E00 to U+9FFF); a value is 0 to 36 characters
//! of the same set plus `.`. The user guide ("Configuring Tags", `functiongraph_01_1839`)
//! adds two: at most 20 tags per function, and a key may not start with `_sys_` (system
//! tags do). Its looser console limits (128/255 characters, spaces, `:=+@/`) are not the
//! API's. `docs/CONVENTIONS.md` ("Tags") lists every choice made where both are silent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The most tags one function carries (user guide; system tags count separately).
pub const MAX_TAGS: usize = 20;
/// The longest key, in characters.
pub const KEY_MAX_CHARS: usize = 36;
/// The longest value, in characters.
pub const VALUE_MAX_CHARS: usize = 36;
/// What every system tag's key starts with, and no user tag's may.
pub const SYSTEM_PREFIX: &str = "_sys_";

/// Which of a resource's two tag lists: the tenant's `tags` or the `sys_tags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// `tags`: the tenant's own.
    User,
    /// `sys_tags`: keys start with `_sys_` (the documented example is
    /// `_sys_enterprise_project_id`).
    System,
}

impl TagKind {
    /// The body field that holds this kind.
    pub fn field(self) -> &'static str {
        match self {
            Self::User => "tags",
            Self::System => "sys_tags",
        }
    }
}

/// A CJK unified ideograph, the one non-ASCII range the API reference allows.
fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// A tag key that follows the rules for its kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagKey(String);

impl TagKey {
    /// Checks `s` as a key of `kind`: 1 to 36 characters of `A-Z a-z 0-9 - _` and CJK;
    /// a user key must not start with `_sys_`, a system key must. The error says why.
    pub fn parse(s: &str, kind: TagKind) -> Result<Self, String> {
        let chars = s.chars().count();
        if chars == 0 {
            return Err("must not be empty".into());
        }
        if chars > KEY_MAX_CHARS {
            return Err(format!(
                "must be at most {KEY_MAX_CHARS} characters (got {chars})"
            ));
        }
        if let Some(c) = s
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || is_cjk(c)))
        {
            return Err(format!(
                "may contain only letters, digits, '-', '_' and CJK characters, not {c:?}"
            ));
        }
        match (kind, s.starts_with(SYSTEM_PREFIX)) {
            (TagKind::User, true) => Err(format!(
                "must not start with '{SYSTEM_PREFIX}' (system tags go in sys_tags)"
            )),
            (TagKind::System, false) => Err(format!("must start with '{SYSTEM_PREFIX}'")),
            _ => Ok(Self(s.to_owned())),
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tag value that follows the rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagValue(String);

impl TagValue {
    /// Checks `s` as a value: 0 to 36 characters of `A-Z a-z 0-9 . - _` and CJK.
    pub fn parse(s: &str) -> Result<Self, String> {
        let chars = s.chars().count();
        if chars > VALUE_MAX_CHARS {
            return Err(format!(
                "must be at most {VALUE_MAX_CHARS} characters (got {chars})"
            ));
        }
        if let Some(c) = s.chars().find(|&c| {
            !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' || is_cjk(c))
        }) {
            return Err(format!(
                "may contain only letters, digits, '.', '-', '_' and CJK characters, not {c:?}"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One request's tags of one kind, checked: keys unique, in request order. A value is
/// `None` where the request left it out (create stores `""`; delete then removes the key
/// whatever its value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagList(Vec<(TagKey, Option<TagValue>)>);

impl TagList {
    /// A list from checked pairs; a key given twice is refused (the error names it).
    pub fn new(pairs: Vec<(TagKey, Option<TagValue>)>) -> Result<Self, String> {
        for (i, (k, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(seen, _)| seen == k) {
                return Err(format!("key '{}' is given more than once", k.as_str()));
            }
        }
        Ok(Self(pairs))
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The tags one function carries: the tenant's and the system's, each a key -> value map
/// (so listed in key order). The serde form is the state document's:
/// `{"tags": {"k": "v"}, "sys_tags": {"_sys_k": "v"}}`, each left out when empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tags {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    sys_tags: BTreeMap<String, String>,
}

impl Tags {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.sys_tags.is_empty()
    }

    fn map(&self, kind: TagKind) -> &BTreeMap<String, String> {
        match kind {
            TagKind::User => &self.tags,
            TagKind::System => &self.sys_tags,
        }
    }

    fn map_mut(&mut self, kind: TagKind) -> &mut BTreeMap<String, String> {
        match kind {
            TagKind::User => &mut self.tags,
            TagKind::System => &mut self.sys_tags,
        }
    }

    /// The tags of `kind` as `(key, value)`, in key order.
    pub fn of(&self, kind: TagKind) -> impl Iterator<Item = (&str, &str)> {
        self.map(kind).iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Adds `list` to the tags of `kind`: a new key is added, an existing key takes the new
    /// value (a missing value is `""`). Refused, changing nothing, when the function would
    /// then carry more than [`MAX_TAGS`] of that kind.
    pub fn create(&mut self, kind: TagKind, list: &TagList) -> Result<(), String> {
        let map = self.map(kind);
        let added = list
            .0
            .iter()
            .filter(|(k, _)| !map.contains_key(k.as_str()))
            .count();
        let total = map.len() + added;
        if total > MAX_TAGS {
            return Err(format!(
                "a function has at most {MAX_TAGS} {}; this would make {total}",
                kind.field()
            ));
        }
        let map = self.map_mut(kind);
        for (k, v) in &list.0 {
            let value = v.as_ref().map(TagValue::as_str).unwrap_or_default();
            map.insert(k.as_str().to_owned(), value.to_owned());
        }
        Ok(())
    }

    /// Removes `list` from the tags of `kind`: a key given without a value goes whatever
    /// its value; with a value, only if the value matches. A key the function does not
    /// carry is no error (deleting is idempotent).
    pub fn delete(&mut self, kind: TagKind, list: &TagList) {
        let map = self.map_mut(kind);
        for (k, v) in &list.0 {
            let matches = match (map.get(k.as_str()), v) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(stored), Some(v)) => stored == v.as_str(),
            };
            if matches {
                map.remove(k.as_str());
            }
        }
    }

    /// Checks a state document's tags by the same rules as the API's.
    pub fn check(&self) -> Result<(), String> {
        for kind in [TagKind::User, TagKind::System] {
            let map = self.map(kind);
            if map.len() > MAX_TAGS {
                return Err(format!(
                    "{}: at most {MAX_TAGS}, not {}",
                    kind.field(),
                    map.len()
                ));
            }
            for (k, v) in map {
                TagKey::parse(k, kind).map_err(|e| format!("{}: key {k:?} {e}", kind.field()))?;
                TagValue::parse(v).map_err(|e| format!("{}.{k}: value {v:?} {e}", kind.field()))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, Option<&str>)]) -> TagList {
        TagList::new(
            pairs
                .iter()
                .map(|(k, v)| {
                    let k = TagKey::parse(k, TagKind::User).unwrap();
                    (k, v.map(|v| TagValue::parse(v).unwrap()))
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn keys_follow_the_api_reference() {
        let user = |s: &str| TagKey::parse(s, TagKind::User);
        assert!(user("env").is_ok());
        assert!(user("a-b_C9").is_ok());
        assert!(user("环境").is_ok());
        assert!(user(&"k".repeat(36)).is_ok());
        assert!(user(&"k".repeat(37)).is_err());
        assert!(user(&"环".repeat(36)).is_ok(), "characters, not bytes");
        assert!(user("").is_err());
        for bad in ["a b", "a.b", "a:b", "a=b", "a@b", "a/b", "é", "ß"] {
            assert!(user(bad).is_err(), "{bad}");
        }
        assert!(user("_sys_x").is_err());
        assert!(TagKey::parse("_sys_x", TagKind::System).is_ok());
        assert!(TagKey::parse("x", TagKind::System).is_err());
    }

    #[test]
    fn values_may_be_empty_and_carry_dots() {
        assert!(TagValue::parse("").is_ok());
        assert!(TagValue::parse("v1.2-x_y").is_ok());
        assert!(TagValue::parse(&"v".repeat(36)).is_ok());
        assert!(TagValue::parse(&"v".repeat(37)).is_err());
        for bad in ["a b", "a:b", "a/b", "a@b", "é"] {
            assert!(TagValue::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_key_twice_in_one_request_is_refused() {
        let k = || TagKey::parse("k", TagKind::User).unwrap();
        assert!(TagList::new(vec![(k(), None), (k(), None)]).is_err());
    }

    #[test]
    fn create_overwrites_and_counts_only_new_keys() {
        let mut t = Tags::default();
        t.create(TagKind::User, &list(&[("a", Some("1")), ("b", None)]))
            .unwrap();
        t.create(TagKind::User, &list(&[("a", Some("2"))])).unwrap();
        let got: Vec<_> = t.of(TagKind::User).collect();
        assert_eq!(got, [("a", "2"), ("b", "")]);

        let names: Vec<String> = (0..18).map(|i| format!("k{i}")).collect();
        let pairs: Vec<(&str, Option<&str>)> = names.iter().map(|n| (n.as_str(), None)).collect();
        t.create(TagKind::User, &list(&pairs)).unwrap();
        assert_eq!(t.of(TagKind::User).count(), 20);
        // Overwriting at the cap is fine; one more key is not, and changes nothing.
        t.create(TagKind::User, &list(&[("a", Some("3"))])).unwrap();
        let before = t.clone();
        assert!(t.create(TagKind::User, &list(&[("z", None)])).is_err());
        assert_eq!(t, before);
        assert!(t.check().is_ok());
    }

    #[test]
    fn delete_by_key_or_by_key_and_value() {
        let mut t = Tags::default();
        t.create(TagKind::User, &list(&[("a", Some("1")), ("b", Some("2"))]))
            .unwrap();
        t.delete(
            TagKind::User,
            &list(&[("a", Some("other")), ("nope", None)]),
        );
        assert_eq!(
            t.of(TagKind::User).count(),
            2,
            "a wrong value keeps the tag"
        );
        t.delete(TagKind::User, &list(&[("a", Some("1")), ("b", None)]));
        assert!(t.is_empty());
    }

    #[test]
    fn the_state_document_form_is_checked() {
        let ok: Tags = serde_json::from_value(serde_json::json!({
            "tags": {"env": "prod"}, "sys_tags": {"_sys_enterprise_project_id": "0"}
        }))
        .unwrap();
        assert!(ok.check().is_ok());
        assert_eq!(
            serde_json::to_value(Tags::default()).unwrap(),
            serde_json::json!({})
        );
        for bad in [
            serde_json::json!({"tags": {"a b": "v"}}),
            serde_json::json!({"tags": {"k": "v v"}}),
            serde_json::json!({"tags": {"_sys_k": "v"}}),
            serde_json::json!({"sys_tags": {"k": "v"}}),
        ] {
            let t: Tags = serde_json::from_value(bad.clone()).unwrap();
            assert!(t.check().is_err(), "{bad}");
        }
        let many: serde_json::Map<String, serde_json::Value> =
            (0..21).map(|i| (format!("k{i}"), "".into())).collect();
        let t: Tags = serde_json::from_value(serde_json::json!({ "tags": many })).unwrap();
        assert!(t.check().is_err());
        assert!(serde_json::from_value::<Tags>(serde_json::json!({"other": {}})).is_err());
    }
}
