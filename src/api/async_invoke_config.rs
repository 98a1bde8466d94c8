//! Async-invocation settings per version (`async-invoke-config`): how long an event may
//! wait, how often a failed one is retried, where results go. The rules are in
//! `service::async_config`; async invocations obey the settings (`invoke::async_queue`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::FixedOffset;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{BadRequest, Forbidden, FunctionParams, NotFound, OtherError, Unauthorized};
use crate::app_state::AppState;
use crate::attachments::async_config::Destination;
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiQuery, FunctionPath};
use crate::http::json;
use crate::service::async_config::{AsyncConfigBody, AsyncConfigListQuery, AsyncConfigSnapshot};
use crate::service::input::PageInfo;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            update_function_async_invoke_config,
            show_function_async_invoke_config,
            delete_function_async_invoke_config
        ))
        .routes(routes!(list_function_async_invoke_config))
}

/// One version's settings on the wire (the SDK's ShowFunctionAsyncInvokeConfigResponse,
/// UpdateFunctionAsyncInvokeConfigResponse and ListFunctionAsyncInvokeConfigResult).
#[derive(Serialize, ToSchema)]
#[schema(as = FunctionAsyncInvokeConfig)]
pub struct AsyncConfigView<'a> {
    /// The version's full URN (`...:latest` or `...:<version>`).
    func_urn: &'a str,
    /// 1 to 86400.
    max_async_event_age_in_seconds: u32,
    /// 0 to 3.
    max_async_retry_attempts: u32,
    /// Both sides always written, `null` when unset.
    destination_config: DestinationConfigView<'a>,
    /// RFC 3339 with the configured offset (`+08:00` by default).
    created_time: String,
    /// RFC 3339 with the configured offset.
    last_modified: String,
    enable_async_status_log: bool,
}

/// `destination_config` on the wire.
#[derive(Serialize, ToSchema)]
#[schema(as = FuncAsyncDestinationConfig)]
struct DestinationConfigView<'a> {
    on_success: Option<DestinationView<'a>>,
    on_failure: Option<DestinationView<'a>>,
}

/// One target on the wire.
#[derive(Serialize, ToSchema)]
#[schema(as = FuncDestinationConfig)]
struct DestinationView<'a> {
    /// `OBS`, `SMN`, `DIS` or `FunctionGraph`.
    destination: &'a str,
    /// A JSON object in a string.
    param: &'a str,
}

impl<'a> DestinationView<'a> {
    fn of(d: &'a Option<Destination>) -> Option<Self> {
        d.as_ref().map(|d| Self {
            destination: &d.destination,
            param: &d.param,
        })
    }
}

impl<'a> AsyncConfigView<'a> {
    /// Renders a snapshot, times in `offset`.
    pub fn new(s: &'a AsyncConfigSnapshot, offset: FixedOffset) -> Self {
        let c = &s.config;
        Self {
            func_urn: &s.func_urn,
            max_async_event_age_in_seconds: c.max_async_event_age_in_seconds,
            max_async_retry_attempts: c.max_async_retry_attempts,
            destination_config: DestinationConfigView {
                on_success: DestinationView::of(&c.destination_config.on_success),
                on_failure: DestinationView::of(&c.destination_config.on_failure),
            },
            created_time: rfc3339(c.created_time, offset),
            last_modified: rfc3339(c.last_modified, offset),
            enable_async_status_log: c.enable_async_status_log,
        }
    }
}

/// A page of ListFunctionAsyncInvokeConfig.
#[derive(Serialize, ToSchema)]
struct AsyncConfigList<'a> {
    async_invoke_configs: Vec<AsyncConfigView<'a>>,
    /// How many versions have settings.
    count: usize,
    page_info: PageInfo,
}

/// UpdateFunctionAsyncInvokeConfig: `PUT /v2/{project_id}/fgs/functions/{function_urn}/async-invoke-config`.
/// Replaces the settings of latest or a version (omitted fields take their defaults).
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/async-invoke-config",
    operation_id = "UpdateFunctionAsyncInvokeConfig",
    summary = "Set a version's async-invocation settings",
    tag = "async-invoke-config",
    params(FunctionParams),
    request_body(content = AsyncConfigBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The settings as stored.", body = AsyncConfigView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_function_async_invoke_config(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<AsyncConfigBody>,
) -> Result<Response, ApiError> {
    let s = app
        .service()
        .update_async_config(&path.project, &path.urn, body)?;
    let offset = app.service().settings().utc_offset;
    Ok(json(StatusCode::OK, &AsyncConfigView::new(&s, offset)))
}

/// ShowFunctionAsyncInvokeConfig: `GET /v2/{project_id}/fgs/functions/{function_urn}/async-invoke-config`.
/// The settings of latest, a version or an alias's major version; 404 FSS.0404 when none.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/async-invoke-config",
    operation_id = "ShowFunctionAsyncInvokeConfig",
    summary = "Show a version's async-invocation settings",
    tag = "async-invoke-config",
    params(FunctionParams),
    responses(
        (status = 200, description = "The settings.", body = AsyncConfigView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_function_async_invoke_config(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    let s = app.service().show_async_config(&path.project, &path.urn)?;
    let offset = app.service().settings().utc_offset;
    Ok(json(StatusCode::OK, &AsyncConfigView::new(&s, offset)))
}

/// DeleteFunctionAsyncInvokeConfig: `DELETE /v2/{project_id}/fgs/functions/{function_urn}/async-invoke-config`.
/// 204 with no body; the version's async invocations go back to the defaults.
#[utoipa::path(
    delete,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/async-invoke-config",
    operation_id = "DeleteFunctionAsyncInvokeConfig",
    summary = "Delete a version's async-invocation settings",
    tag = "async-invoke-config",
    params(FunctionParams),
    responses(
        (status = 204, description = "Deleted. No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn delete_function_async_invoke_config(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    app.service()
        .delete_async_config(&path.project, &path.urn)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// ListFunctionAsyncInvokeConfig: `GET /v2/{project_id}/fgs/functions/{function_urn}/async-invoke-configs?marker=&limit=`.
/// Every version's settings, latest first, then versions in publish order.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/async-invoke-configs",
    operation_id = "ListFunctionAsyncInvokeConfig",
    summary = "List every version's async-invocation settings",
    tag = "async-invoke-config",
    params(FunctionParams,
        ("marker" = Option<u64>, Query, description = "Offset of the first item (default 0)."),
        ("limit" = Option<u64>, Query, description = "Items per page: absent or 0 means 10, at most 100."),
    ),
    responses(
        (status = 200, description = "`{async_invoke_configs, count, page_info}`.", body = AsyncConfigList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_function_async_invoke_config(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiQuery(query): ApiQuery<AsyncConfigListQuery>,
) -> Result<Response, ApiError> {
    let page = app
        .service()
        .list_async_configs(&path.project, &path.urn, &query)?;
    let offset = app.service().settings().utc_offset;
    let list = AsyncConfigList {
        async_invoke_configs: page
            .items
            .iter()
            .map(|s| AsyncConfigView::new(s, offset))
            .collect(),
        count: page.count,
        page_info: page.page_info,
    };
    Ok(json(StatusCode::OK, &list))
}
