//! The state document: everything the emulator holds, as one JSON value with a format
//! version. `GET /_emulator/state` exports it, `PUT /_emulator/state` imports it, and the
//! state file (`persist.rs`) stores it as a log of the same pieces.
//!
//! The document holds raw strings and numbers; [`StateDocument::into_records`] parses every
//! field with the same rules the API applies, so importing validates the whole document
//! before anything is replaced: a bad document changes nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::attachments::Attachments;
use crate::domain::{
    AliasName, CodeType, Description, Digest, FunctionName, PackageName, ProjectId, VersionName,
    encode_code,
};
use crate::model::{
    AdditionalVersion, AliasRecord, CodeDetails, CodeRef, FunctionConfig, FunctionRecord,
    FunctionState, ImageName, SharedConfig, VersionRecord,
};
use crate::store::FunctionKey;

/// The name in every document's `format` field.
pub const FORMAT: &str = "fgs-emulator-state";
/// The document version this build writes and reads.
///
/// 2: a configuration is [`FunctionConfig`]'s own serde form (`strategy_config` nested).
/// Format 1 documents and state files still load.
pub const FORMAT_VERSION: u32 = 2;

/// All state: functions (with versions and aliases) and the code they hold, by digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StateDocument {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Functions in creation order.
    pub functions: Vec<FunctionDoc>,
    /// Code bytes, base64, by SHA-512 digest.
    pub code: BTreeMap<String, String>,
}

/// A function in the document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FunctionDoc {
    /// The project id.
    pub project: String,
    /// The package (app); `default` when absent.
    pub package: String,
    /// The function name.
    pub func_name: String,
    /// Latest: configuration, code and stamps.
    pub latest: StateDoc,
    /// Published versions, oldest first.
    pub versions: Vec<VersionDoc>,
    /// Aliases, in creation order.
    pub aliases: Vec<AliasDoc>,
    /// Reserved instances, async settings, triggers, test events and tags; left out when
    /// there are none.
    #[serde(default, skip_serializing_if = "Attachments::is_empty")]
    pub attachments: Attachments,
}

/// Configuration, code and stamps of latest or a version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StateDoc {
    /// The configuration.
    pub config: ConfigDoc,
    /// `inline`, `zip`, `jar`, `obs` or `Custom-Image-Swr`.
    pub code_type: String,
    /// The code file name, as given.
    pub code_filename: String,
    /// The OBS URL, for `obs` code.
    pub code_url: String,
    /// SHA-512 of the code (of the URL or image for code held elsewhere).
    pub digest: String,
    /// When it last changed.
    pub last_modified: DateTime<Utc>,
    /// The internal image name.
    pub image_name: String,
}

/// A published version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VersionDoc {
    /// The version name.
    pub version: String,
    /// The description.
    pub description: String,
    /// Its configuration, code and stamps.
    pub state: StateDoc,
    /// The configuration as published (for FSS.1016).
    pub published_config: ConfigDoc,
}

/// An alias.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AliasDoc {
    /// The name.
    pub name: String,
    /// The version name.
    pub version: String,
    /// The description.
    pub description: String,
    /// When it last changed.
    pub last_modified: DateTime<Utc>,
    /// The additional version, if traffic is split.
    pub additional_version: Option<String>,
    /// Its weight, 0-100.
    pub additional_weight: Option<i64>,
    /// Its routing rules, as given.
    pub additional_strategy: Option<Value>,
}

/// A configuration: [`FunctionConfig`]'s own serde form (the keys of the function object),
/// read back through [`FunctionConfig::from_map`], the rules the API applies.
pub type ConfigDoc = Map<String, Value>;

/// Why a document was refused, with where in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DocumentError(pub String);

/// A timestamp the emulator can write (years 1970 to 9999), or a refusal.
fn check_time(at: &str, t: DateTime<Utc>) -> Result<(), DocumentError> {
    if crate::clock::is_supported(t) {
        Ok(())
    } else {
        Err(bad(at, format!("last_modified {t} is outside 1970-9999")))
    }
}

fn bad(at: &str, what: impl std::fmt::Display) -> DocumentError {
    DocumentError(format!("{at}: {what}"))
}

fn config_doc(c: &FunctionConfig) -> ConfigDoc {
    match serde_json::to_value(c) {
        Ok(Value::Object(map)) => map,
        // A struct of strings, numbers and objects always serialises to an object.
        _ => unreachable!("a configuration serialises to a JSON object"),
    }
}

fn parse_config(at: &str, doc: &ConfigDoc, version: u32) -> Result<FunctionConfig, DocumentError> {
    let mut map = doc.clone();
    if version == 1 {
        // Format 1 kept strategy_config's two numbers at the top level.
        let mut strategy = Map::new();
        for key in ["concurrency", "concurrent_num"] {
            if let Some(v) = map.remove(key) {
                strategy.insert(key.to_owned(), v);
            }
        }
        map.insert("strategy_config".to_owned(), Value::Object(strategy));
    }
    FunctionConfig::from_map(map).map_err(|e| bad(at, e.message()))
}

impl StateDoc {
    /// `owner`: `latest`, or the version's name (its `image_name` begins with it).
    fn of(owner: &str, s: &FunctionState) -> Self {
        Self {
            config: config_doc(&s.config),
            code_type: s.code.code_type.as_str().to_owned(),
            code_filename: s.code.code_filename.clone(),
            code_url: s.code.code_url.clone(),
            digest: s.code.digest().as_str().to_owned(),
            last_modified: s.last_modified,
            image_name: s.image_name.text(owner),
        }
    }

    fn parse(
        &self,
        at: &str,
        owner: &str,
        code: &CodePool,
        version: u32,
    ) -> Result<FunctionState, DocumentError> {
        check_time(at, self.last_modified)?;
        let digest = Digest::parse(&self.digest).ok_or_else(|| bad(at, "bad digest"))?;
        let blob = code
            .get(&digest)
            .ok_or_else(|| bad(at, format!("no code with digest {digest}")))?
            .clone();
        Ok(FunctionState {
            config: SharedConfig::new(parse_config(
                &format!("{at}.config"),
                &self.config,
                version,
            )?),
            code: CodeRef::new(CodeDetails {
                code_type: CodeType::parse(&self.code_type)
                    .ok_or_else(|| bad(at, "bad code_type"))?,
                code_filename: self.code_filename.clone(),
                code_url: self.code_url.clone(),
                blob,
            }),
            last_modified: self.last_modified,
            image_name: ImageName::parse(owner, &self.image_name),
        })
    }
}

impl FunctionDoc {
    /// The document form of a record.
    pub fn of(f: &FunctionRecord) -> Self {
        Self {
            project: f.project.to_string(),
            package: f.package.to_string(),
            func_name: f.name.to_string(),
            latest: StateDoc::of("latest", &f.latest),
            versions: f
                .versions
                .iter()
                .map(|v| VersionDoc {
                    version: v.name.to_string(),
                    description: v.description.as_str().to_owned(),
                    state: StateDoc::of(v.name.as_str(), &v.state),
                    published_config: config_doc(&v.published_config),
                })
                .collect(),
            aliases: f
                .aliases
                .iter()
                .map(|a| AliasDoc {
                    name: a.name.to_string(),
                    version: a.version.clone(),
                    description: a.description.as_str().to_owned(),
                    last_modified: a.last_modified,
                    additional_version: a.additional.as_ref().map(|x| x.version.to_string()),
                    additional_weight: a.additional.as_ref().and_then(|x| x.weight),
                    additional_strategy: a.additional.as_ref().and_then(|x| x.strategy.clone()),
                })
                .collect(),
            attachments: f.attachments.clone(),
        }
    }

    /// The key this function is stored under, parsed.
    pub fn key(&self, at: &str) -> Result<FunctionKey, DocumentError> {
        Ok(FunctionKey {
            project: ProjectId::parse(&self.project).map_err(|e| bad(at, e))?,
            package: PackageName::parse(&self.package).map_err(|e| bad(at, e))?,
            name: FunctionName::parse(&self.func_name).map_err(|e| bad(at, e))?,
        })
    }

    /// The record, every field checked; `seq` orders it among the others.
    pub fn parse(
        &self,
        at: &str,
        seq: u64,
        code: &CodePool,
        version: u32,
    ) -> Result<FunctionRecord, DocumentError> {
        let key = self.key(at)?;
        let versions = self.parse_versions(at, code, version)?;
        let aliases = self.parse_aliases(at, &versions)?;
        self.attachments
            .check(&versions, &aliases)
            .map_err(|e| bad(&format!("{at}.attachments"), e))?;
        Ok(FunctionRecord {
            seq,
            func_id: crate::model::derive_func_id(&key.project, &key.package, &key.name),
            project: key.project,
            package: key.package,
            name: key.name,
            latest: self
                .latest
                .parse(&format!("{at}.latest"), "latest", code, version)?,
            versions,
            aliases,
            attachments: self.attachments.clone(),
        })
    }

    /// The published versions, in order, each name once.
    fn parse_versions(
        &self,
        at: &str,
        code: &CodePool,
        version: u32,
    ) -> Result<crate::model::Versions, DocumentError> {
        let mut versions = crate::model::Versions::default();
        for (i, v) in self.versions.iter().enumerate() {
            let at = format!("{at}.versions[{i}]");
            let name = VersionName::parse(&v.version).map_err(|e| bad(&at, e))?;
            if versions.get(name.as_str()).is_some() {
                return Err(bad(&at, format!("version {name} appears twice")));
            }
            let state = v
                .state
                .parse(&format!("{at}.state"), name.as_str(), code, version)?;
            versions.push(VersionRecord {
                name,
                state,
                published_config: SharedConfig::new(parse_config(
                    &format!("{at}.published_config"),
                    &v.published_config,
                    version,
                )?),
                description: Description::parse(&v.description)
                    .ok_or_else(|| bad(&at, "description too long"))?,
            });
        }
        Ok(versions)
    }

    /// The aliases, in order, each name once, each pointing at `latest` or a version here.
    fn parse_aliases(
        &self,
        at: &str,
        versions: &crate::model::Versions,
    ) -> Result<Vec<AliasRecord>, DocumentError> {
        let exists = |name: &str| name == "latest" || versions.get(name).is_some();
        let mut aliases: Vec<AliasRecord> = Vec::with_capacity(self.aliases.len());
        for (i, a) in self.aliases.iter().enumerate() {
            let at = format!("{at}.aliases[{i}]");
            let name = AliasName::parse(&a.name).map_err(|e| bad(&at, e))?;
            check_time(&at, a.last_modified)?;
            if aliases.iter().any(|x| x.name == name) {
                return Err(bad(&at, format!("alias {name} appears twice")));
            }
            if !exists(&a.version) {
                return Err(bad(&at, format!("points to missing version {}", a.version)));
            }
            let additional = a.parse_additional(&at, &exists)?;
            aliases.push(AliasRecord {
                name,
                version: a.version.clone(),
                description: Description::parse(&a.description)
                    .ok_or_else(|| bad(&at, "description too long"))?,
                last_modified: a.last_modified,
                additional,
            });
        }
        Ok(aliases)
    }
}

impl AliasDoc {
    /// The additional version, if traffic is split: another existing version, a weight of
    /// 0-100, well-formed rules.
    fn parse_additional(
        &self,
        at: &str,
        exists: &dyn Fn(&str) -> bool,
    ) -> Result<Option<AdditionalVersion>, DocumentError> {
        let Some(v) = &self.additional_version else {
            return Ok(None);
        };
        let version = VersionName::parse(v).map_err(|e| bad(at, e))?;
        if !exists(v) || v == &self.version {
            return Err(bad(at, format!("bad additional version {v}")));
        }
        if self
            .additional_weight
            .is_some_and(|w| !(0..=100).contains(&w))
        {
            return Err(bad(at, "weight outside 0-100"));
        }
        if let Some(strategy) = &self.additional_strategy {
            crate::domain::alias::check_strategy(strategy)
                .map_err(|why| bad(at, format!("additional_strategy: {why}")))?;
        }
        Ok(Some(AdditionalVersion {
            version,
            weight: self.additional_weight,
            strategy: self.additional_strategy.clone(),
        }))
    }
}

/// Code blobs by digest, as a document is read.
pub type CodePool = HashMap<Digest, Arc<crate::model::CodeBlob>>;

/// Decodes one code entry and checks that its bytes hash to its digest. Code that the
/// emulator keeps no bytes for (obs, images) is stored empty under the digest of its URL.
pub fn decode_code(at: &str, digest: &str, base64: &str) -> Result<(Digest, Bytes), DocumentError> {
    let digest = Digest::parse(digest).ok_or_else(|| bad(at, "bad digest"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64)
        .map_err(|e| bad(at, e))?;
    if !bytes.is_empty() && Digest::of(&bytes) != digest {
        return Err(bad(at, "bytes do not match their digest"));
    }
    Ok((digest, Bytes::from(bytes)))
}

impl StateDocument {
    /// A document of these records (in the order given).
    pub fn of(records: &[FunctionRecord]) -> Self {
        let mut code = BTreeMap::new();
        for f in records {
            let states = std::iter::once(&f.latest).chain(f.versions.iter().map(|v| &v.state));
            for s in states {
                code.entry(s.code.digest().as_str().to_owned())
                    .or_insert_with(|| encode_code(&s.code.blob.bytes));
            }
        }
        Self {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            functions: records.iter().map(FunctionDoc::of).collect(),
            code,
        }
    }

    /// Every record, validated; nothing is changed anywhere if this fails.
    pub fn into_records(self) -> Result<Vec<FunctionRecord>, DocumentError> {
        if self.format != FORMAT {
            return Err(DocumentError(format!("format must be \"{FORMAT}\"")));
        }
        if !(1..=FORMAT_VERSION).contains(&self.format_version) {
            return Err(DocumentError(format!(
                "format_version {} is not supported (this build reads {FORMAT_VERSION})",
                self.format_version
            )));
        }
        let mut pool = CodePool::new();
        for (digest, b64) in &self.code {
            let (digest, bytes) = decode_code(&format!("code[{digest}]"), digest, b64)?;
            pool.insert(
                digest.clone(),
                Arc::new(crate::model::CodeBlob { digest, bytes }),
            );
        }
        let mut keys = std::collections::HashSet::new();
        let mut records = Vec::with_capacity(self.functions.len());
        for (i, f) in self.functions.iter().enumerate() {
            let at = format!("functions[{i}]");
            let record = f.parse(&at, i as u64, &pool, self.format_version)?;
            if !keys.insert(f.key(&at)?) {
                return Err(bad(&at, "the same function appears twice"));
            }
            records.push(record);
        }
        Ok(records)
    }
}
