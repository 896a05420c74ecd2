//! The model checkers, loom and shuttle, whose surfaces the facade uses alike: loom explores
//! every interleaving of the facade's operations up to a preemption bound; shuttle runs random
//! and PCT schedules over them. `mc` is the one chosen by `--cfg`.

#[cfg(rtnl_loom)]
pub const BACKEND: &str = "loom";
#[cfg(rtnl_shuttle)]
pub const BACKEND: &str = "shuttle";

use super::mc;
pub use super::unwind_safe::{Arc, RawMutexGuard};

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

#[derive(Debug, Default)]
pub struct RawMutex<T>(mc::sync::Mutex<T>);

impl<T> RawMutex<T> {
    pub fn new(value: T) -> Self {
        RawMutex(mc::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> RawMutexGuard<'_, T> {
        RawMutexGuard(Some(self.0.lock().unwrap_or_else(|p| p.into_inner())))
    }
}

#[derive(Debug, Default)]
pub struct Condvar(mc::sync::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Condvar(mc::sync::Condvar::new())
    }

    pub fn wait<'a, T>(&self, mut guard: RawMutexGuard<'a, T>) -> RawMutexGuard<'a, T> {
        let inner = guard.0.take().expect("live guard");
        RawMutexGuard(Some(self.0.wait(inner).unwrap_or_else(|p| p.into_inner())))
    }

    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}

pub mod thread {
    pub use super::mc::thread::{current, yield_now, JoinHandle, ThreadId};

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        super::mc::thread::spawn(f)
    }

    pub fn current_id() -> ThreadId {
        current().id()
    }
}
