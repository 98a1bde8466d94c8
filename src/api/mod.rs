//! The HTTP API: FunctionGraph's routes, mapped onto the service. Handlers stay thin:
//! extract (parse into domain types), call one service method, render.
//!
//! - `functions`: create, list, show and update config, show and update code, delete.
//! - `versions`: publish, list.
//! - `aliases`: create, list, show, update, delete.
//! - `function_settings`: the most instances (`config-max-instance`), LTS log details.
//! - `tags`: a function's tags (create, delete, list), the project's tag keys, and
//!   filtering functions by tags; paths without `/fgs`.
//! - `reserved_instances`: reserved-instance policies per version or alias, and their
//!   lists (`reservedinstanceconfigs`, `reservedinstances`).
//! - `quotas`: the tenant's quotas (`/fgs/quotas`), from `[limits]`.
//! - `async_invoke_config`: async-invocation settings per version (event age, retries,
//!   destinations), which async invocations obey.
//! - `triggers`: create, list, show, update and delete triggers (`/fgs/triggers/...`).
//! - `events`: a function's test events (`.../events`).
//! - `invocations`: synchronous and asynchronous invocation, async records, cancel (the
//!   engine is `crate::invoke`).
//! - `auth`: the authentication middleware.
//! - `view`: the wire form of a function or version.
//! - `openapi`: the OpenAPI document, built from the handlers' `#[utoipa::path]`
//!   annotations together with the router, so the two cannot disagree.

pub mod aliases;
pub mod async_invoke_config;
pub mod auth;
pub mod events;
pub mod function_settings;
pub mod functions;
pub mod invocations;
pub mod openapi;
pub mod quotas;
pub mod reserved_instances;
pub mod signature;
pub mod tags;
pub mod triggers;
pub mod versions;
pub mod view;

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::app_state::AppState;
use crate::http::json_bytes;
use crate::service::{Cached, FunctionRef, FunctionSnapshot};
use view::{CodeInBody, FunctionView};

/// Every FunctionGraph route, merged from one router per resource.
pub fn router() -> Router<AppState> {
    build().0
}

/// The routes and the OpenAPI document, from one set of annotations: each resource's
/// `OpenApiRouter` routes a handler at exactly the method and path its `#[utoipa::path]`
/// declares, and records that operation in the document as it does.
fn build() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::BaseDoc::openapi())
        .merge(functions::router())
        .merge(function_settings::router())
        .merge(async_invoke_config::router())
        .merge(versions::router())
        .merge(aliases::router())
        .merge(invocations::router())
        .merge(tags::router())
        .merge(reserved_instances::router())
        .merge(quotas::router())
        .merge(triggers::router())
        .merge(events::router())
        .split_for_parts()
}

/// The items of a list page (ListFunctions, ListFunctionVersions), without their code.
pub fn views<'a>(app: &AppState, items: &'a [FunctionSnapshot]) -> Vec<FunctionView<'a>> {
    let offset = app.service().settings().utc_offset;
    items
        .iter()
        .map(|s| FunctionView::new(s, CodeInBody::Omit, offset))
        .collect()
}

/// Answers a read that may come from the function's cache (see `Store::read_cached`): the
/// cached body, or the body `render` makes from what was read, kept for the next read.
pub fn cached<T>(
    read: Cached<T>,
    render: impl FnOnce(&T) -> Result<Bytes, crate::error::ApiError>,
) -> Response {
    match read {
        Cached::Hit(body) => json_bytes(StatusCode::OK, body),
        Cached::Miss(value, fill) => match render(&value) {
            Ok(body) => {
                fill.put(&body);
                json_bytes(StatusCode::OK, body)
            }
            Err(e) => e.into_response(),
        },
    }
}

/// A function or version rendered as [`FunctionResponse`] writes it.
pub fn render_function(
    app: &AppState,
    snapshot: &FunctionSnapshot,
    code: CodeInBody,
) -> Result<Bytes, crate::error::ApiError> {
    let offset = app.service().settings().utc_offset;
    render_view(snapshot, code, offset)
}

/// The bytes of a function object (`FunctionView::to_json`), or 500 if it cannot be written.
fn render_view(
    snapshot: &FunctionSnapshot,
    code: CodeInBody,
    offset: chrono::FixedOffset,
) -> Result<Bytes, crate::error::ApiError> {
    to_bytes(FunctionView::new(snapshot, code, offset))
}

/// What renders a write's answer: the function or version it left, from the store under the
/// function's lock (without its code). Given to the service's `*_with` writes.
pub(crate) fn written_renderer(
    app: &AppState,
) -> impl Fn(FunctionRef<'_>) -> Result<Bytes, crate::error::ApiError> {
    let offset = app.service().settings().utc_offset;
    move |written| to_bytes(FunctionView::borrowed(&written, CodeInBody::Omit, offset))
}

fn to_bytes(view: FunctionView<'_>) -> Result<Bytes, crate::error::ApiError> {
    view.to_json()
        // As a boxed slice: `Bytes` then owns the buffer as it is, where from a `Vec` with
        // room to spare it allocates a shared header besides. The shrink is free with
        // mimalloc when the object fills at least half of the buffer (`to_json` sizes it
        // for that), a copy otherwise.
        .map(|json| Bytes::from(json.into_boxed_slice()))
        .map_err(|e| {
            crate::error::ApiError::internal(format_args!("response serialisation failed: {e}"))
        })
}

/// A function or version, answered 200 with the full object of SPEC section 3.
pub struct FunctionResponse {
    snapshot: FunctionSnapshot,
    code: CodeInBody,
    offset: chrono::FixedOffset,
}

impl FunctionResponse {
    /// Renders `snapshot` without its code.
    pub fn new(app: &AppState, snapshot: FunctionSnapshot) -> Self {
        Self {
            snapshot,
            code: CodeInBody::Omit,
            offset: app.service().settings().utc_offset,
        }
    }
}

/// A function or version a write rendered already (`written_renderer`), answered 200.
pub struct WrittenResponse(pub Bytes);

impl IntoResponse for WrittenResponse {
    fn into_response(self) -> Response {
        json_bytes(StatusCode::OK, self.0)
    }
}

impl IntoResponse for FunctionResponse {
    fn into_response(self) -> Response {
        match render_view(&self.snapshot, self.code, self.offset) {
            Ok(body) => json_bytes(StatusCode::OK, body),
            Err(e) => e.into_response(),
        }
    }
}

/// The FunctionGraph operation a matched route serves, by method and route pattern (as
/// axum's `MatchedPath` gives it). The journal and fault rules name requests by it.
///
/// Read from the OpenAPI document's operation ids, so a route and its name cannot drift.
pub fn operation_name(method: &Method, route: &str) -> Option<&'static str> {
    type Table = HashMap<&'static str, Vec<(Method, &'static str)>>;
    static TABLE: OnceLock<Table> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = Table::new();
        for (path, item) in &openapi::openapi().paths.paths {
            for (method, op) in operations(item) {
                if let Some(id) = op.operation_id.as_deref() {
                    table.entry(path.as_str()).or_default().push((method, id));
                }
            }
        }
        table
    });
    table
        .get(route)?
        .iter()
        .find(|(m, _)| m == method)
        .map(|(_, id)| *id)
}

/// A path item's operations with their methods.
pub(crate) fn operations(
    item: &utoipa::openapi::PathItem,
) -> impl Iterator<Item = (Method, &utoipa::openapi::path::Operation)> {
    [
        (Method::GET, &item.get),
        (Method::PUT, &item.put),
        (Method::POST, &item.post),
        (Method::DELETE, &item.delete),
        (Method::OPTIONS, &item.options),
        (Method::HEAD, &item.head),
        (Method::PATCH, &item.patch),
        (Method::TRACE, &item.trace),
    ]
    .into_iter()
    .filter_map(|(m, op)| Some((m, op.as_ref()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the journal and fault rules have always used, by route: a suffix of
    /// `/v2/{project_id}/fgs/functions` (routes elsewhere are in `OTHER_NAMES`).
    const NAMES: [(&str, &str, &str); 33] = [
        ("POST", "", "CreateFunction"),
        ("GET", "", "ListFunctions"),
        ("DELETE", "/{function_urn}", "DeleteFunction"),
        ("GET", "/{function_urn}/config", "ShowFunctionConfig"),
        ("PUT", "/{function_urn}/config", "UpdateFunctionConfig"),
        ("GET", "/{function_urn}/code", "ShowFunctionCode"),
        ("PUT", "/{function_urn}/code", "UpdateFunctionCode"),
        ("POST", "/{function_urn}/versions", "CreateFunctionVersion"),
        ("GET", "/{function_urn}/versions", "ListFunctionVersions"),
        ("POST", "/{function_urn}/aliases", "CreateVersionAlias"),
        ("GET", "/{function_urn}/aliases", "ListVersionAliases"),
        (
            "GET",
            "/{function_urn}/aliases/{alias_name}",
            "ShowVersionAlias",
        ),
        (
            "PUT",
            "/{function_urn}/aliases/{alias_name}",
            "UpdateVersionAlias",
        ),
        (
            "DELETE",
            "/{function_urn}/aliases/{alias_name}",
            "DeleteVersionAlias",
        ),
        ("POST", "/{function_urn}/invocations", "InvokeFunction"),
        (
            "POST",
            "/{function_urn}/invocations-async",
            "AsyncInvokeFunction",
        ),
        (
            "GET",
            "/{function_urn}/async-invocations",
            "ListAsyncInvocations",
        ),
        (
            "GET",
            "/{function_urn}/active-async-invocations",
            "ListActiveAsyncInvocations",
        ),
        ("POST", "/{function_urn}/cancel", "CancelAsyncInvocation"),
        (
            "PUT",
            "/{function_urn}/config-max-instance",
            "UpdateFunctionMaxInstanceConfig",
        ),
        ("GET", "/{function_urn}/lts-log-detail", "ShowLtsLogDetails"),
        (
            "PUT",
            "/{function_urn}/reservedinstances",
            "UpdateFunctionReservedInstancesCount",
        ),
        (
            "GET",
            "/reservedinstanceconfigs",
            "ListReservedInstanceConfigs",
        ),
        ("GET", "/reservedinstances", "ListFunctionReservedInstances"),
        (
            "PUT",
            "/{function_urn}/async-invoke-config",
            "UpdateFunctionAsyncInvokeConfig",
        ),
        (
            "GET",
            "/{function_urn}/async-invoke-config",
            "ShowFunctionAsyncInvokeConfig",
        ),
        (
            "DELETE",
            "/{function_urn}/async-invoke-config",
            "DeleteFunctionAsyncInvokeConfig",
        ),
        (
            "GET",
            "/{function_urn}/async-invoke-configs",
            "ListFunctionAsyncInvokeConfig",
        ),
        ("POST", "/{function_urn}/events", "CreateEvent"),
        ("GET", "/{function_urn}/events", "ListEvents"),
        ("GET", "/{function_urn}/events/{event_id}", "ShowEvent"),
        ("PUT", "/{function_urn}/events/{event_id}", "UpdateEvent"),
        ("DELETE", "/{function_urn}/events/{event_id}", "DeleteEvent"),
    ];
    const TRIGGERS: &str = "/v2/{project_id}/fgs/triggers/{function_urn}";
    const TRIGGER: &str =
        "/v2/{project_id}/fgs/triggers/{function_urn}/{trigger_type_code}/{trigger_id}";

    /// Routes outside `/fgs/functions`, whole.
    const OTHER_NAMES: [(&str, &str, &str); 12] = [
        ("GET", "/v2/{project_id}/fgs/quotas", "ListQuotas"),
        ("POST", TRIGGERS, "CreateFunctionTrigger"),
        ("GET", TRIGGERS, "ListFunctionTriggers"),
        ("DELETE", TRIGGERS, "BatchDeleteFunctionTriggers"),
        ("GET", TRIGGER, "ShowFunctionTrigger"),
        ("PUT", TRIGGER, "UpdateFunctionTrigger"),
        ("DELETE", TRIGGER, "DeleteFunctionTrigger"),
        (
            "POST",
            "/v2/{project_id}/{resource_type}/{resource_id}/tags/create",
            "CreateTags",
        ),
        (
            "DELETE",
            "/v2/{project_id}/{resource_type}/{resource_id}/tags/delete",
            "DeleteTags",
        ),
        (
            "GET",
            "/v2/{project_id}/{resource_type}/{resource_id}/tags",
            "ListFunctionTags",
        ),
        (
            "GET",
            "/v2/{project_id}/{resource_type}/tags",
            "ShowProjectTagsList",
        ),
        (
            "POST",
            "/v2/{project_id}/{resource_type}/resource-instances/{action}",
            "ShowResInstanceInfo",
        ),
    ];

    /// Every named route, whole: NAMES under `/fgs/functions`, then OTHER_NAMES.
    fn all_names() -> Vec<(&'static str, String, &'static str)> {
        let under_functions = NAMES.iter().map(|(m, suffix, n)| {
            let route = format!("/v2/{{project_id}}/fgs/functions{suffix}");
            (*m, route, *n)
        });
        let others = OTHER_NAMES
            .iter()
            .map(|(m, r, n)| (*m, (*r).to_owned(), *n));
        under_functions.chain(others).collect()
    }

    #[test]
    fn operation_names_by_route() {
        for (method, route, name) in all_names() {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(
                operation_name(&method, &route),
                Some(name),
                "{method} {route}"
            );
        }
        let route = "/v2/{project_id}/fgs/functions/{function_urn}";
        assert_eq!(operation_name(&Method::GET, route), None);
        assert_eq!(operation_name(&Method::POST, "/_emulator/reset"), None);
        assert_eq!(operation_name(&Method::GET, "/v2/x/fgs/functions"), None);
    }

    #[test]
    fn the_document_has_exactly_these_operations() {
        let mut documented: Vec<(String, String, String)> = openapi::openapi()
            .paths
            .paths
            .iter()
            .flat_map(|(path, item)| {
                operations(item).map(move |(m, op)| {
                    let id = op.operation_id.clone().unwrap_or_default();
                    (m.to_string(), path.clone(), id)
                })
            })
            .collect();
        let mut expected: Vec<(String, String, String)> = all_names()
            .into_iter()
            .map(|(m, path, n)| (m.to_string(), path, n.to_string()))
            .collect();
        documented.sort();
        expected.sort();
        assert_eq!(documented, expected);
    }
}
