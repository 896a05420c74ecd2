//! The explorers that need a model built for their backend: loom under `--cfg rtnl_loom`,
//! shuttle (random and PCT) under `--cfg rtnl_shuttle`.

#![allow(clippy::disallowed_types)] // Harness bookkeeping, outside the model.

use super::backend_api::{body, quietly, Collector};
use super::{ExploreOptions, Target};
use crate::token::Schedule;
use std::sync::{Arc, Mutex};

type RunResult = (Option<String>, Schedule, Option<String>, bool);

#[cfg(rtnl_loom)]
pub(crate) fn loom_run(target: &Arc<Target>, opts: &ExploreOptions, col: &Arc<Mutex<Collector>>) -> RunResult {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = opts.preemptions;
    b.max_branches = opts.max_branches;
    // loom stops before its `max_permutations`-th execution: n + 1 runs n.
    b.max_permutations = opts.max_executions.map(|n| n as usize + 1);
    b.max_duration = opts.max_duration;
    // loom looks at both caps only every `checkpoint_interval` executions (20,000 by default),
    // so without this `--max-executions 100` ran on to 20,000 or to the end of the exploration
    // and was then reported as cut.
    if b.max_permutations.is_some() || b.max_duration.is_some() {
        b.checkpoint_interval = 1;
    }
    let start = std::time::Instant::now();
    // The collector may carry the executions of an earlier placement (`explore::placements`):
    // this run's own count is what loom's replay counts.
    let before = col.lock().unwrap_or_else(|p| p.into_inner()).started;
    let (t, c) = (target.clone(), col.clone());
    let panic = quietly(move || b.check(move || body(&t, &c)));
    let started = col.lock().unwrap_or_else(|p| p.into_inner()).started - before;
    let schedule = Schedule::Loom {
        preemptions: opts.preemptions,
        max_branches: opts.max_branches,
        execution: started.saturating_sub(1),
    };
    let cut_by_count = opts.max_executions.is_some_and(|n| started >= n);
    let cut_by_time = opts.max_duration.is_some_and(|d| start.elapsed() >= d);
    let bound = if cut_by_count {
        Some(format!("stopped after {started} executions (--max-executions)"))
    } else if cut_by_time {
        Some(format!("stopped after {:?} (--max-seconds)", opts.max_duration.unwrap_or_default()))
    } else {
        opts.preemptions.map(|p| format!("preemption bound {p}"))
    };
    (panic, schedule, bound, !cut_by_count && !cut_by_time)
}

/// Replays loom's `execution`-th execution: loom's exploration is deterministic, so the same
/// bounds reach it again; it must be the one that fails.
#[cfg(rtnl_loom)]
pub(crate) fn loom_replay(target: &Arc<Target>, schedule: &Schedule, col: &Arc<Mutex<Collector>>) -> Option<String> {
    let Schedule::Loom { preemptions, max_branches, execution } = schedule else {
        return Some("not a loom schedule".into());
    };
    let mut b = loom::model::Builder::new();
    b.preemption_bound = *preemptions;
    b.max_branches = *max_branches;
    b.max_permutations = Some(*execution as usize + 2);
    b.checkpoint_interval = 1;
    let (t, c) = (target.clone(), col.clone());
    quietly(move || b.check(move || body(&t, &c)))
}

#[cfg(rtnl_shuttle)]
pub(crate) mod recording {
    use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
    use std::sync::{Arc, Mutex};

    /// The seed and the choices of the current execution: a task id, or `None` for a
    /// random-value step.
    pub(crate) type Recorded = Arc<Mutex<(u64, Vec<Option<usize>>)>>;

    /// Wraps a scheduler and keeps the current execution's choices, so a failure can be replayed.
    /// A program that never has two tasks runnable at once has one schedule: after it has run,
    /// the exploration ends (shuttle's PCT asserts otherwise; a random one would repeat it).
    pub(crate) struct Recording<S> {
        pub inner: S,
        pub last: Recorded,
        /// Whether an execution has begun, and whether any so far had a choice to make.
        began: bool,
        chose: bool,
        /// Whether the inner scheduler ends a choice-free exploration itself (DPOR does, and
        /// says it exhausted the space).
        ends_itself: bool,
    }

    impl<S: Scheduler> Recording<S> {
        pub(crate) fn new(inner: S, last: Recorded) -> Self {
            Recording { inner, last, began: false, chose: false, ends_itself: false }
        }

        /// For a scheduler that knows when it has run every schedule (DPOR).
        pub(crate) fn exhaustive(inner: S, last: Recorded) -> Self {
            Recording { ends_itself: true, ..Recording::new(inner, last) }
        }
    }

    impl<S: Scheduler> Scheduler for Recording<S> {
        fn new_execution(&mut self) -> Option<Schedule> {
            if self.began && !self.chose && !self.ends_itself {
                return None;
            }
            self.began = true;
            let s = self.inner.new_execution()?;
            // Cleared, not replaced: the choices of one execution fill the same buffer as the
            // last one's (regrowing it per execution showed in perf as memmove).
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            last.0 = s.seed;
            last.1.clear();
            Some(s)
        }

        fn next_task(&mut self, runnable: &[&Task], current: Option<TaskId>, is_yielding: bool) -> Option<TaskId> {
            self.chose |= runnable.len() > 1;
            let t = self.inner.next_task(runnable, current, is_yielding)?;
            self.last.lock().unwrap_or_else(|p| p.into_inner()).1.push(Some(usize::from(t)));
            Some(t)
        }

        fn next_u64(&mut self) -> u64 {
            self.chose = true;
            self.last.lock().unwrap_or_else(|p| p.into_inner()).1.push(None);
            self.inner.next_u64()
        }
    }
}

#[cfg(rtnl_shuttle)]
pub(crate) fn shuttle_config(opts_max_steps: usize) -> shuttle::Config {
    let mut config = shuttle::Config::new();
    config.stack_size = 1 << 20;
    config.max_steps = shuttle::MaxSteps::FailAfter(opts_max_steps);
    config.failure_persistence = shuttle::FailurePersistence::None;
    config.silence_warnings = true;
    config
}

#[cfg(rtnl_shuttle)]
pub(crate) fn shuttle_run(target: &Arc<Target>, opts: &ExploreOptions, col: &Arc<Mutex<Collector>>) -> RunResult {
    use super::Explorer;
    use shuttle::scheduler::{PctScheduler, RandomScheduler, Scheduler};
    let last: recording::Recorded = Arc::new(Mutex::new((opts.seed, Vec::new())));
    let inner: Box<dyn Scheduler + Send> = match opts.explorer {
        Explorer::Pct => Box::new(PctScheduler::new_from_seed(opts.seed, opts.depth, opts.iterations)),
        _ => {
            Box::new(Undropped(std::mem::ManuallyDrop::new(RandomScheduler::new_from_seed(opts.seed, opts.iterations))))
        }
    };
    let runner = shuttle::Runner::new(recording::Recording::new(inner, last.clone()), shuttle_config(opts.max_steps));
    let (t, c) = (target.clone(), col.clone());
    let panic = quietly(move || {
        runner.run(move || body(&t, &c));
    });
    let (seed, steps) = last.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let what = if opts.explorer == Explorer::Pct { format!("pct depth {}, ", opts.depth) } else { String::new() };
    let bound = Some(format!("{what}{} sampled schedules, seed {}", opts.iterations, opts.seed));
    (panic, Schedule::Shuttle { seed, steps }, bound, false)
}

/// A scheduler never dropped: shuttle's `RandomScheduler`, dropped after a failing execution,
/// prints its seed and how to replay it with shuttle's own API, which is not how a user of
/// this tool replays (the report's token). It leaks a few hundred bytes once per run.
#[cfg(rtnl_shuttle)]
struct Undropped<S>(std::mem::ManuallyDrop<S>);

#[cfg(rtnl_shuttle)]
impl<S: shuttle::scheduler::Scheduler> shuttle::scheduler::Scheduler for Undropped<S> {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        self.0.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        self.0.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

#[cfg(rtnl_shuttle)]
pub(crate) fn shuttle_replay(target: &Arc<Target>, schedule: &Schedule, col: &Arc<Mutex<Collector>>) -> Option<String> {
    let Schedule::Shuttle { seed, steps } = schedule else { return Some("not a shuttle schedule".into()) };
    let mut s = shuttle::scheduler::Schedule::new(*seed);
    for st in steps {
        match st {
            Some(t) => s.push_task(shuttle::scheduler::TaskId::from(*t)),
            None => s.push_random(),
        }
    }
    replay_with(shuttle::scheduler::ReplayScheduler::new_from_schedule(s), target, col)
}

/// One replayed execution of the harness under `sched`, quietly: the panic of a failure.
#[cfg(rtnl_shuttle)]
pub(crate) fn replay_with(
    sched: impl shuttle::scheduler::Scheduler + 'static,
    target: &Arc<Target>,
    col: &Arc<Mutex<Collector>>,
) -> Option<String> {
    let runner = shuttle::Runner::new(sched, shuttle_config(usize::MAX / 2));
    let (t, c) = (target.clone(), col.clone());
    quietly(move || {
        runner.run(move || body(&t, &c));
    })
}
