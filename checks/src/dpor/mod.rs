//! Optimal dynamic partial order reduction (Optimal-DPOR), after Abdulla, Aronis, Jonsson and
//! Sagonas, "Optimal Dynamic Partial Order Reduction" (POPL 2014) and "Source Sets: A Foundation
//! for Optimal Dynamic Partial Order Reduction" (JACM 64(4), 2017).
//!
//! A stateless explorer: every execution is replayed from the start, following a schedule chosen
//! here one step at a time ([`Dpor::choose`]), so it can drive any runtime that asks "which
//! thread runs next?" — a toy interpreter in the tests, a shuttle [`Scheduler`](crate::explore::dpor_scheduler)
//! for the model.
//!
//! Terms, over one execution `E` (a sequence of steps; a step is a thread and the operation it
//! performs, see [`Op`]):
//! - **dependent** steps: different threads, the same object, and at least one of them writes
//!   (lock, unlock, wait, notify, store, RMW, spawn, join); an [`OpKind::Unknown`] step is
//!   dependent with every step. Steps of one thread are always ordered (program order).
//! - **happens-before** (`e →hb e'`): the transitive closure of program order and of "`e` comes
//!   before `e'` in `E` and they are dependent" (plus spawn → first step of the child, last
//!   step of a thread → its join, and a condvar's notify → the wake-up it enabled). Executions with the same happens-before are **equivalent**
//!   (one Mazurkiewicz trace); exploring one per class is enough, and optimal is exactly one.
//! - **race**: `e →hb e'` through a direct dependence, with no third step `e''` such that
//!   `e →hb e'' →hb e'`. A race is **reversible** when `e'` could have run before `e`. A lock
//!   acquisition never races with the unlock that enabled it (it could not have run first):
//!   it races with the matching lock acquisition instead, the race that is reversible.
//! - `notdep(e, E)`: the steps after `e` in `E` that are not happens-after `e`. Reversing the
//!   race `e, e'` means exploring `notdep(e, E).e'` from the state just before `e`.
//! - **initials** `I(v)`: threads whose first step in `v` has no happens-before predecessor in
//!   `v`; **weak initials** `WI(v)`: initials, plus threads absent from `v` whose next step is
//!   independent of all of `v`. Such a thread can go first without leaving `v`'s class(es).
//! - **sleep set** of a state: steps already explored (or covered) from it that stay
//!   independent of what ran since; running a sleeping step again would repeat a class.
//! - **wakeup tree** of a state: an ordered tree of step sequences still to explore from it.
//!   A reversed race is inserted as its sequence `v` unless a sleeping thread is a weak initial
//!   of `v` (that class is covered) or an existing leaf already starts an equivalent execution.
//!   Following these sequences, rather than only their first step (source sets), is what
//!   makes the exploration optimal: it never enters a state whose every continuation sleeps.
//!
//! Blocking: a thread waiting for a lock is not enabled; at the end of an execution, each
//! thread still blocked on a lock contributes its pending acquisition as a virtual step, so a
//! deadlock's other orders are reversed too. With `--preemptions N` the exploration is cut:
//! a schedule with more than `N` preemptions is not run, and a reversal over the bound is also
//! tried where the preempted thread's run began (as CHESS and loom do). That is not proven
//! complete with respect to all schedules within the bound, so a bounded run never claims to be.

#![allow(clippy::disallowed_types)] // Explorer bookkeeping, outside the model.

/// The facade's reports (`rtnl_model::sync::dpor_report`).
pub use rtnl_model::sync::dpor_report as report;
#[cfg(test)]
mod tests;
mod wakeup;

pub use rtnl_model::sync::dpor_report::{Op, OpKind};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use wakeup::WakeupTree;

/// A thread of the explored program (shuttle's task id, or an index in a toy program).
pub type Tid = usize;

/// One step: a thread and the operation it performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Step {
    pub tid: Tid,
    pub op: Op,
}

impl Step {
    pub fn new(tid: Tid, op: Op) -> Step {
        Step { tid, op }
    }

    fn dependent(self, other: Step) -> bool {
        self.tid != other.tid && self.op.dependent(other.op)
    }
}

/// Counters of one exploration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DporStats {
    /// Executions run to their end (every thread finished or blocked).
    pub executions: u64,
    /// Of those, executions that ended with threads blocked for ever.
    pub deadlocks: u64,
    /// Executions abandoned because every enabled thread was asleep (redundant; optimal
    /// exploration has none on programs without blocking).
    pub sleep_blocked: u64,
    /// Executions abandoned at the preemption bound.
    pub bounded: u64,
    /// Wakeup-tree steps whose thread was not enabled when reached (a sign of missing
    /// dependence information; the exploration falls back to a free choice).
    pub infeasible: u64,
    /// Races reversed (sequences inserted into wakeup trees).
    pub races: u64,
    /// Replayed steps that did not match the recorded ones (a nondeterministic program).
    pub nondeterministic: u64,
    /// The longest execution, in steps.
    pub max_depth: usize,
}

/// A state of the current execution: the one before its `step`.
#[derive(Debug)]
struct Node {
    enabled: Vec<Step>,
    sleep: Vec<Step>,
    /// Sequences still to explore from this state, besides the current `step`.
    wut: WakeupTree,
    step: Step,
    /// Preemptions up to and including `step`.
    preemptions: usize,
}

/// The explorer's state across executions. Per execution: [`begin`](Dpor::begin), then
/// [`choose`](Dpor::choose) at each schedule point until it returns `None` (abandoned) or no
/// thread is enabled, then [`end`](Dpor::end) with the blocked threads.
#[derive(Debug, Default)]
pub struct Dpor {
    nodes: Vec<Node>,
    /// The current execution's position in `nodes`.
    pos: usize,
    /// The wakeup subtree handed to the next new node.
    pending: Option<WakeupTree>,
    bound: Option<usize>,
    /// An execution is under way (begun and neither ended nor abandoned).
    running: bool,
    started: bool,
    done: bool,
    pub stats: DporStats,
}

impl Dpor {
    /// `preemption_bound`: at most this many preemptions per execution (`None`: exhaustive).
    pub fn new(preemption_bound: Option<usize>) -> Dpor {
        Dpor { bound: preemption_bound, ..Dpor::default() }
    }

    /// Starts the next execution; `false` when the exploration is complete. An execution still
    /// under way is ended first, with no blocked threads (shuttle ends executions without
    /// asking its scheduler).
    pub fn begin(&mut self) -> bool {
        if self.running {
            self.end(&[]);
        }
        if self.done || (self.started && self.nodes.is_empty()) {
            self.done = true;
            return false;
        }
        self.started = true;
        self.running = true;
        self.pos = 0;
        true
    }

    /// Whether every execution has been explored.
    pub fn finished(&self) -> bool {
        self.done
    }

    /// Preemptions of the current execution so far.
    pub fn preemptions(&self) -> usize {
        self.pos.checked_sub(1).and_then(|p| self.nodes.get(p)).map_or(0, |n| n.preemptions)
    }

    /// The steps of the current execution so far.
    pub fn trace(&self) -> Vec<Step> {
        self.nodes[..self.pos].iter().map(|n| n.step).collect()
    }

    /// The thread to run next among `enabled` (each with the operation it is about to perform;
    /// not empty). `None`: abandon this execution (it is redundant or over the bound).
    pub fn choose(&mut self, enabled: &[Step]) -> Option<Tid> {
        debug_assert!(!enabled.is_empty());
        let i = self.pos;
        if i < self.nodes.len() {
            // Replaying the prefix, or taking the branch chosen at backtracking.
            let want = self.nodes[i].step;
            match enabled.iter().find(|s| s.tid == want.tid) {
                Some(s) => {
                    if s.op != want.op {
                        self.stats.nondeterministic += 1;
                        self.nodes[i].step.op = s.op;
                    }
                }
                None => {
                    self.stats.nondeterministic += 1;
                    self.abandon();
                    return None;
                }
            }
            self.pos += 1;
            return Some(want.tid);
        }
        let prev = i.checked_sub(1).map(|p| &self.nodes[p]);
        let sleep = match prev {
            None => Vec::new(),
            Some(p) => p.sleep.iter().copied().filter(|q| q.tid != p.step.tid && !q.op.dependent(p.step.op)).collect(),
        };
        let (prev_tid, prev_pre) = prev.map_or((None, 0), |p| (Some(p.step.tid), p.preemptions));
        let preempts = |t: Tid| prev_tid.is_some_and(|p| p != t && enabled.iter().any(|s| s.tid == p));
        let mut wut = self.pending.take().unwrap_or_default();
        let mut chosen = None;
        while let Some((s, sub)) = wut.pop_first() {
            let Some(now) = enabled.iter().find(|e| e.tid == s.tid) else {
                self.stats.infeasible += 1;
                continue;
            };
            if self.bound.is_some_and(|b| prev_pre + preempts(s.tid) as usize > b) {
                self.stats.bounded += 1;
                continue;
            }
            chosen = Some((*now, sub));
            break;
        }
        let (step, sub) = match chosen {
            Some(c) => c,
            None => {
                // A free choice: any enabled thread not asleep, the running one first (fewer
                // preemptions).
                let awake = |s: &&Step| !sleep.iter().any(|q| q.tid == s.tid);
                let within = |s: &&Step| self.bound.is_none_or(|b| prev_pre + preempts(s.tid) as usize <= b);
                let pick = enabled
                    .iter()
                    .filter(awake)
                    .filter(within)
                    .min_by_key(|s| (Some(s.tid) != prev_tid, s.tid))
                    .copied();
                match pick {
                    Some(s) => (s, WakeupTree::default()),
                    None => {
                        if enabled.iter().any(|s| awake(&s)) {
                            self.stats.bounded += 1;
                        } else {
                            self.stats.sleep_blocked += 1;
                        }
                        self.abandon();
                        return None;
                    }
                }
            }
        };
        let preemptions = prev_pre + preempts(step.tid) as usize;
        self.nodes.push(Node { enabled: enabled.to_vec(), sleep, wut, step, preemptions });
        self.pending = Some(sub);
        self.pos += 1;
        self.stats.max_depth = self.stats.max_depth.max(self.pos);
        Some(step.tid)
    }

    /// The current execution reached a state where no thread is enabled; `blocked`: the
    /// threads that have not finished, each with the operation it waits to perform.
    pub fn end(&mut self, blocked: &[Step]) {
        if !self.running {
            return;
        }
        self.running = false;
        self.nodes.truncate(self.pos);
        self.stats.executions += 1;
        if !blocked.is_empty() {
            self.stats.deadlocks += 1;
        }
        self.detect_races(blocked);
        self.backtrack();
    }

    /// Drops the rest of the current execution without race detection.
    fn abandon(&mut self) {
        self.running = false;
        self.nodes.truncate(self.pos);
        self.backtrack();
    }

    /// Moves to the deepest state with something left to explore, and sets its next step.
    fn backtrack(&mut self) {
        self.pending = None;
        while let Some(k) = self.nodes.len().checked_sub(1) {
            let prev = k.checked_sub(1).map(|p| (self.nodes[p].step.tid, self.nodes[p].preemptions));
            let node = &mut self.nodes[k];
            let done = node.step;
            node.sleep.push(done);
            while let Some((s, sub)) = node.wut.pop_first() {
                let Some(now) = node.enabled.iter().find(|e| e.tid == s.tid).copied() else {
                    self.stats.infeasible += 1;
                    continue;
                };
                let (ptid, ppre) = prev.map_or((None, 0), |(t, p)| (Some(t), p));
                let preempt = ptid.is_some_and(|p| p != now.tid && node.enabled.iter().any(|e| e.tid == p));
                let preemptions = ppre + preempt as usize;
                if self.bound.is_some_and(|b| preemptions > b) {
                    self.stats.bounded += 1;
                    continue;
                }
                node.step = now;
                node.preemptions = preemptions;
                self.pending = Some(sub);
                return;
            }
            self.nodes.pop();
        }
        self.done = true;
    }

    /// Finds the races of the current execution (plus the pending steps of `blocked` threads)
    /// and inserts their reversals into the wakeup trees.
    fn detect_races(&mut self, blocked: &[Step]) {
        let trace: Vec<Step> = self.nodes.iter().map(|n| n.step).collect();
        let hb = HappensBefore::new(&trace);
        let n = trace.len();
        let mut reversals: Vec<(usize, Vec<Step>)> = Vec::new();
        let all = (0..n).map(|j| (j, trace[j])).chain(blocked.iter().map(|s| (n, *s)));
        for (j, step) in all {
            for c in hb.races(j, step) {
                let rt = trace[c].tid;
                let local = hb.local[c];
                let mut v: Vec<Step> = (c + 1..j).filter(|&x| hb.clock[x].get(rt) <= local).map(|x| trace[x]).collect();
                v.push(step);
                reversals.push((c, v));
            }
        }
        if let Some(b) = self.bound {
            // A reversal over the bound is also tried where the preempted thread's run began,
            // where switching costs less (as in CHESS and loom): conservative, still incomplete.
            let mut more = Vec::new();
            for (c, v) in &reversals {
                let first = v[0];
                let prev = c.checked_sub(1).map(|p| &self.nodes[p]);
                let cost = prev.map_or(0, |p| {
                    p.preemptions
                        + (p.step.tid != first.tid && self.nodes[*c].enabled.iter().any(|e| e.tid == p.step.tid))
                            as usize
                });
                if cost > b {
                    let run = self.nodes[*c - 1].step.tid;
                    let start = (0..*c).rev().find(|&x| x == 0 || self.nodes[x - 1].step.tid != run).unwrap_or(0);
                    if start < *c && self.nodes[start].enabled.iter().any(|e| e.tid == first.tid) {
                        more.push((start, vec![first]));
                    }
                }
            }
            reversals.extend(more);
        }
        for (c, v) in reversals {
            let node = &mut self.nodes[c];
            if node.sleep.iter().any(|q| wakeup::weak_initial(*q, &v)) {
                continue;
            }
            if node.wut.insert(v) {
                self.stats.races += 1;
            }
        }
    }
}

/// A vector clock: per thread, how many of its steps happen before (or are) this one.
#[derive(Clone, Debug, Default)]
struct Clock(Vec<u32>);

impl Clock {
    fn get(&self, t: Tid) -> u32 {
        self.0.get(t).copied().unwrap_or(0)
    }

    fn set(&mut self, t: Tid, v: u32) {
        if self.0.len() <= t {
            self.0.resize(t + 1, 0);
        }
        self.0[t] = v;
    }

    fn join(&mut self, o: &Clock) {
        if self.0.len() < o.0.len() {
            self.0.resize(o.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a = (*a).max(*b);
        }
    }
}

/// Happens-before of one execution, by vector clocks.
struct HappensBefore<'a> {
    trace: &'a [Step],
    clock: Vec<Clock>,
    /// 1-based index of each step among its thread's steps (the clock value it sets).
    local: Vec<u32>,
    by_thread: FxHashMap<Tid, Vec<usize>>,
    by_obj: FxHashMap<u64, Vec<usize>>,
    unknown: Vec<usize>,
}

impl<'a> HappensBefore<'a> {
    fn new(trace: &'a [Step]) -> Self {
        let mut hb = HappensBefore {
            trace,
            clock: Vec::with_capacity(trace.len()),
            local: Vec::with_capacity(trace.len()),
            by_thread: FxHashMap::default(),
            by_obj: FxHashMap::default(),
            unknown: Vec::new(),
        };
        for (j, &s) in trace.iter().enumerate() {
            let mut c = hb.base_clock(j, s);
            for d in hb.last_dependent(j, s).into_values() {
                c.join(&hb.clock[d]);
            }
            let local = hb.by_thread.get(&s.tid).map_or(0, |v| v.len()) as u32 + 1;
            c.set(s.tid, local);
            hb.clock.push(c);
            hb.local.push(local);
            hb.by_thread.entry(s.tid).or_default().push(j);
            if s.op.kind == OpKind::Unknown {
                hb.unknown.push(j);
            } else {
                hb.by_obj.entry(s.op.obj).or_default().push(j);
            }
        }
        hb
    }

    /// The clock a step at `j` inherits besides its dependences: its thread's previous step,
    /// the spawn of its thread, the end of a joined thread.
    fn base_clock(&self, j: usize, s: Step) -> Clock {
        let mut c = Clock::default();
        let before = |t: Tid| self.by_thread.get(&t).and_then(|v| v.iter().rev().find(|&&x| x < j)).copied();
        match before(s.tid) {
            Some(p) => c.join(&self.clock[p]),
            None => {
                let spawn = (0..j).rev().find(|&x| {
                    let o = self.trace[x].op;
                    o.kind == OpKind::Spawn && o.obj == s.tid as u64
                });
                if let Some(x) = spawn {
                    c.join(&self.clock[x]);
                }
            }
        }
        if s.op.kind == OpKind::Join {
            if let Some(x) = before(s.op.obj as Tid) {
                c.join(&self.clock[x]);
            }
        }
        if s.op.kind == OpKind::Wait {
            // Woken by the first notify of the condvar after the thread began waiting.
            let waiting_since = before(s.tid).map_or(0, |p| p + 1);
            let woken_by = (waiting_since..j).find(|&x| {
                let o = self.trace[x].op;
                o.kind == OpKind::Notify && o.obj == s.op.obj
            });
            if let Some(x) = woken_by {
                c.join(&self.clock[x]);
            }
        }
        c
    }

    /// For each other thread, its last step before `j` dependent with `s` (steps before `j`
    /// only: `j` may be a virtual step past the end).
    fn last_dependent(&self, j: usize, s: Step) -> FxHashMap<Tid, usize> {
        let mut last: FxHashMap<Tid, usize> = FxHashMap::default();
        let mut see = |x: usize| {
            if x < j && self.trace[x].dependent(s) {
                let e = last.entry(self.trace[x].tid).or_insert(x);
                *e = (*e).max(x);
            }
        };
        if s.op.kind == OpKind::Unknown {
            for (&t, v) in &self.by_thread {
                if t != s.tid {
                    if let Some(&x) = v.iter().rev().find(|&&x| x < j) {
                        see(x);
                    }
                }
            }
        } else {
            for &x in self.by_obj.get(&s.op.obj).into_iter().flatten() {
                see(x);
            }
            for &x in &self.unknown {
                see(x);
            }
        }
        last
    }

    /// The steps `c` such that `c, s` (the step at `j`, possibly virtual) is a reversible race.
    fn races(&self, j: usize, s: Step) -> Vec<usize> {
        let deps = self.last_dependent(j, s);
        let base = self.base_clock(j, s);
        let mut out = Vec::new();
        for (&t, &d) in &deps {
            let mut c = d;
            let ds = self.trace[d];
            if s.op.kind == OpKind::Lock && ds.op.kind == OpKind::Unlock && ds.op.obj == s.op.obj {
                // The unlock enabled this lock; the reversible race is with the acquisition
                // that unlock released.
                let Some(&l) = self.by_thread[&t]
                    .iter()
                    .rev()
                    .find(|&&x| x < d && self.trace[x].op.kind == OpKind::Lock && self.trace[x].op.obj == s.op.obj)
                else {
                    continue;
                };
                c = l;
            }
            let local = self.local[c];
            let through_other =
                base.get(t) >= local || deps.iter().any(|(&u, &e)| u != t && self.clock[e].get(t) >= local);
            if !through_other {
                out.push(c);
            }
        }
        out.sort_unstable();
        out
    }
}
