//! The one place that builds the application: the router and the middleware stack, and
//! the accept loop that serves it.
//!
//! Before all of them, the fast lane (`fast`) routes the commonest calls itself: a
//! function's config, code, versions' first page and aliases, when nothing about the
//! request needs more, are answered at once by the same functions the routes call, with the
//! edge's id, in-flight limit, authentication check and journal entry; its config and code
//! updates and its publishes go through the edge (below) to the routes' own handlers.
//! Everything else, and anything the lane declines, meets the router and these layers.
//! [`dispatch`] makes that choice for each request (the accept loop's service calls it).
//!
//! Layers, outermost first (the order requests meet them; each in [`middleware`]):
//!
//! 1. `edge`, one function for everything that runs on every request (one layer of our
//!    own, `middleware::EdgeLayer`: each layer costs at least a boxed future per request,
//!    and axum's `from_fn` also boxes the route again and wraps the future in another that
//!    doubles its size), in this order:
//!    - gives every request an id and answers `X-Request-Id` on every response;
//!    - gives it its `request` span (request id, operation, matched path; status and
//!      latency recorded on it when the response leaves), made up front only at `debug`
//!      and otherwise when something first logs inside the request (see
//!      `crate::request_span`);
//!    - answers a `Content-Length` over `server.max_body_bytes` with 413 FSS.0413 before
//!      any of the body is read; sheds more than `limits.max_concurrent_requests` in flight
//!      with an immediate 429 FSS.0429 (no queue, and before any work);
//!    - turns any error response that is not already our envelope (a framework rejection,
//!      a panic) into one, and writes the request journal before the response leaves:
//!      outermost, so nothing escapes them;
//!    - applies the `/_emulator/faults` rules (error, delay, drop, panic) to FunctionGraph
//!      requests: after the id, the limits and the journal are set up, so injected answers
//!      carry a request id, are journaled and count as in flight;
//!    - authenticates requests routed to a FunctionGraph operation (see `api::auth`; not
//!      the control plane, nor the fallback), after the faults;
//!    - catches a panic in the faults, authentication or anything below (an injected panic
//!      included) as 500 FSS.0500, its payload logged in the request's span, and the
//!      server keeps serving.
//!
//! No layer limits bodies: every body is read by `http::extract::read_limited`, which stops
//! one that grows past `server.max_body_bytes` (chunked ones included) with 413 FSS.0413;
//! axum's `DefaultBodyLimit` layer did the same for extractors we do not use, at a cost on
//! every request.
//!
//! Below them, the router: `api` (FunctionGraph), `control` (`/_emulator`), and a fallback
//! that answers 404 FSS.0404.

mod fast;
mod head_timeout;
pub mod middleware;
mod serve;

pub use fast::{Dispatched, dispatch};
pub use serve::serve;

use axum::Router;
use axum::http::{HeaderName, Method, Uri};

use crate::app_state::AppState;
use crate::error::ApiError;

/// The header that carries each request's id, on every response.
pub const REQUEST_ID: &str = "x-request-id";

/// [`REQUEST_ID`] as a header name, checked when compiling. A `const`, not a `static`: each
/// use is then a value the compiler sees whole, and it hashes the name for the header map
/// when compiling too (through a `static` it was hashed on every response).
pub(crate) const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static(REQUEST_ID);

/// The whole application: the FunctionGraph routes, the control plane, the
/// fallback, and the middleware stack described in the module docs.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::api::router())
        .nest("/_emulator", crate::control::router(state.clone()))
        .fallback(route_not_found)
        .method_not_allowed_fallback(route_not_found)
        .layer(middleware::EdgeLayer(state.clone()))
        .with_state(state)
}

/// No route answers this method and path. The real API gateway routes on method and path
/// together, so a known path with an unknown method is as unknown as any other: 404
/// FSS.0404 (not 405), as `docs/CONVENTIONS.md` records.
async fn route_not_found(method: Method, uri: Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::route_not_found(method.as_str(), &path)
}
