//! Trigger routes: `/v2/{project_id}/fgs/triggers/{function_urn}[/{trigger_type_code}/{trigger_id}]`
//! (CreateFunctionTrigger, ListFunctionTriggers, BatchDeleteFunctionTriggers,
//! ShowFunctionTrigger, UpdateFunctionTrigger, DeleteFunctionTrigger). The emulator keeps
//! triggers and checks them as the service does; it never fires them.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{
    BadRequest, Conflict, Forbidden, FunctionParams, NotFound, OtherError, PayloadTooLarge,
    Unauthorized,
};
use crate::app_state::AppState;
use crate::attachments::triggers::{NewTrigger, Trigger, TriggerChange};
use crate::clock::local;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, FunctionPath, OptionalJson};
use crate::http::json;

/// The trigger routes. One `routes!` per path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            create_function_trigger,
            list_function_triggers,
            batch_delete_function_triggers
        ))
        .routes(routes!(
            show_function_trigger,
            update_function_trigger,
            delete_function_trigger
        ))
}

/// The path of an operation on one trigger.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TriggerParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
    /// The function, in any form the real service accepts, raw or percent-encoded, with
    /// the qualifier the trigger is attached to (`latest` when none).
    pub function_urn: String,
    /// The trigger's type: TIMER, APIG, DEDICATEDGATEWAY, CTS, DDS, DMS, DIS, LTS, OBS,
    /// SMN, KAFKA, OPENSOURCEKAFKA, ROCKETMQ, RABBITMQ or EVENTGRID (else 404 FSS.1137).
    pub trigger_type_code: String,
    /// The trigger's id.
    pub trigger_id: String,
}

/// `{project_id}`, `{function_urn}`, `{trigger_type_code}` and `{trigger_id}`.
pub struct TriggerPath {
    /// The function part.
    pub function: FunctionPath,
    /// The type code as sent.
    pub type_code: String,
    /// The id as sent.
    pub id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for TriggerPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let function = FunctionPath::from_request_parts(parts, state).await?;
        let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid_parameter(format!("bad path: {}", e.body_text())))?;
        let mut take = |name: &str| {
            params
                .remove(name)
                .ok_or_else(|| ApiError::invalid_parameter(format!("{name} is missing")))
        };
        Ok(Self {
            function,
            type_code: take("trigger_type_code")?,
            id: take("trigger_id")?,
        })
    }
}

/// The body of CreateFunctionTrigger.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTriggerBody {
    /// Required: the type (TIMER, APIG, DEDICATEDGATEWAY, CTS, DDS, DMS, DIS, LTS, OBS,
    /// SMN, KAFKA, OPENSOURCEKAFKA, ROCKETMQ, RABBITMQ, EVENTGRID; else 400 FSS.1101).
    pub trigger_type_code: Option<String>,
    /// ACTIVE or DISABLED. Default: DISABLED for DDS and Kafka, ACTIVE for the others.
    pub trigger_status: Option<String>,
    /// Kept, not used (as the service documents it).
    pub event_type_code: Option<String>,
    /// Required: the type's data (e.g. TIMER: name, schedule_type Rate|Cron, schedule).
    #[schema(value_type = Object)]
    pub event_data: Option<Value>,
}

/// The body of UpdateFunctionTrigger.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateTriggerBody {
    /// ACTIVE or DISABLED (only pull-mode triggers can be disabled: 400 FSS.1318).
    pub trigger_status: Option<String>,
    /// The updatable fields (is_serial, max_fetch_bytes, polling_interval, polling_unit):
    /// an array of such objects (the SDK), or the whole `event_data` object whose other
    /// fields keep their values (Terraform).
    #[schema(value_type = Option<Value>)]
    pub event_data: Option<Value>,
}

/// A trigger on the wire.
#[derive(Serialize, ToSchema)]
#[schema(as = Trigger)]
struct TriggerView<'a> {
    trigger_id: &'a str,
    /// The type code.
    trigger_type_code: &'static str,
    /// ACTIVE or DISABLED.
    trigger_status: &'static str,
    /// The data as given at create (OBS: `name` defaults to the trigger id).
    #[schema(value_type = Object)]
    event_data: &'a Map<String, Value>,
    /// `YYYY-MM-DD HH:MM:SS` in the configured offset.
    last_updated_time: String,
    /// `YYYY-MM-DD HH:MM:SS` in the configured offset.
    created_time: String,
}

impl<'a> TriggerView<'a> {
    fn new(t: &'a Trigger, app: &AppState) -> Self {
        let offset = app.service().settings().utc_offset;
        let stamp = |at| local(at, offset).format("%Y-%m-%d %H:%M:%S").to_string();
        Self {
            trigger_id: &t.trigger_id,
            trigger_type_code: t.trigger_type_code.code(),
            trigger_status: t.trigger_status.as_str(),
            event_data: &t.event_data,
            last_updated_time: stamp(t.last_updated_time),
            created_time: stamp(t.created_time),
        }
    }
}

/// CreateFunctionTrigger: `POST /v2/{project_id}/fgs/triggers/{function_urn}`. 201 with
/// the trigger, attached to the qualifier the URN names.
#[utoipa::path(
    post,
    path = "/v2/{project_id}/fgs/triggers/{function_urn}",
    operation_id = "CreateFunctionTrigger",
    summary = "Create a trigger",
    tag = "triggers",
    params(FunctionParams),
    request_body(content = CreateTriggerBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The new trigger.", body = TriggerView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn create_function_trigger(
    State(app): State<AppState>,
    path: FunctionPath,
    ApiJson(body): ApiJson<CreateTriggerBody>,
) -> Result<Response, ApiError> {
    let new = NewTrigger::parse(
        body.trigger_type_code.as_deref(),
        body.trigger_status.as_deref(),
        body.event_type_code.as_deref(),
        body.event_data.as_ref(),
    )?;
    let trigger = app
        .service()
        .create_function_trigger(&path.project, &path.urn, new)?;
    Ok(json(StatusCode::CREATED, &TriggerView::new(&trigger, &app)))
}

/// ListFunctionTriggers: `GET /v2/{project_id}/fgs/triggers/{function_urn}`. A bare JSON
/// array of the qualifier's triggers.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/triggers/{function_urn}",
    operation_id = "ListFunctionTriggers",
    summary = "List the triggers of a function version or alias",
    tag = "triggers",
    params(FunctionParams),
    responses(
        (status = 200, description = "The triggers, oldest first.", body = Vec<TriggerView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn list_function_triggers(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    let triggers = app
        .service()
        .list_function_triggers(&path.project, &path.urn)?;
    let views: Vec<TriggerView<'_>> = triggers.iter().map(|t| TriggerView::new(t, &app)).collect();
    Ok(json(StatusCode::OK, &views))
}

/// BatchDeleteFunctionTriggers: `DELETE /v2/{project_id}/fgs/triggers/{function_urn}`.
/// A version or alias URN: that qualifier's triggers; unqualified or `latest`: every
/// trigger of the function. 204.
#[utoipa::path(
    delete,
    path = "/v2/{project_id}/fgs/triggers/{function_urn}",
    operation_id = "BatchDeleteFunctionTriggers",
    summary = "Delete the triggers of a function, version or alias",
    tag = "triggers",
    params(FunctionParams),
    responses(
        (status = 204, description = "Deleted. No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn batch_delete_function_triggers(
    State(app): State<AppState>,
    path: FunctionPath,
) -> Result<Response, ApiError> {
    app.service()
        .delete_function_triggers(&path.project, &path.urn)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// ShowFunctionTrigger: `GET .../triggers/{function_urn}/{trigger_type_code}/{trigger_id}`.
#[utoipa::path(
    get,
    path = "/v2/{project_id}/fgs/triggers/{function_urn}/{trigger_type_code}/{trigger_id}",
    operation_id = "ShowFunctionTrigger",
    summary = "Show a trigger",
    tag = "triggers",
    params(TriggerParams),
    responses(
        (status = 200, description = "The trigger.", body = TriggerView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn show_function_trigger(
    State(app): State<AppState>,
    path: TriggerPath,
) -> Result<Response, ApiError> {
    let f = &path.function;
    let trigger =
        app.service()
            .show_function_trigger(&f.project, &f.urn, &path.type_code, &path.id)?;
    Ok(json(StatusCode::OK, &TriggerView::new(&trigger, &app)))
}

/// UpdateFunctionTrigger: `PUT .../triggers/{function_urn}/{trigger_type_code}/{trigger_id}`.
/// The status and the updatable `event_data` fields; 200 with the trigger.
#[utoipa::path(
    put,
    path = "/v2/{project_id}/fgs/triggers/{function_urn}/{trigger_type_code}/{trigger_id}",
    operation_id = "UpdateFunctionTrigger",
    summary = "Enable, disable or tune a trigger",
    tag = "triggers",
    params(TriggerParams),
    request_body(content = Option<UpdateTriggerBody>, content_type = "application/json",
        description = "May be absent: nothing changes."),
    responses(
        (status = 200, description = "The trigger after the change.", body = TriggerView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = "default", response = OtherError),
    )
)]
pub async fn update_function_trigger(
    State(app): State<AppState>,
    path: TriggerPath,
    OptionalJson(body): OptionalJson<UpdateTriggerBody>,
) -> Result<Response, ApiError> {
    let change = TriggerChange::parse(body.trigger_status.as_deref(), body.event_data.as_ref())?;
    let f = &path.function;
    let trigger = app.service().update_function_trigger(
        &f.project,
        &f.urn,
        &path.type_code,
        &path.id,
        change,
    )?;
    Ok(json(StatusCode::OK, &TriggerView::new(&trigger, &app)))
}

/// DeleteFunctionTrigger: `DELETE .../triggers/{function_urn}/{trigger_type_code}/{trigger_id}`.
/// 204.
#[utoipa::path(
    delete,
    path = "/v2/{project_id}/fgs/triggers/{function_urn}/{trigger_type_code}/{trigger_id}",
    operation_id = "DeleteFunctionTrigger",
    summary = "Delete a trigger",
    tag = "triggers",
    params(TriggerParams),
    responses(
        (status = 204, description = "Deleted. No body."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = "default", response = OtherError),
    )
)]
pub async fn delete_function_trigger(
    State(app): State<AppState>,
    path: TriggerPath,
) -> Result<Response, ApiError> {
    let f = &path.function;
    app.service()
        .delete_function_trigger(&f.project, &f.urn, &path.type_code, &path.id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
