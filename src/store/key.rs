//! How the store names a function: an owned key for the index, a borrowed one for reads,
//! and the index's map from key to slot ([`KeyMap`]).

use std::hash::BuildHasher;

use foldhash::fast::RandomState;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

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

/// Key -> value for every function (the store's index), split into [`KEY_SHARDS`] tables
/// by the key's hash, each entry keeping its hash.
///
/// A probe compares the kept hash before the names: hashbrown's one-byte tag matches by
/// chance about one lookup in ten, and the names are three allocations away, each a cache
/// miss in a store of many functions (the version index had the same cost, see
/// `model::versions`).
///
/// Why not one `HashMap`: a map grows by rehashing every entry into a table twice the size,
/// in one insert, and the index is grown under its write lock, which every request waits
/// for. Split 64 ways, a table that grows holds a 64th of the functions, and with the
/// hashes kept it moves them without hashing their names again: creating functions until
/// there are about 300,000, the longest answer went from 113-115 ms to 45-63 ms
/// (docs/PERFORMANCE.md, issue 14, sixth step). A lookup still hashes the key once: the
/// shard is taken from bits of the hash that the table itself does not use.
pub(super) struct KeyMap<V> {
    hasher: RandomState,
    shards: Box<[HashTable<(u64, FunctionKey, V)>]>,
}

/// How many tables [`KeyMap`] splits the functions into.
pub(super) const KEY_SHARDS: usize = 64;

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        Self {
            hasher: RandomState::default(),
            shards: (0..KEY_SHARDS).map(|_| HashTable::new()).collect(),
        }
    }
}

impl<V> KeyMap<V> {
    fn hash(&self, key: &dyn KeyParts) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The table for a hash: bits 32-37. hashbrown places an entry by the low bits and
    /// tells entries apart by the top seven, so a shard taken from either would crowd each
    /// table's entries together.
    fn shard(hash: u64) -> usize {
        (hash >> 32) as usize % KEY_SHARDS
    }

    /// The value for a key, owned or borrowed.
    pub(super) fn get(&self, key: &dyn KeyParts) -> Option<&V> {
        let hash = self.hash(key);
        self.shards[Self::shard(hash)]
            .find(hash, |(h, k, _)| *h == hash && k as &dyn KeyParts == key)
            .map(|(_, _, v)| v)
    }

    /// Sets the value for a key; the value it replaces, if any.
    pub(super) fn insert(&mut self, key: FunctionKey, value: V) -> Option<V> {
        let hash = self.hash(&key);
        let entry = self.shards[Self::shard(hash)].entry(
            hash,
            |(h, k, _)| *h == hash && *k == key,
            |(stored, _, _)| *stored,
        );
        match entry {
            Entry::Occupied(mut e) => Some(std::mem::replace(&mut e.get_mut().2, value)),
            Entry::Vacant(e) => {
                e.insert((hash, key, value));
                None
            }
        }
    }

    /// Takes a key's value out.
    pub(super) fn remove(&mut self, key: &dyn KeyParts) -> Option<V> {
        let hash = self.hash(key);
        let found = self.shards[Self::shard(hash)]
            .find_entry(hash, |(h, k, _)| *h == hash && k as &dyn KeyParts == key);
        found.ok().map(|e| e.remove().0.2)
    }

    /// Every value, in no particular order.
    pub(super) fn values(&self) -> impl Iterator<Item = &V> {
        self.shards
            .iter()
            .flat_map(|table| table.iter().map(|(_, _, v)| v))
    }

    /// How many keys.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(HashTable::len).sum()
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

    /// The index's map on its own: owned and borrowed lookups, replacing, removing, and
    /// 10,000 functions spread over the tables (no table with more than twice its share:
    /// a shard function that sent most keys to a few tables would stall as one map did).
    #[test]
    fn the_key_map_finds_replaces_and_removes_across_its_tables() {
        const PROJECT: &str = "0123456789abcdef0123456789abcdef";
        let mut map = KeyMap::default();
        let keys: Vec<FunctionKey> = (0..10_000)
            .map(|i| key(PROJECT, "default", &format!("f-{i}")))
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(map.insert(k.clone(), i), None);
        }
        assert_eq!(map.len(), 10_000);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(map.get(&k.borrowed()), Some(&i));
        }
        assert_eq!(map.get(&key(PROJECT, "other", "f-1")), None);
        let fullest = map.shards.iter().map(HashTable::len).max().unwrap();
        assert!(fullest < 2 * 10_000 / KEY_SHARDS, "a table holds {fullest}");

        assert_eq!(map.insert(keys[7].clone(), 70), Some(7));
        assert_eq!(map.get(&keys[7]), Some(&70));
        assert_eq!(map.len(), 10_000);
        assert_eq!(map.remove(&keys[7].borrowed()), Some(70));
        assert_eq!(map.remove(&keys[7]), None);
        assert_eq!(map.get(&keys[7]), None);
        assert_eq!(map.get(&keys[8]), Some(&8));
        assert_eq!(map.values().count(), 9_999);
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
