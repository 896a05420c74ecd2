//! The model checkers, loom and shuttle, whose surfaces the facade uses alike: loom explores
//! every interleaving of the facade's operations up to a preemption bound; shuttle runs random
//! and PCT schedules over them. `mc` is the one chosen by `--cfg`.

#[cfg(rtnl_loom)]
pub const BACKEND: &str = "loom";
#[cfg(rtnl_shuttle)]
pub const BACKEND: &str = "shuttle";

use super::mc;
pub use super::unwind_safe::{Arc, RawMutexGuard};

/// A number below `n` (at least 1), chosen by the scheduler: under shuttle a random-value step of
/// the schedule (`next_u64`, recorded, so a replay draws the same value); loom has no choice
/// inside an execution, so this is 0 there and the harness enumerates fixed choices instead
/// (`Placement::Fixed`).
pub fn choose(n: usize) -> usize {
    #[cfg(rtnl_shuttle)]
    {
        use shuttle::rand::RngCore;
        (shuttle::rand::thread_rng().next_u64() % n.max(1) as u64) as usize
    }
    #[cfg(not(rtnl_shuttle))]
    {
        let _ = n;
        0
    }
}

/// loom and shuttle watch their executions themselves: nothing to scope.
#[derive(Debug)]
pub struct ExecutionGuard;

pub fn execution_begin() -> ExecutionGuard {
    ExecutionGuard
}

impl ExecutionGuard {
    /// Never: the checker reports a hang itself.
    pub fn hang(&self) -> Option<super::Hang> {
        None
    }
}

/// The operations a task announces to the DPOR explorer (`super::dpor_report`), shuttle only:
/// loom explores by itself.
#[cfg(rtnl_shuttle)]
pub(super) mod announce {
    use super::super::dpor_report::{self as report, Op, OpKind};

    fn me() -> usize {
        usize::from(super::mc::current::me())
    }

    /// A fresh object id while DPOR listens (0 otherwise: nothing reads it).
    pub fn object_id() -> u64 {
        if report::enabled() {
            report::new_object_id()
        } else {
            0
        }
    }

    /// Announces `ops` for the task's next schedule points (the last repeated if `sticky`).
    pub fn before(ops: &[(OpKind, u64)], sticky: bool) {
        if report::enabled() {
            report::announce(me(), ops.iter().map(|&(k, o)| Op::new(k, o)).collect(), sticky);
        }
    }

    /// The operation returned: nothing it announced is left for a later point.
    pub fn after() {
        if report::enabled() {
            report::done(me());
        }
    }

    /// The task's acquisitions of `mutex` wait for `ready`, which notifies of `cv` make true
    /// (see `report::awaits`).
    pub fn awaits(mutex: u64, cv: u64, ready: report::Readiness) {
        report::awaits(me(), mutex, cv, ready);
    }

    /// See `report::unwoken`.
    pub fn unwoken() -> bool {
        report::enabled() && report::unwoken(me())
    }

    /// Records a version of awaitable mutex `mutex`'s data (`copy` runs only while DPOR listens).
    pub fn version(mutex: u64, copy: impl FnOnce() -> std::rc::Rc<dyn std::any::Any>) {
        if report::enabled() {
            report::record_version(mutex, copy());
        }
    }

    pub fn verdicts(verdicts: Vec<bool>) {
        if report::enabled() {
            report::record_verdicts(me(), verdicts);
        }
    }

    pub fn await_done() {
        if report::enabled() {
            report::await_done(me());
        }
    }
}

#[cfg(rtnl_shuttle)]
use super::dpor_report::OpKind;

/// A mutex of the checker's, and the data it protects beside it, in a std mutex that is never
/// contended (the checker's mutex excludes; one task runs at a time). Kept apart so that the
/// DPOR scheduler can evaluate a `lock_when` condition between steps, while the mutex is free.
#[derive(Debug)]
pub struct RawMutex<T> {
    inner: mc::sync::Mutex<()>,
    data: std::sync::Arc<std::sync::Mutex<T>>,
    /// The id DPOR knows this mutex by (shuttle only; 0 under loom).
    id: u64,
    /// For an awaitable mutex, how to copy its data for DPOR at each release.
    #[cfg_attr(rtnl_loom, allow(dead_code))]
    snapshot: Option<Snapshot<T>>,
}

/// Copies a mutex's data for DPOR's record of its versions (`dpor_report::record_version`).
pub(super) type Snapshot<T> = fn(&T) -> std::rc::Rc<dyn std::any::Any>;

fn snapshot_of<T: Clone + 'static>(data: &T) -> std::rc::Rc<dyn std::any::Any> {
    std::rc::Rc::new(data.clone())
}

impl<T> RawMutex<T> {
    pub fn new(value: T) -> Self {
        RawMutex::with_snapshot(value, None)
    }

    /// A mutex that `lock_when` waits on: under DPOR its data is copied at each release, so that
    /// a reversal can tell whether a waiter's condition held of an earlier version (and drop
    /// a reversal that would put the waiter where it could not run).
    pub fn awaitable(value: T) -> Self
    where
        T: Clone + 'static,
    {
        RawMutex::with_snapshot(value, Some(snapshot_of::<T>))
    }

    fn with_snapshot(value: T, snapshot: Option<Snapshot<T>>) -> Self {
        #[cfg(rtnl_shuttle)]
        let id = announce::object_id();
        #[cfg(not(rtnl_shuttle))]
        let id = 0;
        #[cfg(rtnl_shuttle)]
        if let Some(copy) = snapshot {
            announce::version(id, || copy(&value));
        }
        RawMutex {
            inner: mc::sync::Mutex::new(()),
            data: std::sync::Arc::new(std::sync::Mutex::new(value)),
            id,
            snapshot,
        }
    }

    pub fn lock(&self) -> RawMutexGuard<'_, T> {
        self.lock_announced(
            #[cfg(rtnl_shuttle)]
            OpKind::Lock,
        )
    }

    /// `mutex_is_locked()`: whether another task holds the mutex, read at a schedule point of
    /// its own, so the explorers order it against the holder's lock and unlock.
    pub fn is_locked(&self) -> bool {
        // Fails if held; else takes the mutex and releases it (a second point, the unlock).
        #[cfg(rtnl_shuttle)]
        announce::before(&[(OpKind::Probe, self.id), (OpKind::Unlock, self.id)], false);
        let locked = match self.inner.try_lock() {
            Ok(g) => {
                drop(g);
                false
            }
            Err(std::sync::TryLockError::Poisoned(p)) => {
                drop(p.into_inner());
                false
            }
            Err(std::sync::TryLockError::WouldBlock) => true,
        };
        #[cfg(rtnl_shuttle)]
        announce::after();
        locked
    }

    /// `lock()` for `lock_when`: announced as an `Await`, which DPOR enables only when its
    /// condition holds.
    pub(super) fn lock_awaiting(&self) -> RawMutexGuard<'_, T> {
        self.lock_announced(
            #[cfg(rtnl_shuttle)]
            OpKind::Await,
        )
    }

    fn lock_announced(&self, #[cfg(rtnl_shuttle)] kind: OpKind) -> RawMutexGuard<'_, T> {
        // Every point until the acquisition returns is an attempt to take this mutex.
        #[cfg(rtnl_shuttle)]
        announce::before(&[(kind, self.id)], true);
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        #[cfg(rtnl_shuttle)]
        announce::after();
        RawMutexGuard::new(g, &self.data, self.id, self.snapshot)
    }

    /// Tells DPOR that this task's acquisitions of the mutex wait for `ready` until
    /// [`await_over`](Self::await_over) (shuttle; nothing under loom).
    pub(super) fn await_begin(&self, cv: &Condvar, ready: std::rc::Rc<dyn Fn(&T) -> bool>)
    where
        T: 'static,
    {
        #[cfg(rtnl_shuttle)]
        if super::dpor_report::enabled() {
            // Whether the condition held of each version so far, for DPOR's reversals.
            let verdicts = super::dpor_report::versions(self.id)
                .iter()
                .map(|d| d.downcast_ref::<T>().is_none_or(|t| ready(t)))
                .collect();
            announce::verdicts(verdicts);
            let data = self.data.clone();
            // A held data mutex means a task holds the mutex: not this step's to judge.
            announce::awaits(
                self.id,
                cv.id,
                Box::new(move || match data.try_lock() {
                    Ok(d) => ready(&d),
                    Err(std::sync::TryLockError::Poisoned(p)) => ready(&p.into_inner()),
                    Err(std::sync::TryLockError::WouldBlock) => true,
                }),
            );
        }
        #[cfg(not(rtnl_shuttle))]
        let _ = (cv, ready);
    }

    /// Under DPOR: whether the `Await` just taken could have been a check that failed, with no
    /// notify since (`report::unwoken`); never under loom, which runs the wait itself.
    pub(super) fn await_unwoken(&self) -> bool {
        #[cfg(rtnl_shuttle)]
        return announce::unwoken();
        #[cfg(not(rtnl_shuttle))]
        false
    }

    pub(super) fn await_over(&self) {
        #[cfg(rtnl_shuttle)]
        announce::await_done();
    }
}

#[derive(Debug)]
pub struct Condvar {
    inner: mc::sync::Condvar,
    /// The id DPOR knows this condvar by (shuttle only).
    #[cfg_attr(rtnl_loom, allow(dead_code))]
    id: u64,
}

impl Condvar {
    pub fn new() -> Self {
        #[cfg(rtnl_shuttle)]
        let id = announce::object_id();
        #[cfg(not(rtnl_shuttle))]
        let id = 0;
        Condvar { inner: mc::sync::Condvar::new(), id }
    }

    pub fn wait<'a, T>(&self, guard: RawMutexGuard<'a, T>) -> RawMutexGuard<'a, T> {
        let mutex = guard.mutex_id();
        let (inner, data, snapshot) = guard.release_data();
        // The release (which registers the waiter), the wake-up, then the re-acquisition.
        #[cfg(rtnl_shuttle)]
        announce::before(&[(OpKind::Unlock, mutex), (OpKind::Wait, self.id), (OpKind::Lock, mutex)], true);
        let g = self.inner.wait(inner).unwrap_or_else(|p| p.into_inner());
        #[cfg(rtnl_shuttle)]
        announce::after();
        RawMutexGuard::new(g, data, mutex, snapshot)
    }

    /// Wakes every waiter. The guard is the caller's proof that it holds the waiters' mutex:
    /// the DPOR explorer orders a notify and a waiter's registration by that mutex alone.
    pub fn notify_all<T>(&self, _held: &RawMutexGuard<'_, T>) {
        #[cfg(rtnl_shuttle)]
        announce::before(&[(OpKind::Notify, self.id)], false);
        self.inner.notify_all();
        #[cfg(rtnl_shuttle)]
        announce::after();
    }
}

// By hand: each new mutex or condvar takes its own DPOR id.
impl<T: Default> Default for RawMutex<T> {
    fn default() -> Self {
        RawMutex::new(T::default())
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}

pub mod thread {
    pub use super::mc::thread::{current, yield_now};

    /// A thread's id. Under shuttle the task's id: `thread::current()` would clone the
    /// thread's name at every lookup (the model looks its thread up at every lock and access).
    #[cfg(rtnl_shuttle)]
    pub type ThreadId = shuttle::current::TaskId;
    #[cfg(not(rtnl_shuttle))]
    pub use super::mc::thread::ThreadId;

    /// A spawned thread; its `join` is announced to the DPOR explorer (shuttle) as a join of
    /// that thread, which happens after the thread's last step and commutes with the rest.
    #[derive(Debug)]
    pub struct JoinHandle<T>(super::mc::thread::JoinHandle<T>);

    impl<T> JoinHandle<T> {
        pub fn join(self) -> std::thread::Result<T> {
            #[cfg(rtnl_shuttle)]
            super::announce::before(&[(super::OpKind::Join, usize::from(self.0.thread().id()) as u64)], false);
            let r = self.0.join();
            #[cfg(rtnl_shuttle)]
            super::announce::after();
            r
        }
    }

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // Shuttle's spawn has its schedule point before it creates the task, so the step
        // after that point is the spawn. The child's id is the explorer's to fill in: it is
        // the next task id, which only the scheduler sees.
        #[cfg(rtnl_shuttle)]
        super::announce::before(&[(super::OpKind::Spawn, 0)], false);
        let h = JoinHandle(super::mc::thread::spawn(f));
        #[cfg(rtnl_shuttle)]
        super::announce::after();
        h
    }

    #[cfg(rtnl_shuttle)]
    pub fn current_id() -> ThreadId {
        shuttle::current::me()
    }

    #[cfg(not(rtnl_shuttle))]
    pub fn current_id() -> ThreadId {
        current().id()
    }
}
