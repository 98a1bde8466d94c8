//! InvokeFunction: the synchronous route, the request headers it reads, and the answer it
//! writes (headers, v0 and v1 bodies, function errors); the rules are in the parent
//! module's doc.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{header_str, parse_event, request_id_of};
use crate::api::openapi::{
    BadRequest, Forbidden, FunctionParams, NotFound, OtherError, Unauthorized,
};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::http::extract::{FunctionPath, read_body};
use crate::invoke::{FunctionError, Invocation, Outcome, Report};
use crate::journal::ServedVersion;

/// The synchronous invocation route.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(invoke_function))
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
        (status = 406, description = "The body is not JSON (FSS.0406).", body = crate::api::view::ErrorEnvelopeView),
        (status = "default", response = OtherError),
    )
)]
pub async fn invoke_function(
    State(app): State<AppState>,
    path: FunctionPath,
    req: Request,
) -> Result<Response, ApiError> {
    let request_id = request_id_of();
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V0,
    V1,
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
pub(super) fn log_tail(log: &str) -> &str {
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
