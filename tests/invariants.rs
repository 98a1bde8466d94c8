//! Concurrency invariants (issue 7, item 6).
//!
//! Many tasks on a multi-threaded runtime hammer a few functions over HTTP with a random mix
//! of every write (create, update code, update config of latest and of versions, publish,
//! delete version, delete function, alias create/update/delete) and reads (show config of
//! latest, versions and aliases, list versions, list aliases). Afterwards, and in every
//! read on the way, the invariants the SPEC promises are checked:
//!
//! - no 5xx, ever; every 4xx is the FSS envelope (`error_code` + `error_msg`, JSON, with
//!   `X-Request-Id`) with a code expected for that operation;
//! - the version cap is never exceeded (`count - 1 <= max_versions`), names are unique,
//!   `latest` comes first, the alias cap holds, a version is the major of one alias at most;
//! - every version's digest is one that latest had at some point (every digest the test
//!   ever sent as code is tracked), and a publish that named a digest got exactly it;
//! - a version's code never changes when its configuration is updated;
//! - every alias points at existing versions (major and additional);
//! - `count` matches the items when paging through functions and versions, and the
//!   `/_emulator/state` export agrees with the HTTP API.
//!
//! The operation mix comes from a seeded generator per task (`FGS_INVARIANTS_SEED` to
//! replay a mix; the interleaving itself is up to the scheduler). Bounded: a fixed number of
//! operations, a few seconds in a debug build.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fgs_emulator::Emulator;
use fgs_emulator::config::Config;
use serde_json::{Value, json};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const FUNCTIONS: [&str; 3] = ["inv-a", "inv-b", "inv-c"];
const MAX_VERSIONS: usize = 5;
const MAX_ALIASES: usize = 3;
const TASKS: usize = 32;
const OPS_PER_TASK: usize = 150;
/// Version names are drawn from a small pool so names collide (409) and are reused after
/// deletes; alias names from a pool one larger than the alias cap.
const VERSION_POOL: u64 = 12;
const ALIASES: [&str; 4] = ["al-a", "al-b", "al-c", "al-d"];

// ---------------------------------------------------------------------------------------
// Small helpers

/// splitmix64: a tiny seeded generator (no extra dev-dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn sha512_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn urn(function: &str, qualifier: Option<&str>) -> String {
    match qualifier {
        None => format!("urn:fss:cn-north-4:{PROJECT}:function:default:{function}"),
        Some(q) => format!("urn:fss:cn-north-4:{PROJECT}:function:default:{function}:{q}"),
    }
}

fn version_name(rng: &mut Rng) -> String {
    format!("v{}", rng.below(VERSION_POOL))
}

#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    text: String,
    content_type: String,
    request_id: bool,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error_code"].as_str().unwrap_or("")
    }
}

/// What an operation may answer: `(status, error_code)`, `""` for a success.
type Allowed = &'static [(u16, &'static str)];

const CREATE: Allowed = &[(200, ""), (409, "FSS.1061")];
const UPDATE_CODE: Allowed = &[(200, ""), (404, "FSS.1051")];
const UPDATE_CONFIG_LATEST: Allowed = &[(200, ""), (404, "FSS.1051")];
const UPDATE_CONFIG_VERSION: Allowed = &[(200, ""), (404, "FSS.1051"), (404, "FSS.1052")];
const PUBLISH: Allowed = &[
    (200, ""),
    (403, "FSS.1042"),
    (409, "FSS.1062"),
    (404, "FSS.1051"),
];
const PUBLISH_WITH_DIGEST: Allowed = &[
    (200, ""),
    (400, "FSS.0400"),
    (403, "FSS.1042"),
    (409, "FSS.1062"),
    (404, "FSS.1051"),
];
const DELETE_VERSION: Allowed = &[
    (204, ""),
    (403, "FSS.1094"),
    (404, "FSS.1051"),
    (404, "FSS.1052"),
];
const DELETE_FUNCTION: Allowed = &[(204, ""), (404, "FSS.1051")];
const CREATE_ALIAS: Allowed = &[
    (200, ""),
    (400, "FSS.1015"),
    (400, "FSS.1091"),
    (403, "FSS.1043"),
    (404, "FSS.1051"),
    (409, "FSS.1063"),
    (409, "FSS.1066"),
];
const UPDATE_ALIAS: Allowed = &[
    (200, ""),
    (400, "FSS.1015"),
    (400, "FSS.1091"),
    (404, "FSS.1051"),
    (404, "FSS.1053"),
    (409, "FSS.1066"),
];
const DELETE_ALIAS: Allowed = &[(204, ""), (404, "FSS.1051"), (404, "FSS.1053")];
const SHOW_CONFIG: Allowed = &[
    (200, ""),
    (404, "FSS.1051"),
    (404, "FSS.1052"),
    (404, "FSS.1053"),
];
const LIST: Allowed = &[(200, ""), (404, "FSS.1051")];

/// Shared by all tasks: the client, what the test ever set, and what went wrong.
struct World {
    client: reqwest::Client,
    base: String,
    /// Every digest the test ever sent as a function's code, by function name (inserted
    /// before the request goes out: the server may apply it before we read the answer).
    digests: Mutex<HashMap<String, HashSet<String>>>,
    /// (function, version name) -> digests the version had when a publish answered 200.
    published: Mutex<HashMap<(String, String), HashSet<String>>>,
    /// Version config updates answered 200: (function, version, digest answered), checked
    /// against `published` at the end.
    version_updates: Mutex<Vec<(String, String, String)>>,
    /// Invariant violations, as readable lines.
    violations: Mutex<Vec<String>>,
    /// (operation, status, error_code) -> count: the coverage of the mix.
    stats: Mutex<BTreeMap<(&'static str, u16, String), u64>>,
    seq: AtomicU64,
}

impl World {
    fn violation(&self, line: String) {
        let mut v = self.violations.lock().unwrap();
        if v.len() < 200 {
            v.push(line);
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let url = format!("{}/v2/{PROJECT}/fgs{path}", self.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, &url)
            .header("X-Auth-Token", "invariants");
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("the emulator answers");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let request_id = resp.headers().contains_key("x-request-id");
        let text = resp.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            text,
            content_type,
            request_id,
        }
    }

    /// Calls, then checks the answer against what the operation may answer.
    async fn op(
        &self,
        name: &'static str,
        allowed: Allowed,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let a = self.call(method, path, body).await;
        self.stats
            .lock()
            .unwrap()
            .entry((name, a.status, a.code().to_owned()))
            .and_modify(|n| *n += 1)
            .or_insert(1);
        let what = format!("{name} {method} {path}");
        if a.status >= 500 {
            self.violation(format!("{what}: a 5xx: {} {}", a.status, a.text));
        }
        if !a.request_id {
            self.violation(format!("{what}: no X-Request-Id ({})", a.status));
        }
        if a.status >= 400 {
            let obj = a.body.as_object();
            let envelope = obj.is_some_and(|o| {
                o.len() == 2
                    && o.get("error_code")
                        .and_then(Value::as_str)
                        .is_some_and(|c| c.starts_with("FSS."))
                    && o.get("error_msg")
                        .and_then(Value::as_str)
                        .is_some_and(|m| !m.is_empty())
            });
            if !envelope || !a.content_type.starts_with("application/json") {
                self.violation(format!(
                    "{what}: not an FSS envelope ({}, {}): {}",
                    a.status, a.content_type, a.text
                ));
            }
        }
        let expected_code = if a.status < 300 { "" } else { a.code() };
        if !allowed
            .iter()
            .any(|&(s, c)| s == a.status && c == expected_code)
        {
            self.violation(format!(
                "{what}: unexpected {} {}: {}",
                a.status,
                expected_code,
                a.text.chars().take(300).collect::<String>()
            ));
        }
        a
    }

    fn new_code(&self, function: &str) -> (String, String) {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let code = format!("def handler(event, context):\n    return '{function}-{n}'\n");
        let digest = sha512_hex(code.as_bytes());
        self.digests
            .lock()
            .unwrap()
            .entry(function.to_owned())
            .or_default()
            .insert(digest.clone());
        (b64(code.as_bytes()), digest)
    }

    fn known_digests(&self, function: &str) -> Vec<String> {
        self.digests
            .lock()
            .unwrap()
            .get(function)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

fn create_body(function: &str, file: &str, memory: u64) -> Value {
    json!({
        "func_name": function,
        "package": "default",
        "runtime": "Python3.9",
        "handler": "index.handler",
        "memory_size": memory,
        "timeout": 30,
        "code_type": "inline",
        "func_code": {"file": file},
    })
}

const MEMORY: [u64; 4] = [128, 256, 512, 1024];

// ---------------------------------------------------------------------------------------
// In-flight checks on snapshots the API returns

fn check_version_list(world: &World, function: &str, a: &Answer) {
    let Some(items) = a.body["versions"].as_array() else {
        world.violation(format!(
            "{function}: list versions without `versions`: {}",
            a.text
        ));
        return;
    };
    let count = a.body["count"].as_u64().unwrap_or(u64::MAX) as usize;
    if count != items.len() {
        world.violation(format!(
            "{function}: list versions count {count} != {} items in a full page",
            items.len()
        ));
    }
    if count == 0 || count - 1 > MAX_VERSIONS {
        world.violation(format!(
            "{function}: {count} versions including latest, cap {MAX_VERSIONS}"
        ));
    }
    let names: Vec<&str> = items
        .iter()
        .map(|v| v["version"].as_str().unwrap_or(""))
        .collect();
    if names.first() != Some(&"latest") {
        world.violation(format!("{function}: latest is not first: {names:?}"));
    }
    let unique: HashSet<&&str> = names.iter().collect();
    if unique.len() != names.len() {
        world.violation(format!("{function}: duplicate version names: {names:?}"));
    }
}

fn check_alias_list(world: &World, function: &str, a: &Answer) {
    let Some(items) = a.body.as_array() else {
        world.violation(format!(
            "{function}: list aliases is not an array: {}",
            a.text
        ));
        return;
    };
    if items.len() > MAX_ALIASES {
        world.violation(format!(
            "{function}: {} aliases, cap {MAX_ALIASES}",
            items.len()
        ));
    }
    let names: HashSet<&str> = items.iter().filter_map(|x| x["name"].as_str()).collect();
    if names.len() != items.len() {
        world.violation(format!("{function}: duplicate alias names: {}", a.text));
    }
    let majors: Vec<&str> = items.iter().filter_map(|x| x["version"].as_str()).collect();
    if majors.iter().collect::<HashSet<_>>().len() != majors.len() {
        world.violation(format!(
            "{function}: a version is the major of two aliases: {majors:?}"
        ));
    }
}

// ---------------------------------------------------------------------------------------
// One task

async fn task(world: Arc<World>, seed: u64) {
    let mut rng = Rng(seed);
    for _ in 0..OPS_PER_TASK {
        let f = *rng.pick(&FUNCTIONS);
        let roll = rng.below(1000);
        match roll {
            // Create (mostly 409 while the function exists; recreates after a delete).
            0..=14 => {
                let (file, _) = world.new_code(f);
                world
                    .op(
                        "create",
                        CREATE,
                        "POST",
                        "/functions",
                        Some(create_body(f, &file, *rng.pick(&MEMORY))),
                    )
                    .await;
            }
            // Delete the whole function, rarely.
            15 => {
                world
                    .op(
                        "delete_function",
                        DELETE_FUNCTION,
                        "DELETE",
                        &format!("/functions/{}", urn(f, None)),
                        None,
                    )
                    .await;
            }
            // Update code: a new digest, tracked before it is sent.
            16..=161 => {
                let (file, digest) = world.new_code(f);
                let a = world
                    .op(
                        "update_code",
                        UPDATE_CODE,
                        "PUT",
                        &format!("/functions/{}/code", urn(f, Some("latest"))),
                        Some(json!({"code_type": "inline", "func_code": {"file": file}})),
                    )
                    .await;
                if a.status == 200 && a.body["digest"].as_str() != Some(digest.as_str()) {
                    world.violation(format!(
                        "update_code {f}: answered digest {} for code of digest {digest}",
                        a.body["digest"]
                    ));
                }
            }
            // Update config of latest.
            162..=239 => {
                world
                    .op(
                        "update_config_latest",
                        UPDATE_CONFIG_LATEST,
                        "PUT",
                        &format!("/functions/{f}/config"),
                        Some(json!({
                            "func_name": f, "runtime": "Python3.9", "handler": "index.handler",
                            "memory_size": *rng.pick(&MEMORY), "timeout": 3 + rng.below(60),
                        })),
                    )
                    .await;
            }
            // Update config of a version: its code must not change.
            240..=299 => {
                let v = version_name(&mut rng);
                let a = world
                    .op(
                        "update_config_version",
                        UPDATE_CONFIG_VERSION,
                        "PUT",
                        &format!("/functions/{}/config", urn(f, Some(&v))),
                        Some(json!({
                            "func_name": f, "runtime": "Python3.9", "handler": "index.handler",
                            "memory_size": *rng.pick(&MEMORY), "timeout": 3 + rng.below(60),
                        })),
                    )
                    .await;
                if a.status == 200 {
                    let answered = a.body["digest"].as_str().unwrap_or("").to_owned();
                    world
                        .version_updates
                        .lock()
                        .unwrap()
                        .push((f.to_owned(), v, answered));
                }
            }
            // Publish: named, unnamed, or with the digest the test believes latest has.
            300..=519 => {
                let mut body = serde_json::Map::new();
                if !rng.chance(10) {
                    body.insert("version".into(), json!(version_name(&mut rng)));
                }
                let mut sent_digest = None;
                if rng.chance(20) {
                    let known = world.known_digests(f);
                    if !known.is_empty() {
                        let d = rng.pick(&known).clone();
                        body.insert("digest".into(), json!(d));
                        sent_digest = Some(d);
                    }
                }
                let allowed = if sent_digest.is_some() {
                    PUBLISH_WITH_DIGEST
                } else {
                    PUBLISH
                };
                let a = world
                    .op(
                        "publish",
                        allowed,
                        "POST",
                        &format!("/functions/{}/versions", urn(f, Some("latest"))),
                        Some(Value::Object(body)),
                    )
                    .await;
                if a.status == 400 && !a.text.contains("digest") {
                    world.violation(format!(
                        "publish {f}: a 400 that is not about the digest: {}",
                        a.text
                    ));
                }
                if a.status == 200 {
                    let name = a.body["version"].as_str().unwrap_or("").to_owned();
                    let digest = a.body["digest"].as_str().unwrap_or("").to_owned();
                    if let Some(d) = &sent_digest
                        && *d != digest
                    {
                        world.violation(format!(
                            "publish {f} with digest {d} made {name} with digest {digest}"
                        ));
                    }
                    world
                        .published
                        .lock()
                        .unwrap()
                        .entry((f.to_owned(), name))
                        .or_default()
                        .insert(digest);
                }
            }
            // Delete a version.
            520..=609 => {
                let v = version_name(&mut rng);
                world
                    .op(
                        "delete_version",
                        DELETE_VERSION,
                        "DELETE",
                        &format!("/functions/{}", urn(f, Some(&v))),
                        None,
                    )
                    .await;
            }
            // Create an alias; sometimes with an additional version.
            610..=709 => {
                let major = if rng.chance(25) {
                    "latest".to_owned()
                } else {
                    version_name(&mut rng)
                };
                let mut body = json!({"name": *rng.pick(&ALIASES), "version": major});
                if rng.chance(30) {
                    let extra = loop {
                        let e = version_name(&mut rng);
                        if e != major {
                            break e;
                        }
                    };
                    body["additional_version_weights"] = json!({extra: rng.below(101)});
                }
                world
                    .op(
                        "create_alias",
                        CREATE_ALIAS,
                        "POST",
                        &format!("/functions/{f}/aliases"),
                        Some(body),
                    )
                    .await;
            }
            // Update an alias.
            710..=759 => {
                let major = version_name(&mut rng);
                let mut body = json!({"version": major});
                if rng.chance(30) {
                    let extra = loop {
                        let e = version_name(&mut rng);
                        if e != major {
                            break e;
                        }
                    };
                    body["additional_version_weights"] = json!({extra: rng.below(101)});
                }
                world
                    .op(
                        "update_alias",
                        UPDATE_ALIAS,
                        "PUT",
                        &format!("/functions/{f}/aliases/{}", rng.pick(&ALIASES)),
                        Some(body),
                    )
                    .await;
            }
            // Delete an alias.
            760..=779 => {
                world
                    .op(
                        "delete_alias",
                        DELETE_ALIAS,
                        "DELETE",
                        &format!("/functions/{f}/aliases/{}", rng.pick(&ALIASES)),
                        None,
                    )
                    .await;
            }
            // Show config of latest, a version or an alias.
            780..=864 => {
                let q = match rng.below(3) {
                    0 => "latest".to_owned(),
                    1 => version_name(&mut rng),
                    _ => format!("!{}", rng.pick(&ALIASES)),
                };
                let a = world
                    .op(
                        "show_config",
                        SHOW_CONFIG,
                        "GET",
                        &format!("/functions/{}/config", urn(f, Some(&q))),
                        None,
                    )
                    .await;
                if a.status == 200 {
                    let d = a.body["digest"].as_str().unwrap_or("").to_owned();
                    if !world.known_digests(f).contains(&d) {
                        world.violation(format!(
                            "show_config {f}:{q}: digest {d} was never latest's code"
                        ));
                    }
                }
            }
            // List versions (one page holds them all: count must equal the items).
            865..=944 => {
                let a = world
                    .op(
                        "list_versions",
                        LIST,
                        "GET",
                        &format!("/functions/{f}/versions?maxitems=400"),
                        None,
                    )
                    .await;
                if a.status == 200 {
                    check_version_list(&world, f, &a);
                }
            }
            // List aliases.
            _ => {
                let a = world
                    .op(
                        "list_aliases",
                        LIST,
                        "GET",
                        &format!("/functions/{f}/aliases"),
                        None,
                    )
                    .await;
                if a.status == 200 {
                    check_alias_list(&world, f, &a);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The final state, through the API and the state export

/// Pages through `path` with `maxitems`, returning every item and checking `count` and
/// `next_marker` on each page.
async fn page_all(world: &World, path: &str, key: &str, maxitems: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut marker = 0u64;
    let mut counts = HashSet::new();
    for _ in 0..1000 {
        let sep = if path.contains('?') { '&' } else { '?' };
        let a = world
            .op(
                "final_list",
                LIST,
                "GET",
                &format!("{path}{sep}marker={marker}&maxitems={maxitems}"),
                None,
            )
            .await;
        assert_eq!(a.status, 200, "{path}: {}", a.text);
        let page = a.body[key].as_array().expect("a page").clone();
        assert!(page.len() <= maxitems, "{path}: page over maxitems");
        counts.insert(a.body["count"].as_u64().expect("count"));
        items.extend(page);
        let next = a.body["next_marker"].as_u64().expect("next_marker");
        assert_eq!(
            next as usize,
            items.len(),
            "{path}: next_marker is the offset after the page"
        );
        // As Cloud Custodian pages: until next_marker reaches count.
        if next >= a.body["count"].as_u64().expect("count") {
            break;
        }
        marker = next;
    }
    assert_eq!(
        counts.len(),
        1,
        "{path}: count changed between pages of a quiet state"
    );
    let count = counts.into_iter().next().unwrap() as usize;
    if count != items.len() {
        world.violation(format!(
            "{path}: count {count} but paging gave {} items",
            items.len()
        ));
    }
    items
}

async fn check_final_state(world: &World) -> usize {
    let mut checked_versions = 0;
    let functions = page_all(world, "/functions", "functions", 1).await;
    let names: Vec<String> = functions
        .iter()
        .map(|f| f["func_name"].as_str().unwrap().to_owned())
        .collect();
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "duplicate functions: {names:?}");

    let state = world
        .client
        .get(format!("{}/_emulator/state", world.base))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let state_functions: HashMap<String, &Value> = state["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["func_name"].as_str().unwrap().to_owned(), f))
        .collect();
    let mut state_names: Vec<&String> = state_functions.keys().collect();
    state_names.sort();
    let mut api_names: Vec<&String> = names.iter().collect();
    api_names.sort();
    assert_eq!(
        state_names, api_names,
        "state export and API disagree on functions"
    );

    for f in &names {
        let digests: HashSet<String> = world.known_digests(f).into_iter().collect();
        let versions = page_all(world, &format!("/functions/{f}/versions"), "versions", 2).await;
        let vnames: Vec<String> = versions
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            vnames.first().map(String::as_str),
            Some("latest"),
            "{f}: {vnames:?}"
        );
        assert!(
            vnames.len() - 1 <= MAX_VERSIONS,
            "{f}: {} versions over the cap {MAX_VERSIONS}: {vnames:?}",
            vnames.len() - 1
        );
        let unique: HashSet<&String> = vnames.iter().collect();
        assert_eq!(
            unique.len(),
            vnames.len(),
            "{f}: duplicate names {vnames:?}"
        );
        for v in &versions {
            let name = v["version"].as_str().unwrap();
            let digest = v["digest"].as_str().unwrap();
            checked_versions += 1;
            if !digests.contains(digest) {
                world.violation(format!(
                    "{f}:{name}: digest {digest} was never latest's code"
                ));
            }
            // Show config of the version agrees with the list.
            let shown = world
                .op(
                    "final_show",
                    SHOW_CONFIG,
                    "GET",
                    &format!("/functions/{}/config", urn(f, Some(name))),
                    None,
                )
                .await;
            assert_eq!(shown.status, 200, "{f}:{name}: {}", shown.text);
            assert_eq!(
                shown.body["digest"], v["digest"],
                "{f}:{name}: show vs list"
            );
            assert!(
                shown.body["func_urn"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(":{f}:{name}")),
                "{f}:{name}: func_urn {}",
                shown.body["func_urn"]
            );
            if name != "latest" {
                let published = world.published.lock().unwrap();
                match published.get(&(f.clone(), name.to_owned())) {
                    Some(ds) if ds.contains(digest) => {}
                    other => world.violation(format!(
                        "{f}:{name}: digest {digest} is not one a publish of that name answered ({other:?})"
                    )),
                }
            }
        }

        // Aliases: bounded, unique majors, pointing at versions that exist.
        let aliases = world
            .op(
                "final_aliases",
                LIST,
                "GET",
                &format!("/functions/{f}/aliases"),
                None,
            )
            .await;
        assert_eq!(aliases.status, 200, "{}", aliases.text);
        check_alias_list(world, f, &aliases);
        let existing: HashSet<&str> = vnames.iter().map(String::as_str).collect();
        for alias in aliases.body.as_array().unwrap() {
            let major = alias["version"].as_str().unwrap();
            if !existing.contains(major) {
                world.violation(format!(
                    "{f}: alias {} -> missing major {major}",
                    alias["name"]
                ));
            }
            if let Some(weights) = alias["additional_version_weights"].as_object() {
                for extra in weights.keys() {
                    if extra == "latest" || !existing.contains(extra.as_str()) {
                        world.violation(format!(
                            "{f}: alias {} -> bad additional version {extra}",
                            alias["name"]
                        ));
                    }
                }
            }
            // The alias URN reads like a version URN, and reads its major's code.
            let via = world
                .op(
                    "final_show",
                    SHOW_CONFIG,
                    "GET",
                    &format!(
                        "/functions/{}/config",
                        urn(f, Some(&format!("!{}", alias["name"].as_str().unwrap())))
                    ),
                    None,
                )
                .await;
            let major_digest = versions
                .iter()
                .find(|v| v["version"] == major)
                .map(|v| v["digest"].clone());
            if via.status != 200 || Some(via.body["digest"].clone()) != major_digest {
                world.violation(format!(
                    "{f}: alias {} does not read its major {major}: {}",
                    alias["name"],
                    via.text.chars().take(200).collect::<String>()
                ));
            }
        }

        // The state export agrees with the API.
        let sf = state_functions[f];
        let mut state_versions: Vec<&str> = vec!["latest"];
        state_versions.extend(
            sf["versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["version"].as_str().unwrap()),
        );
        assert_eq!(
            state_versions,
            vnames.iter().map(String::as_str).collect::<Vec<_>>(),
            "{f}: state export and API disagree on versions"
        );
        for v in sf["versions"].as_array().unwrap() {
            let d = v["state"]["digest"].as_str().unwrap();
            if !digests.contains(d) {
                world.violation(format!(
                    "{f}: state export: version {} digest {d} unknown",
                    v["version"]
                ));
            }
            if state["code"].get(d).is_none() {
                world.violation(format!("{f}: state export: no code blob for {d}"));
            }
        }
        let state_aliases = sf["aliases"].as_array().unwrap();
        assert_eq!(
            state_aliases.len(),
            aliases.body.as_array().unwrap().len(),
            "{f}: state export and API disagree on aliases"
        );
        for al in state_aliases {
            let major = al["version"].as_str().unwrap();
            if !existing.contains(major) {
                world.violation(format!(
                    "{f}: state export: alias {} -> missing {major}",
                    al["name"]
                ));
            }
            if let Some(extra) = al["additional_version"].as_str()
                && (extra == "latest" || !existing.contains(extra))
            {
                world.violation(format!(
                    "{f}: state export: alias {} -> bad additional {extra}",
                    al["name"]
                ));
            }
        }
    }

    // A version's configuration update never changed its code: the digest it answered is one
    // a publish of that name answered.
    let published = world.published.lock().unwrap().clone();
    for (f, v, d) in world.version_updates.lock().unwrap().iter() {
        if !published
            .get(&(f.clone(), v.clone()))
            .is_some_and(|ds| ds.contains(d))
        {
            world.violation(format!(
                "update_config_version {f}:{v}: answered digest {d}, not one the version was published with"
            ));
        }
    }
    checked_versions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mixed_operations_keep_every_invariant() {
    let started = Instant::now();
    let mut config = Config::default();
    config.behavior.reject_unchanged_publish = false;
    config.limits.max_versions = MAX_VERSIONS;
    config.limits.max_aliases = MAX_ALIASES;
    let emulator = Emulator::start(config).await.expect("the emulator starts");
    let world = Arc::new(World {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        base: emulator.base_url(),
        digests: Mutex::default(),
        published: Mutex::default(),
        version_updates: Mutex::default(),
        violations: Mutex::default(),
        stats: Mutex::default(),
        seq: AtomicU64::new(0),
    });
    let seed: u64 = std::env::var("FGS_INVARIANTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D);

    for f in FUNCTIONS {
        let (file, _) = world.new_code(f);
        let a = world
            .op(
                "create",
                CREATE,
                "POST",
                "/functions",
                Some(create_body(f, &file, 128)),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
    }

    let tasks: Vec<_> = (0..TASKS as u64)
        .map(|t| {
            tokio::spawn(task(
                world.clone(),
                seed ^ (t + 1).wrapping_mul(0x9E37_79B9),
            ))
        })
        .collect();
    for t in tasks {
        t.await.expect("a task panicked");
    }
    let load = started.elapsed();

    let checked = check_final_state(&world).await;

    let stats = world.stats.lock().unwrap().clone();
    let total: u64 = stats.values().sum();
    eprintln!(
        "invariants: seed {seed:#x}, {total} requests, {checked} versions checked, load {load:.2?}, total {:.2?}",
        started.elapsed()
    );
    for ((op, status, code), n) in &stats {
        eprintln!("  {op:<22} {status} {code:<9} {n}");
    }
    let violations = world.violations.lock().unwrap().clone();
    assert!(
        violations.is_empty(),
        "{} invariant violations (seed {seed:#x}):\n{}",
        violations.len(),
        violations.join("\n")
    );
    // The mix is not vacuous: every kind of write succeeded, and the caps were reached.
    let seen = |op: &str, status: u16, code: &str| {
        stats
            .iter()
            .any(|((o, s, c), _)| *o == op && *s == status && c == code)
    };
    for (op, status, code) in [
        ("publish", 200, ""),
        ("publish", 403, "FSS.1042"),
        ("publish", 409, "FSS.1062"),
        ("update_code", 200, ""),
        ("update_config_latest", 200, ""),
        ("update_config_version", 200, ""),
        ("delete_version", 204, ""),
        ("create_alias", 200, ""),
        ("update_alias", 200, ""),
        ("delete_alias", 204, ""),
        ("show_config", 200, ""),
    ] {
        assert!(
            seen(op, status, code),
            "the mix never produced {op} {status} {code}; stats: {stats:?}"
        );
    }
}
