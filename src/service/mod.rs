//! Every FunctionGraph rule lives here, and only here.
//!
//! The service takes validated inputs (see [`input`]) and URNs, applies the rules in the
//! order the real service documents them (SPEC section 2 for publish), and changes the store
//! through its lock-scoped methods. It returns [`FunctionSnapshot`]s, owned data the API
//! layer renders; it never sees HTTP.

pub mod aliases;
pub mod async_config;
mod events;
pub mod functions;
pub mod input;
pub mod quotas;
pub mod reserved;
pub mod seed;
pub mod tags;
mod triggers;
mod versions;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use crate::clock::{Clock, image_stamp_digits};
use crate::config::{Config, FunctionSeed, LimitsConfig, default_domain_name, default_region};
use crate::domain::{Description, FunctionName, PackageName, ProjectId, Qualifier, Region, Urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::{
    CodeDetails, CodeRef, FunctionRecord, FunctionState, ImageName, ProjectInfo, VersionRecord,
};
use crate::random::Rng;
use crate::store::{FunctionKey, FunctionKeyRef, Store};

pub use crate::store::{Cached, Fill};
pub use versions::VersionPage;

use input::CodeInput;

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
    /// Serialises reserved-instance policy changes: their quota is a sum over a project's
    /// functions, which no one function's lock covers (see `reserved.rs`). A std mutex:
    /// held for a few in-memory reads and one store write, never across an await.
    reserved_quota: Arc<std::sync::Mutex<()>>,
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
            reserved_quota: Arc::default(),
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
        let key = self.resolve_ref(project, urn)?;
        Ok(FunctionKey {
            project: key.project.clone(),
            package: key.package.clone(),
            name: key.name.clone(),
        })
    }

    /// [`Service::resolve`], the key borrowed from the project and the URN (for reads: no
    /// copies of the names).
    pub(crate) fn resolve_ref<'a>(
        &self,
        project: &'a ProjectInfo,
        urn: &'a Urn,
    ) -> Result<FunctionKeyRef<'a>, ApiError> {
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
        Ok(FunctionKeyRef {
            project: &project.id,
            package: urn.package(),
            name: urn.function(),
        })
    }

    /// A read of one function whose rendered answer (`view`: a name for each distinct
    /// response) may be cached until the function next changes: `read` runs under the
    /// function's lock only when there is no cached body. 404 FSS.1051 for no function.
    fn read_view<T>(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        view: &str,
        read: impl FnOnce(&Arc<ProjectInfo>, &FunctionRecord) -> Result<T, ApiError>,
    ) -> Result<Cached<T>, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve_ref(&project, urn)?;
        self.store
            .read_cached(key, view, |f| read(&project, f))
            .ok_or_else(ApiError::function_not_found)?
    }

    /// A new `image_name` for what changes at `at` (its owner's name is added when it is
    /// written: [`ImageName`]).
    fn image_name(&self, at: DateTime<Utc>) -> ImageName {
        let stamp = image_stamp_digits(at, self.settings.utc_offset);
        let mut tail = [0; 5];
        if self.settings.control_seed.is_some() {
            // Seeded: one sequence for the whole emulator, so a run repeats its names.
            self.rng.fill_lowercase_alnum(&mut tail);
        } else {
            // Unseeded, each thread draws from its own generator (seeded once from the
            // shared one), as request ids do: the shared one's counter is a cache line
            // that every write on either core would take from the other.
            thread_local! {
                static NAMES: std::cell::OnceCell<Rng> = const { std::cell::OnceCell::new() };
            }
            NAMES.with(|names| {
                names
                    .get_or_init(|| Rng::seeded(self.rng.next_u64()))
                    .fill_lowercase_alnum(&mut tail);
            });
        }
        ImageName::new(stamp, tail)
    }

    fn code_ref(&self, code: CodeInput) -> CodeRef {
        CodeRef::new(CodeDetails {
            code_type: code.code_type,
            code_filename: code.code_filename,
            code_url: code.code_url,
            blob: self.store.intern_code(code.digest, code.bytes),
        })
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

/// A function or version as the store holds it, borrowed under the function's lock: what
/// the writes render their answers from (`*_with`), so that a write copies nothing out of
/// the store to answer. [`Self::to_snapshot`] makes the owned [`FunctionSnapshot`].
pub struct FunctionRef<'a> {
    /// The owning project.
    pub project: &'a Arc<ProjectInfo>,
    /// Package.
    pub package: &'a PackageName,
    /// Function name.
    pub name: &'a FunctionName,
    /// The function's `func_id`.
    pub func_id: &'a str,
    /// `latest` or the version's name.
    pub qualifier: Qualifier,
    /// Configuration, code and stamps.
    pub state: &'a FunctionState,
    /// The version's description (empty for latest).
    pub version_description: &'a Description,
}

impl FunctionRef<'_> {
    /// The same, copied out of the store.
    pub fn to_snapshot(&self) -> FunctionSnapshot {
        FunctionSnapshot {
            project: self.project.clone(),
            package: self.package.clone(),
            name: self.name.clone(),
            func_id: self.func_id.to_owned(),
            qualifier: self.qualifier.clone(),
            state: self.state.clone(),
            version_description: self.version_description.clone(),
        }
    }
}

/// Latest's description: always empty.
static NO_DESCRIPTION: Description = Description::EMPTY;

pub(crate) fn latest_ref<'a>(
    project: &'a Arc<ProjectInfo>,
    f: &'a FunctionRecord,
) -> FunctionRef<'a> {
    function_ref(project, f, Qualifier::Latest, &f.latest, &NO_DESCRIPTION)
}

pub(crate) fn version_ref<'a>(
    project: &'a Arc<ProjectInfo>,
    f: &'a FunctionRecord,
    v: &'a VersionRecord,
) -> FunctionRef<'a> {
    let qualifier = Qualifier::Version(v.name.clone());
    function_ref(project, f, qualifier, &v.state, &v.description)
}

fn function_ref<'a>(
    project: &'a Arc<ProjectInfo>,
    f: &'a FunctionRecord,
    qualifier: Qualifier,
    state: &'a FunctionState,
    version_description: &'a Description,
) -> FunctionRef<'a> {
    FunctionRef {
        project,
        package: &f.package,
        name: &f.name,
        func_id: &f.func_id,
        qualifier,
        state,
        version_description,
    }
}

pub(crate) fn latest_snapshot(project: &Arc<ProjectInfo>, f: &FunctionRecord) -> FunctionSnapshot {
    latest_ref(project, f).to_snapshot()
}

pub(crate) fn version_snapshot(
    project: &Arc<ProjectInfo>,
    f: &FunctionRecord,
    v: &VersionRecord,
) -> FunctionSnapshot {
    version_ref(project, f, v).to_snapshot()
}

/// The snapshot a read of `qualifier` sees: latest, a version, or the version an alias
/// points at.
pub(crate) fn snapshot_of(
    project: &Arc<ProjectInfo>,
    f: &FunctionRecord,
    qualifier: &Qualifier,
) -> Result<FunctionSnapshot, ApiError> {
    match qualifier {
        Qualifier::Latest => Ok(latest_snapshot(project, f)),
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
                Ok(latest_snapshot(project, f))
            } else {
                f.version(&target)
                    .map(|v| version_snapshot(project, f, v))
                    .ok_or_else(ApiError::version_not_found)
            }
        }
    }
}
