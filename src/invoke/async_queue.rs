//! Asynchronous invocation: `invocations-async` queues an event and answers at once; a
//! background task runs it through the same pools as synchronous calls; the records are
//! listed by `async-invocations` and `active-async-invocations` and stopped by `cancel`.
//!
//! A record goes WAIT (queued, or waiting for a free instance) -> RUNNING -> SUCCESS or
//! FAIL; DISCARD when it waited past `max_async_event_age_in_seconds` before it could start.
//! Each version obeys its own async-invoke-config (`attachments::async_config`), read when
//! the event is about to run: a failed attempt is tried again, at once, up to
//! `max_async_retry_attempts` times while the event is younger than its maximum age, and
//! the record keeps the last attempt's outcome. A version without settings has the real
//! service's defaults: no retry (the docs: "without a configured policy, code errors are
//! not retried") and a maximum event age of 3600 s. A cancelled request ends FAIL with
//! error 4208 "function invocation canceled", the code the docs give; a running one has its
//! instance killed.
//!
//! Records are kept in memory (the newest [`MAX_RECORDS`]), not in the state file.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Invocation, Invoker, Outcome, Target};
use crate::store::FunctionKey;

/// How many async records are kept (oldest dropped first).
pub const MAX_RECORDS: usize = 10_000;
/// The error code of a cancelled invocation.
pub const CANCELED: i64 = 4208;

/// An async invocation's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Queued.
    Wait,
    /// Running.
    Running,
    /// Returned.
    Success,
    /// Failed (function error, or cancelled).
    Fail,
    /// Dropped unrun: older than the maximum event age.
    Discard,
}

impl Status {
    /// Parses a `status` query value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "WAIT" => Self::Wait,
            "RUNNING" => Self::Running,
            "SUCCESS" => Self::Success,
            "FAIL" => Self::Fail,
            "DISCARD" => Self::Discard,
            _ => return None,
        })
    }

    fn is_active(self) -> bool {
        matches!(self, Self::Wait | Self::Running)
    }
}

/// One async invocation as the store keeps it.
#[derive(Debug, Clone)]
pub struct Record {
    /// The function.
    pub function: FunctionKey,
    /// The request id (`request_id` of the 202).
    pub request_id: String,
    /// Its state.
    pub status: Status,
    /// `""` unless it failed.
    pub error_message: String,
    /// 0 unless it failed.
    pub error_code: i64,
    /// When it was accepted (the emulator's clock).
    pub start_time: DateTime<Utc>,
    /// When it ended; `None` while active.
    pub end_time: Option<DateTime<Utc>>,
    /// The version that ran it.
    pub version: String,
}

/// The records, and how to stop the running ones.
#[derive(Default)]
pub struct AsyncQueue {
    // A std Mutex: inserts, updates and copies, never across an await.
    records: Mutex<VecDeque<(Record, Option<tokio::task::AbortHandle>)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AsyncQueue {
    fn update(&self, request_id: &str, f: impl FnOnce(&mut Record)) {
        let mut records = lock(&self.records);
        if let Some((r, _)) = records.iter_mut().find(|(r, _)| r.request_id == request_id) {
            f(r);
        }
    }

    /// The state of `request_id`, if it is still kept.
    fn status(&self, request_id: &str) -> Option<Status> {
        lock(&self.records)
            .iter()
            .find(|(r, _)| r.request_id == request_id)
            .map(|(r, _)| r.status)
    }

    /// Appends a record, dropping the oldest ones beyond [`MAX_RECORDS`].
    fn push(&self, record: Record) {
        let mut records = lock(&self.records);
        while records.len() >= MAX_RECORDS {
            records.pop_front();
        }
        records.push_back((record, None));
    }

    /// Keeps the handle that stops the task running `request_id` (for cancel and reset).
    fn set_abort_handle(&self, request_id: &str, handle: tokio::task::AbortHandle) {
        let mut records = lock(&self.records);
        if let Some((_, slot)) = records.iter_mut().find(|(r, _)| r.request_id == request_id) {
            *slot = Some(handle);
        }
    }

    /// Records of `function` that `keep` accepts, newest first.
    pub fn list(&self, function: &FunctionKey, keep: impl Fn(&Record) -> bool) -> Vec<Record> {
        lock(&self.records)
            .iter()
            .rev()
            .filter(|(r, _)| &r.function == function && keep(r))
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// Forgets every record and stops every running invocation (reset).
    pub fn clear(&self) {
        for (_, handle) in lock(&self.records).drain(..) {
            if let Some(h) = handle {
                h.abort();
            }
        }
    }
}

/// Why a cancel did nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum CancelError {
    /// No such request for this function.
    Unknown,
}

impl Invoker {
    /// Queues `inv` on `target` and returns at once; the record starts as WAIT.
    pub fn invoke_async(&self, target: Target, inv: Invocation, now: DateTime<Utc>) {
        let queue = self.inner.async_queue.clone();
        let request_id = inv.request_id.clone();
        queue.push(Record {
            function: target.key.clone(),
            request_id: request_id.clone(),
            status: Status::Wait,
            error_message: String::new(),
            error_code: 0,
            start_time: now,
            end_time: None,
            version: target.version.clone(),
        });
        let invoker = self.clone();
        let task_queue = queue.clone();
        let id = request_id.clone();
        let task = tokio::spawn(async move {
            invoker.run_queued(&task_queue, &id, target, inv, now).await;
        });
        // The record is pushed before the task is spawned, so a cancel always finds it; one
        // that comes before the handle is kept still marks the record FAIL, and the task's own
        // updates then leave it alone.
        queue.set_abort_handle(&request_id, task.abort_handle());
    }

    /// The background half of an async invocation accepted at `accepted`: discards it when
    /// it is older than the version's maximum event age, else runs it, tries a failure
    /// again up to the version's retries (while the event is still young enough), and
    /// records how the last attempt ended.
    async fn run_queued(
        &self,
        queue: &AsyncQueue,
        id: &str,
        target: Target,
        inv: Invocation,
        accepted: DateTime<Utc>,
    ) {
        let clock = self.inner.clock.clone();
        // Read now, not when accepted: settings changed while the event waited apply to it.
        let policy = self
            .inner
            .store
            .with_function(&target.key, |f| {
                f.attachments.async_configs.policy(&target.version)
            })
            .unwrap_or_default();
        let too_old = || (clock.now() - accepted).num_seconds() > i64::from(policy.max_age_seconds);
        if too_old() {
            queue.update(id, |r| {
                r.status = Status::Discard;
                r.end_time = Some(clock.now());
            });
            return;
        }
        queue.update(id, |r| {
            if r.status == Status::Wait {
                r.status = Status::Running;
            }
        });
        let mut retries_left = policy.retries;
        let (status, code, message) = loop {
            let attempt = Invocation {
                request_id: inv.request_id.clone(),
                event: inv.event.clone(),
                memory_mb: inv.memory_mb,
            };
            let ended = ending(self.invoke(&target, attempt).await);
            if ended.0 == Status::Success || retries_left == 0 || too_old() {
                break ended;
            }
            // A cancel during the attempt (before its task could be aborted) ends it here.
            if queue.status(id) != Some(Status::Running) {
                return;
            }
            retries_left -= 1;
        };
        let end = clock.now();
        queue.update(id, |r| {
            // A cancel that came first has the last word.
            if r.status != Status::Running {
                return;
            }
            r.status = status;
            r.error_code = code;
            r.error_message = message;
            r.end_time = Some(end);
        });
    }

    /// Stops a WAIT or RUNNING invocation of `function` (a running one's instance is
    /// killed). One that already ended is left as it is.
    pub fn cancel_async(
        &self,
        function: &FunctionKey,
        request_id: &str,
    ) -> Result<(), CancelError> {
        let now = self.inner.clock.now();
        let mut records = lock(&self.inner.async_queue.records);
        let (record, handle) = records
            .iter_mut()
            .find(|(r, _)| &r.function == function && r.request_id == request_id)
            .ok_or(CancelError::Unknown)?;
        if record.status.is_active() {
            if let Some(h) = handle.take() {
                h.abort();
            }
            record.status = Status::Fail;
            record.error_code = CANCELED;
            record.error_message = "function invocation canceled".into();
            record.end_time = Some(now);
        }
        Ok(())
    }

    /// The async records of `function` that `keep` accepts, newest first.
    pub fn async_records(
        &self,
        function: &FunctionKey,
        keep: impl Fn(&Record) -> bool,
    ) -> Vec<Record> {
        self.inner.async_queue.list(function, keep)
    }
}

/// The status, error code and message a finished invocation leaves on its record.
fn ending(report: Result<super::Report, crate::error::ApiError>) -> (Status, i64, String) {
    match report {
        Ok(report) => match report.outcome {
            Outcome::Returned { .. } => (Status::Success, 0, String::new()),
            Outcome::Raised(e) | Outcome::InitFailed(e) => (
                Status::Fail,
                4002,
                format!("{}: {}", e.error_type, e.message),
            ),
            Outcome::TimedOut => (Status::Fail, 4010, "invoke timed out".into()),
            Outcome::OutOfMemory => (Status::Fail, 4205, "runtime memory limit exceeded".into()),
            Outcome::Crashed(why) => (Status::Fail, 4201, why),
        },
        Err(e) => (Status::Fail, 4002, e.message().to_owned()),
    }
}

/// The wire form of a record (`ListAsyncInvocations`).
#[derive(Debug, Serialize)]
pub struct RecordView {
    /// The request id.
    pub request_id: String,
    /// WAIT, RUNNING, SUCCESS, FAIL or DISCARD.
    pub status: Status,
    /// `""` on success.
    pub error_message: String,
    /// 0 on success.
    pub error_code: i64,
    /// `YYYY-MM-DDTHH:mm:ss` UTC.
    pub start_time: String,
    /// `YYYY-MM-DDTHH:mm:ss` UTC; `""` while active.
    pub end_time: String,
}

/// The query parameters' time format, and the records'.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

impl From<&Record> for RecordView {
    fn from(r: &Record) -> Self {
        Self {
            request_id: r.request_id.clone(),
            status: r.status,
            error_message: r.error_message.clone(),
            error_code: r.error_code,
            start_time: r.start_time.format(TIME_FORMAT).to_string(),
            end_time: r
                .end_time
                .map(|t| t.format(TIME_FORMAT).to_string())
                .unwrap_or_default(),
        }
    }
}
