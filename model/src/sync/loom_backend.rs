//! loom: every interleaving of the facade's operations, up to a preemption bound.

pub const BACKEND: &str = "loom";

pub use super::unwind_safe::{Arc, RawMutexGuard};

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

/// loom's atomics, made linearizable: every access is a read-modify-write, which reads the latest
/// value in the location's modification order. loom models C11 and approximates SeqCst, so a
/// plain load could read an older value than a sequentially consistent machine would; this model
/// is a sequentially consistent protocol model (see the facade docs).
pub mod atomic {
    pub use std::sync::atomic::Ordering;
    use Ordering::SeqCst;

    #[derive(Debug, Default)]
    pub struct AtomicUsize(loom::sync::atomic::AtomicUsize);

    impl AtomicUsize {
        pub fn new(v: usize) -> Self {
            AtomicUsize(loom::sync::atomic::AtomicUsize::new(v))
        }
        pub fn load(&self, _: Ordering) -> usize {
            self.0.fetch_add(0, SeqCst)
        }
        pub fn store(&self, v: usize, _: Ordering) {
            self.0.swap(v, SeqCst);
        }
        pub fn swap(&self, v: usize, _: Ordering) -> usize {
            self.0.swap(v, SeqCst)
        }
        pub fn fetch_add(&self, v: usize, _: Ordering) -> usize {
            self.0.fetch_add(v, SeqCst)
        }
        pub fn fetch_sub(&self, v: usize, _: Ordering) -> usize {
            self.0.fetch_sub(v, SeqCst)
        }
        pub fn compare_exchange(&self, cur: usize, new: usize, _: Ordering, _: Ordering) -> Result<usize, usize> {
            self.0.compare_exchange(cur, new, SeqCst, SeqCst)
        }
    }

    #[derive(Debug, Default)]
    pub struct AtomicBool(loom::sync::atomic::AtomicBool);

    impl AtomicBool {
        pub fn new(v: bool) -> Self {
            AtomicBool(loom::sync::atomic::AtomicBool::new(v))
        }
        pub fn load(&self, _: Ordering) -> bool {
            self.0.fetch_or(false, SeqCst)
        }
        pub fn store(&self, v: bool, _: Ordering) {
            self.0.swap(v, SeqCst);
        }
        pub fn swap(&self, v: bool, _: Ordering) -> bool {
            self.0.swap(v, SeqCst)
        }
    }
}
