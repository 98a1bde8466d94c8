//! Domain types: names, URNs and function settings that can only hold valid values.
//!
//! Everything here is plain data with `parse` constructors and unit tests; nothing knows
//! HTTP or the store. The API layer parses raw request strings into these types, so the
//! service only ever sees values that passed their rule.

pub mod alias;
pub mod config;
pub mod function;
pub mod names;
pub mod urn;

pub use function::{
    CodeType, Description, Digest, Handler, MemorySize, Runtime, Timeout, encode_code, hex_string,
    uuid_of,
};
pub use names::{AliasName, FunctionName, NameError, PackageName, ProjectId, Region, VersionName};
pub use urn::{FullUrn, Qualifier, Urn, UrnError, full_urn};
