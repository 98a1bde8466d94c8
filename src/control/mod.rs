//! The control plane under `/_emulator/`: endpoints for the emulator itself, not for
//! FunctionGraph. JSON in and out, errors in the same envelope. Open unless
//! `control.token` is set; then every endpoint but `health` needs
//! `Authorization: Bearer <token>`.
//!
//! - `GET health`: status, version, uptime.
//! - `POST reset`: back to the seeded state (config `[[functions]]`), without a restart.
//! - `GET|PUT state`: export and import all state as one document (`state.rs`).
//! - `GET|PUT|DELETE clock`: freeze, advance, offset, back to system time.
//! - `GET|DELETE requests`: the request journal, with filters.
//! - `GET|POST|DELETE faults`, `DELETE faults/{id}`: fault injection rules.
//! - `GET openapi.json`: the OpenAPI document of the FunctionGraph endpoints.
//! - `GET ui` (open, like `health`; its state is loaded with the token when one is set),
//!   `GET ui/live`, `GET overview`: the dashboard and its summary (`ui/`).
//! - `GET instances`, `GET|POST|DELETE canned-results`: see [`invocations`].

pub mod invocations;
pub mod openapi;
pub mod ui;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::app_state::AppState;
use crate::clock::{Clock, ClockMode, rfc3339};
use crate::error::{ApiError, ErrorCode};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::json;
use crate::state::StateDocument;

/// The control-plane routes, nested under `/_emulator`.
pub fn router(state: AppState) -> Router<AppState> {
    let guarded = Router::new()
        .route("/reset", post(reset))
        .route("/state", get(export_state).put(import_state))
        .route(
            "/clock",
            get(show_clock).put(set_clock).delete(system_clock),
        )
        .route("/requests", get(list_requests).delete(clear_requests))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/overview", get(ui::overview))
        .route("/ui/live", get(ui::live))
        .merge(invocations::router())
        .route_layer(middleware::from_fn_with_state(state, require_token));
    Router::new()
        .route("/health", get(health))
        .route("/ui", get(ui::page))
        .route("/ui/", get(ui::page))
        .route("/ui/app.js", get(ui::app_js))
        .route("/ui/app.css", get(ui::app_css))
        .merge(guarded)
}

/// `control.token`, when set, as a bearer token.
async fn require_token(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(token) = &app.config().control.token {
        let presented = req
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = presented.is_some_and(|p| {
            crate::api::signature::constant_time_eq(p.trim().as_bytes(), token.as_bytes())
        });
        if !ok {
            return ApiError::unauthorized(
                "the control plane needs Authorization: Bearer <control.token>",
            )
            .into_response();
        }
    }
    next.run(req).await
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    uptime_seconds: f64,
}

/// `GET /_emulator/health`: `{"status":"ok","version":...,"uptime_seconds":...}`.
async fn health(State(app): State<AppState>) -> Response {
    json(
        StatusCode::OK,
        &Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            uptime_seconds: app.uptime().as_secs_f64(),
        },
    )
}

#[derive(Serialize)]
struct Done {
    status: &'static str,
    functions: usize,
}

/// `POST /_emulator/reset`: every function replaced by the config's seeds; the journal and
/// fault rules are kept (clear them with their own DELETE), the clock is kept.
async fn reset(State(app): State<AppState>) -> Result<Response, ApiError> {
    let functions = app.reset()?;
    Ok(json(
        StatusCode::OK,
        &Done {
            status: "reset",
            functions,
        },
    ))
}

/// `GET /_emulator/state`: the whole state as one document.
async fn export_state(State(app): State<AppState>) -> Response {
    json(StatusCode::OK, &app.service().export())
}

/// `PUT /_emulator/state`: replaces all state with the document, after validating all of
/// it; a bad document is 400 FSS.0400 and changes nothing.
async fn import_state(
    State(app): State<AppState>,
    ApiJson(doc): ApiJson<StateDocument>,
) -> Result<Response, ApiError> {
    let functions = app.import(doc)?;
    Ok(json(
        StatusCode::OK,
        &Done {
            status: "imported",
            functions,
        },
    ))
}

#[derive(Serialize)]
struct ClockView {
    mode: &'static str,
    now: String,
    frozen_at: Option<String>,
    offset_seconds: Option<i64>,
}

fn clock_view(app: &AppState) -> Response {
    let offset = app.service().settings().utc_offset;
    let clock = app.clock();
    let (mode, frozen_at, offset_seconds) = match clock.mode() {
        ClockMode::System => ("system", None, None),
        ClockMode::Frozen(at) => ("frozen", Some(rfc3339(at, offset)), None),
        ClockMode::Offset(d) => ("offset", None, Some(d.num_seconds())),
    };
    json(
        StatusCode::OK,
        &ClockView {
            mode,
            now: rfc3339(clock.now(), offset),
            frozen_at,
            offset_seconds,
        },
    )
}

/// `GET /_emulator/clock`: `{mode: system|frozen|offset, now, frozen_at, offset_seconds}`.
async fn show_clock(State(app): State<AppState>) -> Response {
    clock_view(&app)
}

/// One change to the clock: exactly one of the fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// Freeze at this instant (RFC 3339).
    frozen_at: Option<DateTime<chrono::FixedOffset>>,
    /// Move by this many seconds (a frozen clock stays frozen).
    advance_seconds: Option<i64>,
    /// Run at system time plus this many seconds.
    offset_seconds: Option<i64>,
}

/// `PUT /_emulator/clock` with one of `{"frozen_at": "2026-11-28T19:30:15+08:00"}`,
/// `{"advance_seconds": 60}`, `{"offset_seconds": -3600}`.
async fn set_clock(
    State(app): State<AppState>,
    ApiJson(change): ApiJson<ClockChange>,
) -> Result<Response, ApiError> {
    // Bounded so that adding them to a date cannot overflow (about 300 years).
    const MAX_SECONDS: i64 = 10_000_000_000;
    let bounded = |s: i64| {
        (s.abs() <= MAX_SECONDS)
            .then(|| Duration::seconds(s))
            .ok_or_else(|| {
                ApiError::invalid_parameter(format!("at most {MAX_SECONDS} seconds either way"))
            })
    };
    let clock = app.clock();
    let out_of_range = || {
        ApiError::invalid_parameter(format!(
            "the clock must stay between {} and {}",
            crate::clock::earliest().to_rfc3339(),
            crate::clock::latest().to_rfc3339()
        ))
    };
    let supported = |at: Option<DateTime<Utc>>| at.filter(|t| crate::clock::is_supported(*t));
    match (
        change.frozen_at,
        change.advance_seconds,
        change.offset_seconds,
    ) {
        (Some(at), None, None) => {
            let at = supported(Some(at.with_timezone(&Utc))).ok_or_else(out_of_range)?;
            clock.set_mode(ClockMode::Frozen(at));
        }
        (None, Some(s), None) => {
            let by = bounded(s)?;
            supported(clock.now().checked_add_signed(by)).ok_or_else(out_of_range)?;
            clock.advance(by);
        }
        (None, None, Some(s)) => {
            let by = bounded(s)?;
            supported(Utc::now().checked_add_signed(by)).ok_or_else(out_of_range)?;
            clock.set_mode(ClockMode::Offset(by));
        }
        _ => {
            return Err(ApiError::invalid_parameter(
                "give exactly one of frozen_at, advance_seconds, offset_seconds",
            ));
        }
    }
    Ok(clock_view(&app))
}

/// `DELETE /_emulator/clock`: back to system time.
async fn system_clock(State(app): State<AppState>) -> Response {
    app.clock().set_mode(ClockMode::System);
    clock_view(&app)
}

/// `GET /_emulator/requests?operation=&method=&status=&path=`: journal entries, oldest first.
async fn list_requests(
    State(app): State<AppState>,
    ApiQuery(filter): ApiQuery<crate::journal::Filter>,
) -> Response {
    json(StatusCode::OK, &app.journal().list(&filter))
}

/// `DELETE /_emulator/requests`: empties the journal.
async fn clear_requests(State(app): State<AppState>) -> Response {
    app.journal().clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_emulator/faults`: the rules, with how often each fired.
async fn list_faults(State(app): State<AppState>) -> Response {
    json(StatusCode::OK, &app.faults().list())
}

/// `POST /_emulator/faults`: adds a rule; 200 with it as listed.
async fn add_fault(
    State(app): State<AppState>,
    ApiJson(spec): ApiJson<crate::faults::RuleSpec>,
) -> Result<Response, ApiError> {
    let rule = app
        .faults()
        .add(spec)
        .map_err(ApiError::invalid_parameter)?;
    Ok(json(StatusCode::OK, &rule))
}

/// `DELETE /_emulator/faults`: removes every rule.
async fn clear_faults(State(app): State<AppState>) -> Response {
    app.faults().clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `DELETE /_emulator/faults/{id}`: removes one rule (404 FSS.0404 if there is none).
async fn remove_fault(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let removed = id.parse::<u64>().is_ok_and(|id| app.faults().remove(id));
    if removed {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::detailed(
            ErrorCode::RouteNotFound,
            format_args!(
                "no fault rule with id '{}'",
                id.chars().take(32).collect::<String>()
            ),
        ))
    }
}
