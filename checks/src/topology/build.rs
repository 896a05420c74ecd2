//! [`Plan::build`]: resolving a plan's intents against what exists at each point.

use super::*;

/// A device as the builder tracks it.
#[derive(Clone, Debug)]
struct Dev {
    name: String,
    net: Net,
    kind: Kind,
    /// The real lower of an upper.
    lower: Option<usize>,
    /// One end of a pair whose ends share a name: never moved during the operations.
    twin: bool,
    /// Deleted by an operation naming it: not picked again.
    deleted: bool,
    /// What picks it with [`Plan::keys`].
    key: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Veth,
    Ipvlan,
    Macvlan,
    Vxlan,
    Bareudp,
}

struct Builder<'l> {
    lim: &'l Limits,
    /// [`Plan::keys`], empty for picks by position.
    keys: &'l [u8],
    /// The setup intent being resolved.
    intent: usize,
    nets: usize,
    next: usize,
    devs: Vec<Dev>,
    setup: Vec<Cmd>,
    ops: Vec<Vec<Cmd>>,
    dead: Vec<bool>,
}

const NOSUCH: &str = "nosuch";

impl Plan {
    /// Resolves the intents within `lim`.
    pub fn build(&self, lim: &Limits) -> Topology {
        let nets = 1 + usize::from(self.nets) % lim.max_nets.clamp(1, MAX_NETS);
        let mut b = Builder {
            lim,
            keys: &self.keys,
            intent: 0,
            nets,
            next: 0,
            devs: Vec::new(),
            setup: Vec::new(),
            ops: Vec::new(),
            dead: vec![false; nets + 2],
        };
        for (n, i) in self.setup.iter().enumerate() {
            b.intent = n;
            b.setup_intent(i);
        }
        let mut group: Vec<Cmd> = Vec::new();
        for (n, i) in self.ops.iter().take(lim.max_ops).enumerate() {
            if let Some(c) = b.op_intent(&i.op) {
                group.push(c);
            }
            let last = n + 1 == self.ops.len().min(lim.max_ops);
            // A group of one waits for its concurrent partner, if there is one to come.
            let wait_for_next = lim.concurrency && i.with_next && group.len() < 2 && !last;
            if !wait_for_next && !group.is_empty() {
                b.ops.push(std::mem::take(&mut group));
            }
        }
        if !group.is_empty() {
            b.ops.push(group);
        }
        Topology { nets, devices: b.devs.len(), setup: b.setup, ops: b.ops }
    }
}

impl Builder<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        let n = self.next;
        self.next += 1;
        format!("{prefix}{n}")
    }

    /// A namespace for a device: `nsN`, or about one in eight the initial one.
    fn net(&self, x: u8) -> Net {
        if self.lim.init_net && x % 8 == 7 {
            Net::Init
        } else {
            Net::Ns(self.ns(x))
        }
    }

    /// A named namespace.
    fn ns(&self, x: u8) -> usize {
        1 + usize::from(x) % self.nets
    }

    /// A namespace that was never added.
    fn missing_ns(&self) -> usize {
        self.nets + 1
    }

    fn room(&self, n: usize) -> bool {
        self.devs.len() + n <= self.lim.max_devs
    }

    /// Adds a device; `end` tells the two ends of a pair apart (0 or 1).
    fn add_dev(&mut self, name: String, net: Net, kind: Kind, lower: Option<usize>, twin: bool, end: u8) {
        let key = match self.keys.get(self.intent) {
            Some(&k) if end < 2 && matches!(kind, Kind::Veth) => (k & !1) | end,
            Some(&k) => k,
            None => 0,
        };
        self.devs.push(Dev { name, net, kind, lower, twin, deleted: false, key });
    }

    /// The candidate device that `x` picks (see [`Plan`]), `None` without candidates.
    fn pick(&self, cands: &[usize], x: u8) -> Option<usize> {
        if cands.is_empty() {
            None
        } else if self.keys.is_empty() {
            Some(cands[usize::from(x) % cands.len()])
        } else {
            cands.iter().copied().min_by_key(|&d| (self.devs[d].key.wrapping_sub(x), d))
        }
    }

    /// A veth pair `a`@`n` - `b`@`p`, printed from whichever end can name the other's namespace.
    fn veth_cmd(a: &str, n: Net, b: &str, p: Net) -> Cmd {
        match (n, p) {
            (Net::Ns(ns), Net::Init) => Cmd::Veth { net: Net::Init, name: b.into(), peer: a.into(), peer_ns: Some(ns) },
            _ => Cmd::Veth { net: n, name: a.into(), peer: b.into(), peer_ns: if n == p { None } else { p.ns() } },
        }
    }

    fn setup_intent(&mut self, i: &SetupIntent) {
        match *i {
            SetupIntent::Veth { net, peer } => {
                if !self.room(2) {
                    return;
                }
                let (n, p) = (self.net(net), self.net(peer));
                let (a, b) = (self.fresh("veth"), self.fresh("veth"));
                self.setup.push(Self::veth_cmd(&a, n, &b, p));
                self.add_dev(a, n, Kind::Veth, None, false, 0);
                self.add_dev(b, p, Kind::Veth, None, false, 1);
            }
            SetupIntent::Twin { net, peer } => {
                if !self.room(2) {
                    return;
                }
                let n = self.net(net);
                let mut p = self.net(peer);
                if p == n {
                    p = match n {
                        Net::Ns(k) if self.nets > 1 => Net::Ns(k % self.nets + 1),
                        Net::Ns(_) if self.lim.init_net => Net::Init,
                        Net::Ns(_) => return,
                        Net::Init => Net::Ns(1),
                    };
                }
                let name = self.fresh("tw");
                self.setup.push(Self::veth_cmd(&name, n, &name, p));
                self.add_dev(name.clone(), n, Kind::Veth, None, true, 0);
                self.add_dev(name, p, Kind::Veth, None, true, 1);
            }
            SetupIntent::Upper { macvlan, lower, net, link_netns, mode } => {
                self.upper(macvlan, lower, net, link_netns, mode)
            }
            SetupIntent::Tunnel { bareudp, socket, net } => {
                if !self.room(1) {
                    return;
                }
                let s = self.net(socket);
                let d = match self.net(net) {
                    Net::Init => s,
                    d => d,
                };
                let bareudp = bareudp && self.lim.bareudp;
                let (prefix, kind) = if bareudp { ("bu", Kind::Bareudp) } else { ("vx", Kind::Vxlan) };
                let name = self.fresh(prefix);
                let n = u16::try_from(self.next).unwrap_or(u16::MAX);
                let tunnel = if bareudp {
                    Tunnel::Bareudp { dstport: n.saturating_add(6635) }
                } else {
                    Tunnel::Vxlan { id: n.into(), dstport: 4789 }
                };
                self.setup.push(Cmd::Tunnel { net: s, name: name.clone(), tunnel });
                if let Net::Ns(to) = d {
                    if d != s {
                        self.setup.push(Cmd::Move { net: s, name: name.clone(), to });
                    }
                }
                self.add_dev(name, d, kind, None, false, 2);
            }
            SetupIntent::Move { dev, to } => {
                let all: Vec<usize> = (0..self.devs.len()).collect();
                let Some(d) = self.pick(&all, dev) else { return };
                let to = self.ns(to);
                let Dev { name, net, .. } = self.devs[d].clone();
                self.setup.push(Cmd::Move { net, name: name.clone(), to });
                let clash = self.devs.iter().enumerate().any(|(j, o)| j != d && o.name == name && o.net == Net::Ns(to));
                if !clash {
                    self.devs[d].net = Net::Ns(to);
                }
            }
            SetupIntent::Fail { kind, arg } => {
                let fail = Fail::ALL[usize::from(kind) % Fail::ALL.len()];
                if let Some(c) = self.fail(fail, arg) {
                    self.setup.push(c);
                }
            }
        }
    }

    fn upper(&mut self, macvlan: bool, lower: u8, net: u8, link_netns: bool, mode: u8) {
        let kind = if macvlan || !self.lim.ipvlan { Kind::Macvlan } else { Kind::Ipvlan };
        let cands: Vec<usize> = (0..self.devs.len()).filter(|&d| self.devs[d].kind != Kind::Bareudp).collect();
        let Some(l) = self.pick(&cands, lower) else { return };
        if !self.room(1) {
            return;
        }
        // ipvlan_link_new() and macvlan_common_newlink() follow an upper of their own kind
        // down to its lower.
        let real = if self.devs[l].kind == kind { self.devs[l].lower.unwrap_or(l) } else { l };
        let unconverted = matches!(self.devs[real].kind, Kind::Macvlan | Kind::Vxlan);
        if kind == Kind::Ipvlan && !self.lim.ipvlan_on_unconverted && unconverted {
            return;
        }
        // One rx handler per device: an ipvlan port cannot also be a macvlan port (EBUSY).
        let other = if kind == Kind::Ipvlan { Kind::Macvlan } else { Kind::Ipvlan };
        let busy = self.devs.iter().any(|d| d.kind == other && d.lower == Some(real));
        let (ukind, prefix, modes): (_, _, &[Option<&'static str>]) = match kind {
            Kind::Ipvlan => (UpperKind::Ipvlan, "ipvl", &[Some("l2"), Some("l3"), None]),
            _ => (UpperKind::Macvlan, "macv", &[Some("bridge"), Some("private"), Some("vepa"), None]),
        };
        let mode = modes[usize::from(mode) % modes.len()];
        let name = self.fresh(prefix);
        let (lname, ln) = (self.devs[l].name.clone(), self.devs[l].net);
        let mut n = self.net(net);
        let cmd = |net: Net, link_ns: Option<usize>| Cmd::Upper {
            net,
            name: name.clone(),
            kind: ukind,
            lower: lname.clone(),
            link_ns,
            mode,
        };
        let link_form = self.lim.link_netns && (link_netns || n == Net::Init);
        match (n, ln) {
            _ if n == ln => self.setup.push(cmd(n, None)),
            (_, Net::Ns(l)) if link_form => self.setup.push(cmd(n, Some(l))),
            (Net::Ns(to), _) => {
                self.setup.push(cmd(ln, None));
                if !busy {
                    self.setup.push(Cmd::Move { net: ln, name: name.clone(), to });
                }
            }
            (Net::Init, _) => {
                // Nothing can move a device into the unnamed initial namespace.
                n = ln;
                self.setup.push(cmd(n, None));
            }
        }
        if !busy {
            self.add_dev(name, n, kind, Some(real), false, 2);
        }
    }

    /// A command that fails, if this one can be made here.
    fn fail(&mut self, fail: Fail, arg: u8) -> Option<Cmd> {
        let all: Vec<usize> = (0..self.devs.len()).collect();
        let pick = |b: &Self| b.pick(&all, arg).map(|d| b.devs[d].clone());
        Some(match fail {
            Fail::MissingDevice => Cmd::Del { net: self.net(arg), name: NOSUCH.into() },
            Fail::MissingNetns => {
                let name = pick(self).map_or_else(|| NOSUCH.into(), |d| d.name);
                Cmd::Del { net: Net::Ns(self.missing_ns()), name }
            }
            Fail::MoveToMissingNetns => {
                let d = pick(self)?;
                Cmd::Move { net: d.net, name: d.name, to: self.missing_ns() }
            }
            Fail::DelMissingNetns => Cmd::NetnsDel { ns: self.missing_ns() },
            Fail::MissingLower => {
                let kind = if arg % 2 == 1 || !self.lim.ipvlan { UpperKind::Macvlan } else { UpperKind::Ipvlan };
                let name = self.fresh(if kind == UpperKind::Ipvlan { "ipvl" } else { "macv" });
                Cmd::Upper { net: self.net(arg / 2), name, kind, lower: NOSUCH.into(), link_ns: None, mode: None }
            }
            Fail::DuplicateName => {
                let d = pick(self)?;
                let peer = self.fresh("dup");
                Cmd::Veth { net: d.net, name: d.name, peer, peer_ns: None }
            }
            Fail::NameClashInTarget => {
                let twins: Vec<usize> = (0..self.devs.len()).filter(|&d| self.devs[d].twin).collect();
                let d = &self.devs[self.pick(&twins, arg)?];
                let other = self.devs.iter().find(|o| o.twin && o.name == d.name && o.net != d.net)?;
                Cmd::Move { net: d.net, name: d.name.clone(), to: other.net.ns()? }
            }
        })
    }

    fn op_intent(&mut self, op: &OpKind) -> Option<Cmd> {
        match *op {
            OpKind::Del { dev } => {
                let cands: Vec<usize> = (0..self.devs.len()).filter(|&d| !self.devs[d].deleted).collect();
                let d = self.pick(&cands, dev)?;
                self.devs[d].deleted = true;
                Some(Cmd::Del { net: self.devs[d].net, name: self.devs[d].name.clone() })
            }
            OpKind::DelNetns { ns } => {
                let live: Vec<usize> = (1..=self.nets).filter(|&n| !self.dead[n]).collect();
                let n = *live.get(usize::from(ns) % live.len().max(1))?;
                self.dead[n] = true;
                Some(Cmd::NetnsDel { ns: n })
            }
            OpKind::Move { dev, to } => {
                let cands: Vec<usize> =
                    (0..self.devs.len()).filter(|&d| !self.devs[d].deleted && !self.devs[d].twin).collect();
                let d = self.pick(&cands, dev)?;
                let to = self.ns(to);
                let Dev { name, net, .. } = self.devs[d].clone();
                let from_dead = net.ns().is_some_and(|n| self.dead[n]);
                if !self.dead[to] && !from_dead {
                    self.devs[d].net = Net::Ns(to);
                }
                Some(Cmd::Move { net, name, to })
            }
            OpKind::Fail { kind, arg } => self.fail(Fail::ALL[usize::from(kind) % Fail::IN_OPS], arg),
        }
    }
}
