//! Alias routes: `/v2/{project_id}/fgs/functions/{function_urn}/aliases[/{alias_name}]`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{
    AliasParams, BadRequest, Conflict, Forbidden, FunctionParams, NotFound, OtherError,
    PayloadTooLarge, Unauthorized,
};
use crate::app_state::AppState;
use crate::clock::rfc3339;
use crate::domain::{Qualifier, full_urn};
use crate::error::ApiError;
use crate::http::extract::{AliasPath, ApiJson, FunctionPath};
use crate::http::json;
use crate::service::aliases::AliasSnapshot;
use crate::service::input::AliasBody;

/// The alias routes, each at the method and path of its `#[utoipa::path]`. One `routes!`
/// per path: `routes!` puts all its handlers on every path it names.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_version_aliases, create_version_alias))
        .routes(routes!(
            show_version_alias,
            update_version_alias,
            delete_version_alias
        ))
}

/// An alias on the wire. `additional_version_weights` and `additional_version_strategy`
/// are `{version: ...}` maps, or `null` when the alias has no additional version.
#[derive(Serialize, ToSchema)]
#[schema(as = Alias)]
struct AliasView<'a> {
    /// The alias name.
    name: &'a str,
    /// The major version: `latest` or a version name.
    version: &'a str,
    description: &'a str,
    /// RFC 3339 with the configured offset.
    last_modified: String,
    /// `urn:fss:<region>:<project>:function:<package>:<name>:!<alias>`.
    alias_urn: String,
    /// `{version: weight}` for the additional version, or null.
    #[schema(required = true, value_type = Option<HashMap<String, i64>>)]
    additional_version_weights: Option<Map<String, Value>>,
    /// `{version: {combine_type, rules}}` for the additional version, or null.
    #[schema(required = true, value_type = Option<HashMap<String, Object>>)]
    additional_version_strategy: Option<Map<String, Value>>,
}

impl<'a> AliasView<'a> {
    fn new(s: &'a AliasSnapshot, app: &AppState) -> Self {
        let a = &s.alias;
        let p = &s.project;
        let entry = |value: Option<Value>| {
            let extra = a.additional.as_ref()?;
            Some(Map::from_iter([(extra.version.to_string(), value?)]))
        };
        let additional = a.additional.as_ref();
        Self {
            name: a.name.as_str(),
            version: &a.version,
            description: a.description.as_str(),
            last_modified: rfc3339(a.last_modified, app.service().settings().utc_offset),
            alias_urn: full_urn(
                &p.region,
                &p.id,
                &s.package,
                &s.function,
                &Qualifier::Alias(a.name.clone()),
            ),
            additional_version_weights: entry(additional.and_then(|x| x.weight).map(Value::from)),
            additional_version_strategy: entry(additional.and_then(|x| x.strategy.clone())),
        }
    }
}

/// CreateVersionAlias: `POST .../aliases`. 200 with the alias, `alias_urn` ending `:!name`.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/aliases",
    operation_id = "CreateVersionAlias",
    summary = "Create an alias",
    tag = "aliases",
    params(FunctionParams),
    request_body(content = AliasBody, content_type = "application/json",
        description = "name and version are required."),
    responses(
        (status = 200, description = "The new alias.", body = AliasView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn create_version_alias(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<AliasBody>,
) -> Result<Response, ApiError> {
    let alias = app
        .service()
        .create_version_alias(&path.project, &path.urn, body)?;
    Ok(json(StatusCode::OK, &AliasView::new(&alias, &app)))
}

/// ListVersionAliases: `GET .../aliases`. A bare JSON array, as the SDKs expect.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/aliases",
    operation_id = "ListVersionAliases",
    summary = "List aliases",
    tag = "aliases",
    params(FunctionParams),
    responses(
        (status = 200, description = "The function's aliases: a bare JSON array.",
            body = Vec<AliasView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_version_aliases(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    list_aliases(&app, &path)
}

/// ListVersionAliases' answer: the route's, and the fast lane's (`app::fast`).
pub(crate) fn list_aliases(app: &AppState, path: &FunctionPath) -> Result<Response, ApiError> {
    let read = app
        .service()
        .list_version_aliases(&path.project, &path.urn)?;
    Ok(super::cached(read, |aliases| {
        let views: Vec<AliasView> = aliases.iter().map(|a| AliasView::new(a, app)).collect();
        crate::http::render(&views)
    }))
}

/// ShowVersionAlias: `GET .../aliases/{alias_name}`. 404 FSS.1053 if there is none.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/aliases/{alias_name}",
    operation_id = "ShowVersionAlias",
    summary = "Show an alias",
    tag = "aliases",
    params(AliasParams),
    responses(
        (status = 200, description = "The alias.", body = AliasView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_version_alias(
    State(app): State<AppState>,
    path: AliasPath,
) -> Result<Response, ApiError> {
    let f = &path.function;
    let alias = app
        .service()
        .show_version_alias(&f.project, &f.urn, &path.alias)?;
    Ok(json(StatusCode::OK, &AliasView::new(&alias, &app)))
}

/// UpdateVersionAlias: `PUT .../aliases/{alias_name}`. Replaces version, description,
/// weights and strategy; 200 with the alias.
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/aliases/{alias_name}",
    operation_id = "UpdateVersionAlias",
    summary = "Update an alias",
    tag = "aliases",
    params(AliasParams),
    request_body(content = AliasBody, content_type = "application/json",
        description = "version is required; name is ignored (the path names the alias)."),
    responses(
        (status = 200, description = "The updated alias.", body = AliasView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_version_alias(
    State(app): State<AppState>,
    path: AliasPath,
    ApiJson(body): ApiJson<AliasBody>,
) -> Result<Response, ApiError> {
    let f = &path.function;
    let alias = app
        .service()
        .update_version_alias(&f.project, &f.urn, &path.alias, body)?;
    Ok(json(StatusCode::OK, &AliasView::new(&alias, &app)))
}

/// DeleteVersionAlias: `DELETE .../aliases/{alias_name}`. 204 with no body.
#[utoipa::path(
    delete,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/aliases/{alias_name}",
    operation_id = "DeleteVersionAlias",
    summary = "Delete an alias",
    tag = "aliases",
    params(AliasParams),
    responses(
        (status = 204, description = "Deleted. No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn delete_version_alias(
    State(app): State<AppState>,
    path: AliasPath,
) -> Result<Response, ApiError> {
    let f = &path.function;
    app.service()
        .delete_version_alias(&f.project, &f.urn, &path.alias)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
