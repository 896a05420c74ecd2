//! Unit tests of the model's own pieces (lockdep's locksets, the mutant catalogue, the DPOR
//! report channel), through its public surface. They live here rather than in model/src so that
//! `cargo test` does not compile the model once more as a test harness.

mod lockset {
    use rtnl_model::lockdep::{Access, LockClass, Locksets};

    fn access(thread: &str) -> Access {
        Access { thread: thread.into(), func: "f".into(), held: Vec::new() }
    }

    const RTNL: (LockClass, u64) = (LockClass::Rtnl, 0);
    const NS1: (LockClass, u64) = (LockClass::RtnlNet, 1);
    const NS2: (LockClass, u64) = (LockClass::RtnlNet, 2);

    #[test]
    fn a_lock_common_to_every_access_protects_the_state() {
        let mut l = Locksets::default();
        assert!(l.access("x", "a", vec![RTNL, NS1], || access("a")).is_none());
        assert!(l.access("x", "b", vec![RTNL, NS2], || access("b")).is_none());
        assert!(l.access("x", "a", vec![RTNL], || access("a")).is_none());
    }

    #[test]
    fn disjoint_locks_from_two_threads_are_reported_once_with_both_accesses() {
        let mut l = Locksets::default();
        assert!(l.access("x", "a", vec![RTNL, NS1], || access("a")).is_none());
        assert!(l.access("x", "b", vec![RTNL, NS2], || access("b")).is_none());
        let (first, second) = l.access("x", "c", vec![NS2], || access("c")).expect("no common lock left");
        assert_eq!((first.thread.as_str(), second.thread.as_str()), ("a", "c"), "a shares no lock with c");
        assert!(l.access("x", "d", vec![], || access("d")).is_none(), "reported once");
        assert!(l.access("y", "a", vec![], || access("a")).is_none(), "per piece of state");
    }

    #[test]
    fn one_thread_alone_is_never_a_race() {
        let mut l = Locksets::default();
        assert!(l.access("x", "a", vec![NS1], || access("a")).is_none());
        assert!(l.access("x", "a", vec![NS2], || access("a")).is_none());
        assert!(l.access("x", "b", vec![NS2], || access("b")).is_some());
    }
}

mod mutant_catalogue {
    use rtnl_model::mutants::{Mutant, CATALOGUE};

    /// `info()` indexes the table by discriminant: row k must be variant k, and names unique.
    #[test]
    fn catalogue_rows_follow_the_enum() {
        for (k, row) in CATALOGUE.iter().enumerate() {
            assert_eq!(row.mutant as usize, k, "{} is row {k}", row.name);
            assert_eq!(Mutant::from_name(row.name), Some(row.mutant));
        }
    }
}

mod dpor_report {
    use rtnl_model::sync::dpor_report::*;

    #[test]
    fn a_report_is_consumed_by_its_schedule_point() {
        clear();
        let m = new_object_id();
        assert_eq!(new_object_id(), m + 1);
        report_for(3, OpKind::Lock, m);
        assert_eq!(peek(3), Some(Op::new(OpKind::Lock, m)));
        assert_eq!(take(3), Some(Op::new(OpKind::Lock, m)));
        assert_eq!(take(3), None);
        clear();
        assert_eq!(new_object_id(), m, "ids restart with each execution");
    }

    #[test]
    fn dependence_needs_one_object_and_a_write() {
        let (a, b) = (new_object_id(), new_object_id());
        let op = Op::new;
        assert!(!op(OpKind::Load, a).dependent(op(OpKind::Load, a)));
        assert!(op(OpKind::Load, a).dependent(op(OpKind::Store, a)));
        assert!(op(OpKind::Lock, a).dependent(op(OpKind::Unlock, a)));
        assert!(!op(OpKind::Store, a).dependent(op(OpKind::Store, b)));
        assert!(Op::UNKNOWN.dependent(op(OpKind::Load, b)));
    }
}
