//! Tag routes, as the official SDK and the Terraform provider call them. Unlike every other
//! FunctionGraph route they have no `/fgs`: `/v2/{project_id}/{resource_type}/...`, where
//! `resource_type` can only be `functions` and `resource_id` is the function's URN (or its
//! `func_id`).
//!
//! - CreateTags `POST .../{resource_id}/tags/create` and DeleteTags
//!   `DELETE .../{resource_id}/tags/delete`: 204, no body.
//! - ListFunctionTags `GET .../{resource_id}/tags`: `{tags, sys_tags}` of `{key, value}`.
//! - ShowProjectTagsList `GET /v2/{project_id}/{resource_type}/tags`: every key with its
//!   values across the project, `{tags, sys_tags}` of `{key, values}`.
//! - ShowResInstanceInfo `POST /v2/{project_id}/{resource_type}/resource-instances/{action}`:
//!   filter (`filter`) or count (`count`) functions by name and tags.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{BadRequest, Forbidden, NotFound, OtherError, Unauthorized};
use crate::app_state::AppState;
use crate::attachments::tags::{TagKind, Tags};
use crate::domain::ProjectId;
use crate::error::ApiError;
use crate::http::extract::OptionalJson;
use crate::http::json;
use crate::service::tags::{FilterResult, ProjectTags, ResourceFilterBody, TagsBody};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_tags))
        .routes(routes!(delete_tags))
        .routes(routes!(list_function_tags))
        .routes(routes!(show_project_tags_list))
        .routes(routes!(show_res_instance_info))
}

/// The path of an operation on one function's tags.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TagResourceParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
    /// The resource type: only `functions` (anything else: 400 FSS.0400).
    pub resource_type: String,
    /// The function: its URN in any form the real service accepts, raw or
    /// percent-encoded (`...:latest` as Terraform sends it; a qualifier is ignored, tags
    /// belong to the function), or its `func_id`.
    pub resource_id: String,
}

/// The path of an operation on a project's tags.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TagTypeParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
    /// The resource type: only `functions` (anything else: 400 FSS.0400).
    pub resource_type: String,
}

/// The path of ShowResInstanceInfo.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ResourceInstanceParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
    /// The resource type: only `functions` (anything else: 400 FSS.0400).
    pub resource_type: String,
    /// `filter` (a page of matching functions) or `count` (how many).
    pub action: String,
}

/// The named parameters of a tag path, percent-decoded, with the project checked.
pub struct TagPath {
    project: ProjectId,
    resource_type: String,
    resource_id: String,
    action: String,
}

impl<S: Send + Sync> FromRequestParts<S> for TagPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid_parameter(format!("bad path: {}", e.body_text())))?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let project = ProjectId::parse(&get("project_id"))
            .map_err(|e| ApiError::invalid_parameter(format!("{e}")))?;
        Ok(Self {
            project,
            resource_type: get("resource_type"),
            resource_id: get("resource_id"),
            action: get("action"),
        })
    }
}

/// One tag, `{key, value}` (the SDK's `KvItem`).
#[derive(Serialize, ToSchema)]
pub struct KvItemView<'a> {
    key: &'a str,
    value: &'a str,
}

fn kv_items(tags: &Tags, kind: TagKind) -> Vec<KvItemView<'_>> {
    tags.of(kind)
        .map(|(key, value)| KvItemView { key, value })
        .collect()
}

/// A function's tags (ListFunctionTagsResponse), each list in key order.
#[derive(Serialize, ToSchema)]
pub struct FunctionTagsView<'a> {
    /// The tenant's tags.
    tags: Vec<KvItemView<'a>>,
    /// The system tags.
    sys_tags: Vec<KvItemView<'a>>,
}

/// A key with every value it has in the project (the SDK's `TagItem`).
#[derive(Serialize, ToSchema)]
pub struct TagItemView<'a> {
    key: &'a str,
    values: Vec<&'a str>,
}

/// Every tag key used in the project (ShowProjectTagsListResponse), in key order, each
/// with its values in order.
#[derive(Serialize, ToSchema)]
pub struct ProjectTagsView<'a> {
    /// The tenant's tags.
    tags: Vec<TagItemView<'a>>,
    /// The system tags.
    sys_tags: Vec<TagItemView<'a>>,
}

/// Where a matched function's details are (the SDK's `ListEnterpriseResourceDetail`).
#[derive(Serialize, ToSchema)]
pub struct ResourceDetailView<'a> {
    /// The function's URN.
    #[serde(rename = "detailId")]
    detail_id: &'a str,
}

/// One matched function (the SDK's `ListEnterpriseResourceResult`).
#[derive(Serialize, ToSchema)]
pub struct ResourceView<'a> {
    /// The function's latest URN (`...:latest`): the id Terraform keeps for a function.
    resource_id: &'a str,
    resource_detail: ResourceDetailView<'a>,
    tags: Vec<KvItemView<'a>>,
    sys_tags: Vec<KvItemView<'a>>,
    /// The function's name.
    resource_name: &'a str,
}

/// ShowResInstanceInfoResponse: the page (`filter` only) and how many match in all.
#[derive(Serialize, ToSchema)]
pub struct ResourceInstancesView<'a> {
    /// The page of matching functions, in creation order; `null` for `count` (every key
    /// the SDK's model declares is present, and an unset array is `null`, SPEC 9).
    resources: Option<Vec<ResourceView<'a>>>,
    /// How many functions match.
    total_count: usize,
}

/// CreateTags: `POST /v2/{project_id}/{resource_type}/{resource_id}/tags/create`.
/// Adds tags to a function; a key it already carries takes the new value. 204, no body.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/{resource_type}/{resource_id}/tags/create",
    operation_id = "CreateTags",
    summary = "Tag a function",
    tag = "tags",
    params(TagResourceParams),
    request_body(content = TagsBody, content_type = "application/json",
        description = "`tags` (and `sys_tags`, keys starting `_sys_`): `{key, value}`. A key \
            is 1-36 letters, digits, `-`, `_` or CJK; a value 0-36 of those or `.`. At most \
            20 tags per function; no key twice in one request. An absent body changes nothing."),
    responses(
        (status = 204, description = "Tagged. No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn create_tags(
    State(app): State<AppState>,
    path: TagPath,
    OptionalJson(body): OptionalJson<TagsBody>,
) -> Result<Response, ApiError> {
    app.service()
        .create_tags(&path.project, &path.resource_type, &path.resource_id, body)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// DeleteTags: `DELETE /v2/{project_id}/{resource_type}/{resource_id}/tags/delete`.
/// Removes tags by key (or by key and value, when a value is given). 204, no body.
#[utoipa::path(
    delete,
    path = "/v2/{project_id}/{resource_type}/{resource_id}/tags/delete",
    operation_id = "DeleteTags",
    summary = "Untag a function",
    tag = "tags",
    params(TagResourceParams),
    request_body(content = TagsBody, content_type = "application/json",
        description = "`tags` (and `sys_tags`): `{key, value?}`. Without a value the key goes \
            whatever its value; with one, only if it matches. A key the function does not \
            carry is no error."),
    responses(
        (status = 204, description = "Untagged. No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn delete_tags(
    State(app): State<AppState>,
    path: TagPath,
    OptionalJson(body): OptionalJson<TagsBody>,
) -> Result<Response, ApiError> {
    app.service()
        .delete_tags(&path.project, &path.resource_type, &path.resource_id, body)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// ListFunctionTags: `GET /v2/{project_id}/{resource_type}/{resource_id}/tags`.
/// The function's tags and system tags, in key order.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/{resource_type}/{resource_id}/tags",
    operation_id = "ListFunctionTags",
    summary = "List a function's tags",
    tag = "tags",
    params(TagResourceParams),
    responses(
        (status = 200, description = "`{tags, sys_tags}`, each a list of `{key, value}`.",
            body = FunctionTagsView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_function_tags(
    State(app): State<AppState>,
    path: TagPath,
) -> Result<Response, ApiError> {
    let tags =
        app.service()
            .function_tags(&path.project, &path.resource_type, &path.resource_id)?;
    let view = FunctionTagsView {
        tags: kv_items(&tags, TagKind::User),
        sys_tags: kv_items(&tags, TagKind::System),
    };
    Ok(json(StatusCode::OK, &view))
}

fn tag_items(
    map: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<TagItemView<'_>> {
    map.iter()
        .map(|(key, values)| TagItemView {
            key,
            values: values.iter().map(String::as_str).collect(),
        })
        .collect()
}

/// ShowProjectTagsList: `GET /v2/{project_id}/{resource_type}/tags`.
/// Every tag key the project's functions carry, each with all its values.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/{resource_type}/tags",
    operation_id = "ShowProjectTagsList",
    summary = "List the tags used in a project",
    tag = "tags",
    params(TagTypeParams),
    responses(
        (status = 200, description = "`{tags, sys_tags}`, each a list of `{key, values}`.",
            body = ProjectTagsView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_project_tags_list(
    State(app): State<AppState>,
    path: TagPath,
) -> Result<Response, ApiError> {
    let ProjectTags { tags, sys_tags } = app
        .service()
        .project_tags(&path.project, &path.resource_type)?;
    let view = ProjectTagsView {
        tags: tag_items(&tags),
        sys_tags: tag_items(&sys_tags),
    };
    Ok(json(StatusCode::OK, &view))
}

/// ShowResInstanceInfo: `POST /v2/{project_id}/{resource_type}/resource-instances/{action}`.
/// The project's functions matching a name and tags: a page of them (`filter`) or their
/// number (`count`).
#[utoipa::path(
    post,
    path = "/v2/{project_id}/{resource_type}/resource-instances/{action}",
    operation_id = "ShowResInstanceInfo",
    summary = "Filter or count functions by tags",
    tag = "tags",
    params(ResourceInstanceParams),
    request_body(content = ResourceFilterBody, content_type = "application/json",
        description = "Every field optional; an absent body matches every function."),
    responses(
        (status = 200, description = "`{resources, total_count}` (`count`: `resources` is null).",
            body = ResourceInstancesView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_res_instance_info(
    State(app): State<AppState>,
    path: TagPath,
    OptionalJson(body): OptionalJson<ResourceFilterBody>,
) -> Result<Response, ApiError> {
    let FilterResult {
        resources,
        total_count,
    } = app
        .service()
        .filter_resources(&path.project, &path.resource_type, &path.action, body)?;
    let view = ResourceInstancesView {
        resources: resources.as_ref().map(|list| {
            list.iter()
                .map(|m| ResourceView {
                    resource_id: &m.urn,
                    resource_detail: ResourceDetailView { detail_id: &m.urn },
                    tags: kv_items(&m.tags, TagKind::User),
                    sys_tags: kv_items(&m.tags, TagKind::System),
                    resource_name: &m.name,
                })
                .collect()
        }),
        total_count,
    };
    Ok(json(StatusCode::OK, &view))
}
