//! The lock-order graph: lockdep-shaped reports, same-class nesting rules, and a brute-force
//! oracle for cycle detection.

use proptest::prelude::*;
use rtnl_checks::lockgraph::{GraphError, LockGraph, LockReportKind};
use rtnl_model::lockdep::{LockClass, LockEdge, LockId, Site};

fn site(func: &str, file: &str, line: u32) -> Site {
    Site { func: func.to_string().into(), file: file.to_string().into(), line }
}

fn edge(from: (LockId, Site), to: (LockId, Site), thread: &str) -> LockEdge {
    LockEdge { from: from.0, from_site: from.1, to: to.0, to_site: to.1, thread: thread.into() }
}

fn rtnl() -> (LockId, Site) {
    (LockId::new(LockClass::Rtnl, 0, "rtnl_mutex"), site("rtnl_lock", "model/src/rtnetlink.rs", 40))
}

fn rtnl_net(key: u64) -> (LockId, Site) {
    (
        LockId::new(LockClass::RtnlNet, key, format!("ns{key}->rtnl_mutex")),
        site("rtnl_net_lock", "model/src/rtnetlink.rs", 60),
    )
}

fn pnodes(key: u64, func: &str) -> (LockId, Site) {
    (LockId::new(LockClass::IpvlanPnodes, key, "ipvl0->port->pnodes_lock"), site(func, "model/src/ipvlan.rs", 30))
}

fn dev(ifindex: u64, func: &str) -> (LockId, Site) {
    (LockId::new(LockClass::DevInstance, ifindex, format!("veth{ifindex}->lock")), site(func, "model/src/dev.rs", 70))
}

fn unreg(key: u64) -> (LockId, Site) {
    (
        LockId::new(LockClass::DevUnregLock, key, format!("ns{key}->dev_unreg_lock")),
        site("unlist_netdevice", "model/src/dev.rs", 90),
    )
}

fn wq(func: &str, file: &str, line: u32) -> (LockId, Site) {
    (LockId::new(LockClass::WqCompletion, 0, "(wq_completion)rtnl_net"), site(func, file, line))
}

const ABBA: &str = "\
======================================================
WARNING: possible circular locking dependency detected
------------------------------------------------------
kworker/rtnl_net is trying to acquire lock:
  (rtnl_mutex){+.+.}, at: rtnl_lock+model/src/rtnetlink.rs:40

but task is already holding lock:
  ((wq_completion)rtnl_net){+.+.}, at: process_one_work+model/src/workqueue.rs:88

which lock already depends on the new lock.

the existing dependency chain (in reverse order) is:

-> #1 ((wq_completion)rtnl_net){+.+.}:
       rtnl_net_flush_workqueue+model/src/rtnetlink.rs:120
       holding rtnl_mutex since rtnl_lock+model/src/rtnetlink.rs:40 [ip#1]

-> #0 (rtnl_mutex){+.+.}:
       rtnl_lock+model/src/rtnetlink.rs:40
       holding (wq_completion)rtnl_net since process_one_work+model/src/workqueue.rs:88 [kworker/rtnl_net]

other info that might help us debug this:

 Possible unsafe locking scenario:

       CPU0                    CPU1
       ----                    ----
  lock((wq_completion)rtnl_net);
                               lock(rtnl_mutex);
                               lock((wq_completion)rtnl_net);
  lock(rtnl_mutex);

 *** DEADLOCK ***";

/// Neither execution deadlocked: each took the two locks in one order. Merged, they are an ABBA.
#[test]
fn abba_across_two_executions_is_reported_in_lockdep_shape() {
    let mut g = LockGraph::new();
    // Execution 1: rtnl_net_flush_workqueue() under RTNL.
    let exec1 = [edge(rtnl(), wq("rtnl_net_flush_workqueue", "model/src/rtnetlink.rs", 120), "ip#1")];
    // Execution 2: the work item takes RTNL inside the worker.
    let exec2 = [edge(wq("process_one_work", "model/src/workqueue.rs", 88), rtnl(), "kworker/rtnl_net")];
    assert!(g.add_edges(&exec1).is_empty());
    assert!(g.is_acyclic());

    let reports = g.add_edges(&exec2);
    assert_eq!(reports.len(), 1, "{reports:#?}");
    let r = &reports[0];
    assert_eq!(r.kind, LockReportKind::CircularDependency);
    assert_eq!(r.chain, ["rtnl_mutex", "(wq_completion)rtnl_net"]);
    assert_eq!(r.classes, [LockClass::Rtnl, LockClass::WqCompletion]);
    assert_eq!(r.existing, exec1);
    assert_eq!(r.new_edge, exec2[0]);
    assert_eq!(r.to_string(), ABBA);

    let json = serde_json::to_value(r).expect("serializes");
    assert_eq!(json["kind"], "circular_dependency");
    assert_eq!(json["chain"][1], "(wq_completion)rtnl_net");
    assert_eq!(json["existing"][0]["to_site"]["func"], "rtnl_net_flush_workqueue");

    assert!(!g.is_acyclic());
    assert_eq!(g.reports(), &reports[..]);
    // The same executions again find nothing new.
    assert!(g.add_edges(&exec1).is_empty());
    assert!(g.add_edges(&exec2).is_empty());
    assert_eq!(g.reports().len(), 1);
    assert_eq!((g.node_count(), g.edge_count()), (2, 2));
}

#[test]
fn three_cycle_reports_the_whole_chain() {
    let mut g = LockGraph::new();
    let e1 = edge(rtnl(), pnodes(1, "ipvlan_port_create"), "ip#1");
    let e2 = edge(pnodes(1, "ipvlan_add_addr"), dev(5, "netdev_lock"), "ip#2");
    let e3 = edge(dev(5, "dev_set_mtu"), rtnl(), "ip#3");
    assert!(g.add_edges(&[e1.clone(), e2.clone()]).is_empty());
    let reports = g.add_edges(std::slice::from_ref(&e3));
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.kind, LockReportKind::CircularDependency);
    assert_eq!(r.chain, ["rtnl_mutex", "&port->pnodes_lock", "&dev->lock"]);
    assert_eq!(r.existing, [e1, e2]);
    let text = r.to_string();
    for needle in [
        "ip#3 is trying to acquire lock:\n  (rtnl_mutex){+.+.}, at: rtnl_lock+model/src/rtnetlink.rs:40\n",
        "but task is already holding lock:\n  veth5->lock (&dev->lock){+.+.}, at: dev_set_mtu+model/src/dev.rs:70\n",
        "\n-> #2 (&dev->lock){+.+.}:\n       netdev_lock+model/src/dev.rs:70\n",
        "\n-> #1 (&port->pnodes_lock){+.+.}:\n       ipvlan_port_create+model/src/ipvlan.rs:30\n",
        "\n-> #0 (rtnl_mutex){+.+.}:\n       rtnl_lock+model/src/rtnetlink.rs:40\n",
        "Chain exists of:\n  rtnl_mutex --> &port->pnodes_lock --> &dev->lock\n\n",
        "  lock(&dev->lock);\n                               lock(&port->pnodes_lock);\n                               lock(&dev->lock);\n  lock(rtnl_mutex);\n",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // #2 comes before #1 before #0 (reverse order).
    let pos = |s: &str| text.find(s).unwrap_or(usize::MAX);
    assert!(pos("-> #2") < pos("-> #1") && pos("-> #1") < pos("-> #0"));
}

#[test]
fn four_cycle_prints_every_link() {
    let mut g = LockGraph::new();
    g.add_edges(&[
        edge(rtnl(), rtnl_net(1), "a"),
        edge(rtnl_net(1), pnodes(1, "ipvlan_port_create"), "b"),
        edge(pnodes(1, "ipvlan_add_addr"), dev(5, "netdev_lock"), "c"),
    ]);
    let reports = g.add_edges(&[edge(dev(5, "dev_set_mtu"), rtnl(), "d")]);
    assert_eq!(reports.len(), 1);
    let text = reports[0].to_string();
    assert!(text.contains("  rtnl_mutex --> &net->rtnl_mutex --> &port->pnodes_lock --> &dev->lock\n"), "{text}");
    assert!(text.contains("-> #3 (&dev->lock)"), "{text}");
}

#[test]
fn same_class_nesting_follows_lockdep_rules() {
    let mut g = LockGraph::new();
    // init_net first, then ascending: fine.
    assert!(g.add_edge(&edge(rtnl_net(0), rtnl_net(2), "ip#1")).is_none());
    let asc = edge(rtnl_net(1), rtnl_net(3), "ip#1");
    assert!(g.add_edge(&asc).is_none());
    assert!(g.add_edge(&edge(unreg(1), unreg(4), "ip#1")).is_none());
    assert!(g.is_clean());

    // The reverse of an observed ascending nesting: an ABBA between the two instances.
    let desc = edge(rtnl_net(3), rtnl_net(1), "ip#2");
    let r = g.add_edge(&desc).expect("descending nesting is reported");
    assert_eq!(r.kind, LockReportKind::OrderWithinClass);
    assert_eq!(r.cmp, Some(1));
    assert_eq!(r.chain, ["ns1->rtnl_mutex", "ns3->rtnl_mutex"]);
    assert_eq!(r.existing, [asc]);
    let text = r.to_string();
    for needle in [
        "WARNING: possible circular locking dependency detected\n",
        "ip#2 is trying to acquire lock:\n  ns1->rtnl_mutex (&net->rtnl_mutex){+.+.}, at: rtnl_net_lock+",
        "but task is already holding lock:\n  ns3->rtnl_mutex (&net->rtnl_mutex){+.+.}, at: rtnl_net_lock+",
        "and the lock comparison function returns 1:\n",
        "-> #1 ns3->rtnl_mutex (&net->rtnl_mutex){+.+.}:\n",
        "  lock(ns3->rtnl_mutex);\n                               lock(ns1->rtnl_mutex);\n",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Reported once, however many executions repeat it.
    assert!(g.add_edge(&desc).is_none());

    // Descending without the ascending counterpart: still against the class's order.
    let r = g.add_edge(&edge(rtnl_net(5), rtnl_net(4), "ip#3")).expect("reported");
    assert_eq!(r.kind, LockReportKind::OrderWithinClass);
    assert!(r.existing.is_empty());
    assert!(r.to_string().contains("lock comparison function orders after the new lock"));

    // Same net twice: recursive.
    let r = g.add_edge(&edge(rtnl_net(2), rtnl_net(2), "ip#1")).expect("recursive");
    assert_eq!(r.kind, LockReportKind::RecursiveLocking);
    assert_eq!(r.cmp, Some(0));
    let text = r.to_string();
    assert!(text.starts_with(
        "============================================\nWARNING: possible recursive locking detected\n\
         --------------------------------------------\nip#1 is trying to acquire lock:\n"
    ));
    assert!(text.contains("and the lock comparison function returns 0:\n"));
    assert!(text.contains("       CPU0\n       ----\n  lock(ns2->rtnl_mutex);\n  lock(ns2->rtnl_mutex);\n"));
    assert!(text.ends_with(" *** DEADLOCK ***\n\n May be due to missing lock nesting notation"));

    // dev->lock has no instance order: any nesting is recursive locking.
    let r = g.add_edge(&edge(dev(3, "netdev_lock"), dev(7, "netdev_lock"), "ip#4")).expect("reported");
    assert_eq!(r.kind, LockReportKind::RecursiveLocking);
    assert_eq!(r.cmp, None);
    assert!(!r.to_string().contains("comparison function"));
    assert!(g.add_edge(&edge(unreg(2), unreg(1), "ip#5")).is_some());

    // Self-nesting never enters the class graph.
    assert_eq!(g.edge_count(), 0);
    assert_eq!(g.node_count(), 3);
    assert!(g.is_acyclic());
    assert_eq!(g.reports().len(), 5);
}

#[test]
fn examples_are_kept_per_class_pair() {
    let mut g = LockGraph::new();
    for (ifindex, func) in [(1, "a"), (2, "b"), (3, "a"), (4, "c"), (5, "d"), (6, "e"), (7, "f")] {
        g.add_edge(&edge(rtnl(), dev(ifindex, func), "t"));
    }
    let e = g.class_edges().next().expect("one class edge");
    assert_eq!(g.edge_count(), 1);
    assert_eq!(e.count, 7);
    let funcs: Vec<&str> = e.examples.iter().map(|x| x.to_site.func.as_ref()).collect();
    assert_eq!(funcs, ["a", "b", "c", "d"]);
    assert_eq!(e.examples[0].to.key, 1);
}

fn cyclic_graph() -> LockGraph {
    let mut g = LockGraph::new();
    g.add_edges(&[
        edge(rtnl(), rtnl_net(1), "ip#1"),
        edge(rtnl_net(1), unreg(1), "ip#1"),
        edge(rtnl(), wq("rtnl_net_flush_workqueue", "model/src/rtnetlink.rs", 120), "ip#1"),
        edge(wq("process_one_work", "model/src/workqueue.rs", 88), rtnl(), "kworker/rtnl_net"),
    ]);
    g
}

#[test]
fn text_output_is_one_sorted_line_per_class_edge() {
    let text = cyclic_graph().to_text();
    assert_eq!(
        text,
        "\
&net->rtnl_mutex -> &net->dev_unreg_lock  [unlist_netdevice+model/src/dev.rs:90]
(wq_completion)rtnl_net -> rtnl_mutex  [rtnl_lock+model/src/rtnetlink.rs:40]
rtnl_mutex -> &net->rtnl_mutex  [rtnl_net_lock+model/src/rtnetlink.rs:60]
rtnl_mutex -> (wq_completion)rtnl_net  [rtnl_net_flush_workqueue+model/src/rtnetlink.rs:120]
"
    );
}

#[test]
fn dot_output_names_every_class_and_marks_the_cycle() {
    let g = cyclic_graph();
    let dot = g.to_dot();
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    for name in ["rtnl_mutex", "&net->rtnl_mutex", "&net->dev_unreg_lock", "(wq_completion)rtnl_net"] {
        assert!(dot.contains(&format!("[label=\"{name}\"]")), "missing node {name} in\n{dot}");
    }
    let edge_lines: Vec<&str> =
        dot.lines().filter(|l| l.contains("->") && l.contains("label=\"") && l.contains(" -> n")).collect();
    assert_eq!(edge_lines.len(), g.edge_count());
    let red: Vec<&&str> = edge_lines.iter().filter(|l| l.contains("color=red")).collect();
    assert_eq!(red.len(), 2, "{dot}");
    assert!(red.iter().any(|l| l.contains("rtnl_net_flush_workqueue")));
    assert!(red.iter().any(|l| l.contains("rtnl_lock+")));
}

#[test]
fn svg_through_graphviz_when_installed() {
    let g = cyclic_graph();
    let have_dot = std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success());
    if have_dot {
        let svg = g.to_svg().expect("dot renders the graph");
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("rtnl_mutex"));
    } else {
        eprintln!("graphviz not installed: checking only the error");
    }
    let err = g.to_svg_with("/nonexistent/dot").expect_err("no such program");
    assert!(matches!(err, GraphError::DotNotFound(_)), "{err:?}");
    assert!(err.to_string().contains("Install graphviz"), "{err}");
}

// ---- brute-force oracle ------------------------------------------------------------------

const CLASSES: [LockClass; 5] =
    [LockClass::Rtnl, LockClass::RtnlNet, LockClass::IpvlanPnodes, LockClass::DevInstance, LockClass::DevUnregLock];

fn lock(class: usize, key: u64) -> (LockId, Site) {
    let c = CLASSES[class];
    (LockId::new(c, key, format!("{}#{key}", c.lockdep_name())), site("f", "model/src/x.rs", class as u32))
}

/// Whether `goal` is reachable from `start` over `edges` (plain DFS).
fn reaches(edges: &[(usize, usize)], start: usize, goal: usize) -> bool {
    let mut seen = [false; CLASSES.len()];
    let mut stack = vec![start];
    while let Some(n) = stack.pop() {
        if n == goal {
            return true;
        }
        if !std::mem::replace(&mut seen[n], true) {
            stack.extend(edges.iter().filter(|e| e.0 == n).map(|e| e.1));
        }
    }
    false
}

fn has_cycle(edges: &[(usize, usize)]) -> bool {
    edges.iter().any(|&(a, b)| reaches(edges, b, a))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A cycle is reported exactly when brute force finds one, at the insertion that closes it;
    /// same-class nesting is judged by key and reported once.
    #[test]
    fn reports_match_brute_force(seq in prop::collection::vec((0..5usize, 0..4u64, 0..5usize, 0..4u64), 1..40)) {
        let mut g = LockGraph::new();
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let mut nest_reported = std::collections::HashSet::new();
        for (i, &(fc, fk, tc, tk)) in seq.iter().enumerate() {
            let report = g.add_edge(&edge(lock(fc, fk), lock(tc, tk), &format!("t{i}")));
            let expected = if fc == tc {
                let ordered = CLASSES[fc].nests_by_key();
                if ordered && fk < tk || !nest_reported.insert((fc, fk, tk)) {
                    None
                } else if ordered && fk > tk {
                    Some(LockReportKind::OrderWithinClass)
                } else {
                    Some(LockReportKind::RecursiveLocking)
                }
            } else if edges.contains(&(fc, tc)) {
                None
            } else {
                let closes = reaches(&edges, tc, fc);
                edges.push((fc, tc));
                closes.then_some(LockReportKind::CircularDependency)
            };
            prop_assert_eq!(report.as_ref().map(|r| r.kind), expected, "step {}", i);

            if let Some(r) = report.filter(|r| r.kind == LockReportKind::CircularDependency) {
                // The chain runs from the new lock through recorded edges back to the held one.
                let idx = |c: LockClass| CLASSES.iter().position(|&x| x == c).unwrap_or(usize::MAX);
                prop_assert_eq!(r.classes.first().copied(), Some(CLASSES[tc]));
                prop_assert_eq!(r.classes.last().copied(), Some(CLASSES[fc]));
                prop_assert_eq!(r.existing.len() + 1, r.classes.len());
                for w in r.classes.windows(2) {
                    prop_assert!(edges.contains(&(idx(w[0]), idx(w[1]))));
                }
            }
            prop_assert_eq!(g.is_acyclic(), !has_cycle(&edges), "step {}", i);
            prop_assert_eq!(g.edge_count(), edges.len());
            let any_cycle_report = g.reports().iter().any(|r| r.kind == LockReportKind::CircularDependency);
            prop_assert_eq!(any_cycle_report, has_cycle(&edges));
        }
    }
}
