//! The compact summary the dashboard is rendered from (`GET /_emulator/overview`).

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::Value;

use crate::app_state::AppState;
use crate::clock::{Clock, ClockMode, rfc3339};
use crate::domain::{Qualifier, Urn};
use crate::faults::RuleView;
use crate::journal::Filter;
use crate::model::{FunctionRecord, FunctionState};

use super::*;

/// Everything the dashboard shows, as `GET /_emulator/overview` returns it.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// The emulator's version.
    pub emulator_version: String,
    /// The clock.
    pub clock: ClockSummary,
    /// `limits.max_versions`: the cap shown as "7 of 10".
    pub max_versions: usize,
    /// Every function, by project, package, then creation order.
    pub functions: Vec<FunctionSummary>,
    /// The fault rules.
    pub faults: Vec<RuleView>,
    /// The newest journal entries, newest first (at most [`RECENT_REQUESTS`]).
    pub requests: Vec<RequestSummary>,
    /// How many entries the journal holds (the observed splits count all of them).
    pub journal_entries: usize,
}

/// The clock, as `GET /_emulator/clock` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ClockSummary {
    /// `system`, `frozen` or `offset`.
    pub mode: &'static str,
    /// The emulator's now, RFC 3339 in the configured offset.
    pub now: String,
    /// When frozen, the instant.
    pub frozen_at: Option<String>,
    /// When offset, by how many seconds.
    pub offset_seconds: Option<i64>,
}

/// One function.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionSummary {
    /// Project id.
    pub project: String,
    /// Package.
    pub package: String,
    /// Name.
    pub name: String,
    /// Runtime.
    pub runtime: String,
    /// The working copy.
    pub latest: VersionSummary,
    /// Published versions, oldest first (publish order).
    pub versions: Vec<VersionSummary>,
    /// Aliases, in creation order.
    pub aliases: Vec<AliasSummary>,
}

/// One version (or the working copy, named `latest`).
#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    /// Its name.
    pub name: String,
    /// `last_modified`: the publish time, unless the version's configuration was edited since.
    pub last_modified: String,
    /// `version_description` (the function's own description for `latest`).
    pub description: String,
    /// The first characters of the code's SHA-512.
    pub digest_prefix: String,
    /// `code_size` in bytes.
    pub code_size: u64,
}

/// One alias.
#[derive(Debug, Clone, Serialize)]
pub struct AliasSummary {
    /// Its name.
    pub name: String,
    /// The major version.
    pub version: String,
    /// Its description.
    pub description: String,
    /// The additional version, if traffic is split.
    pub additional_version: Option<String>,
    /// The additional version's weight (0-100), if given.
    pub additional_weight: Option<i64>,
    /// The additional version's routing rules, as stored.
    pub additional_strategy: Option<Value>,
    /// Those rules in words.
    pub strategy_words: Option<String>,
    /// Invocations through this alias in the journal, by the version that served them.
    pub observed: BTreeMap<String, u64>,
}

/// One journal entry, as the requests table shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestSummary {
    /// When it arrived.
    pub time: String,
    /// The operation, if the route is known.
    pub operation: Option<String>,
    /// The method.
    pub method: String,
    /// The URN of the path, percent-decoded (or the path when it has none).
    pub target: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's `error_code`.
    pub error_code: Option<String>,
    /// Time spent answering, in milliseconds.
    pub duration_ms: f64,
    /// For an invocation, the version that served it (once the journal records it).
    pub served_version: Option<String>,
    /// For an invocation through an alias: (project, package, function, alias).
    #[serde(skip)]
    pub alias_key: Option<AliasKey>,
}

/// Identifies an alias across projects: project, package, function, alias name.
pub type AliasKey = (String, String, String, String);

impl RequestSummary {
    /// Reads a journal entry through its JSON form (see the module doc for why).
    pub fn from_entry(entry: &Value) -> Self {
        let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_owned);
        let path = text("path").unwrap_or_default();
        let urn_segment = urn_of_path(&path);
        let served_version = ["served_version", "resolved_version", "version"]
            .iter()
            .find_map(|k| text(k));
        let alias_key = served_version
            .as_ref()
            .and_then(|_| alias_of(&path, urn_segment.as_deref(), text("alias")));
        Self {
            time: text("time").unwrap_or_default(),
            operation: text("operation"),
            method: text("method").unwrap_or_default(),
            target: urn_segment.unwrap_or_else(|| short_path(&path)),
            status: entry
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            error_code: text("error_code"),
            duration_ms: entry
                .get("duration_ms")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            served_version,
            alias_key,
        }
    }
}

/// The `{function_urn}` segment of a FunctionGraph path
/// (`/v2/{project}/fgs/functions/{urn}/...`), percent-decoded.
pub(super) fn urn_of_path(path: &str) -> Option<String> {
    let mut parts = path.split('/');
    let (Some(""), Some(_v2), Some(_project), Some("fgs"), Some("functions"), Some(urn)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (!urn.is_empty()).then(|| percent_decode_str(urn).decode_utf8_lossy().into_owned())
}

/// A path without its `/v2/{project_id}/fgs` prefix, which every FunctionGraph path has.
pub(super) fn short_path(path: &str) -> String {
    let mut parts = path.splitn(4, '/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(""), Some("v2"), Some(_), Some(rest)) => rest
            .strip_prefix("fgs/")
            .map_or_else(|| path.to_owned(), |r| format!("/{r}")),
        _ => path.to_owned(),
    }
}

/// The alias an invocation went through: the `alias` field of the entry if the journal
/// writes one, else the URN's `!alias` qualifier. The project is the path's.
pub(super) fn alias_of(
    path: &str,
    urn: Option<&str>,
    alias_field: Option<String>,
) -> Option<AliasKey> {
    let project = path.split('/').nth(2)?.to_owned();
    let urn = Urn::parse(urn?).ok()?;
    let alias = match (alias_field, urn.qualifier()) {
        (Some(a), _) if !a.is_empty() => a.trim_start_matches('!').to_owned(),
        (_, Qualifier::Alias(a)) => a.to_string(),
        _ => return None,
    };
    Some((
        project,
        urn.package().to_string(),
        urn.function().to_string(),
        alias,
    ))
}

impl Overview {
    /// Collects the overview from the running emulator.
    pub fn collect(app: &AppState) -> Self {
        let offset = app.service().settings().utc_offset;
        let clock = app.clock();
        let (mode, frozen_at, offset_seconds) = match clock.mode() {
            ClockMode::System => ("system", None, None),
            ClockMode::Frozen(at) => ("frozen", Some(rfc3339(at, offset)), None),
            ClockMode::Offset(d) => ("offset", None, Some(d.num_seconds())),
        };
        let clock = ClockSummary {
            mode,
            now: rfc3339(clock.now(), offset),
            frozen_at,
            offset_seconds,
        };
        let entries: Vec<RequestSummary> = app
            .journal()
            .list(&Filter::default())
            .iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .map(|e| RequestSummary::from_entry(&e))
            .collect();
        let records = app.service().store().all_functions();
        let functions = records
            .iter()
            .map(|r| FunctionSummary::of(r, offset))
            .collect();
        Self::assemble(
            clock,
            app.config().limits.max_versions,
            functions,
            app.faults().list(),
            entries,
        )
    }

    /// Puts the parts together: sorts functions, counts the observed splits from all
    /// `entries` (oldest first, as the journal lists them) and keeps the newest
    /// [`RECENT_REQUESTS`] for the table. Separate from [`collect`](Self::collect) so that
    /// tests can feed it entries the journal does not write yet.
    pub fn assemble(
        clock: ClockSummary,
        max_versions: usize,
        mut functions: Vec<FunctionSummary>,
        faults: Vec<RuleView>,
        entries: Vec<RequestSummary>,
    ) -> Self {
        let mut observed: BTreeMap<&AliasKey, BTreeMap<String, u64>> = BTreeMap::new();
        for e in &entries {
            if let (Some(key), Some(v)) = (&e.alias_key, &e.served_version) {
                *observed
                    .entry(key)
                    .or_default()
                    .entry(v.clone())
                    .or_default() += 1;
            }
        }
        // Stable: within a package, creation order (as collected) is kept.
        functions.sort_by(|a, b| (&a.project, &a.package).cmp(&(&b.project, &b.package)));
        for f in &mut functions {
            for a in &mut f.aliases {
                let key = (
                    f.project.clone(),
                    f.package.clone(),
                    f.name.clone(),
                    a.name.clone(),
                );
                if let Some(counts) = observed.get(&key) {
                    a.observed = counts.clone();
                }
            }
        }
        let journal_entries = entries.len();
        let requests = entries.into_iter().rev().take(RECENT_REQUESTS).collect();
        Self {
            emulator_version: env!("CARGO_PKG_VERSION").to_owned(),
            clock,
            max_versions,
            functions,
            faults,
            requests,
            journal_entries,
        }
    }
}

pub(super) fn version_summary(
    name: &str,
    state: &FunctionState,
    description: &str,
    offset: chrono::FixedOffset,
) -> VersionSummary {
    let digest = state.code.digest().as_str();
    VersionSummary {
        name: name.to_owned(),
        last_modified: rfc3339(state.last_modified, offset),
        description: description.to_owned(),
        digest_prefix: digest.chars().take(DIGEST_PREFIX).collect(),
        code_size: state.code.size(),
    }
}

impl FunctionSummary {
    /// The summary of one stored function.
    pub fn of(r: &FunctionRecord, offset: chrono::FixedOffset) -> Self {
        Self {
            project: r.project.to_string(),
            package: r.package.to_string(),
            name: r.name.to_string(),
            runtime: r.latest.config.runtime.as_str().to_owned(),
            latest: version_summary(
                "latest",
                &r.latest,
                r.latest.config.description.as_str(),
                offset,
            ),
            versions: r
                .versions
                .iter()
                .map(|v| version_summary(v.name.as_str(), &v.state, v.description.as_str(), offset))
                .collect(),
            aliases: r
                .aliases
                .iter()
                .map(|a| {
                    let additional = a.additional.as_ref();
                    let strategy = additional.and_then(|x| x.strategy.clone());
                    AliasSummary {
                        name: a.name.to_string(),
                        version: a.version.clone(),
                        description: a.description.as_str().to_owned(),
                        additional_version: additional.map(|x| x.version.to_string()),
                        additional_weight: additional.and_then(|x| x.weight),
                        strategy_words: strategy.as_ref().map(strategy_in_words),
                        additional_strategy: strategy,
                        observed: BTreeMap::new(),
                    }
                })
                .collect(),
        }
    }
}
