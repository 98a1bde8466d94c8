//! A replay of what Terraform sends for one `huaweicloud_fgs_function` resource: `terraform
//! apply` (create), a refresh, an `apply` that changes it, another refresh, and `terraform
//! destroy`, call by call, in the provider's order, with its methods, paths (query strings
//! included) and bodies.
//!
//! Source: `huaweicloud/terraform-provider-huaweicloud` at commit
//! `a0345b8dcc818aa80d932ec0802891222b0a22af` (2026-08-21, the newest snapshot available),
//! `huaweicloud/services/fgs/resource_huaweicloud_fgs_function.go` and the `utils` helpers it
//! calls (`RemoveNil`, `ValueIgnoreEmpty`, `PathSearch`, `JsonToString`,
//! `TryBase64EncodeString`). That resource builds its bodies as `map[string]interface{}` and
//! sends them with `golangsdk`'s generic `client.Request` (`github.com/chnsz/golangsdk`,
//! pinned at `eb803422874d`; read at `83ad1d2`, `provider_client.go`): no typed request or
//! response struct is involved, so the types a response must have are the ones the read
//! asserts (`.(string)`, `.(float64)`, `.([]interface{})`, `.(map[string]interface{})`) and
//! the ones `d.Set` accepts for each schema type (the plugin SDK decodes with mapstructure,
//! not weakly: a `TypeString` takes a string, a `TypeInt` a number, a `TypeBool` a bool; JSON
//! `null` or a missing key becomes the zero value). A status outside golangsdk's default
//! `OkCodes` (GET 200; POST and PUT 200/201/202; DELETE 200/202/204) or the explicit `[204]`
//! of the tag calls fails the apply.
//!
//! One table, [`table`], lists every call: the Go function that makes it, method, path, body,
//! the status the provider accepts, and what the provider then reads from the answer, with
//! the JSON type its Go code needs. After each read a [`Row::State`] rebuilds the Terraform
//! state the way `resourceFunctionRead` and its flatten helpers would (see
//! [`terraform_state`]) and compares it with what the configuration says: any difference is
//! a diff the next `plan` would show. A refresh must build the same state again.
//!
//! The configuration replayed (HCL, as a user would write it):
//!
//! ```hcl
//! resource "huaweicloud_fgs_function" "test" {
//!   name                  = "tf-replay"
//!   app                   = "default"
//!   runtime               = "Python3.9"
//!   handler               = "index.handler"
//!   memory_size           = 128            # update: 256
//!   timeout               = 30
//!   code_type             = "inline"
//!   func_code             = "def handler(event, context):\n    return 'v1'\n"   # update: 'v2'
//!   description           = "replayed from the Terraform provider"
//!   functiongraph_version = "v2"
//!   user_data             = jsonencode({ STAGE = "test" })
//!   max_instance_num      = "10"
//!   concurrency_num       = 5
//!   enable_lts_log        = true
//!   log_group_id          = "5e2c1b7a-0000-4000-8000-00000000a001"
//!   log_group_name        = "tf-replay-group"
//!   log_stream_id         = "5e2c1b7a-0000-4000-8000-00000000b001"
//!   log_stream_name       = "tf-replay-stream"
//!   tags = { owner = "replay", env = "ci" }                                     # update: env = "prod"
//!   versions {
//!     name = "latest"
//!     aliases { name = "canary"  description = "follows latest" }               # update: description
//!   }
//!   versions {
//!     name        = "v1"
//!     description = "first release"
//!     aliases { name = "prod"  description = "production" }
//!   }
//!   # update: a new version with a weighted alias
//!   # versions {
//!   #   name        = "v2"
//!   #   description = "second release"
//!   #   aliases { name = "beta"  additional_version_weights = jsonencode({ v1 = 20 }) }
//!   # }
//!   reserved_instances {                                                         # update: count = 2
//!     qualifier_type = "version"  qualifier_name = "latest"  count = 1  idle_mode = false
//!   }
//!   reserved_instances {
//!     qualifier_type = "alias"  qualifier_name = "prod"  count = 1  idle_mode = true
//!     tactics_config {
//!       cron_configs { name = "morning"  cron = "0 0 8 * * ?"  count = 2
//!                      start_time = 1767225600  expired_time = 1893456000 }
//!     }
//!   }
//! }
//! ```
//!
//! Where Go iterates a map or a set (tags, `versions`, `reserved_instances`) the order of the
//! calls is a hash order; the table fixes one, and the calls are independent of each other.
//! Requests carry what golangsdk sends: `Content-Type` and `Accept: application/json`,
//! `X-Project-Id`, `X-Sdk-Date` and an `SDK-HMAC-SHA256` `Authorization`. The signature is
//! not a real one: the default `auth.mode = "presence"` takes any such header
//! (`tests/auth_verify.rs` covers real signatures).
//!
//! The test runs every row even after a failure and reports each failing row with its Go
//! function, so one run shows everything that stands between the emulator and the provider.

use std::fmt::Write as _;

use base64::Engine as _;
use fgs_emulator::Emulator;
use fgs_emulator::config::Config;
use serde_json::{Map, Value, json};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const REGION: &str = "cn-north-4";

const CODE_V1: &str = "def handler(event, context):\n    return 'v1'\n";
const CODE_V2: &str = "def handler(event, context):\n    return 'v2'\n";
const LOG_GROUP_ID: &str = "5e2c1b7a-0000-4000-8000-00000000a001";
const LOG_STREAM_ID: &str = "5e2c1b7a-0000-4000-8000-00000000b001";

// ---------------------------------------------------------------------------------------
// The table.

/// A JSON type the provider's Go code needs.
#[derive(Clone, Copy, Debug)]
enum Ty {
    Str,
    Num,
    Bool,
    Obj,
    Arr,
}

/// Whether a key must be there.
#[derive(Clone, Copy, Debug)]
enum Has {
    /// Present, of the type, not null.
    Req,
    /// Present; of the type, or null.
    Null,
    /// May be absent; if present, of the type or null. Only where the service leaves the key
    /// out (the provider's comments say so for the hook handlers) or where a parent is null.
    Opt,
}

/// What the provider reads from an answer. Paths are dotted keys; `key[]` means every item
/// of an array (a leading `[]` is the body itself), `key[k=v]` the item whose `k` is `v`.
enum Expect {
    Type(&'static str, Ty, Has),
    Eq(&'static str, Value),
    Len(&'static str, usize),
}

/// Which part of a read an answer is, for rebuilding the state.
#[derive(Clone, Copy, PartialEq)]
enum Keep {
    Nothing,
    Config,
    Lts,
    Versions,
    Aliases,
    /// A page of reserved-instance policies (the first page starts a new list).
    Reserved {
        first: bool,
    },
}

/// One HTTP call the provider makes.
struct Step {
    /// The Go function that sends it (and its caller).
    go: &'static str,
    method: &'static str,
    /// With `{p}` (project), `{urn}` (the resource id: `...:tf-replay:latest`) and `{fn}`
    /// (the URN without the version, `parseFunctionUrnWithoutVersion`).
    path: String,
    /// The JSON body golangsdk sends. A string `"<state:KEY>"` is the value the state holds
    /// for KEY when the call is made (the provider builds such keys from `d.Get`).
    body: Option<Value>,
    status: u16,
    expect: Vec<Expect>,
    keep: Keep,
}

enum Row {
    /// A heading: which Terraform command is running.
    Phase(&'static str),
    Call(Step),
    /// `resourceFunctionRead` has read everything: the state it builds must hold these
    /// values (what the configuration says, so the next plan shows no diff); with `refresh`,
    /// it must also equal the state the previous read built.
    State {
        expected: Value,
        refresh: bool,
    },
}

fn call(go: &'static str, method: &'static str, path: impl Into<String>, status: u16) -> Step {
    Step {
        go,
        method,
        path: path.into(),
        body: None,
        status,
        expect: Vec::new(),
        keep: Keep::Nothing,
    }
}

impl Step {
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn expect(mut self, expect: Vec<Expect>) -> Self {
        self.expect = expect;
        self
    }
    fn keep(mut self, keep: Keep) -> Self {
        self.keep = keep;
        self
    }
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// What `GetFunctionMetadata`'s answer must carry for `resourceFunctionRead`: each key it
/// passes to `d.Set` (directly or through a flatten helper), with the type that call needs.
fn config_fields() -> Vec<Expect> {
    use Expect::Type as T;
    use Has::*;
    use Ty::*;
    vec![
        T("func_name", Str, Req),
        T("runtime", Str, Req),
        T("timeout", Num, Req),
        T("memory_size", Num, Req),
        // setFunctionFieldApp(d, PathSearch("package", function, "").(string))
        T("package", Str, Req),
        T("handler", Str, Req),
        T("code_type", Str, Req),
        T("description", Str, Req),
        T("type", Str, Req),
        T("code_url", Str, Req),
        T("code_filename", Str, Req),
        T("user_data", Str, Req),
        // setFunctionFieldAgency(d, PathSearch("xrole", function, "").(string))
        T("xrole", Str, Req),
        T("enterprise_project_id", Str, Req),
        // flattenFgsCustomImage(PathSearch("custom_image", ...).(map[string]interface{}))
        T("custom_image", Obj, Null),
        T("gpu_type", Str, Req),
        T("gpu_memory", Num, Req),
        // TypeMap of strings
        T("lts_custom_tag", Obj, Null),
        T("pre_stop_handler", Str, Req),
        // Left out without a pre-stop hook (SPEC 3; Go clients declare it a string).
        T("pre_stop_timeout", Num, Opt),
        T("app_xrole", Str, Req),
        // depend_list: TypeSet of strings
        T("depend_version_list", Arr, Null),
        T("depend_version_list[]", Str, Opt),
        T("initializer_handler", Str, Req),
        T("initializer_timeout", Num, Req),
        // int(PathSearch("strategy_config.concurrency", function, float64(0)).(float64))
        T("strategy_config", Obj, Req),
        T("strategy_config.concurrency", Num, Req),
        T("strategy_config.concurrent_num", Num, Req),
        // dns_list is a TypeString: domain_names is a string, not a list
        T("domain_names", Str, Req),
        T("func_vpc", Obj, Null),
        T("func_vpc.vpc_id", Str, Opt),
        T("func_vpc.subnet_id", Str, Opt),
        T("mount_config", Obj, Null),
        T("mount_config.mount_user.user_id", Num, Opt),
        T("mount_config.mount_user.user_group_id", Num, Opt),
        T("mount_config.func_mounts", Arr, Opt),
        T("enable_dynamic_memory", Bool, Req),
        T("is_stateful_function", Bool, Req),
        T("network_controller", Obj, Null),
        T("peering_cidr", Str, Req),
        T("enable_auth_in_header", Bool, Req),
        T("enable_class_isolation", Bool, Req),
        T("ephemeral_storage", Num, Req),
        // "if this parameter is not configured, the default value will not be returned"
        T("heartbeat_handler", Str, Opt),
        T("restore_hook_handler", Str, Opt),
        T("restore_hook_timeout", Num, Opt),
        T("enable_lts_log", Bool, Req),
        T("user_data_encrypt_kms_key_id", Str, Req),
        T("code_encrypt_kms_key_id", Str, Req),
        T("func_urn", Str, Req),
        T("version", Str, Req),
    ]
}

/// `resourceFunctionRead`: the calls it makes, in order. `reserved` is how many
/// reserved-instance policies the first page must list (the provider asks for the next page
/// at `marker = 0 + len(page)` and stops at an empty one).
fn read(reserved: usize) -> Vec<Row> {
    use Expect::{Len, Type as T};
    use Has::*;
    use Ty::*;
    let mut rows = vec![
        Row::Call(
            call(
                "resourceFunctionRead -> GetFunctionMetadata (a 404 drops the resource)",
                "GET",
                "/v2/{p}/fgs/functions/{fn}/config",
                200,
            )
            .expect(config_fields())
            .keep(Keep::Config),
        ),
        Row::Call(
            call(
                "resourceFunctionRead -> getFunctionLogConfiguration (with the id, ':latest'; an error is only logged)",
                "GET",
                "/v2/{p}/fgs/functions/{urn}/lts-log-detail",
                200,
            )
            .expect(vec![
                T("group_name", Str, Req),
                T("group_id", Str, Req),
                T("stream_name", Str, Req),
                T("stream_id", Str, Req),
            ])
            .keep(Keep::Lts),
        ),
        Row::Call(
            call(
                "resourceFunctionRead -> flattenFunctionVersions -> getFunctionVersions (an error is only warned)",
                "GET",
                "/v2/{p}/fgs/functions/{fn}/versions",
                200,
            )
            .expect(vec![
                T("versions", Arr, Req),
                T("versions[].version", Str, Req),
                T("versions[].version_description", Str, Req),
                // getFunctionVersionUrn reads it when a policy names a version
                T("versions[].func_urn", Str, Req),
            ])
            .keep(Keep::Versions),
        ),
        Row::Call(
            call(
                "resourceFunctionRead -> flattenFunctionVersions -> getFunctionAliases",
                "GET",
                "/v2/{p}/fgs/functions/{fn}/aliases",
                200,
            )
            .expect(vec![
                T("", Arr, Req),
                T("[].name", Str, Req),
                T("[].version", Str, Req),
                T("[].description", Str, Req),
                // getFunctionAliasUrn reads it when a policy names an alias
                T("[].alias_urn", Str, Req),
                // JsonToString: null -> "", anything else its JSON ({} -> "{}", a diff)
                T("[].additional_version_weights", Obj, Opt),
                T("[].additional_version_strategy", Obj, Opt),
            ])
            .keep(Keep::Aliases),
        ),
    ];
    let reserved_fields = || {
        vec![
            T("reserved_instances", Arr, Req),
            T("reserved_instances[].min_count", Num, Req),
            T("reserved_instances[].idle_mode", Bool, Req),
            T("reserved_instances[].qualifier_name", Str, Req),
            T("reserved_instances[].qualifier_type", Str, Req),
            // .(map[string]interface{}): an object or nothing
            T("reserved_instances[].tactics_config", Obj, Opt),
            T("reserved_instances[].tactics_config.cron_configs", Arr, Opt),
            T(
                "reserved_instances[].tactics_config.cron_configs[].name",
                Str,
                Opt,
            ),
            T(
                "reserved_instances[].tactics_config.cron_configs[].cron",
                Str,
                Opt,
            ),
            T(
                "reserved_instances[].tactics_config.cron_configs[].count",
                Num,
                Opt,
            ),
            T(
                "reserved_instances[].tactics_config.cron_configs[].start_time",
                Num,
                Opt,
            ),
            T(
                "reserved_instances[].tactics_config.cron_configs[].expired_time",
                Num,
                Opt,
            ),
            T(
                "reserved_instances[].tactics_config.metric_configs",
                Arr,
                Opt,
            ),
        ]
    };
    let mut first = reserved_fields();
    first.push(Len("reserved_instances", reserved));
    rows.push(Row::Call(
        call(
            "resourceFunctionRead -> getFunctionReservedInstances, page 1 (any error fails the read)",
            "GET",
            "/v2/{p}/fgs/functions/reservedinstanceconfigs?function_urn={urn}&limit=100&marker=0",
            200,
        )
        .expect(first)
        .keep(Keep::Reserved { first: true }),
    ));
    if reserved > 0 {
        // marker = 0 + len(first page)
        let path = format!(
            "/v2/{{p}}/fgs/functions/reservedinstanceconfigs?function_urn={{urn}}&limit=100&marker={reserved}"
        );
        let mut last = reserved_fields();
        last.push(Len("reserved_instances", 0));
        rows.push(Row::Call(
            call(
                "resourceFunctionRead -> getFunctionReservedInstances, page 2 (empty: the loop stops)",
                "GET",
                path,
                200,
            )
            .expect(last)
            .keep(Keep::Reserved { first: false }),
        ));
    }
    rows
}

/// The state every read must build, given the values that differ between the first apply
/// and the update. Keys the configuration leaves unset and that are `Optional` without
/// `Computed` must read back as zero values, or the next plan would want to clear them.
fn expected_state(updated: bool) -> Value {
    let (memory, canary_description, latest_reserved) = if updated {
        (256, "follows latest, renamed", 2)
    } else {
        (128, "follows latest", 1)
    };
    let configured = json!({
        "name": "tf-replay",
        "runtime": "Python3.9",
        "timeout": 30,
        "memory_size": memory,
        "app": "default",
        "handler": "index.handler",
        "code_type": "inline",
        "description": "replayed from the Terraform provider",
        "functiongraph_version": "v2",
        "user_data": "{\"STAGE\":\"test\"}",
        "max_instance_num": "10",
        "concurrency_num": 5,
        "enable_lts_log": true,
        "log_group_id": LOG_GROUP_ID,
        "log_group_name": "tf-replay-group",
        "log_stream_id": LOG_STREAM_ID,
        "log_stream_name": "tf-replay-stream",
        // Attributes.
        "urn": format!("urn:fss:{REGION}:{PROJECT}:function:default:tf-replay:latest"),
        "version": "latest",
        "versions": [
            {"name": "latest", "description": "", "aliases": [
                {"name": "canary", "description": canary_description,
                 "additional_version_weights": "", "additional_version_strategy": ""}]},
            {"name": "v1", "description": "first release", "aliases": [
                {"name": "prod", "description": "production",
                 "additional_version_weights": "", "additional_version_strategy": ""}]},
        ],
        "reserved_instances": [
            {"qualifier_type": "version", "qualifier_name": "latest", "count": latest_reserved,
             "idle_mode": false, "tactics_config": []},
            {"qualifier_type": "alias", "qualifier_name": "prod", "count": 1, "idle_mode": true,
             "tactics_config": [{"cron_configs": [{"name": "morning", "cron": "0 0 8 * * ?",
                 "count": 2, "start_time": 1767225600, "expired_time": 1893456000}],
                 "metric_configs": []}]},
        ],
    });
    // Optional, not Computed, unset: must read back empty.
    let unset = json!({
        "code_url": "",
        "agency": "",
        "gpu_type": "",
        "gpu_memory": 0,
        "pre_stop_handler": "",
        "pre_stop_timeout": 0,
        "vpc_id": "",
        "network_id": "",
        "network_controller": [],
        "peering_cidr": "",
        "heartbeat_handler": "",
        "restore_hook_handler": "",
        "restore_hook_timeout": 0,
        "user_data_encrypt_kms_key_id": "",
        "code_encrypt_kms_key_id": "",
    });
    let (Value::Object(mut all), Value::Object(unset)) = (configured, unset) else {
        unreachable!("two objects")
    };
    all.extend(unset);
    if updated {
        // JsonToString(map): Go's json.Marshal, keys sorted, 20.0 written as 20, which is
        // what jsonencode({v1 = 20}) gives in the configuration.
        all["versions"].as_array_mut().expect("a list").push(
            json!({"name": "v2", "description": "second release", "aliases": [
                {"name": "beta", "description": "", "additional_version_weights": "{\"v1\":20}",
                 "additional_version_strategy": ""}]}),
        );
    }
    Value::Object(all)
}

/// The table: every call of create, read, refresh, update, read, refresh, delete.
fn table() -> Vec<Row> {
    use Expect::{Eq, Len, Type as T};
    use Has::*;
    use Ty::*;
    let mut rows = vec![Row::Phase("terraform apply: create")];
    rows.extend([
        Row::Call(
            call(
                "resourceFunctionCreate -> createFunction (buildCreateFunctionBodyParams, RemoveNil)",
                "POST",
                "/v2/{p}/fgs/functions",
                200,
            )
            // enterprise_project_id: cfg.GetEnterpriseProjectID(d), "" with no provider
            // default, and not passed through ValueIgnoreEmpty, so it is sent.
            .body(json!({
                "func_name": "tf-replay",
                "runtime": "Python3.9",
                "timeout": 30,
                "memory_size": 128,
                "package": "default",
                "handler": "index.handler",
                "code_type": "inline",
                "description": "replayed from the Terraform provider",
                "type": "v2",
                "user_data": "{\"STAGE\":\"test\"}",
                "enterprise_project_id": "",
                "func_code": {"file": b64(CODE_V1)},
                "log_config": {
                    "group_id": LOG_GROUP_ID,
                    "group_name": "tf-replay-group",
                    "stream_id": LOG_STREAM_ID,
                    "stream_name": "tf-replay-stream",
                },
                "enable_lts_log": true,
            }))
            // PathSearch("func_urn", respBody, "").(string); the id; every later URN is it
            // without its last ':' segment.
            .expect(vec![
                T("func_urn", Str, Req),
                Eq("func_urn", json!("{urn}")),
            ]),
        ),
        // concurrency_num is one of the keys resourceFunctionCreate checks with HasChanges:
        // the metadata is put right after the create. At create d.Get gives zero values for
        // what is not configured (app_agency, ephemeral_storage, ...: dropped).
        Row::Call(
            call(
                "resourceFunctionCreate -> updateFunctionMetadata (buildUpdateFunctionMetadataBodyParams)",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}/config",
                200,
            )
            .body(json!({
                "runtime": "Python3.9",
                "timeout": 30,
                "memory_size": 128,
                "handler": "index.handler",
                "description": "replayed from the Terraform provider",
                "user_data": "{\"STAGE\":\"test\"}",
                "strategy_config": {"concurrent_num": 5},
                "enterprise_project_id": "",
                "peering_cidr": "",
                "heartbeat_handler": "",
                "restore_hook_handler": "",
                "restore_hook_timeout": 0,
            })),
        ),
        // No PUT .../code: depend_list is unset.
        Row::Call(
            call(
                "resourceFunctionCreate -> updateFunctionMaxInstanceNum (strconv.Atoi(max_instance_num))",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}/config-max-instance",
                200,
            )
            .body(json!({"max_instance_num": 10})),
        ),
        Row::Call(
            call(
                "resourceFunctionCreate -> createFunctionTags (with the id, ':latest'; OkCodes [204])",
                "POST",
                "/v2/{p}/functions/{urn}/tags/create",
                204,
            )
            .body(json!({"tags": [
                {"key": "owner", "value": "replay"},
                {"key": "env", "value": "ci"},
            ]})),
        ),
        // updateFunctionVersions: no old versions; for each new one (set order).
        Row::Call(
            call(
                "resourceFunctionCreate -> updateFunctionVersions -> createFunctionVersionAlias (on latest)",
                "POST",
                "/v2/{p}/fgs/functions/{fn}/aliases",
                200,
            )
            .body(json!({"version": "latest", "name": "canary", "description": "follows latest"})),
        ),
        Row::Call(
            call(
                "resourceFunctionCreate -> updateFunctionVersions -> createFunctionVersion",
                "POST",
                "/v2/{p}/fgs/functions/{fn}/versions",
                200,
            )
            .body(json!({"version": "v1", "description": "first release"})),
        ),
        Row::Call(
            call(
                "resourceFunctionCreate -> updateFunctionVersions -> createFunctionVersionAlias",
                "POST",
                "/v2/{p}/fgs/functions/{fn}/aliases",
                200,
            )
            .body(json!({"version": "v1", "name": "prod", "description": "production"})),
        ),
        // updateFunctionReservedInstances -> createFunctionReservedInstances: per policy,
        // the qualifier's URN from the list, then the PUT on it.
        Row::Call(
            call(
                "createFunctionReservedInstances -> getReservedInstanceUrn -> getFunctionVersionUrn -> getFunctionVersions",
                "GET",
                "/v2/{p}/fgs/functions/{fn}/versions",
                200,
            )
            .expect(vec![Eq("versions[version=latest].func_urn", json!("{fn}:latest"))]),
        ),
        Row::Call(
            call(
                "resourceFunctionCreate -> updateFunctionReservedInstances -> createFunctionReservedInstances",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}:latest/reservedinstances",
                200,
            )
            .body(json!({"count": 1, "idle_mode": false})),
        ),
        Row::Call(
            call(
                "createFunctionReservedInstances -> getReservedInstanceUrn -> getFunctionAliasUrn -> getFunctionAliases",
                "GET",
                "/v2/{p}/fgs/functions/{fn}/aliases",
                200,
            )
            .expect(vec![Eq("[name=prod].alias_urn", json!("{fn}:!prod"))]),
        ),
        Row::Call(
            call(
                "resourceFunctionCreate -> updateFunctionReservedInstances -> createFunctionReservedInstances",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}:!prod/reservedinstances",
                200,
            )
            // buildReservedInstanceTracticsConfigs: metric_configs is a nil slice, which
            // RemoveNil drops; zero cron fields would be dropped by ValueIgnoreEmpty.
            .body(json!({"count": 1, "idle_mode": true, "tactics_config": {"cron_configs": [
                {"name": "morning", "cron": "0 0 8 * * ?", "count": 2,
                 "start_time": 1767225600, "expired_time": 1893456000},
            ]}})),
        ),
    ]);
    rows.push(Row::Phase(
        "terraform apply: create, then resourceFunctionRead",
    ));
    rows.extend(read(2));
    rows.push(Row::State {
        expected: expected_state(false),
        refresh: false,
    });

    rows.push(Row::Phase("terraform plan: refresh (resourceFunctionRead)"));
    rows.extend(read(2));
    rows.push(Row::State {
        expected: expected_state(false),
        refresh: true,
    });

    rows.push(Row::Phase(
        "terraform apply: update (code, memory_size, a tag, an alias, a new version with a weighted alias, a reserved count)",
    ));
    rows.extend([
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionCode (buildUpdateFunctionCodeBodyParams)",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}/code",
                200,
            )
            // Every key from d.Get: code_filename is what the read stored; depend_list an
            // empty set, sent as [] (RemoveNil keeps empty slices).
            .body(json!({
                "code_type": "inline",
                "code_url": "",
                "code_filename": "<state:code_filename>",
                "depend_version_list": [],
                "func_code": {"file": b64(CODE_V2)},
            })),
        ),
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionMetadata (buildUpdateFunctionMetadataBodyParams)",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}/config",
                200,
            )
            // No func_name. No package: with agency unset the builder overwrites `pkg` with
            // d.Get("xrole") ("" -> dropped), a provider slip replayed as it is. Keys taken
            // from d.Get without ValueIgnoreEmpty are sent empty: description, peering_cidr,
            // heartbeat_handler, restore_hook_handler, restore_hook_timeout, and
            // enterprise_project_id (what the read stored, or "").
            // log_config and enable_lts_log only when a log key changed (none did).
            .body(json!({
                "runtime": "Python3.9",
                "timeout": 30,
                "memory_size": 256,
                "handler": "index.handler",
                "description": "replayed from the Terraform provider",
                "user_data": "{\"STAGE\":\"test\"}",
                // From the state: concurrency_num, which the read took from
                // strategy_config.concurrent_num. Sent without `concurrency`: the max
                // instances set through config-max-instance must survive it.
                "strategy_config": {"concurrent_num": 5},
                "enterprise_project_id": "<state:enterprise_project_id>",
                "peering_cidr": "",
                "heartbeat_handler": "",
                "restore_hook_handler": "",
                "restore_hook_timeout": 0,
            })),
        ),
        // updateFunctionTags: every old tag deleted, every new tag created, on the URN
        // without its version this time.
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionTags -> deleteFunctionTags (OkCodes [204])",
                "DELETE",
                "/v2/{p}/functions/{fn}/tags/delete",
                204,
            )
            .body(json!({"tags": [
                {"key": "owner", "value": "replay"},
                {"key": "env", "value": "ci"},
            ]})),
        ),
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionTags -> createFunctionTags (OkCodes [204])",
                "POST",
                "/v2/{p}/functions/{fn}/tags/create",
                204,
            )
            .body(json!({"tags": [
                {"key": "owner", "value": "replay"},
                {"key": "env", "value": "prod"},
            ]})),
        ),
        // updateFunctionVersions: latest's alias changed: there is no update call, the old
        // alias is deleted and the new one created; v1 is unchanged.
        Row::Call(call(
            "resourceFunctionUpdate -> updateFunctionVersions -> deleteFunctionVersionAlias",
            "DELETE",
            "/v2/{p}/fgs/functions/{fn}/aliases/canary",
            204,
        )),
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionVersions -> createFunctionVersionAlias",
                "POST",
                "/v2/{p}/fgs/functions/{fn}/aliases",
                200,
            )
            .body(json!({"version": "latest", "name": "canary", "description": "follows latest, renamed"})),
        ),
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionVersions -> createFunctionVersion (a new version)",
                "POST",
                "/v2/{p}/fgs/functions/{fn}/versions",
                200,
            )
            .body(json!({"version": "v2", "description": "second release"})),
        ),
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionVersions -> createFunctionVersionAlias (weighted)",
                "POST",
                "/v2/{p}/fgs/functions/{fn}/aliases",
                200,
            )
            // No description: ValueIgnoreEmpty drops it. The weights string goes through
            // StringToJson.
            .body(json!({"version": "v2", "name": "beta", "additional_version_weights": {"v1": 20}})),
        ),
        // updateFunctionReservedInstances: the set difference; the old policy is removed with
        // count 0, the new one put.
        Row::Call(
            call(
                "deleteFunctionReservedInstances -> getReservedInstanceUrn -> getFunctionVersions",
                "GET",
                "/v2/{p}/fgs/functions/{fn}/versions",
                200,
            )
            .expect(vec![Eq("versions[version=latest].func_urn", json!("{fn}:latest"))]),
        ),
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionReservedInstances -> deleteFunctionReservedInstances",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}:latest/reservedinstances",
                200,
            )
            .body(json!({"count": 0, "idle_mode": false})),
        ),
        Row::Call(
            call(
                "createFunctionReservedInstances -> getReservedInstanceUrn -> getFunctionVersions",
                "GET",
                "/v2/{p}/fgs/functions/{fn}/versions",
                200,
            )
            .expect(vec![Eq("versions[version=latest].func_urn", json!("{fn}:latest"))]),
        ),
        Row::Call(
            call(
                "resourceFunctionUpdate -> updateFunctionReservedInstances -> createFunctionReservedInstances",
                "PUT",
                "/v2/{p}/fgs/functions/{fn}:latest/reservedinstances",
                200,
            )
            .body(json!({"count": 2, "idle_mode": false})),
        ),
    ]);
    rows.push(Row::Phase(
        "terraform apply: update, then resourceFunctionRead",
    ));
    rows.extend(read(2));
    rows.push(Row::State {
        expected: expected_state(true),
        refresh: false,
    });
    // Not a provider call: the read keeps `tags` from the configuration
    // (d.Set("tags", d.Get("tags"))), so only this shows the tags the service holds.
    rows.push(Row::Call(
        call(
            "(check, not a provider call) ListFunctionTags",
            "GET",
            "/v2/{p}/functions/{fn}/tags",
            200,
        )
        .expect(vec![
            T("tags", Arr, Req),
            Len("tags", 2),
            Eq("tags[key=owner].value", json!("replay")),
            Eq("tags[key=env].value", json!("prod")),
        ]),
    ));

    rows.push(Row::Phase("terraform plan: refresh after the update"));
    rows.extend(read(2));
    rows.push(Row::State {
        expected: expected_state(true),
        refresh: true,
    });

    rows.push(Row::Phase("terraform destroy"));
    rows.push(Row::Call(call(
        "resourceFunctionDelete -> deleteFunctionOrVersion (the URN without version: everything)",
        "DELETE",
        "/v2/{p}/fgs/functions/{fn}",
        204,
    )));
    rows.push(Row::Phase("a later refresh"));
    rows.push(Row::Call(
        call(
            "resourceFunctionRead -> GetFunctionMetadata: 404 -> CheckDeletedDiag drops the resource",
            "GET",
            "/v2/{p}/fgs/functions/{fn}/config",
            404,
        )
        .expect(vec![Eq("error_code", json!("FSS.1051"))]),
    ));
    rows
}

// ---------------------------------------------------------------------------------------
// Running the table.

/// The provider's URNs for this resource.
struct Ids {
    urn: String,
    func: String,
}

impl Ids {
    fn fill(&self, s: &str) -> String {
        s.replace("{p}", PROJECT)
            .replace("{urn}", &self.urn)
            .replace("{fn}", &self.func)
    }
}

/// What the current read has gathered.
#[derive(Default, Clone)]
struct Reads {
    config: Option<Value>,
    lts: Option<Value>,
    versions: Option<Value>,
    aliases: Option<Value>,
    reserved: Vec<Value>,
}

fn fill_body(v: &Value, ids: &Ids, state: &Map<String, Value>) -> Value {
    match v {
        Value::String(s) => match s.strip_prefix("<state:").and_then(|k| k.strip_suffix('>')) {
            Some(key) => state
                .get(key)
                .cloned()
                .unwrap_or(Value::String(String::new())),
            None => Value::String(ids.fill(s)),
        },
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| fill_body(i, ids, state)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_body(v, ids, state)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Every value a path names (see [`Expect`]); `None` where a key is missing.
fn lookup<'a>(root: &'a Value, path: &str) -> Vec<Option<&'a Value>> {
    let mut current = vec![Some(root)];
    if path.is_empty() {
        return current;
    }
    for seg in path.split('.') {
        let (key, sel) = match seg.find('[') {
            Some(i) => (&seg[..i], Some(&seg[i + 1..seg.len() - 1])),
            None => (seg, None),
        };
        let mut next = Vec::new();
        for v in current {
            let v = if key.is_empty() {
                v
            } else {
                v.and_then(|v| v.get(key))
            };
            match sel {
                None => next.push(v),
                Some("") => match v.and_then(Value::as_array) {
                    Some(items) => next.extend(items.iter().map(Some)),
                    None => next.push(None),
                },
                Some(kv) => {
                    let (k, want) = kv.split_once('=').expect("key=value");
                    next.push(v.and_then(Value::as_array).and_then(|items| {
                        items
                            .iter()
                            .find(|i| i.get(k).and_then(Value::as_str) == Some(want))
                    }));
                }
            }
        }
        current = next;
    }
    current
}

fn type_ok(v: &Value, ty: Ty) -> bool {
    match ty {
        Ty::Str => v.is_string(),
        Ty::Num => v.is_number(),
        Ty::Bool => v.is_boolean(),
        Ty::Obj => v.is_object(),
        Ty::Arr => v.is_array(),
    }
}

fn check(body: &Value, expect: &Expect, ids: &Ids) -> Result<(), String> {
    match expect {
        Expect::Type(path, ty, has) => {
            for v in lookup(body, path) {
                match (v, has) {
                    (None, Has::Opt) => {}
                    (None, _) => return Err(format!("`{path}` is missing ({ty:?} expected)")),
                    (Some(Value::Null), Has::Null | Has::Opt) => {}
                    (Some(v), _) if type_ok(v, *ty) => {}
                    (Some(v), _) => {
                        return Err(format!("`{path}` is {v}, the provider needs {ty:?}"));
                    }
                }
            }
            Ok(())
        }
        Expect::Eq(path, want) => {
            let want = fill_body(want, ids, &Map::new());
            match lookup(body, path).first().copied().flatten() {
                Some(v) if *v == want => Ok(()),
                got => Err(format!("`{path}` is {got:?}, expected {want}")),
            }
        }
        Expect::Len(path, n) => match lookup(body, path).first().copied().flatten() {
            Some(Value::Array(items)) if items.len() == *n => Ok(()),
            got => Err(format!("`{path}` should list {n} items, got {got:?}")),
        },
    }
}

/// The headers golangsdk's `doRequest` sets on every call of this resource.
fn golangsdk_request(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut req = client
        .request(method, url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("User-Agent", "terraform-provider-huaweicloud golangsdk")
        .header("X-Sdk-Date", date)
        .header("X-Project-Id", PROJECT)
        .header(
            "Authorization",
            "SDK-HMAC-SHA256 Access=REPLAYAK0123456789, \
             SignedHeaders=content-type;host;x-project-id;x-sdk-date, \
             Signature=0000000000000000000000000000000000000000000000000000000000000000",
        );
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    req
}

#[tokio::test]
async fn terraform_apply_refresh_update_destroy_replays_cleanly() {
    let emulator = Emulator::start(Config::default())
        .await
        .expect("emulator starts");
    let client = reqwest::Client::new();
    let func = format!("urn:fss:{REGION}:{PROJECT}:function:default:tf-replay");
    let ids = Ids {
        urn: format!("{func}:latest"),
        func,
    };

    let mut failures: Vec<String> = Vec::new();
    let mut log = String::new();
    let mut phase = "";
    let mut reads = Reads::default();
    let mut state = Map::new();
    let mut previous: Option<Map<String, Value>> = None;

    for (n, row) in table().into_iter().enumerate() {
        let n = n + 1;
        match row {
            Row::Phase(p) => {
                phase = p;
                let _ = writeln!(log, "== {p}");
            }
            Row::Call(step) => {
                let path = ids.fill(&step.path);
                let body = step.body.as_ref().map(|b| fill_body(b, &ids, &state));
                let url = format!("{}{path}", emulator.base_url());
                let resp = golangsdk_request(&client, step.method, &url, body.as_ref())
                    .send()
                    .await
                    .expect("the emulator answers");
                let status = resp.status().as_u16();
                let text = resp.text().await.expect("a body");
                let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let mut problems = Vec::new();
                if status != step.status {
                    problems.push(format!(
                        "status {status}, the provider accepts {}: {}",
                        step.status,
                        text.chars().take(300).collect::<String>()
                    ));
                } else {
                    for e in &step.expect {
                        if let Err(why) = check(&json, e, &ids) {
                            problems.push(why);
                        }
                    }
                }
                let ok = status == step.status;
                match step.keep {
                    Keep::Nothing => {}
                    Keep::Config => {
                        reads = Reads::default();
                        reads.config = ok.then(|| json.clone());
                    }
                    Keep::Lts => reads.lts = ok.then(|| json.clone()),
                    Keep::Versions => reads.versions = ok.then(|| json.clone()),
                    Keep::Aliases => reads.aliases = ok.then(|| json.clone()),
                    Keep::Reserved { first } => {
                        if first {
                            reads.reserved.clear();
                        }
                        if let Some(items) = json["reserved_instances"].as_array() {
                            reads.reserved.extend(items.iter().cloned());
                        }
                    }
                }
                let mark = if problems.is_empty() { "ok  " } else { "FAIL" };
                let _ = writeln!(log, "{mark} #{n:<2} {} {path}  <- {}", step.method, step.go);
                for p in &problems {
                    let _ = writeln!(log, "       {p}");
                    failures.push(format!(
                        "#{n} [{phase}] {} {path} ({}): {p}",
                        step.method, step.go
                    ));
                }
            }
            Row::State { expected, refresh } => {
                let mut errors = Vec::new();
                let built = terraform_state(&reads, &mut errors);
                for (key, want) in expected.as_object().expect("an object") {
                    let want = canonical(key, &fill_body(want, &ids, &Map::new()));
                    let got = built.get(key).map(|v| canonical(key, v));
                    if got.as_ref() != Some(&want) {
                        errors.push(format!(
                            "`{key}` reads back as {}, the configuration says {want}: a diff",
                            got.map_or("nothing".to_owned(), |g| g.to_string())
                        ));
                    }
                }
                if refresh {
                    match &previous {
                        Some(prev) if *prev != built => {
                            for (k, v) in &built {
                                if prev.get(k) != Some(v) {
                                    errors.push(format!(
                                        "refresh changed `{k}`: {} -> {v}",
                                        prev.get(k).unwrap_or(&Value::Null)
                                    ));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                let mark = if errors.is_empty() { "ok  " } else { "FAIL" };
                let what = if refresh {
                    "state after refresh: as configured, and as before"
                } else {
                    "state after the read: as configured"
                };
                let _ = writeln!(log, "{mark} #{n:<2} {what}");
                for e in &errors {
                    let _ = writeln!(log, "       {e}");
                    failures.push(format!("#{n} [{phase}] state: {e}"));
                }
                state = built.clone();
                previous = Some(built);
            }
        }
    }
    println!("{log}");
    assert!(
        failures.is_empty(),
        "{} problem(s) between the emulator and the Terraform provider (the whole run is \
         printed above):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// resourceFunctionRead, as Go would run it.

/// What `d.Set` stores for a schema type, or why it fails (mapstructure.Decode, not weak).
#[derive(Clone, Copy)]
// The plugin SDK's own names (schema.TypeString ...), so the read below reads like the Go.
#[allow(clippy::enum_variant_names)]
enum Schema {
    TypeString,
    TypeInt,
    TypeBool,
}

fn decode(kind: Schema, v: Option<&Value>) -> Result<Value, String> {
    let v = v.filter(|v| !v.is_null());
    match (kind, v) {
        (Schema::TypeString, None) => Ok(json!("")),
        (Schema::TypeInt, None) => Ok(json!(0)),
        (Schema::TypeBool, None) => Ok(json!(false)),
        (Schema::TypeString, Some(s @ Value::String(_))) => Ok(s.clone()),
        // mapstructure turns a float64 into an int by truncation.
        (Schema::TypeInt, Some(Value::Number(n))) => Ok(json!(n.as_f64().unwrap_or(0.0) as i64)),
        (Schema::TypeBool, Some(b @ Value::Bool(_))) => Ok(b.clone()),
        (Schema::TypeString, Some(other)) => Err(format!("a TypeString cannot take {other}")),
        (Schema::TypeInt, Some(other)) => Err(format!("a TypeInt cannot take {other}")),
        (Schema::TypeBool, Some(other)) => Err(format!("a TypeBool cannot take {other}")),
    }
}

/// `utils.PathSearch(path, obj, default).(T)`: the value, the default for null or missing,
/// or the panic a failed type assertion would be.
fn assert_type<'a>(v: Option<&'a Value>, ty: Ty, what: &str) -> Result<Option<&'a Value>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) if type_ok(v, ty) => Ok(Some(v)),
        Some(v) => Err(format!(
            "`{what}` is {v}: the Go type assertion to {ty:?} panics"
        )),
    }
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The state `resourceFunctionRead` builds from the answers of one read, key by key as the
/// Go code sets it; `errors` gets each `d.Set` that would fail or assertion that would panic.
fn terraform_state(r: &Reads, out: &mut Vec<String>) -> Map<String, Value> {
    let mut s = Map::new();
    let Some(f) = &r.config else {
        out.push("no function metadata: the read fails".into());
        return s;
    };
    // Shared by `set` and the assertions below.
    let errors = std::cell::RefCell::new(Vec::new());
    let set = |s: &mut Map<String, Value>, attr: &str, kind: Schema, v: Option<&Value>| match decode(
        kind, v,
    ) {
        Ok(v) => {
            s.insert(attr.to_owned(), v);
        }
        Err(e) => errors.borrow_mut().push(format!("d.Set(\"{attr}\"): {e}")),
    };
    use Schema::*;
    // Scalars, in resourceFunctionRead's order.
    for (attr, key, kind) in [
        ("name", "func_name", TypeString),
        ("runtime", "runtime", TypeString),
        ("timeout", "timeout", TypeInt),
        ("memory_size", "memory_size", TypeInt),
        ("app", "package", TypeString),
        ("handler", "handler", TypeString),
        ("code_type", "code_type", TypeString),
        ("description", "description", TypeString),
        ("functiongraph_version", "type", TypeString),
        ("code_url", "code_url", TypeString),
        ("code_filename", "code_filename", TypeString),
        ("user_data", "user_data", TypeString),
        ("agency", "xrole", TypeString),
        ("enterprise_project_id", "enterprise_project_id", TypeString),
        ("gpu_type", "gpu_type", TypeString),
        ("gpu_memory", "gpu_memory", TypeInt),
        ("pre_stop_handler", "pre_stop_handler", TypeString),
        ("pre_stop_timeout", "pre_stop_timeout", TypeInt),
        ("app_agency", "app_xrole", TypeString),
        ("initializer_handler", "initializer_handler", TypeString),
        ("initializer_timeout", "initializer_timeout", TypeInt),
        ("dns_list", "domain_names", TypeString),
        ("vpc_id", "func_vpc.vpc_id", TypeString),
        ("network_id", "func_vpc.subnet_id", TypeString),
        ("mount_user_id", "mount_config.mount_user.user_id", TypeInt),
        (
            "mount_user_group_id",
            "mount_config.mount_user.user_group_id",
            TypeInt,
        ),
        ("enable_dynamic_memory", "enable_dynamic_memory", TypeBool),
        ("is_stateful_function", "is_stateful_function", TypeBool),
        ("peering_cidr", "peering_cidr", TypeString),
        ("enable_auth_in_header", "enable_auth_in_header", TypeBool),
        ("enable_class_isolation", "enable_class_isolation", TypeBool),
        ("ephemeral_storage", "ephemeral_storage", TypeInt),
        ("heartbeat_handler", "heartbeat_handler", TypeString),
        ("restore_hook_handler", "restore_hook_handler", TypeString),
        ("restore_hook_timeout", "restore_hook_timeout", TypeInt),
        ("enable_lts_log", "enable_lts_log", TypeBool),
        (
            "user_data_encrypt_kms_key_id",
            "user_data_encrypt_kms_key_id",
            TypeString,
        ),
        (
            "code_encrypt_kms_key_id",
            "code_encrypt_kms_key_id",
            TypeString,
        ),
        ("urn", "func_urn", TypeString),
        ("version", "version", TypeString),
    ] {
        if matches!(key, "package" | "xrole")
            && let Err(e) = assert_type(get(f, key), Ty::Str, key)
        {
            errors.borrow_mut().push(e);
            continue;
        }
        set(&mut s, attr, kind, get(f, key));
    }
    // max_instance_num / concurrency_num: .(float64), then strconv.Itoa / int.
    for (attr, key, as_string) in [
        ("max_instance_num", "strategy_config.concurrency", true),
        ("concurrency_num", "strategy_config.concurrent_num", false),
    ] {
        match assert_type(get(f, key), Ty::Num, key) {
            Ok(v) => {
                let n = v.and_then(Value::as_f64).unwrap_or(0.0) as i64;
                s.insert(
                    attr.into(),
                    if as_string {
                        json!(n.to_string())
                    } else {
                        json!(n)
                    },
                );
            }
            Err(e) => errors.borrow_mut().push(e),
        }
    }
    // lts_custom_tag: a TypeMap of strings.
    match get(f, "lts_custom_tag").filter(|v| !v.is_null()) {
        None => {
            s.insert("lts_custom_tag".into(), json!({}));
        }
        Some(Value::Object(m)) if m.values().all(Value::is_string) => {
            s.insert("lts_custom_tag".into(), Value::Object(m.clone()));
        }
        Some(other) => errors.borrow_mut().push(format!(
            "d.Set(\"lts_custom_tag\"): a map of strings, not {other}"
        )),
    }
    // depend_list: a TypeSet of strings.
    match get(f, "depend_version_list").filter(|v| !v.is_null()) {
        None => {
            s.insert("depend_list".into(), json!([]));
        }
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            s.insert("depend_list".into(), Value::Array(a.clone()));
        }
        Some(other) => errors
            .borrow_mut()
            .push(format!("d.Set(\"depend_list\"): strings, not {other}")),
    }
    // custom_image: flattenFgsCustomImage(.(map[string]interface{})).
    match assert_type(get(f, "custom_image"), Ty::Obj, "custom_image") {
        Ok(Some(Value::Object(m))) if !m.is_empty() => {
            let mut item = Map::new();
            for (attr, key) in [
                ("url", "image"),
                ("command", "command"),
                ("args", "args"),
                ("working_dir", "working_dir"),
                ("user_id", "uid"),
                ("user_group_id", "gid"),
            ] {
                set(&mut item, attr, TypeString, m.get(key));
            }
            s.insert("custom_image".into(), json!([item]));
        }
        Ok(_) => {
            s.insert("custom_image".into(), json!([]));
        }
        Err(e) => errors.borrow_mut().push(e),
    }
    // func_mounts: flattenFuncionMounts(.([]interface{})).
    match assert_type(
        get(f, "mount_config.func_mounts"),
        Ty::Arr,
        "mount_config.func_mounts",
    ) {
        Ok(v) => {
            let mut list = Vec::new();
            for m in v.and_then(Value::as_array).into_iter().flatten() {
                let mut item = Map::new();
                for key in [
                    "mount_type",
                    "mount_resource",
                    "mount_share_path",
                    "local_mount_path",
                    "status",
                ] {
                    set(&mut item, key, TypeString, m.get(key));
                }
                list.push(Value::Object(item));
            }
            s.insert("func_mounts".into(), Value::Array(list));
        }
        Err(e) => errors.borrow_mut().push(e),
    }
    // network_controller: flattenFunctionNetworkController.
    match get(f, "network_controller").filter(|v| !v.is_null()) {
        None => {
            s.insert("network_controller".into(), json!([]));
        }
        Some(nc) => match assert_type(
            nc.get("trigger_access_vpcs"),
            Ty::Arr,
            "trigger_access_vpcs",
        ) {
            Ok(vpcs) => {
                let mut list = Vec::new();
                for v in vpcs.and_then(Value::as_array).into_iter().flatten() {
                    let mut item = Map::new();
                    set(&mut item, "vpc_id", TypeString, v.get("vpc_id"));
                    set(&mut item, "vpc_name", TypeString, v.get("vpc_name"));
                    list.push(Value::Object(item));
                }
                let mut item = Map::new();
                item.insert("trigger_access_vpcs".into(), Value::Array(list));
                set(
                    &mut item,
                    "disable_public_network",
                    TypeBool,
                    nc.get("disable_public_network"),
                );
                s.insert("network_controller".into(), json!([item]));
            }
            Err(e) => errors.borrow_mut().push(e),
        },
    }
    // log_*: from lts-log-detail (an error there leaves them empty).
    let lts = r.lts.clone().unwrap_or(Value::Null);
    for (attr, key) in [
        ("log_group_name", "group_name"),
        ("log_stream_name", "stream_name"),
        ("log_group_id", "group_id"),
        ("log_stream_id", "stream_id"),
    ] {
        set(&mut s, attr, TypeString, lts.get(key));
    }
    // versions: flattenFunctionVersions (an error there sets nothing: every version is a diff).
    let versions = match &r.versions {
        Some(v) => assert_type(v.get("versions"), Ty::Arr, "versions")
            .map(|v| v.and_then(Value::as_array).cloned().unwrap_or_default()),
        None => Ok(Vec::new()),
    };
    let aliases = r
        .aliases
        .as_ref()
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match versions {
        Ok(versions) => {
            let mut list = Vec::new();
            for v in &versions {
                let name = match assert_type(v.get("version"), Ty::Str, "version") {
                    Ok(n) => n.and_then(Value::as_str).unwrap_or("").to_owned(),
                    Err(e) => {
                        errors.borrow_mut().push(e);
                        continue;
                    }
                };
                if name.is_empty() {
                    continue;
                }
                let mut desc =
                    match assert_type(v.get("version_description"), Ty::Str, "version_description")
                    {
                        Ok(d) => d.and_then(Value::as_str).unwrap_or("").to_owned(),
                        Err(e) => {
                            errors.borrow_mut().push(e);
                            String::new()
                        }
                    };
                let mine: Vec<&Value> = aliases
                    .iter()
                    .filter(|a| a.get("version").and_then(Value::as_str) == Some(name.as_str()))
                    .collect();
                if name == "latest" {
                    if mine.is_empty() {
                        continue;
                    }
                    desc = String::new();
                }
                let mut alias_list = Vec::new();
                for a in mine {
                    let mut item = Map::new();
                    set(&mut item, "name", TypeString, a.get("name"));
                    set(&mut item, "description", TypeString, a.get("description"));
                    for key in ["additional_version_weights", "additional_version_strategy"] {
                        // utils.JsonToString: nil -> "", else json.Marshal (sorted keys).
                        let text = match a.get(key).filter(|v| !v.is_null()) {
                            None => String::new(),
                            Some(v) => sorted(v).to_string(),
                        };
                        item.insert(key.into(), Value::String(text));
                    }
                    alias_list.push(Value::Object(item));
                }
                list.push(json!({"name": name, "description": desc, "aliases": alias_list}));
            }
            s.insert("versions".into(), Value::Array(list));
        }
        Err(e) => errors.borrow_mut().push(e),
    }
    // reserved_instances: flattenReservedInstances.
    let mut list = Vec::new();
    for ri in &r.reserved {
        let mut item = Map::new();
        set(&mut item, "count", TypeInt, ri.get("min_count"));
        set(&mut item, "idle_mode", TypeBool, ri.get("idle_mode"));
        set(
            &mut item,
            "qualifier_name",
            TypeString,
            ri.get("qualifier_name"),
        );
        set(
            &mut item,
            "qualifier_type",
            TypeString,
            ri.get("qualifier_type"),
        );
        let tactics = match assert_type(ri.get("tactics_config"), Ty::Obj, "tactics_config") {
            Ok(Some(Value::Object(t))) if !t.is_empty() => {
                let mut cron = Vec::new();
                let mut metric = Vec::new();
                match assert_type(t.get("cron_configs"), Ty::Arr, "cron_configs") {
                    Ok(c) => {
                        for c in c.and_then(Value::as_array).into_iter().flatten() {
                            let mut ci = Map::new();
                            set(&mut ci, "name", TypeString, c.get("name"));
                            set(&mut ci, "cron", TypeString, c.get("cron"));
                            set(&mut ci, "count", TypeInt, c.get("count"));
                            set(&mut ci, "start_time", TypeInt, c.get("start_time"));
                            set(&mut ci, "expired_time", TypeInt, c.get("expired_time"));
                            cron.push(Value::Object(ci));
                        }
                    }
                    Err(e) => errors.borrow_mut().push(e),
                }
                match assert_type(t.get("metric_configs"), Ty::Arr, "metric_configs") {
                    Ok(m) => {
                        for m in m.and_then(Value::as_array).into_iter().flatten() {
                            let mut mi = Map::new();
                            set(&mut mi, "name", TypeString, m.get("name"));
                            set(&mut mi, "type", TypeString, m.get("type"));
                            set(&mut mi, "threshold", TypeInt, m.get("threshold"));
                            set(&mut mi, "min", TypeInt, m.get("min"));
                            metric.push(Value::Object(mi));
                        }
                    }
                    Err(e) => errors.borrow_mut().push(e),
                }
                json!([{"cron_configs": cron, "metric_configs": metric}])
            }
            Ok(_) => json!([]),
            Err(e) => {
                errors.borrow_mut().push(e);
                json!([])
            }
        };
        item.insert("tactics_config".into(), tactics);
        list.push(Value::Object(item));
    }
    s.insert("reserved_instances".into(), Value::Array(list));
    out.extend(errors.into_inner());
    s
}

/// A JSON value with object keys sorted, as Go's `json.Marshal` writes a map.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Sets (`versions`, `reserved_instances`, `depend_list`) compare without order.
fn canonical(key: &str, v: &Value) -> Value {
    match (key, v) {
        ("versions" | "reserved_instances" | "depend_list", Value::Array(items)) => {
            let mut items: Vec<Value> = items.iter().map(sorted).collect();
            items.sort_by_key(Value::to_string);
            Value::Array(items)
        }
        _ => sorted(v),
    }
}
