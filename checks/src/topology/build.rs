//! [`Plan::build`]: resolving a plan's intents against what exists at each point, into the
//! model's ops, each with the namespace it runs in.

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
    setup: Vec<(Net, Op)>,
    ops: Vec<Vec<(Net, Op)>>,
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
        let mut group: Vec<(Net, Op)> = Vec::new();
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
        Topology::new(nets, b.devs.len(), b.setup, b.ops)
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

    /// A veth pair `a`@`n` - `b`@`p`, created from whichever end can name the other's namespace.
    fn veth_cmd(a: &str, n: Net, b: &str, p: Net) -> (Net, Op) {
        let veth = |name: &str, peer: &str, peer_netns: Option<String>| Op::LinkAdd {
            name: name.into(),
            target: None,
            kind: LinkKind::Veth { peer: peer.into(), peer_netns },
        };
        match (n, p) {
            (Net::Ns(_), Net::Init) => (Net::Init, veth(b, a, n.name())),
            _ => (n, veth(a, b, if n == p { None } else { p.name() })),
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
                    LinkKind::Bareudp { dstport: n.saturating_add(6635), ethertype: "ipv4".into() }
                } else {
                    LinkKind::Vxlan { id: n.into(), dstport: 4789 }
                };
                // Created from the socket's net directly in its own (`netns NS`, patch 1's target slot).
                let target = if d != s { d.name() } else { None };
                self.setup.push((s, Op::LinkAdd { name: name.clone(), target, kind: tunnel }));
                self.add_dev(name, d, kind, None, false, 2);
            }
            SetupIntent::Move { dev, to } => {
                let all: Vec<usize> = (0..self.devs.len()).collect();
                let Some(d) = self.pick(&all, dev) else { return };
                let to = self.ns(to);
                let Dev { name, net, .. } = self.devs[d].clone();
                self.setup.push(move_cmd(net, &name, to));
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
        let (prefix, modes): (_, &[Option<&str>]) = match kind {
            Kind::Ipvlan => ("ipvl", &[Some("l2"), Some("l3"), None]),
            _ => ("macv", &[Some("bridge"), Some("private"), Some("vepa"), None]),
        };
        let mode = modes[usize::from(mode) % modes.len()];
        let name = self.fresh(prefix);
        let (lname, ln) = (self.devs[l].name.clone(), self.devs[l].net);
        let mut n = self.net(net);
        let cmd = |net: Net, link_ns: Option<usize>| {
            let op = upper_op(kind == Kind::Ipvlan, &name, &lname, link_ns.map(ns_name), mode);
            (net, op)
        };
        let link_form = self.lim.link_netns && (link_netns || n == Net::Init);
        match (n, ln) {
            _ if n == ln => self.setup.push(cmd(n, None)),
            (_, Net::Ns(l)) if link_form => self.setup.push(cmd(n, Some(l))),
            (Net::Ns(to), _) => {
                self.setup.push(cmd(ln, None));
                if !busy {
                    self.setup.push(move_cmd(ln, &name, to));
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
    fn fail(&mut self, fail: Fail, arg: u8) -> Option<(Net, Op)> {
        let all: Vec<usize> = (0..self.devs.len()).collect();
        let pick = |b: &Self| b.pick(&all, arg).map(|d| b.devs[d].clone());
        Some(match fail {
            Fail::MissingDevice => del_cmd(self.net(arg), NOSUCH),
            Fail::MissingNetns => {
                let name = pick(self).map_or_else(|| NOSUCH.into(), |d| d.name);
                del_cmd(Net::Ns(self.missing_ns()), &name)
            }
            Fail::MoveToMissingNetns => {
                let d = pick(self)?;
                move_cmd(d.net, &d.name, self.missing_ns())
            }
            Fail::DelMissingNetns => netns_del_cmd(self.missing_ns()),
            Fail::MissingLower => {
                let ipvlan = arg % 2 != 1 && self.lim.ipvlan;
                let name = self.fresh(if ipvlan { "ipvl" } else { "macv" });
                (self.net(arg / 2), upper_op(ipvlan, &name, NOSUCH, None, None))
            }
            Fail::DuplicateName => {
                let d = pick(self)?;
                let peer = self.fresh("dup");
                (d.net, Op::LinkAdd { name: d.name, target: None, kind: LinkKind::Veth { peer, peer_netns: None } })
            }
            Fail::NameClashInTarget => {
                let twins: Vec<usize> = (0..self.devs.len()).filter(|&d| self.devs[d].twin).collect();
                let d = &self.devs[self.pick(&twins, arg)?];
                let other = self.devs.iter().find(|o| o.twin && o.name == d.name && o.net != d.net)?;
                move_cmd(d.net, &d.name, other.net.ns()?)
            }
        })
    }

    fn op_intent(&mut self, op: &OpKind) -> Option<(Net, Op)> {
        match *op {
            OpKind::Del { dev } => {
                let cands: Vec<usize> = (0..self.devs.len()).filter(|&d| !self.devs[d].deleted).collect();
                let d = self.pick(&cands, dev)?;
                self.devs[d].deleted = true;
                Some(del_cmd(self.devs[d].net, &self.devs[d].name))
            }
            OpKind::DelNetns { ns } => {
                let live: Vec<usize> = (1..=self.nets).filter(|&n| !self.dead[n]).collect();
                let n = *live.get(usize::from(ns) % live.len().max(1))?;
                self.dead[n] = true;
                Some(netns_del_cmd(n))
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
                Some(move_cmd(net, &name, to))
            }
            OpKind::Fail { kind, arg } => self.fail(Fail::ALL[usize::from(kind) % Fail::IN_OPS], arg),
        }
    }
}

/// `ip [-n NET] link set NAME netns nsTO`
fn move_cmd(net: Net, name: &str, to: usize) -> (Net, Op) {
    (net, Op::LinkSetNetns { name: name.into(), target: ns_name(to) })
}

/// `ip [-n NET] link del NAME`
fn del_cmd(net: Net, name: &str) -> (Net, Op) {
    (net, Op::LinkDel { name: name.into() })
}

/// `ip netns del nsN`
fn netns_del_cmd(ns: usize) -> (Net, Op) {
    (Net::Init, Op::NetnsDel { name: ns_name(ns) })
}

/// `link add NAME link LOWER [link-netns NS] type ipvlan|macvlan [mode M]`
fn upper_op(ipvlan: bool, name: &str, lower: &str, link_netns: Option<String>, mode: Option<&str>) -> Op {
    let (link, mode) = (lower.to_owned(), mode.map(String::from));
    let kind =
        if ipvlan { LinkKind::Ipvlan { link, link_netns, mode } } else { LinkKind::Macvlan { link, link_netns, mode } };
    Op::LinkAdd { name: name.into(), target: None, kind }
}
