//! One error type, one envelope.
//!
//! Every failure the emulator reports, from any layer, becomes an [`ApiError`]: an
//! [`ErrorCode`] (which knows its FSS code, HTTP status and default message) plus a message
//! for this occurrence. One `IntoResponse` writes the wire form FunctionGraph uses:
//!
//! ```json
//! {"error_code": "FSS.1051", "error_msg": "Not found the function"}
//! ```
//!
//! Both keys are always present: the official Python SDK ignores one without the other
//! (`reference/sdk-signing.md`, section 5). The `X-Request-Id` header is added by the
//! request-id middleware in `app.rs`, not here, so it is present on every response.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The FunctionGraph error codes the emulator answers with, one variant per code.
///
/// Codes and messages come from the FSS catalogue (`reference/functiongraph-api.md` 3.2);
/// where the catalogue has none (the version cap) the SPEC names the inferred code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400 FSS.0400: malformed JSON, wrong field types, a bad URN, a digest mismatch.
    InvalidParameter,
    /// 401 FSS.0401: no credentials at all.
    Unauthorized,
    /// 403 FSS.0403: credentials that are not allowed for this project.
    Forbidden,
    /// 404 FSS.0404: no such route.
    RouteNotFound,
    /// 406 FSS.0406: an invocation's body is not JSON.
    BodyNotJson,
    /// 408 FSS.0408: the client was too slow sending its request.
    RequestTimeout,
    /// 413 FSS.0413: the body is larger than `server.max_body_bytes`.
    BodyTooLarge,
    /// 429 FSS.0429: more than `limits.max_concurrent_requests` in flight.
    TooManyRequests,
    /// 500 FSS.0500: never from a request; only from a handler panic or an injected fault.
    Internal,
    /// 400 FSS.1001: a bad query parameter (`marker`, `maxitems`).
    InvalidQueryParameter,
    /// 400 FSS.1002: `func_name` in a create body does not match the name rule.
    InvalidFunctionName,
    /// 400 FSS.1003: a handler that is not `xx.xx`.
    InvalidHandler,
    /// 400 FSS.1004: a package (app) name that is not allowed.
    InvalidPackage,
    /// 400 FSS.1005: a runtime the service does not offer.
    InvalidRuntime,
    /// 400 FSS.1006: a `code_type` that is not one of inline, zip, jar, obs, Custom-Image-Swr.
    InvalidCodeType,
    /// 400 FSS.1007: a memory size outside the allowed list.
    InvalidMemorySize,
    /// 400 FSS.1008: a timeout outside 3..=900.
    InvalidTimeout,
    /// 400 FSS.1009: `user_data` that is not a JSON object of strings.
    InvalidUserData,
    /// 400 FSS.1011: code that is not valid base64, or empty where code is required.
    InvalidCode,
    /// 400 FSS.1012: no code where the code type needs some.
    CodeRequired,
    /// 400 FSS.1015: a version name that breaks the rule, or `latest`.
    InvalidVersion,
    /// 400 FSS.1016: nothing changed since the newest published version.
    NothingToPublish,
    /// 400 FSS.1019: a description over 512 characters.
    DescriptionTooLong,
    /// 403 FSS.1041: too many functions in the project.
    FunctionLimit,
    /// 403 FSS.1042: too many published versions (inferred code, SPEC 2 rule 8).
    VersionLimit,
    /// 404 FSS.1051: the function does not exist.
    FunctionNotFound,
    /// 404 FSS.1052: the version does not exist.
    VersionNotFound,
    /// 409 FSS.1061: a function with that name already exists.
    FunctionExists,
    /// 409 FSS.1062: a version with that name already exists.
    VersionExists,
    /// 413 FSS.1071: a code package over `limits.max_code_bytes`.
    CodeTooLarge,
    /// 413 FSS.1072: inline code over `limits.max_inline_code_bytes`.
    InlineCodeTooLarge,
    /// 400 FSS.1014: an alias name that breaks the rule.
    InvalidAlias,
    /// 403 FSS.1043: too many aliases on the function.
    AliasLimit,
    /// 404 FSS.1053: the alias does not exist.
    AliasNotFound,
    /// 409 FSS.1063: an alias with that name already exists.
    AliasExists,
    /// 409 FSS.1066: the version is already the major version of another alias.
    VersionHasAlias,
    /// 400 FSS.1091: an additional version that does not exist, is latest, or is not alone.
    InvalidAdditionalVersion,
    /// 400 FSS.1092: an additional version's weight that is not an integer 0-100.
    InvalidWeight,
    /// 400 FSS.1093: the additional version is the major version.
    SameMajorAndAdditional,
    /// 403 FSS.1094: the version is an alias's additional version and cannot be deleted.
    VersionIsAdditional,
    /// 401 APIGW.0301: an AK/SK signature that does not verify (unknown AK, malformed or
    /// stale signature, a missing signed header). The API gateway's code, not FunctionGraph's:
    /// the real service rejects these before FunctionGraph sees the request.
    ApigSignature,
}

impl ErrorCode {
    /// The code as it appears in `error_code`.
    pub fn code(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidParameter => "FSS.0400",
            Unauthorized => "FSS.0401",
            Forbidden => "FSS.0403",
            RouteNotFound => "FSS.0404",
            BodyNotJson => "FSS.0406",
            RequestTimeout => "FSS.0408",
            BodyTooLarge => "FSS.0413",
            TooManyRequests => "FSS.0429",
            Internal => "FSS.0500",
            InvalidQueryParameter => "FSS.1001",
            InvalidFunctionName => "FSS.1002",
            InvalidHandler => "FSS.1003",
            InvalidPackage => "FSS.1004",
            InvalidRuntime => "FSS.1005",
            InvalidCodeType => "FSS.1006",
            InvalidMemorySize => "FSS.1007",
            InvalidTimeout => "FSS.1008",
            InvalidUserData => "FSS.1009",
            InvalidCode => "FSS.1011",
            CodeRequired => "FSS.1012",
            InvalidVersion => "FSS.1015",
            NothingToPublish => "FSS.1016",
            DescriptionTooLong => "FSS.1019",
            FunctionLimit => "FSS.1041",
            VersionLimit => "FSS.1042",
            FunctionNotFound => "FSS.1051",
            VersionNotFound => "FSS.1052",
            FunctionExists => "FSS.1061",
            VersionExists => "FSS.1062",
            CodeTooLarge => "FSS.1071",
            InlineCodeTooLarge => "FSS.1072",
            InvalidAlias => "FSS.1014",
            AliasLimit => "FSS.1043",
            AliasNotFound => "FSS.1053",
            AliasExists => "FSS.1063",
            VersionHasAlias => "FSS.1066",
            InvalidAdditionalVersion => "FSS.1091",
            InvalidWeight => "FSS.1092",
            SameMajorAndAdditional => "FSS.1093",
            VersionIsAdditional => "FSS.1094",
            ApigSignature => "APIGW.0301",
        }
    }

    /// The HTTP status the real service answers this code with.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            InvalidParameter
            | InvalidQueryParameter
            | InvalidFunctionName
            | InvalidHandler
            | InvalidPackage
            | InvalidRuntime
            | InvalidCodeType
            | InvalidMemorySize
            | InvalidTimeout
            | InvalidUserData
            | InvalidCode
            | CodeRequired
            | InvalidVersion
            | NothingToPublish
            | DescriptionTooLong
            | InvalidAlias
            | InvalidAdditionalVersion
            | InvalidWeight
            | SameMajorAndAdditional => StatusCode::BAD_REQUEST,
            Unauthorized | ApigSignature => StatusCode::UNAUTHORIZED,
            Forbidden | FunctionLimit | VersionLimit | AliasLimit | VersionIsAdditional => {
                StatusCode::FORBIDDEN
            }
            RouteNotFound | FunctionNotFound | VersionNotFound | AliasNotFound => {
                StatusCode::NOT_FOUND
            }
            RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            BodyNotJson => StatusCode::NOT_ACCEPTABLE,
            FunctionExists | VersionExists | AliasExists | VersionHasAlias => StatusCode::CONFLICT,
            BodyTooLarge | CodeTooLarge | InlineCodeTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The catalogue's message, used when an occurrence has nothing more specific to say.
    pub fn default_message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidParameter => "Invalid parameter.",
            Unauthorized => "Unauthorized access.",
            Forbidden => "Forbidden",
            RouteNotFound => "The specified resource was not found.",
            BodyNotJson => "The request body is not in the required JSON format.",
            RequestTimeout => "Request timeout.",
            BodyTooLarge => "The request body is too large.",
            TooManyRequests => "Too many requests.",
            Internal => "Internal server error.",
            InvalidQueryParameter => "Invalid query parameter.",
            InvalidFunctionName => "Invalid function name.",
            InvalidHandler => "Invalid function handler.",
            InvalidPackage => "Invalid Package (function app).",
            InvalidRuntime => "Invalid runtime.",
            InvalidCodeType => "Invalid function code entry mode.",
            InvalidMemorySize => "Invalid function memory.",
            InvalidTimeout => "Invalid function timeout.",
            InvalidUserData => "Invalid function UserData.",
            InvalidCode => "Invalid function code.",
            CodeRequired => "The function code must be configured.",
            InvalidVersion => "Invalid function version.",
            NothingToPublish => {
                "The function cannot be published because no changes have been made since last publication."
            }
            DescriptionTooLong => "The description exceeds the maximum allowed limit.",
            FunctionLimit => "The number of functions exceeds the maximum allowed limit.",
            VersionLimit => "The number of versions exceeds the maximum allowed limit.",
            FunctionNotFound => "Not found the function",
            VersionNotFound => "Not found the function version",
            FunctionExists => "The function has existed",
            VersionExists => "The version already exists.",
            CodeTooLarge => "The code package exceeds the maximum allowed size.",
            InlineCodeTooLarge => "The inline code exceeds the maximum allowed size.",
            InvalidAlias => "Invalid function alias.",
            AliasLimit => "The number of aliases exceeds the maximum allowed limit.",
            AliasNotFound => "Not found the function alias",
            AliasExists => "The alias already exists.",
            VersionHasAlias => "The version is already in use by another alias.",
            InvalidAdditionalVersion => "The additional version is invalid.",
            InvalidWeight => "The weight of the additional version is invalid.",
            SameMajorAndAdditional => {
                "The major version and the additional version cannot be the same."
            }
            VersionIsAdditional => {
                "The version cannot be deleted because it has been used as the additional version of an alias."
            }
            ApigSignature => "Incorrect IAM authentication information: verify aksk signature fail",
        }
    }
}

/// An error on its way to the client: a code and the message for this occurrence.
///
/// Build it with a constructor named by intent (`ApiError::function_not_found()`) or with
/// [`ApiError::new`] / [`ApiError::with_message`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}", .code.code(), .message)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    /// An error with the code's catalogue message.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_owned(),
        }
    }

    /// An error with a message of its own (say which field, which value, what was expected).
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// 400 FSS.0400 with a message naming what is wrong.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::with_message(ErrorCode::InvalidParameter, message)
    }

    /// 404 FSS.1051 "Not found the function": the message the real service sends.
    pub fn function_not_found() -> Self {
        Self::new(ErrorCode::FunctionNotFound)
    }

    /// 404 FSS.1052 "Not found the function version".
    pub fn version_not_found() -> Self {
        Self::new(ErrorCode::VersionNotFound)
    }

    /// 404 FSS.0404 for a request no route answers.
    pub fn route_not_found(method: &str, path: &str) -> Self {
        Self::with_message(
            ErrorCode::RouteNotFound,
            format!("The specified resource was not found: no API answers {method} {path}"),
        )
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message for this occurrence.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

/// The wire form of an error. Field order is the order the real service writes.
#[derive(Serialize)]
struct Envelope<'a> {
    error_code: &'a str,
    error_msg: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let body = serde_json::to_vec(&Envelope {
            error_code: self.code.code(),
            error_msg: &self.message,
        })
        // Serialising two strings cannot fail; an empty body would still be caught by the
        // envelope middleware in app.rs.
        .unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // Lets the envelope middleware tell our errors from a framework's plain-text ones,
        // and the request journal record the code.
        response
            .extensions_mut()
            .insert(EnvelopeWritten(self.code.code()));
        response
    }
}

/// Marks a response whose body is already our JSON envelope, with its `error_code`.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeWritten(pub &'static str);

impl From<std::io::Error> for ApiError {
    /// Only the state file does I/O on a request's path: if it cannot be written the change
    /// was not made (the store rolls it back), and the client is told so.
    fn from(e: std::io::Error) -> Self {
        tracing::error!(error = %e, "state file write failed");
        Self::with_message(
            ErrorCode::Internal,
            format!(
                "Internal server error: the state file could not be written ({e}); nothing was changed."
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_fss_and_matches_its_status_class() {
        use ErrorCode::*;
        let all = [
            InvalidParameter,
            Unauthorized,
            Forbidden,
            RouteNotFound,
            BodyNotJson,
            RequestTimeout,
            BodyTooLarge,
            TooManyRequests,
            Internal,
            InvalidQueryParameter,
            InvalidFunctionName,
            InvalidHandler,
            InvalidPackage,
            InvalidRuntime,
            InvalidCodeType,
            InvalidMemorySize,
            InvalidTimeout,
            InvalidUserData,
            InvalidCode,
            CodeRequired,
            InvalidVersion,
            NothingToPublish,
            DescriptionTooLong,
            FunctionLimit,
            VersionLimit,
            FunctionNotFound,
            VersionNotFound,
            FunctionExists,
            VersionExists,
            CodeTooLarge,
            InlineCodeTooLarge,
            InvalidAlias,
            AliasLimit,
            AliasNotFound,
            AliasExists,
            VersionHasAlias,
            InvalidAdditionalVersion,
            InvalidWeight,
            SameMajorAndAdditional,
            VersionIsAdditional,
            ApigSignature,
        ];
        for code in all {
            // APIGW.0301 is the one code the API gateway answers in FunctionGraph's stead.
            if code == ApigSignature {
                assert_eq!(code.code(), "APIGW.0301");
                assert_eq!(code.status(), StatusCode::UNAUTHORIZED);
            } else {
                assert!(code.code().starts_with("FSS."), "{code:?}");
            }
            assert!(!code.default_message().is_empty());
            // The generic 0xxx codes carry their status in their number.
            if let Some(rest) = code.code().strip_prefix("FSS.0") {
                assert_eq!(rest, code.status().as_str(), "{code:?}");
            }
        }
    }
}
