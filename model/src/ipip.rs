//! ipip: net/ipv4/ipip.c on the ip_tunnel library, net/ipv4/ip_tunnel.c. The series leaves it
//! unconverted: multipath-tcp/mptcp_net-next @5cf0fe2c1a16 for `ip_tunnel_dellink()`,
//! `ip_tunnel_uninit()` and the exit's two loops (`ip_tunnel_destroy()`: every device of the kind
//! in the dying net, and every tunnel of its hash whose device moved to another net, each with
//! a plain `unregister_netdevice_queue()`), the vxlan shape; since the 2025 link-netns work the
//! tunnel's net is `rtnl_newlink_link_net()`, not the device's. After the follow-up
//! (`followup-ip-tunnel`: 8f3c72420257, 6724a7baf149, e53013fe10c2, merge 7bbb398689fe):
//! [reconstructed] from the subjects and bareudp's conversion (MP@8fd11a59): the hash under
//! `itn->lock`, the hash membership as the queued-once token, `unregister_netdevice_queue_net()`
//! for a tunnel of another net, and `ip_tunnel_del()` only in dellink.
//!
//! Left out: the fallback device (`tunl0`, one per net while the module is loaded, never deleted
//! by dellink: as with `net.core.fb_tunnels_only_for_init_net = 2`), parameters beyond the two
//! addresses, `ip_tunnel_bind_dev()`, MTU, the ioctl API, the ip_tunnel library as a module of
//! its own.

use crate::dev::{
    alloc_netdev, free_netdev, register_netdevice, unregister_netdevice_queue, unregister_netdevice_queue_net, KillList,
};
use crate::kernel::{DevId, Kernel, NetId};
use crate::lockdep::{mutex_unlock, LockClass, Mutex, MutexGuard};
use crate::mutants::Mutant;
use crate::net_namespace::{pernet_dev_list, register_pernet_subsys, PernetLock, PernetOperations};
use crate::netdevice::{netdev_priv, DevState};
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, S5Exemption, ARPHRD_NONE};
use crate::script::LinkKind;
use crate::sync::Shared;
use crate::variants::Variant;

/// `struct ip_tunnel`, the device's private part: its net and the parameters
/// `ip_tunnel_find()` compares (`parms.iph.daddr`, `saddr`; link and keys are 0 here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpTunnel {
    /// `tunnel->net`: the link net, whose `ip_tunnel_net` hashes the tunnel.
    pub net: NetId,
    pub remote: [u8; 4],
    pub local: [u8; 4],
}

fn tunnel_priv(k: &Kernel, dev: DevId) -> IpTunnel {
    netdev_priv(k, dev)
}

/// `ipip_net_id`: this module's pernet subsystem (its `struct ip_tunnel_net`).
const IPIP_NET: &str = "ipip";

/// Whether ip_tunnel is converted: the follow-up, on top of the series' infrastructure.
fn converted(k: &Kernel) -> bool {
    k.mode().small_rtnl() && k.cfg.has(Variant::FollowupIpTunnel)
}

/// `net_generic(net, ipip_net_id)->tunnels[]`, read or edited: under `itn->lock` once converted,
/// RTNL before (S16 asserts it); in rtnl-free mode unconverted only S14 judges it.
fn tunnels<R>(k: &Kernel, net: NetId, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
    let what = format!("ip_tunnel_net({})->tunnels", k.net_name(net));
    pernet_dev_list(k, net, IPIP_NET, what, converted(k), f)
}

/// `net_generic(net, ipip_net_id)->lock` (6724a7baf149) [reconstructed].
fn itn_lock(k: &Kernel, net: NetId) -> Shared<Mutex<()>> {
    k.net_generic_lock(net, k.pernet_id(IPIP_NET))
}

fn lock_itn<'a>(k: &Kernel, lock: &'a Shared<Mutex<()>>) -> Option<MutexGuard<'a, ()>> {
    // mutant ip-tunnel-no-mutex: itn->tunnels[] without itn->lock.
    (converted(k) && !k.mutated(Mutant::IpTunnelNoMutex)).then(|| lock.lock())
}

fn unlock_itn(g: Option<MutexGuard<'_, ()>>) {
    if let Some(g) = g {
        mutex_unlock(g);
    }
}

/// Models `ip_tunnel_find()`: net/ipv4/ip_tunnel.c: a tunnel of `itn` with the same addresses.
fn ip_tunnel_find(k: &Kernel, net: NetId, remote: [u8; 4], local: [u8; 4]) -> Option<DevId> {
    let devs = tunnels(k, net, |l| l.clone());
    devs.into_iter().find(|&d| {
        let t = tunnel_priv(k, d);
        t.remote == remote && t.local == local
    })
}

/// Models `ipip_newlink()` → `ip_tunnel_newlink(net, dev, ...)`: net/ipv4/ip_tunnel.c, with
/// `net = rtnl_newlink_link_net(params)` (`link-netns`, else the command's net) and the device in
/// `dev_net`. `ip_tunnel_find()` in `net`'s hash: `-EEXIST`; `tunnel->net = net`;
/// `register_netdevice()` (`ndo_init` = `ip_tunnel_init()`); `ip_tunnel_add()`. Converted, the
/// find and the add are each under `itn->lock` [reconstructed]. On an error the caller
/// (`rtnl_newlink_create()`) frees the device.
pub fn ip_tunnel_newlink(
    k: &Kernel,
    dev_net: NetId,
    name: &str,
    net: NetId,
    remote: [u8; 4],
    local: [u8; 4],
) -> Result<(), Errno> {
    let _f = k.enter_net("ip_tunnel_newlink", net);
    let lock = converted(k).then(|| itn_lock(k, net));
    let g = lock.as_ref().and_then(|l| lock_itn(k, l));
    let taken = ip_tunnel_find(k, net, remote, local).is_some();
    unlock_itn(g);
    if taken {
        return Err(Errno::EEXIST);
    }
    let dev = alloc_netdev(k, name, dev_net, &IPIP_LINK_OPS, IpTunnel { net, remote, local });
    if let Err(e) = register_netdevice(k, dev) {
        free_netdev(k, dev);
        return Err(e);
    }
    let g = lock.as_ref().and_then(|l| lock_itn(k, l));
    tunnels(k, net, |l| l.push(dev));
    unlock_itn(g);
    Ok(())
}

/// `ip_tunnel_del(itn, t)`: `hlist_del_init_rcu(&t->hash_node)`, so the node reads as unhashed
/// afterwards (the converted token). `false` if it was not hashed.
fn ip_tunnel_del(k: &Kernel, net: NetId, dev: DevId) -> bool {
    tunnels(k, net, |l| {
        let hashed = l.contains(&dev);
        l.retain(|&d| d != dev);
        hashed
    })
}

/// Models `ip_tunnel_dellink()`: net/ipv4/ip_tunnel.c. Unconverted (MP@5cf0fe2c):
/// `ip_tunnel_del(itn, t)`; `unregister_netdevice_queue(dev, head)`. Converted [reconstructed,
/// as `bareudp_dellink()`]: under `itn->lock`, only if still hashed (a dying link net's exit
/// may have handed it to its own net's queue already), `ip_tunnel_del()` and
/// `unregister_netdevice_queue_net(dev_net(dev), dev, head)`.
pub fn ip_tunnel_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("ip_tunnel_dellink", dev);
    let net = tunnel_priv(k, dev).net;
    if !converted(k) {
        ip_tunnel_del(k, net, dev);
        unregister_netdevice_queue(k, dev, head);
        return;
    }
    let lock = itn_lock(k, net);
    let g = lock_itn(k, &lock);
    // mutant ip-tunnel-no-token: delete whether or not the tunnel is still hashed.
    if ip_tunnel_del(k, net, dev) || k.mutated(Mutant::IpTunnelNoToken) {
        let dev_net = k.dev_net(dev);
        unregister_netdevice_queue_net(k, dev_net, dev, head);
    }
    unlock_itn(g);
}

/// Models `ip_tunnel_uninit()` (ndo_uninit): net/ipv4/ip_tunnel.c. Unconverted (MP@5cf0fe2c):
/// `ip_tunnel_del(itn, t)` (a no-op after dellink's). After e53013fe10c2 only dellink deletes.
pub fn ip_tunnel_uninit(k: &Kernel, dev: DevId) {
    if !converted(k) {
        let net = tunnel_priv(k, dev).net;
        ip_tunnel_del(k, net, dev);
    }
}

/// Models `ipip_exit_rtnl()` → `ip_tunnel_delete_net()` (pernet `exit_rtnl` of the dying net
/// `net`): net/ipv4/ip_tunnel.c. Unconverted (MP@5cf0fe2c, `ip_tunnel_destroy()`): every ipip
/// device in `net` (`for_each_netdev_safe`), then every tunnel of `net`'s hash whose device lives
/// elsewhere, each `unregister_netdevice_queue(dev, head)`. Converted [reconstructed]: under
/// `itn->lock`, every tunnel still hashed is deleted and queued with
/// `unregister_netdevice_queue_net(net, ...)`, so one of another net goes to that net's queue;
/// devices of `net` whose tunnel another net hashes go with `default_device_exit_batch()`'s
/// dellink.
pub fn ip_tunnel_delete_net(k: &Kernel, net: NetId, dev_to_kill: &mut KillList) {
    let _f = k.enter_net("ip_tunnel_delete_net", net);
    if !converted(k) {
        let here: Vec<DevId> = k.net(net, |n| n.dev_base.clone());
        for dev in here {
            if k.dev(dev, |d| d.rtnl_link_ops.kind()) == IPIP_LINK_OPS.kind() {
                unregister_netdevice_queue(k, dev, dev_to_kill);
            }
        }
        for dev in tunnels(k, net, |l| l.clone()) {
            if k.dev_net(dev) != net {
                unregister_netdevice_queue(k, dev, dev_to_kill);
            }
        }
        return;
    }
    let lock = itn_lock(k, net);
    let g = lock_itn(k, &lock);
    for dev in tunnels(k, net, |l| l.clone()) {
        ip_tunnel_del(k, net, dev);
        unregister_netdevice_queue_net(k, net, dev, dev_to_kill);
    }
    unlock_itn(g);
}

/// `ipip_link_ops` with `ipip_netdev_ops`' `ndo_init`/`ndo_uninit` (`ip_tunnel_init()`,
/// `ip_tunnel_uninit()`): net/ipv4/ipip.c.
#[derive(Debug)]
pub struct IpipLinkOps;

pub static IPIP_LINK_OPS: IpipLinkOps = IpipLinkOps;

impl RtnlLinkOps for IpipLinkOps {
    fn kind(&self) -> &'static str {
        "ipip"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Ipip { remote, local, .. } = req.kind else { unreachable!("ipip_newlink: {:?}", req.kind) };
        ip_tunnel_newlink(k, net, &req.name, req.link_net.unwrap_or(net), remote, local)
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        ip_tunnel_dellink(k, dev, head)
    }
    fn ndo_uninit(&self, k: &Kernel, dev: DevId) {
        ip_tunnel_uninit(k, dev)
    }
    /// `ip_tunnel_get_link_net()`: `tunnel->net`.
    fn get_link_net(&self, dev: &DevState) -> Option<NetId> {
        Some(dev.priv_ref::<IpTunnel>().net)
    }
    /// `ipip_tunnel_setup()`: `dev->type = ARPHRD_TUNNEL`; not Ethernet, as the model needs it.
    fn dev_type(&self) -> u16 {
        ARPHRD_NONE
    }
    /// Unconverted (the series): the link net's `exit_rtnl` queues tunnels of other nets, which
    /// the per-netns split leaves for the final `unregister_netdevice_many()`. Converted, they go
    /// to their own net's queue, so this does not match.
    fn s5_unconverted(&self, _k: &Kernel) -> &'static [S5Exemption] {
        &[S5Exemption {
            queued_by: "ip_tunnel_delete_net",
            caller: "ops_exit_rtnl_list",
            needs_skip: true,
            c_line: "net/core/dev.c unregister_netdevice_queue_many_net() MP@05fe7484: \
                     if (!net_eq(dev_net(dev), net)) continue;",
        }]
    }
}

/// Models `ipip_init()` (module_init): net/ipv4/ipip.c. `register_pernet_device(&ipip_net_ops)`
/// (`ipip_init_net()` → `ip_tunnel_init_net()`: the hash, and `itn->lock` once converted, no
/// fallback device; its `exit_rtnl`), then `rtnl_link_register(&ipip_link_ops)`.
pub fn ipip_init(k: &mut Kernel) {
    let lock = k
        .cfg
        .has(Variant::FollowupIpTunnel)
        .then_some(PernetLock { class: LockClass::IpTunnelNet, name: |net| format!("ip_tunnel_net({net})->lock") });
    register_pernet_subsys(k, PernetOperations { name: IPIP_NET, lock, exit_rtnl: ip_tunnel_delete_net });
    rtnl_link_register(k, &IPIP_LINK_OPS);
}

/// Models `ipip_fini()` (module_exit): net/ipv4/ipip.c. `rtnl_link_unregister(&ipip_link_ops)`;
/// `unregister_pernet_device(&ipip_net_ops)`.
pub fn ipip_fini(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &IPIP_LINK_OPS);
    crate::net_namespace::unregister_pernet_subsys(k, IPIP_NET);
}
