//! The parser's inverse: a command as ip(8) text, for scripts a human reads (a generated
//! topology's script, a fuzz crash, a replay token's source).

use std::fmt::Write as _;

use rtnl_model::script::{LinkKind, Op};

/// `op` run in `netns` (`ip -n NS`, `None` for the initial namespace) as one line that
/// [`super::parse_script`] reads back to the same namespace and op. `ip netns` commands take
/// no `-n`: give them `None`.
pub fn command_text(netns: Option<&str>, op: &Op) -> String {
    match op {
        Op::NetdevHold { dev, tracker, until } => {
            let ns = netns.map(|n| format!(" -n {n}")).unwrap_or_default();
            return format!("netdev_hold{ns} {dev} {tracker}{}", until.until_text());
        }
        Op::NetdevPut { tracker } => return format!("netdev_put {tracker}"),
        Op::ModuleRemove { module, tool } => return format!("{} {module}", tool.command()),
        _ => {}
    }
    let mut s = match netns {
        Some(ns) => format!("ip -n {ns}"),
        None => "ip".to_owned(),
    };
    // Writing to a String cannot fail.
    let _ = match op {
        Op::NetnsAdd { name } => write!(s, " netns add {name}"),
        Op::NetnsDel { name } => write!(s, " netns del {name}"),
        Op::LinkAdd { name, target, kind } => {
            let _ = write!(s, " link add {name}");
            if let Some(t) = target {
                let _ = write!(s, " netns {t}");
            }
            link_kind(&mut s, kind)
        }
        Op::LinkSetNetns { name, target } => write!(s, " link set {name} netns {target}"),
        Op::LinkDel { name } => write!(s, " link del {name}"),
        Op::NetdevHold { .. } | Op::NetdevPut { .. } => Ok(()),
        Op::ModuleRemove { .. } => unreachable!("printed above"),
    };
    s
}

/// What follows `link add NAME`.
fn link_kind(s: &mut String, kind: &LinkKind) -> std::fmt::Result {
    match kind {
        LinkKind::Veth { peer, peer_netns }
        | LinkKind::Vxcan { peer, peer_netns }
        | LinkKind::Netkit { peer, peer_netns } => {
            write!(s, " type {} peer name {peer}", kind.type_name())?;
            match peer_netns {
                Some(ns) => write!(s, " netns {ns}"),
                None => Ok(()),
            }
        }
        LinkKind::Ipvlan { link, link_netns, mode }
        | LinkKind::Ipvtap { link, link_netns, mode }
        | LinkKind::Macvlan { link, link_netns, mode } => {
            write!(s, " link {link}")?;
            if let Some(ns) = link_netns {
                write!(s, " link-netns {ns}")?;
            }
            write!(s, " type {}", kind.type_name())?;
            match mode {
                Some(m) => write!(s, " mode {m}"),
                None => Ok(()),
            }
        }
        LinkKind::Bareudp { dstport, ethertype } => write!(s, " type bareudp dstport {dstport} ethertype {ethertype}"),
        LinkKind::Vxlan { id, dstport } => write!(s, " type vxlan id {id} dstport {dstport}"),
        LinkKind::Geneve { id, remote: [a, b, c, d], dstport, link_netns } => {
            if let Some(ns) = link_netns {
                write!(s, " link-netns {ns}")?;
            }
            write!(s, " type geneve id {id} remote {a}.{b}.{c}.{d} dstport {dstport}")
        }
        LinkKind::Ipip { remote: [a, b, c, d], local: [e, f, g, h], link_netns } => {
            if let Some(ns) = link_netns {
                write!(s, " link-netns {ns}")?;
            }
            write!(s, " type ipip remote {a}.{b}.{c}.{d} local {e}.{f}.{g}.{h}")
        }
    }
}

#[cfg(test)]
mod tests {
    use rtnl_model::script::{Release, Step};

    use super::*;
    use crate::scenario::parse_script;

    /// Every op, with and without its optional parts, prints as text that parses back to it.
    #[test]
    fn printed_commands_parse_back() {
        let s = |v: &str| v.to_owned();
        let upper = |ipvlan: bool, link_netns: Option<String>, mode: Option<String>| {
            let link = s("veth0");
            if ipvlan {
                LinkKind::Ipvlan { link, link_netns, mode }
            } else {
                LinkKind::Macvlan { link, link_netns, mode }
            }
        };
        let ipvtap = LinkKind::Ipvtap { link: s("veth0"), link_netns: Some(s("ns1")), mode: Some(s("l3")) };
        let mut kinds = vec![
            LinkKind::Veth { peer: s("veth1"), peer_netns: None },
            LinkKind::Veth { peer: s("veth1"), peer_netns: Some(s("ns2")) },
            LinkKind::Vxcan { peer: s("vxcan1"), peer_netns: Some(s("ns2")) },
            LinkKind::Netkit { peer: s("nk1"), peer_netns: None },
            LinkKind::Bareudp { dstport: 6635, ethertype: s("ipv4") },
            LinkKind::Bareudp { dstport: 1, ethertype: s("0x86dd") },
            LinkKind::Vxlan { id: 0, dstport: 4789 },
            LinkKind::Vxlan { id: (1 << 24) - 1, dstport: u16::MAX },
            LinkKind::Geneve { id: 1, remote: [10, 0, 0, 1], dstport: 6081, link_netns: None },
            LinkKind::Geneve { id: (1 << 24) - 1, remote: [192, 168, 1, 254], dstport: 1, link_netns: Some(s("ns2")) },
            ipvtap,
            LinkKind::Ipip { remote: [10, 0, 0, 1], local: [10, 0, 0, 2], link_netns: None },
            LinkKind::Ipip { remote: [224, 0, 0, 1], local: [0, 0, 0, 0], link_netns: Some(s("ns1")) },
        ];
        for ipvlan in [false, true] {
            for link_netns in [None, Some(s("ns2"))] {
                for mode in [None, Some(s(if ipvlan { "l3s" } else { "passthru" }))] {
                    kinds.push(upper(ipvlan, link_netns.clone(), mode));
                }
            }
        }
        let mut cases = vec![(None, Op::NetnsAdd { name: s("ns1") }), (None, Op::NetnsDel { name: s("ns1") })];
        for netns in [None, Some("ns1")] {
            let netns = netns.map(String::from);
            cases.push((netns.clone(), Op::LinkSetNetns { name: s("veth0"), target: s("ns3") }));
            cases.push((netns.clone(), Op::LinkDel { name: s("veth0") }));
            for until in [Release::Put, Release::Unregister, Release::Rebroadcast] {
                cases.push((netns.clone(), Op::NetdevHold { dev: s("veth0"), tracker: s("dst0"), until }));
            }
            for kind in &kinds {
                cases.push((netns.clone(), Op::LinkAdd { name: s("dev0"), target: None, kind: kind.clone() }));
                // `netns` does not combine with `link-netns` (the parser refuses it).
                let link_netns = matches!(
                    kind,
                    LinkKind::Ipvlan { link_netns: Some(_), .. }
                        | LinkKind::Ipvtap { link_netns: Some(_), .. }
                        | LinkKind::Macvlan { link_netns: Some(_), .. }
                        | LinkKind::Geneve { link_netns: Some(_), .. }
                        | LinkKind::Ipip { link_netns: Some(_), .. }
                );
                if !link_netns {
                    let target = Some(s("ns2"));
                    cases.push((netns.clone(), Op::LinkAdd { name: s("dev0"), target, kind: kind.clone() }));
                }
            }
        }
        for tool in [rtnl_model::script::UnloadTool::ModprobeR, rtnl_model::script::UnloadTool::Rmmod] {
            cases.push((None, Op::ModuleRemove { module: s("veth"), tool }));
        }
        for (netns, op) in cases {
            let text = command_text(netns.as_deref(), &op);
            let script = parse_script("t", &text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let [Step::Run(c)] = script.steps.as_slice() else { panic!("{text:?}: {:?}", script.steps) };
            assert_eq!((&c.netns, &c.op, c.text.as_str()), (&netns, &op, text.as_str()));
        }
    }
}
