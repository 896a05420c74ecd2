//! The driver interfaces the core calls: `rtnl_link_ops` (`newlink`, `dellink`),
//! `net_device_ops` (`ndo_init`, `ndo_uninit`), `priv_destructor`, the netdevice notifier chain
//! and the pernet `exit_rtnl` ops. Each driver lives in a module named after its C file.

use crate::dev::KillList;
use crate::kernel::{DevId, Kernel, NetId};
use crate::netdevice::{netdev_hold, netdev_lock, netdev_put, netdev_unlock};
use crate::rtnetlink::Errno;
use crate::script::LinkKind;
use crate::{bareudp, ipvlan_main, macvlan, veth, vxlan_core};
use serde::{Deserialize, Serialize};

/// `dev->rtnl_link_ops->kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DevKind {
    Veth,
    Ipvlan,
    Macvlan,
    Bareudp,
    Vxlan,
}

impl DevKind {
    pub fn name(self) -> &'static str {
        match self {
            DevKind::Veth => "veth",
            DevKind::Ipvlan => "ipvlan",
            DevKind::Macvlan => "macvlan",
            DevKind::Bareudp => "bareudp",
            DevKind::Vxlan => "vxlan",
        }
    }
}

/// `netdev_priv(dev)`: the driver's private part, as plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevPriv {
    /// veth keeps its peer pointer in [`crate::netdevice::DevSync::veth_peer`] (an atomic).
    Veth,
    Ipvlan(ipvlan_main::IpvlDev),
    Macvlan(macvlan::MacvlanDev),
    Bareudp(bareudp::BareudpDev),
    Vxlan(vxlan_core::VxlanDev),
}

/// Per-driver state not attached to a device or a net.
#[derive(Debug, Default)]
pub struct DriverState {
    pub ipvlan: ipvlan_main::IpvlanState,
    pub macvlan: macvlan::MacvlanState,
}

/// An `RTM_NEWLINK` request with its namespaces resolved (`IFLA_LINK_NETNSID`, the peer's
/// `IFLA_NET_NS_FD`).
#[derive(Clone, Debug)]
pub struct NewLink {
    pub name: String,
    pub kind: LinkKind,
    pub link_net: Option<NetId>,
    pub peer_net: Option<NetId>,
}

/// `ops->newlink()`: the pointer call of `struct rtnl_link_ops` (include/net/rtnetlink.h) in
/// `rtnl_newlink_create()`, net/core/rtnetlink.c, after `rtnl_newlink()` locked the nets. `net` is
/// the target net.
pub fn newlink(k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
    match &req.kind {
        LinkKind::Veth { peer, .. } => veth::veth_newlink(k, net, &req.name, peer, req.peer_net.unwrap_or(net)),
        LinkKind::Ipvlan { link, .. } => {
            ipvlan_main::ipvlan_link_new(k, net, &req.name, req.link_net.unwrap_or(net), link)
        }
        LinkKind::Macvlan { link, .. } => {
            macvlan::macvlan_newlink(k, net, &req.name, req.link_net.unwrap_or(net), link)
        }
        LinkKind::Bareudp { dstport, .. } => {
            bareudp::bareudp_newlink(k, net, &req.name, req.link_net.unwrap_or(net), *dstport)
        }
        LinkKind::Vxlan { id, dstport } => {
            vxlan_core::vxlan_newlink(k, net, &req.name, req.link_net.unwrap_or(net), *id, *dstport)
        }
    }
}

/// `dev->rtnl_link_ops->dellink(dev, head)`: the pointer call of `struct rtnl_link_ops`,
/// include/net/rtnetlink.h.
pub fn dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    match k.dev(dev, |d| d.kind) {
        DevKind::Veth => veth::veth_dellink(k, dev, head),
        DevKind::Ipvlan => ipvlan_main::ipvlan_link_delete(k, dev, head),
        DevKind::Macvlan => macvlan::macvlan_dellink(k, dev, head),
        DevKind::Bareudp => bareudp::bareudp_dellink(k, dev, head),
        DevKind::Vxlan => vxlan_core::vxlan_dellink(k, dev, head),
    }
}

/// `dev->netdev_ops->ndo_init(dev)`: the pointer call of `struct net_device_ops`
/// (include/linux/netdevice.h), from `register_netdevice()` in net/core/dev.c.
pub fn ndo_init(k: &Kernel, dev: DevId) -> Result<(), Errno> {
    match k.dev(dev, |d| d.kind) {
        DevKind::Ipvlan => ipvlan_main::ipvlan_init(k, dev),
        DevKind::Macvlan => macvlan::macvlan_init(k, dev),
        DevKind::Veth | DevKind::Bareudp | DevKind::Vxlan => Ok(()),
    }
}

/// `dev->netdev_ops->ndo_uninit(dev)`: the pointer call of `struct net_device_ops`
/// (include/linux/netdevice.h), from `unregister_netdevice_many_notify()` in net/core/dev.c.
pub fn ndo_uninit(k: &Kernel, dev: DevId) {
    match k.dev(dev, |d| d.kind) {
        DevKind::Ipvlan => ipvlan_main::ipvlan_uninit(k, dev),
        DevKind::Macvlan => macvlan::macvlan_uninit(k, dev),
        DevKind::Veth | DevKind::Bareudp | DevKind::Vxlan => {}
    }
}

/// `dev->priv_destructor(dev)`: the pointer call of a `struct net_device` member
/// (include/linux/netdevice.h), from `netdev_run_todo()` in net/core/dev.c once the refcount is 1.
pub fn priv_destructor(k: &Kernel, dev: DevId) {
    if k.dev(dev, |d| d.kind) == DevKind::Macvlan {
        macvlan::macvlan_dev_free(k, dev);
    }
}

/// `dev->netns_immutable`: a `struct net_device` flag, include/linux/netdevice.h. None of the
/// modelled devices sets it.
pub fn netns_immutable(_kind: DevKind) -> bool {
    false
}

/// The netdevice notifier events the modelled handlers act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetdevEvent {
    Register,
    Unregister,
}

/// `call_netdevice_notifiers(event, dev)`: net/core/dev.c, MP@05fe7484. Every registered handler,
/// in order.
pub fn call_netdevice_notifiers(k: &Kernel, event: NetdevEvent, dev: DevId) {
    let _f = k.enter_dev("call_netdevice_notifiers", dev);
    ipvlan_main::ipvlan_device_event(k, event, dev);
    macvlan::macvlan_device_event(k, event, dev);
}

/// A pernet operation's `exit_rtnl(net, dev_kill_list)`.
pub type ExitRtnl = fn(&Kernel, NetId, &mut KillList);

/// The `exit_rtnl` ops, in the reverse order `ops_exit_rtnl_list()` runs them.
pub const EXIT_RTNL_OPS: &[ExitRtnl] = &[vxlan_core::vxlan_exit_rtnl, bareudp::bareudp_exit_rtnl_net];

/// `alloc_netdev_mqs()` plus the driver's `setup`: net/core/dev.c, MP@05fe7484. A new UNINITIALIZED
/// device in `net` with refcount 1 (the allocation's reference, never put) and `needs_free_netdev`
/// set, as every modelled driver's setup does.
pub fn alloc_netdev(k: &Kernel, name: &str, net: NetId, kind: DevKind, priv_: DevPriv) -> DevId {
    use crate::lockdep::LockClass;
    use crate::netdevice::{DevState, DevSync, RegState};
    use crate::sync::atomic::AtomicUsize;
    let (id, ifindex) = k.with(|s| {
        let ifindex = s.next_ifindex;
        s.next_ifindex += 1;
        (s.devs.len(), ifindex)
    });
    let sync = crate::sync::Shared::new(DevSync {
        lock: k.new_lock(LockClass::DevInstance, ifindex, format!("{name}->lock")),
        refcnt: AtomicUsize::new(1),
        veth_peer: AtomicUsize::new(0),
    });
    k.with(|s| {
        s.devs.push(DevState {
            id,
            name: name.to_string(),
            ifindex,
            nd_net: net,
            reg_state: RegState::Uninitialized,
            kind,
            priv_,
            freed: false,
            needs_free_netdev: true,
            trackers: Vec::new(),
            unreg_list: None,
            unreg_list_net: None,
            todo: false,
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
