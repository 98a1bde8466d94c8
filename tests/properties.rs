//! Property tests (issue 7, item 1): the URN parser, the name rules and the request bodies.
//!
//! - Names and URNs, in process: parsing never panics on any string (unicode, `:`-heavy,
//!   very long); a reference regex (SPEC sections 2 and 4, the `regex` crate as oracle)
//!   agrees with each parser on every string; strings generated from each rule are accepted;
//!   URNs built from valid parts in all six forms parse to those parts; every accepted URN
//!   displays as the text it was parsed from.
//! - Bodies, over HTTP against an in-process emulator: arbitrary and near-valid JSON bodies
//!   sent to publish, create, update config, update code, create alias and update alias never
//!   get a 5xx; every error is the FSS envelope with a code the endpoint can give and the
//!   status that code carries. Publish has an exact oracle (SPEC section 2, rules 4 to 8);
//!   function, version and alias names sent in bodies are accepted iff their regex matches.
//!
//! Run: `cargo test --test properties` (6 to 10 s in debug). `PROPTEST_CASES=N` scales
//! every property. Regression tests for bugs found while writing these tests and the fuzz
//! targets are at the end, each marked `// Regression:`.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, LazyLock};

use chrono::{TimeZone, Utc};
use fgs_emulator::Emulator;
use fgs_emulator::clock::ControlledClock;
use fgs_emulator::config::Config;
use fgs_emulator::domain::{AliasName, Digest, FunctionName, Qualifier, Urn, VersionName};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use proptest::string::string_regex;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use regex::Regex;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------
// The rules, as regexes (the oracle) and as generators.

/// SPEC section 4.
const FUNCTION_RULE: &str = "[A-Za-z]([A-Za-z0-9_-]{0,58}[A-Za-z0-9])?";
/// SPEC section 2, rule 4 (and `latest` is reserved).
const VERSION_RULE: &str = "[A-Za-z0-9]([A-Za-z0-9._-]{0,40}[A-Za-z0-9])?";
/// SPEC section 4.
const ALIAS_RULE: &str = "[A-Za-z]([A-Za-z0-9_-]{0,62}[A-Za-z0-9])?";
/// Package, project id and region: the emulator's own rule (docs/CONVENTIONS.md).
const TOKEN_RULE: &str = "[A-Za-z0-9_-]{1,64}";

fn anchored(rule: &str) -> Regex {
    Regex::new(&format!("^(?:{rule})$")).expect("a valid regex")
}

static FUNCTION_RE: LazyLock<Regex> = LazyLock::new(|| anchored(FUNCTION_RULE));
static VERSION_RE: LazyLock<Regex> = LazyLock::new(|| anchored(VERSION_RULE));
static ALIAS_RE: LazyLock<Regex> = LazyLock::new(|| anchored(ALIAS_RULE));

/// The whole URN grammar of SPEC section 4 as one regex: the six forms, with `latest`, a
/// version or `!alias` as qualifier.
static URN_RE: LazyLock<Regex> = LazyLock::new(|| {
    let (f, t) = (FUNCTION_RULE, TOKEN_RULE);
    let q = format!("(?:{VERSION_RULE}|!(?:{ALIAS_RULE}))");
    anchored(&format!(
        "(?:{f})|{t}:(?:{f})|{t}:{t}:(?:{f})|{t}:{t}:(?:{f}):{q}|urn:fss:{t}:{t}:function:{t}:(?:{f})(?::{q})?"
    ))
});

fn version_ok(s: &str) -> bool {
    VERSION_RE.is_match(s) && s != "latest"
}

fn from_rule(rule: &str) -> BoxedStrategy<String> {
    string_regex(rule)
        .expect("a rule proptest can generate")
        .boxed()
}

fn function_name() -> BoxedStrategy<String> {
    from_rule(FUNCTION_RULE)
}

fn version_name() -> BoxedStrategy<String> {
    from_rule(VERSION_RULE)
        .prop_filter("latest is reserved", |v| v != "latest")
        .boxed()
}

fn alias_name() -> BoxedStrategy<String> {
    from_rule(ALIAS_RULE)
}

fn token() -> BoxedStrategy<String> {
    from_rule(TOKEN_RULE)
}

/// A valid name with one character replaced, inserted or removed: the strings right at the
/// edge of a rule.
fn near(valid: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let odd = prop::sample::select(vec![
        '.', '-', '_', ':', '!', ' ', 'é', '0', 'Z', '\0', '/', '%', '\u{212A}', '\n',
    ]);
    (valid, any::<prop::sample::Index>(), odd, 0..3u8)
        .prop_map(|(s, at, c, how)| {
            let mut chars: Vec<char> = s.chars().collect();
            let i = at.index(chars.len() + 1);
            match how {
                0 if i < chars.len() => chars[i] = c,
                1 if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.insert(i, c),
            }
            chars.into_iter().collect()
        })
        .boxed()
}

/// Strings a client could send anywhere: unicode, `:`-heavy, near-valid, boundary lengths,
/// very long.
fn hostile_string() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "[A-Za-z0-9._:!-]{0,80}",
        1 => "[:!]{0,30}",
        2 => near(function_name()),
        2 => near(version_name()),
        2 => near(alias_name()),
        1 => "[a-z]{58,66}",
        1 => "[a-z0-9]{40,44}",
        1 => "[a-z:]{500,1200}",
        1 => prop::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
        1 => prop::sample::select(vec!["", "latest", "Latest", "!", "!latest", ":", "a", "0", "é"])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Names.

/// `cases`, or `PROPTEST_CASES` when set.
fn cases_or_env(cases: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases)
}

fn pure_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases_or_env(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(pure_config(3000))]

    /// Each name parser accepts exactly the strings its regex matches (never panicking).
    #[test]
    fn name_parsers_agree_with_their_regex(s in hostile_string()) {
        let f = FunctionName::parse(&s);
        prop_assert_eq!(f.is_ok(), FUNCTION_RE.is_match(&s), "function name {:?}", s);
        let v = VersionName::parse(&s);
        prop_assert_eq!(v.is_ok(), version_ok(&s), "version {:?}", s);
        let a = AliasName::parse(&s);
        prop_assert_eq!(a.is_ok(), ALIAS_RE.is_match(&s), "alias {:?}", s);
        // An accepted name holds the text unchanged; a refusal never echoes more than 80
        // characters of it.
        for (ok, err) in [
            (f.as_ref().ok().map(|n| n.as_str()), f.as_ref().err()),
            (v.as_ref().ok().map(|n| n.as_str()), v.as_ref().err()),
            (a.as_ref().ok().map(|n| n.as_str()), a.as_ref().err()),
        ] {
            if let Some(ok) = ok {
                prop_assert_eq!(ok, s.as_str());
            }
            if let Some(e) = err {
                prop_assert!(e.value.chars().count() <= 80);
            }
        }
    }

    /// Every string generated from a rule is accepted.
    #[test]
    fn strings_matching_each_rule_are_accepted(
        f in function_name(),
        v in version_name(),
        a in alias_name(),
    ) {
        prop_assert_eq!(FunctionName::parse(&f).map(|n| n.to_string()), Ok(f.clone()));
        prop_assert_eq!(VersionName::parse(&v).map(|n| n.to_string()), Ok(v.clone()));
        prop_assert_eq!(AliasName::parse(&a).map(|n| n.to_string()), Ok(a.clone()));
    }
}

// ---------------------------------------------------------------------------------------
// URNs.

/// Colon-separated fields drawn from valid parts, keywords and junk: about half parse.
fn urn_like() -> BoxedStrategy<String> {
    let field = prop_oneof![
        3 => function_name(),
        2 => token(),
        1 => version_name(),
        1 => alias_name().prop_map(|a| format!("!{a}")),
        2 => prop::sample::select(vec![
            "urn", "fss", "function", "latest", "default", "hello", "cn-north-4", "v1",
            "!prod", "", "URN", "!", "!latest", "Function",
            "0123456789abcdef0123456789abcdef",
        ])
        .prop_map(str::to_owned),
        1 => near(function_name()),
        1 => hostile_string(),
    ];
    prop_oneof![
        6 => prop::collection::vec(field, 1..10).prop_map(|f| f.join(":")),
        1 => hostile_string(),
    ]
    .boxed()
}

/// A URN in one of the six forms, built from valid parts, and the parts it must parse to.
#[derive(Debug, Clone)]
struct BuiltUrn {
    text: String,
    region: Option<String>,
    project: Option<String>,
    package: String,
    function: String,
    /// The qualifier as written (`latest`, a version, or `!alias`).
    qualifier: Option<String>,
}

fn qualifier() -> BoxedStrategy<String> {
    prop_oneof![
        Just("latest".to_owned()),
        version_name(),
        alias_name().prop_map(|a| format!("!{a}")),
    ]
    .boxed()
}

fn built_urn() -> BoxedStrategy<BuiltUrn> {
    (
        prop::sample::select(vec![1usize, 2, 3, 4, 7, 8]),
        token(),
        token(),
        token(),
        function_name(),
        qualifier(),
    )
        .prop_map(|(fields, region, project, package, function, q)| {
            let (text, region, project, package, qualifier) = match fields {
                1 => (function.clone(), None, None, "default".to_owned(), None),
                2 => (format!("{package}:{function}"), None, None, package, None),
                3 => (
                    format!("{project}:{package}:{function}"),
                    None,
                    Some(project),
                    package,
                    None,
                ),
                4 => (
                    format!("{project}:{package}:{function}:{q}"),
                    None,
                    Some(project),
                    package,
                    Some(q),
                ),
                7 => (
                    format!("urn:fss:{region}:{project}:function:{package}:{function}"),
                    Some(region),
                    Some(project),
                    package,
                    None,
                ),
                _ => (
                    format!("urn:fss:{region}:{project}:function:{package}:{function}:{q}"),
                    Some(region),
                    Some(project),
                    package,
                    Some(q),
                ),
            };
            BuiltUrn {
                text,
                region,
                project,
                package,
                function,
                qualifier,
            }
        })
        .boxed()
}

proptest! {
    #![proptest_config(pure_config(3000))]

    /// `Urn::parse` accepts exactly the strings of the reference grammar, and every accepted
    /// URN displays as its own text and parses again to the same value.
    #[test]
    fn urn_parser_agrees_with_the_grammar_and_round_trips(s in urn_like()) {
        let parsed = Urn::parse(&s);
        prop_assert_eq!(parsed.is_ok(), URN_RE.is_match(&s), "{:?}: {:?}", s, parsed);
        if let Ok(urn) = parsed {
            let shown = urn.to_string();
            prop_assert_eq!(&shown, &s);
            prop_assert_eq!(Urn::parse(&shown), Ok(urn));
        }
    }

    /// A URN built from valid parts in any of the six forms parses to exactly those parts.
    #[test]
    fn valid_urns_in_every_form_parse_to_their_parts(b in built_urn()) {
        let urn = Urn::parse(&b.text).map_err(|e| TestCaseError::fail(format!("{b:?}: {e}")))?;
        prop_assert_eq!(urn.region().map(|r| r.as_str()), b.region.as_deref());
        prop_assert_eq!(urn.project().map(|p| p.as_str()), b.project.as_deref());
        prop_assert_eq!(urn.package().as_str(), b.package.as_str());
        prop_assert_eq!(urn.function().as_str(), b.function.as_str());
        let written = urn.explicit_qualifier().map(|q| q.to_string());
        prop_assert_eq!(written.as_deref(), b.qualifier.as_deref());
        match (urn.qualifier(), b.qualifier.as_deref()) {
            (Qualifier::Latest, None | Some("latest")) => {}
            (Qualifier::Alias(a), Some(q)) => prop_assert_eq!(format!("!{a}"), q),
            (Qualifier::Version(v), Some(q)) => prop_assert_eq!(v.as_str(), q),
            (got, want) => prop_assert!(false, "qualifier {:?}, wanted {:?}", got, want),
        }
        prop_assert_eq!(urn.to_string(), b.text.clone());
        prop_assert_eq!(Urn::parse(&urn.to_string()), Ok(urn));
    }
}

// ---------------------------------------------------------------------------------------
// Bodies over HTTP.

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const REGION: &str = "cn-north-4";
/// The code every fixture function starts with.
const CODE: &[u8] = b"def handler(event, context):\n    return 1\n";
static CODE_DIGEST: LazyLock<String> = LazyLock::new(|| Digest::of(CODE).as_str().to_owned());
/// The name a default-named publish gets with the fixture's frozen clock (+08:00).
const DEFAULT_VERSION: &str = "v20261128-193015";

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An answer, read whole.
#[derive(Debug)]
struct Reply {
    status: u16,
    request_id: bool,
    body: Value,
    text: String,
}

/// An emulator on a free port with a frozen clock, its own runtime and a client. The
/// unchanged-publish check is off and the caps are high, so every rule can be reached
/// again and again in one run.
struct Server {
    emulator: Emulator,
    client: reqwest::Client,
    rt: tokio::runtime::Runtime,
    /// How often each answer (`"400 FSS.1015"`, `"200 "`) came back, deletes aside: each
    /// test asserts its cases reached the outcomes it is about, so none passes vacuously.
    tally: std::sync::Mutex<BTreeMap<String, usize>>,
}

impl Server {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let mut config = Config::default();
        config.behavior.reject_unchanged_publish = false;
        config.limits.max_versions = 100_000;
        config.limits.max_functions = 100_000;
        config.limits.max_aliases = 100_000;
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 11, 30, 15).unwrap();
        let emulator = rt
            .block_on(Emulator::start_with_clock(
                config,
                Arc::new(ControlledClock::frozen(at)),
            ))
            .expect("the emulator starts");
        let server = Self {
            emulator,
            client: reqwest::Client::new(),
            rt,
            tally: Default::default(),
        };
        // The function every test works on, with versions v1..v3 and an alias `prod`.
        let created = server.call(
            "POST",
            "/functions",
            Some(&create_body("hello").to_string()),
        );
        assert_eq!(created.status, 200, "{}", created.text);
        for v in ["v1", "v2", "v3"] {
            let r = server.call(
                "POST",
                "/functions/hello/versions",
                Some(&json!({ "version": v }).to_string()),
            );
            assert_eq!(r.status, 200, "{}", r.text);
        }
        let r = server.call(
            "POST",
            "/functions/hello/aliases",
            Some(&json!({ "name": "prod", "version": "v1" }).to_string()),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        server
    }

    /// Sends `body` (as is) to `/v2/PROJECT/fgs{path}`.
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.send(method, &format!("/v2/{PROJECT}/fgs{path}"), body)
    }

    /// Sends `body` to the control plane, `/_emulator{path}`.
    fn control(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.send(method, &format!("/_emulator{path}"), body)
    }

    /// Sends a request; a connection closed without an answer is status 0.
    fn send(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        let url = format!("{}{path}", self.emulator.base_url());
        let counted = method != "DELETE";
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, url)
            .header("X-Auth-Token", "property-tests");
        if let Some(body) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        self.rt.block_on(async {
            let resp = match req.send().await {
                Ok(resp) => resp,
                Err(e) => {
                    return Reply {
                        status: 0,
                        request_id: false,
                        body: Value::Null,
                        text: format!("no answer: {e}"),
                    };
                }
            };
            let status = resp.status().as_u16();
            let request_id = resp.headers().contains_key("x-request-id");
            let text = resp
                .text()
                .await
                .unwrap_or_else(|e| format!("no body: {e}"));
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if counted {
                let code = body["error_code"].as_str().unwrap_or("");
                *self
                    .tally
                    .lock()
                    .unwrap()
                    .entry(format!("{status} {code}"))
                    .or_default() += 1;
            }
            Reply {
                status,
                request_id,
                body,
                text,
            }
        })
    }

    /// Runs `cases` cases of `strategy` through `test`, panicking with the smallest failing
    /// input; then asserts that every answer in `reached` came back at least once (a status
    /// and code, as `"400 FSS.1015"`; `"200 "` for success).
    ///
    /// The seed is new on every run, so a rare answer (a few in 250 cases) is sometimes
    /// missing from one batch: the CI of 11f6dbb failed that way. While one is missing, up
    /// to `EXTRA_BATCHES` more batches of the same size run, each also checked for a 5xx.
    /// A generator that cannot reach an answer still fails; one that reaches it 4 times in
    /// 250 cases misses all five batches about once in 10^9 runs.
    fn check<S: Strategy>(
        &self,
        cases: u32,
        reached: &[&str],
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) where
        S::Value: std::fmt::Debug,
    {
        const EXTRA_BATCHES: u32 = 4;
        let asked = cases;
        let cases = cases_or_env(cases);
        // With fewer cases than the test asks for (PROPTEST_CASES), rare answers may not come.
        let reached: &[&str] = if cases >= asked { reached } else { &[] };
        self.tally.lock().unwrap().clear();
        for batch in 0..=EXTRA_BATCHES {
            let mut runner = TestRunner::new(RunnerConfig {
                cases,
                failure_persistence: None,
                ..RunnerConfig::default()
            });
            if let Err(e) = runner.run(&strategy, &test) {
                panic!("{e}");
            }
            let tally = self.tally.lock().unwrap();
            eprintln!("answers after {} cases: {tally:?}", cases * (batch + 1));
            let missing: Vec<&str> = reached
                .iter()
                .copied()
                .filter(|want| !tally.contains_key(*want))
                .collect();
            if missing.is_empty() {
                return;
            }
            assert!(
                batch < EXTRA_BATCHES,
                "no case was answered {missing:?} in {} cases; answers: {tally:?}",
                cases * (batch + 1)
            );
        }
    }
}

/// A valid CreateFunction body.
fn create_body(name: &str) -> Value {
    json!({
        "func_name": name, "package": "default", "runtime": "Python3.9",
        "handler": "index.handler", "memory_size": 128, "timeout": 30,
        "code_type": "inline", "func_code": { "file": b64(CODE) },
    })
}

/// The HTTP status each FSS code is answered with.
fn status_of(code: &str) -> Option<u16> {
    Some(match code {
        "FSS.0400" | "FSS.1001" | "FSS.1002" | "FSS.1003" | "FSS.1004" | "FSS.1005"
        | "FSS.1006" | "FSS.1007" | "FSS.1008" | "FSS.1009" | "FSS.1011" | "FSS.1012"
        | "FSS.1014" | "FSS.1015" | "FSS.1016" | "FSS.1019" | "FSS.1091" | "FSS.1092"
        | "FSS.1093" => 400,
        "FSS.0401" => 401,
        "FSS.0403" | "FSS.1041" | "FSS.1042" | "FSS.1043" | "FSS.1094" => 403,
        "FSS.0404" | "FSS.1051" | "FSS.1052" | "FSS.1053" => 404,
        "FSS.0408" => 408,
        "FSS.1061" | "FSS.1062" | "FSS.1063" | "FSS.1066" => 409,
        "FSS.0413" | "FSS.1071" | "FSS.1072" => 413,
        "FSS.0429" => 429,
        _ => return None,
    })
}

/// No 5xx, an `X-Request-Id`, and for an error: exactly `{error_code, error_msg}`, a code
/// from `allowed`, the status that code carries. Returns the code (`""` on success).
fn check_answer(what: &str, r: &Reply, allowed: &[&str]) -> Result<String, TestCaseError> {
    prop_assert!(
        (1..500).contains(&r.status),
        "{}: {} {}",
        what,
        r.status,
        r.text
    );
    prop_assert!(r.request_id, "{}: no X-Request-Id: {}", what, r.text);
    if r.status < 400 {
        prop_assert!(
            matches!(r.status, 200 | 204),
            "{}: {} {}",
            what,
            r.status,
            r.text
        );
        if r.status == 200 {
            prop_assert!(
                r.body.is_object() || r.body.is_array(),
                "{}: success body {}",
                what,
                r.text
            );
        }
        return Ok(String::new());
    }
    let envelope = r.body.as_object();
    prop_assert!(
        envelope.is_some_and(|o| o.len() == 2),
        "{}: not the envelope: {}",
        what,
        r.text
    );
    let code = r.body["error_code"].as_str().unwrap_or("");
    let msg = r.body["error_msg"].as_str().unwrap_or("");
    prop_assert!(!msg.is_empty(), "{}: empty error_msg: {}", what, r.text);
    prop_assert!(
        allowed.contains(&code),
        "{}: {} is not a code this endpoint gives: {}",
        what,
        code,
        r.text
    );
    prop_assert_eq!(
        status_of(code),
        Some(r.status),
        "{}: status does not match the code: {}",
        what,
        r.text
    );
    Ok(code.to_owned())
}

// ----- JSON strategies.

const RUNTIMES: &[&str] = &["Python3.9", "Node.js18.15", "Go1.x", "Custom", "http"];
const MEMORY: &[i64] = &[128, 256, 512, 1024, 2048, 4096];

fn arb_key() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(vec![
            "func_name",
            "package",
            "runtime",
            "handler",
            "memory_size",
            "timeout",
            "code_type",
            "func_code",
            "file",
            "version",
            "digest",
            "description",
            "name",
            "additional_version_weights",
            "additional_version_strategy",
            "user_data",
            "strategy_config",
            "type",
            "custom_image",
            "image",
            "rules",
            "combine_type",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{0,12}",
        any::<String>(),
    ]
    .boxed()
}

fn arb_number() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![
            0i64,
            -1,
            1,
            2,
            3,
            30,
            100,
            101,
            128,
            300,
            301,
            900,
            901,
            259_200,
            259_201,
            1000,
            1001,
            i64::MAX,
            i64::MIN,
        ])
        .prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(json!(30.0)),
    ]
    .boxed()
}

/// Any JSON value, at most 3 levels deep.
fn arb_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        arb_number(),
        hostile_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(arb_key(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn string_value(s: BoxedStrategy<String>) -> BoxedStrategy<Value> {
    s.prop_map(Value::from).boxed()
}

/// A description: up to 512 characters, or just over, in ASCII or not.
fn description() -> BoxedStrategy<String> {
    prop_oneof![
        "[ -~]{0,40}",
        (
            505usize..520,
            prop::sample::select(vec!['x', 'é', '字', '😀'])
        )
            .prop_map(|(n, c)| std::iter::repeat_n(c, n).collect::<String>()),
    ]
    .boxed()
}

fn strategy_rule() -> Value {
    json!({ "combine_type": "and",
            "rules": [{ "rule_type": "Header", "param": "x-user", "op": "=", "value": "1" }] })
}

/// A value the field takes (most of the time: descriptions may run over).
fn valid_value(field: &str) -> BoxedStrategy<Value> {
    let v: BoxedStrategy<Value> = match field {
        "func_name" => string_value(function_name()),
        "package" => prop_oneof![Just(json!("default")), string_value(token())].boxed(),
        "runtime" => prop::sample::select(RUNTIMES).prop_map(Value::from).boxed(),
        "handler" => Just(json!("index.handler")).boxed(),
        "memory_size" => prop::sample::select(MEMORY).prop_map(Value::from).boxed(),
        "timeout" => (3i64..=259_200).prop_map(Value::from).boxed(),
        "code_type" => Just(json!("inline")).boxed(),
        "func_code" => prop::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| json!({ "file": b64(&b) }))
            .boxed(),
        "code_url" => Just(json!("https://bucket.obs.example/code.zip")).boxed(),
        "code_filename" => Just(json!("index.zip")).boxed(),
        "description" => string_value(description()),
        "user_data" => Just(json!("{\"KEY\":\"value\"}")).boxed(),
        "type" => prop::sample::select(vec!["v1", "v2"])
            .prop_map(Value::from)
            .boxed(),
        "strategy_config" => ((-1i64..=0), (0i64..=1000))
            .prop_map(|(c, n)| json!({ "concurrency": c, "concurrent_num": n }))
            .boxed(),
        "initializer_timeout" => (1i64..=300).prop_map(Value::from).boxed(),
        "pre_stop_timeout" => (1i64..=90).prop_map(Value::from).boxed(),
        "func_vpc" | "mount_config" => prop_oneof![Just(json!({})), Just(Value::Null)].boxed(),
        "custom_image" => Just(json!({ "image": "swr.example/ns/img:1" })).boxed(),
        "enable_dynamic_memory" | "long_time" => any::<bool>().prop_map(Value::from).boxed(),
        "version" => prop_oneof![
            3 => string_value(version_name()),
            1 => prop::sample::select(vec!["latest", "v1", "v2", "v3", ""]).prop_map(Value::from),
        ]
        .boxed(),
        "digest" => prop::sample::select(vec![
            String::new(),
            CODE_DIGEST.clone(),
            CODE_DIGEST.to_uppercase(),
        ])
        .prop_map(Value::from)
        .boxed(),
        "name" => string_value(alias_name()),
        "additional_version_weights" => (prop::sample::select(vec!["v2", "v3"]), 0i64..=100)
            .prop_map(|(v, w)| json!({ v: w }))
            .boxed(),
        "additional_version_strategy" => prop::sample::select(vec!["v2", "v3"])
            .prop_map(|v| json!({ v: strategy_rule() }))
            .boxed(),
        _ => string_value("[a-z0-9-]{0,16}".boxed()),
    };
    v
}

/// A value that is often wrong for the field: near-valid, wrong type, or anything.
fn wild_value(field: &str) -> BoxedStrategy<Value> {
    let specific: BoxedStrategy<Value> = match field {
        "func_name" => string_value(near(function_name())),
        "version" => string_value(near(version_name())),
        "name" => string_value(near(alias_name())),
        "runtime" => prop::sample::select(vec!["Java8", "python3.9", "Cobol", "Custom Image", ""])
            .prop_map(Value::from)
            .boxed(),
        "handler" => prop::sample::select(vec!["index", ".h", "a.b c", "", " ", "bootstrap"])
            .prop_map(Value::from)
            .boxed(),
        "code_type" => {
            prop::sample::select(vec!["zip", "jar", "obs", "Custom-Image-Swr", "tar", ""])
                .prop_map(Value::from)
                .boxed()
        }
        "func_code" => prop_oneof![
            hostile_string().prop_map(|f| json!({ "file": f })),
            Just(json!({ "file": b64(&[b'x'; 10 * 1024 + 1]) })),
            Just(json!({})),
        ]
        .boxed(),
        "user_data" => prop::sample::select(vec!["[1]", "{\"a\":1}", "{", "null", ""])
            .prop_map(Value::from)
            .boxed(),
        "digest" => string_value(hostile_string()),
        "additional_version_weights" => (
            prop::sample::select(vec!["v1", "v2", "v9", "latest", "!x", ""]),
            arb_json(),
        )
            .prop_map(|(v, w)| json!({ v: w }))
            .boxed(),
        "additional_version_strategy" => (
            prop::sample::select(vec!["v1", "v2", "v9", "latest"]),
            arb_json(),
        )
            .prop_map(|(v, s)| json!({ v: s }))
            .boxed(),
        _ => arb_number(),
    };
    prop_oneof![2 => specific, 1 => arb_json()].boxed()
}

/// Bodies for an endpoint: valid values for `fields` (those in `required` always present,
/// the rest sometimes), then up to three of them removed or replaced with a wild value,
/// plus unknown keys; one time in seven an arbitrary JSON value instead.
fn body(
    fields: &'static [&'static str],
    required: &'static [&'static str],
) -> BoxedStrategy<Value> {
    let valid: Vec<BoxedStrategy<Option<Value>>> = fields
        .iter()
        .map(|f| {
            if required.contains(f) {
                valid_value(f).prop_map(Some).boxed()
            } else {
                prop::option::weighted(0.3, valid_value(f)).boxed()
            }
        })
        .collect();
    let wild: Vec<BoxedStrategy<Option<Value>>> = fields
        .iter()
        .map(|f| prop::option::weighted(0.85, wild_value(f)).boxed())
        .collect();
    let indices: Vec<usize> = (0..fields.len()).collect();
    let which = prop::sample::subsequence(indices, 0..=3.min(fields.len()));
    let extra = prop::collection::btree_map(arb_key(), arb_json(), 0..2);
    let object = (valid, wild, which, extra).prop_map(move |(valid, wild, which, extra)| {
        let mut map: Map<String, Value> = extra.into_iter().collect();
        for (i, f) in fields.iter().enumerate() {
            let v = if which.contains(&i) {
                &wild[i]
            } else {
                &valid[i]
            };
            match v {
                Some(v) => map.insert((*f).to_owned(), v.clone()),
                None => map.remove(*f),
            };
        }
        Value::Object(map)
    });
    prop_oneof![1 => arb_json(), 6 => object].boxed()
}

const FUNCTION_FIELDS: &[&str] = &[
    "func_name",
    "package",
    "runtime",
    "handler",
    "memory_size",
    "timeout",
    "code_type",
    "func_code",
    "description",
    "user_data",
    "type",
    "strategy_config",
    "initializer_timeout",
    "pre_stop_timeout",
    "func_vpc",
    "mount_config",
    "custom_image",
    "enable_dynamic_memory",
    "long_time",
    "xrole",
    "code_url",
];
const CREATE_REQUIRED: &[&str] = &[
    "func_name",
    "runtime",
    "handler",
    "memory_size",
    "timeout",
    "code_type",
    "func_code",
];
const CONFIG_FIELDS: &[&str] = &[
    "runtime",
    "handler",
    "memory_size",
    "timeout",
    "description",
    "user_data",
    "type",
    "strategy_config",
    "initializer_timeout",
    "pre_stop_timeout",
    "func_vpc",
    "mount_config",
    "custom_image",
    "enable_dynamic_memory",
    "long_time",
    "xrole",
    "func_name",
];
const CONFIG_REQUIRED: &[&str] = &["runtime", "handler", "memory_size", "timeout"];
const CODE_FIELDS: &[&str] = &[
    "code_type",
    "func_code",
    "code_url",
    "code_filename",
    "custom_image",
];
const PUBLISH_FIELDS: &[&str] = &["version", "description", "digest"];
const ALIAS_FIELDS: &[&str] = &[
    "name",
    "version",
    "description",
    "additional_version_weights",
    "additional_version_strategy",
];

/// What publish must answer (SPEC section 2, rules 4 to 8; the body's JSON shape first):
/// the status and code, and the version name on success.
fn expected_publish(body: &Value, published: &HashSet<String>) -> (u16, &'static str, String) {
    let Some(obj) = body.as_object() else {
        return (400, "FSS.0400", String::new());
    };
    let string = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(()),
    };
    let (Ok(version), Ok(description), Ok(digest)) =
        (string("version"), string("description"), string("digest"))
    else {
        return (400, "FSS.0400", String::new());
    };
    let name = match version {
        None | Some("") => DEFAULT_VERSION,
        Some(v) if version_ok(v) => v,
        Some(_) => return (400, "FSS.1015", String::new()),
    };
    if description.is_some_and(|d| d.chars().count() > 512) {
        return (400, "FSS.1019", String::new());
    }
    if digest.is_some_and(|d| !d.is_empty() && !d.eq_ignore_ascii_case(&CODE_DIGEST)) {
        return (400, "FSS.0400", String::new());
    }
    if published.contains(name) {
        return (409, "FSS.1062", String::new());
    }
    (200, "", name.to_owned())
}

#[test]
fn publish_bodies_get_exactly_the_answer_the_rules_give() {
    let server = Server::start();
    let published = std::sync::Mutex::new(HashSet::from(["v1", "v2", "v3"].map(str::to_owned)));
    server.check(
        300,
        &["200 ", "400 FSS.0400", "400 FSS.1015", "409 FSS.1062"],
        body(PUBLISH_FIELDS, &[]),
        |body| {
            let r = server.call("POST", "/functions/hello/versions", Some(&body.to_string()));
            let code = check_answer(
                "publish",
                &r,
                &["FSS.0400", "FSS.1015", "FSS.1019", "FSS.1062", "FSS.1042"],
            )?;
            let mut published = published.lock().unwrap();
            let (status, want, name) = expected_publish(&body, &published);
            prop_assert_eq!(
                (r.status, code.as_str()),
                (status, want),
                "body {}: {}",
                body,
                r.text
            );
            if status == 200 {
                let urn = r.body["func_urn"].as_str().unwrap_or("");
                prop_assert_eq!(
                    urn,
                    format!("urn:fss:{REGION}:{PROJECT}:function:default:hello:{name}"),
                );
                prop_assert_eq!(r.body["digest"].as_str(), Some(CODE_DIGEST.as_str()));
                published.insert(name);
            }
            Ok(())
        },
    );
}

#[test]
fn version_names_via_publish_are_accepted_iff_the_rule_matches() {
    let server = Server::start();
    let published = std::sync::Mutex::new(HashSet::from(["v1", "v2", "v3"].map(str::to_owned)));
    let names = prop_oneof![version_name(), near(version_name()), hostile_string()];
    server.check(300, &["200 ", "400 FSS.1015", "409 FSS.1062"], names, |v| {
        let r = server.call(
            "POST",
            "/functions/hello/versions",
            Some(&json!({ "version": v }).to_string()),
        );
        let code = check_answer("publish", &r, &["FSS.1015", "FSS.1062"])?;
        let mut published = published.lock().unwrap();
        let want = if v.is_empty() {
            // "" means "not given": the clock names the version.
            if published.insert(DEFAULT_VERSION.to_owned()) {
                ""
            } else {
                "FSS.1062"
            }
        } else if !version_ok(&v) {
            "FSS.1015"
        } else if published.insert(v.clone()) {
            ""
        } else {
            "FSS.1062"
        };
        prop_assert_eq!(code.as_str(), want, "version {:?}: {}", v, r.text);
        Ok(())
    });
}

#[test]
fn create_bodies_never_get_a_5xx() {
    let server = Server::start();
    let codes = [
        "FSS.0400", "FSS.1002", "FSS.1003", "FSS.1004", "FSS.1005", "FSS.1006", "FSS.1007",
        "FSS.1008", "FSS.1009", "FSS.1011", "FSS.1012", "FSS.1019", "FSS.1061", "FSS.1071",
        "FSS.1072",
    ];
    server.check(
        300,
        &["200 ", "400 FSS.0400", "400 FSS.1002"],
        body(FUNCTION_FIELDS, CREATE_REQUIRED),
        |body| {
            let r = server.call("POST", "/functions", Some(&body.to_string()));
            check_answer("create", &r, &codes)?;
            if r.status == 200 {
                let name = body["func_name"].as_str().unwrap_or("");
                prop_assert!(FUNCTION_RE.is_match(name), "accepted func_name {:?}", name);
            }
            Ok(())
        },
    );
}

#[test]
fn function_names_via_create_are_accepted_iff_the_rule_matches() {
    let server = Server::start();
    let created = std::sync::Mutex::new(HashSet::from(["hello".to_owned()]));
    let names = prop_oneof![function_name(), near(function_name()), hostile_string()];
    server.check(
        300,
        &["200 ", "400 FSS.1002", "409 FSS.1061"],
        names,
        |name| {
            let r = server.call("POST", "/functions", Some(&create_body(&name).to_string()));
            let code = check_answer("create", &r, &["FSS.1002", "FSS.1061"])?;
            let want = if !FUNCTION_RE.is_match(&name) {
                "FSS.1002"
            } else if created.lock().unwrap().insert(name.clone()) {
                ""
            } else {
                "FSS.1061"
            };
            prop_assert_eq!(code.as_str(), want, "func_name {:?}: {}", name, r.text);
            if want.is_empty() {
                let urn = format!("urn:fss:{REGION}:{PROJECT}:function:default:{name}:latest");
                prop_assert_eq!(r.body["func_urn"].as_str(), Some(urn.as_str()));
            }
            Ok(())
        },
    );
}

#[test]
fn update_config_bodies_never_get_a_5xx() {
    let server = Server::start();
    let codes = [
        "FSS.0400", "FSS.1003", "FSS.1005", "FSS.1007", "FSS.1008", "FSS.1009", "FSS.1019",
    ];
    let target = prop::sample::select(vec![
        "hello".to_owned(),
        format!("{PROJECT}:default:hello:latest"),
        format!("{PROJECT}:default:hello:v2"),
    ]);
    server.check(
        250,
        &["200 ", "400 FSS.0400", "400 FSS.1005"],
        (target, body(CONFIG_FIELDS, CONFIG_REQUIRED)),
        |(urn, body)| {
            let path = format!(
                "/functions/{}/config",
                utf8_percent_encode(&urn, NON_ALPHANUMERIC)
            );
            let r = server.call("PUT", &path, Some(&body.to_string()));
            check_answer("update config", &r, &codes)?;
            Ok(())
        },
    );
}

#[test]
fn update_code_bodies_never_get_a_5xx() {
    let server = Server::start();
    let codes = [
        "FSS.0400", "FSS.1006", "FSS.1011", "FSS.1012", "FSS.1071", "FSS.1072",
    ];
    server.check(
        250,
        &["200 ", "400 FSS.0400", "400 FSS.1006"],
        body(CODE_FIELDS, &["code_type", "func_code"]),
        |body| {
            let r = server.call("PUT", "/functions/hello/code", Some(&body.to_string()));
            check_answer("update code", &r, &codes)?;
            Ok(())
        },
    );
}

const ALIAS_CODES: &[&str] = &[
    "FSS.0400", "FSS.1014", "FSS.1015", "FSS.1019", "FSS.1091", "FSS.1092", "FSS.1093", "FSS.1063",
    "FSS.1066", "FSS.1043",
];

#[test]
fn create_alias_bodies_never_get_a_5xx() {
    let server = Server::start();
    server.check(
        300,
        &[
            "200 ",
            "400 FSS.0400",
            "400 FSS.1014",
            "400 FSS.1015",
            "400 FSS.1091",
        ],
        body(ALIAS_FIELDS, &["name", "version"]),
        |body| {
            let r = server.call("POST", "/functions/hello/aliases", Some(&body.to_string()));
            check_answer("create alias", &r, ALIAS_CODES)?;
            if r.status == 200 {
                let name = body["name"].as_str().unwrap_or("");
                prop_assert!(ALIAS_RE.is_match(name), "accepted alias name {:?}", name);
                // Free the major version again, so later cases can take it.
                let d = server.call("DELETE", &format!("/functions/hello/aliases/{name}"), None);
                prop_assert_eq!(d.status, 204, "{}", d.text);
            }
            Ok(())
        },
    );
}

#[test]
fn update_alias_bodies_never_get_a_5xx() {
    let server = Server::start();
    server.check(
        300,
        &["200 ", "400 FSS.0400", "400 FSS.1015", "400 FSS.1091"],
        body(ALIAS_FIELDS, &["version"]),
        |body| {
            let r = server.call(
                "PUT",
                "/functions/hello/aliases/prod",
                Some(&body.to_string()),
            );
            check_answer("update alias", &r, ALIAS_CODES)?;
            Ok(())
        },
    );
}

#[test]
fn alias_names_via_create_alias_are_accepted_iff_the_rule_matches() {
    let server = Server::start();
    let names = prop_oneof![alias_name(), near(alias_name()), hostile_string()];
    server.check(300, &["200 ", "400 FSS.1014"], names, |name| {
        let body = json!({ "name": name, "version": "v2", "description": "p" });
        let r = server.call("POST", "/functions/hello/aliases", Some(&body.to_string()));
        let code = check_answer("create alias", &r, &["FSS.1014", "FSS.1063"])?;
        // `prod` exists already (on v1); any other valid name is created, then deleted.
        let want = match name.as_str() {
            "prod" => "FSS.1063",
            n if ALIAS_RE.is_match(n) => "",
            _ => "FSS.1014",
        };
        prop_assert_eq!(code.as_str(), want, "alias name {:?}: {}", name, r.text);
        if want.is_empty() {
            let urn = format!("urn:fss:{REGION}:{PROJECT}:function:default:hello:!{name}");
            prop_assert_eq!(r.body["alias_urn"].as_str(), Some(urn.as_str()));
            let d = server.call("DELETE", &format!("/functions/hello/aliases/{name}"), None);
            prop_assert_eq!(d.status, 204, "{}", d.text);
        }
        Ok(())
    });
}

/// What ShowFunctionConfig must answer for a path URN (SPEC sections 4 and 9).
fn expected_show(s: &str) -> (u16, &'static str) {
    let Ok(urn) = Urn::parse(s) else {
        return (400, "FSS.0400");
    };
    if urn.project().is_some_and(|p| p.as_str() != PROJECT)
        || urn.region().is_some_and(|r| r.as_str() != REGION)
    {
        return (400, "FSS.0400");
    }
    if urn.package().as_str() != "default" || urn.function().as_str() != "hello" {
        return (404, "FSS.1051");
    }
    match urn.qualifier() {
        Qualifier::Latest => (200, ""),
        Qualifier::Version(v) if ["v1", "v2", "v3"].contains(&v.as_str()) => (200, ""),
        Qualifier::Version(_) => (404, "FSS.1052"),
        Qualifier::Alias(a) if a.as_str() == "prod" => (200, ""),
        Qualifier::Alias(_) => (404, "FSS.1053"),
    }
}

#[test]
fn path_urns_get_exactly_the_answer_the_rules_give() {
    let server = Server::start();
    let urns = prop_oneof![
        3 => urn_like(),
        2 => (
            prop::sample::select(vec![
                "hello".to_owned(),
                "default:hello".to_owned(),
                format!("{PROJECT}:default:hello"),
                format!("urn:fss:{REGION}:{PROJECT}:function:default:hello"),
            ]),
            prop::sample::select(vec!["", ":latest", ":v1", ":v9", ":!prod", ":!dev", ":!1x"]),
        )
            .prop_map(|(u, q)| format!("{u}{q}")),
    ]
    // An empty segment is another route; `.` and `..` are dot segments, which the HTTP
    // client removes from the path (RFC 3986 5.2.4), even percent-encoded, so the request
    // would reach another route. (Sent raw, the server answers them 400 FSS.0400.)
    .prop_filter("not a single path segment", |s| {
        !s.is_empty() && s != "." && s != ".."
    });
    server.check(
        400,
        &[
            "200 ",
            "400 FSS.0400",
            "404 FSS.1051",
            "404 FSS.1052",
            "404 FSS.1053",
        ],
        urns,
        |s| {
            let path = format!(
                "/functions/{}/config",
                utf8_percent_encode(&s, NON_ALPHANUMERIC)
            );
            let r = server.call("GET", &path, None);
            let code = check_answer(
                "show config",
                &r,
                &["FSS.0400", "FSS.1051", "FSS.1052", "FSS.1053"],
            )?;
            prop_assert_eq!(
                (r.status, code.as_str()),
                expected_show(&s),
                "urn {:?}: {}",
                s,
                r.text
            );
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// Regression tests: inputs that once failed. Each is marked `// Regression:` with where it
// came from and the fix.

/// Asserts an answer came, and was not a 5xx.
#[track_caller]
fn assert_answered_below_500(what: &str, r: &Reply) {
    assert!(
        (1..500).contains(&r.status),
        "{what}: {} {}",
        r.status,
        r.text
    );
}

// Regression: found by hand while writing the fuzz targets (the clock and the state
// document carry timestamps no fuzz target renders). With the clock frozen where the local
// time at +08:00 is past year 9999, the clock-made version name is "v+100000101-040000",
// which breaks the version rule: the `expect` in `create_function_version` panics and a
// default-named publish answers 500 FSS.0500. Fixed in acc6228 (instants are written
// only within years 1970-9999; the clock refuses others).
#[test]
fn a_clock_past_year_9999_never_makes_publish_answer_500() {
    let server = Server::start();
    let set = server.control(
        "PUT",
        "/clock",
        Some(r#"{"frozen_at":"9999-12-31T20:00:00Z"}"#),
    );
    assert_answered_below_500("set the clock past 9999 at +08:00", &set);
    let publish = server.call("POST", "/functions/hello/versions", None);
    assert_answered_below_500("default-named publish", &publish);
    // The last instant the clock takes still gives a four-digit year at +08:00.
    let set = server.control(
        "PUT",
        "/clock",
        Some(r#"{"frozen_at":"9999-12-31T00:00:00Z"}"#),
    );
    assert_eq!(set.status, 200, "{}", set.text);
    let publish = server.call("POST", "/functions/hello/versions", Some("{}"));
    assert_eq!(publish.status, 200, "{}", publish.text);
    assert!(
        publish.body["func_urn"]
            .as_str()
            .is_some_and(|u| u.ends_with(":hello:v99991231-080000")),
        "{}",
        publish.text
    );
    assert_eq!(
        publish.body["last_modified"].as_str(),
        Some("9999-12-31T08:00:00+08:00")
    );
}

// Regression: found by hand, as above. With the clock at the end of chrono's range
// (`+262142-12-31T23:59:59Z`), `clock::rfc3339` at +08:00 panics ("Local time out of range
// for `NaiveDateTime`"): PUT /_emulator/clock answers 500, and from then on every API
// request's connection is closed with no answer at all (the panic is in
// `app::request_context`, outside the catch-panic layer) until the clock is reset. Fixed
// in acc6228.
#[test]
fn a_clock_at_the_end_of_time_never_breaks_the_server() {
    let server = Server::start();
    let set = server.control(
        "PUT",
        "/clock",
        Some(r#"{"frozen_at":"+262142-12-31T23:59:59Z"}"#),
    );
    assert_answered_below_500("set the clock", &set);
    let show = server.call("GET", "/functions/hello/config", None);
    assert_answered_below_500("show config", &show);
    let create = server.call(
        "POST",
        "/functions",
        Some(&create_body("later").to_string()),
    );
    assert_answered_below_500("create", &create);
}

// Regression: found by hand, as above. A state document whose `last_modified` is at the end
// of chrono's range imports (200), and then every read of that function panics in
// `clock::rfc3339` and answers 500 FSS.0500; with a state file, after every restart too.
// Fixed in acc6228 (the import refuses it).
#[test]
fn an_imported_timestamp_at_the_end_of_time_never_makes_reads_answer_500() {
    let server = Server::start();
    let mut doc = server.control("GET", "/state", None).body;
    for f in doc["functions"].as_array_mut().expect("functions") {
        f["latest"]["last_modified"] = json!("+262142-12-31T23:59:59Z");
    }
    let import = server.control("PUT", "/state", Some(&doc.to_string()));
    assert_answered_below_500("import", &import);
    let show = server.call("GET", "/functions/hello/config", None);
    assert_answered_below_500("show config", &show);
    let list = server.call("GET", "/functions", None);
    assert_answered_below_500("list functions", &list);
}
