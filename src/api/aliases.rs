//! Alias routes: `/v2/{project_id}/fgs/functions/{function_urn}/aliases[/{alias_name}]`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::{Map, Value};

use super::extract::{AliasPath, ApiJson, FunctionPath};
use super::json;
use crate::app::AppState;
use crate::clock::rfc3339;
use crate::domain::{Qualifier, full_urn};
use crate::error::ApiError;
use crate::service::aliases::AliasSnapshot;
use crate::service::input::AliasBody;

/// The alias routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/aliases",
            get(list_version_aliases).post(create_version_alias),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/aliases/{alias_name}",
            get(show_version_alias)
                .put(update_version_alias)
                .delete(delete_version_alias),
        )
}

/// An alias on the wire. `additional_version_weights` and `additional_version_strategy`
/// are `{version: ...}` maps, or `null` when the alias has no additional version.
#[derive(Serialize)]
struct AliasView<'a> {
    name: &'a str,
    version: &'a str,
    description: &'a str,
    last_modified: String,
    alias_urn: String,
    additional_version_weights: Option<Map<String, Value>>,
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
pub async fn list_version_aliases(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    let aliases = app
        .service()
        .list_version_aliases(&path.project, &path.urn)?;
    let views: Vec<AliasView> = aliases.iter().map(|a| AliasView::new(a, &app)).collect();
    Ok(json(StatusCode::OK, &views))
}

/// ShowVersionAlias: `GET .../aliases/{alias_name}`. 404 FSS.1053 if there is none.
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
pub async fn delete_version_alias(
    State(app): State<AppState>,
    path: AliasPath,
) -> Result<Response, ApiError> {
    let f = &path.function;
    app.service()
        .delete_version_alias(&f.project, &f.urn, &path.alias)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
