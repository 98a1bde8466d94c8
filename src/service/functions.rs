//! The function operations: create, show and update configuration and code, list, delete.

use std::sync::Arc;

use super::input::{CodeInput, CreateFunctionInput, FunctionBody, ListQuery, Page};
use super::{
    FunctionSnapshot, Service, latest_snapshot, require_latest, snapshot_of, version_snapshot,
};
use crate::domain::{ProjectId, Qualifier, Urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::{FunctionRecord, FunctionState};
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
