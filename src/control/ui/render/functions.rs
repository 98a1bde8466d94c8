//! The functions section: functions grouped by project and package, each a `<details>`
//! with its versions as a timeline and its aliases as weight bars. Its own file because
//! it is the largest section and the one that changes with the model (versions, aliases,
//! traffic splits); the page and the other sections stay in `render.rs`.

use std::fmt::Write as _;

use super::{bytes, esc, plural};
use crate::control::ui::{AliasSummary, FunctionSummary, OPEN_FUNCTIONS, Overview, VersionSummary};

/// The functions section (see the module doc).
pub(in crate::control::ui) fn render_functions(h: &mut String, o: &Overview) {
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
        open_groups(h, &mut current, f);
        render_function(h, f, open, o.max_versions);
    }
    h.push_str("</ul></div>\n</section>\n");
}

/// Closes the package (and project) before `f` if it is in another one, and opens its
/// own. `current` is the (project, package) being written; the functions arrive sorted by
/// both.
fn open_groups<'a>(
    h: &mut String,
    current: &mut (Option<&'a str>, Option<&'a str>),
    f: &'a FunctionSummary,
) {
    if current.0 != Some(&f.project) {
        if current.0.is_some() {
            h.push_str("</ul></div>\n");
        }
        let _ = writeln!(
            h,
            r#"<h3 class="project">Project <code>{}</code></h3>"#,
            esc(&f.project)
        );
        *current = (Some(&f.project), None);
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
}

/// One function: its summary line, its versions oldest first then latest, its aliases.
fn render_function(h: &mut String, f: &FunctionSummary, open: bool, max_versions: usize) {
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
        max = max_versions,
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

/// One entry of the timeline: a version, or latest.
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

/// One alias: its name and major version, a bar of the configured weights, its rules in
/// words, and the split observed in the journal.
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
    render_observed(h, a, major_share, weight);
    h.push_str("</li>\n");
}

/// The split the journal observed for alias `a`, each version beside its configured share.
/// Nothing until the journal records served versions.
fn render_observed(h: &mut String, a: &AliasSummary, major_share: i64, weight: i64) {
    if a.observed.is_empty() {
        return;
    }
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
