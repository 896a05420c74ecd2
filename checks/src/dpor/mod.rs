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
//! deadlock's other orders are reversed too. An [`OpKind::Await`] (`RawMutex::lock_when`) is a
//! lock that is enabled only while its condition holds, and not persistent: the rules that keep
//! the search complete with it are at `awaits_in_vain`, `unready_before`, `await_windows`
//! and `end_asleep` (docs/dpor.md, "Waits as one step"). With `--preemptions N` the exploration is cut:
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
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;
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

impl DporStats {
    /// Adds one worker's counters of an execution (races are counted in the tree directly).
    fn add(&mut self, l: &DporStats) {
        self.executions += l.executions;
        self.deadlocks += l.deadlocks;
        self.sleep_blocked += l.sleep_blocked;
        self.bounded += l.bounded;
        self.infeasible += l.infeasible;
        self.nondeterministic += l.nondeterministic;
        self.max_depth = self.max_depth.max(l.max_depth);
    }
}

/// A state the current execution created, not yet in the shared tree: the one before `step`.
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

/// A state of the exploration tree, shared by the workers of one exploration. It lives while
/// something is left to explore from it or below it.
#[derive(Debug)]
struct TreeNode {
    parent: Option<u64>,
    depth: usize,
    /// The step from the parent that reached this state.
    via: Option<Step>,
    enabled: Vec<Step>,
    /// The sleep set the state was created with.
    sleep: Vec<Step>,
    /// Every step taken from this state so far, explored or under way. A sibling started by
    /// another worker counts as explored: its subtree will be, whoever finishes it.
    taken: Vec<Step>,
    wut: WakeupTree,
    /// Preemptions of the steps that reached this state.
    preemptions: usize,
    live_children: usize,
    /// Executions claimed from this state and not yet ended.
    active: usize,
}

/// The exploration tree and counters of one exploration, behind a mutex: workers take it once
/// when an execution begins (to claim a branch) and once when it ends (to insert its races).
#[derive(Debug, Default)]
struct Tree {
    nodes: FxHashMap<u64, TreeNode>,
    next_id: u64,
    started: bool,
    /// Every execution explored.
    done: bool,
    /// A worker failed, or a limit was reached: no more executions begin.
    stopped: bool,
    /// Executions begun and not yet ended.
    in_flight: usize,
    begun: u64,
    max_executions: Option<u64>,
    deadline: Option<Instant>,
    /// Insert races as source sets (Source-DPOR) rather than into wakeup trees: the rule of
    /// several workers (`Dpor::parallel`).
    source_sets: bool,
    stats: DporStats,
}

/// What a worker claims from the tree: the path to replay and the wakeup subtree to follow.
struct Claim {
    path: Vec<(u64, Step, usize)>,
    sleep: Vec<Step>,
    sub: WakeupTree,
}

impl Tree {
    fn prunable(n: &TreeNode) -> bool {
        n.wut.is_empty() && n.live_children == 0 && n.active == 0
    }

    /// Removes `id` and then its ancestors, as long as nothing is left to explore from them.
    fn prune_up(&mut self, mut id: u64) {
        while let Some(n) = self.nodes.get(&id).filter(|n| Tree::prunable(n)) {
            let parent = n.parent;
            self.nodes.remove(&id);
            let Some(p) = parent else { break };
            if let Some(pn) = self.nodes.get_mut(&p) {
                pn.live_children -= 1;
            }
            id = p;
        }
    }

    /// Takes the next branch of `id`'s wakeup tree that is enabled and within the bound.
    fn claim_at(&mut self, id: u64, bound: Option<usize>) -> Option<Claim> {
        let node = self.nodes.get_mut(&id)?;
        let mut found = None;
        let (mut infeasible, mut bounded) = (0, 0);
        while let Some((s, sub)) = node.wut.pop_first() {
            let Some(now) = node.enabled.iter().find(|e| e.tid == s.tid).copied() else {
                infeasible += 1;
                continue;
            };
            let prev = node.via.map(|v| v.tid);
            let preempt = prev.is_some_and(|p| p != now.tid && node.enabled.iter().any(|e| e.tid == p));
            let preemptions = node.preemptions + preempt as usize;
            if bound.is_some_and(|b| preemptions > b) {
                bounded += 1;
                continue;
            }
            if self.source_sets && node.sleep.iter().any(|q| q.tid == now.tid) {
                // Source-DPOR adds a race's first step even when it sleeps here; an ancestor's
                // branch covers it.
                continue;
            }
            node.taken.push(now);
            node.active += 1;
            found = Some((now, preemptions, sub));
            break;
        }
        self.stats.infeasible += infeasible;
        self.stats.bounded += bounded;
        let Some((step, preemptions, sub)) = found else {
            self.prune_up(id);
            return None;
        };
        let node = &self.nodes[&id];
        let sleep = node.sleep.iter().chain(&node.taken).copied().collect();
        let mut path = vec![(id, step, preemptions)];
        let (mut child, mut up) = (node, node.parent);
        while let Some(p) = up {
            let pn = &self.nodes[&p];
            let via = child.via.expect("a node below the root has a step from its parent");
            path.push((p, via, child.preemptions));
            (child, up) = (pn, pn.parent);
        }
        path.reverse();
        self.in_flight += 1;
        self.begun += 1;
        Some(Claim { path, sleep, sub })
    }
}

#[derive(Debug, Default)]
struct Shared {
    tree: Mutex<Tree>,
    /// Signalled when a worker ends an execution: new branches, or the end of the search.
    work: Condvar,
}

/// One worker of an exploration. Per execution: [`begin`](Dpor::begin), then
/// [`choose`](Dpor::choose) at each schedule point until it returns `None` (abandoned) or no
/// thread is enabled, then [`end`](Dpor::end) with the blocked threads. [`Dpor::worker`] makes
/// another worker of the same exploration, for another thread: each execution claims a branch
/// of the shared tree (its own last path's deepest first, as a sequential search backtracks,
/// else the shallowest anywhere), so one worker explores exactly what the sequential search
/// does, and several explore disjoint branches. A branch a worker adds where another is
/// under way is checked against the steps taken there (explored or under way), as the
/// sequential search checks the sleep set.
#[derive(Debug, Default)]
pub struct Dpor {
    shared: Arc<Shared>,
    bound: Option<usize>,
    /// The claimed states of the current execution, in the tree: id, the step taken there,
    /// and the preemptions up to and including it.
    path: Vec<(u64, Step, usize)>,
    /// The claimed (last) state's sleep set and taken steps, for the first new state.
    claim_sleep: Vec<Step>,
    /// The states the current execution created after its path.
    nodes: Vec<Node>,
    /// The current execution's position: states passed so far.
    pos: usize,
    /// The wakeup subtree handed to the next new node.
    pending: Option<WakeupTree>,
    /// An execution is under way (begun and neither ended nor abandoned).
    running: bool,
    /// The tree ids of the last execution's states, to backtrack depth-first.
    last: Vec<u64>,
    /// Counters of the current execution, added to the tree's when it ends.
    local: DporStats,
    /// Preemptions of the last execution when it ended or was abandoned (a scheduler runs an
    /// abandoned execution on to its end without preempting, and may see it fail).
    ended_with: usize,
}

impl Dpor {
    /// `preemption_bound`: at most this many preemptions per execution (`None`: exhaustive).
    pub fn new(preemption_bound: Option<usize>) -> Dpor {
        Dpor { bound: preemption_bound, ..Dpor::default() }
    }

    /// Another worker of this exploration.
    pub fn worker(&self) -> Dpor {
        Dpor { shared: self.shared.clone(), ..Dpor::new(self.bound) }
    }

    fn tree(&self) -> MutexGuard<'_, Tree> {
        self.shared.tree.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// No execution begins after this many have begun, or after this instant.
    pub fn limit(&self, max_executions: Option<u64>, deadline: Option<Instant>) {
        let mut t = self.tree();
        t.max_executions = max_executions;
        t.deadline = deadline;
    }

    /// Several workers will share this exploration: races are inserted as source sets. With
    /// wakeup trees, a race found in one branch may hand a sequence to a sibling branch (one
    /// whose sleep set hides the race from its own executions); when another worker has that
    /// branch under way, the sequence cannot be handed over, and its class would be lost.
    /// Source-DPOR hands over only a first step, and a branch already taken finds its races
    /// itself: sound in any order of exploration, at the price of some redundant
    /// (sleep-blocked) executions. Call before the first execution.
    pub fn parallel(&self) {
        self.tree().source_sets = true;
    }

    /// Stops the exploration: no worker begins another execution.
    pub fn stop(&self) {
        self.tree().stopped = true;
        self.shared.work.notify_all();
    }

    /// The exploration's counters, all workers together.
    pub fn stats(&self) -> DporStats {
        self.tree().stats.clone()
    }

    /// Starts the next execution; `false` when the exploration is complete, stopped, or at a
    /// limit. An execution still under way is ended first, with no blocked threads (shuttle
    /// ends executions without asking its scheduler). With several workers, waits while the
    /// others' executions may still add branches.
    pub fn begin(&mut self) -> bool {
        if self.running {
            self.end(&[]);
        }
        let shared = self.shared.clone();
        let mut tree = shared.tree.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let over = tree.max_executions.is_some_and(|n| tree.begun >= n)
                || tree.deadline.is_some_and(|d| Instant::now() >= d);
            if over && !tree.done {
                tree.stopped = true;
                shared.work.notify_all();
            }
            if tree.done || tree.stopped {
                return false;
            }
            let claim = if tree.started {
                self.claim(&mut tree)
            } else {
                tree.started = true;
                tree.in_flight += 1;
                tree.begun += 1;
                Some(Claim { path: Vec::new(), sleep: Vec::new(), sub: WakeupTree::default() })
            };
            if let Some(c) = claim {
                self.path = c.path;
                self.claim_sleep = c.sleep;
                self.pending = Some(c.sub);
                self.nodes.clear();
                self.pos = 0;
                self.running = true;
                return true;
            }
            if tree.in_flight == 0 {
                tree.done = true;
                shared.work.notify_all();
                return false;
            }
            tree = shared.work.wait(tree).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The deepest branch left on this worker's last path, else the shallowest anywhere (the
    /// largest piece of work for a worker that has none).
    fn claim(&mut self, tree: &mut Tree) -> Option<Claim> {
        for &id in self.last.iter().rev() {
            if let Some(c) = tree.claim_at(id, self.bound) {
                return Some(c);
            }
        }
        let mut open: Vec<(usize, u64)> =
            tree.nodes.iter().filter(|(_, n)| !n.wut.is_empty()).map(|(&id, n)| (n.depth, id)).collect();
        open.sort_unstable();
        open.into_iter().find_map(|(_, id)| tree.claim_at(id, self.bound))
    }

    /// Adds the counters of the execution under way (one that failed: it never ends) to the
    /// exploration's.
    pub fn flush(&mut self) {
        let l = std::mem::take(&mut self.local);
        self.tree().stats.add(&l);
    }

    /// Whether every execution has been explored.
    pub fn finished(&self) -> bool {
        self.tree().done
    }

    /// The step taken at position `i` of the current execution, and the preemptions up to and
    /// including it.
    fn at(&self, i: usize) -> (Step, usize) {
        match self.path.get(i) {
            Some(&(_, s, p)) => (s, p),
            None => {
                let n = &self.nodes[i - self.path.len()];
                (n.step, n.preemptions)
            }
        }
    }

    /// Preemptions of the current execution so far (of the last one, once it ended).
    pub fn preemptions(&self) -> usize {
        if !self.running {
            return self.ended_with;
        }
        self.pos.checked_sub(1).map_or(0, |p| self.at(p).1)
    }

    /// The steps of the current execution so far.
    pub fn trace(&self) -> Vec<Step> {
        (0..self.pos).map(|i| self.at(i).0).collect()
    }

    /// The thread to run next among `enabled` (each with the operation it is about to perform;
    /// not empty); `disabled`: the unfinished threads that cannot run now, each with the step it
    /// waits to perform. `None`: abandon this execution (it is redundant or over the bound).
    pub fn choose(&mut self, enabled: &[Step], disabled: &[Step]) -> Option<Tid> {
        debug_assert!(!enabled.is_empty());
        let i = self.pos;
        if i < self.path.len() {
            // Replaying the path to the claimed branch.
            let want = self.path[i].1;
            match enabled.iter().find(|s| s.tid == want.tid) {
                Some(s) => {
                    if s.op != want.op {
                        self.local.nondeterministic += 1;
                        self.path[i].1.op = s.op;
                    }
                }
                None => {
                    self.local.nondeterministic += 1;
                    self.abandon();
                    return None;
                }
            }
            self.pos += 1;
            return Some(want.tid);
        }
        let (sleep, prev_tid, prev_pre) = match i.checked_sub(1) {
            None => (Vec::new(), None, 0),
            Some(p) => {
                let (step, pre) = self.at(p);
                let sleep =
                    if p < self.path.len() { &self.claim_sleep } else { &self.nodes[p - self.path.len()].sleep };
                let awake = sleep.iter().copied().filter(|q| q.tid != step.tid && !q.op.dependent(step.op)).collect();
                (awake, Some(step.tid), pre)
            }
        };
        let preempts = |t: Tid| prev_tid.is_some_and(|p| p != t && enabled.iter().any(|s| s.tid == p));
        let mut wut = self.pending.take().unwrap_or_default();
        let mut chosen = None;
        while let Some((s, sub)) = wut.pop_first() {
            let Some(now) = enabled.iter().find(|e| e.tid == s.tid) else {
                self.local.infeasible += 1;
                continue;
            };
            if self.bound.is_some_and(|b| prev_pre + preempts(s.tid) as usize > b) {
                self.local.bounded += 1;
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
                            self.local.bounded += 1;
                        } else {
                            self.local.sleep_blocked += 1;
                            if disabled.iter().any(|s| s.op.kind == OpKind::Await) {
                                self.end_asleep(disabled);
                                return None;
                            }
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
        self.local.max_depth = self.local.max_depth.max(self.pos);
        Some(step.tid)
    }

    /// The current execution reached a state where no thread is enabled; `blocked`: the
    /// threads that have not finished, each with the operation it waits to perform.
    pub fn end(&mut self, blocked: &[Step]) {
        if !self.running {
            return;
        }
        self.nodes.truncate(self.pos.saturating_sub(self.path.len()));
        self.local.executions += 1;
        if !blocked.is_empty() {
            self.local.deadlocks += 1;
        }
        let trace = self.trace();
        let reversals = races(&trace, blocked);
        self.finish(&trace, reversals);
    }

    /// Ends an execution whose every enabled thread sleeps while an `Await` waits: its races,
    /// with the waits, are reversed as at an end. An `Await` is not persistent (the step that
    /// enabled it may be followed by one that disables it for good), and a class reachable only
    /// by running it before that step would be lost with the abandoned execution.
    fn end_asleep(&mut self, disabled: &[Step]) {
        self.nodes.truncate(self.pos.saturating_sub(self.path.len()));
        let trace = self.trace();
        let reversals = races(&trace, disabled);
        self.finish(&trace, reversals);
    }

    /// Drops the rest of the current execution without race detection.
    fn abandon(&mut self) {
        self.nodes.truncate(self.pos.saturating_sub(self.path.len()));
        let trace = self.trace();
        self.finish(&trace, Vec::new());
    }

    /// Puts the current execution's new states into the tree, inserts the reversals of its
    /// races, and releases its branch.
    fn finish(&mut self, trace: &[Step], mut reversals: Vec<(usize, Vec<Step>)>) {
        self.ended_with = self.preemptions();
        self.running = false;
        let shared = self.shared.clone();
        let mut tree = shared.tree.lock().unwrap_or_else(|p| p.into_inner());
        let mut ids: Vec<u64> = self.path.iter().map(|p| p.0).collect();
        let first_new = self.path.len();
        let before: Vec<usize> =
            (0..self.nodes.len()).map(|k| (first_new + k).checked_sub(1).map_or(0, |p| self.at(p).1)).collect();
        for (k, n) in self.nodes.drain(..).enumerate() {
            let depth = first_new + k;
            let id = tree.next_id;
            tree.next_id += 1;
            let parent = ids.last().copied();
            if let Some(pn) = parent.and_then(|p| tree.nodes.get_mut(&p)) {
                pn.live_children += 1;
            }
            tree.nodes.insert(
                id,
                TreeNode {
                    parent,
                    depth,
                    via: depth.checked_sub(1).map(|p| trace[p]),
                    enabled: n.enabled,
                    sleep: n.sleep,
                    taken: vec![n.step],
                    wut: n.wut,
                    preemptions: before[k],
                    live_children: 0,
                    active: 0,
                },
            );
            ids.push(id);
        }
        if let Some(b) = self.bound {
            reversals.extend(bounded_reversals(&tree, &ids, trace, &reversals, b));
        }
        for (c, v) in reversals {
            let own = trace[c].tid;
            let source_sets = tree.source_sets;
            let Some(node) = tree.nodes.get_mut(&ids[c]) else { continue };
            // A sequence whose first step cannot run here explores nothing, and as a branch of
            // the wakeup tree it would cover sequences that can.
            if !node.enabled.iter().any(|e| e.tid == v[0].tid) || awaits_in_vain(&node.enabled, trace[c], &v) {
                continue;
            }
            if source_sets {
                // Source-DPOR: nothing to do if an initial of `v` is taken or pending here;
                // else its first step becomes a branch.
                let initial = |q: &Step| wakeup::initial(q.tid, &v);
                if node.taken.iter().chain(node.wut.firsts()).any(initial) {
                    continue;
                }
                node.wut.push(v[0]);
                tree.stats.races += 1;
                continue;
            }
            let covered = node.sleep.iter().chain(node.taken.iter().filter(|q| q.tid != own));
            if covered.into_iter().any(|q| wakeup::weak_initial(*q, &v)) {
                continue;
            }
            if node.wut.insert(v) {
                tree.stats.races += 1;
            }
        }
        if let Some(&(claimed, ..)) = self.path.last() {
            if let Some(n) = tree.nodes.get_mut(&claimed) {
                n.active -= 1;
            }
        }
        tree.in_flight -= 1;
        if let Some(&leaf) = ids.last() {
            tree.prune_up(leaf);
        }
        tree.stats.add(&std::mem::take(&mut self.local));
        self.last = ids;
        shared.work.notify_all();
    }
}

/// Whether the reversal `v` of a race whose first step is `first` ends with an acquisition that
/// could not have run there: its thread was already at it (it has no other step in `v`), the
/// mutex was free (`first` locks it), and yet the thread was not `enabled`, so it waited for a
/// `lock_when` condition that did not hold. The steps of `v` before it commute with `first`, so
/// none touches the mutex or the data its condition reads: it would still not hold after them.
/// Plain acquisitions never match (a free mutex enables them).
fn awaits_in_vain(enabled: &[Step], first: Step, v: &[Step]) -> bool {
    let Some(&last) = v.last() else { return false };
    last.op.kind == OpKind::Await
        && matches!(first.op.kind, OpKind::Lock | OpKind::Await)
        && first.op.obj == last.op.obj
        && !enabled.iter().any(|e| e.tid == last.tid)
        && v.iter().filter(|q| q.tid == last.tid).count() == 1
}

/// The races of one execution (plus the pending steps of `blocked` threads), each as the
/// position of its first step and the sequence that reverses it.
fn races(trace: &[Step], blocked: &[Step]) -> Vec<(usize, Vec<Step>)> {
    let (hb, mut found) = HappensBefore::new(trace, blocked);
    found.extend(await_windows(trace, blocked, &found));
    found.retain(|&(c, j, s)| !unready_before(trace, c, j, s));
    found.sort_by_key(|&(c, j, _)| (j, c));
    found
        .into_iter()
        .map(|(c, j, step)| {
            // notdep(e, E).e': every step after e in the execution (before e' and after it)
            // that does not happen after e, then e'. Stopping at e' loses classes: a step
            // after e' that commutes with e must come before e' in the reversal (a
            // four-thread toy program shows it; Abdulla et al. define notdep over all of E).
            let rt = trace[c].tid;
            let local = hb.local[c];
            let mut v: Vec<Step> =
                (c + 1..trace.len()).filter(|&x| x != j && hb.clock_of(x, rt) < local).map(|x| trace[x]).collect();
            v.push(step);
            (c, v)
        })
        .collect()
}

/// Whether `s`, an `Await` at `j` (`trace.len()` if pending) racing with the acquisition of its
/// mutex at `c`, could not have run just before `c`: its condition did not hold of the mutex's
/// data there (the version after the releases before `c`), as its thread judged every version
/// when it began to wait (`report::ready_at`; unknown for a mutex that is not awaitable). A
/// reversal puts only steps that commute with `c` before the `Await`, and none of them touches
/// the mutex, so the condition would not hold there either.
fn unready_before(trace: &[Step], c: usize, j: usize, s: Step) -> bool {
    let e = trace[c];
    if s.op.kind != OpKind::Await || !matches!(e.op.kind, OpKind::Lock | OpKind::Await) || e.op.obj != s.op.obj {
        return false;
    }
    let version = trace[..c].iter().filter(|x| x.op == Op::new(OpKind::Unlock, s.op.obj)).count();
    let k = trace[..j].iter().filter(|x| x.tid == s.tid && x.op.kind == OpKind::Await).count();
    report::ready_at(s.tid, k, version) == Some(false)
}

/// For each `Await` (run, or pending in `blocked`), every acquisition of its mutex by another
/// thread while it was waiting, besides the race with the last one: an `Await` is not
/// persistent, so the last acquisition may be one before which it could not run
/// (`unready_before`, or `awaits_in_vain` in `finish`, drops that reversal), while an earlier
/// one left a window where it could. Reversing only the
/// last race would never reach that window.
fn await_windows(trace: &[Step], blocked: &[Step], found: &[(usize, usize, Step)]) -> Vec<(usize, usize, Step)> {
    let steps = trace.iter().enumerate().map(|(j, &s)| (j, s)).chain(blocked.iter().map(|&s| (trace.len(), s)));
    let mut more = Vec::new();
    for (j, s) in steps.filter(|(_, s)| s.op.kind == OpKind::Await) {
        for c in (0..j).rev().take_while(|&c| trace[c].tid != s.tid) {
            let e = trace[c];
            let locks = matches!(e.op.kind, OpKind::Lock | OpKind::Await) && e.op.obj == s.op.obj;
            if locks && !found.iter().any(|&(fc, fj, _)| (fc, fj) == (c, j)) {
                more.push((c, j, s));
            }
        }
    }
    more
}

/// Under a preemption bound, a reversal over the bound is also tried where the preempted
/// thread's run began, where switching costs less (as in CHESS and loom): conservative, still
/// incomplete.
fn bounded_reversals(
    tree: &Tree,
    ids: &[u64],
    trace: &[Step],
    reversals: &[(usize, Vec<Step>)],
    bound: usize,
) -> Vec<(usize, Vec<Step>)> {
    let mut more = Vec::new();
    for (c, v) in reversals {
        let first = v[0];
        let Some(node) = tree.nodes.get(&ids[*c]) else { continue };
        let Some(run) = node.via.map(|s| s.tid) else { continue };
        let cost = node.preemptions + (run != first.tid && node.enabled.iter().any(|e| e.tid == run)) as usize;
        if cost > bound {
            let start = (0..*c).rev().find(|&x| x == 0 || trace[x - 1].tid != run).unwrap_or(0);
            if start < *c && tree.nodes.get(&ids[start]).is_some_and(|n| n.enabled.iter().any(|e| e.tid == first.tid)) {
                more.push((start, vec![first]));
            }
        }
    }
    more
}

/// Happens-before of one execution by vector clocks, built in one pass: a step's clock and
/// its races need only the steps before it. Clocks are rows of one flat array (per thread,
/// how many of its steps happen before or are this one).
struct HappensBefore<'a> {
    trace: &'a [Step],
    threads: usize,
    clocks: Vec<u32>,
    /// 1-based index of each step among its thread's steps (the clock value it sets).
    local: Vec<u32>,
    /// Per thread, its last step so far.
    last: Vec<Option<usize>>,
    /// Per object, per thread: its last access of the object, and its last write.
    objects: FxHashMap<u64, Accesses>,
    /// Per thread, its last step of unknown operation.
    last_unknown: Vec<Option<usize>>,
    /// Per thread, the step that spawned it.
    spawned_by: Vec<Option<usize>>,
    /// Per thread, its last spawn (spawns are ordered among themselves: task ids).
    spawns: Vec<(Tid, usize)>,
    /// Per condvar, its notifies in order.
    notifies: FxHashMap<u64, Vec<usize>>,
    /// Per thread and mutex, its last acquisition.
    last_lock: FxHashMap<(Tid, u64), usize>,
}

#[derive(Default)]
struct Accesses {
    any: Vec<(Tid, usize)>,
    write: Vec<(Tid, usize)>,
}

fn set_last(v: &mut Vec<(Tid, usize)>, t: Tid, j: usize) {
    match v.iter_mut().find(|e| e.0 == t) {
        Some(e) => e.1 = j,
        None => v.push((t, j)),
    }
}

/// Whether `k` can be dependent with steps of other threads on its object (the others are
/// edges, or commute: `Op::dependent`).
fn on_object(k: OpKind) -> bool {
    matches!(
        k,
        OpKind::Lock
            | OpKind::Await
            | OpKind::Probe
            | OpKind::Unlock
            | OpKind::Notify
            | OpKind::Load
            | OpKind::Store
            | OpKind::Rmw
    )
}

impl<'a> HappensBefore<'a> {
    /// The clocks of `trace` and its races, each as the position of the race's first step and
    /// the position of its second (`trace.len()` for a pending step of `blocked`).
    fn new(trace: &'a [Step], blocked: &[Step]) -> (Self, Vec<(usize, usize, Step)>) {
        let threads = trace.iter().chain(blocked).map(|s| s.tid + 1).max().unwrap_or(0);
        let mut hb = HappensBefore {
            trace,
            threads,
            clocks: Vec::with_capacity(trace.len() * threads),
            local: Vec::with_capacity(trace.len()),
            last: vec![None; threads],
            objects: FxHashMap::default(),
            last_unknown: vec![None; threads],
            spawned_by: vec![None; threads],
            spawns: Vec::new(),
            notifies: FxHashMap::default(),
            last_lock: FxHashMap::default(),
        };
        let mut races = Vec::new();
        for (j, &s) in trace.iter().enumerate() {
            let mut c = hb.clock_and_races(j, s, &mut races);
            let local = hb.last[s.tid].map_or(0, |p| hb.local[p]) + 1;
            c[s.tid] = local;
            hb.clocks.extend_from_slice(&c);
            hb.local.push(local);
            hb.record(j, s);
        }
        for &s in blocked {
            hb.clock_and_races(trace.len(), s, &mut races);
        }
        (hb, races)
    }

    /// The clock of step `s` at `j` (its own entry not yet set) from the steps before it, and
    /// its races, added to `races`.
    fn clock_and_races(&self, j: usize, s: Step, races: &mut Vec<(usize, usize, Step)>) -> Vec<u32> {
        let deps = self.dependences(s);
        let base = self.base_clock(j, s);
        self.races_of(j, s, &deps, &base, races);
        let mut c = base;
        for &(_, d) in &deps {
            self.join(&mut c, d);
        }
        c
    }

    fn clock(&self, x: usize) -> &[u32] {
        &self.clocks[x * self.threads..(x + 1) * self.threads]
    }

    /// How many of thread `t`'s steps happen before (or are) step `x`.
    fn clock_of(&self, x: usize, t: Tid) -> u32 {
        self.clock(x)[t]
    }

    fn join(&self, c: &mut [u32], x: usize) {
        for (a, b) in c.iter_mut().zip(self.clock(x)) {
            *a = (*a).max(*b);
        }
    }

    /// Notes step `j` in the per-thread and per-object tables.
    fn record(&mut self, j: usize, s: Step) {
        self.last[s.tid] = Some(j);
        match s.op.kind {
            OpKind::Unknown => self.last_unknown[s.tid] = Some(j),
            OpKind::Spawn => {
                if let Some(e) = self.spawned_by.get_mut(s.op.obj as usize) {
                    *e = Some(j);
                }
                set_last(&mut self.spawns, s.tid, j);
            }
            _ => {}
        }
        if s.op.kind == OpKind::Notify {
            self.notifies.entry(s.op.obj).or_default().push(j);
        }
        // A probe that found the mutex free took it until its unlock (one that failed has none).
        if matches!(s.op.kind, OpKind::Lock | OpKind::Await | OpKind::Probe) {
            self.last_lock.insert((s.tid, s.op.obj), j);
        }
        if on_object(s.op.kind) {
            let a = self.objects.entry(s.op.obj).or_default();
            set_last(&mut a.any, s.tid, j);
            if s.op.kind != OpKind::Load {
                set_last(&mut a.write, s.tid, j);
            }
        }
    }

    /// The clock a step at `j` inherits besides its dependences: its thread's previous step,
    /// the spawn of its thread, the end of a joined thread, the notify that woke a waiter.
    fn base_clock(&self, j: usize, s: Step) -> Vec<u32> {
        let mut c = vec![0; self.threads];
        let prev = self.last[s.tid];
        match prev {
            Some(p) => self.join(&mut c, p),
            None => {
                if let Some(x) = self.spawned_by[s.tid] {
                    self.join(&mut c, x);
                }
            }
        }
        if s.op.kind == OpKind::Join {
            if let Some(x) = self.last.get(s.op.obj as usize).copied().flatten() {
                self.join(&mut c, x);
            }
        }
        if s.op.kind == OpKind::Wait {
            // Woken by the first notify of the condvar after the thread began waiting.
            let waiting_since = prev.map_or(0, |p| p + 1);
            if let Some(ns) = self.notifies.get(&s.op.obj) {
                if let Some(&x) = ns.get(ns.partition_point(|&x| x < waiting_since)).filter(|&&x| x < j) {
                    self.join(&mut c, x);
                }
            }
        }
        c
    }

    /// For each other thread, its last step so far dependent with `s`.
    fn dependences(&self, s: Step) -> Vec<(Tid, usize)> {
        let mut deps: Vec<(Tid, usize)> = Vec::new();
        let mut see = |t: Tid, x: usize| {
            if t != s.tid {
                match deps.iter_mut().find(|e| e.0 == t) {
                    Some(e) => e.1 = e.1.max(x),
                    None => deps.push((t, x)),
                }
            }
        };
        if s.op.kind == OpKind::Unknown {
            for (t, x) in self.last.iter().enumerate() {
                if let Some(x) = x {
                    see(t, *x);
                }
            }
            return deps;
        }
        for (t, x) in self.last_unknown.iter().enumerate() {
            if let Some(x) = x {
                see(t, *x);
            }
        }
        if s.op.kind == OpKind::Spawn {
            for &(t, x) in &self.spawns {
                see(t, x);
            }
        }
        if on_object(s.op.kind) {
            if let Some(a) = self.objects.get(&s.op.obj) {
                let prior = if s.op.kind == OpKind::Load { &a.write } else { &a.any };
                for &(t, x) in prior {
                    see(t, x);
                }
            }
        }
        deps
    }

    /// The steps `c` such that `c, s` (the step at `j`, possibly virtual) is a reversible race,
    /// given `s`'s dependences and the clock it inherits besides them (`base_clock`).
    fn races_of(&self, j: usize, s: Step, deps: &[(Tid, usize)], base: &[u32], out: &mut Vec<(usize, usize, Step)>) {
        for &(t, d) in deps {
            let mut c = d;
            let ds = self.trace[d];
            if matches!(s.op.kind, OpKind::Lock | OpKind::Await)
                && ds.op.kind == OpKind::Unlock
                && ds.op.obj == s.op.obj
            {
                // The unlock enabled this lock; the reversible race is with the acquisition
                // that unlock released.
                let Some(&l) = self.last_lock.get(&(t, s.op.obj)) else { continue };
                c = l;
            }
            let local = self.local[c];
            let through_other = base[t] >= local || deps.iter().any(|&(u, e)| u != t && self.clock(e)[t] >= local);
            if !through_other {
                out.push((c, j, s));
            }
        }
    }
}
