//! The lockdep-like recorder: which locks each thread holds, and every "acquired B while
//! holding A" with its call sites.
//!
//! Every lock and unlock of the facade's [`crate::sync::Mutex`] goes through [`Recorder`]. It
//! keeps what the kernel's lockdep keeps per task (`held_locks`) and per class pair
//! (`lock_list` dependencies). The graph and its cycle reports are built from these edges by
//! `rtnl-checks` (petgraph), across every explored execution.
//!
//! Like lockdep, edges are between *classes*. An instance (which net, which device) rides along
//! so that same-class nesting can be checked against the kernel's order
//! (`rtnl_net_lock_cmp_fn()`: init_net first, then ascending).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A lock class, named as lockdep names it in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LockClass {
    /// `rtnl_mutex`, the global RTNL (net/core/rtnetlink.c).
    Rtnl,
    /// `&net->rtnl_mutex`, one class for all nets (a single `mutex_init` site in `preinit_net()`),
    /// nestable only in `rtnl_net_lock_cmp_fn()` order.
    RtnlNet,
    /// `&port->pnodes_lock` (drivers/net/ipvlan/ipvlan_main.c).
    IpvlanPnodes,
    /// `&bn->lock`, the per-socket-netns bareudp list lock (drivers/net/bareudp.c).
    BareudpNet,
    /// `&dev->lock`, the instance lock taken by `netdev_lock()`.
    DevInstance,
    /// `&net->dev_unreg_lock` (spinlock), innermost; nested in ascending order.
    DevUnregLock,
    /// `(wq_completion)rtnl_net`: lockdep's pseudo-lock for `rtnl_net_wq`. A worker holds it
    /// while it runs an item; `flush_workqueue()` acquires and releases it.
    WqCompletion,
    /// `(wq_completion)netns`: the same for `netns_wq`, where `cleanup_net()` runs.
    WqNetns,
    /// `(work_completion)(&net->rtnl_work)`: held while the item runs; `flush_work()` takes it.
    WorkCompletion,
}

impl LockClass {
    /// The name lockdep would print for the class.
    pub fn lockdep_name(self) -> &'static str {
        match self {
            LockClass::Rtnl => "rtnl_mutex",
            LockClass::RtnlNet => "&net->rtnl_mutex",
            LockClass::IpvlanPnodes => "&port->pnodes_lock",
            LockClass::BareudpNet => "&bn->lock",
            LockClass::DevInstance => "&dev->lock",
            LockClass::DevUnregLock => "&net->dev_unreg_lock",
            LockClass::WqCompletion => "(wq_completion)rtnl_net",
            LockClass::WqNetns => "(wq_completion)netns",
            LockClass::WorkCompletion => "(work_completion)(&net->rtnl_work)",
        }
    }

    /// Whether two instances of this class may nest (in ascending key order, init_net = 0
    /// first), as `lock_set_cmp_fn()` and `spin_lock_nested()` allow; other classes never nest.
    pub fn nests_by_key(self) -> bool {
        matches!(self, LockClass::RtnlNet | LockClass::DevUnregLock)
    }
}

/// One lock: its class, the instance key the kernel orders same-class locks by (net id for
/// per-netns locks: init_net is 0 and sorts first; ifindex for device locks), and a readable name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LockId {
    pub class: LockClass,
    pub key: u64,
    /// e.g. `ns2->rtnl_mutex`, `veth0->lock`, `(wq_completion)rtnl_net`.
    pub name: String,
}

impl LockId {
    pub fn new(class: LockClass, key: u64, name: impl Into<String>) -> Self {
        LockId { class, key, name: name.into() }
    }
}

impl fmt::Display for LockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A place in the model's source: the `#[track_caller]` location of a lock call, and the kernel
/// function (model function) that made it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Site {
    pub func: String,
    pub file: String,
    pub line: u32,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}:{}", self.func, self.file, self.line)
    }
}

/// "Acquired `to` while holding `from`": one lockdep dependency, with where each was taken.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LockEdge {
    pub from: LockId,
    pub from_site: Site,
    pub to: LockId,
    pub to_site: Site,
    /// The model thread that did it (`ip#1`, `kworker/rtnl_net`, ...).
    pub thread: String,
}

/// A lock a thread holds, with where it took it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub lock: LockId,
    pub site: Site,
}

/// What one thread is blocked on, for deadlock reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub thread: String,
    /// A lock name, or a description of a wait that is not a lock ("refcount of veth0 to reach 1").
    pub on: String,
    pub site: Site,
    pub holding: Vec<String>,
}

/// Per-execution recorder state. Lives in the kernel's instrumentation cell.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    /// Per model thread, the locks it holds in acquisition order.
    pub held: BTreeMap<String, Vec<Held>>,
    /// Every distinct dependency seen, in first-seen order.
    pub edges: Vec<LockEdge>,
    seen: BTreeSet<(LockId, LockId)>,
    /// Threads currently blocked, and on what.
    pub waiting: BTreeMap<String, Waiting>,
    /// The sequence of (thread, lock) acquisitions, to count distinct acquisition orders.
    pub acquisitions: Vec<(String, String)>,
}

impl Recorder {
    /// Called before blocking on `lock`: notes the wait and records one edge per held lock.
    pub fn will_acquire(&mut self, thread: &str, lock: &LockId, site: &Site) {
        let held = self.held.entry(thread.to_string()).or_default();
        for h in held.iter() {
            let pair = (h.lock.clone(), lock.clone());
            if self.seen.insert(pair) {
                self.edges.push(LockEdge {
                    from: h.lock.clone(),
                    from_site: h.site.clone(),
                    to: lock.clone(),
                    to_site: site.clone(),
                    thread: thread.to_string(),
                });
            }
        }
        let holding = held.iter().map(|h| h.lock.name.clone()).collect();
        self.waiting.insert(
            thread.to_string(),
            Waiting { thread: thread.to_string(), on: lock.name.clone(), site: site.clone(), holding },
        );
    }

    /// Called once the lock is ours.
    pub fn acquired(&mut self, thread: &str, lock: &LockId, site: &Site) {
        self.waiting.remove(thread);
        self.acquisitions.push((thread.to_string(), lock.name.clone()));
        self.held.entry(thread.to_string()).or_default().push(Held { lock: lock.clone(), site: site.clone() });
    }

    /// Called on unlock. Locks may be released out of order, as in the kernel.
    pub fn released(&mut self, thread: &str, lock: &LockId) {
        if let Some(held) = self.held.get_mut(thread) {
            if let Some(pos) = held.iter().rposition(|h| &h.lock == lock) {
                held.remove(pos);
            }
        }
    }

    /// A blocking wait that is not a lock (a condition, a join, a flush).
    pub fn will_wait(&mut self, thread: &str, on: String, site: &Site) {
        let holding =
            self.held.get(thread).map(|h| h.iter().map(|h| h.lock.name.clone()).collect()).unwrap_or_default();
        self.waiting
            .insert(thread.to_string(), Waiting { thread: thread.to_string(), on, site: site.clone(), holding });
    }

    pub fn done_waiting(&mut self, thread: &str) {
        self.waiting.remove(thread);
    }

    /// Whether `thread` holds a lock of `class` with `key` (`None`: any key).
    pub fn holds(&self, thread: &str, class: LockClass, key: Option<u64>) -> bool {
        self.held
            .get(thread)
            .is_some_and(|h| h.iter().any(|h| h.lock.class == class && key.is_none_or(|k| h.lock.key == k)))
    }

    /// Whether any thread holds a lock of `class` with `key`, like `mutex_is_locked()`.
    pub fn anyone_holds(&self, class: LockClass, key: Option<u64>) -> bool {
        self.held.keys().any(|t| self.holds(t, class, key))
    }
}
