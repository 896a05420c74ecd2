//! Real threads. Locks and waits give up after [`STALL`] with a panic naming the wait, so a
//! deadlock or a reference that is never put fails a smoke run instead of hanging it.

use std::time::{Duration, Instant};

pub const BACKEND: &str = "std";

pub use std::sync::Arc;

/// How long a std-backend thread may block before the run is declared stuck.
pub const STALL: Duration = Duration::from_secs(20);

#[derive(Debug, Default)]
pub struct RawMutex<T>(std::sync::Mutex<T>);
pub type RawMutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

impl<T> RawMutex<T> {
    pub fn new(value: T) -> Self {
        RawMutex(std::sync::Mutex::new(value))
    }

    /// Poisoning is not a kernel concept: a panicking thread fails the run anyway.
    pub fn lock(&self) -> RawMutexGuard<'_, T> {
        let start = Instant::now();
        loop {
            match self.0.try_lock() {
                Ok(g) => return g,
                Err(std::sync::TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {
                    if start.elapsed() > STALL {
                        panic!("deadlock: blocked on a mutex for {STALL:?} (std backend)");
                    }
                    std::thread::sleep(Duration::from_micros(50));
                }
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Condvar(std::sync::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Condvar(std::sync::Condvar::new())
    }

    pub fn wait<'a, T>(&self, guard: RawMutexGuard<'a, T>) -> RawMutexGuard<'a, T> {
        let (g, timeout) = self.0.wait_timeout(guard, STALL).unwrap_or_else(std::sync::PoisonError::into_inner);
        if timeout.timed_out() {
            panic!("non-termination: waited {STALL:?} for a wake-up that never came (std backend)");
        }
        g
    }

    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}

pub mod thread {
    pub use std::thread::{current, yield_now, JoinHandle, ThreadId};

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        std::thread::spawn(f)
    }

    pub fn current_id() -> ThreadId {
        current().id()
    }
}
