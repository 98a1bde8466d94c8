//! The read cache: each function's rendered responses, kept until it changes.
//!
//! A read names its view (operation and parameters); the first read renders the body and
//! keeps it through a [`Fill`], later reads get the bytes ([`Cached::Hit`]) without the
//! record's lock. Every change bumps the function's revision and drops its bodies under the
//! record's lock, after the change is durable, so a body rendered from a read older than
//! the last change is never kept. The commonest read is an index lookup, a short lock and a
//! reference-count increment.

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::{FunctionKeyRef, FunctionSlot, Slot, Store, lock};
use crate::model::FunctionRecord;

/// Rendered responses of one function, valid for one revision of it. Every change (and a
/// delete, and a replacement of the whole state) bumps the revision and drops them, under
/// the record's lock.
#[derive(Default)]
pub(super) struct Views {
    /// Bumped under the record's lock by every change.
    revision: u64,
    /// (view name, body): a handful per function, looked up by a scan.
    entries: Vec<(Box<str>, Bytes)>,
    /// The bodies' total size.
    bytes: usize,
}

/// Bounds on cached responses: one body, one function's and the whole store's. Reads past
/// them are rendered each time, as before there was a cache.
const VIEW_MAX_BODY: usize = 64 * 1024;
const VIEW_MAX_PER_FUNCTION: usize = 256 * 1024;
const VIEW_MAX_ENTRIES: usize = 16;
const VIEW_MAX_TOTAL: usize = 64 * 1024 * 1024;

/// A read answered from a function's cached rendering, or the data to render it from.
pub enum Cached<T> {
    /// The body rendered by an earlier read of the same view, the function unchanged since.
    Hit(Bytes),
    /// Not cached: the data read under the function's lock, and where to keep the body
    /// once rendered.
    Miss(T, Fill),
}

/// Keeps a rendered body for later reads, unless the function changed since it was read.
pub struct Fill {
    store: Store,
    slot: Slot,
    revision: u64,
    view: Box<str>,
}

impl Fill {
    /// Caches `body` (a cheap clone of `Bytes`) as this view of the function.
    pub fn put(self, body: &Bytes) {
        let len = body.len();
        if len > VIEW_MAX_BODY {
            return;
        }
        let total = &self.store.inner.view_bytes;
        let mut views = lock(&self.slot.views);
        if views.revision != self.revision
            || views.entries.len() >= VIEW_MAX_ENTRIES
            || views.bytes + len > VIEW_MAX_PER_FUNCTION
            || views.entries.iter().any(|(v, _)| **v == *self.view)
        {
            return;
        }
        if total.fetch_add(len, Ordering::Relaxed) + len > VIEW_MAX_TOTAL {
            total.fetch_sub(len, Ordering::Relaxed);
            return;
        }
        views.bytes += len;
        views.entries.push((self.view, body.clone()));
    }
}

impl Store {
    /// A read of `view` (a name the caller gives each distinct response: operation and
    /// parameters) answered from the body cached by an earlier read if the function has not
    /// changed since, else `read` under the function's lock, with a [`Fill`] to cache the
    /// body the caller renders from it. `None` if there is no such function.
    ///
    /// The caller guarantees that a view's body depends only on the function's record (and
    /// settings fixed for the emulator's life): every change to the record drops them.
    pub fn read_cached<T, E>(
        &self,
        key: FunctionKeyRef<'_>,
        view: &str,
        read: impl FnOnce(&FunctionRecord) -> Result<T, E>,
    ) -> Option<Result<Cached<T>, E>> {
        let slot = self.slot(key)?;
        {
            let views = lock(&slot.views);
            if let Some((_, body)) = views.entries.iter().find(|(v, _)| **v == *view) {
                return Some(Ok(Cached::Hit(body.clone())));
            }
        }
        let guard = self.lock_slot(&slot);
        let record = guard.as_ref()?;
        // Read under the record's lock, which every change holds while it bumps it.
        let revision = lock(&slot.views).revision;
        let value = match read(record) {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        };
        drop(guard);
        let fill = Fill {
            store: self.clone(),
            slot,
            revision,
            view: view.into(),
        };
        Some(Ok(Cached::Miss(value, fill)))
    }

    /// Drops the function's cached responses and bumps its revision, so a body rendered
    /// from what was read before is not kept either. Called under the record's lock.
    pub(super) fn invalidate(&self, slot: &FunctionSlot) {
        let mut views = lock(&slot.views);
        views.revision = views.revision.wrapping_add(1);
        if !views.entries.is_empty() {
            self.inner
                .view_bytes
                .fetch_sub(views.bytes, Ordering::Relaxed);
            views.entries.clear();
            views.bytes = 0;
        }
    }
}
