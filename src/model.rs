//! The records the store keeps: functions, their published versions, code blobs, projects.
//!
//! Plain data. Sharing is explicit: code bytes live in an `Arc<CodeBlob>` (shared by latest
//! and its versions, and for code of 1 KiB or more one per digest, shared by every function
//! that holds it: `store::blobs`), how the code was supplied in a
//! [`CodeRef`] and a configuration in a [`SharedConfig`] (both shared by latest and the
//! versions published from it), so publishing a version copies two pointers, never the
//! code or its file name.

mod image_name;
mod shared_config;
mod versions;

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};

pub use crate::domain::config::{FunctionConfig, StrategyConfig};
use crate::domain::{
    AliasName, CodeType, Description, Digest, FunctionName, PackageName, ProjectId, Region,
    VersionName,
};
pub use image_name::ImageName;
pub use shared_config::{RENDERED_MAX_TOTAL, SharedConfig};
pub use versions::{NotPublished, Versions};

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
