//! `FGS_EMULATOR_<SECTION>_<KEY>` variables laid over the file's table.

use super::{Config, ConfigError, ENV_PREFIX};

/// The type of a key settable from the environment.
#[derive(Clone, Copy)]
pub(super) enum EnvKind {
    Str,
    Int,
    Bool,
}

/// Keys settable from the environment: `FGS_EMULATOR_<SECTION>_<KEY>`, e.g.
/// `FGS_EMULATOR_LIMITS_MAX_VERSIONS=20`. Lists (`[[projects]]` ...) come from the file only.
pub(super) const ENV_KEYS: &[(&str, &str, &str, EnvKind)] = &[
    ("SERVER_HOST", "server", "host", EnvKind::Str),
    ("SERVER_PORT", "server", "port", EnvKind::Int),
    (
        "SERVER_MAX_BODY_BYTES",
        "server",
        "max_body_bytes",
        EnvKind::Int,
    ),
    (
        "SERVER_HEADER_TIMEOUT_SECONDS",
        "server",
        "header_timeout_seconds",
        EnvKind::Int,
    ),
    (
        "SERVER_BODY_TIMEOUT_SECONDS",
        "server",
        "body_timeout_seconds",
        EnvKind::Int,
    ),
    ("SERVER_FAST_LANE", "server", "fast_lane", EnvKind::Bool),
    ("CLOCK_UTC_OFFSET", "clock", "utc_offset", EnvKind::Str),
    ("AUTH_MODE", "auth", "mode", EnvKind::Str),
    (
        "LIMITS_MAX_VERSIONS",
        "limits",
        "max_versions",
        EnvKind::Int,
    ),
    ("LIMITS_MAX_ALIASES", "limits", "max_aliases", EnvKind::Int),
    (
        "LIMITS_MAX_FUNCTIONS",
        "limits",
        "max_functions",
        EnvKind::Int,
    ),
    (
        "LIMITS_MAX_CONCURRENT_REQUESTS",
        "limits",
        "max_concurrent_requests",
        EnvKind::Int,
    ),
    (
        "LIMITS_MAX_INLINE_CODE_BYTES",
        "limits",
        "max_inline_code_bytes",
        EnvKind::Int,
    ),
    (
        "LIMITS_MAX_CODE_BYTES",
        "limits",
        "max_code_bytes",
        EnvKind::Int,
    ),
    (
        "LIMITS_MAX_RESERVED_INSTANCES",
        "limits",
        "max_reserved_instances",
        EnvKind::Int,
    ),
    (
        "BEHAVIOR_REJECT_UNCHANGED_PUBLISH",
        "behavior",
        "reject_unchanged_publish",
        EnvKind::Bool,
    ),
    ("STATE_FILE", "state", "file", EnvKind::Str),
    ("CONTROL_TOKEN", "control", "token", EnvKind::Str),
    (
        "CONTROL_JOURNAL_SIZE",
        "control",
        "journal_size",
        EnvKind::Int,
    ),
    ("CONTROL_SEED", "control", "seed", EnvKind::Int),
    (
        "INVOKE_ALLOW_NON_LOOPBACK",
        "invoke",
        "allow_non_loopback",
        EnvKind::Bool,
    ),
    ("INVOKE_PYTHON", "invoke", "python", EnvKind::Str),
    ("INVOKE_NODE", "invoke", "node", EnvKind::Str),
    (
        "INVOKE_IDLE_TIMEOUT_SECONDS",
        "invoke",
        "idle_timeout_seconds",
        EnvKind::Int,
    ),
    (
        "INVOKE_MAX_INSTANCES_PER_VERSION",
        "invoke",
        "max_instances_per_version",
        EnvKind::Int,
    ),
    (
        "INVOKE_MAX_UNPACKED_BYTES",
        "invoke",
        "max_unpacked_bytes",
        EnvKind::Int,
    ),
    ("INVOKE_WORK_DIR", "invoke", "work_dir", EnvKind::Str),
];

/// Variables read by the command line itself (see `main.rs`), not by [`Config::load`].
pub const CLI_ENV_VARS: &[&str] = &[
    "FGS_EMULATOR_CONFIG",
    "FGS_EMULATOR_HOST",
    "FGS_EMULATOR_PORT",
    "FGS_EMULATOR_PORT_FILE",
    "FGS_EMULATOR_STATE_FILE",
    "FGS_EMULATOR_LOG_FORMAT",
];

pub(super) fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    for (var, value) in env {
        let Some(suffix) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if CLI_ENV_VARS.contains(&var.as_str()) {
            continue;
        }
        let Some((_, section, key, kind)) = ENV_KEYS.iter().find(|(s, ..)| *s == suffix) else {
            let known: Vec<String> = ENV_KEYS
                .iter()
                .map(|(s, ..)| format!("{ENV_PREFIX}{s}"))
                .chain(CLI_ENV_VARS.iter().map(|s| s.to_string()))
                .collect();
            return Err(ConfigError::Env {
                var,
                message: format!("unknown variable; known: {}", known.join(", ")),
            });
        };
        let parsed = match kind {
            EnvKind::Str => toml::Value::String(value.clone()),
            EnvKind::Int => value
                .trim()
                .parse::<i64>()
                .map(toml::Value::Integer)
                .map_err(|_| ConfigError::Env {
                    var: var.clone(),
                    message: format!("'{value}' is not an integer ({section}.{key})"),
                })?,
            EnvKind::Bool => match value.trim() {
                "true" | "1" => toml::Value::Boolean(true),
                "false" | "0" => toml::Value::Boolean(false),
                _ => {
                    return Err(ConfigError::Env {
                        var,
                        message: format!("'{value}' is not true or false ({section}.{key})"),
                    });
                }
            },
        };
        let section_table = table
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = section_table {
            t.insert(key.to_string(), parsed);
        }
        // Check the one value now so a bad one is blamed on its variable.
        let probe: Result<Config, _> = table.clone().try_into();
        if let Err(e) = probe {
            return Err(ConfigError::Env {
                var,
                message: e.to_string().trim_end().to_owned(),
            });
        }
    }
    Ok(())
}
