//! The atomics of the facade: one surface (`AtomicUsize`, `AtomicBool`, the methods the model
//! uses) over every backend's atomics, so code that builds on std builds under loom and shuttle.
//!
//! Every access is sequentially consistent (see the facade docs). Under loom every access is a
//! read-modify-write, which reads the latest value in the location's modification order: loom
//! models C11 and approximates SeqCst, so a plain load could read an older value than a
//! sequentially consistent machine would. std's and shuttle's atomics are sequentially
//! consistent already and are called as they are.

pub use std::sync::atomic::Ordering;
use Ordering::SeqCst;

#[cfg(rtnl_loom)]
use loom::sync::atomic as inner;
#[cfg(rtnl_shuttle)]
use shuttle::sync::atomic as inner;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
use std::sync::atomic as inner;

#[derive(Debug, Default)]
pub struct AtomicUsize(inner::AtomicUsize);

impl AtomicUsize {
    pub fn new(v: usize) -> Self {
        AtomicUsize(inner::AtomicUsize::new(v))
    }
    pub fn load(&self, _: Ordering) -> usize {
        if cfg!(rtnl_loom) {
            self.0.fetch_add(0, SeqCst)
        } else {
            self.0.load(SeqCst)
        }
    }
    pub fn store(&self, v: usize, _: Ordering) {
        if cfg!(rtnl_loom) {
            self.0.swap(v, SeqCst);
        } else {
            self.0.store(v, SeqCst)
        }
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
pub struct AtomicBool(inner::AtomicBool);

impl AtomicBool {
    pub fn new(v: bool) -> Self {
        AtomicBool(inner::AtomicBool::new(v))
    }
    pub fn load(&self, _: Ordering) -> bool {
        if cfg!(rtnl_loom) {
            self.0.fetch_or(false, SeqCst)
        } else {
            self.0.load(SeqCst)
        }
    }
    pub fn store(&self, v: bool, _: Ordering) {
        if cfg!(rtnl_loom) {
            self.0.swap(v, SeqCst);
        } else {
            self.0.store(v, SeqCst)
        }
    }
    pub fn swap(&self, v: bool, _: Ordering) -> bool {
        self.0.swap(v, SeqCst)
    }
}
