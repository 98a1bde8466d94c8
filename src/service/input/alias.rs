//! The CreateVersionAlias and UpdateVersionAlias body.

use serde::Deserialize;
use serde_json::Value;

use super::{err, parse_description, required};
use crate::domain::{Description, VersionName};
use crate::error::{ApiError, ErrorCode};

/// The body of `POST .../aliases` (CreateVersionAlias) and `PUT .../aliases/{name}`
/// (UpdateVersionAlias). Weights and strategy are read as raw JSON so that a bad weight
/// gets its own code (FSS.1092) rather than a generic type error.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct AliasBody {
    /// The name.
    pub name: Option<String>,
    /// The version name.
    pub version: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// `{version: weight}`: at most one additional version, weight an integer 0-100.
    #[schema(value_type = Option<HashMap<String, i64>>)]
    pub additional_version_weights: Option<Value>,
    /// `{version: {combine_type, rules: [{rule_type, param, op, value}]}}`.
    #[schema(value_type = Option<Object>)]
    pub additional_version_strategy: Option<Value>,
}

/// A validated alias body (the parts that need no state; existence is checked under the
/// function's lock).
#[derive(Debug, Clone)]
pub struct AliasInput {
    /// The major version: `latest` or a version name.
    pub version: String,
    /// The description.
    pub description: Description,
    /// The additional version, if any.
    pub additional: Option<crate::model::AdditionalVersion>,
}

impl AliasBody {
    /// The alias name of a create body (400 FSS.1014 if missing or invalid).
    pub fn parse_name(&self) -> Result<crate::domain::AliasName, ApiError> {
        let name = required("name", self.name.as_deref(), ErrorCode::InvalidAlias)?;
        crate::domain::AliasName::parse(name)
            .map_err(|e| err(ErrorCode::InvalidAlias, format!("{e}")))
    }

    /// Applies the alias rules that need no state: the major version's shape (400
    /// FSS.1015), the description (FSS.1019), and the additional version: at most one
    /// (FSS.1091), not `latest` (FSS.1091), not the major version (FSS.1093), a weight that
    /// is an integer 0-100 (FSS.1092), well-formed strategy rules (FSS.0400).
    pub fn parse(self) -> Result<AliasInput, ApiError> {
        let version = required(
            "version",
            self.version.as_deref(),
            ErrorCode::InvalidVersion,
        )?;
        if version != "latest" {
            VersionName::parse(version)
                .map_err(|e| err(ErrorCode::InvalidVersion, format!("{e}")))?;
        }
        let description = parse_description(self.description.as_deref())?;
        let weight = single_entry(
            "additional_version_weights",
            self.additional_version_weights,
        )?;
        let strategy = single_entry(
            "additional_version_strategy",
            self.additional_version_strategy,
        )?;
        let additional = match additional_name(&weight, &strategy)? {
            None => None,
            Some(name) => Some(parse_additional(name, version, weight, strategy)?),
        };
        Ok(AliasInput {
            version: version.to_owned(),
            description,
            additional,
        })
    }
}

/// The one additional version that the weights and the strategy name (FSS.1091 if they
/// name two different ones).
fn additional_name(
    weight: &Option<(String, Value)>,
    strategy: &Option<(String, Value)>,
) -> Result<Option<String>, ApiError> {
    match (weight, strategy) {
        (Some((a, _)), Some((b, _))) if a != b => Err(err(
            ErrorCode::InvalidAdditionalVersion,
            format!(
                "an alias has one additional version, but weights name '{a}' and the strategy '{b}'"
            ),
        )),
        (Some((a, _)), _) | (None, Some((a, _))) => Ok(Some(a.clone())),
        (None, None) => Ok(None),
    }
}

/// The additional version `name`: not `latest` (FSS.1091), not the major `version`
/// (FSS.1093), a version name, its weight an integer 0-100 (FSS.1092), its strategy
/// well-formed (FSS.0400), checked in that order.
fn parse_additional(
    name: String,
    version: &str,
    weight: Option<(String, Value)>,
    strategy: Option<(String, Value)>,
) -> Result<crate::model::AdditionalVersion, ApiError> {
    if name == "latest" {
        return Err(err(
            ErrorCode::InvalidAdditionalVersion,
            "latest cannot be an additional version",
        ));
    }
    if name == version {
        return Err(ApiError::new(ErrorCode::SameMajorAndAdditional));
    }
    let parsed = VersionName::parse(&name)
        .map_err(|e| err(ErrorCode::InvalidAdditionalVersion, format!("{e}")))?;
    let weight = match weight {
        None => None,
        Some((_, w)) => Some(parse_weight(&w)?),
    };
    let strategy = match strategy {
        None => None,
        Some((_, s)) => Some(validate_strategy(s)?),
    };
    Ok(crate::model::AdditionalVersion {
        version: parsed,
        weight,
        strategy,
    })
}

/// A weight: an integer from 0 to 100 (FSS.1092).
fn parse_weight(w: &Value) -> Result<i64, ApiError> {
    w.as_i64().filter(|w| (0..=100).contains(w)).ok_or_else(|| {
        err(
            ErrorCode::InvalidWeight,
            format!("{w} is not an integer from 0 to 100"),
        )
    })
}

/// A `{version: value}` map with at most one entry; `null` and `{}` mean none.
fn single_entry(field: &str, v: Option<Value>) -> Result<Option<(String, Value)>, ApiError> {
    let code = if field == "additional_version_weights" {
        ErrorCode::InvalidWeight
    } else {
        ErrorCode::InvalidAdditionalVersion
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            if map.len() > 1 {
                return Err(err(
                    ErrorCode::InvalidAdditionalVersion,
                    format!(
                        "{field} names {} versions; an alias has at most one additional version",
                        map.len()
                    ),
                ));
            }
            Ok(map.into_iter().next())
        }
        Some(_) => Err(err(
            code,
            format!("{field} must be an object of version to value"),
        )),
    }
}

/// `{"combine_type": "and"|"or", "rules": [{"rule_type": "Header", "param": ..., "op": "="|"in", "value": ...}]}`.
fn validate_strategy(s: Value) -> Result<Value, ApiError> {
    crate::domain::alias::check_strategy(&s)
        .map_err(|why| ApiError::invalid_field("additional_version_strategy", why))?;
    Ok(s)
}
