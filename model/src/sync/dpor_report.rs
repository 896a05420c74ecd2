//! The seam between rtnl-model's sync facade and the DPOR explorer (rtnl-checks' `dpor`):
//! before each schedule point, the facade says which operation the current task is about to
//! perform, on which object. The explorer reads it when the scheduler next chooses; a schedule
//! point without a report is [`OpKind::Unknown`], dependent with everything (sound, slower).
//!
//! It lives in the facade (plain std plumbing, not a kernel event) because the model cannot depend on rtnl-checks.
//! Contract for `model/src/sync/` (shuttle backend): in each wrapper, just before the shuttle
//! call that may switch tasks, `report_for(me, kind, id)` with
//! `me = usize::from(shuttle::current::me())` and `id` the object's id from
//! [`new_object_id`], taken when the mutex, condvar or atomic is created:
//! - `Mutex::lock` / `try_lock`: `Lock`; dropping the guard: `Unlock`.
//! - `Condvar::wait*`: `Wait` on the condvar; after it returns, `Lock` on the mutex (the
//!   re-acquisition). `notify_one` / `notify_all`: `Notify` on the condvar.
//! - atomics: `load` → `Load`, `store` → `Store`, `swap` / `fetch_*` / `compare_exchange*` →
//!   `Rmw`.
//! - `thread::spawn`: `Spawn`; `JoinHandle::join`: `Join`; the object is the child's task id.
//!
//! A report describes only the reporting task's next schedule point and is consumed there, so
//! a later unreported point is `Unknown` again.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// A thread of the explored program (shuttle's task id as a `usize`).
pub type Tid = usize;

/// What a step does to shared state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    Lock,
    Unlock,
    /// Condvar wait: releases the mutex and blocks until notified (the re-acquisition is a
    /// separate `Lock` step).
    Wait,
    Notify,
    Load,
    Store,
    Rmw,
    /// The object is the spawned thread's id.
    Spawn,
    /// The object is the joined thread's id.
    Join,
    /// Not reported: dependent with every step.
    Unknown,
}

/// An operation on an object (a mutex, condvar, atomic or thread, named by an id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Op {
    pub kind: OpKind,
    pub obj: u64,
}

impl Op {
    pub const UNKNOWN: Op = Op { kind: OpKind::Unknown, obj: 0 };

    pub fn new(kind: OpKind, obj: u64) -> Op {
        Op { kind, obj }
    }

    fn writes(self) -> bool {
        !matches!(self.kind, OpKind::Load)
    }

    /// Whether the order of two steps of different threads can matter.
    pub fn dependent(self, other: Op) -> bool {
        if self.kind == OpKind::Unknown || other.kind == OpKind::Unknown {
            return true;
        }
        // Spawn and join order threads through happens-before edges, not through races.
        let edge = |k| matches!(k, OpKind::Spawn | OpKind::Join);
        if edge(self.kind) || edge(other.kind) {
            return false;
        }
        self.obj == other.obj && (self.writes() || other.writes())
    }
}

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
