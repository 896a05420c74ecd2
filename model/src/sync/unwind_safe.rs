//! Wrappers that keep a failing execution from re-entering the checker while it unwinds.
//!
//! When loom finds a deadlock it clears its active thread and panics; any loom object dropped
//! during that unwind (an `Arc`, a mutex guard) calls back into loom and the second panic aborts
//! the process. Nothing will run again in a failing execution, so these wrappers skip the drop
//! while the thread is panicking; in a passing execution they drop as usual.

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

/// A backend mutex guard whose drop is skipped during a failing execution's unwind. It carries
/// its mutex's DPOR id (shuttle) to announce the unlock.
pub struct RawMutexGuard<'a, T>(pub(super) Option<super::backend_arc::MutexGuard<'a, T>>, u64);

impl<'a, T> RawMutexGuard<'a, T> {
    pub(super) fn new(g: super::backend_arc::MutexGuard<'a, T>, mutex_id: u64) -> Self {
        RawMutexGuard(Some(g), mutex_id)
    }

    pub(super) fn mutex_id(&self) -> u64 {
        self.1
    }
}

impl<T> Deref for RawMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_deref().expect("live guard")
    }
}

impl<T> DerefMut for RawMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.as_deref_mut().expect("live guard")
    }
}

impl<T> Drop for RawMutexGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(g) = self.0.take() {
            if std::thread::panicking() {
                std::mem::forget(g);
                return;
            }
            #[cfg(rtnl_shuttle)]
            super::mc_backend::announce::before(&[(super::dpor_report::OpKind::Unlock, self.1)], false);
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
