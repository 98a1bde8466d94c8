//! The middleware functions of the stack `app` builds, in the order requests meet them
//! (see the `app` module docs for why that order).

use std::time::Instant;

use std::sync::Arc;

use tower::{Layer, Service, ServiceExt as _};
use tracing::Instrument as _;

use std::convert::Infallible;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::REQUEST_ID_HEADER;
use crate::app_state::AppState;
use crate::clock::Clock;
use crate::error::{ApiError, EnvelopeWritten, ErrorCode};
use crate::faults::{Action, Probe};
use crate::journal::{Entry, RequestId};
use crate::request_span::{RequestContext, Route, in_request_span};

/// A panic below the edge (see [`catching_panics`]): logged with its message (inside the request's span, so
/// with the request id, method and path), answered 500 FSS.0500 without internals.
pub(crate) fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a payload that is not text)");
    in_request_span(|| {
        tracing::error!(panic = message, "a handler panicked; answered 500 FSS.0500")
    });
    ApiError::new(ErrorCode::Internal).into_response()
}

fn is_control_plane(path: &str) -> bool {
    path.starts_with("/_emulator")
}

/// The edge of every request (the first layer, see the module docs): request id, the
/// oversized-body check, the in-flight limit, the envelope for any error, and the journal.
/// One function rather than a layer each, because each layer costs at least a boxed
/// future per request and this runs on every one.
///
/// Every request has one `request` span: request id, method, matched route and operation
/// when it arrives, status and latency when it leaves, so every log line a request causes
/// (a panic, an internal error's cause) carries them, in both log formats.
/// `RUST_LOG=fgs_emulator=debug` adds one `finished` line per request. The span is made up
/// front only then; otherwise when the first line inside it is logged (see
/// [`crate::request_span`]): most requests log nothing and never pay for it.
///
/// `route` and `operation` say where the request was routed, and `answer` answers it once
/// the edge lets it through: the route, when axum routed it ([`Edge`]); the route's
/// function, when the fast lane did (`app::fast`).
pub(super) async fn edge<A, F>(
    app: AppState,
    req: Request,
    answer: A,
    route: Option<Route>,
    operation: Option<&'static str>,
) -> Result<Response, Infallible>
where
    A: FnOnce(Request) -> F,
    F: Future<Output = Response>,
{
    let id = app.next_request_id();
    let started = Instant::now();
    let context = Arc::new(RequestContext::new(
        id,
        req.method().clone(),
        route,
        operation,
    ));
    let finished_wanted = finished_line_wanted();
    let journal = (!is_control_plane(req.uri().path()))
        .then(|| Arrival::new(&app, req.method(), req.uri().path(), started));
    let response = if let Some(refused) = oversized(&app, &req) {
        refused
    } else {
        // try_acquire, not acquire: an overloaded emulator answers at once, no queue. A
        // borrowed permit: an owned one costs two more atomic operations on a counter both
        // cores share, on every request.
        match app.in_flight().try_acquire() {
            Ok(permit) => {
                // One await either way (two would give the future a slot for each): a
                // span that was not made is `Span::none()`, which costs nothing to enter.
                let span = if finished_wanted {
                    context.span()
                } else {
                    tracing::Span::none()
                };
                let response = context
                    .scope(catching_panics(below_edge(&app, req, answer, operation)))
                    .instrument(span)
                    .await;
                drop(permit);
                response
            }
            Err(_) => ApiError::too_many_requests().into_response(),
        }
    };
    let mut response = if needs_envelope(&response) {
        // Boxed: rare, and its state (a body being read) would otherwise be part of every
        // request's future.
        context.scope(Box::pin(into_envelope(response))).await
    } else {
        response
    };
    if let Some(arrival) = journal {
        arrival.record(&app, &id, operation, &response);
    }
    sign_off(&mut response, id, &context, started);
    Ok(response)
}

/// The last of what the edge does for every request (and the fast lane for a write it
/// answers itself): the id in `X-Request-Id`, and, if the request's span was made (up
/// front for the `finished` line, or by something logged inside), its status, its latency
/// and the `finished` line.
pub(super) fn sign_off(
    response: &mut Response,
    id: RequestId,
    context: &RequestContext,
    started: Instant,
) {
    response
        .headers_mut()
        .insert(REQUEST_ID_HEADER, id.header());
    if let Some(span) = context.made() {
        span.record("status", response.status().as_u16());
        span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
        span.in_scope(|| tracing::debug!("finished"));
    }
}

/// Whether the edge logs a `finished` line for each request (`debug` for this module), and
/// so makes every request's span up front.
pub(super) fn finished_line_wanted() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}

/// The layer that puts [`edge`] in front of every route (`app::router`).
///
/// Our own rather than `axum::middleware::from_fn`: that one boxes the inner service and
/// clones the box on every request, and wraps the function's future in another that holds
/// the request's parts beside it (about 3 KB moved per request, more than the rest of a
/// cached read copies). Here the route is cloned once per request, unboxed, and the edge's
/// future is the only one boxed.
#[derive(Clone)]
pub(crate) struct EdgeLayer(pub(crate) AppState);

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            app: self.0.clone(),
        }
    }
}

/// A route behind [`edge`] (see [`EdgeLayer`]).
#[derive(Clone)]
pub(crate) struct Edge<S> {
    inner: S,
    app: AppState,
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        // Readiness is the route's, checked where it is called (`oneshot` in `routed`).
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let route = req.extensions().get::<MatchedPath>().cloned();
        let operation = route
            .as_ref()
            .and_then(|route| crate::api::operation_name(req.method(), route.as_str()));
        let inner = self.inner.clone();
        Box::pin(edge(
            self.app.clone(),
            req,
            move |req| routed(inner, req),
            route.map(Route::Matched),
            operation,
        ))
    }
}

/// The route's answer (`Edge`'s `answer`).
async fn routed<S>(route: S, req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    match route.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// What the journal keeps of a FunctionGraph request from its arrival until it is
/// answered (the edge's, and the fast lane's: `app::fast`).
pub(super) struct Arrival {
    at: chrono::DateTime<chrono::Utc>,
    started: Instant,
    method: Method,
    path: String,
}

impl Arrival {
    pub(super) fn new(app: &AppState, method: &Method, path: &str, started: Instant) -> Self {
        Self {
            at: app.clock().now(),
            started,
            method: method.clone(),
            // Bounded: a 100 KB path is refused elsewhere but should not fill the journal.
            path: bounded_path(path),
        }
    }

    /// The journal's entry for the request, now that `response` answers it.
    pub(super) fn record(
        self,
        app: &AppState,
        id: &RequestId,
        operation: Option<&'static str>,
        response: &Response,
    ) {
        let finished = Instant::now();
        app.journal().record(
            Entry {
                time: crate::clock::local(self.at, app.service().settings().utc_offset),
                request_id: *id,
                method: self.method,
                path: self.path,
                operation,
                status: response.status().as_u16(),
                error_code: response.extensions().get::<EnvelopeWritten>().map(|e| e.0),
                duration_ms: (finished - self.started).as_secs_f64() * 1000.0,
                version: response
                    .extensions()
                    .get::<crate::journal::ServedVersion>()
                    .map(|v| v.0.clone()),
            },
            finished,
        );
    }
}

/// The path for the journal, cut at 1,024 characters.
fn bounded_path(path: &str) -> String {
    // No more bytes than the limit in characters: nothing to count (the usual case).
    if path.len() <= 1024 {
        return path.to_owned();
    }
    match path.char_indices().nth(1024) {
        Some((cut, _)) => path[..cut].to_owned(),
        None => path.to_owned(),
    }
}

/// 413 FSS.0413 for a `Content-Length` over `server.max_body_bytes`, before any of the
/// body is read. (A chunked body that grows past it is stopped where bodies are read:
/// `http::extract::read_limited`.)
fn oversized(app: &AppState, req: &Request) -> Option<Response> {
    declared_too_long(app, req.headers())
        .then(|| ApiError::body_too_large(app.config().server.max_body_bytes).into_response())
}

/// Whether the request declares a `Content-Length` over `server.max_body_bytes`.
pub(super) fn declared_too_long(app: &AppState, headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|declared| declared > app.config().server.max_body_bytes)
}

/// What the edge runs for a request it admitted, in order: the fault rules (FunctionGraph
/// requests only, never the control plane; the rules' lock is released before a delay
/// starts), then authentication (the FunctionGraph routes only, see [`crate::api::auth`]),
/// then the answer (the route, or the fast lane's function). In the edge rather than a
/// `from_fn` layer each, because each such layer costs a boxed future, a clone of the inner
/// service and of the state per request.
async fn below_edge<A, F>(
    app: &AppState,
    req: Request,
    answer: A,
    operation: Option<&'static str>,
) -> Response
where
    A: FnOnce(Request) -> F,
    F: Future<Output = Response>,
{
    let path = req.uri().path();
    // No rules (the usual case): nothing to match, no lock taken, nothing allocated.
    if !app.faults().is_empty() && !is_control_plane(path) {
        let project = crate::http::path_project(path);
        let action = app.faults().check(&Probe {
            operation,
            method: req.method().as_str(),
            path,
            project: project.as_deref(),
        });
        match action {
            None => {}
            Some(Action::Error {
                status,
                error_code,
                error_msg,
            }) => return injected_error(status, &error_code, &error_msg),
            Some(Action::Delay { delay_ms }) => {
                // Boxed, as the edge's other rare states: see `edge`.
                Box::pin(tokio::time::sleep(std::time::Duration::from_millis(
                    delay_ms,
                )))
                .await;
            }
            Some(Action::Drop) => return dropped_connection(),
            Some(Action::Panic) => panic!("injected fault: panic"),
        }
    }
    let req = if behind_auth(&req, operation) {
        match crate::api::auth::check(app, req).await {
            Ok(req) => req,
            Err(refused) => return refused,
        }
    } else {
        req
    };
    answer(req).await
}

/// Whether a request was routed to a FunctionGraph operation, and so must be authenticated:
/// every FunctionGraph route is a documented operation; a `HEAD` is answered by the `GET`
/// route of its path. The control plane, the fallback and a method no route answers are not.
fn behind_auth(req: &Request, operation: Option<&'static str>) -> bool {
    operation.is_some()
        || (req.method() == Method::HEAD
            && req
                .extensions()
                .get::<MatchedPath>()
                .and_then(|route| crate::api::operation_name(&Method::GET, route.as_str()))
                .is_some())
}

pin_project_lite::pin_project! {
    /// Runs `inner`, turning a panic in it (an injected one, or a handler's) into 500
    /// FSS.0500 with [`panic_response`], so the server keeps serving.
    ///
    /// A future type rather than an `async fn`: an `async fn` taking `inner` holds it twice
    /// (its argument and the pinned copy it polls), and this wraps every request's future.
    pub(super) struct CatchingPanics<F> {
        #[pin]
        inner: F,
    }
}

pub(super) fn catching_panics<F: Future<Output = Response>>(inner: F) -> CatchingPanics<F> {
    CatchingPanics { inner }
}

impl<F: Future<Output = Response>> Future for CatchingPanics<F> {
    type Output = Response;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Response> {
        let inner = self.project().inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            // The caller does not poll a ready future again.
            Err(payload) => std::task::Poll::Ready(panic_response(payload)),
        }
    }
}

/// An injected error: the envelope with the rule's status, code and message.
fn injected_error(status: u16, code: &str, msg: &str) -> Response {
    let body = serde_json::json!({"error_code": code, "error_msg": msg}).to_string();
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Leaked once per distinct code a rule names, so the journal can keep a `&'static str`.
    response
        .extensions_mut()
        .insert(EnvelopeWritten(intern_code(code)));
    response
}

/// Interns fault codes (a handful per run) as `&'static str`.
fn intern_code(code: &str) -> &'static str {
    static CODES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut codes = CODES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = codes.iter().find(|c| **c == code) {
        return c;
    }
    let leaked: &'static str = Box::leak(code.to_owned().into_boxed_str());
    codes.push(leaked);
    leaked
}

/// A response whose body fails at once: hyper then closes the connection without sending
/// a complete answer, which is what a client sees when a server drops it.
fn dropped_connection() -> Response {
    struct Failing;
    impl http_body::Body for Failing {
        type Data = axum::body::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            std::task::Poll::Ready(Some(Err(std::io::Error::other("fault: drop"))))
        }
    }
    Response::new(axum::body::Body::new(Failing))
}

/// Whether `response` is an error that is not our envelope yet (see [`into_envelope`]).
pub(super) fn needs_envelope(response: &Response) -> bool {
    response.status().as_u16() >= 400 && response.extensions().get::<EnvelopeWritten>().is_none()
}

/// Rewrites an error response that is not our envelope (a plain-text rejection from an
/// extractor we do not wrap, say) into one, keeping its status.
pub(super) async fn into_envelope(response: Response) -> Response {
    let status = response.status();
    let code = match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => ErrorCode::RouteNotFound,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
        StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyRequests,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::InvalidParameter,
    };
    let text = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .filter(|t| !t.is_empty() && !code.status().is_server_error());
    let error = match text {
        Some(t) => ApiError::detailed(code, t),
        None => ApiError::new(code),
    };
    let mut response = error.into_response();
    *response.status_mut() = status;
    response
}
