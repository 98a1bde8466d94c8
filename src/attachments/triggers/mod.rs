//! Triggers per version or alias (issue 11): what they are, and every rule that needs no
//! more than the function's own triggers.
//!
//! A trigger belongs to one qualifier of a function: `latest`, a published version or an
//! alias, the one the URN in its path names (`/fgs/triggers/{function_urn}`), kept as the
//! URN writes it (`latest`, `v1`, `!prod`), so a version and an alias that share a name
//! keep their own triggers. The emulator keeps triggers and checks them as the real
//! service does, but never fires them: nothing here reaches the invocation engine.
//!
//! `event_data` has rules of its own per trigger type; they are in `event_data`.
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

mod event_data;
mod types;

pub use event_data::check_event_data;
use event_data::{check_updatable, clip, obs_leaf_events, strings};
pub use types::{TriggerStatus, TriggerType};
use types::{check_status, type_list};

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
