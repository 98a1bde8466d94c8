//! The tenant's quotas: ListQuotas (`GET /v2/{project_id}/fgs/quotas`), read from the
//! emulator's `[limits]` (see `crate::service::quotas`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{BadRequest, Forbidden, OtherError, ProjectParams, Unauthorized};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::http::extract::ProjectPath;
use crate::http::json;
use crate::service::quotas::QuotaResource;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_quotas))
}

/// The body of ListQuotas (the SDK's `ListQuotasResponse`).
#[derive(Serialize, ToSchema)]
struct QuotaList {
    quotas: QuotaResources,
}

/// The SDK's `ListQuotasResult`.
#[derive(Serialize, ToSchema)]
struct QuotaResources {
    resources: Vec<QuotaResource>,
}

/// ListQuotas: `GET /v2/{project_id}/fgs/quotas`. The project's quotas with what it uses.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/quotas",
    operation_id = "ListQuotas",
    summary = "List the tenant's quotas",
    tag = "quotas",
    params(ProjectParams),
    responses(
        (status = 200, description = "`{quotas: {resources: [{quota, used, type, unit}]}}`.",
            body = QuotaList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_quotas(
    State(app): State<AppState>,
    ProjectPath(project): ProjectPath,
) -> Result<Response, ApiError> {
    let list = QuotaList {
        quotas: QuotaResources {
            resources: app.service().list_quotas(&project),
        },
    };
    Ok(json(StatusCode::OK, &list))
}
