//! Asynchronous invocation over HTTP: AsyncInvokeFunction queues an event; the records it
//! leaves are listed (all, or the active ones) and cancelled here. The queue itself is
//! `invoke::async_queue`.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{header_str, parse_event, request_id_of};
use crate::api::openapi::{
    BadRequest, Forbidden, FunctionParams, NotFound, OtherError, Unauthorized,
};
use crate::app_state::AppState;
use crate::clock::Clock as _;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiQuery, FunctionPath, read_body};
use crate::invoke::Invocation;
use crate::invoke::async_queue::{Record, RecordView, Status, TIME_FORMAT};
use crate::journal::ServedVersion;
use crate::store::FunctionKey;

/// The async invocation routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(async_invoke_function))
        .routes(routes!(list_async_invocations))
        .routes(routes!(list_active_async_invocations))
        .routes(routes!(cancel_async_invocation))
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
        (status = 406, description = "The body is not JSON (FSS.0406).", body = crate::api::view::ErrorEnvelopeView),
        (status = "default", response = OtherError),
    )
)]
pub async fn async_invoke_function(
    State(app): State<AppState>,
    path: FunctionPath,
    req: Request,
) -> Result<Response, ApiError> {
    let request_id = request_id_of();
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
    // The function first: a bad query on a missing function is 404.
    let key = existing_function(&app, &path)?;
    let filter = q.filter(app.clock().now())?;
    let records = app.invoker().async_records(&key, |r| filter.accepts(r));
    Ok(async_page(&records, filter.marker, filter.limit))
}

/// A checked [`AsyncListQuery`]: the page, and what a record must match to be on it.
struct AsyncListFilter<'q> {
    marker: usize,
    limit: usize,
    request_id: Option<&'q str>,
    status: Option<Status>,
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl AsyncListQuery {
    /// Checks the query field by field (marker, limit, status, begin, end: the first bad one
    /// is the answer); an empty value is an absent one. The times default to the hour
    /// before `now`.
    fn filter(&self, now: DateTime<Utc>) -> Result<AsyncListFilter<'_>, ApiError> {
        let marker = whole_number("marker", self.marker.as_deref(), 0)? as usize;
        let limit = whole_number("limit", self.limit.as_deref(), 100)?;
        if !(1..=500).contains(&limit) {
            return Err(bad_query(format!(
                "limit must be from 1 to 500, not {limit}"
            )));
        }
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                bad_query(format!(
                    "status must be WAIT, RUNNING, SUCCESS, FAIL or DISCARD, not '{s}'"
                ))
            })?),
        };
        let begin = query_time(
            "query_begin_time",
            self.query_begin_time.as_deref(),
            now - chrono::Duration::hours(1),
        )?;
        let end = query_time("query_end_time", self.query_end_time.as_deref(), now)?;
        Ok(AsyncListFilter {
            marker,
            limit: limit as usize,
            request_id: self.request_id.as_deref().filter(|s| !s.is_empty()),
            status,
            begin,
            end,
        })
    }
}

impl AsyncListFilter<'_> {
    /// Whether a record matches every filter the query set.
    fn accepts(&self, r: &Record) -> bool {
        self.request_id.is_none_or(|id| r.request_id == id)
            && self.status.is_none_or(|s| r.status == s)
            && r.start_time >= self.begin
            && r.start_time <= self.end
    }
}

/// A whole-number query parameter; `default` when absent or empty.
fn whole_number(name: &str, value: Option<&str>, default: u64) -> Result<u64, ApiError> {
    match value.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| bad_query(format!("{name} must be a whole number, not '{s}'"))),
    }
}

/// A `YYYY-MM-DDTHH:mm:ss` (UTC) query parameter; `default` when absent or empty.
fn query_time(
    name: &str,
    value: Option<&str>,
    default: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    match value.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => chrono::NaiveDateTime::parse_from_str(s, TIME_FORMAT)
            .map(|t| t.and_utc())
            .map_err(|_| {
                bad_query(format!(
                    "{name} must be YYYY-MM-DDTHH:mm:ss (UTC), not '{s}'"
                ))
            }),
    }
}

/// One page of records (newest first) with the list's `count` and `next_marker`.
fn async_page(records: &[Record], marker: usize, limit: usize) -> Response {
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
