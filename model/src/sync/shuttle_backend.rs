//! shuttle: randomized and PCT schedules over the facade's operations.

pub const BACKEND: &str = "shuttle";

pub use super::unwind_safe::{Arc, RawMutexGuard};
pub use shuttle::sync::atomic;

#[derive(Debug, Default)]
pub struct RawMutex<T>(shuttle::sync::Mutex<T>);

impl<T> RawMutex<T> {
    pub fn new(value: T) -> Self {
        RawMutex(shuttle::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> RawMutexGuard<'_, T> {
        RawMutexGuard(Some(self.0.lock().unwrap_or_else(|p| p.into_inner())))
    }
}

#[derive(Debug, Default)]
pub struct Condvar(shuttle::sync::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Condvar(shuttle::sync::Condvar::new())
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
    pub use shuttle::thread::{current, yield_now, JoinHandle, ThreadId};

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        shuttle::thread::spawn(f)
    }

    pub fn current_id() -> ThreadId {
        current().id()
    }
}
