//! ipvlan: drivers/net/ipvlan/ipvlan_main.c. Series: multipath-tcp/mptcp_net-next @3fda4180
//! (patches 11-14: refcounted port count, `netdev_lock(phy)` in init/uninit, `pnodes_lock`,
//! `dying` and per-netns deletion). Pre-series: before patch 11 (count and list under RTNL
//! only, uppers deleted on the lower's kill list), [recon] from the patch subjects.

use crate::dev::{
    alloc_netdev, free_netdev, netdev_upper_dev_link, netdev_upper_dev_unlink, register_netdevice,
    register_netdevice_notifier, unregister_netdevice_many, unregister_netdevice_queue, unregister_netdevice_queue_net,
    KillList, NotifierBlock,
};
use crate::kernel::{DevId, Kernel, NetId};
use crate::lockdep::{mutex_unlock, LockClass, Mutex, MutexGuard};
use crate::mutants::Mutant;
use crate::netdevice::{
    netdev_hold, netdev_lock, netdev_priv, netdev_priv_mut, netdev_put, netdev_unlock, NetdevEvent, RegState,
};
use crate::properties::Property;
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, ARPHRD_ETHER};
use crate::script::LinkKind;
use crate::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::sync::Shared;
use std::collections::BTreeMap;

pub type PortId = usize;

/// `struct ipvl_dev`, the upper's private part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpvlDev {
    /// `ipvlan->phy_dev`: the real lower device (never an ipvlan).
    pub phy_dev: DevId,
    pub port: Option<PortId>,
    /// `ipvlan->dying`, set under `pnodes_lock` by the lower's NETDEV_UNREGISTER (patch 14).
    pub dying: bool,
}

/// `struct ipvl_port`: one per lower device.
#[derive(Debug)]
pub struct Port {
    pub dev: DevId,
    /// `port->ipvlans`, protected by `pnodes_lock` (patch 13; RTNL before).
    pub ipvlans: Vec<DevId>,
    pub destroyed: bool,
    pub sync: Shared<PortSync>,
}

#[derive(Debug)]
pub struct PortSync {
    /// `port->pnodes_lock` (patch 13).
    pub pnodes_lock: Mutex<()>,
    /// `port->count`, a `refcount_t` since patch 11.
    pub count: AtomicUsize,
}

/// ipvlan's global state: the ports, and which lower each is attached to
/// (`phy_dev->rx_handler_data`).
#[derive(Debug, Default)]
pub struct IpvlanState {
    pub ports: Vec<Port>,
    pub port_of: BTreeMap<DevId, PortId>,
    /// `__ipvtap_dellink_ptr` (patch 14): ipvtap's `__ipvtap_dellink()`, which ipvtap sets at
    /// its init so that ipvlan's NETDEV_UNREGISTER handler can delete an ipvtap upper without
    /// `ipvtap_dellink()`'s `pnodes_lock`.
    pub ipvtap_dellink: Option<fn(&Kernel, NetId, DevId, &mut KillList)>,
}

/// Sets `__ipvtap_dellink_ptr` (ipvtap's `module_init`).
pub(crate) fn set_ipvtap_dellink_ptr(k: &mut Kernel, f: fn(&Kernel, NetId, DevId, &mut KillList)) {
    ipvlan_state(k, |st| st.ipvtap_dellink = Some(f));
}

fn priv_of(k: &Kernel, dev: DevId) -> IpvlDev {
    netdev_priv(k, dev)
}

fn set_priv(k: &Kernel, dev: DevId, f: impl FnOnce(&mut IpvlDev)) {
    netdev_priv_mut(k, dev, f)
}

/// ipvlan's module data ([`IpvlanState`]).
fn ipvlan_state<R>(k: &Kernel, f: impl FnOnce(&mut IpvlanState) -> R) -> R {
    k.with(|s| f(s.driver_data()))
}

fn port_sync(k: &Kernel, port: PortId) -> Shared<PortSync> {
    ipvlan_state(k, |st| st.ports[port].sync.clone())
}

/// `netif_is_ipvlan_port(dev)` (include/linux/netdevice.h) and `ipvlan_port_get_rcu(dev)`
/// (drivers/net/ipvlan/ipvlan.h).
pub fn port_of(k: &Kernel, dev: DevId) -> Option<PortId> {
    ipvlan_state(k, |st| st.port_of.get(&dev).copied())
}

/// `port->ipvlans`, read or edited: under `port->pnodes_lock` since patch 13, RTNL before (S16
/// asserts it).
fn port_ipvlans<R>(k: &Kernel, port: PortId, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
    let sync = k.mode().small_rtnl().then(|| port_sync(k, port));
    let what = format!("port({})->ipvlans", k.dev_name(ipvlan_state(k, |st| st.ports[port].dev)));
    k.access(&what);
    k.assert_list_lock(|| what, sync.as_ref().map(|s| s.pnodes_lock.id()));
    ipvlan_state(k, |st| f(&mut st.ports[port].ipvlans))
}

fn lock_pnodes<'a>(k: &Kernel, sync: &'a Shared<PortSync>) -> Option<MutexGuard<'a, ()>> {
    k.mode().small_rtnl().then(|| sync.pnodes_lock.lock())
}

/// Models `ipvlan_port_create()`: drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180. The rx handler,
/// and (fix 40b9d1ab63f5) `netdev_hold(dev, &port->dev_tracker)` so the lower outlives every upper
/// that uses it.
fn ipvlan_port_create(k: &Kernel, phy: DevId) -> PortId {
    let _f = k.enter_dev("ipvlan_port_create", phy);
    k.access_dev(phy, "rx_handler");
    let (name, ifindex) = k.dev(phy, |d| (d.name.clone(), d.ifindex));
    let sync = Shared::new(PortSync {
        pnodes_lock: k.new_lock(LockClass::IpvlanPnodes, ifindex, format!("port({name})->pnodes_lock")),
        count: AtomicUsize::new(0),
    });
    let id = ipvlan_state(k, |st| {
        let id = st.ports.len();
        st.ports.push(Port { dev: phy, ipvlans: Vec::new(), destroyed: false, sync });
        st.port_of.insert(phy, id);
        id
    });
    if k.mutated(Mutant::IpvlanPortNoHold) {
        // mutant ipvlan-port-no-hold: the port does not hold the lower (undoes 40b9d1ab63f5).
        return id;
    }
    netdev_hold(k, Some(phy), &port_tracker(k, id));
    id
}

fn port_tracker(k: &Kernel, port: PortId) -> String {
    let dev = ipvlan_state(k, |st| st.ports[port].dev);
    format!("port({})->dev_tracker", k.dev_name(dev))
}

/// Models `ipvlan_port_destroy()`: drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180.
/// `netdev_rx_handler_unregister(dev)` (ASSERT_RTNL), `netdev_put(dev, &port->dev_tracker)`,
/// `kfree(port)`.
fn ipvlan_port_destroy(k: &Kernel, port: PortId) {
    let dev = ipvlan_state(k, |st| st.ports[port].dev);
    let _f = k.enter_dev("ipvlan_port_destroy", dev);
    k.assert_rtnl("netdev_rx_handler_unregister");
    k.access_dev(dev, "rx_handler");
    let tracker = port_tracker(k, port);
    ipvlan_state(k, |st| {
        st.ports[port].destroyed = true;
        st.port_of.remove(&dev);
    });
    if k.mutated(Mutant::IpvlanPortNoHold) {
        // mutant ipvlan-port-no-hold: no hold taken, so none to put.
        return;
    }
    netdev_put(k, Some(dev), &tracker);
}

/// Models `ipvlan_port_get()`: drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180 (patch 11).
/// `refcount_inc_not_zero(&port->count)` under RCU (S12: a port at zero is never revived).
fn ipvlan_port_get(k: &Kernel, dev: DevId) -> Option<PortId> {
    let port = port_of(k, dev)?;
    let sync = port_sync(k, port);
    let mut cur = sync.count.load(SeqCst);
    loop {
        if cur == 0 {
            return None;
        }
        match sync.count.compare_exchange(cur, cur + 1, SeqCst, SeqCst) {
            Ok(_) => return Some(port),
            Err(now) => cur = now,
        }
    }
}

/// Models `ipvlan_port_put()`: drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180.
/// `refcount_dec_and_test()`, the last put destroys the port.
fn ipvlan_port_put(k: &Kernel, port: PortId) {
    let sync = port_sync(k, port);
    let old = sync.count.fetch_sub(1, SeqCst);
    if old == 0 {
        k.bug(Property::IpvlanPortCount, "refcount_t: underflow on ipvl_port.count");
    }
    if old == 1 {
        ipvlan_port_destroy(k, port);
    }
}

/// Models `ipvlan_init()` (ndo_init): drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180. Under
/// `netdev_lock(phy_dev)` (patch 12), create the port with count 1 or `refcount_inc()` it.
pub fn ipvlan_init(k: &Kernel, dev: DevId) -> Result<(), Errno> {
    let _f = k.enter_dev("ipvlan_init", dev);
    let phy = priv_of(k, dev).phy_dev;
    let psync = k.dev_sync(phy);
    let g = k.mode().small_rtnl().then(|| netdev_lock(k, &psync));
    let port = match port_of(k, phy) {
        None => {
            let port = ipvlan_port_create(k, phy);
            port_sync(k, port).count.store(1, SeqCst);
            port
        }
        Some(port) => {
            if port_sync(k, port).count.fetch_add(1, SeqCst) == 0 {
                k.warn(Property::IpvlanPortCount, "refcount_t: addition on 0; use-after-free (ipvl_port)");
            }
            port
        }
    };
    if let Some(g) = g {
        netdev_unlock(g);
    }
    set_priv(k, dev, |p| p.port = Some(port));
    Ok(())
}

/// Models `ipvlan_uninit()` (ndo_uninit): drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180. In the
/// upper's unregistration, possibly on another net's worker: `netdev_hold(phy)`,
/// `netdev_lock(phy)`, `ipvlan_port_put()` (the last one puts the lower), unlock,
/// `netdev_put(phy)`. It touches the lower of another net with only its own per-netns lock: safe
/// while RTNL is global (hazard A5).
pub fn ipvlan_uninit(k: &Kernel, dev: DevId) {
    let _f = k.enter_dev("ipvlan_uninit", dev);
    let p = priv_of(k, dev);
    let Some(port) = p.port else { return };
    let series = k.mode().small_rtnl();
    let tracker = format!("ipvlan_uninit({})", k.dev_name(dev));
    if series {
        netdev_hold(k, Some(p.phy_dev), &tracker);
    }
    let psync = k.dev_sync(p.phy_dev);
    // mutant ipvlan-uninit-no-lower-lock: put the port without netdev_lock(phy_dev).
    let g = (series && !k.mutated(Mutant::IpvlanUninitNoLowerLock)).then(|| netdev_lock(k, &psync));
    ipvlan_port_put(k, port);
    // mutant ipvlan-uninit-put-before-unlock: the last reference goes before the unlock.
    if series && k.mutated(Mutant::IpvlanUninitPutBeforeUnlock) {
        netdev_put(k, Some(p.phy_dev), &tracker);
        if let Some(g) = g {
            netdev_unlock(g);
        }
        return;
    }
    if let Some(g) = g {
        netdev_unlock(g);
    }
    if series {
        netdev_put(k, Some(p.phy_dev), &tracker);
    }
}

/// Models `ipvlan_link_new()`: drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180. The lower is looked
/// up in the link net; an ipvlan lower is replaced by its own real lower; a non-Ethernet lower
/// (bareudp) is `-EINVAL`; a lower that already has another rx handler (a macvlan port) is busy
/// (`-EBUSY`); then `register_netdevice()` (→ `ipvlan_init`), `netdev_upper_dev_link()` and the
/// list insertion under `pnodes_lock`.
pub fn ipvlan_link_new(
    k: &Kernel,
    net: NetId,
    name: &str,
    link_net: NetId,
    link: &str,
    ops: &'static dyn RtnlLinkOps,
) -> Result<(), Errno> {
    let _f = k.enter_net("ipvlan_link_new", net);
    let mut phy = k.dev_get_by_name(link_net, link).ok_or(Errno::ENODEV)?;
    if netif_is_ipvlan(k, phy) {
        phy = priv_of(k, phy).phy_dev;
    }
    // "Master is either lo or non-ether device": bareudp is ARPHRD_NONE.
    if k.dev(phy, |d| d.type_) != ARPHRD_ETHER {
        return Err(Errno::EINVAL);
    }
    if crate::macvlan::is_port(k, phy) {
        return Err(Errno::EBUSY);
    }
    let dev = alloc_netdev(k, name, net, ops, IpvlDev { phy_dev: phy, port: None, dying: false });
    if let Err(e) = register_netdevice(k, dev) {
        free_netdev(k, dev);
        return Err(e);
    }
    netdev_upper_dev_link(k, phy, dev);
    let port = priv_of(k, dev).port.expect("ipvlan_init set the port");
    let sync = port_sync(k, port);
    let g = lock_pnodes(k, &sync);
    port_ipvlans(k, port, |l| l.push(dev));
    if let Some(g) = g {
        mutex_unlock(g);
    }
    Ok(())
}

/// Models `__ipvlan_link_delete()`: drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180.
/// `list_del_rcu(&ipvlan->pnode)`, [series] `unregister_netdevice_queue_net(net, dev, head)` (plain
/// `unregister_netdevice_queue` before), `netdev_upper_dev_unlink()`.
pub(crate) fn ipvlan_link_delete_raw(k: &Kernel, net: NetId, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("__ipvlan_link_delete", dev);
    let p = priv_of(k, dev);
    if let Some(port) = p.port {
        port_ipvlans(k, port, |l| l.retain(|&d| d != dev));
    }
    // convert-adj-list-instance-lock: without RTNL, the upper's net's work may unregister it as
    // soon as it is on that net's queue, so it must leave the lower's lists first (R7).
    // mutant ipvlan-queue-before-unlink: the series' order under the conversion.
    let unlink_first =
        k.cfg.has(crate::variants::Variant::ConvertAdjListInstanceLock) && !k.mutated(Mutant::IpvlanQueueBeforeUnlink);
    // mutant ipvlan-link-delete-no-unlink: the upper stays on the lower's adjacency lists.
    let unlink = !k.mutated(Mutant::IpvlanLinkDeleteNoUnlink);
    if unlink && unlink_first {
        netdev_upper_dev_unlink(k, p.phy_dev, dev);
    }
    if k.mode().small_rtnl() {
        unregister_netdevice_queue_net(k, net, dev, head);
    } else {
        unregister_netdevice_queue(k, dev, head);
    }
    if unlink && !unlink_first {
        netdev_upper_dev_unlink(k, p.phy_dev, dev);
    }
}

/// Models `ipvlan_link_delete()` (dellink): drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180. Under
/// `pnodes_lock`, delete unless `dying`: the lower's NETDEV_UNREGISTER already handed it to its net
/// (the exactly-once token).
pub fn ipvlan_link_delete(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("ipvlan_link_delete", dev);
    // mutant ipvlan-no-dying: delete even an upper the lower's NETDEV_UNREGISTER already queued.
    let no_dying = k.mutated(Mutant::IpvlanNoDying);
    locked_unless_dying(k, dev, head, no_dying, ipvlan_link_delete_raw);
}

/// The shape of ipvlan's and ipvtap's `dellink` since patch 14: under `pnodes_lock`, delete
/// with `delete(dev_net(dev), dev, head)` unless `dying` (the exactly-once token).
pub(crate) fn locked_unless_dying(
    k: &Kernel,
    dev: DevId,
    head: &mut KillList,
    ignore_dying: bool,
    delete: fn(&Kernel, NetId, DevId, &mut KillList),
) {
    let p = priv_of(k, dev);
    let sync = p.port.map(|port| port_sync(k, port));
    let g = sync.as_ref().and_then(|s| lock_pnodes(k, s));
    if !k.mode().small_rtnl() || !priv_of(k, dev).dying || ignore_dying {
        let net = k.dev_net(dev);
        delete(k, net, dev, head);
    }
    if let Some(g) = g {
        mutex_unlock(g);
    }
}

/// Models `ipvlan_device_event()`: drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180 (patch 14), for
/// the lower `dev`: on NETDEV_UNREGISTER while the lower is UNREGISTERING (not a move), every upper
/// is marked `dying` and deleted through `__ipvlan_link_delete(dev_net(lower), ...)`: same-net
/// uppers on the local list, which is unregistered here; uppers of other nets onto their own net's
/// queue (series).
pub fn ipvlan_device_event(k: &Kernel, event: NetdevEvent, dev: DevId) {
    if event != NetdevEvent::Unregister || port_of(k, dev).is_none() {
        return;
    }
    let _f = k.enter_dev("ipvlan_device_event", dev);
    let series = k.mode().small_rtnl();
    let port = if series {
        match ipvlan_port_get(k, dev) {
            Some(p) => p,
            None => return,
        }
    } else {
        port_of(k, dev).expect("checked above")
    };
    let sync = port_sync(k, port);
    let g = lock_pnodes(k, &sync);
    if k.dev(dev, |d| d.reg_state) == RegState::Unregistering {
        let net = k.dev_net(dev);
        let mut lst_kill = KillList::new(k);
        let uppers = port_ipvlans(k, port, |l| l.clone());
        for upper in uppers {
            set_priv(k, upper, |p| p.dying = true);
            let mut net = net;
            if k.mutated(Mutant::IpvlanEventUpperNet) {
                // mutant ipvlan-event-upper-net: dev_net(ipvlan->dev) instead of dev_net(dev).
                net = k.dev_net(upper);
            }
            if k.dev(upper, |d| d.rtnl_link_ops.kind()) == IPVLAN_LINK_OPS.kind() {
                ipvlan_link_delete_raw(k, net, upper, &mut lst_kill);
            } else if series {
                // #if IS_ENABLED(CONFIG_IPVTAP): __ipvtap_dellink_ptr(net, ipvlan->dev, &lst_kill).
                let delete = ipvlan_state(k, |st| st.ipvtap_dellink).expect("ipvtap registered its __ipvtap_dellink");
                crate::module::driver_op(k, "ipvtap", Some(upper), || {
                    format!("__ipvtap_dellink({}) (__ipvtap_dellink_ptr)", k.dev_name(upper))
                });
                delete(k, net, upper, &mut lst_kill);
            } else {
                // Before patch 14: ipvlan->dev->rtnl_link_ops->dellink(ipvlan->dev, &lst_kill).
                crate::module::dev_link_ops(k, upper, "dellink").dellink(k, upper, &mut lst_kill);
            }
        }
        unregister_netdevice_many(k, &mut lst_kill);
    }
    if let Some(g) = g {
        mutex_unlock(g);
    }
    if series {
        ipvlan_port_put(k, port);
    }
}

/// `ipvlan_link_ops` with `ipvlan_netdev_ops`' `ndo_init`/`ndo_uninit`:
/// drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180.
#[derive(Debug)]
pub struct IpvlanLinkOps;

pub static IPVLAN_LINK_OPS: IpvlanLinkOps = IpvlanLinkOps;

impl RtnlLinkOps for IpvlanLinkOps {
    fn kind(&self) -> &'static str {
        "ipvlan"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Ipvlan { link, .. } = &req.kind else { unreachable!("ipvlan_link_new: {:?}", req.kind) };
        ipvlan_link_new(k, net, &req.name, req.link_net.unwrap_or(net), link, &IPVLAN_LINK_OPS)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        ipvlan_link_delete(k, dev, head)
    }
    fn ndo_init(&self, k: &Kernel, dev: DevId) -> Result<(), Errno> {
        ipvlan_init(k, dev)
    }
    fn ndo_uninit(&self, k: &Kernel, dev: DevId) {
        ipvlan_uninit(k, dev)
    }
}

/// Models `ipvlan_init_module()` (module_init): drivers/net/ipvlan/ipvlan_main.c, MP@3fda4180.
/// `register_netdevice_notifier(&ipvlan_notifier_block)`, then
/// `ipvlan_link_register(&ipvlan_link_ops)` (`rtnl_link_register()`).
pub fn ipvlan_init_module(k: &mut Kernel) {
    register_netdevice_notifier(k, NotifierBlock { notifier_call: ipvlan_device_event, owner: Some("ipvlan") });
    rtnl_link_register(k, &IPVLAN_LINK_OPS);
}

/// Models `ipvlan_cleanup_module()` (module_exit): drivers/net/ipvlan/ipvlan_main.c,
/// upstream (the same order in every version read): `rtnl_link_unregister(&ipvlan_link_ops)`;
/// `ipvlan_l3s_cleanup()` (not modelled); `unregister_netdevice_notifier(&ipvlan_notifier_block)`;
/// the inetaddr notifiers (not modelled).
pub fn ipvlan_cleanup_module(k: &Kernel) {
    // mutant unload-notifier-before-links: the notifier goes first, while uppers still exist.
    if k.mutated(Mutant::UnloadNotifierBeforeLinks) {
        crate::dev::unregister_netdevice_notifier(k, "ipvlan");
        crate::rtnetlink::rtnl_link_unregister(k, &IPVLAN_LINK_OPS);
        return;
    }
    crate::rtnetlink::rtnl_link_unregister(k, &IPVLAN_LINK_OPS);
    crate::dev::unregister_netdevice_notifier(k, "ipvlan");
}

/// `netif_is_ipvlan(dev)`: include/linux/netdevice.h (`IFF_IPVLAN_SLAVE`), which every device
/// `ipvlan_link_new()` made has: ipvlan's and ipvtap's.
pub fn netif_is_ipvlan(k: &Kernel, dev: DevId) -> bool {
    k.dev(dev, |d| matches!(d.rtnl_link_ops.kind(), "ipvlan" | "ipvtap"))
}
