//! Typed configuration, layered: defaults, then the TOML file, then `FGS_EMULATOR_*`
//! environment variables, then command-line flags (applied by `main`).
//!
//! Every key is documented, with its default, in `config.example.toml`. Errors name the
//! key and where it came from (the file, or the environment variable).
//!
//! `mod.rs` holds the sections and their defaults and loads them; `env.rs` maps
//! `FGS_EMULATOR_*` variables onto keys; `validate.rs` checks what types cannot.

use std::path::{Path, PathBuf};

use chrono::FixedOffset;
use serde::{Deserialize, Serialize};

mod env;
mod validate;

pub use env::CLI_ENV_VARS;
use env::apply_env;

use crate::clock::parse_offset;

/// Prefix of every environment variable the emulator reads.
pub const ENV_PREFIX: &str = "FGS_EMULATOR_";

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[server]`: where to listen and how much to read.
    pub server: ServerConfig,
    /// `[clock]`: the offset timestamps and version names are written in.
    pub clock: ClockConfig,
    /// `[auth]`: how requests are authenticated.
    pub auth: AuthConfig,
    /// `[limits]`: the service's quotas.
    pub limits: LimitsConfig,
    /// `[behavior]`: switches for rules tests may want off.
    pub behavior: BehaviorConfig,
    /// `[state]`: where state is kept between runs.
    pub state: StateConfig,
    /// `[control]`: the `/_emulator` control plane.
    pub control: ControlConfig,
    /// `[invoke]`: running function code (see `invoke`).
    pub invoke: InvokeConfig,
    /// `[[projects]]`: known projects and their region and domain.
    pub projects: Vec<ProjectConfig>,
    /// `[[functions]]`: functions created at start-up (and on reset).
    pub functions: Vec<FunctionSeed>,
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to bind; loopback by default so nothing is exposed by accident.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Largest request body read; bigger ones get 413 FSS.0413 without being read.
    pub max_body_bytes: u64,
    /// Seconds a client has to send its request headers before the connection is closed
    /// (also how long an idle keep-alive connection is kept).
    pub header_timeout_seconds: u64,
    /// Seconds a client has to send its request body before 408 FSS.0408.
    pub body_timeout_seconds: u64,
    /// Route the commonest calls before the router (`app::fast`): a function's config, code,
    /// versions' first page and aliases read, its config and code updated, a version
    /// published. `false` sends them through the router like every other request. The
    /// answers are the same either way.
    pub fast_lane: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            // A 50 MiB package, base64-encoded (4/3) inside JSON, fits.
            max_body_bytes: 72 * 1024 * 1024,
            header_timeout_seconds: 30,
            body_timeout_seconds: 30,
            fast_lane: true,
        }
    }
}

/// `[clock]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockConfig {
    /// Offset for `last_modified`, default version names and image names.
    pub utc_offset: String,
}

impl Default for ClockConfig {
    fn default() -> Self {
        Self {
            // China Standard Time, as the service's own examples are written.
            utc_offset: "+08:00".into(),
        }
    }
}

/// How requests are authenticated (SPEC section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Any non-empty `X-Auth-Token`, or an `Authorization: SDK-HMAC-SHA256 ...` header.
    #[default]
    Presence,
    /// Tokens from config; AK/SK signatures verified as the SDKs compute them.
    Verify,
    /// No checks at all.
    Off,
}

/// `[auth]`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `presence`, `verify` or `off`.
    pub mode: AuthMode,
    /// `[[auth.tokens]]`: tokens accepted in verify mode.
    pub tokens: Vec<TokenConfig>,
    /// `[[auth.credentials]]`: AK/SK pairs accepted in verify mode.
    pub credentials: Vec<CredentialConfig>,
}

/// One accepted token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The `X-Auth-Token` value.
    pub value: String,
    /// Projects it may be used for; empty means all.
    #[serde(default)]
    pub project_ids: Vec<String>,
}

/// One accepted AK/SK pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// Access key.
    pub ak: String,
    /// Secret key.
    pub sk: String,
    /// Projects it may be used for; empty means all.
    #[serde(default)]
    pub project_ids: Vec<String>,
}

/// `[limits]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Published versions per function, `latest` not counted (403 FSS.1042 beyond).
    pub max_versions: usize,
    /// Aliases per function (403 FSS.1043 beyond).
    pub max_aliases: usize,
    /// Functions per project (403 FSS.1041 beyond).
    pub max_functions: usize,
    /// Requests in flight at once (429 FSS.0429 beyond).
    pub max_concurrent_requests: usize,
    /// Decoded inline code (413 FSS.1072 beyond).
    pub max_inline_code_bytes: usize,
    /// Decoded zip or jar package (413 FSS.1071 beyond).
    pub max_code_bytes: usize,
    /// Reserved instances per project, all policies together (400 FSS.1076 beyond);
    /// ListQuotas reports it as `fgs_func_occurs`.
    pub max_reserved_instances: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_versions: 10,
            max_aliases: 10,
            max_functions: 400,
            max_concurrent_requests: 1024,
            max_inline_code_bytes: 10 * 1024,
            max_code_bytes: 50 * 1024 * 1024,
            max_reserved_instances: 100,
        }
    }
}

/// `[behavior]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BehaviorConfig {
    /// Refuse a publish when nothing changed since the newest version (400 FSS.1016).
    pub reject_unchanged_publish: bool,
}

impl Default for BehaviorConfig {
    fn default() -> Self {
        Self {
            reject_unchanged_publish: true,
        }
    }
}

/// `[state]`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct StateConfig {
    /// A file that keeps state across restarts; none means in memory only.
    pub file: Option<PathBuf>,
}

/// `[control]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControlConfig {
    /// Bearer token the control plane requires; none means open.
    pub token: Option<String>,
    /// Requests kept in the journal (oldest dropped).
    pub journal_size: usize,
    /// Seed for generated values (image names), for byte-identical runs.
    pub seed: Option<u64>,
}

impl Default for ControlConfig {
    fn default() -> Self {
        Self {
            token: None,
            journal_size: 1000,
            seed: None,
        }
    }
}

/// `[invoke]`: running function code. Checked when the emulator starts (`Invoker::new`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InvokeConfig {
    /// Run handler code even when `server.host` is not loopback (off: refuse to start).
    pub allow_non_loopback: bool,
    /// The interpreter for the `Python3.x` runtimes.
    pub python: String,
    /// The interpreter for the `Node.js*` runtimes.
    pub node: String,
    /// Seconds an idle instance is kept warm before it is stopped.
    pub idle_timeout_seconds: u64,
    /// Instances one version may run at once (a positive `strategy_config.concurrency`
    /// lowers it per function).
    pub max_instances_per_version: usize,
    /// Largest unpacked code per instance (a zip bomb stops here).
    pub max_unpacked_bytes: u64,
    /// Where instance directories are made; unset: the system temporary directory.
    pub work_dir: Option<PathBuf>,
}

impl Default for InvokeConfig {
    fn default() -> Self {
        Self {
            allow_non_loopback: false,
            python: "python3".into(),
            node: "node".into(),
            idle_timeout_seconds: 300,
            max_instances_per_version: 8,
            max_unpacked_bytes: 512 * 1024 * 1024,
            work_dir: None,
        }
    }
}

/// `[[projects]]`: a project the emulator knows in advance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// The project id used in paths.
    pub id: String,
    /// Its region (`project_name` in responses, the region field of URNs).
    #[serde(default = "default_region")]
    pub region: String,
    /// The account name (`user_domain` in responses).
    #[serde(default = "default_domain_name")]
    pub domain_name: String,
    /// The account id (`domain_id` in responses); derived from the project id when unset.
    #[serde(default)]
    pub domain_id: Option<String>,
}

/// The region of a project that is not configured: `cn-north-4` (SPEC section 8).
pub fn default_region() -> String {
    "cn-north-4".into()
}

/// The account name of a project that does not name one.
pub fn default_domain_name() -> String {
    "fgs-emulator".into()
}

/// `[[functions]]`: a function created at start-up and on reset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSeed {
    /// Project id; defaults to the first `[[projects]]` entry.
    #[serde(default)]
    pub project: Option<String>,
    /// Package; default `default`.
    #[serde(default = "default_package")]
    pub package: String,
    /// Function name.
    pub func_name: String,
    /// Runtime, e.g. `Python3.9`.
    pub runtime: String,
    /// Handler, e.g. `index.handler`.
    pub handler: String,
    /// Memory in MB; default 128.
    #[serde(default = "default_memory")]
    pub memory_size: i64,
    /// Timeout in seconds; default 30.
    #[serde(default = "default_timeout")]
    pub timeout: i64,
    /// Code type; default `inline`.
    #[serde(default = "default_code_type")]
    pub code_type: String,
    /// The code as text (inline). Exclusive with `code_file`.
    #[serde(default)]
    pub code: Option<String>,
    /// A file whose bytes are the code, relative to the config file. Exclusive with `code`.
    #[serde(default)]
    pub code_file: Option<PathBuf>,
    /// File name reported as `code_filename`.
    #[serde(default)]
    pub code_filename: Option<String>,
    /// Function description.
    #[serde(default)]
    pub description: String,
    /// Environment variables as a JSON object string.
    #[serde(default)]
    pub user_data: String,
}

fn default_package() -> String {
    "default".into()
}
fn default_memory() -> i64 {
    128
}
fn default_timeout() -> i64 {
    30
}
fn default_code_type() -> String {
    "inline".into()
}

/// A configuration error, naming the key and its source.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has a wrong key or type.
    #[error("config file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// The parser's words, which name the key.
        message: String,
    },
    /// An environment variable is unknown or has a value of the wrong type.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// A value is well-typed but not allowed.
    #[error("config key {key}: {message}")]
    Invalid {
        /// The key, as written in TOML.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Loads defaults, then `file` if given, then the `FGS_EMULATOR_*` variables in `env`,
    /// and validates the result.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                // Deserialise the file on its own first, so its errors name the file.
                let file_err = |e: &dyn std::fmt::Display| ConfigError::File {
                    path: path.to_owned(),
                    message: e.to_string().trim_end().to_owned(),
                };
                toml::from_str::<Config>(&text).map_err(|e| file_err(&e))?;
                let mut table: toml::Table = toml::from_str(&text).map_err(|e| file_err(&e))?;
                resolve_code_files(&mut table, path.parent().unwrap_or(Path::new(".")));
                table
            }
            None => toml::Table::new(),
        };
        apply_env(&mut table, env)?;
        let config: Config =
            table
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Invalid {
                    key: "(environment)".into(),
                    message: e.to_string(),
                })?;
        config.validate()?;
        Ok(config)
    }

    /// The configured UTC offset (validated at load).
    pub fn utc_offset(&self) -> FixedOffset {
        parse_offset(&self.clock.utc_offset)
            .unwrap_or_else(|| FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset"))
    }
}

/// Makes `code_file` paths relative to the config file's folder, so a config works from
/// any working directory.
fn resolve_code_files(table: &mut toml::Table, base: &Path) {
    let Some(toml::Value::Array(functions)) = table.get_mut("functions") else {
        return;
    };
    for f in functions {
        if let Some(toml::Value::String(p)) = f.get_mut("code_file") {
            let path = Path::new(p.as_str());
            if path.is_relative() {
                *p = base.join(path).to_string_lossy().into_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_the_spec() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.server.host, "127.0.0.1");
        assert_eq!(c.server.port, 8080);
        assert_eq!(c.server.max_body_bytes, 72 * 1024 * 1024);
        assert_eq!(c.limits.max_versions, 10);
        assert_eq!(c.limits.max_aliases, 10);
        assert_eq!(c.limits.max_functions, 400);
        assert_eq!(c.limits.max_concurrent_requests, 1024);
        assert_eq!(c.limits.max_inline_code_bytes, 10 * 1024);
        assert_eq!(c.limits.max_code_bytes, 50 * 1024 * 1024);
        assert_eq!(c.control.journal_size, 1000);
        assert!(c.behavior.reject_unchanged_publish);
        assert_eq!(c.auth.mode, AuthMode::Presence);
        assert_eq!(c.clock.utc_offset, "+08:00");
    }

    #[test]
    fn env_overrides_and_names_bad_values() {
        let c = Config::load(
            None,
            env(&[
                ("FGS_EMULATOR_LIMITS_MAX_VERSIONS", "3"),
                ("FGS_EMULATOR_BEHAVIOR_REJECT_UNCHANGED_PUBLISH", "false"),
                ("FGS_EMULATOR_PORT", "9"), // a CLI variable: left to clap
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(c.limits.max_versions, 3);
        assert!(!c.behavior.reject_unchanged_publish);
        assert_eq!(c.server.port, 8080);

        let err = Config::load(None, env(&[("FGS_EMULATOR_LIMITS_MAX_VERSIONS", "ten")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("FGS_EMULATOR_LIMITS_MAX_VERSIONS"), "{err}");
        let err = Config::load(None, env(&[("FGS_EMULATOR_NOPE", "1")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("FGS_EMULATOR_NOPE"), "{err}");
        let err = Config::load(None, env(&[("FGS_EMULATOR_AUTH_MODE", "maybe")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("FGS_EMULATOR_AUTH_MODE"), "{err}");
    }

    #[test]
    fn file_errors_name_the_file_and_key() {
        let dir = tempfile::Builder::new()
            .prefix("fgs-cfg-")
            .tempdir()
            .unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[limits]\nmax_versoins = 3\n").unwrap();
        let err = Config::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(
            err.contains("bad.toml") && err.contains("max_versoins"),
            "{err}"
        );
        std::fs::write(&path, "[clock]\nutc_offset = \"8\"\n").unwrap();
        let err = Config::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(err.contains("clock.utc_offset"), "{err}");
    }

    #[test]
    fn the_example_config_documents_every_key() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"),
        )
        .unwrap();
        // Every scalar key of every section, and every env-settable key (which covers the
        // optional ones a default leaves out), appears in the example as `key =`.
        let defaults = toml::Table::try_from(Config::default()).unwrap();
        let mut keys: Vec<String> = defaults
            .values()
            .filter_map(toml::Value::as_table)
            .flat_map(|t| {
                t.iter()
                    .filter(|(_, v)| !v.is_array())
                    .map(|(k, _)| k.clone())
            })
            .collect();
        keys.extend(
            super::env::ENV_KEYS
                .iter()
                .map(|(_, _, key, _)| key.to_string()),
        );
        for key in keys {
            assert!(
                text.contains(&format!("{key} =")),
                "config.example.toml does not document {key}"
            );
        }
        for section in [
            "[[auth.tokens]]",
            "[[auth.credentials]]",
            "[[projects]]",
            "[[functions]]",
        ] {
            assert!(text.contains(section), "{section}");
        }
    }

    #[test]
    fn the_example_config_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let c = Config::load(Some(&path), env(&[])).unwrap();
        assert!(!c.projects.is_empty());
        assert!(!c.functions.is_empty());
    }
}
