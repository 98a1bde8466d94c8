//! Invocation routes: `POST /v2/{project_id}/fgs/functions/{function_urn}/invocations`.
//!
//! The handler reads the wire (headers, the event), asks `invoke` to route and run, and
//! writes the answer the way the API reference lists it (`reference/invoke.md` section 3;
//! the choices where it is silent are in `docs/CONVENTIONS.md`, "Invocation"):
//!
//! - Headers in: `X-Cff-Log-Type: tail` (adds `X-Cff-Function-Log`),
//!   `X-CFF-Request-Version: v0|v1`, `X-Cff-Instance-Memory` (128-10240 MB).
//! - Headers out: `X-Cff-Request-Id`, `X-Cff-Invoke-Summary`, `X-CFF-Billing-Duration`,
//!   `X-Cff-Response-Version`, `X-Func-Err-Code`, `X-Is-Func-Err`.
//! - v0 body: the handler's result itself (a string as-is and nothing as an empty body,
//!   both `text/plain`; other values as JSON); v1: `{request_id, result, log, status}` with `result` that text.
//! - A function error (exception, timeout, memory, crash) is still HTTP 200, flagged by
//!   `X-Is-Func-Err: true` and a non-zero `X-Func-Err-Code`, the body
//!   `{errorMessage, errorType, stackTrace}`. Platform errors are the FSS envelope.
//!
//! The file is split by what changes together: [`sync`] is InvokeFunction and the headers
//! and bodies of its answer; [`queued`] is AsyncInvokeFunction and the async records it
//! leaves (list, list active, cancel). What both read off a request stays here.

use axum::http::HeaderMap;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;

use crate::app_state::AppState;
use crate::error::{ApiError, ErrorCode};

pub mod queued;
pub mod sync;

pub use queued::{
    ActiveQuery, AsyncListQuery, CancelBody, async_invoke_function, cancel_async_invocation,
    list_active_async_invocations, list_async_invocations,
};
pub use sync::invoke_function;

/// The invocation routes, each at the method and path of its `#[utoipa::path]` (the
/// synchronous route first, then the async ones, as the document lists them).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(sync::router())
        .merge(queued::router())
}

/// The request id the middleware gave this request (`X-Cff-Request-Id`).
fn request_id_of() -> String {
    crate::request_span::current_request_id()
        .and_then(|id| id.to_str().ok().map(str::to_owned))
        .unwrap_or_default()
}

/// A header's value, trimmed; `None` when absent or not visible ASCII.
fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The event: any JSON value; an empty (or all-blank) body is `{}`.
fn parse_event(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::detailed(ErrorCode::BodyNotJson, e))
}

#[cfg(test)]
mod tests {
    use super::sync::log_tail;
    use super::*;

    #[test]
    fn the_log_tail_is_at_most_2000_bytes_on_a_char_boundary() {
        let log = "é".repeat(1500);
        let t = log_tail(&log);
        assert!(t.len() <= 2000 && t.len() >= 1999, "{}", t.len());
        assert_eq!(log_tail("short"), "short");
    }

    #[test]
    fn an_empty_body_is_an_empty_object_and_text_is_refused() {
        assert_eq!(parse_event(b"  ").unwrap(), json!({}));
        assert_eq!(parse_event(b"[1]").unwrap(), json!([1]));
        assert_eq!(
            parse_event(b"not json").unwrap_err().code(),
            ErrorCode::BodyNotJson
        );
    }
}
