//! The one place that builds the application: state, router, and the middleware stack.
//!
//! Layers, outermost first (the order requests meet them):
//!
//! 1. `request_context`: gives every request an id, answers `X-Request-Id` on every
//!    response, and turns any error response that is not already our JSON envelope (a
//!    framework rejection, a 405, a panic) into one. Outermost, so nothing escapes it.
//! 2. `TraceLayer`: one span per request (`RUST_LOG=tower_http=debug` shows them).
//! 3. `CatchPanicLayer`: a handler panic becomes 500 FSS.0500 and the server keeps serving.
//! 4. `body_limit`: a `Content-Length` over `server.max_body_bytes` is answered 413
//!    FSS.0413 before the body is read; `DefaultBodyLimit` stops a chunked body that grows
//!    past it.
//! 5. `concurrency_limit`: more than `limits.max_concurrent_requests` in flight get an
//!    immediate 429 FSS.0429 rather than a queue.
//! 6. `authenticate` (route layer on the FunctionGraph routes only, see `api::auth`).

use std::future::Future;
use std::net::SocketAddr;
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

use crate::clock::{Clock, ControlledClock};
use crate::config::Config;
use crate::domain::ProjectId;
use crate::error::{ApiError, EnvelopeWritten, ErrorCode};
use crate::random::Rng;
use crate::service::input::{FuncCodeBody, FunctionBody, encode_code};
use crate::service::{Service, Settings};
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
    request_ids: Rng,
    in_flight: Arc<Semaphore>,
    started: Instant,
}

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
    /// The listener could not be bound or served.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Builds the state from a validated config and a clock, and creates the seeded
    /// functions.
    pub fn new(config: Config, clock: Arc<ControlledClock>) -> Result<Self, StartError> {
        let rng = Arc::new(match config.control.seed {
            Some(seed) => Rng::seeded(seed),
            None => Rng::from_entropy(),
        });
        let service = Service::new(
            Store::new(),
            clock.clone() as Arc<dyn Clock>,
            Settings::from_config(&config),
            rng,
        );
        let state = Self {
            inner: Arc::new(AppInner {
                in_flight: Arc::new(Semaphore::new(config.limits.max_concurrent_requests)),
                config,
                service,
                clock,
                request_ids: Rng::from_entropy(),
                started: Instant::now(),
            }),
        };
        state.seed()?;
        Ok(state)
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
        let id = format!(
            "{:016x}{:016x}",
            self.inner.request_ids.next_u64(),
            self.inner.request_ids.next_u64()
        );
        HeaderValue::from_str(&id).expect("hex is a valid header value")
    }

    /// Creates the `[[functions]]` from config, through the same rules as CreateFunction.
    fn seed(&self) -> Result<(), StartError> {
        let config = &self.inner.config;
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
            self.service()
                .create_function(&project, input)
                .map_err(|e| fail(e.to_string()))?;
        }
        // Known projects exist from the start, so their region applies to the first request.
        for p in &self.service().settings().projects {
            self.service().project(p.0);
        }
        Ok(())
    }
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
        .nest("/_emulator", crate::control::router())
        .fallback(route_not_found)
        .method_not_allowed_fallback(route_not_found)
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    request_context,
                ))
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(middleware::from_fn_with_state(state.clone(), body_limit))
                .layer(DefaultBodyLimit::max(max_body))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    concurrency_limit,
                )),
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

async fn request_context(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let id = app.next_request_id();
    let response = next.run(req).await;
    let mut response = into_envelope(response).await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
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

async fn body_limit(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.config().server.max_body_bytes) {
        return ApiError::with_message(
            ErrorCode::BodyTooLarge,
            format!(
                "The request body is too large: at most {} bytes.",
                app.config().server.max_body_bytes
            ),
        )
        .into_response();
    }
    next.run(req).await
}

async fn concurrency_limit(State(app): State<AppState>, req: Request, next: Next) -> Response {
    // try_acquire, not acquire: an overloaded emulator answers at once instead of queueing.
    match app.inner.in_flight.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => ApiError::new(ErrorCode::TooManyRequests).into_response(),
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes in-flight
/// requests and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
