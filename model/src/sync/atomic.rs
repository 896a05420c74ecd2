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

use super::dpor_report::OpKind;
#[cfg(rtnl_shuttle)]
use super::mc_backend::announce;

/// Runs one atomic access, announced to the DPOR explorer under shuttle as `kind` on `id`.
#[inline]
fn access<R>(_kind: OpKind, _id: u64, f: impl FnOnce() -> R) -> R {
    #[cfg(rtnl_shuttle)]
    announce::before(&[(_kind, _id)], false);
    let r = f();
    #[cfg(rtnl_shuttle)]
    announce::after();
    r
}

/// The id DPOR knows a new atomic by (shuttle only; 0 elsewhere).
fn object_id() -> u64 {
    #[cfg(rtnl_shuttle)]
    return announce::object_id();
    #[cfg(not(rtnl_shuttle))]
    0
}

#[cfg(rtnl_loom)]
use loom::sync::atomic as inner;
#[cfg(rtnl_shuttle)]
use shuttle::sync::atomic as inner;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
use std::sync::atomic as inner;

#[derive(Debug)]
pub struct AtomicUsize(inner::AtomicUsize, u64);

impl AtomicUsize {
    pub fn new(v: usize) -> Self {
        AtomicUsize(inner::AtomicUsize::new(v), object_id())
    }
    pub fn load(&self, _: Ordering) -> usize {
        access(OpKind::Load, self.1, || if cfg!(rtnl_loom) { self.0.fetch_add(0, SeqCst) } else { self.0.load(SeqCst) })
    }
    pub fn store(&self, v: usize, _: Ordering) {
        access(OpKind::Store, self.1, || {
            if cfg!(rtnl_loom) {
                self.0.swap(v, SeqCst);
            } else {
                self.0.store(v, SeqCst)
            }
        })
    }
    pub fn swap(&self, v: usize, _: Ordering) -> usize {
        access(OpKind::Rmw, self.1, || self.0.swap(v, SeqCst))
    }
    pub fn fetch_add(&self, v: usize, _: Ordering) -> usize {
        access(OpKind::Rmw, self.1, || self.0.fetch_add(v, SeqCst))
    }
    pub fn fetch_sub(&self, v: usize, _: Ordering) -> usize {
        access(OpKind::Rmw, self.1, || self.0.fetch_sub(v, SeqCst))
    }
    pub fn compare_exchange(&self, cur: usize, new: usize, _: Ordering, _: Ordering) -> Result<usize, usize> {
        access(OpKind::Rmw, self.1, || self.0.compare_exchange(cur, new, SeqCst, SeqCst))
    }
}

#[derive(Debug)]
pub struct AtomicBool(inner::AtomicBool, u64);

impl AtomicBool {
    pub fn new(v: bool) -> Self {
        AtomicBool(inner::AtomicBool::new(v), object_id())
    }
    pub fn load(&self, _: Ordering) -> bool {
        access(
            OpKind::Load,
            self.1,
            || {
                if cfg!(rtnl_loom) {
                    self.0.fetch_or(false, SeqCst)
                } else {
                    self.0.load(SeqCst)
                }
            },
        )
    }
    pub fn store(&self, v: bool, _: Ordering) {
        access(OpKind::Store, self.1, || {
            if cfg!(rtnl_loom) {
                self.0.swap(v, SeqCst);
            } else {
                self.0.store(v, SeqCst)
            }
        })
    }
    pub fn swap(&self, v: bool, _: Ordering) -> bool {
        access(OpKind::Rmw, self.1, || self.0.swap(v, SeqCst))
    }
}

// By hand: each new atomic takes its own DPOR id.
impl Default for AtomicUsize {
    fn default() -> Self {
        AtomicUsize::new(0)
    }
}

impl Default for AtomicBool {
    fn default() -> Self {
        AtomicBool::new(false)
    }
}
