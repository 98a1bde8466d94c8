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

use crate::clock::{Rfc3339, rfc3339};
use crate::domain::{
    Description, FullUrn, FunctionName, PackageName, Qualifier, encode_code, full_urn,
};
use crate::model::{FunctionConfig, FunctionState, ImageName, ProjectInfo, SharedConfig};
use crate::service::{FunctionRef, FunctionSnapshot};

mod json;

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
    #[schema(value_type = String)]
    func_urn: FullUrn<'a>,
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
    #[serde(skip)] // the same configuration, for its kept rendering (`to_json`)
    shared: &'a SharedConfig,
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
    #[schema(value_type = String)]
    #[serde(serialize_with = "serde_qualifier")]
    version: &'a Qualifier,
    #[schema(value_type = String)]
    image_name: ImageNameView<'a>,
    dependency_pkg: &'a str,
    version_description: &'a str,
    /// RFC 3339 with the configured offset (`+08:00` by default).
    #[schema(value_type = String)]
    last_modified: Rfc3339,
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

/// What a [`FunctionView`] is made of, from a snapshot or from the store itself.
struct Parts<'a> {
    project: &'a ProjectInfo,
    package: &'a PackageName,
    name: &'a FunctionName,
    func_id: &'a str,
    qualifier: &'a Qualifier,
    state: &'a FunctionState,
    version_description: &'a Description,
}

impl<'a> FunctionView<'a> {
    /// Renders a snapshot.
    pub fn new(s: &'a FunctionSnapshot, code: CodeInBody, offset: FixedOffset) -> Self {
        let parts = Parts {
            project: &s.project,
            package: &s.package,
            name: &s.name,
            func_id: &s.func_id,
            qualifier: &s.qualifier,
            state: &s.state,
            version_description: &s.version_description,
        };
        Self::of(parts, code, offset)
    }

    /// Renders a function or version borrowed from the store (a write's answer).
    pub fn borrowed(r: &'a FunctionRef<'_>, code: CodeInBody, offset: FixedOffset) -> Self {
        let parts = Parts {
            project: r.project,
            package: r.package,
            name: r.name,
            func_id: r.func_id,
            qualifier: &r.qualifier,
            state: r.state,
            version_description: r.version_description,
        };
        Self::of(parts, code, offset)
    }

    fn of(s: Parts<'a>, code: CodeInBody, offset: FixedOffset) -> Self {
        let p = s.project;
        let c = &*s.state.config;
        let func_urn = FullUrn {
            region: &p.region,
            project: &p.id,
            package: s.package,
            function: s.name,
            qualifier: s.qualifier,
        };
        let vpc_id = c
            .func_vpc
            .get()
            .and_then(|v| v.get("vpc_id"))
            .and_then(Value::as_str)
            .unwrap_or("");
        Self {
            config: c,
            shared: &s.state.config,
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
            version: s.qualifier,
            image_name: ImageNameView {
                owner: owner_of(s.qualifier),
                name: &s.state.image_name,
            },
            dependency_pkg: "",
            version_description: s.version_description.as_str(),
            last_modified: Rfc3339::new(s.state.last_modified, offset),
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
            resource_id: s.func_id,
            func_id: s.func_id,
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

/// A version's `version` member: `latest` or the version's name. (An alias is never a
/// snapshot's qualifier, since reads through an alias answer the version it points at;
/// were it one, it is written as in a URN, `!name`.)
fn qualifier_text(q: &Qualifier) -> std::borrow::Cow<'_, str> {
    match q {
        Qualifier::Latest => "latest".into(),
        Qualifier::Version(v) => v.as_str().into(),
        Qualifier::Alias(_) => q.to_string().into(),
    }
}

/// The name of what a state belongs to, which begins its `image_name`: `latest` or the
/// version's name (a snapshot is never of an alias: it is of the version the alias names).
fn owner_of(q: &Qualifier) -> &str {
    match q {
        Qualifier::Latest => "latest",
        Qualifier::Version(v) => v.as_str(),
        Qualifier::Alias(a) => a.as_str(),
    }
}

/// An `image_name` with its owner's name, as the function object writes it.
struct ImageNameView<'a> {
    owner: &'a str,
    name: &'a ImageName,
}

impl ImageNameView<'_> {
    fn parts(&self) -> [&str; 3] {
        self.name.parts(self.owner)
    }
}

impl Serialize for ImageNameView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.name.display(self.owner))
    }
}

/// `version` for serde's writer (the lists), as [`qualifier_text`] writes it.
fn serde_qualifier<S: serde::Serializer>(q: &&Qualifier, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&qualifier_text(q))
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::json::plain;
    use super::*;
    use crate::clock::{Clock, ControlledClock};
    use crate::config::Config;
    use crate::domain::{ProjectId, Urn};
    use crate::random::Rng;
    use crate::service::input::{FunctionBody, PublishBody};
    use crate::service::{Service, Settings};
    use crate::store::Store;

    const PROJECT: &str = "0123456789abcdef0123456789abcdef";

    /// `plain` against the plain definition, for every length up to three blocks and a
    /// bit, with each character that needs escaping at every position (inside a block, at
    /// its edges, in the remainder) and with none.
    #[test]
    fn plain_finds_what_needs_escaping_wherever_it_is() {
        let naive = |v: &[u8]| v.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
        for len in 0..52 {
            let clean = vec![b'a'; len];
            assert!(plain(&clean), "len {len}");
            for at in 0..len {
                for bad in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    let mut v = clean.clone();
                    v[at] = bad;
                    assert!(!plain(&v), "len {len}, {bad:#x} at {at}");
                    assert_eq!(plain(&v), naive(&v));
                }
                let mut v = clean.clone();
                v[at] = 0x7f; // DEL and non-ASCII bytes need no escaping in JSON
                v[len - 1 - at] = 0xc3;
                assert!(plain(&v), "len {len}");
            }
        }
    }

    /// Functions whose strings need escaping (quotes, backslashes, control characters,
    /// non-ASCII), with every optional setting given or none, as latest and as a version,
    /// with and without code: `to_json` writes exactly what serde writes.
    #[test]
    fn the_writer_matches_serde() {
        let clock = Arc::new(ControlledClock::frozen(
            chrono::DateTime::parse_from_rfc3339("2026-11-28T11:30:15Z")
                .unwrap()
                .to_utc(),
        ));
        let service = Service::new(
            Store::new(),
            clock as Arc<dyn Clock>,
            Settings::from_config(&Config::default()),
            Arc::new(Rng::seeded(7)),
        );
        let project = ProjectId::parse(PROJECT).unwrap();
        let plain = json!({"func_name": "plain", "runtime": "Python3.9",
            "handler": "index.handler", "memory_size": 128, "timeout": 3,
            "code_type": "inline", "func_code": {"file": "cHJpbnQoMSk="}});
        let rich = json!({"func_name": "rich", "package": "pkg-1", "runtime": "Node.js18.15",
            "handler": "index.handler", "memory_size": 512, "timeout": 60,
            "code_type": "inline", "code_filename": "index.js",
            "func_code": {"file": "ZXhwb3J0cy5oYW5kbGVyID0gMQ=="},
            "description": "quotes \" backslash \\ tab \t newline \n bell \u{7} 中文 é",
            "user_data": "{\"K\":\"v \\\" \\u0001\"}", "xrole": "agency",
            "pre_stop_handler": "stop.handler", "pre_stop_timeout": 30,
            "restore_hook_handler": "r.handler", "restore_hook_timeout": 5,
            "strategy_config": {"concurrency": 10, "concurrent_num": 2},
            "func_vpc": {"vpc_id": "vpc-\"1\"", "subnet_id": "s"},
            "log_config": {"group_id": "g", "stream_id": "s"},
            "lts_custom_tag": {"k": "v"}, "gpu_memory": 1024, "enable_lts_log": true});
        let mut views = 0;
        let mut kept_seen = false;
        for body in [plain, rich] {
            let name = body["func_name"].as_str().unwrap().to_owned();
            let package = body
                .get("package")
                .and_then(|p| p.as_str())
                .unwrap_or("default");
            let body: FunctionBody = serde_json::from_value(body.clone()).unwrap();
            let input = body.parse_create(&service.settings().limits).unwrap();
            let latest = service.create_function(&project, input).unwrap();
            let urn = Urn::parse(&format!("{package}:{name}")).unwrap();
            let version = service
                .create_function_version(
                    &project,
                    &urn,
                    PublishBody {
                        version: Some("v1".into()),
                        description: Some("a \"quoted\" version \u{1}".into()),
                        digest: None,
                    }
                    .parse(),
                )
                .unwrap();
            // Rendered several times below: the later ones write the kept rendering.
            assert!(SharedConfig::ptr_eq(
                &latest.state.config,
                &version.state.config
            ));
            for snapshot in [&latest, &version] {
                for code in [CodeInBody::Omit, CodeInBody::Include] {
                    for offset in ["+08:00", "-05:30"] {
                        let offset = crate::clock::parse_offset(offset).unwrap();
                        let view = FunctionView::new(snapshot, code, offset);
                        kept_seen |= snapshot.state.config.is_kept();
                        let ours = String::from_utf8(view.to_json().unwrap()).unwrap();
                        let serde = serde_json::to_string(&view).unwrap();
                        assert_eq!(ours, serde);
                        views += 1;
                    }
                }
            }
        }
        assert_eq!(views, 16);
        assert!(kept_seen, "no view was written from a kept rendering");
    }
}
