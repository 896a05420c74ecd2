//! The DPOR explorer on the model. Run with
//! `RUSTFLAGS="--cfg rtnl_shuttle" cargo test --release -p rtnl-checks --target-dir target-shuttle --test suite dpor::`.
//!
//! The shuttle backend of the sync facade reports each step's operation (crate::dpor::report),
//! so steps on different objects commute.

#[cfg(rtnl_shuttle)]
mod tests {
    use rtnl_checks::cli::load;
    use rtnl_checks::dpor::report;
    use rtnl_checks::dpor::OpKind;
    use rtnl_checks::explore::dpor_scheduler::DporScheduler;
    use rtnl_checks::explore::{explore, ExploreOptions, Explorer, Target};
    use rtnl_model::{Config, Mode, Mutant, Outcome};
    use std::collections::BTreeSet;
    use std::path::Path;
    use std::sync::atomic::{AtomicU64 as StdAtomicU64, Ordering};
    use std::sync::Arc;

    const COVER: &str = "scenarios/proofs/cover-letter.sh";

    fn target(path: &str, cfg: Config) -> Target {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let l = load(&p).unwrap_or_else(|e| panic!("{e}"));
        Target { script: l.script, source: l.source, cfg }
    }

    fn dpor(cfg: Config) -> rtnl_checks::explore::Exploration {
        let opts = ExploreOptions { explorer: Explorer::Dpor, preemptions: Some(1), ..ExploreOptions::default() };
        explore(&target(COVER, cfg), &opts).expect("shuttle build")
    }

    /// loom's outcomes on the cover letter, pinned in checks/golden (every device gone).
    fn loom_outcomes() -> BTreeSet<Outcome> {
        loom_outcomes_of("proofs/cover-letter")
    }

    /// loom's outcomes on a corpus scenario (its name under scenarios/, without `.sh`), as
    /// checks/golden pins them.
    fn loom_outcomes_of(name: &str) -> BTreeSet<Outcome> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("golden/outcomes/{name}.json"));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("golden file")).expect("json");
        assert_eq!(v["output"]["explorer"], "loom");
        serde_json::from_value(v["output"]["outcomes"].clone()).expect("outcomes")
    }

    #[test]
    fn dpor_cover_letter_series_reaches_loom_outcomes() {
        let ex = dpor(Config::new(Mode::Series));
        assert!(ex.passed(), "{:#?}", ex.failure);
        assert_eq!(ex.outcomes, loom_outcomes());
        assert_eq!(ex.stats.executions, 7, "the state space or the explorer changed");
        assert!(!ex.stats.exhausted, "a preemption bound is never exhaustive under dpor");
    }

    /// Two concurrent deletes of one veth pair, with no preemption bound: DPOR finishes, with
    /// loom's outcomes, in one execution per class of equivalent interleavings.
    #[test]
    fn dpor_exhausts_a_concurrent_scenario_with_no_bound() {
        let opts = ExploreOptions { explorer: Explorer::Dpor, preemptions: None, ..ExploreOptions::default() };
        let ex = explore(&target("scenarios/veth-concurrent-del-both-ends.sh", Config::new(Mode::Series)), &opts)
            .expect("shuttle build");
        assert!(ex.passed(), "{:#?}", ex.failure);
        assert!(ex.stats.exhausted, "{:?}", ex.stats.bound);
        assert_eq!(ex.outcomes, loom_outcomes_of("veth-concurrent-del-both-ends"));
        assert_eq!(ex.stats.executions, 12, "the state space or the explorer changed");
    }

    /// Two workers sharing one exploration tree (`--jobs 2`): the exhaustive search of the
    /// test above reaches loom's outcomes again (Source-DPOR, so some executions are redundant
    /// and their number depends on timing: bounded, not pinned), and A1 is found within bound 4
    /// with a token that replays the failure.
    #[test]
    fn two_workers_share_one_exploration() {
        let opts = ExploreOptions { explorer: Explorer::Dpor, jobs: 2, ..ExploreOptions::default() };
        let ex = explore(&target("scenarios/veth-concurrent-del-both-ends.sh", Config::new(Mode::Series)), &opts)
            .expect("shuttle build");
        assert!(ex.passed(), "{:#?}", ex.failure);
        assert!(ex.stats.exhausted, "{:?}", ex.stats.bound);
        assert_eq!(ex.outcomes, loom_outcomes_of("veth-concurrent-del-both-ends"));
        assert!((12..=24).contains(&ex.stats.executions), "{}", ex.stats.executions);
        let a1 = target("scenarios/findings/a1-rebroadcast-drains-into-todo.sh", Config::new(Mode::Series));
        let ex = explore(&a1, &ExploreOptions { preemptions: Some(4), ..opts }).expect("shuttle build");
        let f = ex.failure.expect("A1 found");
        assert_eq!(f.property, "S11 todo-empty-at-rtnl-unlock", "{}", f.message);
        assert!(ex.stats.bound.unwrap_or_default().contains("preemption bound 4"));
        let token = rtnl_checks::token::ReplayToken::decode(&f.token).expect("a token");
        let again = rtnl_checks::explore::replay(&token).expect("replays").expect("fails again");
        assert_eq!(again.property, f.property);
    }

    /// Finding A1 needs the waiter to lose the CPU at two points (docs/findings.md). DPOR
    /// reaches it within bound 4 as it does with no bound (docs/dpor.md), in the faithful series
    /// model.
    #[test]
    fn dpor_finds_a1_within_bound_4() {
        let opts = ExploreOptions { explorer: Explorer::Dpor, preemptions: Some(4), ..ExploreOptions::default() };
        let ex =
            explore(&target("scenarios/findings/a1-rebroadcast-drains-into-todo.sh", Config::new(Mode::Series)), &opts)
                .expect("shuttle build");
        let f = ex.failure.expect("A1 found");
        assert_eq!(f.property, "S11 todo-empty-at-rtnl-unlock", "{}", f.message);
        assert!(f.message.contains("[veth5]"), "{}", f.message);
        assert!(!f.token.is_empty(), "a failure keeps its replay token");
    }

    /// `--shortest` climbs the bound from 0: A1 first fails at bound 2, in an execution with 2
    /// preemptions (the waiter loses the CPU at two points), and the failure keeps its token; a scenario with no failure ends where a
    /// bound cuts nothing, exhausted.
    #[test]
    fn shortest_reports_the_fewest_preemptions_and_ends_exhausted_without_a_failure() {
        let opts = ExploreOptions { explorer: Explorer::Dpor, shortest: true, ..ExploreOptions::default() };
        let a1 = target("scenarios/findings/a1-rebroadcast-drains-into-todo.sh", Config::new(Mode::Series));
        let ex = explore(&a1, &opts).expect("shuttle build");
        let f = ex.failure.expect("A1 found");
        assert_eq!(f.property, "S11 todo-empty-at-rtnl-unlock", "{}", f.message);
        assert!(!f.token.is_empty(), "a failure keeps its replay token");
        let bound = ex.stats.bound.unwrap_or_default();
        assert!(
            bound.contains(
                "preemption bounds 0 to 2; the first failure came at bound 2, in an execution with 2 preemption(s)"
            ),
            "{bound}"
        );
        // Capped below A1's bound: no failure, and no claim beyond the cap.
        let capped = ExploreOptions { preemptions: Some(1), ..opts.clone() };
        let ex = explore(&a1, &capped).expect("shuttle build");
        assert!(ex.failure.is_none() && !ex.stats.exhausted);
        assert!(ex.stats.bound.unwrap_or_default().contains("no failure within bound 1"));
        let clean = target("scenarios/veth-concurrent-del-both-ends.sh", Config::new(Mode::Series));
        let ex = explore(&clean, &opts).expect("shuttle build");
        assert!(ex.failure.is_none() && ex.stats.exhausted);
        assert!(ex.stats.bound.unwrap_or_default().contains("cut no execution: exhausted, no bound"));
    }

    /// An execution DPOR abandons (redundant, or over the bound) runs on to its end; its
    /// notifies must still clear a waiter's lost-wake-up mark, or the waiter sleeps for a
    /// wake-up that came and the search reports a deadlock no schedule has. Bound 1 on this
    /// scenario shows one (L5 at execution 26) when draining skips that bookkeeping.
    #[test]
    fn an_abandoned_execution_keeps_its_wakeups() {
        let opts = ExploreOptions { explorer: Explorer::Dpor, preemptions: Some(1), ..ExploreOptions::default() };
        let cfg = Config::new(Mode::Series);
        let ex =
            explore(&target("scenarios/proofs/ipvlan-lower-upper-netns-race.sh", cfg), &opts).expect("shuttle build");
        assert!(ex.passed(), "{:#?}", ex.failure);
        assert!(ex.stats.executions > 26, "{}", ex.stats.executions);
    }

    #[test]
    fn dpor_catches_mutants_on_the_cover_letter() {
        for m in
            ["work-without-rtnl", "work-skips-run-todo", "no-drain-on-unlock", "queue-net-no-work", "leak-netdev-ref"]
        {
            let mutant: Mutant = m.parse().expect("a catalogue mutant");
            let ex = dpor(Config { mutant: Some(mutant), ..Config::new(Mode::Series) });
            let f = ex.failure.unwrap_or_else(|| panic!("{m} survived dpor"));
            assert!(!f.token.is_empty(), "{m}: a failure keeps its replay token");
        }
    }

    /// Every non-equivalent mutant of the catalogue, on its first scenario, is caught by
    /// unbounded DPOR with the property the catalogue names (the driver-probe mutants run
    /// their own harness, which has no DPOR mode).
    #[test]
    fn dpor_catches_every_catalogue_mutant_with_its_property() {
        let opts = ExploreOptions {
            explorer: Explorer::Dpor,
            preemptions: None,
            max_executions: Some(20_000),
            ..ExploreOptions::default()
        };
        let mut checked = 0;
        for m in Mutant::ALL.into_iter().filter(|m| !m.equivalent() && !m.needs_driver_probe()) {
            let ex = explore(
                &target(
                    &format!("scenarios/{}", m.scenarios()[0]),
                    Config { mutant: Some(m), variants: m.requires().to_vec(), ..Config::new(Mode::Series) },
                ),
                &opts,
            )
            .expect("shuttle build");
            let f = ex.failure.unwrap_or_else(|| panic!("{m}: not caught in {} executions", ex.stats.executions));
            assert_eq!(Some(f.property.as_str()), m.breaks().map(|p| p.to_string()).as_deref(), "{m}: {}", f.message);
            // The token replays the failure, a wait that DPOR takes as one step included.
            let token = rtnl_checks::token::ReplayToken::decode(&f.token).expect("a token");
            let again =
                rtnl_checks::explore::replay(&token).expect("replays").unwrap_or_else(|| panic!("{m}: replay passed"));
            assert_eq!(again.property, f.property, "{m}: replayed as {}", again.message);
            checked += 1;
        }
        assert!(checked >= 20, "only {checked} mutants checked");
    }

    // The scheduler alone, on small shuttle programs.

    /// Explores `program` to the end with a DPOR scheduler and no bound; what DPOR counted.
    fn explored(program: impl Fn() + Send + Sync + 'static) -> rtnl_checks::dpor::DporStats {
        let sched = DporScheduler::new(None);
        let dpor = sched.dpor.clone();
        shuttle::Runner::new(sched, shuttle::Config::new()).run(program);
        let stats = dpor.lock().expect("not poisoned").stats();
        stats
    }

    /// Two tasks incrementing a shared counter under a lock, with no reports: every
    /// interleaving of schedule points is explored and the final count is always 2.
    #[test]
    fn dpor_scheduler_explores_a_shuttle_program_to_the_end() {
        let sched = DporScheduler::new(None);
        let dpor = sched.dpor.clone();
        let runs = Arc::new(StdAtomicU64::new(0));
        let r = runs.clone();
        let runner = shuttle::Runner::new(sched, shuttle::Config::new());
        runner.run(move || {
            let m = Arc::new(shuttle::sync::Mutex::new(0));
            let m2 = m.clone();
            let h = shuttle::thread::spawn(move || *m2.lock().expect("not poisoned") += 1);
            *m.lock().expect("not poisoned") += 1;
            h.join().expect("joined");
            assert_eq!(*m.lock().expect("not poisoned"), 2);
            r.fetch_add(1, Ordering::Relaxed);
        });
        let d = dpor.lock().expect("not poisoned");
        assert!(d.finished());
        assert_eq!(d.stats().executions, runs.load(Ordering::Relaxed));
        assert!(d.stats().executions >= 2, "{:?}", d.stats());
    }

    /// Runs two tasks each storing to its own atomic, with or without reports; the number of
    /// executions DPOR needed.
    fn two_stores(reported: bool) -> u64 {
        use shuttle::sync::atomic::{AtomicU64, Ordering::SeqCst};
        explored(move || {
            let (a, b) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            let ids = (report::new_object_id(), report::new_object_id());
            let store = move |x: &AtomicU64, id: u64| {
                for v in 1..=3 {
                    if reported {
                        report::report_for(usize::from(shuttle::current::me()), OpKind::Store, id);
                    }
                    x.store(v, SeqCst);
                }
            };
            let b2 = b.clone();
            let h = shuttle::thread::spawn(move || store(&b2, ids.1));
            store(&a, ids.0);
            h.join().expect("joined");
        })
        .executions
    }

    /// With reports, stores to different atomics commute: one class, one execution. Without,
    /// every interleaving of the stores is its own class.
    #[test]
    fn dpor_scheduler_uses_the_facade_reports() {
        let (with, without) = (two_stores(true), two_stores(false));
        assert_eq!((with, without), (1, 35));
    }

    /// `lock_when` through the facade, with DPOR's bookkeeping of it: a waiter that reaches its
    /// wait after the section that makes its condition true. The race of that section with the
    /// waiter's `Await` would move the waiter before it, where the condition was false; the
    /// waiter judged that version when it began to wait (the data as each release left it), so
    /// the reversal is dropped instead of run and found infeasible.
    #[test]
    fn lock_when_is_one_step_judged_on_the_versions_of_its_data() {
        use rtnl_model::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use rtnl_model::sync::{thread, Condvar, RawMutex};
        let st = explored(|| {
            let shared = Arc::new((RawMutex::awaitable(true), Condvar::new(), AtomicUsize::new(0)));
            let s2 = shared.clone();
            let waiter = thread::spawn(move || {
                let (busy, done, other) = &*s2;
                other.store(1, SeqCst);
                drop(busy.lock_when(done, |b| !*b, |_| {}));
            });
            let (busy, done, _) = &*shared;
            // Two sections, so that the version judged is one recorded at a release.
            drop(busy.lock());
            let mut g = busy.lock();
            *g = false;
            done.notify_all(&g);
            drop(g);
            waiter.join().expect("joined");
        });
        assert_eq!((st.executions, st.infeasible, st.sleep_blocked), (1, 0, 0), "{st:?}");
    }

    /// `is_locked()` (`mutex_is_locked()`, as `free_netdev()`'s `mutex_destroy()` reads it) is a
    /// step dependent with the holder's lock and unlock: DPOR runs it before the section, inside
    /// it and after it, one execution each, and so sees the mutex both held and free.
    #[test]
    fn is_locked_is_ordered_against_the_holders_lock_and_unlock() {
        use rtnl_model::sync::{thread, RawMutex};
        use std::sync::atomic::AtomicBool;
        let seen = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let seen2 = seen.clone();
        let st = explored(move || {
            let m = Arc::new(RawMutex::new(()));
            let (m2, seen) = (m.clone(), seen2.clone());
            let prober = thread::spawn(move || seen[usize::from(m2.is_locked())].store(true, Ordering::Relaxed));
            drop(m.lock());
            prober.join().expect("joined");
        });
        assert!(seen.iter().all(|s| s.load(Ordering::Relaxed)), "held and free both seen");
        assert_eq!((st.executions, st.sleep_blocked), (3, 0), "{st:?}");
    }

    /// A probe that finds the mutex free holds it until its unlock, against a third thread's
    /// lock as against the main thread's: 10 orders of the three uses of the mutex (6 with the
    /// probe's own section, 2 with the probe inside each lock's section). Not treating the
    /// probe as a lock in the races loses some of them.
    #[test]
    fn a_free_mutex_probed_is_held_until_the_probes_unlock() {
        use rtnl_model::sync::{thread, RawMutex};
        let st = explored(move || {
            let m = Arc::new(RawMutex::new(()));
            let (m2, m3) = (m.clone(), m.clone());
            let prober = thread::spawn(move || {
                let _ = m2.is_locked();
            });
            let locker = thread::spawn(move || drop(m3.lock()));
            drop(m.lock());
            prober.join().expect("joined");
            locker.join().expect("joined");
        });
        assert_eq!((st.executions, st.infeasible, st.sleep_blocked), (10, 0, 0), "{st:?}");
    }

    /// A spawn is a step of its own, independent of every other thread's steps but ordered
    /// before its child's: a store before the spawn and the child's store to the same atomic
    /// never race. One execution, none infeasible.
    #[test]
    fn a_spawn_orders_the_child_after_the_parents_steps() {
        use rtnl_model::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use rtnl_model::sync::thread;
        let st = explored(|| {
            let x = Arc::new(AtomicUsize::new(0));
            x.store(1, SeqCst);
            let x2 = x.clone();
            thread::spawn(move || x2.store(2, SeqCst)).join().expect("joined");
            assert_eq!(x.load(SeqCst), 2);
        });
        assert_eq!((st.executions, st.infeasible, st.nondeterministic), (1, 0, 0), "{st:?}");
    }

    /// Spawns do not commute with each other: task ids are handed out in spawn order. Two
    /// threads each spawn a child that stores its tag; both orders of the stores are reached,
    /// and every execution follows the path it was given: 6, the 3 orders of the three spawns
    /// that can race (the main thread's second one is before the second child's) times the 2
    /// of the stores.
    #[test]
    fn spawns_from_two_threads_are_ordered_and_both_orders_of_their_children_run() {
        use rtnl_model::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use rtnl_model::sync::thread;
        use std::sync::atomic::AtomicBool;
        // Which child stored last, per tag (harness state, outside the model).
        let seen = Arc::new([AtomicBool::new(false), AtomicBool::new(false), AtomicBool::new(false)]);
        let seen2 = seen.clone();
        let st = explored(move || {
            let x = Arc::new(AtomicUsize::new(0));
            let spawner = |tag: usize| {
                let x = x.clone();
                thread::spawn(move || {
                    let x2 = x.clone();
                    thread::spawn(move || x2.store(tag, SeqCst)).join().expect("joined");
                })
            };
            let (a, b) = (spawner(1), spawner(2));
            a.join().expect("joined");
            b.join().expect("joined");
            seen2[x.load(SeqCst)].store(true, Ordering::Relaxed);
        });
        let last: Vec<bool> = seen.iter().map(|s| s.load(Ordering::Relaxed)).collect();
        assert_eq!(last, [false, true, true], "each child's store is last in some execution");
        assert_eq!((st.executions, st.infeasible, st.nondeterministic), (6, 0, 0), "{st:?}");
    }

    /// A lost wake-up is found: the exploration reaches the order where it deadlocks.
    #[test]
    fn dpor_scheduler_finds_a_deadlock() {
        let sched = DporScheduler::new(None);
        let mut config = shuttle::Config::new();
        config.failure_persistence = shuttle::FailurePersistence::None;
        let runner = shuttle::Runner::new(sched, config);
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
