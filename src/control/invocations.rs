//! The control plane's invocation endpoints:
//!
//! - `GET /_emulator/instances`: every version's instances (idle process ids, busy count).
//! - `GET|POST|DELETE /_emulator/canned-results`: answers registered per function (and
//!   optionally per version) that invocations return instead of running code. This is how
//!   a test invokes a runtime the emulator cannot run (Java, Go, C#, PHP, Custom Image ...),
//!   or stubs a slow or failing function.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app_state::AppState;
use crate::domain::FunctionName;
use crate::error::ApiError;
use crate::http::extract::ApiJson;
use crate::http::json;
use crate::invoke::Canned;

/// The routes, merged into the control plane's guarded router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/instances", get(list_instances))
        .route(
            "/canned-results",
            get(list_canned).post(add_canned).delete(clear_canned),
        )
}

/// `GET /_emulator/instances`.
async fn list_instances(State(app): State<AppState>) -> Response {
    json(StatusCode::OK, &app.invoker().instances())
}

/// `GET /_emulator/canned-results`.
async fn list_canned(State(app): State<AppState>) -> Response {
    json(StatusCode::OK, &app.invoker().canned())
}

/// `POST /_emulator/canned-results`: `{func_name, version?, result?, error?, delay_ms?}`;
/// replaces one for the same function and version; 200 with it.
async fn add_canned(
    State(app): State<AppState>,
    ApiJson(canned): ApiJson<Canned>,
) -> Result<Response, ApiError> {
    FunctionName::parse(&canned.func_name)
        .map_err(|e| ApiError::invalid_parameter(format!("Invalid parameter: func_name: {e}")))?;
    if canned.delay_ms > 15 * 60 * 1000 {
        return Err(ApiError::invalid_parameter(
            "Invalid parameter: delay_ms is at most 900000 (15 minutes)",
        ));
    }
    app.invoker().add_canned(canned.clone());
    Ok(json(StatusCode::OK, &canned))
}

/// `DELETE /_emulator/canned-results`: forgets them all.
async fn clear_canned(State(app): State<AppState>) -> Response {
    app.invoker().clear_canned();
    StatusCode::NO_CONTENT.into_response()
}
