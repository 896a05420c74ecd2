//! Optimality and soundness on tiny programs: a brute-force enumerator runs every
//! interleaving, groups the maximal ones into Mazurkiewicz classes (by their happens-before
//! order over dependent steps), and DPOR must run exactly one execution per class and reach
//! the same final states, deadlocks included.

use super::{Dpor, DporStats, Op, OpKind, Step};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const MUTEX: u64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ins {
    Lock(u8),
    Unlock(u8),
    Load(u8),
    Store(u8, u8),
    /// `fetch_add(1)`, its old value read.
    Add(u8),
    /// A store the explorer is not told about: an `Unknown` step.
    Opaque(u8, u8),
    /// `lock_when`: lock the mutex once its guarded value is this one (an `Await` step, enabled
    /// only then).
    LockWhen(u8, u8),
    /// Set the mutex's guarded value and unlock it (an `Unlock` step).
    UnlockSet(u8, u8),
    /// Start the next thread not started yet (a `Spawn` of it): a program's last threads, one
    /// per `Spawn` in it, begin unstarted. As in shuttle, ids go in spawn order: which spawn
    /// starts which thread depends on the interleaving.
    Spawn,
}

impl Ins {
    fn op(self) -> Op {
        match self {
            Ins::Lock(m) => Op::new(OpKind::Lock, MUTEX + m as u64),
            Ins::LockWhen(m, _) => Op::new(OpKind::Await, MUTEX + m as u64),
            Ins::Unlock(m) | Ins::UnlockSet(m, _) => Op::new(OpKind::Unlock, MUTEX + m as u64),
            Ins::Load(x) => Op::new(OpKind::Load, x as u64),
            Ins::Store(x, _) => Op::new(OpKind::Store, x as u64),
            Ins::Add(x) => Op::new(OpKind::Rmw, x as u64),
            Ins::Opaque(..) => Op::UNKNOWN,
            // The child is filled in by `State::op`, as the scheduler does.
            Ins::Spawn => Op::new(OpKind::Spawn, 0),
        }
    }

    /// The dependence the classes are defined by: exact, with unlock dependent with lock.
    fn true_op(self) -> Op {
        match self {
            Ins::Opaque(x, _) => Op::new(OpKind::Store, x as u64),
            i => i.op(),
        }
    }
}

type Prog = Vec<Vec<Ins>>;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct State {
    pc: Vec<usize>,
    /// Three variables, then the two mutexes' guarded values.
    vars: [u8; 5],
    held: [Option<usize>; 2],
    reads: Vec<Vec<u8>>,
    started: Vec<bool>,
}

/// What an execution ends with: variables, values each thread read, blocked threads.
type Final = ([u8; 5], Vec<Vec<u8>>, Vec<usize>);

impl State {
    fn new(p: &Prog) -> State {
        let spawns = p.iter().flatten().filter(|i| matches!(i, Spawn)).count().min(p.len() - 1);
        let started = (0..p.len()).map(|t| t < p.len() - spawns).collect();
        State { pc: vec![0; p.len()], vars: [0; 5], held: [None; 2], reads: vec![Vec::new(); p.len()], started }
    }

    fn next(&self, p: &Prog, t: usize) -> Option<Ins> {
        p[t].get(self.pc[t]).copied()
    }

    /// Started and not finished.
    fn live(&self, p: &Prog, t: usize) -> bool {
        self.started[t] && self.next(p, t).is_some()
    }

    /// The thread a spawn now would start (past the last thread: none is left).
    fn next_child(&self) -> usize {
        self.started.iter().position(|s| !s).unwrap_or(self.started.len())
    }

    /// Thread `t`'s next step as the explorer is told it.
    fn op(&self, p: &Prog, t: usize) -> Op {
        match self.next(p, t).expect("a live thread has a next instruction") {
            Spawn => Op::new(OpKind::Spawn, self.next_child() as u64),
            i => i.op(),
        }
    }

    fn enabled(&self, p: &Prog, t: usize) -> bool {
        if !self.started[t] {
            return false;
        }
        match self.next(p, t) {
            None => false,
            Some(Ins::Lock(m)) => self.held[m as usize].is_none(),
            Some(Ins::LockWhen(m, v)) => self.held[m as usize].is_none() && self.vars[3 + m as usize] == v,
            Some(_) => true,
        }
    }

    fn step(&mut self, p: &Prog, t: usize) {
        match self.next(p, t).expect("an enabled thread has a next instruction") {
            Ins::Lock(m) | Ins::LockWhen(m, _) => self.held[m as usize] = Some(t),
            Ins::Unlock(m) => {
                assert_eq!(self.held[m as usize], Some(t));
                self.held[m as usize] = None;
            }
            Ins::UnlockSet(m, v) => {
                assert_eq!(self.held[m as usize], Some(t));
                self.vars[3 + m as usize] = v;
                self.held[m as usize] = None;
            }
            Ins::Load(x) => self.reads[t].push(self.vars[x as usize]),
            Ins::Store(x, v) | Ins::Opaque(x, v) => self.vars[x as usize] = v,
            Ins::Add(x) => {
                // fetch_add: the old value is what the thread sees, so two adds' order shows.
                self.reads[t].push(self.vars[x as usize]);
                self.vars[x as usize] = self.vars[x as usize].wrapping_add(1);
            }
            Ins::Spawn => {
                let child = self.next_child();
                if let Some(c) = self.started.get_mut(child) {
                    *c = true;
                }
            }
        }
        self.pc[t] += 1;
    }

    fn blocked(&self, p: &Prog) -> Vec<usize> {
        (0..p.len()).filter(|&t| self.live(p, t)).collect()
    }

    fn fin(&self, p: &Prog) -> Final {
        (self.vars, self.reads.clone(), self.blocked(p))
    }
}

/// A Mazurkiewicz class: the ordered pairs of dependent steps of different threads, each step
/// named by its thread and its index in that thread.
type Class = BTreeSet<((usize, usize), (usize, usize))>;

fn class_of(p: &Prog, order: &[usize]) -> Class {
    let mut pc = vec![0; p.len()];
    let named: Vec<((usize, usize), Op)> = order
        .iter()
        .map(|&t| {
            pc[t] += 1;
            ((t, pc[t] - 1), p[t][pc[t] - 1].true_op())
        })
        .collect();
    let mut class = Class::new();
    for (i, (a, oa)) in named.iter().enumerate() {
        for (b, ob) in &named[i + 1..] {
            if a.0 != b.0 && oa.dependent(*ob) {
                class.insert((*a, *b));
            }
        }
    }
    class
}

/// Every maximal interleaving: its class and final state.
fn brute_force(p: &Prog) -> (BTreeMap<Class, BTreeSet<Final>>, u64) {
    fn go(p: &Prog, s: &State, order: &mut Vec<usize>, out: &mut BTreeMap<Class, BTreeSet<Final>>, n: &mut u64) {
        let en: Vec<usize> = (0..p.len()).filter(|&t| s.enabled(p, t)).collect();
        if en.is_empty() {
            *n += 1;
            out.entry(class_of(p, order)).or_default().insert(s.fin(p));
            return;
        }
        for t in en {
            let mut s2 = s.clone();
            s2.step(p, t);
            order.push(t);
            go(p, &s2, order, out, n);
            order.pop();
        }
    }
    let mut out = BTreeMap::new();
    let mut n = 0;
    go(p, &State::new(p), &mut Vec::new(), &mut out, &mut n);
    (out, n)
}

/// Runs DPOR on `p`: the class and final state of every execution it ran to the end.
fn dpor(p: &Prog, bound: Option<usize>) -> (Vec<(Class, Final)>, DporStats) {
    let mut d = Dpor::new(bound);
    let mut runs = Vec::new();
    run_worker(p, &mut d, &mut |r| runs.push(r));
    (runs, d.stats())
}

/// Runs the executions worker `d` claims, handing each one's class and final state to `out`.
fn run_worker(p: &Prog, d: &mut Dpor, out: &mut dyn FnMut((Class, Final))) {
    let mut n = 0;
    while d.begin() {
        let mut s = State::new(p);
        let mut order = Vec::new();
        // As the facade does: each mutex's guarded value as created and after each release,
        // and each wait's verdict on every version so far as the thread reaches it.
        super::report::clear();
        let mut versions: Vec<Vec<u8>> = vec![vec![0]; 2];
        let reach = |s: &State, t: usize, versions: &[Vec<u8>]| {
            if let Some(LockWhen(m, v)) = s.next(p, t) {
                super::report::record_verdicts(t, versions[m as usize].iter().map(|g| *g == v).collect());
            }
        };
        for t in 0..p.len() {
            reach(&s, t, &versions);
        }
        loop {
            let en: Vec<Step> = (0..p.len()).filter(|&t| s.enabled(p, t)).map(|t| Step::new(t, s.op(p, t))).collect();
            if en.is_empty() {
                let blocked: Vec<Step> = s.blocked(p).into_iter().map(|t| Step::new(t, s.op(p, t))).collect();
                d.end(&blocked);
                out((class_of(p, &order), s.fin(p)));
                break;
            }
            let disabled: Vec<Step> =
                (0..p.len()).filter(|&t| s.live(p, t) && !s.enabled(p, t)).map(|t| Step::new(t, s.op(p, t))).collect();
            let Some(t) = d.choose(&en, &disabled) else { break };
            s.step(p, t);
            if let Some(Unlock(m) | UnlockSet(m, _)) = p[t].get(s.pc[t] - 1) {
                versions[*m as usize].push(s.vars[3 + *m as usize]);
            }
            reach(&s, t, &versions);
            order.push(t);
        }
        n += 1;
        assert!(n < 100_000, "runaway exploration");
    }
}

/// DPOR on `jobs` threads sharing one exploration tree.
fn dpor_parallel(p: &Prog, jobs: usize) -> (Vec<(Class, Final)>, DporStats) {
    let root = Dpor::new(None);
    root.parallel();
    let runs = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let mut d = root.worker();
            let runs = &runs;
            s.spawn(move || run_worker(p, &mut d, &mut |r| runs.lock().expect("runs").push(r)));
        }
    });
    (runs.into_inner().expect("runs"), root.stats())
}

/// DPOR runs exactly one execution per class, and sees every final state. With `lock_when`
/// it may also start executions it abandons (sleep-set blocked): a wait is not persistent, and
/// a reversal that moves a thread to its wait from before it cannot tell whether the condition
/// will hold there.
fn check_optimal(p: &Prog) -> (usize, u64, DporStats) {
    let (classes, interleavings) = brute_force(p);
    let (runs, stats) = dpor(p, None);
    let seen: BTreeSet<&Class> = runs.iter().map(|(c, _)| c).collect();
    assert_eq!(seen.len(), runs.len(), "DPOR ran two executions of one class: {p:?}\n{stats:?}");
    assert_eq!(runs.len(), classes.len(), "DPOR executions vs classes: {p:?}\n{stats:?}");
    let want: BTreeSet<&Final> = classes.values().flatten().collect();
    let got: BTreeSet<&Final> = runs.iter().map(|(_, f)| f).collect();
    assert_eq!(got, want, "final states differ: {p:?}");
    for (c, f) in &runs {
        assert!(classes[c].contains(f), "a class with two final states? {p:?}");
    }
    if !p.iter().flatten().any(|i| matches!(i, LockWhen(..))) {
        assert_eq!(stats.sleep_blocked, 0, "sleep-set blocked: {p:?}\n{stats:?}");
    }
    assert_eq!(stats.nondeterministic, 0);
    (classes.len(), interleavings, stats)
}

use Ins::*;

/// Two threads each start one of the last two (which one depends on the order of the spawns,
/// which do not commute); those write one variable that the spawners' stores race with.
#[test]
fn dpor_spawns_are_ordered_and_start_their_children() {
    let p = vec![vec![Spawn, Store(0, 1)], vec![Spawn, Store(0, 2)], vec![Store(0, 3)], vec![Load(0)]];
    let (classes, interleavings, stats) = check_optimal(&p);
    assert!(classes > 2 && (interleavings as usize) > classes, "{classes} {interleavings} {stats:?}");
}

#[test]
fn dpor_independent_threads_run_once() {
    let p = vec![vec![Store(0, 1), Load(0)], vec![Store(1, 1), Load(1)], vec![Load(2), Load(2)]];
    let (classes, interleavings, _) = check_optimal(&p);
    assert_eq!((classes, interleavings), (1, 90));
}

#[test]
fn dpor_reads_commute_writes_do_not() {
    let p = vec![vec![Load(0), Store(0, 1)], vec![Load(0), Store(0, 2)]];
    let (classes, _, _) = check_optimal(&p);
    // Both loads before both stores in either store order (2), or one thread's load-store
    // before the other's load (2): each ordering of the dependent pairs that is realisable.
    assert_eq!(classes, 4);
}

#[test]
fn dpor_lock_protected_counter() {
    let t = vec![Lock(0), Load(0), Store(0, 1), Unlock(0)];
    let (classes, interleavings, _) = check_optimal(&vec![t.clone(), t.clone(), t]);
    assert_eq!((classes, interleavings), (6, 6));
}

#[test]
fn dpor_four_threads() {
    // Each reader before or after the writer: 2^3 classes of the 4! interleavings.
    let p = vec![vec![Store(0, 1)], vec![Load(0)], vec![Load(0)], vec![Load(0)]];
    assert_eq!(check_optimal(&p).0, 8);
    // Four critical sections on one mutex: one class per order of acquisition.
    let t = vec![Lock(0), Add(0), Unlock(0)];
    let (classes, interleavings, _) = check_optimal(&vec![t.clone(), t.clone(), t.clone(), t]);
    assert_eq!((classes, interleavings), (24, 24));
}

#[test]
fn dpor_fetch_adds_race() {
    // Each fetch_add returns the other's effect or not: two classes, two final states. Taking
    // two RMWs of one atomic as independent (a dependence bug) would run one.
    let (classes, interleavings, _) = check_optimal(&vec![vec![Add(0)], vec![Add(0)]]);
    assert_eq!((classes, interleavings), (2, 2));
}

#[test]
fn dpor_reversal_takes_steps_after_the_race() {
    // Reversing 3:Rmw(1) and 2:Load(1) must also move 2:Store(0) before 0:Store(0), steps that
    // come after the race: a reversal that stopped at the race's second step lost one of the
    // 12 classes.
    let p = vec![vec![Store(0, 1)], vec![Load(2), Load(2)], vec![Load(1), Store(0, 1)], vec![Store(2, 1), Add(1)]];
    assert_eq!(check_optimal(&p).0, 12);
}

#[test]
fn dpor_blocking_lock_and_racy_store() {
    let p = vec![vec![Lock(0), Store(0, 1), Unlock(0), Store(1, 1)], vec![Store(1, 2), Lock(0), Load(0), Unlock(0)]];
    check_optimal(&p);
}

#[test]
fn dpor_finds_the_lock_order_deadlock() {
    let p = vec![vec![Lock(0), Lock(1), Unlock(1), Unlock(0)], vec![Lock(1), Lock(0), Unlock(0), Unlock(1)]];
    let (classes, _, stats) = check_optimal(&p);
    assert_eq!(classes, 3);
    assert_eq!(stats.deadlocks, 1);
}

#[test]
fn dpor_thread_holding_a_lock_at_exit() {
    // Thread 0 never unlocks: thread 1 blocks for ever unless it goes first.
    let p = vec![vec![Lock(0), Store(0, 1)], vec![Lock(0), Load(0), Unlock(0)]];
    let (classes, _, stats) = check_optimal(&p);
    assert_eq!((classes, stats.deadlocks), (2, 1));
}

#[test]
fn dpor_unknown_steps_are_dependent_with_all() {
    let p = vec![vec![Opaque(0, 1), Load(1)], vec![Store(1, 2), Load(0)]];
    let (runs, stats) = dpor(&p, None);
    let (classes, _) = brute_force(&p);
    let want: BTreeSet<&Final> = classes.values().flatten().collect();
    let got: BTreeSet<&Final> = runs.iter().map(|(_, f)| f).collect();
    assert_eq!(got, want);
    assert!(runs.len() >= classes.len(), "{stats:?}");
}

#[test]
fn dpor_preemption_bound_zero_runs_threads_one_after_another() {
    let p = vec![vec![Store(0, 1), Load(0)], vec![Store(0, 2), Load(0)]];
    let (runs, _) = dpor(&p, Some(0));
    assert_eq!(runs.len(), 2);
    let (all, _) = dpor(&p, None);
    assert!(all.len() > 2);
}

#[test]
fn dpor_lock_when_waits_as_one_step() {
    // A flush (thread 1) waits until the worker (thread 0) has set the guarded value: one class.
    // As a lock, a check and a condvar wait, the flush checking before the worker's section and
    // after it would be two classes with one outcome.
    let p = vec![vec![Lock(0), Add(0), UnlockSet(0, 1)], vec![LockWhen(0, 1), Load(0), Unlock(0)]];
    let (classes, interleavings, stats) = check_optimal(&p);
    assert_eq!((classes, interleavings, stats.executions), (1, 1, 1));
    // Two flushers and a worker: the flushers' order is the only choice left.
    let p = vec![
        vec![Lock(0), Add(0), UnlockSet(0, 1)],
        vec![LockWhen(0, 1), Load(0), Unlock(0)],
        vec![Store(1, 1), LockWhen(0, 1), Load(0), Unlock(0)],
    ];
    assert_eq!(check_optimal(&p).0, 2);
}

#[test]
fn dpor_lock_when_judged_on_earlier_versions() {
    // The race of the worker's lock and the flush's wait would move the flush's store and wait
    // before the worker's section, where the value was still 0: the flush judged that version
    // when it began to wait, so the reversal is dropped instead of run and found infeasible.
    let p = vec![vec![Lock(0), Add(0), UnlockSet(0, 1)], vec![Store(1, 1), LockWhen(0, 1), Unlock(0)]];
    let (classes, _, stats) = check_optimal(&p);
    assert_eq!((classes, stats.executions, stats.infeasible, stats.sleep_blocked), (1, 1, 0, 0), "{stats:?}");
}

#[test]
fn dpor_lock_when_never_ready_is_a_deadlock() {
    // The worker sets the value the flusher does not wait for: the flusher waits for ever.
    let p = vec![vec![Lock(0), UnlockSet(0, 2)], vec![LockWhen(0, 1), Unlock(0)]];
    let (classes, _, stats) = check_optimal(&p);
    assert_eq!((classes, stats.deadlocks), (1, 1));
}

/// A tiny thread: accesses over three variables and critical sections over two mutexes, nested
/// in either order (so deadlocks happen), some entered by `lock_when` and left setting the
/// mutex's guarded value (so waits that never end happen too), and spawns of later threads.
fn thread() -> impl Strategy<Value = Vec<Ins>> {
    let access =
        prop_oneof![(0u8..3).prop_map(Load), (0u8..3, 1u8..3).prop_map(|(x, v)| Store(x, v)), (0u8..3).prop_map(Add),];
    let block = prop_oneof![
        3 => access.clone().prop_map(|a| vec![a]),
        2 => (0u8..2, proptest::collection::vec(access.clone(), 0..2))
            .prop_map(|(m, body)| [vec![Lock(m)], body, vec![Unlock(m)]].concat()),
        1 => (0u8..2, access.clone()).prop_map(|(m, a)| vec![Lock(m), Lock(1 - m), a, Unlock(1 - m), Unlock(m)]),
        2 => (0u8..2, 0u8..2, 0u8..2, proptest::collection::vec(access.clone(), 0..2)).prop_map(|(m, when, set, body)| {
            let first = if when == 0 { Lock(m) } else { LockWhen(m, when) };
            [vec![first], body, vec![UnlockSet(m, set)]].concat()
        }),
        1 => Just(vec![Spawn]),
    ];
    proptest::collection::vec(block, 1..3).prop_map(|b| b.concat())
}

fn small_program() -> impl Strategy<Value = Prog> {
    proptest::collection::vec(thread(), 2..5).prop_filter("small enough to enumerate", |p| {
        let n: usize = p.iter().map(Vec::len).sum();
        n <= if p.len() == 4 { 10 } else { 11 }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn dpor_matches_brute_force_classes(p in small_program()) {
        check_optimal(&p);
    }

    /// Workers sharing one tree reach every class and every final state. Which worker takes
    /// which branch depends on timing, so a class may run twice (the count is not pinned).
    /// One worker under the same rule (Source-DPOR) is the deterministic case of it.
    #[test]
    fn parallel_dpor_reaches_every_class(p in small_program(), jobs in 1usize..5) {
        let (classes, _) = brute_force(&p);
        let (runs, stats) = dpor_parallel(&p, jobs);
        let seen: BTreeSet<&Class> = runs.iter().map(|(c, _)| c).collect();
        let want: BTreeSet<&Class> = classes.keys().collect();
        prop_assert_eq!(seen, want, "{:?}", stats);
        let finals: BTreeSet<&Final> = runs.iter().map(|(_, f)| f).collect();
        let want: BTreeSet<&Final> = classes.values().flatten().collect();
        prop_assert_eq!(finals, want);
        prop_assert_eq!(stats.executions as usize, runs.len());
    }

    /// With unreported (`Unknown`) steps DPOR is no longer optimal but stays sound.
    #[test]
    fn dpor_with_unknown_steps_is_sound(p in small_program(), hide in proptest::collection::vec(any::<bool>(), 12)) {
        let mut k = 0;
        let p: Prog = p.into_iter().map(|t| t.into_iter().map(|i| {
            k += 1;
            match i { Store(x, v) if hide[k % 12] => Opaque(x, v), i => i }
        }).collect()).collect();
        let (classes, _) = brute_force(&p);
        let (runs, stats) = dpor(&p, None);
        let want: BTreeSet<&Final> = classes.values().flatten().collect();
        let got: BTreeSet<&Final> = runs.iter().map(|(_, f)| f).collect();
        prop_assert_eq!(got, want);
        let seen: BTreeSet<&Class> = runs.iter().map(|(c, _)| c).collect();
        prop_assert_eq!(seen.len(), classes.len(), "{:?}", stats);
    }
}
