//! The OpenAPI 3 document of the FunctionGraph routes, and the pieces the handlers'
//! `#[utoipa::path]` annotations share: path and query parameters, the error responses,
//! the security schemes.
//!
//! The document cannot drift from the code: [`super::router`] is built from the same
//! annotations (`utoipa_axum`'s `routes!` routes each handler at the method and path its
//! annotation declares), and [`openapi`] is the document that same build produces.
//! `super::operation_name` reads its operation ids from here too. `tests/openapi.rs`
//! validates the served document and probes the router with every documented pair.

use std::sync::OnceLock;

use utoipa::openapi::schema::{SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder, Schema};
use utoipa::{IntoParams, Modify, OpenApi, ToResponse};

use super::view::ErrorEnvelopeView;

/// The document: every FunctionGraph operation the emulator serves. Built once.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    // Building the router is cheap and the only way to get the document `routes!` builds
    // alongside it; the router itself is dropped.
    DOC.get_or_init(|| {
        let mut doc = super::build().1;
        // The derive fills the license from Cargo.toml, which declares none: `{"name": ""}`.
        doc.info.license = None;
        optional_bodies(&mut doc);
        doc
    })
}

/// utoipa writes an `Option<T>` request body as `oneOf: [T, null]`, not required. Ours
/// (`OptionalJson`, CreateFunctionVersion) means "the body may be absent"; a JSON `null` is
/// refused like any body that is not an object. So: schema `T`, `required: false`.
fn optional_bodies(doc: &mut utoipa::openapi::OpenApi) {
    fn is_null(s: &RefOr<Schema>) -> bool {
        let null = SchemaType::Type(Type::Null);
        matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == null)
    }
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        let bodies = ops
            .into_iter()
            .flatten()
            .filter_map(|o| o.request_body.as_mut());
        for body in bodies {
            let RefOr::T(body) = body else { continue };
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
                    continue;
                };
                let [a, b] = one_of.items.as_slice() else {
                    continue;
                };
                let t = match (is_null(a), is_null(b)) {
                    (false, true) => a.clone(),
                    (true, false) => b.clone(),
                    _ => continue,
                };
                content.schema = Some(t);
                body.required = Some(Required::False);
            }
        }
    }
}

/// What the handlers' annotations do not say: info, server, security, the shared
/// components. `super::build` starts from this and merges in every resource's paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "fgs-emulator: FunctionGraph function-version API",
        version = env!("CARGO_PKG_VERSION"),
        description = "The Huawei Cloud FunctionGraph operations this emulator serves, \
            with the status codes, error codes and fields the real service answers. \
            Every error, from any layer, is the `ErrorEnvelope`. `{function_urn}` takes \
            every URN form the real service takes, raw or percent-encoded.",
    ),
    servers((url = "/", description = "This emulator")),
    security(("x_auth_token" = []), ("sdk_hmac_sha256" = [])),
    modifiers(&SecuritySchemes),
    components(
        schemas(ErrorEnvelopeView),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            OtherError
        )
    ),
    tags(
        (name = "functions", description = "Create, list, show, update and delete functions"),
        (name = "versions", description = "Publish and list versions"),
        (name = "aliases", description = "Version aliases"),
        (name = "reserved instances", description = "Reserved-instance policies per version or alias"),
        (name = "quotas", description = "The tenant's quotas"),
        (name = "triggers", description = "Triggers of a function version or alias (kept, never fired)"),
        (name = "events", description = "A function's test events"),
    )
)]
pub(super) struct BaseDoc;

/// Either credential is accepted (SPEC section 6); with `auth.mode = "off"` neither is
/// needed.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "x_auth_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Auth-Token",
                "An IAM token. With auth.mode = \"presence\" (the default) any non-empty \
                 value is accepted; with \"verify\", one of [[auth.tokens]].",
            ))),
        );
        components.add_security_scheme(
            "sdk_hmac_sha256",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "An AK/SK signature as the official SDKs send it: `SDK-HMAC-SHA256 \
                 Access=..., SignedHeaders=..., Signature=...`, with an `X-Sdk-Date` header. \
                 Verified against [[auth.credentials]] with auth.mode = \"verify\".",
            ))),
        );
    }
}

/// Declares an error response component whose body is the `ErrorEnvelope`.
macro_rules! error_response {
    ($(#[$doc:meta])* $name:ident, $description:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                let content = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build();
                let response = ResponseBuilder::new()
                    .description($description)
                    .content("application/json", content)
                    .build();
                (stringify!($name), response.into())
            }
        }
    };
}

error_response!(
    /// 400.
    BadRequest,
    "Invalid request: a bad project id, URN, query parameter or body field \
     (FSS.0400, or the field's own code: FSS.1002 name, FSS.1005 runtime, FSS.1015 \
     version, FSS.1016 nothing to publish, ...)."
);
error_response!(
    /// 401.
    Unauthorized,
    "No credentials (FSS.0401), an unknown token (FSS.0401), or an AK/SK signature that \
     does not verify (APIGW.0301)."
);
error_response!(
    /// 403.
    Forbidden,
    "The credentials may not use this project (FSS.0403), a quota is reached (FSS.1041 \
     functions, FSS.1042 versions, FSS.1043 aliases, FSS.1123 pull triggers, FSS.1068 \
     test events), the version is an alias's additional version (FSS.1094), the alias has \
     triggers (FSS.1154), or a test event rule (FSS.1069 size, FSS.1073 name taken)."
);
error_response!(
    /// 404.
    NotFound,
    "The function (FSS.1051), version (FSS.1052), alias (FSS.1053), trigger (FSS.1131, \
     FSS.1137 for an unknown type) or test event (FSS.1070) does not exist."
);
error_response!(
    /// 409.
    Conflict,
    "Already exists: the function (FSS.1061), version (FSS.1062) or alias (FSS.1063); or \
     the version is already another alias's major version (FSS.1066); a trigger that \
     duplicates another (FSS.1141 SMN, FSS.1147 APIG path, FSS.1148 timer, FSS.1150 Kafka)."
);
error_response!(
    /// 413.
    PayloadTooLarge,
    "The body is over server.max_body_bytes (FSS.0413), or the code over its limit \
     (FSS.1071 package, FSS.1072 inline)."
);
error_response!(
    /// Every other status.
    OtherError,
    "Any other failure, in the same envelope: 429 FSS.0429 when too many requests are in \
     flight, 500 FSS.0500 for an internal failure, or the status and code an injected \
     fault rule (/_emulator/faults) chose."
);

/// The path of every operation on the project's functions.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProjectParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
}

/// The path of every operation on one function.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FunctionParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
    /// The function, in any form the real service accepts, raw or percent-encoded:
    /// `hello`, `default:hello`, `<project>:default:hello[:<version>|:!<alias>]`,
    /// `urn:fss:<region>:<project>:function:default:hello[:<version>|:!<alias>]`.
    pub function_urn: String,
}

/// The path of an operation on one alias.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AliasParams {
    /// The project id (any id works; an unknown one starts in cn-north-4).
    pub project_id: String,
    /// The function, in any form the real service accepts, raw or percent-encoded:
    /// `hello`, `default:hello`, `<project>:default:hello`,
    /// `urn:fss:<region>:<project>:function:default:hello[:latest]`.
    pub function_urn: String,
    /// The alias name. A name that breaks the naming rule cannot exist: 404 FSS.1053.
    pub alias_name: String,
}

/// Paging of ListFunctionVersions.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Where the page starts: an offset, as `next_marker` gave it. Absent: 0.
    pub marker: Option<u64>,
    /// The most items to return. Absent, 0 or over 400: 400.
    pub maxitems: Option<u64>,
}

/// Paging and filters of ListFunctions.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FunctionListParams {
    /// Where the page starts: an offset, as `next_marker` gave it. Absent: 0.
    pub marker: Option<u64>,
    /// The most items to return. Absent, 0 or over 400: 400.
    pub maxitems: Option<u64>,
    /// Only functions in this package (exact match).
    pub package_name: Option<String>,
    /// Only functions whose name contains this.
    pub func_name: Option<String>,
}
