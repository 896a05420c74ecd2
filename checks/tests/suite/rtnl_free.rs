//! rtnl-free mode: each place where the global RTNL is still load-bearing in the series
//! (docs/rtnl-free.md) is pinned here with loom, exhaustive within its bound: the series passes,
//! rtnl-free fails with the named property, and the conversion, where one is modelled, passes.
//! Run with `RUSTFLAGS="--cfg rtnl_loom" cargo test --release -p rtnl-checks --target-dir
//! target-loom --test suite rtnl_free::`.

#[cfg(rtnl_loom)]
mod tests {
    use rtnl_checks::cli::load;
    use rtnl_checks::explore::{explore, Exploration, ExploreOptions, Explorer, Target};
    use rtnl_model::variants::Variant::{self, ConvertAdjListInstanceLock as ADJ, ConvertNetTodoList as TODO};
    use rtnl_model::{Config, Mode, Mutant, Property};
    use std::path::Path;

    fn run(path: &str, mode: Mode, variants: &[Variant], mutant: Option<Mutant>, defer: bool) -> Exploration {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(path);
        let l = load(&p).unwrap_or_else(|e| panic!("{e}"));
        let cfg = Config { variants: variants.to_vec(), mutant, ..Config::new(mode) };
        let t = Target { script: l.script, source: l.source, cfg };
        let opts = ExploreOptions {
            explorer: Explorer::Loom,
            preemptions: Some(2),
            defer_lock_order: defer,
            ..ExploreOptions::default()
        };
        explore(&t, &opts).expect("loom build")
    }

    /// The series passes exhaustively; rtnl-free fails with `property` and a message naming `what`.
    fn load_bearing(path: &str, variants: &[Variant], property: Property, what: &str) {
        let ser = run(path, Mode::Series, variants, None, false);
        assert!(ser.passed() && ser.stats.exhausted, "{path} series: {:?}", ser.failure);
        let free = run(path, Mode::RtnlFree, variants, None, false);
        let f = free.failure.unwrap_or_else(|| panic!("{path}: rtnl-free passed"));
        assert_eq!(f.property, property.to_string(), "{path}: {}", f.message);
        assert!(f.message.contains(what), "{path}: {}", f.message);
        assert!(f.token.starts_with("rtnl1:"));
    }

    #[test]
    fn r1_net_todo_list_is_protected_by_rtnl_alone() {
        load_bearing("rtnl-free/r1-net-todo-list.sh", &[], Property::CommonLockForSharedState, "net_todo_list");
        let conv = run("rtnl-free/r1-net-todo-list.sh", Mode::RtnlFree, &[TODO], None, false);
        assert!(conv.passed() && conv.stats.exhausted, "{:?}", conv.failure);
    }

    #[test]
    fn r2_lower_adjacency_lists_are_edited_from_other_nets() {
        load_bearing("rtnl-free/r2-adj-list.sh", &[TODO], Property::CommonLockForSharedState, "veth0->adj_list");
        let conv = run("rtnl-free/r2-adj-list.sh", Mode::RtnlFree, &[TODO, ADJ], None, false);
        assert!(conv.passed() && conv.stats.exhausted, "{:?}", conv.failure);
    }

    #[test]
    fn r3_macvlan_port_count_is_rtnl_state() {
        let what = "veth0->macvlan_port.count";
        load_bearing("rtnl-free/r3-macvlan-port.sh", &[TODO, ADJ], Property::CommonLockForSharedState, what);
    }

    #[test]
    fn r4_macvlan_device_event_unregisters_uppers_of_other_nets() {
        let what = "mv2 unregistered by macvlan_device_event without ns2->rtnl_mutex";
        load_bearing("rtnl-free/r4-unconverted-macvlan-event.sh", &[TODO, ADJ], Property::PerNetnsLock, what);
    }

    #[test]
    fn r5_veth_peer_handed_to_a_net_being_torn_down() {
        let what = "struct net ns2 freed with devices left";
        load_bearing("rtnl-free/r5-veth-peer-netns-exit.sh", &[TODO, ADJ], Property::NothingLeftBehind, what);
    }

    /// R6: the unload kills under RTNL alone (S5); unregistering each net under its lock and
    /// flushing still leaves the count race: the deleter's devices are counted without RTNL.
    #[test]
    fn r6_module_unload_waits_under_rtnl_for_a_count_rtnl_no_longer_guards() {
        use rtnl_model::variants::Variant::{FixA7UnloadFlush, ProbeA7Patch7KillLinksPerNet};
        let path = "rtnl-free/r6-module-unload.sh";
        let what = "unregistered by rtnl_link_unregister without ns1->rtnl_mutex";
        load_bearing(path, &[TODO, ADJ], Property::PerNetnsLock, what);
        let both = run(path, Mode::RtnlFree, &[TODO, ADJ, ProbeA7Patch7KillLinksPerNet, FixA7UnloadFlush], None, false);
        let f = both.failure.expect("the deleter frees its devices after the unload returned");
        assert_eq!(f.property, Property::NoDriverOpAfterUnload.to_string(), "{}", f.message);
        assert!(f.message.contains("veth_dev_free"), "{}", f.message);
    }

    /// R7: in the series' order `__ipvlan_link_delete()` hands the upper to its net before
    /// unlinking it; without RTNL that net's work unregisters it still linked (S3).
    #[test]
    fn r7_upper_handed_to_its_net_before_the_unlink() {
        let path = "mutants/ipvlan-lower-del-upper-other-netns.sh";
        let m = Some(Mutant::IpvlanQueueBeforeUnlink);
        let ser = run(path, Mode::Series, &[TODO, ADJ], m, false);
        assert!(ser.passed() && ser.stats.exhausted, "RTNL orders the unlink first: {:?}", ser.failure);
        let free = run(path, Mode::RtnlFree, &[TODO, ADJ], m, false);
        let f = free.failure.expect("the upper's net unregisters it between queue and unlink");
        assert_eq!(f.property, Property::LowerOutlivesUppers.to_string(), "{}", f.message);
        assert!(f.message.contains("netdev_has_any_lower_dev(ipvl2)"), "{}", f.message);
        let conv = run(path, Mode::RtnlFree, &[TODO, ADJ], None, false);
        assert!(conv.passed() && conv.stats.exhausted, "{:?}", conv.failure);
    }

    #[test]
    fn a5_ipvlan_uninit_needs_the_lower_instance_lock_not_rtnl() {
        let cover = "cover-letter.sh";
        let ok = run(cover, Mode::RtnlFree, &[TODO, ADJ], None, false);
        assert!(ok.passed() && ok.stats.exhausted, "{:?}", ok.failure);
        let bad = run(cover, Mode::RtnlFree, &[TODO, ADJ], Some(Mutant::IpvlanUninitNoLowerLock), false);
        let f = bad.failure.expect("without netdev_lock(phy_dev) the rx_handler has no common lock");
        assert_eq!(f.property, Property::CommonLockForSharedState.to_string());
        assert!(f.message.contains("veth0->rx_handler"), "{}", f.message);
    }

    #[test]
    fn locking_the_peer_net_directly_is_an_ordering_bug_under_rtnl_and_a_deadlock_without() {
        let path = "rtnl-free/lock-peer-net-directly.sh";
        let m = Some(Mutant::LockPeerNetDirectly);
        let ser = run(path, Mode::Series, &[TODO], m, true);
        let f = ser.failure.expect("the lock-order graph reports the nesting");
        assert_eq!(f.property, Property::LockOrder.to_string());
        assert!(ser.stats.exhausted, "every execution explored, none deadlocked");
        let free = run(path, Mode::RtnlFree, &[TODO], m, true);
        let f = free.failure.expect("without RTNL the nesting deadlocks");
        assert_eq!(f.property, Property::NoDeadlock.to_string(), "{}", f.message);
        assert_eq!(f.blocked.len(), 2, "{:?}", f.blocked);
    }
}
