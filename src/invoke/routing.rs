//! Which version serves an invocation: latest, the named version, or where an alias sends
//! this request (its header rules first, else its weight, drawn from a seeded generator).

use serde_json::Value;

use super::*;
use crate::domain::{ProjectId, Qualifier, Urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::{FunctionRecord, FunctionState};
use crate::random::Rng;

impl Invoker {
    /// The version an invocation of `urn` runs: `latest`, the named version, or the one the
    /// alias routes this request to. `header` reads a request header (any case).
    pub fn resolve(
        &self,
        service: &Service,
        project_id: &ProjectId,
        urn: &Urn,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Target, ApiError> {
        let project = service.project(project_id);
        let key = service.resolve(&project, urn)?;
        let routing = &self.inner.routing;
        let picked = service
            .store()
            .with_function(&key, |f| -> Result<_, ApiError> {
                let (version, alias) = match urn.qualifier() {
                    Qualifier::Latest => ("latest".to_owned(), None),
                    Qualifier::Version(v) => (v.to_string(), None),
                    Qualifier::Alias(name) => {
                        let a = f
                            .aliases
                            .iter()
                            .find(|a| &a.name == name)
                            .ok_or_else(|| ApiError::new(ErrorCode::AliasNotFound))?;
                        let version = match &a.additional {
                            Some(extra) if goes_to_additional(extra, header, routing) => {
                                extra.version.to_string()
                            }
                            _ => a.version.clone(),
                        };
                        (version, Some(name.to_string()))
                    }
                };
                let state = state_of(f, &version).ok_or_else(ApiError::version_not_found)?;
                Ok((version, alias, state))
            })
            .ok_or_else(ApiError::function_not_found)??;
        let (version, alias, state) = picked;
        Ok(Target {
            key,
            project,
            version,
            alias,
            state,
        })
    }
}

/// The state of `latest` or a published version.
pub(super) fn state_of(f: &FunctionRecord, version: &str) -> Option<FunctionState> {
    if version == "latest" {
        Some(f.latest.clone())
    } else {
        f.version(version).map(|v| v.state.clone())
    }
}

/// Whether an alias sends this request to its additional version: by its header rules when
/// it has a strategy, else by weight.
pub(super) fn goes_to_additional(
    extra: &crate::model::AdditionalVersion,
    header: &dyn Fn(&str) -> Option<String>,
    rng: &Rng,
) -> bool {
    if let Some(strategy) = &extra.strategy {
        return rules_match(strategy, header);
    }
    match extra.weight {
        Some(w) if w > 0 => (rng.next_u64() % 100) < w as u64,
        _ => false,
    }
}

/// `{combine_type: and|or, rules: [{rule_type: Header, param, op: "="|"in", value}]}`
/// against the request headers. A missing header fails its rule; values are trimmed; `in`
/// takes a comma-separated list and skips empty items; no rules never match.
pub fn rules_match(strategy: &Value, header: &dyn Fn(&str) -> Option<String>) -> bool {
    let Some(rules) = strategy.get("rules").and_then(Value::as_array) else {
        return false;
    };
    if rules.is_empty() {
        return false;
    }
    let one = |rule: &Value| {
        let s = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
        if !s("rule_type").eq_ignore_ascii_case("header") {
            return false;
        }
        let Some(got) = header(s("param")) else {
            return false;
        };
        let got = got.trim();
        match s("op") {
            "=" => got == s("value").trim(),
            "in" => s("value")
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .any(|v| v == got),
            _ => false,
        }
    };
    let combine = strategy
        .get("combine_type")
        .and_then(Value::as_str)
        .unwrap_or("and");
    if combine.eq_ignore_ascii_case("or") {
        rules.iter().any(one)
    } else {
        rules.iter().all(one)
    }
}
