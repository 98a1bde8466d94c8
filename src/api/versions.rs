//! Version routes: `/v2/{project_id}/fgs/functions/{function_urn}/versions`.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{
    BadRequest, Conflict, Forbidden, FunctionParams, NotFound, OtherError, PageParams,
    PayloadTooLarge, Unauthorized,
};
use super::view::FunctionView;
use super::{WrittenResponse, written_renderer};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::http::extract::{ApiQuery, FunctionPath, OptionalJson};
use crate::service::input::{ListQuery, PublishBody};

/// The version routes, each at the method and path of its `#[utoipa::path]`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_function_version, list_function_versions))
}

/// CreateFunctionVersion (publish a version):
/// `POST /v2/{project_id}/fgs/functions/{function_urn}/versions`.
///
/// The body is taken as a `Result` and handed to the service unopened: SPEC section 2 checks
/// that the function exists (rule 3) before it looks at the body (rule 4), so a bad body on
/// a missing function is a 404, not a 400.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/versions",
    operation_id = "CreateFunctionVersion",
    summary = "Publish a version",
    description = "Publishes latest as a new version. Refused while nothing changed since the \
        newest version (400 FSS.1016), over the version cap (403 FSS.1042), or when `digest` \
        is given and differs from latest's (400 FSS.0400). The function is looked up before \
        the body is read: a bad body on a missing function is 404.",
    tag = "versions",
    params(FunctionParams),
    request_body(content = Option<PublishBody>, content_type = "application/json",
        description = "Optional: an absent body, `{}` and `\"digest\": \"\"` all publish latest \
            as it is, named after the clock (vYYYYMMDD-HHMMSS)."),
    responses(
        (status = 200, description = "The new version's function object.", body = FunctionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn create_function_version(
    State(app): State<AppState>,
    path: FunctionPath,
    body: Result<OptionalJson<PublishBody>, ApiError>,
) -> Result<WrittenResponse, ApiError> {
    create_function_version_on(&app, path, body)
}

/// [`create_function_version`] on a borrowed state: the fast lane's way, which clones no
/// state per write (`app::fast::answer_write`).
pub(crate) fn create_function_version_on(
    app: &AppState,
    path: FunctionPath,
    body: Result<OptionalJson<PublishBody>, ApiError>,
) -> Result<WrittenResponse, ApiError> {
    let input = body.and_then(|OptionalJson(b)| b.parse());
    let rendered = app.service().create_function_version_with(
        &path.project,
        &path.urn,
        input,
        written_renderer(app),
    )??;
    Ok(WrittenResponse(rendered))
}

/// A page of ListFunctionVersions.
#[derive(Serialize, ToSchema)]
struct VersionList<'a> {
    versions: Vec<FunctionView<'a>>,
    /// The `marker` of the next page; 0 when this is the last.
    next_marker: usize,
    /// How many versions the function has, `latest` included.
    count: usize,
}

/// ListFunctionVersions: `GET /v2/{project_id}/fgs/functions/{function_urn}/versions?marker=&maxitems=`.
/// Answers `{versions, next_marker, count}`, `latest` first, then by publish time.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/versions",
    operation_id = "ListFunctionVersions",
    summary = "List versions",
    tag = "versions",
    params(FunctionParams, PageParams),
    responses(
        (status = 200, description = "A page of versions, `latest` first.", body = VersionList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_function_versions(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    list_versions(&app, &path, &query)
}

/// ListFunctionVersions' answer: the route's, and the fast lane's (`app::fast`, for a
/// request without a query, so the first page).
pub(crate) fn list_versions(
    app: &AppState,
    path: &FunctionPath,
    query: &ListQuery,
) -> Result<Response, ApiError> {
    let read = app
        .service()
        .list_function_versions(&path.project, &path.urn, query)?;
    Ok(super::cached(read, |(items, next_marker, count)| {
        crate::http::render(&VersionList {
            versions: super::views(app, items),
            next_marker: *next_marker,
            count: *count,
        })
    }))
}
