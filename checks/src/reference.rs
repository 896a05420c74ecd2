//! A sequential reference model of what a user sees: which devices exist in which namespace
//! after each command of a script. It shares no code with rtnl-model beyond the parsed script
//! (plain data) and knows nothing of locks, work items or reference counts: only the
//! user-visible rules of kernel-notes.md and the kernel digest, checked against the kernel's
//! own results on the corpus (`cargo test -p rtnl-checks --test conform -- --ignored`).
//!
//! # Rules
//! - Deleting a veth or vxcan end deletes its peer, wherever it lives (`veth_dellink()`,
//!   `vxcan_dellink()`).
//! - Deleting a device deletes its ipvlan and macvlan uppers, wherever they live, and theirs in
//!   turn (the lower's NETDEV_UNREGISTER in `ipvlan_device_event()`/`macvlan_device_event()`).
//! - An upper created on an upper of its own kind attaches to that upper's lower
//!   (`ipvlan_link_new()`, `macvlan_common_newlink()`); a device has at most one kind of upper
//!   (one rx handler: EBUSY); a bareudp or vxcan device (not Ethernet) is no lower at all.
//! - Destroying a namespace deletes its devices (with the cascades above) and every vxlan,
//!   bareudp and geneve whose socket lived there, wherever the device is now (`exit_rtnl`).
//! - Moving a device keeps its uppers and its peer, and a tunnel keeps its socket namespace.
//! - `netdev_hold` and `netdev_put` change nothing a user sees (a hold of a missing device
//!   fails with ENODEV).
//! - Unloading a module (`modprobe -r KIND`, `rmmod KIND`) deletes every device of its kind in
//!   every namespace, with the cascades above (`rtnl_link_unregister()`); unloading a module
//!   that is not loaded fails (ENOENT). Creating a device of an unloaded kind loads it again
//!   (`request_module()`), whether or not the creation then succeeds.
//! - A failing command changes nothing: a missing namespace (ENOENT), a missing device
//!   (ENODEV), a name taken in the target (EEXIST), a busy or unsuitable lower.
//!
//! The kernel does part of a deletion asynchronously (peers and uppers in other namespaces go to
//! that namespace's work item; namespace destruction runs in `cleanup_net()`). This model applies
//! each command completely before the next, which is what the user sees once the system
//! settles, as long as no later command's effect depends on the timing: see the determinism
//! rules of [`crate::topology`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rtnl_model::script::{Command, LinkKind, Op, Script, Step};

/// What a user sees at the end: each named namespace that exists, with its devices sorted;
/// `init_net` only when it holds devices (the model's `Outcome` convention).
pub type Outcome = BTreeMap<String, Vec<String>>;

/// ipvtap, loaded by its first device, and ipvlan, which it uses.
const IPVTAP: &str = "ipvtap";
const IPVLAN: &str = "ipvlan";

/// The key of the initial namespace in an [`Outcome`].
pub const INIT_NET: &str = "init_net";

/// Why a command failed, as ip(8) would report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// No such namespace.
    Enoent,
    /// No such device.
    Enodev,
    /// The name is taken (or a vxlan's VNI and port in its socket namespace).
    Eexist,
    /// The lower already has the other kind of upper, or a bareudp's port (a geneve's VNI,
    /// remote and port) is taken in its socket namespace (`bareudp_configure()`,
    /// `geneve_configure()`).
    Ebusy,
    /// The lower cannot carry an upper (bareudp).
    Einval,
    /// The module is used by another loaded module (ipvlan by ipvtap).
    Ewouldblock,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Enoent => "ENOENT",
            Refusal::Enodev => "ENODEV",
            Refusal::Eexist => "EEXIST",
            Refusal::Ebusy => "EBUSY",
            Refusal::Einval => "EINVAL",
            Refusal::Ewouldblock => "EWOULDBLOCK",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Veth,
    Vxcan,
    Netkit,
    Ipvlan,
    Ipvtap,
    Macvlan,
    Vxlan { id: u32, port: u16 },
    Bareudp { port: u16 },
    Geneve { id: u32, remote: [u8; 4], port: u16 },
    Ipip { remote: [u8; 4], local: [u8; 4] },
}

impl Kind {
    /// The `type` (and module) of the kind.
    fn type_name(self) -> &'static str {
        match self {
            Kind::Veth => "veth",
            Kind::Vxcan => "vxcan",
            Kind::Netkit => "netkit",
            Kind::Ipvlan => "ipvlan",
            Kind::Ipvtap => "ipvtap",
            Kind::Macvlan => "macvlan",
            Kind::Vxlan { .. } => "vxlan",
            Kind::Bareudp { .. } => "bareudp",
            Kind::Geneve { .. } => "geneve",
            Kind::Ipip { .. } => "ipip",
        }
    }
}

#[derive(Clone, Debug)]
struct Device {
    name: String,
    net: usize,
    kind: Kind,
    peer: Option<usize>,
    lower: Option<usize>,
    /// The namespace of a tunnel's socket.
    socket: Option<usize>,
    alive: bool,
}

/// The state after some commands. Namespace 0 is the initial one; a namespace name that is
/// deleted and added again names a new namespace.
#[derive(Clone, Debug)]
pub struct Reference {
    names: BTreeMap<String, usize>,
    alive_nets: Vec<bool>,
    devs: Vec<Device>,
    /// Modules not loaded: unloaded and not loaded again, or (ipvtap) never loaded yet.
    unloaded: BTreeSet<String>,
}

impl Default for Reference {
    fn default() -> Self {
        let unloaded = BTreeSet::from([IPVTAP.to_owned()]);
        Reference { names: BTreeMap::new(), alive_nets: vec![true], devs: Vec::new(), unloaded }
    }
}

impl Reference {
    pub fn new() -> Self {
        Self::default()
    }

    /// What the user sees now.
    pub fn outcome(&self) -> Outcome {
        let devs_of = |n: usize| {
            let mut v: Vec<String> =
                self.devs.iter().filter(|d| d.alive && d.net == n).map(|d| d.name.clone()).collect();
            v.sort();
            v
        };
        let mut o: Outcome = self.names.iter().map(|(name, &n)| (name.clone(), devs_of(n))).collect();
        let init = devs_of(0);
        if !init.is_empty() {
            o.insert(INIT_NET.into(), init);
        }
        o
    }

    /// The state without the history that led to it: two keys are equal exactly when every
    /// later command has the same effect on both states.
    fn key(&self) -> String {
        let at = |d: Option<usize>| d.map(|d| (self.devs[d].name.as_str(), self.devs[d].net));
        let mut devs: Vec<String> = self
            .devs
            .iter()
            .filter(|d| d.alive)
            .map(|d| format!("{:?}", (&d.name, d.net, d.kind, at(d.peer), at(d.lower), d.socket)))
            .collect();
        devs.sort();
        format!("{:?} {:?} {devs:?} {:?}", self.names, self.alive_nets.len(), self.unloaded)
    }

    fn netns(&self, name: Option<&str>) -> Result<usize, Refusal> {
        match name {
            None => Ok(0),
            Some(n) => self.names.get(n).copied().ok_or(Refusal::Enoent),
        }
    }

    fn lookup(&self, net: usize, name: &str) -> Option<usize> {
        self.devs.iter().position(|d| d.alive && d.net == net && d.name == name)
    }

    fn taken(&self, net: usize, name: &str) -> Result<(), Refusal> {
        match self.lookup(net, name) {
            Some(_) => Err(Refusal::Eexist),
            None => Ok(()),
        }
    }

    fn add(&mut self, name: &str, net: usize, kind: Kind) -> usize {
        self.devs.push(Device { name: name.to_owned(), net, kind, peer: None, lower: None, socket: None, alive: true });
        self.devs.len() - 1
    }

    /// Deletes `d` and everything that goes with it: its veth peer, its uppers, recursively.
    fn kill(&mut self, d: usize) {
        let mut todo = vec![d];
        while let Some(d) = todo.pop() {
            if !std::mem::replace(&mut self.devs[d].alive, false) {
                continue;
            }
            todo.extend(self.devs[d].peer);
            todo.extend((0..self.devs.len()).filter(|&u| self.devs[u].alive && self.devs[u].lower == Some(d)));
        }
    }

    /// Destroys namespace `n`: its devices and the tunnels whose socket it held.
    fn destroy(&mut self, n: usize) {
        self.alive_nets[n] = false;
        let doomed: Vec<usize> =
            (0..self.devs.len()).filter(|&d| self.devs[d].net == n || self.devs[d].socket == Some(n)).collect();
        for d in doomed {
            self.kill(d);
        }
    }

    /// Applies one command completely; `Err` means it failed and changed nothing.
    pub fn apply(&mut self, cmd: &Command) -> Result<(), Refusal> {
        match &cmd.op {
            Op::NetnsAdd { name } => {
                if self.names.contains_key(name) {
                    return Err(Refusal::Eexist);
                }
                self.alive_nets.push(true);
                self.names.insert(name.clone(), self.alive_nets.len() - 1);
                Ok(())
            }
            Op::NetnsDel { name } => {
                let n = self.names.remove(name).ok_or(Refusal::Enoent)?;
                self.destroy(n);
                Ok(())
            }
            Op::LinkAdd { name, target, kind } => {
                let net = self.netns(cmd.netns.as_deref())?;
                let tgt = match target {
                    Some(t) => self.netns(Some(t))?,
                    None => net,
                };
                // ip(8) opens every namespace the command names before it sends the request,
                // whose first step may load the module.
                let other = match kind {
                    LinkKind::Veth { peer_netns: n, .. }
                    | LinkKind::Vxcan { peer_netns: n, .. }
                    | LinkKind::Netkit { peer_netns: n, .. } => n,
                    LinkKind::Ipvlan { link_netns: n, .. }
                    | LinkKind::Ipvtap { link_netns: n, .. }
                    | LinkKind::Macvlan { link_netns: n, .. }
                    | LinkKind::Geneve { link_netns: n, .. }
                    | LinkKind::Ipip { link_netns: n, .. } => n,
                    LinkKind::Bareudp { .. } | LinkKind::Vxlan { .. } => &None,
                };
                if let Some(n) = other {
                    self.netns(Some(n))?;
                }
                self.unloaded.remove(kind.type_name());
                if kind.type_name() == IPVTAP {
                    // modprobe loads ipvtap's dependency first.
                    self.unloaded.remove(IPVLAN);
                }
                self.link_add(net, tgt, name, kind)
            }
            Op::ModuleRemove { module, .. } => self.unload(module),
            Op::LinkSetNetns { name, target } => {
                let net = self.netns(cmd.netns.as_deref())?;
                let to = self.netns(Some(target))?;
                let d = self.lookup(net, name).ok_or(Refusal::Enodev)?;
                if to != net {
                    self.taken(to, name)?;
                    self.devs[d].net = to;
                }
                Ok(())
            }
            Op::LinkDel { name } => {
                let net = self.netns(cmd.netns.as_deref())?;
                let d = self.lookup(net, name).ok_or(Refusal::Enodev)?;
                self.kill(d);
                Ok(())
            }
            // A reference is invisible to the user: it changes when a deletion ends, not what
            // is left. (Whether a put finds its reference already dropped is not modelled here.)
            Op::NetdevHold { dev, .. } => {
                let net = self.netns(cmd.netns.as_deref())?;
                self.lookup(net, dev).map(|_| ()).ok_or(Refusal::Enodev)
            }
            Op::NetdevPut { .. } => Ok(()),
        }
    }

    /// Unloads the module of `module`'s kind: every device of the kind goes, with its cascades.
    fn unload(&mut self, module: &str) -> Result<(), Refusal> {
        if self.unloaded.contains(module) {
            return Err(Refusal::Enoent);
        }
        if module == IPVLAN && !self.unloaded.contains(IPVTAP) {
            return Err(Refusal::Ewouldblock);
        }
        self.unloaded.insert(module.to_owned());
        let doomed: Vec<usize> =
            (0..self.devs.len()).filter(|&d| self.devs[d].alive && self.devs[d].kind.type_name() == module).collect();
        for d in doomed {
            self.kill(d);
        }
        Ok(())
    }

    /// `net` is the command's namespace, where a lower, a tunnel's socket and a peer without its
    /// own `netns` are; `tgt` the new device's (`netns NS`).
    fn link_add(&mut self, net: usize, tgt: usize, name: &str, kind: &LinkKind) -> Result<(), Refusal> {
        match kind {
            LinkKind::Veth { peer, peer_netns }
            | LinkKind::Vxcan { peer, peer_netns }
            | LinkKind::Netkit { peer, peer_netns } => {
                let pair = match kind {
                    LinkKind::Veth { .. } => Kind::Veth,
                    LinkKind::Vxcan { .. } => Kind::Vxcan,
                    _ => Kind::Netkit,
                };
                let pnet = match peer_netns {
                    Some(p) => self.netns(Some(p))?,
                    None => net,
                };
                self.taken(tgt, name)?;
                self.taken(pnet, peer)?;
                if tgt == pnet && name == peer {
                    return Err(Refusal::Eexist);
                }
                let p = self.add(peer, pnet, pair);
                let d = self.add(name, tgt, pair);
                self.devs[p].peer = Some(d);
                self.devs[d].peer = Some(p);
                Ok(())
            }
            LinkKind::Ipvlan { link, link_netns, .. }
            | LinkKind::Ipvtap { link, link_netns, .. }
            | LinkKind::Macvlan { link, link_netns, .. } => {
                // ipvtap is an ipvlan with a tap: same port, same rules.
                let ipvlan = !matches!(kind, LinkKind::Macvlan { .. });
                let lnet = match link_netns {
                    Some(l) => self.netns(Some(l))?,
                    None => net,
                };
                let l = self.lookup(lnet, link).ok_or(Refusal::Enodev)?;
                let ipvlan_family = |k: Kind| matches!(k, Kind::Ipvlan | Kind::Ipvtap);
                let same_kind = |k: Kind| if ipvlan { ipvlan_family(k) } else { k == Kind::Macvlan };
                let real = if same_kind(self.devs[l].kind) { self.devs[l].lower.unwrap_or(l) } else { l };
                // Not Ethernet: bareudp and netkit (L3) are ARPHRD_NONE, vxcan ARPHRD_CAN.
                if matches!(self.devs[real].kind, Kind::Bareudp { .. } | Kind::Vxcan | Kind::Netkit) {
                    return Err(Refusal::Einval);
                }
                let other = |k: Kind| if ipvlan { k == Kind::Macvlan } else { ipvlan_family(k) };
                if self.devs.iter().any(|d| d.alive && other(d.kind) && d.lower == Some(real)) {
                    return Err(Refusal::Ebusy);
                }
                self.taken(tgt, name)?;
                let k = match kind {
                    LinkKind::Ipvlan { .. } => Kind::Ipvlan,
                    LinkKind::Ipvtap { .. } => Kind::Ipvtap,
                    _ => Kind::Macvlan,
                };
                let d = self.add(name, tgt, k);
                self.devs[d].lower = Some(real);
                Ok(())
            }
            LinkKind::Vxlan { id, dstport } => self.tunnel(net, tgt, name, Kind::Vxlan { id: *id, port: *dstport }),
            LinkKind::Bareudp { dstport, .. } => self.tunnel(net, tgt, name, Kind::Bareudp { port: *dstport }),
            LinkKind::Geneve { id, remote, dstport, link_netns } => {
                let socket = match link_netns {
                    Some(l) => self.netns(Some(l))?,
                    None => net,
                };
                self.tunnel(socket, tgt, name, Kind::Geneve { id: *id, remote: *remote, port: *dstport })
            }
            LinkKind::Ipip { remote, local, link_netns } => {
                let socket = match link_netns {
                    Some(l) => self.netns(Some(l))?,
                    None => net,
                };
                self.tunnel(socket, tgt, name, Kind::Ipip { remote: *remote, local: *local })
            }
        }
    }

    /// A tunnel's socket lives in the namespace it is created in (geneve: its `link-netns`); a
    /// second device with the same VNI and port (vxlan), port (bareudp), VNI, remote and port
    /// (geneve) or addresses (ipip, whose tunnel net is its link net) there is refused.
    fn tunnel(&mut self, socket: usize, net: usize, name: &str, kind: Kind) -> Result<(), Refusal> {
        if self.devs.iter().any(|d| d.alive && d.socket == Some(socket) && d.kind == kind) {
            let eexist = matches!(kind, Kind::Vxlan { .. } | Kind::Ipip { .. });
            return Err(if eexist { Refusal::Eexist } else { Refusal::Ebusy });
        }
        self.taken(net, name)?;
        let d = self.add(name, net, kind);
        self.devs[d].socket = Some(socket);
        Ok(())
    }
}

/// One command's predicted result, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Predicted {
    pub line: usize,
    pub text: String,
    pub result: Result<(), Refusal>,
}

/// Runs a script's commands one after another, in file order (`&` and `wait` ignored), and
/// returns the outcome and each command's result.
pub fn run(script: &Script) -> (Outcome, Vec<Predicted>) {
    let mut r = Reference::new();
    let mut results = Vec::new();
    for cmd in script.commands() {
        let result = r.apply(cmd);
        results.push(Predicted { line: cmd.loc.line, text: cmd.text.clone(), result });
    }
    (r.outcome(), results)
}

/// The outcome of a sequential script. For a script with background commands, the outcome of
/// running everything in file order: one of [`outcomes`].
pub fn outcome(script: &Script) -> Outcome {
    run(script).0
}

/// Most orders [`outcomes`] enumerates before it gives up on a segment.
const MAX_ORDERS: usize = 5040;

/// Every outcome of `script` when each command takes effect at one instant: commands between
/// two `wait`s may take effect in any order, except that a command run in the foreground
/// finishes before anything written after it starts. `None` when a segment has too many
/// orders to enumerate.
pub fn outcomes(script: &Script) -> Option<BTreeSet<Outcome>> {
    let mut states = vec![Reference::new()];
    let mut segment: Vec<(&Command, bool)> = Vec::new();
    for step in &script.steps {
        match step {
            Step::Run(c) => segment.push((c, false)),
            Step::Background(c) => segment.push((c, true)),
            Step::Wait(_) => {
                states = settle(&states, &segment)?;
                segment.clear();
            }
        }
    }
    states = settle(&states, &segment)?;
    Some(states.iter().map(Reference::outcome).collect())
}

/// Every state after a segment, from every state before it, without duplicates.
fn settle(states: &[Reference], segment: &[(&Command, bool)]) -> Option<Vec<Reference>> {
    let orders = orders(segment)?;
    let mut next = Vec::new();
    let mut seen = BTreeSet::new();
    for s in states {
        for order in &orders {
            let mut s = s.clone();
            for &i in order {
                let _ = s.apply(segment[i].0);
            }
            if seen.insert(s.key()) {
                next.push(s);
            }
        }
    }
    Some(next)
}

/// The orders in which a segment's commands may take effect: a foreground command takes effect
/// before every command written after it (they start once it has finished), while background
/// commands written before it may take effect before or after it.
fn orders(segment: &[(&Command, bool)]) -> Option<Vec<Vec<usize>>> {
    let n = segment.len();
    let mut out = Vec::new();
    let mut order = Vec::with_capacity(n);
    let mut used = vec![false; n];
    fn go(
        seg: &[(&Command, bool)],
        order: &mut Vec<usize>,
        used: &mut [bool],
        out: &mut Vec<Vec<usize>>,
    ) -> Option<()> {
        if order.len() == seg.len() {
            if out.len() >= MAX_ORDERS {
                return None;
            }
            out.push(order.clone());
            return Some(());
        }
        for i in 0..seg.len() {
            // i may go next if no unplaced foreground command is written before it.
            let blocked = (0..i).any(|j| !used[j] && !seg[j].1);
            if used[i] || blocked {
                continue;
            }
            used[i] = true;
            order.push(i);
            go(seg, order, used, out)?;
            order.pop();
            used[i] = false;
        }
        Some(())
    }
    go(segment, &mut order, &mut used, &mut out)?;
    Some(out)
}
