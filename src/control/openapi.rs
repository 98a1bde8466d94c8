//! `GET /_emulator/openapi.json`: the OpenAPI 3 document of the FunctionGraph endpoints.
//!
//! The document is [`crate::api::openapi::openapi`], generated from the same
//! `#[utoipa::path]` annotations the router is built from, so it cannot drift from what is
//! served. It never changes while the process runs, so it is serialised once.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Serves the document as `application/json`.
pub async fn openapi_json() -> Response {
    static BODY: OnceLock<Bytes> = OnceLock::new();
    let body = BODY.get_or_init(|| {
        // Serialising utoipa's own types cannot fail (string keys, no non-finite floats).
        let bytes = serde_json::to_vec_pretty(crate::api::openapi::openapi())
            .expect("the OpenAPI document serialises");
        Bytes::from(bytes)
    });
    let mut response = (StatusCode::OK, body.clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
