//! veth: drivers/net/veth.c. Series: multipath-tcp/mptcp_net-next @522fa876 (patch 8,
//! d7fda2c776b2); pre-series: the upstream text before it (kernel-notes.md §5.1).

use crate::dev::{
    alloc_netdev, free_netdev, register_netdevice, unregister_netdevice, unregister_netdevice_many,
    unregister_netdevice_queue, unregister_netdevice_queue_net, KillList,
};
use crate::kernel::{DevId, Kernel, NetId};
use crate::mutants::Mutant;
use crate::netdevice::{netdev_hold, netdev_put};
use crate::rtnetlink::{rtnl_link_register, rtnl_net_lock_raw, rtnl_net_unlock_raw, Errno, NewLink, RtnlLinkOps};
use crate::script::LinkKind;
use crate::sync::atomic::Ordering::SeqCst;

/// `veth_link_ops`: drivers/net/veth.c, MP@522fa876.
#[derive(Debug)]
pub struct VethLinkOps;

pub static VETH_LINK_OPS: VethLinkOps = VethLinkOps;

impl RtnlLinkOps for VethLinkOps {
    fn kind(&self) -> &'static str {
        "veth"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Veth { peer, .. } = &req.kind else { unreachable!("veth_newlink: {:?}", req.kind) };
        veth_newlink(k, net, &req.name, peer, req.peer_net.unwrap_or(net))
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        veth_dellink(k, dev, head)
    }
    /// `veth_setup()`: `dev->priv_destructor = veth_dev_free` (upstream veth.c; the model's
    /// `veth_dev_free()` frees nothing it tracks, it is a call into the module).
    fn has_priv_destructor(&self) -> bool {
        true
    }
    fn symbol(&self, op: &'static str) -> Option<&'static str> {
        match op {
            "dellink" => Some("veth_dellink"),
            "priv_destructor" => Some("veth_dev_free"),
            "ndo_init" => Some("veth_dev_init"),
            "ndo_uninit" => Some("veth_netdev_ops"),
            _ => None,
        }
    }
}

/// Models `veth_init()` (module_init): drivers/net/veth.c, MP@522fa876.
/// `rtnl_link_register(&veth_link_ops)`.
pub fn veth_init(k: &mut Kernel) {
    rtnl_link_register(k, &VETH_LINK_OPS);
}

/// Models `veth_exit()` (module_exit): drivers/net/veth.c, MP@522fa876.
/// `rtnl_link_unregister(&veth_link_ops)`.
pub fn veth_exit(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &VETH_LINK_OPS);
}

/// The tracker of `priv(dev)->peer_tracker`: the reference `dev` holds on its peer (veth and
/// vxcan name it alike).
fn peer_tracker(k: &Kernel, dev: DevId) -> String {
    format!("{}->peer_tracker", k.dev_name(dev))
}

fn to_ptr(dev: Option<DevId>) -> usize {
    dev.map_or(0, |d| d.0 + 1)
}

fn from_ptr(p: usize) -> Option<DevId> {
    p.checked_sub(1).map(DevId)
}

/// `rtnl_dereference(priv->peer)`: drivers/net/veth.c, MP@522fa876.
pub fn veth_peer(k: &Kernel, dev: DevId) -> Option<DevId> {
    from_ptr(k.dev_sync(dev).priv_peer.load(SeqCst))
}

/// `xchg(&priv->peer, new)`.
fn xchg_peer(k: &Kernel, dev: DevId, new: Option<DevId>) -> Option<DevId> {
    let sync = k.dev_sync(dev);
    k.dev(dev, |_| ()); // netdev_priv(dev): the device must still be allocated
    from_ptr(sync.priv_peer.swap(to_ptr(new), SeqCst))
}

/// A paired driver as the shared bodies below see it: veth and vxcan (whose C was copied from
/// veth's, drivers/net/can/vxcan.c says so) run the same `newlink` tail and `dellink`, before
/// and after their conversion. The flags are the conversion and the catalogue's mutations of it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pair {
    /// The ops both ends get.
    pub ops: &'static dyn RtnlLinkOps,
    /// Converted: `xchg()` tokens, `unregister_netdevice_queue_net()` for the peer, a reference
    /// on each end held by the other.
    pub converted: bool,
    /// Mutation: `rtnl_dereference()` instead of `xchg()`.
    pub no_xchg: bool,
    /// Mutation: no reference on the peer (neither hold nor put).
    pub no_peer_ref: bool,
    /// Mutation: the second `netdev_put()` is forgotten.
    pub leak_second_put: bool,
    /// Mutation: the peer is queued with `unregister_netdevice_queue()` on the caller's list.
    pub plain_queue_peer: bool,
    /// Mutation (veth only): lock the peer's net and unregister the peer there.
    pub lock_peer_net_directly: bool,
}

/// The faithful veth, or the veth of the chosen mutant.
fn veth_pair(k: &Kernel) -> Pair {
    Pair {
        ops: &VETH_LINK_OPS,
        converted: k.mode().small_rtnl(),
        no_xchg: k.mutated(Mutant::VethNoXchg),
        no_peer_ref: k.mutated(Mutant::VethNoPeerRef),
        leak_second_put: k.mutated(Mutant::LeakNetdevRef),
        plain_queue_peer: false,
        lock_peer_net_directly: k.mutated(Mutant::LockPeerNetDirectly),
    }
}

/// Models `veth_newlink()`: drivers/net/veth.c, MP@522fa876.
///
/// # Kernel steps
/// 1. Allocate and `register_netdevice()` the peer in `peer_net` (`err_register_peer`:
///    `free_netdev(peer)`), then the device in `net` (`err_register_dev`: the registered peer is
///    unwound with `unregister_netdevice(peer)`, under the same locks).
/// 2. `priv(dev)->peer = peer`, [series] `netdev_hold(peer, &priv(dev)->peer_tracker)`; the
///    same the other way round.
///
/// # Abstracted
/// `rtnl_configure_link()` of the peer and the queue setup (`err_configure_peer`,
/// `err_queues`) do not fail in the model.
pub fn veth_newlink(k: &Kernel, net: NetId, name: &str, peer_name: &str, peer_net: NetId) -> Result<(), Errno> {
    let _f = k.enter_net("veth_newlink", net);
    paired_newlink(k, net, name, peer_name, peer_net, veth_pair(k))
}

/// The body `veth_newlink()` and `vxcan_newlink()` share: peer first, then the device, then
/// the cross-links, each followed by its hold when converted.
pub(crate) fn paired_newlink(
    k: &Kernel,
    net: NetId,
    name: &str,
    peer_name: &str,
    peer_net: NetId,
    p: Pair,
) -> Result<(), Errno> {
    let peer = alloc_netdev(k, peer_name, peer_net, p.ops, ());
    if let Err(e) = register_netdevice(k, peer) {
        free_netdev(k, peer);
        return Err(e);
    }
    // The C's dev comes from rtnl_create_link(), which rtnl_newlink_create() frees on an error.
    let dev = alloc_netdev(k, name, net, p.ops, ());
    if let Err(e) = register_netdevice(k, dev) {
        free_netdev(k, dev);
        unregister_netdevice(k, peer);
        return Err(e);
    }
    // mutants veth-no-peer-ref: no reference on the peer (nor, in dellink, its puts).
    let holds = p.converted && !p.no_peer_ref;
    k.dev_sync(dev).priv_peer.store(to_ptr(Some(peer)), SeqCst);
    if holds {
        netdev_hold(k, Some(peer), &peer_tracker(k, dev));
    }
    k.dev_sync(peer).priv_peer.store(to_ptr(Some(dev)), SeqCst);
    if holds {
        netdev_hold(k, Some(dev), &peer_tracker(k, peer));
    }
    Ok(())
}

/// Models `veth_dellink()`: drivers/net/veth.c. Series MP@522fa876, pre-series before d7fda2c7.
///
/// # Kernel steps (series)
/// 1. `peer = xchg(&priv(dev)->peer, NULL)`; NULL: the other end won and queued `dev`.
/// 2. `unregister_netdevice_queue(dev, head)`.
/// 3. `d2 = xchg(&priv(peer)->peer, NULL)`; if set, `unregister_netdevice_queue_net(dev_net(d2),
///    peer, head)`: the peer goes to its own net's queue when it lives elsewhere.
/// 4. `netdev_put(peer, &priv(dev)->peer_tracker)`; `netdev_put(d2, &priv(peer)->peer_tracker)`
///    (a no-op when `d2` is NULL). The hold on `peer` keeps it allocated between the xchgs.
///
/// # Kernel steps (pre-series)
/// `peer = priv->peer`; clear it; queue `dev`; if `peer`, clear its pointer and queue it on the
/// same list, whatever its net.
pub fn veth_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("veth_dellink", dev);
    paired_dellink(k, dev, head, veth_pair(k))
}

/// The body `veth_dellink()` and `vxcan_dellink()` share, unconverted or converted (their C is
/// the same text in each form; see [`veth_dellink`] for the steps).
pub(crate) fn paired_dellink(k: &Kernel, dev: DevId, head: &mut KillList, p: Pair) {
    if !p.converted {
        let peer = veth_peer(k, dev);
        k.dev_sync(dev).priv_peer.store(0, SeqCst);
        unregister_netdevice_queue(k, dev, head);
        if let Some(peer) = peer {
            k.dev_sync(peer).priv_peer.store(0, SeqCst);
            unregister_netdevice_queue(k, peer, head);
        }
        return;
    }
    // mutants veth-no-xchg, vxcan-no-xchg: rtnl_dereference(priv->peer) instead of xchg(&priv->peer, NULL).
    let take_peer = |d| if p.no_xchg { veth_peer(k, d) } else { xchg_peer(k, d, None) };
    let Some(peer) = take_peer(dev) else {
        return;
    };
    unregister_netdevice_queue(k, dev, head);
    let d2 = take_peer(peer);
    if let Some(d2) = d2 {
        let net = k.dev_net(d2);
        if p.lock_peer_net_directly && k.dev_net(peer) != net {
            // mutant lock-peer-net-directly: nest the peer netns's lock and unregister the peer here.
            return lock_peer_net_directly(k, dev, peer, d2);
        }
        if p.plain_queue_peer {
            // mutant vxcan-peer-plain-queue: the peer goes on the caller's list, whatever its net.
            unregister_netdevice_queue(k, peer, head);
        } else {
            unregister_netdevice_queue_net(k, net, peer, head);
        }
    }
    if p.no_peer_ref {
        // mutant veth-no-peer-ref: no references were taken.
        return;
    }
    netdev_put(k, Some(peer), &peer_tracker(k, dev));
    if p.leak_second_put {
        // mutants leak-netdev-ref, vxcan-leak-peer-ref: the second netdev_put() is forgotten.
        return;
    }
    netdev_put(k, d2, &peer_tracker(k, peer));
}

/// [`Mutant::LockPeerNetDirectly`]: the design the cover letter rules out. With our own
/// per-netns lock held, take the peer netns's (`__rtnl_net_lock`), unregister the peer under
/// it, and unlock (which drains that netns); then drop the peer references as `veth_dellink()`
/// does.
fn lock_peer_net_directly(k: &Kernel, dev: DevId, peer: DevId, d2: DevId) {
    let pnet = k.dev_net(peer);
    let sync = k.net_sync(pnet);
    let nl = rtnl_net_lock_raw(k, pnet, &sync);
    let mut list = KillList::new(k);
    unregister_netdevice_queue(k, peer, &mut list);
    unregister_netdevice_many(k, &mut list);
    rtnl_net_unlock_raw(k, pnet, nl);
    netdev_put(k, Some(peer), &peer_tracker(k, dev));
    netdev_put(k, Some(d2), &peer_tracker(k, peer));
}
