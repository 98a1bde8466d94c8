//! Code as clients send it (UpdateFunctionCode, and the code part of CreateFunction):
//! decoded and digested here, outside every lock.

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

/// The body of `PUT .../code` (UpdateFunctionCode).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CodeBody {
    /// `inline`, `zip`, `jar`, `obs` or `Custom-Image-Swr`.
    pub code_type: Option<String>,
    /// The OBS URL, for `obs` code.
    pub code_url: Option<String>,
    /// The code file name, as given.
    pub code_filename: Option<String>,
    /// The code, base64 in `file`.
    pub func_code: Option<FuncCodeBody>,
    /// Custom image settings, for `Custom-Image-Swr` code.
    #[schema(value_type = Option<Object>)]
    pub custom_image: Option<Value>,
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

/// Code from a body: `code_type` says where it is (in `func_code.file`, at `code_url`, or
/// in `custom_image`); each kind has its own rule below.
pub(super) fn parse_code(
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
            let (bytes, digest) = carried_code(code_type, func_code, limits)?;
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
    func_code: Option<FuncCodeBody>,
    limits: &LimitsConfig,
) -> Result<(Bytes, Digest), ApiError> {
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
    Ok((Bytes::from(bytes), digest))
}

/// OBS code: the URL, and its digest standing for the code.
fn obs_code(code_url: Option<String>) -> Result<(Digest, String), ApiError> {
    let url = code_url.unwrap_or_default();
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
