//! Fault injection (`GET|POST|DELETE /_emulator/faults`): rules that make matching
//! FunctionGraph requests fail the way real clients must survive.
//!
//! A rule matches on any of: operation name, method, path pattern (`*` matches any run of
//! characters; matched against the raw path), project id. Its action is one of:
//! - `error`: answer `status` with `error_code` and `error_msg` in the usual envelope;
//! - `delay`: wait `delay_ms`, then handle the request normally;
//! - `drop`: close the connection without an answer;
//! - `panic`: panic in the handler stack (answered 500 FSS.0500 by the panic layer).
//!
//! It fires for the next `times` matches, or on each match with `probability`, drawn from
//! its own generator seeded by `seed` so a run is reproducible. The listing shows how often
//! each rule fired. The lock is released before any delay (nothing waits while holding it).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::random::Rng;

/// What a rule does when it fires.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Answer with this status and FSS code.
    Error {
        /// HTTP status, 400-599.
        status: u16,
        /// `error_code` of the envelope.
        error_code: String,
        /// `error_msg` of the envelope.
        #[serde(default = "default_fault_message")]
        error_msg: String,
    },
    /// Wait, then answer normally.
    Delay {
        /// Milliseconds, at most 60 000.
        delay_ms: u64,
    },
    /// Close the connection without answering.
    Drop,
    /// Panic in the handler stack: the client gets 500 FSS.0500 and the server keeps
    /// serving (the only way a 500 is ever produced).
    Panic,
}

fn default_fault_message() -> String {
    "Injected fault.".into()
}

/// A rule as clients send it (`POST /_emulator/faults`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Operation name, e.g. `CreateFunctionVersion`.
    pub operation: Option<String>,
    /// Method, any case.
    pub method: Option<String>,
    /// Path pattern with `*` wildcards, e.g. `/v2/*/fgs/functions/*/versions`.
    pub path: Option<String>,
    /// Project id.
    pub project: Option<String>,
    /// What to do.
    pub action: Action,
    /// Fire for the next N matches, then stop.
    pub times: Option<u64>,
    /// Fire on each match with this probability (0-1).
    pub probability: Option<f64>,
    /// Seed of the probability draws (default 0).
    pub seed: Option<u64>,
}

/// A rule as listed.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    /// Its id, for `DELETE /_emulator/faults/{id}`.
    pub id: u64,
    /// Operation matched, if any.
    pub operation: Option<String>,
    /// Method matched, if any.
    pub method: Option<String>,
    /// Path pattern matched, if any.
    pub path: Option<String>,
    /// Project matched, if any.
    pub project: Option<String>,
    /// The action.
    pub action: Action,
    /// Matches left before it stops (`null`: unlimited).
    pub remaining: Option<u64>,
    /// Probability of firing per match (`null`: always).
    pub probability: Option<f64>,
    /// How many times it fired.
    pub fired: u64,
}

struct Rule {
    view: RuleView,
    rng: Rng,
}

/// What a request looks like to the rules.
pub struct Probe<'a> {
    /// Operation name, if the route is known.
    pub operation: Option<&'a str>,
    /// Method.
    pub method: &'a str,
    /// Raw path.
    pub path: &'a str,
    /// Project id from the path, if any.
    pub project: Option<&'a str>,
}

/// The rule set.
#[derive(Default)]
pub struct Faults {
    // A std Mutex: matching is a few comparisons; delays happen after it is released.
    rules: Mutex<(u64, Vec<Rule>)>,
    /// How many rules there are, written under the lock: with none (the usual case) a
    /// request checks this and never touches the shared lock.
    count: AtomicUsize,
}

/// `*` matches any run of characters (including none); everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Rule>)> {
        // Rules are replaced whole; a poisoned lock still holds a consistent list.
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a rule after checking it; returns it as listed.
    pub fn add(&self, spec: RuleSpec) -> Result<RuleView, String> {
        match &spec.action {
            Action::Error {
                status, error_code, ..
            } => {
                if !(400..=599).contains(status) {
                    return Err("action.status must be between 400 and 599".into());
                }
                if error_code.is_empty() {
                    return Err("action.error_code must not be empty".into());
                }
            }
            Action::Delay { delay_ms } if *delay_ms > 60_000 => {
                return Err("action.delay_ms must be at most 60000".into());
            }
            _ => {}
        }
        if let Some(p) = spec.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err("probability must be between 0 and 1".into());
        }
        if spec.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        let mut rules = self.lock();
        rules.0 += 1;
        let view = RuleView {
            id: rules.0,
            operation: spec.operation,
            method: spec.method,
            path: spec.path,
            project: spec.project,
            action: spec.action,
            remaining: spec.times,
            probability: spec.probability,
            fired: 0,
        };
        rules.1.push(Rule {
            view: view.clone(),
            rng: Rng::seeded(spec.seed.unwrap_or(0)),
        });
        self.count.store(rules.1.len(), Ordering::SeqCst);
        Ok(view)
    }

    /// Every rule, in the order added.
    pub fn list(&self) -> Vec<RuleView> {
        self.lock().1.iter().map(|r| r.view.clone()).collect()
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.1.clear();
        self.count.store(0, Ordering::SeqCst);
    }

    /// Whether there is no rule (then no request needs [`Faults::check`]).
    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::SeqCst) == 0
    }

    /// Removes one rule; false if there was none with that id.
    pub fn remove(&self, id: u64) -> bool {
        let mut rules = self.lock();
        let before = rules.1.len();
        rules.1.retain(|r| r.view.id != id);
        self.count.store(rules.1.len(), Ordering::SeqCst);
        rules.1.len() != before
    }

    /// The action of the first rule that matches and fires, if any (counting it).
    pub fn check(&self, probe: &Probe<'_>) -> Option<Action> {
        if self.is_empty() {
            return None;
        }
        let mut rules = self.lock();
        if rules.1.is_empty() {
            return None;
        }
        for rule in rules.1.iter_mut() {
            let v = &rule.view;
            let matches = v
                .operation
                .as_deref()
                .is_none_or(|o| probe.operation == Some(o))
                && v.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(probe.method))
                && v.path.as_deref().is_none_or(|p| glob(p, probe.path))
                && v.project
                    .as_deref()
                    .is_none_or(|p| probe.project == Some(p))
                && v.remaining != Some(0);
            if !matches {
                continue;
            }
            if let Some(p) = v.probability {
                // 53 random bits as a uniform draw in [0, 1).
                let draw = (rule.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                if draw >= p {
                    continue;
                }
            }
            let v = &mut rule.view;
            v.fired += 1;
            if let Some(n) = v.remaining.as_mut() {
                *n -= 1;
            }
            return Some(v.action.clone());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> RuleSpec {
        serde_json::from_value(json).unwrap()
    }

    fn probe(path: &str) -> Probe<'_> {
        Probe {
            operation: Some("CreateFunctionVersion"),
            method: "POST",
            path,
            project: Some("p1"),
        }
    }

    #[test]
    fn globs() {
        assert!(glob(
            "/v2/*/fgs/functions/*/versions",
            "/v2/p/fgs/functions/hello/versions"
        ));
        assert!(glob("*versions", "/a/versions"));
        assert!(glob("*", ""));
        assert!(!glob("/v2/*/x", "/v2/p/y"));
        assert!(glob("/exact", "/exact"));
        assert!(!glob("a*b*c", "acb"));
    }

    #[test]
    fn times_and_counts() {
        let f = Faults::default();
        f.add(spec(serde_json::json!({
            "operation": "CreateFunctionVersion",
            "action": {"type": "error", "status": 503, "error_code": "FSS.0503"},
            "times": 2
        })))
        .unwrap();
        assert!(f.check(&probe("/x")).is_some());
        assert!(f.check(&probe("/x")).is_some());
        assert!(f.check(&probe("/x")).is_none());
        assert_eq!(f.list()[0].fired, 2);
        assert_eq!(f.list()[0].remaining, Some(0));
    }

    #[test]
    fn probability_is_reproducible_under_a_seed() {
        let run = || {
            let f = Faults::default();
            f.add(spec(serde_json::json!({
                "action": {"type": "drop"}, "probability": 0.5, "seed": 7
            })))
            .unwrap();
            (0..64)
                .map(|_| f.check(&probe("/x")).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let fired = a.iter().filter(|x| **x).count();
        assert!((16..=48).contains(&fired), "{fired}");
    }

    #[test]
    fn bad_rules_are_refused() {
        let f = Faults::default();
        for bad in [
            serde_json::json!({"action": {"type": "error", "status": 200, "error_code": "X"}}),
            serde_json::json!({"action": {"type": "delay", "delay_ms": 100000}}),
            serde_json::json!({"action": {"type": "drop"}, "probability": 2.0}),
            serde_json::json!({"action": {"type": "drop"}, "times": 0}),
        ] {
            assert!(f.add(spec(bad)).is_err());
        }
    }
}
