//! The HTTP API: FunctionGraph's routes, mapped onto the service. Handlers stay thin:
//! extract (parse into domain types), call one service method, render.
//!
//! - `functions`: create, list, show and update config, show and update code, delete.
//! - `versions`: publish, list.
//! - `aliases`: create, list, show, update, delete.
//! - `extract`: extractors that answer in the FSS envelope.
//! - `auth`: the authentication middleware.
//! - `view`: the wire form of a function or version.

pub mod aliases;
pub mod auth;
pub mod extract;
pub mod functions;
pub mod signature;
pub mod versions;
pub mod view;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::service::FunctionSnapshot;
use view::{CodeInBody, FunctionView};

/// Every FunctionGraph route, merged from one router per resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(functions::router())
        .merge(versions::router())
        .merge(aliases::router())
}

/// A JSON success body. Serialising our own view types cannot fail; should it ever, the
/// client gets the 500 envelope rather than a half-written body.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            crate::error::ApiError::new(crate::error::ErrorCode::Internal).into_response()
        }
    }
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

    /// Renders `snapshot` with its code in `func_code.file`.
    pub fn with_code(app: &AppState, snapshot: FunctionSnapshot) -> Self {
        Self {
            code: CodeInBody::Include,
            ..Self::new(app, snapshot)
        }
    }
}

impl IntoResponse for FunctionResponse {
    fn into_response(self) -> Response {
        json(
            StatusCode::OK,
            &FunctionView::new(&self.snapshot, self.code, self.offset),
        )
    }
}

/// The FunctionGraph operation a matched route serves, by method and route pattern (as
/// axum's `MatchedPath` gives it). The journal and fault rules name requests by it.
pub fn operation_name(method: &axum::http::Method, route: &str) -> Option<&'static str> {
    const F: &str = "/v2/{project_id}/fgs/functions";
    const FU: &str = "/v2/{project_id}/fgs/functions/{function_urn}";
    let op = match (method.as_str(), route.strip_prefix(F)?) {
        ("POST", "") => "CreateFunction",
        ("GET", "") => "ListFunctions",
        _ => match (method.as_str(), route.strip_prefix(FU)?) {
            ("DELETE", "") => "DeleteFunction",
            ("GET", "/config") => "ShowFunctionConfig",
            ("PUT", "/config") => "UpdateFunctionConfig",
            ("GET", "/code") => "ShowFunctionCode",
            ("PUT", "/code") => "UpdateFunctionCode",
            ("POST", "/versions") => "CreateFunctionVersion",
            ("GET", "/versions") => "ListFunctionVersions",
            ("POST", "/aliases") => "CreateVersionAlias",
            ("GET", "/aliases") => "ListVersionAliases",
            ("GET", "/aliases/{alias_name}") => "ShowVersionAlias",
            ("PUT", "/aliases/{alias_name}") => "UpdateVersionAlias",
            ("DELETE", "/aliases/{alias_name}") => "DeleteVersionAlias",
            _ => return None,
        },
    };
    Some(op)
}
