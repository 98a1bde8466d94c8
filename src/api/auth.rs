//! Authentication (SPEC section 6), checked by the edge (`crate::app::middleware`) on the
//! FunctionGraph routes.
//!
//! - `presence` (default) accepts any non-empty `X-Auth-Token`, or an `Authorization`
//!   header that starts with `SDK-HMAC-SHA256 ` (what every official SDK sends), and refuses
//!   a request with neither: 401 FSS.0401.
//! - `verify` checks what is presented:
//!   - no `X-Auth-Token` and no `SDK-HMAC-SHA256` Authorization: 401 FSS.0401;
//!   - a signature is verified as the SDKs compute it (see [`super::signature`]); any
//!     failure (unknown AK, malformed header, missing signed header, missing or stale
//!     `X-Sdk-Date`, wrong signature) is 401 APIGW.0301, the API gateway's answer, with a
//!     message naming the check;
//!   - a token must be one of `[[auth.tokens]]`, else 401 FSS.0401;
//!   - a token or credential whose `project_ids` is not empty may only be used on those
//!     projects (the `{project_id}` of `/v2/{project_id}/...`): 403 FSS.0403.
//!
//!   When a request carries both a token and a signature (the Python SDK signs even with a
//!   preset `X-Auth-Token`), both must pass: nothing presented is ignored.
//! - `off` checks nothing.
//!
//! The control plane under `/_emulator` is not behind this layer.

use axum::body::Body;
use axum::extract::{OriginalUri, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderName};
use axum::response::{IntoResponse, Response};

use super::signature::{self, SignatureError, SignedRequest};
use crate::app_state::AppState;
use crate::config::{AuthConfig, AuthMode};
use crate::error::ApiError;
use crate::http::extract::read_limited;

/// The prefix of an AK/SK-signed request's Authorization header.
pub const SDK_HMAC_PREFIX: &str = "SDK-HMAC-SHA256 ";

/// The header that carries an IAM token.
pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";

/// [`AUTH_TOKEN_HEADER`] as a header name, checked when compiling: a lookup by `&str`
/// checks and lower-cases the name's characters before hashing them, on every request
/// (the fast lane's test went from 212 to 179 of about 12,600 samples of update config
/// in-process, `cargo bench --bench stack`). A `const`, as `app::REQUEST_ID_HEADER` is.
const AUTH_TOKEN: HeaderName = HeaderName::from_static(AUTH_TOKEN_HEADER);

/// Refuses unauthenticated requests before any handler or extractor runs (rule 1 of every
/// operation): the request to go on with (in `verify` mode its body buffered and put back),
/// or the refusal. Called by the edge for the FunctionGraph routes only
/// (`crate::app::middleware`).
pub async fn check(app: &AppState, req: Request) -> Result<Request, Response> {
    match app.config().auth.mode {
        AuthMode::Off => Ok(req),
        AuthMode::Presence => {
            if Presented::any(req.headers()) {
                Ok(req)
            } else {
                Err(no_credentials().into_response())
            }
        }
        // Boxed: checking a signature reads the body and holds a large state; unboxed,
        // that state would be part of every request's edge future (moved and zeroed on
        // each one, in every mode), not only of the signed ones.
        AuthMode::Verify => Box::pin(verify(app, req))
            .await
            .map_err(IntoResponse::into_response),
    }
}

/// Whether a request with these headers passes without anything to verify: always with
/// `off`, with `presence` when it presents a credential. `false` means [`check`] must
/// decide (a `verify` mode, or a refusal to answer). The fast lane's test (`app::fast`).
pub(crate) fn passes_unchecked(app: &AppState, headers: &HeaderMap) -> bool {
    match app.config().auth.mode {
        AuthMode::Off => true,
        AuthMode::Presence => Presented::any(headers),
        AuthMode::Verify => false,
    }
}

/// What credentials a request carries, before any is checked.
struct Presented {
    /// A non-blank `X-Auth-Token`, as bytes (a token need not be UTF-8 to be compared).
    token: Option<Vec<u8>>,
    /// An `Authorization` header in the SDK-HMAC-SHA256 scheme.
    signed: bool,
}

impl Presented {
    /// Whether the request presents a token or a signature (`presence` mode), without
    /// copying anything.
    fn any(headers: &HeaderMap) -> bool {
        headers
            .get(&AUTH_TOKEN)
            .is_some_and(|v| !v.as_bytes().trim_ascii().is_empty())
            || headers
                .get(AUTHORIZATION)
                .is_some_and(|v| v.as_bytes().starts_with(SDK_HMAC_PREFIX.as_bytes()))
    }

    fn of(req: &Request) -> Self {
        let headers = req.headers();
        let token = headers
            .get(&AUTH_TOKEN)
            .map(|v| v.as_bytes().trim_ascii())
            .filter(|v| !v.is_empty())
            .map(<[u8]>::to_vec);
        let signed = headers
            .get(AUTHORIZATION)
            .is_some_and(|v| v.as_bytes().starts_with(SDK_HMAC_PREFIX.as_bytes()));
        Self { token, signed }
    }
}

/// `auth.mode = "verify"`: checks every credential presented and hands back the request,
/// its body buffered (the signature covers it) and put back for the extractors.
async fn verify(app: &AppState, req: Request) -> Result<Request, ApiError> {
    let config = app.config();
    let auth = &config.auth;
    let presented = Presented::of(&req);
    if presented.token.is_none() && !presented.signed {
        return Err(no_credentials());
    }
    // The path as the client sent it: a nested router would have stripped a prefix from
    // `uri()`, and the signature covers the whole path.
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let project = crate::http::path_project(uri.path());

    let req = if presented.signed {
        let (parts, body) = req.into_parts();
        let limit = usize::try_from(config.server.max_body_bytes).unwrap_or(usize::MAX);
        let deadline = std::time::Duration::from_secs(config.server.body_timeout_seconds);
        let bytes = tokio::time::timeout(deadline, read_limited(body, limit))
            .await
            .map_err(|_| ApiError::body_timeout(deadline.as_secs()))??;
        let request = SignedRequest {
            method: parts.method.as_str(),
            path: uri.path(),
            query: uri.query(),
            headers: &parts.headers,
            body: &bytes,
        };
        // Real time, not the emulator's clock: the client signed with its wall clock, and
        // a test that freezes the emulator's clock must still be able to sign requests.
        let credential = signature::verify(
            &request,
            |ak| auth.credentials.iter().find(|c| c.ak == ak),
            chrono::Utc::now(),
        )
        .map_err(signature_failed)?;
        allowed_on(
            &credential.project_ids,
            project.as_deref(),
            &format!("access key '{}'", credential.ak),
        )?;
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };

    if let Some(token) = &presented.token {
        let listed = find_token(auth, token).ok_or_else(|| {
            ApiError::unauthorized("the X-Auth-Token is not one of the configured [[auth.tokens]]")
        })?;
        allowed_on(listed, project.as_deref(), "this X-Auth-Token")?;
    }
    Ok(req)
}

/// The `project_ids` of the configured token equal to `token`. Every listed token is
/// compared, in constant time, so the answer's timing does not tell how close a guess was.
fn find_token<'a>(auth: &'a AuthConfig, token: &[u8]) -> Option<&'a [String]> {
    auth.tokens.iter().fold(None, |found, t| {
        let equal = signature::constant_time_eq(t.value.as_bytes(), token);
        found.or(equal.then_some(t.project_ids.as_slice()))
    })
}

/// 403 FSS.0403 unless `project_ids` is empty (all projects) or holds `project`.
fn allowed_on(project_ids: &[String], project: Option<&str>, who: &str) -> Result<(), ApiError> {
    if project_ids.is_empty() || project.is_some_and(|p| project_ids.iter().any(|id| id == p)) {
        return Ok(());
    }
    Err(ApiError::forbidden(format_args!(
        "{who} may not be used for project '{}'; it is limited to {}",
        project.unwrap_or_default(),
        project_ids.join(", ")
    )))
}

fn no_credentials() -> ApiError {
    ApiError::unauthorized("send X-Auth-Token or an SDK-HMAC-SHA256 Authorization header")
}

fn signature_failed(e: SignatureError) -> ApiError {
    // Logged here, once: the client sees the reason too, but a log line helps when the
    // client is an SDK that hides its error.
    crate::request_span::in_request_span(|| tracing::info!(reason = %e, "AK/SK signature refused"));
    ApiError::bad_signature(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TokenConfig;
    use crate::error::ErrorCode;

    #[test]
    fn the_project_is_the_second_path_segment() {
        assert_eq!(
            crate::http::path_project("/v2/abc/fgs/functions").as_deref(),
            Some("abc")
        );
        assert_eq!(
            crate::http::path_project("/v2/%7Bp%7D/fgs").as_deref(),
            Some("{p}")
        );
        assert_eq!(crate::http::path_project("/v2/").as_deref(), None);
        assert_eq!(crate::http::path_project("/").as_deref(), None);
    }

    #[test]
    fn project_limits_apply_only_when_listed() {
        let ids = vec!["a".to_owned()];
        assert!(allowed_on(&[], Some("b"), "x").is_ok());
        assert!(allowed_on(&ids, Some("a"), "x").is_ok());
        let err = allowed_on(&ids, Some("b"), "x").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert!(err.message().contains("'b'"), "{}", err.message());
        assert!(allowed_on(&ids, None, "x").is_err());
    }

    #[test]
    fn tokens_are_found_by_value() {
        let auth = AuthConfig {
            tokens: vec![
                TokenConfig {
                    value: "one".into(),
                    project_ids: vec![],
                },
                TokenConfig {
                    value: "two".into(),
                    project_ids: vec!["p".into()],
                },
            ],
            ..AuthConfig::default()
        };
        assert_eq!(find_token(&auth, b"one"), Some(&[][..]));
        assert_eq!(find_token(&auth, b"two"), Some(&["p".to_owned()][..]));
        assert_eq!(find_token(&auth, b"tw"), None);
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_413() {
        let err = read_limited(Body::from(vec![0u8; 11]), 10)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BodyTooLarge);
        let ok = read_limited(Body::from(vec![7u8; 10]), 10).await.unwrap();
        assert_eq!(ok.len(), 10);
    }
}
