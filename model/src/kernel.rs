//! The kernel's globals, built fresh for every execution (loom forbids statics that outlive one).
//!
//! [`Kernel`] holds what the C keeps in globals: `rtnl_mutex`, `net_todo_list`,
//! `dev_unreg_count`, the workqueues, every `struct net` and `struct net_device`, the operations
//! the drivers registered, and a handle on the model's observation of it ([`crate::observe`]).

use crate::lockdep::{LockClass, LockId, Mutex};
use crate::mutants::Mutant;
use crate::net_namespace::{NetState, NetSync};
use crate::netdevice::{DevState, DevSync};
use crate::observe::LockdepHook;
use crate::properties::Property;
use crate::sync::{self, Arc, Instr, RawMutex};
use crate::workqueue::Workqueue;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::any::{Any, TypeId};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::Location;

// The observation's types, where they were before `observe` had a module of its own.
pub use crate::netdevice::RegState;
pub use crate::observe::{Event, EventKind, Frame, Observed, ThreadState, TRACED};

/// A `struct net *`: its index in [`State::nets`], in creation order; `0` is `init_net`. Its
/// address, which orders its locks, comes from [`AddrOrder`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetId(pub usize);
/// A `struct net_device *`: its index in [`State::devs`]. Never reused, so a stale id is a
/// use-after-free the model can see, not a silently different device.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DevId(pub usize);

pub const INIT_NET: NetId = NetId(0);

/// Where the nets' `struct net`s lie in memory, which orders their locks
/// (`rtnl_net_cmp_locks()` by address after init_net, `unregister_netdevice_move_net()` by raw
/// address). `init_net` is static, in the kernel image, which lies above the direct map on
/// x86-64, so it has the highest address in every order; the other nets come from a slab cache
/// and follow no creation order, so a check explores more than one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddrOrder {
    /// Each net lies above the nets created before it.
    #[default]
    Ascending,
    /// Each net lies below the nets created before it.
    Descending,
}

impl AddrOrder {
    pub const ALL: [AddrOrder; 2] = [AddrOrder::Ascending, AddrOrder::Descending];

    pub fn is_default(&self) -> bool {
        *self == AddrOrder::default()
    }

    /// The model's value of the pointer `net`.
    pub fn addr(self, net: NetId) -> u64 {
        let n = net.0 as u64;
        match self {
            _ if net == INIT_NET => u64::MAX,
            AddrOrder::Ascending => n,
            AddrOrder::Descending => u64::from(u32::MAX) - n,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AddrOrder::Ascending => "ascending",
            AddrOrder::Descending => "descending",
        }
    }
}

/// Which CPU a thread that is not a worker of the queue runs on when it calls `queue_work()`
/// (`raw_smp_processor_id()` in `__queue_work()`, kernel/workqueue.c): the choice is the
/// scheduler's, so the explorers make it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// A CPU drawn at every `queue_work()` from the backend's random source (shuttle records the
    /// draw in the schedule, so a replay draws the same): a thread may migrate between two calls.
    #[default]
    Random,
    /// One CPU per queuing thread for the whole execution, named by
    /// [`crate::userspace::queuers`]; a thread not listed is on CPU 0. loom and dpor take no
    /// random choice inside an execution, so their harness enumerates these.
    Fixed(Vec<(String, usize)>),
}

impl Placement {
    pub fn is_default(&self) -> bool {
        *self == Placement::default()
    }

    /// The CPUs a fixed placement puts a thread on (CPU 0 always: `init_net`'s boot work and any
    /// unlisted thread); `None` for a random one, which may use every CPU.
    pub fn cpus_used(&self) -> Option<Vec<usize>> {
        match self {
            Placement::Random => None,
            Placement::Fixed(v) => {
                let mut c: Vec<usize> = std::iter::once(0).chain(v.iter().map(|(_, c)| *c)).collect();
                c.sort_unstable();
                c.dedup();
                Some(c)
            }
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Random => f.write_str("a random CPU at every queue_work()"),
            Placement::Fixed(v) => {
                let each: Vec<String> = v.iter().map(|(t, c)| format!("{t} on cpu {c}")).collect();
                f.write_str(&each.join(", "))
            }
        }
    }
}

impl fmt::Display for AddrOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for AddrOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AddrOrder::ALL
            .into_iter()
            .find(|o| o.name() == s)
            .ok_or_else(|| format!("unknown address order {s:?}: expected ascending or descending"))
    }
}

// Printed as the bare index, as when the ids were plain integers (traces and messages keep
// their text).
macro_rules! id_impls {
    ($id:ident, $state:ty) => {
        impl fmt::Debug for $id {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
        impl fmt::Display for $id {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
        impl std::ops::Index<$id> for Vec<$state> {
            type Output = $state;
            fn index(&self, id: $id) -> &$state {
                &self[id.0]
            }
        }
        impl std::ops::IndexMut<$id> for Vec<$state> {
            fn index_mut(&mut self, id: $id) -> &mut $state {
                &mut self[id.0]
            }
        }
        impl $id {
            /// The lockdep key of the object's locks (its index).
            pub fn key(self) -> u64 {
                self.0 as u64
            }
        }
    };
}
id_impls!(NetId, NetState);
id_impls!(DevId, DevState);

/// Which kernel the run models. One source, chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    /// Before the series: everything under the global RTNL; cross-netns devices go on the
    /// caller's kill list.
    PreSeries,
    /// The series with CONFIG_DEBUG_NET_SMALL_RTNL=y: per-netns unregistration, drains on
    /// `__rtnl_net_unlock`, per-netns work, and a flush after the last unlock.
    Series,
    /// A kernel that does not exist yet: the series with the global RTNL taken out of
    /// `rtnl_net_lock()` and `rtnl_nets_lock()`, so the converted paths hold only per-netns
    /// locks; the paths the series did not convert still take `rtnl_lock()`. It shows where the
    /// global RTNL is still load-bearing (docs/rtnl-free.md).
    RtnlFree,
}

impl Mode {
    /// The two kernels that exist: before and after the series.
    pub const BOTH: [Mode; 2] = [Mode::PreSeries, Mode::Series];
    pub const ALL: [Mode; 3] = [Mode::PreSeries, Mode::Series, Mode::RtnlFree];

    pub fn name(self) -> &'static str {
        match self {
            Mode::PreSeries => "pre-series",
            Mode::Series => "series",
            Mode::RtnlFree => "rtnl-free",
        }
    }

    /// Whether CONFIG_DEBUG_NET_SMALL_RTNL's per-netns machinery exists in this kernel.
    pub fn small_rtnl(self) -> bool {
        matches!(self, Mode::Series | Mode::RtnlFree)
    }

    /// Whether `rtnl_net_lock()` and `rtnl_nets_lock()` take the global RTNL first.
    pub fn net_lock_takes_rtnl(self) -> bool {
        !matches!(self, Mode::RtnlFree)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pre-series" => Ok(Mode::PreSeries),
            "series" => Ok(Mode::Series),
            "rtnl-free" => Ok(Mode::RtnlFree),
            _ => Err(format!("unknown mode {s:?}: expected pre-series, series or rtnl-free")),
        }
    }
}

/// Run-time choices of one execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub mode: Mode,
    /// CPUs that `rtnl_net_wq` has a pool on. `create_workqueue()` is per-CPU with
    /// `max_active = 1`, so each pool runs one item at a time; items queued from a worker go to
    /// that worker's pool (the local CPU), others to the queuing thread's CPU ([`Placement`]).
    /// One pool puts every queuer on one CPU, which the kernel allows; `rtnl-check --cpus`
    /// chooses 2 where loom's thread limit allows.
    pub wq_cpus: usize,
    /// Where the queuing threads run (left out of replay tokens when random, the default, so
    /// older tokens stay valid and read the same).
    #[serde(default, skip_serializing_if = "Placement::is_default")]
    pub placement: Placement,
    /// `max_active` of `rtnl_net_wq`: 1 for `create_workqueue()`. More lets an item that is
    /// queued behind a sleeping one run meanwhile (see hazard A6 in docs/findings.md).
    pub wq_max_active: usize,
    /// How many times `netdev_wait_allrefs_any()` may re-broadcast NETDEV_UNREGISTER while it
    /// waits (0 to 2). The kernel does so once a second for as long as the wait lasts: 0 is a
    /// wait that ends within a second, 1 (the default) one that lasts longer, 2 one that
    /// outlives a second pass. Time is abstract, so the passes come back to back, at the first
    /// wait, with every interleaving of other threads between them. Written as `true`/`false`
    /// for 1/0 so that older replay tokens read the same.
    #[serde(rename = "rebroadcast", with = "rebroadcast_passes")]
    pub rebroadcasts: u8,
    /// An injected kernel bug from the catalogue in [`crate::mutants`]; `None` is the faithful model.
    #[serde(default)]
    pub mutant: Option<Mutant>,
    /// Trace every model function, not only [`TRACED`] ones (replays do).
    #[serde(default)]
    pub trace_all: bool,
    /// Fixes and probes of the findings ([`crate::variants`]); empty is the faithful kernel.
    #[serde(default)]
    pub variants: Vec<crate::variants::Variant>,
    /// The nets' address order (left out of replay tokens when it is the default, so older
    /// tokens stay valid and read the same).
    #[serde(default, skip_serializing_if = "AddrOrder::is_default")]
    pub addr_order: AddrOrder,
}

impl Config {
    /// Whether the run has the finding variant `v`.
    pub fn has(&self, v: crate::variants::Variant) -> bool {
        self.variants.contains(&v)
    }

    /// The `max_active` `rtnl_net_wq` really has, with [`Variant::FixA6WqMaxActive`] applied.
    ///
    /// [`Variant::FixA6WqMaxActive`]: crate::variants::Variant::FixA6WqMaxActive
    pub fn rtnl_net_wq_max_active(&self) -> usize {
        let fixed = if self.has(crate::variants::Variant::FixA6WqMaxActive) { 2 } else { 1 };
        self.wq_max_active.max(fixed)
    }

    pub fn new(mode: Mode) -> Self {
        Config {
            mode,
            wq_cpus: 1,
            placement: Placement::default(),
            wq_max_active: 1,
            rebroadcasts: 1,
            mutant: None,
            trace_all: false,
            variants: Vec::new(),
            addr_order: AddrOrder::default(),
        }
    }
}

/// The model's plain data. Only reachable through [`Kernel::with`], never across a schedule
/// point; see `crate::sync` for why that is sound.
#[derive(Default)]
pub struct State {
    pub nets: Vec<NetState>,
    pub devs: Vec<DevState>,
    /// `net_todo_list`: devices between `unregister_netdevice_many_notify()` and `netdev_run_todo()`.
    pub net_todo_list: Vec<DevId>,
    /// With the `convert-net-todo-list` variant: which thread put each entry there.
    pub todo_owner: HashMap<DevId, String>,
    /// `dev_unreg_count`.
    pub dev_unreg_count: usize,
    /// `/run/netns/NAME` bind mounts: what `ip netns` sees. Each holds a net reference.
    pub netns_names: BTreeMap<String, NetId>,
    /// `cleanup_list`: nets whose last reference went, waiting for `cleanup_net()`.
    pub cleanup_list: Vec<NetId>,
    pub next_ifindex: u64,
    pub next_list_id: u64,
    /// The drivers' module data: what a driver's C keeps in its own statics or hangs off a
    /// lower's `rx_handler_data` (ipvlan and macvlan ports). One slot per type, reached by
    /// [`State::driver_data`]; the core never names what is in it.
    driver_data: HashMap<TypeId, Box<dyn Any + Send>>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State").field("nets", &self.nets.len()).field("devs", &self.devs.len()).finish_non_exhaustive()
    }
}

impl State {
    /// A driver's module data of type `T`, created empty at first use.
    pub fn driver_data<T: Default + Send + 'static>(&mut self) -> &mut T {
        self.driver_data
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut()
            .expect("driver_data is keyed by its type")
    }

    pub fn dev_name(&self, dev: DevId) -> String {
        self.devs.get(dev.0).map(|d| d.name.clone()).unwrap_or_else(|| format!("dev#{dev}"))
    }

    pub fn net_name(&self, net: NetId) -> String {
        self.nets.get(net.0).map(|n| n.name.clone()).unwrap_or_else(|| format!("net#{net}"))
    }
}

/// What the drivers registered at boot, as their `module_init` does: read-only afterwards.
#[derive(Debug, Default)]
pub struct Registered {
    /// `link_ops` (net/core/rtnetlink.c): [`crate::rtnetlink::rtnl_link_register`].
    pub link_ops: Vec<&'static dyn crate::rtnetlink::RtnlLinkOps>,
    /// `netdev_chain` (net/core/dev.c): [`crate::dev::register_netdevice_notifier`].
    pub netdev_chain: Vec<crate::dev::NotifierBlock>,
    /// `pernet_list` (net/core/net_namespace.c): [`crate::net_namespace::register_pernet_subsys`].
    pub pernet_list: Vec<crate::net_namespace::PernetOperations>,
    /// The loadable modules, each with its `module_exit` ([`crate::drivers::MODULES`]).
    pub modules: Vec<crate::module::ThisModule>,
}

/// The kernel: its globals and the model's observation of them.
pub struct Kernel {
    pub cfg: Config,
    /// The drivers' registered operations.
    pub ops: Registered,
    /// `rtnl_mutex`, the global RTNL.
    pub rtnl_mutex: Mutex<()>,
    pub st: Instr<State>,
    /// The observation of this execution (trace, lockdep, violations).
    pub obs: Instr<Observed>,
    hook: crate::lockdep::Hook,
    /// `rtnl_net_wq` (patch 3).
    pub rtnl_net_wq: Workqueue,
    /// `netns_wq`, the ordered queue `cleanup_net()` runs on.
    pub netns_wq: Workqueue,
    /// `net_cleanup_work`'s pending bit.
    pub cleanup_work_pending: sync::atomic::AtomicBool,
    /// Where `netdev_wait_allrefs_any()` sleeps until a reference is put, and the devices a
    /// put has left at their last reference since. The kernel polls the counts; a wake-up on
    /// every such put is equivalent and lets the explorers see a reference that is never put
    /// as a blocked thread. The sleeper reads the set, not every count, so to DPOR its wait is
    /// one step (`lock_when`) that races only with the puts that end at 1, not with every put
    /// of every device it waits for.
    pub refs_wq: RawMutex<BTreeSet<DevId>>,
    pub refs_cv: sync::Condvar,
    /// `namespace_sem`, as far as `/run/netns` goes: `ip netns add` bind-mounts a name, `ip
    /// netns del` unmounts it, and an `ip -n`/`netns` argument opens it (a reference on the
    /// net). Each is atomic against the others, but none is atomic with what its process did
    /// before: taking this lock is the schedule point that lets a concurrent command get in
    /// first (without it a background `ip link set ... netns NS` could never open NS before a
    /// foreground `ip netns del NS` unmounted it). Not a lockdep class: it is never held across
    /// another lock.
    pub netns_mounts: RawMutex<()>,
    /// `pernet_ops_rwsem`, `netdev_unregistering_wq` and each module's state: created only for
    /// a script with a module statement ([`crate::module::arm`]).
    pub modules: sync::SetOnce<crate::module::ModuleSync>,
    /// The kernel's own handle, for the workers a `queue_work()` creates: set by
    /// [`crate::Machine::boot`], taken by its shutdown once they are joined.
    pub this: Instr<Option<KernelRef>>,
}

impl fmt::Debug for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kernel").field("cfg", &self.cfg).finish_non_exhaustive()
    }
}

impl Kernel {
    /// Boots a kernel with `init_net`, no other namespace and no driver: the drivers register
    /// next ([`crate::drivers::do_initcalls`]), then [`crate::Machine::boot`] gives it the
    /// handle (`this`) the workers that `queue_work()` creates run with.
    pub fn new(cfg: Config) -> Self {
        let st = Instr::new(State { next_ifindex: 1, ..State::default() });
        let obs = Instr::new(Observed::default());
        let hook = crate::lockdep::hook(LockdepHook(obs.clone()));
        let rtnl_mutex = Mutex::new((), LockId::new(LockClass::Rtnl, 0, "rtnl_mutex"), hook.clone());
        let max_active = cfg.rtnl_net_wq_max_active();
        let rtnl_net_wq =
            Workqueue::new("rtnl_net", cfg.wq_cpus.max(1), &cfg.placement, max_active, LockClass::WqCompletion);
        let netns_wq = Workqueue::new("netns", 1, &Placement::Random, 1, LockClass::WqNetns);
        let k = Kernel {
            cfg,
            ops: Registered::default(),
            rtnl_mutex,
            st,
            obs,
            hook,
            rtnl_net_wq,
            netns_wq,
            cleanup_work_pending: sync::atomic::AtomicBool::new(false),
            refs_wq: RawMutex::awaitable(BTreeSet::new()),
            refs_cv: sync::Condvar::new(),
            netns_mounts: RawMutex::new(()),
            modules: sync::SetOnce::new(),
            this: Instr::new(None),
        };
        crate::net_namespace::setup_net(&k, "init_net");
        k
    }

    pub fn mode(&self) -> Mode {
        self.cfg.mode
    }

    /// Whether this execution injects `m` (see [`crate::mutants`]).
    pub fn mutated(&self, m: Mutant) -> bool {
        self.cfg.mutant == Some(m)
    }

    pub fn hook(&self) -> crate::lockdep::Hook {
        self.hook.clone()
    }

    /// The pointer value of `net` ([`AddrOrder`]).
    pub fn net_addr(&self, net: NetId) -> u64 {
        self.cfg.addr_order.addr(net)
    }

    /// The lockdep key of `net->rtnl_mutex`: its rank in `rtnl_net_cmp_locks()` order (init_net
    /// first, then by address), so that lockdep's "ascending key" is that function's order.
    pub fn rtnl_net_lock_key(&self, net: NetId) -> u64 {
        if net == INIT_NET {
            0
        } else {
            self.net_addr(net)
        }
    }

    /// A new kernel lock of `class`.
    pub fn new_lock(&self, class: LockClass, key: u64, name: impl Into<String>) -> Mutex<()> {
        Mutex::new((), LockId::new(class, key, name), self.hook.clone())
    }

    /// Runs `f` on the model's plain data.
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        self.st.with(f)
    }

    /// Runs `f` on the observation (trace, threads, lockdep, violations).
    pub fn obs<R>(&self, f: impl FnOnce(&mut Observed) -> R) -> R {
        self.obs.with(f)
    }

    /// Enters a kernel function: pushes it on this thread's model call stack and traces it.
    #[must_use = "the frame pops when dropped"]
    pub fn enter(&self, func: Frame) -> FrameGuard<'_> {
        self.enter_at(func, None, None)
    }

    /// Enters a kernel function that acts on `dev`.
    #[must_use = "the frame pops when dropped"]
    pub fn enter_dev(&self, func: Frame, dev: DevId) -> FrameGuard<'_> {
        if !self.traced(func) {
            return self.enter_at(func, None, None);
        }
        let (d, n) = self.with(|s| {
            let n = s.devs.get(dev.0).map(|d| s.net_name(d.nd_net));
            (Some(s.dev_name(dev)), n)
        });
        self.enter_at(func, d, n)
    }

    /// Enters a kernel function that acts on `net`.
    #[must_use = "the frame pops when dropped"]
    pub fn enter_net(&self, func: Frame, net: NetId) -> FrameGuard<'_> {
        if !self.traced(func) {
            return self.enter_at(func, None, None);
        }
        let n = self.with(|s| s.net_name(net));
        self.enter_at(func, None, Some(n))
    }

    fn enter_at(&self, func: Frame, dev: Option<String>, net: Option<String>) -> FrameGuard<'_> {
        let traced = self.traced(func);
        self.obs(|s| s.enter(func, traced, dev, net));
        FrameGuard { k: self }
    }

    /// Whether a call to `func` goes into the trace: every call with `Config::trace_all`,
    /// otherwise the functions of [`TRACED`] (exploration runs thousands of executions; a
    /// replay shows everything).
    pub fn traced(&self, func: &str) -> bool {
        self.cfg.trace_all || TRACED.contains(&func)
    }

    /// Names the current thread (`ip#3`, `kworker/rtnl_net:0`, ...).
    pub fn set_thread_name(&self, name: impl Into<String>) {
        let name = name.into();
        self.obs(|s| s.set_thread_name(name));
    }

    pub fn thread_name(&self) -> String {
        self.obs(|s| s.thread_name())
    }

    /// A note in the trace.
    pub fn note(&self, dev: Option<DevId>, text: impl Into<String>) {
        let text = text.into();
        let d = dev.map(|d| self.with(|s| s.dev_name(d)));
        self.obs(|s| s.push_event(EventKind::Note, d, None, text));
    }

    /// `WARN_ON()`: recorded in the trace; fails the execution at its end.
    pub fn warn(&self, property: Property, text: impl Into<String>) {
        let text = text.into();
        self.obs(|s| s.violation(EventKind::Warn, property, text));
    }

    /// `BUG_ON()`: fails the execution at once.
    #[track_caller]
    pub fn bug(&self, property: Property, text: impl Into<String>) -> ! {
        let text = text.into();
        let v = self.obs(|s| s.violation(EventKind::Bug, property, text));
        panic!("{v}");
    }

    /// Records a lockdep acquire of a pseudo-lock (a workqueue or work map), with no blocking.
    #[track_caller]
    pub fn lockdep_acquire(&self, lock: &LockId) {
        let loc = Location::caller();
        self.hook.will_acquire(lock, loc);
        self.hook.acquired(lock, loc);
    }

    pub fn lockdep_release(&self, lock: &LockId) {
        self.hook.released(lock);
    }

    /// Notes that the current thread is about to block on something that is not a lock.
    #[track_caller]
    pub fn will_wait(&self, on: String) {
        let loc = Location::caller();
        self.obs(|s| s.will_wait(on, loc));
    }

    pub fn done_waiting(&self) {
        self.obs(|s| s.done_waiting());
    }

    /// A timeline event about `dev` (see [`EventKind`]), when the harness records them.
    pub fn timeline(&self, kind: EventKind, dev: DevId, text: impl FnOnce() -> String) {
        if self.obs(|s| s.timeline) {
            let d = self.with(|s| s.dev_name(dev));
            self.obs(|s| s.push_event(kind, Some(d), None, text()));
        }
    }

    /// Notes an access to shared kernel state `what` (S14): the state's candidate lockset is
    /// narrowed to the locks this thread holds; a violation when it becomes empty.
    pub fn access(&self, what: &str) {
        self.obs(|s| s.access(what));
    }

    /// `lockdep_assert_held()` (include/linux/lockdep.h) at a read or edit of the list `what`
    /// (S16): the model edits a list in one step, which is sound only under the list's lock
    /// (`lock`), or RTNL where the C still protects the list with it (`None`).
    pub fn assert_list_lock(&self, what: impl FnOnce() -> String, lock: Option<&LockId>) {
        let (class, key) = lock.map_or((LockClass::Rtnl, None), |l| (l.class, Some(l.key)));
        if self.obs(|s| s.holds(class, key)) {
            return;
        }
        let protector = lock.map_or("rtnl_mutex", |l| l.name.as_str());
        let held = self.obs(|s| s.held_lock_names()).join(", ");
        self.warn(
            Property::ListUnderItsLock,
            format!("{} is protected by {protector}, but is accessed holding [{held}]", what()),
        );
    }

    /// `ASSERT_RTNL()`: include/linux/rtnetlink.h. RTNL is held by someone (the kernel checks
    /// only `mutex_is_locked`), and the model is stricter: by this thread. In rtnl-free mode the
    /// converted paths hold a per-netns lock instead, which is what their assertion would
    /// become; state that still needs RTNL is checked by [`Kernel::access`] (S14).
    pub fn assert_rtnl(&self, func: &str) {
        let rtnl_free = !self.mode().net_lock_takes_rtnl();
        if !self.obs(|s| s.holds(LockClass::Rtnl, None) || (rtnl_free && s.holds(LockClass::RtnlNet, None))) {
            self.warn(Property::PerNetnsLock, format!("RTNL: assertion failed in {func}: RTNL not held"));
        }
    }

    /// `rtnl_net_is_locked(net)`: net/core/rtnetlink.c, MN@af3634d4. RTNL and `net->rtnl_mutex`
    /// held by this thread. Without CONFIG_DEBUG_NET_SMALL_RTNL it is `rtnl_is_locked()`; in
    /// rtnl-free mode only `net->rtnl_mutex` is asked for.
    pub fn rtnl_net_is_locked(&self, net: NetId) -> bool {
        let small = self.mode().small_rtnl();
        let rtnl_needed = self.mode().net_lock_takes_rtnl();
        self.obs(|s| {
            (!rtnl_needed || s.holds(LockClass::Rtnl, None))
                && (!small || s.holds(LockClass::RtnlNet, Some(self.rtnl_net_lock_key(net))))
        })
    }

    /// `synchronize_net()` (net/core/dev.c) / `rcu_barrier()` (kernel/rcu/tree.c): no model
    /// thread is an RCU reader, so waiting for a grace period changes nothing the model observes;
    /// other threads already interleave at every lock and atomic around it. (A yield here would
    /// only add schedules.)
    pub fn synchronize_net(&self) {}

    /// [`Kernel::access`] to a field of a device, named `veth0->adj_list (ifindex 3)` (names
    /// repeat across nets, ifindexes do not in the model).
    pub fn access_dev(&self, dev: DevId, field: &str) {
        let what = self.dev(dev, |d| format!("{}->{field} (ifindex {})", d.name, d.ifindex));
        self.access(&what);
    }

    /// Whether `net_todo_list` is per unlocker (the `convert-net-todo-list` variant).
    pub fn todo_list_per_thread(&self) -> bool {
        self.cfg.has(crate::variants::Variant::ConvertNetTodoList)
    }

    /// The `net_todo_list` entries this unlock is for: all of them, or with the conversion only
    /// the current thread's.
    pub fn todo_entries_for_me(&self) -> Vec<DevId> {
        let me = self.per_thread_todo_owner();
        self.with(|s| {
            s.net_todo_list.iter().copied().filter(|d| me.is_none() || s.todo_owner.get(d) == me.as_ref()).collect()
        })
    }

    fn per_thread_todo_owner(&self) -> Option<String> {
        self.todo_list_per_thread().then(|| self.thread_name())
    }

    /// `net_set_todo()`'s list insertion.
    pub fn net_todo_add(&self, dev: DevId) {
        let owner = self.per_thread_todo_owner();
        if owner.is_none() {
            self.access("net_todo_list");
        }
        self.with(|s| {
            s.net_todo_list.push(dev);
            if let Some(o) = owner {
                s.todo_owner.insert(dev, o);
            }
        });
    }

    /// `netdev_run_todo()`'s `list_replace_init(&net_todo_list, &list)`: the whole list, or with
    /// the conversion only this thread's entries.
    pub fn net_todo_take(&self) -> Vec<DevId> {
        let mine = self.todo_entries_for_me();
        // Taking an empty list loses nothing; a take racing with an add does.
        if !self.todo_list_per_thread() && !mine.is_empty() {
            self.access("net_todo_list");
        }
        self.with(|s| s.net_todo_list.retain(|d| !mine.contains(d)));
        mine
    }
}

/// Pops a frame of the model call stack when the function returns.
pub struct FrameGuard<'k> {
    k: &'k Kernel,
}

impl fmt::Debug for FrameGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FrameGuard")
    }
}

impl Drop for FrameGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Keep the stack as it was at the failure; the backend must not be re-entered.
            return;
        }
        self.k.obs(|s| s.leave());
    }
}

/// A kernel shared by the threads of one execution.
pub type KernelRef = Arc<Kernel>;

/// Per-device and per-net synchronisation objects, reached by id.
impl Kernel {
    /// A device's lock, refcount and peer pointer: part of `struct net_device`, so reaching
    /// them after `free_netdev()` is a use-after-free (S1), as KASAN reports it.
    #[track_caller]
    pub fn dev_sync(&self, dev: DevId) -> sync::Shared<DevSync> {
        let r = self.with(|s| {
            let d = &s.devs[dev];
            if d.freed {
                Err((d.name.clone(), d.freed_by.clone().unwrap_or_default()))
            } else {
                Ok(d.sync.clone())
            }
        });
        match r {
            Ok(sync) => sync,
            Err((name, by)) => self.bug(
                crate::properties::Property::NoUseAfterFree,
                format!("use-after-free: {name}->lock/refcnt (struct net_device) used after free_netdev() ({by})"),
            ),
        }
    }

    /// A net's locks and counters: part of `struct net`, so reaching them after its last
    /// `net_passive_dec()` freed it is a use-after-free (S1).
    #[track_caller]
    pub fn net_sync(&self, net: NetId) -> sync::Shared<NetSync> {
        match self.with(|s| s.nets[net].freed_by.clone().map_or(Ok(s.nets[net].sync.clone()), Err)) {
            Ok(sync) => sync,
            Err(by) => self.net_use_after_free(net, &by, None),
        }
    }

    /// S1 for a dereference of a freed `struct net`, directly or through `via->nd_net`.
    pub(crate) fn net_use_after_free(&self, net: NetId, by: &str, via: Option<DevId>) -> ! {
        let (name, through) =
            self.with(|s| (s.net_name(net), via.map(|d| format!(" through {}->nd_net", s.dev_name(d)))));
        let func = self.obs(|s| s.current_func());
        self.bug(
            crate::properties::Property::NoUseAfterFree,
            format!("use-after-free: struct net {name} ({by}) dereferenced{} in {func}", through.unwrap_or_default()),
        )
    }
}

/// `Config::rebroadcasts` in replay tokens: `false`/`true` for 0/1 (the boolean it was before
/// it counted passes), a number beyond.
mod rebroadcast_passes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Passes {
        Flag(bool),
        Count(u8),
    }

    pub fn serialize<S: Serializer>(n: &u8, s: S) -> Result<S::Ok, S::Error> {
        match *n {
            0 | 1 => Passes::Flag(*n == 1),
            n => Passes::Count(n),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
        Ok(match Passes::deserialize(d)? {
            Passes::Flag(b) => u8::from(b),
            Passes::Count(n) => n,
        })
    }
}
