//! ipvtap: drivers/net/ipvlan/ipvtap.c, an ipvlan whose packets go to a tap character device,
//! in a module of its own that uses ipvlan's. Series: patch 14 (00a40d809207, "ipvlan: Support
//! per-netns netdev unregistration") splits its `dellink` into `ipvtap_dellink()` (under
//! `pnodes_lock`, skipped once `dying`) and `__ipvtap_dellink()`, which ipvlan's NETDEV_UNREGISTER
//! handler calls through `__ipvtap_dellink_ptr`. The file at the series is not in the public
//! copies read (kernel-notes §0); this follows a public transliteration of the post-series file
//! and ipvlan_main.c at MP@3fda4180, which calls the pointer [reconstructed where it differs].

use crate::dev::{register_netdevice_notifier, KillList, NotifierBlock};
use crate::ipvlan_main::{ipvlan_init, ipvlan_link_delete_raw, ipvlan_link_new, ipvlan_uninit, locked_unless_dying};
use crate::kernel::{DevId, Kernel, NetId};
use crate::mutants::Mutant;
use crate::netdevice::NetdevEvent;
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps};
use crate::script::LinkKind;

/// Models `__ipvtap_dellink(net, dev, head)`: drivers/net/ipvlan/ipvtap.c after patch 14.
/// `netdev_rx_handler_unregister(dev)` and `tap_del_queues()` (the tap device's own handler and
/// queues: not modelled), then `__ipvlan_link_delete(net, dev, head)`.
pub fn ipvtap_dellink_raw(k: &Kernel, net: NetId, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("__ipvtap_dellink", dev);
    ipvlan_link_delete_raw(k, net, dev, head);
}

/// Models `ipvtap_dellink()` (dellink): drivers/net/ipvlan/ipvtap.c after patch 14. Under
/// `port->pnodes_lock`, `__ipvtap_dellink(dev_net(dev), dev, head)` unless `dying`. Before the
/// series: `__ipvtap_dellink()`'s steps with `ipvlan_link_delete()`, no lock.
pub fn ipvtap_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("ipvtap_dellink", dev);
    // mutant ipvtap-no-dying: delete even an ipvtap the lower's NETDEV_UNREGISTER already queued.
    let no_dying = k.mutated(Mutant::IpvtapNoDying);
    locked_unless_dying(k, dev, head, no_dying, ipvtap_dellink_raw);
}

/// Models `ipvtap_device_event()`: drivers/net/ipvlan/ipvtap.c. For its own devices it creates
/// (NETDEV_REGISTER) and destroys (NETDEV_UNREGISTER) the tap character device; neither is
/// modelled, but the call is a call into the module (S17).
fn ipvtap_device_event(_k: &Kernel, _event: NetdevEvent, _dev: DevId) {}

/// `ipvtap_link_ops` (`ipvlan_link_register()` adds ipvlan's netlink ops), with ipvlan's
/// `ipvlan_netdev_ops` (`ipvtap_setup()` calls `ipvlan_link_setup()`): its `ndo_init` and
/// `ndo_uninit` are ipvlan's code.
#[derive(Debug)]
pub struct IpvtapLinkOps;

pub static IPVTAP_LINK_OPS: IpvtapLinkOps = IpvtapLinkOps;

impl RtnlLinkOps for IpvtapLinkOps {
    fn kind(&self) -> &'static str {
        "ipvtap"
    }
    /// Models `ipvtap_newlink()`: `netdev_rx_handler_register(dev, tap_handle_frame, ...)` on
    /// the new device itself (not modelled), then `ipvlan_link_new()`.
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Ipvtap { link, .. } = &req.kind else { unreachable!("ipvtap_newlink: {:?}", req.kind) };
        ipvlan_link_new(k, net, &req.name, req.link_net.unwrap_or(net), link, &IPVTAP_LINK_OPS)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        ipvtap_dellink(k, dev, head)
    }
    fn ndo_init(&self, k: &Kernel, dev: DevId) -> Result<(), Errno> {
        ipvlan_init(k, dev)
    }
    fn ndo_uninit(&self, k: &Kernel, dev: DevId) {
        ipvlan_uninit(k, dev)
    }
    fn symbol(&self, op: &'static str) -> Option<&'static str> {
        match op {
            "dellink" => Some("ipvtap_dellink"),
            _ => None,
        }
    }
}

/// Models `ipvtap_init()` (module_init): drivers/net/ipvlan/ipvtap.c after patch 14.
/// `__ipvtap_dellink_ptr = __ipvtap_dellink`; the tap cdev and class (not modelled);
/// `register_netdevice_notifier(&ipvtap_notifier_block)`; `ipvlan_link_register(&ipvtap_link_ops)`.
pub fn ipvtap_init(k: &mut Kernel) {
    crate::ipvlan_main::set_ipvtap_dellink_ptr(k, ipvtap_dellink_raw);
    register_netdevice_notifier(k, NotifierBlock { notifier_call: ipvtap_device_event, owner: Some("ipvtap") });
    rtnl_link_register(k, &IPVTAP_LINK_OPS);
}

/// Models `ipvtap_exit()` (module_exit): drivers/net/ipvlan/ipvtap.c after patch 14.
/// `rtnl_link_unregister(&ipvtap_link_ops)`; `unregister_netdevice_notifier(&ipvtap_notifier_block)`;
/// the class and cdev (not modelled); `__ipvtap_dellink_ptr = NULL` (a call through it after
/// the unload is S17, as `driver_op` checks).
pub fn ipvtap_exit(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &IPVTAP_LINK_OPS);
    crate::dev::unregister_netdevice_notifier(k, "ipvtap");
}
