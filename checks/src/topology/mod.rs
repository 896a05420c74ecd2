//! Generated topologies: namespaces, devices stacked on each other across them, and the
//! operations that tear them down, valid by construction. The builder emits the model's own
//! commands ([`rtnl_model::script`]); the scenario script is printed only for people.
//!
//! A [`Plan`] is a list of small numeric intents ("a veth pair between the 2nd and the 1st
//! namespace", "an upper on the 3rd device, in the 2nd namespace", "delete the 4th device")
//! that [`Plan::build`] resolves against what exists at that point; an intent that cannot
//! apply is dropped. So any plan gives a valid [`Topology`], proptest can shrink plans freely
//! ([`crate::strategy`]) and cargo-fuzz can decode one from arbitrary bytes
//! ([`Plan::from_bytes`], and `Arbitrary` with the `arbitrary` feature).
//!
//! # Shape
//! 1. `ip netns add ns1` .. `nsN`.
//! 2. Setup: veth pairs within and across namespaces (also pairs whose two ends share a name,
//!    in different namespaces), ipvlan and macvlan uppers on any earlier device, in any
//!    namespace (`link-netns`, or created beside the lower and moved), vxlan and bareudp
//!    tunnels created in their socket namespace and moved elsewhere, moves, and commands that
//!    fail without effect (a duplicate name, a missing lower, device or namespace, a name
//!    clash in the target of a move).
//! 3. Operations: deletions, namespace destructions, moves and failing commands; with
//!    [`Limits::concurrency`], two consecutive operations may run concurrently (`&`, `wait`).
//!
//! # Determinism
//! Setup deletes nothing, and operations create nothing and only move devices whose name is
//! unique in the whole topology. Deleting and destroying is partly asynchronous in the kernel
//! (a device queued on another namespace's work, `cleanup_net()`), so a later command may still
//! see a device that is already doomed; under these two rules that only changes whether such a
//! command reports an error, never which devices are left. A sequential topology therefore has
//! one outcome, which [`crate::reference`] predicts.

use std::fmt;

use rtnl_model::script::{Command, LinkKind, Loc, Op, Script, Step};
use rtnl_model::variants::Variant;
use rtnl_model::{Config, Mode};

use crate::scenario::command_text;

mod build;
mod codec;

/// The name of generated scripts.
pub const SCRIPT_NAME: &str = "generated";

/// Most namespaces a generated topology names: `ns1` ..= `ns4`.
pub const MAX_NETS: usize = 4;

/// The kernel configuration generated topologies run under: [`Config::new`] without the two
/// hazards they reach constantly, so that everything else stays visible; tests/suite/shuttle_props.rs
/// pins both in the faithful configuration.
/// - A6: `rtnl_net_wq` with one active item per namespace a topology can have, the initial one
///   included, so that no per-netns work item ever waits for a slot, as with the default
///   `max_active` (256 per CPU) of the proposed fix. With `create_workqueue()`'s 1, a per-netns
///   work item that unregisters a lower whose ipvlan upper lives in a third namespace waits for
///   that namespace's item, queued behind it on the same CPU: a hang. The model's
///   [`Variant::FixA6WqMaxActive`] (2) is not enough either: two such chains at once hang it
///   (`a6_fix_of_two_active_items_hangs_two_chains`).
/// - A1, [`Variant::FixA1RebroadcastNoDrain`]. The re-broadcast in `netdev_wait_allrefs_any()`
///   drains the waiting device's namespace with `__rtnl_net_unlock()` and then calls
///   `__rtnl_unlock()`, which WARNs (S11) when that drain unregistered anything: whenever
///   another command queued a device on that namespace while a device there waits for its
///   references.
pub fn generated_config(mode: Mode) -> Config {
    Config { wq_max_active: MAX_NETS + 1, variants: vec![Variant::FixA1RebroadcastNoDrain], ..Config::new(mode) }
}

/// A namespace: the initial one (commands without `-n`) or `nsN`, N from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Net {
    Init,
    Ns(usize),
}

impl Net {
    /// The name `ip -n` takes, `None` for the initial namespace.
    fn name(self) -> Option<String> {
        self.ns().map(ns_name)
    }

    fn ns(self) -> Option<usize> {
        match self {
            Net::Init => None,
            Net::Ns(n) => Some(n),
        }
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Net::Init => f.write_str("init_net"),
            Net::Ns(n) => write!(f, "ns{n}"),
        }
    }
}

/// `nsN`.
fn ns_name(n: usize) -> String {
    format!("ns{n}")
}

/// The comment lines [`Topology::to_script`] starts with.
const HEADER_LINES: usize = 2;

/// A generated scenario: the script the model runs, built from the model's own ops, with
/// each command located where [`Topology::to_script`] prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Topology {
    /// `ns1` ..= `nsN` are added first.
    pub nets: usize,
    /// Devices the setup creates.
    pub devices: usize,
    script: Script,
    /// Steps of `script` before the operations: the `ip netns add` lines and the setup.
    setup_steps: usize,
}

impl Topology {
    /// Lays out the script: `ip netns add` lines, the setup, then the operations, a group
    /// of two run concurrently (`&`, `wait`). Line numbers are those of
    /// [`Topology::to_script`]; `generated_scripts_parse` (tests/props.rs) holds the two together.
    fn new(nets: usize, devices: usize, setup: Vec<(Net, Op)>, ops: Vec<Vec<(Net, Op)>>) -> Self {
        let located = |line: usize, net: Net, op: Op| {
            let netns = net.name();
            Command { loc: Loc { line, col: 1 }, text: command_text(netns.as_deref(), &op), netns, op }
        };
        let netns_adds = (1..=nets).map(|n| (Net::Init, Op::NetnsAdd { name: ns_name(n) }));
        let mut steps: Vec<Step> = netns_adds
            .chain(setup)
            .enumerate()
            .map(|(i, (net, op))| Step::Run(located(HEADER_LINES + 1 + i, net, op)))
            .collect();
        let setup_steps = steps.len();
        // The line of the `# operations` comment.
        let mut line = HEADER_LINES + setup_steps + 1;
        for group in ops {
            let background = group.len() > 1;
            for (net, op) in group {
                line += 1;
                let c = located(line, net, op);
                steps.push(if background { Step::Background(c) } else { Step::Run(c) });
            }
            if background {
                line += 1;
                steps.push(Step::Wait(Loc { line, col: 1 }));
            }
        }
        Topology { nets, devices, script: Script { name: SCRIPT_NAME.into(), steps }, setup_steps }
    }

    /// Whether no two commands run concurrently.
    pub fn is_sequential(&self) -> bool {
        !self.script.steps.iter().any(|s| matches!(s, Step::Background(_)))
    }

    /// The script the model runs.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// The topology as a scenario script, with a header comment, ready to paste into a file:
    /// for people (a shrunk case, a fuzz crash) and replay tokens; the model runs
    /// [`Topology::script`].
    pub fn to_script(&self) -> String {
        use fmt::Write as _;
        let op_steps = &self.script.steps[self.setup_steps..];
        let ops = op_steps.iter().filter(|s| !matches!(s, Step::Wait(_))).count();
        let concurrent = op_steps.iter().filter(|s| matches!(s, Step::Wait(_))).count();
        let mut s = format!(
            "# Generated topology: {} namespace{}, {} device{}, {ops} operation{}{}.\n",
            self.nets,
            plural(self.nets),
            self.devices,
            plural(self.devices),
            plural(ops),
            if concurrent > 0 {
                format!(" ({concurrent} concurrent pair{})", plural(concurrent))
            } else {
                String::new()
            }
        );
        s.push_str("# Check it with `rtnl-check check FILE`; run it on a kernel as root with `sh FILE`.\n");
        for (i, step) in self.script.steps.iter().enumerate() {
            if i == self.setup_steps {
                s.push_str("# operations\n");
            }
            let _ = match step {
                Step::Run(c) => writeln!(s, "{}", c.text),
                Step::Background(c) => writeln!(s, "{} &", c.text),
                Step::Wait(_) => writeln!(s, "wait"),
            };
        }
        s
    }
}

impl fmt::Debug for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\n")?;
        f.write_str(&self.to_script())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Bounds and switches of a generated topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Namespaces `ns1` ..= `nsN`, N at most this (1 ..= [`MAX_NETS`]).
    pub max_nets: usize,
    /// Devices the setup creates (a veth pair counts two).
    pub max_devs: usize,
    /// Operations after the setup.
    pub max_ops: usize,
    /// Whether pairs of operations may run concurrently.
    pub concurrency: bool,
    /// Whether uppers may be ipvlan (else all are macvlan).
    pub ipvlan: bool,
    /// Whether tunnels may be bareudp (else all are vxlan).
    pub bareudp: bool,
    /// Whether uppers may name their lower's namespace with `link-netns` (older iproute2
    /// cannot); otherwise they are created beside the lower and moved.
    pub link_netns: bool,
    /// Whether devices may live in the initial namespace.
    pub init_net: bool,
    /// Whether an ipvlan may sit on a macvlan or a vxlan, lowers whose unregistration the series
    /// left unconverted (a macvlan goes with its lower, a vxlan with its socket's namespace,
    /// synchronously and without the lock of the namespace the device is in). These are the
    /// shapes of two findings, so off by default ([`Limits::with_known_findings`]; pinned in
    /// tests/suite/props.rs): the lower's NETDEV_UNREGISTER runs ipvlan's handler, which unregisters
    /// the uppers beside the lower at once, without that namespace's lock (S5); and for an
    /// ipvlan port on a macvlan on an ipvlan, inside the `pnodes_lock` the lower port's handler
    /// holds (lockdep: possible recursive locking).
    pub ipvlan_on_unconverted: bool,
}

impl Limits {
    pub fn new(max_nets: usize, max_devs: usize) -> Self {
        Limits {
            max_nets: max_nets.clamp(1, MAX_NETS),
            max_devs,
            max_ops: max_devs.clamp(2, 6),
            concurrency: true,
            ipvlan: true,
            bareudp: true,
            link_netns: true,
            init_net: true,
            ipvlan_on_unconverted: false,
        }
    }

    /// With the shapes of known findings too (see [`Limits::ipvlan_on_unconverted`]).
    pub fn with_known_findings(self) -> Self {
        Limits { ipvlan_on_unconverted: true, ..self }
    }

    /// Without concurrent operations.
    pub fn sequential(self) -> Self {
        Limits { concurrency: false, ..self }
    }

    /// Only what this machine's kernel and iproute2 run (veth, macvlan, vxlan; no
    /// `link-netns`), for comparisons on a real kernel.
    pub fn for_kernel(self) -> Self {
        Limits { ipvlan: false, bareudp: false, link_netns: false, ..self }
    }

    /// What the `explore_schedule` fuzz target decodes: small enough for one shuttle
    /// execution to take about a millisecond.
    /// Without known findings ([`Limits::new`]), which would make every run of that shape a
    /// crash.
    pub fn fuzz() -> Self {
        Limits::new(4, 8)
    }
}

/// A setup intent. Numbers pick among what exists (devices: see [`Plan`]; namespaces: modulo
/// their count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetupIntent {
    /// A veth pair, the ends in `net` and `peer`.
    Veth { net: u8, peer: u8 },
    /// A veth pair whose ends share one name, in two namespaces.
    Twin { net: u8, peer: u8 },
    /// An ipvlan (or macvlan) on device `lower`, in `net`.
    Upper { macvlan: bool, lower: u8, net: u8, link_netns: bool, mode: u8 },
    /// A vxlan (or bareudp) with its socket in `socket`, created in `net`.
    Tunnel { bareudp: bool, socket: u8, net: u8 },
    /// Move device `dev` to namespace `to`.
    Move { dev: u8, to: u8 },
    /// A command that fails (see [`Fail`]).
    Fail { kind: u8, arg: u8 },
}

/// An operation intent, and whether it runs concurrently with the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpIntent {
    pub op: OpKind,
    pub with_next: bool,
}

/// What an operation does. Numbers pick among what exists (devices: see [`Plan`]; namespaces:
/// modulo their count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    Del { dev: u8 },
    DelNetns { ns: u8 },
    Move { dev: u8, to: u8 },
    Fail { kind: u8, arg: u8 },
}

/// The failing commands, by `kind` modulo their count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fail {
    /// Delete a device that does not exist: ENODEV.
    MissingDevice,
    /// Any command in a namespace that does not exist: ENOENT.
    MissingNetns,
    /// Move a device to a namespace that does not exist: ENOENT.
    MoveToMissingNetns,
    /// `ip netns del` of a namespace that does not exist: ENOENT.
    DelMissingNetns,
    /// An upper on a lower that does not exist: ENODEV.
    MissingLower,
    /// A veth named like an existing device of that namespace: EEXIST (setup only: later, the
    /// existing device may already be doomed and its name about to be free).
    DuplicateName,
    /// Move one end of a twin pair to the other end's namespace: EEXIST (setup only).
    NameClashInTarget,
}

impl Fail {
    const ALL: [Fail; 7] = [
        Fail::MissingDevice,
        Fail::MissingNetns,
        Fail::MoveToMissingNetns,
        Fail::DelMissingNetns,
        Fail::MissingLower,
        Fail::DuplicateName,
        Fail::NameClashInTarget,
    ];
    /// The first four are deterministic during the operations too.
    const IN_OPS: usize = 4;
}

/// A topology as intents, before [`Plan::build`] resolves them.
///
/// # Picking devices
/// Without [`Plan::keys`] (hand-made plans, fuzz inputs) a number that picks a device picks
/// the `n % count`th candidate in creation order. With keys (proptest), every device carries
/// the key of the intent that made it (a veth pair the two keys `k & !1` and `k | 1`), and a
/// number `n` picks the candidate whose key is the first at or after `n`, cyclically (ties in
/// creation order). Positions shift whenever the shrinker drops an intent; keys do not, so
/// a shrunk case keeps only the devices its failure needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Plan {
    /// Namespaces, modulo [`Limits::max_nets`] (at most [`MAX_NETS`]), plus one.
    pub nets: u8,
    pub setup: Vec<SetupIntent>,
    pub ops: Vec<OpIntent>,
    /// The key of each setup intent's devices, by intent; empty: picks are positions.
    pub keys: Vec<u8>,
}

/// Builders for hand-made plans, as tests and fuzz seeds write them.
impl Plan {
    pub fn new(nets: u8) -> Self {
        Plan { nets: nets.saturating_sub(1), ..Plan::default() }
    }

    pub fn setup(mut self, i: SetupIntent) -> Self {
        self.setup.push(i);
        self
    }

    /// An operation run on its own.
    pub fn op(mut self, op: OpKind) -> Self {
        self.ops.push(OpIntent { op, with_next: false });
        self
    }

    /// An operation run concurrently with the next one.
    pub fn op_with_next(mut self, op: OpKind) -> Self {
        self.ops.push(OpIntent { op, with_next: true });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let plan = Plan::new(3)
            .setup(SetupIntent::Veth { net: 0, peer: 1 })
            .setup(SetupIntent::Upper { macvlan: false, lower: 1, net: 2, link_netns: true, mode: 1 })
            .setup(SetupIntent::Tunnel { bareudp: true, socket: 0, net: 1 })
            .op_with_next(OpKind::Del { dev: 0 })
            .op(OpKind::DelNetns { ns: 2 });
        let mut bytes = plan.to_bytes();
        bytes.extend([9, 9]);
        let (back, rest) = Plan::from_bytes(&bytes);
        assert_eq!(back, plan);
        assert_eq!(rest, [9, 9]);
    }

    #[test]
    fn a6_shape_prints_as_its_reproducer() {
        let t = Plan::new(3)
            .setup(SetupIntent::Veth { net: 0, peer: 1 })
            .setup(SetupIntent::Upper { macvlan: false, lower: 1, net: 2, link_netns: true, mode: 0 })
            .op(OpKind::Del { dev: 0 })
            .build(&Limits::new(3, 8));
        let text = t.to_script();
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).map(str::trim).collect();
        assert_eq!(
            body,
            [
                "ip netns add ns1",
                "ip netns add ns2",
                "ip netns add ns3",
                "ip -n ns1 link add veth0 type veth peer name veth1 netns ns2",
                "ip -n ns3 link add ipvl2 link veth1 link-netns ns2 type ipvlan mode l2",
                "ip -n ns1 link del veth0",
            ]
        );
        assert!(t.is_sequential());
        assert_eq!(crate::scenario::parse_script(SCRIPT_NAME, &text).ok().as_ref(), Some(t.script()));
    }

    /// Commands are located on the lines they are printed on, a concurrent pair and its
    /// `wait` included, so the printed script parses back to the one the model runs.
    #[test]
    fn printed_script_parses_to_the_script() {
        let t = Plan::new(2)
            .setup(SetupIntent::Veth { net: 0, peer: 1 })
            .setup(SetupIntent::Tunnel { bareudp: true, socket: 0, net: 1 })
            .setup(SetupIntent::Fail { kind: 4, arg: 0 })
            .op_with_next(OpKind::Del { dev: 0 })
            .op(OpKind::DelNetns { ns: 1 })
            .op(OpKind::Move { dev: 2, to: 0 })
            .build(&Limits::new(2, 8));
        assert!(!t.is_sequential());
        let text = t.to_script();
        assert!(text.contains("\n# operations\nip -n ns1 link del veth0 &\nip netns del ns2 &\nwait\nip "), "{text}");
        assert_eq!(crate::scenario::parse_script(SCRIPT_NAME, &text).ok().as_ref(), Some(t.script()), "{text}");
    }
}
