//! Properties over generated topologies (src/topology.rs, src/strategy.rs), on real threads.
//!
//! Every case runs in the kernel configuration of [`generated_config`], without hazards A6
//! (`rtnl_net_wq` gets an active item per namespace; with `create_workqueue()`'s one the series
//! model hangs on a shape generated topologies reach constantly: the std backend's monitor
//! fails such a case in milliseconds, but as A6 every time) and A1 (the model's fix of the
//! re-broadcast's S11 WARN);
//! tests/suite/shuttle_props.rs pins both in the faithful configuration. The
//! shapes of the other findings (an ipvlan on a macvlan or a vxlan) are left out of the
//! strategies but for `prop_every_failure_is_a_known_finding`, and pinned here.
//!
//! Each property is a function of the kernel configuration, so that the tests after the
//! properties can show it failing on an injected bug (a mutant of rtnl_model::mutants).
//!
//! 256 cases per property by default; `PROPTEST_CASES=5000` for more. A failing case shrinks
//! to a short script, printed ready to paste into a file, and is saved under
//! `proptest-regressions/props.txt` (commit it: it is replayed first from then on).

#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod std_props {
    use std::collections::BTreeSet;
    use std::fs;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use proptest::prelude::*;
    use proptest::test_runner::{FileFailurePersistence, TestError, TestRng, TestRunner};
    use rtnl_checks::lockgraph::{LockGraph, LockReportKind};
    use rtnl_checks::reference::{self, Outcome};
    use rtnl_checks::scenario::load_script;
    use rtnl_checks::strategy::{
        sequential_topology_strategy, stacked_ipvlan_strategy, topology_strategy, topology_strategy_with,
    };
    use rtnl_checks::topology::{generated_config, Limits, OpKind, Plan, SetupIntent, Topology, SCRIPT_NAME};
    use rtnl_model::lockdep::LockClass;
    use rtnl_model::script::Script;
    use rtnl_model::{Config, Mode, Mutant, Property, Report};

    /// The two kernels that exist (the "both modes").
    const MODES: [Mode; 2] = Mode::BOTH;
    const REGRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/proptest-regressions/props.txt");

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
        ProptestConfig {
            cases,
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
            ..ProptestConfig::default()
        }
    }

    fn run(mode: Mode, script: &Script) -> Report {
        rtnl_model::execute(generated_config(mode), script)
    }

    fn violations(r: &Report) -> String {
        r.violations.iter().map(|v| format!("\n  {v}")).collect()
    }

    /// The kernel configuration of each mode a property runs: [`generated_config`], or a
    /// mutant of it in the tests that show a property can fail.
    type Cfg<'a> = &'a dyn Fn(Mode) -> Config;

    fn mutant(m: Mutant) -> impl Fn(Mode) -> Config {
        move |mode| Config { mutant: Some(m), ..generated_config(mode) }
    }

    /// The first command of a sequential script after which the model's settled state differs
    /// from the reference's: each prefix run as a script of its own, as a state machine test
    /// would step both. For the failure message only.
    fn first_divergence(script: &Script, mode: Mode, cfg: Cfg) -> String {
        for n in 1..=script.steps.len() {
            let prefix = Script { name: script.name.clone(), steps: script.steps[..n].to_vec() };
            let (model, expected) = (rtnl_model::execute(cfg(mode), &prefix).outcome, reference::outcome(&prefix));
            if model != expected {
                let at = prefix.commands().last().map(|c| format!("line {} `{}`", c.loc.line, c.text));
                return format!(
                    "\nfirst divergence after {}: model {model:?}, reference {expected:?}",
                    at.unwrap_or_default()
                );
            }
        }
        String::new()
    }

    /// A sequential script ends, in both modes, with exactly the devices the independent
    /// reference predicts, and without any violation; a command the reference runs
    /// successfully succeeds in the model too (not conversely: a later command may still see
    /// a doomed device that the kernel removes asynchronously). The outcome is compared first,
    /// so that a bug which also trips a check is reported as what the user sees.
    fn sequential_matches_reference(topo: &Topology, cfg: Cfg) -> Result<(), TestCaseError> {
        let script = topo.script();
        let (expected, predicted) = reference::run(script);
        for mode in MODES {
            let report = rtnl_model::execute(cfg(mode), script);
            if report.outcome != expected {
                return Err(TestCaseError::fail(format!(
                    "{}: the model ends with {:?}, the reference with {expected:?}{}{}",
                    mode.name(),
                    report.outcome,
                    first_divergence(script, mode, cfg),
                    violations(&report)
                )));
            }
            prop_assert!(report.violations.is_empty(), "{}:{}", mode.name(), violations(&report));
            prop_assert_eq!(report.results.len(), predicted.len());
            for (p, r) in predicted.iter().zip(&report.results) {
                prop_assert_eq!(p.line, r.line);
                prop_assert!(
                    p.result.is_err() || r.result.is_ok(),
                    "{}: line {} `{}` failed with {:?} where the reference succeeds",
                    mode.name(),
                    r.line,
                    r.text,
                    r.result
                );
            }
        }
        Ok(())
    }

    /// Both modes reach the same outcomes. A sequential script has one outcome, so one run
    /// each and the two must be equal. Concurrent runs sample a set of outcomes that may
    /// differ between the modes by chance, so four runs each and every outcome one of the
    /// reference's orders of the concurrent commands: the set both modes must share.
    /// (Under shuttle schedules: tests/suite/shuttle_props.rs.)
    fn both_modes_same_outcomes(topo: &Topology, cfg: Cfg) -> Result<(), TestCaseError> {
        let script = topo.script();
        let possible = reference::outcomes(script);
        prop_assert!(possible.is_some(), "too many orders to enumerate");
        let possible = possible.unwrap_or_default();
        let runs = if topo.is_sequential() { 1 } else { 4 };
        let mut seen: Vec<BTreeSet<Outcome>> = Vec::new();
        let mut found = String::new();
        for mode in MODES {
            let mut outcomes = BTreeSet::new();
            for _ in 0..runs {
                let report = rtnl_model::execute(cfg(mode), script);
                if !report.violations.is_empty() && found.is_empty() {
                    found = format!("{}:{}", mode.name(), violations(&report));
                }
                outcomes.insert(report.outcome);
            }
            seen.push(outcomes);
        }
        if topo.is_sequential() {
            prop_assert_eq!(&seen[0], &seen[1], "pre-series (left) and series (right) end differently\n{}", found);
        }
        for (mode, outcomes) in MODES.iter().zip(&seen) {
            prop_assert!(outcomes.is_subset(&possible), "{}: {:?} not within {:?}", mode.name(), outcomes, possible);
        }
        prop_assert!(found.is_empty(), "{}", found);
        Ok(())
    }

    /// The lock-order graph merged over `runs` real-thread runs per mode stays acyclic and
    /// reports nothing, and no run fails a check.
    fn lock_graph_acyclic(topo: &Topology, cfg: Cfg, runs: usize) -> Result<(), TestCaseError> {
        let script = topo.script();
        for mode in MODES {
            let mut graph = LockGraph::new();
            for _ in 0..runs {
                let report = rtnl_model::execute(cfg(mode), script);
                graph.add_edges(&report.lock_edges);
                let reports: Vec<String> = graph.reports().iter().map(|r| r.to_string()).collect();
                prop_assert!(graph.is_acyclic() && reports.is_empty(), "{}:\n{}", mode.name(), reports.join("\n"));
                prop_assert!(report.violations.is_empty(), "{}:{}", mode.name(), violations(&report));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(config())]

        /// The concurrent model's outcome for a sequential script is the sequential
        /// reference's, in both modes ([`sequential_matches_reference`]).
        #[test]
        fn prop_sequential_outcome_matches_reference(topo in sequential_topology_strategy(4, 8)) {
            sequential_matches_reference(&topo, &generated_config)?;
        }

        /// Both modes reach the same outcomes ([`both_modes_same_outcomes`]).
        #[test]
        fn prop_both_modes_same_outcomes(topo in topology_strategy(4, 8)) {
            both_modes_same_outcomes(&topo, &generated_config)?;
        }

        /// The lock-order graph merged over a few real-thread runs of a stacked ipvlan
        /// topology stays acyclic and reports nothing, in both modes. (Schedules that real
        /// threads rarely take: tests/suite/shuttle_props.rs.)
        #[test]
        fn prop_lock_graph_acyclic_stacked_ipvlan_real_threads(topo in stacked_ipvlan_strategy(4, 3)) {
            lock_graph_acyclic(&topo, &generated_config, 3)?;
        }

        /// With every shape allowed (ipvlans on macvlans and vxlans too), nothing fails but the
        /// known findings, all in series mode: S5 for an ipvlan that its port's handler
        /// unregisters without its namespace's lock and lockdep's recursive `pnodes_lock` (both
        /// pinned below). Every outcome is still one the reference predicts.
        #[test]
        fn prop_every_failure_is_a_known_finding(topo in topology_strategy_with(Limits::new(4, 8).with_known_findings())) {
            let script = topo.script();
            let possible = reference::outcomes(script).unwrap_or_default();
            for mode in MODES {
                let cfg = generated_config(mode);
                let mut graph = LockGraph::new();
                for _ in 0..if topo.is_sequential() { 1 } else { 2 } {
                    let report = rtnl_model::execute(cfg.clone(), script);
                    let unknown: Vec<String> = report
                        .violations
                        .iter()
                        .filter(|v| !(mode == Mode::Series && is_known_s5(v)))
                        .map(|v| v.to_string())
                        .collect();
                    prop_assert!(unknown.is_empty(), "{}: {:?}", mode.name(), unknown);
                    prop_assert!(possible.contains(&report.outcome), "{}: {:?} not in {:?}", mode.name(), report.outcome, possible);
                    graph.add_edges(&report.lock_edges);
                }
                let unknown = unexpected_reports(&graph);
                prop_assert!(graph.is_acyclic() && unknown.is_empty(), "{}:\n{}", mode.name(), unknown.join("\n"));
                if mode == Mode::PreSeries {
                    prop_assert!(graph.reports().is_empty(), "pre-series: {:?}", graph.reports());
                }
            }
        }

        /// Generated topologies within what this machine's kernel runs (veth, macvlan, vxlan,
        /// no `link-netns`) end on the kernel in one of the reference's outcomes.
        #[test]
        #[ignore = "needs root: runs generated topologies on this machine's kernel"]
        fn prop_reference_matches_kernel(topo in topology_strategy_with(Limits::new(3, 6).for_kernel())) {
            use rtnl_checks::conform::{run_on_kernel, ConformOptions, KernelRun};
            let script = topo.script();
            let possible = reference::outcomes(script).unwrap_or_default();
            let run = run_on_kernel(script, &ConformOptions::default());
            match run {
                Ok(KernelRun::Observed(o)) => {
                    prop_assert!(o.settled);
                    prop_assert!(possible.contains(&o.state), "kernel: {:?}, reference: {:?}", o.state, possible);
                }
                // A rejection, not a pass: proptest gives up if the kernel runs too few.
                Ok(KernelRun::Skipped { reason }) => prop_assume!(false, "{}", reason),
                Err(e) => prop_assert!(false, "{}", e),
            }
        }
    }

    /// Lock-order reports other than the known one: `&port->pnodes_lock` of one ipvlan port
    /// taken inside another's (two instances, so no deadlock, but lockdep's "possible
    /// recursive locking detected"; [`nested_ipvlan_ports_nest_pnodes_lock`]).
    fn unexpected_reports(graph: &LockGraph) -> Vec<String> {
        graph
            .reports()
            .iter()
            .filter(|r| {
                let e = &r.new_edge;
                !(r.kind == LockReportKind::RecursiveLocking
                    && e.from.class == LockClass::IpvlanPnodes
                    && e.to.class == LockClass::IpvlanPnodes
                    && e.from.key != e.to.key)
            })
            .map(|r| r.to_string())
            .collect()
    }

    /// Finding: an ipvlan on a macvlan on an ipvlan, all beside their lower. Deleting the
    /// bottom lower runs the bottom port's NETDEV_UNREGISTER handler, which unregisters its
    /// same-netns uppers while holding its `pnodes_lock` (patches 13-14); that takes the
    /// macvlan along synchronously, and the macvlan's own handler takes the top port's
    /// `pnodes_lock`: one class nested in itself without a nesting annotation, lockdep's
    /// "possible recursive locking detected". The series model reports it; pre-series has no
    /// `pnodes_lock`. (Upstream later moved the unregistration out of the lock: "ipvlan:
    /// unregister upper devices outside pnodes_lock".)
    #[test]
    fn nested_ipvlan_ports_nest_pnodes_lock() {
        let script = rtnl_checks::scenario::parse_script(
            "nested-ipvlan-ports",
            "ip netns add ns1\n\
             ip -n ns1 link add veth0 type veth peer name veth1\n\
             ip -n ns1 link add ipvl2 link veth0 type ipvlan mode l2\n\
             ip -n ns1 link add macv3 link ipvl2 type macvlan mode bridge\n\
             ip -n ns1 link add ipvl4 link macv3 type ipvlan mode l2\n\
             ip -n ns1 link del veth0\n",
        )
        .expect("parses");
        for mode in MODES {
            let report = run(mode, &script);
            assert!(report.violations.is_empty(), "{}:{}", mode.name(), violations(&report));
            assert_eq!(report.outcome, reference::outcome(&script));
            let mut graph = LockGraph::new();
            let reports = graph.add_edges(&report.lock_edges);
            let kinds: Vec<_> = reports.iter().map(|r| (r.kind, r.new_edge.to.name.as_str())).collect();
            if mode == Mode::PreSeries {
                assert!(kinds.is_empty(), "{kinds:?}");
            } else {
                assert_eq!(kinds, [(LockReportKind::RecursiveLocking, "port(macv3)->pnodes_lock")]);
                assert!(unexpected_reports(&graph).is_empty());
                assert!(graph.is_acyclic());
            }
        }
    }

    /// The S5 finding of [`ipvlan_beside_unconverted_lower_is_unregistered_without_its_lock`].
    fn is_known_s5(v: &rtnl_model::Violation) -> bool {
        v.property == Property::PerNetnsLock && v.message.contains(" unregistered by ipvlan_device_event without ")
    }

    /// Finding: an ipvlan beside a lower that the series unregisters on an unconverted path,
    /// synchronously and under another namespace's lock only (which S5 exempts): a macvlan
    /// moved away from its own lower, deleted with it; a vxlan moved away from its socket's
    /// namespace, destroyed with it. The lower's NETDEV_UNREGISTER runs ipvlan's handler, which
    /// sees the ipvlan in the lower's namespace and unregisters it at once instead of queueing
    /// it there: S5 fails for a converted caller, nested in the unconverted one. Pre-series has
    /// no per-netns locks to miss.
    #[test]
    fn ipvlan_beside_unconverted_lower_is_unregistered_without_its_lock() {
        let scripts = [
            "ip netns add ns1\nip netns add ns2\n\
             ip -n ns1 link add veth0 type veth peer name veth1 netns ns2\n\
             ip -n ns1 link add macv2 link veth0 type macvlan mode bridge\n\
             ip -n ns1 link set macv2 netns ns2\n\
             ip -n ns2 link add ipvl3 link macv2 type ipvlan mode l2\n\
             ip -n ns1 link del veth0\n",
            "ip netns add ns1\nip netns add ns2\n\
             ip -n ns1 link add vx0 type vxlan id 1 dstport 4789\n\
             ip -n ns1 link set vx0 netns ns2\n\
             ip -n ns2 link add ipvl3 link vx0 type ipvlan mode l2\n\
             ip netns del ns1\n",
        ];
        for text in scripts {
            let script = rtnl_checks::scenario::parse_script("ipvlan-beside-unconverted-lower", text).expect("parses");
            for mode in MODES {
                let report = run(mode, &script);
                assert_eq!(report.outcome, reference::outcome(&script));
                let found: Vec<String> = report.violations.iter().map(|v| v.to_string()).collect();
                if mode == Mode::PreSeries {
                    assert!(found.is_empty(), "{found:?}");
                } else {
                    assert!(!found.is_empty() && report.violations.iter().all(is_known_s5), "{found:?}");
                    assert!(found[0].contains("ASSERT_RTNL_NET(ns2) failed: ipvl3"), "{found:?}");
                }
            }
        }
    }

    /// Runs `check` as a property over `strategy` (fixed seed, no persistence) and returns the
    /// case proptest shrank the failure to, and why it failed; panics if nothing failed.
    fn expect_failure(
        strategy: impl Strategy<Value = Topology>,
        cases: u32,
        check: impl Fn(&Topology) -> Result<(), TestCaseError>,
    ) -> (Topology, String) {
        let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
        let rng = TestRng::deterministic_rng(config.rng_algorithm);
        match TestRunner::new_with_rng(config, rng).run(&strategy, |t| check(&t)) {
            Err(TestError::Fail(why, topo)) => (topo, why.to_string()),
            Err(e) => panic!("{e}"),
            Ok(()) => panic!("the property held for {cases} cases of a mutant"),
        }
    }

    /// veth0@ns1 - veth1@ns2, delete veth0: the peer goes to ns2's work.
    fn cross_netns_veth_del() -> Topology {
        Plan::new(2).setup(SetupIntent::Veth { net: 0, peer: 1 }).op(OpKind::Del { dev: 0 }).build(&Limits::new(2, 2))
    }

    /// The reference comparison has teeth of its own: with `queue-net-no-work` the series
    /// never unregisters the peer it queued on ns2, and the property reports the devices the
    /// user would see (and where they start to differ) before the end-state check that also
    /// fails.
    #[test]
    fn sequential_reference_property_catches_a_lost_peer() {
        let topo = cross_netns_veth_del();
        assert!(sequential_matches_reference(&topo, &generated_config).is_ok());
        let why = sequential_matches_reference(&topo, &mutant(Mutant::QueueNetNoWork)).expect_err("mutant caught");
        let why = why.to_string();
        assert!(why.contains("series: the model ends with {\"ns1\": [], \"ns2\": [\"veth1\"]}"), "{why}");
        assert!(why.contains("first divergence after line 7 `ip -n ns1 link del veth0`"), "{why}");
    }

    /// On random sequential topologies the property finds a mutant that leaves the peer on
    /// `net_todo_list` (S11 and leak checks), and proptest shrinks the case to the smallest
    /// script that shows it, printed ready to paste into a file.
    #[test]
    fn sequential_reference_property_shrinks_a_mutant_to_a_script() {
        let (topo, why) = expect_failure(sequential_topology_strategy(4, 8), 256, |t| {
            sequential_matches_reference(t, &mutant(Mutant::WorkSkipsRunTodo))
        });
        let text = format!("{topo:?}");
        eprintln!("shrunk to:{text}because: {why}");
        assert!(why.contains("S11"), "{why}");
        assert!(text.contains("\n# Generated topology: ") && text.contains("\n# operations\n"), "{text}");
        let commands: Vec<&str> = text.lines().filter(|l| l.starts_with("ip ")).collect();
        // Two namespaces, a cross-namespace veth pair, one deletion: nothing less shows it.
        assert_eq!(commands.len(), 4, "{text}");
        assert_eq!(
            rtnl_checks::scenario::parse_script(SCRIPT_NAME, &topo.to_script()).as_ref().ok(),
            Some(topo.script())
        );
    }

    /// With a series-only mutant the two modes end differently on a sequential script.
    #[test]
    fn both_modes_property_catches_a_series_only_mutant() {
        let topo = cross_netns_veth_del();
        assert!(both_modes_same_outcomes(&topo, &generated_config).is_ok());
        let why = both_modes_same_outcomes(&topo, &mutant(Mutant::NoDrainOnUnlock)).expect_err("mutant caught");
        assert!(why.to_string().contains("pre-series (left) and series (right) end differently"), "{why}");
    }

    /// `lock-peer-net-directly` takes the peer's namespace lock inside its own: deleting the
    /// veth end in ns2 of a stacked ipvlan topology nests ns1's lock inside ns2's, against
    /// `rtnl_net_lock_cmp_fn()`, which the lock-graph property reports.
    #[test]
    fn lock_graph_property_catches_an_unordered_netns_lock() {
        let (topo, why) = expect_failure(stacked_ipvlan_strategy(4, 3), 64, |t| {
            lock_graph_acyclic(t, &mutant(Mutant::LockPeerNetDirectly), 1)
        });
        eprintln!("shrunk to:{topo:?}because: {why}");
        assert!(why.contains("rtnl_mutex"), "{why}");
    }

    /// A hang on real threads fails fast instead of blocking the test: the std backend's
    /// monitor stops an execution in which every thread is blocked and reports who waits for
    /// what. `leak-netdev-ref` forgets a put, so `netdev_run_todo()` waits for ever (L3).
    #[test]
    fn a_leaked_reference_fails_fast() {
        let (v, took) = first_violation(Mutant::LeakNetdevRef, "mutants/veth-same-netns.sh");
        assert_eq!(v.property, Property::AllRefsReleased, "{v}");
        assert!(v.message.contains("ip#9 waits for \"unregister_netdevice: waiting for veth0 (usage count 2)"), "{v}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }

    /// `nets-no-dedup` takes ns1's lock twice on one thread: L5, as fast.
    #[test]
    fn a_self_deadlock_fails_fast() {
        let (v, took) = first_violation(Mutant::NetsNoDedup, "mutants/veth-same-netns.sh");
        assert_eq!(v.property, Property::NoDeadlock, "{v}");
        assert!(v.message.contains("waits for \"ns1->rtnl_mutex\" holding [rtnl_mutex, ns1->rtnl_mutex]"), "{v}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }

    /// The property tests themselves survive a leak: on generated topologies each hanging case
    /// fails in milliseconds, and proptest shrinks to a short script.
    #[test]
    fn sequential_reference_property_shrinks_a_leak_without_hanging() {
        let (topo, why) = expect_failure(sequential_topology_strategy(4, 8), 256, |t| {
            sequential_matches_reference(t, &mutant(Mutant::LeakNetdevRef))
        });
        eprintln!("shrunk to:{topo:?}because: {why}");
        assert!(why.contains("L3 all-refs-released"), "{why}");
    }

    /// The first violation of `scenario` (under checks/scenarios) with `m`, in series mode, and
    /// how long the execution took.
    fn first_violation(m: Mutant, scenario: &str) -> (rtnl_model::Violation, Duration) {
        let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).join(scenario);
        let script = load_script(&path).unwrap_or_else(|e| panic!("{e}"));
        let start = Instant::now();
        let r = rtnl_model::execute(Config { mutant: Some(m), ..Config::new(Mode::Series) }, &script);
        let v = r.violations.first().cloned().expect("a violation");
        (v, start.elapsed())
    }

    fn scenario_files() -> Vec<PathBuf> {
        let dirs = [concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")];
        let mut files: Vec<PathBuf> = dirs
            .iter()
            .filter_map(|d| fs::read_dir(d).ok())
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sh"))
            .collect();
        files.sort();
        files
    }

    /// On every hand-written scenario, each outcome of a few real-thread runs is one the
    /// reference predicts.
    #[test]
    fn reference_predicts_every_scenario_outcome() {
        let files = scenario_files();
        assert!(files.len() >= 20, "only {} scenarios", files.len());
        for path in files {
            let script = load_script(&path).unwrap_or_else(|e| panic!("{e}"));
            let possible = reference::outcomes(&script).expect("few orders");
            for mode in MODES {
                for _ in 0..3 {
                    let report = run(mode, &script);
                    assert!(
                        possible.contains(&report.outcome),
                        "{} ({}): model {:?}, reference {:?}",
                        path.display(),
                        mode.name(),
                        report.outcome,
                        possible
                    );
                }
            }
        }
    }

    /// The reference on the cascades the kernel showed on this machine (conform output).
    #[test]
    fn reference_knows_the_cascades() {
        let outcome = |text: &str| {
            let script = rtnl_checks::scenario::parse_script("t", text).expect("parses");
            reference::outcome(&script)
        };
        let o = outcome(
            "ip netns add ns1\nip netns add ns2\nip netns add ns3\n\
             ip -n ns1 link add veth0 type veth peer name veth1\n\
             ip -n ns1 link add mva link veth0 type macvlan\n\
             ip -n ns1 link add mvb link mva type macvlan\n\
             ip -n ns1 link set mvb netns ns2\n\
             ip -n ns1 link add vx0 type vxlan id 7 dstport 4789\n\
             ip -n ns1 link set vx0 netns ns3\n\
             ip -n ns1 link del mva\n",
        );
        // mvb sits on veth0, not on mva; vx0 lives on while its socket netns does.
        let expected: Outcome = [("ns1", vec!["veth0", "veth1"]), ("ns2", vec!["mvb"]), ("ns3", vec!["vx0"])]
            .into_iter()
            .map(|(n, d)| (n.to_string(), d.into_iter().map(String::from).collect()))
            .collect();
        assert_eq!(o, expected);
        let o = outcome(
            "ip netns add ns1\nip netns add ns2\n\
             ip -n ns1 link add vx0 type vxlan id 7 dstport 4789\n\
             ip -n ns1 link set vx0 netns ns2\n\
             ip -n ns1 link add veth0 type veth peer name veth1 netns ns2\n\
             ip -n ns1 link add mv0 link veth0 type macvlan\n\
             ip -n ns1 link set mv0 netns ns2\n\
             ip netns del ns1\n",
        );
        assert_eq!(o, [("ns2".to_string(), Vec::<String>::new())].into_iter().collect::<Outcome>());
    }

    /// The printed script of any plan parses back to exactly the script the model runs:
    /// every command, its text and its line, the `&`s and `wait`s. The model never runs the
    /// printed text, but a replay token carries it.
    #[test]
    fn generated_scripts_parse() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategies = [
            topology_strategy(4, 10).boxed(),
            topology_strategy_with(Limits::new(4, 8).with_known_findings()).boxed(),
            topology_strategy_with(Limits::new(3, 6).for_kernel()).boxed(),
            stacked_ipvlan_strategy(4, 3).boxed(),
        ];
        let result = strategies.iter().try_for_each(|s| {
            runner.run(s, |topo| {
                let script = topo.script();
                let parsed = rtnl_checks::scenario::parse_script(SCRIPT_NAME, &topo.to_script());
                prop_assert_eq!(parsed.as_ref().ok(), Some(script), "{:?}", parsed.as_ref().err());
                for c in script.commands() {
                    if let rtnl_model::script::Op::LinkAdd { name, .. } = &c.op {
                        prop_assert!(name.len() <= 15);
                    }
                }
                Ok(())
            })
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
