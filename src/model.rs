//! The records the store keeps: functions, their published versions, code blobs, projects.
//!
//! Plain data. Sharing is explicit: code bytes live in an `Arc<CodeBlob>` (one per digest,
//! shared by every function and version that holds them), how the code was supplied in a
//! [`CodeRef`] and a configuration in a [`SharedConfig`] (both shared by latest and the
//! versions published from it), so publishing a version copies two pointers, never the
//! code or its file name.

mod image_name;
mod versions;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use chrono::{DateTime, Utc};

pub use crate::domain::config::{FunctionConfig, StrategyConfig};
use crate::domain::{
    AliasName, CodeType, Description, Digest, FunctionName, PackageName, ProjectId, Region,
    VersionName,
};
pub use image_name::ImageName;
pub use versions::Versions;

/// A project: the id from the path, and what responses say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectInfo {
    /// The project id (`namespace` in responses).
    pub id: ProjectId,
    /// Its region (`project_name`, and the region field of URNs).
    pub region: Region,
    /// The account name (`user_domain`).
    pub domain_name: String,
    /// The account id (`domain_id`).
    pub domain_id: String,
}

/// Code bytes with their digest. Immutable once made; shared by every holder.
#[derive(Debug, PartialEq, Eq)]
pub struct CodeBlob {
    /// SHA-512 of `bytes`, or of the OBS URL / image for code held elsewhere.
    pub digest: Digest,
    /// The code; empty for `obs` and image code, which the emulator does not fetch.
    pub bytes: Bytes,
}

/// A function's (or version's) code: how it was supplied and the shared bytes.
///
/// A handle: latest and every version published from it hold the same [`CodeDetails`], so
/// a publish copies a reference count where it copied the file name, and a version record
/// is 56 bytes and one allocation smaller (each byte a growing store keeps is a page to
/// fault in sooner). Never edited in place: a code update makes a new one.
#[derive(Debug, Clone)]
pub struct CodeRef(Arc<CodeDetails>);

/// What a [`CodeRef`] shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDetails {
    /// How the code was supplied.
    pub code_type: CodeType,
    /// `code_filename` as given (or defaulted).
    pub code_filename: String,
    /// `code_url` for `obs` code, else empty.
    pub code_url: String,
    /// The bytes and digest, shared.
    pub blob: Arc<CodeBlob>,
}

impl CodeRef {
    /// A handle on these details.
    pub fn new(details: CodeDetails) -> Self {
        Self(Arc::new(details))
    }

    /// Whether two handles share their details (not merely equal ones).
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl std::ops::Deref for CodeRef {
    type Target = CodeDetails;
    fn deref(&self) -> &CodeDetails {
        &self.0
    }
}

/// Equal when the details are: two handles made apart from the same upload are the same code.
impl PartialEq for CodeRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for CodeRef {}

impl CodeDetails {
    /// The digest responses report.
    pub fn digest(&self) -> &Digest {
        &self.blob.digest
    }

    /// `code_size`: the byte length of the code.
    pub fn size(&self) -> u64 {
        self.blob.bytes.len() as u64
    }
}

/// A configuration as the store keeps it: immutable, shared by latest and every version
/// published from it (a clone is a reference count), and with a place for its members
/// rendered as the function object writes them, kept once written (`api::view`).
///
/// **Why the rendered members are kept here.** Update code and publish answer a whole
/// function object whose configuration did not change: its ~40 members were half of
/// rendering it. An edit makes a new `SharedConfig` (the store replaces configurations,
/// never changes one in place: there is no `&mut` way in), so the kept bytes can never
/// describe another configuration than the one beside them.
///
/// Bounded: all configurations together keep at most [`RENDERED_MAX_TOTAL`] bytes (what
/// is kept is counted here and given back when the configuration is dropped); past that a
/// configuration is rendered each time, as before. So memory at scale (10,000 functions x
/// 10 versions) grows by at most that much.
#[derive(Clone)]
pub struct SharedConfig(Arc<KeptConfig>);

struct KeptConfig {
    config: FunctionConfig,
    /// Set at the first rendering: the bytes are kept from the second on.
    rendered_once: AtomicBool,
    rendered: OnceLock<Box<[u8]>>,
}

/// What every configuration's kept rendering may take together (see [`SharedConfig`]).
pub const RENDERED_MAX_TOTAL: usize = 4 * 1024 * 1024;

/// The bytes kept by every configuration alive (bounded by [`RENDERED_MAX_TOTAL`]).
static RENDERED_TOTAL: AtomicUsize = AtomicUsize::new(0);

impl SharedConfig {
    /// A configuration, nothing rendered yet.
    pub fn new(config: FunctionConfig) -> Self {
        Self(Arc::new(KeptConfig {
            config,
            rendered_once: AtomicBool::new(false),
            rendered: OnceLock::new(),
        }))
    }

    /// Its members as `render` writes them into `out`: kept from an earlier call, or
    /// written by `render` now, and kept if this is not the first time and the bound
    /// allows. `render` must depend on the configuration only.
    ///
    /// Not kept at the first rendering: update config answers each new configuration once
    /// and drops it at the next update, and keeping it cost that write more (a copy, an
    /// allocation, the shared count) than it saved anyone.
    pub fn rendered<E>(
        &self,
        render: impl FnOnce(&FunctionConfig, &mut Vec<u8>) -> Result<(), E>,
        out: &mut Vec<u8>,
    ) -> Result<(), E> {
        if let Some(kept) = self.0.rendered.get() {
            out.extend_from_slice(kept);
            return Ok(());
        }
        let start = out.len();
        render(&self.0.config, out)?;
        if !self.0.rendered_once.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        let written = &out[start..];
        let len = written.len();
        if RENDERED_TOTAL.fetch_add(len, Ordering::Relaxed) + len > RENDERED_MAX_TOTAL {
            RENDERED_TOTAL.fetch_sub(len, Ordering::Relaxed);
        } else if self.0.rendered.set(written.into()).is_err() {
            // Another request kept the same bytes first.
            RENDERED_TOTAL.fetch_sub(len, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The configuration, to change in place, if this is its only handle (no version, no
    /// answer being written, no copy kept for a rollback shares it). Any rendering it kept
    /// is dropped: it would show the old settings.
    pub fn get_mut(&mut self) -> Option<&mut FunctionConfig> {
        let kept = Arc::get_mut(&mut self.0)?;
        if let Some(bytes) = kept.rendered.take() {
            RENDERED_TOTAL.fetch_sub(bytes.len(), Ordering::Relaxed);
        }
        *kept.rendered_once.get_mut() = false;
        Some(&mut kept.config)
    }

    /// Whether its rendering is kept (for tests that must reach the kept path).
    pub fn is_kept(&self) -> bool {
        self.0.rendered.get().is_some()
    }

    /// Whether two handles are the same configuration (not merely equal ones).
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Drop for KeptConfig {
    fn drop(&mut self) {
        if let Some(kept) = self.rendered.get() {
            RENDERED_TOTAL.fetch_sub(kept.len(), Ordering::Relaxed);
        }
    }
}

impl std::ops::Deref for SharedConfig {
    type Target = FunctionConfig;
    fn deref(&self) -> &FunctionConfig {
        &self.0.config
    }
}

impl From<FunctionConfig> for SharedConfig {
    fn from(config: FunctionConfig) -> Self {
        Self::new(config)
    }
}

impl PartialEq for SharedConfig {
    fn eq(&self, other: &Self) -> bool {
        Self::ptr_eq(self, other) || self.0.config == other.0.config
    }
}

impl std::fmt::Debug for SharedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.config.fmt(f)
    }
}

/// The state shared by latest and published versions: configuration, code, and stamps.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionState {
    /// The configuration (shared until edited: an edit makes a new one).
    pub config: SharedConfig,
    /// The code.
    pub code: CodeRef,
    /// When it last changed.
    pub last_modified: DateTime<Utc>,
    /// The internal image identifier, `<version>-<yyMMddHHmmss>@<5 chars>` (kept without
    /// the version's name: [`ImageName`]).
    pub image_name: ImageName,
}

/// A published version.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    /// Its name.
    pub name: VersionName,
    /// Its state; the code never changes, the configuration may be edited.
    pub state: FunctionState,
    /// The configuration as it was at publish, for the unchanged-publish check.
    pub published_config: SharedConfig,
    /// The description given at publish (`version_description`).
    pub description: Description,
}

/// An alias: a name pointing at a major version, with optional weighted or rule-based
/// routing to one additional version.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasRecord {
    /// Its name.
    pub name: AliasName,
    /// The major version: `latest` or a published version's name.
    pub version: String,
    /// Its description.
    pub description: Description,
    /// When it last changed.
    pub last_modified: DateTime<Utc>,
    /// The additional version, if traffic is split.
    pub additional: Option<AdditionalVersion>,
}

/// An alias's additional version (never `latest`, never the major version).
#[derive(Debug, Clone, PartialEq)]
pub struct AdditionalVersion {
    /// The version.
    pub version: VersionName,
    /// Its share of traffic, 0-100, from `additional_version_weights`.
    pub weight: Option<i64>,
    /// Its routing rules, from `additional_version_strategy`, kept as given once valid.
    pub strategy: Option<serde_json::Value>,
}

/// A function: its working copy (`latest`), published versions and aliases.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionRecord {
    /// Creation order within the emulator; lists are sorted by it.
    pub seq: u64,
    /// Owning project.
    pub project: ProjectId,
    /// Package.
    pub package: PackageName,
    /// Name.
    pub name: FunctionName,
    /// The working copy.
    pub latest: FunctionState,
    /// A stable id shaped like the service's UUIDs (`func_id`, `resource_id`), derived
    /// from project, package and name when the function is made.
    pub func_id: String,
    /// Published versions, oldest first (publish order; the last is the newest).
    pub versions: Versions,
    /// Aliases, in creation order.
    pub aliases: Vec<AliasRecord>,
    /// Reserved instances, async settings, triggers, test events and tags.
    pub attachments: crate::attachments::Attachments,
}

impl FunctionRecord {
    /// A published version by name.
    pub fn version(&self, name: &str) -> Option<&VersionRecord> {
        self.versions.get(name)
    }
}

/// The `func_id` of a function: the first 128 bits of the SHA-512 of
/// `project:package:name`, written like a UUID, so it is stable across restarts and runs.
pub fn derive_func_id(project: &ProjectId, package: &PackageName, name: &FunctionName) -> String {
    crate::domain::uuid_of(&format!("{project}:{package}:{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SharedConfig {
        let settings = serde_json::json!({"runtime": "Python3.9", "handler": "index.handler",
            "memory_size": 128, "timeout": 3});
        SharedConfig::new(FunctionConfig::parse(settings.as_object().unwrap(), None).unwrap())
    }

    /// A render that counts its calls and writes `len` bytes after what `out` holds.
    fn counting(
        calls: &mut u32,
        len: usize,
    ) -> impl FnOnce(&FunctionConfig, &mut Vec<u8>) -> Result<(), ()> + '_ {
        move |_, out| {
            *calls += 1;
            out.extend(std::iter::repeat_n(b'x', len));
            Ok(())
        }
    }

    #[test]
    fn a_configuration_keeps_its_rendering_from_the_second_time_and_shares_it() {
        let shared = config();
        let mut calls = 0;
        let mut outs = Vec::new();
        for _ in 0..4 {
            let mut out = b"prefix".to_vec();
            shared.rendered(counting(&mut calls, 10), &mut out).unwrap();
            outs.push(out);
        }
        assert_eq!(calls, 2, "rendered the first two times, then kept");
        assert!(outs.iter().all(|o| o == b"prefixxxxxxxxxxx"), "{outs:?}");
        // A clone is the same configuration, with the same kept bytes.
        let clone = shared.clone();
        assert!(clone.is_kept() && SharedConfig::ptr_eq(&clone, &shared));
        // An equal configuration made anew keeps nothing yet.
        let fresh = config();
        assert!(fresh == shared && !fresh.is_kept());
    }

    #[test]
    fn a_rendering_over_the_bound_is_never_kept() {
        let shared = config();
        let mut calls = 0;
        for _ in 0..3 {
            let mut out = Vec::new();
            shared
                .rendered(counting(&mut calls, RENDERED_MAX_TOTAL + 1), &mut out)
                .unwrap();
            assert_eq!(out.len(), RENDERED_MAX_TOTAL + 1);
        }
        assert_eq!(calls, 3);
        assert!(!shared.is_kept());
    }

    #[test]
    fn a_failed_rendering_is_not_kept() {
        let shared = config();
        for _ in 0..3 {
            let mut out = Vec::new();
            assert_eq!(shared.rendered(|_, _| Err("no"), &mut out), Err("no"));
        }
        assert!(!shared.is_kept());
    }
}
