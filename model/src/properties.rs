//! The properties the model asserts, each named for what it asserts (kernel-notes.md §7).
//!
//! The kernel's own BUG_ON/WARN points map onto these; so do the end-state checks that run
//! after every execution ([`crate::invariants`]).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Property {
    /// S1: no access to a `net_device` or `struct net` after it was freed: a device after
    /// `free_netdev()`, a net after its last `net_passive_dec()`, directly or through
    /// `dev_net(dev)` of a device that outlived it.
    NoUseAfterFree,
    /// S2: every `netdev_hold` is matched by one `netdev_put` with the same tracker; no underflow.
    RefcountBalanced,
    /// S3: a lower device is freed only after its uppers let go of it.
    LowerOutlivesUppers,
    /// S4: each device is unregistered exactly once and sits on at most one unregister list.
    ExactlyOnceUnregistration,
    /// S5: `unregister_netdevice_many_notify()` processes a device with RTNL and the device's
    /// per-netns lock held (`ASSERT_RTNL_NET`), except on paths the series left unconverted.
    PerNetnsLock,
    /// S6: a dead namespace leaves nothing behind: no device in it, none queued on it, none
    /// whose tunnel socket lived in it. Checked when its `struct net` is freed (the last
    /// `net_passive_dec()`): no device of the net registered, queued or on a kill list, and in
    /// the series' kernels none still in some thread's `netdev_run_todo()` unless an
    /// unconverted path unregistered it; and at the end of the execution.
    NothingLeftBehind,
    /// S7: a `struct net` is freed only when its `rtnl_work` is neither pending nor running.
    NetnsOutlivesWork,
    /// S8: lock acquisitions follow one global order (checked over all executions by the
    /// lock-order graph in rtnl-checks).
    LockOrder,
    /// S9: no workqueue flush while holding RTNL or a per-netns RTNL.
    NoFlushUnderRtnl,
    /// S10: `reg_state` moves only along UNINITIALIZED → REGISTERED → UNREGISTERING →
    /// UNREGISTERED → RELEASED.
    RegStateMachine,
    /// S11: `net_todo_list` is empty at `__rtnl_unlock()`.
    TodoEmptyAtRtnlUnlock,
    /// S12: an ipvlan port's count stays ≥ 1 while an upper uses it and is never revived at 0.
    IpvlanPortCount,
    /// S13: a device on `X->dev_unreg_head` belongs to X.
    PendingEntryFollowsDevice,
    /// S14: each piece of shared kernel state the model tracks by name (`net_todo_list`, a
    /// device's adjacency lists and rx_handler, a macvlan port's count) is accessed under at
    /// least one lock common to every access (Eraser's lockset discipline). Like lockdep, it
    /// reports from executions that did not race: two commands can always come from two
    /// processes.
    CommonLockForSharedState,
    /// S15: every NETDEV_UNREGISTER sent from outside `unregister_netdevice_many_notify()` (the
    /// re-broadcast in `netdev_wait_allrefs_any()`, a move in `__dev_change_net_namespace()`) is
    /// delivered holding `rtnl_net_lock(dev_net(dev))`. The series' stated intent (cover letter:
    /// "wraps NETDEV_UNREGISTER (in core) with per-netns RTNL"; patches 4 and 5), not a kernel
    /// assertion: the kernel's notifier `netdev_debug_event()` only asserts `ASSERT_RTNL()` there.
    /// Inside `unregister_netdevice_many_notify()` S5 checks the same lock.
    NetdevUnregisterUnderNetLock,
    /// S16: a kernel list the model edits in one step (`net->dev_unreg_head`,
    /// `bn->bareudp_list`, `port->ipvlans`) is read or edited only by a thread that holds the
    /// lock the C protects it with: the model's `lockdep_assert_held()`. S14 cannot see a wrong
    /// inner lock while every access also holds RTNL; this can.
    ListUnderItsLock,
    /// S17: no driver operation (an `rtnl_link_ops` call or read, `ndo_init`/`ndo_uninit`,
    /// `priv_destructor`, the driver's netdevice notifier, its pernet `exit_rtnl`) runs after
    /// its module's unload (`modprobe -r`, `rmmod`) has returned: the module's memory is freed
    /// (a page fault in the kernel). Checked at the one choke point, `crate::module::driver_op`.
    NoDriverOpAfterUnload,
    /// L1: every device handed to a namespace's queue is eventually unregistered and freed.
    QueuedDeviceUnregistered,
    /// L2: every queued work item runs.
    QueuedWorkRuns,
    /// L3: `netdev_run_todo()` terminates: every reference is eventually put.
    AllRefsReleased,
    /// L5: no deadlock: some thread can always make progress.
    NoDeadlock,
}

impl Property {
    pub const ALL: [Property; 21] = [
        Property::NoUseAfterFree,
        Property::RefcountBalanced,
        Property::LowerOutlivesUppers,
        Property::ExactlyOnceUnregistration,
        Property::PerNetnsLock,
        Property::NothingLeftBehind,
        Property::NetnsOutlivesWork,
        Property::LockOrder,
        Property::NoFlushUnderRtnl,
        Property::RegStateMachine,
        Property::TodoEmptyAtRtnlUnlock,
        Property::IpvlanPortCount,
        Property::PendingEntryFollowsDevice,
        Property::CommonLockForSharedState,
        Property::NetdevUnregisterUnderNetLock,
        Property::ListUnderItsLock,
        Property::NoDriverOpAfterUnload,
        Property::QueuedDeviceUnregistered,
        Property::QueuedWorkRuns,
        Property::AllRefsReleased,
        Property::NoDeadlock,
    ];

    /// The identifier of kernel-notes.md §7.
    pub fn id(self) -> &'static str {
        match self {
            Property::NoUseAfterFree => "S1",
            Property::RefcountBalanced => "S2",
            Property::LowerOutlivesUppers => "S3",
            Property::ExactlyOnceUnregistration => "S4",
            Property::PerNetnsLock => "S5",
            Property::NothingLeftBehind => "S6",
            Property::NetnsOutlivesWork => "S7",
            Property::LockOrder => "S8",
            Property::NoFlushUnderRtnl => "S9",
            Property::RegStateMachine => "S10",
            Property::TodoEmptyAtRtnlUnlock => "S11",
            Property::IpvlanPortCount => "S12",
            Property::PendingEntryFollowsDevice => "S13",
            Property::CommonLockForSharedState => "S14",
            Property::NetdevUnregisterUnderNetLock => "S15",
            Property::ListUnderItsLock => "S16",
            Property::NoDriverOpAfterUnload => "S17",
            Property::QueuedDeviceUnregistered => "L1",
            Property::QueuedWorkRuns => "L2",
            Property::AllRefsReleased => "L3",
            Property::NoDeadlock => "L5",
        }
    }

    /// A short name that says what is asserted.
    pub fn name(self) -> &'static str {
        match self {
            Property::NoUseAfterFree => "no-use-after-free",
            Property::RefcountBalanced => "refcount-balanced",
            Property::LowerOutlivesUppers => "lower-outlives-uppers",
            Property::ExactlyOnceUnregistration => "exactly-once-unregistration",
            Property::PerNetnsLock => "per-netns-lock-at-unregistration",
            Property::NothingLeftBehind => "nothing-left-behind",
            Property::NetnsOutlivesWork => "netns-outlives-its-work",
            Property::LockOrder => "lock-order-acyclic",
            Property::NoFlushUnderRtnl => "no-flush-under-rtnl",
            Property::RegStateMachine => "reg-state-machine",
            Property::TodoEmptyAtRtnlUnlock => "todo-empty-at-rtnl-unlock",
            Property::IpvlanPortCount => "ipvlan-port-count",
            Property::PendingEntryFollowsDevice => "pending-entry-follows-device",
            Property::CommonLockForSharedState => "common-lock-for-shared-state",
            Property::NetdevUnregisterUnderNetLock => "netdev-unregister-under-net-lock",
            Property::ListUnderItsLock => "list-under-its-lock",
            Property::NoDriverOpAfterUnload => "no-driver-op-after-unload",
            Property::QueuedDeviceUnregistered => "queued-device-unregistered",
            Property::QueuedWorkRuns => "queued-work-runs",
            Property::AllRefsReleased => "all-refs-released",
            Property::NoDeadlock => "no-deadlock",
        }
    }

    pub fn from_name(s: &str) -> Option<Property> {
        Property::ALL.into_iter().find(|p| p.name() == s || p.id() == s)
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id(), self.name())
    }
}

/// One failed assertion, with where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub property: Property,
    pub message: String,
    pub thread: String,
    /// Model call stack, innermost first.
    pub stack: Vec<String>,
    /// Found by an end-state check after the execution ([`crate::invariants`]), not on a path;
    /// reports classify by it, never by the thread's name.
    #[serde(default)]
    pub end_state: bool,
}

impl Violation {
    pub fn new(property: Property, message: String, thread: String, stack: Vec<String>) -> Self {
        Violation { property, message, thread, stack, end_state: false }
    }

    /// A violation of an end-state check: no thread, no stack.
    pub fn end_state(property: Property, message: String) -> Self {
        Violation { end_state: true, ..Violation::new(property, message, "end-state".into(), Vec::new()) }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} (thread {}", self.property, self.message, self.thread)?;
        if let Some(top) = self.stack.first() {
            write!(f, ", in {top}")?;
        }
        f.write_str(")")
    }
}
