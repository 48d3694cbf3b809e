//! Per-thread shards: the cells `#[track_operation]` call sites record into, and the list of
//! shard tables a series reads them from.
//!
//! Two threads updating one atomic bounce its cache line between cores (200-400 ns a call), and
//! even uncontended, a locked read-modify-write costs ~6 ns and a compare-exchange loop ~11 ns
//! here. So each call site keeps one shard of cells per live thread: a thread is the only
//! writer of its shard and updates it with a plain load and store (no locked instruction, no
//! line shared with another writer). A scrape adds up every shard with atomic loads, so it is
//! exact at any moment: there is nothing to flush, and a shard outlives its thread (the next
//! thread to take the same slot carries on from its values), so nothing is lost at exit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use once_cell::race::OnceBox;
use once_cell::sync::OnceCell;

/// Two cache lines: the unit a shard is padded to (adjacent-line prefetchers pull lines in
/// pairs, so 64-byte padding would still share).
#[repr(align(128))]
struct Line([AtomicU64; LINE_CELLS]);

const LINE_CELLS: usize = 16;

impl Line {
    fn new() -> Self {
        Self(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

/// Per-thread cells of one call site, indexed by [`thread_slot`]. The cell layout is the call
/// site's (see `callsite.rs`); series attached to the table read their cells from every shard.
pub(crate) struct ShardTable {
    shards: Box<[OnceCell<Box<[Line]>>]>,
    lines_per_shard: usize,
}

impl ShardTable {
    /// A table for threads holding slots below `threads`, with `width` cells per shard.
    /// Nothing per thread is allocated until that thread first records.
    pub(crate) fn new(width: usize, threads: usize) -> Arc<Self> {
        Arc::new(Self {
            shards: (0..threads).map(|_| OnceCell::new()).collect(),
            lines_per_shard: width.div_ceil(LINE_CELLS).max(1),
        })
    }

    /// The calling thread's shard; `None` if its slot is beyond this table (or the thread is
    /// being torn down), in which case the caller records into the shared cells instead.
    #[inline]
    pub(crate) fn mine(&self) -> Option<Shard<'_>> {
        let shard = self.shards.get(thread_slot()?)?;
        // Only the slot's holder initialises it, so this never waits on another thread.
        let lines = shard.get_or_init(|| (0..self.lines_per_shard).map(|_| Line::new()).collect());
        Some(Shard(lines))
    }

    /// Cell `index` of every shard created so far.
    fn cells(&self, index: usize) -> impl Iterator<Item = &AtomicU64> {
        self.shards
            .iter()
            .filter_map(OnceCell::get)
            .map(move |lines| &lines[index / LINE_CELLS].0[index % LINE_CELLS])
    }

    pub(crate) fn sum(&self, index: usize) -> u64 {
        self.cells(index).fold(0, |sum, cell| {
            sum.wrapping_add(cell.load(Ordering::Relaxed))
        })
    }

    /// Zeroes cell `index` of every shard. A thread recording at that moment may write back
    /// its pre-reset value, like any update racing a reset.
    pub(crate) fn reset(&self, index: usize) {
        self.cells(index)
            .for_each(|cell| cell.store(0, Ordering::Relaxed));
    }
}

impl std::fmt::Debug for ShardTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let threads = self.shards.iter().filter(|s| s.get().is_some()).count();
        f.debug_struct("ShardTable")
            .field("threads", &threads)
            .finish()
    }
}

/// One thread's cells. Only the thread holding the slot writes them, so a load and a store
/// are an exact increment; readers on other threads use atomic loads.
#[derive(Clone, Copy)]
pub(crate) struct Shard<'a>(&'a [Line]);

impl<'a> Shard<'a> {
    #[inline]
    fn at(self, index: usize) -> &'a AtomicU64 {
        &self.0[index / LINE_CELLS].0[index % LINE_CELLS]
    }

    /// Adds `n` to integer cell `index`.
    #[inline]
    pub(crate) fn add(self, index: usize, n: u64) {
        let cell = self.at(index);
        cell.store(
            cell.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }
}

/// The calling thread's slot: the lowest index no other live thread holds, so that every shard
/// has one writer; given back when the thread exits. `None` beyond 64 live threads or while the
/// thread's locals are being destroyed.
#[inline]
fn thread_slot() -> Option<usize> {
    thread_local! {
        static SLOT: Slot = Slot::claim();
    }
    SLOT.try_with(|slot| slot.0).ok().flatten()
}

/// Bit `i` set: slot `i` is held by a live thread.
static SLOTS_IN_USE: AtomicU64 = AtomicU64::new(0);

struct Slot(Option<usize>);

impl Slot {
    fn claim() -> Self {
        let mut in_use = SLOTS_IN_USE.load(Ordering::Relaxed);
        while in_use != u64::MAX {
            let free = in_use.trailing_ones() as usize;
            // Acquire: the previous holder's last writes to its shards happen before ours.
            match SLOTS_IN_USE.compare_exchange_weak(
                in_use,
                in_use | 1 << free,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Self(Some(free)),
                Err(now) => in_use = now,
            }
        }
        Self(None)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            // Release: hands our shard values over to the next holder of the slot.
            SLOTS_IN_USE.fetch_and(!(1 << slot), Ordering::Release);
        }
    }
}

/// Shard tables attached to a series, with the index of the series' first cell in them and
/// what the series needs to read them (`U`: a histogram's sum unit). Boxed on first attach:
/// most series (those only the `record_*` methods update) never get one, and an empty
/// `OnceBox` is one pointer.
pub(crate) struct Attached<U = ()>(OnceBox<Mutex<Vec<AttachedTable<U>>>>);

/// A shard table, the index of the series' first cell in it, and its `U`.
type AttachedTable<U> = (Arc<ShardTable>, usize, U);

impl<U> Default for Attached<U> {
    fn default() -> Self {
        Self(OnceBox::new())
    }
}

impl<U: Copy> Attached<U> {
    pub(crate) fn push(&self, table: Arc<ShardTable>, first_cell: usize, with: U) {
        self.0
            .get_or_init(Box::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((table, first_cell, with));
    }

    pub(crate) fn for_each(&self, mut f: impl FnMut(&ShardTable, usize, U)) {
        let Some(attached) = self.0.get() else {
            return;
        };
        let attached = attached.lock().unwrap_or_else(PoisonError::into_inner);
        for (table, first_cell, with) in attached.iter() {
            f(table, *first_cell, *with);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::{Counter, Series};

    #[test]
    fn shards_from_many_threads_add_up_exactly() {
        let counter = Counter::default();
        let table = ShardTable::new(20, 8);
        counter.attach(table.clone(), 19);
        counter.inc();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        match table.mine() {
                            Some(shard) => shard.add(19, 1),
                            None => counter.inc(),
                        }
                    }
                });
            }
        });
        assert_eq!(counter.get(), 40_001);
        counter.reset();
        assert_eq!(counter.get(), 0);
    }

    #[test]
    fn a_shard_outlives_its_thread_and_is_reused() {
        let counter = Counter::default();
        let table = ShardTable::new(1, 64);
        counter.attach(table.clone(), 0);
        for _ in 0..3 {
            std::thread::scope(|s| {
                s.spawn(|| (0..100).for_each(|_| table.mine().unwrap().add(0, 1)));
            });
        }
        assert_eq!(counter.get(), 300);
        // Sequential threads take the lowest free slot, so they share a shard rather than
        // allocating one each (other tests' threads may hold low slots meanwhile).
        assert!(table.shards.iter().filter(|s| s.get().is_some()).count() <= 3);
    }

    #[test]
    fn wide_shards_span_several_lines() {
        let table = ShardTable::new(40, 64);
        let shard = table.mine().unwrap();
        for i in 0..40 {
            shard.add(i, i as u64);
        }
        assert_eq!(
            (0..40).map(|i| table.sum(i)).sum::<u64>(),
            (0..40u64).sum::<u64>()
        );
        assert_eq!(table.sum(33), 33);
    }
}
