//! Version routes: `/v2/{project_id}/fgs/functions/{function_urn}/versions`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Serialize;

use super::extract::{ApiQuery, FunctionPath, OptionalJson};
use super::view::{CodeInBody, FunctionView};
use super::{FunctionResponse, json};
use crate::app::AppState;
use crate::error::ApiError;
use crate::service::input::{ListQuery, PublishBody};

/// The version routes.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/v2/{project_id}/fgs/functions/{function_urn}/versions",
        post(create_function_version).get(list_function_versions),
    )
}

/// CreateFunctionVersion (publish a version):
/// `POST /v2/{project_id}/fgs/functions/{function_urn}/versions`.
///
/// The body is taken as a `Result` and handed to the service unopened: SPEC section 2 checks
/// that the function exists (rule 3) before it looks at the body (rule 4), so a bad body on
/// a missing function is a 404, not a 400.
pub async fn create_function_version(
    State(app): State<AppState>,
    path: FunctionPath,
    body: Result<OptionalJson<PublishBody>, ApiError>,
) -> Result<FunctionResponse, ApiError> {
    let input = body.and_then(|OptionalJson(b)| b.parse());
    let snapshot = app
        .service()
        .create_function_version(&path.project, &path.urn, input)?;
    Ok(FunctionResponse::new(&app, snapshot))
}

#[derive(Serialize)]
struct VersionList<'a> {
    versions: Vec<FunctionView<'a>>,
    next_marker: usize,
    count: usize,
}

/// ListFunctionVersions: `GET /v2/{project_id}/fgs/functions/{function_urn}/versions?marker=&maxitems=`.
/// Answers `{versions, next_marker, count}`, `latest` first, then by publish time.
pub async fn list_function_versions(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let (items, next_marker, count) =
        app.service()
            .list_function_versions(&path.project, &path.urn, &query)?;
    let offset = app.service().settings().utc_offset;
    let list = VersionList {
        versions: items
            .iter()
            .map(|s| FunctionView::new(s, CodeInBody::Omit, offset))
            .collect(),
        next_marker,
        count,
    };
    Ok(json(StatusCode::OK, &list))
}
