//! Request bodies as clients send them, and the rules that turn them into validated inputs.
//!
//! The `*Body` structs mirror the wire: every field optional, raw strings and numbers,
//! unknown fields ignored (the SDKs send many we do not model). Each has one `parse` that
//! applies the real service's field rules and yields an input the service can trust.
//! Decoding and hashing code happens here, outside every lock.
//!
//! One file per body: `function` (CreateFunction, UpdateFunctionConfig), `code`
//! (UpdateFunctionCode, and the code part of a create), `publish`
//! (CreateFunctionVersion), `alias` (the alias operations), `page` (list paging).

mod alias;
mod code;
mod function;
mod page;
mod publish;

pub use alias::{AliasBody, AliasInput};
pub use code::{CodeBody, CodeInput, FuncCodeBody};
pub use function::{
    CreateFunctionInput, FunctionBody, FunctionBodyDirect, patch_config, patch_config_in_place,
};
pub use page::{ListQuery, Listed, Page, PageInfo};
pub use publish::{PublishBody, PublishInput};

use crate::domain::Description;
use crate::error::{ApiError, ErrorCode};

pub(crate) fn err(code: ErrorCode, detail: impl std::fmt::Display) -> ApiError {
    ApiError::detailed(code, detail)
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

pub(crate) fn required<'a>(
    field: &str,
    v: Option<&'a str>,
    code: ErrorCode,
) -> Result<&'a str, ApiError> {
    v.ok_or_else(|| err(code, format!("{field} is required")))
}
