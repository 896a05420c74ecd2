//! proptest strategies for [`Topology`]: plans of small intents, resolved by [`Plan::build`],
//! so every generated case is valid, and shrinking ([`PlanTree`]: fewer operations and intents,
//! fewer namespaces, sequential operations, smaller numbers, to a fixpoint) ends at a short
//! script that reads as a hand-written scenario. tests/suite/props.rs shows it on an injected bug:
//! a two-namespace veth pair and one `ip link del`.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::{NewTree, ValueTree};
use proptest::test_runner::TestRunner;

use crate::topology::{Limits, OpIntent, OpKind, Plan, SetupIntent, Topology};

fn setup_intent() -> impl Strategy<Value = SetupIntent> {
    prop_oneof![
        4 => (any::<u8>(), any::<u8>()).prop_map(|(net, peer)| SetupIntent::Veth { net, peer }),
        5 => (any::<bool>(), any::<u8>(), any::<u8>(), any::<bool>(), any::<u8>()).prop_map(
            |(macvlan, lower, net, link_netns, mode)| SetupIntent::Upper { macvlan, lower, net, link_netns, mode }
        ),
        2 => (any::<bool>(), any::<u8>(), any::<u8>())
            .prop_map(|(bareudp, socket, net)| SetupIntent::Tunnel { bareudp, socket, net }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(dev, to)| SetupIntent::Move { dev, to }),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(net, peer)| SetupIntent::Twin { net, peer }),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(kind, arg)| SetupIntent::Fail { kind, arg }),
    ]
}

fn op_kind() -> impl Strategy<Value = OpKind> {
    prop_oneof![
        4 => any::<u8>().prop_map(|dev| OpKind::Del { dev }),
        3 => any::<u8>().prop_map(|ns| OpKind::DelNetns { ns }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(dev, to)| OpKind::Move { dev, to }),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(kind, arg)| OpKind::Fail { kind, arg }),
    ]
}

fn op_intent(concurrency: bool) -> impl Strategy<Value = OpIntent> {
    // Shrinks towards `with_next: false`, i.e. towards a sequential script.
    let with_next = if concurrency { any::<bool>().boxed() } else { Just(false).boxed() };
    (op_kind(), with_next).prop_map(|(op, with_next)| OpIntent { op, with_next })
}

/// Plans within `lim`: as many setup intents as devices allowed (some create none), at least
/// one operation. Devices are picked by key ([`Plan`]), so that dropping an intent moves no
/// other intent's pick, and the plans shrink with [`PlanTree`].
pub fn plan_strategy(lim: Limits) -> impl Strategy<Value = Plan> {
    let max_nets = u8::try_from(lim.max_nets.max(1)).unwrap_or(u8::MAX);
    let setup = vec((setup_intent(), any::<u8>()), 1..=lim.max_devs.max(1));
    let plans =
        (0..max_nets, setup, vec(op_intent(lim.concurrency), 1..=lim.max_ops.max(1))).prop_map(|(nets, setup, ops)| {
            let (setup, keys): (Vec<SetupIntent>, Vec<u8>) = setup.into_iter().unzip();
            // In the byte form, whose fields the shrinker lowers.
            let setup = setup.iter().map(|i| SetupIntent::from_bytes(i.to_bytes())).collect();
            Plan { nets, setup, ops, keys }
        });
    PlanStrategy(plans.boxed())
}

#[derive(Debug)]
struct PlanStrategy(BoxedStrategy<Plan>);

impl Strategy for PlanStrategy {
    type Tree = PlanTree;
    type Value = Plan;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        Ok(PlanTree::new(self.0.new_tree(runner)?.current()))
    }
}

/// Shrinks a plan greedily to a fixpoint: tries every simplification of the current plan in
/// turn (drop an operation, drop a setup intent, fewer namespaces, run an operation alone,
/// lower an intent's number to 0 or by half) and restarts from any that still fails, so an
/// intent that was needed early on is dropped once what needed it is gone. proptest's own
/// tuple and vector shrinking never goes back to an earlier part.
#[derive(Clone, Debug)]
pub struct PlanTree {
    current: Plan,
    candidates: Vec<Plan>,
    next: usize,
    trying: Option<Plan>,
}

impl PlanTree {
    fn new(plan: Plan) -> Self {
        PlanTree { candidates: Vec::new(), next: 0, trying: None, current: plan }
    }

    fn candidates(p: &Plan) -> Vec<Plan> {
        let mut out = Vec::new();
        for i in (0..p.ops.len()).filter(|_| p.ops.len() > 1) {
            let mut q = p.clone();
            q.ops.remove(i);
            out.push(q);
        }
        for i in 0..p.setup.len() {
            let mut q = p.clone();
            q.setup.remove(i);
            if i < q.keys.len() {
                q.keys.remove(i);
            }
            out.push(q);
        }
        for nets in [0, p.nets / 2, p.nets.saturating_sub(1)] {
            if nets < p.nets {
                out.push(Plan { nets, ..p.clone() });
            }
        }
        for i in (0..p.ops.len()).filter(|&i| p.ops[i].with_next) {
            let mut q = p.clone();
            q.ops[i].with_next = false;
            out.push(q);
        }
        // Every number but the tag that picks the variant.
        for i in 0..p.setup.len() {
            let bytes = p.setup[i].to_bytes();
            for (j, lower) in (1..4).flat_map(|j| lowered(bytes[j]).map(move |b| (j, b))) {
                let mut q = p.clone();
                let mut b = bytes;
                b[j] = lower;
                q.setup[i] = SetupIntent::from_bytes(b);
                out.push(q);
            }
        }
        for i in 0..p.ops.len() {
            let bytes = p.ops[i].to_bytes();
            for (j, lower) in (1..3).flat_map(|j| lowered(bytes[j]).map(move |b| (j, b))) {
                let mut q = p.clone();
                let mut b = bytes;
                b[j] = lower;
                q.ops[i] = OpIntent::from_bytes(b);
                out.push(q);
            }
        }
        out.retain(|q| q != p);
        out
    }

    /// Moves on to the next candidate; false when none is left.
    fn advance(&mut self) -> bool {
        self.trying = self.candidates.get(self.next).cloned();
        self.next += 1;
        self.trying.is_some()
    }
}

/// Smaller values to try for a number: 0, half of it, one less.
fn lowered(b: u8) -> impl Iterator<Item = u8> {
    let mut v = vec![0, b / 2, b.saturating_sub(1)];
    v.dedup();
    v.into_iter().filter(move |&x| x < b)
}

impl ValueTree for PlanTree {
    type Value = Plan;

    fn current(&self) -> Plan {
        self.trying.clone().unwrap_or_else(|| self.current.clone())
    }

    fn simplify(&mut self) -> bool {
        // Called again after a candidate still failed: keep it and start over from it.
        if let Some(p) = self.trying.take() {
            self.current = p;
            self.next = 0;
            self.candidates.clear();
        }
        if self.next == 0 {
            self.candidates = Self::candidates(&self.current);
        }
        self.advance()
    }

    fn complicate(&mut self) -> bool {
        // The candidate passed: drop it and try the next one.
        self.advance()
    }
}

/// Topologies within `lim`.
pub fn topology_strategy_with(lim: Limits) -> impl Strategy<Value = Topology> {
    plan_strategy(lim).prop_map(move |p| p.build(&lim))
}

/// Topologies with up to `max_nets` namespaces and `max_devs` devices, every device kind,
/// and operations of which some run concurrently (at most two at once). Without the shapes of
/// known findings ([`Limits::ipvlan_on_unconverted`]).
pub fn topology_strategy(max_nets: usize, max_devs: usize) -> impl Strategy<Value = Topology> {
    topology_strategy_with(Limits::new(max_nets, max_devs))
}

/// [`topology_strategy`] without concurrent operations: one outcome each.
pub fn sequential_topology_strategy(max_nets: usize, max_devs: usize) -> impl Strategy<Value = Topology> {
    topology_strategy_with(Limits::new(max_nets, max_devs).sequential())
}

/// Stacked ipvlan topologies: a veth pair `veth0`@ns1 - `veth1`@ns2, then up to `max_depth`
/// levels of ipvlans, each level up to `max_fanout` uppers on one device of the level below,
/// spread over up to four namespaces (an ipvlan on an ipvlan attaches to the real lower, so
/// that depth is in the commands), and sometimes a top level of macvlans on ipvlans, which
/// makes the stack really deeper. Then one to three operations, possibly concurrent: delete a
/// device (mostly an end of the veth pair) or destroy a namespace.
pub fn stacked_ipvlan_strategy(max_depth: usize, max_fanout: usize) -> impl Strategy<Value = Topology> {
    let level = (any::<bool>(), vec((any::<u8>(), any::<bool>()), 1..=max_fanout.max(1)));
    let ops = vec(
        (
            prop_oneof![
                3 => (0..2u8).prop_map(|dev| OpKind::Del { dev }),
                2 => any::<u8>().prop_map(|ns| OpKind::DelNetns { ns }),
                1 => any::<u8>().prop_map(|dev| OpKind::Del { dev }),
            ],
            any::<bool>(),
        ),
        1..=3,
    );
    let macvlans = proptest::option::of(level.clone());
    (1..4u8, vec(level, 1..=max_depth.max(1)), macvlans, ops).prop_map(move |(nets, levels, macvlans, ops)| {
        let mut plan = Plan::new(nets + 1).setup(SetupIntent::Veth { net: 0, peer: 1 });
        let (mut below, mut count) = (1u8, 2u8);
        let levels = levels.into_iter().map(|l| (false, l)).chain(macvlans.map(|l| (true, l)));
        for (macvlan, (second, uppers)) in levels {
            // The first or second device of the level below (modulo what exists).
            let lower = below.saturating_add(u8::from(second));
            let first = count;
            for (net, link_netns) in uppers {
                plan = plan.setup(SetupIntent::Upper { macvlan, lower, net, link_netns, mode: 0 });
                count = count.saturating_add(1);
            }
            below = first;
        }
        for (op, with_next) in ops {
            plan.ops.push(OpIntent { op, with_next });
        }
        let lim = Limits { max_ops: 3, init_net: false, bareudp: false, ..Limits::new(4, usize::from(count)) };
        plan.build(&lim)
    })
}
