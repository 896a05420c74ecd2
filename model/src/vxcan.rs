//! vxcan: drivers/net/can/vxcan.c, a paired device copied from veth ("derived ... from
//! drivers/net/veth.c to implement the netlink API for network interface pairs").
//!
//! Two forms, read in the C:
//! - before its conversion (the series' merge 71ac90cca6d8 leaves vxcan unconverted):
//!   torvalds/linux @00f4a0af, the text of veth's pre-series `veth_dellink()`;
//! - after 703b31d21e52 "vxcan: Support per-netns device unregistration." (a follow-up,
//!   [`Variant::FollowupVxcan`]): multipath-tcp/mptcp_net-next @733e69a8, the text of veth's
//!   series `veth_dellink()` (MP@522fa876).
//!
//! Both share veth's bodies ([`crate::veth::paired_newlink`], [`crate::veth::paired_dellink`]);
//! the C-named functions below keep traces and kernel-map rows per C function. Differences
//! from veth that the model keeps: `dev->type = ARPHRD_CAN` (no ipvlan or macvlan on it),
//! and unconverted vxcan declares the two places where the C leaves its peer of another net on
//! the caller's list ([`RtnlLinkOps::s5_unconverted`]). Differences that need nothing here:
//! no `priv_destructor` (only `needs_free_netdev`), as the model's veth; holds taken after both
//! registrations, as the model's veth.

use crate::dev::KillList;
use crate::kernel::{DevId, Kernel, NetId};
use crate::mutants::Mutant;
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, S5Exemption};
use crate::script::LinkKind;
use crate::variants::Variant;
use crate::veth::{paired_dellink, paired_newlink, Pair};

/// `ARPHRD_CAN`, include/uapi/linux/if_arp.h: `vxcan_setup()` sets it.
pub const ARPHRD_CAN: u16 = 280;

/// `vxcan_link_ops`: drivers/net/can/vxcan.c, MP@733e69a8 (`.peer_type` aside, the same
/// before).
#[derive(Debug)]
pub struct VxcanLinkOps;

pub static VXCAN_LINK_OPS: VxcanLinkOps = VxcanLinkOps;

impl RtnlLinkOps for VxcanLinkOps {
    fn kind(&self) -> &'static str {
        "vxcan"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Vxcan { peer, .. } = &req.kind else { unreachable!("vxcan_newlink: {:?}", req.kind) };
        vxcan_newlink(k, net, &req.name, peer, req.peer_net.unwrap_or(net))
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        vxcan_dellink(k, dev, head)
    }
    /// `vxcan_setup()`: `dev->type = ARPHRD_CAN`.
    fn dev_type(&self) -> u16 {
        ARPHRD_CAN
    }
    /// Unconverted (before 703b31d21e52), `vxcan_dellink()` queues its peer on the caller's
    /// list whatever its net: `rtnl_delete_link()` then unregisters it under the caller's
    /// per-netns lock only, and `default_device_exit_batch()` under RTNL only, after
    /// `unregister_netdevice_queue_many_net()` left it there. Converted, nothing is exempt.
    fn s5_unconverted(&self, k: &Kernel) -> &'static [S5Exemption] {
        if vxcan_converted(k) {
            return &[];
        }
        &[
            S5Exemption {
                queued_by: "vxcan_dellink",
                caller: "rtnl_delete_link",
                needs_skip: false,
                c_line: "drivers/net/can/vxcan.c vxcan_dellink() before 703b31d21e52 (torvalds/linux @00f4a0af): \
                         unregister_netdevice_queue(peer, head)",
            },
            S5Exemption {
                queued_by: "vxcan_dellink",
                caller: "default_device_exit_batch",
                needs_skip: true,
                c_line: "net/core/dev.c unregister_netdevice_queue_many_net() MP@05fe7484: \
                         if (!net_eq(dev_net(dev), net)) continue;",
            },
        ]
    }
}

/// Models `vxcan_init()` (module_init): drivers/net/can/vxcan.c, MP@733e69a8.
/// `rtnl_link_register(&vxcan_link_ops)`.
pub fn vxcan_init(k: &mut Kernel) {
    rtnl_link_register(k, &VXCAN_LINK_OPS);
}

/// Models `vxcan_exit()` (module_exit): drivers/net/can/vxcan.c, MP@733e69a8 (the same before
/// 703b31d21e52). `rtnl_link_unregister(&vxcan_link_ops)`.
pub fn vxcan_exit(k: &Kernel) {
    crate::rtnetlink::rtnl_link_unregister(k, &VXCAN_LINK_OPS);
}

/// Whether the running kernel has 703b31d21e52: the follow-up variant, on the series'
/// infrastructure (without CONFIG_DEBUG_NET_SMALL_RTNL there is no per-netns queue to use).
fn vxcan_converted(k: &Kernel) -> bool {
    k.mode().small_rtnl() && k.cfg.has(Variant::FollowupVxcan)
}

/// The faithful vxcan of the running kernel, or the vxcan of the chosen mutant (the mutants
/// change the converted form only).
fn vxcan_pair(k: &Kernel) -> Pair {
    Pair {
        ops: &VXCAN_LINK_OPS,
        converted: vxcan_converted(k),
        no_xchg: k.mutated(Mutant::VxcanNoXchg),
        no_peer_ref: false,
        leak_second_put: k.mutated(Mutant::VxcanLeakPeerRef),
        plain_queue_peer: k.mutated(Mutant::VxcanPeerPlainQueue),
        lock_peer_net_directly: false,
    }
}

/// Models `vxcan_newlink()`: drivers/net/can/vxcan.c. After: MP@733e69a8; before:
/// torvalds/linux @00f4a0af.
///
/// # Kernel steps
/// 1. `peer_net = rtnl_newlink_peer_net(params)`; `rtnl_create_link(peer_net, ...)`,
///    `register_netdevice(peer)` (error: `free_netdev(peer)`), `rtnl_configure_link(peer)`.
/// 2. `register_netdevice(dev)` (error, as for step 1's configure:
///    `unregister_network_device: unregister_netdevice(peer)`).
/// 3. `rcu_assign_pointer(priv(dev)->peer, peer)`, [after] `netdev_hold(peer,
///    &priv(dev)->peer_tracker)`; the same the other way round.
///
/// # Abstracted
/// Names are checked before allocating, as for veth, so the error paths are not reached.
pub fn vxcan_newlink(k: &Kernel, net: NetId, name: &str, peer_name: &str, peer_net: NetId) -> Result<(), Errno> {
    let _f = k.enter_net("vxcan_newlink", net);
    paired_newlink(k, net, name, peer_name, peer_net, vxcan_pair(k))
}

/// Models `vxcan_dellink()`: drivers/net/can/vxcan.c. After: MP@733e69a8; before:
/// torvalds/linux @00f4a0af.
///
/// # Kernel steps (after 703b31d21e52)
/// 1. `peer = xchg(&priv(dev)->peer, NULL)`; NULL: the other end won, return.
/// 2. `unregister_netdevice_queue(dev, head)`.
/// 3. `dev = xchg(&priv(peer)->peer, NULL)`; if set, `unregister_netdevice_queue_net(dev_net(dev),
///    peer, head)`.
/// 4. `netdev_put(peer, peer_tracker)`; `netdev_put(dev, &priv(peer)->peer_tracker)`.
///
/// # Kernel steps (before)
/// `peer = rtnl_dereference(priv->peer)`; `RCU_INIT_POINTER(priv->peer, NULL)`; queue `dev`;
/// if `peer`, clear its pointer and `unregister_netdevice_queue(peer, head)`: the caller's
/// list, whatever the peer's net.
pub fn vxcan_dellink(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("vxcan_dellink", dev);
    paired_dellink(k, dev, head, vxcan_pair(k))
}
