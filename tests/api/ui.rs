//! The dashboard (issue 15): `GET /_emulator/ui` renders the state without JavaScript,
//! `GET /_emulator/ui/live` and `GET /_emulator/overview` follow it, and with
//! `control.token` set the page shell is open but carries no state. The browser suite
//! (`scripts/test-suites/ui.sh`) drives the page itself.

use serde_json::json;

use crate::helpers::*;

impl TestApp {
    async fn get_ui(&self, path: &str, headers: &[(&str, &str)], status: u16) -> Answer {
        let a = self
            .raw("GET", &format!("/_emulator{path}"), headers, "")
            .await;
        assert_eq!(a.status, status, "GET /_emulator{path}: {}", a.text);
        assert!(a.request_id.is_some(), "X-Request-Id on every response");
        a
    }
}

/// Publishes v1 and v2 of `hello` and points `prod` at v1 with 25% to v2 and a header rule.
async fn canary(app: &TestApp) {
    app.create_function("hello", "print('a')", 200).await;
    app.publish(
        "hello",
        Some(json!({"version": "v1", "description": "first <b>cut</b>"})),
        200,
    )
    .await;
    app.update_code("hello", "print('b')", 200).await;
    app.publish("hello", Some(json!({"version": "v2"})), 200)
        .await;
    app.create_alias(
        "hello",
        json!({"name": "prod", "version": "v1",
               "additional_version_weights": {"v2": 25},
               "additional_version_strategy": {"v2": {"combine_type": "and", "rules": [
                   {"rule_type": "Header", "param": "x-canary", "op": "=", "value": "yes"}]}}}),
        200,
    )
    .await;
}

#[tokio::test]
async fn the_page_shows_versions_aliases_faults_and_requests_without_javascript() {
    let app = TestApp::spawn().await;
    canary(&app).await;
    app.call(
        "POST",
        "/_emulator/faults",
        Some(json!({"operation": "CreateFunctionVersion", "times": 2,
                    "action": {"type": "error", "status": 503, "error_code": "FSS.0503"}})),
    )
    .await;
    app.call(
        "PUT",
        "/_emulator/clock",
        Some(json!({"advance_seconds": 1})),
    )
    .await;

    let a = app.get_ui("/ui", &[], 200).await;
    assert_eq!(a.content_type.as_deref(), Some("text/html; charset=utf-8"));
    let page = &a.text;
    for expected in [
        "<html lang=\"en\">",
        "Project <code>0123456789abcdef0123456789abcdef</code>",
        "Package <code>default</code>",
        "<strong>hello</strong>",
        "2 of 10 versions",
        // The timeline: publish time (the frozen clock, +08:00), description escaped,
        // digest prefix of sha512("print('a')"), size.
        "<strong class=\"vname\">v1</strong> <time>2026-11-28T19:30:15+08:00</time> <span class=\"desc\">first &lt;b&gt;cut&lt;/b&gt;</span>",
        &format!(
            "<code title=\"SHA-512 prefix\">{}</code>",
            &sha512_hex(b"print('a')")[..12]
        ),
        "10 B",
        "working copy",
        // The alias: bars with weights, rule in words.
        "aria-label=\"prod routes 75% to v1 and 25% to v2\"",
        "style=\"width:25%\">v2 25%",
        "Requests where header x-canary = yes go to v2",
        // The fault rule and the clock.
        "operation <code>CreateFunctionVersion</code>",
        "answer 503 FSS.0503",
        "frozen</strong> at <time>2026-11-28T19:30:16+08:00</time>",
        // The journal: newest first, URN decoded.
        "<td>CreateVersionAlias</td><td>POST</td><td class=\"urn\">hello</td><td class=\"ok\">200</td>",
        "<td>CreateFunction</td><td>POST</td><td class=\"urn\">/functions</td>",
        "<time datetime=\"2026-11-28T19:30:15+08:00\" title=\"2026-11-28T19:30:15+08:00\">19:30:15</time>",
    ] {
        assert!(page.contains(expected), "missing {expected}\n{page}");
    }
    assert!(!page.contains("<b>cut"), "descriptions are escaped");
    assert!(!page.contains("token-form"), "no token, no token form");
    // Assets come from the binary; the page loads nothing from elsewhere.
    assert!(!page.contains("http://") && !page.contains("https://"));
    let csp = app
        .client
        .get(format!("{}/_emulator/ui", app.emulator.base_url()))
        .send()
        .await
        .unwrap();
    let csp = csp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
}

#[tokio::test]
async fn assets_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let js = app.get_ui("/ui/app.js", &[], 200).await;
    assert_eq!(
        js.content_type.as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.text.contains("/ui/live"));
    let css = app.get_ui("/ui/app.css", &[], 200).await;
    assert_eq!(css.content_type.as_deref(), Some("text/css; charset=utf-8"));
    for asset in [&js.text, &css.text] {
        assert!(!asset.contains("http://") && !asset.contains("https://"));
    }
    app.get_ui("/ui/", &[], 200).await;
    app.get_ui("/ui/nothing", &[], 404)
        .await
        .assert_error(404, "FSS.0404");
}

#[tokio::test]
async fn live_sections_and_the_overview_follow_the_state() {
    let app = TestApp::spawn().await;
    // The sections by id, each a whole <section>, without the page around them, and a
    // digest of each, the same the page was served with.
    let page = app.get_ui("/ui", &[], 200).await;
    let empty = app.get_ui("/ui/live", &[], 200).await;
    assert_eq!(empty.content_type.as_deref(), Some("application/json"));
    let ids: Vec<&String> = empty.body["sections"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["faults", "functions", "requests", "status"]);
    let digest = empty.body["digests"]["functions"].as_str().unwrap();
    assert!(
        page.text
            .contains(&format!("&quot;functions&quot;:&quot;{digest}&quot;")),
        "the page carries the digests: {}",
        page.text
    );
    for (id, html) in empty.body["sections"].as_object().unwrap() {
        let html = html.as_str().unwrap();
        assert!(html.starts_with(&format!("<section id=\"{id}\" data-live")));
        assert!(!html.contains("<html"), "sections only");
    }
    let functions = |a: &Answer| a.body["sections"]["functions"].as_str().unwrap().to_owned();
    assert!(functions(&empty).contains("No function yet."));
    assert!(
        empty.body["sections"]["requests"]
            .as_str()
            .unwrap()
            .contains("The journal is empty.")
    );

    canary(&app).await;
    let live = app.get_ui("/ui/live", &[], 200).await;
    assert!(functions(&live).contains("2 of 10 versions"));
    assert_ne!(
        live.body["digests"]["functions"],
        empty.body["digests"]["functions"]
    );

    let o = app.get_ui("/overview", &[], 200).await;
    assert_eq!(o.content_type.as_deref(), Some("application/json"));
    let f = &o.body["functions"][0];
    assert_eq!(f["name"], "hello");
    assert_eq!(f["package"], "default");
    assert_eq!(o.body["max_versions"], 10);
    assert_eq!(f["versions"][0]["name"], "v1");
    assert_eq!(f["versions"][1]["name"], "v2");
    assert_eq!(f["latest"]["code_size"], 10);
    assert_eq!(
        f["versions"][0]["digest_prefix"],
        &sha512_hex(b"print('a')")[..12]
    );
    let alias = &f["aliases"][0];
    assert_eq!(alias["additional_version"], "v2");
    assert_eq!(alias["additional_weight"], 25);
    assert_eq!(alias["strategy_words"], "header x-canary = yes");
    assert_eq!(alias["observed"], json!({}), "nothing invoked yet");
    assert_eq!(o.body["clock"]["mode"], "frozen");
    assert_eq!(o.body["requests"][0]["operation"], "CreateVersionAlias");
    assert_eq!(o.body["journal_entries"], 5);
    // No code in the summary.
    assert!(!o.text.contains(&b64("print('a')")));

    app.call("POST", "/_emulator/reset", None).await;
    app.call("DELETE", "/_emulator/requests", None).await;
    let o = app.get_ui("/overview", &[], 200).await;
    assert_eq!(o.body["functions"], json!([]));
    assert_eq!(o.body["requests"], json!([]));
}

#[tokio::test]
async fn with_a_token_the_shell_is_open_and_the_state_is_guarded() {
    let mut config = base_config();
    config.control.token = Some("s3cret".into());
    let app = TestApp::spawn_with(config).await;
    canary(&app).await;

    let shell = app.get_ui("/ui", &[], 200).await;
    assert!(shell.text.contains("id=\"token-form\""));
    assert!(
        shell
            .text
            .contains("<label for=\"token\">Control token</label>")
    );
    assert!(!shell.text.contains("hello"), "no state without the token");
    app.get_ui("/ui/app.js", &[], 200).await;

    for path in ["/ui/live", "/overview"] {
        app.get_ui(path, &[], 401)
            .await
            .assert_error(401, "FSS.0401");
        app.get_ui(path, &[("Authorization", "Bearer wrong")], 401)
            .await
            .assert_error(401, "FSS.0401");
        let ok = app
            .get_ui(path, &[("Authorization", "Bearer s3cret")], 200)
            .await;
        assert!(ok.text.contains("hello"));
    }
}
