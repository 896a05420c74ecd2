//! Workqueues as real worker threads of the backend: kernel/workqueue.c, reduced to what the
//! unregistration paths depend on.
//!
//! `rtnl_net_wq` is `create_workqueue("rtnl_net")` (net/core/rtnetlink.c, MN@af3634d4):
//! per-CPU with `max_active = 1`, so each CPU's pool runs one item at a time and an item queued
//! from inside a running item lands on the same CPU (`__queue_work()` picks
//! `raw_smp_processor_id()` for WORK_CPU_UNBOUND) behind it, and an item queued by any other
//! thread lands on that thread's CPU, which the explorers choose ([`Placement`]): two nets'
//! items queued from two CPUs run at once. `netns_wq` is
//! `create_singlethread_workqueue("netns")`: ordered, one item at a time.
//!
//! A pool has up to `max_active` worker threads, created by the `queue_work()` that finds none
//! idle ([`create_worker`]). A worker holds the pool's lock from an item's end to the next
//! item's start or to sleeping, as the C does. A work item has a real pending bit: queueing a
//! pending item is a no-op, and the bit is cleared, under the pool's lock, as the item starts.
//! Each queued item carries the flush colour it was queued in, so a flush waits only for what
//! was queued before it.

use crate::kernel::{Kernel, NetId, Placement};
use crate::lockdep::{LockClass, LockId};
use crate::mutants::Mutant;
use crate::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::sync::{thread, Condvar, Instr, RawMutex};
use std::collections::VecDeque;
use std::fmt;

/// A work item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// `net->rtnl_work` → `rtnl_net_work_func()`.
    RtnlNet(NetId),
    /// `net_cleanup_work` → `cleanup_net()`.
    CleanupNet,
}

/// A flush colour: `wq->work_color` when the item was inserted.
type Color = usize;

/// Cloned for DPOR's record of the pool lock's versions (`RawMutex::awaitable`).
#[derive(Clone, Debug, Default)]
struct PoolQueue {
    items: VecDeque<(Work, Color)>,
    /// Items being run by this pool's workers (at most `max_active`), in the colour they were
    /// queued in until that execution ends.
    running: Vec<(Work, Color)>,
    shutdown: bool,
    /// Workers created for this pool so far (at most `max_active`).
    workers: usize,
    /// Of those, the ones asleep waiting for work.
    idle: usize,
}

impl PoolQueue {
    /// The first queued or running item of colour `color` or older, which a flush of that
    /// colour waits for.
    fn older_than(&self, color: Color) -> Option<Work> {
        self.running.iter().chain(&self.items).find(|(_, c)| *c <= color).map(|(w, _)| *w)
    }
}

#[derive(Debug)]
struct Pool {
    q: RawMutex<PoolQueue>,
    /// Idle workers sleep here; `kick_pool()` wakes one when an item is queued.
    more: Condvar,
    /// Flushers sleep here; an item's end wakes them (`pwq_dec_nr_in_flight()` completing
    /// the flusher's `done`).
    done: Condvar,
}

/// A workqueue: one pool per CPU, each with up to `max_active` worker threads, so at most
/// `max_active` items of a pool run at once and the rest wait their turn (`inactive_works`).
pub struct Workqueue {
    pub name: &'static str,
    pools: Vec<Pool>,
    /// The CPUs whose pools have workers. A fixed placement sends no work to a CPU it puts no
    /// thread on (a worker's items stay on its own pool), so that pool's idle workers, flushes
    /// and checks would only add steps: with every thread on CPU 0 an execution is exactly the
    /// one-CPU one.
    online: Vec<usize>,
    pub max_active: usize,
    /// `(wq_completion)NAME`, lockdep's pseudo-lock for the queue.
    pub lockdep_map: LockId,
    /// `wq->work_color`. The C bumps it under `wq->mutex` and each pool's copy
    /// (`pwq->work_color`) under that pool's lock, and stamps items under the pool's lock. An
    /// atomic here: a flush's bump and a `queue_work()`'s read are steps the explorers order
    /// (as plain data, the bump rode on an unrelated step, and DPOR and loom, which follow the
    /// dependences they see, could leave unexplored which colour such an item got).
    work_color: AtomicUsize,
    /// Each item's last pool (`get_work_pool()`: `work->data` names it after `insert_work()`).
    last_pool: Instr<Vec<(Work, usize)>>,
    /// The worker threads created so far, joined by [`join_workers`].
    threads: Instr<Vec<thread::JoinHandle<()>>>,
}

impl fmt::Debug for Workqueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Workqueue({}, {} pools)", self.name, self.pools.len())
    }
}

impl Workqueue {
    /// Models `alloc_workqueue()` via `create_workqueue()` / `create_singlethread_workqueue()`:
    /// kernel/workqueue.c (include/linux/workqueue.h for the two macros). No flags.
    pub fn new(name: &'static str, cpus: usize, placement: &Placement, max_active: usize, class: LockClass) -> Self {
        let pools = (0..cpus)
            .map(|_| Pool { q: RawMutex::awaitable(PoolQueue::default()), more: Condvar::new(), done: Condvar::new() })
            .collect();
        let online = placement.cpus_used().unwrap_or_else(|| (0..cpus).collect());
        Workqueue {
            name,
            pools,
            online: online.into_iter().filter(|&c| c < cpus).collect(),
            max_active: max_active.max(1),
            lockdep_map: LockId::new(class, 0, format!("(wq_completion){name}")),
            work_color: AtomicUsize::new(0),
            last_pool: Instr::new(Vec::new()),
            threads: Instr::new(Vec::new()),
        }
    }

    pub fn cpus(&self) -> usize {
        self.pools.len()
    }

    /// Whether nothing is queued or running on any pool.
    pub fn idle(&self) -> bool {
        self.online.iter().map(|&c| &self.pools[c]).all(|p| {
            let q = p.q.lock();
            q.items.is_empty() && q.running.is_empty()
        })
    }
}

/// Sets the item's WORK_STRUCT_PENDING bit; `false` if it was already set.
fn test_and_set_pending(k: &Kernel, work: Work) -> bool {
    match work {
        Work::RtnlNet(net) => !k.net_sync(net).rtnl_work_pending.swap(true, SeqCst),
        Work::CleanupNet => !k.cleanup_work_pending.swap(true, SeqCst),
    }
}

fn clear_pending(k: &Kernel, work: Work) {
    match work {
        Work::RtnlNet(net) => k.net_sync(net).rtnl_work_pending.store(false, SeqCst),
        Work::CleanupNet => k.cleanup_work_pending.store(false, SeqCst),
    }
}

/// Models `queue_work()`: kernel/workqueue.c, `queue_work_on(WORK_CPU_UNBOUND)` →
/// `__queue_work()` (read at MP@20c59ad7ea38). A no-op if the item is pending. Otherwise the
/// pool, as `__queue_work()` picks it for a per-CPU queue:
/// 1. the current CPU (`raw_smp_processor_id()`): a worker of this queue is bound to its
///    pool's CPU; any other thread (a command, `netns_wq`'s unbound worker) is wherever the
///    scheduler put it ([`Placement`]);
/// 2. non-reentrancy: "If @work was previously on a different pool, it might still be running
///    there, in which case the work needs to be queued on that pool" (`get_work_pool()`, then
///    `find_worker_executing_work()` under that pool's lock).
///
/// With one pool both are pool 0 and nothing is asked or locked beyond the insertion.
pub fn queue_work(k: &Kernel, wq: &Workqueue, work: Work) -> bool {
    let _f = k.enter("queue_work");
    if !test_and_set_pending(k, work) {
        return false;
    }
    let cpu = if wq.cpus() == 1 { 0 } else { current_cpu(k, wq) };
    // get_work_pool(): the pool the item was last queued on (plain data, as `work->data` is).
    let last_pool = wq.last_pool.with(|l| l.iter().find(|(w, _)| *w == work).map(|(_, p)| *p));
    let running_on_last = last_pool.filter(|&p| p != cpu).and_then(|p| {
        let q = wq.pools[p].q.lock();
        // find_worker_executing_work(): keep that pool's lock and queue behind the running item.
        q.running.iter().any(|(w, _)| *w == work).then_some((p, q))
    });
    let (cpu, mut q) = match running_on_last {
        Some(pq) => pq,
        None => (cpu, wq.pools[cpu].q.lock()),
    };
    // insert_work() → set_work_pwq(): the item remembers its pool.
    wq.last_pool.with(|l| match l.iter_mut().find(|(w, _)| *w == work) {
        Some(e) => e.1 = cpu,
        None => l.push((work, cpu)),
    });
    let color = wq.work_color.load(SeqCst);
    q.items.push_back((work, color));
    if q.idle > 0 {
        // kick_pool(): wake an idle worker.
        wq.pools[cpu].more.notify_all(&q);
    } else if q.workers < wq.max_active {
        q.workers += 1;
        create_worker(k, wq, cpu, q.workers - 1);
    }
    drop(q);
    true
}

/// Models `create_worker()`: kernel/workqueue.c (read at MP@20c59ad7ea38, as `queue_work`).
/// Starts a worker of `wq`'s pool on `cpu`. The C creates a pool's first worker with the pool,
/// idle until the first `kick_pool()`, and more through `maybe_create_worker()` when
/// `need_to_create_worker()` (work pending, no idle worker); here the `queue_work()` that finds
/// no idle worker creates it, under the pool's lock. An idle worker that never ran is the same
/// to every other thread, and one idle from boot would take the pool's lock at points nothing
/// orders, each one more class for DPOR to run.
fn create_worker(k: &Kernel, wq: &Workqueue, cpu: usize, slot: usize) {
    let kernel = k.this.with(|t| t.clone()).expect("a worker is created only in a booted Machine");
    let name = wq.name;
    let handle = thread::spawn(move || {
        let wq = if name == kernel.netns_wq.name { &kernel.netns_wq } else { &kernel.rtnl_net_wq };
        worker_thread(&kernel, wq, cpu, slot)
    });
    wq.threads.with(|t| t.push(handle));
}

/// `raw_smp_processor_id()` for a `queue_work()` on `wq`: a worker of `wq` runs on its pool's
/// CPU; another thread where [`Placement`] puts it (recorded, so the harness knows whose CPU
/// mattered).
fn current_cpu(k: &Kernel, wq: &Workqueue) -> usize {
    let (own, who) = k.obs(|s| {
        let t = s.threads.get(&thread::current_id());
        let own = t.and_then(|t| t.wq_pool).filter(|(name, _)| *name == wq.name).map(|(_, cpu)| cpu);
        (own, t.and_then(|t| t.queuer.clone()).unwrap_or_else(|| "main".to_string()))
    });
    if let Some(cpu) = own {
        return cpu;
    }
    k.obs(|s| s.placed.insert(who.clone()));
    let cpu = match &k.cfg.placement {
        Placement::Fixed(v) => v.iter().find(|(t, _)| *t == who).map_or(0, |(_, c)| *c),
        Placement::Random => crate::sync::choose(wq.cpus()),
    };
    cpu.min(wq.cpus() - 1)
}

/// Models `flush_workqueue()`: kernel/workqueue.c (`__flush_workqueue()`). "Sleeps until all
/// work items which were queued on entry have finished execution, but it is not livelocked by
/// new incoming ones": the flush takes the current colour and starts a new one, then waits
/// until no item of its colour or older is queued or running on any pool (`lock_when`: to DPOR,
/// one step that can run only then). Lockdep sees it as
/// acquiring the queue's `(wq_completion)` map, so flushing under a lock that an item takes is
/// a cycle.
#[track_caller]
pub fn flush_workqueue(k: &Kernel, wq: &Workqueue) {
    let _f = k.enter("flush_workqueue");
    k.lockdep_acquire(&wq.lockdep_map);
    k.lockdep_release(&wq.lockdep_map);
    let flush_color = wq.work_color.fetch_add(1, SeqCst);
    for &cpu in &wq.online {
        let pool = &wq.pools[cpu];
        let q = pool.q.lock_when(
            &pool.done,
            move |q| q.older_than(flush_color).is_none(),
            |q| {
                if let Some(busy) = q.older_than(flush_color) {
                    k.will_wait(format!("flush_workqueue({}) for {busy:?} on cpu {cpu}", wq.name));
                }
            },
        );
        drop(q);
        k.done_waiting();
    }
}

/// Models `process_one_work()`: kernel/workqueue.c. Runs one item, holding the queue's and the
/// item's lockdep maps.
fn process_one_work(k: &Kernel, wq: &Workqueue, work: Work) {
    let _f = k.enter("process_one_work");
    let work_map = match work {
        Work::RtnlNet(net) => Some(LockId::new(
            LockClass::WorkCompletion,
            net.key(),
            format!("(work_completion)({}->rtnl_work)", k.net_name(net)),
        )),
        Work::CleanupNet => None,
    };
    k.lockdep_acquire(&wq.lockdep_map);
    if let Some(m) = &work_map {
        k.lockdep_acquire(m);
    }
    match work {
        Work::RtnlNet(net) => {
            let running = k.with(|s| {
                s.nets[net].rtnl_work_running = true;
                s.nets.iter().filter(|n| n.rtnl_work_running).count()
            });
            k.obs(|o| o.works_running = o.works_running.max(running));
            crate::rtnetlink::rtnl_net_work_func(k, net);
            k.with(|s| s.nets[net].rtnl_work_running = false);
        }
        Work::CleanupNet => crate::net_namespace::cleanup_net(k),
    }
    if let Some(m) = &work_map {
        k.lockdep_release(m);
    }
    k.lockdep_release(&wq.lockdep_map);
}

/// Models `worker_thread()`: kernel/workqueue.c. A pool's worker thread (`kworker/...`): runs
/// items until [`shutdown`] and its queue is empty.
pub fn worker_thread(k: &Kernel, wq: &Workqueue, cpu: usize, slot: usize) {
    let suffix = if wq.max_active > 1 { format!(".{slot}") } else { String::new() };
    k.set_thread_name(format!("kworker/{}:{cpu}{suffix}", wq.name));
    k.obs(|s| {
        let t = s.threads.entry(thread::current_id()).or_default();
        t.wq_pool = Some((wq.name, cpu));
        t.queuer = Some(t.name.clone());
    });
    let pool = &wq.pools[cpu];
    // As the C, the pool's lock is held from an item's end to the next item's start (or to
    // sleeping): one critical section, not two, between items.
    let mut q = pool.q.lock();
    loop {
        // worker_enter_idle(); schedule(): sleep until kick_pool() or the shutdown.
        while q.items.is_empty() && !q.shutdown {
            q.idle += 1;
            q = pool.more.wait(q);
            q.idle -= 1;
        }
        let Some((work, color)) = q.items.pop_front() else {
            return;
        };
        q.running.push((work, color));
        // process_one_work(): set_work_pool_and_clear_pending() under the pool's lock.
        clear_pending(k, work);
        drop(q);
        process_one_work(k, wq, work);
        q = pool.q.lock();
        if let Some(i) = q.running.iter().position(|&r| r == (work, color)) {
            q.running.remove(i);
        }
        // pwq_dec_nr_in_flight(): the flushers waiting for this colour.
        // mutant flush-not-woken: the item's end wakes no flusher.
        if !k.mutated(Mutant::FlushNotWoken) {
            pool.done.notify_all(&q);
        }
    }
}

/// Waits for every worker of `wq` to exit (after [`shutdown`]), passing on a worker's panic.
pub fn join_workers(wq: &Workqueue) -> Vec<std::thread::Result<()>> {
    let threads = wq.threads.with(std::mem::take);
    threads.into_iter().map(|t| t.join()).collect()
}

/// Tells every worker of `wq` to exit once its queue is empty.
pub fn shutdown(wq: &Workqueue) {
    for pool in wq.online.iter().map(|&c| &wq.pools[c]) {
        let mut q = pool.q.lock();
        q.shutdown = true;
        pool.more.notify_all(&q);
        drop(q);
    }
}
