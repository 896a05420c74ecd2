//! One harness for every explorer: a scenario body run under loom (exhaustive, optionally
//! preemption-bounded), shuttle (random or PCT) or real threads, with the same per-execution
//! checks, statistics, lock-order graph and counterexample capture.
//!
//! The model's backend is fixed when it is compiled (`--cfg rtnl_loom`, `--cfg rtnl_shuttle`),
//! so a binary runs only its own backend's explorers; [`Explorer::backend`] says which build an
//! explorer needs and the CLI hands the run to that build.

#![allow(clippy::disallowed_types)] // Harness bookkeeping across executions, outside the model.

/// `1 execution`, `2 executions`.
pub fn executions(n: u64) -> String {
    format!("{n} execution{}", if n == 1 { "" } else { "s" })
}

pub use crate::explorer::Explorer;
use crate::lockgraph::{LockGraph, LockReport};
use crate::token::{ReplayToken, Schedule};
use rtnl_model::kernel::{Event, Mode, Observed};
use rtnl_model::lockdep::Waiting;
use rtnl_model::script::Script;
use rtnl_model::{Config, Machine, Outcome, Placement, Property, Report};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[cfg(any(rtnl_loom, rtnl_shuttle))]
pub(crate) mod backends;
/// `--explorer dpor`: the DPOR algorithm (crate::dpor) as a shuttle scheduler over the model.
#[cfg(rtnl_shuttle)]
pub mod dpor_scheduler;

/// How a finished unbounded DPOR run begins the wording of its extent (`cli::extent`).
pub const DPOR_NO_BOUND: &str = "no bound";

/// Bounds and seeds of one exploration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExploreOptions {
    pub explorer: Explorer,
    /// loom: at most this many preemptions per execution (`None`: unbounded).
    pub preemptions: Option<usize>,
    /// loom: branches per execution before it is declared non-terminating.
    pub max_branches: usize,
    /// loom: stop after this many executions (`None`: until exhausted).
    pub max_executions: Option<u64>,
    /// loom: stop after this long.
    pub max_duration: Option<Duration>,
    /// shuttle, pct and std: executions to run.
    pub iterations: usize,
    pub seed: u64,
    /// pct: the bug depth.
    pub depth: usize,
    /// shuttle and pct: scheduling steps per execution before it is declared non-terminating.
    pub max_steps: usize,
    /// Show a progress bar on a terminal.
    pub progress: bool,
    /// A lock-order cycle does not stop the exploration: it goes on looking for an execution
    /// that really deadlocks, and the cycle fails the run at its end if nothing else did.
    pub defer_lock_order: bool,
    /// dpor: iterate the preemption bound from 0 and stop at the first failure (the fewest
    /// preemptions), up to `preemptions` if set.
    pub shortest: bool,
    /// dpor: threads exploring one scenario's tree together.
    pub jobs: usize,
}

impl Default for ExploreOptions {
    fn default() -> Self {
        ExploreOptions {
            explorer: Explorer::Std,
            preemptions: None,
            max_branches: 20_000,
            max_executions: None,
            max_duration: None,
            iterations: 1000,
            seed: 0,
            depth: 3,
            max_steps: 200_000,
            progress: false,
            defer_lock_order: false,
            shortest: false,
            jobs: 1,
        }
    }
}

/// What an exploration ran on: a script and a kernel configuration.
#[derive(Clone, Debug)]
pub struct Target {
    pub script: Script,
    /// The script's text, carried in replay tokens.
    pub source: String,
    pub cfg: Config,
}

/// Statistics every run reports.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Stats {
    pub explorer: String,
    pub mode: String,
    pub executions: u64,
    /// Whether every schedule within the bound was explored (loom only).
    pub exhausted: bool,
    /// What limited the run: a preemption bound, an execution or time budget, an iteration count.
    pub bound: Option<String>,
    /// The most kernel-function calls in one execution.
    pub max_steps: usize,
    /// Distinct sequences of lock acquisitions seen.
    pub distinct_lock_orders: usize,
    pub seconds: f64,
    /// The CPUs of `rtnl_net_wq` and where the queuing threads ran, when there is more than one
    /// CPU (printed only then, so one-CPU results read as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
}

/// What found a failure: recorded where it is found, so reports never read it from the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// A property checked on a kernel path: a BUG or WARN point of the model, or S14.
    Violation,
    /// An end-state check after the execution (`rtnl_model::invariants`).
    EndState,
    /// The lock-order graph over the executions (S8, with a lockdep report).
    LockOrder,
    /// Every thread blocked (L5).
    Deadlock,
    /// Blocked for ever in `netdev_run_todo()` waiting for a reference (L3).
    RefsNeverReleased,
    /// The runtime's step bound was exceeded: an execution that does not end (L3).
    StepBound,
    /// The model panicked otherwise.
    ModelPanic,
}

impl FailureKind {
    /// The kind of a violation the model recorded.
    pub fn of(v: &rtnl_model::Violation) -> FailureKind {
        match v.property {
            _ if v.end_state => FailureKind::EndState,
            // Only a hang is reported on a path as L3 or L5 (the std backend's monitor).
            Property::AllRefsReleased | Property::NoDeadlock => FailureKind::of_hang(v.property),
            _ => FailureKind::Violation,
        }
    }

    /// The kind of a hang that breaks `p` (see `rtnl_model::machine::hang_property`).
    pub fn of_hang(p: Property) -> FailureKind {
        if p == Property::AllRefsReleased {
            FailureKind::RefsNeverReleased
        } else {
            FailureKind::Deadlock
        }
    }
}

/// What a runtime stopped an execution for, and how to name its detector. loom and shuttle
/// report a deadlock or an exceeded step bound only by panicking with a message, so this is
/// the one place that reads panic text; a violation or lock-order report is recorded as data
/// before the body panics (the std backend's monitor reports a hang as a violation, L3 or L5).
pub(crate) fn runtime_stop(msg: &str) -> (FailureKind, String) {
    let first = first_line(msg).to_string();
    if msg.contains("deadlock") || msg.contains("non-termination") {
        let detector = if msg.contains("deadlock;") { "loom: no thread can run".to_string() } else { first };
        (FailureKind::Deadlock, detector)
    } else if msg.contains("max_branches") || msg.contains("max_steps") || msg.contains("exceeded") {
        (FailureKind::StepBound, first)
    } else {
        (FailureKind::ModelPanic, first)
    }
}

/// A counterexample.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Failure {
    /// The property that failed (`S4 exactly-once-unregistration`, ...).
    pub property: String,
    /// What found it.
    pub kind: FailureKind,
    pub message: String,
    /// The 0-based execution that failed.
    pub execution: u64,
    /// Threads blocked at the failure, and on what.
    pub blocked: Vec<Waiting>,
    /// The failing execution's trace, in the cover letter's form.
    pub trace: String,
    /// `rtnl-check replay TOKEN` reproduces it.
    pub token: String,
    /// A lockdep report, when the lock-order graph found the failure.
    pub lockdep: Option<String>,
}

/// The result of one exploration.
#[derive(Debug)]
pub struct Exploration {
    pub stats: Stats,
    pub outcomes: BTreeSet<Outcome>,
    pub graph: LockGraph,
    pub failure: Option<Failure>,
    /// "unconverted path" notes seen (S5 exemptions taken), deduplicated.
    pub unconverted: BTreeSet<String>,
    /// The report of the first execution, for showing its trace.
    pub first: Option<Report>,
}

impl Exploration {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Shared by every execution of one exploration.
#[derive(Default)]
pub(crate) struct Collector {
    /// Executions begun; the last one begun is the one that failed, if any.
    pub(crate) started: u64,
    executions: u64,
    /// Per worker (dpor's `--jobs` runs executions side by side), its current execution.
    running: Vec<Running>,
    /// The worker whose execution failed.
    pub(crate) failed_worker: usize,
    first: Option<Report>,
    outcomes: BTreeSet<Outcome>,
    graph: LockGraph,
    new_lock_reports: Vec<LockReport>,
    max_steps: usize,
    orders: HashSet<u64>,
    unconverted: BTreeSet<String>,
    progress: Option<indicatif::ProgressBar>,
    /// `ExploreOptions::defer_lock_order`, and the first deferred report with its execution.
    defer_lock_order: bool,
    deferred: Option<(u64, LockReport)>,
    /// Record the model's timeline events (an HTML page's re-run; never an exploration).
    timeline: bool,
    /// The queuing threads whose CPU mattered in some execution (`Report::placed`).
    placed: BTreeSet<String>,
}

/// What the collector keeps of the execution one worker is running.
#[derive(Default)]
struct Running {
    current: Option<rtnl_model::sync::Instr<Observed>>,
    /// The failing property, when the body raised it (violations and lock-order reports):
    /// property, kind, message, lockdep report.
    raised: Option<(String, FailureKind, String, Option<String>)>,
}

thread_local! {
    /// The worker this thread is (0 unless an explorer runs several).
    static WORKER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Makes this thread worker `w` of an exploration, for the collector.
#[cfg_attr(not(rtnl_shuttle), allow(dead_code))]
pub(crate) fn set_worker(w: usize) {
    WORKER.with(|c| c.set(w));
}

impl Collector {
    fn slot(&mut self, w: usize) -> &mut Running {
        if self.running.len() <= w {
            self.running.resize_with(w + 1, Running::default);
        }
        &mut self.running[w]
    }

    /// This thread's worker's execution.
    fn running(&mut self) -> &mut Running {
        self.slot(WORKER.with(std::cell::Cell::get))
    }

    /// The failed worker's execution.
    fn failed(&mut self) -> &mut Running {
        self.slot(self.failed_worker)
    }
}

/// Runs one execution and checks it: the body every explorer calls.
pub(crate) fn body(target: &Target, col: &Mutex<Collector>) {
    let m = Machine::boot(target.cfg.clone());
    {
        let mut c = col.lock().unwrap_or_else(|p| p.into_inner());
        c.started += 1;
        *c.running() = Running { current: Some(m.k.obs.clone()), raised: None };
        if c.timeline {
            m.k.obs(|o| o.timeline = true);
        }
    }
    m.run(&target.script);
    let report = m.shutdown();
    let mut c = col.lock().unwrap_or_else(|p| p.into_inner());
    c.executions += 1;
    if let Some(p) = &c.progress {
        p.inc(1);
    }
    c.max_steps = c.max_steps.max(report.steps);
    c.orders.insert(report.lock_order_hash);
    c.outcomes.insert(report.outcome.clone());
    c.placed.extend(report.placed.iter().cloned());
    for e in &report.trace {
        if e.text.starts_with("unconverted path") {
            c.unconverted.insert(e.text.clone());
        }
    }
    let reports = c.graph.add_edges(&report.lock_edges);
    if c.first.is_none() {
        c.first = Some(report.clone());
    }
    if let Some(v) = report.violations.first().cloned() {
        c.running().raised = Some((v.property.to_string(), FailureKind::of(&v), v.to_string(), None));
        drop(c);
        panic!("property violated: {v}");
    }
    if let Some(r) = reports.into_iter().next() {
        if c.defer_lock_order {
            if c.deferred.is_none() {
                c.deferred = Some((c.started.saturating_sub(1), r));
            }
            return;
        }
        let text = r.to_string();
        let (p, title) = (Property::LockOrder.to_string(), r.kind.title().to_string());
        c.running().raised = Some((p, FailureKind::LockOrder, title, Some(text.clone())));
        c.new_lock_reports.push(r);
        drop(c);
        panic!("lock-order graph: {text}");
    }
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "panic with a non-string payload".into()
    }
}

/// Runs `f` with panics silenced (the explorers print their own noise otherwise); returns the
/// panic message if it panicked.
pub(crate) fn quietly(f: impl FnOnce()) -> Option<String> {
    if std::env::var_os("RTNL_CHECK_PANICS").is_some() {
        // Debugging the harness: keep the default hook's messages and backtraces.
        return caught(f);
    }
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = caught(f);
    std::panic::set_hook(prev);
    r
}

/// Runs `f`; returns its panic's message. Threads of an exploration run this inside the
/// `quietly` of the thread that started them (the panic hook is the process's).
pub(crate) fn caught(f: impl FnOnce()) -> Option<String> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).err().map(|p| payload_text(&*p))
}

/// loom's limit on threads per execution (`loom::MAX_THREADS`).
pub const LOOM_MAX_THREADS: usize = 5;

/// How many commands of `script` can run at once: the largest group of background commands
/// (plus a foreground command running beside them).
pub fn concurrency(script: &rtnl_model::script::Script) -> usize {
    use rtnl_model::script::Step;
    let (mut best, mut bg) = (1, 0);
    for step in &script.steps {
        match step {
            Step::Background(_) => bg += 1,
            Step::Run(_) => best = best.max(bg + 1),
            Step::Wait(_) => bg = 0,
        }
        best = best.max(bg);
    }
    best
}

/// Threads one execution of `target` uses: the script's (the last background command before
/// a `wait` runs on the main thread), one per `rtnl_net_wq` worker and `netns_wq`'s worker.
/// With more than one CPU, the most any placement of the queuing threads needs.
pub fn threads_needed(target: &Target) -> usize {
    let cpus = target.cfg.wq_cpus.max(1);
    let pools = match target.cfg.placement.cpus_used() {
        Some(used) => used.iter().filter(|&&c| c < cpus).count(),
        None => cpus,
    };
    concurrency(&target.script) + pools * target.cfg.rtnl_net_wq_max_active() + 1
}

/// The placements an explorer without in-execution choices (loom, dpor) runs for `target`: one
/// CPU for each queuing thread (`rtnl_model::userspace::queuers`) for the whole execution, every
/// assignment up to a renaming of the CPUs (their pools are alike, so a renamed placement has
/// the same executions), all on CPU 0 first: that one is the one-CPU execution. A placement
/// already fixed (a replay) is run alone, as is any with one CPU.
pub fn placements(target: &Target) -> Vec<Config> {
    let cfg = &target.cfg;
    let cpus = cfg.wq_cpus.max(1);
    if cpus == 1 || cfg.placement != Placement::Random {
        return vec![cfg.clone()];
    }
    let keys = rtnl_model::userspace::queuers(&target.script);
    // Restricted growth strings: thread i is on a CPU at most one above the highest before it.
    let mut all: Vec<Vec<usize>> = vec![Vec::new()];
    for _ in &keys {
        all = all
            .into_iter()
            .flat_map(|a| {
                let top = a.iter().max().map_or(0, |m| m + 1).min(cpus - 1);
                (0..=top).map(move |c| a.iter().copied().chain([c]).collect::<Vec<_>>())
            })
            .collect();
    }
    all.into_iter()
        .map(|a| Config { placement: Placement::Fixed(keys.iter().cloned().zip(a).collect()), ..cfg.clone() })
        .collect()
}

/// The `cpus` line of a run's statistics: how many CPUs, and where the queuing threads ran.
fn cpus_text(cfg: &Config, explorer: Explorer, ran: usize, of: usize, placed: &BTreeSet<String>) -> Option<String> {
    let cpus = cfg.wq_cpus.max(1);
    if cpus == 1 {
        return None;
    }
    if !matches!(explorer, Explorer::Loom | Explorer::Dpor) {
        return Some(format!("{cpus} CPUs, a random CPU at every queue_work() from outside a worker"));
    }
    let who = placed.iter().cloned().collect::<Vec<_>>().join(", ");
    if ran == 1 && of > 1 && placed.len() <= 1 {
        let who = if who.is_empty() { "no thread".to_string() } else { format!("only {who}") };
        let others = if of == 2 {
            "the other placement has".to_string()
        } else {
            format!("the other {} placements have", of - 1)
        };
        return Some(format!(
            "{cpus} CPUs, every queuing thread on cpu 0: {who} queued work from outside a worker, so {others} the same executions"
        ));
    }
    Some(format!("{cpus} CPUs, {ran} of {of} placements of the queuing threads (one CPU each, up to renaming the CPUs); queued work from outside a worker: {who}"))
}

/// Explores `target` with `opts`. `Err` when this binary was not built for the explorer, or the
/// scenario does not fit it.
pub fn explore(target: &Target, opts: &ExploreOptions) -> Result<Exploration, String> {
    explore_recording(target, opts, false)
}

fn explore_recording(target: &Target, opts: &ExploreOptions, timeline: bool) -> Result<Exploration, String> {
    if opts.explorer == Explorer::Loom && threads_needed(target) > LOOM_MAX_THREADS {
        return Err(format!(
            "{}: an execution needs {} threads ({} concurrent commands and {} kernel workers); loom allows {LOOM_MAX_THREADS}. \
             Use --explorer pct or shuttle{}, or fewer concurrent commands",
            target.script.name,
            threads_needed(target),
            concurrency(&target.script),
            threads_needed(target) - concurrency(&target.script),
            if target.cfg.wq_cpus > 1 { ", --cpus 1" } else { "" }
        ));
    }
    if !opts.explorer.available() {
        return Err(format!(
            "the {} explorer needs the model built with the {} backend; this binary has the {} backend",
            opts.explorer.name(),
            opts.explorer.backend(),
            rtnl_model::sync::BACKEND
        ));
    }
    let col =
        Arc::new(Mutex::new(Collector { defer_lock_order: opts.defer_lock_order, timeline, ..Collector::default() }));
    if opts.progress {
        // Exhaustive explorers have no known total, only a cap (--max-executions).
        let total = match opts.explorer {
            Explorer::Loom | Explorer::Dpor => opts.max_executions,
            _ => Some(opts.iterations as u64),
        };
        let bar = crate::progress::executions(total);
        col.lock().unwrap_or_else(|p| p.into_inner()).progress = Some(bar);
    }
    let start = Instant::now();
    let exhaustive = matches!(opts.explorer, Explorer::Loom | Explorer::Dpor);
    let runs = if exhaustive { placements(target) } else { vec![target.cfg.clone()] };
    let mut ran = 0;
    let (mut panic, mut schedule, mut bound, mut exhausted) = (None, Schedule::Std, None, true);
    let mut failed_cfg = target.cfg.clone();
    for cfg in &runs {
        let started = col.lock().unwrap_or_else(|p| p.into_inner()).started;
        let left = opts.max_executions.map(|n| n.saturating_sub(started));
        let time_left = opts.max_duration.map(|d| d.saturating_sub(start.elapsed()));
        if left == Some(0) || time_left.is_some_and(|d| d.is_zero()) {
            exhausted = false;
            break;
        }
        let o = ExploreOptions { max_executions: left, max_duration: time_left, ..opts.clone() };
        let t = Arc::new(Target { cfg: cfg.clone(), ..target.clone() });
        let (p, s, b, e) = run_explorer(&t, &o, &col);
        ran += 1;
        (schedule, bound) = (s, b);
        exhausted &= e;
        if p.is_some() {
            panic = p;
            failed_cfg = cfg.clone();
            break;
        }
        // All on CPU 0 first: if at most one thread ever asked for its CPU, renaming the CPUs
        // makes every other placement this one.
        if ran == 1 && col.lock().unwrap_or_else(|p| p.into_inner()).placed.len() <= 1 {
            break;
        }
    }
    if ran > 1 {
        if let Some(b) = bound.as_mut().filter(|b| b.starts_with("stopped after")) {
            *b = format!(
                "stopped after {} executions (--max-executions)",
                col.lock().unwrap_or_else(|p| p.into_inner()).started
            );
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let target = Arc::new(Target { cfg: failed_cfg, ..target.clone() });
    let mut c = col.lock().unwrap_or_else(|p| p.into_inner());
    let cpus = match &target.cfg.placement {
        Placement::Fixed(_) if panic.is_some() && target.cfg.wq_cpus > 1 => {
            Some(format!("{} CPUs, placement {} of {}: {}", target.cfg.wq_cpus, ran, runs.len(), target.cfg.placement))
        }
        _ => cpus_text(&target.cfg, opts.explorer, ran, runs.len(), &c.placed),
    };
    if let Some(p) = c.progress.take() {
        p.finish_and_clear();
    }
    let mut failure = panic.map(|msg| failure_of(&mut c, &target, opts, msg, schedule));
    // A deferred lock-order report leaves the exploration complete.
    let completed = exhausted && failure.is_none();
    if failure.is_none() {
        if let Some((execution, r)) = c.deferred.take() {
            let text = r.to_string();
            failure = Some(Failure {
                property: Property::LockOrder.to_string(),
                kind: FailureKind::LockOrder,
                message: format!(
                    "{} (first seen in execution {execution}; none of the {} executions deadlocked)",
                    r.kind.title(),
                    c.started
                ),
                execution,
                blocked: Vec::new(),
                trace: String::new(),
                token: String::new(),
                lockdep: Some(text),
            });
        }
    }
    if let Some(obs) = c.failed().current.clone().filter(|_| failure.is_some()) {
        let steps = obs.with(|o| o.calls);
        c.max_steps = c.max_steps.max(steps);
    }
    let stats = Stats {
        explorer: opts.explorer.name().into(),
        mode: target.cfg.mode.name().into(),
        executions: c.started,
        exhausted: completed,
        bound,
        max_steps: c.max_steps,
        distinct_lock_orders: c.orders.len(),
        seconds,
        cpus,
    };
    Ok(Exploration {
        stats,
        outcomes: std::mem::take(&mut c.outcomes),
        graph: std::mem::take(&mut c.graph),
        failure,
        unconverted: std::mem::take(&mut c.unconverted),
        first: c.first.take(),
    })
}

/// Builds the counterexample of a failed run from what the collector kept.
fn failure_of(c: &mut Collector, target: &Target, opts: &ExploreOptions, msg: String, schedule: Schedule) -> Failure {
    let failed = c.failed();
    let obs =
        failed.current.as_ref().map(|o| o.with(|o| (o.trace.clone(), o.violations.clone(), o.recorder.waiting())));
    let (trace, violations, waiting) = obs.unwrap_or_default();
    let blocked: Vec<Waiting> = waiting;
    let (property, kind, message, lockdep) = if let Some(r) = failed.raised.take() {
        r
    } else if let Some(v) = violations.first() {
        (v.property.to_string(), FailureKind::of(v), v.to_string(), None)
    } else {
        match runtime_stop(&msg) {
            (FailureKind::Deadlock, detector) => {
                let (p, what) = rtnl_model::machine::hang_property(&blocked);
                (p.to_string(), FailureKind::of_hang(p), format!("{what} ({detector})"), None)
            }
            (FailureKind::StepBound, first) => {
                let p = Property::AllRefsReleased.to_string();
                (p, FailureKind::StepBound, format!("step bound exceeded: {first}"), None)
            }
            (kind, first) => ("model panic".into(), kind, first, None),
        }
    };
    let execution = c.started.saturating_sub(1);
    let token = ReplayToken {
        scenario: target.script.name.clone(),
        script: target.source.clone(),
        cfg: target.cfg.clone(),
        explorer: opts.explorer,
        schedule,
    }
    .encode();
    let trace = rtnl_model::machine::format_trace(&trace, target.cfg.trace_all);
    Failure { property, kind, message, execution, blocked, trace, token, lockdep }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Runs the explorer; returns the panic message if it failed, the schedule to replay it, what
/// bounded the run and whether the space was exhausted.
#[allow(unused_variables)]
fn run_explorer(
    target: &Arc<Target>,
    opts: &ExploreOptions,
    col: &Arc<Mutex<Collector>>,
) -> (Option<String>, Schedule, Option<String>, bool) {
    match opts.explorer {
        Explorer::Std => {
            let mut panic = None;
            for _ in 0..opts.iterations.max(1) {
                panic = quietly(|| body(target, col));
                if panic.is_some() {
                    break;
                }
            }
            (panic, Schedule::Std, Some(format!("{} real-thread runs", opts.iterations.max(1))), false)
        }
        #[cfg(rtnl_loom)]
        Explorer::Loom => backends::loom_run(target, opts, col),
        #[cfg(rtnl_shuttle)]
        Explorer::Shuttle | Explorer::Pct => backends::shuttle_run(target, opts, col),
        #[cfg(rtnl_shuttle)]
        Explorer::Dpor if opts.shortest => dpor_scheduler::run_shortest(target, opts, col),
        #[cfg(rtnl_shuttle)]
        Explorer::Dpor => dpor_scheduler::run(target, opts, col),
        #[allow(unreachable_patterns)]
        _ => unreachable!("explore() checked availability"),
    }
}

#[cfg(any(rtnl_loom, rtnl_shuttle))]
pub(crate) mod backend_api {
    //! What the backend-specific runners need from this module.
    pub(crate) use super::{body, quietly, Collector};
    #[cfg(rtnl_shuttle)]
    pub(crate) use super::{caught, set_worker};
}

/// The mode list a `--mode` value stands for.
pub fn modes(arg: &str) -> Result<Vec<Mode>, String> {
    match arg {
        "both" => Ok(Mode::BOTH.to_vec()),
        "all" => Ok(Mode::ALL.to_vec()),
        m => Ok(vec![m.parse().map_err(|e: String| format!("{e}, both or all"))?]),
    }
}

/// Replays a token's execution. `Ok(Some(failure))` when it failed again as recorded,
/// `Ok(None)` when it passed (only possible for real-thread tokens).
pub fn replay(token: &ReplayToken) -> Result<Option<Failure>, String> {
    replay_recording(token, false).map(|(f, _)| f)
}

/// One execution re-run with the model's timeline recorded (see `EventKind`), for a picture.
#[derive(Debug)]
pub struct Recorded {
    /// Every event, the timeline's among them, in order.
    pub events: Vec<Event>,
    pub failure: Option<Failure>,
}

/// [`replay`], recording the timeline.
pub fn replay_timeline(token: &ReplayToken) -> Result<Recorded, String> {
    let (failure, events) = replay_recording(token, true)?;
    Ok(Recorded { events, failure })
}

/// The first execution of `explore(target, opts)` again (every explorer starts from the same
/// schedule whatever the budget), with every call traced and the timeline recorded.
pub fn first_timeline(target: &Target, opts: &ExploreOptions) -> Result<Recorded, String> {
    let opts = ExploreOptions { max_executions: Some(1), iterations: 1, progress: false, ..opts.clone() };
    let target = Target { cfg: Config { trace_all: true, ..target.cfg.clone() }, ..target.clone() };
    let ex = explore_recording(&target, &opts, true)?;
    let events = ex.first.map(|r| r.trace).unwrap_or_default();
    Ok(Recorded { events, failure: ex.failure })
}

fn replay_recording(token: &ReplayToken, timeline: bool) -> Result<(Option<Failure>, Vec<Event>), String> {
    let script = crate::scenario::parse_script(&token.scenario, &token.script).map_err(|e| e.to_string())?;
    // A replay shows every model function; tracing does not change scheduling.
    let cfg = Config { trace_all: true, ..token.cfg.clone() };
    let target = Arc::new(Target { script, source: token.script.clone(), cfg });
    if !token.explorer.available() {
        return Err(format!(
            "this token replays under {}; this binary has the {} backend",
            token.explorer.backend(),
            rtnl_model::sync::BACKEND
        ));
    }
    let col = Arc::new(Mutex::new(Collector { timeline, ..Collector::default() }));
    let panic = match &token.schedule {
        Schedule::Std => quietly(|| body(&target, &col)),
        #[cfg(rtnl_loom)]
        s @ Schedule::Loom { .. } => backends::loom_replay(&target, s, &col),
        #[cfg(rtnl_shuttle)]
        s @ Schedule::Shuttle { .. } if token.explorer == Explorer::Dpor => dpor_scheduler::replay(&target, s, &col),
        #[cfg(rtnl_shuttle)]
        s @ Schedule::Shuttle { .. } => backends::shuttle_replay(&target, s, &col),
        #[allow(unreachable_patterns)]
        _ => return Err("the token's schedule does not match its explorer".into()),
    };
    let opts = ExploreOptions { explorer: token.explorer, ..ExploreOptions::default() };
    let mut c = col.lock().unwrap_or_else(|p| p.into_inner());
    let events = if timeline {
        c.running().current.as_ref().map(|o| o.with(|o| o.trace.clone())).unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok((panic.map(|msg| failure_of(&mut c, &target, &opts, msg, token.schedule.clone())), events))
}

#[cfg(test)]
mod tests {
    use super::{runtime_stop, FailureKind};

    /// The runtimes' own words (loom 0.7, shuttle 0.9).
    #[test]
    fn runtime_stops_are_read_from_their_panic_text() {
        let kind = |m: &str| runtime_stop(m).0;
        assert_eq!(runtime_stop("deadlock; threads = [..]"), (FailureKind::Deadlock, "loom: no thread can run".into()));
        assert_eq!(kind("deadlock! blocked tasks: [main (task 0)]"), FailureKind::Deadlock);
        assert_eq!(kind("Model exceeded maximum number of branches. This is often caused"), FailureKind::StepBound);
        assert_eq!(kind("exceeded max_steps bound 200000. this might be"), FailureKind::StepBound);
        assert_eq!(kind("index out of bounds"), FailureKind::ModelPanic);
    }
}
