//! The seam between rtnl-model's sync facade and the DPOR explorer (rtnl-checks' `dpor`):
//! before each schedule point, the facade says which operation the current task is about to
//! perform, on which object. The explorer reads it when the scheduler next chooses; a schedule
//! point without a report is [`OpKind::Unknown`], dependent with everything (sound, slower).
//!
//! It lives in the facade (plain std plumbing, not a kernel event) because the model cannot depend on rtnl-checks.
//! The shuttle backend (`mc_backend.rs`, `atomic.rs`) reports, in each wrapper, just before
//! the shuttle call that may switch tasks, the schedule points that call takes, and clears what
//! is left when it returns ([`done`]); ids come from [`new_object_id`], taken when the mutex,
//! condvar or atomic is created:
//! - `lock`: `Lock` on the mutex, for every point until it returns (a blocked acquisition
//!   polls again when woken);
//! - dropping a guard: `Unlock` on the mutex;
//! - `Condvar::wait`: `Unlock` on the mutex (the release, which also registers the waiter),
//!   then `Wait` on the condvar (the wake-up, after a `Notify`), then `Lock` on the mutex until
//!   it returns; `notify_all`: `Notify` on the condvar. Both are made under the mutex (the model
//!   only notifies holding it), so a notify and a waiter's registration are ordered by the
//!   mutex's steps;
//! - atomics: `load` → `Load`, `store` → `Store`, `swap` / `fetch_*` / `compare_exchange` → `Rmw`;
//! - `RawMutex::lock_when` (an acquisition that waits for a condition on the mutex's data):
//!   `Await` on the mutex, and [`awaits`] registers the condition, so the explorer enables the
//!   acquisition only when the mutex is free and the condition holds: one step, where a lock,
//!   a failed check and a condvar wait would be several, each racing with the steps that make
//!   the condition true;
//! - spawn, join and a thread's exit are not reported (`Unknown`): the spawned task's id is not
//!   known before the point, and they are few.
//!
//! A report is consumed by the schedule point it describes, so a point the facade did not
//! announce is `Unknown` (sound). Reports are made only while DPOR runs ([`clear`] turns them
//! on, [`disable`] off), so the other explorers pay nothing.

use std::any::Any;
use std::cell::{Cell, RefCell};
// FxHash: these maps are read at every schedule point of a DPOR run (SipHash showed in perf).
use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

/// A thread of the explored program (shuttle's task id as a `usize`).
pub type Tid = usize;

/// What a step does to shared state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    Lock,
    /// A lock by `RawMutex::lock_when`: dependent as a lock, but enabled only when its
    /// condition holds ([`awaits`]), so the explorer cannot assume it could run anywhere the
    /// mutex is free.
    Await,
    Unlock,
    /// `mutex_is_locked()` (`RawMutex::is_locked`): a try-lock, always enabled, that either
    /// fails (the mutex is held) or takes the mutex until the `Unlock` that follows it.
    /// Dependent with every step on the mutex.
    Probe,
    /// The wake-up from a condvar wait, after a notify (the release before it is an `Unlock`,
    /// the re-acquisition after it a `Lock`). The object is the condvar.
    Wait,
    Notify,
    Load,
    Store,
    Rmw,
    /// The object is the spawned thread's id.
    Spawn,
    /// The object is the joined thread's id.
    Join,
    /// A thread's first step, from its start to its first announced operation: it performs no
    /// operation (each step performs the operation announced before it), so it commutes with
    /// everything. Its spawn reaches it as an `Unknown` step.
    Start,
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
        if self.kind == OpKind::Start || other.kind == OpKind::Start {
            return false;
        }
        // Task ids are handed out in spawn order: two spawns do not commute.
        if self.kind == OpKind::Spawn && other.kind == OpKind::Spawn {
            return true;
        }
        // Spawn and join order threads through happens-before edges, not through races.
        let edge = |k| matches!(k, OpKind::Spawn | OpKind::Join);
        if edge(self.kind) || edge(other.kind) {
            return false;
        }
        // A wake-up only takes its own thread off the condvar's list: it commutes with other
        // wake-ups and with notifies. The notify that enabled it happens before it (an edge, like
        // spawn's), and everything else reaches it through the mutex.
        if self.kind == OpKind::Wait || other.kind == OpKind::Wait {
            return false;
        }
        self.obj == other.obj && (self.writes() || other.writes())
    }
}

/// What a task will do at its next schedule points: `ops` front first; `sticky` keeps the last
/// one for every further point until [`done`].
#[derive(Debug)]
struct Pending {
    ops: Vec<Op>,
    sticky: bool,
}

thread_local! {
    /// Per explored thread, its announced schedule points. Shuttle runs every task on the thread
    /// that runs the test, so one thread-local map sees them all.
    static PENDING: RefCell<HashMap<Tid, Pending>> = RefCell::new(HashMap::default());
    /// Object ids start above thread ids, which spawn and join use as objects.
    static NEXT_ID: Cell<u64> = const { Cell::new(1 << 32) };
    /// Whether a DPOR exploration is listening.
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    /// Per thread inside `RawMutex::lock_when`: the mutex and whether its condition holds now.
    static AWAITS: RefCell<HashMap<Tid, Awaiting>> = RefCell::new(HashMap::default());
    /// Per awaitable mutex (`RawMutex::awaitable`), its data as created and after each release:
    /// version `n` is the data after `n` releases (`Unlock` steps of the mutex).
    static VERSIONS: RefCell<HashMap<u64, Vec<Rc<dyn Any>>>> = RefCell::new(HashMap::default());
    /// Per thread, per `lock_when` call in order: whether its condition held of each version of
    /// its mutex up to the call.
    static VERDICTS: RefCell<HashMap<Tid, Vec<Vec<bool>>>> = RefCell::new(HashMap::default());
}

/// Evaluates an awaiter's condition on its mutex's data as it is now.
pub type Readiness = Box<dyn Fn() -> bool>;

/// A thread inside `RawMutex::lock_when`.
struct Awaiting {
    mutex: u64,
    /// The condvar that whoever makes the condition true must notify.
    cv: u64,
    ready: Readiness,
    /// The condition was seen false while the mutex was free, and no notify of `cv` came since:
    /// a schedule exists where the waiter checked there, slept, and nothing woke it.
    unwoken: bool,
}

/// Whether reports are wanted (a DPOR exploration runs).
pub fn enabled() -> bool {
    ENABLED.with(Cell::get)
}

/// Records that thread `tid` is about to perform `kind` on `obj` at its next schedule point.
pub fn report_for(tid: Tid, kind: OpKind, obj: u64) {
    announce(tid, vec![Op::new(kind, obj)], false);
}

/// Records `tid`'s next schedule points: `ops` in order, the last one repeated for every further
/// point until [`done`] if `sticky`.
pub fn announce(tid: Tid, ops: Vec<Op>, sticky: bool) {
    PENDING.with(|p| p.borrow_mut().insert(tid, Pending { ops, sticky }));
}

/// The operation `tid` reported for its next schedule point, if any (not consumed).
pub fn peek(tid: Tid) -> Option<Op> {
    PENDING.with(|p| p.borrow().get(&tid).and_then(|q| q.ops.first().copied()))
}

/// Consumes `tid`'s next report: its schedule point is being taken.
pub fn take(tid: Tid) -> Option<Op> {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let q = p.get_mut(&tid)?;
        let op = *q.ops.first()?;
        if q.ops.len() > 1 {
            q.ops.remove(0);
        } else if !q.sticky {
            p.remove(&tid);
        }
        Some(op)
    })
}

/// Forgets what `tid` announced: the operation returned.
pub fn done(tid: Tid) {
    PENDING.with(|p| p.borrow_mut().remove(&tid));
}

/// Records that `tid`'s acquisitions of `mutex` wait, until [`await_done`], for a condition on
/// the mutex's data: while `ready` says it does not hold, such an acquisition is not enabled.
/// The condition must read only data the mutex protects (and the awaiter's own values), so only
/// a step on the mutex can change it.
pub fn awaits(tid: Tid, mutex: u64, cv: u64, ready: Readiness) {
    AWAITS.with(|a| a.borrow_mut().insert(tid, Awaiting { mutex, cv, ready, unwoken: false }));
}

/// `tid` left `lock_when`.
pub fn await_done(tid: Tid) {
    AWAITS.with(|a| a.borrow_mut().remove(&tid));
}

/// Whether `tid`'s next step `op` is an `Await` that waits for a condition that does not
/// hold now. Call only when the mutex is free (its data is not being changed): a waiter could
/// have checked here and slept, so it now needs a notify ([`unwoken`]).
pub fn unready(tid: Tid, op: Op) -> bool {
    if op.kind != OpKind::Await {
        return false;
    }
    AWAITS.with(|a| {
        let mut a = a.borrow_mut();
        let Some(w) = a.get_mut(&tid).filter(|w| w.mutex == op.obj) else { return false };
        let unready = !(w.ready)();
        w.unwoken |= unready;
        unready
    })
}

/// A notify of condvar `cv` was performed: its waiters are woken.
pub fn notified(cv: u64) {
    AWAITS.with(|a| a.borrow_mut().values_mut().filter(|w| w.cv == cv).for_each(|w| w.unwoken = false));
}

/// Whether `tid`, now past its `Await`, could have checked its condition earlier, found it
/// false and slept with no notify since: the wake-up a schedule would lose. Its `lock_when`
/// then sleeps as that schedule would, and a missing notify shows as the hang it causes.
pub fn unwoken(tid: Tid) -> bool {
    AWAITS.with(|a| a.borrow().get(&tid).is_some_and(|w| w.unwoken))
}

/// Records the data of awaitable mutex `mutex` as created, or as its holder releases it.
pub fn record_version(mutex: u64, data: Rc<dyn Any>) {
    VERSIONS.with(|v| v.borrow_mut().entry(mutex).or_default().push(data));
}

/// Every version of `mutex`'s data so far, the first as created (none if it is not awaitable).
pub fn versions(mutex: u64) -> Vec<Rc<dyn Any>> {
    VERSIONS.with(|v| v.borrow().get(&mutex).cloned().unwrap_or_default())
}

/// Records, as `tid` enters a `lock_when`, whether its condition held of each version so far.
pub fn record_verdicts(tid: Tid, verdicts: Vec<bool>) {
    VERDICTS.with(|v| v.borrow_mut().entry(tid).or_default().push(verdicts));
}

/// Whether the `k`-th `Await` of `tid` in this execution (its `k`-th `lock_when`) could have
/// run at `version` of its mutex: `None` when unknown (the mutex is not awaitable, or that
/// version came after the call).
pub fn ready_at(tid: Tid, k: usize, version: usize) -> Option<bool> {
    VERDICTS.with(|v| v.borrow().get(&tid)?.get(k)?.get(version).copied())
}

/// Forgets what the last execution reported.
fn forget_execution() {
    PENDING.with(|p| p.borrow_mut().clear());
    AWAITS.with(|a| a.borrow_mut().clear());
    VERSIONS.with(|v| v.borrow_mut().clear());
    VERDICTS.with(|v| v.borrow_mut().clear());
}

/// Forgets every report (a new execution starts) and turns reports on.
pub fn clear() {
    forget_execution();
    NEXT_ID.with(|n| n.set(1 << 32));
    ENABLED.with(|e| e.set(true));
}

/// Turns reports off (the DPOR exploration is over).
pub fn disable() {
    ENABLED.with(|e| e.set(false));
    forget_execution();
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
