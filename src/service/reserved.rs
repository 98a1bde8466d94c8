//! Reserved instances: UpdateFunctionReservedInstancesCount, ListReservedInstanceConfigs
//! and ListFunctionReservedInstances. The policies live in each function's attachments
//! ([`crate::attachments::reserved`]); this file holds the rules that need the store: which
//! URN a policy belongs to, the project-wide quota, filtering and paging.
//!
//! A policy belongs to `latest`, a published version or an alias: Terraform's provider sets
//! one on `…:latest` (its acceptance tests use `qualifier_name = "latest"`), so `latest` is
//! a version here, and an unqualified URN means `latest` as everywhere else (SPEC 4).
//! Listing with a function's `latest` or unqualified URN answers the policies of every
//! version and alias of that function: the provider reads the policies of all qualifiers
//! that way after every apply.

use serde::{Deserialize, Serialize};

use super::Service;
use super::input::Page;
use crate::attachments::reserved::{
    CronConfig, MetricConfig, PolicyChange, QualifierType, ReservedInput, ReservedPolicy,
};
use crate::domain::{ProjectId, Qualifier, Urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::{FunctionRecord, ProjectInfo};
use crate::store::FunctionKey;

/// The answer of UpdateFunctionReservedInstancesCount: the policy now in force (the SDK's
/// `UpdateFunctionReservedInstancesCountResponse`). After a removal: count 0, idle mode off,
/// no tactics.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReservedCount {
    /// Instances kept warm.
    pub count: u32,
    /// Whether idle mode is on.
    pub idle_mode: bool,
    /// Scaling tactics; `null` when there are none.
    pub tactics_config: Option<TacticsView>,
}

/// `tactics_config` on the wire: a list without rules is `null` (SPEC 9: unset arrays are
/// `null`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TacticsView {
    /// Scheduled rules.
    pub cron_configs: Option<Vec<CronConfig>>,
    /// Metric rules.
    pub metric_configs: Option<Vec<MetricConfig>>,
}

impl TacticsView {
    fn of(p: &crate::attachments::reserved::TacticsConfig) -> Option<Self> {
        fn some<T: Clone>(v: &[T]) -> Option<Vec<T>> {
            (!v.is_empty()).then(|| v.to_vec())
        }
        (!p.is_empty()).then(|| Self {
            cron_configs: some(&p.cron_configs),
            metric_configs: some(&p.metric_configs),
        })
    }
}

/// One item of ListReservedInstanceConfigs (the SDK's `ReservedInstanceConfigs`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReservedInstanceConfig {
    /// The URN of the version or alias the policy belongs to (`…:latest`, `…:v1`, `…:!prod`).
    pub function_urn: String,
    /// `version` or `alias`.
    pub qualifier_type: String,
    /// The version's or alias's name.
    pub qualifier_name: String,
    /// Instances kept warm.
    pub min_count: u32,
    /// Whether idle mode is on.
    pub idle_mode: bool,
    /// Scaling tactics; `null` when there are none.
    pub tactics_config: Option<TacticsView>,
}

/// One item of ListFunctionReservedInstances (the SDK's `FuncReservedInstance`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FuncReservedInstance {
    /// The URN of the version or alias.
    pub func_urn: String,
    /// Instances kept warm.
    pub count: u32,
}

pub use super::input::{Listed, PageInfo};

/// The query of ListReservedInstanceConfigs, as it arrives.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ConfigsQuery {
    /// Only this function (its `latest` or unqualified URN: every version and alias), or
    /// only this version or alias.
    pub function_urn: Option<String>,
    /// Offset of the first item (default 0).
    pub marker: Option<String>,
    /// Most items (default 100, at most 500; 0 means the default).
    pub limit: Option<String>,
}

/// The query of ListFunctionReservedInstances, as it arrives.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CountsQuery {
    /// Offset of the first item (default 0).
    pub marker: Option<String>,
    /// Most items (default and maximum 400; 0 or more than 400 means 400).
    pub limit: Option<String>,
    /// Only this function, version or alias (as `function_urn` of the configs list).
    pub urn: Option<String>,
}

/// Which policies a list answers.
enum Scope {
    /// Every function of the project.
    Project,
    /// One function: every version and alias.
    Function(FunctionKey),
    /// One version or alias of one function.
    Qualifier(FunctionKey, QualifierType, String),
}

/// The qualifier type and name a URN's qualifier stands for.
fn qualifier_of(urn: &Urn) -> (QualifierType, String) {
    match urn.qualifier() {
        Qualifier::Latest => (QualifierType::Version, "latest".to_owned()),
        Qualifier::Version(v) => (QualifierType::Version, v.as_str().to_owned()),
        Qualifier::Alias(a) => (QualifierType::Alias, a.as_str().to_owned()),
    }
}

/// 404 unless the function has this version (`latest` included) or alias.
fn require_qualifier(f: &FunctionRecord, kind: QualifierType, name: &str) -> Result<(), ApiError> {
    match kind {
        QualifierType::Version if name == "latest" || f.version(name).is_some() => Ok(()),
        QualifierType::Version => Err(ApiError::version_not_found()),
        QualifierType::Alias if f.aliases.iter().any(|a| a.name.as_str() == name) => Ok(()),
        QualifierType::Alias => Err(ApiError::alias_not_found()),
    }
}

/// The URN of the version or alias a policy belongs to.
fn policy_urn(project: &ProjectInfo, f: &FunctionRecord, p: &ReservedPolicy) -> String {
    let bang = match p.qualifier_type {
        QualifierType::Version => "",
        QualifierType::Alias => "!",
    };
    format!(
        "urn:fss:{}:{}:function:{}:{}:{bang}{}",
        project.region, project.id, f.package, f.name, p.qualifier_name
    )
}

impl Service {
    /// UpdateFunctionReservedInstancesCount (`PUT {urn}/reservedinstances`): sets the policy
    /// of the version or alias the URN names (`latest` when it names none); a `count` of 0
    /// removes it. Checked in order: the URN (400), the function (404 FSS.1051), the version
    /// or alias (404 FSS.1052 / FSS.1053), the body (400 FSS.0400 naming the field), the
    /// project's quota `limits.max_reserved_instances` over all policies (400 FSS.1076).
    pub fn update_reserved_instances(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        input: ReservedInput,
    ) -> Result<ReservedCount, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        let (kind, name) = qualifier_of(urn);
        let max = u32::try_from(self.settings.limits.max_reserved_instances).unwrap_or(u32::MAX);
        // One policy change at a time per emulator, so that the quota, a sum over every
        // function of the project, is never exceeded by two requests each seeing room for
        // itself. Changes that only lower the sum (deletes) need not take it. A poisoned
        // lock guards no data (a `()`), so it is taken anyway.
        let _quota = self
            .reserved_quota
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // The other functions' policies, each read under its own lock (not this one's: the
        // closure below holds it).
        let (others, _) = self
            .store
            .list_functions(&project.id, None, 0, usize::MAX, |f| {
                if f.package == key.package && f.name == key.name {
                    0
                } else {
                    f.attachments.reserved.total()
                }
            });
        let others: u64 = others.iter().sum();
        self.store
            .update_function(key.borrowed(), |f| {
                require_qualifier(f, kind, &name)?;
                let change: PolicyChange = input.parse(max)?;
                let reserved = &mut f.attachments.reserved;
                let current = reserved.get(kind, &name).map_or(0, |p| p.min_count);
                let total = others + reserved.total() - u64::from(current) + u64::from(change.count);
                if total > u64::from(max) {
                    return Err(ApiError::detailed(
                        ErrorCode::ReservedInstanceLimit,
                        format_args!(
                            "the project would reserve {total} instances; limits.max_reserved_instances is {max}"
                        ),
                    ));
                }
                reserved.apply(kind, &name, change);
                Ok(match reserved.get(kind, &name) {
                    Some(p) => ReservedCount {
                        count: p.min_count,
                        idle_mode: p.idle_mode,
                        tactics_config: TacticsView::of(&p.tactics_config),
                    },
                    None => ReservedCount {
                        count: 0,
                        idle_mode: false,
                        tactics_config: None,
                    },
                })
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// ListReservedInstanceConfigs (`GET /fgs/functions/reservedinstanceconfigs`): the
    /// policies of the project, of one function (its `latest` or unqualified URN), or of one
    /// version or alias; functions in creation order, each function's policies in the order
    /// they were first set. Paged by `marker` (an offset) and `limit` (default 100, at most
    /// 500).
    pub fn list_reserved_instance_configs(
        &self,
        project_id: &ProjectId,
        query: &ConfigsQuery,
    ) -> Result<Listed<ReservedInstanceConfig>, ApiError> {
        let window = Page::with_limit(
            query.marker.as_deref(),
            ("limit", query.limit.as_deref()),
            100,
            500,
        )?;
        let project = self.project(project_id);
        let all = self.policies(
            &project,
            "function_urn",
            query.function_urn.as_deref(),
            |f, p| ReservedInstanceConfig {
                function_urn: policy_urn(&project, f, p),
                qualifier_type: p.qualifier_type.as_str().to_owned(),
                qualifier_name: p.qualifier_name.clone(),
                min_count: p.min_count,
                idle_mode: p.idle_mode,
                tactics_config: TacticsView::of(&p.tactics_config),
            },
        )?;
        Ok(window.cut(all))
    }

    /// ListFunctionReservedInstances (`GET /fgs/functions/reservedinstances`): how many
    /// instances each version or alias keeps, filtered by `urn` as the configs list is by
    /// `function_urn`. Paged by `marker` and `limit` (default and maximum 400).
    pub fn list_function_reserved_instances(
        &self,
        project_id: &ProjectId,
        query: &CountsQuery,
    ) -> Result<Listed<FuncReservedInstance>, ApiError> {
        let window = Page::with_limit(
            query.marker.as_deref(),
            ("limit", query.limit.as_deref()),
            400,
            400,
        )?;
        let project = self.project(project_id);
        let all = self.policies(&project, "urn", query.urn.as_deref(), |f, p| {
            FuncReservedInstance {
                func_urn: policy_urn(&project, f, p),
                count: p.min_count,
            }
        })?;
        Ok(window.cut(all))
    }

    /// Every policy in `filter`'s scope (a URN query parameter named `param`; absent or
    /// empty: the whole project), mapped by `map`. 400 for a URN that does not parse or is
    /// not this project's, 404 for a function, version or alias that does not exist.
    fn policies<T>(
        &self,
        project: &ProjectInfo,
        param: &str,
        filter: Option<&str>,
        mut map: impl FnMut(&FunctionRecord, &ReservedPolicy) -> T,
    ) -> Result<Vec<T>, ApiError> {
        let scope = match filter.filter(|s| !s.is_empty()) {
            None => Scope::Project,
            Some(s) => {
                let urn = Urn::parse(s).map_err(|e| ApiError::invalid_field(param, e))?;
                let key = self.resolve(project, &urn)?;
                match urn.qualifier() {
                    Qualifier::Latest => Scope::Function(key),
                    _ => {
                        let (kind, name) = qualifier_of(&urn);
                        Scope::Qualifier(key, kind, name)
                    }
                }
            }
        };
        let of_function =
            |f: &FunctionRecord,
             only: Option<(QualifierType, &str)>,
             map: &mut dyn FnMut(&FunctionRecord, &ReservedPolicy) -> T| {
                f.attachments
                    .reserved
                    .iter()
                    .filter(|p| {
                        only.is_none_or(|(k, n)| p.qualifier_type == k && p.qualifier_name == n)
                    })
                    .map(|p| map(f, p))
                    .collect::<Vec<T>>()
            };
        match scope {
            Scope::Project => {
                let (lists, _) = self
                    .store
                    .list_functions(&project.id, None, 0, usize::MAX, |f| {
                        of_function(f, None, &mut map)
                    });
                Ok(lists.into_iter().flatten().collect())
            }
            Scope::Function(key) => self
                .store
                .with_function(&key, |f| of_function(f, None, &mut map))
                .ok_or_else(ApiError::function_not_found),
            Scope::Qualifier(key, kind, name) => self
                .store
                .with_function(&key, |f| {
                    require_qualifier(f, kind, &name)?;
                    Ok(of_function(f, Some((kind, &name)), &mut map))
                })
                .ok_or_else(ApiError::function_not_found)?,
        }
    }
}
