//! The dashboard (issue 15): `GET /_emulator/ui`, one page served by the binary, and
//! `GET /_emulator/overview`, the compact JSON summary the page is rendered from.
//!
//! - The page is rendered here, in HTML, so it reads without JavaScript: functions by
//!   project and package with their versions as a timeline, aliases as weight bars with
//!   their rules in words and the observed split, the newest requests, fault rules, the
//!   clock. Its assets (`ui/app.js`, `ui/app.css`) are compiled in: no CDN, no network.
//! - `ui/app.js` makes it live: it polls `GET /_emulator/ui/live` (the same sections,
//!   rendered by the same code, so there is one renderer and not a second one in
//!   JavaScript) and swaps the sections that changed, keeping open `<details>`, focus and
//!   the filter. Its buttons call the existing control endpoints (reset, clear the journal,
//!   disarm faults).
//! - `control.token`: the page shell and its assets are open (a browser cannot put a bearer
//!   header on a navigation), but when a token is set the shell carries no state: the
//!   script asks for the token, keeps it in `sessionStorage` (this tab only, gone when it
//!   closes, never in a URL or a cookie) and sends it as `Authorization: Bearer` to
//!   `ui/live`, `overview` and the buttons' endpoints, which stay guarded like every other
//!   control route.
//! - Invocations: once the journal records which version served an invocation (a
//!   `served_version`, `resolved_version` or `version` field on the entry), the requests
//!   table shows it and each alias shows the split observed in the journal next to its
//!   configured weight. Entries are read through their serialised form, so this works
//!   whichever of those names the journal settles on.
//! - 1,000 functions: functions are `<details>`, open only when there are few; each poll
//!   renders the sections in a few milliseconds and the script swaps only those that changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::Value;

use crate::app_state::AppState;
use crate::clock::{Clock, ClockMode, rfc3339};
use crate::domain::{Qualifier, Urn};
use crate::faults::{Action, RuleView};
use crate::http::json;
use crate::journal::Filter;
use crate::model::{FunctionRecord, FunctionState};

const APP_JS: &str = include_str!("ui/app.js");
const APP_CSS: &str = include_str!("ui/app.css");

/// How many journal entries the requests table shows (newest first).
pub const RECENT_REQUESTS: usize = 100;
/// Functions are shown open (their timeline visible) when there are at most this many.
const OPEN_FUNCTIONS: usize = 20;
/// Digests are shown (and summarised) by their first hex characters.
const DIGEST_PREFIX: usize = 12;

/// Everything the dashboard shows, as `GET /_emulator/overview` returns it.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// The emulator's version.
    pub emulator_version: String,
    /// The clock.
    pub clock: ClockSummary,
    /// `limits.max_versions`: the cap shown as "7 of 10".
    pub max_versions: usize,
    /// Every function, by project, package, then creation order.
    pub functions: Vec<FunctionSummary>,
    /// The fault rules.
    pub faults: Vec<RuleView>,
    /// The newest journal entries, newest first (at most [`RECENT_REQUESTS`]).
    pub requests: Vec<RequestSummary>,
    /// How many entries the journal holds (the observed splits count all of them).
    pub journal_entries: usize,
}

/// The clock, as `GET /_emulator/clock` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ClockSummary {
    /// `system`, `frozen` or `offset`.
    pub mode: &'static str,
    /// The emulator's now, RFC 3339 in the configured offset.
    pub now: String,
    /// When frozen, the instant.
    pub frozen_at: Option<String>,
    /// When offset, by how many seconds.
    pub offset_seconds: Option<i64>,
}

/// One function.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionSummary {
    /// Project id.
    pub project: String,
    /// Package.
    pub package: String,
    /// Name.
    pub name: String,
    /// Runtime.
    pub runtime: String,
    /// The working copy.
    pub latest: VersionSummary,
    /// Published versions, oldest first (publish order).
    pub versions: Vec<VersionSummary>,
    /// Aliases, in creation order.
    pub aliases: Vec<AliasSummary>,
}

/// One version (or the working copy, named `latest`).
#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    /// Its name.
    pub name: String,
    /// `last_modified`: the publish time, unless the version's configuration was edited since.
    pub last_modified: String,
    /// `version_description` (the function's own description for `latest`).
    pub description: String,
    /// The first characters of the code's SHA-512.
    pub digest_prefix: String,
    /// `code_size` in bytes.
    pub code_size: u64,
}

/// One alias.
#[derive(Debug, Clone, Serialize)]
pub struct AliasSummary {
    /// Its name.
    pub name: String,
    /// The major version.
    pub version: String,
    /// Its description.
    pub description: String,
    /// The additional version, if traffic is split.
    pub additional_version: Option<String>,
    /// The additional version's weight (0-100), if given.
    pub additional_weight: Option<i64>,
    /// The additional version's routing rules, as stored.
    pub additional_strategy: Option<Value>,
    /// Those rules in words.
    pub strategy_words: Option<String>,
    /// Invocations through this alias in the journal, by the version that served them.
    pub observed: BTreeMap<String, u64>,
}

/// One journal entry, as the requests table shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestSummary {
    /// When it arrived.
    pub time: String,
    /// The operation, if the route is known.
    pub operation: Option<String>,
    /// The method.
    pub method: String,
    /// The URN of the path, percent-decoded (or the path when it has none).
    pub target: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's `error_code`.
    pub error_code: Option<String>,
    /// Time spent answering, in milliseconds.
    pub duration_ms: f64,
    /// For an invocation, the version that served it (once the journal records it).
    pub served_version: Option<String>,
    /// For an invocation through an alias: (project, package, function, alias).
    #[serde(skip)]
    pub alias_key: Option<AliasKey>,
}

/// Identifies an alias across projects: project, package, function, alias name.
pub type AliasKey = (String, String, String, String);

impl RequestSummary {
    /// Reads a journal entry through its JSON form (see the module doc for why).
    pub fn from_entry(entry: &Value) -> Self {
        let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_owned);
        let path = text("path").unwrap_or_default();
        let urn_segment = urn_of_path(&path);
        let served_version = ["served_version", "resolved_version", "version"]
            .iter()
            .find_map(|k| text(k));
        let alias_key = served_version
            .as_ref()
            .and_then(|_| alias_of(&path, urn_segment.as_deref(), text("alias")));
        Self {
            time: text("time").unwrap_or_default(),
            operation: text("operation"),
            method: text("method").unwrap_or_default(),
            target: urn_segment.unwrap_or_else(|| short_path(&path)),
            status: entry
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            error_code: text("error_code"),
            duration_ms: entry
                .get("duration_ms")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            served_version,
            alias_key,
        }
    }
}

/// The `{function_urn}` segment of a FunctionGraph path
/// (`/v2/{project}/fgs/functions/{urn}/...`), percent-decoded.
fn urn_of_path(path: &str) -> Option<String> {
    let mut parts = path.split('/');
    let (Some(""), Some(_v2), Some(_project), Some("fgs"), Some("functions"), Some(urn)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (!urn.is_empty()).then(|| percent_decode_str(urn).decode_utf8_lossy().into_owned())
}

/// A path without its `/v2/{project_id}/fgs` prefix, which every FunctionGraph path has.
fn short_path(path: &str) -> String {
    let mut parts = path.splitn(4, '/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(""), Some("v2"), Some(_), Some(rest)) => rest
            .strip_prefix("fgs/")
            .map_or_else(|| path.to_owned(), |r| format!("/{r}")),
        _ => path.to_owned(),
    }
}

/// The alias an invocation went through: the `alias` field of the entry if the journal
/// writes one, else the URN's `!alias` qualifier. The project is the path's.
fn alias_of(path: &str, urn: Option<&str>, alias_field: Option<String>) -> Option<AliasKey> {
    let project = path.split('/').nth(2)?.to_owned();
    let urn = Urn::parse(urn?).ok()?;
    let alias = match (alias_field, urn.qualifier()) {
        (Some(a), _) if !a.is_empty() => a.trim_start_matches('!').to_owned(),
        (_, Qualifier::Alias(a)) => a.to_string(),
        _ => return None,
    };
    Some((
        project,
        urn.package().to_string(),
        urn.function().to_string(),
        alias,
    ))
}

impl Overview {
    /// Collects the overview from the running emulator.
    pub fn collect(app: &AppState) -> Self {
        let offset = app.service().settings().utc_offset;
        let clock = app.clock();
        let (mode, frozen_at, offset_seconds) = match clock.mode() {
            ClockMode::System => ("system", None, None),
            ClockMode::Frozen(at) => ("frozen", Some(rfc3339(at, offset)), None),
            ClockMode::Offset(d) => ("offset", None, Some(d.num_seconds())),
        };
        let clock = ClockSummary {
            mode,
            now: rfc3339(clock.now(), offset),
            frozen_at,
            offset_seconds,
        };
        let entries: Vec<RequestSummary> = app
            .journal()
            .list(&Filter::default())
            .iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .map(|e| RequestSummary::from_entry(&e))
            .collect();
        let records = app.service().store().all_functions();
        let functions = records
            .iter()
            .map(|r| FunctionSummary::of(r, offset))
            .collect();
        Self::assemble(
            clock,
            app.config().limits.max_versions,
            functions,
            app.faults().list(),
            entries,
        )
    }

    /// Puts the parts together: sorts functions, counts the observed splits from all
    /// `entries` (oldest first, as the journal lists them) and keeps the newest
    /// [`RECENT_REQUESTS`] for the table. Separate from [`collect`](Self::collect) so that
    /// tests can feed it entries the journal does not write yet.
    pub fn assemble(
        clock: ClockSummary,
        max_versions: usize,
        mut functions: Vec<FunctionSummary>,
        faults: Vec<RuleView>,
        entries: Vec<RequestSummary>,
    ) -> Self {
        let mut observed: BTreeMap<&AliasKey, BTreeMap<String, u64>> = BTreeMap::new();
        for e in &entries {
            if let (Some(key), Some(v)) = (&e.alias_key, &e.served_version) {
                *observed
                    .entry(key)
                    .or_default()
                    .entry(v.clone())
                    .or_default() += 1;
            }
        }
        // Stable: within a package, creation order (as collected) is kept.
        functions.sort_by(|a, b| (&a.project, &a.package).cmp(&(&b.project, &b.package)));
        for f in &mut functions {
            for a in &mut f.aliases {
                let key = (
                    f.project.clone(),
                    f.package.clone(),
                    f.name.clone(),
                    a.name.clone(),
                );
                if let Some(counts) = observed.get(&key) {
                    a.observed = counts.clone();
                }
            }
        }
        let journal_entries = entries.len();
        let requests = entries.into_iter().rev().take(RECENT_REQUESTS).collect();
        Self {
            emulator_version: env!("CARGO_PKG_VERSION").to_owned(),
            clock,
            max_versions,
            functions,
            faults,
            requests,
            journal_entries,
        }
    }
}

fn version_summary(
    name: &str,
    state: &FunctionState,
    description: &str,
    offset: chrono::FixedOffset,
) -> VersionSummary {
    let digest = state.code.digest().as_str();
    VersionSummary {
        name: name.to_owned(),
        last_modified: rfc3339(state.last_modified, offset),
        description: description.to_owned(),
        digest_prefix: digest.chars().take(DIGEST_PREFIX).collect(),
        code_size: state.code.size(),
    }
}

impl FunctionSummary {
    /// The summary of one stored function.
    pub fn of(r: &FunctionRecord, offset: chrono::FixedOffset) -> Self {
        Self {
            project: r.project.to_string(),
            package: r.package.to_string(),
            name: r.name.to_string(),
            runtime: r.latest.config.runtime.as_str().to_owned(),
            latest: version_summary(
                "latest",
                &r.latest,
                r.latest.config.description.as_str(),
                offset,
            ),
            versions: r
                .versions
                .iter()
                .map(|v| version_summary(v.name.as_str(), &v.state, v.description.as_str(), offset))
                .collect(),
            aliases: r
                .aliases
                .iter()
                .map(|a| {
                    let additional = a.additional.as_ref();
                    let strategy = additional.and_then(|x| x.strategy.clone());
                    AliasSummary {
                        name: a.name.to_string(),
                        version: a.version.clone(),
                        description: a.description.as_str().to_owned(),
                        additional_version: additional.map(|x| x.version.to_string()),
                        additional_weight: additional.and_then(|x| x.weight),
                        strategy_words: strategy.as_ref().map(strategy_in_words),
                        additional_strategy: strategy,
                        observed: BTreeMap::new(),
                    }
                })
                .collect(),
        }
    }
}

/// `{"combine_type":"and","rules":[{"rule_type":"Header","param":"x-user","op":"in","value":"a,b"}]}`
/// as "header x-user is one of a, b and ...". The stored strategy was validated on the way
/// in; anything unexpected is shown as it is rather than refused.
pub fn strategy_in_words(strategy: &Value) -> String {
    let joiner = match strategy.get("combine_type").and_then(Value::as_str) {
        Some("or") => " or ",
        _ => " and ",
    };
    let Some(rules) = strategy.get("rules").and_then(Value::as_array) else {
        return strategy.to_string();
    };
    let words: Vec<String> = rules
        .iter()
        .map(|rule| {
            let field = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
            let kind = field("rule_type").to_ascii_lowercase();
            let (param, value) = (field("param"), field("value"));
            match field("op") {
                "in" => {
                    let items: Vec<&str> = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect();
                    format!("{kind} {param} is one of {}", items.join(", "))
                }
                op => format!("{kind} {param} {op} {value}"),
            }
        })
        .collect();
    words.join(joiner)
}

// ---- HTML -------------------------------------------------------------------------------

/// Escapes text for HTML content and double-quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn bytes(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The whole page. `data` is `None` when `control.token` is set: the shell then carries
/// no state, and the script loads it with the token.
pub fn render_page(data: Option<&Overview>, token_required: bool) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgs-emulator dashboard</title>
<link rel="stylesheet" href="/_emulator/ui/app.css">
<script src="/_emulator/ui/app.js" defer></script>
</head>
<body data-token-required="{token_required}">
<a class="skip" href="#functions">Skip to functions</a>
<header>
<h1>fgs-emulator <span class="muted">dashboard</span></h1>
<p id="live-status" role="status" aria-live="polite">{status}</p>
"##,
        status = if data.is_some() {
            "Showing the state as the page was served. With JavaScript on, it updates by itself."
        } else {
            "This emulator has a control token: enter it to see its state."
        },
    );
    if token_required {
        h.push_str(
            r#"<form id="token-form" class="token">
<label for="token">Control token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false">
<button type="submit">Use token</button>
<button type="button" id="forget-token">Forget</button>
<span class="hint">Kept in this tab only (sessionStorage), sent as <code>Authorization: Bearer</code>.</span>
</form>
"#,
        );
    }
    h.push_str(
        r#"<div class="actions" role="group" aria-label="Control actions">
<button type="button" data-method="POST" data-path="/_emulator/reset" data-confirm="Reset the emulator to its seeded state? Every function not in the config is deleted." data-done="Reset: back to the seeded state.">Reset emulator</button>
<button type="button" data-method="DELETE" data-path="/_emulator/requests" data-done="Journal cleared.">Clear journal</button>
<button type="button" data-method="DELETE" data-path="/_emulator/faults" data-done="Every fault rule disarmed.">Disarm faults</button>
</div>
<noscript><p class="hint">Without JavaScript this page is a snapshot (reload to refresh) and the buttons do nothing: use <code>curl -X POST /_emulator/reset</code>, <code>curl -X DELETE /_emulator/requests</code>, <code>curl -X DELETE /_emulator/faults</code>.</p></noscript>
</header>
"#,
    );
    match data {
        Some(o) => {
            let live = render_live(o);
            let digests = serde_json::to_string(&live.digests).unwrap_or_default();
            let _ = writeln!(h, r#"<main id="live" data-digests="{}">"#, esc(&digests));
            for (id, _) in SECTIONS {
                h.push_str(&live.sections[id]);
            }
        }
        None => {
            h.push_str("<main id=\"live\">\n");
            // Empty sections with the same ids: the script fills them.
            for (id, title) in [
                ("status", "Emulator"),
                ("faults", "Fault rules"),
                ("functions", "Functions"),
                ("requests", "Recent requests"),
            ] {
                let _ = writeln!(
                    h,
                    r#"<section id="{id}" data-live aria-labelledby="{id}-h"><h2 id="{id}-h">{title}</h2><p class="muted">Not loaded: this emulator needs its control token.</p></section>"#
                );
            }
        }
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// The live sections, by element id, each with a digest of its HTML: what
/// `GET /_emulator/ui/live` returns and the script swaps in. Separate strings, with
/// digests, so that the script skips without parsing every section that did not change (at
/// 1,000 functions the functions section is most of a megabyte, and parsing it on every
/// poll would keep the browser busy). The page carries the digests of the sections it was
/// served with, so the first poll swaps nothing either.
#[derive(Debug, Serialize)]
pub struct LiveSections {
    /// Section id -> digest of its HTML (SipHash with fixed keys, hex).
    pub digests: BTreeMap<&'static str, String>,
    /// Section id -> the whole `<section>` element.
    pub sections: BTreeMap<&'static str, String>,
}

/// Writes one section.
type Renderer = fn(&mut String, &Overview);

/// The sections in page order, with their renderers.
const SECTIONS: [(&str, Renderer); 4] = [
    ("status", render_status),
    ("faults", render_faults),
    ("functions", render_functions),
    ("requests", render_requests),
];

/// Renders every live section (see [`LiveSections`]).
pub fn render_live(o: &Overview) -> LiveSections {
    let mut live = LiveSections {
        digests: BTreeMap::new(),
        sections: BTreeMap::new(),
    };
    for (id, render) in SECTIONS {
        let mut h = String::new();
        render(&mut h, o);
        live.digests.insert(id, digest(&h));
        live.sections.insert(id, h);
    }
    live
}

fn digest(html: &str) -> String {
    use std::hash::{Hash, Hasher};
    // DefaultHasher::new() has fixed keys: the same HTML gives the same digest every time.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    html.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn render_status(h: &mut String, o: &Overview) {
    let c = &o.clock;
    let clock = match c.mode {
        "frozen" => format!(
            "<strong>frozen</strong> at <time>{}</time>",
            esc(c.frozen_at.as_deref().unwrap_or(""))
        ),
        "offset" => format!(
            "<strong>offset</strong> by {} s: now <time>{}</time>",
            c.offset_seconds.unwrap_or(0),
            esc(&c.now)
        ),
        _ => format!("system time: now <time>{}</time>", esc(&c.now)),
    };
    let versions: usize = o.functions.iter().map(|f| f.versions.len()).sum();
    let aliases: usize = o.functions.iter().map(|f| f.aliases.len()).sum();
    let _ = write!(
        h,
        r#"<section id="status" data-live aria-labelledby="status-h"><h2 id="status-h">Emulator</h2>
<dl class="facts">
<div><dt>Version</dt><dd>{ver}</dd></div>
<div><dt>Clock</dt><dd data-clock-mode="{mode}">{clock}</dd></div>
<div><dt>Functions</dt><dd data-count="functions">{nf}</dd></div>
<div><dt>Published versions</dt><dd>{versions}</dd></div>
<div><dt>Aliases</dt><dd>{aliases}</dd></div>
<div><dt>Journal</dt><dd>{journal}</dd></div>
</dl></section>
"#,
        ver = esc(&o.emulator_version),
        mode = c.mode,
        nf = o.functions.len(),
        journal = plural(o.journal_entries, "entry", "entries"),
    );
}

fn action_in_words(a: &Action) -> String {
    match a {
        Action::Error {
            status,
            error_code,
            error_msg,
        } => format!("answer {status} {} ({})", esc(error_code), esc(error_msg)),
        Action::Delay { delay_ms } => format!("delay {delay_ms} ms, then answer"),
        Action::Drop => "drop the connection".into(),
        Action::Panic => "panic (answered 500 FSS.0500)".into(),
    }
}

fn render_faults(h: &mut String, o: &Overview) {
    let _ = writeln!(
        h,
        r#"<section id="faults" data-live aria-labelledby="faults-h"><h2 id="faults-h">Fault rules <span class="count">{}</span></h2>"#,
        o.faults.len()
    );
    if o.faults.is_empty() {
        h.push_str("<p class=\"muted\">No fault rule is armed.</p></section>\n");
        return;
    }
    h.push_str(
        "<table><thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Matches</th><th scope=\"col\">Action</th><th scope=\"col\">Left</th><th scope=\"col\">Fired</th></tr></thead><tbody>\n",
    );
    for r in &o.faults {
        let mut matches = Vec::new();
        for (label, v) in [
            ("operation", &r.operation),
            ("method", &r.method),
            ("path", &r.path),
            ("project", &r.project),
        ] {
            if let Some(v) = v {
                matches.push(format!("{label} <code>{}</code>", esc(v)));
            }
        }
        if matches.is_empty() {
            matches.push("every request".into());
        }
        let mut left = r
            .remaining
            .map_or_else(|| "unlimited".to_owned(), |n| n.to_string());
        if let Some(p) = r.probability {
            let _ = write!(left, ", p = {p}");
        }
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.id,
            matches.join(", "),
            action_in_words(&r.action),
            left,
            r.fired
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn render_version(h: &mut String, v: &VersionSummary, class: &str, tag: &str) {
    let description = if v.description.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"desc\">{}</span>", esc(&v.description))
    };
    let _ = writeln!(
        h,
        r#"<li class="{class}"><strong class="vname">{name}</strong>{tag} <time>{time}</time>{description} <code title="SHA-512 prefix">{digest}</code> <span class="size">{size}</span></li>"#,
        name = esc(&v.name),
        time = esc(&v.last_modified),
        digest = esc(&v.digest_prefix),
        size = bytes(v.code_size),
    );
}

fn render_alias(h: &mut String, a: &AliasSummary) {
    let weight = a.additional_weight.unwrap_or(0).clamp(0, 100);
    let major_share = if a.additional_version.is_some() {
        100 - weight
    } else {
        100
    };
    let mut label = format!("{} routes {major_share}% to {}", a.name, a.version);
    if let Some(extra) = &a.additional_version {
        let _ = write!(label, " and {weight}% to {extra}");
    }
    let _ = write!(
        h,
        r#"<li class="alias"><div class="alias-head"><strong>!{name}</strong> → {major}{desc}</div>
<div class="bar" role="img" aria-label="{label}"><span class="seg major" style="width:{major_share}%">{major} {major_share}%</span>"#,
        name = esc(&a.name),
        major = esc(&a.version),
        desc = if a.description.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"desc\">{}</span>", esc(&a.description))
        },
        label = esc(&label),
    );
    if let Some(extra) = &a.additional_version {
        let _ = write!(
            h,
            r#"<span class="seg extra" style="width:{weight}%">{} {weight}%</span>"#,
            esc(extra)
        );
    }
    h.push_str("</div>\n");
    if let (Some(extra), Some(words)) = (&a.additional_version, &a.strategy_words) {
        let _ = writeln!(
            h,
            r#"<p class="rules">Requests where {} go to {}; the others follow the weights.</p>"#,
            esc(words),
            esc(extra)
        );
    }
    if !a.observed.is_empty() {
        let total: u64 = a.observed.values().sum();
        let parts: Vec<String> = a
            .observed
            .iter()
            .map(|(v, n)| {
                let configured = if *v == a.version {
                    format!(", configured {major_share}%")
                } else if Some(v) == a.additional_version.as_ref() {
                    format!(", configured {weight}%")
                } else {
                    String::new()
                };
                format!(
                    "<span class=\"obs\" data-version=\"{v}\">{v}: {n} ({pct:.0}%{configured})</span>",
                    v = esc(v),
                    pct = *n as f64 * 100.0 / total as f64,
                )
            })
            .collect();
        let _ = writeln!(
            h,
            r#"<p class="observed">Observed over {}: {}</p>"#,
            plural(total as usize, "invocation", "invocations"),
            parts.join(", ")
        );
    }
    h.push_str("</li>\n");
}

fn render_functions(h: &mut String, o: &Overview) {
    let _ = writeln!(
        h,
        r#"<section id="functions" data-live data-open-default="{}" aria-labelledby="functions-h"><h2 id="functions-h">Functions <span class="count">{}</span></h2>"#,
        o.functions.len() <= OPEN_FUNCTIONS,
        o.functions.len()
    );
    if o.functions.is_empty() {
        h.push_str("<p class=\"muted\" id=\"no-functions\">No function yet.</p></section>\n");
        return;
    }
    let open = o.functions.len() <= OPEN_FUNCTIONS;
    let mut current: (Option<&str>, Option<&str>) = (None, None);
    for f in &o.functions {
        if current.0 != Some(&f.project) {
            if current.0.is_some() {
                h.push_str("</ul></div>\n");
            }
            let _ = writeln!(
                h,
                r#"<h3 class="project">Project <code>{}</code></h3>"#,
                esc(&f.project)
            );
            current = (Some(&f.project), None);
        }
        if current.1 != Some(&f.package) {
            if current.1.is_some() {
                h.push_str("</ul></div>\n");
            }
            let _ = writeln!(
                h,
                r#"<div class="package"><h4>Package <code>{}</code></h4><ul class="functions">"#,
                esc(&f.package)
            );
            current.1 = Some(&f.package);
        }
        let key = format!("{}/{}/{}", f.project, f.package, f.name);
        let _ = write!(
            h,
            r#"<li class="function" data-name="{name}"><details data-key="{key}"{open}><summary><strong>{name}</strong> <span class="muted">{runtime}</span> <span class="cap">{n} of {max} versions</span> <span class="muted">{aliases}</span></summary>
<ol class="timeline" aria-label="Versions of {name}, oldest first">
"#,
            name = esc(&f.name),
            key = esc(&key),
            open = if open { " open" } else { "" },
            runtime = esc(&f.runtime),
            n = f.versions.len(),
            max = o.max_versions,
            aliases = plural(f.aliases.len(), "alias", "aliases"),
        );
        let newest = f.versions.len().checked_sub(1);
        for (i, v) in f.versions.iter().enumerate() {
            let tag = if Some(i) == newest {
                " <span class=\"tag\">newest</span>"
            } else {
                ""
            };
            render_version(h, v, "version", tag);
        }
        render_version(
            h,
            &f.latest,
            "version latest",
            " <span class=\"tag latest\">working copy</span>",
        );
        h.push_str("</ol>\n");
        if !f.aliases.is_empty() {
            let _ = writeln!(
                h,
                r#"<ul class="aliases" aria-label="Aliases of {}">"#,
                esc(&f.name)
            );
            for a in &f.aliases {
                render_alias(h, a);
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</details></li>\n");
    }
    h.push_str("</ul></div>\n</section>\n");
}

fn render_requests(h: &mut String, o: &Overview) {
    let _ = writeln!(
        h,
        r#"<section id="requests" data-live aria-labelledby="requests-h"><h2 id="requests-h">Recent requests <span class="count">{} of {}</span></h2>"#,
        o.requests.len(),
        o.journal_entries
    );
    if o.requests.is_empty() {
        h.push_str("<p class=\"muted\">The journal is empty.</p></section>\n");
        return;
    }
    // The column appears once the journal records served versions (invocations).
    let served_column = o.requests.iter().any(|r| r.served_version.is_some());
    let _ = writeln!(
        h,
        "<div class=\"scroll\"><table><caption class=\"muted\">Newest first; paths without their <code>/v2/{{project_id}}/fgs</code> prefix</caption><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Operation</th><th scope=\"col\">Method</th><th scope=\"col\">URN or path</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">ms</th>{}</tr></thead><tbody>",
        if served_column {
            "<th scope=\"col\">Served by</th>"
        } else {
            ""
        }
    );
    for r in &o.requests {
        let status_class = match r.status {
            200..=299 => "ok",
            400..=499 => "warn",
            _ => "bad",
        };
        let code = r
            .error_code
            .as_deref()
            .map(|c| format!(" {}", esc(c)))
            .unwrap_or_default();
        // RFC 3339: the time of day is characters 11-18; the whole instant is the title.
        let clock_time = r.time.get(11..19).unwrap_or(&r.time);
        let served = if served_column {
            format!(
                "<td>{}</td>",
                r.served_version.as_deref().map(esc).unwrap_or_default()
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            r#"<tr><td><time datetime="{time}" title="{time}">{clock_time}</time></td><td>{op}</td><td>{method}</td><td class="urn">{target}</td><td class="{status_class}">{status}{code}</td><td class="num">{ms:.1}</td>{served}</tr>"#,
            time = esc(&r.time),
            clock_time = esc(clock_time),
            op = esc(r.operation.as_deref().unwrap_or("(no route)")),
            method = esc(&r.method),
            target = esc(&r.target),
            status = r.status,
            ms = r.duration_ms,
        );
    }
    h.push_str("</tbody></table></div></section>\n");
}

// ---- handlers ---------------------------------------------------------------------------

/// Headers for everything the dashboard serves: no caching (it is live state), no
/// sniffing, no framing, and a policy that lets the page load only its own assets.
fn page_response(content_type: &'static str, body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Inline styles only for the bars' widths; no inline script, nothing from elsewhere.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// `GET /_emulator/ui`: the page; with its state unless `control.token` is set (then the
/// script loads it with the token). Open, like `health`.
pub async fn page(State(app): State<AppState>) -> Response {
    let token_required = app.config().control.token.is_some();
    let overview = (!token_required).then(|| Overview::collect(&app));
    page_response(
        "text/html; charset=utf-8",
        render_page(overview.as_ref(), token_required),
    )
}

/// `GET /_emulator/ui/live`: the page's sections, `{"digests": {"<id>": ...}, "sections":
/// {"<id>": "<section>...</section>"}}`, for the script to swap in. Guarded.
pub async fn live(State(app): State<AppState>) -> Response {
    let mut response = json(StatusCode::OK, &render_live(&Overview::collect(&app)));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /_emulator/ui/app.js`.
pub async fn app_js() -> Response {
    page_response("text/javascript; charset=utf-8", APP_JS.to_owned())
}

/// `GET /_emulator/ui/app.css`.
pub async fn app_css() -> Response {
    page_response("text/css; charset=utf-8", APP_CSS.to_owned())
}

/// `GET /_emulator/overview`: functions, versions, aliases (with observed splits), fault
/// rules, the clock and the newest requests, without code. Guarded.
pub async fn overview(State(app): State<AppState>) -> Response {
    json(StatusCode::OK, &Overview::collect(&app))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live_html(o: &Overview) -> String {
        render_live(o).sections.into_values().collect()
    }

    fn clock() -> ClockSummary {
        ClockSummary {
            mode: "frozen",
            now: "2026-11-28T19:30:15+08:00".into(),
            frozen_at: Some("2026-11-28T19:30:15+08:00".into()),
            offset_seconds: None,
        }
    }

    fn version(name: &str) -> VersionSummary {
        VersionSummary {
            name: name.into(),
            last_modified: "2026-11-28T19:30:15+08:00".into(),
            description: format!("release {name}"),
            digest_prefix: "0123456789ab".into(),
            code_size: 2048,
        }
    }

    fn function(name: &str) -> FunctionSummary {
        FunctionSummary {
            project: "p1".into(),
            package: "default".into(),
            name: name.into(),
            runtime: "Python3.9".into(),
            latest: version("latest"),
            versions: vec![version("v1"), version("v2")],
            aliases: vec![AliasSummary {
                name: "prod".into(),
                version: "v1".into(),
                description: String::new(),
                additional_version: Some("v2".into()),
                additional_weight: Some(10),
                additional_strategy: None,
                strategy_words: None,
                observed: BTreeMap::new(),
            }],
        }
    }

    /// A journal entry for an invocation, in the shape the invocation work will write.
    fn invocation(urn: &str, served: &str, field: &str) -> Value {
        let mut e = json!({
            "time": "2026-11-28T19:30:15+08:00",
            "request_id": "r",
            "method": "POST",
            "path": format!("/v2/p1/fgs/functions/{urn}/invocations"),
            "operation": "InvokeFunction",
            "status": 200,
            "error_code": null,
            "duration_ms": 1.5,
        });
        e[field] = json!(served);
        e
    }

    #[test]
    fn shows_the_served_version_and_the_observed_split_per_alias() {
        let mut entries = Vec::new();
        // Raw and percent-encoded alias URNs, full and project forms, both field names.
        for _ in 0..9 {
            entries.push(invocation(
                "urn:fss:cn-north-4:p1:function:default:hello:!prod",
                "v1",
                "served_version",
            ));
        }
        entries.push(invocation(
            "p1%3Adefault%3Ahello%3A%21prod",
            "v2",
            "version",
        ));
        // An invocation of a version, not through an alias: shown, not counted.
        entries.push(invocation("p1:default:hello:v2", "v2", "served_version"));
        // Another function's alias of the same name: not counted for hello.
        entries.push(invocation(
            "urn:fss:cn-north-4:p1:function:default:other:!prod",
            "v2",
            "served_version",
        ));
        let entries: Vec<RequestSummary> = entries.iter().map(RequestSummary::from_entry).collect();
        let o = Overview::assemble(clock(), 10, vec![function("hello")], vec![], entries);

        let prod = &o.functions[0].aliases[0];
        assert_eq!(
            prod.observed,
            BTreeMap::from([("v1".into(), 9), ("v2".into(), 1)])
        );
        assert_eq!(o.requests.len(), 12);
        assert_eq!(o.requests[0].served_version.as_deref(), Some("v2"));
        assert_eq!(
            o.requests[0].target,
            "urn:fss:cn-north-4:p1:function:default:other:!prod"
        );

        let html = live_html(&o);
        assert!(
            html.contains("Observed over 10 invocations: <span class=\"obs\" data-version=\"v1\">v1: 9 (90%, configured 90%)</span>, <span class=\"obs\" data-version=\"v2\">v2: 1 (10%, configured 10%)</span>"),
            "{html}"
        );
        assert!(
            html.contains("<td>v2</td></tr>"),
            "served-by column: {html}"
        );
        assert!(
            html.contains("p1:default:hello:!prod"),
            "decoded URN: {html}"
        );
    }

    #[test]
    fn entries_without_a_served_version_count_for_nothing() {
        let e = json!({"time": "t", "method": "GET", "path": "/v2/p1/fgs/functions/hello:!prod/config",
            "operation": "ShowFunctionConfig", "status": 200, "error_code": null, "duration_ms": 0.2});
        let r = RequestSummary::from_entry(&e);
        assert_eq!(r.served_version, None);
        assert_eq!(r.alias_key, None);
        let o = Overview::assemble(clock(), 10, vec![function("hello")], vec![], vec![r]);
        assert!(o.functions[0].aliases[0].observed.is_empty());
        let html = live_html(&o);
        assert!(!html.contains("Observed"));
        assert!(
            !html.contains("Served by"),
            "no column before invocations exist"
        );
    }

    #[test]
    fn renders_timeline_cap_bars_and_rules() {
        let mut f = function("hello");
        let strategy = json!({"combine_type": "or", "rules": [
            {"rule_type": "Header", "param": "x-user", "op": "=", "value": "alice"},
            {"rule_type": "Header", "param": "x-region", "op": "in", "value": "a, b,"}]});
        f.aliases[0].strategy_words = Some(strategy_in_words(&strategy));
        let o = Overview::assemble(clock(), 10, vec![f], vec![], vec![]);
        let html = render_page(Some(&o), false);
        assert!(html.contains("2 of 10 versions"), "{html}");
        assert!(html.contains("style=\"width:90%\">v1 90%"), "{html}");
        assert!(html.contains("style=\"width:10%\">v2 10%"), "{html}");
        assert!(html.contains("aria-label=\"prod routes 90% to v1 and 10% to v2\""));
        assert!(html.contains(
            "Requests where header x-user = alice or header x-region is one of a, b go to v2"
        ));
        assert!(html.contains("working copy"));
        assert!(html.contains("<span class=\"tag\">newest</span>"));
        assert!(html.contains("<details data-key=\"p1/default/hello\" open>"));
        assert!(html.contains("frozen</strong> at"));
        assert!(!html.contains("token-form"));
    }

    #[test]
    fn escapes_everything_from_the_outside() {
        let mut f = function("hello");
        f.versions[0].description = "<script>alert('x')</script> & \"q\"".into();
        let e = json!({"time": "t", "method": "GET", "path": "/v2/p1/fgs/functions/%3Cimg%20src%3Dx%3E/config",
            "operation": null, "status": 404, "error_code": "FSS.0404", "duration_ms": 0.1});
        let o = Overview::assemble(
            clock(),
            10,
            vec![f],
            vec![],
            vec![RequestSummary::from_entry(&e)],
        );
        let html = live_html(&o);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        );
        assert!(html.contains("&lt;img src=x&gt;"));
    }

    #[test]
    fn the_shell_carries_no_state_when_a_token_is_needed() {
        let html = render_page(None, true);
        assert!(html.contains("id=\"token-form\""));
        assert!(html.contains("data-token-required=\"true\""));
        for id in ["status", "faults", "functions", "requests"] {
            assert!(html.contains(&format!("<section id=\"{id}\" data-live")));
        }
    }

    #[test]
    fn paths_without_a_urn_are_shown_as_they_are() {
        assert_eq!(urn_of_path("/v2/p/fgs/functions"), None);
        assert_eq!(urn_of_path("/v2/p/fgs/functions/"), None);
        assert_eq!(urn_of_path("/nothing"), None);
        assert_eq!(
            urn_of_path("/v2/p/fgs/functions/a%3Ab/versions").as_deref(),
            Some("a:b")
        );
        assert_eq!(short_path("/v2/p/fgs/functions"), "/functions");
        assert_eq!(short_path("/v2/p/fgs/"), "/");
        assert_eq!(short_path("/v2/p/fgsx"), "/v2/p/fgsx");
        assert_eq!(short_path("/other/path"), "/other/path");
    }
}
