//! Operations on one function's settings beyond its configuration body, as Terraform and
//! Cloud Custodian call them: `config-max-instance` (UpdateFunctionMaxInstanceConfig) and
//! `lts-log-detail` (ShowLtsLogDetails).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::FunctionResponse;
use super::openapi::{BadRequest, Forbidden, FunctionParams, NotFound, OtherError, Unauthorized};
use super::view::FunctionView;
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, FunctionPath};
use crate::http::json;
use crate::service::functions::LtsLogDetail;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_function_max_instance_config))
        .routes(routes!(show_lts_log_details))
}

/// The body of `PUT .../config-max-instance`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MaxInstanceBody {
    /// The most instances: -1 no limit, 0 disabled, up to 1000 (`v1` functions: -1 or 0).
    pub max_instance_num: Option<i64>,
}

/// UpdateFunctionMaxInstanceConfig: `PUT /v2/{project_id}/fgs/functions/{function_urn}/config-max-instance`.
/// Sets `strategy_config.concurrency`, the most instances of the function (or of a
/// version), and answers the function object.
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/config-max-instance",
    operation_id = "UpdateFunctionMaxInstanceConfig",
    summary = "Set the most instances of a function",
    tag = "functions",
    params(FunctionParams),
    request_body(content = MaxInstanceBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The function with its new strategy_config.", body = FunctionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_function_max_instance_config(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<MaxInstanceBody>,
) -> Result<FunctionResponse, ApiError> {
    let n = body
        .max_instance_num
        .ok_or_else(|| ApiError::invalid_field("max_instance_num", "is required"))?;
    let snapshot = app
        .service()
        .update_max_instances(&path.project, &path.urn, n)?;
    Ok(FunctionResponse::new(&app, snapshot))
}

/// ShowLtsLogDetails: `GET /v2/{project_id}/fgs/functions/{function_urn}/lts-log-detail`.
/// The LTS log group and stream of the function: the ones its `log_config` names, else
/// stable made-up ids (the emulator has no LTS).
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/lts-log-detail",
    operation_id = "ShowLtsLogDetails",
    summary = "Show where a function's logs go",
    tag = "functions",
    params(FunctionParams),
    responses(
        (status = 200, description = "`{group_name, group_id, stream_id, stream_name}`.", body = LtsLogDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_lts_log_details(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    let detail = app.service().lts_log_detail(&path.project, &path.urn)?;
    Ok(json(StatusCode::OK, &detail))
}
