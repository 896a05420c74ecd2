//! proptest strategies for [`Topology`]: plans of small intents, resolved by [`Plan::build`],
//! so every generated case is valid and shrinking (fewer intents, smaller numbers, earlier
//! variants: veth pairs before uppers before tunnels) ends at a short script that reads as a
//! hand-written scenario.

use proptest::collection::vec;
use proptest::prelude::*;

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
/// one operation.
pub fn plan_strategy(lim: Limits) -> impl Strategy<Value = Plan> {
    let max_nets = u8::try_from(lim.max_nets.max(1)).unwrap_or(u8::MAX);
    (0..max_nets, vec(setup_intent(), 1..=lim.max_devs.max(1)), vec(op_intent(lim.concurrency), 1..=lim.max_ops.max(1)))
        .prop_map(|(nets, setup, ops)| Plan { nets, setup, ops })
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
