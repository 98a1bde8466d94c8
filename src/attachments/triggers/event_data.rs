//! The rules of a trigger's `event_data`, per trigger type: the fields the API reference
//! calls mandatory, their types, ranges and enumerations, and the fields an update may
//! change. Each failure answers with the type's own FSS code.

use serde_json::{Map, Value};

use super::TriggerType;
use crate::error::{ApiError, ErrorCode};

/// At most 64 characters of a client's string, for a message.
pub(super) fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// The strings of a JSON array (empty for anything else).
pub(super) fn strings(v: Option<&Value>) -> Vec<String> {
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
pub(super) fn obs_leaf_events(data: &Map<String, Value>) -> Vec<&'static str> {
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
pub(super) fn check_updatable(key: &str, value: &Value) -> Result<(), ApiError> {
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
