//! bareudp: drivers/net/bareudp.c. Series: multipath-tcp/mptcp_net-next @8fd11a59 (patches 9
//! and 10: `bareudp_net->lock`, `list_del_init` + `list_empty` as the queued-once token and
//! `unregister_netdevice_queue_net`). Pre-series: the list under RTNL only, unconditional
//! `list_del` and `unregister_netdevice_queue`.

use crate::dev::{
    alloc_netdev, free_netdev, register_netdevice, unregister_netdevice_queue, unregister_netdevice_queue_net, KillList,
};
use crate::kernel::{DevId, Kernel, NetId};
use crate::lockdep::{mutex_unlock, MutexGuard};
use crate::lockdep::{LockClass, Mutex};
use crate::mutants::Mutant;
use crate::net_namespace::{pernet_dev_list, register_pernet_subsys, PernetLock, PernetOperations};
use crate::netdevice::{netdev_priv, DevState};
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, ARPHRD_NONE};
use crate::script::LinkKind;
use crate::sync::Shared;

/// `struct bareudp_dev`, the device's private part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BareudpDev {
    /// `bareudp->net`: the socket's net (the link net), which may differ from `dev_net(dev)`.
    pub net: NetId,
    pub port: u16,
}

fn bareudp_priv(k: &Kernel, dev: DevId) -> BareudpDev {
    netdev_priv(k, dev)
}

/// `bareudp_net_id`: this module's pernet subsystem.
const BAREUDP_NET: &str = "bareudp";

/// `net_generic(net, bareudp_net_id)->bareudp_list`, read or edited: under `bn->lock` since
/// patch 9, RTNL before (S16 asserts it).
fn bareudp_list<R>(k: &Kernel, net: NetId, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
    let what = format!("bareudp_net({})->bareudp_list", k.net_name(net));
    pernet_dev_list(k, net, BAREUDP_NET, what, k.mode().small_rtnl(), f)
}

/// `net_generic(net, bareudp_net_id)->lock`.
fn bn_lock(k: &Kernel, net: NetId) -> Shared<Mutex<()>> {
    k.net_generic_lock(net, k.pernet_id(BAREUDP_NET))
}

fn lock_bn<'a>(k: &Kernel, lock: &'a Shared<Mutex<()>>) -> Option<MutexGuard<'a, ()>> {
    // mutant bareudp-no-lock: bn->bareudp_list without bn->lock.
    (k.mode().small_rtnl() && !k.mutated(Mutant::BareudpNoLock)).then(|| lock.lock())
}

/// Whether `bareudp->next` is on its socket net's `bareudp_list` (`!list_empty()`).
fn on_list(k: &Kernel, dev: DevId) -> bool {
    let net = bareudp_priv(k, dev).net;
    bareudp_list(k, net, |l| l.contains(&dev))
}

/// Models `bareudp_newlink()` / `bareudp_configure()`: drivers/net/bareudp.c, MP@8fd11a59.
/// `bareudp->net = link_net`; a device with the same port in that net is `-EBUSY`;
/// `register_netdevice()`; `list_add(&bareudp->next, &bn->bareudp_list)` under `bn->lock`.
pub fn bareudp_newlink(k: &Kernel, net: NetId, name: &str, link_net: NetId, port: u16) -> Result<(), Errno> {
    let _f = k.enter_net("bareudp_newlink", net);
    let lock = bn_lock(k, link_net);
    let taken = {
        let g = lock_bn(k, &lock);
        let devs = bareudp_list(k, link_net, |l| l.clone());
        let taken = devs.iter().any(|&d| bareudp_priv(k, d).port == port);
        if let Some(g) = g {
            mutex_unlock(g);
        }
        taken
    };
    if taken {
        return Err(Errno::EBUSY);
    }
    let dev = alloc_netdev(k, name, net, &BAREUDP_LINK_OPS, BareudpDev { net: link_net, port });
    if let Err(e) = register_netdevice(k, dev) {
        free_netdev(k, dev);
        return Err(e);
    }
    let g = lock_bn(k, &lock);
    bareudp_list(k, link_net, |l| l.push(dev));
    if let Some(g) = g {
        mutex_unlock(g);
    }
    Ok(())
}

/// Models `__bareudp_dellink()`: drivers/net/bareudp.c, MP@8fd11a59.
/// `list_del_init(&bareudp->next)`, then `unregister_netdevice_queue_net(net, dev, head)` [series]
/// or `unregister_netdevice_queue()`.
fn bareudp_dellink_raw(k: &Kernel, net: NetId, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("__bareudp_dellink", dev);
    let sock_net = bareudp_priv(k, dev).net;
    bareudp_list(k, sock_net, |l| l.retain(|&d| d != dev));
    if k.mode().small_rtnl() {
        unregister_netdevice_queue_net(k, net, dev, head);
    } else {
        unregister_netdevice_queue(k, dev, head);
    }
}

/// Models `bareudp_dellink()`: drivers/net/bareudp.c, MP@8fd11a59. Under the socket net's
/// `bn->lock`, delete only if still listed (series; the exit path may have queued it already).
pub fn bareudp_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("bareudp_dellink", dev);
    let sock_net = bareudp_priv(k, dev).net;
    let lock = bn_lock(k, sock_net);
    let g = lock_bn(k, &lock);
    // mutant bareudp-no-empty-check: no list_empty(&bareudp->next) token.
    if !k.mode().small_rtnl() || on_list(k, dev) || k.mutated(Mutant::BareudpNoEmptyCheck) {
        let net = k.dev_net(dev);
        bareudp_dellink_raw(k, net, dev, head);
    }
    if let Some(g) = g {
        mutex_unlock(g);
    }
}

/// Models `bareudp_exit_rtnl_net()` (pernet `exit_rtnl` of the socket net): drivers/net/bareudp.c,
/// MP@8fd11a59. Every device whose socket lives in the dying net is deleted, wherever the device
/// lives; one in another net goes to that net's queue.
pub fn bareudp_exit_rtnl_net(k: &Kernel, net: NetId, dev_kill_list: &mut KillList) {
    let _f = k.enter_net("bareudp_exit_rtnl_net", net);
    let lock = bn_lock(k, net);
    let g = lock_bn(k, &lock);
    let devs = bareudp_list(k, net, |l| l.clone());
    for dev in devs {
        bareudp_dellink_raw(k, net, dev, dev_kill_list);
    }
    if let Some(g) = g {
        mutex_unlock(g);
    }
}

/// `bareudp_link_ops`: drivers/net/bareudp.c, MP@8fd11a59.
#[derive(Debug)]
pub struct BareudpLinkOps;

pub static BAREUDP_LINK_OPS: BareudpLinkOps = BareudpLinkOps;

impl RtnlLinkOps for BareudpLinkOps {
    fn kind(&self) -> &'static str {
        "bareudp"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Bareudp { dstport, .. } = req.kind else { unreachable!("bareudp_newlink: {:?}", req.kind) };
        bareudp_newlink(k, net, &req.name, req.link_net.unwrap_or(net), dstport)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        bareudp_dellink(k, dev, head)
    }
    /// `bareudp_get_link_net()`: `bareudp->net`.
    fn get_link_net(&self, dev: &DevState) -> Option<NetId> {
        Some(dev.priv_ref::<BareudpDev>().net)
    }
    /// `bareudp_setup()`: `dev->type = ARPHRD_NONE`.
    fn dev_type(&self) -> u16 {
        ARPHRD_NONE
    }
}

/// Models `bareudp_init_module()` (module_init): drivers/net/bareudp.c, MP@8fd11a59.
/// `register_pernet_subsys(&bareudp_net_ops)` (`bareudp_init_net()`: the list and `bn->lock`
/// (patch 9); its `exit_rtnl`), then `rtnl_link_register(&bareudp_link_ops)`.
pub fn bareudp_init_module(k: &mut Kernel) {
    let lock = PernetLock { class: LockClass::BareudpNet, name: |net| format!("bareudp_net({net})->lock") };
    register_pernet_subsys(
        k,
        PernetOperations { name: BAREUDP_NET, lock: Some(lock), exit_rtnl: bareudp_exit_rtnl_net },
    );
    rtnl_link_register(k, &BAREUDP_LINK_OPS);
}

/// Models `bareudp_cleanup_module()` (module_exit): drivers/net/bareudp.c, upstream:
/// `rtnl_link_unregister(&bareudp_link_ops)`; `unregister_pernet_subsys(&bareudp_net_ops)`.
pub fn bareudp_cleanup_module(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &BAREUDP_LINK_OPS);
    crate::net_namespace::unregister_pernet_subsys(k, BAREUDP_NET);
}
