//! [model] The driver of the `unregister_netdev()` driver probe (`rtnl_checks::mutants`): a
//! driver that registers a device of its own and removes it itself, as a NIC's driver does at
//! its `remove()`, without RTNL. No ip(8) command reaches `unregister_netdev()`; the probe races
//! this driver against a scenario's last background command.

use crate::dev::{
    alloc_netdev, register_netdevice, rtnl_net_dev_locked, unregister_netdevice, unregister_netdevice_queue, KillList,
};
use crate::kernel::{DevId, Kernel, NetId};
use crate::rtnetlink::{rtnl_net_lock, rtnl_net_unlock, Errno, NewLink, RtnlLinkOps};

/// The device's ops. [model] A NIC's device has no `rtnl_link_ops`: ip(8) neither creates it
/// (no `newlink`) nor deletes it, and a netns exit moves it to init_net instead of deleting it
/// (`default_device_exit_net()`, not modelled). The probe removes it before the netns exit can
/// look at it, so only `dellink` matters, and it is the C's default for ops without one
/// (`rtnl_delete_link()`: `ops->dellink ?: unregister_netdevice_queue`).
#[derive(Debug)]
struct NicOps;

static NIC_OPS: NicOps = NicOps;

impl RtnlLinkOps for NicOps {
    fn kind(&self) -> &'static str {
        "nic"
    }
    fn newlink(&self, _k: &Kernel, _net: NetId, _req: &NewLink) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        unregister_netdevice_queue(k, dev, head);
    }
}

/// Models `register_netdev(dev)`: net/core/dev.c, MP@05fe7484 (kernel-notes.md §2:
/// `rtnl_net_lock_killable(dev_net(dev))`; `register_netdevice(dev)`; `rtnl_net_unlock()`), for a
/// new device `name` of this driver in `net`.
pub fn register_netdev(k: &Kernel, name: &str, net: NetId) -> Result<DevId, Errno> {
    let dev = alloc_netdev(k, name, net, &NIC_OPS, ());
    let _f = k.enter_dev("register_netdev", dev);
    let sync = k.net_sync(net);
    let locks = rtnl_net_lock(k, net, &sync);
    let res = register_netdevice(k, dev);
    rtnl_net_unlock(k, net, locks);
    res.map(|()| dev)
}

/// Models `unregister_netdev(dev)`: net/core/dev.c (upstream v6.18 text; kernel-notes.md §2):
/// `rtnl_net_dev_lock(dev); unregister_netdevice(dev); rtnl_net_dev_unlock(dev);`. `locked`
/// runs first inside the section: the probe starts its raced command there.
pub fn unregister_netdev(k: &Kernel, dev: DevId, locked: impl FnOnce()) {
    let _f = k.enter_dev("unregister_netdev", dev);
    rtnl_net_dev_locked(k, dev, |_| {
        locked();
        unregister_netdevice(k, dev);
    });
}
