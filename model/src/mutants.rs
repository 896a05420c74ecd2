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
use crate::variants::Variant;
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
    /// bareudp walks and edits `bn->bareudp_list` without `bn->lock`.
    BareudpNoLock,
    /// `default_device_exit_batch()` without the per-netns split (`unregister_netdevice_queue_many_net()`).
    ExitBatchNoSplit,
    /// `ops_exit_rtnl_list()` without the per-netns split (`unregister_netdevice_queue_many_net()`).
    OpsExitRtnlNoSplit,
    /// `ipvlan_uninit()` drops its temporary reference on the lower before unlocking it.
    IpvlanUninitPutBeforeUnlock,
    /// `unregister_netdevice_queue_net()` takes the caller's net's `dev_unreg_lock`, not the
    /// device's.
    UnregHeadWrongLock,
    /// `rtnl_nets_add()` sorts by address without putting init_net first.
    NetsSortByAddress,
    /// `netdev_wait_allrefs_any()` re-broadcasts under RTNL only (undoes 0fa296dd520e).
    RebroadcastWithoutNetLock,
    /// `default_device_exit_batch()` keeps every dying net's per-netns lock until its loop ends.
    ExitBatchNestsDyingNets,
    /// `vxcan_dellink()` (after 703b31d21e52) reads the peer pointers instead of taking them
    /// with `xchg()`.
    VxcanNoXchg,
    /// `vxcan_dellink()` (after 703b31d21e52) queues the peer on the caller's list, not on its
    /// net's queue.
    VxcanPeerPlainQueue,
    /// `vxcan_dellink()` (after 703b31d21e52) forgets the second `netdev_put()`.
    VxcanLeakPeerRef,
    /// `geneve_dellink()` queues a device whose socket netns's exit already queued it
    /// (`followup-geneve`).
    GeneveNoEmptyCheck,
    /// geneve walks and edits `gn->geneve_list` without `gn->lock` (`followup-geneve`).
    GeneveNoLock,
    /// `rtnl_link_unregister()` takes `rtnl_lock()` instead of `rtnl_lock_unregistering_all()`:
    /// the unload does not wait for devices still being unregistered.
    UnloadNoWaitUnregistering,
    /// `__ipvlan_link_delete()` does not unlink the upper from its lower.
    IpvlanLinkDeleteNoUnlink,
    /// `__ipvlan_link_delete()` hands the upper to its net's queue before unlinking it, as the
    /// series does, under `convert-adj-list-instance-lock`. Equivalent while RTNL is global.
    IpvlanQueueBeforeUnlink,
    /// `rtnl_newlink()` does not add the target net (`netns NS`) to its `rtnl_nets`.
    NewlinkNoTargetNet,
    /// `ipvtap_dellink()` deletes an ipvtap the lower's NETDEV_UNREGISTER already queued.
    IpvtapNoDying,
    /// `rtnl_net_dev_unlock()` drops its passive reference on the net before `rtnl_net_unlock()`.
    DevLockPassiveDecEarly,
    /// `geneve_exit_rtnl_net()` (`followup-geneve`) queues a device of another net on the exit's
    /// list, as before the conversion.
    GeneveExitPlainQueue,
    /// `rtnl_link_unregister()` without `pernet_ops_rwsem`.
    UnloadNoPernetRwsem,
    /// `ipvlan_cleanup_module()` unregisters its netdevice notifier before its link ops.
    UnloadNotifierBeforeLinks,
    /// `ip_tunnel_dellink()` (`followup-ip-tunnel`) deletes a tunnel that is no longer hashed.
    IpTunnelNoToken,
    /// ip_tunnel edits `itn->tunnels[]` without `itn->lock` (`followup-ip-tunnel`).
    IpTunnelNoMutex,
    /// The end of a work item does not wake the flushers waiting for it.
    FlushNotWoken,
}

/// One row of the catalogue: everything known about a mutant, in one place.
#[derive(Debug)]
pub struct MutantInfo {
    pub mutant: Mutant,
    /// The kebab-case name `--mutant` takes.
    pub name: &'static str,
    /// The model function the mutation lives in (its kernel name).
    pub function: &'static str,
    /// The upstream commit the mutation undoes, where there is one.
    pub undoes: Option<&'static str>,
    /// The scenarios that expose the mutant, relative to `checks/scenarios/`.
    pub scenarios: &'static [&'static str],
    /// The property the mutant is expected to break; `None` while RTNL makes it equivalent.
    pub breaks: Option<Property>,
    /// Exposed only with a driver thread raced beside the scenario (no ip(8) command reaches
    /// the function): the probe in `rtnl_checks::mutants`.
    pub driver_probe: bool,
    /// The variants the mutated code exists in (a follow-up conversion): the mutant and its
    /// faithful baseline both run with them, and not at all where they cannot run (pre-series).
    pub requires: &'static [Variant],
    /// Why this is a plausible kernel bug, and what it does in the kernel.
    pub rationale: &'static str,
}

/// The catalogue, in the order of the enum's variants (a test holds it to that).
pub const CATALOGUE: [MutantInfo; 44] = [
    MutantInfo {
        mutant: Mutant::IpvlanPortNoHold,
        name: "ipvlan-port-no-hold",
        function: "ipvlan_port_create",
        undoes: Some("40b9d1ab63f5 \"ipvlan: hold lower dev to avoid possible use-after-free\""),
        scenarios: &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
        breaks: Some(Property::NoUseAfterFree),
        driver_probe: false,
        requires: &[],
        rationale: "The ipvlan port does not netdev_hold() its lower device, the bug 40b9d1ab63f5 fixed. The \
             lower's unregistration no longer waits for the uppers' ipvlan_uninit(), so an upper queued \
             on another netns's work touches the freed lower (netdev_hold/netdev_lock on phy_dev).",
    },
    MutantInfo {
        mutant: Mutant::VethNoXchg,
        name: "veth-no-xchg",
        function: "veth_dellink",
        undoes: Some("d7fda2c776b2 (series patch 8, veth per-netns deletion)"),
        scenarios: &["mutants/veth-del-both-ends.sh"],
        breaks: Some(Property::ExactlyOnceUnregistration),
        driver_probe: false,
        requires: &[],
        rationale: "veth_dellink() reads priv->peer with rtnl_dereference() instead of taking it with xchg(), so \
             the pointer stays set and is no token any more: after the peer was handed to its netns's \
             queue, a second deleter (a user, or the netns's exit) sees it again and queues it twice, and \
             reaches the already freed first end through the stale pointer.",
    },
    MutantInfo {
        mutant: Mutant::VethNoPeerRef,
        name: "veth-no-peer-ref",
        function: "veth_newlink",
        undoes: Some("d7fda2c776b2 (series patch 8, veth per-netns deletion)"),
        scenarios: &["mutants/veth-del-both-ends.sh", "mutants/veth-cross-netns-del.sh"],
        breaks: None,
        driver_probe: false,
        requires: &[],
        rationale: "veth takes no reference on its peer (the pre-series lifetime rule on the series' deferred \
             path). The reference keeps the peer allocated between the two xchg() calls, but while RTNL \
             is global no thread can free the peer in that window: every path that frees a veth \
             unregisters it through veth_dellink() under RTNL, which clears both pointers first. \
             Equivalent in this model; it matters once dellink runs under per-netns locks only.",
    },
    MutantInfo {
        mutant: Mutant::BareudpNoEmptyCheck,
        name: "bareudp-no-empty-check",
        function: "bareudp_dellink",
        undoes: None,
        scenarios: &["mutants/bareudp-del-after-socket-netns-exit.sh"],
        breaks: Some(Property::ExactlyOnceUnregistration),
        driver_probe: false,
        requires: &[],
        rationale: "bareudp_dellink() drops the list_empty(&bareudp->next) check, the token that says the socket \
             netns's exit_rtnl already queued the device on the device's netns. A user deleting the \
             device before that netns's work runs queues it a second time (DEBUG_NET_WARN_ON_ONCE in \
             unregister_netdevice_queue, then a double unregistration).",
    },
    MutantInfo {
        mutant: Mutant::IpvlanNoDying,
        name: "ipvlan-no-dying",
        function: "ipvlan_link_delete",
        undoes: None,
        scenarios: &["mutants/ipvlan-del-upper-while-dying.sh"],
        breaks: Some(Property::ExactlyOnceUnregistration),
        driver_probe: false,
        requires: &[],
        rationale: "ipvlan_link_delete() ignores ipvlan->dying, the token set by the lower's NETDEV_UNREGISTER \
             when it hands the upper to the upper's netns. Deleting the upper in that window queues it \
             twice.",
    },
    MutantInfo {
        mutant: Mutant::LockPeerNetDirectly,
        name: "lock-peer-net-directly",
        function: "veth_dellink",
        undoes: Some("d7fda2c776b2 (series patch 8, veth per-netns deletion)"),
        scenarios: &["mutants/veth-del-both-directions.sh"],
        breaks: Some(Property::LockOrder),
        driver_probe: false,
        requires: &[],
        rationale: "The design the cover letter rules out: instead of handing a peer that lives in another netns \
             to that netns's work, veth_dellink() takes that netns's per-netns lock (__rtnl_net_lock) \
             while holding its own and unregisters the peer there. One deletion nests ns1 -> ns2, another \
             ns2 -> ns1: an ABBA within &net->rtnl_mutex that lockdep reports (rtnl_net_lock_cmp_fn) even \
             though RTNL serialises both today.",
    },
    MutantInfo {
        mutant: Mutant::NetsUnsorted,
        name: "nets-unsorted",
        function: "rtnl_nets_add",
        undoes: None,
        scenarios: &["mutants/veth-add-peer-netns-both-orders.sh"],
        breaks: Some(Property::LockOrder),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_nets_add() appends instead of insertion-sorting, so rtnl_nets_lock() takes the \
             per-netns locks in the caller's order (socket netns, then link/peer netns): a newlink whose \
             peer netns sorts before the socket netns nests them against rtnl_net_lock_cmp_fn().",
    },
    MutantInfo {
        mutant: Mutant::NetsNoDedup,
        name: "nets-no-dedup",
        function: "rtnl_nets_add",
        undoes: None,
        scenarios: &["mutants/veth-same-netns.sh"],
        breaks: Some(Property::NoDeadlock),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_nets_add() drops the duplicate check (and its put_net()), so a newlink whose peer or \
             link netns is the socket's own takes the same &net->rtnl_mutex twice: a self-deadlock \
             (lockdep: possible recursive locking).",
    },
    MutantInfo {
        mutant: Mutant::FlushUnderRtnl,
        name: "flush-under-rtnl",
        function: "default_device_exit_batch",
        undoes: None,
        scenarios: &["mutants/netns-del-local-veth.sh"],
        breaks: Some(Property::NoFlushUnderRtnl),
        driver_probe: false,
        requires: &[],
        rationale: "default_device_exit_batch() calls rtnl_net_flush_workqueue() before rtnl_unlock(). Every \
             rtnl_net_wq item needs RTNL, so flushing with it held deadlocks as soon as an item is \
             queued.",
    },
    MutantInfo {
        mutant: Mutant::NoFlushBeforeFree,
        name: "no-flush-before-free",
        function: "default_device_exit_batch",
        undoes: None,
        scenarios: &["mutants/netns-del-pending-work.sh"],
        breaks: Some(Property::NetnsOutlivesWork),
        driver_probe: false,
        requires: &[],
        rationale: "default_device_exit_batch() does not call rtnl_net_flush_workqueue(), so cleanup_net() frees \
             a struct net whose rtnl_work is still pending or running (the work holds no net reference).",
    },
    MutantInfo {
        mutant: Mutant::WorkWithoutRtnl,
        name: "work-without-rtnl",
        function: "rtnl_net_work_func",
        undoes: None,
        scenarios: &["mutants/veth-cross-netns-del.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_net_work_func() takes net->rtnl_mutex without the global RTNL (__rtnl_net_lock without \
             rtnl_lock). The drain then unregisters devices without RTNL and nobody runs \
             netdev_run_todo().",
    },
    MutantInfo {
        mutant: Mutant::WorkSkipsRunTodo,
        name: "work-skips-run-todo",
        function: "rtnl_net_work_func",
        undoes: None,
        scenarios: &["mutants/veth-cross-netns-del.sh"],
        breaks: Some(Property::TodoEmptyAtRtnlUnlock),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_net_work_func() unlocks with __rtnl_net_unlock() and __rtnl_unlock() instead of \
             rtnl_net_unlock(): the drain puts devices on net_todo_list and nobody runs netdev_run_todo() \
             for them (WARN_ON(!list_empty(&net_todo_list)) in __rtnl_unlock).",
    },
    MutantInfo {
        mutant: Mutant::NoDrainOnUnlock,
        name: "no-drain-on-unlock",
        function: "__rtnl_net_unlock",
        undoes: None,
        scenarios: &["mutants/veth-cross-netns-del.sh"],
        breaks: Some(Property::QueuedDeviceUnregistered),
        driver_probe: false,
        requires: &[],
        rationale: "__rtnl_net_unlock() does not call unregister_netdevice_many_net(): devices handed to a \
             netns's queue stay there for ever, its work finds them and unlocks without unregistering \
             them.",
    },
    MutantInfo {
        mutant: Mutant::QueueNetNoWork,
        name: "queue-net-no-work",
        function: "unregister_netdevice_queue_net",
        undoes: None,
        scenarios: &["mutants/veth-cross-netns-del.sh"],
        breaks: Some(Property::QueuedDeviceUnregistered),
        driver_probe: false,
        requires: &[],
        rationale: "unregister_netdevice_queue_net() adds the device to the netns's dev_unreg_head but forgets \
             rtnl_net_queue_work(): unless some thread happens to lock and unlock that netns, the device \
             is never unregistered.",
    },
    MutantInfo {
        mutant: Mutant::MoveDropsPending,
        name: "move-drops-pending",
        function: "__dev_change_net_namespace",
        undoes: None,
        scenarios: &["mutants/veth-move-pending-peer.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: false,
        requires: &[],
        rationale: "__dev_change_net_namespace() does not call unregister_netdevice_move_net(): a device pending \
             on its old netns's queue stays there after the move, and the old netns's drain unregisters \
             it without the per-netns lock of the netns it now lives in.",
    },
    MutantInfo {
        mutant: Mutant::LeakNetdevRef,
        name: "leak-netdev-ref",
        function: "veth_dellink",
        undoes: None,
        scenarios: &["mutants/veth-same-netns.sh"],
        breaks: Some(Property::AllRefsReleased),
        driver_probe: false,
        requires: &[],
        rationale: "veth_dellink() forgets netdev_put(dev, &priv(peer)->peer_tracker): one netdev_hold without \
             its netdev_put, so netdev_run_todo() waits for ever (\"unregister_netdevice: waiting for \
             veth0 to become free. Usage count = 2\").",
    },
    MutantInfo {
        mutant: Mutant::DevNetToctou,
        name: "dev-net-toctou",
        function: "rtnl_net_dev_lock",
        undoes: Some(
            "\"net: Fix dev_net(dev) race in unregister_netdevice_notifier_dev_net()\" (Feb 2025, \
             rtnl_net_dev_lock())",
        ),
        scenarios: &["mutants/dev-net-toctou.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: true,
        requires: &[],
        rationale: "rtnl_net_dev_lock() without the re-check of dev_net(dev) after locking (the race of the Feb \
             2025 report): dev_net(dev) is read without RTNL, rtnl_net_lock(net) sleeps while `ip link \
             set DEV netns NS` moves the device, and the caller then edits the device's netns state (in \
             unregister_netdevice_notifier_dev_net(): the new netns's notifier chain) holding the old \
             netns's lock.",
    },
    MutantInfo {
        mutant: Mutant::IpvlanEventUpperNet,
        name: "ipvlan-event-upper-net",
        function: "ipvlan_device_event",
        undoes: None,
        scenarios: &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: false,
        requires: &[],
        rationale: "ipvlan's NETDEV_UNREGISTER handler passes dev_net(upper) instead of dev_net(lower) to \
             __ipvlan_link_delete(), so unregister_netdevice_queue_net() sees every upper as local: \
             uppers of other netns are unregistered on the lower's list without their own per-netns lock.",
    },
    MutantInfo {
        mutant: Mutant::IpvlanUninitNoLowerLock,
        name: "ipvlan-uninit-no-lower-lock",
        function: "ipvlan_uninit",
        undoes: None,
        scenarios: &["mutants/ipvlan-lower-del-upper-other-netns.sh", "mutants/ipvlan-del-upper-while-dying.sh"],
        breaks: None,
        driver_probe: false,
        requires: &[],
        rationale: "ipvlan_uninit() drops the port reference without netdev_lock(phy_dev) (series patch 12). The \
             lock orders the port count against ipvlan_init() and the lower's teardown once they run \
             under different per-netns locks; while RTNL is global they cannot overlap. Equivalent in \
             this model.",
    },
    MutantInfo {
        mutant: Mutant::BareudpNoLock,
        name: "bareudp-no-lock",
        function: "bareudp_dellink",
        undoes: None,
        scenarios: &["mutants/bareudp-del-after-socket-netns-exit.sh"],
        breaks: Some(Property::ListUnderItsLock),
        driver_probe: false,
        requires: &[],
        rationale: "bareudp walks and edits bn->bareudp_list without bn->lock (series patch 9). The lock matters \
             when the socket netns's exit and a dellink in another netns run under different per-netns \
             locks; while RTNL is global they cannot overlap, so no execution goes wrong in series mode. \
             It is caught the way lockdep_assert_held() would catch it.",
    },
    MutantInfo {
        mutant: Mutant::ExitBatchNoSplit,
        name: "exit-batch-no-split",
        function: "default_device_exit_batch",
        undoes: None,
        scenarios: &["mutants/netns-del-local-veth.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: false,
        requires: &[],
        rationale: "default_device_exit_batch() drops the per-netns split of series patch 7 \
             (unregister_netdevice_queue_many_net(net, &dev_kill_list) before __rtnl_net_unlock(net)): \
             every device of the dying nets goes to the final unregister_netdevice_many(), which runs \
             holding RTNL only, so converted devices (veth) are unregistered without their own net's \
             rtnl_mutex.",
    },
    MutantInfo {
        mutant: Mutant::OpsExitRtnlNoSplit,
        name: "ops-exit-rtnl-no-split",
        function: "ops_exit_rtnl_list",
        undoes: None,
        scenarios: &["vxlan-both-netns-destroyed.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: false,
        requires: &[],
        rationale: "ops_exit_rtnl_list() drops the per-netns split of series patch 7: the devices the pernet \
             exit_rtnl hooks queued that live in a net of the dying batch (a tunnel in its socket's net, \
             or moved to a net that dies with it) go to the final unregister_netdevice_many(), which runs \
             holding RTNL only, so they are unregistered without their own net's rtnl_mutex. The C leaves \
             only other nets' devices on that list on purpose (the continue in \
             unregister_netdevice_queue_many_net()), so S5 exempts none of these.",
    },
    MutantInfo {
        mutant: Mutant::IpvlanUninitPutBeforeUnlock,
        name: "ipvlan-uninit-put-before-unlock",
        function: "ipvlan_uninit",
        undoes: None,
        scenarios: &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
        breaks: Some(Property::NoUseAfterFree),
        driver_probe: false,
        requires: &[],
        rationale: "ipvlan_uninit() swaps its last two steps: netdev_put(phy_dev, tmp) before \
             netdev_unlock(phy_dev) (series patch 12 takes the tmp hold exactly so that the unlock cannot \
             run on a freed lower). The lower's netdev_run_todo() on another thread sees the count at 1 \
             and frees the lower while the upper's work still holds phy_dev->lock: mutex_unlock() on \
             freed memory (KASAN use-after-free, lockdep: held lock freed!).",
    },
    MutantInfo {
        mutant: Mutant::UnregHeadWrongLock,
        name: "unreg-head-wrong-lock",
        function: "unregister_netdevice_queue_net",
        undoes: None,
        scenarios: &["mutants/veth-cross-netns-del.sh"],
        breaks: Some(Property::ListUnderItsLock),
        driver_probe: false,
        requires: &[],
        rationale: "unregister_netdevice_queue_net() takes spin_lock(&net->dev_unreg_lock) of the caller's \
             net instead of dev_net(dev)'s, and adds the device to dev_net(dev)->dev_unreg_head under it \
             (series patch 6). That net's own work splices the list under its own lock, so the two edits \
             race once they run under different per-netns locks; while RTNL is global they cannot \
             overlap, so it is caught the way lockdep_assert_held() would catch it.",
    },
    MutantInfo {
        mutant: Mutant::NetsSortByAddress,
        name: "nets-sort-by-address",
        function: "rtnl_nets_add",
        undoes: None,
        scenarios: &["veth-init-netns-peer-destroyed.sh"],
        breaks: Some(Property::LockOrder),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_nets_add() sorts the nets by address alone, dropping rtnl_net_cmp_locks()'s \
             \"always init_net first\". init_net is static, above every slab-allocated net, so a newlink \
             with a veth peer in init_net locks ns1->rtnl_mutex before init_net's, while \
             default_device_exit_batch() (series patch 4) holds init_net's and then takes the dying \
             net's: an ABBA between two nets' rtnl_mutex that lockdep's rtnl_net_lock_cmp_fn() reports.",
    },
    MutantInfo {
        mutant: Mutant::RebroadcastWithoutNetLock,
        name: "rebroadcast-without-net-lock",
        function: "netdev_wait_allrefs_any",
        undoes: Some("0fa296dd520e (series patch 5, \"net: Hold __rtnl_net_lock() in netdev_wait_allrefs_any()\")"),
        scenarios: &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
        breaks: Some(Property::NetdevUnregisterUnderNetLock),
        driver_probe: false,
        requires: &[],
        rationale: "netdev_wait_allrefs_any() re-broadcasts NETDEV_UNREGISTER under rtnl_lock() alone, as \
             before patch 5: the notifiers of a waiting device run without the per-netns lock of its \
             net, which the series takes around every NETDEV_UNREGISTER in core so that handlers can \
             rely on it once RTNL is gone. The kernel's debug notifier asserts only ASSERT_RTNL(), so \
             nothing in the kernel reports it; S15 states the series' intent.",
    },
    MutantInfo {
        mutant: Mutant::ExitBatchNestsDyingNets,
        name: "exit-batch-nests-dying-nets",
        function: "default_device_exit_batch",
        undoes: None,
        scenarios: &["mutants/two-netns-del-one-batch.sh"],
        breaks: Some(Property::LockOrder),
        driver_probe: false,
        requires: &[],
        rationale: "default_device_exit_batch() keeps each dying net's __rtnl_net_lock() until after its second \
             loop (a naive \"freeze every dying net\" conversion) instead of unlocking each net before the \
             next. cleanup_net() hands the nets newest first (llist_del_all() of a LIFO llist), so two \
             nets of one batch nest against rtnl_net_lock_cmp_fn()'s order: lockdep's circular \
             dependency with any rtnl_nets_lock() of the same two nets.",
    },
    MutantInfo {
        mutant: Mutant::VxcanNoXchg,
        name: "vxcan-no-xchg",
        function: "vxcan_dellink",
        undoes: Some("703b31d21e52 (\"vxcan: Support per-netns device unregistration.\", follow-up)"),
        scenarios: &["mutants/vxcan-del-both-ends.sh"],
        breaks: Some(Property::ExactlyOnceUnregistration),
        driver_probe: false,
        requires: &[Variant::FollowupVxcan],
        rationale: "vxcan_dellink() converted as 703b31d21e52 does, but reading priv->peer with \
             rtnl_dereference() instead of taking it with xchg(): the pointers are no token, so once one \
             delete handed the other end to its netns's queue, the second delete (or that netns's exit) \
             still finds its peer and queues the already queued device a second time.",
    },
    MutantInfo {
        mutant: Mutant::VxcanPeerPlainQueue,
        name: "vxcan-peer-plain-queue",
        function: "vxcan_dellink",
        undoes: Some("703b31d21e52 (\"vxcan: Support per-netns device unregistration.\", follow-up)"),
        scenarios: &["mutants/vxcan-cross-netns-del.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: false,
        requires: &[Variant::FollowupVxcan],
        rationale: "vxcan_dellink() takes the xchg() tokens of 703b31d21e52 but queues the peer with \
             unregister_netdevice_queue(peer, head), as before the conversion: the deleting thread \
             unregisters a device of another net without that net's per-netns lock. The driver now \
             claims to be converted, so S5 exempts nothing: the regression the conversion exists to \
             prevent once RTNL is gone.",
    },
    MutantInfo {
        mutant: Mutant::VxcanLeakPeerRef,
        name: "vxcan-leak-peer-ref",
        function: "vxcan_dellink",
        undoes: Some("703b31d21e52 (\"vxcan: Support per-netns device unregistration.\", follow-up)"),
        scenarios: &["mutants/vxcan-same-netns.sh"],
        breaks: Some(Property::AllRefsReleased),
        driver_probe: false,
        requires: &[Variant::FollowupVxcan],
        rationale: "vxcan_dellink() forgets netdev_put(dev, &priv->peer_tracker): the reference the peer \
             held on the device (taken in vxcan_newlink() by 703b31d21e52) is never dropped, so \
             netdev_wait_allrefs_any() waits for it forever (\"unregister_netdevice: waiting for vxcan0 \
             to become free. Usage count = 2\").",
    },
    MutantInfo {
        mutant: Mutant::GeneveNoEmptyCheck,
        name: "geneve-no-empty-check",
        function: "geneve_dellink",
        undoes: Some("ccb161b71a1f \"geneve: Support per-netns netdev unregistration\" [reconstructed]"),
        scenarios: &["mutants/geneve-del-after-socket-netns-exit.sh"],
        breaks: Some(Property::ExactlyOnceUnregistration),
        driver_probe: false,
        requires: &[Variant::FollowupGeneve],
        rationale: "geneve_dellink() drops the list_empty(&geneve->next) check of the follow-up conversion \
             (followup-geneve), the token that says the socket netns's geneve_exit_rtnl_net() already \
             handed the device to its own netns's queue. A user deleting the device before that netns's \
             work runs queues it a second time (DEBUG_NET_WARN_ON_ONCE in unregister_netdevice_queue, \
             then a double unregistration).",
    },
    MutantInfo {
        mutant: Mutant::GeneveNoLock,
        name: "geneve-no-lock",
        function: "geneve_dellink",
        undoes: Some(
            "7df47efd6db1 \"geneve: Protect geneve_net and geneve_sock with per-netns mutex\" [reconstructed]",
        ),
        scenarios: &["mutants/geneve-del-after-socket-netns-exit.sh"],
        breaks: Some(Property::ListUnderItsLock),
        driver_probe: false,
        requires: &[Variant::FollowupGeneve],
        rationale: "geneve walks and edits gn->geneve_list without gn->lock (followup-geneve). The lock matters \
             when the socket netns's exit and a dellink in another netns run under different per-netns \
             locks; while RTNL is global they cannot overlap, so no execution goes wrong in series mode. \
             It is caught the way lockdep_assert_held() would catch it.",
    },
    MutantInfo {
        mutant: Mutant::UnloadNoWaitUnregistering,
        name: "unload-no-wait-unregistering",
        function: "rtnl_link_unregister",
        undoes: None,
        scenarios: &["mutants/module-unload-vs-same-netns-del.sh"],
        breaks: Some(Property::NoDriverOpAfterUnload),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_link_unregister() takes rtnl_lock() where rtnl_lock_unregistering_all() waits for \
             dev_unreg_count to reach 0. A deletion that released RTNL in its netdev_run_todo() still \
             has its veth devices to free: the unload finds no device of its kind left to kill, returns, \
             and the module is freed while the deleter calls veth_dev_free() (dev->priv_destructor), a \
             page fault in freed module text.",
    },
    MutantInfo {
        mutant: Mutant::IpvlanLinkDeleteNoUnlink,
        name: "ipvlan-link-delete-no-unlink",
        function: "__ipvlan_link_delete",
        undoes: None,
        scenarios: &["mutants/ipvlan-del-upper-only.sh"],
        breaks: Some(Property::LowerOutlivesUppers),
        driver_probe: false,
        requires: &[],
        rationale: "__ipvlan_link_delete() forgets netdev_upper_dev_unlink(phy_dev, dev): the upper is \
             unregistered still on its lower's adjacency lists, which unregister_netdevice_many_notify() \
             WARNs about after ndo_uninit (WARN_ON(netdev_has_any_lower_dev(dev))); the lower's entry \
             keeps a reference on the upper, whose netdev_run_todo() then waits for ever.",
    },
    MutantInfo {
        mutant: Mutant::IpvlanQueueBeforeUnlink,
        name: "ipvlan-queue-before-unlink",
        function: "__ipvlan_link_delete",
        undoes: None,
        scenarios: &["mutants/ipvlan-lower-del-upper-other-netns.sh"],
        breaks: None,
        driver_probe: false,
        requires: &[Variant::ConvertAdjListInstanceLock],
        rationale: "__ipvlan_link_delete() in the series' order under the adjacency-list conversion: \
             unregister_netdevice_queue_net() hands the upper to its net, then netdev_upper_dev_unlink(). \
             While RTNL is global that net's work cannot run in between, so the order is safe and the \
             mutant equivalent; without RTNL (rtnl-free mode, R7) the work can unregister the upper while \
             it is still linked (WARN_ON(netdev_has_any_lower_dev())).",
    },
    MutantInfo {
        mutant: Mutant::NewlinkNoTargetNet,
        name: "newlink-no-target-net",
        function: "rtnl_newlink",
        undoes: None,
        scenarios: &["mutants/veth-add-in-other-netns.sh"],
        breaks: Some(Property::ListUnderItsLock),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_newlink() locks the socket's, link and peer nets but forgets tgt_net (`ip link add NAME \
             netns NS`), so the device is registered in NS, and put on NS's device lists, without \
             NS->rtnl_mutex. While RTNL is global nothing else edits them meanwhile; it is caught the way \
             lockdep_assert_held() would catch it, and without RTNL two creations in NS could both pass \
             the name check.",
    },
    MutantInfo {
        mutant: Mutant::IpvtapNoDying,
        name: "ipvtap-no-dying",
        function: "ipvtap_dellink",
        undoes: None,
        scenarios: &["mutants/ipvtap-del-upper-while-dying.sh"],
        breaks: Some(Property::ExactlyOnceUnregistration),
        driver_probe: false,
        requires: &[],
        rationale: "ipvtap_dellink() ignores ipvlan->dying, as ipvlan-no-dying does for ipvlan: an ipvtap in \
             another net that its lower's NETDEV_UNREGISTER already handed to that net's queue (through \
             __ipvtap_dellink_ptr) is deleted again by `ip link del`, and queued twice.",
    },
    MutantInfo {
        mutant: Mutant::DevLockPassiveDecEarly,
        name: "dev-lock-passive-dec-early",
        function: "rtnl_net_dev_lock",
        undoes: None,
        scenarios: &["mutants/dev-lock-passive-dec-early.sh"],
        breaks: Some(Property::NothingLeftBehind),
        driver_probe: true,
        requires: &[],
        rationale: "rtnl_net_dev_unlock() calls net_passive_dec(net) before rtnl_net_unlock(net) instead of after \
             it. In unregister_netdev() the unlock's netdev_run_todo() still waits for and frees the device \
             just unregistered, with RTNL released: a concurrent `ip netns del` dismantles the net and its \
             cleanup_net() drops the last passive reference, so struct net is freed while the device, whose \
             nd_net still points to it, is in the driver's netdev_run_todo() (a re-broadcast would lock \
             the freed net's rtnl_mutex).",
    },
    MutantInfo {
        mutant: Mutant::GeneveExitPlainQueue,
        name: "geneve-exit-plain-queue",
        function: "geneve_exit_rtnl_net",
        undoes: Some(
            "ccb161b71a1f \"geneve: Support per-netns device unregistration\" (its exit path) [reconstructed]",
        ),
        scenarios: &["geneve-moved-socket-netns-destroyed.sh"],
        breaks: Some(Property::PerNetnsLock),
        driver_probe: false,
        requires: &[Variant::FollowupGeneve],
        rationale: "The converted geneve's pernet exit of its socket net keeps the old plain \
             unregister_netdevice_queue(dev, dev_to_kill) for a device that moved to another net: \
             ops_exit_rtnl_list()'s per-netns split leaves it on the list, and the final \
             unregister_netdevice_many() unregisters it holding RTNL only, without its own net's \
             rtnl_mutex, which the conversion exists to take.",
    },
    MutantInfo {
        mutant: Mutant::UnloadNoPernetRwsem,
        name: "unload-no-pernet-rwsem",
        function: "rtnl_link_unregister",
        undoes: None,
        scenarios: &["mutants/module-unload-vs-netns-del.sh"],
        breaks: Some(Property::NoDriverOpAfterUnload),
        driver_probe: false,
        requires: &[],
        rationale: "rtnl_link_unregister() does not take pernet_ops_rwsem for write (\"Close the race with \
             setup_net() and cleanup_net()\"): a netns being dismantled is already off net_namespace_list, \
             so the unload's for_each_net() does not kill its devices of the kind, and its cleanup_net() \
             calls into the driver (the pernet exit, dellink) after the module is freed.",
    },
    MutantInfo {
        mutant: Mutant::UnloadNotifierBeforeLinks,
        name: "unload-notifier-before-links",
        function: "ipvlan_cleanup_module",
        undoes: None,
        scenarios: &["module-unload-ipvlan-lower-del-race.sh"],
        breaks: Some(Property::LowerOutlivesUppers),
        driver_probe: false,
        requires: &[],
        rationale: "ipvlan's module_exit unregisters ipvlan_notifier_block before rtnl_link_unregister(): while \
             the uppers still exist, a lower deleted meanwhile no longer tells ipvlan to delete them, so \
             the lower is unregistered with uppers still linked to it.",
    },
    MutantInfo {
        mutant: Mutant::IpTunnelNoToken,
        name: "ip-tunnel-no-token",
        function: "ip_tunnel_dellink",
        undoes: Some("8f3c72420257 \"ip_tunnel: Support per-netns device unregistration\" [reconstructed]"),
        scenarios: &["mutants/ipip-moved-del-vs-link-netns-exit.sh"],
        breaks: Some(Property::ExactlyOnceUnregistration),
        driver_probe: false,
        requires: &[Variant::FollowupIpTunnel],
        rationale: "ip_tunnel_dellink() deletes a tunnel that is no longer hashed: the exit of its link net \
             already took it off itn->tunnels[] and handed it to its own net's queue, and `ip link del` \
             queues it a second time.",
    },
    MutantInfo {
        mutant: Mutant::IpTunnelNoMutex,
        name: "ip-tunnel-no-mutex",
        function: "ip_tunnel_dellink",
        undoes: Some("6724a7baf149 \"ip_tunnel: Protect ip_tunnel_net.tunnels[] with mutex\" [reconstructed]"),
        scenarios: &["mutants/ipip-moved-del-vs-link-netns-exit.sh"],
        breaks: Some(Property::ListUnderItsLock),
        driver_probe: false,
        requires: &[Variant::FollowupIpTunnel],
        rationale: "ip_tunnel walks and edits itn->tunnels[] without itn->lock. The lock matters when the link \
             net's exit and a dellink in the device's net run under different per-netns locks; while RTNL \
             is global they cannot overlap. It is caught the way lockdep_assert_held() would catch it.",
    },
    MutantInfo {
        mutant: Mutant::FlushNotWoken,
        name: "flush-not-woken",
        function: "worker_thread",
        undoes: None,
        scenarios: &["mutants/netns-del-pending-work.sh"],
        breaks: Some(Property::NoDeadlock),
        driver_probe: false,
        requires: &[],
        rationale: "The end of a work item does not complete the flushers waiting for its colour \
             (pwq_dec_nr_in_flight() forgets the flusher's done): a flush that found the item queued or \
             running sleeps for ever, here cleanup_net()'s flush of rtnl_net_wq. A lost wake-up: DPOR, \
             which takes the flush's wait as one step, catches it only through lock_when's rule that a \
             waiter which could have checked earlier needs a notify since.",
    },
];

impl Mutant {
    /// Every mutant, in catalogue order.
    pub const ALL: [Mutant; CATALOGUE.len()] = {
        let mut all = [Mutant::IpvlanPortNoHold; CATALOGUE.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = CATALOGUE[i].mutant;
            i += 1;
        }
        all
    };

    /// The mutant's catalogue row.
    pub fn info(self) -> &'static MutantInfo {
        &CATALOGUE[self as usize]
    }

    /// The kebab-case name `--mutant` takes.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(s: &str) -> Option<Mutant> {
        Mutant::ALL.into_iter().find(|m| m.name() == s)
    }

    /// The model function the mutation lives in (its kernel name).
    pub fn function(self) -> &'static str {
        self.info().function
    }

    /// The upstream commit the mutation undoes, where there is one.
    pub fn undoes(self) -> Option<&'static str> {
        self.info().undoes
    }

    /// Why this is a plausible kernel bug, and what it does in the kernel.
    pub fn rationale(self) -> &'static str {
        self.info().rationale
    }

    /// The scenarios that expose the mutant, relative to `checks/scenarios/`. No ip(8) command
    /// reaches `rtnl_net_dev_lock()` ([`Mutant::DevNetToctou`], [`Mutant::DevLockPassiveDecEarly`]):
    /// their scenarios are raced against a driver thread by the probe in `rtnl_checks::mutants`
    /// ([`Mutant::needs_driver_probe`]).
    pub fn scenarios(self) -> &'static [&'static str] {
        self.info().scenarios
    }

    /// The property the mutant is expected to break; `None` for a mutant that is equivalent
    /// while RTNL is global.
    pub fn breaks(self) -> Option<Property> {
        self.info().breaks
    }

    /// Whether the mutant is exposed only with a driver thread beside the scenario (see
    /// [`Mutant::scenarios`]).
    pub fn needs_driver_probe(self) -> bool {
        self.info().driver_probe
    }

    /// The variants the mutated code exists in ([`MutantInfo::requires`]).
    pub fn requires(self) -> &'static [Variant] {
        self.info().requires
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
