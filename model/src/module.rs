//! Loadable modules and their unload: `delete_module(2)` (kernel/module/main.c) runs a driver's
//! `module_exit` and then `free_module()`, after which the module's text and data (its
//! `rtnl_link_ops`, `net_device_ops`, notifier block, pernet ops and every function) are gone.
//!
//! A script statement `modprobe -r KIND` or `rmmod KIND` ([`crate::script::Op::ModuleRemove`])
//! unloads the module of a link type. Devices hold no module reference (the ops are looked up
//! under SRCU, `rtnl_link_ops_get()`/`rtnl_link_ops_put()`), so an unload with devices present
//! is allowed: the driver's exit deletes them (`rtnl_link_unregister()`).
//!
//! # S17 and the one choke point
//! Every call the core makes into a driver, and every read of a driver's tables, goes through
//! [`driver_op`] (or [`dev_link_ops`] for `dev->rtnl_link_ops`): after the owning module's unload
//! returned it is a call into freed module memory, a BUG (S17). The owner is the owner of the
//! table, not of the function.
//!
//! # Only with a module statement
//! The objects this needs (`pernet_ops_rwsem`, `netdev_unregistering_wq`, each module's state
//! and SRCU) are created by [`arm`] when the script has a module statement. Without one no
//! module can go away, so none of it is observable: runs of such scripts take the same schedule
//! points as before (their goldens and proof counts do not move). With one, the rwsem is taken
//! where the C takes it (`copy_net_ns()`, `cleanup_net()`, the unregister paths).
//!
//! # Abstracted
//! Module reference counts and dependencies (no modelled module uses another's symbols),
//! `MODULE_STATE_COMING`, `request_module()`'s user-mode helper (a reload is the driver's
//! registrations listed again; [`request_module`]), and kmod's messages [reconstructed].

use crate::kernel::{DevId, Kernel};
use crate::lockdep::{LockClass, LockId};
use crate::properties::Property;
use crate::rtnetlink::{Errno, RtnlLinkOps};
use crate::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::sync::{Condvar, RawMutex};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::Location;

/// `struct module` as far as unloading goes: its name and its `module_exit`. Listed at boot in
/// [`crate::drivers::MODULES`].
#[derive(Clone, Copy, Debug)]
pub struct ThisModule {
    /// The module's name, which is also its link type's `kind` for every modelled driver.
    pub name: &'static str,
    /// `module_exit(...)`.
    pub exit: fn(&Kernel),
    /// The modules whose symbols it uses (modprobe loads them first; `delete_module()` refuses
    /// to unload one of them while this module is loaded).
    pub depends: &'static [&'static str],
    /// Whether a script that loads and unloads modules starts with it loaded. A module that
    /// nothing loads at boot (ipvtap) is loaded by its first `ip link add ... type KIND`.
    pub loaded_at_boot: bool,
}

/// `MODULE_STATE_LIVE`.
const LIVE: usize = 0;
/// `MODULE_STATE_GOING`: `delete_module()` is running the module's exit.
const GOING: usize = 1;
/// After `free_module()`: the module's memory is freed (S17 armed).
const GONE: usize = 2;

/// A module's synchronisation state.
struct ModSync {
    /// `mod->state`, then freed: [`LIVE`], [`GOING`] or [`GONE`]. An atomic because nothing
    /// orders a call into the module against its free but the call itself.
    state: AtomicUsize,
    /// The module's `rtnl_link_ops`: listed on `link_ops` (`list_del_rcu()` under
    /// `link_ops_mutex` unlists it), and `ops->srcu`'s readers.
    srcu: RawMutex<Srcu>,
    /// `synchronize_srcu()` waits here; so does a `request_module()` while the module is GOING.
    srcu_cv: Condvar,
}

#[derive(Debug)]
struct Srcu {
    listed: bool,
    readers: usize,
}

/// `pernet_ops_rwsem`: net/core/net_namespace.c. A reader-writer semaphore with a lockdep class
/// of its own, ordered before `rtnl_mutex`.
#[derive(Debug)]
pub struct RwSem {
    /// (readers, writer).
    st: RawMutex<(usize, bool)>,
    cv: Condvar,
    id: LockId,
}

/// What [`arm`] creates: the objects only a script with a module statement needs.
pub struct ModuleSync {
    pub pernet_ops_rwsem: RwSem,
    /// `netdev_unregistering_wq` with `dev_unreg_count` under it: a wake-up generation, bumped
    /// when the count returns to 0.
    unregistering: RawMutex<u64>,
    unregistering_cv: Condvar,
    /// Per module of [`crate::kernel::Registered::modules`], in the same order.
    mods: Vec<ModSync>,
}

impl fmt::Debug for ModuleSync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleSync").field("modules", &self.mods.len()).finish_non_exhaustive()
    }
}

/// The plain data of the modules (in `State::driver_data`): who unloaded what, which
/// registrations are gone, and the devices a freed module left behind.
#[derive(Debug, Default)]
struct ModuleTable {
    /// The command that unloaded the module (`"modprobe -r veth" (line 5)`), for S17's message.
    unloaded_by: BTreeMap<&'static str, String>,
    /// Modules whose netdevice notifier `unregister_netdevice_notifier()` removed.
    notifier_off: BTreeSet<&'static str>,
    /// Modules whose pernet ops `unregister_pernet_subsys()` removed.
    pernet_off: BTreeSet<&'static str>,
    /// Devices still allocated when their module was freed: their `rtnl_link_ops`,
    /// `netdev_ops` and `priv_destructor` point into freed memory even after a reload.
    orphans: BTreeMap<DevId, &'static str>,
}

fn table<R>(k: &Kernel, f: impl FnOnce(&mut ModuleTable) -> R) -> R {
    k.with(|s| f(s.driver_data::<ModuleTable>()))
}

/// Creates the module objects, once, before a script with a module statement runs its first
/// command. A no-op for any other script.
pub fn arm(k: &Kernel) {
    if k.modules.get().is_some() {
        return;
    }
    let mods = k
        .ops
        .modules
        .iter()
        .map(|m| ModSync {
            state: AtomicUsize::new(if m.loaded_at_boot { LIVE } else { GONE }),
            srcu: RawMutex::new(Srcu { listed: m.loaded_at_boot, readers: 0 }),
            srcu_cv: Condvar::new(),
        })
        .collect();
    // A module not loaded has no notifier and no pernet ops registered.
    for m in k.ops.modules.iter().filter(|m| !m.loaded_at_boot) {
        table(k, |t| {
            t.notifier_off.insert(m.name);
            t.pernet_off.insert(m.name);
        });
    }
    let sync = ModuleSync {
        pernet_ops_rwsem: RwSem {
            st: RawMutex::new((0, false)),
            cv: Condvar::new(),
            id: LockId::new(LockClass::PernetOpsRwsem, 0, "pernet_ops_rwsem"),
        },
        unregistering: RawMutex::new(0),
        unregistering_cv: Condvar::new(),
        mods,
    };
    // A second arm (another script on the same kernel) keeps the first.
    let _ = k.modules.set(sync);
}

/// The module objects, when the script has a module statement.
pub fn armed(k: &Kernel) -> Option<&ModuleSync> {
    k.modules.get()
}

fn index(k: &Kernel, name: &str) -> Option<usize> {
    k.ops.modules.iter().position(|m| m.name == name)
}

/// Whether `name` names a module the model can load and unload.
pub fn is_module(k: &Kernel, name: &str) -> bool {
    index(k, name).is_some()
}

impl RwSem {
    /// `down_read()`.
    #[track_caller]
    pub fn down_read(&self, k: &Kernel) {
        let site = Location::caller();
        k.hook().will_acquire(&self.id, site);
        let mut g = self.st.lock();
        while g.1 {
            g = self.cv.wait(g);
        }
        g.0 += 1;
        drop(g);
        k.hook().acquired(&self.id, site);
    }

    /// `up_read()`.
    pub fn up_read(&self, k: &Kernel) {
        k.hook().released(&self.id);
        let mut g = self.st.lock();
        g.0 -= 1;
        if g.0 == 0 {
            self.cv.notify_all(&g);
        }
    }

    /// `down_write()`.
    #[track_caller]
    pub fn down_write(&self, k: &Kernel) {
        let site = Location::caller();
        k.hook().will_acquire(&self.id, site);
        let mut g = self.st.lock();
        while g.1 || g.0 > 0 {
            g = self.cv.wait(g);
        }
        g.1 = true;
        drop(g);
        k.hook().acquired(&self.id, site);
    }

    /// `up_write()`.
    pub fn up_write(&self, k: &Kernel) {
        k.hook().released(&self.id);
        let mut g = self.st.lock();
        g.1 = false;
        self.cv.notify_all(&g);
    }
}

/// `down_read(&pernet_ops_rwsem)` where the C takes it, when the script has a module statement.
#[track_caller]
pub fn pernet_ops_down_read(k: &Kernel) {
    if let Some(ms) = armed(k) {
        ms.pernet_ops_rwsem.down_read(k);
    }
}

/// `up_read(&pernet_ops_rwsem)`, the pair of [`pernet_ops_down_read`].
pub fn pernet_ops_up_read(k: &Kernel) {
    if let Some(ms) = armed(k) {
        ms.pernet_ops_rwsem.up_read(k);
    }
}

/// `down_write(&pernet_ops_rwsem)` (only reached from a module's exit, so always armed).
#[track_caller]
pub fn pernet_ops_down_write(k: &Kernel) {
    if let Some(ms) = armed(k) {
        ms.pernet_ops_rwsem.down_write(k);
    }
}

pub fn pernet_ops_up_write(k: &Kernel) {
    if let Some(ms) = armed(k) {
        ms.pernet_ops_rwsem.up_write(k);
    }
}

/// The one choke point for a call into a driver's code or a read of its tables: `what` names
/// it in the C's words (`veth_dev_free(veth1)`). A BUG (S17) if `owner`'s unload has returned,
/// or if `dev` was left allocated when its module was freed (its pointers still point there
/// after a reload).
#[track_caller]
pub fn driver_op(k: &Kernel, owner: &'static str, dev: Option<DevId>, what: impl FnOnce() -> String) {
    let Some(ms) = armed(k) else { return };
    let Some(i) = index(k, owner) else { return };
    let gone = ms.mods[i].state.load(SeqCst) == GONE;
    let orphan = dev.is_some_and(|d| table(k, |t| t.orphans.contains_key(&d)));
    if !gone && !orphan {
        return;
    }
    let by = table(k, |t| t.unloaded_by.get(owner).cloned()).unwrap_or_else(|| "its unload".into());
    k.bug(
        Property::NoDriverOpAfterUnload,
        format!(
            "{} is module {owner}'s, called after {by} returned and freed the module \
             (BUG: unable to handle page fault in module memory)",
            what()
        ),
    );
}

/// `dev->rtnl_link_ops` read for a call to its `op`, through [`driver_op`]. `what` is the
/// C the call runs, if the driver names it ([`RtnlLinkOps::symbol`]).
#[track_caller]
pub fn dev_link_ops(k: &Kernel, dev: DevId, op: &'static str) -> &'static dyn RtnlLinkOps {
    let ops = k.dev(dev, |d| d.rtnl_link_ops);
    if armed(k).is_some() {
        driver_op(k, ops.owner(), Some(dev), || {
            let name = k.dev_name(dev);
            match ops.symbol(op) {
                Some(f) => format!("{f}({name}) (dev->{op})"),
                None => format!("dev->{op}({name}) ({}_link_ops)", ops.kind()),
            }
        });
    }
    ops
}

/// Whether a notifier block of `owner` (`None`: core) is still on `netdev_chain`, checked
/// through [`driver_op`] when it is.
pub fn notifier_registered(k: &Kernel, owner: Option<&'static str>, dev: DevId) -> bool {
    let Some(owner) = owner else { return true };
    if armed(k).is_none() {
        return true;
    }
    if table(k, |t| t.notifier_off.contains(owner)) {
        return false;
    }
    driver_op(k, owner, None, || {
        format!("{owner}'s netdevice notifier ({owner}_device_event) for {}", k.dev_name(dev))
    });
    true
}

/// Removes `owner`'s notifier block from the chain (`raw_notifier_chain_unregister()`).
pub fn notifier_unlink(k: &Kernel, owner: &'static str) {
    table(k, |t| t.notifier_off.insert(owner));
}

/// Whether the pernet ops of `owner` are still on `pernet_list`, checked through
/// [`driver_op`] when they are (for a call of their `exit_rtnl`).
pub fn pernet_registered(k: &Kernel, owner: &'static str) -> bool {
    if armed(k).is_none() {
        return true;
    }
    if table(k, |t| t.pernet_off.contains(owner)) {
        return false;
    }
    driver_op(k, owner, None, || format!("{owner}'s pernet exit_rtnl ({owner}_net_ops)"));
    true
}

/// `list_del(&ops->list)` of `unregister_pernet_operations()`.
pub fn pernet_unlink(k: &Kernel, owner: &'static str) {
    table(k, |t| t.pernet_off.insert(owner));
}

/// A read-side SRCU section on a link type's ops (`rtnl_link_ops_get()` to `rtnl_link_ops_put()`).
#[derive(Debug)]
#[must_use = "release with rtnl_link_ops_put()"]
pub struct OpsRef {
    module: Option<usize>,
}

/// Models `rtnl_link_ops_get(kind, &srcu_index)`: net/core/rtnetlink.c, MN@af3634d4. Under RCU,
/// the ops of `kind` if still listed, with `srcu_read_lock(&ops->srcu)`. Unarmed: every ops is
/// listed and nothing waits for readers.
pub fn rtnl_link_ops_get_srcu(k: &Kernel, kind: &str) -> Option<(&'static dyn RtnlLinkOps, OpsRef)> {
    let ops = crate::rtnetlink::rtnl_link_ops_get(k, kind)?;
    let Some(ms) = armed(k) else { return Some((ops, OpsRef { module: None })) };
    let Some(i) = index(k, ops.owner()) else { return Some((ops, OpsRef { module: None })) };
    let mut g = ms.mods[i].srcu.lock();
    if !g.listed {
        return None;
    }
    g.readers += 1;
    Some((ops, OpsRef { module: Some(i) }))
}

/// Models `rtnl_link_ops_put(ops, srcu_index)`: `srcu_read_unlock(&ops->srcu, srcu_index)`.
pub fn rtnl_link_ops_put(k: &Kernel, r: OpsRef) {
    let (Some(ms), Some(i)) = (armed(k), r.module) else { return };
    let m = &ms.mods[i];
    let mut g = m.srcu.lock();
    g.readers -= 1;
    if g.readers == 0 {
        m.srcu_cv.notify_all(&g);
    }
}

/// Steps 1 and 2 of `rtnl_link_unregister()`: `list_del_rcu(&ops->list)` under
/// `link_ops_mutex`, then `synchronize_srcu(&ops->srcu)`: every `rtnl_newlink()` that found
/// the ops has finished, and none can find them now.
pub fn link_ops_unlist_and_sync(k: &Kernel, owner: &'static str) {
    let (Some(ms), Some(i)) = (armed(k), index(k, owner)) else { return };
    let m = &ms.mods[i];
    let mut g = m.srcu.lock();
    g.listed = false;
    while g.readers > 0 {
        k.will_wait(format!("synchronize_srcu(&{owner}_link_ops.srcu): {} rtnl_newlink() in flight", g.readers));
        g = m.srcu_cv.wait(g);
        k.done_waiting();
    }
}

/// Models `request_module("rtnl-link-%s", kind)` as `rtnl_newlink()` uses it when no ops is
/// listed (net/core/rtnetlink.c, MN@af3634d4), and the `module_init` it ends in: a module
/// whose unload returned is loaded again (its ops, notifier and pernet ops listed again); one
/// still GOING is waited for first (`add_unformed_module()` waits for the old copy to go,
/// [reconstructed]). `false` if `kind` is no module's.
pub fn request_module(k: &Kernel, kind: &str) -> bool {
    let (Some(ms), Some(i)) = (armed(k), index(k, kind)) else { return false };
    let _f = k.enter("request_module");
    // modprobe loads what the module depends on first.
    for dep in k.ops.modules[i].depends {
        if !request_module(k, dep) {
            return false;
        }
    }
    let m = &ms.mods[i];
    let name = k.ops.modules[i].name;
    let mut g = m.srcu.lock();
    loop {
        match m.state.load(SeqCst) {
            LIVE => return true,
            GONE => break,
            _ => {
                k.will_wait(format!("request_module({name}): waiting for the unloading copy of {name} to go"));
                g = m.srcu_cv.wait(g);
                k.done_waiting();
            }
        }
    }
    // module_init: register_pernet_subsys(), register_netdevice_notifier(), rtnl_link_register().
    table(k, |t| {
        t.pernet_off.remove(name);
        t.notifier_off.remove(name);
    });
    g.listed = true;
    m.state.store(LIVE, SeqCst);
    true
}

/// Models `delete_module(2)`: kernel/module/main.c [reconstructed in outline]: find the module,
/// refuse one that is not LIVE (`-EBUSY` while another unload runs its exit, `-ENOENT` once
/// it is gone), `mod->state = MODULE_STATE_GOING`, `mod->exit()`, then `free_module()`. From
/// the free on, any call into the module is S17. `by` names the command, for S17's message.
pub fn delete_module(k: &Kernel, name: &str, by: String) -> Result<(), Errno> {
    let _f = k.enter("delete_module");
    let (Some(ms), Some(i)) = (armed(k), index(k, name)) else { return Err(Errno::ENOENT) };
    let m = &ms.mods[i];
    let module = k.ops.modules[i];
    // "Other modules depend on us: get rid of them first." (-EWOULDBLOCK; rmmod: "Module ipvlan
    // is in use by: ipvtap").
    let used = k
        .ops
        .modules
        .iter()
        .enumerate()
        .any(|(j, u)| u.depends.contains(&name) && ms.mods[j].state.load(SeqCst) != GONE);
    if used {
        return Err(Errno::EWOULDBLOCK);
    }
    match m.state.compare_exchange(LIVE, GOING, SeqCst, SeqCst) {
        Ok(_) => {}
        Err(GOING) => return Err(Errno::EBUSY),
        Err(_) => return Err(Errno::ENOENT),
    }
    (module.exit)(k);
    free_module(k, i, by);
    Ok(())
}

/// `free_module()`: the module's memory goes. Devices of it still allocated are recorded as
/// orphans (their pointers into it outlive any reload); then the state is [`GONE`] and a
/// `request_module()` waiting for the old copy may load a new one.
fn free_module(k: &Kernel, i: usize, by: String) {
    let ms = armed(k).expect("armed");
    let name = k.ops.modules[i].name;
    k.with(|s| {
        let left: Vec<DevId> =
            s.devs.iter().filter(|d| !d.freed && d.rtnl_link_ops.owner() == name).map(|d| d.id).collect();
        let t = s.driver_data::<ModuleTable>();
        t.unloaded_by.insert(name, by);
        for d in left {
            t.orphans.insert(d, name);
        }
    });
    let m = &ms.mods[i];
    let g = m.srcu.lock();
    m.state.store(GONE, SeqCst);
    m.srcu_cv.notify_all(&g);
}

/// `dev_unreg_count += n` at the end of `unregister_netdevice_many_notify()`; armed, under the
/// wait queue's lock so that the unload's read is ordered with it.
pub fn dev_unreg_count_add(k: &Kernel, n: usize) {
    let g = armed(k).map(|ms| ms.unregistering.lock());
    k.with(|s| s.dev_unreg_count += n);
    drop(g);
}

/// `if (cnt && atomic_sub_and_test(cnt, &dev_unreg_count)) wake_up(&netdev_unregistering_wq)`
/// at the end of `netdev_run_todo()`.
pub fn dev_unreg_count_sub(k: &Kernel, n: usize) {
    let Some(ms) = armed(k) else {
        k.with(|s| s.dev_unreg_count -= n);
        return;
    };
    let mut g = ms.unregistering.lock();
    let zero = k.with(|s| {
        s.dev_unreg_count -= n;
        s.dev_unreg_count == 0
    });
    if n > 0 && zero {
        *g += 1;
        ms.unregistering_cv.notify_all(&g);
    }
}

/// `dev_unreg_count` read with the wake-up generation it was read at (`add_wait_queue()` before
/// the read, so a wake-up after it is not lost).
pub fn dev_unreg_count_read(k: &Kernel) -> (usize, u64) {
    let ms = armed(k).expect("rtnl_lock_unregistering_all() runs only in a module's exit");
    let g = ms.unregistering.lock();
    (k.with(|s| s.dev_unreg_count), *g)
}

/// `wait_woken(&wait, TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT)` on `netdev_unregistering_wq`
/// until a wake-up after generation `seen`.
pub fn wait_unregistering(k: &Kernel, seen: u64, count: usize) {
    let ms = armed(k).expect("armed");
    let mut g = ms.unregistering.lock();
    while *g == seen {
        k.will_wait(format!("rtnl_lock_unregistering_all: waiting for dev_unreg_count ({count}) to reach 0"));
        g = ms.unregistering_cv.wait(g);
        k.done_waiting();
    }
}

/// Every net on `net_namespace_list` (`for_each_net()`): alive and not yet unlinked by
/// `cleanup_net()`, in creation order.
pub fn for_each_net(k: &Kernel) -> Vec<crate::kernel::NetId> {
    k.with(|s| s.nets.iter().filter(|n| !n.is_dying && !n.freed).map(|n| n.id).collect())
}
