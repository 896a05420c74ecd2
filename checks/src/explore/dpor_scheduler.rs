//! DPOR over the real model: a shuttle [`Scheduler`] that asks [`Dpor`] which task runs next.
//!
//! Shuttle tells a scheduler only which tasks are runnable, not what each is about to do; the
//! operation comes from the facade's [`report`](super::report) of the task's next step (the
//! shuttle backend announces every mutex, condvar and atomic operation), and a step without one
//! (spawn, join, a thread's exit) is [`Op::UNKNOWN`], dependent with everything.
//!
//! Shuttle's random values (`next_u64`) are fixed at 0: DPOR explores schedules, not data.

use super::backends::recording::{Recorded, Recording};
use super::backends::shuttle_config;
use crate::dpor::{report, Dpor, Op, OpKind, Step};
use crate::explore::backend_api::{body, caught, quietly, set_worker, Collector};
use crate::explore::{ExploreOptions, Target};
use rustc_hash::{FxHashMap, FxHashSet};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A scheduler sharing its [`Dpor`] worker with the caller, who reads the statistics afterwards.
#[derive(Debug)]
pub struct DporScheduler {
    pub dpor: Arc<Mutex<Dpor>>,
    /// Whether a limit stopped the exploration before it was complete.
    pub cut: Arc<AtomicBool>,
    /// The facade mutexes held in the current execution, by the task holding each, as the
    /// chosen steps' reports say.
    held: FxHashMap<u64, usize>,
    /// The tasks that have taken a step in the current execution.
    ran: FxHashSet<usize>,
    /// DPOR abandoned the current execution: it runs on to its end unrecorded. Stopping it
    /// instead would leak it (shuttle leaks the stacks of a stopped execution's unfinished
    /// tasks, and what they own: 6 GB in 10 minutes of a search that abandons 100 per second).
    draining: bool,
    /// A replay: the recorded choices still to make (front first); DPOR chooses nothing.
    replay: Option<std::collections::VecDeque<usize>>,
    /// A replay ran its one execution.
    replayed: bool,
    /// Tasks created so far in the current execution (ids are 0, 1, ...): the id a spawn
    /// about to run gives its child. Every task is runnable at the point after its spawn, so
    /// none is missed.
    tasks: usize,
}

impl DporScheduler {
    pub fn new(preemption_bound: Option<usize>) -> Self {
        DporScheduler::of(Dpor::new(preemption_bound))
    }

    /// A scheduler driving `dpor` (a worker of some exploration).
    pub fn of(dpor: Dpor) -> Self {
        DporScheduler {
            dpor: Arc::new(Mutex::new(dpor)),
            cut: Arc::new(AtomicBool::new(false)),
            held: FxHashMap::default(),
            ran: FxHashSet::default(),
            draining: false,
            replay: None,
            replayed: false,
            tasks: 0,
        }
    }

    /// A scheduler that runs one execution along `choices` (a DPOR token's) with the facade
    /// reporting as under DPOR, so each `lock_when` is one step as it was when recorded.
    pub fn replaying(choices: impl IntoIterator<Item = usize>) -> Self {
        DporScheduler { replay: Some(choices.into_iter().collect()), ..DporScheduler::new(None) }
    }

    fn dpor(&self) -> std::sync::MutexGuard<'_, Dpor> {
        self.dpor.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Scheduler for DporScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.held.clear();
        self.ran.clear();
        self.tasks = 0;
        self.draining = false;
        if self.replay.is_some() {
            report::clear();
            return (!std::mem::replace(&mut self.replayed, true)).then(|| Schedule::new(0));
        }
        let mut dpor = self.dpor();
        // Ends the last execution (its races read the reports it left: the versions of
        // awaitable mutexes), then claims the next, unless the exploration is complete,
        // stopped, or at its limits (`Dpor::limit`).
        let more = dpor.begin();
        report::clear();
        if !more {
            self.cut.store(!dpor.finished(), Ordering::Relaxed);
        }
        more.then(|| Schedule::new(0))
    }

    fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, _is_yielding: bool) -> Option<TaskId> {
        let tasks = runnable;
        // Draining never preempts: the execution keeps the preemptions it was abandoned with.
        let current_or_first = || {
            let keep = current.filter(|c| tasks.iter().any(|t| t.id() == *c));
            usize::from(keep.unwrap_or_else(|| tasks[0].id()))
        };
        self.tasks = runnable.iter().map(|t| usize::from(t.id()) + 1).fold(self.tasks, usize::max);
        let runnable: Vec<Step> = runnable
            .iter()
            .map(|t| {
                let tid = usize::from(t.id());
                let unannounced = if self.ran.contains(&tid) { Op::UNKNOWN } else { Op::new(OpKind::Start, 0) };
                let op = match report::peek(tid) {
                    Some(op) if op.kind == OpKind::Spawn => Op::new(OpKind::Spawn, self.tasks as u64),
                    op => op.unwrap_or(unannounced),
                };
                Step::new(tid, op)
            })
            .collect();
        // Shuttle counts a task about to lock a held mutex as runnable (it would block, then
        // retry when woken); for DPOR that acquisition is not enabled. A failed attempt would be
        // a step racing with the holder's unlock, and reversing it an execution of a class
        // already explored.
        // Likewise a `lock_when` whose condition does not hold on the free mutex's data.
        // Computed at every step, draining too: it records the waits a schedule could lose
        // (`report::unready`), which a replay must see at the same steps.
        let waits_for_held = |s: &Step| {
            matches!(s.op.kind, OpKind::Lock | OpKind::Await) && self.held.get(&s.op.obj).is_some_and(|&h| h != s.tid)
        };
        let enabled: Vec<Step> =
            runnable.iter().filter(|s| !waits_for_held(s) && !report::unready(s.tid, s.op)).copied().collect();
        let tid = if let Some(r) = &mut self.replay {
            // Past the recorded choices, the execution drains as it did when recorded.
            match r.pop_front() {
                Some(t) if runnable.iter().any(|s| s.tid == t) => t,
                Some(t) => panic!(
                    "replay diverged: the token chooses task {t}, which cannot run here (was the model changed since \
                     the token was made?)"
                ),
                None => current_or_first(),
            }
        } else if self.draining {
            current_or_first()
        } else if enabled.is_empty() {
            // Every runnable task waits for a held mutex whose holder cannot run, or for a
            // condition nothing left can make true: a deadlock. DPOR ends the execution with
            // those waits; shuttle, let in (the execution drains), finds the deadlock.
            self.dpor().end(&runnable);
            self.draining = true;
            runnable[0].tid
        } else {
            let disabled: Vec<Step> = runnable.iter().filter(|s| !enabled.contains(s)).copied().collect();
            // `None`: the execution is redundant (every thread asleep) or over the bound.
            let chosen = self.dpor().choose(&enabled, &disabled);
            self.draining = chosen.is_none();
            chosen.unwrap_or_else(current_or_first)
        };
        self.ran.insert(tid);
        match report::take(tid) {
            Some(Op { kind: OpKind::Lock | OpKind::Await, obj }) => {
                self.held.insert(obj, tid);
            }
            Some(Op { kind: OpKind::Probe, obj }) => {
                // A free mutex is taken until the probe's unlock; a held one stays its holder's.
                self.held.entry(obj).or_insert(tid);
            }
            Some(Op { kind: OpKind::Unlock, obj }) => {
                self.held.remove(&obj);
            }
            Some(Op { kind: OpKind::Notify, obj }) => report::notified(obj),
            _ => {}
        }
        Some(TaskId::from(tid))
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// One DPOR exploration and what it ended with.
struct Explored {
    panic: Option<String>,
    schedule: crate::token::Schedule,
    stats: crate::dpor::DporStats,
    /// Every execution explored (within the bound, if any).
    finished: bool,
    /// Stopped by --max-executions or --max-seconds.
    cut: bool,
    /// Preemptions of the failing execution, when one failed.
    preemptions: Option<usize>,
}

/// What one worker's runner ended with.
struct Worked {
    panic: Option<String>,
    schedule: crate::token::Schedule,
    preemptions: Option<usize>,
    cut: bool,
}

/// Runs the executions `dpor` (one worker of an exploration) chooses until it has none left.
/// `silence`: silence panics here (the only worker); else the thread that started the
/// workers does.
fn work(dpor: Dpor, target: &Arc<Target>, opts: &ExploreOptions, col: &Arc<Mutex<Collector>>, silence: bool) -> Worked {
    let sched = DporScheduler::of(dpor);
    let (dpor, cut) = (sched.dpor.clone(), sched.cut.clone());
    let last: Recorded = Arc::new(Mutex::new((0, Vec::new())));
    let runner = shuttle::Runner::new(Recording::exhaustive(sched, last.clone()), shuttle_config(opts.max_steps));
    let (t, c) = (target.clone(), col.clone());
    let run = move || {
        runner.run(move || body(&t, &c));
    };
    let panic = if silence { quietly(run) } else { caught(run) };
    report::disable();
    let (seed, steps) = last.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut d = dpor.lock().unwrap_or_else(|p| p.into_inner());
    d.flush();
    if panic.is_some() {
        // The others stop at their next execution; the failure is this one's.
        d.stop();
    }
    Worked {
        preemptions: panic.as_ref().map(|_| d.preemptions()),
        panic,
        schedule: crate::token::Schedule::Shuttle { seed, steps },
        cut: cut.load(Ordering::Relaxed),
    }
}

/// One DPOR exploration, on `opts.jobs` threads sharing its tree.
fn explore(
    target: &Arc<Target>,
    opts: &ExploreOptions,
    col: &Arc<Mutex<Collector>>,
    deadline: Option<Instant>,
) -> Explored {
    let root = Dpor::new(opts.preemptions);
    root.limit(opts.max_executions, deadline);
    let jobs = opts.jobs.max(1);
    if jobs > 1 {
        root.parallel();
    }
    let worked: Vec<Worked> = if jobs == 1 {
        vec![work(root.worker(), target, opts, col, true)]
    } else {
        let mut out = Vec::new();
        quietly(|| {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..jobs)
                    .map(|w| {
                        let dpor = root.worker();
                        s.spawn(move || {
                            set_worker(w);
                            work(dpor, target, opts, col, false)
                        })
                    })
                    .collect();
                out = handles.into_iter().map(|h| h.join().expect("a dpor worker's panics are caught")).collect();
            });
        });
        out
    };
    // The failure reported is the first worker's that failed (with several, which one comes
    // first depends on timing; each is a real failing execution with its own schedule).
    let failed = worked.iter().position(|w| w.panic.is_some());
    col.lock().unwrap_or_else(|p| p.into_inner()).failed_worker = failed.unwrap_or(0);
    // A failure stops the other workers too: that is not a cut by a limit.
    let cut = failed.is_none() && worked.iter().any(|w| w.cut);
    let w = worked.into_iter().nth(failed.unwrap_or(0)).expect("at least one worker");
    Explored {
        preemptions: w.preemptions,
        panic: w.panic,
        schedule: w.schedule,
        stats: root.stats(),
        finished: root.finished(),
        cut,
    }
}

/// The counters of a DPOR run, as the `bound` line ends.
fn counters(st: &crate::dpor::DporStats) -> String {
    format!(
        "dpor: {} ({} deadlocked, {} sleep-blocked, {} cut by the bound, {} infeasible wake-ups), {} races, longest {} steps{}",
        crate::explore::executions(st.executions),
        st.deadlocks,
        st.sleep_blocked,
        st.bounded,
        st.infeasible,
        st.races,
        st.max_depth,
        if st.nondeterministic > 0 { format!(", {} NONDETERMINISTIC replays", st.nondeterministic) } else { String::new() }
    )
}

/// The `--explorer dpor` run of the harness: the panic of a failing execution, its schedule
/// (a shuttle replay token), what bounded the run, and whether it was exhaustive.
pub(crate) fn run(
    target: &Arc<Target>,
    opts: &ExploreOptions,
    col: &Arc<Mutex<Collector>>,
) -> (Option<String>, crate::token::Schedule, Option<String>, bool) {
    let e = explore(target, opts, col, opts.max_duration.map(|d| Instant::now() + d));
    let exhaustive = e.finished && !e.cut && opts.preemptions.is_none();
    let limit = match (e.cut, opts.preemptions) {
        (true, _) => "stopped by --max-executions or --max-seconds".to_string(),
        (false, Some(p)) => format!("preemption bound {p} (dpor: not complete within it)"),
        (false, None) if e.finished => {
            if opts.jobs > 1 {
                format!(
                    "{}: every class of equivalent interleavings, on {} threads (source sets: {} redundant executions)",
                    super::DPOR_NO_BOUND,
                    opts.jobs,
                    e.stats.sleep_blocked
                )
            } else {
                format!("{}: one execution per class of equivalent interleavings", super::DPOR_NO_BOUND)
            }
        }
        (false, None) => "stopped by a failure".to_string(),
    };
    (e.panic, e.schedule, Some(format!("{limit}; {}", counters(&e.stats))), exhaustive)
}

/// Replays a DPOR token's `schedule` once, under DPOR's reports (each `lock_when` one step,
/// a lost wake-up a sleep), as the exploration ran it.
pub(crate) fn replay(
    target: &Arc<Target>,
    schedule: &crate::token::Schedule,
    col: &Arc<Mutex<Collector>>,
) -> Option<String> {
    let crate::token::Schedule::Shuttle { steps, .. } = schedule else { return Some("not a shuttle schedule".into()) };
    let panic = super::backends::replay_with(DporScheduler::replaying(steps.iter().flatten().copied()), target, col);
    report::disable();
    panic
}

/// `--shortest`: preemption bounds 0, 1, 2, ... (at most `opts.preemptions`), each explored
/// to its end, until one fails: its failure has the fewest preemptions of those explored. A
/// bound that cut no execution explored the whole space, so the search ends there, exhausted.
pub(crate) fn run_shortest(
    target: &Arc<Target>,
    opts: &ExploreOptions,
    col: &Arc<Mutex<Collector>>,
) -> (Option<String>, crate::token::Schedule, Option<String>, bool) {
    let deadline = opts.max_duration.map(|d| Instant::now() + d);
    let mut executions = 0;
    let mut bound = 0;
    loop {
        let left = opts.max_executions.map(|n| n.saturating_sub(executions));
        let o = ExploreOptions { preemptions: Some(bound), max_executions: left, ..opts.clone() };
        let e = explore(target, &o, col, deadline);
        executions += e.stats.executions;
        let searched = format!("--shortest: preemption bounds 0 to {bound}");
        if let Some(p) = e.preemptions.filter(|_| e.panic.is_some()) {
            let text = format!(
                "{searched}; the first failure came at bound {bound}, in an execution with {p} preemption(s); {}",
                counters(&e.stats)
            );
            return (e.panic, e.schedule, Some(text), false);
        }
        let whole = e.finished && !e.cut && e.stats.bounded == 0;
        let last = e.cut || opts.preemptions.is_some_and(|b| bound >= b);
        if whole || last {
            let end = match (whole, e.cut) {
                (true, _) => format!("bound {bound} cut no execution: exhausted, {}", super::DPOR_NO_BOUND),
                (false, true) => "stopped by --max-executions or --max-seconds".to_string(),
                (false, false) => format!("no failure within bound {bound} (dpor: not complete within it)"),
            };
            return (None, e.schedule, Some(format!("{searched}; {end}; {}", counters(&e.stats))), whole);
        }
        bound += 1;
    }
}
