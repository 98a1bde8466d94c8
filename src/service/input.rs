//! Request bodies as clients send them, and the rules that turn them into validated inputs.
//!
//! The `*Body` structs mirror the wire: every field optional, raw strings and numbers,
//! unknown fields ignored (the SDKs send many we do not model). Each has one `parse` that
//! applies the real service's field rules and yields an input the service can trust.
//! Decoding and hashing code happens here, outside every lock.

use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::LimitsConfig;
use crate::domain::{CodeType, Description, Digest, FunctionName, PackageName, VersionName};
use crate::error::{ApiError, ErrorCode};
use crate::model::FunctionConfig;

/// `func_code` in create and update-code bodies.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct FuncCodeBody {
    /// The code, base64.
    pub file: Option<String>,
    /// A link (unused by the emulator).
    pub link: Option<String>,
}

/// The body of `POST /v2/{project_id}/fgs/functions` (CreateFunction), and of
/// `PUT .../config` (UpdateFunctionConfig), which takes the same configuration settings.
///
/// The function's identity and code are fields here; every other key is kept in
/// `settings` as sent and read by [`FunctionConfig::parse`], the one place that knows the
/// configuration's shape and rules.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct FunctionBody {
    pub func_name: Option<String>,
    pub package: Option<String>,
    pub code_type: Option<String>,
    pub code_url: Option<String>,
    pub code_filename: Option<String>,
    pub func_code: Option<FuncCodeBody>,
    /// The configuration settings (see the `FunctionConfig` schema), and any other key.
    #[serde(flatten)]
    #[schema(value_type = FunctionConfig)]
    pub settings: Map<String, Value>,
}

/// The body of `PUT .../code` (UpdateFunctionCode).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CodeBody {
    pub code_type: Option<String>,
    pub code_url: Option<String>,
    pub code_filename: Option<String>,
    pub func_code: Option<FuncCodeBody>,
    #[schema(value_type = Option<Object>)]
    pub custom_image: Option<Value>,
}

/// The body of `POST .../versions` (CreateFunctionVersion). Absent body, `{}` and
/// `"digest": ""` all mean "publish latest as it is".
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct PublishBody {
    pub digest: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
}

/// Code, decoded and digested.
#[derive(Debug, Clone)]
pub struct CodeInput {
    pub code_type: CodeType,
    pub code_filename: String,
    pub code_url: String,
    pub bytes: Bytes,
    pub digest: Digest,
}

/// A validated CreateFunction request.
#[derive(Debug, Clone)]
pub struct CreateFunctionInput {
    pub package: PackageName,
    pub name: FunctionName,
    pub config: FunctionConfig,
    pub code: CodeInput,
}

/// A validated CreateFunctionVersion request.
#[derive(Debug, Clone, Default)]
pub struct PublishInput {
    /// The digest the client expects latest to have; `None` when absent or empty.
    pub digest: Option<String>,
    /// The version name; `None` means "name it after the clock".
    pub version: Option<VersionName>,
    /// The version's description.
    pub description: Description,
}

fn err(code: ErrorCode, detail: impl std::fmt::Display) -> ApiError {
    ApiError::detailed(code, detail)
}

impl PublishBody {
    /// Applies SPEC section 2 rule 4: the version-name rule, `latest` reserved, and the
    /// 512-character description.
    pub fn parse(self) -> Result<PublishInput, ApiError> {
        let version = match self.version.as_deref() {
            None | Some("") => None,
            Some(v) => Some(
                VersionName::parse(v).map_err(|e| err(ErrorCode::InvalidVersion, e.to_string()))?,
            ),
        };
        let description = parse_description(self.description.as_deref())?;
        let digest = self.digest.filter(|d| !d.is_empty());
        Ok(PublishInput {
            digest,
            version,
            description,
        })
    }
}

/// A description of at most 512 characters (400 FSS.1019 beyond), for versions and aliases.
pub fn parse_description(s: Option<&str>) -> Result<Description, ApiError> {
    let s = s.unwrap_or("");
    Description::parse(s).ok_or_else(|| {
        err(
            ErrorCode::DescriptionTooLong,
            format!(
                "{} characters, at most {}.",
                s.chars().count(),
                Description::MAX_CHARS
            ),
        )
    })
}

fn required<'a>(field: &str, v: Option<&'a str>, code: ErrorCode) -> Result<&'a str, ApiError> {
    v.ok_or_else(|| err(code, format!("{field} is required")))
}

impl FunctionBody {
    /// Applies CreateFunction's rules.
    pub fn parse_create(self, limits: &LimitsConfig) -> Result<CreateFunctionInput, ApiError> {
        let name = required(
            "func_name",
            self.func_name.as_deref(),
            ErrorCode::InvalidFunctionName,
        )?;
        let name = FunctionName::parse(name)
            .map_err(|e| err(ErrorCode::InvalidFunctionName, e.to_string()))?;
        let package = match self.package.as_deref() {
            None | Some("") => PackageName::default_package(),
            Some(p) => {
                PackageName::parse(p).map_err(|e| err(ErrorCode::InvalidPackage, e.to_string()))?
            }
        };
        let code = parse_code(
            self.code_type.as_deref(),
            self.func_code.clone(),
            self.code_url.clone(),
            self.code_filename.clone(),
            self.settings.get("custom_image"),
            limits,
        )?;
        let config = self.parse_config(None)?;
        Ok(CreateFunctionInput {
            package,
            name,
            config,
            code,
        })
    }

    /// The configuration settings, laid over `current` for an update (omitted settings
    /// keep their values) or over the service's defaults at create.
    pub fn parse_config(
        &self,
        current: Option<&FunctionConfig>,
    ) -> Result<FunctionConfig, ApiError> {
        FunctionConfig::parse(&self.settings, current)
    }
}

impl CodeBody {
    /// Applies UpdateFunctionCode's rules.
    pub fn parse(self, limits: &LimitsConfig) -> Result<CodeInput, ApiError> {
        parse_code(
            self.code_type.as_deref(),
            self.func_code,
            self.code_url,
            self.code_filename,
            self.custom_image.as_ref(),
            limits,
        )
    }
}

/// Base64 as clients send it: the standard alphabet, padding optional.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Encodes code for `func_code.file`.
pub fn encode_code(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn parse_code(
    code_type: Option<&str>,
    func_code: Option<FuncCodeBody>,
    code_url: Option<String>,
    code_filename: Option<String>,
    custom_image: Option<&Value>,
    limits: &LimitsConfig,
) -> Result<CodeInput, ApiError> {
    let code_type_s = required("code_type", code_type, ErrorCode::InvalidCodeType)?;
    let code_type = CodeType::parse(code_type_s).ok_or_else(|| {
        err(
            ErrorCode::InvalidCodeType,
            "code_type must be inline, zip, jar, obs or Custom-Image-Swr",
        )
    })?;
    let code_filename = code_filename.unwrap_or_default();
    let (bytes, digest, code_url) = match code_type {
        CodeType::Inline | CodeType::Zip | CodeType::Jar => {
            let file = func_code.and_then(|c| c.file).unwrap_or_default();
            if file.is_empty() && code_type != CodeType::Inline {
                return Err(err(
                    ErrorCode::CodeRequired,
                    format!("func_code.file is required for {code_type} code"),
                ));
            }
            let (max, too_large) = if code_type == CodeType::Inline {
                (limits.max_inline_code_bytes, ErrorCode::InlineCodeTooLarge)
            } else {
                (limits.max_code_bytes, ErrorCode::CodeTooLarge)
            };
            // Refuse from the encoded length before decoding anything large.
            let decoded_estimate = file.len() / 4 * 3;
            if decoded_estimate > max + 3 {
                return Err(err(
                    too_large,
                    format!("about {decoded_estimate} bytes, at most {max}"),
                ));
            }
            let bytes = BASE64.decode(file.as_bytes()).map_err(|e| {
                err(
                    ErrorCode::InvalidCode,
                    format!("func_code.file is not base64 ({e})"),
                )
            })?;
            if bytes.len() > max {
                return Err(err(
                    too_large,
                    format!("{} bytes, at most {max}", bytes.len()),
                ));
            }
            let digest = Digest::of(&bytes);
            (Bytes::from(bytes), digest, String::new())
        }
        CodeType::Obs => {
            let url = code_url.unwrap_or_default();
            if url.is_empty() {
                return Err(err(
                    ErrorCode::CodeRequired,
                    "code_url is required for obs code",
                ));
            }
            // The emulator does not fetch from OBS: the URL stands for the code.
            let digest = Digest::of(url.as_bytes());
            (Bytes::new(), digest, url)
        }
        CodeType::CustomImageSwr => {
            let image = custom_image
                .and_then(|v| v.get("image"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if image.is_empty() {
                return Err(err(
                    ErrorCode::CodeRequired,
                    "custom_image.image is required for Custom-Image-Swr",
                ));
            }
            (Bytes::new(), Digest::of(image.as_bytes()), String::new())
        }
    };
    Ok(CodeInput {
        code_type,
        code_filename,
        code_url,
        bytes,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_json() -> Value {
        serde_json::json!({
            "func_name": "hello", "runtime": "Python3.9", "timeout": 30,
            "handler": "index.handler", "memory_size": 128, "code_type": "inline",
            "func_code": {"file": encode_code(b"print(1)")},
        })
    }

    fn body() -> FunctionBody {
        serde_json::from_value(body_json()).unwrap()
    }

    fn code_of(r: Result<CreateFunctionInput, ApiError>) -> &'static str {
        r.map(|_| "ok").unwrap_or_else(|e| e.code().code())
    }

    #[test]
    fn create_rules_give_their_codes() {
        let limits = LimitsConfig::default();
        assert_eq!(code_of(body().parse_create(&limits)), "ok");
        // (what, key, new value or null to remove it, expected code)
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            ("no name", "func_name", Value::Null, "FSS.1002"),
            ("bad name", "func_name", "1x".into(), "FSS.1002"),
            ("bad package", "package", "a:b".into(), "FSS.1004"),
            ("bad runtime", "runtime", "Cobol".into(), "FSS.1005"),
            ("no runtime", "runtime", Value::Null, "FSS.1005"),
            ("bad memory", "memory_size", 100.into(), "FSS.1007"),
            ("bad timeout", "timeout", 901.into(), "FSS.1008"),
            ("bad handler", "handler", "index".into(), "FSS.1003"),
            ("bad code type", "code_type", "tar".into(), "FSS.1006"),
            ("no code type", "code_type", Value::Null, "FSS.1006"),
            (
                "bad base64",
                "func_code",
                serde_json::json!({"file": "***"}),
                "FSS.1011",
            ),
            (
                "inline too big",
                "func_code",
                serde_json::json!({"file": encode_code(&[b'x'; 10 * 1024 + 1])}),
                "FSS.1072",
            ),
            (
                "long description",
                "description",
                "x".repeat(513).into(),
                "FSS.1019",
            ),
            ("bad user_data", "user_data", "[1]".into(), "FSS.1009"),
            ("bad type", "type", "v3".into(), "FSS.0400"),
            ("bad vpc", "func_vpc", 1.into(), "FSS.0400"),
        ];
        for (what, key, value, expected) in cases {
            let mut b = body_json();
            match value {
                Value::Null => b.as_object_mut().unwrap().remove(key),
                v => b.as_object_mut().unwrap().insert(key.to_owned(), v),
            };
            let b: FunctionBody = serde_json::from_value(b).unwrap();
            assert_eq!(code_of(b.parse_create(&limits)), expected, "{what}");
        }
        let mut zip = body_json();
        zip["code_type"] = "zip".into();
        zip.as_object_mut().unwrap().remove("func_code");
        let zip: FunctionBody = serde_json::from_value(zip).unwrap();
        assert_eq!(
            code_of(zip.parse_create(&limits)),
            "FSS.1012",
            "zip without code"
        );
    }

    #[test]
    fn inline_code_is_decoded_and_digested() {
        let input = body().parse_create(&LimitsConfig::default()).unwrap();
        assert_eq!(&input.code.bytes[..], b"print(1)");
        assert_eq!(input.code.digest, Digest::of(b"print(1)"));
        assert_eq!(input.config.func_type.as_str(), "v2");
        assert_eq!(input.config.strategy_config.concurrency, -1);
    }

    #[test]
    fn publish_body_rules() {
        assert!(PublishBody::default().parse().unwrap().version.is_none());
        let p = PublishBody {
            digest: Some(String::new()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert!(p.digest.is_none(), "an empty digest means none");
        for (v, ok) in [
            ("v1", true),
            ("latest", false),
            ("-v", false),
            ("a.b", true),
        ] {
            let r = PublishBody {
                version: Some(v.into()),
                ..Default::default()
            }
            .parse();
            assert_eq!(r.is_ok(), ok, "{v}");
            if let Err(e) = r {
                assert_eq!(e.code().code(), "FSS.1015");
            }
        }
        let e = PublishBody {
            description: Some("x".repeat(513)),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.code().code(), "FSS.1019");
    }
}

/// The body of `POST .../aliases` (CreateVersionAlias) and `PUT .../aliases/{name}`
/// (UpdateVersionAlias). Weights and strategy are read as raw JSON so that a bad weight
/// gets its own code (FSS.1092) rather than a generic type error.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct AliasBody {
    pub name: Option<String>,
    pub version: Option<String>,
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
        let additional_name = match (&weight, &strategy) {
            (Some((a, _)), Some((b, _))) if a != b => {
                return Err(err(
                    ErrorCode::InvalidAdditionalVersion,
                    format!(
                        "an alias has one additional version, but weights name '{a}' and the strategy '{b}'"
                    ),
                ));
            }
            (Some((a, _)), _) | (None, Some((a, _))) => Some(a.clone()),
            (None, None) => None,
        };
        let additional = match additional_name {
            None => None,
            Some(name) => {
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
                    Some((_, w)) => Some(w.as_i64().filter(|w| (0..=100).contains(w)).ok_or_else(
                        || {
                            err(
                                ErrorCode::InvalidWeight,
                                format!("{w} is not an integer from 0 to 100"),
                            )
                        },
                    )?),
                };
                let strategy = match strategy {
                    None => None,
                    Some((_, s)) => Some(validate_strategy(s)?),
                };
                Some(crate::model::AdditionalVersion {
                    version: parsed,
                    weight,
                    strategy,
                })
            }
        };
        Ok(AliasInput {
            version: version.to_owned(),
            description,
            additional,
        })
    }
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

/// `marker` and `maxitems` as they arrive in a query string.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    pub marker: Option<String>,
    pub maxitems: Option<String>,
    pub package_name: Option<String>,
    pub func_name: Option<String>,
}

/// A validated page request: start at `marker` (an offset), return at most `maxitems`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Offset of the first item.
    pub marker: usize,
    /// Most items to return, 1..=400.
    pub maxitems: usize,
}

impl Page {
    /// The default and largest page.
    pub const MAX_ITEMS: usize = 400;

    /// `marker` is an offset (absent: 0); `maxitems` absent, 0 or over 400 means 400. Each
    /// must be a whole number from 0 to 2^63-1 (the integer the OpenAPI document declares);
    /// negative, empty or anything else is 400 FSS.0400.
    pub fn parse(q: &ListQuery) -> Result<Self, ApiError> {
        let number = |name: &str, v: &Option<String>| -> Result<Option<u64>, ApiError> {
            match v.as_deref() {
                None => Ok(None),
                Some(s) => s
                    .parse::<i64>()
                    .ok()
                    .and_then(|n| u64::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        ApiError::invalid_parameter(format!(
                            "{name} must be a whole number from 0 to {}, got '{}'",
                            i64::MAX,
                            s.chars().take(32).collect::<String>()
                        ))
                    }),
            }
        };
        let marker = number("marker", &q.marker)?.unwrap_or(0);
        let maxitems = match number("maxitems", &q.maxitems)? {
            None | Some(0) => Self::MAX_ITEMS,
            Some(n) => usize::try_from(n)
                .unwrap_or(usize::MAX)
                .min(Self::MAX_ITEMS),
        };
        Ok(Self {
            marker: usize::try_from(marker).unwrap_or(usize::MAX),
            maxitems,
        })
    }

    /// The range of `total` items this page covers, and `next_marker` (0 when none left).
    pub fn window(self, total: usize) -> (std::ops::Range<usize>, usize) {
        let start = self.marker.min(total);
        let end = start.saturating_add(self.maxitems).min(total);
        (start..end, if end < total { end } else { 0 })
    }
}
