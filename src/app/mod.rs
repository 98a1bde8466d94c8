//! The one place that builds the application: the router and the middleware stack, and
//! the accept loop that serves it.
//!
//! Layers, outermost first (the order requests meet them; each in [`middleware`]):
//!
//! 1. `edge`: gives every request an id and answers `X-Request-Id` on every response;
//!    gives it its `request` span (request id, operation, matched path; status and latency
//!    recorded on it when the response leaves), made up front only at `debug` and otherwise
//!    when something first logs inside the request (see `crate::request_span`); answers a `Content-Length` over
//!    `server.max_body_bytes` with 413 FSS.0413 before any of the body is read; sheds more
//!    than `limits.max_concurrent_requests` in flight with an immediate 429 FSS.0429 (no
//!    queue, and before any work); turns any error response that is not already our
//!    envelope (a framework rejection, a panic) into one; writes the request journal before
//!    the response leaves. Outermost, so nothing escapes it.
//! 2. `CatchPanicLayer`: a panic below becomes 500 FSS.0500 (its payload logged in the
//!    request's span) and the server keeps serving.
//! 3. `inject_faults`: the `/_emulator/faults` rules (error, delay, drop, panic): inside
//!    `edge`, so injected answers carry a request id, are journaled and count as in
//!    flight; inside the panic layer, so an injected panic is caught like any other.
//! 4. `DefaultBodyLimit`: stops a chunked body that grows past `server.max_body_bytes`.
//! 5. `authenticate` (route layer on the FunctionGraph routes only, see `api::auth`).
//!
//! Below them, the router: `api` (FunctionGraph), `control` (`/_emulator`), and a fallback
//! that answers 404 FSS.0404.

pub mod middleware;
mod serve;

pub use serve::serve;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

use crate::app_state::AppState;
use crate::error::ApiError;

/// The header that carries each request's id, on every response.
pub const REQUEST_ID: &str = "x-request-id";

/// The whole application: the FunctionGraph routes (behind auth), the control plane, the
/// fallback, and the middleware stack described in the module docs.
pub fn router(state: AppState) -> Router {
    let api = crate::api::router().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::api::auth::authenticate,
    ));
    let max_body = usize::try_from(state.config().server.max_body_bytes).unwrap_or(usize::MAX);
    Router::new()
        .merge(api)
        .nest("/_emulator", crate::control::router(state.clone()))
        .fallback(route_not_found)
        .method_not_allowed_fallback(route_not_found)
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::edge,
                ))
                .layer(CatchPanicLayer::custom(middleware::panic_response))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::inject_faults,
                ))
                .layer(DefaultBodyLimit::max(max_body)),
        )
        .with_state(state)
}

/// No route answers this method and path. The real API gateway routes on method and path
/// together, so a known path with an unknown method is as unknown as any other: 404
/// FSS.0404 (not 405), as `docs/CONVENTIONS.md` records.
async fn route_not_found(method: Method, uri: Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::route_not_found(method.as_str(), &path)
}
