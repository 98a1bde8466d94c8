//! Alias rules: create, list, show, update, delete (SPEC section 5 and 9).
//!
//! A version is the major version of at most one alias (409 FSS.1066); `latest` may be a
//! major version but never an additional one; at most `limits.max_aliases` per function
//! (403 FSS.1043). Rules that need no state are applied by [`AliasBody::parse`]; the ones
//! below run under the function's lock with the change they guard.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::input::{AliasBody, AliasInput};
use super::{Cached, Service};
use crate::domain::{AliasName, PackageName, ProjectId, Urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::{AliasRecord, FunctionRecord, ProjectInfo};

/// An alias with what its URN needs, ready to render.
#[derive(Debug, Clone)]
pub struct AliasSnapshot {
    /// The owning project.
    pub project: Arc<ProjectInfo>,
    /// The function's package.
    pub package: PackageName,
    /// The function's name.
    pub function: crate::domain::FunctionName,
    /// The alias.
    pub alias: AliasRecord,
}

fn snapshot(project: &Arc<ProjectInfo>, f: &FunctionRecord, alias: &AliasRecord) -> AliasSnapshot {
    AliasSnapshot {
        project: project.clone(),
        package: f.package.clone(),
        function: f.name.clone(),
        alias: alias.clone(),
    }
}

/// Checks an alias's versions against the function: the major version exists (400
/// FSS.1015), the additional one exists (400 FSS.1091), and no other alias (`except`
/// aside) already has that major version (409 FSS.1066).
fn check_versions(
    f: &FunctionRecord,
    input: &AliasInput,
    except: Option<&AliasName>,
) -> Result<(), ApiError> {
    if input.version != "latest" && f.version(&input.version).is_none() {
        return Err(ApiError::detailed(
            ErrorCode::InvalidVersion,
            format_args!(
                "the alias points to version '{}', which does not exist",
                input.version
            ),
        ));
    }
    if let Some(extra) = &input.additional
        && f.version(extra.version.as_str()).is_none()
    {
        return Err(ApiError::detailed(
            ErrorCode::InvalidAdditionalVersion,
            format_args!("version '{}' does not exist", extra.version),
        ));
    }
    if let Some(other) = f
        .aliases
        .iter()
        .find(|a| a.version == input.version && Some(&a.name) != except)
    {
        return Err(ApiError::detailed(
            ErrorCode::VersionHasAlias,
            format_args!("'{}' points to '{}'", other.name, input.version),
        ));
    }
    Ok(())
}

fn alias_name(name: &str) -> Result<AliasName, ApiError> {
    // A name that breaks the rule cannot name an existing alias.
    AliasName::parse(name).map_err(|_| ApiError::alias_not_found())
}

impl Service {
    /// Runs `f` on the function's aliases under its lock; the change (if any) is kept, and
    /// made durable, only if `f` succeeds.
    fn with_aliases<T>(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        f: impl FnOnce(&Arc<ProjectInfo>, &mut FunctionRecord, DateTime<Utc>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve_ref(&project, urn)?;
        let now = self.clock.now();
        self.store
            .update_function(key, |record| f(&project, record, now))
            .ok_or_else(ApiError::function_not_found)?
    }

    /// CreateVersionAlias. Checks, in order: the body's own rules, the function exists,
    /// the versions exist, the name is free (409 FSS.1063), the major version has no alias
    /// (409 FSS.1066), and the function has room (403 FSS.1043).
    pub fn create_version_alias(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        body: AliasBody,
    ) -> Result<AliasSnapshot, ApiError> {
        let max = self.settings.limits.max_aliases;
        let name = body.parse_name()?;
        let input = body.parse()?;
        self.with_aliases(project_id, urn, |project, f, now| {
            if f.aliases.iter().any(|a| a.name == name) {
                return Err(ApiError::detailed(
                    ErrorCode::AliasExists,
                    format_args!("'{name}'"),
                ));
            }
            check_versions(f, &input, None)?;
            if f.aliases.len() >= max {
                return Err(ApiError::detailed(
                    ErrorCode::AliasLimit,
                    format_args!("at most {max} aliases per function"),
                ));
            }
            let alias = AliasRecord {
                name,
                version: input.version,
                description: input.description,
                last_modified: now,
                additional: input.additional,
            };
            f.aliases.push(alias.clone());
            Ok(snapshot(project, f, &alias))
        })
    }

    /// ListVersionAliases: every alias of the function, in creation order.
    pub fn list_version_aliases(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
    ) -> Result<Cached<Vec<AliasSnapshot>>, ApiError> {
        self.read_view(project_id, urn, "aliases", |project, f| {
            Ok(f.aliases.iter().map(|a| snapshot(project, f, a)).collect())
        })
    }

    /// ShowVersionAlias: 404 FSS.1053 for a missing alias.
    pub fn show_version_alias(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        name: &str,
    ) -> Result<AliasSnapshot, ApiError> {
        let name = alias_name(name)?;
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        self.store
            .with_function(&key, |f| {
                f.aliases
                    .iter()
                    .find(|a| a.name == name)
                    .map(|a| snapshot(&project, f, a))
                    .ok_or_else(ApiError::alias_not_found)
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// UpdateVersionAlias: replaces version, description, weights and strategy with what
    /// the request gives (an omitted one is cleared), under the same rules as create.
    pub fn update_version_alias(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        name: &str,
        body: AliasBody,
    ) -> Result<AliasSnapshot, ApiError> {
        let name = alias_name(name)?;
        let input = body.parse()?;
        self.with_aliases(project_id, urn, |project, f, now| {
            if !f.aliases.iter().any(|a| a.name == name) {
                return Err(ApiError::alias_not_found());
            }
            check_versions(f, &input, Some(&name))?;
            let alias = f
                .aliases
                .iter_mut()
                .find(|a| a.name == name)
                .ok_or_else(ApiError::alias_not_found)?;
            alias.version = input.version;
            alias.description = input.description;
            alias.additional = input.additional;
            alias.last_modified = now;
            let alias = alias.clone();
            Ok(snapshot(project, f, &alias))
        })
    }

    /// DeleteVersionAlias: 204, or 404 FSS.1053 for a missing alias.
    pub fn delete_version_alias(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        name: &str,
    ) -> Result<(), ApiError> {
        let name = alias_name(name)?;
        self.with_aliases(project_id, urn, |_, f, _| {
            if !f.aliases.iter().any(|a| a.name == name) {
                return Err(ApiError::alias_not_found());
            }
            if let Some(refusal) = f.attachments.alias_in_use(name.as_str()) {
                return Err(refusal);
            }
            f.aliases.retain(|a| a.name != name);
            f.attachments.forget_alias(name.as_str());
            Ok(())
        })
    }
}
