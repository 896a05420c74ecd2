//! Randomized and PCT exploration with shuttle. Run with
//! `RUSTFLAGS="--cfg rtnl_shuttle" cargo test --release -p rtnl-checks --target-dir target-shuttle --test suite shuttle::`.
//!
//! Shuttle samples schedules: a pass says "these many schedules held", never "all do". Seeds are
//! fixed, so each run explores the same schedules and the pinned figures are reproducible.

#[cfg(rtnl_shuttle)]
mod tests {
    use rtnl_checks::cli::load;
    use rtnl_checks::explore::{explore, replay, Exploration, ExploreOptions, Explorer, Target};
    use rtnl_checks::token::ReplayToken;
    use rtnl_model::{Config, Mode, Property};
    use std::path::Path;

    fn target(path: &str, cfg: Config) -> Target {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let l = load(&p).unwrap_or_else(|e| panic!("{e}"));
        Target { script: l.script, source: l.source, cfg }
    }

    fn run(t: &Target, explorer: Explorer, iterations: usize) -> Exploration {
        let opts = ExploreOptions { explorer, iterations, seed: 7, depth: 3, ..ExploreOptions::default() };
        explore(t, &opts).expect("shuttle build")
    }

    const A6: &str = "scenarios/findings/a6-stacked-upper-behind-its-lower-work.sh";
    const A1: &str = "scenarios/findings/a1-rebroadcast-drains-into-todo.sh";

    /// docs/findings.md A1: the faithful series warns in __rtnl_unlock; pre-series and the fix
    /// hold over the same schedules.
    #[test]
    fn a1_rebroadcast_drains_a_queued_device_onto_net_todo_list() {
        use rtnl_model::variants::Variant;
        let pct = |cfg: Config| {
            let opts = ExploreOptions {
                explorer: Explorer::Pct,
                iterations: 3000,
                seed: 0,
                depth: 3,
                ..ExploreOptions::default()
            };
            explore(&target(A1, cfg), &opts).expect("shuttle build")
        };
        let f = pct(Config::new(Mode::Series)).failure.expect("the faithful series model warns");
        assert_eq!(f.property, Property::TodoEmptyAtRtnlUnlock.to_string());
        assert!(f.message.contains("[veth5]"), "{}", f.message);
        assert!(f.trace.contains("ipvlan_uninit") && f.trace.contains("veth_dellink"));
        a1_timeline_names_the_draining_thread(&f.token);
        let fixed = Config { variants: vec![Variant::FixA1RebroadcastNoDrain], ..Config::new(Mode::Series) };
        for cfg in [Config::new(Mode::PreSeries), fixed] {
            let ex = pct(cfg);
            assert!(ex.passed(), "{:#?}", ex.failure);
            assert_eq!(ex.stats.executions, 3000);
        }
    }

    /// What the A1 page draws (`--html`): the WARN is `__rtnl_unlock`'s, on the thread waiting in
    /// `netdev_wait_allrefs_any()`, and that same thread's `__rtnl_net_unlock` took veth5 to
    /// UNREGISTERING (onto net_todo_list).
    fn a1_timeline_names_the_draining_thread(token: &str) {
        use rtnl_model::kernel::EventKind;
        use rtnl_model::kernel::RegState;
        let rec =
            rtnl_checks::explore::replay_timeline(&ReplayToken::decode(token).expect("decodes")).expect("replays");
        let warn = rec.events.iter().find(|e| e.kind == EventKind::Warn).expect("a WARN step");
        assert_eq!(warn.func, "__rtnl_unlock", "{warn:?}");
        assert!(warn.stack.iter().any(|f| f == "netdev_wait_allrefs_any"), "{warn:?}");
        let drained = rec
            .events
            .iter()
            .find(|e| e.kind == EventKind::RegState(RegState::Unregistering) && e.dev.as_deref() == Some("veth5"))
            .expect("veth5 unregistering");
        assert_eq!(drained.thread, warn.thread, "the re-broadcasting thread drains veth5");
        assert!(drained.stack.iter().any(|f| f == "__rtnl_net_unlock"), "{drained:?}");
        let page = std::env::temp_dir().join(format!("rtnl-a1-{}.html", std::process::id()));
        rtnl_checks::html::replay_to(&ReplayToken::decode(token).expect("decodes"), &page).expect("writes the page");
        let html = std::fs::read_to_string(&page).expect("page");
        assert!(html.contains("WARN_ON(!list_empty(&net_todo_list)): [veth5]"), "the WARN is in the page's data");
        let _ = std::fs::remove_file(page);
    }

    #[test]
    fn concurrent_scenarios_hold_every_property_under_random_and_pct_schedules() {
        for path in ["scenarios/proofs/veth-pair-race.sh", "scenarios/cover-letter-netns-del.sh"] {
            for mode in Mode::BOTH {
                for explorer in [Explorer::Shuttle, Explorer::Pct] {
                    let ex = run(&target(path, Config::new(mode)), explorer, 500);
                    assert!(ex.passed(), "{path} {mode} {explorer:?}: {:#?}", ex.failure);
                    assert_eq!(ex.stats.executions, 500);
                    assert!(ex.graph.is_acyclic());
                }
            }
        }
    }

    #[test]
    fn both_explorers_find_the_a6_hang_and_its_token_replays() {
        for explorer in [Explorer::Shuttle, Explorer::Pct] {
            let ex = run(&target(A6, Config::new(Mode::Series)), explorer, 100);
            let f = ex.failure.unwrap_or_else(|| panic!("{explorer:?} misses A6"));
            assert_eq!(f.property, Property::AllRefsReleased.to_string());
            let token = ReplayToken::decode(&f.token).expect("decodes");
            let again = replay(&token).expect("replays").expect("fails again");
            assert_eq!(again.property, f.property);
            assert!(again.blocked.iter().any(|b| b.on.contains("waiting for veth1")), "{:?}", again.blocked);
        }
    }

    #[test]
    fn fixed_workqueue_passes_the_a6_scenario_under_pct() {
        let fixed = Config { wq_max_active: 2, ..Config::new(Mode::Series) };
        let ex = run(&target(A6, fixed), Explorer::Pct, 500);
        assert!(ex.passed(), "{:#?}", ex.failure);
    }

    /// The scenarios too large for loom (more threads than it allows), under PCT.
    #[test]
    fn corpus_beyond_loom_holds_every_property_and_both_modes_reach_the_same_outcomes() {
        use rtnl_checks::explore::{threads_needed, LOOM_MAX_THREADS};
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for dir in ["scenarios", "scenarios/proofs"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("corpus dir") {
                let p = entry.expect("entry").path();
                if p.extension().is_none_or(|x| x != "sh") {
                    continue;
                }
                let path = p.strip_prefix(root).expect("under root").display().to_string();
                let t = |mode| target(&path, Config::new(mode));
                if threads_needed(&t(Mode::Series)) <= LOOM_MAX_THREADS {
                    continue; // the loom suite covers it exhaustively within a bound
                }
                let pre = run(&t(Mode::PreSeries), Explorer::Pct, 300);
                let ser = run(&t(Mode::Series), Explorer::Pct, 300);
                assert!(pre.passed() && ser.passed(), "{path}: {:#?} {:#?}", pre.failure, ser.failure);
                assert_eq!(pre.outcomes, ser.outcomes, "{path}: the series changed what a user sees");
                checked += 1;
            }
        }
        assert!(checked >= 1, "no scenario beyond loom's thread limit");
    }

    /// docs/findings.md: the two fix variants together pass every scenario, the findings'
    /// included, except the one built to beat A6's mitigation.
    #[test]
    fn the_findings_fixes_pass_the_whole_corpus() {
        use rtnl_model::variants::Variant;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let fixed = Config {
            variants: vec![Variant::FixA1RebroadcastNoDrain, Variant::FixA6WqMaxActive, Variant::FixA7UnloadFlush],
            ..Config::new(Mode::Series)
        };
        let mut checked = 0;
        for dir in ["scenarios", "scenarios/proofs", "scenarios/findings"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("corpus dir") {
                let p = entry.expect("entry").path();
                if p.extension().is_none_or(|x| x != "sh") {
                    continue;
                }
                let path = p.strip_prefix(root).expect("under root").display().to_string();
                if path.ends_with("a6-two-chains-beat-two-workers.sh") {
                    continue; // beats A6's mitigation by design: shuttle_props.rs pins it
                }
                let ex = run(&target(&path, fixed.clone()), Explorer::Pct, 200);
                assert!(ex.passed(), "{path}: {:#?}", ex.failure);
                checked += 1;
            }
        }
        assert!(checked >= 50, "only {checked} scenarios");
    }

    /// Issue 15 items 1, 3, 11 and 12: each new mutant is caught in series mode by a PCT run over the
    /// whole corpus without being told its scenario (`rtnl-check check`'s PCT defaults: 1000
    /// schedules, seed 0, depth 3; at seed 7 and 200 schedules no scenario catches
    /// ipvlan-uninit-put-before-unlock), and only by the property it names; the faithful model
    /// stays clean over the same corpus in pre-series and series mode.
    #[test]
    fn issue15_mutants_are_caught_over_the_corpus_by_their_own_check_only() {
        use rtnl_model::Mutant;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        for dir in ["scenarios", "scenarios/proofs", "scenarios/mutants"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("corpus dir") {
                let p = entry.expect("entry").path();
                if p.extension().is_some_and(|x| x == "sh") {
                    paths.push(p.strip_prefix(root).expect("under root").display().to_string());
                }
            }
        }
        paths.sort();
        for m in [
            Mutant::ExitBatchNoSplit,
            Mutant::OpsExitRtnlNoSplit,
            Mutant::IpvlanUninitPutBeforeUnlock,
            Mutant::RebroadcastWithoutNetLock,
            Mutant::ExitBatchNestsDyingNets,
            Mutant::UnregHeadWrongLock,
            Mutant::BareudpNoLock,
            Mutant::NetsSortByAddress,
        ] {
            let want = m.breaks().expect("not equivalent").to_string();
            let mut caught = Vec::new();
            for path in &paths {
                let cfg = Config { mutant: Some(m), ..Config::new(Mode::Series) };
                let opts = ExploreOptions {
                    explorer: Explorer::Pct,
                    iterations: 1000,
                    seed: 0,
                    depth: 3,
                    ..ExploreOptions::default()
                };
                let ex = explore(&target(path, cfg), &opts).expect("shuttle build");
                if let Some(f) = ex.failure {
                    assert_eq!(f.property, want, "{m} on {path}: caught by another check: {}", f.message);
                    caught.push(path.clone());
                }
            }
            assert!(!caught.is_empty(), "{m}: no corpus scenario catches it");
        }
        for path in &paths {
            for mode in [Mode::PreSeries, Mode::Series] {
                let ex = run(&target(path, Config::new(mode)), Explorer::Pct, 100);
                assert!(ex.passed(), "{path} ({mode:?}): {:#?}", ex.failure);
            }
        }
    }
}
