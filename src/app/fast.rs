//! The fast lane: the commonest calls routed before the router.
//!
//! **Why.** A cached read's own work is small: split the path, check the credential, parse
//! the project and the URN, find the function and clone its stored body, then an id and a
//! journal entry. Through the full stack it also pays for axum's routing (the match, the
//! matched path, a clone of the boxed route, the extractors) and for the edge's generic
//! machinery (a boxed future holding a request context, a span and a panic guard). On
//! loopback that made a cached show config about 0.76x of a bare axum server answering a
//! fixed body; through this lane it is about 1.0x. A write's routing is a smaller share of
//! its cost, but the same: routed here, writes went from about 0.62x to about 0.72x
//! (`docs/PERFORMANCE.md`, "Issue 14, eighth step"), and answered here rather than
//! through the edge's generic future, about 3% more.
//!
//! **Reads**, answered here, at once: `GET /v2/{project_id}/fgs/functions/{function_urn}/`
//! then `config`, `code`, `versions` or `aliases` (ShowFunctionConfig, ShowFunctionCode,
//! ListFunctionVersions' first page, ListVersionAliases), by the functions the routes call
//! (`api::functions::show_config` ...), with what the edge gives every request: an id in
//! `X-Request-Id`, a place in the in-flight limit, the authentication check and the journal
//! entry (`middleware::Arrival`). Only when the request needs nothing more; anything else
//! goes on to the router and the edge, which answer it as they answer every request:
//! - `server.fast_lane` is on, no fault rules are set, and the edge would not log a
//!   `finished` line (that needs the request's span, at `debug`);
//! - exactly `GET`, no query, no body (neither `Content-Length` nor `Transfer-Encoding`),
//!   and a path of exactly those segments with nothing percent-encoded, so the parameters
//!   are the router's without decoding;
//! - the credential needs no verifying (`api::auth::passes_unchecked`);
//! - the in-flight limit has room (else the edge answers 429);
//! - the answer is a success. Errors (a bad URN, no such function) are left to the full
//!   stack, so one place writes them; a read changes nothing, so asking twice is harmless;
//! - nothing panics (a panic is caught here, and the full stack answers).
//!
//! **Writes**, routed here: `PUT .../config`, `PUT .../code` and `POST .../versions`
//! (UpdateFunctionConfig, UpdateFunctionCode, CreateFunctionVersion) on a path the lane can
//! take as it is (no query, nothing percent-encoded, a project and a URN the route's
//! extractor accepts). Each is answered by the route's own handler, its body extracted as
//! the route extracts it. The lane replaces axum's routing and extraction; what the edge
//! gives every request it gives too, in one of two ways:
//! - answered here, with the edge's features in the edge's order (an id, a place in the
//!   in-flight limit, the request's context for any line it logs, a panic caught, the
//!   envelope for an error, the journal entry), when the edge would do nothing else for
//!   it: the conditions of a read (fast lane on, no fault rules, no `finished` line, a
//!   credential that needs no verifying), and no `Content-Length` over the body limit;
//! - otherwise through the edge itself (`middleware::edge`), which decides as for any
//!   request (faults, verification, the body limit, ...).
//!
//! A body is read once, so a write is never handed back to the router, and an error is
//! answered where the write is (the handler's envelope, as through the router).
//!
//! The lane decides nothing the full stack decides. `tests/api/fast.rs` checks that the
//! same requests, reads and writes, valid and not, get the same answers (status, headers,
//! body) and journal entries with `server.fast_lane` on and off.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequest as _, Request};
use axum::http::{Method, header};
use axum::response::{IntoResponse as _, Response};
use tower::ServiceExt as _;
use tower::util::Oneshot;

use super::REQUEST_ID_HEADER;
use super::middleware::{self, Arrival, finished_line_wanted};
use crate::api;
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::http::extract::{FunctionPath, JsonBody, OptionalJson};
use crate::request_span::{RequestContext, Route};
use crate::service::input::ListQuery;

/// A read the lane answers: the last segment of its path, its operation, and the function
/// its route calls.
struct FastRead {
    /// After `/v2/{project_id}/fgs/functions/{function_urn}/`.
    tail: &'static str,
    /// The operation, as the journal names it (checked against the OpenAPI document's in
    /// the tests).
    operation: &'static str,
    answer: fn(&AppState, &FunctionPath) -> Result<Response, ApiError>,
}

const READS: [FastRead; 4] = [
    FastRead {
        tail: "config",
        operation: "ShowFunctionConfig",
        answer: api::functions::show_config,
    },
    FastRead {
        tail: "code",
        operation: "ShowFunctionCode",
        answer: api::functions::show_code,
    },
    FastRead {
        tail: "versions",
        operation: "ListFunctionVersions",
        // The route's answer with an empty query: the first page.
        answer: |app, path| api::versions::list_versions(app, path, &ListQuery::default()),
    },
    FastRead {
        tail: "aliases",
        operation: "ListVersionAliases",
        answer: api::aliases::list_aliases,
    },
];

/// A read's answer if the lane takes it (see the module docs), else `None` and the router
/// answers it.
fn read<B>(app: &AppState, req: &axum::http::Request<B>) -> Option<Response> {
    if !app.config().server.fast_lane {
        return None;
    }
    let (project_id, function_urn, read) = route(req)?;
    // Only now: every request the lane does not take passes through here first.
    let started = Instant::now();
    if !app.faults().is_empty()
        || finished_line_wanted()
        || !api::auth::passes_unchecked(app, req.headers())
    {
        return None;
    }
    let path = FunctionPath::parse(project_id, function_urn).ok()?;
    // A borrowed permit, held while answering, as the edge holds it.
    let permit = app.in_flight().try_acquire().ok()?;
    let arrival = Arrival::new(app, req.method(), req.uri().path(), started);
    // A panic here is a bug; the full stack then answers (and catches it, if it is one
    // there too) as it would any other.
    let answered =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (read.answer)(app, &path)));
    drop(permit);
    let mut response = answered.ok()?.ok().filter(|r| r.status().is_success())?;
    let id = app.next_request_id();
    arrival.record(app, &id, Some(read.operation), &response);
    response
        .headers_mut()
        .insert(REQUEST_ID_HEADER, id.header());
    Some(response)
}

/// Answers one request as the server does: by the lane when it takes it, else by `router`
/// (`app::router` for the same state). The accept loop's service calls it for every
/// request, and `benches/stack.rs` too, to measure the path requests take.
pub fn dispatch<B>(
    app: &AppState,
    router: &axum::Router,
    req: axum::http::Request<B>,
) -> Dispatched<B>
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let lane = if let Some(response) = read(app, &req) {
        Lane::Read {
            response: Some(response),
        }
    } else if let Some(route) = write_route(app, &req) {
        Lane::Write {
            answer: write(app, req, route),
        }
    } else {
        Lane::Routed {
            answer: router.clone().oneshot(req),
        }
    };
    Dispatched { lane }
}

pin_project_lite::pin_project! {
    /// A request's answer (see [`dispatch`]): a read the lane answered, a write it
    /// answered itself or through the edge, or the router's.
    pub struct Dispatched<B>
    where
        B: http_body::Body<Data = axum::body::Bytes>,
        B: Send,
        B: 'static,
        B::Error: Into<axum::BoxError>,
    {
        #[pin]
        lane: Lane<B>,
    }
}

pin_project_lite::pin_project! {
    /// Who answers a request: the lane (a read at once, a write itself or through the
    /// edge), or the router.
    #[project = LaneProj]
    enum Lane<B>
    where
        B: http_body::Body<Data = axum::body::Bytes>,
        B: Send,
        B: 'static,
        B::Error: Into<axum::BoxError>,
    {
        Read { response: Option<Response> },
        Write { answer: Routed },
        Routed { #[pin] answer: Oneshot<axum::Router, axum::http::Request<B>> },
    }
}

impl<B> Future for Dispatched<B>
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Output = Response;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.project().lane.project() {
            // Polled once: the caller does not poll a ready future again.
            LaneProj::Read { response } => Poll::Ready(response.take().expect("polled once")),
            LaneProj::Write { answer } => match answer.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Ok(response)) => Poll::Ready(response),
                Poll::Ready(Err(never)) => match never {},
            },
            LaneProj::Routed { answer } => match answer.poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Ok(response)) => Poll::Ready(response),
                Poll::Ready(Err(never)) => match never {},
            },
        }
    }
}

/// `{project_id}`, `{function_urn}` and the read, for a request the lane can take by its
/// method, query, body and path.
fn route<B>(req: &axum::http::Request<B>) -> Option<(&str, &str, &'static FastRead)> {
    if req.method() != Method::GET
        || req.headers().contains_key(header::CONTENT_LENGTH)
        || req.headers().contains_key(header::TRANSFER_ENCODING)
    {
        return None;
    }
    let (project_id, function_urn, tail) = function_path(req)?;
    let read = READS.iter().find(|r| r.tail == tail)?;
    Some((project_id, function_urn, read))
}

/// `{project_id}`, `{function_urn}` and what follows, for a path of the form
/// `/v2/{project_id}/fgs/functions/{function_urn}/{tail}` with no query and nothing
/// percent-encoded (the router's parameters then need no decoding).
fn function_path<B>(req: &axum::http::Request<B>) -> Option<(&str, &str, &str)> {
    let uri = req.uri();
    let path = uri.path();
    if uri.query().is_some() || path.contains('%') {
        return None;
    }
    let (project_id, rest) = path.strip_prefix("/v2/")?.split_once('/')?;
    let (function_urn, tail) = rest.strip_prefix("fgs/functions/")?.split_once('/')?;
    Some((project_id, function_urn, tail))
}

/// The writes the lane routes (see the module docs).
#[derive(Clone, Copy)]
enum Write {
    UpdateConfig,
    UpdateCode,
    Publish,
}

/// A write the lane routes: its method and last path segment, its operation and route (as
/// the request's span and the journal name them), and which it is.
struct FastWrite {
    method: Method,
    tail: &'static str,
    operation: &'static str,
    route: &'static str,
    write: Write,
}

const WRITES: [FastWrite; 3] = [
    FastWrite {
        method: Method::PUT,
        tail: "config",
        operation: "UpdateFunctionConfig",
        route: "/v2/{project_id}/fgs/functions/{function_urn}/config",
        write: Write::UpdateConfig,
    },
    FastWrite {
        method: Method::PUT,
        tail: "code",
        operation: "UpdateFunctionCode",
        route: "/v2/{project_id}/fgs/functions/{function_urn}/code",
        write: Write::UpdateCode,
    },
    FastWrite {
        method: Method::POST,
        tail: "versions",
        operation: "CreateFunctionVersion",
        route: "/v2/{project_id}/fgs/functions/{function_urn}/versions",
        write: Write::Publish,
    },
];

/// A write the lane routes (see [`write_route`]): the route's parameters, parsed, and which
/// write it is.
struct WriteRoute {
    path: FunctionPath,
    write: &'static FastWrite,
}

/// Where the lane routes a write, if it routes it (else the router does). A path the
/// route's extractor would refuse is left to the router, to be refused there.
fn write_route<B>(app: &AppState, req: &axum::http::Request<B>) -> Option<WriteRoute> {
    if !app.config().server.fast_lane {
        return None;
    }
    let (project_id, function_urn, tail) = function_path(req)?;
    let write = WRITES
        .iter()
        .find(|w| w.tail == tail && w.method == req.method())?;
    let path = FunctionPath::parse(project_id, function_urn).ok()?;
    Some(WriteRoute { path, write })
}

/// The answer to a write the lane routed, boxed once (as [`middleware::Edge`] boxes the
/// edge's future): answered here ([`answered_here`]) when the request needs nothing more
/// than the lane gives it, else through the edge (`middleware::edge`).
fn write<B>(app: &AppState, req: axum::http::Request<B>, route: WriteRoute) -> Routed
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let started = Instant::now();
    let req = req.map(Body::new);
    // What the edge would do before the route (fault rules, a `finished` line's span up
    // front, a credential to verify, a body declared too long) is the edge's to do.
    if app.faults().is_empty()
        && !finished_line_wanted()
        && api::auth::passes_unchecked(app, req.headers())
        && !middleware::declared_too_long(app, req.headers())
    {
        return Box::pin(answered_here(app.clone(), req, route, started));
    }
    let WriteRoute { path, write } = route;
    let answer = {
        let app = app.clone();
        move |req| async move { answer_write(&app, path, write.write, req).await }
    };
    Box::pin(middleware::edge(
        app.clone(),
        req,
        answer,
        Some(Route::Lane(write.route)),
        Some(write.operation),
    ))
}

/// A write the lane answers itself, with what the edge gives every request (an id, a place
/// in the in-flight limit, the request's context for any line it logs, a panic caught, the
/// envelope for an error, the journal entry), in the edge's order, and nothing the edge
/// would skip for it: the edge's generic future costs a write about 3% of its throughput
/// on loopback (`docs/PERFORMANCE.md`, "Issue 14, tenth step").
async fn answered_here(
    app: AppState,
    req: Request,
    route: WriteRoute,
    started: Instant,
) -> Result<Response, std::convert::Infallible> {
    let WriteRoute { path, write } = route;
    let id = app.next_request_id();
    let arrival = Arrival::new(&app, req.method(), req.uri().path(), started);
    let context = Arc::new(RequestContext::new(
        id,
        req.method().clone(),
        Some(Route::Lane(write.route)),
        Some(write.operation),
    ));
    let response = match app.in_flight().try_acquire() {
        Ok(permit) => {
            let answer = answer_write(&app, path, write.write, req);
            let response = context.scope(middleware::catching_panics(answer)).await;
            drop(permit);
            response
        }
        Err(_) => ApiError::too_many_requests().into_response(),
    };
    let mut response = if middleware::needs_envelope(&response) {
        // Boxed: rare (the route's errors are envelopes already), as in the edge.
        Box::pin(middleware::into_envelope(response)).await
    } else {
        response
    };
    arrival.record(&app, &id, Some(write.operation), &response);
    middleware::sign_off(&mut response, id, &context, started);
    Ok(response)
}

/// The edge's future for a request the lane routed.
type Routed =
    std::pin::Pin<Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send>>;

/// What the route does once the edge lets a write through: its body extracted as the
/// route's extractor does, and the route's own handler called.
async fn answer_write(app: &AppState, path: FunctionPath, write: Write, req: Request) -> Response {
    match write {
        Write::UpdateConfig => match JsonBody::from_request(req, app).await {
            Ok(body) => api::functions::update_function_config_on(app, path, body).into_response(),
            Err(refused) => refused.into_response(),
        },
        Write::UpdateCode => match JsonBody::from_request(req, app).await {
            Ok(body) => api::functions::update_function_code_on(app, path, body).into_response(),
            Err(refused) => refused.into_response(),
        },
        Write::Publish => {
            // The route takes the body's rejection as a value: rule order decides which
            // error wins.
            let body = OptionalJson::from_request(req, app).await;
            api::versions::create_function_version_on(app, path, body).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use tower::ServiceExt as _;

    use super::*;
    use crate::clock::ControlledClock;
    use crate::config::{AuthMode, Config};

    const PROJECT: &str = "0123456789abcdef0123456789abcdef";

    fn get(path: &str) -> axum::http::Request<()> {
        axum::http::Request::get(path).body(()).unwrap()
    }

    /// An emulator's state with one function, `f`, created through the router.
    async fn state_with_a_function(config: Config) -> AppState {
        let clock = Arc::new(ControlledClock::frozen(chrono::Utc::now()));
        let app = AppState::new(config, clock).unwrap();
        let create = serde_json::json!({
            "func_name": "f", "package": "default", "runtime": "Python3.9",
            "handler": "index.handler", "memory_size": 256, "timeout": 30,
            "code_type": "inline", "func_code": {"file": "cHJpbnQoMSk="},
        });
        let req = axum::http::Request::post(format!("/v2/{PROJECT}/fgs/functions"))
            .header("x-auth-token", "t")
            .header("content-type", "application/json")
            .body(Body::from(create.to_string()))
            .unwrap();
        let created = super::super::router(app.clone())
            .oneshot(req)
            .await
            .unwrap();
        assert_eq!(created.status(), 200);
        app
    }

    /// `auth.mode = "verify"`, with one token: `t`.
    fn verify_with_token_t() -> Config {
        let mut verify = Config::default();
        verify.auth.mode = AuthMode::Verify;
        verify.auth.tokens = vec![crate::config::TokenConfig {
            value: "t".into(),
            project_ids: vec![],
        }];
        verify
    }

    fn read_of(tail: &str, token: bool) -> axum::http::Request<()> {
        let mut req = get(&format!(
            "/v2/{PROJECT}/fgs/functions/urn:fss:cn-north-4:{PROJECT}:function:default:f:latest/{tail}"
        ));
        if token {
            req.headers_mut()
                .insert("x-auth-token", axum::http::HeaderValue::from_static("t"));
        }
        req
    }

    #[tokio::test]
    async fn the_lane_answers_a_read_it_can_take_and_leaves_the_rest_to_the_router() {
        let app = state_with_a_function(Config::default()).await;
        for tail in ["config", "code", "versions", "aliases"] {
            let answered = read(&app, &read_of(tail, true)).expect(tail);
            assert_eq!(answered.status(), 200, "{tail}");
            assert!(
                answered.headers().contains_key(&REQUEST_ID_HEADER),
                "{tail}"
            );
        }
        // No credential in presence mode: the edge refuses it, not the lane.
        assert!(read(&app, &read_of("config", false)).is_none());
        // No such function: the error is the router's to write.
        let missing = get(&format!(
            "/v2/{PROJECT}/fgs/functions/urn:fss:cn-north-4:{PROJECT}:function:default:nope:latest/config"
        ));
        assert!(read(&app, &missing).is_none());

        let mut off = Config::default();
        off.server.fast_lane = false;
        let app = state_with_a_function(off).await;
        assert!(
            read(&app, &read_of("config", true)).is_none(),
            "fast_lane off"
        );

        let mut off = Config::default();
        off.auth.mode = AuthMode::Off;
        let app = state_with_a_function(off).await;
        assert!(read(&app, &read_of("config", false)).is_some(), "auth off");

        // A token to verify: the edge's (`api::auth`), even a good one.
        let app = state_with_a_function(verify_with_token_t()).await;
        assert!(
            read(&app, &read_of("config", true)).is_none(),
            "verify mode"
        );
    }

    #[test]
    fn each_read_is_the_operation_its_route_answers() {
        for read in &READS {
            let route = format!(
                "/v2/{{project_id}}/fgs/functions/{{function_urn}}/{}",
                read.tail
            );
            assert_eq!(
                api::operation_name(&Method::GET, &route),
                Some(read.operation),
                "{route}"
            );
        }
    }

    #[test]
    fn each_write_is_the_operation_its_route_answers() {
        for write in &WRITES {
            assert_eq!(
                api::operation_name(&write.method, write.route),
                Some(write.operation),
                "{}",
                write.route
            );
            assert!(write.route.ends_with(&format!("}}/{}", write.tail)));
        }
    }

    #[tokio::test]
    async fn the_lane_routes_its_three_writes_and_leaves_the_rest_to_the_router() {
        let app = state_with_a_function(Config::default()).await;
        let urn = format!("urn:fss:cn-north-4:{PROJECT}:function:default:f:latest");
        let base = format!("/v2/{PROJECT}/fgs/functions/{urn}");
        let request = |method: Method, path: String, body: &str| {
            axum::http::Request::builder()
                .method(method)
                .uri(path)
                .header("x-auth-token", "t")
                .body(Body::from(body.to_owned()))
                .unwrap()
        };
        let config =
            r#"{"handler":"index.handler","memory_size":512,"timeout":30,"runtime":"Python3.9"}"#;
        let code = r#"{"code_type":"inline","func_code":{"file":"cHJpbnQoMik="}}"#;
        for (method, tail, body) in [
            (Method::PUT, "config", config),
            (Method::PUT, "code", code),
            (Method::POST, "versions", r#"{"version":"v1"}"#),
        ] {
            let req = request(method.clone(), format!("{base}/{tail}"), body);
            let route = write_route(&app, &req).unwrap_or_else(|| panic!("{method} {tail}"));
            let answered = write(&app, req, route).await.unwrap();
            assert_eq!(answered.status(), 200, "{method} {tail}");
            assert!(
                answered.headers().contains_key(&REQUEST_ID_HEADER),
                "{tail}"
            );
        }
        for (method, path) in [
            (Method::POST, format!("{base}/config")),
            (Method::PUT, format!("{base}/versions")),
            (Method::PUT, format!("{base}/config?x=1")),
            (
                Method::PUT,
                format!("/v2/{PROJECT}/fgs/functions/urn%3Afss/config"),
            ),
            (
                Method::PUT,
                format!("/v2/{PROJECT}/fgs/functions/not:a:urn:at:all:x:y:z/config"),
            ),
            (Method::POST, format!("/v2/{PROJECT}/fgs/functions")),
        ] {
            let req = request(method.clone(), path.clone(), "{}");
            assert!(write_route(&app, &req).is_none(), "{method} {path}");
        }
        let mut off = Config::default();
        off.server.fast_lane = false;
        let app = state_with_a_function(off).await;
        let req = request(Method::PUT, format!("{base}/config"), config);
        assert!(write_route(&app, &req).is_none(), "fast_lane off");

        // The edge checks what the lane routes: in verify mode, a token not listed is
        // refused before the handler runs.
        let app = state_with_a_function(verify_with_token_t()).await;
        for (token, status) in [("t", 200), ("not-listed", 401)] {
            let mut req = request(Method::PUT, format!("{base}/config"), config);
            req.headers_mut()
                .insert("x-auth-token", axum::http::HeaderValue::from_static(token));
            let route = write_route(&app, &req).expect("the lane's");
            let answered = write(&app, req, route).await.unwrap();
            assert_eq!(answered.status(), status, "token {token}");
        }
    }

    #[test]
    fn the_lane_takes_only_plain_gets_of_its_four_paths() {
        let base = "/v2/p1/fgs/functions/urn:fss:r:p1:function:default:f:latest";
        for tail in ["config", "code", "versions", "aliases"] {
            let req = get(&format!("{base}/{tail}"));
            let (project, urn, read) = route(&req).expect(tail);
            assert_eq!(
                (project, urn, read.tail),
                ("p1", "urn:fss:r:p1:function:default:f:latest", tail)
            );
        }
        // Everything else goes on to the router.
        for path in [
            format!("{base}/config/"),
            format!("{base}/config?x=1"),
            format!("{base}/versions?maxitems=1"),
            format!("{base}/aliases/live"),
            format!("{base}/invocations"),
            format!("{base}/Config"),
            base.to_owned(),
            "/v2/p1/fgs/functions/urn%3Afss/config".to_owned(),
            "/v2/p1/fgs/functions/config".to_owned(),
            "/v2/p1/fgs/function/x/config".to_owned(),
            "/v1/p1/fgs/functions/x/config".to_owned(),
            "/_emulator/health".to_owned(),
        ] {
            assert!(route(&get(&path)).is_none(), "{path}");
        }
        let head = axum::http::Request::head(format!("{base}/config"))
            .body(())
            .unwrap();
        assert!(route(&head).is_none(), "HEAD");
        let with_body = axum::http::Request::get(format!("{base}/config"))
            .header("content-length", "2")
            .body(())
            .unwrap();
        assert!(route(&with_body).is_none(), "a body");
    }
}
