//! What hangs off a function besides its configuration and code: reserved-instance
//! policies, async-invocation settings, triggers, test events and tags.
//!
//! Each kind lives in its own module with its own rules. A function's [`Attachments`] sit
//! in its [`FunctionRecord`](crate::model::FunctionRecord), so they change under the same
//! slot lock as the function, are written to the state file with it, and appear in the
//! state document under the function's `attachments` key (left out when there are none).
//!
//! Versions and aliases come and go; the hooks here keep the attachments in step:
//! [`Attachments::forget_version`], [`Attachments::forget_alias`] and
//! [`Attachments::alias_in_use`] (an alias with triggers cannot be deleted, FSS.1154).

pub mod async_config;
pub mod events;
pub mod reserved;
pub mod tags;
pub mod triggers;

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::model::{AliasRecord, Versions};

/// Everything attached to one function. The serde form is the state document's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachments {
    /// Reserved-instance policies, per version or alias.
    #[serde(default, skip_serializing_if = "reserved::ReservedPolicies::is_empty")]
    pub reserved: reserved::ReservedPolicies,
    /// Async-invocation settings, per version.
    #[serde(default, skip_serializing_if = "async_config::AsyncConfigs::is_empty")]
    pub async_configs: async_config::AsyncConfigs,
    /// Triggers, per version or alias.
    #[serde(default, skip_serializing_if = "triggers::Triggers::is_empty")]
    pub triggers: triggers::Triggers,
    /// Test events.
    #[serde(default, skip_serializing_if = "events::TestEvents::is_empty")]
    pub events: events::TestEvents,
    /// Tags on the function.
    #[serde(default, skip_serializing_if = "tags::Tags::is_empty")]
    pub tags: tags::Tags,
}

impl Attachments {
    /// Whether nothing is attached (the state document then leaves the key out).
    pub fn is_empty(&self) -> bool {
        self.reserved.is_empty()
            && self.async_configs.is_empty()
            && self.triggers.is_empty()
            && self.events.is_empty()
            && self.tags.is_empty()
    }

    /// A published version was deleted: drop what was attached to it.
    pub fn forget_version(&mut self, version: &str) {
        self.reserved
            .forget(reserved::QualifierType::Version, version);
        self.async_configs.forget(version);
        self.triggers.forget_version(version);
    }

    /// An alias was deleted (or went with its version): drop what was attached to it.
    pub fn forget_alias(&mut self, alias: &str) {
        self.reserved.forget(reserved::QualifierType::Alias, alias);
        self.triggers.forget_alias(alias);
    }

    /// Why this alias cannot be deleted now, if it cannot (FSS.1154: it has triggers).
    pub fn alias_in_use(&self, alias: &str) -> Option<ApiError> {
        self.triggers.blocks_alias_delete(alias)
    }

    /// Checks attachments read from a state document against the function they belong to
    /// (every qualifier names `latest`, a version or an alias there).
    pub fn check(&self, versions: &Versions, aliases: &[AliasRecord]) -> Result<(), String> {
        let qualifiers = Qualifiers { versions, aliases };
        self.reserved.check(&qualifiers)?;
        self.async_configs.check(&qualifiers)?;
        self.triggers.check(&qualifiers)?;
        self.events.check()?;
        self.tags.check()
    }
}

/// The qualifiers a function has, for checking a state document's attachments.
#[derive(Clone, Copy)]
pub struct Qualifiers<'a> {
    versions: &'a Versions,
    aliases: &'a [AliasRecord],
}

impl Qualifiers<'_> {
    /// Whether `name` is `latest` or a published version.
    pub fn is_version(&self, name: &str) -> bool {
        name == "latest" || self.versions.get(name).is_some()
    }

    /// Whether `name` is an alias.
    pub fn is_alias(&self, name: &str) -> bool {
        self.aliases.iter().any(|a| a.name.as_str() == name)
    }
}
