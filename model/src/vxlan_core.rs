//! vxlan: drivers/net/vxlan/vxlan_core.c, multipath-tcp/mptcp_net-next @0518c33e. Not
//! converted: `vxlan_dellink()` uses plain `unregister_netdevice_queue()`, so a device whose
//! socket net dies while the device lives elsewhere is unregistered by the unconverted final
//! `unregister_netdevice_many()` of `ops_exit_rtnl_list()`.

use crate::dev::{alloc_netdev, register_netdevice, unregister_netdevice_queue, KillList};
use crate::kernel::{DevId, Kernel, NetId};
use crate::net_namespace::{register_pernet_subsys, PernetOperations};
use crate::netdevice::{netdev_priv, DevState};
use crate::properties::Property;
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, S5Exemption};
use crate::script::LinkKind;

/// `struct vxlan_dev`, the device's private part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VxlanDev {
    /// `vxlan->net`: the link net, whose `vxlan_net` lists the device.
    pub net: NetId,
    pub vni: u32,
    pub port: u16,
}

fn vxlan_priv(k: &Kernel, dev: DevId) -> VxlanDev {
    netdev_priv(k, dev)
}

/// `vxlan_link_ops`: drivers/net/vxlan/vxlan_core.c, MP@0518c33e.
#[derive(Debug)]
pub struct VxlanLinkOps;

pub static VXLAN_LINK_OPS: VxlanLinkOps = VxlanLinkOps;

impl RtnlLinkOps for VxlanLinkOps {
    fn kind(&self) -> &'static str {
        "vxlan"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Vxlan { id, dstport } = req.kind else { unreachable!("vxlan_newlink: {:?}", req.kind) };
        vxlan_newlink(k, net, &req.name, req.link_net.unwrap_or(net), id, dstport)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        vxlan_dellink(k, dev, head)
    }
    /// `vxlan_get_link_net()`: `vxlan->net`.
    fn get_link_net(&self, dev: &DevState) -> Option<NetId> {
        Some(dev.priv_ref::<VxlanDev>().net)
    }
    /// vxlan is not converted: its socket net's `exit_rtnl` queues devices of other nets, which
    /// the per-netns split leaves on the list for the final `unregister_netdevice_many()`.
    fn s5_unconverted(&self, _k: &Kernel) -> &'static [S5Exemption] {
        &[S5Exemption {
            queued_by: "vxlan_dellink",
            caller: "ops_exit_rtnl_list",
            needs_skip: true,
            c_line: "net/core/dev.c unregister_netdevice_queue_many_net() MP@05fe7484: \
                     if (!net_eq(dev_net(dev), net)) continue;",
        }]
    }
}

/// `vxlan_net_id`: this module's pernet subsystem.
const VXLAN_NET: &str = "vxlan";

/// `net_generic(net, vxlan_net_id)->vxlan_list`, read or edited.
fn vxlan_list<R>(k: &Kernel, net: NetId, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
    k.net_generic(net, k.pernet_id(VXLAN_NET), f)
}

/// Models `vxlan_init_module()` (module_init): drivers/net/vxlan/vxlan_core.c, MP@0518c33e.
/// `register_pernet_subsys(&vxlan_net_ops)` (its `exit_rtnl`), then
/// `rtnl_link_register(&vxlan_link_ops)`; vxlan's netdevice notifier is not modelled.
pub fn vxlan_init_module(k: &mut Kernel) {
    register_pernet_subsys(k, PernetOperations { name: VXLAN_NET, lock: None, exit_rtnl: vxlan_exit_rtnl });
    rtnl_link_register(k, &VXLAN_LINK_OPS);
}

/// Models `vxlan_cleanup_module()` (module_exit): drivers/net/vxlan/vxlan_core.c, upstream:
/// `rtnl_link_unregister(&vxlan_link_ops)`; the switchdev, netdevice and nexthop notifiers (not
/// modelled); `unregister_pernet_subsys(&vxlan_net_ops)`.
pub fn vxlan_cleanup_module(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &VXLAN_LINK_OPS);
    crate::net_namespace::unregister_pernet_subsys(k, VXLAN_NET);
}

/// Models `vxlan_newlink()` / `vxlan_dev_create(link_net, ...)`: drivers/net/vxlan/vxlan_core.c,
/// MP@0518c33e. `vxlan->net = link_net`; the same VNI and port in that net is `-EEXIST`
/// (`vxlan_vni_in_use()`); `register_netdevice()`; `list_add(&vxlan->next, &vn->vxlan_list)`.
pub fn vxlan_newlink(k: &Kernel, net: NetId, name: &str, link_net: NetId, vni: u32, port: u16) -> Result<(), Errno> {
    let _f = k.enter_net("vxlan_newlink", net);
    let devs = vxlan_list(k, link_net, |l| l.clone());
    if devs.iter().any(|&d| {
        let v = vxlan_priv(k, d);
        v.vni == vni && v.port == port
    }) {
        return Err(Errno::EEXIST);
    }
    let dev = alloc_netdev(k, name, net, &VXLAN_LINK_OPS, VxlanDev { net: link_net, vni, port });
    if let Err(e) = register_netdevice(k, dev) {
        crate::dev::free_netdev(k, dev);
        return Err(e);
    }
    vxlan_list(k, link_net, |l| l.push(dev));
    Ok(())
}

/// Models `vxlan_dellink()`: drivers/net/vxlan/vxlan_core.c, MP@0518c33e. `list_del(&vxlan->next)`;
/// `unregister_netdevice_queue(dev, head)`.
pub fn vxlan_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("vxlan_dellink", dev);
    let net = vxlan_priv(k, dev).net;
    vxlan_list(k, net, |l| l.retain(|&d| d != dev));
    unregister_netdevice_queue(k, dev, head);
}

/// Models `vxlan_exit_rtnl()`: drivers/net/vxlan/vxlan_core.c, MP@0518c33e. `ASSERT_RTNL_NET(net)`;
/// `vxlan_destroy_tunnels()` calls `vxlan_dellink()` for every device on the dying net's
/// `vxlan_list`, wherever it lives.
pub fn vxlan_exit_rtnl(k: &Kernel, net: NetId, dev_to_kill: &mut KillList) {
    let _f = k.enter_net("vxlan_exit_rtnl", net);
    if !k.rtnl_net_is_locked(net) {
        let name = k.net_name(net);
        k.warn(Property::PerNetnsLock, format!("vxlan_exit_rtnl: ASSERT_RTNL_NET({name}) failed"));
    }
    let devs = vxlan_list(k, net, |l| l.clone());
    for dev in devs {
        vxlan_dellink(k, dev, dev_to_kill);
    }
}
