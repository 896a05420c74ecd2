//! Outside references a scenario takes on a device: `netdev_hold [-n NS] DEV TRACKER [until
//! unregister|rebroadcast]` and `netdev_put TRACKER`.
//!
//! The comment above `netdev_wait_allrefs_any()` (net/core/dev.c, MP@05fe748456ea): "Any protocol
//! or device that holds a reference should register for netdevice notification, and cleanup and
//! put back the reference if they receive an UNREGISTER event. We can get stuck here if buggy
//! protocols don't correctly call dev_put." A holder is such a protocol object: a packet socket
//! bound to the device (`until unregister`: `packet_notifier()` in net/packet/af_packet.c, read
//! in the stored upstream text, puts `po->prot_hook.dev` at NETDEV_UNREGISTER for the sockets of
//! `dev_net(dev)` bound to its ifindex; `packet_do_bind()` refuses an `unlisted` device), one that took the device again after its first
//! NETDEV_UNREGISTER (`until rebroadcast`: only the re-broadcast tells it), or a reference only
//! `netdev_put TRACKER` drops (a dst, a leak if the script never puts it). Its notifier is on
//! `netdev_chain` like a protocol's, registered at boot after the drivers'.

use std::collections::BTreeMap;

use crate::dev::{register_netdevice_notifier, NotifierBlock};
use crate::kernel::{DevId, Kernel, NetId};
use crate::netdevice::{netdev_hold, netdev_put, NetdevEvent, RegState, HOLD_TRACKER_PREFIX};
use crate::properties::{Property, Violation};
use crate::rtnetlink::{rtnl_net_lock, rtnl_unlock_raw, Errno};
use crate::script::Release;

/// One outside reference a script holds.
#[derive(Debug)]
struct Holder {
    dev: DevId,
    until: Release,
    /// The `ref_tracker` name on the device: "netdev_hold TRACKER (line N)".
    ref_name: String,
}

/// The script's holders by tracker name: the module data of this "protocol".
#[derive(Debug, Default)]
struct Holders {
    live: BTreeMap<String, Holder>,
}

/// Boot: the holders' notifier on `netdev_chain`, after the drivers' (a protocol's
/// `register_netdevice_notifier()` in its init, as `packet_init()` does).
pub fn holders_init(k: &mut Kernel) {
    register_netdevice_notifier(k, NotifierBlock { notifier_call: holders_device_event, owner: None });
}

/// `netdev_hold [-n NS] DEV TRACKER [until ...]` in `net`: `netdev_get_by_name(net, DEV,
/// tracker)`. ENODEV if DEV is not a registered device of `net` (a socket cannot bind a device
/// being torn down).
///
/// # Abstracted
/// The kernel looks the device up under `rcu_read_lock()`, and `unregister_netdevice_many_notify()`
/// unlists it before `synchronize_net()`, so a reference taken on a listed device is seen by
/// `netdev_wait_allrefs_any()`. The model has no RCU read side: the lookup and the hold are made
/// under the locks that unlist the device (`rtnl_net_lock(net)`; released without the drain or
/// `netdev_run_todo()`, which a socket call does not run), which gives the same guarantee.
pub fn netdev_hold_stmt(
    k: &Kernel,
    net: NetId,
    dev: &str,
    tracker: &str,
    until: Release,
    line: usize,
) -> Result<(), Errno> {
    let _f = k.enter_net("netdev_get_by_name", net);
    let sync = k.net_sync(net);
    let (rtnl, nl) = rtnl_net_lock(k, net, &sync);
    let found = k.dev_get_by_name(net, dev).filter(|&d| k.dev(d, |s| s.reg_state) == RegState::Registered);
    let res = match found {
        Some(d) => {
            let ref_name = format!("{HOLD_TRACKER_PREFIX}{tracker} (line {line})");
            netdev_hold(k, Some(d), &ref_name);
            k.with(|s| s.driver_data::<Holders>().live.insert(tracker.to_owned(), Holder { dev: d, until, ref_name }));
            Ok(())
        }
        None => Err(Errno::ENODEV),
    };
    nl.unlock_without_drain();
    rtnl_unlock_raw(k, rtnl);
    res
}

/// `netdev_put TRACKER`: drops the reference; ENOENT if its notifier already dropped it (or
/// the hold failed).
pub fn netdev_put_stmt(k: &Kernel, tracker: &str) -> Result<(), Errno> {
    let _f = k.enter("netdev_put");
    let holder = k.with(|s| s.driver_data::<Holders>().live.remove(tracker)).ok_or(Errno::ENOENT)?;
    netdev_put(k, Some(holder.dev), &holder.ref_name);
    Ok(())
}

/// The holders' `notifier_call`: NETDEV_UNREGISTER drops `until unregister` references on the
/// device, and `until rebroadcast` ones once the device is UNREGISTERED.
fn holders_device_event(k: &Kernel, event: NetdevEvent, dev: DevId) {
    let held = k.with(|s| s.driver_data::<Holders>().live.values().any(|h| h.dev == dev));
    if event != NetdevEvent::Unregister || !held {
        return;
    }
    let unregistered = k.dev(dev, |d| d.reg_state) == RegState::Unregistered;
    let dropped: Vec<Holder> = k.with(|s| {
        let live = &mut s.driver_data::<Holders>().live;
        let names: Vec<String> = live
            .iter()
            .filter(|(_, h)| {
                h.dev == dev
                    && match h.until {
                        Release::Put => false,
                        Release::Unregister => true,
                        Release::Rebroadcast => unregistered,
                    }
            })
            .map(|(n, _)| n.clone())
            .collect();
        names.iter().filter_map(|n| live.remove(n)).collect()
    });
    if dropped.is_empty() {
        return;
    }
    let _f = k.enter_dev("holders_device_event", dev);
    for h in dropped {
        netdev_put(k, Some(h.dev), &h.ref_name);
    }
}

/// End state: a `netdev_hold` whose only release is `netdev_put` and that the script never put
/// leaks its reference (L3), whether or not the device was deleted.
pub fn never_released(k: &Kernel) -> Vec<Violation> {
    k.with(|s| {
        let live: Vec<(String, DevId)> = s
            .driver_data::<Holders>()
            .live
            .values()
            .filter(|h| h.until == Release::Put)
            .map(|h| (h.ref_name.clone(), h.dev))
            .collect();
        live.into_iter()
            .map(|(r, d)| {
                Violation::end_state(
                    Property::AllRefsReleased,
                    format!("{r} on {} is never released: no netdev_put", s.dev_name(d)),
                )
            })
            .collect()
    })
}
