//! One error type, one envelope.
//!
//! Every failure the emulator reports, from any layer, becomes an [`ApiError`]: an
//! [`ErrorCode`] (which knows its FSS code, HTTP status and catalogue message) plus a message
//! for this occurrence. One `IntoResponse` writes the wire form FunctionGraph uses:
//!
//! ```json
//! {"error_code": "FSS.1051", "error_msg": "Not found the function"}
//! ```
//!
//! Both keys are always present: the official Python SDK ignores one without the other
//! (`reference/sdk-signing.md`, section 5). The `X-Request-Id` header is added by the edge
//! middleware (`app::middleware`), not here, so it is present on every response.
//!
//! **Messages follow one pattern**: the catalogue message alone (`Not found the function`),
//! or the catalogue message without its final period, a colon, and what this occurrence adds
//! (`Invalid function memory: 100 is not one of 128, 256, ...`). [`ApiError::detailed`] is the
//! one place that builds the second form; the constructors named for what happened
//! ([`ApiError::alias_not_found`], [`ApiError::invalid_field`], [`ApiError::body_too_large`], ...)
//! build on it. A 5xx never shows internals: [`ApiError::internal`] logs its cause and answers
//! the catalogue message.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Declares [`ErrorCode`] from one table: variant, wire code, HTTP status, catalogue message.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, $status:ident, $message:literal; )*) => {
        /// The FunctionGraph error codes the emulator answers with, one variant per code.
        ///
        /// Codes and messages come from the FSS catalogue (`reference/functiongraph-api.md`
        /// 3.2); where the catalogue has none (the version cap) the SPEC names the inferred code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it appears in `error_code`.
            pub fn code(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status the real service answers this code with.
            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status,)* }
            }

            /// The catalogue's message, used when an occurrence has nothing more to say.
            pub fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message,)* }
            }
        }
    };
}

error_codes! {
    /// Malformed JSON, wrong field types, a bad URN or query, a digest mismatch.
    InvalidParameter => "FSS.0400", BAD_REQUEST, "Invalid parameter.";
    /// No credentials at all.
    Unauthorized => "FSS.0401", UNAUTHORIZED, "Unauthorized access.";
    /// Credentials that are not allowed for this project.
    Forbidden => "FSS.0403", FORBIDDEN, "Forbidden.";
    /// No such route.
    RouteNotFound => "FSS.0404", NOT_FOUND, "The specified resource was not found.";
    /// An invocation's body that is not JSON.
    BodyNotJson => "FSS.0406", NOT_ACCEPTABLE, "The request body is not in the required JSON format.";
    /// The client was too slow sending its request.
    RequestTimeout => "FSS.0408", REQUEST_TIMEOUT, "Request timeout.";
    /// The body is larger than `server.max_body_bytes`.
    BodyTooLarge => "FSS.0413", PAYLOAD_TOO_LARGE, "The request body is too large.";
    /// More than `limits.max_concurrent_requests` in flight.
    TooManyRequests => "FSS.0429", TOO_MANY_REQUESTS, "Too many requests.";
    /// Never from a valid or invalid request: a handler panic, an injected fault, a state
    /// file that cannot be written.
    Internal => "FSS.0500", INTERNAL_SERVER_ERROR, "Internal server error.";
    /// `func_name` in a create body does not match the name rule.
    InvalidFunctionName => "FSS.1002", BAD_REQUEST, "Invalid function name.";
    /// A handler that is not `xx.xx`.
    InvalidHandler => "FSS.1003", BAD_REQUEST, "Invalid function handler.";
    /// A package (app) name that is not allowed.
    InvalidPackage => "FSS.1004", BAD_REQUEST, "Invalid Package (function app).";
    /// A runtime the service does not offer.
    InvalidRuntime => "FSS.1005", BAD_REQUEST, "Invalid runtime.";
    /// A `code_type` that is not one of inline, zip, jar, obs, Custom-Image-Swr.
    InvalidCodeType => "FSS.1006", BAD_REQUEST, "Invalid function code entry mode.";
    /// A memory size outside the allowed list.
    InvalidMemorySize => "FSS.1007", BAD_REQUEST, "Invalid function memory.";
    /// A timeout outside the allowed range.
    InvalidTimeout => "FSS.1008", BAD_REQUEST, "Invalid function timeout.";
    /// `user_data` that is not a JSON object of strings.
    InvalidUserData => "FSS.1009", BAD_REQUEST, "Invalid function UserData.";
    /// Code that is not valid base64.
    InvalidCode => "FSS.1011", BAD_REQUEST, "Invalid function code.";
    /// No code where the code type needs some.
    CodeRequired => "FSS.1012", BAD_REQUEST, "The function code must be configured.";
    /// An alias name that breaks the rule.
    InvalidAlias => "FSS.1014", BAD_REQUEST, "Invalid function alias.";
    /// A version name that breaks the rule, or `latest`.
    InvalidVersion => "FSS.1015", BAD_REQUEST, "Invalid function version.";
    /// Nothing changed since the newest published version.
    NothingToPublish => "FSS.1016", BAD_REQUEST,
        "The function cannot be published because no changes have been made since last publication.";
    /// A description over 512 characters.
    DescriptionTooLong => "FSS.1019", BAD_REQUEST, "The description exceeds the maximum allowed limit.";
    /// Too many functions in the project.
    FunctionLimit => "FSS.1041", FORBIDDEN, "The number of functions exceeds the maximum allowed limit.";
    /// Too many published versions (inferred code, SPEC 2 rule 8).
    VersionLimit => "FSS.1042", FORBIDDEN, "The number of versions exceeds the maximum allowed limit.";
    /// Too many aliases on the function.
    AliasLimit => "FSS.1043", FORBIDDEN, "The number of aliases exceeds the maximum allowed limit.";
    /// The function does not exist.
    FunctionNotFound => "FSS.1051", NOT_FOUND, "Not found the function";
    /// The version does not exist.
    VersionNotFound => "FSS.1052", NOT_FOUND, "Not found the function version";
    /// The alias does not exist.
    AliasNotFound => "FSS.1053", NOT_FOUND, "Not found the function alias";
    /// A function with that name already exists.
    FunctionExists => "FSS.1061", CONFLICT, "The function has existed";
    /// A version with that name already exists.
    VersionExists => "FSS.1062", CONFLICT, "The version already exists.";
    /// An alias with that name already exists.
    AliasExists => "FSS.1063", CONFLICT, "The alias already exists.";
    /// The version is already the major version of another alias.
    VersionHasAlias => "FSS.1066", CONFLICT, "The version is already in use by another alias.";
    /// The function already has the most test events (10).
    EventLimit => "FSS.1068", FORBIDDEN,
        "The number of events configured for the function exceeds the maximum allowed limit.";
    /// A test event's content over 4 KB.
    EventTooLarge => "FSS.1069", FORBIDDEN, "The size of EventData exceeds 4 KB.";
    /// No test event with that id.
    EventNotFound => "FSS.1070", NOT_FOUND, "The event cannot be found.";
    /// A code package over `limits.max_code_bytes`.
    CodeTooLarge => "FSS.1071", PAYLOAD_TOO_LARGE, "The code package exceeds the maximum allowed size.";
    /// Inline code over `limits.max_inline_code_bytes`.
    InlineCodeTooLarge => "FSS.1072", PAYLOAD_TOO_LARGE, "The inline code exceeds the maximum allowed size.";
    /// Reserved instances over `limits.max_reserved_instances` in a project (the CN 2021
    /// catalogue's FSS.1076).
    ReservedInstanceLimit => "FSS.1076", BAD_REQUEST, "Reserved instances exceed limit.";
    /// A test event with that name already exists on the function.
    EventExists => "FSS.1073", FORBIDDEN, "The function event already exists.";
    /// A test event's name or content that breaks the rules.
    InvalidEvent => "FSS.1074", BAD_REQUEST, "The event field is invalid.";
    /// An additional version that does not exist, is latest, or is not alone.
    InvalidAdditionalVersion => "FSS.1091", BAD_REQUEST, "The additional version is invalid.";
    /// An additional version's weight that is not an integer 0-100.
    InvalidWeight => "FSS.1092", BAD_REQUEST, "The weight of the additional version is invalid.";
    /// The additional version is the major version.
    SameMajorAndAdditional => "FSS.1093", BAD_REQUEST,
        "The major version and the additional version cannot be the same.";
    /// The version is an alias's additional version and cannot be deleted.
    VersionIsAdditional => "FSS.1094", FORBIDDEN,
        "The version cannot be deleted because it has been used as the additional version of an alias.";
    /// A trigger type the service does not offer.
    InvalidTriggerType => "FSS.1101", BAD_REQUEST, "Invalid trigger type.";
    /// An SMN trigger's `event_data` that breaks the rules.
    InvalidSmnTrigger => "FSS.1102", BAD_REQUEST, "Invalid SMN trigger parameters.";
    /// An OBS trigger's `event_data` that breaks the rules.
    InvalidObsTrigger => "FSS.1106", BAD_REQUEST, "Invalid OBS trigger parameters.";
    /// An APIG trigger's `event_data` that breaks the rules.
    InvalidApigTrigger => "FSS.1107", BAD_REQUEST, "Invalid APIG trigger parameters.";
    /// An OBS trigger whose bucket, prefix, suffix and events overlap another one's.
    ObsBucketConflict => "FSS.1108", FORBIDDEN,
        "The bucket configuration of the current trigger conflicts with that of an existing OBS trigger.";
    /// A timer trigger's `event_data` that breaks the rules.
    InvalidTimerTrigger => "FSS.1109", BAD_REQUEST, "Invalid timer trigger parameters.";
    /// A Kafka trigger's `event_data` that breaks the rules.
    InvalidKafkaTrigger => "FSS.1112", BAD_REQUEST, "The Kafka trigger parameters are invalid.";
    /// A Kafka trigger with SSL on but no user name or password.
    KafkaCredentialsRequired => "FSS.1113", BAD_REQUEST,
        "The username and password must be specified because Kafka SASL_SSL is enabled.";
    /// Too many pull-mode triggers (TIMER, DDS, DIS, LTS, KAFKA) on one version or alias.
    PullTriggerLimit => "FSS.1123", FORBIDDEN,
        "The number of pull triggers exceeds the maximum allowed limit.";
    /// No trigger with that id (and type) on that version or alias.
    TriggerNotFound => "FSS.1131", NOT_FOUND, "The trigger does not exist.";
    /// A trigger type in a path that the service does not offer.
    TriggerTypeNotFound => "FSS.1137", NOT_FOUND, "Invalid trigger type.";
    /// An SMN trigger on the same topic already exists.
    SmnTriggerExists => "FSS.1141", CONFLICT, "The SMN trigger already exists.";
    /// An APIG trigger with the same group, path and method already exists.
    ApigPathExists => "FSS.1147", CONFLICT, "The request path already exists.";
    /// A timer trigger with that name already exists on the function.
    TimerTriggerExists => "FSS.1148", CONFLICT, "The timer trigger already exists.";
    /// A Kafka trigger on the same instance and topic already exists.
    KafkaTriggerExists => "FSS.1150", CONFLICT, "The Kafka trigger already exists.";
    /// The alias has triggers and cannot be deleted (nor can the version it points to).
    AliasHasTriggers => "FSS.1154", FORBIDDEN,
        "Aliases of a function bound with triggers cannot be deleted.";
    /// A CTS trigger without a notification name.
    CtsNameRequired => "FSS.1312", BAD_REQUEST, "The notification name must be specified.";
    /// A CTS trigger with more than 100 operations.
    CtsTooManyOperations => "FSS.1313", BAD_REQUEST,
        "The number of operation resources has reached the maximum allowed limit.";
    /// A CTS trigger without operations.
    CtsOperationsRequired => "FSS.1314", BAD_REQUEST, "The operation resource must be specified.";
    /// A CTS trigger that lists an operation twice.
    CtsDuplicateOperation => "FSS.1316", BAD_REQUEST,
        "The resource operation has already been selected.";
    /// A status change the trigger type does not allow (only pull-mode triggers can be
    /// disabled).
    InvalidTriggerOperation => "FSS.1318", BAD_REQUEST, "Invalid trigger operation.";
    /// A dedicated-gateway APIG trigger's `event_data` that breaks the rules.
    InvalidDedicatedApigTrigger => "FSS.1417", BAD_REQUEST,
        "Invalid APIG Exclusive trigger parameters.";
    /// An AK/SK signature that does not verify (unknown AK, malformed or stale signature, a
    /// missing signed header). The API gateway's code, not FunctionGraph's: the real service
    /// rejects these before FunctionGraph sees the request.
    ApigSignature => "APIGW.0301", UNAUTHORIZED,
        "Incorrect IAM authentication information: verify aksk signature fail";
}

/// An error on its way to the client: a code and the message for this occurrence.
///
/// Build it with a constructor named for what happened ([`ApiError::function_not_found`],
/// [`ApiError::invalid_field`] ...), or with [`ApiError::detailed`] for a field rule's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}", .code.code(), .message)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    /// An error with the code's catalogue message and nothing more.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_owned(),
        }
    }

    /// The catalogue message without its final period, a colon, and `detail`: the one
    /// pattern every message with details follows.
    pub fn detailed(code: ErrorCode, detail: impl std::fmt::Display) -> Self {
        let base = code.default_message();
        Self {
            code,
            message: format!("{}: {detail}", base.strip_suffix('.').unwrap_or(base)),
        }
    }

    /// 400 FSS.0400 "{detail}".
    pub fn invalid_parameter(detail: impl std::fmt::Display) -> Self {
        Self::detailed(ErrorCode::InvalidParameter, detail)
    }

    /// 400 FSS.0400 naming the field and what is wrong with it.
    pub fn invalid_field(field: &str, why: impl std::fmt::Display) -> Self {
        Self::invalid_parameter(format_args!("{field} {why}"))
    }

    /// 404 FSS.1051 "Not found the function": the message the real service sends.
    pub fn function_not_found() -> Self {
        Self::new(ErrorCode::FunctionNotFound)
    }

    /// 404 FSS.1052 "Not found the function version".
    pub fn version_not_found() -> Self {
        Self::new(ErrorCode::VersionNotFound)
    }

    /// 404 FSS.1053 "Not found the function alias".
    pub fn alias_not_found() -> Self {
        Self::new(ErrorCode::AliasNotFound)
    }

    /// 409 FSS.1061: a function with that name exists.
    pub fn function_exists() -> Self {
        Self::new(ErrorCode::FunctionExists)
    }

    /// 404 FSS.0404 for a request no route answers.
    pub fn route_not_found(method: &str, path: &str) -> Self {
        Self::detailed(
            ErrorCode::RouteNotFound,
            format_args!("no API answers {method} {path}"),
        )
    }

    /// 413 FSS.0413: the body is over `max` bytes.
    pub fn body_too_large(max: u64) -> Self {
        Self::detailed(ErrorCode::BodyTooLarge, format_args!("at most {max} bytes"))
    }

    /// 408 FSS.0408: the body did not arrive in time.
    pub fn body_timeout(seconds: u64) -> Self {
        Self::detailed(
            ErrorCode::RequestTimeout,
            format_args!("the body did not arrive within {seconds} seconds"),
        )
    }

    /// 429 FSS.0429: too many requests in flight.
    pub fn too_many_requests() -> Self {
        Self::new(ErrorCode::TooManyRequests)
    }

    /// 401 FSS.0401 saying what credentials are expected.
    pub fn unauthorized(detail: impl std::fmt::Display) -> Self {
        Self::detailed(ErrorCode::Unauthorized, detail)
    }

    /// 403 FSS.0403 saying why these credentials may not be used here.
    pub fn forbidden(detail: impl std::fmt::Display) -> Self {
        Self::detailed(ErrorCode::Forbidden, detail)
    }

    /// 401 APIGW.0301: the signature did not verify, and why.
    pub fn bad_signature(detail: impl std::fmt::Display) -> Self {
        Self::detailed(ErrorCode::ApigSignature, detail)
    }

    /// 500 FSS.0500 with the catalogue message only: `cause` is logged (inside the request's
    /// span, so with its request id), never sent to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        crate::request_span::in_request_span(|| {
            tracing::error!(cause = %cause, "internal error; answered 500 FSS.0500");
        });
        Self::new(ErrorCode::Internal)
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
    /// was not made, and the client gets an opaque 500 (the cause goes to the log).
    fn from(e: std::io::Error) -> Self {
        Self::internal(format_args!("state file write failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_fss_and_matches_its_status_class() {
        for &code in ErrorCode::ALL {
            // APIGW.0301 is the one code the API gateway answers in FunctionGraph's stead.
            if code == ErrorCode::ApigSignature {
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
        let mut codes: Vec<_> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorCode::ALL.len(), "each code once");
    }

    #[test]
    fn messages_follow_one_pattern() {
        assert_eq!(
            ApiError::invalid_field("marker", "must be a whole number").message(),
            "Invalid parameter: marker must be a whole number"
        );
        assert_eq!(
            ApiError::function_not_found().message(),
            "Not found the function"
        );
        assert_eq!(
            ApiError::body_too_large(10).message(),
            "The request body is too large: at most 10 bytes"
        );
        let e = ApiError::internal("disk full at /secret/path");
        assert_eq!(e.message(), "Internal server error.");
    }
}
