//! geneve: drivers/net/geneve.c. Before its conversion (the series, merge 71ac90cca6d8, and every
//! stored tree): multipath-tcp/mptcp_net-next @1258432604a2, identical in minuscat/net-next
//! @03ebe91b0f61 for these functions: `gn->geneve_list` under RTNL, `geneve_dellink()` with
//! `list_del` and plain `unregister_netdevice_queue()`, the vxlan shape. After it (the
//! `followup-geneve` variant: cf31c7f186ed, 7df47efd6db1 "Protect geneve_net and geneve_sock with
//! per-netns mutex", ccb161b71a1f "Support per-netns netdev unregistration"): [reconstructed] from
//! bareudp MP@8fd11a59 (same author, same subject); no stored tree has those commits. `gn->lock`,
//! `list_del_init` + `list_empty` as the queued-once token, `unregister_netdevice_queue_net()`.
//! Sockets (`gn->sock_list`) exist only while a device is up; devices stay down here.

use crate::dev::{
    alloc_netdev, free_netdev, register_netdevice, unregister_netdevice_queue, unregister_netdevice_queue_net, KillList,
};
use crate::kernel::{DevId, Kernel, NetId};
use crate::lockdep::{mutex_unlock, LockClass, Mutex, MutexGuard};
use crate::mutants::Mutant;
use crate::net_namespace::{pernet_dev_list, register_pernet_subsys, PernetLock, PernetOperations};
use crate::netdevice::{netdev_priv, DevState};
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, S5Exemption};
use crate::script::LinkKind;
use crate::sync::Shared;
use crate::variants::Variant;

/// `struct geneve_dev`, the device's private part: the parts of `cfg.info.key` that
/// `geneve_find_dev()` compares (`tun_id`, `tp_dst`, `u.ipv4.dst`; the source is always 0 here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneveDev {
    /// `geneve->net`: the link (socket) net, whose `geneve_list` lists the device.
    pub net: NetId,
    pub vni: u32,
    pub remote: [u8; 4],
    pub port: u16,
}

fn geneve_priv(k: &Kernel, dev: DevId) -> GeneveDev {
    netdev_priv(k, dev)
}

/// `geneve_net_id`: this module's pernet subsystem.
const GENEVE_NET: &str = "geneve";

/// Whether geneve is converted: the follow-up, on top of the series' infrastructure.
fn converted(k: &Kernel) -> bool {
    k.mode().small_rtnl() && k.cfg.has(Variant::FollowupGeneve)
}

/// `net_generic(net, geneve_net_id)->geneve_list`, read or edited: under `gn->lock` once
/// converted, RTNL before (S16 asserts it). Unconverted without the global RTNL (rtnl-free)
/// nothing protects it, so only S14 judges it, as for vxlan's list.
fn geneve_list<R>(k: &Kernel, net: NetId, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
    let what = format!("geneve_net({})->geneve_list", k.net_name(net));
    pernet_dev_list(k, net, GENEVE_NET, what, converted(k), f)
}

/// `net_generic(net, geneve_net_id)->lock` (7df47efd) [reconstructed].
fn gn_lock(k: &Kernel, net: NetId) -> Shared<Mutex<()>> {
    k.net_generic_lock(net, k.pernet_id(GENEVE_NET))
}

fn lock_gn<'a>(k: &Kernel, lock: &'a Shared<Mutex<()>>) -> Option<MutexGuard<'a, ()>> {
    // mutant geneve-no-lock: gn->geneve_list without gn->lock.
    (converted(k) && !k.mutated(Mutant::GeneveNoLock)).then(|| lock.lock())
}

fn unlock_gn(g: Option<MutexGuard<'_, ()>>) {
    if let Some(g) = g {
        mutex_unlock(g);
    }
}

/// Models `geneve_find_dev()`: drivers/net/geneve.c, MP@1258432604a2. A device on `gn`'s list
/// with the same `tun_id`, `tp_dst` and addresses (`key.u`).
fn geneve_find_dev(k: &Kernel, link_net: NetId, vni: u32, remote: [u8; 4], port: u16) -> Option<DevId> {
    let devs = geneve_list(k, link_net, |l| l.clone());
    devs.into_iter().find(|&d| {
        let g = geneve_priv(k, d);
        g.vni == vni && g.port == port && g.remote == remote
    })
}

/// Models `geneve_newlink()`: drivers/net/geneve.c, MP@1258432604a2. `link_net =
/// rtnl_newlink_link_net(params)` (`link-netns`, else the command's net);
/// `geneve_configure(link_net, dev, ...)`. The device lives in `net`.
pub fn geneve_newlink(
    k: &Kernel,
    net: NetId,
    name: &str,
    link_net: NetId,
    vni: u32,
    remote: [u8; 4],
    port: u16,
) -> Result<(), Errno> {
    let _f = k.enter_net("geneve_newlink", net);
    let dev = alloc_netdev(k, name, net, &GENEVE_LINK_OPS, GeneveDev { net: link_net, vni, remote, port });
    geneve_configure(k, link_net, dev).inspect_err(|_| free_netdev(k, dev))
}

/// Models `geneve_configure()`: drivers/net/geneve.c, MP@1258432604a2. `geneve->net = net`;
/// `geneve_find_dev()` finds the same VNI, port and remote in that net: `-EBUSY`;
/// `register_netdevice(dev)`; `list_add(&geneve->next, &gn->geneve_list)`. Converted, the find
/// and the add are each under `gn->lock` [reconstructed, as `bareudp_configure()`]. On an error
/// the caller (`rtnl_newlink_create()`) frees the device.
fn geneve_configure(k: &Kernel, net: NetId, dev: DevId) -> Result<(), Errno> {
    let _f = k.enter_dev("geneve_configure", dev);
    let GeneveDev { vni, remote, port, .. } = geneve_priv(k, dev);
    let lock = converted(k).then(|| gn_lock(k, net));
    let g = lock.as_ref().and_then(|l| lock_gn(k, l));
    let taken = geneve_find_dev(k, net, vni, remote, port).is_some();
    unlock_gn(g);
    if taken {
        return Err(Errno::EBUSY);
    }
    register_netdevice(k, dev)?;
    let g = lock.as_ref().and_then(|l| lock_gn(k, l));
    geneve_list(k, net, |l| l.push(dev));
    unlock_gn(g);
    Ok(())
}

/// Models `__geneve_dellink()` (ccb161b71a1f) [reconstructed]: `list_del_init(&geneve->next)`,
/// then `unregister_netdevice_queue_net(net, dev, head)`.
#[doc(alias = "__geneve_dellink")]
fn geneve_dellink_raw(k: &Kernel, net: NetId, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("__geneve_dellink", dev);
    let sock_net = geneve_priv(k, dev).net;
    geneve_list(k, sock_net, |l| l.retain(|&d| d != dev));
    unregister_netdevice_queue_net(k, net, dev, head);
}

/// Models `geneve_dellink()`. Unconverted: drivers/net/geneve.c, MP@1258432604a2,
/// `list_del(&geneve->next)`; `unregister_netdevice_queue(dev, head)`. Converted
/// [reconstructed, as `bareudp_dellink()` MP@8fd11a59]: under the socket net's `gn->lock`,
/// `__geneve_dellink(dev_net(dev), ...)` only if still listed (`!list_empty(&geneve->next)`):
/// the socket net's exit may have handed it to another net's queue already.
pub fn geneve_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("geneve_dellink", dev);
    let sock_net = geneve_priv(k, dev).net;
    if !converted(k) {
        geneve_list(k, sock_net, |l| l.retain(|&d| d != dev));
        unregister_netdevice_queue(k, dev, head);
        return;
    }
    let lock = gn_lock(k, sock_net);
    let g = lock_gn(k, &lock);
    // mutant geneve-no-empty-check: no list_empty(&geneve->next) token.
    if geneve_list(k, sock_net, |l| l.contains(&dev)) || k.mutated(Mutant::GeneveNoEmptyCheck) {
        let net = k.dev_net(dev);
        geneve_dellink_raw(k, net, dev, head);
    }
    unlock_gn(g);
}

/// Models `geneve_exit_rtnl_net()` (pernet `exit_rtnl` of the socket net). Unconverted:
/// drivers/net/geneve.c, MP@1258432604a2, `geneve_dellink()` for every device on the dying net's
/// `geneve_list`, wherever it lives. Converted [reconstructed]: under `gn->lock`,
/// `__geneve_dellink(net, ...)`, so a device of another net goes to that net's queue.
pub fn geneve_exit_rtnl_net(k: &Kernel, net: NetId, dev_to_kill: &mut KillList) {
    let _f = k.enter_net("geneve_exit_rtnl_net", net);
    if !converted(k) {
        for dev in geneve_list(k, net, |l| l.clone()) {
            geneve_dellink(k, dev, dev_to_kill);
        }
        return;
    }
    let lock = gn_lock(k, net);
    let g = lock_gn(k, &lock);
    for dev in geneve_list(k, net, |l| l.clone()) {
        // mutant geneve-exit-plain-queue: the exit keeps the unconverted queueing, so a device
        // of another net is left on the exit's list instead of going to its net's queue.
        if k.mutated(Mutant::GeneveExitPlainQueue) {
            geneve_list(k, net, |l| l.retain(|&d| d != dev));
            unregister_netdevice_queue(k, dev, dev_to_kill);
            continue;
        }
        geneve_dellink_raw(k, net, dev, dev_to_kill);
    }
    unlock_gn(g);
}

/// `geneve_link_ops`: drivers/net/geneve.c, MP@1258432604a2.
#[derive(Debug)]
pub struct GeneveLinkOps;

pub static GENEVE_LINK_OPS: GeneveLinkOps = GeneveLinkOps;

impl RtnlLinkOps for GeneveLinkOps {
    fn kind(&self) -> &'static str {
        "geneve"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Geneve { id, remote, dstport, .. } = req.kind else {
            unreachable!("geneve_newlink: {:?}", req.kind)
        };
        geneve_newlink(k, net, &req.name, req.link_net.unwrap_or(net), id, remote, dstport)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        geneve_dellink(k, dev, head)
    }
    /// `geneve_get_link_net()`: `geneve->net`.
    fn get_link_net(&self, dev: &DevState) -> Option<NetId> {
        Some(dev.priv_ref::<GeneveDev>().net)
    }
    /// Unconverted (the series): the socket net's `exit_rtnl` queues devices of other nets, which
    /// the per-netns split leaves for the final `unregister_netdevice_many()`. Converted, the
    /// device is queued by `__geneve_dellink()`, so this does not match.
    fn s5_unconverted(&self, _k: &Kernel) -> &'static [S5Exemption] {
        &[S5Exemption {
            queued_by: "geneve_dellink",
            caller: "ops_exit_rtnl_list",
            needs_skip: true,
            c_line: "net/core/dev.c unregister_netdevice_queue_many_net() MP@05fe7484: \
                     if (!net_eq(dev_net(dev), net)) continue;",
        }]
    }
}

/// Models `geneve_init_module()` (late_initcall): drivers/net/geneve.c, MP@1258432604a2.
/// `register_pernet_subsys(&geneve_net_ops)` (`geneve_init_net()`: the list, and `gn->lock` once
/// converted; its `exit_rtnl`; its `exit` only WARNs on sockets, which the model has none of),
/// then `rtnl_link_register(&geneve_link_ops)`; the UDP-tunnel notifier is not modelled.
pub fn geneve_init_module(k: &mut Kernel) {
    let lock = k
        .cfg
        .has(Variant::FollowupGeneve)
        .then_some(PernetLock { class: LockClass::GeneveNet, name: |net| format!("geneve_net({net})->lock") });
    register_pernet_subsys(k, PernetOperations { name: GENEVE_NET, lock, exit_rtnl: geneve_exit_rtnl_net });
    rtnl_link_register(k, &GENEVE_LINK_OPS);
}

/// Models `geneve_cleanup_module()` (module_exit): drivers/net/geneve.c, upstream:
/// `rtnl_link_unregister(&geneve_link_ops)`; `unregister_netdevice_notifier(&geneve_notifier_block)`
/// (not modelled); `unregister_pernet_subsys(&geneve_net_ops)`.
pub fn geneve_cleanup_module(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &GENEVE_LINK_OPS);
    crate::net_namespace::unregister_pernet_subsys(k, GENEVE_NET);
}
