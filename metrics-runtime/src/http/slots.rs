//! [`Slots`]: the connection cap, and which connection gives way to a new one at the cap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::AbortHandle;

use super::activity::Activity;

/// The open connections: one permit each, and what each is doing.
#[derive(Debug)]
pub(super) struct Slots {
    permits: Arc<Semaphore>,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Entry>,
}

#[derive(Debug)]
struct Entry {
    activity: Arc<Activity>,
    /// Set once the connection's task is spawned.
    abort: Option<AbortHandle>,
    /// Already asked to give way: not chosen twice.
    evicted: bool,
}

/// A connection's place: dropping it (with the connection's task) frees the place. The
/// table entry goes before the permit, so the accept loop never waits on a place that is
/// already empty.
#[derive(Debug)]
pub(super) struct Slot {
    slots: Arc<Slots>,
    id: u64,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.table().open.remove(&self.id);
    }
}

impl Slots {
    pub(super) fn new(max_connections: usize) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(max_connections)),
            table: Mutex::new(Table::default()),
        })
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for a new connection: a free one, else the place of the connection idle the
    /// longest, else of the one blocked longest on a client that does not read (that
    /// connection is closed). `None` when every connection is making progress.
    pub(super) async fn admit(self: &Arc<Self>, activity: &Arc<Activity>) -> Option<Slot> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                self.evict_one()?;
                // The evicted task releases its permit when it is dropped, at its next poll.
                self.permits.clone().acquire_owned().await.ok()?
            }
        };
        let mut table = self.table();
        let id = table.next_id;
        table.next_id += 1;
        table.open.insert(
            id,
            Entry {
                activity: activity.clone(),
                abort: None,
                evicted: false,
            },
        );
        Some(Slot {
            slots: self.clone(),
            id,
            _permit: permit,
        })
    }

    /// Records the task serving `slot`, so that it can be made to give way.
    pub(super) fn serving(&self, slot_id: u64, abort: AbortHandle) {
        if let Some(entry) = self.table().open.get_mut(&slot_id) {
            entry.abort = Some(abort);
        }
    }

    fn evict_one(&self) -> Option<()> {
        let abort = {
            let mut table = self.table();
            let victim = table
                .open
                .values_mut()
                .filter(|e| !e.evicted && e.abort.is_some())
                .filter_map(|e| Some((e.activity.rank()?, e)))
                .min_by_key(|(rank, _)| *rank)
                .map(|(_, e)| e)?;
            victim.evicted = true;
            victim.abort.clone()?
        };
        // Outside the lock: the victim's Slot takes it when the task is dropped.
        abort.abort();
        Some(())
    }
}

impl Slot {
    pub(super) fn id(&self) -> u64 {
        self.id
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn at_the_cap_the_longest_idle_connection_gives_way() {
        let slots = Slots::new(2);
        let epoch = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let activity = Arc::new(Activity::new(epoch));
            let slot = slots.admit(&activity).await.unwrap();
            let id = slot.id();
            let task = tokio::spawn(async move {
                let _slot = slot;
                std::future::pending::<()>().await;
            });
            slots.serving(id, task.abort_handle());
            tasks.push((activity, task));
        }
        // The second is busy sending and making progress; the first is idle.
        tasks[1].0.on_request();
        let third = Arc::new(Activity::new(epoch));
        let slot = slots.admit(&third).await.expect("a place");
        let (_, busy) = tasks.pop().unwrap();
        let (_, idle) = tasks.pop().unwrap();
        assert!(idle.await.unwrap_err().is_cancelled());
        assert!(!busy.is_finished());
        drop(slot);
    }

    #[tokio::test]
    async fn when_every_connection_makes_progress_there_is_no_place() {
        let slots = Slots::new(1);
        let activity = Arc::new(Activity::new(Instant::now()));
        let slot = slots.admit(&activity).await.unwrap();
        let id = slot.id();
        let task = tokio::spawn(async move {
            let _slot = slot;
            std::future::pending::<()>().await;
        });
        slots.serving(id, task.abort_handle());
        activity.on_request();
        let other = Arc::new(Activity::new(Instant::now()));
        assert!(slots.admit(&other).await.is_none());
        // Once blocked on its client, it gives way.
        activity.on_write(false);
        assert!(slots.admit(&other).await.is_some());
        assert!(task.await.unwrap_err().is_cancelled());
    }
}
