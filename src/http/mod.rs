//! What `api` (FunctionGraph) and `control` (`/_emulator`) share on the HTTP side: the
//! owned extractors that answer in the FSS envelope ([`extract`]), and JSON success
//! responses ([`json`]). The envelope itself is `error::ApiError`'s `IntoResponse`.

pub mod extract;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON success body. Serialising our own view types cannot fail; should it ever, the
/// client gets the 500 envelope rather than a half-written body.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    // A function object is about 2 KB: one allocation up front instead of a string of
    // doublings while serialising.
    let mut body = Vec::with_capacity(4096);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(e) => {
            crate::error::ApiError::internal(format_args!("response serialisation failed: {e}"))
                .into_response()
        }
    }
}
