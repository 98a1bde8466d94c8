//! The `request` span: what every log line a request causes carries (request id, method,
//! matched route, operation; status and latency once answered).
//!
//! Building a span costs the subscriber work on every request (a slot in the registry, the
//! fields formatted, the filter consulted on each enter and exit): about 3 us, more than the
//! rest of a cached read. So the edge builds it up front only when a line that is always
//! inside it is wanted (the `finished` line, at `debug`); otherwise it keeps what the span
//! would say in a task-local [`RequestContext`], and the few places that log inside a
//! request at `info` or above (a panic, an internal error's cause, a refused signature, a
//! state file failure) make the span when they first need it, through [`in_request_span`].
//! Either way the lines look the same.

use std::sync::{Arc, OnceLock};

use axum::extract::MatchedPath;
use axum::http::{HeaderValue, Method};
use tracing::Span;

use crate::journal::RequestId;

tokio::task_local! {
    static REQUEST: Arc<RequestContext>;
}

/// The route a request took, as its span names it: the path template axum matched, or the
/// one the fast lane (`app::fast`) took it by.
#[derive(Clone)]
pub enum Route {
    /// Routed by axum.
    Matched(MatchedPath),
    /// Taken by the fast lane: the same template as the route's.
    Lane(&'static str),
}

impl Route {
    /// The path template, as `/v2/{project_id}/fgs/functions/{function_urn}/config`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Matched(m) => m.as_str(),
            Self::Lane(template) => template,
        }
    }
}

/// What the span of one request says about it, kept until (if ever) the span is made.
pub struct RequestContext {
    id: RequestId,
    method: Method,
    route: Option<Route>,
    operation: Option<&'static str>,
    span: OnceLock<Span>,
}

impl RequestContext {
    /// The context of a request, with its span not made yet.
    pub fn new(
        id: RequestId,
        method: Method,
        route: Option<Route>,
        operation: Option<&'static str>,
    ) -> Self {
        Self {
            id,
            method,
            route,
            operation,
            span: OnceLock::new(),
        }
    }

    /// The request's span, made on the first call.
    pub fn span(&self) -> Span {
        self.span
            .get_or_init(|| {
                tracing::info_span!(
                    "request",
                    id = self.id.as_str(),
                    method = %self.method,
                    route = self.route.as_ref().map_or("", Route::as_str),
                    operation = self.operation.unwrap_or(""),
                    status = tracing::field::Empty,
                    latency_ms = tracing::field::Empty,
                )
            })
            .clone()
    }

    /// The span, if it was made.
    pub fn made(&self) -> Option<&Span> {
        self.span.get()
    }

    /// Runs `fut` with this context as the current request's (see [`in_request_span`]).
    ///
    /// Not an `async fn`: one would hold `fut` twice (as its argument and inside the
    /// task-local future it awaits), doubling the size of every request's future, which
    /// is moved and copied on each request.
    pub fn scope<F: Future>(self: &Arc<Self>, fut: F) -> impl Future<Output = F::Output> {
        REQUEST.scope(self.clone(), fut)
    }
}

/// The current request's id (what its `X-Request-Id` will say), inside a request.
pub fn current_request_id() -> Option<HeaderValue> {
    REQUEST.try_with(|r| r.id.header()).ok()
}

/// Runs `log` (a `tracing` event) inside the current request's span, making the span if it
/// was not made yet; outside a request, just runs it.
pub fn in_request_span<T>(log: impl FnOnce() -> T) -> T {
    match REQUEST.try_with(|r| r.span()) {
        Ok(span) if span != Span::current() => span.in_scope(log),
        _ => log(),
    }
}
