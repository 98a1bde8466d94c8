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
//!
//! `overview.rs` gathers the summary from the state and the journal; `render.rs` writes the
//! HTML; this file serves them and the assets.

mod overview;
mod render;

pub use overview::*;
pub use render::{LiveSections, render_live, render_page, strategy_in_words};

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app_state::AppState;
use crate::http::json;

const APP_JS: &str = include_str!("app.js");
const APP_CSS: &str = include_str!("app.css");

/// How many journal entries the requests table shows (newest first).
pub const RECENT_REQUESTS: usize = 100;
/// Functions are shown open (their timeline visible) when there are at most this many.
const OPEN_FUNCTIONS: usize = 20;
/// Digests are shown (and summarised) by their first hex characters.
const DIGEST_PREFIX: usize = 12;

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
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::render::*;
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
