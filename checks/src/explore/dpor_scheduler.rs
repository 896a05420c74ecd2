//! DPOR over the real model: a shuttle [`Scheduler`] that asks [`Dpor`] which task runs next.
//!
//! Shuttle tells a scheduler only which tasks are runnable, not what each is about to do; the
//! operation comes from the facade's [`report`](super::report) of the task's next step, and a
//! step without one is [`Op::UNKNOWN`], dependent with everything. Until the facade reports,
//! every step is unknown: the exploration is sound, and it runs one execution per distinct
//! interleaving of schedule points (no reduction).
//!
//! Shuttle's random values (`next_u64`) are fixed at 0: DPOR explores schedules, not data.

use super::backends::recording::{Recorded, Recording};
use super::backends::shuttle_config;
use crate::dpor::{report, Dpor, Op, Step};
use crate::explore::backend_api::{body, quietly, Collector};
use crate::explore::{ExploreOptions, Target};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A scheduler sharing its [`Dpor`] with the caller, who reads the statistics afterwards.
#[derive(Debug)]
pub struct DporScheduler {
    pub dpor: Arc<Mutex<Dpor>>,
    /// Stop after this many executions begun, or at this instant.
    pub max_executions: Option<u64>,
    pub deadline: Option<Instant>,
    begun: u64,
    /// Whether a limit stopped the exploration before it was complete.
    pub cut: Arc<AtomicBool>,
}

impl DporScheduler {
    pub fn new(preemption_bound: Option<usize>) -> Self {
        DporScheduler {
            dpor: Arc::new(Mutex::new(Dpor::new(preemption_bound))),
            max_executions: None,
            deadline: None,
            begun: 0,
            cut: Arc::new(AtomicBool::new(false)),
        }
    }

    fn dpor(&self) -> std::sync::MutexGuard<'_, Dpor> {
        self.dpor.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Scheduler for DporScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        report::clear();
        let over =
            self.max_executions.is_some_and(|n| self.begun >= n) || self.deadline.is_some_and(|d| Instant::now() >= d);
        let mut dpor = self.dpor();
        if over {
            // Close the last execution so the statistics count it, then stop.
            dpor.end(&[]);
            self.cut.store(!dpor.finished(), Ordering::Relaxed);
            return None;
        }
        let more = dpor.begin();
        drop(dpor);
        self.begun += u64::from(more);
        more.then(|| Schedule::new(0))
    }

    fn next_task(&mut self, runnable: &[&Task], _current: Option<TaskId>, _is_yielding: bool) -> Option<TaskId> {
        let enabled: Vec<Step> = runnable
            .iter()
            .map(|t| {
                let tid = usize::from(t.id());
                Step::new(tid, report::peek(tid).unwrap_or(Op::UNKNOWN))
            })
            .collect();
        // `None` stops shuttle's execution: it is redundant (every thread asleep) or over the bound.
        let tid = self.dpor().choose(&enabled)?;
        report::take(tid);
        Some(TaskId::from(tid))
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// The `--explorer dpor` run of the harness: the panic of a failing execution, its schedule
/// (a shuttle replay token), what bounded the run, and whether it was exhaustive.
pub(crate) fn run(
    target: &Arc<Target>,
    opts: &ExploreOptions,
    col: &Arc<Mutex<Collector>>,
) -> (Option<String>, crate::token::Schedule, Option<String>, bool) {
    let mut sched = DporScheduler::new(opts.preemptions);
    sched.max_executions = opts.max_executions;
    sched.deadline = opts.max_duration.map(|d| Instant::now() + d);
    let (dpor, cut) = (sched.dpor.clone(), sched.cut.clone());
    let last: Recorded = Arc::new(Mutex::new((0, Vec::new())));
    let runner = shuttle::Runner::new(Recording { inner: sched, last: last.clone() }, shuttle_config(opts.max_steps));
    let (t, c) = (target.clone(), col.clone());
    let panic = quietly(move || {
        runner.run(move || body(&t, &c));
    });
    let (seed, steps) = last.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let d = dpor.lock().unwrap_or_else(|p| p.into_inner());
    let st = &d.stats;
    let cut = cut.load(Ordering::Relaxed);
    let exhaustive = d.finished() && !cut && opts.preemptions.is_none();
    let limit = match (cut, opts.preemptions) {
        (true, _) => "stopped by --max-executions or --max-seconds".to_string(),
        (false, Some(p)) => format!("preemption bound {p} (dpor: not complete within it)"),
        (false, None) if d.finished() => "exhaustive, no bound".to_string(),
        (false, None) => "stopped by a failure".to_string(),
    };
    let bound = format!(
        "{limit}; dpor: {} executions ({} deadlocked, {} sleep-blocked, {} cut by the bound), {} races, longest {} steps{}",
        st.executions,
        st.deadlocks,
        st.sleep_blocked,
        st.bounded,
        st.races,
        st.max_depth,
        if st.nondeterministic > 0 { format!(", {} NONDETERMINISTIC replays", st.nondeterministic) } else { String::new() }
    );
    (panic, crate::token::Schedule::Shuttle { seed, steps }, Some(bound), exhaustive)
}
