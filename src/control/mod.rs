//! The control plane under `/_emulator/`: endpoints for the emulator itself, not for
//! FunctionGraph. JSON in and out, errors in the same envelope, outside FunctionGraph auth.
//!
//! Served so far: `GET /_emulator/health`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use crate::app::AppState;

pub mod openapi;

/// The control-plane routes, nested under `/_emulator`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi::openapi_json))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    uptime_seconds: f64,
}

/// `GET /_emulator/health`: `{"status":"ok","version":...,"uptime_seconds":...}`.
async fn health(State(app): State<AppState>) -> Response {
    crate::api::json(
        StatusCode::OK,
        &Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            uptime_seconds: app.uptime().as_secs_f64(),
        },
    )
}
