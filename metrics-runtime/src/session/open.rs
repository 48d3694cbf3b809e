//! The sessions that started and have not ended yet, with bounded memory.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// One open session.
#[derive(Debug, Clone)]
pub(crate) struct OpenSession {
    pub component: String,
    pub started: Instant,
}

/// Open sessions by id, plus recently ended ids (so a repeated end counts once).
///
/// Both are bounded: at most `capacity` open sessions (the oldest is evicted first) and
/// sessions older than `ttl` are dropped as abandoned; the ended-id memory holds the last
/// `capacity` ids.
#[derive(Debug)]
pub(crate) struct OpenSessions {
    open: HashMap<String, OpenSession>,
    /// Start order, for eviction; entries whose session has ended are skipped lazily.
    order: VecDeque<(Instant, String)>,
    ended: HashSet<String>,
    ended_order: VecDeque<String>,
    capacity: usize,
    ttl: Duration,
}

/// What an end event matched.
pub(crate) enum EndMatch {
    /// The matching open session.
    Open(OpenSession),
    /// No matching start (e.g. started before a restart): counted, gauge untouched.
    Unmatched,
    /// This session already ended: ignored.
    AlreadyEnded,
}

impl OpenSessions {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            open: HashMap::new(),
            order: VecDeque::new(),
            ended: HashSet::new(),
            ended_order: VecDeque::new(),
            capacity: capacity.max(1),
            ttl,
        }
    }

    /// Records a start. Returns the sessions evicted to make room or for age, whose gauge
    /// contribution the caller removes. `false` in the flag if the id was already open.
    pub(crate) fn start(
        &mut self,
        id: &str,
        component: &str,
        now: Instant,
    ) -> (bool, Vec<OpenSession>) {
        let mut evicted = self.expire(now);
        if self.open.contains_key(id) {
            return (false, evicted);
        }
        while self.open.len() >= self.capacity {
            match self.pop_oldest() {
                Some(session) => evicted.push(session),
                None => break,
            }
        }
        self.ended.remove(id);
        self.open.insert(
            id.to_owned(),
            OpenSession {
                component: component.to_owned(),
                started: now,
            },
        );
        self.order.push_back((now, id.to_owned()));
        (true, evicted)
    }

    pub(crate) fn end(&mut self, id: &str) -> EndMatch {
        if self.ended.contains(id) {
            return EndMatch::AlreadyEnded;
        }
        self.remember_ended(id);
        match self.open.remove(id) {
            Some(session) => EndMatch::Open(session),
            None => EndMatch::Unmatched,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.open.len()
    }

    fn remember_ended(&mut self, id: &str) {
        if self.ended.insert(id.to_owned()) {
            self.ended_order.push_back(id.to_owned());
            while self.ended_order.len() > self.capacity {
                if let Some(old) = self.ended_order.pop_front() {
                    self.ended.remove(&old);
                }
            }
        }
    }

    fn expire(&mut self, now: Instant) -> Vec<OpenSession> {
        let mut expired = Vec::new();
        while let Some((started, _)) = self.order.front() {
            if now.saturating_duration_since(*started) < self.ttl {
                break;
            }
            if let Some(session) = self.pop_oldest() {
                expired.push(session);
            }
        }
        expired
    }

    /// Removes the oldest entry of `order`; `Some` if it was still open.
    fn pop_oldest(&mut self) -> Option<OpenSession> {
        while let Some((started, id)) = self.order.pop_front() {
            if self.open.get(&id).is_some_and(|s| s.started == started) {
                return self.open.remove(&id);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_evicts_the_oldest_and_ttl_expires() {
        let t0 = Instant::now();
        let mut s = OpenSessions::new(2, Duration::from_secs(60));
        assert!(s.start("a", "c", t0).1.is_empty());
        assert!(s.start("b", "c", t0).1.is_empty());
        let (_, evicted) = s.start("c", "c", t0);
        assert_eq!(evicted.len(), 1);
        assert_eq!(s.len(), 2);
        assert!(matches!(s.end("a"), EndMatch::Unmatched));
        let (_, expired) = s.start("d", "c", t0 + Duration::from_secs(61));
        assert_eq!(expired.len(), 2);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn a_second_end_is_recognised() {
        let mut s = OpenSessions::new(10, Duration::from_secs(60));
        s.start("a", "c", Instant::now());
        assert!(matches!(s.end("a"), EndMatch::Open(_)));
        assert!(matches!(s.end("a"), EndMatch::AlreadyEnded));
    }
}
