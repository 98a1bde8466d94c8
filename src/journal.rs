//! The request journal: a bounded record of handled FunctionGraph requests
//! (`GET|DELETE /_emulator/requests`).
//!
//! Entries are written by the outermost middleware before the response leaves, so a test
//! that has its answer can already find the request. Only what is listed in [`Entry`] is
//! kept: no headers, so no Authorization value or token is ever stored.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::http::{HeaderValue, Method};
use serde::{Deserialize, Serialize};

/// One handled request.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// When it arrived, by the emulator's clock, in the configured offset (written as
    /// RFC 3339 when listed; kept unformatted so recording costs nothing).
    pub time: chrono::DateTime<chrono::FixedOffset>,
    /// Its `X-Request-Id` (the header's value as sent: shared, not copied).
    #[serde(serialize_with = "header_str")]
    pub request_id: HeaderValue,
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

fn header_str<S: serde::Serializer>(v: &HeaderValue, s: S) -> Result<S::Ok, S::Error> {
    // Request ids are made by the emulator: always visible ASCII.
    s.serialize_str(v.to_str().unwrap_or_default())
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
    // A std Mutex: one push or one copy of the matching entries, never across an await.
    entries: Mutex<VecDeque<Entry>>,
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        // Entries are pushed whole; a poisoned lock still holds a consistent queue.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an entry, dropping the oldest when full.
    pub fn record(&self, entry: Entry) {
        let mut entries = self.lock();
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The entries `filter` accepts, oldest first.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        self.lock()
            .iter()
            .filter(|e| filter.accepts(e))
            .cloned()
            .collect()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u16) -> Entry {
        Entry {
            time: chrono::DateTime::UNIX_EPOCH.fixed_offset(),
            request_id: HeaderValue::from(n),
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
            j.record(entry(n));
        }
        let ids: Vec<String> = j
            .list(&Filter::default())
            .into_iter()
            .map(|e| e.request_id.to_str().unwrap().to_owned())
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
}
