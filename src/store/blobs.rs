//! Content-addressed code: one blob per digest, shared by every holder (a function's
//! latest and its versions hold the same `Arc<CodeBlob>`, so publishing never copies code).
//! Code of 1 KiB or more is pooled, so that functions given the same package share it too;
//! smaller code is kept by its own holders ([`SHARED_FROM`]).

use std::hash::BuildHasher as _;
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use super::Store;
use crate::domain::Digest;
use crate::model::{CodeBlob, CodeDetails, CodeRef, FunctionRecord, FunctionState};

/// The smallest code the pools share between functions; smaller code gets its own blob.
///
/// **Why not pool everything.** Sharing small code saves little: a blob's own fields are 176
/// bytes, and a few lines of inline source are not many more. Looking it up costs a lot on
/// a large store: each update code sends new code, the pool then holds an entry for every
/// code any function ever had (until a prune), and the lookup is cold lines of a table of
/// megabytes. After 8 s of create-code-publish that was 9% of update code's samples, and
/// update code ran 0.59-0.63x of the reference against 0.67-0.71x without it
/// (`docs/PERFORMANCE.md`, thirteenth step). From 1 KiB, the SHA-512 every code needs costs
/// several times the lookup, and sharing saves at least a kibibyte per extra holder.
/// Latest and the versions published from it share their blob whatever its size: a publish
/// copies the handle, never the code.
pub(super) const SHARED_FROM: usize = 1024;

/// How many pools the code is split into, by its digest's first hex digit.
const POOL_SHARDS: usize = 16;

/// The code pools, one per first hex digit of the digest, each behind its own lock.
///
/// **Why split.** Every update code and create takes a pool's lock. With one pool, both
/// cores took the same mutex on every such write, and met there often enough to show in
/// the profile (`futex` 0.35% of update code's samples beside the pool's own 1.4%;
/// `docs/PERFORMANCE.md`, twelfth step). A digest is uniform, so its first digit spreads
/// the writes evenly.
pub(super) struct CodePools {
    shards: Box<[PoolShard]>,
}

/// One pool on its own cache lines, so taking one lock never touches another's.
#[repr(align(128))]
#[derive(Default)]
struct PoolShard(Mutex<BlobPool>);

impl Default for CodePools {
    fn default() -> Self {
        Self {
            shards: (0..POOL_SHARDS).map(|_| PoolShard::default()).collect(),
        }
    }
}

impl CodePools {
    /// The shared blob for these bytes, made only if no holder has it yet; a new blob of its
    /// own for code under [`SHARED_FROM`].
    pub(super) fn intern(&self, digest: Digest, bytes: Bytes) -> Arc<CodeBlob> {
        if bytes.len() < SHARED_FROM {
            return Arc::new(CodeBlob { digest, bytes });
        }
        let first = digest.as_str().chars().next().and_then(|c| c.to_digit(16));
        let shard = &self.shards[first.unwrap_or(0) as usize % POOL_SHARDS];
        super::lock(&shard.0).intern(digest, bytes)
    }

    /// How many distinct pooled blobs are alive.
    pub(super) fn live(&self) -> usize {
        self.shards.iter().map(|s| super::lock(&s.0).live()).sum()
    }
}

/// Content-addressed code: one blob per digest, shared by every holder.
///
/// Entries are weak so that code nobody holds any more is freed; dead entries are pruned
/// whenever the table holds four times what was alive at the last prune, keeping it
/// proportional to live code. Four, not two: a prune reads every entry's count, each a
/// cold line on a large store, and at two that was a quarter of the pool's time after
/// create-code-publish; at four the table's dead entries cost 16 bytes each and their
/// blobs' shells (the freed code's digest, not its bytes) until the next prune.
///
/// **Why a table of hashes.** An entry is the digest's hash and a weak handle, 16 bytes: the
/// digest itself is the blob's (`CodeBlob::digest`), compared only when the whole 64-bit
/// hash matches. Keyed by the 128-character digest, an entry was 136 bytes, and on a store
/// of a few hundred thousand codes a lookup was three or four cold lines of a 50 MB table:
/// 10% of update code's samples after 8 s of create-code-publish (`docs/PERFORMANCE.md`,
/// twelfth step).
#[derive(Default)]
struct BlobPool {
    by_digest: HashTable<(u64, Weak<CodeBlob>)>,
    hasher: foldhash::fast::RandomState,
    prune_at: usize,
}

impl BlobPool {
    /// The shared blob for these bytes, made only if no holder has it yet.
    fn intern(&mut self, digest: Digest, bytes: Bytes) -> Arc<CodeBlob> {
        let hash = self.hasher.hash_one(&digest);
        // One lookup whether it is new or not, which keeps the live blob it finds. A dead
        // entry with the same hash is this digest's, gone (or, one time in 2^64, another's):
        // either way it is replaced.
        let mut found = None;
        let entry = self.by_digest.entry(
            hash,
            |(h, held)| {
                *h == hash
                    && match held.upgrade() {
                        Some(live) if live.digest == digest => {
                            found = Some(live);
                            true
                        }
                        Some(_) => false,
                        None => true,
                    }
            },
            |(h, _)| *h,
        );
        let blob = match entry {
            Entry::Occupied(mut held) => {
                if let Some(live) = found {
                    return live;
                }
                let blob = Arc::new(CodeBlob { digest, bytes });
                held.get_mut().1 = Arc::downgrade(&blob);
                blob
            }
            Entry::Vacant(free) => {
                let blob = Arc::new(CodeBlob { digest, bytes });
                free.insert((hash, Arc::downgrade(&blob)));
                blob
            }
        };
        if self.by_digest.len() >= self.prune_at {
            self.by_digest.retain(|(_, held)| held.strong_count() > 0);
            self.prune_at = (self.by_digest.len() * 4).max(64);
        }
        blob
    }

    /// How many distinct blobs are alive.
    fn live(&self) -> usize {
        self.by_digest
            .iter()
            .filter(|(_, held)| held.strong_count() > 0)
            .count()
    }
}

impl Store {
    /// Points a record's code (made elsewhere: a state document, an import) at the pool's
    /// blobs. States that shared code before share the re-pointed code: in a row, as the
    /// versions published from the same code are.
    pub(super) fn share_pooled_code(&self, r: &mut FunctionRecord) {
        let mut last: Option<(CodeRef, CodeRef)> = None;
        let mut repoint = |s: &mut FunctionState| {
            if let Some((before, after)) = &last
                && *before == s.code
            {
                s.code = after.clone();
                return;
            }
            let blob = self.intern_code(s.code.blob.digest.clone(), s.code.blob.bytes.clone());
            let after = CodeRef::new(CodeDetails {
                blob,
                ..CodeDetails::clone(&s.code)
            });
            last = Some((std::mem::replace(&mut s.code, after.clone()), after));
        };
        repoint(&mut r.latest);
        r.versions.for_each_state_mut(repoint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code the pools share: `print(i)` and a comment up to [`SHARED_FROM`] bytes.
    fn code(i: usize) -> (Digest, Bytes) {
        let mut text = format!("print({i})\n#");
        text.extend(std::iter::repeat_n('-', SHARED_FROM - text.len()));
        let bytes = Bytes::from(text);
        (Digest::of(&bytes), bytes)
    }

    #[test]
    fn code_under_a_kibibyte_is_its_holders_own() {
        let pools = CodePools::default();
        let small = Bytes::from_static(b"print(1)");
        let a = pools.intern(Digest::of(&small), small.clone());
        let b = pools.intern(Digest::of(&small), small.clone());
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(
            (a.digest.clone(), a.bytes.clone()),
            (Digest::of(&small), small)
        );
        assert_eq!(pools.live(), 0);
        // A kibibyte is shared; a byte less is not.
        let (digest, bytes) = code(7);
        assert_eq!(bytes.len(), SHARED_FROM);
        let c = pools.intern(digest, bytes.clone());
        let shorter = bytes.slice(..SHARED_FROM - 1);
        let _held = pools.intern(Digest::of(&shorter), shorter);
        assert_eq!(pools.live(), 1);
        let (digest, bytes) = code(7);
        assert!(Arc::ptr_eq(&c, &pools.intern(digest, bytes)));
    }

    #[test]
    fn the_same_code_is_one_blob_and_different_code_spreads_over_the_pools() {
        let pools = CodePools::default();
        let held: Vec<_> = (0..400)
            .map(|i| {
                let (digest, bytes) = code(i);
                pools.intern(digest, bytes)
            })
            .collect();
        assert_eq!(pools.live(), 400);
        for (i, blob) in held.iter().enumerate() {
            let (digest, bytes) = code(i);
            assert!(Arc::ptr_eq(blob, &pools.intern(digest, bytes)), "{i}");
        }
        // Every pool has some (400 uniform digests over 16 pools: about 25 each).
        for (n, shard) in pools.shards.iter().enumerate() {
            let len = super::super::lock(&shard.0).by_digest.len();
            assert!(len > 5, "pool {n} holds {len}");
        }
        drop(held);
        assert_eq!(pools.live(), 0);
    }

    #[test]
    fn code_sent_again_after_it_was_freed_takes_its_old_entry() {
        let mut pool = BlobPool::default();
        let (digest, bytes) = code(1);
        let first = pool.intern(digest.clone(), bytes.clone());
        drop(first);
        assert_eq!(pool.live(), 0);
        let again = pool.intern(digest.clone(), bytes);
        assert_eq!(again.digest, digest);
        assert_eq!((pool.live(), pool.by_digest.len()), (1, 1));
        // Other code never takes it.
        let (other, other_bytes) = code(2);
        let other = pool.intern(other, other_bytes);
        assert!(!Arc::ptr_eq(&again, &other));
        assert_eq!(pool.live(), 2);
    }
}
