//! Content-addressed code: one blob per digest, shared by every holder (a function's
//! latest and its versions hold the same `Arc<CodeBlob>`, so publishing never copies code).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Weak};

use bytes::Bytes;

use super::Store;
use crate::domain::Digest;
use crate::model::{CodeBlob, CodeDetails, CodeRef, FunctionRecord, FunctionState};

/// Content-addressed code: one blob per digest, shared by every holder.
///
/// Entries are weak so that code nobody holds any more is freed; dead entries are pruned
/// whenever the pool doubles since the last prune, keeping the map proportional to live code.
#[derive(Default)]
pub(super) struct BlobPool {
    by_digest: HashMap<Digest, Weak<CodeBlob>, foldhash::fast::RandomState>,
    prune_at: usize,
}

impl BlobPool {
    /// The shared blob for these bytes, made only if no holder has it yet.
    pub(super) fn intern(&mut self, digest: Digest, bytes: Bytes) -> Arc<CodeBlob> {
        // One lookup (one hash of the 128-character digest) whether it is new or not.
        let blob = match self.by_digest.entry(digest) {
            Entry::Occupied(mut held) => {
                if let Some(live) = held.get().upgrade() {
                    return live;
                }
                let blob = Arc::new(CodeBlob {
                    digest: held.key().clone(),
                    bytes,
                });
                held.insert(Arc::downgrade(&blob));
                blob
            }
            Entry::Vacant(free) => {
                let blob = Arc::new(CodeBlob {
                    digest: free.key().clone(),
                    bytes,
                });
                free.insert(Arc::downgrade(&blob));
                blob
            }
        };
        if self.by_digest.len() >= self.prune_at {
            self.by_digest.retain(|_, w| w.strong_count() > 0);
            self.prune_at = (self.by_digest.len() * 2).max(64);
        }
        blob
    }

    /// How many distinct blobs are alive.
    pub(super) fn live(&self) -> usize {
        self.by_digest
            .values()
            .filter(|w| w.strong_count() > 0)
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
