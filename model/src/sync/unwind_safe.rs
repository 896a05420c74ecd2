//! Wrappers that keep a failing execution from re-entering the checker while it unwinds.
//!
//! When loom finds a deadlock it clears its active thread and panics; any loom object dropped
//! during that unwind (an `Arc`, a mutex guard) calls back into loom and the second panic aborts
//! the process. Nothing will run again in a failing execution, so these wrappers skip the drop
//! while the thread is panicking; in a passing execution they drop as usual.

use super::mc_backend::Snapshot;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// Drops `value` unless the thread is unwinding.
fn drop_unless_panicking<T>(value: T) {
    if std::thread::panicking() {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// An `Arc` whose drop is skipped during a failing execution's unwind.
pub struct Arc<T: ?Sized>(Option<super::backend_arc::Arc<T>>);

impl<T> Arc<T> {
    pub fn new(value: T) -> Self {
        Arc(Some(super::backend_arc::Arc::new(value)))
    }
}

impl<T: ?Sized> Clone for Arc<T> {
    fn clone(&self) -> Self {
        Arc(self.0.clone())
    }
}

impl<T: ?Sized> Deref for Arc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_deref().expect("live Arc")
    }
}

impl<T: ?Sized> Drop for Arc<T> {
    fn drop(&mut self) {
        if let Some(a) = self.0.take() {
            drop_unless_panicking(a);
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Arc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A backend mutex guard whose drop is skipped during a failing execution's unwind, with the
/// guard of the data beside the mutex. It carries its mutex's DPOR id (shuttle) to announce the
/// unlock.
pub struct RawMutexGuard<'a, T> {
    lock: Option<super::backend_arc::MutexGuard<'a, ()>>,
    data: Option<std::sync::MutexGuard<'a, T>>,
    cell: &'a std::sync::Mutex<T>,
    mutex_id: u64,
    /// Set for an awaitable mutex: its data is recorded for DPOR at each release.
    snapshot: Option<Snapshot<T>>,
}

impl<'a, T> RawMutexGuard<'a, T> {
    /// Holding `lock`, takes the data (never contended: the lock excludes).
    pub(super) fn new(
        lock: super::backend_arc::MutexGuard<'a, ()>,
        cell: &'a std::sync::Mutex<T>,
        mutex_id: u64,
        snapshot: Option<Snapshot<T>>,
    ) -> Self {
        let data = cell.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        RawMutexGuard { lock: Some(lock), data: Some(data), cell, mutex_id, snapshot }
    }

    pub(super) fn mutex_id(&self) -> u64 {
        self.mutex_id
    }

    /// Gives the data back and hands over the lock (a condvar wait releases it).
    pub(super) fn release_data(
        mut self,
    ) -> (super::backend_arc::MutexGuard<'a, ()>, &'a std::sync::Mutex<T>, Option<Snapshot<T>>) {
        self.record_version();
        drop(self.data.take());
        (self.lock.take().expect("live guard"), self.cell, self.snapshot)
    }

    /// The data as released, for DPOR (shuttle, awaitable mutexes only).
    fn record_version(&self) {
        #[cfg(rtnl_shuttle)]
        if let (Some(copy), Some(data)) = (self.snapshot, self.data.as_deref()) {
            super::mc_backend::announce::version(self.mutex_id, || copy(data));
        }
    }
}

impl<T> Deref for RawMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_deref().expect("live guard")
    }
}

impl<T> DerefMut for RawMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_deref_mut().expect("live guard")
    }
}

impl<T> Drop for RawMutexGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(g) = self.lock.take() {
            if std::thread::panicking() {
                std::mem::forget(self.data.take());
                std::mem::forget(g);
                return;
            }
            self.record_version();
            drop(self.data.take());
            #[cfg(rtnl_shuttle)]
            super::mc_backend::announce::before(&[(super::dpor_report::OpKind::Unlock, self.mutex_id)], false);
            drop(g);
            #[cfg(rtnl_shuttle)]
            super::mc_backend::announce::after();
        }
    }
}

impl<T> fmt::Debug for RawMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawMutexGuard")
    }
}
