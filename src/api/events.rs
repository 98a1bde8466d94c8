//! Test-event routes: `/v2/{project_id}/fgs/functions/{function_urn}/events[/{event_id}]`
//! (CreateEvent, ListEvents, ShowEvent, UpdateEvent, DeleteEvent). The events belong to
//! the function, whatever qualifier the URN names.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{
    BadRequest, Forbidden, FunctionParams, NotFound, OtherError, PayloadTooLarge, Unauthorized,
};
use crate::app_state::AppState;
use crate::attachments::events::TestEvent;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, FunctionPath};
use crate::http::json;

/// The test-event routes. One `routes!` per path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_event, list_events))
        .routes(routes!(show_event, update_event, delete_event))
}

/// The path of an operation on one test event.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EventParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
    /// The function, in any form the real service accepts, raw or percent-encoded.
    pub function_urn: String,
    /// The test event's id.
    pub event_id: String,
}

/// `{project_id}`, `{function_urn}` and `{event_id}`.
pub struct EventPath {
    /// The function part.
    pub function: FunctionPath,
    /// The event id as sent.
    pub id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for EventPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let function = FunctionPath::from_request_parts(parts, state).await?;
        let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid_parameter(format!("bad path: {}", e.body_text())))?;
        let id = params
            .remove("event_id")
            .ok_or_else(|| ApiError::invalid_parameter("event_id is missing"))?;
        Ok(Self { function, id })
    }
}

/// The body of CreateEvent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateEventBody {
    /// Required: 1 to 25 letters, digits, `-` and `_`, starting with a letter and ending
    /// with a letter or digit; unique on the function (403 FSS.1073).
    pub name: Option<String>,
    /// Required: base64 of a JSON document of at most 4 KB.
    pub content: Option<String>,
}

/// The body of UpdateEvent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateEventBody {
    /// Required: base64 of a JSON document of at most 4 KB.
    pub content: Option<String>,
    /// A new name (Terraform sends the name with every update); unchanged when absent.
    pub name: Option<String>,
}

/// What CreateEvent and UpdateEvent answer.
#[derive(Serialize, ToSchema)]
#[schema(as = EventRef)]
struct EventRefView<'a> {
    id: &'a str,
    name: &'a str,
}

/// An item of ListEvents.
#[derive(Serialize, ToSchema)]
#[schema(as = EventItem)]
struct EventItemView<'a> {
    id: &'a str,
    name: &'a str,
    /// Seconds since the epoch of the last update; absent until the event is updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified: Option<i64>,
}

/// What ListEvents answers.
#[derive(Serialize, ToSchema)]
#[schema(as = EventList)]
struct EventListView<'a> {
    events: Vec<EventItemView<'a>>,
    /// The offset after the last item: the count (there is one page).
    next_marker: usize,
    count: usize,
}

/// What ShowEvent answers.
#[derive(Serialize, ToSchema)]
#[schema(as = Event)]
struct EventView<'a> {
    id: &'a str,
    name: &'a str,
    /// The content as given (base64).
    content: &'a str,
    /// Seconds since the epoch of the last update; absent until the event is updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified: Option<i64>,
}

fn reference(e: &TestEvent) -> EventRefView<'_> {
    EventRefView {
        id: &e.id,
        name: &e.name,
    }
}

fn required(v: Option<String>, field: &str) -> Result<String, ApiError> {
    v.ok_or_else(|| {
        ApiError::detailed(
            crate::error::ErrorCode::InvalidEvent,
            format_args!("{field} is required"),
        )
    })
}

/// CreateEvent: `POST .../functions/{function_urn}/events`. 200 with `{id, name}`.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/events",
    operation_id = "CreateEvent",
    summary = "Create a test event",
    tag = "events",
    params(FunctionParams),
    request_body(content = CreateEventBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The new event's id and name.", body = EventRefView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn create_event(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<CreateEventBody>,
) -> Result<Response, ApiError> {
    let name = required(body.name, "name")?;
    let content = required(body.content, "content")?;
    let event = app
        .service()
        .create_event(&path.project, &path.urn, name, content)?;
    Ok(json(StatusCode::OK, &reference(&event)))
}

/// ListEvents: `GET .../functions/{function_urn}/events`. `{events, next_marker, count}`,
/// every event in one page.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/events",
    operation_id = "ListEvents",
    summary = "List a function's test events",
    tag = "events",
    params(FunctionParams),
    responses(
        (status = 200, description = "The events, oldest first.", body = EventListView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_events(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    let events = app.service().list_events(&path.project, &path.urn)?;
    let view = EventListView {
        events: events
            .iter()
            .map(|e| EventItemView {
                id: &e.id,
                name: &e.name,
                last_modified: e.last_modified.map(|t| t.timestamp()),
            })
            .collect(),
        next_marker: events.len(),
        count: events.len(),
    };
    Ok(json(StatusCode::OK, &view))
}

/// ShowEvent: `GET .../functions/{function_urn}/events/{event_id}`.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/events/{event_id}",
    operation_id = "ShowEvent",
    summary = "Show a test event",
    tag = "events",
    params(EventParams),
    responses(
        (status = 200, description = "The event with its content.", body = EventView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_event(
    State(app): State<AppState>,
    path: EventPath,
) -> Result<Response, ApiError> {
    let f = &path.function;
    let e = app.service().show_event(&f.project, &f.urn, &path.id)?;
    let view = EventView {
        id: &e.id,
        name: &e.name,
        content: &e.content,
        last_modified: e.last_modified.map(|t| t.timestamp()),
    };
    Ok(json(StatusCode::OK, &view))
}

/// UpdateEvent: `PUT .../functions/{function_urn}/events/{event_id}`. 200 with `{id, name}`.
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/events/{event_id}",
    operation_id = "UpdateEvent",
    summary = "Update a test event",
    tag = "events",
    params(EventParams),
    request_body(content = UpdateEventBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The event's id and name.", body = EventRefView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_event(
    State(app): State<AppState>,
    path: EventPath,
    ApiJson(body): ApiJson<UpdateEventBody>,
) -> Result<Response, ApiError> {
    let content = required(body.content, "content")?;
    let f = &path.function;
    let event = app
        .service()
        .update_event(&f.project, &f.urn, &path.id, body.name, content)?;
    Ok(json(StatusCode::OK, &reference(&event)))
}

/// DeleteEvent: `DELETE .../functions/{function_urn}/events/{event_id}`. 204.
#[utoipa::path(
    delete,
    path = "/v2/{project_id}/fgs/functions/{function_urn}/events/{event_id}",
    operation_id = "DeleteEvent",
    summary = "Delete a test event",
    tag = "events",
    params(EventParams),
    responses(
        (status = 204, description = "Deleted. No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn delete_event(
    State(app): State<AppState>,
    path: EventPath,
) -> Result<Response, ApiError> {
    let f = &path.function;
    app.service().delete_event(&f.project, &f.urn, &path.id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
