//! Kernel variants for the findings (docs/findings.md): a *fix* is the smallest change to the
//! kernel's code that removes a hazard the model found; a *probe* models a caller the series
//! does not have but a hazard depends on; a *follow-up* is a conversion that landed after the
//! series (merge 71ac90cca6d8), on its infrastructure. Chosen at run time, like mutants; the
//! faithful kernel has none.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Variant {
    /// Fix for A1: the NETDEV_UNREGISTER re-broadcast in `netdev_wait_allrefs_any()` releases the
    /// per-netns lock without draining (`mutex_unlock(&net->rtnl_mutex)` instead of
    /// `__rtnl_net_unlock(net)`), so it never moves devices to `net_todo_list` between
    /// `rtnl_lock()` and `__rtnl_unlock()`; the net's work, already queued, drains them.
    FixA1RebroadcastNoDrain,
    /// Mitigation for A6: `rtnl_net_wq` created with a `max_active` above 1
    /// (`alloc_workqueue("rtnl_net", WQ_PERCPU, 0)` instead of `create_workqueue()`), so an item
    /// queued behind a sleeping one runs meanwhile. Modelled as two active items per CPU; as many
    /// waits at once still hang (checks/scenarios/findings/a6-two-chains-beat-two-workers.sh).
    FixA6WqMaxActive,
    /// Probe for A2: a caller that moves a device between nets under RTNL alone, without the
    /// per-netns locks (as a move outside rtnl_setlink could), so the destination net is not
    /// unlocked, and so not drained, afterwards.
    ProbeA2MoveUnderRtnlOnly,
    /// A conversion for rtnl-free mode (docs/rtnl-free.md): `net_todo_list` is global and only
    /// RTNL protects it. Converted, each unlocker's `netdev_run_todo()` takes only the devices
    /// it unregistered itself (an on-stack list handed from `unregister_netdevice_many_notify()`
    /// to the unlock), so no lock is needed and the other findings can be explored past it.
    ConvertNetTodoList,
    /// A conversion for rtnl-free mode: a lower's adjacency lists, which uppers in other nets
    /// edit (`netdev_upper_dev_link()` / `_unlink()`), protected by the lower's instance lock
    /// (`netdev_lock(lower)`) instead of RTNL; and `__ipvlan_link_delete()` unlinks an upper
    /// before handing it to its net's queue, whose work could otherwise unregister it while it
    /// is still linked (`WARN_ON(netdev_has_any_lower_dev())`, R7 in docs/rtnl-free.md).
    ConvertAdjListInstanceLock,
    /// Follow-up 703b31d21e52 "vxcan: Support per-netns device unregistration." (after the
    /// series): `vxcan_dellink()` takes the peer pointers with `xchg()` and hands a peer of
    /// another net to it with `unregister_netdevice_queue_net()`; `vxcan_newlink()` holds each
    /// end on the other (drivers/net/can/vxcan.c, MP@733e69a8).
    FollowupVxcan,
    /// A *follow-up* conversion, landed after the series (cf31c7f186ed, 7df47efd6db1,
    /// ccb161b71a1f, merge f700af9fcfe9): geneve's list under a per-netns `gn->lock` and its
    /// devices of other nets handed to their own net's queue (`__geneve_dellink()`,
    /// `unregister_netdevice_queue_net()`). [reconstructed] from bareudp's conversion.
    FollowupGeneve,
    /// A *follow-up* conversion, landed after the series (8f3c72420257 "ip_tunnel: Support
    /// per-netns device unregistration", 6724a7baf149 "Protect ip_tunnel_net.tunnels[] with
    /// mutex", e53013fe10c2 "Centralise ip_tunnel_del() to ip_tunnel_dellink()", merge
    /// 7bbb398689fe): the tunnel hash under a per-netns `itn->lock`, a tunnel of another net
    /// handed to its own net's queue, and the hash membership as the queued-once token.
    /// [reconstructed] from the subjects and bareudp's conversion: no stored tree has them.
    FollowupIpTunnel,
    /// Fix for A7: `rtnl_link_unregister()` flushes `rtnl_net_wq` after `rtnl_unlock()` and
    /// before `up_write(&pernet_ops_rwsem)`, as `default_device_exit_batch()` does after its
    /// unlock, so a device of the kind that a converted `dellink` handed to another net's
    /// `dev_unreg_head` is unregistered and freed before the module is.
    FixA7UnloadFlush,
    /// [reconstructed] What patch 7 (d0008553, "net: Call unregister_netdevice_many() per
    /// netns", not public) may have done to `rtnl_link_unregister()`, in the shape of
    /// `default_device_exit_batch()` at MP@05fe7484: per net `__rtnl_net_lock(net)`,
    /// `__rtnl_kill_links()`, `unregister_netdevice_queue_many_net()`, `__rtnl_net_unlock(net)`
    /// (which drains the net's queue), then one `unregister_netdevice_many()` for what is left.
    /// A probe: which of the two possible kernels A7's verdict is about.
    ProbeA7Patch7KillLinksPerNet,
}

impl Variant {
    pub const ALL: [Variant; 10] = [
        Variant::FixA1RebroadcastNoDrain,
        Variant::FixA6WqMaxActive,
        Variant::ProbeA2MoveUnderRtnlOnly,
        Variant::ConvertNetTodoList,
        Variant::ConvertAdjListInstanceLock,
        Variant::FollowupVxcan,
        Variant::FollowupGeneve,
        Variant::FollowupIpTunnel,
        Variant::FixA7UnloadFlush,
        Variant::ProbeA7Patch7KillLinksPerNet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::FixA1RebroadcastNoDrain => "fix-a1-rebroadcast-no-drain",
            Variant::FixA6WqMaxActive => "fix-a6-wq-max-active",
            Variant::ProbeA2MoveUnderRtnlOnly => "probe-a2-move-under-rtnl-only",
            Variant::ConvertNetTodoList => "convert-net-todo-list",
            Variant::ConvertAdjListInstanceLock => "convert-adj-list-instance-lock",
            Variant::FollowupVxcan => "followup-vxcan",
            Variant::FollowupGeneve => "followup-geneve",
            Variant::FollowupIpTunnel => "followup-ip-tunnel",
            Variant::FixA7UnloadFlush => "fix-a7-unload-flush",
            Variant::ProbeA7Patch7KillLinksPerNet => "probe-a7-patch7-kill-links-per-net",
        }
    }

    pub fn from_name(s: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == s)
    }

    pub fn is_fix(self) -> bool {
        matches!(self, Variant::FixA1RebroadcastNoDrain | Variant::FixA6WqMaxActive | Variant::FixA7UnloadFlush)
    }

    /// A conversion that landed after the series: it needs the series' infrastructure
    /// (`unregister_netdevice_queue_net()`, per-netns locks), so it has no pre-series form.
    pub fn is_followup(self) -> bool {
        matches!(self, Variant::FollowupVxcan | Variant::FollowupGeneve | Variant::FollowupIpTunnel)
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Variant::from_name(s).ok_or_else(|| {
            let all: Vec<_> = Variant::ALL.iter().map(|v| v.name()).collect();
            format!("unknown variant {s:?}: expected one of {}", all.join(", "))
        })
    }
}
