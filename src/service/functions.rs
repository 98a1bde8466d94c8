//! The function operations: create, show and update configuration and code, list, delete.

use crate::model::SharedConfig;

use super::input::{
    CodeInput, CreateFunctionInput, FunctionBody, ListQuery, Page, patch_config,
    patch_config_in_place,
};
use super::{
    Cached, FunctionRef, FunctionSnapshot, Service, latest_ref, latest_snapshot, require_latest,
    snapshot_of, version_snapshot,
};
use crate::domain::{ProjectId, Qualifier, Urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::{FunctionConfig, FunctionRecord, FunctionState};
use crate::store::FunctionKey;

impl Service {
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
            config: SharedConfig::new(input.config),
            code: self.code_ref(input.code),
            last_modified: now,
            image_name: self.image_name(now),
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
                attachments: Default::default(),
            })
        })?;
        Ok(latest_snapshot(&project, &record))
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

    /// ShowFunctionConfig or ShowFunctionCode (`kind` names which, for the cache), as
    /// [`Service::show_function_config`], answered from the cached body while the function
    /// is unchanged.
    pub fn show_function_view(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        kind: &str,
    ) -> Result<Cached<FunctionSnapshot>, ApiError> {
        // The name of this view in the function's cache; made without allocating for
        // latest, which most reads name.
        let view: std::borrow::Cow<'static, str> = match (kind, urn.qualifier()) {
            ("config", Qualifier::Latest) => "config latest".into(),
            ("code", Qualifier::Latest) => "code latest".into(),
            (kind, qualifier) => format!("{kind} {qualifier}").into(),
        };
        self.read_view(project_id, urn, &view, |project, f| {
            snapshot_of(project, f, urn.qualifier())
        })
    }

    /// UpdateFunctionCode: replaces latest's code. A published version's code never
    /// changes, so a version or alias URN is refused.
    pub fn update_function_code(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        input: CodeInput,
    ) -> Result<FunctionSnapshot, ApiError> {
        self.update_function_code_with(project_id, urn, input, |f| f.to_snapshot())
    }

    /// [`Self::update_function_code`], answered by `answer` from latest as the store holds
    /// it, under the function's lock (the route renders its answer there: nothing is copied
    /// out of the store).
    pub fn update_function_code_with<R>(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        input: CodeInput,
        answer: impl FnOnce(FunctionRef<'_>) -> R,
    ) -> Result<R, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve_ref(&project, urn)?;
        require_latest(urn, "the code of a published version cannot be changed")?;
        let now = self.clock.now();
        let code = self.code_ref(input);
        let image_name = self.image_name(now);
        self.store
            .update_function(key, |f| {
                f.latest.code = code;
                f.latest.last_modified = now;
                f.latest.image_name = image_name;
                Ok::<_, ApiError>(answer(latest_ref(&project, f)))
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
                    latest_snapshot(&project, f)
                });
        let (_, next_marker) = page.window(total);
        Ok((items, next_marker, total))
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
        if let Some(name) = body.func_name.as_deref()
            && name != urn.function().as_str()
        {
            return Err(ApiError::invalid_parameter(format!(
                "func_name '{}' differs from the function in the URN; a function cannot be renamed",
                name.chars().take(64).collect::<String>()
            )));
        }
        self.change_config(project_id, urn, |current| body.parse_config(Some(current)))
    }

    /// UpdateFunctionConfig on latest straight from the body's bytes (see
    /// [`super::input::patch_config`]): the same change and answer as
    /// [`Self::update_function_config`] with the body read the usual way, or `None` when
    /// that must decide (an error of any kind, a version or alias URN, a project or
    /// function not found, a body this way does not read). Nothing changes, and nothing is
    /// drawn from the random source, before it is sure to answer.
    ///
    /// `answer` makes the answer from latest as the store holds it, under the function's
    /// lock, as in [`Self::update_function_code_with`].
    pub fn update_latest_config_from_json<R>(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        body: &[u8],
        answer: impl FnOnce(FunctionRef<'_>) -> R,
    ) -> Option<Result<R, ApiError>> {
        if !matches!(urn.qualifier(), Qualifier::Latest) {
            return None;
        }
        let project = self.store.project(project_id)?;
        let key = self.resolve_ref(&project, urn).ok()?;
        let now = self.clock.now();
        let function = urn.function().as_str();
        let changed = self.store.update_function(key, |f| {
            // In place when latest alone holds its configuration (no version, no answer
            // still being written, no state file's copy for a rollback shares it); else a
            // patched copy, which leaves the shared one as it is.
            if let Some(config) = f.latest.config.get_mut() {
                if !patch_config_in_place(config, body, function) {
                    return Err(Patched::LeftToTheUsualWay);
                }
            } else {
                let config = patch_config(&f.latest.config, body, function)
                    .ok_or(Patched::LeftToTheUsualWay)?;
                f.latest.config = SharedConfig::new(config);
            }
            f.latest.last_modified = now;
            f.latest.image_name = self.image_name(now);
            Ok(answer(latest_ref(&project, f)))
        })?;
        match changed {
            Ok(answered) => Some(Ok(answered)),
            Err(Patched::Failed(e)) => Some(Err(e)),
            Err(Patched::LeftToTheUsualWay) => None,
        }
    }

    /// UpdateFunctionMaxInstanceConfig (`PUT .../config-max-instance`): the most instances,
    /// which is `strategy_config.concurrency` (-1 no limit, 0 disabled, up to 1000; `v1`
    /// functions -1 or 0), checked by the configuration's own rules.
    pub fn update_max_instances(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        max_instance_num: i64,
    ) -> Result<FunctionSnapshot, ApiError> {
        self.change_config(project_id, urn, |current| {
            let mut strategy = serde_json::Map::new();
            strategy.insert("concurrency".into(), max_instance_num.into());
            strategy.insert(
                "concurrent_num".into(),
                current.strategy_config.concurrent_num.into(),
            );
            let mut settings = serde_json::Map::new();
            settings.insert("strategy_config".into(), strategy.into());
            FunctionConfig::parse(&settings, Some(current))
                .map_err(|e| ApiError::invalid_field("max_instance_num", e.message().to_owned()))
        })
    }

    /// Replaces the configuration of latest or of a version with what `change` makes of it,
    /// under the function's lock. An alias URN is refused: configurations belong to versions.
    fn change_config(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        change: impl FnOnce(&FunctionConfig) -> Result<FunctionConfig, ApiError>,
    ) -> Result<FunctionSnapshot, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve_ref(&project, urn)?;
        if let Qualifier::Alias(_) = urn.qualifier() {
            return Err(ApiError::invalid_parameter(
                "update the configuration through latest or a version URN, not an alias",
            ));
        }
        let now = self.clock.now();
        let image_name = self.image_name(now);
        self.store
            .update_function(key, |f| match urn.qualifier() {
                Qualifier::Version(name) => {
                    let v = f
                        .versions
                        .get_mut(name.as_str())
                        .ok_or_else(ApiError::version_not_found)?;
                    v.state.config = SharedConfig::new(change(&v.state.config)?);
                    v.state.last_modified = now;
                    let v = v.clone();
                    Ok(version_snapshot(&project, f, &v))
                }
                _ => {
                    f.latest.config = SharedConfig::new(change(&f.latest.config)?);
                    f.latest.last_modified = now;
                    f.latest.image_name = image_name;
                    Ok(latest_snapshot(&project, f))
                }
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// ShowLtsLogDetails (`GET .../lts-log-detail`): the LTS log group and stream the
    /// function's logs go to. The emulator has no LTS: it answers the ids the function's
    /// `log_config` (or `log_group_id`/`log_stream_id`) names, else stable made-up ones
    /// derived from the project and the function, the same on every call and restart.
    pub fn lts_log_detail(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
    ) -> Result<LtsLogDetail, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        let (config, func_id) = self
            .store
            .with_function(&key, |f| (f.latest.config.clone(), f.func_id.clone()))
            .ok_or_else(ApiError::function_not_found)?;
        let given = |key: &str| {
            config
                .log_config
                .get()
                .and_then(|c| c.get(key))
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let or_stored = |v: Option<String>, stored: &str| {
            v.or_else(|| (!stored.is_empty()).then(|| stored.to_owned()))
        };
        let group_id = or_stored(given("group_id"), &config.log_group_id)
            .unwrap_or_else(|| crate::domain::uuid_of(&format!("lts-group:{}", project.id)));
        let stream_id = or_stored(given("stream_id"), &config.log_stream_id)
            .unwrap_or_else(|| crate::domain::uuid_of(&format!("lts-stream:{func_id}")));
        Ok(LtsLogDetail {
            group_name: given("group_name")
                .unwrap_or_else(|| format!("functiongraph-log-group-{}", project.id)),
            group_id,
            stream_name: given("stream_name").unwrap_or_else(|| {
                format!("functiongraph-log-stream-{}-{}", key.package, key.name)
            }),
            stream_id,
        })
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
            .update_function(key.borrowed(), |f| {
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
                if let Some(refusal) = f
                    .aliases
                    .iter()
                    .filter(|a| a.version == name)
                    .find_map(|a| f.attachments.alias_in_use(a.name.as_str()))
                {
                    return Err(refusal);
                }
                f.versions.remove(&name);
                let gone: Vec<_> = f
                    .aliases
                    .iter()
                    .filter(|a| a.version == name)
                    .map(|a| a.name.clone())
                    .collect();
                f.aliases.retain(|a| a.version != name);
                f.attachments.forget_version(&name);
                for alias in &gone {
                    f.attachments.forget_alias(alias.as_str());
                }
                Ok(())
            })
            .ok_or_else(ApiError::function_not_found)?
    }
}

/// Where a function's logs go in LTS (ShowLtsLogDetails).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LtsLogDetail {
    /// The log group's name.
    pub group_name: String,
    /// The log group's id.
    pub group_id: String,
    /// The log stream's id.
    pub stream_id: String,
    /// The log stream's name.
    pub stream_name: String,
}

/// Why [`Service::update_latest_config_from_json`] did not change the function: the body
/// is the usual way's to read, or the change was made and could not be recorded (the
/// state file), which is answered as the usual way answers it.
enum Patched {
    LeftToTheUsualWay,
    Failed(ApiError),
}

impl From<std::io::Error> for Patched {
    fn from(e: std::io::Error) -> Self {
        Self::Failed(ApiError::from(e))
    }
}
