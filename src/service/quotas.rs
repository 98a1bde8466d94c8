//! ListQuotas (`GET /v2/{project_id}/fgs/quotas`): the project's quotas, which in the
//! emulator are the `[limits]` of its configuration, with what the project uses of each.
//!
//! The shape is the SDK's `ListQuotasResponse` (`{"quotas": {"resources": [{quota, used,
//! type, unit}]}}`); `unit` is present only on `fgs_func_code_size` (`MB`), as in the API
//! reference's example and as Terraform's `huaweicloud_fgs_quotas` acceptance test checks.
//! Types the emulator has no limit for (idle timeouts, workflows, ...) are left out; the two
//! per-function limits the service's type list lacks (versions, aliases) are reported under
//! names of our own, `fgs_func_version_num` and `fgs_func_alias_num`, with `used` the most
//! any one function has.

use serde::Serialize;

use super::Service;
use crate::domain::ProjectId;

/// One quota (the SDK's `Resources`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuotaResource {
    /// The limit.
    pub quota: u64,
    /// How much of it is used.
    pub used: u64,
    /// What is limited: `fgs_func_num`, `fgs_func_code_size`, `fgs_func_occurs`, or one of
    /// the emulator's `fgs_func_version_num`, `fgs_func_alias_num`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `MB` for `fgs_func_code_size`; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
}

const MIB: u64 = 1024 * 1024;

/// What one function uses: code bytes of latest, versions, aliases, reserved instances.
#[derive(Default)]
struct Usage {
    code_bytes: u64,
    versions: u64,
    aliases: u64,
    reserved: u64,
}

impl Service {
    /// ListQuotas: per project, the function count against `limits.max_functions`
    /// (`fgs_func_num`), latest's code of every function against `max_functions ×
    /// max_code_bytes` in MB rounded up (`fgs_func_code_size`), reserved instances against
    /// `limits.max_reserved_instances` (`fgs_func_occurs`, the v2 reserved-instance quota),
    /// and the busiest function's versions and aliases against `limits.max_versions` and
    /// `limits.max_aliases`.
    pub fn list_quotas(&self, project_id: &ProjectId) -> Vec<QuotaResource> {
        let project = self.project(project_id);
        let (usage, functions) = self
            .store
            .list_functions(&project.id, None, 0, usize::MAX, |f| Usage {
                code_bytes: f.latest.code.size(),
                versions: f.versions.len() as u64,
                aliases: f.aliases.len() as u64,
                reserved: f.attachments.reserved.total(),
            });
        let limits = &self.settings.limits;
        let code_bytes: u64 = usage.iter().map(|u| u.code_bytes).sum();
        // The SDKs read both as 32-bit integers (Go `*int32`, Java `Integer`): a value past
        // that range would fail their decoding, so a huge configured limit reads as the most.
        let int32 = |v: u64| v.min(i32::MAX as u64);
        let quota = |kind, quota: u64, used: u64| QuotaResource {
            quota: int32(quota),
            used: int32(used),
            kind,
            unit: None,
        };
        vec![
            quota(
                "fgs_func_occurs",
                limits.max_reserved_instances as u64,
                usage.iter().map(|u| u.reserved).sum(),
            ),
            quota(
                "fgs_func_num",
                limits.max_functions as u64,
                functions as u64,
            ),
            QuotaResource {
                unit: Some("MB"),
                ..quota(
                    "fgs_func_code_size",
                    (limits.max_functions as u64)
                        .saturating_mul(limits.max_code_bytes as u64)
                        .div_ceil(MIB),
                    code_bytes.div_ceil(MIB),
                )
            },
            quota(
                "fgs_func_version_num",
                limits.max_versions as u64,
                usage.iter().map(|u| u.versions).max().unwrap_or(0),
            ),
            quota(
                "fgs_func_alias_num",
                limits.max_aliases as u64,
                usage.iter().map(|u| u.aliases).max().unwrap_or(0),
            ),
        ]
    }
}
