//! [`Activity`]: what one connection is waiting for, and since when. The connection's own
//! task writes it (from its IO, its service and its timer); the accept loop reads it to
//! choose which connection gives way at the cap.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// What a connection waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waiting {
    /// A new request: nothing of it has arrived yet.
    Request,
    /// The rest of a request head whose first bytes have arrived.
    Head,
    /// Its response to be handed to the operating system.
    Response,
}

/// The timeouts of [`Activity::deadline`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Timeouts {
    pub(super) idle: Duration,
    pub(super) head: Duration,
    pub(super) write: Duration,
}

/// One connection's progress. Times are nanoseconds since the server's `epoch`, plus one so
/// that 0 can mean "not set".
#[derive(Debug)]
pub(super) struct Activity {
    epoch: Instant,
    /// Requests handed to the service.
    dispatched: AtomicU64,
    /// Responses the service has produced.
    answered: AtomicU64,
    /// Responses fully handed to the operating system.
    flushed: AtomicU64,
    /// When the connection last became idle, or when its current response started.
    phase_since: AtomicU64,
    /// When the first bytes of a new request arrived on an idle connection; 0 if none.
    head_since: AtomicU64,
    /// Since when a write has been waiting for the client to read; 0 if none is.
    blocked_since: AtomicU64,
}

/// Which connection should give way first: the lowest rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Rank {
    /// Idle (no request in progress) since the time given.
    Idle(u64),
    /// Waiting for its client to read since the time given.
    Blocked(u64),
}

impl Activity {
    /// A connection just accepted: idle from now.
    pub(super) fn new(epoch: Instant) -> Self {
        let activity = Self {
            epoch,
            dispatched: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            flushed: AtomicU64::new(0),
            phase_since: AtomicU64::new(0),
            head_since: AtomicU64::new(0),
            blocked_since: AtomicU64::new(0),
        };
        activity.phase_since.store(activity.now(), Relaxed);
        activity
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn instant(&self, stamp: u64) -> Instant {
        self.epoch + Duration::from_nanos(stamp.saturating_sub(1))
    }

    fn is_idle(&self) -> bool {
        self.flushed.load(Relaxed) == self.dispatched.load(Relaxed)
    }

    /// `n` bytes were read from the client.
    pub(super) fn on_read(&self, n: usize) {
        if n > 0 && self.is_idle() && self.head_since.load(Relaxed) == 0 {
            self.head_since.store(self.now(), Relaxed);
        }
    }

    /// A request head is complete and goes to the service; returns its number on this
    /// connection, from 1.
    pub(super) fn on_request(&self) -> u64 {
        if self.is_idle() {
            self.phase_since.store(self.now(), Relaxed);
        }
        self.head_since.store(0, Relaxed);
        self.dispatched.fetch_add(1, Relaxed) + 1
    }

    /// The service produced a response (which hyper buffers at once).
    pub(super) fn on_response(&self) {
        self.answered.fetch_add(1, Relaxed);
    }

    /// A write to the client made progress (`true`) or must wait for it to read (`false`).
    pub(super) fn on_write(&self, progressed: bool) {
        if progressed {
            self.blocked_since.store(0, Relaxed);
        } else if self.blocked_since.load(Relaxed) == 0 {
            self.blocked_since.store(self.now(), Relaxed);
        }
    }

    /// Everything hyper had buffered is handed to the operating system. hyper buffers a
    /// response as soon as the service produces it, so every answered response is out.
    pub(super) fn on_flushed(&self) {
        self.blocked_since.store(0, Relaxed);
        let answered = self.answered.load(Relaxed);
        if self.flushed.load(Relaxed) < answered {
            self.flushed.store(answered, Relaxed);
            // Idle from now, or the next pipelined response starts its clock now.
            self.phase_since.store(self.now(), Relaxed);
        }
    }

    /// What the connection waits for and until when it may.
    pub(super) fn deadline(&self, timeouts: &Timeouts) -> (Waiting, Instant) {
        let since = self.instant(self.phase_since.load(Relaxed));
        if !self.is_idle() {
            return (Waiting::Response, since + timeouts.write);
        }
        match self.head_since.load(Relaxed) {
            0 => (Waiting::Request, since + timeouts.idle),
            head => (Waiting::Head, self.instant(head) + timeouts.head),
        }
    }

    /// Whether (and how urgently) this connection may be closed to admit a new one: when it
    /// is idle, or blocked on a client that does not read. `None` while it is making
    /// progress on a response.
    pub(super) fn rank(&self) -> Option<Rank> {
        if self.is_idle() {
            return Some(Rank::Idle(self.phase_since.load(Relaxed)));
        }
        match self.blocked_since.load(Relaxed) {
            0 => None,
            since => Some(Rank::Blocked(since)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUTS: Timeouts = Timeouts {
        idle: Duration::from_secs(30),
        head: Duration::from_secs(5),
        write: Duration::from_secs(10),
    };

    #[test]
    fn a_request_moves_from_idle_to_response_and_back() {
        let a = Activity::new(Instant::now());
        assert_eq!(a.deadline(&TIMEOUTS).0, Waiting::Request);
        assert!(matches!(a.rank(), Some(Rank::Idle(_))));
        a.on_read(10);
        assert_eq!(a.deadline(&TIMEOUTS).0, Waiting::Head);
        assert_eq!(a.on_request(), 1);
        assert_eq!(a.deadline(&TIMEOUTS).0, Waiting::Response);
        // Busy and making progress: not to be evicted.
        assert_eq!(a.rank(), None);
        a.on_write(false);
        assert!(matches!(a.rank(), Some(Rank::Blocked(_))));
        // A flush before the response exists does not end the request.
        a.on_flushed();
        assert_eq!(a.deadline(&TIMEOUTS).0, Waiting::Response);
        a.on_response();
        a.on_write(true);
        a.on_flushed();
        assert_eq!(a.deadline(&TIMEOUTS).0, Waiting::Request);
        assert_eq!(a.on_request(), 2);
    }

    #[test]
    fn a_pipelined_request_keeps_the_connection_busy_after_the_first_flush() {
        let a = Activity::new(Instant::now());
        a.on_request();
        a.on_response();
        a.on_request();
        a.on_flushed();
        assert_eq!(a.deadline(&TIMEOUTS).0, Waiting::Response);
        a.on_response();
        a.on_flushed();
        assert_eq!(a.deadline(&TIMEOUTS).0, Waiting::Request);
    }

    #[test]
    fn idle_connections_rank_before_blocked_ones_and_older_before_newer() {
        assert!(Rank::Idle(9) < Rank::Blocked(1));
        assert!(Rank::Idle(1) < Rank::Idle(2));
        assert!(Rank::Blocked(1) < Rank::Blocked(2));
    }
}
