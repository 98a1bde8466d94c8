//! The request journal: a bounded record of handled FunctionGraph requests
//! (`GET|DELETE /_emulator/requests`).
//!
//! Entries are written by the outermost middleware before the response leaves, so a test
//! that has its answer can already find the request. Only what is listed in [`Entry`] is
//! kept: no headers, so no Authorization value or token is ever stored.
//!
//! Every request writes an entry, so the journal is kept off any lock the cores share: it
//! is split into shards, one per core, each behind its own lock, and a thread writes to
//! its own shard (see [`Journal::record`]). Listing merges the shards by when each entry
//! was recorded; now and then a shard trims them all back to the newest `capacity`, so the
//! journal holds no more than one unsharded would, give or take a few entries a shard. One shared queue cost about 3% of a cached read's throughput on two cores
//! (`docs/PERFORMANCE.md`, "Issue 14, fifth step").

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::http::{HeaderValue, Method};
use serde::{Deserialize, Serialize};

/// One handled request.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// When it arrived, by the emulator's clock, in the configured offset (written as
    /// RFC 3339 when listed; kept unformatted so recording costs nothing).
    pub time: chrono::DateTime<chrono::FixedOffset>,
    /// Its `X-Request-Id`.
    pub request_id: RequestId,
    /// The method.
    #[serde(serialize_with = "method_str")]
    pub method: Method,
    /// The path as sent (raw, still percent-encoded), without the query.
    pub path: String,
    /// The FunctionGraph operation (`CreateFunctionVersion` ...), or `null` for no route.
    pub operation: Option<&'static str>,
    /// The answer's status.
    pub status: u16,
    /// The answer's `error_code`, or `null` for a success.
    pub error_code: Option<&'static str>,
    /// Time spent answering, in milliseconds.
    pub duration_ms: f64,
    /// For an invocation: the version that served it (`latest` or a version name, after
    /// alias routing); `null` otherwise.
    pub version: Option<String>,
}

/// A request id as an entry keeps it: a copy, inline (the emulator's ids are 32 hex
/// digits), so an entry holds no allocation of its request's. A thousand entries each
/// holding one small allocation alive cost more memory than their size (the allocator's
/// pages stay partly used), and an id copied is 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RequestId {
    len: u8,
    bytes: [u8; 32],
}

impl RequestId {
    /// The id in `value`, cut at 32 bytes (the emulator makes every id: always 32 ASCII
    /// hex digits).
    pub fn new(value: &HeaderValue) -> Self {
        let value = value.as_bytes();
        let len = value.len().min(32);
        let mut bytes = [0u8; 32];
        bytes[..len].copy_from_slice(&value[..len]);
        Self {
            len: len as u8,
            bytes,
        }
    }

    /// An id of 32 hex digits, as the emulator makes them (`AppState::next_request_id`).
    pub(crate) fn from_digits(bytes: [u8; 32]) -> Self {
        Self { len: 32, bytes }
    }

    /// The id as the `X-Request-Id` header's value: its own copy, made once per request
    /// (the request's context and its journal entry keep this plain copy, so nothing
    /// shares the header's allocation and no count is kept on it).
    pub fn header(&self) -> HeaderValue {
        // Cannot fail: the bytes are hex digits (`from_digits`) or a prefix of a header
        // value (`new`), both valid header bytes. The empty value is only a no-panic guard.
        HeaderValue::from_bytes(&self.bytes[..usize::from(self.len)])
            .unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Header values are visible ASCII (or opaque bytes, shown as nothing).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RequestId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

fn method_str<S: serde::Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

/// Put in an invocation's response extensions to tell the journal which version served it.
#[derive(Debug, Clone)]
pub struct ServedVersion(pub String);

/// Filters for `GET /_emulator/requests`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Exact operation name.
    pub operation: Option<String>,
    /// Method, any case.
    pub method: Option<String>,
    /// Exact status.
    pub status: Option<u16>,
    /// A substring of the path.
    pub path: Option<String>,
    /// The version that served an invocation (exact).
    pub version: Option<String>,
}

impl Filter {
    fn accepts(&self, e: &Entry) -> bool {
        self.operation
            .as_deref()
            .is_none_or(|o| e.operation == Some(o))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(e.method.as_str()))
            && self.status.is_none_or(|s| s == e.status)
            && self.path.as_deref().is_none_or(|p| e.path.contains(p))
            && self
                .version
                .as_deref()
                .is_none_or(|v| e.version.as_deref() == Some(v))
    }
}

/// The journal: the newest `capacity` entries, oldest dropped first.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    shards: Box<[Shard]>,
}

/// One core's part of the journal: entries with the instant each was recorded, oldest
/// first. Aligned to its own cache lines, so writing one shard never touches another's.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    // A std Mutex: one push or one copy, never across an await; taken by other threads
    // only to list, clear or trim.
    entries: Mutex<ShardEntries>,
}

#[derive(Debug, Default)]
struct ShardEntries {
    entries: VecDeque<(Instant, Entry)>,
    /// Entries pushed since this shard last trimmed the journal (see [`Journal::record`]).
    since_trim: usize,
}

impl Shard {
    fn lock(&self) -> std::sync::MutexGuard<'_, ShardEntries> {
        // Entries are pushed whole; a poisoned lock still holds a consistent queue.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How many entries a shard takes between trims of the whole journal: the journal holds at
/// most `capacity` plus this many per shard.
const TRIM_EVERY: usize = 64;

/// The shard the calling thread writes to: threads are numbered as they first record, and
/// take the shards in turn.
fn shard_index(shards: usize) -> usize {
    static THREADS: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static THREAD: usize = THREADS.fetch_add(1, Ordering::Relaxed);
    }
    THREAD.with(|n| *n % shards)
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            capacity,
            shards: (0..cores.min(64)).map(|_| Shard::default()).collect(),
        }
    }

    /// Adds an entry recorded at `at` (which orders it among the others), dropping the
    /// oldest when full.
    ///
    /// A shard keeps up to `capacity` entries by itself, since one thread may serve every
    /// request (a client on one connection). So that all of them together do not keep a
    /// `capacity` each, every 64 entries (`TRIM_EVERY`) a shard trims the whole journal back
    /// to the newest `capacity`: the one moment a thread takes the other shards' locks,
    /// once in many requests.
    pub fn record(&self, entry: Entry, at: Instant) {
        if self.capacity == 0 {
            return;
        }
        let trim_due = {
            let mut shard = self.shards[shard_index(self.shards.len())].lock();
            if shard.entries.len() >= self.capacity {
                shard.entries.pop_front();
            }
            shard.entries.push_back((at, entry));
            shard.since_trim += 1;
            let due = shard.since_trim >= TRIM_EVERY;
            if due {
                shard.since_trim = 0;
            }
            due
        };
        if trim_due && self.shards.len() > 1 {
            self.trim();
        }
    }

    /// Drops the oldest entries across all shards until `capacity` are left. Locks every
    /// shard, always in the same order, and is called holding none.
    fn trim(&self) {
        let mut shards: Vec<_> = self.shards.iter().map(Shard::lock).collect();
        let mut total: usize = shards.iter().map(|s| s.entries.len()).sum();
        while total > self.capacity {
            let oldest = shards
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.entries.front().map(|(at, _)| (*at, i)))
                .min();
            let Some((_, i)) = oldest else { break };
            shards[i].entries.pop_front();
            total -= 1;
        }
    }

    /// The entries `filter` accepts, oldest first.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        let mut all: Vec<(Instant, Entry)> = Vec::new();
        for shard in &self.shards {
            all.extend(shard.lock().entries.iter().cloned());
        }
        // Stable: entries one thread recorded at the same instant keep their order.
        all.sort_by_key(|(at, _)| *at);
        let newest = all.len().saturating_sub(self.capacity);
        all.drain(newest..)
            .map(|(_, e)| e)
            .filter(|e| filter.accepts(e))
            .collect()
    }

    /// How many entries the shards hold together (at most `capacity` plus a few per shard).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.shards.iter().map(|s| s.lock().entries.len()).sum()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        for shard in &self.shards {
            shard.lock().entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u16) -> Entry {
        Entry {
            time: chrono::DateTime::UNIX_EPOCH.fixed_offset(),
            request_id: RequestId::new(&HeaderValue::from(n)),
            method: Method::GET,
            path: format!("/p/{n}"),
            operation: Some("ShowFunctionConfig"),
            status: 200 + n,
            error_code: None,
            duration_ms: 0.0,
            version: None,
        }
    }

    #[test]
    fn keeps_the_newest_entries() {
        let j = Journal::new(3);
        for n in 0..5 {
            j.record(entry(n), Instant::now());
        }
        let ids: Vec<String> = j
            .list(&Filter::default())
            .into_iter()
            .map(|e| e.request_id.as_str().to_owned())
            .collect();
        assert_eq!(ids, ["2", "3", "4"]);
        let f = Filter {
            status: Some(203),
            ..Filter::default()
        };
        assert_eq!(j.list(&f).len(), 1);
        j.clear();
        assert!(j.list(&Filter::default()).is_empty());
    }

    fn ids(j: &Journal) -> Vec<String> {
        j.list(&Filter::default())
            .into_iter()
            .map(|e| e.request_id.as_str().to_owned())
            .collect()
    }

    #[test]
    fn entries_from_different_threads_list_in_the_order_they_were_recorded() {
        // Each entry from a new thread (so from each shard in turn, with two or more), one
        // after the other: the listing interleaves the shards in recording order and
        // keeps the newest three across them.
        let j = std::sync::Arc::new(Journal::new(3));
        for n in 0..5 {
            let j = j.clone();
            std::thread::spawn(move || j.record(entry(n), Instant::now()))
                .join()
                .unwrap();
        }
        assert_eq!(ids(&j), ["2", "3", "4"]);
        j.clear();
        assert!(ids(&j).is_empty());
    }

    #[test]
    fn threads_recording_at_once_leave_the_newest_entries_in_order() {
        let j = std::sync::Arc::new(Journal::new(100));
        let threads: Vec<_> = (0..8u16)
            .map(|t| {
                let j = j.clone();
                std::thread::spawn(move || {
                    for n in 0..500u16 {
                        j.record(entry(t * 1000 + n), Instant::now());
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let listed = ids(&j);
        assert_eq!(listed.len(), 100);

        // Each thread's own entries stay in its order, and each is among its newest.
        for t in 0..8u16 {
            let mine: Vec<u16> = listed
                .iter()
                .map(|id| id.parse::<u16>().unwrap())
                .filter(|id| id / 1000 == t)
                .collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "{mine:?}");
            if let Some(first) = mine.first() {
                assert_eq!(mine.len(), usize::from(t * 1000 + 500 - first), "{mine:?}");
            }
        }
    }

    #[test]
    fn the_shards_together_hold_about_one_journal_not_one_each() {
        let j = std::sync::Arc::new(Journal::new(1000));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let j = j.clone();
                std::thread::spawn(move || {
                    for _ in 0..2000 {
                        j.record(entry(0), Instant::now());
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // Untrimmed, each shard would hold 1,000 (with two cores, 2,000 in all).
        let bound = 1000 + (TRIM_EVERY - 1) * j.shards.len();
        assert!(
            j.held() <= bound,
            "{} entries held, bound {bound}",
            j.held()
        );
        assert_eq!(j.list(&Filter::default()).len(), 1000);
    }
}
