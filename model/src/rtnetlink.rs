//! RTNL and per-netns RTNL, and the link handlers: net/core/rtnetlink.c,
//! minuscat/net-next @af3634d4 (patches 1, 3 and 6 of the series).

use crate::dev::{
    dev_change_net_namespace, netdev_run_todo, unregister_netdevice_many, unregister_netdevice_many_net,
    unregister_netdevice_many_notify, KillList,
};
use crate::kernel::{DevId, Kernel, NetId, INIT_NET};
use crate::lockdep::LockClass;
use crate::lockdep::{mutex_unlock, MutexGuard};
use crate::mutants::Mutant;
use crate::net_namespace::NetSync;
use crate::netdevice::DevState;
use crate::properties::Property;
use crate::script::LinkKind;
use crate::sync::atomic::Ordering::SeqCst;
use crate::sync::Shared;
use crate::workqueue::{flush_workqueue, queue_work, Work};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// What a failed command returns, as ip(8) reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
// The C's names.
#[allow(clippy::upper_case_acronyms)]
pub enum Errno {
    /// "Cannot find device".
    ENODEV,
    /// "File exists".
    EEXIST,
    /// "Invalid argument" (a lower that is not Ethernet; a device that cannot change netns now).
    EINVAL,
    /// "No such file or directory" (a netns name that does not exist).
    ENOENT,
    /// "Device or resource busy" (a lower that already has another rx handler; a bareudp port
    /// already in use in the socket's net).
    EBUSY,
    /// "Resource temporarily unavailable": `delete_module()` of a module another loaded module
    /// depends on.
    EWOULDBLOCK,
    /// "Operation not supported" (no modelled path returns it).
    EOPNOTSUPP,
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Errno::ENODEV => "ENODEV (Cannot find device)",
            Errno::EEXIST => "EEXIST (File exists)",
            Errno::EINVAL => "EINVAL (Invalid argument)",
            Errno::ENOENT => "ENOENT (No such file or directory)",
            Errno::EBUSY => "EBUSY (Device or resource busy)",
            Errno::EWOULDBLOCK => "EWOULDBLOCK (Resource temporarily unavailable)",
            Errno::EOPNOTSUPP => "EOPNOTSUPP (Operation not supported)",
        })
    }
}

/// RTNL held. Released only by [`rtnl_unlock`] (which runs `netdev_run_todo()`) or
/// [`rtnl_unlock_raw`]. Empty in rtnl-free mode when a converted path took only per-netns
/// locks: the unlock still runs `netdev_run_todo()`.
#[must_use = "release with rtnl_unlock()"]
#[derive(Debug)]
pub struct Rtnl<'k>(Option<MutexGuard<'k, ()>>);

/// `net->rtnl_mutex` held (a no-op without CONFIG_DEBUG_NET_SMALL_RTNL).
#[must_use = "release with __rtnl_net_unlock()"]
#[derive(Debug)]
pub struct NetLock<'a> {
    pub net: NetId,
    g: Option<MutexGuard<'a, ()>>,
}

impl NetLock<'_> {
    /// `mutex_unlock(&net->rtnl_mutex)` without `__rtnl_net_unlock()`'s drain (the A1 fix).
    pub fn unlock_without_drain(self) {
        if let Some(g) = self.g {
            mutex_unlock(g);
        }
    }
}

/// Models `rtnl_lock()`: net/core/rtnetlink.c.
#[track_caller]
pub fn rtnl_lock(k: &Kernel) -> Rtnl<'_> {
    Rtnl(Some(k.rtnl_mutex.lock()))
}

/// The global RTNL as a converted path takes it: `rtnl_lock()`, except in rtnl-free mode.
#[track_caller]
fn rtnl_lock_converted(k: &Kernel) -> Rtnl<'_> {
    if k.mode().net_lock_takes_rtnl() {
        rtnl_lock(k)
    } else {
        Rtnl(None)
    }
}

/// Models `rtnl_unlock()`: net/core/rtnetlink.c: "This fellow will unlock it for us":
/// `netdev_run_todo()` releases RTNL and waits for the devices this thread unregistered.
pub fn rtnl_unlock(k: &Kernel, rtnl: Rtnl<'_>) {
    netdev_run_todo(k, rtnl);
}

/// Models `__rtnl_unlock()`: net/core/rtnetlink.c. `WARN_ON(!list_empty(&net_todo_list))`:
/// a device left there waits for whoever takes and releases RTNL next (the ABBA described in
/// the C comment).
#[doc(alias = "__rtnl_unlock")]
pub fn rtnl_unlock_raw(k: &Kernel, rtnl: Rtnl<'_>) {
    let Some(g) = rtnl.0 else { return };
    let _f = k.enter("__rtnl_unlock");
    let left: Vec<_> = k.todo_entries_for_me().into_iter().map(|d| k.dev_name(d)).collect();
    if !left.is_empty() {
        k.warn(
            Property::TodoEmptyAtRtnlUnlock,
            format!("__rtnl_unlock: WARN_ON(!list_empty(&net_todo_list)): [{}]", left.join(", ")),
        );
    }
    mutex_unlock(g);
}

/// Models `rtnl_net_lock_cmp_fn()` / `rtnl_net_cmp_locks()`: net/core/rtnetlink.c, MN@af3634d4:
/// init_net first, then by ascending address ([`crate::kernel::AddrOrder`]).
pub fn rtnl_net_lock_cmp_fn(k: &Kernel, a: NetId, b: NetId) -> Ordering {
    match (a == INIT_NET, b == INIT_NET) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => k.net_addr(a).cmp(&k.net_addr(b)),
    }
}

/// Models `__rtnl_net_lock()`: net/core/rtnetlink.c, MN@af3634d4: `ASSERT_RTNL()` then
/// `mutex_lock(&net->rtnl_mutex)`. Empty without CONFIG_DEBUG_NET_SMALL_RTNL. In rtnl-free
/// mode the assertion is the one thing that changes.
#[doc(alias = "__rtnl_net_lock")]
#[track_caller]
pub fn rtnl_net_lock_raw<'a>(k: &Kernel, net: NetId, sync: &'a Shared<NetSync>) -> NetLock<'a> {
    if !k.mode().small_rtnl() {
        return NetLock { net, g: None };
    }
    if k.mode().net_lock_takes_rtnl() {
        k.assert_rtnl("__rtnl_net_lock");
    }
    NetLock { net, g: Some(sync.rtnl_mutex.lock()) }
}

/// Models `__rtnl_net_unlock()`: net/core/rtnetlink.c, MN@af3634d4 (patch 6): `ASSERT_RTNL()`,
/// drain the net's queue with `unregister_netdevice_many_net()`, then unlock.
#[doc(alias = "__rtnl_net_unlock")]
pub fn rtnl_net_unlock_raw(k: &Kernel, net: NetId, lock: NetLock<'_>) {
    let Some(g) = lock.g else { return };
    let _f = k.enter_net("__rtnl_net_unlock", net);
    k.assert_rtnl("__rtnl_net_unlock");
    // mutant no-drain-on-unlock: unlock without unregister_netdevice_many_net().
    if !k.mutated(Mutant::NoDrainOnUnlock) {
        unregister_netdevice_many_net(k, net);
    }
    mutex_unlock(g);
}

/// Models `rtnl_net_lock()`: net/core/rtnetlink.c, MN@af3634d4: `rtnl_lock()` then
/// `__rtnl_net_lock(net)` (rtnl-free mode: only the latter).
#[track_caller]
pub fn rtnl_net_lock<'a>(k: &'a Kernel, net: NetId, sync: &'a Shared<NetSync>) -> (Rtnl<'a>, NetLock<'a>) {
    let rtnl = rtnl_lock_converted(k);
    let nl = rtnl_net_lock_raw(k, net, sync);
    (rtnl, nl)
}

/// Models `rtnl_net_unlock()`: net/core/rtnetlink.c, MN@af3634d4: `__rtnl_net_unlock(net)` then
/// `rtnl_unlock()`.
pub fn rtnl_net_unlock(k: &Kernel, net: NetId, locks: (Rtnl<'_>, NetLock<'_>)) {
    let (rtnl, nl) = locks;
    rtnl_net_unlock_raw(k, net, nl);
    rtnl_unlock(k, rtnl);
}

/// Models `struct rtnl_nets` and `rtnl_nets_add()`: net/core/rtnetlink.c, MN@5ecbbb17
/// (patch 1 raised the array to 4). Sorted by [`rtnl_net_lock_cmp_fn`], without duplicates.
#[derive(Debug, Default)]
pub struct RtnlNets {
    pub nets: Vec<(NetId, Shared<NetSync>)>,
}

impl RtnlNets {
    /// `rtnl_nets_add()`: net/core/rtnetlink.c, MN@5ecbbb17.
    pub fn add(&mut self, k: &Kernel, net: NetId) {
        // mutant nets-no-dedup: a net already in the array is added again.
        if self.nets.iter().any(|(n, _)| *n == net) && !k.mutated(Mutant::NetsNoDedup) {
            return;
        }
        assert!(self.nets.len() < 4, "rtnl_nets_add: more than 4 nets (DEBUG_NET_WARN_ON_ONCE)");
        self.nets.push((net, k.net_sync(net)));
        if k.mutated(Mutant::NetsUnsorted) {
            // mutant nets-unsorted: keep the caller's order.
            return;
        }
        if k.mutated(Mutant::NetsSortByAddress) {
            // mutant nets-sort-by-address: by raw address, without "always init_net first".
            self.nets.sort_by_key(|(n, _)| k.net_addr(*n));
            return;
        }
        self.nets.sort_by(|a, b| rtnl_net_lock_cmp_fn(k, a.0, b.0));
    }
}

/// Models `rtnl_nets_lock()`: net/core/rtnetlink.c, MN@5ecbbb17: `rtnl_lock()` (not in
/// rtnl-free mode), then every per-netns lock in array order.
#[track_caller]
pub fn rtnl_nets_lock<'a>(k: &'a Kernel, nets: &'a RtnlNets) -> (Rtnl<'a>, Vec<NetLock<'a>>) {
    let _f = k.enter("rtnl_nets_lock");
    let rtnl = rtnl_lock_converted(k);
    let locks = nets.nets.iter().map(|(n, s)| rtnl_net_lock_raw(k, *n, s)).collect();
    (rtnl, locks)
}

/// Models `rtnl_nets_unlock()`: net/core/rtnetlink.c, MN@af3634d4: each per-netns unlock (each
/// drains) in array order, then `rtnl_unlock()`.
pub fn rtnl_nets_unlock(k: &Kernel, locks: (Rtnl<'_>, Vec<NetLock<'_>>)) {
    let _f = k.enter("rtnl_nets_unlock");
    let (rtnl, nls) = locks;
    for nl in nls {
        let net = nl.net;
        rtnl_net_unlock_raw(k, net, nl);
    }
    rtnl_unlock(k, rtnl);
}

/// Models `rtnl_net_queue_work()`: net/core/rtnetlink.c, MN@af3634d4:
/// `queue_work(rtnl_net_wq, &net->rtnl_work)`.
pub fn rtnl_net_queue_work(k: &Kernel, net: NetId) {
    let _f = k.enter_net("rtnl_net_queue_work", net);
    queue_work(k, &k.rtnl_net_wq, Work::RtnlNet(net));
}

/// Models `rtnl_net_work_func()`: net/core/rtnetlink.c, MN@af3634d4.
///
/// # Kernel steps
/// 1. `if (list_empty(&net->dev_unreg_head)) return;`, read without the lock (hazard A3; an
///    atomic here, so the explorers interleave it).
/// 2. `rtnl_net_lock(net)`; `rtnl_net_unlock(net)`: the unlock drains the queue, then
///    `rtnl_unlock()` waits for and frees the devices.
pub fn rtnl_net_work_func(k: &Kernel, net: NetId) {
    let _f = k.enter_net("rtnl_net_work_func", net);
    let sync = k.net(net, |n| n.sync.clone());
    if !sync.dev_unreg_nonempty.load(SeqCst) {
        return;
    }
    if k.mutated(Mutant::WorkWithoutRtnl) {
        // mutant work-without-rtnl: mutex_lock(&net->rtnl_mutex) without rtnl_lock().
        let nl = NetLock { net, g: Some(sync.rtnl_mutex.lock()) };
        return rtnl_net_unlock_raw(k, net, nl);
    }
    let locks = rtnl_net_lock(k, net, &sync);
    if k.mutated(Mutant::WorkSkipsRunTodo) {
        // mutant work-skips-run-todo: __rtnl_net_unlock() and __rtnl_unlock(), no netdev_run_todo().
        let (rtnl, nl) = locks;
        rtnl_net_unlock_raw(k, net, nl);
        return rtnl_unlock_raw(k, rtnl);
    }
    rtnl_net_unlock(k, net, locks);
}

/// Models `rtnl_net_flush_workqueue()`: net/core/rtnetlink.c, MN@af3634d4:
/// `flush_workqueue(rtnl_net_wq)`; an empty stub without CONFIG_DEBUG_NET_SMALL_RTNL. Every
/// item needs RTNL, so flushing with RTNL or a per-netns lock held deadlocks (S9).
#[track_caller]
pub fn rtnl_net_flush_workqueue(k: &Kernel) {
    if !k.mode().small_rtnl() {
        return;
    }
    let _f = k.enter("rtnl_net_flush_workqueue");
    if k.obs(|s| s.holds(LockClass::Rtnl, None) || s.holds(LockClass::RtnlNet, None)) {
        k.warn(Property::NoFlushUnderRtnl, "rtnl_net_flush_workqueue() called with RTNL held");
    }
    flush_workqueue(k, &k.rtnl_net_wq);
}

/// Models `rtnl_dellink()` and `rtnl_delete_link()`: net/core/rtnetlink.c, MN@af3634d4.
///
/// # Kernel steps
/// 1. `rtnl_net_lock(tgt_net)` (`tgt_net` is the socket's net).
/// 2. Look the device up by name in `tgt_net`; `-ENODEV` if absent.
/// 3. `ops->dellink(dev, &list_kill)`, then `unregister_netdevice_many_notify(&list_kill)`.
/// 4. `rtnl_net_unlock(tgt_net)`: drain, unlock, `netdev_run_todo()`.
pub fn rtnl_dellink(k: &Kernel, net: NetId, name: &str) -> Result<(), Errno> {
    let _f = k.enter_net("rtnl_dellink", net);
    let sync = k.net_sync(net);
    let locks = rtnl_net_lock(k, net, &sync);
    let res = match k.dev_get_by_name(net, name) {
        None => Err(Errno::ENODEV),
        Some(dev) => {
            let _d = k.enter_dev("rtnl_delete_link", dev);
            let mut list_kill = KillList::new(k);
            crate::module::dev_link_ops(k, dev, "dellink").dellink(k, dev, &mut list_kill);
            unregister_netdevice_many_notify(k, &mut list_kill);
            Ok(())
        }
    };
    rtnl_net_unlock(k, net, locks);
    res
}

/// Models `rtnl_newlink()`: net/core/rtnetlink.c, MN@5ecbbb17 (patch 1).
///
/// # Kernel steps
/// 1. `rtnl_nets_add()` for the socket's net (patch 1), the target net, the link net and the
///    peer net; `rtnl_nets_lock()`.
/// 2. `__rtnl_newlink()` → `rtnl_newlink_create()`: the device is created in the target net
///    (`rtnl_create_link(tgt_net, ...)`) and the driver's `newlink` registers it there.
/// 3. `rtnl_nets_unlock()` (each per-netns unlock drains), `rtnl_nets_destroy()`.
///
/// The C adds the peer, target and link nets, then the socket's; `rtnl_nets_add()` keeps the
/// array sorted, so the order of the adds does not matter.
pub fn rtnl_newlink(k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
    let _f = k.enter_net("rtnl_newlink", net);
    let (ops, srcu) = rtnl_newlink_ops(k, req.kind.type_name())?;
    let mut nets = RtnlNets::default();
    nets.add(k, net);
    // mutant newlink-no-target-net: the device is registered in a net rtnl_newlink() did not lock.
    if let Some(t) = req.tgt_net.filter(|_| !k.mutated(crate::mutants::Mutant::NewlinkNoTargetNet)) {
        nets.add(k, t);
    }
    if let Some(l) = req.link_net {
        nets.add(k, l);
    }
    if let Some(p) = req.peer_net {
        nets.add(k, p);
    }
    let locks = rtnl_nets_lock(k, &nets);
    let res = rtnl_newlink_create(k, req.tgt_net.unwrap_or(net), ops, req);
    rtnl_nets_unlock(k, locks);
    crate::module::rtnl_link_ops_put(k, srcu);
    res
}

/// `rtnl_newlink()`'s lookup of the ops, before any lock: net/core/rtnetlink.c, MN@af3634d4.
/// `rtnl_link_ops_get()` (an SRCU read section until `rtnl_link_ops_put()`); if the kind is not
/// listed, `request_module("rtnl-link-%s", kind)` and look again; still nothing is
/// `-EOPNOTSUPP` ("Unknown device type"). Only a module's unload unlists a modelled kind.
fn rtnl_newlink_ops(k: &Kernel, kind: &str) -> Result<(&'static dyn RtnlLinkOps, crate::module::OpsRef), Errno> {
    if let Some(found) = crate::module::rtnl_link_ops_get_srcu(k, kind) {
        return Ok(found);
    }
    if crate::module::request_module(k, kind) {
        if let Some(found) = crate::module::rtnl_link_ops_get_srcu(k, kind) {
            return Ok(found);
        }
    }
    Err(Errno::EOPNOTSUPP)
}

/// Models `rtnl_setlink()` with IFLA_NET_NS_FD (`ip link set DEV netns NS`):
/// net/core/rtnetlink.c: `rtnl_nets_lock()` over the socket's net and the target, then
/// `do_setlink()` → `__dev_change_net_namespace()`.
pub fn rtnl_setlink(k: &Kernel, net: NetId, name: &str, tgt: NetId) -> Result<(), Errno> {
    let _f = k.enter_net("rtnl_setlink", net);
    if k.cfg.has(crate::variants::Variant::ProbeA2MoveUnderRtnlOnly) {
        // Probe for A2: a mover that holds RTNL alone, so nothing drains the destination.
        let rtnl = rtnl_lock(k);
        let res = match k.dev_get_by_name(net, name) {
            None => Err(Errno::ENODEV),
            Some(dev) => dev_change_net_namespace(k, dev, tgt),
        };
        rtnl_unlock(k, rtnl);
        return res;
    }
    let mut nets = RtnlNets::default();
    nets.add(k, net);
    nets.add(k, tgt);
    let locks = rtnl_nets_lock(k, &nets);
    let res = match k.dev_get_by_name(net, name) {
        None => Err(Errno::ENODEV),
        Some(dev) => dev_change_net_namespace(k, dev, tgt),
    };
    rtnl_nets_unlock(k, locks);
    res
}

/// An `RTM_NEWLINK` request with its namespaces resolved (`IFLA_NET_NS_FD`, `IFLA_LINK_NETNSID`,
/// the peer's `IFLA_NET_NS_FD`).
#[derive(Clone, Debug)]
pub struct NewLink {
    pub name: String,
    pub kind: LinkKind,
    /// The net the device is created in (`tgt_net`); `None`: the socket's.
    pub tgt_net: Option<NetId>,
    /// `rtnl_newlink_link_net()`: where the lower is looked up and a tunnel's socket lives; the
    /// model resolves the C's `link_net ?: src_net` here.
    pub link_net: Option<NetId>,
    /// `rtnl_newlink_peer_net()`, resolved as `link_net`.
    pub peer_net: Option<NetId>,
}

/// `struct rtnl_link_ops` (include/net/rtnetlink.h), with the two `struct net_device_ops` hooks
/// (`ndo_init`, `ndo_uninit`, include/linux/netdevice.h) and `dev->priv_destructor` the core
/// calls: one object per driver, registered at boot with [`rtnl_link_register`]; every device
/// carries its driver's as `dev->rtnl_link_ops`. The core calls drivers only through it, the
/// netdevice notifier chain ([`crate::dev::register_netdevice_notifier`]) and the pernet ops
/// ([`crate::net_namespace::register_pernet_subsys`]).
pub trait RtnlLinkOps: Send + Sync + 'static {
    /// `ops->kind`, the `type` of `ip link add`.
    fn kind(&self) -> &'static str;
    /// `ops->newlink()`, called by `rtnl_newlink_create()` with the nets locked; `net` is the
    /// target net.
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno>;
    /// `ops->dellink(dev, head)`.
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList);
    /// `dev->netdev_ops->ndo_init(dev)`, from `register_netdevice()`.
    fn ndo_init(&self, _k: &Kernel, _dev: DevId) -> Result<(), Errno> {
        Ok(())
    }
    /// `dev->netdev_ops->ndo_uninit(dev)`, from `unregister_netdevice_many_notify()`.
    fn ndo_uninit(&self, _k: &Kernel, _dev: DevId) {}
    /// `dev->priv_destructor(dev)`, from `netdev_run_todo()` once the refcount is 1.
    fn priv_destructor(&self, _k: &Kernel, _dev: DevId) {}
    /// `ops->get_link_net(dev)`: the net of the device's socket, for the tunnels (the model
    /// does not ask it of ipvlan and macvlan, whose link net is their lower's).
    fn get_link_net(&self, _dev: &DevState) -> Option<NetId> {
        None
    }
    /// `dev->type`, as the driver's `setup()` sets it: `ARPHRD_ETHER` unless said otherwise.
    fn dev_type(&self) -> u16 {
        ARPHRD_ETHER
    }
    /// [model] A fact about the driver, not a kernel field: the places where the series left
    /// this driver unconverted, so that the C unregisters one of its devices without the
    /// per-netns lock of the device's net on purpose. S5 exempts exactly these (empty: a
    /// converted driver, never exempt). `k` tells a driver converted by a follow-up variant
    /// ([`crate::variants::Variant::is_followup`]) from its unconverted form.
    fn s5_unconverted(&self, _k: &Kernel) -> &'static [S5Exemption] {
        &[]
    }
    /// [model] The module that owns the ops (`ops->netdev_ops`, `dev->priv_destructor`): its
    /// unload frees them ([`crate::module`]). Every modelled driver is a module named as its kind.
    fn owner(&self) -> &'static str {
        self.kind()
    }
    /// [model] The C function behind `op` (`"dellink"`, `"ndo_uninit"`, `"priv_destructor"`,
    /// `"rtnl_link_fill"`), for S17's message; `None` prints `dev->op`.
    fn symbol(&self, _op: &'static str) -> Option<&'static str> {
        None
    }
    /// Whether the driver's `setup()` sets `dev->priv_destructor`: only then does
    /// `netdev_run_todo()` call into the driver there.
    fn has_priv_destructor(&self) -> bool {
        false
    }
}

/// [model] Where the C knowingly leaves another net's device on a final kill list, so that
/// `unregister_netdevice_many()` unregisters it under the caller's locks only. Declared by an
/// unconverted driver ([`RtnlLinkOps::s5_unconverted`]); each names the C line.
#[derive(Debug)]
pub struct S5Exemption {
    /// The driver function that queued the device (`unregister_netdevice_queue(dev, head)`).
    pub queued_by: &'static str,
    /// The function whose `unregister_netdevice_many()` unregisters it.
    pub caller: &'static str,
    /// Whether the device must have been left on the list by
    /// `unregister_netdevice_queue_many_net()`'s `continue` (the per-netns split ran).
    pub needs_skip: bool,
    /// The C that does it, file, function and commit.
    pub c_line: &'static str,
}

/// `ARPHRD_ETHER`, include/uapi/linux/if_arp.h.
pub const ARPHRD_ETHER: u16 = 1;
/// `ARPHRD_NONE`, include/uapi/linux/if_arp.h: a device without a link-layer header (bareudp).
pub const ARPHRD_NONE: u16 = 0xFFFE;

impl fmt::Debug for dyn RtnlLinkOps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rtnl_link_ops({})", self.kind())
    }
}

/// Models `rtnl_link_register(ops)`: net/core/rtnetlink.c, MN@af3634d4. Adds `ops` to
/// `link_ops`, at boot (a driver's `module_init`).
pub fn rtnl_link_register(k: &mut Kernel, ops: &'static dyn RtnlLinkOps) {
    assert!(rtnl_link_ops_get(k, ops.kind()).is_none(), "rtnl_link_register: {} registered twice", ops.kind());
    k.ops.link_ops.push(ops);
}

/// Models `rtnl_link_ops_get(kind)`: net/core/rtnetlink.c, MN@af3634d4.
pub fn rtnl_link_ops_get(k: &Kernel, kind: &str) -> Option<&'static dyn RtnlLinkOps> {
    k.ops.link_ops.iter().copied().find(|o| o.kind() == kind)
}

/// Models `rtnl_newlink_create()`: net/core/rtnetlink.c, MN@5ecbbb17. `ops->newlink()` of the
/// ops `rtnl_newlink()` looked up.
fn rtnl_newlink_create(k: &Kernel, net: NetId, ops: &'static dyn RtnlLinkOps, req: &NewLink) -> Result<(), Errno> {
    crate::module::driver_op(k, ops.owner(), None, || format!("{}_link_ops.newlink({})", ops.kind(), req.name));
    ops.newlink(k, net, req)
}

/// Models `__rtnl_kill_links(net, ops, dev_kill_list)`: net/core/rtnetlink.c, MN@49c26d4b (patch
/// 2, unchanged at MN@af3634d4): `for_each_netdev(net, dev)`, `ops->dellink(dev, dev_kill_list)`
/// for each device of the kind, onto the unload's one list. No per-netns lock is taken.
#[doc(alias = "__rtnl_kill_links")]
pub fn rtnl_kill_links(k: &Kernel, net: NetId, ops: &'static dyn RtnlLinkOps, dev_kill_list: &mut KillList) {
    let _f = k.enter_net("__rtnl_kill_links", net);
    let devs: Vec<DevId> = k.net(net, |n| n.dev_base.clone());
    for dev in devs {
        if k.dev(dev, |d| d.rtnl_link_ops.kind() == ops.kind()) {
            crate::module::dev_link_ops(k, dev, "dellink").dellink(k, dev, dev_kill_list);
        }
    }
}

/// Steps 5 and 6 of `rtnl_link_unregister()` as patch 7 may have left them [reconstructed]
/// ([`crate::variants::Variant::ProbeA7Patch7KillLinksPerNet`]), in the shape of
/// `default_device_exit_batch()` at MP@05fe7484: per net, under its lock, kill its devices of the
/// kind and move them to its `dev_unreg_head` (`unregister_netdevice_queue_many_net()`), then
/// `__rtnl_net_unlock(net)` drains it, with whatever another net's `dellink` queued there; one
/// final `unregister_netdevice_many()` for devices of other nets left on the list.
fn rtnl_kill_links_per_net(k: &Kernel, ops: &'static dyn RtnlLinkOps, nets: &[NetId]) {
    let mut dev_kill_list = KillList::new(k);
    for &net in nets {
        let sync = k.net_sync(net);
        let nl = rtnl_net_lock_raw(k, net, &sync);
        rtnl_kill_links(k, net, ops, &mut dev_kill_list);
        crate::dev::unregister_netdevice_queue_many_net(k, net, &mut dev_kill_list);
        rtnl_net_unlock_raw(k, net, nl);
    }
    unregister_netdevice_many(k, &mut dev_kill_list);
}

/// Models the pre-series `__rtnl_kill_links(net, ops)`: net/core/rtnetlink.c, MP@131cec14: the
/// same walk onto a list of its own (`LIST_HEAD(list_kill)`), then
/// `unregister_netdevice_many(&list_kill)` for this net.
fn rtnl_kill_links_pre_series(k: &Kernel, net: NetId, ops: &'static dyn RtnlLinkOps) {
    let _f = k.enter_net("__rtnl_kill_links", net);
    let mut list_kill = KillList::new(k);
    let devs: Vec<DevId> = k.net(net, |n| n.dev_base.clone());
    for dev in devs {
        if k.dev(dev, |d| d.rtnl_link_ops.kind() == ops.kind()) {
            crate::module::dev_link_ops(k, dev, "dellink").dellink(k, dev, &mut list_kill);
        }
    }
    unregister_netdevice_many(k, &mut list_kill);
}

/// Models `rtnl_lock_unregistering_all()`: net/core/rtnetlink.c, MN@af3634d4 (the same at
/// MP@131cec14). Returns with RTNL held once no device is unregistering in any net:
/// `add_wait_queue(&netdev_unregistering_wq)`; loop { `rtnl_lock()`; `if
/// (!atomic_read(&dev_unreg_count)) break`; `__rtnl_unlock()`; `wait_woken()` }.
///
/// `dev_unreg_count` counts devices between the end of `unregister_netdevice_many_notify()` and
/// the end of `netdev_run_todo()`. A device on some `net->dev_unreg_head` is not counted.
pub fn rtnl_lock_unregistering_all(k: &Kernel) -> Rtnl<'_> {
    let _f = k.enter("rtnl_lock_unregistering_all");
    loop {
        let rtnl = rtnl_lock(k);
        let (count, seen) = crate::module::dev_unreg_count_read(k);
        if count == 0 {
            return rtnl;
        }
        rtnl_unlock_raw(k, rtnl);
        crate::module::wait_unregistering(k, seen, count);
    }
}

/// Models `rtnl_link_unregister(ops)`: net/core/rtnetlink.c, MN@49c26d4b (patch 2) =
/// MN@af3634d4; pre-series MP@131cec14.
///
/// # Kernel steps
/// 1. `list_del_rcu(&ops->list)` under `link_ops_mutex`.
/// 2. `synchronize_srcu(&ops->srcu)`: in-flight `rtnl_newlink()`s with these ops finish.
/// 3. `down_write(&pernet_ops_rwsem)` ("Close the race with setup_net() and cleanup_net()").
/// 4. `rtnl_lock_unregistering_all()`: RTNL, with `dev_unreg_count == 0`.
/// 5. `for_each_net(net) __rtnl_kill_links(net, ops, &dev_kill_list)`, no per-netns lock
///    (pre-series: each net's devices unregistered at once, on a list of its own).
/// 6. [series] `unregister_netdevice_many(&dev_kill_list)`: one batch for every net.
/// 7. `rtnl_unlock()`: `netdev_run_todo()` waits for and frees this batch.
/// 8. `up_write(&pernet_ops_rwsem)`.
///
/// A device a converted `dellink` handed to another net's `dev_unreg_head` is neither on the
/// batch nor counted: nothing here waits for that net's work (hazard A7, docs/findings.md).
pub fn rtnl_link_unregister(k: &Kernel, ops: &'static dyn RtnlLinkOps) {
    let _f = k.enter("rtnl_link_unregister");
    crate::module::link_ops_unlist_and_sync(k, ops.owner());
    // mutant unload-no-pernet-rwsem: setup_net() and cleanup_net() run meanwhile.
    let rwsem = !k.mutated(Mutant::UnloadNoPernetRwsem);
    if rwsem {
        crate::module::pernet_ops_down_write(k);
    }
    // mutant unload-no-wait-unregistering: rtnl_lock() instead of rtnl_lock_unregistering_all().
    let rtnl = if k.mutated(Mutant::UnloadNoWaitUnregistering) { rtnl_lock(k) } else { rtnl_lock_unregistering_all(k) };
    let nets = crate::module::for_each_net(k);
    if k.mode().small_rtnl() && k.cfg.has(crate::variants::Variant::ProbeA7Patch7KillLinksPerNet) {
        rtnl_kill_links_per_net(k, ops, &nets);
    } else if k.mode().small_rtnl() {
        let mut dev_kill_list = KillList::new(k);
        for net in nets {
            rtnl_kill_links(k, net, ops, &mut dev_kill_list);
        }
        unregister_netdevice_many(k, &mut dev_kill_list);
    } else {
        for net in nets {
            rtnl_kill_links_pre_series(k, net, ops);
        }
    }
    rtnl_unlock(k, rtnl);
    if k.cfg.has(crate::variants::Variant::FixA7UnloadFlush) {
        // Fix for A7: wait for every net's rtnl_work, after every lock but the rwsem (S9),
        // as default_device_exit_batch() does.
        rtnl_net_flush_workqueue(k);
    }
    if rwsem {
        crate::module::pernet_ops_up_write(k);
    }
}
