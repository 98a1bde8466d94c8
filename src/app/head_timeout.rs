//! The header-read timeout (the slowloris guard): one timer per connection, not per request.
//!
//! A connection must send each request's headers within `server.header_timeout_seconds`
//! of connecting or of the previous answer, else it is closed; so an idle keep-alive
//! connection is closed after the same time. hyper can do this itself
//! (`header_read_timeout`), but it makes a new timer for every request head (an allocation,
//! a registration in tokio's timer wheel and its removal) and reads the socket once more
//! after every answer to start it: about 5% of a cached read's throughput on loopback
//! (`docs/PERFORMANCE.md`, "Issue 14, fifth step").
//!
//! Here each connection has a [`HeadClock`]: the service marks it busy when a request
//! arrives (its headers are in) and waiting again when the answer's body has been written
//! (hyper drops the body then), which is when hyper would start its timer. A watchdog
//! ([`stalled`]) sleeps until the waiting connection's deadline, and when it wakes it looks
//! again: busy, or waiting since later, means a new deadline; past it, the connection is
//! closed. So the timer fires at most about once per timeout per connection, whatever the
//! number of requests, and never earlier than hyper's would have. The watchdog is a task
//! of its own beside the connection's (`serve`), so that a request's wake-ups never poll
//! its timer.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::fast::Dispatched;
use crate::app_state::AppState;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;

/// What [`HeadClock::state`] stores while a request is being answered.
const BUSY: u64 = u64::MAX;

/// One connection's state for the timeout: answering a request, or waiting for the next
/// one's headers since some instant.
pub(super) struct HeadClock {
    /// The connection's start; `state` counts from it.
    epoch: Instant,
    /// Nanoseconds from `epoch` to when the connection began waiting for headers, or
    /// [`BUSY`]. Written by the connection's task, read by its watchdog.
    state: AtomicU64,
}

impl HeadClock {
    /// A connection that has just been accepted: waiting for its first request's headers.
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            epoch: Instant::now(),
            state: AtomicU64::new(0),
        })
    }

    fn busy(&self) {
        self.state.store(BUSY, Ordering::Release);
    }

    fn waiting(&self) {
        // Saturating: a connection open for 584 years reads as busy, which only delays
        // its timeout.
        let since = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(BUSY);
        self.state.store(since, Ordering::Release);
    }

    /// Since when the connection has been waiting for headers; `None` while it answers.
    fn waiting_since(&self) -> Option<Instant> {
        match self.state.load(Ordering::Acquire) {
            BUSY => None,
            nanos => Some(self.epoch + Duration::from_nanos(nanos)),
        }
    }
}

/// Completes when the connection has waited `limit` for a request's headers (see the
/// module docs); runs beside the connection for as long as it is open.
pub(super) async fn stalled(clock: Arc<HeadClock>, limit: Duration) {
    let mut deadline = clock.epoch + limit;
    loop {
        tokio::time::sleep_until(deadline.into()).await;
        match clock.waiting_since() {
            // Answering: whenever that ends, its deadline is at least `limit` from now.
            None => deadline = Instant::now() + limit,
            Some(since) if since + limit <= Instant::now() => return,
            // A request came and went since the timer was set: wait for its deadline.
            Some(since) => deadline = since + limit,
        }
    }
}

/// The application as hyper calls it, for one connection: marks the connection busy when
/// a request arrives and waiting again when its answer's body is done; in between, the
/// fast lane (`app::fast`) or else the router answers.
///
/// A hyper service of our own rather than hyper-util's `TowerToHyperService`, which does
/// the same call (`clone().oneshot(req)`) without the clock or the lane.
#[derive(Clone)]
pub(super) struct Watched {
    pub(super) app: AppState,
    pub(super) router: Router,
    pub(super) clock: Arc<HeadClock>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Watched {
    type Response = hyper::Response<WatchedBody>;
    type Error = Infallible;
    type Future = Answering;

    fn call(&self, req: hyper::Request<Incoming>) -> Answering {
        self.clock.busy();
        Answering {
            inner: super::fast::dispatch(&self.app, &self.router, req),
            clock: Some(self.clock.clone()),
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer, its body wrapped to mark the connection waiting when dropped.
    pub(super) struct Answering {
        #[pin]
        inner: Dispatched<Incoming>,
        clock: Option<Arc<HeadClock>>,
    }
}

impl Future for Answering {
    type Output = Result<hyper::Response<WatchedBody>, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response: Response = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(response) => response,
        };
        let done = WaitingWhenDropped(this.clock.take());
        Poll::Ready(Ok(response.map(|inner| WatchedBody { inner, _done: done })))
    }
}

/// Marks the connection waiting for headers again when dropped (see [`WatchedBody`]).
struct WaitingWhenDropped(Option<Arc<HeadClock>>);

impl Drop for WaitingWhenDropped {
    fn drop(&mut self) {
        if let Some(clock) = &self.0 {
            clock.waiting();
        }
    }
}

/// An answer's body, unchanged: hyper drops it once it has been written (or the
/// connection is gone), and that marks the connection waiting for the next headers.
pub(super) struct WatchedBody {
    inner: Body,
    _done: WaitingWhenDropped,
}

impl http_body::Body for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    // Forwarded, so hyper still writes `Content-Length` for a body of known size.
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_reads_waiting_since_it_was_marked_and_none_while_busy() {
        let clock = HeadClock::new();
        assert_eq!(clock.waiting_since(), Some(clock.epoch));
        clock.busy();
        assert_eq!(clock.waiting_since(), None);
        let before = Instant::now();
        clock.waiting();
        let since = clock.waiting_since().expect("waiting");
        assert!(since >= before && since <= Instant::now());
    }

    #[tokio::test]
    async fn the_watchdog_never_closes_a_busy_connection_nor_one_waiting_less_than_its_limit() {
        let limit = Duration::from_millis(200);
        let clock = HeadClock::new();
        let watchdog = tokio::spawn(stalled(clock.clone(), limit));
        // Busy across several deadlines: still open, however late this task runs.
        clock.busy();
        tokio::time::sleep(limit * 3).await;
        assert!(!watchdog.is_finished(), "a busy connection was closed");
        // Waiting from now on: it closes, and not before a whole limit has passed.
        let marked = Instant::now();
        clock.waiting();
        tokio::time::timeout(Duration::from_secs(10), watchdog)
            .await
            .expect("a stalled connection is closed")
            .unwrap();
        assert!(
            marked.elapsed() >= limit,
            "closed after {:?}",
            marked.elapsed()
        );
    }
}
