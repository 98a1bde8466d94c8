//! `GET /_emulator/openapi.json`: the OpenAPI 3 document of the FunctionGraph endpoints.
//! (Being written: generated from the handlers' annotations so it cannot drift.)

use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorCode};

/// Serves the document.
pub async fn openapi_json() -> Response {
    ApiError::with_message(ErrorCode::RouteNotFound, "not generated yet").into_response()
}
