//! Invocation routes: `POST /v2/{project_id}/fgs/functions/{function_urn}/invocations`.
//!
//! The handler reads the wire (headers, the event), asks `invoke` to route and run, and
//! writes the answer the way the API reference lists it (`reference/invoke.md` section 3;
//! the choices where it is silent are in `docs/CONVENTIONS.md`, "Invocation"):
//!
//! - Headers in: `X-Cff-Log-Type: tail` (adds `X-Cff-Function-Log`),
//!   `X-CFF-Request-Version: v0|v1`, `X-Cff-Instance-Memory` (128-10240 MB).
//! - Headers out: `X-Cff-Request-Id`, `X-Cff-Invoke-Summary`, `X-CFF-Billing-Duration`,
//!   `X-Cff-Response-Version`, `X-Func-Err-Code`, `X-Is-Func-Err`.
//! - v0 body: the handler's result itself (a string as-is and nothing as an empty body,
//!   both `text/plain`; other values as JSON); v1: `{request_id, result, log, status}` with `result` that text.
//! - A function error (exception, timeout, memory, crash) is still HTTP 200, flagged by
//!   `X-Is-Func-Err: true` and a non-zero `X-Func-Err-Code`, the body
//!   `{errorMessage, errorType, stackTrace}`. Platform errors are the FSS envelope.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{BadRequest, Forbidden, FunctionParams, NotFound, OtherError, Unauthorized};
use crate::app_state::{AppState, RequestId};
use crate::clock::Clock as _;
use crate::error::{ApiError, ErrorCode};
use crate::http::extract::{ApiJson, ApiQuery, FunctionPath, read_body};
use crate::invoke::async_queue::{RecordView, Status, TIME_FORMAT};
use crate::invoke::{FunctionError, Invocation, Outcome, Report};
use crate::journal::ServedVersion;
use crate::store::FunctionKey;

/// The invocation routes, each at the method and path of its `#[utoipa::path]`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invoke_function))
        .routes(routes!(async_invoke_function))
        .routes(routes!(list_async_invocations))
        .routes(routes!(list_active_async_invocations))
        .routes(routes!(cancel_async_invocation))
}

/// How many bytes of the log `X-Cff-Function-Log` and the v1 `log` carry: the API
/// reference's "last 2,000 bytes".
const LOG_TAIL_BYTES: usize = 2000;

/// Function error codes in `X-Func-Err-Code` (openYuanrong's runtime codes, which
/// FunctionGraph's share as far as public sources show; `docs/CONVENTIONS.md`).
mod err_code {
    pub(super) const RUN_ERROR: u32 = 4002;
    pub(super) const INIT_ERROR: u32 = 4009;
    pub(super) const TIMEOUT: u32 = 4010;
    pub(super) const CRASHED: u32 = 4201;
    pub(super) const OUT_OF_MEMORY: u32 = 4205;
}

/// InvokeFunction (synchronous invocation):
/// `POST /v2/{project_id}/fgs/functions/{function_urn}/invocations`.
///
/// The URN may name latest, a version or an alias (raw or percent-encoded). The body is
/// the event: JSON, or empty for `{}`; anything else is 406 FSS.0406.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/invocations",
    operation_id = "InvokeFunction",
    summary = "Invoke a function synchronously",
    description = "Runs the event on latest, a version, or the version an alias routes to \
        (by its header rules, else by weight). Python 3 and Node.js runtimes run their code; \
        other runtimes answer a canned result registered under /_emulator/canned-results. \
        A function error is 200 with X-Is-Func-Err: true.",
    tag = "invocations",
    params(FunctionParams,
        ("X-Cff-Log-Type" = Option<String>, Header, description = "`tail`: answer the last 2,000 bytes of the log, base64, in X-Cff-Function-Log."),
        ("X-CFF-Request-Version" = Option<String>, Header, description = "`v0` (default): the body is the result; `v1`: {request_id, result, log, status}."),
        ("X-Cff-Instance-Memory" = Option<u64>, Header, description = "Memory for this invocation, MB (128-10240)."),
    ),
    request_body(content = Option<Value>, content_type = "application/json",
        description = "The event: any JSON value (the SDKs send an object). Empty means `{}`."),
    responses(
        (status = 200, description = "The function ran (see X-Is-Func-Err for its outcome). v0: \
            the result, as JSON, or as text/plain when the handler returned a string or nothing; \
            v1: {request_id, result, log, status}.",
            content((Object = "application/json"), (String = "text/plain"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 406, description = "The body is not JSON (FSS.0406).", body = super::view::ErrorEnvelopeView),
        (status = "default", response = OtherError),
    )
)]
pub async fn invoke_function(
    State(app): State<AppState>,
    path: FunctionPath,
    req: Request,
) -> Result<Response, ApiError> {
    let request_id = request_id_of(&req);
    let headers = req.headers().clone();
    let version = response_version(&headers)?;
    let tail =
        header_str(&headers, "x-cff-log-type").is_some_and(|v| v.eq_ignore_ascii_case("tail"));
    let memory_mb = instance_memory(&headers)?;
    // The function is looked up before the body is judged: a bad body on a missing function
    // is 404, as publish does.
    let target = app
        .invoker()
        .resolve(app.service(), &path.project, &path.urn, &|name| {
            header_str(&headers, name).map(str::to_owned)
        })?;
    let body = read_body(req, &app).await?;
    let event = parse_event(&body)?;
    let report = app
        .invoker()
        .invoke(
            &target,
            Invocation {
                request_id: request_id.clone(),
                event,
                memory_mb,
            },
        )
        .await?;
    let mut response = render(&request_id, version, tail, &report);
    response
        .extensions_mut()
        .insert(ServedVersion(target.version.clone()));
    Ok(response)
}

/// AsyncInvokeFunction: `POST .../invocations-async`. Queues the event (routed now, by
/// the alias's rules or weight) and answers 202 `{"request_id"}` at once.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/invocations-async",
    operation_id = "AsyncInvokeFunction",
    summary = "Invoke a function asynchronously",
    description = "Answers 202 with the request id; the event runs in the background. \
        ListAsyncInvocations shows how it went.",
    tag = "invocations",
    params(FunctionParams),
    request_body(content = Option<Value>, content_type = "application/json",
        description = "The event: any JSON value (the SDKs send an object). Empty means `{}`."),
    responses(
        (status = 202, description = "Queued: `{\"request_id\": \"...\"}`.", body = Object),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 406, description = "The body is not JSON (FSS.0406).", body = super::view::ErrorEnvelopeView),
        (status = "default", response = OtherError),
    )
)]
pub async fn async_invoke_function(
    State(app): State<AppState>,
    path: FunctionPath,
    req: Request,
) -> Result<Response, ApiError> {
    let request_id = request_id_of(&req);
    let headers = req.headers().clone();
    let target = app
        .invoker()
        .resolve(app.service(), &path.project, &path.urn, &|name| {
            header_str(&headers, name).map(str::to_owned)
        })?;
    let body = read_body(req, &app).await?;
    let event = parse_event(&body)?;
    let version = target.version.clone();
    app.invoker().invoke_async(
        target,
        Invocation {
            request_id: request_id.clone(),
            event,
            memory_mb: None,
        },
        app.clock().now(),
    );
    let mut response = crate::http::json(StatusCode::ACCEPTED, &json!({"request_id": request_id}));
    response.extensions_mut().insert(ServedVersion(version));
    Ok(response)
}

/// The query of ListAsyncInvocations (all strings: checked here, 400 FSS.0400).
#[derive(Debug, Default, serde::Deserialize)]
pub struct AsyncListQuery {
    request_id: Option<String>,
    marker: Option<String>,
    limit: Option<String>,
    status: Option<String>,
    query_begin_time: Option<String>,
    query_end_time: Option<String>,
}

fn bad_query(what: String) -> ApiError {
    ApiError::invalid_parameter(format!("Invalid parameter: {what}"))
}

/// The function a path names, which must exist (the qualifier is ignored: async records
/// belong to the function).
fn existing_function(app: &AppState, path: &FunctionPath) -> Result<FunctionKey, ApiError> {
    let project = app.service().project(&path.project);
    let key = app.service().resolve(&project, &path.urn)?;
    app.service()
        .store()
        .with_function(&key, |_| ())
        .ok_or_else(ApiError::function_not_found)?;
    Ok(key)
}

/// ListAsyncInvocations: `GET .../async-invocations`. Filters by `request_id`,
/// `status` and start time (`query_begin_time`/`query_end_time`, `YYYY-MM-DDTHH:mm:ss` UTC,
/// by default the last hour); pages by `marker` (an offset) and `limit` (default 100, at
/// most 500). Newest first.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/async-invocations",
    operation_id = "ListAsyncInvocations",
    summary = "List asynchronous invocations",
    tag = "invocations",
    params(FunctionParams,
        ("request_id" = Option<String>, Query, description = "One request."),
        ("marker" = Option<u64>, Query, description = "Offset of the first record (default 0)."),
        ("limit" = Option<u64>, Query, description = "Records per page (default 100, at most 500)."),
        ("status" = Option<String>, Query, description = "WAIT, RUNNING, SUCCESS, FAIL or DISCARD."),
        ("query_begin_time" = Option<String>, Query, description = "YYYY-MM-DDTHH:mm:ss UTC; default an hour ago."),
        ("query_end_time" = Option<String>, Query, description = "YYYY-MM-DDTHH:mm:ss UTC; default now."),
    ),
    responses(
        (status = 200, description = "`{invocations, count, next_marker}`.", body = Object),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_async_invocations(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiQuery(q): ApiQuery<AsyncListQuery>,
) -> Result<Response, ApiError> {
    let key = existing_function(&app, &path)?;
    let number = |name: &str, v: &Option<String>, default: u64| -> Result<u64, ApiError> {
        match v.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s
                .parse()
                .map_err(|_| bad_query(format!("{name} must be a whole number, not '{s}'"))),
        }
    };
    let marker = number("marker", &q.marker, 0)? as usize;
    let limit = number("limit", &q.limit, 100)?;
    if !(1..=500).contains(&limit) {
        return Err(bad_query(format!(
            "limit must be from 1 to 500, not {limit}"
        )));
    }
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            bad_query(format!(
                "status must be WAIT, RUNNING, SUCCESS, FAIL or DISCARD, not '{s}'"
            ))
        })?),
    };
    let now = app.clock().now();
    let time = |name: &str,
                v: &Option<String>,
                default|
     -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
        match v.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => chrono::NaiveDateTime::parse_from_str(s, TIME_FORMAT)
                .map(|t| t.and_utc())
                .map_err(|_| {
                    bad_query(format!(
                        "{name} must be YYYY-MM-DDTHH:mm:ss (UTC), not '{s}'"
                    ))
                }),
        }
    };
    let begin = time(
        "query_begin_time",
        &q.query_begin_time,
        now - chrono::Duration::hours(1),
    )?;
    let end = time("query_end_time", &q.query_end_time, now)?;
    let request_id = q.request_id.as_deref().filter(|s| !s.is_empty());
    let records = app.invoker().async_records(&key, |r| {
        request_id.is_none_or(|id| r.request_id == id)
            && status.is_none_or(|s| r.status == s)
            && r.start_time >= begin
            && r.start_time <= end
    });
    Ok(async_page(&records, marker, limit as usize))
}

fn async_page(
    records: &[crate::invoke::async_queue::Record],
    marker: usize,
    limit: usize,
) -> Response {
    let count = records.len();
    let start = marker.min(count);
    let stop = start.saturating_add(limit).min(count);
    let invocations: Vec<RecordView> = records[start..stop].iter().map(RecordView::from).collect();
    crate::http::json(
        StatusCode::OK,
        &json!({"invocations": invocations, "count": count, "next_marker": stop}),
    )
}

/// The query of ListActiveAsyncInvocations.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ActiveQuery {
    requests: Option<String>,
}

/// ListActiveAsyncInvocations: `GET .../active-async-invocations?requests=id1,id2` (at most
/// 10 ids): the WAIT and RUNNING ones among them (all of the function's, without ids).
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/active-async-invocations",
    operation_id = "ListActiveAsyncInvocations",
    summary = "List active asynchronous invocations",
    tag = "invocations",
    params(FunctionParams,
        ("requests" = Option<String>, Query, description = "Up to 10 request ids, comma-separated."),
    ),
    responses(
        (status = 200, description = "`{invocations, count, next_marker}`.", body = Object),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_active_async_invocations(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiQuery(q): ApiQuery<ActiveQuery>,
) -> Result<Response, ApiError> {
    let key = existing_function(&app, &path)?;
    let ids: Vec<&str> = q
        .requests
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() > 10 {
        return Err(bad_query(format!(
            "requests takes at most 10 ids, not {}",
            ids.len()
        )));
    }
    let records = app.invoker().async_records(&key, |r| {
        matches!(r.status, Status::Wait | Status::Running)
            && (ids.is_empty() || ids.contains(&r.request_id.as_str()))
    });
    Ok(async_page(&records, 0, records.len()))
}

/// The body of CancelAsyncInvocation.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CancelBody {
    /// The request to stop.
    request_id: Option<String>,
    /// `recursive` or `force`; both stop the one request here.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// CancelAsyncInvocation: `POST .../cancel` `{request_id, type?}`. Stops a waiting or
/// running invocation (a running one's instance is killed); it ends FAIL with 4208. The real
/// service answers the body `null`; the emulator answers `{}` (SPEC 9: a success body is
/// never `null`, the Node.js SDK throws on it).
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/cancel",
    operation_id = "CancelAsyncInvocation",
    summary = "Stop an asynchronous invocation",
    tag = "invocations",
    params(FunctionParams),
    request_body(content = CancelBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Stopped (or already ended): `{}`.", body = Object),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn cancel_async_invocation(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<Response, ApiError> {
    let key = existing_function(&app, &path)?;
    if let Some(kind) = body.kind.as_deref().filter(|k| !k.is_empty())
        && kind != "recursive"
        && kind != "force"
    {
        return Err(bad_query(format!(
            "type must be recursive or force, not '{kind}'"
        )));
    }
    let id = body.request_id.unwrap_or_default();
    app.invoker()
        .cancel_async(&key, &id)
        .map_err(|_| ApiError::invalid_parameter("Invalid RequestId"))?;
    Ok(crate::http::json(StatusCode::OK, &json!({})))
}

fn request_id_of(req: &Request) -> String {
    req.extensions()
        .get::<RequestId>()
        .and_then(|r| r.0.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V0,
    V1,
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn response_version(headers: &HeaderMap) -> Result<Version, ApiError> {
    match header_str(headers, "x-cff-request-version") {
        None | Some("") => Ok(Version::V0),
        Some(v) if v.eq_ignore_ascii_case("v0") => Ok(Version::V0),
        Some(v) if v.eq_ignore_ascii_case("v1") => Ok(Version::V1),
        Some(v) => Err(ApiError::invalid_parameter(format!(
            "Invalid parameter: X-CFF-Request-Version must be v0 or v1, not '{}'",
            v.chars().take(32).collect::<String>()
        ))),
    }
}

fn instance_memory(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    // Present but empty is refused like any other non-number: the header is an integer.
    let Some(raw) = header_str(headers, "x-cff-instance-memory") else {
        return Ok(None);
    };
    match raw.parse::<u64>() {
        Ok(mb) if (128..=10240).contains(&mb) => Ok(Some(mb)),
        _ => Err(ApiError::invalid_parameter(format!(
            "Invalid parameter: X-Cff-Instance-Memory must be an integer from 128 to 10240 (MB), not '{}'",
            raw.chars().take(32).collect::<String>()
        ))),
    }
}

/// The event: any JSON value; an empty (or all-blank) body is `{}`.
fn parse_event(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::detailed(ErrorCode::BodyNotJson, e))
}

/// The body text and, for a failure, the error code and the error itself.
fn outcome_parts(report: &Report) -> (String, bool, Option<(u32, FunctionError)>) {
    let memory = report.memory_size_mb;
    let error = |code: u32, kind: &str, message: String| {
        (
            code,
            FunctionError {
                message,
                error_type: kind.to_owned(),
                stack_trace: Vec::new(),
            },
        )
    };
    let failure = match &report.outcome {
        Outcome::Returned { body, kind } => return (body.clone(), kind == "json", None),
        Outcome::Raised(e) => (err_code::RUN_ERROR, e.clone()),
        Outcome::InitFailed(e) => (err_code::INIT_ERROR, e.clone()),
        Outcome::TimedOut => error(
            err_code::TIMEOUT,
            "FunctionTimeout",
            format!(
                "invoke timed out after {:.0} ms: the function ran past its timeout and was stopped",
                report.duration_ms
            ),
        ),
        Outcome::OutOfMemory => error(
            err_code::OUT_OF_MEMORY,
            "OutOfMemory",
            format!(
                "runtime memory limit exceeded: the function used more than {memory} MB and was stopped"
            ),
        ),
        Outcome::Crashed(why) => error(err_code::CRASHED, "RuntimeExited", why.clone()),
    };
    let body = serde_json::to_string(&failure.1).unwrap_or_default();
    (body, true, Some(failure))
}

/// The last `LOG_TAIL_BYTES` bytes of the log, starting on a character boundary.
fn log_tail(log: &str) -> &str {
    let mut start = log.len().saturating_sub(LOG_TAIL_BYTES);
    while !log.is_char_boundary(start) {
        start += 1;
    }
    &log[start..]
}

fn render(request_id: &str, version: Version, tail: bool, report: &Report) -> Response {
    let (text, is_json, failure) = outcome_parts(report);
    let summary = json!({
        "duration": (report.duration_ms * 1000.0).round() / 1000.0,
        "billingDuration": report.billing_ms,
        "memorySize": report.memory_size_mb,
        "memoryUsed": (report.memory_used_mb * 1000.0).round() / 1000.0,
    });
    let log = log_tail(&report.log);
    let body = match version {
        Version::V0 => text,
        Version::V1 => json!({
            "request_id": request_id,
            "result": text,
            "log": log,
            "status": if failure.is_some() { 500 } else { 200 },
        })
        .to_string(),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-cff-request-id", request_id.to_owned());
    set("x-cff-invoke-summary", summary.to_string());
    set("x-cff-billing-duration", report.billing_ms.to_string());
    set(
        "x-cff-response-version",
        match version {
            Version::V0 => "v0",
            Version::V1 => "v1",
        }
        .to_owned(),
    );
    let code = failure.as_ref().map_or(0, |(c, _)| *c);
    set("x-func-err-code", code.to_string());
    set("x-is-func-err", failure.is_some().to_string());
    if tail {
        set(
            "x-cff-function-log",
            base64::engine::general_purpose::STANDARD.encode(log),
        );
    }
    // A v0 string (or empty) result is text: sending it as application/json would make
    // clients that trust the header fail to parse it.
    let content_type = if version == Version::V0 && !is_json {
        "text/plain; charset=utf-8"
    } else {
        "application/json"
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_tail_is_at_most_2000_bytes_on_a_char_boundary() {
        let log = "é".repeat(1500);
        let t = log_tail(&log);
        assert!(t.len() <= 2000 && t.len() >= 1999, "{}", t.len());
        assert_eq!(log_tail("short"), "short");
    }

    #[test]
    fn an_empty_body_is_an_empty_object_and_text_is_refused() {
        assert_eq!(parse_event(b"  ").unwrap(), json!({}));
        assert_eq!(parse_event(b"[1]").unwrap(), json!([1]));
        assert_eq!(
            parse_event(b"not json").unwrap_err().code(),
            ErrorCode::BodyNotJson
        );
    }
}
