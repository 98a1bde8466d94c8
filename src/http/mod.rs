//! What `api` (FunctionGraph) and `control` (`/_emulator`) share on the HTTP side: the
//! owned extractors that answer in the FSS envelope ([`extract`]), and JSON success
//! responses ([`json`]). The envelope itself is `error::ApiError`'s `IntoResponse`.

pub mod extract;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON success body. Serialising our own view types cannot fail; should it ever, the
/// client gets the 500 envelope rather than a half-written body.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match render(value) {
        Ok(body) => json_bytes(status, body),
        Err(e) => e.into_response(),
    }
}

/// A JSON body, rendered (to answer now, and perhaps to cache for later reads).
pub fn render<T: Serialize>(value: &T) -> Result<Bytes, crate::error::ApiError> {
    // A function object is about 2 KB: one allocation up front instead of a string of
    // doublings while serialising.
    let mut body = Vec::with_capacity(4096);
    serde_json::to_writer(&mut body, value)
        .map(|()| Bytes::from(body))
        .map_err(|e| {
            crate::error::ApiError::internal(format_args!("response serialisation failed: {e}"))
        })
}

/// A response with a JSON body already rendered (no copy: `Bytes` is shared).
pub fn json_bytes(status: StatusCode, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The `{project_id}` of a FunctionGraph path (`/v2/{project_id}/...`), percent-decoded;
/// `None` for any other path. Authentication and the fault rules both read it here, so they
/// always agree on which project a request is for.
pub fn path_project(path: &str) -> Option<String> {
    let segment = path.strip_prefix("/v2/")?.split('/').next()?;
    (!segment.is_empty()).then(|| {
        percent_encoding::percent_decode_str(segment)
            .decode_utf8_lossy()
            .into_owned()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_project_is_the_segment_after_v2_decoded() {
        assert_eq!(
            super::path_project("/v2/p1/fgs/functions").as_deref(),
            Some("p1")
        );
        assert_eq!(super::path_project("/v2/a%2Db/fgs").as_deref(), Some("a-b"));
        assert_eq!(super::path_project("/v2//fgs"), None);
        assert_eq!(super::path_project("/_emulator/health"), None);
    }
}
