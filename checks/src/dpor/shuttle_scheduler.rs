//! DPOR over the real model: a shuttle [`Scheduler`] that asks [`Dpor`] which task runs next.
//!
//! Shuttle tells a scheduler only which tasks are runnable, not what each is about to do; the
//! operation comes from the facade's [`report`](super::report) of the task's next step, and a
//! step without one is [`Op::UNKNOWN`], dependent with everything. Until the facade reports,
//! every step is unknown: the exploration is sound, and it runs one execution per distinct
//! interleaving of schedule points (no reduction).
//!
//! Shuttle's random values (`next_u64`) are fixed at 0: DPOR explores schedules, not data.

use super::{report, Dpor, Op, Step};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::{Arc, Mutex};

/// A scheduler sharing its [`Dpor`] with the caller, who reads the statistics afterwards.
#[derive(Debug)]
pub struct DporScheduler {
    pub dpor: Arc<Mutex<Dpor>>,
}

impl DporScheduler {
    pub fn new(preemption_bound: Option<usize>) -> Self {
        DporScheduler { dpor: Arc::new(Mutex::new(Dpor::new(preemption_bound))) }
    }

    fn dpor(&self) -> std::sync::MutexGuard<'_, Dpor> {
        self.dpor.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Scheduler for DporScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        report::clear();
        self.dpor().begin().then(|| Schedule::new(0))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tasks incrementing a shared counter under a lock, with no reports: every
    /// interleaving of schedule points is explored and the final count is always 2.
    #[test]
    fn dpor_scheduler_explores_a_shuttle_program_to_the_end() {
        let sched = DporScheduler::new(None);
        let dpor = sched.dpor.clone();
        let runs = Arc::new(Mutex::new(0u64));
        let r = runs.clone();
        let runner = shuttle::Runner::new(sched, shuttle::Config::new());
        runner.run(move || {
            let m = Arc::new(shuttle::sync::Mutex::new(0));
            let m2 = m.clone();
            let h = shuttle::thread::spawn(move || *m2.lock().expect("not poisoned") += 1);
            *m.lock().expect("not poisoned") += 1;
            h.join().expect("joined");
            assert_eq!(*m.lock().expect("not poisoned"), 2);
            *r.lock().expect("not poisoned") += 1;
        });
        let d = dpor.lock().expect("not poisoned");
        assert!(d.finished());
        assert_eq!(d.stats.executions, *runs.lock().expect("not poisoned"));
        assert!(d.stats.executions >= 2, "{:?}", d.stats);
    }

    /// A lost wake-up is found: the exploration reaches the order where it deadlocks.
    #[test]
    fn dpor_scheduler_finds_a_deadlock() {
        let sched = DporScheduler::new(None);
        let runner = shuttle::Runner::new(sched, shuttle::Config::new());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runner.run(|| {
                let a = Arc::new(shuttle::sync::Mutex::new(()));
                let b = Arc::new(shuttle::sync::Mutex::new(()));
                let (a2, b2) = (a.clone(), b.clone());
                let h = shuttle::thread::spawn(move || {
                    let _x = b2.lock().expect("not poisoned");
                    let _y = a2.lock().expect("not poisoned");
                });
                {
                    let _x = a.lock().expect("not poisoned");
                    let _y = b.lock().expect("not poisoned");
                }
                h.join().expect("joined");
            })
        }));
        let msg = r.expect_err("the lock-order inversion deadlocks in some order");
        let text = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains("deadlock"), "{text}");
    }
}
