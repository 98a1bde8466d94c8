//! Function routes: `/v2/{project_id}/fgs/functions[/{function_urn}[/config|/code]]`.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

use super::FunctionResponse;
use super::extract::{ApiJson, FunctionPath, ProjectPath};
use crate::app::AppState;
use crate::error::ApiError;
use crate::service::input::{CodeBody, FunctionBody};

/// The function routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/{project_id}/fgs/functions", post(create_function))
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/config",
            get(show_function_config),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/code",
            axum::routing::put(update_function_code),
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
