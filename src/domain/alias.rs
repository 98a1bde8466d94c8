//! The routing rules of an alias's additional version, checked the same way wherever they
//! come from (an API body, a state document).

use serde_json::Value;

/// Checks one version's `additional_version_strategy`:
/// `{combine_type: and|or, rules: [{rule_type: Header, param, op: =|in, value}, ...]}`.
/// The error says which part is wrong.
pub fn check_strategy(s: &Value) -> Result<(), String> {
    let obj = s
        .as_object()
        .ok_or("each version's strategy must be an object")?;
    match obj.get("combine_type").and_then(Value::as_str) {
        Some("and" | "or") => {}
        _ => return Err("combine_type must be \"and\" or \"or\"".to_owned()),
    }
    let rules = obj
        .get("rules")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or("rules must be a non-empty list")?;
    for (i, rule) in rules.iter().enumerate() {
        let field = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
        if !field("rule_type").eq_ignore_ascii_case("header") {
            return Err(format!("rules[{i}].rule_type must be \"Header\""));
        }
        if field("param").is_empty() {
            return Err(format!("rules[{i}].param must be a non-empty string"));
        }
        if !matches!(field("op"), "=" | "in") {
            return Err(format!("rules[{i}].op must be \"=\" or \"in\""));
        }
        if field("value").is_empty() {
            return Err(format!("rules[{i}].value must be a non-empty string"));
        }
    }
    Ok(())
}
