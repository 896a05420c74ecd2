//! A catalogue of injected kernel bugs: named, run-time selectable mutations of the model.
//!
//! A checker that never caught a bug proves nothing. Each [`Mutant`] is a plausible kernel bug,
//! chosen with [`crate::Config::mutant`] (never by editing code), so one binary holds all of them
//! and the faithful path stays the default. Each lives in the model function at the step it
//! changes, as a small `if k.mutated(Mutant::X)` branch; [`Mutant::function`] names it.
//!
//! Every mutant names the scenarios that expose it ([`Mutant::scenarios`], relative to
//! `checks/scenarios/`) and the property it breaks ([`Mutant::breaks`]). A few are *equivalent*
//! while RTNL is global: the lock or reference they drop guards against a race that the global
//! RTNL already excludes, so no checker can see them in this model ([`Mutant::breaks`] is
//! `None` and [`Mutant::rationale`] says why). They are kept so the catalogue states its own limits.

use crate::properties::Property;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One injected kernel bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mutant {
    /// `ipvlan_port_create()` does not hold the lower device (undoes 40b9d1ab63f5).
    IpvlanPortNoHold,
    /// `veth_dellink()` reads the peer pointers instead of taking them with `xchg()`.
    VethNoXchg,
    /// veth holds no reference on its peer (undoes the hold of d7fda2c776b2). Equivalent.
    VethNoPeerRef,
    /// `bareudp_dellink()` queues a device whose socket netns's exit already queued it.
    BareudpNoEmptyCheck,
    /// `ipvlan_link_delete()` ignores `ipvlan->dying`.
    IpvlanNoDying,
    /// `veth_dellink()` takes the peer netns's per-netns lock while holding its own.
    LockPeerNetDirectly,
    /// `rtnl_nets_add()` keeps the caller's order instead of sorting.
    NetsUnsorted,
    /// `rtnl_nets_add()` does not skip a net that is already in the array.
    NetsNoDedup,
    /// `default_device_exit_batch()` flushes `rtnl_net_wq` before `rtnl_unlock()`.
    FlushUnderRtnl,
    /// `default_device_exit_batch()` does not flush `rtnl_net_wq` at all.
    NoFlushBeforeFree,
    /// `rtnl_net_work_func()` takes the per-netns lock without RTNL.
    WorkWithoutRtnl,
    /// `rtnl_net_work_func()` unlocks with `__rtnl_unlock()`: nobody runs `netdev_run_todo()`.
    WorkSkipsRunTodo,
    /// `__rtnl_net_unlock()` does not drain the netns's queue.
    NoDrainOnUnlock,
    /// `unregister_netdevice_queue_net()` queues the device but not the netns's work.
    QueueNetNoWork,
    /// `__dev_change_net_namespace()` leaves a pending entry on the old netns's queue.
    MoveDropsPending,
    /// `veth_dellink()` forgets one `netdev_put()`.
    LeakNetdevRef,
    /// `rtnl_net_dev_lock()` without the re-check of `dev_net(dev)` after locking.
    DevNetToctou,
    /// ipvlan's NETDEV_UNREGISTER handler deletes uppers as if from their own netns.
    IpvlanEventUpperNet,
    /// `ipvlan_uninit()` puts the port without `netdev_lock(phy_dev)`. Equivalent.
    IpvlanUninitNoLowerLock,
    /// bareudp walks and edits `bn->bareudp_list` without `bn->lock`. Equivalent.
    BareudpNoLock,
    /// `default_device_exit_batch()` without the per-netns split (`unregister_netdevice_queue_many_net()`).
    ExitBatchNoSplit,
    /// `ops_exit_rtnl_list()` without the per-netns split (`unregister_netdevice_queue_many_net()`).
    OpsExitRtnlNoSplit,
    /// `ipvlan_uninit()` drops its temporary reference on the lower before unlocking it.
    IpvlanUninitPutBeforeUnlock,
}

impl Mutant {
    pub const ALL: [Mutant; 23] = [
        Mutant::IpvlanPortNoHold,
        Mutant::VethNoXchg,
        Mutant::VethNoPeerRef,
        Mutant::BareudpNoEmptyCheck,
        Mutant::IpvlanNoDying,
        Mutant::LockPeerNetDirectly,
        Mutant::NetsUnsorted,
        Mutant::NetsNoDedup,
        Mutant::FlushUnderRtnl,
        Mutant::NoFlushBeforeFree,
        Mutant::WorkWithoutRtnl,
        Mutant::WorkSkipsRunTodo,
        Mutant::NoDrainOnUnlock,
        Mutant::QueueNetNoWork,
        Mutant::MoveDropsPending,
        Mutant::LeakNetdevRef,
        Mutant::DevNetToctou,
        Mutant::IpvlanEventUpperNet,
        Mutant::IpvlanUninitNoLowerLock,
        Mutant::BareudpNoLock,
        Mutant::ExitBatchNoSplit,
        Mutant::OpsExitRtnlNoSplit,
        Mutant::IpvlanUninitPutBeforeUnlock,
    ];

    /// The kebab-case name `--mutant` takes.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::IpvlanPortNoHold => "ipvlan-port-no-hold",
            Mutant::VethNoXchg => "veth-no-xchg",
            Mutant::VethNoPeerRef => "veth-no-peer-ref",
            Mutant::BareudpNoEmptyCheck => "bareudp-no-empty-check",
            Mutant::IpvlanNoDying => "ipvlan-no-dying",
            Mutant::LockPeerNetDirectly => "lock-peer-net-directly",
            Mutant::NetsUnsorted => "nets-unsorted",
            Mutant::NetsNoDedup => "nets-no-dedup",
            Mutant::FlushUnderRtnl => "flush-under-rtnl",
            Mutant::NoFlushBeforeFree => "no-flush-before-free",
            Mutant::WorkWithoutRtnl => "work-without-rtnl",
            Mutant::WorkSkipsRunTodo => "work-skips-run-todo",
            Mutant::NoDrainOnUnlock => "no-drain-on-unlock",
            Mutant::QueueNetNoWork => "queue-net-no-work",
            Mutant::MoveDropsPending => "move-drops-pending",
            Mutant::LeakNetdevRef => "leak-netdev-ref",
            Mutant::DevNetToctou => "dev-net-toctou",
            Mutant::IpvlanEventUpperNet => "ipvlan-event-upper-net",
            Mutant::IpvlanUninitNoLowerLock => "ipvlan-uninit-no-lower-lock",
            Mutant::BareudpNoLock => "bareudp-no-lock",
            Mutant::ExitBatchNoSplit => "exit-batch-no-split",
            Mutant::OpsExitRtnlNoSplit => "ops-exit-rtnl-no-split",
            Mutant::IpvlanUninitPutBeforeUnlock => "ipvlan-uninit-put-before-unlock",
        }
    }

    pub fn from_name(s: &str) -> Option<Mutant> {
        Mutant::ALL.into_iter().find(|m| m.name() == s)
    }

    /// The model function the mutation lives in (its kernel name).
    pub fn function(self) -> &'static str {
        match self {
            Mutant::IpvlanPortNoHold => "ipvlan_port_create",
            Mutant::VethNoXchg | Mutant::LockPeerNetDirectly | Mutant::LeakNetdevRef => "veth_dellink",
            Mutant::VethNoPeerRef => "veth_newlink",
            Mutant::BareudpNoEmptyCheck | Mutant::BareudpNoLock => "bareudp_dellink",
            Mutant::IpvlanNoDying => "ipvlan_link_delete",
            Mutant::NetsUnsorted | Mutant::NetsNoDedup => "rtnl_nets_add",
            Mutant::FlushUnderRtnl | Mutant::NoFlushBeforeFree | Mutant::ExitBatchNoSplit => {
                "default_device_exit_batch"
            }
            Mutant::OpsExitRtnlNoSplit => "ops_exit_rtnl_list",
            Mutant::WorkWithoutRtnl | Mutant::WorkSkipsRunTodo => "rtnl_net_work_func",
            Mutant::NoDrainOnUnlock => "__rtnl_net_unlock",
            Mutant::QueueNetNoWork => "unregister_netdevice_queue_net",
            Mutant::MoveDropsPending => "__dev_change_net_namespace",
            Mutant::DevNetToctou => "rtnl_net_dev_lock",
            Mutant::IpvlanEventUpperNet => "ipvlan_device_event",
            Mutant::IpvlanUninitNoLowerLock | Mutant::IpvlanUninitPutBeforeUnlock => "ipvlan_uninit",
        }
    }

    /// The upstream commit the mutation undoes, where there is one.
    pub fn undoes(self) -> Option<&'static str> {
        match self {
            Mutant::IpvlanPortNoHold => Some("40b9d1ab63f5 \"ipvlan: hold lower dev to avoid possible use-after-free\""),
            Mutant::VethNoXchg | Mutant::VethNoPeerRef | Mutant::LockPeerNetDirectly => {
                Some("d7fda2c776b2 (series patch 8, veth per-netns deletion)")
            }
            Mutant::DevNetToctou => Some(
                "\"net: Fix dev_net(dev) race in unregister_netdevice_notifier_dev_net()\" (Feb 2025, rtnl_net_dev_lock())",
            ),
            _ => None,
        }
    }

    /// Why this is a plausible kernel bug, and what it does in the kernel.
    pub fn rationale(self) -> &'static str {
        match self {
            Mutant::IpvlanPortNoHold => {
                "The ipvlan port does not netdev_hold() its lower device, the bug 40b9d1ab63f5 fixed. The lower's \
                 unregistration no longer waits for the uppers' ipvlan_uninit(), so an upper queued on another \
                 netns's work touches the freed lower (netdev_hold/netdev_lock on phy_dev)."
            }
            Mutant::VethNoXchg => {
                "veth_dellink() reads priv->peer with rtnl_dereference() instead of taking it with xchg(), so the \
                 pointer stays set and is no token any more: after the peer was handed to its netns's queue, a \
                 second deleter (a user, or the netns's exit) sees it again and queues it twice, and reaches the \
                 already freed first end through the stale pointer."
            }
            Mutant::VethNoPeerRef => {
                "veth takes no reference on its peer (the pre-series lifetime rule on the series' deferred path). \
                 The reference keeps the peer allocated between the two xchg() calls, but while RTNL is global no \
                 thread can free the peer in that window: every path that frees a veth unregisters it through \
                 veth_dellink() under RTNL, which clears both pointers first. Equivalent in this model; it matters \
                 once dellink runs under per-netns locks only."
            }
            Mutant::BareudpNoEmptyCheck => {
                "bareudp_dellink() drops the list_empty(&bareudp->next) check, the token that says the socket \
                 netns's exit_rtnl already queued the device on the device's netns. A user deleting the device \
                 before that netns's work runs queues it a second time (DEBUG_NET_WARN_ON_ONCE in \
                 unregister_netdevice_queue, then a double unregistration)."
            }
            Mutant::IpvlanNoDying => {
                "ipvlan_link_delete() ignores ipvlan->dying, the token set by the lower's NETDEV_UNREGISTER when it \
                 hands the upper to the upper's netns. Deleting the upper in that window queues it twice."
            }
            Mutant::LockPeerNetDirectly => {
                "The design the cover letter rules out: instead of handing a peer that lives in another netns to \
                 that netns's work, veth_dellink() takes that netns's per-netns lock (__rtnl_net_lock) while \
                 holding its own and unregisters the peer there. One deletion nests ns1 -> ns2, another ns2 -> ns1: \
                 an ABBA within &net->rtnl_mutex that lockdep reports (rtnl_net_lock_cmp_fn) even though RTNL \
                 serialises both today."
            }
            Mutant::NetsUnsorted => {
                "rtnl_nets_add() appends instead of insertion-sorting, so rtnl_nets_lock() takes the per-netns \
                 locks in the caller's order (socket netns, then link/peer netns): a newlink whose peer netns sorts \
                 before the socket netns nests them against rtnl_net_lock_cmp_fn()."
            }
            Mutant::NetsNoDedup => {
                "rtnl_nets_add() drops the duplicate check (and its put_net()), so a newlink whose peer or link \
                 netns is the socket's own takes the same &net->rtnl_mutex twice: a self-deadlock (lockdep: \
                 possible recursive locking)."
            }
            Mutant::FlushUnderRtnl => {
                "default_device_exit_batch() calls rtnl_net_flush_workqueue() before rtnl_unlock(). Every \
                 rtnl_net_wq item needs RTNL, so flushing with it held deadlocks as soon as an item is queued."
            }
            Mutant::NoFlushBeforeFree => {
                "default_device_exit_batch() does not call rtnl_net_flush_workqueue(), so cleanup_net() frees a \
                 struct net whose rtnl_work is still pending or running (the work holds no net reference)."
            }
            Mutant::WorkWithoutRtnl => {
                "rtnl_net_work_func() takes net->rtnl_mutex without the global RTNL (__rtnl_net_lock without \
                 rtnl_lock). The drain then unregisters devices without RTNL and nobody runs netdev_run_todo()."
            }
            Mutant::WorkSkipsRunTodo => {
                "rtnl_net_work_func() unlocks with __rtnl_net_unlock() and __rtnl_unlock() instead of \
                 rtnl_net_unlock(): the drain puts devices on net_todo_list and nobody runs netdev_run_todo() for \
                 them (WARN_ON(!list_empty(&net_todo_list)) in __rtnl_unlock)."
            }
            Mutant::NoDrainOnUnlock => {
                "__rtnl_net_unlock() does not call unregister_netdevice_many_net(): devices handed to a netns's \
                 queue stay there for ever, its work finds them and unlocks without unregistering them."
            }
            Mutant::QueueNetNoWork => {
                "unregister_netdevice_queue_net() adds the device to the netns's dev_unreg_head but forgets \
                 rtnl_net_queue_work(): unless some thread happens to lock and unlock that netns, the device is \
                 never unregistered."
            }
            Mutant::MoveDropsPending => {
                "__dev_change_net_namespace() does not call unregister_netdevice_move_net(): a device pending on \
                 its old netns's queue stays there after the move, and the old netns's drain unregisters it \
                 without the per-netns lock of the netns it now lives in."
            }
            Mutant::LeakNetdevRef => {
                "veth_dellink() forgets netdev_put(dev, &priv(peer)->peer_tracker): one netdev_hold without its \
                 netdev_put, so netdev_run_todo() waits for ever (\"unregister_netdevice: waiting for veth0 to \
                 become free. Usage count = 2\")."
            }
            Mutant::DevNetToctou => {
                "rtnl_net_dev_lock() without the re-check of dev_net(dev) after locking (the race of the Feb 2025 \
                 report): dev_net(dev) is read without RTNL, rtnl_net_lock(net) sleeps while `ip link set DEV \
                 netns NS` moves the device, and the caller then edits the device's netns state (in \
                 unregister_netdevice_notifier_dev_net(): the new netns's notifier chain) holding the old \
                 netns's lock."
            }
            Mutant::IpvlanEventUpperNet => {
                "ipvlan's NETDEV_UNREGISTER handler passes dev_net(upper) instead of dev_net(lower) to \
                 __ipvlan_link_delete(), so unregister_netdevice_queue_net() sees every upper as local: uppers of \
                 other netns are unregistered on the lower's list without their own per-netns lock."
            }
            Mutant::IpvlanUninitNoLowerLock => {
                "ipvlan_uninit() drops the port reference without netdev_lock(phy_dev) (series patch 12). The \
                 lock orders the port count against ipvlan_init() and the lower's teardown once they run under \
                 different per-netns locks; while RTNL is global they cannot overlap. Equivalent in this model."
            }
            Mutant::BareudpNoLock => {
                "bareudp walks and edits bn->bareudp_list without bn->lock (series patch 9). The lock matters when \
                 the socket netns's exit and a dellink in another netns run under different per-netns locks; \
                 while RTNL is global they cannot overlap. Equivalent in this model."
            }
            Mutant::ExitBatchNoSplit => {
                "default_device_exit_batch() drops the per-netns split of series patch 7 \
                 (unregister_netdevice_queue_many_net(net, &dev_kill_list) before __rtnl_net_unlock(net)): every \
                 device of the dying nets goes to the final unregister_netdevice_many(), which runs holding RTNL \
                 only, so converted devices (veth) are unregistered without their own net's rtnl_mutex."
            }
            Mutant::OpsExitRtnlNoSplit => {
                "ops_exit_rtnl_list() drops the per-netns split of series patch 7: the devices the pernet \
                 exit_rtnl hooks queued that live in a net of the dying batch (a tunnel in its socket's net, or \
                 moved to a net that dies with it) go to the final unregister_netdevice_many(), which runs holding RTNL only, so they are \
                 unregistered without their own net's rtnl_mutex. The C leaves only other nets' devices on that \
                 list on purpose (the continue in unregister_netdevice_queue_many_net()), so S5 exempts none of these."
            }
            Mutant::IpvlanUninitPutBeforeUnlock => {
                "ipvlan_uninit() swaps its last two steps: netdev_put(phy_dev, tmp) before netdev_unlock(phy_dev) \
                 (series patch 12 takes the tmp hold exactly so that the unlock cannot run on a freed lower). The \
                 lower's netdev_run_todo() on another thread sees the count at 1 and frees the lower while the \
                 upper's work still holds phy_dev->lock: mutex_unlock() on freed memory (KASAN use-after-free, \
                 lockdep: held lock freed!)."
            }
        }
    }

    /// The scenarios that expose the mutant, relative to `checks/scenarios/`. No ip(8) command
    /// reaches [`Mutant::DevNetToctou`]'s `rtnl_net_dev_lock()`: its scenario is raced against a
    /// driver thread by the probe in `rtnl_checks::mutants` ([`Mutant::needs_driver_probe`]).
    pub fn scenarios(self) -> &'static [&'static str] {
        match self {
            Mutant::IpvlanPortNoHold => &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
            Mutant::VethNoXchg => &["mutants/veth-del-both-ends.sh"],
            Mutant::VethNoPeerRef => &["mutants/veth-del-both-ends.sh", "mutants/veth-cross-netns-del.sh"],
            Mutant::BareudpNoEmptyCheck => &["mutants/bareudp-del-after-socket-netns-exit.sh"],
            Mutant::IpvlanNoDying => &["mutants/ipvlan-del-upper-while-dying.sh"],
            Mutant::LockPeerNetDirectly => &["mutants/veth-del-both-directions.sh"],
            Mutant::NetsUnsorted => &["mutants/veth-add-peer-netns-both-orders.sh"],
            Mutant::NetsNoDedup => &["mutants/veth-same-netns.sh"],
            Mutant::FlushUnderRtnl => &["mutants/netns-del-local-veth.sh"],
            Mutant::NoFlushBeforeFree => &["mutants/netns-del-pending-work.sh"],
            Mutant::WorkWithoutRtnl | Mutant::WorkSkipsRunTodo | Mutant::NoDrainOnUnlock | Mutant::QueueNetNoWork => {
                &["mutants/veth-cross-netns-del.sh"]
            }
            Mutant::MoveDropsPending => &["mutants/veth-move-pending-peer.sh"],
            Mutant::LeakNetdevRef => &["mutants/veth-same-netns.sh"],
            Mutant::DevNetToctou => &["mutants/dev-net-toctou.sh"],
            Mutant::IpvlanEventUpperNet => &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
            Mutant::IpvlanUninitNoLowerLock => {
                &["mutants/ipvlan-lower-del-upper-other-netns.sh", "mutants/ipvlan-del-upper-while-dying.sh"]
            }
            Mutant::BareudpNoLock => &["mutants/bareudp-del-after-socket-netns-exit.sh"],
            Mutant::ExitBatchNoSplit => &["mutants/netns-del-local-veth.sh"],
            Mutant::OpsExitRtnlNoSplit => &["vxlan-both-netns-destroyed.sh"],
            Mutant::IpvlanUninitPutBeforeUnlock => &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
        }
    }

    /// The property the mutant is expected to break; `None` for a mutant that is equivalent
    /// while RTNL is global.
    pub fn breaks(self) -> Option<Property> {
        match self {
            Mutant::IpvlanPortNoHold | Mutant::IpvlanUninitPutBeforeUnlock => Some(Property::NoUseAfterFree),
            Mutant::VethNoXchg | Mutant::BareudpNoEmptyCheck | Mutant::IpvlanNoDying => {
                Some(Property::ExactlyOnceUnregistration)
            }
            Mutant::LockPeerNetDirectly | Mutant::NetsUnsorted => Some(Property::LockOrder),
            Mutant::NetsNoDedup => Some(Property::NoDeadlock),
            Mutant::FlushUnderRtnl => Some(Property::NoFlushUnderRtnl),
            Mutant::NoFlushBeforeFree => Some(Property::NetnsOutlivesWork),
            Mutant::WorkWithoutRtnl | Mutant::MoveDropsPending | Mutant::IpvlanEventUpperNet => {
                Some(Property::PerNetnsLock)
            }
            Mutant::WorkSkipsRunTodo => Some(Property::TodoEmptyAtRtnlUnlock),
            Mutant::NoDrainOnUnlock | Mutant::QueueNetNoWork => Some(Property::QueuedDeviceUnregistered),
            Mutant::LeakNetdevRef => Some(Property::AllRefsReleased),
            Mutant::DevNetToctou | Mutant::ExitBatchNoSplit | Mutant::OpsExitRtnlNoSplit => {
                Some(Property::PerNetnsLock)
            }
            Mutant::VethNoPeerRef | Mutant::IpvlanUninitNoLowerLock | Mutant::BareudpNoLock => None,
        }
    }

    /// Whether the mutant is exposed only with a driver thread beside the scenario (see
    /// [`Mutant::scenarios`]).
    pub fn needs_driver_probe(self) -> bool {
        matches!(self, Mutant::DevNetToctou)
    }

    /// Whether no checker can see the mutant while RTNL is global.
    pub fn equivalent(self) -> bool {
        self.breaks().is_none()
    }
}

impl fmt::Display for Mutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Mutant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Mutant::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = Mutant::ALL.iter().map(|m| m.name()).collect();
            format!("unknown mutant {s:?}: expected one of {}", names.join(", "))
        })
    }
}
