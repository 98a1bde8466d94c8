//! Function URNs, parsed once at the edge.
//!
//! Full form: `urn:fss:<region>:<project_id>:function:<package>:<func_name>[:<version>|:!<alias>]`.
//! The real service also takes shorter forms in paths (SPEC section 4):
//!
//! | fields | form                                                     |
//! |--------|----------------------------------------------------------|
//! | 1      | `<func_name>`                                            |
//! | 2      | `<package>:<func_name>`                                  |
//! | 3      | `<project_id>:<package>:<func_name>`                     |
//! | 4      | `<project_id>:<package>:<func_name>:<version or !alias>` |
//! | 7      | `urn:fss:<region>:<project_id>:function:<package>:<func_name>` |
//! | 8      | the full form with a qualifier                           |
//!
//! A [`Urn`] remembers which form it was parsed from, so `Display` gives back the same text
//! (a property test checks the round trip). Percent-decoding happens before parsing, in
//! the path extractor.

use std::fmt;

use super::names::{
    AliasName, FunctionName, NameError, PackageName, ProjectId, Region, VersionName,
};

/// What a URN points at inside a function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// The working copy, `latest`.
    Latest,
    /// A published version.
    Version(VersionName),
    /// An alias (`!name` in a URN).
    Alias(AliasName),
}

impl Qualifier {
    /// Parses the last URN field: `latest`, a version name, or `!alias`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if s == "latest" {
            Ok(Self::Latest)
        } else if let Some(alias) = s.strip_prefix('!') {
            AliasName::parse(alias).map(Self::Alias)
        } else {
            VersionName::parse(s).map(Self::Version)
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latest => f.write_str("latest"),
            Self::Version(v) => f.write_str(v.as_str()),
            Self::Alias(a) => write!(f, "!{a}"),
        }
    }
}

/// Which of the accepted forms a URN was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Name,
    PackageName,
    ProjectPackageName,
    ProjectPackageNameQualifier,
    Full,
    FullQualified,
}

/// A parsed function URN. It cannot hold an invalid one: every field passed its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urn {
    form: Form,
    region: Option<Region>,
    project: Option<ProjectId>,
    package: PackageName,
    function: FunctionName,
    qualifier: Option<Qualifier>,
}

/// Why a URN was refused. Always answered with 400 FSS.0400 (SPEC section 9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrnError(String);

impl fmt::Display for UrnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UrnError {}

impl From<NameError> for UrnError {
    fn from(e: NameError) -> Self {
        Self(format!("invalid function URN: {e}"))
    }
}

impl Urn {
    /// Parses a (percent-decoded) URN in any accepted form.
    pub fn parse(s: &str) -> Result<Self, UrnError> {
        // Longest valid URN is well under 512 bytes; refuse monsters before splitting them.
        if s.len() > 512 {
            return Err(UrnError(format!(
                "invalid function URN: {} bytes is longer than any valid URN",
                s.len()
            )));
        }
        // The fields on the stack (no allocation on the hot path): nine hold every accepted
        // form and one more, enough to tell "too many" apart; `count` is the real number.
        let mut buf = [""; 9];
        let mut count = 0;
        // Split at each `:` by looking at the bytes in one pass: `str::split(':')` searches
        // again for every field, and its setup per field was the largest part of the parse.
        let mut start = 0;
        for end in s
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b':').then_some(i))
            .chain([s.len()])
        {
            // `:` is ASCII, so both ends are character boundaries.
            let field = &s[start..end];
            if field.is_empty() {
                return Err(UrnError(format!(
                    "invalid function URN: field {} is empty",
                    count + 1
                )));
            }
            if let Some(slot) = buf.get_mut(count) {
                *slot = field;
            }
            count += 1;
            start = end + 1;
        }
        let fields = &buf[..count.min(buf.len())];
        let project = |f: &str| ProjectId::parse(f).map(Some);
        let urn = match fields {
            [name] => Self::short(Form::Name, None, None, name, None)?,
            [package, name] => Self::short(Form::PackageName, None, Some(package), name, None)?,
            [p, package, name] => Self::short(
                Form::ProjectPackageName,
                project(p)?,
                Some(package),
                name,
                None,
            )?,
            [p, package, name, q] => Self::short(
                Form::ProjectPackageNameQualifier,
                project(p)?,
                Some(package),
                name,
                Some(q),
            )?,
            [
                "urn",
                "fss",
                region,
                p,
                "function",
                package,
                name,
                rest @ ..,
            ] if rest.len() <= 1 => {
                let mut urn = Self::short(Form::Full, project(p)?, Some(package), name, None)?;
                urn.region = Some(Region::parse(region)?);
                if let [q] = rest {
                    urn.form = Form::FullQualified;
                    urn.qualifier = Some(Qualifier::parse(q)?);
                }
                urn
            }
            [_, _, _, _, _, _, _, ..] => {
                return Err(UrnError(
                    "invalid function URN: expected urn:fss:<region>:<project_id>:function:<package>:<name>[:<version>]"
                        .to_owned(),
                ));
            }
            _ => {
                return Err(UrnError(format!(
                    "invalid function URN: {count} fields; the accepted forms have 1, 2, 3, 4, 7 or 8",
                )));
            }
        };
        Ok(urn)
    }

    fn short(
        form: Form,
        project: Option<ProjectId>,
        package: Option<&&str>,
        name: &str,
        qualifier: Option<&&str>,
    ) -> Result<Self, UrnError> {
        Ok(Self {
            form,
            region: None,
            project,
            package: match package {
                Some(p) => PackageName::parse(p)?,
                None => PackageName::default_package(),
            },
            function: FunctionName::parse(name)?,
            qualifier: qualifier.map(|q| Qualifier::parse(q)).transpose()?,
        })
    }

    /// The region the URN names, if it is in the full form.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }

    /// The project id the URN names, if its form has one.
    pub fn project(&self) -> Option<&ProjectId> {
        self.project.as_ref()
    }

    /// The package (`default` when the form has none).
    pub fn package(&self) -> &PackageName {
        &self.package
    }

    /// The function name.
    pub fn function(&self) -> &FunctionName {
        &self.function
    }

    /// The qualifier as written; `None` when the URN has none (which means `latest`).
    pub fn explicit_qualifier(&self) -> Option<&Qualifier> {
        self.qualifier.as_ref()
    }

    /// What the URN points at: its qualifier, or `latest` when it has none.
    pub fn qualifier(&self) -> &Qualifier {
        self.qualifier.as_ref().unwrap_or(&Qualifier::Latest)
    }
}

impl fmt::Display for Urn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (pkg, name) = (&self.package, &self.function);
        // The fields below exist exactly for the forms that print them (set by `parse`).
        let project = self.project.as_ref().map(ProjectId::as_str).unwrap_or("");
        let region = self.region.as_ref().map(Region::as_str).unwrap_or("");
        match self.form {
            Form::Name => write!(f, "{name}"),
            Form::PackageName => write!(f, "{pkg}:{name}"),
            Form::ProjectPackageName => write!(f, "{project}:{pkg}:{name}"),
            Form::ProjectPackageNameQualifier | Form::Full | Form::FullQualified => {
                if self.form != Form::ProjectPackageNameQualifier {
                    write!(f, "urn:fss:{region}:{project}:function:")?;
                } else {
                    write!(f, "{project}:")?;
                }
                write!(f, "{pkg}:{name}")?;
                match &self.qualifier {
                    Some(q) => write!(f, ":{q}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Writes the full URN of a function or one of its versions, as responses carry it.
pub fn full_urn(
    region: &Region,
    project: &ProjectId,
    package: &PackageName,
    function: &FunctionName,
    qualifier: &Qualifier,
) -> String {
    FullUrn {
        region,
        project,
        package,
        function,
        qualifier,
    }
    .to_string()
}

/// The full URN of a function or one of its versions, borrowed from its parts: what
/// [`full_urn`] writes, without a string of its own. Every function object a response
/// carries starts with one, so the renderer copies its [`parts`](Self::parts) straight into
/// the answer (`api::view`); serde (the lists) writes it as one string.
#[derive(Debug, Clone, Copy)]
pub struct FullUrn<'a> {
    /// The region.
    pub region: &'a Region,
    /// The project.
    pub project: &'a ProjectId,
    /// The package.
    pub package: &'a PackageName,
    /// The function.
    pub function: &'a FunctionName,
    /// `latest`, a version, or an alias.
    pub qualifier: &'a Qualifier,
}

impl<'a> FullUrn<'a> {
    /// The URN's text in pieces, in order: their concatenation is the URN.
    pub fn parts(&self) -> [&'a str; 11] {
        let (bang, qualifier) = match self.qualifier {
            Qualifier::Latest => ("", "latest"),
            Qualifier::Version(v) => ("", v.as_str()),
            Qualifier::Alias(a) => ("!", a.as_str()),
        };
        [
            "urn:fss:",
            self.region.as_str(),
            ":",
            self.project.as_str(),
            ":function:",
            self.package.as_str(),
            ":",
            self.function.as_str(),
            ":",
            bang,
            qualifier,
        ]
    }
}

impl fmt::Display for FullUrn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts().iter().try_for_each(|part| f.write_str(part))
    }
}

impl serde::Serialize for FullUrn<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // One string, escaped once: serde_json's `collect_str` escapes each piece apart.
        s.serialize_str(&self.parts().concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_full_urn_in_parts_is_the_formatted_one() {
        let region = Region::parse("cn-north-4").unwrap();
        let project = ProjectId::parse(P).unwrap();
        let package = PackageName::parse("pkg_1").unwrap();
        let function = FunctionName::parse("hello-fn").unwrap();
        for (qualifier, last) in [
            (Qualifier::Latest, "latest"),
            (Qualifier::parse("v1.2").unwrap(), "v1.2"),
            (Qualifier::parse("!live").unwrap(), "!live"),
        ] {
            let want = format!("urn:fss:cn-north-4:{P}:function:pkg_1:hello-fn:{last}");
            let urn = FullUrn {
                region: &region,
                project: &project,
                package: &package,
                function: &function,
                qualifier: &qualifier,
            };
            assert_eq!(urn.to_string(), want);
            assert_eq!(urn.parts().concat(), want);
            assert_eq!(serde_json::to_string(&urn).unwrap(), format!("\"{want}\""));
            assert_eq!(
                full_urn(&region, &project, &package, &function, &qualifier),
                want
            );
        }
    }

    #[test]
    fn every_accepted_form_parses_and_round_trips() {
        let cases = [
            ("hello", None, "default", None),
            ("pkg:hello", None, "pkg", None),
            (&*format!("{P}:default:hello"), Some(P), "default", None),
            (
                &*format!("{P}:default:hello:v1"),
                Some(P),
                "default",
                Some("v1"),
            ),
            (
                &*format!("{P}:default:hello:!prod"),
                Some(P),
                "default",
                Some("!prod"),
            ),
            (
                &*format!("urn:fss:cn-north-4:{P}:function:default:hello"),
                Some(P),
                "default",
                None,
            ),
            (
                &*format!("urn:fss:cn-north-4:{P}:function:default:hello:latest"),
                Some(P),
                "default",
                Some("latest"),
            ),
            (
                &*format!("urn:fss:cn-north-4:{P}:function:app:hello:v1.0"),
                Some(P),
                "app",
                Some("v1.0"),
            ),
        ];
        for (text, project, package, qualifier) in cases {
            let urn = Urn::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(urn.project().map(|p| p.as_str()), project, "{text}");
            assert_eq!(urn.package().as_str(), package, "{text}");
            assert_eq!(urn.function().as_str(), "hello", "{text}");
            assert_eq!(
                urn.explicit_qualifier().map(|q| q.to_string()).as_deref(),
                qualifier,
                "{text}"
            );
            assert_eq!(urn.to_string(), text, "round trip");
        }
    }

    #[test]
    fn refusals_name_the_empty_field_and_count_every_field() {
        let message = |s: &str| Urn::parse(s).unwrap_err().to_string();
        assert_eq!(message("a::b"), "invalid function URN: field 2 is empty");
        // An empty field past the ninth is still found (the fields are kept on the stack).
        assert_eq!(
            message("a:b:c:d:e:f:g:h:i:j:"),
            "invalid function URN: field 11 is empty"
        );
        assert!(message("a:b:c:d:e").contains(": 5 fields;"));
        assert!(message("a:b:c:d:e:f").contains(": 6 fields;"));
        for many in ["a:b:c:d:e:f:g:h:i", "a:b:c:d:e:f:g:h:i:j:k:l"] {
            assert!(message(many).contains("expected urn:fss:"), "{many}");
        }
    }

    #[test]
    fn qualifier_defaults_to_latest() {
        assert_eq!(Urn::parse("hello").unwrap().qualifier(), &Qualifier::Latest);
    }

    #[test]
    fn malformed_urns_are_refused() {
        for bad in [
            "",
            ":",
            "hello:",
            ":hello",
            "a:b:c:d:e",
            "a:b:c:d:e:f",
            &format!("urn:fss:cn-north-4:{P}:function:default:hello:v1:extra"),
            &format!("urn:xxx:cn-north-4:{P}:function:default:hello"),
            &format!("urn:fss:cn-north-4:{P}:functio:default:hello"),
            &format!("urn:fss:cn-north-4:{P}:function:default:1hello"),
            &format!("urn:fss:cn-north-4:{P}:function:default:hello:!1bad"),
            &format!("urn:fss:cn-north-4:{P}:function:default:hello:v1."),
            "1hello",
            "pkg/x:hello",
            &"a".repeat(600),
        ] {
            assert!(Urn::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn full_urn_writes_eight_fields() {
        let urn = full_urn(
            &Region::parse("cn-north-4").unwrap(),
            &ProjectId::parse(P).unwrap(),
            &PackageName::default_package(),
            &FunctionName::parse("hello").unwrap(),
            &Qualifier::Latest,
        );
        assert_eq!(
            urn,
            format!("urn:fss:cn-north-4:{P}:function:default:hello:latest")
        );
        assert_eq!(Urn::parse(&urn).unwrap().to_string(), urn);
    }
}
