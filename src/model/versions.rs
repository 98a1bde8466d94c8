//! A function's published versions: in publish order, found by name without a scan.

use std::hash::{Hash, Hasher};

use indexmap::IndexMap;
use indexmap::map::MutableKeys as _;
use indexmap::map::raw_entry_v1::{RawEntryApiV1 as _, RawEntryMut};

use super::{FunctionState, VersionRecord};

/// Published versions in publish order (the last is the newest), looked up by name without
/// a scan (the cap can be lifted far above 10 in tests and benchmarks): an insertion-ordered
/// set of records, hashed and compared by their names. The caller checks that a new name is
/// free before it pushes.
///
/// Each record is boxed, so the set's entries are small (a hash and a pointer): the entries
/// are one array, which moves as a whole each time it grows, and with the records inline
/// (about 200 bytes each) a function publishing without a cap spent a quarter of each
/// publish copying them (`docs/PERFORMANCE.md`, "Issue 14, tenth step"). A set rather
/// than a map from name to record because the record holds its name: the map kept a second
/// copy of it as its key (24 bytes and an allocation per version, in a store that grows
/// with every publish). The set is a map to `()` (what `IndexSet` is inside) for the map's
/// raw entry: publish checks that a name is free and inserts it with one lookup
/// ([`Versions::publish`]).
#[derive(Debug, Clone, Default)]
pub struct Versions(IndexMap<ByName, (), foldhash::fast::RandomState>);

/// A boxed record as the set holds it, with a fingerprint of its name beside the pointer:
/// hashed as its name (`str`) hashes, and compared by name.
///
/// The fingerprint is what makes a lookup cheap. A probe whose one-byte tag matches by
/// chance (about one lookup in ten) must compare the name, and the name is three pointers
/// away (the entry, the record, its text), each a cache miss in a store bigger than the
/// cache: in a profile of publish (32 functions with thousands of versions each), that
/// compare was 9% of the whole request. With the fingerprint in the entry, a chance match
/// is refused on the entry's own cache line.
#[derive(Debug, Clone)]
pub struct ByName {
    fingerprint: u64,
    record: Box<VersionRecord>,
}

impl ByName {
    fn new(record: VersionRecord) -> Self {
        Self {
            fingerprint: fingerprint(record.name.as_str()),
            record: Box::new(record),
        }
    }
}

/// A hash of a name independent of the set's: equal names have equal fingerprints.
fn fingerprint(name: &str) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::fast::FixedState::with_seed(0x6667_735f_7665_7273).hash_one(name)
}

impl Hash for ByName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that a `Named` (hashed as its `str`) finds it.
        self.record.name.as_str().hash(state);
    }
}

impl PartialEq for ByName {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint && self.record.name == other.record.name
    }
}

impl Eq for ByName {}

/// Why [`Versions::publish`] added nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotPublished {
    /// A version has the name already.
    NameTaken,
    /// There are `max` versions already.
    Full,
}

/// A name to look a version up by, with its fingerprint made once for the whole probe.
struct Named<'a> {
    name: &'a str,
    fingerprint: u64,
}

impl<'a> Named<'a> {
    fn new(name: &'a str) -> Self {
        Self {
            name,
            fingerprint: fingerprint(name),
        }
    }
}

impl Hash for Named<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl indexmap::Equivalent<ByName> for Named<'_> {
    fn equivalent(&self, key: &ByName) -> bool {
        self.fingerprint == key.fingerprint && self.name == key.record.name.as_str()
    }
}

/// Equal when they hold the same records in the same order (the set's own equality would
/// compare names only, and ignore order).
impl PartialEq for Versions {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// A boxed record, seen through (a function, to name the iterator's type).
fn unboxed(v: &ByName) -> &VersionRecord {
    &v.record
}

impl Versions {
    /// The version with this name.
    pub fn get(&self, name: &str) -> Option<&VersionRecord> {
        self.0
            .get_key_value(&Named::new(name))
            .map(|(v, ())| unboxed(v))
    }

    /// The version with this name, to change its configuration (never its name).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut VersionRecord> {
        self.0
            .get_full_mut2(&Named::new(name))
            .map(|(_, v, ())| &mut *v.record)
    }

    /// The `i`-th version in publish order.
    pub fn get_index(&self, i: usize) -> Option<&VersionRecord> {
        self.0.get_index(i).map(|(v, ())| unboxed(v))
    }

    /// The newest version.
    pub fn last(&self) -> Option<&VersionRecord> {
        self.0.last().map(|(v, ())| unboxed(v))
    }

    /// How many versions there are (latest not counted).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The versions in publish order.
    pub fn iter(&self) -> impl Iterator<Item = &VersionRecord> {
        self.into_iter()
    }

    /// Adds a version as the newest; the caller knows that its name is free (the store's
    /// own records, read back from the state file).
    pub fn push(&mut self, v: VersionRecord) {
        let (_, replaced) = self.0.insert_full(ByName::new(v), ());
        debug_assert!(
            replaced.is_none(),
            "the caller checks that the name is free"
        );
    }

    /// Publish's insert: adds the version `make` builds as the newest if no version is named
    /// `name` (else [`NotPublished::NameTaken`], whatever the count) and fewer than `max`
    /// versions exist (else [`NotPublished::Full`]). The name is hashed and looked up once:
    /// the insert then only looks for a free slot in the table groups the lookup just read,
    /// where a lookup and an insert of its own each hashed the name again (through the
    /// record's pointer) and compared any entry whose tag matched, a cache miss or two in
    /// a function with thousands of versions (`docs/PERFORMANCE.md`, "Issue 14, fourteenth
    /// step"). `make` runs only when the version is added, and must name it `name`.
    pub fn publish(
        &mut self,
        name: &str,
        max: usize,
        make: impl FnOnce() -> VersionRecord,
    ) -> Result<&VersionRecord, NotPublished> {
        use std::hash::BuildHasher as _;
        let named = Named::new(name);
        // As `ByName` hashes: as its name's `str`.
        let hash = self.0.hasher().hash_one(name);
        let full = self.0.len() >= max;
        match self
            .0
            .raw_entry_mut_v1()
            .from_hash(hash, |v| indexmap::Equivalent::equivalent(&named, v))
        {
            RawEntryMut::Occupied(_) => Err(NotPublished::NameTaken),
            RawEntryMut::Vacant(_) if full => Err(NotPublished::Full),
            RawEntryMut::Vacant(vacant) => {
                let version = ByName::new(make());
                debug_assert_eq!(version.record.name.as_str(), name, "make names it name");
                let (added, ()) = vacant.insert_hashed_nocheck(hash, version, ());
                Ok(&added.record)
            }
        }
    }

    /// Removes the version with this name, if any, keeping the others' order.
    pub fn remove(&mut self, name: &str) -> Option<VersionRecord> {
        self.0
            .shift_remove_entry(&Named::new(name))
            .map(|(v, ())| *v.record)
    }

    /// Runs `f` on every version's state (to re-point code at the shared pool).
    pub fn for_each_state_mut(&mut self, mut f: impl FnMut(&mut FunctionState)) {
        for i in 0..self.0.len() {
            if let Some((v, ())) = self.0.get_index_mut2(i) {
                f(&mut v.record.state);
            }
        }
    }
}

impl<'a> IntoIterator for &'a Versions {
    type Item = &'a VersionRecord;
    type IntoIter =
        std::iter::Map<indexmap::map::Keys<'a, ByName, ()>, fn(&'a ByName) -> &'a VersionRecord>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.keys().map(unboxed)
    }
}

impl FromIterator<VersionRecord> for Versions {
    fn from_iter<I: IntoIterator<Item = VersionRecord>>(iter: I) -> Self {
        Self(iter.into_iter().map(|v| (ByName::new(v), ())).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;

    use super::*;
    use crate::domain::{CodeType, Description, Digest, VersionName};
    use crate::model::{CodeBlob, CodeDetails, CodeRef, FunctionConfig, ImageName, SharedConfig};

    fn version(name: &str, memory: u64) -> VersionRecord {
        let settings = serde_json::json!({"runtime": "Python3.9", "handler": "index.handler",
            "memory_size": memory, "timeout": 3});
        let config =
            SharedConfig::new(FunctionConfig::parse(settings.as_object().unwrap(), None).unwrap());
        let bytes = Bytes::from_static(b"print(1)");
        VersionRecord {
            name: VersionName::parse(name).unwrap(),
            state: FunctionState {
                config: config.clone(),
                code: CodeRef::new(CodeDetails {
                    code_type: CodeType::Inline,
                    code_filename: "index.py".into(),
                    code_url: String::new(),
                    blob: Arc::new(CodeBlob {
                        digest: Digest::of(&bytes),
                        bytes,
                    }),
                }),
                last_modified: chrono::DateTime::UNIX_EPOCH,
                image_name: ImageName::new(*b"700101000000", *b"abcde"),
            },
            published_config: config,
            description: Description::default(),
        }
    }

    fn names(v: &Versions) -> Vec<&str> {
        v.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn versions_are_found_by_name_and_kept_in_publish_order() {
        let mut v: Versions = ["v1", "v2", "v3"]
            .map(|n| version(n, 128))
            .into_iter()
            .collect();
        assert_eq!(names(&v), ["v1", "v2", "v3"]);
        assert_eq!(v.get("v2").unwrap().name.as_str(), "v2");
        assert!(v.get("v4").is_none());
        assert_eq!(v.last().unwrap().name.as_str(), "v3");
        v.get_mut("v1").unwrap().description = Description::parse("edited").unwrap();
        assert_eq!(v.get_index(0).unwrap().description.as_str(), "edited");
        assert_eq!(v.remove("v2").unwrap().name.as_str(), "v2");
        assert_eq!(names(&v), ["v1", "v3"], "a removal keeps the others' order");
        v.push(version("v2", 128));
        assert_eq!(names(&v), ["v1", "v3", "v2"]);
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn publish_adds_a_free_name_below_the_cap_and_builds_nothing_otherwise() {
        let mut v: Versions = ["v1", "v2"].map(|n| version(n, 128)).into_iter().collect();
        let refused = |r: Result<&VersionRecord, NotPublished>| r.map(|_| ()).unwrap_err();
        let never = || -> VersionRecord { panic!("a refused publish builds no version") };
        assert_eq!(refused(v.publish("v1", 10, never)), NotPublished::NameTaken);
        assert_eq!(refused(v.publish("v3", 2, never)), NotPublished::Full);
        // A taken name is named as such even when the function is full (rule 7 before 8).
        assert_eq!(refused(v.publish("v2", 2, never)), NotPublished::NameTaken);
        assert_eq!(names(&v), ["v1", "v2"], "a refusal changes nothing");

        let added = v.publish("v3", 3, || version("v3", 256)).unwrap();
        assert_eq!(
            (added.name.as_str(), added.state.config.memory_size.mb()),
            ("v3", 256)
        );
        assert_eq!(names(&v), ["v1", "v2", "v3"], "the newest is last");
        assert_eq!(
            v.get("v3").unwrap().state.config.memory_size.mb(),
            256,
            "found by name"
        );
        assert_eq!(refused(v.publish("v3", 10, never)), NotPublished::NameTaken);
        // Found after a removal shifted the others, and after the table grew.
        v.remove("v1");
        for i in 4..200 {
            let name = format!("v{i}");
            v.publish(&name, 1000, || version(&name, 128)).unwrap();
        }
        assert_eq!(v.get("v2").unwrap().name.as_str(), "v2");
        assert_eq!(v.get_index(1).unwrap().name.as_str(), "v3");
        assert_eq!(
            refused(v.publish("v150", 1000, never)),
            NotPublished::NameTaken
        );
        assert_eq!(v.len(), 198);
    }

    #[test]
    fn equal_means_the_same_records_in_the_same_order() {
        let a: Versions = ["v1", "v2"].map(|n| version(n, 128)).into_iter().collect();
        let same: Versions = ["v1", "v2"].map(|n| version(n, 128)).into_iter().collect();
        let reordered: Versions = ["v2", "v1"].map(|n| version(n, 128)).into_iter().collect();
        let edited: Versions = [version("v1", 128), version("v2", 256)]
            .into_iter()
            .collect();
        assert_eq!(a, same);
        assert_ne!(a, reordered, "order counts");
        // The store tells a change from none by this (what it writes to the state file).
        assert_ne!(
            a, edited,
            "a version's configuration counts, not only its name"
        );
    }
}
