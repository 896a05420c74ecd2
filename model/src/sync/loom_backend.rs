//! loom: every interleaving of the facade's operations, up to a preemption bound.

pub const BACKEND: &str = "loom";

pub use super::unwind_safe::{Arc, RawMutexGuard};
pub use loom::sync::atomic;

#[derive(Debug, Default)]
pub struct RawMutex<T>(loom::sync::Mutex<T>);

impl<T> RawMutex<T> {
    pub fn new(value: T) -> Self {
        RawMutex(loom::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> RawMutexGuard<'_, T> {
        RawMutexGuard(Some(self.0.lock().unwrap_or_else(|p| p.into_inner())))
    }
}

#[derive(Debug, Default)]
pub struct Condvar(loom::sync::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Condvar(loom::sync::Condvar::new())
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
    pub use loom::thread::{current, yield_now, JoinHandle, ThreadId};

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        loom::thread::spawn(f)
    }

    pub fn current_id() -> ThreadId {
        current().id()
    }
}
