//! The dashboard's HTML: the page, and the sections `ui/live` swaps in. The functions
//! section, the largest, is in `render/functions.rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::faults::Action;

use super::*;

mod functions;

use functions::render_functions;

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
pub(super) fn esc(s: &str) -> String {
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

pub(super) fn bytes(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The whole page. `data` is `None` when `control.token` is set: the shell then carries
/// no state, and the script loads it with the token.
pub fn render_page(data: Option<&Overview>, token_required: bool) -> String {
    let mut h = String::with_capacity(64 * 1024);
    render_page_header(&mut h, data.is_some(), token_required);
    match data {
        Some(o) => render_sections(&mut h, o),
        None => render_unloaded_sections(&mut h),
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// The token form, shown when `control.token` is set.
const TOKEN_FORM: &str = r#"<form id="token-form" class="token">
<label for="token">Control token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false">
<button type="submit">Use token</button>
<button type="button" id="forget-token">Forget</button>
<span class="hint">Kept in this tab only (sessionStorage), sent as <code>Authorization: Bearer</code>.</span>
</form>
"#;

/// The control buttons, and what to do without JavaScript.
const ACTIONS: &str = r#"<div class="actions" role="group" aria-label="Control actions">
<button type="button" data-method="POST" data-path="/_emulator/reset" data-confirm="Reset the emulator to its seeded state? Every function not in the config is deleted." data-done="Reset: back to the seeded state.">Reset emulator</button>
<button type="button" data-method="DELETE" data-path="/_emulator/requests" data-done="Journal cleared.">Clear journal</button>
<button type="button" data-method="DELETE" data-path="/_emulator/faults" data-done="Every fault rule disarmed.">Disarm faults</button>
</div>
<noscript><p class="hint">Without JavaScript this page is a snapshot (reload to refresh) and the buttons do nothing: use <code>curl -X POST /_emulator/reset</code>, <code>curl -X DELETE /_emulator/requests</code>, <code>curl -X DELETE /_emulator/faults</code>.</p></noscript>
</header>
"#;

/// The document head and the page header: title, live status, token form, buttons.
fn render_page_header(h: &mut String, has_state: bool, token_required: bool) {
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
        status = if has_state {
            "Showing the state as the page was served. With JavaScript on, it updates by itself."
        } else {
            "This emulator has a control token: enter it to see its state."
        },
    );
    if token_required {
        h.push_str(TOKEN_FORM);
    }
    h.push_str(ACTIONS);
}

/// `<main>` with every live section, carrying their digests so the first poll swaps nothing.
fn render_sections(h: &mut String, o: &Overview) {
    let live = render_live(o);
    let digests = serde_json::to_string(&live.digests).unwrap_or_default();
    let _ = writeln!(h, r#"<main id="live" data-digests="{}">"#, esc(&digests));
    for (id, _) in SECTIONS {
        h.push_str(&live.sections[id]);
    }
}

/// `<main>` with empty sections under the same ids, when the state needs the token.
fn render_unloaded_sections(h: &mut String) {
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
pub(super) type Renderer = fn(&mut String, &Overview);

/// The sections in page order, with their renderers.
pub(super) const SECTIONS: [(&str, Renderer); 4] = [
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

pub(super) fn digest(html: &str) -> String {
    use std::hash::{Hash, Hasher};
    // DefaultHasher::new() has fixed keys: the same HTML gives the same digest every time.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    html.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

pub(super) fn render_status(h: &mut String, o: &Overview) {
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

pub(super) fn action_in_words(a: &Action) -> String {
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

pub(super) fn render_faults(h: &mut String, o: &Overview) {
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

pub(super) fn render_requests(h: &mut String, o: &Overview) {
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
