//! Function routes: `/v2/{project_id}/fgs/functions[/{function_urn}[/config|/code]]`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{
    BadRequest, Conflict, Forbidden, FunctionListParams, FunctionParams, NotFound, OtherError,
    PayloadTooLarge, ProjectParams, Unauthorized,
};
use super::view::{CodeInBody, FunctionCodeView, FunctionView};
use super::{FunctionResponse, WrittenResponse, render_function, written_renderer};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiQuery, FunctionPath, JsonBody, ProjectPath};
use crate::http::json;
use crate::service::input::{CodeBody, FunctionBody, FunctionBodyDirect, ListQuery};

/// The function routes, each at the method and path of its `#[utoipa::path]`. One
/// `routes!` per path: `routes!` puts all its handlers on every path it names.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_functions, create_function))
        .routes(routes!(delete_function))
        .routes(routes!(show_function_config, update_function_config))
        .routes(routes!(show_function_code, update_function_code))
}

/// CreateFunction: `POST /v2/{project_id}/fgs/functions`.
/// Answers 200 with the function object; its `func_urn` ends in `:latest`.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/functions",
    operation_id = "CreateFunction",
    summary = "Create a function",
    tag = "functions",
    params(ProjectParams),
    request_body(content = FunctionBody, content_type = "application/json",
        description = "func_name, runtime, handler, memory_size, timeout and code_type are \
            required; func_code.file (base64) for inline and zip code."),
    responses(
        (status = 200, description = "The new function; `func_urn` ends in `:latest`.",
            body = FunctionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn create_function(
    State(app): State<AppState>,
    ProjectPath(project): ProjectPath,
    ApiJson(FunctionBodyDirect(body)): ApiJson<FunctionBodyDirect>,
) -> Result<FunctionResponse, ApiError> {
    let input = body.parse_create(&app.service().settings().limits)?;
    let snapshot = app.service().create_function(&project, input)?;
    Ok(FunctionResponse::new(&app, snapshot))
}

/// A page of ListFunctions.
#[derive(Serialize, ToSchema)]
struct FunctionList<'a> {
    functions: Vec<FunctionView<'a>>,
    /// The `marker` of the next page; 0 when this is the last.
    next_marker: usize,
    /// How many functions match, in all pages.
    count: usize,
}

/// ListFunctions: `GET /v2/{project_id}/fgs/functions?marker=&maxitems=&package_name=&func_name=`.
/// Answers `{functions, next_marker, count}`; each item is latest's function object.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions",
    operation_id = "ListFunctions",
    summary = "List functions",
    tag = "functions",
    params(ProjectParams, FunctionListParams),
    responses(
        (status = 200, description = "A page of functions (each latest's function object).",
            body = FunctionList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_functions(
    State(app): State<AppState>,
    ProjectPath(project): ProjectPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let (items, next_marker, count) = app.service().list_functions(&project, &query)?;
    let list = FunctionList {
        functions: super::views(&app, &items),
        next_marker,
        count,
    };
    Ok(json(StatusCode::OK, &list))
}

/// ShowFunctionConfig: `GET /v2/{project_id}/fgs/functions/{function_urn}/config`, on
/// latest, a published version or an alias.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/config",
    operation_id = "ShowFunctionConfig",
    summary = "Show a function's or version's configuration",
    tag = "functions",
    params(FunctionParams),
    responses(
        (status = 200, description = "The function, version or aliased version.",
            body = FunctionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_function_config(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    show_config(&app, &path)
}

/// ShowFunctionConfig's answer: the route's, and the fast lane's (`app::fast`).
pub(crate) fn show_config(app: &AppState, path: &FunctionPath) -> Result<Response, ApiError> {
    let read = app
        .service()
        .show_function_view(&path.project, &path.urn, "config")?;
    Ok(super::cached(read, |s| {
        super::render_function(app, s, CodeInBody::Omit)
    }))
}

/// UpdateFunctionConfig: `PUT /v2/{project_id}/fgs/functions/{function_urn}/config`. On
/// latest it changes the function; on a version, that version's configuration (never its
/// code).
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/config",
    operation_id = "UpdateFunctionConfig",
    summary = "Update a function's or version's configuration",
    tag = "functions",
    params(FunctionParams),
    request_body(content = FunctionBody, content_type = "application/json",
        description = "runtime, handler, memory_size and timeout are required; omitted \
            optional fields keep their values. Code fields are ignored."),
    responses(
        (status = 200, description = "The updated function or version.", body = FunctionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_function_config(
    State(app): State<AppState>,
    path: FunctionPath,
    body: JsonBody,
) -> Result<WrittenResponse, ApiError> {
    update_function_config_on(&app, path, body)
}

/// [`update_function_config`] on a borrowed state: the fast lane's way, which clones no
/// state per write (`app::fast::answer_write`).
pub(crate) fn update_function_config_on(
    app: &AppState,
    path: FunctionPath,
    body: JsonBody,
) -> Result<WrittenResponse, ApiError> {
    let service = app.service();
    // Straight from the body's bytes when that way can answer; else the body is read as
    // the other writes read theirs, and that way answers (errors always come from it).
    let direct = body.json_bytes().and_then(|bytes| {
        let render = written_renderer(app);
        service.update_latest_config_from_json(&path.project, &path.urn, bytes, render)
    });
    let rendered = match direct {
        Some(answered) => answered??,
        None => {
            let FunctionBodyDirect(body) = body.required()?;
            let snapshot = service.update_function_config(&path.project, &path.urn, body)?;
            render_function(app, &snapshot, CodeInBody::Omit)?
        }
    };
    Ok(WrittenResponse(rendered))
}

/// ShowFunctionCode: `GET /v2/{project_id}/fgs/functions/{function_urn}/code`, on latest, a
/// version or an alias: the SDK's narrow ShowFunctionCodeResponse, with that version's code,
/// base64, in `func_code.file` (see `view::FunctionCodeView` for why not a link).
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/code",
    operation_id = "ShowFunctionCode",
    summary = "Show a function's or version's code",
    tag = "functions",
    params(FunctionParams),
    responses(
        (status = 200, description = "The code model (ShowFunctionCodeResponse) with the \
            code, base64, in `func_code.file`.", body = FunctionCodeView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_function_code(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    show_code(&app, &path)
}

/// ShowFunctionCode's answer: the route's, and the fast lane's (`app::fast`).
pub(crate) fn show_code(app: &AppState, path: &FunctionPath) -> Result<Response, ApiError> {
    let read = app
        .service()
        .show_function_view(&path.project, &path.urn, "code")?;
    let offset = app.service().settings().utc_offset;
    Ok(super::cached(read, |s| {
        crate::http::render(&FunctionCodeView::new(s, offset))
    }))
}

/// UpdateFunctionCode: `PUT /v2/{project_id}/fgs/functions/{function_urn}/code`.
/// Replaces latest's code; answers with the new digest, size and last_modified.
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/code",
    operation_id = "UpdateFunctionCode",
    summary = "Update a function's code",
    tag = "functions",
    params(FunctionParams),
    request_body(content = CodeBody, content_type = "application/json",
        description = "code_type is required; func_code.file (base64) for inline and zip code."),
    responses(
        (status = 200, description = "Latest, with its new digest, code_size and \
            last_modified.", body = FunctionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_function_code(
    State(app): State<AppState>,
    path: FunctionPath,
    body: JsonBody,
) -> Result<WrittenResponse, ApiError> {
    update_function_code_on(&app, path, body)
}

/// [`update_function_code`] on a borrowed state (see [`update_function_config_on`]). The
/// body is read in place (`CodeBody` borrows its strings from it).
pub(crate) fn update_function_code_on(
    app: &AppState,
    path: FunctionPath,
    body: JsonBody,
) -> Result<WrittenResponse, ApiError> {
    let service = app.service();
    let input = body
        .borrowed::<CodeBody>()?
        .parse(&service.settings().limits)?;
    let rendered = service.update_function_code_with(
        &path.project,
        &path.urn,
        input,
        written_renderer(app),
    )??;
    Ok(WrittenResponse(rendered))
}

/// DeleteFunction: `DELETE /v2/{project_id}/fgs/functions/{function_urn}`. 204 with no
/// body. Unqualified: the whole function; a version or alias URN: that version.
#[utoipa::path(
    delete,
    path = "/v2/{project_id}/fgs/functions/{function_urn}",
    operation_id = "DeleteFunction",
    summary = "Delete a function or a version",
    tag = "functions",
    params(FunctionParams),
    responses(
        (status = 204, description = "Deleted: the whole function (unqualified URN) or one \
            version (a version or alias URN). No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn delete_function(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    app.service().delete_function(&path.project, &path.urn)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
