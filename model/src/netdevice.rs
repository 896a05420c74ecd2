//! `struct net_device` and its reference counting: include/linux/netdevice.h.
//!
//! The refcount is a facade atomic, so loom and shuttle interleave every hold and put. Each hold
//! names a tracker, as `netdev_hold(dev, &tracker, gfp)` does with ref_tracker, and its put must
//! name the same one: a put without its hold is reported, and so is a hold never put.

use crate::kernel::{DevId, EventKind, Kernel, NetId};
use crate::lockdep::{mutex_unlock, Mutex, MutexGuard};
use crate::properties::Property;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use serde::{Deserialize, Serialize};

/// `enum netdev_reg_state` (`NETREG_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegState {
    #[doc(alias = "NETREG_UNINITIALIZED")]
    Uninitialized,
    #[doc(alias = "NETREG_REGISTERED")]
    Registered,
    #[doc(alias = "NETREG_UNREGISTERING")]
    Unregistering,
    #[doc(alias = "NETREG_UNREGISTERED")]
    Unregistered,
    #[doc(alias = "NETREG_RELEASED")]
    Released,
}

impl RegState {
    /// The one transition `reg_state` may take from here (kernel-notes.md §3).
    pub fn next(self) -> Option<RegState> {
        match self {
            RegState::Uninitialized => Some(RegState::Registered),
            RegState::Registered => Some(RegState::Unregistering),
            RegState::Unregistering => Some(RegState::Unregistered),
            RegState::Unregistered => Some(RegState::Released),
            RegState::Released => None,
        }
    }
}

/// The netdevice notifier events the modelled handlers act on (`NETDEV_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetdevEvent {
    Register,
    Unregister,
}

impl DevState {
    /// `netdev_priv(dev)` on a device already borrowed.
    pub fn priv_ref<T: 'static>(&self) -> &T {
        self.priv_.downcast_ref().unwrap_or_else(|| {
            unreachable!("{} ({}) has no {}", self.name, self.rtnl_link_ops.kind(), std::any::type_name::<T>())
        })
    }
}

/// `netdev_priv(dev)`: include/linux/netdevice.h. A copy of the driver's private part `T`.
#[track_caller]
pub fn netdev_priv<T: Clone + 'static>(k: &Kernel, dev: DevId) -> T {
    k.dev(dev, |d| d.priv_ref::<T>().clone())
}

/// `netdev_priv(dev)` written: `f` on the private part, if it is a `T`.
#[track_caller]
pub fn netdev_priv_mut<T: 'static>(k: &Kernel, dev: DevId, f: impl FnOnce(&mut T)) {
    k.dev_mut(dev, |d| {
        if let Some(p) = d.priv_.downcast_mut::<T>() {
            f(p)
        }
    });
}

/// The parts of a device that threads synchronise on.
#[derive(Debug)]
pub struct DevSync {
    /// `dev->lock`, the instance lock (`netdev_lock()`).
    pub lock: Mutex<()>,
    /// `dev_refcnt`: 1 from `alloc_netdev_mqs()`, never dropped, plus one per live hold.
    pub refcnt: AtomicUsize,
    /// [model] A put has left `refcnt` at 1. `netdev_wait_allrefs_any()` reads it before the
    /// count, whose value matters to it only when it is 1: so its check races with the put
    /// that ends at 1, not with every put before it.
    pub released: AtomicBool,
    /// `priv->peer` of a paired device (veth's; vxcan and netkit keep the same pointer in their
    /// private part): `0` is NULL, otherwise `DevId + 1`. Here rather than in `priv` because it
    /// is shared state that threads race on: the series hands it over with `xchg()`.
    pub priv_peer: AtomicUsize,
}

/// The plain fields of a device.
#[derive(Debug)]
pub struct DevState {
    pub id: DevId,
    pub name: String,
    pub ifindex: u64,
    /// `nd_net`: written under `dev->lock` in `__dev_change_net_namespace()`.
    pub nd_net: NetId,
    pub reg_state: RegState,
    /// `dev->rtnl_link_ops`: the driver's operations.
    pub rtnl_link_ops: &'static dyn crate::rtnetlink::RtnlLinkOps,
    /// `dev->type` (`ARPHRD_*`).
    pub type_: u16,
    /// `netdev_priv(dev)`: the driver's private part, read with [`netdev_priv`].
    pub priv_: Box<dyn std::any::Any + Send>,
    /// `dev->netns_immutable`: none of the modelled devices sets it.
    pub netns_immutable: bool,
    /// Set by `free_netdev()`: any later access is a use-after-free.
    pub freed: bool,
    pub needs_free_netdev: bool,
    /// Live holds by tracker name (ref_tracker's directory).
    pub trackers: Vec<String>,
    /// `unreg_list`: which kill list it is on, if any.
    pub unreg_list: Option<u64>,
    /// `unreg_list_net`: which net's `dev_unreg_head` it is on, if any.
    pub unreg_list_net: Option<NetId>,
    /// [model] The driver function that put it on its current kill list (the nearest caller of
    /// `unregister_netdevice_queue()`), for S5's exemptions ([`crate::rtnetlink::S5Exemption`]).
    pub queued_by: Option<&'static str>,
    /// [model] The net whose `unregister_netdevice_queue_many_net()` left it on the kill list
    /// because it belongs to another net (the `continue` there), since it was last queued.
    pub left_on_list: Option<NetId>,
    /// On `net_todo_list` or a `netdev_run_todo()` snapshot.
    pub todo: bool,
    /// [model] The thread whose `netdev_run_todo()` took it off `net_todo_list`, for S6 at the
    /// free of its net.
    pub todo_by: Option<String>,
    /// [model] The C line of the S5 exemption its unregistration took (an unconverted path),
    /// for S6 at the free of its net.
    pub unreg_exempt: Option<&'static str>,
    /// `netdev_upper_dev_link()` adjacency.
    pub uppers: Vec<DevId>,
    pub lower: Option<DevId>,
    /// The thread and function that freed it, for use-after-free reports.
    pub freed_by: Option<String>,
    pub sync: crate::sync::Shared<DevSync>,
}

impl Kernel {
    /// Reads a device's plain fields; a freed device is a use-after-free (S1), a BUG.
    #[track_caller]
    pub fn dev<R>(&self, dev: DevId, f: impl FnOnce(&DevState) -> R) -> R {
        self.dev_mut(dev, |d| f(d))
    }

    #[track_caller]
    pub fn dev_mut<R>(&self, dev: DevId, f: impl FnOnce(&mut DevState) -> R) -> R {
        let r = self.with(|s| {
            let d = &mut s.devs[dev];
            if d.freed {
                Err((d.name.clone(), d.freed_by.clone().unwrap_or_default()))
            } else {
                Ok(f(d))
            }
        });
        match r {
            Ok(r) => r,
            Err((name, by)) => self
                .bug(Property::NoUseAfterFree, format!("use-after-free: {name} accessed after free_netdev() ({by})")),
        }
    }

    pub fn dev_name(&self, dev: DevId) -> String {
        self.with(|s| s.dev_name(dev))
    }

    /// `dev_net(dev)`: include/linux/netdevice.h. A net freed under its device is a
    /// use-after-free (S1) at the dereference.
    #[track_caller]
    pub fn dev_net(&self, dev: DevId) -> NetId {
        let net = self.dev(dev, |d| d.nd_net);
        if let Some(by) = self.with(|s| s.nets[net].freed_by.clone()) {
            self.net_use_after_free(net, &by, Some(dev));
        }
        net
    }

    /// `__dev_get_by_name(net, name)`: net/core/dev.c. Registered devices listed in `net`.
    pub fn dev_get_by_name(&self, net: NetId, name: &str) -> Option<DevId> {
        self.with(|s| s.nets[net].dev_base.iter().copied().find(|&d| s.devs[d].name == name))
    }
}

/// `netdev_lock(dev)`: include/linux/netdevice.h.
#[track_caller]
pub fn netdev_lock<'a>(k: &Kernel, dev: &'a crate::sync::Shared<DevSync>) -> MutexGuard<'a, ()> {
    let _ = k;
    dev.lock.lock()
}

/// `netdev_unlock(dev)`: include/linux/netdevice.h.
pub fn netdev_unlock(g: MutexGuard<'_, ()>) {
    mutex_unlock(g);
}

/// Models `netdev_hold()`: include/linux/netdevice.h (`__dev_hold()` plus a ref_tracker entry).
/// `dev == None` is a no-op, as in the kernel.
#[track_caller]
pub fn netdev_hold(k: &Kernel, dev: Option<DevId>, tracker: &str) {
    let Some(dev) = dev else { return };
    let sync = k.dev_sync(dev);
    k.dev_mut(dev, |d| d.trackers.push(tracker.to_string()));
    let old = sync.refcnt.fetch_add(1, SeqCst);
    k.timeline(EventKind::Ref { count: old + 1, hold: true }, dev, || tracker.to_string());
}

/// The `ref_tracker` names a scenario's `netdev_hold` statements give their references
/// (`crate::holders`): `netdev_wait_allrefs_any()` names them when it waits, as the kernel's
/// `ref_tracker_dir_print()` prints the trackers still held.
pub const HOLD_TRACKER_PREFIX: &str = "netdev_hold ";

/// Models `netdev_put()`: include/linux/netdevice.h (ref_tracker free, then `__dev_put()`).
/// `dev == None` is a no-op, as veth's second put relies on.
#[track_caller]
pub fn netdev_put(k: &Kernel, dev: Option<DevId>, tracker: &str) {
    let Some(dev) = dev else { return };
    let sync = k.dev_sync(dev);
    let known = k.dev_mut(dev, |d| match d.trackers.iter().position(|t| t == tracker) {
        Some(i) => {
            d.trackers.remove(i);
            true
        }
        None => false,
    });
    if !known {
        let name = k.dev_name(dev);
        k.warn(
            Property::RefcountBalanced,
            format!("ref_tracker: {name}: netdev_put() with tracker {tracker:?} that holds no reference"),
        );
    }
    let old = sync.refcnt.fetch_sub(1, SeqCst);
    k.timeline(EventKind::Ref { count: old.wrapping_sub(1), hold: false }, dev, || tracker.to_string());
    if old <= 1 {
        let name = k.dev_name(dev);
        k.bug(Property::RefcountBalanced, format!("refcount_t: underflow; use-after-free: {name}"));
    }
    if old == 2 {
        // Only the allocation's reference is left: wake netdev_wait_allrefs_any(), which sees
        // the put here rather than at the decrement. The C's caller can lose the CPU right
        // after the decrement; the re-read is a point where it can lose it after the waiter
        // can see it (loom does not preempt at an unlock, so without it loom could not run the
        // waiter before the caller's next unlock).
        sync.released.store(true, SeqCst);
        let mut g = k.refs_wq.lock();
        g.insert(dev);
        k.refs_cv.notify_all(&g);
        drop(g);
        sync.refcnt.load(SeqCst);
    }
}

/// `netdev_refcnt_read(dev)`: net/core/dev.c, MP@05fe7484.
pub fn netdev_refcnt_read(k: &Kernel, dev: DevId) -> usize {
    k.dev_sync(dev).refcnt.load(SeqCst)
}

/// Moves `reg_state` one step along its state machine, under `dev->lock` as the kernel
/// writes it; any other move is an S10 BUG.
#[track_caller]
pub fn set_reg_state(k: &Kernel, dev: DevId, to: RegState) {
    let sync = k.dev_sync(dev);
    let g = netdev_lock(k, &sync);
    let from = k.dev(dev, |d| d.reg_state);
    if from.next() != Some(to) {
        let name = k.dev_name(dev);
        k.bug(Property::RegStateMachine, format!("{name}: reg_state {from:?} -> {to:?} is not a transition"));
    }
    k.dev_mut(dev, |d| d.reg_state = to);
    k.timeline(EventKind::RegState(to), dev, String::new);
    netdev_unlock(g);
}
