//! Async-invocation settings per version: UpdateFunctionAsyncInvokeConfig,
//! ShowFunctionAsyncInvokeConfig, DeleteFunctionAsyncInvokeConfig and
//! ListFunctionAsyncInvokeConfig. The stored shape and its rules are
//! `attachments::async_config`; the invoker reads them (`invoke::async_queue`).
//!
//! Which version a URN names: an unqualified URN or `:latest` is latest, `:<version>` that
//! version (404 FSS.1052 when it does not exist). The settings belong to versions, so a
//! change through an alias URN is refused (400 FSS.0400, as UpdateFunctionConfig refuses
//! one), while a read through an alias shows its major version's settings, as
//! ShowFunctionConfig does. A version without settings reads as 404 FSS.0404.

use serde::Deserialize;

use super::Service;
use super::input::{Listed, Page};
use crate::attachments::async_config::{
    AsyncConfig, DEFAULT_MAX_EVENT_AGE_SECONDS, DEFAULT_RETRY_ATTEMPTS, Destination,
    DestinationConfig, EVENT_AGE_RANGE, RETRY_RANGE,
};
use crate::domain::{ProjectId, Qualifier, Urn, VersionName, full_urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::{FunctionRecord, ProjectInfo};
use crate::store::FunctionKey;

/// The body of `PUT .../async-invoke-config`, as clients send it. Every field is optional:
/// an omitted age is 3600 s, omitted retries 1 (the request body's documented defaults).
/// The LTS fields are accepted and not kept: the emulator has no LTS.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct AsyncConfigBody {
    /// Seconds an event may wait before it runs: 1 to 86400 (default 3600).
    pub max_async_event_age_in_seconds: Option<i64>,
    /// Retries after a failed invocation: 0 to 3 (default 1).
    pub max_async_retry_attempts: Option<i64>,
    /// Targets on success and on failure.
    pub destination_config: Option<DestinationConfigBody>,
    /// Whether invocation states are kept in LTS (stored, not acted on).
    pub enable_async_status_log: Option<bool>,
    /// Accepted, not kept.
    pub log_group_id: Option<String>,
    /// Accepted, not kept.
    pub log_stream_id: Option<String>,
    /// Accepted, not kept.
    pub log_group_name: Option<String>,
    /// Accepted, not kept.
    pub log_stream_name: Option<String>,
}

/// `destination_config` in a body.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct DestinationConfigBody {
    /// Target on success.
    pub on_success: Option<DestinationBody>,
    /// Target on failure.
    pub on_failure: Option<DestinationBody>,
}

/// One target in a body. `{}` (or both fields empty) means none: Go clients send an empty
/// object for the side they leave unset.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct DestinationBody {
    /// `OBS`, `SMN`, `DIS` or `FunctionGraph`.
    pub destination: Option<String>,
    /// A JSON object in a string: `{"bucket", "prefix", "expires"}` for OBS,
    /// `{"topic_urn"}` for SMN, `{"stream_name"}` for DIS, `{"func_urn"}` for FunctionGraph.
    pub param: Option<String>,
}

/// What a settings operation answers: the version's URN and its settings.
#[derive(Debug, Clone)]
pub struct AsyncConfigSnapshot {
    /// The full URN of the version the settings belong to.
    pub func_urn: String,
    /// The settings.
    pub config: AsyncConfig,
}

/// `marker` and `limit` of ListFunctionAsyncInvokeConfig, as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AsyncConfigListQuery {
    /// Offset of the first item (default 0).
    pub marker: Option<String>,
    /// Items per page: absent or 0 means 10, over 100 means 100, negative is refused.
    pub limit: Option<String>,
}

impl AsyncConfigBody {
    /// The settings this body makes, stamped `created` and `now`. The first refused field
    /// decides the error (400 FSS.0400 naming it).
    fn parse(
        self,
        created: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AsyncConfig, ApiError> {
        let age = self
            .max_async_event_age_in_seconds
            .unwrap_or(i64::from(DEFAULT_MAX_EVENT_AGE_SECONDS));
        if !EVENT_AGE_RANGE.contains(&age) {
            return Err(ApiError::invalid_field(
                "max_async_event_age_in_seconds",
                format!("must be from 1 to 86400, not {age}"),
            ));
        }
        let retries = self
            .max_async_retry_attempts
            .unwrap_or(i64::from(DEFAULT_RETRY_ATTEMPTS));
        if !RETRY_RANGE.contains(&retries) {
            return Err(ApiError::invalid_field(
                "max_async_retry_attempts",
                format!("must be from 0 to 3, not {retries}"),
            ));
        }
        let targets = self.destination_config.unwrap_or_default();
        let destination_config = DestinationConfig {
            on_success: destination("on_success", targets.on_success)?,
            on_failure: destination("on_failure", targets.on_failure)?,
        };
        Ok(AsyncConfig {
            max_async_event_age_in_seconds: u32::try_from(age).unwrap_or(u32::MAX),
            max_async_retry_attempts: u32::try_from(retries).unwrap_or(u32::MAX),
            destination_config,
            enable_async_status_log: self.enable_async_status_log.unwrap_or(false),
            created_time: created,
            last_modified: now,
        })
    }
}

/// One side of `destination_config`: none when absent or empty, else checked.
fn destination(side: &str, body: Option<DestinationBody>) -> Result<Option<Destination>, ApiError> {
    let Some(body) = body else { return Ok(None) };
    let kind = body.destination.unwrap_or_default();
    let param = body.param.unwrap_or_default();
    if kind.is_empty() && param.is_empty() {
        return Ok(None);
    }
    let d = Destination {
        destination: kind,
        param,
    };
    d.check().map_err(|e| {
        let (field, why) = e.split_once(' ').unwrap_or((e.as_str(), ""));
        ApiError::invalid_field(&format!("destination_config.{side}.{field}"), why)
    })?;
    Ok(Some(d))
}

impl AsyncConfigListQuery {
    /// The page asked for: `marker` a whole number (default 0), `limit` absent or 0 -> 10,
    /// over 100 -> 100 (the SDK's ListFunctionAsyncInvokeConfigRequest); anything else is
    /// 400 FSS.0400.
    fn page(&self) -> Result<Page, ApiError> {
        Page::with_limit(
            self.marker.as_deref(),
            ("limit", self.limit.as_deref()),
            10,
            100,
        )
    }
}

/// The version a settings operation acts on, named by the URN's qualifier.
fn version_of(f: &FunctionRecord, qualifier: &Qualifier) -> Result<String, ApiError> {
    match qualifier {
        Qualifier::Latest => Ok("latest".to_owned()),
        Qualifier::Version(v) => f
            .version(v.as_str())
            .map(|_| v.to_string())
            .ok_or_else(ApiError::version_not_found),
        Qualifier::Alias(name) => f
            .aliases
            .iter()
            .find(|a| &a.name == name)
            .map(|a| a.version.clone())
            .ok_or_else(ApiError::alias_not_found),
    }
}

fn no_settings(version: &str) -> ApiError {
    ApiError::detailed(
        ErrorCode::RouteNotFound,
        format!("version '{version}' has no async-invoke-config"),
    )
}

fn refuse_alias(urn: &Urn) -> Result<(), ApiError> {
    if let Qualifier::Alias(_) = urn.qualifier() {
        return Err(ApiError::invalid_parameter(
            "async-invoke-config belongs to a version: use latest or a version URN, not an alias",
        ));
    }
    Ok(())
}

fn version_urn(project: &ProjectInfo, key: &FunctionKey, version: &str) -> String {
    let qualifier = match version {
        "latest" => Qualifier::Latest,
        v => VersionName::parse(v).map_or(Qualifier::Latest, Qualifier::Version),
    };
    full_urn(
        &project.region,
        &project.id,
        &key.package,
        &key.name,
        &qualifier,
    )
}

impl Service {
    /// UpdateFunctionAsyncInvokeConfig: replaces the version's settings with the body's
    /// (omitted fields take their defaults); `created_time` stays that of the first PUT.
    pub fn update_async_config(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        body: AsyncConfigBody,
    ) -> Result<AsyncConfigSnapshot, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        refuse_alias(urn)?;
        let now = self.clock.now();
        self.store
            .update_function(key.borrowed(), |f| {
                let version = version_of(f, urn.qualifier())?;
                let created = f
                    .attachments
                    .async_configs
                    .get(&version)
                    .map_or(now, |c| c.created_time);
                let config = body.parse(created, now)?;
                f.attachments.async_configs.set(&version, config.clone());
                Ok(AsyncConfigSnapshot {
                    func_urn: version_urn(&project, &key, &version),
                    config,
                })
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// ShowFunctionAsyncInvokeConfig: the settings of latest, a version, or an alias's
    /// major version; 404 FSS.0404 when it has none.
    pub fn show_async_config(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
    ) -> Result<AsyncConfigSnapshot, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        self.store
            .with_function(&key, |f| {
                let version = version_of(f, urn.qualifier())?;
                let config = f
                    .attachments
                    .async_configs
                    .get(&version)
                    .cloned()
                    .ok_or_else(|| no_settings(&version))?;
                Ok(AsyncConfigSnapshot {
                    func_urn: version_urn(&project, &key, &version),
                    config,
                })
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// DeleteFunctionAsyncInvokeConfig: drops the version's settings (its async
    /// invocations go back to the defaults); 404 FSS.0404 when it has none.
    pub fn delete_async_config(&self, project_id: &ProjectId, urn: &Urn) -> Result<(), ApiError> {
        let project = self.project(project_id);
        let key = self.resolve_ref(&project, urn)?;
        refuse_alias(urn)?;
        self.store
            .update_function(key, |f| {
                let version = version_of(f, urn.qualifier())?;
                if f.attachments.async_configs.remove(&version) {
                    Ok(())
                } else {
                    Err(no_settings(&version))
                }
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// ListFunctionAsyncInvokeConfig: every version's settings (any URN of the function,
    /// its qualifier ignored, as ListFunctionVersions), latest first, then versions in
    /// publish order, paged by `marker` (an offset) and `limit`.
    pub fn list_async_configs(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        query: &AsyncConfigListQuery,
    ) -> Result<Listed<AsyncConfigSnapshot>, ApiError> {
        let page = query.page()?;
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        let all = self
            .store
            .with_function(&key, |f| {
                let configs = &f.attachments.async_configs;
                std::iter::once("latest")
                    .chain(f.versions.iter().map(|v| v.name.as_str()))
                    .filter_map(|v| {
                        configs.get(v).map(|c| AsyncConfigSnapshot {
                            func_urn: version_urn(&project, &key, v),
                            config: c.clone(),
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .ok_or_else(ApiError::function_not_found)?;
        Ok(page.cut(all))
    }
}
