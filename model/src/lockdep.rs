//! The lockdep-like recorder: which locks each thread holds, and every "acquired B while
//! holding A" with its call sites.
//!
//! Every lock and unlock of a kernel [`Mutex`] goes through [`Recorder`]. It
//! keeps what the kernel's lockdep keeps per task (`held_locks`) and per class pair
//! (`lock_list` dependencies). The graph and its cycle reports are built from these edges by
//! `rtnl-checks` (petgraph), across every explored execution.
//!
//! Like lockdep, edges are between *classes*. An instance (which net, which device) rides along
//! so that same-class nesting can be checked against the kernel's order
//! (`rtnl_net_lock_cmp_fn()`: init_net first, then ascending).

use crate::sync::{RawMutex, RawMutexGuard};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

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
    /// `&gn->lock`, the per-socket-netns geneve list lock (drivers/net/geneve.c after 7df47efd,
    /// the `followup-geneve` variant) [reconstructed].
    GeneveNet,
    /// `&itn->lock`, the per-link-netns ip_tunnel hash lock (net/ipv4/ip_tunnel.c after 6724a7ba,
    /// the `followup-ip-tunnel` variant) [reconstructed].
    IpTunnelNet,
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
    /// `pernet_ops_rwsem` (net/core/net_namespace.c), outside `rtnl_mutex`. Instantiated only
    /// for a script with a module statement ([`crate::module`]).
    PernetOpsRwsem,
}

impl LockClass {
    /// The name lockdep would print for the class.
    pub fn lockdep_name(self) -> &'static str {
        match self {
            LockClass::Rtnl => "rtnl_mutex",
            LockClass::RtnlNet => "&net->rtnl_mutex",
            LockClass::IpvlanPnodes => "&port->pnodes_lock",
            LockClass::BareudpNet => "&bn->lock",
            LockClass::GeneveNet => "&gn->lock",
            LockClass::IpTunnelNet => "&itn->lock",
            LockClass::DevInstance => "&dev->lock",
            LockClass::DevUnregLock => "&net->dev_unreg_lock",
            LockClass::WqCompletion => "(wq_completion)rtnl_net",
            LockClass::WqNetns => "(wq_completion)netns",
            LockClass::WorkCompletion => "(work_completion)(&net->rtnl_work)",
            LockClass::PernetOpsRwsem => "pernet_ops_rwsem",
        }
    }

    /// Whether two instances of this class may nest (in ascending key order, init_net = 0
    /// first), as `lock_set_cmp_fn()` and `spin_lock_nested()` allow; other classes never nest.
    pub fn nests_by_key(self) -> bool {
        matches!(self, LockClass::RtnlNet | LockClass::DevUnregLock)
    }
}

/// One lock: its class, the instance key the kernel orders same-class locks by (for per-netns
/// locks the net's rank in their nesting order, `Kernel::rtnl_net_lock_key`/`net_addr`; ifindex
/// for device locks), and a readable name.
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
/// function (model function) that made it. `Cow` so the model's own sites (static function and
/// file names) cost no allocation on every lock operation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Site {
    pub func: Cow<'static, str>,
    pub file: Cow<'static, str>,
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

/// What one thread is blocked on, for deadlock reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub thread: String,
    /// A lock name, or a description of a wait that is not a lock ("refcount of veth0 to reach 1").
    pub on: String,
    pub site: Site,
    pub holding: Vec<String>,
}

#[derive(Debug, Clone)]
enum WaitOn {
    Lock(usize),
    Other(String),
}

/// Per-execution recorder state. Lives in the kernel's observation cell.
///
/// Locks and threads are interned on first sight, so the hot path (every lock and unlock of
/// every execution) allocates nothing; an edge is materialised only the first time its pair of
/// locks is seen.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    locks: Vec<LockId>,
    lock_hash: Vec<u64>,
    lock_ix: HashMap<(LockClass, u64), usize>,
    threads: Vec<String>,
    thread_hash: Vec<u64>,
    thread_ix: HashMap<String, usize>,
    /// Per thread, the locks it holds (by index) in acquisition order, with where.
    held: Vec<Vec<(usize, Site)>>,
    seen: HashSet<(usize, usize)>,
    /// Every distinct dependency seen, in first-seen order.
    pub edges: Vec<LockEdge>,
    waiting: Vec<Option<(WaitOn, Site)>>,
    /// A hash of the sequence of (thread, lock) acquisitions: equal sequences, equal hashes.
    pub order_hash: u64,
    pub acquisitions: usize,
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Recorder {
    fn thread(&mut self, name: &str) -> usize {
        if let Some(&i) = self.thread_ix.get(name) {
            return i;
        }
        let i = self.threads.len();
        self.threads.push(name.to_string());
        self.thread_hash.push(fnv(name));
        self.thread_ix.insert(name.to_string(), i);
        self.held.push(Vec::new());
        self.waiting.push(None);
        i
    }

    fn lock(&mut self, lock: &LockId) -> usize {
        if let Some(&i) = self.lock_ix.get(&(lock.class, lock.key)) {
            return i;
        }
        let i = self.locks.len();
        self.locks.push(lock.clone());
        self.lock_hash.push(fnv(&lock.name));
        self.lock_ix.insert((lock.class, lock.key), i);
        i
    }

    /// Called before blocking on `lock`: notes the wait and records one edge per held lock.
    pub fn will_acquire(&mut self, thread: &str, lock: &LockId, site: &Site) {
        let t = self.thread(thread);
        let l = self.lock(lock);
        for (h, hsite) in &self.held[t] {
            if self.seen.insert((*h, l)) {
                self.edges.push(LockEdge {
                    from: self.locks[*h].clone(),
                    from_site: hsite.clone(),
                    to: lock.clone(),
                    to_site: site.clone(),
                    thread: thread.to_string(),
                });
            }
        }
        self.waiting[t] = Some((WaitOn::Lock(l), site.clone()));
    }

    /// Called once the lock is ours.
    pub fn acquired(&mut self, thread: &str, lock: &LockId, site: &Site) {
        let t = self.thread(thread);
        let l = self.lock(lock);
        self.waiting[t] = None;
        self.acquisitions += 1;
        self.order_hash = (self.order_hash.rotate_left(7) ^ self.thread_hash[t] ^ self.lock_hash[l].rotate_left(31))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.held[t].push((l, site.clone()));
    }

    /// Called on unlock. Locks may be released out of order, as in the kernel.
    pub fn released(&mut self, thread: &str, lock: &LockId) {
        let t = self.thread(thread);
        let l = self.lock(lock);
        if let Some(pos) = self.held[t].iter().rposition(|(h, _)| *h == l) {
            self.held[t].remove(pos);
        }
    }

    /// A blocking wait that is not a lock (a condition, a join, a flush).
    pub fn will_wait(&mut self, thread: &str, on: String, site: &Site) {
        let t = self.thread(thread);
        self.waiting[t] = Some((WaitOn::Other(on), site.clone()));
    }

    pub fn done_waiting(&mut self, thread: &str) {
        let t = self.thread(thread);
        self.waiting[t] = None;
    }

    /// The names of the locks `thread` holds, in acquisition order.
    pub fn held_by(&self, thread: &str) -> Vec<String> {
        self.thread_ix
            .get(thread)
            .map(|&t| self.held[t].iter().map(|(l, _)| self.locks[*l].name.clone()).collect())
            .unwrap_or_default()
    }

    /// Every thread blocked now, on what, and holding what.
    pub fn waiting(&self) -> Vec<Waiting> {
        let mut out = Vec::new();
        for (t, w) in self.waiting.iter().enumerate() {
            let Some((on, site)) = w else { continue };
            let on = match on {
                WaitOn::Lock(l) => self.locks[*l].name.clone(),
                WaitOn::Other(s) => s.clone(),
            };
            let holding = self.held[t].iter().map(|(l, _)| self.locks[*l].name.clone()).collect();
            out.push(Waiting { thread: self.threads[t].clone(), on, site: site.clone(), holding });
        }
        out
    }

    /// Whether `thread` holds a lock of `class` with `key` (`None`: any key).
    pub fn holds(&self, thread: &str, class: LockClass, key: Option<u64>) -> bool {
        self.thread_ix.get(thread).is_some_and(|&t| {
            self.held[t].iter().any(|(l, _)| {
                let lock = &self.locks[*l];
                lock.class == class && key.is_none_or(|k| lock.key == k)
            })
        })
    }

    /// The real locks `thread` holds (lockdep's pseudo-locks for workqueues and work items left
    /// out: they order, they do not exclude), as (class, key, name).
    pub fn held_locks(&self, thread: &str) -> Vec<(LockClass, u64, String)> {
        self.held_real_locks(thread).map(|l| (l.class, l.key, l.name.clone())).collect()
    }

    /// [`Recorder::held_locks`] without the names.
    pub fn held_lock_ids(&self, thread: &str) -> Vec<(LockClass, u64)> {
        self.held_real_locks(thread).map(|l| (l.class, l.key)).collect()
    }

    /// The locks `thread` holds, the workqueue pseudo-locks aside.
    fn held_real_locks(&self, thread: &str) -> impl Iterator<Item = &LockId> {
        let held = self.thread_ix.get(thread).map_or(&[][..], |&t| &self.held[t][..]);
        held.iter()
            .map(|(l, _)| &self.locks[*l])
            .filter(|l| !matches!(l.class, LockClass::WqCompletion | LockClass::WqNetns | LockClass::WorkCompletion))
    }

    /// Every thread that holds or waits for the lock of `class` with `key`: (thread, "holds"
    /// or "waits for", the function that took or is taking it). `debug_check_no_locks_freed()`
    /// ("held lock freed!") asks this of memory about to be freed.
    pub fn users_of(&self, class: LockClass, key: u64) -> Vec<(String, &'static str, String)> {
        let Some(&l) = self.lock_ix.get(&(class, key)) else { return Vec::new() };
        let mut out = Vec::new();
        for (t, name) in self.threads.iter().enumerate() {
            if let Some((_, site)) = self.held[t].iter().find(|(h, _)| *h == l) {
                out.push((name.clone(), "holds", site.func.to_string()));
            }
            if let Some((WaitOn::Lock(w), site)) = &self.waiting[t] {
                if *w == l {
                    out.push((name.clone(), "waits for", site.func.to_string()));
                }
            }
        }
        out
    }

    /// Whether any thread holds a lock of `class` with `key`, like `mutex_is_locked()`.
    pub fn anyone_holds(&self, class: LockClass, key: Option<u64>) -> bool {
        self.threads.iter().any(|t| self.holds(t, class, key))
    }
}

/// One access to a piece of shared state, as the lockset check reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub thread: String,
    pub func: String,
    pub held: Vec<String>,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = if self.held.is_empty() { "no lock".to_string() } else { self.held.join(", ") };
        write!(f, "{} in {} holding {}", self.thread, self.func, held)
    }
}

/// Eraser's lockset discipline for named shared state: the candidate set of a piece of state is
/// the intersection of the locks held at each of its accesses; once two threads have touched it
/// and the set is empty, no lock protects it.
#[derive(Debug, Default)]
pub struct Locksets {
    entries: HashMap<String, LocksetEntry>,
}

#[derive(Debug)]
struct LocksetEntry {
    candidate: Vec<(LockClass, u64)>,
    /// Accesses with distinct lock sets (a few), to name two that share no lock.
    witnesses: Vec<(Access, Vec<(LockClass, u64)>)>,
    threads: HashSet<String>,
    reported: bool,
}

const MAX_WITNESSES: usize = 16;

impl Locksets {
    /// Records an access; returns two accesses from different threads that share no lock (or,
    /// failing such a pair, the one that emptied the set and one before it) the first time the
    /// state's candidate set becomes empty with two threads seen.
    /// `access` describes the access by `thread` holding `held`; it is called only when the
    /// access is kept as a witness or reported (at most twice: once for each).
    pub fn access(
        &mut self,
        what: &str,
        thread: &str,
        held: Vec<(LockClass, u64)>,
        access: impl Fn() -> Access,
    ) -> Option<(Access, Access)> {
        if !self.entries.contains_key(what) {
            let entry = LocksetEntry {
                candidate: held.clone(),
                witnesses: Vec::new(),
                threads: HashSet::default(),
                reported: false,
            };
            self.entries.insert(what.to_string(), entry);
        }
        let e = self.entries.get_mut(what).expect("inserted above");
        if !e.threads.contains(thread) {
            e.threads.insert(thread.to_string());
        }
        e.candidate.retain(|l| held.contains(l));
        let seen = e.witnesses.iter().any(|(a, h)| a.thread == thread && *h == held);
        if !seen && e.witnesses.len() < MAX_WITNESSES {
            e.witnesses.push((access(), held.clone()));
        }
        if !e.candidate.is_empty() || e.threads.len() < 2 || e.reported {
            return None;
        }
        e.reported = true;
        let other = e
            .witnesses
            .iter()
            .rev()
            .find(|(a, h)| a.thread != thread && !h.iter().any(|l| held.contains(l)))
            .or_else(|| e.witnesses.iter().rev().find(|(a, _)| a.thread != thread))
            .or_else(|| e.witnesses.first())
            .map(|(a, _)| a.clone())
            .expect("an entry has a witness");
        Some((other, access()))
    }
}

/// Where lock events go: the kernel's lockdep recorder implements this.
pub trait LockHook: Send + Sync {
    /// About to block on `lock` at `site` (the caller of `lock()`).
    fn will_acquire(&self, lock: &LockId, site: &'static Location<'static>);
    fn acquired(&self, lock: &LockId, site: &'static Location<'static>);
    fn released(&self, lock: &LockId);
}

/// A shared lock hook. Instrumentation, so a plain `std` `Arc`: cloning it is not a kernel event.
pub type Hook = crate::sync::Shared<dyn LockHook>;

pub fn hook(h: impl LockHook + 'static) -> Hook {
    crate::sync::Shared::new(h)
}

/// A kernel lock: a backend mutex with a lockdep identity and a hook for every lock and unlock.
pub struct Mutex<T> {
    raw: RawMutex<T>,
    id: LockId,
    hook: Hook,
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").field("id", &self.id).finish_non_exhaustive()
    }
}

impl<T> Mutex<T> {
    pub fn new(value: T, id: LockId, hook: Hook) -> Self {
        Mutex { raw: RawMutex::new(value), id, hook }
    }

    pub fn id(&self) -> &LockId {
        &self.id
    }

    /// `mutex_is_locked()`: reads the lock word, not an acquisition (lockdep records nothing).
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// `mutex_lock()`: records the dependency on every held lock, then blocks.
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let site = Location::caller();
        self.hook.will_acquire(&self.id, site);
        let inner = self.raw.lock();
        self.hook.acquired(&self.id, site);
        MutexGuard { inner: Some(inner), lock: self }
    }
}

/// Held kernel lock. Dropping it unlocks too (an early return in the model still unlocks and
/// is recorded), but model code unlocks explicitly with [`mutex_unlock`] to read like the C.
#[must_use = "dropping the guard unlocks the mutex"]
pub struct MutexGuard<'a, T> {
    inner: Option<RawMutexGuard<'a, T>>,
    lock: &'a Mutex<T>,
}

impl<T> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MutexGuard({})", self.lock.id)
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard is live")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("guard is live")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        let inner = self.inner.take();
        if std::thread::panicking() {
            // The execution is failing: loom and shuttle must not be re-entered while unwinding
            // (a second panic aborts), and the recorder keeps the lock as held, which is what
            // the failure report should show.
            std::mem::forget(inner);
            return;
        }
        // Tell the recorder first: once the raw guard drops, another thread may take the lock.
        self.lock.hook.released(&self.lock.id);
        drop(inner);
    }
}

/// `mutex_unlock()`: gives the guard back.
pub fn mutex_unlock<T>(guard: MutexGuard<'_, T>) {
    drop(guard);
}
