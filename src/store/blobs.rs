//! Content-addressed code: one blob per digest, shared by every holder (a function's
//! latest and its versions hold the same `Arc<CodeBlob>`, so publishing never copies code).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;

use crate::domain::Digest;
use crate::model::CodeBlob;

/// The pool split into [`BLOB_SHARDS`] pools, each behind its own lock, chosen by the
/// digest (uniform: it is a hash).
///
/// Why: a pool grows and prunes in one call, over every digest it holds (hashing each
/// 128-character digest again to grow), under the lock every create and code update
/// takes; the thread that waits for it is a server worker, so every request on it waits.
/// With hundreds of thousands of blobs that was tens of milliseconds. Split, each pool
/// holds a 64th, and two workers rarely want the same lock.
pub(super) struct BlobPools {
    pools: Box<[Mutex<BlobPool>]>,
}

/// How many pools [`BlobPools`] splits the code into.
const BLOB_SHARDS: usize = 64;

impl Default for BlobPools {
    fn default() -> Self {
        Self {
            pools: (0..BLOB_SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl BlobPools {
    fn pool(&self, digest: &Digest) -> std::sync::MutexGuard<'_, BlobPool> {
        // The digest's first two hex digits: 0-255, uniform.
        let head = digest.as_str().get(..2).unwrap_or("0");
        let n = usize::from_str_radix(head, 16).unwrap_or(0);
        self.pools[n % BLOB_SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The shared blob for these bytes, made only if no holder has it yet.
    pub(super) fn intern(&self, digest: Digest, bytes: Bytes) -> Arc<CodeBlob> {
        self.pool(&digest).intern(digest, bytes)
    }

    /// How many distinct blobs are alive.
    pub(super) fn live(&self) -> usize {
        self.pools
            .iter()
            .map(|p| p.lock().unwrap_or_else(|e| e.into_inner()).live())
            .sum()
    }
}

/// Content-addressed code: one blob per digest, shared by every holder.
///
/// Entries are weak so that code nobody holds any more is freed; dead entries are pruned
/// whenever the pool doubles since the last prune, keeping the map proportional to live code.
#[derive(Default)]
struct BlobPool {
    by_digest: HashMap<Digest, Weak<CodeBlob>>,
    prune_at: usize,
}

impl BlobPool {
    /// The shared blob for these bytes, made only if no holder has it yet.
    fn intern(&mut self, digest: Digest, bytes: Bytes) -> Arc<CodeBlob> {
        if let Some(live) = self.by_digest.get(&digest).and_then(Weak::upgrade) {
            return live;
        }
        let blob = Arc::new(CodeBlob {
            digest: digest.clone(),
            bytes,
        });
        self.by_digest.insert(digest, Arc::downgrade(&blob));
        if self.by_digest.len() >= self.prune_at {
            self.by_digest.retain(|_, w| w.strong_count() > 0);
            self.prune_at = (self.by_digest.len() * 2).max(64);
        }
        blob
    }

    /// How many distinct blobs are alive.
    fn live(&self) -> usize {
        self.by_digest
            .values()
            .filter(|w| w.strong_count() > 0)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Across the pools: the same code is one blob, different code is not, code nobody
    /// holds is no longer alive, and dead entries are pruned as a pool grows.
    #[test]
    fn the_pools_share_code_and_forget_what_nobody_holds() {
        let pools = BlobPools::default();
        let code = |i: usize| Bytes::from(format!("print({i})"));
        let blobs: Vec<_> = (0..1_000)
            .map(|i| pools.intern(Digest::of(&code(i)), code(i)))
            .collect();
        assert_eq!(pools.live(), 1_000);
        let again = pools.intern(Digest::of(&code(7)), code(7));
        assert!(Arc::ptr_eq(&again, &blobs[7]));
        assert_eq!(pools.live(), 1_000);

        let used: Vec<_> = pools
            .pools
            .iter()
            .filter(|p| !p.lock().unwrap().by_digest.is_empty())
            .collect();
        assert!(used.len() > BLOB_SHARDS / 2, "{} pools used", used.len());

        drop(blobs);
        assert_eq!(pools.live(), 1, "only `again` is held");
        for i in 1_000..10_000 {
            pools.intern(Digest::of(&code(i)), code(i));
        }
        let held: usize = pools
            .pools
            .iter()
            .map(|p| p.lock().unwrap().by_digest.len())
            .sum();
        assert!(held < 5_000, "dead entries pruned: {held} of 10,000 held");
    }
}
