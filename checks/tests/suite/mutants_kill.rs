//! Every kill of the mutant catalogue ([`rtnl_model::mutants`]) as an ordinary test: a mutant,
//! run on its scenario, fails with the property the catalogue names, while the faithful model
//! passes the same scenario. Each backend has its own module, built by its own `--cfg`:
//!
//! - `cargo test --test suite mutants_kill::`: real threads, for the mutants every execution exposes;
//! - `RUSTFLAGS="--cfg rtnl_loom" cargo test --release --test suite mutants_kill::`: loom, preemption
//!   bound 2, for every mutant (and the equivalent ones survive);
//! - `RUSTFLAGS="--cfg rtnl_shuttle" cargo test --release --test suite mutants_kill::`: shuttle's random
//!   and PCT schedulers.
//!
//! `rtnl-check mutants` runs the same kills as a matrix, with timings (docs/mutants.md).

use rtnl_checks::explore::{explore, Exploration, ExploreOptions, Explorer, Target};
use rtnl_checks::mutants::{probe, ProbeOutcome, ProbeScript};
use rtnl_checks::scenario::parse_script;
use rtnl_model::variants::Variant;
use rtnl_model::{Config, Mode, Mutant};

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");

fn source(scenario: &str) -> String {
    let path = format!("{SCENARIOS}/{scenario}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `scenario` in series mode with `variants`: the ones a mutant of a follow-up conversion needs
/// ([`Mutant::requires`]), for the mutant and for its faithful baseline alike.
fn target(mutant: Option<Mutant>, variants: &[Variant], scenario: &str) -> Target {
    let source = source(scenario);
    let script = parse_script(scenario, &source).unwrap_or_else(|e| panic!("{scenario}: {e}"));
    Target { script, source, cfg: Config { mutant, variants: variants.to_vec(), ..Config::new(Mode::Series) } }
}

fn run(mutant: Option<Mutant>, variants: &[Variant], scenario: &str, opts: &ExploreOptions) -> Exploration {
    explore(&target(mutant, variants, scenario), opts).unwrap_or_else(|e| panic!("{scenario}: {e}"))
}

fn run_probe(mutant: Option<Mutant>, scenario: &str, explorer: Explorer, iterations: usize) -> ProbeOutcome {
    let p = ProbeScript::parse(scenario, &source(scenario)).unwrap_or_else(|e| panic!("{e}"));
    probe(&p, mutant, explorer, iterations)
}

/// The property `m` broke under `opts` on its first scenario, if it was caught.
fn caught(m: Mutant, opts: &ExploreOptions, iterations: usize) -> Option<String> {
    let scenario = m.scenarios()[0];
    if m.needs_driver_probe() {
        return run_probe(Some(m), scenario, opts.explorer, iterations).property;
    }
    run(Some(m), m.requires(), scenario, opts).failure.map(|f| f.property)
}

fn expected(m: Mutant) -> String {
    m.breaks().map(|p| p.to_string()).unwrap_or_else(|| panic!("{m} is equivalent: it breaks nothing"))
}

/// Asserts `m` is killed with its property under the first of `opts` that catches it.
fn assert_killed(m: Mutant, opts: &[ExploreOptions], iterations: usize) {
    let found = opts.iter().find_map(|o| caught(m, o, iterations));
    assert_eq!(found.as_deref(), Some(expected(m).as_str()), "mutant {m} was not killed as the catalogue says");
}

/// Asserts the faithful model passes every scenario of `m`.
fn assert_faithful(m: Mutant, opts: &ExploreOptions, iterations: usize) {
    for scenario in m.scenarios() {
        if m.needs_driver_probe() {
            let out = run_probe(None, scenario, opts.explorer, iterations);
            assert!(out.passed, "faithful model fails the driver probe on {scenario}: {:?}", out.message);
        }
        let ex = run(None, m.requires(), scenario, opts);
        assert!(ex.passed(), "faithful model fails {scenario}: {:?}", ex.failure.map(|f| f.message));
    }
}

/// Generates one test per mutant.
macro_rules! kill_tests {
    ($check:ident; $($name:ident => $m:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $check(rtnl_model::Mutant::$m);
            }
        )*
    };
}

#[cfg(not(any(rtnl_loom, rtnl_shuttle)))]
mod std_threads {
    //! Real threads: the mutants that break a property in every execution, whatever the
    //! interleaving (the others need an explorer to find their window).
    use super::*;

    fn opts() -> ExploreOptions {
        ExploreOptions { explorer: Explorer::Std, iterations: 1, ..ExploreOptions::default() }
    }

    fn check(m: Mutant) {
        assert_faithful(m, &ExploreOptions { iterations: 3, ..opts() }, 3);
        assert_killed(m, &[opts()], 1);
    }

    kill_tests! { check;
        lock_peer_net_directly => LockPeerNetDirectly,
        nets_unsorted => NetsUnsorted,
        flush_under_rtnl => FlushUnderRtnl,
        work_without_rtnl => WorkWithoutRtnl,
        work_skips_run_todo => WorkSkipsRunTodo,
        no_drain_on_unlock => NoDrainOnUnlock,
        queue_net_no_work => QueueNetNoWork,
        ipvlan_event_upper_net => IpvlanEventUpperNet,
        vxcan_peer_plain_queue => VxcanPeerPlainQueue,
        ipvlan_link_delete_no_unlink => IpvlanLinkDeleteNoUnlink,
        newlink_no_target_net => NewlinkNoTargetNet,
    }
}

#[cfg(rtnl_loom)]
mod loom_kills {
    //! loom with preemption bound 2: every mutant is killed, every equivalent one survives, and
    //! the faithful model passes every scenario of the catalogue.
    use super::*;

    fn opts() -> ExploreOptions {
        ExploreOptions { explorer: Explorer::Loom, preemptions: Some(2), ..ExploreOptions::default() }
    }

    fn check(m: Mutant) {
        if m.equivalent() {
            assert_eq!(caught(m, &opts(), 0), None, "{m} is listed as equivalent but loom caught it");
            for scenario in &m.scenarios()[1..] {
                assert!(
                    run(Some(m), m.requires(), scenario, &opts()).passed(),
                    "{m} is listed as equivalent but fails {scenario}"
                );
            }
        } else {
            assert_killed(m, &[opts()], 0);
        }
    }

    fn faithful(m: Mutant) {
        assert_faithful(m, &opts(), 0);
    }

    kill_tests! { check;
        ipvlan_port_no_hold => IpvlanPortNoHold,
        veth_no_xchg => VethNoXchg,
        veth_no_peer_ref => VethNoPeerRef,
        bareudp_no_empty_check => BareudpNoEmptyCheck,
        ipvlan_no_dying => IpvlanNoDying,
        lock_peer_net_directly => LockPeerNetDirectly,
        nets_unsorted => NetsUnsorted,
        nets_no_dedup => NetsNoDedup,
        flush_under_rtnl => FlushUnderRtnl,
        no_flush_before_free => NoFlushBeforeFree,
        work_without_rtnl => WorkWithoutRtnl,
        work_skips_run_todo => WorkSkipsRunTodo,
        no_drain_on_unlock => NoDrainOnUnlock,
        queue_net_no_work => QueueNetNoWork,
        move_drops_pending => MoveDropsPending,
        leak_netdev_ref => LeakNetdevRef,
        dev_net_toctou => DevNetToctou,
        ipvlan_event_upper_net => IpvlanEventUpperNet,
        ipvlan_uninit_no_lower_lock => IpvlanUninitNoLowerLock,
        bareudp_no_lock => BareudpNoLock,
        exit_batch_no_split => ExitBatchNoSplit,
        ops_exit_rtnl_no_split => OpsExitRtnlNoSplit,
        ipvlan_uninit_put_before_unlock => IpvlanUninitPutBeforeUnlock,
        unreg_head_wrong_lock => UnregHeadWrongLock,
        nets_sort_by_address => NetsSortByAddress,
        rebroadcast_without_net_lock => RebroadcastWithoutNetLock,
        exit_batch_nests_dying_nets => ExitBatchNestsDyingNets,
        vxcan_no_xchg => VxcanNoXchg,
        vxcan_peer_plain_queue => VxcanPeerPlainQueue,
        vxcan_leak_peer_ref => VxcanLeakPeerRef,
        geneve_no_empty_check => GeneveNoEmptyCheck,
        geneve_no_lock => GeneveNoLock,
        unload_no_wait_unregistering => UnloadNoWaitUnregistering,
        ipvlan_link_delete_no_unlink => IpvlanLinkDeleteNoUnlink,
        ipvlan_queue_before_unlink => IpvlanQueueBeforeUnlink,
        newlink_no_target_net => NewlinkNoTargetNet,
        ipvtap_no_dying => IpvtapNoDying,
        dev_lock_passive_dec_early => DevLockPassiveDecEarly,
        geneve_exit_plain_queue => GeneveExitPlainQueue,
        unload_no_pernet_rwsem => UnloadNoPernetRwsem,
        unload_notifier_before_links => UnloadNotifierBeforeLinks,
        ip_tunnel_no_token => IpTunnelNoToken,
        ip_tunnel_no_mutex => IpTunnelNoMutex,
        flush_not_woken => FlushNotWoken,
    }

    mod faithful {
        use super::faithful;
        kill_tests! { faithful;
            ipvlan_lower_del_upper_other_netns => IpvlanPortNoHold,
            veth_del_both_ends => VethNoXchg,
            veth_cross_netns_del => NoDrainOnUnlock,
            bareudp_del_after_socket_netns_exit => BareudpNoEmptyCheck,
            ipvlan_del_upper_while_dying => IpvlanNoDying,
            veth_del_both_directions => LockPeerNetDirectly,
            veth_add_peer_netns_both_orders => NetsUnsorted,
            veth_same_netns => NetsNoDedup,
            netns_del_local_veth => FlushUnderRtnl,
            netns_del_pending_work => NoFlushBeforeFree,
            veth_move_pending_peer => MoveDropsPending,
            dev_net_toctou => DevNetToctou,
            vxlan_both_netns_destroyed => OpsExitRtnlNoSplit,
            two_netns_del_one_batch => ExitBatchNestsDyingNets,
            veth_init_netns_peer_destroyed => NetsSortByAddress,
            vxcan_del_both_ends => VxcanNoXchg,
            vxcan_cross_netns_del => VxcanPeerPlainQueue,
            vxcan_same_netns => VxcanLeakPeerRef,
            geneve_del_after_socket_netns_exit => GeneveNoEmptyCheck,
            module_unload_vs_same_netns_del => UnloadNoWaitUnregistering,
            ipvlan_del_upper_only => IpvlanLinkDeleteNoUnlink,
            veth_add_in_other_netns => NewlinkNoTargetNet,
            ipvtap_del_upper_while_dying => IpvtapNoDying,
            dev_lock_passive_dec_early => DevLockPassiveDecEarly,
            geneve_moved_socket_netns_destroyed => GeneveExitPlainQueue,
            module_unload_vs_netns_del => UnloadNoPernetRwsem,
            module_unload_ipvlan_lower_del_race => UnloadNotifierBeforeLinks,
            ipip_moved_del_vs_link_netns_exit => IpTunnelNoToken,
        }
    }

    #[test]
    fn every_scenario_of_the_catalogue_has_a_faithful_test() {
        let covered = [
            Mutant::IpvlanPortNoHold,
            Mutant::VethNoXchg,
            Mutant::NoDrainOnUnlock,
            Mutant::BareudpNoEmptyCheck,
            Mutant::IpvlanNoDying,
            Mutant::LockPeerNetDirectly,
            Mutant::NetsUnsorted,
            Mutant::NetsNoDedup,
            Mutant::FlushUnderRtnl,
            Mutant::NoFlushBeforeFree,
            Mutant::MoveDropsPending,
            Mutant::DevNetToctou,
            Mutant::OpsExitRtnlNoSplit,
            Mutant::ExitBatchNestsDyingNets,
            Mutant::NetsSortByAddress,
            Mutant::VxcanNoXchg,
            Mutant::VxcanPeerPlainQueue,
            Mutant::VxcanLeakPeerRef,
            Mutant::GeneveNoEmptyCheck,
            Mutant::UnloadNoWaitUnregistering,
            Mutant::IpvlanLinkDeleteNoUnlink,
            Mutant::NewlinkNoTargetNet,
            Mutant::IpvtapNoDying,
            Mutant::DevLockPassiveDecEarly,
            Mutant::GeneveExitPlainQueue,
            Mutant::UnloadNoPernetRwsem,
            Mutant::UnloadNotifierBeforeLinks,
            Mutant::IpTunnelNoToken,
        ];
        let tested: std::collections::BTreeSet<&str> =
            covered.iter().flat_map(|m| m.scenarios().iter().copied()).collect();
        for m in Mutant::ALL {
            for s in m.scenarios() {
                assert!(tested.contains(s), "{s} (of {m}) has no faithful loom test");
            }
        }
    }
}

#[cfg(rtnl_shuttle)]
mod shuttle_kills {
    //! shuttle: every mutant is killed by the random scheduler or by PCT (1000 schedules, seed 0).
    use super::*;

    const ITERATIONS: usize = 1000;

    fn opts(explorer: Explorer) -> ExploreOptions {
        ExploreOptions { explorer, iterations: ITERATIONS, depth: 3, ..ExploreOptions::default() }
    }

    fn check(m: Mutant) {
        if m.equivalent() {
            for e in [Explorer::Shuttle, Explorer::Pct] {
                assert_eq!(caught(m, &opts(e), ITERATIONS), None, "{m} is listed as equivalent but {e:?} caught it");
            }
        } else {
            assert_faithful(m, &opts(Explorer::Pct), ITERATIONS);
            assert_killed(m, &[opts(Explorer::Pct), opts(Explorer::Shuttle)], ITERATIONS);
        }
    }

    kill_tests! { check;
        ipvlan_port_no_hold => IpvlanPortNoHold,
        veth_no_xchg => VethNoXchg,
        veth_no_peer_ref => VethNoPeerRef,
        bareudp_no_empty_check => BareudpNoEmptyCheck,
        ipvlan_no_dying => IpvlanNoDying,
        lock_peer_net_directly => LockPeerNetDirectly,
        nets_unsorted => NetsUnsorted,
        nets_no_dedup => NetsNoDedup,
        flush_under_rtnl => FlushUnderRtnl,
        no_flush_before_free => NoFlushBeforeFree,
        work_without_rtnl => WorkWithoutRtnl,
        work_skips_run_todo => WorkSkipsRunTodo,
        no_drain_on_unlock => NoDrainOnUnlock,
        queue_net_no_work => QueueNetNoWork,
        move_drops_pending => MoveDropsPending,
        leak_netdev_ref => LeakNetdevRef,
        dev_net_toctou => DevNetToctou,
        ipvlan_event_upper_net => IpvlanEventUpperNet,
        ipvlan_uninit_no_lower_lock => IpvlanUninitNoLowerLock,
        bareudp_no_lock => BareudpNoLock,
        exit_batch_no_split => ExitBatchNoSplit,
        ops_exit_rtnl_no_split => OpsExitRtnlNoSplit,
        ipvlan_uninit_put_before_unlock => IpvlanUninitPutBeforeUnlock,
        unreg_head_wrong_lock => UnregHeadWrongLock,
        nets_sort_by_address => NetsSortByAddress,
        rebroadcast_without_net_lock => RebroadcastWithoutNetLock,
        exit_batch_nests_dying_nets => ExitBatchNestsDyingNets,
        vxcan_no_xchg => VxcanNoXchg,
        vxcan_peer_plain_queue => VxcanPeerPlainQueue,
        vxcan_leak_peer_ref => VxcanLeakPeerRef,
        geneve_no_empty_check => GeneveNoEmptyCheck,
        geneve_no_lock => GeneveNoLock,
        unload_no_wait_unregistering => UnloadNoWaitUnregistering,
        ipvlan_link_delete_no_unlink => IpvlanLinkDeleteNoUnlink,
        ipvlan_queue_before_unlink => IpvlanQueueBeforeUnlink,
        newlink_no_target_net => NewlinkNoTargetNet,
        ipvtap_no_dying => IpvtapNoDying,
        dev_lock_passive_dec_early => DevLockPassiveDecEarly,
        geneve_exit_plain_queue => GeneveExitPlainQueue,
        unload_no_pernet_rwsem => UnloadNoPernetRwsem,
        unload_notifier_before_links => UnloadNotifierBeforeLinks,
        ip_tunnel_no_token => IpTunnelNoToken,
        ip_tunnel_no_mutex => IpTunnelNoMutex,
        flush_not_woken => FlushNotWoken,
    }
}

/// Every catalogue entry is complete: a kebab-case name that parses back, a rationale, and
/// scenario files that exist and parse. Cheap, so it runs under every backend.
#[test]
fn catalogue_is_complete() {
    let mut names = std::collections::BTreeSet::new();
    for m in Mutant::ALL {
        assert!(names.insert(m.name()), "duplicate name {m}");
        assert_eq!(Mutant::from_name(m.name()), Some(m));
        assert_eq!(m.name().parse::<Mutant>(), Ok(m));
        assert!(m.rationale().len() > 80, "{m}: rationale too short");
        assert!(!m.scenarios().is_empty(), "{m}: no scenario");
        for s in m.scenarios() {
            let text = source(s);
            assert!(text.contains(m.name()), "{s} does not name {m} in its header");
            parse_script(s, &text).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        let json = serde_json::to_string(&m).expect("serialize");
        assert_eq!(json, format!("\"{}\"", m.name()));
    }
    assert!(Mutant::ALL.iter().filter(|m| !m.equivalent()).count() >= 14);
}
