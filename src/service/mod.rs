//! Every FunctionGraph rule lives here, and only here.
//!
//! The service takes validated inputs (see [`input`]) and URNs, applies the rules in the
//! order the real service documents them (SPEC section 2 for publish), and changes the store
//! through its lock-scoped methods. It returns [`FunctionSnapshot`]s, owned data the API
//! layer renders; it never sees HTTP.

pub mod aliases;
pub mod input;
pub mod seed;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use crate::clock::{Clock, default_version_name, image_stamp};
use crate::config::{Config, FunctionSeed, LimitsConfig, default_domain_name, default_region};
use crate::domain::{
    Description, FunctionName, PackageName, ProjectId, Qualifier, Region, Urn, VersionName,
};
use crate::error::{ApiError, ErrorCode};
use crate::model::{CodeRef, FunctionRecord, FunctionState, ProjectInfo, VersionRecord};
use crate::random::Rng;
use crate::store::{FunctionKey, Store};

use input::{CodeInput, CreateFunctionInput, FunctionBody, ListQuery, Page, PublishInput};

/// What a function-returning operation answers with: one function or version, with its
/// project, ready to render.
#[derive(Debug, Clone)]
pub struct FunctionSnapshot {
    /// The owning project.
    pub project: Arc<ProjectInfo>,
    /// Package.
    pub package: PackageName,
    /// Function name.
    pub name: FunctionName,
    /// The function's `func_id`.
    pub func_id: String,
    /// `latest` or the version's name.
    pub qualifier: Qualifier,
    /// Configuration, code and stamps.
    pub state: FunctionState,
    /// The version's description (empty for latest).
    pub version_description: Description,
}

/// The rules, with what they need: the store, the clock, the limits.
#[derive(Clone)]
pub struct Service {
    store: Store,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    rng: Arc<Rng>,
}

/// The parts of the configuration the rules read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The offset timestamps and version names are written in.
    pub utc_offset: FixedOffset,
    /// Quotas.
    pub limits: LimitsConfig,
    /// Whether an unchanged publish is refused (FSS.1016).
    pub reject_unchanged_publish: bool,
    /// Projects from config, by id.
    pub projects: HashMap<ProjectId, ProjectInfo>,
    /// The `[[functions]]` made at start and on reset.
    pub seeds: Vec<FunctionSeed>,
    /// The project a seed without one goes to: the first `[[projects]]` entry.
    pub default_project: Option<String>,
    /// `control.seed`: generated values repeat from run to run, and start again on reset.
    pub control_seed: Option<u64>,
}

impl Settings {
    /// Takes what the rules need from a validated config.
    pub fn from_config(config: &Config) -> Self {
        let projects = config
            .projects
            .iter()
            .filter_map(|p| {
                let id = ProjectId::parse(&p.id).ok()?;
                let region = Region::parse(&p.region).ok()?;
                let domain_id = p
                    .domain_id
                    .clone()
                    .unwrap_or_else(|| derived_domain_id(&id));
                Some((
                    id.clone(),
                    ProjectInfo {
                        id,
                        region,
                        domain_name: p.domain_name.clone(),
                        domain_id,
                    },
                ))
            })
            .collect();
        Self {
            utc_offset: config.utc_offset(),
            limits: config.limits.clone(),
            reject_unchanged_publish: config.behavior.reject_unchanged_publish,
            projects,
            seeds: config.functions.clone(),
            default_project: config.projects.first().map(|p| p.id.clone()),
            control_seed: config.control.seed,
        }
    }
}

/// A stable, realistic-looking account id for a project that does not configure one: the
/// first 32 hex digits of the SHA-512 of the project id.
fn derived_domain_id(project: &ProjectId) -> String {
    crate::domain::Digest::of(project.as_str().as_bytes()).as_str()[..32].to_owned()
}

impl Service {
    /// A service over `store`, reading time from `clock`.
    pub fn new(store: Store, clock: Arc<dyn Clock>, settings: Settings, rng: Arc<Rng>) -> Self {
        Self {
            store,
            clock,
            settings: Arc::new(settings),
            rng,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store (for the control plane and tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The project for a path's project id; unknown ids are created on first use in the
    /// default region (SPEC section 8).
    pub fn project(&self, id: &ProjectId) -> Arc<ProjectInfo> {
        self.store.project_or_insert_with(id, || {
            self.settings
                .projects
                .get(id)
                .cloned()
                .unwrap_or_else(|| ProjectInfo {
                    id: id.clone(),
                    region: Region::parse(&default_region()).expect("the default region is valid"),
                    domain_name: default_domain_name(),
                    domain_id: derived_domain_id(id),
                })
        })
    }

    /// Checks that a URN belongs to the path's project (and its region) and names the
    /// function it points into.
    pub(crate) fn resolve(
        &self,
        project: &ProjectInfo,
        urn: &Urn,
    ) -> Result<FunctionKey, ApiError> {
        if let Some(p) = urn.project()
            && p != &project.id
        {
            return Err(ApiError::invalid_parameter(format!(
                "the URN names project '{p}' but the path names '{}'",
                project.id
            )));
        }
        if let Some(r) = urn.region()
            && r != &project.region
        {
            return Err(ApiError::invalid_parameter(format!(
                "the URN names region '{r}' but project '{}' is in '{}'",
                project.id, project.region
            )));
        }
        Ok(FunctionKey {
            project: project.id.clone(),
            package: urn.package().clone(),
            name: urn.function().clone(),
        })
    }

    fn image_name(&self, version: &str, at: DateTime<Utc>) -> String {
        format!(
            "{version}-{}@{}",
            image_stamp(at, self.settings.utc_offset),
            self.rng.lowercase_alnum(5)
        )
    }

    fn code_ref(&self, code: CodeInput) -> CodeRef {
        CodeRef {
            code_type: code.code_type,
            code_filename: code.code_filename,
            code_url: code.code_url,
            blob: self.store.intern_code(code.digest, code.bytes),
        }
    }

    /// CreateFunction: a new function whose latest holds the given code and configuration.
    /// 409 FSS.1061 if the name is taken in that package, 403 FSS.1041 over the project's
    /// function limit.
    pub fn create_function(
        &self,
        project_id: &ProjectId,
        input: CreateFunctionInput,
    ) -> Result<FunctionSnapshot, ApiError> {
        let project = self.project(project_id);
        let now = self.clock.now();
        let key = FunctionKey {
            project: project.id.clone(),
            package: input.package.clone(),
            name: input.name.clone(),
        };
        let latest = FunctionState {
            config: Arc::new(input.config),
            code: self.code_ref(input.code),
            last_modified: now,
            image_name: self.image_name("latest", now),
        };
        let max = self.settings.limits.max_functions;
        let func_id = crate::model::derive_func_id(&project.id, &input.package, &input.name);
        let record = self.store.insert_function(key, |exists, count, seq| {
            if exists {
                return Err(ApiError::function_exists());
            }
            if count >= max {
                return Err(ApiError::detailed(
                    ErrorCode::FunctionLimit,
                    format_args!("at most {max} functions per project"),
                ));
            }
            Ok(FunctionRecord {
                seq,
                project: project.id.clone(),
                package: input.package,
                name: input.name,
                latest,
                func_id,
                versions: Default::default(),
                aliases: Vec::new(),
            })
        })?;
        Ok(latest_snapshot(project, &record))
    }

    /// ShowFunctionConfig: latest or a published version (404 FSS.1052 for a missing one).
    pub fn show_function_config(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
    ) -> Result<FunctionSnapshot, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        self.store
            .with_function(&key, |f| snapshot_of(&project, f, urn.qualifier()))
            .ok_or_else(ApiError::function_not_found)?
    }

    /// UpdateFunctionCode: replaces latest's code. A published version's code never
    /// changes, so a version or alias URN is refused.
    pub fn update_function_code(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        input: CodeInput,
    ) -> Result<FunctionSnapshot, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        require_latest(urn, "the code of a published version cannot be changed")?;
        let now = self.clock.now();
        let code = self.code_ref(input);
        let image_name = self.image_name("latest", now);
        self.store
            .update_function(&key, |f| {
                f.latest.code = code;
                f.latest.last_modified = now;
                f.latest.image_name = image_name;
                Ok::<_, ApiError>(latest_snapshot(project.clone(), f))
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// CreateFunctionVersion (publish), SPEC section 2. Rules 3 to 9 run as one step under
    /// the function's lock, so concurrent publishes never exceed the cap or share a name.
    ///
    /// `input` arrives already parsed but its error is applied here, after the existence
    /// check, because the service checks "function exists" (rule 3) before the body (rule 4).
    pub fn create_function_version(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        input: Result<PublishInput, ApiError>,
    ) -> Result<FunctionSnapshot, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        require_latest(urn, "a version is published from the function's latest")?;
        // One instant for the whole publish: the name, last_modified and image_name agree.
        let now = self.clock.now();
        let offset = self.settings.utc_offset;
        let reject_unchanged = self.settings.reject_unchanged_publish;
        let max_versions = self.settings.limits.max_versions;
        self.store
            .update_function(&key, |f| {
                let input = input?;
                let latest_digest = f.latest.code.digest();
                if let Some(expected) = &input.digest
                    && !expected.eq_ignore_ascii_case(latest_digest.as_str())
                {
                    return Err(ApiError::invalid_parameter(format!(
                        "digest '{}' does not match the digest of latest's code '{latest_digest}'",
                        expected.chars().take(160).collect::<String>()
                    )));
                }
                if reject_unchanged
                    && let Some(newest) = f.versions.last()
                    && newest.state.code.digest() == latest_digest
                    && *newest.published_config == *f.latest.config
                {
                    // The exact catalogue text (SPEC 2 rule 6): clients match on it.
                    return Err(ApiError::new(ErrorCode::NothingToPublish));
                }
                let name = match input.version {
                    Some(name) => name,
                    None => VersionName::parse(&default_version_name(now, offset))
                        .expect("a clock-made name follows the version rule"),
                };
                if f.version(name.as_str()).is_some() {
                    return Err(ApiError::detailed(
                        ErrorCode::VersionExists,
                        format_args!("'{name}'"),
                    ));
                }
                if f.versions.len() >= max_versions {
                    // The exact catalogue text (SPEC 2 rule 8).
                    return Err(ApiError::new(ErrorCode::VersionLimit));
                }
                let state = FunctionState {
                    config: f.latest.config.clone(),
                    code: f.latest.code.clone(),
                    last_modified: now,
                    image_name: self.image_name(name.as_str(), now),
                };
                let version = VersionRecord {
                    published_config: state.config.clone(),
                    name: name.clone(),
                    state,
                    description: input.description,
                };
                let snapshot = version_snapshot(&project, f, &version);
                f.versions.push(version);
                Ok(snapshot)
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// ListFunctions: the project's functions in creation order, paged by `marker` (an
    /// offset) and `maxitems`, filtered by `package_name` (exact) and `func_name` (a
    /// substring: the console's fuzzy search). Returns the page, `next_marker` and `count`.
    pub fn list_functions(
        &self,
        project_id: &ProjectId,
        query: &ListQuery,
    ) -> Result<(Vec<FunctionSnapshot>, usize, usize), ApiError> {
        let page = Page::parse(query)?;
        let project = self.project(project_id);
        let package = query.package_name.as_deref().filter(|p| !p.is_empty());
        let name = query.func_name.as_deref().filter(|n| !n.is_empty());
        let filter = |k: &FunctionKey| {
            package.is_none_or(|p| k.package.as_str() == p)
                && name.is_none_or(|n| k.name.as_str().contains(n))
        };
        let keep: Option<&dyn Fn(&FunctionKey) -> bool> =
            (package.is_some() || name.is_some()).then_some(&filter);
        let (items, total) =
            self.store
                .list_functions(&project.id, keep, page.marker, page.maxitems, |f| {
                    latest_snapshot(project.clone(), f)
                });
        let (_, next_marker) = page.window(total);
        Ok((items, next_marker, total))
    }

    /// ListFunctionVersions: `latest` first, then the versions in publish order, paged. The
    /// URN's qualifier is ignored (clients list with a version's `func_urn`, as
    /// gophertelekomcloud does); `count` includes `latest`.
    pub fn list_function_versions(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        query: &ListQuery,
    ) -> Result<(Vec<FunctionSnapshot>, usize, usize), ApiError> {
        let page = Page::parse(query)?;
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        self.store
            .with_function(&key, |f| {
                let total = f.versions.len() + 1;
                let (range, next_marker) = page.window(total);
                let items = range
                    .map(|i| match i {
                        0 => latest_snapshot(project.clone(), f),
                        i => version_snapshot(&project, f, &f.versions[i - 1]),
                    })
                    .collect();
                (items, next_marker, total)
            })
            .ok_or_else(ApiError::function_not_found)
    }

    /// UpdateFunctionConfig. On latest it changes the function (which counts as a change
    /// for the unchanged-publish check); on a version it changes that version's
    /// configuration and never its code. Omitted optional fields keep their values.
    pub fn update_function_config(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        body: FunctionBody,
    ) -> Result<FunctionSnapshot, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        if let Some(name) = body.func_name.as_deref()
            && name != urn.function().as_str()
        {
            return Err(ApiError::invalid_parameter(format!(
                "func_name '{}' differs from the function in the URN; a function cannot be renamed",
                name.chars().take(64).collect::<String>()
            )));
        }
        if let Qualifier::Alias(_) = urn.qualifier() {
            return Err(ApiError::invalid_parameter(
                "update the configuration through latest or a version URN, not an alias",
            ));
        }
        let now = self.clock.now();
        let image_name = self.image_name("latest", now);
        self.store
            .update_function(&key, |f| match urn.qualifier() {
                Qualifier::Version(name) => {
                    let v = f
                        .versions
                        .get_mut(name.as_str())
                        .ok_or_else(ApiError::version_not_found)?;
                    let config = body.parse_config(Some(&v.state.config))?;
                    v.state.config = Arc::new(config);
                    v.state.last_modified = now;
                    let v = v.clone();
                    Ok(version_snapshot(&project, f, &v))
                }
                _ => {
                    let config = body.parse_config(Some(&f.latest.config))?;
                    f.latest.config = Arc::new(config);
                    f.latest.last_modified = now;
                    f.latest.image_name = image_name;
                    Ok(latest_snapshot(project.clone(), f))
                }
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// DeleteFunction. Unqualified: the function with every version and alias. A version:
    /// that version and the aliases whose major version it is (403 FSS.1094 while it is an
    /// alias's additional version). An alias: the version it points to. `latest` cannot be
    /// deleted (400 FSS.0400).
    pub fn delete_function(&self, project_id: &ProjectId, urn: &Urn) -> Result<(), ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        let cannot_delete_latest = || {
            ApiError::invalid_parameter(
                "latest cannot be deleted; delete the function with its unqualified URN",
            )
        };
        let version = match urn.explicit_qualifier() {
            None => {
                return self
                    .store
                    .remove_function(&key, |_| Ok::<(), ApiError>(()))
                    .ok_or_else(ApiError::function_not_found)?
                    .map(drop);
            }
            Some(Qualifier::Latest) => return Err(cannot_delete_latest()),
            Some(q) => q.clone(),
        };
        self.store
            .update_function(&key, |f| {
                let name = match &version {
                    Qualifier::Alias(alias) => {
                        let a = f
                            .aliases
                            .iter()
                            .find(|a| &a.name == alias)
                            .ok_or_else(|| ApiError::new(ErrorCode::AliasNotFound))?;
                        if a.version == "latest" {
                            return Err(cannot_delete_latest());
                        }
                        a.version.clone()
                    }
                    other => other.to_string(),
                };
                if f.version(&name).is_none() {
                    return Err(ApiError::version_not_found());
                }
                if let Some(a) = f.aliases.iter().find(|a| {
                    a.additional
                        .as_ref()
                        .is_some_and(|x| x.version.as_str() == name)
                }) {
                    return Err(ApiError::detailed(
                        ErrorCode::VersionIsAdditional,
                        format_args!(
                            "version '{name}' is the additional version of alias '{}'",
                            a.name
                        ),
                    ));
                }
                f.versions.remove(&name);
                f.aliases.retain(|a| a.version != name);
                Ok(())
            })
            .ok_or_else(ApiError::function_not_found)?
    }
}

fn require_latest(urn: &Urn, why: &str) -> Result<(), ApiError> {
    match urn.qualifier() {
        Qualifier::Latest => Ok(()),
        other => Err(ApiError::invalid_parameter(format!(
            "{why}; the URN names '{other}', use the function's URN or ':latest'"
        ))),
    }
}

pub(crate) fn latest_snapshot(project: Arc<ProjectInfo>, f: &FunctionRecord) -> FunctionSnapshot {
    FunctionSnapshot {
        project,
        package: f.package.clone(),
        name: f.name.clone(),
        func_id: f.func_id.clone(),
        qualifier: Qualifier::Latest,
        state: f.latest.clone(),
        version_description: Description::default(),
    }
}

pub(crate) fn version_snapshot(
    project: &Arc<ProjectInfo>,
    f: &FunctionRecord,
    v: &VersionRecord,
) -> FunctionSnapshot {
    FunctionSnapshot {
        project: project.clone(),
        package: f.package.clone(),
        name: f.name.clone(),
        func_id: f.func_id.clone(),
        qualifier: Qualifier::Version(v.name.clone()),
        state: v.state.clone(),
        version_description: v.description.clone(),
    }
}

/// The snapshot a read of `qualifier` sees: latest, a version, or the version an alias
/// points at.
pub(crate) fn snapshot_of(
    project: &Arc<ProjectInfo>,
    f: &FunctionRecord,
    qualifier: &Qualifier,
) -> Result<FunctionSnapshot, ApiError> {
    match qualifier {
        Qualifier::Latest => Ok(latest_snapshot(project.clone(), f)),
        Qualifier::Version(name) => f
            .version(name.as_str())
            .map(|v| version_snapshot(project, f, v))
            .ok_or_else(ApiError::version_not_found),
        Qualifier::Alias(alias) => {
            let target = f
                .aliases
                .iter()
                .find(|a| &a.name == alias)
                .map(|a| a.version.clone())
                .ok_or_else(|| ApiError::new(ErrorCode::AliasNotFound))?;
            if target == "latest" {
                Ok(latest_snapshot(project.clone(), f))
            } else {
                f.version(&target)
                    .map(|v| version_snapshot(project, f, v))
                    .ok_or_else(ApiError::version_not_found)
            }
        }
    }
}
