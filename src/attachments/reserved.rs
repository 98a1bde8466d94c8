//! Reserved-instance policies, one per version (`latest` included) or alias of a function.
//!
//! A policy is what `PUT {urn}/reservedinstances` (UpdateFunctionReservedInstancesCount)
//! sets: how many instances to keep warm (`count`, listed as `min_count`), whether idle
//! mode is on, and scaling tactics (cron and metric rules). A `count` of 0 removes the
//! policy, which is how Terraform removes one. Publishing a version copies none (the
//! service's docs: "no triggers, mounting disks, or reserved instances are configured in a
//! new version"); deleting a version or alias drops its policy ([`ReservedPolicies::forget`]).
//!
//! Shapes: the official SDK's `UpdateFunctionReservedInstancesCountRequestBody`,
//! `TacticsConfig`, `CronConfig`, `MetricConfig` and `ReservedInstanceConfigs` models. The
//! ranges the sources leave open are ours and written down in `docs/CONVENTIONS.md`.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The body of `PUT {urn}/reservedinstances`, as it arrives: serde checks the JSON types
/// (naming the field), [`ReservedInput::parse`] checks presence and ranges.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReservedInput {
    /// Instances to keep warm, 0 to `limits.max_reserved_instances`; 0 removes the policy.
    pub count: Option<i64>,
    /// Whether idle mode is on (absent or `null`: off).
    pub idle_mode: Option<bool>,
    /// Scaling tactics (absent or `null`: none).
    pub tactics_config: Option<TacticsInput>,
}

/// `tactics_config` as it arrives.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct TacticsInput {
    /// Scheduled rules.
    pub cron_configs: Option<Vec<CronInput>>,
    /// Metric (utilisation) rules.
    pub metric_configs: Option<Vec<MetricInput>>,
}

/// One `cron_configs` entry as it arrives.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CronInput {
    /// Rule name, unique within the policy.
    pub name: Option<String>,
    /// Cron expression with seconds, e.g. `0 */10 * * * ?`.
    pub cron: Option<String>,
    /// Instances to keep while the rule is in force.
    pub count: Option<i64>,
    /// Start, epoch seconds.
    pub start_time: Option<i64>,
    /// Expiry, epoch seconds, after `start_time`.
    pub expired_time: Option<i64>,
}

/// One `metric_configs` entry as it arrives.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct MetricInput {
    /// Rule name, unique within the policy.
    pub name: Option<String>,
    /// `Concurrency` (reserved-instance utilisation), the only type the service has.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Utilisation threshold in percent, 1 to 100.
    pub threshold: Option<i64>,
    /// Fewest instances, 0 or more.
    pub min: Option<i64>,
}

/// Whether a policy belongs to a version or an alias (`qualifier_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QualifierType {
    /// `latest` or a published version.
    Version,
    /// An alias.
    Alias,
}

impl QualifierType {
    /// The wire word: `version` or `alias`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Version => "version",
            Self::Alias => "alias",
        }
    }
}

/// One reserved-instance policy. The serde form is the state document's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservedPolicy {
    /// Version or alias.
    pub qualifier_type: QualifierType,
    /// The version's name (`latest` included) or the alias's name.
    pub qualifier_name: String,
    /// Instances kept warm, at least 1 (a policy with 0 does not exist).
    pub min_count: u32,
    /// Whether idle mode is on.
    pub idle_mode: bool,
    /// Scaling tactics.
    #[serde(default, skip_serializing_if = "TacticsConfig::is_empty")]
    pub tactics_config: TacticsConfig,
}

/// Scaling tactics of a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TacticsConfig {
    /// Scheduled rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cron_configs: Vec<CronConfig>,
    /// Metric rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_configs: Vec<MetricConfig>,
}

impl TacticsConfig {
    /// Whether there are no rules (the wire form is then `null`).
    pub fn is_empty(&self) -> bool {
        self.cron_configs.is_empty() && self.metric_configs.is_empty()
    }
}

/// A scheduled rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CronConfig {
    /// Rule name.
    pub name: String,
    /// Cron expression.
    pub cron: String,
    /// Instances while in force.
    pub count: u32,
    /// Start, epoch seconds.
    pub start_time: i64,
    /// Expiry, epoch seconds.
    pub expired_time: i64,
}

/// A metric rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricConfig {
    /// Rule name.
    pub name: String,
    /// Always `Concurrency`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Threshold in percent.
    pub threshold: u32,
    /// Fewest instances.
    pub min: u32,
}

/// The longest rule name we take (the sources give none; the service's other names stop
/// at 64).
const MAX_RULE_NAME: usize = 64;
/// The longest cron expression we take.
const MAX_CRON: usize = 256;
/// The metric type the service documents (an enumeration of one).
const METRIC_TYPE: &str = "Concurrency";

/// What a valid `PUT .../reservedinstances` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChange {
    /// Instances to keep warm; 0 removes the policy.
    pub count: u32,
    /// Idle mode.
    pub idle_mode: bool,
    /// Tactics.
    pub tactics_config: TacticsConfig,
}

fn field(name: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_field(name, why)
}

/// A whole number in `range`, or 400 naming the field.
fn ranged(
    name: &str,
    v: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    let v = v.ok_or_else(|| field(name, "is required"))?;
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(field(
            name,
            format_args!("must be from {} to {}, got {v}", range.start(), range.end()),
        ))
    }
}

fn as_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A rule name: present, 1 to 64 characters, not used by an earlier rule of the same list.
fn rule_name(at: &str, name: Option<String>, seen: &mut Vec<String>) -> Result<String, ApiError> {
    let name = name.ok_or_else(|| field(&format!("{at}.name"), "is required"))?;
    if name.trim().is_empty() || name.chars().count() > MAX_RULE_NAME {
        return Err(field(
            &format!("{at}.name"),
            format_args!("must be 1 to {MAX_RULE_NAME} characters"),
        ));
    }
    if seen.contains(&name) {
        return Err(field(
            &format!("{at}.name"),
            format_args!("'{name}' is used by another rule of this policy"),
        ));
    }
    seen.push(name.clone());
    Ok(name)
}

/// A cron expression as the service's examples write them (`0 */10 * * * ?`, `0 1 * * * *`):
/// six or seven fields (seconds first, an optional year last) of digits, letters and
/// `* / , - ? # L W`.
fn check_cron(at: &str, cron: Option<String>) -> Result<String, ApiError> {
    let cron = cron.ok_or_else(|| field(&format!("{at}.cron"), "is required"))?;
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let well_formed = cron.len() <= MAX_CRON
        && (6..=7).contains(&fields.len())
        && fields.iter().all(|f| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "*/,-?#".contains(c))
        });
    if well_formed {
        Ok(cron)
    } else {
        Err(field(
            &format!("{at}.cron"),
            "must be a cron expression of 6 or 7 fields with seconds first, like '0 */10 * * * ?'",
        ))
    }
}

impl ReservedInput {
    /// Checks presence and ranges: `count` required, 0 or more (the caller holds it to the
    /// project's quota `max`); every cron rule complete, its `count` 0 to `max`,
    /// `expired_time` after `start_time`; every metric rule of type `Concurrency`, threshold
    /// 1 to 100, `min` 0 to `max`; rule names unique per list.
    pub fn parse(self, max: u32) -> Result<PolicyChange, ApiError> {
        let max = i64::from(max);
        // Over the quota is the quota's error (FSS.1076, checked by the caller against the
        // project's total), not a malformed count.
        let count = as_u32(ranged("count", self.count, 0..=i64::from(u32::MAX))?);
        let tactics = self.tactics_config.unwrap_or_default();
        let mut cron_configs = Vec::new();
        let mut names = Vec::new();
        for (i, c) in tactics
            .cron_configs
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let at = format!("tactics_config.cron_configs[{i}]");
            let name = rule_name(&at, c.name, &mut names)?;
            let cron = check_cron(&at, c.cron)?;
            let rule_count = as_u32(ranged(&format!("{at}.count"), c.count, 0..=max)?);
            let start_time = ranged(&format!("{at}.start_time"), c.start_time, 0..=i64::MAX)?;
            let expired_time = ranged(&format!("{at}.expired_time"), c.expired_time, 0..=i64::MAX)?;
            if expired_time <= start_time {
                return Err(field(
                    &format!("{at}.expired_time"),
                    format_args!("must be after start_time ({start_time}), got {expired_time}"),
                ));
            }
            cron_configs.push(CronConfig {
                name,
                cron,
                count: rule_count,
                start_time,
                expired_time,
            });
        }
        let mut metric_configs = Vec::new();
        let mut names = Vec::new();
        for (i, m) in tactics
            .metric_configs
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let at = format!("tactics_config.metric_configs[{i}]");
            let name = rule_name(&at, m.name, &mut names)?;
            let kind = m
                .kind
                .ok_or_else(|| field(&format!("{at}.type"), "is required"))?;
            if kind != METRIC_TYPE {
                return Err(field(
                    &format!("{at}.type"),
                    format_args!("must be '{METRIC_TYPE}'"),
                ));
            }
            let threshold = as_u32(ranged(&format!("{at}.threshold"), m.threshold, 1..=100)?);
            let min = as_u32(ranged(&format!("{at}.min"), m.min, 0..=max)?);
            metric_configs.push(MetricConfig {
                name,
                kind,
                threshold,
                min,
            });
        }
        Ok(PolicyChange {
            count,
            idle_mode: self.idle_mode.unwrap_or(false),
            tactics_config: TacticsConfig {
                cron_configs,
                metric_configs,
            },
        })
    }
}

/// Reserved-instance policies of one function, in the order they were first set. The serde
/// form is the state document's: a list of [`ReservedPolicy`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReservedPolicies(Vec<ReservedPolicy>);

impl ReservedPolicies {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The policies, in the order they were first set.
    pub fn iter(&self) -> impl Iterator<Item = &ReservedPolicy> {
        self.0.iter()
    }

    /// Instances all policies keep warm together.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|p| u64::from(p.min_count)).sum()
    }

    /// The policy of this version or alias.
    pub fn get(&self, kind: QualifierType, name: &str) -> Option<&ReservedPolicy> {
        self.0
            .iter()
            .find(|p| p.qualifier_type == kind && p.qualifier_name == name)
    }

    /// Sets (count above 0) or removes (count 0) the policy of a version or alias; a policy
    /// set again keeps its place in the list.
    pub fn apply(&mut self, kind: QualifierType, name: &str, change: PolicyChange) {
        let at = self
            .0
            .iter()
            .position(|p| p.qualifier_type == kind && p.qualifier_name == name);
        match (at, change.count) {
            (Some(i), 0) => {
                self.0.remove(i);
            }
            (None, 0) => {}
            (at, count) => {
                let policy = ReservedPolicy {
                    qualifier_type: kind,
                    qualifier_name: name.to_owned(),
                    min_count: count,
                    idle_mode: change.idle_mode,
                    tactics_config: change.tactics_config,
                };
                match at {
                    Some(i) => self.0[i] = policy,
                    None => self.0.push(policy),
                }
            }
        }
    }

    /// Drops the policy of a deleted version or alias ("deleting the alias will also delete
    /// the corresponding reserved instance", Terraform's provider). A version and an alias
    /// may share a name (`v1` can be both), so the kind says which one went.
    pub fn forget(&mut self, kind: QualifierType, name: &str) {
        self.0
            .retain(|p| !(p.qualifier_type == kind && p.qualifier_name == name));
    }

    /// Checks a state document's policies against the function's qualifiers: each names an
    /// existing version (`latest` included) or alias of its type, at most once, with a
    /// count of at least 1 and tactics as [`ReservedInput::parse`] would accept them.
    pub fn check(&self, qualifiers: &super::Qualifiers<'_>) -> Result<(), String> {
        for (i, p) in self.0.iter().enumerate() {
            let at = format!("reserved[{i}]");
            let exists = match p.qualifier_type {
                QualifierType::Version => qualifiers.is_version(&p.qualifier_name),
                QualifierType::Alias => qualifiers.is_alias(&p.qualifier_name),
            };
            if !exists {
                return Err(format!(
                    "{at}: the function has no {} '{}'",
                    p.qualifier_type.as_str(),
                    p.qualifier_name
                ));
            }
            if self.0[..i].iter().any(|q| {
                q.qualifier_type == p.qualifier_type && q.qualifier_name == p.qualifier_name
            }) {
                return Err(format!(
                    "{at}: {} '{}' has two policies",
                    p.qualifier_type.as_str(),
                    p.qualifier_name
                ));
            }
            if p.min_count == 0 {
                return Err(format!("{at}: min_count must be at least 1"));
            }
            // The same rules as a request, with no quota (a document may hold more than
            // this emulator's limit; the limit applies to changes).
            let input = ReservedInput {
                count: Some(i64::from(p.min_count)),
                idle_mode: Some(p.idle_mode),
                tactics_config: Some(TacticsInput {
                    cron_configs: Some(
                        p.tactics_config
                            .cron_configs
                            .iter()
                            .map(|c| CronInput {
                                name: Some(c.name.clone()),
                                cron: Some(c.cron.clone()),
                                count: Some(i64::from(c.count)),
                                start_time: Some(c.start_time),
                                expired_time: Some(c.expired_time),
                            })
                            .collect(),
                    ),
                    metric_configs: Some(
                        p.tactics_config
                            .metric_configs
                            .iter()
                            .map(|m| MetricInput {
                                name: Some(m.name.clone()),
                                kind: Some(m.kind.clone()),
                                threshold: Some(i64::from(m.threshold)),
                                min: Some(i64::from(m.min)),
                            })
                            .collect(),
                    ),
                }),
            };
            input
                .parse(u32::MAX)
                .map_err(|e| format!("{at}: {}", e.message()))?;
        }
        Ok(())
    }
}
