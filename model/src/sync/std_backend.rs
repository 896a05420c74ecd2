//! Real threads, watched. [`execution_begin`] starts a per-execution monitor: every thread of
//! the execution (the caller and the threads it spawns through the facade) reports when it
//! blocks in a facade operation (a contended lock, a condition wait, a join) and re-confirms
//! the block after every change anyone made. When every live thread is blocked and has
//! confirmed it since the last change, for [`GRACE`], nothing can wake anyone: a deadlock or a
//! reference that is never put. The monitor then aborts the execution: each blocked thread
//! unwinds with [`Aborted`], and [`ExecutionGuard::hang`] says why, so the model reports the
//! blocked threads as loom and shuttle do. A thread that is running, sleeping or descheduled is
//! not blocked, so a slow execution is never taken for a stuck one. A step and a time bound
//! stop a livelock, as shuttle's `max_steps` and loom's `max_branches` do.

use super::{Aborted, Hang};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

pub const BACKEND: &str = "std";

pub use std::sync::Arc;

/// A number below `n` (at least 1), as the scheduler's choice of a CPU: real threads are
/// scheduled by the OS, so the draw is simply random (a fresh `RandomState` per call).
pub fn choose(n: usize) -> usize {
    use std::hash::BuildHasher;
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let h = std::collections::hash_map::RandomState::new().hash_one(CALLS.fetch_add(1, SeqCst));
    (h % n.max(1) as u64) as usize
}

/// How long every thread must stay blocked before the execution is declared stuck
/// (`RTNL_STD_GRACE_MS`). Only a guard: a block counts once the thread itself re-checked it.
const GRACE: Duration = Duration::from_millis(50);
/// Facade operations in one execution before it is declared non-terminating (`RTNL_STD_MAX_OPS`).
const MAX_OPS: u64 = 10_000_000;
/// One execution's wall-clock bound (`RTNL_STD_MAX_SECS`).
const MAX_TIME: Duration = Duration::from_secs(60);
/// How often the watchdog looks and a condition waiter re-confirms its block.
const TICK: Duration = Duration::from_millis(5);

fn env_or(var: &str, default: u64) -> u64 {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Running,
    /// Blocked; the block was last confirmed at this epoch.
    Blocked(u64),
    Exited,
}

#[derive(Debug, Default)]
struct MonState {
    slots: Vec<Slot>,
    /// Bumped by every change that may unblock a thread: a thread blocking (after releasing
    /// what it held), waking, exiting, or notifying.
    epoch: u64,
    reason: Option<Hang>,
    done: bool,
}

#[derive(Debug)]
struct Monitor {
    st: std::sync::Mutex<MonState>,
    aborted: AtomicBool,
    ops: AtomicU64,
}

impl Monitor {
    fn state(&self) -> std::sync::MutexGuard<'_, MonState> {
        self.st.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn register(&self) -> usize {
        let mut st = self.state();
        st.slots.push(Slot::Running);
        st.slots.len() - 1
    }

    /// Sets `slot` and bumps the epoch: every confirmed block must be confirmed again.
    fn set(&self, slot: usize, s: Slot) {
        let mut st = self.state();
        st.slots[slot] = s;
        st.epoch += 1;
    }

    fn bump(&self) {
        self.state().epoch += 1;
    }

    fn epoch(&self) -> u64 {
        self.state().epoch
    }

    /// `slot` checked its condition after reading `epoch` and is still blocked.
    fn confirm(&self, slot: usize, epoch: u64) {
        self.state().slots[slot] = Slot::Blocked(epoch);
    }

    fn exited(&self, slot: usize) -> bool {
        self.state().slots[slot] == Slot::Exited
    }

    fn abort(&self, st: &mut MonState, reason: Hang) {
        st.reason.get_or_insert(reason);
        self.aborted.store(true, SeqCst);
    }

    fn watch(&self) {
        let grace = Duration::from_millis(env_or("RTNL_STD_GRACE_MS", GRACE.as_millis() as u64));
        let max_ops = env_or("RTNL_STD_MAX_OPS", MAX_OPS);
        let max_time = Duration::from_secs(env_or("RTNL_STD_MAX_SECS", MAX_TIME.as_secs()));
        let start = Instant::now();
        let mut stuck_since: Option<(u64, Instant)> = None;
        loop {
            std::thread::sleep(TICK);
            let mut st = self.state();
            if st.done || st.reason.is_some() {
                return;
            }
            let live = st.slots.iter().filter(|s| **s != Slot::Exited);
            let stuck = live.clone().count() > 0 && live.clone().all(|s| *s == Slot::Blocked(st.epoch));
            stuck_since = match stuck_since {
                Some((e, t)) if stuck && e == st.epoch => Some((e, t)),
                _ if stuck => Some((st.epoch, Instant::now())),
                _ => None,
            };
            let blocked = live.count();
            if stuck_since.is_some_and(|(_, t)| t.elapsed() >= grace) {
                let why = format!("std monitor: all {blocked} threads blocked for {grace:?}, none woken");
                self.abort(&mut st, Hang::Blocked(why));
            } else if self.ops.load(SeqCst) > max_ops {
                let why = format!("std monitor: exceeded {max_ops} facade operations (RTNL_STD_MAX_OPS)");
                self.abort(&mut st, Hang::Bound(why));
            } else if start.elapsed() > max_time {
                let why = format!("std monitor: exceeded {max_time:?} (RTNL_STD_MAX_SECS)");
                self.abort(&mut st, Hang::Bound(why));
            }
        }
    }
}

/// The execution a thread belongs to, and its slot there.
#[derive(Debug)]
struct Current {
    mon: Arc<Monitor>,
    slot: usize,
    /// This thread already unwound with [`Aborted`]: it is cleaning up, let it.
    unwound: bool,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

fn current() -> Option<(Arc<Monitor>, usize)> {
    CURRENT.with(|c| c.borrow().as_ref().map(|c| (c.mon.clone(), c.slot)))
}

/// Counts one facade operation; unwinds with [`Aborted`] if the execution was aborted and this
/// thread has not unwound yet. Returns the thread's monitor.
fn op() -> Option<(Arc<Monitor>, usize)> {
    let (mon, slot) = counted()?;
    check_abort(&mon, slot);
    Some((mon, slot))
}

/// Counts one facade operation that never aborts (a join: its child unwinds instead).
fn counted() -> Option<(Arc<Monitor>, usize)> {
    let (mon, slot) = current()?;
    mon.ops.fetch_add(1, SeqCst);
    Some((mon, slot))
}

fn check_abort(mon: &Monitor, slot: usize) {
    if !mon.aborted.load(SeqCst) || std::thread::panicking() {
        return;
    }
    let first = CURRENT.with(|c| c.borrow_mut().as_mut().is_some_and(|c| !std::mem::replace(&mut c.unwound, true)));
    if first {
        mon.set(slot, Slot::Running);
        std::panic::resume_unwind(Box::new(Aborted));
    }
}

/// One execution's monitor, for as long as it lives. See the module docs.
#[derive(Debug)]
pub struct ExecutionGuard {
    mon: Arc<Monitor>,
    watchdog: Option<std::thread::JoinHandle<()>>,
    prev: Option<Current>,
}

/// Starts monitoring an execution whose main thread is the caller.
pub fn execution_begin() -> ExecutionGuard {
    let mon = Arc::new(Monitor { st: Default::default(), aborted: AtomicBool::new(false), ops: AtomicU64::new(0) });
    let slot = mon.register();
    let prev = CURRENT.with(|c| c.borrow_mut().replace(Current { mon: mon.clone(), slot, unwound: false }));
    let m2 = mon.clone();
    let watchdog = std::thread::Builder::new().name("rtnl-std-monitor".into()).spawn(move || m2.watch()).ok();
    ExecutionGuard { mon, watchdog, prev }
}

impl ExecutionGuard {
    /// Why the monitor aborted the execution, if it did.
    pub fn hang(&self) -> Option<Hang> {
        self.mon.state().reason.clone()
    }
}

impl Drop for ExecutionGuard {
    fn drop(&mut self) {
        {
            let mut st = self.mon.state();
            st.done = true;
            // Threads left behind (an execution that unwound without joining them) must not
            // block for ever: abort them.
            if st.slots.iter().skip(1).any(|s| *s != Slot::Exited) {
                self.mon.abort(&mut st, Hang::Bound("the execution ended".into()));
            }
        }
        if let Some(w) = self.watchdog.take() {
            let _ = w.join();
        }
        let prev = self.prev.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

#[derive(Debug, Default)]
pub struct RawMutex<T>(std::sync::Mutex<T>);
pub type RawMutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

impl<T> RawMutex<T> {
    pub fn new(value: T) -> Self {
        RawMutex(std::sync::Mutex::new(value))
    }

    /// Poisoning is not a kernel concept: a panicking thread fails the run anyway.
    pub fn lock(&self) -> RawMutexGuard<'_, T> {
        let try_lock = || match self.0.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
        let Some((mon, slot)) = op() else {
            return self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        };
        if let Some(g) = try_lock() {
            return g;
        }
        mon.set(slot, Slot::Blocked(0));
        loop {
            let epoch = mon.epoch();
            if let Some(g) = try_lock() {
                mon.set(slot, Slot::Running);
                return g;
            }
            mon.confirm(slot, epoch);
            check_abort(&mon, slot);
            std::thread::sleep(Duration::from_micros(50));
        }
    }

    /// `mutex_is_locked()`: whether a thread holds the mutex now.
    pub fn is_locked(&self) -> bool {
        matches!(self.0.try_lock(), Err(std::sync::TryLockError::WouldBlock))
    }

    /// Real threads are not explored by DPOR: an awaitable mutex is a mutex.
    pub fn awaitable(value: T) -> Self {
        RawMutex::new(value)
    }

    pub(super) fn lock_awaiting(&self) -> RawMutexGuard<'_, T> {
        self.lock()
    }

    /// Real threads are not scheduled by a DPOR explorer: nothing to tell.
    pub(super) fn await_begin(&self, _cv: &Condvar, _ready: std::rc::Rc<dyn Fn(&T) -> bool>) {}

    pub(super) fn await_unwoken(&self) -> bool {
        false
    }

    pub(super) fn await_over(&self) {}
}

#[derive(Debug, Default)]
pub struct Condvar {
    cv: std::sync::Condvar,
    /// Notifications so far: a waiter whose slice timed out as a notify came sees it here.
    seq: AtomicU64,
}

impl Condvar {
    pub fn new() -> Self {
        Condvar::default()
    }

    /// Waits in slices of [`TICK`], re-confirming the block after each, until notified.
    pub fn wait<'a, T>(&self, guard: RawMutexGuard<'a, T>) -> RawMutexGuard<'a, T> {
        use std::sync::PoisonError;
        let Some((mon, slot)) = op() else {
            return self.cv.wait(guard).unwrap_or_else(PoisonError::into_inner);
        };
        let seq = self.seq.load(SeqCst);
        mon.set(slot, Slot::Blocked(0));
        let mut g = guard;
        loop {
            let epoch = mon.epoch();
            let (g2, t) = self.cv.wait_timeout(g, TICK).unwrap_or_else(PoisonError::into_inner);
            g = g2;
            if !t.timed_out() || self.seq.load(SeqCst) != seq {
                mon.set(slot, Slot::Running);
                return g;
            }
            mon.confirm(slot, epoch);
            check_abort(&mon, slot);
        }
    }

    /// Wakes every waiter; the guard proves the caller holds the waiters' mutex, as the facade
    /// requires of every backend (the DPOR explorer relies on it).
    pub fn notify_all<T>(&self, _held: &RawMutexGuard<'_, T>) {
        self.seq.fetch_add(1, SeqCst);
        if let Some((mon, _)) = op() {
            mon.bump();
        }
        self.cv.notify_all();
    }
}

/// The facade's threads: each one spawned from a monitored thread joins its execution.
pub mod thread {
    use super::{counted, op, Monitor, Slot, CURRENT};
    use std::sync::Arc;
    pub use std::thread::{current, yield_now, ThreadId};

    /// std's handle, and the child's slot in its execution's monitor.
    #[derive(Debug)]
    pub struct JoinHandle<T> {
        inner: Option<std::thread::JoinHandle<T>>,
        child: Option<(Arc<Monitor>, usize)>,
    }

    impl<T> JoinHandle<T> {
        /// Blocks (as a monitored block) until the child has exited.
        pub fn join(mut self) -> std::thread::Result<T> {
            let inner = self.inner.take().expect("joined once");
            if let (Some((mon, slot)), Some((_, child))) = (counted(), &self.child) {
                if !mon.exited(*child) {
                    mon.set(slot, Slot::Blocked(0));
                    loop {
                        let epoch = mon.epoch();
                        if mon.exited(*child) {
                            break;
                        }
                        // A join never aborts: its child is blocked too and will unwind.
                        mon.confirm(slot, epoch);
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    mon.set(slot, Slot::Running);
                }
            }
            let r = inner.join();
            if r.as_ref().is_err_and(|p| p.is::<super::Aborted>()) {
                // The caller carries the child's abort on: it has unwound already.
                CURRENT.with(|c| c.borrow_mut().as_mut().map(|c| c.unwound = true));
            }
            r
        }
    }

    impl<T> Drop for JoinHandle<T> {
        /// An aborted execution's threads are all unwinding: join them rather than leave them.
        fn drop(&mut self) {
            if let (Some(h), Some((mon, _))) = (self.inner.take(), &self.child) {
                if mon.aborted.load(std::sync::atomic::Ordering::SeqCst) {
                    let _ = h.join();
                }
            }
        }
    }

    /// Marks the child's slot exited however the child ends, unwinding included.
    struct ExitGuard(Arc<Monitor>, usize);

    impl Drop for ExitGuard {
        fn drop(&mut self) {
            self.0.set(self.1, Slot::Exited);
        }
    }

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // Registered by the parent, so the child counts as live before the parent can block.
        let child = op().map(|(mon, _)| {
            let slot = mon.register();
            (mon, slot)
        });
        let c2 = child.clone();
        let inner = std::thread::spawn(move || {
            let _exit = c2.map(|(mon, slot)| {
                CURRENT.with(|c| {
                    *c.borrow_mut() = Some(super::Current { mon: mon.clone(), slot, unwound: false });
                });
                ExitGuard(mon, slot)
            });
            f()
        });
        JoinHandle { inner: Some(inner), child }
    }

    pub fn current_id() -> ThreadId {
        current().id()
    }
}
