//! The sync facade: the only module that names a backend.
//!
//! The spec is written once against this surface. The backend is chosen at build time:
//! real threads by default, loom under `--cfg rtnl_loom` (exhaustive interleavings), shuttle
//! under `--cfg rtnl_shuttle` (randomized and PCT schedules). A `--cfg` rather than a Cargo
//! feature, because features unify across a build and cannot exclude each other.
//!
//! # Surface
//! [`Mutex`] (with a lock class and a hook that feeds the lockdep recorder; unlock by giving the
//! guard back, [`mutex_unlock`]), [`RawMutex`] (model plumbing that lockdep must not see, such as
//! a workqueue's pool lock), [`Condvar`], [`atomic`], [`Arc`], [`thread`].
//!
//! # What is a schedule point, and why that is enough
//! Every operation above is a point where loom and shuttle may switch threads. Plain model data
//! (device lists, `reg_state`, the todo list) lives in one [`Instr`] cell, which is *not* a
//! schedule point. That is sound for a protocol model because every access to such data is made
//! either under the kernel lock that protects it, which the model asserts at the access
//! (`ASSERT_RTNL`, `lockdep_assert_held`, `rtnl_net_is_locked`), so no other thread can observe
//! an intermediate state, or is a kernel atomic (a refcount, veth's `xchg`, a work's pending
//! bit), which the model makes a facade atomic. Interleavings are therefore explored at exactly
//! the kernel's synchronisation points, and a lock that protects nothing is reported, not hidden.
//!
//! # Not papered over
//! Memory ordering: every atomic is used `SeqCst`; this is a sequentially consistent protocol
//! model. Loom allows at most 5 threads per execution (`loom::MAX_THREADS`).

#![allow(clippy::disallowed_types)] // The facade is where the backend's types are named.

#[cfg(all(rtnl_loom, rtnl_shuttle))]
compile_error!("choose one backend: --cfg rtnl_loom or --cfg rtnl_shuttle, not both");

/// Operation reports for the DPOR explorer (rtnl-checks' `dpor`): which operation each schedule
/// point performs on which object.
pub mod dpor_report;

#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod std_backend;
#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
use std_backend as backend;

#[cfg(any(rtnl_loom, rtnl_shuttle))]
mod unwind_safe;

#[cfg(rtnl_loom)]
mod backend_arc {
    pub use loom::sync::{Arc, MutexGuard};
}
#[cfg(rtnl_shuttle)]
mod backend_arc {
    pub use shuttle::sync::{Arc, MutexGuard};
}

#[cfg(rtnl_loom)]
mod loom_backend;
#[cfg(rtnl_loom)]
use loom_backend as backend;

#[cfg(rtnl_shuttle)]
mod shuttle_backend;
#[cfg(rtnl_shuttle)]
use shuttle_backend as backend;

pub use backend::{atomic, thread, Arc, Condvar, RawMutex, RawMutexGuard, BACKEND};

use crate::lockdep::LockId;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

/// A shared pointer for model plumbing: the synchronisation parts of nets, devices and ports,
/// reached by id. It is not a kernel reference (the kernel's references are explicit, tracked
/// counters such as `netdev_hold`), so cloning it must not be a schedule point, as loom's
/// `Arc` clone is. The kernel context itself is shared through [`Arc`].
pub type Shared<T> = std::sync::Arc<T>;

/// Instrumentation storage: the model's plain data, the trace and the lockdep recorder.
///
/// Never a schedule point, never held across a facade operation (see the module docs). A
/// `std` mutex here is uncontended under loom and shuttle, which run one thread at a time.
#[derive(Debug, Default)]
pub struct Instr<T>(std::sync::Arc<std::sync::Mutex<T>>);

impl<T> Clone for Instr<T> {
    fn clone(&self) -> Self {
        Instr(self.0.clone())
    }
}

impl<T> Instr<T> {
    pub fn new(value: T) -> Self {
        Instr(std::sync::Arc::new(std::sync::Mutex::new(value)))
    }

    /// Runs `f` on the data. `f` must not call any facade operation.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut g = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut g)
    }
}

/// Where lock events go: the kernel's lockdep recorder implements this.
pub trait LockHook: Send + Sync {
    /// About to block on `lock` at `site` (the caller of `lock()`).
    fn will_acquire(&self, lock: &LockId, site: &'static Location<'static>);
    fn acquired(&self, lock: &LockId, site: &'static Location<'static>);
    fn released(&self, lock: &LockId);
}

/// A shared lock hook. Instrumentation, so a plain `std` `Arc`: cloning it is not a kernel event.
pub type Hook = std::sync::Arc<dyn LockHook>;

pub fn hook(h: impl LockHook + 'static) -> Hook {
    std::sync::Arc::new(h)
}

/// A kernel lock: a backend mutex with a lockdep identity and a hook for every lock and unlock.
pub struct Mutex<T> {
    raw: RawMutex<T>,
    id: LockId,
    hook: Hook,
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").field("id", &self.id).finish_non_exhaustive()
    }
}

impl<T> Mutex<T> {
    pub fn new(value: T, id: LockId, hook: Hook) -> Self {
        Mutex { raw: RawMutex::new(value), id, hook }
    }

    pub fn id(&self) -> &LockId {
        &self.id
    }

    /// `mutex_lock()`: records the dependency on every held lock, then blocks.
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let site = Location::caller();
        self.hook.will_acquire(&self.id, site);
        let inner = self.raw.lock();
        self.hook.acquired(&self.id, site);
        MutexGuard { inner: Some(inner), lock: self }
    }
}

/// Held kernel lock. Dropping it unlocks too (an early return in the model still unlocks and
/// is recorded), but model code unlocks explicitly with [`mutex_unlock`] to read like the C.
#[must_use = "dropping the guard unlocks the mutex"]
pub struct MutexGuard<'a, T> {
    inner: Option<RawMutexGuard<'a, T>>,
    lock: &'a Mutex<T>,
}

impl<T> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MutexGuard({})", self.lock.id)
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard is live")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("guard is live")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        let inner = self.inner.take();
        if std::thread::panicking() {
            // The execution is failing: loom and shuttle must not be re-entered while unwinding
            // (a second panic aborts), and the recorder keeps the lock as held, which is what
            // the failure report should show.
            std::mem::forget(inner);
            return;
        }
        // Tell the recorder first: once the raw guard drops, another thread may take the lock.
        self.lock.hook.released(&self.lock.id);
        drop(inner);
    }
}

/// `mutex_unlock()`: gives the guard back.
pub fn mutex_unlock<T>(guard: MutexGuard<'_, T>) {
    drop(guard);
}
