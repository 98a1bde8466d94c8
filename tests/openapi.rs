//! `GET /_emulator/openapi.json`: the served document is valid OpenAPI 3, names exactly the
//! forty-five FunctionGraph operations, agrees with the router (every documented method and
//! path is routed; the other methods on those paths are not), and describes the wire: real
//! answers, success and error, validate against the schemas it declares.

use std::collections::BTreeSet;

use fgs_emulator::Emulator;
use fgs_emulator::config::Config;
use serde_json::{Value, json};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// The FunctionGraph operation names the emulator serves, as the official SDKs call them.
const OPERATIONS: [&str; 45] = [
    "CreateFunction",
    "ListFunctions",
    "ShowFunctionConfig",
    "UpdateFunctionConfig",
    "ShowFunctionCode",
    "UpdateFunctionCode",
    "DeleteFunction",
    "CreateFunctionVersion",
    "ListFunctionVersions",
    "CreateVersionAlias",
    "ListVersionAliases",
    "ShowVersionAlias",
    "UpdateVersionAlias",
    "DeleteVersionAlias",
    "InvokeFunction",
    "AsyncInvokeFunction",
    "ListAsyncInvocations",
    "ListActiveAsyncInvocations",
    "CancelAsyncInvocation",
    "UpdateFunctionMaxInstanceConfig",
    "ShowLtsLogDetails",
    "CreateTags",
    "DeleteTags",
    "ListFunctionTags",
    "ShowProjectTagsList",
    "ShowResInstanceInfo",
    "UpdateFunctionReservedInstancesCount",
    "ListReservedInstanceConfigs",
    "ListFunctionReservedInstances",
    "ListQuotas",
    "UpdateFunctionAsyncInvokeConfig",
    "ShowFunctionAsyncInvokeConfig",
    "DeleteFunctionAsyncInvokeConfig",
    "ListFunctionAsyncInvokeConfig",
    "CreateFunctionTrigger",
    "ListFunctionTriggers",
    "BatchDeleteFunctionTriggers",
    "ShowFunctionTrigger",
    "UpdateFunctionTrigger",
    "DeleteFunctionTrigger",
    "CreateEvent",
    "ListEvents",
    "ShowEvent",
    "UpdateEvent",
    "DeleteEvent",
];

/// The methods the probe tries on every documented path. HEAD is left out on purpose: axum
/// answers HEAD wherever GET is routed (GET's handler, body dropped), as HTTP asks.
const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "PATCH"];

struct Api {
    emulator: Emulator,
    client: reqwest::Client,
    doc: Value,
}

/// One answer, read whole.
struct Answer {
    status: u16,
    content_type: Option<String>,
    text: String,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error_code"].as_str().unwrap_or("")
    }
}

impl Api {
    async fn start() -> Self {
        let emulator = Emulator::start(Config::default())
            .await
            .expect("emulator starts");
        let client = reqwest::Client::new();
        let doc = client
            .get(format!("{}/_emulator/openapi.json", emulator.base_url()))
            .send()
            .await
            .expect("GET openapi.json")
            .json::<Value>()
            .await
            .expect("the document is JSON");
        Self {
            emulator,
            client,
            doc,
        }
    }

    /// Sends `method path` (path relative to the server, already filled in) with a token and,
    /// when given, a JSON body.
    async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.emulator.base_url()))
            .header("X-Auth-Token", "local");
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request is answered");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            text,
            body,
        }
    }

    /// Every documented (METHOD, path template) with its operationId.
    fn operations(&self) -> Vec<(String, String, String)> {
        let mut ops = Vec::new();
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().unwrap() {
                if ["parameters", "summary", "description", "servers"].contains(&method.as_str()) {
                    continue;
                }
                let id = op["operationId"].as_str().unwrap_or("").to_owned();
                ops.push((method.to_uppercase(), path.clone(), id));
            }
        }
        ops
    }

    /// Follows a local `$ref` (`#/components/...`) until it reaches a value.
    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let pointer = r.strip_prefix('#').expect("a local $ref");
            v = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("$ref {r} does not resolve"));
        }
        v
    }

    /// Checks an answer against the document's response for `method path_template` and its
    /// status (an explicit one must exist unless `allow_default`): the content type, the
    /// body's schema, or no body at all where none is declared.
    fn conforms(&self, method: &str, template: &str, answer: &Answer, allow_default: bool) {
        let what = format!(
            "{method} {template} answered {}: {}",
            answer.status, answer.text
        );
        let op = &self.doc["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{what}: not documented");
        let responses = &op["responses"];
        let declared = match responses.get(answer.status.to_string()) {
            Some(r) => r,
            None if allow_default => responses.get("default").expect("a default response"),
            None => panic!("{what}: status not declared"),
        };
        let declared = self.resolve(declared);
        match declared.get("content") {
            None => assert!(
                answer.text.is_empty(),
                "{what}: a body where none is declared"
            ),
            Some(content) => {
                assert_eq!(
                    answer.content_type.as_deref(),
                    Some("application/json"),
                    "{what}"
                );
                let schema = &content["application/json"]["schema"];
                let mut errors = Vec::new();
                self.validate(schema, &answer.body, "$", &mut errors);
                assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
            }
        }
    }

    /// A small JSON Schema check for the keywords the document uses ($ref, oneOf, type,
    /// properties, required, items, additionalProperties, minimum, int32/int64). Stricter
    /// than JSON Schema in one way: an object with declared `properties` may carry no other
    /// key, so a key the emulator writes but the document omits is caught.
    fn validate(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            let matching = options
                .iter()
                .filter(|s| {
                    let mut e = Vec::new();
                    self.validate(s, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if matching != 1 {
                errors.push(format!("{at}: matches {matching} of oneOf, not 1: {v}"));
            }
            return;
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let type_of = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let type_ok = types.is_empty()
            || types.contains(&type_of)
            || (type_of == "integer" && types.contains(&"number"));
        if !type_ok {
            errors.push(format!("{at}: {type_of} where the schema says {types:?}"));
            return;
        }
        if let Some(n) = v.as_f64() {
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                errors.push(format!("{at}: {n} below minimum {min}"));
            }
            let range = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => Some((f64::from(i32::MIN), f64::from(i32::MAX))),
                Some("int64") => Some((i64::MIN as f64, i64::MAX as f64)),
                _ => None,
            };
            if let Some((lo, hi)) = range
                && !(lo..=hi).contains(&n)
            {
                errors.push(format!("{at}: {n} outside its format"));
            }
        }
        match v {
            Value::Object(map) => {
                let props = schema.get("properties").and_then(Value::as_object);
                for key in schema["required"].as_array().into_iter().flatten() {
                    let key = key.as_str().unwrap();
                    if !map.contains_key(key) {
                        errors.push(format!("{at}: required key {key} missing"));
                    }
                }
                for (k, child) in map {
                    let path = format!("{at}.{k}");
                    match (
                        props.and_then(|p| p.get(k)),
                        schema.get("additionalProperties"),
                    ) {
                        (Some(s), _) => self.validate(s, child, &path, errors),
                        (None, Some(s)) if s.is_object() => self.validate(s, child, &path, errors),
                        (None, _) if props.is_some() => {
                            errors.push(format!("{path}: key not in the schema"))
                        }
                        (None, _) => {}
                    }
                }
            }
            Value::Array(items) => {
                if let Some(s) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.validate(s, item, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Fills a path template with sample values.
/// The tag paths take the function as `{resource_id}` (and `functions` as
/// `{resource_type}`); ShowResInstanceInfo's `{action}` takes the `alias` argument's place.
/// Fills a path template with sample values (a TIMER trigger and an event id that do not
/// exist, where the template has them).
fn fill(template: &str, function_urn: &str, alias: &str) -> String {
    template
        .replace("{project_id}", PROJECT)
        .replace("{function_urn}", function_urn)
        .replace("{alias_name}", alias)
        .replace("{resource_type}", "functions")
        .replace("{resource_id}", function_urn)
        .replace("{action}", alias)
        .replace("{trigger_type_code}", "TIMER")
        .replace("{trigger_id}", "t1")
        .replace("{event_id}", "e1")
}

/// The `{name}`s in a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_document_is_valid_openapi_3() {
    let api = Api::start().await;
    let raw = api
        .client
        .get(format!(
            "{}/_emulator/openapi.json",
            api.emulator.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 200);
    assert_eq!(
        raw.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let text = raw.text().await.unwrap();

    // A well-kept parser of OpenAPI 3.1 accepts it, version included.
    let spec = oas3::from_json(&text).expect("oas3 parses the document");
    let version = spec
        .validate_version()
        .expect("a supported OpenAPI 3.1 version");
    assert_eq!(version.major, 3);
    assert!(api.doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        spec.info.title,
        "fgs-emulator: FunctionGraph function-version API"
    );
    assert_eq!(spec.info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(spec.servers.first().map(|s| s.url.as_str()), Some("/"));

    // Every $ref anywhere resolves.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    out.push(r);
                }
                m.values().for_each(|c| refs(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&api.doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').expect("local refs only");
        assert!(
            api.doc.pointer(pointer).is_some(),
            "$ref {r} does not resolve"
        );
    }

    // Both credentials are declared security schemes, and the document requires one.
    let schemes = &api.doc["components"]["securitySchemes"];
    let names: BTreeSet<(&str, &str)> = schemes
        .as_object()
        .unwrap()
        .values()
        .map(|s| (s["in"].as_str().unwrap(), s["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([("header", "Authorization"), ("header", "X-Auth-Token")])
    );
    assert_eq!(api.doc["security"].as_array().unwrap().len(), 2);

    let envelope = &api.doc["components"]["schemas"]["ErrorEnvelope"];
    assert_eq!(envelope["required"], json!(["error_code", "error_msg"]));
    assert_eq!(envelope["properties"]["error_code"]["type"], "string");
    assert_eq!(envelope["properties"]["error_msg"]["type"], "string");

    for (path, method, op) in spec.operations() {
        let what = format!("{method} {path}");
        assert!(op.operation_id.is_some(), "{what}: no operationId");
        // Path parameters: exactly the template's names, each required.
        let params = op.parameters(&spec).expect("parameters resolve");
        let declared: BTreeSet<String> = params
            .iter()
            .filter(|p| p.location == oas3::spec::ParameterIn::Path)
            .map(|p| {
                assert_eq!(
                    p.required,
                    Some(true),
                    "{what}: path param {} optional",
                    p.name
                );
                assert!(p.description.is_some(), "{what}: {} undescribed", p.name);
                p.name.clone()
            })
            .collect();
        assert_eq!(declared, template_params(&path), "{what}: path params");
        op.request_body(&spec).expect("the request body resolves");

        let responses = op.responses.as_ref().expect("responses");
        assert!(!responses.is_empty(), "{what}: no responses");
        let resolved = op.responses(&spec);
        assert_eq!(
            resolved.len(),
            responses.len(),
            "{what}: a response ref is dangling"
        );
        let success: Vec<&String> = resolved.keys().filter(|s| s.starts_with('2')).collect();
        assert_eq!(success.len(), 1, "{what}: one success status");
        for (status, response) in &resolved {
            match status.as_str() {
                "204" => assert!(response.content.is_empty(), "{what}: 204 with content"),
                "200" | "201" | "202" => {
                    assert!(response.content.contains_key("application/json"), "{what}")
                }
                _ => {
                    // Every error answer is the JSON envelope.
                    let json = &api.doc["paths"][&path][method.as_str().to_lowercase()]["responses"]
                        [status];
                    let schema = &api.resolve(json)["content"]["application/json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/ErrorEnvelope",
                        "{what} {status}"
                    );
                }
            }
        }
        for status in ["400", "401", "403", "default"] {
            assert!(resolved.contains_key(status), "{what}: no {status}");
        }
    }
}

/// The document's descriptions come from doc comments, and speak to API users: no
/// implementation notes (a type's doc comment that talked about how the body is read in
/// place, with links into the crate and the performance notes, once leaked into
/// `CodeBody`'s description).
#[tokio::test]
async fn descriptions_carry_no_implementation_notes() {
    let api = Api::start().await;
    fn descriptions<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("description", Value::String(text)) => out.push((at.clone(), text)),
                        _ => descriptions(v, format!("{at}/{k}"), out),
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    descriptions(v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    descriptions(&api.doc, String::new(), &mut all);
    assert!(
        all.len() > 100,
        "the walk finds the descriptions ({})",
        all.len()
    );
    for (at, text) in &all {
        for internal in ["crate::", "docs/", "src/", "PERFORMANCE"] {
            assert!(!text.contains(internal), "{at}: {internal:?} in {text:?}");
        }
    }
    assert_eq!(
        api.doc["components"]["schemas"]["CodeBody"]["description"],
        "The body of `PUT .../code` (UpdateFunctionCode)."
    );
}

#[tokio::test]
async fn the_operation_ids_are_the_functiongraph_names() {
    let api = Api::start().await;
    let ids: Vec<String> = api.operations().into_iter().map(|(_, _, id)| id).collect();
    let unique: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(ids.len(), unique.len(), "operationIds are unique: {ids:?}");
    assert_eq!(unique, BTreeSet::from(OPERATIONS));
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_operations() {
    let api = Api::start().await;
    let documented: BTreeSet<(String, String)> = api
        .operations()
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    let mut probed = 0;
    for path in paths {
        let url = fill(path, "hello", "a1");
        for method in METHODS {
            let body = matches!(method, "POST" | "PUT" | "PATCH").then(|| json!({}));
            let answer = api.send(method, &url, body.as_ref()).await;
            let unrouted = answer.status == 404 && answer.code() == "FSS.0404";
            let key = (method.to_owned(), path.clone());
            if documented.contains(&key) {
                assert!(!unrouted, "{method} {path} is documented but not routed");
                // It answers as documented (an explicit status, not just `default`).
                api.conforms(method, path, &answer, false);
            } else {
                assert!(
                    unrouted,
                    "{method} {path} is routed ({}) but not documented: {}",
                    answer.status, answer.text
                );
                assert!(
                    answer.body["error_msg"]
                        .as_str()
                        .unwrap()
                        .contains("no API answers")
                );
            }
            probed += 1;
        }
    }
    assert_eq!(probed, 29 * METHODS.len(), "twenty-nine documented paths");

    // Neighbours of the documented paths are not routed either.
    let f = format!("/v2/{PROJECT}/fgs/functions");
    for path in [
        format!("{f}/hello/invocations"),
        format!("{f}/hello/aliases/a1/extra"),
        format!("{f}/hello/versions/v1"),
        format!("/v2/{PROJECT}/fgs"),
        format!("/v1/{PROJECT}/fgs/functions"),
    ] {
        let answer = api.send("GET", &path, None).await;
        assert_eq!(
            (answer.status, answer.code()),
            (404, "FSS.0404"),
            "GET {path}"
        );
    }
}

/// One call: method, path template, `{function_urn}`, `{alias_name}`, body, expected status.
type Step<'a> = (&'a str, String, &'a str, &'a str, Option<Value>, u16);

/// A short life of a function through every operation; each answer, success or error,
/// must validate against the document. This is what a schema fuzzer will check.
#[tokio::test]
async fn real_answers_match_the_declared_schemas() {
    let api = Api::start().await;
    let f = "/v2/{project_id}/fgs/functions";
    let fu = "/v2/{project_id}/fgs/functions/{function_urn}";
    let al = "/v2/{project_id}/fgs/functions/{function_urn}/aliases/{alias_name}";
    let tt = "/v2/{project_id}/{resource_type}";
    let tr = "/v2/{project_id}/{resource_type}/{resource_id}";
    let urn = format!("urn:fss:cn-north-4:{PROJECT}:function:default:hello:latest");
    let encoded = urn.replace(':', "%3A");
    let v2 = format!("{PROJECT}:default:hello:v2");
    let via_alias = format!("{PROJECT}:default:hello:!a1");
    let latest = format!("{PROJECT}:default:hello:latest");

    let code = |text: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(text)
    };
    let create = json!({
        "func_name": "hello", "package": "default", "runtime": "Python3.9",
        "handler": "index.handler", "memory_size": 128, "timeout": 30,
        "code_type": "inline", "func_code": {"file": code("print(1)")},
        "user_data": "{\"K\":\"v\"}", "func_vpc": {"vpc_id": "vpc-1", "subnet_id": "s-1"},
    });
    let new_code = |n: u32| {
        let file = code(&format!("print({n})"));
        json!({"code_type": "inline", "func_code": {"file": file}})
    };

    let steps: Vec<Step> = vec![
        ("POST", f.into(), "", "", Some(create.clone()), 200),
        ("POST", f.into(), "", "", Some(create), 409),
        (
            "POST",
            f.into(),
            "",
            "",
            Some(json!({"func_name": "1bad"})),
            400,
        ),
        ("GET", f.into(), "", "", None, 200),
        ("GET", format!("{fu}/config"), &encoded, "", None, 200),
        ("GET", format!("{fu}/code"), &urn, "", None, 200),
        (
            "PUT",
            format!("{fu}/config-max-instance"),
            "hello",
            "",
            Some(json!({"max_instance_num": 10})),
            200,
        ),
        (
            "PUT",
            format!("{fu}/config-max-instance"),
            "hello",
            "",
            Some(json!({"max_instance_num": 1001})),
            400,
        ),
        (
            "GET",
            format!("{fu}/lts-log-detail"),
            "hello",
            "",
            None,
            200,
        ),
        ("GET", format!("{fu}/lts-log-detail"), "nope", "", None, 404),
        (
            "GET",
            format!("{fu}/async-invoke-config"),
            "hello",
            "",
            None,
            404,
        ),
        (
            "PUT",
            format!("{fu}/async-invoke-config"),
            "hello",
            "",
            Some(
                json!({"max_async_event_age_in_seconds": 60, "max_async_retry_attempts": 2,
                        "destination_config": {"on_failure": {"destination": "SMN",
                            "param": "{\"topic_urn\":\"urn:smn:t\"}"}}}),
            ),
            200,
        ),
        (
            "PUT",
            format!("{fu}/async-invoke-config"),
            "hello",
            "",
            Some(json!({"max_async_retry_attempts": 4})),
            400,
        ),
        (
            "GET",
            format!("{fu}/async-invoke-config"),
            "hello",
            "",
            None,
            200,
        ),
        (
            "GET",
            format!("{fu}/async-invoke-configs"),
            "hello",
            "",
            None,
            200,
        ),
        (
            "DELETE",
            format!("{fu}/async-invoke-config"),
            "hello",
            "",
            None,
            204,
        ),
        (
            "DELETE",
            format!("{fu}/async-invoke-config"),
            "hello",
            "",
            None,
            404,
        ),
        (
            "PUT",
            format!("{fu}/code"),
            "hello",
            "",
            Some(new_code(2)),
            200,
        ),
        ("POST", format!("{fu}/versions"), "hello", "", None, 200),
        ("POST", format!("{fu}/versions"), "hello", "", None, 400),
        (
            "PUT",
            format!("{fu}/code"),
            "hello",
            "",
            Some(new_code(3)),
            200,
        ),
        (
            "POST",
            format!("{fu}/versions"),
            "hello",
            "",
            Some(json!({"version": "v2"})),
            200,
        ),
        (
            "POST",
            format!("{fu}/versions"),
            "nope",
            "",
            Some(json!({})),
            404,
        ),
        ("GET", format!("{fu}/versions"), "hello", "", None, 200),
        (
            "PUT",
            format!("{fu}/config"),
            &v2,
            "",
            Some(json!({"runtime": "Python3.9", "handler": "index.handler",
                        "memory_size": 256, "timeout": 60})),
            200,
        ),
        (
            "POST",
            format!("{fu}/aliases"),
            "hello",
            "",
            Some(json!({"name": "a1", "version": "v2"})),
            200,
        ),
        (
            "POST",
            format!("{fu}/aliases"),
            "hello",
            "",
            Some(json!({"name": "a1", "version": "v2"})),
            409,
        ),
        ("GET", format!("{fu}/aliases"), "hello", "", None, 200),
        (
            "PUT",
            al.into(),
            "hello",
            "a1",
            Some(json!({
                "version": "v2",
                "additional_version_weights": {"latest": 10},
            })),
            400,
        ),
        ("GET", al.into(), "hello", "a1", None, 200),
        ("GET", al.into(), "hello", "zz", None, 404),
        ("GET", format!("{fu}/config"), &via_alias, "", None, 200),
        (
            "POST",
            format!("{tr}/tags/create"),
            &urn,
            "",
            Some(json!({"tags": [{"key": "env", "value": "prod"}]})),
            204,
        ),
        (
            "POST",
            format!("{tr}/tags/create"),
            &urn,
            "",
            Some(json!({"tags": [{"key": "bad key"}]})),
            400,
        ),
        ("GET", format!("{tr}/tags"), &encoded, "", None, 200),
        ("GET", format!("{tr}/tags"), "nope", "", None, 404),
        ("GET", format!("{tt}/tags"), "", "", None, 200),
        (
            "POST",
            format!("{tt}/resource-instances/{{action}}"),
            "",
            "filter",
            Some(json!({"tags": [{"key": "env", "values": ["prod"]}], "limit": 100})),
            200,
        ),
        (
            "POST",
            format!("{tt}/resource-instances/{{action}}"),
            "",
            "count",
            Some(json!({"action": "count"})),
            200,
        ),
        (
            "DELETE",
            format!("{tr}/tags/delete"),
            "hello",
            "",
            Some(json!({"tags": [{"key": "env"}]})),
            204,
        ),
        ("DELETE", al.into(), "hello", "a1", None, 204),
        ("DELETE", fu.into(), &latest, "", None, 400),
        ("DELETE", fu.into(), "hello", "", None, 204),
        ("DELETE", fu.into(), "hello", "", None, 404),
    ];
    for (method, template, urn, alias, body, expected) in steps {
        let url = fill(&template, urn, alias);
        let answer = api.send(method, &url, body.as_ref()).await;
        assert_eq!(answer.status, expected, "{method} {url}: {}", answer.text);
        api.conforms(method, &template, &answer, false);
    }

    // An alias with an additional version: the weight and strategy maps, not null.
    api.send(
        "POST",
        &fill(f, "", ""),
        Some(&json!({
            "func_name": "two", "runtime": "Python3.9", "handler": "index.handler",
            "memory_size": 128, "timeout": 30, "code_type": "inline",
            "func_code": {"file": code("a")},
        })),
    )
    .await;
    for (n, v) in [(1, "v1"), (2, "v2")] {
        let answer = api
            .send(
                "PUT",
                &fill(&format!("{fu}/code"), "two", ""),
                Some(&new_code(n + 10)),
            )
            .await;
        assert_eq!(answer.status, 200);
        let answer = api
            .send(
                "POST",
                &fill(&format!("{fu}/versions"), "two", ""),
                Some(&json!({"version": v})),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    let body = json!({
        "name": "canary", "version": "v2",
        "additional_version_weights": {"v1": 20},
        "additional_version_strategy": {"v1": {"combine_type": "and", "rules": [
            {"rule_type": "Header", "param": "x-user", "op": "=", "value": "tester"}
        ]}},
    });
    let answer = api
        .send(
            "POST",
            &fill(&format!("{fu}/aliases"), "two", ""),
            Some(&body),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["additional_version_weights"], json!({"v1": 20}));
    api.conforms("POST", &format!("{fu}/aliases"), &answer, false);
    let answer = api
        .send("GET", &fill(&format!("{fu}/aliases"), "two", ""), None)
        .await;
    api.conforms("GET", &format!("{fu}/aliases"), &answer, false);

    // Authentication failures are the envelope too.
    let answer = api
        .client
        .get(format!("{}{}", api.emulator.base_url(), fill(f, "", "")))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = answer.text().await.unwrap();
    let answer = Answer {
        status,
        content_type,
        body: serde_json::from_str(&text).unwrap(),
        text,
    };
    assert_eq!(answer.status, 401);
    api.conforms("GET", f, &answer, false);
}

#[tokio::test]
async fn trigger_and_event_answers_match_the_declared_schemas() {
    let api = Api::start().await;
    let code = |text: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(text)
    };
    let f = "/v2/{project_id}/fgs/functions";
    let create = json!({
        "func_name": "hello", "package": "default", "runtime": "Python3.9",
        "handler": "index.handler", "memory_size": 128, "timeout": 30,
        "code_type": "inline", "func_code": {"file": code("print(1)")},
    });
    assert_eq!(
        api.send("POST", &fill(f, "", ""), Some(&create))
            .await
            .status,
        200
    );

    let triggers = "/v2/{project_id}/fgs/triggers/{function_urn}";
    let timer = json!({"trigger_type_code": "TIMER", "event_data":
        {"name": "t", "schedule_type": "Rate", "schedule": "3m"}});
    let answer = api
        .send("POST", &fill(triggers, "hello", ""), Some(&timer))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    api.conforms("POST", triggers, &answer, false);
    let id = answer.body["trigger_id"].as_str().unwrap().to_owned();
    let one = format!("{triggers}/TIMER/{id}");
    let template = "/v2/{project_id}/fgs/triggers/{function_urn}/{trigger_type_code}/{trigger_id}";
    let steps: Vec<(&str, String, Option<Value>, u16)> = vec![
        ("POST", triggers.into(), Some(timer.clone()), 409),
        (
            "POST",
            triggers.into(),
            Some(json!({"trigger_type_code": "NOPE"})),
            400,
        ),
        ("GET", triggers.into(), None, 200),
        ("GET", one.clone(), None, 200),
        (
            "PUT",
            one.clone(),
            Some(json!({"trigger_status": "DISABLED"})),
            200,
        ),
        (
            "PUT",
            one.clone(),
            Some(json!({"trigger_status": "OFF"})),
            400,
        ),
        ("DELETE", one.clone(), None, 204),
        ("GET", one.clone(), None, 404),
        ("DELETE", triggers.into(), None, 204),
    ];
    for (method, path, body, expected) in steps {
        let answer = api
            .send(method, &fill(&path, "hello", ""), body.as_ref())
            .await;
        assert_eq!(answer.status, expected, "{method} {path}: {}", answer.text);
        let t = if path.contains("/TIMER/") {
            template
        } else {
            triggers
        };
        api.conforms(method, t, &answer, false);
    }

    let events = "/v2/{project_id}/fgs/functions/{function_urn}/events";
    let answer = api
        .send(
            "POST",
            &fill(events, "hello", ""),
            Some(&json!({"name": "e1", "content": code("{\"k\":\"v\"}")})),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    api.conforms("POST", events, &answer, false);
    let id = answer.body["id"].as_str().unwrap().to_owned();
    let event = "/v2/{project_id}/fgs/functions/{function_urn}/events/{event_id}";
    let one = fill(events, "hello", "") + "/" + &id;
    let steps: Vec<(&str, Option<Value>, u16)> = vec![
        ("PUT", Some(json!({"content": code("{}")})), 200),
        ("PUT", Some(json!({"content": "!"})), 400),
        ("GET", None, 200),
        ("DELETE", None, 204),
        ("GET", None, 404),
    ];
    for (method, body, expected) in steps {
        let answer = api.send(method, &one, body.as_ref()).await;
        assert_eq!(answer.status, expected, "{method} {one}: {}", answer.text);
        api.conforms(method, event, &answer, false);
    }
    let answer = api.send("GET", &fill(events, "hello", ""), None).await;
    assert_eq!(answer.status, 200);
    api.conforms("GET", events, &answer, false);
}
