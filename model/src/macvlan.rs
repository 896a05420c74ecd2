//! macvlan: drivers/net/macvlan.c, minuscat/net-next @ed37710d. Not converted by the series:
//! the lower's NETDEV_UNREGISTER deletes every upper, whatever its net, on one local list
//! (an unconverted path: `MacvlanLinkOps::s5_unconverted` declares it, S5 exempts it), and the upper's reference on the lower is
//! dropped in its `priv_destructor`, after the upper's own references drain.

use crate::dev::{
    alloc_netdev, netdev_upper_dev_link, netdev_upper_dev_unlink, register_netdevice, register_netdevice_notifier,
    unregister_netdevice_many, unregister_netdevice_queue, KillList, NotifierBlock,
};
use crate::kernel::{DevId, Kernel, NetId};
use crate::netdevice::{netdev_hold, netdev_priv, netdev_put, NetdevEvent, RegState};
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, S5Exemption, ARPHRD_ETHER};
use crate::script::LinkKind;
use std::collections::BTreeMap;

/// `struct macvlan_dev`, the upper's private part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacvlanDev {
    /// `vlan->lowerdev`: the real lower (never a macvlan).
    pub lowerdev: DevId,
}

/// `struct macvlan_port`: `vlans` and a plain `count`, protected by RTNL.
#[derive(Debug, Default, Clone)]
pub struct MacvlanPort {
    pub vlans: Vec<DevId>,
    pub count: usize,
}

/// Ports by lower device (`lowerdev->rx_handler_data`).
#[derive(Debug, Default)]
pub struct MacvlanState {
    pub ports: BTreeMap<DevId, MacvlanPort>,
}

fn lowerdev(k: &Kernel, dev: DevId) -> DevId {
    netdev_priv::<MacvlanDev>(k, dev).lowerdev
}

/// macvlan's module data ([`MacvlanState`]).
fn macvlan_state<R>(k: &Kernel, f: impl FnOnce(&mut MacvlanState) -> R) -> R {
    k.with(|s| f(s.driver_data()))
}

/// `macvlan_link_ops` with `macvlan_netdev_ops`' `ndo_init`/`ndo_uninit` and
/// `dev->priv_destructor = macvlan_dev_free`: drivers/net/macvlan.c, MN@ed37710d.
#[derive(Debug)]
pub struct MacvlanLinkOps;

pub static MACVLAN_LINK_OPS: MacvlanLinkOps = MacvlanLinkOps;

impl RtnlLinkOps for MacvlanLinkOps {
    fn kind(&self) -> &'static str {
        "macvlan"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Macvlan { link, .. } = &req.kind else { unreachable!("macvlan_newlink: {:?}", req.kind) };
        macvlan_newlink(k, net, &req.name, req.link_net.unwrap_or(net), link)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        macvlan_dellink(k, dev, head)
    }
    fn ndo_init(&self, k: &Kernel, dev: DevId) -> Result<(), Errno> {
        macvlan_init(k, dev)
    }
    fn ndo_uninit(&self, k: &Kernel, dev: DevId) {
        macvlan_uninit(k, dev)
    }
    fn priv_destructor(&self, k: &Kernel, dev: DevId) {
        macvlan_dev_free(k, dev)
    }
    fn has_priv_destructor(&self) -> bool {
        true
    }
    /// macvlan is not converted: its lower's NETDEV_UNREGISTER unregisters uppers of any net.
    fn s5_unconverted(&self, _k: &Kernel) -> &'static [S5Exemption] {
        &[S5Exemption {
            queued_by: "macvlan_dellink",
            caller: "macvlan_device_event",
            needs_skip: false,
            c_line: "drivers/net/macvlan.c macvlan_device_event() MN@ed37710d: \
                     vlan->dev->rtnl_link_ops->dellink(vlan->dev, &list_kill); unregister_netdevice_many(&list_kill)",
        }]
    }
}

/// Models `macvlan_init_module()` (module_init): drivers/net/macvlan.c, MN@ed37710d.
/// `register_netdevice_notifier(&macvlan_notifier_block)`, then
/// `macvlan_link_register(&macvlan_link_ops)` (`rtnl_link_register()`).
pub fn macvlan_init_module(k: &mut Kernel) {
    register_netdevice_notifier(k, NotifierBlock { notifier_call: macvlan_device_event, owner: Some("macvlan") });
    rtnl_link_register(k, &MACVLAN_LINK_OPS);
}

/// Models `macvlan_cleanup_module()` (module_exit): drivers/net/macvlan.c, upstream:
/// `rtnl_link_unregister(&macvlan_link_ops)`; `unregister_netdevice_notifier(&macvlan_notifier_block)`.
pub fn macvlan_cleanup_module(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &MACVLAN_LINK_OPS);
    crate::dev::unregister_netdevice_notifier(k, "macvlan");
}

/// `netif_is_macvlan(dev)`: include/linux/if_macvlan.h (`IFF_MACVLAN`).
pub fn netif_is_macvlan(k: &Kernel, dev: DevId) -> bool {
    k.dev(dev, |d| d.rtnl_link_ops.kind() == MACVLAN_LINK_OPS.kind())
}

fn tracker(k: &Kernel, dev: DevId) -> String {
    format!("{}->dev_tracker", k.dev_name(dev))
}

/// `netif_is_macvlan_port(dev)`: include/linux/netdevice.h.
pub fn is_port(k: &Kernel, dev: DevId) -> bool {
    macvlan_state(k, |st| st.ports.contains_key(&dev))
}

/// Models `macvlan_newlink()` / `macvlan_common_newlink()`: drivers/net/macvlan.c, MN@ed37710d. The
/// lower from the link net, a macvlan lower replaced by its real lower; an ipvlan port is busy;
/// port creation (`netdev_rx_handler_register`); `register_netdevice()` (→ `macvlan_init`);
/// `netdev_upper_dev_link()`; `list_add_tail_rcu(&vlan->list, &port->vlans)`.
pub fn macvlan_newlink(k: &Kernel, net: NetId, name: &str, link_net: NetId, link: &str) -> Result<(), Errno> {
    let _f = k.enter_net("macvlan_newlink", net);
    let mut lower = k.dev_get_by_name(link_net, link).ok_or(Errno::ENODEV)?;
    if netif_is_macvlan(k, lower) {
        lower = lowerdev(k, lower);
    }
    if k.dev(lower, |d| d.type_) != ARPHRD_ETHER {
        return Err(Errno::EINVAL);
    }
    if crate::ipvlan_main::port_of(k, lower).is_some() {
        return Err(Errno::EBUSY);
    }
    let created = !is_port(k, lower);
    if created {
        // macvlan_port_create(): netdev_rx_handler_register(), ASSERT_RTNL().
        k.access_dev(lower, "rx_handler");
    }
    macvlan_state(k, |st| {
        st.ports.entry(lower).or_default();
    });
    let dev = alloc_netdev(k, name, net, &MACVLAN_LINK_OPS, MacvlanDev { lowerdev: lower });
    if let Err(e) = register_netdevice(k, dev) {
        if created {
            macvlan_state(k, |st| st.ports.remove(&lower));
        }
        crate::dev::free_netdev(k, dev);
        return Err(e);
    }
    netdev_upper_dev_link(k, lower, dev);
    macvlan_state(k, |st| st.ports.get_mut(&lower).expect("port").vlans.push(dev));
    Ok(())
}

/// Models `macvlan_init()` (ndo_init): drivers/net/macvlan.c, MN@ed37710d. `port->count += 1`; "Get
/// macvlan's reference to lowerdev": `netdev_hold(lowerdev, &vlan->dev_tracker)`.
pub fn macvlan_init(k: &Kernel, dev: DevId) -> Result<(), Errno> {
    let _f = k.enter_dev("macvlan_init", dev);
    let lower = lowerdev(k, dev);
    k.access_dev(lower, "macvlan_port.count");
    macvlan_state(k, |st| st.ports.get_mut(&lower).expect("port").count += 1);
    netdev_hold(k, Some(lower), &tracker(k, dev));
    Ok(())
}

/// Models `macvlan_uninit()` (ndo_uninit): drivers/net/macvlan.c, MN@ed37710d. `port->count -= 1`;
/// the last one destroys the port.
pub fn macvlan_uninit(k: &Kernel, dev: DevId) {
    let _f = k.enter_dev("macvlan_uninit", dev);
    let lower = lowerdev(k, dev);
    k.access_dev(lower, "macvlan_port.count");
    let destroyed = macvlan_state(k, |st| {
        let p = st.ports.get_mut(&lower)?;
        p.count -= 1;
        (p.count == 0).then(|| st.ports.remove(&lower))
    });
    if destroyed.is_some() {
        // macvlan_port_destroy(): netdev_rx_handler_unregister(), ASSERT_RTNL().
        k.access_dev(lower, "rx_handler");
    }
}

/// Models `macvlan_dev_free()` (priv_destructor): drivers/net/macvlan.c, MN@ed37710d. "Get rid of
/// the macvlan's reference to lowerdev".
pub fn macvlan_dev_free(k: &Kernel, dev: DevId) {
    let _f = k.enter_dev("macvlan_dev_free", dev);
    let lower = lowerdev(k, dev);
    netdev_put(k, Some(lower), &tracker(k, dev));
}

/// Models `macvlan_dellink()`: drivers/net/macvlan.c, MN@ed37710d. `list_del_rcu(&vlan->list)`;
/// `unregister_netdevice_queue(dev, head)` (no per-netns variant: unconverted);
/// `netdev_upper_dev_unlink()`.
pub fn macvlan_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("macvlan_dellink", dev);
    let lower = lowerdev(k, dev);
    macvlan_state(k, |st| {
        if let Some(p) = st.ports.get_mut(&lower) {
            p.vlans.retain(|&v| v != dev);
        }
    });
    unregister_netdevice_queue(k, dev, head);
    netdev_upper_dev_unlink(k, lower, dev);
}

/// Models `macvlan_device_event()`: drivers/net/macvlan.c, MN@ed37710d, for the lower `dev`: on
/// NETDEV_UNREGISTER while UNREGISTERING ("twiddle thumbs on netns device moves"), `dellink` every
/// upper onto one list and `unregister_netdevice_many()` it under the lower's locks only.
pub fn macvlan_device_event(k: &Kernel, event: NetdevEvent, dev: DevId) {
    if event != NetdevEvent::Unregister || !is_port(k, dev) {
        return;
    }
    let _f = k.enter_dev("macvlan_device_event", dev);
    if k.dev(dev, |d| d.reg_state) != RegState::Unregistering {
        return;
    }
    let mut list_kill = KillList::new(k);
    let vlans = macvlan_state(k, |st| st.ports[&dev].vlans.clone());
    for vlan in vlans {
        macvlan_dellink(k, vlan, &mut list_kill);
    }
    unregister_netdevice_many(k, &mut list_kill);
}
