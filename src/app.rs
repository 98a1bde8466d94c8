//! The one place that builds the application: state, router, and the middleware stack.
//!
//! Layers, outermost first (the order requests meet them):
//!
//! 1. `edge`: gives every request an id and answers `X-Request-Id` on every response;
//!    answers a `Content-Length` over `server.max_body_bytes` with 413 FSS.0413 before any
//!    of the body is read; sheds more than `limits.max_concurrent_requests` in flight with
//!    an immediate 429 FSS.0429 (no queue, and before any work); turns any error response
//!    that is not already our envelope (a framework rejection, a panic) into one; writes
//!    the request journal before the response leaves. Outermost, so nothing escapes it.
//! 2. `CatchPanicLayer`: a panic below becomes 500 FSS.0500 and the server keeps serving.
//! 3. `inject_faults`: the `/_emulator/faults` rules (error, delay, drop, panic): inside
//!    `edge`, so injected answers carry a request id, are journaled and count as in
//!    flight; inside the panic layer, so an injected panic is caught like any other.
//! 4. `TraceLayer`: one span per request (`RUST_LOG=tower_http=debug` shows them).
//! 5. `DefaultBodyLimit`: stops a chunked body that grows past `server.max_body_bytes`.
//! 6. `authenticate` (route layer on the FunctionGraph routes only, see `api::auth`).
//!
//! Below them, the router: `api` (FunctionGraph), `control` (`/_emulator`), and a fallback
//! that answers 404 FSS.0404.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use axum::extract::MatchedPath;

use crate::clock::{Clock, ControlledClock};
use crate::config::Config;
use crate::control::faults::{Action, Faults, Probe};
use crate::control::journal::{Entry, Journal};
use crate::domain::ProjectId;
use crate::error::{ApiError, EnvelopeWritten, ErrorCode};
use crate::persist::{StateFile, StateFileError};
use crate::random::Rng;
use crate::service::input::{FuncCodeBody, FunctionBody, encode_code};
use crate::service::{Service, Settings};
use crate::state::DocumentError;
use crate::store::Store;

/// The header that carries each request's id, on every response.
pub const REQUEST_ID: &str = "x-request-id";

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<AppInner>,
}

struct AppInner {
    config: Config,
    service: Service,
    clock: Arc<ControlledClock>,
    rng: Arc<Rng>,
    request_ids: Rng,
    in_flight: Arc<Semaphore>,
    journal: Journal,
    faults: Faults,
    invoker: crate::invoke::Invoker,
    started: Instant,
}

/// The request's id, as `X-Request-Id` will carry it: put in the request's extensions by
/// `edge` so a handler can repeat it (invocations answer it as `X-Cff-Request-Id`).
#[derive(Debug, Clone)]
pub struct RequestId(pub HeaderValue);

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A `[[functions]]` seed is invalid or its code file cannot be read.
    #[error("config functions[{index}] ({name}): {message}")]
    Seed {
        /// Position in the config.
        index: usize,
        /// The seed's function name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// The state file could not be read or written.
    #[error("{0}")]
    StateFile(#[from] StateFileError),
    /// The state file holds a document that does not validate.
    #[error("state file: {0}")]
    StateDocument(#[from] DocumentError),
    /// `[invoke]` refuses to start (see `Invoker::new`).
    #[error("{0}")]
    Invoke(String),
    /// The listener could not be bound or served.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Builds the state from a validated config and a clock. With a state file, the state
    /// is loaded from it (seeds apply only when it is new or empty) and the file is
    /// compacted; otherwise the seeded functions are created.
    pub fn new(config: Config, clock: Arc<ControlledClock>) -> Result<Self, StartError> {
        let rng = Arc::new(match config.control.seed {
            Some(seed) => Rng::seeded(seed),
            None => Rng::from_entropy(),
        });
        let service = Service::new(
            Store::new(),
            clock.clone() as Arc<dyn Clock>,
            Settings::from_config(&config),
            rng.clone(),
        );
        // Request ids follow control.seed too, so a deterministic run repeats its headers.
        let request_ids = match config.control.seed {
            Some(seed) => Rng::seeded(seed ^ 0x05EE_D1D5),
            None => Rng::from_entropy(),
        };
        let invoker = crate::invoke::Invoker::new(
            &config,
            service.store().clone(),
            clock.clone() as Arc<dyn Clock>,
        )
        .map_err(StartError::Invoke)?;
        let state = Self {
            inner: Arc::new(AppInner {
                invoker,
                in_flight: Arc::new(Semaphore::new(config.limits.max_concurrent_requests)),
                journal: Journal::new(config.control.journal_size),
                faults: Faults::default(),
                config,
                service,
                clock,
                rng,
                request_ids,
                started: Instant::now(),
            }),
        };
        let store = state.service().store();
        match state.config().state.file.clone() {
            Some(path) => {
                match crate::persist::load(&path)? {
                    Some(doc) => store.replace_all(doc.into_records()?)?,
                    None => seed(state.config(), state.service())?,
                }
                let file = StateFile::create(&path, &store.all_functions())?;
                store.set_persist(Arc::new(file));
            }
            None => seed(state.config(), state.service())?,
        }
        state.known_projects();
        Ok(state)
    }

    /// Known projects exist from the start, so their region applies to the first request.
    fn known_projects(&self) {
        for id in self.service().settings().projects.keys() {
            self.service().project(id);
        }
    }

    /// Back to the seeded state (`POST /_emulator/reset`): the config's `[[functions]]`
    /// are built aside, then replace everything in one step (and in the state file). With
    /// `control.seed`, generated values start their sequence again.
    pub fn reset(&self) -> Result<usize, ApiError> {
        if let Some(seed) = self.config().control.seed {
            self.inner.rng.reseed(seed);
        }
        let scratch = Service::new(
            Store::new(),
            self.inner.clock.clone() as Arc<dyn Clock>,
            self.service().settings().clone(),
            self.inner.rng.clone(),
        );
        seed(self.config(), &scratch).map_err(|e| {
            ApiError::with_message(ErrorCode::Internal, format!("Internal server error: {e}"))
        })?;
        let records = scratch.store().all_functions();
        let n = records.len();
        self.service().store().replace_all(records)?;
        self.invoker().reset();
        Ok(n)
    }

    /// The request journal.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// The fault rules.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// The invocation engine.
    pub fn invoker(&self) -> &crate::invoke::Invoker {
        &self.inner.invoker
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The service (every rule).
    pub fn service(&self) -> &Service {
        &self.inner.service
    }

    /// The emulator's clock.
    pub fn clock(&self) -> &Arc<ControlledClock> {
        &self.inner.clock
    }

    /// How long this emulator has been up.
    pub fn uptime(&self) -> std::time::Duration {
        self.inner.started.elapsed()
    }

    fn next_request_id(&self) -> HeaderValue {
        // 32 lowercase hex digits, like the service's request ids; written by hand because
        // this runs on every request.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut id = [0u8; 32];
        let words = [
            self.inner.request_ids.next_u64(),
            self.inner.request_ids.next_u64(),
        ];
        for (i, byte) in id.iter_mut().enumerate() {
            let word = words[i / 16];
            *byte = HEX[((word >> (60 - 4 * (i % 16))) & 0xf) as usize];
        }
        HeaderValue::from_bytes(&id).expect("hex is a valid header value")
    }
}

/// Creates the `[[functions]]` from config in `service`, through the same rules as
/// CreateFunction.
fn seed(config: &Config, service: &Service) -> Result<(), StartError> {
    for (index, seed) in config.functions.iter().enumerate() {
        let fail = |message: String| StartError::Seed {
            index,
            name: seed.func_name.clone(),
            message,
        };
        let bytes = match (&seed.code, &seed.code_file) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(path)) => std::fs::read(path)
                .map_err(|e| fail(format!("cannot read code_file {}: {e}", path.display())))?,
            (None, None) => Vec::new(),
        };
        let project = seed
            .project
            .clone()
            .or_else(|| config.projects.first().map(|p| p.id.clone()))
            .unwrap_or_default();
        let project = ProjectId::parse(&project).map_err(|e| fail(e.to_string()))?;
        let body = FunctionBody {
            func_name: Some(seed.func_name.clone()),
            package: Some(seed.package.clone()),
            runtime: Some(seed.runtime.clone()),
            handler: Some(seed.handler.clone()),
            memory_size: Some(seed.memory_size),
            timeout: Some(seed.timeout),
            code_type: Some(seed.code_type.clone()),
            code_filename: seed.code_filename.clone(),
            func_code: Some(FuncCodeBody {
                file: Some(encode_code(&bytes)),
                link: None,
            }),
            description: Some(seed.description.clone()),
            user_data: Some(seed.user_data.clone()),
            ..Default::default()
        };
        let input = body
            .parse_create(&config.limits)
            .map_err(|e| fail(e.to_string()))?;
        service
            .create_function(&project, input)
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
}

/// The whole application: the FunctionGraph routes (behind auth), the control plane, the
/// fallback, and the middleware stack described in the module docs.
pub fn router(state: AppState) -> Router {
    let api = crate::api::router().route_layer(middleware::from_fn_with_state(
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
                .layer(middleware::from_fn_with_state(state.clone(), edge))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(middleware::from_fn_with_state(state.clone(), inject_faults))
                .layer(TraceLayer::new_for_http())
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

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked; answered 500 FSS.0500");
    ApiError::new(ErrorCode::Internal).into_response()
}

/// The operation a request was routed to, if any (from axum's `MatchedPath`).
fn operation_of(req: &Request) -> Option<&'static str> {
    let route = req.extensions().get::<MatchedPath>()?;
    crate::api::operation_name(req.method(), route.as_str())
}

fn is_control_plane(path: &str) -> bool {
    path.starts_with("/_emulator")
}

/// The edge of every request (the first layer, see the module docs): request id, the
/// oversized-body check, the in-flight limit, the envelope for any error, and the journal.
/// One function rather than a layer each, because each `from_fn` layer costs a boxed
/// future per request and this runs on every one.
async fn edge(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = app.next_request_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let journal = (!is_control_plane(req.uri().path())).then(|| {
        (
            app.clock().now(),
            req.method().to_string(),
            // Bounded: a 100 KB path is refused elsewhere but should not fill the journal.
            req.uri().path().chars().take(1024).collect::<String>(),
            operation_of(&req),
        )
    });
    let response = if let Some(refused) = oversized(&app, &req) {
        refused
    } else {
        // try_acquire, not acquire: an overloaded emulator answers at once, no queue.
        match app.inner.in_flight.clone().try_acquire_owned() {
            Ok(permit) => {
                let response = next.run(req).await;
                drop(permit);
                response
            }
            Err(_) => ApiError::new(ErrorCode::TooManyRequests).into_response(),
        }
    };
    let mut response = into_envelope(response).await;
    if let Some((arrived, method, path, operation)) = journal {
        app.journal().record(Entry {
            time: crate::clock::local(arrived, app.service().settings().utc_offset),
            request_id: id.to_str().unwrap_or_default().to_owned(),
            method,
            path,
            operation,
            status: response.status().as_u16(),
            error_code: response.extensions().get::<EnvelopeWritten>().map(|e| e.0),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            version: response
                .extensions()
                .get::<crate::control::journal::ServedVersion>()
                .map(|v| v.0.clone()),
        });
    }
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// 413 FSS.0413 for a `Content-Length` over `server.max_body_bytes`, before any of the
/// body is read. (A chunked body that grows past it is stopped by `DefaultBodyLimit`.)
fn oversized(app: &AppState, req: &Request) -> Option<Response> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())?;
    let max = app.config().server.max_body_bytes;
    (declared > max).then(|| {
        ApiError::with_message(
            ErrorCode::BodyTooLarge,
            format!("The request body is too large: at most {max} bytes."),
        )
        .into_response()
    })
}

/// Applies the fault rules to FunctionGraph requests (never to the control plane). The
/// rules' lock is released before a delay starts.
async fn inject_faults(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if is_control_plane(path) {
        return next.run(req).await;
    }
    let project = path
        .strip_prefix("/v2/")
        .and_then(|rest| rest.split('/').next());
    let action = app.faults().check(&Probe {
        operation: operation_of(&req),
        method: req.method().as_str(),
        path,
        project,
    });
    match action {
        None => next.run(req).await,
        Some(Action::Error {
            status,
            error_code,
            error_msg,
        }) => injected_error(status, &error_code, &error_msg),
        Some(Action::Delay { delay_ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            next.run(req).await
        }
        Some(Action::Drop) => dropped_connection(),
        Some(Action::Panic) => panic!("injected fault: panic"),
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

/// Rewrites an error response that is not our envelope (axum's plain-text rejections, a
/// tower-http 413) into one, keeping its status.
async fn into_envelope(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 || response.extensions().get::<EnvelopeWritten>().is_some() {
        return response;
    }
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
        Some(t) => ApiError::with_message(code, format!("{} {t}", code.default_message())),
        None => ApiError::new(code),
    };
    let mut response = error.into_response();
    *response.status_mut() = status;
    response
}

/// Serves `state` on `listener` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish (for up to 10 seconds) and returns.
///
/// The accept loop is ours rather than `axum::serve` because `axum::serve` cannot bound
/// how long a client may take to send its headers: here hyper closes a connection whose
/// headers do not arrive within `server.header_timeout_seconds`, so stalled (slowloris)
/// connections are dropped instead of held forever. Each connection is its own task, so a
/// stalled one never delays another.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let header_timeout =
        std::time::Duration::from_secs(state.config().server.header_timeout_seconds);
    let router = router(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(router.clone());
                let connection = http.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10 s; stopping anyway");
    }
    Ok(())
}
