//! The in-flight limit (`limits.max_concurrent_requests`): a count of requests being
//! answered, refused at the limit.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many requests are being answered, and how many may be.
///
/// A counter rather than tokio's `Semaphore`: nothing ever waits for a place (an overloaded
/// emulator answers 503 at once, with no queue), so a count is all it needs, and the
/// semaphore takes its waiters' mutex on every release. That mutex and the permit count
/// were two cache lines both cores wrote on every request; this is one.
#[derive(Debug)]
pub(crate) struct InFlight {
    count: AtomicUsize,
    max: usize,
}

/// At the limit: the request is refused (`ApiError::too_many_requests`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AtTheLimit;

/// A place among the requests in flight, given back when dropped.
#[derive(Debug)]
pub(crate) struct Place<'a>(&'a InFlight);

impl InFlight {
    /// A limit of `max` requests at once.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            count: AtomicUsize::new(0),
            max,
        }
    }

    /// A place, unless `max` requests are in flight already. Exact: a request refused at the
    /// limit never holds a place, even for a moment, so none is refused for its sake.
    pub(crate) fn try_acquire(&self) -> Result<Place<'_>, AtTheLimit> {
        // Relaxed: the count guards no other data; it only bounds how many run at once.
        self.count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < self.max).then_some(n + 1)
            })
            .map(|_| Place(self))
            .map_err(|_| AtTheLimit)
    }

    /// How many requests are in flight.
    #[cfg(test)]
    fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_run_out_at_the_limit_and_come_back_when_dropped() {
        let limit = InFlight::new(2);
        let a = limit.try_acquire().unwrap();
        let b = limit.try_acquire().unwrap();
        assert_eq!(limit.try_acquire().unwrap_err(), AtTheLimit);
        assert_eq!(limit.count(), 2, "a refusal holds no place");
        drop(a);
        let c = limit.try_acquire().unwrap();
        drop((b, c));
        assert_eq!(limit.count(), 0);
    }

    #[test]
    fn many_threads_never_hold_more_than_the_limit() {
        let limit = InFlight::new(3);
        let most = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        if let Ok(place) = limit.try_acquire() {
                            most.fetch_max(limit.count(), Ordering::Relaxed);
                            drop(place);
                        }
                    }
                });
            }
        });
        assert!(most.load(Ordering::Relaxed) <= 3);
        assert_eq!(limit.count(), 0);
    }
}
