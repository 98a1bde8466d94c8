//! The CreateFunctionVersion (publish) body.

use serde::Deserialize;

use super::{err, parse_description};
use crate::domain::{Description, VersionName};
use crate::error::{ApiError, ErrorCode};

/// The body of `POST .../versions` (CreateFunctionVersion). Absent body, `{}` and
/// `"digest": ""` all mean "publish latest as it is".
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct PublishBody {
    /// SHA-512 of the code (of the URL or image for code held elsewhere).
    pub digest: Option<String>,
    /// The version name.
    pub version: Option<String>,
    /// The description.
    pub description: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
