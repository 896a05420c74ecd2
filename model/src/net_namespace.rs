//! `struct net` and its lifetime: net/core/net_namespace.c, minuscat/net-next @af3634d4
//! (patch 7's per-netns split of `ops_exit_rtnl_list()` from kernel-notes.md §4.10, [recon]).

use crate::dev::{default_device_exit_batch, unregister_netdevice_many, unregister_netdevice_queue_many_net, KillList};
use crate::kernel::{DevId, Kernel, NetId};
use crate::lockdep::{LockClass, Mutex};
use crate::mutants::Mutant;
use crate::netdevice::RegState;
use crate::properties::Property;
use crate::rtnetlink::{rtnl_lock, rtnl_net_lock_raw, rtnl_net_unlock_raw, rtnl_unlock};
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use crate::sync::Shared;
use crate::workqueue::{queue_work, Work};

/// The parts of a net that threads synchronise on.
#[derive(Debug)]
pub struct NetSync {
    /// `net->rtnl_mutex` (CONFIG_DEBUG_NET_SMALL_RTNL).
    pub rtnl_mutex: Mutex<()>,
    /// `net->dev_unreg_lock` (patch 6), a spinlock: innermost.
    pub dev_unreg_lock: Mutex<()>,
    /// `ns.count`: the main reference count (`get_net()`/`put_net()`).
    pub count: AtomicUsize,
    /// `net->passive`: 1 from `preinit_net()`, dropped by the net's `cleanup_net()`, plus one per
    /// `net_passive_inc()`; the last `net_passive_dec()` frees the net ([`net_free`]).
    pub passive: AtomicUsize,
    /// `rtnl_work`'s WORK_STRUCT_PENDING bit.
    pub rtnl_work_pending: AtomicBool,
    /// `!list_empty(&net->dev_unreg_head)` as `rtnl_net_work_func()` reads it without the lock
    /// (hazard A3): an atomic mirror, written under `dev_unreg_lock` when emptiness changes.
    pub dev_unreg_nonempty: AtomicBool,
}

/// The plain fields of a net.
#[derive(Debug)]
pub struct NetState {
    pub id: NetId,
    /// `init_net`, or the name of the `ip netns` that created it.
    pub name: String,
    /// `net->is_dying`, set at the start of `cleanup_net()`.
    pub is_dying: bool,
    /// Set by the last `net_passive_dec()` ([`net_free`]): any later dereference is a
    /// use-after-free (S1).
    pub freed: bool,
    /// Who freed it, for use-after-free reports.
    pub freed_by: Option<String>,
    /// `dev_base_head`: registered devices, in registration order.
    pub dev_base: Vec<DevId>,
    /// `dev_unreg_head` (patch 6): devices another net asked to unregister, protected by
    /// `dev_unreg_lock`.
    pub dev_unreg_head: Vec<DevId>,
    /// `net->gen`: each registered pernet subsystem's data in this net, by `ops->id`
    /// ([`Kernel::net_generic`]).
    pub generic: Vec<NetGeneric>,
    /// Whether `rtnl_work` is running now (for S7 at free time).
    pub rtnl_work_running: bool,
    pub sync: Shared<NetSync>,
}

/// Models `setup_net()` / `preinit_net()`: net/core/net_namespace.c, MN@af3634d4. A new net with
/// one reference (the caller's), `passive` at 1 (`refcount_set(&net->passive, 1)`), its
/// per-netns mutex, `rtnl_work` and `dev_unreg_head`.
pub fn setup_net(k: &Kernel, name: &str) -> NetId {
    let id = k.with(|s| NetId(s.nets.len()));
    let key = id.key();
    let sync = Shared::new(NetSync {
        rtnl_mutex: k.new_lock(LockClass::RtnlNet, k.rtnl_net_lock_key(id), format!("{name}->rtnl_mutex")),
        // `unregister_netdevice_move_net()` nests these by raw address.
        dev_unreg_lock: k.new_lock(LockClass::DevUnregLock, k.net_addr(id), format!("{name}->dev_unreg_lock")),
        count: AtomicUsize::new(1),
        passive: AtomicUsize::new(1),
        rtnl_work_pending: AtomicBool::new(false),
        dev_unreg_nonempty: AtomicBool::new(false),
    });
    let generic = k.ops.pernet_list.iter().map(|ops| ops_init(k, ops, key, name)).collect();
    k.with(|s| {
        s.nets.push(NetState {
            id,
            name: name.to_string(),
            is_dying: false,
            freed: false,
            freed_by: None,
            dev_base: Vec::new(),
            dev_unreg_head: Vec::new(),
            generic,
            rtnl_work_running: false,
            sync,
        })
    });
    id
}

/// Reads a net's plain fields; a freed net is a use-after-free (S1/S7), a BUG.
impl Kernel {
    #[track_caller]
    pub fn net<R>(&self, net: NetId, f: impl FnOnce(&mut NetState) -> R) -> R {
        let r = self.with(|s| {
            let n = &mut s.nets[net];
            if n.freed {
                Err((n.name.clone(), n.freed_by.clone().unwrap_or_default()))
            } else {
                Ok(f(n))
            }
        });
        match r {
            Ok(r) => r,
            Err((name, by)) => self.bug(
                Property::NoUseAfterFree,
                format!("use-after-free: struct net {name} accessed after it was freed ({by})"),
            ),
        }
    }

    pub fn net_name(&self, net: NetId) -> String {
        self.with(|s| s.net_name(net))
    }
}
/// `get_net(net)`: include/net/net_namespace.h. No modelled path calls it (ip(8) takes `maybe_get_net`).
#[allow(dead_code)]
pub fn get_net(k: &Kernel, net: NetId) {
    let sync = k.net_sync(net);
    if sync.count.fetch_add(1, SeqCst) == 0 {
        let name = k.net_name(net);
        k.warn(Property::NoUseAfterFree, format!("refcount_t: addition on 0; use-after-free: struct net {name}"));
    }
}

/// `maybe_get_net(net)`: include/net/net_namespace.h. Fails on a net whose count already reached
/// zero.
pub fn maybe_get_net(k: &Kernel, net: NetId) -> bool {
    let sync = k.net_sync(net);
    let mut cur = sync.count.load(SeqCst);
    loop {
        if cur == 0 {
            return false;
        }
        match sync.count.compare_exchange(cur, cur + 1, SeqCst, SeqCst) {
            Ok(_) => return true,
            Err(now) => cur = now,
        }
    }
}

/// `put_net(net)`: include/net/net_namespace.h. The last put hands the net to `cleanup_net()`.
pub fn put_net(k: &Kernel, net: NetId) {
    let sync = k.net_sync(net);
    if sync.count.fetch_sub(1, SeqCst) == 1 {
        put_net_raw(k, net);
    }
}

/// Models `__put_net()`: net/core/net_namespace.c: add to `cleanup_list` and queue
/// `net_cleanup_work` on `netns_wq`.
#[doc(alias = "__put_net")]
pub fn put_net_raw(k: &Kernel, net: NetId) {
    let _f = k.enter_net("__put_net", net);
    k.with(|s| s.cleanup_list.push(net));
    queue_work(k, &k.netns_wq, Work::CleanupNet);
}

/// Models `cleanup_net()`: net/core/net_namespace.c, MN@af3634d4.
///
/// # Kernel steps
/// 1. `llist_del_all(&cleanup_list)`, newest first: `__put_net()` pushes at the head (`llist_add()`)
///    and each is `list_add_tail()`ed to `net_exit_list` in that order; mark each `is_dying`
///    (under `net_rwsem`).
/// 2. `ops_undo_list()`: `exit_rtnl` ops per net, then `exit`/`exit_batch`
///    (`default_device_exit_batch()`).
/// 3. `net_passive_dec()` on each net: the net's own passive reference. The last one frees it,
///    here or in a thread that still holds one (`rtnl_net_dev_lock()`'s).
///
/// # Abstracted
/// `pernet_ops_rwsem`, `net_rwsem`, `pre_exit` ops and the RCU barriers: no lock that the
/// unregistration paths take under RTNL; RCU is a yield point.
pub fn cleanup_net(k: &Kernel) {
    let _f = k.enter("cleanup_net");
    let mut nets: Vec<NetId> = k.with(|s| std::mem::take(&mut s.cleanup_list));
    // llist is LIFO: the last net put is the first one the exit paths walk.
    nets.reverse();
    if nets.is_empty() {
        return;
    }
    // down_read(&pernet_ops_rwsem) from before the nets leave net_namespace_list until after
    // ops_undo_list() (with a module statement only: crate::module).
    crate::module::pernet_ops_down_read(k);
    for &n in &nets {
        k.net(n, |n| n.is_dying = true);
    }
    ops_undo_list(k, &nets);
    crate::module::pernet_ops_up_read(k);
    for &n in &nets {
        net_passive_dec(k, n);
    }
}

/// `net_passive_inc(net)`: include/net/net_namespace.h, `refcount_inc(&net->passive)`: keeps the
/// `struct net` (not the namespace) alive. On a freed net it is the "refcount_t: addition on 0;
/// use-after-free" of the Feb 2025 report; [`Kernel::net_sync`] reports the dereference (S1).
pub fn net_passive_inc(k: &Kernel, net: NetId) {
    k.net_sync(net).passive.fetch_add(1, SeqCst);
}

/// Models `net_passive_dec(net)`: net/core/net_namespace.c, MN@af3634d4. The last reference
/// frees `net->gen` at once and queues the net on `defer_free_list` ([`net_free`]).
pub fn net_passive_dec(k: &Kernel, net: NetId) {
    if k.net_sync(net).passive.fetch_sub(1, SeqCst) == 1 {
        net_free(k, net);
    }
}

/// Models `copy_net_ns()`: net/core/net_namespace.c, MN@af3634d4: `setup_net()` under
/// `down_read_killable(&pernet_ops_rwsem)` (with a module statement only: [`crate::module`]).
pub fn copy_net_ns(k: &Kernel, name: &str) -> NetId {
    crate::module::pernet_ops_down_read(k);
    let id = setup_net(k, name);
    crate::module::pernet_ops_up_read(k);
    id
}

/// Models `ops_undo_list()`: net/core/net_namespace.c, MN@af3634d4. `pre_exit` is empty for
/// the modelled ops; `synchronize_rcu()` is a yield point.
pub fn ops_undo_list(k: &Kernel, nets: &[NetId]) {
    let _f = k.enter("ops_undo_list");
    k.synchronize_net();
    ops_exit_rtnl_list(k, nets);
    // ops_exit_list(): default_device_ops is a pernet device op; its exit_batch is
    // default_device_exit_batch(). The drivers' ops have no exit work left that takes locks.
    default_device_exit_batch(k, nets);
}

/// Models `ops_exit_rtnl_list()`: net/core/net_namespace.c (series: patch 7, [recon] from
/// kernel-notes.md §4.10).
///
/// # Kernel steps
/// 1. `rtnl_lock()`.
/// 2. For each dying net: `__rtnl_net_lock(net)`; every op's `exit_rtnl(net, &dev_kill_list)`
///    (last registered first: vxlan, bareudp); [series] `unregister_netdevice_queue_many_net(net, &dev_kill_list)`;
///    `__rtnl_net_unlock(net)`, which drains.
/// 3. `unregister_netdevice_many(&dev_kill_list)` for what is left: devices of other nets,
///    which the series has not converted here: left on the list by the `continue` in
///    `unregister_netdevice_queue_many_net()` (S5 exempts those of drivers that declare it).
/// 4. `rtnl_unlock()`, which waits in `netdev_run_todo()`.
pub fn ops_exit_rtnl_list(k: &Kernel, nets: &[NetId]) {
    let ops: Vec<PernetOperations> = k.ops.pernet_list.iter().rev().copied().collect();
    ops_exit_rtnl_list_of(k, &ops, nets);
}

/// `ops_exit_rtnl_list()` over the given ops (last registered first), as `ops_undo_list()`
/// calls it for every registered ops (`cleanup_net()`) or for one (`ops_undo_single()`).
fn ops_exit_rtnl_list_of(k: &Kernel, ops_list: &[PernetOperations], nets: &[NetId]) {
    let _f = k.enter("ops_exit_rtnl_list");
    let rtnl = rtnl_lock(k);
    let mut dev_kill_list = KillList::new(k);
    for &net in nets {
        let sync = k.net_sync(net);
        let g = rtnl_net_lock_raw(k, net, &sync);
        for ops in ops_list {
            if !crate::module::pernet_registered(k, ops.name) {
                continue;
            }
            (ops.exit_rtnl)(k, net, &mut dev_kill_list);
        }
        // mutant ops-exit-rtnl-no-split: no per-netns split; the queued devices go to the final list.
        if k.mode().small_rtnl() && !k.mutated(Mutant::OpsExitRtnlNoSplit) {
            unregister_netdevice_queue_many_net(k, net, &mut dev_kill_list);
        }
        rtnl_net_unlock_raw(k, net, g);
    }
    unregister_netdevice_many(k, &mut dev_kill_list);
    rtnl_unlock(k, rtnl);
}

/// Models the final free of a `struct net`: the last `net_passive_dec()`, which `kfree()`s
/// `net->gen` and queues the net on `defer_free_list`, and `net_complete_free()`, which frees it
/// after the next `cleanup_net()`'s `rcu_barrier()` (no `net_free()` in this tree):
/// net/core/net_namespace.c, MN@af3634d4. [model] The memory goes at the last reference, one
/// `cleanup_net()` run early: nothing orders a thread that still dereferences the net before
/// that next run either.
///
/// Checked at the free:
/// - S7: its `rtnl_work` is neither pending nor running.
/// - S6, every kernel: no device of the net is registered, queued on `dev_unreg_head` or on a
///   kill list (it would be unregistered under a freed net), no tunnel socket lives in it.
/// - S6, the series' kernels: no other device of the net is left unfreed (it is in some
///   thread's `netdev_run_todo()`, which will dereference the net again), unless an
///   unconverted path (an S5 exemption) unregistered it. That case, and every such device
///   before the series, is a trace note: nothing there waits for another net's devices.
fn net_free(k: &Kernel, net: NetId) {
    let _f = k.enter_net("net_free", net);
    let sync = k.net_sync(net);
    let pending = sync.rtnl_work_pending.load(SeqCst);
    let (name, running, queued, left, tunnels) = k.net(net, |n| {
        (
            n.name.clone(),
            n.rtnl_work_running,
            n.dev_unreg_head.clone(),
            n.dev_base.clone(),
            n.generic.iter().map(|g| g.list.len()).sum::<usize>(),
        )
    });
    if pending || running {
        k.warn(
            Property::NetnsOutlivesWork,
            format!("struct net {name} freed while its rtnl_work is {}", if running { "running" } else { "pending" }),
        );
    }
    // Every other device of this net that is not freed yet: registered but unlisted (a kill
    // list), or between unregister_netdevice_many_notify() and free_netdev().
    let others: Vec<(DevId, bool, Option<String>, Option<&'static str>)> = k.with(|s| {
        s.devs
            .iter()
            .filter(|d| d.nd_net == net && !d.freed && !left.contains(&d.id) && !queued.contains(&d.id))
            .filter(|d| !matches!(d.reg_state, RegState::Uninitialized | RegState::Released))
            .map(|d| {
                let listed = d.reg_state == RegState::Registered || d.unreg_list.is_some();
                (d.id, listed, d.todo_by.clone(), d.unreg_exempt)
            })
            .collect()
    });
    let on_list: Vec<DevId> = others.iter().filter(|o| o.1).map(|o| o.0).collect();
    if !queued.is_empty() || !left.is_empty() || !on_list.is_empty() || tunnels > 0 {
        let names = |v: &[DevId]| v.iter().map(|&d| k.dev_name(d)).collect::<Vec<_>>().join(", ");
        let kill = if on_list.is_empty() { String::new() } else { format!(", on a kill list [{}]", names(&on_list)) };
        k.warn(
            Property::NothingLeftBehind,
            format!(
                "struct net {name} freed with devices left: listed [{}], queued [{}]{kill}, tunnel sockets {tunnels}",
                names(&left),
                names(&queued)
            ),
        );
    }
    for (dev, _, by, exempt) in others.into_iter().filter(|o| !o.1) {
        let dname = k.dev_name(dev);
        let place = match by {
            Some(t) => format!("in {t}'s netdev_run_todo()"),
            None => "on net_todo_list".to_string(),
        };
        if !k.mode().small_rtnl() || exempt.is_some() {
            let why = if exempt.is_some() { "" } else { " (pre-series)" };
            k.note(Some(dev), format!("unconverted path{why}: struct net {name} freed while {dname} is still {place}"));
            continue;
        }
        let (state, refs) = (k.dev(dev, |d| d.reg_state), crate::netdevice::netdev_refcnt_read(k, dev));
        k.warn(
            Property::NothingLeftBehind,
            format!("struct net {name} freed while {dname} ({state:?}, usage count {refs}) is still {place}"),
        );
    }
    let by = k.thread_name();
    k.with(|s| {
        let n = &mut s.nets[net];
        n.freed = true;
        n.freed_by = Some(format!("freed by {by} in net_free"));
    });
}

/// A pernet subsystem's list of devices (`net_generic(net, id)->...`, named `what`), read or
/// edited: under the subsystem's per-net lock once `locked` (a driver's conversion adds it),
/// RTNL before; S16 asserts it. Without the global RTNL an unlocked list has nothing to assert,
/// and only S14 judges it.
pub fn pernet_dev_list<R>(
    k: &Kernel,
    net: NetId,
    subsys: &'static str,
    what: String,
    locked: bool,
    f: impl FnOnce(&mut Vec<DevId>) -> R,
) -> R {
    let id = k.pernet_id(subsys);
    let lock = locked.then(|| k.net_generic_lock(net, id));
    k.access(&what);
    if lock.is_some() || k.mode().net_lock_takes_rtnl() {
        k.assert_list_lock(|| what, lock.as_ref().map(|l| l.id()));
    }
    k.net_generic(net, id, f)
}

/// `struct pernet_operations` (include/net/net_namespace.h): the hook the model runs,
/// `exit_rtnl(net, dev_kill_list)`, called by `ops_exit_rtnl_list()` under `rtnl_net_lock(net)`,
/// and the per-net data `ops->size` asks for (`net_generic()`).
#[derive(Clone, Copy, Debug)]
pub struct PernetOperations {
    /// The subsystem (its module's name); the kernel keeps `ops->id` in the driver instead,
    /// the model looks it up ([`Kernel::pernet_id`]).
    pub name: &'static str,
    /// The lock `ops->init` sets up in the per-net data, if any (`mutex_init(&bn->lock)`).
    pub lock: Option<PernetLock>,
    pub exit_rtnl: fn(&Kernel, NetId, &mut crate::dev::KillList),
}

/// A lock in a pernet subsystem's per-net data: its class, and its name in a net so named.
#[derive(Clone, Copy, Debug)]
pub struct PernetLock {
    pub class: LockClass,
    pub name: fn(&str) -> String,
}

/// One pernet subsystem's data in one net, `net_generic(net, ops->id)`. The modelled drivers keep
/// a device list there (`bn->bareudp_list`, `vn->vxlan_list`: the devices whose socket lives in
/// this net) and bareudp the lock that guards it.
#[derive(Debug)]
pub struct NetGeneric {
    pub list: Vec<DevId>,
    pub lock: Option<Shared<Mutex<()>>>,
}

/// Models `ops_init()`: net/core/net_namespace.c, MN@af3634d4. Allocates `ops`'s data for a net
/// and runs the part of `ops->init` the model has (an empty list, the lock).
fn ops_init(k: &Kernel, ops: &PernetOperations, key: u64, net_name: &str) -> NetGeneric {
    let lock = ops.lock.map(|l| Shared::new(k.new_lock(l.class, key, (l.name)(net_name))));
    NetGeneric { list: Vec::new(), lock }
}

/// Models `register_pernet_subsys(ops)`: net/core/net_namespace.c, MN@af3634d4. Appends `ops` to
/// `pernet_list` at boot and runs `ops_init()` for every net that exists (`init_net`);
/// `ops_exit_rtnl_list()` runs the list in reverse.
pub fn register_pernet_subsys(k: &mut Kernel, ops: PernetOperations) {
    k.ops.pernet_list.push(ops);
    let nets = k.with(|s| s.nets.iter().map(|n| (n.id, n.name.clone())).collect::<Vec<_>>());
    for (net, name) in nets {
        let data = ops_init(k, &ops, net.key(), &name);
        k.with(|s| s.nets[net].generic.push(data));
    }
}

/// Models `unregister_pernet_subsys(ops)`: net/core/net_namespace.c, MN@af3634d4, from a
/// module's exit.
///
/// # Kernel steps
/// 1. `down_write(&pernet_ops_rwsem)`.
/// 2. `__unregister_pernet_operations()`: every net of `for_each_net()` onto `net_exit_list`;
///    `list_del(&ops->list)`; `ops_undo_single()` → `ops_undo_list()`: `synchronize_rcu()`, then
///    `ops_exit_rtnl_list()` for this ops alone (RTNL; each net under `__rtnl_net_lock()`, whose
///    unlock drains it; one final `unregister_netdevice_many()`), `exit`, free.
/// 3. `rcu_barrier()`; `up_write(&pernet_ops_rwsem)`.
///
/// # Abstracted
/// The per-net data is not freed ([model]: a reload finds its empty list and lock again).
pub fn unregister_pernet_subsys(k: &Kernel, name: &'static str) {
    let _f = k.enter("unregister_pernet_subsys");
    let Some(ops) = k.ops.pernet_list.iter().find(|o| o.name == name).copied() else { return };
    crate::module::pernet_ops_down_write(k);
    let nets = crate::module::for_each_net(k);
    k.synchronize_net();
    ops_exit_rtnl_list_of(k, &[ops], &nets);
    // list_del(&ops->list) comes first in the C; the exit above still runs this ops, as
    // ops_undo_single() hands it its own list.
    crate::module::pernet_unlink(k, name);
    crate::module::pernet_ops_up_write(k);
}

impl Kernel {
    /// `ops->id` of the pernet subsystem registered as `name`.
    pub fn pernet_id(&self, name: &str) -> usize {
        self.ops.pernet_list.iter().position(|o| o.name == name).unwrap_or_else(|| {
            panic!("net_generic: no pernet subsystem {name:?} registered (its module_init did not run)")
        })
    }

    /// `net_generic(net, id)`'s device list, read or edited as [`Kernel::net`] does.
    #[track_caller]
    pub fn net_generic<R>(&self, net: NetId, id: usize, f: impl FnOnce(&mut Vec<DevId>) -> R) -> R {
        self.net(net, |n| f(&mut n.generic[id].list))
    }

    /// The lock in `net_generic(net, id)`, for a subsystem whose `ops->init` sets one up.
    pub fn net_generic_lock(&self, net: NetId, id: usize) -> Shared<Mutex<()>> {
        let lock = self.with(|s| s.nets[net].generic[id].lock.clone());
        lock.unwrap_or_else(|| panic!("net_generic: pernet subsystem {id} has no lock"))
    }
}
