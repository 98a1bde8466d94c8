//! Reserved instances, per version or alias, as Terraform's `huaweicloud_fgs_function`
//! manages them: UpdateFunctionReservedInstancesCount (`PUT {urn}/reservedinstances`),
//! ListReservedInstanceConfigs (`GET /fgs/functions/reservedinstanceconfigs`) and
//! ListFunctionReservedInstances (`GET /fgs/functions/reservedinstances`).
//!
//! The two list paths sit where a `{function_urn}` could: axum matches a static segment
//! before a parameter, so a function named `reservedinstances` cannot shadow them (it is
//! still reachable by any longer URN form, e.g. `default:reservedinstances`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{
    BadRequest, Forbidden, FunctionParams, NotFound, OtherError, ProjectParams, Unauthorized,
};
use crate::app_state::AppState;
use crate::attachments::reserved::ReservedInput;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiQuery, FunctionPath, ProjectPath};
use crate::http::json;
use crate::service::reserved::{
    ConfigsQuery, CountsQuery, FuncReservedInstance, PageInfo, ReservedCount,
    ReservedInstanceConfig,
};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_function_reserved_instances_count))
        .routes(routes!(list_reserved_instance_configs))
        .routes(routes!(list_function_reserved_instances))
}

/// UpdateFunctionReservedInstancesCount:
/// `PUT /v2/{project_id}/fgs/functions/{function_urn}/reservedinstances`.
/// Sets the reserved-instance policy of the version (`latest` when the URN names none) or
/// alias the URN names; `count` 0 removes it.
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/reservedinstances",
    operation_id = "UpdateFunctionReservedInstancesCount",
    summary = "Set the reserved instances of a version or alias",
    tag = "reserved instances",
    params(FunctionParams),
    request_body(content = ReservedInput, content_type = "application/json",
        description = "`count` is required (0 removes the policy)."),
    responses(
        (status = 200, description = "`{count, idle_mode, tactics_config}` now in force.",
            body = ReservedCount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_function_reserved_instances_count(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<ReservedInput>,
) -> Result<Response, ApiError> {
    let answer = app
        .service()
        .update_reserved_instances(&path.project, &path.urn, body)?;
    Ok(json(StatusCode::OK, &answer))
}

/// The query of ListReservedInstanceConfigs.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConfigsParams {
    /// Only this function's policies (its `latest` or unqualified URN: of every version and
    /// alias), or only one version's or alias's. Absent: the whole project.
    pub function_urn: Option<String>,
    /// Where the page starts: an offset, as `page_info.next_marker` gave it. Absent: 0.
    pub marker: Option<u64>,
    /// The most items to return. Absent or 0: 100; over 500: 500.
    pub limit: Option<u64>,
}

/// A page of ListReservedInstanceConfigs.
#[derive(Serialize, ToSchema)]
struct ConfigList {
    reserved_instances: Vec<ReservedInstanceConfig>,
    page_info: PageInfo,
    /// How many policies match, in all pages.
    count: usize,
}

/// ListReservedInstanceConfigs: `GET /v2/{project_id}/fgs/functions/reservedinstanceconfigs`.
/// The reserved-instance policies of the project, a function, a version or an alias.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/reservedinstanceconfigs",
    operation_id = "ListReservedInstanceConfigs",
    summary = "List reserved-instance policies",
    tag = "reserved instances",
    params(ProjectParams, ConfigsParams),
    responses(
        (status = 200, description = "`{reserved_instances, page_info, count}`.",
            body = ConfigList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_reserved_instance_configs(
    State(app): State<AppState>,
    ProjectPath(project): ProjectPath,
    ApiQuery(query): ApiQuery<ConfigsQuery>,
) -> Result<Response, ApiError> {
    let listed = app
        .service()
        .list_reserved_instance_configs(&project, &query)?;
    let list = ConfigList {
        reserved_instances: listed.items,
        page_info: listed.page_info,
        count: listed.count,
    };
    Ok(json(StatusCode::OK, &list))
}

/// The query of ListFunctionReservedInstances.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountsParams {
    /// Where the page starts: an offset, as `page_info.next_marker` gave it. Absent: 0.
    pub marker: Option<u64>,
    /// The most items to return. Absent, 0 or over 400: 400.
    pub limit: Option<u64>,
    /// Only this function (every version and alias), version or alias. Absent: the project.
    pub urn: Option<String>,
}

/// A page of ListFunctionReservedInstances.
#[derive(Serialize, ToSchema)]
struct CountList {
    reservedinstances: Vec<FuncReservedInstance>,
    page_info: PageInfo,
    /// How many versions and aliases with reserved instances match, in all pages.
    count: usize,
}

/// ListFunctionReservedInstances: `GET /v2/{project_id}/fgs/functions/reservedinstances`.
/// How many instances each version or alias keeps warm.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/reservedinstances",
    operation_id = "ListFunctionReservedInstances",
    summary = "List reserved-instance counts",
    tag = "reserved instances",
    params(ProjectParams, CountsParams),
    responses(
        (status = 200, description = "`{reservedinstances, page_info, count}` (the key is \
            `reservedinstances`, one word, as the SDK's model has it).", body = CountList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_function_reserved_instances(
    State(app): State<AppState>,
    ProjectPath(project): ProjectPath,
    ApiQuery(query): ApiQuery<CountsQuery>,
) -> Result<Response, ApiError> {
    let listed = app
        .service()
        .list_function_reserved_instances(&project, &query)?;
    let list = CountList {
        reservedinstances: listed.items,
        page_info: listed.page_info,
        count: listed.count,
    };
    Ok(json(StatusCode::OK, &list))
}
