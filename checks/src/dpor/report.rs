//! The seam between the model's sync facade and the DPOR explorer: before each schedule
//! point, the facade says which operation the current thread is about to perform, on which
//! object. The explorer reads it when the scheduler is next asked to choose; a schedule point
//! without a report counts as [`OpKind::Unknown`](super::OpKind::Unknown), dependent with
//! everything (sound, only slower).
//!
//! Contract for `model/src/sync/` (shuttle backend), in each wrapper, just before calling the
//! shuttle primitive that may switch tasks:
//! - `Mutex::lock` / `try_lock`: `report(OpKind::Lock, id)`; the guard's drop:
//!   `report(OpKind::Unlock, id)`, with `id` the mutex's id from [`new_object_id`], taken
//!   when the mutex is created (likewise for condvars and atomics).
//! - `Condvar::wait*`: `report(OpKind::Wait, cv)`; after it returns, the re-acquisition is
//!   reported as `report(OpKind::Lock, mutex)`. `notify_one` / `notify_all`:
//!   `report(OpKind::Notify, cv)`.
//! - atomics: `load` → `Load`, `store` → `Store`, `swap`/`fetch_*`/`compare_exchange*` → `Rmw`.
//! - `thread::spawn`: `report(OpKind::Spawn, child)`; `JoinHandle::join`:
//!   `report(OpKind::Join, child)` (child = the child's shuttle task id).
//!
//! A report describes the next schedule point of the reporting thread only; it is consumed by
//! that point, so an unreported point later on is `Unknown` again.

use super::{Op, OpKind, Tid};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

thread_local! {
    /// Per explored thread, the operation it will perform at its next schedule point. Shuttle
    /// runs every task on the thread that runs the test, so one thread-local map sees them all.
    static PENDING: RefCell<HashMap<Tid, Op>> = RefCell::new(HashMap::new());
    /// Object ids start above thread ids, which spawn and join use as objects.
    static NEXT_ID: Cell<u64> = const { Cell::new(1 << 32) };
}

/// Records that thread `tid` is about to perform `kind` on `obj`.
pub fn report_for(tid: Tid, kind: OpKind, obj: u64) {
    PENDING.with(|p| p.borrow_mut().insert(tid, Op::new(kind, obj)));
}

/// The operation `tid` reported for its next schedule point, if any (not consumed).
pub fn peek(tid: Tid) -> Option<Op> {
    PENDING.with(|p| p.borrow().get(&tid).copied())
}

/// Consumes `tid`'s report: its schedule point is being taken.
pub fn take(tid: Tid) -> Option<Op> {
    PENDING.with(|p| p.borrow_mut().remove(&tid))
}

/// Forgets every report (a new execution starts).
pub fn clear() {
    PENDING.with(|p| p.borrow_mut().clear());
    NEXT_ID.with(|n| n.set(1 << 32));
}

/// A fresh object id, for the facade to assign when a mutex, condvar or atomic is created:
/// a per-execution counter, so the same object has the same id in every replay of a prefix
/// (addresses differ between executions, and sleep sets compare ids across executions).
pub fn new_object_id() -> u64 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    })
}

/// Records that the current shuttle task is about to perform `kind` on `obj`.
#[cfg(rtnl_shuttle)]
pub fn report(kind: OpKind, obj: u64) {
    report_for(usize::from(shuttle::current::me()), kind, obj);
}
