//! Device unregistration: net/core/dev.c, minuscat/net-next @af3634d4 (patches 5 and 6);
//! `unregister_netdevice_queue_many_net()` and `default_device_exit_batch()` from
//! multipath-tcp/mptcp_net-next @05fe7484 (patch 7). Pre-series: MN@5326fefb.

use crate::kernel::{DevId, Kernel, NetId, INIT_NET};
use crate::lockdep::mutex_unlock;
use crate::mutants::Mutant;
use crate::net_namespace::{net_passive_dec, net_passive_inc};
use crate::netdevice::{netdev_hold, DevState, DevSync, NetdevEvent, HOLD_TRACKER_PREFIX};
use crate::netdevice::{netdev_lock, netdev_put, netdev_refcnt_read, netdev_unlock, set_reg_state, RegState};
use crate::properties::Property;
use crate::rtnetlink::{
    rtnl_lock, rtnl_net_flush_workqueue, rtnl_net_lock, rtnl_net_lock_raw, rtnl_net_queue_work, rtnl_net_unlock,
    rtnl_net_unlock_raw, rtnl_unlock, rtnl_unlock_raw, Errno, Rtnl,
};
use crate::sync::atomic::Ordering::SeqCst;
use std::collections::BTreeSet;
use std::fmt;

/// A kill list on a caller's stack (`LIST_HEAD(list_kill)`): the devices it will pass to
/// `unregister_netdevice_many()`. Its id lets the model see a device put on two lists (S4).
pub struct KillList {
    pub id: u64,
    pub devs: Vec<DevId>,
}

impl fmt::Debug for KillList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KillList#{}{:?}", self.id, self.devs)
    }
}

impl KillList {
    /// `LIST_HEAD(list)`.
    pub fn new(k: &Kernel) -> Self {
        let id = k.with(|s| {
            s.next_list_id += 1;
            s.next_list_id
        });
        KillList { id, devs: Vec::new() }
    }

    fn remove(&mut self, k: &Kernel, dev: DevId) {
        k.access_dev(dev, "unreg_list");
        self.devs.retain(|&d| d != dev);
        let id = self.id;
        k.with(|s| {
            if s.devs[dev].unreg_list == Some(id) {
                s.devs[dev].unreg_list = None;
            }
        });
    }
}

/// Models `unregister_netdevice_queue()`: net/core/dev.c, MN@af3634d4.
///
/// # Kernel steps
/// 1. `ASSERT_RTNL()`; [series] `DEBUG_NET_WARN_ON_ONCE(!list_empty(&dev->unreg_list_net))`.
/// 2. `list_move_tail(&dev->unreg_list, head)`. (`head == NULL` is not used by the modelled
///    callers.)
///
/// The model also reports a device already on *another* kill list: `list_move_tail()` would
/// silently steal it from that list, which is an exactly-once violation (S4).
pub fn unregister_netdevice_queue(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("unregister_netdevice_queue", dev);
    k.assert_rtnl("unregister_netdevice_queue");
    let (name, on_net, on_list) = k.dev(dev, |d| (d.name.clone(), d.unreg_list_net, d.unreg_list));
    if k.mode().small_rtnl() && on_net.is_some() {
        k.warn(
            Property::ExactlyOnceUnregistration,
            format!("unregister_netdevice_queue: DEBUG_NET_WARN_ON_ONCE(!list_empty(&dev->unreg_list_net)): {name} is already queued on its net"),
        );
    }
    match on_list {
        Some(l) if l == head.id => return,
        Some(_) => k.warn(
            Property::ExactlyOnceUnregistration,
            format!("unregister_netdevice_queue: {name} moved off another caller's kill list"),
        ),
        None => {}
    }
    let id = head.id;
    let by = k.obs(|s| {
        let stack = s.threads.get(&crate::sync::thread::current_id()).map(|t| t.stack.clone()).unwrap_or_default();
        stack
            .iter()
            .rev()
            .find(|f| !matches!(**f, "unregister_netdevice_queue" | "unregister_netdevice_queue_net"))
            .copied()
    });
    k.access_dev(dev, "unreg_list");
    k.dev_mut(dev, |d| {
        d.unreg_list = Some(id);
        d.queued_by = by;
        d.left_on_list = None;
    });
    head.devs.push(dev);
}

/// `net->dev_unreg_head` (patch 6), read or edited; `net->dev_unreg_lock` protects it (S16).
fn dev_unreg_head<R>(k: &Kernel, net: NetId, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
    let lock = k.net_sync(net);
    let what = format!("{}->dev_unreg_head", k.net_name(net));
    k.access(&what);
    k.assert_list_lock(|| what, Some(lock.dev_unreg_lock.id()));
    k.net(net, |n| f(&mut n.dev_unreg_head))
}

/// Edits `net->dev_unreg_head` and keeps its lockless mirror (hazard A3) in step. A list
/// operation writes `head->next`, the one word `list_empty()` reads, only when it changes the
/// first entry; the mirror holds emptiness alone, so it is stored when emptiness changes and at
/// no other time. A store of the same value would only add orders in which the lockless
/// reader reads the same thing.
fn edit_dev_unreg_head<R>(k: &Kernel, net: NetId, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
    let (was_empty, out, is_empty) = dev_unreg_head(k, net, |l| {
        let was_empty = l.is_empty();
        let out = f(l);
        (was_empty, out, l.is_empty())
    });
    if was_empty != is_empty {
        k.net_sync(net).dev_unreg_nonempty.store(!is_empty, SeqCst);
    }
    out
}

/// Models `unregister_netdevice_queue_net()`: net/core/dev.c, MN@af3634d4 (patch 6). Without
/// CONFIG_DEBUG_NET_SMALL_RTNL it is `unregister_netdevice_queue()`.
///
/// # Kernel steps
/// 1. `netdev_lock(dev)`: pins `dev_net(dev)` against a concurrent move.
/// 2. Same net as the caller's: unlock, `unregister_netdevice_queue(dev, head)`.
/// 3. Otherwise, under `dev_net(dev)->dev_unreg_lock`: WARN if on a list already;
///    `list_add_tail(&dev->unreg_list_net, &net->dev_unreg_head)`; `rtnl_net_queue_work(net)`.
/// 4. Unlock both. No reference is taken on `dev` or on its net (hazard A4).
pub fn unregister_netdevice_queue_net(k: &Kernel, net: NetId, dev: DevId, head: &mut KillList) {
    if !k.mode().small_rtnl() {
        return unregister_netdevice_queue(k, dev, head);
    }
    let _f = k.enter_dev("unregister_netdevice_queue_net", dev);
    let dsync = k.dev_sync(dev);
    let g = netdev_lock(k, &dsync);
    let dnet = k.dev_net(dev);
    if dnet == net {
        netdev_unlock(g);
        return unregister_netdevice_queue(k, dev, head);
    }
    let nsync = k.net_sync(dnet);
    // mutant unreg-head-wrong-lock: the caller's net's dev_unreg_lock, not dev_net(dev)'s.
    let lsync = if k.mutated(Mutant::UnregHeadWrongLock) { k.net_sync(net) } else { nsync.clone() };
    let sl = lsync.dev_unreg_lock.lock();
    let (name, on_list, on_net) = k.dev(dev, |d| (d.name.clone(), d.unreg_list, d.unreg_list_net));
    if on_list.is_some() || on_net.is_some() {
        k.warn(
            Property::ExactlyOnceUnregistration,
            format!("unregister_netdevice_queue_net: DEBUG_NET_WARN_ON_ONCE: {name} is already on an unregister list"),
        );
    }
    edit_dev_unreg_head(k, dnet, |l| l.push(dev));
    k.dev_mut(dev, |d| d.unreg_list_net = Some(dnet));
    // mutant queue-net-no-work: the device is queued, the netns's work is not.
    if !k.mutated(Mutant::QueueNetNoWork) {
        rtnl_net_queue_work(k, dnet);
    }
    mutex_unlock(sl);
    netdev_unlock(g);
}

/// Models `unregister_netdevice_many_net()`: net/core/dev.c, MN@af3634d4 (patch 6), called by
/// `__rtnl_net_unlock(net)`.
///
/// # Kernel steps
/// 1. Under `dev_unreg_lock`: `list_splice_init(&net->dev_unreg_head, &unreg_head_net)`.
/// 2. Move each entry from `unreg_list_net` to a local `unreg_list` head.
/// 3. `unregister_netdevice_many(&unreg_head)`. Devices queued on this net meanwhile stay on
///    `dev_unreg_head`; their `queue_work` brings the worker back for them.
pub fn unregister_netdevice_many_net(k: &Kernel, net: NetId) {
    let _f = k.enter_net("unregister_netdevice_many_net", net);
    let nsync = k.net_sync(net);
    let sl = nsync.dev_unreg_lock.lock();
    let local = edit_dev_unreg_head(k, net, std::mem::take);
    mutex_unlock(sl);
    if local.is_empty() {
        return;
    }
    let mut unreg_head = KillList::new(k);
    let id = unreg_head.id;
    for dev in local {
        k.access_dev(dev, "unreg_list");
        k.dev_mut(dev, |d| {
            d.unreg_list_net = None;
            d.unreg_list = Some(id);
        });
        unreg_head.devs.push(dev);
    }
    unregister_netdevice_many(k, &mut unreg_head);
}

/// Models `unregister_netdevice_queue_many_net()`: net/core/dev.c, MP@05fe7484 (patch 7,
/// [recon]): moves every device of `net` from `head` to `net->dev_unreg_head`, so that the
/// caller's `__rtnl_net_unlock(net)` unregisters them under their own per-netns lock.
pub fn unregister_netdevice_queue_many_net(k: &Kernel, net: NetId, head: &mut KillList) {
    let _f = k.enter_net("unregister_netdevice_queue_many_net", net);
    let nsync = k.net_sync(net);
    let sl = nsync.dev_unreg_lock.lock();
    let mine: Vec<DevId> = head.devs.iter().copied().filter(|&d| k.dev_net(d) == net).collect();
    // `if (!net_eq(dev_net(dev), net)) continue;`: another net's device stays on the list.
    for &dev in head.devs.iter().filter(|d| !mine.contains(d)) {
        k.dev_mut(dev, |d| d.left_on_list = Some(net));
    }
    for &dev in &mine {
        head.remove(k, dev);
        k.dev_mut(dev, |d| d.unreg_list_net = Some(net));
        edit_dev_unreg_head(k, net, |l| l.push(dev));
    }
    mutex_unlock(sl);
}

/// Models `unregister_netdevice_move_net()`: net/core/dev.c, MN@af3634d4 (patch 6).
///
/// # Kernel steps
/// 1. Both `dev_unreg_lock`s, the lower address first (`spin_lock_nested` for the second).
/// 2. If the device is pending, move its entry to the new net's `dev_unreg_head`.
/// 3. No `queue_work()` on the new net (hazard A2): the caller's unlock of the new net drains.
pub fn unregister_netdevice_move_net(k: &Kernel, net_old: NetId, net: NetId, dev: DevId) {
    let _f = k.enter_dev("unregister_netdevice_move_net", dev);
    let (so, sn) = (k.net_sync(net_old), k.net_sync(net));
    let (first, second) = if k.net_addr(net_old) > k.net_addr(net) { (&sn, &so) } else { (&so, &sn) };
    let g1 = first.dev_unreg_lock.lock();
    let g2 = second.dev_unreg_lock.lock();
    // list_move_tail() unlinks the entry from whichever list holds it: net_old's, or already
    // net's when a hand-over used the new dev_net(dev) during the move.
    if let Some(on) = k.dev(dev, |d| d.unreg_list_net) {
        edit_dev_unreg_head(k, on, |l| l.retain(|&d| d != dev));
        edit_dev_unreg_head(k, net, |l| l.push(dev));
        k.dev_mut(dev, |d| d.unreg_list_net = Some(net));
    }
    mutex_unlock(g1);
    mutex_unlock(g2);
}

/// Models `unregister_netdevice_many()`: net/core/dev.c, MN@af3634d4:
/// `unregister_netdevice_many_notify(head, 0, NULL)`.
pub fn unregister_netdevice_many(k: &Kernel, head: &mut KillList) {
    let _f = k.enter("unregister_netdevice_many");
    unregister_netdevice_many_notify(k, head);
}

/// Models `unregister_netdevice_many_notify()`: net/core/dev.c, MN@af3634d4.
///
/// # Kernel steps
/// 1. Check: WARN and skip an UNINITIALIZED device; `BUG_ON(reg_state != NETREG_REGISTERED)`.
///    [model] S5: `rtnl_net_is_locked(dev_net(dev))`, unless the device's driver declares this
///    path unconverted ([`crate::rtnetlink::RtnlLinkOps::s5_unconverted`]: who queued it, who
///    unregisters it, and whether the per-netns split left it on the list on purpose).
/// 2. Close; `unlist_netdevice()`; `reg_state = NETREG_UNREGISTERING` under `netdev_lock`;
///    `synchronize_net()`.
/// 3. Per device: NETDEV_UNREGISTER notifiers (no instance lock), NETDEV_PRE_UNINIT,
///    `ndo_uninit`, `WARN_ON(netdev_has_any_upper_dev(dev))`, `WARN_ON(netdev_has_any_lower_dev(dev))`.
/// 4. `synchronize_net()`.
/// 5. Per device: [series] `list_del(&dev->unreg_list_net)` under `dev_unreg_lock`;
///    `netdev_put(dev, &dev->dev_registered_tracker)`; `net_set_todo(dev)`.
/// 6. `dev_unreg_count += n`.
///
/// # Abstracted
/// Qdisc, XDP, uc/mc lists, kobjects, netlink notifications: no lock or refcount effect here.
pub fn unregister_netdevice_many_notify(k: &Kernel, head: &mut KillList) {
    let _f = k.enter("unregister_netdevice_many_notify");
    k.assert_rtnl("unregister_netdevice_many_notify");
    if head.devs.is_empty() {
        return;
    }
    let caller = k.obs(|s| {
        let stack = &s.threads.get(&crate::sync::thread::current_id()).map(|t| t.stack.clone()).unwrap_or_default();
        stack
            .iter()
            .rev()
            .find(|f| !matches!(**f, "unregister_netdevice_many_notify" | "unregister_netdevice_many"))
            .copied()
            .unwrap_or("?")
    });
    // Exempt by facts: the device's driver is unconverted on this path, it was queued by the
    // driver function the C names, and (for the per-netns split) the split left it on the list.
    // Without the global RTNL in rtnl_net_lock(), RTNL alone no longer excludes the device's
    // own netns: an unconverted path is then as wrong as any other.
    let exemption = |dev: DevId| -> Option<&'static str> {
        if !k.mode().net_lock_takes_rtnl() {
            return None;
        }
        if let Some((_, c_line)) = UNCONVERTED_CORE_CALLERS.iter().find(|(c, _)| *c == caller) {
            return Some(c_line);
        }
        let (ops, by, left) = k.dev(dev, |d| (d.rtnl_link_ops, d.queued_by, d.left_on_list));
        ops.s5_unconverted(k)
            .iter()
            .find(|e| Some(e.queued_by) == by && e.caller == caller && (!e.needs_skip || left.is_some()))
            .map(|e| e.c_line)
    };
    for dev in head.devs.clone() {
        let (name, state, net) = k.dev(dev, |d| (d.name.clone(), d.reg_state, d.nd_net));
        if state == RegState::Uninitialized {
            k.warn(Property::RegStateMachine, format!("unregister_netdevice_many_notify: {name} is UNINITIALIZED"));
            head.remove(k, dev);
            continue;
        }
        if state != RegState::Registered {
            k.bug(
                Property::ExactlyOnceUnregistration,
                format!("unregister_netdevice_many_notify: BUG_ON(dev->reg_state != NETREG_REGISTERED): {name} is {state:?}, unregistered twice"),
            );
        }
        if k.mode().small_rtnl() && !k.rtnl_net_is_locked(net) {
            let netname = k.net_name(net);
            if let Some(c_line) = exemption(dev) {
                k.dev_mut(dev, |d| d.unreg_exempt = Some(c_line));
                k.note(
                    Some(dev),
                    format!("unconverted path: {caller} unregisters {name} without {netname}->rtnl_mutex ({c_line})"),
                );
            } else {
                k.warn(
                    Property::PerNetnsLock,
                    format!("ASSERT_RTNL_NET({netname}) failed: {name} unregistered by {caller} without {netname}->rtnl_mutex"),
                );
            }
        }
    }
    for &dev in &head.devs {
        unlist_netdevice(k, dev);
        set_reg_state(k, dev, RegState::Unregistering);
    }
    k.synchronize_net();
    for &dev in &head.devs {
        call_netdevice_notifiers(k, NetdevEvent::Unregister, dev);
        rtmsg_ifinfo_build_skb_dellink(k, dev);
        crate::module::dev_link_ops(k, dev, "ndo_uninit").ndo_uninit(k, dev);
        // "Notifier chain MUST detach us all upper devices."
        let (name, uppers, lower) = k.dev(dev, |d| (d.name.clone(), d.uppers.len(), d.lower));
        if uppers > 0 {
            k.warn(
                Property::LowerOutlivesUppers,
                format!("unregister_netdevice_many_notify: WARN_ON(netdev_has_any_upper_dev({name}))"),
            );
        }
        if let Some(lower) = lower {
            let lower = k.dev_name(lower);
            k.warn(
                Property::LowerOutlivesUppers,
                format!(
                    "unregister_netdevice_many_notify: WARN_ON(netdev_has_any_lower_dev({name})): still linked to \
                     its lower {lower}"
                ),
            );
        }
    }
    k.synchronize_net();
    let n = head.devs.len();
    for dev in std::mem::take(&mut head.devs) {
        if k.mode().small_rtnl() {
            let nsync = k.net_sync(k.dev_net(dev));
            let sl = nsync.dev_unreg_lock.lock();
            if let Some(on) = k.dev(dev, |d| d.unreg_list_net) {
                edit_dev_unreg_head(k, on, |l| l.retain(|&d| d != dev));
                k.dev_mut(dev, |d| d.unreg_list_net = None);
            }
            mutex_unlock(sl);
        }
        k.access_dev(dev, "unreg_list");
        k.dev_mut(dev, |d| d.unreg_list = None);
        netdev_put(k, Some(dev), "dev_registered_tracker");
        net_set_todo(k, dev);
    }
    crate::module::dev_unreg_count_add(k, n);
}

/// [model] Core callers the series left unconverted: they unregister devices of any net under
/// RTNL alone, on purpose. S5 notes them instead of failing (except in rtnl-free mode).
const UNCONVERTED_CORE_CALLERS: &[(&str, &str)] = &[(
    "rtnl_link_unregister",
    "net/core/rtnetlink.c rtnl_link_unregister() MN@af3634d4: for_each_net(net) __rtnl_kill_links(net, ops, \
     &dev_kill_list); unregister_netdevice_many(&dev_kill_list), under rtnl_lock() with no __rtnl_net_lock()",
)];

/// `rtmsg_ifinfo_build_skb(RTM_DELLINK, dev, ...)` in `unregister_netdevice_many_notify()`
/// (net/core/dev.c; `if (!(dev->rtnl_link_ops && dev->rtnl_link_initializing))`): the message
/// is filled by `rtnl_fill_ifinfo()`, whose `rtnl_link_fill()` reads the driver's ops
/// (`ops->kind`, `->fill_info`, `->get_link_net`; net/core/rtnetlink.c). Modelled only as the
/// read of the driver's table it is ([`crate::module::driver_op`]).
fn rtmsg_ifinfo_build_skb_dellink(k: &Kernel, dev: DevId) {
    if crate::module::armed(k).is_none() {
        return;
    }
    let ops = k.dev(dev, |d| d.rtnl_link_ops);
    crate::module::driver_op(k, ops.owner(), Some(dev), || {
        format!(
            "rtmsg_ifinfo_build_skb(RTM_DELLINK, {}): rtnl_link_fill() reading {}_link_ops",
            k.dev_name(dev),
            ops.kind()
        )
    });
}

/// `unlist_netdevice()`: net/core/dev.c, MN@af3634d4. Off its net's `dev_base_head`, so lookups
/// no longer find it.
fn unlist_netdevice(k: &Kernel, dev: DevId) {
    let net = k.dev_net(dev);
    k.net(net, |n| n.dev_base.retain(|&d| d != dev));
}

/// `list_netdevice()`: net/core/dev.c, MN@af3634d4. `ASSERT_RTNL()`, then onto its net's
/// `dev_base_head` and name and index hashes.
///
/// [model, S16] In the series' kernels a net's device lists are edited under its per-netns lock:
/// registration takes it (patch 1's `rtnl_nets` in `rtnl_newlink()`, `register_netdev()`), a
/// move both nets' (`rtnl_setlink()`). The C asserts only RTNL; the model asserts the net's lock
/// as `lockdep_assert_held()` would.
pub fn list_netdevice(k: &Kernel, dev: DevId) {
    let net = k.dev_net(dev);
    // The A2 probe moves under RTNL alone on purpose; its finding is L1 (docs/findings.md).
    let probe = k.cfg.has(crate::variants::Variant::ProbeA2MoveUnderRtnlOnly);
    if k.mode().small_rtnl() && !probe && !k.rtnl_net_is_locked(net) {
        let (name, netname) = (k.dev_name(dev), k.net_name(net));
        let held = k.obs(|s| s.held_lock_names()).join(", ");
        k.warn(
            Property::ListUnderItsLock,
            format!(
                "list_netdevice({name}): {netname}->dev_base_head is protected by {netname}->rtnl_mutex, but is \
                 accessed holding [{held}]"
            ),
        );
    }
    k.net(net, |n| n.dev_base.push(dev));
}

/// `net_set_todo()`: net/core/dev.c, MN@af3634d4. Onto the global `net_todo_list`, protected by
/// RTNL.
fn net_set_todo(k: &Kernel, dev: DevId) {
    k.dev_mut(dev, |d| d.todo = true);
    k.net_todo_add(dev);
}

/// Models `netdev_run_todo()`: net/core/dev.c, MN@af3634d4. Entered from `rtnl_unlock()`.
///
/// # Kernel steps
/// 1. Snapshot `net_todo_list`; `__rtnl_unlock()`; `rcu_barrier()`.
/// 2. Each device: `reg_state = NETREG_UNREGISTERED` under `netdev_lock`.
/// 3. Until the snapshot is empty: `netdev_wait_allrefs_any()`; `BUG_ON(refcnt != 1)`;
///    `priv_destructor`; `free_netdev()` if `needs_free_netdev`.
/// 4. `dev_unreg_count -= n`.
///
/// The caller of `rtnl_unlock()` blocks here until every device it unregistered is freed.
pub fn netdev_run_todo(k: &Kernel, rtnl: Rtnl<'_>) {
    let _f = k.enter("netdev_run_todo");
    let mut list: Vec<DevId> = k.net_todo_take();
    let me = k.thread_name();
    for &dev in &list {
        k.dev_mut(dev, |d| d.todo_by = Some(me.clone()));
    }
    rtnl_unlock_raw(k, rtnl);
    if list.is_empty() {
        return;
    }
    k.synchronize_net();
    for dev in list.clone() {
        let (name, state) = k.dev(dev, |d| (d.name.clone(), d.reg_state));
        if state != RegState::Unregistering {
            k.warn(Property::RegStateMachine, format!("netdev_run_todo: {name}: run_todo but not unregistering"));
            list.retain(|&d| d != dev);
            continue;
        }
        set_reg_state(k, dev, RegState::Unregistered);
    }
    let n = list.len();
    while !list.is_empty() {
        let dev = netdev_wait_allrefs_any(k, &list);
        list.retain(|&d| d != dev);
        let refs = netdev_refcnt_read(k, dev);
        if refs != 1 {
            let name = k.dev_name(dev);
            k.bug(
                Property::RefcountBalanced,
                format!("netdev_run_todo: BUG_ON(netdev_refcnt_read({name}) != 1): {refs}"),
            );
        }
        k.dev_mut(dev, |d| d.todo = false);
        let ops = k.dev(dev, |d| d.rtnl_link_ops);
        if ops.has_priv_destructor() {
            crate::module::dev_link_ops(k, dev, "priv_destructor");
        }
        ops.priv_destructor(k, dev);
        if k.dev(dev, |d| d.needs_free_netdev) {
            free_netdev(k, dev);
        }
    }
    crate::module::dev_unreg_count_sub(k, n);
}

/// Models `netdev_wait_allrefs_any()`: net/core/dev.c, MN@af3634d4 (patch 5).
///
/// # Kernel steps
/// 1. Return a device of the list whose refcount is 1.
/// 2. Every second: `rtnl_lock()`; per device `__rtnl_net_lock(dev_net(dev))`, NETDEV_UNREGISTER,
///    `__rtnl_net_unlock()` (which drains: hazard A1); `__rtnl_unlock()`, not `rtnl_unlock()`.
/// 3. Sleep and poll.
///
/// # Abstracted
/// Time: the re-broadcasts (`Config::rebroadcasts` passes, 0 to 2) come back to back at the
/// first wait, each followed by the readiness check the C makes after its sleep; polling
/// is a sleep on `refs_wq` that every put leaving a device at 1 wakes; after the sleep, the
/// check reads which devices such puts left (under `refs_wq`), then the C's
/// `netdev_refcnt_read(dev) == 1` of the one it picks. A reference that is never put leaves
/// this thread blocked for ever, which the explorers report with what it waits for (the kernel
/// prints "unregister_netdevice: waiting for DEV to become free").
pub fn netdev_wait_allrefs_any(k: &Kernel, list: &[DevId]) -> DevId {
    let _f = k.enter("netdev_wait_allrefs_any");
    let ready = |k: &Kernel| list.iter().copied().find(|&d| netdev_released(k, d) && netdev_refcnt_read(k, d) == 1);
    if let Some(d) = ready(k) {
        return d;
    }
    for pass in 1..=k.cfg.rebroadcasts {
        if pass > 1 {
            if let Some(d) = ready(k) {
                return d;
            }
        }
        let rtnl = rtnl_lock(k);
        for &dev in list {
            // mutant rebroadcast-without-net-lock: RTNL only, as before patch 5 (0fa296dd).
            if k.mutated(Mutant::RebroadcastWithoutNetLock) {
                call_netdevice_notifiers(k, NetdevEvent::Unregister, dev);
                continue;
            }
            let net = k.dev_net(dev);
            let sync = k.net_sync(net);
            let nl = rtnl_net_lock_raw(k, net, &sync);
            call_netdevice_notifiers(k, NetdevEvent::Unregister, dev);
            if k.cfg.has(crate::variants::Variant::FixA1RebroadcastNoDrain) {
                // Fix for A1: release without draining; the net's queued work drains.
                nl.unlock_without_drain();
            } else {
                rtnl_net_unlock_raw(k, net, nl);
            }
        }
        rtnl_unlock_raw(k, rtnl);
        k.synchronize_net();
    }
    loop {
        let waited: Vec<DevId> = list.to_vec();
        let mut g = k.refs_wq.lock_when(
            &k.refs_cv,
            move |released| waited.iter().any(|d| released.contains(d)),
            |_| k.will_wait(waiting_for(k, list)),
        );
        if let Some(d) = first_released(k, &mut g, list) {
            drop(g);
            k.done_waiting();
            return d;
        }
    }
}

/// The first device of `list` that a put left at its last reference and that is still there
/// (`netdev_refcnt_read(dev) == 1`, as the C reads it), taken out of `released`. A device
/// held again since is taken out too: its next put to 1 puts it back.
fn first_released(k: &Kernel, released: &mut BTreeSet<DevId>, list: &[DevId]) -> Option<DevId> {
    while let Some(d) = list.iter().copied().find(|d| released.contains(d)) {
        released.remove(&d);
        if netdev_refcnt_read(k, d) == 1 {
            return Some(d);
        }
    }
    None
}

/// Whether a put has left `dev` at its last reference: the checks of `netdev_wait_allrefs_any()`
/// read this first and the count only if so, since only a count of 1 changes what they do.
fn netdev_released(k: &Kernel, dev: DevId) -> bool {
    k.dev_sync(dev).released.load(SeqCst)
}

/// What `netdev_wait_allrefs_any()` waits for, as the kernel prints it.
fn waiting_for(k: &Kernel, list: &[DevId]) -> String {
    let names: Vec<String> = list
        .iter()
        .map(|&d| {
            let held: Vec<String> =
                k.with(|s| s.devs[d].trackers.iter().filter(|t| t.starts_with(HOLD_TRACKER_PREFIX)).cloned().collect());
            let by = if held.is_empty() { String::new() } else { format!(", held by [{}]", held.join(", ")) };
            format!("{} (usage count {}{by})", k.dev_name(d), netdev_refcnt_read(k, d))
        })
        .collect();
    format!("unregister_netdevice: waiting for {} to become free", names.join(", "))
}

/// Models `free_netdev()`: net/core/dev.c, MN@af3634d4.
///
/// # Kernel steps
/// 1. UNREGISTERING: set `needs_free_netdev` and return (netdev_run_todo frees it).
/// 2. `mutex_destroy(&dev->lock)` (its debug check reads whether the lock is held).
/// 3. UNINITIALIZED: free at once.
/// 4. `BUG_ON(reg_state != NETREG_UNREGISTERED)`; `reg_state = NETREG_RELEASED`; `put_device()`.
///
/// The model checks at the free that no tracked reference is left (S2) and marks the memory
/// freed, so any later access is a use-after-free (S1): its plain fields, and its instance lock,
/// refcount and list nodes ([`Kernel::dev_sync`]). `dev->lock` lives in `struct net_device`:
/// freeing it while a thread holds it (or is about to unlock it) or waits for it is lockdep's
/// "held lock freed!" (`debug_check_no_locks_freed()`) and a KASAN use-after-free in
/// `mutex_unlock()` (Documentation/locking/mutex-design.rst): a BUG (S1), checked before
/// `reg_state = NETREG_RELEASED` takes the lock itself.
pub fn free_netdev(k: &Kernel, dev: DevId) {
    let _f = k.enter_dev("free_netdev", dev);
    let (name, state, trackers, ifindex) = k.dev(dev, |d| (d.name.clone(), d.reg_state, d.trackers.clone(), d.ifindex));
    if state != RegState::Unregistering {
        // `mutex_destroy(&dev->lock)`: CONFIG_DEBUG_MUTEXES warns if `mutex_is_locked()`. The
        // read of the lock word is a step of its own, ordered against the holder's unlock, so
        // the explorers reach the free inside a holder's section however they reach the rest.
        let locked = k.dev_sync(dev).lock.is_locked();
        let users = k.obs(|s| s.recorder.users_of(crate::lockdep::LockClass::DevInstance, ifindex));
        if locked || !users.is_empty() {
            let mut who: Vec<String> = users.iter().map(|(t, how, f)| format!("{t} {how} it in {f}")).collect();
            if who.is_empty() {
                // Released for lockdep, not yet for the mutex: the unlock is under way.
                who.push("a thread is in mutex_unlock() on it".to_string());
            }
            k.bug(
                Property::NoUseAfterFree,
                format!("free_netdev({name}) while {name}->lock is in use: held lock freed! ({})", who.join(", ")),
            );
        }
    }
    match state {
        RegState::Unregistering => {
            k.dev_mut(dev, |d| d.needs_free_netdev = true);
            return;
        }
        RegState::Uninitialized => {}
        RegState::Unregistered => set_reg_state(k, dev, RegState::Released),
        other => k.bug(
            Property::RegStateMachine,
            format!("free_netdev: BUG_ON(reg_state != NETREG_UNREGISTERED): {name} is {other:?}"),
        ),
    }
    if !trackers.is_empty() {
        k.warn(
            Property::RefcountBalanced,
            format!("free_netdev: {name} freed with references held: {}", trackers.join(", ")),
        );
    }
    let by = k.thread_name();
    k.with(|s| {
        let d = &mut s.devs[dev];
        d.freed = true;
        d.freed_by = Some(format!("freed by {by} in free_netdev"));
    });
}

/// Models `register_netdevice()`: net/core/dev.c, MN@af3634d4, on a device allocated by the
/// caller in `net` (`alloc_netdev_mqs()` gave it refcount 1).
///
/// # Kernel steps
/// 1. `BUG_ON(reg_state != NETREG_UNINITIALIZED)`; name clash in the net → `-EEXIST`.
/// 2. `ndo_init` (ipvlan_init, macvlan_init).
/// 3. `reg_state = NETREG_REGISTERED` under `netdev_lock`; `netdev_hold(dev_registered_tracker)`;
///    `list_netdevice()`; NETDEV_REGISTER.
pub fn register_netdevice(k: &Kernel, dev: DevId) -> Result<(), Errno> {
    let _f = k.enter_dev("register_netdevice", dev);
    k.assert_rtnl("register_netdevice");
    let (name, net) = k.dev(dev, |d| (d.name.clone(), d.nd_net));
    if k.dev_get_by_name(net, &name).is_some() {
        return Err(Errno::EEXIST);
    }
    crate::module::dev_link_ops(k, dev, "ndo_init").ndo_init(k, dev)?;
    set_reg_state(k, dev, RegState::Registered);
    crate::netdevice::netdev_hold(k, Some(dev), "dev_registered_tracker");
    list_netdevice(k, dev);
    call_netdevice_notifiers(k, NetdevEvent::Register, dev);
    Ok(())
}

/// Models `__dev_change_net_namespace()`: net/core/dev.c, MN@af3634d4.
///
/// # Kernel steps
/// 1. `ASSERT_RTNL()`; `-EINVAL` if `netns_immutable` or not REGISTERED; same net → 0;
///    `-EEXIST` on a name clash in the target.
/// 2. Close; `unlist_netdevice()`; `synchronize_net()`; NETDEV_UNREGISTER while the device
///    stays REGISTERED ("8021q and macvlan know the device is just moving").
/// 3. `dev_net_set()` under `netdev_lock`; [series] `unregister_netdevice_move_net()` after it.
/// 4. `list_netdevice()`; NETDEV_REGISTER; `synchronize_net()`.
#[doc(alias = "__dev_change_net_namespace")]
pub fn dev_change_net_namespace(k: &Kernel, dev: DevId, net: NetId) -> Result<(), Errno> {
    let _f = k.enter_dev("__dev_change_net_namespace", dev);
    k.assert_rtnl("__dev_change_net_namespace");
    // `dev->netns_immutable` (none of the modelled devices sets it).
    let (name, state, net_old, immutable) = k.dev(dev, |d| (d.name.clone(), d.reg_state, d.nd_net, d.netns_immutable));
    if immutable || state != RegState::Registered {
        return Err(Errno::EINVAL);
    }
    if net_old == net {
        return Ok(());
    }
    if k.dev_get_by_name(net, &name).is_some() {
        return Err(Errno::EEXIST);
    }
    unlist_netdevice(k, dev);
    k.synchronize_net();
    call_netdevice_notifiers(k, NetdevEvent::Unregister, dev);
    let sync = k.dev_sync(dev);
    let g = netdev_lock(k, &sync);
    k.dev_mut(dev, |d| d.nd_net = net);
    netdev_unlock(g);
    // mutant move-drops-pending: the pending entry stays on the old netns's queue.
    if k.mode().small_rtnl() && !k.mutated(Mutant::MoveDropsPending) {
        unregister_netdevice_move_net(k, net_old, net, dev);
    }
    list_netdevice(k, dev);
    call_netdevice_notifiers(k, NetdevEvent::Register, dev);
    k.synchronize_net();
    Ok(())
}

/// Models `default_device_exit_batch()`: net/core/dev.c, MP@05fe7484 (series) and MN@5326fefb
/// (pre-series, where `__rtnl_net_lock` is empty and there is no per-net split or flush).
///
/// # Kernel steps
/// 1. `rtnl_lock()`; `__rtnl_net_lock(&init_net)`; per dying net under its lock
///    `default_device_exit_net()` (moves devices without `rtnl_link_ops` to init_net: none of
///    the modelled devices); `__rtnl_net_unlock(&init_net)`.
/// 2. Per dying net: `__rtnl_net_lock(net)`; `for_each_netdev_reverse`: `dellink` or
///    `unregister_netdevice_queue`; [series] `unregister_netdevice_queue_many_net()`;
///    `__rtnl_net_unlock(net)` (drains).
/// 3. `unregister_netdevice_many(&dev_kill_list)` for the rest (other nets: unconverted).
/// 4. `rtnl_unlock()`; [series] `rtnl_net_flush_workqueue()`, after every lock is dropped.
pub fn default_device_exit_batch(k: &Kernel, nets: &[NetId]) {
    let _f = k.enter("default_device_exit_batch");
    let rtnl = rtnl_lock(k);
    let init = k.net_sync(INIT_NET);
    let init_lock = rtnl_net_lock_raw(k, INIT_NET, &init);
    for &net in nets {
        let sync = k.net_sync(net);
        let nl = rtnl_net_lock_raw(k, net, &sync);
        // default_device_exit_net(): every modelled device has rtnl_link_ops without
        // netns_refund, so none is pushed back to init_net.
        rtnl_net_unlock_raw(k, net, nl);
    }
    rtnl_net_unlock_raw(k, INIT_NET, init_lock);

    let mut dev_kill_list = KillList::new(k);
    let syncs: Vec<_> = nets.iter().map(|&net| k.net_sync(net)).collect();
    let mut held = Vec::new();
    for (&net, sync) in nets.iter().zip(&syncs) {
        let nl = rtnl_net_lock_raw(k, net, sync);
        let devs: Vec<DevId> = k.net(net, |n| n.dev_base.iter().rev().copied().collect());
        for dev in devs {
            crate::module::dev_link_ops(k, dev, "dellink").dellink(k, dev, &mut dev_kill_list);
        }
        // mutant exit-batch-no-split: no per-netns split; the dying net's devices go to the final list.
        if k.mode().small_rtnl() && !k.mutated(Mutant::ExitBatchNoSplit) {
            unregister_netdevice_queue_many_net(k, net, &mut dev_kill_list);
        }
        // mutant exit-batch-nests-dying-nets: each dying net stays locked until the loop ends.
        if k.mutated(Mutant::ExitBatchNestsDyingNets) {
            held.push(nl);
            continue;
        }
        rtnl_net_unlock_raw(k, net, nl);
    }
    for nl in held {
        rtnl_net_unlock_raw(k, nl.net, nl);
    }
    unregister_netdevice_many(k, &mut dev_kill_list);
    if k.mutated(Mutant::FlushUnderRtnl) {
        // mutant flush-under-rtnl: flush before rtnl_unlock().
        rtnl_net_flush_workqueue(k);
        return rtnl_unlock(k, rtnl);
    }
    rtnl_unlock(k, rtnl);
    // mutant no-flush-before-free: the net may be freed while its rtnl_work is pending or running.
    if !k.mutated(Mutant::NoFlushBeforeFree) {
        rtnl_net_flush_workqueue(k);
    }
}

/// Models `rtnl_net_dev_lock()` and `rtnl_net_dev_unlock()` around `f`: net/core/dev.c, the fix
/// "net: Fix dev_net(dev) race in unregister_netdevice_notifier_dev_net()" (Feb 2025, v5 as
/// posted; upstream `unregister_netdev()` is `rtnl_net_dev_lock(dev); unregister_netdevice(dev);
/// rtnl_net_dev_unlock(dev);`). A caller without RTNL cannot pin `dev_net(dev)`: the device may
/// move, or its net be dismantled, while it sleeps on the lock.
///
/// # Kernel steps
/// 1. Under RCU: `net = dev_net_rcu(dev)`; `net_passive_inc(net)`.
/// 2. `rtnl_net_lock(net)`.
/// 3. [CONFIG_DEBUG_NET_SMALL_RTNL] `if (!net_eq(net, dev_net(dev)))`: the device moved
///    meanwhile: `rtnl_net_unlock(net)`, `net_passive_dec(net)`, retry from 1.
/// 4. The caller's section, then `rtnl_net_dev_unlock()`: `net = dev_net(dev)`;
///    `rtnl_net_unlock(net)`, whose `netdev_run_todo()` waits for what the section
///    unregistered; `net_passive_dec(net)`: the `struct net` outlives that wait.
///
/// # Abstracted
/// The RCU read section around `dev_net_rcu()` and `net_passive_inc()`, which keeps the net's
/// memory until the increment: in the model the two are separate steps, and no modelled caller's
/// device can lose its net between them (the probe starts its netns deletion inside the section).
pub fn rtnl_net_dev_locked<R>(k: &Kernel, dev: DevId, f: impl FnOnce(NetId) -> R) -> R {
    let _f = k.enter_dev("rtnl_net_dev_lock", dev);
    loop {
        let net = k.dev_net(dev);
        net_passive_inc(k, net);
        let sync = k.net_sync(net);
        let locks = rtnl_net_lock(k, net, &sync);
        // mutant dev-net-toctou: no re-check, the section runs under the lock of a netns the device left.
        if k.mode().small_rtnl() && k.dev_net(dev) != net && !k.mutated(Mutant::DevNetToctou) {
            rtnl_net_unlock(k, net, locks);
            net_passive_dec(k, net);
            continue;
        }
        let r = f(net);
        // mutant dev-lock-passive-dec-early: the net's pin goes before netdev_run_todo().
        if k.mutated(Mutant::DevLockPassiveDecEarly) {
            net_passive_dec(k, net);
            rtnl_net_unlock(k, net, locks);
            return r;
        }
        rtnl_net_unlock(k, net, locks);
        net_passive_dec(k, net);
        return r;
    }
}

/// Models `unregister_netdevice(dev)`: include/linux/netdevice.h, `unregister_netdevice_queue(dev,
/// NULL)`: net/core/dev.c, MP@05fe7484: a kill list of its own (`LIST_HEAD(single)`), then
/// `unregister_netdevice_many(&single)`. For a driver's own device, whose removal needs no
/// `dellink` (the driver probe's, `rtnl_checks::mutants`), and a driver's error path after it
/// registered a device (veth's `err_register_dev`).
pub fn unregister_netdevice(k: &Kernel, dev: DevId) {
    let _f = k.enter_dev("unregister_netdevice", dev);
    let mut single = KillList::new(k);
    unregister_netdevice_queue(k, dev, &mut single);
    unregister_netdevice_many(k, &mut single);
}

/// Models `unregister_netdevice_notifier_dev_net()`: net/core/dev.c (after the Feb 2025 fix),
/// which a driver calls without RTNL to remove the netdevice notifier it registered in its
/// device's netns (`register_netdevice_notifier_dev_net()`); `__dev_change_net_namespace()`
/// carries such notifiers to the new netns (`move_netdevice_notifiers_dev_net()`).
///
/// # Kernel steps
/// 1. `rtnl_net_dev_lock(dev)`.
/// 2. `list_del(&nn->list)`; `__unregister_netdevice_notifier_net(dev_net(dev), nb)`.
/// 3. `rtnl_net_dev_unlock(dev)`.
///
/// # Abstracted
/// The chains themselves: the notifier is always on `dev_net(dev)`'s chain (moves run under RTNL
/// and carry it along). [model] S5: `net->netdev_chain` is protected by `net`'s per-netns lock, so
/// the model asserts `rtnl_net_is_locked(dev_net(dev))` where the chain is edited.
pub fn unregister_netdevice_notifier_dev_net(k: &Kernel, dev: DevId) {
    let _f = k.enter_dev("unregister_netdevice_notifier_dev_net", dev);
    rtnl_net_dev_locked(k, dev, |_locked| {
        let net = k.dev_net(dev);
        if k.mode().small_rtnl() && !k.rtnl_net_is_locked(net) {
            let (name, netname) = (k.dev_name(dev), k.net_name(net));
            k.warn(
                Property::PerNetnsLock,
                format!(
                    "__unregister_netdevice_notifier_net({netname}): {name}'s notifier is removed from \
                     {netname}->netdev_chain without {netname}->rtnl_mutex"
                ),
            );
        }
    });
}

/// `struct notifier_block` on `netdev_chain` (include/linux/notifier.h): a driver's
/// `notifier_call`.
#[derive(Clone, Copy, Debug)]
pub struct NotifierBlock {
    pub notifier_call: fn(&Kernel, NetdevEvent, DevId),
    /// [model] The module the block (and its `notifier_call`) belongs to; `None` for core code.
    pub owner: Option<&'static str>,
}

/// Models `register_netdevice_notifier(nb)`: net/core/dev.c, MP@05fe7484. Appends `nb` to
/// `netdev_chain` at boot; there is no device yet to replay NETDEV_REGISTER for.
pub fn register_netdevice_notifier(k: &mut Kernel, nb: NotifierBlock) {
    k.ops.netdev_chain.push(nb);
}

/// `call_netdevice_notifiers(event, dev)`: net/core/dev.c, MP@05fe7484. Every registered handler,
/// in order.
pub fn call_netdevice_notifiers(k: &Kernel, event: NetdevEvent, dev: DevId) {
    let _f = k.enter_dev("call_netdevice_notifiers", dev);
    for nb in &k.ops.netdev_chain {
        if !crate::module::notifier_registered(k, nb.owner, dev) {
            continue;
        }
        (nb.notifier_call)(k, event, dev);
    }
}

/// Models `unregister_netdevice_notifier(nb)`: net/core/dev.c (upstream since "net: Hold
/// __rtnl_net_lock() for (un)?register_netdevice_notifier()"), called by a module's exit.
///
/// # Kernel steps
/// 1. `down_write(&pernet_ops_rwsem)`; `rtnl_lock()`; `raw_notifier_chain_unregister()`.
/// 2. `for_each_net(net)`: `__rtnl_net_lock(net)`; `call_netdevice_unregister_net_notifiers()`
///    (NETDEV_UNREGISTER to the removed block for each device of the net); `__rtnl_net_unlock(net)`,
///    which drains the net's `dev_unreg_head`.
/// 3. `rtnl_unlock()`; `up_write(&pernet_ops_rwsem)`.
pub fn unregister_netdevice_notifier(k: &Kernel, owner: &'static str) {
    let _f = k.enter("unregister_netdevice_notifier");
    let Some(nb) = k.ops.netdev_chain.iter().find(|nb| nb.owner == Some(owner)).copied() else { return };
    crate::module::pernet_ops_down_write(k);
    let rtnl = rtnl_lock(k);
    crate::module::notifier_unlink(k, owner);
    for net in crate::module::for_each_net(k) {
        let sync = k.net_sync(net);
        let nl = rtnl_net_lock_raw(k, net, &sync);
        let devs: Vec<DevId> = k.net(net, |n| n.dev_base.clone());
        for dev in devs {
            (nb.notifier_call)(k, NetdevEvent::Unregister, dev);
        }
        rtnl_net_unlock_raw(k, net, nl);
    }
    rtnl_unlock(k, rtnl);
    crate::module::pernet_ops_up_write(k);
}

/// `alloc_netdev_mqs()` plus the driver's `setup`: net/core/dev.c, MP@05fe7484. A new UNINITIALIZED
/// device in `net` with refcount 1 (the allocation's reference, never put), `ops` as its
/// `rtnl_link_ops`, `priv_` as `netdev_priv(dev)`, and `needs_free_netdev` set, as every modelled
/// driver's setup does.
pub fn alloc_netdev(
    k: &Kernel,
    name: &str,
    net: NetId,
    ops: &'static dyn crate::rtnetlink::RtnlLinkOps,
    priv_: impl std::any::Any + Send,
) -> DevId {
    use crate::lockdep::LockClass;
    use crate::sync::atomic::AtomicUsize;
    let (id, ifindex) = k.with(|s| {
        let ifindex = s.next_ifindex;
        s.next_ifindex += 1;
        (DevId(s.devs.len()), ifindex)
    });
    let sync = crate::sync::Shared::new(DevSync {
        lock: k.new_lock(LockClass::DevInstance, ifindex, format!("{name}->lock")),
        refcnt: AtomicUsize::new(1),
        released: crate::sync::atomic::AtomicBool::new(false),
        priv_peer: AtomicUsize::new(0),
    });
    k.with(|s| {
        s.devs.push(DevState {
            id,
            name: name.to_string(),
            ifindex,
            nd_net: net,
            reg_state: RegState::Uninitialized,
            rtnl_link_ops: ops,
            type_: ops.dev_type(),
            priv_: Box::new(priv_),
            netns_immutable: false,
            freed: false,
            needs_free_netdev: true,
            trackers: Vec::new(),
            unreg_list: None,
            unreg_list_net: None,
            queued_by: None,
            left_on_list: None,
            todo: false,
            todo_by: None,
            unreg_exempt: None,
            uppers: Vec::new(),
            lower: None,
            freed_by: None,
            sync,
        })
    });
    id
}

/// `netdev_upper_dev_link(lower, upper)`: net/core/dev.c, MP@05fe7484. `ASSERT_RTNL()`; the lower's
/// adjacency lists are RTNL's (S14), and the upper may live in another net than the lower.
pub fn netdev_upper_dev_link(k: &Kernel, lower: DevId, upper: DevId) {
    adj_list_locked(k, lower, || {
        k.dev_mut(lower, |d| d.uppers.push(upper));
        k.dev_mut(upper, |d| d.lower = Some(lower));
    });
    // __netdev_adjacent_dev_insert(): each adjacency entry holds the device it points to.
    netdev_hold(k, Some(upper), &adj_tracker(k, lower, upper));
    netdev_hold(k, Some(lower), &adj_tracker(k, upper, lower));
}

fn adj_tracker(k: &Kernel, from: DevId, to: DevId) -> String {
    format!("{}->adj_list({})", k.dev_name(from), k.dev_name(to))
}

/// An edit of `lower`'s adjacency lists (S14), under the lower's instance lock with the
/// `convert-adj-list-instance-lock` variant.
fn adj_list_locked(k: &Kernel, lower: DevId, edit: impl FnOnce()) {
    let sync = k.dev_sync(lower);
    let g = k.cfg.has(crate::variants::Variant::ConvertAdjListInstanceLock).then(|| netdev_lock(k, &sync));
    k.access_dev(lower, "adj_list");
    edit();
    if let Some(g) = g {
        netdev_unlock(g);
    }
}

/// `netdev_upper_dev_unlink(lower, upper)`: net/core/dev.c, MP@05fe7484. `ASSERT_RTNL()`, as for
/// the link.
pub fn netdev_upper_dev_unlink(k: &Kernel, lower: DevId, upper: DevId) {
    adj_list_locked(k, lower, || {
        k.dev_mut(lower, |d| d.uppers.retain(|&u| u != upper));
        k.dev_mut(upper, |d| d.lower = None);
    });
    // __netdev_adjacent_dev_remove(): the entries' references go.
    netdev_put(k, Some(upper), &adj_tracker(k, lower, upper));
    netdev_put(k, Some(lower), &adj_tracker(k, upper, lower));
}
