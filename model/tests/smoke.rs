use rtnl_model::script::{Command, LinkKind, Loc, Op, Script, Step};
use rtnl_model::{execute, Config, Mode};

fn cmd(line: usize, netns: Option<&str>, op: Op) -> Command {
    Command { loc: Loc { line, col: 1 }, text: format!("cmd{line}"), netns: netns.map(Into::into), op }
}

fn cover_letter() -> Script {
    let s = |x: &str| x.to_string();
    Script {
        name: "cover".into(),
        steps: vec![
            Step::Run(cmd(1, None, Op::NetnsAdd { name: s("ns1") })),
            Step::Run(cmd(2, None, Op::NetnsAdd { name: s("ns2") })),
            Step::Run(cmd(3, None, Op::NetnsAdd { name: s("ns3") })),
            Step::Run(cmd(
                4,
                Some("ns1"),
                Op::LinkAdd { name: s("veth0"), kind: LinkKind::Veth { peer: s("veth1"), peer_netns: None } },
            )),
            Step::Run(cmd(
                5,
                Some("ns2"),
                Op::LinkAdd {
                    name: s("ipvl2"),
                    kind: LinkKind::Ipvlan { link: s("veth0"), link_netns: Some(s("ns1")), mode: None },
                },
            )),
            Step::Run(cmd(
                6,
                Some("ns3"),
                Op::LinkAdd {
                    name: s("ipvl3"),
                    kind: LinkKind::Ipvlan { link: s("veth0"), link_netns: Some(s("ns1")), mode: None },
                },
            )),
            Step::Run(cmd(7, Some("ns1"), Op::LinkDel { name: s("veth0") })),
        ],
    }
}

#[test]
fn cover_letter_both_modes() {
    for mode in Mode::ALL {
        let r = execute(Config::new(mode), &cover_letter());
        println!("=== {mode}\n{}", r.format_trace(false));
        println!("{:?}\n{:?}", r.outcome, r.results);
        assert!(r.violations.is_empty(), "{:#?}", r.violations);
    }
}
