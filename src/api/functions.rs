//! Function routes: `/v2/{project_id}/fgs/functions[/{function_urn}[/config|/code]]`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::Serialize;

use super::extract::{ApiJson, ApiQuery, FunctionPath, ProjectPath};
use super::view::{CodeInBody, FunctionView};
use super::{FunctionResponse, json};
use crate::app::AppState;
use crate::error::ApiError;
use crate::service::input::{CodeBody, FunctionBody, ListQuery};

/// The function routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/{project_id}/fgs/functions",
            get(list_functions).post(create_function),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}",
            delete(delete_function),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/config",
            get(show_function_config).put(update_function_config),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/code",
            get(show_function_code).put(update_function_code),
        )
}

/// CreateFunction: `POST /v2/{project_id}/fgs/functions`.
/// Answers 200 with the function object; its `func_urn` ends in `:latest`.
pub async fn create_function(
    State(app): State<AppState>,
    ProjectPath(project): ProjectPath,
    ApiJson(body): ApiJson<FunctionBody>,
) -> Result<FunctionResponse, ApiError> {
    let input = body.parse_create(&app.service().settings().limits)?;
    let snapshot = app.service().create_function(&project, input)?;
    Ok(FunctionResponse::new(&app, snapshot))
}

#[derive(Serialize)]
struct FunctionList<'a> {
    functions: Vec<FunctionView<'a>>,
    next_marker: usize,
    count: usize,
}

/// ListFunctions: `GET /v2/{project_id}/fgs/functions?marker=&maxitems=&package_name=&func_name=`.
/// Answers `{functions, next_marker, count}`; each item is latest's function object.
pub async fn list_functions(
    State(app): State<AppState>,
    ProjectPath(project): ProjectPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let (items, next_marker, count) = app.service().list_functions(&project, &query)?;
    let offset = app.service().settings().utc_offset;
    let list = FunctionList {
        functions: items
            .iter()
            .map(|s| FunctionView::new(s, CodeInBody::Omit, offset))
            .collect(),
        next_marker,
        count,
    };
    Ok(json(StatusCode::OK, &list))
}

/// ShowFunctionConfig: `GET /v2/{project_id}/fgs/functions/{function_urn}/config`, on
/// latest, a published version or an alias.
pub async fn show_function_config(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<FunctionResponse, ApiError> {
    let snapshot = app
        .service()
        .show_function_config(&path.project, &path.urn)?;
    Ok(FunctionResponse::new(&app, snapshot))
}

/// UpdateFunctionConfig: `PUT /v2/{project_id}/fgs/functions/{function_urn}/config`. On
/// latest it changes the function; on a version, that version's configuration (never its
/// code).
pub async fn update_function_config(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<FunctionBody>,
) -> Result<FunctionResponse, ApiError> {
    let snapshot = app
        .service()
        .update_function_config(&path.project, &path.urn, body)?;
    Ok(FunctionResponse::new(&app, snapshot))
}

/// ShowFunctionCode: `GET /v2/{project_id}/fgs/functions/{function_urn}/code`, on latest, a
/// version or an alias: `func_code.file` is that version's code, base64.
pub async fn show_function_code(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<FunctionResponse, ApiError> {
    let snapshot = app
        .service()
        .show_function_config(&path.project, &path.urn)?;
    Ok(FunctionResponse::with_code(&app, snapshot))
}

/// UpdateFunctionCode: `PUT /v2/{project_id}/fgs/functions/{function_urn}/code`.
/// Replaces latest's code; answers with the new digest, size and last_modified.
pub async fn update_function_code(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<FunctionResponse, ApiError> {
    let input = body.parse(&app.service().settings().limits)?;
    let snapshot = app
        .service()
        .update_function_code(&path.project, &path.urn, input)?;
    Ok(FunctionResponse::new(&app, snapshot))
}

/// DeleteFunction: `DELETE /v2/{project_id}/fgs/functions/{function_urn}`. 204 with no
/// body. Unqualified: the whole function; a version or alias URN: that version.
pub async fn delete_function(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    app.service().delete_function(&path.project, &path.urn)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
