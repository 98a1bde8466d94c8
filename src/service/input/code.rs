//! Code as clients send it (UpdateFunctionCode, and the code part of CreateFunction):
//! decoded and digested here, outside every lock.

use std::borrow::Cow;

use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use super::{err, required};
use crate::config::LimitsConfig;
use crate::domain::{CodeType, Digest};
use crate::error::{ApiError, ErrorCode};

/// `func_code` in create and update-code bodies.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct FuncCodeBody {
    /// The code, base64.
    pub file: Option<String>,
    /// A link (unused by the emulator).
    pub link: Option<String>,
}

// Read in place from the request's bytes (`JsonBody::borrowed`): the strings borrow the
// body unless JSON escapes had to be undone. The base64 code is the body's bulk (13 MB for
// a 10 MB zip), which update code copied, with two small strings, before decoding
// (`docs/PERFORMANCE.md`, "Issue 14, fourteenth step"). A plain comment, not a doc
// comment: the doc comment is the OpenAPI document's description.
/// The body of `PUT .../code` (UpdateFunctionCode).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CodeBody<'a> {
    /// `inline`, `zip`, `jar`, `obs` or `Custom-Image-Swr`.
    #[serde(borrow)]
    #[schema(value_type = Option<String>)]
    pub code_type: Option<Cow<'a, str>>,
    /// The OBS URL, for `obs` code.
    #[serde(borrow)]
    #[schema(value_type = Option<String>)]
    pub code_url: Option<Cow<'a, str>>,
    /// The code file name, as given.
    #[serde(borrow)]
    #[schema(value_type = Option<String>)]
    pub code_filename: Option<Cow<'a, str>>,
    /// The code, base64 in `file`.
    #[serde(borrow)]
    #[schema(value_type = Option<FuncCodeBody>)]
    pub func_code: Option<FuncCodeRef<'a>>,
    /// Custom image settings, for `Custom-Image-Swr` code.
    #[schema(value_type = Option<Object>)]
    pub custom_image: Option<Value>,
}

/// `func_code` in an update-code body, borrowed as [`CodeBody`] is (its schema is
/// [`FuncCodeBody`]'s; create reads the owned one, with the rest of its body).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct FuncCodeRef<'a> {
    /// The code, base64.
    #[serde(borrow)]
    pub file: Option<Cow<'a, str>>,
    /// A link (unused by the emulator; read so that its type is checked as create's is).
    #[serde(borrow)]
    pub link: Option<Cow<'a, str>>,
}

/// Code, decoded and digested.
#[derive(Debug, Clone)]
pub struct CodeInput {
    /// `inline`, `zip`, `jar`, `obs` or `Custom-Image-Swr`.
    pub code_type: CodeType,
    /// The code file name, as given.
    pub code_filename: String,
    /// The OBS URL, for `obs` code.
    pub code_url: String,
    /// The decoded code.
    pub bytes: Bytes,
    /// SHA-512 of the code (of the URL or image for code held elsewhere).
    pub digest: Digest,
}

impl CodeBody<'_> {
    /// Applies UpdateFunctionCode's rules.
    pub fn parse(&self, limits: &LimitsConfig) -> Result<CodeInput, ApiError> {
        parse_code(
            self.code_type.as_deref(),
            self.func_code.as_ref().and_then(|c| c.file.as_deref()),
            self.code_url.as_deref(),
            self.code_filename.as_deref(),
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

/// Code from a body: `code_type` says where it is (in `func_code.file`, at `code_url`, or
/// in `custom_image`); each kind has its own rule below.
pub(super) fn parse_code(
    code_type: Option<&str>,
    file: Option<&str>,
    code_url: Option<&str>,
    code_filename: Option<&str>,
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
    let code_filename = code_filename.unwrap_or_default().to_owned();
    let (bytes, digest, code_url) = match code_type {
        CodeType::Inline | CodeType::Zip | CodeType::Jar => {
            let (bytes, digest) = carried_code(code_type, file.unwrap_or_default(), limits)?;
            (bytes, digest, String::new())
        }
        CodeType::Obs => {
            let (digest, url) = obs_code(code_url)?;
            (Bytes::new(), digest, url)
        }
        CodeType::CustomImageSwr => (Bytes::new(), image_code(custom_image)?, String::new()),
    };
    Ok(CodeInput {
        code_type,
        code_filename,
        code_url,
        bytes,
        digest,
    })
}

/// Inline, zip or jar code, carried base64 in `func_code.file`: decoded within the size
/// limit of its kind, and digested.
fn carried_code(
    code_type: CodeType,
    file: &str,
    limits: &LimitsConfig,
) -> Result<(Bytes, Digest), ApiError> {
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
    Ok((Bytes::from(bytes), digest))
}

/// OBS code: the URL, and its digest standing for the code.
fn obs_code(code_url: Option<&str>) -> Result<(Digest, String), ApiError> {
    let url = code_url.unwrap_or_default().to_owned();
    if url.is_empty() {
        return Err(err(
            ErrorCode::CodeRequired,
            "code_url is required for obs code",
        ));
    }
    // The emulator does not fetch from OBS: the URL stands for the code.
    Ok((Digest::of(url.as_bytes()), url))
}

/// A custom image: the digest of its name stands for the code.
fn image_code(custom_image: Option<&Value>) -> Result<Digest, ApiError> {
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
    Ok(Digest::of(image.as_bytes()))
}
