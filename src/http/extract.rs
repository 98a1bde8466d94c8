//! Our own extractors, so a malformed body, a wrong type or a bad path parameter comes back
//! in the FSS envelope and names the field, instead of axum's plain-text rejections.

use std::pin::Pin;
use std::task::Poll;

use axum::body::{Body, Bytes};
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, RawPathParams, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use http_body::Body as _;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::app_state::AppState;
use crate::domain::{ProjectId, Urn};
use crate::error::ApiError;

/// A JSON object body that must be present.
pub struct ApiJson<T>(pub T);

/// A JSON object body that may be absent (empty), which reads as `T::default()`.
/// Publish takes one: "an absent body, `{}` and `"digest": ""` all mean publish latest".
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match read_json(req, state).await? {
            Some(v) => Ok(Self(v)),
            None => Err(body_required()),
        }
    }
}

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(read_json(req, state).await?.unwrap_or_default()))
    }
}

/// Reads the whole body within `server.body_timeout_seconds` (408 FSS.0408 when a client
/// stalls) and `server.max_body_bytes` (413 FSS.0413).
pub async fn read_body(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    let server = &state.config().server;
    let deadline = std::time::Duration::from_secs(server.body_timeout_seconds);
    let limit = usize::try_from(server.max_body_bytes).unwrap_or(usize::MAX);
    let mut read = std::pin::pin!(read_limited(req.into_body(), limit));
    // A small body has usually arrived with the headers: one poll reads it, and no timer
    // is armed (arming and clearing one costs more than reading the body).
    let mut first_poll = true;
    let ready = std::future::poll_fn(|cx| {
        let was_first = std::mem::take(&mut first_poll);
        match read.as_mut().poll(cx) {
            Poll::Ready(result) => Poll::Ready(Some(result)),
            Poll::Pending if was_first => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await;
    match ready {
        Some(result) => result,
        None => tokio::time::timeout(deadline, read)
            .await
            .map_err(|_| ApiError::body_timeout(deadline.as_secs()))?,
    }
}

/// Reads a whole body, refusing more than `limit` bytes with 413 FSS.0413 as soon as it
/// grows past it (the edge already refused an over-long `Content-Length`; this stops a
/// chunked body). Only data frames count: trailers are not data (and are not signed).
pub async fn read_limited(mut body: Body, limit: usize) -> Result<Bytes, ApiError> {
    // The first data frame is kept as it came (no copy): most bodies are one frame.
    let mut first: Option<Bytes> = None;
    let mut buf = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame
            .map_err(|e| ApiError::invalid_field("body", format_args!("could not be read: {e}")))?;
        if let Ok(data) = frame.into_data() {
            let so_far = first.as_ref().map_or(0, Bytes::len) + buf.len();
            if so_far.saturating_add(data.len()) > limit {
                return Err(ApiError::body_too_large(limit as u64));
            }
            match &first {
                None if buf.is_empty() => first = Some(data),
                _ => {
                    if let Some(f) = first.take() {
                        buf.extend_from_slice(&f);
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
    Ok(match first {
        Some(only) => only,
        None => Bytes::from(buf),
    })
}

/// A body read whole but not yet parsed, with whether its content type allows JSON: for a
/// handler that may read the bytes its own way first (update config's direct path, see
/// `Service::update_latest_config_from_json`) and otherwise reads them as [`ApiJson`]
/// would ([`JsonBody::required`]), with the same errors in the same order.
pub struct JsonBody {
    bytes: Bytes,
    json_content_type: bool,
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let json_content_type = json_content_type(req.headers());
        let bytes = read_body(req, state).await?;
        Ok(Self {
            bytes,
            json_content_type,
        })
    }
}

impl JsonBody {
    /// The body's bytes, if its content type allows JSON (or it has none).
    pub fn json_bytes(&self) -> Option<&[u8]> {
        self.json_content_type.then_some(&self.bytes[..])
    }

    /// The body as [`ApiJson`] reads it: required, a JSON object, well typed.
    pub fn required<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        self.borrowed()
    }

    /// [`Self::required`], for a type that may borrow its strings from the body (update
    /// code's `CodeBody`), with the same checks and errors.
    pub fn borrowed<'de, T: Deserialize<'de>>(&'de self) -> Result<T, ApiError> {
        parse_json(&self.bytes, self.json_content_type)?.ok_or_else(body_required)
    }
}

/// Why a required body is refused when there is none.
fn body_required() -> ApiError {
    ApiError::invalid_parameter("the request body is required (a JSON object)")
}

/// Whether a request's content type allows a JSON body: none given, or
/// `application/json` (with any parameters).
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    match headers.get(CONTENT_TYPE) {
        None => true,
        Some(v) => v
            .to_str()
            .map(|s| {
                let mime = s.split(';').next().unwrap_or("").trim();
                mime.eq_ignore_ascii_case("application/json")
            })
            .unwrap_or(false),
    }
}

/// Reads the body; `None` when it is empty. The checks, in order: a JSON content type (when
/// one is given), an object (serde would otherwise accept an array for a struct), the
/// fields' types (the error names the field), and nothing after the object.
async fn read_json<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
) -> Result<Option<T>, ApiError> {
    let json_content_type = json_content_type(req.headers());
    let bytes = read_body(req, state).await?;
    parse_json(&bytes, json_content_type)
}

/// [`read_json`]'s checks on a body already read.
fn parse_json<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
    json_content_type: bool,
) -> Result<Option<T>, ApiError> {
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Ok(None);
    };
    if !json_content_type {
        return Err(ApiError::invalid_parameter(
            "Content-Type must be application/json",
        ));
    }
    if bytes[first] != b'{' {
        return Err(ApiError::invalid_parameter(
            "the request body must be a JSON object",
        ));
    }
    // Most bodies are good: read them without tracking the path (which costs on every
    // key), and read a bad one again with it, to name the field in the error.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    if let Ok(value) = T::deserialize(&mut de)
        && de.end().is_ok()
    {
        return Ok(Some(value));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() || path == "." {
            ApiError::invalid_parameter(format!("malformed JSON: {inner}"))
        } else {
            ApiError::invalid_parameter(format!("{path}: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::invalid_parameter(format!("malformed JSON: {e}")))?;
    Ok(Some(value))
}

/// `{project_id}` from a path, validated.
pub struct ProjectPath(pub ProjectId);

/// `{project_id}` and `{function_urn}` from a path: the URN percent-decoded (axum's `Path`
/// decodes each segment) and parsed in any of the accepted forms.
pub struct FunctionPath {
    /// The path's project.
    pub project: ProjectId,
    /// The URN, parsed.
    pub urn: Urn,
}

/// A path segment that is not valid percent-encoded UTF-8, or a missing parameter.
fn path_rejection(e: axum::extract::rejection::PathRejection) -> ApiError {
    ApiError::invalid_parameter(format!("bad path: {}", e.body_text()))
}

fn parse_project(s: &str) -> Result<ProjectId, ApiError> {
    ProjectId::parse(s).map_err(|e| ApiError::invalid_parameter(format!("{e}")))
}

impl<S: Send + Sync> FromRequestParts<S> for ProjectPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(project_id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(path_rejection)?;
        Ok(Self(parse_project(&project_id)?))
    }
}

/// The path's named parameters, percent-decoded by axum when it routed the request,
/// borrowed (`RawPathParams` shares axum's decoded strings: one small `Vec`, no `String`
/// per parameter). The rejections read as `Path`'s did.
async fn path_params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<RawPathParams, ApiError> {
    RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|e| {
            let text = match e {
                RawPathParamsRejection::InvalidUtf8InPathParam(e) => {
                    format!("Invalid URL: {}", e.body_text())
                }
                other => other.body_text(),
            };
            ApiError::invalid_parameter(format!("bad path: {text}"))
        })
}

fn param<'a>(params: &'a RawPathParams, name: &str) -> Result<&'a str, ApiError> {
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .ok_or_else(|| ApiError::invalid_parameter(format!("{name} is missing")))
}

impl FunctionPath {
    fn of(params: &RawPathParams) -> Result<Self, ApiError> {
        Self::parse(param(params, "project_id")?, param(params, "function_urn")?)
    }

    /// From the two parameters, already percent-decoded (also the fast lane's way, see
    /// `app::fast`, whose paths have nothing to decode).
    pub fn parse(project_id: &str, function_urn: &str) -> Result<Self, ApiError> {
        let project = parse_project(project_id)?;
        let urn =
            Urn::parse(function_urn).map_err(|e| ApiError::invalid_parameter(format!("{e}")))?;
        Ok(Self { project, urn })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for FunctionPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Self::of(&path_params(parts, state).await?)
    }
}

/// `{project_id}`, `{function_urn}` and `{alias_name}` from an alias path. The alias name
/// stays a string here: the service answers a name that cannot exist with 404 FSS.1053.
pub struct AliasPath {
    /// The function part.
    pub function: FunctionPath,
    /// The alias name as sent.
    pub alias: String,
}

impl<S: Send + Sync> FromRequestParts<S> for AliasPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = path_params(parts, state).await?;
        Ok(Self {
            function: FunctionPath::of(&params)?,
            alias: param(&params, "alias_name")?.to_owned(),
        })
    }
}

/// A query string, parsed into `T` (all fields strings, checked by the service); a query
/// that is not valid form encoding is 400 FSS.0400.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::invalid_parameter(format!("bad query: {}", e.body_text())))
    }
}
