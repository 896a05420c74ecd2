//! netkit: drivers/net/netkit.c, the BPF-programmable paired device. The series does not
//! convert it and no follow-up is known: `netkit_del_link()` queues its peer on the caller's
//! list whatever the peer's net, as veth did before the series. Read at torvalds/linux (the
//! `netkit_del_link()` and `netkit_new_link()` text is the same in every version read, 2023 to
//! the queue-leasing changes of 2025). netkit is `bool` in Kconfig (`CONFIG_NETKIT`): built in,
//! never a module, so `modprobe -r netkit` is refused by the parser.
//!
//! It shares veth's bodies ([`crate::veth::paired_newlink`], [`crate::veth::paired_dellink`],
//! unconverted form). Differences the model keeps: no reference on the peer (the C holds none),
//! `dev->type = ARPHRD_NONE` in the default L3 mode (`netkit_setup()`; no ipvlan or macvlan on
//! it). Left out: BPF programs and links, `mode l2`, policies, `scrub`, headroom/tailroom, the
//! queue leasing of `netkit_uninit()`.

use crate::dev::KillList;
use crate::kernel::{DevId, Kernel, NetId};
use crate::rtnetlink::{rtnl_link_register, Errno, NewLink, RtnlLinkOps, S5Exemption, ARPHRD_NONE};
use crate::script::LinkKind;
use crate::veth::{paired_dellink, paired_newlink, Pair};

/// `netkit_link_ops`: drivers/net/netkit.c.
#[derive(Debug)]
pub struct NetkitLinkOps;

pub static NETKIT_LINK_OPS: NetkitLinkOps = NetkitLinkOps;

impl RtnlLinkOps for NetkitLinkOps {
    fn kind(&self) -> &'static str {
        "netkit"
    }
    fn newlink(&self, k: &Kernel, net: NetId, req: &NewLink) -> Result<(), Errno> {
        let LinkKind::Netkit { peer, .. } = &req.kind else { unreachable!("netkit_new_link: {:?}", req.kind) };
        netkit_new_link(k, net, &req.name, peer, req.peer_net.unwrap_or(net))
    }
    fn dellink(&self, k: &Kernel, dev: DevId, head: &mut KillList) {
        netkit_del_link(k, dev, head)
    }
    /// `netkit_setup()`, L3 mode (the default): `dev->type = ARPHRD_NONE`.
    fn dev_type(&self) -> u16 {
        ARPHRD_NONE
    }
    /// Unconverted: `netkit_del_link()` queues its peer on the caller's list whatever its net,
    /// so `rtnl_delete_link()` unregisters it under the caller's per-netns lock only, and
    /// `default_device_exit_batch()` under RTNL only, after `unregister_netdevice_queue_many_net()`
    /// left it there.
    fn s5_unconverted(&self, _k: &Kernel) -> &'static [S5Exemption] {
        &[
            S5Exemption {
                queued_by: "netkit_del_link",
                caller: "rtnl_delete_link",
                needs_skip: false,
                c_line: "drivers/net/netkit.c netkit_del_link(): unregister_netdevice_queue(peer, head)",
            },
            S5Exemption {
                queued_by: "netkit_del_link",
                caller: "default_device_exit_batch",
                needs_skip: true,
                c_line: "net/core/dev.c unregister_netdevice_queue_many_net() MP@05fe7484: \
                         if (!net_eq(dev_net(dev), net)) continue;",
            },
        ]
    }
    fn symbol(&self, op: &'static str) -> Option<&'static str> {
        match op {
            "dellink" => Some("netkit_del_link"),
            "ndo_uninit" => Some("netkit_uninit"),
            _ => None,
        }
    }
}

/// netkit's bodies: veth's unconverted ones, without references on the peer.
fn netkit_pair() -> Pair {
    Pair {
        ops: &NETKIT_LINK_OPS,
        converted: false,
        no_xchg: false,
        no_peer_ref: true,
        leak_second_put: false,
        plain_queue_peer: false,
        lock_peer_net_directly: false,
    }
}

/// Models `netkit_init()` (a `device_initcall`, built in): drivers/net/netkit.c.
/// `rtnl_link_register(&netkit_link_ops)`.
pub fn netkit_init(k: &mut Kernel) {
    rtnl_link_register(k, &NETKIT_LINK_OPS);
}

/// Models `netkit_new_link()`: drivers/net/netkit.c.
///
/// # Kernel steps
/// 1. `peer_net = rtnl_newlink_peer_net(params)`; `rtnl_create_link(peer_net, ...)`;
///    `register_netdevice(peer)` (error: `free_netdev(peer)`).
/// 2. `register_netdevice(dev)` (error: `unregister_netdevice(peer)`).
/// 3. `rcu_assign_pointer(nk->peer, peer)` both ways; no reference is taken.
pub fn netkit_new_link(k: &Kernel, net: NetId, name: &str, peer_name: &str, peer_net: NetId) -> Result<(), Errno> {
    let _f = k.enter_net("netkit_new_link", net);
    paired_newlink(k, net, name, peer_name, peer_net, netkit_pair())
}

/// Models `netkit_del_link()`: drivers/net/netkit.c. `peer = rtnl_dereference(nk->peer)`;
/// `RCU_INIT_POINTER(nk->peer, NULL)`; `unregister_netdevice_queue(dev, head)`; if `peer`,
/// clear its pointer and `unregister_netdevice_queue(peer, head)`, whatever its net.
pub fn netkit_del_link(k: &Kernel, dev: DevId, head: &mut KillList) {
    let _f = k.enter_dev("netkit_del_link", dev);
    paired_dellink(k, dev, head, netkit_pair());
}
