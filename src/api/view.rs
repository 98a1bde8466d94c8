//! The wire form of a function or version: one object for every operation that returns one.
//!
//! SPEC section 3 lists the keys every such response carries; the official SDK's response
//! models (CreateFunctionResponse, ShowFunctionConfigResponse, CreateFunctionVersionResponse,
//! the list items, the code responses) each declare a subset of a slightly larger set. The
//! emulator writes the union, always with every key, so any model parses every response:
//! unset strings are `""`, numbers `0`, booleans `false`, objects and lists `null` (SPEC 9).

use chrono::FixedOffset;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::domain::encode_code;
use crate::domain::full_urn;
use crate::model::FunctionConfig;
use crate::service::FunctionSnapshot;

/// `func_code` in a response.
#[derive(Serialize, ToSchema)]
#[schema(as = FuncCode)]
pub struct FuncCodeView {
    /// The code, base64; empty except in ShowFunctionCode.
    pub file: String,
    /// Always empty: the emulator serves code inline.
    pub link: &'static str,
}

/// A function or version, as every function-returning operation writes it.
/// Field order: SPEC section 3's list, then the keys only newer SDK models declare.
///
/// The OpenAPI schema (`ToSchema`) marks every key required, since every key is always
/// written; the `Option` fields are nullable. The ones the emulator never fills (`Option<()>`)
/// are always `null` and are declared with the type the SDK models give them.
#[derive(Serialize, ToSchema)]
#[schema(as = Function)]
pub struct FunctionView<'a> {
    /// The full URN: `urn:fss:<region>:<project>:function:<package>:<name>:<version>`.
    func_urn: String,
    func_name: &'a str,
    domain_id: &'a str,
    user_domain: &'a str,
    namespace: &'a str,
    project_name: &'a str,
    package: &'a str,
    /// The configuration settings (see `domain::config`), in their wire form, where
    /// SPEC section 3 lists them (after `package`).
    #[serde(flatten)]
    config: &'a FunctionConfig,
    /// Millicores, derived from the memory size.
    cpu: u32,
    code_type: &'a str,
    code_url: &'a str,
    code_filename: &'a str,
    /// Bytes of code.
    code_size: u64,
    /// SHA-512 of the code, hex.
    digest: &'a str,
    /// `latest` or the version name.
    version: String,
    image_name: &'a str,
    dependency_pkg: &'a str,
    version_description: &'a str,
    /// RFC 3339 with the configured offset (`+08:00` by default).
    last_modified: String,
    func_code: FuncCodeView,
    /// Always null: the emulator models no dependencies.
    #[schema(required = true, value_type = Option<Vec<String>>)]
    depend_list: Option<()>,
    /// Always null.
    #[schema(required = true, value_type = Option<Vec<Object>>)]
    dependencies: Option<()>,
    /// Always null.
    #[schema(required = true, value_type = Option<Object>)]
    function_async_config: Option<()>,
    // Keys declared by newer SDK models (sdk-tests/python/MODELS.md).
    func_id: &'a str,
    resource_id: &'a str,
    reserved_instance_count: u32,
    /// Always null.
    #[schema(required = true, value_type = Option<Vec<String>>)]
    depend_version_list: Option<()>,
    enable_cloud_debug: &'static str,
    is_bridge_function: bool,
    apig_route_enable: bool,
    allow_ephemeral_storage: bool,
    is_return_stream: bool,
    reserved_instance_idle_mode: bool,
    func_vpc_id: &'a str,
    fail_count: u32,
    #[serde(rename = "bind_bridge_funcUrns")]
    /// Always null.
    #[schema(required = true, value_type = Option<Vec<String>>)]
    bind_bridge_func_urns: Option<()>,
    concurrency: i64,
    concurrent_num: i64,
}

/// The error envelope every failure is answered with, from any layer:
/// `{"error_code": "FSS.xxxx", "error_msg": "..."}`.
// `crate::error` writes the envelope; this type only declares it in the OpenAPI document,
// and tests/openapi.rs checks that real answers match it.
#[derive(ToSchema)]
#[schema(as = ErrorEnvelope)]
pub struct ErrorEnvelopeView {
    /// The FSS code (`FSS.1051`), or `APIGW.0301` for a signature the gateway refuses.
    pub error_code: String,
    /// What went wrong, in words.
    pub error_msg: String,
}

/// Whether `func_code.file` carries the code (ShowFunctionCode) or is left empty.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CodeInBody {
    /// Leave `func_code.file` empty (every response but ShowFunctionCode).
    Omit,
    /// Put the base64 code in `func_code.file`.
    Include,
}

impl<'a> FunctionView<'a> {
    /// Renders a snapshot.
    pub fn new(s: &'a FunctionSnapshot, code: CodeInBody, offset: FixedOffset) -> Self {
        let p = &s.project;
        let c = &*s.state.config;
        let func_urn = full_urn(&p.region, &p.id, &s.package, &s.name, &s.qualifier);
        let vpc_id = c
            .func_vpc
            .get()
            .and_then(|v| v.get("vpc_id"))
            .and_then(Value::as_str)
            .unwrap_or("");
        Self {
            config: c,
            func_urn,
            func_name: s.name.as_str(),
            domain_id: &p.domain_id,
            user_domain: &p.domain_name,
            namespace: p.id.as_str(),
            project_name: p.region.as_str(),
            package: s.package.as_str(),
            cpu: c.memory_size.cpu_millicores(),
            code_type: s.state.code.code_type.as_str(),
            code_url: &s.state.code.code_url,
            code_filename: &s.state.code.code_filename,
            code_size: s.state.code.size(),
            digest: s.state.code.digest().as_str(),
            version: s.qualifier.to_string(),
            image_name: &s.state.image_name,
            dependency_pkg: "",
            version_description: s.version_description.as_str(),
            last_modified: rfc3339(s.state.last_modified, offset),
            func_code: FuncCodeView {
                file: match code {
                    CodeInBody::Omit => String::new(),
                    CodeInBody::Include => encode_code(&s.state.code.blob.bytes),
                },
                link: "",
            },
            depend_list: None,
            dependencies: None,
            function_async_config: None,
            resource_id: &s.func_id,
            func_id: &s.func_id,
            reserved_instance_count: 0,
            depend_version_list: None,
            enable_cloud_debug: "",
            is_bridge_function: false,
            apig_route_enable: false,
            allow_ephemeral_storage: false,
            is_return_stream: false,
            reserved_instance_idle_mode: false,
            func_vpc_id: vpc_id,
            fail_count: 0,
            bind_bridge_func_urns: None,
            concurrency: c.strategy_config.concurrency,
            concurrent_num: c.strategy_config.concurrent_num,
        }
    }
}

/// What ShowFunctionCode answers: the SDK's ShowFunctionCodeResponse, exactly its keys
/// (`huaweicloudsdkfunctiongraph/v2/model/show_function_code_response.py`;
/// gophertelekomcloud's `function.FuncGraphCode` reads the same), every key always written.
///
/// One deliberate difference: the real service leaves `func_code.file` empty (deprecated)
/// and puts a download URL in `func_code.link`; the emulator answers the code itself,
/// base64, in `file` (what clients send back in UpdateFunctionCode, and what the README and
/// the SDK suites read back), and leaves `link` empty: it has no object storage to link to.
#[derive(Serialize, ToSchema)]
#[schema(as = FunctionCode)]
pub struct FunctionCodeView<'a> {
    /// The full URN of the version whose code this is (an alias reads its major version).
    func_urn: String,
    func_name: &'a str,
    domain_id: &'a str,
    runtime: &'static str,
    code_type: &'a str,
    code_url: &'a str,
    code_filename: &'a str,
    /// Bytes of code.
    code_size: u64,
    /// SHA-512 of the code, hex.
    digest: &'a str,
    /// RFC 3339 with the configured offset (`+08:00` by default).
    last_modified: String,
    /// `file`: the code, base64; `link`: empty.
    func_code: FuncCodeView,
    /// Always null: the emulator models no dependencies.
    #[schema(required = true, value_type = Option<Vec<String>>)]
    depend_list: Option<()>,
    /// Always null.
    #[schema(required = true, value_type = Option<Vec<String>>)]
    depend_version_list: Option<()>,
    strategy_config: crate::model::StrategyConfig,
    /// Always null.
    #[schema(required = true, value_type = Option<Vec<Object>>)]
    dependencies: Option<()>,
}

impl<'a> FunctionCodeView<'a> {
    /// Renders a snapshot's code, times in `offset`.
    pub fn new(s: &'a FunctionSnapshot, offset: FixedOffset) -> Self {
        let p = &s.project;
        let c = &*s.state.config;
        Self {
            func_urn: full_urn(&p.region, &p.id, &s.package, &s.name, &s.qualifier),
            func_name: s.name.as_str(),
            domain_id: &p.domain_id,
            runtime: c.runtime.as_str(),
            code_type: s.state.code.code_type.as_str(),
            code_url: &s.state.code.code_url,
            code_filename: &s.state.code.code_filename,
            code_size: s.state.code.size(),
            digest: s.state.code.digest().as_str(),
            last_modified: rfc3339(s.state.last_modified, offset),
            func_code: FuncCodeView {
                file: encode_code(&s.state.code.blob.bytes),
                link: "",
            },
            depend_list: None,
            depend_version_list: None,
            strategy_config: c.strategy_config,
            dependencies: None,
        }
    }
}
