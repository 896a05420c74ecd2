//! shuttle: randomized and PCT schedules over the facade's operations.

pub const BACKEND: &str = "shuttle";

pub use shuttle::sync::atomic;
pub use shuttle::sync::Arc;

#[derive(Debug, Default)]
pub struct RawMutex<T>(shuttle::sync::Mutex<T>);
pub type RawMutexGuard<'a, T> = shuttle::sync::MutexGuard<'a, T>;

impl<T> RawMutex<T> {
    pub fn new(value: T) -> Self {
        RawMutex(shuttle::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> RawMutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Default)]
pub struct Condvar(shuttle::sync::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Condvar(shuttle::sync::Condvar::new())
    }

    pub fn wait<'a, T>(&self, guard: RawMutexGuard<'a, T>) -> RawMutexGuard<'a, T> {
        self.0.wait(guard).unwrap_or_else(|p| p.into_inner())
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
