//! Version routes: `/v2/{project_id}/fgs/functions/{function_urn}/versions`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;

use super::FunctionResponse;
use super::extract::{FunctionPath, OptionalJson};
use crate::app::AppState;
use crate::error::ApiError;
use crate::service::input::PublishBody;

/// The version routes.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/v2/{project_id}/fgs/functions/{function_urn}/versions",
        post(create_function_version),
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
