//! The state behind the locks: projects, functions and code blobs.
//!
//! The store knows nothing of HTTP or of FunctionGraph's rules. Each method takes a lock,
//! does one thing and returns owned data. Where a rule must be checked atomically with a
//! change (the version cap, a name that must be free), the service passes the rule in as a
//! closure that runs under the lock: the store provides the atomicity, the service the rule.
//!
//! Locks, and why:
//! - `functions` is an `RwLock` over the index (key -> slot, plus creation order). It is held
//!   only to find or insert a slot, never while a function is being changed, so operations
//!   on different functions run in parallel. Its map is 64 tables (`key::KeyMap`), so that
//!   growing it holds the lock for a 64th of the functions, not all of them.
//! - Each function sits in its own `Mutex` (a "slot"). Every operation on one function is a
//!   short critical section on that slot, which is what makes a publish one atomic step.
//!   A slot holds `None` once its function is deleted, so a request that found the slot just
//!   before the delete sees "not found" rather than a ghost.
//! - With a state file, each change is made durable (`fdatasync`) under its slot's lock
//!   only, never under the index lock, so a slow disk delays changes to that function and
//!   nothing else. A create reserves its slot under the index lock (a slot holding `None`,
//!   whose lock the creator holds), lets go of the index, persists, then fills the slot or
//!   unlinks it; a delete persists under the slot lock and takes the index lock only to
//!   unlink. Anyone who finds a reserved slot waits on its lock, and a slot found empty
//!   is gone (or going), never a ghost.
//! - `writers` is an `RwLock<()>` that every change holds for reading (shared: changes do
//!   not wait for one another) while it persists, and reset and import (`replace_all`) hold
//!   for writing. So a rewrite of the whole file never interleaves with an append for a
//!   function it is replacing, and it can sync without the index lock: reads go on seeing
//!   the old state until the index is swapped in one short step.
//! - Lock order is always writers, then index, then slot (and slots are never nested;
//!   nobody takes the index lock while holding a slot lock), so there is no deadlock. All
//!   locks are `std::sync`: no critical section awaits anything.
//! - Each slot also keeps the responses rendered from its function since it last changed,
//!   behind a lock of its own taken alone or after the record's, never before (see `views`).
//! - Poisoning: closures validate before they mutate, and mutations are plain assignments,
//!   so a panic inside one leaves consistent data; poisoned guards are recovered.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicUsize;
use std::sync::{
    Arc, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError,
};

use bytes::Bytes;

use crate::domain::{Digest, ProjectId};
use crate::model::{CodeBlob, FunctionRecord};

mod blobs;
mod key;
mod projects;
mod views;

use blobs::CodePools;
pub use key::{FunctionKey, FunctionKeyRef};
use key::{KeyMap, KeyParts};
use projects::{Projects, StoreNumber};
use views::Views;
pub use views::{Cached, Fill};

type Slot = Arc<FunctionSlot>;

/// A function's place in the store: the record behind its lock, and the responses rendered
/// from it since it last changed (see [`Store::read_cached`]).
#[derive(Default)]
struct FunctionSlot {
    record: Mutex<Option<FunctionRecord>>,
    /// Its own lock, so a cached read never waits for the record's (not even for a change
    /// that is waiting for the disk: until that change is durable, the old answer stands).
    views: Mutex<Views>,
}

#[derive(Default)]
struct FunctionIndex {
    by_key: KeyMap<Slot>,
    /// Each project's functions in creation order, for stable listing; the length of a
    /// project's map is its function count (for `limits.max_functions`).
    order: HashMap<ProjectId, BTreeMap<u64, FunctionKey>>,
    next_seq: u64,
}

/// Where changes are made durable (the state file), under the lock of the change it records
/// (the slot, never the index): the file sees one function's changes in order, and memory
/// keeps a change only once it is durable. An error means it is not recorded (the file
/// still ends with its last whole line, or refuses changes until it does): rolled back.
pub trait Persist: Send + Sync {
    /// Records a function as it now is.
    fn put(&self, record: &FunctionRecord) -> std::io::Result<()>;
    /// Records that a function is gone.
    fn delete(&self, key: &FunctionKey) -> std::io::Result<()>;
    /// Replaces everything recorded with these functions.
    fn replace_all(&self, records: &[FunctionRecord]) -> std::io::Result<()>;
}

#[derive(Default)]
struct Inner {
    /// Which store this is, for the projects each thread remembers (`remembered_project`).
    number: StoreNumber,
    projects: RwLock<Projects>,
    functions: RwLock<FunctionIndex>,
    /// Held for reading by every change while it persists, for writing by `replace_all`
    /// (see the module docs).
    writers: RwLock<()>,
    blobs: CodePools,
    /// Set once at start-up when there is a state file.
    persist: OnceLock<Arc<dyn Persist>>,
    /// The size of every cached response (bounded by `VIEW_MAX_TOTAL`).
    view_bytes: AtomicUsize,
}

/// The emulator's state. Cheap to clone: clones share the same state.
#[derive(Clone, Default)]
pub struct Store {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f`, which may wait for the disk: a state file write, or a lock held across one.
/// On a multi-threaded tokio runtime (the server's) the worker thread is handed over first
/// (`block_in_place`), so the other requests it would have run move to another thread
/// instead of waiting behind the disk; elsewhere `f` just runs.
fn may_block<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared blob for these bytes, made only if no holder has it yet (code under 1 KiB
    /// always gets its own: `blobs::SHARED_FROM`).
    pub fn intern_code(&self, digest: Digest, bytes: Bytes) -> Arc<CodeBlob> {
        self.inner.blobs.intern(digest, bytes)
    }

    /// Inserts a function made by `make`, which is told whether the key is taken, how many
    /// functions the project has and the new function's sequence number, and may refuse; it
    /// must refuse a taken key (insert never replaces). The check and the reservation of the
    /// key are one step under the index lock; the state file is written after the index
    /// lock is released, under the new slot's lock, and if that fails the slot is unlinked.
    pub fn insert_function<E: From<std::io::Error>>(
        &self,
        key: FunctionKey,
        make: impl FnOnce(bool, usize, u64) -> Result<FunctionRecord, E>,
    ) -> Result<FunctionRecord, E> {
        let _writing = self.writing();
        let slot: Slot = Arc::default();
        let (mut guard, record) = loop {
            let mut index = self.write_index();
            let count = index.order.get(&key.project).map_or(0, BTreeMap::len);
            let seq = index.next_seq;
            if let Some(taken) = index.by_key.get(&key).cloned() {
                drop(index);
                // The holder may still be persisting its create (or unlinking after a
                // delete or a failed create): wait for it, and look again if the function
                // turns out not to exist.
                if self.lock_slot(&taken).is_none() {
                    std::thread::yield_now();
                    continue;
                }
                return match make(true, count, seq) {
                    Err(e) => Err(e),
                    Ok(_) => Err(E::from(std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "insert_function: make accepted a key that is taken",
                    ))),
                };
            }
            let record = make(false, count, seq)?;
            // Reserved: from here the key is taken, and anyone who finds the slot waits on
            // its lock until it is filled or found empty (rolled back).
            let guard = lock(&slot.record);
            index.next_seq += 1;
            index
                .order
                .entry(key.project.clone())
                .or_default()
                .insert(seq, key.clone());
            index.by_key.insert(key.clone(), slot.clone());
            break (guard, record);
        };
        if let Some(p) = self.inner.persist.get()
            && let Err(e) = may_block(|| p.put(&record))
        {
            // Let go of the (still empty) slot before taking the index lock: lock order.
            drop(guard);
            self.unlink(&key, &slot, record.seq);
            return Err(E::from(e));
        }
        *guard = Some(record.clone());
        Ok(record)
    }

    /// Takes `slot`, which must already hold `None`, out of the index, if it is still the
    /// one there for `key`.
    fn unlink(&self, key: &FunctionKey, slot: &Slot, seq: u64) {
        let mut index = self.write_index();
        if index
            .by_key
            .get(key)
            .is_some_and(|current| Arc::ptr_eq(current, slot))
        {
            index.by_key.remove(key);
            if let Some(order) = index.order.get_mut(&key.project) {
                order.remove(&seq);
            }
        }
    }

    fn write_index(&self) -> RwLockWriteGuard<'_, FunctionIndex> {
        self.inner
            .functions
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Held by every change while it persists (see the module docs). Waiting for it (a
    /// reset's rewrite) may mean waiting for the disk.
    fn writing(&self) -> RwLockReadGuard<'_, ()> {
        match self.inner.writers.try_read() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => {
                may_block(|| self.inner.writers.read().unwrap_or_else(|e| e.into_inner()))
            }
        }
    }

    /// Locks a function's slot. With a state file its holder may be waiting for the disk,
    /// so a wait is announced to the runtime (see [`may_block`]); the uncontended path is a
    /// plain `try_lock`.
    fn lock_slot<'a>(&self, slot: &'a Slot) -> MutexGuard<'a, Option<FunctionRecord>> {
        let slot = &slot.record;
        match slot.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) if self.inner.persist.get().is_some() => {
                may_block(|| lock(slot))
            }
            Err(TryLockError::WouldBlock) => lock(slot),
        }
    }

    fn slot(&self, key: FunctionKeyRef<'_>) -> Option<Slot> {
        let index = self
            .inner
            .functions
            .read()
            .unwrap_or_else(|e| e.into_inner());
        index.by_key.get(&key as &dyn KeyParts).cloned()
    }

    /// Runs `f` on the function under its lock, to read it (every change goes through
    /// [`Store::update_function`], which keeps the cached responses right); `None` if there
    /// is no such function.
    pub fn with_function<T>(
        &self,
        key: &FunctionKey,
        f: impl FnOnce(&FunctionRecord) -> T,
    ) -> Option<T> {
        let slot = self.slot(key.borrowed())?;
        let guard = self.lock_slot(&slot);
        guard.as_ref().map(f)
    }

    /// Runs a change on the function under its lock; `None` if there is no such function.
    /// With a state file, the changed record is made durable before the lock is released,
    /// and if that fails the change is rolled back and the error returned.
    pub fn update_function<T, E: From<std::io::Error>>(
        &self,
        key: FunctionKeyRef<'_>,
        f: impl FnOnce(&mut FunctionRecord) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        let _writing = self.writing();
        let slot = self.slot(key)?;
        let mut guard = self.lock_slot(&slot);
        let record = guard.as_mut()?;
        let Some(persist) = self.inner.persist.get() else {
            let result = f(record);
            self.invalidate(&slot);
            return Some(result);
        };
        let before = record.clone();
        let result = f(record);
        if result.is_ok()
            && *record != before
            && let Err(e) = may_block(|| persist.put(record))
        {
            *record = before;
            return Some(Err(E::from(e)));
        }
        // After the change is durable (until then the old answers stand), before the lock
        // is released.
        self.invalidate(&slot);
        Some(result)
    }

    /// Removes the function if `check` (run under its lock) allows; `None` if there is none.
    /// The delete is made durable under the function's lock; the index lock is taken only
    /// afterwards, to unlink it.
    pub fn remove_function<E: From<std::io::Error>>(
        &self,
        key: &FunctionKey,
        check: impl FnOnce(&FunctionRecord) -> Result<(), E>,
    ) -> Option<Result<FunctionRecord, E>> {
        let _writing = self.writing();
        let slot = self.slot(key.borrowed())?;
        let mut guard = self.lock_slot(&slot);
        let record = guard.as_ref()?;
        if let Err(e) = check(record) {
            return Some(Err(e));
        }
        if let Some(p) = self.inner.persist.get()
            && let Err(e) = may_block(|| p.delete(key))
        {
            return Some(Err(E::from(e)));
        }
        let record = guard.take()?;
        self.invalidate(&slot);
        // Empty from here: whoever finds the slot before it is unlinked sees "not found".
        drop(guard);
        self.unlink(key, &slot, record.seq);
        Some(Ok(record))
    }

    /// One page of the project's functions in creation order: those `keep` accepts (all
    /// when `None`), from offset `start`, at most `limit`, each read under its own lock and
    /// mapped by `map`; and how many are accepted in all. Only the page's functions are
    /// locked and mapped, and without a filter only the page's keys are visited.
    pub fn list_functions<T>(
        &self,
        project: &ProjectId,
        keep: Option<&dyn Fn(&FunctionKey) -> bool>,
        start: usize,
        limit: usize,
        mut map: impl FnMut(&FunctionRecord) -> T,
    ) -> (Vec<T>, usize) {
        // Collect the page's slots under the index lock, then read each without it.
        let (slots, total): (Vec<Slot>, usize) = {
            let index = self
                .inner
                .functions
                .read()
                .unwrap_or_else(|e| e.into_inner());
            let Some(order) = index.order.get(project) else {
                return (Vec::new(), 0);
            };
            let slot = |key: &FunctionKey| index.by_key.get(key).cloned();
            match keep {
                None => (
                    order
                        .values()
                        .skip(start)
                        .take(limit)
                        .filter_map(slot)
                        .collect(),
                    order.len(),
                ),
                Some(keep) => {
                    let matching: Vec<&FunctionKey> = order.values().filter(|k| keep(k)).collect();
                    let page = matching.iter().skip(start).take(limit);
                    (page.filter_map(|k| slot(k)).collect(), matching.len())
                }
            }
        };
        let items = slots
            .iter()
            .filter_map(|slot| self.lock_slot(slot).as_ref().map(&mut map))
            .collect();
        (items, total)
    }

    /// Every function, in creation order (for export and invariant checks).
    pub fn all_functions(&self) -> Vec<FunctionRecord> {
        let slots: Vec<Slot> = {
            let index = self
                .inner
                .functions
                .read()
                .unwrap_or_else(|e| e.into_inner());
            let mut keys: Vec<(&u64, &FunctionKey)> =
                index.order.values().flat_map(|o| o.iter()).collect();
            keys.sort_by_key(|(seq, _)| **seq);
            keys.iter()
                .filter_map(|(_, k)| index.by_key.get(*k).cloned())
                .collect()
        };
        slots
            .iter()
            .filter_map(|s| self.lock_slot(s).clone())
            .collect()
    }

    /// Makes changes durable from now on (once; later calls are ignored).
    pub fn set_persist(&self, persist: Arc<dyn Persist>) {
        let _ = self.inner.persist.set(persist);
    }

    /// Replaces every function with `records` (in their `seq` order), as one step: reset and
    /// state import. Their code joins the shared pool. With a state file, the file is
    /// rewritten first; if that fails nothing changes.
    ///
    /// Changes wait while this runs (it holds `writers` for writing), so none appends to
    /// the file after the rewrite or is lost between it and the swap. The rewrite and its
    /// sync run without the index lock: reads go on seeing the old state meanwhile, and the
    /// index lock is held only to empty the old slots and swap the new index in.
    pub fn replace_all(&self, mut records: Vec<FunctionRecord>) -> std::io::Result<()> {
        records.sort_by_key(|r| r.seq);
        for r in &mut records {
            self.share_pooled_code(r);
        }
        let _exclusive = may_block(|| {
            self.inner
                .writers
                .write()
                .unwrap_or_else(|e| e.into_inner())
        });
        if let Some(p) = self.inner.persist.get() {
            may_block(|| p.replace_all(&records))?;
        }
        let mut fresh = FunctionIndex {
            next_seq: records.last().map_or(0, |r| r.seq + 1),
            ..FunctionIndex::default()
        };
        for r in records {
            let key = FunctionKey {
                project: r.project.clone(),
                package: r.package.clone(),
                name: r.name.clone(),
            };
            fresh
                .order
                .entry(key.project.clone())
                .or_default()
                .insert(r.seq, key.clone());
            let slot = FunctionSlot {
                record: Mutex::new(Some(r)),
                views: Mutex::default(),
            };
            fresh.by_key.insert(key, Arc::new(slot));
        }
        let mut index = self.write_index();
        // Emptied under the index lock, so that a reader holding an old slot cannot see an
        // old function after a reader of the new index has seen the new state.
        for slot in index.by_key.values() {
            lock(&slot.record).take();
            self.invalidate(slot);
        }
        *index = fresh;
        Ok(())
    }

    /// How many distinct pooled code blobs (1 KiB or more) are alive (for tests that prove
    /// code is shared).
    pub fn live_code_blobs(&self) -> usize {
        self.inner.blobs.live()
    }
}
