//! What a trigger is: its type (the codes the service knows, and what each allows) and its
//! status.

use serde::{Deserialize, Serialize};

use super::event_data::clip;
use crate::error::{ApiError, ErrorCode};

/// A trigger type: the union of the API reference's list and the SDK model's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TriggerType {
    /// A timer (`Rate` or `Cron` schedule).
    Timer,
    /// API Gateway (shared).
    Apig,
    /// API Gateway (dedicated).
    DedicatedGateway,
    /// Cloud Trace Service.
    Cts,
    /// Document Database Service.
    Dds,
    /// Distributed Message Service (queues).
    Dms,
    /// Data Ingestion Service.
    Dis,
    /// Log Tank Service.
    Lts,
    /// Object Storage Service.
    Obs,
    /// Simple Message Notification.
    Smn,
    /// DMS for Kafka.
    Kafka,
    /// Open-source Kafka.
    OpenSourceKafka,
    /// DMS for RocketMQ.
    RocketMq,
    /// DMS for RabbitMQ.
    RabbitMq,
    /// EventGrid.
    EventGrid,
}

impl TriggerType {
    /// Every type, in the order the API reference lists them (then the SDK's extras).
    pub const ALL: [TriggerType; 15] = [
        Self::Timer,
        Self::Apig,
        Self::DedicatedGateway,
        Self::Cts,
        Self::Dds,
        Self::Dms,
        Self::Dis,
        Self::Lts,
        Self::Obs,
        Self::Smn,
        Self::Kafka,
        Self::OpenSourceKafka,
        Self::RocketMq,
        Self::RabbitMq,
        Self::EventGrid,
    ];

    /// The code on the wire (`trigger_type_code`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Timer => "TIMER",
            Self::Apig => "APIG",
            Self::DedicatedGateway => "DEDICATEDGATEWAY",
            Self::Cts => "CTS",
            Self::Dds => "DDS",
            Self::Dms => "DMS",
            Self::Dis => "DIS",
            Self::Lts => "LTS",
            Self::Obs => "OBS",
            Self::Smn => "SMN",
            Self::Kafka => "KAFKA",
            Self::OpenSourceKafka => "OPENSOURCEKAFKA",
            Self::RocketMq => "ROCKETMQ",
            Self::RabbitMq => "RABBITMQ",
            Self::EventGrid => "EVENTGRID",
        }
    }

    /// The type with this code (exact, upper case as the service writes them).
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Pull-mode types, at most [`MAX_PULL_TRIGGERS`] per version or alias (Terraform's
    /// acceptance test names these: "DDS, GAUSSMONGO, DIS, LTS, Kafka and TIMER ... up to
    /// 10"; FSS.1123 "The number of pull-mode triggers has reached 10").
    pub(super) fn is_pull(self) -> bool {
        matches!(
            self,
            Self::Timer | Self::Dds | Self::Dis | Self::Lts | Self::Kafka
        )
    }

    /// Whether the type can be `DISABLED`. The API reference: "Only Timer, DDS, LTS, and
    /// Kafka triggers can be disabled"; Terraform adds DMS. The other pull-mode (polling)
    /// types are allowed too (a choice: they poll like Kafka does).
    pub(super) fn can_disable(self) -> bool {
        matches!(
            self,
            Self::Timer
                | Self::Dds
                | Self::Dms
                | Self::Dis
                | Self::Lts
                | Self::Kafka
                | Self::OpenSourceKafka
                | Self::RocketMq
                | Self::RabbitMq
        )
    }

    /// The status when the request gives none: "By default, DDS and Kafka triggers are in
    /// the DISABLED state, and other triggers are in the ACTIVE state."
    pub(super) fn default_status(self) -> TriggerStatus {
        match self {
            Self::Dds | Self::Kafka | Self::OpenSourceKafka => TriggerStatus::Disabled,
            _ => TriggerStatus::Active,
        }
    }
}

impl TryFrom<String> for TriggerType {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown trigger type '{s}'"))
    }
}

impl From<TriggerType> for String {
    fn from(t: TriggerType) -> String {
        t.code().to_owned()
    }
}

impl std::fmt::Display for TriggerType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// `trigger_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TriggerStatus {
    /// Enabled.
    #[serde(rename = "ACTIVE")]
    Active,
    /// Disabled.
    #[serde(rename = "DISABLED")]
    Disabled,
}

impl TriggerStatus {
    /// The status with this name: `ACTIVE` or `DISABLED` (400 FSS.0400 otherwise).
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        match s {
            "ACTIVE" => Ok(Self::Active),
            "DISABLED" => Ok(Self::Disabled),
            other => Err(ApiError::invalid_field(
                "trigger_status",
                format_args!("must be ACTIVE or DISABLED, not '{}'", clip(other)),
            )),
        }
    }

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Disabled => "DISABLED",
        }
    }
}

/// 400 FSS.1318 when this type of trigger cannot have this status.
pub(super) fn check_status(kind: TriggerType, status: TriggerStatus) -> Result<(), ApiError> {
    if status == TriggerStatus::Disabled && !kind.can_disable() {
        return Err(ApiError::detailed(
            ErrorCode::InvalidTriggerOperation,
            format_args!("a {kind} trigger cannot be DISABLED"),
        ));
    }
    Ok(())
}

/// Every type code, for a message.
pub(super) fn type_list() -> String {
    TriggerType::ALL
        .iter()
        .map(|t| t.code())
        .collect::<Vec<_>>()
        .join(", ")
}
