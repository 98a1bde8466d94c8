//! Triggers per version or alias (issue 11): what they are, and every rule that needs no
//! more than the function's own triggers.
//!
//! A trigger belongs to one qualifier of a function: `latest`, a published version or an
//! alias, the one the URN in its path names (`/fgs/triggers/{function_urn}`), kept as the
//! URN writes it (`latest`, `v1`, `!prod`), so a version and an alias that share a name
//! keep their own triggers. The emulator keeps triggers and checks them as the real service does, but never fires them: nothing
//! here reaches the invocation engine.
//!
//! Sources (see `docs/CONVENTIONS.md`, "Triggers and test events"): the type codes, the
//! fields of `event_data` and which are mandatory come from the API reference (OTC
//! `api-ref/source/api/function_triggers/creating_a_trigger.rst`) and the SDK model
//! (`trigger_event_data_request_body.py`); the FSS codes from the error-code appendix; the
//! timer name rule, the DIS and Kafka ranges and the pull-trigger limit from the Terraform
//! provider. What no source fixes is said where it is chosen.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    fn is_pull(self) -> bool {
        matches!(
            self,
            Self::Timer | Self::Dds | Self::Dis | Self::Lts | Self::Kafka
        )
    }

    /// Whether the type can be `DISABLED`. The API reference: "Only Timer, DDS, LTS, and
    /// Kafka triggers can be disabled"; Terraform adds DMS. The other pull-mode (polling)
    /// types are allowed too (a choice: they poll like Kafka does).
    fn can_disable(self) -> bool {
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
    fn default_status(self) -> TriggerStatus {
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

/// At most this many pull-mode triggers per version or alias (403 FSS.1123).
pub const MAX_PULL_TRIGGERS: usize = 10;

/// One trigger. The serde form is the state document's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// What it is attached to, written as in a URN: `latest`, a version's name, or `!`
    /// and an alias's name.
    pub qualifier: String,
    /// Its id, shaped like a UUID.
    pub trigger_id: String,
    /// Its type.
    pub trigger_type_code: TriggerType,
    /// `ACTIVE` or `DISABLED`.
    pub trigger_status: TriggerStatus,
    /// The `event_type_code` given at create ("not used currently"; kept, not answered).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub event_type_code: String,
    /// The trigger's data, as given (and checked) at create and changed by update.
    pub event_data: Map<String, Value>,
    /// When it was made.
    pub created_time: DateTime<Utc>,
    /// When it last changed.
    pub last_updated_time: DateTime<Utc>,
}

/// A function's triggers, in creation order. The serde form is a plain array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Triggers(Vec<Trigger>);

/// A trigger to create: its request, checked against every rule that needs no state.
#[derive(Debug, Clone)]
pub struct NewTrigger {
    /// Its type.
    pub kind: TriggerType,
    /// Its status (the type's default when the request gives none).
    pub status: TriggerStatus,
    /// `event_type_code` as given.
    pub event_type_code: String,
    /// `event_data`, checked for the type.
    pub event_data: Map<String, Value>,
}

impl NewTrigger {
    /// Checks a CreateFunctionTrigger body's fields: the type (400 FSS.1101), the status
    /// (400 FSS.0400; `DISABLED` on a type that cannot be disabled: 400 FSS.1318), and
    /// `event_data` for the type (the type's own code, see [`check_event_data`]).
    pub fn parse(
        trigger_type_code: Option<&str>,
        trigger_status: Option<&str>,
        event_type_code: Option<&str>,
        event_data: Option<&Value>,
    ) -> Result<Self, ApiError> {
        let code = trigger_type_code
            .ok_or_else(|| ApiError::invalid_field("trigger_type_code", "is required"))?;
        let kind = TriggerType::parse(code).ok_or_else(|| {
            ApiError::detailed(
                ErrorCode::InvalidTriggerType,
                format_args!("'{}' is not one of {}", clip(code), type_list()),
            )
        })?;
        let status = match trigger_status {
            Some(s) => TriggerStatus::parse(s)?,
            None => kind.default_status(),
        };
        check_status(kind, status)?;
        let event_data = match event_data {
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "event_data",
                    "must be a JSON object",
                ));
            }
            None => return Err(ApiError::invalid_field("event_data", "is required")),
        };
        check_event_data(kind, &event_data)?;
        Ok(Self {
            kind,
            status,
            event_type_code: event_type_code.unwrap_or_default().to_owned(),
            event_data,
        })
    }
}

/// A change to a trigger (UpdateFunctionTrigger), checked against the rules that need no
/// state.
#[derive(Debug, Clone, Default)]
pub struct TriggerChange {
    /// The new status, if given.
    pub status: Option<TriggerStatus>,
    /// `event_data` as given: an object (Terraform sends the whole `event_data`) or an
    /// array of `UpdateriggerEventData` objects (the SDK model).
    pub event_data: Option<Value>,
}

/// The `event_data` fields an update may change (the API reference's
/// `UpdateriggerEventData`); any other field must keep its value.
const UPDATABLE: [&str; 4] = [
    "is_serial",
    "max_fetch_bytes",
    "polling_interval",
    "polling_unit",
];

impl TriggerChange {
    /// Checks an UpdateFunctionTrigger body: `trigger_status` ACTIVE or DISABLED, and
    /// `event_data` an object or an array of objects.
    pub fn parse(
        trigger_status: Option<&str>,
        event_data: Option<&Value>,
    ) -> Result<Self, ApiError> {
        let status = trigger_status.map(TriggerStatus::parse).transpose()?;
        match event_data {
            None | Some(Value::Null | Value::Object(_) | Value::Array(_)) => {}
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "event_data",
                    "must be an object or an array of objects",
                ));
            }
        }
        Ok(Self {
            status,
            event_data: event_data.filter(|v| !v.is_null()).cloned(),
        })
    }

    /// The trigger's `event_data` after this change, or why it cannot be made.
    fn apply_to(
        &self,
        kind: TriggerType,
        current: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        let mut next = current.clone();
        let objects: Vec<&Map<String, Value>> = match &self.event_data {
            None => Vec::new(),
            Some(Value::Object(m)) => vec![m],
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_object().ok_or_else(|| {
                        ApiError::invalid_field(&format!("event_data[{i}]"), "must be an object")
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(_) => Vec::new(),
        };
        let from_array = matches!(self.event_data, Some(Value::Array(_)));
        for m in objects {
            for (key, value) in m {
                if UPDATABLE.contains(&key.as_str()) {
                    check_updatable(key, value)?;
                    next.insert(key.clone(), value.clone());
                } else if from_array || current.get(key) != Some(value) {
                    return Err(ApiError::invalid_field(
                        &format!("event_data.{}", clip(key)),
                        format_args!(
                            "cannot be changed (only {} can); delete the trigger and create it again",
                            UPDATABLE.join(", ")
                        ),
                    ));
                }
            }
        }
        check_event_data(kind, &next)?;
        Ok(next)
    }
}

impl Triggers {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The triggers of one qualifier, in creation order.
    pub fn of<'a>(&'a self, qualifier: &'a str) -> impl Iterator<Item = &'a Trigger> + 'a {
        self.0.iter().filter(move |t| t.qualifier == qualifier)
    }

    /// The trigger with this id and type on this qualifier (404 FSS.1131 otherwise).
    pub fn get(&self, qualifier: &str, kind: TriggerType, id: &str) -> Result<&Trigger, ApiError> {
        self.0
            .iter()
            .find(|t| t.qualifier == qualifier && t.trigger_type_code == kind && t.trigger_id == id)
            .ok_or_else(|| not_found(kind, id))
    }

    /// Adds a trigger to `qualifier` after the rules that look at the other triggers: the
    /// pull-trigger limit (403 FSS.1123) and the duplicates the service refuses (a timer
    /// name on the function, 409 FSS.1148; an SMN topic on the qualifier, 409 FSS.1141; a
    /// Kafka instance and topic on the qualifier, 409 FSS.1150; an APIG group, path and
    /// method on the function, 409 FSS.1147; an OBS bucket notification on the function,
    /// 403 FSS.1108).
    pub fn add(
        &mut self,
        qualifier: &str,
        new: NewTrigger,
        id: String,
        now: DateTime<Utc>,
    ) -> Result<Trigger, ApiError> {
        if new.kind.is_pull() {
            let pulls = self
                .of(qualifier)
                .filter(|t| t.trigger_type_code.is_pull())
                .count();
            if pulls >= MAX_PULL_TRIGGERS {
                return Err(ApiError::detailed(
                    ErrorCode::PullTriggerLimit,
                    format_args!(
                        "'{qualifier}' already has {MAX_PULL_TRIGGERS} TIMER, DDS, DIS, LTS and KAFKA triggers"
                    ),
                ));
            }
        }
        self.check_unique(qualifier, new.kind, &new.event_data)?;
        let mut event_data = new.event_data;
        if new.kind == TriggerType::Obs && !event_data.contains_key("name") {
            // "OBS trigger: event notification name. The default value is the trigger ID."
            event_data.insert("name".into(), Value::String(id.clone()));
        }
        let trigger = Trigger {
            qualifier: qualifier.to_owned(),
            trigger_id: id,
            trigger_type_code: new.kind,
            trigger_status: new.status,
            event_type_code: new.event_type_code,
            event_data,
            created_time: now,
            last_updated_time: now,
        };
        self.0.push(trigger.clone());
        Ok(trigger)
    }

    /// The duplicate rules of [`Triggers::add`].
    fn check_unique(
        &self,
        qualifier: &str,
        kind: TriggerType,
        data: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        let same_kind = |k: &[TriggerType]| {
            let k = k.to_vec();
            self.0
                .iter()
                .filter(move |t| k.contains(&t.trigger_type_code))
        };
        let s = |m: &Map<String, Value>, key: &str| {
            m.get(key).and_then(Value::as_str).map(str::to_owned)
        };
        match kind {
            TriggerType::Timer => {
                let name = s(data, "name");
                if let Some(t) = same_kind(&[kind]).find(|t| s(&t.event_data, "name") == name) {
                    return Err(ApiError::detailed(
                        ErrorCode::TimerTriggerExists,
                        format_args!(
                            "trigger {} on '{}' is already named '{}'",
                            t.trigger_id,
                            t.qualifier,
                            name.unwrap_or_default()
                        ),
                    ));
                }
            }
            TriggerType::Smn => {
                let topic = s(data, "topic_urn");
                if same_kind(&[kind])
                    .any(|t| t.qualifier == qualifier && s(&t.event_data, "topic_urn") == topic)
                {
                    return Err(ApiError::detailed(
                        ErrorCode::SmnTriggerExists,
                        format_args!("'{qualifier}' already has a trigger on this topic"),
                    ));
                }
            }
            TriggerType::Kafka => {
                let instance = s(data, "instance_id");
                let topics = strings(data.get("topic_ids"));
                if same_kind(&[kind]).any(|t| {
                    t.qualifier == qualifier
                        && s(&t.event_data, "instance_id") == instance
                        && strings(t.event_data.get("topic_ids"))
                            .iter()
                            .any(|x| topics.contains(x))
                }) {
                    return Err(ApiError::detailed(
                        ErrorCode::KafkaTriggerExists,
                        format_args!(
                            "'{qualifier}' already has a trigger on this instance and topic"
                        ),
                    ));
                }
            }
            TriggerType::Apig | TriggerType::DedicatedGateway => {
                let (group, path) = (s(data, "group_id"), s(data, "path"));
                let method = s(data, "req_method");
                if same_kind(&[TriggerType::Apig, TriggerType::DedicatedGateway]).any(|t| {
                    let other = s(&t.event_data, "req_method");
                    s(&t.event_data, "group_id") == group
                        && s(&t.event_data, "path") == path
                        && (other == method
                            || other.as_deref() == Some("ANY")
                            || method.as_deref() == Some("ANY"))
                }) {
                    return Err(ApiError::detailed(
                        ErrorCode::ApigPathExists,
                        format_args!(
                            "group {} already routes {} {} to this function",
                            group.unwrap_or_default(),
                            method.unwrap_or_default(),
                            path.unwrap_or_default()
                        ),
                    ));
                }
            }
            TriggerType::Obs => {
                let key = |m: &Map<String, Value>| {
                    (
                        s(m, "bucket"),
                        s(m, "prefix").unwrap_or_default(),
                        s(m, "suffix").unwrap_or_default(),
                    )
                };
                let events = obs_leaf_events(data);
                if same_kind(&[kind]).any(|t| {
                    key(&t.event_data) == key(data)
                        && obs_leaf_events(&t.event_data)
                            .iter()
                            .any(|e| events.contains(e))
                }) {
                    return Err(ApiError::detailed(
                        ErrorCode::ObsBucketConflict,
                        "another OBS trigger of the function has the same bucket, prefix, suffix and an overlapping event",
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies an update to the trigger with this id and type on this qualifier: the
    /// status (FSS.1318 where the type cannot be disabled) and the updatable `event_data`
    /// fields. `last_updated_time` moves only when something changed.
    pub fn update(
        &mut self,
        qualifier: &str,
        kind: TriggerType,
        id: &str,
        change: &TriggerChange,
        now: DateTime<Utc>,
    ) -> Result<Trigger, ApiError> {
        let t = self
            .0
            .iter_mut()
            .find(|t| t.qualifier == qualifier && t.trigger_type_code == kind && t.trigger_id == id)
            .ok_or_else(|| not_found(kind, id))?;
        let status = change.status.unwrap_or(t.trigger_status);
        check_status(kind, status)?;
        let data = change.apply_to(kind, &t.event_data)?;
        if status != t.trigger_status || data != t.event_data {
            t.trigger_status = status;
            t.event_data = data;
            t.last_updated_time = now;
        }
        Ok(t.clone())
    }

    /// Removes the trigger with this id and type on this qualifier (404 FSS.1131).
    pub fn remove(&mut self, qualifier: &str, kind: TriggerType, id: &str) -> Result<(), ApiError> {
        let before = self.0.len();
        self.0.retain(|t| {
            !(t.qualifier == qualifier && t.trigger_type_code == kind && t.trigger_id == id)
        });
        if self.0.len() == before {
            return Err(not_found(kind, id));
        }
        Ok(())
    }

    /// Removes every trigger of one qualifier (as the URN writes it).
    pub fn remove_qualifier(&mut self, qualifier: &str) {
        self.0.retain(|t| t.qualifier != qualifier);
    }

    /// Removes every trigger of the function.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Drops the triggers of a deleted version (stored under its name).
    pub fn forget_version(&mut self, version: &str) {
        self.remove_qualifier(version);
    }

    /// Drops the triggers of a deleted alias (stored as `!name`, as its URN writes it), so
    /// a version that shares the alias's name keeps its own.
    pub fn forget_alias(&mut self, alias: &str) {
        self.remove_qualifier(&format!("!{alias}"));
    }

    /// 403 FSS.1154 when the alias has triggers.
    pub fn blocks_alias_delete(&self, alias: &str) -> Option<ApiError> {
        let n = self.of(&format!("!{alias}")).count();
        (n > 0).then(|| {
            ApiError::detailed(
                ErrorCode::AliasHasTriggers,
                format_args!("alias '{alias}' has {n} trigger(s); delete them first"),
            )
        })
    }

    /// Checks a state document's triggers: each names an existing qualifier, has a unique
    /// id, a status its type allows and `event_data` its type accepts.
    pub fn check(&self, qualifiers: &super::Qualifiers<'_>) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        for (i, t) in self.0.iter().enumerate() {
            let at = format!("triggers[{i}]");
            let exists = match t.qualifier.strip_prefix('!') {
                Some(alias) => qualifiers.is_alias(alias),
                None => qualifiers.is_version(&t.qualifier),
            };
            if !exists {
                return Err(format!(
                    "{at}: qualifier '{}' is neither latest, a version nor an alias of the function",
                    t.qualifier
                ));
            }
            if t.trigger_id.is_empty() || !ids.insert(t.trigger_id.as_str()) {
                return Err(format!(
                    "{at}: trigger_id '{}' is empty or repeated",
                    t.trigger_id
                ));
            }
            check_status(t.trigger_type_code, t.trigger_status)
                .and_then(|()| check_event_data(t.trigger_type_code, &t.event_data))
                .map_err(|e| format!("{at}: {}", e.message()))?;
        }
        Ok(())
    }
}

fn not_found(kind: TriggerType, id: &str) -> ApiError {
    ApiError::detailed(
        ErrorCode::TriggerNotFound,
        format_args!(
            "no {kind} trigger '{}' on this function version or alias",
            clip(id)
        ),
    )
}

fn check_status(kind: TriggerType, status: TriggerStatus) -> Result<(), ApiError> {
    if status == TriggerStatus::Disabled && !kind.can_disable() {
        return Err(ApiError::detailed(
            ErrorCode::InvalidTriggerOperation,
            format_args!("a {kind} trigger cannot be DISABLED"),
        ));
    }
    Ok(())
}

fn type_list() -> String {
    TriggerType::ALL
        .iter()
        .map(|t| t.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most 64 characters of a client's string, for a message.
fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// The strings of a JSON array (empty for anything else).
fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The leaf OBS events an OBS trigger's `events` cover (`ObjectCreated` = all creates).
fn obs_leaf_events(data: &Map<String, Value>) -> Vec<&'static str> {
    const CREATED: [&str; 4] = ["Put", "Post", "Copy", "CompleteMultipartUpload"];
    const REMOVED: [&str; 2] = ["Delete", "DeleteMarkerCreated"];
    let mut out = Vec::new();
    for e in strings(data.get("events")) {
        let e = e.strip_prefix("s3:").unwrap_or(&e);
        let leaf = e.rsplit(':').next().unwrap_or(e);
        match (e, leaf) {
            ("ObjectCreated" | "ObjectCreated:*", _) => out.extend(CREATED),
            ("ObjectRemoved" | "ObjectRemoved:*", _) => out.extend(REMOVED),
            (_, leaf) => out.extend(CREATED.iter().chain(&REMOVED).filter(|x| **x == leaf)),
        }
    }
    out
}

/// The OBS events the API reference lists, in both forms it uses.
const OBS_EVENTS: [&str; 16] = [
    "ObjectCreated",
    "Put",
    "Post",
    "Copy",
    "CompleteMultipartUpload",
    "ObjectRemoved",
    "Delete",
    "DeleteMarkerCreated",
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
];

/// Reads `event_data`'s fields, each failure answered with the type's own code.
struct Fields<'a> {
    data: &'a Map<String, Value>,
    code: ErrorCode,
}

impl Fields<'_> {
    fn fail(&self, field: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::detailed(self.code, format_args!("event_data.{field} {why}"))
    }

    /// A required non-empty string of at most `max` characters.
    fn string(&self, field: &str, max: usize) -> Result<&str, ApiError> {
        match self.opt_string(field, max)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(self.fail(field, "is required")),
        }
    }

    /// An optional string of at most `max` characters.
    fn opt_string(&self, field: &str, max: usize) -> Result<Option<&str>, ApiError> {
        match self.data.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s)),
            Some(Value::String(_)) => {
                Err(self.fail(field, format_args!("is over {max} characters")))
            }
            Some(_) => Err(self.fail(field, "must be a string")),
        }
    }

    /// A required string, one of `allowed`.
    fn one_of(&self, field: &str, allowed: &[&str]) -> Result<&str, ApiError> {
        let s = self.string(field, 64)?;
        if allowed.contains(&s) {
            Ok(s)
        } else {
            Err(self.fail(
                field,
                format_args!("must be one of {}, not '{}'", allowed.join(", "), clip(s)),
            ))
        }
    }

    /// A required integer in `min..=max`.
    fn int(&self, field: &str, min: i64, max: i64) -> Result<i64, ApiError> {
        match self.data.get(field) {
            None | Some(Value::Null) => Err(self.fail(field, "is required")),
            Some(v) => match v.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(self.fail(
                    field,
                    format_args!("must be a whole number from {min} to {max}"),
                )),
            },
        }
    }

    /// An optional integer in `min..=max`.
    fn opt_int(&self, field: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        match self.data.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.int(field, min, max).map(Some),
        }
    }

    /// An optional boolean (`true`/`false`, or the strings "true"/"false", as the SDK
    /// types `is_serial`).
    fn opt_bool(&self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.data.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(_) => Err(self.fail(field, "must be true or false")),
        }
    }

    /// A required non-empty array of non-empty strings.
    fn string_list(&self, field: &str) -> Result<Vec<&str>, ApiError> {
        let items = match self.data.get(field) {
            None | Some(Value::Null) => return Err(self.fail(field, "is required")),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(self.fail(field, "must be an array of strings")),
        };
        if items.is_empty() {
            return Err(self.fail(field, "must not be empty"));
        }
        items
            .iter()
            .map(|v| match v {
                Value::String(s) if !s.is_empty() => Ok(s.as_str()),
                _ => Err(self.fail(field, "must hold non-empty strings only")),
            })
            .collect()
    }
}

/// Checks an updatable field's value (the API reference's `UpdateriggerEventData`).
fn check_updatable(key: &str, value: &Value) -> Result<(), ApiError> {
    let one = Map::from_iter([(key.to_owned(), value.clone())]);
    let f = Fields {
        data: &one,
        code: ErrorCode::InvalidParameter,
    };
    match key {
        "is_serial" => f.opt_bool(key).map(drop),
        "polling_unit" => f.one_of(key, &["s", "ms"]).map(drop),
        _ => f.int(key, 1, i64::from(i32::MAX)).map(drop),
    }
}

/// Checks `event_data` for a trigger type: the fields the API reference calls mandatory
/// for it, their types, and the ranges and enumerations it gives. Types the reference
/// gives no mandatory fields for (OPENSOURCEKAFKA, EVENTGRID) need only an object.
pub fn check_event_data(kind: TriggerType, data: &Map<String, Value>) -> Result<(), ApiError> {
    let f = |code| Fields { data, code };
    match kind {
        TriggerType::Timer => check_timer(&f(ErrorCode::InvalidTimerTrigger)),
        TriggerType::Apig => check_apig(&f(ErrorCode::InvalidApigTrigger)),
        TriggerType::DedicatedGateway => check_apig(&f(ErrorCode::InvalidDedicatedApigTrigger)),
        TriggerType::Obs => {
            let f = f(ErrorCode::InvalidObsTrigger);
            f.string("bucket", 64)?;
            for e in f.string_list("events")? {
                if !OBS_EVENTS.contains(&e) {
                    return Err(f.fail(
                        "events",
                        format_args!(
                            "holds '{}', which is not one of {}",
                            clip(e),
                            OBS_EVENTS.join(", ")
                        ),
                    ));
                }
            }
            f.opt_string("prefix", 1024)?;
            f.opt_string("suffix", 1024)?;
            f.opt_string("name", 256)?;
            Ok(())
        }
        TriggerType::Smn => f(ErrorCode::InvalidSmnTrigger)
            .string("topic_urn", 255)
            .map(drop),
        TriggerType::Lts => {
            let f = f(ErrorCode::InvalidParameter);
            f.string("log_group_id", 256)?;
            f.string("log_topic_id", 256).map(drop)
        }
        TriggerType::Kafka => {
            let f = f(ErrorCode::InvalidKafkaTrigger);
            f.string("instance_id", 256)?;
            f.string_list("topic_ids")?;
            f.int("batch_size", 1, 1000)?;
            f.opt_string("kafka_user", 256)?;
            f.opt_string("kafka_password", 256)?;
            if f.opt_bool("kafka_ssl_enable")? == Some(true) {
                for key in ["kafka_user", "kafka_password"] {
                    if f.opt_string(key, 256)?.is_none_or(str::is_empty) {
                        return Err(ApiError::detailed(
                            ErrorCode::KafkaCredentialsRequired,
                            format_args!(
                                "event_data.{key} is required when kafka_ssl_enable is true"
                            ),
                        ));
                    }
                }
            }
            Ok(())
        }
        TriggerType::Dds => {
            let f = f(ErrorCode::InvalidParameter);
            for key in ["instance_id", "collection_name", "db_name", "db_password"] {
                f.string(key, 256)?;
            }
            f.int("batch_size", 1, 10_000).map(drop)
        }
        TriggerType::Dms => {
            let f = f(ErrorCode::InvalidParameter);
            f.string("queue_id", 256)?;
            f.string("consumer_group_id", 256)?;
            f.int("polling_interval", 1, i64::from(i32::MAX)).map(drop)
        }
        TriggerType::Dis => {
            let f = f(ErrorCode::InvalidParameter);
            f.string("stream_name", 256)?;
            f.one_of("sharditerator_type", &["TRIM_HORIZON", "LATEST"])?;
            f.int("polling_interval", 1, i64::from(i32::MAX))?;
            f.one_of("polling_unit", &["s", "ms"])?;
            if f.opt_bool("is_serial")?.is_none() {
                return Err(f.fail("is_serial", "is required"));
            }
            f.opt_int("max_fetch_bytes", 1, i64::from(i32::MAX))
                .map(drop)
        }
        TriggerType::Cts => check_cts(data),
        TriggerType::RocketMq => {
            let f = f(ErrorCode::InvalidParameter);
            f.string("instance_id", 256)?;
            f.int("batch_size", 1, 1000)?;
            if f.opt_bool("enable_acl")? == Some(true) {
                f.string("access_key", 256)?;
                f.string("secret_key", 256)?;
            }
            Ok(())
        }
        TriggerType::RabbitMq => {
            let f = f(ErrorCode::InvalidParameter);
            f.string("instance_id", 256)?;
            f.string("exchange_name", 256)?;
            f.string("access_password", 256)?;
            f.int("batch_size", 1, 1000).map(drop)
        }
        TriggerType::OpenSourceKafka | TriggerType::EventGrid => Ok(()),
    }
}

/// TIMER: `name` (a letter, then up to 63 letters, digits, `-` or `_`: Terraform's rule),
/// `schedule_type` Rate or Cron, and a `schedule` of that type; `user_event` optional.
fn check_timer(f: &Fields<'_>) -> Result<(), ApiError> {
    let name = f.string("name", 64)?;
    let mut chars = name.chars();
    let good = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !good {
        return Err(f.fail(
            "name",
            "must start with a letter and hold only letters, digits, '-' and '_' (1 to 64)",
        ));
    }
    let kind = f.one_of("schedule_type", &["Rate", "Cron"])?;
    let schedule = f.string("schedule", 256)?;
    let ok = if kind == "Rate" {
        rate_ok(schedule)
    } else {
        cron_ok(schedule)
    };
    if !ok {
        let why = if kind == "Rate" {
            "must be a number and a unit: 1m to 60m, 1h to 24h or 1d to 30d"
        } else {
            "must be a cron expression (5 to 7 fields), @every <duration> or a descriptor such as @daily"
        };
        return Err(f.fail("schedule", format_args!("'{}' {why}", clip(schedule))));
    }
    f.opt_string("user_event", 4096).map(drop)
}

/// `3m`, `2h`, `1d`: "If the unit is minute, the value cannot exceed 60. If the unit is
/// hour, the value cannot exceed 24. If the unit is day, the value cannot exceed 30."
fn rate_ok(s: &str) -> bool {
    let Some(unit) = s.chars().last() else {
        return false;
    };
    let max = match unit {
        'm' => 60,
        'h' => 24,
        'd' => 30,
        _ => return false,
    };
    let digits = &s[..s.len() - 1];
    !digits.is_empty()
        && digits.len() <= 3
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n))
}

/// A cron schedule as Terraform's examples send them: 5 to 7 fields of cron characters,
/// `@every 1h30m`, or a descriptor (`@hourly`, `@daily`, ...). The fields' ranges are
/// not checked (the emulator never runs the schedule).
fn cron_ok(s: &str) -> bool {
    const DESCRIPTORS: [&str; 7] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    if DESCRIPTORS.contains(&s) {
        return true;
    }
    if let Some(d) = s.strip_prefix("@every ") {
        return go_duration_ok(d.trim());
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    (5..=7).contains(&fields.len())
        && fields.iter().all(|f| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "*?,/-#".contains(c))
        })
}

/// A positive Go-style duration of hours, minutes and seconds: `1h30m`, `90s`.
fn go_duration_ok(s: &str) -> bool {
    let mut digits = 0;
    let mut total = 0u64;
    let mut n = 0u64;
    if s.is_empty() {
        return false;
    }
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            digits += 1;
            if digits > 9 {
                return false;
            }
            n = n * 10 + u64::from(d);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return false,
        };
        if digits == 0 {
            return false;
        }
        total += n * unit;
        digits = 0;
        n = 0;
    }
    digits == 0 && total > 0
}

/// APIG and DEDICATEDGATEWAY: the fields the API reference calls mandatory for APIG
/// triggers, with its enumerations; `func_info.timeout` 1 to 60000 ms.
fn check_apig(f: &Fields<'_>) -> Result<(), ApiError> {
    for key in ["group_id", "env_id", "env_name", "name"] {
        f.string(key, 256)?;
    }
    let path = f.string("path", 1024)?;
    if !path.starts_with('/') {
        return Err(f.fail("path", "must start with '/'"));
    }
    f.one_of("auth", &["IAM", "APP", "NONE"])?;
    f.one_of("protocol", &["HTTP", "HTTPS"])?;
    f.one_of("match_mode", &["SWA", "NORMAL"])?;
    f.one_of(
        "req_method",
        &[
            "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "ANY",
        ],
    )?;
    f.int("type", 1, 2)?;
    f.opt_string("sl_domain", 255)?;
    if f.data.get("backend_type").is_some_and(|v| !v.is_null()) {
        f.one_of("backend_type", &["FUNCTION"])?;
    }
    let info = match f.data.get("func_info") {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => return Err(f.fail("func_info", "is required")),
        Some(_) => return Err(f.fail("func_info", "must be an object")),
    };
    let info = Fields {
        data: info,
        code: f.code,
    };
    info.int("timeout", 1, 60_000).map_err(|_| {
        f.fail(
            "func_info.timeout",
            "must be a whole number from 1 to 60000",
        )
    })?;
    if info
        .data
        .get("invocation_type")
        .is_some_and(|v| !v.is_null())
    {
        info.one_of("invocation_type", &["sync", "async"])
            .map_err(|_| f.fail("func_info.invocation_type", "must be sync or async"))?;
    }
    Ok(())
}

/// CTS: a notification `name` (FSS.1312) and 1 to 100 distinct `operations` (FSS.1314,
/// FSS.1313, FSS.1316).
fn check_cts(data: &Map<String, Value>) -> Result<(), ApiError> {
    let f = Fields {
        data,
        code: ErrorCode::InvalidParameter,
    };
    if f.opt_string("name", 256)?.is_none_or(str::is_empty) {
        return Err(ApiError::new(ErrorCode::CtsNameRequired));
    }
    let ops = match data.get("operations") {
        None | Some(Value::Null) => return Err(ApiError::new(ErrorCode::CtsOperationsRequired)),
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(ApiError::new(ErrorCode::CtsOperationsRequired));
        }
        Some(_) => f.string_list("operations")?,
    };
    if ops.len() > 100 {
        return Err(ApiError::detailed(
            ErrorCode::CtsTooManyOperations,
            format_args!("{} operations, at most 100", ops.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = ops.iter().find(|o| !seen.insert(**o)) {
        return Err(ApiError::detailed(
            ErrorCode::CtsDuplicateOperation,
            format_args!("'{}' is listed twice", clip(dup)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        for ok in ["3m", "60m", "24h", "30d", "1m"] {
            assert!(rate_ok(ok), "{ok}");
        }
        for bad in ["0m", "61m", "25h", "31d", "m", "3", "3s", "-3m", "03x", ""] {
            assert!(!rate_ok(bad), "{bad}");
        }
        for ok in [
            "@every 1h30m",
            "@every 90s",
            "@daily",
            "0 0 * * *",
            "0 15 10 ? * MON-FRI",
            "0 0/5 * * * ? 2026",
        ] {
            assert!(cron_ok(ok), "{ok}");
        }
        for bad in [
            "@every",
            "@every 0s",
            "@every 1x",
            "* * * *",
            "a b c d e f g h",
            "@sometimes",
            "0 0 * * $",
        ] {
            assert!(!cron_ok(bad), "{bad}");
        }
    }

    #[test]
    fn obs_events_expand_to_leaves() {
        let data = |e: Value| Map::from_iter([("events".to_owned(), e)]);
        assert_eq!(
            obs_leaf_events(&data(serde_json::json!(["s3:ObjectCreated:*"]))),
            ["Put", "Post", "Copy", "CompleteMultipartUpload"]
        );
        assert_eq!(
            obs_leaf_events(&data(serde_json::json!(["Delete"]))),
            ["Delete"]
        );
        assert_eq!(
            obs_leaf_events(&data(serde_json::json!([
                "s3:ObjectRemoved:DeleteMarkerCreated"
            ]))),
            ["DeleteMarkerCreated"]
        );
    }
}
