//! The RTNL debug notifier: net/core/lock_debug.c, MP@71574abd (`netdev_debug_event()`; before
//! the rename net/core/rtnl_net_debug.c, `rtnl_net_debug_event()`, built with
//! CONFIG_DEBUG_NET_SMALL_RTNL), so only in the series' kernels; the series does not touch it.

use crate::dev::{register_netdevice_notifier, NotifierBlock};
use crate::kernel::{DevId, Kernel};
use crate::netdevice::NetdevEvent;
use crate::properties::Property;

/// Models `netdev_debug_event()`: net/core/lock_debug.c, MP@71574abd, on the events the model
/// sends.
///
/// # Kernel steps
/// 1. NETDEV_REGISTER: `netdev_ops_assert_locked(dev)`, then `ASSERT_RTNL()`.
/// 2. NETDEV_UNREGISTER: `ASSERT_RTNL()` only.
///
/// # Model
/// [series intent, S15] NETDEV_UNREGISTER sent from outside `unregister_netdevice_many_notify()`
/// (the re-broadcast in `netdev_wait_allrefs_any()`, patch 5; a move in
/// `__dev_change_net_namespace()`, patch 4) must hold `rtnl_net_lock(dev_net(dev))`: the cover
/// letter's "wraps NETDEV_UNREGISTER (in core) with per-netns RTNL". The kernel does not assert
/// it. Inside `unregister_netdevice_many_notify()` S5 already checks that lock for that device.
///
/// # Abstracted
/// `netdev_ops_assert_locked()`: no modelled driver takes the ops lock (`netdev_need_ops_lock()`
/// is false for them).
fn netdev_debug_event(k: &Kernel, event: NetdevEvent, dev: DevId) {
    let _f = k.enter_dev("netdev_debug_event", dev);
    k.assert_rtnl("netdev_debug_event");
    // The A2 probe moves under RTNL alone on purpose; its finding is L1 (docs/findings.md).
    if event != NetdevEvent::Unregister || k.cfg.has(crate::variants::Variant::ProbeA2MoveUnderRtnlOnly) {
        return;
    }
    let stack = k.obs(|s| s.stack());
    if stack.iter().any(|f| f == "unregister_netdevice_many_notify") {
        return;
    }
    let net = k.dev_net(dev);
    if !k.rtnl_net_is_locked(net) {
        let sender = stack.iter().find(|f| !matches!(f.as_str(), "netdev_debug_event" | "call_netdevice_notifiers"));
        let (name, netname) = (k.dev_name(dev), k.net_name(net));
        k.warn(
            Property::NetdevUnregisterUnderNetLock,
            format!(
                "NETDEV_UNREGISTER for {name} delivered by {} without {netname}->rtnl_mutex",
                sender.map_or("?", |s| s.as_str())
            ),
        );
    }
}

/// `rtnl_net_debug_init()`: net/core/lock_debug.c, MP@71574abd, a `subsys_initcall`, so before
/// every driver's `module_init`: the notifier is first on `netdev_chain`. Registered only where
/// CONFIG_DEBUG_NET_SMALL_RTNL exists (the series' kernels). The per-net registration
/// (`register_netdevice_notifier_net()`) would run the same checks again.
pub fn rtnl_net_debug_init(k: &mut Kernel) {
    if k.mode().small_rtnl() {
        register_netdevice_notifier(k, NotifierBlock { notifier_call: netdev_debug_event, owner: None });
    }
}
