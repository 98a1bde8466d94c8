//! Authentication (SPEC section 6), as one middleware on the FunctionGraph routes.
//!
//! `presence` (default) accepts any non-empty `X-Auth-Token`, or an `Authorization` header
//! that starts with `SDK-HMAC-SHA256 ` (what every official SDK sends), and refuses a
//! request with neither: 401 FSS.0401. `off` checks nothing. The control plane under
//! `/_emulator` is not behind this layer.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::config::AuthMode;
use crate::error::{ApiError, ErrorCode};

/// The prefix of an AK/SK-signed request's Authorization header.
pub const SDK_HMAC_PREFIX: &str = "SDK-HMAC-SHA256 ";

/// Refuses unauthenticated requests before any handler or extractor runs (rule 1 of every
/// operation).
pub async fn authenticate(State(app): State<AppState>, req: Request, next: Next) -> Response {
    match app.config().auth.mode {
        AuthMode::Off => next.run(req).await,
        AuthMode::Presence | AuthMode::Verify => {
            let headers = req.headers();
            let token = headers
                .get("x-auth-token")
                .is_some_and(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace));
            let signed = headers
                .get(axum::http::header::AUTHORIZATION)
                .is_some_and(|v| v.as_bytes().starts_with(SDK_HMAC_PREFIX.as_bytes()));
            if token || signed {
                next.run(req).await
            } else {
                ApiError::with_message(
                    ErrorCode::Unauthorized,
                    "Unauthorized access: send X-Auth-Token or an SDK-HMAC-SHA256 Authorization header.",
                )
                .into_response()
            }
        }
    }
}
