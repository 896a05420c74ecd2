//! The end-state checks run after every execution, once the workqueues are idle.
//!
//! Each check names its property. They complement the in-flight BUG/WARN points: what they
//! catch is what was left undone (a device never freed, a work never run, a reference never
//! put), which no single step of the execution can see.

use crate::kernel::{Kernel, NetId, INIT_NET};
use crate::netdevice::RegState;
use crate::properties::{Property, Violation};
use crate::sync::atomic::Ordering::SeqCst;

fn violation(p: Property, msg: String) -> Violation {
    Violation::end_state(p, msg)
}

/// Every end-state property over `k`, after settle and shutdown.
pub fn check_end_state(k: &Kernel) -> Vec<Violation> {
    let mut out = Vec::new();
    let cleanup_pending = k.cleanup_work_pending.load(SeqCst);
    k.with(|s| {
        let net_alive = |n: NetId| !s.nets[n].freed;
        for d in &s.devs {
            if d.freed {
                continue;
            }
            let refs = d.sync.refcnt.load(SeqCst);
            match d.reg_state {
                RegState::Unregistering | RegState::Unregistered => out.push(violation(
                    Property::AllRefsReleased,
                    format!(
                        "{} is {:?} but was never freed (usage count {refs}, held by [{}])",
                        d.name,
                        d.reg_state,
                        d.trackers.join(", ")
                    ),
                )),
                RegState::Registered if d.unreg_list_net.is_some() => out.push(violation(
                    Property::QueuedDeviceUnregistered,
                    format!(
                        "{} is still queued on {}->dev_unreg_head and was never unregistered",
                        d.name,
                        s.net_name(d.unreg_list_net.unwrap_or(INIT_NET))
                    ),
                )),
                _ => {}
            }
            if refs != 1 + d.trackers.len() {
                out.push(violation(
                    Property::RefcountBalanced,
                    format!(
                        "{}: usage count {refs} but {} tracked references [{}]",
                        d.name,
                        d.trackers.len(),
                        d.trackers.join(", ")
                    ),
                ));
            }
            if !net_alive(d.nd_net) {
                out.push(violation(
                    Property::NothingLeftBehind,
                    format!("{} outlived its namespace {}", d.name, s.net_name(d.nd_net)),
                ));
            }
            let sock_net = d.rtnl_link_ops.get_link_net(d);
            if let Some(sn) = sock_net.filter(|&sn| !net_alive(sn)) {
                out.push(violation(
                    Property::NothingLeftBehind,
                    format!("{} outlived the namespace of its socket {}", d.name, s.net_name(sn)),
                ));
            }
        }
        for n in &s.nets {
            if n.is_dying && !n.freed {
                out.push(violation(
                    Property::NothingLeftBehind,
                    format!("namespace {} is dying but was never freed", n.name),
                ));
            }
            if n.sync.rtnl_work_pending.load(SeqCst) {
                out.push(violation(Property::QueuedWorkRuns, format!("{}->rtnl_work is still pending", n.name)));
            }
        }
        if cleanup_pending {
            out.push(violation(Property::QueuedWorkRuns, "net_cleanup_work is still pending".into()));
        }
        if !s.cleanup_list.is_empty() {
            let names: Vec<_> = s.cleanup_list.iter().map(|&n| s.net_name(n)).collect();
            out.push(violation(
                Property::QueuedWorkRuns,
                format!("cleanup_list still holds [{}]: cleanup_net() never ran for them", names.join(", ")),
            ));
        }
        if !s.net_todo_list.is_empty() {
            let names: Vec<_> = s.net_todo_list.iter().map(|&d| s.dev_name(d)).collect();
            out.push(violation(
                Property::QueuedDeviceUnregistered,
                format!("net_todo_list still holds [{}]: nobody ran netdev_run_todo() for them", names.join(", ")),
            ));
        }
    });
    out.extend(crate::holders::never_released(k));
    out
}
