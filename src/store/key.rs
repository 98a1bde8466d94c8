//! How the store names a function: an owned key for the index, a borrowed one for reads.

use crate::domain::{FunctionName, PackageName, ProjectId};

/// Identifies a function: project, package and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionKey {
    /// Project id.
    pub project: ProjectId,
    /// Package.
    pub package: PackageName,
    /// Function name.
    pub name: FunctionName,
}

/// A [`FunctionKey`] made of borrowed parts, to find a function without copying its names
/// (a read names the function in its URN; copying the three names into a key was three
/// allocations per read).
#[derive(Debug, Clone, Copy)]
pub struct FunctionKeyRef<'a> {
    /// Project id.
    pub project: &'a ProjectId,
    /// Package.
    pub package: &'a PackageName,
    /// Function name.
    pub name: &'a FunctionName,
}

/// What the index hashes and compares, owned or borrowed: the three names, in order. Both
/// key types hash through this, so a borrowed key finds what an owned one stored.
pub(super) trait KeyParts {
    fn parts(&self) -> [&str; 3];
}

impl KeyParts for FunctionKey {
    fn parts(&self) -> [&str; 3] {
        [
            self.project.as_str(),
            self.package.as_str(),
            self.name.as_str(),
        ]
    }
}

impl KeyParts for FunctionKeyRef<'_> {
    fn parts(&self) -> [&str; 3] {
        [
            self.project.as_str(),
            self.package.as_str(),
            self.name.as_str(),
        ]
    }
}

impl std::hash::Hash for dyn KeyParts + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl PartialEq for dyn KeyParts + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyParts + '_ {}

impl std::hash::Hash for FunctionKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self as &dyn KeyParts).hash(state);
    }
}

impl<'a> std::borrow::Borrow<dyn KeyParts + 'a> for FunctionKey {
    fn borrow(&self) -> &(dyn KeyParts + 'a) {
        self
    }
}

impl FunctionKey {
    /// This key, borrowed.
    pub fn borrowed(&self) -> FunctionKeyRef<'_> {
        FunctionKeyRef {
            project: &self.project,
            package: &self.package,
            name: &self.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn key(project: &str, package: &str, name: &str) -> FunctionKey {
        FunctionKey {
            project: ProjectId::parse(project).unwrap(),
            package: PackageName::parse(package).unwrap(),
            name: FunctionName::parse(name).unwrap(),
        }
    }

    #[test]
    fn a_borrowed_key_finds_what_the_owned_key_stored_and_nothing_else() {
        let mut map = HashMap::new();
        let stored = key("0123456789abcdef0123456789abcdef", "default", "hello");
        map.insert(stored.clone(), 1);
        map.insert(
            key("0123456789abcdef0123456789abcdef", "default", "other"),
            2,
        );
        let found = |k: &FunctionKey| map.get(&k.borrowed() as &dyn KeyParts).copied();
        assert_eq!(found(&stored), Some(1));
        // The parts are hashed apart: moving a character between them is another key.
        assert_eq!(
            found(&key("0123456789abcdef0123456789abcdef", "defaulth", "ello")),
            None
        );
        assert_eq!(
            found(&key("0123456789abcdef0123456789abcdef", "default", "hellO")),
            None
        );
    }
}
