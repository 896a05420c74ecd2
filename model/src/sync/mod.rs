//! The sync facade: the only module that names a backend.
//!
//! The spec is written once against this surface. The backend is chosen at build time:
//! real threads by default, loom under `--cfg rtnl_loom` (exhaustive interleavings), shuttle
//! under `--cfg rtnl_shuttle` (randomized and PCT schedules). A `--cfg` rather than a Cargo
//! feature, because features unify across a build and cannot exclude each other.
//!
//! # Surface
//! std-shaped primitives only, and a leaf of the model: [`RawMutex`] (with
//! [`RawMutex::lock_when`], a lock that waits for a condition on its data), [`Condvar`], [`atomic`]
//! (the same `AtomicUsize`/`AtomicBool` surface in every backend), [`Arc`], [`thread`], the
//! scheduler's choice [`choose`] (a CPU for a queuing thread), and the instrumentation cell [`Instr`]; [`execution_begin`] scopes one execution (the std backend
//! watches it for a hang; a no-op under loom and shuttle, which detect deadlocks themselves). The kernel's lockdep-aware `Mutex` is built on [`RawMutex`]
//! in `crate::lockdep`.
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

// loom and shuttle have the same surface: one backend file over whichever was chosen.
#[cfg(rtnl_loom)]
use loom as mc;
#[cfg(rtnl_shuttle)]
use shuttle as mc;

#[cfg(any(rtnl_loom, rtnl_shuttle))]
mod unwind_safe;

#[cfg(any(rtnl_loom, rtnl_shuttle))]
mod backend_arc {
    pub use super::mc::sync::{Arc, MutexGuard};
}

#[cfg(any(rtnl_loom, rtnl_shuttle))]
mod mc_backend;
#[cfg(any(rtnl_loom, rtnl_shuttle))]
use mc_backend as backend;

pub mod atomic;

pub use backend::{choose, execution_begin, thread, Arc, Condvar, ExecutionGuard, RawMutex, RawMutexGuard, BACKEND};

/// The payload a thread unwinds with when the std backend's monitor aborts its execution (every
/// thread blocked, or a step or time bound exceeded): not a panic of the model, so it prints
/// nothing; [`ExecutionGuard::hang`] says why. loom and shuttle stop an execution themselves.
#[derive(Debug)]
pub struct Aborted;

/// Why the std backend's monitor aborted an execution ([`ExecutionGuard::hang`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hang {
    /// Every thread blocked, and nothing woke any of them.
    Blocked(String),
    /// The step or time bound was exceeded: a livelock, or an execution too long to be one.
    Bound(String),
}

impl<T: 'static> RawMutex<T> {
    /// Locks the mutex once `ready` holds of its data: `lock()`, then, while `ready` does not
    /// hold, `on_wait` (to record what the thread waits for) and a wait on `cv`, which whoever
    /// changes the data that `ready` reads must notify. `ready` must read only the data this
    /// mutex protects and the caller's own values.
    ///
    /// Under DPOR (shuttle) the acquisition is enabled only while the mutex is free and `ready`
    /// holds, so the wait is one step: a check that fails and the wait after it would be more
    /// steps, each racing with the steps that make `ready` true, and every order of those a
    /// class with the same outcome, as long as `cv` is notified. So that a missing notify
    /// still shows: if `ready` was false at some point where the thread could have checked and
    /// no notify of `cv` came since, the thread sleeps on `cv` after its step, as a schedule
    /// that checked there would. If nothing else can run, the thread runs anyway, fails the
    /// check and waits, and the checker reports the deadlock.
    pub fn lock_when(
        &self,
        cv: &Condvar,
        ready: impl Fn(&T) -> bool + 'static,
        mut on_wait: impl FnMut(&T),
    ) -> RawMutexGuard<'_, T> {
        let ready: std::rc::Rc<dyn Fn(&T) -> bool> = std::rc::Rc::new(ready);
        self.await_begin(cv, ready.clone());
        let mut g = self.lock_awaiting();
        if self.await_unwoken() {
            // DPOR took the wait as one step once `ready` held; a schedule that checked before,
            // found it false and slept has had no notify since: sleep as it would.
            on_wait(&g);
            g = cv.wait(g);
        }
        while !ready(&g) {
            on_wait(&g);
            g = cv.wait(g);
        }
        self.await_over();
        g
    }
}

/// A shared pointer for model plumbing: the synchronisation parts of nets, devices and ports,
/// reached by id. It is not a kernel reference (the kernel's references are explicit, tracked
/// counters such as `netdev_hold`), so cloning it must not be a schedule point, as loom's
/// `Arc` clone is. The kernel context itself is shared through [`Arc`].
pub type Shared<T> = std::sync::Arc<T>;

/// A cell set at most once per execution, for model plumbing (the module objects a script with a
/// module statement needs, `crate::module::arm`): set by the main thread before any command
/// runs, read afterwards; neither is a kernel event, so neither is a schedule point.
pub type SetOnce<T> = std::sync::OnceLock<T>;

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
