//! The scenario parser: every shipped scenario parses, malformed lines fail with precise
//! locations and messages, and no input makes it panic or report a location outside the
//! source.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use proptest::prelude::*;
use rtnl_checks::scenario::{load_script, parse_script, ParseError, ScenarioError};
use rtnl_model::script::{Command, LinkKind, Loc, Op, Release, Script, Step, UnloadTool};

/// This crate's corpus.
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");

fn scenario_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    files.sort();
    files
}

fn parse_ok(source: &str) -> Script {
    parse_script("t", source).unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(source: &str) -> ParseError {
    match parse_script("t", source) {
        Ok(script) => panic!("{source:?} parsed: {script:?}"),
        Err(e) => e,
    }
}

fn single_op(source: &str) -> (Option<String>, Op) {
    let script = parse_ok(source);
    match script.steps.as_slice() {
        [Step::Run(c)] => (c.netns.clone(), c.op.clone()),
        other => panic!("expected one command, got {other:?}"),
    }
}

#[test]
fn corpus_scenarios_parse_within_model_checking_bounds() {
    let files = scenario_files(CORPUS);
    assert!(files.len() >= 28, "only {} corpus scenarios", files.len());
    for path in files {
        let source = fs::read_to_string(&path).expect("readable scenario");
        assert!(source.starts_with("# "), "{} lacks a header", path.display());
        let script = load_script(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut background = 0;
        for step in &script.steps {
            match step {
                Step::Background(_) => background += 1,
                Step::Wait(_) => background = 0,
                Step::Run(_) => {}
            }
            assert!(background <= 2, "{}: more than 2 background commands", path.display());
        }
        let netns = script.commands().filter(|c| matches!(c.op, Op::NetnsAdd { .. }));
        assert!(netns.count() <= 5, "{}: too many namespaces", path.display());
        let mut devices = 0;
        for cmd in script.commands() {
            if let Op::LinkAdd { kind, .. } = &cmd.op {
                devices += if matches!(kind, LinkKind::Veth { .. }) { 2 } else { 1 };
            }
        }
        assert!(devices <= 6, "{}: {devices} devices", path.display());
    }
}

#[test]
fn cover_letter_parses_to_the_expected_steps() {
    let source = fs::read_to_string(Path::new(CORPUS).join("cover-letter.sh")).expect("read");
    let script = parse_script("cover-letter", &source).expect("parses");
    assert_eq!(script.name, "cover-letter");
    let cmds: Vec<&Command> = script.commands().collect();
    assert_eq!(cmds.len(), 7);
    assert_eq!(cmds[0].op, Op::NetnsAdd { name: "ns1".into() });
    assert_eq!(
        cmds[3].op,
        Op::LinkAdd {
            name: "veth0".into(),
            target: None,
            kind: LinkKind::Veth { peer: "veth1".into(), peer_netns: None }
        }
    );
    assert_eq!(cmds[4].netns.as_deref(), Some("ns2"));
    assert_eq!(
        cmds[4].op,
        Op::LinkAdd {
            name: "ipvl2".into(),
            target: None,
            kind: LinkKind::Ipvlan { link: "veth0".into(), link_netns: Some("ns1".into()), mode: Some("l2".into()) }
        }
    );
    assert_eq!(cmds[6].op, Op::LinkDel { name: "veth0".into() });
    assert_eq!(cmds[6].text, "ip -n ns1 link del veth0");
    assert_eq!(cmds[6].loc.line, source.lines().count());
}

#[test]
fn background_wait_comments_and_locations() {
    let source = "\
# header

  ip netns add ns1   # trailing comment
\tip -n ns1 link del veth0 &
ip -netns ns2 link del veth1& # glued
wait
ip link add a type veth peer b#not-a-comment
";
    let script = parse_ok(source);
    assert_eq!(script.steps.len(), 5);
    let Step::Run(add) = &script.steps[0] else { panic!("{:?}", script.steps[0]) };
    assert_eq!(add.loc, Loc { line: 3, col: 3 });
    assert_eq!(add.text, "ip netns add ns1");
    let Step::Background(del) = &script.steps[1] else { panic!("{:?}", script.steps[1]) };
    assert_eq!(del.loc, Loc { line: 4, col: 2 });
    assert_eq!(del.text, "ip -n ns1 link del veth0");
    assert_eq!(del.netns.as_deref(), Some("ns1"));
    let Step::Background(glued) = &script.steps[2] else { panic!("{:?}", script.steps[2]) };
    assert_eq!(glued.text, "ip -netns ns2 link del veth1");
    assert_eq!(glued.op, Op::LinkDel { name: "veth1".into() });
    assert_eq!(script.steps[3], Step::Wait(Loc { line: 6, col: 1 }));
    let Step::Run(veth) = &script.steps[4] else { panic!("{:?}", script.steps[4]) };
    assert_eq!(veth.netns, None);
    assert_eq!(
        veth.op,
        Op::LinkAdd {
            name: "a".into(),
            target: None,
            kind: LinkKind::Veth { peer: "b#not-a-comment".into(), peer_netns: None }
        }
    );
}

#[test]
fn crlf_and_empty_sources() {
    assert_eq!(parse_ok("").steps, vec![]);
    assert_eq!(parse_ok("\n\n# only comments\n").steps, vec![]);
    let script = parse_ok("ip netns add a\r\nip netns delete a\r\n");
    assert_eq!(script.steps.len(), 2);
    assert_eq!(script.commands().nth(1).map(|c| &c.op), Some(&Op::NetnsDel { name: "a".into() }));
}

#[test]
fn every_link_form() {
    assert_eq!(
        single_op("ip link add name v0 type veth peer v1 netns ns2"),
        (
            None,
            Op::LinkAdd {
                name: "v0".into(),
                target: None,
                kind: LinkKind::Veth { peer: "v1".into(), peer_netns: Some("ns2".into()) }
            }
        )
    );
    assert_eq!(
        single_op("ip -n a link add dev v0 type veth peer netns b name v1").1,
        Op::LinkAdd {
            name: "v0".into(),
            target: None,
            kind: LinkKind::Veth { peer: "v1".into(), peer_netns: Some("b".into()) }
        }
    );
    assert_eq!(
        single_op("ip -n a link add c0 type vxcan peer name c1 netns b").1,
        Op::LinkAdd {
            name: "c0".into(),
            target: None,
            kind: LinkKind::Vxcan { peer: "c1".into(), peer_netns: Some("b".into()) }
        }
    );
    assert_eq!(
        single_op("ip -n a link add m0 link-netns b link v0 type macvlan mode source").1,
        Op::LinkAdd {
            name: "m0".into(),
            target: None,
            kind: LinkKind::Macvlan { link: "v0".into(), link_netns: Some("b".into()), mode: Some("source".into()) }
        }
    );
    assert_eq!(
        single_op("ip -n a link add v0 netns b type veth peer name v1 netns c").1,
        Op::LinkAdd {
            name: "v0".into(),
            target: Some("b".into()),
            kind: LinkKind::Veth { peer: "v1".into(), peer_netns: Some("c".into()) }
        }
    );
    assert_eq!(
        single_op("ip -n a link add netns b link v0 name m0 type macvlan").1,
        Op::LinkAdd {
            name: "m0".into(),
            target: Some("b".into()),
            kind: LinkKind::Macvlan { link: "v0".into(), link_netns: None, mode: None }
        }
    );
    assert_eq!(
        single_op("ip -n a link add link v0 name i0 type ipvlan").1,
        Op::LinkAdd {
            name: "i0".into(),
            target: None,
            kind: LinkKind::Ipvlan { link: "v0".into(), link_netns: None, mode: None }
        }
    );
    assert_eq!(
        single_op("ip -n a link add b0 type bareudp ethertype MPLS_UC dstport 0x19eb").1,
        Op::LinkAdd {
            name: "b0".into(),
            target: None,
            kind: LinkKind::Bareudp { dstport: 6635, ethertype: "mpls_uc".into() }
        }
    );
    assert_eq!(
        single_op("ip -n a link add x0 type vxlan dstport 65535 id 16777215").1,
        Op::LinkAdd { name: "x0".into(), target: None, kind: LinkKind::Vxlan { id: 16_777_215, dstport: 65535 } }
    );
    assert_eq!(
        single_op("ip -n a link add g0 type geneve remote 10.0.0.1 id 7").1,
        Op::LinkAdd {
            name: "g0".into(),
            target: None,
            kind: LinkKind::Geneve { id: 7, remote: [10, 0, 0, 1], dstport: 6081, link_netns: None }
        }
    );
    assert_eq!(
        single_op("ip -n a link add g0 link-netns b type geneve id 16777215 dstport 6082 remote 192.0.2.254").1,
        Op::LinkAdd {
            name: "g0".into(),
            target: None,
            kind: LinkKind::Geneve {
                id: 16_777_215,
                remote: [192, 0, 2, 254],
                dstport: 6082,
                link_netns: Some("b".into())
            }
        }
    );
    assert_eq!(
        single_op("ip -n a link set netns b dev v0").1,
        Op::LinkSetNetns { name: "v0".into(), target: "b".into() }
    );
    assert_eq!(single_op("ip -n a link delete dev v0").1, Op::LinkDel { name: "v0".into() });
    assert_eq!(
        single_op("modprobe -r veth"),
        (None, Op::ModuleRemove { module: "veth".into(), tool: UnloadTool::ModprobeR })
    );
    assert_eq!(
        single_op("rmmod geneve # comment"),
        (None, Op::ModuleRemove { module: "geneve".into(), tool: UnloadTool::Rmmod })
    );
    // Semantic nonsense is not a parse error: the model and the kernel fail it at run time.
    assert_eq!(single_op("ip -n nowhere link del nosuch").1, Op::LinkDel { name: "nosuch".into() });
}

/// (source, line, col, exact message)
const MALFORMED: &[(&str, usize, usize, &str)] = &[
    ("ip link del up", 1, 13, r#"expected a device name after "del", found keyword "up""#),
    (
        "ip netns add ns1\nip -n ns1 link add bond0 type bond",
        2,
        31,
        r#"unknown link type "bond"; this language knows veth, vxcan, netkit, ipvlan, ipvtap, macvlan, bareudp, vxlan, geneve, ipip"#,
    ),
    ("# comment\n\nip netns add   # nothing\n", 3, 13, r#"expected a netns name after "add", found end of line"#),
    (
        "ip link add veth0123456789abc type veth peer v1",
        1,
        13,
        r#"expected a device name after "add", found "veth0123456789abc" (a device name is at most 15 bytes, this one has 17)"#,
    ),
    ("ip -n a link del v0 & ip -n a link del v1", 1, 21, r#""&" may only end a command"#),
    ("ip -n a link add m0 type macvlan mode bridge", 1, 26, r#"macvlan needs "link DEV" before "type""#),
    (
        "ip -n a link add x0 type vxlan id 16777216 dstport 4789",
        1,
        35,
        r#"expected a VXLAN id (0-16777215) after "id", found "16777216""#,
    ),
    (
        "ip -n a link add x0 type vxlan id 1 dstport 0",
        1,
        45,
        r#"expected a UDP port (1-65535) after "dstport", found "0""#,
    ),
    ("ip -n a link add x0 type vxlan dstport 4789", 1, 26, r#"vxlan needs "id N""#),
    ("ip -n a link add g0 type geneve id 1", 1, 26, r#"geneve needs "remote A.B.C.D""#),
    ("ip -n a link add g0 type geneve remote 10.0.0.1", 1, 26, r#"geneve needs "id N""#),
    (
        "ip -n a link add g0 type geneve id 1 remote 10.0.0",
        1,
        45,
        r#"expected an IPv4 address (A.B.C.D) after "remote", found "10.0.0""#,
    ),
    (
        "ip -n a link add g0 type geneve id 1 remote 239.1.1.1",
        1,
        45,
        "a multicast remote is refused by the kernel (geneve_nl2info(): EINVAL)",
    ),
    ("ip -n a link add g0 link v0 type geneve id 1 remote 10.0.0.1", 1, 21, r#""link" does not apply to geneve"#),
    (
        "ip -n a link add m0 link v0 type macvlan mode l2",
        1,
        47,
        r#"expected a macvlan mode (private, vepa, bridge, passthru, source) after "mode", found "l2""#,
    ),
    ("ip -j link show", 1, 4, r#"unknown option "-j"; this language knows only -n NS (or -netns NS)"#),
    ("ip -n a netns add b", 1, 4, r#""-n" does not apply to "ip netns""#),
    (
        "ip netns add a\nifconfig eth0 up",
        2,
        1,
        r#"expected "ip", "netdev_hold", "netdev_put", "modprobe", "rmmod" or "wait", found "ifconfig""#,
    ),
    ("wait &", 1, 6, r#""wait" cannot run in the background"#),
    (
        "ip netns add a\nmodprobe -r gre",
        2,
        13,
        "unknown module \"gre\"; this language knows veth, ipvlan, ipvtap, macvlan, bareudp, vxlan, vxcan, geneve, ipip",
    ),
    (
        "rmmod nosuch &",
        1,
        7,
        "unknown module \"nosuch\"; this language knows veth, ipvlan, ipvtap, macvlan, bareudp, vxlan, vxcan, geneve, ipip",
    ),
    (
        "modprobe veth",
        1,
        10,
        r#"expected "-r" after "modprobe": this language only unloads modules (modprobe -r MODULE)"#,
    ),
    ("modprobe -r", 1, 12, r#"expected a module name after "-r", found end of line"#),
    ("modprobe -r -r veth", 1, 13, r#""-r" given twice"#),
    ("modprobe -q -r veth", 1, 10, r#"unknown option "-q" of modprobe; this language knows -r"#),
    ("rmmod -f veth", 1, 7, r#""-f" (forced unload) is not part of this language"#),
    ("rmmod veth extra", 1, 12, r#"expected end of line (one module a line) after "veth", found "extra""#),
    ("ip -n a link set veth0 up", 1, 24, r#"expected "netns NS" after "veth0", found keyword "up""#),
    (
        "ip link add v0 type veth peer v1 ; ip netns del a",
        1,
        34,
        r#"unsupported shell syntax ";": a scenario line is one ip(8) command"#,
    ),
    ("ip netns add a/b", 1, 14, r#"expected a netns name after "add", found "a/b" (a netns name may not contain '/')"#),
    (
        "ip -n a link add v0 type veth peer name netns",
        1,
        41,
        r#"expected a peer name after "name", found keyword "netns""#,
    ),
    ("ip -n a link add v0 type veth", 1, 30, r#"expected "peer" after "veth", found end of line"#),
    ("ip -n a link add v0 link v1 type veth peer v2", 1, 21, r#""link" does not apply to veth"#),
    ("ip -n a link add c0 type vxcan", 1, 31, r#"expected "peer" after "vxcan", found end of line"#),
    ("ip -n a link add c0 link v1 type vxcan peer c1", 1, 21, r#""link" does not apply to vxcan"#),
    (
        "ip -n a link add b0 type bareudp dstport 6635 ethertype arp",
        1,
        57,
        r#"expected an ethertype (ipv4, ipv6, mpls_uc, mpls_mc, ip or a number) after "ethertype", found "arp""#,
    ),
    ("ip -n a -n b link del v0", 1, 9, r#""-n" given twice"#),
    ("modprobe -r netkit", 1, 13, "netkit is built into the kernel (CONFIG_NETKIT is bool): it cannot be unloaded"),
    ("ip -n a link add v0 netns b netns c type veth peer v1", 1, 29, r#""netns" given twice"#),
    (
        "ip -n a link add m0 netns b link v0 link-netns c type macvlan",
        1,
        37,
        r#""link-netns" cannot be combined with "netns" here"#,
    ),
    (
        "ip -n a link add m0 link-netns c link v0 netns b type macvlan",
        1,
        42,
        r#""netns" cannot be combined with "link-netns" here"#,
    ),
    ("ip -n a link del v0 &&", 1, 21, r#""&&" is not part of this language: write one command a line"#),
    ("wait 1", 1, 6, r#"expected end of line after "wait", found "1""#),
    ("ip -n a link add type veth peer v1", 1, 18, r#"expected a device name before "type""#),
    // Columns count characters, not bytes.
    (
        "ip -n é link del a:b",
        1,
        18,
        r#"expected a device name after "del", found "a:b" (a device name may not contain ':')"#,
    ),
];

#[test]
fn malformed_inputs_fail_precisely() {
    let mut mismatches = Vec::new();
    for &(source, line, col, message) in MALFORMED {
        let err = parse_err(source);
        if (err.line(), err.col(), err.message()) != (line, col, message) {
            mismatches.push(format!(
                "{source:?}\n  expected {line}:{col}: {message}\n  found    {}:{}: {}",
                err.line(),
                err.col(),
                err.message()
            ));
            continue;
        }
        assert_eq!(err.source_name(), "t");
        assert_eq!(err.source_text(), source);
        let display = err.to_string();
        assert!(display.starts_with(&format!("t:{line}:{col}: ")), "{display}");
        assert_located(source, &err);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn error_report_renders_with_label() {
    let err = parse_err("ip netns add ns1\nip -n ns1 link del up\n");
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &err)
        .expect("render");
    assert!(out.contains("expected a device name"), "{out}");
    assert!(out.contains("ip -n ns1 link del up"), "{out}");
}

#[test]
fn load_script_reports_io_and_parse_errors() {
    let missing = Path::new(CORPUS).join("no-such-scenario.sh");
    assert!(matches!(load_script(&missing), Err(ScenarioError::Io { .. })));
    let dir = std::env::temp_dir().join(format!("rtnl-parse-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.sh");
    fs::write(&bad, "ip netns add ns1\nip link frob\n").expect("write");
    let result = load_script(&bad);
    let _ = fs::remove_dir_all(&dir);
    match result {
        Err(ScenarioError::Parse(e)) => {
            assert_eq!((e.line(), e.col()), (2, 9));
            assert!(e.to_string().starts_with(&format!("{}:2:9: ", bad.display())));
        }
        other => panic!("{other:?}"),
    }
}

/// The span lies inside the source on character boundaries, and line/col are the span
/// start's, computed independently here.
fn assert_located(source: &str, err: &ParseError) {
    let span = err.span();
    assert!(
        span.start <= span.end && span.end <= source.len(),
        "span {span:?} outside source of {} bytes",
        source.len()
    );
    assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end));
    let before = &source[..span.start];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    assert_eq!((err.line(), err.col()), (line, col), "{err}");
}

/// Every command's location points at its text, and its text alone parses to the same
/// command.
fn assert_commands_consistent(source: &str, script: &Script) {
    let lines: Vec<&str> = source.split('\n').collect();
    for cmd in script.commands() {
        let line = lines[cmd.loc.line - 1];
        let at: String = line.chars().skip(cmd.loc.col - 1).collect();
        assert!(at.starts_with(&cmd.text), "{cmd:?} not at {at:?}");
        let again = parse_script("again", &cmd.text).unwrap_or_else(|e| panic!("{e}"));
        let [Step::Run(alone)] = again.steps.as_slice() else { panic!("{:?}", again.steps) };
        assert_eq!((&alone.netns, &alone.op), (&cmd.netns, &cmd.op));
    }
}

fn check_any(source: &str) {
    match parse_script("p", source) {
        Ok(script) => assert_commands_consistent(source, &script),
        Err(err) => assert_located(source, &err),
    }
}

/// Words of every shipped scenario, plus odd words that stress the lexer and validators.
fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for dir in [CORPUS] {
        for path in scenario_files(dir) {
            let text = fs::read_to_string(path).expect("readable scenario");
            words.extend(text.split_whitespace().map(str::to_owned));
        }
    }
    words.extend(
        [
            "&",
            "&&",
            "#",
            "wait",
            "-n",
            "-netns",
            "--netns",
            ";",
            "|",
            "é",
            "a/b",
            ".",
            "..",
            "a:b",
            "eth%d",
            "0x",
            "0x10",
            "4294967296",
            "\u{a0}",
            "\r",
            "\u{2028}",
            "'q'",
            "0123456789abcdef",
            "link-netnsid",
        ]
        .map(str::to_owned),
    );
    words.sort();
    words.dedup();
    words
}

/// Shipped scenarios as lines of words, the material the mutations work on.
fn valid_scripts() -> Vec<Vec<Vec<String>>> {
    let mut scripts = Vec::new();
    for dir in [CORPUS] {
        for path in scenario_files(dir) {
            let text = fs::read_to_string(path).expect("readable scenario");
            scripts.push(text.lines().map(|l| l.split_whitespace().map(str::to_owned).collect()).collect());
        }
    }
    scripts
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete { line: usize, word: usize },
    Insert { line: usize, word: usize, vocab: usize },
    Swap { line: usize, a: usize, b: usize },
    JoinLines { line: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(line, word)| Mutation::Delete { line, word }),
        (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(line, word, vocab)| Mutation::Insert {
            line,
            word,
            vocab
        }),
        (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(line, a, b)| Mutation::Swap { line, a, b }),
        any::<usize>().prop_map(|line| Mutation::JoinLines { line }),
    ]
}

fn mutate(mut lines: Vec<Vec<String>>, vocab: &[String], mutations: &[Mutation]) -> String {
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match *m {
            Mutation::Delete { line, word } => {
                let l = &mut lines[line % n];
                if !l.is_empty() {
                    let i = word % l.len();
                    l.remove(i);
                }
            }
            Mutation::Insert { line, word, vocab: v } => {
                let l = &mut lines[line % n];
                let i = word % (l.len() + 1);
                l.insert(i, vocab[v % vocab.len()].clone());
            }
            Mutation::Swap { line, a, b } => {
                let l = &mut lines[line % n];
                if !l.is_empty() {
                    let len = l.len();
                    l.swap(a % len, b % len);
                }
            }
            Mutation::JoinLines { line } => {
                let i = line % n;
                if i + 1 < n {
                    let next = lines.remove(i + 1);
                    lines[i].extend(next);
                }
            }
        }
    }
    lines.iter().map(|l| l.join(" ")).collect::<Vec<_>>().join("\n")
}

static VOCABULARY: LazyLock<Vec<String>> = LazyLock::new(vocabulary);
static VALID_SCRIPTS: LazyLock<Vec<Vec<Vec<String>>>> = LazyLock::new(valid_scripts);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prop_arbitrary_strings_never_panic(source in any::<String>()) {
        check_any(&source);
    }

    #[test]
    fn prop_ip_like_text_never_panics(source in "([ \t\n&#a-z0-9/:.-]|ip|link|add|del|netns|-n|type|veth|peer|macvlan|vxlan|wait|é){0,120}") {
        check_any(&source);
    }

    #[test]
    fn prop_mutated_scenarios_never_panic(
        which in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let scripts = &*VALID_SCRIPTS;
        let source = mutate(scripts[which % scripts.len()].clone(), &VOCABULARY, &mutations);
        check_any(&source);
    }

    #[test]
    fn prop_long_lines_never_panic(word in "[a-z&#é:]{1,20}", repeat in 1usize..2000) {
        let source = format!("ip link del {}", word.repeat(repeat));
        check_any(&source);
    }
}

#[test]
fn netdev_hold_and_put_forms() {
    let script = parse_ok(
        "netdev_hold -n ns2 veth1 dst0\nnetdev_hold veth0 sk0 until unregister &\n\
         netdev_hold -netns ns1 v2 t.1 until rebroadcast\nnetdev_put dst0 # done\n",
    );
    let ops: Vec<(Option<String>, Op)> = script.commands().map(|c| (c.netns.clone(), c.op.clone())).collect();
    let hold = |dev: &str, tracker: &str, until| Op::NetdevHold { dev: dev.into(), tracker: tracker.into(), until };
    assert_eq!(
        ops,
        vec![
            (Some("ns2".into()), hold("veth1", "dst0", Release::Put)),
            (None, hold("veth0", "sk0", Release::Unregister)),
            (Some("ns1".into()), hold("v2", "t.1", Release::Rebroadcast)),
            (None, Op::NetdevPut { tracker: "dst0".into() }),
        ]
    );
    assert!(matches!(script.steps[1], Step::Background(_)));
    assert_eq!(script.commands().nth(3).map(|c| c.text.as_str()), Some("netdev_put dst0"));
}

/// Each tracker error names the tracker's word and the other line involved.
const TRACKER_ERRORS: &[(&str, usize, usize, &str)] = &[
    ("netdev_hold veth0 dst0\nnetdev_put dst1\n", 2, 12, r#"unknown tracker "dst1": no netdev_hold names it"#),
    (
        "netdev_hold veth0 dst0\nnetdev_hold -n ns1 veth1 dst0\n",
        2,
        26,
        r#"tracker "dst0" is already used by the netdev_hold at line 1"#,
    ),
    ("netdev_put dst0\nnetdev_hold veth0 dst0\n", 1, 12, r#"netdev_put "dst0" before its netdev_hold at line 2"#),
    (
        "netdev_hold veth0 dst0\nnetdev_put dst0\nnetdev_put dst0\n",
        3,
        12,
        r#"tracker "dst0" was already put at line 2"#,
    ),
    ("netdev_hold veth0\n", 1, 18, r#"expected a tracker name after "veth0", found end of line"#),
    (
        "netdev_hold veth0 dst0 until never\n",
        1,
        30,
        r#"expected a release (unregister, rebroadcast) after "until", found "never""#,
    ),
    (
        "netdev_hold veth0 a/b\n",
        1,
        19,
        r#"expected a tracker name after "veth0", found "a/b" (a tracker name may not contain '/')"#,
    ),
    (
        "netdev_put -n ns1 dst0\n",
        1,
        12,
        r#"expected a tracker name after "netdev_put", found "-n" (a tracker name starts with a letter or digit)"#,
    ),
];

#[test]
fn tracker_errors_are_located() {
    let mut mismatches = Vec::new();
    for &(source, line, col, message) in TRACKER_ERRORS {
        let err = parse_err(source);
        assert_located(source, &err);
        if (err.line(), err.col(), err.message()) != (line, col, message) {
            mismatches.push(format!(
                "{source:?}\n  expected {line}:{col}: {message}\n  found    {}:{}: {}",
                err.line(),
                err.col(),
                err.message()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
